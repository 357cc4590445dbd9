//! The commands the UI invokes (names match ui/src/lib/api.ts). Each is a thin wrapper over
//! the core (or a question to the tray) that runs on a worker thread: the core blocks
//! (keyring, IAM, the tray waiting for the person), and the main thread must stay free to draw
//! the window.

pub mod devices;
pub mod mfa;
pub mod profiles;
pub mod settings;

use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;

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
