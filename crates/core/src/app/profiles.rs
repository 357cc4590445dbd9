//! AWS profiles as the front ends show them: the one description of a profile (wired or
//! not, its chain, its device, what the cache holds).

use serde::Serialize;

use super::Session;
use crate::aws::plan::{self, CredentialPlan};
use crate::aws::profile::Profiles;
use crate::cache::CredentialsCache;
use crate::clock::unix_now_i64;
use crate::device::{by_serial, Device};
use crate::error::Result;

/// One profile: how Otpilot would get its credentials, and with which device.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileDescription {
    pub profile: String,
    /// The SDKs get its credentials from Otpilot ([`Profiles::is_wired`]).
    pub wired: bool,
    /// The other Otpilot profile whose credentials it hands out
    /// (`credential_process = otpilot credential-process OTHER`).
    pub delegates_to: Option<String>,
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
    /// The long-term keys the chain starts from: never cached, so "not cached" would read
    /// as if they were missing.
    pub long_term: bool,
    pub cached_until: Option<String>,
    pub remaining_seconds: Option<i64>,
}

struct Describing {
    session_duration: u32,
    devices: Vec<Device>,
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
        // A profile that hands out another Otpilot profile's credentials is that profile,
        // under its own name (one level: the target's own credential_process is not followed,
        // as Otpilot's credential-process does not follow it either).
        if let Some(target) = profiles.delegates_to(name) {
            let mut description = self.describe_plain(profiles, &target, context);
            description
                .chain
                .insert(0, format!("uses Otpilot profile {target}"));
            description.profile = name.to_owned();
            description.wired = true;
            description.delegates_to = Some(target);
            return description;
        }
        self.describe_plain(profiles, name, context)
    }

    /// Describes `name` by its own chain.
    fn describe_plain(
        &self,
        profiles: &Profiles,
        name: &str,
        context: &Describing,
    ) -> ProfileDescription {
        let mut description = ProfileDescription {
            profile: name.to_owned(),
            wired: profiles.is_wired(name),
            delegates_to: None,
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
                    long_term: step.key.is_none(),
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
}

#[cfg(test)]
mod tests {
    use crate::doctor::Status;
    use crate::testing::{World, BASE_AND_ADMIN_CONFIG};

    #[test]
    fn a_profile_that_uses_another_otpilot_profile_is_described_and_checked_as_that() {
        let w = World::new();
        w.add_device();
        std::fs::write(
            &w.files.config,
            format!(
                "{BASE_AND_ADMIN_CONFIG}[profile ci]\ncredential_process = /usr/bin/otpilot credential-process admin\n"
            ),
        )
        .unwrap();
        let profiles = w.session.profiles().unwrap();
        let ci = w.session.describe_profile(&profiles, "ci");
        assert!(ci.wired);
        assert_eq!(ci.delegates_to.as_deref(), Some("admin"));
        assert_eq!(ci.chain[0], "uses Otpilot profile admin");
        assert!(
            !ci.chain
                .iter()
                .any(|s| s.contains("long-term keys of `ci`")),
            "{:?}",
            ci.chain
        );
        assert_eq!(ci.device.as_deref(), Some("alice"));
        assert!(ci.error.is_none());

        // doctor says what it is and gives no advice to enrol a device for it.
        let broker = w.session.broker().unwrap();
        let findings = w.session.doctor(&broker).run(Some("ci"));
        let about_ci: Vec<_> = findings
            .iter()
            .filter(|f| f.profile.as_deref() == Some("ci"))
            .collect();
        assert_eq!(about_ci.len(), 1, "{findings:?}");
        assert_eq!(about_ci[0].status, Status::Ok);
        assert_eq!(about_ci[0].message, "uses Otpilot profile admin");
        assert!(findings
            .iter()
            .all(|f| !f.fix.as_deref().unwrap_or("").contains("--profile ci")));
    }
}
