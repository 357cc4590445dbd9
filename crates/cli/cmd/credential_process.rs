//! `otpilot credential-process PROFILE`: the AWS `credential_process` protocol.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>
//!
//! stdout carries only the Version 1 JSON; anything for the person goes to stderr (one line
//! on failure), and prompts to /dev/tty.

use std::io::Write;

use anyhow::Result;

use super::{obtain, Ctx};

pub fn run(ctx: &Ctx, profile: Option<String>) -> Result<()> {
    let profile = obtain::profile_or_default(profile);
    let creds = obtain::credentials(ctx, &profile)?;
    let json = creds.to_process_json();
    let mut out = std::io::stdout().lock();
    out.write_all(json.expose().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
