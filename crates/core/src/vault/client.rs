//! The secret store of every otpilot but the agent when `store = "vault"`: each get, set and
//! delete is a request to the headless agent, which holds the unlocked vault and alone
//! writes it. No agent, or a locked one, is one error that says `otpilot unlock`.

use std::path::{Path, PathBuf};

use crate::agent::client::{vault, TrayFailure};
use crate::agent::vault_ops::{VaultOp, VaultResult};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::{SecretBytes, SecretString};
use crate::store::SecretStore;

pub struct AgentVault {
    socket: PathBuf,
}

impl AgentVault {
    pub fn new(socket: &Path) -> Self {
        Self {
            socket: socket.to_owned(),
        }
    }

    /// Runs `op`; a missing agent and a locked vault both read as [`Error::VaultLocked`].
    pub fn ask(&self, op: &VaultOp) -> Result<VaultResult> {
        vault(&self.socket, op).map_err(|failure| match failure {
            TrayFailure::Unavailable(_) => Error::VaultLocked,
            TrayFailure::Failed(e) => match e.kind {
                ErrorKind::VaultLocked => Error::VaultLocked,
                ErrorKind::WrongPassword => Error::VaultWrongPassphrase,
                _ => Error::Vault(e.message),
            },
        })
    }
}

impl SecretStore for AgentVault {
    fn get(&self, key: &str) -> Result<Option<SecretBytes>> {
        let answer = self.ask(&VaultOp::VaultGet {
            key: key.to_owned(),
        })?;
        answer
            .secret
            .map(|b64| {
                data_encoding::BASE64
                    .decode(b64.expose().as_bytes())
                    .map(SecretBytes::new)
                    .map_err(|_| Error::Vault("the agent sent an item that is not base64".into()))
            })
            .transpose()
    }

    fn set(&self, key: &str, label: &str, secret: &[u8]) -> Result<()> {
        self.ask(&VaultOp::VaultSet {
            key: key.to_owned(),
            label: label.to_owned(),
            secret: SecretString::new(data_encoding::BASE64.encode(secret)),
        })
        .map(drop)
    }

    fn delete(&self, key: &str) -> Result<bool> {
        Ok(self
            .ask(&VaultOp::VaultDelete {
                key: key.to_owned(),
            })?
            .deleted)
    }

    fn keys(&self) -> Result<Vec<String>> {
        Ok(self.ask(&VaultOp::VaultKeys)?.keys)
    }
}
