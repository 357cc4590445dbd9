//! How other programs should start this `otpilot`: the `credential_process` lines that
//! `profile setup` writes and the shell completion scripts name it.
//!
//! By its bare name when the first `otpilot` on `PATH` is this very binary: the line reads as
//! the documentation shows it and keeps working after an upgrade moves the file. By its
//! absolute path otherwise (a build tree, a second install, nothing on `PATH`), so the line
//! never starts some other program. The caller's `PATH` may differ from this shell's (an IDE
//! started from the desktop), which is why the choice is always said out loud.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The command's name, as the packages install it.
pub fn cli_file_name() -> String {
    format!("otpilot{}", std::env::consts::EXE_SUFFIX)
}

/// How to start the `otpilot` at a given path, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `otpilot`: the first `otpilot` on `PATH` is this binary.
    Bare,
    /// The absolute path: no `otpilot` on `PATH`.
    NotOnPath { exe: PathBuf },
    /// The absolute path: the first `otpilot` on `PATH` is another file.
    OtherOnPath { exe: PathBuf, on_path: PathBuf },
}

impl Invocation {
    /// For the binary at `exe`, with this process's `PATH`.
    pub fn of(exe: &Path) -> Self {
        Self::with_path(exe, std::env::var_os("PATH").as_deref())
    }

    /// For the binary at `exe`, with `path` as the `PATH` the caller will search.
    pub fn with_path(exe: &Path, path: Option<&OsStr>) -> Self {
        let exe = absolute(exe);
        match first_on_path(path) {
            None => Self::NotOnPath { exe },
            Some(found) if same_file(&found, &exe) => Self::Bare,
            Some(on_path) => Self::OtherOnPath { exe, on_path },
        }
    }

    /// The command to write: `otpilot` or the absolute path.
    pub fn command(&self) -> String {
        match self {
            Self::Bare => "otpilot".to_owned(),
            Self::NotOnPath { exe } | Self::OtherOnPath { exe, .. } => exe.display().to_string(),
        }
    }

    /// Why this form, in words: "the `otpilot` on PATH is this binary".
    pub fn reason(&self) -> String {
        match self {
            Self::Bare => "the `otpilot` on PATH is this binary".to_owned(),
            Self::NotOnPath { .. } => "there is no `otpilot` on PATH".to_owned(),
            Self::OtherOnPath { on_path, .. } => format!(
                "the `otpilot` on PATH is another binary, {}",
                on_path.display()
            ),
        }
    }
}

/// The first executable `otpilot` in an absolute directory of `path`, as a shell finds it
/// (relative entries depend on the caller's directory, which is unknown here).
fn first_on_path(path: Option<&OsStr>) -> Option<PathBuf> {
    let name = cli_file_name();
    std::env::split_paths(path?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(&name))
        .find(|candidate| is_executable(candidate))
}

/// The first executable `name` in an absolute directory of `$PATH`, as a shell finds it.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// The same file, through any links: both paths resolve to one canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn absolute(exe: &Path) -> PathBuf {
    std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_owned())
}

/// A file this user may run (on Windows, any file: the suffix decides there).
#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn executable(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn bare_only_when_path_finds_this_very_file() {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("target/release/otpilot");
        executable(&build);
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let path = |dirs: &[&Path]| std::env::join_paths(dirs).unwrap();

        // Nothing on PATH: the absolute path.
        let none = Invocation::with_path(&build, Some(&path(&[&bin])));
        assert_eq!(none.command(), build.display().to_string());
        assert_eq!(none.reason(), "there is no `otpilot` on PATH");

        // A link on PATH to this binary: the bare name.
        std::os::unix::fs::symlink(&build, bin.join("otpilot")).unwrap();
        let linked = Invocation::with_path(&build, Some(&path(&[&bin])));
        assert_eq!(linked, Invocation::Bare);
        assert_eq!(linked.command(), "otpilot");

        // Another binary first on PATH: the absolute path, naming the other one.
        let other = dir.path().join("other/otpilot");
        executable(&other);
        let shadowed = Invocation::with_path(&build, Some(&path(&[other.parent().unwrap(), &bin])));
        assert_eq!(shadowed.command(), build.display().to_string());
        assert_eq!(
            shadowed.reason(),
            format!(
                "the `otpilot` on PATH is another binary, {}",
                other.display()
            )
        );

        // A file that is not executable is not what a shell would run.
        let plain = dir.path().join("plain");
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::write(plain.join("otpilot"), "").unwrap();
        assert_eq!(
            Invocation::with_path(&build, Some(&path(&[&plain, &bin]))),
            Invocation::Bare
        );
        // A relative PATH entry depends on the caller's directory: not trusted.
        assert!(matches!(
            Invocation::with_path(&build, Some(OsStr::new("relative/bin"))),
            Invocation::NotOnPath { .. }
        ));
    }
}
