//! "Open console" from the tray menu and the window: the core signs the profile in and opens
//! it in the profile's browser (`console_browser`, the same rule as `otpilot console`): the
//! default one through the logout endpoint, so switching accounts takes one click, or the
//! profile's own browser profile.

use otpilot_core::console::{ConsoleRequest, Destination};

use crate::error::CommandResult;
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
    // Found before signing in: a missing browser spends no MFA code.
    let browser = state.session.console_browser(profile, None)?;
    let login = state
        .session
        .broker_with(state.settings())?
        .console_login(profile, &request)?;
    state.session.open_console(&login, &browser, false)?;
    tracing::info!(
        "opened the AWS console for {profile} ({})",
        login.destination
    );
    Ok(())
}
