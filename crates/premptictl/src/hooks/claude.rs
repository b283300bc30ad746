//! Claude Code: `hooks.PreToolUse` in `~/.claude/settings.json` (`$CLAUDE_CONFIG_DIR` moves the
//! directory). Shell-form command (run by `sh -c`, Git Bash on Windows), matcher `*`, timeout in
//! seconds. `"disableAllHooks": true` in the same file switches every hook off.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Claude Code's registration.
pub(crate) struct Claude;

impl AgentHooks for Claude {
    fn agent(&self) -> Agent {
        Agent::ClaudeCode
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env
            .config_dir(Some("CLAUDE_CONFIG_DIR"), ".claude")?
            .join("settings.json"))
    }

    fn shape(&self) -> Shape {
        Shape::Nested
    }

    fn events(&self) -> &'static [&'static str] {
        &["PreToolUse"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::Posix
    }

    fn handler(&self, _event: &str, command: &str) -> Value {
        json!({ "type": "command", "command": command, "timeout": AGENT_TIMEOUT_SECS })
    }

    fn disabled(&self, doc: &Map<String, Value>, _env: &HookEnv) -> Option<String> {
        super::all_hooks_disabled(doc, "Claude Code", "settings.json")
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["Claude Code picks up the change automatically; in interactive sessions hooks run once the folder's trust dialog is accepted".to_owned()]
    }
}
