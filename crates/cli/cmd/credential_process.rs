//! `otpilot credential-process PROFILE`: the AWS `credential_process` protocol.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>
//!
//! stdout carries only the Version 1 JSON; anything for the person goes to stderr (one line
//! on failure), and prompts to /dev/tty.

use std::io::Write;

use anyhow::Result;
use otpilot_core::aws::sts::SdkSts;
use otpilot_core::broker::RECURSION_GUARD;
use otpilot_core::Error;

use super::Ctx;
use crate::term::TerminalInteraction;

pub fn run(profile: Option<String>) -> Result<()> {
    if std::env::var_os(RECURSION_GUARD).is_some() {
        return Err(Error::Recursion.into());
    }
    let profile = profile
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let ctx = Ctx::from_env()?;
    let sts = SdkSts::default();
    let ui = TerminalInteraction;
    // Errors from the core name the profile already.
    let creds = ctx.broker(&sts, &ui)?.credentials(&profile)?;
    let json = creds.to_process_json();
    let mut out = std::io::stdout().lock();
    out.write_all(json.expose().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
