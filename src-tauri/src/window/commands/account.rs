//! The Account view: the account report for a profile the person picks. The tray makes it
//! (it holds the credentials and the dialogs an MFA code may need); the actions stay in the
//! CLI (`otpilot account ...`), whose commands each finding names.

use otpilot_core::app::AccountReport;
use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::CommandResult;
use tauri::ipc::Request;
use tauri::State;

use super::profiles::ProfileArgs;
use super::{args, blocking};
use crate::Shared;

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
