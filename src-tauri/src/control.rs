//! What the window asks of the tray. The window is its own process (so the tray never loads a
//! web engine and idles small); the things that must outlive it or that the tray owns go
//! through the tray's agent socket: the clipboard (an X11 selection dies with its owner),
//! watched profiles' state, refreshes and console sign-ins (which may ask for a code in a tray
//! dialog), and the effects of saving settings (the global shortcut, the menu).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use otpilot_core::agent::{self, client::ControlFailure, protocol::WireError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::CommandError;
use crate::freshness::ProfileState;

/// One operation, as `{"op": ..., "args": {...}}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum Op {
    /// Open (or raise) the window: a second `otpilot-tray`, or `otpilot-tray --open`.
    OpenWindow,
    /// Copy a device's code; answers the seconds until the clipboard is cleared.
    CopyCode { device: String },
    /// Fresh credentials for a profile now, even if the cached ones are fine.
    Refresh { profile: String },
    /// Sign a profile in to the AWS console and open the browser.
    OpenConsole {
        profile: String,
        service: Option<String>,
        region: Option<String>,
    },
    /// What the tray knows of each watched profile.
    ProfileStates,
    /// Make `accelerator` the global shortcut (none when `None`); refused shortcuts are
    /// errors, so the window can keep them out of the settings.
    ApplyShortcut { accelerator: Option<String> },
    /// Settings or devices changed on disk: redraw the menu, look at watched profiles again,
    /// apply start at login.
    Changed,
}

pub type ProfileStates = HashMap<String, ProfileState>;

impl Op {
    /// How long the window waits for the answer: a refresh or a sign-in may wait for a code
    /// typed into a tray dialog.
    fn timeout(&self) -> Duration {
        match self {
            Op::Refresh { .. } | Op::OpenConsole { .. } => Duration::from_secs(180),
            Op::ApplyShortcut { .. } => Duration::from_secs(15),
            _ => Duration::from_secs(10),
        }
    }

    /// Splits the operation into the agent's `op` and `args`.
    fn to_wire(&self) -> (String, serde_json::Value) {
        let mut value = serde_json::to_value(self).expect("operations serialise");
        let op = value["op"].as_str().expect("tagged").to_owned();
        let args = value
            .get_mut("args")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        (op, args)
    }

    /// The operation the agent received, if it is one of ours.
    pub fn from_wire(op: &str, args: serde_json::Value) -> Option<Op> {
        let mut value = serde_json::json!({ "op": op });
        if !args.is_null() {
            value["args"] = args;
        }
        serde_json::from_value(value).ok()
    }
}

/// Asks the tray (whose runtime dir is `runtime_dir`) to do `op`.
pub fn call<T: DeserializeOwned>(runtime_dir: &Path, op: &Op) -> Result<T, CommandError> {
    let (name, args) = op.to_wire();
    let socket = agent::socket_path(runtime_dir);
    match agent::client::control(&socket, &name, args, op.timeout()) {
        Ok(value) => serde_json::from_value(value)
            .map_err(|e| CommandError::other(format!("the tray's answer to {name} is odd: {e}"))),
        Err(ControlFailure::Failed(WireError { kind, message })) => {
            Err(CommandError { kind, message })
        }
        Err(ControlFailure::Unavailable(why)) => Err(CommandError {
            kind: "tray_not_running".into(),
            message: format!("the Otpilot tray is not running ({why}); start it with otpilot-tray"),
        }),
    }
}

/// Asks the tray to do `op`, for no answer but success.
pub fn tell(runtime_dir: &Path, op: &Op) -> Result<(), CommandError> {
    call::<serde::de::IgnoredAny>(runtime_dir, op).map(drop)
}

#[cfg(test)]
mod tests {
    use super::Op;

    #[test]
    fn operations_round_trip_through_the_wire_form() {
        for op in [
            Op::OpenWindow,
            Op::CopyCode {
                device: "work".into(),
            },
            Op::OpenConsole {
                profile: "prod".into(),
                service: Some("s3".into()),
                region: None,
            },
            Op::ProfileStates,
            Op::ApplyShortcut { accelerator: None },
            Op::Changed,
        ] {
            let (name, args) = op.to_wire();
            assert_eq!(Op::from_wire(&name, args), Some(op));
        }
        assert_eq!(Op::from_wire("dance", serde_json::Value::Null), None);
        assert_eq!(Op::from_wire("copy_code", serde_json::json!({})), None);
    }
}
