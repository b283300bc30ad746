//! Claude Code (`prempti-hook claude`).
//!
//! Events: `PreToolUse` (every tool call, every permission mode) and `PermissionRequest`
//! (only when Claude Code is about to show a permission dialog).
//!
//! | verdict | `PreToolUse` output (exit 0) | `PermissionRequest` output (exit 0) |
//! |---|---|---|
//! | allow | `hookSpecificOutput.permissionDecision: "allow"` (reason shown to the user, if any) | `decision.behavior: "allow"` |
//! | deny | `permissionDecision: "deny"` + `permissionDecisionReason` (shown to Claude) | `decision.behavior: "deny"` + `message` |
//! | ask | `permissionDecision: "ask"` + reason (shown to the user in the prompt) | nothing: the dialog is already the question |
//! | defer | nothing | nothing |
//!
//! Claude's own `permissionDecision: "defer"` is not used for "defer": it means something else
//! (pause a `-p` run with `stop_reason: "tool_deferred"`). An empty exit 0 is "no decision", so
//! the normal permission flow applies. Unknown keys are never added: a JSON object that fails
//! Claude's schema is a non-blocking error and the call would proceed.

use prempti_protocol::Agent;
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, parse_claude_shaped, render_permission_request, render_pre_tool_use,
    str_field, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::reply::{Reply, Verdict};

/// Claude Code.
#[derive(Debug, Clone, Copy)]
pub struct ClaudeCode;

impl AgentHook for ClaudeCode {
    fn agent(&self) -> Agent {
        Agent::ClaudeCode
    }

    /// Anthropic tool-use ids (`toolu_…`) or a `permission_mode`, without Codex's `turn_id`,
    /// Copilot's `timestamp` or Cursor's conversation fields.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        let claude_marks = str_field(payload, "tool_use_id")
            .is_some_and(|id| id.starts_with("toolu_"))
            || payload.contains_key("permission_mode");
        claude_marks
            && !payload.contains_key("turn_id")
            && !payload.contains_key("timestamp")
            && !payload.contains_key("toolName")
            && !has_cursor_marks(payload)
            && str_field(payload, "hook_event_name") != Some("BeforeTool")
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        parse_claude_shaped(
            Agent::ClaudeCode,
            payload,
            "PreToolUse or PermissionRequest",
        )
    }

    fn render(&self, event: Event, verdict: &Verdict) -> Reply {
        if event == Event::PermissionRequest {
            // The permission dialog is about to be shown: staying silent is the ask.
            return render_permission_request(verdict);
        }
        render_pre_tool_use(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prempti_protocol::Decision;

    #[test]
    fn deny_json_is_exactly_the_documented_shape() {
        let reply = ClaudeCode.render(Event::PreToolUse, &Verdict::new(Decision::Deny, "R: no"));
        assert_eq!(reply.code, 0);
        assert_eq!(
            reply.stdout,
            "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\
             \"permissionDecisionReason\":\"R: no\"}}\n"
        );
    }
}
