//! Opening a URL in the person's browser: `$BROWSER` as xdg-open reads it, else the
//! platform's opener. The URL (a console sign-in URL is a bearer secret) goes only into the
//! launcher's argv; the launcher's own output is discarded, since launchers such as xdg-open
//! quote the URL in their error messages.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::secret::SecretString;

/// A launcher that fails says so quickly (not found, bad exit status). One still running
/// after this is taken to be the browser itself, which may run until it is closed.
const LAUNCH_GRACE: Duration = Duration::from_secs(3);

/// Runs the first browser command that starts and does not fail. On failure, says what was
/// tried (never the URL).
pub fn open(url: &SecretString) -> Result<(), String> {
    let mut failures = Vec::new();
    for words in browser_commands() {
        match launch(&words, url) {
            Ok(()) => return Ok(()),
            Err(why) => failures.push(format!("`{}` {why}", words[0])),
        }
    }
    Err(failures.join("; "))
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
    vec![vec![crate::platform::browser_opener().to_owned()]]
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
