//! Atomic, private file writes: a temp file in the same directory, fsync, then rename.
//!
//! A reader sees the old file or the new one, never half of one, and a crash mid-write
//! leaves the old file in place. New files are 0600 from the moment they exist.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::paths::ensure_private_dir;

/// Writes `contents` to `path` atomically with mode 0600. The parent directory must exist;
/// Otpilot's own directories are made private by [`write_private_in_own_dir`].
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let wrap = |source: std::io::Error| Error::FileWrite {
        path: path.to_owned(),
        source,
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
    tmp.write_all(contents).map_err(wrap)?;
    tmp.as_file().sync_all().map_err(wrap)?;
    tmp.persist(path).map_err(|e| wrap(e.error))?;
    // Make the rename itself durable.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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
