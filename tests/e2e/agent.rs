//! The tray's local agent: `otpilot credential-process` answered by the running tray, the
//! same without it, single flight through it, refusal of untrustworthy sockets, and MFA
//! codes or approvals typed into tray dialogs for callers with no terminal.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use crate::harness::aws::AwsWorld;
use crate::harness::keyring::Keyring;
use crate::harness::tray::{desktop, serial, Dialog, TrayProcess};
use crate::harness::{run_detached, Run};

fn socket(w: &AwsWorld) -> std::path::PathBuf {
    w.env.root.path().join("run/otpilot/agent.sock")
}

/// Starts the CLI with no keyring it could reach, so only the agent can answer it.
fn spawn_via_agent(w: &AwsWorld, profile: &str) -> std::process::Child {
    w.otpilot(&["credential-process", profile])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The CLI with no keyring it could reach: only the agent can answer it.
fn via_agent_only(w: &AwsWorld, profile: &str) -> Run {
    Run(w
        .otpilot(&["credential-process", profile])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::null())
        .output()
        .unwrap())
}

#[test]
fn the_tray_answers_credential_process_and_the_cli_works_without_it() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    w.standard_profiles();
    let tray = TrayProcess::start(&w.env, &w.aws_envs());
    tray.wait_for_log("agent listening");
    let mode = std::fs::metadata(socket(&w)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Without a keyring of its own, the CLI still gets credentials: from the tray.
    let run = via_agent_only(&w, "admin");
    run.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json["Version"], 1);
    assert_eq!(w.gate.count("AssumeRole"), 1);

    // 32 parallel callers through the agent: still one STS call per step in all.
    let children: Vec<_> = (0..32).map(|_| spawn_via_agent(&w, "readonly")).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        w.gate.count("GetSessionToken"),
        1,
        "the MFA session is shared"
    );
    assert_eq!(
        w.gate.count("AssumeRole"),
        2,
        "one for admin, one for readonly"
    );

    // A socket others could write to is refused: the CLI says so and works directly.
    std::fs::set_permissions(socket(&w), std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = w.run(&["credential-process", "admin"]);
    run.assert_ok();
    assert!(
        run.stderr().contains("ignoring agent socket"),
        "{}",
        run.stderr()
    );
    std::fs::set_permissions(socket(&w), std::fs::Permissions::from_mode(0o600)).unwrap();
    // A socket that belongs to another user is refused too (the tests run as root, so they
    // can hand it to `nobody`; as a normal user this cannot be arranged, nor faked).
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(socket(&w), Some(65534), None).unwrap();
        let run = w.run(&["credential-process", "admin"]);
        run.assert_ok();
        assert!(
            run.stderr().contains("it belongs to uid 65534"),
            "{}",
            run.stderr()
        );
        std::os::unix::fs::chown(socket(&w), Some(0), None).unwrap();
    }

    // Quit through the tray menu is covered elsewhere; here the tray just stops, and the
    // CLI works on its own with the same cache.
    drop(tray);
    let run = w.run(&["credential-process", "admin"]);
    run.assert_ok();
    assert_eq!(
        w.gate.count("AssumeRole"),
        2,
        "the CLI reuses the tray's cached credentials"
    );
}

#[test]
fn a_caller_without_a_terminal_gets_a_code_typed_into_the_tray() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    // The device's seed is not stored: the code must come from the person.
    w.env.ok(&["device", "remove", "alice", "--yes"], None);
    w.standard_profiles();
    let _tray = TrayProcess::start(&w.env, &w.aws_envs());
    let caller = spawn_via_agent(&w, "admin");
    let dialog = Dialog::wait("MFA code for admin", Duration::from_secs(30))
        .expect("a code dialog from the tray");
    assert_eq!(dialog.title, "Otpilot: MFA code for admin");
    let code = w.gate.code_for_step(&w.serial, w.gate.current_step());
    dialog.type_text(&code);
    dialog.press("Return");
    dialog.wait_gone();
    let out = caller.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gst = w.gate.requests_for("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].param("TokenCode"), Some(code.as_str()));
}

#[test]
fn a_device_that_asks_first_needs_an_allow_in_the_tray() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    w.standard_profiles();
    std::fs::write(
        w.env.root.path().join("config/otpilot/devices.toml"),
        std::fs::read_to_string(w.env.root.path().join("config/otpilot/devices.toml"))
            .unwrap()
            .replace("period = 30\n", "period = 30\nask_before_use = true\n"),
    )
    .unwrap();
    let mut extra = w.aws_envs();
    extra.push(("OTPILOT_LOG".into(), "debug".into()));
    let tray = TrayProcess::start(&w.env, &extra);
    // Denied: the caller fails with a message that says why.
    let denied = spawn_via_agent(&w, "admin");
    let Some(dialog) = Dialog::wait("allow admin to use alice", Duration::from_secs(30)) else {
        let out = denied.wait_with_output().unwrap();
        panic!(
            "no approval dialog; the caller ({}) said: {}\ntray log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            tray.log_text()
        );
    };
    // Enter alone does not allow: Deny is the default.
    dialog.press("Return");
    dialog.wait_gone();
    let out = denied.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not allowed"));
    assert_eq!(w.gate.requests().len(), 0);
    // Allowed: credentials.
    let allowed = spawn_via_agent(&w, "admin");
    let dialog = Dialog::wait("allow admin to use alice", Duration::from_secs(30))
        .expect("a second approval dialog");
    dialog.press("alt+a");
    dialog.wait_gone();
    let out = allowed.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.gate.count("GetSessionToken"), 1);
}

/// With the tray on the agent socket the vault's agent cannot listen: `unlock` and
/// `vault migrate` say to quit the tray first, rather than to run `otpilot unlock` (which
/// would land on the tray again).
#[test]
fn the_vault_beside_the_running_tray_says_to_quit_the_tray() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    let tray = TrayProcess::start(&w.env, &w.aws_envs());
    tray.wait_for_log("agent listening");
    let passphrase = Some("correct horse battery staple\n");
    run_detached(
        w.otpilot(&["vault", "init", "--passphrase-stdin"]),
        passphrase,
    )
    .assert_ok();
    let advice = "the agent on the socket is the tray's, which holds no vault (vault_status); quit the tray from its menu, then run `otpilot unlock` to start the vault's agent";
    run_detached(w.otpilot(&["unlock", "--passphrase-stdin"]), passphrase)
        .assert_one_line_error(advice);
    run_detached(w.otpilot(&["vault", "migrate", "--to", "vault"]), None)
        .assert_one_line_error(advice);
}
