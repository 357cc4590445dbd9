//! One editor at a time for each AWS shared file (`~/.aws/config`, `~/.aws/credentials`).
//!
//! Every read-modify-write of those files (profile setup and unwire, enrolment and its serial
//! switch, moving keys into the keyring; from the CLI or the window) runs inside
//! [`with_aws_file_locked`], which holds an exclusive `flock` from the read to the atomic
//! rename. Without it, two editors both read the old text and the second rename drops the
//! first one's change.
//!
//! The lock is a file beside the real file (symbolic links followed), `.<name>.otpilot-lock`:
//! the one place every otpilot agrees on whatever its environment (the window started by the
//! desktop, a CLI over SSH with another or no `XDG_RUNTIME_DIR`), and a directory the atomic
//! write needs to be writable anyway. A config that is a link and its target share one lock.
//! It holds nothing; it is opened without following links and created 0600; it is never
//! deleted (deleting a lock file lets two holders in).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::atomic::resolve_links;
use crate::error::{Error, Result};
use crate::lock::RefreshLock;

/// How long an edit waits for another one. Edits take milliseconds: waiting this long means
/// an editor is stuck, and the person is told which lock it holds.
pub const EDIT_WAIT: Duration = Duration::from_secs(10);

/// Runs `edit` on the real file `path` names (links followed) while holding that file's edit
/// lock; `edit` reads, changes and writes the file. The parent directory is created if
/// missing.
pub fn with_aws_file_locked<T>(path: &Path, edit: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let real = resolve_links(path)?;
    let _lock = lock(&real, EDIT_WAIT)?;
    edit(&real)
}

fn lock(real: &Path, wait: Duration) -> Result<RefreshLock> {
    if let Some(dir) = real.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|cause| Error::CreateDir {
            path: dir.to_owned(),
            cause,
        })?;
    }
    RefreshLock::acquire_file(
        lock_path(real),
        wait,
        &format!("finish editing {}", real.display()),
    )
}

/// `.<name>.otpilot-lock` beside the file.
fn lock_path(real: &Path) -> PathBuf {
    let name = real
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    real.with_file_name(format!(".{name}.otpilot-lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_makes_the_next_editor_wait_then_give_up_with_the_lock_named() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config");
        let held = lock(&config, EDIT_WAIT).unwrap();
        let e = lock(&config, Duration::from_millis(30)).err().unwrap();
        assert!(matches!(e, Error::LockTimeout { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("finish editing"), "{text}");
        assert!(text.contains(".config.otpilot-lock"), "{text}");
        drop(held);
        lock(&config, Duration::from_millis(30)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_and_its_target_share_one_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles/aws-config");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "").unwrap();
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        with_aws_file_locked(&link, |real| {
            assert_eq!(real, std::fs::canonicalize(&target).unwrap());
            let e = lock(&target, Duration::from_millis(30)).err().unwrap();
            assert!(matches!(e, Error::LockTimeout { .. }), "{e}");
            Ok(())
        })
        .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep").unwrap();
        std::os::unix::fs::symlink(&elsewhere, tmp.path().join(".config.otpilot-lock")).unwrap();
        assert!(lock(&tmp.path().join("config"), EDIT_WAIT).is_err());
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep");
    }
}
