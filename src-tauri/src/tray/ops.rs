//! What the tray's agent answers: `credential_process` requests (from memory, see
//! `AppState::credentials`) and the operations its window asks for (see
//! `otpilot_tray::control`).

use otpilot_core::agent::protocol::WireError;
use otpilot_core::agent::server::Handler;
use otpilot_core::credentials::Credentials;
use otpilot_tray::control::{Op, ProfileStates};
use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;
use otpilot_tray::{console, refresher};
use serde_json::{json, Value};

pub struct TrayAgent(pub &'static AppState);

impl Handler for TrayAgent {
    fn credentials(&self, profile: &str) -> otpilot_core::Result<Credentials> {
        self.0.credentials(profile)
    }

    fn control(&self, op: &str, args: Value) -> Option<Result<Value, WireError>> {
        let op = Op::from_wire(op, args)?;
        Some(run(self.0, op).map_err(|e| WireError {
            kind: e.kind,
            message: e.message,
        }))
    }
}

/// Runs one operation on the agent's connection thread (never the main thread).
fn run(state: &'static AppState, op: Op) -> CommandResult<Value> {
    match op {
        Op::OpenWindow => crate::window::open(),
        Op::CopyCode { device } => return Ok(json!(crate::clipboard::copy_code(state, &device)?)),
        Op::Refresh { profile } => refresher::refresh_now(state, &profile)?,
        Op::OpenConsole {
            profile,
            service,
            region,
        } => console::open(state, &profile, service, region)?,
        Op::ProfileStates => {
            let states: ProfileStates = state.profiles.lock().unwrap().clone();
            return Ok(json!(states));
        }
        Op::ApplyShortcut { accelerator } => crate::shortcut::apply(accelerator.as_deref())
            .map_err(|message| CommandError {
                kind: "invalid_input".into(),
                message,
            })?,
        Op::Changed => {
            let settings = state.settings();
            crate::autostart::apply(settings.start_at_login);
            crate::menu::refresh(state);
            refresher::wake();
        }
    }
    Ok(json!(true))
}
