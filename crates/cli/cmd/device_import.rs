//! `otpilot device import FILE`: every TOTP account of an authenticator app's export.

use anyhow::{Context, Result};
use otpilot_core::app::{AppExportImport, AppExportImported, PlannedDevice};
use otpilot_core::error::ErrorKind;
use otpilot_core::secret::SecretString;

use super::Ctx;
use crate::cli::ImportArgs;
use crate::term;

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    let mut password = if args.password_stdin {
        Some(password_from_stdin()?)
    } else {
        None
    };
    let seal = term::seal_from(args.tpm.tpm, args.tpm.tpm_pin)?;
    let mut asked = false;
    let imported = loop {
        let request = AppExportImport {
            path: args.file.clone(),
            password: password.take(),
            prefix: args.prefix.clone(),
            dry_run: args.dry_run,
            seal: seal.clone(),
        };
        match ctx.session.import_app_export(request) {
            // Encrypted: ask once on the terminal, when there is one and stdin was not meant.
            Err(e) if e.kind() == ErrorKind::PasswordNeeded && !asked && term::has_terminal() => {
                asked = true;
                password = Some(term::prompt_secret(&format!(
                    "Password of {} (hidden): ",
                    args.file.display()
                ))?);
            }
            other => break other?,
        }
    };
    report(&imported);
    Ok(())
}

fn report(imported: &AppExportImported) {
    let verb = if imported.dry_run {
        "would add"
    } else {
        "added"
    };
    for device in &imported.devices {
        eprintln!("{verb} `{}`{}", device.name, describe(device));
    }
    for skipped in &imported.skipped {
        eprintln!(
            "skipped `{}`: {}",
            term::shown(&skipped.label),
            term::shown(&skipped.reason)
        );
    }
    for warning in &imported.warnings {
        eprintln!("otpilot: warning: {}", term::shown(warning));
    }
    let (added, skipped) = (imported.devices.len(), imported.skipped.len());
    let devices = if added == 1 { "device" } else { "devices" };
    if imported.dry_run {
        eprintln!(
            "dry run: would add {added} {devices} from the {}, skip {skipped}; nothing was added",
            imported.format
        );
    } else if added == 0 {
        eprintln!(
            "nothing to add from the {}: all {skipped} entries were skipped",
            imported.format
        );
    } else {
        eprintln!(
            "added {added} {devices} from the {}, skipped {skipped}",
            imported.format
        );
    }
    if imported.devices.iter().any(|d| d.serial_guessed) {
        eprintln!(
            "tip: serials marked `guessed` were built from the AWS account label; a device named other than its user needs `otpilot device serial NAME ARN` (see `aws iam list-mfa-devices`)"
        );
    }
}

/// " (GitHub, bob; SHA256, 8 digits, 60 s; serial arn:…)".
fn describe(device: &PlannedDevice) -> String {
    let mut parts: Vec<String> = Vec::new();
    let who: Vec<&str> = [device.issuer.as_deref(), device.account.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !who.is_empty() {
        parts.push(term::shown(&who.join(", ")).into_owned());
    }
    let p = device.params;
    parts.push(format!(
        "{}, {} digits, {} s",
        p.algorithm, p.digits, p.period
    ));
    if let Some(serial) = &device.serial {
        let guessed = if device.serial_guessed {
            " (guessed)"
        } else {
            ""
        };
        parts.push(format!("serial {}{guessed}", term::shown(serial)));
    }
    format!(" ({})", parts.join("; "))
}

/// The first line of stdin, without its line ending.
fn password_from_stdin() -> Result<SecretString> {
    let line = term::read_stdin_line(otpilot_core::limits::PASSWORD)
        .context("cannot read the password from stdin")?;
    Ok(SecretString::from(line.as_str()))
}
