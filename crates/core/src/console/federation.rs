//! The one HTTP call of console sign-in: getSigninToken at the federation endpoint, with a
//! bounded time, and its failures sorted into what the person can act on.
//!
//! Nothing from the request (the Session parameter, the URL) and nothing secret from the
//! answer ever reaches an error: errors are built from the status, the endpoint's host and
//! fixed descriptions, and any text quoted from the endpoint is cut short and scrubbed of the
//! credentials that were sent.

use std::time::Duration;

use serde::Deserialize;
use url::Url;
use zeroize::Zeroizing;

use crate::secret::SecretString;

/// How long the whole call may take: connect, send, answer.
pub const SIGNIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Bigger answers are not a sign-in token (AWS's are a few hundred bytes to a few KiB).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Why getSigninToken failed, before the profile and a hint are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigninFailure {
    /// A 4xx answer: AWS's way of refusing the credentials (`Invalid credentials parameter`).
    Rejected { status: u16, reason: String },
    /// No answer: DNS, connection, TLS, timeout.
    Unreachable(String),
    /// An answer that is not `{"SigninToken": "..."}` with status 200.
    BadResponse(String),
}

/// POSTs the getSigninToken `form` (see [`super::url::signin_token_form`]) to `endpoint` and
/// returns the sign-in token. `sent` lists the secret values in the form, scrubbed from any
/// text quoted from the answer.
pub fn request_signin_token(
    endpoint: &Url,
    form: &SecretString,
    sent: &[&str],
) -> Result<SecretString, SigninFailure> {
    let agent = ureq::Agent::config_builder()
        .tls_config(tls_config().map_err(SigninFailure::Unreachable)?)
        .timeout_global(Some(SIGNIN_TIMEOUT))
        // Statuses are sorted below, with the body at hand.
        .http_status_as_error(false)
        // The endpoint answers directly; following a redirect could carry the POST elsewhere.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("otpilot/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent();
    let response = agent
        .post(endpoint.as_str())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .send(form.expose());
    let mut response = response.map_err(classify)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map(Zeroizing::new)
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                SigninFailure::BadResponse(format!("HTTP {status}, an answer over 64 KiB"))
            }
            other => classify(other),
        })?;
    match status {
        200 => parse_token(&body),
        400..=499 => Err(SigninFailure::Rejected {
            status,
            reason: reason(status, &body, sent),
        }),
        _ => Err(SigninFailure::BadResponse(format!("HTTP {status}"))),
    }
}

/// The TLS the AWS SDK uses: rustls with aws-lc-rs, trusting the OS's certificate store
/// (read once per process).
fn tls_config() -> Result<ureq::tls::TlsConfig, String> {
    use std::sync::{Arc, OnceLock};
    static ROOTS: OnceLock<Result<Arc<Vec<ureq::tls::Certificate<'static>>>, String>> =
        OnceLock::new();
    let roots = ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            if found.certs.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map_or_else(|| "none found".to_owned(), ToString::to_string);
                return Err(format!("no trusted certificates in the OS store ({why})"));
            }
            Ok(Arc::new(
                found
                    .certs
                    .iter()
                    .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
                    .collect(),
            ))
        })
        .clone()?;
    Ok(ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .root_certs(ureq::tls::RootCerts::Specific(roots))
        .build())
}

fn parse_token(body: &str) -> Result<SecretString, SigninFailure> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        signin_token: Option<String>,
    }
    let answer: Answer = serde_json::from_str(body)
        .map_err(|_| SigninFailure::BadResponse("HTTP 200, but the answer is not JSON".into()))?;
    match answer.signin_token {
        Some(token) if !token.trim().is_empty() => Ok(SecretString::new(token)),
        Some(token) => {
            drop(SecretString::new(token));
            Err(SigninFailure::BadResponse(
                "HTTP 200, but the SigninToken is empty".into(),
            ))
        }
        None => Err(SigninFailure::BadResponse(
            "HTTP 200, but the answer has no SigninToken".into(),
        )),
    }
}

/// A short, printable reason from a refusal's body: AWS's phrase when it is there, else the
/// first line of a plain-text body, else the status alone.
fn reason(status: u16, body: &str, sent: &[&str]) -> String {
    const AWS_PHRASE: &str = "Invalid credentials parameter";
    if body.contains(AWS_PHRASE) {
        return AWS_PHRASE.to_owned();
    }
    let first = body.trim().lines().next().unwrap_or_default().trim();
    if first.is_empty() || first.starts_with('<') || first.starts_with('{') {
        return format!("HTTP {status}");
    }
    let mut text: String = first
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    for secret in sent.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    format!("HTTP {status}: {text}")
}

/// Sorts a transport error. Never uses the error's own text for kinds that may quote the URL.
fn classify(error: ureq::Error) -> SigninFailure {
    use ureq::Error as E;
    let unreachable = |s: &str| SigninFailure::Unreachable(s.to_owned());
    match error {
        E::Timeout(_) => unreachable("no answer within 10 s"),
        E::HostNotFound => unreachable("host not found"),
        E::ConnectionFailed => unreachable("connection failed"),
        // rustls reports a refused handshake (an untrusted certificate) through io.
        E::Io(e)
            if e.get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            SigninFailure::Unreachable(format!("TLS error: {}", tls.expect("checked")))
        }
        E::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => unreachable("connection refused"),
            std::io::ErrorKind::TimedOut => unreachable("no answer within 10 s"),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                unreachable("the connection was closed")
            }
            std::io::ErrorKind::UnexpectedEof => {
                SigninFailure::BadResponse("the connection closed before an answer".into())
            }
            kind => SigninFailure::Unreachable(format!("network error: {kind}")),
        },
        E::Tls(what) => SigninFailure::Unreachable(format!("TLS error: {what}")),
        E::Rustls(e) => SigninFailure::Unreachable(format!("TLS error: {e}")),
        E::Protocol(_) => SigninFailure::BadResponse("the answer is not HTTP/1.1".into()),
        E::InvalidProxyUrl => {
            unreachable("the proxy variable (HTTPS_PROXY, ALL_PROXY) is not a valid URL")
        }
        _ => unreachable("HTTP client error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_malformed_answers() {
        assert_eq!(
            parse_token(r#"{"SigninToken":"abc"}"#).unwrap().expose(),
            "abc"
        );
        for body in [
            "not json",
            "{}",
            r#"{"SigninToken":""}"#,
            r#"{"SigninToken":5}"#,
        ] {
            assert!(
                matches!(parse_token(body), Err(SigninFailure::BadResponse(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn reasons_are_short_and_scrubbed() {
        assert_eq!(
            reason(
                400,
                "<html>... Invalid credentials parameter ...</html>",
                &[]
            ),
            "Invalid credentials parameter"
        );
        assert_eq!(reason(400, "<html><body>x</body></html>", &[]), "HTTP 400");
        assert_eq!(
            reason(
                403,
                "bad session ASIASECRETKEYID\nmore",
                &["ASIASECRETKEYID"]
            ),
            "HTTP 403: bad session [redacted]"
        );
        assert!(reason(400, &"x".repeat(1000), &[]).len() < 140);
    }
}
