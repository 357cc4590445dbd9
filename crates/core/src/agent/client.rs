//! The agent client used by `otpilot credential-process`: try the agent, and say plainly when
//! there is none so the caller can do the work itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::{Request, Response, WireError, MAX_LINE, VERSION};
use crate::credentials::Credentials;
use crate::error::{Error, Result};

/// What the agent said.
pub enum Answer {
    Credentials(Credentials),
    /// The agent tried and failed; its message is as good as ours would be.
    Failed {
        kind: String,
        message: String,
    },
    /// No usable agent: do the work directly.
    Unavailable(String),
}

/// Asks the agent at `socket` for a profile's credentials. `timeout` bounds the wait for the
/// answer (the tray may be waiting for a person to type a code).
pub fn credentials(socket: &Path, profile: &str, timeout: Duration) -> Answer {
    let request = Request {
        v: VERSION,
        op: "credentials".into(),
        profile: profile.to_owned(),
        args: serde_json::Value::Null,
    };
    let response = match exchange(socket, &request, timeout) {
        Ok(Ok(response)) => response,
        Ok(Err(why)) => return Answer::Unavailable(why),
        Err(e) => return Answer::Unavailable(e.to_string()),
    };
    match (response.ok, &response.credentials, &response.error) {
        (true, Some(c), _) => Answer::Credentials(c.to_credentials()),
        (false, _, Some(e)) if e.kind == "unsupported_version" || e.kind == "unsupported" => {
            Answer::Unavailable(e.message.clone())
        }
        (false, _, Some(e)) => Answer::Failed {
            kind: e.kind.clone(),
            message: e.message.clone(),
        },
        _ => Answer::Unavailable("the agent's answer is incomplete".into()),
    }
}

/// Why a [`control`] call has no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlFailure {
    /// No usable agent (the tray is not running, or it is not ours).
    Unavailable(String),
    /// The agent tried and failed.
    Failed(WireError),
}

/// Runs one of the tray's own operations (`op` with `args`) through the agent at `socket`.
pub fn control(
    socket: &Path,
    op: &str,
    args: serde_json::Value,
    timeout: Duration,
) -> std::result::Result<serde_json::Value, ControlFailure> {
    let request = Request {
        v: VERSION,
        op: op.to_owned(),
        profile: String::new(),
        args,
    };
    let response = match exchange(socket, &request, timeout) {
        Ok(Ok(response)) => response,
        Ok(Err(why)) => return Err(ControlFailure::Unavailable(why)),
        Err(e) => return Err(ControlFailure::Unavailable(e.to_string())),
    };
    match (response.ok, response.result, response.error) {
        (true, Some(value), _) => Ok(value),
        (false, _, Some(e)) => Err(ControlFailure::Failed(e)),
        _ => Err(ControlFailure::Unavailable(
            "the agent's answer is incomplete".into(),
        )),
    }
}

/// Sends one request and reads the answer; `Ok(Err(why))` when there is no usable agent.
fn exchange(
    socket: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<std::result::Result<Response, String>> {
    let meta = match std::fs::symlink_metadata(socket) {
        Ok(meta) => meta,
        Err(_) => return Ok(Err("no agent socket".into())),
    };
    // Talking to a socket someone else controls would hand them our requests and let them
    // answer with credentials of their choosing.
    let uid = unsafe { libc::geteuid() };
    if meta.uid() != uid {
        return Ok(Err(format!(
            "ignoring agent socket {}: it belongs to uid {}, not {uid}",
            socket.display(),
            meta.uid()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Ok(Err(format!(
            "ignoring agent socket {}: mode {:o} lets other users connect",
            socket.display(),
            meta.permissions().mode() & 0o777
        )));
    }
    let io = |source| Error::FileRead {
        path: socket.to_owned(),
        source,
    };
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        // A socket file with no listener: the tray is not running (or crashed).
        Err(e) => return Ok(Err(format!("agent not running ({e})"))),
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .map_err(io)?;
    let mut line = Zeroizing::new(serde_json::to_vec(request).expect("request serialises"));
    line.push(b'\n');
    (&stream).write_all(&line).map_err(io)?;
    let mut reply = Zeroizing::new(Vec::new());
    BufReader::new(&stream)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut reply)
        .map_err(io)?;
    let response: Response = match serde_json::from_slice(&reply) {
        Ok(r) => r,
        Err(_) => return Ok(Err("the agent's answer is not valid".into())),
    };
    if response.v != VERSION {
        return Ok(Err(format!(
            "the agent speaks protocol version {}, not {VERSION}",
            response.v
        )));
    }
    Ok(Ok(response))
}
