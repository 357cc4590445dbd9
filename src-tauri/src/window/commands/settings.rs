//! Settings commands: the tray's view of `config.toml` plus per-device "ask before use".

use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::CommandResult;
use otpilot_tray::state::AppState;
use serde::{Deserialize, Serialize};
use tauri::ipc::Request;
use tauri::State;

use super::{args, blocking};
use crate::Shared;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SettingsView {
    refresh_margin_seconds: i64,
    clipboard_clear_seconds: u64,
    start_at_login: bool,
    watched_profiles: Vec<String>,
    ask_before_use: Vec<String>,
    global_shortcut: Option<String>,
    default_device: Option<String>,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveSettingsArgs {
    settings: SettingsView,
}

fn view(s: &AppState) -> otpilot_core::Result<SettingsView> {
    let settings = s.settings();
    Ok(SettingsView {
        refresh_margin_seconds: settings.refresh_margin_seconds,
        clipboard_clear_seconds: settings.clipboard_clear_seconds,
        start_at_login: settings.start_at_login,
        watched_profiles: settings.watched_profiles,
        global_shortcut: settings.global_shortcut,
        default_device: settings.default_device,
        ask_before_use: s
            .devices()
            .list()?
            .into_iter()
            .filter(|d| d.ask_before_use)
            .map(|d| d.name)
            .collect(),
    })
}

#[tauri::command]
pub async fn get_settings(state: State<'_, Shared>) -> CommandResult<SettingsView> {
    blocking(*state, |s| Ok(view(s)?)).await
}

#[tauri::command]
pub async fn save_settings(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<SettingsView> {
    let SaveSettingsArgs { settings } = args(&request)?;
    let saved = blocking(*state, move |s| {
        let mut current = s.settings();
        let shortcut = settings
            .global_shortcut
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        // A default device that has since been removed is dropped (the shortcut then takes
        // the first device) rather than blocking every other setting.
        let default_device = settings
            .default_device
            .filter(|d| !d.is_empty() && s.devices().find(d).is_ok());
        if shortcut != current.global_shortcut {
            // Taken by the tray (and the desktop behind it) first: a shortcut that cannot
            // work is not saved.
            let apply = |accelerator: Option<String>| {
                crate::tray_client::tell(s, &Op::ApplyShortcut { accelerator })
            };
            if let Err(e) = apply(shortcut.clone()) {
                let _ = apply(current.global_shortcut.clone());
                return Err(e);
            }
        }
        current.global_shortcut = shortcut;
        current.default_device = default_device;
        current.refresh_margin_seconds = settings.refresh_margin_seconds;
        current.clipboard_clear_seconds = settings.clipboard_clear_seconds;
        current.start_at_login = settings.start_at_login;
        current.watched_profiles = settings.watched_profiles;
        current.save(&s.dirs.config)?;
        let devices = s.devices();
        for d in devices.list()? {
            let ask = settings.ask_before_use.contains(&d.name);
            if ask != d.ask_before_use {
                devices.set_ask_before_use(&d.name, ask)?;
            }
        }
        // The tray applies start at login, redraws its menu and looks at the watched
        // profiles again.
        crate::tray_client::changed(s);
        Ok(view(s)?)
    })
    .await?;
    Ok(saved)
}
