//! AWS credentials as values: long-term keys and temporary credentials, and the
//! `credential_process` JSON that SDKs read.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::secret::SecretString;

/// An IAM user's access key pair, from the AWS credentials file or the keyring.
#[derive(Clone)]
pub struct LongTermKeys {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

/// Credentials issued by STS (or long-term keys passed through, with no expiry).
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
    /// Unix seconds; `None` for long-term keys.
    pub expiration: Option<i64>,
}

impl Credentials {
    pub fn from_long_term(keys: &LongTermKeys) -> Self {
        Self {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
            session_token: None,
            expiration: None,
        }
    }

    /// Seconds of validity left at `now`; `None` for credentials that do not expire.
    pub fn remaining(&self, now: i64) -> Option<i64> {
        self.expiration.map(|e| e - now)
    }

    /// The `credential_process` output, Version 1. Holds secrets: write it to stdout only.
    pub fn to_process_json(&self) -> SecretString {
        let out = ProcessJson {
            version: 1,
            access_key_id: &self.access_key_id,
            secret_access_key: self.secret_access_key.expose(),
            session_token: self.session_token.as_ref().map(|t| t.expose()),
            expiration: self.expiration.map(rfc3339),
        };
        SecretString::new(serde_json::to_string(&out).expect("credentials serialise"))
    }

    /// The form kept in the keyring.
    pub(crate) fn to_stored(&self) -> SecretString {
        let stored = Stored {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.expose().to_owned(),
            session_token: self.session_token.as_ref().map(|t| t.expose().to_owned()),
            expiration: self.expiration,
        };
        let text = serde_json::to_string(&stored).expect("credentials serialise");
        SecretString::new(text)
    }

    pub(crate) fn from_stored(bytes: &[u8]) -> Option<Self> {
        let stored: Stored = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            access_key_id: stored.access_key_id.clone(),
            secret_access_key: SecretString::new(stored.secret_access_key.clone()),
            session_token: stored.session_token.clone().map(SecretString::new),
            expiration: stored.expiration,
        })
    }
}

#[derive(Serialize)]
struct ProcessJson<'a> {
    #[serde(rename = "Version")]
    version: u8,
    #[serde(rename = "AccessKeyId")]
    access_key_id: &'a str,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: &'a str,
    #[serde(rename = "SessionToken", skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(rename = "Expiration", skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
}

#[derive(Serialize, Deserialize, Zeroize)]
#[zeroize(drop)]
struct Stored {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: Option<i64>,
}

/// `2026-11-22T10:00:00Z`: RFC 3339 in UTC, as SDKs expect for `Expiration`.
pub fn rfc3339(unix: i64) -> String {
    aws_smithy_types::DateTime::from_secs(unix)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// `ASIA…WXYZ`: enough of a key id to tell keys apart in logs, not enough to use it.
pub fn mask_key_id(id: &str) -> String {
    if id.len() <= 8 {
        return "****".into();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_json_is_version_1_with_rfc3339_expiry() {
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: Some("token".into()),
            expiration: Some(1_795_341_600),
        };
        let json: serde_json::Value =
            serde_json::from_str(creds.to_process_json().expose()).unwrap();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["AccessKeyId"], "ASIAEXAMPLE");
        assert_eq!(json["SessionToken"], "token");
        assert_eq!(json["Expiration"], "2026-11-22T10:00:00Z");
        let back = Credentials::from_stored(creds.to_stored().expose().as_bytes()).unwrap();
        assert_eq!(back.expiration, creds.expiration);
        assert_eq!(back.session_token.unwrap().expose(), "token");
    }

    #[test]
    fn long_term_keys_have_no_token_or_expiry() {
        let keys = LongTermKeys {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "s".into(),
        };
        let json: serde_json::Value = serde_json::from_str(
            Credentials::from_long_term(&keys)
                .to_process_json()
                .expose(),
        )
        .unwrap();
        assert!(json.get("SessionToken").is_none());
        assert!(json.get("Expiration").is_none());
    }

    #[test]
    fn masks_key_ids() {
        assert_eq!(mask_key_id("ASIAIOSFODNN7EXAMPLE"), "ASIA…MPLE");
        assert_eq!(mask_key_id("short"), "****");
    }
}
