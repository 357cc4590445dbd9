//! Storage keys: the parent every sealed key is made and loaded under. The persistent SRK
//! at `0x81000001` when the machine has an ECC one, else the SRK the TCG's ECC P-256
//! template makes (the same key every time, from the owner hierarchy's seed; flushed after
//! each use).
//!
//! The storage key's point salts the session that carries the seed and keys the PIN's
//! HMACs, so a TPM answer is never taken on trust: its Name is computed here from the
//! public area (nameAlg || SHA-256 of the `TPMT_PUBLIC`) and must equal the Name the TPM
//! gave, a made key must be exactly the template asked for, and a sealed key is only used
//! under the storage key whose Name it recorded. Something answering in the TPM's place
//! with a key of its own is refused before anything secret is sent.

use sha2::{Digest, Sha256};

use super::wire::{Command, Reader};
use super::*;

/// A parent storage key for the duration of one operation: an ECC P-256 storage key whose
/// Name was computed from its public area.
pub(super) struct Parent {
    pub handle: u32,
    pub name: Vec<u8>,
    /// Its public point (x, y), which salts a session.
    pub point: (Vec<u8>, Vec<u8>),
    pub transient: bool,
}

/// What Otpilot reads of an object's public area.
struct ObjectPublic {
    /// Its ECC P-256 point, when it is a storage key Otpilot seals under: ECC P-256 with a
    /// SHA-256 Name, restricted, decrypt and not sign, AES-128-CFB, and made inside this
    /// TPM and bound to it (fixedTPM, fixedParent, sensitiveDataOrigin: no one ever held
    /// its private key outside it). `None` for any other object.
    storage_point: Option<(Vec<u8>, Vec<u8>)>,
    /// nameAlg || H(`TPMT_PUBLIC`), computed here; `None` for a nameAlg other than SHA-256.
    name: Option<Vec<u8>>,
}

/// The Name of the object whose `TPMT_PUBLIC` is `public` (TPM 2.0 Library, Part 1 §16):
/// its nameAlg, then the nameAlg's digest of the whole area. Otpilot only computes
/// SHA-256 Names; `None` for another nameAlg.
pub(super) fn name_of(public: &[u8]) -> Option<Vec<u8>> {
    let alg = public.get(2..4)?;
    (alg == ALG_SHA256.to_be_bytes()).then(|| [alg, Sha256::digest(public).as_slice()].concat())
}

/// Reads a `TPMT_PUBLIC`: whether it is a storage key Otpilot uses (and its point), and its
/// Name.
fn object_public(bytes: &[u8]) -> Result<ObjectPublic, &'static str> {
    let mut r = Reader::new(bytes);
    let kind = r.u16()?;
    let name_alg = r.u16()?;
    let attributes = r.u32()?;
    r.b2()?; // authPolicy
    let mut storage_point = None;
    if kind == ALG_ECC {
        // TPMS_ECC_PARMS: symmetric, scheme, curve, kdf; then the point.
        let symmetric = match r.u16()? {
            ALG_NULL => None,
            alg => Some((alg, r.u16()?, r.u16()?)),
        };
        let scheme = r.u16()?;
        if scheme != ALG_NULL {
            r.u16()?;
        }
        let curve = r.u16()?;
        let kdf = r.u16()?;
        if kdf != ALG_NULL {
            r.u16()?;
        }
        let (x, y) = (r.b2()?.to_vec(), r.b2()?.to_vec());
        let required = FIXED_TPM | FIXED_PARENT | SENSITIVE_DATA_ORIGIN | RESTRICTED | DECRYPT;
        if name_alg == ALG_SHA256
            && attributes & required == required
            && attributes & SIGN == 0
            && symmetric == Some((ALG_AES, 128, ALG_CFB))
            && scheme == ALG_NULL
            && curve == ECC_NIST_P256
            && kdf == ALG_NULL
            && r.is_empty()
        {
            storage_point = Some((x, y));
        }
    }
    Ok(ObjectPublic {
        storage_point,
        name: name_of(bytes),
    })
}

/// A TPM's answer about a key: its public area and the Name it gave; the Name must be the
/// public area's own.
fn answered(public: &[u8], name: &[u8]) -> Result<ObjectPublic, TpmError> {
    let object = object_public(public).map_err(bad_answer)?;
    match &object.name {
        Some(computed) if computed.as_slice() != name => {
            Err(TpmError::Forged("does not match the Name it gave for it"))
        }
        _ => Ok(object),
    }
}

/// The TCG's ECC P-256 storage root key template (TPM 2.0 Provisioning Guidance §7.5.1)
/// up to its `unique` field, where the TPM puts the key's point.
fn srk_template_head() -> Zeroizing<Vec<u8>> {
    let mut c = Command::params();
    c.u16(ALG_ECC).u16(ALG_SHA256);
    c.u32(
        FIXED_TPM
            | FIXED_PARENT
            | SENSITIVE_DATA_ORIGIN
            | USER_WITH_AUTH
            | NO_DA
            | RESTRICTED
            | DECRYPT,
    );
    c.b2(&[]);
    c.u16(ALG_AES).u16(128).u16(ALG_CFB);
    c.u16(ALG_NULL).u16(ECC_NIST_P256).u16(ALG_NULL);
    c.into_bytes()
}

impl Tpm {
    /// The storage key to seal under. With no `pinned` Names (the first seal on this
    /// machine), the persistent SRK when there is one, else the SRK made from the standard
    /// template. Otherwise the one of those two whose Name is pinned (the storage key the
    /// sealed devices were made under), or [`TpmError::StorageKeyChanged`].
    pub(super) fn storage_parent(&mut self, pinned: &[Vec<u8>]) -> Result<Parent, TpmError> {
        if pinned.is_empty() {
            if let Some(parent) = self.persistent_srk()? {
                return Ok(parent);
            }
            return self.create_primary();
        }
        self.parent_among(pinned)?
            .ok_or(TpmError::StorageKeyChanged)
    }

    /// The storage key whose Name is `want`, or [`TpmError::Foreign`] when this TPM has
    /// none (another machine's TPM, or this one after it was cleared).
    pub(super) fn parent_named(&mut self, want: &[u8]) -> Result<Parent, TpmError> {
        self.parent_among(&[want.to_vec()])?
            .ok_or(TpmError::Foreign)
    }

    /// The persistent SRK, or else the made one, when its Name is one of `names`.
    fn parent_among(&mut self, names: &[Vec<u8>]) -> Result<Option<Parent>, TpmError> {
        if let Some(parent) = self.persistent_srk()? {
            if names.contains(&parent.name) {
                return Ok(Some(parent));
            }
        }
        let parent = self.create_primary()?;
        if names.contains(&parent.name) {
            return Ok(Some(parent));
        }
        self.release(&parent);
        Ok(None)
    }

    pub(super) fn release(&mut self, parent: &Parent) {
        if parent.transient {
            self.flush(parent.handle);
        }
    }

    /// TPM2_CreatePrimary with the TCG's ECC P-256 SRK template: the key must come back as
    /// exactly that template with a point in it, under its own Name.
    fn create_primary(&mut self) -> Result<Parent, TpmError> {
        let head = srk_template_head();
        let mut c = Command::new(CC_CREATE_PRIMARY, &[RH_OWNER], Some(b""));
        c.sized(|c| {
            c.b2(&[]).b2(&[]);
        });
        c.sized(|c| {
            c.raw(&head).b2(&[0; 32]).b2(&[0; 32]);
        });
        c.b2(&[]).u32(0);
        let r =
            match self.call(c)? {
                r if rc::base(r.code) == rc::AUTH_FAIL || rc::base(r.code) == rc::BAD_AUTH => {
                    return Err(TpmError::OwnerAuth)
                }
                r if rc::base(r.code) == rc::HIERARCHY => return Err(TpmError::Unsupported(
                    "the TPM's storage hierarchy is disabled (turn it on in the firmware settings)"
                        .into(),
                )),
                r => checked(r, "make its storage key")?,
            };
        let (handles, mut p) = r.reader(1).map_err(bad_answer)?;
        let handle = handles[0];
        let read = (|| {
            let public = p.b2()?;
            p.b2()?; // creationData
            p.b2()?; // creationHash
            p.u16()?; // creationTicket: tag, hierarchy, digest
            p.u32()?;
            p.b2()?;
            Ok((public, p.b2()?))
        })()
        .map_err(bad_answer)
        .and_then(|(public, name)| {
            let object = answered(public, name)?;
            match object.storage_point {
                Some(point) if public.starts_with(&head) => Ok(Parent {
                    handle,
                    name: name.to_vec(),
                    point,
                    transient: true,
                }),
                _ => Err(TpmError::Forged(
                    "is not the storage key Otpilot asked it to make",
                )),
            }
        });
        if read.is_err() {
            self.flush(handle);
        }
        read
    }

    /// The persistent SRK, when there is one and it is a storage key Otpilot can use.
    fn persistent_srk(&mut self) -> Result<Option<Parent>, TpmError> {
        let r = self.call(Command::new(CC_READ_PUBLIC, &[PERSISTENT_SRK], None))?;
        if rc::base(r.code) == rc::HANDLE {
            return Ok(None);
        }
        let r = checked(r, "read its storage key")?;
        let (_, mut p) = r.reader(0).map_err(bad_answer)?;
        let (public, name) = (|| Ok((p.b2()?, p.b2()?)))().map_err(bad_answer)?;
        let object = answered(public, name)?;
        Ok(object.storage_point.map(|point| Parent {
            handle: PERSISTENT_SRK,
            name: name.to_vec(),
            point,
            transient: false,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storage key swtpm made for `tpm2_createprimary -C o -g sha256 -G ecc` (tpm2-tools'
    /// own attributes, so also what a persistent SRK made that way looks like), its
    /// `TPMT_PUBLIC` and the Name swtpm gave, as `tpm2_readpublic -f tpmt -o … -n …` wrote
    /// them.
    const SWTPM_SRK_PUBLIC: &str = "0023000b00030072000000060080004300100003001000200b5e4ffa1374c36c63f9fa89480a823b744cbc02f400443fcfac88974675573f0020d02cfa8be1dd0efafc707e0de37627871e7221b1f29da09412a7c87f5722cc70";
    const SWTPM_SRK_NAME: &str =
        "000b3ade5a4af70a15d3a27a1f7f6f1e39ec75d2c46cf3fa318c83b0d550ad6d09e7";

    fn hex(text: &str) -> Vec<u8> {
        data_encoding::HEXLOWER.decode(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_name_is_computed_as_the_tpm_computes_it() {
        let public = hex(SWTPM_SRK_PUBLIC);
        assert_eq!(name_of(&public), Some(hex(SWTPM_SRK_NAME)));
        let object = answered(&public, &hex(SWTPM_SRK_NAME)).unwrap();
        let (x, y) = object.storage_point.expect("a storage key");
        assert_eq!(x, public[public.len() - 66..public.len() - 34]);
        assert_eq!(y, public[public.len() - 32..]);
        // A nameAlg Otpilot does not compute gives no Name (and no storage key).
        let mut sha384 = public.clone();
        sha384[2..4].copy_from_slice(&0x000Cu16.to_be_bytes());
        assert_eq!(name_of(&sha384), None);
        assert!(object_public(&sha384).unwrap().storage_point.is_none());
    }

    #[test]
    fn a_public_area_that_is_not_its_name_s_is_refused() {
        let public = hex(SWTPM_SRK_PUBLIC);
        let name = hex(SWTPM_SRK_NAME);
        // Another point under the same Name: what a key substituted on the link looks like.
        let mut swapped = public.clone();
        let last = swapped.len() - 1;
        swapped[last] ^= 1;
        assert!(matches!(
            answered(&swapped, &name),
            Err(TpmError::Forged(_))
        ));
        // The same area under another Name.
        let mut other = name.clone();
        other[5] ^= 1;
        assert!(matches!(
            answered(&public, &other),
            Err(TpmError::Forged(_))
        ));
    }

    #[test]
    fn only_a_p256_storage_key_made_inside_the_tpm_is_a_parent() {
        let public = hex(SWTPM_SRK_PUBLIC);
        let attributes_at = 4..8;
        let with_attributes = |change: &dyn Fn(u32) -> u32| {
            let mut p = public.clone();
            let a = u32::from_be_bytes(p[attributes_at.clone()].try_into().unwrap());
            p[attributes_at.clone()].copy_from_slice(&change(a).to_be_bytes());
            object_public(&p).unwrap().storage_point.is_some()
        };
        assert!(with_attributes(&|a| a));
        assert!(with_attributes(&|a| a | NO_DA));
        assert!(!with_attributes(&|a| a | SIGN));
        assert!(!with_attributes(&|a| a & !RESTRICTED));
        assert!(!with_attributes(&|a| a & !FIXED_TPM)); // could have been imported
        assert!(!with_attributes(&|a| a & !SENSITIVE_DATA_ORIGIN)); // a private key from outside
        let mut p384 = public.clone();
        p384[18..20].copy_from_slice(&0x0004u16.to_be_bytes()); // curveID: NIST P-384
        assert!(object_public(&p384).unwrap().storage_point.is_none());
        let mut trailing = public;
        trailing.push(0);
        assert!(object_public(&trailing).unwrap().storage_point.is_none());
    }

    #[test]
    fn the_srk_template_is_the_tcg_s() {
        // TPM 2.0 Provisioning Guidance §7.5.1, ECC P-256: type, nameAlg, objectAttributes
        // 0x00030472, empty authPolicy, AES-128-CFB, no scheme, NIST P-256, no KDF.
        assert_eq!(
            data_encoding::HEXLOWER.encode(&srk_template_head()),
            "0023000b000304720000000600800043001000030010"
        );
    }
}
