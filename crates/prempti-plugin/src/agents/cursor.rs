//! Cursor: the generic `preToolUse` event and the dedicated events (`beforeShellExecution`,
//! `beforeReadFile`, `beforeMCPExecution`, ...), conversation ids instead of session ids, and
//! MCP tools named `MCP:<tool>`.

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{get_str, input_of, Agent, AgentFormat, PayloadError, Raw};

/// Cursor's payloads.
pub(crate) struct Cursor;

impl AgentFormat for Cursor {
    fn agent(&self) -> Agent {
        Agent::Cursor
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_cursor(obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "Shell" | "Bash" | "Terminal" | "run_terminal_cmd" => Shape::Shell,
            "Read" | "read_file" => Shape::Read,
            "Write" | "Delete" | "TabWrite" | "write" | "delete_file" => Shape::Write,
            "MultiEdit" => Shape::MultiEdit,
            "Edit" | "StrReplace" | "edit_file" | "search_replace" => Shape::Edit,
            "Grep" | "Glob" | "grep_search" | "file_search" | "codebase_search" => Shape::Search,
            "WebFetch" | "web_fetch" => Shape::Fetch,
            "WebSearch" | "web_search" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }

    /// `MCP:<tool>` names, and every `beforeMCPExecution` event whatever its tool's name.
    fn is_mcp(&self, raw: &Raw<'_>) -> bool {
        raw.tool_name.starts_with("mcp__")
            || raw.tool_name.starts_with("MCP:")
            || raw.hook_event_name.as_deref() == Some("beforeMCPExecution")
    }

    /// `codebase_search` returns the files that match.
    fn search_lists_names(&self, name: &str) -> bool {
        name == "codebase_search"
    }
}

/// Cursor: the generic `preToolUse` event carries `tool_name`/`tool_input`; the dedicated
/// events (`beforeShellExecution`, `beforeReadFile`, `afterFileEdit`, ...) carry the
/// arguments at the top level and no tool name, so the name Cursor's `preToolUse` uses for
/// the same tool is given (`Shell`, `Read`, `Edit`).
fn envelope_cursor(obj: &Map<String, Value>) -> Result<Raw<'_>, PayloadError> {
    let event = get_str(obj, "hook_event_name");
    let base_dir = obj
        .get("workspace_roots")
        .and_then(Value::as_array)
        .and_then(|roots| roots.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (tool_name, input, args) = match get_str(obj, "tool_name") {
        Some(name) => {
            let (input, args) = input_of(obj.get("tool_input"));
            (name, input, args)
        }
        None => {
            // Dedicated events: rebuild the input from the event's own keys.
            let keys: &[&str] = match event.as_deref() {
                Some("beforeShellExecution") => &["command", "cwd"],
                Some("beforeReadFile") | Some("beforeTabFileRead") => &["file_path"],
                Some("afterFileEdit") | Some("afterTabFileEdit") => &["file_path", "edits"],
                _ if obj.contains_key("command") => &["command", "cwd"],
                _ if obj.contains_key("edits") => &["file_path", "edits"],
                _ if obj.contains_key("file_path") => &["file_path"],
                _ => {
                    return Err(PayloadError::MissingToolName {
                        agent: "cursor",
                        key: "tool_name",
                    })
                }
            };
            let name = match keys[0] {
                "command" => "Shell",
                _ if keys.len() == 2 => "Edit",
                _ => "Read",
            };
            let mut args = Map::new();
            for k in keys {
                if let Some(v) = obj.get(*k) {
                    args.insert((*k).to_owned(), v.clone());
                }
            }
            let input = serde_json::to_string(&args).ok();
            (name.to_owned(), input, Some(args))
        }
    };
    Ok(Raw {
        hook_event_name: event,
        session_id: get_str(obj, "conversation_id").or_else(|| get_str(obj, "session_id")),
        permission_mode: get_str(obj, "permission_mode"),
        transcript_path: get_str(obj, "transcript_path"),
        model: get_str(obj, "model"),
        turn_id: get_str(obj, "generation_id"),
        cwd: get_str(obj, "cwd"),
        base_dir,
        tool_use_id: get_str(obj, "tool_use_id"),
        tool_name,
        input,
        args,
        obj,
    })
}
