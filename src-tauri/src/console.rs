//! "Open console" from the tray menu and the window: the core signs the profile in and the
//! browser opens through the logout endpoint, so switching accounts takes one click.

use otpilot_core::console::{ConsoleRequest, Destination};
use otpilot_core::error::ErrorKind;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

pub fn open(
    state: &'static AppState,
    profile: &str,
    service: Option<String>,
    region: Option<String>,
) -> CommandResult<()> {
    let nonempty = |s: Option<String>| s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let request = ConsoleRequest {
        destination: nonempty(service).map_or(Destination::Home, Destination::Service),
        region: nonempty(region),
        duration: None,
    };
    let login = state
        .session
        .broker_with(state.settings())?
        .console_login(profile, &request)?;
    otpilot_core::console::browser::open(&login.logout_url, &state.dirs.runtime).map_err(
        |failures| {
            CommandError::new(
                ErrorKind::NoBrowser,
                format!(
                    "no browser could be started ({failures}); set BROWSER or a default browser"
                ),
            )
        },
    )?;
    tracing::info!(
        "opened the AWS console for {profile} ({})",
        login.destination
    );
    Ok(())
}
