//! The agent server, hosted by the tray: a Unix socket, a thread per connection, a peer uid
//! check, and a [`Handler`] that produces the credentials.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::protocol::{Request, Response, WireError, MAX_LINE, VERSION};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::paths::ensure_private_dir;

/// What the agent does with a request.
pub trait Handler: Send + Sync + 'static {
    fn credentials(&self, profile: &str) -> Result<Credentials>;

    /// Any other operation (the tray's window asking the tray); `None`: not one this agent
    /// knows.
    fn control(
        &self,
        _op: &str,
        _args: serde_json::Value,
    ) -> Option<std::result::Result<serde_json::Value, WireError>> {
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

/// The uid of the process at the other end of the socket.
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut libc::ucred as *mut libc::c_void,
            &mut len,
        )
    };
    (rc == 0).then_some(cred.uid)
}

fn serve(stream: UnixStream, handler: &dyn Handler) {
    let own = unsafe { libc::geteuid() };
    match peer_uid(&stream) {
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
    let response = match serde_json::from_slice::<Request>(&line) {
        Err(_) => Response::error("bad_request", "the request is not valid JSON"),
        Ok(r) if r.v != VERSION => Response::error(
            "unsupported_version",
            &format!("this agent speaks protocol version {VERSION}"),
        ),
        Ok(r) if r.op == "credentials" => match handler.credentials(&r.profile) {
            Ok(c) => Response::ok(&c),
            Err(e) => Response::error(e.kind(), &e.to_string()),
        },
        Ok(r) => match handler.control(&r.op, r.args) {
            Some(Ok(value)) => Response::result(value),
            Some(Err(e)) => Response::error(&e.kind, &e.message),
            None => Response::error("unsupported", &format!("unknown operation `{}`", r.op)),
        },
    };
    let mut out = Zeroizing::new(serde_json::to_vec(&response).expect("response serialises"));
    out.push(b'\n');
    let _ = (&stream).write_all(&out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::client::{self, Answer};
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

        fn control(
            &self,
            op: &str,
            args: serde_json::Value,
        ) -> Option<std::result::Result<serde_json::Value, WireError>> {
            match op {
                "echo" => Some(Ok(args)),
                "refuse" => Some(Err(WireError {
                    kind: "not_found".into(),
                    message: "no such device".into(),
                })),
                _ => None,
            }
        }
    }

    #[test]
    fn control_operations_carry_arguments_results_and_errors() {
        use crate::agent::client::ControlFailure;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let _agent = Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).unwrap();
        let args = serde_json::json!({"device": "work"});
        let t = Duration::from_secs(5);
        assert_eq!(client::control(&path, "echo", args.clone(), t), Ok(args));
        match client::control(&path, "refuse", serde_json::Value::Null, t) {
            Err(ControlFailure::Failed(e)) => assert_eq!(e.kind, "not_found"),
            other => panic!("expected a failure, got {other:?}"),
        }
        match client::control(&path, "dance", serde_json::Value::Null, t) {
            Err(ControlFailure::Failed(e)) => assert_eq!(e.kind, "unsupported"),
            other => panic!("expected `unsupported`, got {other:?}"),
        }
        drop(_agent);
        assert!(matches!(
            client::control(&path, "echo", serde_json::Value::Null, t),
            Err(ControlFailure::Unavailable(_))
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
            Answer::Failed { kind, message } => {
                assert_eq!(kind, "profile_loop");
                assert!(message.contains("bad -> bad"));
            }
            _ => panic!("expected a failure"),
        }
        // A second agent on a live socket is refused.
        assert!(Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).is_err());
        drop(agent);
        assert!(!path.exists());
        assert!(matches!(
            client::credentials(&path, "admin", Duration::from_secs(1)),
            Answer::Unavailable(_)
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
            Answer::Unavailable(why) => assert!(why.contains("lets other users connect"), "{why}"),
            _ => panic!("a world-writable socket must be refused"),
        }
        assert_eq!(fake.0.load(Ordering::SeqCst), 0, "nothing was asked");
    }
}
