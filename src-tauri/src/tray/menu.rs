//! The tray icon and its menu: "Copy code" per device, each watched profile with its state
//! and actions, "Open Otpilot", "Quit". Rebuilt whenever devices or profile states change.

use std::cell::RefCell;

use otpilot_core::clock::unix_now;
use otpilot_core::localtime::hh_mm;
use otpilot_tray::refresher;
use otpilot_tray::state::{AppState, Freshness};
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

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

fn icon(state: Freshness) -> Icon {
    let bytes: &'static [u8] = match state {
        Freshness::Attention => include_bytes!("../../../icons/tray-attention.png"),
        Freshness::Refreshing => include_bytes!("../../../icons/tray-refreshing.png"),
        _ => include_bytes!("../../../icons/tray-normal.png"),
    };
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("the tray icons are valid PNGs");
    let mut rgba = vec![0; reader.output_buffer_size().expect("small icons")];
    let info = reader
        .next_frame(&mut rgba)
        .expect("the tray icons are valid PNGs");
    assert_eq!(
        info.color_type,
        png::ColorType::Rgba,
        "the tray icons are RGBA"
    );
    rgba.truncate(info.buffer_size());
    Icon::from_rgba(rgba, info.width, info.height).expect("the tray icons have sane sizes")
}

fn item(id: MenuId, text: &str, enabled: bool) -> MenuItem {
    MenuItem::with_id(id.to_id(), text, enabled, None)
}

/// A sealed device's badge: the seed is in the TPM (and its key asks for a PIN).
fn badge(d: &otpilot_core::device::Device) -> &'static str {
    match (d.location, d.tpm_pin) {
        (otpilot_core::device::Location::Tpm, true) => "  [TPM, PIN]",
        (otpilot_core::device::Location::Tpm, false) => "  [TPM]",
        _ => "",
    }
}

/// The whole menu for the current devices and watched profiles.
fn build_menu(state: &AppState) -> tray_icon::menu::Result<Menu> {
    let menu = Menu::new();
    let devices = state.devices().list().unwrap_or_default();
    if devices.is_empty() {
        menu.append(&MenuItem::with_id(
            "no-devices",
            "No MFA devices yet",
            false,
            None,
        ))?;
    }
    for d in &devices {
        menu.append(&item(
            MenuId::Copy(d.name.clone()),
            &format!("Copy code: {}{}", d.name, badge(d)),
            true,
        ))?;
    }
    let watched = state.settings().watched_profiles;
    if !watched.is_empty() {
        menu.append(&PredefinedMenuItem::separator())?;
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
        let submenu = Submenu::with_items(
            label,
            true,
            &[
                &item(MenuId::Refresh(profile.clone()), "Refresh now", true),
                &item(MenuId::Console(profile.clone()), "Open console", true),
            ],
        )?;
        menu.append(&submenu)?;
    }
    menu.append_items(&[
        &PredefinedMenuItem::separator(),
        &item(MenuId::Open, "Open Otpilot", true),
        &item(MenuId::Quit, "Quit", true),
        &PredefinedMenuItem::separator(),
        // Which build is running, as `otpilot-tray --version` says it.
        &MenuItem::with_id("version", otpilot_tray::version_label(), false, None),
    ])?;
    Ok(menu)
}

/// The state that colours the icon: attention beats refreshing beats normal.
fn overall(state: &AppState) -> Freshness {
    let states = state.profile_states();
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
    let states = state.profile_states();
    let next = states
        .iter()
        .filter_map(|(p, s)| s.expires_at.filter(|e| *e > now).map(|e| (e, p.clone())))
        .min();
    match next {
        Some((exp, profile)) => format!("Otpilot: {profile} expires at {}", hh_mm(exp)),
        None => "Otpilot".into(),
    }
}

thread_local! {
    /// The tray icon; it lives on the GTK main thread.
    static TRAY: RefCell<Option<TrayIcon>> = const { RefCell::new(None) };
}

/// Creates the tray icon and its menu. On the main thread, after GTK is initialised.
pub fn create(state: &'static AppState) -> Result<(), Box<dyn std::error::Error>> {
    let tray = TrayIconBuilder::new()
        .with_id(TRAY_ID)
        .with_icon(icon(Freshness::Valid))
        .with_tooltip(tooltip(state))
        .with_menu(Box::new(build_menu(state)?))
        .with_menu_on_left_click(true)
        .build()?;
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| {
        on_menu(state, event.id().as_ref())
    }));
    TRAY.with(|t| *t.borrow_mut() = Some(tray));
    Ok(())
}

/// Rebuilds the menu, icon and tooltip. Safe to call from any thread.
pub fn refresh(state: &'static AppState) {
    crate::on_main(move || {
        TRAY.with(|t| {
            let Some(tray) = t.borrow().as_ref().cloned() else {
                return;
            };
            match build_menu(state) {
                Ok(menu) => tray.set_menu(Some(Box::new(menu))),
                Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
            }
            let _ = tray.set_icon(Some(icon(overall(state))));
            let _ = tray.set_tooltip(Some(tooltip(state)));
        })
    });
}

/// What a menu click does (on the main thread). Slow work goes to a thread so the menu stays
/// responsive.
fn on_menu(state: &'static AppState, id: &str) {
    match MenuId::parse(id) {
        Some(MenuId::Copy(device)) => {
            std::thread::spawn(move || {
                if let Err(e) = crate::clipboard::copy_code(state, &device) {
                    crate::notify::send("Otpilot", &e.message);
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
                if let Err(e) = otpilot_tray::console::open(state, &profile, None, None) {
                    crate::notify::send("Otpilot", &e.message);
                }
            });
        }
        Some(MenuId::Open) => crate::window_process::open(),
        Some(MenuId::Quit) => crate::quit(),
        None => tracing::debug!("unknown menu id {id}"),
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
