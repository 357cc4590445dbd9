//! The window is `otpilot-window`, installed next to this binary: started when the person
//! opens it and gone when they close it, so the web engine's memory is never the tray's.
//! A second start while one is open only raises the first (its single-instance plugin).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The window processes this tray started and that are still running.
static RUNNING: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

fn window_binary() -> std::io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name("otpilot-window"))
}

/// Opens (or raises) the window. Safe to call from any thread.
pub fn open() {
    let spawned = window_binary().and_then(|bin| Command::new(bin).spawn());
    match spawned {
        Ok(mut child) => {
            let pid = child.id();
            running().get_or_insert_with(HashSet::new).insert(pid);
            // Reaped on a thread of its own, so a closed window leaves no zombie.
            std::thread::spawn(move || {
                let _ = child.wait();
                if let Some(running) = running().as_mut() {
                    running.remove(&pid);
                }
            });
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

/// Closes the windows this tray opened (Quit ends the whole app, window included).
pub fn close_all() {
    for pid in running().take().unwrap_or_default() {
        // A pid we spawned and have not reaped yet: the reaper removes it from the set
        // before the pid can be reused.
        let pid = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    }
}

fn running() -> MutexGuard<'static, Option<HashSet<u32>>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}
