//! GitHub Copilot CLI and cloud agent (`prempti-hook copilot`).
//!
//! Event: `preToolUse`, in either of Copilot's two input formats:
//!
//! - camelCase (`preToolUse` key in Copilot's own hook files): `sessionId`, numeric
//!   `timestamp`, `cwd`, `toolName`, `toolArgs` (an object, or in older builds a JSON string —
//!   both accepted);
//! - snake_case, "VS Code compatible" (`PreToolUse` key, also what Copilot sends to entries it
//!   reads from `.claude/settings.json`): `hook_event_name`, `session_id`, ISO `timestamp`,
//!   `tool_name` (Claude's tool names), `tool_input`.
//!
//! Output is the same flat object for both (the nested Claude form is not documented for
//! Copilot):
//!
//! | verdict | output (exit 0) |
//! |---|---|
//! | allow | `{"permissionDecision":"allow"}` (+ reason when there is one) |
//! | deny | `{"permissionDecision":"deny","permissionDecisionReason":…}` |
//! | ask | `{"permissionDecision":"ask","permissionDecisionReason":…}` — a prompt in the CLI; the cloud agent treats it as deny |
//! | defer | nothing (default behaviour) |

use prempti_protocol::{Agent, Decision};
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, known_event, non_empty, require_object, require_str, str_field, AgentHook,
    Call, Event,
};
use crate::input::InputError;
use crate::reply::{Reply, Verdict};

/// GitHub Copilot.
#[derive(Debug, Clone, Copy)]
pub struct Copilot;

const SUPPORTED: &str = "preToolUse or PreToolUse";

impl AgentHook for Copilot {
    fn agent(&self) -> Agent {
        Agent::Copilot
    }

    /// camelCase `toolName` / `toolArgs`; or `PreToolUse` with a `timestamp` and no
    /// `tool_use_id` / `turn_id` (Claude Code and Codex send no timestamp, Copilot no ids).
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        if has_cursor_marks(payload) {
            return false;
        }
        payload.contains_key("toolName")
            || payload.contains_key("toolArgs")
            || (str_field(payload, "hook_event_name") == Some("PreToolUse")
                && payload.contains_key("timestamp")
                && !payload.contains_key("tool_use_id")
                && !payload.contains_key("turn_id"))
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        let event = known_event(
            payload,
            &[
                ("preToolUse", Event::PreToolUse),
                ("PreToolUse", Event::PreToolUse),
            ],
            Event::PreToolUse,
            SUPPORTED,
        )?;
        let tool = if payload.contains_key("toolName") {
            let tool = require_str(payload, "toolName")?;
            match payload.get("toolArgs") {
                Some(Value::Object(_) | Value::String(_)) => {}
                _ => {
                    return Err(InputError::Field {
                        name: "toolArgs",
                        expected: "an object or a JSON string",
                    })
                }
            }
            tool
        } else {
            let tool = require_str(payload, "tool_name")?;
            require_object(payload, "tool_input")?;
            tool
        };
        Ok(Call {
            agent: Agent::Copilot,
            event,
            tool,
        })
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        let flat = |decision: &str, reason: &str| {
            let mut out = Map::new();
            out.insert("permissionDecision".into(), decision.into());
            if !reason.is_empty() {
                out.insert("permissionDecisionReason".into(), reason.into());
            }
            Value::Object(out)
        };
        match verdict.decision {
            Decision::Allow => Reply::json(&flat("allow", &verdict.reason)),
            Decision::Deny => Reply::json(&flat("deny", &non_empty(&verdict.reason))),
            Decision::Ask => Reply::json(&flat("ask", &verdict.reason)),
            Decision::Defer => Reply::silent(),
        }
    }
}
