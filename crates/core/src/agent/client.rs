//! The agent client used by `otpilot credential-process`: try the agent, and say plainly when
//! there is none so the caller can do the work itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::{Request, Response, MAX_LINE, VERSION};
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
    match try_credentials(socket, profile, timeout) {
        Ok(answer) => answer,
        Err(e) => Answer::Unavailable(e.to_string()),
    }
}

fn try_credentials(socket: &Path, profile: &str, timeout: Duration) -> Result<Answer> {
    let meta = match std::fs::symlink_metadata(socket) {
        Ok(meta) => meta,
        Err(_) => return Ok(Answer::Unavailable("no agent socket".into())),
    };
    // Talking to a socket someone else controls would hand them our requests and let them
    // answer with credentials of their choosing.
    let uid = unsafe { libc::geteuid() };
    if meta.uid() != uid {
        return Ok(Answer::Unavailable(format!(
            "ignoring agent socket {}: it belongs to uid {}, not {uid}",
            socket.display(),
            meta.uid()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Ok(Answer::Unavailable(format!(
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
        Err(e) => return Ok(Answer::Unavailable(format!("agent not running ({e})"))),
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .map_err(io)?;
    let request = Request {
        v: VERSION,
        op: "credentials".into(),
        profile: profile.to_owned(),
    };
    let mut line = serde_json::to_vec(&request).expect("request serialises");
    line.push(b'\n');
    (&stream).write_all(&line).map_err(io)?;
    let mut reply = Zeroizing::new(Vec::new());
    BufReader::new(&stream)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut reply)
        .map_err(io)?;
    let response: Response = match serde_json::from_slice(&reply) {
        Ok(r) => r,
        Err(_) => {
            return Ok(Answer::Unavailable(
                "the agent's answer is not valid".into(),
            ))
        }
    };
    if response.v != VERSION {
        return Ok(Answer::Unavailable(format!(
            "the agent speaks protocol version {}, not {VERSION}",
            response.v
        )));
    }
    match (response.ok, &response.credentials, &response.error) {
        (true, Some(c), _) => Ok(Answer::Credentials(c.to_credentials())),
        (false, _, Some(e)) if e.kind == "unsupported_version" || e.kind == "unsupported" => {
            Ok(Answer::Unavailable(e.message.clone()))
        }
        (false, _, Some(e)) => Ok(Answer::Failed {
            kind: e.kind.clone(),
            message: e.message.clone(),
        }),
        _ => Ok(Answer::Unavailable(
            "the agent's answer is incomplete".into(),
        )),
    }
}
