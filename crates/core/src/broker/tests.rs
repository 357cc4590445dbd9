//! The broker's walk with the shared fakes: what STS receives, and what the cache keeps.

use std::sync::Arc;

use crate::error::{Error, StsErrorKind};
use crate::testing::{World, SERIAL};

/// A second role on the same device, for sharing the MFA session.
const OPS_PROFILE: &str = "\n[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/Ops\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n";

fn world() -> World {
    let world = World::new();
    world.add_device();
    let mut config = std::fs::read_to_string(&world.files.config).unwrap();
    config.push_str(OPS_PROFILE);
    std::fs::write(&world.files.config, config).unwrap();
    world
}

#[test]
fn a_cache_hit_makes_no_sts_call() {
    let w = world();
    let broker = w.session.broker().unwrap();
    let first = broker.credentials("admin").unwrap();
    assert_eq!(w.sts.ops(), ["GetSessionToken", "AssumeRole"]);
    let calls = w.sts.calls.lock().unwrap().clone();
    // The session is signed by the long-term keys with the device's code; the role by the
    // session.
    assert_eq!(calls[0].signer, "AKIAFAKEKEYEXAMPLE01");
    assert_eq!(calls[0].serial.as_deref(), Some(SERIAL));
    assert_eq!(calls[0].code.as_ref().map(String::len), Some(6));
    assert_eq!(calls[1].signer, "ASIAFAKE000000000001");
    assert_eq!(calls[1].code, None, "the role rides on the MFA session");
    let again = broker.credentials("admin").unwrap();
    assert_eq!(
        w.sts.ops().len(),
        2,
        "the second call is answered from the cache"
    );
    assert_eq!(again.access_key_id, first.access_key_id);
}

#[test]
fn parallel_callers_wait_on_the_lock_and_recheck() {
    let w = Arc::new(world());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let w = w.clone();
            std::thread::spawn(move || {
                w.session
                    .broker()
                    .unwrap()
                    .credentials("admin")
                    .unwrap()
                    .access_key_id
            })
        })
        .collect();
    let keys: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(w.sts.ops(), ["GetSessionToken", "AssumeRole"]);
    assert!(keys.iter().all(|k| *k == keys[0]));
}

#[test]
fn profiles_on_one_device_share_its_mfa_session() {
    let w = world();
    let broker = w.session.broker().unwrap();
    broker.credentials("admin").unwrap();
    broker.credentials("ops").unwrap();
    assert_eq!(
        w.sts.ops(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"],
        "one code serves both roles"
    );
}

#[test]
fn a_failure_keeps_what_the_cache_had() {
    let w = world();
    let broker = w.session.broker().unwrap();
    broker.credentials("admin").unwrap();
    broker.forget("admin").unwrap();
    w.sts.fail_with(StsErrorKind::Unreachable);
    let err = broker.credentials("admin").err().unwrap();
    assert!(
        matches!(err, Error::Sts { kind: StsErrorKind::Unreachable, ref profile, .. } if profile == "admin"),
        "{err}"
    );
    *w.sts.failing.lock().unwrap() = None;
    broker.credentials("admin").unwrap();
    assert_eq!(
        w.sts.ops(),
        ["GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole"],
        "the MFA session survived the failed refresh: no second code"
    );
}

#[test]
fn short_lived_roles_are_used_for_half_their_life() {
    let w = world();
    // A 15-minute role with the default 15-minute margin.
    w.sts
        .role_lifetime
        .store(900, std::sync::atomic::Ordering::SeqCst);
    let broker = w.session.broker().unwrap();
    broker.credentials("admin").unwrap();
    broker.credentials("admin").unwrap();
    assert_eq!(w.sts.ops(), ["GetSessionToken", "AssumeRole"]);
}

#[test]
fn a_skewed_clock_is_a_warning_and_a_rejected_code_is_not_retried() {
    let notices = Arc::new(crate::testing::Notices::default());
    let w = World::with_interaction(Box::new(notices.clone()));
    w.add_device();
    w.sts.skew.store(-120, std::sync::atomic::Ordering::SeqCst);
    w.sts.fail_with(StsErrorKind::InvalidMfa);
    let err = w
        .session
        .broker()
        .unwrap()
        .credentials("base")
        .err()
        .unwrap();
    assert!(matches!(
        err,
        Error::Sts {
            kind: StsErrorKind::InvalidMfa,
            ..
        }
    ));
    // With the clock two minutes off, the next code would be wrong too: one call only.
    assert_eq!(w.sts.ops(), ["GetSessionToken"]);
    let warnings = notices.warnings.lock().unwrap();
    assert!(warnings[0].contains("120 s behind AWS's"), "{warnings:?}");
}
