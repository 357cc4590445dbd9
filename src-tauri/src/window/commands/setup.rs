//! Set-up commands, for the first-run guide and the profile cards: long-term keys into the
//! keyring, wiring and unwiring a profile (the lines that will change first, then the edit),
//! and the live check of a profile through the tray. Each is one core call the CLI makes too.

use otpilot_core::app::{ConfigPreview, KeysMoved, ProfileIdentity};
use otpilot_core::secret::SecretString;
use otpilot_tray::cli_path::otpilot_cli;
use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::CommandResult;
use otpilot_tray::views::{describe, ProfileView};
use serde::{Deserialize, Serialize};
use tauri::ipc::Request;
use tauri::{AppHandle, Emitter, State};

use super::{args, blocking};
use crate::Shared;

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct WireArgs {
    profile: String,
    /// Replace a `credential_process` that runs another tool.
    force: bool,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreKeysArgs {
    profile: String,
    /// Pasted: `AKID SECRET`, the secret alone (with `accessKeyId`), or the IAM console's
    /// CSV file's text.
    text: String,
    access_key_id: Option<String>,
}

#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct KeysStored {
    profile: String,
    /// Masked (`AKIA…MPLE`).
    access_key_id: String,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SwitchSerialArgs {
    old: String,
    new: String,
}

/// The AWS files changed: the views reload, and the tray looks at its watched profiles again.
fn profiles_changed(app: &AppHandle, state: Shared) {
    let _ = app.emit("profiles://changed", ());
    crate::tray_client::changed(state.0);
}

#[tauri::command]
pub async fn keys_move(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<KeysMoved> {
    let super::profiles::ProfileArgs { profile } = args(&request)?;
    let moved = blocking(*state, move |s| {
        Ok(s.session.move_keys_to_keyring(&profile)?)
    })
    .await?;
    profiles_changed(&app, *state);
    Ok(moved)
}

#[tauri::command]
pub async fn keys_store(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<KeysStored> {
    let StoreKeysArgs {
        profile,
        text,
        access_key_id,
    } = args(&request)?;
    // Owned by a zeroizing string from here on.
    let text = SecretString::new(text);
    let stored = blocking(*state, move |s| {
        let keys = otpilot_core::keys::parse_keys(text.expose(), access_key_id.as_deref())?;
        let access_key_id = s.session.store_keys(&profile, &keys)?;
        Ok(KeysStored {
            profile,
            access_key_id,
        })
    })
    .await?;
    profiles_changed(&app, *state);
    Ok(stored)
}

#[tauri::command]
pub async fn wire_preview(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ConfigPreview> {
    let WireArgs { profile, force } = args(&request)?;
    blocking(*state, move |s| {
        Ok(s.session.wiring_preview(&profile, &otpilot_cli()?, force)?)
    })
    .await
}

#[tauri::command]
pub async fn wire_profile(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ProfileView> {
    let WireArgs { profile, force } = args(&request)?;
    let view = blocking(*state, move |s| {
        s.session.wire_profile(&profile, &otpilot_cli()?, force)?;
        Ok(describe(s, &s.session.profiles()?, &profile))
    })
    .await?;
    profiles_changed(&app, *state);
    Ok(view)
}

#[tauri::command]
pub async fn unwire_preview(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ConfigPreview> {
    let super::profiles::ProfileArgs { profile } = args(&request)?;
    blocking(*state, move |s| Ok(s.session.unwiring_preview(&profile)?)).await
}

#[tauri::command]
pub async fn unwire_profile(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ProfileView> {
    let super::profiles::ProfileArgs { profile } = args(&request)?;
    let view = blocking(*state, move |s| {
        s.session.unwire_profile(&profile)?;
        Ok(describe(s, &s.session.profiles()?, &profile))
    })
    .await?;
    profiles_changed(&app, *state);
    Ok(view)
}

/// Through the tray, as the AWS CLI's `credential_process` goes: the tray may ask for a code
/// in its dialog, and the credentials it issues are the ones callers will get.
#[tauri::command]
pub async fn check_profile(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ProfileIdentity> {
    let super::profiles::ProfileArgs { profile } = args(&request)?;
    blocking(*state, move |s| {
        crate::tray_client::ask(s, &Op::CheckProfile { profile })
    })
    .await
}

/// Points every profile that names `old` at `new` (the window's enrolment, when a profile
/// kept its device); answers the profiles changed.
#[tauri::command]
pub async fn mfa_switch_serial(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<Vec<String>> {
    let SwitchSerialArgs { old, new } = args(&request)?;
    let updated = blocking(*state, move |s| {
        let broker = s.session.broker_with(s.settings())?;
        let (updated, _backup) = s.session.lifecycle(&broker).switch_serial(&old, &new)?;
        Ok(updated)
    })
    .await?;
    profiles_changed(&app, *state);
    Ok(updated)
}
