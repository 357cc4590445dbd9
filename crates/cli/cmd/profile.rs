//! `otpilot profile setup|list|status`: wiring AWS profiles to Otpilot and showing their state.

use std::io::Write;

use anyhow::{bail, Context, Result};
use otpilot_core::aws::config_edit::{edit_aws_config, IniText};
use otpilot_core::aws::plan::{self, CredentialPlan};
use otpilot_core::aws::profile::{AwsFiles, Profiles, PREFIX, SELF_RESOLVING_KEYS};
use otpilot_core::cache::CredentialsCache;
use otpilot_core::settings::Settings;
use otpilot_core::totp::unix_now;
use serde::Serialize;

use super::Ctx;
use crate::cli::ProfileCommand;

/// Keys moved out of the SDK's sight by `setup`, besides the self-resolving ones: the AWS CLI
/// prompts for MFA on its own when it sees mfa_serial with a role.
const ROLE_KEYS: &[&str] = &[
    "mfa_serial",
    "duration_seconds",
    "role_session_name",
    "external_id",
];

pub fn run(ctx: &Ctx, command: ProfileCommand) -> Result<()> {
    match command {
        ProfileCommand::Setup { profile, force } => setup(&profile, force),
        ProfileCommand::List { json } => list(ctx, json),
        ProfileCommand::Status { profile, json } => status(ctx, profile, json),
    }
}

fn is_wired(profiles: &Profiles, name: &str) -> bool {
    profiles
        .get_raw(name, "credential_process")
        .is_some_and(|c| c.contains("otpilot") && c.contains("credential-process"))
}

fn setup(profile: &str, force: bool) -> Result<()> {
    let files = AwsFiles::from_env()?;
    let profiles = Profiles::load(&files)?;
    // The chain must work before callers depend on it.
    profiles.resolve(profile)?;
    let credentials_text = std::fs::read_to_string(&files.credentials).unwrap_or_default();
    if IniText::parse(&credentials_text)
        .get(profile, true, "aws_access_key_id")
        .is_some()
    {
        bail!(
            "profile `{profile}` has long-term keys in {}, which SDKs would use without MFA; move them into the keyring first with `otpilot keys import {profile}`",
            files.credentials.display()
        );
    }
    let original = match std::fs::read_to_string(&files.config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", files.config.display())),
    };
    let ini = IniText::parse(&original);
    if !ini.has_section(profile, false) {
        bail!(
            "profile `{profile}` has no section in {}; add `[profile {profile}]` with its settings first",
            files.config.display()
        );
    }
    if ini.get(profile, false, "aws_secret_access_key").is_some() {
        bail!(
            "profile `{profile}` has a secret access key in {}; move it into the keyring with `otpilot keys add {profile}` and delete it from the file",
            files.config.display()
        );
    }
    if let Some(existing) = ini.get(profile, false, "credential_process") {
        if !is_wired(&profiles, profile) && !force {
            bail!(
                "profile `{profile}` already has credential_process = {existing}; pass --force to replace it"
            );
        }
    }
    let exe = std::env::current_exe().context("cannot find the otpilot executable")?;
    let exe = exe.display().to_string();
    let command = if exe.contains(char::is_whitespace) || profile.contains(char::is_whitespace) {
        format!("\"{exe}\" credential-process \"{profile}\"")
    } else {
        format!("{exe} credential-process {profile}")
    };
    let mut moved = Vec::new();
    let backup = edit_aws_config(&files.config, |ini| {
        for key in SELF_RESOLVING_KEYS.iter().chain(ROLE_KEYS) {
            if ini.rename_key(profile, false, key, &format!("{PREFIX}{key}")) {
                moved.push(*key);
            }
        }
        ini.set_key(profile, false, "credential_process", &command)
    })?;
    let Some(backup) = backup else {
        eprintln!("profile `{profile}` is already set up");
        return Ok(());
    };
    eprintln!("profile `{profile}` now gets its credentials from otpilot");
    if !moved.is_empty() {
        eprintln!(
            "renamed {} to otpilot_* so SDKs do not resolve credentials themselves",
            moved.join(", ")
        );
    }
    eprintln!("the previous config is saved as {}", backup.display());
    eprintln!("try it: aws sts get-caller-identity --profile {profile}");
    Ok(())
}

#[derive(Serialize)]
struct ProfileRow {
    profile: String,
    wired: bool,
    chain: Vec<String>,
    source_profile: Option<String>,
    mfa_serial: Option<String>,
    device: Option<String>,
    error: Option<String>,
}

fn describe(ctx: &Ctx, profiles: &Profiles, name: &str) -> (ProfileRow, Option<CredentialPlan>) {
    let mut row = ProfileRow {
        profile: name.to_owned(),
        wired: is_wired(profiles, name),
        chain: Vec::new(),
        source_profile: None,
        mfa_serial: None,
        device: None,
        error: None,
    };
    let settings = Settings::load(&ctx.dirs.config).unwrap_or_default();
    let plan = profiles
        .resolve(name)
        .and_then(|r| plan::build(&r, settings.session_duration_seconds).map(|p| (r, p)));
    match plan {
        Ok((resolved, plan)) => {
            row.chain = plan.steps.iter().map(|s| s.describe()).collect();
            row.source_profile = Some(resolved.source_profile);
            row.mfa_serial = plan.mfa_serial().map(str::to_owned);
            if let Some(serial) = &row.mfa_serial {
                row.device = ctx
                    .devices()
                    .list()
                    .ok()
                    .and_then(|ds| ds.into_iter().find(|d| d.serial.as_deref() == Some(serial)))
                    .map(|d| d.name);
            }
            (row, Some(plan))
        }
        Err(e) => {
            row.error = Some(e.to_string());
            (row, None)
        }
    }
}

fn list(ctx: &Ctx, json: bool) -> Result<()> {
    let profiles = Profiles::load(&AwsFiles::from_env()?)?;
    let rows: Vec<ProfileRow> = profiles
        .names()
        .iter()
        .map(|n| describe(ctx, &profiles, n).0)
        .collect();
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
struct StepStatus {
    step: String,
    cached_until: Option<String>,
    remaining_seconds: Option<i64>,
}

#[derive(Serialize)]
struct StatusRow {
    #[serde(flatten)]
    profile: ProfileRow,
    steps: Vec<StepStatus>,
}

fn status(ctx: &Ctx, profile: Option<String>, json: bool) -> Result<()> {
    let profiles = Profiles::load(&AwsFiles::from_env()?)?;
    let names: Vec<String> = match profile {
        Some(p) => {
            profiles.resolve(&p)?;
            vec![p]
        }
        None => profiles
            .names()
            .into_iter()
            .filter(|n| is_wired(&profiles, n))
            .collect(),
    };
    let cache = CredentialsCache::new(&ctx.dirs.cache, &ctx.keyring);
    let now = unix_now() as i64;
    let rows: Vec<StatusRow> = names
        .iter()
        .map(|name| {
            let (row, plan) = describe(ctx, &profiles, name);
            let steps = plan
                .map(|plan| {
                    plan.steps
                        .iter()
                        .zip(&plan.keys)
                        .map(|(step, key)| {
                            let meta = key
                                .as_ref()
                                .and_then(|k| cache.meta(k))
                                .filter(|m| m.expiration > now);
                            StepStatus {
                                step: step.describe(),
                                cached_until: meta.as_ref().map(|m| m.expiration_rfc3339.clone()),
                                remaining_seconds: meta.map(|m| m.expiration - now),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            StatusRow {
                profile: row,
                steps,
            }
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
