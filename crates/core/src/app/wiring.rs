//! Wiring a profile to Otpilot and unwiring it: one checked, backed-up, comment-preserving
//! edit of the AWS config each way, and the lines it will change, shown before it is made.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Session;
use crate::aws::config_diff::DiffLine;
use crate::aws::config_edit::{edit_aws_config, preview_aws_config, IniText};
use crate::aws::profile::{
    read_aws_file, AwsFiles, Profiles, ResolvedProfile, PREFIX, SELF_RESOLVING_KEYS,
};
use crate::error::{Error, Result};
use crate::invocation::Invocation;

/// Keys moved out of the SDK's sight by wiring, besides the self-resolving ones: the AWS CLI
/// prompts for MFA on its own when it sees mfa_serial with a role.
const ROLE_KEYS: &[&str] = &[
    "mfa_serial",
    "duration_seconds",
    "role_session_name",
    "external_id",
    "source_identity",
];

/// What wiring a profile did, and what the person should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wiring {
    pub outcome: WireOutcome,
    /// How the `credential_process` line starts otpilot (bare name or absolute path), and why.
    pub invocation: Invocation,
    /// What the profile's chain does about MFA, when it is not what its lines suggest.
    pub mfa: Option<MfaNote>,
}

/// A profile's MFA, when the config does not say it plainly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaNote {
    /// No profile of the chain names an `mfa_serial`: the credentials carry no MFA.
    NoMfa {
        profile: String,
        /// The profile with the long-term keys, where a device would be named.
        source: String,
    },
    /// A role profile with no `mfa_serial` of its own uses its source profile's device (the
    /// AWS CLI would assume the role without MFA).
    Inherited {
        profile: String,
        source: String,
        serial: String,
    },
}

impl MfaNote {
    /// The note for `resolved`'s chain, if it needs one.
    pub fn of(resolved: &ResolvedProfile) -> Option<Self> {
        let profile = resolved.name.clone();
        let source = resolved.source_profile.clone();
        let Some(serial) = resolved.mfa_serial() else {
            return Some(Self::NoMfa { profile, source });
        };
        let first_role = resolved.hops.first()?;
        (first_role.mfa_serial.is_none()).then(|| Self::Inherited {
            profile: first_role.profile.clone(),
            source,
            serial: serial.to_owned(),
        })
    }

    /// Whether the person should act on it (no MFA at all), rather than only know it.
    pub fn is_warning(&self) -> bool {
        matches!(self, Self::NoMfa { .. })
    }
}

impl std::fmt::Display for MfaNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoMfa { profile, source } => write!(
                f,
                "no profile in the chain of `{profile}` names an mfa_serial, so its credentials carry no MFA; add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME` to [profile {source}], or enrol a device with `otpilot mfa enroll --profile {source}`"
            ),
            Self::Inherited {
                profile,
                source,
                serial,
            } => write!(
                f,
                "`{profile}` has no mfa_serial of its own, so Otpilot uses the device of its source profile `{source}` ({serial}); the AWS CLI would assume the role without MFA"
            ),
        }
    }
}

/// What the edit of the AWS config did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireOutcome {
    AlreadyWired,
    Wired {
        /// Keys renamed to `otpilot_*`.
        moved: Vec<&'static str>,
        /// The AWS config as it was before.
        backup: PathBuf,
    },
}

/// What unwiring a profile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnwireOutcome {
    NotWired,
    Unwired {
        /// Keys given back their own names (`otpilot_role_arn` → `role_arn`).
        restored: Vec<&'static str>,
        backup: PathBuf,
    },
}

/// The change an edit of the AWS config would make, for the person to confirm.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConfigPreview {
    /// The file that would change.
    pub path: String,
    /// The removed and added lines under their section header; empty when nothing changes.
    pub lines: Vec<DiffLine>,
    /// What the person should know before confirming.
    pub notes: Vec<String>,
}

impl Session {
    /// The lines [`Session::wire_profile`] would change, after the same checks; writes
    /// nothing.
    pub fn wiring_preview(&self, profile: &str, exe: &Path, force: bool) -> Result<ConfigPreview> {
        let checked = self.check_wiring(profile, exe, force)?;
        let lines = preview_aws_config(&checked.files.config, |ini| {
            wire_edit(ini, profile, &checked.command).map(drop)
        })?;
        Ok(ConfigPreview {
            path: checked.files.config.display().to_string(),
            lines,
            notes: checked.mfa.iter().map(ToString::to_string).collect(),
        })
    }

    /// Wires `profile` to Otpilot: `credential_process = EXE credential-process PROFILE`,
    /// and every key that would make an SDK resolve credentials itself renamed to
    /// `otpilot_*`, in one backed-up, comment-preserving edit of the AWS config. Refuses a
    /// profile whose chain does not work yet, one with long-term keys the SDKs would use
    /// without MFA, and (without `force`) one whose `credential_process` is someone else's.
    /// EXE is written as `otpilot` when that name on PATH is EXE ([`Invocation`]).
    pub fn wire_profile(&self, profile: &str, exe: &Path, force: bool) -> Result<Wiring> {
        let checked = self.check_wiring(profile, exe, force)?;
        let mut moved = Vec::new();
        let backup = edit_aws_config(&checked.files.config, |ini| {
            moved = wire_edit(ini, profile, &checked.command)?;
            Ok(())
        })?;
        Ok(Wiring {
            outcome: match backup {
                None => WireOutcome::AlreadyWired,
                Some(backup) => WireOutcome::Wired { moved, backup },
            },
            invocation: checked.invocation,
            mfa: checked.mfa,
        })
    }

    /// The lines [`Session::unwire_profile`] would change; writes nothing.
    pub fn unwiring_preview(&self, profile: &str) -> Result<ConfigPreview> {
        let files = self.aws_files()?;
        let profiles = Profiles::load(&files)?;
        let lines = if profiles.is_wired(profile) {
            preview_aws_config(&files.config, |ini| {
                unwire_edit(ini, profile);
                Ok(())
            })?
        } else {
            Vec::new()
        };
        Ok(ConfigPreview {
            path: files.config.display().to_string(),
            lines,
            notes: self.unwiring_notes(&profiles, profile),
        })
    }

    /// Gives a wired profile back to the SDKs: removes Otpilot's `credential_process` and
    /// renames each `otpilot_KEY` back to `KEY` (unless the profile has a `KEY` of its own
    /// by now), in one backed-up edit. Long-term keys moved into the keyring stay there.
    pub fn unwire_profile(&self, profile: &str) -> Result<UnwireOutcome> {
        let files = self.aws_files()?;
        let profiles = Profiles::load(&files)?;
        if !profiles.exists(profile) {
            return Err(Error::NoProfileSection {
                profile: profile.to_owned(),
                path: files.config.clone(),
            });
        }
        if !profiles.is_wired(profile) {
            return Ok(UnwireOutcome::NotWired);
        }
        let mut restored = Vec::new();
        let backup = edit_aws_config(&files.config, |ini| {
            restored = unwire_edit(ini, profile);
            Ok(())
        })?;
        Ok(match backup {
            None => UnwireOutcome::NotWired,
            Some(backup) => UnwireOutcome::Unwired { restored, backup },
        })
    }

    /// Refusals shared by the preview and the edit; the `credential_process` line to write.
    fn check_wiring(&self, profile: &str, exe: &Path, force: bool) -> Result<CheckedWiring> {
        let files = self.aws_files()?;
        let profiles = Profiles::load(&files)?;
        // The chain must work before callers depend on it.
        let resolved = profiles.resolve(profile)?;
        let credentials_text = std::fs::read_to_string(&files.credentials).unwrap_or_default();
        if IniText::parse(&credentials_text)
            .get(profile, true, "aws_access_key_id")
            .is_some()
        {
            return Err(Error::KeysInCredentialsFile {
                profile: profile.to_owned(),
                path: files.credentials.clone(),
            });
        }
        let ini = IniText::parse(&read_aws_file(&files.config)?);
        if !ini.has_section(profile, false) {
            return Err(Error::NoProfileSection {
                profile: profile.to_owned(),
                path: files.config.clone(),
            });
        }
        if ini.get(profile, false, "aws_secret_access_key").is_some() {
            return Err(Error::SecretInConfig {
                profile: profile.to_owned(),
                path: files.config.clone(),
            });
        }
        if let Some(existing) = ini.get(profile, false, "credential_process") {
            if !profiles.is_wired(profile) && !force {
                return Err(Error::ForeignCredentialProcess {
                    profile: profile.to_owned(),
                    existing: existing.to_owned(),
                });
            }
        }
        let invocation = Invocation::of(exe);
        Ok(CheckedWiring {
            command: credential_process_command(&invocation.command(), profile),
            invocation,
            mfa: MfaNote::of(&resolved),
            files,
        })
    }

    /// What stops working, or keeps working, once `profile` is unwired.
    fn unwiring_notes(&self, profiles: &Profiles, profile: &str) -> Vec<String> {
        let Ok(resolved) = profiles.resolve(profile) else {
            return Vec::new();
        };
        let source = &resolved.source_profile;
        let in_keyring = crate::keys::load(self.store(), source)
            .ok()
            .flatten()
            .is_some();
        let mut notes = Vec::new();
        if !resolved.keys_in_files && in_keyring {
            notes.push(format!(
                "the access keys of `{source}` are in the OS keyring, where the AWS CLI does not look: without Otpilot it will not find them"
            ));
        }
        if resolved.mfa_serial().is_some() {
            notes.push(
                "the AWS CLI will ask for an MFA code itself, and each tool keeps its own session"
                    .to_owned(),
            );
        }
        notes
    }
}

/// A wiring that passed the checks: where, what to write, and what to say.
struct CheckedWiring {
    files: AwsFiles,
    command: String,
    invocation: Invocation,
    mfa: Option<MfaNote>,
}

/// The wiring edit of `profile`'s section: returns the keys it renamed.
fn wire_edit(ini: &mut IniText, profile: &str, command: &str) -> Result<Vec<&'static str>> {
    let mut moved = Vec::new();
    for key in SELF_RESOLVING_KEYS.iter().chain(ROLE_KEYS) {
        if ini.rename_key(profile, false, key, &format!("{PREFIX}{key}")) {
            moved.push(*key);
        }
    }
    ini.set_key(profile, false, "credential_process", command)?;
    Ok(moved)
}

/// The unwiring edit: Otpilot's `credential_process` out, the renamed keys back.
fn unwire_edit(ini: &mut IniText, profile: &str) -> Vec<&'static str> {
    ini.remove_key(profile, false, "credential_process");
    let mut restored = Vec::new();
    for key in SELF_RESOLVING_KEYS.iter().chain(ROLE_KEYS) {
        if ini.get(profile, false, key).is_none()
            && ini.rename_key(profile, false, &format!("{PREFIX}{key}"), key)
        {
            restored.push(*key);
        }
    }
    restored
}

/// The `credential_process` line for `profile`, quoted when a path or name has spaces.
fn credential_process_command(exe: &str, profile: &str) -> String {
    if exe.contains(char::is_whitespace) || profile.contains(char::is_whitespace) {
        format!("\"{exe}\" credential-process \"{profile}\"")
    } else {
        format!("{exe} credential-process {profile}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::config_diff::LineChange;
    use crate::testing::{World, SERIAL};

    /// No such file: whatever `otpilot` PATH holds here, it is another one, so the absolute
    /// path is written.
    const EXE: &str = "/nonexistent/otpilot";

    fn config(w: &World) -> String {
        std::fs::read_to_string(&w.files.config).unwrap()
    }

    fn backups(w: &World) -> usize {
        std::fs::read_dir(w.files.config.parent().unwrap())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("otpilot-backup")
            })
            .count()
    }

    #[test]
    fn the_preview_shows_exactly_the_lines_wiring_then_changes() {
        let w = World::new();
        let before = config(&w);
        let preview = w
            .session
            .wiring_preview("admin", Path::new(EXE), false)
            .unwrap();
        assert_eq!(config(&w), before, "a preview writes nothing");
        assert_eq!(backups(&w), 0);
        let shown: Vec<(LineChange, &str)> = preview
            .lines
            .iter()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (LineChange::Context, "[profile admin]"),
                (
                    LineChange::Removed,
                    "role_arn = arn:aws:iam::123456789012:role/Admin"
                ),
                (LineChange::Removed, "source_profile = base"),
                (
                    LineChange::Removed,
                    "mfa_serial = arn:aws:iam::123456789012:mfa/alice"
                ),
                (
                    LineChange::Added,
                    "otpilot_role_arn = arn:aws:iam::123456789012:role/Admin"
                ),
                (LineChange::Added, "otpilot_source_profile = base"),
                (
                    LineChange::Added,
                    "otpilot_mfa_serial = arn:aws:iam::123456789012:mfa/alice"
                ),
                (
                    LineChange::Added,
                    "credential_process = /nonexistent/otpilot credential-process admin"
                ),
            ]
        );
        let outcome = w
            .session
            .wire_profile("admin", Path::new(EXE), false)
            .unwrap();
        assert!(matches!(outcome.outcome, WireOutcome::Wired { .. }));
        assert_eq!(
            crate::aws::config_diff::changed_lines(&before, &config(&w)),
            preview.lines
        );
        // `admin` names its own device: nothing to say about MFA.
        assert_eq!(outcome.mfa, None);
        assert!(preview.notes.is_empty(), "{:?}", preview.notes);
    }

    #[test]
    fn wiring_says_when_a_role_borrows_its_source_device_or_no_mfa_is_used() {
        let w = World::new();
        std::fs::write(
            &w.files.config,
            format!(
                "[profile base]\nmfa_serial = {SERIAL}\n\
                 [profile borrow]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n\
                 [profile plain]\n\
                 [profile bare]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = plain\n"
            ),
        )
        .unwrap();
        std::fs::write(
            &w.files.credentials,
            "[plain]\naws_access_key_id = AKIAFAKEKEYEXAMPLE02\naws_secret_access_key = x\n",
        )
        .unwrap();
        let inherited = MfaNote::Inherited {
            profile: "borrow".into(),
            source: "base".into(),
            serial: SERIAL.into(),
        };
        let preview = w
            .session
            .wiring_preview("borrow", Path::new(EXE), false)
            .unwrap();
        assert_eq!(preview.notes, vec![inherited.to_string()]);
        let wired = w
            .session
            .wire_profile("borrow", Path::new(EXE), false)
            .unwrap();
        assert_eq!(wired.mfa, Some(inherited.clone()));
        assert!(!inherited.is_warning());
        assert_eq!(
            inherited.to_string(),
            format!("`borrow` has no mfa_serial of its own, so Otpilot uses the device of its source profile `base` ({SERIAL}); the AWS CLI would assume the role without MFA")
        );

        let none = w
            .session
            .wire_profile("bare", Path::new(EXE), false)
            .unwrap()
            .mfa
            .unwrap();
        assert!(none.is_warning());
        assert_eq!(
            none,
            MfaNote::NoMfa {
                profile: "bare".into(),
                source: "plain".into()
            }
        );
    }

    #[test]
    fn the_preview_refuses_what_wiring_refuses() {
        let w = World::new();
        // `base` has keys in the credentials file: the SDKs would use them without MFA.
        let e = w
            .session
            .wiring_preview("base", Path::new(EXE), false)
            .unwrap_err();
        assert!(matches!(e, Error::KeysInCredentialsFile { .. }), "{e}");
    }

    #[test]
    fn unwiring_gives_the_profile_back_as_it_was() {
        let w = World::new();
        let before = config(&w);
        w.session
            .wire_profile("admin", Path::new(EXE), false)
            .unwrap();
        let preview = w.session.unwiring_preview("admin").unwrap();
        assert!(preview
            .lines
            .iter()
            .any(|l| l.change == LineChange::Removed && l.text.starts_with("credential_process")));
        let outcome = w.session.unwire_profile("admin").unwrap();
        let UnwireOutcome::Unwired { restored, backup } = outcome else {
            panic!("not unwired: {outcome:?}");
        };
        assert_eq!(restored, vec!["role_arn", "source_profile", "mfa_serial"]);
        assert!(backup.exists());
        // The same keys with their own names (wiring appended credential_process, so the
        // order of the renamed keys is as before).
        assert_eq!(config(&w), before);
        assert_eq!(
            w.session.unwire_profile("admin").unwrap(),
            UnwireOutcome::NotWired
        );
        assert!(w
            .session
            .unwiring_preview("admin")
            .unwrap()
            .lines
            .is_empty());
    }

    #[test]
    fn unwiring_warns_when_the_source_keys_live_only_in_the_keyring() {
        let w = World::new();
        w.session.move_keys_to_keyring("base").unwrap();
        w.session
            .wire_profile("admin", Path::new(EXE), false)
            .unwrap();
        let notes = w.session.unwiring_preview("admin").unwrap().notes;
        assert!(
            notes
                .iter()
                .any(|n| n.contains("`base`") && n.contains("keyring")),
            "{notes:?}"
        );
    }

    #[test]
    fn unwiring_an_unknown_profile_is_a_clear_error() {
        let w = World::new();
        let e = w.session.unwire_profile("ghost").unwrap_err();
        assert!(e.to_string().contains("ghost"), "{e}");
    }
}
