//! User settings in `$XDG_CONFIG_HOME/otpilot/config.toml`; every key is optional.
//!
//! ```toml
//! refresh_margin_seconds = 900      # hand out credentials only with more than this left
//! session_duration_seconds = 43200  # the shared MFA session (GetSessionToken)
//! lock_timeout_seconds = 90         # longest wait for another otpilot's refresh
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            refresh_margin_seconds: 15 * 60,
            session_duration_seconds: 12 * 3600,
            lock_timeout_seconds: 90,
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
            Err(source) => Err(Error::FileRead { path, source }),
        }
    }

    pub fn lock_timeout(&self) -> Duration {
        Duration::from_secs(self.lock_timeout_seconds)
    }
}
