//! The window's first-run guide, through WebDriver: from a home with only an IAM user's keys
//! in ~/.aws/credentials and two role profiles, to the AWS CLI working for both, with no
//! terminal. Each step is checked against what a person would see and what the files hold.

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID, BASE_SECRET};
use crate::harness::keyring::Keyring;
use crate::harness::tray::{desktop, screenshot, serial, DrivenTray};
use crate::tray::docs;

const OTHER: &str = "[other]\naws_access_key_id = AKIAOTHERKEYEXAMPLE1\naws_secret_access_key = otherSecretOtherSecretOtherSecret0000001\n";

#[test]
fn the_guide_takes_a_person_from_keys_in_a_file_to_a_working_aws_cli() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::without_stored_device(env);
    let credentials = format!(
        "# my keys\n[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n\n{OTHER}"
    );
    std::fs::write(w.credentials_path(), &credentials).unwrap();
    w.write_config(&format!(
        "# work\n[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\n\n\
         [profile readonly]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = base\nmfa_serial = {{serial}}\n"
    ));
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    let tray = DrivenTray::start(&w.env, &w.aws_envs());

    // Nothing is set up, so the guide is what the window opens on.
    tray.wait_testid("guide");
    tray.wait_attr("guide-step-device", "data-state", "current");
    screenshot(&docs("guide-1-device.png"));

    // Skipping a step moves on; the skipped step can be taken up again.
    tray.click("guide-skip");
    tray.wait_attr("guide-step-device", "data-state", "skipped");
    tray.wait_attr("guide-step-keys", "data-state", "current");
    tray.click("guide-step-device");
    tray.wait_attr("guide-step-device", "data-state", "current");

    // (a) The device, from its seed.
    tray.fill("add-name", "alice");
    tray.click("add-source-secret");
    tray.fill("add-secret", &w.seed);
    tray.fill("add-serial", &w.serial);
    tray.click("add-submit");
    tray.wait_text("guide-device", "the device added", |t| t.contains("Added"));
    tray.wait_text("guide-step-note", "the step done", |t| t.contains("done"));
    assert!(w.env.ok(&["device", "list"], None).contains("alice"));
    tray.click("guide-next");
    tray.wait_attr("guide-step-device", "data-state", "done");

    // (b) The keys, out of the plain file. Refusing at the confirmation writes nothing.
    tray.wait_text("guide-keys-row-base", "keys in the file", |t| {
        t.contains("~/.aws/credentials")
    });
    screenshot(&docs("guide-2-keys.png"));
    tray.click("guide-keys-move-base");
    tray.wait_testid("guide-confirm-panel");
    tray.click("guide-cancel");
    assert_eq!(
        std::fs::read_to_string(w.credentials_path()).unwrap(),
        credentials
    );
    assert_eq!(w.env.keyring_item("keys:base"), None);
    tray.click("guide-keys-move-base");
    tray.click("guide-confirm");
    tray.wait_text("guide-keys-row-base", "keys in the keyring", |t| {
        t.contains("keyring") && !t.contains("~/.aws/credentials")
    });
    // The other profile and the comment stay; the secret is in no file any more.
    assert_eq!(
        std::fs::read_to_string(w.credentials_path()).unwrap(),
        format!("# my keys\n[base]\n\n{OTHER}")
    );
    assert!(w.env.files_containing(BASE_SECRET).is_empty());
    assert!(w.env.keyring_item("keys:base").is_some());
    // The original file is backed up, in the keyring: the guide names the item.
    let keys_text = tray.text("guide-keys");
    let at = keys_text
        .find("backup:aws-credentials:")
        .unwrap_or_else(|| panic!("no backup named in {keys_text:?}"));
    let digits: String = keys_text[at + "backup:aws-credentials:".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let backup = format!("backup:aws-credentials:{digits}");
    let backup = backup.as_str();
    assert_eq!(
        w.env.keyring_item(backup).as_deref(),
        Some(credentials.trim_end())
    );
    tray.click("guide-next");

    // (c) Wiring both roles: the lines that will change first; cancel writes nothing.
    tray.wait_testid("guide-wire-admin");
    tray.wait_testid("guide-wire-readonly");
    tray.click("guide-wire-preview");
    let diff = tray.wait_text("guide-wire-diff-admin", "the config lines", |t| {
        t.contains("credential_process")
    });
    assert!(
        diff.contains("- role_arn = arn:aws:iam::") && diff.contains("+ otpilot_role_arn = "),
        "{diff}"
    );
    tray.wait_testid("guide-wire-diff-readonly");
    screenshot(&docs("guide-3-wire.png"));
    tray.click("guide-cancel");
    assert_eq!(std::fs::read_to_string(w.config_path()).unwrap(), config);
    tray.click("guide-wire-preview");
    tray.wait_testid("guide-wire-diff-admin");
    tray.click("guide-confirm");
    for p in ["admin", "readonly"] {
        tray.wait_testid(&format!("guide-wire-result-{p}"));
    }
    let wired = std::fs::read_to_string(w.config_path()).unwrap();
    assert_eq!(wired.matches(" credential-process ").count(), 2, "{wired}");
    assert!(wired.starts_with("# work\n"), "comments kept: {wired}");
    // Backed up before the first edit, as it was.
    assert_eq!(w.config_backups().first(), Some(&config));
    tray.click("guide-next");

    // (d) The live check, through the tray, as STS sees each profile.
    for (p, role) in [("admin", "Admin"), ("readonly", "ReadOnly")] {
        tray.wait_text(&format!("guide-check-arn-{p}"), "the assumed role", |t| {
            t.contains(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/"))
        });
    }
    assert!(w.gate.count("GetCallerIdentity") >= 2);
    screenshot(&docs("guide-4-check.png"));
    tray.click("guide-next");

    // (e) Done: what now works.
    let done = tray.wait_text("guide-done", "the commands", |t| {
        t.contains("--profile admin")
    });
    assert!(done.contains("otpilot exec"), "{done}");
    screenshot(&docs("guide-5-done.png"));

    // And it does: the AWS CLI, no prompt (stdin is closed), for both profiles.
    for (p, role) in [("admin", "Admin"), ("readonly", "ReadOnly")] {
        let out = w.aws(&["sts", "get-caller-identity", "--profile", p]);
        assert!(
            out.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let who: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            who["Arn"]
                .as_str()
                .unwrap()
                .contains(&format!("assumed-role/{role}/")),
            "{who}"
        );
    }
}
