//! The vault file: every secret Otpilot keeps, in one file encrypted with a passphrase in the
//! age format (scrypt recipient), so `age -d` or `rage -d` open it too. Inside, JSON:
//! `{"version": 1, "items": {"totp:…": {"label": "…", "secret": "<base64>"}}}`.
//!
//! Written atomically (a new file renamed over the old one, 0600), so a crash leaves the old
//! vault or the new one, never half of either. The plaintext lives only in zeroizing memory.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::SecretString as AgeSecret;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::atomic::write_private_in_own_dir;
use crate::error::{Error, Result};
use crate::secret::{SecretBytes, SecretString};

/// scrypt cost of each write: N = 2^16 (about 0.2 s, 64 MiB). The vault is rewritten on
/// every change (a credentials refresh among them), so it cannot take age's default of about
/// a second; a passphrase guess still costs an attacker 64 MiB and 2^16 rounds.
const WRITE_WORK_FACTOR: u8 = 16;
/// The most a vault may demand to open: what Otpilot writes, with a margin of two (a future
/// Otpilot may raise its cost). Anything above was not written by Otpilot, and a planted
/// `vault.age` asking 2^22 would take 4 GiB and many seconds for each unlock attempt.
const MAX_WORK_FACTOR: u8 = WRITE_WORK_FACTOR + 2;
const FORMAT_VERSION: u32 = 1;

/// One secret and the label it had in the keyring.
pub struct VaultItem {
    pub label: String,
    pub secret: SecretBytes,
}

/// The vault's contents, decrypted.
#[derive(Default)]
pub struct VaultItems {
    pub items: BTreeMap<String, VaultItem>,
}

#[derive(Serialize)]
struct ItemOut<'a> {
    label: &'a str,
    secret: &'a str,
}

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    items: BTreeMap<&'a str, ItemOut<'a>>,
}

#[derive(Deserialize)]
struct ItemIn {
    label: String,
    secret: SecretString,
}

#[derive(Deserialize)]
struct FileIn {
    version: u32,
    items: BTreeMap<String, ItemIn>,
}

impl VaultItems {
    /// The vault encrypted to `passphrase`.
    pub fn seal(&self, passphrase: &SecretString) -> Result<Vec<u8>> {
        let encoded: Vec<(&str, &str, Zeroizing<String>)> = self
            .items
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    v.label.as_str(),
                    Zeroizing::new(data_encoding::BASE64.encode(v.secret.expose())),
                )
            })
            .collect();
        let out = FileOut {
            version: FORMAT_VERSION,
            items: encoded
                .iter()
                .map(|(k, label, secret)| {
                    (
                        *k,
                        ItemOut {
                            label,
                            secret: secret.as_str(),
                        },
                    )
                })
                .collect(),
        };
        // Room for all of it up front: a growing Vec would leave copies behind.
        let room = encoded
            .iter()
            .map(|(k, l, s)| k.len() + l.len() + s.len() + 48)
            .sum::<usize>()
            + 64;
        let mut plain = Zeroizing::new(Vec::with_capacity(room * 2));
        serde_json::to_writer(&mut *plain, &out).expect("the vault serialises");

        let mut recipient =
            age::scrypt::Recipient::new(AgeSecret::from(passphrase.expose().to_owned()));
        recipient.set_work_factor(WRITE_WORK_FACTOR);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| Error::Vault(format!("cannot encrypt the vault: {e}")))?;
        let mut sealed = Vec::with_capacity(plain.len() + 256);
        let mut writer = encryptor
            .wrap_output(&mut sealed)
            .map_err(|e| Error::Vault(format!("cannot encrypt the vault: {e}")))?;
        writer
            .write_all(&plain)
            .and_then(|()| writer.finish().map(drop))
            .map_err(|e| Error::Vault(format!("cannot encrypt the vault: {e}")))?;
        Ok(sealed)
    }

    /// Opens a vault's bytes with `passphrase`.
    pub fn open(sealed: &[u8], passphrase: &SecretString, path: &Path) -> Result<Self> {
        let damaged = |detail: &str| Error::VaultDamaged {
            path: path.to_owned(),
            detail: detail.to_owned(),
        };
        let decryptor =
            age::Decryptor::new_buffered(sealed).map_err(|_| damaged("it is not an age file"))?;
        if !decryptor.is_scrypt() {
            return Err(damaged(
                "it is an age file, but not encrypted with a passphrase",
            ));
        }
        let mut identity =
            age::scrypt::Identity::new(AgeSecret::from(passphrase.expose().to_owned()));
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::DecryptionFailed
                | age::DecryptError::NoMatchingKeys
                | age::DecryptError::KeyDecryptionFailed => Error::VaultWrongPassphrase,
                age::DecryptError::ExcessiveWork { required, .. } => damaged(&format!(
                    "it asks for scrypt work factor 2^{required}, more than the 2^{MAX_WORK_FACTOR} Otpilot allows (it writes 2^{WRITE_WORK_FACTOR}), so Otpilot did not write it"
                )),
                _ => damaged("its header is not valid"),
            })?;
        let mut plain = Zeroizing::new(Vec::with_capacity(sealed.len()));
        reader
            .read_to_end(&mut plain)
            .map_err(|_| damaged("its contents do not decrypt (changed or cut short)"))?;
        let file: FileIn = serde_json::from_slice(&plain)
            .map_err(|_| damaged("its contents are not Otpilot's"))?;
        if file.version != FORMAT_VERSION {
            return Err(damaged("it was written by a newer Otpilot"));
        }
        let mut items = BTreeMap::new();
        for (key, item) in file.items {
            let secret = data_encoding::BASE64
                .decode(item.secret.expose().as_bytes())
                .map_err(|_| damaged("an item is not base64"))?;
            items.insert(
                key,
                VaultItem {
                    label: item.label,
                    secret: SecretBytes::new(secret),
                },
            );
        }
        Ok(Self { items })
    }

    /// Reads and opens the vault at `path`.
    pub fn load(path: &Path, passphrase: &SecretString) -> Result<Self> {
        let sealed = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::VaultMissing {
                    path: path.to_owned(),
                })
            }
            Err(source) => {
                return Err(Error::FileRead {
                    path: path.to_owned(),
                    cause: source,
                })
            }
        };
        Self::open(&sealed, passphrase, path)
    }

    /// Encrypts and writes the vault to `path`, atomically, 0600.
    pub fn store(&self, path: &Path, passphrase: &SecretString) -> Result<()> {
        write_private_in_own_dir(path, &self.seal(passphrase)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_wrong_passphrase_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.age");
        let pass = SecretString::from("correct horse battery staple");
        let mut vault = VaultItems::default();
        vault.items.insert(
            "totp:abc".into(),
            VaultItem {
                label: "Otpilot TOTP seed for work".into(),
                secret: SecretBytes::new(b"JBSWY3DPEHPK3PXP".to_vec()),
            },
        );
        vault.store(&path, &pass).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
        assert!(!bytes.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));

        let back = VaultItems::load(&path, &pass).unwrap();
        assert_eq!(back.items["totp:abc"].secret.expose(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(back.items["totp:abc"].label, "Otpilot TOTP seed for work");

        assert!(matches!(
            VaultItems::load(&path, &SecretString::from("wrong")),
            Err(Error::VaultWrongPassphrase)
        ));
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 10);
        assert!(matches!(
            VaultItems::open(&cut, &pass, &path),
            Err(Error::VaultDamaged { .. })
        ));
        assert!(matches!(
            VaultItems::load(&dir.path().join("none.age"), &pass),
            Err(Error::VaultMissing { .. })
        ));
    }

    /// An age file as Otpilot writes it, then with its scrypt stanza's work factor changed:
    /// age checks the factor before any scrypt, so the header need not be valid past it.
    fn with_work_factor(sealed: &[u8], log_n: u8) -> Vec<u8> {
        let text = String::from_utf8_lossy(sealed);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("-> scrypt ") && line.ends_with(" 16"),
            "{line}"
        );
        let changed = format!("{} {log_n}", line.strip_suffix(" 16").unwrap());
        let mut out = sealed.to_vec();
        let at = text.find(line).unwrap();
        out.splice(at..at + line.len(), changed.bytes());
        out
    }

    #[test]
    fn a_vault_demanding_more_scrypt_work_than_otpilot_writes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.age");
        let pass = SecretString::from("correct horse battery staple");
        let sealed = VaultItems::default().seal(&pass).unwrap();
        // 2^19 (512 MiB) and 2^22 (4 GiB): refused without running scrypt.
        for log_n in [19, 22] {
            let err = VaultItems::open(&with_work_factor(&sealed, log_n), &pass, &path)
                .err()
                .unwrap();
            assert!(matches!(err, Error::VaultDamaged { .. }), "{err}");
            assert!(
                err.to_string().contains(&format!(
                    "scrypt work factor 2^{log_n}, more than the 2^18 Otpilot allows"
                )),
                "{err}"
            );
        }
        // Within the margin the factor is accepted (and the changed key then fails).
        assert!(matches!(
            VaultItems::open(&with_work_factor(&sealed, 17), &pass, &path),
            Err(Error::VaultWrongPassphrase)
        ));
    }
}
