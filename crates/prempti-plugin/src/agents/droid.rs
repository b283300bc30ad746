//! Factory Droid: Claude Code's snake_case envelope (no tool-use id) with Droid's tool names
//! (`Execute`, `Read`, `Create`, `Edit`, `ApplyPatch`, `FetchUrl`, ...) and arguments
//! (`file_path`, `content`, `old_str`, `new_str`).

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// Factory Droid's payloads.
pub(crate) struct Droid;

impl AgentFormat for Droid {
    fn agent(&self) -> Agent {
        Agent::Droid
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::Droid, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "Execute" => Shape::Shell,
            "Read" | "LS" => Shape::Read,
            "Create" => Shape::Write,
            "Edit" => Shape::Edit,
            "MultiEdit" => Shape::MultiEdit,
            "ApplyPatch" => Shape::Patch,
            "Glob" | "Grep" => Shape::Search,
            "FetchUrl" => Shape::Fetch,
            "WebSearch" => Shape::WebSearch,
            _ => Shape::Other,
        }
    }
}
