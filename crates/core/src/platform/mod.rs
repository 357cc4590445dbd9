//! Everything that differs between operating systems, behind one small seam each, so that
//! another OS is one new file beside `linux.rs`:
//!
//! | seam | Linux |
//! |---|---|
//! | [`secret_store`] | the Secret Service over D-Bus (gnome-keyring, KeePassXC) |
//! | [`base_dirs`] | the XDG base directories |
//! | [`host_name`] | `gethostname` (names the runtime directory's fallback) |
//! | [`current_uid`], [`peer_uid`] | `geteuid`, `SO_PEERCRED` on the agent's Unix socket |
//! | [`browser_opener`] | `xdg-open` |
//! | [`protect_process_memory`] | `PR_SET_DUMPABLE` 0, `RLIMIT_CORE` 0 |
//! | [`remove_file_later`] | a detached `sh` that sleeps, then removes |
//! | [`keep_out_of_swap`], [`release_from_ram`] | `mlock`, `munlock` |
//! | [`hot_get`], [`hot_put`], [`hot_forget`], [`hot_tidy`] | the kernel keyring (`@u`), owner-only, with timeouts |
//! | [`open_tpm_device`] | `/dev/tpmrm0` (the TPM's commands themselves are the same everywhere: [`crate::tpm`]) |
//!
//! File locks need no seam: `std::fs::File::try_lock` is the same on every OS. The tray's
//! dialogs are GTK, in `src-tauri/src/tray/prompts.rs`. Only Linux is implemented and
//! tested; on any other OS each seam answers [`crate::Error::PlatformUnsupported`] (or
//! refuses, where it cannot answer), never a silent guess.

#[cfg(target_os = "linux")]
mod kernel_keyring;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(target_os = "linux"))]
mod unsupported;
#[cfg(not(target_os = "linux"))]
pub use unsupported::*;

use std::path::PathBuf;

/// Where the OS keeps each kind of a user's files (before Otpilot adds its own name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseDirs {
    pub config: PathBuf,
    pub cache: PathBuf,
    pub state: PathBuf,
    /// User data (the vault).
    pub data: PathBuf,
    /// Sockets and locks; `None` when the OS gives none (then Otpilot makes a private
    /// directory of its own under the user's state directory: see [`crate::paths::Dirs`]).
    pub runtime: Option<PathBuf>,
}

/// Serialises the tests that need the kernel keyring's quota (one of them fills it).
#[cfg(test)]
pub(crate) fn kernel_keyring_test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) use kernel_keyring::fill_quota as fill_kernel_quota;
