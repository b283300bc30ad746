//! The alert intake for the Falco host.
//!
//! Falco evaluates the `coding_agent` events the plugin's source hands it and posts each alert
//! through its `http_output` (one JSON alert object per `POST`, `Content-Type:
//! application/json`, several per keep-alive connection) to this small HTTP/1.1 server on
//! 127.0.0.1. The server is built on `hyper` (HTTP/1 only) rather than a hand-written parser:
//! request parsing is exactly the kind of code where a well-kept crate earns its keep.
//!
//! # Authentication
//!
//! Alerts are accepted only on the secret path `/alerts/<token>`; the token is 32 random bytes
//! from the OS (64 hex digits) unless the configuration gives one, and it reaches Falco only
//! through the 0600 plugin configuration. Everything else is refused with a 4xx status and
//! counted in [`IntakeStats`]:
//!
//! | request | status | counter |
//! |---|---|---|
//! | any other path (wrong or missing token) | 404 | `wrong_path` |
//! | right path, method other than `POST` | 405 | `wrong_method` |
//! | content type other than `application/json` | 415 | `wrong_content_type` |
//! | body over [`IntakeConfig::max_body_bytes`] | 413 | `too_large` |
//! | body that is not an alert object | 400 | `bad_alert` |
//! | alert without `output_fields["correlation.id"]` | 400 | `missing_correlation_id` |
//!
//! The path is checked first, so a request without the token learns nothing else. A refused
//! request whose body was not read ends its connection; accepted alerts keep it alive.
//!
//! # Completion
//!
//! Accepted alerts go to an [`AlertSink`]. The Falco host feeds them to a [`Correlator`],
//! which collects the alerts of each call until the catch-all "seen" rule's alert (tag
//! `coding_agent_seen`, loaded last with `rule_matching: all`) says evaluation is complete.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;

use crate::broker::IncomingCall;
use crate::service::{join_service_thread, spawn_standalone, stopped};
use crate::verdict::{MatchedRule, TagConfig};

/// Default cap on one alert body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Intake settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeConfig {
    /// Where to listen; must be a loopback address (port 0 picks a free port).
    pub bind: SocketAddr,
    /// The secret path token; a random one is made when `None`.
    pub token: Option<String>,
    /// Largest accepted alert body.
    pub max_body_bytes: usize,
    /// The file holding the token control requests must carry (`run/control.token` of the
    /// daemon that started Falco); `None` turns the control routes off.
    pub control_token_file: Option<std::path::PathBuf>,
}

impl Default for IntakeConfig {
    /// 127.0.0.1 on an ephemeral port, a random token, [`DEFAULT_MAX_BODY_BYTES`].
    fn default() -> Self {
        IntakeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            control_token_file: None,
        }
    }
}

/// One Falco alert for a `coding_agent` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `output_fields["correlation.id"]`.
    pub correlation_id: u64,
    /// The rule name.
    pub rule: String,
    /// The priority name.
    pub priority: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The rendered message without Falco's `<time>: <Priority> ` prefix: the alert's
    /// `message` when Falco includes it (`json_include_message_property: true`), else `output`
    /// with the prefix removed.
    pub message: String,
    /// `time`, as sent.
    pub time: String,
    /// `source`, as sent.
    pub source: String,
    /// The whole alert object, as sent.
    pub raw: serde_json::Value,
}

impl Alert {
    /// Parses one `http_output` body.
    pub fn from_json(body: &[u8]) -> Result<Alert, AlertError> {
        let raw: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| AlertError::Json(e.to_string()))?;
        let object = raw
            .as_object()
            .ok_or_else(|| AlertError::Json("not an object".into()))?;
        let text = |key: &'static str| -> Result<String, AlertError> {
            object
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or(AlertError::Missing(key))
        };
        let rule = text("rule")?;
        let priority = text("priority")?;
        let tags = match object.get("tags") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or(AlertError::Missing("tags"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(AlertError::Missing("tags")),
        };
        let correlation_id = object
            .get("output_fields")
            .and_then(|f| f.get("correlation.id"))
            .and_then(|id| match id {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .ok_or(AlertError::NoCorrelationId)?;
        let message = match object.get("message").and_then(serde_json::Value::as_str) {
            Some(message) => message.to_owned(),
            None => strip_prefix(
                object
                    .get("output")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(""),
                &priority,
            ),
        };
        Ok(Alert {
            correlation_id,
            tags,
            message,
            time: text("time").unwrap_or_default(),
            source: text("source").unwrap_or_default(),
            rule,
            priority,
            raw,
        })
    }

    /// The alert as a matched rule for [`crate::verdict::resolve`].
    pub fn to_matched(&self) -> MatchedRule {
        MatchedRule {
            rule: self.rule.clone(),
            priority: self.priority.clone(),
            tags: self.tags.clone(),
            output: self.message.clone(),
        }
    }
}

/// Removes Falco's `<time>: <Priority> ` prefix from an alert's `output`.
fn strip_prefix(output: &str, priority: &str) -> String {
    let marker = format!(": {priority} ");
    match output.find(&marker) {
        Some(at) => output[at + marker.len()..].to_owned(),
        None => output.to_owned(),
    }
}

/// Why an alert body was refused.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// Not JSON, or not an object.
    #[error("alert is not a JSON object: {0}")]
    Json(String),
    /// A required key is missing or has the wrong type.
    #[error("alert has no valid {0}")]
    Missing(&'static str),
    /// `output_fields["correlation.id"]` is missing or not an unsigned integer.
    #[error("alert has no output_fields[\"correlation.id\"]; add %correlation.id to the outputs")]
    NoCorrelationId,
}

/// Receives accepted alerts.
pub trait AlertSink: Send + Sync + 'static {
    /// Called once per accepted alert, from the intake's tasks; must not block for long.
    fn deliver(&self, alert: Alert);

    /// Answers an authenticated control request `POST /control/<op>` with a JSON document,
    /// or a message (answered 400). `intake` is a snapshot of the intake's counters. The
    /// default knows no operation.
    fn control(
        &self,
        op: &str,
        body: &[u8],
        intake: &IntakeStats,
    ) -> Result<serde_json::Value, String> {
        let _ = (body, intake);
        Err(format!("unknown control operation {op:?}"))
    }
}

impl<F: Fn(Alert) + Send + Sync + 'static> AlertSink for F {
    fn deliver(&self, alert: Alert) {
        self(alert)
    }
}

counters! {
    /// Counters of the intake's activity.
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct IntakeStats, private Counters {
        /// Alerts accepted and delivered.
        accepted,
        /// Requests to another path (including a wrong token).
        wrong_path,
        /// Requests with another method than POST.
        wrong_method,
        /// Requests whose content type is not JSON.
        wrong_content_type,
        /// Bodies over the limit.
        too_large,
        /// Bodies that are not a valid alert.
        bad_alert,
        /// Alerts without `output_fields["correlation.id"]`.
        missing_correlation_id,
        /// Control requests carried out.
        control,
        /// Control requests refused (no or wrong control token, wrong method, bad body).
        control_refused,
    }
}

impl IntakeStats {
    /// Every refused request.
    pub fn refused(&self) -> u64 {
        self.wrong_path
            + self.wrong_method
            + self.wrong_content_type
            + self.too_large
            + self.bad_alert
            + self.missing_correlation_id
    }
}

/// Why the intake could not start.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The bind address is not a loopback address.
    #[error("the alert intake must listen on a loopback address, not {0}")]
    NotLoopback(SocketAddr),
    /// The given token is not 16 to 128 characters of `[0-9A-Za-z_-]`.
    #[error("the alert intake token must be 16 to 128 characters of 0-9, a-z, A-Z, '_' or '-'")]
    BadToken,
    /// No randomness for the token.
    #[error("cannot generate the alert intake token: {0}")]
    Random(String),
    /// Binding failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// [`Intake::start`] was called outside a tokio runtime.
    #[error("the alert intake needs a tokio runtime (use start_standalone outside one)")]
    NoRuntime,
    /// Starting the intake's own runtime failed.
    #[error("cannot start the alert intake runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Generates a random token: 32 random bytes as 64 lowercase hex digits.
pub fn generate_token() -> Result<String, IntakeError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| IntakeError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn check_token(token: &str) -> Result<(), IntakeError> {
    let ok = (16..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(IntakeError::BadToken)
    }
}

/// Compares without an early exit, so response timing says nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Shared {
    path: String,
    max_body_bytes: usize,
    control_token_file: Option<std::path::PathBuf>,
    counters: Counters,
    sink: Box<dyn AlertSink>,
    shutdown: watch::Sender<bool>,
}

/// A running intake. Dropping it shuts it down.
pub struct Intake {
    shared: Arc<Shared>,
    addr: SocketAddr,
    token: String,
    stopped: AtomicBool,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: keep it out of logs.
        f.debug_struct("Intake")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Intake {
    /// Starts the intake on the caller's tokio runtime.
    pub async fn start(config: IntakeConfig, sink: impl AlertSink) -> Result<Intake, IntakeError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| IntakeError::NoRuntime)?;
        let (shared, token, listener, addr) = prepare(config, Box::new(sink)).await?;
        handle.spawn(accept_loop(Arc::clone(&shared), listener));
        Ok(Intake {
            shared,
            addr,
            token,
            stopped: AtomicBool::new(false),
            thread: Mutex::new(None),
        })
    }

    /// Starts the intake on a small runtime of its own (for the plugin inside Falco).
    pub fn start_standalone(
        config: IntakeConfig,
        sink: impl AlertSink,
    ) -> Result<Intake, IntakeError> {
        let sink: Box<dyn AlertSink> = Box::new(sink);
        let ((shared, token, addr), thread) =
            spawn_standalone("prempti-intake", IntakeError::Runtime, |tx| async move {
                let (shared, token, listener, addr) = match prepare(config, sink).await {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let mut stop = shared.shutdown.subscribe();
                let accept = tokio::spawn(accept_loop(Arc::clone(&shared), listener));
                if tx.send(Ok((Arc::clone(&shared), token, addr))).is_err() {
                    shared.shutdown.send_replace(true);
                }
                stopped(&mut stop).await;
                let _ = accept.await;
            })?;
        Ok(Intake {
            shared,
            addr,
            token,
            stopped: AtomicBool::new(false),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The secret token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The accepted path, `/alerts/<token>`.
    pub fn path(&self) -> String {
        self.shared.path.clone()
    }

    /// The URL to put in Falco's `http_output.url`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.path)
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> IntakeStats {
        self.shared.counters.snapshot()
    }

    /// Stops listening and closes open connections after their current request. Idempotent.
    pub fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared.shutdown.send_replace(true);
        join_service_thread(&self.thread);
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn prepare(
    config: IntakeConfig,
    sink: Box<dyn AlertSink>,
) -> Result<(Arc<Shared>, String, tokio::net::TcpListener, SocketAddr), IntakeError> {
    if !config.bind.ip().is_loopback() {
        return Err(IntakeError::NotLoopback(config.bind));
    }
    let token = match config.token {
        Some(token) => {
            check_token(&token)?;
            token
        }
        None => generate_token()?,
    };
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| IntakeError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| IntakeError::Bind {
        addr: config.bind,
        source,
    })?;
    let (shutdown, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        path: format!("/alerts/{token}"),
        max_body_bytes: config.max_body_bytes,
        control_token_file: config.control_token_file,
        counters: Counters::default(),
        sink,
        shutdown,
    });
    Ok((shared, token, listener, addr))
}

async fn accept_loop(shared: Arc<Shared>, listener: tokio::net::TcpListener) {
    let mut stop = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(serve_connection(shared, stream));
            }
            Err(e) => {
                tracing::warn!(error = %e, "alert intake: accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn serve_connection(shared: Arc<Shared>, stream: tokio::net::TcpStream) {
    let mut stop = shared.shutdown.subscribe();
    let service_shared = Arc::clone(&shared);
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&service_shared);
        async move { Ok::<_, Infallible>(handle(&shared, request).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "alert intake: connection ended with an error");
            }
        }
        _ = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// Largest control request body.
const MAX_CONTROL_BODY: usize = 64 * 1024;

/// `POST /control/<op>` with `Authorization: Bearer <control token>`: only the daemon that
/// started Falco holds the token (it writes it to `run/control.token`, 0600, at start and the
/// rules deny agents access to it), so an agent cannot use this route to loosen the mode. The
/// token file is read at each request; without it, or with another token, the answer is 404
/// like any unknown path.
async fn control(shared: &Shared, op: String, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let counters = &shared.counters;
    let refuse = |code| {
        Counters::bump(&counters.control_refused);
        status(code)
    };
    let expected = shared
        .control_token_file
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.trim().to_owned())
        .filter(|token| !token.is_empty());
    let given = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let authorized = match (&expected, given) {
        (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
        _ => false,
    };
    if !authorized {
        return refuse(StatusCode::NOT_FOUND);
    }
    if request.method() != Method::POST {
        return refuse(StatusCode::METHOD_NOT_ALLOWED);
    }
    let body = match Limited::new(request.into_body(), MAX_CONTROL_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return refuse(StatusCode::BAD_REQUEST),
    };
    match shared.sink.control(&op, &body, &counters.snapshot()) {
        Ok(doc) => {
            Counters::bump(&counters.control);
            let mut response = Response::new(Full::new(Bytes::from(doc.to_string().into_bytes())));
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(message) => {
            Counters::bump(&counters.control_refused);
            let mut response = Response::new(Full::new(Bytes::from(message.into_bytes())));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
    }
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let counters = &shared.counters;
    let bump = Counters::bump;
    if let Some(op) = request.uri().path().strip_prefix("/control/") {
        if shared.control_token_file.is_some() {
            let op = op.to_owned();
            return control(shared, op, request).await;
        }
    }
    if !constant_time_eq(request.uri().path().as_bytes(), shared.path.as_bytes()) {
        // Something local is probing the intake without its secret path: worth the log, but
        // bounded (the 1st, 2nd, 4th, 8th, ... such request).
        let n = counters
            .wrong_path
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .saturating_add(1);
        if n.is_power_of_two() {
            tracing::warn!(
                "alert intake: refused a request without the secret path ({n} so far): \
                 something other than Falco is sending to it"
            );
        }
        return status(StatusCode::NOT_FOUND);
    }
    if request.method() != Method::POST {
        bump(&counters.wrong_method);
        let mut response = status(StatusCode::METHOD_NOT_ALLOWED);
        response.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("POST"),
        );
        return response;
    }
    let is_json = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        bump(&counters.wrong_content_type);
        return status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let declared = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > shared.max_body_bytes as u64) {
        bump(&counters.too_large);
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    }
    // Chunked bodies carry no length: the limit is enforced while reading too.
    let body = match Limited::new(request.into_body(), shared.max_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                bump(&counters.too_large);
                return status(StatusCode::PAYLOAD_TOO_LARGE);
            }
            bump(&counters.bad_alert);
            return status(StatusCode::BAD_REQUEST);
        }
    };
    match Alert::from_json(&body) {
        Ok(alert) => {
            bump(&counters.accepted);
            shared.sink.deliver(alert);
            status(StatusCode::OK)
        }
        Err(AlertError::NoCorrelationId) => {
            bump(&counters.missing_correlation_id);
            status(StatusCode::BAD_REQUEST)
        }
        Err(e) => {
            tracing::debug!(error = %e, "alert intake: refused an alert");
            bump(&counters.bad_alert);
            status(StatusCode::BAD_REQUEST)
        }
    }
}

// ---------------------------------------------------------------------------------------------

struct Pending {
    call: IncomingCall,
    /// The matches of each event so far: a seen alert closes an event and opens the next.
    events: Vec<Vec<MatchedRule>>,
    since: Instant,
    /// Seen alerts still expected: one per event the call was split into.
    seen_left: usize,
}

/// Pairs the calls handed to Falco with their alerts, for the Falco host.
///
/// The host inserts each call when `next_batch` hands it to Falco ([`Correlator::insert`], or
/// [`Correlator::insert_expecting`] for a call split into several events) and feeds every
/// alert to [`Correlator::on_alert`]; when the last seen alert of a call arrives, the call and
/// the matches of each of its events (seen rules excluded, in arrival order, which is Falco's
/// evaluation order; the seen rule is loaded last, so its alert closes an event) come back as
/// [`Completed`], ready for [`crate::evaluate::decide`]. Alerts for unknown ids (calls already answered by their deadline and
/// swept) are ignored.
pub struct Correlator {
    tags: TagConfig,
    pending: Mutex<HashMap<u64, Pending>>,
}

impl std::fmt::Debug for Correlator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Correlator")
            .field("pending", &self.len())
            .finish()
    }
}

/// A call whose evaluation is complete.
#[derive(Debug)]
pub struct Completed {
    /// The call, to be answered.
    pub call: IncomingCall,
    /// The rules that matched each event, seen rules excluded, in evaluation order.
    pub events: Vec<Vec<MatchedRule>>,
}

impl Completed {
    /// Every matched rule of every event, in evaluation order.
    pub fn matches(&self) -> Vec<MatchedRule> {
        self.events.iter().flatten().cloned().collect()
    }
}

impl Correlator {
    /// An empty correlator using `tags` to recognize the seen rule.
    pub fn new(tags: TagConfig) -> Correlator {
        Correlator {
            tags,
            pending: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a call handed to Falco as one event.
    pub fn insert(&self, call: IncomingCall) {
        self.insert_expecting(call, 1);
    }

    /// Registers a call handed to Falco as `events` events (a Codex `apply_patch` is one event
    /// per file, all with the call's correlation id): the call completes when the seen alert of
    /// every event has arrived, and its matches are those of all events, in arrival order.
    pub fn insert_expecting(&self, call: IncomingCall, events: usize) {
        let id = call.correlation_id;
        let pending = Pending {
            call,
            events: vec![Vec::new()],
            since: Instant::now(),
            seen_left: events.max(1),
        };
        self.lock().insert(id, pending);
    }

    /// Records one alert; returns the completed call when it is the call's seen alert.
    pub fn on_alert(&self, alert: Alert) -> Option<Completed> {
        let matched = alert.to_matched();
        let mut pending = self.lock();
        if self.tags.is_seen(&matched) {
            let entry = pending.get_mut(&alert.correlation_id)?;
            entry.seen_left = entry.seen_left.saturating_sub(1);
            if entry.seen_left > 0 {
                entry.events.push(Vec::new());
                return None;
            }
            let done = pending.remove(&alert.correlation_id)?;
            return Some(Completed {
                call: done.call,
                events: done.events,
            });
        }
        if let Some(event) = pending
            .get_mut(&alert.correlation_id)
            .and_then(|entry| entry.events.last_mut())
        {
            event.push(matched);
        }
        None
    }

    /// Removes (and returns) calls waiting longer than `max_age`; dropping them denies them.
    pub fn sweep(&self, max_age: Duration) -> Vec<IncomingCall> {
        let mut pending = self.lock();
        let stale: Vec<u64> = pending
            .iter()
            .filter(|(_, p)| p.since.elapsed() > max_age)
            .map(|(id, _)| *id)
            .collect();
        stale
            .into_iter()
            .filter_map(|id| pending.remove(&id))
            .map(|p| p.call)
            .collect()
    }

    /// How many calls are waiting for their seen alert.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no call is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALERT: &str = r#"{"hostname":"h","output":"01:02:03.000000000: Critical Pipe to shell (cmd=curl x | sh id=7)","output_fields":{"correlation.id":7,"evt.time":1},"priority":"Critical","rule":"Pipe to shell","source":"coding_agent","tags":["coding_agent_deny"],"time":"2026-11-21T01:02:03.000000000Z"}"#;

    #[test]
    fn parses_falco_json_and_strips_the_prefix() {
        let alert = Alert::from_json(ALERT.as_bytes()).unwrap();
        assert_eq!(alert.correlation_id, 7);
        assert_eq!(alert.rule, "Pipe to shell");
        assert_eq!(alert.message, "Pipe to shell (cmd=curl x | sh id=7)");
        assert_eq!(
            alert.to_matched().tags,
            vec!["coding_agent_deny".to_owned()]
        );

        let mut with_message: serde_json::Value = serde_json::from_str(ALERT).unwrap();
        with_message["message"] = "just the message".into();
        with_message["output_fields"]["correlation.id"] = "9".into();
        let alert = Alert::from_json(with_message.to_string().as_bytes()).unwrap();
        assert_eq!(
            (alert.correlation_id, alert.message.as_str()),
            (9, "just the message")
        );
    }

    #[test]
    fn refuses_alerts_without_what_we_need() {
        assert!(matches!(Alert::from_json(b"[1]"), Err(AlertError::Json(_))));
        assert!(matches!(Alert::from_json(b"{"), Err(AlertError::Json(_))));
        assert!(matches!(
            Alert::from_json(br#"{"rule":"r","priority":"Critical","output_fields":{}}"#),
            Err(AlertError::NoCorrelationId)
        ));
        assert!(matches!(
            Alert::from_json(br#"{"priority":"Critical","output_fields":{"correlation.id":1}}"#),
            Err(AlertError::Missing("rule"))
        ));
        assert!(matches!(
            Alert::from_json(
                br#"{"rule":"r","priority":"Critical","output_fields":{"correlation.id":-1}}"#
            ),
            Err(AlertError::NoCorrelationId)
        ));
    }

    #[test]
    fn tokens_are_random_hex_and_checked() {
        let a = generate_token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, generate_token().unwrap());
        assert!(check_token(&a).is_ok());
        assert!(check_token("short").is_err());
        assert!(check_token("has/a/slash/in/it/xxxxxxxx").is_err());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
