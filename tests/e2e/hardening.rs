//! What a security review asked for, as a user would meet it: symlinked AWS files stay links,
//! a process holding a seed dumps no core.

use std::os::unix::fs::symlink;
use std::process::Stdio;
use std::time::Duration;

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID, BASE_SECRET};

fn is_link(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_symlink()
}

#[test]
fn symlinked_aws_files_are_edited_where_they_point_and_stay_links() {
    let w = AwsWorld::new();
    // Dotfiles: both AWS files are links into a repository.
    let dotfiles = w.env.root.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let (config, credentials) = (
        dotfiles.join("aws-config"),
        dotfiles.join("aws-credentials"),
    );
    std::fs::write(
        &config,
        format!(
            "[profile base]\nregion = us-east-1\nmfa_serial = {}\n\n[profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {}\n",
            w.serial, w.serial
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        format!(
            "[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"
        ),
    )
    .unwrap();
    symlink(&config, w.config_path()).unwrap();
    symlink(&credentials, w.credentials_path()).unwrap();

    w.run(&["keys", "import", "base"]).assert_ok();
    assert!(
        is_link(&w.credentials_path()),
        "the credentials link is kept"
    );
    assert!(
        !std::fs::read_to_string(&credentials)
            .unwrap()
            .contains(BASE_SECRET),
        "the secret is gone from the file the link points at"
    );
    assert!(w.env.files_containing(BASE_SECRET).is_empty());

    w.run(&["profile", "setup", "admin"]).assert_ok();
    assert!(is_link(&w.config_path()), "the config link is kept");
    let edited = std::fs::read_to_string(&config).unwrap();
    assert!(edited.contains("credential_process = "), "{edited}");
    // The backup sits beside the real file, named after it.
    assert!(std::fs::read_dir(&dotfiles).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("aws-config.otpilot-backup-")));
    // And the AWS CLI reads the wired profile through the link.
    let out = w.aws(&["sts", "get-caller-identity", "--profile", "admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_process_reading_a_seed_dumps_no_core() {
    let w = AwsWorld::new();
    // `device add` waits for the seed on stdin: the moment it holds a secret.
    let mut child = w
        .otpilot(&["device", "add", "waiting"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .to_owned();
    drop(child.stdin.take());
    let _ = child.wait();
    assert_eq!(
        core.split_whitespace().nth(4),
        Some("0"),
        "soft core limit: {core}"
    );
}
