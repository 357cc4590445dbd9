//! The Linux side of each platform seam (see `mod.rs`).

use std::ffi::OsString;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::Error as KeyringError;

pub use super::kernel_keyring::{hot_forget, hot_get, hot_put, hot_tidy};
use super::BaseDirs;
use crate::error::{Error, Result};

/// The Secret Service store. Without a session bus zbus may panic deep inside, so the bus is
/// looked for first, for a clear error.
pub fn secret_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    let bus_socket = std::env::var_os("XDG_RUNTIME_DIR").map(|d| Path::new(&d).join("bus"));
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && !bus_socket.is_some_and(|p| p.exists())
    {
        return Err(KeyringError::PlatformFailure(
            "no D-Bus session bus address".into(),
        ));
    }
    let store: Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

/// The XDG base directories (<https://specifications.freedesktop.org/basedir-spec/latest/>),
/// from any variable lookup (tests pass a map).
pub fn base_dirs(var: impl Fn(&str) -> Option<OsString>) -> Result<BaseDirs> {
    // The spec says relative paths in these variables are invalid and must be ignored.
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let home = absolute("HOME");
    let base = |xdg: &str, fallback: &[&str]| -> Result<PathBuf> {
        if let Some(dir) = absolute(xdg) {
            return Ok(dir);
        }
        let home = home.clone().ok_or(Error::NoHome)?;
        Ok(fallback.iter().fold(home, |p, part| p.join(part)))
    };
    Ok(BaseDirs {
        config: base("XDG_CONFIG_HOME", &[".config"])?,
        cache: base("XDG_CACHE_HOME", &[".cache"])?,
        state: base("XDG_STATE_HOME", &[".local", "state"])?,
        data: base("XDG_DATA_HOME", &[".local", "share"])?,
        runtime: absolute("XDG_RUNTIME_DIR"),
    })
}

/// This machine's name (`gethostname`), if it has one.
pub fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}

/// The name this OS goes by in messages ("… is not supported on Linux yet").
/// What to set when the directories cannot be found.
pub const NO_HOME: &str = "neither XDG_CONFIG_HOME nor HOME is set to an absolute path; set HOME";

/// The kernel keyring holds hot copies of cached credentials ([`hot_get`]).
pub const HOT_CACHE: bool = true;

/// The `exec --server` endpoint runs (its limits are tested here).
pub const ENDPOINT_SUPPORTED: bool = true;

pub const OS_NAME: &str = "Linux";

/// No size limit on one secret that Otpilot writes comes near.
pub const SECRET_LIMIT: Option<usize> = None;

/// What an item is created with: its label, as the keyring's own UI (seahorse) shows it.
pub fn item_modifiers(label: &str) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::from([("label", label.to_owned())])
}

/// The search that finds every item of `service`.
pub fn search_spec(service: &str) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::from([("service", service.to_owned())])
}

/// The uid of the process at the other end of a Unix socket (`SO_PEERCRED`).
pub fn peer_user(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream)
        .ok()
        .map(|cred| cred.uid.as_raw())
}

/// The command that opens a URL in the person's default browser.
pub fn browser_opener() -> &'static [&'static str] {
    &["xdg-open"]
}

/// Removes `path` after `delay`, even when this process has exited by then (the CLI opens
/// the browser and ends): a detached `sh` sleeps and removes it.
pub fn remove_file_later(path: &Path, delay: std::time::Duration) {
    use std::os::unix::process::CommandExt;
    // Its own process group, and the terminal's signals ignored: Ctrl-C in the terminal that
    // ran otpilot (SIGINT to the foreground group) or closing it (SIGHUP) must not stop the
    // removal; ignored signals stay ignored in `sleep`.
    let started = std::process::Command::new("sh")
        .args([
            "-c",
            "trap '' HUP INT QUIT; sleep \"$1\"; rm -f -- \"$2\"",
            "sh",
        ])
        .process_group(0)
        .arg(delay.as_secs().max(1).to_string())
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        // No shell: better gone too early than left behind.
        let _ = std::fs::remove_file(path);
    }
}

/// Asks the kernel to keep the pages holding `buf` in RAM (never written to swap), as far as
/// `RLIMIT_MEMLOCK` allows; beyond it the secret is kept as before. Best effort: a page shared
/// with another locked secret is unlocked with the first of them to go.
pub fn keep_out_of_swap(buf: &[u8]) {
    if buf.is_empty() {
        return;
    }
    // SAFETY: mlock only changes the residency of pages this process owns; the range is a
    // live allocation of `buf.len()` bytes.
    let _ = unsafe { libc::mlock(buf.as_ptr().cast(), buf.len()) };
}

/// Undoes [`keep_out_of_swap`] for the `len` bytes at `start`, a buffer about to be freed
/// (already wiped, so its length may read 0 by now: the range is given).
pub fn release_from_ram(start: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: munlock only changes the residency of the pages in the range and never reads or
    // writes them; the range is still allocated by the caller.
    let _ = unsafe { libc::munlock(start.cast(), len) };
}

/// The core size limit this process started with, given back to the programs it runs.
static STARTING_CORE_LIMIT: std::sync::OnceLock<rustix::process::Rlimit> =
    std::sync::OnceLock::new();

/// Keeps the secrets in this process's memory out of core dumps and away from other
/// processes of the same user: not dumpable (no core file, and `/proc/PID/mem` and ptrace
/// need root), and a core size limit of 0 for good measure. Seeds, keys and issued
/// credentials live in memory for as long as the process does. Only the soft limit is
/// lowered, so [`unprotected_child_limits`] can give a child program its own back.
pub fn protect_process_memory() -> Result<()> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let fail = |what: &'static str| {
        move |e: rustix::io::Errno| Error::ProcessProtection {
            what,
            detail: e.to_string(),
        }
    };
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(fail("PR_SET_DUMPABLE"))?;
    let starting = getrlimit(Resource::Core);
    let _ = STARTING_CORE_LIMIT.set(starting);
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: starting.maximum,
        },
    )
    .map_err(fail("RLIMIT_CORE"))
}

/// Before running the person's own program (`otpilot exec`): its core size limit as this
/// process found it. (Dumpability is reset by the kernel at exec.)
pub fn unprotected_child_limits() {
    if let Some(limit) = STARTING_CORE_LIMIT.get() {
        let _ = rustix::process::setrlimit(rustix::process::Resource::Core, *limit);
    }
}

/// The TPM's character device, opened for commands (`/dev/tpmrm0`: the kernel's resource
/// manager flushes what this process loaded when the file is closed). Close-on-exec, so no
/// child inherits the TPM.
pub fn open_tpm_device(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmLck:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    #[test]
    fn a_secret_buffer_is_locked_in_ram_while_it_lives() {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock);
        if limit.current.is_some_and(|l| l < 1 << 20) {
            eprintln!("RLIMIT_MEMLOCK below 1 MiB here: the lock is best effort, not checked");
            return;
        }
        // Big enough for pages of its own (other tests lock and unlock theirs meanwhile).
        let secret = vec![1u8; 256 * 1024];
        keep_out_of_swap(&secret);
        let locked = locked_kib();
        release_from_ram(secret.as_ptr(), secret.len());
        assert!(
            locked >= 252,
            "VmLck is {locked} kB with a 256 KiB secret locked"
        );
    }

    #[test]
    fn a_protected_process_is_not_dumpable_and_dumps_no_core_but_its_children_may() {
        protect_process_memory().unwrap();
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(core.current, Some(0));
        unprotected_child_limits();
        assert_eq!(
            rustix::process::getrlimit(rustix::process::Resource::Core),
            *STARTING_CORE_LIMIT.get().unwrap()
        );
    }
}
