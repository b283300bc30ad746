//! One adapter per agent behind one trait, all listed in [`AGENTS`].
//!
//! An adapter knows three things about its agent: how to recognise the agent's payloads
//! ([`AgentHook::recognizes`]), which hook events it gates and which fields those events always
//! carry ([`AgentHook::parse`]), and how to print each verdict so the agent enforces it
//! ([`AgentHook::render`]). Each file documents, next to its `render`, the exact output per
//! verdict and why, citing the agent's documented behaviour.
//!
//! # Callers in another agent's format
//!
//! The same hook entry can be run by several agents: Copilot CLI and Cursor read Claude Code's
//! settings files, and `gemini hooks migrate --from-claude` copies Claude entries. The agent on
//! the command line decides the reply format, but [`detect`] still looks at the payload: when it
//! carries another agent's marks, the payload is checked with that agent's adapter, sent to the
//! broker under that agent's name (so it is normalized correctly and audited as what it is), and
//! the verdict is printed as [`render_universal`] — the one reply every agent honours.

mod claude;
mod codex;
mod copilot;
mod cursor;
mod droid;
mod gemini;
mod opencode;
mod qwen;

use prempti_protocol::{Agent, Decision};
use serde_json::{json, Map, Value};

pub use claude::ClaudeCode;
pub use codex::Codex;
pub use copilot::Copilot;
pub use cursor::Cursor;
pub use droid::Droid;
pub use gemini::GeminiCli;
pub use opencode::OpenCode;
pub use qwen::QwenCode;

use crate::input::InputError;
use crate::messages;
use crate::reply::{Reply, Verdict};

/// Every supported agent, in the order they are documented.
pub static AGENTS: &[&dyn AgentHook] = &[
    &ClaudeCode,
    &Codex,
    &GeminiCli,
    &Cursor,
    &Copilot,
    &QwenCode,
    &OpenCode,
    &Droid,
];

/// The hook events Prempti gates, across agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The generic pre-tool event: Claude/Codex/Copilot/Qwen/Droid `PreToolUse`, Gemini
    /// `BeforeTool`, Cursor and Copilot `preToolUse`, OpenCode's `tool.execute.before`.
    PreToolUse,
    /// Claude Code and Codex `PermissionRequest`: runs only when the agent is about to prompt.
    PermissionRequest,
    /// Cursor `beforeShellExecution`.
    BeforeShellExecution,
    /// Cursor `beforeMCPExecution`.
    BeforeMcpExecution,
    /// Cursor `beforeReadFile`.
    BeforeReadFile,
}

/// What an adapter read from a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The agent whose format the payload is in.
    pub agent: Agent,
    /// The hook event.
    pub event: Event,
    /// The tool name as sent (for shell-only events, the event's implied tool).
    pub tool: String,
}

/// One coding agent's hook protocol.
pub trait AgentHook: Sync {
    /// Which agent this adapter serves.
    fn agent(&self) -> Agent;

    /// Whether `payload` carries marks only this agent's payloads have. Used to spot a caller
    /// in another agent's format; absence of marks proves nothing.
    fn recognizes(&self, payload: &Map<String, Value>) -> bool;

    /// Checks that `payload` is a hook event this adapter gates, with the fields the agent
    /// always sends for it.
    fn parse(&self, payload: &Map<String, Value>) -> Result<Call, InputError>;

    /// Prints `verdict` for `event` so that this agent enforces it. Where the agent cannot
    /// express the verdict, the nearest safe one is used and the reason says so.
    fn render(&self, event: Event, verdict: &Verdict) -> Reply;
}

/// The adapter for `agent`.
pub fn adapter(agent: Agent) -> &'static dyn AgentHook {
    match agent {
        Agent::ClaudeCode => &ClaudeCode,
        Agent::Codex => &Codex,
        Agent::GeminiCli => &GeminiCli,
        Agent::Cursor => &Cursor,
        Agent::Copilot => &Copilot,
        Agent::QwenCode => &QwenCode,
        Agent::OpenCode => &OpenCode,
        Agent::Droid => &Droid,
    }
}

/// The agent whose marks `payload` carries, if any.
pub fn detect(payload: &Map<String, Value>) -> Option<Agent> {
    AGENTS
        .iter()
        .find(|a| a.recognizes(payload))
        .map(|a| a.agent())
}

/// The reply for a caller whose output format is uncertain: the block every agent honours
/// (exit 2, reason on stderr, nothing on stdout) for deny and ask, and silence — "no opinion",
/// so the caller's own permission flow decides — for allow and defer.
pub fn render_universal(verdict: &Verdict, named: Agent, caller: Agent) -> Reply {
    let note = messages::foreign_caller(named, caller);
    match verdict.decision {
        Decision::Deny => Reply::block(&non_empty(&verdict.reason)),
        Decision::Ask => Reply::block(&messages::cannot_ask(
            &verdict.reason,
            &note,
            messages::HOW_TO_APPROVE,
        )),
        Decision::Allow | Decision::Defer => Reply::silent(),
    }
}

/// `reason`, or a generic one when it is empty (some agents ignore a deny without a reason).
pub(crate) fn non_empty(reason: &str) -> String {
    if reason.trim().is_empty() {
        messages::DENIED_WITHOUT_REASON.to_owned()
    } else {
        reason.to_owned()
    }
}

/// The string field `name`, if present and a string.
pub(crate) fn str_field<'a>(payload: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    payload.get(name).and_then(Value::as_str)
}

/// The non-empty string field `name`, or an input error.
pub(crate) fn require_str(
    payload: &Map<String, Value>,
    name: &'static str,
) -> Result<String, InputError> {
    match str_field(payload, name) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(InputError::Field {
            name,
            expected: "a non-empty string",
        }),
    }
}

/// Requires the object field `name`.
pub(crate) fn require_object(
    payload: &Map<String, Value>,
    name: &'static str,
) -> Result<(), InputError> {
    match payload.get(name) {
        Some(Value::Object(_)) => Ok(()),
        _ => Err(InputError::Field {
            name,
            expected: "an object",
        }),
    }
}

/// Cursor's common input fields, which no other agent sends.
pub(crate) fn has_cursor_marks(payload: &Map<String, Value>) -> bool {
    payload.contains_key("cursor_version")
        || payload.contains_key("workspace_roots")
        || (payload.contains_key("conversation_id") && payload.contains_key("generation_id"))
}

/// The shared `PreToolUse` output of Claude Code and Codex.
pub(crate) fn pre_tool_use_output(decision: &str, reason: &str) -> Value {
    let mut out = Map::new();
    out.insert("hookEventName".into(), "PreToolUse".into());
    out.insert("permissionDecision".into(), decision.into());
    if !reason.is_empty() {
        out.insert("permissionDecisionReason".into(), reason.into());
    }
    json!({ "hookSpecificOutput": out })
}

/// The Claude-shaped reply to a `PreToolUse` call (Claude Code, Qwen Code, Droid): the
/// decision with its reason, nothing for a deferred call.
pub(crate) fn render_pre_tool_use(verdict: &Verdict) -> Reply {
    let reason = verdict.reason.as_str();
    match verdict.decision {
        Decision::Allow => Reply::json(&pre_tool_use_output("allow", reason)),
        Decision::Deny => Reply::json(&pre_tool_use_output("deny", &non_empty(reason))),
        Decision::Ask => Reply::json(&pre_tool_use_output("ask", reason)),
        Decision::Defer => Reply::silent(),
    }
}

/// Reads a Claude-shaped payload of an agent whose only pre-tool event is `PreToolUse`
/// (Qwen Code, Droid).
pub(crate) fn parse_pre_tool_use(
    agent: Agent,
    payload: &Map<String, Value>,
) -> Result<Call, InputError> {
    let event = known_event(
        payload,
        &[("PreToolUse", Event::PreToolUse)],
        Event::PreToolUse,
        "PreToolUse",
    )?;
    let tool = require_str(payload, "tool_name")?;
    require_object(payload, "tool_input")?;
    Ok(Call { agent, event, tool })
}

/// The shared `PermissionRequest` output of Claude Code and Codex.
pub(crate) fn permission_request_output(behavior: &str, message: Option<&str>) -> Value {
    let mut decision = Map::new();
    decision.insert("behavior".into(), behavior.into());
    if let Some(message) = message {
        decision.insert("message".into(), message.into());
    }
    json!({ "hookSpecificOutput": { "hookEventName": "PermissionRequest", "decision": decision } })
}

/// The shared `PermissionRequest` reply of Claude Code and Codex: allow and deny are
/// answered; ask and defer stay silent, because the permission prompt about to be shown is
/// already the question.
pub(crate) fn render_permission_request(verdict: &Verdict) -> Reply {
    match verdict.decision {
        Decision::Allow => Reply::json(&permission_request_output("allow", None)),
        Decision::Deny => Reply::json(&permission_request_output(
            "deny",
            Some(&non_empty(&verdict.reason)),
        )),
        Decision::Ask | Decision::Defer => Reply::silent(),
    }
}

/// `hook_event_name`: `None` when absent, an input error when it is not a string.
pub(crate) fn event_name(payload: &Map<String, Value>) -> Result<Option<&str>, InputError> {
    match payload.get("hook_event_name") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(InputError::Field {
            name: "hook_event_name",
            expected: "a string",
        }),
    }
}

/// The event `hook_event_name` names among `known` (`absent` when the payload has none), or
/// an unsupported-event error listing `supported`.
pub(crate) fn known_event(
    payload: &Map<String, Value>,
    known: &[(&str, Event)],
    absent: Event,
    supported: &'static str,
) -> Result<Event, InputError> {
    let Some(name) = event_name(payload)? else {
        return Ok(absent);
    };
    known
        .iter()
        .find(|(known_name, _)| *known_name == name)
        .map(|(_, event)| *event)
        .ok_or_else(|| InputError::UnsupportedEvent {
            event: name.to_owned(),
            supported,
        })
}

/// Reads the event and tool of a Claude-shaped payload (`hook_event_name`, `tool_name`,
/// `tool_input`), shared by Claude Code and Codex.
pub(crate) fn parse_claude_shaped(
    agent: Agent,
    payload: &Map<String, Value>,
    supported: &'static str,
) -> Result<Call, InputError> {
    // Claude Code sends the event name since 1.0.41; treat its absence as the pre-tool event.
    let event = known_event(
        payload,
        &[
            ("PreToolUse", Event::PreToolUse),
            ("PermissionRequest", Event::PermissionRequest),
        ],
        Event::PreToolUse,
        supported,
    )?;
    let tool = require_str(payload, "tool_name")?;
    require_object(payload, "tool_input")?;
    Ok(Call { agent, event, tool })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_agent_is_listed_once_and_maps_back() {
        assert_eq!(AGENTS.len(), Agent::ALL.len());
        for agent in Agent::ALL {
            assert_eq!(adapter(agent).agent(), agent);
            assert_eq!(AGENTS.iter().filter(|a| a.agent() == agent).count(), 1);
        }
    }

    #[test]
    fn detection_marks() {
        let claude = obj(
            json!({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{},
            "tool_use_id":"toolu_1","permission_mode":"default"}),
        );
        let codex = obj(
            json!({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{},
            "turn_id":"t","model":"gpt-5","permission_mode":"default","tool_use_id":"call_1"}),
        );
        let gemini = obj(
            json!({"hook_event_name":"BeforeTool","tool_name":"x","tool_input":{},
            "timestamp":"2026-01-01T00:00:00Z"}),
        );
        let cursor = obj(
            json!({"hook_event_name":"preToolUse","tool_name":"Shell","tool_input":{},
            "conversation_id":"c","generation_id":"g","cursor_version":"2.0","tool_use_id":"toolu_9"}),
        );
        let copilot_camel =
            obj(json!({"sessionId":"s","timestamp":1,"toolName":"bash","toolArgs":{}}));
        let copilot_pascal = obj(json!({"hook_event_name":"PreToolUse","session_id":"s",
            "timestamp":"2026-01-01T00:00:00Z","tool_name":"Bash","tool_input":{}}));
        assert_eq!(detect(&claude), Some(Agent::ClaudeCode));
        assert_eq!(detect(&codex), Some(Agent::Codex));
        assert_eq!(detect(&gemini), Some(Agent::GeminiCli));
        assert_eq!(detect(&cursor), Some(Agent::Cursor));
        assert_eq!(detect(&copilot_camel), Some(Agent::Copilot));
        assert_eq!(detect(&copilot_pascal), Some(Agent::Copilot));
        let bare = obj(json!({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}));
        assert_eq!(detect(&bare), None, "no marks: nobody claims it");
    }

    #[test]
    fn event_names_absent_known_unknown_and_mistyped() {
        let known = [("A", Event::PreToolUse), ("B", Event::PermissionRequest)];
        let event = |v: Value| known_event(&obj(v), &known, Event::BeforeReadFile, "A or B");
        assert_eq!(event(json!({})), Ok(Event::BeforeReadFile));
        assert_eq!(
            event(json!({"hook_event_name":"B"})),
            Ok(Event::PermissionRequest)
        );
        assert_eq!(
            event(json!({"hook_event_name":"C"})),
            Err(InputError::UnsupportedEvent {
                event: "C".into(),
                supported: "A or B"
            })
        );
        assert_eq!(
            event(json!({"hook_event_name":1})),
            Err(InputError::Field {
                name: "hook_event_name",
                expected: "a string"
            })
        );
    }

    #[test]
    fn permission_request_answers_allow_and_deny_only() {
        let reply = |d| render_permission_request(&Verdict::new(d, "r: no"));
        assert_eq!(
            reply(Decision::Deny).stdout,
            "{\"hookSpecificOutput\":{\"hookEventName\":\"PermissionRequest\",\"decision\":\
             {\"behavior\":\"deny\",\"message\":\"r: no\"}}}\n"
        );
        assert!(reply(Decision::Allow)
            .stdout
            .contains("\"behavior\":\"allow\"}"));
        assert_eq!(reply(Decision::Ask), Reply::silent());
        assert_eq!(reply(Decision::Defer), Reply::silent());
    }

    #[test]
    fn universal_blocks_deny_and_ask_and_is_silent_otherwise() {
        let named = Agent::ClaudeCode;
        let caller = Agent::Cursor;
        let deny = render_universal(&Verdict::new(Decision::Deny, "r: no"), named, caller);
        assert_eq!(
            (deny.code, deny.stdout.as_str(), deny.stderr.as_str()),
            (2, "", "r: no\n")
        );
        let ask = render_universal(&Verdict::new(Decision::Ask, "r: sure?"), named, caller);
        assert_eq!(ask.code, 2);
        assert!(ask
            .stderr
            .starts_with("r: sure? [Prempti: this call needs the user's confirmation"));
        assert_eq!(
            render_universal(&Verdict::new(Decision::Allow, ""), named, caller),
            Reply::silent()
        );
        assert_eq!(
            render_universal(&Verdict::new(Decision::Defer, ""), named, caller),
            Reply::silent()
        );
    }
}
