//! `otpilot export` and `otpilot exec`: credentials for tools that only read the environment,
//! checked the way people use them: bash's `eval`, fish's `source`, the AWS CLI and boto3
//! with nothing but those variables, exit codes and signals through exec, nesting refused.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::harness::aws::{AwsWorld, ACCOUNT};
use crate::harness::moto::venv;
use crate::harness::{otpilot_bin, Run};

/// A shell in the world, with `$OTPILOT` the binary, the venv's `aws` and `python` on PATH,
/// and no AWS profile anywhere: whatever reaches AWS comes from the exported variables.
fn shell(w: &AwsWorld, program: &str, script: &str) -> Output {
    let path = format!(
        "{}:{}",
        venv().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(program)
        .args(["-c", script])
        .env_clear()
        .envs(w.envs())
        .env("PATH", path)
        .env("OTPILOT", otpilot_bin())
        // A profile the variables must win over.
        .env("AWS_PROFILE", "readonly")
        .stdin(Stdio::null())
        .output()
        .expect("start the shell")
}

fn assumed_admin(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    let arn = id["Arn"].as_str().unwrap().to_owned();
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/")),
        "{arn}"
    );
    arn
}

#[test]
fn bash_eval_of_export_gives_the_aws_cli_and_boto3_the_role() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let out = shell(
        &w,
        "bash",
        r#"set -e
eval "$("$OTPILOT" export admin)"
unset AWS_PROFILE
aws sts get-caller-identity"#,
    );
    assumed_admin(&out);
    let out = shell(
        &w,
        "bash",
        r#"set -e
eval "$("$OTPILOT" export admin)"
test "$AWS_REGION" = us-east-1 && test "$AWS_DEFAULT_REGION" = us-east-1
test -n "$AWS_CREDENTIAL_EXPIRATION"
unset AWS_PROFILE
python -c 'import boto3, json; print(json.dumps(boto3.client("sts").get_caller_identity()))'"#,
    );
    assumed_admin(&out);
    // Both exports came from one MFA session and one role session (the cache).
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    assert_eq!(w.gate.count("AssumeRole"), 1);
}

#[test]
fn fish_sources_its_format() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let out = shell(
        &w,
        "fish",
        r#"$OTPILOT export admin --format fish | source; or exit 1
set -e AWS_PROFILE
aws sts get-caller-identity"#,
    );
    assumed_admin(&out);
}

#[test]
fn export_formats_and_a_warning_only_for_a_screen() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let process: serde_json::Value =
        serde_json::from_str(&w.ok(&["export", "admin", "--format", "process"])).unwrap();
    assert_eq!(process["Version"], 1);
    let ps = w.run(&["export", "admin", "--format", "powershell"]);
    ps.assert_ok();
    let lines: Vec<String> = ps.stdout().lines().map(str::to_owned).collect();
    assert!(
        lines[0].starts_with("$Env:AWS_ACCESS_KEY_ID='ASIA"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "$Env:AWS_REGION='us-east-1'"));
    // stdout is a pipe here: nothing to warn about, and nothing else on stderr.
    assert!(ps.stderr().is_empty(), "{}", ps.stderr());
    let bad = w.run(&["export", "admin", "--format", "csv"]);
    assert_ne!(bad.code(), 0);
    assert!(bad.stdout().is_empty());
    // An unknown profile: one line, nothing on stdout.
    w.run(&["export", "nope"])
        .assert_one_line_error("no AWS profile `nope`");
}

#[test]
fn exec_runs_the_command_with_the_role_and_without_competing_variables() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let out = shell(
        &w,
        "sh",
        r#"exec "$OTPILOT" exec admin -- aws sts get-caller-identity"#,
    );
    assumed_admin(&out);
    let env = shell(&w, "sh", r#"exec "$OTPILOT" exec admin -- env"#);
    assert!(env.status.success());
    let env = String::from_utf8_lossy(&env.stdout).into_owned();
    assert!(env.lines().any(|l| l == "OTPILOT_PROFILE=admin"), "{env}");
    assert!(!env.lines().any(|l| l.starts_with("AWS_PROFILE=")), "{env}");
    assert!(env.lines().any(|l| l.starts_with("AWS_SESSION_TOKEN=")));
    assert!(env.lines().any(|l| l == "AWS_REGION=us-east-1"));
}

#[test]
fn exec_passes_exit_codes_and_signals_through() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let run = Run(shell(
        &w,
        "sh",
        r#"exec "$OTPILOT" exec admin -- sh -c 'exit 7'"#,
    ));
    assert_eq!(run.code(), 7);
    // Otpilot has become the command: a SIGTERM sent to the pid the caller started ends it.
    let mut child = w
        .otpilot(&["exec", "admin", "--", "sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let comm = format!("/proc/{}/comm", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&comm).unwrap_or_default().trim() != "sleep" {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // No secret on the command line of the running command.
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    assert_eq!(cmdline, b"sleep\x0030\x00");
    send_sigterm(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15));
    // A command that does not exist: the shell's 127 and one line.
    let missing = w.run(&["exec", "admin", "--", "no-such-command-otpilot"]);
    assert_eq!(missing.code(), 127);
    assert_eq!(missing.stderr().lines().count(), 1, "{}", missing.stderr());
}

fn send_sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn exec_inside_exec_for_another_profile_is_refused_unless_forced() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let nested = Run(shell(
        &w,
        "sh",
        r#"exec "$OTPILOT" exec readonly -- "$OTPILOT" exec admin -- true"#,
    ));
    let line = nested.assert_one_line_error("already inside `otpilot exec` for profile `readonly`");
    assert!(line.contains("--force"), "{line}");
    // The same profile again is no trap; --force is the way out for another.
    let same = shell(
        &w,
        "sh",
        r#"exec "$OTPILOT" exec admin -- "$OTPILOT" exec admin -- true"#,
    );
    assert!(same.status.success());
    let forced = shell(
        &w,
        "sh",
        r#"exec "$OTPILOT" exec readonly -- "$OTPILOT" exec admin --force -- sh -c 'echo $OTPILOT_PROFILE'"#,
    );
    assert!(forced.status.success());
    assert_eq!(String::from_utf8_lossy(&forced.stdout).trim(), "admin");
}

/// Runs `code` in the venv's Python as the command of `otpilot exec PROFILE --server`.
fn python_under_server(w: &AwsWorld, profile: &str, code: &str) -> Output {
    let mut cmd = w.otpilot(&["exec", profile, "--server", "--"]);
    cmd.arg(venv().join("bin/python"))
        .args(["-c", code])
        .env("AWS_PROFILE", "readonly")
        .stdin(Stdio::null());
    cmd.output().unwrap()
}

#[test]
fn server_lets_a_long_run_outlive_its_role_session() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile short]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Short\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 12\n"
    ));
    w.write_base_credentials();
    // One client, made once, used before and after its first 12-second session expires.
    let out = python_under_server(
        &w,
        "short",
        "import boto3, os, time\n\
         assert 'AWS_ACCESS_KEY_ID' not in os.environ and 'AWS_PROFILE' not in os.environ\n\
         assert os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'].startswith('http://127.0.0.1:')\n\
         sts = boto3.client('sts')\n\
         print(sts.get_caller_identity()['Arn'])\n\
         time.sleep(14)\n\
         print(sts.get_caller_identity()['Arn'])",
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arns: Vec<&str> = stdout.lines().collect();
    assert_eq!(arns.len(), 2, "{stdout}");
    assert!(
        arns.iter().all(|a| a.contains(":assumed-role/Short/")),
        "{stdout}"
    );
    // The client refreshed through the endpoint: a second role session, the same MFA session.
    assert_eq!(w.gate.count("AssumeRole"), 2);
    assert_eq!(w.gate.count("GetSessionToken"), 1);
}

#[test]
fn server_answers_only_its_token_only_on_loopback_and_from_one_cache() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let out = python_under_server(
        &w,
        "admin",
        r#"import os, socket, json, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
url = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']
token = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']
def get(headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None
results = list(ThreadPoolExecutor(50).map(lambda _: get({'Authorization': token}), range(200)))
assert all(s == 200 for s, _ in results), [s for s, _ in results]
assert len({b['AccessKeyId'] for _, b in results}) == 1
assert results[0][1]['Expiration'].endswith('Z') and results[0][1]['Token']
print(get({})[0], get({'Authorization': 'x' * 64})[0])
port = int(url.split(':')[2].split('/')[0])
s = socket.socket()
print(s.connect_ex(('127.0.0.2', port)) != 0)"#,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["401 403", "True"]);
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    assert_eq!(
        w.gate.count("AssumeRole"),
        1,
        "200 requests, one role session"
    );
    // Refusals are logged, never with the token.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&"x".repeat(64)));
}

#[test]
fn server_passes_the_exit_status_and_signals_through() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let run = w.run(&["exec", "admin", "--server", "--", "sh", "-c", "exit 3"]);
    assert_eq!(run.code(), 3);
    let mut child = w
        .otpilot(&["exec", "admin", "--server", "--", "sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the command (a child of otpilot) to start.
    let children = format!("/proc/{0}/task/{0}/children", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&children)
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    send_sigterm(child.id());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(128 + 15),
        "the command was ended by the SIGTERM"
    );
}
