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
    let backups: Vec<_> = std::fs::read_dir(w.config_path().parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("config.otpilot-backup-")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        std::fs::read_to_string(backups[0].path()).unwrap(),
        original
    );
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
    let bus = crate::harness::KeyringSession::shared().address();
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
    let bus = crate::harness::KeyringSession::shared().address();
    assert_eq!(crate::harness::secret_tool_lookup(bus, "keys:solo"), None);
    w.run(&["keys", "remove", "solo", "--yes"])
        .assert_one_line_error("no access keys of `solo` in the keyring");
    w.env
        .run(&["keys", "add", "solo"], Some("only-one-token"))
        .assert_one_line_error("expected the access key id and the secret access key");
}
