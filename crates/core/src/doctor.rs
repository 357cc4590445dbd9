//! `otpilot doctor`: checks what makes MFA work or fail, each finding with what to do.
//!
//! - the OS keyring answers, and every seed a profile needs can be read from it;
//! - this computer's clock agrees with AWS's (a `Date` header from STS), since codes made
//!   more than a step off are rejected;
//! - each profile's chain resolves, and its MFA device's seed is stored (or mfa_process set);
//! - the IAM user has an MFA device enabled;
//! - the account's password policy meets a baseline (14+ characters, every character
//!   class, reuse prevention, users may change their own password).

use serde::Serialize;

use crate::account::password::policy_gaps;
use crate::aws::iam::IamApi;
use crate::aws::plan;
use crate::aws::profile::Profiles;
use crate::broker::Broker;
use crate::device::{tpm_location, tpm_manufacturer, Device, Devices, Location};
use crate::error::{Error, StsErrorKind};
use crate::lifecycle::AccountKeys;

/// Within this, the clock is fine.
const SKEW_OK: i64 = 10;
/// From here on, codes fail: AWS accepts the codes of one step either side (30 s).
const SKEW_FAIL: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// Could not be checked (no keys, no permission); says why.
    Skip,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id: `keyring` or `store`, `kernel_keyring`, `tpm`, `clock`, `profile`, `mfa_enabled`,
    /// `password_policy`.
    pub check: &'static str,
    pub status: Status,
    /// The profile (or source profile) the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    fn new(check: &'static str, status: Status, message: impl Into<String>) -> Self {
        Self {
            check,
            status,
            profile: None,
            message: message.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn profile(mut self, profile: &str) -> Self {
        self.profile = Some(profile.to_owned());
        self
    }
}

pub struct Doctor<'a> {
    pub broker: &'a Broker<'a>,
    pub iam: &'a dyn IamApi,
}

impl Doctor<'_> {
    /// Every check, for `profile` or for every profile that uses MFA or Otpilot.
    pub fn run(&self, profile: Option<&str>) -> Vec<Finding> {
        let mut findings = vec![self.store(), kernel_keyring(), self.tpm()];
        findings.extend(self.agent_store());
        let profiles = match Profiles::load(&self.broker.files) {
            Ok(p) => p,
            Err(e) => {
                findings.push(
                    Finding::new("profile", Status::Fail, e.to_string())
                        .fix("fix the AWS config file, then run `otpilot doctor` again"),
                );
                return findings;
            }
        };
        let selected: Vec<String> = match profile {
            Some(p) => vec![p.to_owned()],
            None => profiles
                .names()
                .into_iter()
                .filter(|p| uses_mfa_or_otpilot(&profiles, p))
                .collect(),
        };
        if selected.is_empty() {
            findings.push(
                Finding::new("profile", Status::Skip, "no AWS profile uses MFA or Otpilot yet")
                    .fix("enrol a device with `otpilot mfa enroll --profile PROFILE`, or wire a profile with `otpilot profile setup PROFILE`"),
            );
        }
        let mut sources: Vec<String> = Vec::new();
        for name in &selected {
            // It hands out another profile's credentials: that profile is the one to check,
            // and this one has no keys or device of its own to advise on.
            let checked = match profiles.delegates_to(name) {
                Some(target) => {
                    findings.push(
                        Finding::new(
                            "profile",
                            Status::Ok,
                            format!("uses Otpilot profile {target}"),
                        )
                        .profile(name),
                    );
                    if selected.contains(&target) {
                        continue;
                    }
                    target
                }
                None => name.clone(),
            };
            findings.push(self.profile_check(&profiles, &checked));
            if let Ok(resolved) = profiles.resolve(&checked) {
                if !sources.contains(&resolved.source_profile) {
                    sources.push(resolved.source_profile);
                }
            }
        }
        let mut clock_checked = false;
        let mut policy_checked = false;
        for source in &sources {
            let account = match AccountKeys::of(self.broker, source) {
                Ok(a) => a,
                Err(e) => {
                    findings.push(
                        Finding::new("mfa_enabled", Status::Skip, e.to_string()).profile(source),
                    );
                    continue;
                }
            };
            if !clock_checked {
                clock_checked = true;
                findings.push(self.clock(&account));
            }
            findings.push(self.mfa_enabled(&account));
            if !policy_checked {
                policy_checked = true;
                findings.extend(self.password_policy(&account));
            }
        }
        if !clock_checked {
            findings.push(
                Finding::new(
                    "clock",
                    Status::Skip,
                    "no profile with long-term access keys to ask STS the time with",
                )
                .fix("add keys with `otpilot keys add PROFILE`, or run `otpilot doctor --profile PROFILE`"),
            );
        }
        findings
    }

    /// Reading a stored seed proves the keyring is reachable *and* unlocked (a lookup of a
    /// missing item succeeds on a locked keyring too).
    /// The store in use: the OS keyring, or the vault and the agent that holds it.
    fn store(&self) -> Finding {
        use crate::agent::client::{vault, TrayFailure};
        use crate::agent::vault_ops::VaultOp;
        let dirs = self.broker.dirs;
        if crate::settings::StoreKind::configured(&dirs.config)
            == crate::settings::StoreKind::Keyring
        {
            return self.keyring();
        }
        let path = crate::vault::path(dirs);
        if !crate::vault::exists(&path) {
            return Finding::new(
                "store",
                Status::Fail,
                format!(
                    "store = \"vault\", but there is no vault at {}",
                    path.display()
                ),
            )
            .fix("create it with `otpilot vault init`");
        }
        let socket = crate::agent::socket_path(&dirs.runtime);
        match vault(&socket, &VaultOp::VaultStatus) {
            Ok(s) if s.unlocked => {
                let lock = if s.locks_in_seconds > 0 {
                    format!(
                        "; it locks after {} more idle",
                        crate::clock::span(s.locks_in_seconds)
                    )
                } else {
                    String::new()
                };
                Finding::new(
                    "store",
                    Status::Ok,
                    format!("the vault {}, unlocked; the agent answers{lock}", path.display()),
                )
            }
            Ok(_) => Finding::new("store", Status::Fail, "the vault; the agent answers, but the vault is locked")
                .fix("run `otpilot unlock`"),
            Err(TrayFailure::Unavailable(why)) => Finding::new(
                "store",
                Status::Fail,
                format!("the vault; no agent answers: {why}"),
            )
            .fix("run `otpilot unlock` (it starts the agent), or enable packaging/otpilot-agent.service"),
            Err(TrayFailure::Failed(e)) => Finding::new("store", Status::Fail, e.message),
        }
    }

    /// A headless agent that serves another store than the configured one (left running
    /// after `otpilot vault migrate --to keyring`): callers work without it, but it holds the
    /// vault open for nothing.
    fn agent_store(&self) -> Option<Finding> {
        use crate::agent::vault_ops::VaultOp;
        let dirs = self.broker.dirs;
        let configured = crate::settings::StoreKind::configured(&dirs.config);
        let socket = crate::agent::socket_path(&dirs.runtime);
        let status = crate::agent::client::vault(&socket, &VaultOp::VaultStatus).ok()?;
        let served = status.store();
        (served != configured).then(|| {
            Finding::new(
                "agent",
                Status::Warn,
                format!(
                    "a headless agent (pid {}) serves the {}, but Otpilot's store is the {}; callers do not use it",
                    status.pid,
                    served.as_str(),
                    configured.as_str()
                ),
            )
            .fix("stop it with `otpilot agent --stop`")
        })
    }

    fn keyring(&self) -> Finding {
        let devices = Devices::new(&self.broker.dirs.config, self.broker.store);
        let first = devices.list().ok().and_then(|l| l.into_iter().next());
        let result = match &first {
            Some(device) => devices.secret_present(device).and_then(|present| {
                present
                    .then_some(())
                    .ok_or_else(|| devices.seed_missing(device))
            }),
            None => self.broker.store.get("doctor-probe").map(drop),
        };
        match (result, first) {
            (Ok(()), Some(_)) => Finding::new(
                "keyring",
                Status::Ok,
                "the OS keyring answers and is unlocked",
            ),
            (Ok(()), None) => Finding::new(
                "keyring",
                Status::Ok,
                "the OS keyring answers (no seed is stored yet to prove it is unlocked)",
            ),
            (Err(e), _) => Finding::new("keyring", Status::Fail, e.to_string()),
        }
    }

    fn profile_check(&self, profiles: &Profiles, name: &str) -> Finding {
        let resolved = match profiles.resolve(name).and_then(|r| {
            plan::build(&r, self.broker.settings.session_duration_seconds).map(|p| (r, p))
        }) {
            Ok((resolved, _plan)) => resolved,
            Err(e) => {
                return Finding::new("profile", Status::Fail, e.to_string()).profile(name);
            }
        };
        let Some(serial) = resolved.mfa_serial() else {
            return Finding::new(
                "profile",
                Status::Warn,
                "the profile's chain uses no MFA device",
            )
            .profile(name)
            .fix(format!(
                "enrol one with `otpilot mfa enroll --profile {}`",
                resolved.source_profile
            ));
        };
        let devices = Devices::new(&self.broker.dirs.config, self.broker.store);
        let device = devices.by_serial(serial).ok().flatten();
        match device {
            Some(d) => match devices.secret_present(&d) {
                Ok(true) => Finding::new(
                    "profile",
                    Status::Ok,
                    format!(
                        "chain resolves; device `{}` holds the seed of {serial}{}",
                        d.name,
                        match d.location {
                            Location::Tpm => " (sealed in the TPM)",
                            Location::Store => "",
                        }
                    ),
                )
                .profile(name),
                Ok(false) => Finding::new(
                    "profile",
                    Status::Fail,
                    devices.seed_missing(&d).to_string(),
                )
                .profile(name),
                Err(e) => Finding::new("profile", Status::Fail, e.to_string()).profile(name),
            },
            None if resolved.mfa_process.is_some() => Finding::new(
                "profile",
                Status::Ok,
                format!("chain resolves; codes for {serial} come from mfa_process"),
            )
            .profile(name),
            None => Finding::new(
                "profile",
                Status::Fail,
                format!("no seed stored for {serial}: every use will ask for a code"),
            )
            .profile(name)
            .fix(format!(
                "add it with `otpilot device add NAME --serial {serial}`, or replace the device with `otpilot mfa rotate --profile {}`",
                resolved.source_profile
            )),
        }
    }

    fn clock(&self, account: &AccountKeys) -> Finding {
        let result = self
            .broker
            .sts
            .get_caller_identity(&account.sts, &account.keys);
        let (skew, failure) = match result {
            Ok((_, skew)) => (skew, None),
            Err(f) => (f.clock_skew, Some(f)),
        };
        let Some(skew) = skew else {
            let why = failure.map(|f| f.message).unwrap_or_default();
            return Finding::new(
                "clock",
                Status::Skip,
                format!("could not ask STS the time: {why}"),
            )
            .profile(&account.profile);
        };
        let direction = if skew > 0 { "ahead of" } else { "behind" };
        let finding = |status, message: String| {
            Finding::new("clock", status, message).profile(&account.profile)
        };
        let found = match skew.abs() {
            s if s <= SKEW_OK => finding(Status::Ok, format!("the clock is within {s} s of AWS's")),
            s if s < SKEW_FAIL => finding(
                Status::Warn,
                format!("the clock is {s} s {direction} AWS's; codes near a step boundary may be rejected"),
            )
            .fix("turn on time synchronisation: `timedatectl set-ntp true`"),
            s => finding(
                Status::Fail,
                format!("the clock is {s} s {direction} AWS's; AWS will reject the MFA codes"),
            )
            .fix("turn on time synchronisation: `timedatectl set-ntp true`"),
        };
        if let Some(f) = failure.filter(|f| f.kind == StsErrorKind::InvalidKeys) {
            return Finding::new("clock", Status::Fail, f.message).profile(&account.profile);
        }
        found
    }

    fn mfa_enabled(&self, account: &AccountKeys) -> Finding {
        let user = match self.iam.get_user(&account.iam, &account.keys) {
            Ok(u) => u,
            Err(f) => {
                return Finding::new(
                    "mfa_enabled",
                    Status::Skip,
                    format!("GetUser failed: {}", f.message),
                )
                .profile(&account.profile)
            }
        };
        match self
            .iam
            .list_mfa_devices(&account.iam, &account.keys, &user.name)
        {
            Ok(devices) if devices.is_empty() => Finding::new(
                "mfa_enabled",
                Status::Fail,
                format!("IAM user {} has no MFA device enabled", user.name),
            )
            .profile(&account.profile)
            .fix(format!(
                "enrol one with `otpilot mfa enroll --profile {}`",
                account.profile
            )),
            Ok(devices) => Finding::new(
                "mfa_enabled",
                Status::Ok,
                format!(
                    "IAM user {} has {} MFA device(s) enabled",
                    user.name,
                    devices.len()
                ),
            )
            .profile(&account.profile),
            Err(f) => Finding::new(
                "mfa_enabled",
                Status::Skip,
                format!("ListMFADevices failed: {}", f.message),
            )
            .profile(&account.profile),
        }
    }

    fn password_policy(&self, account: &AccountKeys) -> Vec<Finding> {
        let finding = |status, message: String| {
            Finding::new("password_policy", status, message).profile(&account.profile)
        };
        match self
            .iam
            .get_account_password_policy(&account.iam, &account.keys)
        {
            Ok(None) => vec![finding(
                Status::Warn,
                "the account has no password policy, so AWS's weak default applies".into(),
            )
            .fix(BASELINE_COMMAND)],
            Ok(Some(policy)) => {
                let gaps = policy_gaps(&policy);
                if gaps.is_empty() {
                    vec![finding(
                        Status::Ok,
                        "the account password policy meets the baseline".into(),
                    )]
                } else {
                    gaps.into_iter()
                        .map(|gap| finding(Status::Warn, gap).fix(BASELINE_COMMAND))
                        .collect()
                }
            }
            Err(f) => vec![finding(
                Status::Skip,
                format!("cannot read the account password policy: {}", f.message),
            )],
        }
    }
}

const BASELINE_COMMAND: &str = "an administrator can set the baseline with `otpilot account password-policy --profile PROFILE --apply`";

impl Doctor<'_> {
    /// Whether a TPM answers, and whether it can load every sealed device's key.
    fn tpm(&self) -> Finding {
        let devices = Devices::new(&self.broker.dirs.config, self.broker.store);
        let sealed: Vec<Device> = devices
            .list()
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.location == Location::Tpm)
            .collect();
        let probe = tpm_location().and_then(|at| tpm_manufacturer().map(|vendor| (at, vendor)));
        let (at, vendor) = match probe {
            Ok(found) => found,
            Err(e) if sealed.is_empty() => {
                // The error's own advice is about `--tpm`, which no device here uses: say
                // only what was found, with no brackets inside brackets.
                let found = match &e {
                    Error::NoTpm { at, detail } => format!("no TPM answers at {at}: {detail}"),
                    other => format!("no usable TPM: {other}"),
                };
                return Finding::new(
                    "tpm",
                    Status::Skip,
                    format!("{found}; only devices sealed with --tpm need one"),
                );
            }
            Err(e) => return Finding::new("tpm", Status::Fail, e.to_string()),
        };
        let failed: Vec<String> = sealed
            .iter()
            .filter_map(|d| devices.check_sealed(d).err().map(|e| e.to_string()))
            .collect();
        if let Some(first) = failed.into_iter().next() {
            return Finding::new("tpm", Status::Fail, first);
        }
        let names: Vec<&str> = sealed.iter().map(|d| d.name.as_str()).collect();
        Finding::new(
            "tpm",
            Status::Ok,
            if names.is_empty() {
                format!("the TPM at {at} ({vendor}) answers; no device is sealed in it (`otpilot device protect NAME` seals one)")
            } else {
                format!(
                    "the TPM at {at} ({vendor}) answers and holds the seeds of: {}",
                    names.join(", ")
                )
            },
        )
    }
}

/// Whether the kernel keyring takes a hot copy of cached credentials (a short-lived probe).
fn kernel_keyring() -> Finding {
    if !crate::platform::HOT_CACHE {
        return Finding::new(
            "kernel_keyring",
            Status::Skip,
            format!(
                "the kernel keyring is not supported on {} yet: every warm call reads the store",
                crate::platform::OS_NAME
            ),
        );
    }
    let name = format!("otpilot:doctor-probe:{}", std::process::id());
    let usable =
        crate::platform::hot_put(&name, b"probe", 5) && crate::platform::hot_get(&name).is_some();
    crate::platform::hot_forget(&name);
    if usable {
        Finding::new(
            "kernel_keyring",
            Status::Ok,
            "the kernel keyring holds hot copies of cached credentials (a warm call reads no store)",
        )
    } else {
        Finding::new(
            "kernel_keyring",
            Status::Warn,
            "the kernel keyring is not usable here (or its quota is full), so every warm call reads the store",
        )
        .fix("nothing is wrong; on Linux check `cat /proc/sys/kernel/keys/maxbytes` and `keyctl show @u`")
    }
}

fn uses_mfa_or_otpilot(profiles: &Profiles, name: &str) -> bool {
    ["mfa_serial", "otpilot_mfa_serial"]
        .iter()
        .any(|k| profiles.get_raw(name, k).is_some())
        || profiles.is_wired(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_keyring_fails_the_keyring_check_once_a_seed_is_stored() {
        let w = crate::testing::World::new();
        // No profile at all.
        std::fs::write(&w.files.config, "").unwrap();
        std::fs::write(&w.files.credentials, "").unwrap();
        let broker = w.session.broker().unwrap();
        let doctor = w.session.doctor(&broker);
        assert_eq!(doctor.keyring().status, Status::Ok);
        w.add_device();
        assert_eq!(doctor.keyring().status, Status::Ok);
        w.store
            .locked
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let locked = doctor.keyring();
        assert_eq!(locked.status, Status::Fail);
        assert!(locked.message.contains("locked"), "{}", locked.message);
        // With no profile, doctor says so instead of inventing findings.
        let all = doctor.run(None);
        assert!(all
            .iter()
            .any(|f| f.check == "profile" && f.status == Status::Skip));
    }
}
