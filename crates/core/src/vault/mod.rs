//! Otpilot without a desktop keyring (WSL, SSH sessions, headless boxes): every secret in
//! one passphrase-encrypted file (`file`), held open in memory by the headless agent
//! (`holder`, served by `otpilot agent`), and reached by every other otpilot through the
//! agent (`client`), since only the agent writes the vault.
//!
//! Chosen with `store = "vault"` in `config.toml`, or `OTPILOT_STORE=vault`.

pub mod client;
pub mod file;
pub mod holder;
pub mod migrate;

use std::path::{Path, PathBuf};

use crate::paths::Dirs;

/// The vault file: `$XDG_DATA_HOME/otpilot/vault.age` (default `~/.local/share/otpilot`).
pub fn path(dirs: &Dirs) -> PathBuf {
    dirs.data.join("vault.age")
}

/// Whether `path` holds a vault.
pub fn exists(path: &Path) -> bool {
    path.is_file()
}
