//! A private D-Bus session bus with gnome-keyring's Secret Service, in a temp dir.
//!
//! The bus config lists no service directories, so nothing is auto-activated: no prompter
//! window, no second keyring daemon. The keyring is unlocked with a known password on stdin
//! (see ../../../../shared/TESTING.md).

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
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

/// A test's own bus and keyring daemon. Each test gets its own: one daemon shared by the
/// whole run was a single point of failure (when it went, in one CI run, 82 later tests failed
/// with it and said nothing of why).
pub struct KeyringSession {
    dir: tempfile::TempDir,
    address: String,
    /// The daemons, with the name of the log file each writes its stderr to.
    children: Mutex<Vec<(Child, &'static str)>>,
}

impl KeyringSession {
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
            .stderr(log_file(dir.path(), DBUS_LOG));
        children.push((spawn_for_process_lifetime(daemon), DBUS_LOG));
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
                .stderr(log_file(dir.path(), KEYRING_LOG));
            let mut child = spawn_for_process_lifetime(gkd);
            {
                use std::io::Write;
                // The unlock password, without a newline, then EOF.
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(b"test").unwrap();
            }
            children.push((child, KEYRING_LOG));
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
            dir,
            address,
            children: Mutex::new(children),
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

    /// What became of the daemons that are gone (how each ended, the end of its log): empty
    /// while all run. Said beside a failed command, it tells a keyring that died from a bug.
    pub fn gone(&self) -> Vec<String> {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children
            .iter_mut()
            .filter_map(|(child, log)| {
                let status = child.try_wait().ok().flatten()?;
                let text = std::fs::read_to_string(self.dir.path().join(*log)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(10).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                Some(format!(
                    "the test's {} ended ({status}); its last words:\n{}",
                    log.trim_end_matches(".log"),
                    tail.join("\n")
                ))
            })
            .collect()
    }
}

const DBUS_LOG: &str = "dbus-daemon.log";
const KEYRING_LOG: &str = "gnome-keyring-daemon.log";

fn log_file(dir: &Path, name: &str) -> Stdio {
    File::create(dir.join(name)).map_or_else(|_| Stdio::null(), Stdio::from)
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        let children = self.children.get_mut().unwrap_or_else(|e| e.into_inner());
        for (child, _) in children.iter_mut().rev() {
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
  <!-- A desktop's session bus (Debian's /usr/share/dbus-1/session.conf) lifts dbus-daemon's
       built-in limits, which are the system bus's: 256 connections per user and 64 being set up
       at once are easily reached by a test run whose every process is one user's. -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="auth_timeout">240000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_daemon_that_dies_is_named_with_how_it_ended() {
        let session = KeyringSession::start(Keyring::Unlocked);
        assert!(session.gone().is_empty(), "{:?}", session.gone());
        {
            let mut children = session.children.lock().unwrap();
            let (daemon, _) = children
                .iter_mut()
                .find(|(_, log)| *log == KEYRING_LOG)
                .unwrap();
            daemon.kill().unwrap();
            daemon.wait().unwrap();
        }
        let gone = session.gone();
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert!(
            gone[0].starts_with("the test's gnome-keyring-daemon ended (signal: 9"),
            "{}",
            gone[0]
        );
    }
}
