//! Golden outputs: every agent × verdict × event, callers in another agent's format, and the
//! fail-closed, fail-open and bad-input replies of every agent.

use prempti_protocol::Decision;

use crate::util::{assert_golden, fixture, with_marker, Behaviour, Install};

const VERDICTS: [Decision; 4] = [
    Decision::Allow,
    Decision::Deny,
    Decision::Ask,
    Decision::Defer,
];

/// (golden prefix, agent on the command line, fixture agent dir, fixture file)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "claude/pretooluse",
        "claude",
        "claude",
        "bash-captured-2.1.329.json",
    ),
    (
        "claude/permissionrequest",
        "claude",
        "claude",
        "permission-request-bash.json",
    ),
    (
        "codex/pretooluse",
        "codex",
        "codex",
        "bash-captured-0.169.0.json",
    ),
    (
        "codex/permissionrequest",
        "codex",
        "codex",
        "permission-request-bash.json",
    ),
    (
        "gemini/beforetool",
        "gemini",
        "gemini",
        "run_shell_command-captured-0.61.0.json",
    ),
    (
        "cursor/pretooluse",
        "cursor",
        "cursor",
        "pretooluse-shell.json",
    ),
    (
        "cursor/beforeshellexecution",
        "cursor",
        "cursor",
        "beforeShellExecution.json",
    ),
    (
        "cursor/beforemcpexecution",
        "cursor",
        "cursor",
        "beforeMCPExecution.json",
    ),
    (
        "cursor/beforereadfile",
        "cursor",
        "cursor",
        "beforeReadFile.json",
    ),
    ("copilot/camelcase", "copilot", "copilot", "bash.json"),
    (
        "copilot/pascalcase",
        "copilot",
        "copilot",
        "pascal-bash.json",
    ),
    (
        "qwen/pretooluse",
        "qwen",
        "qwen",
        "shell-captured-0.24.4.json",
    ),
    (
        "opencode/tool-execute-before",
        "opencode",
        "opencode",
        "bash-captured-1.18.33.json",
    ),
    ("droid/pretooluse", "droid", "droid", "execute-shell.json"),
    // Callers in another agent's format: the universal reply.
    (
        "foreign/claude-entry-run-by-cursor",
        "claude",
        "cursor",
        "pretooluse-shell.json",
    ),
    (
        "foreign/claude-entry-run-by-copilot",
        "claude",
        "copilot",
        "pascal-bash.json",
    ),
    (
        "foreign/claude-entry-run-by-gemini",
        "claude",
        "gemini",
        "run_shell_command-captured-0.61.0.json",
    ),
    (
        "foreign/codex-entry-run-by-claude",
        "codex",
        "claude",
        "bash-captured-2.1.329.json",
    ),
];

#[test]
fn every_agent_event_and_verdict() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let mut count = 0;
    for (prefix, agent, dir, file) in CASES {
        for verdict in VERDICTS {
            let payload = with_marker(&fixture(dir, file), verdict);
            let outcome = install.hook(agent).stdin(payload).run();
            assert_golden(&format!("{prefix}-{verdict}"), &outcome.golden_text());
            count += 1;
        }
    }
    assert_eq!(
        broker.requests().len(),
        count,
        "every run reached the broker once"
    );
}

/// The shell payload of each agent, for the per-agent failure goldens.
const SHELL: &[(&str, &str)] = &[
    ("claude", "bash-captured-2.1.329.json"),
    ("codex", "bash-captured-0.169.0.json"),
    ("gemini", "run_shell_command-captured-0.61.0.json"),
    ("cursor", "pretooluse-shell.json"),
    ("copilot", "bash.json"),
    ("qwen", "shell-captured-0.24.4.json"),
    ("opencode", "bash-captured-1.18.33.json"),
    ("droid", "execute-shell.json"),
];

#[test]
fn broker_missing_fails_closed_in_each_format() {
    let install = Install::new();
    for (agent, file) in SHELL {
        let outcome = install.hook(agent).stdin(fixture(agent, file)).run();
        assert_golden(
            &format!("{agent}/failure-broker-missing"),
            &outcome.golden_text(),
        );
    }
}

#[test]
fn broker_missing_with_fail_open_defers_in_each_format() {
    let install = Install::new();
    for (agent, file) in SHELL {
        let outcome = install
            .hook(agent)
            .env("PREMPTI_FAIL_OPEN", "1")
            .stdin(fixture(agent, file))
            .run();
        assert_golden(
            &format!("{agent}/failure-broker-missing-fail-open"),
            &outcome.golden_text(),
        );
    }
}

#[test]
fn bad_input_is_blocked_in_each_format() {
    let install = Install::new();
    for (agent, _) in SHELL {
        let outcome = install.hook(agent).stdin("not json").run();
        assert_golden(&format!("{agent}/bad-input"), &outcome.golden_text());
    }
}
