//! Moving every item from one store to another (`otpilot vault migrate`): each item is
//! written to the destination, read back and compared, and only then deleted from the
//! source. Stopped at any point, every item is in the source, or in both, or moved; a
//! second run finishes the job (an item already in the destination with the same secret is
//! not written again).

use crate::error::{Error, Result};
use crate::store::SecretStore;

/// What a migration did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Items written to the destination and removed from the source.
    pub moved: usize,
    /// Items the destination already held (an earlier, interrupted run): removed from the
    /// source only.
    pub already_there: usize,
}

/// Moves every item of `from` into `to`.
pub fn migrate(from: &dyn SecretStore, to: &dyn SecretStore) -> Result<Migrated> {
    let mut done = Migrated::default();
    for key in from.keys()? {
        let Some(secret) = from.get(&key)? else {
            continue; // gone since the listing
        };
        let present = to.get(&key)?;
        if present.as_ref().map(|p| p.expose()) == Some(secret.expose()) {
            done.already_there += 1;
        } else {
            to.set(&key, &label_for(&key), secret.expose())?;
            let back = to.get(&key)?;
            if back.as_ref().map(|b| b.expose()) != Some(secret.expose()) {
                return Err(Error::Vault(format!(
                    "the item `{key}` did not read back the same from the destination; it stays in the source"
                )));
            }
            done.moved += 1;
        }
        from.delete(&key)?;
    }
    Ok(done)
}

/// A keyring label for an item, from its key (`totp:…`, `keys:PROFILE`, `cache:…`).
fn label_for(key: &str) -> String {
    match key.split_once(':') {
        Some(("totp", _)) => "Otpilot TOTP seed".to_owned(),
        Some(("keys", profile)) => format!("Otpilot long-term AWS keys for {profile}"),
        Some(("cache", _)) => "Otpilot cached AWS credentials".to_owned(),
        _ => format!("Otpilot {key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;
    use crate::store::MemoryStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A destination that fails after `left` writes, as if the process were killed there.
    struct Failing {
        inner: MemoryStore,
        left: AtomicUsize,
    }

    impl SecretStore for Failing {
        fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
            self.inner.get(key)
        }
        fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
            if self.left.fetch_sub(1, Ordering::SeqCst) == 0 {
                return Err(Error::Vault("killed".into()));
            }
            self.inner.set(key, label, secret)
        }
        fn delete(&self, key: &str) -> Result<bool> {
            self.inner.delete(key)
        }
        fn keys(&self) -> Result<Vec<String>> {
            self.inner.keys()
        }
    }

    #[test]
    fn interrupted_then_run_again_ends_with_every_item_in_one_place() {
        let from = MemoryStore::default();
        for i in 0..6 {
            from.set(&format!("totp:{i}"), "l", format!("seed{i}").as_bytes())
                .unwrap();
        }
        let to = Failing {
            inner: MemoryStore::default(),
            left: AtomicUsize::new(3),
        };
        assert!(migrate(&from, &to).is_err());
        assert_eq!(from.keys().unwrap().len(), 3);
        assert_eq!(to.keys().unwrap().len(), 3);
        to.left.store(usize::MAX / 2, Ordering::SeqCst);
        let done = migrate(&from, &to).unwrap();
        assert_eq!(done.moved, 3);
        assert!(from.keys().unwrap().is_empty());
        for i in 0..6 {
            assert_eq!(
                to.get(&format!("totp:{i}")).unwrap().unwrap().expose(),
                format!("seed{i}").as_bytes()
            );
        }
        // An item in both (killed between the write and the delete) is only deleted.
        from.set("keys:base", "l", b"k").unwrap();
        to.set("keys:base", "l", b"k").unwrap();
        assert_eq!(
            migrate(&from, &to).unwrap(),
            Migrated {
                moved: 0,
                already_there: 1
            }
        );
    }
}
