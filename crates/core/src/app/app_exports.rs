//! Adding every TOTP account of an authenticator app's export (`otpilot device import`, the
//! window's "From an authenticator app's export"): how the devices are named, which AWS
//! serial an entry gets, what is already here and is skipped, all together or not at all.

use std::collections::HashSet;
use std::path::PathBuf;

use super::Session;
use crate::device::{
    name_from, no_pin, unique_name, validate_name, validate_serial, Device, Devices, Location,
    NewDevice, Seal,
};
use crate::error::Result;
use crate::import::apps::{self, Skipped};
use crate::import::ImportedAccount;
use crate::secret::SecretString;
use crate::totp::{Totp, TotpParams, TotpSeed};

/// A request to add the accounts of one export.
pub struct AppExportImport {
    pub path: PathBuf,
    /// For an encrypted export; ignored for a plain one.
    pub password: Option<SecretString>,
    /// Put in front of every name, joined with `-` (`phone` → `phone-GitHub-alice`).
    pub prefix: Option<String>,
    /// Work out and return the plan; add nothing.
    pub dry_run: bool,
    /// Seal every added seed in the TPM instead of keeping it in the store.
    pub seal: Option<Seal>,
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
        let mut warnings = Vec::new();
        // What is already here, to skip an account imported before (a second run adds
        // nothing, and a seed sealed in the TPM does not come back into the store).
        let mut known: Vec<Known> = existing
            .iter()
            .filter_map(|d| Known::of(&devices, d, &mut warnings))
            .collect();
        let mut taken_names: HashSet<String> = existing.iter().map(|d| d.name.clone()).collect();
        let mut taken_serials: Vec<(String, String)> = existing
            .iter()
            .filter_map(|d| Some((d.serial.clone()?, d.name.clone())))
            .collect();

        let mut skipped = export.skipped;
        let mut planned = Vec::new();
        let mut new = Vec::new();
        // A caveat (a short seed) is said only for an account this import adds.
        let mut account_warnings = export.account_warnings;
        for (index, account) in export.accounts.into_iter().enumerate() {
            let label = label(&account);
            if let Some(reason) = known.iter().find_map(|k| k.same_as(&account)) {
                skipped.push(Skipped { label, reason });
                continue;
            }
            let (mut serial, serial_guessed) =
                match aws_serial(account.issuer.as_deref(), account.account.as_deref()) {
                    Some((serial, guessed)) => (Some(serial), guessed),
                    None => (None, false),
                };
            let name = import_name(prefix, &account, serial.as_deref(), |n| {
                taken_names.contains(n)
            });
            taken_names.insert(name.clone());
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
            warnings.extend(account_warnings.remove(&index).unwrap_or_default());
            planned.push(PlannedDevice {
                name: name.clone(),
                issuer: account.issuer.clone(),
                account: account.account.clone(),
                serial: serial.clone(),
                serial_guessed: serial_guessed && serial.is_some(),
                params: account.params,
            });
            // The same seed twice in one export: the first is kept.
            known.push(Known::Seed {
                name: name.clone(),
                seed: account.seed.clone(),
                params: account.params,
            });
            new.push(NewDevice {
                name,
                serial,
                account,
                seal: request.seal.clone(),
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

/// The steps whose codes stand for a sealed seed: three codes matching by chance is a
/// one-in-10^18 event.
const FINGERPRINT_STEPS: [u64; 3] = [0, 1, 2];

/// A device already here, as an import can recognise it.
enum Known {
    /// A seed in the store: compared directly.
    Seed {
        name: String,
        seed: TotpSeed,
        params: TotpParams,
    },
    /// A seed sealed in the TPM: compared by the codes the TPM makes for fixed steps.
    Codes {
        name: String,
        params: TotpParams,
        codes: Vec<String>,
    },
    /// A sealed seed that cannot be asked now (its key has a PIN, or the TPM does not
    /// answer): compared by issuer and account.
    Label {
        name: String,
        params: TotpParams,
        issuer: Option<String>,
        account: Option<String>,
    },
}

impl Known {
    fn of(devices: &Devices<'_>, d: &Device, warnings: &mut Vec<String>) -> Option<Self> {
        let label = || Known::Label {
            name: d.name.clone(),
            params: d.params,
            issuer: d.issuer.clone(),
            account: d.account.clone(),
        };
        match d.location {
            Location::Store => devices.seed(d).ok().map(|seed| Known::Seed {
                name: d.name.clone(),
                seed,
                params: d.params,
            }),
            Location::Tpm if d.tpm_pin => Some(label()),
            Location::Tpm => match devices
                .totp(d, &no_pin)
                .and_then(|t| t.codes_for_steps(&FINGERPRINT_STEPS))
            {
                Ok(codes) => Some(Known::Codes {
                    name: d.name.clone(),
                    params: d.params,
                    codes,
                }),
                Err(e) => {
                    warnings.push(format!(
                        "`{}` is sealed in the TPM, which did not answer ({e}); entries with its issuer and account are skipped",
                        d.name
                    ));
                    Some(label())
                }
            },
        }
    }

    /// Why `account` is skipped as this device, if it is this device.
    fn same_as(&self, account: &ImportedAccount) -> Option<String> {
        match self {
            Known::Seed { name, seed, params } => (*seed == account.seed
                && *params == account.params)
                .then(|| format!("its seed is already in Otpilot as `{name}`")),
            Known::Codes {
                name,
                params,
                codes,
            } => (*params == account.params
                && Totp::new(&account.seed, account.params)
                    .and_then(|t| t.codes_for_steps(&FINGERPRINT_STEPS))
                    .is_ok_and(|c| c == *codes))
            .then(|| format!("its seed is already sealed in the TPM as `{name}`")),
            Known::Label {
                name,
                params,
                issuer,
                account: label,
            } => (*params == account.params
                && (issuer.is_some() || label.is_some())
                && *issuer == account.issuer
                && *label == account.account)
                .then(|| format!("`{name}`, sealed in the TPM, has the same issuer and account (its seed cannot be compared without the TPM or its PIN)")),
        }
    }
}

/// A short, readable device name for an imported entry: `[PREFIX-]ISSUER-ACCOUNT`, except
/// that an AWS entry is `[PREFIX-]AWS-USER`, with the IAM name from its serial (`mfa/dave`),
/// and `AWS-USER-ACCOUNTID` when that is taken; an account that only repeats the issuer is
/// left out. Then `-2`, `-3`, ... while the name is `taken`.
fn import_name(
    prefix: Option<&str>,
    account: &ImportedAccount,
    serial: Option<&str>,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut candidates: Vec<String> = Vec::new();
    if let Some((account_id, user)) = serial.and_then(serial_parts) {
        candidates.push(joined_name(&[prefix, Some("AWS"), Some(user)]));
        candidates.push(joined_name(&[
            prefix,
            Some("AWS"),
            Some(user),
            Some(account_id),
        ]));
    } else {
        let issuer = account.issuer.as_deref().map(str::trim);
        let user = account
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| issuer.is_none_or(|i| !a.eq_ignore_ascii_case(i)));
        if issuer.is_none() && user.is_none() {
            candidates.push(joined_name(&[prefix, Some("imported")]));
        } else {
            candidates.push(joined_name(&[prefix, issuer, user]));
        }
    }
    match candidates.iter().find(|c| !taken(c)) {
        Some(free) => free.clone(),
        None => unique_name(&candidates[0], taken),
    }
}

/// The account id and the device's own name in an MFA serial
/// (`arn:aws:iam::210987654321:mfa/path/dave` → `210987654321`, `dave`).
fn serial_parts(serial: &str) -> Option<(&str, &str)> {
    let account_id = serial.split(':').nth(4).filter(|id| !id.is_empty())?;
    let user = serial.rsplit('/').next().filter(|u| !u.is_empty())?;
    Some((account_id, user))
}

/// The parts that are there, joined with `-` as a valid device name, with no `--` runs and
/// no `-` at either end.
fn joined_name(parts: &[Option<&str>]) -> String {
    let text = parts
        .iter()
        .flatten()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let raw = name_from(&text);
    let mut name = String::with_capacity(raw.len());
    for c in raw.chars() {
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    let name = name.trim_end_matches('-');
    if validate_name(name).is_ok() {
        name.to_owned()
    } else {
        raw
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
