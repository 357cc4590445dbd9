//! One file per command. Each takes its parsed arguments and a [`Ctx`], and returns
//! `anyhow::Result` for `main` to print.

mod code;
mod completions;
mod device;

use anyhow::Result;
use otpilot_core::device::Devices;
use otpilot_core::paths::Dirs;
use otpilot_core::store::KeyringStore;

use crate::cli::{Cli, Command};

/// What every command needs: where files live, and the keyring (connected on first use).
pub struct Ctx {
    pub dirs: Dirs,
    pub keyring: KeyringStore,
}

impl Ctx {
    fn from_env() -> Result<Self> {
        Ok(Self {
            dirs: Dirs::from_env()?,
            keyring: KeyringStore::new(),
        })
    }

    pub fn devices(&self) -> Devices<'_> {
        Devices::new(&self.dirs.config, &self.keyring)
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Completions { shell } => completions::run(shell),
        Command::Device(command) => device::run(&Ctx::from_env()?, command),
        Command::Code(args) => code::run(&Ctx::from_env()?, args),
    }
}
