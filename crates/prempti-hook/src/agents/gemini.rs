//! Gemini CLI (`prempti-hook gemini`).
//!
//! Event: `BeforeTool`. Gemini reads a top-level `decision` / `reason` (not Claude's nested
//! form, which it ignores).
//!
//! | verdict | output (exit 0) |
//! |---|---|
//! | allow | `{"decision":"allow"}` — has no effect in Gemini: its own policy still decides |
//! | deny | `{"decision":"deny","reason":…}`; the model sees `Tool execution blocked: <reason>` |
//! | ask | `{"decision":"deny","reason":…}` with a note (see below) |
//! | defer | nothing |
//!
//! **Ask becomes deny.** Gemini's `"ask"` forces its confirmation dialog, but in a
//! non-interactive run (`gemini -p …`, with or without `--yolo`) there is nobody to answer and
//! the run hangs, and the payload does not say which kind of session sent it. Prempti takes the
//! safe side: the call is blocked, and the reason says the rules wanted a confirmation and how
//! to approve it.

use prempti_protocol::{Agent, Decision};
use serde_json::{json, Map, Value};

use super::{
    known_event, non_empty, require_object, require_str, str_field, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::messages;
use crate::reply::{Reply, Verdict};

/// Gemini CLI.
#[derive(Debug, Clone, Copy)]
pub struct GeminiCli;

impl AgentHook for GeminiCli {
    fn agent(&self) -> Agent {
        Agent::GeminiCli
    }

    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        str_field(payload, "hook_event_name") == Some("BeforeTool")
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        let event = known_event(
            payload,
            &[("BeforeTool", Event::PreToolUse)],
            Event::PreToolUse,
            "BeforeTool",
        )?;
        let tool = require_str(payload, "tool_name")?;
        require_object(payload, "tool_input")?;
        Ok(Call {
            agent: Agent::GeminiCli,
            event,
            tool,
        })
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        match verdict.decision {
            Decision::Allow => Reply::json(&json!({ "decision": "allow" })),
            Decision::Deny => {
                Reply::json(&json!({ "decision": "deny", "reason": non_empty(&verdict.reason) }))
            }
            Decision::Ask => {
                let reason = messages::cannot_ask(
                    &verdict.reason,
                    "Gemini CLI waits forever for an answer in non-interactive runs (-p, --yolo) and \
                     its hook input does not say whether anyone can answer",
                    messages::HOW_TO_APPROVE,
                );
                Reply::json(&json!({ "decision": "deny", "reason": reason }))
            }
            Decision::Defer => Reply::silent(),
        }
    }
}
