//! Where the `otpilot` command is, for the `credential_process` lines the window writes: the
//! SDKs run that command, not the window. It is installed beside the tray's binaries (one
//! `cargo build`, one package), else found on `PATH`.

use std::path::PathBuf;

use otpilot_core::error::ErrorKind;
use otpilot_core::invocation::{cli_file_name, is_executable};

use crate::error::{CommandError, CommandResult};

/// The `otpilot` executable the SDKs should run.
pub fn otpilot_cli() -> CommandResult<PathBuf> {
    let beside = std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(cli_file_name()));
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(cli_file_name()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    beside
        .into_iter()
        .chain(on_path)
        .find(|p| is_executable(p))
        .ok_or_else(|| {
            CommandError::new(
                ErrorKind::NotFound,
                "the `otpilot` command is neither beside the tray nor on PATH; install it with the tray (cargo build -p otpilot) and try again",
            )
        })
}
