//! otpilot-tray: Otpilot in the system tray. It shows and fills MFA codes, keeps watched
//! profiles fresh, asks for codes in small GTK dialogs and serves `credential_process`
//! requests from memory through the local agent. It links GTK for the icon, menu and dialogs
//! but no web engine: the window is `otpilot-window`, a separate process started on demand
//! (see window_process.rs), so the tray idles small.

mod autostart;
mod clipboard;
mod menu;
mod notify;
mod ops;
mod prompts;
mod shortcut;
mod window_process;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use otpilot_core::agent::{self, server::Agent};
use otpilot_core::error::ErrorKind;
use otpilot_core::lock::RefreshLock;
use otpilot_tray::control::{self, TrayOp as Op};
use otpilot_tray::state::{AppState, Desktop};

/// The running agent; dropped on Quit so its socket is removed.
static AGENT: Mutex<Option<Agent>> = Mutex::new(None);

fn main() {
    otpilot_tray::print_version_if_asked("otpilot-tray");
    otpilot_tray::limit_malloc_arenas();
    otpilot_tray::skip_gdk_gl_probe();
    otpilot_tray::init_logging();
    otpilot_tray::protect_process_memory();
    let dirs = otpilot_tray::dirs_or_exit("otpilot-tray");
    let open = std::env::args().any(|a| a == "--open");

    // One tray per user session: a second start asks the first to open the window.
    let _instance = match RefreshLock::acquire(&dirs.runtime, "tray", Duration::ZERO, "the tray") {
        Ok(lock) => lock,
        Err(otpilot_core::Error::LockTimeout { .. }) => {
            forward_open_window(&dirs.runtime);
            return;
        }
        Err(e) => {
            eprintln!("otpilot-tray: {e}");
            std::process::exit(1);
        }
    };

    if let Err(e) = gtk::init() {
        eprintln!("otpilot-tray: cannot open the display ({e}); run it in a desktop session");
        std::process::exit(1);
    }
    let state: &'static AppState = Box::leak(Box::new(AppState::new(
        dirs,
        std::sync::Arc::new(TrayDesktop),
    )));
    if let Err(e) = menu::create(state) {
        eprintln!("otpilot-tray: cannot create the tray icon: {e}");
        std::process::exit(1);
    }
    tracing::info!("tray menu published");
    match Agent::start(
        &agent::socket_path(&state.dirs.runtime),
        Arc::new(ops::TrayAgent(state)),
    ) {
        Ok(agent) => *AGENT.lock().unwrap_or_else(PoisonError::into_inner) = Some(agent),
        Err(e) => tracing::warn!("the credential_process agent is off: {e}"),
    }
    otpilot_tray::refresher::spawn(state);
    shortcut::start(state);
    if open {
        window_process::open();
    }
    gtk::main();
    // Quit: the agent is gone already; leave without waiting for worker threads.
    std::process::exit(0);
}

/// Ends the tray: the socket first (so callers fall back at once), then its windows and the
/// main loop.
/// On the main thread.
pub fn quit() {
    AGENT.lock().unwrap_or_else(PoisonError::into_inner).take();
    window_process::close_all();
    // A moment for the menu's D-Bus reply to the click to go out before the process ends.
    gtk::glib::timeout_add_local_once(Duration::from_millis(150), gtk::main_quit);
}

/// Runs `f` on the GTK main thread (tray icon, menu and dialogs live there).
pub fn on_main(f: impl FnOnce() + Send + 'static) {
    gtk::glib::MainContext::default().invoke(f);
}

/// Another tray holds the lock: ask it to open its window, giving it a moment if it is still
/// starting.
fn forward_open_window(runtime: &std::path::Path) {
    for _ in 0..50 {
        match control::tell(runtime, &Op::OpenWindow) {
            Ok(_) => return,
            Err(e) if e.kind == ErrorKind::TrayNotRunning => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(e) => {
                eprintln!("otpilot-tray: {}", e.message);
                std::process::exit(1);
            }
        }
    }
    eprintln!("otpilot-tray: another tray is starting but does not answer; try again");
    std::process::exit(1);
}

/// The tray's side of the shared state: notifications, the menu, dialogs.
struct TrayDesktop;

impl Desktop for TrayDesktop {
    fn notify(&self, message: &str) {
        notify::send("Otpilot", message);
    }

    fn profiles_changed(&self, state: &'static AppState) {
        menu::refresh(state);
    }

    fn ask_code(&self, profile: &str, serial: &str) -> Option<otpilot_core::secret::SecretString> {
        prompts::ask_code(profile, serial)
    }

    fn approve(&self, profile: &str, device: &str) -> bool {
        prompts::approve(profile, device)
    }

    fn ask_pin(&self, device: &str) -> Option<otpilot_core::secret::SecretString> {
        prompts::ask_pin(device)
    }
}
