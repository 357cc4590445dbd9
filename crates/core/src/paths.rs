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
    /// `XDG_RUNTIME_DIR` (an SSH session without systemd-logind, WSL), `run-<host>` in the
    /// state directory. Not the temporary directory: there another user can create the
    /// predictable name first (and the victim cannot remove it from a sticky `/tmp`); the
    /// host's name keeps two machines sharing one home apart.
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
        let state = base.state.join(APP);
        Ok(Self {
            config: base.config.join(APP),
            runtime: base.runtime.map_or_else(
                || state.join(runtime_fallback_name(crate::platform::host_name())),
                |dir| dir.join(APP),
            ),
            state,
            data: base.data.join(APP),
            cache,
        })
    }
}

/// `run-<host>`, the host's name cut to what is safe in a file name.
fn runtime_fallback_name(host: Option<String>) -> String {
    let host: String = host
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    let host = host.trim_start_matches('.');
    if host.is_empty() {
        "run".into()
    } else {
        format!("run-{host}")
    }
}

/// Creates `dir` and its missing parents; the directories this creates get mode 0700.
///
/// Every directory on the way must be one only this user and root can change (see
/// [`check_path_is_ours`]), checked before anything is created in it and again after: a
/// lock or a socket in a directory another user controls is theirs to swap.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let own = crate::platform::current_uid();
        let refuse = |why: String| Error::CreateDir {
            path: dir.to_owned(),
            cause: std::io::Error::new(std::io::ErrorKind::PermissionDenied, why),
        };
        check_path_is_ours(dir, own).map_err(refuse)?;
    }
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
    // Windows: an owner-only DACL, inherited by what is created inside (see the platform's
    // `make_private`); given again if someone loosened it.
    #[cfg(windows)]
    if !crate::platform::is_private(dir).unwrap_or(false) {
        crate::platform::make_private(dir).map_err(|source| Error::CreateDir {
            path: dir.to_owned(),
            cause: source,
        })?;
    }
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
        check_path_is_ours(dir, crate::platform::current_uid()).map_err(&refuse)?;
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

/// Whether only `own` (and root) can change what `dir` leads to: each existing directory on
/// the way (and each symbolic link, and the directories it leads through) belongs to `own`
/// or root and is not writable by group or others, unless it is sticky (`/tmp`: there only
/// an entry's owner can rename or remove it, and the entry on the way is checked in turn).
/// Components that do not exist yet are not judged (they are created 0700); the last one,
/// when it exists, is left to the caller. The answer says what is wrong and what to do.
#[cfg(unix)]
pub fn check_path_is_ours(dir: &Path, own: u32) -> std::result::Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let advice = "use a directory only you (and root) can change: set XDG_RUNTIME_DIR, or HOME and the XDG_* directories, to one";
    let walk = |path: &Path| -> std::result::Result<(), String> {
        let components: Vec<_> = path.components().collect();
        let mut prefix = PathBuf::new();
        for component in &components[..components.len().saturating_sub(1)] {
            prefix.push(component);
            let Ok(meta) = std::fs::symlink_metadata(&prefix) else {
                break; // created by us from here on
            };
            let uid = meta.uid();
            if uid != own && uid != 0 {
                return Err(format!(
                    "{} belongs to uid {uid}, who could swap what Otpilot keeps below it; {advice}",
                    prefix.display()
                ));
            }
            let mode = meta.mode();
            // A link's own mode means nothing; where it leads is walked below.
            if !meta.file_type().is_symlink() && mode & 0o022 != 0 && mode & 0o1000 == 0 {
                return Err(format!(
                    "{} can be written by other users, who could swap what Otpilot keeps below it; {advice}",
                    prefix.display()
                ));
            }
        }
        Ok(())
    };
    walk(dir)?;
    // Where links on the way lead: the deepest existing part, resolved, and the rest.
    let mut existing = dir;
    while std::fs::symlink_metadata(existing).is_err() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => return Ok(()),
        }
    }
    if let Ok(real) = std::fs::canonicalize(existing) {
        if real != existing {
            let rest = dir.strip_prefix(existing).unwrap_or(Path::new(""));
            walk(&real.join(rest))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    mod ownership {
        use super::super::*;
        use std::os::unix::fs::PermissionsExt;

        fn mode(path: &Path, mode: u32) {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }

        fn own() -> u32 {
            crate::platform::current_uid()
        }

        #[test]
        fn a_directory_others_can_write_is_refused_before_anything_is_made_in_it() {
            let tmp = tempfile::tempdir().unwrap();
            let loose = tmp.path().join("loose");
            std::fs::create_dir(&loose).unwrap();
            mode(&loose, 0o777);
            let e = ensure_private_dir(&loose.join("otpilot/locks"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("can be written by other users"), "{e}");
            assert!(e.contains("XDG_RUNTIME_DIR"), "{e}");
            assert!(!loose.join("otpilot").exists(), "nothing is created in it");
            // Group-writable is as bad.
            mode(&loose, 0o770);
            assert!(check_path_is_ours(&loose.join("x"), own()).is_err());
        }

        #[test]
        fn a_sticky_shared_directory_is_fine_when_the_entry_in_it_is_ours() {
            let tmp = tempfile::tempdir().unwrap();
            let shared = tmp.path().join("shared");
            std::fs::create_dir(&shared).unwrap();
            mode(&shared, 0o1777);
            ensure_private_dir(&shared.join("mine/locks")).unwrap();
            assert!(shared.join("mine/locks").is_dir());
            // A directory of ours that someone loosened is still tightened, not refused.
            mode(&shared.join("mine/locks"), 0o777);
            ensure_private_dir(&shared.join("mine/locks")).unwrap();
            let m = std::fs::metadata(shared.join("mine/locks")).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, 0o700);
        }

        #[test]
        fn a_link_on_the_way_is_judged_by_where_it_leads() {
            let tmp = tempfile::tempdir().unwrap();
            let loose = tmp.path().join("loose");
            std::fs::create_dir(&loose).unwrap();
            mode(&loose, 0o777);
            std::fs::create_dir(loose.join("inner")).unwrap();
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(loose.join("inner"), &link).unwrap();
            let e = check_path_is_ours(&link.join("otpilot/run"), own()).unwrap_err();
            assert!(e.contains("can be written by other users"), "{e}");
        }

        #[test]
        fn another_users_directory_on_the_way_is_refused() {
            let tmp = tempfile::tempdir().unwrap();
            let shared = tmp.path().join("shared");
            std::fs::create_dir(&shared).unwrap();
            mode(&shared, 0o1777);
            let squat = shared.join("otpilot-squat");
            std::fs::create_dir(&squat).unwrap();
            // Only root can give a directory away; as anyone else, pretend to be another
            // user instead: the same directory is then someone else's.
            let (path, me) = if own() == 0 {
                std::os::unix::fs::chown(&squat, Some(65534), Some(65534)).unwrap();
                mode(&squat, 0o755);
                (squat.clone(), 0)
            } else {
                (squat.clone(), own() + 1)
            };
            let e = check_path_is_ours(&path.join("locks"), me).unwrap_err();
            assert!(e.contains("belongs to uid"), "{e}");
            if own() == 0 {
                let e = ensure_private_dir(&squat.join("locks"))
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("belongs to uid 65534"), "{e}");
                assert!(!squat.join("locks").exists(), "nothing is created in it");
            }
        }
    }

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

    #[cfg(target_os = "linux")]
    #[test]
    fn falls_back_to_home() {
        let d = dirs(&[("HOME", "/home/a")]).unwrap();
        assert_eq!(d.config, PathBuf::from("/home/a/.config/otpilot"));
        assert_eq!(d.cache, PathBuf::from("/home/a/.cache/otpilot"));
        assert_eq!(d.state, PathBuf::from("/home/a/.local/state/otpilot"));
        assert_eq!(d.data, PathBuf::from("/home/a/.local/share/otpilot"));
        // Without XDG_RUNTIME_DIR: under the user's own state directory, never in /tmp.
        let host = runtime_fallback_name(crate::platform::host_name());
        assert!(host.starts_with("run"), "{host}");
        assert_eq!(
            d.runtime,
            PathBuf::from("/home/a/.local/state/otpilot").join(host)
        );
        let with_tmpdir = dirs(&[("HOME", "/home/a"), ("TMPDIR", "/var/tmp")]).unwrap();
        assert_eq!(with_tmpdir.runtime, d.runtime);
    }

    #[cfg(target_os = "linux")]
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
    fn the_fallbacks_name_is_safe_for_any_host_name() {
        assert_eq!(
            runtime_fallback_name(Some("build-7.example".into())),
            "run-build-7.example"
        );
        assert_eq!(runtime_fallback_name(Some("../../etc".into())), "run-etc");
        assert_eq!(runtime_fallback_name(Some("a/b c".into())), "run-abc");
        assert_eq!(runtime_fallback_name(None), "run");
        assert_eq!(runtime_fallback_name(Some("..".into())), "run");
    }

    #[test]
    fn no_home_and_no_xdg_is_an_error() {
        assert!(matches!(dirs(&[]), Err(Error::NoHome)));
    }
}
