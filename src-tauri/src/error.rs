//! `CommandError`: what a failed command returns to the UI, so it can branch on `kind`
//! (the core's stable error kinds: "keyring_locked", "no_keyring", "not_found", ...).

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: String,
    pub message: String,
}

impl From<otpilot_core::Error> for CommandError {
    fn from(e: otpilot_core::Error) -> Self {
        Self {
            kind: e.kind().to_owned(),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            kind: "other".into(),
            message: message.into(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
