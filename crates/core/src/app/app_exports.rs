//! Adding every TOTP account of an authenticator app's export (`otpilot device import`, the
//! window's "From an authenticator app's export"): how the devices are named, which AWS
//! serial an entry gets, what is already here and is skipped, all together or not at all.

use std::collections::HashSet;
use std::path::PathBuf;

use super::Session;
use crate::device::{name_from, unique_name, validate_name, validate_serial, NewDevice};
use crate::error::Result;
use crate::import::apps::{self, Skipped};
use crate::import::ImportedAccount;
use crate::secret::SecretString;
use crate::totp::TotpParams;

/// A request to add the accounts of one export.
pub struct AppExportImport {
    pub path: PathBuf,
    /// For an encrypted export; ignored for a plain one.
    pub password: Option<SecretString>,
    /// Put in front of every name, joined with `-` (`phone` → `phone-GitHub-alice`).
    pub prefix: Option<String>,
    /// Work out and return the plan; add nothing.
    pub dry_run: bool,
}

/// A device the import adds (or, in a dry run, would add).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDevice {
    pub name: String,
    pub issuer: Option<String>,
    pub account: Option<String>,
    pub serial: Option<String>,
    /// The serial was built from an AWS account label (`NAME@ACCOUNT`), not read whole from
    /// the entry: the person should check it.
    pub serial_guessed: bool,
    pub params: TotpParams,
}

/// What an import added (or would add), and what it passed over.
pub struct AppExportImported {
    /// The export's kind, as the person would name it ("Aegis export").
    pub format: &'static str,
    pub devices: Vec<PlannedDevice>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    pub dry_run: bool,
}

impl Session {
    /// Reads the export, plans a device for each TOTP account (not for one whose seed is
    /// already here), and adds them all together, or, in a dry run, nothing.
    pub fn import_app_export(&self, request: AppExportImport) -> Result<AppExportImported> {
        let prefix = request
            .prefix
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        if let Some(prefix) = prefix {
            validate_name(prefix)?;
        }
        let export = apps::read(&request.path, request.password.as_ref())?;
        let devices = self.devices();
        let existing = devices.list()?;
        // Seeds already here, to skip an account imported before (a second run adds nothing).
        let mut known: Vec<(String, ImportedAccount)> = Vec::new();
        for device in &existing {
            if let Ok(seed) = devices.seed(device) {
                known.push((
                    device.name.clone(),
                    ImportedAccount {
                        seed,
                        params: device.params,
                        issuer: None,
                        account: None,
                    },
                ));
            }
        }
        let mut taken_names: HashSet<String> = existing.iter().map(|d| d.name.clone()).collect();
        let mut taken_serials: Vec<(String, String)> = existing
            .iter()
            .filter_map(|d| Some((d.serial.clone()?, d.name.clone())))
            .collect();

        let mut skipped = export.skipped;
        let mut warnings = export.warnings;
        let mut planned = Vec::new();
        let mut new = Vec::new();
        for account in export.accounts {
            let label = label(&account);
            if let Some((name, _)) = known
                .iter()
                .find(|(_, k)| k.seed == account.seed && k.params == account.params)
            {
                skipped.push(Skipped {
                    label,
                    reason: format!("its seed is already in Otpilot as `{name}`"),
                });
                continue;
            }
            let base = name_from(
                &[
                    prefix,
                    account.issuer.as_deref(),
                    account.account.as_deref(),
                ]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("-"),
            );
            let base = if account.issuer.is_none() && account.account.is_none() {
                name_from(&[prefix.unwrap_or_default(), "imported"].join("-"))
            } else {
                base
            };
            let name = unique_name(&base, |n| taken_names.contains(n));
            taken_names.insert(name.clone());
            let (mut serial, serial_guessed) =
                match aws_serial(account.issuer.as_deref(), account.account.as_deref()) {
                    Some((serial, guessed)) => (Some(serial), guessed),
                    None => (None, false),
                };
            if let Some(s) = &serial {
                if let Some((_, owner)) = taken_serials.iter().find(|(t, _)| t == s) {
                    warnings.push(format!(
                        "{label}: the serial {s} already belongs to `{owner}`, so `{name}` gets none"
                    ));
                    serial = None;
                } else {
                    taken_serials.push((s.clone(), name.clone()));
                }
            }
            planned.push(PlannedDevice {
                name: name.clone(),
                issuer: account.issuer.clone(),
                account: account.account.clone(),
                serial: serial.clone(),
                serial_guessed: serial_guessed && serial.is_some(),
                params: account.params,
            });
            // The same seed twice in one export: the first is kept.
            known.push((
                name.clone(),
                ImportedAccount {
                    seed: account.seed.clone(),
                    params: account.params,
                    issuer: None,
                    account: None,
                },
            ));
            new.push(NewDevice {
                name,
                serial,
                account,
                seal: None,
            });
        }
        if !request.dry_run && !new.is_empty() {
            devices.add(new, false)?;
        }
        Ok(AppExportImported {
            format: export.format.name(),
            devices: planned,
            skipped,
            warnings,
            dry_run: request.dry_run,
        })
    }
}

fn label(account: &ImportedAccount) -> String {
    match (&account.issuer, &account.account) {
        (Some(i), Some(a)) => format!("{i}: {a}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => "(no name)".to_owned(),
    }
}

/// The AWS MFA serial an entry names: an `arn:aws…:iam::ACCOUNT:mfa/NAME` anywhere in its
/// label, read whole; or, for an entry that mentions AWS with an account label in the form
/// AWS writes into its QR codes (`NAME@ACCOUNT`), the virtual device's ARN built from it
/// (`true`: guessed, since a device may be named other than its user).
pub fn aws_serial(issuer: Option<&str>, account: Option<&str>) -> Option<(String, bool)> {
    // A label that is an ARN was split at its first `:` by the otpauth rules: join it again.
    let whole = [issuer.unwrap_or_default(), account.unwrap_or_default()].join(":");
    if let Some(at) = whole.find("arn:aws") {
        let arn: String = whole[at..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if validate_serial(&arn).is_ok() {
            return Some((arn, false));
        }
    }
    let lower = whole.to_ascii_lowercase();
    let mentions_aws = lower.contains("amazon web services")
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word == "aws");
    if !mentions_aws {
        return None;
    }
    let (name, account_id) = account?.trim().rsplit_once('@')?;
    let arn = format!("arn:aws:iam::{account_id}:mfa/{name}");
    validate_serial(&arn).ok()?;
    Some((arn, true))
}

#[cfg(test)]
mod tests;
