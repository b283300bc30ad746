//! The control endpoint: where `premptictl` talks to its daemon.
//!
//! - Unix: the socket `run/control.sock`, made 0600 in the 0700 `run/`; a peer running as
//!   another uid (the kernel's `SO_PEERCRED` / `getpeereid`) is dropped without an answer.
//! - Windows: a named pipe named after that path
//!   ([`prempti_protocol::paths::windows_pipe_name`]), created with a security descriptor that
//!   admits only the current user (`prempti_plugin::pipe_security`), remote clients rejected.
//!
//! Both carry the same frames ([`prempti_protocol::frame`]). [`exchange`] bounds a client's
//! whole exchange by a deadline on both.

use std::io;
use std::path::Path;
use std::time::Duration;

pub use imp::{ClientStream, ControlListener, ControlStream};

/// Connects to the control endpoint at `path` and runs `talk` over the connection, giving up
/// with `TimedOut` when connecting and talking take longer than `timeout`. A missing endpoint
/// is `NotFound` or `ConnectionRefused`.
pub fn exchange<R, F>(path: &Path, timeout: Duration, talk: F) -> io::Result<R>
where
    F: FnOnce(&mut ClientStream) -> R + Send + 'static,
    R: Send + 'static,
{
    imp::exchange(path, timeout, talk)
}

#[cfg(unix)]
mod imp {
    use super::{io, Duration, Path};
    use tokio::net::{UnixListener, UnixStream};

    /// A connection the daemon accepted.
    pub type ControlStream = UnixStream;
    /// A client's connection.
    pub type ClientStream = std::os::unix::net::UnixStream;

    /// The listening control socket.
    #[derive(Debug)]
    pub struct ControlListener {
        listener: UnixListener,
        uid: u32,
    }

    impl ControlListener {
        /// Binds the control socket (mode 0600). A stale socket file (nobody listening) is
        /// replaced; the caller holds the instance lock, so no other daemon listens on it.
        pub fn bind(path: &Path) -> anyhow::Result<ControlListener> {
            use std::os::unix::fs::PermissionsExt as _;
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => anyhow::bail!(
                    "cannot remove the stale control socket {}: {e}",
                    path.display()
                ),
            }
            let listener = UnixListener::bind(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on the control socket {}: {e}",
                    path.display()
                )
            })?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| anyhow::anyhow!("cannot restrict {}: {e}", path.display()))?;
            Ok(ControlListener {
                listener,
                // SAFETY: getuid has no preconditions and cannot fail.
                uid: unsafe { libc::getuid() },
            })
        }

        /// The next connection of this user and the peer's pid when known; `Ok(None)` for a
        /// peer that was refused (another uid, or one that cannot be identified).
        pub async fn accept(&self) -> io::Result<Option<(ControlStream, Option<i32>)>> {
            let (stream, _) = self.listener.accept().await?;
            match stream.peer_cred() {
                Ok(cred) if cred.uid() == self.uid => Ok(Some((stream, cred.pid()))),
                Ok(cred) => {
                    tracing::warn!(
                        "control socket: refused a peer running as uid {}",
                        cred.uid()
                    );
                    Ok(None)
                }
                Err(e) => {
                    tracing::warn!("control socket: cannot identify the peer: {e}");
                    Ok(None)
                }
            }
        }
    }

    pub(super) fn exchange<R>(
        path: &Path,
        timeout: Duration,
        talk: impl FnOnce(&mut ClientStream) -> R,
    ) -> io::Result<R> {
        let mut stream = ClientStream::connect(path)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(talk(&mut stream))
    }
}

#[cfg(windows)]
mod imp {
    use super::{io, Duration, Path};
    use interprocess::local_socket::tokio::{Listener, Stream};
    use interprocess::local_socket::traits::tokio::Listener as _;
    use interprocess::local_socket::traits::StreamCommon as _;
    use interprocess::local_socket::{GenericNamespaced, ListenerOptions, ToNsName as _};
    use interprocess::os::windows::local_socket::ListenerOptionsExt as _;
    use prempti_protocol::paths::windows_pipe_name;
    use std::time::Instant;

    /// A connection the daemon accepted.
    pub type ControlStream = Stream;
    /// A client's connection (the pipe opened as a file).
    pub type ClientStream = std::fs::File;

    /// `ERROR_PIPE_BUSY`: every instance of the pipe is in use; retry.
    const ERROR_PIPE_BUSY: i32 = 231;

    /// The listening control pipe.
    #[derive(Debug)]
    pub struct ControlListener {
        listener: Listener,
    }

    impl ControlListener {
        /// Creates the control pipe for `path`, admitting only the current user. Fails when
        /// another process already serves it.
        pub fn bind(path: &Path) -> anyhow::Result<ControlListener> {
            let pipe = windows_pipe_name(path);
            let fail = |e: io::Error| {
                anyhow::anyhow!(
                    "cannot listen on the control pipe {pipe} (for {}): {e}",
                    path.display()
                )
            };
            let short = pipe.trim_start_matches(r"\\.\pipe\");
            let name = short.to_ns_name::<GenericNamespaced>().map_err(fail)?;
            let security = prempti_plugin::pipe_security::owner_only().map_err(fail)?;
            let listener = ListenerOptions::new()
                .name(name)
                .security_descriptor(security)
                .create_tokio()
                .map_err(fail)?;
            Ok(ControlListener { listener })
        }

        /// The next connection and the peer's pid. The pipe's descriptor already refused
        /// every other user, so every connection is the user's (`Ok(None)` never happens here).
        pub async fn accept(&self) -> io::Result<Option<(ControlStream, Option<i32>)>> {
            let stream = self.listener.accept().await?;
            let pid = stream
                .peer_creds()
                .ok()
                .and_then(|c| c.pid())
                .and_then(|p| i32::try_from(p).ok());
            Ok(Some((stream, pid)))
        }
    }

    /// A synchronous pipe handle has no read or write timeouts, so the exchange runs on a
    /// thread of its own and the caller stops waiting at the deadline (the thread is left to
    /// end with the process; the daemon's side closes the pipe at its own deadline).
    pub(super) fn exchange<R, F>(path: &Path, timeout: Duration, talk: F) -> io::Result<R>
    where
        F: FnOnce(&mut ClientStream) -> R + Send + 'static,
        R: Send + 'static,
    {
        let deadline = Instant::now() + timeout;
        let mut stream = connect(path, deadline)?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("control-exchange".into())
            .spawn(move || {
                let _ = tx.send(talk(&mut stream));
            })?;
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| io::ErrorKind::TimedOut.into())
    }

    fn connect(path: &Path, deadline: Instant) -> io::Result<ClientStream> {
        let name = windows_pipe_name(path);
        loop {
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&name)
            {
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
    use prempti_protocol::frame;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A real endpoint, a real client: one frame each way; a client that connects where
    /// nothing listens is told so.
    #[test]
    fn one_frame_each_way_and_nothing_listening_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(async { ControlListener::bind(&path) })
            .unwrap();
        let server = runtime.spawn(async move {
            let (mut stream, _pid) = listener.accept().await.unwrap().expect("our own user");
            let mut header = [0u8; frame::HEADER_LEN];
            stream.read_exact(&mut header).await.unwrap();
            let len = frame::decode_header(header, 1024).unwrap();
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body).await.unwrap();
            let answer: String = serde_json::from_slice::<String>(&body)
                .unwrap()
                .to_uppercase();
            stream
                .write_all(&frame::encode_message(&answer).unwrap())
                .await
                .unwrap();
            stream.flush().await.unwrap();
        });
        let answer = exchange(&path, Duration::from_secs(10), |stream| {
            frame::write_message(stream, &"ping".to_owned())?;
            frame::read_message::<_, String>(stream, 1024)
        })
        .unwrap()
        .unwrap();
        assert_eq!(answer, "PING");
        runtime.block_on(server).unwrap();

        let missing = dir.path().join("nobody.sock");
        let err = exchange(&missing, Duration::from_secs(1), |_| ()).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ),
            "{err:?}"
        );
    }

    /// A daemon that accepts and never answers does not hold the client past its deadline.
    #[test]
    fn a_silent_endpoint_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(async { ControlListener::bind(&path) })
            .unwrap();
        let _server = runtime.spawn(async move {
            let held = listener.accept().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(held);
        });
        let started = std::time::Instant::now();
        let result = exchange(&path, Duration::from_millis(300), |stream| {
            frame::read_message::<_, String>(stream, 1024)
        });
        let timed_out = match result {
            Err(e) => e.kind() == io::ErrorKind::TimedOut,
            Ok(Err(frame::FrameError::Io(e))) => {
                matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                )
            }
            Ok(other) => panic!("unexpected answer {other:?}"),
        };
        assert!(timed_out);
        assert!(started.elapsed() < Duration::from_secs(10));
        runtime.shutdown_background();
    }
}
