//! Gemini CLI: the snake_case envelope (`BeforeTool`), snake_case tool names
//! (`run_shell_command`, `write_file`, ...) and MCP tools named `mcp_<server>_<tool>`.

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// Gemini CLI's payloads.
pub(crate) struct GeminiCli;

impl AgentFormat for GeminiCli {
    fn agent(&self) -> Agent {
        Agent::GeminiCli
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::GeminiCli, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "run_shell_command" => Shape::Shell,
            "read_file" | "read_many_files" | "list_directory" => Shape::Read,
            "write_file" => Shape::Write,
            "replace" | "edit" => Shape::Edit,
            "glob" | "search_file_content" | "grep" | "grep_search" => Shape::Search,
            "web_fetch" => Shape::Fetch,
            "google_web_search" | "web_search" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }

    fn is_mcp(&self, raw: &Raw<'_>) -> bool {
        raw.tool_name.starts_with("mcp_")
    }
}
