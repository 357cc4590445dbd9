//! The live check of a profile: credentials through Otpilot, then STS's GetCallerIdentity
//! with them, so the person sees the identity the AWS CLI will act as (or the error and its
//! fix) before they rely on it.

use serde::{Deserialize, Serialize};

use super::Session;
use crate::aws::client::sts_target;
use crate::credentials::Credentials;
use crate::error::Error;

/// Who a profile's credentials act as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProfileIdentity {
    pub profile: String,
    /// `arn:aws:sts::123456789012:assumed-role/Admin/otpilot-alice`, for a role.
    pub arn: String,
    pub account: String,
}

impl Session {
    /// Checks `profile` end to end: credentials for the Otpilot profile it hands out (its
    /// own, or the one its `credential_process` names), got by `credentials` the way the
    /// front end's callers get them (the tray's memory, the agent, the broker), then
    /// GetCallerIdentity with them at that profile's STS endpoint.
    pub fn check_profile<E: From<Error>>(
        &self,
        profile: &str,
        credentials: impl FnOnce(&str) -> std::result::Result<Credentials, E>,
    ) -> std::result::Result<ProfileIdentity, E> {
        let profiles = self.profiles()?;
        let target = profiles
            .delegates_to(profile)
            .unwrap_or_else(|| profile.to_owned());
        let resolved = profiles.resolve(&target)?;
        let credentials = credentials(&target)?;
        let (identity, _skew) = self
            .sts
            .get_caller_identity(&sts_target(&resolved), &credentials)
            .map_err(|f| f.into_error("GetCallerIdentity", &target))?;
        Ok(ProfileIdentity {
            profile: profile.to_owned(),
            arn: identity.arn,
            account: identity.account,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::World;

    #[test]
    fn a_role_is_checked_with_its_own_credentials_and_a_delegating_profile_through_its_target() {
        let w = World::new();
        w.add_device();
        std::fs::write(
            &w.files.config,
            format!(
                "{}[profile ci]\ncredential_process = /usr/bin/otpilot credential-process admin\n",
                crate::testing::BASE_AND_ADMIN_CONFIG
            ),
        )
        .unwrap();
        let identity = w
            .session
            .check_profile("admin", |p| w.session.credentials(p))
            .unwrap();
        assert_eq!(
            identity.arn,
            "arn:aws:sts::123456789012:assumed-role/Admin/otpilot"
        );
        let mut asked = Vec::new();
        let identity = w
            .session
            .check_profile("ci", |p| {
                asked.push(p.to_owned());
                w.session.credentials(p)
            })
            .unwrap();
        assert_eq!(asked, vec!["admin"]);
        assert_eq!(identity.profile, "ci");
        assert!(identity.arn.contains("assumed-role/Admin"));
        // The identity call is signed with the role's credentials.
        let calls = w.sts.calls.lock().unwrap();
        let last = calls.last().unwrap();
        assert_eq!(last.op, "GetCallerIdentity");
        assert!(last.signer.starts_with("ASIAFAKE"));
    }

    #[test]
    fn a_failing_check_says_which_call_failed() {
        let w = World::new();
        w.add_device();
        w.sts.fail_with(crate::error::StsErrorKind::AccessDenied);
        let e = w
            .session
            .check_profile("admin", |p| w.session.credentials(p))
            .unwrap_err();
        assert!(e.to_string().contains("admin"), "{e}");
    }
}
