//! Storage keys: the parent every sealed key is made and loaded under. The persistent SRK
//! at `0x81000001` when the machine has an ECC one, else the SRK the TCG's ECC P-256
//! template makes (the same key every time, from the owner hierarchy's seed; flushed after
//! each use).

use super::wire::{Command, Reader};
use super::*;

/// A parent storage key for the duration of one operation.
pub(super) struct Parent {
    pub handle: u32,
    pub name: Vec<u8>,
    /// Its ECC public point (x, y), which salts a session; `None` for an RSA key.
    pub point: Option<(Vec<u8>, Vec<u8>)>,
    pub transient: bool,
}

/// What Otpilot reads of an object's public area.
struct ObjectPublic {
    attributes: u32,
    point: Option<(Vec<u8>, Vec<u8>)>,
    name: Vec<u8>,
}

/// Reads a `TPMT_PUBLIC`'s attributes and, for an ECC key, its point.
fn object_public(bytes: &[u8]) -> Result<ObjectPublic, &'static str> {
    let mut r = Reader::new(bytes);
    let kind = r.u16()?;
    r.u16()?; // nameAlg
    let attributes = r.u32()?;
    r.b2()?; // authPolicy
    let mut point = None;
    if kind == ALG_ECC {
        // TPMS_ECC_PARMS: symmetric, scheme, curve, kdf; then the point.
        if r.u16()? != ALG_NULL {
            r.u16()?;
            r.u16()?;
        }
        if r.u16()? != ALG_NULL {
            r.u16()?;
        }
        let curve = r.u16()?;
        if r.u16()? != ALG_NULL {
            r.u16()?;
        }
        let (x, y) = (r.b2()?.to_vec(), r.b2()?.to_vec());
        if curve == ECC_NIST_P256 {
            point = Some((x, y));
        }
    }
    Ok(ObjectPublic {
        attributes,
        point,
        name: Vec::new(),
    })
}

impl Tpm {
    /// The storage key to seal under: the persistent SRK when there is one, else the SRK
    /// made from the standard template (the same key every time, from the owner's seed).
    /// A persistent SRK counts only when it is an ECC P-256 storage key: its point salts
    /// the session that keeps the seed off the link.
    pub(super) fn storage_parent(&mut self) -> Result<Parent, TpmError> {
        if let Some(parent) = self.persistent_srk()? {
            if parent.point.is_some() {
                return Ok(parent);
            }
        }
        self.create_primary()
    }

    /// The persistent SRK, when there is one and it is a storage key.
    fn persistent_srk(&mut self) -> Result<Option<Parent>, TpmError> {
        Ok(self
            .read_public(PERSISTENT_SRK)?
            .filter(|p| {
                p.attributes & (RESTRICTED | DECRYPT) == RESTRICTED | DECRYPT
                    && p.attributes & SIGN == 0
            })
            .map(|p| Parent {
                handle: PERSISTENT_SRK,
                name: p.name,
                point: p.point,
                transient: false,
            }))
    }

    /// The storage key whose name is `want`, or [`TpmError::Foreign`] when this TPM has
    /// none (another machine's TPM, or this one after it was cleared).
    pub(super) fn parent_named(&mut self, want: &[u8]) -> Result<Parent, TpmError> {
        if let Some(parent) = self.persistent_srk()? {
            if parent.name == want {
                return Ok(parent);
            }
        }
        let parent = self.create_primary()?;
        if parent.name != want {
            self.release(&parent);
            return Err(TpmError::Foreign);
        }
        Ok(parent)
    }

    pub(super) fn release(&mut self, parent: &Parent) {
        if parent.transient {
            self.flush(parent.handle);
        }
    }

    /// The TCG's ECC P-256 storage root key template (TPM 2.0 Provisioning Guidance §7.5.1).
    pub(super) fn create_primary(&mut self) -> Result<Parent, TpmError> {
        let mut c = Command::new(CC_CREATE_PRIMARY, &[RH_OWNER], Some(b""));
        c.sized(|c| {
            c.b2(&[]).b2(&[]);
        });
        c.sized(|c| {
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
            c.b2(&[0; 32]).b2(&[0; 32]);
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
        let read = (|| {
            let public = object_public(p.b2()?)?;
            p.b2()?; // creationData
            p.b2()?; // creationHash
            p.u16()?; // creationTicket: tag, hierarchy, digest
            p.u32()?;
            p.b2()?;
            Ok((public.point, p.b2()?.to_vec()))
        })();
        let parent = Parent {
            handle: handles[0],
            name: Vec::new(),
            point: None,
            transient: true,
        };
        match read {
            Ok((point, name)) => Ok(Parent {
                name,
                point,
                ..parent
            }),
            Err(e) => {
                self.release(&parent);
                Err(bad_answer(e))
            }
        }
    }

    /// The object at `handle` (its attributes, ECC point, name), or `None` when nothing is
    /// there.
    fn read_public(&mut self, handle: u32) -> Result<Option<ObjectPublic>, TpmError> {
        let r = self.call(Command::new(CC_READ_PUBLIC, &[handle], None))?;
        if rc::base(r.code) == rc::HANDLE {
            return Ok(None);
        }
        let r = checked(r, "read its storage key")?;
        let (_, mut p) = r.reader(0).map_err(bad_answer)?;
        let read = (|| -> Result<ObjectPublic, &'static str> {
            let public = object_public(p.b2()?)?;
            Ok(ObjectPublic {
                name: p.b2()?.to_vec(),
                ..public
            })
        })();
        read.map(Some).map_err(bad_answer)
    }
}
