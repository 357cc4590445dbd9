//! The unlocked vault, as the headless agent holds it: the items in zeroizing memory (kept
//! out of swap), the passphrase to write them back with, and when it was last used, for the
//! idle lock. Every change is written to the file before it is acknowledged, so killing the
//! agent loses nothing a caller was told is stored.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::file::{VaultItem, VaultItems};
use crate::error::{Error, Result};
use crate::secret::{SecretBytes, SecretString};
use crate::store::SecretStore;

struct Unlocked {
    passphrase: SecretString,
    items: VaultItems,
    last_use: Instant,
}

/// The vault file and, while unlocked, its contents.
pub struct VaultHolder {
    path: PathBuf,
    state: Mutex<Option<Unlocked>>,
}

impl VaultHolder {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            state: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn state(&self) -> MutexGuard<'_, Option<Unlocked>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the vault with `passphrase`. Already unlocked: the passphrase must still be
    /// the vault's (a wrong one changes nothing, and the vault stays unlocked).
    pub fn unlock(&self, passphrase: SecretString) -> Result<()> {
        let items = VaultItems::load(&self.path, &passphrase)?;
        *self.state() = Some(Unlocked {
            passphrase,
            items,
            last_use: Instant::now(),
        });
        Ok(())
    }

    /// Forgets the contents and the passphrase (wiped as they drop). `true` when it was
    /// unlocked.
    pub fn lock(&self) -> bool {
        self.state().take().is_some()
    }

    pub fn is_unlocked(&self) -> bool {
        self.state().is_some()
    }

    /// Seconds since the vault was last used; `None` when locked.
    pub fn idle_seconds(&self) -> Option<u64> {
        self.state()
            .as_ref()
            .map(|u| u.last_use.elapsed().as_secs())
    }

    /// Runs `f` on the unlocked vault, counting it as a use.
    fn with<T>(&self, f: impl FnOnce(&mut Unlocked) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        let unlocked = state.as_mut().ok_or(Error::VaultLocked)?;
        unlocked.last_use = Instant::now();
        f(unlocked)
    }

    /// Every item's key.
    pub fn keys(&self) -> Result<Vec<String>> {
        self.with(|u| Ok(u.items.items.keys().cloned().collect()))
    }

    /// Changes the passphrase: `current` must be the vault's; the vault is rewritten.
    pub fn passwd(&self, current: &SecretString, new: SecretString) -> Result<()> {
        self.with(|u| {
            if current.expose() != u.passphrase.expose() {
                return Err(Error::VaultWrongPassphrase);
            }
            u.items.store(&self.path, &new)?;
            u.passphrase = new;
            Ok(())
        })
    }
}

impl SecretStore for VaultHolder {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
        self.with(|u| Ok(u.items.items.get(key).map(|i| i.secret.clone())))
    }

    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
        let path = self.path.clone();
        self.with(|u| {
            let old = u.items.items.insert(
                key.to_owned(),
                VaultItem {
                    label: label.to_owned(),
                    secret: SecretBytes::new(secret.to_vec()),
                },
            );
            if let Err(e) = u.items.store(&path, &u.passphrase) {
                // Not on disk: not in memory either, so what the agent serves is the file.
                match old {
                    Some(old) => u.items.items.insert(key.to_owned(), old),
                    None => u.items.items.remove(key),
                };
                return Err(e);
            }
            Ok(())
        })
    }

    fn delete(&self, key: &str) -> Result<bool> {
        let path = self.path.clone();
        self.with(|u| {
            let Some(old) = u.items.items.remove(key) else {
                return Ok(false);
            };
            if let Err(e) = u.items.store(&path, &u.passphrase) {
                u.items.items.insert(key.to_owned(), old);
                return Err(e);
            }
            Ok(true)
        })
    }

    fn keys(&self) -> Result<Vec<String>> {
        VaultHolder::keys(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_unlocked_and_every_change_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.age");
        let pass = SecretString::from("pass phrase");
        VaultItems::default().store(&path, &pass).unwrap();
        let holder = VaultHolder::new(&path);
        assert!(matches!(holder.get("k"), Err(Error::VaultLocked)));
        assert!(matches!(
            holder.unlock(SecretString::from("nope")),
            Err(Error::VaultWrongPassphrase)
        ));
        holder.unlock(pass.clone()).unwrap();
        holder.set("k", "label", b"secret").unwrap();
        // A second holder (another agent after a crash) reads what was acknowledged.
        let other = VaultHolder::new(&path);
        other.unlock(pass.clone()).unwrap();
        assert_eq!(other.get("k").unwrap().unwrap().expose(), b"secret");
        assert!(holder.delete("k").unwrap());
        assert!(!holder.delete("k").unwrap());
        let new = SecretString::from("new phrase");
        assert!(matches!(
            holder.passwd(&SecretString::from("bad"), new.clone()),
            Err(Error::VaultWrongPassphrase)
        ));
        holder.passwd(&pass, new.clone()).unwrap();
        assert!(VaultItems::load(&path, &new).is_ok());
        assert!(holder.lock());
        assert!(matches!(holder.keys(), Err(Error::VaultLocked)));
    }
}
