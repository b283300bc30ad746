//! The broker: the local socket server the hook talks to.
//!
//! (Skeleton: public API only; implementation follows.)

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prempti_protocol::{Decision, HookRequest, HookResponse};

use crate::verdict::{RuntimeSettings, SharedSettings, Verdict};

/// Reason given when the queue of pending calls is full.
pub const OVERLOADED_REASON: &str = "Prempti is overloaded";
/// Reason given when a call is dropped without an answer.
pub const EVALUATION_FAILED_REASON: &str = "Prempti: evaluation failed";

/// Broker settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// The socket path (a named pipe name is derived from it on Windows).
    pub socket_path: PathBuf,
    /// Largest accepted request frame.
    pub max_request_bytes: u32,
    /// How many calls may wait for the host at once; more are denied as overloaded.
    pub queue_capacity: usize,
    /// How long a call may take, from connection to answer, before it is denied.
    pub request_deadline: Duration,
    /// How many connections may be open at once; more are denied as overloaded.
    pub max_connections: usize,
}

impl BrokerConfig {
    /// Defaults for `socket_path`.
    pub fn new(socket_path: impl Into<PathBuf>) -> BrokerConfig {
        unimplemented!()
    }

    /// The broker deadline that suits a hook deadline of `hook_timeout`.
    pub fn deadline_for_hook_timeout(hook_timeout: Duration) -> Duration {
        unimplemented!()
    }
}

/// Counters of the broker's activity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrokerStats {
    /// Connections accepted.
    pub connections: u64,
    /// Connections refused because the peer runs as another user.
    pub rejected_peers: u64,
    /// Requests denied because they were malformed, oversized or of another version.
    pub bad_requests: u64,
    /// Calls denied because the queue or connection limit was full.
    pub overloaded: u64,
    /// Calls denied because the host did not answer within the deadline.
    pub deadline_expired: u64,
    /// Calls handed to the host.
    pub queued: u64,
    /// Calls the host answered in time.
    pub answered: u64,
    /// Calls dropped by the host without an answer.
    pub dropped: u64,
}

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// Preparing the socket directory failed.
    #[error("cannot prepare the socket directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The socket directory belongs to another user.
    #[error("the socket directory {path} belongs to another user")]
    ForeignDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// Another broker is listening on the socket.
    #[error("another broker is already listening on {path}")]
    InUse {
        /// The socket path.
        path: PathBuf,
    },
    /// Something that is not a socket sits at the socket path.
    #[error("{path} exists and is not a socket")]
    NotASocket {
        /// The socket path.
        path: PathBuf,
    },
    /// Binding the socket failed.
    #[error("cannot listen on {path}: {source}")]
    Bind {
        /// The socket path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Starting the broker's own runtime failed.
    #[error("cannot start the broker runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// A running broker. Dropping it shuts it down.
#[derive(Debug)]
pub struct Broker {
    _private: (),
}

impl Broker {
    /// Binds the socket and starts accepting on the caller's tokio runtime.
    pub async fn bind(
        config: BrokerConfig,
        settings: SharedSettings,
    ) -> Result<(Broker, CallReceiver), BrokerError> {
        unimplemented!()
    }

    /// Binds the socket and serves it from a small runtime on a background thread of its own
    /// (for the plugin inside Falco). Callable from any thread, inside a runtime or not.
    pub fn bind_standalone(
        config: BrokerConfig,
        settings: SharedSettings,
    ) -> Result<(Broker, CallReceiver), BrokerError> {
        unimplemented!()
    }

    /// The socket path.
    pub fn local_path(&self) -> &Path {
        unimplemented!()
    }

    /// The settings handle the broker reads.
    pub fn settings(&self) -> &SharedSettings {
        unimplemented!()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> BrokerStats {
        unimplemented!()
    }

    /// Stops accepting, denies every pending call and removes the socket file. Idempotent.
    pub fn shutdown(&self) {
        unimplemented!()
    }
}

/// The host's end of the queue of incoming calls.
#[derive(Debug)]
pub struct CallReceiver {
    _private: (),
}

impl CallReceiver {
    /// Waits for the next call; `None` once the broker has shut down.
    pub async fn recv(&mut self) -> Option<IncomingCall> {
        unimplemented!()
    }

    /// Blocks until at least one call is there or `timeout` passes, then returns up to `max`
    /// calls (empty on timeout or shutdown). For the Falco source's `next_batch`.
    pub fn recv_batch(&mut self, max: usize, timeout: Duration) -> Vec<IncomingCall> {
        unimplemented!()
    }

    /// Takes a call if one is waiting.
    pub fn try_recv(&mut self) -> Option<IncomingCall> {
        unimplemented!()
    }

    /// Whether the broker has shut down and the queue is empty.
    pub fn is_closed(&self) -> bool {
        unimplemented!()
    }
}

/// One tool call waiting for its verdict. Dropping it unanswered answers deny.
#[derive(Debug)]
pub struct IncomingCall {
    /// The broker's monotonic id of this call.
    pub correlation_id: u64,
    /// The request as the hook sent it.
    pub request: HookRequest,
    /// When the request arrived.
    pub received: Instant,
    /// The settings in force when it arrived: resolve with these.
    pub settings: RuntimeSettings,
    /// Set when the broker already answered (passthrough mode); responding is then a no-op.
    pub answered_early: bool,
}

impl IncomingCall {
    /// Sends the verdict to the hook. Returns whether the hook was still waiting for it.
    pub fn respond(self, decision: Decision, reason: String) -> bool {
        unimplemented!()
    }

    /// Sends `verdict`'s decision and reason.
    pub fn respond_verdict(self, verdict: &Verdict) -> bool {
        unimplemented!()
    }

    /// The response `respond` would send.
    pub fn response(&self, decision: Decision, reason: String) -> HookResponse {
        unimplemented!()
    }

    /// When the broker stops waiting and denies this call.
    pub fn deadline(&self) -> Instant {
        unimplemented!()
    }
}
