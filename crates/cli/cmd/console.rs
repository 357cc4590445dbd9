//! `otpilot console PROFILE`: signs in to the AWS console and opens it in the browser, or
//! prints the login URL with `--print`.
//!
//! The URL is a bearer secret for 15 minutes. It goes to stdout (`--print`) or into the argv
//! of the browser launcher, the one process that must see it, and nowhere else: not into
//! logs, errors, or the launcher's own output (which is discarded, since launchers such as
//! xdg-open quote the URL in their error messages).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use otpilot_core::aws::sts::SdkSts;
use otpilot_core::console::{ConsoleRequest, Destination};
use otpilot_core::secret::SecretString;

use super::Ctx;
use crate::cli::ConsoleArgs;
use crate::term::TerminalInteraction;

/// A launcher that fails says so quickly (not found, bad exit status). One still running
/// after this is taken to be the browser itself, which may run until it is closed.
const LAUNCH_GRACE: Duration = Duration::from_secs(3);

pub fn run(ctx: &Ctx, args: ConsoleArgs) -> Result<()> {
    let profile = args
        .profile
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let destination = match (args.service, args.path) {
        (Some(service), _) => Destination::Service(service),
        (None, Some(path)) => Destination::Path(path),
        (None, None) => Destination::Home,
    };
    let request = ConsoleRequest {
        destination,
        region: args.region,
        duration: args.duration,
    };
    let sts = SdkSts::default();
    let ui = TerminalInteraction;
    let login = ctx.broker(&sts, &ui)?.console_login(&profile, &request)?;

    if args.print {
        let mut out = std::io::stdout().lock();
        out.write_all(login.login_url.expose().as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        eprintln!(
            "otpilot: warning: this URL signs anyone who opens it in to the AWS console as `{profile}` for the next 15 minutes; treat it like a password"
        );
        return Ok(());
    }
    let url = if args.no_logout {
        &login.login_url
    } else {
        &login.logout_url
    };
    open_in_browser(url, &profile)?;
    eprintln!(
        "otpilot: opened the AWS console for `{profile}` in your browser ({})",
        login.destination
    );
    Ok(())
}

/// Runs the first browser command that starts and does not fail.
fn open_in_browser(url: &SecretString, profile: &str) -> Result<()> {
    let mut failures = Vec::new();
    for words in browser_commands() {
        match launch(&words, url) {
            Ok(()) => return Ok(()),
            Err(why) => failures.push(format!("`{}` {why}", words[0])),
        }
    }
    bail!(
        "no browser could be started ({}); set BROWSER, or run `otpilot console {profile} --print` and open the URL yourself",
        failures.join("; ")
    )
}

/// `$BROWSER` as xdg-open reads it (a colon-separated list of commands, `%s` for the URL,
/// else the URL appended), or the platform's opener. A set `$BROWSER` is the person's choice,
/// so the platform opener is not tried after it.
fn browser_commands() -> Vec<Vec<String>> {
    if let Some(value) = std::env::var("BROWSER")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return value
            .split(':')
            .map(|entry| {
                entry
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect();
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    vec![vec![opener.to_owned()]]
}

/// Starts one browser command with the URL; waits briefly to see whether it failed.
fn launch(words: &[String], url: &SecretString) -> std::result::Result<(), String> {
    let mut command = Command::new(&words[0]);
    let mut placed = false;
    for word in &words[1..] {
        if word.contains("%s") {
            command.arg(word.replace("%s", url.expose()));
            placed = true;
        } else {
            command.arg(word);
        }
    }
    if !placed {
        command.arg(url.expose());
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "was not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => "is not executable".to_owned(),
        _ => format!("could not be started ({e})"),
    })?;
    let deadline = Instant::now() + LAUNCH_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("failed ({status})")),
            Ok(None) if Instant::now() >= deadline => return Ok(()),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("could not be watched ({e})")),
        }
    }
}
