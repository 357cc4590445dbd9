//! Desktop notifications (through the notification plugin; with no notification daemon
//! they are sent and dropped, which is fine).

use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

pub fn send(state: &AppState, title: &str, body: &str) {
    let Some(app) = state.app.get() else { return };
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!("notification failed: {e}");
    }
}
