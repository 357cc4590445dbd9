//! The MFA gate: a loopback HTTP/1.1 proxy in front of moto that checks MFA codes the way AWS
//! does, injects faults, and records every request it receives.
//!
//! moto validates no MFA at all: any serial and any code pass (see shared/TESTING.md). Tests
//! that must prove Otpilot sends the *right* code, uses each code once, or survives STS
//! failures point the code under test at [`Gate::endpoint`] instead of at moto. The gate owns:
//!
//! - the TOTP seeds of the devices it knows ([`Gate::register_device`], or learned from
//!   moto's `CreateVirtualMFADevice` answers), and the steps already used per device;
//! - the MFA checks of `GetSessionToken`, `AssumeRole` (`SerialNumber` + `TokenCode`, the
//!   codes of steps now-1, now and now+1 are valid, each step once) and `EnableMFADevice`,
//!   `ResyncMFADevice` (`AuthenticationCode1`/`2`: two consecutive steps near now), answered
//!   with AWS's error XML; only requests that pass reach moto;
//! - `ResyncMFADevice`, which moto lacks: answered by the gate once the codes pass;
//! - fault injection ([`Fault`]) and a clock offset for the `Date` header and the MFA window;
//! - the record of every request ([`Recorded`]).
//!
//! One gate per test is the normal use: starting one costs a listener and a thread, and
//! dropping it closes the listener and every connection it still holds.
//!
//! The HTTP is hand-parsed: request bodies by `Content-Length` or chunked, keep-alive on the
//! client side (botocore/urllib3 and hyper reuse connections), one fresh `Connection: close`
//! connection to moto per request (moto's werkzeug closes after each answer anyway).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufReader;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

mod answers;
mod http;
mod roles;

use answers::{empty_response, error_response, rejection_response, xml_text, JSON};
use http::{decode_form, forward, read_request, write_response, Request, Response};
pub use http::{http_date, parse_http_date};
use otpilot_core::clock::unix_now;
use otpilot_core::totp::{Totp, TotpParams, TotpSeed};

/// The account moto answers as; used in the gate's own error messages.
const ACCOUNT: &str = "123456789012";
const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// AWS virtual MFA devices use 30-second steps.
const PERIOD: i64 = 30;
/// Bounds that keep a confused client from making the gate allocate without limit.
pub(super) const MAX_HEAD_BYTES: usize = 64 * 1024;
pub(super) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// moto answers in milliseconds; anything this slow is a hung upstream, not a slow one.
pub(super) const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// A failure the gate produces instead of (or around) forwarding a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with AWS's `InternalFailure` error XML; nothing is forwarded.
    Http500,
    /// HTTP 400 with `<Code>Throttling</Code><Message>Rate exceeded</Message>`; nothing is
    /// forwarded, so no MFA code is used up (AWS throttles before looking at the request).
    Throttling,
    /// HTTP 403 with `AccessDenied` naming the action, as IAM answers a caller without the
    /// permission; nothing is forwarded.
    AccessDenied,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Close the connection without answering; nothing is forwarded.
    DropConnection,
    /// Check and forward (so the MFA code *is* used up), then close without answering: the
    /// response is lost on the way back, the case where a client retry reuses a spent code.
    DropResponse,
}

/// Why the gate refused a request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The serial is not a device the gate knows.
    UnknownSerial,
    /// The code is not the device's code for any step near now (or the pair is not
    /// consecutive, for `EnableMFADevice`/`ResyncMFADevice`).
    InvalidCode,
    /// A valid code whose step was already used for this device. AWS answers exactly as for
    /// an invalid code; the record tells them apart.
    ReusedCode,
    /// No `SerialNumber`/`TokenCode` for an action that [`Gate::require_mfa_for`] covers.
    MfaRequired,
    /// A code that is not six digits: AWS's `ValidationError`.
    MalformedCode,
    /// AssumeRole of a role that does not exist (checked with
    /// [`Gate::verify_assumed_roles`]): AWS's `AccessDenied`.
    NoSuchRole,
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Passed the checks and reached moto, which answered with this status. With
    /// [`Fault::DropResponse`] the client never saw that answer.
    Forwarded { status: u16 },
    /// Refused by the gate's MFA checks; moto never saw it.
    Rejected(Rejection),
    /// Answered (or dropped) by an injected fault; moto never saw it.
    Faulted,
    /// moto could not be reached or answered garbage; the client got a 502.
    UpstreamFailed(String),
    /// Answered by the gate itself, for an action moto does not implement
    /// (`ResyncMFADevice`), after the same MFA checks AWS makes.
    Emulated,
}

/// One request as the gate received it. Holds no credentials: only the access key id, which
/// is not secret and proves which credentials signed the call.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The query `Action` (`GetSessionToken`, `AssumeRole`, ...); empty when there was none.
    pub action: String,
    /// Every parameter of the query string and the form body, decoded.
    pub params: BTreeMap<String, String>,
    /// `AKID` from the SigV4 `Credential=AKID/date/region/service/aws4_request`.
    pub access_key_id: Option<String>,
    /// `sts`, `iam`, ... from the same credential scope.
    pub service: Option<String>,
    /// Whether an `X-Amz-Security-Token` was sent, i.e. temporary credentials signed it.
    pub session_token: bool,
    /// The TOTP step the MFA code matched (accepted or reused); for a code pair, the first.
    pub mfa_step: Option<u64>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
    pub outcome: Outcome,
}

impl Recorded {
    /// A decoded parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Whether moto received the request.
    pub fn forwarded(&self) -> bool {
        matches!(self.outcome, Outcome::Forwarded { .. })
    }
}

/// The running gate. See the module docs.
pub struct Gate {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    /// `host:port` of moto.
    upstream: String,
    stopping: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    devices: HashMap<String, Totp>,
    used_steps: HashSet<(String, u64)>,
    mfa_required: HashSet<String>,
    /// AssumeRole of a role moto's IAM does not have is refused, as AWS does.
    verify_roles: bool,
    faults: Vec<FaultRule>,
    date_offset: i64,
    requests: Vec<Recorded>,
    /// Clones of the open client sockets, so that dropping the gate can close them.
    connections: HashMap<u64, TcpStream>,
    next_connection: u64,
}

struct FaultRule {
    action: Option<String>,
    remaining: usize,
    fault: Fault,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not take every later request down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// The gate's clock: the local clock shifted by the simulated skew.
    fn now(&self) -> i64 {
        unix_now() as i64 + self.date_offset
    }

    fn take_fault(&mut self, action: &str) -> Option<Fault> {
        let rule = self
            .faults
            .iter_mut()
            .find(|r| r.remaining > 0 && r.action.as_deref().is_none_or(|a| a == action))?;
        rule.remaining -= 1;
        let fault = rule.fault;
        self.faults.retain(|r| r.remaining > 0);
        Some(fault)
    }
}

impl Gate {
    /// Starts a gate on 127.0.0.1 in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Gate {
        let upstream = upstream
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("the gate forwards plain http only, not {upstream}"))
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the MFA gate");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream,
            stopping: AtomicBool::new(false),
            state: Mutex::new(State::default()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("mfa-gate-accept".into())
                .spawn(move || accept_loop(listener, shared))
                .expect("spawn the MFA gate")
        };
        Gate {
            shared,
            addr,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` and friends.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Teaches the gate a device: SHA-1, 6 digits, 30 s, like AWS virtual MFA.
    pub fn register_device(&self, serial: &str, base32_seed: &str) {
        let totp = totp_from_base32(base32_seed).expect("a valid base32 TOTP seed");
        self.shared.state().devices.insert(serial.to_owned(), totp);
    }

    /// Makes `action` (`GetSessionToken`, `AssumeRole`) without `SerialNumber`/`TokenCode`
    /// fail with `AccessDenied`, as a policy with an `aws:MultiFactorAuthPresent` condition
    /// would. By default MFA is optional.
    pub fn require_mfa_for(&self, action: &str) {
        self.shared.state().mfa_required.insert(action.to_owned());
    }

    /// Refuses AssumeRole of a role that does not exist in its account (moto assumes any
    /// ARN), with AWS's `AccessDenied`. Off by default: most tests assume roles they never
    /// created.
    pub fn verify_assumed_roles(&self) {
        self.shared.state().verify_roles = true;
    }

    /// Applies `fault` to the next `n` requests, whatever their action. Rules queue up: a
    /// request takes the oldest rule that still has requests left and matches it.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.push_fault(None, n, fault);
    }

    /// Applies `fault` to the next `n` requests for `action` only.
    pub fn fail_next_for(&self, action: &str, n: usize, fault: Fault) {
        self.push_fault(Some(action.to_owned()), n, fault);
    }

    fn push_fault(&self, action: Option<String>, n: usize, fault: Fault) {
        if n > 0 {
            self.shared.state().faults.push(FaultRule {
                action,
                remaining: n,
                fault,
            });
        }
    }

    /// Simulates STS's clock being `seconds` ahead of ours (behind when negative): the `Date`
    /// header of every answer says now+offset, and the MFA window is centred on now+offset,
    /// as a skewed client would meet it at AWS. With 0, moto's own `Date` is relayed as is.
    pub fn set_date_offset(&self, seconds: i64) {
        self.shared.state().date_offset = seconds;
    }

    /// The TOTP step the gate considers current (after the date offset).
    pub fn current_step(&self) -> u64 {
        (self.shared.state().now() / PERIOD) as u64
    }

    /// The code of a registered device at `step`, for tests that need a right (or a wrong)
    /// code without their own TOTP.
    pub fn code_for_step(&self, serial: &str, step: u64) -> String {
        let state = self.shared.state();
        let totp = state
            .devices
            .get(serial)
            .unwrap_or_else(|| panic!("no device {serial} registered with the gate"));
        totp.code_for_step(step).expect("a software code")
    }

    /// Marks a step as used, as if another process had just spent that code at AWS.
    pub fn mark_step_used(&self, serial: &str, step: u64) {
        self.shared
            .state()
            .used_steps
            .insert((serial.to_owned(), step));
    }

    /// Every request received so far, in the order the gate decided on them.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state().requests.clone()
    }

    /// The requests for one action.
    pub fn requests_for(&self, action: &str) -> Vec<Recorded> {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.action == action)
            .cloned()
            .collect()
    }

    /// How many requests for `action` passed the gate and reached moto.
    pub fn count(&self, action: &str) -> usize {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.action == action && r.forwarded())
            .count()
    }

    /// How many client connections the gate has accepted: fewer than requests means clients
    /// reused connections (keep-alive).
    pub fn connections_accepted(&self) -> u64 {
        self.shared.state().next_connection
    }

    /// Forgets the record (devices, used steps and policies stay).
    pub fn clear_requests(&self) {
        self.shared.state().requests.clear();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // `accept` blocks; a connection of our own wakes it to see the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // After the join no new connection can be registered, so this closes them all;
        // their threads see EOF and end.
        for (_, stream) in self.shared.state().connections.drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn totp_from_base32(seed: &str) -> Option<Totp> {
    let (seed, _warning) = TotpSeed::from_base32(seed).ok()?;
    Totp::new(&seed, TotpParams::default()).ok()
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = {
            let mut state = shared.state();
            state.next_connection += 1;
            let id = state.next_connection;
            state.connections.insert(id, clone);
            id
        };
        let shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("mfa-gate-conn".into())
            .spawn(move || {
                serve_connection(&shared, stream);
                if let Some(stream) = shared.state().connections.remove(&id) {
                    let _ = stream.shutdown(Shutdown::Both);
                }
            });
        if spawned.is_err() {
            // Out of threads: the dropped closure closed the socket; the client sees a reset.
            continue;
        }
    }
}

/// Serves requests on one client connection until either side closes it.
fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(Some(request)) => request,
            // EOF between requests, a reset, or garbage: nothing sensible to answer.
            Ok(None) | Err(_) => return,
        };
        let keep_alive = request.keep_alive() && !shared.stopping.load(Ordering::SeqCst);
        match handle(shared, &request) {
            Some(response) => {
                if write_response(&mut writer, &response, keep_alive).is_err() || !keep_alive {
                    return;
                }
            }
            None => return,
        }
    }
}

// --- Request handling ------------------------------------------------------------------------

/// Decides on one request. `None` means: close the connection without answering.
fn handle(shared: &Shared, request: &Request) -> Option<Response> {
    // awsJson services (Organizations) name the action in `X-Amz-Target`.
    let json = request.header("x-amz-target").is_some();
    let params = if json {
        roles::json_params(request)
    } else {
        request.params()
    };
    let action = match json {
        true => roles::json_action(request).unwrap_or_default(),
        false => params.get("Action").cloned().unwrap_or_default(),
    };
    let (access_key_id, service) = credential_scope(request);
    let mut record = Recorded {
        action: action.clone(),
        params,
        access_key_id,
        session_token: request.header("x-amz-security-token").is_some(),
        service,
        mfa_step: None,
        fault: None,
        outcome: Outcome::Faulted,
    };
    let xmlns = if json {
        JSON
    } else if record.service.as_deref() == Some("iam") || is_iam_action(&action) {
        IAM_XMLNS
    } else {
        STS_XMLNS
    };

    let fault = shared.state().take_fault(&action);
    record.fault = fault;
    match fault {
        Some(Fault::Delay(delay)) => std::thread::sleep(delay),
        Some(Fault::Http500) => {
            let mut state = shared.state();
            let response = error_response(
                &state,
                500,
                xmlns,
                "Receiver",
                "InternalFailure",
                "The request processing has failed because of an unknown error, exception or \
                 failure.",
            );
            state.requests.push(record);
            return Some(response);
        }
        Some(Fault::Throttling) => {
            let mut state = shared.state();
            let response =
                error_response(&state, 400, xmlns, "Sender", "Throttling", "Rate exceeded");
            state.requests.push(record);
            return Some(response);
        }
        Some(Fault::AccessDenied) => {
            let mut state = shared.state();
            let message = format!(
                "User: arn:aws:iam::{ACCOUNT}:user/admin is not authorized to perform: iam:{} on resource: *",
                record.action
            );
            let response = error_response(&state, 403, xmlns, "Sender", "AccessDenied", &message);
            state.requests.push(record);
            return Some(response);
        }
        Some(Fault::DropConnection) => {
            shared.state().requests.push(record);
            return None;
        }
        Some(Fault::DropResponse) | None => {}
    }

    // Check and mark the step used under one lock, so that parallel requests with the same
    // code cannot both pass.
    {
        let mut state = shared.state();
        let now_step = (state.now() / PERIOD) as u64;
        match check_mfa(&mut state, &action, &record.params, now_step) {
            Ok(step) => record.mfa_step = step,
            Err((rejection, step)) => {
                record.mfa_step = step;
                record.outcome = Outcome::Rejected(rejection);
                let response = rejection_response(&state, rejection, &record, xmlns);
                state.requests.push(record);
                return Some(response);
            }
        }
    }

    if action == "AssumeRole" && shared.state().verify_roles {
        let arn = record.param("RoleArn").unwrap_or_default().to_owned();
        if roles::role_exists(&shared.upstream, &arn) == Some(false) {
            let mut state = shared.state();
            record.outcome = Outcome::Rejected(Rejection::NoSuchRole);
            let response = rejection_response(&state, Rejection::NoSuchRole, &record, xmlns);
            state.requests.push(record);
            return Some(response);
        }
    }

    if action == "ResyncMFADevice" {
        // moto has no ResyncMFADevice; the codes passed the checks above, which is all AWS
        // verifies besides the device belonging to the user.
        let mut state = shared.state();
        record.outcome = Outcome::Emulated;
        let response = empty_response(&state, "ResyncMFADevice", IAM_XMLNS);
        state.requests.push(record);
        return Some(response);
    }

    let mut response = match forward(&shared.upstream, request) {
        Ok(response) => response,
        Err(e) => {
            let mut state = shared.state();
            record.outcome = Outcome::UpstreamFailed(e.to_string());
            let response = error_response(
                &state,
                502,
                xmlns,
                "Receiver",
                "InternalFailure",
                "the MFA gate could not reach moto",
            );
            state.requests.push(record);
            return Some(response);
        }
    };
    let mut state = shared.state();
    if action == "CreateVirtualMFADevice" && response.status == 200 {
        learn_virtual_device(&mut state, &response.body);
    }
    if state.date_offset != 0 {
        response
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("date"));
        response
            .headers
            .push(("Date".into(), http_date(state.now())));
    }
    record.outcome = Outcome::Forwarded {
        status: response.status,
    };
    // Recorded before the answer goes out, so a test that saw its client finish sees it.
    state.requests.push(record);
    (fault != Some(Fault::DropResponse)).then_some(response)
}

fn is_iam_action(action: &str) -> bool {
    matches!(
        action,
        "EnableMFADevice"
            | "ResyncMFADevice"
            | "CreateVirtualMFADevice"
            | "DeactivateMFADevice"
            | "DeleteVirtualMFADevice"
            | "ListMFADevices"
            | "ListVirtualMFADevices"
    )
}

type MfaDecision = Result<Option<u64>, (Rejection, Option<u64>)>;

/// The MFA rules of AWS, for the actions that take codes. On success, the step is marked used.
fn check_mfa(
    state: &mut State,
    action: &str,
    params: &BTreeMap<String, String>,
    now_step: u64,
) -> MfaDecision {
    match action {
        "GetSessionToken" | "AssumeRole" => {
            let serial = params.get("SerialNumber");
            let code = params.get("TokenCode");
            let (serial, code) = match (serial, code) {
                (None, None) if state.mfa_required.contains(action) => {
                    return Err((Rejection::MfaRequired, None))
                }
                (None, None) => return Ok(None),
                (None, Some(_)) => return Err((Rejection::UnknownSerial, None)),
                (Some(_), None) => return Err((Rejection::InvalidCode, None)),
                (Some(serial), Some(code)) => (serial, code),
            };
            if !is_six_digits(code) {
                return Err((Rejection::MalformedCode, None));
            }
            let totp = state
                .devices
                .get(serial)
                .ok_or((Rejection::UnknownSerial, None))?;
            // AWS accepts the code of the previous, current and next step.
            let step = [now_step, now_step.saturating_sub(1), now_step + 1]
                .into_iter()
                .find(|&step| totp.code_for_step(step).expect("a software code") == *code)
                .ok_or((Rejection::InvalidCode, None))?;
            if !state.used_steps.insert((serial.clone(), step)) {
                return Err((Rejection::ReusedCode, Some(step)));
            }
            Ok(Some(step))
        }
        "EnableMFADevice" | "ResyncMFADevice" => {
            let (Some(serial), Some(code1), Some(code2)) = (
                params.get("SerialNumber"),
                params.get("AuthenticationCode1"),
                params.get("AuthenticationCode2"),
            ) else {
                // Missing parameters are moto's (and AWS's) validation to report.
                return Ok(None);
            };
            if !is_six_digits(code1) || !is_six_digits(code2) {
                return Err((Rejection::MalformedCode, None));
            }
            let totp = state
                .devices
                .get(serial)
                .ok_or((Rejection::UnknownSerial, None))?;
            // Two consecutive codes: typed a step apart (now-1, now), computed at once from
            // the seed (now, now+1), or typed slowly (now-2, now-1).
            let first = (now_step.saturating_sub(2)..=now_step)
                .find(|&t| {
                    totp.code_for_step(t).expect("a software code") == *code1
                        && totp.code_for_step(t + 1).expect("a software code") == *code2
                })
                .ok_or((Rejection::InvalidCode, None))?;
            let (a, b) = ((serial.clone(), first), (serial.clone(), first + 1));
            if state.used_steps.contains(&a) || state.used_steps.contains(&b) {
                return Err((Rejection::ReusedCode, Some(first)));
            }
            state.used_steps.insert(a);
            state.used_steps.insert(b);
            Ok(Some(first))
        }
        _ => Ok(None),
    }
}

fn is_six_digits(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// moto's `CreateVirtualMFADevice` answer carries the real seed: learn it, so tests that
/// create devices through the gate need no `register_device`.
fn learn_virtual_device(state: &mut State, body: &[u8]) {
    let body = String::from_utf8_lossy(body);
    let (Some(serial), Some(seed)) = (
        xml_text(&body, "SerialNumber"),
        xml_text(&body, "Base32StringSeed"),
    ) else {
        return;
    };
    // The field is a blob, so the query protocol sends base64 of the base32 text.
    let base32 = data_encoding::BASE64
        .decode(seed.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| seed.to_owned());
    if let Some(totp) = totp_from_base32(&base32) {
        state.devices.insert(serial.to_owned(), totp);
    }
}

/// `AKID` and service from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/
/// service/aws4_request, ...`, or from a presigned query's `X-Amz-Credential`.
fn credential_scope(request: &Request) -> (Option<String>, Option<String>) {
    let scope = request
        .header("authorization")
        .and_then(|auth| {
            let start = auth.find("Credential=")? + "Credential=".len();
            let rest = &auth[start..];
            Some(rest[..rest.find([',', ' ']).unwrap_or(rest.len())].to_owned())
        })
        .or_else(|| {
            let query = request.target.split_once('?')?.1;
            let mut params = BTreeMap::new();
            decode_form(query, &mut params);
            params.remove("X-Amz-Credential")
        });
    let Some(scope) = scope else {
        return (None, None);
    };
    let parts: Vec<&str> = scope.split('/').collect();
    (
        parts.first().map(|s| (*s).to_owned()),
        parts.get(3).map(|s| (*s).to_owned()),
    )
}
