//! The contract between `prempti-hook` and the broker inside the `coding_agent` plugin.
//!
//! Everything that crosses a process boundary in Prempti is defined here and nowhere else:
//!
//! - [`HookRequest`] / [`HookResponse`]: one request and one response per tool call,
//!   exchanged over a local socket (a Unix socket, or a named pipe on Windows).
//! - [`frame`]: length-prefixed framing with hard size limits, usable from blocking std code
//!   (the hook) and, through [`frame::decode_header`], from async code (the broker).
//! - [`control`]: the daemon's control-socket messages (status, mode, reload, stop).
//! - [`env`](mod@env) and [`paths`]: the environment variables Prempti honours and how the install
//!   directory and socket paths are resolved from them.
//!
//! The crate is synchronous and depends only on `serde` and `serde_json`, so the hook stays a
//! small std-only program.
//!
//! # Example
//!
//! ```
//! use prempti_protocol::{Agent, Decision, HookRequest, HookResponse, frame};
//!
//! let request = HookRequest::new(Agent::ClaudeCode, 4242, 7, r#"{"tool_name":"Bash"}"#.to_owned());
//! let mut wire = Vec::new();
//! frame::write_message(&mut wire, &request).unwrap();
//! let decoded: HookRequest = frame::read_message(&mut wire.as_slice(), frame::DEFAULT_MAX_REQUEST_BYTES).unwrap();
//! assert_eq!(decoded.nonce, 7);
//!
//! let response = HookResponse::new(decoded.nonce, 1, Decision::Deny, "rule: stopped".into());
//! assert!(response.matches(&request).is_ok());
//! ```

#![forbid(unsafe_code)]
// A library reports through its callers (errors, `tracing`), never on the terminal.
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![deny(missing_docs)]

pub mod control;
pub mod env;
pub mod frame;
mod message;
pub mod paths;

/// `premptictl health`'s synthetic call: a Claude Code `Read` of [`HEALTH_FILE_NAME`] in the
/// Prempti installation, in session [`HEALTH_SESSION_ID`], with a `tool_use_id` starting with
/// [`HEALTH_TOOL_USE_PREFIX`]. The audit log marks such calls (`"health":true`) so the views can
/// leave them out.
pub const HEALTH_SESSION_ID: &str = "prempti-health";
/// The (nonexistent) file the health check reads, in the install directory.
pub const HEALTH_FILE_NAME: &str = "prempti-health-check.txt";
/// The prefix of the health check's `tool_use_id` (followed by premptictl's pid).
pub const HEALTH_TOOL_USE_PREFIX: &str = "prempti-health-";

pub use message::{
    Agent, Decision, DefaultAction, HookRequest, HookResponse, Mode, ParseNameError,
    ResponseMismatch, PROTOCOL_VERSION,
};
