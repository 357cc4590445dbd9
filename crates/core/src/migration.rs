//! Google Authenticator "Transfer accounts" exports: `otpauth-migration://offline?data=...`.
//!
//! `data` is base64 of a protobuf `MigrationPayload` (repeated `OtpParameters` in field 1).
//! The message is small and stable, so it is decoded by hand here rather than pulling in a
//! protobuf toolchain. Field numbers follow Google Authenticator's published schema:
//! OtpParameters { 1 secret: bytes, 2 name, 3 issuer, 4 algorithm, 5 digits, 6 type, 7 counter }.

use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::totp::{Algorithm, TotpParams, TotpSeed};

/// One account of an export.
pub struct MigrationAccount {
    pub seed: TotpSeed,
    pub params: TotpParams,
    pub issuer: Option<String>,
    pub account: Option<String>,
}

/// The TOTP accounts of an export, and what was skipped.
pub struct MigrationExport {
    pub accounts: Vec<MigrationAccount>,
    pub warnings: Vec<String>,
}

const TYPE_HOTP: u64 = 1;
const TYPE_TOTP: u64 = 2;

/// Parses an `otpauth-migration://offline?data=...` URI.
pub fn parse(uri: &str) -> Result<MigrationExport> {
    let url = Url::parse(uri.trim())
        .map_err(|_| Error::InvalidMigration("it is not a well-formed URI".into()))?;
    let data = url
        .query_pairs()
        .find(|(k, _)| k == "data")
        .map(|(_, v)| Zeroizing::new(v.into_owned()))
        .ok_or_else(|| Error::InvalidMigration("it has no data= parameter".into()))?;
    // Some QR readers turn `+` into a space; padding may or may not be there.
    let cleaned: Zeroizing<String> = Zeroizing::new(
        data.trim_end_matches('=')
            .chars()
            .map(|c| if c == ' ' { '+' } else { c })
            .collect(),
    );
    let payload = Zeroizing::new(
        data_encoding::BASE64_NOPAD
            .decode(cleaned.as_bytes())
            .map_err(|_| Error::InvalidMigration("its data is not valid base64".into()))?,
    );

    let mut accounts = Vec::new();
    let mut warnings = Vec::new();
    let mut reader = Reader::new(&payload);
    while let Some((field, value)) = reader.next_field()? {
        if let (1, Value::Bytes(otp)) = (field, value) {
            match parse_otp_parameters(otp)? {
                Parsed::Totp(account) => accounts.push(account),
                Parsed::Skipped(why) => warnings.push(why),
            }
        }
    }
    if accounts.is_empty() {
        return Err(Error::InvalidMigration(
            "it holds no time-based (TOTP) accounts".into(),
        ));
    }
    Ok(MigrationExport { accounts, warnings })
}

enum Parsed {
    Totp(MigrationAccount),
    Skipped(String),
}

fn parse_otp_parameters(bytes: &[u8]) -> Result<Parsed> {
    let mut secret = None;
    let mut name = String::new();
    let mut issuer = String::new();
    let mut params = TotpParams::default();
    let mut kind = TYPE_TOTP;
    let mut reader = Reader::new(bytes);
    while let Some((field, value)) = reader.next_field()? {
        match (field, value) {
            (1, Value::Bytes(b)) => secret = Some(SecretBytes::new(b.to_vec())),
            (2, Value::Bytes(b)) => name = String::from_utf8_lossy(b).into_owned(),
            (3, Value::Bytes(b)) => issuer = String::from_utf8_lossy(b).into_owned(),
            (4, Value::Varint(v)) => {
                params.algorithm = match v {
                    0 | 1 => Algorithm::Sha1,
                    2 => Algorithm::Sha256,
                    3 => Algorithm::Sha512,
                    _ => {
                        return Ok(Parsed::Skipped(format!(
                            "skipped `{name}`: it uses an algorithm Otpilot does not support (MD5)"
                        )))
                    }
                }
            }
            (5, Value::Varint(v)) => params.digits = if v == 2 { 8 } else { 6 },
            (6, Value::Varint(v)) => kind = v,
            _ => {}
        }
    }
    let label = if name.is_empty() { "an account" } else { &name };
    if kind == TYPE_HOTP {
        return Ok(Parsed::Skipped(format!(
            "skipped `{label}`: it is counter-based (HOTP), not time-based"
        )));
    }
    let secret =
        secret.ok_or_else(|| Error::InvalidMigration(format!("`{label}` has no secret")))?;
    let (seed, _) = TotpSeed::from_bytes(secret)?;
    // Names in exports are often "Issuer:account"; split as the Key Uri Format does.
    let (label_issuer, account) = match name.split_once(':') {
        Some((i, a)) => (Some(i.trim().to_owned()), a.trim().to_owned()),
        None => (None, name.trim().to_owned()),
    };
    Ok(Parsed::Totp(MigrationAccount {
        seed,
        params,
        issuer: Some(issuer).filter(|s| !s.is_empty()).or(label_issuer),
        account: Some(account).filter(|s| !s.is_empty()),
    }))
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

/// A minimal protobuf wire-format reader: varints, length-delimited fields, fixed32/64 skipped.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.buf.get(self.pos).ok_or_else(truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Error::InvalidMigration(
            "its data is corrupt (bad varint)".into(),
        ))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(truncated)?;
        let slice = self.buf.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Other
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| truncated())?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value::Other
            }
            _ => {
                return Err(Error::InvalidMigration(
                    "its data is corrupt (unknown wire type)".into(),
                ))
            }
        };
        Ok(Some((key >> 3, value)))
    }
}

fn truncated() -> Error {
    Error::InvalidMigration("its data is truncated".into())
}

/// One account to put in an export (used to make exports for tests and backups).
pub struct ExportEntry<'a> {
    pub seed: &'a TotpSeed,
    pub params: TotpParams,
    pub name: &'a str,
    pub issuer: &'a str,
    pub hotp: bool,
}

/// Builds an `otpauth-migration://offline?data=...` URI. The result holds the seeds.
pub fn encode(entries: &[ExportEntry<'_>]) -> Zeroizing<String> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    fn bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
        varint(out, (field << 3) | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }
    let mut payload = Zeroizing::new(Vec::new());
    for e in entries {
        let mut otp = Zeroizing::new(Vec::new());
        bytes(&mut otp, 1, e.seed.expose());
        bytes(&mut otp, 2, e.name.as_bytes());
        bytes(&mut otp, 3, e.issuer.as_bytes());
        let algorithm = match e.params.algorithm {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        };
        for (field, value) in [
            (4, algorithm),
            (5, if e.params.digits == 8 { 2 } else { 1 }),
            (6, if e.hotp { TYPE_HOTP } else { TYPE_TOTP }),
        ] {
            varint(&mut otp, field << 3);
            varint(&mut otp, value);
        }
        bytes(&mut payload, 1, &otp);
    }
    for (field, value) in [(2u64, 1u64), (3, 1), (4, 0)] {
        varint(&mut payload, field << 3);
        varint(&mut payload, value);
    }
    let data = Zeroizing::new(data_encoding::BASE64.encode(&payload));
    let escaped = Zeroizing::new(
        percent_encoding::utf8_percent_encode(&data, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    Zeroizing::new(format!(
        "otpauth-migration://offline?data={}",
        escaped.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(b32: &str) -> TotpSeed {
        TotpSeed::from_base32(b32).unwrap().0
    }

    #[test]
    fn round_trips_several_accounts_and_skips_hotp() {
        let a = seed("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        let b = seed("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let eight = TotpParams {
            algorithm: Algorithm::Sha512,
            digits: 8,
            period: 30,
        };
        let uri = encode(&[
            ExportEntry {
                seed: &a,
                params: TotpParams::default(),
                name: "Amazon Web Services:alice@1111",
                issuer: "",
                hotp: false,
            },
            ExportEntry {
                seed: &b,
                params: eight,
                name: "bob",
                issuer: "GitHub",
                hotp: false,
            },
            ExportEntry {
                seed: &b,
                params: TotpParams::default(),
                name: "counter",
                issuer: "",
                hotp: true,
            },
        ]);
        let export = parse(&uri).unwrap();
        assert_eq!(export.accounts.len(), 2);
        assert_eq!(export.warnings.len(), 1);
        assert!(export.warnings[0].contains("counter"));
        let first = &export.accounts[0];
        assert!(first.seed == a);
        assert_eq!(first.issuer.as_deref(), Some("Amazon Web Services"));
        assert_eq!(first.account.as_deref(), Some("alice@1111"));
        let second = &export.accounts[1];
        assert!(second.seed == b);
        assert_eq!(second.params, eight);
        assert_eq!(second.issuer.as_deref(), Some("GitHub"));
    }

    /// The widely published sample export of Google Authenticator (seed JBSWY3DPEHPK3PXP).
    #[test]
    fn decodes_a_real_export() {
        let uri = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACiQ6OqKBA%3D%3D";
        let export = parse(uri).unwrap();
        assert_eq!(export.accounts.len(), 1);
        let acct = &export.accounts[0];
        assert_eq!(acct.seed.to_base32().expose(), "JBSWY3DPEHPK3PXP");
        assert_eq!(acct.issuer.as_deref(), Some("Example"));
        assert_eq!(acct.account.as_deref(), Some("alice@google.com"));
        assert_eq!(acct.params, TotpParams::default());
    }

    #[test]
    fn rejects_garbage() {
        for (uri, expected) in [
            ("otpauth-migration://offline", "no data="),
            ("otpauth-migration://offline?data=%%%", "base64"),
            ("otpauth-migration://offline?data=CgoKAkhl", "truncated"),
        ] {
            let err = parse(uri).err().unwrap().to_string();
            assert!(err.contains(expected), "{uri}: {err}");
        }
    }
}
