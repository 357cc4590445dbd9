//! `Broker`: the one facade both front ends call for AWS credentials.
//!
//! For a profile it resolves the chain, builds the plan, and walks it with the cache as a
//! decorator around every STS step: check the cache, take the step's lock, check again,
//! call STS, write the cache, unlock. A hundred parallel callers for one profile therefore
//! make one STS call per step between them, and profiles sharing an MFA device share one
//! MFA session (and one code).

use crate::audit::{AuditEntry, AuditLog, EventKind};
use crate::aws::client::sts_target;
use crate::aws::plan::{self, CredentialPlan, Step, StepKey};
use crate::aws::profile::{AwsFiles, Profiles, ResolvedProfile};
use crate::aws::sts::{AssumeRoleInput, StsApi, StsFailure, StsOutput, StsTarget};
use crate::cache::CredentialsCache;
use crate::clock::unix_now;
use crate::credentials::{mask_key_id, Credentials, LongTermKeys};
use crate::device::Devices;
use crate::error::{Error, Result, StsErrorKind};
use crate::lock::RefreshLock;
use crate::mfa::{CodeOrigin, Interaction, MfaCodeSource};
use crate::paths::Dirs;
use crate::settings::Settings;
use crate::store::SecretStore;

/// An MFA session must still have this long left to be used for AssumeRole.
const SESSION_MIN_REMAINING: i64 = 300;

/// Clock differences beyond this make TOTP codes unreliable.
const SKEW_WARNING_SECONDS: i64 = 20;

pub struct Broker<'a> {
    pub dirs: &'a Dirs,
    pub files: AwsFiles,
    pub store: &'a dyn SecretStore,
    pub sts: &'a dyn StsApi,
    pub ui: &'a dyn Interaction,
    pub settings: Settings,
    /// Where every credential issue, code use and console sign-in is recorded.
    pub audit: AuditLog,
}

impl Broker<'_> {
    /// The resolved profile and its plan.
    pub fn plan(&self, profile: &str) -> Result<(ResolvedProfile, CredentialPlan)> {
        let profiles = Profiles::load(&self.files)?;
        let resolved = profiles.resolve(profile)?;
        let plan = plan::build(&resolved, self.settings.session_duration_seconds)?;
        Ok((resolved, plan))
    }

    /// Credentials for `profile` with more than the refresh margin left.
    pub fn credentials(&self, profile: &str) -> Result<Credentials> {
        self.credentials_with_plan(profile).map(|(_, creds)| creds)
    }

    /// [`Self::credentials`] together with the plan that produced them (the console needs to
    /// know how they were obtained: AWS's SessionDuration rules depend on it).
    pub fn credentials_with_plan(&self, profile: &str) -> Result<(CredentialPlan, Credentials)> {
        let profiles = Profiles::load(&self.files)?;
        let resolved = profiles.resolve(profile)?;
        let plan = plan::build(&resolved, self.settings.session_duration_seconds)?;
        let walk = Walk {
            broker: self,
            profiles: &profiles,
            resolved: &resolved,
            plan: &plan,
            cache: CredentialsCache::new(&self.dirs.cache, self.store),
            target: sts_target(&resolved),
        };
        let creds = walk.obtain(plan.steps.len() - 1, self.settings.refresh_margin_seconds)?;
        Ok((plan, creds))
    }

    /// The long-term keys at the base of `profile`'s chain (AWS credentials file or keyring).
    pub fn long_term_keys(&self, profile: &str) -> Result<LongTermKeys> {
        let profiles = Profiles::load(&self.files)?;
        let resolved = profiles.resolve(profile)?;
        load_long_term_keys(self.store, &profiles, &resolved.source_profile)
    }

    /// Drops the credentials a profile hands out, so the next call fetches new ones. The MFA
    /// session behind them is kept: refreshing a role should not cost another code.
    pub fn forget(&self, profile: &str) -> Result<()> {
        let (_, plan) = self.plan(profile)?;
        if let Some(key) = plan.final_key() {
            CredentialsCache::new(&self.dirs.cache, self.store).discard(key);
        }
        Ok(())
    }

    /// Drops every credential cached for the profile's chain, the MFA session included (the
    /// next call asks for a code), from the store and from the kernel keyring. Answers how
    /// many steps had a cache entry to drop.
    pub fn forget_all(&self, profile: &str) -> Result<usize> {
        let (_, plan) = self.plan(profile)?;
        let cache = CredentialsCache::new(&self.dirs.cache, self.store);
        let mut dropped = 0;
        for key in plan.steps.iter().filter_map(|s| s.key.as_ref()) {
            if cache.discard(key) {
                dropped += 1;
            }
        }
        Ok(dropped)
    }
}

struct Walk<'b, 'a> {
    broker: &'b Broker<'a>,
    profiles: &'b Profiles,
    resolved: &'b ResolvedProfile,
    plan: &'b CredentialPlan,
    cache: CredentialsCache<'a>,
    target: StsTarget,
}

impl Walk<'_, '_> {
    /// The credentials of step `index`, with more than `min_remaining` seconds left.
    fn obtain(&self, index: usize, min_remaining: i64) -> Result<Credentials> {
        let step = &self.plan.steps[index].action;
        let Some(key) = &self.plan.steps[index].key else {
            return self
                .long_term_keys()
                .map(|k| Credentials::from_long_term(&k));
        };
        if let Some(creds) = self.cache.get(key, unix_now() as i64, min_remaining)? {
            return Ok(creds);
        }
        let _lock = RefreshLock::acquire(
            &self.broker.dirs.runtime.join("locks"),
            key.id(),
            self.broker.settings.lock_timeout(),
            &format!("refresh the {}", key.description),
        )?;
        // Someone else may have refreshed while we waited for the lock.
        if let Some(creds) = self.cache.get(key, unix_now() as i64, min_remaining)? {
            tracing::debug!(
                "another caller refreshed {} while we waited",
                key.description
            );
            return Ok(creds);
        }
        let base = self.obtain(index - 1, SESSION_MIN_REMAINING)?;
        let fresh = self.call(step, key, &base)?;
        let now = unix_now() as i64;
        if let Some(remaining) = fresh.remaining(now) {
            tracing::debug!(
                "{} issued: {} valid for {remaining} s",
                key.description,
                mask_key_id(&fresh.access_key_id)
            );
        }
        self.cache.put(key, &fresh, now)?;
        Ok(fresh)
    }

    fn long_term_keys(&self) -> Result<LongTermKeys> {
        load_long_term_keys(
            self.broker.store,
            self.profiles,
            &self.resolved.source_profile,
        )
    }

    /// One STS call for `step`, with one retry on a rejected code from a stored seed (the
    /// step may have been spent outside Otpilot, e.g. typed into the console).
    fn call(&self, step: &Step, key: &StepKey, base: &Credentials) -> Result<Credentials> {
        let profile = &self.plan.profile;
        let sts = self.broker.sts;
        let mfa = MfaCodeSource {
            devices: &Devices::new(&self.broker.dirs.config, self.broker.store),
            state_dir: self.broker.dirs.state.clone(),
            lock_dir: self.broker.dirs.runtime.join("locks"),
            lock_timeout: self.broker.settings.lock_timeout(),
            ui: self.broker.ui,
        };
        let mfa_process = self.resolved.mfa_process.as_deref();
        for attempt in 0..2 {
            let (op, result, origin) = match step {
                Step::LongTermKeys { .. } => unreachable!("long-term keys have no cache key"),
                Step::MfaSession { serial, duration } => {
                    let code = mfa.code(profile, serial, mfa_process)?;
                    self.record_code_use(serial, &code.origin, "GetSessionToken");
                    tracing::debug!("calling GetSessionToken for {}", key.description);
                    let r = sts.get_session_token(
                        &self.target,
                        base,
                        serial,
                        code.code.expose(),
                        *duration,
                    );
                    ("GetSessionToken", r, Some(code.origin))
                }
                Step::AssumeRole {
                    hop,
                    duration,
                    mfa_serial,
                } => {
                    let (mfa_pair, origin) = match mfa_serial {
                        Some(serial) => {
                            let code = mfa.code(profile, serial, mfa_process)?;
                            self.record_code_use(serial, &code.origin, "AssumeRole");
                            (
                                Some((serial.clone(), code.code.expose().to_owned())),
                                Some(code.origin),
                            )
                        }
                        None => (None, None),
                    };
                    let input = AssumeRoleInput {
                        role_arn: hop.role_arn.clone(),
                        session_name: hop
                            .role_session_name
                            .clone()
                            .unwrap_or_else(default_session_name),
                        external_id: hop.external_id.clone(),
                        source_identity: hop.source_identity.clone(),
                        duration: *duration,
                        mfa: mfa_pair,
                    };
                    tracing::debug!("calling AssumeRole for {}", key.description);
                    (
                        "AssumeRole",
                        sts.assume_role(&self.target, base, &input),
                        origin,
                    )
                }
            };
            match result {
                Ok(StsOutput {
                    credentials,
                    clock_skew,
                }) => {
                    self.check_skew(clock_skew);
                    self.broker.audit.record(AuditEntry {
                        profile: Some(profile.clone()),
                        operation: Some(op.to_owned()),
                        role_arn: match step {
                            Step::AssumeRole { hop, .. } => Some(hop.role_arn.clone()),
                            _ => None,
                        },
                        serial: step.mfa_serial().map(str::to_owned),
                        device: match &origin {
                            Some(CodeOrigin::Device { name }) => Some(name.clone()),
                            _ => None,
                        },
                        access_key_id: Some(credentials.access_key_id.clone()),
                        expires_at: credentials.expiration,
                        ..AuditEntry::new(EventKind::CredentialsIssued)
                    });
                    return Ok(credentials);
                }
                Err(failure) => {
                    self.check_skew(failure.clock_skew);
                    // A skewed clock makes the next code wrong too: no point waiting for it.
                    let clock_ok = failure
                        .clock_skew
                        .is_none_or(|skew| skew.abs() <= SKEW_WARNING_SECONDS);
                    let retry = attempt == 0
                        && clock_ok
                        && failure.kind == StsErrorKind::InvalidMfa
                        && matches!(origin, Some(CodeOrigin::Device { .. }));
                    if retry {
                        self.broker.ui.notice("AWS rejected the MFA code (was it used elsewhere?); trying the next one");
                        continue;
                    }
                    return Err(failure_to_error(failure, op, profile));
                }
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    fn record_code_use(&self, serial: &str, origin: &CodeOrigin, operation: &str) {
        let (device, purpose) = match origin {
            CodeOrigin::Device { name } => (Some(name.clone()), "sts"),
            CodeOrigin::Process => (None, "mfa_process"),
            CodeOrigin::Prompt => (None, "prompt"),
        };
        self.broker.audit.record(AuditEntry {
            profile: Some(self.plan.profile.clone()),
            operation: Some(operation.to_owned()),
            device,
            serial: Some(serial.to_owned()),
            purpose: Some(purpose.into()),
            ..AuditEntry::new(EventKind::CodeUsed)
        });
    }

    fn check_skew(&self, skew: Option<i64>) {
        if let Some(skew) = skew {
            tracing::debug!("local clock minus AWS clock: {skew} s");
            if skew.abs() > SKEW_WARNING_SECONDS {
                let direction = if skew > 0 { "ahead of" } else { "behind" };
                self.broker.ui.warn(&format!(
                    "this computer's clock is {} s {direction} AWS's; MFA codes will be rejected until it is corrected (enable NTP, e.g. `timedatectl set-ntp true`)",
                    skew.abs()
                ));
            }
        }
    }
}

/// The role session name when the profile sets none: `otpilot-` and the local user, so
/// CloudTrail says who (a name of AWS's alphabet `[\w+=,.@-]`, at most 64 characters);
/// `otpilot-` and the time when the user's name cannot be told.
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>
fn default_session_name() -> String {
    let user: String = ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c))
        .take(56)
        .collect();
    if user.is_empty() {
        format!("otpilot-{}", unix_now())
    } else {
        format!("otpilot-{user}")
    }
}

/// The keys of `source`: the AWS credentials file first, then the keyring.
fn load_long_term_keys(
    store: &dyn SecretStore,
    profiles: &Profiles,
    source: &str,
) -> Result<LongTermKeys> {
    if let Some(keys) = profiles.file_keys(source) {
        tracing::debug!(
            "long-term keys {} from the AWS credentials file",
            mask_key_id(&keys.access_key_id)
        );
        return Ok(keys);
    }
    match crate::keys::load(store, source)? {
        Some(keys) => {
            tracing::debug!(
                "long-term keys {} from the OS keyring",
                mask_key_id(&keys.access_key_id)
            );
            Ok(keys)
        }
        None => Err(Error::NoLongTermKeys(source.to_owned())),
    }
}

fn failure_to_error(failure: StsFailure, op: &'static str, profile: &str) -> Error {
    failure.into_error(op, profile)
}

#[cfg(test)]
mod tests;
