//! Profile commands: list with chain, device and freshness; refresh now; app status.

use otpilot_core::aws::profile::Profiles;
use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::CommandResult;
use otpilot_tray::views::{describe, list, ProfileView};
use serde::{Deserialize, Serialize};
use tauri::ipc::Request;
use tauri::State;

use super::{args, blocking};
use crate::Shared;

#[tauri::command]
pub async fn list_profiles(state: State<'_, Shared>) -> CommandResult<Vec<ProfileView>> {
    blocking(*state, |s| {
        crate::tray_client::sync_profile_states(s);
        Ok(list(s)?)
    })
    .await
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileArgs {
    pub profile: String,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenConsoleArgs {
    profile: String,
    /// A console service (`s3`), or none for the console home.
    service: Option<String>,
    region: Option<String>,
}

#[tauri::command]
pub async fn refresh_profile(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ProfileView> {
    let ProfileArgs { profile } = args(&request)?;
    blocking(*state, move |s| {
        crate::tray_client::tell(
            s,
            &Op::Refresh {
                profile: profile.clone(),
            },
        )?;
        crate::tray_client::sync_profile_states(s);
        let profiles = s.session.profiles()?;
        Ok(describe(s, &profiles, &profile))
    })
    .await
}

#[tauri::command]
pub async fn open_console(state: State<'_, Shared>, request: Request<'_>) -> CommandResult<()> {
    let OpenConsoleArgs {
        profile,
        service,
        region,
    } = args(&request)?;
    blocking(*state, move |s| {
        // Through the tray: signing in may need a code typed into a tray dialog.
        crate::tray_client::tell(
            s,
            &Op::OpenConsole {
                profile,
                service,
                region,
            },
        )
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct AppStatus {
    keyring: KeyringStatus,
    keyring_message: Option<String>,
    aws_config: AwsConfigStatus,
    aws_message: Option<String>,
}

#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum KeyringStatus {
    Ok,
    Locked,
    Unavailable,
}

#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AwsConfigStatus {
    Ok,
    Missing,
    Error,
}

#[tauri::command]
pub async fn app_status(state: State<'_, Shared>) -> CommandResult<AppStatus> {
    blocking(*state, |s| {
        let (keyring, keyring_message) = match s.session.store().get("status-probe") {
            Ok(_) => (KeyringStatus::Ok, None),
            Err(e @ otpilot_core::Error::KeyringLocked) => {
                (KeyringStatus::Locked, Some(e.to_string()))
            }
            Err(e) => (KeyringStatus::Unavailable, Some(e.to_string())),
        };
        let (aws_config, aws_message) = match s.session.aws_files() {
            Ok(files) if !files.config.exists() && !files.credentials.exists() => (
                AwsConfigStatus::Missing,
                Some(format!("no AWS config at {}", files.config.display())),
            ),
            Ok(files) => match Profiles::load(&files) {
                Ok(_) => (AwsConfigStatus::Ok, None),
                Err(e) => (AwsConfigStatus::Error, Some(e.to_string())),
            },
            Err(e) => (AwsConfigStatus::Error, Some(e.to_string())),
        };
        Ok(AppStatus {
            keyring,
            keyring_message,
            aws_config,
            aws_message,
        })
    })
    .await
}
