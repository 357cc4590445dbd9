//! The agent's wire protocol, version 1: one JSON object per line, one request per
//! connection. In code every request, answer and error kind is a typed enum; the JSON below is
//! only how they travel, and no decision anywhere is taken on a message's text.
//!
//! ```text
//! -> {"v":1,"op":"credentials","profile":"admin"}
//! <- {"v":1,"ok":true,"credentials":{"access_key_id":"ASIA…","secret_access_key":"…","session_token":"…","expiration":1795341600}}
//! <- {"v":1,"ok":false,"error":{"kind":"no_mfa_code","message":"…"}}
//! ```
//! A server that does not speak the client's version answers `unsupported_version`, and one
//! that does not know an operation answers `unsupported`; the client then does the work itself.
//!
//! A credentials request may name the store the caller uses (`"store":"keyring"`); an agent
//! that serves another answers `wrong_store`, and the caller does the work itself. A caller
//! that says `"notices":true` may receive notice lines before the answer, for the person
//! ("waiting 12 s for a fresh MFA code …"), which it passes on:
//!
//! ```text
//! -> {"v":1,"op":"credentials","profile":"admin","store":"vault","notices":true}
//! <- {"v":1,"notice":"waiting 12 s for a fresh MFA code for arn:…: AWS accepts each code only once"}
//! <- {"v":1,"ok":true,"credentials":{…}}
//! -> {"v":1,"op":"forget","profile":"admin"}
//! <- {"v":1,"ok":true,"result":{"dropped":1}}
//! -> {"v":1,"op":"stop"}
//! <- {"v":1,"ok":true,"result":true}
//! ```
//!
//! The tray's window (a separate process, so the tray itself never loads a web engine) uses
//! the same socket for the tray's own operations ([`TrayOp`]), with arguments and a result:
//!
//! ```text
//! -> {"v":1,"op":"copy_code","args":{"device":"work"}}
//! <- {"v":1,"ok":true,"result":20}
//! ```

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::error::ErrorKind;
use crate::secret::SecretString;
use crate::settings::StoreKind;

pub const VERSION: u32 = 1;
/// Requests are tiny; anything longer is not a client of ours.
pub const MAX_LINE: usize = 64 * 1024;

/// What a client asks the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A profile's credentials, as `credential_process` hands them out. `store`: the store
    /// the caller uses (an agent serving another refuses); `notices`: the caller reads notice
    /// lines before the answer.
    Credentials {
        profile: String,
        store: Option<StoreKind>,
        notices: bool,
    },
    /// Forget what the agent holds for a profile (its memory, its store's cache, the kernel
    /// keyring's copies): `otpilot profile forget`. Answers [`Forgot`].
    Forget { profile: String },
    /// Stop the agent (the headless agent locks its vault and exits): `otpilot agent --stop`.
    Stop,
    /// One of the tray's own operations, asked by its window.
    Tray(TrayOp),
}

/// The operations the window asks of the tray, as `{"op": ..., "args": {...}}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum TrayOp {
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
    /// Check a profile end to end (credentials as the agent hands them out, then
    /// GetCallerIdentity); answers the identity.
    CheckProfile { profile: String },
    /// The account report (`otpilot account report`) through a profile's credentials;
    /// answers the report.
    AccountReport { profile: String },
    /// The account report in every (selected) account of the organization
    /// (`otpilot account report --organization`), through a management profile's MFA
    /// session; the fields as the person typed them (the core checks them). Answers the
    /// organization's report.
    OrganizationReport {
        profile: String,
        role: String,
        accounts: Vec<String>,
        ou: Option<String>,
        concurrency: usize,
    },
    /// How far the organization report running for a profile is; answers an
    /// [`OrgProgress`], or null when none runs.
    OrganizationProgress { profile: String },
    /// What the tray knows of each watched profile.
    ProfileStates,
    /// Make `accelerator` the global shortcut (none when `None`); refused shortcuts are
    /// errors, so the window can keep them out of the settings.
    ApplyShortcut { accelerator: Option<String> },
    /// Settings or devices changed on disk: redraw the menu, look at watched profiles again,
    /// apply start at login.
    Changed,
}

impl TrayOp {
    /// How long a caller waits for the answer: a refresh or a sign-in may wait for a code
    /// typed into a tray dialog.
    pub fn timeout(&self) -> Duration {
        match self {
            TrayOp::Refresh { .. }
            | TrayOp::OpenConsole { .. }
            | TrayOp::CheckProfile { .. }
            | TrayOp::AccountReport { .. } => Duration::from_secs(180),
            // Hundreds of accounts, each with its credential report.
            TrayOp::OrganizationReport { .. } => Duration::from_secs(1800),
            TrayOp::ApplyShortcut { .. } => Duration::from_secs(15),
            _ => Duration::from_secs(10),
        }
    }
}

/// How far an organization report is: accounts done, of how many.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrgProgress {
    pub done: usize,
    pub total: usize,
}

/// What the tray knows about a watched profile.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    Valid,
    Refreshing,
    Attention,
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileState {
    pub state: Freshness,
    pub expires_at: Option<i64>,
    pub message: Option<String>,
}

pub type ProfileStates = HashMap<String, ProfileState>;

/// What the agent answers.
pub enum Reply {
    Credentials(Credentials),
    /// A [`TrayOp`]'s (or `forget`'s, or `stop`'s) result, decoded by the caller that knows
    /// which operation it asked for (`true` for the operations that answer nothing but
    /// success).
    Tray(serde_json::Value),
    Failed(WireError),
}

/// The answer to [`Request::Forget`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Forgot {
    /// Copies of credentials dropped: entries of the agent's memory and of its store's cache.
    pub dropped: usize,
}

/// A line the agent may send before its answer, for the person at the caller's end.
#[derive(Serialize, Deserialize)]
pub struct NoticeLine {
    pub v: u32,
    pub notice: String,
}

impl NoticeLine {
    /// The line, newline included.
    pub fn encode(message: &str) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(&NoticeLine {
            v: VERSION,
            notice: message.to_owned(),
        })
        .expect("a notice serialises");
        bytes.push(b'\n');
        bytes
    }

    /// The notice of a line that is one (and not an answer).
    pub fn decode(line: &[u8]) -> Option<String> {
        #[derive(Deserialize)]
        struct Probe {
            notice: Option<String>,
            ok: Option<bool>,
        }
        match serde_json::from_slice::<Probe>(line).ok()? {
            Probe {
                notice: Some(n),
                ok: None,
            } => Some(n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WireError {
    pub kind: ErrorKind,
    pub message: String,
}

impl WireError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<&crate::Error> for WireError {
    fn from(e: &crate::Error) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

/// How a request line was understood by the server.
pub enum Incoming {
    Request(Request),
    /// Not valid JSON, or not a request of any version.
    Malformed,
    /// A request of another protocol version.
    WrongVersion(u32),
    /// A version-1 request for an operation this build does not know (or with arguments it
    /// cannot read).
    Unknown(String),
}

// ---- the wire form ----------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct RequestLine {
    v: u32,
    op: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    profile: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    args: serde_json::Value,
    /// `credentials`: the caller's store, by name (a name this build does not know reads as
    /// none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    store: Option<String>,
    /// `credentials`: the caller reads notice lines before the answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    notices: bool,
}

#[derive(Serialize, Deserialize)]
struct ResponseLine {
    v: u32,
    ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credentials: Option<WireCredentials>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<WireError>,
}

#[derive(Serialize, Deserialize, Zeroize)]
#[zeroize(drop)]
struct WireCredentials {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
    #[serde(default)]
    expiration: Option<i64>,
}

const CREDENTIALS_OP: &str = "credentials";
const FORGET_OP: &str = "forget";
const STOP_OP: &str = "stop";

impl Request {
    /// The request as one line, newline included. Holds no secret.
    pub fn encode(&self) -> Vec<u8> {
        let line = match self {
            Request::Credentials {
                profile,
                store,
                notices,
            } => RequestLine {
                v: VERSION,
                op: CREDENTIALS_OP.into(),
                profile: profile.clone(),
                args: serde_json::Value::Null,
                store: store.map(|s| s.as_str().to_owned()),
                notices: *notices,
            },
            Request::Forget { profile } => RequestLine {
                v: VERSION,
                op: FORGET_OP.into(),
                profile: profile.clone(),
                args: serde_json::Value::Null,
                store: None,
                notices: false,
            },
            Request::Stop => RequestLine {
                v: VERSION,
                op: STOP_OP.into(),
                profile: String::new(),
                args: serde_json::Value::Null,
                store: None,
                notices: false,
            },
            Request::Tray(op) => {
                let mut value = serde_json::to_value(op).expect("operations serialise");
                let name = value["op"].as_str().expect("tagged").to_owned();
                let args = value
                    .get_mut("args")
                    .map(serde_json::Value::take)
                    .unwrap_or_default();
                RequestLine {
                    v: VERSION,
                    op: name,
                    profile: String::new(),
                    args,
                    store: None,
                    notices: false,
                }
            }
        };
        let mut bytes = serde_json::to_vec(&line).expect("request serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Reads a request line as the server receives it.
    pub fn decode(line: &[u8]) -> Incoming {
        let Ok(line) = serde_json::from_slice::<RequestLine>(line) else {
            return Incoming::Malformed;
        };
        if line.v != VERSION {
            return Incoming::WrongVersion(line.v);
        }
        match line.op.as_str() {
            CREDENTIALS_OP => {
                return Incoming::Request(Request::Credentials {
                    profile: line.profile,
                    store: line.store.as_deref().and_then(StoreKind::parse),
                    notices: line.notices,
                })
            }
            FORGET_OP => {
                return Incoming::Request(Request::Forget {
                    profile: line.profile,
                })
            }
            STOP_OP => return Incoming::Request(Request::Stop),
            _ => {}
        }
        let mut value = serde_json::json!({ "op": line.op });
        if !line.args.is_null() {
            value["args"] = line.args;
        }
        match serde_json::from_value::<TrayOp>(value) {
            Ok(op) => Incoming::Request(Request::Tray(op)),
            Err(_) => Incoming::Unknown(line.op),
        }
    }
}

impl Reply {
    /// The answer as one line, newline included. Holds secrets when it carries credentials:
    /// the caller zeroizes the buffer.
    pub fn encode(&self) -> Vec<u8> {
        let line = match self {
            Reply::Credentials(c) => ResponseLine {
                v: VERSION,
                ok: true,
                credentials: Some(WireCredentials {
                    access_key_id: c.access_key_id.clone(),
                    secret_access_key: c.secret_access_key.expose().to_owned(),
                    session_token: c.session_token.as_ref().map(|t| t.expose().to_owned()),
                    expiration: c.expiration,
                }),
                result: None,
                error: None,
            },
            Reply::Tray(value) => ResponseLine {
                v: VERSION,
                ok: true,
                credentials: None,
                result: Some(value.clone()),
                error: None,
            },
            Reply::Failed(e) => ResponseLine {
                v: VERSION,
                ok: false,
                credentials: None,
                result: None,
                error: Some(e.clone()),
            },
        };
        let mut bytes = serde_json::to_vec(&line).expect("response serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Reads an answer line; `Err` says why it is not a usable answer.
    pub fn decode(line: &[u8]) -> Result<Reply, String> {
        let line: ResponseLine = serde_json::from_slice(line)
            .map_err(|_| "the agent's answer is not valid".to_owned())?;
        if line.v != VERSION {
            return Err(format!(
                "the agent speaks protocol version {}, not {VERSION}",
                line.v
            ));
        }
        match line {
            ResponseLine {
                ok: true,
                credentials: Some(c),
                ..
            } => Ok(Reply::Credentials(Credentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: SecretString::new(c.secret_access_key.clone()),
                session_token: c.session_token.clone().map(SecretString::new),
                expiration: c.expiration,
            })),
            ResponseLine {
                ok: true,
                result: Some(value),
                ..
            } => Ok(Reply::Tray(value)),
            ResponseLine {
                ok: false,
                error: Some(e),
                ..
            } => Ok(Reply::Failed(e)),
            _ => Err("the agent's answer is incomplete".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tray_operations_round_trip_through_the_wire_form() {
        for op in [
            TrayOp::OpenWindow,
            TrayOp::CopyCode {
                device: "work".into(),
            },
            TrayOp::OpenConsole {
                profile: "prod".into(),
                service: Some("s3".into()),
                region: None,
            },
            TrayOp::CheckProfile {
                profile: "admin".into(),
            },
            TrayOp::AccountReport {
                profile: "admin".into(),
            },
            TrayOp::OrganizationReport {
                profile: "admin".into(),
                role: "OrganizationAccountAccessRole".into(),
                accounts: vec!["111111111111".into()],
                ou: None,
                concurrency: 8,
            },
            TrayOp::OrganizationProgress {
                profile: "admin".into(),
            },
            TrayOp::ProfileStates,
            TrayOp::ApplyShortcut { accelerator: None },
            TrayOp::Changed,
        ] {
            let request = Request::Tray(op);
            match Request::decode(&request.encode()) {
                Incoming::Request(back) => assert_eq!(back, request),
                _ => panic!("{request:?} did not round-trip"),
            }
        }
    }

    #[test]
    fn store_notices_forget_and_stop_round_trip() {
        for request in [
            Request::Credentials {
                profile: "admin".into(),
                store: Some(StoreKind::Vault),
                notices: true,
            },
            Request::Forget {
                profile: "admin".into(),
            },
            Request::Stop,
        ] {
            match Request::decode(&request.encode()) {
                Incoming::Request(back) => assert_eq!(back, request),
                _ => panic!("{request:?} did not round-trip"),
            }
        }
        // A store this build does not know is no store: the agent serves the caller.
        assert!(matches!(
            Request::decode(br#"{"v":1,"op":"credentials","profile":"a","store":"cloud"}"#),
            Incoming::Request(Request::Credentials { store: None, .. })
        ));
        let notice = NoticeLine::encode("waiting 3 s");
        assert_eq!(NoticeLine::decode(&notice).as_deref(), Some("waiting 3 s"));
        // An answer is never a notice, and a notice is not an answer.
        assert_eq!(NoticeLine::decode(br#"{"v":1,"ok":true,"result":1}"#), None);
        assert!(Reply::decode(&notice).is_err());
    }

    #[test]
    fn the_wire_form_is_version_1_as_documented() {
        let line = Request::Credentials {
            profile: "admin".into(),
            store: None,
            notices: false,
        }
        .encode();
        assert_eq!(
            line,
            b"{\"v\":1,\"op\":\"credentials\",\"profile\":\"admin\"}\n"
        );
        let line = Request::Tray(TrayOp::CopyCode {
            device: "work".into(),
        })
        .encode();
        assert_eq!(
            line,
            b"{\"v\":1,\"op\":\"copy_code\",\"args\":{\"device\":\"work\"}}\n"
        );
        assert!(matches!(
            Request::decode(b"{\"v\":2,\"op\":\"credentials\"}"),
            Incoming::WrongVersion(2)
        ));
        assert!(matches!(Request::decode(b"not json"), Incoming::Malformed));
        assert!(matches!(
            Request::decode(b"{\"v\":1,\"op\":\"dance\"}"),
            Incoming::Unknown(op) if op == "dance"
        ));
        // Known operation, unreadable arguments: unknown too, never a guess.
        assert!(matches!(
            Request::decode(b"{\"v\":1,\"op\":\"copy_code\",\"args\":{}}"),
            Incoming::Unknown(_)
        ));
    }

    #[test]
    fn replies_round_trip() {
        let creds = Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: "s".into(),
            session_token: Some("t".into()),
            expiration: Some(42),
        };
        match Reply::decode(&Reply::Credentials(creds).encode()) {
            Ok(Reply::Credentials(c)) => {
                assert_eq!(c.access_key_id, "ASIAX");
                assert_eq!(c.session_token.unwrap().expose(), "t");
            }
            _ => panic!("credentials did not round-trip"),
        }
        let failed = Reply::Failed(WireError::new(ErrorKind::NoMfaCode, "no code"));
        match Reply::decode(&failed.encode()) {
            Ok(Reply::Failed(e)) => assert_eq!(e.kind, ErrorKind::NoMfaCode),
            _ => panic!("a failure did not round-trip"),
        }
        assert!(Reply::decode(b"{\"v\":1,\"ok\":true}").is_err());
        assert!(Reply::decode(b"{\"v\":7,\"ok\":true,\"result\":1}").is_err());
    }
}
