//! The commands the UI invokes (names match ui/src/lib/api.ts). Each is a thin wrapper over
//! the core (or a question to the tray) that runs on a worker thread: the core blocks
//! (keyring, IAM, the tray waiting for the person), and the main thread must stay free to draw
//! the window.

pub mod account;
pub mod devices;
pub mod mfa;
pub mod profiles;
pub mod settings;
pub mod setup;

use otpilot_core::error::ErrorKind;
use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;
use serde::Deserialize;
use tauri::ipc::{InvokeBody, Request};

use crate::Shared;

/// Runs blocking work on its own thread and awaits the result.
pub async fn blocking<T: Send + 'static>(
    state: Shared,
    f: impl FnOnce(&'static AppState) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let (tx, rx) = tauri::async_runtime::channel(1);
    std::thread::spawn(move || {
        let _ = tx.blocking_send(f(state.0));
    });
    let mut rx = rx;
    rx.recv()
        .await
        .unwrap_or_else(|| Err(CommandError::other("the worker thread stopped")))
}

/// A command's arguments as one typed object, read from the invoke body exactly as the UI
/// sends it (`invoke("add_device", { name, ... })`). The UI's TypeScript type for it is
/// generated from `T` (see `bindings.rs`), so the two sides cannot drift.
pub fn args<'r, T: Deserialize<'r>>(request: &'r Request<'_>) -> CommandResult<T> {
    let InvokeBody::Json(value) = request.body() else {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            "the window sent its arguments in a form this build cannot read",
        ));
    };
    // By reference: the arguments may hold a pasted seed, which is not copied again here.
    // serde's message may quote a value (a pasted seed in the wrong field): never shown.
    T::deserialize(value).map_err(|_| {
        CommandError::new(
            ErrorKind::InvalidInput,
            "the window's arguments do not match this build; reinstall Otpilot so the window and the tray are the same version",
        )
    })
}

/// A path as the person typed it into a field: `~/` is their home directory, as in a shell
/// (the window has no file dialog, and nothing expands it on the way).
pub fn typed_path(typed: &str) -> std::path::PathBuf {
    let typed = typed.trim();
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(typed),
    }
}
