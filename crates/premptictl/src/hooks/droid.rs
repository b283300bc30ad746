//! Factory Droid: `hooks.PreToolUse` in `~/.factory/settings.json`, matcher groups as in Claude
//! Code. Commands run under `sh -c` (PowerShell on Windows); the timeout is in seconds.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Factory Droid's registration.
pub(crate) struct Droid;

impl AgentHooks for Droid {
    fn agent(&self) -> Agent {
        Agent::Droid
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env.config_dir(None, ".factory")?.join("settings.json"))
    }

    fn shape(&self) -> Shape {
        Shape::Nested
    }

    fn events(&self) -> &'static [&'static str] {
        &["PreToolUse"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::posix_or_powershell()
    }

    fn on_hook_failure(&self, _handler: &Value) -> String {
        "let through when the hook cannot start, crashes or times out (Droid blocks only on exit code 2 and has no fail-closed switch)".to_owned()
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        json!({
            "type": "command",
            "command": command,
            "timeout": AGENT_TIMEOUT_SECS,
        })
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["restart running Droid sessions; `/hooks` lists the Prempti hook".to_owned()]
    }
}
