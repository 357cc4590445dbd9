//! The organization-wide account report's rules: which of the organization's accounts are
//! checked (active ones; suspended and closing ones are skipped and said), how the
//! per-account reports become one table (every finding carries its account, most severe
//! first, then by account id, so the order never depends on which account finished first),
//! the summaries, and when the run fails. No AWS call is made here; `app::organization`
//! makes them.

use serde::{Deserialize, Serialize};

use super::report::{Finding, Severity};
use crate::aws::organizations::MemberAccount;

/// The role AWS Organizations creates in every account it creates, trusted by the
/// management account.
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html>
pub const DEFAULT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// Accounts checked at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// More than this would only queue at AWS's throttling.
pub const MAX_CONCURRENCY: usize = 64;

/// An option of the organization run that cannot be used, as the person typed it (the CLI's
/// flags and the window's fields are checked here, once).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadOption {
    #[error("`{0}` is not an organizational unit id (`ou-…`) or root id (`r-…`); `aws organizations list-roots` shows them")]
    Unit(String),
    #[error("`{0}` is not an AWS account id (12 digits); give the accounts as 111111111111,222222222222")]
    Account(String),
    #[error("give either account ids or an organizational unit, not both")]
    AccountsAndUnit,
    #[error("`{0}` is not an IAM role name (1 to 64 letters, digits or +=,.@_-); the default is {DEFAULT_ACCESS_ROLE}")]
    Role(String),
    #[error("{0} accounts at once is out of range: give 1 to {MAX_CONCURRENCY}")]
    Concurrency(usize),
}

impl From<BadOption> for crate::error::Error {
    fn from(bad: BadOption) -> Self {
        crate::error::Error::OrgOption(bad.to_string())
    }
}

/// Which accounts to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every account of the organization (ListAccounts).
    All,
    /// These account ids, which must be in the organization.
    Accounts(Vec<String>),
    /// The accounts directly in this organizational unit or root (ListAccountsForParent).
    Unit(String),
}

impl Scope {
    /// The scope from what the person gave: an organizational unit (or root) id, account ids,
    /// or neither for every account. Blank entries (a trailing comma) are ignored.
    pub fn from_input(accounts: &[String], unit: Option<&str>) -> Result<Scope, BadOption> {
        let accounts: Vec<String> = accounts
            .iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        match unit {
            Some(_) if !accounts.is_empty() => Err(BadOption::AccountsAndUnit),
            Some(u) if !is_parent_id(u) => Err(BadOption::Unit(u.to_owned())),
            Some(u) => Ok(Scope::Unit(u.to_owned())),
            None if accounts.is_empty() => Ok(Scope::All),
            None => match accounts.iter().find(|id| !is_account_id(id)) {
                Some(bad) => Err(BadOption::Account(bad.clone())),
                None => Ok(Scope::Accounts(accounts)),
            },
        }
    }
}

/// The access role's name as typed: an IAM role name (no path).
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
pub fn role_name(typed: &str) -> Result<String, BadOption> {
    let role = typed.trim();
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b);
    if role.is_empty() || role.len() > 64 || !role.bytes().all(ok) {
        return Err(BadOption::Role(typed.to_owned()));
    }
    Ok(role.to_owned())
}

/// The number of accounts checked at once, when it is in range.
pub fn concurrency(n: usize) -> Result<usize, BadOption> {
    if (1..=MAX_CONCURRENCY).contains(&n) {
        Ok(n)
    } else {
        Err(BadOption::Concurrency(n))
    }
}

/// One finding of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrgFinding {
    pub account_id: String,
    pub account_name: String,
    #[serde(flatten)]
    pub finding: Finding,
}

/// What became of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AccountStatus {
    /// The report ran: this many IAM users, and findings by severity.
    Checked {
        users: u32,
        high: u32,
        medium: u32,
        low: u32,
    },
    /// The account could not be checked ("AccessDenied on sts:AssumeRole: ...").
    NotChecked { reason: String },
    /// Not an account to check: suspended, or closing.
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountRow {
    pub account_id: String,
    pub account_name: String,
    #[serde(flatten)]
    pub status: AccountStatus,
}

/// Counts over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub checked: u32,
    pub not_checked: u32,
    pub skipped: u32,
}

/// The organization's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrganizationReport {
    pub profile: String,
    /// The role assumed in each member account.
    pub role: String,
    /// Every account listed, by account id.
    pub accounts: Vec<AccountRow>,
    /// Most severe first, then by account id, then in the account report's order.
    pub findings: Vec<OrgFinding>,
    pub summary: Summary,
}

impl OrganizationReport {
    pub fn has_high(&self) -> bool {
        self.summary.high > 0
    }

    /// `account report --organization` exits 1: a high finding anywhere, or an account that
    /// could not be checked (unless the person allowed that).
    pub fn fails(&self, allow_unchecked: bool) -> bool {
        self.has_high() || (!allow_unchecked && self.summary.not_checked > 0)
    }
}

/// What one account's check came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    Checked { users: u32, findings: Vec<Finding> },
    NotChecked(String),
    Skipped(String),
}

/// The accounts to check, and those skipped with the reason.
pub type Selection = (Vec<MemberAccount>, Vec<(MemberAccount, String)>);

/// Splits the listed accounts into those to check and those skipped (with the reason).
/// `Err` names the requested ids that are not in the listing.
pub fn select(
    listed: Vec<MemberAccount>,
    only: Option<&[String]>,
) -> Result<Selection, Vec<String>> {
    let listed = match only {
        None => listed,
        Some(ids) => {
            let missing: Vec<String> = ids
                .iter()
                .filter(|id| !listed.iter().any(|a| &a.id == *id))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(missing);
            }
            listed.into_iter().filter(|a| ids.contains(&a.id)).collect()
        }
    };
    let mut check = Vec::new();
    let mut skipped = Vec::new();
    for account in listed {
        match account.status.as_str() {
            "ACTIVE" => check.push(account),
            "SUSPENDED" => skipped.push((account, "suspended".to_owned())),
            "PENDING_CLOSURE" | "CLOSED" => skipped.push((account, "being closed".to_owned())),
            other => {
                let reason = format!("state {}", other.to_ascii_lowercase());
                skipped.push((account, reason));
            }
        }
    }
    Ok((check, skipped))
}

/// One table out of every account's outcome.
pub fn assemble(
    profile: &str,
    role: &str,
    outcomes: Vec<(MemberAccount, Outcome)>,
) -> OrganizationReport {
    let mut outcomes = outcomes;
    outcomes.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut summary = Summary::default();
    let mut accounts = Vec::new();
    let mut findings = Vec::new();
    for (account, outcome) in outcomes {
        let status = match outcome {
            Outcome::Checked {
                users,
                findings: found,
            } => {
                let count = |s: Severity| found.iter().filter(|f| f.severity == s).count() as u32;
                let (high, medium, low) = (
                    count(Severity::High),
                    count(Severity::Medium),
                    count(Severity::Low),
                );
                summary.high += high;
                summary.medium += medium;
                summary.low += low;
                summary.checked += 1;
                findings.extend(found.into_iter().map(|finding| OrgFinding {
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                    finding,
                }));
                AccountStatus::Checked {
                    users,
                    high,
                    medium,
                    low,
                }
            }
            Outcome::NotChecked(reason) => {
                summary.not_checked += 1;
                AccountStatus::NotChecked { reason }
            }
            Outcome::Skipped(reason) => {
                summary.skipped += 1;
                AccountStatus::Skipped { reason }
            }
        };
        accounts.push(AccountRow {
            account_id: account.id,
            account_name: account.name,
            status,
        });
    }
    // Stable: within one severity, accounts by id (the order above), and each account's
    // findings in its own report's order.
    findings.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
    OrganizationReport {
        profile: profile.to_owned(),
        role: role.to_owned(),
        accounts,
        findings,
        summary,
    }
}

/// Whether `id` is an AWS account id (12 digits).
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `id` is an organizational unit (`ou-xxxx-yyyyyyyy`) or root (`r-xxxx`) id.
pub fn is_parent_id(id: &str) -> bool {
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (id.starts_with("ou-") || id.starts_with("r-")) && ok(id)
}

#[cfg(test)]
mod tests;
