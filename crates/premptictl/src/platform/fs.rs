//! File-system specifics: the daemon's instance lock and files only the user may read.
//!
//! On Unix the lock is `flock` on the whole file; on Windows it is `LockFileEx` on one byte far
//! past the end, so the pid written in the file stays readable by others while it is held.
//! Both are released by the system when the process dies, however it dies.

use std::fs::File;
use std::io;
use std::path::Path;

pub use imp::{create_private, try_lock};

#[cfg(unix)]
mod imp {
    use super::{io, File, Path};
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::os::unix::io::AsRawFd as _;

    /// Takes an exclusive lock without waiting: `Ok(false)` when another process holds it.
    pub fn try_lock(file: &File) -> io::Result<bool> {
        // SAFETY: flock on a file descriptor we own for the duration of the call; no memory is
        // shared with the kernel.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(false)
        } else {
            Err(err)
        }
    }

    /// Creates a new file only the user can read (mode 0600), never following a symlink at
    /// `path`; fails if it exists.
    pub fn create_private(path: &Path) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }
}

#[cfg(windows)]
mod imp {
    use super::{io, File, Path};
    use std::os::windows::io::AsRawHandle as _;
    use windows_sys::Win32::Foundation::ERROR_LOCK_VIOLATION;
    use windows_sys::Win32::Storage::FileSystem::{
        LockFileEx, LOCKFILE_EXCLUSIVE_LOCK, LOCKFILE_FAIL_IMMEDIATELY,
    };
    use windows_sys::Win32::System::IO::OVERLAPPED;

    /// Takes an exclusive lock without waiting: `Ok(false)` when another process holds it.
    pub fn try_lock(file: &File) -> io::Result<bool> {
        // SAFETY: OVERLAPPED is plain data; all zeroes is its documented initial state.
        let mut at: OVERLAPPED = unsafe { std::mem::zeroed() };
        // The locked byte lies far past any content, so reading the pid is never blocked.
        at.Anonymous.Anonymous.Offset = u32::MAX;
        at.Anonymous.Anonymous.OffsetHigh = 0x7fff_ffff;
        // SAFETY: the handle is open for the call and `at` outlives it (the call is
        // synchronous: LOCKFILE_FAIL_IMMEDIATELY on a handle opened without overlapped I/O).
        let ok = unsafe {
            LockFileEx(
                file.as_raw_handle(),
                LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
                0,
                1,
                0,
                &mut at,
            )
        };
        if ok != 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(ERROR_LOCK_VIOLATION as i32) {
            Ok(false)
        } else {
            Err(err)
        }
    }

    /// Creates a new file; fails if it exists. It inherits the ACL of its directory, which
    /// under `%LOCALAPPDATA%` admits only the user (plus SYSTEM and administrators).
    pub fn create_private(path: &Path) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_to_a_second_handle_and_the_file_stays_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        std::fs::write(&path, "42\n").unwrap();
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .unwrap()
        };
        let first = open();
        assert!(try_lock(&first).unwrap());
        assert!(!try_lock(&open()).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
        drop(first);
        assert!(try_lock(&open()).unwrap());
    }

    #[test]
    fn private_files_are_created_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        create_private(&path).unwrap();
        assert_eq!(
            create_private(&path).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
    }
}
