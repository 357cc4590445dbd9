use super::*;

/// A credential report in the documented layout (22 columns), on 2026-11-29.
const REPORT: &str = "\
user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
admin,arn:aws:iam::123456789012:user/admin,2021-01-01T00:00:00+00:00,true,2026-11-28T09:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,true,true,2026-11-01T00:00:00+00:00,2026-11-28T09:00:00+00:00,us-east-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
carol,arn:aws:iam::123456789012:user/carol,2025-01-01T00:00:00+00:00,true,no_information,2025-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
ci,arn:aws:iam::123456789012:user/ci,2025-01-01T00:00:00+00:00,false,not_supported,not_supported,not_supported,false,true,2026-05-13T00:00:00+00:00,2026-08-01T12:00:00Z,us-east-1,s3,true,2026-11-20T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
";

const NOW: i64 = 1_795_910_400; // 2026-11-29T00:00:00Z

fn input<'a>(
    users: &'a [UserRow],
    devices: &'a [String],
    policy: Option<&'a PasswordPolicy>,
) -> ReportInput<'a> {
    ReportInput {
        profile: "admin",
        account: None,
        users,
        root_mfa: Some(false),
        unassigned_devices: devices,
        password_policy: policy,
        now: NOW,
    }
}

#[test]
fn times_as_the_report_writes_them() {
    assert_eq!(parse_time("2026-11-29T00:00:00+00:00"), Some(NOW));
    assert_eq!(parse_time("2026-11-29T00:00:00Z"), Some(NOW));
    assert_eq!(parse_time("2026-11-29T02:00:00+02:00"), Some(NOW));
    assert_eq!(parse_time("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(parse_time("N/A"), None);
    assert_eq!(parse_time("no_information"), None);
}

#[test]
fn finds_each_rule_once_most_severe_first() {
    let users = parse_credential_report(REPORT).unwrap();
    assert_eq!(users.len(), 4);
    assert!(users[0].is_root);
    assert_eq!(users[3].keys.len(), 2);
    let devices = vec!["arn:aws:iam::123456789012:mfa/abandoned".to_owned()];
    let found = findings(&input(&users, &devices, None));
    let ids: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.check.as_str(), f.subject.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("root_mfa", "root"),
            ("console_without_mfa", "carol"),
            ("keys_without_mfa", "ci"),
            // 200 days old, last used 120 days ago; the second key is new and unused.
            ("old_access_key", "ci"),
            ("no_password_policy", "account"),
            ("unused_access_key", "ci"),
            (
                "unassigned_mfa_device",
                "arn:aws:iam::123456789012:mfa/abandoned"
            ),
        ]
    );
    assert!(found[1]
        .fix
        .contains("otpilot account enforce-mfa --profile admin --user carol"));
    assert!(
        found[3].detail.contains("200 days old"),
        "{}",
        found[3].detail
    );
    assert!(
        found[5].detail.contains("last used 119 days ago"),
        "{}",
        found[5].detail
    );

    // With the baseline set and root protected: only the user findings remain.
    let strong = crate::account::password::baseline();
    let mut fine = input(&users, &[], Some(&strong));
    fine.root_mfa = Some(true);
    assert!(findings(&fine)
        .iter()
        .all(|f| f.subject != "root" && f.subject != "account"));
}

#[test]
fn a_damaged_report_is_refused() {
    assert!(parse_credential_report("user,arn\nx,y\n").is_err());
    assert!(parse_credential_report("").is_err());
}
