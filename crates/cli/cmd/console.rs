//! `otpilot console PROFILE`: signs in to the AWS console and opens it in the browser, or
//! prints the login URL with `--print`.
//!
//! The URL is a bearer secret for 15 minutes. It goes to stdout (`--print`) or into a private
//! page the browser is pointed at (see `otpilot_core::console::browser`), and nowhere else.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};
use otpilot_core::console::{ConsoleRequest, Destination};
use otpilot_core::secret::SecretString;

use super::Ctx;
use crate::cli::ConsoleArgs;

pub fn run(ctx: &Ctx, args: ConsoleArgs) -> Result<()> {
    let profile = args
        .profile
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let destination = match (args.service, args.path) {
        (Some(service), _) => Destination::Service(service),
        (None, Some(path)) => Destination::Path(path),
        (None, None) => Destination::Home,
    };
    let request = ConsoleRequest {
        destination,
        region: args.region,
        duration: args.duration,
    };
    let login = ctx.session.broker()?.console_login(&profile, &request)?;

    if args.print {
        let mut out = std::io::stdout().lock();
        out.write_all(login.login_url.expose().as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        eprintln!(
            "otpilot: warning: this URL signs anyone who opens it in to the AWS console as `{profile}` for the next 15 minutes; treat it like a password"
        );
        return Ok(());
    }
    let url = if args.no_logout {
        &login.login_url
    } else {
        &login.logout_url
    };
    open_in_browser(url, &profile, &ctx.session.dirs().runtime)?;
    eprintln!(
        "otpilot: opened the AWS console for `{profile}` in your browser ({})",
        login.destination
    );
    Ok(())
}

/// Opens the URL in the person's browser.
fn open_in_browser(url: &SecretString, profile: &str, private_dir: &Path) -> Result<()> {
    otpilot_core::console::browser::open(url, private_dir).or_else(|failures| {
        bail!(
            "no browser could be started ({failures}); set BROWSER, or run `otpilot console {profile} --print` and open the URL yourself"
        )
    })
}
