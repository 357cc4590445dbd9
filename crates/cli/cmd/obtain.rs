//! A profile's credentials for a command-line caller (`credential-process`, `export`, `exec`):
//! from the running tray's agent when there is one (it answers from memory, and can ask for a
//! code in a dialog when no terminal is there), else worked out here with the same plan,
//! cache, locks and prompts.

use std::time::Duration;

use anyhow::{bail, Result};
use otpilot_core::agent::{self, client::Answer};
use otpilot_core::credentials::Credentials;
use otpilot_core::env::{self, RECURSION_GUARD};
use otpilot_core::error::ErrorKind;
use otpilot_core::Error;

use super::Ctx;
use crate::term;

/// How long to wait for the agent's answer: it may be waiting for a person to type a code in
/// a tray dialog, or for another caller's refresh.
const AGENT_TIMEOUT: Duration = Duration::from_secs(300);

/// The profile asked for, else `$AWS_PROFILE`, else `default` (as the SDKs choose).
pub fn profile_or_default(profile: Option<String>) -> String {
    profile
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

/// Credentials for `profile` with more than the refresh margin left.
pub fn credentials(ctx: &Ctx, profile: &str) -> Result<Credentials> {
    if env::is_set(RECURSION_GUARD) {
        return Err(Error::Recursion.into());
    }
    if !env::is_set(env::NO_AGENT) {
        let socket = agent::socket_path(&ctx.session.dirs().runtime);
        // What the agent tells the person while it works (a wait for a fresh MFA code) is
        // said here, as the direct path would.
        let notice = |message: &str| ctx.session.interaction().notice(message);
        let store = ctx.session.configured_store();
        match agent::client::credentials(&socket, profile, store, AGENT_TIMEOUT, &notice) {
            Answer::Credentials(creds) => return Ok(creds),
            // A sealed device's PIN that the agent could not ask for (the headless agent has
            // no one to ask; the tray's dialog was dismissed): the person at this terminal can
            // type it, so the work is done here.
            Answer::Failed(e) if e.kind == ErrorKind::PinNeeded && term::has_terminal() => {
                tracing::debug!("the agent could not ask for a TPM PIN; asking here");
            }
            // The tray did the same work we would do; its message is the one to show.
            Answer::Failed(e) => bail!("{}", e.message),
            Answer::Unavailable(why) if why.deserves_warning() => {
                eprintln!("otpilot: warning: {why}");
            }
            Answer::Unavailable(why) => tracing::debug!("no agent: {why}; working directly"),
        }
    }
    // Errors from the core name the profile already.
    Ok(ctx.session.credentials(profile)?)
}
