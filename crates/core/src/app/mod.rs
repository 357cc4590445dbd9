//! The application layer: [`Session`], every rule the front ends need, once.
//!
//! The CLI and the tray (and its window) build one `Session` from the directories, the
//! secret store, the STS and IAM clients and the way they talk to the person, then parse,
//! call one method, and present. Nothing here prints or exits; everything below it (broker,
//! devices, console, lifecycle, doctor) is reached through it.
//!
//! ```text
//! crates/cli, src-tauri        parse, present, prompt
//!         │
//! core::app (Session)          the rules: device import, profile wiring and description,
//!         │                    credentials (memory, cache, STS), console, enrolment
//! core::{broker, device, console, lifecycle, doctor, ...}
//!         │
//! core::{aws, cache, store, mfa, totp, agent::protocol, platform, clock, env}
//! ```

mod account;
mod app_exports;
mod check;
mod console;
mod devices;
pub mod headless;
mod keys;
mod organization;
mod profiles;
mod wiring;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

pub use account::{AccountReport, EnforcePlan, PasswordPolicyReview, PolicyChange};
pub use app_exports::{aws_serial, AppExportImport, AppExportImported, PlannedDevice};
pub use check::ProfileIdentity;
pub use console::ConsoleBrowser;
pub use devices::{AddedDevices, DeviceImport, ImportSource, SeedPlace};
pub use keys::{KeysLocation, KeysMoved};
pub use organization::{MemberApplied, MemberPlan, OrgEnforcePlan, OrgOptions, Planned, Progress};
pub use profiles::{ProfileDescription, StepStatus};
pub use wiring::{ConfigPreview, MfaNote, UnwireOutcome, WireOutcome, Wiring};

use crate::audit::AuditLog;
use crate::aws::iam::{IamApi, SdkIam};
use crate::aws::iam_admin::IamAdminApi;
use crate::aws::profile::AwsFiles;
use crate::aws::sts::{SdkSts, StsApi};
use crate::broker::Broker;
use crate::cache::fresh_enough;
use crate::clock::unix_now_i64;
use crate::credentials::Credentials;
use crate::device::Devices;
use crate::doctor::Doctor;
use crate::error::Result;
use crate::lifecycle::Lifecycle;
use crate::mfa::Interaction;
use crate::paths::Dirs;
use crate::settings::{Settings, StoreKind};
use crate::store::SecretStore;

/// One front end's view of Otpilot: its files, its secrets, AWS, and the person.
pub struct Session {
    dirs: Dirs,
    store: Box<dyn SecretStore>,
    sts: Box<dyn StsApi>,
    iam: Box<dyn IamApi>,
    /// The administrator's IAM calls (`otpilot account`).
    iam_admin: Box<dyn IamAdminApi>,
    /// AWS Organizations (`otpilot account ... --organization`).
    organizations: Box<dyn crate::aws::organizations::OrganizationsApi>,
    ui: Box<dyn Interaction>,
    /// Set by tests; otherwise the AWS files come from the environment, as for the SDKs.
    aws_files: Option<AwsFiles>,
    /// Who is acting, for the audit log ("cli", "tray").
    front_end: &'static str,
    /// Credentials handed out by this process, reused while fresh and while the files that
    /// define the profile are unchanged (the tray's agent answers from here). `None` in a
    /// process that asks once and exits (the CLI), which then skips the bookkeeping.
    memory: Option<Mutex<HashMap<String, Remembered>>>,
}

struct Remembered {
    creds: Credentials,
    issued: i64,
    files_stamp: Vec<Option<SystemTime>>,
}

/// What `otpilot profile forget` dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// The store the cached copies were in.
    pub store: StoreKind,
    /// Copies dropped by this process: cache entries in the store (their kernel keyring
    /// copies with them).
    pub here: usize,
    pub agent: AgentForgot,
}

/// What the running agent did with a `forget` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentForgot {
    /// No agent is running: there is no memory to clear.
    NoAgent,
    /// The agent dropped this many copies (its memory, and its store's cache).
    Dropped(usize),
    /// An agent of an older build, which cannot be asked to forget: it must be restarted.
    CannotForget,
    /// The agent tried and failed; its message.
    Failed(String),
}

/// Credentials, and whether this process already held them.
pub struct Issued {
    pub credentials: Credentials,
    pub from_memory: bool,
}

/// Builds a [`Session`]; the parts not given are the real ones (the OS keyring, STS and IAM
/// through the SDK, the AWS files named by the environment).
pub struct SessionBuilder {
    dirs: Dirs,
    front_end: &'static str,
    store: Option<Box<dyn SecretStore>>,
    sts: Option<Box<dyn StsApi>>,
    iam: Option<Box<dyn IamApi>>,
    ui: Option<Box<dyn Interaction>>,
    aws_files: Option<AwsFiles>,
    remember: bool,
}

impl SessionBuilder {
    /// Keep handed-out credentials in memory and reuse them while fresh (a long-lived
    /// process: the tray).
    pub fn remember_credentials(mut self) -> Self {
        self.remember = true;
        self
    }

    pub fn store(mut self, store: Box<dyn SecretStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub fn sts(mut self, sts: Box<dyn StsApi>) -> Self {
        self.sts = Some(sts);
        self
    }

    pub fn iam(mut self, iam: Box<dyn IamApi>) -> Self {
        self.iam = Some(iam);
        self
    }

    pub fn interaction(mut self, ui: Box<dyn Interaction>) -> Self {
        self.ui = Some(ui);
        self
    }

    pub fn aws_files(mut self, files: AwsFiles) -> Self {
        self.aws_files = Some(files);
        self
    }

    pub fn build(self) -> Session {
        let store = self
            .store
            .unwrap_or_else(|| Box::new(ConfiguredStore::new(&self.dirs, self.remember)));
        Session {
            dirs: self.dirs,
            store,
            sts: self.sts.unwrap_or_else(|| Box::new(SdkSts::default())),
            iam: self.iam.unwrap_or_else(|| Box::new(SdkIam::default())),
            iam_admin: Box::new(SdkIam::default()),
            organizations: Box::new(crate::aws::organizations::SdkOrganizations::default()),
            ui: self.ui.unwrap_or_else(|| Box::new(Nobody)),
            aws_files: self.aws_files,
            front_end: self.front_end,
            memory: self.remember.then(|| Mutex::new(HashMap::new())),
        }
    }
}

/// The store a session uses unless given one: the OS keyring, or, with `store = "vault"`
/// (or `OTPILOT_STORE=vault`), the vault through the headless agent. Chosen on first use, so a
/// command that reads no secret (a warm `credential-process` answered by the kernel keyring's
/// hot copy) never reads `config.toml` for it. A long-lived process (the tray) looks again
/// at every use, so it follows `otpilot vault migrate` instead of serving the old store.
struct ConfiguredStore {
    config_dir: std::path::PathBuf,
    socket: std::path::PathBuf,
    follow: bool,
    kind: std::sync::OnceLock<StoreKind>,
    keyring: std::sync::OnceLock<crate::store::KeyringStore>,
    vault: std::sync::OnceLock<crate::vault::client::AgentVault>,
}

impl ConfiguredStore {
    fn new(dirs: &Dirs, follow: bool) -> Self {
        Self {
            config_dir: dirs.config.clone(),
            socket: crate::agent::socket_path(&dirs.runtime),
            follow,
            kind: std::sync::OnceLock::new(),
            keyring: std::sync::OnceLock::new(),
            vault: std::sync::OnceLock::new(),
        }
    }

    fn store(&self) -> &dyn SecretStore {
        let kind = if self.follow {
            StoreKind::configured(&self.config_dir)
        } else {
            *self
                .kind
                .get_or_init(|| StoreKind::configured(&self.config_dir))
        };
        match kind {
            StoreKind::Keyring => self.keyring.get_or_init(crate::store::KeyringStore::new),
            StoreKind::Vault => self
                .vault
                .get_or_init(|| crate::vault::client::AgentVault::new(&self.socket)),
        }
    }
}

impl SecretStore for ConfiguredStore {
    fn get(&self, key: &str) -> Result<Option<crate::secret::SecretBytes>> {
        self.store().get(key)
    }
    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
        self.store().set(key, label, secret)
    }
    fn delete(&self, key: &str) -> Result<bool> {
        self.store().delete(key)
    }
    fn keys(&self) -> Result<Vec<String>> {
        self.store().keys()
    }
}

/// A session's way of talking to the person, with notices and warnings also sent to a caller
/// of the agent (who is the person waiting).
struct Relay<'a> {
    inner: &'a dyn Interaction,
    notices: &'a (dyn Fn(&str) + Sync),
}

impl Interaction for Relay<'_> {
    fn notice(&self, message: &str) {
        self.inner.notice(message);
        (self.notices)(message);
    }

    fn warn(&self, message: &str) {
        self.inner.warn(message);
        (self.notices)(&format!("warning: {message}"));
    }

    fn prompt_mfa_code(
        &self,
        profile: &str,
        serial: &str,
    ) -> Result<Option<crate::secret::SecretString>> {
        self.inner.prompt_mfa_code(profile, serial)
    }

    fn approve_device(&self, profile: &str, device: &str) -> Result<bool> {
        self.inner.approve_device(profile, device)
    }

    fn tpm_pin(&self, device: &str) -> Result<Option<crate::secret::SecretString>> {
        self.inner.tpm_pin(device)
    }
}

/// Nobody to talk to: notices are logged, no code can be asked for, nothing is approved.
pub struct Nobody;

impl Interaction for Nobody {
    fn notice(&self, message: &str) {
        tracing::info!("{message}");
    }

    fn prompt_mfa_code(
        &self,
        _profile: &str,
        _serial: &str,
    ) -> Result<Option<crate::secret::SecretString>> {
        Ok(None)
    }

    fn approve_device(&self, _profile: &str, _device: &str) -> Result<bool> {
        Ok(false)
    }
}

impl Session {
    /// A session for the front end `front_end` ("cli", "tray"; named in the audit log).
    pub fn builder(dirs: Dirs, front_end: &'static str) -> SessionBuilder {
        SessionBuilder {
            dirs,
            front_end,
            store: None,
            sts: None,
            iam: None,
            ui: None,
            aws_files: None,
            remember: false,
        }
    }

    pub fn dirs(&self) -> &Dirs {
        &self.dirs
    }

    pub fn store(&self) -> &dyn SecretStore {
        self.store.as_ref()
    }

    pub fn interaction(&self) -> &dyn Interaction {
        self.ui.as_ref()
    }

    /// The settings in `config.toml`; a damaged file is an error that names it.
    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.dirs.config)
    }

    pub fn devices(&self) -> Devices<'_> {
        Devices::new(&self.dirs.config, self.store.as_ref())
    }

    pub fn audit(&self) -> AuditLog {
        AuditLog::new(&self.dirs.state, self.front_end)
    }

    pub fn aws_files(&self) -> Result<AwsFiles> {
        match &self.aws_files {
            Some(files) => Ok(files.clone()),
            None => AwsFiles::from_env(),
        }
    }

    /// The broker with the saved settings.
    pub fn broker(&self) -> Result<Broker<'_>> {
        self.broker_with(self.settings()?)
    }

    /// The broker with `settings` (the tray falls back to defaults over a damaged file, and
    /// its refresher widens the margin).
    pub fn broker_with(&self, settings: Settings) -> Result<Broker<'_>> {
        self.broker_using(settings, self.ui.as_ref())
    }

    /// The broker with `settings`, talking to the person through `ui`.
    fn broker_using<'a>(
        &'a self,
        settings: Settings,
        ui: &'a dyn Interaction,
    ) -> Result<Broker<'a>> {
        Ok(Broker {
            dirs: &self.dirs,
            files: self.aws_files()?,
            store: self.store.as_ref(),
            sts: self.sts.as_ref(),
            ui,
            settings,
            audit: self.audit(),
        })
    }

    /// The store this session's secrets come from unless it was given one: `OTPILOT_STORE`,
    /// else `store` in `config.toml`.
    pub fn configured_store(&self) -> StoreKind {
        StoreKind::configured(&self.dirs.config)
    }

    /// Every credential this process can reach for the profile's chain goes (store, kernel
    /// keyring, this process's memory); answers how many copies were really there. An agent
    /// answers `forget` requests with this.
    pub fn forget_profile(&self, profile: &str) -> Result<usize> {
        let mut dropped = self.broker()?.forget_all(profile)?;
        if let Some(memory) = &self.memory {
            if lock(memory).remove(profile).is_some() {
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// `otpilot profile forget`: [`Session::forget_profile`] here, then the same in the
    /// running agent (the tray's or the headless one), whose memory would otherwise keep
    /// handing out the forgotten credentials. The next call fetches new ones.
    pub fn forget_profile_everywhere(&self, profile: &str) -> Result<Forgotten> {
        use crate::agent::client::{self, TrayFailure};
        let here = self.forget_profile(profile)?;
        let socket = crate::agent::socket_path(&self.dirs.runtime);
        let agent = match client::forget(&socket, profile) {
            Ok(forgot) => AgentForgot::Dropped(forgot.dropped),
            Err(TrayFailure::Unavailable(why)) => {
                tracing::debug!("no agent to tell ({why})");
                AgentForgot::NoAgent
            }
            Err(TrayFailure::Failed(e)) if e.kind == crate::error::ErrorKind::Unsupported => {
                AgentForgot::CannotForget
            }
            Err(TrayFailure::Failed(e)) => AgentForgot::Failed(e.message),
        };
        Ok(Forgotten {
            store: self.configured_store(),
            here,
            agent,
        })
    }

    /// Forgets the credentials this process remembered (a locked vault serves none).
    pub fn forget_remembered(&self) {
        if let Some(memory) = &self.memory {
            memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// The MFA device lifecycle (enrol, list, rotate, resync, remove) through `broker`.
    pub fn lifecycle<'b>(&'b self, broker: &'b Broker<'b>) -> Lifecycle<'b> {
        Lifecycle {
            broker,
            iam: self.iam.as_ref(),
        }
    }

    /// The checks of `otpilot doctor`.
    pub fn doctor<'b>(&'b self, broker: &'b Broker<'b>) -> Doctor<'b> {
        Doctor {
            broker,
            iam: self.iam.as_ref(),
        }
    }

    /// Credentials for `profile` with more than the refresh margin left.
    pub fn credentials(&self, profile: &str) -> Result<Credentials> {
        let settings = self.settings()?;
        self.credentials_with(profile, settings)
            .map(|issued| issued.credentials)
    }

    /// Credentials for `profile` with more than `settings`' refresh margin left: from this
    /// process's memory while they are fresh by the cache's rule and the files that define
    /// the profile are unchanged, else through the broker (keyring cache, then STS).
    pub fn credentials_with(&self, profile: &str, settings: Settings) -> Result<Issued> {
        self.credentials_via(profile, settings, self.ui.as_ref())
    }

    /// [`Session::credentials`] for a caller at the other end of the agent's socket: what
    /// the person should hear while it works (a wait for a fresh MFA code) goes to `notices`
    /// as well as to this session's own way of talking.
    pub fn credentials_noting(
        &self,
        profile: &str,
        notices: &(dyn Fn(&str) + Sync),
    ) -> Result<Credentials> {
        let relay = Relay {
            inner: self.ui.as_ref(),
            notices,
        };
        self.credentials_via(profile, self.settings()?, &relay)
            .map(|issued| issued.credentials)
    }

    fn credentials_via(
        &self,
        profile: &str,
        settings: Settings,
        ui: &dyn Interaction,
    ) -> Result<Issued> {
        let Some(memory) = &self.memory else {
            return Ok(Issued {
                credentials: self.broker_using(settings, ui)?.credentials(profile)?,
                from_memory: false,
            });
        };
        let margin = settings.refresh_margin_seconds;
        let stamp = self.files_stamp();
        let now = unix_now_i64();
        if let Some(r) = lock(memory).get(profile) {
            let fresh = r
                .creds
                .expiration
                .is_some_and(|exp| fresh_enough(exp, r.issued, now, margin));
            if fresh && r.files_stamp == stamp {
                return Ok(Issued {
                    credentials: r.creds.clone(),
                    from_memory: true,
                });
            }
        }
        // Not under the lock: the broker may wait for STS or a person.
        let creds = self.broker_using(settings, ui)?.credentials(profile)?;
        lock(memory).insert(
            profile.to_owned(),
            Remembered {
                creds: creds.clone(),
                issued: unix_now_i64(),
                files_stamp: stamp,
            },
        );
        Ok(Issued {
            credentials: creds,
            from_memory: false,
        })
    }

    /// New credentials for `profile` now, even if the ones held are fine. The MFA session
    /// behind them is kept: refreshing a role should not cost another code.
    pub fn refresh(&self, profile: &str, settings: Settings) -> Result<Credentials> {
        if let Some(memory) = &self.memory {
            lock(memory).remove(profile);
        }
        self.broker_with(settings.clone())?.forget(profile)?;
        self.credentials_with(profile, settings)
            .map(|issued| issued.credentials)
    }

    /// Modification times of the AWS files and the device list: a change drops remembered
    /// credentials, since the profile may now mean something else.
    fn files_stamp(&self) -> Vec<Option<SystemTime>> {
        let mut paths: Vec<PathBuf> = vec![self.devices().path().to_owned()];
        if let Ok(files) = self.aws_files() {
            paths.push(files.config);
            paths.push(files.credentials);
        }
        paths
            .iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
