//! Qwen Code (`prempti-hook qwen`).
//!
//! Event: `PreToolUse`, in Claude Code's shape (`session_id`, `cwd`, `permission_mode`,
//! `tool_name`, `tool_input`, `tool_use_id`) plus an ISO `timestamp`; Qwen Code's own tool names
//! (`run_shell_command`, `write_file`, `edit`, ...). Output is Claude Code's
//! `hookSpecificOutput`, which Qwen Code reads the same way.
//!
//! | verdict | output (exit 0) |
//! |---|---|
//! | allow | `hookSpecificOutput.permissionDecision: "allow"` |
//! | deny | `permissionDecision: "deny"` + `permissionDecisionReason`; the model receives the reason |
//! | ask | `permissionDecision: "ask"` + reason: Qwen Code's confirmation; a non-interactive run refuses the call |
//! | defer | nothing: Qwen Code's own approval mode decides |
//!
//! A hook that exits with another code than 0 or 2, crashes or times out is a "non-blocking
//! error" for Qwen Code: the call proceeds (see the README's table).

use prempti_protocol::Agent;
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, parse_pre_tool_use, render_pre_tool_use, str_field, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::reply::{Reply, Verdict};

/// Qwen Code.
#[derive(Debug, Clone, Copy)]
pub struct QwenCode;

impl AgentHook for QwenCode {
    fn agent(&self) -> Agent {
        Agent::QwenCode
    }

    /// `PreToolUse` with both an ISO `timestamp` and a `tool_use_id`: Claude Code sends no
    /// timestamp, Copilot no tool-use id, Codex a `turn_id`.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        str_field(payload, "hook_event_name") == Some("PreToolUse")
            && str_field(payload, "timestamp").is_some()
            && payload.contains_key("tool_use_id")
            && !payload.contains_key("turn_id")
            && !payload.contains_key("toolName")
            && !has_cursor_marks(payload)
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        parse_pre_tool_use(Agent::QwenCode, payload)
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        render_pre_tool_use(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prempti_protocol::Decision;

    #[test]
    fn deny_is_claude_shaped() {
        let reply = QwenCode.render(Event::PreToolUse, &Verdict::new(Decision::Deny, "R: no"));
        assert_eq!(reply.code, 0);
        assert_eq!(
            reply.stdout,
            "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\
             \"permissionDecisionReason\":\"R: no\"}}\n"
        );
    }
}
