//! The local agent: the running tray answers `credential_process` requests from memory over
//! a Unix socket, so `otpilot credential-process` costs a connect and a read instead of a
//! keyring session, and a caller with no terminal can still get an MFA code typed into a
//! tray dialog.
//!
//! Safety: the socket lives in the user's 0700 runtime dir with mode 0600; the server checks
//! each peer's uid (SO_PEERCRED) and the client refuses a socket that another user owns or
//! that others could write to, falling back to doing the work itself.

pub mod client;
pub mod protocol;
pub mod server;
pub mod vault_ops;

use std::path::{Path, PathBuf};

/// Where the agent listens.
pub fn socket_path(runtime_dir: &Path) -> PathBuf {
    runtime_dir.join("agent.sock")
}

pub use crate::env::NO_AGENT as NO_AGENT_ENV;
