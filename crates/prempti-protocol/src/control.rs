//! Messages on the daemon's control socket (`run/control.sock`, mode 0600).
//!
//! # Format
//!
//! One [`ControlRequest`] frame in, one [`ControlResponse`] frame out, framed as in
//! [`crate::frame`]. Requests are tagged by `"op"`:
//!
//! ```json
//! {"op":"status"}
//! {"op":"set_mode","mode":"monitor"}
//! {"op":"set_default_action","action":"allow"}
//! {"op":"reload"}
//! {"op":"stop"}
//! ```
//!
//! # Loosening needs a person
//!
//! A request that weakens enforcement ([`ControlRequest::loosens`]: `set_mode` to `monitor` or
//! `passthrough`, `set_default_action` to `allow`, `stop`) must carry the daemon's control
//! token, a random secret the daemon writes at each start into `run/control.token` (0600; the
//! default rules deny the agent every way of reading it). `premptictl`, run by the user, reads
//! it and sends it as a `token` key beside `op` ([`ControlEnvelope`]):
//!
//! ```json
//! {"op":"set_mode","mode":"passthrough","token":"4f1c…"}
//! ```
//!
//! Without a valid token such a request is refused (`ok: false`) and recorded. Requests that
//! tighten or only read (`status`, `reload`, `guardrails`, `defer`) need no token.

use serde::{Deserialize, Serialize};

use crate::{DefaultAction, Mode};

/// A request to the running daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ControlRequest {
    /// Report the daemon's state.
    Status,
    /// Switch the enforcement mode.
    SetMode {
        /// The new mode.
        mode: Mode,
    },
    /// Switch the default action.
    SetDefaultAction {
        /// The new default action.
        action: DefaultAction,
    },
    /// Recompile the rules and swap them in if they load without errors.
    Reload,
    /// Shut the daemon down cleanly.
    Stop,
    /// Check that the person running premptictl may carry out an operation that loosens
    /// enforcement outside the daemon (`hook remove`, `uninstall`, `disable`): answered `ok`
    /// only with the control token; without it, refused and recorded like any loosening
    /// request. The daemon changes nothing.
    Authorize {
        /// The operation, as typed (`hook remove`, `uninstall`, ...).
        action: String,
    },
}

impl ControlRequest {
    /// Whether the request weakens enforcement, and so needs the control token.
    pub fn loosens(&self) -> bool {
        match self {
            ControlRequest::Status | ControlRequest::Reload => false,
            ControlRequest::SetMode { mode } => *mode != Mode::Guardrails,
            ControlRequest::SetDefaultAction { action } => *action == DefaultAction::Allow,
            ControlRequest::Stop | ControlRequest::Authorize { .. } => true,
        }
    }

    /// The request's `op` name.
    pub fn op(&self) -> &'static str {
        match self {
            ControlRequest::Status => "status",
            ControlRequest::SetMode { .. } => "set_mode",
            ControlRequest::SetDefaultAction { .. } => "set_default_action",
            ControlRequest::Reload => "reload",
            ControlRequest::Stop => "stop",
            ControlRequest::Authorize { .. } => "authorize",
        }
    }
}

/// A [`ControlRequest`] as sent on the wire: the request, plus the control token when it
/// loosens enforcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlEnvelope {
    /// The request.
    #[serde(flatten)]
    pub request: ControlRequest,
    /// The daemon's control token (`run/control.token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The daemon's answer to a [`ControlRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResponse {
    /// Whether the request was carried out.
    pub ok: bool,
    /// A one-line summary for people.
    #[serde(default)]
    pub message: String,
    /// Request-specific data (for `status`: the daemon's status document).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_tagged_by_op() {
        let json = serde_json::to_string(&ControlRequest::SetMode {
            mode: Mode::Monitor,
        })
        .unwrap();
        assert_eq!(json, r#"{"op":"set_mode","mode":"monitor"}"#);
        let back: ControlRequest = serde_json::from_str(r#"{"op":"reload"}"#).unwrap();
        assert_eq!(back, ControlRequest::Reload);
    }

    #[test]
    fn the_token_travels_beside_op() {
        let envelope = ControlEnvelope {
            request: ControlRequest::SetMode {
                mode: Mode::Passthrough,
            },
            token: Some("abc".into()),
        };
        let json = serde_json::to_string(&envelope).unwrap();
        assert_eq!(
            json,
            r#"{"op":"set_mode","mode":"passthrough","token":"abc"}"#
        );
        let back: ControlEnvelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back, envelope);
        // A request without a token (an older client) still parses.
        let bare: ControlEnvelope = serde_json::from_str(r#"{"op":"stop"}"#).unwrap();
        assert_eq!((bare.request, bare.token), (ControlRequest::Stop, None));
    }

    #[test]
    fn only_loosening_requests_need_the_token() {
        let loose = [
            ControlRequest::SetMode {
                mode: Mode::Monitor,
            },
            ControlRequest::SetMode {
                mode: Mode::Passthrough,
            },
            ControlRequest::SetDefaultAction {
                action: DefaultAction::Allow,
            },
            ControlRequest::Stop,
            ControlRequest::Authorize {
                action: "hook remove".into(),
            },
        ];
        assert!(loose.iter().all(ControlRequest::loosens));
        let tight = [
            ControlRequest::Status,
            ControlRequest::Reload,
            ControlRequest::SetMode {
                mode: Mode::Guardrails,
            },
            ControlRequest::SetDefaultAction {
                action: DefaultAction::Defer,
            },
        ];
        assert!(!tight.iter().any(ControlRequest::loosens));
    }
}
