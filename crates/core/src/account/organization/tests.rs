use super::*;

fn account(id: &str, status: &str) -> MemberAccount {
    MemberAccount {
        id: id.into(),
        name: format!("name-{id}"),
        status: status.into(),
    }
}

fn finding(check: &str, severity: Severity) -> Finding {
    Finding {
        check: check.into(),
        severity,
        subject: "s".into(),
        detail: "d".into(),
        fix: "f".into(),
    }
}

#[test]
fn suspended_and_closing_accounts_are_skipped_with_the_reason() {
    let (check, skipped) = select(
        vec![
            account("111111111111", "ACTIVE"),
            account("222222222222", "SUSPENDED"),
            account("333333333333", "PENDING_CLOSURE"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(check, [account("111111111111", "ACTIVE")]);
    let reasons: Vec<_> = skipped
        .iter()
        .map(|(a, r)| (a.id.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("222222222222", "suspended"),
            ("333333333333", "being closed")
        ]
    );
}

#[test]
fn requested_accounts_must_be_in_the_organization() {
    let listed = vec![
        account("111111111111", "ACTIVE"),
        account("222222222222", "ACTIVE"),
    ];
    let (check, _) = select(listed.clone(), Some(&["222222222222".to_owned()])).unwrap();
    assert_eq!(check, [account("222222222222", "ACTIVE")]);
    assert_eq!(
        select(listed, Some(&["999999999999".to_owned()])).unwrap_err(),
        ["999999999999"]
    );
}

#[test]
fn the_table_does_not_depend_on_the_order_accounts_finished() {
    let outcomes = || {
        vec![
            (
                account("222222222222", "ACTIVE"),
                Outcome::Checked {
                    users: 2,
                    findings: vec![
                        finding("console_without_mfa", Severity::High),
                        finding("no_password_policy", Severity::Medium),
                    ],
                },
            ),
            (
                account("111111111111", "ACTIVE"),
                Outcome::Checked {
                    users: 1,
                    findings: vec![finding("root_mfa", Severity::High)],
                },
            ),
            (
                account("333333333333", "ACTIVE"),
                Outcome::NotChecked("AccessDenied on sts:AssumeRole".into()),
            ),
        ]
    };
    let a = assemble("p", DEFAULT_ACCESS_ROLE, outcomes());
    let mut reversed = outcomes();
    reversed.reverse();
    assert_eq!(a, assemble("p", DEFAULT_ACCESS_ROLE, reversed));
    let order: Vec<_> = a
        .findings
        .iter()
        .map(|f| (f.account_id.as_str(), f.finding.check.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("111111111111", "root_mfa"),
            ("222222222222", "console_without_mfa"),
            ("222222222222", "no_password_policy"),
        ]
    );
    assert_eq!(
        a.summary,
        Summary {
            high: 2,
            medium: 1,
            low: 0,
            checked: 2,
            not_checked: 1,
            skipped: 0
        }
    );
}

#[test]
fn an_unchecked_account_fails_the_run_unless_allowed() {
    let report = assemble(
        "p",
        DEFAULT_ACCESS_ROLE,
        vec![(
            account("333333333333", "ACTIVE"),
            Outcome::NotChecked("AccessDenied on sts:AssumeRole".into()),
        )],
    );
    assert!(report.fails(false));
    assert!(!report.fails(true));
    let clean = assemble(
        "p",
        DEFAULT_ACCESS_ROLE,
        vec![(
            account("111111111111", "ACTIVE"),
            Outcome::Checked {
                users: 0,
                findings: vec![finding("no_password_policy", Severity::Medium)],
            },
        )],
    );
    assert!(!clean.fails(false));
}

#[test]
fn ids_are_told_apart() {
    assert!(is_account_id("123456789012"));
    assert!(!is_account_id("12345678901"));
    assert!(is_parent_id("ou-ab12-cdef3456"));
    assert!(is_parent_id("r-ab12"));
    assert!(!is_parent_id("123456789012"));
}

#[test]
fn typed_options_become_a_scope_or_say_what_is_wrong() {
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(Scope::from_input(&[], None), Ok(Scope::All));
    // The window's empty fields and a trailing comma mean nothing more.
    assert_eq!(
        Scope::from_input(&ids(&["", " "]), Some(" ")),
        Ok(Scope::All)
    );
    assert_eq!(
        Scope::from_input(&ids(&[" 111111111111", "222222222222", ""]), None),
        Ok(Scope::Accounts(ids(&["111111111111", "222222222222"])))
    );
    assert_eq!(
        Scope::from_input(&[], Some("ou-ab12-cdef3456")),
        Ok(Scope::Unit("ou-ab12-cdef3456".into()))
    );
    assert_eq!(
        Scope::from_input(&ids(&["1111"]), None),
        Err(BadOption::Account("1111".into()))
    );
    assert_eq!(
        Scope::from_input(&[], Some("123456789012")),
        Err(BadOption::Unit("123456789012".into()))
    );
    assert_eq!(
        Scope::from_input(&ids(&["111111111111"]), Some("r-ab12")),
        Err(BadOption::AccountsAndUnit)
    );
    assert_eq!(role_name(" Admin.Org@x "), Ok("Admin.Org@x".into()));
    assert!(role_name("").is_err());
    assert!(role_name("path/Role").is_err());
    assert!(role_name(&"r".repeat(65)).is_err());
    assert_eq!(concurrency(1), Ok(1));
    assert_eq!(concurrency(MAX_CONCURRENCY), Ok(MAX_CONCURRENCY));
    assert_eq!(concurrency(0), Err(BadOption::Concurrency(0)));
    assert_eq!(concurrency(65), Err(BadOption::Concurrency(65)));
}
