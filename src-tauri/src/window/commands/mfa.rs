//! MFA set-up and activity commands: the "Set up MFA" wizard (candidates, enrol) and the
//! recent entries of the audit log.

use serde::{Deserialize, Serialize};
use tauri::ipc::Request;
use tauri::{AppHandle, Emitter, State};

use super::{args, blocking};
use otpilot_tray::error::CommandResult;

use crate::Shared;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct EnrollCandidate {
    profile: String,
    mfa_serial: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct EnrollResult {
    device: String,
    serial: String,
    user: String,
    profiles_updated: Vec<String>,
    backup: Option<String>,
    /// The serial the profile already named and kept, with what to say about it.
    kept_serial: Option<String>,
    kept_note: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct ActivityEntry {
    time: i64,
    event: String,
    summary: String,
    profile: Option<String>,
    device: Option<String>,
    source: String,
}

#[tauri::command]
pub async fn mfa_enroll_candidates(
    state: State<'_, Shared>,
) -> CommandResult<Vec<EnrollCandidate>> {
    blocking(*state, |s| {
        let broker = s.session.broker_with(s.settings())?;
        let candidates = s.session.lifecycle(&broker).candidates()?;
        Ok(candidates
            .into_iter()
            .map(|c| EnrollCandidate {
                profile: c.profile,
                mfa_serial: c.mfa_serial,
            })
            .collect())
    })
    .await
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MfaEnrollArgs {
    profile: String,
    /// An IAM virtual MFA device name; none for the default.
    device_name: Option<String>,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentActivityArgs {
    limit: usize,
}

#[tauri::command]
pub async fn mfa_enroll(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<EnrollResult> {
    let MfaEnrollArgs {
        profile,
        device_name,
    } = args(&request)?;
    let result = blocking(*state, move |s| {
        let broker = s.session.broker_with(s.settings())?;
        let enrolled = s
            .session
            .lifecycle(&broker)
            .enroll(&profile, device_name.as_deref().filter(|n| !n.is_empty()))?;
        Ok(EnrollResult {
            kept_note: enrolled.kept_note(&profile),
            kept_serial: enrolled.kept_serial,
            device: enrolled.device,
            serial: enrolled.serial,
            user: enrolled.user,
            profiles_updated: enrolled.profiles_updated,
            backup: enrolled.backup.map(|p| p.display().to_string()),
        })
    })
    .await?;
    let _ = app.emit("devices://changed", ());
    crate::tray_client::changed(state.0);
    Ok(result)
}

#[tauri::command]
pub async fn recent_activity(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<Vec<ActivityEntry>> {
    let RecentActivityArgs { limit } = args(&request)?;
    blocking(*state, move |s| {
        Ok(s.session
            .audit()
            .recent(limit.min(1000))?
            .into_iter()
            .map(|e| ActivityEntry {
                time: e.time,
                event: serde_json::to_value(e.event)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                summary: e.summary(),
                profile: e.profile,
                device: e.device,
                source: e.origin,
            })
            .collect())
    })
    .await
}
