//! Test doubles shared by the core's, the CLI's and the tray's unit tests (the `testing`
//! feature): an STS and an IAM that record every call and the credentials that signed it, a
//! front end with nobody at it, and a [`World`] with a base + admin AWS config, an in-memory
//! keyring and a [`Session`] over them. The end-to-end tests use the real keyring, moto and
//! the AWS CLI instead.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use crate::app::Session;
use crate::aws::client::ServiceTarget;
use crate::aws::iam::{
    EnabledDevice, IamApi, IamFailure, IamResult, IamUser, NewVirtualDevice, PasswordPolicy,
};
use crate::aws::profile::{AwsFiles, ResolvedProfile, RoleHop};
use crate::aws::sts::{
    AssumeRoleInput, CallerIdentity, FederationTokenInput, StsApi, StsFailure, StsOutput, StsTarget,
};
use crate::clock::unix_now_i64;
use crate::credentials::Credentials;
use crate::error::StsErrorKind;
use crate::mfa::Interaction;
use crate::paths::Dirs;
use crate::secret::SecretString;
use crate::store::MemoryStore;
use crate::totp::TotpSeed;

/// The seed of the fixtures' device.
pub const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// The MFA serial the fixtures' profiles name.
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
/// An IAM user `base` with keys in the credentials file and a device, and a role profile
/// `admin` assumed from it with MFA.
pub const BASE_AND_ADMIN_CONFIG: &str = "[profile base]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n";
/// The fixtures' long-term keys for `base`.
pub const BASE_CREDENTIALS: &str = "[base]\naws_access_key_id = AKIAFAKEKEYEXAMPLE01\naws_secret_access_key = fakesecretfakesecretfakesecret0001\n";

/// A front end with nobody at it: notices go nowhere, no code can be asked for, and devices
/// that ask before use are allowed.
pub struct Quiet;

impl Interaction for Quiet {
    fn notice(&self, _: &str) {}
    fn prompt_mfa_code(&self, _: &str, _: &str) -> crate::Result<Option<SecretString>> {
        Ok(None)
    }
    fn approve_device(&self, _: &str, _: &str) -> crate::Result<bool> {
        Ok(true)
    }
}

/// A front end that records what it was told, answers prompts with `code`, and allows or
/// denies devices that ask before use.
#[derive(Default)]
pub struct Notices {
    pub notices: Mutex<Vec<String>>,
    pub warnings: Mutex<Vec<String>>,
    pub code: Option<String>,
    pub allow: bool,
    pub prompts: Mutex<usize>,
}

impl Interaction for Notices {
    fn notice(&self, message: &str) {
        self.notices.lock().unwrap().push(message.to_owned());
    }
    fn warn(&self, message: &str) {
        self.warnings.lock().unwrap().push(message.to_owned());
    }
    fn prompt_mfa_code(&self, _: &str, _: &str) -> crate::Result<Option<SecretString>> {
        *self.prompts.lock().unwrap() += 1;
        Ok(self.code.clone().map(SecretString::new))
    }
    fn approve_device(&self, _: &str, _: &str) -> crate::Result<bool> {
        Ok(self.allow)
    }
}

impl<T: Interaction + ?Sized> Interaction for Arc<T> {
    fn notice(&self, message: &str) {
        (**self).notice(message)
    }
    fn warn(&self, message: &str) {
        (**self).warn(message)
    }
    fn prompt_mfa_code(&self, profile: &str, serial: &str) -> crate::Result<Option<SecretString>> {
        (**self).prompt_mfa_code(profile, serial)
    }
    fn approve_device(&self, profile: &str, device: &str) -> crate::Result<bool> {
        (**self).approve_device(profile, device)
    }
}

/// One STS call as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsCall {
    pub op: &'static str,
    /// The access key id of the credentials that signed the call.
    pub signer: String,
    pub serial: Option<String>,
    pub code: Option<String>,
    pub duration: Option<u32>,
    pub role_arn: Option<String>,
}

/// An STS that records every call and issues credentials (`ASIAFAKE` + a counter) valid for
/// `session_lifetime` (GetSessionToken) or `role_lifetime` (AssumeRole, GetFederationToken)
/// seconds, unless told to fail.
pub struct FakeSts {
    pub calls: Mutex<Vec<StsCall>>,
    pub session_lifetime: AtomicI64,
    pub role_lifetime: AtomicI64,
    /// The next calls fail with these kinds, one each, before the fake issues again.
    pub failures: Mutex<VecDeque<StsErrorKind>>,
    /// Every call fails with this kind while set.
    pub failing: Mutex<Option<StsErrorKind>>,
    /// The clock skew every answer reports.
    pub skew: AtomicI64,
    pub federation: Mutex<Option<FederationTokenInput>>,
}

impl Default for FakeSts {
    fn default() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            session_lifetime: AtomicI64::new(3600),
            role_lifetime: AtomicI64::new(3600),
            failures: Mutex::new(VecDeque::new()),
            failing: Mutex::new(None),
            skew: AtomicI64::new(0),
            federation: Mutex::new(None),
        }
    }
}

impl FakeSts {
    /// The operations called, in order.
    pub fn ops(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().iter().map(|c| c.op).collect()
    }

    /// Every call fails with `kind` from now on.
    pub fn fail_with(&self, kind: StsErrorKind) {
        *self.failing.lock().unwrap() = Some(kind);
    }

    fn answer(&self, call: StsCall, lifetime: i64) -> Result<StsOutput, StsFailure> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(call);
            calls.len()
        };
        let skew = Some(self.skew.load(Ordering::SeqCst));
        let kind = self
            .failures
            .lock()
            .unwrap()
            .pop_front()
            .or(*self.failing.lock().unwrap());
        if let Some(kind) = kind {
            let message = match kind {
                StsErrorKind::Unreachable => "cannot reach STS (fake)".to_owned(),
                StsErrorKind::InvalidMfa => {
                    "MultiFactorAuthentication failed with invalid MFA one time pass code (fake)"
                        .to_owned()
                }
                other => format!("{other:?} (fake)"),
            };
            return Err(StsFailure {
                kind,
                message,
                clock_skew: skew,
            });
        }
        Ok(StsOutput {
            credentials: Credentials {
                access_key_id: format!("ASIAFAKE{n:012}"),
                secret_access_key: "secret".into(),
                session_token: Some("token".into()),
                expiration: Some(unix_now_i64() + lifetime),
            },
            clock_skew: skew,
        })
    }
}

impl StsApi for FakeSts {
    fn get_session_token(
        &self,
        _: &StsTarget,
        base: &Credentials,
        serial: &str,
        code: &str,
        duration: u32,
    ) -> Result<StsOutput, StsFailure> {
        let call = StsCall {
            op: "GetSessionToken",
            signer: base.access_key_id.clone(),
            serial: Some(serial.to_owned()),
            code: Some(code.to_owned()),
            duration: Some(duration),
            role_arn: None,
        };
        self.answer(call, self.session_lifetime.load(Ordering::SeqCst))
    }

    fn assume_role(
        &self,
        _: &StsTarget,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        let call = StsCall {
            op: "AssumeRole",
            signer: base.access_key_id.clone(),
            serial: input.mfa.as_ref().map(|m| m.0.clone()),
            code: input.mfa.as_ref().map(|m| m.1.clone()),
            duration: Some(input.duration),
            role_arn: Some(input.role_arn.clone()),
        };
        self.answer(call, self.role_lifetime.load(Ordering::SeqCst))
    }

    fn get_federation_token(
        &self,
        _: &StsTarget,
        base: &Credentials,
        input: &FederationTokenInput,
    ) -> Result<StsOutput, StsFailure> {
        *self.federation.lock().unwrap() = Some(input.clone());
        let call = StsCall {
            op: "GetFederationToken",
            signer: base.access_key_id.clone(),
            serial: None,
            code: None,
            duration: Some(input.duration),
            role_arn: None,
        };
        self.answer(call, self.role_lifetime.load(Ordering::SeqCst))
    }

    /// Who the credentials are: the assumed role when this fake issued them for an
    /// AssumeRole, else the IAM user `alice`.
    fn get_caller_identity(
        &self,
        _: &StsTarget,
        base: &Credentials,
    ) -> Result<(CallerIdentity, Option<i64>), StsFailure> {
        let issued_by = base
            .access_key_id
            .strip_prefix("ASIAFAKE")
            .and_then(|n| n.parse::<usize>().ok());
        let call = StsCall {
            op: "GetCallerIdentity",
            signer: base.access_key_id.clone(),
            serial: None,
            code: None,
            duration: None,
            role_arn: None,
        };
        let answer = self.answer(call, 0)?;
        let role = issued_by.and_then(|n| {
            let calls = self.calls.lock().unwrap();
            calls.get(n - 1).and_then(|c| c.role_arn.clone())
        });
        let arn = match role {
            Some(role) => {
                let name = role.rsplit('/').next().unwrap_or_default().to_owned();
                format!("arn:aws:sts::123456789012:assumed-role/{name}/otpilot")
            }
            None => "arn:aws:iam::123456789012:user/alice".to_owned(),
        };
        Ok((
            CallerIdentity {
                arn,
                account: "123456789012".into(),
            },
            answer.clock_skew,
        ))
    }
}

/// How the fake answers EnableMFADevice.
#[derive(Clone, Copy, PartialEq)]
pub enum Enable {
    Ok,
    /// Refused: the device stays disabled.
    Refuse,
    /// Enabled, but the answer is lost on the way back.
    LoseAnswer,
}

pub struct FakeIam {
    /// (operation, serial, access key id that signed it), in order.
    pub calls: Mutex<Vec<(String, String, String)>>,
    pub enabled: Mutex<Vec<String>>,
    enable: Enable,
}

impl FakeIam {
    pub fn new(enable: Enable, enabled: &[&str]) -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            enabled: Mutex::new(enabled.iter().map(|s| s.to_string()).collect()),
            enable,
        }
    }

    fn record(&self, op: &str, serial: &str, creds: &Credentials) {
        self.calls
            .lock()
            .unwrap()
            .push((op.into(), serial.into(), creds.access_key_id.clone()));
    }

    /// The operations called, in order.
    pub fn ops(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.0.clone())
            .collect()
    }
}

impl IamApi for FakeIam {
    fn get_user(&self, _: &ServiceTarget, creds: &Credentials) -> IamResult<IamUser> {
        self.record("GetUser", "", creds);
        Ok(IamUser {
            name: "alice".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
        })
    }
    fn create_virtual_mfa_device(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        name: &str,
    ) -> IamResult<NewVirtualDevice> {
        let serial = format!("arn:aws:iam::123456789012:mfa/{name}");
        self.record("CreateVirtualMFADevice", &serial, creds);
        Ok(NewVirtualDevice {
            serial,
            seed: seed(),
        })
    }
    fn enable_mfa_device(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        _: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()> {
        self.record("EnableMFADevice", serial, creds);
        assert_ne!(codes.0, codes.1, "two different steps");
        let failure = IamFailure {
            code: "ServiceFailure".into(),
            message: "ServiceFailure: try again".into(),
        };
        match self.enable {
            Enable::Ok => {
                self.enabled.lock().unwrap().push(serial.into());
                Ok(())
            }
            Enable::Refuse => Err(failure),
            Enable::LoseAnswer => {
                self.enabled.lock().unwrap().push(serial.into());
                Err(failure)
            }
        }
    }
    fn resync_mfa_device(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        _: &str,
        serial: &str,
        _: (&str, &str),
    ) -> IamResult<()> {
        self.record("ResyncMFADevice", serial, creds);
        Ok(())
    }
    fn deactivate_mfa_device(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        _: &str,
        serial: &str,
    ) -> IamResult<()> {
        self.record("DeactivateMFADevice", serial, creds);
        self.enabled.lock().unwrap().retain(|s| s != serial);
        Ok(())
    }
    fn delete_virtual_mfa_device(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        serial: &str,
    ) -> IamResult<()> {
        self.record("DeleteVirtualMFADevice", serial, creds);
        Ok(())
    }
    fn list_mfa_devices(
        &self,
        _: &ServiceTarget,
        creds: &Credentials,
        _: &str,
    ) -> IamResult<Vec<EnabledDevice>> {
        self.record("ListMFADevices", "", creds);
        Ok(self
            .enabled
            .lock()
            .unwrap()
            .iter()
            .map(|s| EnabledDevice {
                serial: s.clone(),
                enabled_at: 0,
            })
            .collect())
    }
    fn get_account_password_policy(
        &self,
        _: &ServiceTarget,
        _: &Credentials,
    ) -> IamResult<Option<PasswordPolicy>> {
        Ok(None)
    }
}

/// A temporary home with the base + admin AWS config, an in-memory keyring, a recording STS
/// and IAM, and a [`Session`] over them that talks to `ui`.
pub struct World {
    pub session: Session,
    pub store: Arc<MemoryStore>,
    pub sts: Arc<FakeSts>,
    pub iam: Arc<FakeIam>,
    pub files: AwsFiles,
    /// Holds every file of the world; dropped, it removes them.
    pub dir: tempfile::TempDir,
}

impl World {
    /// The fixture with nobody at the front end.
    pub fn new() -> Self {
        Self::with_interaction(Box::new(Quiet))
    }

    pub fn with_interaction(ui: Box<dyn Interaction>) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path().to_owned();
        let files = AwsFiles {
            config: root.join("aws-config"),
            credentials: root.join("aws-credentials"),
        };
        std::fs::write(&files.config, BASE_AND_ADMIN_CONFIG).unwrap();
        std::fs::write(&files.credentials, BASE_CREDENTIALS).unwrap();
        let dirs = Dirs {
            config: root.join("config"),
            cache: root.join("cache"),
            state: root.join("state"),
            data: root.join("data"),
            runtime: root.join("run"),
        };
        let store = Arc::new(MemoryStore::default());
        let sts = Arc::new(FakeSts::default());
        let iam = Arc::new(FakeIam::new(Enable::Ok, &[]));
        let session = Session::builder(dirs, "test")
            .store(Box::new(store.clone()))
            .sts(Box::new(sts.clone()))
            .iam(Box::new(iam.clone()))
            .interaction(ui)
            .aws_files(files.clone())
            .remember_credentials()
            .build();
        Self {
            session,
            store,
            sts,
            iam,
            files,
            dir,
        }
    }

    /// Stores the fixtures' device `alice` (seed [`SEED`], serial [`SERIAL`]).
    pub fn add_device(&self) -> crate::device::Device {
        use crate::app::{DeviceImport, ImportSource};
        let added = self
            .session
            .import_devices(DeviceImport {
                name: "alice".into(),
                source: ImportSource::Text(SecretString::from(SEED)),
                serial: Some(SERIAL.into()),
                force: false,
                seal: None,
            })
            .expect("the fixture device is added");
        added.devices.into_iter().next().unwrap()
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// A role hop of profile `p` to `arn`, with MFA from [`SERIAL`] when `mfa`.
pub fn hop(arn: &str, duration: Option<u32>, mfa: bool) -> RoleHop {
    RoleHop {
        profile: "p".into(),
        role_arn: arn.into(),
        role_session_name: None,
        external_id: None,
        source_identity: None,
        duration_seconds: duration,
        mfa_serial: mfa.then(|| SERIAL.into()),
    }
}

/// Profile `p` resolved to keys in the credentials file of `base` and `hops`; the source
/// names [`SERIAL`] when `source_mfa`.
pub fn resolved(hops: Vec<RoleHop>, source_mfa: bool) -> ResolvedProfile {
    ResolvedProfile {
        name: "p".into(),
        source_profile: "base".into(),
        keys_in_files: true,
        source_mfa_serial: source_mfa.then(|| SERIAL.into()),
        hops,
        region: None,
        endpoint_url: None,
        mfa_process: None,
        session_duration: None,
    }
}

/// The seed [`SEED`] as a value.
pub fn seed() -> TotpSeed {
    TotpSeed::from_base32(SEED).unwrap().0
}
