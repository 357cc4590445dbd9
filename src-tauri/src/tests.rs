//! The tray's logic through the core, with fakes: an in-memory keyring and an STS that counts
//! its calls. (The real keyring, STS emulator and window are exercised by tests/e2e.)

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

use otpilot_core::aws::profile::{AwsFiles, Profiles};
use otpilot_core::aws::sts::{AssumeRoleInput, StsApi, StsFailure, StsOutput, StsTarget};
use otpilot_core::credentials::Credentials;
use otpilot_core::error::StsErrorKind;
use otpilot_core::paths::Dirs;
use otpilot_core::store::MemoryStore;
use otpilot_core::totp::unix_now;

use crate::state::{AppState, Freshness};
use crate::views::describe;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

/// An STS that issues credentials valid for `lifetime` seconds, or fails when told to.
#[derive(Default)]
struct FakeSts {
    calls: AtomicUsize,
    lifetime: AtomicI64,
    failing: AtomicBool,
}

impl FakeSts {
    /// MFA sessions last an hour (a new one would need a fresh TOTP step, i.e. a wait); roles
    /// last `lifetime`.
    fn issue(&self, lifetime: i64) -> Result<StsOutput, StsFailure> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(StsFailure {
                kind: StsErrorKind::Unreachable,
                message: "cannot reach STS (test)".into(),
                clock_skew: None,
            });
        }
        Ok(StsOutput {
            credentials: Credentials {
                access_key_id: format!("ASIAFAKE{n:012}"),
                secret_access_key: "secret".into(),
                session_token: Some("token".into()),
                expiration: Some(unix_now() as i64 + lifetime),
            },
            clock_skew: Some(0),
        })
    }
}

impl StsApi for FakeSts {
    fn get_session_token(
        &self,
        _: &StsTarget,
        _: &Credentials,
        _: &str,
        _: &str,
        _: u32,
    ) -> Result<StsOutput, StsFailure> {
        self.issue(3600)
    }

    fn assume_role(
        &self,
        _: &StsTarget,
        _: &Credentials,
        _: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        self.issue(self.lifetime.load(Ordering::SeqCst))
    }
}

/// A leaked state (the tray's lives for the process too) with one device and an `admin` role
/// profile on it; returns the state, its fake STS and the temp dir keeping the files.
fn world(lifetime: i64) -> (&'static AppState, &'static FakeSts, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = AwsFiles {
        config: root.join("aws-config"),
        credentials: root.join("aws-credentials"),
    };
    std::fs::write(
        &files.config,
        format!(
            "[profile base]\nregion = us-east-1\nmfa_serial = {SERIAL}\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = {SERIAL}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &files.credentials,
        "[base]\naws_access_key_id = AKIAFAKEKEYEXAMPLE01\naws_secret_access_key = fakesecretfakesecretfakesecret0001\n",
    )
    .unwrap();
    let dirs = Dirs {
        config: root.join("config"),
        cache: root.join("cache"),
        state: root.join("state"),
        runtime: root.join("run"),
    };
    let sts: &'static FakeSts = Box::leak(Box::new(FakeSts::default()));
    sts.lifetime.store(lifetime, Ordering::SeqCst);
    // The state owns its STS; the test keeps a reference to count calls.
    struct ByRef(&'static FakeSts);
    impl StsApi for ByRef {
        fn get_session_token(
            &self,
            t: &StsTarget,
            b: &Credentials,
            s: &str,
            c: &str,
            d: u32,
        ) -> Result<StsOutput, StsFailure> {
            self.0.get_session_token(t, b, s, c, d)
        }
        fn assume_role(
            &self,
            t: &StsTarget,
            b: &Credentials,
            i: &AssumeRoleInput,
        ) -> Result<StsOutput, StsFailure> {
            self.0.assume_role(t, b, i)
        }
    }
    let state: &'static AppState = Box::leak(Box::new(AppState::with_parts(
        dirs,
        Box::new(MemoryStore::default()),
        Box::new(ByRef(sts)),
        Some(files),
    )));
    let account = otpilot_core::import::from_text("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        .unwrap()
        .accounts
        .remove(0);
    state
        .devices()
        .add(
            vec![otpilot_core::device::NewDevice {
                name: "alice".into(),
                serial: Some(SERIAL.into()),
                account,
            }],
            false,
        )
        .unwrap();
    (state, sts, dir)
}

#[test]
fn the_agent_answers_from_memory_after_the_first_call() {
    let (state, sts, _dir) = world(3600);
    let first = state.credentials("admin").unwrap();
    assert_eq!(
        sts.calls.load(Ordering::SeqCst),
        2,
        "GetSessionToken and AssumeRole"
    );
    for _ in 0..10 {
        let again = state.credentials("admin").unwrap();
        assert_eq!(again.access_key_id, first.access_key_id);
    }
    assert_eq!(sts.calls.load(Ordering::SeqCst), 2);
    let s = state.profile_state("admin").unwrap();
    assert_eq!(s.state, Freshness::Valid);
    assert_eq!(s.expires_at, first.expiration);
}

#[test]
fn the_refresher_refreshes_before_expiry_and_flags_failures() {
    // Two-second role credentials: fresh at first, due soon after.
    let (state, sts, _dir) = world(2);
    let exp = super::refresher::refresh_if_due(state, "admin", 1200).unwrap();
    assert_eq!(sts.calls.load(Ordering::SeqCst), 2);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let later = super::refresher::refresh_if_due(state, "admin", 1200).unwrap();
    assert!(later > exp, "new credentials were fetched");
    assert_eq!(
        sts.calls.load(Ordering::SeqCst),
        3,
        "a new role, the same MFA session"
    );

    // STS goes away: the profile needs attention, with the reason.
    sts.failing.store(true, Ordering::SeqCst);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(super::refresher::refresh_if_due(state, "admin", 1200).is_none());
    let s = state.profile_state("admin").unwrap();
    assert_eq!(s.state, Freshness::Attention);
    assert!(s.message.unwrap().contains("cannot reach STS"));
}

#[test]
fn profiles_are_described_with_chain_device_and_expiry() {
    let (state, _sts, _dir) = world(3600);
    let profiles = Profiles::load(&state.aws_files().unwrap()).unwrap();
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
    let (state, _sts, _dir) = world(3600);
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
            }],
            false,
        )
        .unwrap()
        .remove(0);
    assert_eq!(crate::views::codes(state).unwrap().len(), 2);
    state.keyring.delete(&bob.keyring_key()).unwrap();
    let codes = crate::views::codes(state).unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].name, "alice");
    assert_eq!(codes[0].code.len(), 6);
    let alice = state.devices().find("alice").unwrap();
    state.keyring.delete(&alice.keyring_key()).unwrap();
    let err = crate::views::codes(state).err().expect("no code at all");
    assert_eq!(err.kind(), "seed_missing");
}
