//! Gemini CLI.

use crate::agent::{shell_cases, Agent};

#[test]
fn gemini_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Gemini);
}
