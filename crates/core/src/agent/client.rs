//! The agent client: `otpilot credential-process` asks the running agent first, and the
//! tray's window asks the tray for the operations the tray owns. When there is no usable
//! agent the answer says why, as a typed reason, so the caller can do the work itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::protocol::{Forgot, NoticeLine, Reply, Request, TrayOp, WireError, MAX_LINE};
use super::vault_ops::{VaultOp, VaultReplyLine, VaultResult};
use crate::credentials::Credentials;
use crate::error::ErrorKind;
use crate::platform::{Endpoint, LocalStream};
use crate::settings::StoreKind;

/// Why there is no usable agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No socket file: no agent was started.
    NoSocket,
    /// A socket file with no listener: the agent is not running (or crashed).
    NotRunning(String),
    /// A socket someone else could control; talking to it would hand them our requests and
    /// let them answer with credentials of their choosing. Worth a warning.
    Untrusted(String),
    /// An agent of another protocol version, or one that does not know the request.
    Incompatible(String),
    /// The exchange itself failed (timeout, broken connection, garbled answer).
    Broken(String),
}

impl Unavailable {
    /// True when the person should hear about it (someone may be impersonating the agent).
    pub fn deserves_warning(&self) -> bool {
        matches!(self, Unavailable::Untrusted(_))
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::NoSocket => f.write_str("no agent socket"),
            Unavailable::NotRunning(why) => write!(f, "agent not running ({why})"),
            Unavailable::Untrusted(why)
            | Unavailable::Incompatible(why)
            | Unavailable::Broken(why) => f.write_str(why),
        }
    }
}

/// What the agent said to a request for credentials.
pub enum Answer {
    Credentials(Credentials),
    /// The agent tried and failed; its message is as good as ours would be.
    Failed(WireError),
    /// No usable agent: do the work directly.
    Unavailable(Unavailable),
}

/// Asks the agent at `socket` for a profile's credentials from `store` (an agent serving
/// another store answers [`Answer::Unavailable`]). `timeout` bounds the wait for each line
/// (the tray may be waiting for a person to type a code). The agent's notices for the person
/// ("waiting 12 s for a fresh MFA code …") go to `notices` as they come.
pub fn credentials(
    socket: &Path,
    profile: &str,
    store: StoreKind,
    timeout: Duration,
    notices: &dyn Fn(&str),
) -> Answer {
    let request = Request::Credentials {
        profile: profile.to_owned(),
        store: Some(store),
        notices: true,
    };
    match exchange_noting(socket, &request, timeout, notices) {
        Ok(Reply::Credentials(c)) => Answer::Credentials(c),
        Ok(Reply::Failed(e)) if is_incompatible(e.kind) => {
            Answer::Unavailable(Unavailable::Incompatible(e.message))
        }
        Ok(Reply::Failed(e)) => Answer::Failed(e),
        Ok(Reply::Tray(_)) => Answer::Unavailable(Unavailable::Broken(
            "the agent answered with something other than credentials".into(),
        )),
        Err(why) => Answer::Unavailable(why),
    }
}

/// Why a [`tray`] call has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayFailure {
    /// No usable agent (the tray is not running, or it is not ours).
    Unavailable(Unavailable),
    /// The tray tried and failed.
    Failed(WireError),
}

/// Runs one of the tray's own operations through the agent at `socket`, and reads its result
/// as `T` (`serde::de::IgnoredAny` for operations that answer only success).
pub fn tray<T: DeserializeOwned>(socket: &Path, op: &TrayOp) -> Result<T, TrayFailure> {
    match exchange(socket, &Request::Tray(op.clone()), op.timeout()) {
        Ok(Reply::Tray(value)) => serde_json::from_value(value).map_err(|e| {
            TrayFailure::Unavailable(Unavailable::Broken(format!(
                "the tray's answer to {op:?} is not what this build expects: {e}"
            )))
        }),
        Ok(Reply::Failed(e)) => Err(TrayFailure::Failed(e)),
        Ok(Reply::Credentials(_)) => Err(TrayFailure::Unavailable(Unavailable::Broken(
            "the tray answered with credentials".into(),
        ))),
        Err(why) => Err(TrayFailure::Unavailable(why)),
    }
}

/// Asks the agent at `socket` to forget what it holds for `profile`.
pub fn forget(socket: &Path, profile: &str) -> Result<Forgot, TrayFailure> {
    let request = Request::Forget {
        profile: profile.to_owned(),
    };
    result(socket, &request, Duration::from_secs(30))
}

/// Asks the agent at `socket` to stop (the headless agent locks its vault and exits).
pub fn stop(socket: &Path) -> Result<(), TrayFailure> {
    result::<serde::de::IgnoredAny>(socket, &Request::Stop, Duration::from_secs(10)).map(drop)
}

fn result<T: DeserializeOwned>(
    socket: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<T, TrayFailure> {
    match exchange(socket, request, timeout) {
        Ok(Reply::Tray(value)) => serde_json::from_value(value).map_err(|e| {
            TrayFailure::Unavailable(Unavailable::Broken(format!(
                "the agent's answer to {request:?} is not what this build expects: {e}"
            )))
        }),
        Ok(Reply::Failed(e)) => Err(TrayFailure::Failed(e)),
        Ok(Reply::Credentials(_)) => Err(TrayFailure::Unavailable(Unavailable::Broken(
            "the agent answered with credentials".into(),
        ))),
        Err(why) => Err(TrayFailure::Unavailable(why)),
    }
}

/// Answers that mean "this agent cannot serve you": the caller does the work itself.
fn is_incompatible(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unsupported
            | ErrorKind::UnsupportedVersion
            | ErrorKind::Busy
            | ErrorKind::WrongStore
    )
}

/// How long a vault operation may take: opening or writing the vault runs scrypt.
const VAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs one of the vault's operations on the (headless) agent at `socket`.
pub fn vault(socket: &Path, op: &VaultOp) -> Result<VaultResult, TrayFailure> {
    let reply =
        exchange_raw(socket, &op.encode(), VAULT_TIMEOUT).map_err(TrayFailure::Unavailable)?;
    let line: VaultReplyLine = serde_json::from_slice(&reply).map_err(|_| {
        TrayFailure::Unavailable(Unavailable::Broken(
            "the agent's answer to a vault operation is not valid".into(),
        ))
    })?;
    match line {
        VaultReplyLine { v, .. } if v != super::protocol::VERSION => Err(TrayFailure::Unavailable(
            Unavailable::Incompatible(format!("the agent speaks protocol version {v}")),
        )),
        VaultReplyLine {
            ok: true, result, ..
        } => Ok(result.unwrap_or_default()),
        VaultReplyLine { error: Some(e), .. } => Err(TrayFailure::Failed(e)),
        _ => Err(TrayFailure::Unavailable(Unavailable::Broken(
            "the agent's answer has neither a result nor an error".into(),
        ))),
    }
}

/// Sends one request and reads the answer.
fn exchange(socket: &Path, request: &Request, timeout: Duration) -> Result<Reply, Unavailable> {
    exchange_noting(socket, request, timeout, &|_| {})
}

/// Sends one request and reads the answer, passing the notices before it to `notices`.
fn exchange_noting(
    socket: &Path,
    request: &Request,
    timeout: Duration,
    notices: &dyn Fn(&str),
) -> Result<Reply, Unavailable> {
    let reply = exchange_lines(socket, &request.encode(), timeout, notices)?;
    Reply::decode(&reply).map_err(Unavailable::Broken)
}

/// Sends one request line and reads the answer line, in a buffer wiped when dropped.
fn exchange_raw(
    socket: &Path,
    request: &[u8],
    timeout: Duration,
) -> Result<Zeroizing<Vec<u8>>, Unavailable> {
    exchange_lines(socket, request, timeout, &|_| {})
}

/// At most this many notices before an answer: an agent that sends more is not ours.
const MAX_NOTICES: usize = 64;

/// Sends one request line and reads lines until the answer: notice lines go to `notices`,
/// the answer comes back in a buffer wiped when dropped.
fn exchange_lines(
    socket: &Path,
    request: &[u8],
    timeout: Duration,
    notices: &dyn Fn(&str),
) -> Result<Zeroizing<Vec<u8>>, Unavailable> {
    match crate::platform::check_endpoint(socket) {
        Endpoint::Missing => return Err(Unavailable::NoSocket),
        Endpoint::Untrusted(why) => return Err(Unavailable::Untrusted(why)),
        Endpoint::Ours => {}
    }
    let stream =
        LocalStream::connect(socket).map_err(|e| Unavailable::NotRunning(e.to_string()))?;
    // The path was checked, then connected to by path: between the two the socket could have
    // been replaced. Who actually answers is what counts.
    let own = crate::platform::current_user();
    match (&own, crate::platform::peer_user(&stream)) {
        (Some(own), Some(peer)) if *own == peer => {}
        (own, peer) => {
            let name = |user: Option<&crate::platform::UserId>| {
                user.map_or_else(|| "unknown".to_owned(), |u| u.to_string())
            };
            return Err(Unavailable::Untrusted(format!(
                "ignoring agent socket {}: the process listening there runs as uid {}, not {}",
                socket.display(),
                name(peer.as_ref()),
                name(own.as_ref())
            )));
        }
    }
    let broken = |e: std::io::Error| Unavailable::Broken(format!("agent socket: {e}"));
    stream.set_read_timeout(Some(timeout)).map_err(broken)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .map_err(broken)?;
    // A busy agent answers without reading and hangs up, so the write may fail while its
    // answer waits to be read: read first, and report the write's failure only when there
    // is nothing.
    let sent = (&stream).write_all(request);
    let mut reader = BufReader::new(&stream);
    for _ in 0..=MAX_NOTICES {
        let mut reply = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        let read = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut reply);
        match (read, &sent) {
            (Ok(0), Err(e)) | (Err(_), Err(e)) => {
                return Err(broken(std::io::Error::new(e.kind(), e.to_string())))
            }
            (Err(e), Ok(())) => return Err(broken(e)),
            _ => {}
        }
        match NoticeLine::decode(&reply) {
            Some(notice) => notices(&notice),
            None => return Ok(reply),
        }
    }
    Err(Unavailable::Broken(
        "the agent sent notices and no answer".into(),
    ))
}
