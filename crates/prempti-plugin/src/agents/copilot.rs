//! GitHub Copilot CLI: the camelCase envelope (`toolName`, `toolArgs`) or the
//! Claude-compatible snake_case one, and both Copilot's and Claude's tool names.

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, first_str, get_str, input_of, Agent, AgentFormat, PayloadError, Raw};

/// Copilot CLI's payloads.
pub(crate) struct Copilot;

impl AgentFormat for Copilot {
    fn agent(&self) -> Agent {
        Agent::Copilot
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_copilot(obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "bash" | "powershell" | "Bash" | "PowerShell" | "shell" => Shape::Shell,
            "view" | "Read" | "read" => Shape::Read,
            "create" | "Write" | "write" => Shape::Write,
            "edit" | "str_replace_editor" | "str_replace" | "Edit" => Shape::Edit,
            "MultiEdit" => Shape::MultiEdit,
            "NotebookEdit" => Shape::Notebook,
            "apply_patch" => Shape::Patch,
            "glob" | "grep" | "rg" | "Glob" | "Grep" => Shape::Search,
            "web_fetch" | "WebFetch" => Shape::Fetch,
            "web_search" | "WebSearch" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }
}

/// Copilot: camelCase (`toolName`, `toolArgs` — an object or a JSON string) or the
/// Claude-compatible snake_case form (`tool_name`, `tool_input`).
fn envelope_copilot(obj: &Map<String, Value>) -> Result<Raw<'_>, PayloadError> {
    if let Some(tool_name) = get_str(obj, "toolName") {
        let (input, args) = input_of(obj.get("toolArgs"));
        return Ok(Raw {
            hook_event_name: first_str(obj, &["hookEventName", "hook_event_name"]),
            session_id: first_str(obj, &["sessionId", "session_id"]),
            permission_mode: None,
            transcript_path: first_str(obj, &["transcriptPath", "transcript_path"]),
            model: get_str(obj, "model"),
            turn_id: None,
            cwd: get_str(obj, "cwd"),
            base_dir: None,
            tool_use_id: first_str(obj, &["toolUseId", "tool_use_id", "toolCallId"]),
            tool_name,
            input,
            args,
            obj,
        });
    }
    if obj.contains_key("tool_name") {
        return envelope_snake(Agent::Copilot, obj);
    }
    Err(PayloadError::MissingToolName {
        agent: "copilot",
        key: "toolName",
    })
}
