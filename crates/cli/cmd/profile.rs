//! `otpilot profile setup|list|status`: wiring AWS profiles to Otpilot and showing their state.

use std::io::Write;

use anyhow::{Context, Result};
use otpilot_core::app::{ProfileDescription, StepStatus, WireOutcome};
use serde::Serialize;

use super::Ctx;
use crate::cli::ProfileCommand;

pub fn run(ctx: &Ctx, command: ProfileCommand) -> Result<()> {
    match command {
        ProfileCommand::Setup { profile, force } => setup(ctx, &profile, force),
        ProfileCommand::List { json } => list(ctx, json),
        ProfileCommand::Status { profile, json } => status(ctx, profile, json),
    }
}

fn setup(ctx: &Ctx, profile: &str, force: bool) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the otpilot executable")?;
    match ctx.session.wire_profile(profile, &exe, force)? {
        WireOutcome::AlreadyWired => eprintln!("profile `{profile}` is already set up"),
        WireOutcome::Wired { moved, backup } => {
            eprintln!("profile `{profile}` now gets its credentials from otpilot");
            if !moved.is_empty() {
                eprintln!(
                    "renamed {} to otpilot_* so SDKs do not resolve credentials themselves",
                    moved.join(", ")
                );
            }
            eprintln!("the previous config is saved as {}", backup.display());
            eprintln!("try it: aws sts get-caller-identity --profile {profile}");
        }
    }
    Ok(())
}

fn list(ctx: &Ctx, json: bool) -> Result<()> {
    let rows = ctx.session.describe_profiles()?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!("no AWS profiles found; see `aws configure`");
        return Ok(());
    }
    let width = rows
        .iter()
        .map(|r| r.profile.len())
        .max()
        .unwrap_or(7)
        .max(7);
    writeln!(
        out,
        "{:width$}  {:5}  {:20}  CHAIN",
        "PROFILE", "OTPILOT", "DEVICE"
    )?;
    for r in &rows {
        let device = match (&r.device, &r.mfa_serial) {
            (Some(d), _) => d.clone(),
            (None, Some(_)) => "(no seed stored)".into(),
            (None, None) => "-".into(),
        };
        let chain = r.error.clone().unwrap_or_else(|| r.chain.join(" -> "));
        writeln!(
            out,
            "{:width$}  {:5}  {:20}  {chain}",
            r.profile,
            if r.wired { "yes" } else { "no" },
            device
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct StatusRow {
    #[serde(flatten)]
    profile: ProfileDescription,
    steps: Vec<StepStatus>,
}

fn status(ctx: &Ctx, profile: Option<String>, json: bool) -> Result<()> {
    let profiles = ctx.session.profiles()?;
    let names: Vec<String> = match profile {
        Some(p) => {
            profiles.resolve(&p)?;
            vec![p]
        }
        None => profiles
            .names()
            .into_iter()
            .filter(|n| profiles.is_wired(n))
            .collect(),
    };
    let rows: Vec<StatusRow> = names
        .iter()
        .map(|name| {
            let profile = ctx.session.describe_profile(&profiles, name);
            let steps = profile
                .plan
                .as_ref()
                .map(|plan| ctx.session.step_statuses(plan))
                .unwrap_or_default();
            StatusRow { profile, steps }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!("no profile is wired to otpilot yet; run `otpilot profile setup PROFILE`");
    }
    for r in &rows {
        writeln!(
            out,
            "{}{}",
            r.profile.profile,
            if r.profile.wired {
                ""
            } else {
                " (not wired: run `otpilot profile setup`)"
            }
        )?;
        if let Some(e) = &r.profile.error {
            writeln!(out, "  error: {e}")?;
        }
        if let Some(serial) = &r.profile.mfa_serial {
            let device = r
                .profile
                .device
                .clone()
                .unwrap_or_else(|| "no seed stored: codes are asked for".into());
            writeln!(out, "  MFA device: {serial} ({device})")?;
        }
        for s in &r.steps {
            let state = match (&s.cached_until, s.remaining_seconds) {
                (Some(until), Some(left)) => {
                    format!("valid until {until} ({} min left)", left / 60)
                }
                _ => "not cached".into(),
            };
            writeln!(out, "  {}: {state}", s.step)?;
        }
    }
    Ok(())
}
