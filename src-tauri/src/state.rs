//! `AppState`: the one object the tray's menu, refresher and agent share (and, in its own
//! process, the window's commands). It owns the core's pieces and a memory cache of handed-out
//! credentials, so the agent can answer without touching the keyring.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use otpilot_core::audit::AuditLog;
use otpilot_core::aws::iam::{IamApi, SdkIam};
use otpilot_core::aws::profile::AwsFiles;
use otpilot_core::aws::sts::{SdkSts, StsApi};
use otpilot_core::broker::Broker;
use otpilot_core::credentials::Credentials;
use otpilot_core::device::Devices;
use otpilot_core::mfa::Interaction;
use otpilot_core::paths::Dirs;
use otpilot_core::secret::SecretString;
use otpilot_core::settings::Settings;
use otpilot_core::store::{KeyringStore, SecretStore};
use otpilot_core::totp::unix_now;

pub use crate::freshness::{Freshness, ProfileState};

/// What the process hosting the state does for it. The tray shows notifications, redraws its
/// menu and asks the person in dialogs; the window process does none of these (it asks the
/// tray), so every method has a quiet default.
pub trait Shell: Send + Sync {
    fn notify(&self, _message: &str) {}
    /// A watched profile's state changed (the tray redraws its menu and icon).
    fn profiles_changed(&self, _state: &'static AppState) {}
    /// Asks the person for an MFA code; `None` when they decline or cannot be asked.
    fn ask_code(&self, _profile: &str, _serial: &str) -> Option<SecretString> {
        None
    }
    /// Asks the person whether `profile` may use `device`'s seed.
    fn approve(&self, _profile: &str, _device: &str) -> bool {
        false
    }
}

/// A shell that does nothing: the window process, and tests.
pub struct NoShell;

impl Shell for NoShell {}

struct Remembered {
    creds: Credentials,
    issued: i64,
    files_stamp: Vec<Option<SystemTime>>,
}

pub struct AppState {
    pub dirs: Dirs,
    pub keyring: Box<dyn SecretStore>,
    pub sts: Box<dyn StsApi>,
    pub iam: Box<dyn IamApi>,
    /// Set by tests; otherwise the AWS files come from the environment, as for the SDKs.
    aws_files: Option<AwsFiles>,
    shell: Box<dyn Shell>,
    memory: Mutex<HashMap<String, Remembered>>,
    pub profiles: Mutex<HashMap<String, ProfileState>>,
}

impl AppState {
    pub fn new(dirs: Dirs, shell: Box<dyn Shell>) -> Self {
        let mut state = Self::with_parts(
            dirs,
            Box::new(KeyringStore::new()),
            Box::new(SdkSts::default()),
            None,
        );
        state.shell = shell;
        state
    }

    /// The state with its secret store, STS and AWS files chosen (tests use fakes).
    pub fn with_parts(
        dirs: Dirs,
        keyring: Box<dyn SecretStore>,
        sts: Box<dyn StsApi>,
        aws_files: Option<AwsFiles>,
    ) -> Self {
        Self {
            dirs,
            keyring,
            sts,
            iam: Box::new(SdkIam::default()),
            aws_files,
            shell: Box::new(NoShell),
            memory: Mutex::new(HashMap::new()),
            profiles: Mutex::new(HashMap::new()),
        }
    }

    pub fn shell(&self) -> &dyn Shell {
        self.shell.as_ref()
    }

    pub fn settings(&self) -> Settings {
        Settings::load(&self.dirs.config).unwrap_or_else(|e| {
            tracing::warn!("using default settings: {e}");
            Settings::default()
        })
    }

    pub fn devices(&self) -> Devices<'_> {
        Devices::new(&self.dirs.config, self.keyring.as_ref())
    }

    pub fn audit(&self) -> AuditLog {
        AuditLog::new(&self.dirs.state, "tray")
    }

    pub fn aws_files(&self) -> otpilot_core::Result<AwsFiles> {
        match &self.aws_files {
            Some(files) => Ok(files.clone()),
            None => AwsFiles::from_env(),
        }
    }

    /// Runs `f` with a broker whose refresh margin is `margin` seconds and whose questions go
    /// to the shell (tray dialogs in the tray).
    pub fn with_broker<T>(
        &self,
        margin: Option<i64>,
        f: impl FnOnce(&Broker<'_>) -> otpilot_core::Result<T>,
    ) -> otpilot_core::Result<T> {
        let ui = ShellInteraction(self.shell.as_ref());
        let mut settings = self.settings();
        if let Some(m) = margin {
            settings.refresh_margin_seconds = m;
        }
        let broker = Broker {
            dirs: &self.dirs,
            files: self.aws_files()?,
            store: self.keyring.as_ref(),
            sts: self.sts.as_ref(),
            ui: &ui,
            settings,
            audit: self.audit(),
        };
        f(&broker)
    }

    /// Credentials for a profile: from memory while fresh and the AWS files are unchanged,
    /// else through the broker (keyring cache, then STS).
    pub fn credentials(&'static self, profile: &str) -> otpilot_core::Result<Credentials> {
        let margin = self.settings().refresh_margin_seconds;
        let stamp = self.files_stamp();
        let now = unix_now() as i64;
        if let Some(r) = self.memory.lock().unwrap().get(profile) {
            let fresh = r.creds.expiration.is_some_and(|exp| {
                let needed = margin.min((exp - r.issued) / 2);
                exp - now > needed
            });
            if fresh && r.files_stamp == stamp {
                return Ok(r.creds.clone());
            }
        }
        let creds = self.with_broker(None, |b| b.credentials(profile))?;
        self.remember(profile, &creds, stamp);
        Ok(creds)
    }

    pub fn remember(
        &'static self,
        profile: &str,
        creds: &Credentials,
        files_stamp: Vec<Option<SystemTime>>,
    ) {
        self.memory.lock().unwrap().insert(
            profile.to_owned(),
            Remembered {
                creds: creds.clone(),
                issued: unix_now() as i64,
                files_stamp,
            },
        );
        if let Some(exp) = creds.expiration {
            self.set_profile_state(
                profile,
                ProfileState {
                    state: Freshness::Valid,
                    expires_at: Some(exp),
                    message: None,
                },
            );
        }
    }

    pub fn forget(&self, profile: &str) {
        self.memory.lock().unwrap().remove(profile);
    }

    /// Modification times of the AWS files and the device list: a change drops remembered
    /// credentials, since the profile may now mean something else.
    pub fn files_stamp(&self) -> Vec<Option<SystemTime>> {
        let mut paths: Vec<PathBuf> = vec![self.dirs.config.join("devices.toml")];
        if let Ok(files) = self.aws_files() {
            paths.push(files.config);
            paths.push(files.credentials);
        }
        paths
            .iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect()
    }

    pub fn set_profile_state(&'static self, profile: &str, state: ProfileState) {
        self.profiles
            .lock()
            .unwrap()
            .insert(profile.to_owned(), state);
        self.shell.profiles_changed(self);
    }

    pub fn profile_state(&self, profile: &str) -> Option<ProfileState> {
        self.profiles.lock().unwrap().get(profile).cloned()
    }
}

/// The broker's way of talking to the person: through the shell.
struct ShellInteraction<'a>(&'a dyn Shell);

impl Interaction for ShellInteraction<'_> {
    fn notice(&self, message: &str) {
        tracing::info!("{message}");
        if message.starts_with("warning") {
            self.0.notify(message);
        }
    }

    fn prompt_mfa_code(
        &self,
        profile: &str,
        serial: &str,
    ) -> otpilot_core::Result<Option<SecretString>> {
        Ok(self.0.ask_code(profile, serial))
    }

    fn approve_device(&self, profile: &str, device: &str) -> otpilot_core::Result<bool> {
        Ok(self.0.approve(profile, device))
    }
}
