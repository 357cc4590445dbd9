//! `otpilot unlock|lock|agent` and `otpilot vault init|passwd|migrate`: the vault for
//! machines with no desktop keyring, held open by the headless agent.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use otpilot_core::agent::client::{vault as ask, TrayFailure};
use otpilot_core::agent::socket_path;
use otpilot_core::agent::vault_ops::VaultOp;
use otpilot_core::app::headless::{self, Locked, Stopped};
use otpilot_core::error::Error;
use otpilot_core::paths::{ensure_private_dir, Dirs};
use otpilot_core::secret::SecretString;
use otpilot_core::settings::{Settings, StoreKind};
use otpilot_core::store::{KeyringStore, SecretStore};
use otpilot_core::vault::client::AgentVault;
use otpilot_core::vault::file::VaultItems;
use otpilot_core::vault::migrate::migrate;
use zeroize::Zeroizing;

use crate::cli::VaultCommand;
use crate::term;

/// Passphrases shorter than this are refused: the vault file may be copied and attacked
/// offline at leisure.
const MIN_PASSPHRASE: usize = 8;
/// How long `unlock` waits for an agent it started to listen.
const AGENT_START: Duration = Duration::from_secs(10);

pub fn run(dirs: &Dirs, command: VaultCommand) -> Result<()> {
    match command {
        VaultCommand::Init { passphrase_stdin } => init(dirs, passphrase_stdin),
        VaultCommand::Passwd { passphrase_stdin } => passwd(dirs, passphrase_stdin),
        VaultCommand::Migrate { to } => migrate_to(dirs, &to),
    }
}

fn init(dirs: &Dirs, from_stdin: bool) -> Result<()> {
    let path = otpilot_core::vault::path(dirs);
    if otpilot_core::vault::exists(&path) {
        return Err(Error::VaultExists { path }.into());
    }
    // A headless agent still running here holds a vault that is gone (its file removed): it
    // keeps that vault's items and passphrase, and would write them over the new one.
    if let Stopped::Stopped { pid } = headless::stop(dirs)? {
        eprintln!(
            "stopped the headless agent (pid {pid}): it held a vault that is no longer there"
        );
    }
    let passphrase = if from_stdin {
        stdin_lines(1)?.remove(0)
    } else {
        new_passphrase_on_terminal()?
    };
    check_strength(&passphrase)?;
    VaultItems::default().store(&path, &passphrase)?;
    set_store(dirs, StoreKind::Vault)?;
    eprintln!(
        "created the vault {} and made it Otpilot's store (store = \"vault\" in config.toml) for every otpilot of this user, the desktop's tray included; open it with `otpilot unlock`",
        path.display()
    );
    // Seeds left in the keyring are out of reach from now on: bring them along, or say how.
    // (No D-Bus, or no keyring: nothing to say.)
    let left = match KeyringStore::new().keys() {
        Ok(keys) => keys.len(),
        Err(e) => {
            tracing::debug!("no keyring to look in: {e}");
            0
        }
    };
    if left == 0 {
        return Ok(());
    }
    let held = format!(
        "the OS keyring holds {left} of Otpilot's items (seeds, access keys, cached credentials) that the vault does not have"
    );
    // Asked only of a person at the terminal; a script (stdin piped) gets the command.
    let ask = term::stdin_is_terminal() && term::has_terminal();
    if ask && term::confirm(&format!("{held}. Move them into the vault now?"))? {
        // What `otpilot unlock && otpilot vault migrate --to vault` does, with the
        // passphrase just typed.
        open_in_agent(dirs, || Ok(passphrase))?;
        return migrate_into(dirs, StoreKind::Vault);
    }
    eprintln!("{held}; move them with `otpilot unlock && otpilot vault migrate --to vault`");
    Ok(())
}

fn passwd(dirs: &Dirs, from_stdin: bool) -> Result<()> {
    let (current, new) = if from_stdin {
        let mut lines = stdin_lines(2)?;
        let new = lines.remove(1);
        (lines.remove(0), new)
    } else {
        (
            term::prompt_secret("Current vault passphrase: ")?,
            new_passphrase_on_terminal()?,
        )
    };
    check_strength(&new)?;
    AgentVault::new(&socket_path(&dirs.runtime)).ask(&VaultOp::VaultPasswd { current, new })?;
    eprintln!("the vault's passphrase is changed");
    Ok(())
}

fn migrate_to(dirs: &Dirs, to: &str) -> Result<()> {
    let Some(target) = StoreKind::parse(to) else {
        bail!("--to takes `vault` or `keyring`, not `{to}`");
    };
    migrate_into(dirs, target)
}

fn migrate_into(dirs: &Dirs, target: StoreKind) -> Result<()> {
    let vault = AgentVault::new(&socket_path(&dirs.runtime));
    let keyring = KeyringStore::new();
    // The vault must be open either way: it is the source or the destination.
    vault.ask(&VaultOp::VaultStatus).and_then(|s| {
        if s.unlocked {
            Ok(())
        } else {
            Err(Error::VaultLocked)
        }
    })?;
    let (from, into): (&dyn SecretStore, &dyn SecretStore) = match target {
        StoreKind::Vault => (&keyring, &vault),
        StoreKind::Keyring => (&vault, &keyring),
    };
    let done = migrate(from, into)?;
    set_store(dirs, target)?;
    eprintln!(
        "moved {} items into the {} ({} were there already) and made it Otpilot's store",
        done.moved,
        target.as_str(),
        done.already_there
    );
    // The headless agent serves only the vault: with the keyring as the store it would hold
    // an emptied vault open and answer callers from it.
    if target == StoreKind::Keyring {
        match headless::stop(dirs)? {
            Stopped::Stopped { pid } => {
                eprintln!("stopped the headless agent (pid {pid}): the keyring needs none")
            }
            Stopped::NoAgent | Stopped::Tray => {}
        }
    }
    Ok(())
}

/// Writes `store` into config.toml, keeping the other settings.
fn set_store(dirs: &Dirs, store: StoreKind) -> Result<()> {
    let mut settings = Settings::load(&dirs.config)?;
    settings.store = store;
    settings.save(&dirs.config)?;
    Ok(())
}

pub fn unlock(dirs: &Dirs, from_stdin: bool) -> Result<()> {
    open_in_agent(dirs, || {
        if from_stdin {
            Ok(stdin_lines(1)?.remove(0))
        } else {
            term::prompt_secret("Vault passphrase: ")
        }
    })
}

/// Opens the vault in the headless agent, starting one when none answers; `passphrase` is
/// asked for only when the vault is not open already.
fn open_in_agent(dirs: &Dirs, passphrase: impl FnOnce() -> Result<SecretString>) -> Result<()> {
    let path = otpilot_core::vault::path(dirs);
    if !otpilot_core::vault::exists(&path) {
        return Err(Error::VaultMissing { path }.into());
    }
    let socket = socket_path(&dirs.runtime);
    let start = match ask(&socket, &VaultOp::VaultStatus) {
        Ok(status) if status.unlocked => {
            eprintln!("the vault is already unlocked");
            return Ok(());
        }
        Ok(_) => false,
        // No agent (or not one that holds a vault): start ours.
        Err(TrayFailure::Unavailable(_)) => true,
        Err(TrayFailure::Failed(e)) => bail!("{}", e.message),
    };
    // The passphrase first: with nobody to ask, no agent is left behind holding a locked vault.
    let passphrase = passphrase()?;
    if start {
        start_agent(dirs, &socket)?;
    }
    let opened = match AgentVault::new(&socket).ask(&VaultOp::VaultUnlock { passphrase }) {
        Ok(opened) => opened,
        Err(e) => {
            // An agent this call started and could not unlock is of no use to anyone.
            if start {
                let _ = headless::stop(dirs);
            }
            return Err(e.into());
        }
    };
    if opened.locks_in_seconds > 0 {
        eprintln!(
            "unlocked; the agent locks the vault after {} idle",
            otpilot_core::clock::span(opened.locks_in_seconds)
        );
    } else {
        eprintln!("unlocked");
    }
    Ok(())
}

pub fn lock(dirs: &Dirs) -> Result<()> {
    // Only where there is a hot cache (the kernel keyring) is there a copy to drop.
    let hot = if otpilot_core::platform::HOT_CACHE {
        "; the kernel keyring's copies of cached credentials are dropped"
    } else {
        ""
    };
    match headless::lock(dirs)? {
        Locked::Vault => eprintln!("locked the vault{hot}"),
        Locked::NoAgent => eprintln!("no agent is running, so no vault is open{hot}"),
        Locked::NoVault => eprintln!("the running agent is the tray's and holds no vault{hot}"),
    }
    Ok(())
}

/// `otpilot agent --stop`.
pub fn stop_agent(dirs: &Dirs) -> Result<()> {
    match headless::stop(dirs)? {
        Stopped::Stopped { pid } => {
            eprintln!("stopped the headless agent (pid {pid}); the vault is locked")
        }
        Stopped::NoAgent => eprintln!("no agent is running"),
        Stopped::Tray => {
            bail!("the agent on the socket is the tray's; quit the tray from its menu to stop it")
        }
    }
    Ok(())
}

/// `otpilot agent`: serves until SIGTERM, SIGINT or SIGHUP.
pub fn agent(dirs: Dirs) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    crate::os::stop_on_signals(&stop)?;
    otpilot_core::app::headless::run(dirs, &stop)?;
    Ok(())
}

/// Starts `otpilot agent` in its own session (it outlives this command and the terminal),
/// its log in the state directory, and waits until it answers.
fn start_agent(dirs: &Dirs, socket: &Path) -> Result<()> {
    ensure_private_dir(&dirs.state)?;
    let log_path = dirs.state.join("agent.log");
    let log = crate::os::open_private_log(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let exe = std::env::current_exe().context("cannot find the otpilot binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("agent")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // It outlives this command and the terminal it ran in.
    crate::os::detach(&mut cmd);
    let mut child = cmd.spawn().context("cannot start the agent")?;
    let deadline = Instant::now() + AGENT_START;
    while Instant::now() < deadline {
        if ask(socket, &VaultOp::VaultStatus).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            bail!(
                "the agent stopped at start ({status}); see {}",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!(
        "the agent did not start listening within {} s; see {}",
        AGENT_START.as_secs(),
        log_path.display()
    )
}

fn new_passphrase_on_terminal() -> Result<SecretString> {
    let first = term::prompt_secret("New vault passphrase: ")?;
    let second = term::prompt_secret("The same passphrase again: ")?;
    if first.expose() != second.expose() {
        bail!("the two passphrases differ; nothing was changed");
    }
    Ok(first)
}

fn check_strength(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose().chars().count() < MIN_PASSPHRASE {
        bail!("choose a passphrase of at least {MIN_PASSPHRASE} characters; nothing was changed");
    }
    Ok(())
}

/// The first `n` lines of stdin, without their line endings.
fn stdin_lines(n: usize) -> Result<Vec<SecretString>> {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut line = Zeroizing::new(String::new());
        lock.read_line(&mut line)
            .context("cannot read the passphrase from stdin")?;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            bail!("expected {n} passphrase line(s) on stdin, got {i}; nothing was changed");
        }
        out.push(SecretString::from(text));
    }
    Ok(out)
}
