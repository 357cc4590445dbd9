//! What Otpilot's two desktop processes share. `otpilot-tray` (src/tray) lives in the system
//! tray: it shows and fills MFA codes, keeps watched profiles fresh, asks for codes in small
//! dialogs and serves `credential_process` requests from memory through the local agent.
//! `otpilot-window` (src/window) is the Tauri window over the web UI in ui/, started by the
//! tray when the person opens it and gone when they close it, so the tray never loads a web
//! engine. All logic lives in otpilot-core; this library holds the state both wire to it and
//! the few operations the window asks of the tray. It must not depend on a GUI toolkit.

pub mod cli_path;
pub mod console;
pub mod control;
pub mod error;
pub mod refresher;
pub mod state;
pub mod views;

#[cfg(test)]
mod tests;

/// Keeps the secrets this process will hold (issued credentials, seeds while a code is made)
/// out of core dumps and away from other processes; logged, never fatal, when the OS says no.
pub fn protect_process_memory() {
    if let Err(e) = otpilot_core::platform::protect_process_memory() {
        tracing::info!("{e}");
    }
}

/// glibc gives each thread that allocates its own malloc arena, and the agent serves every
/// connection on a short-lived thread: after a few hundred `credential_process` calls the
/// tray would hold dozens of mostly empty arenas. Two are plenty for a desktop process.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// GTK 3 on X11 probes GLX when it opens the display, to pick visuals for GL drawing; that
/// loads the GL driver (with Mesa's software rasteriser, all of LLVM: about 30 MB of PSS)
/// into a process that mostly draws a tray icon or a small form. Nothing here draws with
/// GDK's GL, so the probe is switched off; WebKit then shows the window without hardware
/// acceleration (it logs so), which a small form does not miss. A `GDK_GL` the person set is
/// respected.
pub fn skip_gdk_gl_probe() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("GDK_GL").is_none() {
        // Called first thing in `main`, before any other thread exists.
        std::env::set_var("GDK_GL", "disable");
    }
}

/// Logs to stderr, filtered by `OTPILOT_LOG` (default `info`).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env(otpilot_core::env::LOG)
                .unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// The directories, or a one-line error and exit 1.
pub fn dirs_or_exit(program: &str) -> otpilot_core::paths::Dirs {
    otpilot_core::paths::Dirs::from_env().unwrap_or_else(|e| {
        eprintln!("{program}: {e}");
        std::process::exit(1);
    })
}

/// `PROGRAM --version`: prints the same line as `otpilot --version` (the version and the
/// commit it was built from) and exits, before any display or directory is touched.
pub fn print_version_if_asked(program: &str) {
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        println!("{program} {}", otpilot_core::version::LINE);
        std::process::exit(0);
    }
}

/// The tray menu's last line: which Otpilot is running.
pub fn version_label() -> String {
    format!("Otpilot {}", otpilot_core::version::LINE)
}
