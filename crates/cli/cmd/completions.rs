//! `otpilot completions SHELL`: the shell's completion script. It completes commands and
//! options, and asks Otpilot at each TAB for the names of devices, profiles and stores
//! (see `crate::complete`).

use std::io::Write;

use anyhow::{Context, Result};

pub fn run(shell: clap_complete::Shell) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the otpilot executable")?;
    let script =
        crate::complete::registration(shell, &exe).context("cannot write the completion script")?;
    std::io::stdout().write_all(&script)?;
    Ok(())
}
