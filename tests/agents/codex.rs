//! Codex CLI: the shell cases, and an ask, which Codex cannot express from a `PreToolUse` hook
//! (an `ask` decision marks the hook failed and the command runs): Prempti answers a deny that
//! says so.

use crate::agent::{audit_record, exists, shell_cases, Agent};
use crate::support;

#[test]
fn codex_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Codex);
}

#[test]
fn codex_cli_refuses_a_call_prempti_would_ask_about() {
    let _serial = support::serial();
    let Some(clis) = support::clis() else { return };
    let agent = Agent::Codex;
    let mut world = agent.world();
    let marker = world.marker("asked");
    let command = format!("npm publish && touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "ask", agent.shell(&command));
    let r = turn.result(0);
    assert!(
        !exists(&marker),
        "an ask must not let the command run in Codex:\n{}",
        turn.describe()
    );
    support::assert_contains_all(
        &r.text,
        &[
            "Command blocked by PreToolUse hook",
            "Publish a JavaScript package",
            "Codex cannot ask",
        ],
        &turn.describe(),
    );
    turn.assert_completed();
    let rec = audit_record(agent, &world, &marker.display().to_string());
    assert_eq!(rec["policy_decision"], "ask", "{rec:#}");
}
