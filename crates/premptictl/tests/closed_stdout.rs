//! Every command exits quietly when the reader of its stdout has gone (`premptictl … | head -1`):
//! exit 0 (as `run` maps a broken pipe), no panic, no "Broken pipe" message.
//!
//! The reader is closed before the command starts (a pipe whose read end is already closed), so
//! the very first write fails with EPIPE: no timing is involved.

// Unix only: closes file descriptors of the child with libc.
#![cfg(unix)]

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::json;

mod common;
use common::output_text;

/// A pipe's write end whose read end is already closed.
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(rc, 0, "pipe: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created by `pipe` and are owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        let log = env.path("prempti/log");
        std::fs::create_dir_all(&log).unwrap();
        std::fs::create_dir_all(env.path("home")).unwrap();
        let mut audit = String::new();
        for i in 0..50 {
            audit.push_str(
                &json!({
                    "v": 1, "time": format!("2026-11-21T01:00:{:02}Z", i % 60),
                    "correlation_id": i, "engine": "embedded", "agent": "claude_code",
                    "session_id": "s1", "cwd": "/p", "tool_name": "Bash", "tool_kind": "shell",
                    "tool_use_id": format!("toolu_{i}"), "command": format!("echo {i}"),
                    "file_path": null, "url": null, "mcp_server": null, "mode": "guardrails",
                    "decision": "deny", "policy_decision": "deny", "reason": "R: because",
                    "matched": [{"rule": "R", "priority": "Critical",
                                 "tags": ["coding_agent_deny"], "output": "because"}],
                    "latency_us": 10,
                    "payload": {"session_id": "s1", "cwd": "/p", "hook_event_name": "PreToolUse",
                                "tool_name": "Bash", "tool_input": {"command": format!("echo {i}")}}
                })
                .to_string(),
            );
            audit.push('\n');
        }
        std::fs::write(log.join("audit.jsonl"), audit).unwrap();
        std::fs::write(
            env.path("rules.yaml"),
            "- rule: Deny echo\n  desc: d\n  condition: tool.input_command startswith \"echo \"\n  \
             output: no echo (%tool.input_command)\n  priority: CRITICAL\n  source: coding_agent\n  \
             tags: [coding_agent_deny]\n",
        )
        .unwrap();
        std::fs::write(
            env.path("event.json"),
            json!({"session_id": "s1", "cwd": "/p", "hook_event_name": "PreToolUse",
                   "tool_name": "Bash", "tool_input": {"command": "echo hi"}})
            .to_string(),
        )
        .unwrap();
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_premptictl"));
        cmd.args(args)
            .env("HOME", self.path("home"))
            .env("PREMPTI_HOME", self.path("prempti"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, args: &[String], stdout: Stdio) -> Output {
        self.cmd(args)
            .stdout(stdout)
            .output()
            .expect("run premptictl")
    }
}

fn p(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[test]
fn every_command_exits_quietly_on_a_closed_stdout() {
    let env = Env::new();
    let rules = p(&env.path("rules.yaml"));
    let event = p(&env.path("event.json"));
    let audit = p(&env.path("prempti/log/audit.jsonl"));
    let commands: Vec<Vec<String>> = [
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["version"],
        vec!["version", "--json"],
        vec!["--help"],
        vec!["status"],
        vec!["status", "--json"],
        vec!["hook", "status", "all"],
        vec!["hook", "status", "all", "--json"],
        vec!["logs"],
        vec!["logs", "--json"],
        // Prints the tail first, so the closed stdout ends it instead of following forever.
        vec!["logs", "-f"],
        vec!["audit"],
        vec!["audit", "--json"],
        vec!["audit", "stats"],
        vec!["audit", "stats", "--json"],
        vec!["rules", "validate", &rules],
        vec!["rules", "validate", &rules, "--json"],
        vec!["rules", "eval", "--rules", &rules, "--event", &event],
        vec![
            "rules", "eval", "--rules", &rules, "--event", &event, "--json",
        ],
        vec!["rules", "explain", "--rules", &rules, "--event", &event],
        vec!["rules", "replay", "--rules", &rules, "--audit", &audit],
    ]
    .into_iter()
    .map(|c| c.into_iter().map(str::to_owned).collect())
    .collect();

    for args in &commands {
        // With an open stdout, `logs -f` follows forever: only the closed case runs.
        let follows = args.iter().any(|a| a == "-f");
        let open = if follows {
            env.run(&[String::from("logs")], Stdio::piped())
        } else {
            env.run(args, Stdio::piped())
        };
        assert!(
            !open.stdout.is_empty(),
            "{args:?} prints something: {}",
            output_text(&open)
        );
        let closed = env.run(args, Stdio::from(closed_pipe()));
        let stderr = String::from_utf8_lossy(&closed.stderr);
        // The reader has gone: nobody reads the answer, so there is nothing to report either.
        assert_eq!(
            closed.status.code(),
            Some(0),
            "{args:?} on a closed stdout: {}\nwith an open stdout: {}",
            output_text(&closed),
            output_text(&open)
        );
        assert!(
            !stderr.contains("panicked") && !stderr.to_lowercase().contains("broken pipe"),
            "{args:?} on a closed stdout: {}",
            output_text(&closed)
        );
    }
}
