//! `CredentialsCache`: temporary credentials in the keyring, their non-secret metadata
//! (expiry, masked key id, what they are for) in 0600 files under the XDG cache dir, and a
//! hot copy in the kernel's keyring where the OS has one ([`crate::platform::hot_get`]).
//!
//! The metadata lets status views and the stale path skip the keyring entirely; the
//! keyring copy is authoritative. The hot copy is tried first and carries the kernel's own
//! timeout at the credentials' expiry; it is filled on every store and on every read that
//! had to go to the keyring, and forgotten with the entry. A damaged or inconsistent entry is
//! discarded and refreshed, never fatal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic::write_private_in_own_dir;
use crate::aws::plan::StepKey;
use crate::credentials::{mask_key_id, rfc3339, Credentials};
use crate::error::Result;
use crate::platform::{hot_forget, hot_get, hot_put, hot_tidy};
use crate::secret::SecretBytes;
use crate::store::SecretStore;

/// The one freshness rule, for the keyring cache and the tray's memory alike: credentials
/// issued at `issued` and expiring at `expiration` are handed out at `now` while more than
/// `margin` seconds are left. Credentials that live less than twice the margin (a 15-minute
/// role with the default 15-minute margin) are used for the first half of their life instead
/// of never.
pub fn fresh_enough(expiration: i64, issued: i64, now: i64, margin: i64) -> bool {
    let needed = margin.min((expiration - issued) / 2);
    expiration - now > needed
}

fn keyring_key(key: &StepKey) -> String {
    format!("cache:{}", key.id())
}

/// What is known about a cache entry without reading the keyring.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CacheMeta {
    pub description: String,
    pub access_key_id: String,
    /// Unix seconds.
    pub expiration: i64,
    pub expiration_rfc3339: String,
    /// Unix seconds when it was issued.
    pub issued: i64,
}

pub struct CredentialsCache<'s> {
    dir: PathBuf,
    store: &'s dyn SecretStore,
}

impl<'s> CredentialsCache<'s> {
    pub fn new(cache_dir: &Path, store: &'s dyn SecretStore) -> Self {
        Self {
            dir: cache_dir.join("credentials"),
            store,
        }
    }

    fn meta_path(&self, key: &StepKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.id()))
    }

    /// The entry's name in the kernel's keyring: the step and this cache's directory, so two
    /// homes of one user (or two test runs) never share an entry.
    fn hot_name(&self, key: &StepKey) -> String {
        self.hot_name_of(key.id())
    }

    fn hot_name_of(&self, id: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(self.dir.as_os_str().as_encoded_bytes());
        hash.update([0]);
        hash.update(id.as_bytes());
        let digest = hash.finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("otpilot:cache:{hex}")
    }

    /// Drops every hot copy from the kernel's keyring (`otpilot lock`): the next call reads
    /// the store, which, locked, answers nothing. Answers how many entries the cache has.
    pub fn forget_hot_copies(&self) -> usize {
        self.each_hot_name(hot_forget)
    }

    /// Drops the hot copies that are not private to this user (written by an earlier Otpilot
    /// that let whoever shares the session keyring read them), once per process, before the
    /// first read: not only the copies this call happens to read.
    fn tidy_hot_copies_once(&self) {
        static DONE: std::sync::Once = std::sync::Once::new();
        DONE.call_once(|| {
            self.each_hot_name(hot_tidy);
        });
    }

    /// Calls `f` with the hot copy's name of every entry; answers how many there are.
    fn each_hot_name(&self, f: impl Fn(&str)) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut count = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) {
                f(&self.hot_name_of(id));
                count += 1;
            }
        }
        count
    }

    /// Keeps a copy in the kernel's keyring until `expiration` (best effort).
    fn warm(&self, key: &StepKey, stored: &[u8], expiration: i64, now: i64) {
        let ttl = u64::try_from(expiration - now).unwrap_or(0);
        if !hot_put(&self.hot_name(key), stored, ttl) {
            tracing::debug!(cache = %key.description, "no hot copy (the kernel keyring said no)");
        }
    }

    /// The stored form of the entry: the kernel's hot copy, else the keyring's (which then
    /// warms the hot copy).
    fn stored(&self, key: &StepKey, meta: &CacheMeta, now: i64) -> Result<Option<SecretBytes>> {
        if let Some(hot) = hot_get(&self.hot_name(key)) {
            tracing::debug!(cache = %key.description, "hot copy from the kernel keyring");
            return Ok(Some(SecretBytes::from(hot)));
        }
        let stored = self.store.get(&keyring_key(key))?;
        if let Some(bytes) = &stored {
            self.warm(key, bytes.expose(), meta.expiration, now);
        }
        Ok(stored)
    }

    /// The metadata of an entry, if there is a readable one.
    pub fn meta(&self, key: &StepKey) -> Option<CacheMeta> {
        let bytes = std::fs::read(self.meta_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Cached credentials with more than `min_remaining` seconds left at `now`, if any.
    pub fn get(&self, key: &StepKey, now: i64, min_remaining: i64) -> Result<Option<Credentials>> {
        self.tidy_hot_copies_once();
        let Some(meta) = self.meta(key) else {
            tracing::debug!(cache = %key.description, "no cache entry");
            return Ok(None);
        };
        if !fresh_enough(meta.expiration, meta.issued, now, min_remaining) {
            tracing::debug!(
                cache = %key.description,
                remaining = meta.expiration - now,
                "cached credentials are too close to expiry"
            );
            return Ok(None);
        }
        let Some(bytes) = self.stored(key, &meta, now)? else {
            tracing::debug!(cache = %key.description, "metadata without a keyring item; discarding");
            self.discard(key);
            return Ok(None);
        };
        match Credentials::from_stored(bytes.expose()) {
            Some(creds)
                if creds.expiration == Some(meta.expiration)
                    && creds.access_key_id == meta.access_key_id =>
            {
                tracing::debug!(
                    cache = %key.description,
                    key = %mask_key_id(&creds.access_key_id),
                    remaining = meta.expiration - now,
                    "using cached credentials"
                );
                Ok(Some(creds))
            }
            _ => {
                tracing::debug!(cache = %key.description, "damaged cache entry; discarding");
                self.discard(key);
                Ok(None)
            }
        }
    }

    /// Stores credentials: the keyring first, then the metadata that points to them, so a
    /// crash in between leaves at worst an entry that `get` ignores.
    pub fn put(&self, key: &StepKey, creds: &Credentials, now: i64) -> Result<()> {
        let Some(expiration) = creds.expiration else {
            return Ok(()); // long-term keys are not cached
        };
        let stored = creds.to_stored();
        self.store.set(
            &keyring_key(key),
            &format!("Otpilot cached AWS credentials ({})", key.description),
            stored.expose().as_bytes(),
        )?;
        self.warm(key, stored.expose().as_bytes(), expiration, now);
        let meta = CacheMeta {
            description: key.description.clone(),
            access_key_id: creds.access_key_id.clone(),
            expiration,
            expiration_rfc3339: rfc3339(expiration),
            issued: now,
        };
        let json = serde_json::to_vec_pretty(&meta).expect("metadata serialises");
        write_private_in_own_dir(&self.meta_path(key), &json)
    }

    /// Forgets an entry (both halves, and the hot copy); errors are logged, not returned.
    /// `true` when there was something to forget (metadata or a stored item).
    pub fn discard(&self, key: &StepKey) -> bool {
        hot_forget(&self.hot_name(key));
        let had_meta = std::fs::remove_file(self.meta_path(key)).is_ok();
        let had_item = match self.store.delete(&keyring_key(key)) {
            Ok(deleted) => deleted,
            Err(e) => {
                tracing::debug!("could not delete cached credentials from the store: {e}");
                false
            }
        };
        had_meta || had_item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn creds(exp: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLEKEY01".into(),
            secret_access_key: "secret".into(),
            session_token: Some("token".into()),
            expiration: Some(exp),
        }
    }

    #[test]
    fn fresh_entries_are_served_stale_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let cache = CredentialsCache::new(dir.path(), &store);
        let key = StepKey::new(&["role", "arn"], "test".into());
        cache.put(&key, &creds(10_000), 0).unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_some());
        assert!(cache.get(&key, 9_200, 900).unwrap().is_none());
        // Short-lived credentials are served for the first half of their life.
        let short = StepKey::new(&["short"], "short".into());
        cache.put(&short, &creds(900), 0).unwrap();
        assert!(cache.get(&short, 400, 900).unwrap().is_some());
        assert!(cache.get(&short, 460, 900).unwrap().is_none());
        let meta = cache.meta(&key).unwrap();
        assert_eq!(meta.expiration, 10_000);
        let text = std::fs::read_to_string(cache.meta_path(&key)).unwrap();
        assert!(!text.contains("secret") && !text.contains("token"));
    }

    #[test]
    fn damaged_or_half_written_entries_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let cache = CredentialsCache::new(dir.path(), &store);
        let key = StepKey::new(&["k"], "test".into());
        cache.put(&key, &creds(10_000), 0).unwrap();
        // The keyring item disappears (crash between the two writes of a refresh, or a user
        // cleaning the keyring) and so has the hot copy: a miss, and the metadata is gone too.
        store.delete(&keyring_key(&key)).unwrap();
        hot_forget(&cache.hot_name(&key));
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        assert!(cache.meta(&key).is_none());
        // Garbage in the metadata file.
        cache.put(&key, &creds(10_000), 0).unwrap();
        std::fs::write(cache.meta_path(&key), "{not json").unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        // Metadata that disagrees with the keyring.
        cache.put(&key, &creds(10_000), 0).unwrap();
        hot_forget(&cache.hot_name(&key));
        store
            .set(
                &keyring_key(&key),
                "",
                creds(20_000).to_stored().expose().as_bytes(),
            )
            .unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn keys_depend_on_every_part() {
        let a = StepKey::new(&["a", "bc"], String::new());
        let b = StepKey::new(&["ab", "c"], String::new());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 24);
    }

    /// The expiry used by the hot tests: an hour from now, so the kernel keeps the copy.
    #[cfg(target_os = "linux")]
    fn in_an_hour() -> (i64, i64) {
        let now = crate::clock::unix_now_i64();
        (now, now + 3600)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_warm_read_comes_from_the_kernel_not_the_keyring() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let cache = CredentialsCache::new(dir.path(), &store);
        let key = StepKey::new(&["hot"], "hot".into());
        let (now, exp) = in_an_hour();
        cache.put(&key, &creds(exp), now).unwrap();
        // With the keyring's copy gone, the hot copy still answers: the keyring was not read.
        store.delete(&keyring_key(&key)).unwrap();
        assert_eq!(
            cache.get(&key, now, 900).unwrap().unwrap().access_key_id,
            "ASIAEXAMPLEKEY01"
        );
        // A read that has to go to the keyring warms the hot copy again.
        cache.put(&key, &creds(exp), now).unwrap();
        hot_forget(&cache.hot_name(&key));
        assert!(cache.get(&key, now, 900).unwrap().is_some());
        store.delete(&keyring_key(&key)).unwrap();
        assert!(cache.get(&key, now, 900).unwrap().is_some(), "re-warmed");
        // `otpilot lock` forgets every hot copy; the keyring's stays.
        cache.put(&key, &creds(exp), now).unwrap();
        assert_eq!(cache.forget_hot_copies(), 1);
        assert!(hot_get(&cache.hot_name(&key)).is_none());
        assert!(store.get(&keyring_key(&key)).unwrap().is_some());
        // Discarding forgets both.
        cache.discard(&key);
        assert!(hot_get(&cache.hot_name(&key)).is_none());
        // Another cache directory (another home) never sees this one's entries.
        let other_dir = tempfile::tempdir().unwrap();
        let other = CredentialsCache::new(other_dir.path(), &store);
        assert_ne!(other.hot_name(&key), cache.hot_name(&key));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_kernel_quota_falls_back_to_the_keyring_silently() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let cache = CredentialsCache::new(dir.path(), &store);
        let key = StepKey::new(&["full"], "full".into());
        let (now, exp) = in_an_hour();
        let filler = crate::platform::fill_kernel_quota();
        cache.put(&key, &creds(exp), now).unwrap();
        assert!(
            hot_get(&cache.hot_name(&key)).is_none(),
            "no room for a hot copy"
        );
        assert!(
            cache.get(&key, now, 900).unwrap().is_some(),
            "the keyring answers"
        );
        drop(filler);
        cache.discard(&key);
    }
}
