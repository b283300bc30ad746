//! One daemon per `PREMPTI_HOME`: an exclusive `flock` on `run/daemon.lock`, which also holds
//! the daemon's pid.
//!
//! The lock is released by the kernel when the process dies, however it dies, so a crash
//! never leaves a stale lock behind; the pid inside is informational (for `stop` and
//! messages).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

/// The lock file under `run/`.
pub fn lock_path(run_dir: &Path) -> PathBuf {
    run_dir.join("daemon.lock")
}

/// A held instance lock; dropping it releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock or explains who holds it.
    pub fn acquire(run_dir: &Path) -> Result<InstanceLock> {
        let path = lock_path(run_dir);
        let mut file = open(&path)?;
        if !try_lock(&file)? {
            let holder = read_pid(&mut file)
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default();
            bail!(
                "another Prempti daemon{holder} is already running for {}; \
                 use `premptictl status` to see it or `premptictl stop` to stop it",
                run_dir.parent().unwrap_or(run_dir).display()
            );
        }
        file.set_len(0)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.seek(SeekFrom::Start(0)).ok();
        writeln!(file, "{}", std::process::id())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(InstanceLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// The pid of the daemon holding the lock, or `None` when no daemon holds it.
pub fn holder(run_dir: &Path) -> Option<u32> {
    let path = lock_path(run_dir);
    let mut file = OpenOptions::new().read(true).write(true).open(&path).ok()?;
    match try_lock(&file) {
        Ok(true) => {
            // Nobody held it; release at once (dropping the file releases the lock).
            None
        }
        Ok(false) => read_pid(&mut file),
        Err(_) => None,
    }
}

/// Whether some daemon holds the lock.
pub fn is_held(run_dir: &Path) -> bool {
    let Ok(file) = OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_path(run_dir))
    else {
        return false;
    };
    matches!(try_lock(&file), Ok(false))
}

fn open(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(unix)]
fn try_lock(file: &File) -> Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor we own for the duration of the call; no memory is
    // shared with the kernel.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err).context("cannot lock the daemon lock file")
    }
}

#[cfg(not(unix))]
fn try_lock(file: &File) -> Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e).context("cannot lock the daemon lock file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails_with_the_holder_pid_and_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let lock = InstanceLock::acquire(dir.path()).unwrap();
        assert!(is_held(dir.path()));
        assert_eq!(holder(dir.path()), Some(std::process::id()));
        let err = InstanceLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(lock);
        assert!(!is_held(dir.path()));
        assert_eq!(holder(dir.path()), None);
        InstanceLock::acquire(dir.path()).unwrap();
    }
}
