//! A private D-Bus session bus with gnome-keyring's Secret Service, in a temp dir.
//!
//! The bus config lists no service directories, so nothing is auto-activated: no prompter
//! window, no second keyring daemon. The keyring is unlocked with a known password on stdin
//! (see ../../../../shared/TESTING.md).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::spawn_for_process_lifetime;

/// What to run on the bus.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keyring {
    /// gnome-keyring with an unlocked login collection.
    Unlocked,
    /// gnome-keyring whose login collection has been locked again.
    Locked,
    /// A bare bus: no Secret Service provider at all.
    None,
}

pub struct KeyringSession {
    _dir: tempfile::TempDir,
    address: String,
    children: Vec<Child>,
}

impl KeyringSession {
    /// The session shared by every test that needs a working keyring.
    pub fn shared() -> &'static KeyringSession {
        static SHARED: OnceLock<KeyringSession> = OnceLock::new();
        SHARED.get_or_init(|| KeyringSession::start(Keyring::Unlocked))
    }

    pub fn start(keyring: Keyring) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("otpilot-bus-")
            .tempdir()
            .unwrap();
        let socket = dir.path().join("bus");
        let config = dir.path().join("session.conf");
        std::fs::write(&config, bus_config(&socket)).unwrap();
        let mut children = Vec::new();
        let mut daemon = Command::new("dbus-daemon");
        daemon
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        children.push(spawn_for_process_lifetime(daemon));
        wait_for(|| socket.exists(), "the D-Bus socket");
        let address = format!("unix:path={}", socket.display());

        if keyring != Keyring::None {
            for sub in ["data", "run", "home"] {
                std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            }
            let mut gkd = Command::new("gnome-keyring-daemon");
            gkd.args(["--foreground", "--unlock", "--components=secrets"])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .env("XDG_DATA_HOME", dir.path().join("data"))
                .env("XDG_RUNTIME_DIR", dir.path().join("run"))
                .env("HOME", dir.path().join("home"))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = spawn_for_process_lifetime(gkd);
            {
                use std::io::Write;
                // The unlock password, without a newline, then EOF.
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(b"test").unwrap();
            }
            children.push(child);
            wait_for(
                || name_has_owner(&address, "org.freedesktop.secrets"),
                "gnome-keyring on the test bus",
            );
            // The login collection appears when the first client asks for it; creating an item
            // is the surest way to make it exist before the test starts.
            let out = Command::new("secret-tool")
                .args([
                    "store",
                    "--label=warm-up",
                    "service",
                    "otpilot-test",
                    "username",
                    "warm-up",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .stdin(Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    c.stdin.take().unwrap().write_all(b"x")?;
                    c.wait()
                })
                .expect("secret-tool (package libsecret-tools)");
            assert!(
                out.success(),
                "could not store a warm-up item in the test keyring"
            );
        }
        let session = Self {
            _dir: dir,
            address,
            children,
        };
        if keyring == Keyring::Locked {
            session.lock();
        }
        session
    }

    /// Locks the login collection, as a screen lock or `seahorse` would.
    pub fn lock(&self) {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        assert!(out.status.success(), "locking the test keyring failed");
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

pub fn name_has_owner(address: &str, name: &str) -> bool {
    Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

pub fn wait_for(mut ready: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}
