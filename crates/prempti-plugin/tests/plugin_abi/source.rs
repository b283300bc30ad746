//! The source half through the ABI: a hook request on the broker socket becomes plugin
//! events from `next_batch`; Falco-style alerts on the intake become the hook's verdict and
//! an audit record.
#![cfg(unix)]

use falco_plugin_runner::ExtractedField;
use prempti_protocol::{Agent, Decision};
use serde_json::json;

use crate::harness::{extract, hook_call, next_event, post_alert, Setup};

const SEEN: &str = "Coding agent tool call seen";

fn correlation_id(
    runner: &mut falco_plugin_runner::CapturingPluginRunner,
    ev: &falco_plugin_runner::Event,
) -> u64 {
    match extract(runner, ev, "correlation.id") {
        ExtractedField::U64(id) => id,
        other => panic!("correlation.id is {other:?}"),
    }
}

fn string(
    runner: &mut falco_plugin_runner::CapturingPluginRunner,
    ev: &falco_plugin_runner::Event,
    field: &str,
) -> String {
    match extract(runner, ev, field) {
        ExtractedField::String(s) => s.into_string().unwrap(),
        other => panic!("{field} is {other:?}"),
    }
}

#[test]
fn hook_request_to_verdict_and_audit() {
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let payload = json!({"session_id": "s1", "cwd": "/w", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "rm -rf /"}, "tool_use_id": "toolu_9"})
    .to_string();
    let client = hook_call(&setup.socket, Agent::ClaudeCode, &payload);

    let ev = next_event(&mut runner);
    let id = correlation_id(&mut runner, &ev);
    assert_eq!(string(&mut runner, &ev, "agent.name"), "claude_code");
    assert_eq!(string(&mut runner, &ev, "tool.input_command"), "rm -rf /");
    assert!(matches!(
        extract(&mut runner, &ev, "agent.pid"),
        ExtractedField::U64(4242)
    ));

    // Falco's alerts: the deny rule, then the seen rule (loaded last).
    assert_eq!(
        post_alert(
            &setup,
            id,
            "Deny recursive delete",
            &["coding_agent_deny", "fs"],
            "rm -rf / is not allowed"
        ),
        200
    );
    assert_eq!(
        post_alert(&setup, id, SEEN, &["coding_agent_seen"], "seen"),
        200
    );

    let response = client.join().unwrap();
    assert_eq!(response.correlation_id, id);
    assert_eq!(response.decision, Decision::Deny);
    assert_eq!(
        response.reason,
        "Deny recursive delete: rm -rf / is not allowed"
    );

    let audit = setup.audit_lines();
    assert_eq!(audit.len(), 1, "{audit:?}");
    let record = &audit[0];
    assert_eq!(record["correlation_id"], id);
    assert_eq!(record["engine"], "falco");
    assert_eq!(record["agent"], "claude_code");
    assert_eq!(record["decision"], "deny");
    assert_eq!(record["tool_name"], "Bash");
    assert_eq!(record["tool_kind"], "shell");
    assert_eq!(record["command"], "rm -rf /");
    assert_eq!(record["session_id"], "s1");
    assert_eq!(record["payload"]["tool_use_id"], "toolu_9");
    assert_eq!(record["matched"].as_array().unwrap().len(), 1);
}

#[test]
fn no_rule_means_the_default_action() {
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(r#""default_action":"defer""#));
    let client = hook_call(
        &setup.socket,
        Agent::GeminiCli,
        r#"{"tool_name":"read_file","tool_input":{"file_path":"/w/a"}}"#,
    );
    let ev = next_event(&mut runner);
    let id = correlation_id(&mut runner, &ev);
    assert_eq!(string(&mut runner, &ev, "tool.kind"), "read");
    assert_eq!(
        post_alert(&setup, id, "Informational", &["audit_only"], "read"),
        200
    );
    assert_eq!(
        post_alert(&setup, id, SEEN, &["coding_agent_seen"], "seen"),
        200
    );
    let response = client.join().unwrap();
    assert_eq!(response.decision, Decision::Defer);
}

#[test]
fn apply_patch_is_answered_after_every_file_was_seen() {
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-a\n+b\n*** Add File: .github/workflows/ci.yml\n+on: push\n*** End Patch";
    let payload = json!({"cwd": "/w", "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
        "tool_input": {"command": patch}})
    .to_string();
    let client = hook_call(&setup.socket, Agent::Codex, &payload);

    let first = next_event(&mut runner);
    let second = next_event(&mut runner);
    let id = correlation_id(&mut runner, &first);
    assert_eq!(
        correlation_id(&mut runner, &second),
        id,
        "one call, one correlation id"
    );
    assert_eq!(string(&mut runner, &first, "tool.file_path"), "src/lib.rs");
    assert_eq!(string(&mut runner, &first, "tool.patch_op"), "update");
    assert_eq!(
        string(&mut runner, &second, "tool.file_path"),
        ".github/workflows/ci.yml"
    );
    assert_eq!(
        string(&mut runner, &second, "tool.real_file_path"),
        "/w/.github/workflows/ci.yml"
    );
    assert_eq!(string(&mut runner, &second, "tool.content"), "on: push\n");

    // The first file's evaluation completes with no vote; the call is not answered yet, or the
    // ask on the second file could not escalate it.
    assert_eq!(
        post_alert(&setup, id, SEEN, &["coding_agent_seen"], "seen"),
        200
    );
    assert_eq!(
        post_alert(
            &setup,
            id,
            "Workflow change",
            &["coding_agent_ask"],
            "CI workflow edited"
        ),
        200
    );
    assert_eq!(
        post_alert(&setup, id, SEEN, &["coding_agent_seen"], "seen"),
        200
    );
    let response = client.join().unwrap();
    assert_eq!(response.decision, Decision::Ask);
    assert_eq!(response.reason, "Workflow change: CI workflow edited");
    let audit = setup.audit_lines();
    assert_eq!(audit.len(), 1, "one audit record per call: {audit:?}");
    assert_eq!(audit[0]["decision"], "ask");
    // The record names every file the patch touches, the first as its file_path.
    assert_eq!(audit[0]["file_path"], "src/lib.rs");
    assert_eq!(
        audit[0]["files"],
        json!(["src/lib.rs", ".github/workflows/ci.yml"])
    );
}

#[test]
fn invalid_payload_is_denied_without_an_event() {
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(r#""mode":"monitor""#));
    let client = hook_call(
        &setup.socket,
        Agent::ClaudeCode,
        r#"{"tool_input":{"command":"ls"}}"#,
    );
    for _ in 0..400 {
        if client.is_finished() {
            break;
        }
        let err = runner
            .next_event()
            .expect_err("an invalid payload produces no event");
        assert!(err
            .downcast_ref::<falco_plugin_runner::ScapStatus>()
            .is_some_and(|s| matches!(s, falco_plugin_runner::ScapStatus::Timeout)));
    }
    let response = client.join().unwrap();
    assert_eq!(
        response.decision,
        Decision::Deny,
        "bad input is denied even in monitor mode"
    );
    assert_eq!(
        response.reason,
        "Prempti: hook payload from claude_code names no tool (expected a string `tool_name`)"
    );
    let audit = setup.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["decision"], "deny");
    assert_eq!(audit[0]["payload"]["tool_input"]["command"], "ls");
}
