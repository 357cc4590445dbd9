//! `otpauth://totp/...` URIs: the Key Uri Format that authenticator apps read from QR codes.
//! <https://github.com/google/google-authenticator/wiki/Key-Uri-Format>
//!
//! Errors describe what is wrong and never echo the URI, which carries the seed.

use url::Url;

use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::totp::{Algorithm, TotpParams, TotpSeed};

/// A TOTP account as an otpauth URI describes it.
pub struct OtpauthAccount {
    pub seed: TotpSeed,
    pub params: TotpParams,
    pub issuer: Option<String>,
    pub account: Option<String>,
    pub warning: Option<String>,
}

/// Parses an `otpauth://totp/LABEL?secret=...` URI.
pub fn parse(uri: &str) -> Result<OtpauthAccount> {
    let url = Url::parse(uri.trim())
        .map_err(|_| Error::InvalidOtpauth("it is not a well-formed URI".into()))?;
    if !url.scheme().eq_ignore_ascii_case("otpauth") {
        return Err(Error::InvalidOtpauth(
            "it does not start with otpauth://".into(),
        ));
    }
    let kind = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match kind.as_str() {
        "totp" => {}
        "hotp" => return Err(Error::NotTotp("counter-based (HOTP)".into())),
        "" => return Err(Error::InvalidOtpauth("the type (totp) is missing".into())),
        other => return Err(Error::NotTotp(format!("`{other}`"))),
    }

    let label = percent_decode(url.path().trim_start_matches('/'));
    let (label_issuer, account) = match label.split_once(':') {
        Some((issuer, account)) => (Some(issuer.trim().to_owned()), account.trim().to_owned()),
        None => (None, label.trim().to_owned()),
    };

    let mut secret: Option<SecretString> = None;
    let mut params = TotpParams::default();
    let mut issuer = None;
    for (key, value) in url.query_pairs() {
        match key.to_ascii_lowercase().as_str() {
            "secret" => secret = Some(SecretString::new(value.into_owned())),
            "issuer" => issuer = Some(value.into_owned()),
            "algorithm" => params.algorithm = Algorithm::parse(&value)?,
            "digits" => {
                params.digits = value.parse().map_err(|_| {
                    Error::InvalidOtpauth(format!("digits=`{value}` is not a number"))
                })?
            }
            "period" => {
                params.period = value.parse().map_err(|_| {
                    Error::InvalidOtpauth(format!("period=`{value}` is not a number"))
                })?
            }
            // `image`, `counter` and vendor extensions do not affect TOTP codes.
            _ => {}
        }
    }
    params.validate()?;
    let secret =
        secret.ok_or_else(|| Error::InvalidOtpauth("it has no secret= parameter".into()))?;
    let (seed, warning) = TotpSeed::from_base32(secret.expose())?;
    Ok(OtpauthAccount {
        seed,
        params,
        issuer: issuer.filter(|s| !s.is_empty()).or(label_issuer),
        account: Some(account).filter(|s| !s.is_empty()),
        warning,
    })
}

/// Builds the otpauth URI for a device, for a phone backup. The result holds the seed.
pub fn to_uri(
    seed: &TotpSeed,
    params: TotpParams,
    issuer: Option<&str>,
    account: &str,
) -> SecretString {
    let mut label = String::new();
    if let Some(issuer) = issuer {
        label.push_str(&percent_encode(issuer));
        label.push(':');
    }
    label.push_str(&percent_encode(account));
    let mut uri = format!("otpauth://totp/{label}?secret=");
    uri.push_str(seed.to_base32().expose());
    if let Some(issuer) = issuer {
        uri.push_str("&issuer=");
        uri.push_str(&percent_encode(issuer));
    }
    uri.push_str(&format!(
        "&algorithm={}&digits={}&period={}",
        params.algorithm, params.digits, params.period
    ));
    SecretString::new(uri)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Everything but RFC 3986 unreserved characters and `@` is escaped.
const LABEL: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, LABEL).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn parses_a_full_uri() {
        let a = parse(&format!(
            "otpauth://totp/ACME%20Co:john.doe@email.com?secret={SEED}&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60"
        ))
        .unwrap();
        assert_eq!(a.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(a.account.as_deref(), Some("john.doe@email.com"));
        assert_eq!(
            a.params,
            TotpParams {
                algorithm: Algorithm::Sha256,
                digits: 8,
                period: 60
            }
        );
        assert_eq!(a.seed.to_base32().expose(), SEED);
    }

    #[test]
    fn defaults_and_label_issuer() {
        let a = parse(&format!(
            "otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret={}",
            SEED.to_lowercase()
        ))
        .unwrap();
        assert_eq!(a.params, TotpParams::default());
        assert_eq!(a.issuer.as_deref(), Some("Amazon Web Services"));
        assert_eq!(a.account.as_deref(), Some("alice@123456789012"));
    }

    #[test]
    fn round_trips() {
        let a = parse(&format!("otpauth://totp/x?secret={SEED}&digits=8")).unwrap();
        let uri = to_uri(&a.seed, a.params, Some("Amazon Web Services"), "bob@1234");
        let b = parse(uri.expose()).unwrap();
        assert!(a.seed == b.seed);
        assert_eq!(b.params, a.params);
        assert_eq!(b.issuer.as_deref(), Some("Amazon Web Services"));
        assert_eq!(b.account.as_deref(), Some("bob@1234"));
    }

    #[test]
    fn rejects_what_is_not_totp_without_echoing_the_secret() {
        let cases = [
            (format!("otpauth://hotp/x?secret={SEED}&counter=1"), "HOTP"),
            ("otpauth://totp/x?issuer=a".to_string(), "no secret"),
            (format!("https://totp/x?secret={SEED}"), "otpauth://"),
            (
                format!("otpauth://totp/x?secret={SEED}&digits=12"),
                "12 digits",
            ),
            (
                format!("otpauth://totp/x?secret={SEED}&algorithm=MD5"),
                "MD5",
            ),
            (
                format!("otpauth://totp/x?secret={SEED}&period=abc"),
                "period",
            ),
        ];
        for (uri, expected) in cases {
            let err = parse(&uri).err().unwrap().to_string();
            assert!(err.contains(expected), "{uri}: {err}");
            assert!(!err.contains(SEED), "{err}");
        }
    }
}
