//! Where Otpilot keeps its non-secret files, following the XDG base directory spec.
//!
//! Secrets never live here: only metadata (device names, TOTP parameters, expiry times).
//! Every directory is created 0700 so that even metadata is private to the user.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The name every directory of Otpilot's is filed under.
const APP: &str = "otpilot";

/// The directories Otpilot uses, resolved once from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub config: PathBuf,
    pub cache: PathBuf,
    pub state: PathBuf,
    /// The vault (`XDG_DATA_HOME`).
    pub data: PathBuf,
    /// Runtime directory for sockets and locks (`XDG_RUNTIME_DIR/otpilot`); without
    /// `XDG_RUNTIME_DIR` (an SSH session without systemd-logind, WSL), `otpilot-<uid>` in the
    /// temporary directory, which `ensure_private_dir` creates 0700 and checks is the user's.
    pub runtime: PathBuf,
}

impl Dirs {
    /// Resolves the directories from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var_os(k))
    }

    /// Resolves the directories from any variable lookup (tests pass a map), as the
    /// platform lays them out (XDG on Linux).
    pub fn from_lookup(var: impl Fn(&str) -> Option<OsString>) -> Result<Self> {
        let base = crate::platform::base_dirs(&var)?;
        let cache = base.cache.join(APP);
        let tmp = var("TMPDIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        Ok(Self {
            config: base.config.join(APP),
            runtime: base.runtime.map_or_else(
                || tmp.join(format!("{APP}-{}", crate::platform::current_uid())),
                |dir| dir.join(APP),
            ),
            state: base.state.join(APP),
            data: base.data.join(APP),
            cache,
        })
    }
}

/// Creates `dir` and its missing parents; the directories this creates get mode 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| Error::CreateDir {
        path: dir.to_owned(),
        cause: source,
    })?;
    // A directory that already existed keeps its mode; tighten ours if someone loosened it.
    // It must be a directory of ours, not a link to one elsewhere or someone else's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::symlink_metadata(dir).map_err(|source| Error::CreateDir {
            path: dir.to_owned(),
            cause: source,
        })?;
        let refuse = |why: String| Error::CreateDir {
            path: dir.to_owned(),
            cause: std::io::Error::new(std::io::ErrorKind::PermissionDenied, why),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(
                "it is a symbolic link; remove it so Otpilot can create its own directory".into(),
            ));
        }
        let own = crate::platform::current_uid();
        if meta.uid() != own {
            return Err(refuse(format!(
                "it belongs to uid {}, not {own}; remove it or set XDG_RUNTIME_DIR to a directory of yours",
                meta.uid()
            )));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(
                |source| Error::CreateDir {
                    path: dir.to_owned(),
                    cause: source,
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_private_dir_is_never_a_link_to_somewhere_else() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let link = tmp.path().join("run");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let e = ensure_private_dir(&link).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        // A real directory of ours is fine, and tightened.
        let own = tmp.path().join("own");
        std::fs::create_dir(&own).unwrap();
        ensure_private_dir(&own).unwrap();
    }
    use std::collections::HashMap;

    fn dirs(vars: &[(&str, &str)]) -> Result<Dirs> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Dirs::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn falls_back_to_home() {
        let d = dirs(&[("HOME", "/home/a")]).unwrap();
        assert_eq!(d.config, PathBuf::from("/home/a/.config/otpilot"));
        assert_eq!(d.cache, PathBuf::from("/home/a/.cache/otpilot"));
        assert_eq!(d.state, PathBuf::from("/home/a/.local/state/otpilot"));
        assert_eq!(d.data, PathBuf::from("/home/a/.local/share/otpilot"));
        let uid = crate::platform::current_uid();
        assert_eq!(d.runtime, PathBuf::from(format!("/tmp/otpilot-{uid}")));
    }

    #[test]
    fn honours_xdg_and_ignores_relative_paths() {
        let d = dirs(&[
            ("HOME", "/home/a"),
            ("XDG_CONFIG_HOME", "/x/config"),
            ("XDG_CACHE_HOME", "relative/cache"),
            ("XDG_STATE_HOME", "/x/state"),
            ("XDG_RUNTIME_DIR", "/run/user/1"),
        ])
        .unwrap();
        assert_eq!(d.config, PathBuf::from("/x/config/otpilot"));
        assert_eq!(d.cache, PathBuf::from("/home/a/.cache/otpilot"));
        assert_eq!(d.state, PathBuf::from("/x/state/otpilot"));
        assert_eq!(d.runtime, PathBuf::from("/run/user/1/otpilot"));
    }

    #[test]
    fn no_home_and_no_xdg_is_an_error() {
        assert!(matches!(dirs(&[]), Err(Error::NoHome)));
    }
}
