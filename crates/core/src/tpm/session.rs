//! A salted HMAC session with parameter encryption (TPM 2.0 Library, Part 1 §19 and §21),
//! so that nothing secret crosses the link to the TPM in the clear: the seed sent to
//! TPM2_Create and the PIN are encrypted or never sent (the PIN only keys the session's
//! HMACs), and the HMAC the TPM returns comes back encrypted.
//!
//! The salt is agreed with ECDH against the storage root key's public point (an ephemeral
//! P-256 key of ours), so only that TPM can derive the session key; AES-128-CFB encrypts the
//! first parameter each way; SHA-256 throughout. The primitives are RustCrypto's, in pure
//! Rust (a C library's start-up would cost more than the TPM's work here).

use cfb_mode::cipher::{AsyncStreamCipher, KeyIvInit};
use hmac::{Mac, SimpleHmac};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

type HmacSha256 = SimpleHmac<Sha256>;

use super::TpmError;

const SHA256_LEN: usize = 32;
/// `continueSession`, `decrypt` (the command's first parameter is encrypted), `encrypt` (the
/// response's first parameter is).
pub const CONTINUE_SESSION: u8 = 0x01;
pub const DECRYPT: u8 = 0x20;
pub const ENCRYPT: u8 = 0x40;

/// An open salted HMAC session.
pub struct HmacSession {
    pub handle: u32,
    key: Zeroizing<Vec<u8>>,
    nonce_tpm: Vec<u8>,
}

/// What a command's authorization needs to check its response.
pub struct Pending {
    nonce_caller: Vec<u8>,
    attributes: u8,
    hmac_key: Zeroizing<Vec<u8>>,
}

/// The ephemeral half of the salt: our public point (x, y) to send, and the salt itself.
pub struct Salt {
    pub x: Vec<u8>,
    pub y: Vec<u8>,
    pub salt: Zeroizing<Vec<u8>>,
}

fn failed(detail: &str) -> TpmError {
    TpmError::Failed {
        op: "secure its session",
        detail: detail.to_owned(),
    }
}

/// A fresh 32-byte nonce (from the operating system's generator, through `rand`).
pub fn nonce() -> Result<Vec<u8>, TpmError> {
    Ok(rand::random::<[u8; SHA256_LEN]>().to_vec())
}

/// ECDH with the TPM key's public point (`x`, `y`); the salt is KDFe(Z, "SECRET", our x,
/// its x) (Part 1 §11.4.10.3).
pub fn salt_for(x: &[u8], y: &[u8]) -> Result<Salt, TpmError> {
    let theirs = p256::PublicKey::from_sec1_bytes(&[&[4u8][..], &pad32(x)?, &pad32(y)?].concat())
        .map_err(|_| failed("the TPM's storage key is not a P-256 point"))?;
    let ours = loop {
        // A random scalar below the group order (all but never needs a second try).
        let bytes = Zeroizing::new(rand::random::<[u8; 32]>());
        if let Ok(key) = p256::SecretKey::from_slice(&bytes[..]) {
            break key;
        }
    };
    let point = ours.public_key().to_encoded_point(false);
    let (Some(our_x), Some(our_y)) = (point.x(), point.y()) else {
        return Err(failed("unexpected ephemeral key"));
    };
    let shared = p256::ecdh::diffie_hellman(ours.to_nonzero_scalar(), theirs.as_affine());
    let salt = kdfe(shared.raw_secret_bytes(), b"SECRET", our_x, &pad32(x)?);
    Ok(Salt {
        x: our_x.to_vec(),
        y: our_y.to_vec(),
        salt,
    })
}

fn pad32(v: &[u8]) -> Result<Vec<u8>, TpmError> {
    if v.len() > 32 {
        return Err(failed("the storage key's point is too long"));
    }
    let mut out = vec![0u8; 32 - v.len()];
    out.extend_from_slice(v);
    Ok(out)
}

impl HmacSession {
    /// The session after TPM2_StartAuthSession answered `handle` and `nonce_tpm`.
    pub fn new(handle: u32, salt: &[u8], nonce_tpm: Vec<u8>, nonce_caller: &[u8]) -> Self {
        // Unbound: the session key comes from the salt alone.
        let key = kdfa(salt, b"ATH", &nonce_tpm, nonce_caller, SHA256_LEN);
        Self {
            handle,
            key,
            nonce_tpm,
        }
    }

    /// The authorization area for command `code` over the handles named `names`, with
    /// `auth_value` (the authorized object's authValue, e.g. a PIN). With [`DECRYPT`] the
    /// first parameter of `params` (a `TPM2B`) is encrypted in place first.
    pub fn authorize(
        &self,
        code: u32,
        names: &[&[u8]],
        auth_value: &[u8],
        params: &mut [u8],
        attributes: u8,
    ) -> Result<(Zeroizing<Vec<u8>>, Pending), TpmError> {
        let nonce_caller = nonce()?;
        let hmac_key = Zeroizing::new([&self.key[..], auth_value].concat());
        if attributes & DECRYPT != 0 {
            let data = first_b2(params)?;
            cfb(&hmac_key, &nonce_caller, &self.nonce_tpm, data, true)?;
        }
        let mut cp = Sha256::new();
        cp.update(code.to_be_bytes());
        for name in names {
            cp.update(name);
        }
        cp.update(&*params);
        let cp_hash = cp.finalize();
        let tag = hmac_of(
            &hmac_key,
            &[
                cp_hash.as_slice(),
                &nonce_caller,
                &self.nonce_tpm,
                &[attributes],
            ],
        );
        let mut area = Zeroizing::new(Vec::with_capacity(80));
        area.extend_from_slice(&self.handle.to_be_bytes());
        area.extend_from_slice(&(nonce_caller.len() as u16).to_be_bytes());
        area.extend_from_slice(&nonce_caller);
        area.push(attributes);
        area.extend_from_slice(&(tag.len() as u16).to_be_bytes());
        area.extend_from_slice(&tag);
        Ok((
            area,
            Pending {
                nonce_caller,
                attributes,
                hmac_key,
            },
        ))
    }

    /// Checks a successful response's HMAC (the TPM proves it knew the session key and the
    /// authValue), takes its new nonce, and decrypts its first parameter when asked.
    pub fn verify(
        &mut self,
        code: u32,
        pending: Pending,
        params: &mut [u8],
        nonce_tpm: &[u8],
        attributes: u8,
        tag: &[u8],
    ) -> Result<(), TpmError> {
        let mut rp = Sha256::new();
        rp.update(0u32.to_be_bytes());
        rp.update(code.to_be_bytes());
        rp.update(&*params);
        let rp_hash = rp.finalize();
        let mut mac = HmacSha256::new_from_slice(&pending.hmac_key).expect("HMAC takes any key");
        for part in [
            rp_hash.as_slice(),
            nonce_tpm,
            &pending.nonce_caller,
            &[attributes],
        ] {
            mac.update(part);
        }
        if mac.verify_slice(tag).is_err() {
            return Err(failed(
                "its answer's HMAC is wrong (something between Otpilot and the TPM changed it)",
            ));
        }
        self.nonce_tpm = nonce_tpm.to_vec();
        if pending.attributes & ENCRYPT != 0 {
            let data = first_b2(params)?;
            cfb(
                &pending.hmac_key,
                &self.nonce_tpm,
                &pending.nonce_caller,
                data,
                false,
            )?;
        }
        Ok(())
    }
}

/// The contents of the `TPM2B` at the start of `params`.
fn first_b2(params: &mut [u8]) -> Result<&mut [u8], TpmError> {
    if params.len() < 2 {
        return Err(failed("no parameter to encrypt"));
    }
    let n = u16::from_be_bytes([params[0], params[1]]) as usize;
    params
        .get_mut(2..2 + n)
        .ok_or_else(|| failed("a parameter is shorter than its size"))
}

/// AES-128-CFB with key and IV from KDFa(`key`, "CFB", `u`, `v`) (Part 1 §21.3).
fn cfb(key: &[u8], u: &[u8], v: &[u8], data: &mut [u8], encrypt: bool) -> Result<(), TpmError> {
    let bits = kdfa(key, b"CFB", u, v, 32);
    let (aes, iv) = bits.split_at(16);
    if encrypt {
        cfb_mode::Encryptor::<aes::Aes128>::new_from_slices(aes, iv)
            .map_err(|_| failed("AES key"))?
            .encrypt(data);
    } else {
        cfb_mode::Decryptor::<aes::Aes128>::new_from_slices(aes, iv)
            .map_err(|_| failed("AES key"))?
            .decrypt(data);
    }
    Ok(())
}

fn hmac_of(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// KDFa with HMAC-SHA256 (Part 1 §11.4.10.2): `label` is written with its terminating zero.
pub fn kdfa(key: &[u8], label: &[u8], u: &[u8], v: &[u8], bytes: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes + SHA256_LEN));
    let bits = (bytes as u32 * 8).to_be_bytes();
    let mut counter = 1u32;
    while out.len() < bytes {
        out.extend_from_slice(&hmac_of(
            key,
            &[&counter.to_be_bytes(), label, &[0], u, v, &bits],
        ));
        counter += 1;
    }
    out.truncate(bytes);
    out
}

/// KDFe with SHA-256 (Part 1 §11.4.10.3), 32 bytes: one round.
fn kdfe(z: &[u8], label: &[u8], u: &[u8], v: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut ctx = Sha256::new();
    for part in [&1u32.to_be_bytes()[..], z, label, &[0], u, v] {
        ctx.update(part);
    }
    Zeroizing::new(ctx.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdfa_counts_rounds_and_truncates() {
        let long = kdfa(b"key", b"CFB", b"u", b"v", 40);
        assert_eq!(long.len(), 40);
        // The first 32 bytes are one HMAC round; asking for fewer bits changes the input
        // (the size is hashed), so a 32-byte answer is not a prefix of the 40-byte one.
        let short = kdfa(b"key", b"CFB", b"u", b"v", 32);
        assert_ne!(&long[..32], &short[..]);
        assert_eq!(short, kdfa(b"key", b"CFB", b"u", b"v", 32));
    }

    #[test]
    fn cfb_round_trips_and_hides_the_data() {
        let mut data = b"JBSWY3DPEHPK3PXP".to_vec();
        cfb(b"k", b"u", b"v", &mut data, true).unwrap();
        assert_ne!(&data[..], b"JBSWY3DPEHPK3PXP");
        cfb(b"k", b"u", b"v", &mut data, false).unwrap();
        assert_eq!(&data[..], b"JBSWY3DPEHPK3PXP");
    }
}
