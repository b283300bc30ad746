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
        &[
            "Tool execution blocked",
            "Publish a JavaScript package",
            "Publishing a package needs the user's confirmation",
        ],
    );
}
