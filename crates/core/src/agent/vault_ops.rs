//! The vault's operations on the agent's wire (`otpilot agent`, the headless agent):
//! unlock, lock, status, and the secret store's get, set, delete and keys, which the CLI
//! sends when `store = "vault"`, since only the agent writes the vault.
//!
//! ```text
//! -> {"v":1,"op":"vault_unlock","args":{"passphrase":"…"}}
//! -> {"v":1,"op":"vault_get","args":{"key":"totp:…"}}
//! <- {"v":1,"ok":true,"result":{"secret":"<base64>"}}
//! ```
//! These lines carry secrets, so they are written and read without an intermediate JSON
//! value (whose strings would outlive the exchange): straight from and into the types
//! below, in zeroizing buffers.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::protocol::VERSION;
use crate::secret::SecretString;
use crate::settings::StoreKind;

/// A vault operation, as the agent receives it.
#[derive(Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum VaultOp {
    VaultUnlock {
        passphrase: SecretString,
    },
    VaultLock,
    VaultStatus,
    VaultGet {
        key: String,
    },
    /// `secret` is base64.
    VaultSet {
        key: String,
        label: String,
        secret: SecretString,
    },
    VaultDelete {
        key: String,
    },
    VaultKeys,
    VaultPasswd {
        current: SecretString,
        new: SecretString,
    },
}

impl std::fmt::Debug for VaultOp {
    /// The operation's name only: never its secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for VaultOp {
    fn eq(&self, other: &Self) -> bool {
        self.encode() == other.encode()
    }
}

impl Eq for VaultOp {}

impl Clone for VaultOp {
    fn clone(&self) -> Self {
        match self {
            VaultOp::VaultUnlock { passphrase } => VaultOp::VaultUnlock {
                passphrase: passphrase.clone(),
            },
            VaultOp::VaultLock => VaultOp::VaultLock,
            VaultOp::VaultStatus => VaultOp::VaultStatus,
            VaultOp::VaultGet { key } => VaultOp::VaultGet { key: key.clone() },
            VaultOp::VaultSet { key, label, secret } => VaultOp::VaultSet {
                key: key.clone(),
                label: label.clone(),
                secret: secret.clone(),
            },
            VaultOp::VaultDelete { key } => VaultOp::VaultDelete { key: key.clone() },
            VaultOp::VaultKeys => VaultOp::VaultKeys,
            VaultOp::VaultPasswd { current, new } => VaultOp::VaultPasswd {
                current: current.clone(),
                new: new.clone(),
            },
        }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    v: u32,
    op: &'static str,
    #[serde(skip_serializing_if = "Args::is_none")]
    args: Args<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Args<'a> {
    None,
    Passphrase {
        passphrase: &'a str,
    },
    Key {
        key: &'a str,
    },
    Set {
        key: &'a str,
        label: &'a str,
        secret: &'a str,
    },
    Passwd {
        current: &'a str,
        new: &'a str,
    },
}

impl Args<'_> {
    fn is_none(&self) -> bool {
        matches!(self, Args::None)
    }
}

impl VaultOp {
    pub fn name(&self) -> &'static str {
        match self {
            VaultOp::VaultUnlock { .. } => "vault_unlock",
            VaultOp::VaultLock => "vault_lock",
            VaultOp::VaultStatus => "vault_status",
            VaultOp::VaultGet { .. } => "vault_get",
            VaultOp::VaultSet { .. } => "vault_set",
            VaultOp::VaultDelete { .. } => "vault_delete",
            VaultOp::VaultKeys => "vault_keys",
            VaultOp::VaultPasswd { .. } => "vault_passwd",
        }
    }

    /// The request line, newline included, in a buffer wiped when dropped.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let args = match self {
            VaultOp::VaultUnlock { passphrase } => Args::Passphrase {
                passphrase: passphrase.expose(),
            },
            VaultOp::VaultGet { key } | VaultOp::VaultDelete { key } => Args::Key { key },
            VaultOp::VaultSet { key, label, secret } => Args::Set {
                key,
                label,
                secret: secret.expose(),
            },
            VaultOp::VaultPasswd { current, new } => Args::Passwd {
                current: current.expose(),
                new: new.expose(),
            },
            VaultOp::VaultLock | VaultOp::VaultStatus | VaultOp::VaultKeys => Args::None,
        };
        let line = Line {
            v: VERSION,
            op: self.name(),
            args,
        };
        let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
        serde_json::to_writer(&mut *bytes, &line).expect("vault requests serialise");
        bytes.push(b'\n');
        bytes
    }

    /// A request line for the vault: `None` when its `op` does not start with `vault_` (a
    /// request of [`super::protocol`]), `Some(Err(op))` for a vault operation this build does
    /// not know.
    pub fn peek(line: &[u8]) -> Option<Result<Self, String>> {
        #[derive(Deserialize)]
        struct Head {
            v: u32,
            op: String,
        }
        let head = serde_json::from_slice::<Head>(line).ok()?;
        if head.v != VERSION || !head.op.starts_with("vault_") {
            return None;
        }
        Some(Self::decode(line).ok_or(head.op))
    }

    /// Reads a request line whose `op` starts with `vault_`; `None` when it is not one this
    /// build knows.
    pub fn decode(line: &[u8]) -> Option<Self> {
        // Adjacently tagged, with the tag first: `args` is read straight into the types
        // (no buffered copy), and `v` is passed over.
        serde_json::from_slice::<VaultOp>(line).ok()
    }
}

/// What the agent answers to a vault operation: written by the agent with
/// [`encode_answer`], read by the client as [`VaultResult`].
#[derive(Default)]
pub struct VaultAnswer {
    /// `vault_get`: the secret, base64.
    pub secret: Option<SecretString>,
    pub deleted: bool,
    pub keys: Vec<String>,
    pub unlocked: bool,
    pub locks_in_seconds: u64,
    /// `vault_status`: the agent's process id (for `otpilot doctor` and for stopping it).
    pub pid: u32,
    /// `vault_status`: the store the agent's answers come from (`otpilot doctor` reports an
    /// agent serving another store than the configured one).
    pub store: Option<StoreKind>,
}

#[derive(Serialize)]
struct AnswerOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    deleted: bool,
    keys: &'a [String],
    unlocked: bool,
    locks_in_seconds: u64,
    pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
}

#[derive(Serialize)]
struct ReplyOut<'a> {
    v: u32,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<AnswerOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a super::protocol::WireError>,
}

/// The reply line to a vault operation, newline included, in a buffer wiped when dropped.
pub fn encode_answer(
    answer: &Result<VaultAnswer, super::protocol::WireError>,
) -> Zeroizing<Vec<u8>> {
    let line = match answer {
        Ok(a) => ReplyOut {
            v: VERSION,
            ok: true,
            result: Some(AnswerOut {
                secret: a.secret.as_ref().map(SecretString::expose),
                deleted: a.deleted,
                keys: &a.keys,
                unlocked: a.unlocked,
                locks_in_seconds: a.locks_in_seconds,
                pid: a.pid,
                store: a.store.map(StoreKind::as_str),
            }),
            error: None,
        },
        Err(e) => ReplyOut {
            v: VERSION,
            ok: false,
            result: None,
            error: Some(e),
        },
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    serde_json::to_writer(&mut *bytes, &line).expect("vault replies serialise");
    bytes.push(b'\n');
    bytes
}

/// What the agent answered to a vault operation (the `result` of the reply line).
#[derive(Deserialize, Default)]
pub struct VaultResult {
    /// `vault_get`: the secret, base64; absent when there is no such item.
    #[serde(default)]
    pub secret: Option<SecretString>,
    /// `vault_delete`: whether there was an item.
    #[serde(default)]
    pub deleted: bool,
    /// `vault_keys`.
    #[serde(default)]
    pub keys: Vec<String>,
    /// `vault_status`.
    #[serde(default)]
    pub unlocked: bool,
    /// `vault_status`: seconds until the idle lock (0: none).
    #[serde(default)]
    pub locks_in_seconds: u64,
    #[serde(default)]
    pub pid: u32,
    /// `vault_status`: the store the agent serves, by name (see [`VaultResult::store`]).
    #[serde(default, rename = "store")]
    store_name: Option<String>,
}

impl VaultResult {
    /// `vault_status`: the store the agent serves. An agent too old to say serves the vault
    /// (only a vault agent answers `vault_status`).
    pub fn store(&self) -> StoreKind {
        self.store_name
            .as_deref()
            .and_then(StoreKind::parse)
            .unwrap_or(StoreKind::Vault)
    }
}

/// The reply line of a vault operation, read without an intermediate JSON value.
#[derive(Deserialize)]
pub struct VaultReplyLine {
    pub v: u32,
    pub ok: bool,
    #[serde(default)]
    pub result: Option<VaultResult>,
    #[serde(default)]
    pub error: Option<super::protocol::WireError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_without_showing_secrets() {
        let op = VaultOp::VaultSet {
            key: "totp:1".into(),
            label: "seed".into(),
            secret: SecretString::from("c2VjcmV0"),
        };
        let line = op.encode();
        assert!(line.starts_with(br#"{"v":1,"op":"vault_set","args":{"key":"totp:1""#));
        assert_eq!(VaultOp::decode(&line), Some(op.clone()));
        assert_eq!(format!("{op:?}"), "vault_set");
        let lock = VaultOp::VaultLock;
        assert_eq!(&lock.encode()[..], b"{\"v\":1,\"op\":\"vault_lock\"}\n");
        assert_eq!(VaultOp::decode(&lock.encode()), Some(VaultOp::VaultLock));
        assert_eq!(VaultOp::decode(br#"{"v":1,"op":"vault_fly"}"#), None);
    }
}
