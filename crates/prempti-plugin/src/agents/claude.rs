//! Claude Code: the snake_case envelope (`tool_name`, `tool_input`, `session_id`, ...) and
//! Claude's tool names (`Bash`, `Read`, `Write`, `Edit`, ...).

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// Claude Code's payloads.
pub(crate) struct ClaudeCode;

impl AgentFormat for ClaudeCode {
    fn agent(&self) -> Agent {
        Agent::ClaudeCode
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::ClaudeCode, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "Bash" | "PowerShell" => Shape::Shell,
            "Read" => Shape::Read,
            "Write" => Shape::Write,
            "Edit" => Shape::Edit,
            "MultiEdit" => Shape::MultiEdit,
            "NotebookEdit" => Shape::Notebook,
            "Glob" | "Grep" => Shape::Search,
            "WebFetch" => Shape::Fetch,
            "WebSearch" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }

    /// `Grep` defaults to `output_mode: "files_with_matches"`.
    fn search_lists_names(&self, name: &str) -> bool {
        name == "Grep"
    }
}
