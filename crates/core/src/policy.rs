//! IAM policy templates that make MFA mandatory, for `otpilot policy`.
//!
//! `enforce_mfa` is an identity policy for IAM users: they may see and manage their own
//! password and MFA devices without MFA (so they can enrol one with `otpilot mfa enroll`),
//! and everything else is denied unless the request was made with MFA. `role_trust` is a
//! role trust policy that admits the account's principals only with MFA, optionally only
//! when the MFA sign-in is recent.

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// What a user may do without MFA: look after their own password and MFA devices, and get
/// an MFA session. DeleteVirtualMFADevice is here so a failed enrolment can clean up after
/// itself; it cannot remove a device in use, since that must be deactivated first, which
/// needs MFA.
const ALLOWED_WITHOUT_MFA: &[&str] = &[
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:DeleteVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetAccountPasswordPolicy",
    "iam:GetMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
];

/// The identity policy that denies everything but self-service without MFA.
pub fn enforce_mfa() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowViewAccountInfo",
                "Effect": "Allow",
                "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
                "Resource": "*"
            },
            {
                "Sid": "AllowManageOwnPasswordAndUser",
                "Effect": "Allow",
                "Action": ["iam:ChangePassword", "iam:GetUser"],
                "Resource": "arn:aws:iam::*:user/${aws:username}"
            },
            {
                "Sid": "AllowManageOwnVirtualMFADevice",
                "Effect": "Allow",
                "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
                "Resource": "arn:aws:iam::*:mfa/*"
            },
            {
                "Sid": "AllowManageOwnUserMFA",
                "Effect": "Allow",
                "Action": [
                    "iam:DeactivateMFADevice",
                    "iam:EnableMFADevice",
                    "iam:GetMFADevice",
                    "iam:ListMFADevices",
                    "iam:ResyncMFADevice"
                ],
                "Resource": "arn:aws:iam::*:user/${aws:username}"
            },
            {
                "Sid": "DenyAllExceptListedIfNoMFA",
                "Effect": "Deny",
                "NotAction": ALLOWED_WITHOUT_MFA,
                "Resource": "*",
                "Condition": {
                    "BoolIfExists": { "aws:MultiFactorAuthPresent": "false" }
                }
            }
        ]
    })
}

/// Longest MFA age worth asking for: GetSessionToken's longest session (36 h).
pub const MAX_MFA_AGE: u64 = 129_600;

/// A role trust policy for principals of `account` (12 digits) that requires MFA, and with
/// `max_mfa_age` an MFA sign-in no older than that many seconds.
pub fn role_trust(account: &str, partition: &str, max_mfa_age: Option<u64>) -> Result<Value> {
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Lifecycle(format!(
            "`{}` is not an AWS account id: give the 12 digits, e.g. --account 123456789012",
            account.chars().take(40).collect::<String>()
        )));
    }
    if !matches!(partition, "aws" | "aws-us-gov" | "aws-cn") {
        return Err(Error::Lifecycle(format!(
            "unknown partition `{partition}`: use aws, aws-us-gov or aws-cn"
        )));
    }
    let mut condition = json!({ "Bool": { "aws:MultiFactorAuthPresent": "true" } });
    if let Some(age) = max_mfa_age {
        if age == 0 || age > MAX_MFA_AGE {
            return Err(Error::Lifecycle(format!(
                "--max-mfa-age must be between 1 and {MAX_MFA_AGE} seconds"
            )));
        }
        condition["NumericLessThan"] = json!({ "aws:MultiFactorAuthAge": age.to_string() });
    }
    Ok(json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowAssumeRoleOnlyWithMFA",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:{partition}:iam::{account}:root") },
                "Action": "sts:AssumeRole",
                "Condition": condition
            }
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforce_mfa_denies_without_mfa_except_self_service() {
        let p = enforce_mfa();
        let deny = p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Effect"] == "Deny")
            .unwrap();
        assert_eq!(
            deny["Condition"]["BoolIfExists"]["aws:MultiFactorAuthPresent"],
            "false"
        );
        let not_action: Vec<&str> = deny["NotAction"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(not_action.contains(&"sts:GetSessionToken"));
        assert!(not_action.contains(&"iam:EnableMFADevice"));
        assert!(
            !not_action.contains(&"iam:DeactivateMFADevice"),
            "deactivating a device must need MFA"
        );
    }

    #[test]
    fn role_trust_requires_mfa_and_checks_input() {
        let p = role_trust("123456789012", "aws", Some(3600)).unwrap();
        let s = &p["Statement"][0];
        assert_eq!(s["Principal"]["AWS"], "arn:aws:iam::123456789012:root");
        assert_eq!(s["Condition"]["Bool"]["aws:MultiFactorAuthPresent"], "true");
        assert_eq!(
            s["Condition"]["NumericLessThan"]["aws:MultiFactorAuthAge"],
            "3600"
        );
        assert!(role_trust("12345", "aws", None).is_err());
        assert!(role_trust("123456789012", "aws", Some(0)).is_err());
        assert!(role_trust("123456789012", "azure", None).is_err());
        let plain = role_trust("123456789012", "aws-cn", None).unwrap();
        assert!(plain["Statement"][0]["Condition"]
            .get("NumericLessThan")
            .is_none());
    }
}
