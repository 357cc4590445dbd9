//! `otpilot credential-process PROFILE`: the AWS `credential_process` protocol.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>
//!
//! stdout carries only the Version 1 JSON; anything for the person goes to stderr (one line
//! on failure), and prompts to /dev/tty. The running tray's agent is asked first (it answers
//! from memory); without one, the work is done here with the same cache and locks.

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Result};
use otpilot_core::agent::{self, client::Answer};
use otpilot_core::credentials::Credentials;
use otpilot_core::env::{self, RECURSION_GUARD};
use otpilot_core::paths::Dirs;
use otpilot_core::Error;

use super::Ctx;

/// How long to wait for the agent's answer: it may be waiting for a person to type a code in
/// a tray dialog, or for another caller's refresh.
const AGENT_TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(profile: Option<String>) -> Result<()> {
    if std::env::var_os(RECURSION_GUARD).is_some() {
        return Err(Error::Recursion.into());
    }
    let profile = profile
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let dirs = Dirs::from_env()?;
    if !env::is_set(env::NO_AGENT) {
        match agent::client::credentials(
            &agent::socket_path(&dirs.runtime),
            &profile,
            AGENT_TIMEOUT,
        ) {
            Answer::Credentials(creds) => return print(&creds),
            // The tray did the same work we would do; its message is the one to show.
            Answer::Failed(e) => bail!("{}", e.message),
            Answer::Unavailable(why) if why.deserves_warning() => {
                eprintln!("otpilot: warning: {why}");
            }
            Answer::Unavailable(why) => tracing::debug!("no agent: {why}; working directly"),
        }
    }
    let ctx = Ctx::from_dirs(dirs);
    // Errors from the core name the profile already.
    let creds = ctx.session.credentials(&profile)?;
    print(&creds)
}

fn print(creds: &Credentials) -> Result<()> {
    let json = creds.to_process_json();
    let mut out = std::io::stdout().lock();
    out.write_all(json.expose().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
