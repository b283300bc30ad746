//! Unusable stdin is blocked with exit 2 and the reason on stderr, never forwarded, and never
//! let through — not even with `PREMPTI_FAIL_OPEN=1`.

use crate::util::{Behaviour, Install, Outcome};

const AGENTS: [&str; 5] = ["claude", "codex", "gemini", "cursor", "copilot"];

fn assert_blocked(outcome: &Outcome, needle: &str) {
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(outcome.stdout, "", "{outcome:?}");
    assert!(
        outcome
            .stderr
            .starts_with("Prempti blocked this tool call: the hook input could not be used"),
        "{outcome:?}"
    );
    assert!(
        outcome.stderr.contains(needle),
        "stderr {:?} lacks {needle:?}",
        outcome.stderr
    );
}

fn case(stdin: impl Into<Vec<u8>>, needle: &str) {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let stdin = stdin.into();
    for agent in AGENTS {
        for fail_open in ["0", "1"] {
            let outcome = install
                .hook(agent)
                .env("PREMPTI_FAIL_OPEN", fail_open)
                .stdin(stdin.clone())
                .run();
            assert_blocked(&outcome, needle);
            assert!(outcome.stdin_consumed, "{agent}: stdin read to the end");
        }
    }
    assert!(
        broker.requests().is_empty(),
        "bad input never reaches the broker"
    );
}

#[test]
fn empty_stdin() {
    case("", "stdin was empty");
    case(" \n\t ", "stdin was empty");
}

#[test]
fn invalid_json() {
    case("{\"tool_name\": ", "stdin is not valid JSON");
}

#[test]
fn json_that_is_not_an_object() {
    case(
        "[{\"tool_name\":\"Bash\"}]",
        "stdin holds a JSON array, not an object",
    );
    case("\"Bash\"", "stdin holds a JSON string, not an object");
}

#[test]
fn non_utf8() {
    case(
        b"{\"tool_name\":\"\xff\xfe\"}".to_vec(),
        "stdin is not valid UTF-8",
    );
}

#[test]
fn deeply_nested_json_does_not_crash() {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(50_000), "]".repeat(50_000));
    case(deep, "stdin is not valid JSON");
}

#[test]
fn oversized_stdin_is_consumed_then_blocked() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let big = format!(
        "{{\"tool_name\":\"Bash\",\"tool_input\":{{\"command\":\"{}\"}}}}",
        "x".repeat(1024 * 1024)
    );
    let outcome = install
        .hook("claude")
        .env("PREMPTI_INPUT_MAX_BYTES", "4096")
        .stdin(big)
        .run();
    assert_blocked(&outcome, "stdin is larger than 4096 bytes");
    assert!(
        outcome.stdin_consumed,
        "the hook read all of stdin before answering"
    );
    assert!(broker.requests().is_empty());
}

#[test]
fn missing_fields_and_unsupported_events() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Script);
    let cases: &[(&str, &str, &str)] = &[
        (
            "claude",
            r#"{"hook_event_name":"PreToolUse","tool_input":{}}"#,
            "field `tool_name` is missing",
        ),
        (
            "claude",
            r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":"ls"}"#,
            "field `tool_input` is missing or is not an object",
        ),
        (
            "claude",
            r#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{}}"#,
            "hook event `PostToolUse` is not one Prempti gates",
        ),
        (
            "codex",
            r#"{"hook_event_name":"Stop","turn_id":"t"}"#,
            "hook event `Stop`",
        ),
        (
            "gemini",
            r#"{"hook_event_name":"AfterTool","tool_name":"x","tool_input":{}}"#,
            "hook event `AfterTool`",
        ),
        (
            "cursor",
            r#"{"hook_event_name":"afterFileEdit","cursor_version":"2"}"#,
            "hook event `afterFileEdit`",
        ),
        (
            "cursor",
            r#"{"hook_event_name":"beforeShellExecution","cursor_version":"2"}"#,
            "field `command`",
        ),
        ("copilot", r#"{"toolName":"bash"}"#, "field `toolArgs`"),
        (
            "copilot",
            r#"{"toolName":"","toolArgs":{}}"#,
            "field `toolName` is missing or is not a non-empty string",
        ),
    ];
    for (agent, payload, needle) in cases {
        let outcome = install.hook(agent).stdin(*payload).run();
        assert_blocked(&outcome, needle);
        assert!(
            outcome
                .stderr
                .contains(&format!("`premptictl hook remove {agent}`")),
            "{outcome:?}"
        );
    }
}
