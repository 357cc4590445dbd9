//! Turning what a user has (pasted text, a QR image, an AWS seed file) into TOTP accounts.
//!
//! Pasted text may be a base32 seed, an `otpauth://totp/` URI or an `otpauth-migration://`
//! export; the kind is recognised from the text itself, so the user never has to say.

pub mod apps;

use std::path::Path;

use crate::error::{Error, Result};
use crate::totp::{TotpParams, TotpSeed};
use crate::{migration, otpauth, qr};

/// One TOTP account ready to become a device.
pub struct ImportedAccount {
    pub seed: TotpSeed,
    pub params: TotpParams,
    pub issuer: Option<String>,
    pub account: Option<String>,
}

impl ImportedAccount {
    /// The one way an account is made from what came in: its issuer and account lose any
    /// control character (a terminal escape in a QR code's label must not reach a terminal
    /// when the device is listed), and an empty one is none.
    pub fn new(
        seed: TotpSeed,
        params: TotpParams,
        issuer: Option<&str>,
        account: Option<&str>,
    ) -> Self {
        Self {
            seed,
            params,
            issuer: crate::text::clean_optional(issuer),
            account: crate::text::clean_optional(account),
        }
    }
}

impl From<migration::MigrationAccount> for ImportedAccount {
    fn from(a: migration::MigrationAccount) -> Self {
        Self::new(a.seed, a.params, a.issuer.as_deref(), a.account.as_deref())
    }
}

/// What an import produced, and anything the user should be told.
pub struct Import {
    pub accounts: Vec<ImportedAccount>,
    pub warnings: Vec<String>,
    /// Which kind of input was recognised, for messages ("base32 seed", "otpauth URI", ...).
    pub source: &'static str,
}

/// Recognises and parses pasted text.
pub fn from_text(text: &str) -> Result<Import> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::EmptySecret);
    }
    let lower_prefix: String = text
        .chars()
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_prefix.starts_with("otpauth-migration:") {
        let export = migration::parse(text)?;
        return Ok(Import {
            accounts: export.accounts.into_iter().map(Into::into).collect(),
            warnings: export.warnings,
            source: "Google Authenticator export",
        });
    }
    if lower_prefix.starts_with("otpauth:") {
        let a = otpauth::parse(text)?;
        return Ok(Import {
            accounts: vec![ImportedAccount::new(
                a.seed,
                a.params,
                a.issuer.as_deref(),
                a.account.as_deref(),
            )],
            warnings: a.warning.into_iter().collect(),
            source: "otpauth URI",
        });
    }
    if lower_prefix.contains("://") {
        return Err(Error::InvalidOtpauth(
            "it is a URI, but not otpauth:// or otpauth-migration://".into(),
        ));
    }
    let (seed, warning) = TotpSeed::from_base32(text)?;
    Ok(Import {
        accounts: vec![ImportedAccount::new(
            seed,
            TotpParams::default(),
            None,
            None,
        )],
        warnings: warning.into_iter().collect(),
        source: "base32 seed",
    })
}

/// Reads the QR code in a PNG or JPEG image (a screenshot of the AWS console's QR code, an
/// authenticator's export screen).
pub fn from_qr_image(path: &Path) -> Result<Import> {
    let text = qr::decode_image(path)?;
    from_text(&text).map_err(|e| match e {
        Error::InvalidBase32(_) | Error::EmptySecret => Error::QrNotOtpauth {
            path: path.to_owned(),
        },
        other => other,
    })
}

/// Reads the file written by
/// `aws iam create-virtual-mfa-device --bootstrap-method Base32StringSeed --outfile FILE`:
/// the base32 seed, 64 characters, no newline.
/// <https://docs.aws.amazon.com/cli/latest/reference/iam/create-virtual-mfa-device.html>
pub fn from_aws_seed_file(path: &Path) -> Result<Import> {
    let bytes = crate::limits::read_file(path, crate::limits::AWS_SEED_FILE)?;
    let bad = |detail| Error::AwsSeedFile {
        path: path.to_owned(),
        detail,
    };
    if bytes.starts_with(b"\x89PNG") {
        return Err(bad(
            "it is the QRCodePNG bootstrap image; pass it with --qr instead",
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("it is not text"))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b) || b == b'=')
    {
        return Err(bad("it contains characters other than base32"));
    }
    let mut import = from_text(text)?;
    import.source = "AWS seed file";
    for account in &mut import.accounts {
        account.issuer = Some("Amazon Web Services".into());
    }
    Ok(import)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_of_text() {
        let b32 = "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp";
        assert_eq!(from_text(b32).unwrap().source, "base32 seed");
        let uri = "otpauth://totp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        assert_eq!(from_text(uri).unwrap().source, "otpauth URI");
        let upper = "OTPAUTH://totp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        assert_eq!(from_text(upper).unwrap().source, "otpauth URI");
        assert!(matches!(
            from_text("https://example.com/?secret=JBSWY3DP"),
            Err(Error::InvalidOtpauth(_))
        ));
        assert!(matches!(from_text(" \n"), Err(Error::EmptySecret)));
    }

    #[test]
    fn labels_lose_control_characters_at_import() {
        // OSC 52 in the label's issuer, a title change in the account, C1 CSI in the query.
        let uri = "otpauth://totp/Evil%1B%5D52%3Bc%3BZXZpbA%3D%3D%07:bob%1B%5D0%3Bx%07?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME%C2%9B2J%7F";
        let a = &from_text(uri).unwrap().accounts[0];
        assert_eq!(a.issuer.as_deref(), Some("ACME2J"));
        assert_eq!(a.account.as_deref(), Some("bob]0;x"));
        let only_controls = "otpauth://totp/%1B%07?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        assert_eq!(from_text(only_controls).unwrap().accounts[0].account, None);
        // A Google Authenticator export's labels too.
        let seed = TotpSeed::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
            .unwrap()
            .0;
        let export = migration::encode(&[migration::ExportEntry {
            seed: &seed,
            name: "alice\x1b[2J",
            issuer: "Git\u{9d}Hub",
            params: TotpParams::default(),
            hotp: false,
        }]);
        let a = &from_text(&export).unwrap().accounts[0];
        assert_eq!(a.issuer.as_deref(), Some("GitHub"));
        assert_eq!(a.account.as_deref(), Some("alice[2J"));
    }

    #[test]
    fn aws_seed_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("seed");
        let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        std::fs::write(&good, seed).unwrap();
        let import = from_aws_seed_file(&good).unwrap();
        assert_eq!(import.accounts[0].seed.to_base32().expose(), seed);
        assert_eq!(import.accounts[0].seed.bits(), 320);

        let png = dir.path().join("qr.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nrest").unwrap();
        assert!(from_aws_seed_file(&png)
            .err()
            .unwrap()
            .to_string()
            .contains("--qr"));
        let lower = dir.path().join("lower");
        std::fs::write(&lower, "hello world").unwrap();
        assert!(matches!(
            from_aws_seed_file(&lower),
            Err(Error::AwsSeedFile { .. })
        ));
        assert!(matches!(
            from_aws_seed_file(&dir.path().join("missing")),
            Err(Error::FileRead { .. })
        ));
        assert!(matches!(
            from_aws_seed_file(Path::new("/dev/zero")),
            Err(Error::InputTooLarge { .. })
        ));
    }
}
