//! Each AWS profile's console in its own browser profile, so two accounts stay signed in
//! side by side: a Chromium `--user-data-dir` or a Firefox profile per AWS profile under
//! `<data dir>/browsers/<browser>/<profile>` (0700, made on first use, holding nothing of
//! Otpilot's), or a Firefox container. Whatever the browser, it is given only the private
//! forwarding page (see [`super::browser`]), never the sign-in URL.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::browser::{spawn_and_watch, Page};
use super::choice::{dir_name, BrowserChoice, Chromium};
use crate::error::{Error, Result};
use crate::invocation::{find_on_path, is_executable};
use crate::secret::SecretString;

/// The directory that holds every browser profile Otpilot made.
pub fn browsers_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("browsers")
}

/// The browser profile of `profile` for `choice` (`None`: a container lives in the person's
/// own Firefox profile, and the default browser is theirs).
pub fn profile_dir(data_dir: &Path, choice: &BrowserChoice, profile: &str) -> Option<PathBuf> {
    let kind = match choice {
        BrowserChoice::Default | BrowserChoice::FirefoxContainer => return None,
        BrowserChoice::Chromium(Chromium::Named(name)) => (*name).to_owned(),
        // Two builds must not share a profile (each migrates it to its own version).
        BrowserChoice::Chromium(Chromium::Path(path)) => format!(
            "path-{}",
            dir_name(&path.to_string_lossy().replace(['/', '\\'], "-"))
        ),
        BrowserChoice::Firefox => "firefox".to_owned(),
    };
    Some(browsers_dir(data_dir).join(kind).join(dir_name(profile)))
}

/// The browser's binary; a missing one is one line naming it and how to choose another.
pub fn find_binary(choice: &BrowserChoice) -> Result<PathBuf> {
    let missing = |looked: String| {
        Error::NoBrowser(format!(
            "the console browser `{}` was not found ({looked}); install it, or choose another with --browser, otpilot_console_browser in the AWS config or console_browser in config.toml (`default` opens the desktop's browser)",
            choice.name()
        ))
    };
    match choice {
        BrowserChoice::Default => Err(Error::ConsoleRequest(
            "the default browser has no binary of its own".into(),
        )),
        BrowserChoice::Chromium(Chromium::Path(path)) if is_executable(path) => Ok(path.clone()),
        BrowserChoice::Chromium(Chromium::Path(_)) => {
            Err(missing("no executable file at that path".into()))
        }
        _ => {
            let names = choice.binary_names();
            names
                .iter()
                .find_map(|name| find_on_path(name))
                .ok_or_else(|| missing(format!("looked for {} on PATH", names.join(", "))))
        }
    }
}

/// Opens `login_url` as `profile` in its own browser profile.
pub fn open(
    login_url: &SecretString,
    choice: &BrowserChoice,
    binary: &Path,
    profile: &str,
    private_dir: &Path,
    data_dir: &Path,
) -> Result<()> {
    let mut command = Command::new(binary);
    let page_url = match choice {
        BrowserChoice::Chromium(_) | BrowserChoice::Firefox => {
            let dir = profile_dir(data_dir, choice, profile).expect("a browser with profiles");
            crate::paths::ensure_private_dir(&dir)?;
            if matches!(choice, BrowserChoice::Firefox) {
                // Firefox's remote service finds a running instance of this same profile
                // and hands it the page; `-no-remote` would make a second opening fail
                // with "Firefox is already running" instead.
                command.arg("-profile").arg(&dir);
            } else {
                // A running browser with this user-data-dir gets the page through its
                // process singleton and the new process exits at once.
                let mut flag = std::ffi::OsString::from("--user-data-dir=");
                flag.push(&dir);
                command.arg(flag);
                command.arg(format!("--class=otpilot-{}", dir_name(profile)));
                command.arg(format!("--window-name=AWS {profile}"));
            }
            login_url.clone()
        }
        BrowserChoice::FirefoxContainer => container_url(profile, login_url),
        BrowserChoice::Default => unreachable!("the default browser is opened by browser::open"),
    };
    let page = Page::write(private_dir, &page_url).map_err(Error::ConsoleRequest)?;
    command.arg(&page.target);
    spawn_and_watch(command).map_err(|why| {
        page.remove_now();
        Error::NoBrowser(format!(
            "the console browser `{}` ({}) {why}; choose another with --browser",
            choice.name(),
            binary.display()
        ))
    })
}

/// The URL scheme of the Firefox extension "Open external links in a container"
/// (<https://addons.mozilla.org/firefox/addon/open-url-in-container/>): the container is
/// named after the AWS profile (made by the extension if missing), and the sign-in URL is
/// its `url` parameter. It goes into the private page, which sends Firefox on to it.
pub fn container_url(profile: &str, login_url: &SecretString) -> SecretString {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    SecretString::new(format!(
        "ext+container:name={}&url={}",
        enc(profile),
        enc(login_url.expose())
    ))
}

/// Removes every browser profile Otpilot made for `profile`; returns those removed. One a
/// browser still has open is refused (its lock is there), so nothing is half-removed.
pub fn forget(data_dir: &Path, profile: &str) -> Result<Vec<PathBuf>> {
    let name = dir_name(profile);
    let Ok(kinds) = std::fs::read_dir(browsers_dir(data_dir)) else {
        return Ok(Vec::new());
    };
    let dirs: Vec<PathBuf> = kinds
        .flatten()
        .map(|kind| kind.path().join(&name))
        .filter(|dir| dir.is_dir())
        .collect();
    for dir in &dirs {
        // Chromium's `SingletonLock` and Firefox's `lock` are links that exist while the
        // browser runs.
        if ["SingletonLock", "lock"]
            .iter()
            .any(|lock| std::fs::symlink_metadata(dir.join(lock)).is_ok())
        {
            return Err(Error::ConsoleRequest(format!(
                "the browser profile of `{profile}` ({}) is open in a browser; close that browser window and try again (after a browser crash, remove the directory yourself)",
                dir.display()
            )));
        }
    }
    for dir in &dirs {
        std::fs::remove_dir_all(dir).map_err(|cause| Error::FileWrite {
            path: dir.clone(),
            cause,
        })?;
    }
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_url_carries_the_profile_and_the_encoded_login() {
        let url = container_url(
            "prod admin",
            &SecretString::from(
                "https://signin.aws.amazon.com/federation?Action=login&SigninToken=t",
            ),
        );
        assert_eq!(
            url.expose(),
            "ext+container:name=prod+admin&url=https%3A%2F%2Fsignin.aws.amazon.com%2Ffederation%3FAction%3Dlogin%26SigninToken%3Dt"
        );
    }

    #[test]
    fn each_profile_and_browser_has_its_own_directory() {
        let data = Path::new("/d");
        let chromium = BrowserChoice::Chromium(Chromium::Named("chromium"));
        assert_eq!(
            profile_dir(data, &chromium, "admin").unwrap(),
            Path::new("/d/browsers/chromium/admin")
        );
        assert_eq!(
            profile_dir(data, &BrowserChoice::Firefox, "../x").unwrap(),
            Path::new("/d/browsers/firefox/%2E%2E%2Fx")
        );
        assert!(profile_dir(data, &BrowserChoice::FirefoxContainer, "a").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn forget_removes_only_that_profile_and_refuses_an_open_one() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        for (kind, p) in [
            ("chromium", "admin"),
            ("firefox", "admin"),
            ("chromium", "ro"),
        ] {
            std::fs::create_dir_all(browsers_dir(data).join(kind).join(p)).unwrap();
        }
        let lock = browsers_dir(data).join("chromium/ro/SingletonLock");
        std::os::unix::fs::symlink("host-1", &lock).unwrap();
        assert!(forget(data, "ro")
            .unwrap_err()
            .to_string()
            .contains("close that browser"));
        assert_eq!(forget(data, "admin").unwrap().len(), 2);
        assert!(!browsers_dir(data).join("chromium/admin").exists());
        assert!(browsers_dir(data).join("chromium/ro").exists());
        assert!(forget(data, "nobody").unwrap().is_empty());
    }
}
