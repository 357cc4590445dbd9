//! 2FAS Authenticator's backup (`.2fas`), plain or encrypted, schema versions 1 to 4.
//!
//! `{"services": [...], "schemaVersion": 4, ..., "servicesEncrypted": "C:S:I",
//! "reference": "C:S:I"}`: encrypted, `services` is empty and `servicesEncrypted` holds the
//! services' JSON as base64 fields `ciphertext+tag : salt : iv`, sealed with AES-256-GCM under
//! PBKDF2-HMAC-SHA256 (10 000 rounds) of the password. `reference` is a known text sealed
//! the same way, which tells a wrong password from a damaged file.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::crypto::{aes_gcm_open, pbkdf2_sha256_key, Key};
use super::{is_totp, Collector, Params};
use crate::error::Result;
use crate::secret::SecretString;

/// The rounds the 2FAS apps use.
const PBKDF2_ROUNDS: u32 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Backup {
    #[serde(default)]
    services: Vec<Service>,
    services_encrypted: Option<String>,
    reference: Option<String>,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    name: String,
    secret: Option<SecretString>,
    otp: Option<Otp>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Otp {
    label: Option<String>,
    account: Option<String>,
    issuer: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
    algorithm: Option<String>,
    /// TOTP, HOTP or STEAM; absent in the first schema versions, which only had TOTP.
    token_type: Option<String>,
    /// The otpauth URI the service was added from (first schema versions).
    link: Option<SecretString>,
}

pub fn read(text: &str, password: Option<&SecretString>, c: &mut Collector) -> Result<()> {
    let backup: Backup = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    let services = match backup
        .services_encrypted
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        None => backup.services,
        Some(sealed) => {
            let password = password.ok_or_else(|| c.password_needed())?;
            let plain = decrypt(sealed, backup.reference.as_deref(), password, c)?;
            serde_json::from_slice(&plain).map_err(|e| c.bad_json(&e))?
        }
    };
    for service in services {
        add(service, c)?;
    }
    Ok(())
}

fn add(service: Service, c: &mut Collector) -> Result<()> {
    let otp = service.otp.unwrap_or_default();
    let issuer = otp
        .issuer
        .as_deref()
        .filter(|i| !i.trim().is_empty())
        .unwrap_or(&service.name);
    let account = otp
        .account
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .or(otp.label.as_deref());
    if !is_totp(otp.token_type.as_deref()) {
        c.other_type(
            Some(issuer),
            account,
            otp.token_type.as_deref().unwrap_or(""),
        );
        return Ok(());
    }
    match (&service.secret, &otp.link) {
        (Some(secret), _) => c.base32(
            Some(issuer),
            account,
            secret.expose(),
            Params {
                algorithm: otp.algorithm.as_deref(),
                digits: otp.digits,
                period: otp.period,
            },
        ),
        (None, Some(link)) => c.uri(link.expose(), Some(issuer), account),
        (None, None) => Err(c.damaged(format!("the service `{issuer}` has no secret"))),
    }
}

/// The services' JSON, decrypted.
fn decrypt(
    sealed: &str,
    reference: Option<&str>,
    password: &SecretString,
    c: &Collector,
) -> Result<Zeroizing<Vec<u8>>> {
    let services = Sealed::parse(sealed).ok_or_else(|| {
        c.damaged("its encrypted services are not in the form ciphertext:salt:iv")
    })?;
    let key = pbkdf2_sha256_key(password.expose().as_bytes(), &services.salt, PBKDF2_ROUNDS);
    let password_checked = match reference.and_then(Sealed::parse) {
        Some(reference) => {
            let reference_key = if reference.salt == services.salt {
                key.clone()
            } else {
                pbkdf2_sha256_key(password.expose().as_bytes(), &reference.salt, PBKDF2_ROUNDS)
            };
            if reference.open(&reference_key).is_none() {
                return Err(c.wrong_password());
            }
            true
        }
        None => false,
    };
    services.open(&key).ok_or_else(|| {
        if password_checked {
            c.damaged("its encrypted services do not decrypt, though the password is right")
        } else {
            c.wrong_password()
        }
    })
}

/// `base64(ciphertext+tag):base64(salt):base64(iv)`.
struct Sealed {
    ciphertext: Vec<u8>,
    salt: Vec<u8>,
    iv: Vec<u8>,
}

impl Sealed {
    fn parse(text: &str) -> Option<Self> {
        let mut fields = text.trim().split(':');
        let (Some(ciphertext), Some(salt), Some(iv), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        let decode = |f: &str| data_encoding::BASE64.decode(f.as_bytes()).ok();
        Some(Self {
            ciphertext: decode(ciphertext)?,
            salt: decode(salt)?,
            iv: decode(iv)?,
        })
    }

    fn open(&self, key: &Key) -> Option<Zeroizing<Vec<u8>>> {
        aes_gcm_open(key, &self.iv, &self.ciphertext)
    }
}
