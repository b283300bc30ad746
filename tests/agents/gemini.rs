//! Gemini CLI: the shell cases, and an ask. Gemini's own `"ask"` waits forever for an answer in a
//! `-p` run, so Prempti answers a deny that says the rules wanted a confirmation; the run must
//! end within its bound and the command must not run.

use crate::agent::{audit_record, exists, shell_cases, Agent};
use crate::support;

#[test]
fn gemini_cli_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Gemini);
}

#[test]
fn gemini_cli_refuses_a_call_prempti_would_ask_about() {
    let _serial = support::serial();
    let Some(clis) = support::clis() else { return };
    let agent = Agent::Gemini;
    let mut world = agent.world();
    let marker = world.marker("asked");
    let command = format!("npm publish && touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "ask", agent.shell(&command));
    let r = turn.result(0);
    assert!(
        !exists(&marker),
        "an ask must not let the command run in Gemini CLI:\n{}",
        turn.describe()
    );
    assert_eq!(r.is_error, Some(true), "{}", turn.describe());
    support::assert_contains_all(
        &r.text,
        &[
            "Tool execution blocked",
            "Publish a JavaScript package",
            "Publishing a package needs the user's confirmation",
        ],
        &turn.describe(),
    );
    turn.assert_completed();
    let rec = audit_record(agent, &world, &marker.display().to_string());
    assert_eq!(rec["policy_decision"], "ask", "{rec:#}");
}
