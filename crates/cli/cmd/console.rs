//! `otpilot console PROFILE`: signs in to the AWS console and opens it in the browser, or
//! prints the login URL with `--print`.
//!
//! The URL is a bearer secret for 15 minutes. It goes to stdout (`--print`) or into a private
//! page the browser is pointed at (see `otpilot_core::console::browser`), and nowhere else.

use std::io::Write;

use anyhow::Result;
use otpilot_core::console::{ConsoleRequest, Destination};

use super::Ctx;
use crate::cli::ConsoleArgs;

pub fn run(ctx: &Ctx, args: ConsoleArgs) -> Result<()> {
    if let Some(profile) = args.forget_browser {
        let removed = ctx.session.forget_console_browser(&profile)?;
        if removed.is_empty() {
            eprintln!("otpilot: `{profile}` has no browser profile of Otpilot's; nothing removed");
        }
        for dir in removed {
            eprintln!(
                "otpilot: removed the browser profile of `{profile}` ({})",
                dir.display()
            );
        }
        return Ok(());
    }
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
    // The browser is found before signing in: a missing one spends no MFA code.
    let browser = if args.print {
        None
    } else {
        Some(
            ctx.session
                .console_browser(&profile, args.browser.as_deref())?,
        )
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
    let browser = browser.expect("a browser unless --print");
    ctx.session.open_console(&login, &browser, args.no_logout)?;
    let place = match &browser.binary {
        Some(_) => format!("its own {} profile", browser.choice.name()),
        None => "your browser".to_owned(),
    };
    eprintln!(
        "otpilot: opened the AWS console for `{profile}` in {place} ({})",
        login.destination
    );
    Ok(())
}
