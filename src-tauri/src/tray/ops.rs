//! What the tray's agent answers: `credential_process` requests (from memory, see
//! `AppState::credentials`) and the operations its window asks for (see
//! `otpilot_tray::control`).

use otpilot_core::agent::protocol::{TrayOp as Op, WireError};
use otpilot_core::agent::server::Handler;
use otpilot_core::app::OrgOptions;
use otpilot_core::credentials::Credentials;
use otpilot_core::error::ErrorKind;
use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;
use otpilot_tray::{console, refresher};
use serde_json::{json, Value};

pub struct TrayAgent(pub &'static AppState);

impl Handler for TrayAgent {
    fn credentials(&self, profile: &str) -> otpilot_core::Result<Credentials> {
        self.0.credentials(profile)
    }

    /// `otpilot profile forget`: the tray's memory (and its store's cache) too.
    fn forget(&self, profile: &str) -> Option<otpilot_core::Result<usize>> {
        Some(self.0.session.forget_profile(profile))
    }

    fn tray(&self, op: Op) -> Option<Result<Value, WireError>> {
        Some(run(self.0, op).map_err(|e| WireError::new(e.kind, e.message)))
    }
}

/// Runs one operation on the agent's connection thread (never the main thread).
fn run(state: &'static AppState, op: Op) -> CommandResult<Value> {
    match op {
        Op::OpenWindow => crate::window_process::open(),
        Op::CopyCode { device } => return Ok(json!(crate::clipboard::copy_code(state, &device)?)),
        Op::Refresh { profile } => refresher::refresh_now(state, &profile)?,
        Op::OpenConsole {
            profile,
            service,
            region,
        } => console::open(state, &profile, service, region)?,
        Op::CheckProfile { profile } => {
            let identity = state
                .session
                .check_profile(&profile, |target| state.credentials(target))?;
            return Ok(json!(identity));
        }
        Op::AccountReport { profile } => {
            return Ok(json!(state.session.account_report(&profile)?));
        }
        Op::OrganizationReport {
            profile,
            role,
            accounts,
            ou,
            concurrency,
        } => {
            let options = OrgOptions::new(&role, &accounts, ou.as_deref(), concurrency)?;
            return Ok(json!(state.organization_report(&profile, &options)?));
        }
        Op::OrganizationProgress { profile } => {
            return Ok(json!(state.org_progress(&profile)));
        }
        Op::ProfileStates => {
            return Ok(json!(state.profile_states()));
        }
        Op::ApplyShortcut { accelerator } => crate::shortcut::apply(accelerator.as_deref())
            .map_err(|message| CommandError::new(ErrorKind::InvalidInput, message))?,
        Op::Changed => {
            let settings = state.settings();
            crate::autostart::apply(settings.start_at_login);
            crate::menu::refresh(state);
            refresher::wake();
        }
    }
    Ok(json!(true))
}
