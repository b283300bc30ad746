//! OpenCode: no command hooks, so Prempti installs a plugin,
//! `$XDG_CONFIG_HOME/opencode/plugin/prempti.js` (default `~/.config/opencode/plugin/`), which
//! OpenCode loads at start. Its `tool.execute.before` handler runs `prempti-hook opencode` with
//! the call and throws, which stops the call and gives the model the message, on a deny and
//! whenever the hook cannot run or answers something unexpected: OpenCode fails closed.

use std::path::{Path, PathBuf};

use anyhow::Result;
use prempti_protocol::Agent;
use serde_json::Value;

use super::command::ShellKind;
use super::plugin_file::MARKER;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// OpenCode's registration.
pub(crate) struct OpenCode;

impl AgentHooks for OpenCode {
    fn agent(&self) -> Agent {
        Agent::OpenCode
    }

    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf> {
        Ok(env
            .config_dir(Some("XDG_CONFIG_HOME"), ".config")?
            .join("opencode/plugin/prempti.js"))
    }

    /// Not used: the plugin file is written whole ([`AgentHooks::plugin_source`]).
    fn shape(&self) -> Shape {
        Shape::Flat
    }

    /// Not used: the plugin handles `tool.execute.before` itself.
    fn events(&self) -> &'static [&'static str] {
        &[]
    }

    /// Not used: the plugin starts the hook without a shell.
    fn shell(&self) -> ShellKind {
        ShellKind::Posix
    }

    fn on_hook_failure(&self, _handler: &Value) -> String {
        "blocked (the plugin throws when the hook cannot start, fails, times out or answers something unexpected)".to_owned()
    }

    /// Not used: there is no settings entry.
    fn handler(&self, _event: &str, _command: &str, _env: &HookEnv) -> Value {
        Value::Null
    }

    fn plugin_source(&self, hook: &Path) -> Option<String> {
        let hook = serde_json::to_string(&hook.to_string_lossy()).ok()?;
        let timeout_ms = AGENT_TIMEOUT_SECS * 1000;
        Some(format!(
            r#"{MARKER} (`premptictl hook add opencode`); `premptictl hook remove opencode` deletes it.
// Every tool call goes to Prempti's hook first; a deny, or a hook that cannot answer, stops it.
import {{ spawnSync }} from "node:child_process";

const HOOK = {hook};
const TIMEOUT_MS = {timeout_ms};

function blocked(why) {{
  return new Error(`Prempti blocked this tool call: ${{why}}; see \`premptictl hook status opencode\``);
}}

export const Prempti = async ({{ directory }}) => ({{
  "tool.execute.before": async (input, output) => {{
    const payload = JSON.stringify({{
      hook_event_name: "tool.execute.before",
      session_id: input.sessionID,
      cwd: directory,
      tool_name: input.tool,
      tool_input: output.args ?? {{}},
      tool_use_id: input.callID,
    }});
    const run = spawnSync(HOOK, ["opencode"], {{ input: payload, encoding: "utf8", timeout: TIMEOUT_MS }});
    if (run.error) throw blocked(`its hook ${{HOOK}} could not run (${{run.error.message}})`);
    const stderr = (run.stderr ?? "").trim();
    if (run.status === 2) throw new Error(stderr || "Prempti blocked this tool call");
    if (run.status !== 0) throw blocked(`its hook exited with ${{run.status ?? run.signal}}${{stderr ? ": " + stderr : ""}}`);
    const stdout = (run.stdout ?? "").trim();
    if (stdout === "") return;
    let reply;
    try {{
      reply = JSON.parse(stdout);
    }} catch {{
      throw blocked("its hook printed something that is not JSON");
    }}
    if (reply.decision === "deny") throw new Error(reply.reason || "Prempti denied this tool call");
    if (reply.decision !== "allow") throw blocked(`its hook answered ${{stdout}}`);
  }},
}});
"#
        ))
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["restart running OpenCode sessions so they load the plugin".to_owned()]
    }
}
