//! One file per command. Each takes its parsed arguments and a [`Ctx`], and returns
//! `anyhow::Result` for `main` to print.

mod account;
mod account_org;
mod code;
mod completions;
mod console;
mod credential_process;
mod device;
mod device_import;
mod doctor;
mod exec;
mod export;
mod keys;
pub mod log;
mod mfa;
mod obtain;
mod policy;
mod profile;
mod vault;

use anyhow::Result;
use otpilot_core::app::Session;
use otpilot_core::audit::AuditLog;
use otpilot_core::device::Devices;
use otpilot_core::paths::Dirs;

use crate::cli::{Cli, Command};
use crate::term::TerminalInteraction;

/// What every command needs: the core's session, talking to the person on the terminal (the
/// keyring is connected on first use).
pub struct Ctx {
    pub session: Session,
}

impl Ctx {
    fn from_env() -> Result<Self> {
        Ok(Self::from_dirs(Dirs::from_env()?))
    }

    fn from_dirs(dirs: Dirs) -> Self {
        Self {
            session: Session::builder(dirs, "cli")
                .interaction(Box::new(TerminalInteraction))
                .build(),
        }
    }

    /// For a command that stays up and hands out credentials many times (`exec --server`):
    /// it keeps them in memory while fresh.
    fn long_lived() -> Result<Self> {
        Ok(Self {
            session: Session::builder(Dirs::from_env()?, "cli")
                .interaction(Box::new(TerminalInteraction))
                .remember_credentials()
                .build(),
        })
    }

    pub fn audit(&self) -> AuditLog {
        self.session.audit()
    }

    pub fn devices(&self) -> Devices<'_> {
        self.session.devices()
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Completions { shell } => completions::run(shell),
        Command::Device(command) => device::run(&Ctx::from_env()?, command),
        Command::Code(args) => code::run(&Ctx::from_env()?, args),
        Command::CredentialProcess { profile } => {
            credential_process::run(&Ctx::from_env()?, profile)
        }
        Command::Export(args) => export::run(&Ctx::from_env()?, args),
        Command::Exec(args) if args.server => exec::serve(Ctx::long_lived()?, args),
        Command::Exec(args) => exec::run(&Ctx::from_env()?, args),
        Command::Console(args) => console::run(&Ctx::from_env()?, args),
        Command::Keys(command) => keys::run(&Ctx::from_env()?, command),
        Command::Profile(command) => profile::run(&Ctx::from_env()?, command),
        Command::Mfa(command) => mfa::run(&Ctx::from_env()?, command),
        Command::Account(command) => account::run(&Ctx::from_env()?, command),
        Command::Doctor { profile, json } => doctor::run(&Ctx::from_env()?, profile, json),
        Command::Policy(command) => policy::run(command),
        Command::Log { limit, json } => log::run(&Ctx::from_env()?, limit, json),
        Command::Unlock { passphrase_stdin } => vault::unlock(&Dirs::from_env()?, passphrase_stdin),
        Command::Lock => vault::lock(&Dirs::from_env()?),
        Command::Vault(command) => vault::run(&Dirs::from_env()?, command),
        Command::Agent { stop: false } => vault::agent(Dirs::from_env()?),
        Command::Agent { stop: true } => vault::stop_agent(&Dirs::from_env()?),
    }
}
