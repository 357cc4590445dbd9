//! `IamAdminApi`: the IAM calls of `otpilot account` (the credential report, the account
//! summary, unassigned virtual MFA devices, group members, the managed MFA policy and its
//! attachment, the password policy), made by [`SdkIam`] with aws-sdk-iam. Each failure
//! names the IAM action, so a refused permission reads as the permission to grant.

use aws_sdk_iam::types::{AssignmentStatusType, PolicyScopeType, ReportStateType, SummaryKeyType};

use super::client::ServiceTarget;
use super::iam::{IamFailure, IamResult, PasswordPolicy, SdkIam};
use crate::credentials::Credentials;

/// Whom a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Group(String),
    User(String),
}

impl Principal {
    /// "group Developers", "user alice".
    pub fn describe(&self) -> String {
        match self {
            Principal::Group(g) => format!("group {g}"),
            Principal::User(u) => format!("user {u}"),
        }
    }
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub arn: String,
    pub default_version: String,
}

pub trait IamAdminApi: Send + Sync {
    /// GenerateCredentialReport: whether the report is complete (ask again until it is).
    fn generate_credential_report(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<bool>;
    /// GetCredentialReport: the CSV.
    fn get_credential_report(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<String>;
    /// GetAccountSummary's `AccountMFAEnabled`: whether the root user has MFA.
    fn root_mfa_enabled(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<Option<bool>>;
    /// ListVirtualMFADevices with `Unassigned`: the serials.
    fn unassigned_virtual_mfa_devices(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
    ) -> IamResult<Vec<String>>;
    /// GetGroup: the members' user names.
    fn group_members(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        group: &str,
    ) -> IamResult<Vec<String>>;
    /// ListPolicies (local) by name.
    fn find_local_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        name: &str,
    ) -> IamResult<Option<ManagedPolicy>>;
    /// GetPolicyVersion: the version's document, decoded.
    fn policy_document(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        policy: &ManagedPolicy,
    ) -> IamResult<serde_json::Value>;
    /// CreatePolicy: the new policy's ARN.
    fn create_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        name: &str,
        document: &str,
    ) -> IamResult<String>;
    /// ListPolicyVersions: (version id, is default).
    fn policy_versions(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
    ) -> IamResult<Vec<(String, bool)>>;
    fn delete_policy_version(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
        version: &str,
    ) -> IamResult<()>;
    /// CreatePolicyVersion, made the default.
    fn create_default_policy_version(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
        document: &str,
    ) -> IamResult<()>;
    /// ListAttachedGroupPolicies / ListAttachedUserPolicies: the ARNs.
    fn attached_policies(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        to: &Principal,
    ) -> IamResult<Vec<String>>;
    /// AttachGroupPolicy / AttachUserPolicy.
    fn attach_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        to: &Principal,
        arn: &str,
    ) -> IamResult<()>;
    /// UpdateAccountPasswordPolicy.
    fn update_password_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        policy: &PasswordPolicy,
    ) -> IamResult<()>;
}

impl IamAdminApi for SdkIam {
    fn generate_credential_report(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<bool> {
        let out = self.run(t, c, |c| c.generate_credential_report().send())?;
        Ok(out.state() == Some(&ReportStateType::Complete))
    }

    fn get_credential_report(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<String> {
        let out = self.run(t, c, |c| c.get_credential_report().send())?;
        let content = out.content().ok_or_else(|| IamFailure {
            code: "Incomplete".into(),
            message: "IAM answered GetCredentialReport without the report".into(),
        })?;
        String::from_utf8(content.as_ref().to_vec()).map_err(|_| IamFailure {
            code: "Incomplete".into(),
            message: "the credential report is not text".into(),
        })
    }

    fn root_mfa_enabled(&self, t: &ServiceTarget, c: &Credentials) -> IamResult<Option<bool>> {
        let out = self.run(t, c, |c| c.get_account_summary().send())?;
        Ok(out
            .summary_map()
            .and_then(|m| m.get(&SummaryKeyType::AccountMfaEnabled))
            .map(|v| *v == 1))
    }

    fn unassigned_virtual_mfa_devices(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
    ) -> IamResult<Vec<String>> {
        all_pages(|marker| {
            let out = self.run(t, c, |c| {
                c.list_virtual_mfa_devices()
                    .assignment_status(AssignmentStatusType::Unassigned)
                    .set_marker(marker)
                    .send()
            })?;
            let serials = out
                .virtual_mfa_devices()
                .iter()
                // moto ignores the filter; AWS leaves the user out of unassigned ones.
                .filter(|d| d.user().is_none())
                .map(|d| d.serial_number().to_owned())
                .collect();
            Ok((serials, next_marker(out.is_truncated(), out.marker())))
        })
    }

    fn group_members(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        group: &str,
    ) -> IamResult<Vec<String>> {
        all_pages(|marker| {
            let out = self.run(t, c, |c| {
                c.get_group().group_name(group).set_marker(marker).send()
            })?;
            let users = out
                .users()
                .iter()
                .map(|u| u.user_name().to_owned())
                .collect();
            Ok((users, next_marker(out.is_truncated(), out.marker())))
        })
    }

    fn find_local_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        name: &str,
    ) -> IamResult<Option<ManagedPolicy>> {
        let policies = all_pages(|marker| {
            let out = self.run(t, c, |c| {
                c.list_policies()
                    .scope(PolicyScopeType::Local)
                    .set_marker(marker)
                    .send()
            })?;
            let found = out
                .policies()
                .iter()
                .filter(|p| p.policy_name() == Some(name))
                .map(|p| ManagedPolicy {
                    arn: p.arn().unwrap_or_default().to_owned(),
                    default_version: p.default_version_id().unwrap_or("v1").to_owned(),
                })
                .collect();
            Ok((found, next_marker(out.is_truncated(), out.marker())))
        })?;
        Ok(policies.into_iter().next())
    }

    fn policy_document(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        policy: &ManagedPolicy,
    ) -> IamResult<serde_json::Value> {
        let out = self.run(t, c, |c| {
            c.get_policy_version()
                .policy_arn(&policy.arn)
                .version_id(&policy.default_version)
                .send()
        })?;
        let text = out
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default();
        // AWS returns the document URL-encoded (RFC 3986); some emulators do not.
        serde_json::from_str(text)
            .or_else(|_| {
                let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
                serde_json::from_str(&decoded)
            })
            .map_err(|_| IamFailure {
                code: "Incomplete".into(),
                message: format!("the document of {} is not JSON", policy.arn),
            })
    }

    fn create_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        name: &str,
        document: &str,
    ) -> IamResult<String> {
        let out = self.run(t, c, |c| {
            c.create_policy()
                .policy_name(name)
                .description("Deny everything but MFA self-service without MFA (Otpilot)")
                .policy_document(document)
                .send()
        })?;
        Ok(out
            .policy()
            .and_then(|p| p.arn())
            .unwrap_or_default()
            .to_owned())
    }

    fn policy_versions(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
    ) -> IamResult<Vec<(String, bool)>> {
        let out = self.run(t, c, |c| c.list_policy_versions().policy_arn(arn).send())?;
        Ok(out
            .versions()
            .iter()
            .map(|v| {
                (
                    v.version_id().unwrap_or_default().to_owned(),
                    v.is_default_version(),
                )
            })
            .collect())
    }

    fn delete_policy_version(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
        version: &str,
    ) -> IamResult<()> {
        self.run(t, c, |c| {
            c.delete_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send()
        })
        .map(drop)
    }

    fn create_default_policy_version(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        arn: &str,
        document: &str,
    ) -> IamResult<()> {
        self.run(t, c, |c| {
            c.create_policy_version()
                .policy_arn(arn)
                .policy_document(document)
                .set_as_default(true)
                .send()
        })
        .map(drop)
    }

    fn attached_policies(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        to: &Principal,
    ) -> IamResult<Vec<String>> {
        let arns = |list: &[aws_sdk_iam::types::AttachedPolicy]| {
            list.iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect()
        };
        match to {
            Principal::Group(g) => self
                .run(t, c, |c| {
                    c.list_attached_group_policies().group_name(g).send()
                })
                .map(|out| arns(out.attached_policies())),
            Principal::User(u) => self
                .run(t, c, |c| {
                    c.list_attached_user_policies().user_name(u).send()
                })
                .map(|out| arns(out.attached_policies())),
        }
    }

    fn attach_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        to: &Principal,
        arn: &str,
    ) -> IamResult<()> {
        match to {
            Principal::Group(g) => self
                .run(t, c, |c| {
                    c.attach_group_policy().group_name(g).policy_arn(arn).send()
                })
                .map(drop),
            Principal::User(u) => self
                .run(t, c, |c| {
                    c.attach_user_policy().user_name(u).policy_arn(arn).send()
                })
                .map(drop),
        }
    }

    fn update_password_policy(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        p: &PasswordPolicy,
    ) -> IamResult<()> {
        self.run(t, c, |c| {
            c.update_account_password_policy()
                .set_minimum_password_length(p.minimum_length)
                .require_symbols(p.require_symbols)
                .require_numbers(p.require_numbers)
                .require_uppercase_characters(p.require_uppercase)
                .require_lowercase_characters(p.require_lowercase)
                .allow_users_to_change_password(p.allow_users_to_change)
                .set_password_reuse_prevention(p.reuse_prevention)
                .set_max_password_age(p.max_age_days)
                .send()
        })
        .map(drop)
    }
}

/// Every page of a listing: `page(marker)` answers one page and the next marker.
fn all_pages<T>(
    mut page: impl FnMut(Option<String>) -> IamResult<(Vec<T>, Option<String>)>,
) -> IamResult<Vec<T>> {
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let (items, next) = page(marker)?;
        all.extend(items);
        match next {
            Some(next) => marker = Some(next),
            None => return Ok(all),
        }
    }
}

/// IAM's `Marker`, only when the page says it is truncated.
fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    marker.filter(|_| truncated).map(str::to_owned)
}
