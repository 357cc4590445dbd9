//! FreeOTP+'s JSON backup: `{"tokenOrder": [...], "tokens": [{"type": "TOTP", "algo": "SHA1",
//! "digits": 6, "period": 30, "issuerExt": "...", "label": "...", "secret": [bytes]}]}`, the
//! seed as a list of signed bytes (Java's `byte[]`).

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use super::{is_totp, Collector, Params};
use crate::error::Result;
use crate::secret::SecretBytes;

#[derive(Deserialize)]
struct Backup {
    tokens: Vec<Token>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    #[serde(rename = "type")]
    kind: Option<String>,
    algo: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
    issuer_ext: Option<String>,
    label: Option<String>,
    secret: SignedBytes,
}

/// A seed as Java writes a `byte[]`: numbers from -128 to 127 (0 to 255 accepted too).
struct SignedBytes(Zeroizing<Vec<u8>>);

impl<'de> Deserialize<'de> for SignedBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Bytes;
        impl<'de> Visitor<'de> for Bytes {
            type Value = SignedBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of bytes")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<SignedBytes, A::Error> {
                let mut bytes = Zeroizing::new(Vec::new());
                while let Some(b) = seq.next_element::<i16>()? {
                    if !(-128..=255).contains(&b) {
                        return Err(serde::de::Error::custom("a byte out of range"));
                    }
                    bytes.push(b as u8);
                }
                Ok(SignedBytes(bytes))
            }
        }
        d.deserialize_seq(Bytes)
    }
}

pub fn read(text: &str, c: &mut Collector) -> Result<()> {
    let backup: Backup = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    for token in backup.tokens {
        let (issuer, account) = (token.issuer_ext.as_deref(), token.label.as_deref());
        if !is_totp(token.kind.as_deref()) {
            c.other_type(issuer, account, token.kind.as_deref().unwrap_or(""));
            continue;
        }
        let params = Params {
            algorithm: token.algo.as_deref(),
            digits: token.digits,
            period: token.period,
        };
        let seed = SecretBytes::from(token.secret.0);
        c.seed(issuer, account, seed, params)?;
    }
    Ok(())
}
