//! Killing and watching the daemons the suites start, on Unix and on Windows.

#[cfg(unix)]
mod imp {
    use std::path::Path;

    /// Kills `pid` (SIGKILL); returns whether the signal was delivered.
    pub fn sigkill(pid: i32) -> bool {
        // SAFETY: a plain syscall; callers pass the pid of a daemon they started.
        unsafe { libc::kill(pid, libc::SIGKILL) == 0 }
    }

    /// Whether `pid` exists and is not a zombie (a killed detached daemon stays a zombie until
    /// its new parent reaps it).
    pub fn process_alive(pid: i32) -> bool {
        // SAFETY: signal 0 only checks for existence and permission.
        if unsafe { libc::kill(pid, 0) } != 0 {
            return false;
        }
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesised command name.
            Ok(stat) => !matches!(
                stat.rsplit(") ").next().and_then(|r| r.chars().next()),
                Some('Z' | 'X')
            ),
            Err(_) => false,
        }
    }

    /// Whether `pid` is a `premptictl daemon` of this installation (its environment names it).
    pub fn is_our_daemon(pid: i32, prempti_home: &Path) -> bool {
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            return false;
        };
        let want = format!("PREMPTI_HOME={}", prempti_home.display());
        environ.split(|b| *b == 0).any(|v| v == want.as_bytes())
    }
}

#[cfg(windows)]
mod imp {
    use std::path::Path;
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, STILL_ACTIVE};
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, QueryFullProcessImageNameW, TerminateProcess,
        PROCESS_NAME_WIN32, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_TERMINATE,
    };

    fn with_process<R>(pid: i32, access: u32, f: impl FnOnce(HANDLE) -> R) -> Option<R> {
        let pid = u32::try_from(pid).ok()?;
        // SAFETY: OpenProcess has no memory preconditions; null is an error.
        let handle = unsafe { OpenProcess(access, 0, pid) };
        if handle.is_null() {
            return None;
        }
        let result = f(handle);
        // SAFETY: opened above, closed once.
        unsafe { CloseHandle(handle) };
        Some(result)
    }

    /// Ends `pid` (TerminateProcess); returns whether it was ended.
    pub fn sigkill(pid: i32) -> bool {
        // SAFETY: a handle opened with PROCESS_TERMINATE.
        with_process(
            pid,
            PROCESS_TERMINATE,
            |h| unsafe { TerminateProcess(h, 1) } != 0,
        )
        .unwrap_or(false)
    }

    /// Whether `pid` is still running.
    pub fn process_alive(pid: i32) -> bool {
        with_process(pid, PROCESS_QUERY_LIMITED_INFORMATION, |h| {
            let mut code = 0u32;
            // SAFETY: `code` is a valid out pointer; the handle is open.
            unsafe { GetExitCodeProcess(h, &mut code) != 0 && code == STILL_ACTIVE as u32 }
        })
        .unwrap_or(false)
    }

    /// Whether `pid` runs a `premptictl` (Windows does not show another process's
    /// environment, so the installation cannot be told).
    pub fn is_our_daemon(pid: i32, _prempti_home: &Path) -> bool {
        with_process(pid, PROCESS_QUERY_LIMITED_INFORMATION, |h| {
            let mut buf = vec![0u16; 32 * 1024];
            let mut len = buf.len() as u32;
            // SAFETY: `buf` is valid for `len` wide characters.
            if unsafe {
                QueryFullProcessImageNameW(h, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len)
            } == 0
            {
                return false;
            }
            String::from_utf16_lossy(&buf[..len as usize])
                .to_ascii_lowercase()
                .ends_with("premptictl.exe")
        })
        .unwrap_or(false)
    }
}

pub use imp::{is_our_daemon, process_alive, sigkill};
