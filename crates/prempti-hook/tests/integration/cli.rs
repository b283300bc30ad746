//! Arguments, help, version and the panic handler of the real binary.

use crate::util::{fixture, Install};

#[test]
fn help_and_version() {
    let install = Install::new();
    for flag in ["--help", "-h"] {
        let outcome = install.hook(flag).run();
        assert_eq!(outcome.code, 0);
        assert!(
            outcome
                .stdout
                .starts_with("prempti-hook: Prempti's pre-tool hook"),
            "{outcome:?}"
        );
        assert!(outcome.stdout.contains("PREMPTI_TIMEOUT_MS"));
    }
    let outcome = install.hook("--version").run();
    assert_eq!(outcome.code, 0);
    assert_eq!(
        outcome.stdout,
        format!("prempti-hook {} (protocol 1)\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_agent_blocks_after_consuming_stdin() {
    let install = Install::new();
    let outcome = install.hook("vim").stdin(vec![b' '; 256 * 1024]).run();
    assert_eq!(outcome.code, 2);
    assert_eq!(outcome.stdout, "");
    assert!(
        outcome.stderr.contains("unknown agent 'vim'"),
        "{outcome:?}"
    );
    assert!(outcome.stdin_consumed);
}

#[test]
fn field_names_are_accepted_as_agent_names() {
    let install = Install::new();
    let outcome = install
        .hook("claude_code")
        .stdin(fixture("claude", "read.json"))
        .run();
    assert!(
        outcome.stdout.contains("\"permissionDecision\":\"deny\""),
        "{outcome:?}"
    );
}

#[test]
fn a_panic_blocks_the_call() {
    let install = Install::new();
    for agent in ["claude", "codex", "gemini", "cursor", "copilot"] {
        let outcome = install
            .hook(agent)
            .env("PREMPTI_HOOK_TEST_PANIC", "1")
            .stdin(fixture("claude", "bash-captured-2.1.329.json"))
            .run();
        assert_eq!(outcome.code, 2, "{outcome:?}");
        assert_eq!(outcome.stdout, "");
        assert!(
            outcome
                .stderr
                .starts_with("Prempti blocked this tool call: prempti-hook failed unexpectedly"),
            "{outcome:?}"
        );
        assert!(
            outcome
                .stderr
                .contains(&format!("`premptictl hook remove {agent}`")),
            "{outcome:?}"
        );
    }
}
