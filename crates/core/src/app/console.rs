//! The console's browser, for the CLI, the tray and the window: which one a profile uses
//! (the precedence rule is in [`crate::console::choice::choose`]), opening a sign-in in it,
//! and forgetting a profile's browser profile.

use std::path::PathBuf;

use super::Session;
use crate::aws::profile::Profiles;
use crate::console::choice::{choose, BrowserChoice, PROFILE_KEY};
use crate::console::{browser, isolated, ConsoleLogin};
use crate::error::{Error, Result};

/// A profile's browser, its binary already found (so a missing one is said before any
/// sign-in spends an MFA code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleBrowser {
    pub choice: BrowserChoice,
    /// `None` for the default browser.
    pub binary: Option<PathBuf>,
}

impl Session {
    /// The browser `profile`'s console opens in: `flag` (`--browser`), else the profile's
    /// `otpilot_console_browser`, else `console_browser` in `config.toml`, else the default.
    pub fn console_browser(&self, profile: &str, flag: Option<&str>) -> Result<ConsoleBrowser> {
        let settings = self.settings()?;
        let profiles = Profiles::load(&self.aws_files()?)?;
        let choice = choose(
            flag,
            profiles.get_raw(profile, PROFILE_KEY),
            settings.console_browser.as_deref(),
            profile,
        )?;
        let binary = match choice {
            BrowserChoice::Default => None,
            _ => Some(isolated::find_binary(&choice)?),
        };
        Ok(ConsoleBrowser { choice, binary })
    }

    /// Opens `login` in `browser`. The default browser holds one console session, so it goes
    /// through the logout endpoint first unless `no_logout`; an isolated one holds only this
    /// profile's session, so it signs in directly.
    pub fn open_console(
        &self,
        login: &ConsoleLogin,
        browser: &ConsoleBrowser,
        no_logout: bool,
    ) -> Result<()> {
        let runtime = &self.dirs.runtime;
        match &browser.binary {
            Some(binary) => isolated::open(
                &login.login_url,
                &browser.choice,
                binary,
                &login.profile,
                runtime,
                &self.dirs.data,
            ),
            None => {
                let url = if no_logout {
                    &login.login_url
                } else {
                    &login.logout_url
                };
                browser::open(url, runtime).map_err(|failures| {
                    Error::NoBrowser(format!(
                        "no browser could be started ({failures}); set BROWSER, choose one with --browser, or run `otpilot console {} --print` and open the URL yourself",
                        login.profile
                    ))
                })
            }
        }
    }

    /// Removes the browser profiles Otpilot made for `profile`; returns those removed.
    pub fn forget_console_browser(&self, profile: &str) -> Result<Vec<PathBuf>> {
        isolated::forget(&self.dirs.data, profile)
    }
}
