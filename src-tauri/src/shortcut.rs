//! The optional global shortcut (`global_shortcut` in config.toml): copies the code of the
//! default device (`default_device`, else the first) to the clipboard from anywhere, as the
//! tray menu's "Copy code" does. X11 only: Wayland gives apps no global shortcuts.

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Wry};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::state::AppState;

/// The plugin, with the handler every registered shortcut reaches.
pub fn plugin(state: &'static AppState) -> TauriPlugin<Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(move |_app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                std::thread::spawn(move || copy_default_code(state));
            }
        })
        .build()
}

/// Parses an accelerator such as `Ctrl+Alt+O`, with a message that says how to write one.
pub fn parse(accelerator: &str) -> Result<Shortcut, String> {
    accelerator.parse::<Shortcut>().map_err(|e| {
        format!("`{accelerator}` is not a shortcut ({e}); write modifiers and one key, such as Ctrl+Alt+O")
    })
}

/// Makes `accelerator` the one global shortcut (none when `None`). Must not run on the main
/// thread: registering waits for it.
pub fn apply(app: &AppHandle, accelerator: Option<&str>) -> Result<(), String> {
    let shortcuts = app.global_shortcut();
    let _ = shortcuts.unregister_all();
    if let Some(accelerator) = accelerator {
        let shortcut = parse(accelerator)?;
        shortcuts.register(shortcut).map_err(|e| {
            format!("the desktop refused the shortcut {accelerator} ({e}); another app may hold it, so choose another")
        })?;
        tracing::info!("global shortcut {accelerator} copies the default device's code");
    }
    Ok(())
}

/// Registers the configured shortcut at start-up, off the main thread.
pub fn apply_configured(app: &AppHandle, state: &'static AppState) {
    let Some(accelerator) = state.settings().global_shortcut else {
        return;
    };
    let app = app.clone();
    std::thread::spawn(move || {
        if let Err(message) = apply(&app, Some(&accelerator)) {
            tracing::warn!("{message}");
            crate::notify::send(state, "Otpilot", &message);
        }
    });
}

fn copy_default_code(state: &'static AppState) {
    let wanted = state.settings().default_device;
    let device = state.devices().list().ok().and_then(|devices| {
        wanted
            .as_ref()
            .and_then(|w| devices.iter().find(|d| &d.name == w))
            .or(devices.first())
            .map(|d| d.name.clone())
    });
    let result = match device {
        Some(name) => crate::clipboard::copy_code(state, &name).map(drop),
        None => Err(crate::error::CommandError::other(
            "no MFA device to copy a code from; add one in the Otpilot window",
        )),
    };
    if let Err(e) = result {
        crate::notify::send(state, "Otpilot", &e.message);
    }
}
