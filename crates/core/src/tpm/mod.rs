//! TOTP seeds sealed in the TPM: the seed becomes a non-exportable HMAC key inside the TPM,
//! and every code is an HMAC the TPM computes. What Otpilot keeps (in the keyring, in place
//! of the seed) is the TPM-wrapped key, which only this TPM can load.
//!
//! A small TPM 2.0 command client of our own ([`wire`]), so no C TSS library is linked and
//! nothing is loaded for users without a TPM: CreatePrimary (the TCG's ECC P-256 storage
//! root key template, or the persistent SRK at `0x81000001` when one exists: [`storage`]),
//! StartAuthSession, Create (a `keyedHash` HMAC key from the seed, `fixedTPM|fixedParent`),
//! Load, HMAC, FlushContext, ReadPublic and GetCapability. Create and HMAC run in a salted
//! HMAC session with parameter encryption ([`session`]), so the seed and the key's PIN (its
//! authValue) never cross the link in the clear; the rest, which carry no secret, use an
//! empty password.

mod session;
mod storage;
mod tcti;
mod wire;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use session::HmacSession;
use storage::Parent;
use tcti::Link;
pub use tcti::Tcti;
use wire::{Command, Response};

const CC_CREATE_PRIMARY: u32 = 0x131;
const CC_START_AUTH_SESSION: u32 = 0x176;
const CC_STARTUP: u32 = 0x144;
const CC_CREATE: u32 = 0x153;
const CC_HMAC: u32 = 0x155;
const CC_LOAD: u32 = 0x157;
const CC_FLUSH_CONTEXT: u32 = 0x165;
const CC_READ_PUBLIC: u32 = 0x173;
const CC_GET_CAPABILITY: u32 = 0x17A;

const RH_OWNER: u32 = 0x4000_0001;
const RH_NULL: u32 = 0x4000_0007;
const SE_HMAC: u8 = 0x00;
/// Where the TCG's provisioning guidance puts the storage root key, when it is made
/// persistent (systemd and tpm2-tools users often have one).
const PERSISTENT_SRK: u32 = 0x8100_0001;

const ALG_AES: u16 = 0x0006;
const ALG_HMAC: u16 = 0x0005;
const ALG_KEYEDHASH: u16 = 0x0008;
const ALG_SHA256: u16 = 0x000B;
const ALG_NULL: u16 = 0x0010;
const ALG_ECC: u16 = 0x0023;
const ALG_CFB: u16 = 0x0043;
const ECC_NIST_P256: u16 = 0x0003;

const FIXED_TPM: u32 = 1 << 1;
const FIXED_PARENT: u32 = 1 << 4;
const SENSITIVE_DATA_ORIGIN: u32 = 1 << 5;
const USER_WITH_AUTH: u32 = 1 << 6;
const NO_DA: u32 = 1 << 10;
const RESTRICTED: u32 = 1 << 16;
const DECRYPT: u32 = 1 << 17;
const SIGN: u32 = 1 << 18;

const CAP_ALGS: u32 = 0;
const CAP_TPM_PROPERTIES: u32 = 6;
const PT_MANUFACTURER: u32 = 0x105;
const PT_LOCKOUT_COUNTER: u32 = 0x20E;

/// Response codes Otpilot tells apart (their base, without the parameter number).
mod rc {
    pub const INITIALIZE: u32 = 0x100;
    pub const AUTH_FAIL: u32 = 0x08E;
    pub const BAD_AUTH: u32 = 0x0A2;
    pub const HANDLE: u32 = 0x08B;
    pub const INTEGRITY: u32 = 0x09F;
    pub const HIERARCHY: u32 = 0x085;
    pub const LOCKOUT: u32 = 0x921;
    pub const RETRY: u32 = 0x922;
    pub const YIELDED: u32 = 0x908;
    pub const TESTING: u32 = 0x90A;
    pub const OBJECT_MEMORY: u32 = 0x902;

    /// A response code without the handle, session or parameter it names.
    pub fn base(code: u32) -> u32 {
        if code & 0x80 != 0 {
            0x80 | (code & 0x3F)
        } else {
            code & 0x97F
        }
    }
}

/// The hash of an HMAC key, as the TPM names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha512,
}

impl Hash {
    fn id(self) -> u16 {
        match self {
            Self::Sha1 => 0x0004,
            Self::Sha256 => ALG_SHA256,
            Self::Sha512 => 0x000D,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "HMAC-SHA1",
            Self::Sha256 => "HMAC-SHA256",
            Self::Sha512 => "HMAC-SHA512",
        }
    }
}

/// What went wrong with the TPM; the device layer turns it into a [`crate::Error`] that
/// names the device.
#[derive(Debug)]
pub enum TpmError {
    Config {
        variable: &'static str,
        detail: String,
    },
    Unavailable {
        at: String,
        detail: String,
    },
    Permission {
        path: std::path::PathBuf,
    },
    /// The key's PIN was wrong; `tries_left` before the TPM locks, when it says.
    WrongPin {
        tries_left: Option<u32>,
    },
    /// Dictionary-attack lockout: `interval` seconds until one more try is allowed.
    Lockout {
        interval: Option<u32>,
    },
    /// The blob was not made by this TPM (or this TPM was cleared since).
    Foreign,
    /// A new seed was to be sealed, and the TPM has none of the storage keys the sealed
    /// devices were made under (it was cleared, or something answers in its place).
    StorageKeyChanged,
    /// The TPM's answer about its storage key cannot be the TPM's own: the key (the
    /// detail says how) does not match its Name, or is not the key that was asked for.
    Forged(&'static str),
    Unsupported(String),
    /// The owner hierarchy has a password, so no storage key can be made without it.
    OwnerAuth,
    /// The stored blob cannot be read.
    Damaged(&'static str),
    Failed {
        op: &'static str,
        detail: String,
    },
}

impl TpmError {
    /// The error a person reads, naming the device concerned.
    pub fn for_device(self, device: &str) -> crate::Error {
        use crate::Error;
        match self {
            Self::Config { variable, detail } => Error::TpmConfig { variable, detail },
            Self::Unavailable { at, detail } => Error::NoTpm { at, detail },
            Self::Permission { path } => Error::TpmPermission { path },
            Self::WrongPin { tries_left } => Error::TpmWrongPin {
                device: device.to_owned(),
                tries_left,
            },
            Self::Lockout { interval } => Error::TpmLockout {
                device: device.to_owned(),
                interval,
            },
            Self::Foreign => Error::TpmForeign {
                device: device.to_owned(),
            },
            Self::StorageKeyChanged => Error::TpmStorageKeyChanged {
                device: device.to_owned(),
            },
            Self::Forged(detail) => Error::TpmStorageKeyForged { detail },
            Self::Unsupported(what) => Error::TpmUnsupported(what),
            Self::OwnerAuth => Error::TpmOwnerAuth,
            Self::Damaged(detail) => Error::TpmBlobDamaged {
                device: device.to_owned(),
                detail,
            },
            Self::Failed { op, detail } => Error::Tpm { op, detail },
        }
    }
}

/// A seed sealed by one TPM: the key's public and private areas as the TPM gave them, and
/// the name of the storage key they were made under. Useless to any other TPM.
#[derive(Clone, Serialize, Deserialize)]
pub struct SealedKey {
    /// Format version.
    v: u8,
    /// The Name of the parent storage key (hex).
    parent: String,
    /// `TPM2B_PUBLIC` and `TPM2B_PRIVATE` (base64). The private part is encrypted by the
    /// TPM under the parent; no secret is readable here.
    public: String,
    private: String,
    /// Whether the key has a PIN (its authValue).
    pub pin: bool,
}

impl SealedKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a sealed key serialises")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TpmError> {
        let key: Self = serde_json::from_slice(bytes)
            .map_err(|_| TpmError::Damaged("it is not a sealed key Otpilot wrote"))?;
        if key.v != 1 {
            return Err(TpmError::Damaged("it was written by a newer Otpilot"));
        }
        Ok(key)
    }

    /// The Name of the storage key this key was sealed under: the key it must be loaded
    /// under, and the one a new seed is sealed under on this machine.
    pub fn parent_name(&self) -> Option<Vec<u8>> {
        self.parts().ok().map(|parts| parts.parent)
    }

    /// The private and public areas, and the parent's name.
    fn parts(&self) -> Result<KeyParts, TpmError> {
        let part = |text: &str| {
            data_encoding::BASE64
                .decode(text.as_bytes())
                .map_err(|_| TpmError::Damaged("its key parts are not base64"))
        };
        let parent = data_encoding::HEXLOWER
            .decode(self.parent.as_bytes())
            .map_err(|_| TpmError::Damaged("its parent's name is not hex"))?;
        Ok(KeyParts {
            private: part(&self.private)?,
            public: part(&self.public)?,
            parent,
        })
    }
}

/// A sealed key's areas as the TPM takes them back, and its parent's name.
struct KeyParts {
    private: Vec<u8>,
    public: Vec<u8>,
    parent: Vec<u8>,
}

/// An open link to one TPM.
pub struct Tpm {
    link: Box<dyn Link>,
    started: bool,
}

impl Tpm {
    pub fn open(at: &Tcti) -> Result<Self, TpmError> {
        Ok(Self {
            link: at.connect()?,
            started: false,
        })
    }

    /// Imports `key` as an HMAC key with `hash` under this TPM's storage root key, with
    /// `pin` as its authValue. Dictionary-attack protection is on exactly when there is a
    /// PIN (an empty authValue has nothing to guess, and must keep working in a lockout).
    /// `pinned`: the Names of the storage keys the machine's sealed devices were made
    /// under; when there are any, the TPM must answer with one of them before the seed is
    /// sent (see [`storage`]).
    pub fn seal(
        &mut self,
        key: &[u8],
        hash: Hash,
        pin: Option<&[u8]>,
        pinned: &[Vec<u8>],
    ) -> Result<SealedKey, TpmError> {
        if key.len() > 128 {
            return Err(TpmError::Unsupported(
                "a TPM holds HMAC keys of at most 128 bytes".into(),
            ));
        }
        if !self.supports(hash)? {
            return Err(TpmError::Unsupported(format!(
                "this TPM has no {}",
                hash.name()
            )));
        }
        let parent = self.storage_parent(pinned)?;
        let made = self.start_session(&parent).and_then(|mut session| {
            let made = self.create_hmac_key(&parent, &mut session, key, hash, pin);
            self.flush(session.handle);
            made
        });
        self.release(&parent);
        let (private, public) = made?;
        Ok(SealedKey {
            v: 1,
            parent: data_encoding::HEXLOWER.encode(&parent.name),
            public: data_encoding::BASE64.encode(&public),
            private: data_encoding::BASE64.encode(&private),
            pin: pin.is_some(),
        })
    }

    /// The HMAC of each message under the sealed key, in one load.
    pub fn hmac_each(
        &mut self,
        sealed: &SealedKey,
        hash: Hash,
        pin: Option<&[u8]>,
        messages: &[&[u8]],
    ) -> Result<Vec<Zeroizing<Vec<u8>>>, TpmError> {
        let (
            parent,
            KeyParts {
                private, public, ..
            },
        ) = self.parent_of(sealed)?;
        // The session is salted with the parent's point, so it starts while the parent is
        // loaded; the parent goes as soon as the key is in.
        let started = self.start_session(&parent).and_then(|session| {
            match self.load(parent.handle, &private, &public) {
                Ok(key) => Ok((session, key)),
                Err(e) => {
                    self.flush(session.handle);
                    Err(e)
                }
            }
        });
        self.release(&parent);
        let (mut session, (key, name)) = started?;
        let mut out = Vec::with_capacity(messages.len());
        let mut failure = None;
        for m in messages {
            match self.hmac(&mut session, key, &name, pin.unwrap_or_default(), m, hash) {
                Ok(mac) => out.push(mac),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        self.flush(key);
        self.flush(session.handle);
        match failure {
            Some(TpmError::WrongPin { .. }) => Err(TpmError::WrongPin {
                tries_left: self.tries_left(),
            }),
            Some(TpmError::Lockout { .. }) => Err(TpmError::Lockout {
                interval: self.lockout_interval(),
            }),
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Whether this TPM can load the sealed key (its parent is here, and the key is intact),
    /// without using the key, so without its PIN.
    pub fn check(&mut self, sealed: &SealedKey) -> Result<(), TpmError> {
        let (
            parent,
            KeyParts {
                private, public, ..
            },
        ) = self.parent_of(sealed)?;
        let loaded = self.load(parent.handle, &private, &public);
        self.release(&parent);
        self.flush(loaded?.0);
        Ok(())
    }

    /// A sealed key's parts, and its parent: this TPM's storage key of that name, or
    /// [`TpmError::Foreign`].
    fn parent_of(&mut self, sealed: &SealedKey) -> Result<(Parent, KeyParts), TpmError> {
        let parts = sealed.parts()?;
        let parent = self.parent_named(&parts.parent)?;
        Ok((parent, parts))
    }

    /// The TPM's manufacturer (its four-letter vendor id), proving it answers.
    pub fn manufacturer(&mut self) -> Result<String, TpmError> {
        let value = self
            .properties(PT_MANUFACTURER, 1)?
            .first()
            .map(|&(_, v)| v)
            .unwrap_or_default();
        Ok(value
            .to_be_bytes()
            .iter()
            .filter(|b| b.is_ascii_graphic())
            .map(|&b| b as char)
            .collect())
    }

    /// Whether the TPM implements `hash` (TPM2_GetCapability, TPM_CAP_ALGS).
    pub fn supports(&mut self, hash: Hash) -> Result<bool, TpmError> {
        let mut c = Command::new(CC_GET_CAPABILITY, &[], None);
        c.u32(CAP_ALGS).u32(hash.id() as u32).u32(1);
        let r = self.expect(c, "list its algorithms")?;
        let (_, mut p) = r.reader(0).map_err(bad_answer)?;
        let _more = p.u8().map_err(bad_answer)?;
        let _cap = p.u32().map_err(bad_answer)?;
        let count = p.u32().map_err(bad_answer)?;
        Ok(count > 0 && p.u16().map_err(bad_answer)? == hash.id())
    }

    // --- HMAC keys -------------------------------------------------------------------------

    /// TPM2_Create of the HMAC key, in the session with parameter encryption: the seed and
    /// the PIN (the first parameter) cross the link encrypted.
    fn create_hmac_key(
        &mut self,
        parent: &Parent,
        session: &mut HmacSession,
        key: &[u8],
        hash: Hash,
        pin: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<u8>), TpmError> {
        let mut attributes = FIXED_TPM | FIXED_PARENT | USER_WITH_AUTH | SIGN;
        if pin.is_none() {
            attributes |= NO_DA;
        }
        let mut c = Command::params();
        c.sized(|c| {
            c.b2(pin.unwrap_or_default()).b2(key);
        });
        c.sized(|c| {
            c.u16(ALG_KEYEDHASH).u16(ALG_SHA256).u32(attributes).b2(&[]);
            c.u16(ALG_HMAC).u16(hash.id());
            c.b2(&[]);
        });
        c.b2(&[]).u32(0);
        let answer = self.call_in_session(
            session,
            CC_CREATE,
            &[(parent.handle, &parent.name)],
            b"",
            c.into_bytes(),
            session::CONTINUE_SESSION | session::DECRYPT,
            0,
        )?;
        let (_, params) = answer.checked("seal the seed")?;
        let mut p = wire::Reader::new(&params);
        let private = p.b2_whole().map_err(bad_answer)?.to_vec();
        let public = p.b2_whole().map_err(bad_answer)?.to_vec();
        Ok((private, public))
    }

    /// TPM2_Load (nothing secret crosses: the private area is the TPM's own encryption);
    /// the loaded key's handle and name.
    fn load(
        &mut self,
        parent: u32,
        private: &[u8],
        public: &[u8],
    ) -> Result<(u32, Vec<u8>), TpmError> {
        let mut c = Command::new(CC_LOAD, &[parent], Some(b""));
        c.raw(private).raw(public);
        let r = self.call(c)?;
        if rc::base(r.code) == rc::INTEGRITY {
            return Err(TpmError::Foreign);
        }
        let r = checked(r, "load the sealed key")?;
        let (handles, mut p) = r.reader(1).map_err(bad_answer)?;
        let name = p.b2().map_err(bad_answer)?.to_vec();
        Ok((handles[0], name))
    }

    /// TPM2_HMAC in the session: the PIN only keys the session's HMAC (it never crosses
    /// the link), and the result comes back encrypted.
    fn hmac(
        &mut self,
        session: &mut HmacSession,
        key: u32,
        name: &[u8],
        pin: &[u8],
        message: &[u8],
        hash: Hash,
    ) -> Result<Zeroizing<Vec<u8>>, TpmError> {
        let mut c = Command::params();
        c.b2(message).u16(hash.id());
        let answer = self.call_in_session(
            session,
            CC_HMAC,
            &[(key, name)],
            pin,
            c.into_bytes(),
            session::CONTINUE_SESSION | session::ENCRYPT,
            0,
        )?;
        match rc::base(answer.code) {
            rc::AUTH_FAIL | rc::BAD_AUTH => return Err(TpmError::WrongPin { tries_left: None }),
            rc::LOCKOUT => return Err(TpmError::Lockout { interval: None }),
            _ => {}
        }
        let (_, params) = answer.checked("compute the code")?;
        let mut p = wire::Reader::new(&params);
        Ok(Zeroizing::new(p.b2().map_err(bad_answer)?.to_vec()))
    }

    // --- sessions --------------------------------------------------------------------------

    /// TPM2_StartAuthSession: an HMAC session salted by ECDH with `parent`'s point, with
    /// AES-128-CFB parameter encryption and SHA-256.
    fn start_session(&mut self, parent: &Parent) -> Result<HmacSession, TpmError> {
        let (x, y) = &parent.point;
        let salt = session::salt_for(x, y)?;
        let nonce_caller = session::nonce()?;
        let mut c = Command::new(CC_START_AUTH_SESSION, &[parent.handle, RH_NULL], None);
        c.b2(&nonce_caller);
        c.sized(|c| {
            c.b2(&salt.x).b2(&salt.y);
        });
        c.u8(SE_HMAC);
        c.u16(ALG_AES).u16(128).u16(ALG_CFB);
        c.u16(ALG_SHA256);
        let r = self.expect(c, "start a session")?;
        let (handles, mut p) = r.reader(1).map_err(bad_answer)?;
        let nonce_tpm = p.b2().map_err(bad_answer)?.to_vec();
        Ok(HmacSession::new(
            handles[0],
            &salt.salt,
            nonce_tpm,
            &nonce_caller,
        ))
    }

    /// Sends `code` over `handles` (each with its name), authorized in `session` with
    /// `auth_value`; checks the response's HMAC and decrypts what the session encrypted.
    #[allow(clippy::too_many_arguments)]
    fn call_in_session(
        &mut self,
        session: &mut HmacSession,
        code: u32,
        handles: &[(u32, &[u8])],
        auth_value: &[u8],
        mut params: Zeroizing<Vec<u8>>,
        attributes: u8,
        response_handles: usize,
    ) -> Result<Authorized, TpmError> {
        let names: Vec<&[u8]> = handles.iter().map(|(_, n)| *n).collect();
        let (area, pending) =
            session.authorize(code, &names, auth_value, &mut params, attributes)?;
        let handle_values: Vec<u32> = handles.iter().map(|(h, _)| *h).collect();
        let r = self.call(Command::with_auth_area(
            code,
            &handle_values,
            &area,
            &params,
        ))?;
        if r.code != 0 {
            return Ok(Authorized {
                code: r.code,
                handles: Vec::new(),
                params: Zeroizing::new(Vec::new()),
            });
        }
        let (out_handles, out_params, mut auth) =
            r.with_session(response_handles).map_err(bad_answer)?;
        let mut out_params = Zeroizing::new(out_params.to_vec());
        let nonce_tpm = auth.b2().map_err(bad_answer)?;
        let out_attributes = auth.u8().map_err(bad_answer)?;
        let tag = auth.b2().map_err(bad_answer)?;
        session.verify(
            code,
            pending,
            &mut out_params,
            nonce_tpm,
            out_attributes,
            tag,
        )?;
        Ok(Authorized {
            code: 0,
            handles: out_handles,
            params: out_params,
        })
    }

    fn flush(&mut self, handle: u32) {
        let mut c = Command::new(CC_FLUSH_CONTEXT, &[], None);
        c.u32(handle);
        if let Err(e) = self.expect(c, "flush a key") {
            tracing::warn!("the TPM did not flush handle {handle:#x}: {e:?}");
        }
    }

    // --- dictionary-attack state -------------------------------------------------------------

    /// `TPM_PT_LOCKOUT_COUNTER` onwards: counter, max tries, interval, recovery.
    fn lockout_state(&mut self) -> Option<[u32; 4]> {
        let props = self.properties(PT_LOCKOUT_COUNTER, 4).ok()?;
        let value = |p: u32| props.iter().find(|&&(id, _)| id == p).map(|&(_, v)| v);
        Some([
            value(PT_LOCKOUT_COUNTER)?,
            value(PT_LOCKOUT_COUNTER + 1)?,
            value(PT_LOCKOUT_COUNTER + 2)?,
            value(PT_LOCKOUT_COUNTER + 3)?,
        ])
    }

    fn tries_left(&mut self) -> Option<u32> {
        self.lockout_state()
            .map(|[count, max, ..]| max.saturating_sub(count))
    }

    fn lockout_interval(&mut self) -> Option<u32> {
        self.lockout_state().map(|[_, _, interval, _]| interval)
    }

    fn properties(&mut self, first: u32, count: u32) -> Result<Vec<(u32, u32)>, TpmError> {
        let mut c = Command::new(CC_GET_CAPABILITY, &[], None);
        c.u32(CAP_TPM_PROPERTIES).u32(first).u32(count);
        let r = self.expect(c, "read its properties")?;
        let (_, mut p) = r.reader(0).map_err(bad_answer)?;
        let read = (|| -> Result<Vec<(u32, u32)>, &'static str> {
            p.u8()?;
            p.u32()?;
            let n = p.u32()?;
            (0..n.min(64)).map(|_| Ok((p.u32()?, p.u32()?))).collect()
        })();
        read.map_err(bad_answer)
    }

    // --- sending ---------------------------------------------------------------------------

    /// Sends a command and checks it succeeded.
    fn expect(&mut self, c: Command, op: &'static str) -> Result<Response, TpmError> {
        let r = self.call(c)?;
        checked(r, op)
    }

    /// Sends a command; a TPM that has not been started (a fresh software TPM) is started
    /// once, and a TPM that asks to be asked again is, a few times.
    fn call(&mut self, c: Command) -> Result<Response, TpmError> {
        let bytes = c.finish();
        let mut tries = 0;
        loop {
            let answer = self.link.transact(&bytes).map_err(|e| TpmError::Failed {
                op: "answer",
                detail: e.to_string(),
            })?;
            let r = Response::parse(answer).map_err(bad_answer)?;
            match rc::base(r.code) {
                rc::INITIALIZE if !self.started => {
                    self.started = true;
                    let mut s = Command::new(CC_STARTUP, &[], None);
                    s.u16(0); // TPM_SU_CLEAR
                    let answer = self
                        .link
                        .transact(&s.finish())
                        .map_err(|e| TpmError::Failed {
                            op: "start",
                            detail: e.to_string(),
                        })?;
                    checked(Response::parse(answer).map_err(bad_answer)?, "start")?;
                }
                rc::RETRY | rc::YIELDED | rc::TESTING if tries < 20 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                _ => return Ok(r),
            }
        }
    }
}

/// A response to a command authorized in a session: its code, and on success its handles
/// and (decrypted) parameters.
struct Authorized {
    code: u32,
    handles: Vec<u32>,
    params: Zeroizing<Vec<u8>>,
}

impl Authorized {
    fn checked(self, op: &'static str) -> Result<(Vec<u32>, Zeroizing<Vec<u8>>), TpmError> {
        match self.code {
            0 => Ok((self.handles, self.params)),
            code => Err(failure(code, op)),
        }
    }
}

fn checked(r: Response, op: &'static str) -> Result<Response, TpmError> {
    match r.code {
        0 => Ok(r),
        code => Err(failure(code, op)),
    }
}

fn failure(code: u32, op: &'static str) -> TpmError {
    if rc::base(code) == rc::OBJECT_MEMORY {
        return TpmError::Failed {
            op,
            detail: "it has no room for another key (TPM_RC_OBJECT_MEMORY); without a resource manager, flush what other programs left loaded".into(),
        };
    }
    TpmError::Failed {
        op,
        detail: format!("it answered 0x{code:03X}"),
    }
}

fn bad_answer(detail: &'static str) -> TpmError {
    TpmError::Failed {
        op: "answer",
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_codes_lose_their_parameter_number() {
        assert_eq!(rc::base(0x98E), rc::AUTH_FAIL); // session 1
        assert_eq!(rc::base(0x18B), rc::HANDLE); // handle 1
        assert_eq!(rc::base(0x1DF), rc::INTEGRITY); // parameter 1
        assert_eq!(rc::base(0x921), rc::LOCKOUT);
        assert_eq!(rc::base(0x100), rc::INITIALIZE);
    }

    #[test]
    fn a_sealed_key_is_read_back_and_damage_is_named() {
        let key = SealedKey {
            v: 1,
            parent: "000b00".into(),
            public: "AAA=".into(),
            private: "AAA=".into(),
            pin: true,
        };
        let again = SealedKey::from_bytes(&key.to_bytes()).unwrap();
        assert!(again.pin);
        assert_eq!(again.parent, "000b00");
        assert!(matches!(
            SealedKey::from_bytes(b"JBSWY3DPEHPK3PXP"),
            Err(TpmError::Damaged(_))
        ));
        let mut newer = key;
        newer.v = 2;
        assert!(matches!(
            SealedKey::from_bytes(&newer.to_bytes()),
            Err(TpmError::Damaged(_))
        ));
    }
}
