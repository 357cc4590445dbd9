//! Profile commands: list with chain, device and freshness; refresh now; app status.

use otpilot_core::aws::plan;
use otpilot_core::aws::profile::Profiles;
use otpilot_core::cache::CredentialsCache;
use otpilot_core::totp::unix_now;
use serde::Serialize;
use tauri::State;

use super::blocking;
use crate::error::CommandResult;
use crate::state::{AppState, Freshness, ProfileState};
use crate::Shared;

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub profile: String,
    pub wired: bool,
    pub watched: bool,
    pub chain: Vec<String>,
    pub mfa_serial: Option<String>,
    pub device: Option<String>,
    pub error: Option<String>,
    pub state: Freshness,
    pub expires_at: Option<i64>,
    pub message: Option<String>,
}

/// Describes one profile: its plan, device, and what the tray or the cache knows of it.
pub fn describe(state: &AppState, profiles: &Profiles, name: &str) -> ProfileView {
    let settings = state.settings();
    let wired = profiles
        .get_raw(name, "credential_process")
        .is_some_and(|c| c.contains("otpilot") && c.contains("credential-process"));
    let mut view = ProfileView {
        profile: name.to_owned(),
        wired,
        watched: settings.watched_profiles.iter().any(|p| p == name),
        chain: Vec::new(),
        mfa_serial: None,
        device: None,
        error: None,
        state: Freshness::Unknown,
        expires_at: None,
        message: None,
    };
    match profiles
        .resolve(name)
        .and_then(|r| plan::build(&r, settings.session_duration_seconds))
    {
        Ok(plan) => {
            view.chain = plan.steps.iter().map(|s| s.describe()).collect();
            view.mfa_serial = plan.mfa_serial().map(str::to_owned);
            if let Some(serial) = &view.mfa_serial {
                view.device = state
                    .devices()
                    .list()
                    .ok()
                    .and_then(|ds| ds.into_iter().find(|d| d.serial.as_deref() == Some(serial)))
                    .map(|d| d.name);
            }
            let cache = CredentialsCache::new(&state.dirs.cache, state.keyring.as_ref());
            let now = unix_now() as i64;
            if let Some(meta) = plan.final_key().and_then(|k| cache.meta(k)) {
                if meta.expiration > now {
                    view.state = Freshness::Valid;
                    view.expires_at = Some(meta.expiration);
                }
            }
        }
        Err(e) => {
            view.error = Some(e.to_string());
            view.state = Freshness::Attention;
        }
    }
    if let Some(ProfileState {
        state: s,
        expires_at,
        message,
    }) = state.profile_state(name)
    {
        if s != Freshness::Valid || view.expires_at.is_none() {
            view.state = s;
            view.expires_at = expires_at.or(view.expires_at);
            view.message = message;
        }
    }
    view
}

pub fn list(state: &AppState) -> otpilot_core::Result<Vec<ProfileView>> {
    let profiles = Profiles::load(&state.aws_files()?)?;
    Ok(profiles
        .names()
        .iter()
        .map(|n| describe(state, &profiles, n))
        .collect())
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, Shared>) -> CommandResult<Vec<ProfileView>> {
    blocking(*state, |s| Ok(list(s)?)).await
}

#[tauri::command]
pub async fn refresh_profile(
    state: State<'_, Shared>,
    profile: String,
) -> CommandResult<ProfileView> {
    blocking(*state, move |s| {
        crate::refresher::refresh_now(s, &profile)?;
        let profiles = Profiles::load(&s.aws_files()?)?;
        Ok(describe(s, &profiles, &profile))
    })
    .await
}

#[tauri::command]
pub async fn open_console(
    state: State<'_, Shared>,
    profile: String,
    service: Option<String>,
    region: Option<String>,
) -> CommandResult<()> {
    blocking(*state, move |s| {
        crate::console::open(s, &profile, service, region)
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    keyring: &'static str,
    keyring_message: Option<String>,
    aws_config: &'static str,
    aws_message: Option<String>,
}

#[tauri::command]
pub async fn app_status(state: State<'_, Shared>) -> CommandResult<AppStatus> {
    blocking(*state, |s| {
        let (keyring, keyring_message) = match s.keyring.get("status-probe") {
            Ok(_) => ("ok", None),
            Err(e @ otpilot_core::Error::KeyringLocked) => ("locked", Some(e.to_string())),
            Err(e) => ("unavailable", Some(e.to_string())),
        };
        let (aws_config, aws_message) = match s.aws_files() {
            Ok(files) if !files.config.exists() && !files.credentials.exists() => (
                "missing",
                Some(format!("no AWS config at {}", files.config.display())),
            ),
            Ok(files) => match Profiles::load(&files) {
                Ok(_) => ("ok", None),
                Err(e) => ("error", Some(e.to_string())),
            },
            Err(e) => ("error", Some(e.to_string())),
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
