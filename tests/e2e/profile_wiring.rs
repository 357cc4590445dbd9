//! `otpilot profile setup|list|status` and `otpilot keys add|import|remove`: editing the
//! user's AWS files safely (backups, comments and order kept) and keys in the keyring.

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID, BASE_SECRET};

#[test]
fn setup_keeps_comments_order_and_a_backup() {
    let w = AwsWorld::new();
    let original = format!(
        "# work accounts\n[profile base]\nregion = us-east-1 ; the home region\nmfa_serial = {{serial}}\n\n\
         # the admin role, MFA required\n[profile admin]\nregion = eu-west-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\n\
         source_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 3600\noutput = json\n"
    )
    .replace("{serial}", &w.serial);
    w.write_config(&original);
    w.write_base_credentials();
    w.run(&["profile", "setup", "admin"]).assert_ok();
    let updated = std::fs::read_to_string(w.config_path()).unwrap();
    let exe = crate::harness::otpilot_bin().display().to_string();
    let expected = original
        .replace("\nrole_arn =", "\notpilot_role_arn =")
        .replace(
            "\nsource_profile = base\nmfa_serial",
            "\notpilot_source_profile = base\notpilot_mfa_serial",
        )
        .replace("\nduration_seconds", "\notpilot_duration_seconds")
        .replace(
            "output = json\n",
            &format!("output = json\ncredential_process = {exe} credential-process admin\n"),
        );
    assert_eq!(updated, expected);
    // The base profile is untouched, and a backup of the original exists.
    assert_eq!(w.config_backups(), vec![original.clone()]);
    // Running it again changes nothing.
    let run = w.run(&["profile", "setup", "admin"]);
    run.assert_ok();
    assert!(run.stderr().contains("already set up"), "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(w.config_path()).unwrap(), updated);
    // And the wired profile still resolves the same chain.
    let json = w.credential_process("admin");
    assert_eq!(json["Version"], 1);
    let list = w.run(&["profile", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    let admin = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profile"] == "admin")
        .unwrap();
    assert_eq!(admin["wired"], true);
    assert_eq!(admin["device"], "alice");
    assert_eq!(admin["chain"].as_array().unwrap().len(), 3);
}

#[test]
fn setup_refuses_what_would_bypass_mfa() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\
         [profile other]\ncredential_process = /usr/bin/some-tool\nrole_arn = arn:aws:iam::{ACCOUNT}:role/X\nsource_profile = base\n"
    ));
    w.write_base_credentials();
    let before = std::fs::read_to_string(w.config_path()).unwrap();
    // `base` has keys in the credentials file, which SDKs would use without MFA.
    w.run(&["profile", "setup", "base"])
        .assert_one_line_error("otpilot keys import base");
    w.run(&["profile", "setup", "other"])
        .assert_one_line_error("pass --force");
    w.run(&["profile", "setup", "ghost"])
        .assert_one_line_error("no AWS profile `ghost`");
    assert_eq!(std::fs::read_to_string(w.config_path()).unwrap(), before);
}

#[test]
fn keys_import_moves_keys_into_the_keyring_and_keeps_the_rest() {
    let w = AwsWorld::new();
    w.write_config("[profile base]\nregion = us-east-1\nmfa_serial = {serial}\n");
    let creds = format!(
        "# personal\n[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\nregion = us-east-1\n\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = other-secret-0000000000000000000000000\n"
    );
    std::fs::write(w.credentials_path(), &creds).unwrap();
    let run = w.run(&["keys", "import", "base"]);
    run.assert_ok();
    let after = std::fs::read_to_string(w.credentials_path()).unwrap();
    assert_eq!(
        after,
        "# personal\n[base]\nregion = us-east-1\n\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = other-secret-0000000000000000000000000\n"
    );
    assert!(!run.stderr().contains(BASE_SECRET));
    // The keys work from the keyring, and no file holds the secret any more.
    let json = w.credential_process("base");
    assert_eq!(json["Version"], 1);
    let gst = w.gate.requests_for("GetSessionToken");
    assert_eq!(gst[0].access_key_id.as_deref(), Some(BASE_KEY_ID));
    assert!(w.env.files_containing(BASE_SECRET).is_empty());
    // The original file is backed up in the keyring, not on disk.
    let bus = w.env.bus();
    let backup_line = run
        .stderr()
        .lines()
        .find(|l| l.contains("backup:aws-credentials:"))
        .unwrap()
        .to_owned();
    let user = backup_line
        .split("username ")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        crate::harness::secret_tool_lookup(bus, &user).as_deref(),
        Some(creds.trim_end())
    );
    // Now setup accepts the profile: nothing in the files bypasses MFA.
    w.run(&["profile", "setup", "base"]).assert_ok();
    let out = w.aws(&["sts", "get-caller-identity", "--profile", "base"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keys_add_from_stdin_and_remove() {
    // Its own profile name: keyring items of keys are per profile, and tests share a keyring.
    let w = AwsWorld::new();
    w.write_config("[profile solo]\nregion = us-east-1\nmfa_serial = {serial}\n");
    let csv = format!("Access key ID,Secret access key\n{BASE_KEY_ID},{BASE_SECRET}\n");
    let add = w
        .env
        .command(["keys", "add", "solo"])
        .envs(w.envs())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(csv.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert!(String::from_utf8_lossy(&add.stderr).contains("AKIA…LE01"));
    assert_eq!(w.credential_process("solo")["Version"], 1);
    assert!(w.env.files_containing(BASE_SECRET).is_empty());
    w.run(&["keys", "remove", "solo", "--yes"]).assert_ok();
    let bus = w.env.bus();
    assert_eq!(crate::harness::secret_tool_lookup(bus, "keys:solo"), None);
    w.run(&["keys", "remove", "solo", "--yes"])
        .assert_one_line_error("no access keys of `solo` in the keyring");
    w.env
        .run(&["keys", "add", "solo"], Some("only-one-token"))
        .assert_one_line_error("expected the access key id and the secret access key");
}

#[test]
fn check_unwire_and_a_profile_that_uses_another_otpilot_profile() {
    let w = AwsWorld::new();
    w.standard_profiles();
    w.run(&["keys", "import", "base"]).assert_ok();
    for p in ["admin", "readonly"] {
        w.run(&["profile", "setup", p]).assert_ok();
    }
    let exe = crate::harness::otpilot_bin().display().to_string();
    let wired = std::fs::read_to_string(w.config_path()).unwrap();
    std::fs::write(
        w.config_path(),
        format!("{wired}\n[profile ci]\ncredential_process = {exe} credential-process admin\n"),
    )
    .unwrap();

    // The live check: each wired profile's identity as STS reports it.
    let rows: serde_json::Value =
        serde_json::from_str(&w.ok(&["profile", "check", "--json"])).unwrap();
    let arn = |p: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["profile"] == p)
            .unwrap_or_else(|| panic!("no row for {p}: {rows}"))["arn"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(arn("admin").contains(&format!("{ACCOUNT}:assumed-role/Admin/")));
    assert!(arn("readonly").contains(&format!("{ACCOUNT}:assumed-role/ReadOnly/")));
    assert!(arn("ci").contains(&format!("{ACCOUNT}:assumed-role/Admin/")));
    assert_eq!(w.gate.count("GetCallerIdentity"), 3);

    // ci is shown as what it is, not as a profile with long-term keys of its own.
    let list = w.ok(&["profile", "list"]);
    let ci_line = list.lines().find(|l| l.starts_with("ci ")).unwrap();
    assert!(ci_line.contains("uses Otpilot profile admin"), "{list}");
    assert!(!ci_line.contains("long-term keys of `ci`"), "{list}");
    assert!(w
        .ok(&["profile", "status", "ci"])
        .contains("uses Otpilot profile admin"));
    let doctor: serde_json::Value =
        serde_json::from_str(&w.run(&["doctor", "--json"]).stdout()).unwrap();
    let about_ci: Vec<&serde_json::Value> = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["profile"] == "ci")
        .collect();
    assert_eq!(about_ci.len(), 1, "{doctor}");
    assert_eq!(about_ci[0]["message"], "uses Otpilot profile admin");
    assert!(!doctor.to_string().contains("--profile ci"), "{doctor}");

    // Unwiring gives readonly back to the AWS CLI, with its keys' new home named.
    let run = w.run(&["profile", "unwire", "readonly"]);
    run.assert_ok();
    assert!(
        run.stderr()
            .contains("restored role_arn, source_profile, mfa_serial"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("`base` are in the OS keyring"),
        "{}",
        run.stderr()
    );
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    let readonly = config.split("[profile readonly]").nth(1).unwrap();
    let readonly = readonly.split("\n[").next().unwrap();
    assert!(!readonly.contains("credential_process"), "{config}");
    assert!(readonly.contains(&format!(
        "\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly"
    )));
    w.run(&["profile", "unwire", "readonly"]).assert_ok();
    // A failing profile fails the check with its reason, exit 1.
    let run = w.run(&["profile", "check", "ghost"]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stdout()
            .starts_with("ghost: failed: no AWS profile `ghost`"),
        "{}",
        run.stdout()
    );
}
