//! The window's side of the tray: what it asks the tray to do, and the watched profiles'
//! state, followed while the window is open so the Profiles view stays live.

use std::collections::HashMap;
use std::time::Duration;

use otpilot_tray::control::{self, ProfileStates, TrayOp as Op};
use otpilot_tray::error::CommandResult;
use otpilot_tray::state::{AppState, Freshness};
use otpilot_tray::views::describe;
use tauri::{AppHandle, Emitter};

/// The payload of `credentials://failed`: a watched profile could not be refreshed.
#[derive(serde::Serialize, Clone, ts_rs::TS)]
pub struct FailedEvent {
    pub profile: String,
    pub message: String,
}

/// How often the open window asks the tray what changed; a local socket round trip.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Asks the tray to do `op`, for an answer of type `T`.
pub fn ask<T: serde::de::DeserializeOwned>(state: &AppState, op: &Op) -> CommandResult<T> {
    control::call(&state.dirs.runtime, op)
}

/// Asks the tray to do `op`, for no answer but success.
pub fn tell(state: &AppState, op: &Op) -> CommandResult<()> {
    control::tell(&state.dirs.runtime, op)
}

/// Tells the tray that devices or settings changed, so it redraws its menu. The window's own
/// change is done by then, so a tray that is not running is only logged.
pub fn changed(state: &AppState) {
    if let Err(e) = tell(state, &Op::Changed) {
        tracing::info!("{}", e.message);
    }
}

/// Copies the tray's view of the watched profiles into the window's state, so `describe`
/// shows what the tray knows. Returns the states.
pub fn sync_profile_states(state: &AppState) -> ProfileStates {
    let states: ProfileStates = ask(state, &Op::ProfileStates).unwrap_or_default();
    state.replace_profile_states(states.clone());
    states
}

/// Follows the tray's profile states while the window is open, turning changes into the
/// UI's `credentials://refreshed` and `credentials://failed` events.
pub fn watch_profiles(app: AppHandle, state: &'static AppState) {
    std::thread::spawn(move || {
        let mut seen: ProfileStates = HashMap::new();
        loop {
            let now = sync_profile_states(state);
            for (profile, s) in &now {
                if seen.get(profile) == Some(s) {
                    continue;
                }
                match s.state {
                    Freshness::Attention => {
                        let message = s.message.clone().unwrap_or_default();
                        let _ = app.emit(
                            "credentials://failed",
                            FailedEvent {
                                profile: profile.clone(),
                                message,
                            },
                        );
                    }
                    _ => {
                        if let Ok(profiles) = state.session.profiles() {
                            let _ = app.emit(
                                "credentials://refreshed",
                                describe(state, &profiles, profile),
                            );
                        }
                    }
                }
            }
            seen = now;
            std::thread::sleep(WATCH_EVERY);
        }
    });
}
