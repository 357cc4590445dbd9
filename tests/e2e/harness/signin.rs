//! A local stand-in for AWS's federation endpoint (`https://signin.aws.amazon.com/federation`),
//! which otpilot reaches through `OTPILOT_FEDERATION_ENDPOINT`.
//!
//! It answers `Action=getSigninToken` (query string or form body) with `{"SigninToken": …}`,
//! records the Session JSON it received, and enforces AWS's rules: GetSessionToken credentials
//! are refused, and `SessionDuration` (900–43,200 s) is accepted only with role credentials
//! assumed from long-term keys; anything else gets HTTP 400 "Invalid credentials parameter".
//! The test says which kind of credentials it expects ([`Expect`]), since moto's key ids do
//! not tell. One thread per connection, one request per connection, like the gate but smaller.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// moto's fixed session tokens: GetSessionToken's (which the console refuses) and
/// GetFederationToken's.
pub const MOTO_SESSION_TOKEN_PREFIX: &str = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT";
pub const MOTO_FEDERATION_TOKEN_PREFIX: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22";
pub const INVALID: &str = "Invalid credentials parameter";

/// Which credentials the test expects otpilot to sign in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    RoleFromLongTermKeys,
    ChainedRole,
    FederationToken,
}

/// The `Session` JSON as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub key: String,
    pub token: String,
}

/// One request as the endpoint received and answered it.
#[derive(Debug, Clone)]
pub struct SigninRequest {
    pub method: String,
    pub action: String,
    pub session: Option<Session>,
    pub session_duration: Option<String>,
    /// The Session travelled in the URL rather than in a form body.
    pub session_in_query: bool,
    pub status: u16,
}

pub struct SigninEndpoint {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    stopping: AtomicBool,
    state: Mutex<State>,
}

struct State {
    expect: Expect,
    token: String,
    /// Answers to give instead of the normal one, oldest first: (status, body).
    queued: VecDeque<(u16, String)>,
    requests: Vec<SigninRequest>,
    /// With [`SigninEndpoint::mint_tokens`]: the tokens handed out, each its own.
    minted: Option<Vec<String>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SigninEndpoint {
    pub fn start(expect: Expect) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sign-in endpoint");
        let addr = listener.local_addr().unwrap();
        let hex: String = (0..12)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect();
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            // Characters that need encoding in a URL, to prove otpilot encodes the token.
            state: Mutex::new(State {
                expect,
                token: format!("SigninTok+{hex}/x="),
                queued: VecDeque::new(),
                requests: Vec::new(),
                minted: None,
            }),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || serve(&shared, stream));
                }
            })
        };
        Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The value for `OTPILOT_FEDERATION_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}/federation", self.addr)
    }

    /// The port it listens on (loopback), for a proxy in front of it.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The sign-in token this endpoint hands out.
    pub fn token(&self) -> String {
        self.shared.state().token.clone()
    }

    pub fn expect(&self, expect: Expect) {
        self.shared.state().expect = expect;
    }

    /// From now on every sign-in gets its own token (the base token and a number N), and
    /// `Action=login` with such a token answers as the console does: it sets a session
    /// cookie, here named `signin-N`, so a test can tell whose session a cookie jar holds.
    pub fn mint_tokens(&self) {
        self.shared.state().minted = Some(Vec::new());
    }

    /// The tokens minted so far, in order.
    pub fn minted(&self) -> Vec<String> {
        self.shared.state().minted.clone().unwrap_or_default()
    }

    /// Answers the next getSigninToken with `status` and `body`, whatever it carries.
    pub fn answer_next(&self, status: u16, body: &str) {
        self.shared
            .state()
            .queued
            .push_back((status, body.to_owned()));
    }

    pub fn requests(&self) -> Vec<SigninRequest> {
        self.shared.state().requests.clone()
    }
}

impl Drop for SigninEndpoint {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let Some((method, target, body)) = read_request(&mut reader) else {
        return;
    };
    let (status, answer, cookie) = handle(shared, &method, &target, &body);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Other",
    };
    let content_type = if answer.starts_with('{') {
        "application/json"
    } else if answer.starts_with('<') {
        "text/html"
    } else {
        "text/plain"
    };
    let cookie = cookie
        .map(|name| format!("Set-Cookie: {name}=1; Path=/; Max-Age=3600; HttpOnly\r\n"))
        .unwrap_or_default();
    let _ = write!(
        writer,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n{cookie}Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = writer.flush();
}

/// Method, target and body of one HTTP/1.1 request with a Content-Length body (or none).
fn read_request(reader: &mut impl BufRead) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some((method, target, body))
}

/// Status, body, and the name of a session cookie to set.
fn handle(
    shared: &Shared,
    method: &str,
    target: &str,
    body: &[u8],
) -> (u16, String, Option<String>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut params = query.clone();
    params.extend(url::form_urlencoded::parse(body).into_owned());
    let session = params
        .get("Session")
        .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .and_then(|v| {
            Some(Session {
                id: v["sessionId"].as_str()?.to_owned(),
                key: v["sessionKey"].as_str()?.to_owned(),
                token: v["sessionToken"].as_str()?.to_owned(),
            })
        });
    let mut state = shared.state();
    let mut record = SigninRequest {
        method: method.to_owned(),
        action: params.get("Action").cloned().unwrap_or_default(),
        session: session.clone(),
        session_duration: params.get("SessionDuration").cloned(),
        session_in_query: query.contains_key("Session"),
        status: 0,
    };
    let mut cookie = None;
    let (status, mut answer) = if path != "/federation" {
        (404, "not found".to_owned())
    } else if record.action == "login" && state.minted.is_some() {
        let token = params.get("SigninToken").cloned().unwrap_or_default();
        let minted = state.minted.as_ref().expect("minting");
        match minted.iter().position(|t| *t == token) {
            Some(n) => {
                cookie = Some(format!("signin-{n}"));
                (
                    200,
                    "<!doctype html><title>AWS console</title><p>signed in</p>".to_owned(),
                )
            }
            None => (400, "unknown sign-in token".to_owned()),
        }
    } else if let Some(queued) = state.queued.pop_front() {
        queued
    } else {
        decide(&state, &record)
    };
    if status == 200 && record.action == "getSigninToken" {
        let base = state.token.clone();
        if let Some(minted) = state.minted.as_mut() {
            let token = format!("{base}{}", minted.len());
            answer = serde_json::json!({ "SigninToken": token }).to_string();
            minted.push(token);
        }
    }
    record.status = status;
    state.requests.push(record);
    (status, answer, cookie)
}

/// AWS's rules, as far as the test's expectation lets the endpoint know them.
fn decide(state: &State, request: &SigninRequest) -> (u16, String) {
    let invalid = (400, INVALID.to_owned());
    if request.action != "getSigninToken" {
        return (400, "Unsupported Action".to_owned());
    }
    let Some(session) = &request.session else {
        return invalid;
    };
    if session.token.starts_with(MOTO_SESSION_TOKEN_PREFIX) {
        return invalid; // GetSessionToken credentials cannot sign in
    }
    let federation = session.token.starts_with(MOTO_FEDERATION_TOKEN_PREFIX);
    if federation != (state.expect == Expect::FederationToken) {
        return invalid;
    }
    if let Some(duration) = &request.session_duration {
        let in_range = duration
            .parse::<u32>()
            .is_ok_and(|d| (900..=43_200).contains(&d));
        if !in_range || state.expect != Expect::RoleFromLongTermKeys {
            return invalid;
        }
    }
    (
        200,
        serde_json::json!({ "SigninToken": state.token }).to_string(),
    )
}
