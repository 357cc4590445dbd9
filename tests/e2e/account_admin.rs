//! `otpilot account`: the administrator's report, MFA enforcement, password policy and
//! cleanup, against moto's IAM behind the MFA gate (a moto of the test's own: IAM's users
//! and reports are account-wide). Every call is made with the admin profile's MFA session,
//! and the gate's record proves which IAM writes were made.

use serde_json::Value;

use crate::harness::aws::AwsWorld;
use crate::harness::gate::Fault;

/// IAM actions that change the account.
const WRITES: [&str; 7] = [
    "CreatePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachGroupPolicy",
    "AttachUserPolicy",
    "UpdateAccountPasswordPolicy",
    "DeleteVirtualMFADevice",
];

/// An admin profile `base` (long-term keys and the MFA device `alice`, so its calls carry
/// an MFA session), and an account with: a user with MFA and a password, a console user
/// without MFA, a user with an access key and no MFA, a virtual device assigned to nobody,
/// and no password policy.
fn account() -> (AwsWorld, String) {
    let world = AwsWorld::with_own_moto(crate::harness::TestEnv::new());
    let abandoned = populate(&world);
    (world, abandoned)
}

/// Writes the admin profile and fills the account; returns the unassigned device's serial.
fn populate(world: &AwsWorld) -> String {
    world.write_config("[profile base]\nregion = us-east-1\nmfa_serial = {serial}\n");
    world.write_base_credentials();
    let moto = world.moto;
    for user in ["with-mfa", "console-user", "key-user"] {
        moto.aws(&["iam", "create-user", "--user-name", user]);
    }
    for user in ["with-mfa", "console-user"] {
        moto.aws(&[
            "iam",
            "create-login-profile",
            "--user-name",
            user,
            "--password",
            "Correct-Horse-9",
        ]);
    }
    moto.aws(&["iam", "create-access-key", "--user-name", "key-user"]);
    let device: Value = serde_json::from_str(&moto.aws(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "with-mfa",
        "--outfile",
        "/dev/null",
        "--bootstrap-method",
        "Base32StringSeed",
    ]))
    .unwrap();
    let assigned = device["VirtualMFADevice"]["SerialNumber"].as_str().unwrap();
    moto.aws(&[
        "iam",
        "enable-mfa-device",
        "--user-name",
        "with-mfa",
        "--serial-number",
        assigned,
        "--authentication-code1",
        "123456",
        "--authentication-code2",
        "234567",
    ]);
    let abandoned: Value = serde_json::from_str(&moto.aws(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "abandoned",
        "--outfile",
        "/dev/null",
        "--bootstrap-method",
        "Base32StringSeed",
    ]))
    .unwrap();
    let abandoned = abandoned["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    moto.aws(&["iam", "create-group", "--group-name", "Developers"]);
    for user in ["with-mfa", "console-user"] {
        moto.aws(&[
            "iam",
            "add-user-to-group",
            "--group-name",
            "Developers",
            "--user-name",
            user,
        ]);
    }
    abandoned
}

fn writes(world: &AwsWorld) -> Vec<String> {
    world
        .gate
        .requests()
        .into_iter()
        .filter(|r| WRITES.contains(&r.action.as_str()))
        .map(|r| r.action)
        .collect()
}

#[test]
fn the_report_finds_exactly_the_accounts_gaps_in_json_and_csv() {
    let (world, abandoned) = account();
    let run = world.run(&["account", "report", "--profile", "base", "--json"]);
    assert_eq!(run.code(), 1, "a high finding exits 1: {}", run.stderr());
    let report: Value = serde_json::from_str(&run.stdout()).unwrap();
    let found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["check"].as_str().unwrap().to_owned(),
                f["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected =
        |s: &str, c: &str, subject: &str| (s.to_owned(), c.to_owned(), subject.to_owned());
    assert_eq!(
        found,
        [
            expected("high", "root_mfa", "root"),
            expected("high", "console_without_mfa", "console-user"),
            expected("medium", "keys_without_mfa", "key-user"),
            expected("medium", "no_password_policy", "account"),
            expected("low", "unassigned_mfa_device", &abandoned),
        ]
    );
    assert_eq!(report["users"], 3);
    assert_eq!(
        report["findings"][1]["fix"],
        "otpilot account enforce-mfa --profile base --user console-user"
    );
    // Every IAM call was signed with the MFA session the profile's plan made.
    let iam: Vec<_> = world
        .gate
        .requests()
        .into_iter()
        .filter(|r| r.service.as_deref() == Some("iam"))
        .collect();
    assert!(!iam.is_empty());
    assert!(
        iam.iter().all(|r| r.session_token),
        "an IAM call without the MFA session"
    );
    assert_eq!(world.gate.count("GetSessionToken"), 1);
    assert!(
        writes(&world).is_empty(),
        "the report wrote: {:?}",
        writes(&world)
    );

    world
        .gate
        .fail_next_for("GenerateCredentialReport", 1, Fault::AccessDenied);
    world
        .run(&["account", "report", "--profile", "base"])
        .assert_one_line_error("is not allowed iam:GenerateCredentialReport");

    let csv = world.run(&["account", "report", "--profile", "base", "--csv"]);
    assert_eq!(csv.code(), 1);
    let lines: Vec<String> = csv.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "severity,check,subject,detail,fix");
    assert_eq!(lines.len(), 6, "{}", csv.stdout());
    assert!(
        lines[2].starts_with("high,console_without_mfa,console-user,"),
        "{}",
        lines[2]
    );
    assert!(
        lines[5].starts_with(&format!("low,unassigned_mfa_device,{abandoned},")),
        "{}",
        lines[5]
    );
}

#[test]
fn enforce_mfa_creates_attaches_and_a_second_run_writes_nothing() {
    let (world, _) = account();
    let dry = world.run(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--group",
        "Developers",
        "--dry-run",
    ]);
    dry.assert_ok();
    assert!(
        dry.stderr()
            .contains("will create the managed policy OtpilotEnforceMFA"),
        "{}",
        dry.stderr()
    );
    assert!(
        dry.stderr()
            .contains("1 of 2 without an active MFA device will be restricted")
            && dry.stderr().contains(": console-user"),
        "{}",
        dry.stderr()
    );
    assert!(
        writes(&world).is_empty(),
        "the dry run wrote: {:?}",
        writes(&world)
    );

    // Without a terminal and without --yes, nothing happens.
    // The plan is shown first, then the refusal.
    let refused = world.run(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--group",
        "Developers",
    ]);
    assert_ne!(refused.code(), 0);
    let last = refused
        .stderr()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(last.contains("pass --yes"), "{}", refused.stderr());
    assert!(writes(&world).is_empty());

    world.ok(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--group",
        "Developers",
        "--yes",
    ]);
    assert_eq!(writes(&world), ["CreatePolicy", "AttachGroupPolicy"]);

    // Read back with boto3: the policy is `otpilot policy enforce-mfa`, attached to the group.
    let out = world.python(&format!(
        "import boto3, json\n\
         iam = boto3.client('iam', endpoint_url='{}', aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='x', region_name='us-east-1')\n\
         p = [p for p in iam.list_policies(Scope='Local')['Policies'] if p['PolicyName'] == 'OtpilotEnforceMFA'][0]\n\
         doc = iam.get_policy_version(PolicyArn=p['Arn'], VersionId=p['DefaultVersionId'])['PolicyVersion']['Document']\n\
         attached = [a['PolicyArn'] for a in iam.list_attached_group_policies(GroupName='Developers')['AttachedPolicies']]\n\
         print(json.dumps({{'doc': doc, 'attached': p['Arn'] in attached}}))",
        world.moto.endpoint
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let printed: Value = serde_json::from_str(&world.ok(&["policy", "enforce-mfa"])).unwrap();
    assert_eq!(read["doc"], printed);
    assert_eq!(read["attached"], true);

    world.gate.clear_requests();
    let again = world.run(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--group",
        "Developers",
        "--yes",
    ]);
    again.assert_ok();
    assert!(
        again.stderr().contains("nothing to change"),
        "{}",
        again.stderr()
    );
    assert!(
        writes(&world).is_empty(),
        "the second run wrote: {:?}",
        writes(&world)
    );

    let log: Vec<Value> = world
        .ok(&["log", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changes: Vec<&str> = log
        .iter()
        .filter(|e| e["event"] == "account_changed")
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["CreatePolicy", "AttachGroupPolicy"], "{log:?}");

    // A refused permission: one line naming the action; nothing else written.
    world
        .moto
        .aws(&["iam", "create-group", "--group-name", "Ops"]);
    world.gate.clear_requests();
    world
        .gate
        .fail_next_for("AttachGroupPolicy", 1, Fault::AccessDenied);
    let denied = world.run(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--group",
        "Ops",
        "--yes",
    ]);
    assert_ne!(denied.code(), 0);
    // The plan, then exactly one error line, naming the action.
    let errors: Vec<String> = denied
        .stderr()
        .lines()
        .filter(|l| l.starts_with("otpilot:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(errors.len(), 1, "{}", denied.stderr());
    assert!(
        errors[0].contains("is not allowed iam:AttachGroupPolicy"),
        "{}",
        errors[0]
    );
    assert!(writes(&world).iter().all(|w| w == "AttachGroupPolicy"));
}

#[test]
fn password_policy_sets_the_baseline_keeping_a_stricter_setting() {
    let (world, _) = account();
    world.moto.aws(&[
        "iam",
        "update-account-password-policy",
        "--minimum-password-length",
        "20",
    ]);
    let show = world.run(&["account", "password-policy", "--profile", "base"]);
    show.assert_ok();
    let table = show.stdout();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("minimum_length") && l.contains("20") && !l.contains("below")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("require_symbols") && l.contains("below")),
        "{table}"
    );
    assert!(writes(&world).is_empty());

    world.ok(&[
        "account",
        "password-policy",
        "--profile",
        "base",
        "--apply",
        "--yes",
    ]);
    let policy: Value =
        serde_json::from_str(&world.moto.aws(&["iam", "get-account-password-policy"])).unwrap();
    let p = &policy["PasswordPolicy"];
    assert_eq!(p["MinimumPasswordLength"], 20, "{p}");
    for field in [
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
        "AllowUsersToChangePassword",
    ] {
        assert_eq!(p[field], true, "{field}: {p}");
    }
    assert_eq!(p["PasswordReusePrevention"], 24, "{p}");

    world.gate.clear_requests();
    let again = world.run(&[
        "account",
        "password-policy",
        "--profile",
        "base",
        "--apply",
        "--yes",
    ]);
    again.assert_ok();
    assert!(
        again.stderr().contains("nothing to change"),
        "{}",
        again.stderr()
    );
    assert!(writes(&world).is_empty());
}

#[test]
fn cleanup_deletes_only_unassigned_devices() {
    let (world, abandoned) = account();
    let run = world.run(&["account", "cleanup-mfa", "--profile", "base", "--yes"]);
    run.assert_ok();
    assert!(
        run.stderr().contains(&format!("unassigned: {abandoned}")),
        "{}",
        run.stderr()
    );
    let deleted: Vec<String> = world
        .gate
        .requests_for("DeleteVirtualMFADevice")
        .iter()
        .filter_map(|r| r.param("SerialNumber").map(str::to_owned))
        .collect();
    assert_eq!(deleted, std::slice::from_ref(&abandoned));
    let left: Value =
        serde_json::from_str(&world.moto.aws(&["iam", "list-virtual-mfa-devices"])).unwrap();
    let serials: Vec<&str> = left["VirtualMFADevices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["SerialNumber"].as_str().unwrap())
        .collect();
    assert!(!serials.contains(&abandoned.as_str()));
    assert!(
        serials.iter().any(|s| s.ends_with("mfa/with-mfa")),
        "{serials:?}"
    );
    let again = world.run(&["account", "cleanup-mfa", "--profile", "base", "--yes"]);
    again.assert_ok();
    assert!(
        again.stderr().contains("nothing to delete"),
        "{}",
        again.stderr()
    );
}

/// A policy of that name with another document, and AWS's five versions used: the oldest
/// non-default version goes, Otpilot's document becomes the default, and it is attached.
#[test]
fn enforce_mfa_updates_a_policy_whose_document_differs() {
    let (world, _) = account();
    let other = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    let created: Value = serde_json::from_str(&world.moto.aws(&[
        "iam",
        "create-policy",
        "--policy-name",
        "OtpilotEnforceMFA",
        "--policy-document",
        other,
    ]))
    .unwrap();
    let arn = created["Policy"]["Arn"].as_str().unwrap().to_owned();
    for _ in 0..4 {
        world.moto.aws(&[
            "iam",
            "create-policy-version",
            "--policy-arn",
            &arn,
            "--policy-document",
            other,
        ]);
    }
    let dry = world.run(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--user",
        "key-user",
        "--dry-run",
    ]);
    dry.assert_ok();
    assert!(
        dry.stderr()
            .contains(&format!("will update {arn} to Otpilot's document")),
        "{}",
        dry.stderr()
    );
    assert!(dry.stderr().contains(": key-user"), "{}", dry.stderr());

    world.ok(&[
        "account",
        "enforce-mfa",
        "--profile",
        "base",
        "--user",
        "key-user",
        "--yes",
    ]);
    assert_eq!(
        writes(&world),
        [
            "DeletePolicyVersion",
            "CreatePolicyVersion",
            "AttachUserPolicy"
        ]
    );
    assert_eq!(
        world.gate.requests_for("DeletePolicyVersion")[0].param("VersionId"),
        // v1 is the default; v2 the oldest of the others.
        Some("v2")
    );
    let versions: Value = serde_json::from_str(&world.moto.aws(&[
        "iam",
        "list-policy-versions",
        "--policy-arn",
        &arn,
    ]))
    .unwrap();
    let default = versions["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["IsDefaultVersion"] == true)
        .unwrap()["VersionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let version: Value = serde_json::from_str(&world.moto.aws(&[
        "iam",
        "get-policy-version",
        "--policy-arn",
        &arn,
        "--version-id",
        &default,
    ]))
    .unwrap();
    let printed: Value = serde_json::from_str(&world.ok(&["policy", "enforce-mfa"])).unwrap();
    assert_eq!(version["PolicyVersion"]["Document"], printed);
    let attached = world.moto.aws(&[
        "iam",
        "list-attached-user-policies",
        "--user-name",
        "key-user",
    ]);
    assert!(attached.contains(&arn), "{attached}");
}

/// The window's Account view: the same report for a profile picked in it, made by the tray.
#[test]
fn the_window_shows_the_report_for_a_picked_profile() {
    use crate::harness::keyring::Keyring;
    use crate::harness::tray::{desktop, screenshot, serial, DrivenTray};

    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let world = AwsWorld::with_own_moto(env);
    populate(&world);
    let tray = DrivenTray::start(&world.env, &world.aws_envs());
    tray.click("nav-account");
    tray.select("account-profile", "base");
    tray.click("account-run");
    let summary = tray.wait_text("account-summary", "the report", |t| t.contains("IAM users"));
    assert!(
        summary.contains("3 IAM users, 5 findings, 2 of them high"),
        "{summary}"
    );
    let shown = tray.text("account-findings");
    assert!(
        shown.contains("otpilot account enforce-mfa --profile base --user console-user"),
        "{shown}"
    );
    assert!(
        shown.contains("otpilot account cleanup-mfa --profile base"),
        "{shown}"
    );
    assert_eq!(
        tray.attr("account-finding", "data-severity").as_deref(),
        Some("high")
    );
    // The tray made it with the profile's MFA session, and wrote nothing.
    assert!(world.gate.count("GenerateCredentialReport") >= 1);
    assert!(writes(&world).is_empty());
    screenshot(&crate::tray::docs("account.png"));
}
