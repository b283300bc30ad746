//! Cursor (`prempti-hook cursor`).
//!
//! Events: `preToolUse` (every tool), `beforeShellExecution`, `beforeMCPExecution`,
//! `beforeReadFile`. Output is `permission` plus `user_message` (shown to the user) and
//! `agent_message` (fed back to the agent).
//!
//! | verdict | `preToolUse` | `beforeShellExecution`, `beforeMCPExecution` | `beforeReadFile` |
//! |---|---|---|---|
//! | allow | `{"permission":"allow"}` | same | same |
//! | deny | `{"permission":"deny","user_message":…,"agent_message":…}` | same | `{"permission":"deny","user_message":…}` |
//! | ask | deny, reason says Cursor does not ask here | `{"permission":"ask",…}` | deny, reason says so |
//! | defer | `{}` | `{}` | `{}` |
//!
//! All with exit 0. Cursor accepts `"ask"` on `preToolUse` but does not enforce it (and
//! `beforeReadFile` has only allow/deny), so ask maps to deny there. Defer prints an empty
//! object rather than nothing: with `"failClosed": true` on the entry (which `premptictl`
//! sets), Cursor refuses a permission hook whose output is not JSON.

use prempti_protocol::{Agent, Decision};
use serde_json::{json, Map, Value};

use super::{event_name, has_cursor_marks, non_empty, require_str, AgentHook, Call, Event};
use crate::input::InputError;
use crate::messages;
use crate::reply::{Reply, Verdict};

/// Cursor.
#[derive(Debug, Clone, Copy)]
pub struct Cursor;

const SUPPORTED: &str = "preToolUse, beforeShellExecution, beforeMCPExecution or beforeReadFile";

impl AgentHook for Cursor {
    fn agent(&self) -> Agent {
        Agent::Cursor
    }

    /// Cursor's common fields: `cursor_version`, `workspace_roots`, `conversation_id` +
    /// `generation_id`.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        has_cursor_marks(payload)
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        let name = match event_name(payload)? {
            Some(name) => name,
            None if payload.contains_key("tool_name") => "preToolUse",
            None if payload.contains_key("command") => "beforeShellExecution",
            None => {
                return Err(InputError::Field {
                    name: "hook_event_name",
                    expected: "a string",
                })
            }
        };
        let (event, tool) = match name {
            "preToolUse" => (Event::PreToolUse, tool_with_input(payload)?),
            "beforeMCPExecution" => (Event::BeforeMcpExecution, tool_with_input(payload)?),
            "beforeShellExecution" => {
                require_str(payload, "command")?;
                (Event::BeforeShellExecution, "Shell".to_owned())
            }
            "beforeReadFile" => {
                require_str(payload, "file_path")?;
                (Event::BeforeReadFile, "Read".to_owned())
            }
            other => {
                return Err(InputError::UnsupportedEvent {
                    event: other.to_owned(),
                    supported: SUPPORTED,
                })
            }
        };
        Ok(Call {
            agent: Agent::Cursor,
            event,
            tool,
        })
    }

    fn render(&self, event: Event, verdict: &Verdict) -> Reply {
        let deny = |reason: &str| {
            if event == Event::BeforeReadFile {
                json!({ "permission": "deny", "user_message": reason })
            } else {
                json!({ "permission": "deny", "user_message": reason, "agent_message": reason })
            }
        };
        match verdict.decision {
            Decision::Allow => Reply::json(&json!({ "permission": "allow" })),
            Decision::Deny => Reply::json(&deny(&non_empty(&verdict.reason))),
            Decision::Ask
                if matches!(
                    event,
                    Event::BeforeShellExecution | Event::BeforeMcpExecution
                ) =>
            {
                let reason = non_empty_ask(&verdict.reason);
                Reply::json(
                    &json!({ "permission": "ask", "user_message": reason, "agent_message": reason }),
                )
            }
            Decision::Ask => {
                let why = if event == Event::BeforeReadFile {
                    "Cursor's beforeReadFile hook can only allow or deny"
                } else {
                    "Cursor does not ask for confirmation from a preToolUse hook (register \
                     `prempti-hook cursor` for beforeShellExecution and beforeMCPExecution to be asked there)"
                };
                Reply::json(&deny(&messages::cannot_ask(
                    &verdict.reason,
                    why,
                    messages::HOW_TO_APPROVE,
                )))
            }
            Decision::Defer => Reply::json(&json!({})),
        }
    }
}

fn non_empty_ask(reason: &str) -> String {
    if reason.trim().is_empty() {
        "Prempti's rules ask for confirmation of this call".to_owned()
    } else {
        reason.to_owned()
    }
}

/// `tool_name` and `tool_input`: an object on `preToolUse`, a JSON string on `beforeMCPExecution`.
fn tool_with_input(payload: &Map<String, Value>) -> Result<String, InputError> {
    let tool = require_str(payload, "tool_name")?;
    match payload.get("tool_input") {
        Some(Value::Object(_) | Value::String(_)) => Ok(tool),
        _ => Err(InputError::Field {
            name: "tool_input",
            expected: "an object or a string",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_event_needs_a_command() {
        let payload = json!({"hook_event_name":"beforeShellExecution","cwd":"/p"});
        let Value::Object(map) = payload else {
            unreachable!()
        };
        assert_eq!(
            Cursor.parse(&map),
            Err(InputError::Field {
                name: "command",
                expected: "a non-empty string"
            })
        );
    }
}
