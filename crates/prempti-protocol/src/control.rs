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
}
