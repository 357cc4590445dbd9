//! `otpilot profile setup|unwire|check|list|status`: wiring AWS profiles to Otpilot, checking
//! them end to end and showing their state.

use std::io::Write;

use anyhow::{Context, Result};
use otpilot_core::app::{AgentForgot, ProfileDescription, StepStatus, UnwireOutcome, WireOutcome};
use serde::Serialize;

use super::Ctx;
use crate::cli::ProfileCommand;

pub fn run(ctx: &Ctx, command: ProfileCommand) -> Result<()> {
    match command {
        ProfileCommand::Setup { profile, force } => setup(ctx, &profile, force),
        ProfileCommand::Unwire { profile } => unwire(ctx, &profile),
        ProfileCommand::Forget { profile } => forget(ctx, &profile),
        ProfileCommand::Check { profile, json } => check(ctx, profile, json),
        ProfileCommand::List { json } => list(ctx, json),
        ProfileCommand::Status { profile, json } => status(ctx, profile, json),
    }
}

/// `otpilot profile forget`: says what was really dropped, where.
fn forget(ctx: &Ctx, profile: &str) -> Result<()> {
    let forgotten = ctx.session.forget_profile_everywhere(profile)?;
    let store = forgotten.store.as_str();
    let (in_agent, agent_note) = match &forgotten.agent {
        AgentForgot::NoAgent => (0, None),
        AgentForgot::Dropped(n) => (*n, None),
        AgentForgot::CannotForget => (
            0,
            Some("the running agent cannot be asked to forget (an older build); restart it, or it may hand out the old credentials until they expire".to_owned()),
        ),
        AgentForgot::Failed(why) => (0, Some(format!("the running agent could not forget: {why}"))),
    };
    match (forgotten.here, in_agent) {
        (0, 0) => eprintln!("nothing was cached for `{profile}`"),
        (here, 0) => eprintln!(
            "forgot {here} cached credentials of `{profile}` (in the {store}); the next call gets new ones"
        ),
        (here, agent) => eprintln!(
            "forgot {} cached credentials of `{profile}` ({here} in the {store}, {agent} held by the agent); the next call gets new ones",
            here + agent
        ),
    }
    if let Some(note) = agent_note {
        eprintln!("otpilot: warning: {note}");
    }
    Ok(())
}

fn setup(ctx: &Ctx, profile: &str, force: bool) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the otpilot executable")?;
    let wiring = ctx.session.wire_profile(profile, &exe, force)?;
    match wiring.outcome {
        WireOutcome::AlreadyWired => eprintln!("profile `{profile}` is already set up"),
        WireOutcome::Wired { moved, backup } => {
            eprintln!("profile `{profile}` now gets its credentials from otpilot");
            eprintln!(
                "credential_process runs `{}`: {}",
                wiring.invocation.command(),
                wiring.invocation.reason()
            );
            if !moved.is_empty() {
                eprintln!(
                    "renamed {} to otpilot_* so SDKs do not resolve credentials themselves",
                    moved.join(", ")
                );
            }
            eprintln!("{}", backup_line(&backup));
            eprintln!("try it: aws sts get-caller-identity --profile {profile}");
        }
    }
    match wiring.mfa {
        Some(note) if note.is_warning() => eprintln!("otpilot: warning: {note}"),
        Some(note) => eprintln!("note: {note}"),
        None => {}
    }
    Ok(())
}

/// Where the previous AWS config went, and how many such copies are kept.
pub fn backup_line(backup: &std::path::Path) -> String {
    format!(
        "the previous config is saved as {} (the newest {} backups are kept there)",
        backup.display(),
        otpilot_core::aws::config_edit::BACKUPS_KEPT
    )
}

fn unwire(ctx: &Ctx, profile: &str) -> Result<()> {
    let notes = ctx.session.unwiring_preview(profile)?.notes;
    match ctx.session.unwire_profile(profile)? {
        UnwireOutcome::NotWired => eprintln!("profile `{profile}` is not wired to otpilot"),
        UnwireOutcome::Unwired { restored, backup } => {
            eprintln!("profile `{profile}` no longer gets its credentials from otpilot");
            if !restored.is_empty() {
                eprintln!("restored {}", restored.join(", "));
            }
            for note in notes {
                eprintln!("note: {note}");
            }
            eprintln!("{}", backup_line(&backup));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct CheckRow {
    profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Each profile's credentials the way a caller gets them (the tray's agent when it runs), and
/// STS's word on who they are.
fn check(ctx: &Ctx, profile: Option<String>, json: bool) -> Result<()> {
    let profiles = ctx.session.profiles()?;
    let names: Vec<String> = match profile {
        Some(p) => vec![p],
        None => profiles
            .names()
            .into_iter()
            .filter(|n| profiles.is_wired(n))
            .collect(),
    };
    if names.is_empty() {
        anyhow::bail!("no profile is wired to otpilot yet; run `otpilot profile setup PROFILE`");
    }
    let rows: Vec<CheckRow> = names
        .into_iter()
        .map(|name| {
            let result = ctx
                .session
                .check_profile(&name, |target| super::obtain::credentials(ctx, target));
            match result {
                Ok(id) => CheckRow {
                    profile: name,
                    arn: Some(id.arn),
                    account: Some(id.account),
                    error: None,
                },
                Err(e) => CheckRow {
                    profile: name,
                    arn: None,
                    account: None,
                    error: Some(e.to_string()),
                },
            }
        })
        .collect();
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        for r in &rows {
            match (&r.arn, &r.error) {
                (Some(arn), _) => writeln!(out, "{}: ok, acts as {arn}", r.profile)?,
                (None, Some(e)) => writeln!(out, "{}: failed: {e}", r.profile)?,
                (None, None) => {}
            }
        }
    }
    if failed > 0 {
        out.flush()?;
        std::process::exit(1);
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
        "{:width$}  {:7}  {:20}  CHAIN",
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
            "{:width$}  {:7}  {:20}  {chain}",
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
        if let Some(target) = &r.profile.delegates_to {
            writeln!(out, "  uses Otpilot profile {target}")?;
        }
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
                _ if s.long_term => "never cached (the steps below start from them)".into(),
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
