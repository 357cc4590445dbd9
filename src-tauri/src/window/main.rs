//! otpilot-window: Otpilot's window (devices, profiles, MFA set-up, activity, settings) over
//! the web UI in ui/. The tray (`otpilot-tray`) starts it when the person opens it; closing
//! it ends the process, so the web engine's memory goes with it. Commands are thin wrappers
//! over the core; what the tray owns (clipboard, watched profiles, refreshes, sign-ins, the
//! shortcut, the menu) is asked of the tray through its agent socket.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod commands;
mod tray_client;

use otpilot_tray::state::{AppState, NoDesktop};

/// The window's state, shared by reference with the commands for the life of the process.
#[derive(Clone, Copy)]
pub struct Shared(pub &'static AppState);

fn main() {
    otpilot_tray::print_version_if_asked("otpilot-window");
    otpilot_tray::limit_malloc_arenas();
    otpilot_tray::skip_gdk_gl_probe();
    otpilot_tray::init_logging();
    otpilot_tray::protect_process_memory();
    let dirs = otpilot_tray::dirs_or_exit("otpilot-window");
    // GTK names the window's X class after the program; the tray's one, so the desktop files
    // the window under Otpilot's launcher (`StartupWMClass=otpilot-tray`) and its icon.
    gtk::glib::set_prgname(Some("otpilot-tray"));
    let state: &'static AppState = Box::leak(Box::new(AppState::new(
        dirs,
        std::sync::Arc::new(NoDesktop),
    )));
    tauri::Builder::default()
        // First, so a second start only raises the open window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .manage(Shared(state))
        .invoke_handler(tauri::generate_handler![
            commands::devices::list_devices,
            commands::devices::device_codes,
            commands::devices::add_device,
            commands::devices::import_export,
            commands::devices::remove_device,
            commands::devices::rename_device,
            commands::devices::set_device_serial,
            commands::devices::device_qr_svg,
            commands::devices::copy_code,
            commands::profiles::list_profiles,
            commands::account::account_report,
            commands::account::organization_report,
            commands::profiles::refresh_profile,
            commands::profiles::open_console,
            commands::profiles::app_status,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::mfa::mfa_enroll_candidates,
            commands::mfa::mfa_enroll,
            commands::mfa::recent_activity,
            commands::setup::keys_move,
            commands::setup::keys_store,
            commands::setup::wire_preview,
            commands::setup::wire_profile,
            commands::setup::unwire_preview,
            commands::setup::unwire_profile,
            commands::setup::check_profile,
            commands::setup::mfa_switch_serial,
        ])
        .setup(move |app| {
            tauri::WebviewWindowBuilder::new(
                app,
                "main",
                tauri::WebviewUrl::App("index.html".into()),
            )
            .title("Otpilot")
            .inner_size(440.0, 660.0)
            .min_inner_size(360.0, 420.0)
            .build()?;
            tray_client::watch_profiles(app.handle().clone(), state);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the Otpilot window starts");
}
