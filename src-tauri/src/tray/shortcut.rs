//! The optional global shortcut (`global_shortcut` in config.toml): copies the code of the
//! default device (`default_device`, else the first) to the clipboard from anywhere, as the
//! tray menu's "Copy code" does. X11 only: Wayland gives apps no global shortcuts.

use std::sync::{Mutex, OnceLock, PoisonError};

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use otpilot_tray::error::CommandError;
use otpilot_tray::state::AppState;

/// The manager (it grabs keys on an X connection of its own) and the one registered shortcut.
struct Shortcuts {
    manager: GlobalHotKeyManager,
    current: Option<HotKey>,
}

static SHORTCUTS: OnceLock<Result<Mutex<Shortcuts>, String>> = OnceLock::new();

fn shortcuts() -> Result<&'static Mutex<Shortcuts>, String> {
    SHORTCUTS
        .get_or_init(|| {
            GlobalHotKeyManager::new()
                .map(|manager| {
                    Mutex::new(Shortcuts {
                        manager,
                        current: None,
                    })
                })
                .map_err(|e| format!("global shortcuts are not available here ({e})"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses an accelerator such as `Ctrl+Alt+O`, with a message that says how to write one.
pub fn parse(accelerator: &str) -> Result<HotKey, String> {
    accelerator.parse::<HotKey>().map_err(|e| {
        format!("`{accelerator}` is not a shortcut ({e}); write modifiers and one key, such as Ctrl+Alt+O")
    })
}

/// Makes `accelerator` the one global shortcut (none when `None`). Blocks until the X server
/// answers, so not on the main thread.
pub fn apply(accelerator: Option<&str>) -> Result<(), String> {
    let wanted = accelerator.map(parse).transpose()?;
    if wanted.is_none() && SHORTCUTS.get().is_none() {
        return Ok(());
    }
    let mut shortcuts = shortcuts()?.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(old) = shortcuts.current.take() {
        let _ = shortcuts.manager.unregister(old);
    }
    if let (Some(hotkey), Some(accelerator)) = (wanted, accelerator) {
        shortcuts.manager.register(hotkey).map_err(|e| {
            format!("the desktop refused the shortcut {accelerator} ({e}); another app may hold it, so choose another")
        })?;
        shortcuts.current = Some(hotkey);
        tracing::info!("global shortcut {accelerator} copies the default device's code");
    }
    Ok(())
}

/// Listens for the shortcut and registers the configured one, off the main thread.
pub fn start(state: &'static AppState) {
    GlobalHotKeyEvent::set_event_handler(Some(move |event: GlobalHotKeyEvent| {
        if event.state() == HotKeyState::Pressed {
            std::thread::spawn(move || copy_default_code(state));
        }
    }));
    let Some(accelerator) = state.settings().global_shortcut else {
        return;
    };
    std::thread::spawn(move || {
        if let Err(message) = apply(Some(&accelerator)) {
            tracing::warn!("{message}");
            crate::notify::send("Otpilot", &message);
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
        None => Err(CommandError::other(
            "no MFA device to copy a code from; add one in the Otpilot window",
        )),
    };
    if let Err(e) = result {
        crate::notify::send("Otpilot", &e.message);
    }
}
