//! `otpilot device ...`: add, list, remove, rename, serial, qr.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use otpilot_core::app::{DeviceImport, ImportSource, SeedPlace};
use otpilot_core::device::{Device, Location};
use otpilot_core::qr;
use otpilot_core::secret::SecretString;
use serde::Serialize;

use super::Ctx;
use crate::cli::{AddArgs, DeviceCommand};
use crate::term;

pub fn run(ctx: &Ctx, command: DeviceCommand) -> Result<()> {
    match command {
        DeviceCommand::Add(args) => add(ctx, args),
        DeviceCommand::Import(args) => super::device_import::run(ctx, args),
        DeviceCommand::List { json } => list(ctx, json),
        DeviceCommand::Remove { name, yes } => {
            let devices = ctx.devices();
            let device = devices.find(&name)?;
            term::confirm_or_yes(
                yes,
                &format!(
                    "Remove `{}` and delete its {}? Without a backup you cannot make its codes again.",
                    device.name,
                    match device.location {
                        Location::Tpm => "TPM-sealed key",
                        Location::Store => "seed from the keyring",
                    }
                ),
            )?;
            devices.remove(&device.name)?;
            eprintln!("removed device `{}` and its seed", device.name);
            Ok(())
        }
        DeviceCommand::Rename { old, new } => {
            let device = ctx.devices().rename(&old, &new)?;
            eprintln!("renamed `{old}` to `{}`", device.name);
            Ok(())
        }
        DeviceCommand::Serial {
            name,
            serial,
            clear: _,
        } => {
            let device = ctx.devices().set_serial(&name, serial.as_deref())?;
            match &device.serial {
                Some(serial) => {
                    eprintln!("`{}` now answers for {}", device.name, term::shown(serial))
                }
                None => eprintln!("`{}` has no serial now", device.name),
            }
            Ok(())
        }
        DeviceCommand::Qr { name, png, yes } => show_qr(ctx, &name, png.as_deref(), yes),
        DeviceCommand::Protect { name, tpm_pin } => {
            let device = ctx.devices().find(&name)?;
            if device.location == Location::Tpm {
                bail!("`{}` is sealed in the TPM already", device.name);
            }
            let seal = term::seal_from(true, tpm_pin)?.expect("asked for the TPM");
            let device = ctx.session.protect_device(&device.name, &seal)?;
            eprintln!(
                "sealed `{}` in the TPM{}: its codes are computed there, and Otpilot keeps only the TPM-wrapped key",
                device.name,
                if device.tpm_pin { " with a PIN" } else { "" }
            );
            Ok(())
        }
    }
}

fn add(ctx: &Ctx, args: AddArgs) -> Result<()> {
    let source = if let Some(path) = args.qr {
        ImportSource::QrImage(path)
    } else if let Some(path) = args.aws_seed_file {
        ImportSource::AwsSeedFile(path)
    } else {
        ImportSource::Text(read_secret_text()?)
    };
    let seal = term::seal_from(args.tpm.tpm, args.tpm.tpm_pin)?;
    let added = ctx.session.import_devices(DeviceImport {
        name: args.name,
        source,
        serial: args.serial,
        force: args.force,
        seal,
    })?;
    for warning in &added.warnings {
        eprintln!("otpilot: warning: {}", term::shown(warning));
    }
    for d in &added.devices {
        let about = describe(d);
        let sealed = match d.location {
            Location::Tpm => ", sealed in the TPM",
            Location::Store => "",
        };
        eprintln!(
            "added device `{}` from the {}{about}{sealed}",
            d.name, added.source
        );
    }
    if added.devices.iter().all(|d| d.serial.is_none()) {
        eprintln!(
            "tip: link it to AWS with `otpilot device serial {} arn:aws:iam::ACCOUNT:mfa/NAME`",
            added.devices[0].name
        );
    }
    Ok(())
}

/// Reads the pasted secret: from stdin when it is piped, or from a hidden terminal prompt.
fn read_secret_text() -> Result<SecretString> {
    if term::stdin_is_terminal() {
        return term::prompt_secret(
            "Paste the base32 seed, otpauth:// URI or otpauth-migration:// export (hidden): ",
        );
    }
    let bytes = term::read_stdin(otpilot_core::limits::PASTED_SECRET)?;
    let text = std::str::from_utf8(&bytes).context("the secret on stdin is not UTF-8 text")?;
    Ok(SecretString::from(text))
}

fn describe(d: &Device) -> String {
    let mut parts = Vec::new();
    if let Some(issuer) = &d.issuer {
        parts.push(issuer.clone());
    }
    if let Some(account) = &d.account {
        parts.push(account.clone());
    }
    if let Some(serial) = &d.serial {
        parts.push(serial.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", term::shown(&parts.join(", ")))
    }
}

#[derive(Serialize)]
struct DeviceJson<'a> {
    name: &'a str,
    id: &'a str,
    serial: Option<&'a str>,
    issuer: Option<&'a str>,
    account: Option<&'a str>,
    algorithm: &'static str,
    digits: u8,
    period: u64,
    added: u64,
    /// Where the seed really is: `keyring`, `vault`, `tpm`, `missing`, or `unknown` (the
    /// store could not be read).
    location: &'static str,
    tpm_pin: bool,
}

fn list(ctx: &Ctx, json: bool) -> Result<()> {
    let devices = ctx.devices().list()?;
    let store = ctx.session.configured_store();
    let places = ctx.session.seed_places(&devices);
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<DeviceJson> = devices
            .iter()
            .zip(&places)
            .map(|(d, place)| DeviceJson {
                name: &d.name,
                id: &d.id,
                serial: d.serial.as_deref(),
                issuer: d.issuer.as_deref(),
                account: d.account.as_deref(),
                algorithm: d.params.algorithm.as_str(),
                digits: d.params.digits,
                period: d.params.period,
                added: d.added,
                location: place.as_str(),
                tpm_pin: d.tpm_pin,
            })
            .collect();
        writeln!(out, "{}", otpilot_core::text::json_pretty(&rows)?)?;
        return Ok(());
    }
    if devices.is_empty() {
        eprintln!("no devices yet; add one with `otpilot device add NAME`");
        return Ok(());
    }
    let width = devices
        .iter()
        .map(|d| d.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:width$}  {:14}  {:9}  {:44}  ISSUER / ACCOUNT",
        "NAME", "TYPE", "SEED IN", "SERIAL"
    )?;
    for (d, place) in devices.iter().zip(&places) {
        let kind = format!(
            "{} {}d/{}s",
            d.params.algorithm, d.params.digits, d.params.period
        );
        let who = [d.issuer.as_deref(), d.account.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        let home = match (place, d.tpm_pin) {
            (SeedPlace::Tpm, true) => "tpm+PIN".to_owned(),
            (SeedPlace::OtherStore(kind), _) => format!("{}*", kind.as_str()),
            (SeedPlace::Unknown, _) => "?".to_owned(),
            (place, _) => place.as_str().to_owned(),
        };
        writeln!(
            out,
            "{:width$}  {:14}  {:9}  {:44}  {}",
            term::shown(&d.name),
            kind,
            home,
            term::shown(d.serial.as_deref().unwrap_or("-")),
            term::shown(if who.is_empty() { "-" } else { &who })
        )?;
    }
    out.flush()?;
    let store = store.as_str();
    if let Some(SeedPlace::OtherStore(other)) = places
        .iter()
        .find(|p| matches!(p, SeedPlace::OtherStore(_)))
    {
        eprintln!(
            "* in the {}, not in Otpilot's store (the {store}): move it with `otpilot vault migrate --to {store}`",
            other.as_str()
        );
    }
    if places.contains(&SeedPlace::Missing) {
        eprintln!("missing: in no store; add the seed again with `otpilot device add NAME --force` (the serial is kept)");
    }
    if places.contains(&SeedPlace::Unknown) {
        eprintln!("?: the {store} could not be read; unlock it (`otpilot unlock` for the vault) and list again");
    }
    Ok(())
}

pub(super) fn show_qr(ctx: &Ctx, name: &str, png: Option<&Path>, yes: bool) -> Result<()> {
    let devices = ctx.devices();
    let device = devices.find(name)?;
    // Read first: a sealed seed is refused before anyone is asked anything.
    let uri = devices.otpauth_uri(&device)?;
    if let Some(path) = png {
        if path.exists() {
            bail!("{} already exists; choose a new file name", path.display());
        }
    }
    term::confirm_or_yes(
        yes,
        &format!(
            "The QR code holds the seed of `{}`: anyone who sees it can make your codes. Show it?",
            device.name
        ),
    )?;
    show_uri_qr(&uri, png)
}

/// Draws (or writes as a PNG) the QR code of an otpauth URI, for a phone backup.
pub(super) fn show_uri_qr(uri: &SecretString, png: Option<&Path>) -> Result<()> {
    match png {
        Some(path) => {
            let bytes = qr::to_png(uri.expose())?;
            otpilot_core::atomic::write_private(path, &bytes)?;
            eprintln!(
                "wrote {} (mode 0600); it holds the seed: delete it once your phone has scanned it",
                path.display()
            );
        }
        None => {
            let drawing = qr::to_terminal(uri.expose())?;
            let mut out = std::io::stdout().lock();
            out.write_all(drawing.as_bytes())?;
            writeln!(out)?;
            eprintln!("scan this with your authenticator app, then clear the screen");
        }
    }
    Ok(())
}
