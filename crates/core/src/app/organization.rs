//! `otpilot account report|enforce-mfa --organization`: the single-account report and MFA
//! enforcement in every account of an AWS Organization, from the management account's (or a
//! delegated administrator's) profile.
//!
//! One MFA session for the whole run: the profile's credentials come through its plan once
//! (one code), then each member account is reached by AssumeRole of the organization's
//! access role with those credentials (role chaining, so 15-minute sessions are plenty and
//! legal). The account the profile itself is in is checked with the profile's own
//! credentials: the management account has no access role of its own. Accounts are checked
//! by a bounded pool of threads; each SDK call retries throttling by itself (standard retry
//! mode). An account that cannot be reached or read is an outcome of its own, never an error
//! of the run.
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html>

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::account::{Admin, EnforcePlan};
use super::Session;
use crate::account::organization::{self, OrganizationReport, Outcome, Scope};
use crate::aws::client::{iam_target, sts_target, ServiceTarget};
use crate::aws::iam_admin::Principal;
use crate::aws::organizations::{organizations_target, MemberAccount};
use crate::aws::profile::Profiles;
use crate::aws::sts::AssumeRoleInput;
use crate::credentials::Credentials;
use crate::error::{Error, Result, StsErrorKind};

/// Member-account sessions live this long (AWS's minimum): the run needs minutes.
const MEMBER_SESSION_SECONDS: u32 = 900;
/// The role session name, so CloudTrail in each member account says what assumed the role.
const MEMBER_SESSION_NAME: &str = "otpilot-organization";

/// What to run over, and how.
#[derive(Debug, Clone)]
pub struct OrgOptions {
    /// The access role's name in each member account.
    pub role: String,
    pub scope: Scope,
    /// Accounts checked at once (1 ..= [`organization::MAX_CONCURRENCY`]).
    pub concurrency: usize,
}

impl Default for OrgOptions {
    fn default() -> Self {
        Self {
            role: organization::DEFAULT_ACCESS_ROLE.to_owned(),
            scope: Scope::All,
            concurrency: organization::DEFAULT_CONCURRENCY,
        }
    }
}

impl OrgOptions {
    /// The options as the person typed them (the CLI's flags, the window's fields), checked.
    pub fn new(
        role: &str,
        accounts: &[String],
        unit: Option<&str>,
        concurrency: usize,
    ) -> Result<Self> {
        Ok(Self {
            role: organization::role_name(role)?,
            scope: Scope::from_input(accounts, unit)?,
            concurrency: organization::concurrency(concurrency)?,
        })
    }
}

/// Progress of a run: accounts done, and how many there are.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// The enforcement plan of one account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberPlan {
    pub account_id: String,
    pub account_name: String,
    pub plan: Planned,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    Plan(EnforcePlan),
    /// The group or user does not exist in this account: nothing to enforce there.
    NoPrincipal,
    /// The account could not be planned (why).
    Failed(String),
}

/// `enforce-mfa --organization`'s plan: one per account to check, and the skipped ones.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgEnforcePlan {
    pub principal: String,
    pub members: Vec<MemberPlan>,
    /// (account id, name, reason).
    pub skipped: Vec<(String, String, String)>,
}

impl OrgEnforcePlan {
    /// The accounts where the plan changes something.
    pub fn to_change(&self) -> impl Iterator<Item = &MemberPlan> {
        self.members
            .iter()
            .filter(|m| matches!(&m.plan, Planned::Plan(p) if !p.changes_nothing()))
    }

    pub fn unplanned(&self) -> usize {
        self.members
            .iter()
            .filter(|m| matches!(m.plan, Planned::Failed(_)))
            .count()
    }
}

/// What `--yes` did in one account: the policy's ARN, or why it failed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberApplied {
    pub account_id: String,
    pub account_name: String,
    pub result: std::result::Result<String, String>,
}

/// The run's shared part: the profile's one MFA session and the accounts to visit.
struct Org {
    profile: String,
    creds: Credentials,
    /// The account the profile's credentials belong to.
    own_account: String,
    partition: String,
    iam: ServiceTarget,
    sts: ServiceTarget,
    role: String,
    check: Vec<MemberAccount>,
    skipped: Vec<(MemberAccount, String)>,
}

impl Session {
    /// The account report in every (selected) account of the organization.
    pub fn organization_report(
        &self,
        profile: &str,
        options: &OrgOptions,
        progress: Progress,
    ) -> Result<OrganizationReport> {
        let org = self.organization(profile, options)?;
        let mut outcomes = self.for_each_member(&org, options.concurrency, progress, |admin| {
            let admin = match admin {
                Ok(admin) => admin,
                Err(reason) => return Outcome::NotChecked(reason),
            };
            match self.report_with(&admin) {
                Ok(report) => Outcome::Checked {
                    users: report.users,
                    findings: report.findings,
                },
                Err(e) => Outcome::NotChecked(reason_of(&e)),
            }
        });
        outcomes.extend(
            org.skipped
                .iter()
                .map(|(a, why)| (a.clone(), Outcome::Skipped(why.clone()))),
        );
        Ok(organization::assemble(profile, &org.role, outcomes))
    }

    /// What enforcing MFA on `principal` would do in each account; reads only.
    pub fn organization_enforce_plan(
        &self,
        profile: &str,
        options: &OrgOptions,
        principal: &Principal,
        progress: Progress,
    ) -> Result<OrgEnforcePlan> {
        let org = self.organization(profile, options)?;
        let planned = self.for_each_member(&org, options.concurrency, progress, |admin| {
            let admin = match admin {
                Ok(admin) => admin,
                Err(why) => return Planned::Failed(why),
            };
            match self.plan_enforcement(&admin, principal) {
                Ok(plan) => Planned::Plan(plan),
                Err(Error::Iam { code, .. }) if code == "NoSuchEntity" => Planned::NoPrincipal,
                Err(e) => Planned::Failed(reason_of(&e)),
            }
        });
        Ok(OrgEnforcePlan {
            principal: principal.describe(),
            members: planned
                .into_iter()
                .map(|(a, plan)| MemberPlan {
                    account_id: a.id,
                    account_name: a.name,
                    plan,
                })
                .collect(),
            skipped: org
                .skipped
                .into_iter()
                .map(|(a, why)| (a.id, a.name, why))
                .collect(),
        })
    }

    /// Carries out `plan` (made by [`Self::organization_enforce_plan`] and confirmed) in
    /// the accounts where it changes something, each change in the audit log with its
    /// account. An account that fails is its own result; the others go on.
    pub fn organization_enforce_apply(
        &self,
        profile: &str,
        options: &OrgOptions,
        principal: &Principal,
        plan: &OrgEnforcePlan,
        progress: Progress,
    ) -> Result<Vec<MemberApplied>> {
        let mut org = self.organization(profile, options)?;
        let changes: Vec<&MemberPlan> = plan.to_change().collect();
        org.check
            .retain(|a| changes.iter().any(|m| m.account_id == a.id));
        let applied = self.for_each_member(&org, options.concurrency, progress, |admin| {
            let admin = admin?;
            let account = admin
                .member
                .as_ref()
                .map_or(org.own_account.as_str(), |(id, _)| id.as_str());
            let member = changes
                .iter()
                .find_map(|m| match &m.plan {
                    Planned::Plan(p) if m.account_id == account => Some(p),
                    _ => None,
                })
                .expect("only accounts with a plan are visited");
            self.apply_enforcement(&admin, principal, member)
                .map_err(|e| reason_of(&e))
        });
        Ok(applied
            .into_iter()
            .map(|(a, result)| MemberApplied {
                account_id: a.id,
                account_name: a.name,
                result,
            })
            .collect())
    }

    /// The profile's MFA session, who it is, and the accounts to visit.
    fn organization(&self, profile: &str, options: &OrgOptions) -> Result<Org> {
        let resolved = Profiles::load(&self.aws_files()?)?.resolve(profile)?;
        let creds = self.credentials(profile)?;
        let sts = sts_target(&resolved);
        let (identity, _) = self
            .sts
            .get_caller_identity(&sts, &creds)
            .map_err(|f| f.into_error("GetCallerIdentity", profile))?;
        let listed = self
            .organizations
            .list_accounts(
                &organizations_target(&resolved),
                &creds,
                match &options.scope {
                    Scope::Unit(parent) => Some(parent.as_str()),
                    _ => None,
                },
            )
            .map_err(|f| Error::Organizations {
                op: match options.scope {
                    Scope::Unit(_) => "ListAccountsForParent",
                    _ => "ListAccounts",
                },
                code: f.code,
                message: f.message,
            })?;
        let only = match &options.scope {
            Scope::Accounts(ids) => Some(ids.as_slice()),
            _ => None,
        };
        let (check, skipped) =
            organization::select(listed, only).map_err(|missing| Error::Organizations {
                op: "ListAccounts",
                code: "NotInOrganization".into(),
                message: format!(
                    "{} not in the organization (`aws organizations list-accounts` lists its accounts)",
                    missing.join(", ")
                ),
            })?;
        let partition = identity.arn.split(':').nth(1).unwrap_or("aws").to_owned();
        Ok(Org {
            profile: profile.to_owned(),
            creds,
            own_account: identity.account,
            partition,
            iam: iam_target(&resolved),
            sts,
            role: options.role.clone(),
            check,
            skipped,
        })
    }

    /// Runs `work` for every account of `org.check` on at most `concurrency` threads, with
    /// the account's credentials (or why there are none); answers in `org.check`'s order.
    fn for_each_member<T: Send>(
        &self,
        org: &Org,
        concurrency: usize,
        progress: Progress,
        work: impl Fn(std::result::Result<Admin, String>) -> T + Sync,
    ) -> Vec<(MemberAccount, T)> {
        let total = org.check.len();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<T>>> = Mutex::new((0..total).map(|_| None).collect());
        let workers = concurrency
            .clamp(1, organization::MAX_CONCURRENCY)
            .min(total);
        progress(0, total);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(account) = org.check.get(i) else {
                        return;
                    };
                    let result = work(self.member_admin(org, account));
                    super::lock(&results)[i] = Some(result);
                    progress(done.fetch_add(1, Ordering::SeqCst) + 1, total);
                });
            }
        });
        let results = results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        org.check
            .iter()
            .cloned()
            .zip(results)
            .map(|(a, r)| (a, r.expect("every account was visited")))
            .collect()
    }

    /// The credentials for one account: the profile's own in its own account, else its
    /// access role's (AssumeRole with the profile's MFA session).
    fn member_admin(
        &self,
        org: &Org,
        account: &MemberAccount,
    ) -> std::result::Result<Admin, String> {
        if account.id == org.own_account {
            return Ok(Admin {
                profile: org.profile.clone(),
                creds: org.creds.clone(),
                iam: org.iam.clone(),
                member: None,
            });
        }
        let role_arn = format!(
            "arn:{}:iam::{}:role/{}",
            org.partition, account.id, org.role
        );
        let input = AssumeRoleInput {
            role_arn: role_arn.clone(),
            session_name: MEMBER_SESSION_NAME.to_owned(),
            external_id: None,
            source_identity: None,
            duration: MEMBER_SESSION_SECONDS,
            mfa: None,
        };
        match self.sts.assume_role(&org.sts, &org.creds, &input) {
            Ok(out) => Ok(Admin {
                profile: org.profile.clone(),
                creds: out.credentials,
                iam: org.iam.clone(),
                member: Some((account.id.clone(), role_arn)),
            }),
            Err(f) => Err(format!(
                "{} on sts:AssumeRole of {role_arn}: {}",
                sts_code(f.kind),
                f.message
            )),
        }
    }
}

/// "AccessDenied on iam:GenerateCredentialReport", for an account that could not be read.
fn reason_of(e: &Error) -> String {
    match e {
        Error::AccountDenied { action, .. } => format!("AccessDenied on iam:{action}"),
        Error::Iam { op, code, message } => format!("{code} on iam:{op}: {message}"),
        other => other.to_string(),
    }
}

/// AWS's name for an STS failure kind.
fn sts_code(kind: StsErrorKind) -> &'static str {
    match kind {
        StsErrorKind::AccessDenied | StsErrorKind::InvalidMfa => "AccessDenied",
        StsErrorKind::ExpiredToken => "ExpiredToken",
        StsErrorKind::InvalidKeys => "InvalidClientTokenId",
        StsErrorKind::Throttled => "Throttling",
        StsErrorKind::Unreachable => "Unreachable",
        StsErrorKind::Timeout => "Timeout",
        StsErrorKind::RoleChainingLimit => "ValidationError",
        StsErrorKind::Other => "Error",
    }
}
