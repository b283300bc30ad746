//! The alert intake for the Falco host.
//!
//! (Skeleton: public API only; implementation follows.)

use std::net::SocketAddr;
use std::time::Duration;

use crate::broker::IncomingCall;
use crate::verdict::{MatchedRule, TagConfig};

/// Default cap on one alert body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Intake settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeConfig {
    /// Where to listen; must be a loopback address (port 0 picks a free port).
    pub bind: SocketAddr,
    /// The secret path token; a random one is made when `None`.
    pub token: Option<String>,
    /// Largest accepted alert body.
    pub max_body_bytes: usize,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        unimplemented!()
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
    /// The rendered message without Falco's `<time>: <Priority> ` prefix.
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
        unimplemented!()
    }

    /// The alert as a matched rule for [`crate::verdict::resolve`].
    pub fn to_matched(&self) -> MatchedRule {
        unimplemented!()
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
}

/// Receives accepted alerts.
pub trait AlertSink: Send + Sync + 'static {
    /// Called once per accepted alert, from the intake's tasks.
    fn deliver(&self, alert: Alert);
}

impl<F: Fn(Alert) + Send + Sync + 'static> AlertSink for F {
    fn deliver(&self, alert: Alert) {
        self(alert)
    }
}

/// Counters of the intake's activity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntakeStats {
    /// Alerts accepted and delivered.
    pub accepted: u64,
    /// Requests to another path (including a wrong token).
    pub wrong_path: u64,
    /// Requests with another method than POST.
    pub wrong_method: u64,
    /// Requests whose content type is not JSON.
    pub wrong_content_type: u64,
    /// Bodies over the limit.
    pub too_large: u64,
    /// Bodies that are not a valid alert.
    pub bad_alert: u64,
    /// Alerts without `output_fields["correlation.id"]`.
    pub missing_correlation_id: u64,
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
    /// Starting the intake's own runtime failed.
    #[error("cannot start the alert intake runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Generates a random token: 32 random bytes as 64 lowercase hex digits.
pub fn generate_token() -> Result<String, IntakeError> {
    unimplemented!()
}

/// A running intake. Dropping it shuts it down.
#[derive(Debug)]
pub struct Intake {
    _private: (),
}

impl Intake {
    /// Starts the intake on the caller's tokio runtime.
    pub async fn start(config: IntakeConfig, sink: impl AlertSink) -> Result<Intake, IntakeError> {
        unimplemented!()
    }

    /// Starts the intake on a small runtime of its own (for the plugin inside Falco).
    pub fn start_standalone(
        config: IntakeConfig,
        sink: impl AlertSink,
    ) -> Result<Intake, IntakeError> {
        unimplemented!()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        unimplemented!()
    }

    /// The secret token.
    pub fn token(&self) -> &str {
        unimplemented!()
    }

    /// The accepted path, `/alerts/<token>`.
    pub fn path(&self) -> String {
        unimplemented!()
    }

    /// The URL to put in Falco's `http_output.url`.
    pub fn url(&self) -> String {
        unimplemented!()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> IntakeStats {
        unimplemented!()
    }

    /// Stops listening. Idempotent.
    pub fn shutdown(&self) {
        unimplemented!()
    }
}

/// Pairs the calls handed to Falco with their alerts, for the Falco host.
///
/// The host inserts each call when `next_batch` hands it to Falco and feeds every alert to
/// [`Correlator::on_alert`]; when the seen alert of a call arrives, the call and all its
/// matches (seen rules excluded, in arrival order, which is Falco's evaluation order) come
/// back as [`Completed`].
#[derive(Debug)]
pub struct Correlator {
    _private: (),
}

/// A call whose evaluation is complete.
#[derive(Debug)]
pub struct Completed {
    /// The call, to be answered.
    pub call: IncomingCall,
    /// The rules that matched, seen rules excluded, in evaluation order.
    pub matches: Vec<MatchedRule>,
}

impl Correlator {
    /// An empty correlator using `tags` to recognize the seen rule.
    pub fn new(tags: TagConfig) -> Correlator {
        unimplemented!()
    }

    /// Registers a call handed to Falco.
    pub fn insert(&self, call: IncomingCall) {
        unimplemented!()
    }

    /// Records one alert; returns the completed call when it is the call's seen alert.
    pub fn on_alert(&self, alert: Alert) -> Option<Completed> {
        unimplemented!()
    }

    /// Removes (and returns) calls waiting longer than `max_age`; dropping them denies them.
    pub fn sweep(&self, max_age: Duration) -> Vec<IncomingCall> {
        unimplemented!()
    }

    /// How many calls are waiting for their seen alert.
    pub fn len(&self) -> usize {
        unimplemented!()
    }

    /// Whether no call is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
