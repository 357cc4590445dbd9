//! The MFA device lifecycle of an IAM user: enrol, list, resync, rotate and remove virtual
//! MFA devices, in one step each where the AWS guides take a dozen.
//!
//! The order of every operation is chosen so that a failure part-way leaves the user with
//! a working device and nothing lost:
//! - enrol stores the new seed in the keyring the moment IAM returns it, before enabling;
//!   when enabling fails (and IAM confirms the device is not enabled) it deletes the new
//!   virtual device and forgets the seed;
//! - rotate enrols the new device, proves it with a real GetSessionToken, switches the AWS
//!   config, and only then deactivates and deletes the old one;
//! - removing and deactivating are done with an MFA session of the device itself, which is
//!   what an MFA-enforcing policy (`otpilot policy enforce-mfa`) requires.
//!
//! The two codes of EnableMFADevice/ResyncMFADevice are computed from the seed for the
//! current step and the next (no waiting), and claimed in the step ledger so no later STS
//! call reuses them.

use std::path::PathBuf;

use crate::audit::{AuditEntry, EventKind};
use crate::aws::client::{iam_target, sts_target, ServiceTarget};
use crate::aws::config_edit::edit_aws_config;
use crate::aws::iam::{EnabledDevice, IamApi, IamUser};
use crate::aws::profile::Profiles;
use crate::broker::Broker;
use crate::clock::unix_now;
use crate::credentials::Credentials;
use crate::device::{name_from, Device, Devices, NewDevice, Seal};
use crate::error::{Error, Result};
use crate::import::ImportedAccount;
use crate::mfa::MfaCodeSource;
use crate::secret::SecretString;
use crate::totp::{Totp, TotpParams};

/// Shortest session STS issues: enough to deactivate a device.
const SESSION_SECONDS: u32 = 900;
/// The config keys that name a profile's MFA device (the second after `profile setup`).
const SERIAL_KEYS: [&str; 2] = ["mfa_serial", "otpilot_mfa_serial"];

pub struct Lifecycle<'a> {
    pub broker: &'a Broker<'a>,
    pub iam: &'a dyn IamApi,
}

/// A profile's long-term keys and where its IAM and STS calls go.
pub(crate) struct AccountKeys {
    /// The profile holding the keys (the chain's source).
    pub profile: String,
    pub keys: Credentials,
    pub iam: ServiceTarget,
    pub sts: ServiceTarget,
}

impl AccountKeys {
    pub fn of(broker: &Broker<'_>, profile: &str) -> Result<Self> {
        let profiles = Profiles::load(&broker.files)?;
        let resolved = profiles.resolve(profile)?;
        let keys = Credentials::from_long_term(&broker.long_term_keys(profile)?);
        let sts = sts_target(&resolved);
        let iam = iam_target(&resolved);
        Ok(Self {
            profile: resolved.source_profile.clone(),
            keys,
            iam,
            sts,
        })
    }
}

/// An IAM user reached through a profile's long-term keys.
struct Account {
    profile: String,
    keys: Credentials,
    user: IamUser,
    iam: ServiceTarget,
    sts: ServiceTarget,
}

/// Sealing a new device's seed in the TPM at enrolment. `backup` is given the device's name
/// and otpauth URI before sealing (to show a QR code for a phone); an error from it cancels
/// the enrolment.
pub struct SealAtEnrol<'a> {
    pub seal: Seal,
    pub backup: &'a dyn Fn(&str, &SecretString) -> Result<()>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolled {
    pub user: String,
    pub serial: String,
    /// Otpilot's name of the new device (`otpilot code NAME`, `otpilot device qr NAME`).
    pub device: String,
    /// Profiles whose `mfa_serial` now names the new device.
    pub profiles_updated: Vec<String>,
    /// Where the AWS config was saved before it was changed.
    pub backup: Option<PathBuf>,
    /// Enrolment only: the serial the enrolled profile already named, and so still names
    /// (see [`Enrolled::kept_note`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_serial: Option<String>,
}

impl Enrolled {
    /// What to tell the person when `profile` kept the device it named before.
    pub fn kept_note(&self, profile: &str) -> Option<String> {
        self.kept_serial.as_ref().map(|old| {
            format!(
                "profile `{profile}` already names MFA device {old}, so it was left as it is; to use the new device there, set its mfa_serial to {new} (the window offers this), or replace the old one with `otpilot mfa rotate --profile {profile}`",
                new = self.serial
            )
        })
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ListedDevice {
    pub serial: String,
    /// Unix seconds.
    pub enabled_at: i64,
    /// Otpilot's device with this serial, if any.
    pub device: Option<String>,
    /// Whether that device's seed is in the keyring.
    pub seed_held: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Rotated {
    pub old_serial: String,
    pub new: Enrolled,
    /// Set when the old device could not be deactivated or deleted: it is still active and
    /// this says how to remove it.
    pub old_device_left: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Removed {
    pub user: String,
    pub serial: String,
    /// Otpilot's device whose seed was forgotten.
    pub device: Option<String>,
    /// Profiles that still name the removed device in `mfa_serial`.
    pub profiles_still_using: Vec<String>,
}

/// A profile that can enrol a device: it holds long-term keys itself (no role).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    pub profile: String,
    /// The MFA device it already names, if any.
    pub mfa_serial: Option<String>,
}

impl Lifecycle<'_> {
    /// The profiles `enroll` can work with, in the order of the AWS files.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        let profiles = Profiles::load(&self.broker.files)?;
        Ok(profiles
            .names()
            .into_iter()
            .filter_map(|name| {
                let resolved = profiles.resolve(&name).ok()?;
                if !resolved.hops.is_empty() || self.broker.long_term_keys(&name).is_err() {
                    return None;
                }
                Some(Candidate {
                    mfa_serial: resolved.mfa_serial().map(str::to_owned),
                    profile: name,
                })
            })
            .collect())
    }

    fn devices(&self) -> Devices<'_> {
        Devices::new(&self.broker.dirs.config, self.broker.store)
    }

    fn code_source<'d>(&'d self, devices: &'d Devices<'d>) -> MfaCodeSource<'d> {
        MfaCodeSource {
            devices,
            state_dir: self.broker.dirs.state.clone(),
            lock_dir: self.broker.dirs.runtime.join("locks"),
            lock_timeout: self.broker.settings.lock_timeout(),
            ui: self.broker.ui,
        }
    }

    /// The IAM user behind `profile`'s long-term keys.
    fn account(&self, profile: &str) -> Result<Account> {
        let AccountKeys {
            profile,
            keys,
            iam,
            sts,
        } = AccountKeys::of(self.broker, profile)?;
        let user = self
            .iam
            .get_user(&iam, &keys)
            .map_err(|f| f.into_error("GetUser"))?;
        Ok(Account {
            profile,
            keys,
            user,
            iam,
            sts,
        })
    }

    fn audit(&self, entry: AuditEntry) {
        self.broker.audit.record(entry);
    }

    /// Creates, stores and enables a new virtual MFA device for `profile`'s IAM user, and
    /// writes its serial into the profile when the profile has none.
    pub fn enroll(&self, profile: &str, device_name: Option<&str>) -> Result<Enrolled> {
        self.enroll_with(profile, device_name, None)
    }

    /// [`Self::enroll`], with the new seed sealed in the TPM instead of kept in the store;
    /// the phone backup is offered before sealing, as it cannot be made after.
    pub fn enroll_sealed(
        &self,
        profile: &str,
        device_name: Option<&str>,
        seal: &SealAtEnrol<'_>,
    ) -> Result<Enrolled> {
        self.enroll_with(profile, device_name, Some(seal))
    }

    fn enroll_with(
        &self,
        profile: &str,
        device_name: Option<&str>,
        seal: Option<&SealAtEnrol<'_>>,
    ) -> Result<Enrolled> {
        let account = self.account(profile)?;
        let mut enrolled = self.create_and_enable(&account, device_name, seal)?;
        let profile = account.profile.clone();
        let backup = edit_aws_config(&self.broker.files.config, |ini| {
            ini.ensure_section(&profile, false);
            match SERIAL_KEYS.iter().find_map(|k| ini.get(&profile, false, k)) {
                Some(old) => enrolled.kept_serial = Some(old),
                None => ini.set_key(&profile, false, "mfa_serial", &enrolled.serial)?,
            }
            Ok(())
        })?;
        let profiles = Profiles::load(&self.broker.files)?;
        if SERIAL_KEYS
            .iter()
            .any(|k| profiles.get_raw(&profile, k) == Some(enrolled.serial.as_str()))
        {
            enrolled.profiles_updated.push(profile);
        }
        enrolled.backup = backup;
        Ok(enrolled)
    }

    /// Steps 1-3 of enrolment: create, store the seed, enable (undoing the first two when
    /// the third fails).
    fn create_and_enable(
        &self,
        account: &Account,
        device_name: Option<&str>,
        seal: Option<&SealAtEnrol<'_>>,
    ) -> Result<Enrolled> {
        let devices = self.devices();
        // The name asked for, or a dated default with the time of day as a fallback for a
        // second device on one day (taken in IAM or among Otpilot's devices).
        let candidates = match device_name {
            Some(n) => {
                validate_iam_device_name(n)?;
                vec![n.to_owned()]
            }
            None => vec![
                default_device_name(&account.user.name, unix_now(), false),
                default_device_name(&account.user.name, unix_now(), true),
            ],
        };
        let first = name_from(&candidates[0]);
        let mut free = candidates
            .into_iter()
            .filter(|n| devices.find(&name_from(n)).is_err())
            .peekable();
        let Some(mut name) = free.next() else {
            return Err(Error::Lifecycle(format!(
                "Otpilot already has a device named `{first}`; choose another name with --device-name"
            )));
        };
        let created = loop {
            match self
                .iam
                .create_virtual_mfa_device(&account.iam, &account.keys, &name)
            {
                Err(f) if f.code == "EntityAlreadyExists" && free.peek().is_some() => {
                    name = free.next().expect("peeked");
                }
                other => break other.map_err(|f| f.into_error("CreateVirtualMFADevice"))?,
            }
        };
        let local = name_from(&name);
        let serial = created.serial.clone();
        let params = TotpParams::default();
        let totp = Totp::new(&created.seed, params)?;
        let issuer = "Amazon Web Services";
        let label = format!("{}@{}", account.user.name, account.user.account());
        if let Some(seal) = seal {
            // The last moment a phone backup can be made: after sealing, no one can read the
            // seed. Refusing it undoes the creation.
            let uri = crate::otpauth::to_uri(&created.seed, params, Some(issuer), &label);
            if let Err(e) = (seal.backup)(&local, &uri) {
                self.delete_virtual_device(account, &serial);
                return Err(e);
            }
        }
        // The seed goes to the keyring (or the TPM) before anything else can fail.
        let stored = devices.add(
            vec![NewDevice {
                name: local.clone(),
                serial: Some(serial.clone()),
                account: ImportedAccount::new(created.seed, params, Some(issuer), Some(&label)),
                seal: seal.map(|s| s.seal.clone()),
            }],
            false,
        );
        if let Err(e) = stored {
            self.delete_virtual_device(account, &serial);
            return Err(e);
        }
        let step = self
            .code_source(&devices)
            .claim_steps(&serial, params.period, 2)?;
        let [code1, code2]: [String; 2] = totp
            .codes_for_steps(&[step, step + 1])?
            .try_into()
            .expect("two codes");
        let enabled = self.iam.enable_mfa_device(
            &account.iam,
            &account.keys,
            &account.user.name,
            &serial,
            (&code1, &code2),
        );
        if let Err(failure) = enabled {
            // A lost answer may hide a success: never delete a device IAM has enabled.
            let listed = self
                .iam
                .list_mfa_devices(&account.iam, &account.keys, &account.user.name);
            let is_enabled = listed.is_ok_and(|l| l.iter().any(|d| d.serial == serial));
            if !is_enabled {
                self.delete_virtual_device(account, &serial);
                let _ = devices.remove(&local);
                return Err(Error::Lifecycle(format!(
                    "enabling the new MFA device failed ({}); the device was deleted again and its seed forgotten, so nothing changed",
                    failure.message
                )));
            }
            tracing::debug!("EnableMFADevice failed but the device is enabled: {failure:?}");
        }
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            user: Some(account.user.name.clone()),
            device: Some(local.clone()),
            serial: Some(serial.clone()),
            operation: Some("EnableMFADevice".into()),
            ..AuditEntry::new(EventKind::MfaEnrolled)
        });
        Ok(Enrolled {
            user: account.user.name.clone(),
            serial,
            device: local,
            profiles_updated: Vec::new(),
            backup: None,
            kept_serial: None,
        })
    }

    fn delete_virtual_device(&self, account: &Account, serial: &str) {
        if let Err(f) = self
            .iam
            .delete_virtual_mfa_device(&account.iam, &account.keys, serial)
        {
            self.broker.ui.notice(&format!(
                "could not delete the unused virtual MFA device {serial} ({}); delete it in the IAM console",
                f.message
            ));
        }
    }

    /// The IAM user and its MFA devices, each marked with the Otpilot device holding its seed.
    pub fn list(&self, profile: &str) -> Result<(IamUser, Vec<ListedDevice>)> {
        let account = self.account(profile)?;
        let enabled = self
            .iam
            .list_mfa_devices(&account.iam, &account.keys, &account.user.name)
            .map_err(|f| f.into_error("ListMFADevices"))?;
        let devices = self.devices();
        let local = devices.list()?;
        let listed = enabled
            .into_iter()
            .map(|EnabledDevice { serial, enabled_at }| {
                let device = crate::device::by_serial(&local, &serial);
                ListedDevice {
                    seed_held: device.is_some_and(|d| devices.secret_present(d).unwrap_or(false)),
                    device: device.map(|d| d.name.clone()),
                    serial,
                    enabled_at,
                }
            })
            .collect();
        Ok((account.user, listed))
    }

    /// ResyncMFADevice with the codes of the current and next step from the stored seed.
    pub fn resync(&self, device: &str, profile: Option<&str>) -> Result<(String, String)> {
        let devices = self.devices();
        let (stored, serial) = self.stored_device(&devices, device)?;
        let profile = self.profile_for(profile, &serial)?;
        let account = self.account(&profile)?;
        let totp = devices.totp(&stored, &|name| self.broker.ui.tpm_pin(name))?;
        let step = self
            .code_source(&devices)
            .claim_steps(&serial, stored.params.period, 2)?;
        let [code1, code2]: [String; 2] = totp
            .codes_for_steps(&[step, step + 1])?
            .try_into()
            .expect("two codes");
        self.iam
            .resync_mfa_device(
                &account.iam,
                &account.keys,
                &account.user.name,
                &serial,
                (&code1, &code2),
            )
            .map_err(|f| f.into_error("ResyncMFADevice"))?;
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            user: Some(account.user.name.clone()),
            device: Some(stored.name.clone()),
            serial: Some(serial.clone()),
            operation: Some("ResyncMFADevice".into()),
            ..AuditEntry::new(EventKind::MfaResynced)
        });
        Ok((account.user.name, serial))
    }

    /// Replaces `profile`'s MFA device: enrol a new one, prove it with GetSessionToken,
    /// switch every profile naming the old serial, then deactivate and delete the old one
    /// (with the new device's MFA session) and forget its seed.
    pub fn rotate(&self, profile: &str, device_name: Option<&str>) -> Result<Rotated> {
        self.rotate_with(profile, device_name, None)
    }

    /// [`Self::rotate`], with the new seed sealed in the TPM (the backup offered first).
    pub fn rotate_sealed(
        &self,
        profile: &str,
        device_name: Option<&str>,
        seal: &SealAtEnrol<'_>,
    ) -> Result<Rotated> {
        self.rotate_with(profile, device_name, Some(seal))
    }

    fn rotate_with(
        &self,
        profile: &str,
        device_name: Option<&str>,
        seal: Option<&SealAtEnrol<'_>>,
    ) -> Result<Rotated> {
        let profiles = Profiles::load(&self.broker.files)?;
        let resolved = profiles.resolve(profile)?;
        let old_serial = resolved.mfa_serial().map(str::to_owned).ok_or_else(|| {
            Error::Lifecycle(format!(
                "profile `{profile}` has no mfa_serial to rotate; enrol a first device with `otpilot mfa enroll --profile {profile}`"
            ))
        })?;
        let account = self.account(profile)?;
        let old_was_sealed = self
            .devices()
            .by_serial(&old_serial)?
            .is_some_and(|d| d.location == crate::device::Location::Tpm);
        let mut new = self.create_and_enable(&account, device_name, seal)?;
        if old_was_sealed && seal.is_none() {
            self.broker.ui.warn(&format!(
                "the old device was sealed in the TPM, but the new one, `{}`, keeps its seed in the store; seal it with `otpilot device protect {}` (after its phone backup)",
                new.device, new.device
            ));
        }
        // The new device must work before the old one goes: one real MFA session with it.
        self.broker.ui.notice(
            "checking the new device with AWS (its first two codes went to enabling it, so this waits for the next one)",
        );
        let session = match self.mfa_session(&account, &new.serial) {
            Ok(session) => session,
            Err(e) => {
                return Err(Error::Lifecycle(format!(
                    "the new MFA device {} is enabled but AWS did not accept its code ({e}); the old device and your AWS config are unchanged; remove the new one with `otpilot mfa remove {}` once this is understood",
                    new.serial, new.device
                )))
            }
        };
        let (updated, backup) = self.switch_serial(&old_serial, &new.serial)?;
        new.profiles_updated = updated;
        new.backup = backup;
        let old_device_left = self.retire(&account, &session, &old_serial).err();
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            user: Some(account.user.name.clone()),
            device: Some(new.device.clone()),
            serial: Some(new.serial.clone()),
            old_serial: Some(old_serial.clone()),
            ..AuditEntry::new(EventKind::MfaRotated)
        });
        Ok(Rotated {
            old_serial,
            new,
            old_device_left,
        })
    }

    /// Deactivates `serial`, deletes it when it is a virtual device, and forgets its seed.
    /// The error says what is left and how to finish.
    fn retire(
        &self,
        account: &Account,
        session: &Credentials,
        serial: &str,
    ) -> std::result::Result<(), String> {
        self.iam
            .deactivate_mfa_device(&account.iam, session, &account.user.name, serial)
            .map_err(|f| {
                format!(
                    "the old device {serial} is still active: DeactivateMFADevice failed ({}); remove it with `otpilot mfa remove {serial}`",
                    f.message
                )
            })?;
        if serial.contains(":mfa/") {
            self.iam
                .delete_virtual_mfa_device(&account.iam, session, serial)
                .map_err(|f| {
                    format!(
                        "the old device {serial} is deactivated but not deleted ({}); delete it in the IAM console",
                        f.message
                    )
                })?;
        }
        let devices = self.devices();
        if devices.find(serial).is_ok() {
            devices
                .remove(serial)
                .map_err(|e| format!("the old device's seed could not be forgotten: {e}"))?;
        }
        Ok(())
    }

    /// Deactivates and deletes a device with an MFA session of its own, and forgets its seed.
    /// The caller has asked the person to confirm.
    pub fn remove(&self, device: &str, profile: Option<&str>) -> Result<Removed> {
        let devices = self.devices();
        let (stored, serial) = match devices.find(device) {
            Ok(d) => {
                let serial = d.serial.clone().ok_or_else(|| no_serial(&d))?;
                (Some(d), serial)
            }
            Err(_) if device.starts_with("arn:") => (None, device.to_owned()),
            Err(e) => return Err(e),
        };
        let profile = self.profile_for(profile, &serial)?;
        let account = self.account(&profile)?;
        let session = self.mfa_session(&account, &serial)?;
        self.retire(&account, &session, &serial)
            .map_err(Error::Lifecycle)?;
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            user: Some(account.user.name.clone()),
            device: stored.as_ref().map(|d| d.name.clone()),
            serial: Some(serial.clone()),
            operation: Some("DeactivateMFADevice".into()),
            ..AuditEntry::new(EventKind::MfaRemoved)
        });
        let profiles = Profiles::load(&self.broker.files)?;
        let profiles_still_using = profiles
            .names()
            .into_iter()
            .filter(|p| {
                SERIAL_KEYS
                    .iter()
                    .any(|k| profiles.get_raw(p, k) == Some(&serial))
            })
            .collect();
        Ok(Removed {
            user: account.user.name,
            serial,
            device: stored.map(|d| d.name),
            profiles_still_using,
        })
    }

    /// A short MFA session with `serial` (a fresh code from its seed, the profile's
    /// mfa_process, or the person).
    fn mfa_session(&self, account: &Account, serial: &str) -> Result<Credentials> {
        let devices = self.devices();
        let code = self
            .code_source(&devices)
            .code(&account.profile, serial, None)?;
        let out = self
            .broker
            .sts
            .get_session_token(
                &account.sts,
                &account.keys,
                serial,
                code.code.expose(),
                SESSION_SECONDS,
            )
            .map_err(|f| f.into_error("GetSessionToken", &account.profile))?;
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            serial: Some(serial.to_owned()),
            purpose: Some("sts".into()),
            operation: Some("GetSessionToken".into()),
            ..AuditEntry::new(EventKind::CodeUsed)
        });
        self.audit(AuditEntry {
            profile: Some(account.profile.clone()),
            serial: Some(serial.to_owned()),
            operation: Some("GetSessionToken".into()),
            access_key_id: Some(out.credentials.access_key_id.clone()),
            expires_at: out.credentials.expiration,
            purpose: Some("mfa device change".into()),
            ..AuditEntry::new(EventKind::CredentialsIssued)
        });
        Ok(out.credentials)
    }

    /// Sets every `mfa_serial` naming `old` to `new` in the AWS config (after a backup):
    /// the profiles that kept their device at enrolment, switched to the new one. Returns
    /// the profiles changed and the backup.
    pub fn switch_serial(&self, old: &str, new: &str) -> Result<(Vec<String>, Option<PathBuf>)> {
        let mut updated = Vec::new();
        let backup = edit_aws_config(&self.broker.files.config, |ini| {
            for profile in ini.config_profiles() {
                for key in SERIAL_KEYS {
                    if ini.get(&profile, false, key).as_deref() == Some(old) {
                        ini.set_key(&profile, false, key, new)?;
                        updated.push(profile.clone());
                    }
                }
            }
            Ok(())
        })?;
        Ok((updated, backup))
    }

    fn stored_device(&self, devices: &Devices<'_>, device: &str) -> Result<(Device, String)> {
        let d = devices.find(device)?;
        let serial = d.serial.clone().ok_or_else(|| no_serial(&d))?;
        Ok((d, serial))
    }

    /// `profile`, or else the source profile of the first profile whose mfa_serial is
    /// `serial`.
    fn profile_for(&self, profile: Option<&str>, serial: &str) -> Result<String> {
        if let Some(p) = profile {
            return Ok(p.to_owned());
        }
        let profiles = Profiles::load(&self.broker.files)?;
        profiles
            .names()
            .into_iter()
            .filter_map(|p| profiles.resolve(&p).ok())
            .find(|r| r.mfa_serial() == Some(serial))
            .map(|r| r.source_profile)
            .ok_or_else(|| {
                Error::Lifecycle(format!(
                    "no AWS profile uses {serial}; name the profile whose keys belong to its IAM user with --profile"
                ))
            })
    }
}

fn no_serial(d: &Device) -> Error {
    Error::Lifecycle(format!(
        "device `{}` has no AWS serial; set it with `otpilot device serial {} ARN`",
        d.name, d.name
    ))
}

/// IAM's rule for virtual MFA device names.
pub fn validate_iam_device_name(name: &str) -> Result<()> {
    let ok = (1..=226).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Lifecycle(format!(
            "`{}` is not a valid MFA device name: use 1 to 226 letters, digits and + = , . @ _ -",
            name.chars().take(64).collect::<String>()
        )))
    }
}

/// `alice-otpilot-20261122`, or with the time too when that name is taken.
fn default_device_name(user: &str, now: u64, with_time: bool) -> String {
    let stamp = aws_smithy_types::DateTime::from_secs(now as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let digits: String = stamp.chars().filter(char::is_ascii_digit).collect();
    let take = if with_time { 14 } else { 8 };
    let mut name = format!("{user}-otpilot-{}", &digits[..take.min(digits.len())]);
    name.truncate(226);
    name
}

/// Otpilot's device name for an IAM device name: the same where the rules allow.
#[cfg(test)]
mod tests;
