//! GitHub Copilot CLI, offline (`COPILOT_OFFLINE=true`) against a scripted model server as its
//! bring-your-own-key provider: the shell cases.

use crate::agent::{shell_cases, Agent};

#[test]
fn copilot_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Copilot);
}
