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

use prempti_protocol::{Agent, Decision};
use serde_json::{Map, Value};

use super::{
    has_cursor_marks, known_event, non_empty, pre_tool_use_output, require_object, require_str,
    str_field, AgentHook, Call, Event,
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
        let event = known_event(
            payload,
            &[("PreToolUse", Event::PreToolUse)],
            Event::PreToolUse,
            "PreToolUse",
        )?;
        let tool = require_str(payload, "tool_name")?;
        require_object(payload, "tool_input")?;
        Ok(Call {
            agent: Agent::Droid,
            event,
            tool,
        })
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        let reason = verdict.reason.as_str();
        match verdict.decision {
            Decision::Allow => Reply::json(&pre_tool_use_output("allow", reason)),
            Decision::Deny => Reply::json(&pre_tool_use_output("deny", &non_empty(reason))),
            Decision::Ask => Reply::json(&pre_tool_use_output("ask", reason)),
            Decision::Defer => Reply::silent(),
        }
    }
}
