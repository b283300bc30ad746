//! One daemon per `PREMPTI_HOME`: an exclusive lock on `run/daemon.lock`
//! ([`crate::platform::fs::try_lock`]: `flock`, or `LockFileEx` on Windows), which also holds
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

fn try_lock(file: &File) -> Result<bool> {
    crate::platform::fs::try_lock(file).context("cannot lock the daemon lock file")
}

/// Checks that `pid`, read from the lock file of the installation at `home`, may be signalled:
/// a real process id (not 0, which would signal our whole process group, not -1 / `u32::MAX`,
/// which would signal every process we may signal, not init, not ourselves) of a
/// `premptictl daemon` of this installation (what [`crate::platform::process::program_of`]
/// shows of it: the program and, where readable, its arguments and `PREMPTI_HOME` / `HOME`).
/// Returns the pid to signal, or why not.
pub fn signalable_daemon(pid: u32, home: &Path) -> Result<u32, String> {
    if i32::try_from(pid).is_err() {
        return Err(format!("pid {pid} is not a valid process id"));
    }
    if pid <= 1 {
        return Err(format!("pid {pid} is not a daemon's process id"));
    }
    if pid == std::process::id() {
        return Err(format!("pid {pid} is this premptictl itself"));
    }
    let info = crate::platform::process::program_of(pid)
        .ok_or_else(|| format!("no process {pid} is running"))?;
    let is_ctl = Path::new(&info.program)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("premptictl"));
    // Where the arguments cannot be read (Windows), the program name has to do.
    let runs_daemon = info
        .args
        .as_ref()
        .is_none_or(|args| args.iter().any(|a| a == "daemon"));
    if !is_ctl || !runs_daemon {
        let args = info.args.unwrap_or_default();
        return Err(format!(
            "process {pid} is not a `premptictl daemon` (it runs `{}`)",
            std::iter::once(info.program)
                .chain(args)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if let Some(theirs) = info.prempti_home {
        let same = match (theirs.canonicalize(), home.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => theirs == home,
        };
        if !same {
            return Err(format!(
                "process {pid} is the daemon of another installation ({})",
                theirs.display()
            ));
        }
    }
    Ok(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits (bounded) until a just-spawned child shows its program: right after the spawn its
    /// command line may still be empty.
    fn shown(pid: u32) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while crate::platform::process::program_of(pid).is_none_or(|i| i.program.is_empty())
            && std::time::Instant::now() < until
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[test]
    #[cfg_attr(windows, ignore = "spawns the Unix program `sleep`")]
    fn pids_that_are_not_a_daemon_of_this_installation_are_never_signalled() {
        let home = tempfile::tempdir().unwrap();
        for pid in [0, 1, u32::MAX, u32::MAX - 1, std::process::id()] {
            assert!(signalable_daemon(pid, home.path()).is_err(), "{pid}");
        }
        // A live process that is not premptictl.
        let mut other = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        shown(other.id());
        let err = signalable_daemon(other.id(), home.path()).unwrap_err();
        assert!(err.contains("is not a `premptictl daemon`"), "{err}");
        let _ = other.kill();
        let _ = other.wait();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_premptictl_daemon_of_this_installation_is_signalled_and_of_another_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("prempti");
        std::fs::create_dir(&home).unwrap();
        // A process whose command line is `.../premptictl -c 'sleep 30; :' daemon`.
        let fake = dir.path().join("premptictl");
        std::os::unix::fs::symlink("/bin/sh", &fake).unwrap();
        let spawn = |prempti_home: &Path| {
            std::process::Command::new(&fake)
                .args(["-c", "sleep 30; :", "daemon"])
                .env("PREMPTI_HOME", prempti_home)
                .spawn()
                .unwrap()
        };
        let mut ours = spawn(&home);
        let mut theirs = spawn(dir.path());
        shown(ours.id());
        shown(theirs.id());
        let ok = signalable_daemon(ours.id(), &home);
        let err = signalable_daemon(theirs.id(), &home);
        for child in [&mut ours, &mut theirs] {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert_eq!(ok, Ok(ours.id()));
        assert!(err.unwrap_err().contains("another installation"));
    }

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
