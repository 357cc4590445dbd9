//! `CredentialsCache`: temporary credentials in the keyring, their non-secret metadata
//! (expiry, masked key id, what they are for) in 0600 files under the XDG cache dir.
//!
//! The metadata lets status views and the stale path skip the keyring entirely; the
//! keyring copy is authoritative. A damaged or inconsistent entry is discarded and
//! refreshed, never fatal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic::write_private_in_own_dir;
use crate::credentials::{mask_key_id, rfc3339, Credentials};
use crate::error::Result;
use crate::store::SecretStore;

/// Identifies one set of cached credentials: a hash of everything that determines them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    hex: String,
    /// Human description ("MFA session for default with arn:...:mfa/alice").
    pub description: String,
}

impl CacheKey {
    /// `parts` are the inputs that make two requests interchangeable.
    pub fn new(parts: &[&str], description: String) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let hex = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Self { hex, description }
    }

    pub fn id(&self) -> &str {
        &self.hex
    }

    fn keyring_key(&self) -> String {
        format!("cache:{}", self.hex)
    }
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

    fn meta_path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.hex))
    }

    /// The metadata of an entry, if there is a readable one.
    pub fn meta(&self, key: &CacheKey) -> Option<CacheMeta> {
        let bytes = std::fs::read(self.meta_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Cached credentials with more than `min_remaining` seconds left at `now`, if any.
    pub fn get(&self, key: &CacheKey, now: i64, min_remaining: i64) -> Result<Option<Credentials>> {
        let Some(meta) = self.meta(key) else {
            tracing::debug!(cache = %key.description, "no cache entry");
            return Ok(None);
        };
        // Credentials that live less than twice the margin (a 15-minute role with the
        // default 15-minute margin) are used for the first half of their life instead of
        // never.
        let lifetime = meta.expiration - meta.issued;
        let min_remaining = min_remaining.min(lifetime / 2);
        if meta.expiration - now <= min_remaining {
            tracing::debug!(
                cache = %key.description,
                remaining = meta.expiration - now,
                "cached credentials are too close to expiry"
            );
            return Ok(None);
        }
        let Some(bytes) = self.store.get(&key.keyring_key())? else {
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
    pub fn put(&self, key: &CacheKey, creds: &Credentials, now: i64) -> Result<()> {
        let Some(expiration) = creds.expiration else {
            return Ok(()); // long-term keys are not cached
        };
        self.store.set(
            &key.keyring_key(),
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
    pub fn discard(&self, key: &CacheKey) {
        let _ = std::fs::remove_file(self.meta_path(key));
        if let Err(e) = self.store.delete(&key.keyring_key()) {
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
        let key = CacheKey::new(&["role", "arn"], "test".into());
        cache.put(&key, &creds(10_000), 0).unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_some());
        assert!(cache.get(&key, 9_200, 900).unwrap().is_none());
        // Short-lived credentials are served for the first half of their life.
        let short = CacheKey::new(&["short"], "short".into());
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
        let key = CacheKey::new(&["k"], "test".into());
        cache.put(&key, &creds(10_000), 0).unwrap();
        // The keyring item disappears (crash between the two writes of a refresh, or a user
        // cleaning the keyring): a miss, and the metadata is gone too.
        store.delete(&key.keyring_key()).unwrap();
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
                &key.keyring_key(),
                "",
                creds(20_000).to_stored().expose().as_bytes(),
            )
            .unwrap();
        assert!(cache.get(&key, 0, 900).unwrap().is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn keys_depend_on_every_part() {
        let a = CacheKey::new(&["a", "bc"], String::new());
        let b = CacheKey::new(&["ab", "c"], String::new());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 24);
    }
}
