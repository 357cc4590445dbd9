//! Everything that differs between operating systems, behind one small seam each, so that
//! another OS is one new file beside `linux.rs`:
//!
//! | seam | Linux | Windows |
//! |---|---|---|
//! | [`secret_store`], [`SECRET_LIMIT`] | the Secret Service over D-Bus (gnome-keyring, KeePassXC) | Credential Manager (2,560 bytes an item: larger ones are split, see [`crate::store`]) |
//! | [`base_dirs`], [`home_dir`] | the XDG base directories, `$HOME` | `%APPDATA%`, `%LOCALAPPDATA%`, `%USERPROFILE%` |
//! | [`make_private`] | mode 0700/0600 | an owner-only, protected DACL |
//! | [`replace_may_succeed_later`] | never: a rename replaces an open file | a file someone has open (an indexer, an antivirus scan) may refuse to be replaced for a moment |
//! | [`host_name`] | `gethostname` (names the runtime directory's fallback) | `%COMPUTERNAME%` |
//! | [`current_user`], [`peer_user`], [`LocalStream`], [`LocalListener`], [`check_endpoint`] | `geteuid`, `SO_PEERCRED` on the agent's Unix socket | the token's user SID; no agent yet (its endpoint is always missing) |
//! | [`browser_opener`] | `xdg-open` | the shell's `url.dll` handler |
//! | [`wsl_page_opener`] | inside WSL: `wslview` or `cmd.exe /c start` with `wslpath -w` | none (`None`) |
//! | [`protect_process_memory`] | `PR_SET_DUMPABLE` 0, `RLIMIT_CORE` 0 | not on Windows (says so) |
//! | [`remove_file_later`] | a detached `sh` that sleeps, then removes | a detached `cmd` that waits, then removes |
//! | [`keep_out_of_swap`], [`release_from_ram`] | `mlock`, `munlock` | `VirtualLock`, `VirtualUnlock` |
//! | [`hot_get`], [`hot_put`], [`hot_forget`], [`hot_tidy`] | the kernel keyring (`@u`), owner-only, with timeouts | none (every read goes to Credential Manager) |
//! | [`open_tpm_device`] | `/dev/tpmrm0` (the TPM's commands themselves are the same everywhere: [`crate::tpm`]) | not yet (TBS) |
//!
//! File locks need no seam: `std::fs::File::try_lock` is the same on every OS. The tray's
//! dialogs are GTK, in `src-tauri/src/tray/prompts.rs`. Linux is implemented and tested,
//! Windows is built here and tested under Wine; on any other OS each seam answers
//! [`crate::Error::PlatformUnsupported`] (or refuses, where it cannot answer), never a
//! silent guess.

#[cfg(target_os = "linux")]
mod kernel_keyring;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod wsl;
#[cfg(target_os = "linux")]
pub use linux::*;
#[cfg(target_os = "linux")]
pub use wsl::wsl_page_opener;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

#[cfg(not(any(target_os = "linux", windows)))]
mod unsupported;
#[cfg(not(any(target_os = "linux", windows)))]
pub use unsupported::*;

/// What the agent's client finds where the agent would listen, before it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Nothing there: no agent was started.
    Missing,
    /// Something only this user controls: worth connecting to (the peer is checked then).
    Ours,
    /// Something another user could control; why, in a sentence.
    Untrusted(String),
}

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
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn kernel_keyring_test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) use kernel_keyring::fill_quota as fill_kernel_quota;
