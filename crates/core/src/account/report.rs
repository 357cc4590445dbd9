//! The account report's rules: IAM's credential report, the account summary, the virtual MFA
//! devices assigned to nobody and the password policy in; findings out, each with its
//! severity and the exact fix.
//!
//! The credential report is CSV with one row per IAM user and one for the root user
//! (`<root_account>`).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>

use serde::{Deserialize, Serialize};

use super::password::policy_gaps;
use crate::aws::iam::PasswordPolicy;

/// Access keys older than this, or unused for this long, are findings.
pub const KEY_AGE_DAYS: i64 = 90;
const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// Stable id: `root_mfa`, `console_without_mfa`, `keys_without_mfa`, `old_access_key`,
    /// `unused_access_key`, `unassigned_mfa_device`, `no_password_policy`,
    /// `weak_password_policy`.
    pub check: String,
    pub severity: Severity,
    /// Who or what: a user name, `root`, a device serial, `account`.
    pub subject: String,
    pub detail: String,
    /// The exact command that fixes it (or, for the root user, where to do it).
    pub fix: String,
}

/// One IAM user's row of the credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub user: String,
    pub is_root: bool,
    pub password_enabled: bool,
    pub mfa_active: bool,
    pub keys: Vec<KeyRow>,
}

/// One of a user's two access key slots, when active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// 1 or 2: the report does not name keys by id.
    pub slot: u8,
    /// Unix seconds.
    pub last_rotated: Option<i64>,
    pub last_used: Option<i64>,
}

/// Reads the credential report's CSV. `Err` says what is wrong with it.
pub fn parse_credential_report(csv_text: &str) -> Result<Vec<UserRow>, String> {
    let rows = crate::csv::rows(csv_text)
        .map_err(|line| format!("a quoted field opened on line {line} never closes"))?;
    let Some((header, users)) = rows.split_first() else {
        return Err("it is empty".into());
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| format!("it has no `{name}` column"))
    };
    let user = column("user")?;
    let password_enabled = column("password_enabled")?;
    let mfa_active = column("mfa_active")?;
    let mut key_columns = Vec::new();
    for slot in [1u8, 2] {
        key_columns.push((
            slot,
            column(&format!("access_key_{slot}_active"))?,
            column(&format!("access_key_{slot}_last_rotated"))?,
            column(&format!("access_key_{slot}_last_used_date"))?,
        ));
    }
    users
        .iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() < header.len() {
                return Err(format!(
                    "row {} has {} fields of {}",
                    i + 2,
                    row.len(),
                    header.len()
                ));
            }
            let keys = key_columns
                .iter()
                .filter(|(_, active, _, _)| row[*active].as_str() == "true")
                .map(|&(slot, _, rotated, used)| KeyRow {
                    slot,
                    last_rotated: parse_time(&row[rotated]),
                    last_used: parse_time(&row[used]),
                })
                .collect();
            Ok(UserRow {
                user: row[user].to_string(),
                is_root: row[user].as_str() == "<root_account>",
                password_enabled: row[password_enabled].as_str() == "true",
                mfa_active: row[mfa_active].as_str() == "true",
                keys,
            })
        })
        .collect()
}

/// An ISO 8601 time as the report writes it (`2014-09-01T22:28:48+00:00`, `...Z`); `None`
/// for `N/A`, `no_information`, `not_supported` and anything else.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let clock = time.get(..8)?;
    let mut t = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (t.next()??, t.next()??, t.next()??);
    let zone = time[8..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match zone {
        "" | "Z" | "+00:00" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (zh, zm) = z.get(1..)?.split_once(':')?;
            sign * (zh.parse::<i64>().ok()? * 3600 + zm.parse::<i64>().ok()? * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY + h * 3600 + m * 60 + s - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What the report is made from.
pub struct ReportInput<'a> {
    /// The profile the report was made with, for the fix commands.
    pub profile: &'a str,
    /// The member account, when the report is one account of an organization's (made
    /// through its access role): the fixes then name it.
    pub account: Option<&'a str>,
    pub users: &'a [UserRow],
    /// `AccountMFAEnabled` of the account summary (`None`: not readable).
    pub root_mfa: Option<bool>,
    /// Serials of virtual MFA devices assigned to no user.
    pub unassigned_devices: &'a [String],
    /// The password policy: `None` when the account has none.
    pub password_policy: Option<&'a PasswordPolicy>,
    /// Unix seconds.
    pub now: i64,
}

/// Every finding, most severe first.
pub fn findings(input: &ReportInput) -> Vec<Finding> {
    let p = input.profile;
    let enforce = |name: &str| match input.account {
        None => format!("otpilot account enforce-mfa --profile {p} --user {name}"),
        Some(id) => format!(
            "otpilot account enforce-mfa --profile {p} --organization --accounts {id} --user {name}"
        ),
    };
    // These commands act on the account of the profile they are given.
    let in_account = |command: &str| {
        match input.account {
        None => format!("otpilot account {command} --profile {p}"),
        Some(id) => format!(
            "with a profile for account {id} (e.g. its access role): otpilot account {command} --profile PROFILE"
        ),
    }
    };
    let mut out = Vec::new();
    let root_mfa = input
        .root_mfa
        .or_else(|| input.users.iter().find(|u| u.is_root).map(|u| u.mfa_active));
    if root_mfa == Some(false) {
        out.push(Finding {
            check: "root_mfa".into(),
            severity: Severity::High,
            subject: "root".into(),
            detail: "the root user has no MFA device".into(),
            fix: "sign in as the root user and add an MFA device (IAM console → Security credentials → Assign MFA device)".into(),
        });
    }
    for u in input.users.iter().filter(|u| !u.is_root) {
        let name = &u.user;
        if u.password_enabled && !u.mfa_active {
            out.push(Finding {
                check: "console_without_mfa".into(),
                severity: Severity::High,
                subject: name.clone(),
                detail: format!("`{name}` can sign in to the console with a password and has no active MFA device"),
                fix: enforce(name),
            });
        } else if !u.keys.is_empty() && !u.mfa_active {
            out.push(Finding {
                check: "keys_without_mfa".into(),
                severity: Severity::Medium,
                subject: name.clone(),
                detail: format!("`{name}` has active access keys and no MFA device, so the keys alone are enough"),
                fix: enforce(name),
            });
        }
        for key in &u.keys {
            let age_days = key.last_rotated.map(|t| (input.now - t) / DAY);
            if let Some(days) = age_days.filter(|d| *d > KEY_AGE_DAYS) {
                out.push(Finding {
                    check: "old_access_key".into(),
                    severity: Severity::Medium,
                    subject: name.clone(),
                    detail: format!("access key {} of `{name}` is {days} days old (more than {KEY_AGE_DAYS})", key.slot),
                    fix: format!("aws iam create-access-key --user-name {name}, move the user's tools to it, then `aws iam delete-access-key --user-name {name} --access-key-id OLD_ID` (ids: `aws iam list-access-keys --user-name {name}`)"),
                });
            }
            // A key unused for 90 days; a newer key that was never used is not (yet) one.
            let unused_days = match key.last_used {
                Some(t) => Some((input.now - t) / DAY),
                None => age_days,
            };
            if let Some(days) = unused_days.filter(|d| *d > KEY_AGE_DAYS) {
                let when = if key.last_used.is_some() {
                    format!("was last used {days} days ago")
                } else {
                    format!("has never been used in its {days} days")
                };
                out.push(Finding {
                    check: "unused_access_key".into(),
                    severity: Severity::Low,
                    subject: name.clone(),
                    detail: format!("access key {} of `{name}` {when}", key.slot),
                    fix: format!("aws iam update-access-key --user-name {name} --access-key-id ID --status Inactive, then delete it (ids: `aws iam list-access-keys --user-name {name}`)"),
                });
            }
        }
    }
    for serial in input.unassigned_devices {
        out.push(Finding {
            check: "unassigned_mfa_device".into(),
            severity: Severity::Low,
            subject: serial.clone(),
            detail: format!(
                "the virtual MFA device {serial} is assigned to nobody (an abandoned enrolment)"
            ),
            fix: in_account("cleanup-mfa"),
        });
    }
    match input.password_policy {
        None => out.push(Finding {
            check: "no_password_policy".into(),
            severity: Severity::Medium,
            subject: "account".into(),
            detail: "the account has no password policy, so AWS's default applies (8 characters, nothing required)".into(),
            fix: format!("{} --apply", in_account("password-policy")),
        }),
        Some(policy) => {
            let gaps = policy_gaps(policy);
            if !gaps.is_empty() {
                out.push(Finding {
                    check: "weak_password_policy".into(),
                    severity: Severity::Medium,
                    subject: "account".into(),
                    detail: format!("the password policy is below the baseline: {}", gaps.join("; ")),
                    fix: format!("{} --apply", in_account("password-policy")),
                });
            }
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

#[cfg(test)]
mod tests;
