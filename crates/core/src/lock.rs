//! `RefreshLock`: single flight across threads and processes.
//!
//! An advisory `flock` on a file in the runtime dir. flock locks belong to the open file, so
//! two threads of one process that each open the file exclude each other just as two
//! processes do; the kernel drops the lock when a holder crashes, so a crash never wedges
//! the others. Every wait is bounded.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::paths::ensure_private_dir;

/// A held lock; released on drop.
pub struct RefreshLock {
    _file: File,
}

impl RefreshLock {
    /// Takes the lock `name` in `dir`, waiting at most `timeout`. `what` names the work for
    /// the timeout message.
    pub fn acquire(dir: &Path, name: &str, timeout: Duration, what: &str) -> Result<Self> {
        ensure_private_dir(dir)?;
        Self::acquire_file(dir.join(format!("{name}.lock")), timeout, what)
    }

    /// Takes the lock on the file `path` (created 0600 when missing, never through a symbolic
    /// link), waiting at most `timeout`.
    pub fn acquire_file(path: PathBuf, timeout: Duration, what: &str) -> Result<Self> {
        let file = open(&path)?;
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(Error::FileWrite {
                        path,
                        cause: source,
                    })
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::LockTimeout {
                    what: what.to_owned(),
                    seconds: timeout.as_secs(),
                    path,
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }
}

fn open(path: &PathBuf) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options.open(path).map_err(|source| Error::FileWrite {
        path: path.clone(),
        cause: source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn excludes_threads_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (dir, inside, max) = (dir.path().to_owned(), inside.clone(), max.clone());
                std::thread::spawn(move || {
                    let _l = RefreshLock::acquire(&dir, "k", Duration::from_secs(10), "t").unwrap();
                    let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(max.load(Ordering::SeqCst), 1);

        let held = RefreshLock::acquire(dir.path(), "k", Duration::from_secs(1), "t").unwrap();
        let err = RefreshLock::acquire(dir.path(), "k", Duration::from_millis(50), "refresh")
            .err()
            .unwrap();
        assert!(matches!(err, Error::LockTimeout { .. }));
        drop(held);
        RefreshLock::acquire(dir.path(), "k", Duration::from_millis(50), "t").unwrap();
    }
}
