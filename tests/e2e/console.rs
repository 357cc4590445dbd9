//! `otpilot console` against moto behind the MFA gate and a local sign-in endpoint: which
//! credentials sign in, the SessionDuration rules, destinations, endpoint failures, the
//! browser launch, and that the login URL (a bearer secret) lands in no file.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID};
use crate::harness::browser::RecordingBrowser;
use crate::harness::signin::{Expect, SigninEndpoint, MOTO_FEDERATION_TOKEN_PREFIX};
use crate::harness::Run;

const ISSUER: &str = "https://github.com/otpilot/otpilot";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Runs otpilot in `w` with the sign-in endpoint and any extra variables.
pub(crate) fn run(
    w: &AwsWorld,
    signin: &SigninEndpoint,
    args: &[&str],
    extra: &[(&str, &str)],
) -> Run {
    let mut cmd = w.otpilot(args);
    cmd.env("OTPILOT_FEDERATION_ENDPOINT", signin.endpoint());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Run(cmd.stdin(Stdio::null()).output().expect("run otpilot"))
}

/// `console ARGS --print`, asserted to succeed; the login URL.
fn print_url(w: &AwsWorld, signin: &SigninEndpoint, args: &[&str]) -> (String, Run) {
    let mut all = vec!["console"];
    all.extend_from_slice(args);
    all.push("--print");
    let run = run(w, signin, &all, &[]);
    run.assert_ok();
    let lines: Vec<String> = run.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "one URL on stdout: {:?}", run.stdout());
    (lines[0].clone(), run)
}

/// The query of a URL, decoded.
fn query(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("not a URL ({e})"))
        .query_pairs()
        .into_owned()
        .collect()
}

fn admin_and_long_profiles(w: &AwsWorld) {
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
         [profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\n\n\
         [profile long]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Long\nsource_profile = base\nmfa_serial = {{serial}}\nduration_seconds = 7200\n"
    ));
    w.write_base_credentials();
}

/// The token and the URL, raw and encoded, are in no file under the test's root but `allowed`.
pub(crate) fn assert_not_in_files(
    w: &AwsWorld,
    signin: &SigninEndpoint,
    url: &str,
    allowed: Option<&Path>,
) {
    let token = signin.token();
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    for needle in [token.as_str(), encoded.as_str(), url] {
        let found: Vec<_> = w
            .env
            .files_containing(needle)
            .into_iter()
            .filter(|p| !allowed.is_some_and(|dir| p.starts_with(dir)))
            .collect();
        assert!(
            found.is_empty(),
            "a sign-in secret was written to {found:?}"
        );
    }
}

#[test]
fn role_profile_signs_in_with_the_credential_process_credentials() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let (url, run) = print_url(&w, &signin, &["admin"]);

    assert!(
        url.starts_with(&format!("{}?Action=login&", signin.endpoint())),
        "the login URL is on the federation endpoint"
    );
    let q = query(&url);
    assert_eq!(q["Action"], "login");
    assert_eq!(q["Issuer"], ISSUER);
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/console/home?region=us-east-1"
    );
    assert_eq!(q["SigninToken"], signin.token());
    let stderr = run.stderr();
    assert!(stderr.contains("15 minutes"), "{stderr}");
    assert!(!stderr.contains(&signin.token()), "{stderr}");

    let requests = signin.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.status, 200);
    assert_eq!(request.method, "POST");
    assert_eq!(request.action, "getSigninToken");
    assert!(
        !request.session_in_query,
        "credentials never travel in a URL"
    );
    assert_eq!(
        request.session_duration, None,
        "chained: no SessionDuration"
    );

    // The same plan and cache as credential-process: exactly the credentials it hands out.
    let cp = w.credential_process("admin");
    let session = request.session.clone().unwrap();
    assert_eq!(session.id, cp["AccessKeyId"].as_str().unwrap());
    assert_eq!(session.key, cp["SecretAccessKey"].as_str().unwrap());
    assert_eq!(session.token, cp["SessionToken"].as_str().unwrap());
    assert_eq!(w.gate.count("GetSessionToken"), 1);
    assert_eq!(w.gate.count("AssumeRole"), 1);
    assert_eq!(w.gate.count("GetFederationToken"), 0);

    assert_not_in_files(&w, &signin, &url, None);
    w.assert_no_secret_in_files(&[&session.key, &session.token]);
}

#[test]
fn destinations_service_region_and_path() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let (url, _) = print_url(
        &w,
        &signin,
        &["admin", "--service", "S3", "--region", "eu-west-1"],
    );
    assert_eq!(
        query(&url)["Destination"],
        "https://console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    let path = "/cloudwatch/home?region=eu-west-1#alarmsV2:";
    let (url, _) = print_url(&w, &signin, &["admin", "--path", path]);
    assert_eq!(
        query(&url)["Destination"],
        format!("https://console.aws.amazon.com{path}")
    );
    assert_eq!(
        w.gate.count("AssumeRole"),
        1,
        "one role session serves both"
    );

    // Refused before any call: nothing reaches STS or the endpoint.
    w.gate.clear_requests();
    let before = signin.requests().len();
    for (args, expected) in [
        (
            vec![
                "console",
                "admin",
                "--path",
                "https://evil.example/",
                "--print",
            ],
            "would leave the console",
        ),
        (
            vec!["console", "admin", "--service", "s3/../x", "--print"],
            "is not a console service name",
        ),
        (
            vec!["console", "admin", "--region", "cn-north-1", "--print"],
            "is not in the aws partition",
        ),
    ] {
        run(&w, &signin, &args, &[]).assert_one_line_error(expected);
    }
    assert!(w.gate.requests().is_empty());
    assert_eq!(signin.requests().len(), before);
}

#[test]
fn iam_user_without_a_role_signs_in_with_get_federation_token() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::FederationToken);
    let (url, run) = print_url(&w, &signin, &["base"]);
    assert_eq!(query(&url)["SigninToken"], signin.token());
    let stderr = run.stderr();
    assert!(stderr.contains("no MFA context"), "{stderr}");

    let gft = w.gate.requests_for("GetFederationToken");
    assert_eq!(gft.len(), 1);
    assert!(gft[0].forwarded(), "moto answered");
    assert_eq!(gft[0].access_key_id.as_deref(), Some(BASE_KEY_ID));
    assert!(!gft[0].session_token, "signed with the long-term keys");
    assert_eq!(gft[0].param("Name"), Some("otpilot-base"));
    assert_eq!(gft[0].param("DurationSeconds"), Some("43200"));
    let policy: serde_json::Value = serde_json::from_str(gft[0].param("Policy").unwrap()).unwrap();
    assert_eq!(
        policy,
        serde_json::from_str::<serde_json::Value>(ALLOW_ALL).unwrap()
    );
    assert_eq!(
        w.gate.count("GetSessionToken"),
        0,
        "no MFA code spent on a session the console refuses"
    );

    let request = &signin.requests()[0];
    let session = request.session.clone().unwrap();
    assert_eq!(
        session.id, "AKIAIOSFODNN7EXAMPLE",
        "moto's federation key id"
    );
    assert!(session.token.starts_with(MOTO_FEDERATION_TOKEN_PREFIX));
    assert_eq!(request.session_duration, None);

    // --duration becomes the federation token's length, never SessionDuration.
    print_url(&w, &signin, &["base", "--duration", "7200"]);
    let gft = w.gate.requests_for("GetFederationToken");
    assert_eq!(gft[1].param("DurationSeconds"), Some("7200"));
    assert_eq!(signin.requests()[1].session_duration, None);
    assert_eq!(signin.requests()[1].status, 200);
}

#[test]
fn session_duration_only_for_roles_assumed_from_long_term_keys() {
    let w = AwsWorld::new();
    admin_and_long_profiles(&w);
    let signin = SigninEndpoint::start(Expect::ChainedRole);

    // Chained (the role is assumed with the MFA session): a clear error before any call.
    let line = run(
        &w,
        &signin,
        &["console", "admin", "--duration", "3600", "--print"],
        &[],
    )
    .assert_one_line_error("cannot set the console session duration for profile `admin`");
    assert!(line.contains("role chaining"), "{line}");
    assert!(
        line.contains("duration_seconds greater than 3600"),
        "{line}"
    );
    assert!(
        signin.requests().is_empty(),
        "the endpoint was never called"
    );
    assert!(
        w.gate.requests().is_empty(),
        "no STS call, no MFA code spent"
    );

    // Out of AWS's range, also refused offline.
    run(
        &w,
        &signin,
        &["console", "long", "--duration", "50000", "--print"],
        &[],
    )
    .assert_one_line_error("900 to 43200");
    assert!(signin.requests().is_empty());

    // duration_seconds = 7200: assumed straight from the long-term keys, so SessionDuration goes.
    signin.expect(Expect::RoleFromLongTermKeys);
    print_url(&w, &signin, &["long", "--duration", "3600"]);
    let requests = signin.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].session_duration.as_deref(), Some("3600"));
    assert_eq!(requests[0].status, 200);
    let ar = w.gate.requests_for("AssumeRole");
    assert_eq!(ar.len(), 1);
    assert_eq!(ar[0].access_key_id.as_deref(), Some(BASE_KEY_ID));
    assert_eq!(ar[0].param("SerialNumber"), Some(w.serial.as_str()));
}

#[test]
fn endpoint_failures_are_one_line_errors() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let cp = w.credential_process("admin");
    let secrets = [
        cp["SecretAccessKey"].as_str().unwrap().to_owned(),
        cp["SessionToken"].as_str().unwrap().to_owned(),
    ];
    let check = |line: &str| {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "a secret in: {line}");
        }
        assert!(!line.contains("Session="), "{line}");
    };

    signin.answer_next(400, "Invalid credentials parameter");
    let line = run(&w, &signin, &["console", "admin", "--print"], &[]).assert_one_line_error(
        "the sign-in endpoint rejected the credentials (Invalid credentials parameter) for profile `admin`",
    );
    assert!(line.contains("otpilot profile status admin"), "{line}");
    check(&line);

    signin.answer_next(200, "<html>maintenance</html>");
    let line = run(&w, &signin, &["console", "admin", "--print"], &[])
        .assert_one_line_error("gave an unusable answer (HTTP 200, but the answer is not JSON)");
    check(&line);

    signin.answer_next(503, "busy");
    run(&w, &signin, &["console", "admin", "--print"], &[])
        .assert_one_line_error("gave an unusable answer (HTTP 503)");

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let endpoint = format!("http://127.0.0.1:{port}/federation");
    let line = run(
        &w,
        &signin,
        &["console", "admin", "--print"],
        &[("OTPILOT_FEDERATION_ENDPOINT", &endpoint)],
    )
    .assert_one_line_error(&format!(
        "cannot reach the AWS sign-in endpoint 127.0.0.1:{port} (connection refused)"
    ));
    check(&line);

    run(
        &w,
        &signin,
        &["console", "admin", "--print"],
        &[(
            "OTPILOT_FEDERATION_ENDPOINT",
            "http://proxy.example/federation",
        )],
    )
    .assert_one_line_error("OTPILOT_FEDERATION_ENDPOINT is not usable");
    assert_eq!(
        w.gate.count("AssumeRole"),
        1,
        "the cached role served every try"
    );
}

#[test]
fn opens_the_browser_through_the_logout_endpoint() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let recorder = RecordingBrowser::new(&w.env.root.path().join("browser"));
    let browser = recorder.script.display().to_string();

    let run1 = run(&w, &signin, &["console", "admin"], &[("BROWSER", &browser)]);
    run1.assert_ok();
    assert!(run1.stdout().is_empty(), "the URL is not printed");
    assert!(
        run1.stderr().contains("opened the AWS console for `admin`"),
        "{}",
        run1.stderr()
    );
    let opened = recorder.opened();
    assert_eq!(opened.len(), 1);
    // argv holds only a private page's path, never the sign-in token.
    assert!(opened[0].arg.starts_with("file://"), "{}", opened[0].arg);
    assert!(!opened[0].arg.contains("SigninToken"));
    assert!(!opened[0].arg.contains(&signin.token()));
    assert_eq!(opened[0].page_mode.as_deref(), Some("600"));
    let prefix = "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=";
    assert!(opened[0].url.starts_with(prefix), "logout first");
    let login = query(&opened[0].url)["redirect_uri"].clone();
    assert!(login.starts_with(&format!("{}?Action=login&", signin.endpoint())));
    assert_eq!(query(&login)["SigninToken"], signin.token());

    let run2 = run(
        &w,
        &signin,
        &["console", "admin", "--no-logout", "--service", "ec2"],
        &[("BROWSER", &browser)],
    );
    run2.assert_ok();
    let opened = recorder.opened();
    assert_eq!(opened.len(), 2);
    assert!(opened[1]
        .url
        .starts_with(&format!("{}?Action=login&", signin.endpoint())));
    assert_eq!(
        query(&opened[1].url)["Destination"],
        "https://console.aws.amazon.com/ec2/home?region=us-east-1"
    );

    // xdg-open's conventions: a list tried in order, %s for the URL.
    let list = format!("/nonexistent/browser:{browser} %s");
    run(&w, &signin, &["console", "admin"], &[("BROWSER", &list)]).assert_ok();
    assert_eq!(recorder.opened().len(), 3);

    let line = run(
        &w,
        &signin,
        &["console", "admin"],
        &[("BROWSER", "/nonexistent/browser")],
    )
    .assert_one_line_error("no browser could be started (`/nonexistent/browser` was not found)");
    assert!(line.contains("otpilot console admin --print"), "{line}");
    run(&w, &signin, &["console", "admin"], &[("BROWSER", "false")])
        .assert_one_line_error("`false` failed");

    // The pages are removed soon after (the otpilot processes have long exited by then).
    let deadline = std::time::Instant::now()
        + otpilot_core::console::browser::PAGE_LIFETIME
        + std::time::Duration::from_secs(10);
    for o in recorder.opened() {
        let page = o.page.unwrap();
        while page.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        assert!(!page.exists(), "{} is still there", page.display());
    }
    // Then the browser's own files are the only ones that ever held the URL and the token.
    assert_not_in_files(&w, &signin, &login, Some(recorder.dir()));
    assert_not_in_files(&w, &signin, &opened[0].url, Some(recorder.dir()));
}

#[test]
fn sign_in_trusts_the_os_certificate_store_like_sts() {
    // A company's TLS-inspecting proxy: its CA is in the OS store (SSL_CERT_FILE here), not
    // in any built-in list. Sign-in must trust what the AWS SDK trusts.
    let w = AwsWorld::new();
    w.standard_profiles();
    let signin = SigninEndpoint::start(Expect::ChainedRole);
    let proxy =
        crate::harness::tls::TlsProxy::start(&w.env.root.path().join("proxy"), signin.port());
    let endpoint = format!("https://localhost:{}/federation", proxy.port);
    // (On loopback the credentials stay on this machine: no warning about the host.)
    let ca = proxy.ca.display().to_string();
    let print = |extra: &[(&str, &str)]| {
        let mut vars = vec![("OTPILOT_FEDERATION_ENDPOINT", endpoint.as_str())];
        vars.extend_from_slice(extra);
        run(&w, &signin, &["console", "admin", "--print"], &vars)
    };
    let trusted = print(&[("SSL_CERT_FILE", &ca)]);
    trusted.assert_ok();
    assert_eq!(
        query(trusted.stdout().trim())["SigninToken"],
        signin.token()
    );
    assert!(
        !trusted.stderr().contains("not an AWS sign-in host"),
        "{}",
        trusted.stderr()
    );
    // Without the CA in the store the proxy is not trusted, and nothing reaches it.
    let requests = signin.requests().len();
    let untrusted = print(&[]);
    assert_ne!(untrusted.code(), 0);
    assert!(untrusted.stdout().is_empty());
    let error = untrusted
        .stderr()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.starts_with("otpilot: cannot reach the AWS sign-in endpoint localhost:")
            && error.to_lowercase().contains("certificate"),
        "{error}"
    );
    assert!(!error.contains(&signin.token()));
    assert_eq!(signin.requests().len(), requests);
}
