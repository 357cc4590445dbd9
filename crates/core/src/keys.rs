//! Long-term access keys kept in the OS keyring (`otpilot keys add` / `keys import`), under
//! the user `keys:<profile>`.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::credentials::LongTermKeys;
use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::store::SecretStore;

#[derive(Serialize, Deserialize, Zeroize)]
#[zeroize(drop)]
struct StoredKeys {
    access_key_id: String,
    secret_access_key: String,
}

fn key(profile: &str) -> String {
    format!("keys:{profile}")
}

pub fn load(store: &dyn SecretStore, profile: &str) -> Result<Option<LongTermKeys>> {
    let Some(bytes) = store.get(&key(profile))? else {
        return Ok(None);
    };
    let stored: StoredKeys = serde_json::from_slice(bytes.expose()).map_err(|_| Error::Keyring {
        op: "read access keys",
        detail: format!("the keys of `{profile}` are damaged; add them again with `otpilot keys add {profile}`"),
    })?;
    Ok(Some(LongTermKeys {
        access_key_id: stored.access_key_id.clone(),
        secret_access_key: SecretString::new(stored.secret_access_key.clone()),
    }))
}

pub fn save(store: &dyn SecretStore, profile: &str, keys: &LongTermKeys) -> Result<()> {
    validate(keys)?;
    let stored = StoredKeys {
        access_key_id: keys.access_key_id.clone(),
        secret_access_key: keys.secret_access_key.expose().to_owned(),
    };
    let json = SecretString::new(serde_json::to_string(&stored).expect("keys serialise"));
    store.set(
        &key(profile),
        &format!("Otpilot AWS access keys ({profile})"),
        json.expose().as_bytes(),
    )
}

pub fn delete(store: &dyn SecretStore, profile: &str) -> Result<bool> {
    store.delete(&key(profile))
}

/// Access key ids are 16-128 upper-case alphanumerics starting AKIA (long-term) or ASIA;
/// secrets are 40 base64-ish characters.
pub fn validate(keys: &LongTermKeys) -> Result<()> {
    let id = &keys.access_key_id;
    if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::InvalidKeys(
            "the access key id should look like AKIAIOSFODNN7EXAMPLE".into(),
        ));
    }
    let secret = keys.secret_access_key.expose();
    if secret.len() < 16 || secret.chars().any(char::is_whitespace) {
        return Err(Error::InvalidKeys(
            "the secret access key looks truncated; paste all 40 characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn round_trip_and_validation() {
        let store = MemoryStore::default();
        let keys = LongTermKeys {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        };
        save(&store, "base", &keys).unwrap();
        let back = load(&store, "base").unwrap().unwrap();
        assert_eq!(back.access_key_id, keys.access_key_id);
        assert!(load(&store, "other").unwrap().is_none());
        let bad = LongTermKeys {
            access_key_id: "nope".into(),
            secret_access_key: "x".into(),
        };
        assert!(matches!(
            save(&store, "b", &bad),
            Err(Error::InvalidKeys(_))
        ));
        assert!(delete(&store, "base").unwrap());
    }
}
