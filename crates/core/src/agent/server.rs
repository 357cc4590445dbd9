//! The agent server, hosted by the tray: a Unix socket, a thread per connection, a peer uid
//! check, and a [`Handler`] that produces the credentials.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::{Incoming, Reply, Request, TrayOp, WireError, MAX_LINE, VERSION};
use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::paths::ensure_private_dir;

/// What the agent does with a request.
pub trait Handler: Send + Sync + 'static {
    fn credentials(&self, profile: &str) -> Result<Credentials>;

    /// One of the tray's operations (its window asking); `None`: this agent does not serve
    /// them (a headless agent), and the client hears `unsupported`.
    fn tray(&self, _op: TrayOp) -> Option<std::result::Result<serde_json::Value, WireError>> {
        None
    }
}

/// A running agent; stops listening and removes its socket when dropped.
pub struct Agent {
    path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Agent {
    /// Listens at `path` (its directory is created 0700; a stale socket is replaced, a live
    /// one, i.e. another tray, is an error).
    pub fn start(path: &Path, handler: Arc<dyn Handler>) -> Result<Agent> {
        let dir = path.parent().expect("socket path has a parent");
        ensure_private_dir(dir)?;
        let wrap = |source| Error::FileWrite {
            path: path.to_owned(),
            source,
        };
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(wrap(std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    "another otpilot agent is listening there",
                )));
            }
            std::fs::remove_file(path).map_err(wrap)?;
        }
        let listener = UnixListener::bind(path).map_err(wrap)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(wrap)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("otpilot-agent".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = handler.clone();
                    std::thread::spawn(move || serve(stream, handler.as_ref()));
                }
            })
            .map_err(wrap)?;
        tracing::info!("agent listening on {}", path.display());
        Ok(Agent {
            path: path.to_owned(),
            stop,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve(stream: UnixStream, handler: &dyn Handler) {
    let own = crate::platform::current_uid();
    match crate::platform::peer_uid(&stream) {
        Some(uid) if uid == own => {}
        other => {
            tracing::warn!("agent: refused a connection from uid {other:?}");
            return;
        }
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut line = Zeroizing::new(Vec::new());
    if BufReader::new(&stream)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .is_err()
    {
        return;
    }
    let reply = match Request::decode(&line) {
        Incoming::Malformed => Reply::Failed(WireError::new(
            ErrorKind::BadRequest,
            "the request is not valid JSON",
        )),
        Incoming::WrongVersion(_) => Reply::Failed(WireError::new(
            ErrorKind::UnsupportedVersion,
            format!("this agent speaks protocol version {VERSION}"),
        )),
        Incoming::Unknown(op) => Reply::Failed(WireError::new(
            ErrorKind::Unsupported,
            format!("unknown operation `{op}`"),
        )),
        Incoming::Request(Request::Credentials { profile }) => {
            match handler.credentials(&profile) {
                Ok(c) => Reply::Credentials(c),
                Err(e) => Reply::Failed(WireError::from(&e)),
            }
        }
        Incoming::Request(Request::Tray(op)) => {
            let name = format!("{op:?}");
            match handler.tray(op) {
                Some(Ok(value)) => Reply::Tray(value),
                Some(Err(e)) => Reply::Failed(e),
                None => Reply::Failed(WireError::new(
                    ErrorKind::Unsupported,
                    format!("this agent does not serve the tray's operations ({name})"),
                )),
            }
        }
    };
    let out = Zeroizing::new(reply.encode());
    let _ = (&stream).write_all(&out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::client::{self, Answer, TrayFailure, Unavailable};
    use std::sync::atomic::AtomicUsize;

    struct Fake(AtomicUsize);

    impl Handler for Fake {
        fn credentials(&self, profile: &str) -> Result<Credentials> {
            self.0.fetch_add(1, Ordering::SeqCst);
            if profile == "bad" {
                return Err(Error::ProfileLoop("bad -> bad".into()));
            }
            Ok(Credentials {
                access_key_id: format!("ASIA{profile}"),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration: Some(42),
            })
        }

        fn tray(&self, op: TrayOp) -> Option<std::result::Result<serde_json::Value, WireError>> {
            match op {
                TrayOp::CopyCode { device } if device == "work" => Some(Ok(serde_json::json!(20))),
                TrayOp::CopyCode { .. } => {
                    Some(Err(WireError::new(ErrorKind::NotFound, "no such device")))
                }
                _ => None,
            }
        }
    }

    #[test]
    fn tray_operations_carry_arguments_results_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let agent = Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).unwrap();
        let copy = |device: &str| TrayOp::CopyCode {
            device: device.into(),
        };
        assert_eq!(client::tray::<u64>(&path, &copy("work")), Ok(20));
        match client::tray::<u64>(&path, &copy("nope")) {
            Err(TrayFailure::Failed(e)) => assert_eq!(e.kind, ErrorKind::NotFound),
            other => panic!("expected a failure, got {other:?}"),
        }
        match client::tray::<bool>(&path, &TrayOp::Changed) {
            Err(TrayFailure::Failed(e)) => assert_eq!(e.kind, ErrorKind::Unsupported),
            other => panic!("expected `unsupported`, got {other:?}"),
        }
        drop(agent);
        assert!(matches!(
            client::tray::<u64>(&path, &copy("work")),
            Err(TrayFailure::Unavailable(Unavailable::NoSocket))
        ));
    }

    #[test]
    fn round_trip_errors_and_absence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/agent.sock");
        let agent = Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        match client::credentials(&path, "admin", Duration::from_secs(5)) {
            Answer::Credentials(c) => {
                assert_eq!(c.access_key_id, "ASIAadmin");
                assert_eq!(c.expiration, Some(42));
            }
            _ => panic!("expected credentials"),
        }
        match client::credentials(&path, "bad", Duration::from_secs(5)) {
            Answer::Failed(e) => {
                assert_eq!(e.kind, ErrorKind::ProfileLoop);
                assert!(e.message.contains("bad -> bad"));
            }
            _ => panic!("expected a failure"),
        }
        // A second agent on a live socket is refused.
        assert!(Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).is_err());
        drop(agent);
        assert!(!path.exists());
        assert!(matches!(
            client::credentials(&path, "admin", Duration::from_secs(1)),
            Answer::Unavailable(Unavailable::NoSocket)
        ));
    }

    #[test]
    fn loose_sockets_are_refused_by_the_client() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let fake = Arc::new(Fake(AtomicUsize::new(0)));
        let _agent = Agent::start(&path, fake.clone()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        match client::credentials(&path, "admin", Duration::from_secs(1)) {
            Answer::Unavailable(why) => {
                assert!(why.deserves_warning());
                assert!(
                    why.to_string().contains("lets other users connect"),
                    "{why}"
                );
            }
            _ => panic!("a world-writable socket must be refused"),
        }
        assert_eq!(fake.0.load(Ordering::SeqCst), 0, "nothing was asked");
    }
}
