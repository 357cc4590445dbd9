//! The real tray app: under Xvfb, on its own D-Bus session with its own gnome-keyring. The
//! tray process is started directly; its window process is driven through tauri-driver (which
//! starts WebKitWebDriver, which starts the window) with fantoccini; both are inspected from
//! outside: the X clipboard, the tray menu over D-Bus (dbusmenu), the tray's dialogs as X
//! windows (xdotool), screenshots.
//!
//! Tray tests run one at a time ([`serial`]): each is a whole desktop app with a WebKit
//! process, and this machine has two cores.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use super::keyring::{wait_for, Keyring};
pub use super::tray_menu::TrayMenu;
use super::{spawn_for_process_lifetime, KeyringSession, TestEnv};

/// One tray test at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tray binary cargo built (`cargo build -p otpilot-tray`, done by tests/run.sh).
pub fn tray_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let bin = target.join("debug/otpilot-tray");
    assert!(
        bin.exists(),
        "no tray binary at {}; run `cargo build -p otpilot-tray` (tests/run.sh does)",
        bin.display()
    );
    bin
}

/// The window binary, built beside the tray.
pub fn window_bin() -> PathBuf {
    tray_bin().with_file_name("otpilot-window")
}

/// A virtual X display shared by the run.
pub struct Display {
    pub name: String,
    _xvfb: Child,
}

impl Display {
    pub fn shared() -> &'static Display {
        static SHARED: OnceLock<Display> = OnceLock::new();
        SHARED.get_or_init(|| {
            let n = (90..200)
                .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
                .expect("a free X display number");
            let mut cmd = Command::new("Xvfb");
            cmd.args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
            let xvfb = spawn_for_process_lifetime(cmd);
            wait_for(
                || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists(),
                "Xvfb",
            );
            Display {
                name: format!(":{n}"),
                _xvfb: xvfb,
            }
        })
    }
}

/// A private bus with its own keyring, for one tray (the single-instance plugin would make a
/// second tray on a shared bus hand over to the first and exit).
pub fn desktop(keyring: Keyring) -> (KeyringSession, TestEnv) {
    let session = KeyringSession::start(keyring);
    let env = TestEnv::with_bus(session.address());
    (session, env)
}

/// The environment for the tray and for tools that look at it.
pub fn desktop_envs(env: &TestEnv, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut envs = env.envs();
    envs.push(("DISPLAY".into(), Display::shared().name.clone()));
    // Software rendering under Xvfb; the DMA-BUF renderer costs memory for nothing here.
    envs.push(("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()));
    envs.push(("OTPILOT_LOG".into(), "info".into()));
    // Later entries win: the caller's extras override the defaults above.
    envs.extend(extra.iter().cloned());
    envs
}

/// The X clipboard's text (via xclip), or "" when it is empty.
pub fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .env("DISPLAY", &Display::shared().name)
        .output()
        .expect("xclip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The forms the clipboard's owner offers its content in (`TARGETS`), one per line.
pub fn clipboard_targets() -> Vec<String> {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard", "-t", "TARGETS"])
        .env("DISPLAY", &Display::shared().name)
        .output()
        .expect("xclip");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A screenshot of the main window's area of the virtual screen.
pub fn screenshot(path: &Path) {
    // The window opens at the top left; crop to it rather than the empty screen.
    screenshot_area(path, "440x660+0+0");
}

/// A screenshot of one area (`WxH+X+Y`) of the virtual screen.
pub fn screenshot_area(path: &Path, area: &str) {
    let status = Command::new("import")
        .args([
            "-window",
            "root",
            "-crop",
            area,
            "+repage",
            path.to_str().unwrap(),
        ])
        .env("DISPLAY", &Display::shared().name)
        .status()
        .expect("import (imagemagick)");
    assert!(status.success());
}

/// An XEmbed system tray (trayer) at the top left of the virtual screen. With no
/// StatusNotifierWatcher on the bus, libayatana-appindicator falls back to an XEmbed icon,
/// which trayer shows as a desktop panel would: a click opens the real GTK menu.
pub struct TrayHost {
    child: Child,
}

impl TrayHost {
    pub fn start() -> Self {
        let child = Command::new("trayer")
            .args([
                "--edge",
                "top",
                "--align",
                "left",
                "--widthtype",
                "request",
                "--height",
                "28",
                "--SetDockType",
                "false",
                "--transparent",
                "false",
            ])
            .env("DISPLAY", &Display::shared().name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start trayer");
        wait_for(
            || top_level_windows().iter().any(|w| w.name == "panel"),
            "trayer's panel",
        );
        Self { child }
    }
}

impl Drop for TrayHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A window of the X screen as xwininfo lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XWindow {
    pub id: String,
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Nesting depth below the root (1: a top-level window).
    pub depth: usize,
}

/// Every window of the screen (`xwininfo -root -tree`), top-level ones with depth 1.
pub fn all_windows() -> Vec<XWindow> {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .env("DISPLAY", &Display::shared().name)
        .output()
        .expect("xwininfo");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|line| {
            let trimmed = line.trim_start();
            if !trimmed.starts_with("0x") {
                return None;
            }
            // xwininfo indents each level by three more spaces, starting at five.
            let depth = (line.len() - trimmed.len()).saturating_sub(2) / 3;
            let id = trimmed.split_whitespace().next()?.to_owned();
            let name = trimmed.split('"').nth(1).unwrap_or_default().to_owned();
            let geometry = trimmed
                .split_whitespace()
                .find(|t| t.contains('x') && t.contains('+') && !t.starts_with("0x"))?;
            let (size, _) = geometry.split_once('+')?;
            let (w, h) = size.split_once('x')?;
            Some(XWindow {
                id,
                name,
                width: w.parse().ok()?,
                height: h.parse().ok()?,
                depth,
            })
        })
        .collect()
}

pub fn top_level_windows() -> Vec<XWindow> {
    all_windows().into_iter().filter(|w| w.depth == 1).collect()
}

/// Empties the X clipboard.
pub fn clear_clipboard() {
    let status = Command::new("xclip")
        .args(["-selection", "clipboard", "/dev/null"])
        .env("DISPLAY", &Display::shared().name)
        .status()
        .expect("xclip");
    assert!(status.success());
}

/// Presses a key combination (`ctrl+alt+o`) on the virtual screen, as a person would.
pub fn press_keys(keys: &str) {
    let status = Command::new("xdotool")
        .args(["key", keys])
        .env("DISPLAY", &Display::shared().name)
        .status()
        .expect("xdotool");
    assert!(status.success());
}

/// A dialog of the tray (a top-level GTK window), found by its title.
pub struct Dialog {
    pub id: String,
    pub title: String,
}

impl Dialog {
    /// Waits up to `timeout` for a shown window whose title contains `fragment`.
    pub fn wait(fragment: &str, timeout: Duration) -> Option<Dialog> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(w) = top_level_windows()
                .into_iter()
                .find(|w| w.name.contains(fragment) && w.width > 1 && w.height > 1)
            {
                return Some(Dialog {
                    id: w.id,
                    title: w.name,
                });
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn xdotool(&self, args: &[&str]) {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &Display::shared().name)
            .status()
            .expect("xdotool");
        assert!(status.success(), "xdotool {args:?}");
    }

    /// Gives the dialog the keyboard (there is no window manager to do it) and types `text`
    /// into its focused field, as a person would.
    pub fn type_text(&self, text: &str) {
        self.xdotool(&["windowfocus", "--sync", &self.id]);
        self.xdotool(&["type", "--delay", "30", text]);
    }

    /// Gives the dialog the keyboard and presses `keys` (`Return`, `alt+a`).
    pub fn press(&self, keys: &str) {
        self.xdotool(&["windowfocus", "--sync", &self.id]);
        self.xdotool(&["key", keys]);
    }

    /// Waits for the dialog to close.
    pub fn wait_gone(&self) {
        wait_for(
            || !top_level_windows().iter().any(|w| w.id == self.id),
            "the dialog to close",
        );
    }
}

/// Clicks (button 1) at a point of the virtual screen.
pub fn click_at(x: u32, y: u32) {
    let status = Command::new("xdotool")
        .args(["mousemove", &x.to_string(), &y.to_string(), "click", "1"])
        .env("DISPLAY", &Display::shared().name)
        .status()
        .expect("xdotool");
    assert!(status.success());
}

/// The tray started directly (no WebDriver): for the agent and the tray menu.
pub struct TrayProcess {
    child: Child,
    pub log: PathBuf,
}

impl TrayProcess {
    pub fn start(env: &TestEnv, extra: &[(String, String)]) -> Self {
        let log = env.root.path().join("tray.log");
        let child = Command::new(tray_bin())
            .env_clear()
            .envs(desktop_envs(env, extra))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start otpilot-tray");
        let t = Self { child, log };
        t.wait_for_log("tray menu published");
        t
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn wait_for_log(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.log_text().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the tray never logged {text:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TrayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tray with its window open, the window driven through WebDriver.
pub struct DrivenTray {
    pub rt: tokio::runtime::Runtime,
    pub client: Client,
    driver: Child,
    /// Dropped after the window's session: the tray outlives its window.
    tray: Option<TrayProcess>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl DrivenTray {
    pub fn start(env: &TestEnv, extra: &[(String, String)]) -> Self {
        let tray = TrayProcess::start(env, extra);
        let (port, native) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env_clear()
            .envs(desktop_envs(env, extra))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(env.root.path().join("driver.log")).unwrap())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver; tests/run.sh does)");
        wait_for(
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "tauri-driver",
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": window_bin(), "args": [] }),
        );
        // tauri-driver accepts connections before the WebKitWebDriver behind it listens, so the
        // first session request can be cut short ("IncompleteMessage"): try a few times.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let connected = rt.block_on(
                // Plain HTTP to tauri-driver on loopback: no TLS, so no crypto provider to pick.
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{port}")),
            );
            match connected {
                Ok(client) => break client,
                Err(e) if attempt < 5 => {
                    eprintln!("WebDriver session attempt {attempt} failed ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => panic!("no WebDriver session with the tray after {attempt} tries: {e}"),
            }
        };
        let driven = Self {
            rt,
            client,
            driver,
            tray: Some(tray),
        };
        driven.wait_testid("nav-devices");
        driven
    }

    fn css(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    pub fn wait_testid(&self, testid: &str) -> fantoccini::elements::Element {
        let css = Self::css(testid);
        self.rt
            .block_on(
                self.client
                    .wait()
                    .at_most(Duration::from_secs(20))
                    .for_element(Locator::Css(&css)),
            )
            .unwrap_or_else(|e| {
                // What the window showed instead, to tell a slow view from a wrong one.
                let shown = self
                    .rt
                    .block_on(async {
                        let body = self.client.find(Locator::Css("main")).await?;
                        body.text().await
                    })
                    .unwrap_or_default();
                panic!("no element {css}: {e}; the window shows: {shown:?}")
            })
    }

    pub fn click(&self, testid: &str) {
        self.on_element(testid, "click", |el| async move { el.click().await })
    }

    /// Scrolls the element into the window's view (for a screenshot of it).
    pub fn scroll_to(&self, testid: &str) {
        let el = self.wait_testid(testid);
        let arg = serde_json::to_value(&el).unwrap();
        self.rt
            .block_on(
                self.client
                    .execute("arguments[0].scrollIntoView({block: 'start'});", vec![arg]),
            )
            .unwrap();
    }

    /// Chooses the option with `value` in a `<select>`.
    pub fn select(&self, testid: &str, value: &str) {
        let el = self.wait_testid(testid);
        self.rt.block_on(el.select_by_value(value)).unwrap();
    }

    pub fn fill(&self, testid: &str, text: &str) {
        let el = self.wait_testid(testid);
        self.rt.block_on(async {
            el.clear().await.unwrap();
            el.send_keys(text).await.unwrap();
        });
    }

    /// An attribute of the element (`data-state`, `checked`), if it has it.
    pub fn attr(&self, testid: &str, name: &str) -> Option<String> {
        let name = name.to_owned();
        self.on_element(testid, "read an attribute of", move |el| {
            let name = name.clone();
            async move { el.attr(&name).await }
        })
    }

    /// Waits until the element's attribute `name` is `value`.
    pub fn wait_attr(&self, testid: &str, name: &str, value: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.attr(testid, name);
            if now.as_deref() == Some(value) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{testid} never had {name}={value:?}; it has {now:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The text of every element with `testid` (the rows of a table), in document order.
    pub fn texts(&self, testid: &str) -> Vec<String> {
        self.wait_testid(testid);
        let css = Self::css(testid);
        self.rt.block_on(async {
            let mut texts = Vec::new();
            for el in self.client.find_all(Locator::Css(&css)).await.unwrap() {
                texts.push(el.text().await.unwrap());
            }
            texts
        })
    }

    pub fn text(&self, testid: &str) -> String {
        self.on_element(testid, "read", |el| async move { el.text().await })
    }

    /// Does `act` to the element. A view may redraw between finding the element and acting on
    /// it (the old node is then "stale"): it is found again.
    fn on_element<T, F, Fut>(&self, testid: &str, what: &str, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let mut tries = 0;
        loop {
            let el = self.wait_testid(testid);
            match self.rt.block_on(act(el)) {
                Ok(value) => return value,
                Err(e) if tries < 20 => {
                    tries += 1;
                    assert_stale(&e);
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot {what} {testid}: {e}"),
            }
        }
    }

    /// Waits until the element's text satisfies `check`; returns the text.
    pub fn wait_text(&self, testid: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.text(testid);
            if check(&t) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "{testid} never showed {what}; it shows {t:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Only a stale element is worth another try; anything else is a real failure.
fn assert_stale(e: &fantoccini::error::CmdError) {
    assert!(
        format!("{e:?}").contains("StaleElementReference"),
        "WebDriver failed: {e}"
    );
}

impl DrivenTray {
    /// Ends the WebDriver session, and with it the window process; the tray keeps running.
    pub fn close_window(mut self) -> TrayProcess {
        let tray = self
            .tray
            .take()
            .expect("the tray runs until the window closes");
        drop(self);
        tray
    }
}

impl Drop for DrivenTray {
    fn drop(&mut self) {
        let client = self.client.clone();
        let _ = self.rt.block_on(client.close());
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
