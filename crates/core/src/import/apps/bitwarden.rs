//! Bitwarden's unencrypted exports, JSON and CSV: every login item whose `totp` field is
//! set. The field holds an otpauth URI, a bare base32 seed, or `steam://SEED`.
//! <https://bitwarden.com/help/condition-bitwarden-import/>
//!
//! Encrypted exports (account-restricted or password-protected) are refused with what to
//! do instead: their keys are the vault's own or a second password scheme Otpilot does not
//! carry.

use serde::Deserialize;

use super::{Collector, Params};
use crate::csv;
use crate::error::Result;
use crate::secret::SecretString;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    password_protected: bool,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    name: String,
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    totp: Option<SecretString>,
}

pub fn read_json(text: &str, c: &mut Collector) -> Result<()> {
    let export: Export = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    if export.encrypted || export.password_protected {
        return Err(c.unsupported(
            "it is encrypted; export the vault again as `.json` or `.csv` (not encrypted), import it, then delete that file",
        ));
    }
    for item in export.items {
        let Some(login) = item.login else { continue };
        if let Some(totp) = &login.totp {
            add(c, &item.name, login.username.as_deref(), totp.expose())?;
        }
    }
    Ok(())
}

pub fn read_csv(text: &str, c: &mut Collector) -> Result<()> {
    let rows = csv::rows(text)
        .map_err(|line| c.damaged(format!("a quoted field opened on line {line} never closes")))?;
    let Some((header, items)) = rows.split_first() else {
        return Err(c.damaged("it has no header line"));
    };
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let totp = column("login_totp").ok_or_else(|| c.damaged("it has no login_totp column"))?;
    let name = column("name");
    let username = column("login_username");
    for (i, row) in items.iter().enumerate() {
        if row.len() != header.len() {
            return Err(c.damaged(format!(
                "item {} has {} fields where the header has {}",
                i + 1,
                row.len(),
                header.len()
            )));
        }
        let field = |index: Option<usize>| index.map(|i| row[i].as_str());
        let secret = row[totp].trim();
        if !secret.is_empty() {
            add(c, field(name).unwrap_or(""), field(username), secret)?;
        }
    }
    Ok(())
}

/// One item's `totp` field.
fn add(c: &mut Collector, name: &str, username: Option<&str>, totp: &str) -> Result<()> {
    let totp = totp.trim();
    let lower: String = totp
        .chars()
        .take(10)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("otpauth:") {
        c.uri(totp, Some(name), username)
    } else if lower.starts_with("steam://") {
        c.other_type(Some(name), username, "steam");
        Ok(())
    } else {
        c.base32(Some(name), username, totp, Params::default())
    }
}
