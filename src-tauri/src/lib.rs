//! otpilot-tray: the system-tray shell over otpilot-core. It shows and fills MFA codes, keeps
//! watched profiles fresh, and serves `credential_process` requests from memory through the
//! local agent. All logic lives in the core; this crate wires it to Tauri.

mod autostart;
mod clipboard;
mod commands;
mod console;
mod error;
mod notify;
mod prompts;
mod refresher;
mod shortcut;
mod state;
mod tray;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use otpilot_core::agent::{self, server::Agent};
use otpilot_core::paths::Dirs;
use tauri::{AppHandle, RunEvent};
use tauri_plugin_autostart::MacosLauncher;

use crate::state::{AgentHandler, AppState};
use crate::tray::MenuId;

/// The app state, shared by reference with commands, the agent and the refresher for the
/// life of the process.
#[derive(Clone, Copy)]
pub struct Shared(pub &'static AppState);

pub fn run() {
    limit_malloc_arenas();
    skip_gdk_gl_probe();
    init_logging();
    let dirs = match Dirs::from_env() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("otpilot-tray: {e}");
            std::process::exit(1);
        }
    };
    let state: &'static AppState = Box::leak(Box::new(AppState::new(dirs)));
    let app = tauri::Builder::default()
        // First, so a second launch only focuses the running tray.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::open_window(app)
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(shortcut::plugin(state))
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(Shared(state))
        .invoke_handler(tauri::generate_handler![
            commands::devices::list_devices,
            commands::devices::device_codes,
            commands::devices::add_device,
            commands::devices::remove_device,
            commands::devices::rename_device,
            commands::devices::set_device_serial,
            commands::devices::device_qr_svg,
            commands::devices::copy_code,
            commands::profiles::list_profiles,
            commands::profiles::refresh_profile,
            commands::profiles::open_console,
            commands::profiles::app_status,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::prompts::get_prompt,
            commands::prompts::answer_prompt,
            commands::mfa::mfa_enroll_candidates,
            commands::mfa::mfa_enroll,
            commands::mfa::recent_activity,
        ])
        .setup(move |app| {
            setup(app.handle(), state)?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the Tauri app builds from its configuration");
    app.run(|_app, event| {
        // Closing the last window must not quit a tray app; only Quit (an explicit exit code)
        // does.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}

fn setup(app: &AppHandle, state: &'static AppState) -> Result<(), Box<dyn std::error::Error>> {
    let _ = state.app.set(app.clone());
    state.prompts.attach(app.clone());
    tray::create(app, state)?;
    tracing::info!("tray menu published");
    match Agent::start(
        &agent::socket_path(&state.dirs.runtime),
        Arc::new(AgentHandler(state)),
    ) {
        Ok(agent) => *state.agent.lock().unwrap() = Some(agent),
        Err(e) => tracing::warn!("the credential_process agent is off: {e}"),
    }
    refresher::spawn(state);
    shortcut::apply_configured(app, state);
    if std::env::args().any(|a| a == "--open") {
        tray::open_window(app);
    }
    Ok(())
}

/// What a tray menu click does. Slow work goes to a thread so the menu stays responsive.
fn on_menu(app: &AppHandle, state: &'static AppState, id: &str) {
    match MenuId::parse(id) {
        Some(MenuId::Copy(device)) => {
            std::thread::spawn(move || {
                if let Err(e) = clipboard::copy_code(state, &device) {
                    notify::send(state, "Otpilot", &e.message);
                }
            });
        }
        Some(MenuId::Refresh(profile)) => {
            std::thread::spawn(move || {
                let _ = refresher::refresh_now(state, &profile);
            });
        }
        Some(MenuId::Console(profile)) => {
            std::thread::spawn(move || {
                if let Err(e) = console::open(state, &profile, None, None) {
                    notify::send(state, "Otpilot", &e.message);
                }
            });
        }
        Some(MenuId::Open) => tray::open_window(app),
        Some(MenuId::Quit) => {
            // Drop the agent first so its socket is removed.
            state.agent.lock().unwrap().take();
            app.exit(0);
        }
        None => tracing::debug!("unknown menu id {id}"),
    }
}

/// glibc gives each thread that allocates its own malloc arena, and the agent serves every
/// connection on a short-lived thread: after a few hundred `credential_process` calls the
/// tray would hold dozens of mostly empty arenas. Two are plenty for a tray.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// GTK 3 on X11 probes GLX when it opens the display, to pick visuals for GL drawing; that
/// loads the GL driver (with Mesa's software rasteriser, all of LLVM: about 30 MB of PSS)
/// into a process that mostly draws a tray icon. Nothing in the tray draws with GDK's GL, so
/// the probe is switched off; WebKit then shows the window without hardware acceleration (it
/// logs so), which a small form does not miss. A `GDK_GL` the person set is respected.
fn skip_gdk_gl_probe() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("GDK_GL").is_none() {
        // Called first thing in `run`, before any other thread exists.
        std::env::set_var("GDK_GL", "disable");
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("OTPILOT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
