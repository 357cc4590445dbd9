//! AWS profiles as the front ends show them: the one description of a profile (wired or
//! not, its chain, its device, what the cache holds), and wiring a profile to Otpilot.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Session;
use crate::aws::config_edit::{edit_aws_config, IniText};
use crate::aws::plan::{self, CredentialPlan};
use crate::aws::profile::{Profiles, PREFIX, SELF_RESOLVING_KEYS};
use crate::cache::CredentialsCache;
use crate::clock::unix_now_i64;
use crate::device::{by_serial, Device};
use crate::error::{Error, Result};

/// Keys moved out of the SDK's sight by wiring, besides the self-resolving ones: the AWS CLI
/// prompts for MFA on its own when it sees mfa_serial with a role.
const ROLE_KEYS: &[&str] = &[
    "mfa_serial",
    "duration_seconds",
    "role_session_name",
    "external_id",
    "source_identity",
];

/// One profile: how Otpilot would get its credentials, and with which device.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileDescription {
    pub profile: String,
    /// The SDKs get its credentials from Otpilot ([`Profiles::is_wired`]).
    pub wired: bool,
    /// Each step of the plan in words.
    pub chain: Vec<String>,
    pub source_profile: Option<String>,
    pub mfa_serial: Option<String>,
    /// The stored device that makes its codes.
    pub device: Option<String>,
    /// Why no plan could be made.
    pub error: Option<String>,
    #[serde(skip)]
    pub plan: Option<CredentialPlan>,
}

/// What the cache holds for one step of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct StepStatus {
    pub step: String,
    pub cached_until: Option<String>,
    pub remaining_seconds: Option<i64>,
}

struct Describing {
    session_duration: u32,
    devices: Vec<Device>,
}

/// What wiring a profile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireOutcome {
    AlreadyWired,
    Wired {
        /// Keys renamed to `otpilot_*`.
        moved: Vec<&'static str>,
        /// The AWS config as it was before.
        backup: PathBuf,
    },
}

impl Session {
    /// The AWS profiles, read now.
    pub fn profiles(&self) -> Result<Profiles> {
        Profiles::load(&self.aws_files()?)
    }

    /// The region SDKs should use for `profile` (its own `region`, or its chain's), if any.
    pub fn profile_region(&self, profile: &str) -> Result<Option<String>> {
        Ok(self.profiles()?.resolve(profile)?.region)
    }

    /// Describes `name`; a profile whose chain cannot be planned is described with the error.
    pub fn describe_profile(&self, profiles: &Profiles, name: &str) -> ProfileDescription {
        self.describe_with(profiles, name, &self.describing())
    }

    /// Every profile, described.
    pub fn describe_profiles(&self) -> Result<Vec<ProfileDescription>> {
        let profiles = self.profiles()?;
        let context = self.describing();
        Ok(profiles
            .names()
            .iter()
            .map(|n| self.describe_with(&profiles, n, &context))
            .collect())
    }

    /// What describing needs besides the profiles, read once for a whole list.
    fn describing(&self) -> Describing {
        Describing {
            session_duration: self.settings().unwrap_or_default().session_duration_seconds,
            devices: self.devices().list().unwrap_or_default(),
        }
    }

    fn describe_with(
        &self,
        profiles: &Profiles,
        name: &str,
        context: &Describing,
    ) -> ProfileDescription {
        let mut description = ProfileDescription {
            profile: name.to_owned(),
            wired: profiles.is_wired(name),
            chain: Vec::new(),
            source_profile: None,
            mfa_serial: None,
            device: None,
            error: None,
            plan: None,
        };
        match profiles
            .resolve(name)
            .and_then(|r| plan::build(&r, context.session_duration).map(|p| (r, p)))
        {
            Ok((resolved, plan)) => {
                description.chain = plan.describe();
                description.source_profile = Some(resolved.source_profile);
                description.mfa_serial = plan.mfa_serial().map(str::to_owned);
                if let Some(serial) = &description.mfa_serial {
                    description.device =
                        by_serial(&context.devices, serial).map(|d| d.name.clone());
                }
                description.plan = Some(plan);
            }
            Err(e) => description.error = Some(e.to_string()),
        }
        description
    }

    /// What the cache holds for each step of `plan` (metadata only: no keyring read).
    pub fn step_statuses(&self, plan: &CredentialPlan) -> Vec<StepStatus> {
        let cache = CredentialsCache::new(&self.dirs.cache, self.store.as_ref());
        let now = unix_now_i64();
        plan.steps
            .iter()
            .map(|step| {
                let meta = step
                    .key
                    .as_ref()
                    .and_then(|k| cache.meta(k))
                    .filter(|m| m.expiration > now);
                StepStatus {
                    step: step.action.describe(),
                    cached_until: meta.as_ref().map(|m| m.expiration_rfc3339.clone()),
                    remaining_seconds: meta.map(|m| m.expiration - now),
                }
            })
            .collect()
    }

    /// Until when the credentials `plan` hands out are cached and unexpired, if they are.
    pub fn cached_until(&self, plan: &CredentialPlan) -> Option<i64> {
        let cache = CredentialsCache::new(&self.dirs.cache, self.store.as_ref());
        plan.final_key()
            .and_then(|k| cache.meta(k))
            .map(|m| m.expiration)
            .filter(|exp| *exp > unix_now_i64())
    }

    /// Wires `profile` to Otpilot: `credential_process = EXE credential-process PROFILE`,
    /// and every key that would make an SDK resolve credentials itself renamed to
    /// `otpilot_*`, in one backed-up, comment-preserving edit of the AWS config. Refuses a
    /// profile whose chain does not work yet, one with long-term keys the SDKs would use
    /// without MFA, and (without `force`) one whose `credential_process` is someone else's.
    pub fn wire_profile(&self, profile: &str, exe: &Path, force: bool) -> Result<WireOutcome> {
        let files = self.aws_files()?;
        let profiles = Profiles::load(&files)?;
        // The chain must work before callers depend on it.
        profiles.resolve(profile)?;
        let credentials_text = std::fs::read_to_string(&files.credentials).unwrap_or_default();
        if IniText::parse(&credentials_text)
            .get(profile, true, "aws_access_key_id")
            .is_some()
        {
            return Err(Error::KeysInCredentialsFile {
                profile: profile.to_owned(),
                path: files.credentials.clone(),
            });
        }
        let original = match std::fs::read_to_string(&files.config) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(Error::FileRead {
                    path: files.config.clone(),
                    source,
                })
            }
        };
        let ini = IniText::parse(&original);
        if !ini.has_section(profile, false) {
            return Err(Error::NoProfileSection {
                profile: profile.to_owned(),
                path: files.config.clone(),
            });
        }
        if ini.get(profile, false, "aws_secret_access_key").is_some() {
            return Err(Error::SecretInConfig {
                profile: profile.to_owned(),
                path: files.config.clone(),
            });
        }
        if let Some(existing) = ini.get(profile, false, "credential_process") {
            if !profiles.is_wired(profile) && !force {
                return Err(Error::ForeignCredentialProcess {
                    profile: profile.to_owned(),
                    existing: existing.to_owned(),
                });
            }
        }
        let command = credential_process_command(exe, profile);
        let mut moved = Vec::new();
        let backup = edit_aws_config(&files.config, |ini| {
            for key in SELF_RESOLVING_KEYS.iter().chain(ROLE_KEYS) {
                if ini.rename_key(profile, false, key, &format!("{PREFIX}{key}")) {
                    moved.push(*key);
                }
            }
            ini.set_key(profile, false, "credential_process", &command)
        })?;
        Ok(match backup {
            None => WireOutcome::AlreadyWired,
            Some(backup) => WireOutcome::Wired { moved, backup },
        })
    }
}

/// The `credential_process` line for `profile`, quoted when a path or name has spaces.
fn credential_process_command(exe: &Path, profile: &str) -> String {
    let exe = exe.display().to_string();
    if exe.contains(char::is_whitespace) || profile.contains(char::is_whitespace) {
        format!("\"{exe}\" credential-process \"{profile}\"")
    } else {
        format!("{exe} credential-process {profile}")
    }
}
