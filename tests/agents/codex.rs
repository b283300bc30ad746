//! Codex CLI: the shell cases; an `apply_patch` that adds a file in a sensitive place; and an
//! ask, which Codex cannot express from a `PreToolUse` hook (an `ask` decision marks the hook
//! failed and the command runs): Prempti answers a deny that says so.

use prempti_e2e::fake_models::Script;
use serde_json::Value;

use crate::agent::{ask_answered_as_deny, assert_denied_with, exists, shell_cases, Agent, Session};

#[test]
fn codex_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Codex);
}

#[test]
fn codex_cli_refuses_a_call_prempti_would_ask_about() {
    ask_answered_as_deny(
        Agent::Codex,
        &[
            "Command blocked by PreToolUse hook",
            "Publish a JavaScript package",
            "Codex cannot ask",
        ],
    );
}

#[test]
fn codex_cli_denies_an_apply_patch_to_a_sensitive_path() {
    let Some(mut s) = Session::start(Agent::Codex) else {
        return;
    };
    // A patch that adds a key to ~/.ssh/authorized_keys: denied, the file is not created.
    let keys = s.world.home.join(".ssh/authorized_keys");
    let patch = format!(
        "*** Begin Patch\n*** Add File: {}\n+ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIprempti e2e\n*** End Patch\n",
        keys.display()
    );
    let turn = s.run(
        "apply_patch",
        Script::new("apply_patch", Value::String(patch)),
    );
    assert_denied_with(
        s.agent,
        &turn,
        0,
        "Write SSH authorized keys or config",
        "Changing SSH authorized keys or SSH configuration is blocked",
    );
    assert!(
        !exists(&keys),
        "the denied apply_patch created the file:\n{}",
        turn.describe()
    );
    turn.assert_completed();
    let rec = s.audit_record(&keys);
    assert_eq!(rec["decision"], "deny", "{rec:#}");
    assert_eq!(rec["tool_name"], "apply_patch", "{rec:#}");
}

/// Codex has no fail-closed switch: a hook that cannot start is a failed hook and the call
/// proceeds. Recorded so a change in Codex shows up here (and in the README's table).
#[test]
fn codex_runs_the_call_when_the_hook_cannot_start() {
    if let Some(ran) = crate::agent::runs_when_hook_cannot_start(Agent::Codex) {
        assert!(
            ran,
            "Codex now blocks when the hook cannot start: update the README"
        );
    }
}

/// Issue #21, point 5: Codex CLI's `PostToolUse` reports, registered by `premptictl hook add
/// codex --post-tool` (see [`crate::agent::post_tool_catches_a_secret`]).
#[test]
fn codex_cli_post_tool_reports_catch_a_secret_value_sent_later() {
    crate::agent::post_tool_catches_a_secret(Agent::Codex, ".codex/hooks.json");
}
