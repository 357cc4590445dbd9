//! Authenticator apps' exports: every TOTP account in an Aegis, 2FAS, Bitwarden, andOTP,
//! FreeOTP+, Proton Authenticator or Ente Auth export, or a text file of otpauth URIs.
//!
//! The format is recognised from the file's contents, never its name. Each format has its
//! own reader, which hands every entry to a [`Collector`]; the collector owns the rules all
//! formats share: what is skipped and why (HOTP, Steam, parameters TOTP does not have), and
//! that an entry whose secret cannot be read makes the whole file damaged, so a cut-short or
//! edited export adds nothing rather than part of itself.
//!
//! The file, the decrypted contents and every secret are held in zeroizing memory. Errors
//! describe what is wrong and never quote the file (serde's messages quote values, so only
//! their position is used).

mod aegis;
mod andotp;
mod bitwarden;
mod crypto;
mod freeotp;
mod proton;
mod twofas;
mod uri_list;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ImportedAccount;
use crate::error::{Error, Result};
use crate::otpauth;
use crate::secret::{SecretBytes, SecretString};
use crate::totp::{Algorithm, TotpParams, TotpSeed};

/// The formats read, as the person would name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Aegis,
    TwoFas,
    BitwardenJson,
    BitwardenCsv,
    AndOtp,
    FreeOtpPlus,
    Proton,
    Ente,
    UriList,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Aegis => "Aegis export",
            Format::TwoFas => "2FAS backup",
            Format::BitwardenJson => "Bitwarden JSON export",
            Format::BitwardenCsv => "Bitwarden CSV export",
            Format::AndOtp => "andOTP backup",
            Format::FreeOtpPlus => "FreeOTP+ backup",
            Format::Proton => "Proton Authenticator export",
            Format::Ente => "Ente Auth export",
            Format::UriList => "list of otpauth URIs",
        }
    }
}

/// An entry that was not imported, and why, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Issuer and account as the app showed them; never the secret.
    pub label: String,
    pub reason: String,
}

/// What an export held.
pub struct AppExport {
    pub format: Format,
    pub accounts: Vec<ImportedAccount>,
    pub skipped: Vec<Skipped>,
    /// Caveats (a short seed) by the index of their account in `accounts`: an importer says
    /// them only for the accounts it adds.
    pub account_warnings: BTreeMap<usize, Vec<String>>,
}

/// Reads the export at `path`, decrypting it with `password` when it is encrypted.
pub fn read(path: &Path, password: Option<&SecretString>) -> Result<AppExport> {
    let bytes = crate::limits::read_file(path, crate::limits::APP_EXPORT)?;
    let format = detect(&bytes).map_err(|hint| Error::ExportNotRecognised {
        path: path.to_owned(),
        hint,
    })?;
    // `detect` accepted it as UTF-8 text.
    let text = std::str::from_utf8(&bytes)
        .unwrap_or_default()
        .trim_start_matches('\u{feff}');
    let mut collector = Collector::new(path, format);
    match format {
        Format::Aegis => aegis::read(text, password, &mut collector)?,
        Format::TwoFas => twofas::read(text, password, &mut collector)?,
        Format::BitwardenJson => bitwarden::read_json(text, &mut collector)?,
        Format::BitwardenCsv => bitwarden::read_csv(text, &mut collector)?,
        Format::AndOtp => andotp::read(text, &mut collector)?,
        Format::FreeOtpPlus => freeotp::read(text, &mut collector)?,
        Format::Proton => proton::read(text, &mut collector)?,
        Format::Ente | Format::UriList => uri_list::read(text, &mut collector)?,
    }
    collector.finish()
}

/// Which format `bytes` are, from their contents; `Err` holds the hint for the person.
fn detect(bytes: &[u8]) -> std::result::Result<Format, &'static str> {
    const IMAGES: [&[u8]; 4] = [b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM"];
    if IMAGES.iter().any(|magic| bytes.starts_with(magic)) {
        return Err("it is an image; for a QR code use `otpilot device add NAME --qr FILE`");
    }
    if bytes.is_empty() {
        return Err("it is empty");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err("it is not text (encrypted andOTP and Ente Auth backups are not read: export them unencrypted); Otpilot reads exports of Aegis, 2FAS, Bitwarden (JSON or CSV), andOTP, FreeOTP+, Proton Authenticator, Ente Auth, or otpauth:// URIs one per line");
    };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('[') {
        return Ok(Format::AndOtp);
    }
    if text.starts_with('{') {
        return json_format(text).ok_or(
            "it is JSON, but of no app Otpilot knows; it reads exports of Aegis, 2FAS, Bitwarden (JSON or CSV), andOTP, FreeOTP+, Proton Authenticator, Ente Auth, or otpauth:// URIs one per line",
        );
    }
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.to_ascii_lowercase().contains("login_totp") {
        return Ok(Format::BitwardenCsv);
    }
    let first_uri = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if first_uri.starts_with("otpauth://") || first_uri.starts_with("otpauth-migration://") {
        // Ente Auth writes its display settings into each URI.
        return Ok(if text.contains("codeDisplay=") {
            Format::Ente
        } else {
            Format::UriList
        });
    }
    Err("it is neither JSON, a Bitwarden CSV nor otpauth:// URIs; for a single seed or URI use `otpilot device add NAME`")
}

/// The JSON formats, told apart by their top-level keys.
fn json_format(text: &str) -> Option<Format> {
    let has = |key: &str| has_key(text, key);
    if has("header") && has("db") {
        Some(Format::Aegis)
    } else if has("servicesEncrypted")
        || has("schemaVersion")
        || has("appOrigin")
        || (has("services") && has("otp"))
    {
        Some(Format::TwoFas)
    } else if (has("items") && (has("encrypted") || has("folders")))
        || has("encKeyValidation_DO_NOT_EDIT")
        || has("passwordProtected")
    {
        Some(Format::BitwardenJson)
    } else if has("tokenOrder") || (has("tokens") && has("issuerExt")) {
        Some(Format::FreeOtpPlus)
    } else if has("entries") && (has("entry_type") || has("content")) {
        Some(Format::Proton)
    } else if has("kdfParams") && has("encryptedData") {
        Some(Format::Ente)
    } else if has("version") && has("salt") && has("content") {
        // Proton Authenticator's password-protected export.
        Some(Format::Proton)
    } else {
        None
    }
}

/// Whether `"key"` appears as an object key (followed by `:`) anywhere in `text`.
fn has_key(text: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .any(|(at, _)| text[at + quoted.len()..].trim_start().starts_with(':'))
}

/// Gathers the entries of one export and applies the rules every format shares.
pub(super) struct Collector {
    path: PathBuf,
    format: Format,
    accounts: Vec<ImportedAccount>,
    skipped: Vec<Skipped>,
    warnings: BTreeMap<usize, Vec<String>>,
}

/// An entry's public parameters as an export writes them; `None` is the TOTP default.
#[derive(Default)]
pub(super) struct Params<'a> {
    pub algorithm: Option<&'a str>,
    pub digits: Option<u64>,
    pub period: Option<u64>,
}

impl Collector {
    fn new(path: &Path, format: Format) -> Self {
        Self {
            path: path.to_owned(),
            format,
            accounts: Vec::new(),
            skipped: Vec::new(),
            warnings: BTreeMap::new(),
        }
    }

    /// The file is damaged: nothing of it is imported.
    pub fn damaged(&self, detail: impl Into<String>) -> Error {
        Error::ExportDamaged {
            path: self.path.clone(),
            format: self.format.name(),
            detail: detail.into(),
        }
    }

    /// A JSON reading error, by position only (serde's own messages quote values).
    pub fn bad_json(&self, e: &serde_json::Error) -> Error {
        use serde_json::error::Category;
        self.damaged(match e.classify() {
            Category::Eof => "it ends too early, as if cut short".to_owned(),
            Category::Syntax => format!("it is not valid JSON at line {}", e.line()),
            Category::Data => format!(
                "an entry lacks a field or has one of the wrong type, at line {}",
                e.line()
            ),
            Category::Io => "it could not be read".to_owned(),
        })
    }

    /// The file is encrypted and needs a password that was not given.
    pub fn password_needed(&self) -> Error {
        Error::ExportPasswordNeeded {
            path: self.path.clone(),
            format: self.format.name(),
        }
    }

    pub fn wrong_password(&self) -> Error {
        Error::ExportWrongPassword {
            path: self.path.clone(),
            format: self.format.name(),
        }
    }

    /// A variant of the format that Otpilot does not read, and what to do instead.
    pub fn unsupported(&self, detail: &'static str) -> Error {
        Error::ExportUnsupported {
            path: self.path.clone(),
            format: self.format.name(),
            detail,
        }
    }

    pub fn skip(&mut self, issuer: Option<&str>, account: Option<&str>, reason: &str) {
        self.skipped.push(Skipped {
            label: label(issuer, account),
            reason: reason.to_owned(),
        });
    }

    /// A TOTP entry whose seed is base32 text.
    pub fn base32(
        &mut self,
        issuer: Option<&str>,
        account: Option<&str>,
        secret: &str,
        params: Params,
    ) -> Result<()> {
        let bytes = crate::totp::decode_base32_lenient(secret)
            .map_err(|e| self.damaged(seed_problem(issuer, account, &e)))?;
        self.seed(issuer, account, bytes, params)
    }

    /// A TOTP entry whose seed is raw bytes.
    pub fn seed(
        &mut self,
        issuer: Option<&str>,
        account: Option<&str>,
        bytes: SecretBytes,
        params: Params,
    ) -> Result<()> {
        let (seed, warning) = TotpSeed::from_bytes(bytes)
            .map_err(|e| self.damaged(seed_problem(issuer, account, &e)))?;
        let params = match totp_params(&params) {
            Ok(params) => params,
            Err(reason) => {
                self.skip(issuer, account, &reason);
                return Ok(());
            }
        };
        if let Some(warning) = warning {
            self.warn_next(format!("{}: {warning}", label(issuer, account)));
        }
        self.accounts
            .push(ImportedAccount::new(seed, params, issuer, account));
        Ok(())
    }

    /// An entry given as an otpauth URI. The URI's own issuer and account win; the entry's
    /// (`issuer`, `account`) fill in what the URI leaves out.
    pub fn uri(&mut self, uri: &str, issuer: Option<&str>, account: Option<&str>) -> Result<()> {
        match otpauth::parse(uri) {
            Ok(parsed) => {
                let issuer = parsed.issuer.as_deref().or(issuer).map(str::to_owned);
                let account = parsed.account.as_deref().or(account).map(str::to_owned);
                if let Some(warning) = parsed.warning {
                    self.warn_next(format!(
                        "{}: {warning}",
                        label(issuer.as_deref(), account.as_deref())
                    ));
                }
                self.accounts.push(ImportedAccount::new(
                    parsed.seed,
                    parsed.params,
                    issuer.as_deref(),
                    account.as_deref(),
                ));
                Ok(())
            }
            Err(e) => {
                let (uri_issuer, uri_account) = uri_label(uri);
                let issuer = uri_issuer.as_deref().or(issuer);
                let account = uri_account.as_deref().or(account);
                match e {
                    Error::NotTotp(kind) if kind.contains("HOTP") => {
                        self.skip(issuer, account, HOTP);
                        Ok(())
                    }
                    Error::NotTotp(kind) if kind.contains("steam") => {
                        self.skip(issuer, account, STEAM);
                        Ok(())
                    }
                    Error::NotTotp(kind) => {
                        self.skip(issuer, account, &format!("its type {kind} is not TOTP"));
                        Ok(())
                    }
                    Error::UnsupportedParams(why) => {
                        self.skip(issuer, account, &format!("it uses {why}"));
                        Ok(())
                    }
                    other => Err(self.damaged(seed_problem(issuer, account, &other))),
                }
            }
        }
    }

    /// A caveat about the account pushed next.
    fn warn_next(&mut self, warning: String) {
        self.warnings
            .entry(self.accounts.len())
            .or_default()
            .push(warning);
    }

    /// An account another reader already made.
    pub fn accept(&mut self, account: ImportedAccount) {
        self.accounts.push(account);
    }

    /// An entry of a type other than TOTP, by the name the export gives it.
    pub fn other_type(&mut self, issuer: Option<&str>, account: Option<&str>, kind: &str) {
        let reason = match kind.to_ascii_lowercase().as_str() {
            "hotp" => HOTP.to_owned(),
            "steam" => STEAM.to_owned(),
            other => format!("its type `{other}` is not TOTP"),
        };
        self.skip(issuer, account, &reason);
    }

    fn finish(self) -> Result<AppExport> {
        if self.accounts.is_empty() {
            return Err(Error::ExportEmpty {
                path: self.path,
                skipped: self.skipped.len(),
            });
        }
        Ok(AppExport {
            format: self.format,
            accounts: self.accounts,
            skipped: self.skipped,
            account_warnings: self.warnings,
        })
    }
}

const HOTP: &str = "it is counter-based (HOTP); AWS MFA and Otpilot use time-based (TOTP) codes";
const STEAM: &str = "it is a Steam Guard account, whose codes are not standard TOTP";

/// Whether an entry's type (as the export names it) is TOTP; a missing type is.
pub(super) fn is_totp(kind: Option<&str>) -> bool {
    kind.is_none_or(|k| k.eq_ignore_ascii_case("totp"))
}

fn totp_params(params: &Params) -> std::result::Result<TotpParams, String> {
    let default = TotpParams::default();
    let algorithm = match params.algorithm.map(str::trim).filter(|a| !a.is_empty()) {
        Some(name) => Algorithm::parse(name).map_err(|_| {
            format!("its algorithm `{name}` is not one TOTP uses (SHA1, SHA256, SHA512)")
        })?,
        None => default.algorithm,
    };
    let digits = params.digits.unwrap_or(u64::from(default.digits));
    let period = params.period.unwrap_or(default.period);
    let params = TotpParams {
        algorithm,
        digits: u8::try_from(digits).unwrap_or(u8::MAX),
        period,
    };
    params.validate().map_err(|e| match e {
        Error::UnsupportedParams(why) => format!("it uses {why}"),
        other => other.to_string(),
    })?;
    Ok(params)
}

fn seed_problem(issuer: Option<&str>, account: Option<&str>, e: &Error) -> String {
    let why = match e {
        Error::InvalidBase32(why) => format!("its secret is not base32: {why}"),
        Error::SeedTooShort { bits } => format!("its secret is only {bits} bits long"),
        Error::EmptySecret => "its secret is empty".to_owned(),
        Error::InvalidOtpauth(why) => format!("its otpauth URI is not valid: {why}"),
        _ => "its secret cannot be read".to_owned(),
    };
    format!("the entry `{}`: {why}", label(issuer, account))
}

/// "GitHub: alice", "GitHub", "alice", or "(no name)": never the secret, and no control
/// character (the label is shown in messages).
fn label(issuer: Option<&str>, account: Option<&str>) -> String {
    use crate::text::clean_optional;
    match (clean_optional(issuer), clean_optional(account)) {
        (Some(i), Some(a)) => format!("{i}: {a}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "(no name)".to_owned(),
    }
}

/// The issuer and account of an otpauth URI's label, for naming an entry that is skipped.
fn uri_label(uri: &str) -> (Option<String>, Option<String>) {
    let Ok(url) = url::Url::parse(uri.trim()) else {
        return (None, None);
    };
    let label = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    let issuer = url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("issuer"))
        .map(|(_, v)| v.into_owned());
    match label.split_once(':') {
        Some((i, a)) => (
            issuer.or(Some(i.trim().to_owned())),
            Some(a.trim().to_owned()),
        ),
        None => (issuer, Some(label)),
    }
}

#[cfg(test)]
mod tests;
