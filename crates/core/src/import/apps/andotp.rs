//! andOTP's plain JSON backup: a list of entries.
//! `[{"secret": "BASE32", "issuer": "", "label": "", "digits": 6, "type": "TOTP",
//! "algorithm": "SHA1", "period": 30, ...}]`; older versions kept the issuer in the label as
//! `ISSUER:ACCOUNT` (or `ISSUER - ACCOUNT`).

use serde::Deserialize;

use super::{is_totp, Collector, Params};
use crate::error::Result;
use crate::secret::SecretString;

#[derive(Deserialize)]
struct Entry {
    secret: SecretString,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    label: String,
    digits: Option<u64>,
    period: Option<u64>,
    algorithm: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub fn read(text: &str, c: &mut Collector) -> Result<()> {
    let entries: Vec<Entry> = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    for entry in entries {
        let (issuer, account) = if entry.issuer.trim().is_empty() {
            match entry
                .label
                .split_once(':')
                .or_else(|| entry.label.split_once(" - "))
            {
                Some((issuer, account)) => (issuer.trim(), account.trim()),
                None => ("", entry.label.as_str()),
            }
        } else {
            (entry.issuer.as_str(), entry.label.as_str())
        };
        if !is_totp(entry.kind.as_deref()) {
            c.other_type(
                Some(issuer),
                Some(account),
                entry.kind.as_deref().unwrap_or(""),
            );
            continue;
        }
        let params = Params {
            algorithm: entry.algorithm.as_deref(),
            digits: entry.digits,
            period: entry.period,
        };
        c.base32(Some(issuer), Some(account), entry.secret.expose(), params)?;
    }
    Ok(())
}
