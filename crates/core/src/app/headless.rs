//! `otpilot agent`: the headless agent, for machines with no desktop keyring (WSL, SSH,
//! servers). It holds the unlocked vault in memory ([`VaultHolder`]) and serves the same
//! socket and protocol as the tray: `credential_process` for callers with no terminal, and
//! the vault's operations for every other otpilot, since only the agent writes the vault.
//! After `vault_idle_lock_seconds` without use it locks itself.
//!
//! The process is made non-dumpable at start like every otpilot (no core file, no ptrace by
//! the user's other processes), and the vault's items are kept out of swap where the OS
//! allows ([`crate::secret::SecretBytes`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::agent::protocol::WireError;
use crate::agent::server::{Agent, Handler};
use crate::agent::vault_ops::{VaultAnswer, VaultOp};
use crate::cache::CredentialsCache;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::paths::Dirs;
use crate::secret::SecretString;
use crate::store::SecretStore;
use crate::vault::holder::VaultHolder;

/// How often the idle lock looks at the clock.
const IDLE_CHECK: Duration = Duration::from_secs(1);

struct Headless {
    session: Session,
    holder: Arc<VaultHolder>,
    dirs: Dirs,
}

impl Headless {
    /// Locks the vault and drops the kernel keyring's hot copies of cached credentials, so
    /// nothing is served until the next unlock.
    fn lock(&self) -> bool {
        let was = self.holder.lock();
        CredentialsCache::new(&self.dirs.cache, &NoStore).forget_hot_copies();
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
        if !self.holder.is_unlocked() {
            return Err(Error::VaultLocked);
        }
        self.session.credentials(profile)
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

/// Serves until `stop` is set (a signal): the socket is then removed and the vault locked.
/// Refuses to start without a vault, or when an agent (or the tray) already listens.
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
    let headless = Arc::new(Headless {
        session,
        holder: holder.clone(),
        dirs: dirs.clone(),
    });
    let agent = Agent::start(&crate::agent::socket_path(&dirs.runtime), headless.clone())?;
    tracing::info!("headless agent on {}", agent.path().display());
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(IDLE_CHECK);
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
