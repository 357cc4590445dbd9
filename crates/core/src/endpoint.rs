//! A private credentials endpoint on loopback, in the container-credentials format the SDKs
//! and the AWS CLI read from `AWS_CONTAINER_CREDENTIALS_FULL_URI` with the token in
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html>).
//! The SDKs ask again before `Expiration`, so a run longer than a role session refreshes by
//! itself; every answer comes from the caller's provider (Otpilot's cache), so many clients
//! cost one STS call per step.
//!
//! It binds 127.0.0.1 only, answers only `GET` of its own path with the right token (others
//! get 401, 403, 404 or 405, logged without the token), reads at most a small request head
//! with a timeout, and stops when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::credentials::{rfc3339, Credentials};
use crate::error::Result;
use crate::secret::SecretString;

/// What the endpoint serves: fresh credentials on each call.
pub type Provider = dyn Fn() -> Result<Credentials> + Send + Sync;

/// A request head longer than this is not an SDK's.
const MAX_HEAD: u64 = 8 * 1024;
/// The path the endpoint answers on.
const PATH: &str = "/otpilot/credentials";

/// A running endpoint; stops listening when dropped.
pub struct CredentialsEndpoint {
    addr: SocketAddr,
    token: SecretString,
    stop: Arc<AtomicBool>,
}

impl CredentialsEndpoint {
    /// Listens on a free port of 127.0.0.1 with a fresh random token, and serves `provide`.
    pub fn start(provide: Arc<Provider>) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let token = SecretString::new(hex(&rand::random::<[u8; 32]>()));
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, expected) = (stop.clone(), token.clone());
        std::thread::Builder::new()
            .name("otpilot-endpoint".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (provide, expected) = (provide.clone(), expected.clone());
                    std::thread::spawn(move || serve(stream, &expected, provide.as_ref()));
                }
            })?;
        tracing::debug!("credentials endpoint listening on {addr}");
        Ok(Self { addr, token, stop })
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

fn serve(stream: TcpStream, expected: &SecretString, provide: &Provider) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let (status, body) = match read_head(&stream) {
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

fn read_head(stream: &TcpStream) -> Option<Head> {
    let mut reader = BufReader::new(stream).take(MAX_HEAD);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut authorization = None;
    loop {
        let mut header = Zeroizing::new(String::new());
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
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
    let Some(given) = &head.authorization else {
        tracing::warn!("credentials endpoint: refused a request without a token");
        return (401, empty());
    };
    if !same(given.as_bytes(), expected.expose().as_bytes()) {
        tracing::warn!("credentials endpoint: refused a request with a wrong token");
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

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
