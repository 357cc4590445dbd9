//! Managing devices: list, rename, serial, remove, QR backup, completions, help.

use crate::harness::pty::Pty;
use crate::harness::{random_seed, TestEnv};

#[test]
fn list_never_shows_seeds_and_json_is_stable() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    env.add_device(
        "work",
        &seed,
        &["--serial", "arn:aws:iam::123456789012:mfa/alice"],
    );
    let table = env.ok(&["device", "list"], None);
    assert!(table.contains("work"), "{table}");
    assert!(
        table.contains("arn:aws:iam::123456789012:mfa/alice"),
        "{table}"
    );
    let json = env.ok(&["device", "list", "--json"], None);
    for out in [&table, &json] {
        assert!(!out.contains(&seed), "seed printed by device list");
    }
    let rows = env.devices();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "work");
    assert_eq!(rows[0]["algorithm"], "SHA1");
    assert_eq!(rows[0]["digits"], 6);
    assert_eq!(rows[0]["period"], 30);
}

#[test]
fn empty_list_says_how_to_start() {
    let env = TestEnv::new();
    let run = env.run(&["device", "list"], None);
    run.assert_ok();
    assert!(run.stdout().is_empty());
    assert!(run.stderr().contains("otpilot device add"));
    assert_eq!(env.ok(&["device", "list", "--json"], None).trim(), "[]");
}

#[test]
fn rename_keeps_the_seed_and_remove_deletes_it() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    env.add_device("old", &seed, &[]);
    let before = env.ok(&["code", "old", "--at", "100"], None);
    env.ok(&["device", "rename", "old", "new"], None);
    assert_eq!(env.ok(&["code", "new", "--at", "100"], None), before);
    assert_eq!(
        env.secret_tool_lookup("new").as_deref(),
        Some(seed.as_str())
    );

    let id = env.devices()[0]["id"].as_str().unwrap().to_owned();
    env.ok(&["device", "remove", "new", "--yes"], None);
    assert!(env.devices().is_empty());
    let bus = env.bus();
    assert_eq!(
        crate::harness::secret_tool_lookup(bus, &format!("totp:{id}")),
        None,
        "the keyring item must go with the device"
    );
}

#[test]
fn duplicate_names_need_force() {
    let env = TestEnv::new();
    let first = random_seed(20);
    let second = random_seed(20);
    env.add_device("dup", &first, &[]);
    let before = std::fs::read(env.config_dir().join("devices.toml")).unwrap();
    env.run(&["device", "add", "dup"], Some(&second))
        .assert_one_line_error("already exists; choose another name, or pass --force");
    assert_eq!(
        std::fs::read(env.config_dir().join("devices.toml")).unwrap(),
        before
    );
    assert_eq!(
        env.secret_tool_lookup("dup").as_deref(),
        Some(first.as_str())
    );
    env.add_device("dup", &second, &["--force"]);
    assert_eq!(
        env.secret_tool_lookup("dup").as_deref(),
        Some(second.as_str())
    );
    assert_eq!(env.devices().len(), 1);
}

#[test]
fn serial_can_be_set_and_cleared() {
    let env = TestEnv::new();
    env.add_device("d", &random_seed(20), &[]);
    let serial = "arn:aws-us-gov:iam::123456789012:mfa/bob";
    env.ok(&["device", "serial", "d", serial], None);
    assert_eq!(env.devices()[0]["serial"], serial);
    env.ok(&["code", serial], None);
    env.ok(&["device", "serial", "d", "--clear"], None);
    assert!(env.devices()[0]["serial"].is_null());
}

#[test]
fn qr_png_backup_round_trips_into_a_new_device() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    env.add_device(
        "src",
        &format!("otpauth://totp/Amazon%20Web%20Services:dave?secret={seed}"),
        &[],
    );
    let png = env.root.path().join("backup.png");
    let run = env.run(
        &[
            "device",
            "qr",
            "src",
            "--png",
            png.to_str().unwrap(),
            "--yes",
        ],
        None,
    );
    run.assert_ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&png).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Scanning the backup gives the same device: the "phone" here is otpilot itself.
    env.ok(
        &["device", "add", "copy", "--qr", png.to_str().unwrap()],
        None,
    );
    assert_eq!(
        env.ok(&["code", "copy", "--at", "1000"], None),
        env.ok(&["code", "src", "--at", "1000"], None)
    );
    assert_eq!(env.devices()[1]["issuer"], "Amazon Web Services");
    // An existing file is never overwritten.
    env.run(
        &[
            "device",
            "qr",
            "src",
            "--png",
            png.to_str().unwrap(),
            "--yes",
        ],
        None,
    )
    .assert_one_line_error("already exists");
}

#[test]
fn qr_needs_confirmation() {
    let env = TestEnv::new();
    env.add_device("d", &random_seed(20), &[]);
    // No terminal and no --yes: refused.
    env.run(&["device", "qr", "d"], None)
        .assert_one_line_error("pass --yes");
    // On a terminal, "n" cancels and nothing is drawn.
    let mut pty = Pty::spawn(&env, &["device", "qr", "d"]);
    pty.expect("[y/N]");
    pty.type_line("n");
    let (code, screen) = pty.finish();
    assert_ne!(code, 0);
    assert!(screen.contains("cancelled"), "{screen}");
    assert!(!screen.contains('█'), "{screen}");
    // "y" draws it.
    let mut pty = Pty::spawn(&env, &["device", "qr", "d"]);
    pty.expect("[y/N]");
    pty.type_line("y");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains('█') || screen.contains('▀'), "{screen}");
}

#[test]
fn help_has_examples_and_completions_generate() {
    let env = TestEnv::new();
    for cmd in [
        vec!["--help"],
        vec!["device", "add", "--help"],
        vec!["device", "list", "--help"],
        vec!["device", "remove", "--help"],
        vec!["device", "rename", "--help"],
        vec!["device", "qr", "--help"],
        vec!["code", "--help"],
        vec!["completions", "--help"],
    ] {
        let out = env.ok(&cmd, None);
        assert!(out.contains("Example"), "{cmd:?} has no example:\n{out}");
    }
    for (shell, marker) in [
        // The scripts ask otpilot for candidates at each TAB (cli_edges drives them).
        ("bash", "-F _clap_complete_otpilot otpilot"),
        ("zsh", "#compdef otpilot"),
        ("fish", "--exclusive --command otpilot"),
    ] {
        let out = env.ok(&["completions", shell], None);
        assert!(out.contains(marker), "{shell}: {out}");
    }
}
