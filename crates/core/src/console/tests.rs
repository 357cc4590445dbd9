//! Console sign-in as data: golden URLs per partition, destination and region; AWS's
//! SessionDuration rules; partition detection; paths that would leave the console.

use std::sync::Arc;

use super::url::*;
use super::*;
use crate::aws::plan::{self, CredentialPlan};
use crate::aws::profile::RoleHop;
use crate::error::StsErrorKind;
use crate::testing::{hop, resolved, FakeSts, Notices, World};

use Destination::{Home, Path, Service};
use Partition::{Aws, AwsCn, AwsUsGov};

fn s(text: &str) -> String {
    text.to_owned()
}

#[test]
fn golden_destination_urls() {
    let table: &[(Partition, Destination, &str, &str)] = &[
        (
            Aws,
            Home,
            "us-east-1",
            "https://console.aws.amazon.com/console/home?region=us-east-1",
        ),
        (
            Aws,
            Home,
            "eu-west-1",
            "https://console.aws.amazon.com/console/home?region=eu-west-1",
        ),
        (
            AwsUsGov,
            Home,
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            AwsCn,
            Home,
            "cn-north-1",
            "https://console.amazonaws.cn/console/home?region=cn-north-1",
        ),
        (
            Aws,
            Service(s("s3")),
            "eu-west-1",
            "https://console.aws.amazon.com/s3/home?region=eu-west-1",
        ),
        (
            Aws,
            Service(s("EC2")),
            "ap-southeast-2",
            "https://console.aws.amazon.com/ec2/home?region=ap-southeast-2",
        ),
        (
            Aws,
            Service(s(" Lambda ")),
            "us-west-2",
            "https://console.aws.amazon.com/lambda/home?region=us-west-2",
        ),
        (
            Aws,
            Service(s("cloudwatch")),
            "eu-central-1",
            "https://console.aws.amazon.com/cloudwatch/home?region=eu-central-1",
        ),
        (
            Aws,
            Service(s("dynamodb")),
            "us-east-1",
            "https://console.aws.amazon.com/dynamodbv2/home?region=us-east-1",
        ),
        (
            Aws,
            Service(s("SSM")),
            "us-east-1",
            "https://console.aws.amazon.com/systems-manager/home?region=us-east-1",
        ),
        (
            Aws,
            Service(s("stepfunctions")),
            "us-east-1",
            "https://console.aws.amazon.com/states/home?region=us-east-1",
        ),
        (
            AwsUsGov,
            Service(s("s3")),
            "us-gov-east-1",
            "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-east-1",
        ),
        (
            AwsCn,
            Service(s("ec2")),
            "cn-northwest-1",
            "https://console.amazonaws.cn/ec2/home?region=cn-northwest-1",
        ),
        (
            Aws,
            Path(s("/cloudwatch/home?region=eu-west-1#alarmsV2:")),
            "us-east-1",
            "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:",
        ),
        (
            Aws,
            Path(s("iam/home#/roles")),
            "us-east-1",
            "https://console.aws.amazon.com/iam/home#/roles",
        ),
        (
            Aws,
            Path(s("https://console.aws.amazon.com/billing/home")),
            "us-east-1",
            "https://console.aws.amazon.com/billing/home",
        ),
        (
            Aws,
            Path(s("/a/../b")),
            "us-east-1",
            "https://console.aws.amazon.com/b",
        ),
        (
            AwsUsGov,
            Path(s("/iam/home")),
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/iam/home",
        ),
        (
            AwsCn,
            Path(s("/iam/home")),
            "cn-north-1",
            "https://console.amazonaws.cn/iam/home",
        ),
    ];
    for (partition, destination, region, expected) in table {
        let got = destination_url(*partition, destination, region)
            .unwrap_or_else(|e| panic!("{destination:?} in {region}: {e}"));
        assert_eq!(&got, expected, "{partition:?} {destination:?} {region}");
    }
}

#[test]
fn paths_that_leave_the_console_are_refused() {
    for path in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example/x",
        "http://console.aws.amazon.com/ec2/home",
        "https://console.aws.amazon.com:8443/ec2",
        "https://user@console.aws.amazon.com/ec2",
        "https://console.aws.amazon.com.evil.example/",
        "javascript:alert(1)",
        "",
        "/ec2/home extra",
        "/ec2\n/home",
    ] {
        let got = destination_url(Aws, &Path(path.to_owned()), "us-east-1");
        assert!(
            matches!(got, Err(Error::ConsoleRequest(_))),
            "{path:?} -> {:?}",
            got.map_err(|e| e.to_string())
        );
    }
    // A gov path must not land on the commercial console either.
    assert!(destination_url(
        AwsUsGov,
        &Path(s("https://console.aws.amazon.com/ec2")),
        "us-gov-west-1"
    )
    .is_err());
}

#[test]
fn bad_services_and_regions_are_refused() {
    for service in ["", "s3/../x", "s3?x=1", "ec2#", "a b", "é"] {
        assert!(
            destination_url(Aws, &Service(service.to_owned()), "us-east-1").is_err(),
            "{service:?}"
        );
    }
    for region in [
        "",
        "useast1",
        "US-EAST-1",
        "us-east-1&x=1",
        "eu-west-1/x",
        "-eu-west-1",
    ] {
        assert!(destination_url(Aws, &Home, region).is_err(), "{region:?}");
    }
}

#[test]
fn partition_from_role_arn_or_region() {
    let table: &[(Option<&str>, &str, Partition)] = &[
        (
            Some("arn:aws:iam::123456789012:role/Admin"),
            "eu-west-1",
            Aws,
        ),
        (
            Some("arn:aws-us-gov:iam::123456789012:role/Admin"),
            "us-gov-west-1",
            AwsUsGov,
        ),
        (
            Some("arn:aws-cn:iam::123456789012:role/Admin"),
            "cn-north-1",
            AwsCn,
        ),
        (None, "us-gov-east-1", AwsUsGov),
        (None, "cn-northwest-1", AwsCn),
        (None, "eu-west-1", Aws),
        (None, "us-east-1", Aws),
    ];
    for (arn, region, expected) in table {
        assert_eq!(
            detect_partition(*arn, region).unwrap(),
            *expected,
            "{arn:?} {region}"
        );
    }
    // A region of another partition than the role's, and partitions without a known console.
    assert!(detect_partition(Some("arn:aws-us-gov:iam::1:role/A"), "us-east-1").is_err());
    assert!(detect_partition(Some("arn:aws:iam::1:role/A"), "cn-north-1").is_err());
    assert!(detect_partition(Some("arn:aws-iso:iam::1:role/A"), "us-iso-east-1").is_err());
    assert_eq!(Aws.id(), "aws");
    assert_eq!(AwsUsGov.id(), "aws-us-gov");
    assert_eq!(AwsCn.id(), "aws-cn");
}

#[test]
fn federation_endpoints_and_overrides() {
    let table: &[(Partition, Option<&str>, &str)] = &[
        (Aws, None, "https://signin.aws.amazon.com/federation"),
        (
            AwsUsGov,
            None,
            "https://signin.amazonaws-us-gov.com/federation",
        ),
        (AwsCn, None, "https://signin.amazonaws.cn/federation"),
        (Aws, Some(""), "https://signin.aws.amazon.com/federation"),
        (
            Aws,
            Some("http://127.0.0.1:8080/federation"),
            "http://127.0.0.1:8080/federation",
        ),
        (Aws, Some("http://localhost:9/f"), "http://localhost:9/f"),
        (
            AwsCn,
            Some("https://proxy.corp.example/aws/federation"),
            "https://proxy.corp.example/aws/federation",
        ),
    ];
    for (partition, value, expected) in table {
        assert_eq!(
            federation_endpoint(*partition, *value).unwrap().as_str(),
            *expected
        );
    }
    for bad in [
        "http://proxy.corp.example/federation",
        "https://user:pw@proxy.corp.example/federation",
        "https://proxy.corp.example/federation?x=1",
        "ftp://proxy.corp.example/",
        "not a url",
    ] {
        let err = federation_endpoint(Aws, Some(bad)).unwrap_err().to_string();
        assert!(err.contains("OTPILOT_FEDERATION_ENDPOINT"), "{err}");
        assert!(!err.contains("pw@"), "the value is never echoed: {err}");
    }
}

#[test]
fn only_aws_sign_in_hosts_are_trusted_without_a_word() {
    let host = |u: &str| super::url::foreign_signin_host(&::url::Url::parse(u).unwrap());
    assert_eq!(host("https://signin.aws.amazon.com/federation"), None);
    assert_eq!(host("https://SIGNIN.amazonaws-us-gov.com/federation"), None);
    assert_eq!(host("https://signin.amazonaws.cn/federation"), None);
    assert_eq!(
        host("https://proxy.corp.example/aws/federation").as_deref(),
        Some("proxy.corp.example")
    );
    assert_eq!(
        host("https://signin.aws.amazon.com.evil.example/f").as_deref(),
        Some("signin.aws.amazon.com.evil.example")
    );
    // On loopback the credentials stay on this machine.
    assert_eq!(host("http://127.0.0.1:8080/federation"), None);
    assert_eq!(host("https://localhost:9443/federation"), None);
}

#[test]
fn a_foreign_endpoint_is_warned_about_once_per_host() {
    let dir = tempfile::tempdir().unwrap();
    let notices = crate::testing::Notices::default();
    for _ in 0..3 {
        super::warn_about_endpoint(&notices, dir.path(), "proxy.corp.example");
    }
    super::warn_about_endpoint(&notices, dir.path(), "other.example");
    let said = notices.warnings.lock().unwrap().clone();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[0].contains("proxy.corp.example"));
    assert!(said[1].contains("other.example"));
}

fn role_credentials() -> Credentials {
    Credentials {
        access_key_id: "ASIAEXAMPLEKEYID0001".into(),
        secret_access_key: "se/cr+et=key".into(),
        session_token: Some("to+ken/with=chars&more".into()),
        expiration: Some(1_795_341_600),
    }
}

#[test]
fn golden_signin_token_forms() {
    let creds = role_credentials();
    let session = "%7B%22sessionId%22%3A%22ASIAEXAMPLEKEYID0001%22%2C%22sessionKey%22%3A%22se%2Fcr%2Bet%3Dkey%22%2C%22sessionToken%22%3A%22to%2Bken%2Fwith%3Dchars%26more%22%7D";
    assert_eq!(
        signin_token_form(&creds, None).expose(),
        format!("Action=getSigninToken&Session={session}")
    );
    assert_eq!(
        signin_token_form(&creds, Some(7200)).expose(),
        format!("Action=getSigninToken&SessionDuration=7200&Session={session}")
    );
}

#[test]
fn golden_login_and_logout_urls() {
    let token = SecretString::from("tok+en/abc=");
    let issuer = "https%3A%2F%2Fgithub.com%2Fotpilot%2Fotpilot";
    let table: &[(Partition, &str, &str, &str)] = &[
        (
            Aws,
            "https://console.aws.amazon.com/s3/home?region=eu-west-1",
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=ISSUER&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Ben%2Fabc%3D",
            "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=",
        ),
        (
            AwsUsGov,
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
            "https://signin.amazonaws-us-gov.com/federation?Action=login&Issuer=ISSUER&Destination=https%3A%2F%2Fconsole.amazonaws-us-gov.com%2Fconsole%2Fhome%3Fregion%3Dus-gov-west-1&SigninToken=tok%2Ben%2Fabc%3D",
            "https://signin.amazonaws-us-gov.com/oauth?Action=logout&redirect_uri=",
        ),
        (
            AwsCn,
            "https://console.amazonaws.cn/console/home?region=cn-north-1",
            "https://signin.amazonaws.cn/federation?Action=login&Issuer=ISSUER&Destination=https%3A%2F%2Fconsole.amazonaws.cn%2Fconsole%2Fhome%3Fregion%3Dcn-north-1&SigninToken=tok%2Ben%2Fabc%3D",
            "https://signin.amazonaws.cn/oauth?Action=logout&redirect_uri=",
        ),
    ];
    for (partition, destination, login, logout_prefix) in table {
        let endpoint = federation_endpoint(*partition, None).unwrap();
        let got = login_url(&endpoint, destination, &token);
        assert_eq!(got.expose(), login.replace("ISSUER", issuer));
        let logout = logout_url(*partition, &got);
        let encoded = logout
            .expose()
            .strip_prefix(logout_prefix)
            .unwrap_or_else(|| panic!("{partition:?}: wrong logout prefix"));
        let decoded = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, got.expose(), "redirect_uri is the login URL");
        assert!(!encoded.contains(['&', '?', '=', '/']), "fully encoded");
    }
}

#[test]
fn federation_user_names_fit_aws_rules() {
    assert_eq!(federation_user_name("base"), "otpilot-base");
    assert_eq!(
        federation_user_name("dev account/é"),
        "otpilot-dev-account--"
    );
    let long = federation_user_name(&"x".repeat(100));
    assert_eq!(long.len(), 32);
    assert!(federation_user_name("a+b=c,d.e@f_g").ends_with("a-b=c,d.e@f_g"));
}

// --- SessionDuration rules ---------------------------------------------------------------

fn plan_of(hops: Vec<RoleHop>, source_mfa: bool) -> CredentialPlan {
    plan::build(&resolved(hops, source_mfa), 43_200).unwrap()
}

#[test]
fn credential_kinds_follow_the_plan() {
    use CredentialKind::*;
    let table: &[(CredentialPlan, CredentialKind)] = &[
        (
            plan_of(vec![hop("arn:aws:iam::1:role/A", None, false)], false),
            RoleFromLongTermKeys,
        ),
        (
            plan_of(vec![hop("arn:aws:iam::1:role/A", Some(7200), true)], false),
            RoleFromLongTermKeys,
        ),
        (
            plan_of(vec![hop("arn:aws:iam::1:role/A", None, true)], false),
            ChainedRole,
        ),
        (
            plan_of(vec![hop("arn:aws:iam::1:role/A", Some(3600), true)], false),
            ChainedRole,
        ),
        (
            plan_of(
                vec![
                    hop("arn:aws:iam::1:role/A", None, false),
                    hop("arn:aws:iam::1:role/B", None, false),
                ],
                false,
            ),
            ChainedRole,
        ),
        (plan_of(vec![], true), FederationToken),
        (plan_of(vec![], false), FederationToken),
    ];
    for (plan, kind) in table {
        assert_eq!(CredentialKind::of_plan(plan), *kind, "{:?}", plan.steps);
    }
}

#[test]
fn session_duration_is_sent_only_where_aws_accepts_it() {
    let long_term = plan_of(vec![hop("arn:aws:iam::1:role/A", Some(7200), true)], false);
    let chained = plan_of(vec![hop("arn:aws:iam::1:role/A", None, true)], false);
    let double = plan_of(
        vec![
            hop("arn:aws:iam::1:role/A", None, false),
            hop("arn:aws:iam::1:role/B", None, false),
        ],
        false,
    );
    let user = plan_of(vec![], true);

    assert_eq!(session_duration(&long_term, None).unwrap(), None);
    assert_eq!(session_duration(&long_term, Some(900)).unwrap(), Some(900));
    assert_eq!(
        session_duration(&long_term, Some(43_200)).unwrap(),
        Some(43_200)
    );
    for out_of_range in [899, 43_201] {
        let err = session_duration(&long_term, Some(out_of_range)).unwrap_err();
        assert!(err.to_string().contains("900 to 43200"), "{err}");
    }

    assert_eq!(session_duration(&chained, None).unwrap(), None);
    let err = session_duration(&chained, Some(3600))
        .unwrap_err()
        .to_string();
    assert!(err.contains("role chaining"), "{err}");
    assert!(err.contains("duration_seconds greater than 3600"), "{err}");
    let err = session_duration(&double, Some(3600))
        .unwrap_err()
        .to_string();
    assert!(err.contains("always chained"), "{err}");

    // GetFederationToken takes the duration itself, never SessionDuration.
    assert_eq!(session_duration(&user, Some(7200)).unwrap(), None);
    assert_eq!(federation_duration("p", None).unwrap(), 43_200);
    assert_eq!(federation_duration("p", Some(129_600)).unwrap(), 129_600);
    assert!(federation_duration("p", Some(600)).is_err());
    assert!(federation_duration("p", Some(129_601)).is_err());
}

// --- The broker's order of work, with a fake STS -----------------------------------------

/// The broker over the shared world, with every STS call failing with `fail` (so the tests
/// see what was asked, and in which order, without a sign-in).
fn with_broker(fail: StsErrorKind, test: impl FnOnce(&Broker, &Notices, &FakeSts)) {
    let notices = Arc::new(Notices::default());
    let w = World::with_interaction(Box::new(notices.clone()));
    w.sts.fail_with(fail);
    let broker = w.session.broker().unwrap();
    test(&broker, &notices, &w.sts);
}

fn request(
    destination: Destination,
    region: Option<&str>,
    duration: Option<u32>,
) -> ConsoleRequest {
    ConsoleRequest {
        destination,
        region: region.map(str::to_owned),
        duration,
    }
}

#[test]
fn refusals_come_before_any_sts_call() {
    with_broker(StsErrorKind::Other, |broker, _, sts| {
        let cases = [
            request(Home, None, Some(3600)),
            request(Service(s("s3/x")), None, None),
            request(Path(s("https://evil.example/")), None, None),
            request(Home, Some("cn-north-1"), None),
        ];
        for case in cases {
            let err = broker.console_login("admin", &case).err().expect("refused");
            assert!(
                matches!(
                    err,
                    Error::ConsoleDuration { .. } | Error::ConsoleRequest(_)
                ),
                "{err}"
            );
        }
        assert!(sts.ops().is_empty(), "no STS call was made");
    });
}

#[test]
fn users_without_a_role_use_get_federation_token_with_a_notice() {
    with_broker(StsErrorKind::Other, |broker, ui, sts| {
        let err = broker
            .console_login("base", &request(Home, None, Some(7200)))
            .err()
            .expect("the fake STS fails");
        assert!(
            matches!(
                err,
                Error::Sts {
                    op: "GetFederationToken",
                    ..
                }
            ),
            "{err}"
        );
        let notices = ui.notices.lock().unwrap();
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("no MFA context"), "{}", notices[0]);
        assert_eq!(sts.ops(), ["GetFederationToken"]);
        // Signed with the long-term keys only.
        assert_eq!(sts.calls.lock().unwrap()[0].signer, "AKIAFAKEKEYEXAMPLE01");
        let input = sts.federation.lock().unwrap().clone().unwrap();
        assert_eq!(input.name, "otpilot-base");
        assert_eq!(input.policy, ALLOW_ALL_POLICY);
        assert_eq!(input.duration, 7200);
    });
}

#[test]
fn a_denied_federation_token_means_the_profile_cannot_sign_in() {
    with_broker(StsErrorKind::AccessDenied, |broker, _, _| {
        let err = broker
            .console_login("base", &request(Home, None, None))
            .err()
            .expect("denied");
        assert!(
            matches!(err, Error::ProfileNotConsoleCapable { .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains("give it a role"), "{text}");
        assert!(!text.contains('\n'));
    });
}
