//! `CredentialPlan`: the chain from long-term keys to the credentials a profile hands out,
//! as plain data, decided in one place with every decision logged (`--debug` reads like a
//! story).
//!
//! The rules come from AWS's STS limits
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html#id_roles_use_view-role-max-session>):
//! a role assumed with temporary credentials ("role chaining") lasts at most one hour, while
//! GetSessionToken lasts up to 36 hours. So one MFA code buys a long MFA session
//! (GetSessionToken) that every profile sharing the device then uses to assume its role,
//! unless a profile asks for more than an hour, in which case its role is assumed straight
//! from the long-term keys with the MFA code.

use sha2::{Digest, Sha256};

use crate::aws::profile::{ResolvedProfile, RoleHop};
use crate::error::{Error, Result};

/// AWS's cap on a role session assumed with temporary credentials.
pub const ROLE_CHAINING_MAX: u32 = 3600;
/// AssumeRole's default duration.
pub const ROLE_DEFAULT: u32 = 3600;
/// GetSessionToken's limits for IAM users.
pub const SESSION_MIN: u32 = 900;
pub const SESSION_MAX: u32 = 129_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The long-term keys of `profile` (shared files or keyring).
    LongTermKeys { profile: String },
    /// GetSessionToken with an MFA code; shared by every profile of the same source and device.
    MfaSession { serial: String, duration: u32 },
    /// AssumeRole with the previous step's credentials; `mfa_serial` when this call itself
    /// carries the MFA code.
    AssumeRole {
        hop: RoleHop,
        duration: u32,
        mfa_serial: Option<String>,
    },
}

impl Step {
    /// The MFA device whose code this step's STS call carries.
    pub fn mfa_serial(&self) -> Option<&str> {
        match self {
            Step::MfaSession { serial, .. } => Some(serial),
            Step::AssumeRole { mfa_serial, .. } => mfa_serial.as_deref(),
            Step::LongTermKeys { .. } => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Step::LongTermKeys { profile } => format!("long-term keys of `{profile}`"),
            Step::MfaSession { serial, duration } => {
                format!("MFA session (GetSessionToken, {duration} s) with {serial}")
            }
            Step::AssumeRole {
                hop,
                duration,
                mfa_serial,
            } => format!(
                "AssumeRole {} ({duration} s{})",
                hop.role_arn,
                if mfa_serial.is_some() {
                    ", with MFA"
                } else {
                    ""
                }
            ),
        }
    }
}

/// Identifies the credentials one STS step produces: a hash of everything that determines
/// them (the whole path to the step), so two profiles share cached credentials exactly when
/// they would make the same calls with the same inputs. The cache stores entries under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepKey {
    hex: String,
    /// Human description ("MFA session (GetSessionToken, 43200 s) with arn:...:mfa/alice").
    pub description: String,
}

impl StepKey {
    /// `parts` are the inputs that make two requests interchangeable.
    pub fn new(parts: &[&str], description: String) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            // A separator, so ["a", "bc"] and ["ab", "c"] differ.
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let hex = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Self { hex, description }
    }

    /// A short hex id, safe in file names.
    pub fn id(&self) -> &str {
        &self.hex
    }
}

/// One step of a plan with its identity: `key` is `None` for the long-term keys (nothing is
/// fetched or cached for them) and set for every step that calls STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStep {
    pub action: Step,
    pub key: Option<StepKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPlan {
    pub profile: String,
    pub steps: Vec<PlannedStep>,
}

impl CredentialPlan {
    /// The key of the credentials the profile hands out (`None` if it hands out long-term keys).
    pub fn final_key(&self) -> Option<&StepKey> {
        self.steps.last().and_then(|s| s.key.as_ref())
    }

    /// The steps' actions, in order.
    pub fn actions(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().map(|s| &s.action)
    }

    /// Each step in words, for `profile list` and the window.
    pub fn describe(&self) -> Vec<String> {
        self.actions().map(Step::describe).collect()
    }

    /// The MFA device the plan needs a code from, if any.
    pub fn mfa_serial(&self) -> Option<&str> {
        self.actions().find_map(|s| match s {
            Step::MfaSession { serial, .. } => Some(serial.as_str()),
            Step::AssumeRole {
                mfa_serial: Some(serial),
                ..
            } => Some(serial.as_str()),
            _ => None,
        })
    }
}

/// Builds the plan for a resolved profile.
pub fn build(profile: &ResolvedProfile, default_session_duration: u32) -> Result<CredentialPlan> {
    let name = &profile.name;
    let mut steps = vec![Step::LongTermKeys {
        profile: profile.source_profile.clone(),
    }];
    tracing::debug!(
        "profile `{name}`: long-term keys come from profile `{}` ({})",
        profile.source_profile,
        if profile.keys_in_files {
            "AWS credentials file"
        } else {
            "OS keyring"
        }
    );
    let serial = profile.mfa_serial().map(str::to_owned);
    let session_duration = profile.session_duration.unwrap_or(default_session_duration);
    if !(SESSION_MIN..=SESSION_MAX).contains(&session_duration) {
        return Err(Error::InvalidDuration(format!(
            "otpilot_session_duration of `{name}` is {session_duration} s; GetSessionToken allows {SESSION_MIN} to {SESSION_MAX}"
        )));
    }

    let mut hops = profile.hops.iter();
    match (hops.next(), &serial) {
        (None, None) => {
            tracing::debug!("profile `{name}` has no role and no mfa_serial: handing out the long-term keys as they are");
        }
        (None, Some(serial)) => {
            tracing::debug!(
                "profile `{name}` has no role: an MFA session with {serial} ({session_duration} s)"
            );
            steps.push(Step::MfaSession {
                serial: serial.clone(),
                duration: session_duration,
            });
        }
        (Some(hop), None) => {
            let duration = hop.duration_seconds.unwrap_or(ROLE_DEFAULT);
            tracing::debug!(
                "role {} needs no MFA: assuming it straight from the long-term keys",
                hop.role_arn
            );
            steps.push(Step::AssumeRole {
                hop: hop.clone(),
                duration,
                mfa_serial: None,
            });
        }
        (Some(hop), Some(serial)) => {
            let duration = hop.duration_seconds.unwrap_or(ROLE_DEFAULT);
            if duration <= ROLE_CHAINING_MAX {
                tracing::debug!(
                    "role {} wants {duration} s, within the 1-hour role-chaining cap: using the shared MFA session with {serial} ({session_duration} s), so one code serves every profile on this device",
                    hop.role_arn
                );
                steps.push(Step::MfaSession {
                    serial: serial.clone(),
                    duration: session_duration,
                });
                steps.push(Step::AssumeRole {
                    hop: hop.clone(),
                    duration,
                    mfa_serial: None,
                });
            } else {
                tracing::debug!(
                    "role {} wants {duration} s, more than the 1-hour role-chaining cap: assuming it from the long-term keys with an MFA code from {serial}",
                    hop.role_arn
                );
                steps.push(Step::AssumeRole {
                    hop: hop.clone(),
                    duration,
                    mfa_serial: Some(serial.clone()),
                });
            }
        }
    }
    for hop in hops {
        let wanted = hop.duration_seconds.unwrap_or(ROLE_DEFAULT);
        let duration = wanted.min(ROLE_CHAINING_MAX);
        if duration < wanted {
            tracing::debug!(
                "role {} asks for {wanted} s, but it is chained from another role, and AWS caps chained roles at 1 hour: asking for {duration} s",
                hop.role_arn
            );
        } else {
            tracing::debug!(
                "then assuming role {} ({duration} s) with the previous role's credentials",
                hop.role_arn
            );
        }
        steps.push(Step::AssumeRole {
            hop: hop.clone(),
            duration,
            mfa_serial: None,
        });
    }
    Ok(CredentialPlan {
        profile: name.clone(),
        steps: with_keys(steps),
    })
}

/// Gives each STS step its key, built from the whole path to it (see [`StepKey`]).
fn with_keys(steps: Vec<Step>) -> Vec<PlannedStep> {
    let mut path: Vec<String> = Vec::new();
    steps
        .into_iter()
        .map(|step| {
            match &step {
                Step::LongTermKeys { profile } => {
                    path.push(format!("keys:{profile}"));
                    return PlannedStep {
                        action: step,
                        key: None,
                    };
                }
                Step::MfaSession { serial, duration } => {
                    path.push(format!("session:{serial}:{duration}"));
                }
                Step::AssumeRole {
                    hop,
                    duration,
                    mfa_serial,
                } => {
                    let mut part = format!(
                        "role:{}:{}:{}:{duration}:{}",
                        hop.role_arn,
                        hop.role_session_name.as_deref().unwrap_or(""),
                        hop.external_id.as_deref().unwrap_or(""),
                        mfa_serial.as_deref().unwrap_or("")
                    );
                    // Only when set, so the keys of existing cache entries stay as they were.
                    if let Some(identity) = &hop.source_identity {
                        part.push_str(&format!(":source_identity={identity}"));
                    }
                    path.push(part);
                }
            }
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            let key = StepKey::new(&parts, step.describe());
            PlannedStep {
                action: step,
                key: Some(key),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{hop, resolved, SERIAL};

    fn kinds(plan: &CredentialPlan) -> Vec<&'static str> {
        plan.actions()
            .map(|s| match s {
                Step::LongTermKeys { .. } => "keys",
                Step::MfaSession { .. } => "session",
                Step::AssumeRole {
                    mfa_serial: Some(_),
                    ..
                } => "role+mfa",
                Step::AssumeRole { .. } => "role",
            })
            .collect()
    }

    #[test]
    fn one_hour_roles_go_through_the_shared_session() {
        let plan = build(&resolved(vec![hop("arn:r", None, true)], false), 43_200).unwrap();
        assert_eq!(kinds(&plan), ["keys", "session", "role"]);
        assert_eq!(plan.mfa_serial(), Some(SERIAL));
    }

    #[test]
    fn long_roles_take_mfa_directly() {
        let plan = build(
            &resolved(vec![hop("arn:r", Some(7200), true)], false),
            43_200,
        )
        .unwrap();
        assert_eq!(kinds(&plan), ["keys", "role+mfa"]);
    }

    #[test]
    fn sessions_without_roles_and_roles_without_mfa() {
        assert_eq!(
            kinds(&build(&resolved(vec![], true), 43_200).unwrap()),
            ["keys", "session"]
        );
        assert_eq!(
            kinds(&build(&resolved(vec![], false), 43_200).unwrap()),
            ["keys"]
        );
        assert_eq!(
            kinds(&build(&resolved(vec![hop("arn:r", None, false)], false), 43_200).unwrap()),
            ["keys", "role"]
        );
    }

    #[test]
    fn chained_roles_are_capped_at_an_hour() {
        let plan = build(
            &resolved(
                vec![hop("arn:a", None, true), hop("arn:b", Some(7200), false)],
                false,
            ),
            43_200,
        )
        .unwrap();
        assert_eq!(kinds(&plan), ["keys", "session", "role", "role"]);
        assert!(matches!(
            plan.steps[3].action,
            Step::AssumeRole { duration: 3600, .. }
        ));
    }

    #[test]
    fn profiles_sharing_a_device_share_the_session_key_only() {
        let a = build(&resolved(vec![hop("arn:a", None, true)], false), 43_200).unwrap();
        let b = build(&resolved(vec![hop("arn:b", None, true)], false), 43_200).unwrap();
        assert_eq!(a.steps[1].key, b.steps[1].key);
        assert_ne!(a.steps[2].key, b.steps[2].key);
        assert!(a.steps[0].key.is_none());
    }

    #[test]
    fn session_duration_is_validated() {
        let mut r = resolved(vec![], true);
        r.session_duration = Some(200_000);
        assert!(matches!(build(&r, 43_200), Err(Error::InvalidDuration(_))));
    }
}
