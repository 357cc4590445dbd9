//! User settings in `$XDG_CONFIG_HOME/otpilot/config.toml`; every key is optional.
//!
//! ```toml
//! refresh_margin_seconds = 900      # hand out credentials only with more than this left
//! session_duration_seconds = 43200  # the shared MFA session (GetSessionToken)
//! lock_timeout_seconds = 90         # longest wait for another otpilot's refresh
//! clipboard_clear_seconds = 20      # the tray clears a copied code after this
//! watched_profiles = ["admin"]      # the tray keeps these fresh ahead of expiry
//! start_at_login = false
//! global_shortcut = "Ctrl+Alt+O"    # the tray copies the default device's code (X11)
//! default_device = "work"           # which device; without it, the first one
//! store = "keyring"                 # or "vault": no desktop keyring (WSL, SSH, headless)
//! vault_idle_lock_seconds = 28800   # the headless agent locks the vault after this idle (0: never)
//! console_browser = "chromium"      # each AWS profile's console in its own browser profile
//! ```

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// botocore refreshes process credentials when fewer than 15 minutes remain (and blocks
    /// under 10), so anything handed out must have more than that left, or every AWS call
    /// would start otpilot again.
    pub refresh_margin_seconds: i64,
    pub session_duration_seconds: u32,
    pub lock_timeout_seconds: u64,
    pub clipboard_clear_seconds: u64,
    pub watched_profiles: Vec<String>,
    pub start_at_login: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_shortcut: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_device: Option<String>,
    /// Where secrets live; `OTPILOT_STORE` overrides it.
    pub store: StoreKind,
    pub vault_idle_lock_seconds: u64,
    /// Which browser `otpilot console` opens (see [`crate::console::choice`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_browser: Option<String>,
}

/// Which secret store holds Otpilot's secrets.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keyring (the Secret Service on Linux).
    #[default]
    Keyring,
    /// A passphrase-encrypted file held open by the headless agent (`otpilot unlock`).
    Vault,
}

impl StoreKind {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "keyring" => Some(Self::Keyring),
            "vault" => Some(Self::Vault),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyring => "keyring",
            Self::Vault => "vault",
        }
    }

    /// The store chosen for this process: `OTPILOT_STORE`, else `store` in `config.toml`,
    /// else the keyring. A damaged `config.toml` is reported where settings are read; here
    /// it counts as the default.
    pub fn configured(config_dir: &Path) -> Self {
        if let Some(kind) = std::env::var(crate::env::STORE)
            .ok()
            .and_then(|v| Self::parse(&v))
        {
            return kind;
        }
        Settings::load(config_dir)
            .map(|s| s.store)
            .unwrap_or_default()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            refresh_margin_seconds: 15 * 60,
            session_duration_seconds: 12 * 3600,
            lock_timeout_seconds: 90,
            clipboard_clear_seconds: 20,
            watched_profiles: Vec::new(),
            start_at_login: false,
            global_shortcut: None,
            default_device: None,
            store: StoreKind::Keyring,
            vault_idle_lock_seconds: 8 * 3600,
            console_browser: None,
        }
    }
}

impl Settings {
    pub fn load(config_dir: &Path) -> Result<Self> {
        let path = config_dir.join("config.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::ConfigParse {
                path,
                detail: e.message().to_owned(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(Error::FileRead {
                path,
                cause: source,
            }),
        }
    }

    /// Writes the settings atomically (0600).
    pub fn save(&self, config_dir: &Path) -> Result<()> {
        if !(60..=3600).contains(&self.refresh_margin_seconds) {
            return Err(Error::InvalidDuration(
                "the refresh margin must be between 60 and 3600 seconds".into(),
            ));
        }
        if !(5..=600).contains(&self.clipboard_clear_seconds) {
            return Err(Error::InvalidDuration(
                "the clipboard clear delay must be between 5 and 600 seconds".into(),
            ));
        }
        let mut text = String::from("# Otpilot settings; see README.md.\n");
        text.push_str(&toml::to_string(self).expect("settings serialise"));
        crate::atomic::write_private_in_own_dir(&config_dir.join("config.toml"), text.as_bytes())
    }

    pub fn lock_timeout(&self) -> Duration {
        Duration::from_secs(self.lock_timeout_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
        let mut s = Settings {
            watched_profiles: vec!["admin".into()],
            clipboard_clear_seconds: 30,
            ..Default::default()
        };
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), s);
        s.refresh_margin_seconds = 5;
        assert!(s.save(dir.path()).is_err());
        std::fs::write(dir.path().join("config.toml"), "nonsense = 1\n").unwrap();
        assert!(matches!(
            Settings::load(dir.path()),
            Err(Error::ConfigParse { .. })
        ));
    }
}
