//! Opening a sign-in URL in the person's browser: `$BROWSER` as xdg-open reads it, else the
//! platform's opener. The URL is a bearer secret for 15 minutes, and a program's argv is
//! readable by every local user (`/proc/PID/cmdline`) for as long as it runs, a browser's
//! for hours. So the browser is given a private page instead: a 0600 file in Otpilot's 0700
//! runtime directory that sends it on to the URL, removed shortly after. Its `file://` path
//! is all that appears in argv. The launcher's own output is discarded.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::secret::SecretString;

/// How long the page stays for a browser that is slow to start; then it is removed.
pub const PAGE_LIFETIME: Duration = Duration::from_secs(20);

/// A launcher that fails says so quickly (not found, bad exit status). One still running
/// after this is taken to be the browser itself, which may run until it is closed.
const LAUNCH_GRACE: Duration = Duration::from_secs(3);

/// Opens `url` through a private page in `private_dir` (Otpilot's runtime directory) with the
/// first browser command that starts and does not fail. On failure, says what was tried
/// (never the URL).
pub fn open(url: &SecretString, private_dir: &Path) -> Result<(), String> {
    let page = Page::write(private_dir, url)?;
    let mut failures = Vec::new();
    // Each command with what it is given: the page's `file://` URL, or nothing more when
    // the command already names the page (WSL's, with a path Windows can read).
    let mut commands: Vec<(Vec<String>, &str)> = Vec::new();
    match browser_list() {
        Some(list) => commands.extend(list.into_iter().map(|c| (c, page.target.as_str()))),
        None => match crate::platform::wsl_page_opener(&page.path) {
            Some(Ok(argv)) => commands.push((argv, "")),
            Some(Err(why)) => failures.push(why),
            None => commands.push((
                crate::platform::browser_opener()
                    .iter()
                    .map(|word| (*word).to_owned())
                    .collect(),
                page.target.as_str(),
            )),
        },
    }
    for (words, target) in commands {
        match launch(&words, target) {
            Ok(()) => return Ok(()),
            Err(why) => failures.push(format!("`{}` {why}", words[0])),
        }
    }
    page.remove_now();
    Err(failures.join("; "))
}

/// The private page, written and already scheduled for removal.
pub(crate) struct Page {
    pub path: PathBuf,
    /// Its `file://` URL: `file:///C:/…` on Windows, `file:///run/…` on Unix.
    pub target: String,
}

impl Page {
    /// Writes a page that sends the browser on to `url`.
    pub(crate) fn write(private_dir: &Path, url: &SecretString) -> Result<Self, String> {
        let path = write_page(private_dir, url)
            .map_err(|e| format!("the sign-in page could not be written ({e})"))?;
        // The removal is scheduled before anything can stop this process (Ctrl-C while a
        // launcher is watched, a closed terminal): the remover outlives it and ignores both.
        crate::platform::remove_file_later(&path, PAGE_LIFETIME);
        let target = url::Url::from_file_path(&path)
            .map(String::from)
            .unwrap_or_else(|()| format!("file://{}", path.display()));
        Ok(Self { path, target })
    }

    /// Nothing was opened: the page goes at once.
    pub(crate) fn remove_now(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A page that sends the browser on to `url` at once (and names it as a link, for a browser
/// with scripts and refreshes off), written 0600 under a name nobody can guess.
fn write_page(dir: &Path, url: &SecretString) -> crate::error::Result<PathBuf> {
    let name = format!("console-{:016x}.html", rand::random::<u64>());
    let path = dir.join(name);
    let html = SecretString::new(page_html(url.expose()));
    crate::atomic::write_private_in_own_dir(&path, html.expose().as_bytes())?;
    Ok(path)
}

fn page_html(url: &str) -> String {
    let attr = html_attribute(url);
    // In a script string, `</` could end the script element early.
    let js = serde_json::to_string(url)
        .expect("a string serialises")
        .replace("</", "<\\/");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta http-equiv=\"refresh\" content=\"0;url={attr}\">\n\
         <title>Opening the AWS console</title></head>\n\
         <body><script>location.replace({js});</script>\n\
         <p><a id=\"go\" href=\"{attr}\">Open the AWS console</a></p></body></html>\n"
    )
}

fn html_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `$BROWSER` as xdg-open reads it (a colon-separated list of commands, `%s` for the URL,
/// else the URL appended), if set. A set `$BROWSER` is the person's choice, so the platform
/// opener is not tried after it.
fn browser_list() -> Option<Vec<Vec<String>>> {
    let value = std::env::var("BROWSER")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    Some(
        value
            .split(':')
            .map(|entry| {
                entry
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect(),
    )
}

/// Starts one browser command with the page's URL; waits briefly to see whether it failed.
fn launch(words: &[String], target: &str) -> std::result::Result<(), String> {
    let mut command = Command::new(&words[0]);
    let mut placed = false;
    for word in &words[1..] {
        if word.contains("%s") {
            command.arg(word.replace("%s", target));
            placed = true;
        } else {
            command.arg(word);
        }
    }
    if !placed && !target.is_empty() {
        command.arg(target);
    }
    spawn_and_watch(command)
}

/// Starts `command` with no standard streams; waits briefly to see whether it failed.
pub(crate) fn spawn_and_watch(mut command: Command) -> std::result::Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_sends_the_browser_on_with_the_url_escaped() {
        let url = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=a\"b<c>&Destination=x";
        let html = page_html(url);
        assert!(html.contains(
            "href=\"https://signin.aws.amazon.com/federation?Action=login&amp;SigninToken=a&quot;b&lt;c&gt;&amp;Destination=x\""
        ));
        assert!(html.contains("location.replace(\"https://signin"));
        assert!(!html.contains("</script>\"") && html.matches("</script>").count() == 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_page_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        let page = write_page(
            &run,
            &SecretString::from("https://example.com/?SigninToken=t"),
        )
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&page), 0o600);
        assert_eq!(mode(&run), 0o700);
    }
}
