//! Qwen Code, offline (`--auth-type anthropic` against a scripted model server): the shell
//! cases; file tools (a read runs, a write the rules deny does not, an edit of the file read
//! runs), whose hook
//! inputs are the captured payloads in `tests/fixtures/payloads/qwen/`; an ask, which a
//! non-interactive run refuses; and what happens when the hook cannot start.

use std::fs;

use prempti_e2e::fake_models::Script;
use serde_json::json;

use crate::agent::{assert_denied_with, exists, refused_ask, shell_cases, Agent, Session};

#[test]
fn qwen_code_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::Qwen);
}

#[test]
fn qwen_code_enforces_prempti_verdicts_on_file_tools() {
    let Some(mut s) = Session::start(Agent::Qwen) else {
        return;
    };
    s.world.capture_hook_input();
    let keys = s.world.home.join(".ssh/authorized_keys");
    let notes = s.world.project.join("notes.txt");
    fs::write(&notes, "status: draft\n").unwrap();
    let turn = s.run(
        "file-tools",
        // Qwen Code edits only files read earlier in the session.
        Script::new("read_file", json!({"file_path": notes}))
            .then(
                "write_file",
                json!({"file_path": keys, "content": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIprempti e2e\n"}),
            )
            .then(
                "edit",
                json!({"file_path": notes, "old_string": "status: draft", "new_string": "status: final"}),
            )
            .then(
                "run_shell_command",
                json!({"command": "ls", "description": "List the project"}),
            ),
    );
    let read = turn.result(0);
    assert!(
        read.text.contains("status: draft"),
        "the read should run:\n{}",
        turn.describe()
    );
    assert_denied_with(
        s.agent,
        &turn,
        1,
        "Write SSH authorized keys or config",
        "Changing SSH authorized keys or SSH configuration is blocked",
    );
    assert!(
        !exists(&keys),
        "the denied write_file ran:\n{}",
        turn.describe()
    );
    let _ = turn.result(2);
    assert_eq!(
        fs::read_to_string(&notes).unwrap(),
        "status: final\n",
        "the allowed edit did not run:\n{}",
        turn.describe()
    );
    let _ = turn.result(3);
    turn.assert_completed();

    let rec = s.audit_record(&keys);
    assert_eq!(rec["decision"], "deny", "{rec:#}");
    assert_eq!(rec["tool_name"], "write_file", "{rec:#}");
    let notes_recs = s.world.audit_for(&notes.display().to_string());
    let decisions: Vec<(&str, &str)> = notes_recs
        .iter()
        .map(|r| {
            (
                r["tool_name"].as_str().unwrap_or(""),
                r["decision"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        decisions,
        [("read_file", "allow"), ("edit", "allow")],
        "{notes_recs:#?}"
    );

    // What the hook received: Claude Code's envelope with Qwen Code's tool names.
    let inputs = s.world.captured();
    let tools: Vec<&str> = inputs
        .iter()
        .filter_map(|i| i["tool_name"].as_str())
        .collect();
    assert_eq!(
        tools,
        ["read_file", "write_file", "edit", "run_shell_command"],
        "{inputs:#?}"
    );
    for (input, name) in inputs.iter().zip(["read", "write", "edit", "shell"]) {
        assert_eq!(input["hook_event_name"], "PreToolUse", "{input:#}");
        assert!(input["session_id"].is_string(), "{input:#}");
        assert!(input["timestamp"].is_string(), "{input:#}");
        assert!(input["tool_use_id"].is_string(), "{input:#}");
        assert!(input["tool_input"].is_object(), "{input:#}");
        s.world
            .save_captured(&format!("{name}-captured-0.24.4"), input);
    }
}

/// Qwen Code turns a hook's ask into its confirmation; a non-interactive run cannot confirm, so
/// the call is refused and the model gets Prempti's reason.
#[test]
fn qwen_code_refuses_a_call_prempti_would_ask_about() {
    let Some(mut s) = Session::start(Agent::Qwen) else {
        return;
    };
    let rec = refused_ask(&mut s, &["Publish a JavaScript package"]);
    assert_eq!(rec["decision"], "ask", "{rec:#}");
}

/// Qwen Code 0.24.4 treats a hook that cannot start as a non-blocking error and runs the call;
/// it has no fail-closed switch. Recorded so a change shows up here (and in the README's table).
#[test]
fn qwen_code_runs_the_call_when_the_hook_cannot_start() {
    if let Some(ran) = crate::agent::runs_when_hook_cannot_start(Agent::Qwen) {
        assert!(
            ran,
            "Qwen Code now blocks when the hook cannot start: update the README"
        );
    }
}
