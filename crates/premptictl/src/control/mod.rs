//! The control socket, client side, and the status document the daemon publishes on it.
//!
//! Requests and responses are [`prempti_protocol::control`] messages, one frame each way
//! ([`prempti_protocol::frame`]) over `run/control.sock` (0600, in the 0700 `run/` directory;
//! a named pipe on Windows, see [`crate::platform::ipc`]).

pub mod consent;

use std::io;
use std::path::Path;
use std::time::Duration;

use prempti_protocol::control::{ControlEnvelope, ControlRequest, ControlResponse};
use prempti_protocol::frame;
use serde::{Deserialize, Serialize};

use crate::platform::ipc::ClientStream;

/// Largest control message accepted in either direction (status documents carry reload
/// errors, which stay far below this).
pub const MAX_CONTROL_BYTES: u32 = 4 * 1024 * 1024;

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Nothing listens on the control socket.
    #[error(
        "the Prempti daemon is not running (no answer on {0}); start it with `premptictl start`"
    )]
    NotRunning(String),
    /// The daemon did not answer in time.
    #[error("the Prempti daemon did not answer on {0} in time; see `premptictl logs` and log/daemon.log")]
    Timeout(String),
    /// The exchange failed.
    #[error("control request on {path} failed: {source}")]
    Exchange {
        /// The socket.
        path: String,
        /// What went wrong.
        #[source]
        source: frame::FrameError,
    },
}

/// Sends one request and waits up to `timeout` for the answer. A request that loosens
/// enforcement carries the control token read from `control.token` beside `socket` (the
/// person running premptictl can read it; the agent's tool calls are denied reading it).
pub fn request(
    socket: &Path,
    req: &ControlRequest,
    timeout: Duration,
) -> Result<ControlResponse, ControlError> {
    let shown = socket.display().to_string();
    let envelope = ControlEnvelope {
        request: req.clone(),
        token: if req.loosens() {
            read_token(socket)
        } else {
            None
        },
    };
    let talk = move |stream: &mut ClientStream| -> Result<ControlResponse, frame::FrameError> {
        frame::write_message(stream, &envelope)?;
        frame::read_message(stream, MAX_CONTROL_BYTES)
    };
    match crate::platform::ipc::exchange(socket, timeout, talk) {
        Ok(answer) => answer.map_err(|e| exchange_error(&shown, e)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            Err(ControlError::NotRunning(shown))
        }
        Err(e) => Err(exchange_error(&shown, frame::FrameError::Io(e))),
    }
}

/// The control token of the daemon listening on `socket`, when it can be read.
fn read_token(socket: &Path) -> Option<String> {
    let path = socket.with_file_name(prempti_protocol::paths::CONTROL_TOKEN_FILE);
    let text = std::fs::read_to_string(path).ok()?;
    let token = text.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

fn exchange_error(shown: &str, e: frame::FrameError) -> ControlError {
    match &e {
        frame::FrameError::Io(io)
            if matches!(
                io.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            ControlError::Timeout(shown.to_owned())
        }
        _ => ControlError::Exchange {
            path: shown.to_owned(),
            source: e,
        },
    }
}

/// The daemon's status document (`data` of the answer to `{"op":"status"}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusDoc {
    /// The daemon's pid.
    pub pid: u32,
    /// premptictl's version.
    pub version: String,
    /// `embedded` or `falco`.
    pub engine: String,
    /// The Falco child's pid (engine `falco`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub falco_pid: Option<u32>,
    /// The mode in force.
    pub mode: String,
    /// The default action in force.
    pub default_action: String,
    /// When the daemon started (RFC 3339).
    pub started_at: String,
    /// Seconds since start.
    pub uptime_secs: u64,
    /// The install directory.
    pub home: String,
    /// The rules in force.
    pub rules: RulesStatus,
    /// The last reload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reload: Option<ReloadStatus>,
    /// Call and verdict counters.
    pub counters: Counters,
    /// Configuration warnings (unknown keys and the like).
    #[serde(default)]
    pub config_warnings: Vec<String>,
    /// The broker's counters, including the requests it refused itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<prempti_plugin::broker::BrokerStats>,
    /// How the Falco child fares (engine `falco`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub falco: Option<FalcoStatus>,
}

/// The Falco child of the `falco` engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FalcoStatus {
    /// The Falco binary.
    pub binary: String,
    /// `running`, or `restarting` while the daemon waits to start a Falco that died again.
    pub state: String,
    /// Times the daemon started Falco again after it died (reloads not counted).
    pub restarts: u64,
    /// How the last Falco that died ended, and when (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_exit: Option<String>,
    /// Why the last attempt to start Falco failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Why the plugin inside Falco did not answer the status request, if it did not (the
    /// counters are then zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_error: Option<String>,
    /// Calls the plugin holds: handed to Falco and not settled yet.
    #[serde(default)]
    pub pending: u64,
}

/// The rules in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesStatus {
    /// When the policy in force was compiled (RFC 3339).
    pub loaded_at: String,
    /// Each file, in load order.
    pub files: Vec<RulesFileStatus>,
    /// Enabled rules in the policy.
    pub rules: usize,
    /// Warnings of the load in force (`file:line:col: ...`).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One loaded rules file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesFileStatus {
    /// The path.
    pub path: String,
    /// Rules defined in it.
    pub rules: usize,
    /// Macros defined in it.
    pub macros: usize,
    /// Lists defined in it.
    pub lists: usize,
}

/// The outcome of the last reload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReloadStatus {
    /// When it finished (RFC 3339).
    pub at: String,
    /// What asked for it (`control`, `watch`).
    pub trigger: String,
    /// Whether the new rules are in force.
    pub ok: bool,
    /// Errors (`file:line:col: ...`); the previous policy stays in force when there are any.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Call and verdict counters since start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Calls answered.
    pub calls: u64,
    /// Answered allow.
    pub allow: u64,
    /// Answered deny.
    pub deny: u64,
    /// Answered ask.
    pub ask: u64,
    /// Answered defer.
    pub defer: u64,
    /// Calls whose evaluation failed (answered deny).
    pub errors: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Reloads that kept the previous policy because of errors.
    pub failed_reloads: u64,
}
