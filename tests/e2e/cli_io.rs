//! The terminal and the files a person shares with other programs: a hidden prompt that
//! gives the terminal back after Ctrl-C, output into a pipe that closes early, the AWS files
//! edited by many otpilots at once, and a failed file read said once.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::harness::pty::Pty;
use crate::harness::{random_seed, TestEnv};

/// Ctrl-C at a hidden prompt: the terminal has its echo (and line editing) back, the shell's
/// next output starts on a new line, and the command ends as an interrupted one (130).
#[test]
fn ctrl_c_at_a_hidden_prompt_gives_the_terminal_back() {
    for (args, prompt) in [
        ("device add typed", "(hidden): "),
        ("vault init", "New vault passphrase: "),
    ] {
        let env = TestEnv::new();
        // The trap keeps the script going after the Ctrl-C, to look at the terminal.
        let mut pty = Pty::spawn_script(
            &env,
            &format!(r#"trap : INT; "$OTPILOT" {args}; echo "status=$?"; stty -a"#),
        );
        pty.expect(prompt);
        pty.type_raw("\x03");
        let (_, screen) = pty.finish();
        assert!(
            screen.contains(&format!("{prompt}\r\nstatus=130\r\n")),
            "`{args}`: expected the prompt, a new line and status 130:\n{screen}"
        );
        let settings: Vec<&str> = screen
            .split("status=130")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .map(|w| w.trim_end_matches(';'))
            .collect();
        for mode in ["echo", "icanon", "isig"] {
            assert!(
                settings.contains(&mode),
                "`{args}` left the terminal with -{mode}:\n{screen}"
            );
        }
    }
}

/// A signal from elsewhere (`kill`, `timeout`) during a hidden prompt ends otpilot as it
/// would (143 for SIGTERM), with the terminal's echo put back first.
#[test]
fn a_kill_during_a_hidden_prompt_gives_the_terminal_back() {
    let env = TestEnv::new();
    let pty = Pty::spawn_script(
        &env,
        r#""$OTPILOT" device add typed </dev/tty & echo "pid=$!"; wait $!; echo "status=$?"; stty -a"#,
    );
    pty.expect("(hidden): ");
    let screen = pty.output();
    let pid: i32 = screen
        .split("pid=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pid on the terminal:\n{screen}"));
    // SAFETY: a plain kill(2) of the otpilot this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let (_, screen) = pty.finish();
    let after = screen
        .split("status=143")
        .nth(1)
        .unwrap_or_else(|| panic!("expected status 143:\n{screen}"));
    let settings: Vec<&str> = after
        .split_whitespace()
        .map(|w| w.trim_end_matches(';'))
        .collect();
    assert!(
        settings.contains(&"echo"),
        "the terminal was left with -echo:\n{screen}"
    );
}

/// The terminal's editing keys still work on a hidden prompt (otpilot reads it key by key).
#[test]
fn a_hidden_prompt_takes_erase_and_kill_keys() {
    let env = TestEnv::new();
    let seed = random_seed(20);
    let mut pty = Pty::spawn(&env, &["device", "add", "typed"]);
    pty.expect("(hidden): ");
    // A wrong line killed with ^U, then a typo erased with DEL.
    pty.type_raw("WRONGSEED\x15");
    pty.type_line(&format!("{seed}X\x7f"));
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(&seed), "the seed was echoed:\n{screen}");
    assert_eq!(
        env.secret_tool_lookup("typed").as_deref(),
        Some(seed.as_str())
    );
}

/// `otpilot completions bash | head -1`, `otpilot log | head -1`: when the reader has gone,
/// otpilot ends as any filter does, by SIGPIPE (141 in the shell), with nothing on stderr.
#[test]
fn a_closed_stdout_ends_otpilot_quietly() {
    let env = TestEnv::new();
    env.add_device("work", &random_seed(20), &[]);
    env.ok(&["code", "work"], None);
    assert!(!env.ok(&["log"], None).is_empty(), "the log has entries");
    for args in [&["completions", "bash"][..], &["log"], &["device", "list"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader is gone before otpilot writes a byte.
        drop(reader);
        let out = env
            .command(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?} ended with {:?}; stderr: {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{args:?} printed: {stderr}");
    }
}

/// A file that cannot be read: one line, the cause said once.
#[test]
fn a_missing_file_is_one_line_with_its_cause_once() {
    let env = TestEnv::new();
    for args in [
        &["device", "add", "x", "--aws-seed-file", "/nonexistent"][..],
        &["device", "import", "/nonexistent"],
    ] {
        let run = env.run(args, None);
        assert_ne!(run.code(), 0);
        assert_eq!(
            run.stderr(),
            "otpilot: cannot read /nonexistent: No such file or directory (os error 2)\n",
            "{args:?}"
        );
    }
}

const PROFILES: usize = 12;

/// An AWS config with a source profile `base` (its keys in the credentials file) and
/// `PROFILES` roles on it, written at `real`, with ~/.aws/config a link to it when it is
/// elsewhere.
fn roles_config(env: &TestEnv, real: &Path) -> PathBuf {
    let aws = env.root.path().join("home/.aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    let mut text =
        "[profile base]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
            .to_owned();
    for i in 0..PROFILES {
        text.push_str(&format!(
            "\n[profile r{i}]\nrole_arn = arn:aws:iam::123456789012:role/R{i}\nsource_profile = base\n"
        ));
    }
    std::fs::write(real, text).unwrap();
    let config = aws.join("config");
    if real != config {
        std::os::unix::fs::symlink(real, &config).unwrap();
    }
    std::fs::write(
        aws.join("credentials"),
        "[base]\naws_access_key_id = AKIABASEKEYEXAMPLE01\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    config
}

/// Runs `otpilot ARGS NAME` for every name at once; asserts each succeeded.
fn all_at_once(env: &TestEnv, args: &[&str], names: &[String]) {
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            let mut all = args.to_vec();
            all.push(name);
            env.command(&all)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (child, name) in children.into_iter().zip(names) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Many `otpilot profile setup` at once (on a plain config, and on one that is a link into a
/// dotfiles directory): every profile ends up wired, none lost to another's write.
#[test]
fn concurrent_profile_setups_all_land() {
    let names: Vec<String> = (0..PROFILES).map(|i| format!("r{i}")).collect();
    for linked in [false, true] {
        let env = TestEnv::new();
        let real = if linked {
            env.root.path().join("home/dotfiles/aws-config")
        } else {
            env.root.path().join("home/.aws/config")
        };
        let config = roles_config(&env, &real);
        all_at_once(&env, &["profile", "setup"], &names);
        let text = std::fs::read_to_string(&real).unwrap();
        for name in &names {
            assert!(
                text.contains(&format!("credential-process {name}\n")),
                "{name} is not wired (linked: {linked}):\n{text}"
            );
        }
        if linked {
            assert!(std::fs::symlink_metadata(&config)
                .unwrap()
                .file_type()
                .is_symlink());
        }
    }
}

/// Many `otpilot keys import` at once from one credentials file: every profile's keys leave
/// the file (none put back by another's write) and are in the keyring.
#[test]
fn concurrent_keys_imports_all_land() {
    let env = TestEnv::new();
    let aws = env.root.path().join("home/.aws");
    std::fs::create_dir_all(&aws).unwrap();
    let names: Vec<String> = (0..PROFILES).map(|i| format!("k{i}")).collect();
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "[{name}]\naws_access_key_id = AKIAKEYEXAMPLE0000{i:02}\naws_secret_access_key = secret{i:02}secretsecretsecretsecretsecret00\nregion = us-east-1\n\n"
        ));
    }
    std::fs::write(aws.join("credentials"), &text).unwrap();
    all_at_once(&env, &["keys", "import"], &names);
    let left = std::fs::read_to_string(aws.join("credentials")).unwrap();
    assert!(
        !left.contains("aws_secret_access_key") && !left.contains("aws_access_key_id"),
        "keys left in the file:\n{left}"
    );
    for name in &names {
        assert!(
            left.contains(&format!("[{name}]\nregion = us-east-1")),
            "{left}"
        );
    }
}
