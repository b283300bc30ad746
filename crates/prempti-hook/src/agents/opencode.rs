//! OpenCode (`prempti-hook opencode`).
//!
//! OpenCode has no command hooks; its plugins get `tool.execute.before` for every tool call.
//! `premptictl hook add opencode` installs a plugin that sends the call to this program and
//! throws, which stops the call and hands the message to the model, when the answer is a deny
//! or when this program cannot run. The plugin's stdin is Prempti's own snake_case envelope:
//! `hook_event_name: "tool.execute.before"`, `session_id`, `cwd`, `tool_name`, `tool_input`
//! (the tool's arguments), `tool_use_id`.
//!
//! | verdict | output (exit 0) |
//! |---|---|
//! | allow | nothing: the call runs |
//! | deny | `{"decision":"deny","reason":…}`: the plugin throws the reason |
//! | ask | a deny whose reason says OpenCode cannot ask from a plugin and how to approve |
//! | defer | nothing: OpenCode's own permissions decide |

use prempti_protocol::{Agent, Decision};
use serde_json::{json, Map, Value};

use super::{
    known_event, non_empty, require_object, require_str, str_field, AgentHook, Call, Event,
};
use crate::input::InputError;
use crate::messages;
use crate::reply::{Reply, Verdict};

/// The event name Prempti's OpenCode plugin sends.
const EVENT: &str = "tool.execute.before";

/// OpenCode.
#[derive(Debug, Clone, Copy)]
pub struct OpenCode;

impl AgentHook for OpenCode {
    fn agent(&self) -> Agent {
        Agent::OpenCode
    }

    fn recognizes(&self, payload: &Map<String, Value>) -> bool {
        str_field(payload, "hook_event_name") == Some(EVENT)
    }

    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError> {
        let event = known_event(
            payload,
            &[(EVENT, Event::PreToolUse)],
            Event::PreToolUse,
            EVENT,
        )?;
        let tool = require_str(payload, "tool_name")?;
        require_object(payload, "tool_input")?;
        Ok(Call {
            agent: Agent::OpenCode,
            event,
            tool,
        })
    }

    fn render(&self, _event: Event, verdict: &Verdict) -> Reply {
        let deny = |reason: &str| Reply::json(&json!({ "decision": "deny", "reason": reason }));
        match verdict.decision {
            Decision::Deny => deny(&non_empty(&verdict.reason)),
            Decision::Ask => deny(&messages::cannot_ask(
                &verdict.reason,
                "OpenCode cannot ask for confirmation from a plugin",
                messages::HOW_TO_APPROVE,
            )),
            Decision::Allow | Decision::Defer => Reply::silent(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_becomes_a_deny_that_says_why() {
        let reply = OpenCode.render(Event::PreToolUse, &Verdict::new(Decision::Ask, "R: sure?"));
        assert_eq!(reply.code, 0);
        let v: Value = serde_json::from_str(&reply.stdout).unwrap();
        assert_eq!(v["decision"], "deny");
        let reason = v["reason"].as_str().unwrap();
        assert!(reason.starts_with("R: sure?"), "{reason}");
        assert!(reason.contains("OpenCode cannot ask"), "{reason}");
        let allow = OpenCode.render(Event::PreToolUse, &Verdict::new(Decision::Allow, ""));
        assert_eq!((allow.code, allow.stdout.as_str()), (0, ""));
    }
}
