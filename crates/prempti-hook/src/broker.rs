//! One request/response exchange with the broker, under one total deadline.
//!
//! The deadline (`PREMPTI_TIMEOUT_MS`) covers the whole exchange — connect, write, read — not
//! each system call: before every read and write the socket timeout is set to the time that is
//! left, and an exchange that runs out of time fails with [`BrokerError::Timeout`].
//!
//! On Unix the broker is a Unix socket ([`std::os::unix::net::UnixStream`]). A Unix-socket
//! connect returns at once unless the listener's backlog is full; std offers no connect timeout
//! for it, so that one case is bounded by the agent's own hook timeout.
//!
//! On Windows the broker is a named pipe (`paths::windows_pipe_name`) opened as a file. Opening
//! is retried until the deadline while the pipe is busy; a synchronous pipe handle has no read
//! or write timeout without threads or overlapped I/O, so once connected the deadline is checked
//! before each operation and the agent's own hook timeout bounds a broker that stops mid-way.
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
    let start = Instant::now();
    let deadline = start + timeout;
    let timed_out = || BrokerError::Timeout {
        socket: socket.to_owned(),
        ms: timeout.as_millis(),
    };

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
    use std::io;
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

    pub(super) fn connect(socket: &Path, _deadline: Instant) -> io::Result<UnixStream> {
        UnixStream::connect(socket)
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
