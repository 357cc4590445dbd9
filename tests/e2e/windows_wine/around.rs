//! otpilot.exe with Windows programs beside it under Wine: a MinGW-built child of `exec
//! --server` and of `exec` (Ctrl-C), the shell's handler for the sign-in page, and Wine's
//! console on a pty (the hidden prompt). Part of the `windows_wine` group (see its header).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use super::{windows_path, WineWorld};
use crate::harness::browser::RecordingBrowser;
use crate::harness::pty::Pty;
use crate::harness::signin::{Expect, SigninEndpoint};
use crate::harness::{files_containing, run_piped, run_tool};

/// A Windows program built here with MinGW from `tests/windows/NAME.c` (test code only),
/// into the test's own directory; its path as Wine sees it.
fn mingw_program(w: &WineWorld, name: &str, libs: &[&str]) -> String {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/windows")
        .join(format!("{name}.c"));
    let exe = w.aws.env.root.path().join(format!("{name}.exe"));
    run_tool(
        Command::new("x86_64-w64-mingw32-gcc")
            .args(["-O2", "-o"])
            .arg(&exe)
            .arg(&source)
            .args(libs),
    );
    windows_path(&exe)
}

/// `exec --server` on Windows: the child (a small Winsock client, as an SDK would ask)
/// reaches the endpoint on 127.0.0.1, is refused without the token and gets the profile's
/// credentials with it, from the same cache as `credential-process` (no new STS call); its
/// exit code is otpilot.exe's.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn exec_server_serves_the_child_with_its_token_on_loopback_and_passes_its_exit_code() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let client = mingw_program(&w, "credclient", &["-lws2_32"]);
    let json = w.credential_process("admin");
    let run = w.run(&["exec", "admin", "--server", "--", &client, "7"], None);
    assert_eq!(run.code(), 7, "stderr: {}", run.stderr());
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().map(|l| l.trim_end_matches('\r')).collect();
    assert_eq!(lines.first(), Some(&"host 127.0.0.1"), "{out}");
    assert_eq!(
        lines.get(1),
        Some(&"without the token: HTTP/1.1 401 Unauthorized"),
        "{out}"
    );
    assert_eq!(
        lines.get(2),
        Some(&"with the token: HTTP/1.1 200 OK"),
        "{out}"
    );
    let served: serde_json::Value = serde_json::from_str(lines.get(3).copied().unwrap_or(""))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    for (served_key, cp_key) in [
        ("AccessKeyId", "AccessKeyId"),
        ("SecretAccessKey", "SecretAccessKey"),
        ("Token", "SessionToken"),
        ("Expiration", "Expiration"),
    ] {
        assert_eq!(served[served_key], json[cp_key], "{served_key}");
    }
    assert_eq!(
        w.aws.gate.count("GetSessionToken") + w.aws.gate.count("AssumeRole"),
        2,
        "one cache: the endpoint answered from it"
    );
}

/// `wine reg ARGS` in the test's prefix.
fn wine_reg(w: &WineWorld, args: &[&str]) {
    let mut reg = Command::new("wine");
    reg.arg("reg").args(args).env_clear().envs(w.envs());
    run_tool(&mut reg);
}

/// Console sign-in on Windows: otpilot.exe opens its private forwarding page through the
/// shell (`rundll32 url.dll,FileProtocolHandler`), which Wine hands to winebrowser and on
/// to the browser its registry names: here a recording script (the Linux tests' one) that
/// also records every process's argv at that moment. The browser gets the page's path, not
/// the sign-in URL; the page sends it on to the sign-in fixture's login URL; no argv held
/// the sign-in token; the page is removed afterwards.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn console_opens_a_private_page_through_the_shell_and_removes_it() {
    struct DefaultBrowser<'a>(&'a WineWorld);
    impl Drop for DefaultBrowser<'_> {
        fn drop(&mut self) {
            let mut reg = Command::new("wine");
            reg.args([
                "reg",
                "delete",
                r"HKCU\Software\Wine\WineBrowser",
                "/v",
                "Browsers",
                "/f",
            ])
            .env_clear()
            .envs(self.0.envs())
            .output()
            .ok();
        }
    }
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let dir = w.aws.env.root.path().join("browser");
    let recorder = RecordingBrowser::new(&dir);
    // Every process's argv while the browser starts, then the recording browser.
    let argv_log = dir.join("argv.log");
    let browser = dir.join("browser-and-argv");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nfor f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done > '{}' 2>/dev/null\nexec '{}' \"$@\"\n",
            argv_log.display(),
            recorder.script.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The prefix's shell: .html pages open with winebrowser (wineboot left `.html` without
    // an association here, with mshtml off), and winebrowser runs the recording browser.
    wine_reg(&w, &["add", r"HKCR\.html", "/ve", "/d", "htmlfile", "/f"]);
    let _default = DefaultBrowser(&w);
    wine_reg(
        &w,
        &[
            "add",
            r"HKCU\Software\Wine\WineBrowser",
            "/v",
            "Browsers",
            "/d",
            &browser.display().to_string(),
            "/f",
        ],
    );
    let mut console = w.command(&["console", "admin"]);
    console.env("OTPILOT_FEDERATION_ENDPOINT", signin.endpoint());
    let run = run_piped(console, None);
    run.assert_ok();
    assert!(
        run.stderr().contains("opened the AWS console for `admin`"),
        "{}",
        run.stderr()
    );
    // Winebrowser may still be starting the browser when otpilot.exe has exited.
    let mut opened = recorder.opened();
    for _ in 0..100 {
        if !opened.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        opened = recorder.opened();
    }
    assert_eq!(opened.len(), 1, "the browser was started once");
    // The browser got the page's path (in Otpilot's runtime directory), nothing else.
    let page = opened[0].page.clone().expect("a file:// page");
    assert!(
        page.starts_with(&w.prefix) && page.to_string_lossy().contains("/AppData/Local/otpilot/"),
        "{}",
        page.display()
    );
    let token = signin.token();
    assert!(!opened[0].arg.contains("SigninToken") && !opened[0].arg.contains(&token));
    // The page holds the federation endpoint's login URL with its token (after the logout).
    let prefix = "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=";
    assert!(opened[0].url.starts_with(prefix), "{}", opened[0].url);
    let login = url::Url::parse(&opened[0].url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(
        login.starts_with(&format!("{}?Action=login&", signin.endpoint())),
        "{login}"
    );
    let signin_token = url::Url::parse(&login)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "SigninToken")
        .map(|(_, v)| v.into_owned());
    assert_eq!(signin_token.as_deref(), Some(token.as_str()), "{login}");
    // The token as it travels in the URL (percent-encoded).
    let encoded = login.split("SigninToken=").nth(1).unwrap().to_owned();
    // No process's argv carried the token while the browser was starting.
    let argv = std::fs::read_to_string(&argv_log).unwrap();
    assert!(
        argv.contains("file://"),
        "the record holds the browser's own argv: {argv}"
    );
    for secret in [&token, &encoded] {
        assert!(
            !argv.contains(secret.as_str()),
            "the sign-in token was in a process's argv"
        );
    }
    // The page is removed afterwards (by a detached cmd.exe, after its lifetime).
    let deadline = std::time::Instant::now()
        + otpilot_core::console::browser::PAGE_LIFETIME
        + std::time::Duration::from_secs(30);
    while page.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(!page.exists(), "{} is still there", page.display());
    // Only the recording browser's copies (under the test's own directory) hold the token.
    let in_prefix = files_containing(&w.prefix, token.as_bytes());
    assert!(
        in_prefix.is_empty(),
        "the sign-in token is in {in_prefix:?}"
    );
}

/// Ctrl-C during `exec` on Windows: the child gets it and decides, otpilot.exe survives it
/// and passes the child's exit code on. Run on a pty, where Wine gives the processes a
/// console. A Ctrl-C typed on that terminal does not become a console event under Wine 8
/// (tried), so the child sends the event to every process on the console itself, as the
/// console does for the key; a parent with Windows' default handling dies of it
/// (`ctrlc.exe parent`, checked first), so otpilot.exe passing 42 on shows its handling.
#[test]
#[ignore = "run by tests/windows.sh, which builds otpilot.exe"]
fn ctrl_c_during_exec_reaches_the_child_and_otpilot_passes_its_exit_code() {
    let w = WineWorld::new();
    w.add_device();
    w.aws.standard_profiles();
    let child = mingw_program(&w, "ctrlc", &[]);
    let on_a_console = |line: &str| on_a_console(&w, line);
    // Without a handler a parent dies of the event: the test can tell.
    let (_, shown) = on_a_console(&format!("wine {} parent", quote(&child)));
    assert!(shown.contains("the parent started its child"), "{shown}");
    assert!(
        !shown.contains("the parent survived"),
        "a parent with the default handling survived: {shown}"
    );
    let (code, shown) = on_a_console(&format!(
        "wine {} exec admin -- {}",
        quote(&w.exe.display().to_string()),
        quote(&child)
    ));
    assert!(shown.contains("the child got ctrl-c"), "{shown}");
    assert_eq!(code, 42, "{shown}");
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs a shell `line` on a pty (util-linux `script`), where Wine gives its processes a
/// console. The exit code and what the terminal showed, as text.
fn on_a_console(w: &WineWorld, line: &str) -> (i32, String) {
    // A guard against hanging, not a timing.
    let (code, shown) = Pty::spawn_line(w.envs(), "/bin/sh", line)
        .finish_within(std::time::Duration::from_secs(180));
    (code, plain(&shown))
}

/// What Wine's console painted, as text: it moves the cursor right for spaces.
fn plain(painted: &str) -> String {
    let mut text = String::new();
    let mut chars = painted.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters, then a letter; `C` moves the cursor right.
            chars.next();
            let mut parameters = String::new();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    if c == 'C' {
                        let n = parameters.parse().unwrap_or(1);
                        text.push_str(&" ".repeat(n));
                    }
                    break;
                }
                parameters.push(c);
            }
        } else if c != '\r' {
            text.push(c);
        }
    }
    text
}
