//! Process specifics: stop requests from the system, detaching and terminating the daemon,
//! which program a pid runs, the host name and the user id.

use std::io;
use std::path::PathBuf;
use std::process::{Child, Command};

pub use imp::{hostname, program_of, spawn_detached, terminate, user_id, StopRequests};

/// What runs as a process: its program and, where the system shows them, its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    /// The program (argv\[0\] on Unix, the image path on Windows).
    pub program: String,
    /// The arguments after the program, when they can be read (not on Windows).
    pub args: Option<Vec<String>>,
    /// The installation it serves, from its environment, when that can be read (Linux).
    pub prempti_home: Option<PathBuf>,
}

#[cfg(unix)]
mod imp {
    use super::{io, Child, Command, PathBuf, ProgramInfo};
    use tokio::signal::unix::{signal, Signal, SignalKind};

    /// The system's requests to stop: SIGTERM and SIGINT.
    #[derive(Debug)]
    pub struct StopRequests {
        term: Signal,
        int: Signal,
    }

    impl StopRequests {
        /// Installs the handlers (inside a tokio runtime).
        pub fn install() -> io::Result<StopRequests> {
            Ok(StopRequests {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }

        /// Waits for the next request; returns its name.
        pub async fn recv(&mut self) -> &'static str {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
    }

    /// Starts `command` in a new session, so it outlives the terminal that started it. Only
    /// the descriptors `command` names reach it (std opens everything else close-on-exec).
    pub fn spawn_detached(command: &mut Command) -> io::Result<Child> {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent; it only
        // moves the child into a new session.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command.spawn()
    }

    /// Asks process `pid` to stop (SIGTERM), or kills it (`force`: SIGKILL).
    pub fn terminate(pid: u32, force: bool) -> io::Result<()> {
        let pid = libc::pid_t::try_from(pid)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "not a process id"))?;
        let signal = if force { libc::SIGKILL } else { libc::SIGTERM };
        // SAFETY: kill(2) has no memory effects; callers check the pid names our daemon.
        if unsafe { libc::kill(pid, signal) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The program process `pid` runs, from `/proc/PID/cmdline` and `/proc/PID/environ` on
    /// Linux, `ps -p` elsewhere; `None` when no such process runs.
    pub fn program_of(pid: u32) -> Option<ProgramInfo> {
        let argv = command_line(pid)?;
        let (program, args) = argv.split_first()?;
        Some(ProgramInfo {
            program: program.clone(),
            args: Some(args.to_vec()),
            prempti_home: daemon_home(pid),
        })
    }

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

    /// Split on spaces: enough to find the program and `daemon`.
    #[cfg(not(target_os = "linux"))]
    fn command_line(pid: u32) -> Option<Vec<String>> {
        let out = Command::new("ps")
            .args(["-p", &pid.to_string(), "-o", "command="])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let argv: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        (out.status.success() && !argv.is_empty()).then_some(argv)
    }

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

    /// The system's host name, when it has one.
    pub fn hostname() -> Option<String> {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for `buf.len()` bytes and gethostname writes at most that.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc != 0 {
            return None;
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        Some(String::from_utf8_lossy(&buf[..end]).into_owned())
    }

    /// The real user id (launchd's `gui/<uid>` domain).
    pub fn user_id() -> u32 {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }
}

#[cfg(windows)]
mod imp {
    use super::{io, Child, Command, ProgramInfo};
    use std::os::windows::process::CommandExt as _;
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_shutdown, CtrlBreak};
    use tokio::signal::windows::{CtrlC, CtrlClose, CtrlShutdown};
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::Foundation::{
        GetHandleInformation, SetHandleInformation, HANDLE_FLAG_INHERIT, INVALID_HANDLE_VALUE,
    };
    use windows_sys::Win32::System::Console::{
        GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
    };
    use windows_sys::Win32::System::Threading::{
        OpenProcess, QueryFullProcessImageNameW, TerminateProcess, CREATE_NEW_PROCESS_GROUP,
        CREATE_NO_WINDOW, PROCESS_NAME_WIN32, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_TERMINATE,
    };

    /// The system's requests to stop: Ctrl-C, Ctrl-Break, the console closing, shutdown.
    #[derive(Debug)]
    pub struct StopRequests {
        c: CtrlC,
        brk: CtrlBreak,
        close: CtrlClose,
        shutdown: CtrlShutdown,
    }

    impl StopRequests {
        /// Installs the handlers (inside a tokio runtime).
        pub fn install() -> io::Result<StopRequests> {
            Ok(StopRequests {
                c: ctrl_c()?,
                brk: ctrl_break()?,
                close: ctrl_close()?,
                shutdown: ctrl_shutdown()?,
            })
        }

        /// Waits for the next request; returns its name.
        pub async fn recv(&mut self) -> &'static str {
            tokio::select! {
                _ = self.c.recv() => "Ctrl-C",
                _ = self.brk.recv() => "Ctrl-Break",
                _ = self.close.recv() => "console closed",
                _ = self.shutdown.recv() => "system shutdown",
            }
        }
    }

    /// Starts `command` without a console window, in a process group of its own, so it
    /// outlives the console that started it and no Ctrl-C typed there reaches it.
    ///
    /// Windows hands a child every inheritable handle of its parent, not only the ones it is
    /// given: our own standard handles (the pipes of whoever runs `premptictl start`) would stay
    /// open in the daemon for its whole life, and that caller would never see them close. They
    /// are made non-inheritable for the spawn and restored after it.
    pub fn spawn_detached(command: &mut Command) -> io::Result<Child> {
        command.creation_flags(CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP);
        let ours = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE].map(|which| {
            // SAFETY: GetStdHandle has no preconditions; a null or invalid result is skipped.
            let handle = unsafe { GetStdHandle(which) };
            let mut flags = 0u32;
            // SAFETY: `flags` is a valid out pointer; an invalid handle makes the call fail.
            let known = !handle.is_null()
                && handle != INVALID_HANDLE_VALUE
                && unsafe { GetHandleInformation(handle, &mut flags) } != 0;
            (handle, known && flags & HANDLE_FLAG_INHERIT != 0)
        });
        for &(handle, inherited) in &ours {
            if inherited {
                // SAFETY: a valid handle of this process; only its inherit flag changes.
                unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0) };
            }
        }
        let child = command.spawn();
        for &(handle, inherited) in &ours {
            if inherited {
                // SAFETY: as above, restoring the flag.
                unsafe { SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) };
            }
        }
        child
    }

    /// Ends process `pid`. Windows has no polite stop signal for a process without a console of
    /// its own; callers ask the daemon on its control pipe first.
    pub fn terminate(pid: u32, _force: bool) -> io::Result<()> {
        let process = Process::open(pid, PROCESS_TERMINATE)?;
        // SAFETY: a handle opened with PROCESS_TERMINATE, valid for the call.
        if unsafe { TerminateProcess(process.0, 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The image path of process `pid`; `None` when no such process runs. Windows does not
    /// show another process's arguments or environment without reading its memory.
    pub fn program_of(pid: u32) -> Option<ProgramInfo> {
        let process = Process::open(pid, PROCESS_QUERY_LIMITED_INFORMATION).ok()?;
        let mut buf = vec![0u16; 32 * 1024];
        let mut len = u32::try_from(buf.len()).ok()?;
        // SAFETY: `buf` is valid for `len` wide characters; `len` receives the length written.
        let ok = unsafe {
            QueryFullProcessImageNameW(process.0, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len)
        };
        if ok == 0 {
            return None;
        }
        Some(ProgramInfo {
            program: String::from_utf16_lossy(&buf[..len as usize]),
            args: None,
            prempti_home: None,
        })
    }

    /// `COMPUTERNAME`.
    pub fn hostname() -> Option<String> {
        std::env::var("COMPUTERNAME").ok().filter(|n| !n.is_empty())
    }

    /// Windows has no numeric user id; launchd is never used here.
    pub fn user_id() -> u32 {
        0
    }

    /// A process handle, closed on drop.
    struct Process(HANDLE);

    impl Process {
        fn open(pid: u32, access: u32) -> io::Result<Process> {
            // SAFETY: OpenProcess has no memory preconditions; a null result is an error.
            let handle = unsafe { OpenProcess(access, 0, pid) };
            if handle.is_null() {
                return Err(io::Error::last_os_error());
            }
            Ok(Process(handle))
        }
    }

    impl Drop for Process {
        fn drop(&mut self) {
            // SAFETY: the handle was opened by us and is closed once.
            unsafe { CloseHandle(self.0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const SLEEP_ENV: &str = "PREMPTI_TEST_SLEEPER";

    /// Sleeps when run as the child of the tests below; passes at once otherwise.
    #[test]
    fn sleeper() {
        if std::env::var_os(SLEEP_ENV).is_some() {
            std::thread::sleep(Duration::from_secs(60));
        }
    }

    /// This test binary, running only [`sleeper`], which then sleeps for a minute.
    fn spawn_sleeper() -> std::process::Child {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "platform::process::tests::sleeper",
                "--test-threads=1",
            ])
            .env(SLEEP_ENV, "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    #[test]
    fn the_program_of_a_child_is_its_executable() {
        let exe = std::env::current_exe().unwrap();
        let stem = |p: &std::path::Path| p.file_stem().map(|s| s.to_ascii_lowercase());
        let mut child = spawn_sleeper();
        // Right after the spawn the child may not show its program yet: ask until it does.
        let started = Instant::now();
        let info = loop {
            let info = program_of(child.id());
            let found = info
                .as_ref()
                .is_some_and(|i| stem(std::path::Path::new(&i.program)) == stem(&exe));
            if found || started.elapsed() > Duration::from_secs(10) {
                break info;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = child.kill();
        let _ = child.wait();
        let info = info.expect("a running child is found");
        assert_eq!(stem(std::path::Path::new(&info.program)), stem(&exe));
        assert!(program_of(u32::MAX - 1).is_none());
    }

    #[test]
    fn terminate_ends_a_child() {
        let mut child = spawn_sleeper();
        let started = Instant::now();
        terminate(child.id(), false).unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{status}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
