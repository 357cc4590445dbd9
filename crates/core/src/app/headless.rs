//! `otpilot agent`: the headless agent, for machines with no desktop keyring (WSL, SSH,
//! servers). It holds the unlocked vault in memory ([`VaultHolder`]) and serves the same
//! socket and protocol as the tray: `credential_process` for callers with no terminal, and
//! the vault's operations for every other otpilot, since only the agent writes the vault.
//! After `vault_idle_lock_seconds` without use it locks itself.
//!
//! The process is made non-dumpable at start like every otpilot (no core file, no ptrace by
//! the user's other processes), and the vault's items are kept out of swap where the OS
//! allows ([`crate::secret::SecretBytes`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::Session;
use crate::agent::client::{self, TrayFailure};
use crate::agent::protocol::WireError;
use crate::agent::server::{Agent, Handler};
use crate::agent::vault_ops::{VaultAnswer, VaultOp};
use crate::cache::CredentialsCache;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::paths::Dirs;
use crate::secret::SecretString;
use crate::settings::StoreKind;
use crate::store::SecretStore;
use crate::vault::holder::VaultHolder;

/// How often the idle lock looks at the clock.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// How long `otpilot agent --stop` waits for the agent to let go of its socket.
const STOP_WAIT: Duration = Duration::from_secs(10);
/// How long a stopping agent lets the callers it is answering finish.
const STOP_DRAIN: Duration = Duration::from_secs(2);

struct Headless {
    session: Session,
    holder: Arc<VaultHolder>,
    dirs: Dirs,
    /// Told when a caller asks the agent to stop.
    stop: Mutex<mpsc::Sender<()>>,
}

/// Drops every hot copy of cached credentials from the kernel keyring: the next call reads
/// the store (a locked vault answers nothing, a desktop keyring answers as before).
fn drop_hot_copies(dirs: &Dirs) {
    CredentialsCache::new(&dirs.cache, &NoStore).forget_hot_copies();
}

impl Headless {
    /// Locks the vault and drops the kernel keyring's hot copies of cached credentials, so
    /// nothing is served until the next unlock.
    fn lock(&self) -> bool {
        let was = self.holder.lock();
        drop_hot_copies(&self.dirs);
        // Credentials this process remembered go too.
        self.session.forget_remembered();
        was
    }

    fn answer(&self, op: VaultOp) -> Result<VaultAnswer> {
        let idle_lock = self
            .session
            .settings()
            .map(|s| s.vault_idle_lock_seconds)
            .unwrap_or_default();
        let locks_in = |holder: &VaultHolder| match (holder.idle_seconds(), idle_lock) {
            (Some(idle), limit) if limit > 0 => limit.saturating_sub(idle),
            _ => 0,
        };
        Ok(match op {
            VaultOp::VaultUnlock { passphrase } => {
                self.holder.unlock(passphrase)?;
                VaultAnswer {
                    unlocked: true,
                    locks_in_seconds: locks_in(&self.holder),
                    ..Default::default()
                }
            }
            VaultOp::VaultLock => {
                self.lock();
                VaultAnswer::default()
            }
            VaultOp::VaultStatus => VaultAnswer {
                unlocked: self.holder.is_unlocked(),
                locks_in_seconds: locks_in(&self.holder),
                pid: std::process::id(),
                store: Some(StoreKind::Vault),
                ..Default::default()
            },
            VaultOp::VaultGet { key } => VaultAnswer {
                secret: self
                    .holder
                    .get(&key)?
                    .map(|s| SecretString::new(data_encoding::BASE64.encode(s.expose()))),
                unlocked: true,
                ..Default::default()
            },
            VaultOp::VaultSet { key, label, secret } => {
                let bytes = zeroize::Zeroizing::new(
                    data_encoding::BASE64
                        .decode(secret.expose().as_bytes())
                        .map_err(|_| Error::Vault("the item sent is not base64".into()))?,
                );
                self.holder.set(&key, &label, &bytes)?;
                VaultAnswer {
                    unlocked: true,
                    ..Default::default()
                }
            }
            VaultOp::VaultDelete { key } => VaultAnswer {
                deleted: self.holder.delete(&key)?,
                unlocked: true,
                ..Default::default()
            },
            VaultOp::VaultKeys => VaultAnswer {
                keys: self.holder.keys()?,
                unlocked: true,
                ..Default::default()
            },
            VaultOp::VaultPasswd { current, new } => {
                self.holder.passwd(&current, new)?;
                VaultAnswer {
                    unlocked: true,
                    ..Default::default()
                }
            }
        })
    }
}

impl Handler for Headless {
    fn credentials(&self, profile: &str) -> Result<Credentials> {
        self.credentials_noting(profile, &|_| {})
    }

    fn credentials_noting(
        &self,
        profile: &str,
        notices: &(dyn Fn(&str) + Sync),
    ) -> Result<Credentials> {
        if !self.holder.is_unlocked() {
            return Err(Error::VaultLocked);
        }
        self.session.credentials_noting(profile, notices)
    }

    /// Always the vault: a caller whose store is the keyring (after `vault migrate --to
    /// keyring`) hears so and works on its own.
    fn serves(&self) -> Option<StoreKind> {
        Some(StoreKind::Vault)
    }

    fn forget(&self, profile: &str) -> Option<Result<usize>> {
        Some(self.session.forget_profile(profile))
    }

    fn stop(&self) -> Option<Result<()>> {
        self.lock();
        let _ = self
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(());
        Some(Ok(()))
    }

    fn vault(&self, op: VaultOp) -> Option<std::result::Result<VaultAnswer, WireError>> {
        Some(self.answer(op).map_err(|e| WireError::from(&e)))
    }
}

/// A store with nothing in it: forgetting hot copies reads no secret.
struct NoStore;

impl SecretStore for NoStore {
    fn get(&self, _key: &str) -> Result<Option<crate::secret::SecretBytes>> {
        Ok(None)
    }
    fn set(&self, _key: &str, _label: &str, _secret: &[u8]) -> Result<()> {
        Ok(())
    }
    fn delete(&self, _key: &str) -> Result<bool> {
        Ok(false)
    }
    fn keys(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// Serves until `stop` is set (a signal) or a caller asks it to stop: the socket is then
/// removed and the vault locked. Refuses to start without a vault, or when an agent (or the
/// tray) already listens. Hot copies left by an earlier agent (killed, so it could not lock)
/// are dropped at start: a fresh agent's vault is locked, and nothing may be served from it.
pub fn run(dirs: Dirs, stop: &AtomicBool) -> Result<()> {
    let path = crate::vault::path(&dirs);
    if !crate::vault::exists(&path) {
        return Err(Error::VaultMissing { path });
    }
    let holder = Arc::new(VaultHolder::new(&path));
    let session = Session::builder(dirs.clone(), "agent")
        .store(Box::new(holder.clone()))
        .remember_credentials()
        .build();
    let (asked_to_stop, stop_requests) = mpsc::channel();
    let headless = Arc::new(Headless {
        session,
        holder: holder.clone(),
        dirs: dirs.clone(),
        stop: Mutex::new(asked_to_stop),
    });
    let agent = Agent::start(&crate::agent::socket_path(&dirs.runtime), headless.clone())?;
    drop_hot_copies(&dirs);
    tracing::info!("headless agent on {}", agent.path().display());
    while !stop.load(Ordering::SeqCst) {
        match stop_requests.recv_timeout(IDLE_CHECK) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                tracing::info!("stopping: a caller asked");
                // The asking caller's answer is written on its connection's thread after the
                // request reached us: let it (and any caller in flight) finish before the
                // socket goes, or the caller reads no answer and takes it for no agent.
                let deadline = Instant::now() + STOP_DRAIN;
                while agent.active_connections() > 0 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                }
                break;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let limit = headless
            .session
            .settings()
            .map(|s| s.vault_idle_lock_seconds)
            .unwrap_or_default();
        if limit > 0 && holder.idle_seconds().is_some_and(|idle| idle >= limit) {
            tracing::info!("vault locked after {limit} s idle");
            headless.lock();
        }
    }
    drop(agent);
    headless.lock();
    Ok(())
}

/// What `otpilot lock` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// The headless agent locked its vault.
    Vault,
    /// No agent is running: no vault is open.
    NoAgent,
    /// The agent is the tray's, which holds no vault.
    NoVault,
}

/// `otpilot lock`: the headless agent locks its vault, and the kernel keyring's hot copies of
/// cached credentials are dropped whether or not an agent runs (an agent killed with
/// SIGKILL could not drop them, and they would keep serving for hours).
pub fn lock(dirs: &Dirs) -> Result<Locked> {
    let socket = crate::agent::socket_path(&dirs.runtime);
    let locked = match client::vault(&socket, &VaultOp::VaultLock) {
        Ok(_) => Locked::Vault,
        Err(TrayFailure::Unavailable(why)) => {
            tracing::debug!("no agent to lock ({why})");
            Locked::NoAgent
        }
        Err(TrayFailure::Failed(e)) if e.kind == crate::error::ErrorKind::Unsupported => {
            Locked::NoVault
        }
        Err(TrayFailure::Failed(e)) => {
            drop_hot_copies(dirs);
            return Err(Error::Vault(e.message));
        }
    };
    drop_hot_copies(dirs);
    Ok(locked)
}

/// What `otpilot agent --stop` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The headless agent (this pid) locked its vault and stopped.
    Stopped { pid: u32 },
    /// No agent is running.
    NoAgent,
    /// The agent is the tray's: it quits from its menu.
    Tray,
}

/// Stops the headless agent and waits until it has let go of its socket.
pub fn stop(dirs: &Dirs) -> Result<Stopped> {
    let socket = crate::agent::socket_path(&dirs.runtime);
    let pid = client::vault(&socket, &VaultOp::VaultStatus)
        .map(|s| s.pid)
        .unwrap_or_default();
    match client::stop(&socket) {
        Ok(()) => {
            wait_gone(&socket)?;
            Ok(Stopped::Stopped { pid })
        }
        Err(TrayFailure::Unavailable(why)) => {
            tracing::debug!("no agent to stop ({why})");
            Ok(Stopped::NoAgent)
        }
        Err(TrayFailure::Failed(e)) if e.kind == crate::error::ErrorKind::Unsupported => {
            Ok(Stopped::Tray)
        }
        Err(TrayFailure::Failed(e)) => Err(Error::Vault(e.message)),
    }
}

fn wait_gone(socket: &Path) -> Result<()> {
    let deadline = Instant::now() + STOP_WAIT;
    while socket.exists() {
        if Instant::now() >= deadline {
            return Err(Error::Vault(format!(
                "the agent was asked to stop but still holds {} after {} s",
                socket.display(),
                STOP_WAIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
