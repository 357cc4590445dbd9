//! `otpilot keys add|import|remove`: long-term access keys in the OS keyring.

use std::io::Read;

use anyhow::{bail, Context, Result};
use otpilot_core::credentials::LongTermKeys;
use otpilot_core::keys::parse_keys;
use otpilot_core::secret::SecretString;
use zeroize::Zeroizing;

use super::Ctx;
use crate::cli::KeysCommand;
use crate::term;

pub fn run(ctx: &Ctx, command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Add {
            profile,
            access_key_id,
        } => {
            let keys = read_keys(access_key_id)?;
            let masked = ctx.session.store_keys(&profile, &keys)?;
            eprintln!("stored access key {masked} for profile `{profile}` in the OS keyring");
            Ok(())
        }
        KeysCommand::Import { profile } => import(ctx, &profile),
        KeysCommand::Remove { profile, yes } => {
            term::confirm_or_yes(
                yes,
                &format!("Delete the access keys of `{profile}` from the keyring?"),
            )?;
            if otpilot_core::keys::delete(ctx.session.store(), &profile)? {
                eprintln!("deleted the access keys of `{profile}` from the keyring");
                Ok(())
            } else {
                bail!("no access keys of `{profile}` in the keyring; see `otpilot profile list`")
            }
        }
    }
}

/// Reads a key pair: two tokens on stdin (or the IAM console's CSV), or prompts.
fn read_keys(access_key_id: Option<String>) -> Result<LongTermKeys> {
    if term::stdin_is_terminal() {
        let id = match access_key_id {
            Some(id) => id,
            None => term::prompt_visible("Access key ID: ")?,
        };
        let secret = term::prompt_secret("Secret access key (hidden): ")?;
        return Ok(LongTermKeys {
            access_key_id: id.trim().to_owned(),
            secret_access_key: SecretString::from(secret.expose().trim()),
        });
    }
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the keys from stdin")?;
    Ok(parse_keys(&text, access_key_id.as_deref())?)
}

/// Moves `[profile]`'s keys from the credentials file into the keyring.
fn import(ctx: &Ctx, profile: &str) -> Result<()> {
    let moved = ctx.session.move_keys_to_keyring(profile)?;
    eprintln!(
        "moved access key {} of `{profile}` from {} into the OS keyring",
        moved.access_key_id, moved.path
    );
    eprintln!(
        "the original file is backed up in the keyring: `secret-tool lookup service otpilot username {}` prints it",
        moved.backup_key
    );
    Ok(())
}
