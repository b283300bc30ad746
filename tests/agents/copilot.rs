//! GitHub Copilot CLI, offline (`COPILOT_OFFLINE=true`) against a scripted model server as its
//! bring-your-own-key provider: the shell cases.

use crate::agent::{shell_cases, Agent};

#[test]
fn copilot_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Copilot);
}

/// Copilot CLI 1.0.102 runs the call when the hook cannot start (observed here, although
/// GitHub's hooks reference says a non-zero exit denies) and has no fail-closed switch.
/// Recorded so a change shows up here (and in the README's table).
#[test]
fn copilot_cli_runs_the_call_when_the_hook_cannot_start() {
    if let Some(ran) = crate::agent::runs_when_hook_cannot_start(Agent::Copilot) {
        assert!(
            ran,
            "Copilot CLI now blocks when the hook cannot start: update the README"
        );
    }
}

/// Issue #21, point 5: Copilot CLI's `postToolUse` reports, registered by `premptictl hook add
/// copilot --post-tool` (see [`crate::agent::post_tool_catches_a_secret`]).
#[test]
fn copilot_cli_post_tool_reports_catch_a_secret_value_sent_later() {
    crate::agent::post_tool_catches_a_secret(Agent::Copilot, ".copilot/hooks/prempti.json");
}
