//! The agent's wire protocol, version 1: one JSON object per line, one request per
//! connection.
//!
//! ```text
//! -> {"v":1,"op":"credentials","profile":"admin"}
//! <- {"v":1,"ok":true,"credentials":{"access_key_id":"ASIA…","secret_access_key":"…","session_token":"…","expiration":1795341600}}
//! <- {"v":1,"ok":false,"error":{"kind":"no_mfa_code","message":"…"}}
//! ```
//! A server that does not speak the client's version answers `unsupported_version`, and the
//! client then does the work itself.
//!
//! The tray's window (a separate process, so the tray itself never loads a web engine) uses
//! the same socket for the tray's own operations, with arguments and a result as JSON:
//!
//! ```text
//! -> {"v":1,"op":"copy_code","args":{"device":"work"}}
//! <- {"v":1,"ok":true,"result":20}
//! ```

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::secret::SecretString;

pub const VERSION: u32 = 1;
/// Requests are tiny; anything longer is not a client of ours.
pub const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Request {
    pub v: u32,
    pub op: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile: String,
    /// The arguments of any operation other than `credentials`.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub args: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
pub struct Response {
    pub v: u32,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<WireCredentials>,
    /// The result of any operation other than `credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

#[derive(Serialize, Deserialize, Zeroize)]
#[zeroize(drop)]
pub struct WireCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default)]
    pub session_token: Option<String>,
    #[serde(default)]
    pub expiration: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WireError {
    pub kind: String,
    pub message: String,
}

impl WireCredentials {
    pub fn from_credentials(c: &Credentials) -> Self {
        Self {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.expose().to_owned(),
            session_token: c.session_token.as_ref().map(|t| t.expose().to_owned()),
            expiration: c.expiration,
        }
    }

    pub fn to_credentials(&self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: SecretString::new(self.secret_access_key.clone()),
            session_token: self.session_token.clone().map(SecretString::new),
            expiration: self.expiration,
        }
    }
}

impl Response {
    pub fn ok(c: &Credentials) -> Self {
        Self {
            v: VERSION,
            ok: true,
            credentials: Some(WireCredentials::from_credentials(c)),
            result: None,
            error: None,
        }
    }

    pub fn result(value: serde_json::Value) -> Self {
        Self {
            v: VERSION,
            ok: true,
            credentials: None,
            result: Some(value),
            error: None,
        }
    }

    pub fn error(kind: &str, message: &str) -> Self {
        Self {
            v: VERSION,
            ok: false,
            credentials: None,
            result: None,
            error: Some(WireError {
                kind: kind.to_owned(),
                message: message.to_owned(),
            }),
        }
    }
}
