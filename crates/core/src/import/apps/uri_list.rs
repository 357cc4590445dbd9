//! Text with one otpauth URI per line: Ente Auth's plain-text export (whose URIs carry
//! Ente's own `codeDisplay` parameter, ignored here), what many other apps and scripts
//! write, and Google Authenticator's `otpauth-migration://` QR codes, one per line.
//! Empty lines and `#` comments are passed over.

use super::Collector;
use crate::error::{Error, Result};
use crate::migration;

pub fn read(text: &str, c: &mut Collector) -> Result<()> {
    if text.trim_start().starts_with('{') {
        return Err(c.unsupported(
            "it is Ente's encrypted export; export again as plain text, import it, then delete that file",
        ));
    }
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let lower = line
            .chars()
            .take(24)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower.starts_with("otpauth-migration:") {
            read_migration(line, i + 1, c)?;
        } else if lower.starts_with("otpauth:") {
            c.uri(line, None, None)?;
        } else {
            return Err(c.damaged(format!("line {} is not an otpauth:// URI", i + 1)));
        }
    }
    Ok(())
}

/// A Google Authenticator transfer QR code's text: its TOTP accounts, its others skipped.
fn read_migration(line: &str, number: usize, c: &mut Collector) -> Result<()> {
    let export = migration::parse(line).map_err(|e| match e {
        Error::InvalidMigration(why) => c.damaged(format!("line {number}: {why}")),
        other => other,
    })?;
    for warning in export.warnings {
        // "skipped `LABEL`: REASON"
        let (label, reason) = warning
            .strip_prefix("skipped `")
            .and_then(|rest| rest.split_once("`: "))
            .unwrap_or(("", &warning));
        c.skip(Some(&format!("line {number}")), Some(label), reason);
    }
    for account in export.accounts {
        c.accept(account.into());
    }
    Ok(())
}
