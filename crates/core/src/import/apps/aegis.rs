//! Aegis Authenticator's vault export, plain or encrypted.
//! <https://github.com/beemdevelopment/Aegis/blob/master/docs/vault.md>
//!
//! `{"version": 1, "header": {"slots": [...] | null, "params": {...} | null}, "db": ...}`:
//! plain, `db` is the database object; encrypted, it is base64 of the database sealed with
//! AES-256-GCM under a master key, and each password slot holds that master key sealed under
//! a key derived from the password with scrypt (its N, r, p and salt in the slot).

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::crypto::{aes_gcm_open, scrypt_key, Key};
use super::{is_totp, Collector, Params};
use crate::error::Result;
use crate::secret::SecretString;

#[derive(Deserialize)]
struct Head {
    header: Header,
    #[allow(dead_code)]
    db: IgnoredAny,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<Sealing>,
}

/// A slot: type 1 is a password, 2 biometric (a key only the phone's keystore holds).
#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u8,
    key: String,
    key_params: Sealing,
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
    salt: Option<String>,
}

/// Hex nonce and tag of an AES-GCM sealing.
#[derive(Deserialize)]
struct Sealing {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct PlainVault {
    db: Database,
}

#[derive(Deserialize)]
struct EncryptedVault {
    db: String,
}

#[derive(Deserialize)]
struct Database {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    secret: Option<SecretString>,
    algo: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
}

pub fn read(text: &str, password: Option<&SecretString>, c: &mut Collector) -> Result<()> {
    let head: Head = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    let database = match head.header.slots {
        None => {
            let vault: PlainVault = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
            vault.db
        }
        Some(slots) => {
            let password = password.ok_or_else(|| c.password_needed())?;
            let master = unlock(&slots, password, c)?;
            let params = head
                .header
                .params
                .ok_or_else(|| c.damaged("its header has slots but no database parameters"))?;
            let vault: EncryptedVault = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
            let sealed = data_encoding::BASE64
                .decode(vault.db.as_bytes())
                .map_err(|_| c.damaged("its database is not base64"))?;
            let plain = open(&master, &params, &sealed)
                .ok_or_else(|| c.damaged("its database does not match its header"))?;
            serde_json::from_slice(&plain).map_err(|e| c.bad_json(&e))?
        }
    };
    for entry in database.entries {
        let (issuer, account) = (Some(entry.issuer.as_str()), Some(entry.name.as_str()));
        if !is_totp(Some(&entry.kind)) {
            c.other_type(issuer, account, &entry.kind);
            continue;
        }
        let secret = entry
            .info
            .secret
            .ok_or_else(|| c.damaged(format!("the entry `{}` has no secret", entry.name)))?;
        let params = Params {
            algorithm: entry.info.algo.as_deref(),
            digits: entry.info.digits,
            period: entry.info.period,
        };
        c.base32(issuer, account, secret.expose(), params)?;
    }
    Ok(())
}

/// Password slots tried at most. Aegis writes one per password the person set (usually
/// one); each slot costs a scrypt run of up to 256 MiB and seconds, so a file with dozens
/// would keep Otpilot busy for minutes before saying "wrong password".
pub const MAX_PASSWORD_SLOTS: usize = 8;

/// The master key, from the first password slot the password opens.
fn unlock(slots: &[Slot], password: &SecretString, c: &Collector) -> Result<Key> {
    let count = slots.iter().filter(|s| s.kind == 1).count();
    if count > MAX_PASSWORD_SLOTS {
        return Err(c.damaged(format!(
            "it has {count} password slots, more than the {MAX_PASSWORD_SLOTS} Otpilot tries; export it again from Aegis with one password"
        )));
    }
    let mut password_slots = slots.iter().filter(|s| s.kind == 1).peekable();
    if password_slots.peek().is_none() {
        return Err(c.unsupported(
            "it can only be opened with the phone's biometric key; export it again with a password",
        ));
    }
    for slot in password_slots {
        let (Some(n), Some(r), Some(p), Some(salt)) = (slot.n, slot.r, slot.p, &slot.salt) else {
            return Err(c.damaged("a password slot lacks its scrypt parameters"));
        };
        let salt = hex(salt).ok_or_else(|| c.damaged("a password slot's salt is not hex"))?;
        let slot_key = scrypt_key(password.expose().as_bytes(), &salt, n, r, p)
            .ok_or_else(|| c.damaged("a password slot's scrypt parameters are out of range"))?;
        let sealed_key = hex(&slot.key).ok_or_else(|| c.damaged("a slot's key is not hex"))?;
        if let Some(master) = open(&slot_key, &slot.key_params, &sealed_key) {
            if master.len() != 32 {
                return Err(c.damaged("its master key is not 256 bits"));
            }
            let mut key = Key::new([0; 32]);
            key.copy_from_slice(&master);
            return Ok(key);
        }
    }
    Err(c.wrong_password())
}

fn open(key: &Key, sealing: &Sealing, ciphertext: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let nonce = hex(&sealing.nonce)?;
    let tag = hex(&sealing.tag)?;
    let mut sealed = zeroize::Zeroizing::new(Vec::with_capacity(ciphertext.len() + tag.len()));
    sealed.extend_from_slice(ciphertext);
    sealed.extend_from_slice(&tag);
    aes_gcm_open(key, &nonce, &sealed)
}

fn hex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .ok()
}
