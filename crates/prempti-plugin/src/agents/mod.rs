//! Per-agent payload normalization: an agent's hook stdin in, [`ToolCall`]s out.
//!
//! Every agent describes a pending tool call in its own JSON shape (see the agent table in
//! the repository's reference notes). Each agent has one file here with one unit struct that
//! implements `AgentFormat`, registered in `AGENTS`: it reads the agent's envelope (session,
//! cwd, tool name, tool input) and names the shape of each of the agent's tools. The shared
//! `tools` module turns that into the normalized call the `coding_agent` event fields are
//! computed from:
//!
//! - `agent.*` fields come from the payload's envelope (`session_id`, `cwd`, ...) and from
//!   the [`CallContext`] the broker adds (correlation id, agent pid, operating system);
//! - `tool.name` keeps the agent's own name; `tool.kind` is the normalized [`ToolKind`];
//! - `tool.file_path`, `tool.content`, `tool.input_command`, `tool.url`, ... are filled from
//!   whichever keys the agent uses for the same thing, so one rule covers every agent;
//! - `agent.real_cwd` and `tool.real_file_path` are resolved on the host ([`crate::realpath`]);
//! - the homes the hook sends with the request (`agent.home`, `prempti.home`) are recorded by
//!   [`parse_request`] and resolved the same way; `tool.home_file_path`, `tool.in_prempti_home`
//!   and `cmd.home_write_paths` relate the call's paths to them ([`crate::call`]).
//!
//! Raw fields stay raw: a value absent from the payload, or of the wrong JSON type, is `None`
//! (no value in Falco terms); a present empty string is kept as `Some("")`. Unknown keys are
//! ignored, since agents add keys in new versions.
//!
//! A Codex `apply_patch` touching several files becomes one [`ToolCall`] per touched file
//! ([`patch`]); every other call becomes exactly one.
//!
//! Adding an agent is described in `CONTRIBUTING.md` ("Adding an agent").

use serde_json::{Map, Value};

pub use prempti_protocol::Agent;

pub use crate::call::{CallContext, Os, PatchOp, ToolCall, ToolKind};

mod claude;
mod codex;
mod copilot;
mod cursor;
mod droid;
mod gemini;
mod opencode;
pub mod patch;
mod qwen;
mod tools;

use tools::Shape;

/// Every agent whose payloads Prempti reads, in the order they are documented.
pub(crate) static AGENTS: &[&dyn AgentFormat] = &[
    &claude::ClaudeCode,
    &codex::Codex,
    &gemini::GeminiCli,
    &cursor::Cursor,
    &copilot::Copilot,
    &qwen::QwenCode,
    &opencode::OpenCode,
    &droid::Droid,
];

/// One agent's hook payload format.
pub(crate) trait AgentFormat: Sync {
    /// The agent this format belongs to.
    fn agent(&self) -> Agent;

    /// Reads the agent-level fields and the tool name and input of a payload.
    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError>;

    /// How the arguments of the agent's tool `name` map onto the normalized fields (the agent's
    /// tool table). Not asked for the tools [`AgentFormat::is_mcp`] claims.
    fn shape(&self, name: &str) -> Shape;

    /// Whether the call goes to an MCP server. Every agent but Gemini CLI and Cursor names
    /// MCP tools `mcp__<server>__<tool>`.
    fn is_mcp(&self, raw: &Raw<'_>) -> bool {
        raw.tool_name.starts_with("mcp__")
    }

    /// Whether the search tool `name` lists file names (rather than matching lines) when its
    /// arguments do not say; glob tools always do.
    fn search_lists_names(&self, _name: &str) -> bool {
        false
    }
}

/// The registered format of `agent`.
fn format_of(agent: Agent) -> Option<&'static dyn AgentFormat> {
    AGENTS.iter().copied().find(|f| f.agent() == agent)
}

/// Why a payload could not be turned into a tool call. The broker answers such a call with a
/// deny whose reason is this error's message.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The payload is not JSON.
    // The cause is in the message (it becomes the agent's deny reason), so it is not also
    // exposed as a `source`: an error chain would print it twice.
    #[error("hook payload is not valid JSON: {0}")]
    Json(serde_json::Error),
    /// The payload is JSON but not an object.
    #[error("hook payload is not a JSON object")]
    NotObject,
    /// No tool name in the payload (or not a string).
    #[error("hook payload from {agent} names no tool (expected a string `{key}`)")]
    MissingToolName {
        /// The agent the payload was sent for.
        agent: &'static str,
        /// The key that should have named the tool.
        key: &'static str,
    },
    /// No payload format is registered for the agent (a build missing an entry of
    /// `AGENTS`).
    #[error("Prempti has no payload format for agent {agent}: update Prempti (prempti-hook and premptictl from the same release)")]
    UnknownAgent {
        /// The agent the payload was sent for.
        agent: &'static str,
    },
    /// A Codex `apply_patch` whose patch text is malformed.
    #[error("apply_patch input is not a valid patch: {0}")]
    Patch(patch::PatchError),
}

impl From<serde_json::Error> for PayloadError {
    fn from(e: serde_json::Error) -> Self {
        PayloadError::Json(e)
    }
}

impl From<patch::PatchError> for PayloadError {
    fn from(e: patch::PatchError) -> Self {
        PayloadError::Patch(e)
    }
}

/// Parses one hook payload sent for `agent` into normalized calls: one per call, or one per
/// touched file for an `apply_patch`. Never panics on any input.
pub fn parse_call(
    agent: Agent,
    payload: &str,
    ctx: &CallContext,
) -> Result<Vec<ToolCall>, PayloadError> {
    let value: Value = serde_json::from_str(payload)?;
    let Value::Object(obj) = value else {
        return Err(PayloadError::NotObject);
    };
    let format = format_of(agent).ok_or(PayloadError::UnknownAgent {
        agent: agent.field_name(),
    })?;
    let raw = format.envelope(&obj)?;
    tools::normalize(format, raw, ctx)
}

/// Parses the payload of a hook request ([`parse_call`]) and records the homes the hook sent
/// ([`ToolCall::set_homes`]). This is what both hosts call for a live request.
pub fn parse_request(
    request: &prempti_protocol::HookRequest,
    ctx: &CallContext,
) -> Result<Vec<ToolCall>, PayloadError> {
    let mut calls = parse_call(request.agent, &request.payload, ctx)?;
    for call in &mut calls {
        call.set_homes(request.home.as_deref(), request.prempti_home.as_deref());
    }
    Ok(calls)
}

/// The parts of a payload common to every agent, before tool normalization.
pub(crate) struct Raw<'a> {
    pub(crate) hook_event_name: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) permission_mode: Option<String>,
    pub(crate) transcript_path: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) turn_id: Option<String>,
    pub(crate) cwd: Option<String>,
    /// Directory to resolve relative paths against when `cwd` is absent.
    pub(crate) base_dir: Option<String>,
    pub(crate) tool_use_id: Option<String>,
    pub(crate) tool_name: String,
    /// `tool.input` text.
    pub(crate) input: Option<String>,
    /// The tool arguments as an object, when there is one.
    pub(crate) args: Option<Map<String, Value>>,
    /// Extra keys some envelopes carry outside the arguments (Gemini `mcp_context`, ...).
    pub(crate) obj: &'a Map<String, Value>,
}

pub(crate) fn get_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn first_str(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| get_str(obj, k))
}

/// The `tool.input` text and parsed arguments of a tool input value.
pub(crate) fn input_of(value: Option<&Value>) -> (Option<String>, Option<Map<String, Value>>) {
    match value {
        None => (None, None),
        Some(Value::String(s)) => {
            // An input sent as a JSON string: keep the string, parse it for the fields.
            let args = match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            };
            (Some(s.clone()), args)
        }
        Some(v) => {
            let text = serde_json::to_string(v).ok();
            let args = v.as_object().cloned();
            (text, args)
        }
    }
}

/// The snake_case envelope Claude Code introduced, which Codex, Gemini CLI and Copilot's
/// Claude-compatible form also use.
pub(crate) fn envelope_snake(
    agent: Agent,
    obj: &Map<String, Value>,
) -> Result<Raw<'_>, PayloadError> {
    let tool_name = get_str(obj, "tool_name").ok_or(PayloadError::MissingToolName {
        agent: agent.field_name(),
        key: "tool_name",
    })?;
    let (input, args) = input_of(obj.get("tool_input"));
    Ok(Raw {
        hook_event_name: get_str(obj, "hook_event_name"),
        session_id: get_str(obj, "session_id"),
        permission_mode: get_str(obj, "permission_mode"),
        transcript_path: get_str(obj, "transcript_path"),
        model: get_str(obj, "model"),
        turn_id: get_str(obj, "turn_id"),
        cwd: get_str(obj, "cwd"),
        base_dir: None,
        tool_use_id: get_str(obj, "tool_use_id"),
        tool_name,
        input,
        args,
        obj,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_has_exactly_one_format() {
        for agent in Agent::ALL {
            let n = AGENTS.iter().filter(|f| f.agent() == agent).count();
            assert_eq!(n, 1, "{agent:?}");
        }
        assert_eq!(AGENTS.len(), Agent::ALL.len());
    }
}
