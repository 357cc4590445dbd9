//! The packages in a clean Debian 12 root that tests/package.sh prepares: a script inside
//! the root (the archive's CLI with the vault and no D-Bus; the packaged CLI with
//! gnome-keyring; the packaged tray's agent) gets credentials from moto behind the MFA gate,
//! which runs here, outside the root (the root shares this machine's network).
//!
//! Ignored in the ordinary run: only tests/package.sh has a root to give it. It names the
//! root, the script, and the device's serial and seed in `OTPILOT_PACKAGE_*`.

use std::process::{Command, Stdio};

use crate::harness::gate::Gate;
use crate::harness::moto::Moto;
use crate::harness::Run;

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run this test through tests/package.sh"))
}

#[test]
#[ignore = "needs the clean Debian root that tests/package.sh prepares"]
fn credential_process_in_the_clean_root() {
    let root = var("OTPILOT_PACKAGE_ROOT");
    let script = var("OTPILOT_PACKAGE_SCRIPT");
    let serial = var("OTPILOT_PACKAGE_SERIAL");
    let seed = var("OTPILOT_PACKAGE_SEED");
    let gate = Gate::start(&Moto::shared().endpoint);
    gate.register_device(&serial, &seed);

    let enter = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/package/enter.sh");
    let out = Command::new("bash")
        .args([enter, &root, "/bin/bash", &script])
        .env_clear()
        .envs([
            ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            ("OTPILOT_PACKAGE_SERIAL", serial.as_str()),
            ("OTPILOT_PACKAGE_SEED", seed.as_str()),
            ("AWS_ENDPOINT_URL", gate.endpoint().as_str()),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run tests/package/enter.sh");
    let run = Run(out);
    eprint!("{}", run.stderr());
    run.assert_ok();

    let stdout = run.stdout();
    let last = stdout.lines().last().unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("{script}'s last line is not JSON ({e}): {stdout}"));
    assert_eq!(json["Version"], 1, "{json}");
    assert!(
        json["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA")),
        "{json}"
    );
    assert!(json["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));

    // The MFA session came through the gate, with a code it accepted for this device.
    let sessions = gate.requests_for("GetSessionToken");
    assert_eq!(sessions.len(), 1, "one MFA session: {:?}", gate.requests());
    assert!(sessions[0].forwarded(), "the gate accepted the code");
    assert_eq!(sessions[0].param("SerialNumber"), Some(serial.as_str()));
    assert_eq!(gate.requests_for("AssumeRole").len(), 1);
}
