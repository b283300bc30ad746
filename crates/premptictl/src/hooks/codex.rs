//! Codex CLI: `hooks.PreToolUse` in `~/.codex/hooks.json` (`$CODEX_HOME` moves the directory).
//!
//! `hooks.json` is used rather than `[hooks]` in `config.toml` so the user's TOML is never
//! rewritten. Current Codex enables hooks by default, so `[features]` is left alone; when
//! `config.toml` switches them off (`hooks = false`, or the older `codex_hooks = false`), that is
//! reported instead of overridden. Commands run under the user's login shell (`$SHELL -lc`,
//! `cmd /C` on Windows); the timeout is in seconds. Codex skips a new or changed hook until the
//! user trusts it in `/hooks`.

use std::path::PathBuf;

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// Codex's registration.
pub(crate) struct Codex;

impl Codex {
    fn config_toml(env: &HookEnv) -> Option<PathBuf> {
        env.config_dir(Some("CODEX_HOME"), ".codex")
            .ok()
            .map(|d| d.join("config.toml"))
    }
}

impl AgentHooks for Codex {
    fn agent(&self) -> Agent {
        Agent::Codex
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env
            .config_dir(Some("CODEX_HOME"), ".codex")?
            .join("hooks.json"))
    }

    fn related_files(&self, env: &HookEnv) -> Vec<PathBuf> {
        Codex::config_toml(env).into_iter().collect()
    }

    fn shape(&self) -> Shape {
        Shape::Nested
    }

    fn events(&self) -> &'static [&'static str] {
        &["PreToolUse"]
    }

    fn shell(&self) -> ShellKind {
        ShellKind::native()
    }

    fn on_hook_failure(&self, _handler: &Value) -> String {
        "let through (Codex runs the call when a hook cannot start, fails or times out; it has no fail-closed switch)".to_owned()
    }

    fn handler(&self, _event: &str, command: &str, _env: &HookEnv) -> Value {
        json!({ "type": "command", "command": command, "timeout": AGENT_TIMEOUT_SECS })
    }

    fn disabled(&self, _doc: &Map<String, Value>, env: &HookEnv) -> Option<String> {
        let path = Codex::config_toml(env)?;
        let text = std::fs::read_to_string(&path).ok()?;
        let doc = match text.parse::<toml_edit::DocumentMut>() {
            Ok(doc) => doc,
            Err(err) => {
                return Some(format!(
                    "cannot parse {} ({}); Codex will not start until it is fixed",
                    path.display(),
                    err.message()
                ))
            }
        };
        let features = doc.get("features")?;
        ["hooks", "codex_hooks"].into_iter().find_map(|key| {
            (features.get(key).and_then(|v| v.as_bool()) == Some(false)).then(|| {
                format!(
                    "Codex hooks are switched off ([features] {key} = false in {}): set it to true",
                    path.display()
                )
            })
        })
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["open Codex and run `/hooks` to review and trust the Prempti hook: Codex skips a new or changed hook until it is trusted (trust it again after every `hook add` that changed it)".to_owned()]
    }
}
