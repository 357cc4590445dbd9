//! Input made to hurt the person who imports it: labels carrying terminal escapes (OSC 52
//! writes the clipboard), IAM names that a spreadsheet would run as formulas, files and
//! images made to exhaust memory, and a Ctrl-C while the console's private page is open.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::Stdio;

use serde_json::Value;

use crate::harness::aws::AwsWorld;
use crate::harness::{random_seed, run_detached, Run, TestEnv};

/// OSC 52 (set the clipboard) ended by BEL, CSI "clear screen", DEL, and C1 CSI and OSC as
/// UTF-8, percent-encoded for an otpauth URI.
const HOSTILE_ISSUER: &str =
    "Evil%1B%5D52%3Bc%3BZXZpbA%3D%3D%07Corp%1B%5B2J%7F%C2%9B2J%C2%9D0%3Bx%C2%9C";
/// What is left of it once its controls are removed.
const CLEAN_ISSUER: &str = "Evil]52;c;ZXZpbA==Corp[2J2J0;x";

/// Every control character in `bytes` but the line feed that ends each line: C0, DEL, and C1
/// (as UTF-8). Empty when a terminal would act on nothing.
fn controls(bytes: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect()
}

fn assert_no_controls(run: &Run, what: &str) {
    for (stream, bytes) in [("stdout", &run.0.stdout), ("stderr", &run.0.stderr)] {
        let found = controls(bytes);
        assert!(
            found.is_empty(),
            "{what}: raw controls {found:?} on {stream}: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn labels_with_terminal_escapes_reach_no_terminal() {
    let env = TestEnv::new();
    let uri = format!(
        "otpauth://totp/{HOSTILE_ISSUER}:bob%1B%5D0%3Bowned%07?secret={}&issuer={HOSTILE_ISSUER}",
        random_seed(20)
    );
    let add = env.run(&["device", "add", "evil"], Some(&uri));
    add.assert_ok();
    assert_no_controls(&add, "device add");
    assert!(add.stderr().contains(CLEAN_ISSUER), "{}", add.stderr());

    // Stored without them: the JSON shows what was kept.
    let rows = env.devices();
    assert_eq!(rows[0]["issuer"], CLEAN_ISSUER);
    assert_eq!(rows[0]["account"], "bob]0;owned");

    // An export: an imported entry, and a skipped (HOTP) one named in the message.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("uris.txt");
    std::fs::write(
        &export,
        format!(
            "otpauth://totp/{HOSTILE_ISSUER}:carol?secret={}\notpauth://hotp/{HOSTILE_ISSUER}:dave?secret={}&counter=1\n",
            random_seed(20),
            random_seed(20)
        ),
    )
    .unwrap();
    for extra in [&["--dry-run"][..], &[]] {
        let mut args = vec!["device", "import", export.to_str().unwrap()];
        args.extend_from_slice(extra);
        let import = run_detached(env.command(&args), None);
        import.assert_ok();
        assert_no_controls(&import, "device import");
        assert!(
            import
                .stderr()
                .contains(&format!("skipped `{CLEAN_ISSUER}: dave`")),
            "{}",
            import.stderr()
        );
    }

    // A devices.toml written before labels were cleaned (or by hand) still prints no
    // control: text output shows each as an escape, JSON output escapes each.
    let toml = env.config_dir().join("devices.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(text.contains(CLEAN_ISSUER), "{text}");
    let planted = text.replacen(
        CLEAN_ISSUER,
        "Evil\\u001B]52;c;ZXZpbA==\\u0007Corp\\u007F\\u009B2J",
        1,
    );
    std::fs::write(&toml, planted).unwrap();
    let list = env.run(&["device", "list"], None);
    list.assert_ok();
    assert_no_controls(&list, "device list");
    assert!(
        list.stdout()
            .contains("Evil\\x1b]52;c;ZXZpbA==\\x07Corp\\x7f\\u{9b}2J"),
        "{}",
        list.stdout()
    );
    let json = env.run(&["device", "list", "--json"], None);
    json.assert_ok();
    assert_no_controls(&json, "device list --json");
    let rows: Vec<Value> = serde_json::from_str(&json.stdout()).unwrap();
    let evil = rows.iter().find(|r| r["name"] == "evil").unwrap();
    assert_eq!(
        evil["issuer"], "Evil\u{1b}]52;c;ZXZpbA==\u{7}Corp\u{7f}\u{9b}2J",
        "the JSON escapes are JSON's: the value reads back whole"
    );
}

/// An IAM call for a user straight to moto (which checks no signature), for a name the AWS
/// CLI cannot read back.
fn iam_raw(endpoint: &str, action: &str, name: &str) {
    let host = endpoint.trim_start_matches("http://");
    let body = format!(
        "Action={action}&Version=2010-05-08&UserName={}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn account_report_prints_no_escape_and_writes_no_formula() {
    let world = AwsWorld::with_own_moto(TestEnv::new());
    world.write_config("[profile base]\nregion = us-east-1\nmfa_serial = {serial}\n");
    world.write_base_credentials();
    // IAM itself allows `=`, `+`, `-` and `@` in names; moto also allows controls, as a
    // credential report from elsewhere might carry them.
    let evil = "evil\u{1b}]52;c;ZXZpbA==\u{7}x\u{9b}2J";
    iam_raw(&world.moto.endpoint, "CreateUser", evil);
    iam_raw(&world.moto.endpoint, "CreateAccessKey", evil);
    for name in ["=1+2", "@SUM(1+1)", "-2+3", "+1"] {
        // `--user-name=-2+3`: a value starting with `-` is not an option.
        let user = format!("--user-name={name}");
        world.moto.aws(&["iam", "create-user", &user]);
        world.moto.aws(&["iam", "create-access-key", &user]);
    }
    world.moto.aws(&[
        "iam",
        "create-login-profile",
        "--user-name",
        "=1+2",
        "--password",
        "Correct-Horse-9",
    ]);

    let text = world.run(&["account", "report", "--profile", "base"]);
    assert_eq!(text.code(), 1, "{}", text.stderr());
    assert_no_controls(&text, "account report");
    assert!(
        text.stdout()
            .contains("`evil\\x1b]52;c;ZXZpbA==\\x07x\\u{9b}2J` has active access keys"),
        "{}",
        text.stdout()
    );

    let json = world.run(&["account", "report", "--profile", "base", "--json"]);
    assert_no_controls(&json, "account report --json");
    let report: Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(report["users"], 5);

    let csv = world.run(&["account", "report", "--profile", "base", "--csv"]);
    assert_no_controls(&csv, "account report --csv");
    let rows = otpilot_core::csv::rows(&csv.stdout()).unwrap();
    assert_eq!(
        rows[0].iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        ["severity", "check", "subject", "detail", "fix"]
    );
    let subjects: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    for name in ["=1+2", "@SUM(1+1)", "-2+3", "+1"] {
        assert!(
            subjects.contains(&format!("'{name}").as_str()),
            "{name} is not neutralised: {subjects:?}"
        );
    }
    // No cell a spreadsheet would run, and every line's cells are where they belong.
    for row in &rows[1..] {
        assert_eq!(row.len(), 5, "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell: {:?}",
                cell.as_str()
            );
        }
    }
}

#[test]
fn endless_and_oversized_inputs_are_refused() {
    let env = TestEnv::new();
    env.run(
        &["device", "add", "x", "--aws-seed-file", "/dev/zero"],
        None,
    )
    .assert_one_line_error("/dev/zero is larger than 1 MiB, more than any AWS seed file");

    // A PNG whose header declares 100 000 × 100 000 pixels (a few dozen bytes that would
    // decode into 10 GB): refused from the header.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("huge.png");
    std::fs::write(&png, png_header(100_000, 100_000)).unwrap();
    env.run(&["device", "add", "x", "--qr", png.to_str().unwrap()], None)
        .assert_one_line_error("is 100000×100000 pixels, more than the 16 megapixels");

    // An endless paste on stdin.
    let mut cmd = env.command(["device", "add", "x"]);
    cmd.stdin(std::fs::File::open("/dev/zero").unwrap());
    Run(cmd.output().unwrap()).assert_one_line_error(
        "stdin is larger than 1 MiB, more than any seed, otpauth URI or export",
    );
    assert!(env.devices().is_empty());
}

/// A PNG that is only a header: signature, IHDR (8-bit greyscale), an empty IDAT and IEND, CRCs right.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (
            &b"IHDR"[..],
            [
                &width.to_be_bytes()[..],
                &height.to_be_bytes(),
                &[8, 0, 0, 0, 0],
            ]
            .concat(),
        ),
        (b"IDAT", Vec::new()),
        (b"IEND", Vec::new()),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

/// Ctrl-C while Otpilot waits to see whether the browser started: the terminal sends
/// SIGINT to the whole foreground group. The private page (it holds the sign-in URL) is
/// still removed.
#[test]
fn the_console_page_is_removed_after_ctrl_c() {
    use crate::harness::signin::{Expect, SigninEndpoint};
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let dir = w.env.root.path().join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("page");
    let browser = dir.join("slow-browser");
    // A browser that keeps running (as one does), so Otpilot is still watching it.
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\necho \"${{1#file://}}\" > '{}'\nexec sleep 30\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut cmd = w.otpilot(&["console", "admin"]);
    cmd.env("OTPILOT_FEDERATION_ENDPOINT", signin.endpoint())
        .env("BROWSER", &browser)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, as a shell's foreground job.
        .process_group(0);
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let page = loop {
        if let Some(p) = std::fs::read_to_string(&log)
            .ok()
            .filter(|p| p.ends_with('\n'))
        {
            break std::path::PathBuf::from(p.trim_end());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser was never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(page.exists());
    // SAFETY: kill(2) with the negated process group id of the child this test started.
    let sent = unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    assert_eq!(sent, 0);
    let status = child.wait().unwrap();
    assert!(!status.success(), "otpilot should have been interrupted");

    let deadline = std::time::Instant::now()
        + otpilot_core::console::browser::PAGE_LIFETIME
        + std::time::Duration::from_secs(15);
    while page.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(
        !page.exists(),
        "{} outlived the interrupted otpilot",
        page.display()
    );
}
