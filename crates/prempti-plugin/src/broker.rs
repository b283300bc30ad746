//! The broker: the local socket server the hook talks to.
//!
//! One connection carries one exchange: the hook sends one [`HookRequest`] frame and reads one
//! [`HookResponse`] frame (framing in [`prempti_protocol::frame`]). The broker validates the
//! request, gives it a monotonic correlation id and queues it as an [`IncomingCall`] for the
//! host, which answers through [`IncomingCall::respond`]:
//!
//! - the embedded host (`premptictl daemon`) takes calls with the async [`CallReceiver::recv`];
//! - the Falco host's source takes them with the blocking [`CallReceiver::recv_batch`] from
//!   `next_batch`, which wakes as soon as a call arrives.
//!
//! # Failure policy
//!
//! Every path that does not reach a host verdict answers **deny** with a reason the model and
//! the user can act on: malformed, oversized or wrong-version requests; a full queue
//! ([`OVERLOADED_REASON`]); a call the host dropped without answering
//! ([`EVALUATION_FAILED_REASON`]); a host that misses the deadline; shutdown. The broker's
//! deadline ([`BrokerConfig::request_deadline`]) is shorter than the hook's total deadline, so
//! the hook receives the broker's reason instead of timing out on its own.
//!
//! In `passthrough` mode the broker answers the default action as soon as the request is
//! valid and still hands the call to the host, which evaluates and audits it
//! ([`IncomingCall::answered_early`] is set and responding is a no-op).
//!
//! # Security
//!
//! On Unix the socket is created 0600 inside a 0700 directory owned by the broker's user (the
//! directory is created or its mode fixed; a directory owned by someone else is refused). A
//! stale socket file is removed only when nothing listens on it. Peers are checked with the
//! kernel's credentials of the connection (`SO_PEERCRED` / `getpeereid`); a peer running as
//! another effective uid is disconnected without an answer. On Windows the socket is a named
//! pipe ([`prempti_protocol::paths::windows_pipe_name`]) whose security descriptor admits the
//! current user only (the `pipe_security` module): other users, administrators and SYSTEM are
//! refused when they open it, and remote clients are rejected.
//!
//! # Runtimes
//!
//! [`Broker::bind`] runs on the caller's tokio runtime (which must have I/O and time enabled);
//! [`Broker::bind_standalone`] starts a small current-thread runtime on a thread of its own,
//! for the plugin inside Falco.

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use interprocess::local_socket::tokio::{Listener, Stream};
use interprocess::local_socket::traits::tokio::Listener as _;
use interprocess::local_socket::ListenerOptions;
use prempti_protocol::{frame, Decision, HookRequest, HookResponse, Mode, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{oneshot, watch, Notify, Semaphore};

use crate::service::{join_service_thread, spawn_standalone, stopped};
use crate::verdict::{RuntimeSettings, SharedSettings, Verdict};

/// Reason given when the queue of pending calls is full.
pub const OVERLOADED_REASON: &str = "Prempti is overloaded";
/// Reason given when a call is dropped without an answer.
pub const EVALUATION_FAILED_REASON: &str = "Prempti: evaluation failed";
/// Reason given to calls pending when the broker shuts down.
pub const SHUTTING_DOWN_REASON: &str =
    "Prempti is shutting down; run `premptictl start` to restart it";

/// Default number of calls that may wait for the host.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// Default number of connections open at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How much earlier than the hook's deadline the broker gives up, so its deny reaches the hook.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// How long writing a response may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a standalone broker waits for open connections to finish after shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

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
    /// A listening socket the host inherited (Unix; see [`BROKER_FD_ENV`]): served instead of
    /// binding `socket_path`, after checking it listens on `socket_path`. Its file is never
    /// removed at shutdown: it belongs to the process that handed it over. Ignored elsewhere.
    pub listener_fd: Option<i32>,
}

/// The environment variable through which `premptictl daemon` hands the Falco host the broker
/// socket it keeps bound across Falco restarts: the number of an inherited listening socket.
/// Connections that arrive while no Falco runs wait in the socket's backlog for the next one
/// instead of failing.
pub const BROKER_FD_ENV: &str = "PREMPTI_BROKER_FD";

impl BrokerConfig {
    /// Defaults for `socket_path`: 16 MiB frames, [`DEFAULT_QUEUE_CAPACITY`],
    /// [`DEFAULT_MAX_CONNECTIONS`], and a deadline suited to the hook's default timeout.
    pub fn new(socket_path: impl Into<PathBuf>) -> BrokerConfig {
        BrokerConfig {
            socket_path: socket_path.into(),
            max_request_bytes: frame::DEFAULT_MAX_REQUEST_BYTES,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            request_deadline: Self::deadline_for_hook_timeout(Duration::from_millis(
                prempti_protocol::env::DEFAULT_TIMEOUT_MS,
            )),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            listener_fd: None,
        }
    }

    /// The broker deadline that suits a hook deadline of `hook_timeout`: [`DEADLINE_MARGIN`]
    /// shorter, or 90% of it for short deadlines, so the broker's deny arrives first.
    pub fn deadline_for_hook_timeout(hook_timeout: Duration) -> Duration {
        if hook_timeout >= DEADLINE_MARGIN * 5 {
            hook_timeout - DEADLINE_MARGIN
        } else {
            hook_timeout.mul_f64(0.9)
        }
    }
}

counters! {
    /// Counters of the broker's activity.
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct BrokerStats, private Counters {
        /// Connections accepted.
        connections,
        /// Connections refused because the peer runs as another user.
        rejected_peers,
        /// Requests denied because they were malformed, oversized or of another version.
        bad_requests,
        /// Calls denied because the queue or connection limit was full.
        overloaded,
        /// Calls denied because the host did not answer within the deadline.
        deadline_expired,
        /// Calls handed to the host.
        queued,
        /// Calls the host answered in time.
        answered,
        /// Calls dropped by the host without an answer.
        dropped,
    }
}

/// A second handle on a running broker ([`Broker::handle`]): reads its counters and can make
/// it stop accepting, for a handover to the next host.
#[derive(Debug, Clone)]
pub struct BrokerHandle(Arc<Shared>);

impl BrokerHandle {
    /// A snapshot of the counters.
    pub fn snapshot(&self) -> BrokerStats {
        self.0.counters.snapshot()
    }

    /// Stops accepting connections; the ones already accepted are served to the end. With an
    /// inherited socket ([`BrokerConfig::listener_fd`]) new connections then wait in the
    /// socket's backlog for the next host. Idempotent.
    pub fn stop_accepting(&self) {
        self.0.draining.send_replace(true);
    }

    /// Calls in the queue, not yet taken by the host (passthrough calls, answered already,
    /// wait here for their evaluation too).
    pub fn queued(&self) -> usize {
        self.0.queue.lock().calls.len()
    }

    /// Connections accepted and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.0
            .config
            .max_connections
            .saturating_sub(self.0.connections.available_permits())
    }
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
        source: io::Error,
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
        source: io::Error,
    },
    /// [`Broker::bind`] was called outside a tokio runtime.
    #[error("the broker needs a tokio runtime (use bind_standalone outside one)")]
    NoRuntime,
    /// Starting the broker's own runtime failed.
    #[error("cannot start the broker runtime: {0}")]
    Runtime(#[source] io::Error),
}

// ---------------------------------------------------------------------------------------------
// The queue between connections and the host.

#[derive(Debug, Default)]
struct QueueState {
    calls: VecDeque<IncomingCall>,
    closed: bool,
}

/// A bounded queue with both a blocking (condvar) and an async (notify) consumer side.
#[derive(Debug)]
struct Queue {
    state: Mutex<QueueState>,
    capacity: usize,
    cond: Condvar,
    notify: Notify,
}

/// Why a call was not queued; the call comes back (boxed: the error path is rare) so it can
/// still be answered.
enum PushError {
    Full(Box<IncomingCall>),
    Closed(Box<IncomingCall>),
}

impl Queue {
    fn new(capacity: usize) -> Queue {
        Queue {
            state: Mutex::default(),
            capacity: capacity.max(1),
            cond: Condvar::new(),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // Nothing panics while holding this lock; if it ever did, the queue is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, call: IncomingCall) -> Result<(), PushError> {
        {
            let mut state = self.lock();
            if state.closed {
                return Err(PushError::Closed(Box::new(call)));
            }
            if state.calls.len() >= self.capacity {
                return Err(PushError::Full(Box::new(call)));
            }
            state.calls.push_back(call);
        }
        self.cond.notify_one();
        self.notify.notify_one();
        Ok(())
    }

    /// Closes the queue and returns what was waiting in it.
    fn close(&self) -> Vec<IncomingCall> {
        let drained = {
            let mut state = self.lock();
            state.closed = true;
            state.calls.drain(..).collect()
        };
        self.cond.notify_all();
        self.notify.notify_waiters();
        // A consumer between its check and its wait holds no permit from notify_waiters; this
        // stored permit wakes it.
        self.notify.notify_one();
        drained
    }
}

// ---------------------------------------------------------------------------------------------
// Calls.

/// One tool call waiting for its verdict. Dropping it unanswered answers deny
/// ([`EVALUATION_FAILED_REASON`]).
#[derive(Debug)]
pub struct IncomingCall {
    /// The broker's monotonic id of this call.
    pub correlation_id: u64,
    /// The request as the hook sent it.
    pub request: HookRequest,
    /// When the request arrived.
    pub received: Instant,
    /// The settings in force when it arrived: resolve with these, so the recorded verdict is
    /// the one the hook gets even if the mode switches meanwhile.
    pub settings: RuntimeSettings,
    /// Set when the broker already answered (passthrough mode); responding is then a no-op.
    pub answered_early: bool,
    deadline: Instant,
    responder: Option<oneshot::Sender<HookResponse>>,
    counters: Arc<Counters>,
}

impl IncomingCall {
    /// Whether the hook is still waiting for this call's answer: false once the broker
    /// answered it itself (passthrough, deadline, shutdown) or the hook went away.
    pub fn is_waiting(&self) -> bool {
        self.responder.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    /// Sends the verdict to the hook. Returns whether the hook was still waiting for it.
    pub fn respond(self, decision: Decision, reason: String) -> bool {
        let counters = Arc::clone(&self.counters);
        let sent = self.send(decision, reason);
        if sent {
            Counters::bump(&counters.answered);
        }
        sent
    }

    /// Answers without counting it as a host verdict (overload and shutdown paths).
    fn send(mut self, decision: Decision, reason: String) -> bool {
        let response = self.response(decision, reason);
        match self.responder.take() {
            Some(tx) => tx.send(response).is_ok(),
            None => false,
        }
    }

    /// Sends `verdict`'s decision and reason.
    pub fn respond_verdict(self, verdict: &Verdict) -> bool {
        let reason = verdict.reason.clone();
        self.respond(verdict.decision, reason)
    }

    /// The response `respond` would send.
    pub fn response(&self, decision: Decision, reason: String) -> HookResponse {
        HookResponse::new(self.request.nonce, self.correlation_id, decision, reason)
    }

    /// When the broker stops waiting and denies this call.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Drop for IncomingCall {
    fn drop(&mut self) {
        if let Some(tx) = self.responder.take() {
            let response = self.response(Decision::Deny, EVALUATION_FAILED_REASON.to_owned());
            if tx.send(response).is_ok() {
                Counters::bump(&self.counters.dropped);
            }
        }
    }
}

/// The host's end of the queue of incoming calls.
#[derive(Debug)]
pub struct CallReceiver {
    queue: Arc<Queue>,
}

impl CallReceiver {
    /// Waits for the next call; `None` once the broker has shut down.
    pub async fn recv(&mut self) -> Option<IncomingCall> {
        loop {
            let notified = self.queue.notify.notified();
            tokio::pin!(notified);
            // Register interest before checking, so a push between the check and the wait
            // still wakes us.
            notified.as_mut().enable();
            {
                let mut state = self.queue.lock();
                if let Some(call) = state.calls.pop_front() {
                    return Some(call);
                }
                if state.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Blocks until at least one call is there or `timeout` passes, then returns up to `max`
    /// calls (empty on timeout or shutdown). For the Falco source's `next_batch`; do not call
    /// it from an async task.
    pub fn recv_batch(&mut self, max: usize, timeout: Duration) -> Vec<IncomingCall> {
        let max = max.max(1);
        let guard = self.queue.lock();
        let (mut state, _) = self
            .queue
            .cond
            .wait_timeout_while(guard, timeout, |s| s.calls.is_empty() && !s.closed)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let n = state.calls.len().min(max);
        state.calls.drain(..n).collect()
    }

    /// Takes a call if one is waiting.
    pub fn try_recv(&mut self) -> Option<IncomingCall> {
        self.queue.lock().calls.pop_front()
    }

    /// Whether the broker has shut down and the queue is empty.
    pub fn is_closed(&self) -> bool {
        let state = self.queue.lock();
        state.closed && state.calls.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The broker.

#[derive(Debug)]
struct Shared {
    config: BrokerConfig,
    settings: SharedSettings,
    next_id: AtomicU64,
    counters: Arc<Counters>,
    queue: Arc<Queue>,
    shutdown: watch::Sender<bool>,
    /// Set to stop accepting (a handover) without shutting down.
    draining: watch::Sender<bool>,
    connections: Arc<Semaphore>,
}

impl Shared {
    fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// A running broker. Dropping it shuts it down.
#[derive(Debug)]
pub struct Broker {
    shared: Arc<Shared>,
    socket: BoundSocket,
    stopped: AtomicBool,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Broker {
    /// Binds the socket and starts accepting on the caller's tokio runtime.
    pub async fn bind(
        config: BrokerConfig,
        settings: SharedSettings,
    ) -> Result<(Broker, CallReceiver), BrokerError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| BrokerError::NoRuntime)?;
        let (shared, socket, listener) = Self::prepare(config, settings)?;
        handle.spawn(accept_loop(Arc::clone(&shared), listener));
        Ok(Self::assemble(shared, socket, None))
    }

    /// Binds the socket and serves it from a small runtime on a background thread of its own
    /// (for the plugin inside Falco). Callable from any thread, inside a runtime or not.
    pub fn bind_standalone(
        config: BrokerConfig,
        settings: SharedSettings,
    ) -> Result<(Broker, CallReceiver), BrokerError> {
        let ((shared, socket), thread) =
            spawn_standalone("prempti-broker", BrokerError::Runtime, |tx| async move {
                let (shared, socket, listener) = match Self::prepare(config, settings) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let mut stop = shared.shutdown.subscribe();
                let accept = tokio::spawn(accept_loop(Arc::clone(&shared), listener));
                if tx.send(Ok((Arc::clone(&shared), socket))).is_err() {
                    shared.shutdown.send_replace(true);
                }
                stopped(&mut stop).await;
                let _ = accept.await;
                // Let open connections write their denials before the runtime goes away.
                let all = u32::try_from(shared.config.max_connections).unwrap_or(u32::MAX);
                let _ =
                    tokio::time::timeout(DRAIN_TIMEOUT, shared.connections.acquire_many(all)).await;
            })?;
        Ok(Self::assemble(shared, socket, Some(thread)))
    }

    /// The broker handle and the host's receiver of a served socket.
    fn assemble(
        shared: Arc<Shared>,
        socket: BoundSocket,
        thread: Option<JoinHandle<()>>,
    ) -> (Broker, CallReceiver) {
        let receiver = CallReceiver {
            queue: Arc::clone(&shared.queue),
        };
        let broker = Broker {
            shared,
            socket,
            stopped: AtomicBool::new(false),
            thread: Mutex::new(thread),
        };
        (broker, receiver)
    }

    fn prepare(
        mut config: BrokerConfig,
        settings: SharedSettings,
    ) -> Result<(Arc<Shared>, BoundSocket, Listener), BrokerError> {
        config.max_connections = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
        let (socket, listener) = match config.listener_fd {
            #[cfg(unix)]
            Some(fd) => adopt_socket(fd, &config.socket_path)?,
            _ => bind_socket(&config.socket_path)?,
        };
        let (shutdown, _) = watch::channel(false);
        let (draining, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            draining,
            queue: Arc::new(Queue::new(config.queue_capacity)),
            connections: Arc::new(Semaphore::new(config.max_connections)),
            config,
            settings,
            next_id: AtomicU64::new(1),
            counters: Arc::new(Counters::default()),
            shutdown,
        });
        Ok((shared, socket, listener))
    }

    /// The socket path.
    pub fn local_path(&self) -> &Path {
        &self.shared.config.socket_path
    }

    /// The settings handle the broker reads.
    pub fn settings(&self) -> &SharedSettings {
        &self.shared.settings
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> BrokerStats {
        self.shared.counters.snapshot()
    }

    /// A second handle on this broker (counters, stop accepting).
    pub fn handle(&self) -> BrokerHandle {
        BrokerHandle(Arc::clone(&self.shared))
    }

    /// Stops accepting, denies every pending call and removes the socket file. Idempotent.
    ///
    /// A standalone broker also waits (up to a second) for open connections to be answered.
    pub fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared.shutdown.send_replace(true);
        for call in self.shared.queue.close() {
            call.send(Decision::Deny, SHUTTING_DOWN_REASON.to_owned());
        }
        self.socket.remove();
        join_service_thread(&self.thread);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: Listener) {
    let mut stop = shared.shutdown.subscribe();
    let mut drain = shared.draining.subscribe();
    loop {
        if shared.is_shut_down() {
            break;
        }
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => break,
            _ = stopped(&mut drain) => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok(stream) => {
                Counters::bump(&shared.counters.connections);
                let arrived = tokio::time::Instant::now();
                match Arc::clone(&shared.connections).try_acquire_owned() {
                    Ok(permit) => {
                        let shared = Arc::clone(&shared);
                        tokio::spawn(async move {
                            serve_connection(&shared, stream, arrived).await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        Counters::bump(&shared.counters.overloaded);
                        tokio::spawn(refuse_overloaded(stream));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "broker: accept failed");
                // Out of descriptors and the like: back off a little instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
}

/// Answers a connection over the limit without reading its request (its nonce is unknown, so
/// the hook reports a mismatch and denies).
async fn refuse_overloaded(mut stream: Stream) {
    let response = HookResponse::new(0, 0, Decision::Deny, OVERLOADED_REASON.to_owned());
    write_response(&mut stream, &response).await;
}

async fn serve_connection(shared: &Shared, mut stream: Stream, arrived: tokio::time::Instant) {
    if !peer_is_same_user(&stream) {
        Counters::bump(&shared.counters.rejected_peers);
        tracing::warn!("broker: refused a connection from another user");
        return;
    }
    let deadline = arrived + shared.config.request_deadline;
    let mut stop = shared.shutdown.subscribe();

    let read = tokio::select! {
        read = tokio::time::timeout_at(deadline, read_frame(&mut stream, shared.config.max_request_bytes)) => read,
        _ = stopped(&mut stop) => {
            let response = HookResponse::new(0, 0, Decision::Deny, SHUTTING_DOWN_REASON.to_owned());
            write_response(&mut stream, &response).await;
            return;
        }
    };
    let body = match read {
        Err(_elapsed) => {
            Counters::bump(&shared.counters.deadline_expired);
            return;
        }
        Ok(Err(frame::FrameError::Closed)) | Ok(Err(frame::FrameError::Io(_))) => return,
        Ok(Err(e)) => {
            Counters::bump(&shared.counters.bad_requests);
            let response = HookResponse::new(
                0,
                0,
                Decision::Deny,
                format!("Prempti refused the request: {e}"),
            );
            write_response(&mut stream, &response).await;
            return;
        }
        Ok(Ok(body)) => body,
    };
    let request = match validate(&body) {
        Ok(request) => request,
        Err((nonce, reason)) => {
            Counters::bump(&shared.counters.bad_requests);
            let response = HookResponse::new(nonce, 0, Decision::Deny, reason);
            write_response(&mut stream, &response).await;
            return;
        }
    };

    let correlation_id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let settings = shared.settings.get();
    let nonce = request.nonce;
    let (tx, mut rx) = oneshot::channel();
    let mut call = IncomingCall {
        correlation_id,
        request,
        received: Instant::now(),
        settings,
        answered_early: false,
        deadline: deadline.into_std(),
        responder: Some(tx),
        counters: Arc::clone(&shared.counters),
    };
    if settings.mode == Mode::Passthrough {
        // Answer at once; the host still evaluates and audits the call.
        call.answered_early = true;
        call.responder = None;
        let response = HookResponse::new(
            nonce,
            correlation_id,
            settings.default_action.decision(),
            String::new(),
        );
        write_response(&mut stream, &response).await;
        match shared.queue.push(call) {
            Ok(()) => Counters::bump(&shared.counters.queued),
            Err(PushError::Full(_)) => Counters::bump(&shared.counters.overloaded),
            Err(PushError::Closed(_)) => {}
        }
        return;
    }
    match shared.queue.push(call) {
        Ok(()) => Counters::bump(&shared.counters.queued),
        Err(PushError::Full(call)) => {
            Counters::bump(&shared.counters.overloaded);
            call.send(Decision::Deny, OVERLOADED_REASON.to_owned());
        }
        Err(PushError::Closed(call)) => {
            call.send(Decision::Deny, SHUTTING_DOWN_REASON.to_owned());
        }
    }

    let deny = |reason: String| HookResponse::new(nonce, correlation_id, Decision::Deny, reason);
    let response = tokio::select! {
        answer = &mut rx => match answer {
            Ok(response) => response,
            Err(_) => deny(EVALUATION_FAILED_REASON.to_owned()),
        },
        _ = tokio::time::sleep_until(deadline) => {
            Counters::bump(&shared.counters.deadline_expired);
            deny(format!(
                "Prempti did not reach a verdict within {} ms (the rule engine may be stuck or overloaded); \
                 the call was denied to stay safe. `premptictl status` shows what is wrong",
                shared.config.request_deadline.as_millis()
            ))
        }
        _ = stopped(&mut stop) => deny(SHUTTING_DOWN_REASON.to_owned()),
    };
    // From here on a late answer from the host finds nobody waiting (`respond` returns false).
    drop(rx);
    write_response(&mut stream, &response).await;
}

/// Reads one frame: the header is checked against `max` before any body byte is read.
async fn read_frame(stream: &mut Stream, max: u32) -> Result<Vec<u8>, frame::FrameError> {
    let mut header = [0u8; frame::HEADER_LEN];
    let mut filled = 0;
    while filled < header.len() {
        let n = stream.read(&mut header[filled..]).await?;
        if n == 0 {
            return Err(if filled == 0 {
                frame::FrameError::Closed
            } else {
                frame::FrameError::Io(io::ErrorKind::UnexpectedEof.into())
            });
        }
        filled += n;
    }
    let len = frame::decode_header(header, max)?;
    // Grow with the data actually received rather than trusting the declared length.
    let mut body = Vec::with_capacity(len.min(64 * 1024));
    let read = (&mut *stream)
        .take(len as u64)
        .read_to_end(&mut body)
        .await?;
    if read != len {
        return Err(frame::FrameError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(body)
}

/// Checks a request body; on failure returns the nonce to echo (0 when unknown) and the reason.
fn validate(body: &[u8]) -> Result<HookRequest, (u64, String)> {
    match serde_json::from_slice::<HookRequest>(body) {
        Ok(request) if request.version != PROTOCOL_VERSION => {
            Err((request.nonce, version_mismatch(u64::from(request.version))))
        }
        Ok(request) => {
            if serde_json::from_str::<serde::de::IgnoredAny>(&request.payload).is_err() {
                return Err((
                    request.nonce,
                    "Prempti refused the call: the agent's hook input is not valid JSON".to_owned(),
                ));
            }
            Ok(request)
        }
        Err(e) => {
            let value = serde_json::from_slice::<serde_json::Value>(body).ok();
            let nonce = value
                .as_ref()
                .and_then(|v| v.get("nonce"))
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            let version = value
                .as_ref()
                .and_then(|v| v.get("version"))
                .and_then(serde_json::Value::as_u64);
            let reason = match version {
                Some(v) if v != u64::from(PROTOCOL_VERSION) => version_mismatch(v),
                _ => format!("Prempti refused a malformed request: {e}"),
            };
            Err((nonce, reason))
        }
    }
}

fn version_mismatch(hook_version: u64) -> String {
    format!(
        "Prempti refused the request: the hook speaks protocol version {hook_version}, the broker \
         speaks {PROTOCOL_VERSION}; reinstall so both come from the same release"
    )
}

async fn write_response(stream: &mut Stream, response: &HookResponse) {
    let Ok(bytes) = frame::encode_message(response) else {
        return;
    };
    let write = async {
        stream.write_all(&bytes).await?;
        stream.flush().await
    };
    if let Ok(Err(e)) = tokio::time::timeout(WRITE_TIMEOUT, write).await {
        tracing::debug!(error = %e, "broker: could not write a response");
    }
}

// ---------------------------------------------------------------------------------------------
// Platform specifics: binding and peer checks.

/// What to clean up at shutdown.
#[derive(Debug)]
struct BoundSocket {
    #[cfg(unix)]
    path: PathBuf,
    /// Device and inode of the socket file we created, so shutdown never removes a successor's.
    #[cfg(unix)]
    identity: Option<(u64, u64)>,
}

impl BoundSocket {
    /// Removes the socket file if it is still the one we created (named pipes vanish with
    /// their last handle on Windows).
    #[cfg_attr(not(unix), allow(clippy::unused_self))]
    fn remove(&self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
                if Some((meta.dev(), meta.ino())) == self.identity {
                    let _ = std::fs::remove_file(&self.path);
                }
            }
        }
    }
}

#[cfg(unix)]
fn current_euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(unix)]
fn bind_socket(path: &Path) -> Result<(BoundSocket, Listener), BrokerError> {
    use interprocess::local_socket::{GenericFilePath, ToFsName};
    use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};

    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    let dir_err = |source| BrokerError::Directory {
        path: dir.clone(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(dir_err)?;
    let meta = std::fs::metadata(&dir).map_err(dir_err)?;
    if meta.uid() != current_euid() {
        return Err(BrokerError::ForeignDirectory { path: dir });
    }
    if meta.permissions().mode() & 0o777 != 0o700 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(dir_err)?;
    }

    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            match std::os::unix::net::UnixStream::connect(path) {
                Ok(_) => {
                    return Err(BrokerError::InUse {
                        path: path.to_path_buf(),
                    })
                }
                Err(_) => {
                    // Nobody listens: a leftover of a broker that did not shut down cleanly.
                    match std::fs::remove_file(path) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(BrokerError::Bind {
                                path: path.to_path_buf(),
                                source: e,
                            })
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(_) => {
            return Err(BrokerError::NotASocket {
                path: path.to_path_buf(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(BrokerError::Bind {
                path: path.to_path_buf(),
                source: e,
            })
        }
    }

    let bind_err = |source| BrokerError::Bind {
        path: path.to_path_buf(),
        source,
    };
    let name = path.to_fs_name::<GenericFilePath>().map_err(bind_err)?;
    let listener = ListenerOptions::new()
        .name(name)
        .reclaim_name(false)
        .create_tokio()
        .map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => BrokerError::InUse {
                path: path.to_path_buf(),
            },
            _ => bind_err(e),
        })?;
    // The directory is 0700, so nobody else could reach the socket before this chmod.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(bind_err)?;
    let identity = std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()));
    Ok((
        BoundSocket {
            path: path.to_path_buf(),
            identity,
        },
        listener,
    ))
}

/// Serves an inherited listening socket ([`BrokerConfig::listener_fd`]). The descriptor is
/// duplicated (close-on-exec) and the original closed, so programs Falco starts do not
/// inherit it; when it is not a socket listening on `path`, it is left untouched.
#[cfg(unix)]
fn adopt_socket(fd: i32, path: &Path) -> Result<(BoundSocket, Listener), BrokerError> {
    use std::os::fd::{BorrowedFd, OwnedFd};
    let bind_err = |source| BrokerError::Bind {
        path: path.to_path_buf(),
        source,
    };
    if fd < 0 {
        return Err(bind_err(io::Error::other(format!(
            "{BROKER_FD_ENV}={fd} is not a descriptor"
        ))));
    }
    // SAFETY: only borrowed for the duration of the duplication; an invalid descriptor makes
    // the duplication fail with EBADF.
    let duplicate = unsafe { BorrowedFd::borrow_raw(fd) }
        .try_clone_to_owned()
        .map_err(bind_err)?;
    let listener = std::os::unix::net::UnixListener::from(duplicate);
    let listening = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(Path::to_path_buf));
    if listening.as_deref() != Some(path) {
        return Err(bind_err(io::Error::other(format!(
            "the inherited descriptor {fd} is not a socket listening on this path ({listening:?})"
        ))));
    }
    listener.set_nonblocking(true).map_err(bind_err)?;
    let owned: OwnedFd = listener.into();
    let adopted = interprocess::os::unix::uds_local_socket::tokio::Listener::try_from(owned)
        .map_err(bind_err)?;
    // SAFETY: fd is the inherited descriptor we just duplicated; nothing else in this process
    // uses it (it was handed over for the broker alone).
    unsafe {
        libc::close(fd);
    }
    Ok((
        BoundSocket {
            path: path.to_path_buf(),
            identity: None,
        },
        Listener::from(adopted),
    ))
}

#[cfg(unix)]
fn peer_is_same_user(stream: &Stream) -> bool {
    use interprocess::local_socket::traits::StreamCommon;
    // The kernel's record of the connecting process (SO_PEERCRED on Linux, getpeereid on the
    // BSDs and macOS), not anything the peer says about itself.
    match stream.peer_creds() {
        Ok(creds) => creds.euid() == Some(current_euid()),
        Err(e) => {
            tracing::warn!(error = %e, "broker: cannot read the peer's credentials");
            false
        }
    }
}

#[cfg(windows)]
fn bind_socket(path: &Path) -> Result<(BoundSocket, Listener), BrokerError> {
    use interprocess::local_socket::{GenericNamespaced, ToNsName};
    use interprocess::os::windows::local_socket::ListenerOptionsExt as _;

    let pipe = prempti_protocol::paths::windows_pipe_name(path);
    let bind_err = |source| BrokerError::Bind {
        path: path.to_path_buf(),
        source,
    };
    let short = pipe.trim_start_matches(r"\\.\pipe\").to_owned();
    let name = short
        .as_str()
        .to_ns_name::<GenericNamespaced>()
        .map_err(bind_err)?;
    // Only the current user may open the pipe (crate::pipe_security); remote clients are
    // rejected by the pipe itself.
    let listener = ListenerOptions::new()
        .name(name)
        .security_descriptor(crate::pipe_security::owner_only().map_err(bind_err)?)
        .create_tokio()
        .map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied => BrokerError::InUse {
                path: path.to_path_buf(),
            },
            _ => bind_err(e),
        })?;
    Ok((BoundSocket {}, listener))
}

#[cfg(windows)]
fn peer_is_same_user(_stream: &Stream) -> bool {
    // Access is enforced by the pipe's security descriptor at connect time.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_deadline_is_shorter_than_the_hook_deadline() {
        assert_eq!(
            BrokerConfig::deadline_for_hook_timeout(Duration::from_secs(5)),
            Duration::from_millis(4500)
        );
        let short = BrokerConfig::deadline_for_hook_timeout(Duration::from_millis(100));
        assert!(short < Duration::from_millis(100) && short > Duration::ZERO);
        let config = BrokerConfig::new("/tmp/x.sock");
        assert!(
            config.request_deadline
                < Duration::from_millis(prempti_protocol::env::DEFAULT_TIMEOUT_MS)
        );
    }

    #[test]
    fn validation_echoes_the_nonce_and_explains() {
        let bad_version =
            br#"{"version":9,"agent":"codex","agent_pid":1,"nonce":77,"payload":"{}"}"#;
        let (nonce, reason) = validate(bad_version).unwrap_err();
        assert_eq!(nonce, 77);
        assert!(reason.contains("protocol version 9"), "{reason}");
        let future_shape = br#"{"version":2,"nonce":5,"something":"else"}"#;
        let (nonce, reason) = validate(future_shape).unwrap_err();
        assert_eq!(nonce, 5);
        assert!(reason.contains("protocol version 2"), "{reason}");
        let (nonce, reason) = validate(b"\x00garbage").unwrap_err();
        assert_eq!(nonce, 0);
        assert!(reason.contains("malformed"), "{reason}");
        let bad_payload =
            br#"{"version":1,"agent":"codex","agent_pid":1,"nonce":8,"payload":"{nope"}"#;
        assert_eq!(validate(bad_payload).unwrap_err().0, 8);
        let good = br#"{"version":1,"agent":"codex","agent_pid":1,"nonce":8,"payload":"{}"}"#;
        assert_eq!(validate(good).unwrap().nonce, 8);
    }
}
