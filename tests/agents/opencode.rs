//! OpenCode, offline (its `anthropic` provider pointed at a scripted model server), protected
//! by the plugin `premptictl hook add opencode` writes: the shell cases; a file write the rules
//! deny; and, since the plugin throws when the hook cannot run, a blocked call when the hook
//! binary is not executable.

use std::fs;

use prempti_e2e::fake_models::Script;
use serde_json::json;

use crate::agent::{assert_denied_with, exists, shell_cases, Agent, Session};

#[test]
fn opencode_enforces_prempti_verdicts_on_shell_calls() {
    shell_cases(Agent::OpenCode);
}

#[test]
fn opencode_enforces_prempti_verdicts_on_file_tools() {
    let Some(mut s) = Session::start(Agent::OpenCode) else {
        return;
    };
    s.world.capture_hook_input();
    let keys = s.world.home.join(".ssh/authorized_keys");
    let notes = s.world.project.join("notes.txt");
    fs::write(&notes, "status: draft\n").unwrap();
    let turn = s.run(
        "file-tools",
        Script::new("read", json!({"filePath": notes}))
            .then(
                "write",
                json!({"filePath": keys, "content": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIprempti e2e\n"}),
            )
            .then(
                "edit",
                json!({"filePath": notes, "oldString": "status: draft", "newString": "status: final"}),
            )
            .then(
                "bash",
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
    assert!(!exists(&keys), "the denied write ran:\n{}", turn.describe());
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
    assert_eq!(rec["tool_name"], "write", "{rec:#}");

    // What the hook received from Prempti's plugin.
    let inputs = s.world.captured();
    let tools: Vec<&str> = inputs
        .iter()
        .filter_map(|i| i["tool_name"].as_str())
        .collect();
    assert_eq!(tools, ["read", "write", "edit", "bash"], "{inputs:#?}");
    for (input, name) in inputs.iter().zip(["read", "write", "edit", "bash"]) {
        assert_eq!(input["hook_event_name"], "tool.execute.before", "{input:#}");
        assert!(
            input["session_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("ses_")),
            "{input:#}"
        );
        assert!(input["tool_use_id"].is_string(), "{input:#}");
        assert!(input["cwd"].is_string(), "{input:#}");
        s.world
            .save_captured(&format!("{name}-captured-1.18.33"), input);
    }
}

/// The plugin throws when the hook cannot start, so OpenCode fails closed.
#[test]
fn opencode_blocks_when_the_hook_cannot_start() {
    if let Some(ran) = crate::agent::runs_when_hook_cannot_start(Agent::OpenCode) {
        assert!(
            !ran,
            "OpenCode ran the call although the hook could not start"
        );
    }
}
