//! Gemini CLI: `hooks.BeforeTool` in `~/.gemini/settings.json`. Commands run under `bash -c`
//! (PowerShell on Windows); the timeout is in milliseconds; the handler is named `prempti` so
//! it can be recognized in `hooksConfig.disabled`. `hooksConfig.enabled: false` switches every
//! hook off.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// The handler name Prempti registers under.
const HOOK_NAME: &str = "prempti";

/// Gemini CLI's registration.
pub(crate) struct Gemini;

impl AgentHooks for Gemini {
    fn agent(&self) -> Agent {
        Agent::GeminiCli
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env.config_dir(None, ".gemini")?.join("settings.json"))
    }

    fn shape(&self) -> Shape {
        Shape::Nested
    }

    fn events(&self) -> &'static [&'static str] {
        &["BeforeTool"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::posix_or_powershell()
    }

    fn on_hook_failure(&self, _handler: &Value) -> String {
        "blocked when the hook cannot start (bash exits 126 or 127, which Gemini CLI treats as a block); let through on a timeout or exit 1 (Gemini CLI has no fail-closed switch)".to_owned()
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        json!({
            "type": "command",
            "name": HOOK_NAME,
            "command": command,
            "timeout": AGENT_TIMEOUT_SECS * 1000,
            "description": "Prempti policy check",
        })
    }

    fn disabled(&self, doc: &Map<String, Value>, _env: &HookEnv) -> Option<String> {
        let config = doc.get("hooksConfig")?;
        if config.get("enabled") == Some(&Value::Bool(false)) {
            return Some("Gemini CLI hooks are switched off (hooksConfig.enabled is false in settings.json): set it to true or run `/hooks enable-all`".to_owned());
        }
        let disabled = config.get("disabled")?.as_array()?;
        disabled.iter().any(|n| n.as_str() == Some(HOOK_NAME)).then(|| {
            format!("the `{HOOK_NAME}` hook is listed in hooksConfig.disabled: run `/hooks enable {HOOK_NAME}` in Gemini CLI")
        })
    }

    fn manual_steps(&self) -> Vec<String> {
        vec![
            "restart running Gemini CLI sessions; `/hooks panel` lists the Prempti hook".to_owned(),
        ]
    }
}
