//! Start at login: an XDG autostart entry on Linux (through auto-launch), pointing at this
//! tray binary.

pub fn apply(enabled: bool) {
    let launcher = std::env::current_exe()
        .map_err(|e| e.to_string())
        .and_then(|exe| {
            auto_launch::AutoLaunchBuilder::new()
                .set_app_name("Otpilot")
                .set_app_path(&exe.display().to_string())
                .build()
                .map_err(|e| e.to_string())
        });
    let result = launcher.and_then(|launcher| {
        let on = launcher.is_enabled().unwrap_or(false);
        match (enabled, on) {
            (true, _) => launcher.enable(),
            (false, true) => launcher.disable(),
            (false, false) => Ok(()),
        }
        .map_err(|e| e.to_string())
    });
    if let Err(e) = result {
        tracing::warn!("cannot change start at login: {e}");
    }
}
