//! Where codes come from, and the step ledger, with the shared fixtures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::testing::{Notices, World, SERIAL};
use crate::totp::{Totp, TotpParams};

fn source<'a>(
    world: &'a World,
    devices: &'a Devices<'a>,
    ui: &'a dyn Interaction,
) -> MfaCodeSource<'a> {
    let dirs = world.session.dirs();
    MfaCodeSource {
        devices,
        state_dir: dirs.state.clone(),
        lock_dir: dirs.runtime.join("locks"),
        lock_timeout: Duration::from_secs(5),
        ui,
    }
}

#[test]
fn a_stored_device_gives_the_current_code_without_asking() {
    let w = World::new();
    w.add_device();
    let devices = w.session.devices();
    let ui = Notices::default();
    let before = crate::clock::unix_now();
    let code = source(&w, &devices, &ui)
        .code("admin", SERIAL, None)
        .unwrap();
    let after = crate::clock::unix_now();
    assert_eq!(
        code.origin,
        CodeOrigin::Device {
            name: "alice".into()
        }
    );
    let totp = Totp::new(&crate::testing::seed(), TotpParams::default()).unwrap();
    let expected = [
        totp.code_at(before).unwrap().code,
        totp.code_at(after).unwrap().code,
    ];
    assert!(expected.contains(&code.code.expose().to_owned()));
    assert_eq!(*ui.prompts.lock().unwrap(), 0);
}

#[test]
fn mfa_process_then_the_person_then_an_error() {
    let w = World::new();
    let devices = w.session.devices();
    let quiet = crate::testing::Quiet;
    let code = source(&w, &devices, &quiet)
        .code("p", SERIAL, Some("echo 123456"))
        .unwrap();
    assert_eq!(
        (code.code.expose(), code.origin),
        ("123456", CodeOrigin::Process)
    );
    assert!(matches!(
        source(&w, &devices, &quiet).code("p", SERIAL, Some("echo nope")),
        Err(Error::MfaProcess { .. })
    ));

    let typing = Notices {
        code: Some("654321".into()),
        ..Default::default()
    };
    let code = source(&w, &devices, &typing)
        .code("p", SERIAL, None)
        .unwrap();
    assert_eq!(
        (code.code.expose(), code.origin),
        ("654321", CodeOrigin::Prompt)
    );
    let fumbling = Notices {
        code: Some("12".into()),
        ..Default::default()
    };
    assert!(matches!(
        source(&w, &devices, &fumbling).code("p", SERIAL, None),
        Err(Error::MfaProcess { .. })
    ));
    assert!(matches!(
        source(&w, &devices, &quiet).code("p", SERIAL, None),
        Err(Error::NoMfaCode { .. })
    ));
}

#[test]
fn a_device_that_asks_first_needs_a_yes() {
    let w = World::new();
    w.add_device();
    let devices = w.session.devices();
    devices.set_ask_before_use("alice", true).unwrap();
    let no = Notices::default();
    assert!(matches!(
        source(&w, &devices, &no).code("admin", SERIAL, None),
        Err(Error::DeviceUseDenied { .. })
    ));
    let yes = Notices {
        allow: true,
        ..Default::default()
    };
    source(&w, &devices, &yes)
        .code("admin", SERIAL, None)
        .unwrap();
}

#[test]
fn a_step_is_claimed_once_across_callers() {
    let w = World::new();
    let devices = w.session.devices();
    let notices = Arc::new(Notices::default());
    let ui: &dyn Interaction = notices.as_ref();
    let mfa = source(&w, &devices, ui);
    // One-second steps keep the wait short; the rule is the same for AWS's 30 s.
    let first = mfa.claim_steps(SERIAL, 1, 2).unwrap();
    let started = Instant::now();
    let next = mfa.claim_steps(SERIAL, 1, 1).unwrap();
    // Both steps of the first claim are spent: the next is the step after them, or a later
    // one when the wait overshot a one-second step on a busy machine.
    assert!(
        next >= first + 2,
        "step {next} reuses the first claim's {first}..={}",
        first + 1
    );
    assert!(started.elapsed() >= Duration::from_millis(200), "it waited");
    assert!(notices.notices.lock().unwrap()[0].contains("AWS accepts each code only once"));
    // A different device has its own ledger.
    let other = mfa
        .claim_steps("arn:aws:iam::123456789012:mfa/bob", 1, 1)
        .unwrap();
    assert!(other <= next);
}

#[test]
fn a_ledger_far_ahead_of_the_clock_is_reset_not_waited_for() {
    let w = World::new();
    let devices = w.session.devices();
    let notices = Arc::new(Notices::default());
    let ui: &dyn Interaction = notices.as_ref();
    let mfa = source(&w, &devices, ui);
    let first = mfa.claim_steps(SERIAL, 30, 1).unwrap();
    // As if a clock a day fast had claimed a step: the ledger is 2880 steps ahead.
    let ledger = std::fs::read_dir(w.dir.path().join("state/mfa-steps"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(
        &ledger,
        serde_json::json!({ "serial": SERIAL, "last_step": first + 2880 }).to_string(),
    )
    .unwrap();
    let started = Instant::now();
    let step = mfa.claim_steps(SERIAL, 30, 1).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "no long wait");
    assert!(
        step >= first && step <= first + 1,
        "the current step: {step}"
    );
    let notices = notices.notices.lock().unwrap();
    assert!(
        notices.iter().any(|n| n.contains("2880 steps ahead")),
        "{notices:?}"
    );
}
