//! The tray's menu as a desktop's panel sees it: the StatusNotifierItem's dbusmenu on the
//! tray's D-Bus session, read and clicked with `gdbus`.

use std::process::Command;
use std::time::{Duration, Instant};

/// The tray menu as the desktop sees it: libayatana-appindicator exports it on the session
/// bus as `com.canonical.dbusmenu`, even with no tray host to draw it.
pub struct TrayMenu {
    bus: String,
    dest: String,
    path: String,
}

fn gdbus(bus: &str, args: &[&str]) -> Option<String> {
    let out = Command::new("gdbus")
        .arg("call")
        .arg("--session")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

impl TrayMenu {
    /// Finds the menu of the tray process `pid` on `bus`.
    pub fn find(bus: &str, pid: u32) -> TrayMenu {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(menu) = Self::try_find(bus, pid) {
                return menu;
            }
            assert!(
                Instant::now() < deadline,
                "the tray menu never appeared on D-Bus"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Finds the only tray menu on a private bus (when the test does not hold the tray's
    /// pid, as with [`DrivenTray`]).
    pub fn find_any(bus: &str) -> TrayMenu {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(menu) = Self::try_find(bus, 0) {
                return menu;
            }
            assert!(
                Instant::now() < deadline,
                "the tray menu never appeared on D-Bus"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// With `pid` 0, any connection that exports an indicator.
    fn try_find(bus: &str, pid: u32) -> Option<TrayMenu> {
        let names = gdbus(
            bus,
            &[
                "--dest",
                "org.freedesktop.DBus",
                "--object-path",
                "/org/freedesktop/DBus",
                "--method",
                "org.freedesktop.DBus.ListNames",
            ],
        )?;
        for name in names.split('\'').filter(|n| n.starts_with(':')) {
            let owner = gdbus(
                bus,
                &[
                    "--dest",
                    "org.freedesktop.DBus",
                    "--object-path",
                    "/org/freedesktop/DBus",
                    "--method",
                    "org.freedesktop.DBus.GetConnectionUnixProcessID",
                    name,
                ],
            );
            if pid != 0 && !owner.is_some_and(|o| o.contains(&format!("uint32 {pid}"))) {
                continue;
            }
            // The process has several connections; only one exports the indicator.
            let Some(tree) = gdbus(
                bus,
                &[
                    "--dest",
                    name,
                    "--object-path",
                    "/org/ayatana/NotificationItem",
                    "--method",
                    "org.freedesktop.DBus.Introspectable.Introspect",
                ],
            ) else {
                continue;
            };
            let Some(item) = tree
                .split("<node name=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .map(str::to_owned)
            else {
                continue;
            };
            return Some(TrayMenu {
                bus: bus.to_owned(),
                dest: name.to_owned(),
                path: format!("/org/ayatana/NotificationItem/{item}/Menu"),
            });
        }
        None
    }

    /// The menu's items as (id, label), depth first.
    pub fn items(&self) -> Vec<(i32, String)> {
        let layout = gdbus(
            &self.bus,
            &[
                "--dest",
                &self.dest,
                "--object-path",
                &self.path,
                "--method",
                "com.canonical.dbusmenu.GetLayout",
                "--",
                "0",
                "-1",
                "@as []",
            ],
        )
        .expect("GetLayout");
        let mut items = Vec::new();
        for chunk in layout.split('(').skip(1) {
            let Some((id, rest)) = chunk.split_once(',') else {
                continue;
            };
            let Ok(id) = id.trim().parse::<i32>() else {
                continue;
            };
            if let Some(label) = rest
                .split("'label': <'")
                .nth(1)
                .and_then(|l| l.split("'>").next())
            {
                items.push((id, label.replace('_', "")));
            }
        }
        items
    }

    pub fn labels(&self) -> Vec<String> {
        self.items().into_iter().map(|(_, l)| l).collect()
    }

    /// Clicks the item whose label starts with `label`, as a tray host would.
    pub fn click(&self, label: &str) {
        let (id, _) = self
            .items()
            .into_iter()
            .find(|(_, l)| l.starts_with(label))
            .unwrap_or_else(|| panic!("no menu item {label:?} in {:?}", self.labels()));
        gdbus(
            &self.bus,
            &[
                "--dest",
                &self.dest,
                "--object-path",
                &self.path,
                "--method",
                "com.canonical.dbusmenu.Event",
                "--",
                &id.to_string(),
                "clicked",
                "<0>",
                "0",
            ],
        )
        .expect("dbusmenu Event");
    }
}
