//! Real clients of `credential_process`: the AWS CLI v1, boto3 and aws-sdk-rust, each loading
//! a profile that `otpilot profile setup` wired, and getting the assumed role's identity.

use std::os::unix::fs::PermissionsExt;

use crate::harness::aws::{AwsWorld, ACCOUNT};

fn setup_admin(w: &AwsWorld) {
    w.standard_profiles();
    let run = w.run(&["profile", "setup", "admin"]);
    run.assert_ok();
}

#[test]
fn aws_cli_gets_the_assumed_role_through_otpilot() {
    let w = AwsWorld::new();
    setup_admin(&w);
    let out = w.aws(&["sts", "get-caller-identity", "--profile", "admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arn = id["Arn"].as_str().unwrap();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/Admin/otpilot-"
        )),
        "{arn}"
    );
    // The CLI did not ask for MFA itself: it saw no role_arn/mfa_serial, only otpilot.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("MFA"));
    // A second CLI call reuses the cached credentials.
    let again = w.aws(&["sts", "get-caller-identity", "--profile", "admin"]);
    assert!(again.status.success());
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    assert_eq!(w.gate.count("AssumeRole"), 1);
}

#[test]
fn boto3_gets_the_assumed_role_through_otpilot() {
    let w = AwsWorld::new();
    setup_admin(&w);
    let out = w.python(
        "import boto3, json\n\
         s = boto3.Session(profile_name='admin')\n\
         print(json.dumps(s.client('sts').get_caller_identity()['Arn']))",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arn: String = serde_json::from_slice(&out.stdout).unwrap();
    assert!(arn.contains(":assumed-role/Admin/"), "{arn}");
}

#[test]
fn aws_sdk_rust_gets_the_assumed_role_through_otpilot() {
    let w = AwsWorld::new();
    setup_admin(&w);
    // The SDK runs credential_process with this test process's environment, not the world's;
    // a wrapper gives otpilot the world's HOME, keyring and endpoint, as a login shell would.
    let wrapper = w.env.root.path().join("otpilot-in-world");
    let mut script = String::from("#!/bin/sh\nexec env -i");
    for (k, v) in w.envs() {
        script.push_str(&format!(" '{k}={v}'"));
    }
    script.push_str(&format!(
        " '{}' \"$@\"\n",
        crate::harness::otpilot_bin().display()
    ));
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o700)).unwrap();
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    let exe = crate::harness::otpilot_bin().display().to_string();
    assert!(
        config.contains(&exe),
        "profile setup wrote the otpilot path"
    );
    std::fs::write(
        w.config_path(),
        config.replace(&exe, &wrapper.display().to_string()),
    )
    .unwrap();

    let arn = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let files = aws_runtime::env_config::file::EnvConfigFiles::builder()
                .with_file(
                    aws_runtime::env_config::file::EnvConfigFileKind::Config,
                    w.config_path(),
                )
                .with_file(
                    aws_runtime::env_config::file::EnvConfigFileKind::Credentials,
                    w.credentials_path(),
                )
                .build();
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .profile_files(files)
                .profile_name("admin")
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(w.gate.endpoint())
                .load()
                .await;
            let sts = aws_sdk_sts::Client::new(&config);
            let id = sts
                .get_caller_identity()
                .send()
                .await
                .expect("get-caller-identity");
            id.arn().unwrap().to_owned()
        });
    assert!(arn.contains(":assumed-role/Admin/"), "{arn}");
    assert_eq!(w.gate.count("AssumeRole"), 1);
}
