//! Cursor: `~/.cursor/hooks.json` (`"version": 1`), flat handler arrays.
//!
//! `preToolUse` covers every tool and enforces allow and deny, but not ask; `ask` is enforced
//! only on `beforeShellExecution` and `beforeMCPExecution`, so Prempti hooks those two as well
//! (shell and MCP calls therefore reach the hook twice, once per event). Every entry sets
//! `"failClosed": true` so a crash or timeout blocks instead of letting the call through.
//! Cursor reloads `hooks.json` by itself.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Cursor's registration.
pub(crate) struct Cursor;

impl AgentHooks for Cursor {
    fn agent(&self) -> Agent {
        Agent::Cursor
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env.config_dir(None, ".cursor")?.join("hooks.json"))
    }

    fn shape(&self) -> Shape {
        Shape::Flat
    }

    fn events(&self) -> &'static [&'static str] {
        &["preToolUse", "beforeShellExecution", "beforeMCPExecution"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::native()
    }

    fn skeleton(&self) -> Map<String, Value> {
        super::version_one_skeleton()
    }

    fn on_hook_failure(&self, handler: &Value) -> String {
        if handler.get("failClosed") == Some(&Value::Bool(true)) {
            "blocked (\"failClosed\": true)".to_owned()
        } else {
            "let through (no \"failClosed\": true)".to_owned()
        }
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        json!({ "command": command, "timeout": AGENT_TIMEOUT_SECS, "failClosed": true })
    }

    fn check_entry(
        &self,
        _event: &str,
        _group: Option<&Value>,
        handler: &Value,
        _env: &HookEnv,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        if handler.get("failClosed") != Some(&Value::Bool(true)) {
            problems.push(
                "it lacks \"failClosed\": true, so a crash or timeout lets the call through"
                    .to_owned(),
            );
        }
        if let Some(matcher) = handler.get("matcher") {
            problems.push(format!("its matcher {matcher} restricts it to some calls"));
        }
        problems
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["Cursor reloads hooks.json by itself; restart Cursor if the hook is not listed in its Hooks settings".to_owned()]
    }
}
