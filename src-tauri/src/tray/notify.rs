//! Desktop notifications over the freedesktop notification service. With no notification
//! daemon they are dropped with a log line, which is fine: the menu and window show the same
//! state.

pub fn send(title: &str, body: &str) {
    let (title, body) = (title.to_owned(), body.to_owned());
    // A D-Bus round trip; never on the thread that asked (it may be the main thread).
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Otpilot")
            .summary(&title)
            .body(&body)
            .show();
        if let Err(e) = shown {
            tracing::warn!("notification failed: {e}");
        }
    });
}
