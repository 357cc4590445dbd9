//! The lifecycle's ordering and rollback rules with fakes: an IAM that records every call and
//! the credentials that signed it, an STS that issues sessions, the in-memory keyring.
//! (tests/e2e/mfa_lifecycle.rs runs the same flows against moto behind the MFA gate.)

use std::sync::Mutex;

use super::*;
use crate::audit::AuditLog;
use crate::aws::iam::{IamFailure, IamResult, NewVirtualDevice, PasswordPolicy};
use crate::aws::profile::AwsFiles;
use crate::aws::sts::{AssumeRoleInput, StsApi, StsFailure, StsOutput, StsTarget};
use crate::paths::Dirs;
use crate::settings::Settings;
use crate::store::MemoryStore;
use crate::testing::Quiet;
use crate::totp::TotpSeed;

const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const OLD_SERIAL: &str = "arn:aws:iam::123456789012:mfa/old";

/// How the fake answers EnableMFADevice.
#[derive(Clone, Copy, PartialEq)]
enum Enable {
    Ok,
    /// Refused: the device stays disabled.
    Refuse,
    /// Enabled, but the answer is lost on the way back.
    LoseAnswer,
}

struct FakeIam {
    /// (operation, serial, access key id that signed it), in order.
    calls: Mutex<Vec<(String, String, String)>>,
    enabled: Mutex<Vec<String>>,
    enable: Enable,
}

impl FakeIam {
    fn new(enable: Enable, enabled: &[&str]) -> Self {
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

    fn ops(&self) -> Vec<String> {
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
            seed: TotpSeed::from_base32(SEED).unwrap().0,
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

/// Issues a session for any code; records the serial of each GetSessionToken.
#[derive(Default)]
struct FakeSts {
    sessions: Mutex<Vec<String>>,
}

impl StsApi for FakeSts {
    fn get_session_token(
        &self,
        _: &StsTarget,
        _: &Credentials,
        serial: &str,
        _: &str,
        _: u32,
    ) -> Result<StsOutput, StsFailure> {
        self.sessions.lock().unwrap().push(serial.into());
        Ok(StsOutput {
            credentials: Credentials {
                access_key_id: "ASIASESSION".into(),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration: Some(crate::totp::unix_now() as i64 + 900),
            },
            clock_skew: Some(0),
        })
    }
    fn assume_role(
        &self,
        _: &StsTarget,
        _: &Credentials,
        _: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        unreachable!("the lifecycle assumes no role")
    }
}

const CONFIG: &str = "# mine\n[profile base]\nregion = us-east-1\n";

/// Runs `test` with a lifecycle over the fakes; `base` holds keys in the credentials file.
fn with_lifecycle(
    config: &str,
    iam: &FakeIam,
    test: impl FnOnce(&Lifecycle<'_>, &MemoryStore, &Dirs),
) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let files = AwsFiles {
        config: root.join("config"),
        credentials: root.join("credentials"),
    };
    std::fs::write(&files.config, config).unwrap();
    std::fs::write(
        &files.credentials,
        "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = secret\n",
    )
    .unwrap();
    let dirs = Dirs::from_lookup(|k| (k == "HOME").then(|| root.clone().into_os_string())).unwrap();
    let store = MemoryStore::default();
    let sts = FakeSts::default();
    let broker = Broker {
        dirs: &dirs,
        files,
        store: &store,
        sts: &sts,
        ui: &Quiet,
        settings: Settings::default(),
        audit: AuditLog::new(&dirs.state, "test"),
    };
    test(
        &Lifecycle {
            broker: &broker,
            iam,
        },
        &store,
        &dirs,
    );
}

#[test]
fn enroll_stores_the_seed_before_enabling_and_sets_mfa_serial() {
    let iam = FakeIam::new(Enable::Ok, &[]);
    with_lifecycle(CONFIG, &iam, |lifecycle, store, dirs| {
        let enrolled = lifecycle.enroll("base", Some("alice-laptop")).unwrap();
        assert_eq!(
            enrolled.serial,
            "arn:aws:iam::123456789012:mfa/alice-laptop"
        );
        assert_eq!(enrolled.profiles_updated, vec!["base"]);
        assert_eq!(
            iam.ops(),
            ["GetUser", "CreateVirtualMFADevice", "EnableMFADevice"]
        );
        assert_eq!(store.len(), 1, "the seed is in the keyring");
        let config = std::fs::read_to_string(&lifecycle.broker.files.config).unwrap();
        assert!(config.starts_with(CONFIG));
        assert!(config.contains("mfa_serial = arn:aws:iam::123456789012:mfa/alice-laptop"));
        let backup = enrolled.backup.expect("a backup");
        assert_eq!(std::fs::read_to_string(backup).unwrap(), CONFIG);
        let log = AuditLog::new(&dirs.state, "test").recent(10).unwrap();
        assert_eq!(log[0].event, EventKind::MfaEnrolled);
    });
}

#[test]
fn a_refused_enable_deletes_the_device_and_forgets_the_seed() {
    let iam = FakeIam::new(Enable::Refuse, &[]);
    with_lifecycle(CONFIG, &iam, |lifecycle, store, _| {
        let err = lifecycle.enroll("base", None).unwrap_err().to_string();
        assert!(err.contains("enabling the new MFA device failed"), "{err}");
        assert_eq!(
            iam.ops(),
            [
                "GetUser",
                "CreateVirtualMFADevice",
                "EnableMFADevice",
                "ListMFADevices",
                "DeleteVirtualMFADevice"
            ]
        );
        assert!(store.is_empty());
        assert_eq!(
            std::fs::read_to_string(&lifecycle.broker.files.config).unwrap(),
            CONFIG
        );
    });
}

#[test]
fn a_lost_enable_answer_keeps_the_device_iam_enabled() {
    let iam = FakeIam::new(Enable::LoseAnswer, &[]);
    with_lifecycle(CONFIG, &iam, |lifecycle, store, _| {
        let enrolled = lifecycle.enroll("base", Some("kept")).unwrap();
        assert!(!iam.ops().contains(&"DeleteVirtualMFADevice".to_string()));
        assert_eq!(store.len(), 1);
        assert_eq!(enrolled.profiles_updated, vec!["base"]);
    });
}

#[test]
fn rotate_retires_the_old_device_with_the_new_devices_session() {
    let iam = FakeIam::new(Enable::Ok, &[OLD_SERIAL]);
    let config = format!("{CONFIG}mfa_serial = {OLD_SERIAL}\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = base\nmfa_serial = {OLD_SERIAL}\n");
    with_lifecycle(&config, &iam, |lifecycle, _, _| {
        let rotated = lifecycle.rotate("base", Some("new")).unwrap();
        let new = "arn:aws:iam::123456789012:mfa/new";
        assert!(rotated.old_device_left.is_none());
        assert_eq!(rotated.new.profiles_updated, vec!["base", "admin"]);
        let calls = iam.calls.lock().unwrap().clone();
        let ops: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            ops,
            [
                "GetUser",
                "CreateVirtualMFADevice",
                "EnableMFADevice",
                "DeactivateMFADevice",
                "DeleteVirtualMFADevice"
            ]
        );
        // Enrolment with the long-term keys; retirement with the new device's MFA session.
        assert_eq!(calls[2].2, "AKIABASE");
        assert_eq!(
            (calls[3].1.as_str(), calls[3].2.as_str()),
            (OLD_SERIAL, "ASIASESSION")
        );
        assert_eq!(*iam.enabled.lock().unwrap(), vec![new.to_string()]);
        let text = std::fs::read_to_string(&lifecycle.broker.files.config).unwrap();
        assert!(!text.contains(OLD_SERIAL), "{text}");
        assert_eq!(text.matches(new).count(), 2, "{text}");
    });
}

#[test]
fn default_names_are_dated_and_valid() {
    // 2026-11-22 10:15:03 UTC
    let t = 1_795_342_503;
    let day = default_device_name("alice", t, false);
    assert_eq!(day, "alice-otpilot-20261122");
    assert_eq!(
        default_device_name("alice", t, true),
        "alice-otpilot-20261122101503"
    );
    validate_iam_device_name(&day).unwrap();
    validate_name(&local_name(&day)).unwrap();
}

#[test]
fn local_names_follow_the_device_rules() {
    assert_eq!(local_name("bob=x,y"), "bob-x-y");
    assert_eq!(local_name("-lead"), "mfalead");
    assert!(validate_iam_device_name("a b").is_err());
    assert!(validate_iam_device_name("").is_err());
}
