//! The Windows side of each platform seam (see `../mod.rs`). Built on Linux with MinGW and
//! tested under Wine (tests/windows.sh).

mod acl;
mod local;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use acl::{current_user_sid, is_private, make_private};
pub use local::{check_endpoint, peer_user, restrict_endpoint, LocalListener, LocalStream};

use super::BaseDirs;
use crate::error::{Error, Result};

/// The name this OS goes by in messages ("… is not supported on Windows yet").
/// What to set when the directories cannot be found.
pub const NO_HOME: &str =
    "neither APPDATA and LOCALAPPDATA nor USERPROFILE is set to an absolute path; set USERPROFILE";

/// No hot cache on Windows: the kernel keyring is Linux's.
pub const HOT_CACHE: bool = false;

/// The `exec --server` endpoint runs: its limits are tested under Wine (a `shutdown` from
/// another thread does not end a blocked read here, so ended connections wait in slices:
/// [`readable_within`]).
pub const ENDPOINT_SUPPORTED: bool = true;

/// Whether `stream` has something to read (data, or its end) within `timeout`: `WSAPoll`.
pub fn readable_within(
    stream: &std::net::TcpStream,
    timeout: std::time::Duration,
) -> std::io::Result<bool> {
    use std::os::windows::io::AsRawSocket;
    use windows_sys::Win32::Networking::WinSock::{
        WSAGetLastError, WSAPoll, POLLRDNORM, WSAPOLLFD,
    };
    let mut fd = WSAPOLLFD {
        fd: stream.as_raw_socket() as usize,
        events: POLLRDNORM,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid WSAPOLLFD, borrowed for the call; the socket stays open meanwhile
    // (`stream` is borrowed).
    match unsafe { WSAPoll(&mut fd, 1, ms) } {
        // SAFETY: reads this thread's last Winsock error; no arguments.
        n if n < 0 => Err(std::io::Error::from_raw_os_error(unsafe {
            WSAGetLastError()
        })),
        n => Ok(n > 0),
    }
}

pub const OS_NAME: &str = "Windows";

/// The most one Credential Manager item holds (`CRED_MAX_CREDENTIAL_BLOB_SIZE`, 5 × 512
/// bytes); [`crate::store`] splits larger secrets into parts.
pub const SECRET_LIMIT: Option<usize> = Some(2560);

/// Who a process runs as: the user's SID (`S-1-5-21-…`).
pub type UserId = String;

/// Windows Credential Manager, through keyring-core's store for it. Items are named as on
/// Linux (service `otpilot`, user the item's key); the store files them as generic
/// credentials with the target `<key>.otpilot`.
pub fn secret_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    let store: Arc<keyring_core::CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

/// What an item is created with: kept on this machine only (`CRED_PERSIST_LOCAL_MACHINE`),
/// not roamed to other machines with a domain profile, as the store's default would. Credential
/// Manager has no label beside the name.
pub fn item_modifiers(_label: &str) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::from([("persistence", "Local".to_owned())])
}

/// The search that finds every item of `service`: the store names an item
/// `<user>.<service>` and searches by a pattern on that name.
pub fn search_spec(service: &str) -> std::collections::HashMap<&'static str, String> {
    let escaped: String = service
        .chars()
        .flat_map(|c| {
            let special = !c.is_ascii_alphanumeric();
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect();
    std::collections::HashMap::from([("pattern", format!("\\.{escaped}$"))])
}

/// The Windows known folders, from the variables that name them (tests pass a map):
/// settings and the vault roam with the profile (`%APPDATA%`), the cache and state stay on
/// this machine (`%LOCALAPPDATA%`). There is no runtime directory: Otpilot makes a private
/// one under the state directory.
pub fn base_dirs(var: impl Fn(&str) -> Option<OsString>) -> Result<BaseDirs> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let profile = home_dir(&var);
    let roaming = absolute("APPDATA")
        .or_else(|| profile.as_ref().map(|p| p.join("AppData").join("Roaming")))
        .ok_or(Error::NoHome)?;
    let local = absolute("LOCALAPPDATA")
        .or_else(|| profile.as_ref().map(|p| p.join("AppData").join("Local")))
        .ok_or(Error::NoHome)?;
    Ok(BaseDirs {
        config: roaming.clone(),
        data: roaming,
        cache: local.join("cache"),
        state: local.clone(),
        runtime: None,
    })
}

/// The person's profile directory (`%USERPROFILE%`), where the AWS files are by default.
pub fn home_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    var("USERPROFILE")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// This machine's name (`%COMPUTERNAME%`), if it has one.
pub fn host_name() -> Option<String> {
    std::env::var("COMPUTERNAME").ok().filter(|n| !n.is_empty())
}

/// The user this process runs as; `None` when the token cannot be read (then nothing that
/// compares users trusts anything).
pub fn current_user() -> Option<UserId> {
    current_user_sid().ok()
}

/// A command line run by the shell (`cmd.exe /d /s /c`), as `mfa_process` is. The line is
/// passed as cmd.exe reads it (its own quoting rules, not the C runtime's).
pub fn shell_command(line: &str) -> std::process::Command {
    use std::os::windows::process::CommandExt;
    let mut command = std::process::Command::new("cmd.exe");
    command
        .args(["/d", "/s", "/c"])
        .raw_arg(format!("\"{line}\""));
    command
}

/// Opens a URL (here: the private forwarding page's `file:` URL) with the shell's handler
/// for it, the person's default browser; only the page's path is in any command line.
pub fn browser_opener() -> &'static [&'static str] {
    &["rundll32.exe", "url.dll,FileProtocolHandler"]
}

/// Not done on Windows yet: the crash dumps Windows Error Reporting may take are not
/// switched off. Said plainly (the CLI logs it at debug level).
pub fn protect_process_memory() -> Result<()> {
    Err(Error::PlatformUnsupported(
        "keeping secrets out of crash dumps",
    ))
}

/// Nothing to give back: [`protect_process_memory`] changes no limit on Windows.
pub fn unprotected_child_limits() {}

/// Removes `path` after `delay`, even when this process has exited by then: a detached
/// `cmd` waits (`timeout` needs a console; `ping` to loopback is the classic wait) and
/// deletes it. If no `cmd` starts, the page is removed at once.
pub fn remove_file_later(path: &Path, delay: std::time::Duration) {
    use std::os::windows::process::CommandExt;
    let seconds = delay.as_secs().max(1) + 1;
    let mut command = std::process::Command::new("cmd.exe");
    command.arg("/d").arg("/c").raw_arg(format!(
        "ping -n {seconds} 127.0.0.1 >NUL & del /f /q \"{}\"",
        path.display()
    ));
    detach(&mut command);
    let started = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        let _ = std::fs::remove_file(path);
    }
}

/// Makes `command` a process that outlives this one and its console: a hidden console of its
/// own (`CREATE_NO_WINDOW`) in a process group of its own, so the caller's console, its
/// Ctrl-C and its closing do not reach it. And it holds none of this process's standard
/// handles: a caller reading otpilot's output to the end (a script, a test) would otherwise
/// wait for the child too. (Not `DETACHED_PROCESS`: under Wine that keeps the caller's
/// standard streams in the child.)
pub fn detach(command: &mut std::process::Command) {
    use std::os::windows::process::CommandExt;
    use windows_sys::Win32::Foundation::{SetHandleInformation, HANDLE_FLAG_INHERIT};
    use windows_sys::Win32::System::Console::{
        GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
    };
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    for which in [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE] {
        // SAFETY: only clears the inherit flag of this process's own standard handles
        // (invalid or null ones make the call fail, which is fine); nothing is closed.
        unsafe { SetHandleInformation(GetStdHandle(which), HANDLE_FLAG_INHERIT, 0) };
    }
    command.creation_flags(CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP);
}

/// Asks Windows to keep the pages holding `buf` in RAM (`VirtualLock`), as far as the
/// process's working set allows; best effort, as on Linux.
pub fn keep_out_of_swap(buf: &[u8]) {
    if buf.is_empty() {
        return;
    }
    // SAFETY: VirtualLock only changes the residency of pages this process owns; the range
    // is a live allocation of `buf.len()` bytes.
    let _ =
        unsafe { windows_sys::Win32::System::Memory::VirtualLock(buf.as_ptr().cast(), buf.len()) };
}

/// Undoes [`keep_out_of_swap`] for the `len` bytes at `start`, a buffer about to be freed.
pub fn release_from_ram(start: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: VirtualUnlock never reads or writes the pages; the range is still allocated.
    let _ = unsafe { windows_sys::Win32::System::Memory::VirtualUnlock(start.cast(), len) };
}

/// No hot cache on Windows: the kernel keyring is Linux's. Every read goes to Credential
/// Manager.
pub fn hot_get(_name: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    None
}

pub fn hot_put(_name: &str, _secret: &[u8], _ttl_seconds: u64) -> bool {
    false
}

pub fn hot_forget(_name: &str) {}

pub fn hot_tidy(_name: &str) {}

/// Windows reaches the TPM through TBS, not a device file: not written yet.
pub fn open_tpm_device(_path: &Path) -> std::io::Result<std::fs::File> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the TPM is not supported on Windows yet",
    ))
}

/// Not WSL: the console opens with [`browser_opener`].
pub fn wsl_page_opener(
    _page: &std::path::Path,
) -> Option<std::result::Result<Vec<String>, String>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(vars: &[(&str, &str)]) -> Result<BaseDirs> {
        let map: std::collections::HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        base_dirs(|k| map.get(k).cloned())
    }

    #[test]
    fn the_known_folders_come_from_their_variables() {
        let d = dirs(&[
            ("APPDATA", r"C:\Users\a\AppData\Roaming"),
            ("LOCALAPPDATA", r"C:\Users\a\AppData\Local"),
            ("USERPROFILE", r"C:\Users\a"),
        ])
        .unwrap();
        assert_eq!(d.config, PathBuf::from(r"C:\Users\a\AppData\Roaming"));
        assert_eq!(d.data, d.config);
        assert_eq!(d.state, PathBuf::from(r"C:\Users\a\AppData\Local"));
        assert_eq!(d.cache, PathBuf::from(r"C:\Users\a\AppData\Local\cache"));
        assert_eq!(d.runtime, None);
        // Without them, the profile's own layout; without any, the error says what to set.
        let d = dirs(&[("USERPROFILE", r"C:\Users\b")]).unwrap();
        assert_eq!(d.config, PathBuf::from(r"C:\Users\b\AppData\Roaming"));
        assert!(matches!(
            dirs(&[("APPDATA", "relative")]),
            Err(Error::NoHome)
        ));
    }
}

/// Whether replacing a file (the rename of an atomic write) that failed with `err` may work
/// if tried again shortly: Windows refuses to replace a file that another handle holds
/// without delete sharing (a search indexer, an antivirus scan, a reader in another thread;
/// under Wine, seen in the concurrent-edit test) with "access denied" or a sharing violation,
/// until that handle closes.
pub fn replace_may_succeed_later(err: &std::io::Error) -> bool {
    const ERROR_SHARING_VIOLATION: i32 = 32;
    err.kind() == std::io::ErrorKind::PermissionDenied
        || err.raw_os_error() == Some(ERROR_SHARING_VIOLATION)
}
