//! `otpilot export PROFILE [--format F]`: the profile's credentials as environment variables
//! in a shell's syntax, as `aws configure export-credentials` prints them, for
//! `eval "$(otpilot export dev)"`.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use otpilot_core::export::{render, ExportFormat};

use super::{obtain, Ctx};
use crate::cli::{ExportArgs, Format};

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<()> {
    let format = match args.format {
        Format::Env => ExportFormat::Env,
        Format::EnvNoExport => ExportFormat::EnvNoExport,
        Format::Fish => ExportFormat::Fish,
        Format::Powershell => ExportFormat::Powershell,
        Format::WindowsCmd => ExportFormat::WindowsCmd,
        Format::Process => ExportFormat::Process,
    };
    let creds = obtain::credentials(ctx, &args.profile)?;
    let region = ctx.session.profile_region(&args.profile)?;
    let text = render(format, &creds, region.as_deref())?;
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        eprintln!(
            "otpilot: warning: these are secrets, shown on your screen; load them with `eval \"$(otpilot export {})\"` instead",
            args.profile
        );
    }
    let mut out = stdout.lock();
    out.write_all(text.expose().as_bytes())?;
    out.flush()?;
    Ok(())
}
