//! `otpilot device import`: each authenticator app's export, written by an independent
//! implementation of its documented format (tests/e2e/fixtures/authenticator_export.py, over
//! Python's `cryptography`), imported, and checked by the codes oathtool makes from the same
//! seeds, the keyring items an independent client reads, and files that hold no seed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::harness::moto::venv;
use crate::harness::pty::Pty;
use crate::harness::{random_seed, run_detached, run_tool, Run, TestEnv};

struct Account {
    secret: String,
    issuer: &'static str,
    account: &'static str,
    algorithm: &'static str,
    digits: u8,
    period: u64,
    kind: &'static str,
    /// The device name Otpilot should give it (TOTP only).
    name: &'static str,
}

impl Account {
    fn new(kind: &'static str, issuer: &'static str, account: &'static str) -> Self {
        Self {
            secret: random_seed(20),
            issuer,
            account,
            algorithm: "SHA1",
            digits: 6,
            period: 30,
            kind,
            name: "",
        }
    }

    fn params(mut self, algorithm: &'static str, digits: u8, period: u64) -> Self {
        (self.algorithm, self.digits, self.period) = (algorithm, digits, period);
        self
    }

    fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }
}

/// Three TOTP accounts (every algorithm, 6 and 8 digits, 30 and 60 s), and the HOTP and
/// Steam entries the format can hold.
fn accounts(hotp: bool, steam: bool) -> Vec<Account> {
    let mut all = vec![
        Account::new("totp", "Amazon Web Services", "alice@123456789012").named("AWS-alice"),
        Account::new("totp", "GitHub", "bob")
            .params("SHA256", 8, 60)
            .named("GitHub-bob"),
        Account::new("totp", "GitLab", "carol")
            .params("SHA512", 8, 30)
            .named("GitLab-carol"),
    ];
    if hotp {
        all.push(Account::new("hotp", "Bank", "dave"));
    }
    if steam {
        all.push(Account::new("steam", "Steam", "gabe").params("SHA1", 5, 30));
    }
    all
}

/// Writes the export with the independent writer, into `dir` (outside the test's HOME, so
/// the files Otpilot wrote can be searched for seeds).
fn write_export(dir: &Path, format: &str, accounts: &[Account], password: Option<&str>) -> PathBuf {
    let path = dir.join(format!("export-{format}"));
    let spec = json!({
        "password": password,
        "accounts": accounts.iter().map(|a| json!({
            "secret": a.secret, "issuer": a.issuer, "account": a.account,
            "algorithm": a.algorithm, "digits": a.digits, "period": a.period, "type": a.kind,
        })).collect::<Vec<_>>(),
    });
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/authenticator_export.py");
    let mut child = Command::new(venv().join("bin/python"))
        .arg(script)
        .arg(format)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the export writer");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "export writer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

fn oathtool(a: &Account, t: u64) -> String {
    let at = format!("@{t}");
    let totp = format!("--totp={}", a.algorithm.to_lowercase());
    let digits = a.digits.to_string();
    let step = format!("{}s", a.period);
    run_tool(Command::new("oathtool").args([
        totp.as_str(),
        "-b",
        "-N",
        &at,
        "-d",
        &digits,
        "-s",
        &step,
        &a.secret,
    ]))
}

/// `otpilot device import` with no controlling terminal (as under CI, and so a developer's
/// terminal is never asked), the password (when given) on stdin.
fn import(env: &TestEnv, path: &Path, extra: &[&str], password: Option<&str>) -> Run {
    let mut args = vec!["device", "import", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    if password.is_some() {
        args.push("--password-stdin");
    }
    let password = password.map(|p| format!("{p}\n"));
    run_detached(env.command(&args), password.as_deref())
}

/// The whole round: refused without (or with a wrong) password, a dry run that adds
/// nothing, the import, every code against oathtool, and a second run that adds nothing.
fn round_trip(format: &str, name: &str, hotp: bool, steam: bool, password: Option<&str>) {
    let env = TestEnv::new();
    let outside = tempfile::tempdir().unwrap();
    let accounts = accounts(hotp, steam);
    let path = write_export(outside.path(), format, &accounts, password);
    let totp: Vec<&Account> = accounts.iter().filter(|a| a.kind == "totp").collect();
    let skipped = accounts.len() - totp.len();

    if password.is_some() {
        import(&env, &path, &[], None).assert_one_line_error("--password-stdin");
        import(&env, &path, &[], Some("not the password")).assert_one_line_error("wrong password");
        assert!(env.devices().is_empty());
    }

    let dry = import(&env, &path, &["--dry-run"], password);
    dry.assert_ok();
    assert!(
        dry.stderr().contains(&format!(
            "dry run: would add 3 devices from the {name}, skip {skipped}; nothing was added"
        )),
        "{}",
        dry.stderr()
    );
    assert!(env.devices().is_empty(), "a dry run added devices");

    let run = import(&env, &path, &[], password);
    run.assert_ok();
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "added 3 devices from the {name}, skipped {skipped}"
        )),
        "{stderr}"
    );
    if hotp {
        assert!(
            stderr.contains("skipped `Bank: dave`: it is counter-based (HOTP)"),
            "{stderr}"
        );
    }
    if steam {
        assert!(stderr.contains("Steam Guard"), "{stderr}");
    }
    for a in &accounts {
        assert!(!stderr.contains(&a.secret), "a seed on stderr: {stderr}");
    }

    let rows = env.devices();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, totp.iter().map(|a| a.name).collect::<Vec<_>>());
    assert_eq!(rows[0]["serial"], "arn:aws:iam::123456789012:mfa/alice");
    assert_eq!(rows[1]["serial"], serde_json::Value::Null);
    for (a, row) in totp.iter().zip(&rows) {
        assert_eq!(row["algorithm"], a.algorithm, "{row}");
        assert_eq!(row["digits"], a.digits, "{row}");
        assert_eq!(row["period"], a.period, "{row}");
        for t in [
            59,
            1_111_111_109,
            2_000_000_000 + u64::from(rand::random::<u32>()),
        ] {
            let code = env.ok(&["code", a.name, "--at", &t.to_string()], None);
            assert_eq!(code.trim(), oathtool(a, t), "{} at {t}", a.name);
        }
        assert_eq!(
            env.secret_tool_lookup(a.name).as_deref(),
            Some(a.secret.as_str())
        );
        assert!(
            env.files_containing(&a.secret).is_empty(),
            "a seed in a file"
        );
    }

    let again = import(&env, &path, &[], password);
    again.assert_ok();
    assert!(
        again.stderr().contains(&format!(
            "nothing to add from the {name}: all {} entries were skipped",
            accounts.len()
        )),
        "{}",
        again.stderr()
    );
    assert_eq!(env.devices().len(), 3);
}

#[test]
fn aegis_plain() {
    round_trip("aegis", "Aegis export", true, true, None);
}

#[test]
fn aegis_encrypted() {
    round_trip(
        "aegis",
        "Aegis export",
        true,
        true,
        Some("correct horse battery"),
    );
}

#[test]
fn twofas_plain() {
    round_trip("2fas", "2FAS backup", true, true, None);
}

#[test]
fn twofas_encrypted() {
    round_trip("2fas", "2FAS backup", true, true, Some("Zażółć gęślą jaźń"));
}

#[test]
fn bitwarden_json() {
    round_trip("bitwarden-json", "Bitwarden JSON export", false, true, None);
}

#[test]
fn bitwarden_csv() {
    round_trip("bitwarden-csv", "Bitwarden CSV export", false, true, None);
}

#[test]
fn andotp() {
    round_trip("andotp", "andOTP backup", true, true, None);
}

#[test]
fn freeotp_plus() {
    round_trip("freeotp", "FreeOTP+ backup", true, false, None);
}

#[test]
fn proton_authenticator() {
    round_trip("proton", "Proton Authenticator export", false, true, None);
}

#[test]
fn ente_auth() {
    round_trip("ente", "Ente Auth export", true, true, None);
}

#[test]
fn otpauth_uri_list() {
    round_trip("uris", "list of otpauth URIs", true, false, None);
}

/// The password asked on the terminal, hidden, when none is piped.
#[test]
fn the_password_is_asked_on_the_terminal() {
    let env = TestEnv::new();
    let outside = tempfile::tempdir().unwrap();
    let accounts = accounts(false, false);
    let path = write_export(outside.path(), "2fas", &accounts, Some("s3cret pass"));
    let mut pty = Pty::spawn(
        &env,
        &[
            "device",
            "import",
            path.to_str().unwrap(),
            "--prefix",
            "phone",
        ],
    );
    pty.expect("(hidden):");
    pty.type_line("s3cret pass");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("s3cret pass"),
        "the password was echoed:\n{screen}"
    );
    assert!(
        screen.contains("added 3 devices from the 2FAS backup"),
        "{screen}"
    );
    let rows = env.devices();
    assert_eq!(rows[1]["name"], "phone-GitHub-bob");
}

/// A cut-short or changed file of each format: one line, nothing added.
#[test]
fn damaged_exports_add_nothing() {
    let env = TestEnv::new();
    let outside = tempfile::tempdir().unwrap();
    let accounts = accounts(false, false);
    for format in [
        "aegis",
        "2fas",
        "bitwarden-json",
        "andotp",
        "freeotp",
        "proton",
    ] {
        let path = write_export(outside.path(), format, &accounts, None);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() * 3 / 5]).unwrap();
        let line = import(&env, &path, &[], None).assert_one_line_error("nothing was added");
        for a in &accounts {
            assert!(!line.contains(&a.secret), "{line}");
        }
    }
    // Line formats: the last entry cut before its secret; the CSV inside a quoted field.
    for format in ["uris", "ente", "bitwarden-csv"] {
        let path = write_export(outside.path(), format, &accounts, None);
        let text = std::fs::read_to_string(&path).unwrap();
        let cut = if format == "bitwarden-csv" {
            text.rfind("two\nlines").unwrap()
        } else {
            text.rfind("?secret").unwrap() - 2
        };
        std::fs::write(&path, &text[..cut]).unwrap();
        import(&env, &path, &[], None).assert_one_line_error("nothing was added");
    }
    // Encrypted, with the right password, but changed inside.
    for format in ["aegis", "2fas"] {
        let path = write_export(outside.path(), format, &accounts, Some("pw"));
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let field = if format == "aegis" {
            "db"
        } else {
            "servicesEncrypted"
        };
        let sealed = doc[field].as_str().unwrap().to_owned();
        doc[field] = json!(format!("AAAA{}", &sealed[4..]));
        std::fs::write(&path, doc.to_string()).unwrap();
        import(&env, &path, &[], Some("pw")).assert_one_line_error("nothing was added");
    }
    assert!(env.devices().is_empty());
}

/// Files of other kinds are refused with what to do instead.
#[test]
fn other_files_are_refused() {
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("qr.png");
    qrcode::QrCode::new(b"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
        .unwrap()
        .render::<image::Luma<u8>>()
        .build()
        .save(&image)
        .unwrap();
    import(&env, &image, &[], None).assert_one_line_error("--qr");
    let random = dir.path().join("random.bin");
    std::fs::write(
        &random,
        (0..4096).map(|_| rand::random::<u8>()).collect::<Vec<u8>>(),
    )
    .unwrap();
    import(&env, &random, &[], None).assert_one_line_error("not an authenticator export");
    let other_json = dir.path().join("package.json");
    std::fs::write(&other_json, r#"{"name":"x","version":"1.0.0"}"#).unwrap();
    import(&env, &other_json, &[], None).assert_one_line_error("of no app Otpilot knows");
    import(&env, &dir.path().join("missing.json"), &[], None).assert_one_line_error("cannot read");
    assert!(env.devices().is_empty());
}

/// The window's "Add device" → "From an authenticator app's export": the password asked for
/// when the preview finds the export encrypted, a wrong one refused, the plan shown, then
/// the devices added; their codes are oathtool's.
#[test]
fn the_window_imports_an_encrypted_export_after_a_preview() {
    use crate::harness::keyring::Keyring;
    use crate::harness::tray::{desktop, screenshot, serial, DrivenTray};

    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let outside = tempfile::tempdir().unwrap();
    let accounts = accounts(true, true);
    let path = write_export(outside.path(), "aegis", &accounts, Some("window pass"));

    let tray = DrivenTray::start(&env, &[]);
    tray.click("nav-devices");
    tray.click("add-source-export");
    tray.fill("import-path", path.to_str().unwrap());
    tray.fill("import-prefix", "phone");
    tray.click("import-preview");
    tray.wait_testid("import-password-field");
    tray.fill("import-password", "not it");
    tray.click("import-preview");
    tray.wait_text("import-error", "the wrong-password line", |t| {
        t.contains("wrong password")
    });
    assert!(env.devices().is_empty());

    tray.fill("import-password", "window pass");
    tray.click("import-preview");
    tray.wait_text("import-summary", "the plan", |t| {
        t.contains("3 devices to add, 2 skipped")
    });
    let plan = tray.text("import-plan");
    for name in ["phone-AWS-alice", "phone-GitHub-bob", "phone-GitLab-carol"] {
        assert!(plan.contains(name), "{name} not in the plan: {plan}");
    }
    assert!(
        plan.contains("arn:aws:iam::123456789012:mfa/alice"),
        "{plan}"
    );
    assert!(plan.contains("Steam Guard"), "{plan}");
    assert!(env.devices().is_empty(), "the preview added devices");
    tray.scroll_to("import-summary");
    screenshot(&crate::tray::docs("import-preview.png"));

    tray.click("import-confirm");
    tray.wait_text("import-result", "the added devices", |t| {
        t.starts_with("Added")
    });
    tray.wait_testid("device-row-phone-GitHub-bob");
    let rows = env.devices();
    assert_eq!(rows.len(), 3);
    for (a, row) in accounts.iter().filter(|a| a.kind == "totp").zip(&rows) {
        let name = row["name"].as_str().unwrap();
        assert_eq!(name, format!("phone-{}", a.name));
        let t = 1_234_567_890;
        let code = env.ok(&["code", name, "--at", &t.to_string()], None);
        assert_eq!(code.trim(), oathtool(a, t), "{name}");
    }
}
