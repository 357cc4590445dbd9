//! The Linux side of each platform seam (see `mod.rs`).

use std::ffi::OsString;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::Error as KeyringError;

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
        runtime: absolute("XDG_RUNTIME_DIR"),
    })
}

/// The effective uid of this process.
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The uid of the process at the other end of a Unix socket (`SO_PEERCRED`).
pub fn peer_uid(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream)
        .ok()
        .map(|cred| cred.uid.as_raw())
}

/// The command that opens a URL in the person's default browser.
pub fn browser_opener() -> &'static str {
    "xdg-open"
}
