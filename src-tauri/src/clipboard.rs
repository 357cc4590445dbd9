//! Filling codes: copy to the clipboard, and clear it after the configured delay, but only if
//! it still holds that code (the person may have copied something else since).

use std::time::Duration;

use otpilot_core::audit::{AuditEntry, EventKind};
use otpilot_core::totp::unix_now;
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Copies the current code of `device`; returns the seconds until it is cleared.
pub fn copy_code(state: &'static AppState, device: &str) -> CommandResult<u64> {
    let app = state
        .app
        .get()
        .ok_or_else(|| CommandError::other("the app is still starting"))?;
    let devices = state.devices();
    let d = devices.find(device)?;
    let code = devices.totp(&d)?.code_at(unix_now()).code;
    app.clipboard()
        .write_text(code.clone())
        .map_err(|e| CommandError::other(format!("cannot write to the clipboard: {e}")))?;
    state.audit().record(AuditEntry {
        device: Some(d.name.clone()),
        serial: d.serial.clone(),
        purpose: Some("clipboard".into()),
        ..AuditEntry::new(EventKind::CodeUsed)
    });
    let delay = state.settings().clipboard_clear_seconds;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(delay));
        let clipboard = app.clipboard();
        if clipboard.read_text().ok().as_deref() == Some(code.as_str()) {
            let _ = clipboard.write_text(String::new());
            tracing::debug!("cleared the copied code from the clipboard");
        }
    });
    Ok(delay)
}
