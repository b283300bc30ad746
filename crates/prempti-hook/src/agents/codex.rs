//! Codex CLI (`prempti-hook codex`).
//!
//! Events: `PreToolUse` (shell, `apply_patch`, MCP and local function tools) and
//! `PermissionRequest` (only when Codex is about to ask for approval).
//!
//! Codex enforces only a deny from `PreToolUse`: `allow` without `updatedInput` and `ask` are
//! "parsed but not supported", which marks the hook failed and **lets the call run**. Its output
//! types reject unknown keys, and a deny with an empty reason is invalid (and so also lets the
//! call run). Hence:
//!
//! | verdict | `PreToolUse` (exit 0) | `PermissionRequest` (exit 0) |
//! |---|---|---|
//! | allow | nothing (Codex's approval policy applies) | `decision.behavior: "allow"` |
//! | deny | `hookSpecificOutput.permissionDecision: "deny"` + non-empty reason | `decision.behavior: "deny"` + `message` |
//! | ask | a deny whose reason says Codex cannot ask and how to approve | nothing: Codex shows its own prompt, which is the ask |
//! | defer | nothing | nothing |

use prempti_protocol::{Agent, Decision};
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, non_empty, parse_claude_shaped, pre_tool_use_output,
    render_permission_request, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::messages;
use crate::reply::{Reply, Verdict};

/// Codex CLI.
#[derive(Debug, Clone, Copy)]
pub struct Codex;

impl AgentHook for Codex {
    fn agent(&self) -> Agent {
        Agent::Codex
    }

    /// Codex adds `turn_id` (and `model`) to Claude's field set.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        payload.contains_key("turn_id")
            && !has_cursor_marks(payload)
            && !payload.contains_key("toolName")
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        parse_claude_shaped(Agent::Codex, payload, "PreToolUse or PermissionRequest")
    }

    fn render(&self, event: Event, verdict: &Verdict) -> Reply {
        let reason = verdict.reason.as_str();
        if event == Event::PermissionRequest {
            // Codex shows its own approval prompt: staying silent is the ask.
            return render_permission_request(verdict);
        }
        match verdict.decision {
            Decision::Deny => Reply::json(&pre_tool_use_output("deny", &non_empty(reason))),
            Decision::Ask => {
                let reason = messages::cannot_ask(
                    reason,
                    "Codex cannot ask for confirmation from a PreToolUse hook",
                    messages::HOW_TO_APPROVE,
                );
                Reply::json(&pre_tool_use_output("deny", &reason))
            }
            // A plain allow would mark the hook failed; silence lets Codex's approval policy run.
            Decision::Allow | Decision::Defer => Reply::silent(),
        }
    }
}
