//! The MFA gate itself, proven with real clients (the AWS CLI, boto3) and raw HTTP: a right
//! code passes once and is recorded, wrong and reused codes fail exactly as at AWS, injected
//! faults look like AWS failures to botocore's retries, the `Date` header and the MFA window
//! follow the simulated skew, and many clients at once are served.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::sync::{Arc, Barrier};

use otpilot_core::clock::unix_now;

use crate::harness::gate::{parse_http_date, Fault, Gate, Outcome, Rejection};
use crate::harness::moto::{aws_cli, venv, Moto};
use crate::harness::{random_seed, run_tool};

/// Not moto's fixed `AKIAIOSFODNN7EXAMPLE`, so the record proves who signed.
const ACCESS_KEY: &str = "AKIAGATESELFTEST0001";
const INVALID_CODE: &str = "MultiFactorAuthentication failed with invalid MFA one time pass code";

/// A fresh gate in front of the shared moto, knowing one new device.
struct Fixture {
    gate: Gate,
    serial: String,
    seed: String,
}

fn fixture(name: &str) -> Fixture {
    let gate = Gate::start(&Moto::shared().endpoint);
    let seed = random_seed(20);
    let serial = format!(
        "arn:aws:iam::123456789012:mfa/{name}-{}",
        rand::random::<u32>()
    );
    gate.register_device(&serial, &seed);
    Fixture { gate, serial, seed }
}

impl Fixture {
    fn code_now(&self) -> String {
        self.gate
            .code_for_step(&self.serial, self.gate.current_step())
    }
}

/// The AWS CLI against the gate, with botocore's standard retries capped at `max_attempts`.
fn aws(gate: &Gate, max_attempts: u32, args: &[&str]) -> Output {
    Command::new(aws_cli())
        .args(args)
        .args(["--output", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "gateSelfTestDummySecretKey0000000000000",
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", gate.endpoint())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_RETRY_MODE", "standard")
        .env("AWS_MAX_ATTEMPTS", max_attempts.to_string())
        .output()
        .expect("aws cli")
}

fn get_session_token(f: &Fixture, code: &str, max_attempts: u32) -> Output {
    aws(
        &f.gate,
        max_attempts,
        &[
            "sts",
            "get-session-token",
            "--serial-number",
            &f.serial,
            "--token-code",
            code,
            "--duration-seconds",
            "900",
        ],
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the CLI succeeded and returns its JSON.
fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "aws failed ({:?}): {}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_slice(&out.stdout).expect("aws printed JSON")
}

/// Asserts the CLI failed with an AWS error whose text contains `expected`. AWS CLI v1 exits
/// with 255 for service errors too (v2 uses 254 for them).
fn assert_aws_error(out: &Output, expected: &str) {
    assert!(
        matches!(out.status.code(), Some(254 | 255)),
        "expected the CLI to fail: {:?} {}",
        out.status.code(),
        stderr(out)
    );
    assert!(
        stderr(out).contains("An error occurred (") && stderr(out).contains(expected),
        "expected an AWS error with `{expected}` in: {}",
        stderr(out)
    );
}

fn outcomes(gate: &Gate, action: &str) -> Vec<(Option<Fault>, Outcome)> {
    gate.requests_for(action)
        .into_iter()
        .map(|r| (r.fault, r.outcome))
        .collect()
}

// --- Raw HTTP, for headers and cases a real client refuses to send ---------------------------

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A form body, every value percent-encoded.
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One request on an open connection, read back by its Content-Length.
fn raw_on(conn: &mut BufReader<TcpStream>, service: &str, body: &str, close: bool) -> RawResponse {
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/us-east-1/{service}/\
         aws4_request, SignedHeaders=host, Signature=00\r\n\
         Content-Length: {}\r\n{}\r\n{body}",
        body.len(),
        if close { "Connection: close\r\n" } else { "" }
    );
    conn.get_mut().write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        conn.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut response = RawResponse {
        status,
        headers,
        body: String::new(),
    };
    let length: usize = response.header("content-length").unwrap().parse().unwrap();
    let mut body = vec![0; length];
    conn.read_exact(&mut body).unwrap();
    response.body = String::from_utf8(body).unwrap();
    response
}

fn connect(gate: &Gate) -> BufReader<TcpStream> {
    let address = gate.endpoint().trim_start_matches("http://").to_owned();
    BufReader::new(TcpStream::connect(address).unwrap())
}

fn raw(gate: &Gate, service: &str, pairs: &[(&str, &str)]) -> RawResponse {
    raw_on(&mut connect(gate), service, &form(pairs), true)
}

fn raw_session_token(f: &Fixture, code: &str) -> RawResponse {
    raw(
        &f.gate,
        "sts",
        &[
            ("Action", "GetSessionToken"),
            ("Version", "2011-06-15"),
            ("SerialNumber", &f.serial),
            ("TokenCode", code),
        ],
    )
}

const CALLER_IDENTITY: &[(&str, &str)] =
    &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];

// --- The tests -------------------------------------------------------------------------------

/// (1) The right code, computed independently by oathtool, passes; the gate recorded what the
/// CLI really sent and who signed it.
#[test]
fn gate_passes_a_right_code_and_records_the_request() {
    let f = fixture("right");
    let now = unix_now();
    let code = run_tool(Command::new("oathtool").args([
        "--totp",
        "-b",
        "-N",
        &format!("@{now}"),
        &f.seed,
    ]));
    assert_eq!(
        code,
        f.gate.code_for_step(&f.serial, now / 30),
        "gate TOTP = oathtool"
    );

    let out = json(&get_session_token(&f, &code, 1));
    assert!(out["Credentials"]["SessionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    let requests = f.gate.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.action, "GetSessionToken");
    assert_eq!(r.param("SerialNumber"), Some(f.serial.as_str()));
    assert_eq!(r.param("TokenCode"), Some(code.as_str()));
    assert_eq!(r.param("DurationSeconds"), Some("900"));
    assert_eq!(r.access_key_id.as_deref(), Some(ACCESS_KEY));
    assert_eq!(r.service.as_deref(), Some("sts"));
    assert!(!r.session_token, "long-term keys carry no session token");
    assert_eq!(r.mfa_step, Some(now / 30));
    assert_eq!(r.fault, None);
    assert_eq!(r.outcome, Outcome::Forwarded { status: 200 });
    assert_eq!(f.gate.count("GetSessionToken"), 1);
}

/// (2) AWS accepts a code once: the same code again fails with AccessDenied, also when another
/// process spent the step first.
#[test]
fn gate_rejects_a_reused_code_like_aws() {
    let f = fixture("reuse");
    let code = f.code_now();
    json(&get_session_token(&f, &code, 1));
    let again = get_session_token(&f, &code, 3);
    assert_aws_error(&again, "(AccessDenied)");
    assert_aws_error(&again, INVALID_CODE);
    // AccessDenied is final: botocore did not retry it.
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [
            (None, Outcome::Forwarded { status: 200 }),
            (None, Outcome::Rejected(Rejection::ReusedCode)),
        ]
    );
    assert_eq!(f.gate.count("GetSessionToken"), 1);

    let next = f.gate.current_step() + 1;
    f.gate.mark_step_used(&f.serial, next);
    let spent = raw_session_token(&f, &f.gate.code_for_step(&f.serial, next));
    assert_eq!(spent.status, 403);
    assert!(
        spent.body.contains("<Code>AccessDenied</Code>"),
        "{}",
        spent.body
    );
    assert_eq!(f.gate.requests().last().unwrap().mfa_step, Some(next));
}

/// (3) A code of the right device but the wrong time, an unknown serial, a malformed code:
/// each refused as AWS refuses it, and none reaches moto.
#[test]
fn gate_rejects_wrong_codes_and_unknown_serials() {
    let f = fixture("wrong");
    let far = f.gate.code_for_step(&f.serial, f.gate.current_step() + 5);
    assert_aws_error(&get_session_token(&f, &far, 3), INVALID_CODE);
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [(None, Outcome::Rejected(Rejection::InvalidCode))]
    );

    let unknown = raw(
        &f.gate,
        "sts",
        &[
            ("Action", "GetSessionToken"),
            ("Version", "2011-06-15"),
            ("SerialNumber", "arn:aws:iam::123456789012:mfa/nobody"),
            ("TokenCode", "123456"),
        ],
    );
    assert_eq!(unknown.status, 403);
    assert!(unknown.body.starts_with(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed, \
         unable to validate MFA code."
    ));
    assert!(unknown.body.contains("</Error><RequestId>"));
    assert_eq!(unknown.header("content-type"), Some("text/xml"));

    // botocore checks the length itself; only a raw client can send five digits.
    let short = raw_session_token(&f, "12345");
    assert_eq!(short.status, 400);
    assert!(
        short.body.contains("<Code>ValidationError</Code>"),
        "{}",
        short.body
    );

    let rejections: Vec<Outcome> = f.gate.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        rejections,
        [
            Outcome::Rejected(Rejection::InvalidCode),
            Outcome::Rejected(Rejection::UnknownSerial),
            Outcome::Rejected(Rejection::MalformedCode),
        ]
    );
    assert_eq!(f.gate.count("GetSessionToken"), 0);
}

/// MFA is optional until a test asks for it; then a call without a code is AccessDenied.
#[test]
fn gate_requires_mfa_only_when_told() {
    let f = fixture("policy");
    let plain = &[("Action", "GetSessionToken"), ("Version", "2011-06-15")];
    assert_eq!(raw(&f.gate, "sts", plain).status, 200);
    f.gate.require_mfa_for("GetSessionToken");
    let denied = raw(&f.gate, "sts", plain);
    assert_eq!(denied.status, 403);
    assert!(denied
        .body
        .contains("not authorized to perform: sts:GetSessionToken"));
    assert_eq!(raw_session_token(&f, &f.code_now()).status, 200);
    // Other actions are untouched by a policy on one.
    assert_eq!(raw(&f.gate, "sts", CALLER_IDENTITY).status, 200);
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken")
            .into_iter()
            .map(|(_, o)| o)
            .collect::<Vec<_>>(),
        [
            Outcome::Forwarded { status: 200 },
            Outcome::Rejected(Rejection::MfaRequired),
            Outcome::Forwarded { status: 200 },
        ]
    );
}

/// (4) Throttling is answered before the code is looked at, so botocore's retry with the same
/// code succeeds.
#[test]
fn gate_throttling_is_retried_by_the_cli() {
    let f = fixture("throttle");
    f.gate
        .fail_next_for("GetSessionToken", 1, Fault::Throttling);
    json(&get_session_token(&f, &f.code_now(), 3));
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [
            (Some(Fault::Throttling), Outcome::Faulted),
            (None, Outcome::Forwarded { status: 200 }),
        ]
    );
    assert_eq!(f.gate.count("GetSessionToken"), 1);
}

/// (5) An HTTP 500 fails the attempt; with retries the CLI succeeds, without it reports
/// InternalFailure.
#[test]
fn gate_http_500_fails_one_attempt() {
    let f = fixture("http500");
    f.gate.fail_next(1, Fault::Http500);
    json(&get_session_token(&f, &f.code_now(), 3));
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [
            (Some(Fault::Http500), Outcome::Faulted),
            (None, Outcome::Forwarded { status: 200 }),
        ]
    );

    f.gate.fail_next(1, Fault::Http500);
    let out = aws(&f.gate, 1, &["sts", "get-caller-identity"]);
    assert_aws_error(&out, "(InternalFailure)");
    assert_eq!(f.gate.count("GetCallerIdentity"), 0);
}

/// (6) A dropped connection fails that attempt (and spends no code); a dropped *response*
/// spends the code, so the client's retry meets AWS's reuse error.
#[test]
fn gate_dropped_connections_and_lost_responses() {
    let f = fixture("drop");
    let code = f.code_now();
    f.gate.fail_next(1, Fault::DropConnection);
    let out = get_session_token(&f, &code, 1);
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Connection was closed"),
        "{}",
        stderr(&out)
    );

    f.gate.fail_next(1, Fault::DropConnection);
    json(&get_session_token(&f, &code, 3));
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [
            (Some(Fault::DropConnection), Outcome::Faulted),
            (Some(Fault::DropConnection), Outcome::Faulted),
            (None, Outcome::Forwarded { status: 200 }),
        ]
    );

    f.gate.clear_requests();
    let next = f.gate.code_for_step(&f.serial, f.gate.current_step() + 1);
    f.gate.fail_next(1, Fault::DropResponse);
    assert_aws_error(&get_session_token(&f, &next, 3), INVALID_CODE);
    assert_eq!(
        outcomes(&f.gate, "GetSessionToken"),
        [
            (
                Some(Fault::DropResponse),
                Outcome::Forwarded { status: 200 }
            ),
            (None, Outcome::Rejected(Rejection::ReusedCode)),
        ]
    );
}

/// (7) The date offset shows in the `Date` header of relayed and of the gate's own answers,
/// and moves the MFA window with it; a delay holds the answer back.
#[test]
fn gate_date_offset_moves_date_header_and_mfa_window() {
    let f = fixture("skew");
    let date = |r: &RawResponse| parse_http_date(r.header("date").expect("Date header")).unwrap();
    let near = |t: i64, expected: i64| (t - expected).abs() <= 5;

    let plain = raw(&f.gate, "sts", CALLER_IDENTITY);
    assert!(
        near(date(&plain), unix_now() as i64),
        "moto's own Date relayed"
    );

    f.gate.set_date_offset(3600);
    let skewed = raw(&f.gate, "sts", CALLER_IDENTITY);
    assert_eq!(skewed.status, 200);
    assert!(
        near(date(&skewed), unix_now() as i64 + 3600),
        "{:?}",
        skewed.header("date")
    );
    assert_eq!(skewed.header("date").unwrap().len(), 29, "IMF-fixdate");

    // A code from our own clock is an hour off for the skewed STS.
    let local = f.gate.code_for_step(&f.serial, unix_now() / 30);
    let denied = raw_session_token(&f, &local);
    assert_eq!(denied.status, 403);
    assert!(near(date(&denied), unix_now() as i64 + 3600));
    assert_eq!(raw_session_token(&f, &f.code_now()).status, 200);

    f.gate.set_date_offset(0);
    f.gate
        .fail_next(1, Fault::Delay(std::time::Duration::from_millis(300)));
    let started = std::time::Instant::now();
    assert_eq!(raw(&f.gate, "sts", CALLER_IDENTITY).status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(
        f.gate.requests().last().unwrap().fault,
        Some(Fault::Delay(std::time::Duration::from_millis(300)))
    );
}

/// 40 connections open at once are all served; 8 parallel requests with one code let exactly
/// one through; a keep-alive connection carries several requests.
#[test]
fn gate_serves_concurrent_and_kept_alive_connections() {
    let f = Arc::new(fixture("parallel"));
    let barrier = Arc::new(Barrier::new(40));
    let threads: Vec<_> = (0..40)
        .map(|_| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut conn = connect(&f.gate);
                barrier.wait();
                raw_on(&mut conn, "sts", &form(CALLER_IDENTITY), true).status
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(f.gate.count("GetCallerIdentity"), 40);

    let code = f.code_now();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (f, barrier, code) = (Arc::clone(&f), Arc::clone(&barrier), code.clone());
            std::thread::spawn(move || {
                barrier.wait();
                raw_session_token(&f, &code).status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 403, 403, 403, 403, 403, 403, 403]);

    let before = f.gate.connections_accepted();
    let mut conn = connect(&f.gate);
    for _ in 0..3 {
        let r = raw_on(&mut conn, "sts", &form(CALLER_IDENTITY), false);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("connection"), Some("keep-alive"));
    }
    assert_eq!(f.gate.connections_accepted(), before + 1);
}

/// boto3 (urllib3 connection pool) works through the gate and reuses its connection.
#[test]
fn gate_works_for_boto3_with_keep_alive() {
    let f = fixture("boto3");
    let script = r#"
import sys, boto3
endpoint, serial, code = sys.argv[1:4]
sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="AKIAGATESELFTEST0001", aws_secret_access_key="dummy")
for _ in range(3):
    sts.get_caller_identity()
sts.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=900)
"#;
    run_tool(
        Command::new(venv().join("bin/python"))
            .args(["-c", script, &f.gate.endpoint(), &f.serial, &f.code_now()])
            .env_clear()
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    );
    assert_eq!(f.gate.count("GetCallerIdentity"), 3);
    assert_eq!(f.gate.count("GetSessionToken"), 1);
    assert_eq!(
        f.gate.connections_accepted(),
        1,
        "one kept-alive connection"
    );
}

/// A virtual device created through the gate is learned from moto's answer, and
/// EnableMFADevice then needs two consecutive codes of its seed, once.
#[test]
fn gate_learns_created_devices_and_checks_enable_codes() {
    let f = fixture("iam");
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("seed");
    let name = format!("gate-selftest-{}", rand::random::<u32>());
    let created = json(&aws(
        &f.gate,
        1,
        &[
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            &name,
            "--outfile",
            seed_file.to_str().unwrap(),
            "--bootstrap-method",
            "Base32StringSeed",
        ],
    ));
    let serial = created["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .unwrap();
    let seed = std::fs::read_to_string(&seed_file).unwrap();
    let step = f.gate.current_step();
    let code = |t: u64| {
        run_tool(Command::new("oathtool").args([
            "--totp",
            "-b",
            "-N",
            &format!("@{}", t * 30),
            seed.trim(),
        ]))
    };
    assert_eq!(f.gate.code_for_step(serial, step), code(step));

    let user = &[
        ("Action", "CreateUser"),
        ("Version", "2010-05-08"),
        ("UserName", &name),
    ];
    assert_eq!(raw(&f.gate, "iam", user).status, 200);
    let enable = |c1: &str, c2: &str| {
        raw(
            &f.gate,
            "iam",
            &[
                ("Action", "EnableMFADevice"),
                ("Version", "2010-05-08"),
                ("UserName", &name),
                ("SerialNumber", serial),
                ("AuthenticationCode1", c1),
                ("AuthenticationCode2", c2),
            ],
        )
    };
    let not_consecutive = enable(&code(step), &code(step + 2));
    assert_eq!(not_consecutive.status, 403);
    assert!(not_consecutive
        .body
        .contains("<Code>InvalidAuthenticationCode</Code>"));
    assert!(not_consecutive.body.contains(IAM_XMLNS_TEXT));
    assert_eq!(enable(&code(step), &code(step + 1)).status, 200);
    let again = enable(&code(step), &code(step + 1));
    assert_eq!(again.status, 403, "{}", again.body);
    assert_eq!(
        outcomes(&f.gate, "EnableMFADevice")
            .into_iter()
            .map(|(_, o)| o)
            .collect::<Vec<_>>(),
        [
            Outcome::Rejected(Rejection::InvalidCode),
            Outcome::Forwarded { status: 200 },
            Outcome::Rejected(Rejection::ReusedCode),
        ]
    );
    assert_eq!(
        f.gate.requests_for("EnableMFADevice")[1].service.as_deref(),
        Some("iam")
    );
}

const IAM_XMLNS_TEXT: &str = "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"";

/// Dropping the gate closes its port and the connections it kept alive.
#[test]
fn gate_shuts_down_when_dropped() {
    let f = fixture("drop-gate");
    let address = f.gate.endpoint().trim_start_matches("http://").to_owned();
    let mut conn = connect(&f.gate);
    assert_eq!(
        raw_on(&mut conn, "sts", &form(CALLER_IDENTITY), false).status,
        200
    );
    drop(f);
    let mut rest = Vec::new();
    assert_eq!(
        conn.read_to_end(&mut rest).unwrap(),
        0,
        "EOF on the kept-alive connection"
    );
    assert!(
        TcpStream::connect(&address).is_err(),
        "nothing listens any more"
    );
}
