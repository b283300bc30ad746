//! The control socket, server side: `run/control.sock` (0600 in the 0700 `run/`), peers of
//! another uid refused, one request frame in, one response frame out. Requests are handed to
//! the event loop, which alone changes the daemon's state.

use std::path::{Path, PathBuf};

use prempti_protocol::control::{ControlRequest, ControlResponse};
use prempti_protocol::frame;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use crate::control::MAX_CONTROL_BYTES;

/// A control request waiting for the event loop, with the way back to the client.
pub type ControlMessage = (ControlRequest, oneshot::Sender<ControlResponse>);

/// Binds the control socket. A stale socket file (nobody listening) is replaced; the caller
/// holds the instance lock, so no other daemon can be listening on it.
pub fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
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
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| anyhow::anyhow!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(listener)
}

/// Accepts connections until `tx` closes; each is served on its own task.
pub async fn serve(listener: UnixListener, tx: mpsc::Sender<ControlMessage>, path: PathBuf) {
    // SAFETY: getuid has no preconditions and cannot fail.
    let my_uid = unsafe { libc::getuid() };
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!("control socket {}: accept failed: {e}", path.display());
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if tx.is_closed() {
            break;
        }
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == my_uid => {}
            Ok(cred) => {
                tracing::warn!(
                    "control socket: refused a peer running as uid {}",
                    cred.uid()
                );
                continue;
            }
            Err(e) => {
                tracing::warn!("control socket: cannot identify the peer: {e}");
                continue;
            }
        }
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Err(e) = handle(stream, tx).await {
                tracing::debug!("control connection: {e}");
            }
        });
    }
}

async fn handle(mut stream: UnixStream, tx: mpsc::Sender<ControlMessage>) -> anyhow::Result<()> {
    let mut header = [0u8; frame::HEADER_LEN];
    stream.read_exact(&mut header).await?;
    let response = match frame::decode_header(header, MAX_CONTROL_BYTES) {
        Err(e) => ControlResponse {
            ok: false,
            message: format!("bad control request: {e}"),
            data: Default::default(),
        },
        Ok(len) => {
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body).await?;
            match serde_json::from_slice::<ControlRequest>(&body) {
                Err(e) => ControlResponse {
                    ok: false,
                    message: format!(
                        "unknown control request: {e}; is premptictl older than the daemon?"
                    ),
                    data: Default::default(),
                },
                Ok(request) => {
                    let (reply_tx, reply_rx) = oneshot::channel();
                    if tx.send((request, reply_tx)).await.is_err() {
                        ControlResponse {
                            ok: false,
                            message: "the daemon is shutting down".into(),
                            data: Default::default(),
                        }
                    } else {
                        reply_rx.await.unwrap_or_else(|_| ControlResponse {
                            ok: false,
                            message: "the daemon dropped the request (shutting down)".into(),
                            data: Default::default(),
                        })
                    }
                }
            }
        }
    };
    let bytes = frame::encode_message(&response)?;
    stream.write_all(&bytes).await?;
    stream.flush().await?;
    Ok(())
}
