//! Secrets larger than one item of the OS keyring can hold (Windows Credential Manager:
//! 2,560 bytes; a cached session with a long STS token is more), kept as several items.
//!
//! The secret is cut into parts of at most the limit, each its own item named
//! `<key>#part-<generation>-<n>`, and the item `<key>` itself holds a header: a marker no
//! secret Otpilot writes starts with, the number of parts, the generation and the SHA-256
//! of the whole. The parts are written first and the header last, under a generation
//! never used before, so a reader sees the old secret or the new one, never a mix: a write
//! that fails half-way leaves the old header, which names the old parts, in place (the new
//! parts written so far are removed). The old parts go once the new header is in. A part
//! missing or changed since (a person deleting items by hand) is an error that says to store
//! the secret again, never a wrong secret. Secrets within the limit are stored as before,
//! in the item `<key>` alone, so stores that need no splitting see no change.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// The items of a keyring, by name, as the store under [`super::KeyringStore`] keeps them.
pub(crate) trait Items {
    fn read(&self, name: &str) -> Result<Option<SecretBytes>>;
    fn write(&self, name: &str, label: &str, bytes: &[u8]) -> Result<()>;
    fn remove(&self, name: &str) -> Result<bool>;
}

/// What a header item starts with: a NUL, which neither JSON, base32 nor a key id does.
/// (A raw TOTP seed could in principle; one that also matched the rest of the marker and a
/// well-formed header is a 2^-150 chance.)
const MARKER: &[u8] = b"\0otpilot-parts/1\0";

/// What names a part of `key`; never part of a key Otpilot makes (see [`is_part`]).
const PART: &str = "#part-";

/// Whether an item's name is a part of another (so listings leave it out).
pub(crate) fn is_part(name: &str) -> bool {
    name.contains(PART)
}

fn part_name(key: &str, generation: &str, n: usize) -> String {
    format!("{key}{PART}{generation}-{n}")
}

/// A header: how many parts, under which generation, and the digest of the whole.
struct Header {
    parts: usize,
    generation: String,
    digest: String,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut out = MARKER.to_vec();
        out.extend_from_slice(
            format!("{} {} {}", self.parts, self.generation, self.digest).as_bytes(),
        );
        out
    }

    fn decode(item: &[u8]) -> Option<Header> {
        let text = std::str::from_utf8(item.strip_prefix(MARKER)?).ok()?;
        let mut fields = text.split(' ');
        let parts = fields.next()?.parse().ok()?;
        let generation = fields.next()?.to_owned();
        let digest = fields.next()?.to_owned();
        let well_formed = fields.next().is_none()
            && generation.len() == 16
            && generation.bytes().all(|b| b.is_ascii_hexdigit())
            && digest.len() == 64;
        well_formed.then_some(Header {
            parts,
            generation,
            digest,
        })
    }

    fn part_names(&self, key: &str) -> impl Iterator<Item = String> + '_ {
        let key = key.to_owned();
        (0..self.parts).map(move |n| part_name(&key, &self.generation, n))
    }
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn header_of(items: &dyn Items, key: &str) -> Result<Option<Header>> {
    Ok(items
        .read(key)?
        .and_then(|item| Header::decode(item.expose())))
}

fn remove_parts(items: &dyn Items, key: &str, header: &Header) {
    for name in header.part_names(key) {
        if let Err(e) = items.remove(&name) {
            tracing::warn!("could not remove a part of a stored secret ({e}); it is unused");
        }
    }
}

/// Stores `secret` under `key`: as one item when it fits `limit` (or there is none), else
/// in parts (see the module's note).
pub(crate) fn write(
    items: &dyn Items,
    limit: Option<usize>,
    key: &str,
    label: &str,
    secret: &[u8],
) -> Result<()> {
    let old = header_of(items, key)?;
    match limit {
        Some(limit) if secret.len() > limit => {
            let header = Header {
                parts: secret.len().div_ceil(limit),
                generation: format!("{:016x}", rand::random::<u64>()),
                digest: digest(secret),
            };
            let written = (|| {
                for (name, chunk) in header.part_names(key).zip(secret.chunks(limit)) {
                    items.write(&name, label, chunk)?;
                }
                items.write(key, label, &header.encode())
            })();
            if let Err(e) = written {
                remove_parts(items, key, &header);
                return Err(e);
            }
        }
        _ => items.write(key, label, secret)?,
    }
    if let Some(old) = old {
        remove_parts(items, key, &old);
    }
    Ok(())
}

/// The secret under `key`, put back together when it was stored in parts.
pub(crate) fn read(items: &dyn Items, key: &str) -> Result<Option<SecretBytes>> {
    let Some(item) = items.read(key)? else {
        return Ok(None);
    };
    let Some(header) = Header::decode(item.expose()) else {
        return Ok(Some(item));
    };
    let damaged = || Error::Keyring {
        op: "read a secret",
        detail: format!(
            "the item `{key}` was stored in parts and some are missing or changed; store it again"
        ),
    };
    let mut whole = Zeroizing::new(Vec::new());
    for name in header.part_names(key) {
        let part = items.read(&name)?.ok_or_else(damaged)?;
        if whole.len() + part.len() > whole.capacity() {
            // Grown into a new buffer; the old one is wiped as it goes.
            let mut bigger = Zeroizing::new(Vec::with_capacity((whole.len() + part.len()) * 2));
            bigger.extend_from_slice(&whole);
            whole = bigger;
        }
        whole.extend_from_slice(part.expose());
    }
    if digest(&whole) != header.digest {
        return Err(damaged());
    }
    Ok(Some(SecretBytes::from(whole)))
}

/// Removes the secret under `key` and its parts; `Ok(false)` when there was none.
pub(crate) fn remove(items: &dyn Items, key: &str) -> Result<bool> {
    let header = header_of(items, key)?;
    let had = items.remove(key)?;
    if let Some(header) = header {
        remove_parts(items, key, &header);
    }
    Ok(had)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// Items with the limit a real store enforces, and a write that can be made to fail.
    #[derive(Default)]
    struct Limited {
        items: Mutex<BTreeMap<String, Vec<u8>>>,
        fail_writes_after: Mutex<Option<usize>>,
    }

    const LIMIT: usize = 2560;

    impl Items for Limited {
        fn read(&self, name: &str) -> Result<Option<SecretBytes>> {
            Ok(self
                .items
                .lock()
                .unwrap()
                .get(name)
                .cloned()
                .map(SecretBytes::new))
        }
        fn write(&self, name: &str, _label: &str, bytes: &[u8]) -> Result<()> {
            if let Some(left) = self.fail_writes_after.lock().unwrap().as_mut() {
                if *left == 0 {
                    return Err(Error::KeyringLocked);
                }
                *left -= 1;
            }
            assert!(bytes.len() <= LIMIT, "an item of {} bytes", bytes.len());
            self.items
                .lock()
                .unwrap()
                .insert(name.into(), bytes.to_vec());
            Ok(())
        }
        fn remove(&self, name: &str) -> Result<bool> {
            Ok(self.items.lock().unwrap().remove(name).is_some())
        }
    }

    impl Limited {
        fn names(&self) -> Vec<String> {
            self.items.lock().unwrap().keys().cloned().collect()
        }
    }

    /// The largest item Otpilot writes: cached credentials with a 4 KB session token.
    fn big() -> Vec<u8> {
        let token: String = (0..4096).map(|i| (b'A' + (i % 26) as u8) as char).collect();
        format!(
            r#"{{"access_key_id":"ASIAEXAMPLE","secret_access_key":"{}","session_token":"{token}","expiration":1900000000}}"#,
            "s".repeat(40)
        )
        .into_bytes()
    }

    #[test]
    fn a_secret_past_the_limit_round_trips_in_parts_and_is_removed_whole() {
        let items = Limited::default();
        let secret = big();
        write(&items, Some(LIMIT), "creds:admin", "label", &secret).unwrap();
        let names = items.names();
        assert_eq!(names.len(), 3, "a header and two parts: {names:?}");
        assert_eq!(names.iter().filter(|n| is_part(n)).count(), 2);
        assert!(!is_part("creds:admin"));
        assert_eq!(
            read(&items, "creds:admin").unwrap().unwrap().expose(),
            &secret[..]
        );
        assert!(remove(&items, "creds:admin").unwrap());
        assert!(items.names().is_empty());
        assert!(read(&items, "creds:admin").unwrap().is_none());
    }

    #[test]
    fn a_secret_within_the_limit_is_one_item_as_before_and_replaces_old_parts() {
        let items = Limited::default();
        write(&items, Some(LIMIT), "k", "l", &big()).unwrap();
        write(&items, Some(LIMIT), "k", "l", b"small").unwrap();
        assert_eq!(items.names(), ["k"]);
        assert_eq!(read(&items, "k").unwrap().unwrap().expose(), b"small");
    }

    #[test]
    fn a_write_that_fails_half_way_leaves_the_old_secret_whole() {
        let items = Limited::default();
        let old = big();
        write(&items, Some(LIMIT), "k", "l", &old).unwrap();
        let mut new = big();
        new.reverse();
        // The first part of the new secret is written, the second fails.
        *items.fail_writes_after.lock().unwrap() = Some(1);
        write(&items, Some(LIMIT), "k", "l", &new).unwrap_err();
        *items.fail_writes_after.lock().unwrap() = None;
        assert_eq!(read(&items, "k").unwrap().unwrap().expose(), &old[..]);
        assert_eq!(
            items.names().len(),
            3,
            "the new part was removed: {:?}",
            items.names()
        );
        // Then it succeeds, and only the new parts are left.
        write(&items, Some(LIMIT), "k", "l", &new).unwrap();
        assert_eq!(read(&items, "k").unwrap().unwrap().expose(), &new[..]);
        assert_eq!(items.names().len(), 3);
    }

    #[test]
    fn a_missing_or_changed_part_is_an_error_never_a_wrong_secret() {
        let items = Limited::default();
        write(&items, Some(LIMIT), "k", "l", &big()).unwrap();
        let part = items.names().into_iter().find(|n| is_part(n)).unwrap();
        items.items.lock().unwrap().get_mut(&part).unwrap()[0] ^= 1;
        let e = read(&items, "k").err().unwrap().to_string();
        assert!(e.contains("store it again"), "{e}");
        items.items.lock().unwrap().remove(&part);
        assert!(read(&items, "k").is_err());
    }

    #[test]
    fn only_a_well_formed_header_is_read_as_one() {
        let mut fake = MARKER.to_vec();
        fake.extend_from_slice(b"2 nothex 00");
        assert!(Header::decode(&fake).is_none());
        assert!(Header::decode(b"JBSWY3DPEHPK3PXP").is_none());
    }
}
