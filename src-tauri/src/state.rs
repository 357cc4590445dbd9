//! `AppState`: the one object the tray's menu, refresher and agent share (and, in its own
//! process, the window's commands). It holds the core's [`Session`] (which owns every rule,
//! and remembers handed-out credentials so the agent can answer without the keyring) and what
//! the tray knows of each watched profile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use otpilot_core::app::Session;
use otpilot_core::credentials::Credentials;
use otpilot_core::device::Devices;
use otpilot_core::mfa::Interaction;
use otpilot_core::paths::Dirs;
use otpilot_core::secret::SecretString;
use otpilot_core::settings::Settings;

use otpilot_core::account::organization::OrganizationReport;
use otpilot_core::app::OrgOptions;

pub use otpilot_core::agent::protocol::{Freshness, OrgProgress, ProfileState, ProfileStates};

/// What the process hosting the state does for it on the desktop. The tray shows
/// notifications, redraws its menu and asks the person in GTK dialogs; the window process
/// does none of these (it asks the tray), so every method has a quiet default.
pub trait Desktop: Send + Sync {
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
    /// Asks the person for the TPM PIN of the sealed device `device`.
    fn ask_pin(&self, _device: &str) -> Option<SecretString> {
        None
    }
}

/// A desktop that does nothing: the window process, and tests.
pub struct NoDesktop;

impl Desktop for NoDesktop {}

pub struct AppState {
    pub session: Session,
    pub dirs: Dirs,
    desktop: Arc<dyn Desktop>,
    profiles: Mutex<HashMap<String, ProfileState>>,
    /// The organization reports running, by profile: how far each is (the window asks).
    org_progress: Mutex<HashMap<String, OrgProgress>>,
}

impl AppState {
    /// The state over the real keyring, STS and IAM.
    pub fn new(dirs: Dirs, desktop: Arc<dyn Desktop>) -> Self {
        let session = Session::builder(dirs.clone(), "tray")
            .interaction(Box::new(DesktopInteraction(desktop.clone())))
            .remember_credentials()
            .build();
        Self::with_session(session, desktop)
    }

    /// The state over a session built elsewhere (tests use the core's fakes).
    pub fn with_session(session: Session, desktop: Arc<dyn Desktop>) -> Self {
        Self {
            dirs: session.dirs().clone(),
            session,
            desktop,
            profiles: Mutex::new(HashMap::new()),
            org_progress: Mutex::new(HashMap::new()),
        }
    }

    pub fn desktop(&self) -> &dyn Desktop {
        self.desktop.as_ref()
    }

    /// The saved settings, or the defaults (with a warning in the log) when the file is
    /// damaged: the tray keeps working.
    pub fn settings(&self) -> Settings {
        self.session.settings().unwrap_or_else(|e| {
            tracing::warn!("using default settings: {e}");
            Settings::default()
        })
    }

    pub fn devices(&self) -> Devices<'_> {
        self.session.devices()
    }

    /// Credentials for a profile (the agent's answer), with more than the refresh margin
    /// left; a fetch marks the watched profile valid.
    pub fn credentials(&'static self, profile: &str) -> otpilot_core::Result<Credentials> {
        self.credentials_with_margin(profile, None)
    }

    /// [`Self::credentials`] with `margin` seconds of slack instead of the saved margin (the
    /// refresher looks ahead).
    pub fn credentials_with_margin(
        &'static self,
        profile: &str,
        margin: Option<i64>,
    ) -> otpilot_core::Result<Credentials> {
        let mut settings = self.settings();
        if let Some(m) = margin {
            settings.refresh_margin_seconds = m;
        }
        let issued = self.session.credentials_with(profile, settings)?;
        if !issued.from_memory {
            self.mark_valid(profile, &issued.credentials);
        }
        Ok(issued.credentials)
    }

    /// New credentials for a profile now, even if the held ones are fine.
    pub fn refresh(&'static self, profile: &str) -> otpilot_core::Result<Credentials> {
        let creds = self.session.refresh(profile, self.settings())?;
        self.mark_valid(profile, &creds);
        Ok(creds)
    }

    fn mark_valid(&'static self, profile: &str, creds: &Credentials) {
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

    fn profiles(&self) -> MutexGuard<'_, HashMap<String, ProfileState>> {
        self.profiles.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_profile_state(&'static self, profile: &str, state: ProfileState) {
        self.profiles().insert(profile.to_owned(), state);
        self.desktop.profiles_changed(self);
    }

    /// Asks the person (through the desktop) for a sealed device's TPM PIN.
    pub fn ask_pin(&self, device: &str) -> otpilot_core::Result<Option<SecretString>> {
        Ok(self.desktop.ask_pin(device))
    }

    pub fn profile_state(&self, profile: &str) -> Option<ProfileState> {
        self.profiles().get(profile).cloned()
    }

    /// Takes the tray's view of the watched profiles (the window follows the tray's).
    pub fn replace_profile_states(&self, states: ProfileStates) {
        *self.profiles() = states;
    }

    /// What the tray knows of every watched profile.
    pub fn profile_states(&self) -> ProfileStates {
        self.profiles().clone()
    }

    /// The organization report through `profile` (the core's, as the CLI's), its progress
    /// kept while it runs for the window to ask.
    pub fn organization_report(
        &self,
        profile: &str,
        options: &OrgOptions,
    ) -> otpilot_core::Result<OrganizationReport> {
        let progress = |done, total| {
            self.org_progresses()
                .insert(profile.to_owned(), OrgProgress { done, total });
        };
        let report = self
            .session
            .organization_report(profile, options, &progress);
        self.org_progresses().remove(profile);
        report
    }

    /// How far the organization report running through `profile` is; `None` when none runs.
    pub fn org_progress(&self, profile: &str) -> Option<OrgProgress> {
        self.org_progresses().get(profile).copied()
    }

    fn org_progresses(&self) -> MutexGuard<'_, HashMap<String, OrgProgress>> {
        self.org_progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The core's way of talking to the person, through the desktop: warnings become
/// notifications, questions become dialogs.
struct DesktopInteraction(Arc<dyn Desktop>);

impl Interaction for DesktopInteraction {
    fn notice(&self, message: &str) {
        tracing::info!("{message}");
    }

    fn warn(&self, message: &str) {
        tracing::warn!("{message}");
        self.0.notify(&format!("warning: {message}"));
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

    fn tpm_pin(&self, device: &str) -> otpilot_core::Result<Option<SecretString>> {
        Ok(self.0.ask_pin(device))
    }
}
