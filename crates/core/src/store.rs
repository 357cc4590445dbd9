//! Secrets in the OS keyring: the `SecretStore` trait, the keyring-backed store, and an
//! in-memory store for unit tests of logic.
//!
//! Items live under the service `otpilot` with a user name that is a stable key
//! (`totp:<device id>`), so renaming a device never touches the keyring. Which store backs it
//! is the platform's choice ([`crate::platform::secret_store`]): on Linux the Secret Service
//! (gnome-keyring, KeePassXC), on Windows Credential Manager, whose items hold at most 2,560
//! bytes: larger secrets are kept in parts ([`parts`]); other systems are not supported yet
//! and say so.

mod parts;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use keyring_core::{Entry, Error as KeyringError};

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// The keyring service name every Otpilot item is filed under.
pub const SERVICE: &str = "otpilot";

/// Where secrets are kept.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>>;
    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()>;
    /// Deletes the item; `Ok(false)` when there was none.
    fn delete(&self, key: &str) -> Result<bool>;
    /// Every item's key (for moving them between stores).
    fn keys(&self) -> Result<Vec<String>>;
}

/// A shared store is a store (tests keep a handle to the in-memory store a session owns).
impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
        (**self).get(key)
    }
    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
        (**self).set(key, label, secret)
    }
    fn delete(&self, key: &str) -> Result<bool> {
        (**self).delete(key)
    }
    fn keys(&self) -> Result<Vec<String>> {
        (**self).keys()
    }
}

/// The OS keyring. Connecting costs a D-Bus round trip or two, so it happens on first use:
/// commands that need no secret (listing devices) never touch the keyring.
#[derive(Default)]
pub struct KeyringStore {
    _private: (),
}

static DEFAULT_STORE: OnceLock<std::result::Result<(), Failure>> = OnceLock::new();

impl KeyringStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Connects to the platform store, once per process; later calls reuse the outcome.
    pub fn connect() -> Result<()> {
        let outcome = DEFAULT_STORE.get_or_init(|| {
            let store = crate::platform::secret_store().map_err(|e| Failure::classify(&e))?;
            keyring_core::set_default_store(store);
            Ok(())
        });
        outcome.clone().map_err(|failure| failure.to_error("open"))
    }

    fn entry(&self, key: &str, label: Option<&str>) -> Result<Entry> {
        Self::connect()?;
        let result = match label {
            Some(label) => {
                let modifiers = crate::platform::item_modifiers(label);
                let modifiers: HashMap<&str, &str> =
                    modifiers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Entry::new_with_modifiers(SERVICE, key, &modifiers)
            }
            None => Entry::new(SERVICE, key),
        };
        result.map_err(|e| map_error(e, "open an item"))
    }
}

/// The keyring's items by name; [`SecretStore`] for [`KeyringStore`] goes through [`parts`].
impl parts::Items for KeyringStore {
    fn read(&self, name: &str) -> Result<Option<SecretBytes>> {
        match self.entry(name, None)?.get_secret() {
            Ok(bytes) => Ok(Some(SecretBytes::new(bytes))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e, "read a secret")),
        }
    }

    fn write(&self, name: &str, label: &str, bytes: &[u8]) -> Result<()> {
        self.entry(name, Some(label))?
            .set_secret(bytes)
            .map_err(|e| map_error(e, "store a secret"))
    }

    fn remove(&self, name: &str) -> Result<bool> {
        match self.entry(name, None)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e, "delete a secret")),
        }
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
        parts::read(self, key)
    }

    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
        parts::write(self, crate::platform::SECRET_LIMIT, key, label, secret)
    }

    fn delete(&self, key: &str) -> Result<bool> {
        parts::remove(self, key)
    }

    fn keys(&self) -> Result<Vec<String>> {
        Self::connect()?;
        let spec = crate::platform::search_spec(SERVICE);
        let spec: HashMap<&str, &str> = spec.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let entries = Entry::search(&spec).map_err(|e| map_error(e, "list the items"))?;
        let mut keys: Vec<String> = entries
            .iter()
            .filter_map(|e| e.get_attributes().ok()?.get("username").cloned())
            .filter(|name| !parts::is_part(name))
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

/// Maps keyring errors to ours. Never formats `BadEncoding`/`BadDataFormat`: they carry the
/// secret's bytes.
fn map_error(err: KeyringError, op: &'static str) -> Error {
    match err {
        KeyringError::NoStorageAccess(_) => Error::KeyringLocked,
        KeyringError::PlatformFailure(_) => Failure::classify(&err).to_error(op),
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => Error::Keyring {
            op,
            detail: "the stored item is not in the expected format".into(),
        },
        KeyringError::Ambiguous(items) => Error::Keyring {
            op,
            detail: format!(
                "{} items match; remove the duplicates with your keyring manager (seahorse)",
                items.len()
            ),
        },
        other => Error::Keyring {
            op,
            detail: other.to_string(),
        },
    }
}

/// A platform failure sorted into the cases a user can act on. Cloneable, so the outcome of
/// opening the store can be kept for the life of the process.
#[derive(Clone, Debug)]
enum Failure {
    NoBus,
    NoSecretService,
    Other(String),
}

impl Failure {
    fn classify(err: &KeyringError) -> Self {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if text.contains("org.freedesktop.secrets") || text.contains("ServiceUnknown") {
            Self::NoSecretService
        } else if text.contains("D-Bus session bus address")
            || text.contains("DBUS_SESSION_BUS_ADDRESS")
            || text.contains("No such file or directory")
            || text.contains("Connection refused")
        {
            Self::NoBus
        } else {
            Self::Other(text)
        }
    }

    fn to_error(&self, op: &'static str) -> Error {
        match self {
            Self::NoBus => Error::NoDbusSession,
            Self::NoSecretService => Error::NoSecretService,
            Self::Other(detail) => Error::Keyring {
                op,
                detail: detail.clone(),
            },
        }
    }
}

/// An in-memory store for unit tests and dry runs.
#[derive(Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, SecretBytes>>,
    /// When set, every call fails as a locked keyring would.
    pub locked: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    fn check(&self) -> Result<()> {
        if self.locked.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::KeyringLocked);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.items.lock().expect("memory store poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
        self.check()?;
        Ok(self
            .items
            .lock()
            .expect("memory store poisoned")
            .get(key)
            .cloned())
    }

    fn set(&self, key: &str, _label: &str, secret: &[u8]) -> Result<()> {
        self.check()?;
        self.items
            .lock()
            .expect("memory store poisoned")
            .insert(key.to_owned(), SecretBytes::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<bool> {
        self.check()?;
        Ok(self
            .items
            .lock()
            .expect("memory store poisoned")
            .remove(key)
            .is_some())
    }

    fn keys(&self) -> Result<Vec<String>> {
        self.check()?;
        let mut keys: Vec<String> = self
            .items
            .lock()
            .expect("memory store poisoned")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// Against the real Credential Manager (under Wine in tests/windows.sh): the largest item
/// Otpilot writes, cached credentials with a 4 KB session token, round-trips through the
/// 2,560-byte items, and a listing shows its key alone.
#[cfg(all(test, windows))]
mod credential_manager {
    use super::*;

    #[test]
    fn a_cached_session_with_a_4_kb_token_round_trips_and_lists_as_one_key() {
        let store = KeyringStore::new();
        let key = format!("test-creds:{:08x}", rand::random::<u32>());
        let creds = crate::credentials::Credentials {
            access_key_id: "ASIAEXAMPLEEXAMPLE12".into(),
            secret_access_key: crate::secret::SecretString::from("s".repeat(40).as_str()),
            session_token: Some(crate::secret::SecretString::from(
                "FwoGZXIvYXdzE".repeat(316).as_str(),
            )),
            expiration: Some(1_900_000_000),
        };
        let stored = creds.to_stored();
        let json = stored.expose().as_bytes().to_vec();
        assert!(json.len() > 4096, "{} bytes", json.len());
        store.set(&key, "a label", &json).unwrap();
        assert_eq!(store.get(&key).unwrap().unwrap().expose(), &json[..]);
        let keys = store.keys().unwrap();
        assert!(keys.contains(&key), "{keys:?}");
        assert!(!keys.iter().any(|k| parts::is_part(k)), "{keys:?}");
        // A small secret replaces it, and its parts go.
        store.set(&key, "a label", b"small").unwrap();
        assert_eq!(store.get(&key).unwrap().unwrap().expose(), b"small");
        assert!(store.delete(&key).unwrap());
        assert!(store.get(&key).unwrap().is_none());
        assert!(!store.delete(&key).unwrap());
    }
}
