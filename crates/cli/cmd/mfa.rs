//! `otpilot mfa enroll|list|resync|rotate|remove`: the IAM user's virtual MFA devices.

use std::io::Write;

use anyhow::{bail, Result};
use otpilot_core::lifecycle::{Enrolled, SealAtEnrol};
use otpilot_core::secret::SecretString;

use super::Ctx;
use crate::cli::{MfaCommand, QrChoice, TpmArgs};
use crate::term;

pub fn run(ctx: &Ctx, command: MfaCommand) -> Result<()> {
    let broker = ctx.session.broker()?;
    let lifecycle = ctx.session.lifecycle(&broker);
    match command {
        MfaCommand::Enroll {
            profile,
            device_name,
            qr,
            tpm,
            json,
        } => {
            check_qr_file(&qr)?;
            let name = device_name.as_deref();
            let enrolled = sealed_if_asked(
                &tpm,
                &qr,
                || lifecycle.enroll(&profile, name),
                |seal| lifecycle.enroll_sealed(&profile, name, seal),
            )?;
            report_enrolled(&enrolled, json)?;
            if let Some(note) = enrolled.kept_note(&profile) {
                eprintln!("{note}");
            }
            if tpm.tpm {
                eprintln!("its seed is sealed in the TPM: codes are computed there");
                return Ok(());
            }
            offer_qr(ctx, &enrolled.device, &qr)
        }
        MfaCommand::Rotate {
            profile,
            device_name,
            qr,
            tpm,
            json,
        } => {
            check_qr_file(&qr)?;
            let name = device_name.as_deref();
            let rotated = sealed_if_asked(
                &tpm,
                &qr,
                || lifecycle.rotate(&profile, name),
                |seal| lifecycle.rotate_sealed(&profile, name, seal),
            )?;
            report_enrolled(&rotated.new, json)?;
            match &rotated.old_device_left {
                None => eprintln!(
                    "the old device {} is deactivated and deleted, and its seed forgotten",
                    rotated.old_serial
                ),
                Some(why) => eprintln!("otpilot: warning: {why}"),
            }
            if tpm.tpm {
                eprintln!("its seed is sealed in the TPM: codes are computed there");
                return Ok(());
            }
            offer_qr(ctx, &rotated.new.device, &qr)
        }
        MfaCommand::List { profile, json } => {
            let (user, devices) = lifecycle.list(&profile)?;
            let mut out = std::io::stdout().lock();
            if json {
                let doc =
                    serde_json::json!({ "user": user.name, "arn": user.arn, "devices": devices });
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                return Ok(());
            }
            if devices.is_empty() {
                eprintln!(
                    "IAM user {} has no MFA device; enrol one with `otpilot mfa enroll --profile {profile}`",
                    user.name
                );
                return Ok(());
            }
            writeln!(out, "{:<60}  {:<19}  OTPILOT DEVICE", "SERIAL", "ENABLED")?;
            for d in devices {
                let held = match (&d.device, d.seed_held) {
                    (Some(name), true) => name.clone(),
                    (Some(name), false) => format!("{name} (seed missing)"),
                    (None, _) => "-".into(),
                };
                writeln!(
                    out,
                    "{:<60}  {:<19}  {held}",
                    d.serial,
                    otpilot_core::localtime::date_time(d.enabled_at)
                )?;
            }
            Ok(())
        }
        MfaCommand::Resync { device, profile } => {
            let (user, serial) = lifecycle.resync(&device, profile.as_deref())?;
            eprintln!("resynchronised {serial} for IAM user {user}");
            Ok(())
        }
        MfaCommand::Remove {
            device,
            profile,
            yes,
        } => {
            term::confirm_or_yes(
                yes,
                &format!(
                    "Deactivate and delete the MFA device `{device}` in AWS and forget its seed? Any phone backup of it stops working too."
                ),
            )?;
            let removed = lifecycle.remove(&device, profile.as_deref())?;
            eprintln!(
                "deactivated and deleted {} for IAM user {}{}",
                removed.serial,
                removed.user,
                removed
                    .device
                    .as_ref()
                    .map(|d| format!("; the seed of `{d}` is forgotten"))
                    .unwrap_or_default()
            );
            if !removed.profiles_still_using.is_empty() {
                eprintln!(
                    "otpilot: warning: profiles {} still name {} in mfa_serial; point them at another device",
                    removed.profiles_still_using.join(", "),
                    removed.serial
                );
            }
            Ok(())
        }
    }
}

fn report_enrolled(enrolled: &Enrolled, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(enrolled)?);
    }
    eprintln!(
        "enabled MFA device {} for IAM user {}; its seed is in the keyring as device `{}`",
        enrolled.serial, enrolled.user, enrolled.device
    );
    if !enrolled.profiles_updated.is_empty() {
        eprintln!(
            "mfa_serial now names it in profile(s) {}",
            enrolled.profiles_updated.join(", ")
        );
    }
    if let Some(backup) = &enrolled.backup {
        eprintln!("{}", super::profile::backup_line(backup));
    }
    Ok(())
}

/// Refuses an existing PNG path before anything changes in AWS.
fn check_qr_file(qr: &QrChoice) -> Result<()> {
    if let Some(path) = &qr.qr_png {
        if path.exists() {
            bail!("{} already exists; choose a new file name", path.display());
        }
    }
    Ok(())
}

/// `plain`, or, with `--tpm`, `sealed` with the sealing asked for (a PIN asked twice when
/// `--tpm-pin`) and the phone backup offered before the seed goes into the TPM.
fn sealed_if_asked<T>(
    tpm: &TpmArgs,
    qr: &QrChoice,
    plain: impl FnOnce() -> otpilot_core::Result<T>,
    sealed: impl FnOnce(&SealAtEnrol<'_>) -> otpilot_core::Result<T>,
) -> Result<T> {
    let Some(seal) = term::seal_from(tpm.tpm, tpm.tpm_pin)? else {
        return Ok(plain()?);
    };
    let backup = |device: &str, uri: &SecretString| {
        offer_backup_before_sealing(device, uri, qr)
            .map_err(|e| otpilot_core::Error::Lifecycle(e.to_string()))
    };
    Ok(sealed(&SealAtEnrol {
        seal,
        backup: &backup,
    })?)
}

/// The phone backup of a device about to be sealed: the last chance to see its QR code.
fn offer_backup_before_sealing(device: &str, uri: &SecretString, qr: &QrChoice) -> Result<()> {
    if qr.no_qr {
        return Ok(());
    }
    if qr.qr || qr.qr_png.is_some() {
        return super::device::show_uri_qr(uri, qr.qr_png.as_deref());
    }
    if term::has_terminal()
        && term::confirm(&format!(
            "`{device}` is about to be sealed in the TPM, after which its QR code cannot be shown. Show it now, to add the same device to a phone as a backup?"
        ))?
    {
        super::device::show_uri_qr(uri, None)?;
        if !term::confirm("Has your phone saved it? (no cancels the enrolment)")? {
            bail!("cancelled before sealing; the new device was deleted again");
        }
        return Ok(());
    }
    eprintln!("otpilot: no phone backup of `{device}` was made; it will exist only in this TPM");
    Ok(())
}

/// The QR code for a phone backup: as asked on the command line, else offered on the terminal.
fn offer_qr(ctx: &Ctx, device: &str, qr: &QrChoice) -> Result<()> {
    if qr.no_qr {
        return Ok(());
    }
    if qr.qr || qr.qr_png.is_some() {
        return super::device::show_qr(ctx, device, qr.qr_png.as_deref(), true);
    }
    if term::stdin_is_terminal()
        && term::confirm("Show its QR code now, to add the same device to a phone as a backup?")?
    {
        return super::device::show_qr(ctx, device, None, true);
    }
    eprintln!("for a phone backup later: otpilot device qr {device}");
    Ok(())
}
