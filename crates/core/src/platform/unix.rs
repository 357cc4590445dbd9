//! What every Unix shares (Linux today, macOS type-checked): the agent's Unix socket, the
//! user's uid, and modes 0700/0600 for what is private.

use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub use std::os::unix::net::{UnixListener as LocalListener, UnixStream as LocalStream};

use super::Endpoint;

/// Who a process runs as: the effective uid.
pub type UserId = u32;

/// The effective uid of this process.
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The user this process runs as (always known on Unix).
pub fn current_user() -> Option<UserId> {
    Some(current_uid())
}

/// The person's home directory (`$HOME`), where the AWS files are by default.
pub fn home_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    var("HOME").map(PathBuf::from)
}

/// The agent's socket at `path` as the client finds it: missing, ours (a socket this user
/// owns that no one else may connect to), or someone else's.
pub fn check_endpoint(path: &Path) -> Endpoint {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Endpoint::Missing;
    };
    let uid = current_uid();
    if meta.uid() != uid {
        return Endpoint::Untrusted(format!(
            "ignoring agent socket {}: it belongs to uid {}, not {uid}",
            path.display(),
            meta.uid()
        ));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Endpoint::Untrusted(format!(
            "ignoring agent socket {}: mode {:o} lets other users connect",
            path.display(),
            meta.permissions().mode() & 0o777
        ));
    }
    Endpoint::Ours
}

/// A command line run by the shell (`sh -c`), as `mfa_process` is.
pub fn shell_command(line: &str) -> std::process::Command {
    let mut command = std::process::Command::new("sh");
    command.args(["-c", line]);
    command
}

/// The agent's socket, once bound: 0600.
pub fn restrict_endpoint(path: &Path) -> std::io::Result<()> {
    make_private(path)
}

/// Makes what is at `path` private to this user: a directory 0700, anything else 0600.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    let mode = if std::fs::symlink_metadata(path)?.is_dir() {
        0o700
    } else {
        0o600
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Whether only this user may read and change `path` (a directory 0700 or stricter, a file
/// 0600 or stricter, owned by this user).
pub fn is_private(path: &Path) -> std::io::Result<bool> {
    let meta = std::fs::symlink_metadata(path)?;
    Ok(meta.uid() == current_uid() && meta.permissions().mode() & 0o077 == 0)
}

/// Whether `stream` has something to read (data, or its end) within `timeout`: poll(2).
pub fn readable_within(
    stream: &std::net::TcpStream,
    timeout: std::time::Duration,
) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd, borrowed for the call; the descriptor stays open meanwhile
    // (`stream` is borrowed).
    match unsafe { libc::poll(&mut fd, 1, ms) } {
        n if n < 0 => {
            let e = std::io::Error::last_os_error();
            // A signal: the caller asks again.
            if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
        n => Ok(n > 0),
    }
}

/// Whether replacing a file (the rename of an atomic write) that failed with `err` may work
/// if tried again shortly: never here, a rename replaces a file whoever has it open.
pub fn replace_may_succeed_later(_err: &std::io::Error) -> bool {
    false
}
