//! Gemini CLI: the shell cases, and an ask. Gemini's own `"ask"` waits forever for an answer in a
//! `-p` run, so Prempti answers a deny that says the rules wanted a confirmation; the run must
//! end within its bound and the command must not run.

use crate::agent::{ask_answered_as_deny, shell_cases, Agent};

#[test]
fn gemini_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Gemini);
}

#[test]
fn gemini_cli_refuses_a_call_prempti_would_ask_about() {
    ask_answered_as_deny(
        Agent::Gemini,
        &["Tool execution blocked", "Publish a JavaScript package"],
    );
}

/// Gemini CLI has no fail-closed switch, but treats an exit code other than 0, 1 and 2 as a
/// block: a hook binary that cannot be executed (bash exits 126) blocks the call.
#[test]
fn gemini_cli_blocks_when_the_hook_cannot_start() {
    if let Some(ran) = crate::agent::runs_when_hook_cannot_start(Agent::Gemini) {
        assert!(
            !ran,
            "Gemini CLI ran the call although the hook could not start"
        );
    }
}

/// Issue #21, point 5: Gemini CLI's `AfterTool` reports, registered by `premptictl hook add
/// gemini --post-tool` (see [`crate::agent::post_tool_catches_a_secret`]).
#[test]
fn gemini_cli_post_tool_reports_catch_a_secret_value_sent_later() {
    crate::agent::post_tool_catches_a_secret(Agent::Gemini, ".gemini/settings.json");
}
