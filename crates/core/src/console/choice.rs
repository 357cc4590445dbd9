//! Which browser opens a profile's console (`console_browser`), and the one precedence rule:
//! `--browser` > the AWS profile's `otpilot_console_browser` > `console_browser` in
//! `config.toml` > `default`. The CLI, the tray and the window all go through
//! [`crate::app::Session::console_browser`], which applies it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The key in `~/.aws/config` (per AWS profile). `profile setup` renames only the keys that
/// make an SDK resolve credentials, so it leaves this one alone.
pub const PROFILE_KEY: &str = "otpilot_console_browser";

/// The values a person may write, besides a path to a Chromium-family binary.
pub const NAMES: &[&str] = &[
    "default",
    "chromium",
    "google-chrome",
    "brave",
    "edge",
    "vivaldi",
    "firefox",
    "firefox-container",
];

/// A browser setting, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserChoice {
    /// The desktop's default browser (`$BROWSER`, `xdg-open`, WSL's Windows browser), which
    /// holds one console session: the sign-in goes through the logout endpoint first.
    Default,
    /// A Chromium-family browser, one `--user-data-dir` per AWS profile.
    Chromium(Chromium),
    /// Firefox, one Firefox profile per AWS profile.
    Firefox,
    /// Firefox with the "Open external links in a container" extension: one container per
    /// AWS profile, in the person's own Firefox profile.
    FirefoxContainer,
}

/// Which Chromium-family browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chromium {
    /// One of the names in [`NAMES`], found on `PATH` under its usual binary names.
    Named(&'static str),
    /// A binary named by its path.
    Path(PathBuf),
}

impl BrowserChoice {
    /// Parses a setting; `origin` says where it was written, for the error.
    pub fn parse(value: &str, origin: &str) -> Result<Self> {
        let value = value.trim();
        let named = NAMES.iter().find(|n| n.eq_ignore_ascii_case(value));
        Ok(match named.copied() {
            Some("default") => Self::Default,
            Some("firefox") => Self::Firefox,
            Some("firefox-container") => Self::FirefoxContainer,
            Some(name) => Self::Chromium(Chromium::Named(name)),
            None if Path::new(value).is_absolute() => {
                Self::Chromium(Chromium::Path(PathBuf::from(value)))
            }
            None => {
                return Err(Error::ConsoleRequest(format!(
                    "unknown console browser `{value}` ({origin}); use one of {}, or the absolute path of a Chromium-family browser",
                    NAMES.join(", ")
                )))
            }
        })
    }

    /// The setting's name, as a person writes it.
    pub fn name(&self) -> String {
        match self {
            Self::Default => "default".into(),
            Self::Chromium(Chromium::Named(name)) => (*name).into(),
            Self::Chromium(Chromium::Path(path)) => path.display().to_string(),
            Self::Firefox => "firefox".into(),
            Self::FirefoxContainer => "firefox-container".into(),
        }
    }

    /// Whether each AWS profile gets its own cookie jar (then no logout is needed first).
    pub fn isolates(&self) -> bool {
        !matches!(self, Self::Default)
    }

    /// The binary names looked for on `PATH`, in order (empty for the default browser and a
    /// path).
    pub fn binary_names(&self) -> &'static [&'static str] {
        match self {
            Self::Default | Self::Chromium(Chromium::Path(_)) => &[],
            Self::Chromium(Chromium::Named(name)) => match *name {
                "chromium" => &["chromium", "chromium-browser"],
                "google-chrome" => &["google-chrome", "google-chrome-stable"],
                "brave" => &["brave-browser", "brave"],
                "edge" => &["microsoft-edge", "microsoft-edge-stable"],
                "vivaldi" => &["vivaldi", "vivaldi-stable"],
                _ => &[],
            },
            Self::Firefox | Self::FirefoxContainer => &["firefox"],
        }
    }
}

/// The precedence rule, on values already read: the first one given wins.
pub fn choose(
    flag: Option<&str>,
    profile_key: Option<&str>,
    config: Option<&str>,
    profile: &str,
) -> Result<BrowserChoice> {
    let given = [
        (flag, "--browser".to_owned()),
        (
            profile_key,
            format!("{PROFILE_KEY} of profile `{profile}` in the AWS config"),
        ),
        (config, "console_browser in config.toml".to_owned()),
    ];
    for (value, origin) in given {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            return BrowserChoice::parse(value, &origin);
        }
    }
    Ok(BrowserChoice::Default)
}

/// The directory name of an AWS profile's browser profile: letters, digits, `-` and `_`
/// kept, anything else (`.` too) as `%XX`, so two profile names never share a directory and no
/// name climbs out of it.
pub fn dir_name(profile: &str) -> String {
    let mut name = String::new();
    for byte in profile.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_') {
            name.push(byte as char);
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_profile_then_the_config() {
        let c = |f, p, g| choose(f, p, g, "admin").unwrap().name();
        assert_eq!(c(Some("brave"), Some("firefox"), Some("edge")), "brave");
        assert_eq!(c(None, Some("firefox"), Some("edge")), "firefox");
        assert_eq!(c(None, Some(" "), Some("edge")), "edge");
        assert_eq!(c(None, None, None), "default");
        // An absolute path, as the OS spells one.
        let thorium = if cfg!(windows) {
            r"C:\Thorium\thorium.exe"
        } else {
            "/opt/thorium/thorium"
        };
        assert_eq!(c(None, None, Some(thorium)), thorium);
    }

    #[test]
    fn an_unknown_value_names_where_it_was_written() {
        let e = choose(None, Some("netscape"), Some("edge"), "admin")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`netscape`") && e.contains("otpilot_console_browser of profile `admin`"),
            "{e}"
        );
        assert!(choose(Some("relative/chrome"), None, None, "a").is_err());
    }

    #[test]
    fn directory_names_are_distinct_and_stay_inside() {
        assert_eq!(dir_name("admin"), "admin");
        assert_eq!(dir_name("../x"), "%2E%2E%2Fx");
        assert_eq!(dir_name("a b"), "a%20b");
        assert_ne!(dir_name("a%20b"), dir_name("a b"));
    }
}
