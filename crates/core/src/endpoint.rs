//! A private credentials endpoint on loopback, in the container-credentials format the SDKs
//! and the AWS CLI read from `AWS_CONTAINER_CREDENTIALS_FULL_URI` with the token in
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html>).
//! The SDKs ask again before `Expiration`, so a run longer than a role session refreshes by
//! itself; every answer comes from the caller's provider (Otpilot's cache), so many clients
//! cost one STS call per step.
//!
//! It binds 127.0.0.1 only, answers only `GET` of its own path with the right token (others
//! get 401, 403, 404 or 405, logged without the token, at most one warning a minute), and
//! stops when dropped. Any local user can connect to a loopback port, so it takes the
//! limits of [`crate::listen`]: a small request head, all of it within one deadline; a cap
//! on connections, where a newcomer ends the oldest connection that has not sent its
//! request yet (idle connections cannot keep the SDK's request out); a pause after a failed
//! accept.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::credentials::{rfc3339, Credentials};
use crate::error::Result;
use crate::listen::{
    accept_loop, held_back, read_request, Connections, Limits, Slot, WarnLimit, WhenFull,
};
use crate::secret::SecretString;

/// What the endpoint serves: fresh credentials on each call.
pub type Provider = dyn Fn() -> Result<Credentials> + Send + Sync;

/// A request head longer than this is not an SDK's.
const MAX_HEAD: usize = 8 * 1024;
/// Warnings about refused requests: at most one a minute.
static REFUSALS: WarnLimit = WarnLimit::new(Duration::from_secs(60));
/// The path the endpoint answers on.
const PATH: &str = "/otpilot/credentials";

/// A running endpoint; stops listening when dropped.
pub struct CredentialsEndpoint {
    addr: SocketAddr,
    token: SecretString,
    stop: Arc<AtomicBool>,
    connections: Connections,
}

impl CredentialsEndpoint {
    /// Listens on a free port of 127.0.0.1 with a fresh random token, and serves `provide`.
    pub fn start(provide: Arc<Provider>) -> std::io::Result<Self> {
        Self::start_with(provide, Limits::default())
    }

    /// [`CredentialsEndpoint::start`] with other limits.
    pub fn start_with(provide: Arc<Provider>, limits: Limits) -> std::io::Result<Self> {
        if !crate::platform::ENDPOINT_SUPPORTED {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                crate::Error::PlatformUnsupported("the credentials endpoint of `exec --server`")
                    .to_string(),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let token = SecretString::new(hex(&rand::random::<[u8; 32]>()));
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, expected) = (stop.clone(), token.clone());
        let connections = Connections::default();
        let served = connections.clone();
        std::thread::Builder::new()
            .name("otpilot-endpoint".into())
            .spawn(move || {
                accept_loop(
                    listener.incoming(),
                    &flag,
                    &served,
                    (limits, WhenFull::EndOldestIdle),
                    "otpilot-endpoint",
                    refuse_busy,
                    Arc::new(move |stream: TcpStream, slot: Slot| {
                        serve(stream, &slot, &expected, provide.as_ref(), limits);
                    }),
                )
            })?;
        tracing::debug!("credentials endpoint listening on {addr}");
        Ok(Self {
            addr,
            token,
            stop,
            connections,
        })
    }

    /// Connections being served now.
    pub fn active_connections(&self) -> usize {
        self.connections.active()
    }

    /// The value for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// The value for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &SecretString {
        &self.token
    }
}

impl Drop for CredentialsEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

#[derive(Serialize)]
struct ContainerCredentials<'a> {
    #[serde(rename = "AccessKeyId")]
    access_key_id: &'a str,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: &'a str,
    #[serde(rename = "Token", skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    #[serde(rename = "Expiration", skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
}

/// Says "busy" without reading the request: a few bytes, which fit the socket's buffer, so
/// the accept loop never waits on a caller. (The SDKs retry.)
fn refuse_busy(stream: &TcpStream) {
    let _ = stream.set_nonblocking(true);
    let _ = (&*stream).write_all(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

fn serve(
    stream: TcpStream,
    slot: &Slot,
    expected: &SecretString,
    provide: &Provider,
    limits: Limits,
) {
    let _ = stream.set_write_timeout(Some(limits.request_deadline));
    let request = read_request(
        &stream,
        Some(slot),
        Instant::now() + limits.request_deadline,
        MAX_HEAD,
        head_end,
    );
    slot.request_read();
    let (status, body) = match request.as_ref().and_then(|r| parse_head(r)) {
        Some(head) => answer(&head, expected, provide),
        None => (400, Zeroizing::new(Vec::new())),
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut response = Zeroizing::new(
        format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes(),
    );
    response.extend_from_slice(&body);
    let _ = (&stream).write_all(&response);
}

/// The request line and headers.
struct Head {
    method: String,
    path: String,
    authorization: Option<Zeroizing<String>>,
}

/// Where the head ends: after the blank line (CRLF, or a bare LF as some clients send).
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().enumerate().find_map(|(i, b)| {
        let rest = &bytes[i + 1..];
        (*b == b'\n')
            .then(|| {
                if rest.starts_with(b"\r\n") {
                    Some(i + 3)
                } else if rest.starts_with(b"\n") {
                    Some(i + 2)
                } else {
                    None
                }
            })
            .flatten()
    })
}

/// The head of a complete request (one that reached its blank line).
fn parse_head(bytes: &[u8]) -> Option<Head> {
    let end = head_end(bytes)?;
    let text = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = text.lines();
    let mut parts = lines.next()?.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut authorization = None;
    for header in lines.take_while(|l| !l.is_empty()) {
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(Zeroizing::new(value.trim().to_owned()));
            }
        }
    }
    Some(Head {
        method,
        path,
        authorization,
    })
}

fn answer(head: &Head, expected: &SecretString, provide: &Provider) -> (u16, Zeroizing<Vec<u8>>) {
    let empty = || Zeroizing::new(Vec::new());
    let warn = |what: &str| {
        if let Some(held) = REFUSALS.allow(Instant::now()) {
            tracing::warn!(
                "credentials endpoint: refused a request {what}{}",
                held_back(held)
            );
        }
    };
    let Some(given) = &head.authorization else {
        warn("without a token");
        return (401, empty());
    };
    if !same(given.as_bytes(), expected.expose().as_bytes()) {
        warn("with a wrong token");
        return (403, empty());
    }
    if head.path != PATH {
        return (404, empty());
    }
    if head.method != "GET" {
        return (405, empty());
    }
    match provide() {
        Ok(c) => {
            let body = ContainerCredentials {
                access_key_id: &c.access_key_id,
                secret_access_key: c.secret_access_key.expose(),
                token: c.session_token.as_ref().map(|t| t.expose()),
                expiration: c.expiration.map(rfc3339),
            };
            let json = serde_json::to_vec(&body).expect("credentials serialise");
            (200, Zeroizing::new(json))
        }
        Err(e) => {
            // The SDK shows this to the person; it names the profile and what to do.
            tracing::warn!("credentials endpoint: {e}");
            let json = serde_json::json!({ "message": e.to_string() });
            (500, Zeroizing::new(json.to_string().into_bytes()))
        }
    }
}

/// Compares in time that does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// Run on Linux and, by tests/windows.sh, under Wine: the idle flood is what failed there
// before connections that may be ended waited in slices (see `listen::read_request`).
#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::atomic::AtomicUsize;

    fn fixed() -> Arc<Provider> {
        Arc::new(|| {
            Ok(Credentials {
                access_key_id: "ASIAX".into(),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration: Some(1_795_341_600),
            })
        })
    }

    fn wait_for(what: &str, done: &dyn Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_flood_of_idle_connections_does_not_keep_a_request_out() {
        // A deadline longer than the test: the idle connections are not cut off by it.
        let limits = Limits {
            max_connections: 4,
            request_deadline: Duration::from_secs(120),
        };
        let endpoint = CredentialsEndpoint::start_with(fixed(), limits).unwrap();
        let token = endpoint.token().expose().to_owned();
        // Five times the cap in connections that never send a byte.
        let idle: Vec<TcpStream> = (0..20)
            .map(|_| TcpStream::connect(endpoint.addr).unwrap())
            .collect();
        wait_for("the flood to settle at the cap", &|| {
            endpoint.active_connections() == 4
        });
        // The SDK's request is answered, with credentials.
        let (status, body) = get(&endpoint, PATH, Some(&token));
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("ASIAX"), "{body}");
        assert!(endpoint.active_connections() <= 4, "the cap holds");
        drop(idle);
    }

    #[test]
    fn a_request_dribbled_a_byte_at_a_time_is_cut_off_at_its_deadline() {
        let limits = Limits {
            max_connections: 4,
            request_deadline: Duration::from_millis(500),
        };
        let endpoint = CredentialsEndpoint::start_with(fixed(), limits).unwrap();
        let request = format!(
            "GET {PATH} HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n",
            "p".repeat(40)
        );
        let mut stream = TcpStream::connect(endpoint.addr).unwrap();
        // A byte every 100 ms: each read is quick, the whole request takes seconds.
        let mut sent = 0;
        for byte in request.as_bytes() {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            sent += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            sent < request.len(),
            "the whole request was taken, byte by byte"
        );
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{answer}"
        );
    }

    fn get(endpoint: &CredentialsEndpoint, path: &str, token: Option<&str>) -> (u16, String) {
        let mut stream = TcpStream::connect(endpoint.addr).unwrap();
        let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let status = text[9..12].parse().unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    }

    #[test]
    fn serves_only_its_path_with_its_token() {
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\nA: b\n\n"), Some(21));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
        let counter = calls.clone();
        let endpoint = CredentialsEndpoint::start(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Credentials {
                access_key_id: "ASIAX".into(),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration: Some(1_795_341_600),
            })
        }))
        .unwrap();
        assert!(endpoint.url().starts_with("http://127.0.0.1:"));
        let token = endpoint.token().expose().to_owned();
        assert_eq!(token.len(), 64);
        let (status, body) = get(&endpoint, PATH, Some(&token));
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["AccessKeyId"], "ASIAX");
        assert_eq!(json["Token"], "t");
        assert_eq!(json["Expiration"], "2026-11-22T10:00:00Z");
        assert_eq!(get(&endpoint, PATH, None).0, 401);
        assert_eq!(get(&endpoint, PATH, Some("wrong")).0, 403);
        assert_eq!(get(&endpoint, "/other", Some(&token)).0, 404);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "refusals never reach the provider"
        );
    }
}
