//! One file per command. Each takes its parsed arguments and a [`Ctx`], and returns
//! `anyhow::Result` for `main` to print.

mod code;
mod completions;
mod console;
mod credential_process;
mod device;
mod doctor;
mod keys;
mod log;
mod mfa;
mod policy;
mod profile;

use anyhow::Result;
use otpilot_core::audit::AuditLog;
use otpilot_core::device::Devices;
use otpilot_core::paths::Dirs;
use otpilot_core::store::KeyringStore;

use otpilot_core::aws::profile::AwsFiles;
use otpilot_core::aws::sts::StsApi;
use otpilot_core::broker::Broker;
use otpilot_core::mfa::Interaction;
use otpilot_core::settings::Settings;

use crate::cli::{Cli, Command};

/// What every command needs: where files live, and the keyring (connected on first use).
pub struct Ctx {
    pub dirs: Dirs,
    pub keyring: KeyringStore,
}

impl Ctx {
    fn from_env() -> Result<Self> {
        Ok(Self::from_dirs(Dirs::from_env()?))
    }

    fn from_dirs(dirs: Dirs) -> Self {
        Self {
            dirs,
            keyring: KeyringStore::new(),
        }
    }

    pub fn audit(&self) -> AuditLog {
        AuditLog::new(&self.dirs.state, "cli")
    }

    pub fn devices(&self) -> Devices<'_> {
        Devices::new(&self.dirs.config, &self.keyring)
    }

    pub fn broker<'a>(
        &'a self,
        sts: &'a dyn StsApi,
        ui: &'a dyn Interaction,
    ) -> Result<Broker<'a>> {
        Ok(Broker {
            dirs: &self.dirs,
            files: AwsFiles::from_env()?,
            store: &self.keyring,
            sts,
            ui,
            settings: Settings::load(&self.dirs.config)?,
            audit: self.audit(),
        })
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Completions { shell } => completions::run(shell),
        Command::Device(command) => device::run(&Ctx::from_env()?, command),
        Command::Code(args) => code::run(&Ctx::from_env()?, args),
        Command::CredentialProcess { profile } => credential_process::run(profile),
        Command::Console(args) => console::run(&Ctx::from_env()?, args),
        Command::Keys(command) => keys::run(&Ctx::from_env()?, command),
        Command::Profile(command) => profile::run(&Ctx::from_env()?, command),
        Command::Mfa(command) => mfa::run(&Ctx::from_env()?, command),
        Command::Doctor { profile, json } => doctor::run(&Ctx::from_env()?, profile, json),
        Command::Policy(command) => policy::run(command),
        Command::Log { limit, json } => log::run(&Ctx::from_env()?, limit, json),
    }
}
