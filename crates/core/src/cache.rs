//! `CredentialsCache`: temporary credentials in the keyring, their non-secret metadata
//! (expiry, masked key id, what they are for) in 0600 files under the XDG cache dir.
//!
//! The metadata lets status views and the stale path skip the keyring entirely; the
//! keyring copy is authoritative. A damaged or inconsistent entry is discarded and
//! refreshed, never fatal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::write_private_in_own_dir;
use crate::aws::plan::StepKey;
use crate::credentials::{mask_key_id, rfc3339, Credentials};
use crate::error::Result;
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

    /// The metadata of an entry, if there is a readable one.
    pub fn meta(&self, key: &StepKey) -> Option<CacheMeta> {
        let bytes = std::fs::read(self.meta_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Cached credentials with more than `min_remaining` seconds left at `now`, if any.
    pub fn get(&self, key: &StepKey, now: i64, min_remaining: i64) -> Result<Option<Credentials>> {
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
        let Some(bytes) = self.store.get(&keyring_key(key))? else {
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
        self.store.set(
            &keyring_key(key),
            &format!("Otpilot cached AWS credentials ({})", key.description),
            creds.to_stored().expose().as_bytes(),
        )?;
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

    /// Forgets an entry (both halves); errors are logged, not returned.
    pub fn discard(&self, key: &StepKey) {
        let _ = std::fs::remove_file(self.meta_path(key));
        if let Err(e) = self.store.delete(&keyring_key(key)) {
            tracing::debug!("could not delete cached credentials from the keyring: {e}");
        }
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
        // cleaning the keyring): a miss, and the metadata is gone too.
        store.delete(&keyring_key(&key)).unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        assert!(cache.meta(&key).is_none());
        // Garbage in the metadata file.
        cache.put(&key, &creds(10_000), 0).unwrap();
        std::fs::write(cache.meta_path(&key), "{not json").unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        // Metadata that disagrees with the keyring.
        cache.put(&key, &creds(10_000), 0).unwrap();
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
}
