//! The account password policy baseline, the one `otpilot doctor` checks against and
//! `otpilot account password-policy --apply` sets: at least 14 characters, every character
//! class, the last 24 passwords remembered, users may change their own (the CIS AWS
//! Foundations Benchmark's recommendations).

use serde::Serialize;

use crate::aws::iam::PasswordPolicy;

pub const MIN_PASSWORD_LENGTH: i32 = 14;
pub const MIN_REUSE_PREVENTION: i32 = 24;

/// The baseline as a policy.
pub fn baseline() -> PasswordPolicy {
    PasswordPolicy {
        minimum_length: Some(MIN_PASSWORD_LENGTH),
        require_symbols: true,
        require_numbers: true,
        require_uppercase: true,
        require_lowercase: true,
        allow_users_to_change: true,
        reuse_prevention: Some(MIN_REUSE_PREVENTION),
        max_age_days: None,
    }
}

/// What AWS applies when an account has no policy: 8 characters, nothing required.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html>
pub fn aws_default() -> PasswordPolicy {
    PasswordPolicy {
        minimum_length: Some(8),
        allow_users_to_change: true,
        ..Default::default()
    }
}

/// The baseline, keeping every setting of `current` that is already stricter (a longer
/// minimum, more remembered passwords, a maximum age, which the baseline does not set).
pub fn baseline_keeping_stricter(current: Option<&PasswordPolicy>) -> PasswordPolicy {
    let base = baseline();
    let Some(current) = current else {
        return base;
    };
    PasswordPolicy {
        minimum_length: current.minimum_length.max(base.minimum_length),
        require_symbols: true,
        require_numbers: true,
        require_uppercase: true,
        require_lowercase: true,
        allow_users_to_change: true,
        reuse_prevention: current.reuse_prevention.max(base.reuse_prevention),
        max_age_days: current.max_age_days,
    }
}

/// One setting of the policy beside the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyField {
    /// `minimum_length`, `require_symbols`, ...
    pub field: &'static str,
    /// What the account has; `none` when it has no policy and AWS's default applies.
    pub current: String,
    pub baseline: String,
    /// The account's setting is at least as strict as the baseline's.
    pub meets: bool,
}

/// Every setting, field by field: `current` (None: no policy) beside the baseline.
pub fn compare(current: Option<&PasswordPolicy>) -> Vec<PolicyField> {
    let base = baseline();
    let shown = current.cloned().unwrap_or_else(aws_default);
    let number = |n: Option<i32>| n.map_or("not set".to_owned(), |n| n.to_string());
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let mut rows = vec![PolicyField {
        field: "minimum_length",
        current: number(shown.minimum_length),
        baseline: number(base.minimum_length),
        meets: shown.minimum_length.unwrap_or(8) >= MIN_PASSWORD_LENGTH,
    }];
    for (field, have) in [
        ("require_uppercase", shown.require_uppercase),
        ("require_lowercase", shown.require_lowercase),
        ("require_numbers", shown.require_numbers),
        ("require_symbols", shown.require_symbols),
        ("allow_users_to_change", shown.allow_users_to_change),
    ] {
        rows.push(PolicyField {
            field,
            current: yes_no(have),
            baseline: yes_no(true),
            meets: have,
        });
    }
    rows.push(PolicyField {
        field: "reuse_prevention",
        current: number(shown.reuse_prevention),
        baseline: number(base.reuse_prevention),
        meets: shown.reuse_prevention.unwrap_or(0) >= MIN_REUSE_PREVENTION,
    });
    rows.push(PolicyField {
        field: "max_age_days",
        current: number(shown.max_age_days),
        baseline: "not set".to_owned(),
        // The baseline does not ask for expiry (NIST SP 800-63B advises against it).
        meets: true,
    });
    rows
}

/// Where a password policy falls short of the baseline, one sentence each.
pub fn policy_gaps(p: &PasswordPolicy) -> Vec<String> {
    let mut gaps = Vec::new();
    let length = p.minimum_length.unwrap_or(8);
    if length < MIN_PASSWORD_LENGTH {
        gaps.push(format!(
            "passwords may be {length} characters; the baseline is at least {MIN_PASSWORD_LENGTH}"
        ));
    }
    for (required, class) in [
        (p.require_uppercase, "upper-case letters"),
        (p.require_lowercase, "lower-case letters"),
        (p.require_numbers, "numbers"),
        (p.require_symbols, "symbols"),
    ] {
        if !required {
            gaps.push(format!("passwords need not contain {class}"));
        }
    }
    match p.reuse_prevention {
        Some(n) if n >= MIN_REUSE_PREVENTION => {}
        Some(n) => gaps.push(format!(
            "only the last {n} passwords are remembered; the baseline is at least {MIN_REUSE_PREVENTION}"
        )),
        None => gaps.push("old passwords may be reused".into()),
    }
    if !p.allow_users_to_change {
        gaps.push("users may not change their own passwords".into());
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strong_policy_has_no_gaps_and_a_weak_one_lists_each() {
        assert!(policy_gaps(&baseline()).is_empty());
        let weak = PasswordPolicy {
            minimum_length: Some(8),
            ..Default::default()
        };
        let gaps = policy_gaps(&weak);
        assert_eq!(gaps.len(), 7, "{gaps:?}");
        assert!(gaps[0].contains("8 characters"));
    }

    #[test]
    fn applying_keeps_what_is_already_stricter() {
        let current = PasswordPolicy {
            minimum_length: Some(20),
            reuse_prevention: Some(3),
            max_age_days: Some(90),
            require_symbols: true,
            ..Default::default()
        };
        let applied = baseline_keeping_stricter(Some(&current));
        assert_eq!(applied.minimum_length, Some(20));
        assert_eq!(applied.reuse_prevention, Some(24));
        assert_eq!(applied.max_age_days, Some(90));
        assert!(applied.require_uppercase && applied.allow_users_to_change);
        assert!(policy_gaps(&applied).is_empty());
        assert_eq!(baseline_keeping_stricter(None), baseline());
    }

    #[test]
    fn compares_field_by_field() {
        let rows = compare(None);
        assert_eq!(rows[0].current, "8");
        assert!(!rows[0].meets);
        let strict = compare(Some(&baseline()));
        assert!(strict.iter().all(|r| r.meets), "{strict:?}");
    }
}
