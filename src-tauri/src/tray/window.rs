//! The window is `otpilot-window`, installed next to this binary: started when the person
//! opens it and gone when they close it, so the web engine's memory is never the tray's.
//! A second start while one is open only raises the first (its single-instance plugin).

use std::path::PathBuf;
use std::process::Command;

fn window_binary() -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name("otpilot-window"))
}

/// Opens (or raises) the window. Safe to call from any thread.
pub fn open() {
    let spawned = window_binary().and_then(|bin| Command::new(bin).spawn());
    match spawned {
        // Reaped on a thread of its own, so a closed window leaves no zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => {
            tracing::warn!("cannot start otpilot-window: {e}");
            crate::notify::send(
                "Otpilot",
                &format!("cannot open the window ({e}); reinstall Otpilot"),
            );
        }
    }
}
