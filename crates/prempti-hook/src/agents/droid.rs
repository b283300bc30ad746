//! Factory Droid (`prempti-hook droid`).
//!
//! Event: `PreToolUse`, in Claude Code's shape (`session_id`, `transcript_path` under
//! `~/.factory/`, `cwd`, `permission_mode`, `tool_name`, `tool_input`; no tool-use id), with
//! Droid's tool names (`Execute`, `Read`, `Create`, `Edit`, `ApplyPatch`, ...). Output is Claude
//! Code's `hookSpecificOutput`, which Droid reads the same way (its hook output schema accepts
//! `permissionDecision` allow, deny or ask).
//!
//! | verdict | output (exit 0) |
//! |---|---|
//! | allow | `hookSpecificOutput.permissionDecision: "allow"` |
//! | deny | `permissionDecision: "deny"` + `permissionDecisionReason` |
//! | ask | `permissionDecision: "ask"` + reason: Droid's confirmation |
//! | defer | nothing: Droid's autonomy level decides |
//!
//! Droid needs a Factory account even with a model of the user's own, so it cannot run against a
//! local model server: these replies are checked against its payloads only.

use prempti_protocol::Agent;
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, parse_pre_tool_use, render_pre_tool_use, str_field, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::reply::{Reply, Verdict};

/// Factory Droid.
#[derive(Debug, Clone, Copy)]
pub struct Droid;

impl AgentHook for Droid {
    fn agent(&self) -> Agent {
        Agent::Droid
    }

    /// A transcript under `.factory/`, and none of the other agents' ids.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        str_field(payload, "transcript_path").is_some_and(|p| p.contains("/.factory/"))
            && !payload.contains_key("tool_use_id")
            && !payload.contains_key("turn_id")
            && !payload.contains_key("toolName")
            && !has_cursor_marks(payload)
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        parse_pre_tool_use(Agent::Droid, payload)
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        render_pre_tool_use(verdict)
    }
}
