//! Qwen Code: Claude Code's snake_case envelope (plus a `timestamp`), Qwen Code's own tool
//! names (`run_shell_command`, `write_file`, `edit`, ...) and MCP tools named
//! `mcp__<server>__<tool>`.

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// Qwen Code's payloads.
pub(crate) struct QwenCode;

impl AgentFormat for QwenCode {
    fn agent(&self) -> Agent {
        Agent::QwenCode
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::QwenCode, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "run_shell_command" => Shape::Shell,
            "read_file" | "list_directory" => Shape::Read,
            "write_file" => Shape::Write,
            "edit" => Shape::Edit,
            "notebook_edit" => Shape::Notebook,
            "glob" | "grep_search" => Shape::Search,
            "web_fetch" => Shape::Fetch,
            "web_search" => Shape::WebSearch,
            // `exec` runs JavaScript in Qwen Code's isolated runtime, not a shell.
            _ => Shape::Other,
        }
    }
}
