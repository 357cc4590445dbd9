//! Atomic, private file writes: a temp file in the same directory, fsync, then rename.
//!
//! A reader sees the old file or the new one, never half of one, and a crash mid-write
//! leaves the old file in place. New files are 0600 from the moment they exist.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths::ensure_private_dir;

/// Writes `contents` to `path` atomically with mode 0600. The parent directory must exist;
/// Otpilot's own directories are made private by [`write_private_in_own_dir`].
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let wrap = |source: std::io::Error| Error::FileWrite {
        path: path.to_owned(),
        cause: source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile creates the file 0600 on Unix, before any byte is written.
    let mut tmp = tempfile::Builder::new()
        .prefix(".otpilot-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(wrap)?;
    // Windows: owner-only before any byte is written (the file may be in a directory whose
    // DACL lets others read, `%USERPROFILE%\.aws` for one).
    #[cfg(windows)]
    crate::platform::make_private(tmp.path()).map_err(wrap)?;
    tmp.write_all(contents).map_err(wrap)?;
    tmp.as_file().sync_all().map_err(wrap)?;
    // A replace refused for a moment (see the platform's rule) is tried again, for at most a
    // second; the temp file is kept until then, and removed if it never lands.
    let mut tries = 0;
    while let Err(e) = tmp.persist(path) {
        if tries == 40 || !crate::platform::replace_may_succeed_later(&e.error) {
            return Err(wrap(e.error));
        }
        tries += 1;
        tmp = e.file;
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    // Make the rename itself durable.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file a path names, with symbolic links followed: the person's `~/.aws/config` may be
/// a link into a dotfiles repository, and an edit must change the file the link points at,
/// not replace the link with a new file (which would leave the old text, secrets included,
/// where the link pointed).
pub fn resolve_links(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|source| Error::FileWrite {
                path: path.to_owned(),
                cause: std::io::Error::new(
                    source.kind(),
                    format!("it is a symbolic link whose target cannot be reached ({source}); fix or remove the link"),
                ),
            })
        }
        _ => Ok(path.to_owned()),
    }
}

/// [`write_private`] to the file `path` names, following symbolic links (see
/// [`resolve_links`]); the link stays a link. Returns the file written.
pub fn write_private_through_links(path: &Path, contents: &[u8]) -> Result<PathBuf> {
    let real = resolve_links(path)?;
    write_private(&real, contents)?;
    Ok(real)
}

/// Writes a new 0600 file `path` that must not exist yet (a backup must never replace
/// another backup).
pub fn create_private_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(windows)]
    crate::platform::make_private(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Like [`write_private`], first creating the parent (one of Otpilot's own directories) 0700.
pub fn write_private_in_own_dir(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    write_private(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_its_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles/aws-config");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "old").unwrap();
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let written = write_private_through_links(&link, b"new").unwrap();
        assert_eq!(written, std::fs::canonicalize(&target).unwrap());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // A dangling link is refused, not replaced.
        let dangling = tmp.path().join("dangling");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
        assert!(write_private_through_links(&dangling, b"x").is_err());
        assert!(std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_new_private_file_never_replaces_one() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("backup");
        create_private_new(&path, b"first").unwrap();
        assert!(create_private_new(&path, b"second").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
    }

    #[test]
    fn writes_private_files_and_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/file.toml");
        write_private_in_own_dir(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.toml")]);
    }
}
