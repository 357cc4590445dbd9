//! The tray app as a person uses it: the window (through WebDriver), the tray menu (through
//! dbusmenu, as a desktop's tray host would), the clipboard, error states, screenshots.

use std::time::{Duration, Instant};

use crate::harness::aws::AwsWorld;
use crate::harness::keyring::Keyring;
use crate::harness::random_seed;
use crate::harness::tray::{
    all_windows, clear_clipboard, click_at, clipboard, clipboard_targets, desktop, press_keys,
    screenshot, screenshot_area, serial, top_level_windows, DrivenTray, TrayHost, TrayMenu,
    TrayProcess,
};

fn write_settings(env: &crate::harness::TestEnv, toml: &str) {
    let dir = env.root.path().join("config/otpilot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), toml).unwrap();
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Where the test run leaves the screenshots the README shows.
pub(crate) fn docs(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn window_adds_a_device_shows_the_cli_code_and_copies_it() {
    let _one = serial();
    let (session, env) = desktop(Keyring::Unlocked);
    write_settings(&env, "clipboard_clear_seconds = 5\n");
    let tray = DrivenTray::start(&env, &[]);
    // With no device the first-run guide opens; this test is about the Devices view.
    tray.click("nav-devices");
    let seed = random_seed(20);
    tray.fill("add-name", "web");
    tray.click("add-source-secret");
    tray.fill("add-secret", &seed);
    tray.click("add-submit");
    tray.wait_testid("device-row-web");
    // The window told the tray (another process), which redrew its menu.
    let menu = TrayMenu::find_any(session.address());
    wait_until(
        "the tray menu to list the device",
        Duration::from_secs(10),
        || menu.labels().iter().any(|l| l == "Copy code: web"),
    );
    // The window shows the code `otpilot code` prints (retry across a step boundary).
    let mut matched = false;
    for _ in 0..3 {
        let shown = tray.text("code-web");
        let cli = env.ok(&["code", "web"], None).trim().to_owned();
        if shown == cli {
            matched = true;
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(matched, "the window and the CLI disagree");
    assert_eq!(
        env.secret_tool_lookup("web").as_deref(),
        Some(seed.as_str())
    );

    assert_copies(&env, "web", || tray.click("copy-web"));
    // Cleared after the configured 5 s, because it still holds the code.
    wait_until(
        "the clipboard to be cleared",
        Duration::from_secs(12),
        || clipboard().trim().is_empty(),
    );
    screenshot(&docs("window.png"));
}

#[test]
fn a_code_copied_in_the_window_outlives_the_window() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    write_settings(&env, "clipboard_clear_seconds = 15\n");
    env.add_device("ops", &random_seed(20), &[]);
    let driven = DrivenTray::start(&env, &[]);
    // No profile is wired, so the first-run guide opens; the codes are in Devices.
    driven.click("nav-devices");
    clear_clipboard();
    assert_copies(&env, "ops", || driven.click("copy-ops"));
    let copied = clipboard();
    let _tray = driven.close_window();
    wait_until("the window to close", Duration::from_secs(10), || {
        !top_level_windows()
            .iter()
            .any(|w| w.name == "Otpilot" && w.width > 300)
    });
    // The tray offers the clipboard, not the window, so the code is still there to paste...
    assert_eq!(clipboard(), copied);
    // ...and the tray still clears it when the delay is up.
    wait_until(
        "the tray to clear the code",
        Duration::from_secs(25),
        || clipboard().trim().is_empty(),
    );
}

#[test]
fn a_watched_profile_shows_its_expiry_and_is_refreshed_before_it() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    // A 12-second role so the refresh happens within the test.
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile short]\nrole_arn = arn:aws:iam::{}:role/Short\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 12\n",
        crate::harness::aws::ACCOUNT
    ));
    w.write_base_credentials();
    write_settings(&w.env, "watched_profiles = [\"short\"]\n");
    let aws = w.aws_envs();
    let tray = DrivenTray::start(&w.env, &aws);
    tray.click("nav-profiles");
    tray.wait_text("profile-state-short", "an expiry", |t| {
        t.contains("valid until") || t.contains("expires in")
    });
    wait_until("a refresh ahead of expiry", Duration::from_secs(40), || {
        w.gate.count("AssumeRole") >= 2
    });
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    screenshot(&docs("profiles.png"));
}

#[test]
fn error_states_render() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::None);
    let tray = DrivenTray::start(&env, &[]);
    let banner = tray.wait_text("status-banner", "the no-keyring banner", |t| {
        t.to_lowercase().contains("keyring")
    });
    assert!(
        banner.contains("gnome-keyring") || banner.contains("Secret Service"),
        "{banner}"
    );
}

#[test]
fn tray_menu_copies_codes_and_quits_cleanly() {
    let _one = serial();
    let (session, env) = desktop(Keyring::Unlocked);
    env.add_device("ops", &random_seed(20), &[]);
    let mut tray = TrayProcess::start(&env, &[]);
    let menu = TrayMenu::find(session.address(), tray.pid());
    let labels = menu.labels();
    assert!(labels.iter().any(|l| l == "Copy code: ops"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "Open Otpilot"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "Quit"), "{labels:?}");
    assert_copies(&env, "ops", || menu.click("Copy code: ops"));
    // Marked as a secret, so clipboard managers keep it out of their history.
    let targets = clipboard_targets();
    assert!(
        targets.iter().any(|t| t == "x-kde-passwordManagerHint"),
        "{targets:?}"
    );
    // The tray holds credentials and reads seeds: no core dump may carry them off.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", tray.pid())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core.split_whitespace().nth(4),
        Some("0"),
        "soft core limit: {core}"
    );
    menu.click("Quit");
    assert_eq!(
        tray.wait_exit(Duration::from_secs(10)),
        Some(0),
        "{}",
        tray.log_text()
    );
    assert!(
        !env.root.path().join("run/otpilot/agent.sock").exists(),
        "the socket is removed"
    );
}

/// The processes under `pid` (its children, their children, ...).
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let children =
            std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            found.push(c);
            todo.push(c);
        }
    }
    found
}

fn maps_webkit(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_default()
        .contains("libwebkit2gtk")
}

fn exe_name(pid: u32) -> String {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn the_tray_never_loads_a_web_engine_and_opens_one_window_process() {
    let _one = serial();
    let (session, env) = desktop(Keyring::Unlocked);
    let mut tray = TrayProcess::start(&env, &[]);
    assert!(!maps_webkit(tray.pid()), "the tray itself maps WebKit");
    let menu = TrayMenu::find(session.address(), tray.pid());
    let windows = || -> Vec<u32> {
        descendants(tray.pid())
            .into_iter()
            .filter(|p| exe_name(*p) == "otpilot-window")
            .collect()
    };
    menu.click("Open Otpilot");
    wait_until("the window process", Duration::from_secs(20), || {
        windows().iter().any(|p| maps_webkit(*p))
    });
    wait_until("the window on screen", Duration::from_secs(20), || {
        top_level_windows()
            .iter()
            .any(|w| w.name == "Otpilot" && w.width > 300)
    });
    // Its X class is the tray's, so a desktop files it under Otpilot's launcher and icon.
    let window = top_level_windows()
        .into_iter()
        .find(|w| w.name == "Otpilot" && w.width > 300)
        .unwrap();
    let class = std::process::Command::new("xprop")
        .args(["-id", &window.id, "WM_CLASS"])
        .env("DISPLAY", &crate::harness::tray::Display::shared().name)
        .output()
        .expect("xprop");
    let class = String::from_utf8_lossy(&class.stdout).into_owned();
    assert!(class.contains("\"otpilot-tray\""), "{class}");
    // A second "Open Otpilot" (and a second `otpilot-tray`) raise that window, not another.
    menu.click("Open Otpilot");
    let second = std::process::Command::new(crate::harness::tray::tray_bin())
        .env_clear()
        .envs(crate::harness::tray::desktop_envs(&env, &[]))
        .status()
        .unwrap();
    assert!(second.success(), "a second tray hands over and exits 0");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(windows().len(), 1, "one window process");
    assert!(!maps_webkit(tray.pid()), "the tray still maps no WebKit");
    let window = windows()[0];
    menu.click("Quit");
    assert_eq!(tray.wait_exit(Duration::from_secs(10)), Some(0));
    // Quit ends the app, window included.
    wait_until("the window process to end", Duration::from_secs(10), || {
        !std::path::Path::new(&format!("/proc/{window}/exe")).exists()
            || exe_name(window) != "otpilot-window"
    });
}

#[test]
fn open_console_from_the_window_and_the_tray_menu() {
    use crate::harness::browser::RecordingBrowser;
    use crate::harness::signin::{Expect, SigninEndpoint};
    let _one = serial();
    let (session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    w.standard_profiles();
    // readonly's console opens in a Chromium-family browser of its own, named by path: a
    // stand-in that records its arguments and a copy of the page it was given.
    let own = w.env.root.path().join("own-browser");
    std::fs::create_dir_all(&own).unwrap();
    let own_script = own.join("chromium-stand-in");
    std::fs::write(
        &own_script,
        format!(
            "#!/bin/sh
for a in \"$@\"; do last=$a; printf '%s\\n' \"$a\" >> '{dir}/args'; done
\
             cp \"${{last#file://}}\" '{dir}/page.html'\n",
            dir = own.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &own_script,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    std::fs::write(
        w.config_path(),
        format!(
            "{config}otpilot_console_browser = {}\n",
            own_script.display()
        ),
    )
    .unwrap();
    write_settings(&w.env, "watched_profiles = [\"admin\"]\n");
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    // A browser that only records what it was asked to open.
    let recorder = RecordingBrowser::new(&w.env.root.path().join("browser"));
    let mut extra = w.aws_envs();
    extra.push(("OTPILOT_FEDERATION_ENDPOINT".into(), signin.endpoint()));
    extra.push(("BROWSER".into(), recorder.script.display().to_string()));
    let opened = || -> Vec<String> {
        recorder
            .opened()
            .into_iter()
            .map(|o| {
                assert!(!o.arg.contains("SigninToken"), "no token in argv");
                o.url
            })
            .collect()
    };
    let logout = "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=";

    let tray = DrivenTray::start(&w.env, &extra);
    tray.click("nav-profiles");
    tray.click("console-admin");
    wait_until(
        "the browser to be opened from the window",
        Duration::from_secs(30),
        || opened().len() == 1,
    );
    assert!(
        opened()[0].starts_with(logout),
        "logout first: {}",
        opened()[0].len()
    );
    let param = |u: &str, key: &str| {
        url::Url::parse(u)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let login = param(&opened()[0], "redirect_uri");
    assert_eq!(
        param(&login, "SigninToken"),
        signin.token(),
        "the login carries the sign-in token"
    );

    let menu = TrayMenu::find_any(session.address());
    menu.click("Open console");
    wait_until(
        "the browser to be opened from the tray menu",
        Duration::from_secs(30),
        || opened().len() == 2,
    );
    assert!(opened()[1].starts_with(logout));
    // The sign-in endpoint saw exactly the role credentials STS issued: one AssumeRole.
    assert_eq!(w.gate.count("AssumeRole"), 1);
    assert_eq!(signin.requests().len(), 2);

    // readonly: its own browser (the same rule as `otpilot console`), its own profile
    // directory, the private page in argv, and a direct sign-in (no logout).
    tray.click("console-readonly");
    let page = own.join("page.html");
    wait_until(
        "readonly's own browser to be opened from the window",
        Duration::from_secs(30),
        || page.exists(),
    );
    let args = std::fs::read_to_string(own.join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert!(
        args.iter()
            .any(|a| a.starts_with("--user-data-dir=") && a.ends_with("/readonly")),
        "{args:?}"
    );
    assert!(args.last().unwrap().starts_with("file://"), "{args:?}");
    assert!(args.iter().all(|a| !a.contains("SigninToken")), "{args:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(&format!("{}?Action=login&amp;", signin.endpoint())),
        "a direct sign-in"
    );
    assert!(!html.contains("Action=logout"));
    assert_eq!(opened().len(), 2, "not in the default browser");
}

#[test]
fn the_mfa_wizard_enrols_a_device_and_the_activity_view_shows_it() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    let user = w.iam_user();
    std::fs::write(w.config_path(), "[profile base]\nregion = us-east-1\n").unwrap();
    let aws = w.aws_envs();
    let tray = DrivenTray::start(&w.env, &aws);
    tray.click("nav-mfa");
    tray.wait_text("mfa-profile", "the profile with keys", |t| {
        t.contains("base")
    });
    tray.click("mfa-enroll");
    tray.wait_testid("mfa-result");
    let serial = tray.text("mfa-result-serial");
    let device = tray.text("mfa-result-device");
    assert_eq!(tray.text("mfa-result-user"), user);
    assert_eq!(
        crate::mfa_lifecycle::moto_devices(&user),
        vec![serial.clone()]
    );
    // IAM got the seed's codes for two consecutive steps, and the CLI now shows AWS's code.
    let enable = &w.gate.requests_for("EnableMFADevice")[0];
    let step = enable.mfa_step.expect("the codes matched a step");
    assert_eq!(
        enable.param("AuthenticationCode2").unwrap(),
        w.gate.code_for_step(&serial, step + 1)
    );
    let code = w.env.ok(&["code", &device], None);
    let now = w.gate.current_step();
    assert!([now, now + 1]
        .iter()
        .any(|s| w.gate.code_for_step(&serial, *s) == code.trim()));
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    assert!(
        config.contains(&format!("mfa_serial = {serial}")),
        "{config}"
    );

    // (The screenshot is taken before the QR code, which holds the seed, is shown.)
    screenshot(&docs("mfa-wizard.png"));
    // The phone backup QR code appears only after the confirmation.
    tray.click("mfa-show-qr");
    tray.wait_testid("mfa-qr");

    tray.click("nav-activity");
    tray.wait_text("activity-list", "the enrolment", |t| {
        t.contains("MFA device enrolled") && t.contains(&serial)
    });
}

#[test]
fn a_tray_host_shows_the_icon_and_a_click_opens_the_menu() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let w = AwsWorld::on(env);
    w.standard_profiles();
    write_settings(&w.env, "watched_profiles = [\"admin\"]\n");
    let aws = w.aws_envs();
    let _host = TrayHost::start();
    let tray = TrayProcess::start(&w.env, &aws);
    // The icon is embedded in the panel (the window is named after the app's tray id).
    wait_until("the icon in the tray host", Duration::from_secs(10), || {
        all_windows()
            .iter()
            .any(|x| x.depth > 1 && x.name.contains("otpilot"))
    });
    // Let the refresher fill in the watched profile's state.
    wait_until("the profile to be fresh", Duration::from_secs(30), || {
        w.gate.count("AssumeRole") >= 1
    });
    std::thread::sleep(Duration::from_secs(1));
    let before: Vec<String> = top_level_windows().into_iter().map(|x| x.id).collect();
    click_at(13, 14);
    // The menu is a new top-level (override-redirect) window below the icon.
    let mut menu = None;
    wait_until("the menu to open", Duration::from_secs(10), || {
        menu = top_level_windows()
            .into_iter()
            .find(|x| !before.contains(&x.id) && x.width >= 100 && x.height >= 60);
        menu.is_some()
    });
    let menu = menu.unwrap();
    screenshot_area(
        &docs("tray-menu.png"),
        &format!(
            "{}x{}+0+0",
            (menu.width + 20).min(640),
            (menu.height + 40).min(600)
        ),
    );
    drop(tray);
}

#[test]
fn the_global_shortcut_copies_the_default_devices_code() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    env.add_device("first", &random_seed(20), &[]);
    env.add_device("work", &random_seed(20), &[]);
    write_settings(
        &env,
        "global_shortcut = \"Ctrl+Alt+O\"\ndefault_device = \"work\"\nclipboard_clear_seconds = 60\n",
    );
    // Start from an empty clipboard, so whatever appears came from the shortcut.
    clear_clipboard();
    let tray = TrayProcess::start(&env, &[]);
    tray.wait_for_log("global shortcut Ctrl+Alt+O");
    assert_shortcut_copies(&env, "ctrl+alt+o", "work");
}

#[test]
fn a_shortcut_set_in_the_window_works_and_a_bad_one_is_refused() {
    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    env.add_device("first", &random_seed(20), &[]);
    env.add_device("work", &random_seed(20), &[]);
    let tray = DrivenTray::start(&env, &[]);
    tray.click("nav-settings");
    // A key name the shortcut parser does not know: refused by the tray, with its reason.
    tray.fill("settings-global-shortcut", "Ctrl+Alt+Nokey");
    tray.click("settings-save");
    tray.wait_text("settings-error", "the refusal", |t| {
        t.contains("is not a shortcut")
    });
    assert!(
        !std::fs::read_to_string(env.root.path().join("config/otpilot/config.toml"))
            .unwrap_or_default()
            .contains("global_shortcut")
    );

    tray.fill("settings-global-shortcut", "Ctrl+Alt+P");
    tray.select("settings-default-device", "work");
    tray.click("settings-save");
    tray.wait_text("settings-status", "saved", |t| !t.is_empty());
    let config =
        std::fs::read_to_string(env.root.path().join("config/otpilot/config.toml")).unwrap();
    assert!(
        config.contains("global_shortcut = \"Ctrl+Alt+P\""),
        "{config}"
    );
    assert!(config.contains("default_device = \"work\""), "{config}");

    clear_clipboard();
    assert_shortcut_copies(&env, "ctrl+alt+p", "work");
}

/// Runs `copy` and checks the clipboard then holds `device`'s code: the code current before
/// or after, since a 30 s step may end in between.
fn assert_copies(env: &crate::harness::TestEnv, device: &str, copy: impl FnOnce()) {
    let code_now = || env.ok(&["code", device], None).trim().to_owned();
    let before = code_now();
    copy();
    wait_until("the code on the clipboard", Duration::from_secs(5), || {
        clipboard().trim().len() == 6
    });
    let copied = clipboard().trim().to_owned();
    let after = code_now();
    assert!(
        copied == before || copied == after,
        "clipboard {copied:?}, codes of `{device}` {before} then {after}"
    );
}

/// Presses `keys` on an empty clipboard and checks it then holds `device`'s code.
fn assert_shortcut_copies(env: &crate::harness::TestEnv, keys: &str, device: &str) {
    assert!(clipboard().trim().is_empty());
    assert_copies(env, device, || press_keys(keys));
}
