//! Start at login, through the autostart plugin (an XDG autostart entry on Linux).

use tauri_plugin_autostart::ManagerExt;

use crate::state::AppState;

pub fn apply(state: &AppState, enabled: bool) {
    let Some(app) = state.app.get() else { return };
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else if launcher.is_enabled().unwrap_or(false) {
        launcher.disable()
    } else {
        Ok(())
    };
    if let Err(e) = result {
        tracing::warn!("cannot change start at login: {e}");
    }
}
