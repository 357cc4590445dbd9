//! The tray icon and its menu: "Copy code" per device, each watched profile with its state
//! and actions, "Open Otpilot", "Quit". Rebuilt whenever devices or profile states change.

use otpilot_core::totp::unix_now;
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItem, PredefinedMenuItem, SubmenuBuilder};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

use crate::state::{AppState, Freshness};
use otpilot_core::localtime::hh_mm;

pub const TRAY_ID: &str = "otpilot";

/// Every menu item, parsed from its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuId {
    Copy(String),
    Refresh(String),
    Console(String),
    Open,
    Quit,
}

impl MenuId {
    pub fn to_id(&self) -> String {
        match self {
            MenuId::Copy(d) => format!("copy:{d}"),
            MenuId::Refresh(p) => format!("refresh:{p}"),
            MenuId::Console(p) => format!("console:{p}"),
            MenuId::Open => "open".into(),
            MenuId::Quit => "quit".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        match id.split_once(':') {
            Some(("copy", d)) => Some(MenuId::Copy(d.into())),
            Some(("refresh", p)) => Some(MenuId::Refresh(p.into())),
            Some(("console", p)) => Some(MenuId::Console(p.into())),
            None if id == "open" => Some(MenuId::Open),
            None if id == "quit" => Some(MenuId::Quit),
            _ => None,
        }
    }
}

fn icon(state: Freshness) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        Freshness::Attention => include_bytes!("../../icons/tray-attention.png"),
        Freshness::Refreshing => include_bytes!("../../icons/tray-refreshing.png"),
        _ => include_bytes!("../../icons/tray-normal.png"),
    };
    Image::from_bytes(bytes).expect("the tray icons are valid PNGs")
}

fn item(app: &AppHandle, id: MenuId, text: &str, enabled: bool) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, id.to_id(), text, enabled, None::<&str>)
}

/// The whole menu for the current devices and watched profiles.
fn build_menu(app: &AppHandle, state: &AppState) -> tauri::Result<Menu<Wry>> {
    let mut menu = MenuBuilder::new(app);
    let devices = state.devices().list().unwrap_or_default();
    if devices.is_empty() {
        menu = menu.item(&MenuItem::with_id(
            app,
            "no-devices",
            "No MFA devices yet",
            false,
            None::<&str>,
        )?);
    }
    for d in &devices {
        menu = menu.item(&item(
            app,
            MenuId::Copy(d.name.clone()),
            &format!("Copy code: {}", d.name),
            true,
        )?);
    }
    let watched = state.settings().watched_profiles;
    if !watched.is_empty() {
        menu = menu.item(&PredefinedMenuItem::separator(app)?);
    }
    for profile in &watched {
        let label = match state.profile_state(profile) {
            Some(s) => match s.state {
                Freshness::Valid => match s.expires_at {
                    Some(exp) => format!("{profile}: valid until {}", hh_mm(exp)),
                    None => format!("{profile}: valid"),
                },
                Freshness::Refreshing => format!("{profile}: refreshing…"),
                Freshness::Attention => format!("{profile}: needs attention"),
                Freshness::Unknown => format!("{profile}: not fetched yet"),
            },
            None => format!("{profile}: not fetched yet"),
        };
        let submenu = SubmenuBuilder::new(app, label)
            .item(&item(
                app,
                MenuId::Refresh(profile.clone()),
                "Refresh now",
                true,
            )?)
            .item(&item(
                app,
                MenuId::Console(profile.clone()),
                "Open console",
                true,
            )?)
            .build()?;
        menu = menu.item(&submenu);
    }
    menu = menu
        .item(&PredefinedMenuItem::separator(app)?)
        .item(&item(app, MenuId::Open, "Open Otpilot", true)?)
        .item(&item(app, MenuId::Quit, "Quit", true)?);
    menu.build()
}

/// The state that colours the icon: attention beats refreshing beats normal.
fn overall(state: &AppState) -> Freshness {
    let states = state.profiles.lock().unwrap();
    if states.values().any(|s| s.state == Freshness::Attention) {
        Freshness::Attention
    } else if states.values().any(|s| s.state == Freshness::Refreshing) {
        Freshness::Refreshing
    } else {
        Freshness::Valid
    }
}

fn tooltip(state: &AppState) -> String {
    let now = unix_now() as i64;
    let states = state.profiles.lock().unwrap();
    let next = states
        .iter()
        .filter_map(|(p, s)| s.expires_at.filter(|e| *e > now).map(|e| (e, p.clone())))
        .min();
    match next {
        Some((exp, profile)) => format!("Otpilot: {profile} expires at {}", hh_mm(exp)),
        None => "Otpilot".into(),
    }
}

pub fn create(app: &AppHandle, state: &'static AppState) -> tauri::Result<TrayIcon> {
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(Freshness::Valid))
        .tooltip(tooltip(state))
        .menu(&build_menu(app, state)?)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| crate::on_menu(app, state, event.id().as_ref()))
        .build(app)
}

/// Rebuilds the menu, icon and tooltip. Safe to call from any thread.
pub fn refresh(state: &'static AppState) {
    let Some(app) = state.app.get() else { return };
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        let Some(tray) = handle.tray_by_id(TRAY_ID) else {
            return;
        };
        match build_menu(&handle, state) {
            Ok(menu) => {
                let _ = tray.set_menu(Some(menu));
            }
            Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
        }
        let _ = tray.set_icon(Some(icon(overall(state))));
        let _ = tray.set_tooltip(Some(tooltip(state)));
    });
}

/// Opens (or focuses) the main window; it is created anew after being closed, so a closed
/// window costs no webview memory.
pub fn open_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let built =
        tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::App("index.html".into()))
            .title("Otpilot")
            .inner_size(440.0, 660.0)
            .min_inner_size(360.0, 420.0)
            .build();
    if let Err(e) = built {
        tracing::warn!("cannot open the window: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::MenuId;

    #[test]
    fn menu_ids_round_trip() {
        for id in [
            MenuId::Copy("work".into()),
            MenuId::Refresh("admin".into()),
            MenuId::Console("prod:admin".into()),
            MenuId::Open,
            MenuId::Quit,
        ] {
            assert_eq!(MenuId::parse(&id.to_id()), Some(id));
        }
        assert_eq!(MenuId::parse("nonsense"), None);
    }
}
