//! `otpilot mfa enroll --tpm` and `mfa rotate --tpm` against moto behind the MFA gate, with a
//! software TPM: the backup QR is offered before the seed is sealed (and a "no" cancels), and a
//! rotation keeps a device sealed when asked and warns when not.

use crate::harness::aws::AwsWorld;
use crate::harness::pty::Pty;
use crate::harness::tpm::Swtpm;
use crate::harness::TestEnv;
use crate::tpm::{assert_seeds_nowhere, device_row, env_on};

#[test]
fn enroll_with_tpm_offers_the_backup_before_sealing() {
    let tpm = Swtpm::start();
    let world = AwsWorld::without_stored_device(env_on(&tpm));
    let _user = world.iam_user();
    std::fs::write(world.config_path(), "[profile base]\nregion = us-east-1\n").unwrap();
    let png = world.env.root.path().join("backup.png");
    let run = world.run(&[
        "mfa",
        "enroll",
        "--profile",
        "base",
        "--tpm",
        "--qr-png",
        png.to_str().unwrap(),
        "--json",
    ]);
    run.assert_ok();
    let enrolled: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let serial = enrolled["serial"].as_str().unwrap().to_owned();
    let device = enrolled["device"].as_str().unwrap().to_owned();
    assert_eq!(device_row(&world.env, &device)["location"], "tpm");

    // IAM enabled it with two consecutive codes the TPM made from moto's seed.
    let enables = world.gate.requests_for("EnableMFADevice");
    assert_eq!(enables.len(), 1);
    assert!(enables[0].forwarded(), "{:?}", enables[0].outcome);

    // The phone backup written before sealing holds the seed: a phone (here, a second
    // Otpilot without a TPM) that scans it makes the same codes as the TPM and as AWS.
    let phone = TestEnv::new();
    phone.ok(
        &["device", "add", "phone", "--qr", png.to_str().unwrap()],
        None,
    );
    let step = world.gate.current_step();
    let t = (step * 30).to_string();
    let from_tpm = world.env.ok(&["code", &device, "--at", &t], None);
    assert_eq!(phone.ok(&["code", "phone", "--at", &t], None), from_tpm);
    assert_eq!(from_tpm.trim(), world.gate.code_for_step(&serial, step));
    std::fs::remove_file(&png).unwrap();
    let seed = phone.secret_tool_lookup("phone").unwrap();
    assert_seeds_nowhere(&world.env, &[seed]);
}

#[test]
fn enroll_with_tpm_on_a_terminal_shows_the_backup_first_and_a_no_cancels_it() {
    let tpm = Swtpm::start();
    let mut world = AwsWorld::without_stored_device(env_on(&tpm));
    let _user = world.iam_user();
    std::fs::write(world.config_path(), "[profile base]\nregion = us-east-1\n").unwrap();
    for (k, v) in world.aws_envs() {
        world.env.set_env(&k, &v);
    }
    let args = [
        "mfa",
        "enroll",
        "--profile",
        "base",
        "--tpm",
        "--device-name",
        "laptop-tpm",
    ];
    let virtual_devices = || {
        let listed: serde_json::Value =
            serde_json::from_str(&world.moto.aws(&["iam", "list-virtual-mfa-devices"])).unwrap();
        listed["VirtualMFADevices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["SerialNumber"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("/laptop-tpm"))
            })
            .count()
    };

    // Runs the enrolment on a terminal: yes, show the QR code; then whether the phone saved it.
    let enroll = |phone_saved: &str| {
        let mut pty = Pty::spawn(&world.env, &args);
        pty.expect("Show it now");
        pty.type_line("y");
        pty.expect("Has your phone saved it?");
        pty.type_line(phone_saved);
        pty.finish()
    };

    // The QR code is shown before sealing; "no, my phone has not saved it" cancels, and the
    // device AWS made is deleted again.
    let (status, screen) = enroll("n");
    assert_ne!(status, 0, "{screen}");
    assert!(
        screen.contains("cancelled before sealing; the new device was deleted again"),
        "{screen}"
    );
    assert!(world.env.devices().is_empty());
    assert_eq!(world.gate.count("EnableMFADevice"), 0);
    assert_eq!(virtual_devices(), 0);

    // Yes, and yes: sealed and enabled.
    let (status, screen) = enroll("y");
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains("sealed in the TPM"), "{screen}");
    assert_eq!(device_row(&world.env, "laptop-tpm")["location"], "tpm");
    assert_eq!(world.gate.count("EnableMFADevice"), 1);
    assert_eq!(virtual_devices(), 1);
}

#[test]
fn rotate_keeps_a_device_sealed_when_asked_and_warns_when_not() {
    let tpm = Swtpm::start();
    let world = AwsWorld::without_stored_device(env_on(&tpm));
    let _user = world.iam_user();
    std::fs::write(world.config_path(), "[profile base]\nregion = us-east-1\n").unwrap();
    let enrolled = world.run(&[
        "mfa",
        "enroll",
        "--profile",
        "base",
        "--tpm",
        "--no-qr",
        "--json",
    ]);
    enrolled.assert_ok();
    let first: serde_json::Value = serde_json::from_str(&enrolled.stdout()).unwrap();
    assert_eq!(
        device_row(&world.env, first["device"].as_str().unwrap())["location"],
        "tpm"
    );

    // Sealed to sealed: the new device's code (checked with AWS before the old one goes)
    // comes from the TPM.
    let rotated = world.run(&[
        "mfa",
        "rotate",
        "--profile",
        "base",
        "--device-name",
        "second",
        "--tpm",
        "--no-qr",
        "--json",
    ]);
    rotated.assert_ok();
    assert!(
        !rotated.stderr().contains("keeps its seed in the store"),
        "{}",
        rotated.stderr()
    );
    assert_eq!(device_row(&world.env, "second")["location"], "tpm");
    assert_eq!(world.env.devices().len(), 1, "the old device is forgotten");

    // Without --tpm the new seed lands in the keyring, and the person is told.
    let rotated = world.run(&[
        "mfa",
        "rotate",
        "--profile",
        "base",
        "--device-name",
        "third",
        "--no-qr",
        "--json",
    ]);
    rotated.assert_ok();
    assert!(
        rotated
            .stderr()
            .contains("the old device was sealed in the TPM, but the new one, `third`, keeps its seed in the store; seal it with `otpilot device protect third`"),
        "{}",
        rotated.stderr()
    );
    assert_eq!(device_row(&world.env, "third")["location"], "keyring");
}
