//! The key derivations and the cipher the encrypted exports use, over RustCrypto's crates;
//! every key and plaintext in zeroizing memory.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use zeroize::Zeroizing;

/// A 256-bit key.
pub type Key = Zeroizing<[u8; 32]>;

/// scrypt with the export's own cost parameters, refused beyond what any app writes (a
/// damaged or hostile file must not make Otpilot allocate gigabytes): N at most 2^20 and
/// 128·N·r at most 256 MiB, p at most 16. `None`: parameters out of range.
pub fn scrypt_key(password: &[u8], salt: &[u8], n: u64, r: u32, p: u32) -> Option<Key> {
    if !n.is_power_of_two() || !(2..=1 << 20).contains(&n) {
        return None;
    }
    if r == 0 || p == 0 || p > 16 || 128 * n * u64::from(r) > 256 << 20 {
        return None;
    }
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p, 32).ok()?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut()).ok()?;
    Some(key)
}

/// PBKDF2-HMAC-SHA256.
pub fn pbkdf2_sha256_key(password: &[u8], salt: &[u8], rounds: u32) -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, key.as_mut());
    key
}

/// AES-256-GCM with a 96-bit nonce and the 128-bit tag after the ciphertext. `None`: the
/// key is wrong or the data was changed (GCM cannot tell which), or the nonce is not 96 bits.
pub fn aes_gcm_open(key: &Key, nonce: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if nonce.len() != 12 || sealed.len() < 16 {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(key.as_ref()).ok()?;
    cipher
        .decrypt(Nonce::from_slice(nonce), sealed)
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
pub fn aes_gcm_seal(key: &Key, nonce: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key.as_ref()).unwrap();
    cipher.encrypt(Nonce::from_slice(nonce), plain).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // RFC 7914 section 12, the second vector (N=1024, r=8, p=16), first 32 bytes.
        let key = scrypt_key(b"password", b"NaCl", 1024, 8, 16).unwrap();
        assert_eq!(
            data_encoding::HEXLOWER.encode(key.as_ref()),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        );
        // RFC 7914 section 11 (PBKDF2-HMAC-SHA256, c=1), first 32 bytes.
        let key = pbkdf2_sha256_key(b"passwd", b"salt", 1);
        assert_eq!(
            data_encoding::HEXLOWER.encode(key.as_ref()),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[test]
    fn refuses_costs_no_app_writes_and_tampering() {
        assert!(scrypt_key(b"p", b"s", 1 << 21, 8, 1).is_none());
        assert!(scrypt_key(b"p", b"s", 1000, 8, 1).is_none());
        assert!(scrypt_key(b"p", b"s", 1 << 20, 8, 1).is_none()); // 1 GiB
        let key = Zeroizing::new([7u8; 32]);
        let mut sealed = aes_gcm_seal(&key, &[1; 12], b"hello");
        assert_eq!(
            aes_gcm_open(&key, &[1; 12], &sealed).unwrap().as_slice(),
            b"hello"
        );
        sealed[0] ^= 1;
        assert!(aes_gcm_open(&key, &[1; 12], &sealed).is_none());
        assert!(aes_gcm_open(&key, &[1; 11], &sealed).is_none());
    }
}
