//! The tray's logic through the core, with the core's shared fakes: an in-memory keyring and
//! an STS that records its calls. (The real keyring, STS emulator and window are exercised by
//! tests/e2e.)

use std::sync::atomic::Ordering;
use std::sync::Arc;

use otpilot_core::error::{ErrorKind, StsErrorKind};
use otpilot_core::store::{MemoryStore, SecretStore};
use otpilot_core::testing::{FakeSts, World};

use crate::state::{AppState, Freshness, NoDesktop};
use crate::views::describe;

/// A leaked state (the tray's lives for the process too) over the core's world: the device
/// `alice` and an `admin` role profile on it whose role credentials last `lifetime` seconds
/// (MFA sessions an hour: a new one would need a fresh TOTP step, i.e. a wait). Returns the
/// state, its fake STS and keyring, and the temp dir keeping the files.
fn world(
    lifetime: i64,
) -> (
    &'static AppState,
    Arc<FakeSts>,
    Arc<MemoryStore>,
    tempfile::TempDir,
) {
    let w = World::new();
    w.add_device();
    w.sts.role_lifetime.store(lifetime, Ordering::SeqCst);
    let World {
        session,
        sts,
        store,
        dir,
        ..
    } = w;
    let state: &'static AppState = Box::leak(Box::new(AppState::with_session(
        session,
        Arc::new(NoDesktop),
    )));
    (state, sts, store, dir)
}

#[test]
fn the_agent_answers_from_memory_after_the_first_call() {
    let (state, sts, _store, _dir) = world(3600);
    let first = state.credentials("admin").unwrap();
    assert_eq!(sts.ops().len(), 2, "GetSessionToken and AssumeRole");
    for _ in 0..10 {
        let again = state.credentials("admin").unwrap();
        assert_eq!(again.access_key_id, first.access_key_id);
    }
    assert_eq!(sts.ops().len(), 2);
    let s = state.profile_state("admin").unwrap();
    assert_eq!(s.state, Freshness::Valid);
    assert_eq!(s.expires_at, first.expiration);
}

#[test]
fn the_refresher_refreshes_before_expiry_and_flags_failures() {
    // Two-second role credentials: fresh at first, due soon after.
    let (state, sts, _store, _dir) = world(2);
    let exp = super::refresher::refresh_if_due(state, "admin", 1200).unwrap();
    assert_eq!(sts.ops().len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let later = super::refresher::refresh_if_due(state, "admin", 1200).unwrap();
    assert!(later > exp, "new credentials were fetched");
    assert_eq!(sts.ops().len(), 3, "a new role, the same MFA session");

    // STS goes away: the profile needs attention, with the reason.
    sts.fail_with(StsErrorKind::Unreachable);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(super::refresher::refresh_if_due(state, "admin", 1200).is_none());
    let s = state.profile_state("admin").unwrap();
    assert_eq!(s.state, Freshness::Attention);
    assert!(s.message.unwrap().contains("cannot reach STS"));
}

#[test]
fn profiles_are_described_with_chain_device_and_expiry() {
    let (state, _sts, _store, _dir) = world(3600);
    let profiles = state.session.profiles().unwrap();
    let before = describe(state, &profiles, "admin");
    assert_eq!(before.chain.len(), 3);
    assert_eq!(before.device.as_deref(), Some("alice"));
    assert_eq!(before.state, Freshness::Unknown);
    assert!(!before.wired);
    let creds = state.credentials("admin").unwrap();
    let after = describe(state, &profiles, "admin");
    assert_eq!(after.state, Freshness::Valid);
    assert_eq!(after.expires_at, creds.expiration);
}

#[test]
fn codes_leave_out_a_device_whose_seed_is_unreadable_but_not_the_others() {
    let (state, _sts, store, _dir) = world(3600);
    let account = otpilot_core::import::from_text("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        .unwrap()
        .accounts
        .remove(0);
    let bob = state
        .devices()
        .add(
            vec![otpilot_core::device::NewDevice {
                name: "bob".into(),
                serial: None,
                account,
                seal: None,
            }],
            false,
        )
        .unwrap()
        .remove(0);
    assert_eq!(crate::views::codes(state).unwrap().len(), 2);
    store.delete(&bob.keyring_key()).unwrap();
    let codes = crate::views::codes(state).unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].name, "alice");
    assert_eq!(codes[0].code.len(), 6);
    let alice = state.devices().find("alice").unwrap();
    store.delete(&alice.keyring_key()).unwrap();
    let err = crate::views::codes(state).err().expect("no code at all");
    assert_eq!(err.kind(), ErrorKind::SeedMissing);
}
