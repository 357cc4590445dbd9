//! Every way a seed gets in, each checked by the code it then produces (against oathtool)
//! and by the keyring item an independent client (secret-tool) reads back.

use otpilot_core::migration::{encode, ExportEntry};
use otpilot_core::totp::{Algorithm, TotpParams, TotpSeed};

use crate::harness::moto::Moto;
use crate::harness::pty::Pty;
use crate::harness::{random_seed, run_tool, TestEnv};

/// oathtool's code for `seed` at `t`: SHA1, 6 digits, 30 s unless `extra` says otherwise
/// (`["--totp=sha256", "-d", "8", "-s", "60s"]`).
fn oathtool(seed: &str, t: u64, extra: &[&str]) -> String {
    let at = format!("@{t}");
    let mut cmd = std::process::Command::new("oathtool");
    if !extra.iter().any(|a| a.starts_with("--totp")) {
        cmd.arg("--totp");
    }
    cmd.args(["-b", "-N", &at]).args(extra).arg(seed);
    run_tool(&mut cmd)
}

fn code_at(env: &TestEnv, device: &str, t: u64) -> String {
    env.ok(&["code", device, "--at", &t.to_string()], None)
        .trim()
        .to_owned()
}

#[test]
fn base32_from_stdin_as_pasted() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    // Lower case, grouped with spaces, padded, with a trailing newline: as people paste it.
    let grouped: Vec<String> = seed
        .to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let pasted = format!("{}====\n", grouped.join(" "));
    env.add_device("work", &pasted, &[]);
    assert_eq!(
        env.secret_tool_lookup("work").as_deref(),
        Some(seed.as_str())
    );
    assert_eq!(
        code_at(&env, "work", 1_700_000_000),
        oathtool(&seed, 1_700_000_000, &[])
    );
    assert!(env.files_containing(&seed).is_empty());
}

#[test]
fn short_80_bit_seed_is_accepted_with_a_warning() {
    let env = TestEnv::new();
    let seed = random_seed(10);
    let run = env.run(&["device", "add", "legacy"], Some(&seed));
    run.assert_ok();
    assert!(
        run.stderr().contains("warning: this seed is only 80 bits"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        code_at(&env, "legacy", 1234567890),
        oathtool(&seed, 1234567890, &[])
    );
}

#[test]
fn otpauth_uri_with_all_parameters() {
    let env = TestEnv::new();
    let seed = random_seed(32);
    let uri = format!(
        "otpauth://totp/ACME%20Corp:alice%40example.com?secret={seed}&issuer=ACME%20Corp&algorithm=SHA256&digits=8&period=60"
    );
    env.add_device("acme", &uri, &[]);
    let rows = env.devices();
    assert_eq!(rows[0]["issuer"], "ACME Corp");
    assert_eq!(rows[0]["account"], "alice@example.com");
    assert_eq!(rows[0]["algorithm"], "SHA256");
    assert_eq!(rows[0]["digits"], 8);
    assert_eq!(rows[0]["period"], 60);
    let t = 2_000_000_000;
    assert_eq!(
        code_at(&env, "acme", t),
        oathtool(&seed, t, &["--totp=sha256", "-d", "8", "-s", "60s"])
    );
}

#[test]
fn google_authenticator_export_adds_every_totp_account() {
    let env = TestEnv::new();
    let seeds: Vec<String> = (0..3).map(|_| random_seed(20)).collect();
    let parsed: Vec<TotpSeed> = seeds
        .iter()
        .map(|s| TotpSeed::from_base32(s).unwrap().0)
        .collect();
    let sha512 = TotpParams {
        algorithm: Algorithm::Sha512,
        digits: 8,
        period: 30,
    };
    let entries = vec![
        ExportEntry {
            seed: &parsed[0],
            params: TotpParams::default(),
            name: "Amazon Web Services:alice@111122223333",
            issuer: "",
            hotp: false,
        },
        ExportEntry {
            seed: &parsed[1],
            params: sha512,
            name: "bob",
            issuer: "GitHub",
            hotp: false,
        },
        // A counter-based account in the same export is skipped with a warning.
        ExportEntry {
            seed: &parsed[2],
            params: TotpParams::default(),
            name: "hotp-account",
            issuer: "Old VPN",
            hotp: true,
        },
    ];
    let uri = encode(&entries);
    let run = env.run(&["device", "add", "phone"], Some(&uri));
    run.assert_ok();
    assert!(
        run.stderr().contains("skipped `hotp-account`"),
        "{}",
        run.stderr()
    );
    let rows = env.devices();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["phone-1", "phone-2"]);
    assert_eq!(rows[0]["issuer"], "Amazon Web Services");
    assert_eq!(rows[1]["issuer"], "GitHub");
    let t = 1_111_111_111;
    assert_eq!(code_at(&env, "phone-1", t), oathtool(&seeds[0], t, &[]));
    assert_eq!(
        code_at(&env, "phone-2", t),
        oathtool(&seeds[1], t, &["--totp=sha512", "-d", "8"])
    );
    assert_eq!(
        env.secret_tool_lookup("phone-2").as_deref(),
        Some(seeds[1].as_str())
    );
}

fn qr_image(dir: &std::path::Path, text: &str, name: &str) -> std::path::PathBuf {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(300, 300)
        .build();
    let path = dir.join(name);
    img.save(&path).unwrap();
    path
}

#[test]
fn qr_code_images_png_and_jpeg() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    let uri = format!("otpauth://totp/Amazon%20Web%20Services:carol@123456789012?secret={seed}");
    let png = qr_image(env.root.path(), &uri, "qr.png");
    let jpeg = qr_image(env.root.path(), &uri, "qr.jpg");
    env.ok(
        &["device", "add", "from-png", "--qr", png.to_str().unwrap()],
        None,
    );
    env.ok(
        &["device", "add", "from-jpeg", "--qr", jpeg.to_str().unwrap()],
        None,
    );
    let t = 1_800_000_000;
    let expected = oathtool(&seed, t, &[]);
    assert_eq!(code_at(&env, "from-png", t), expected);
    assert_eq!(code_at(&env, "from-jpeg", t), expected);
    assert_eq!(env.devices()[0]["account"], "carol@123456789012");
}

/// The seed file the real AWS CLI writes for a virtual MFA device that moto created.
#[test]
fn aws_seed_file_from_create_virtual_mfa_device() {
    let env = TestEnv::new();
    let moto = Moto::shared();
    let outfile = env.root.path().join("seed.txt");
    let name = format!("dev-{}", rand::random::<u32>());
    let out = moto.aws(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        &name,
        "--bootstrap-method",
        "Base32StringSeed",
        "--outfile",
        outfile.to_str().unwrap(),
    ]);
    let serial = serde_json::from_str::<serde_json::Value>(&out).unwrap()["VirtualMFADevice"]
        ["SerialNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let seed = std::fs::read_to_string(&outfile).unwrap();
    assert_eq!(seed.len(), 64, "AWS seeds are 64 base32 characters");
    env.ok(
        &[
            "device",
            "add",
            "aws",
            "--aws-seed-file",
            outfile.to_str().unwrap(),
            "--serial",
            &serial,
        ],
        None,
    );
    let t = 1_750_000_000;
    assert_eq!(code_at(&env, &serial, t), oathtool(&seed, t, &[]));
    assert_eq!(env.devices()[0]["serial"], serial.as_str());
}

/// On a terminal the secret is asked for without echo, and never shows on screen.
#[test]
fn terminal_prompt_hides_the_seed() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    let mut pty = Pty::spawn(&env, &["device", "add", "typed"]);
    pty.expect("(hidden):");
    pty.type_line(&seed);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("added device `typed`"), "{screen}");
    assert!(!screen.contains(&seed), "the seed was echoed:\n{screen}");
    assert_eq!(code_at(&env, "typed", 59), oathtool(&seed, 59, &[]));
}
