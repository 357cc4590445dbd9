//! `AppState`: the one object the tray's commands, menu, refresher and agent share. It owns
//! the core's pieces and a memory cache of handed-out credentials, so the agent can answer
//! without touching the keyring.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use otpilot_core::agent::server::{Agent, Handler};
use otpilot_core::audit::AuditLog;
use otpilot_core::aws::iam::{IamApi, SdkIam};
use otpilot_core::aws::profile::AwsFiles;
use otpilot_core::aws::sts::{SdkSts, StsApi};
use otpilot_core::broker::Broker;
use otpilot_core::credentials::Credentials;
use otpilot_core::device::Devices;
use otpilot_core::paths::Dirs;
use otpilot_core::settings::Settings;
use otpilot_core::store::{KeyringStore, SecretStore};
use otpilot_core::totp::unix_now;
use serde::Serialize;
use tauri::AppHandle;

use crate::prompts::{Prompts, TrayInteraction};

/// What the tray knows about a watched profile.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    Valid,
    Refreshing,
    Attention,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileState {
    pub state: Freshness,
    pub expires_at: Option<i64>,
    pub message: Option<String>,
}

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
    pub prompts: Prompts,
    memory: Mutex<HashMap<String, Remembered>>,
    pub profiles: Mutex<HashMap<String, ProfileState>>,
    pub agent: Mutex<Option<Agent>>,
    pub app: OnceLock<AppHandle>,
}

impl AppState {
    pub fn new(dirs: Dirs) -> Self {
        Self::with_parts(
            dirs,
            Box::new(KeyringStore::new()),
            Box::new(SdkSts::default()),
            None,
        )
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
            prompts: Prompts::default(),
            memory: Mutex::new(HashMap::new()),
            profiles: Mutex::new(HashMap::new()),
            agent: Mutex::new(None),
            app: OnceLock::new(),
        }
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

    /// Runs `f` with a broker whose refresh margin is `margin` seconds and whose prompts go
    /// to tray dialogs.
    pub fn with_broker<T>(
        &self,
        margin: Option<i64>,
        f: impl FnOnce(&Broker<'_>) -> otpilot_core::Result<T>,
    ) -> otpilot_core::Result<T> {
        let notify = |message: &str| crate::notify::send(self, "Otpilot", message);
        let ui = TrayInteraction {
            prompts: &self.prompts,
            notify: &notify,
        };
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
        crate::tray::refresh(self);
    }

    pub fn profile_state(&self, profile: &str) -> Option<ProfileState> {
        self.profiles.lock().unwrap().get(profile).cloned()
    }
}

/// The agent answers from the app state.
pub struct AgentHandler(pub &'static AppState);

impl Handler for AgentHandler {
    fn credentials(&self, profile: &str) -> otpilot_core::Result<Credentials> {
        self.0.credentials(profile)
    }
}
