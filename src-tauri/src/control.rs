//! What the window asks of the tray. The window is its own process (so the tray never loads a
//! web engine and idles small); the things that must outlive it or that the tray owns go
//! through the tray's agent socket as the core's typed [`TrayOp`]s: the clipboard (an X11
//! selection dies with its owner), watched profiles' state, refreshes and console sign-ins
//! (which may ask for a code in a tray dialog), and the effects of saving settings.

use std::path::Path;

use otpilot_core::agent::{self, client::TrayFailure};
use otpilot_core::error::ErrorKind;
use serde::de::DeserializeOwned;

pub use otpilot_core::agent::protocol::{ProfileStates, TrayOp};

use crate::error::CommandError;

/// Asks the tray (whose runtime dir is `runtime_dir`) to do `op`, for an answer of type `T`.
pub fn call<T: DeserializeOwned>(runtime_dir: &Path, op: &TrayOp) -> Result<T, CommandError> {
    agent::client::tray(&agent::socket_path(runtime_dir), op).map_err(|failure| match failure {
        TrayFailure::Failed(e) => CommandError {
            kind: e.kind,
            message: e.message,
        },
        TrayFailure::Unavailable(why) => CommandError {
            kind: ErrorKind::TrayNotRunning,
            message: format!("the Otpilot tray is not running ({why}); start it with otpilot-tray"),
        },
    })
}

/// Asks the tray to do `op`, for no answer but success.
pub fn tell(runtime_dir: &Path, op: &TrayOp) -> Result<(), CommandError> {
    call::<serde::de::IgnoredAny>(runtime_dir, op).map(drop)
}
