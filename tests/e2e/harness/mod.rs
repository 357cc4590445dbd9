//! Shared test harness: isolated homes, the built binary, and real services.

pub mod aws;
pub mod browser;
pub mod gate;
pub mod keyring;
pub mod moto;
pub mod pty;
pub mod signin;
pub mod tls;
pub mod tpm;
pub mod tray;
mod tray_menu;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use keyring::KeyringSession;

/// The `otpilot` binary cargo built for this test run.
pub fn otpilot_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_otpilot"))
}

/// A base32 seed of `len` random bytes.
pub fn random_seed(len: usize) -> String {
    let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// One test's world: its own HOME and XDG dirs under a temp dir, talking to a keyring.
pub struct TestEnv {
    pub root: tempfile::TempDir,
    bus: String,
    /// More variables for the binary (where the TPM is, say).
    extra: Vec<(String, String)>,
    /// The bus and keyring daemon this env started for itself, if it did.
    keyring: Option<KeyringSession>,
}

impl TestEnv {
    /// A fresh home on a fresh, unlocked test keyring of its own.
    pub fn new() -> Self {
        let session = KeyringSession::start(keyring::Keyring::Unlocked);
        let mut env = Self::with_bus(session.address());
        env.keyring = Some(session);
        env
    }

    /// The D-Bus address the binary is given ("" when it has none).
    pub fn bus(&self) -> &str {
        &self.bus
    }

    /// Panics, saying what happened to them, when the keyring daemons of this env are gone:
    /// a command that failed because its keyring died says so instead of something stranger.
    pub fn assert_keyring_alive(&self) {
        if let Some(gone) = self.keyring.as_ref().map(KeyringSession::gone) {
            assert!(gone.is_empty(), "{}", gone.join("\n"));
        }
    }

    /// A fresh home that talks to the given D-Bus address.
    pub fn with_bus(bus: &str) -> Self {
        let root = tempfile::Builder::new()
            .prefix("otpilot-e2e-")
            .tempdir()
            .expect("temp dir");
        for dir in ["home", "config", "cache", "state", "run"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                root.path().join("run"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        Self {
            root,
            bus: bus.to_owned(),
            extra: Vec::new(),
            keyring: None,
        }
    }

    /// A machine with no desktop session: no D-Bus address (and no bus socket), no
    /// `XDG_RUNTIME_DIR`; a private `TMPDIR`, where the agent makes its socket directory.
    pub fn without_desktop() -> Self {
        let env = Self::with_bus("");
        std::fs::create_dir_all(env.root.path().join("tmp")).unwrap();
        env
    }

    /// Sets (or replaces) a variable for every later run of the binary.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.extra.retain(|(k, _)| k != name);
        self.extra.push((name.to_owned(), value.to_owned()));
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("config/otpilot")
    }

    /// The environment the binary runs in: nothing inherited but PATH.
    pub fn envs(&self) -> Vec<(String, String)> {
        let p = |d: &str| self.root.path().join(d).display().to_string();
        let mut envs: Vec<(String, String)> = vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_CACHE_HOME".into(), p("cache")),
            ("XDG_STATE_HOME".into(), p("state")),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        if self.bus.is_empty() {
            envs.push(("TMPDIR".into(), p("tmp")));
        } else {
            envs.push(("XDG_RUNTIME_DIR".into(), p("run")));
            envs.push(("DBUS_SESSION_BUS_ADDRESS".into(), self.bus.clone()));
        }
        envs.extend(self.extra.iter().cloned());
        envs
    }

    /// Where the binary keeps its sockets and locks in this env, as the core decides it.
    pub fn runtime_dir(&self) -> PathBuf {
        let envs = self.envs();
        otpilot_core::paths::Dirs::from_lookup(|k| {
            envs.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.into())
        })
        .expect("the test env's directories")
        .runtime
    }

    /// A `Command` for the binary with this env.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(otpilot_bin());
        cmd.args(args).env_clear().envs(self.envs());
        cmd
    }

    /// Runs the binary with `stdin` piped in (empty when `None`).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let run = run_piped(self.command(args), stdin);
        if run.code() != 0 {
            self.assert_keyring_alive();
        }
        run
    }

    /// Runs and asserts success, returning stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let run = self.run(args, stdin);
        run.assert_ok();
        run.stdout()
    }

    /// Adds a device from a piped secret.
    pub fn add_device(&self, name: &str, secret: &str, extra: &[&str]) {
        let mut args = vec!["device", "add", name];
        args.extend_from_slice(extra);
        self.ok(&args, Some(secret));
    }

    /// The `device list --json` rows.
    pub fn devices(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["device", "list", "--json"], None)).unwrap()
    }

    /// The keyring item of a device, read with `secret-tool` (an independent client).
    pub fn secret_tool_lookup(&self, name: &str) -> Option<String> {
        let id = self.devices().into_iter().find(|d| d["name"] == name)?["id"]
            .as_str()?
            .to_owned();
        secret_tool_lookup(&self.bus, &format!("totp:{id}"))
    }

    /// The keyring item `user` of this test's keyring (`keys:base`, a backup's name).
    pub fn keyring_item(&self, user: &str) -> Option<String> {
        secret_tool_lookup(&self.bus, user)
    }

    /// Every file under this test's HOME and XDG dirs that contains `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        files_containing(self.root.path(), needle.as_bytes())
    }
}

/// `secret-tool lookup service otpilot username USER` on the given bus.
pub fn secret_tool_lookup(bus: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "otpilot", "username", user])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("secret-tool (package libsecret-tools)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                if let Ok(bytes) = std::fs::read(&path) {
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        found.push(path);
                    }
                }
            }
        }
    }
    found
}

/// The outcome of one run of the binary.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn assert_ok(&self) {
        assert!(
            self.0.status.success(),
            "otpilot failed ({}):\nstdout: {}\nstderr: {}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
    }

    /// Asserts a failure reported as exactly one line on stderr containing `expected`,
    /// and nothing on stdout. Returns the line.
    pub fn assert_one_line_error(&self, expected: &str) -> String {
        let stderr = self.stderr();
        assert_ne!(self.code(), 0, "expected failure, got success: {stderr}");
        assert!(
            self.stdout().is_empty(),
            "stdout should be empty: {}",
            self.stdout()
        );
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{stderr}"
        );
        assert!(
            lines[0].contains(expected),
            "expected `{expected}` in: {}",
            lines[0]
        );
        lines[0].to_owned()
    }
}

/// Runs `cmd` with no controlling terminal (a session of its own, as an IDE, a cron job or
/// a CI runner starts it, and so a developer's terminal is never asked), `stdin` piped in.
pub fn run_detached(mut cmd: Command, stdin: Option<&str>) -> Run {
    use std::os::unix::process::CommandExt;
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    run_piped(cmd, stdin)
}

/// Runs `cmd` with `stdin` piped in (empty when `None`), collecting its output.
pub fn run_piped(mut cmd: Command, stdin: Option<&str>) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn otpilot");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    Run(child.wait_with_output().unwrap())
}

/// Runs a command, returning trimmed stdout, panicking on failure.
pub fn run_tool(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Kills the child when the test process exits, even if a test panics. The request is made
/// from a thread that lives as long as the process, because PR_SET_PDEATHSIG fires when the
/// *thread* that spawned the child exits.
pub fn spawn_for_process_lifetime(mut cmd: Command) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let child = cmd.spawn();
        tx.send(child).unwrap();
        loop {
            std::thread::park();
        }
    });
    rx.recv().unwrap().expect("spawn service")
}
