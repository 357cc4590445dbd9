//! `CommandError`: what a failed command returns to the UI, so it can branch on `kind` (the
//! core's [`ErrorKind`]).

use otpilot_core::error::ErrorKind;
use serde::Serialize;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<otpilot_core::Error> for CommandError {
    fn from(e: otpilot_core::Error) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Other, message)
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
