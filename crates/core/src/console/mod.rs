//! Console sign-in (`ConsoleUrlBuilder`): from a profile to a login URL for the AWS console.
//!
//! This module owns the decisions: which credentials may sign in (role credentials from the
//! same plan and cache as `credential_process`; for an IAM user without a role,
//! GetFederationToken, because the console refuses GetSessionToken credentials), when AWS
//! accepts `SessionDuration`, and the order of the work (everything that can be refused
//! offline is checked before STS or the sign-in endpoint is called, so a bad flag never spends
//! an MFA code). The URLs are built in [`url`], the one HTTP call is in [`federation`].
//!
//! AWS's rules: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html>
//! `SessionDuration` (900–43,200 s) is accepted only with role credentials obtained from
//! long-term keys; with GetFederationToken or chained-role credentials the endpoint answers
//! HTTP 400. Without it the console session lasts as long as the credentials do.

pub mod browser;
pub mod choice;
pub mod federation;
pub mod isolated;
pub mod url;

use crate::audit::{AuditEntry, EventKind};
use serde::Serialize;

pub use self::url::{Destination, Partition};
use crate::aws::client::sts_target;
use crate::aws::plan::{CredentialPlan, Step};
use crate::aws::profile::ResolvedProfile;
use crate::aws::sts::FederationTokenInput;
use crate::broker::Broker;
use crate::credentials::{mask_key_id, Credentials};
use crate::error::{Error, Result, StsErrorKind};
use crate::secret::SecretString;
use federation::{request_signin_token, SigninFailure};

/// Overrides the federation endpoint (tests, corporate proxies). https, or http on loopback.
pub use crate::env::FEDERATION_ENDPOINT as FEDERATION_ENDPOINT_ENV;

/// `SessionDuration` limits of the federation endpoint.
pub const SESSION_DURATION_MIN: u32 = 900;
pub const SESSION_DURATION_MAX: u32 = 43_200;
/// GetFederationToken's limits for IAM users, and the length Otpilot asks for by default.
pub const FEDERATION_MIN: u32 = 900;
pub const FEDERATION_MAX: u32 = 129_600;
pub const FEDERATION_DEFAULT: u32 = 43_200;

/// The session policy passed to GetFederationToken. Without one the federated session has no
/// permissions at all; with this one it has exactly the IAM user's (the intersection).
pub const ALLOW_ALL_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// How the credentials that sign in were obtained: AWS's SessionDuration rules depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// AssumeRole called with the long-term keys: SessionDuration allowed.
    RoleFromLongTermKeys,
    /// AssumeRole called with temporary credentials (the MFA session or another role).
    ChainedRole,
    /// No role in the chain: GetFederationToken from the long-term keys.
    FederationToken,
}

impl CredentialKind {
    pub fn of_plan(plan: &CredentialPlan) -> Self {
        let actions: Vec<&Step> = plan.actions().collect();
        match actions.as_slice() {
            [Step::LongTermKeys { .. }, Step::AssumeRole { .. }] => Self::RoleFromLongTermKeys,
            [.., Step::AssumeRole { .. }] => Self::ChainedRole,
            _ => Self::FederationToken,
        }
    }
}

/// The `SessionDuration` to send for `requested`, or why AWS would refuse it.
pub fn session_duration(plan: &CredentialPlan, requested: Option<u32>) -> Result<Option<u32>> {
    let Some(seconds) = requested else {
        return Ok(None);
    };
    let refuse = |reason: String| Error::ConsoleDuration {
        profile: plan.profile.clone(),
        reason,
    };
    match CredentialKind::of_plan(plan) {
        CredentialKind::RoleFromLongTermKeys => {
            if (SESSION_DURATION_MIN..=SESSION_DURATION_MAX).contains(&seconds) {
                Ok(Some(seconds))
            } else {
                Err(refuse(format!(
                    "AWS accepts {SESSION_DURATION_MIN} to {SESSION_DURATION_MAX} s, not {seconds}"
                )))
            }
        }
        // GetFederationToken takes the duration itself; see `federation_duration`.
        CredentialKind::FederationToken => Ok(None),
        CredentialKind::ChainedRole => {
            let roles = plan
                .actions()
                .filter(|s| matches!(s, Step::AssumeRole { .. }))
                .count();
            let fix = if roles > 1 {
                "a role assumed from another role is always chained, so omit --duration (the console session then lasts as long as the role credentials, at most 1 hour)"
            } else {
                "set duration_seconds greater than 3600 on the profile so Otpilot assumes the role straight from the long-term keys, or omit --duration (the console session then lasts as long as the role credentials)"
            };
            Err(refuse(format!(
                "its role is assumed with temporary credentials (role chaining), and AWS rejects SessionDuration for chained credentials; {fix}"
            )))
        }
    }
}

/// GetFederationToken's duration for `requested` (default 12 h).
pub fn federation_duration(profile: &str, requested: Option<u32>) -> Result<u32> {
    let seconds = requested.unwrap_or(FEDERATION_DEFAULT);
    if (FEDERATION_MIN..=FEDERATION_MAX).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Error::ConsoleDuration {
            profile: profile.to_owned(),
            reason: format!(
                "GetFederationToken accepts {FEDERATION_MIN} to {FEDERATION_MAX} s, not {seconds}"
            ),
        })
    }
}

/// What to open, where, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleRequest {
    pub destination: Destination,
    /// Default: the profile's region, then `AWS_REGION`/`AWS_DEFAULT_REGION`, as for STS.
    pub region: Option<String>,
    /// The console session's length, where AWS lets Otpilot choose it.
    pub duration: Option<u32>,
}

/// A ready sign-in. The URLs are bearer secrets for 15 minutes: open them, never log them.
pub struct ConsoleLogin {
    pub profile: String,
    pub partition: Partition,
    pub kind: CredentialKind,
    /// The console page the login lands on (not secret).
    pub destination: String,
    /// `…/federation?Action=login&Issuer=…&Destination=…&SigninToken=…`.
    pub login_url: SecretString,
    /// The partition's logout endpoint redirecting to `login_url`.
    pub logout_url: SecretString,
}

impl Broker<'_> {
    /// Signs `profile` in to the console: credentials, sign-in token, login URL.
    pub fn console_login(&self, profile: &str, request: &ConsoleRequest) -> Result<ConsoleLogin> {
        // Everything that can be refused offline is checked before any call.
        let (resolved, plan) = self.plan(profile)?;
        let kind = CredentialKind::of_plan(&plan);
        let session_duration = session_duration(&plan, request.duration)?;
        let token_duration = match kind {
            CredentialKind::FederationToken => federation_duration(profile, request.duration)?,
            _ => 0,
        };
        let region = match &request.region {
            Some(region) => region.clone(),
            None => sts_target(&resolved).region,
        };
        let role_arn = resolved.hops.last().map(|h| h.role_arn.as_str());
        let partition = url::detect_partition(role_arn, &region)?;
        let destination = url::destination_url(partition, &request.destination, &region)?;
        let override_url = std::env::var(FEDERATION_ENDPOINT_ENV).ok();
        let endpoint = url::federation_endpoint(partition, override_url.as_deref())?;
        if let Some(host) = url::foreign_signin_host(&endpoint) {
            warn_about_endpoint(self.ui, &self.dirs.state, &host);
        }
        tracing::debug!(
            "console: profile `{profile}` signs in to the {} partition at {destination} ({})",
            partition.id(),
            match kind {
                CredentialKind::RoleFromLongTermKeys =>
                    "role credentials assumed from long-term keys",
                CredentialKind::ChainedRole => "chained role credentials: no SessionDuration",
                CredentialKind::FederationToken =>
                    "no role: GetFederationToken from the long-term keys",
            }
        );

        let credentials = match kind {
            CredentialKind::FederationToken => {
                self.federation_credentials(&resolved, token_duration)?
            }
            _ => {
                let (used, credentials) = self.credentials_with_plan(profile)?;
                if used != plan {
                    // The AWS config changed between the checks and the call.
                    return Err(Error::ConsoleRequest(format!(
                        "the AWS config of profile `{profile}` changed while signing in; try again"
                    )));
                }
                credentials
            }
        };

        let form = url::signin_token_form(&credentials, session_duration);
        let sent: Vec<&str> = [
            Some(credentials.access_key_id.as_str()),
            Some(credentials.secret_access_key.expose()),
            credentials.session_token.as_ref().map(SecretString::expose),
        ]
        .into_iter()
        .flatten()
        .collect();
        let host = endpoint[::url::Position::BeforeHost..::url::Position::AfterPort].to_owned();
        tracing::debug!(
            "console: asking {host} for a sign-in token for {}{}",
            mask_key_id(&credentials.access_key_id),
            session_duration
                .map(|s| format!(" with SessionDuration={s}"))
                .unwrap_or_default()
        );
        let token = request_signin_token(&endpoint, &form, &sent)
            .map_err(|f| signin_error(f, profile, host, session_duration))?;
        tracing::debug!("console: sign-in token received");
        self.audit.record(AuditEntry {
            profile: Some(profile.to_owned()),
            role_arn: role_arn.map(str::to_owned),
            access_key_id: Some(credentials.access_key_id.clone()),
            purpose: Some(destination.clone()),
            ..AuditEntry::new(EventKind::ConsoleSignin)
        });
        let login_url = url::login_url(&endpoint, &destination, &token);
        let logout_url = url::logout_url(partition, &login_url);
        Ok(ConsoleLogin {
            profile: profile.to_owned(),
            partition,
            kind,
            destination,
            login_url,
            logout_url,
        })
    }

    /// GetFederationToken from the long-term keys, for an IAM user without a role.
    fn federation_credentials(
        &self,
        resolved: &ResolvedProfile,
        duration: u32,
    ) -> Result<Credentials> {
        let profile = &resolved.name;
        let keys = self.long_term_keys(profile)?;
        self.ui.notice(&format!(
            "profile `{profile}` has no role, so it signs in with GetFederationToken: this console session carries no MFA context, and actions whose policies require MFA will be denied"
        ));
        let input = FederationTokenInput {
            name: url::federation_user_name(profile),
            policy: ALLOW_ALL_POLICY.to_owned(),
            duration,
        };
        tracing::debug!(
            "console: calling GetFederationToken as `{}` for {duration} s",
            input.name
        );
        let base = Credentials::from_long_term(&keys);
        match self.sts.get_federation_token(&sts_target(resolved), &base, &input) {
            Ok(out) => Ok(out.credentials),
            Err(failure) if failure.kind == StsErrorKind::AccessDenied => {
                Err(Error::ProfileNotConsoleCapable {
                    profile: profile.clone(),
                    reason: "it has no role, the console refuses its MFA session (GetSessionToken) credentials, and AWS denied GetFederationToken (which takes no MFA code, so policies that require MFA deny it); give it a role to sign in with (role_arn and source_profile), or allow sts:GetFederationToken for the user".into(),
                })
            }
            Err(failure) => Err(failure.into_error("GetFederationToken", profile)),
        }
    }
}

fn signin_error(
    failure: SigninFailure,
    profile: &str,
    host: String,
    session_duration: Option<u32>,
) -> Error {
    match failure {
        SigninFailure::Rejected { reason, .. } => {
            let hint = if session_duration.is_some() {
                "AWS accepts SessionDuration only for a role assumed straight from long-term keys; try again without --duration".to_owned()
            } else {
                format!(
                    "check the profile's chain and credentials with `otpilot profile status {profile}`{}",
                    if std::env::var_os(FEDERATION_ENDPOINT_ENV).is_some() {
                        format!(", and that {FEDERATION_ENDPOINT_ENV} ({host}) is an AWS federation endpoint")
                    } else {
                        String::new()
                    }
                )
            };
            Error::SigninRejected {
                profile: profile.to_owned(),
                reason,
                hint,
            }
        }
        SigninFailure::Unreachable(detail) => Error::SigninUnreachable { host, detail },
        SigninFailure::BadResponse(detail) => Error::SigninBadResponse { host, detail },
    }
}

#[cfg(test)]
mod tests;

/// Role credentials go to whatever `OTPILOT_FEDERATION_ENDPOINT` names: say so the first
/// time a host that is not AWS's gets them (a proxy of the company's, or a mistake). The hosts
/// already named are kept in the state dir, so the warning does not become noise.
fn warn_about_endpoint(ui: &dyn crate::mfa::Interaction, state_dir: &std::path::Path, host: &str) {
    let path = state_dir.join("federation-endpoints-warned");
    let known = std::fs::read_to_string(&path).unwrap_or_default();
    if known.lines().any(|l| l == host) {
        return;
    }
    ui.warn(&format!(
        "OTPILOT_FEDERATION_ENDPOINT sends your role credentials to {host}, which is not an AWS sign-in host; unset it unless you trust that host (said once per host)"
    ));
    let text = format!("{known}{host}\n");
    if let Err(e) = crate::atomic::write_private_in_own_dir(&path, text.as_bytes()) {
        tracing::debug!("could not remember the warned endpoint: {e}");
    }
}
