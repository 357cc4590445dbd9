//! Filling codes: copy to the clipboard, and clear it after the configured delay, but only if
//! it still holds that code (the person may have copied something else since). The tray owns
//! the clipboard because it outlives the window: on X11 a copied text lives only as long as
//! the process that offers it.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use otpilot_core::audit::{AuditEntry, EventKind};
use otpilot_core::clock::unix_now;
use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;

/// One clipboard connection for the life of the tray (arboard serves the X selection from a
/// thread of its own while it lives).
static CLIPBOARD: Mutex<Option<arboard::Clipboard>> = Mutex::new(None);

fn with_clipboard<T>(
    f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>,
) -> CommandResult<T> {
    let mut guard = CLIPBOARD.lock().unwrap_or_else(PoisonError::into_inner);
    if guard.is_none() {
        *guard = Some(
            arboard::Clipboard::new()
                .map_err(|e| CommandError::other(format!("cannot reach the clipboard: {e}")))?,
        );
    }
    f(guard.as_mut().expect("just set"))
        .map_err(|e| CommandError::other(format!("cannot write to the clipboard: {e}")))
}

/// Offers `text` marked as a secret, so clipboard managers leave it out of their history
/// (`x-kde-passwordManagerHint: secret` on Linux, the convention KDE's Klipper, GNOME's
/// clipboard extensions and password managers share).
#[cfg(target_os = "linux")]
fn set_excluded_from_history(
    c: &mut arboard::Clipboard,
    text: String,
) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    c.set().exclude_from_history().text(text)
}

/// Elsewhere the platform's own exclusion goes here; until it is built and tested there, a
/// plain copy.
#[cfg(not(target_os = "linux"))]
fn set_excluded_from_history(
    c: &mut arboard::Clipboard,
    text: String,
) -> Result<(), arboard::Error> {
    c.set_text(text)
}

/// Copies the current code of `device`; returns the seconds until it is cleared.
pub fn copy_code(state: &'static AppState, device: &str) -> CommandResult<u64> {
    let devices = state.devices();
    let d = devices.find(device)?;
    let code = devices
        .totp(&d, &|name| state.ask_pin(name))?
        .code_at(unix_now())?
        .code;
    with_clipboard(|c| set_excluded_from_history(c, code.clone()))?;
    state.session.audit().record(AuditEntry {
        device: Some(d.name.clone()),
        serial: d.serial.clone(),
        purpose: Some("clipboard".into()),
        ..AuditEntry::new(EventKind::CodeUsed)
    });
    let delay = state.settings().clipboard_clear_seconds;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(delay));
        let still_ours = with_clipboard(|c| c.get_text()).ok().as_deref() == Some(code.as_str());
        if still_ours && with_clipboard(|c| c.set_text(String::new())).is_ok() {
            tracing::debug!("cleared the copied code from the clipboard");
        }
    });
    Ok(delay)
}
