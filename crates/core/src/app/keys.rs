//! Long-term access keys: where a profile's are, storing new ones in the keyring, and moving
//! them out of `~/.aws/credentials` into it (`otpilot keys add|import`, the window's guide).

use std::path::Path;

use serde::Serialize;
use zeroize::Zeroizing;

use super::Session;
use crate::atomic::write_private;
use crate::aws::config_edit::IniText;
use crate::aws::file_lock::with_aws_file_locked;
use crate::aws::profile::{AwsFiles, Profiles};
use crate::clock::unix_now;
use crate::credentials::{mask_key_id, LongTermKeys};
use crate::error::{Error, Result};
use crate::secret::SecretString;

/// Where a profile's long-term access keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeysLocation {
    /// In the OS keyring only: what Otpilot recommends.
    Keyring,
    /// In `~/.aws/credentials` (a plain file) only.
    CredentialsFile,
    /// In both; the file's copy is the one the SDKs use without Otpilot.
    Both,
    /// Nowhere Otpilot looks.
    Nowhere,
}

/// What moving a profile's keys into the keyring did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeysMoved {
    pub profile: String,
    /// The access key id, masked (`AKIA…MPLE`).
    pub access_key_id: String,
    /// The credentials file the keys were taken out of.
    pub path: String,
    /// The keyring item that holds the file as it was (`backup:aws-credentials:<time>`).
    pub backup_key: String,
}

impl Session {
    /// Where `profile`'s long-term keys are: the keyring, the credentials file (as read into
    /// `profiles`, once for a whole list), both.
    pub fn keys_location(&self, profiles: &Profiles, profile: &str) -> Result<KeysLocation> {
        let in_keyring = crate::keys::load(self.store(), profile)?.is_some();
        let in_file = profiles.file_keys(profile).is_some();
        Ok(match (in_keyring, in_file) {
            (true, false) => KeysLocation::Keyring,
            (false, true) => KeysLocation::CredentialsFile,
            (true, true) => KeysLocation::Both,
            (false, false) => KeysLocation::Nowhere,
        })
    }

    /// Stores `keys` for `profile` in the keyring (checked first); returns the masked id.
    pub fn store_keys(&self, profile: &str, keys: &LongTermKeys) -> Result<String> {
        crate::keys::save(self.store(), profile, keys)?;
        Ok(mask_key_id(&keys.access_key_id))
    }

    /// Moves `[profile]`'s keys from the credentials file into the keyring. The original file
    /// is kept, but in the keyring: a backup on disk would leave the secret where it was. The
    /// file keeps its other profiles, comments and order; when writing it fails, the keyring
    /// copy is taken back, so the keys are in exactly one place either way.
    pub fn move_keys_to_keyring(&self, profile: &str) -> Result<KeysMoved> {
        let files = self.aws_files()?;
        // A symlinked credentials file (dotfiles) is edited where it points, holding its
        // edit lock from the read to the write.
        with_aws_file_locked(&files.credentials, |path| {
            self.move_keys_locked(&files, path, profile)
        })
    }

    /// [`Session::move_keys_to_keyring`] with the credentials file's edit lock held; `path` is
    /// the real file.
    fn move_keys_locked(&self, files: &AwsFiles, path: &Path, profile: &str) -> Result<KeysMoved> {
        let original =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| Error::FileRead {
                    path: path.to_owned(),
                    cause: source,
                })?,
            );
        let mut ini = IniText::parse(&original);
        let refuse = |detail: String| Error::KeysNotMovable {
            profile: profile.to_owned(),
            detail,
        };
        if !ini.has_section(profile, true) {
            return Err(refuse(format!(
                "there is no [{profile}] in {}; add keys directly with `otpilot keys add {profile}`",
                path.display()
            )));
        }
        if ini.get(profile, true, "aws_session_token").is_some() {
            return Err(refuse(format!(
                "[{profile}] in {} holds temporary credentials (aws_session_token), not long-term keys",
                path.display()
            )));
        }
        let (Some(id), Some(secret)) = (
            ini.get(profile, true, "aws_access_key_id"),
            ini.get(profile, true, "aws_secret_access_key")
                .map(Zeroizing::new),
        ) else {
            return Err(refuse(format!(
                "[{profile}] in {} has no aws_access_key_id/aws_secret_access_key",
                path.display()
            )));
        };
        let keys = LongTermKeys {
            access_key_id: id,
            secret_access_key: SecretString::from(secret.as_str()),
        };
        crate::keys::validate(&keys)?;

        // Never over an earlier backup (another import in the same second): the edit lock
        // held here makes the free name stay free.
        let stem = format!("backup:aws-credentials:{}", unix_now());
        let mut backup_key = stem.clone();
        for n in 1.. {
            if self.store().get(&backup_key)?.is_none() {
                break;
            }
            backup_key = format!("{stem}-{n}");
        }
        self.store().set(
            &backup_key,
            "Otpilot backup of ~/.aws/credentials",
            original.as_bytes(),
        )?;
        crate::keys::save(self.store(), profile, &keys)?;
        ini.remove_key(profile, true, "aws_access_key_id");
        ini.remove_key(profile, true, "aws_secret_access_key");
        // An emptied section goes, unless it is all that defines the profile: roles name it
        // as their source_profile, and a profile that no file mentions does not exist.
        let in_config = std::fs::read_to_string(&files.config)
            .map(|text| IniText::parse(&text).has_section(profile, false))
            .unwrap_or(false);
        if in_config && ini.section_is_empty(profile, true) {
            ini.remove_empty_section(profile, true);
        }
        let rewritten = Zeroizing::new(ini.render());
        if let Err(e) = write_private(path, rewritten.as_bytes()) {
            // The file is as it was; do not leave a second copy of the keys behind.
            let _ = crate::keys::delete(self.store(), profile);
            return Err(e);
        }
        // What the SDKs will read now (through any link) must not hold the secret.
        let read_back = Zeroizing::new(std::fs::read(&files.credentials).unwrap_or_default());
        let secret = keys.secret_access_key.expose().as_bytes();
        if read_back.windows(secret.len()).any(|w| w == secret) {
            return Err(refuse(format!(
                "the secret key is still in {} after the edit; remove it by hand (the keys are also in the keyring now)",
                files.credentials.display()
            )));
        }
        Ok(KeysMoved {
            profile: profile.to_owned(),
            access_key_id: mask_key_id(&keys.access_key_id),
            path: files.credentials.display().to_string(),
            backup_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{World, BASE_CREDENTIALS};

    #[test]
    fn moving_keys_leaves_the_other_profiles_and_backs_the_file_up_in_the_keyring() {
        let w = World::new();
        let original = format!(
            "# mine\n{BASE_CREDENTIALS}region = us-east-1\n\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = othersecretothersecret00\n"
        );
        std::fs::write(&w.files.credentials, &original).unwrap();
        assert_eq!(
            w.session
                .keys_location(&w.session.profiles().unwrap(), "base")
                .unwrap(),
            KeysLocation::CredentialsFile
        );
        let moved = w.session.move_keys_to_keyring("base").unwrap();
        assert_eq!(moved.access_key_id, mask_key_id("AKIAFAKEKEYEXAMPLE01"));
        assert_eq!(
            std::fs::read_to_string(&w.files.credentials).unwrap(),
            "# mine\n[base]\nregion = us-east-1\n\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = othersecretothersecret00\n"
        );
        assert_eq!(
            w.session
                .keys_location(&w.session.profiles().unwrap(), "base")
                .unwrap(),
            KeysLocation::Keyring
        );
        let backup = w.session.store().get(&moved.backup_key).unwrap().unwrap();
        assert_eq!(backup.expose(), original.as_bytes());
        // Nothing left to move: one clear line, nothing changed.
        let e = w.session.move_keys_to_keyring("base").unwrap_err();
        assert!(e.to_string().contains("no aws_access_key_id"), "{e}");
        assert_eq!(
            w.session
                .keys_location(&w.session.profiles().unwrap(), "nobody")
                .unwrap(),
            KeysLocation::Nowhere
        );
    }

    #[test]
    fn a_profile_defined_only_by_its_keys_keeps_its_section() {
        let w = World::new();
        std::fs::write(
            &w.files.config,
            "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n",
        )
        .unwrap();
        w.session.move_keys_to_keyring("base").unwrap();
        assert_eq!(
            std::fs::read_to_string(&w.files.credentials).unwrap(),
            "[base]\n"
        );
        // The role's source still exists, now with its keys in the keyring.
        assert_eq!(
            w.session
                .profiles()
                .unwrap()
                .resolve("admin")
                .unwrap()
                .source_profile,
            "base"
        );
        assert_eq!(
            w.session
                .keys_location(&w.session.profiles().unwrap(), "base")
                .unwrap(),
            KeysLocation::Keyring
        );
    }

    #[test]
    fn temporary_credentials_are_not_moved() {
        let w = World::new();
        std::fs::write(
            &w.files.credentials,
            "[base]\naws_access_key_id = ASIAFAKEKEYEXAMPLE01\naws_secret_access_key = fakesecretfakesecretfakesecret0001\naws_session_token = tok\n",
        )
        .unwrap();
        let e = w.session.move_keys_to_keyring("base").unwrap_err();
        assert!(e.to_string().contains("temporary credentials"), "{e}");
        assert!(crate::keys::load(w.session.store(), "base")
            .unwrap()
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_credentials_file_stays_a_link_and_loses_the_secret_where_it_points() {
        let w = World::new();
        let target = w.dir.path().join("dotfiles/credentials");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, BASE_CREDENTIALS).unwrap();
        std::fs::remove_file(&w.files.credentials).unwrap();
        std::os::unix::fs::symlink(&target, &w.files.credentials).unwrap();
        w.session.move_keys_to_keyring("base").unwrap();
        assert!(std::fs::symlink_metadata(&w.files.credentials)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!std::fs::read_to_string(&target)
            .unwrap()
            .contains("fakesecret"));
        assert_eq!(
            w.session
                .keys_location(&w.session.profiles().unwrap(), "base")
                .unwrap(),
            KeysLocation::Keyring
        );
    }
}
