//! Qwen Code: `hooks.PreToolUse` in `$QWEN_HOME/settings.json` (default `~/.qwen/settings.json`),
//! matcher groups as in Claude Code. Commands run under `bash -c` (PowerShell on Windows); the
//! timeout is in seconds. `"disableAllHooks": true` switches every hook off.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{all_hooks_disabled, AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Qwen Code's registration.
pub(crate) struct Qwen;

impl AgentHooks for Qwen {
    fn agent(&self) -> Agent {
        Agent::QwenCode
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env
            .config_dir(Some("QWEN_HOME"), ".qwen")?
            .join("settings.json"))
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
        "let through when the hook cannot start, crashes or times out (Qwen Code treats every exit code but 0 and 2 as a non-blocking error and has no fail-closed switch)".to_owned()
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        json!({
            "type": "command",
            "name": "prempti",
            "command": command,
            "timeout": AGENT_TIMEOUT_SECS,
            "description": "Prempti policy check",
        })
    }

    fn disabled(&self, doc: &Map<String, Value>, _env: &HookEnv) -> Option<String> {
        all_hooks_disabled(doc, "Qwen Code", "settings.json")
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["restart running Qwen Code sessions; `/hooks` lists the Prempti hook".to_owned()]
    }
}
