//! Claude Code.

use crate::agent::{shell_cases, Agent};

#[test]
fn claude_code_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Claude);
}
