//! `ProfileResolver`: reads `~/.aws/config` and `~/.aws/credentials` with the AWS SDK's own
//! parser and follows `source_profile` chains into a [`ResolvedProfile`].
//!
//! Honours `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/file-location.html>). Keys written by
//! `otpilot profile setup` carry an `otpilot_` prefix (so SDKs ignore them) and take
//! precedence over the plain ones.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use crate::error::{Error, Result};

/// Prefix of the keys Otpilot reads in place of the SDK's own.
pub const PREFIX: &str = "otpilot_";

/// Keys that make an SDK resolve credentials for a profile on its own. A profile whose
/// `credential_process` is Otpilot must carry none of them, or the SDK (and the AWS CLI)
/// would prompt for MFA or use keys directly.
pub const SELF_RESOLVING_KEYS: &[&str] = &[
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "sso_region",
    "login_session",
];

/// Where the AWS shared files are.
#[derive(Debug, Clone)]
pub struct AwsFiles {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl AwsFiles {
    pub fn from_env() -> Result<Self> {
        let home = crate::platform::home_dir(|k| std::env::var_os(k)).ok_or(Error::NoHome)?;
        let pick = |var: &str, default: &str| -> PathBuf {
            match std::env::var(var) {
                Ok(v) if !v.is_empty() => expand_home(&v, &home),
                _ => home.join(".aws").join(default),
            }
        };
        Ok(Self {
            config: pick("AWS_CONFIG_FILE", "config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        })
    }
}

fn expand_home(path: &str, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// The profiles of the shared files, parsed.
pub struct Profiles {
    set: ProfileSet,
    pub files: AwsFiles,
}

/// An AWS shared file's text; a missing file reads as an empty one, as for the SDKs.
pub fn read_aws_file(path: &Path) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(Error::FileRead {
            path: path.to_owned(),
            cause: source,
        }),
    }
}

impl Profiles {
    /// Reads and parses both files (a missing file is an empty one, as for the SDK).
    pub fn load(files: &AwsFiles) -> Result<Self> {
        let read = read_aws_file;
        let config = read(&files.config)?;
        let credentials = read(&files.credentials)?;
        let sources = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config)
            .with_contents(EnvConfigFileKind::Credentials, credentials)
            .build();
        let (fs, env) = (
            aws_types::os_shim_internal::Fs::real(),
            aws_types::os_shim_internal::Env::real(),
        );
        let load = aws_config::profile::load(&fs, &env, &sources, Some(Cow::Borrowed("default")));
        let set = crate::runtime::block_on(load).map_err(|e| Error::AwsConfigParse {
            path: files.config.clone(),
            // The SDK's message spans lines; errors here are one line on stderr.
            detail: e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })?;
        Ok(Self {
            set,
            files: files.clone(),
        })
    }

    /// Profile names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.set.profiles().map(str::to_owned).collect();
        names.sort();
        names
    }

    pub fn exists(&self, name: &str) -> bool {
        self.set.get_profile(name).is_some()
    }

    /// A key of a profile; `otpilot_KEY` wins over `KEY`.
    pub fn get(&self, profile: &str, key: &str) -> Option<&str> {
        let p = self.set.get_profile(profile)?;
        p.get(&format!("{PREFIX}{key}"))
            .or_else(|| p.get(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// A key exactly as the SDK would read it (no prefix).
    pub fn get_raw(&self, profile: &str, key: &str) -> Option<&str> {
        self.set.get_profile(profile)?.get(key)
    }

    /// Whether the SDKs get this profile's credentials from Otpilot: its `credential_process`
    /// runs `otpilot credential-process` (what `profile setup` writes). The one rule for
    /// "wired", in `profile list`, `profile status`, `doctor` and the window.
    pub fn is_wired(&self, profile: &str) -> bool {
        self.otpilot_target(profile).is_some()
    }

    /// The Otpilot profile this profile's `credential_process` asks for, when it runs
    /// `otpilot credential-process [PROFILE]` (the profile itself when it names none).
    pub fn otpilot_target(&self, profile: &str) -> Option<String> {
        otpilot_command_target(self.get_raw(profile, "credential_process")?)
            .map(|target| target.unwrap_or_else(|| profile.to_owned()))
    }

    /// The other Otpilot profile this one hands its credentials over from
    /// (`credential_process = otpilot credential-process OTHER`), if it does.
    pub fn delegates_to(&self, profile: &str) -> Option<String> {
        self.otpilot_target(profile).filter(|t| t != profile)
    }

    /// Follows the profile's chain down to the profile that holds long-term keys.
    pub fn resolve(&self, name: &str) -> Result<ResolvedProfile> {
        if !self.exists(name) {
            return Err(Error::ProfileNotFound {
                profile: name.to_owned(),
                config: self.files.config.clone(),
            });
        }
        let mut hops = Vec::new();
        let mut seen = BTreeSet::new();
        let mut path = vec![name.to_owned()];
        let mut current = name.to_owned();
        loop {
            if !seen.insert(current.clone()) {
                return Err(Error::ProfileLoop(path.join(" -> ")));
            }
            if !self.exists(&current) {
                return Err(Error::ProfileNotFound {
                    profile: current,
                    config: self.files.config.clone(),
                });
            }
            for (key, what) in [
                (
                    "credential_source",
                    "credential_source (EC2/ECS/environment credentials)",
                ),
                ("web_identity_token_file", "web identity federation"),
                ("sso_session", "IAM Identity Center (SSO)"),
                ("sso_start_url", "IAM Identity Center (SSO)"),
            ] {
                if self.get(&current, key).is_some() {
                    return Err(Error::ProfileUnsupported {
                        profile: current,
                        what,
                    });
                }
            }
            let Some(role_arn) = self.get(&current, "role_arn") else {
                break; // no role: this profile is the source of long-term keys
            };
            let source =
                self.get(&current, "source_profile")
                    .ok_or_else(|| Error::ProfileIncomplete {
                        profile: current.clone(),
                        detail: "it has role_arn but no source_profile".into(),
                    })?;
            hops.push(RoleHop {
                profile: current.clone(),
                role_arn: role_arn.to_owned(),
                role_session_name: self.get(&current, "role_session_name").map(str::to_owned),
                external_id: self.get(&current, "external_id").map(str::to_owned),
                source_identity: self.get(&current, "source_identity").map(str::to_owned),
                duration_seconds: self.duration(&current, "duration_seconds")?,
                mfa_serial: self.get(&current, "mfa_serial").map(str::to_owned),
            });
            if source == current {
                // A profile may assume a role with its own static keys.
                break;
            }
            path.push(source.to_owned());
            current = source.to_owned();
        }
        hops.reverse();
        let source = current;
        // Settings are taken from the profile asked for first, then down its chain, as the
        // AWS CLI does for region.
        let chain: Vec<&str> = path.iter().map(String::as_str).collect();
        let first = |key: &str| {
            chain
                .iter()
                .find_map(|p| self.get(p, key))
                .map(str::to_owned)
        };
        Ok(ResolvedProfile {
            name: name.to_owned(),
            region: first("region"),
            endpoint_url: first("endpoint_url"),
            mfa_process: first("mfa_process"),
            source_mfa_serial: self.get(&source, "mfa_serial").map(str::to_owned),
            session_duration: self
                .duration(name, "session_duration")?
                .or(self.duration(&source, "session_duration")?),
            keys_in_files: self.get_raw(&source, "aws_access_key_id").is_some(),
            source_profile: source,
            hops,
        })
    }

    fn duration(&self, profile: &str, key: &str) -> Result<Option<u32>> {
        match self.get(profile, key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| Error::ProfileIncomplete {
                profile: profile.to_owned(),
                detail: format!("{key} = `{v}` is not a number of seconds"),
            }),
        }
    }

    /// Long-term keys from the shared files, if the profile has them there.
    pub fn file_keys(&self, profile: &str) -> Option<crate::credentials::LongTermKeys> {
        let id = self.get_raw(profile, "aws_access_key_id")?;
        let secret = self.get_raw(profile, "aws_secret_access_key")?;
        Some(crate::credentials::LongTermKeys {
            access_key_id: id.trim().to_owned(),
            secret_access_key: crate::secret::SecretString::from(secret.trim()),
        })
    }
}

/// Reads a `credential_process` command: `Some(target)` when it runs Otpilot's
/// `credential-process` (with `target` the profile it names, if any), `None` otherwise.
/// Words are split as the AWS CLI splits them: on spaces, double quotes grouping.
fn otpilot_command_target(command: &str) -> Option<Option<String>> {
    let words = command_words(command);
    let at = words.iter().position(|w| w == "credential-process")?;
    let program = words.get(at.checked_sub(1)?)?;
    let name = Path::new(program).file_name()?.to_string_lossy();
    if !name.starts_with("otpilot") {
        return None;
    }
    Some(words.get(at + 1).filter(|w| !w.starts_with('-')).cloned())
}

fn command_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// One `AssumeRole` step of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHop {
    /// The profile that defines this role.
    pub profile: String,
    pub role_arn: String,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    /// AssumeRole's `SourceIdentity`: who is behind the session, kept through role chains
    /// and in CloudTrail.
    pub source_identity: Option<String>,
    pub duration_seconds: Option<u32>,
    pub mfa_serial: Option<String>,
}

/// A profile with its chain followed: the source of long-term keys, then the roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedProfile {
    pub name: String,
    /// The profile that holds the long-term keys (in the files or the keyring).
    pub source_profile: String,
    pub keys_in_files: bool,
    /// `mfa_serial` of the source profile (used for GetSessionToken).
    pub source_mfa_serial: Option<String>,
    /// Roles to assume, in order, starting from the source.
    pub hops: Vec<RoleHop>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub mfa_process: Option<String>,
    /// `otpilot_session_duration`: how long the MFA session (GetSessionToken) lasts.
    pub session_duration: Option<u32>,
}

impl ResolvedProfile {
    /// The MFA device this profile's chain needs, if any: the first role's `mfa_serial`, else
    /// the source profile's.
    pub fn mfa_serial(&self) -> Option<&str> {
        self.hops
            .first()
            .and_then(|h| h.mfa_serial.as_deref())
            .or(self.source_mfa_serial.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(config: &str, credentials: &str) -> (tempfile::TempDir, Profiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = AwsFiles {
            config: dir.path().join("config"),
            credentials: dir.path().join("credentials"),
        };
        std::fs::write(&files.config, config).unwrap();
        std::fs::write(&files.credentials, credentials).unwrap();
        let p = Profiles::load(&files).unwrap();
        (dir, p)
    }

    #[test]
    fn otpilot_commands_are_recognised_with_their_target() {
        let t = |c: &str| otpilot_command_target(c);
        assert_eq!(
            t("/usr/bin/otpilot credential-process admin"),
            Some(Some("admin".into()))
        );
        assert_eq!(
            t("\"/opt/my tools/otpilot\" credential-process \"dev ops\""),
            Some(Some("dev ops".into()))
        );
        assert_eq!(t("otpilot credential-process"), Some(None));
        assert_eq!(t("aws-vault export --format=json admin"), None);
        assert_eq!(t("/usr/bin/not-otpilot-related credential-process x"), None);
        assert_eq!(t("credential-process admin"), None);
    }

    #[test]
    fn a_profile_that_runs_otpilot_for_another_profile_delegates_to_it() {
        let (_d, p) = profiles(
            "[profile admin]\ncredential_process = otpilot credential-process admin\n\
             [profile ci]\ncredential_process = /usr/local/bin/otpilot credential-process admin\n\
             [profile plain]\nregion = eu-west-1\n",
            CREDS,
        );
        assert!(p.is_wired("admin") && p.is_wired("ci") && !p.is_wired("plain"));
        assert_eq!(p.delegates_to("admin"), None);
        assert_eq!(p.delegates_to("ci").as_deref(), Some("admin"));
        assert_eq!(p.delegates_to("plain"), None);
    }

    const CREDS: &str = "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n";

    #[test]
    fn role_with_source_and_mfa() {
        let (_d, p) = profiles(
            "[profile base]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n\
             [profile admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::111111111111:mfa/alice\nduration_seconds = 7200\nexternal_id = x\n",
            CREDS,
        );
        let r = p.resolve("admin").unwrap();
        assert_eq!(r.source_profile, "base");
        assert!(r.keys_in_files);
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.hops.len(), 1);
        assert_eq!(r.hops[0].duration_seconds, Some(7200));
        assert_eq!(r.hops[0].external_id.as_deref(), Some("x"));
        assert_eq!(r.mfa_serial(), Some("arn:aws:iam::111111111111:mfa/alice"));
        assert_eq!(p.file_keys("base").unwrap().access_key_id, "AKIAEXAMPLE");
    }

    #[test]
    fn chains_are_ordered_from_the_source() {
        let (_d, p) = profiles(
            "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = base\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/B\nsource_profile = a\n",
            CREDS,
        );
        let r = p.resolve("b").unwrap();
        let arns: Vec<&str> = r.hops.iter().map(|h| h.role_arn.as_str()).collect();
        assert_eq!(arns, ["arn:aws:iam::1:role/A", "arn:aws:iam::2:role/B"]);
    }

    #[test]
    fn loops_missing_profiles_and_unsupported_sources() {
        let (_d, p) = profiles(
            "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n\
             [profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n\
             [profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = nowhere\n\
             [profile d]\nrole_arn = arn:aws:iam::1:role/D\ncredential_source = Ec2InstanceMetadata\n\
             [profile e]\nrole_arn = arn:aws:iam::1:role/E\n",
            "",
        );
        assert!(matches!(p.resolve("a"), Err(Error::ProfileLoop(chain)) if chain == "a -> b -> a"));
        assert!(
            matches!(p.resolve("c"), Err(Error::ProfileNotFound { profile, .. }) if profile == "nowhere")
        );
        assert!(matches!(
            p.resolve("d"),
            Err(Error::ProfileUnsupported { .. })
        ));
        assert!(matches!(
            p.resolve("e"),
            Err(Error::ProfileIncomplete { .. })
        ));
        assert!(matches!(
            p.resolve("zzz"),
            Err(Error::ProfileNotFound { .. })
        ));
    }

    #[test]
    fn prefixed_keys_win() {
        let (_d, p) = profiles(
            "[profile admin]\ncredential_process = otpilot credential-process admin\n\
             otpilot_role_arn = arn:aws:iam::2:role/Admin\notpilot_source_profile = base\n\
             otpilot_mfa_serial = arn:aws:iam::1:mfa/alice\n",
            CREDS,
        );
        let r = p.resolve("admin").unwrap();
        assert_eq!(r.hops[0].role_arn, "arn:aws:iam::2:role/Admin");
        assert_eq!(r.mfa_serial(), Some("arn:aws:iam::1:mfa/alice"));
        assert_eq!(p.get_raw("admin", "role_arn"), None);
    }

    #[test]
    fn default_profile_and_self_sourced_role() {
        let (_d, p) = profiles(
            "[default]\nregion = us-west-2\nmfa_serial = arn:aws:iam::1:mfa/me\n",
            "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n",
        );
        let r = p.resolve("default").unwrap();
        assert!(r.hops.is_empty());
        assert_eq!(r.source_profile, "default");
        assert_eq!(r.mfa_serial(), Some("arn:aws:iam::1:mfa/me"));
    }
}
