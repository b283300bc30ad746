//! The control socket, server side: `run/control.sock` (0600 in the 0700 `run/`, peers of
//! another uid refused; a named pipe only the user may open on Windows, see
//! [`crate::platform::ipc`]), one request frame in, one response frame out. Requests are handed to
//! the event loop, which alone changes the daemon's state.
//!
//! Requests that loosen enforcement ([`ControlRequest::loosens`]) must carry the control
//! token ([`ControlAuth`]): the agent runs as the same user as the daemon, so the peer's uid
//! alone does not tell a person from an agent's tool call. Such a request without a valid
//! token is refused here, before the event loop sees it, and reported to
//! the refusal sink given to [`ControlAuth::create`] (a log line and an alert).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use prempti_protocol::control::{ControlEnvelope, ControlRequest, ControlResponse};
use prempti_protocol::frame;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{mpsc, oneshot};

use crate::control::MAX_CONTROL_BYTES;
use crate::platform::ipc::{ControlListener, ControlStream};

/// A control request waiting for the event loop, with the way back to the client.
pub type ControlMessage = (ControlRequest, oneshot::Sender<ControlResponse>);

/// Binds the control endpoint for `path` (see [`ControlListener::bind`]).
pub fn bind(path: &Path) -> anyhow::Result<ControlListener> {
    ControlListener::bind(path)
}

/// What is done with a refused control request: the request, why it was refused, and the
/// peer's pid when known.
pub type RefusalSink = Box<dyn Fn(&ControlRequest, &str, Option<i32>) + Send + Sync>;

/// The control token of this daemon run and what to do with a request refused for lack of it.
pub struct ControlAuth {
    token: String,
    path: PathBuf,
    on_refusal: RefusalSink,
}

impl std::fmt::Debug for ControlAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlAuth")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ControlAuth {
    /// Creates a fresh random token and writes it to `path` (mode 0600, replacing any old
    /// file, never following a symlink there).
    pub fn create(path: &Path, on_refusal: RefusalSink) -> anyhow::Result<ControlAuth> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("cannot make a control token: {e}"))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_token(path, &token).map_err(|e| {
            anyhow::anyhow!("cannot write the control token {}: {e}", path.display())
        })?;
        Ok(ControlAuth {
            token,
            path: path.to_owned(),
            on_refusal,
        })
    }

    /// Whether `envelope` may be carried out: `Err(why)` when it loosens enforcement without
    /// the right token.
    pub fn check(&self, envelope: &ControlEnvelope) -> Result<(), &'static str> {
        if !envelope.request.loosens() {
            return Ok(());
        }
        match &envelope.token {
            None => Err("it carries no control token"),
            Some(given) if constant_time_eq(given.as_bytes(), self.token.as_bytes()) => Ok(()),
            Some(_) => Err("its control token is wrong"),
        }
    }

    /// Removes the token file (at shutdown).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn write_token(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write as _;

    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file = crate::platform::fs::create_private(path)?;
    file.write_all(token.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer to a loosening request refused for lack of a valid token.
pub fn refusal_message(request: &ControlRequest, why: &str) -> String {
    format!(
        "refused: `{}` weakens Prempti's enforcement and {why}; only a person can do this: run \
         the premptictl command yourself in a terminal (premptictl sends the token from \
         run/control.token). This attempt was recorded",
        request.op()
    )
}

/// Name of the rule the refusal alert carries.
pub const REFUSAL_RULE: &str = "Prempti control request refused";

/// The log line and the Falco-format alert recording a refused request.
pub fn refusal_record(
    request: &ControlRequest,
    why: &str,
    peer_pid: Option<i32>,
    json: bool,
    hostname: &str,
) -> (String, String) {
    let detail = serde_json::to_value(request)
        .ok()
        .and_then(|v| {
            v.as_object().map(|o| {
                o.iter()
                    .filter(|(k, _)| k.as_str() != "op")
                    .map(|(k, v)| format!(" {k}={}", v.as_str().unwrap_or_default()))
                    .collect::<String>()
            })
        })
        .unwrap_or_default();
    let pid = peer_pid.map_or_else(|| "<NA>".to_owned(), |p| p.to_string());
    let output = format!(
        "Prempti refused a control request that weakens enforcement because {why} \
         (op={}{detail} peer_pid={pid})",
        request.op()
    );
    let time = prempti_plugin::audit::format_time(jiff::Timestamp::now());
    let alert = if json {
        serde_json::json!({
            "hostname": hostname,
            "output": format!("{time}: Critical {output}"),
            "output_fields": {
                "control.op": request.op(),
                "control.peer_pid": peer_pid,
                "control.refusal": why,
            },
            "priority": "Critical",
            "rule": REFUSAL_RULE,
            "source": "coding_agent",
            "tags": ["coding_agent_self_protection", "prempti_control"],
            "time": time,
        })
        .to_string()
    } else {
        format!("{time}: Critical {output}")
    };
    (output, alert)
}

/// Accepts connections until `tx` closes; each is served on its own task.
pub async fn serve(
    listener: ControlListener,
    tx: mpsc::Sender<ControlMessage>,
    path: PathBuf,
    auth: Arc<ControlAuth>,
) {
    loop {
        let (stream, peer_pid) = match listener.accept().await {
            Ok(Some(conn)) => conn,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("control socket {}: accept failed: {e}", path.display());
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if tx.is_closed() {
            break;
        }
        let tx = tx.clone();
        let auth = Arc::clone(&auth);
        tokio::spawn(async move {
            if let Err(e) = handle(stream, tx, &auth, peer_pid).await {
                tracing::debug!("control connection: {e}");
            }
        });
    }
}

async fn handle(
    mut stream: ControlStream,
    tx: mpsc::Sender<ControlMessage>,
    auth: &ControlAuth,
    peer_pid: Option<i32>,
) -> anyhow::Result<()> {
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
            match serde_json::from_slice::<ControlEnvelope>(&body) {
                Err(e) => ControlResponse {
                    ok: false,
                    message: format!(
                        "unknown control request: {e}; is premptictl older than the daemon?"
                    ),
                    data: Default::default(),
                },
                Ok(envelope) => dispatch(envelope, &tx, auth, peer_pid).await,
            }
        }
    };
    let bytes = frame::encode_message(&response)?;
    stream.write_all(&bytes).await?;
    stream.flush().await?;
    Ok(())
}

/// Hands an authorized request to the event loop and waits for its answer; refuses (and
/// reports) a loosening request without a valid token.
async fn dispatch(
    envelope: ControlEnvelope,
    tx: &mpsc::Sender<ControlMessage>,
    auth: &ControlAuth,
    peer_pid: Option<i32>,
) -> ControlResponse {
    if let Err(why) = auth.check(&envelope) {
        (auth.on_refusal)(&envelope.request, why, peer_pid);
        return ControlResponse {
            ok: false,
            message: refusal_message(&envelope.request, why),
            data: Default::default(),
        };
    }
    let (reply_tx, reply_rx) = oneshot::channel();
    if tx.send((envelope.request, reply_tx)).await.is_err() {
        return ControlResponse {
            ok: false,
            message: "the daemon is shutting down".into(),
            data: Default::default(),
        };
    }
    reply_rx.await.unwrap_or_else(|_| ControlResponse {
        ok: false,
        message: "the daemon dropped the request (shutting down)".into(),
        data: Default::default(),
    })
}
