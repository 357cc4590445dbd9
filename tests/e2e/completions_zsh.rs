//! zsh's completion of this machine's names, registered exactly as the docs say (docs/devices.md: its
//! `source <(otpilot completions zsh)` line appended to `~/.zshrc`), in a real interactive
//! zsh on a terminal, in a fresh home and after compinit: what a TAB lists, and what it
//! completes to.

use std::time::{Duration, Instant};

use crate::cli_edges::dir_with_otpilot;
use crate::harness::aws::{ACCOUNT, BASE_KEY_ID, BASE_SECRET};
use crate::harness::pty::Pty;
use crate::harness::{random_seed, TestEnv};

const PROMPT: &str = "zsh> ";

/// Waits until the terminal shows `text` after the first `from` bytes of its output; returns
/// everything shown after them.
fn shown_after(pty: &Pty, from: usize, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let screen = pty.output();
        let new = screen.get(from..).unwrap_or_default();
        if new.contains(text) {
            return new.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {text:?}; the terminal shows:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Types `line` (ending in a TAB) and returns the list zsh shows under it, up to the prompt
/// it draws again.
fn listed(pty: &mut Pty, line: &str) -> String {
    let from = pty.output().len();
    pty.type_raw(line);
    let shown = shown_after(pty, from, &format!("\n{PROMPT}"));
    let end = shown.find(&format!("\n{PROMPT}")).unwrap();
    // The first line is the command line as typed; the list follows it.
    let start = shown.find('\n').unwrap();
    let list = shown[start..end].to_owned();
    pty.type_raw("\x15"); // Ctrl-U: an empty command line for the next one
    list
}

/// The names in a zsh completion list: a `NAME -- description` line's name, or every word of
/// a line of bare names; options (`--json`) left out.
fn names(list: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .split(['\r', '\n'])
        .flat_map(|line| match line.split_once(" -- ") {
            Some((name, _)) => vec![name.trim()],
            None => line.split_whitespace().collect(),
        })
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

/// Types `line` (ending in a TAB) and waits until the command line reads `completed`.
fn completes_to(pty: &mut Pty, line: &str, completed: &str) {
    let from = pty.output().len();
    pty.type_raw(line);
    shown_after(pty, from, completed);
    pty.type_raw("\x15");
}

#[test]
fn zsh_completion_from_the_readme_line_offers_device_and_profile_names() {
    let mut env = TestEnv::new();
    let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/alice");
    env.add_device("work", &random_seed(20), &["--serial", &serial]);
    env.add_device("home", &random_seed(20), &[]);
    let home = env.root.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        format!("[profile base]\nregion = us-east-1\n[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\n"),
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        format!("[ci]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"),
    )
    .unwrap();
    let installed = dir_with_otpilot(env.root.path());
    env.set_env("PATH", &format!("{}:/usr/bin:/bin", installed.display()));
    // A TAB never opens the keyring: there is no bus to reach it by.
    env.set_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");

    // The README sends the reader to docs/devices.md for shell completion.
    let docs = include_str!("../../docs/devices.md");
    let line = docs
        .lines()
        .find(|l| l.contains("otpilot completions zsh") && l.contains(".zshrc"))
        .expect("the zsh line of docs/devices.md");
    // `--help` gives the same line.
    let help = env.ok(&["completions", "--help"], None);
    assert!(
        help.contains(line.split(" #").next().unwrap().trim()),
        "{help}"
    );

    // A fresh home (no ~/.zshrc: Debian's /etc/zsh/zshrc loads no completion system), and a
    // ~/.zshrc that loads it with compinit, as most have. The prompt is set in ~/.zshenv.
    for zshrc in [None, Some("autoload -Uz compinit && compinit\n")] {
        for old in [".zshrc", ".zcompdump"] {
            let _ = std::fs::remove_file(home.join(old));
        }
        std::fs::write(home.join(".zshenv"), format!("PS1='{PROMPT}'\n")).unwrap();
        if let Some(text) = zshrc {
            std::fs::write(home.join(".zshrc"), text).unwrap();
        }
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .env_clear()
            .envs(env.envs())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");

        let mut pty = Pty::spawn_script(&env, "exec zsh -i");
        pty.expect(PROMPT);

        let devices = listed(&mut pty, "otpilot code \t");
        assert_eq!(names(&devices), ["home", "work"], "{zshrc:?}: {devices}");
        assert!(
            devices
                .lines()
                .any(|l| l.starts_with("work ") && l.contains(&format!("-- {serial}"))),
            "the serial is not shown beside `work`:\n{devices}"
        );
        completes_to(&mut pty, "otpilot code w\t", "otpilot code work ");

        let profiles = listed(&mut pty, "otpilot exec \t");
        assert_eq!(
            names(&profiles),
            ["admin", "base", "ci"],
            "{zshrc:?}: {profiles}"
        );
        completes_to(&mut pty, "otpilot exec ad\t", "otpilot exec admin ");

        pty.type_line("exit");
        let (code, screen) = pty.finish();
        assert_eq!(code, 0, "{screen}");
        assert!(
            !screen.contains("command not found"),
            "{zshrc:?}:\n{screen}"
        );
    }
}
