//! `otpilot exec PROFILE [--server] [--] CMD [ARGS...]`: runs CMD with the profile's
//! credentials.
//!
//! Without `--server` the credentials go into CMD's environment and Otpilot replaces itself
//! with CMD (exec(2)), so CMD's stdin, stdout, stderr, signals and exit status are its own,
//! exactly as if it had been started directly. With `--server` Otpilot stays as CMD's parent
//! and serves the credentials on a private loopback endpoint (see
//! `otpilot_core::endpoint`), forwarding signals and passing CMD's exit status through.

use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result};
use otpilot_core::endpoint::CredentialsEndpoint;
use otpilot_core::env::{self, RECURSION_GUARD};
use otpilot_core::export::{variables, COMPETING_VARIABLES};
use otpilot_core::Error;

use super::{obtain, Ctx};
use crate::cli::ExecArgs;

/// Static variables, then exec(2).
pub fn run(ctx: &Ctx, args: ExecArgs) -> Result<()> {
    refuse_nesting(&args)?;
    let args = or_shell(args);
    let creds = obtain::credentials(ctx, &args.profile)?;
    let region = ctx.session.profile_region(&args.profile)?;
    let mut command = command(&args);
    for (name, value) in variables(&creds, region.as_deref()) {
        command.env(name, value.expose());
    }
    // Only returns when the command could not be started.
    let error = crate::os::exec_replacing(command);
    cannot_start(&args, &error)
}

/// The endpoint, CMD as a child, signals forwarded, CMD's exit status.
pub fn serve(ctx: Ctx, args: ExecArgs) -> Result<()> {
    refuse_nesting(&args)?;
    let args = or_shell(args);
    // Any MFA prompt happens now, before CMD owns the terminal.
    obtain::credentials(&ctx, &args.profile)?;
    let region = ctx.session.profile_region(&args.profile)?;
    let ctx = Arc::new(ctx);
    let profile = args.profile.clone();
    let served = ctx.clone();
    let endpoint =
        CredentialsEndpoint::start(Arc::new(move || served.session.credentials(&profile)))
            .context("cannot start the credentials endpoint on 127.0.0.1")?;
    let mut command = command(&args);
    command
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url())
        .env(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            endpoint.token().expose(),
        );
    if let Some(region) = &region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    let code = match crate::os::run_forwarding_signals(command)? {
        Ok(code) => code,
        Err(error) => cannot_start(&args, &error),
    };
    drop(endpoint);
    std::process::exit(code);
}

/// aws-vault's best-known trap: a nested exec for another profile would silently run with
/// the outer profile's credentials in some tools and the inner's in others.
fn refuse_nesting(args: &ExecArgs) -> Result<()> {
    match std::env::var(env::EXEC_PROFILE) {
        Ok(outer) if !outer.is_empty() && outer != args.profile && !args.force => {
            Err(Error::ExecNested {
                outer,
                inner: args.profile.clone(),
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// No command given: the person's shell, as aws-vault does, said on stderr so the new
/// prompt is not mistaken for the old one.
fn or_shell(mut args: ExecArgs) -> ExecArgs {
    if args.command.is_empty() {
        let shell = crate::os::default_shell();
        eprintln!(
            "otpilot: starting {} with the credentials of `{}`; `exit` leaves it",
            shell.to_string_lossy(),
            args.profile
        );
        args.command.push(shell);
    }
    args
}

/// CMD with every variable that would make an SDK look elsewhere for credentials removed,
/// and `OTPILOT_PROFILE` set.
fn command(args: &ExecArgs) -> Command {
    let (program, rest) = args
        .command
        .split_first()
        .expect("`or_shell` gives every exec a command");
    // CMD is the person's program, not Otpilot: it gets the core limit it would have had.
    otpilot_core::platform::unprotected_child_limits();
    let mut command = Command::new(program);
    command.args(rest);
    for name in COMPETING_VARIABLES {
        command.env_remove(name);
    }
    command.env_remove(RECURSION_GUARD);
    command.env(env::EXEC_PROFILE, &args.profile);
    tracing::debug!(
        "running {program:?} with the credentials of `{}`",
        args.profile
    );
    command
}

/// One line, and the shell's codes: 127 not found, 126 found but not runnable.
fn cannot_start(args: &ExecArgs, error: &std::io::Error) -> ! {
    eprintln!(
        "otpilot: cannot run `{}`: {error}",
        args.command[0].to_string_lossy()
    );
    std::process::exit(if error.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}
