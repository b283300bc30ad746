//! Codex CLI: the snake_case envelope with a `turn_id`; shell calls arrive as `Bash` (or the
//! older `shell`/`exec_command` names with an argv array) and file edits as `apply_patch`.

use serde_json::{Map, Value};

use super::tools::Shape;
use super::{envelope_snake, Agent, AgentFormat, PayloadError, Raw};

/// Codex CLI's payloads.
pub(crate) struct Codex;

impl AgentFormat for Codex {
    fn agent(&self) -> Agent {
        Agent::Codex
    }

    fn envelope<'a>(&self, obj: &'a Map<String, Value>) -> Result<Raw<'a>, PayloadError> {
        envelope_snake(Agent::Codex, obj)
    }

    fn shape(&self, name: &str) -> Shape {
        match name {
            "Bash" | "exec_command" | "shell" | "shell_command" | "local_shell"
            | "container.exec" => Shape::Shell,
            "apply_patch" => Shape::Patch,
            _ => Shape::Other,
        }
    }
}
