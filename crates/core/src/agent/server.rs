//! The agent server, hosted by the tray: a Unix socket, a thread per connection (at most
//! [`MAX_CONNECTIONS`] at once; beyond that callers hear "busy" and work on their own), a
//! peer uid check, a deadline for reading each request, and a [`Handler`] that produces the
//! credentials. The limits are the ones every local server shares ([`crate::listen`]).

use crate::platform::{LocalListener, LocalStream};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::protocol::{
    Forgot, Incoming, NoticeLine, Reply, Request, TrayOp, WireError, MAX_LINE, VERSION,
};
use super::vault_ops::{encode_answer, VaultAnswer, VaultOp};
use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::listen::{accept_loop, held_back, read_request, Connections, Slot, WarnLimit, WhenFull};
use crate::paths::ensure_private_dir;
use crate::settings::StoreKind;

pub use crate::listen::{Limits, MAX_CONNECTIONS};

/// Warnings about refused callers: at most one a minute.
static REFUSALS: WarnLimit = WarnLimit::new(Duration::from_secs(60));

/// What the agent does with a request.
pub trait Handler: Send + Sync + 'static {
    fn credentials(&self, profile: &str) -> Result<Credentials>;

    /// [`Handler::credentials`], passing what the person should hear while it works
    /// ("waiting 12 s for a fresh MFA code …") to `notices`, which sends it to the caller.
    fn credentials_noting(
        &self,
        profile: &str,
        notices: &(dyn Fn(&str) + Sync),
    ) -> Result<Credentials> {
        let _ = notices;
        self.credentials(profile)
    }

    /// The store this agent's answers come from; `None`: whichever is configured (the tray
    /// follows `config.toml`). A caller that uses another store hears `wrong_store`.
    fn serves(&self) -> Option<StoreKind> {
        None
    }

    /// Forgets what this agent holds for `profile` (memory, cache, kernel keyring); answers
    /// how many copies were dropped. `None`: the client hears `unsupported`.
    fn forget(&self, _profile: &str) -> Option<Result<usize>> {
        None
    }

    /// Stops the agent after this answer. `None`: this agent is not stopped this way (the
    /// tray quits from its menu), and the client hears `unsupported`.
    fn stop(&self) -> Option<Result<()>> {
        None
    }

    /// One of the tray's operations (its window asking); `None`: this agent does not serve
    /// them (a headless agent), and the client hears `unsupported`.
    fn tray(&self, _op: TrayOp) -> Option<std::result::Result<serde_json::Value, WireError>> {
        None
    }

    /// One of the vault's operations; `None`: this agent holds no vault (the tray), and the
    /// client hears `unsupported`.
    fn vault(&self, _op: VaultOp) -> Option<std::result::Result<VaultAnswer, WireError>> {
        None
    }
}

/// A running agent; stops listening and removes its socket when dropped.
pub struct Agent {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    connections: Connections,
}

impl Agent {
    /// Listens at `path` (its directory is created 0700; a stale socket is replaced, a live
    /// one, i.e. another tray, is an error).
    pub fn start(path: &Path, handler: Arc<dyn Handler>) -> Result<Agent> {
        Self::start_with(path, handler, Limits::default())
    }

    /// [`Agent::start`] with other limits.
    pub fn start_with(path: &Path, handler: Arc<dyn Handler>, limits: Limits) -> Result<Agent> {
        let dir = path.parent().expect("socket path has a parent");
        ensure_private_dir(dir)?;
        let wrap = |source| Error::FileWrite {
            path: path.to_owned(),
            cause: source,
        };
        if path.exists() {
            if LocalStream::connect(path).is_ok() {
                return Err(wrap(std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    "another otpilot agent is listening there",
                )));
            }
            std::fs::remove_file(path).map_err(wrap)?;
        }
        let listener = LocalListener::bind(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::Unsupported => Error::PlatformUnsupported("the agent"),
            _ => wrap(e),
        })?;
        crate::platform::restrict_endpoint(path).map_err(wrap)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let connections = Connections::default();
        let served = connections.clone();
        let deadline = limits.request_deadline;
        std::thread::Builder::new()
            .name("otpilot-agent".into())
            .spawn(move || {
                accept_loop(
                    listener.incoming(),
                    &flag,
                    &served,
                    (limits, WhenFull::Refuse),
                    "otpilot-agent",
                    |stream| refuse_busy(stream, limits.max_connections),
                    Arc::new(move |stream: LocalStream, slot: Slot| {
                        serve(stream, handler.as_ref(), deadline);
                        drop(slot);
                    }),
                )
            })
            .map_err(wrap)?;
        tracing::info!("agent listening on {}", path.display());
        Ok(Agent {
            path: path.to_owned(),
            stop,
            connections,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Connections being served now.
    pub fn active_connections(&self) -> usize {
        self.connections.active()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = LocalStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Says "busy" without reading the request: a few bytes, which fit the socket's buffer, so
/// the accept loop never waits on a caller.
fn refuse_busy(stream: &LocalStream, max: usize) {
    let _ = stream.set_nonblocking(true);
    let reply = Reply::Failed(WireError::new(
        ErrorKind::Busy,
        format!("the agent is serving {max} callers already"),
    ));
    let _ = (&*stream).write_all(&reply.encode());
}

fn serve(stream: LocalStream, handler: &dyn Handler, request_deadline: Duration) {
    let own = crate::platform::current_user();
    match crate::platform::peer_user(&stream) {
        Some(user) if Some(&user) == own.as_ref() => {}
        other => {
            if let Some(held) = REFUSALS.allow(Instant::now()) {
                tracing::warn!(
                    "agent: refused a connection from uid {other:?}{}",
                    held_back(held)
                );
            }
            return;
        }
    }
    // One request line, all of it before the deadline.
    let Some(line) = read_request(
        &stream,
        None,
        Instant::now() + request_deadline,
        MAX_LINE,
        |line| line.iter().position(|b| *b == b'\n').map(|end| end + 1),
    ) else {
        return;
    };
    // The vault's lines carry secrets: read and answered without an intermediate JSON value.
    if let Some(vault_op) = VaultOp::peek(&line) {
        let answer = match vault_op {
            Ok(op) => {
                let name = op.name();
                handler.vault(op).unwrap_or_else(|| {
                    Err(WireError::new(
                        ErrorKind::Unsupported,
                        // Only the headless agent holds a vault, and it cannot listen while
                        // this one does: `otpilot unlock` would land here again.
                        format!(
                            "the agent on the socket is the tray's, which holds no vault ({name}); quit the tray from its menu, then run `otpilot unlock` to start the vault's agent"
                        ),
                    ))
                })
            }
            Err(op) => Err(WireError::new(
                ErrorKind::Unsupported,
                format!("unknown operation `{op}`"),
            )),
        };
        let _ = (&stream).write_all(&encode_answer(&answer));
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
        Incoming::Request(Request::Credentials {
            profile,
            store,
            notices,
        }) => match (store, handler.serves()) {
            (Some(wanted), Some(served)) if wanted != served => Reply::Failed(WireError::new(
                ErrorKind::WrongStore,
                format!(
                    "this agent serves the {}, but the caller's store is the {}; stop the agent with `otpilot agent --stop`",
                    served.as_str(),
                    wanted.as_str()
                ),
            )),
            _ => {
                let relay = |message: &str| {
                    if notices {
                        let _ = (&stream).write_all(&NoticeLine::encode(message));
                    }
                };
                match handler.credentials_noting(&profile, &relay) {
                    Ok(c) => Reply::Credentials(c),
                    Err(e) => Reply::Failed(WireError::from(&e)),
                }
            }
        },
        Incoming::Request(Request::Forget { profile }) => match handler.forget(&profile) {
            Some(Ok(dropped)) => Reply::Tray(serde_json::json!(Forgot { dropped })),
            Some(Err(e)) => Reply::Failed(WireError::from(&e)),
            None => Reply::Failed(WireError::new(
                ErrorKind::Unsupported,
                "this agent does not forget credentials on request",
            )),
        },
        Incoming::Request(Request::Stop) => match handler.stop() {
            Some(Ok(())) => Reply::Tray(serde_json::json!(true)),
            Some(Err(e)) => Reply::Failed(WireError::from(&e)),
            None => Reply::Failed(WireError::new(
                ErrorKind::Unsupported,
                "this agent is the tray's; quit the tray from its menu to stop it",
            )),
        },
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

/// On Windows, over the named pipe: an answer, and a second agent on the same endpoint
/// refused. (The tests below use the Unix socket's files and modes.)
#[cfg(all(test, windows))]
#[test]
fn on_windows_the_agent_answers_over_its_pipe_and_is_alone_there() {
    struct One;
    impl Handler for One {
        fn credentials(&self, profile: &str) -> Result<Credentials> {
            Ok(Credentials {
                access_key_id: format!("ASIA{profile}"),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration: Some(42),
            })
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/agent.sock");
    let _agent = Agent::start(&path, Arc::new(One)).unwrap();
    let answer = crate::agent::client::credentials(
        &path,
        "admin",
        StoreKind::Keyring,
        Duration::from_secs(5),
        &|_| {},
    );
    match answer {
        crate::agent::client::Answer::Credentials(c) => assert_eq!(c.access_key_id, "ASIAadmin"),
        crate::agent::client::Answer::Failed(e) => panic!("failed: {}", e.message),
        crate::agent::client::Answer::Unavailable(why) => panic!("unavailable: {why}"),
    }
    let second = Agent::start(&path, Arc::new(One))
        .err()
        .unwrap()
        .to_string();
    assert!(second.contains("another otpilot agent"), "{second}");
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::agent::client::{self, Answer, TrayFailure, Unavailable};
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::AtomicUsize;

    struct Fake(AtomicUsize);

    fn ask(path: &Path, profile: &str, timeout: Duration) -> Answer {
        client::credentials(path, profile, StoreKind::Keyring, timeout, &|_| {})
    }

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

    /// A vault agent that says what it is doing before it answers.
    struct Noisy;

    impl Handler for Noisy {
        fn credentials(&self, _profile: &str) -> Result<Credentials> {
            unreachable!("the server asks with notices")
        }

        fn credentials_noting(
            &self,
            profile: &str,
            notices: &(dyn Fn(&str) + Sync),
        ) -> Result<Credentials> {
            notices("waiting 1 s");
            notices("waiting 0 s");
            Fake(AtomicUsize::new(0)).credentials(profile)
        }

        fn serves(&self) -> Option<StoreKind> {
            Some(StoreKind::Vault)
        }

        fn forget(&self, _profile: &str) -> Option<Result<usize>> {
            Some(Ok(3))
        }
    }

    #[test]
    fn notices_come_before_the_answer_and_another_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let _agent = Agent::start(&path, Arc::new(Noisy)).unwrap();
        let heard = std::sync::Mutex::new(Vec::new());
        let note = |m: &str| heard.lock().unwrap().push(m.to_owned());
        match client::credentials(
            &path,
            "admin",
            StoreKind::Vault,
            Duration::from_secs(5),
            &note,
        ) {
            Answer::Credentials(c) => assert_eq!(c.access_key_id, "ASIAadmin"),
            _ => panic!("expected credentials"),
        }
        assert_eq!(*heard.lock().unwrap(), ["waiting 1 s", "waiting 0 s"]);
        // A caller whose store is the keyring works on its own.
        match client::credentials(
            &path,
            "admin",
            StoreKind::Keyring,
            Duration::from_secs(5),
            &note,
        ) {
            Answer::Unavailable(Unavailable::Incompatible(why)) => {
                assert!(why.contains("serves the vault"), "{why}")
            }
            _ => panic!("expected the wrong store to be refused"),
        }
        assert_eq!(client::forget(&path, "admin"), Ok(Forgot { dropped: 3 }));
        match client::stop(&path) {
            Err(TrayFailure::Failed(e)) => assert_eq!(e.kind, ErrorKind::Unsupported),
            other => panic!("expected `unsupported`, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_errors_and_absence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/agent.sock");
        let agent = Agent::start(&path, Arc::new(Fake(AtomicUsize::new(0)))).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        match ask(&path, "admin", Duration::from_secs(5)) {
            Answer::Credentials(c) => {
                assert_eq!(c.access_key_id, "ASIAadmin");
                assert_eq!(c.expiration, Some(42));
            }
            _ => panic!("expected credentials"),
        }
        match ask(&path, "bad", Duration::from_secs(5)) {
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
            ask(&path, "admin", Duration::from_secs(1)),
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
        match ask(&path, "admin", Duration::from_secs(1)) {
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

    #[test]
    fn idle_and_dribbling_callers_cannot_starve_the_agent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let limits = Limits {
            max_connections: 4,
            request_deadline: Duration::from_secs(2),
        };
        let agent = Agent::start_with(&path, Arc::new(Fake(AtomicUsize::new(0))), limits).unwrap();
        let wait_for = |what: &str, done: &dyn Fn() -> bool| {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !done() {
                assert!(Instant::now() < deadline, "timed out waiting for {what}");
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        // Three callers that never send, one that sends a byte every 200 ms (its 45 bytes
        // would take 9 s), and more.
        let idle: Vec<LocalStream> = (0..3)
            .map(|_| LocalStream::connect(&path).unwrap())
            .collect();
        let dribbler = LocalStream::connect(&path).unwrap();
        let dribbling = std::thread::spawn(move || {
            let started = Instant::now();
            for byte in br#"{"v":1,"op":"credentials","profile":"admin"}"# {
                if (&dribbler).write_all(&[*byte]).is_err() {
                    break; // the agent hung up
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            started.elapsed()
        });
        wait_for("four callers served", &|| agent.active_connections() == 4);
        // Beyond the cap: "busy" at once, and the client works on its own.
        match ask(&path, "admin", Duration::from_secs(2)) {
            Answer::Unavailable(Unavailable::Incompatible(why)) => {
                assert!(why.contains("serving 4 callers"), "{why}")
            }
            Answer::Credentials(_) => panic!("expected busy, got credentials"),
            Answer::Failed(e) => panic!("expected busy, got {e:?}"),
            Answer::Unavailable(why) => panic!("expected busy, got {why}"),
        }
        assert!(agent.active_connections() <= 4, "the cap holds");
        // The dribbler is cut off at the deadline, long before its 45 bytes are sent.
        let took = dribbling.join().unwrap();
        assert!(took < Duration::from_secs(6), "dribbled for {took:?}");
        // Once the deadline has passed for everyone, every slot is back and a real request
        // is answered.
        wait_for("the slots to come back", &|| {
            agent.active_connections() == 0
        });
        let started = Instant::now();
        match ask(&path, "admin", Duration::from_secs(2)) {
            Answer::Credentials(c) => assert_eq!(c.access_key_id, "ASIAadmin"),
            _ => panic!("expected credentials once the idle callers were dropped"),
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        wait_for("the last slot", &|| agent.active_connections() == 0);
        drop(idle);
    }
}
