//! `console_browser`: each AWS profile's console in its own browser profile, with the real
//! Chromium (headless) against the test's sign-in endpoint, which sets a session cookie on
//! the federation callback as the console does; a missing browser; WSL's Windows browser.
//!
//! The flags headless Chromium needs here are added by a test-only `chromium` wrapper on
//! PATH (it also records its argv and the page's mode), never by the product.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::console::{assert_not_in_files, run};
use crate::harness::aws::{AwsWorld, ACCOUNT};
use crate::harness::browser::RecordingBrowser;
use crate::harness::signin::{Expect, SigninEndpoint};

fn script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `PATH` with `bin` first.
fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Lines of a log file (empty when there is none yet).
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits (bounded) until `path` has `n` lines: the wrapped browser has finished that many runs.
fn wait_for_lines(path: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines(path).len() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(lines(path).len(), n, "{} runs finished", path.display());
}

/// The names of the session cookies the sign-in endpoint set in a Chromium profile.
fn cookies(user_data_dir: &Path) -> Vec<String> {
    let db = user_data_dir.join("Default/Cookies");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys\n\
             db=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True)\n\
             print('\\n'.join(sorted(n for (n,) in db.execute(\"select name from cookies where host_key='127.0.0.1'\"))))",
        ])
        .arg(&db)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The AWS data directory Otpilot keeps its browser profiles in, for this test's env.
fn browsers_dir(w: &AwsWorld) -> PathBuf {
    w.env.root.path().join("home/.local/share/otpilot/browsers")
}

#[test]
fn each_profile_signs_in_to_its_own_chromium_profile() {
    let w = AwsWorld::new();
    // admin chooses Chromium in the AWS config; readonly on the command line; config.toml
    // names a browser that is not installed, so it must lose to both.
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\notpilot_console_browser = chromium\n\n\
         [profile readonly]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = base\nmfa_serial = {{serial}}\n"
    ));
    w.write_base_credentials();
    std::fs::create_dir_all(w.env.config_dir()).unwrap();
    std::fs::write(
        w.env.config_dir().join("config.toml"),
        "console_browser = \"/nonexistent/vivaldi\"\n",
    )
    .unwrap();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    signin.mint_tokens();

    let dir = w.env.root.path().join("chromium-wrapper");
    let (argv_log, modes, done) = (
        dir.join("argv.log"),
        dir.join("modes.log"),
        dir.join("done.log"),
    );
    // Headless, and done once the page's redirects have settled (--virtual-time-budget with
    // --dump-dom): Chromium then exits and its cookie database is complete.
    script(
        &dir.join("bin/chromium"),
        &format!(
            "#!/bin/sh\n\
             for a in \"$@\"; do printf '%s\\037' \"$a\"; done >> '{argv}'; echo >> '{argv}'\n\
             for a in \"$@\"; do last=$a; done\n\
             case \"$last\" in file://*) stat -c %a \"${{last#file://}}\" >> '{modes}';; esac\n\
             /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
             --disable-background-networking --disable-component-update --disable-sync \
             --virtual-time-budget=5000 --dump-dom \"$@\" >/dev/null 2>&1\n\
             echo $? >> '{done}'\n",
            argv = argv_log.display(),
            modes = modes.display(),
            done = done.display()
        ),
    );
    let path = path_with(&dir.join("bin"));
    let env = [("PATH", path.as_str())];

    let first = run(&w, &signin, &["console", "admin"], &env);
    first.assert_ok();
    assert!(
        first.stderr().contains("in its own chromium profile"),
        "{}",
        first.stderr()
    );
    wait_for_lines(&done, 1);
    run(
        &w,
        &signin,
        &["console", "readonly", "--browser", "chromium"],
        &env,
    )
    .assert_ok();
    wait_for_lines(&done, 2);

    let browsers = browsers_dir(&w);
    let (admin, readonly) = (
        browsers.join("chromium/admin"),
        browsers.join("chromium/readonly"),
    );
    assert_eq!(lines(&done), ["0", "0"], "Chromium ran cleanly");
    for d in [&browsers, &admin, &readonly] {
        assert_eq!(mode(d), 0o700, "{}", d.display());
    }
    // Each profile's jar holds its own session and only its own.
    assert_eq!(cookies(&admin), ["signin-0"]);
    assert_eq!(cookies(&readonly), ["signin-1"]);

    // admin again: the same profile, now with its second session; no third directory.
    run(&w, &signin, &["console", "admin"], &env).assert_ok();
    wait_for_lines(&done, 3);
    assert_eq!(cookies(&admin), ["signin-0", "signin-2"]);
    assert_eq!(cookies(&readonly), ["signin-1"]);
    let mut made: Vec<_> = std::fs::read_dir(browsers.join("chromium"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    made.sort();
    assert_eq!(made, ["admin", "readonly"]);

    // argv: the profile's directory and the private page, never a token or the sign-in URL.
    let calls = lines(&argv_log);
    assert_eq!(calls.len(), 3);
    let tokens = signin.minted();
    assert_eq!(tokens.len(), 3);
    for (call, profile_dir) in calls.iter().zip([&admin, &readonly, &admin]) {
        let args: Vec<&str> = call.split('\u{1f}').filter(|a| !a.is_empty()).collect();
        assert!(
            args.contains(&format!("--user-data-dir={}", profile_dir.display()).as_str()),
            "{call}"
        );
        assert!(args.last().unwrap().starts_with("file://"), "{call}");
        assert!(
            !call.contains("SigninToken") && !call.contains("Action=login"),
            "{call}"
        );
        for token in &tokens {
            let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
            assert!(
                !call.contains(token.as_str()) && !call.contains(&encoded),
                "{call}"
            );
        }
    }
    assert_eq!(lines(&modes), ["600", "600", "600"]);

    // The pages go soon after (otpilot has long exited by then).
    let deadline =
        Instant::now() + otpilot_core::console::browser::PAGE_LIFETIME + Duration::from_secs(10);
    for call in &calls {
        let page = PathBuf::from(
            call.split('\u{1f}')
                .rfind(|a| !a.is_empty())
                .unwrap()
                .trim_start_matches("file://"),
        );
        while page.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
        }
        assert!(!page.exists(), "{} is still there", page.display());
    }
    // Only the browsers' own profiles (their history) ever held a token.
    for token in &tokens {
        let url = format!("{}?Action=login", signin.endpoint());
        assert_not_in_files(&w, &signin, &url, Some(&browsers));
        assert!(w
            .env
            .files_containing(token)
            .iter()
            .all(|p| p.starts_with(&browsers)));
    }

    // Forgetting admin's browser profile leaves readonly's.
    let forget = run(&w, &signin, &["console", "--forget-browser", "admin"], &env);
    forget.assert_ok();
    assert!(
        forget
            .stderr()
            .contains("removed the browser profile of `admin`"),
        "{}",
        forget.stderr()
    );
    assert!(!admin.exists());
    assert_eq!(cookies(&readonly), ["signin-1"]);
}

#[test]
fn a_missing_browser_is_one_line_and_nothing_is_opened_or_signed_in() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let recorder = RecordingBrowser::new(&w.env.root.path().join("browser"));
    let browser = recorder.script.display().to_string();
    let empty = w.env.root.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let path = empty.display().to_string();
    let env = [("BROWSER", browser.as_str()), ("PATH", path.as_str())];

    let line = run(
        &w,
        &signin,
        &["console", "admin", "--browser", "brave"],
        &env,
    )
    .assert_one_line_error(
        "the console browser `brave` was not found (looked for brave-browser, brave on PATH)",
    );
    assert!(line.contains("choose another with --browser"), "{line}");
    run(
        &w,
        &signin,
        &["console", "admin", "--browser", "/nonexistent/chrome"],
        &env,
    )
    .assert_one_line_error("the console browser `/nonexistent/chrome` was not found");
    run(
        &w,
        &signin,
        &["console", "admin", "--browser", "netscape"],
        &env,
    )
    .assert_one_line_error("unknown console browser `netscape` (--browser)");
    assert!(recorder.opened().is_empty(), "nothing opened");
    assert!(signin.requests().is_empty(), "no sign-in was spent");

    // `default` is today's browser, through the logout endpoint first.
    let env = [("BROWSER", browser.as_str())];
    run(
        &w,
        &signin,
        &["console", "admin", "--browser", "default"],
        &env,
    )
    .assert_ok();
    let opened = recorder.opened();
    assert_eq!(opened.len(), 1);
    assert!(opened[0]
        .url
        .starts_with("https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri="));
}

#[test]
fn inside_wsl_the_windows_browser_gets_a_windows_path_to_the_private_page() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let dir = w.env.root.path().join("wsl");
    let bin = dir.join("bin");
    let log = dir.join("calls.log");
    // wslpath -w: the distribution's share, backslashes.
    script(
        &bin.join("wslpath"),
        "#!/bin/sh\n[ \"$1\" = -w ] || exit 2\nprintf '\\\\\\\\wsl.localhost\\\\Debian%s\\n' \"$(printf '%s' \"$2\" | tr / '\\\\')\"\n",
    );
    // cmd.exe and wslview record argv and the mode of the page the Windows path names.
    let recorder = format!(
        "#!/bin/sh\n\
         for a in \"$@\"; do last=$a; done\n\
         linux=$(printf '%s' \"${{last#\\\\\\\\wsl.localhost\\\\Debian}}\" | tr '\\\\' /)\n\
         printf '%s|' \"$(basename $0)\" \"$@\" \"$(stat -c %a \"$linux\")\" >> '{log}'; echo >> '{log}'\n",
        log = log.display()
    );
    script(&bin.join("cmd.exe"), &recorder);
    let path = path_with(&bin);
    let env = [
        ("PATH", path.as_str()),
        ("WSL_DISTRO_NAME", "Debian"),
        ("WSL_INTEROP", "/run/WSL/1_interop"),
    ];

    run(&w, &signin, &["console", "admin"], &env).assert_ok();
    script(&bin.join("wslview"), &recorder);
    run(&w, &signin, &["console", "readonly"], &env).assert_ok();

    let calls = lines(&log);
    assert_eq!(calls.len(), 2, "{calls:?}");
    let runtime = w.env.runtime_dir().display().to_string().replace('/', "\\");
    let page = format!(r"\\wsl.localhost\Debian{runtime}\console-");
    let cmd: Vec<&str> = calls[0].split('|').collect();
    assert_eq!(cmd[..4], ["cmd.exe", "/c", "start", ""], "{}", calls[0]);
    assert!(
        cmd[4].starts_with(&page) && cmd[4].ends_with(".html"),
        "{}",
        calls[0]
    );
    assert_eq!(cmd[5], "600");
    let view: Vec<&str> = calls[1].split('|').collect();
    assert_eq!(view[0], "wslview");
    assert!(view[1].starts_with(&page), "{}", calls[1]);
    assert_eq!(view[2], "600");
    for call in &calls {
        assert!(
            !call.contains("SigninToken") && !call.contains(&signin.token()),
            "{call}"
        );
    }
}
