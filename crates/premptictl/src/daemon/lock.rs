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

/// Checks that `pid`, read from the lock file of the installation at `home`, may be signalled:
/// a real process id (not 0, which would signal our whole process group, not -1 / `u32::MAX`,
/// which would signal every process we may signal, not init, not ourselves) of a
/// `premptictl daemon` of this installation (its command line on Linux from
/// `/proc/PID/cmdline`, with `PREMPTI_HOME` / `HOME` from `/proc/PID/environ` when readable;
/// `ps -p` elsewhere). Returns the pid to signal, or why not.
pub fn signalable_daemon(pid: u32, home: &Path) -> Result<libc::pid_t, String> {
    let signed =
        libc::pid_t::try_from(pid).map_err(|_| format!("pid {pid} is not a valid process id"))?;
    if signed <= 1 {
        return Err(format!("pid {pid} is not a daemon's process id"));
    }
    if pid == std::process::id() {
        return Err(format!("pid {pid} is this premptictl itself"));
    }
    let argv = command_line(pid).ok_or_else(|| format!("no process {pid} is running"))?;
    let is_ctl = argv.first().is_some_and(|arg0| {
        Path::new(arg0)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("premptictl"))
    });
    if !is_ctl || !argv.iter().skip(1).any(|a| a == "daemon") {
        return Err(format!(
            "process {pid} is not a `premptictl daemon` (it runs `{}`)",
            argv.join(" ")
        ));
    }
    if let Some(theirs) = daemon_home(pid) {
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
    Ok(signed)
}

/// The arguments of process `pid`.
#[cfg(target_os = "linux")]
fn command_line(pid: u32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// The arguments of process `pid` (split on spaces: enough to find the program and `daemon`).
#[cfg(not(target_os = "linux"))]
fn command_line(pid: u32) -> Option<Vec<String>> {
    let out = std::process::Command::new("ps")
        .args(["-p", &pid.to_string(), "-o", "command="])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let argv: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    (out.status.success() && !argv.is_empty()).then_some(argv)
}

/// The installation process `pid` serves, from its environment, when it can be read.
#[cfg(target_os = "linux")]
fn daemon_home(pid: u32) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt as _;
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let var = |name: &str| {
        raw.split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(format!("{name}=").as_bytes()))
            .filter(|v| !v.is_empty())
            .map(|v| PathBuf::from(std::ffi::OsStr::from_bytes(v)))
    };
    var("PREMPTI_HOME").or_else(|| var("HOME").map(|h| h.join(".prempti")))
}

#[cfg(not(target_os = "linux"))]
fn daemon_home(_pid: u32) -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
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
        let ok = signalable_daemon(ours.id(), &home);
        let err = signalable_daemon(theirs.id(), &home);
        for child in [&mut ours, &mut theirs] {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert_eq!(ok, Ok(ours.id() as libc::pid_t));
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
