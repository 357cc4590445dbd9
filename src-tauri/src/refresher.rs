//! The background refresher: keeps watched profiles' credentials fresh ahead of expiry, with
//! the same cache and locks as the CLI (so the two never race or spend a code twice), and
//! tells the person when it cannot.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use otpilot_core::clock::unix_now;

use crate::state::{AppState, Freshness, ProfileState};
use otpilot_core::localtime::hh_mm;

/// Refresh this long before the point where callers would otherwise start refreshing, so a
/// caller never has to wait for STS.
const LEAD_SECONDS: i64 = 300;
const MIN_SLEEP: Duration = Duration::from_secs(15);
const MAX_SLEEP: Duration = Duration::from_secs(120);

static WAKE: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Makes the refresher look again now (settings changed, a profile was added).
pub fn wake() {
    *WAKE.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
    WAKE.1.notify_all();
}

pub fn spawn(state: &'static AppState) {
    std::thread::Builder::new()
        .name("otpilot-refresher".into())
        .spawn(move || loop {
            let sleep = tick(state);
            let guard = WAKE.0.lock().unwrap_or_else(PoisonError::into_inner);
            let (mut woken, _) = WAKE
                .1
                .wait_timeout_while(guard, sleep, |w| !*w)
                .unwrap_or_else(PoisonError::into_inner);
            *woken = false;
        })
        .expect("the refresher thread starts");
}

/// Refreshes what needs it; returns how long to sleep.
fn tick(state: &'static AppState) -> Duration {
    let settings = state.settings();
    let margin = settings.refresh_margin_seconds;
    let mut next_due: Option<i64> = None;
    for profile in &settings.watched_profiles {
        match refresh_if_due(state, profile, margin + LEAD_SECONDS) {
            Some(exp) => {
                let due = exp - margin - LEAD_SECONDS;
                next_due = Some(next_due.map_or(due, |n: i64| n.min(due)));
            }
            None => next_due = Some(unix_now() as i64 + MIN_SLEEP.as_secs() as i64 * 4),
        }
    }
    let now = unix_now() as i64;
    let secs = next_due.map_or(MAX_SLEEP.as_secs() as i64, |d| d - now);
    Duration::from_secs(secs.max(0) as u64).clamp(MIN_SLEEP, MAX_SLEEP)
}

/// Gets the profile's credentials with `margin` seconds of slack (refreshing them when they
/// have less), updating the tray state. Returns the expiry on success.
pub(crate) fn refresh_if_due(state: &'static AppState, profile: &str, margin: i64) -> Option<i64> {
    let previous = state.profile_state(profile);
    match state.credentials_with_margin(profile, Some(margin)) {
        Ok(creds) => creds.expiration,
        Err(e) => {
            fail(
                state,
                profile,
                &e.to_string(),
                previous.and_then(|p| p.expires_at),
            );
            None
        }
    }
}

/// "Refresh now" from the menu or the window: new credentials even if the cached ones are
/// fine.
pub fn refresh_now(state: &'static AppState, profile: &str) -> otpilot_core::Result<()> {
    state.set_profile_state(
        profile,
        ProfileState {
            state: Freshness::Refreshing,
            expires_at: state.profile_state(profile).and_then(|p| p.expires_at),
            message: None,
        },
    );
    match state.refresh(profile) {
        Ok(_) => Ok(()),
        Err(e) => {
            fail(state, profile, &e.to_string(), None);
            Err(e)
        }
    }
}

fn fail(state: &'static AppState, profile: &str, message: &str, expires_at: Option<i64>) {
    let already = state
        .profile_state(profile)
        .is_some_and(|p| p.state == Freshness::Attention && p.message.as_deref() == Some(message));
    state.set_profile_state(
        profile,
        ProfileState {
            state: Freshness::Attention,
            expires_at,
            message: Some(message.to_owned()),
        },
    );
    // One notification per distinct failure, not one a minute.
    if !already {
        let body = match expires_at.filter(|e| *e > unix_now() as i64) {
            Some(exp) => format!(
                "Cannot refresh {profile}; its credentials expire at {}. {message}",
                hh_mm(exp)
            ),
            None => format!("Cannot refresh {profile}: {message}"),
        };
        state.desktop().notify(&body);
    }
}
