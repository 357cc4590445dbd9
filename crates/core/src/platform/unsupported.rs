//! Every platform seam on an OS Otpilot does not support yet: each says so plainly. A port
//! replaces this file with one like `linux.rs` (macOS: `~/Library` dirs, `getpeereid`,
//! `open`). The macOS Keychain store is compiled in already (type-checked on Linux; nothing
//! can run for macOS there), so the port starts from a store that builds.

use std::ffi::OsString;
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use super::BaseDirs;
use crate::error::{Error, Result};

#[cfg(target_os = "macos")]
pub fn secret_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    let store: Arc<keyring_core::CredentialStore> =
        apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(not(target_os = "macos"))]
pub fn secret_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        Error::PlatformUnsupported("the OS keyring").to_string(),
    ))
}

pub fn base_dirs(_var: impl Fn(&str) -> Option<OsString>) -> Result<BaseDirs> {
    Err(Error::PlatformUnsupported("Otpilot's directories"))
}

/// The name this OS goes by in messages.
/// What to set when the directories cannot be found.
pub const NO_HOME: &str = "HOME is not set to an absolute path; set HOME";

/// No hot cache here.
pub const HOT_CACHE: bool = false;

/// Not tested here: the endpoint refuses.
pub const ENDPOINT_SUPPORTED: bool = false;

pub const OS_NAME: &str = "this operating system";

pub const SECRET_LIMIT: Option<usize> = None;

/// What an item is created with: nothing beyond its name here.
pub fn item_modifiers(_label: &str) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::new()
}

/// The search that finds every item of `service`.
pub fn search_spec(service: &str) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::from([("service", service.to_owned())])
}

/// Unknown peers are refused: the agent then serves nobody rather than anybody.
pub fn peer_user(_stream: &UnixStream) -> Option<u32> {
    None
}

pub fn browser_opener() -> &'static [&'static str] {
    &["open"]
}

pub fn protect_process_memory() -> Result<()> {
    Err(Error::PlatformUnsupported(
        "keeping secrets out of core dumps",
    ))
}

pub fn unprotected_child_limits() {}

/// Removes at once: keeping a file for later needs a seam of the OS's own.
pub fn remove_file_later(path: &std::path::Path, _delay: std::time::Duration) {
    let _ = std::fs::remove_file(path);
}

/// Nothing yet: the OS's own way to keep pages out of swap goes here.
pub fn keep_out_of_swap(_buf: &[u8]) {}

pub fn release_from_ram(_start: *const u8, _len: usize) {}

/// Not asked of this OS yet: the runtime fallback then goes without it.
pub fn host_name() -> Option<String> {
    None
}

/// No hot cache: every read goes to the OS keyring.
pub fn hot_get(_name: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    None
}

pub fn hot_put(_name: &str, _secret: &[u8], _ttl_seconds: u64) -> bool {
    false
}

pub fn hot_forget(_name: &str) {}

pub fn hot_tidy(_name: &str) {}

/// Windows reaches the TPM through TBS, not a device file: not written yet.
pub fn open_tpm_device(_path: &std::path::Path) -> std::io::Result<std::fs::File> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the TPM is only reached on Linux so far",
    ))
}

/// Not WSL: the console opens with [`browser_opener`].
pub fn wsl_page_opener(
    _page: &std::path::Path,
) -> Option<std::result::Result<Vec<String>, String>> {
    None
}
