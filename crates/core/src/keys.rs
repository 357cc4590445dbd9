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

/// Reads a key pair as people have it: `AKID SECRET` (any whitespace or a comma between),
/// the secret alone when the id is given, or the CSV with a header line that the IAM console
/// downloads.
pub fn parse_keys(text: &str, access_key_id: Option<&str>) -> Result<LongTermKeys> {
    let mut tokens: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.to_ascii_lowercase().contains("access key id") {
            continue; // the CSV header
        }
        tokens.extend(
            line.split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|t| !t.is_empty()),
        );
    }
    let (id, secret) = match (access_key_id.map(str::trim), tokens.as_slice()) {
        (Some(id), [secret]) => (id, *secret),
        (None, [id, secret]) => (*id, *secret),
        // Never quote what was given: it holds a secret.
        _ => {
            return Err(Error::InvalidKeys(
                "expected the access key id and the secret access key (or the CSV file the IAM console downloads)".into(),
            ))
        }
    };
    let keys = LongTermKeys {
        access_key_id: id.to_owned(),
        secret_access_key: SecretString::from(secret),
    };
    validate(&keys)?;
    Ok(keys)
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

    #[test]
    fn parses_the_forms_people_have() {
        let csv = "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        let k = parse_keys(csv, None).unwrap();
        assert_eq!(k.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            k.secret_access_key.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        let two_lines = "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        assert_eq!(
            parse_keys(two_lines, None).unwrap().access_key_id,
            "AKIAIOSFODNN7EXAMPLE"
        );
        let secret_only = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        let k = parse_keys(secret_only, Some(" AKIAIOSFODNN7EXAMPLE ")).unwrap();
        assert_eq!(k.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        let Err(e) = parse_keys("one two three", None) else {
            panic!("three words are not a key pair")
        };
        let e = e.to_string();
        assert!(!e.contains("two"), "{e}");
        assert!(parse_keys("AKIAIOSFODNN7EXAMPLE short", None).is_err());
    }
}
