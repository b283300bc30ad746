//! One request/response exchange with the broker, under one total deadline.
//!
//! The deadline (`PREMPTI_TIMEOUT_MS`) covers the whole exchange — connect, write, read — not
//! each system call: before every read and write the socket timeout is set to the time that is
//! left, and an exchange that runs out of time fails with [`BrokerError::Timeout`].
//!
//! On Unix the broker is a Unix socket ([`std::os::unix::net::UnixStream`]), connected
//! non-blocking so that a listener whose backlog is full (a stopped daemon) cannot hold the hook
//! past the deadline either (see `sys`). Before connecting, the hook refuses a socket that
//! belongs to another user or sits in a directory others can write to: whoever answers on it
//! decides every tool call.
//!
//! On Windows the broker is a named pipe (`paths::windows_pipe_name`) opened as a file. Opening
//! is retried until the deadline while the pipe is busy. A synchronous pipe handle has no read
//! or write timeout, so there the exchange runs on a thread of its own and the hook stops
//! waiting for it at the deadline (`sys::bounded`): a broker that accepts and never answers
//! still gets the call denied on time, and the thread ends with the process.
//!
//! Every response is checked: frame size ([`frame::MAX_RESPONSE_BYTES`]), JSON shape, protocol
//! version and nonce. Anything else is a [`BrokerError`], which the hook turns into a deny.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prempti_protocol::frame::{self, FrameError};
use prempti_protocol::paths::NoHomeError;
use prempti_protocol::{HookRequest, HookResponse};

/// Why the broker exchange failed.
#[derive(Debug)]
pub enum BrokerError {
    /// Neither `PREMPTI_SOCKET`, `PREMPTI_HOME` nor `HOME` says where the broker is.
    NoHome(NoHomeError),
    /// The socket does not exist or nobody accepts connections on it.
    Connect {
        /// The socket path.
        socket: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The socket could have been put there by another user: it is not owned by the user
    /// running the hook, or its directory is writable by group or others.
    Unsafe {
        /// The socket path.
        socket: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The exchange did not finish within the deadline.
    Timeout {
        /// The socket path.
        socket: PathBuf,
        /// The deadline in milliseconds.
        ms: u128,
    },
    /// The request could not be written.
    Send {
        /// The socket path.
        socket: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The broker closed the connection before a complete answer.
    Closed {
        /// The socket path.
        socket: PathBuf,
        /// Whether part of an answer had arrived.
        mid_response: bool,
    },
    /// The answer was oversized, malformed, or for another request or protocol version.
    Invalid {
        /// The socket path.
        socket: PathBuf,
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for BrokerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokerError::NoHome(e) => write!(f, "Prempti's service cannot be located ({e})"),
            BrokerError::Connect { socket, source } => {
                write!(
                    f,
                    "Prempti's service is not reachable at {} ({source})",
                    socket.display()
                )
            }
            BrokerError::Unsafe { socket, detail } => {
                write!(
                    f,
                    "the hook refuses Prempti's service socket at {} because {detail}",
                    socket.display()
                )
            }
            BrokerError::Timeout { socket, ms } => {
                write!(
                    f,
                    "Prempti's service at {} did not answer within {ms} ms",
                    socket.display()
                )
            }
            BrokerError::Send { socket, source } => {
                write!(
                    f,
                    "the call could not be sent to Prempti's service at {} ({source})",
                    socket.display()
                )
            }
            BrokerError::Closed {
                socket,
                mid_response: false,
            } => {
                write!(
                    f,
                    "Prempti's service at {} closed the connection without answering",
                    socket.display()
                )
            }
            BrokerError::Closed {
                socket,
                mid_response: true,
            } => {
                write!(
                    f,
                    "Prempti's service at {} closed the connection in the middle of its answer",
                    socket.display()
                )
            }
            BrokerError::Invalid { socket, detail } => {
                write!(
                    f,
                    "Prempti's service at {} sent an invalid answer ({detail})",
                    socket.display()
                )
            }
        }
    }
}

impl std::error::Error for BrokerError {}

/// Sends `request` to the broker at `socket` and returns its checked response, all within
/// `timeout`.
pub fn exchange(
    socket: &Path,
    request: &HookRequest,
    timeout: Duration,
) -> Result<HookResponse, BrokerError> {
    let deadline = Instant::now() + timeout;
    let (owned_socket, owned_request) = (socket.to_owned(), request.clone());
    sys::bounded(deadline, move || {
        exchange_until(&owned_socket, &owned_request, deadline, timeout)
    })
    .unwrap_or_else(|| {
        Err(BrokerError::Timeout {
            socket: socket.to_owned(),
            ms: timeout.as_millis(),
        })
    })
}

/// [`exchange`] on the calling thread, each operation bounded by the time left.
fn exchange_until(
    socket: &Path,
    request: &HookRequest,
    deadline: Instant,
    timeout: Duration,
) -> Result<HookResponse, BrokerError> {
    let timed_out = || BrokerError::Timeout {
        socket: socket.to_owned(),
        ms: timeout.as_millis(),
    };

    #[cfg(unix)]
    sys::check_owner(socket).map_err(|detail| BrokerError::Unsafe {
        socket: socket.to_owned(),
        detail,
    })?;
    let stream = sys::connect(socket, deadline).map_err(|source| {
        if is_timeout(&source) {
            timed_out()
        } else {
            BrokerError::Connect {
                socket: socket.to_owned(),
                source,
            }
        }
    })?;
    let mut io = Deadlined {
        inner: stream,
        deadline,
        read_any: false,
    };

    let wire = frame::encode_message(request).map_err(|e| BrokerError::Send {
        socket: socket.to_owned(),
        source: io::Error::other(e.to_string()),
    })?;
    io.write_all(&wire).map_err(|source| match source.kind() {
        _ if is_timeout(&source) => timed_out(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => BrokerError::Closed {
            socket: socket.to_owned(),
            mid_response: false,
        },
        _ => BrokerError::Send {
            socket: socket.to_owned(),
            source,
        },
    })?;

    let response: HookResponse =
        frame::read_message(&mut io, frame::MAX_RESPONSE_BYTES).map_err(|e| match e {
            FrameError::Io(source) if is_timeout(&source) => timed_out(),
            FrameError::Closed => BrokerError::Closed {
                socket: socket.to_owned(),
                mid_response: false,
            },
            FrameError::Io(source) => match source.kind() {
                io::ErrorKind::UnexpectedEof => BrokerError::Closed {
                    socket: socket.to_owned(),
                    mid_response: true,
                },
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => BrokerError::Closed {
                    socket: socket.to_owned(),
                    mid_response: io.read_any,
                },
                _ => BrokerError::Invalid {
                    socket: socket.to_owned(),
                    detail: source.to_string(),
                },
            },
            other => BrokerError::Invalid {
                socket: socket.to_owned(),
                detail: other.to_string(),
            },
        })?;
    response
        .matches(request)
        .map_err(|e| BrokerError::Invalid {
            socket: socket.to_owned(),
            detail: e.to_string(),
        })?;
    Ok(response)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// A stream whose per-call timeouts can be set (a Unix socket; on Windows a pipe handle, where
/// this is a no-op — see the module docs).
trait Timeouts {
    fn set_read_timeout_to(&self, left: Duration) -> io::Result<()>;
    fn set_write_timeout_to(&self, left: Duration) -> io::Result<()>;
}

/// Wraps a stream so every read and write gets only the time left before `deadline`.
struct Deadlined<S> {
    inner: S,
    deadline: Instant,
    read_any: bool,
}

impl<S> Deadlined<S> {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::ErrorKind::TimedOut.into())
        } else {
            Ok(left)
        }
    }
}

impl<S: Read + Timeouts> Read for Deadlined<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.inner.set_read_timeout_to(left)?;
        let n = self.inner.read(buf)?;
        self.read_any |= n > 0;
        Ok(n)
    }
}

impl<S: Write + Timeouts> Write for Deadlined<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.inner.set_write_timeout_to(left)?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(unix)]
mod sys {
    //! The Unix connect, bounded by the deadline.
    //!
    //! `UnixStream::connect` blocks while the listener's backlog is full (a stopped or wedged
    //! daemon), and std has no connect timeout for Unix sockets. So the socket is made here with
    //! `libc`: non-blocking, connect, then — Linux answers `EAGAIN` at once when the backlog is
    //! full, other systems may answer `EINPROGRESS` — retry or `poll` for writability until the
    //! deadline, check `SO_ERROR`, and hand a blocking socket to std, whose per-call timeouts
    //! bound the write and the read. `libc` is the only dependency this adds: it is the system's
    //! own ABI, with no code of its own that runs, no threads and no runtime.

    use std::ffi::CString;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// Runs `work` here: Unix sockets carry their own timeouts, set before each operation.
    pub(super) fn bounded<T>(_deadline: Instant, work: impl FnOnce() -> T) -> Option<T> {
        Some(work())
    }
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixStream;
    use std::path::Path;
    use std::time::{Duration, Instant};

    impl super::Timeouts for UnixStream {
        fn set_read_timeout_to(&self, left: Duration) -> io::Result<()> {
            self.set_read_timeout(Some(left))
        }
        fn set_write_timeout_to(&self, left: Duration) -> io::Result<()> {
            self.set_write_timeout(Some(left))
        }
    }

    /// Refuses a socket another user could have put there: the socket must belong to the
    /// user running the hook, and neither its directory nor that of the path it resolves to
    /// may be writable by group or others. A missing socket passes (connect reports it).
    pub(super) fn check_owner(socket: &Path) -> Result<(), String> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};

        let meta = match std::fs::metadata(socket) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("it cannot be inspected ({e})")),
        };
        // SAFETY: `geteuid` has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if !meta.file_type().is_socket() {
            return Err("it is not a socket".to_owned());
        }
        if meta.uid() != me {
            return Err(format!(
                "it belongs to user id {}, not to the user running the hook ({me})",
                meta.uid()
            ));
        }
        let mut dirs = vec![socket.parent().map(Path::to_path_buf)];
        if let Ok(real) = std::fs::canonicalize(socket) {
            dirs.push(real.parent().map(Path::to_path_buf));
        }
        for dir in dirs.into_iter().flatten() {
            let dir = if dir.as_os_str().is_empty() {
                std::path::PathBuf::from(".")
            } else {
                dir
            };
            let meta = std::fs::metadata(&dir).map_err(|e| {
                format!("its directory {} cannot be inspected ({e})", dir.display())
            })?;
            if meta.mode() & 0o022 != 0 {
                return Err(format!(
                    "its directory {} is writable by other users (mode {:o})",
                    dir.display(),
                    meta.mode() & 0o7777
                ));
            }
        }
        Ok(())
    }

    /// How long to wait before retrying a connect the listener had no room for.
    const RETRY: Duration = Duration::from_millis(5);

    pub(super) fn connect(socket: &Path, deadline: Instant) -> io::Result<UnixStream> {
        let (addr, len) = sockaddr(socket)?;
        // SAFETY: plain system call with constant arguments; the result is checked.
        let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor this function owns from here on.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        set_flag(&fd, libc::F_GETFD, libc::F_SETFD, libc::FD_CLOEXEC, true)?;
        set_flag(&fd, libc::F_GETFL, libc::F_SETFL, libc::O_NONBLOCK, true)?;

        loop {
            // SAFETY: `addr` is an initialized `sockaddr_un` of `len` bytes that outlives the
            // call; `fd` is open.
            let rc = unsafe {
                libc::connect(
                    fd.as_raw_fd(),
                    std::ptr::addr_of!(addr).cast::<libc::sockaddr>(),
                    len,
                )
            };
            if rc == 0 {
                break;
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                // Linux: the backlog is full and nothing is in progress; try again shortly.
                Some(libc::EAGAIN) => {
                    let left = left(deadline)?;
                    std::thread::sleep(left.min(RETRY));
                }
                Some(libc::EINPROGRESS) | Some(libc::EINTR) => {
                    wait_writable(&fd, deadline)?;
                    let pending = so_error(&fd)?;
                    if pending != 0 {
                        return Err(io::Error::from_raw_os_error(pending));
                    }
                    break;
                }
                _ => return Err(err),
            }
        }

        set_flag(&fd, libc::F_GETFL, libc::F_SETFL, libc::O_NONBLOCK, false)?;
        Ok(UnixStream::from(fd))
    }

    fn left(deadline: Instant) -> io::Result<Duration> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::ErrorKind::TimedOut.into())
        } else {
            Ok(left)
        }
    }

    /// Waits until a pending connect on `fd` completes (writable) or the deadline passes.
    fn wait_writable(fd: &OwnedFd, deadline: Instant) -> io::Result<()> {
        loop {
            let left = left(deadline)?;
            let ms = libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
            let mut pollfd = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: one valid `pollfd`, count 1.
            let rc = unsafe { libc::poll(&mut pollfd, 1, ms) };
            if rc > 0 {
                return Ok(());
            }
            if rc < 0 {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
        }
    }

    /// The pending error of `fd` (`SO_ERROR`), 0 when the connect succeeded.
    fn so_error(fd: &OwnedFd) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` and `len` are valid for writes and describe a `c_int`.
        let rc = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                std::ptr::addr_of_mut!(value).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(value)
    }

    /// Sets (`on`) or clears `flag` in the flags read with `get` and written with `set`.
    fn set_flag(
        fd: &OwnedFd,
        get: libc::c_int,
        set: libc::c_int,
        flag: libc::c_int,
        on: bool,
    ) -> io::Result<()> {
        // SAFETY: `fd` is open; F_GETFD / F_GETFL take no argument.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), get) };
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        let wanted = if on { flags | flag } else { flags & !flag };
        // SAFETY: `fd` is open; F_SETFD / F_SETFL take an int.
        if wanted != flags && unsafe { libc::fcntl(fd.as_raw_fd(), set, wanted) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The `sockaddr_un` for `path` and its length.
    fn sockaddr(path: &Path) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
        // SAFETY: `sockaddr_un` is plain data; all zeroes is a valid value.
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let bytes = path.as_os_str().as_bytes();
        // A NUL inside the path would silently shorten it.
        CString::new(bytes).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "socket path contains a NUL byte",
            )
        })?;
        if bytes.len() >= addr.sun_path.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "socket path is longer than the system allows ({} bytes)",
                    addr.sun_path.len() - 1
                ),
            ));
        }
        for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
            *dst = *src as libc::c_char;
        }
        let base = addr.sun_path.as_ptr() as usize - std::ptr::addr_of!(addr) as usize;
        let len = libc::socklen_t::try_from(base + bytes.len() + 1)
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok((addr, len))
    }
}

#[cfg(windows)]
mod sys {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use prempti_protocol::paths::windows_pipe_name;

    /// `ERROR_PIPE_BUSY`: every instance of the pipe is in use; retry.
    const ERROR_PIPE_BUSY: i32 = 231;

    impl super::Timeouts for File {
        // A synchronous pipe handle has no timeouts; the deadline is still checked before each
        // operation by `Deadlined`.
        fn set_read_timeout_to(&self, _left: Duration) -> io::Result<()> {
            Ok(())
        }
        fn set_write_timeout_to(&self, _left: Duration) -> io::Result<()> {
            Ok(())
        }
    }

    /// Runs `work` on a thread of its own and waits for it until `deadline`; `None` when it
    /// is late (it is then abandoned: the hook answers and exits, which ends it) or no thread
    /// could be started (the call is then denied as a timeout: fail closed).
    pub(super) fn bounded<T: Send + 'static>(
        deadline: Instant,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .spawn(move || {
                let _ = tx.send(work());
            })
            .ok()?;
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
    }

    pub(super) fn connect(socket: &Path, deadline: Instant) -> io::Result<File> {
        let name = windows_pipe_name(socket);
        loop {
            match OpenOptions::new().read(true).write(true).open(&name) {
                Ok(file) => return Ok(file),
                Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => {
                    if Instant::now() >= deadline {
                        return Err(io::ErrorKind::TimedOut.into());
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_deadline_fails_before_touching_the_stream() {
        struct Never;
        impl Read for Never {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                unreachable!("the deadline is checked first")
            }
        }
        impl Timeouts for Never {
            fn set_read_timeout_to(&self, _: Duration) -> io::Result<()> {
                Ok(())
            }
            fn set_write_timeout_to(&self, _: Duration) -> io::Result<()> {
                Ok(())
            }
        }
        let mut io = Deadlined {
            inner: Never,
            deadline: Instant::now(),
            read_any: false,
        };
        let err = io.read(&mut [0u8; 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
