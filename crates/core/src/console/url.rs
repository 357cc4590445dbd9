//! Pure builders for console sign-in: the partition, the federation endpoint, the destination
//! console URL, the getSigninToken parameters, the login URL and the logout-first wrapper.
//!
//! No I/O and no environment here: the caller reads `OTPILOT_FEDERATION_ENDPOINT` and passes it
//! in, so every URL Otpilot can produce is covered by the golden tables in the tests.
//! The protocol: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html>

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use url::Url;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::secret::SecretString;

/// Everything but RFC 3986's unreserved characters is encoded, so a value can never end or
/// split the query it sits in (`&`, `=`, `#`, `+` and `/` included).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Shown by AWS when the console session ends, as the place to sign in again.
pub const ISSUER: &str = env!("CARGO_PKG_REPOSITORY");

/// The AWS partitions that have a console and a federation endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    /// `aws`, `aws-us-gov`, `aws-cn`: the second field of an ARN.
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
        }
    }

    /// The partition an ARN names; `None` for one without a console Otpilot knows (aws-iso...).
    pub fn from_arn(arn: &str) -> Option<Self> {
        match arn.split(':').nth(1)? {
            "aws" => Some(Partition::Aws),
            "aws-us-gov" => Some(Partition::AwsUsGov),
            "aws-cn" => Some(Partition::AwsCn),
            _ => None,
        }
    }

    /// The partition of a region, by its name (`us-gov-west-1`, `cn-north-1`, else aws).
    pub fn from_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::AwsUsGov => "signin.amazonaws-us-gov.com",
            Partition::AwsCn => "signin.amazonaws.cn",
        }
    }

    pub fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::AwsUsGov => "console.amazonaws-us-gov.com",
            Partition::AwsCn => "console.amazonaws.cn",
        }
    }

    /// A region to name in messages ("such as ...").
    pub fn example_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::AwsUsGov => "us-gov-west-1",
            Partition::AwsCn => "cn-north-1",
        }
    }
}

/// The partition to sign in to: the role's ARN decides; without a role, the region does. A
/// region outside the role's partition is refused, since that console would not know the role.
pub fn detect_partition(role_arn: Option<&str>, region: &str) -> Result<Partition> {
    let Some(arn) = role_arn else {
        return Ok(Partition::from_region(region));
    };
    let partition = Partition::from_arn(arn).ok_or_else(|| {
        Error::ConsoleRequest(format!(
            "role {arn} is in a partition without a console sign-in Otpilot knows (only aws, aws-us-gov and aws-cn)"
        ))
    })?;
    if Partition::from_region(region) != partition {
        return Err(Error::ConsoleRequest(format!(
            "region {region} is not in the {} partition of role {arn}; pass --region with a region of that partition (such as {}) or set region in the profile",
            partition.id(),
            partition.example_region()
        )));
    }
    Ok(partition)
}

/// The federation endpoint: the partition's, or `override_url` (from
/// `OTPILOT_FEDERATION_ENDPOINT`). An override must be https, or http on loopback (tests), and
/// carry no credentials, query or fragment: the login URL is built on it and handed around.
pub fn federation_endpoint(partition: Partition, override_url: Option<&str>) -> Result<Url> {
    let Some(text) = override_url.map(str::trim).filter(|t| !t.is_empty()) else {
        let url = format!("https://{}/federation", partition.signin_host());
        return Ok(Url::parse(&url).expect("the partition endpoints are valid URLs"));
    };
    let bad = |why: &str| Error::FederationEndpoint(why.to_owned());
    let url = Url::parse(text).map_err(|_| bad("it is not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it contains credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a query or fragment; give the endpoint alone"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("http is allowed only on loopback; use https")),
        _ => return Err(bad("it is not an http(s) URL")),
    }
    Ok(url)
}

/// The endpoint's host when role credentials sent there leave this machine for a host that
/// is not one of AWS's sign-in hosts (any partition). A loopback endpoint (a local forwarder,
/// a test's stand-in) keeps them on this machine.
pub fn foreign_signin_host(endpoint: &Url) -> Option<String> {
    let loopback = match endpoint.host()? {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    };
    let host = endpoint.host_str()?.to_ascii_lowercase();
    let aws = [Partition::Aws, Partition::AwsUsGov, Partition::AwsCn]
        .iter()
        .any(|p| p.signin_host() == host);
    (!aws && !loopback).then_some(host)
}

/// Where the browser lands after signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The console home page of the region.
    Home,
    /// A service's page in the region (`s3`, `ec2`, ...).
    Service(String),
    /// A console path as given (`/cloudwatch/home?region=eu-west-1#alarmsV2:`).
    Path(String),
}

/// Console paths that are not the service's name. Only ones that are certain; every other
/// service uses `/{name}/home`.
const SERVICE_PATHS: &[(&str, &str)] = &[
    ("dynamodb", "dynamodbv2"),
    ("ssm", "systems-manager"),
    ("sso", "singlesignon"),
    ("stepfunctions", "states"),
    ("sfn", "states"),
];

/// The console URL of `destination` in `region`.
pub fn destination_url(
    partition: Partition,
    destination: &Destination,
    region: &str,
) -> Result<String> {
    let host = partition.console_host();
    match destination {
        Destination::Home => {
            check_region(region)?;
            Ok(format!("https://{host}/console/home?region={region}"))
        }
        Destination::Service(name) => {
            check_region(region)?;
            let service = service_path(name)?;
            Ok(format!("https://{host}/{service}/home?region={region}"))
        }
        Destination::Path(path) => console_path(host, path),
    }
}

fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region.contains('-')
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::ConsoleRequest(format!(
            "`{region}` is not an AWS region name (such as eu-west-1)"
        )))
    }
}

fn service_path(name: &str) -> Result<String> {
    let lower = name.trim().to_ascii_lowercase();
    let valid = !lower.is_empty()
        && lower.len() <= 64
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(Error::ConsoleRequest(format!(
            "`{name}` is not a console service name (such as s3, ec2, cloudwatch); use --path for any other console page"
        )));
    }
    Ok(SERVICE_PATHS
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower.clone(), |(_, path)| (*path).to_owned()))
}

/// A raw path (or a full console URL) on the console host; anything that would leave the host
/// is refused, so `--path` cannot turn the login URL into a redirect to another site.
fn console_path(host: &str, path: &str) -> Result<String> {
    let leaves = || {
        Error::ConsoleRequest(format!(
            "--path `{path}` would leave the console ({host}); give a path such as /cloudwatch/home?region=eu-west-1"
        ))
    };
    if path.is_empty() || path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::ConsoleRequest(format!(
            "--path `{}` is empty or contains spaces or control characters; give a path such as /cloudwatch/home?region=eu-west-1",
            path.escape_debug()
        )));
    }
    let base = Url::parse(&format!("https://{host}/")).expect("console hosts are valid");
    // An absolute URL is accepted when it is on the console host; anything else is a path.
    let url = match Url::parse(path) {
        Ok(absolute) => absolute,
        Err(_) => base.join(path).map_err(|_| leaves())?,
    };
    let same_host = url.scheme() == "https"
        && url.host_str() == Some(host)
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !same_host {
        return Err(leaves());
    }
    Ok(url.to_string())
}

/// Appends `value`, percent-encoded, to `out`.
fn push_encoded(out: &mut String, value: &str) {
    for part in utf8_percent_encode(value, QUERY_VALUE) {
        out.push_str(part);
    }
}

/// A string with room for `n` bytes encoded, so secrets are not copied around by regrowth.
fn secret_buffer(n: usize) -> String {
    String::with_capacity(n * 3 + 256)
}

/// The getSigninToken parameters, form-encoded:
/// `Action=getSigninToken[&SessionDuration=N]&Session=<urlencoded {"sessionId","sessionKey","sessionToken"}>`.
/// Otpilot POSTs them as the request body rather than a query string, so the credentials never
/// sit in a request line that a proxy logs; the endpoint reads both.
pub fn signin_token_form(credentials: &Credentials, session_duration: Option<u32>) -> SecretString {
    #[derive(Serialize)]
    struct Session<'a> {
        #[serde(rename = "sessionId")]
        id: &'a str,
        #[serde(rename = "sessionKey")]
        key: &'a str,
        #[serde(rename = "sessionToken")]
        token: &'a str,
    }
    let session = Session {
        id: &credentials.access_key_id,
        key: credentials.secret_access_key.expose(),
        token: credentials
            .session_token
            .as_ref()
            .map(SecretString::expose)
            .unwrap_or_default(),
    };
    let json = SecretString::new(serde_json::to_string(&session).expect("strings serialise"));
    let mut form = secret_buffer(json.expose().len());
    form.push_str("Action=getSigninToken");
    if let Some(seconds) = session_duration {
        form.push_str(&format!("&SessionDuration={seconds}"));
    }
    form.push_str("&Session=");
    push_encoded(&mut form, json.expose());
    SecretString::new(form)
}

/// `{endpoint}?Action=login&Issuer=…&Destination=…&SigninToken=…`: signs whoever opens it in
/// for 15 minutes.
pub fn login_url(endpoint: &Url, destination: &str, signin_token: &SecretString) -> SecretString {
    let mut url = secret_buffer(signin_token.expose().len() + destination.len());
    url.push_str(endpoint.as_str());
    url.push_str("?Action=login&Issuer=");
    push_encoded(&mut url, ISSUER);
    url.push_str("&Destination=");
    push_encoded(&mut url, destination);
    url.push_str("&SigninToken=");
    push_encoded(&mut url, signin_token.expose());
    SecretString::new(url)
}

/// The partition's logout endpoint, redirecting to `login_url`: signing out of whatever
/// console session the browser has first makes switching accounts work in one click.
pub fn logout_url(partition: Partition, login_url: &SecretString) -> SecretString {
    let mut url = secret_buffer(login_url.expose().len());
    url.push_str("https://");
    url.push_str(partition.signin_host());
    url.push_str("/oauth?Action=logout&redirect_uri=");
    push_encoded(&mut url, login_url.expose());
    SecretString::new(url)
}

/// GetFederationToken's `Name`: `otpilot-PROFILE`, with characters AWS does not accept
/// (outside `[A-Za-z0-9_=,.@-]`) replaced by `-`, at most 32 characters.
pub fn federation_user_name(profile: &str) -> String {
    format!("otpilot-{profile}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect()
}
