//! The MFA device lifecycle against moto's IAM behind the MFA gate: enrol, list, resync,
//! rotate, remove; what IAM really received, what is left in AWS, the keyring and the AWS
//! config after success and after injected failures.

use crate::harness::aws::AwsWorld;
use crate::harness::gate::{Fault, Outcome};
use crate::harness::moto::Moto;

const COMMENTED_CONFIG: &str = "# my settings\n[profile base]\nregion = us-east-1 # home\n";

/// A world with a fresh IAM user behind profile `base` (no MFA device yet).
fn iam_world() -> (AwsWorld, String) {
    let world = AwsWorld::new();
    let user = world.iam_user();
    std::fs::write(world.config_path(), COMMENTED_CONFIG).unwrap();
    (world, user)
}

fn enroll(world: &AwsWorld) -> serde_json::Value {
    let run = world.run(&["mfa", "enroll", "--profile", "base", "--no-qr", "--json"]);
    run.assert_ok();
    serde_json::from_str(&run.stdout()).expect("enroll --json prints JSON")
}

/// The user's enabled MFA serials, as moto sees them.
pub fn moto_devices(user: &str) -> Vec<String> {
    let out: serde_json::Value = serde_json::from_str(&Moto::shared().aws(&[
        "iam",
        "list-mfa-devices",
        "--user-name",
        user,
    ]))
    .unwrap();
    out["MFADevices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["SerialNumber"].as_str().unwrap().to_owned())
        .collect()
}

/// Virtual devices moto still has whose serial ends in `name`.
fn moto_virtual_devices(name: &str) -> Vec<String> {
    let out: serde_json::Value =
        serde_json::from_str(&Moto::shared().aws(&["iam", "list-virtual-mfa-devices"])).unwrap();
    out["VirtualMFADevices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["SerialNumber"].as_str().unwrap().to_owned())
        .filter(|s| s.ends_with(&format!("/{name}")))
        .collect()
}

fn seed_count(world: &AwsWorld) -> usize {
    world.env.devices().len()
}

#[test]
fn enroll_enables_with_two_consecutive_codes_of_the_seed_moto_issued() {
    let (world, user) = iam_world();
    let before = seed_count(&world);
    let enrolled = enroll(&world);
    let serial = enrolled["serial"].as_str().unwrap().to_owned();
    let device = enrolled["device"].as_str().unwrap().to_owned();
    assert_eq!(enrolled["user"], user.as_str());
    assert!(
        serial.starts_with("arn:aws:iam::123456789012:mfa/") && serial.contains(&user),
        "{serial}"
    );

    // The gate learned the seed from moto's CreateVirtualMFADevice answer, independently of
    // otpilot: the two codes IAM received are that seed's codes for consecutive steps.
    let enables = world.gate.requests_for("EnableMFADevice");
    assert_eq!(enables.len(), 1);
    let enable = &enables[0];
    assert!(enable.forwarded(), "{:?}", enable.outcome);
    let step = enable
        .mfa_step
        .expect("the gate matched the pair to a step");
    assert_eq!(
        enable.param("AuthenticationCode1").unwrap(),
        world.gate.code_for_step(&serial, step)
    );
    assert_eq!(
        enable.param("AuthenticationCode2").unwrap(),
        world.gate.code_for_step(&serial, step + 1)
    );
    assert!(
        step + 1 >= world.gate.current_step(),
        "computed from the seed, not typed a step apart: no waiting"
    );
    assert_eq!(enable.param("UserName"), Some(user.as_str()));
    assert_eq!(moto_devices(&user), vec![serial.clone()]);

    // The seed is in the keyring under the new device, and `otpilot code` shows AWS's code.
    assert_eq!(seed_count(&world), before + 1);
    let code = world.env.ok(&["code", &device], None);
    let now = world.gate.current_step();
    assert!(
        [now, now + 1]
            .iter()
            .any(|s| world.gate.code_for_step(&serial, *s) == code.trim()),
        "otpilot code {device} = {code}"
    );
    let config = std::fs::read_to_string(world.config_path()).unwrap();
    assert!(
        config.starts_with(COMMENTED_CONFIG),
        "comments kept:\n{config}"
    );
    assert!(
        config.contains(&format!("mfa_serial = {serial}")),
        "{config}"
    );
    assert_eq!(world.config_backups(), vec![COMMENTED_CONFIG.to_owned()]);

    // list: from ListMFADevices, marked as held.
    let listed: serde_json::Value =
        serde_json::from_str(&world.ok(&["mfa", "list", "--profile", "base", "--json"])).unwrap();
    assert_eq!(listed["user"], user.as_str());
    assert_eq!(listed["devices"][0]["serial"], serial.as_str());
    assert_eq!(listed["devices"][0]["device"], device.as_str());
    assert_eq!(listed["devices"][0]["seed_held"], true);

    // doctor is content with this profile now (the password policy may only warn).
    let run = world.run(&["doctor", "--profile", "base", "--json"]);
    run.assert_ok();
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let status = |check: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check)
            .unwrap_or_else(|| panic!("no {check} finding: {report}"))["status"]
            .clone()
    };
    assert_eq!(status("keyring"), "ok");
    assert_eq!(status("profile"), "ok");
    assert_eq!(status("mfa_enabled"), "ok");
    assert_eq!(status("clock"), "ok");
    assert_eq!(report["ok"], true);

    // The audit log has the enrolment, without the seed.
    let log = world.ok(&["log", "--json"]);
    let enrolments: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["event"] == "mfa_enrolled")
        .collect();
    assert_eq!(enrolments.len(), 1, "{log}");
    assert_eq!(enrolments[0]["serial"], serial.as_str());
    world.assert_no_secret_in_files(&[]);
}

#[test]
fn resync_sends_the_next_two_consecutive_codes() {
    let (world, _user) = iam_world();
    let enrolled = enroll(&world);
    let serial = enrolled["serial"].as_str().unwrap().to_owned();
    let device = enrolled["device"].as_str().unwrap();
    let run = world.run(&["mfa", "resync", device]);
    run.assert_ok();
    let resyncs = world.gate.requests_for("ResyncMFADevice");
    assert_eq!(resyncs.len(), 1);
    let resync = &resyncs[0];
    assert_eq!(
        resync.outcome,
        Outcome::Emulated,
        "accepted by the gate's checks"
    );
    let enable_step = world.gate.requests_for("EnableMFADevice")[0]
        .mfa_step
        .unwrap();
    let step = resync.mfa_step.unwrap();
    assert!(
        step >= enable_step + 2,
        "the enable codes are not reused (enable {enable_step}, resync {step})"
    );
    assert_eq!(
        resync.param("AuthenticationCode2").unwrap(),
        world.gate.code_for_step(&serial, step + 1)
    );
}

#[test]
fn a_failure_injected_into_enable_leaves_no_device_and_no_seed() {
    let (world, user) = iam_world();
    let before = seed_count(&world);
    // More 500s than the SDK's four attempts.
    world
        .gate
        .fail_next_for("EnableMFADevice", 4, Fault::Http500);
    let run = world.run(&["mfa", "enroll", "--profile", "base", "--no-qr"]);
    run.assert_one_line_error("enabling the new MFA device failed");
    assert!(run.stderr().contains("deleted again"), "{}", run.stderr());

    let created = world.gate.requests_for("CreateVirtualMFADevice");
    assert_eq!(created.len(), 1);
    let name = created[0].param("VirtualMFADeviceName").unwrap().to_owned();
    assert!(
        moto_virtual_devices(&name).is_empty(),
        "the virtual device is deleted"
    );
    assert!(moto_devices(&user).is_empty());
    assert_eq!(world.gate.count("DeleteVirtualMFADevice"), 1);
    assert_eq!(seed_count(&world), before, "the stored seed is forgotten");
    assert!(world.env.secret_tool_lookup(&name).is_none());
    assert_eq!(
        std::fs::read_to_string(world.config_path()).unwrap(),
        COMMENTED_CONFIG,
        "the AWS config is untouched"
    );
}

#[test]
fn rotate_proves_the_new_device_before_retiring_the_old_one() {
    let (world, user) = iam_world();
    let old = enroll(&world);
    let old_serial = old["serial"].as_str().unwrap().to_owned();
    let old_device = old["device"].as_str().unwrap().to_owned();
    world.gate.clear_requests();

    let run = world.run(&[
        "mfa",
        "rotate",
        "--profile",
        "base",
        "--device-name",
        &format!("{user}-new"),
        "--no-qr",
        "--json",
    ]);
    run.assert_ok();
    let rotated: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let new_serial = rotated["serial"].as_str().unwrap().to_owned();
    assert!(new_serial.ends_with(&format!("/{user}-new")));

    // The order IAM and STS saw: enable the new device, a real MFA session with it, and only
    // then deactivate (with that MFA session) and delete the old one.
    let requests = world.gate.requests();
    let position = |action: &str, serial: &str| {
        requests
            .iter()
            .position(|r| r.action == action && r.param("SerialNumber") == Some(serial))
            .unwrap_or_else(|| panic!("no {action} for {serial}"))
    };
    let enable = position("EnableMFADevice", &new_serial);
    let session = position("GetSessionToken", &new_serial);
    let deactivate = position("DeactivateMFADevice", &old_serial);
    let delete = position("DeleteVirtualMFADevice", &old_serial);
    assert!(enable < session && session < deactivate && deactivate < delete);
    assert_eq!(
        requests[session].outcome,
        Outcome::Forwarded { status: 200 }
    );
    assert!(
        requests[deactivate].session_token,
        "DeactivateMFADevice is signed with the new device's MFA session"
    );
    assert_eq!(moto_devices(&user), vec![new_serial.clone()]);

    let config = std::fs::read_to_string(world.config_path()).unwrap();
    assert!(
        config.contains(&format!("mfa_serial = {new_serial}")),
        "{config}"
    );
    assert!(!config.contains(&old_serial), "{config}");
    assert!(config.starts_with("# my settings\n"), "{config}");
    let names: Vec<String> = world
        .env
        .devices()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !names.contains(&old_device),
        "old seed forgotten: {names:?}"
    );
    assert!(names.contains(&format!("{user}-new")), "{names:?}");
}

#[test]
fn a_rotation_whose_new_device_fails_keeps_the_old_device_and_config() {
    let (world, user) = iam_world();
    let old = enroll(&world);
    let old_serial = old["serial"].as_str().unwrap().to_owned();
    let config_before = std::fs::read_to_string(world.config_path()).unwrap();
    // Every GetSessionToken attempt with the new device fails.
    world
        .gate
        .fail_next_for("GetSessionToken", 4, Fault::Http500);

    let run = world.run(&["mfa", "rotate", "--profile", "base", "--no-qr"]);
    let line = run.stderr().lines().last().unwrap_or_default().to_owned();
    assert_ne!(run.code(), 0);
    assert!(
        line.contains("the old device and your AWS config are unchanged"),
        "{}",
        run.stderr()
    );
    assert!(
        moto_devices(&user).contains(&old_serial),
        "the old device stays enabled"
    );
    assert_eq!(world.gate.count("DeactivateMFADevice"), 0);
    assert_eq!(
        std::fs::read_to_string(world.config_path()).unwrap(),
        config_before
    );
    // The old device still works: a credential-process call gets an MFA session with it.
    world.credential_process("base");
    assert!(world
        .gate
        .requests_for("GetSessionToken")
        .iter()
        .any(|r| r.param("SerialNumber") == Some(old_serial.as_str()) && r.forwarded()));
}

#[test]
fn remove_asks_first_then_deactivates_with_an_mfa_session_and_forgets_the_seed() {
    let (world, user) = iam_world();
    let enrolled = enroll(&world);
    let serial = enrolled["serial"].as_str().unwrap().to_owned();
    let device = enrolled["device"].as_str().unwrap().to_owned();
    let before = seed_count(&world);

    world
        .run(&["mfa", "remove", &device])
        .assert_one_line_error("pass --yes");
    assert_eq!(moto_devices(&user), vec![serial.clone()]);
    assert_eq!(seed_count(&world), before);

    let run = world.run(&["mfa", "remove", &device, "--yes"]);
    run.assert_ok();
    assert!(
        run.stderr().contains("still name"),
        "warns that profile base still names it: {}",
        run.stderr()
    );
    let deactivations = world.gate.requests_for("DeactivateMFADevice");
    assert_eq!(deactivations.len(), 1);
    assert!(deactivations[0].session_token);
    assert!(moto_devices(&user).is_empty());
    assert_eq!(seed_count(&world), before - 1);
    let log = world.ok(&["log", "--json"]);
    assert!(log.contains("\"event\":\"mfa_removed\""), "{log}");
}

#[test]
fn doctor_reports_a_skewed_clock_a_missing_seed_and_no_mfa_device() {
    let (world, user) = iam_world();
    std::fs::write(
        world.config_path(),
        "[profile base]\nregion = us-east-1\n\n[profile admin]\nregion = us-east-1\n\
         role_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/nobody\n",
    )
    .unwrap();
    world.gate.set_date_offset(-120);
    let run = world.run(&["doctor", "--json"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(report["ok"], false);
    let findings = report["findings"].as_array().unwrap();
    let find = |check: &str| {
        findings
            .iter()
            .find(|f| f["check"] == check)
            .unwrap_or_else(|| panic!("no {check}: {report}"))
    };
    let clock = find("clock");
    assert_eq!(clock["status"], "fail");
    let message = clock["message"].as_str().unwrap();
    assert!(
        message.contains("ahead of AWS")
            && (118..=122).any(|s| message.contains(&format!("{s} s"))),
        "{message}"
    );
    assert!(clock["fix"].as_str().unwrap().contains("timedatectl"));
    let profile = find("profile");
    assert_eq!(profile["profile"], "admin");
    assert_eq!(profile["status"], "fail");
    assert!(profile["message"]
        .as_str()
        .unwrap()
        .contains("no seed stored for arn:aws:iam::123456789012:mfa/nobody"));
    let mfa = find("mfa_enabled");
    assert_eq!(mfa["status"], "fail");
    assert!(mfa["message"].as_str().unwrap().contains(&user));
    assert!(find("password_policy")["fix"].is_string());

    // The same as text: one line per finding, each failure with its fix.
    let text = world.run(&["doctor"]);
    assert_eq!(text.code(), 1);
    assert!(text.stdout().contains("FAIL  clock"), "{}", text.stdout());
    assert!(text.stderr().contains("check(s) failed"));
}

#[test]
fn policies_are_json_that_iam_accepts_and_carry_the_mfa_conditions() {
    let world = AwsWorld::new();
    let enforce = world.ok(&["policy", "enforce-mfa"]);
    let policy: serde_json::Value = serde_json::from_str(&enforce).unwrap();
    let deny = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Effect"] == "Deny")
        .unwrap();
    assert_eq!(
        deny["Condition"]["BoolIfExists"]["aws:MultiFactorAuthPresent"],
        "false"
    );
    let trust = world.ok(&[
        "policy",
        "role-trust",
        "--account",
        "123456789012",
        "--max-mfa-age",
        "3600",
    ]);
    let trust_json: serde_json::Value = serde_json::from_str(&trust).unwrap();
    let condition = &trust_json["Statement"][0]["Condition"];
    assert_eq!(condition["Bool"]["aws:MultiFactorAuthPresent"], "true");
    assert_eq!(
        condition["NumericLessThan"]["aws:MultiFactorAuthAge"],
        "3600"
    );

    // moto validates policy documents the way IAM does.
    let moto = Moto::shared();
    let id = rand::random::<u32>();
    moto.aws(&[
        "iam",
        "create-policy",
        "--policy-name",
        &format!("EnforceMFA{id}"),
        "--policy-document",
        &enforce,
    ]);
    moto.aws(&[
        "iam",
        "create-role",
        "--role-name",
        &format!("MfaOnly{id}"),
        "--assume-role-policy-document",
        &trust,
    ]);

    world
        .run(&["policy", "role-trust", "--account", "12345"])
        .assert_one_line_error("not an AWS account id");
}

#[test]
fn the_audit_log_has_one_line_per_event_and_no_secret() {
    let world = AwsWorld::new();
    world.standard_profiles();
    let creds = world.credential_process("admin");
    // Warm: served from the cache, nothing issued, nothing logged.
    world.credential_process("admin");
    let code = world.env.ok(&["code", "alice"], None);

    let log = world.ok(&["log", "--json"]);
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["operation"]
                    .as_str()
                    .or(e["purpose"].as_str())
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            ("code_used", "GetSessionToken"),
            ("credentials_issued", "GetSessionToken"),
            ("credentials_issued", "AssumeRole"),
            ("code_used", "printed"),
        ],
        "{log}"
    );
    assert_eq!(entries[2]["access_key_id"], creds["AccessKeyId"]);
    assert_eq!(entries[0]["device"], "alice");
    assert!(entries.iter().all(|e| e["origin"] == "cli"));
    // No secret in any field: not the seed, keys, token, nor the code shown.
    let secret_key = creds["SecretAccessKey"].as_str().unwrap();
    let token = creds["SessionToken"].as_str().unwrap();
    for entry in &entries {
        for value in entry.as_object().unwrap().values() {
            let text = value.to_string();
            assert_ne!(value.as_str(), Some(code.trim()));
            assert!(!text.contains(secret_key) && !text.contains(token));
        }
    }
    world.assert_no_secret_in_files(&[secret_key, token]);

    let human = world.ok(&["log"]);
    assert_eq!(human.lines().count(), 4, "{human}");
    assert!(human.contains("credentials issued") && human.contains("profile admin"));
}
