//! `otpilot.exe`, built for Windows, run under Wine against moto behind the MFA gate on
//! loopback (Wine reaches it): Credential Manager, the Windows directories, the same
//! answers and errors as on Linux, and the Linux AWS CLI running it through Wine.
//!
//! Ignored in the ordinary run: tests/windows.sh builds the exe and runs this group with
//! `--ignored windows_wine::`, with `OTPILOT_WINDOWS_EXE` naming it and `WINEPREFIX` the
//! prefix it made (with the Wine-only ProcessPrng shim). Without them each test FAILS: it
//! never passes without running the Windows build.
//!
//! Wine sets `%APPDATA%`, `%LOCALAPPDATA%` and `%USERPROFILE%` from the prefix, whatever the
//! Linux environment says, so the tests share the prefix's profile: they run one at a time
//! (a lock), each from an empty Otpilot state (its directories removed first), each with
//! its own device serial (so its Credential Manager items are its own).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_SECRET};
use crate::harness::moto::venv;
use crate::harness::{files_containing, run_piped, run_tool, Run, TestEnv};

/// The exe and the prefix, or a failure that says how to run these tests.
fn exe_and_prefix() -> (PathBuf, PathBuf) {
    let exe = std::env::var_os("OTPILOT_WINDOWS_EXE").map(PathBuf::from).unwrap_or_else(|| {
        panic!("OTPILOT_WINDOWS_EXE is not set: run these tests through `bash tests/windows.sh`, which builds otpilot.exe")
    });
    assert!(exe.is_file(), "no otpilot.exe at {}", exe.display());
    let prefix = std::env::var_os("WINEPREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!("WINEPREFIX is not set: run these tests through `bash tests/windows.sh`")
        });
    assert!(
        prefix
            .join("drive_c/windows/system32/bcryptprimitives.dll")
            .is_file(),
        "{} is not a prefix tests/windows.sh made",
        prefix.display()
    );
    (exe, prefix)
}

/// A Linux path as Wine's programs see it (drive Z: is `/`).
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display().to_string().replace('/', "\\"))
}

/// One test's world: an [`AwsWorld`] (gate, moto, AWS files, a device the gate knows) with
/// otpilot.exe under Wine instead of the Linux binary.
struct WineWorld {
    aws: AwsWorld,
    exe: PathBuf,
    prefix: PathBuf,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl WineWorld {
    fn new() -> Self {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (exe, prefix) = exe_and_prefix();
        // An empty Otpilot state in the prefix's profile.
        for user in std::fs::read_dir(prefix.join("drive_c/users"))
            .unwrap()
            .flatten()
        {
            for dir in [
                "AppData/Roaming/otpilot",
                "AppData/Local/otpilot",
                "AppData/Local/cache/otpilot",
            ] {
                let _ = std::fs::remove_dir_all(user.path().join(dir));
            }
        }
        let aws = AwsWorld::without_stored_device(TestEnv::with_bus(""));
        Self {
            aws,
            exe,
            prefix,
            _one_at_a_time: guard,
        }
    }

    /// The environment of otpilot.exe (and of the AWS CLI that runs it): nothing of the
    /// Linux desktop, the prefix, the AWS files as Windows paths, STS through the gate.
    fn envs(&self) -> Vec<(String, String)> {
        let keep = |name: &str| std::env::var(name).ok().map(|v| (name.to_owned(), v));
        let mut envs: Vec<(String, String)> = ["PATH", "HOME", "USER", "LANG"]
            .into_iter()
            .filter_map(keep)
            .collect();
        envs.extend([
            ("WINEPREFIX".into(), self.prefix.display().to_string()),
            ("WINEDEBUG".into(), "-all".into()),
            ("WINEDLLOVERRIDES".into(), "mscoree,mshtml=".into()),
            (
                "AWS_CONFIG_FILE".into(),
                windows_path(&self.aws.config_path()),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                windows_path(&self.aws.credentials_path()),
            ),
            ("AWS_ENDPOINT_URL".into(), self.aws.gate.endpoint()),
            ("AWS_DEFAULT_REGION".into(), "us-east-1".into()),
        ]);
        envs
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("wine");
        cmd.arg(&self.exe).args(args).env_clear().envs(self.envs());
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        run_piped(self.command(args), stdin)
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let run = self.run(args, stdin);
        run.assert_ok();
        run.stdout()
    }

    fn add_device(&self) {
        self.ok(
            &["device", "add", "alice", "--serial", &self.aws.serial],
            Some(&self.aws.seed),
        );
    }

    fn credential_process(&self, profile: &str) -> serde_json::Value {
        let out = self.ok(&["credential-process", profile], None);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    /// Fails if any file in the prefix or the test's own directories holds `secret`.
    fn assert_nowhere_in_files(&self, secret: &str) {
        let mut found = files_containing(&self.prefix, secret.as_bytes());
        found.extend(
            files_containing(self.aws.env.root.path(), secret.as_bytes())
                .into_iter()
                .filter(|p| !(secret == BASE_SECRET && *p == self.aws.credentials_path())),
        );
        assert!(found.is_empty(), "a secret is in plain files: {found:?}");
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn oathtool(seed: &str, at: u64) -> String {
    run_tool(Command::new("oathtool").args(["--totp", "-b", "-N", &format!("@{at}"), seed]))
}

#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn device_add_from_stdin_then_code_equals_oathtool() {
    let w = WineWorld::new();
    w.add_device();
    let before = now();
    let code = w.ok(&["code", "alice"], None);
    let after = now();
    let code = code.trim();
    // The step may turn while Wine starts: either side of it is oathtool's answer then.
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|t| oathtool(&w.aws.seed, *t))
        .collect();
    assert!(
        expected.iter().any(|e| e == code),
        "otpilot.exe said {code}, oathtool {expected:?}"
    );
    // The device list is the Linux one's, JSON and all.
    let list: serde_json::Value =
        serde_json::from_str(&w.ok(&["device", "list", "--json"], None)).unwrap();
    assert_eq!(list[0]["name"], "alice");
    assert_eq!(list[0]["serial"], w.aws.serial.as_str());
    // The seed is in Credential Manager, not in any file of Otpilot's or the prefix's.
    w.assert_nowhere_in_files(&w.aws.seed);
}

#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn credential_process_cold_then_warm_with_one_mfa_session() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let cold = w.credential_process("admin");
    assert_eq!(cold["Version"], 1);
    assert!(cold["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let gst = w.aws.gate.requests_for("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert!(gst[0].forwarded(), "the gate accepted otpilot.exe's code");
    assert_eq!(gst[0].param("SerialNumber"), Some(w.aws.serial.as_str()));
    assert_eq!(
        w.aws.gate.requests_for("AssumeRole")[0].param("RoleArn"),
        Some(&*format!("arn:aws:iam::{ACCOUNT}:role/Admin"))
    );
    // Warm: from Credential Manager, no STS call.
    let warm = w.credential_process("admin");
    assert_eq!(warm["AccessKeyId"], cold["AccessKeyId"]);
    assert_eq!(warm["SessionToken"], cold["SessionToken"]);
    assert_eq!(
        w.aws.gate.count("GetSessionToken") + w.aws.gate.count("AssumeRole"),
        2
    );
    // Nothing secret in a plain file: not the issued keys, not the seed.
    for secret in [
        cold["SecretAccessKey"].as_str().unwrap(),
        cold["SessionToken"].as_str().unwrap(),
        &w.aws.seed,
    ] {
        w.assert_nowhere_in_files(secret);
    }
}

#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn sixteen_parallel_callers_make_one_get_session_token() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let children: Vec<_> = (0..16)
        .map(|_| {
            w.command(&["credential-process", "admin"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let keys: Vec<String> = children
        .into_iter()
        .map(|child| {
            let run = Run(child.wait_with_output().unwrap());
            run.assert_ok();
            let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
            json["AccessKeyId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        w.aws.gate.count("GetSessionToken"),
        1,
        "one MFA session for all"
    );
    assert_eq!(
        w.aws.gate.count("AssumeRole"),
        1,
        "one role session for all"
    );
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn export_for_powershell_and_for_cmd_which_cmd_reads_back() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let json = w.credential_process("admin");
    let field = |k: &str| json[k].as_str().unwrap().to_owned();
    let ps = w.ok(&["export", "admin", "--format", "powershell"], None);
    assert!(
        ps.lines()
            .any(|l| l == format!("$Env:AWS_SESSION_TOKEN='{}'", field("SessionToken"))),
        "{ps}"
    );
    assert!(
        ps.lines().any(|l| l == "$Env:AWS_REGION='us-east-1'"),
        "{ps}"
    );
    // The cmd lines, run by Wine's cmd.exe, set what credential-process answered.
    let cmd = w.ok(&["export", "admin", "--format", "windows-cmd"], None);
    let script = w.aws.env.root.path().join("creds.cmd");
    std::fs::write(
        &script,
        format!("@echo off\r\n{}echo %AWS_ACCESS_KEY_ID% %AWS_SECRET_ACCESS_KEY% %AWS_SESSION_TOKEN%\r\n",
            cmd.replace('\n', "\r\n")),
    )
    .unwrap();
    let mut run = Command::new("wine");
    run.args(["cmd", "/c", &windows_path(&script)])
        .env_clear()
        .envs(w.envs());
    let echoed = run_tool(&mut run);
    assert_eq!(
        echoed.trim(),
        format!(
            "{} {} {}",
            field("AccessKeyId"),
            field("SecretAccessKey"),
            field("SessionToken")
        )
    );
    let _ = std::fs::remove_file(script);
}

/// The same mistakes as on Linux get the same one line and the same exit code.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn bad_input_gets_the_linux_errors_and_exit_codes() {
    let w = WineWorld::new();
    w.aws.standard_profiles();
    let linux = AwsWorld::without_stored_device(TestEnv::with_bus(""));
    linux.standard_profiles();
    let cases: [(&[&str], Option<&str>); 3] = [
        (&["credential-process", "nosuch"], None),
        (&["code", "nosuch"], None),
        (
            &[
                "device",
                "add",
                "bad",
                "--serial",
                "arn:aws:iam::123456789012:mfa/bad",
            ],
            Some("not base32 !!\n"),
        ),
    ];
    for (args, stdin) in cases {
        let windows = w.run(args, stdin);
        let on_linux = run_piped(
            {
                let mut cmd = linux.otpilot(args);
                cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
                cmd
            },
            stdin,
        );
        assert_ne!(on_linux.code(), 0, "{args:?} fails on Linux");
        let line = windows.assert_one_line_error("");
        assert_eq!(windows.code(), on_linux.code(), "{args:?}: {line}");
        // Paths differ between the two; the words do not.
        let words = |s: &str| {
            s.lines()
                .next()
                .unwrap_or("")
                .split_whitespace()
                .filter(|w| !w.contains('/') && !w.contains('\\'))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(words(&line), words(&on_linux.stderr()), "{args:?}");
    }
}

/// A real client across the border: the Linux AWS CLI, whose profile runs
/// `wine …/otpilot.exe credential-process admin`, reaches the role.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn the_linux_aws_cli_runs_otpilot_exe_through_wine() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let config = std::fs::read_to_string(w.aws.config_path()).unwrap();
    std::fs::write(
        w.aws.config_path(),
        format!(
            "{config}\n[profile through-wine]\nregion = us-east-1\ncredential_process = wine {} credential-process admin\n",
            w.exe.display()
        ),
    )
    .unwrap();
    let out = Command::new(venv().join("bin/aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "through-wine",
            "--output",
            "json",
        ])
        .env_clear()
        .envs(w.envs())
        .env("AWS_CONFIG_FILE", w.aws.config_path())
        .env("AWS_SHARED_CREDENTIALS_FILE", w.aws.credentials_path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let who: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arn = who["Arn"].as_str().unwrap();
    assert!(arn.contains(":assumed-role/Admin/"), "{arn}");
    assert_eq!(w.aws.gate.count("GetSessionToken"), 1);
}

/// `exec` on Windows: the child (Wine's cmd.exe) sees the credentials, its exit code comes
/// back as otpilot.exe's, and a nested exec for another profile is refused as on Linux.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn exec_gives_the_child_the_credentials_and_passes_its_exit_code_and_refuses_nesting() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let json = w.credential_process("admin");
    let run = w.run(
        &[
            "exec",
            "admin",
            "--",
            "cmd",
            "/c",
            "echo %AWS_ACCESS_KEY_ID% %OTPILOT_PROFILE%& exit 7",
        ],
        None,
    );
    assert_eq!(run.code(), 7, "stderr: {}", run.stderr());
    assert_eq!(
        run.stdout().trim(),
        format!("{} admin", json["AccessKeyId"].as_str().unwrap())
    );
    // Inside an exec for `readonly`, an exec for `admin` is refused with one line.
    let mut nested = w.command(&["exec", "admin", "--", "cmd", "/c", "exit 0"]);
    nested.env("OTPILOT_PROFILE", "readonly");
    let refused = run_piped(nested, None);
    refused.assert_one_line_error("readonly");
    assert_ne!(refused.code(), 0);
}

/// `store = "vault"` on Windows: `unlock` starts the headless agent (detached), which holds
/// the vault and answers over its named pipe; seeds go into the vault through it; `lock`
/// makes the vault's secrets unreachable again; `agent --stop` ends it.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn the_vault_unlocks_into_the_headless_agent_over_a_named_pipe() {
    struct StopAgent<'a>(&'a WineWorld);
    impl Drop for StopAgent<'_> {
        fn drop(&mut self) {
            let _ = self.0.run(&["agent", "--stop"], None);
        }
    }
    let w = WineWorld::new();
    let pass = "correct horse battery staple x\n";
    w.ok(
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{pass}{pass}")),
    );
    // Wine keeps its own Unix stderr (for its debug output) in every process it starts, the
    // detached agent included (whose Windows stderr is its log): so the caller's stderr is a
    // file here, and reading the output to the end does not wait for the agent.
    let err = w.aws.env.root.path().join("unlock.err");
    let mut unlock = w.command(&["unlock", "--passphrase-stdin"]);
    unlock
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap());
    let mut child = unlock.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), pass.as_bytes()).unwrap();
    let status = child.wait().unwrap();
    let said = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "unlock failed: {said}");
    assert!(said.starts_with("unlocked"), "{said}");
    let _stop = StopAgent(&w);
    w.add_device();
    w.aws.standard_profiles();
    let json = w.credential_process("admin");
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let doctor = w.run(&["doctor"], None);
    assert!(
        doctor.stdout().contains("unlocked; the agent answers"),
        "{}",
        doctor.stdout()
    );
    assert!(
        doctor
            .stdout()
            .contains("kernel keyring is not supported on Windows yet"),
        "{}",
        doctor.stdout()
    );
    w.assert_nowhere_in_files(&w.aws.seed);
    w.ok(&["lock"], None);
    let locked = w.run(&["code", "alice"], None);
    locked.assert_one_line_error("");
    let stopped = w.run(&["agent", "--stop"], None);
    assert!(
        stopped.stderr().contains("stopped the headless agent")
            || stopped.stderr().contains("no agent is running"),
        "{}",
        stopped.stderr()
    );
}

// With Windows programs beside otpilot.exe: children built with MinGW, the shell's
// handlers, Wine's console on a pty.
mod around;
