//! The Account view: the account report for a profile the person picks, for its own account
//! or for the whole AWS Organization it manages. The tray makes both (it holds the
//! credentials and the dialogs an MFA code may need); the actions stay in the CLI
//! (`otpilot account ...`), whose commands each finding names.

use std::sync::mpsc;
use std::time::Duration;

use otpilot_core::account::organization::OrganizationReport;
use otpilot_core::app::AccountReport;
use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::CommandResult;
use otpilot_tray::state::{AppState, OrgProgress};
use serde::{Deserialize, Serialize};
use tauri::ipc::Request;
use tauri::{AppHandle, Emitter, State};

use super::profiles::ProfileArgs;
use super::{args, blocking};
use crate::Shared;

/// How often the window asks the tray how far an organization report is.
const PROGRESS_EVERY: Duration = Duration::from_millis(400);

#[tauri::command]
pub async fn account_report(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<AccountReport> {
    let ProfileArgs { profile } = args(&request)?;
    blocking(*state, move |s| {
        crate::tray_client::ask(s, &Op::AccountReport { profile })
    })
    .await
}

/// The organization report's fields, as typed (the core checks them).
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationArgs {
    pub profile: String,
    /// The access role's name in each member account.
    pub role: String,
    /// Only these account ids; none for every account.
    pub accounts: Vec<String>,
    /// Only the accounts directly in this organizational unit or root.
    pub ou: Option<String>,
    pub concurrency: usize,
}

/// The payload of `organization://progress`: accounts done, of how many, for a profile.
#[derive(Serialize, Clone, ts_rs::TS)]
pub struct OrgProgressEvent {
    pub profile: String,
    pub done: usize,
    pub total: usize,
}

#[tauri::command]
pub async fn organization_report(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<OrganizationReport> {
    let a: OrganizationArgs = args(&request)?;
    blocking(*state, move |s| {
        let (stop, stopped) = mpsc::channel::<()>();
        let profile = a.profile.clone();
        std::thread::scope(|scope| {
            scope.spawn(|| follow_progress(&app, s, &profile, stopped));
            let op = Op::OrganizationReport {
                profile: a.profile,
                role: a.role,
                accounts: a.accounts,
                ou: a.ou,
                concurrency: a.concurrency,
            };
            let report = crate::tray_client::ask(s, &op);
            drop(stop);
            report
        })
    })
    .await
}

/// Turns the tray's progress of the running report into `organization://progress` events
/// until `stopped` says the report is in.
fn follow_progress(app: &AppHandle, s: &AppState, profile: &str, stopped: mpsc::Receiver<()>) {
    let mut shown = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(PROGRESS_EVERY) {
        let asked = Op::OrganizationProgress {
            profile: profile.to_owned(),
        };
        let now: Option<OrgProgress> = crate::tray_client::ask(s, &asked).unwrap_or_default();
        if let Some(p) = now.filter(|p| Some(*p) != shown) {
            shown = Some(p);
            let _ = app.emit(
                "organization://progress",
                OrgProgressEvent {
                    profile: profile.to_owned(),
                    done: p.done,
                    total: p.total,
                },
            );
        }
    }
}
