//! Claude Code: `hooks.PreToolUse` in `~/.claude/settings.json` (`$CLAUDE_CONFIG_DIR` moves the
//! directory). Shell-form command (run by `sh -c`, Git Bash on Windows), matcher `*`, timeout in
//! seconds. `"disableAllHooks": true` in the same file switches every hook off.
//!
//! Fail closed: by default Claude Code lets a call through when a hook cannot start, times out
//! or exits with a code other than 0 or 2. From 2.1.295 a handler may say `"onFailure":
//! "block"`, which turns each of those failures into a block (verified in 2.1.329: the field is
//! in its hook schema, and the real-agent suite runs it with the hook binary made unrunnable).
//! `hook add` writes it when the installed Claude Code (`claude --version`, looked up on `PATH`,
//! then in `~/.local/bin` and `~/.claude/local`) is 2.1.295 or newer; for an older CLI, or when
//! none is found, the entry stays as before (an older CLI's settings schema does not know the
//! field) and `hook add` says so.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Result;
use prempti_protocol::Agent;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::command::ShellKind;
use super::{AgentHooks, HookEnv, Shape, AGENT_TIMEOUT_SECS};

/// The first Claude Code version that understands `"onFailure": "block"` on command hooks.
pub(crate) const ON_FAILURE_SINCE: CliVersion = CliVersion(2, 1, 295);

/// How long `claude --version` may take before it counts as "no answer".
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// A `major.minor.patch` CLI version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct CliVersion(pub(crate) u64, pub(crate) u64, pub(crate) u64);

impl std::fmt::Display for CliVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl CliVersion {
    /// Parses the first word of `claude --version` output (`2.1.329 (Claude Code)`).
    pub(crate) fn parse(text: &str) -> Option<CliVersion> {
        let word = text.split_whitespace().next()?;
        let word = word.strip_prefix('v').unwrap_or(word);
        let mut parts = word.splitn(3, '.');
        let number = |p: Option<&str>| -> Option<u64> {
            let p = p?;
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        };
        Some(CliVersion(
            number(parts.next())?,
            number(parts.next())?,
            number(parts.next())?,
        ))
    }
}

/// Where a `claude` executable may be: every `PATH` directory, then the native installer's
/// and the old local installer's locations.
fn candidates(env: &HookEnv) -> Vec<PathBuf> {
    let name = if cfg!(windows) {
        "claude.exe"
    } else {
        "claude"
    };
    let mut out: Vec<PathBuf> = env
        .vars
        .get("PATH")
        .map(|p| std::env::split_paths(p).map(|d| d.join(name)).collect())
        .unwrap_or_default();
    if let Some(home) = &env.home {
        out.push(home.join(".local/bin").join(name));
        out.push(home.join(".claude/local").join(name));
    }
    out
}

/// Runs the first `claude` found with `--version` (bounded by [`PROBE_TIMEOUT`]).
pub(crate) fn probe_version(env: &HookEnv) -> Option<CliVersion> {
    let exe = candidates(env).into_iter().find(|p| p.is_file())?;
    let mut child = Command::new(&exe)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let out = child.wait_with_output().ok()?;
    CliVersion::parse(&String::from_utf8_lossy(&out.stdout))
}

/// Whether the installed Claude Code understands `onFailure`.
fn supports_on_failure(env: &HookEnv) -> bool {
    env.claude_version().is_some_and(|v| *v >= ON_FAILURE_SINCE)
}

fn blocks_on_failure(handler: &Value) -> bool {
    handler.get("onFailure").and_then(Value::as_str) == Some("block")
}

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

    fn handler(&self, _event: &str, command: &str, env: &HookEnv) -> Value {
        let mut handler =
            json!({ "type": "command", "command": command, "timeout": AGENT_TIMEOUT_SECS });
        if supports_on_failure(env) {
            handler["onFailure"] = Value::from("block");
        }
        handler
    }

    fn check_entry(
        &self,
        _event: &str,
        group: Option<&Value>,
        handler: &Value,
        env: &HookEnv,
    ) -> Vec<String> {
        let mut problems = group.map(super::check_match_all).unwrap_or_default();
        if !blocks_on_failure(handler) && supports_on_failure(env) {
            let version = env.claude_version().map(ToString::to_string);
            problems.push(format!(
                "it lacks \"onFailure\": \"block\", which Claude Code {} supports: a hook that cannot run lets the call through",
                version.unwrap_or_default()
            ));
        }
        problems
    }

    fn on_hook_failure(&self, handler: &Value) -> String {
        if blocks_on_failure(handler) {
            "blocked (\"onFailure\": \"block\")".to_owned()
        } else {
            "let through (no \"onFailure\": \"block\"; Claude Code 2.1.295 or newer supports it)"
                .to_owned()
        }
    }

    fn add_notes(&self, env: &HookEnv) -> Vec<String> {
        vec![match env.claude_version() {
            Some(v) if *v >= ON_FAILURE_SINCE => format!(
                "Claude Code {v} found: entry has \"onFailure\": \"block\" (a hook that cannot run blocks the call)"
            ),
            Some(v) => format!(
                "Claude Code {v} predates \"onFailure\" ({ON_FAILURE_SINCE}): entry without it, so a hook that cannot run lets the call through; run `premptictl hook add claude` again after upgrading"
            ),
            None => "Claude Code not found (`claude --version` on PATH, ~/.local/bin, ~/.claude/local): entry without \"onFailure\", so a hook that cannot run lets the call through; run `premptictl hook add claude` again once Claude Code 2.1.295 or newer is installed".to_owned(),
        }]
    }

    fn disabled(&self, doc: &Map<String, Value>, _env: &HookEnv) -> Option<String> {
        super::all_hooks_disabled(doc, "Claude Code", "settings.json")
    }

    fn manual_steps(&self) -> Vec<String> {
        vec!["Claude Code picks up the change automatically; in interactive sessions hooks run once the folder's trust dialog is accepted".to_owned()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_the_cli_banner() {
        assert_eq!(
            CliVersion::parse("2.1.329 (Claude Code)\n"),
            Some(CliVersion(2, 1, 329))
        );
        assert_eq!(
            CliVersion::parse("v2.1.295-beta.1"),
            Some(CliVersion(2, 1, 295))
        );
        assert_eq!(CliVersion::parse("Claude Code"), None);
        assert_eq!(CliVersion::parse(""), None);
        assert!(CliVersion(2, 1, 294) < ON_FAILURE_SINCE);
        assert!(CliVersion(2, 2, 0) > ON_FAILURE_SINCE);
    }
}
