//! OpenCode, through Prempti's plugin: a snake_case envelope (`session_id`, `cwd`,
//! `tool_name`, `tool_input`, `tool_use_id`) around OpenCode's tool names (`bash`, `read`,
//! `write`, `edit`, ...) and camelCase arguments (`filePath`, `oldString`, `newString`).

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// OpenCode's payloads.
pub(crate) struct OpenCode;

impl AgentFormat for OpenCode {
    fn agent(&self) -> Agent {
        Agent::OpenCode
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::OpenCode, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "bash" => Shape::Shell,
            "read" | "list" => Shape::Read,
            "write" => Shape::Write,
            "edit" => Shape::Edit,
            "multiedit" => Shape::MultiEdit,
            "apply_patch" | "patch" => Shape::Patch,
            "glob" | "grep" => Shape::Search,
            "webfetch" => Shape::Fetch,
            "websearch" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }

    /// OpenCode names an MCP server's tool `<server>_<tool>`, which cannot be told apart from a
    /// built-in name by its spelling: MCP calls are `tool.kind = other`.
    fn is_mcp(&self, _raw: &Raw<'_>) -> bool {
        false
    }
}
