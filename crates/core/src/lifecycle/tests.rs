//! The lifecycle's ordering and rollback rules with fakes: an IAM that records every call and
//! the credentials that signed it, an STS that issues sessions, the in-memory keyring.
//! (tests/e2e/mfa_lifecycle.rs runs the same flows against moto behind the MFA gate.)

use super::*;
use crate::audit::AuditLog;
use crate::device::validate_name;
use crate::paths::Dirs;
use crate::store::MemoryStore;
use crate::testing::{Enable, FakeIam, World};

const OLD_SERIAL: &str = "arn:aws:iam::123456789012:mfa/old";

const CONFIG: &str = "# mine\n[profile base]\nregion = us-east-1\n";

/// Runs `test` with a lifecycle over the shared world and `iam`; `base` holds keys in the
/// credentials file.
fn with_lifecycle(
    config: &str,
    iam: &FakeIam,
    test: impl FnOnce(&Lifecycle<'_>, &MemoryStore, &Dirs),
) {
    let w = World::new();
    std::fs::write(&w.files.config, config).unwrap();
    std::fs::write(
        &w.files.credentials,
        "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = secret\n",
    )
    .unwrap();
    let broker = w.session.broker().unwrap();
    test(
        &Lifecycle {
            broker: &broker,
            iam,
        },
        &w.store,
        w.session.dirs(),
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
            (OLD_SERIAL, "ASIAFAKE000000000001"),
            "signed by the MFA session the fake STS issued for the new device"
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
    validate_name(&name_from(&day)).unwrap();
}

#[test]
fn local_names_follow_the_device_rules() {
    assert_eq!(name_from("bob=x,y"), "bob-x-y");
    assert_eq!(name_from("-lead"), "mfalead");
    assert!(validate_iam_device_name("a b").is_err());
    assert!(validate_iam_device_name("").is_err());
}
