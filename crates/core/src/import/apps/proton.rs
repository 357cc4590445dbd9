//! Proton Authenticator's export: `{"version": 1, "entries": [{"content": {"uri":
//! "otpauth://...", "entry_type": "Totp" | "Steam", "name": "..."}, "note": ...}]}`.
//! The password-protected export is refused with what to do instead.

use serde::Deserialize;

use super::Collector;
use crate::error::Result;
use crate::secret::SecretString;

#[derive(Deserialize)]
struct Export {
    entries: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    content: Content,
}

#[derive(Deserialize)]
struct Content {
    uri: SecretString,
    entry_type: Option<String>,
    name: Option<String>,
}

pub fn read(text: &str, c: &mut Collector) -> Result<()> {
    let export: Export = serde_json::from_str(text).map_err(|e| c.bad_json(&e))?;
    let Some(entries) = export.entries else {
        return Err(c.unsupported(
            "it is protected with a password; export again without one, import it, then delete that file",
        ));
    };
    for entry in entries {
        let content = entry.content;
        match content.entry_type.as_deref() {
            None | Some("Totp") | Some("TOTP") => {
                c.uri(content.uri.expose(), None, content.name.as_deref())?
            }
            Some(other) => c.other_type(None, content.name.as_deref(), other),
        }
    }
    Ok(())
}
