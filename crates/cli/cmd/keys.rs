//! `otpilot keys add|import|remove`: long-term access keys in the OS keyring.

use std::io::Read;

use anyhow::{bail, Context, Result};
use otpilot_core::atomic::write_private;
use otpilot_core::aws::config_edit::IniText;
use otpilot_core::aws::profile::AwsFiles;
use otpilot_core::clock::unix_now;
use otpilot_core::credentials::{mask_key_id, LongTermKeys};
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
            otpilot_core::keys::save(ctx.session.store(), &profile, &keys)?;
            eprintln!(
                "stored access key {} for profile `{profile}` in the OS keyring",
                mask_key_id(&keys.access_key_id)
            );
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
    parse_keys(&text, access_key_id)
}

/// `AKID SECRET` (any whitespace), `SECRET` alone with --access-key-id, or the CSV with a
/// header line that the IAM console downloads.
fn parse_keys(text: &str, access_key_id: Option<String>) -> Result<LongTermKeys> {
    let mut tokens: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.to_ascii_lowercase().contains("access key id") {
            continue; // the CSV header
        }
        tokens.extend(
            line.split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|t| !t.is_empty()),
        );
    }
    let (id, secret) = match (access_key_id, tokens.as_slice()) {
        (Some(id), [secret]) => (id, *secret),
        (None, [id, secret]) => ((*id).to_owned(), *secret),
        _ => bail!(
            "expected the access key id and the secret access key on stdin (or the CSV the IAM console downloads)"
        ),
    };
    Ok(LongTermKeys {
        access_key_id: id,
        secret_access_key: SecretString::from(secret),
    })
}

/// Moves `[profile]`'s keys from the credentials file into the keyring. The original file is
/// kept, but in the keyring: a backup on disk would leave the secret where it was.
fn import(ctx: &Ctx, profile: &str) -> Result<()> {
    let files = AwsFiles::from_env()?;
    let path = &files.credentials;
    let original = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
    );
    let mut ini = IniText::parse(&original);
    if !ini.has_section(profile, true) {
        bail!(
            "no [{profile}] in {}; add keys directly with `otpilot keys add {profile}`",
            path.display()
        );
    }
    if ini.get(profile, true, "aws_session_token").is_some() {
        bail!(
            "[{profile}] in {} holds temporary credentials (aws_session_token), not long-term keys; nothing to import",
            path.display()
        );
    }
    let (Some(id), Some(secret)) = (
        ini.get(profile, true, "aws_access_key_id"),
        ini.get(profile, true, "aws_secret_access_key")
            .map(Zeroizing::new),
    ) else {
        bail!(
            "[{profile}] in {} has no aws_access_key_id/aws_secret_access_key",
            path.display()
        );
    };
    let keys = LongTermKeys {
        access_key_id: id,
        secret_access_key: SecretString::from(secret.as_str()),
    };
    otpilot_core::keys::validate(&keys)?;

    let backup_key = format!("backup:aws-credentials:{}", unix_now());
    ctx.session.store().set(
        &backup_key,
        "Otpilot backup of ~/.aws/credentials",
        original.as_bytes(),
    )?;
    otpilot_core::keys::save(ctx.session.store(), profile, &keys)?;
    ini.remove_key(profile, true, "aws_access_key_id");
    ini.remove_key(profile, true, "aws_secret_access_key");
    if ini.section_is_empty(profile, true) {
        ini.remove_empty_section(profile, true);
    }
    let rewritten = Zeroizing::new(ini.render());
    if let Err(e) = write_private(path, rewritten.as_bytes()) {
        // The file is as it was; do not leave a second copy of the keys behind.
        let _ = otpilot_core::keys::delete(ctx.session.store(), profile);
        return Err(e.into());
    }
    eprintln!(
        "moved access key {} of `{profile}` from {} into the OS keyring",
        mask_key_id(&keys.access_key_id),
        path.display()
    );
    eprintln!(
        "the original file is backed up in the keyring: `secret-tool lookup service otpilot username {backup_key}` prints it"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_people_have() {
        let csv = "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        let k = parse_keys(csv, None).unwrap();
        assert_eq!(k.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            k.secret_access_key.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        let two_lines = "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        assert_eq!(
            parse_keys(two_lines, None).unwrap().access_key_id,
            "AKIAIOSFODNN7EXAMPLE"
        );
        let secret_only = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
        let k = parse_keys(secret_only, Some("AKIAIOSFODNN7EXAMPLE".into())).unwrap();
        assert_eq!(k.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert!(parse_keys("one two three", None).is_err());
    }
}
