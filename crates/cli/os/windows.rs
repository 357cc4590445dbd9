//! The Windows side of `os` (see `mod.rs`).

use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;

/// Nothing to do: Windows has no SIGPIPE; a write to a closed stdout fails with an error
/// (ERROR_NO_DATA) that the command reports like any other failed write.
pub fn end_quietly_when_stdout_closes() {}

/// Windows cannot replace a process with another: `command` runs as a child with this
/// console, stdin, stdout and stderr, and otpilot exits with its exit code. Ctrl-C and
/// Ctrl-Break reach every process on the console, the child included; otpilot ignores them
/// meanwhile, so the child decides what they do (as it would if started directly). Returns
/// only when the command could not be started.
pub fn exec_replacing(command: Command) -> std::io::Error {
    match run_forwarding_signals(command) {
        Ok(Ok(code)) => std::process::exit(code),
        Ok(Err(error)) => error,
        Err(error) => std::io::Error::other(format!("{error:#}")),
    }
}

/// Runs `command` as a child and gives back its exit code; Ctrl-C and Ctrl-Break go to it
/// from the console (every process attached gets them), while otpilot ignores them until
/// the child has ended. `Err` inside when it could not be started.
pub fn run_forwarding_signals(
    mut command: Command,
) -> Result<std::result::Result<i32, std::io::Error>> {
    // Not `SetConsoleCtrlHandler(None, TRUE)`: that "ignore Ctrl-C" flag is inherited by
    // the child. A handler routine is not.
    // SAFETY: registers a function that lives for the whole program and touches no state.
    unsafe { SetConsoleCtrlHandler(Some(leave_to_the_child), 1) };
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Ok(Err(error)),
    };
    let status = child.wait().context("cannot wait for the command")?;
    // An exit code is a u32 on Windows (0xC000013A for a Ctrl-C'd console program):
    // passed on as the same 32 bits.
    Ok(Ok(status.code().unwrap_or(1)))
}

/// Ctrl-C and Ctrl-Break are the child's to act on: handled here by doing nothing. Other
/// events (the console closing, logoff) go on to the default handling.
unsafe extern "system" fn leave_to_the_child(event: u32) -> windows_sys::core::BOOL {
    const CTRL_C_EVENT: u32 = 0;
    const CTRL_BREAK_EVENT: u32 = 1;
    i32::from(matches!(event, CTRL_C_EVENT | CTRL_BREAK_EVENT))
}

/// Ctrl-C or closing the console ends the headless agent: Windows' default handling ends
/// the process, which is all it needs (it keeps nothing on disk to tidy).
pub fn stop_on_signals(_stop: &Arc<AtomicBool>) -> Result<()> {
    Ok(())
}

/// Makes `command` outlive this one and its console (see the core's `platform::detach`).
pub fn detach(command: &mut Command) {
    otpilot_core::platform::detach(command);
}

/// Opens a log for appending; private through its directory's owner-only DACL (the state
/// directory is made so by `ensure_private_dir`), and given one of its own too.
pub fn open_private_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    otpilot_core::platform::make_private(path)?;
    Ok(file)
}

/// The person's shell, for `exec` without a command: `%COMSPEC%`, else `cmd.exe`.
pub fn default_shell() -> std::ffi::OsString {
    std::env::var_os("COMSPEC")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cmd.exe".into())
}
