//! `otpilot account` and the window's Account view: the account report, MFA enforcement,
//! the password policy and unassigned-device cleanup, each through the profile's own
//! credentials from the normal plan (an MFA session included, since an enforce-MFA policy
//! denies IAM writes without one). Every change is written to the audit log; a refused
//! permission is one line naming the IAM action.

use super::Session;
use crate::account::password::{self, PolicyField};
use crate::account::report::{self, Finding, ReportInput, Severity};
use crate::account::ENFORCE_MFA_POLICY_NAME;
use crate::audit::{AuditEntry, EventKind};
use crate::aws::client::{iam_target, ServiceTarget};
use crate::aws::iam::{IamFailure, PasswordPolicy};
use crate::aws::iam_admin::Principal;
use crate::aws::profile::Profiles;
use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// How often, and how long, to ask whether the credential report is ready.
const REPORT_POLL: std::time::Duration = std::time::Duration::from_secs(1);
const REPORT_ATTEMPTS: u32 = 60;

/// AWS keeps at most five versions of a managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

/// What the report found.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountReport {
    pub profile: String,
    /// IAM users in the credential report (the root user not counted).
    pub users: u32,
    /// Most severe first.
    pub findings: Vec<Finding>,
}

impl AccountReport {
    /// A high-severity finding exists: `account report` exits 1, to gate CI.
    pub fn has_high(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::High)
    }
}

/// What `enforce-mfa` will do, worked out before anything is written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnforcePlan {
    /// "group Developers", "user alice".
    pub principal: String,
    pub policy_name: &'static str,
    /// The policy's ARN, when it exists already.
    pub policy_arn: Option<String>,
    pub policy_change: PolicyChange,
    /// The policy is not attached to the principal yet.
    pub attach: bool,
    /// Members (or the user) without an active MFA device: after the attachment they keep
    /// only the MFA and password self-service the policy allows.
    pub restricted: Vec<String>,
    /// Members of the group (1 for a user).
    pub members: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyChange {
    /// The policy is missing: CreatePolicy.
    Create,
    /// The policy's default document differs from Otpilot's: a new default version.
    Update,
    Unchanged,
}

impl EnforcePlan {
    pub fn changes_nothing(&self) -> bool {
        self.policy_change == PolicyChange::Unchanged && !self.attach
    }
}

/// The password policy beside the baseline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PasswordPolicyReview {
    /// `None`: the account has no policy (AWS's default applies).
    pub current: Option<PasswordPolicy>,
    pub fields: Vec<PolicyField>,
    pub meets_baseline: bool,
    /// What `--apply` sets: the baseline, keeping stricter settings.
    pub to_apply: PasswordPolicy,
}

/// The profile's credentials (through the plan) and where IAM is for it; in an
/// organization's member account, the credentials of its access role.
pub(super) struct Admin {
    pub(super) profile: String,
    pub(super) creds: Credentials,
    pub(super) iam: ServiceTarget,
    /// The member account and the role assumed in it (`None`: the profile's own account).
    pub(super) member: Option<(String, String)>,
}

impl Admin {
    /// An IAM failure of `action` (`GetAccountSummary`), AccessDenied named as the permission.
    pub(super) fn failed(&self, action: &'static str) -> impl Fn(IamFailure) -> Error + '_ {
        move |f: IamFailure| {
            if f.code.starts_with("AccessDenied") {
                Error::AccountDenied {
                    profile: self.profile.clone(),
                    action,
                }
            } else {
                f.into_error(action)
            }
        }
    }
}

impl Session {
    fn admin(&self, profile: &str) -> Result<Admin> {
        let profiles = Profiles::load(&self.aws_files()?)?;
        let iam = iam_target(&profiles.resolve(profile)?);
        let creds = self.credentials(profile)?;
        Ok(Admin {
            profile: profile.to_owned(),
            creds,
            iam,
            member: None,
        })
    }

    /// Every change goes to the audit log; in a member account, with the account and the
    /// role it was made through.
    fn record_change(&self, admin: &Admin, operation: &str, target: String) {
        let (target, role_arn) = match &admin.member {
            None => (target, None),
            Some((account, role)) => (format!("account {account}: {target}"), Some(role.clone())),
        };
        self.audit().record(AuditEntry {
            profile: Some(admin.profile.clone()),
            operation: Some(operation.to_owned()),
            target: Some(target),
            role_arn,
            ..AuditEntry::new(EventKind::AccountChanged)
        });
    }

    /// The account report: the credential report, the account summary, unassigned virtual
    /// MFA devices and the password policy, judged by [`report::findings`].
    pub fn account_report(&self, profile: &str) -> Result<AccountReport> {
        let a = self.admin(profile)?;
        self.report_with(&a)
    }

    /// The account report with `a`'s credentials (a member account's, for the organization).
    pub(super) fn report_with(&self, a: &Admin) -> Result<AccountReport> {
        let profile = a.profile.as_str();
        let csv = self.credential_report(a)?;
        let users = report::parse_credential_report(&csv).map_err(|why| Error::Iam {
            op: "GetCredentialReport",
            code: "Unreadable".into(),
            message: format!("the credential report cannot be read: {why}"),
        })?;
        let root_mfa = self
            .iam_admin
            .root_mfa_enabled(&a.iam, &a.creds)
            .map_err(a.failed("GetAccountSummary"))?;
        let unassigned = self
            .iam_admin
            .unassigned_virtual_mfa_devices(&a.iam, &a.creds)
            .map_err(a.failed("ListVirtualMFADevices"))?;
        let policy = self
            .iam
            .get_account_password_policy(&a.iam, &a.creds)
            .map_err(a.failed("GetAccountPasswordPolicy"))?;
        let findings = report::findings(&ReportInput {
            profile,
            account: a.member.as_ref().map(|(id, _)| id.as_str()),
            users: &users,
            root_mfa,
            unassigned_devices: &unassigned,
            password_policy: policy.as_ref(),
            now: crate::clock::unix_now_i64(),
        });
        Ok(AccountReport {
            profile: profile.to_owned(),
            users: users.iter().filter(|u| !u.is_root).count() as u32,
            findings,
        })
    }

    /// GenerateCredentialReport until IAM says it is complete (seconds, at AWS), then
    /// GetCredentialReport.
    fn credential_report(&self, a: &Admin) -> Result<String> {
        for _ in 0..REPORT_ATTEMPTS {
            let complete = self
                .iam_admin
                .generate_credential_report(&a.iam, &a.creds)
                .map_err(a.failed("GenerateCredentialReport"))?;
            if complete {
                return self
                    .iam_admin
                    .get_credential_report(&a.iam, &a.creds)
                    .map_err(a.failed("GetCredentialReport"));
            }
            std::thread::sleep(REPORT_POLL);
        }
        Err(Error::Iam {
            op: "GenerateCredentialReport",
            code: "Timeout".into(),
            message: "IAM did not finish the credential report within a minute; try again".into(),
        })
    }

    /// What enforcing MFA on `principal` would do; reads only.
    pub fn enforce_mfa_plan(&self, profile: &str, principal: &Principal) -> Result<EnforcePlan> {
        let a = self.admin(profile)?;
        self.plan_enforcement(&a, principal)
    }

    pub(super) fn plan_enforcement(&self, a: &Admin, principal: &Principal) -> Result<EnforcePlan> {
        let members = match principal {
            Principal::Group(group) => self
                .iam_admin
                .group_members(&a.iam, &a.creds, group)
                .map_err(a.failed("GetGroup"))?,
            Principal::User(user) => vec![user.clone()],
        };
        let mut restricted = Vec::new();
        for user in &members {
            let devices = self
                .iam
                .list_mfa_devices(&a.iam, &a.creds, user)
                .map_err(a.failed("ListMFADevices"))?;
            if devices.is_empty() {
                restricted.push(user.clone());
            }
        }
        let existing = self
            .iam_admin
            .find_local_policy(&a.iam, &a.creds, ENFORCE_MFA_POLICY_NAME)
            .map_err(a.failed("ListPolicies"))?;
        let (policy_arn, policy_change, attach) = match &existing {
            None => (None, PolicyChange::Create, true),
            Some(policy) => {
                let document = self
                    .iam_admin
                    .policy_document(&a.iam, &a.creds, policy)
                    .map_err(a.failed("GetPolicyVersion"))?;
                let change = if document == crate::policy::enforce_mfa() {
                    PolicyChange::Unchanged
                } else {
                    PolicyChange::Update
                };
                let attached = self
                    .iam_admin
                    .attached_policies(&a.iam, &a.creds, principal)
                    .map_err(a.failed(match principal {
                        Principal::Group(_) => "ListAttachedGroupPolicies",
                        Principal::User(_) => "ListAttachedUserPolicies",
                    }))?;
                (
                    Some(policy.arn.clone()),
                    change,
                    !attached.contains(&policy.arn),
                )
            }
        };
        Ok(EnforcePlan {
            principal: principal.describe(),
            policy_name: ENFORCE_MFA_POLICY_NAME,
            policy_arn,
            policy_change,
            attach,
            restricted,
            members: members.len(),
        })
    }

    /// Carries out `plan` (made by [`Self::enforce_mfa_plan`] and confirmed): creates or
    /// updates the policy, then attaches it. Returns the policy's ARN.
    pub fn enforce_mfa_apply(
        &self,
        profile: &str,
        principal: &Principal,
        plan: &EnforcePlan,
    ) -> Result<String> {
        let a = self.admin(profile)?;
        self.apply_enforcement(&a, principal, plan)
    }

    /// Carries out `plan` with `a`'s credentials.
    pub(super) fn apply_enforcement(
        &self,
        a: &Admin,
        principal: &Principal,
        plan: &EnforcePlan,
    ) -> Result<String> {
        let document = crate::policy::enforce_mfa().to_string();
        let arn = match (plan.policy_change, &plan.policy_arn) {
            (PolicyChange::Create, _) | (_, None) => {
                let arn = self
                    .iam_admin
                    .create_policy(&a.iam, &a.creds, ENFORCE_MFA_POLICY_NAME, &document)
                    .map_err(a.failed("CreatePolicy"))?;
                self.record_change(a, "CreatePolicy", arn.clone());
                arn
            }
            (PolicyChange::Update, Some(arn)) => {
                self.replace_policy_document(a, arn, &document)?;
                arn.clone()
            }
            (PolicyChange::Unchanged, Some(arn)) => arn.clone(),
        };
        if plan.attach {
            let action = match principal {
                Principal::Group(_) => "AttachGroupPolicy",
                Principal::User(_) => "AttachUserPolicy",
            };
            self.iam_admin
                .attach_policy(&a.iam, &a.creds, principal, &arn)
                .map_err(a.failed(action))?;
            self.record_change(a, action, format!("{} ({arn})", principal.describe()));
        }
        Ok(arn)
    }

    /// A new default version with `document`, making room first when AWS's five are used.
    fn replace_policy_document(&self, a: &Admin, arn: &str, document: &str) -> Result<()> {
        let versions = self
            .iam_admin
            .policy_versions(&a.iam, &a.creds, arn)
            .map_err(a.failed("ListPolicyVersions"))?;
        if versions.len() >= MAX_POLICY_VERSIONS {
            // The oldest that is not the default, by its number (`v3`): the listing's order
            // is not documented.
            let number = |id: &str| {
                id.trim_start_matches('v')
                    .parse::<u64>()
                    .unwrap_or(u64::MAX)
            };
            let oldest = versions
                .iter()
                .filter(|(_, default)| !default)
                .min_by_key(|(id, _)| number(id));
            if let Some((oldest, _)) = oldest {
                self.iam_admin
                    .delete_policy_version(&a.iam, &a.creds, arn, oldest)
                    .map_err(a.failed("DeletePolicyVersion"))?;
                self.record_change(a, "DeletePolicyVersion", format!("{arn} {oldest}"));
            }
        }
        self.iam_admin
            .create_default_policy_version(&a.iam, &a.creds, arn, document)
            .map_err(a.failed("CreatePolicyVersion"))?;
        self.record_change(a, "CreatePolicyVersion", arn.to_owned());
        Ok(())
    }

    /// The account's password policy beside the baseline.
    pub fn password_policy_review(&self, profile: &str) -> Result<PasswordPolicyReview> {
        let a = self.admin(profile)?;
        self.review_password_policy(&a)
    }

    fn review_password_policy(&self, a: &Admin) -> Result<PasswordPolicyReview> {
        let current = self
            .iam
            .get_account_password_policy(&a.iam, &a.creds)
            .map_err(a.failed("GetAccountPasswordPolicy"))?;
        let fields = password::compare(current.as_ref());
        Ok(PasswordPolicyReview {
            meets_baseline: current
                .as_ref()
                .is_some_and(|p| password::policy_gaps(p).is_empty()),
            to_apply: password::baseline_keeping_stricter(current.as_ref()),
            current,
            fields,
        })
    }

    /// Sets the baseline, keeping stricter settings. `None`: the policy already meets it,
    /// and nothing was written.
    pub fn apply_password_policy(&self, profile: &str) -> Result<Option<PasswordPolicy>> {
        let a = self.admin(profile)?;
        let review = self.review_password_policy(&a)?;
        if review.meets_baseline {
            return Ok(None);
        }
        self.iam_admin
            .update_password_policy(&a.iam, &a.creds, &review.to_apply)
            .map_err(a.failed("UpdateAccountPasswordPolicy"))?;
        self.record_change(&a, "UpdateAccountPasswordPolicy", "account".into());
        Ok(Some(review.to_apply))
    }

    /// Virtual MFA devices assigned to nobody.
    pub fn unassigned_mfa_devices(&self, profile: &str) -> Result<Vec<String>> {
        let a = self.admin(profile)?;
        self.iam_admin
            .unassigned_virtual_mfa_devices(&a.iam, &a.creds)
            .map_err(a.failed("ListVirtualMFADevices"))
    }

    /// Deletes the given unassigned devices, one by one; stops at the first failure, with
    /// the ones deleted before it recorded.
    pub fn delete_unassigned_mfa_devices(&self, profile: &str, serials: &[String]) -> Result<()> {
        let a = self.admin(profile)?;
        for serial in serials {
            self.iam
                .delete_virtual_mfa_device(&a.iam, &a.creds, serial)
                .map_err(a.failed("DeleteVirtualMFADevice"))?;
            self.record_change(&a, "DeleteVirtualMFADevice", serial.clone());
        }
        Ok(())
    }
}
