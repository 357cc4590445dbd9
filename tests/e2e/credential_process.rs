//! `otpilot credential-process` against moto behind the MFA gate: the plan, the shared MFA
//! session, the cache, single flight, refresh, MFA codes, faults and errors.

use std::time::{Duration, Instant};

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID};
use crate::harness::gate::Fault;
use crate::harness::Run;

fn secrets_of(json: &serde_json::Value) -> Vec<String> {
    ["SecretAccessKey", "SessionToken"]
        .iter()
        .filter_map(|k| json[k].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn role_profile_uses_one_mfa_session_then_assume_role() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let json = w.credential_process("admin");
    assert_eq!(json["Version"], 1);
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let expiration = json["Expiration"].as_str().unwrap();
    assert!(
        expiration.ends_with('Z') && expiration.contains('T'),
        "{expiration}"
    );

    let gst = w.gate.requests_for("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert!(gst[0].forwarded(), "the gate accepted the code");
    assert_eq!(gst[0].param("SerialNumber"), Some(w.serial.as_str()));
    assert_eq!(gst[0].param("DurationSeconds"), Some("43200"));
    assert_eq!(gst[0].access_key_id.as_deref(), Some(BASE_KEY_ID));
    let ar = w.gate.requests_for("AssumeRole");
    assert_eq!(ar.len(), 1);
    assert_eq!(
        ar[0].param("RoleArn"),
        Some(&*format!("arn:aws:iam::{ACCOUNT}:role/Admin"))
    );
    assert_eq!(
        ar[0].param("TokenCode"),
        None,
        "the session carries MFA, not the role call"
    );
    assert_eq!(ar[0].param("DurationSeconds"), Some("3600"));
    assert_ne!(
        ar[0].access_key_id.as_deref(),
        Some(BASE_KEY_ID),
        "signed by the session"
    );

    // Warm: no STS call, same credentials.
    let again = w.credential_process("admin");
    assert_eq!(again["AccessKeyId"], json["AccessKeyId"]);
    assert_eq!(
        w.gate.count("GetSessionToken") + w.gate.count("AssumeRole"),
        2
    );

    let secrets = secrets_of(&json);
    w.assert_no_secret_in_files(&secrets.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn thirty_two_parallel_callers_make_one_sts_call_per_step() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let children: Vec<_> = (0..32)
        .map(|_| {
            w.otpilot(&["credential-process", "admin"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut key_ids = std::collections::BTreeSet::new();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        key_ids.insert(json["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert_eq!(key_ids.len(), 1, "every caller got the same credentials");
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    assert_eq!(w.gate.count("AssumeRole"), 1);
    // No step was presented twice: the gate rejects reuse, and it saw no rejection.
    assert!(w.gate.requests().iter().all(|r| r.forwarded()));
}

#[test]
fn two_profiles_sharing_a_device_spend_one_code() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let admin = w.credential_process("admin");
    let readonly = w.credential_process("readonly");
    assert_ne!(admin["AccessKeyId"], readonly["AccessKeyId"]);
    assert_eq!(
        w.gate.count("GetSessionToken"),
        1,
        "one MFA session for both"
    );
    assert_eq!(w.gate.count("AssumeRole"), 2);
    let codes: Vec<_> = w
        .gate
        .requests()
        .iter()
        .filter_map(|r| r.param("TokenCode").map(str::to_owned))
        .collect();
    assert_eq!(codes.len(), 1);
}

#[test]
fn roles_longer_than_an_hour_take_mfa_directly_and_wait_for_a_fresh_step() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\n\n\
         [profile long1]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Long1\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 7200\n\n\
         [profile long2]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Long2\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 7200\n"
    ));
    w.write_base_credentials();
    w.credential_process("long1");
    // The second role needs a code too; the current step is spent, so otpilot waits for the
    // next one (and says so) instead of failing with AccessDenied.
    let started = Instant::now();
    let run = w.run(&["credential-process", "long2"]);
    run.assert_ok();
    let ar = w.gate.requests_for("AssumeRole");
    assert_eq!(ar.len(), 2);
    assert!(ar.iter().all(|r| r.forwarded()), "no code was rejected");
    assert_eq!(ar[0].param("DurationSeconds"), Some("7200"));
    assert_eq!(ar[0].param("SerialNumber"), Some(w.serial.as_str()));
    assert_eq!(
        ar[0].access_key_id.as_deref(),
        Some(BASE_KEY_ID),
        "straight from long-term keys"
    );
    assert_ne!(ar[0].param("TokenCode"), ar[1].param("TokenCode"));
    assert_eq!(w.gate.count("GetSessionToken"), 0);
    if run.stderr().contains("waiting") {
        assert!(
            run.stderr().contains("for a fresh MFA code"),
            "{}",
            run.stderr()
        );
        assert!(started.elapsed() <= Duration::from_secs(31));
    }
}

#[test]
fn a_code_spent_elsewhere_is_retried_once_with_the_next_step() {
    let w = AwsWorld::new();
    w.standard_profiles();
    // The person typed the current code into the console a moment ago.
    let step = w.gate.current_step();
    w.gate.mark_step_used(&w.serial, step);
    let run = w.run(&["credential-process", "admin"]);
    // If the step rolled over between marking and calling, there is nothing to retry.
    run.assert_ok();
    let gst = w.gate.requests_for("GetSessionToken");
    assert_eq!(gst.iter().filter(|r| r.forwarded()).count(), 1);
    if gst.len() == 2 {
        assert!(!gst[0].forwarded());
        assert!(
            run.stderr().contains("trying the next one"),
            "{}",
            run.stderr()
        );
    }
}

#[test]
fn credentials_are_refreshed_before_they_expire() {
    let w = AwsWorld::new();
    // A 12-second role: served for the first half of its life, then refreshed.
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile short]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Short\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 12\n"
    ));
    w.write_base_credentials();
    let first = w.credential_process("short");
    let second = w.credential_process("short");
    assert_eq!(first["AccessKeyId"], second["AccessKeyId"]);
    assert_eq!(w.gate.count("AssumeRole"), 1);
    std::thread::sleep(Duration::from_secs(7));
    let third = w.credential_process("short");
    assert_ne!(
        first["AccessKeyId"], third["AccessKeyId"],
        "refreshed ahead of expiry"
    );
    assert_eq!(w.gate.count("AssumeRole"), 2);
    assert_eq!(
        w.gate.count("GetSessionToken"),
        1,
        "the MFA session is still good"
    );
    let status = w.run(&["profile", "status", "short", "--json"]);
    status.assert_ok();
    let rows: serde_json::Value = serde_json::from_str(&status.stdout()).unwrap();
    let steps = rows[0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert!(steps[2]["remaining_seconds"].as_i64().unwrap() > 5);
    // The long-term keys are never cached, and the status says so rather than "not cached".
    assert_eq!(steps[0]["long_term"], true, "{rows}");
    let shown = w.ok(&["profile", "status", "short"]);
    let keys = shown
        .lines()
        .find(|l| l.trim_start().starts_with("long-term keys of "))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(
        keys.ends_with(": never cached (the steps below start from them)"),
        "{shown}"
    );
}

#[test]
fn transient_sts_faults_are_retried() {
    let w = AwsWorld::new();
    w.standard_profiles();
    w.gate
        .fail_next_for("GetSessionToken", 1, Fault::Throttling);
    w.gate.fail_next_for("AssumeRole", 1, Fault::Http500);
    w.credential_process("admin");
    assert_eq!(w.gate.requests_for("GetSessionToken").len(), 2);
    assert_eq!(w.gate.requests_for("AssumeRole").len(), 2);
    assert_eq!(w.gate.count("GetSessionToken"), 1);

    w.env.ok(&["device", "list"], None);
    let w2 = AwsWorld::new();
    w2.standard_profiles();
    w2.gate
        .fail_next_for("GetSessionToken", 1, Fault::DropConnection);
    w2.credential_process("admin");
    assert_eq!(w2.gate.count("GetSessionToken"), 1);
}

#[test]
fn persistent_faults_fail_in_one_line_and_leave_the_cache_usable() {
    let w = AwsWorld::new();
    w.standard_profiles();
    // As many failures as the SDK makes attempts (4): the call gives up.
    w.gate.fail_next_for("GetSessionToken", 4, Fault::Http500);
    let run = w.run(&["credential-process", "admin"]);
    let line = run.assert_one_line_error("GetSessionToken for profile `admin` failed");
    assert!(line.contains("InternalFailure"), "{line}");
    assert_eq!(w.gate.requests_for("GetSessionToken").len(), 4);
    // Once STS recovers, the next call works (with a fresh step: the failed call may have
    // spent the last one).
    w.credential_process("admin");
    assert_eq!(w.gate.count("GetSessionToken"), 1);
}

#[test]
fn endpoint_unreachable_is_one_clear_line() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = crate::harness::Run(
        w.otpilot(&["credential-process", "admin"])
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            .output()
            .unwrap(),
    );
    run.assert_one_line_error("cannot reach STS");
}

#[test]
fn a_wrong_seed_gives_an_mfa_error_after_one_retry() {
    let w = AwsWorld::new();
    w.standard_profiles();
    // The gate knows another seed for this serial: every code otpilot makes is wrong.
    w.gate
        .register_device(&w.serial, &crate::harness::random_seed(20));
    let run = w.run(&["credential-process", "admin"]);
    let line = run
        .0
        .stderr
        .split(|b| *b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .find(|l| l.contains("failed"))
        .unwrap_or_default();
    assert_ne!(run.code(), 0);
    assert!(
        line.contains("AWS rejected the MFA code"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().is_empty());
    assert_eq!(
        w.gate.requests_for("GetSessionToken").len(),
        2,
        "one retry, no more"
    );
}

#[test]
fn clock_skew_is_reported() {
    // 25 s: codes still work (AWS accepts the neighbouring steps), but the user is warned.
    let w = AwsWorld::new();
    w.standard_profiles();
    w.gate.set_date_offset(25);
    let run = w.run(&["credential-process", "admin"]);
    run.assert_ok();
    assert!(
        run.stderr().contains("clock is 25 s behind AWS's"),
        "{}",
        run.stderr()
    );
    let _: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();

    // 120 s: AWS rejects the codes; the warning tells why.
    let w = AwsWorld::new();
    w.standard_profiles();
    w.gate.set_date_offset(-120);
    let run = w.run(&["credential-process", "admin"]);
    assert_ne!(run.code(), 0);
    assert!(run.stdout().is_empty());
    assert!(
        run.stderr().contains("clock is 120 s ahead of AWS's"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("AWS rejected the MFA code"),
        "{}",
        run.stderr()
    );
}

#[test]
fn without_a_seed_or_terminal_the_error_says_how_to_add_the_device() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::{ACCOUNT}:mfa/nobody\n"
    ));
    w.write_base_credentials();
    w.run(&["credential-process", "admin"])
        .assert_one_line_error(
            "otpilot device add NAME --serial arn:aws:iam::123456789012:mfa/nobody",
        );
    assert_eq!(w.gate.requests().len(), 0);
}

#[test]
fn mfa_process_supplies_the_code() {
    let w = AwsWorld::new();
    // A device without a serial, whose code a command prints (aws-vault's mfa_process).
    w.env.add_device("plain", &w.seed, &["--force"]);
    w.env.ok(&["device", "remove", "alice", "--yes"], None);
    let exe = crate::harness::otpilot_bin();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\nmfa_process = {} code plain\n",
        exe.display()
    ));
    w.write_base_credentials();
    w.credential_process("admin");
    assert_eq!(w.gate.count("GetSessionToken"), 1);
}

#[test]
fn damaged_cache_entries_are_refreshed() {
    let w = AwsWorld::new();
    w.standard_profiles();
    w.credential_process("admin");
    let dir = w.env.root.path().join("cache/otpilot/credentials");
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::write(entry.unwrap().path(), "{ damaged").unwrap();
    }
    let json = w.credential_process("admin");
    assert_eq!(json["Version"], 1);
    assert_eq!(w.gate.count("GetSessionToken"), 2);
}

#[test]
fn bad_profiles_are_one_line_errors() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile a]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/A\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/B\nsource_profile = a\n\
         [profile nokeys]\nregion = us-east-1\nmfa_serial = {{serial}}\n"
    ));
    w.run(&["credential-process", "missing"])
        .assert_one_line_error("no AWS profile `missing`");
    w.run(&["credential-process", "a"])
        .assert_one_line_error("loop (a -> b -> a)");
    w.run(&["credential-process", "nokeys"])
        .assert_one_line_error("otpilot keys add nokeys");
    assert!(w.gate.requests().is_empty());
}

#[test]
fn recursion_is_refused() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let run = crate::harness::Run(
        w.otpilot(&["credential-process", "admin"])
            .env("OTPILOT_CREDENTIAL_PROCESS_ACTIVE", "1")
            .output()
            .unwrap(),
    );
    run.assert_one_line_error("started by itself");
}

#[test]
fn role_session_name_external_id_and_source_identity_reach_sts() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile tagged]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\n\
         role_session_name = alice-session\nexternal_id = ext-1\nsource_identity = alice-laptop\n\n\
         [profile plain]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = base\nmfa_serial = {{serial}}\n"
    ));
    w.write_base_credentials();
    w.credential_process("tagged");
    let sent = &w.gate.requests_for("AssumeRole")[0];
    assert_eq!(sent.param("RoleSessionName"), Some("alice-session"));
    assert_eq!(sent.param("ExternalId"), Some("ext-1"));
    assert_eq!(sent.param("SourceIdentity"), Some("alice-laptop"));
    // Without role_session_name, the session names the local user (stable, not a timestamp).
    let run = Run(w
        .otpilot(&["credential-process", "plain"])
        .env("USER", "tester")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap());
    run.assert_ok();
    let sent = &w.gate.requests_for("AssumeRole")[1];
    assert_eq!(sent.param("RoleSessionName"), Some("otpilot-tester"));
    assert_eq!(sent.param("SourceIdentity"), None);
}

#[test]
fn a_warm_call_is_answered_from_the_kernel_keyring_with_no_d_bus_and_no_agent() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let cold = w.credential_process("admin");
    let sts_calls = w.gate.requests().len();
    // No session bus at all, no agent: only the kernel's hot copy can answer.
    let run = Run(w
        .otpilot(&["credential-process", "admin"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("OTPILOT_NO_AGENT", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap());
    run.assert_ok();
    let warm: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(warm["AccessKeyId"], cold["AccessKeyId"]);
    assert_eq!(warm["Expiration"], cold["Expiration"]);
    assert_eq!(w.gate.requests().len(), sts_calls, "no STS call");
    // The kernel holds it until the credentials expire, not longer.
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    assert!(
        keys.lines()
            .any(|l| l.contains(" user ") && l.contains("otpilot:cache:")),
        "a hot copy in the user's keyring"
    );
    // Secrets never reach a file on the way.
    w.assert_no_secret_in_files(
        &secrets_of(&warm)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
}
