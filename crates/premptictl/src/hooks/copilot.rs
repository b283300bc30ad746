//! GitHub Copilot CLI: a file of its own, `~/.copilot/hooks/prempti.json` (`$COPILOT_HOME`
//! moves the directory), `"version": 1`, flat `preToolUse` handlers (camelCase payload).
//!
//! The command goes in `bash` on Unix and in `powershell` on Windows; `timeoutSec` is in
//! seconds. No matcher: Copilot compiles matchers as anchored regexes, and none means every
//! tool. `hook remove` deletes the file when it holds nothing else.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Copilot's registration.
pub(crate) struct Copilot;

impl AgentHooks for Copilot {
    fn agent(&self) -> Agent {
        Agent::Copilot
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env
            .config_dir(Some("COPILOT_HOME"), ".copilot")?
            .join("hooks")
            .join("prempti.json"))
    }

    fn shape(&self) -> Shape {
        Shape::Flat
    }

    fn events(&self) -> &'static [&'static str] {
        &["preToolUse"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::posix_or_powershell()
    }

    fn skeleton(&self) -> Map<String, Value> {
        super::version_one_skeleton()
    }

    fn on_hook_failure(&self, _handler: &Value) -> String {
        "let through (Copilot CLI 1.0.102 runs the call when the hook cannot start or times out; it has no fail-closed switch)".to_owned()
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        let shell_key = if cfg!(windows) { "powershell" } else { "bash" };
        json!({ "type": "command", shell_key: command, "timeoutSec": AGENT_TIMEOUT_SECS })
    }

    fn handler_commands<'a>(&self, handler: &'a Value) -> Vec<&'a str> {
        ["bash", "powershell", "command"]
            .iter()
            .filter_map(|k| handler.get(*k).and_then(Value::as_str))
            .collect()
    }

    fn check_entry(
        &self,
        _event: &str,
        _group: Option<&Value>,
        handler: &Value,
        _env: &HookEnv,
    ) -> Vec<String> {
        match handler.get("matcher") {
            Some(m) => vec![format!("its matcher {m} restricts it to some tools")],
            None => Vec::new(),
        }
    }

    fn disabled(&self, _doc: &Map<String, Value>, env: &HookEnv) -> Option<String> {
        let path = env
            .config_dir(Some("COPILOT_HOME"), ".copilot")
            .ok()?
            .join("settings.json");
        let text = std::fs::read_to_string(&path).ok()?;
        let doc: Map<String, Value> = serde_json::from_str(&text).ok()?;
        super::all_hooks_disabled(&doc, "Copilot", &path.display().to_string())
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["restart running Copilot CLI sessions so they load the hook".to_owned()]
    }
}
