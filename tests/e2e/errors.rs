//! Bad input and broken environments: one clear line on stderr, a non-zero exit, and the
//! user's devices exactly as they were.

use crate::harness::keyring::Keyring;
use crate::harness::{random_seed, KeyringSession, TestEnv};

fn snapshot(env: &TestEnv) -> Option<Vec<u8>> {
    std::fs::read(env.config_dir().join("devices.toml")).ok()
}

#[test]
fn bad_secrets_are_refused_without_echo_and_change_nothing() {
    let env = TestEnv::new();
    env.add_device("keep", &random_seed(20), &[]);
    let before = snapshot(&env);
    let secret = "JBSWY3DPEHPK3PXP";
    let cases = [
        (format!("{secret}0189"), "not valid base32"),
        (format!("{secret}!!"), "not valid base32"),
        ("JBSWY3DP".to_string(), "too short"),
        (String::new(), "no secret was given"),
        (
            format!("otpauth://hotp/x?secret={secret}&counter=0"),
            "not time-based",
        ),
        (
            "otpauth://totp/x?issuer=y".to_string(),
            "no secret= parameter",
        ),
        (
            format!("otpauth://totp/x?secret={secret}&digits=10"),
            "10 digits",
        ),
        (
            format!("otpauth://totp/x?secret={secret}&algorithm=MD5"),
            "algorithm `MD5`",
        ),
        (
            "otpauth-migration://offline?data=%%%".to_string(),
            "not valid base64",
        ),
        (
            format!("https://example.com/?secret={secret}"),
            "not otpauth://",
        ),
    ];
    for (input, expected) in cases {
        let line = env
            .run(&["device", "add", "bad"], Some(&input))
            .assert_one_line_error(expected);
        assert!(!line.contains(secret), "error echoed the secret: {line}");
        assert_eq!(snapshot(&env), before, "{input}");
    }
    assert_eq!(env.devices().len(), 1);
}

#[test]
fn bad_names_serials_and_missing_devices() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    env.run(&["device", "add", "has space"], Some(&seed))
        .assert_one_line_error("invalid device name");
    env.run(
        &["device", "add", "x", "--serial", "arn:aws:iam::1:mfa/x"],
        Some(&seed),
    )
    .assert_one_line_error("invalid MFA serial");
    env.run(&["code", "ghost"], None)
        .assert_one_line_error("no MFA device named or with serial `ghost`");
    env.run(&["device", "remove", "ghost", "--yes"], None)
        .assert_one_line_error("otpilot device list");
    env.run(&["device", "rename", "ghost", "x"], None)
        .assert_one_line_error("no MFA device");
    assert!(env.devices().is_empty());
}

#[test]
fn files_that_are_not_what_they_should_be() {
    let env = TestEnv::new();
    let dir = env.root.path();
    let missing = dir.join("missing.png");
    env.run(
        &["device", "add", "a", "--qr", missing.to_str().unwrap()],
        None,
    )
    .assert_one_line_error("cannot read");
    let not_image = dir.join("notes.png");
    std::fs::write(&not_image, "hello").unwrap();
    env.run(
        &["device", "add", "a", "--qr", not_image.to_str().unwrap()],
        None,
    )
    .assert_one_line_error("not a readable PNG or JPEG image");
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(200, 200, image::Luma([255u8]))
        .save(&blank)
        .unwrap();
    env.run(
        &["device", "add", "a", "--qr", blank.to_str().unwrap()],
        None,
    )
    .assert_one_line_error("no QR code found");
    let url_qr = dir.join("url.png");
    qrcode::QrCode::new(b"https://example.com/")
        .unwrap()
        .render::<image::Luma<u8>>()
        .min_dimensions(200, 200)
        .build()
        .save(&url_qr)
        .unwrap();
    env.run(
        &["device", "add", "a", "--qr", url_qr.to_str().unwrap()],
        None,
    )
    .assert_one_line_error("otpauth");
    let seed_png = dir.join("seed-as-png");
    std::fs::copy(&blank, &seed_png).unwrap();
    env.run(
        &[
            "device",
            "add",
            "a",
            "--aws-seed-file",
            seed_png.to_str().unwrap(),
        ],
        None,
    )
    .assert_one_line_error("pass it with --qr instead");
    let unreadable = dir.join("nope.txt");
    env.run(
        &[
            "device",
            "add",
            "a",
            "--aws-seed-file",
            unreadable.to_str().unwrap(),
        ],
        None,
    )
    .assert_one_line_error("cannot read");
    assert!(env.devices().is_empty());
}

#[test]
fn a_damaged_devices_file_is_reported_and_kept() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let path = env.config_dir().join("devices.toml");
    std::fs::write(&path, "[[device]\nname = ").unwrap();
    env.run(&["device", "add", "a"], Some(&random_seed(20)))
        .assert_one_line_error("is damaged");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[[device]\nname = "
    );
}

#[test]
fn no_dbus_session() {
    let env = TestEnv::with_bus("unix:path=/nonexistent/otpilot-test-bus");
    env.run(&["device", "add", "a"], Some(&random_seed(20)))
        .assert_one_line_error("no D-Bus session bus");
    assert!(snapshot(&env).is_none());
    // Listing needs no keyring, so it still works.
    env.ok(&["device", "list"], None);
}

#[test]
fn no_secret_service_provider() {
    let session = KeyringSession::start(Keyring::None);
    let env = TestEnv::with_bus(session.address());
    env.run(&["device", "add", "a"], Some(&random_seed(20)))
        .assert_one_line_error("no Secret Service provider");
    assert!(snapshot(&env).is_none());
}

#[test]
fn locked_keyring() {
    // A device added while unlocked; then the screen locks: codes and adds fail clearly.
    let session = KeyringSession::start(Keyring::Unlocked);
    let env = TestEnv::with_bus(session.address());
    env.add_device("a", &random_seed(20), &[]);
    let before = snapshot(&env);
    session.lock();
    env.run(&["code", "a"], None)
        .assert_one_line_error("keyring is locked");
    env.run(&["device", "add", "b"], Some(&random_seed(20)))
        .assert_one_line_error("keyring is locked");
    env.run(&["device", "remove", "a", "--yes"], None)
        .assert_one_line_error("keyring is locked");
    assert_eq!(snapshot(&env), before);
}

#[test]
fn removing_needs_confirmation_without_a_terminal() {
    let env = TestEnv::new();
    env.add_device("a", &random_seed(20), &[]);
    env.run(&["device", "remove", "a"], None)
        .assert_one_line_error("pass --yes");
    assert_eq!(env.devices().len(), 1);
}
