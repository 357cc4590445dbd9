//! `otpilot account report|enforce-mfa --organization`: an AWS Organization of 30 member
//! accounts made in a moto of the test's own (tests/e2e/fixtures/organization.py plants the
//! findings, a suspended account and a roleless one), behind the MFA gate, which refuses
//! AssumeRole of a role that does not exist (as AWS does; moto would assume any ARN) and
//! records every request, so the tests count the STS calls AWS would have received.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::aws::AwsWorld;
use crate::harness::gate::Fault;
use crate::harness::moto::{venv, Moto};
use crate::harness::pty::Pty;
use crate::harness::TestEnv;

const MEMBERS: usize = 30;
const MANAGEMENT: &str = "123456789012";

struct Org {
    world: AwsWorld,
    /// What the fixture made (account ids, names, where the findings are).
    made: Value,
}

impl Org {
    fn new() -> Org {
        Org::with(TestEnv::new(), MEMBERS)
    }

    /// An organization of `members` member accounts (at least 5: the fixture plants one
    /// thing in each of the first five), the world in `env`.
    fn with(env: TestEnv, members: usize) -> Org {
        let moto: &'static Moto = Box::leak(Box::new(Moto::private_with_clock()));
        let world = AwsWorld::with_moto(env, moto);
        world.write_config("[profile base]\nregion = us-east-1\nmfa_serial = {serial}\n");
        world.write_base_credentials();
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/e2e/fixtures/organization.py");
        let out = Command::new(venv().join("bin/python"))
            .arg(fixture)
            .arg(&moto.endpoint)
            .arg(members.to_string())
            .arg(moto.clock.as_ref().unwrap())
            .output()
            .expect("run the organization fixture");
        assert!(
            out.status.success(),
            "fixture: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let made = serde_json::from_slice(&out.stdout).unwrap();
        world.gate.verify_assumed_roles();
        Org { world, made }
    }

    fn id(&self, key: &str) -> String {
        self.made[key].as_str().unwrap().to_owned()
    }

    fn name_of(&self, id: &str) -> String {
        if id == MANAGEMENT {
            return "master".into();
        }
        self.made["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no account {id}"))
    }

    fn report(&self, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["account", "report", "base", "--organization"];
        args.extend(extra);
        let run = self.world.run(&args);
        assert!(
            !run.stderr().contains(" accounts"),
            "a progress line on a pipe: {}",
            run.stderr()
        );
        (run.code(), run.stdout())
    }

    fn json_report(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--json"];
        args.extend(extra);
        let (code, out) = self.report(&args);
        let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
        (code, json)
    }
}

fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (
                s("severity"),
                s("account_id"),
                s("account_name"),
                s("check"),
                s("subject"),
            )
        })
        .collect()
}

#[test]
fn org_report_finds_exactly_the_planted_findings_with_one_mfa_code() {
    let org = Org::new();
    let (code, report) = org.json_report(&[]);
    assert_eq!(code, 1, "high findings and an unchecked account exit 1");

    let console = org.id("console_user");
    let old_key = org.id("old_key_user");
    let no_policy = org.id("no_policy");
    let roleless = org.id("roleless");
    let suspended = org.id("suspended");
    let f = |sev: &str, id: &str, check: &str, subject: &str| {
        (
            sev.to_owned(),
            id.to_owned(),
            org.name_of(id),
            check.to_owned(),
            subject.to_owned(),
        )
    };

    // Every account but the suspended and the roleless one was checked: the management
    // account with the profile's own credentials, the rest through their access role.
    let mut checked: Vec<String> = org.made["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .filter(|id| *id != roleless && *id != suspended)
        .collect();
    checked.push(MANAGEMENT.to_owned());
    checked.sort();

    // moto gives no root user MFA, so that finding is in every checked account; apart from
    // it, exactly what the fixture planted, sorted by severity, then account id.
    let mut expected: Vec<_> = checked
        .iter()
        .map(|id| f("high", id, "root_mfa", "root"))
        .collect();
    expected.push(f("high", &console, "console_without_mfa", "console-user"));
    let mut medium = vec![
        f("medium", &old_key, "keys_without_mfa", "old-key-user"),
        f("medium", &old_key, "old_access_key", "old-key-user"),
        f("medium", &no_policy, "no_password_policy", "account"),
    ];
    medium.sort_by(|a, b| a.1.cmp(&b.1));
    let mut high = expected;
    high.sort_by(|a, b| a.1.cmp(&b.1));
    let mut all = high;
    all.extend(medium);
    all.push(f("low", &old_key, "unused_access_key", "old-key-user"));
    assert_eq!(findings(&report), all);

    let summary = &report["summary"];
    assert_eq!(summary["high"], checked.len() + 1);
    assert_eq!(summary["medium"], 3);
    assert_eq!(summary["low"], 1);
    assert_eq!(summary["checked"], checked.len());
    assert_eq!(summary["not_checked"], 1);
    assert_eq!(summary["skipped"], 1);

    let row = |id: &str| {
        report["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"))
            .clone()
    };
    assert_eq!(row(&suspended)["status"], "skipped");
    assert_eq!(row(&suspended)["reason"], "suspended");
    assert_eq!(row(&roleless)["status"], "not_checked");
    let reason = row(&roleless)["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.starts_with("AccessDenied on sts:AssumeRole of ")
            && reason.contains(&format!(":{roleless}:role/OrganizationAccountAccessRole")),
        "{reason}"
    );
    assert_eq!(row(&console)["status"], "checked");
    assert_eq!(row(&console)["users"], 1);
    assert_eq!(report["accounts"].as_array().unwrap().len(), MEMBERS + 1);
    let fix = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "console_without_mfa")
        .unwrap()["fix"]
        .clone();
    assert_eq!(
        fix,
        format!("otpilot account enforce-mfa --profile base --organization --accounts {console} --user console-user")
    );

    // One MFA code for the whole run; one AssumeRole per member account, each signed with
    // that MFA session; the roleless account's refused by the gate as AWS would.
    let gate = &org.world.gate;
    assert_eq!(gate.count("GetSessionToken"), 1);
    assert_eq!(gate.requests_for("GetSessionToken").len(), 1);
    let assumed: Vec<_> = gate.requests_for("AssumeRole");
    let forwarded: Vec<String> = assumed
        .iter()
        .filter(|r| r.forwarded())
        .map(|r| r.param("RoleArn").unwrap().to_owned())
        .collect();
    let members_checked: BTreeSet<String> = checked
        .iter()
        .filter(|id| *id != MANAGEMENT)
        .map(|id| format!("arn:aws:iam::{id}:role/OrganizationAccountAccessRole"))
        .collect();
    assert_eq!(
        forwarded.len(),
        members_checked.len(),
        "one AssumeRole each"
    );
    assert_eq!(
        forwarded.into_iter().collect::<BTreeSet<_>>(),
        members_checked
    );
    assert_eq!(
        assumed.len(),
        members_checked.len() + 1,
        "plus the roleless one"
    );
    assert!(assumed
        .iter()
        .all(|r| r.session_token && r.param("TokenCode").is_none()));
    // 31 accounts, 20 a page.
    assert_eq!(gate.count("ListAccounts"), 2);
    assert!(!gate
        .requests()
        .iter()
        .any(|r| r.action.starts_with("Create") || r.action.starts_with("Attach")));

    // --allow-unchecked relaxes only the unchecked account: the high findings still fail.
    let (code, _) = org.report(&["--allow-unchecked"]);
    assert_eq!(code, 1);
    // Only the accounts asked for; the table names each finding's account.
    let (code, table) = org.report(&["--accounts", &format!("{no_policy},{suspended}")]);
    assert_eq!(code, 1, "{table}");
    assert!(
        table.contains("1 accounts checked, 0 not checked, 1 skipped"),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "MEDIUM  {no_policy} {:<20} the account has no password policy",
            org.name_of(&no_policy)
        )),
        "{table}"
    );
    let run = org.world.run(&[
        "account",
        "report",
        "base",
        "--organization",
        "--accounts",
        "999999999999",
    ]);
    run.assert_one_line_error("999999999999 not in the organization");

    // The accounts of one organizational unit (ListAccountsForParent).
    let (_, unit) = org.json_report(&["--ou", &org.id("unit")]);
    let ids: BTreeSet<&str> = unit["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, BTreeSet::from([console.as_str(), no_policy.as_str()]));
    assert_eq!(org.world.gate.count("ListAccountsForParent"), 1);

    // On a terminal, a progress line on stderr.
    let envs: Vec<String> = org
        .world
        .aws_envs()
        .iter()
        .map(|(k, v)| format!("{k}={}", shell_quote(v)))
        .collect();
    let pty = Pty::spawn_script(
        &org.world.env,
        &format!(
            "env {} \"$OTPILOT\" account report base --organization --accounts {no_policy},{console} >/dev/null",
            envs.join(" ")
        ),
    );
    let (_, screen) = pty.finish();
    assert!(screen.contains("checked 2/2 accounts"), "{screen}");
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[test]
fn org_report_is_the_same_at_any_concurrency_and_under_throttling() {
    let org = Org::new();
    let (code1, one) = org.report(&["--json", "--concurrency", "1"]);
    let (code16, sixteen) = org.report(&["--json", "--concurrency", "16"]);
    assert_eq!((code1, code16), (1, 1));
    assert_eq!(one, sixteen);
    let (_, csv1) = org.report(&["--csv", "--concurrency", "1"]);
    let (_, csv16) = org.report(&["--csv", "--concurrency", "16"]);
    assert_eq!(csv1, csv16);

    // Organizations, STS and IAM answer Throttling now and then: the SDK's retries absorb it
    // (at most three in a row for one call, of its four attempts).
    let gate = &org.world.gate;
    gate.clear_requests();
    gate.fail_next_for("ListAccounts", 2, Fault::Throttling);
    gate.fail_next_for("AssumeRole", 3, Fault::Throttling);
    gate.fail_next_for("GenerateCredentialReport", 3, Fault::Throttling);
    gate.fail_next_for("GetAccountSummary", 3, Fault::Throttling);
    let (code, throttled) = org.report(&["--json", "--concurrency", "8"]);
    assert_eq!(code, 1);
    assert_eq!(throttled, one);
    let faults = gate
        .requests()
        .iter()
        .filter(|r| r.fault == Some(Fault::Throttling))
        .count();
    assert_eq!(faults, 11, "every injected throttle was met");

    // CSV: the account columns, and a name a spreadsheet would run is made text.
    let lines: Vec<&str> = csv1.lines().collect();
    assert_eq!(
        lines[0],
        "account_id,account_name,severity,check,subject,detail,fix"
    );
    let formula = org.made["members"][5]["id"].as_str().unwrap();
    let row = lines
        .iter()
        .find(|l| l.starts_with(&format!("{formula},")))
        .expect("the formula account's row");
    assert!(
        row.starts_with(&format!(
            "{formula},\"'=HYPERLINK(\"\"https://example.com\"\")\",high,root_mfa,"
        )),
        "{row}"
    );
    let roleless = org.id("roleless");
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "{roleless},member-004,unchecked,not_checked,account,"
        ))),
        "{csv1}"
    );
}

#[test]
fn org_enforce_mfa_plans_then_applies_where_needed_then_writes_nothing() {
    let org = Org::new();
    let console = org.id("console_user");
    let no_policy = org.id("no_policy");
    // A group Developers in two accounts; the console user in one of them.
    let made = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(GROUPS)
        .args([&org.world.moto.endpoint, &console, &no_policy])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let writes = |org: &Org| {
        let mut w: Vec<String> = org
            .world
            .gate
            .requests()
            .into_iter()
            .filter(|r| {
                r.forwarded()
                    && ["CreatePolicy", "AttachGroupPolicy", "CreatePolicyVersion"]
                        .contains(&r.action.as_str())
            })
            .map(|r| r.action)
            .collect();
        w.sort();
        w
    };
    let base = [
        "account",
        "enforce-mfa",
        "base",
        "--organization",
        "--group",
        "Developers",
    ];

    let dry = org.world.run(&base);
    // The roleless account cannot be planned: exit 1, after the plan for the others.
    assert_eq!(dry.code(), 1, "{}", dry.stderr());
    let err = dry.stderr();
    assert!(err.contains(&format!("{console} member-001: will create OtpilotEnforceMFA, then attach it to group Developers; without MFA, restricted until they enrol: console-user")), "{err}");
    assert!(err.contains(&format!("{no_policy} member-003: will create OtpilotEnforceMFA, then attach it to group Developers")), "{err}");
    assert!(
        err.contains("dry run: nothing was changed; pass --yes to apply this in 2 accounts"),
        "{err}"
    );
    assert!(
        writes(&org).is_empty(),
        "the dry run wrote {:?}",
        writes(&org)
    );

    let yes = org.world.run(&[&base[..], &["--yes"]].concat());
    assert_eq!(
        yes.code(),
        1,
        "the roleless account still fails: {}",
        yes.stderr()
    );
    let w = writes(&org);
    assert_eq!(
        w,
        [
            "AttachGroupPolicy",
            "AttachGroupPolicy",
            "CreatePolicy",
            "CreatePolicy"
        ]
    );
    // Each change in the audit log with its account and role.
    let log = org.world.ok(&["log", "--json"]);
    for account in [&console, &no_policy] {
        assert!(
            log.contains(&format!("account {account}: group Developers"))
                && log.contains(&format!(
                    "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
                )),
            "{log}"
        );
    }

    org.world.gate.clear_requests();
    let again = org.world.run(&[&base[..], &["--yes"]].concat());
    assert!(
        again.stderr().contains("nothing to change"),
        "{}",
        again.stderr()
    );
    assert!(
        writes(&org).is_empty(),
        "a second run wrote {:?}",
        writes(&org)
    );
}

/// Makes group Developers in two accounts (argv: endpoint, account, account), with
/// console-user in the first.
const GROUPS: &str = r#"
import sys, boto3
endpoint, first, second = sys.argv[1:4]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
for account in (first, second):
    c = boto3.client("sts", **kw).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="fixture")["Credentials"]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"])
    iam.create_group(GroupName="Developers")
    if account == first:
        iam.add_user_to_group(GroupName="Developers", UserName="console-user")
"#;

/// The window's Account view, "Whole organization": the same report, made by the tray with
/// one MFA session, shown as a person reads it (a small organization, to stay quick).
#[test]
fn the_window_shows_the_whole_organization_report() {
    use crate::harness::keyring::Keyring;
    use crate::harness::tray::{desktop, screenshot, serial, DrivenTray};

    let _one = serial();
    let (_session, env) = desktop(Keyring::Unlocked);
    let org = Org::with(env, 5);
    let world = &org.world;
    let tray = DrivenTray::start(&world.env, &world.aws_envs());
    tray.click("nav-account");
    tray.select("account-profile", "base");
    tray.click("org-toggle");
    assert_eq!(
        tray.attr("org-role", "value").as_deref(),
        Some("OrganizationAccountAccessRole")
    );
    // One account at a time, each credential report answered 1.5 s late: the window has
    // seconds between accounts to show how far the run is.
    tray.fill("org-concurrency", "1");
    world.gate.fail_next_for(
        "GenerateCredentialReport",
        4,
        Fault::Delay(Duration::from_millis(1500)),
    );
    tray.click("org-run");
    tray.wait_text("org-progress", "accounts done while it runs", |t| {
        ["1", "2", "3", "4"]
            .iter()
            .any(|n| t == format!("Checked {n} of 5 accounts…"))
    });
    let summary = tray.wait_text("org-summary", "the organization's report", |t| {
        t.starts_with("Organization")
    });
    // The management account and the three members with their role are checked (moto gives
    // no root user MFA, so each has that high finding; the console user is the fifth).
    assert_eq!(
        summary,
        "Organization (profile base, role OrganizationAccountAccessRole): 4 accounts checked, \
         1 not checked, 1 skipped. Findings: 5 high, 3 medium, 1 low."
    );
    // One row per finding, then one per account not checked or skipped.
    let rows = tray.texts("org-row");
    let row_of = |id: &str, what: &str| -> usize {
        rows.iter()
            .position(|r| r.contains(id) && r.contains(what))
            .unwrap_or_else(|| panic!("no row for {id} with {what:?} in {rows:#?}"))
    };
    let console = org.id("console_user");
    let row = &rows[row_of(&console, "`console-user` can sign in")];
    assert!(
        row.starts_with("High") && row.contains(&org.name_of(&console)),
        "{row}"
    );
    let roleless = org.id("roleless");
    let unchecked = row_of(&roleless, "Not checked");
    assert!(
        rows[unchecked].contains(&org.name_of(&roleless))
            && rows[unchecked].contains("AccessDenied on sts:AssumeRole"),
        "{}",
        rows[unchecked]
    );
    let suspended = org.id("suspended");
    let skipped = row_of(&suspended, "Skipped");
    assert!(
        rows[skipped].contains(&org.name_of(&suspended)) && rows[skipped].contains("suspended"),
        "{}",
        rows[skipped]
    );
    // 9 findings, most severe first, then the accounts' own rows.
    let labels: Vec<&str> = rows
        .iter()
        .map(|r| {
            ["High", "Medium", "Low", "Not checked", "Skipped"]
                .into_iter()
                .find(|l| r.starts_with(l))
                .unwrap_or_else(|| panic!("a row without its badge: {r}"))
        })
        .collect();
    let mut want = vec!["High"; 5];
    want.extend(["Medium"; 3]);
    want.extend(["Low", "Not checked", "Skipped"]);
    assert_eq!(labels, want);
    // One MFA code for the whole run.
    assert_eq!(world.gate.count("GetSessionToken"), 1);
    tray.scroll_to("org-concurrency");
    screenshot(&crate::tray::docs("account-organization.png"));
}
