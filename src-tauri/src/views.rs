//! What the window shows, computed from the state: each profile with its chain, device and
//! freshness, and each device's live code. Kept apart from the window's commands so they can
//! be tested without a window.

use otpilot_core::app::KeysLocation;
use otpilot_core::aws::plan::Step;
use otpilot_core::aws::profile::Profiles;
use otpilot_core::clock::unix_now;
use otpilot_core::device::{no_pin, Location};
use serde::Serialize;

use crate::state::{AppState, Freshness, ProfileState};

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct ProfileView {
    pub profile: String,
    pub wired: bool,
    /// The other Otpilot profile it hands out ("uses Otpilot profile OTHER").
    pub delegates_to: Option<String>,
    /// It assumes a role (its credentials come from another profile's keys).
    pub is_role: bool,
    /// Where its long-term keys are, for a profile that holds keys itself (not a role).
    pub keys: Option<KeysLocation>,
    pub watched: bool,
    pub chain: Vec<String>,
    pub mfa_serial: Option<String>,
    pub device: Option<String>,
    pub error: Option<String>,
    pub state: Freshness,
    pub expires_at: Option<i64>,
    pub message: Option<String>,
}

/// Describes one profile: the core's description, and what the tray or the cache knows of
/// its credentials.
pub fn describe(state: &AppState, profiles: &Profiles, name: &str) -> ProfileView {
    let settings = state.settings();
    let d = state.session.describe_profile(profiles, name);
    let mut view = ProfileView {
        watched: settings.watched_profiles.iter().any(|p| p == name),
        state: if d.error.is_some() {
            Freshness::Attention
        } else {
            Freshness::Unknown
        },
        expires_at: None,
        message: None,
        is_role: d.delegates_to.is_none()
            && d.plan
                .as_ref()
                .is_some_and(|p| p.actions().any(|s| matches!(s, Step::AssumeRole { .. }))),
        keys: None,
        profile: d.profile,
        wired: d.wired,
        delegates_to: d.delegates_to,
        chain: d.chain,
        mfa_serial: d.mfa_serial,
        device: d.device,
        error: d.error,
    };
    if !view.is_role && view.delegates_to.is_none() && view.error.is_none() {
        view.keys = state.session.keys_location(profiles, name).ok();
    }
    if let Some(exp) = d.plan.as_ref().and_then(|p| state.session.cached_until(p)) {
        view.state = Freshness::Valid;
        view.expires_at = Some(exp);
    }
    if let Some(ProfileState {
        state: s,
        expires_at,
        message,
    }) = state.profile_state(name)
    {
        if s != Freshness::Valid || view.expires_at.is_none() {
            view.state = s;
            view.expires_at = expires_at.or(view.expires_at);
            view.message = message;
        }
    }
    view
}

pub fn list(state: &AppState) -> otpilot_core::Result<Vec<ProfileView>> {
    let profiles = state.session.profiles()?;
    Ok(profiles
        .names()
        .iter()
        .map(|n| describe(state, &profiles, n))
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct CodeView {
    pub name: String,
    pub code: String,
    next_code: String,
    remaining_seconds: u64,
    period: u64,
    /// The seed is sealed in the TPM (the window shows a badge).
    sealed: bool,
}

/// The current code of every device whose seed can be read. A sealed device whose key has a
/// PIN is left out: showing its code would mean asking for the PIN every second.
pub fn codes(s: &AppState) -> otpilot_core::Result<Vec<CodeView>> {
    let devices = s.devices();
    let now = unix_now();
    let list = devices.list()?;
    let mut views = Vec::with_capacity(list.len());
    let mut first_error = None;
    for d in list.iter().filter(|d| !d.tpm_pin) {
        match devices.totp(d, &no_pin).and_then(|totp| totp.code_at(now)) {
            Ok(code) => {
                views.push(CodeView {
                    name: d.name.clone(),
                    code: code.code,
                    next_code: code.next_code,
                    remaining_seconds: code.remaining_seconds,
                    period: d.params.period,
                    sealed: d.location == Location::Tpm,
                });
            }
            // One unreadable seed leaves that device out (the window shows it without
            // a code); the others still get theirs.
            Err(e) => {
                tracing::warn!(device = %d.name, "no code: {e}");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        // Nothing readable at all (a locked keyring, say): that is the answer.
        Some(e) if views.is_empty() => Err(e),
        _ => Ok(views),
    }
}
