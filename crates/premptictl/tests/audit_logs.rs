//! `premptictl logs` and `premptictl audit` over generated audit files (every verdict, a
//! monitor-mode would-deny, rotations, a torn last line), driven through the real binary.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn record(
    time: &str,
    session: &str,
    agent: &str,
    decision: &str,
    policy: &str,
    mode: &str,
    rule: Option<&str>,
) -> String {
    let matched = match rule {
        Some(r) => {
            json!([{"rule": r, "priority": "Critical", "tags": ["coding_agent_deny"], "output": "x"}])
        }
        None => json!([]),
    };
    json!({
        "v": 1, "time": time, "correlation_id": 1, "engine": "embedded", "agent": agent,
        "session_id": session, "cwd": "/p", "tool_name": "Bash", "tool_kind": "shell",
        "tool_use_id": "toolu_1", "command": format!("echo {decision}-{session}"), "file_path": null,
        "url": null, "mcp_server": null, "mode": mode, "decision": decision,
        "policy_decision": policy, "reason": rule.map(|r| format!("{r}: because")).unwrap_or_default(),
        "matched": matched, "latency_us": 10, "future_key": {"ignored": true}
    })
    .to_string()
}

struct Env {
    _dir: tempfile::TempDir,
    prempti: PathBuf,
}

impl Env {
    /// Oldest calls in `audit.jsonl.2`, then `.1`, newest in `audit.jsonl` (with a torn tail).
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let prempti = dir.path().join("prempti");
        let log = prempti.join("log");
        fs::create_dir_all(&log).unwrap();
        let older = [
            record(
                "2026-11-20T10:00:00Z",
                "sessAAAA1111",
                "claude_code",
                "allow",
                "allow",
                "guardrails",
                None,
            ),
            record(
                "2026-11-20T10:01:00Z",
                "sessAAAA1111",
                "claude_code",
                "deny",
                "deny",
                "guardrails",
                Some("Pipe to shell"),
            ),
        ];
        let middle = [
            record(
                "2026-11-20T11:00:00Z",
                "sessAAAA1111",
                "claude_code",
                "ask",
                "ask",
                "guardrails",
                Some("Ask on push"),
            ),
            "not json at all".to_owned(),
            record(
                "2026-11-20T11:05:00Z",
                "sessBBBB2222",
                "codex",
                "defer",
                "defer",
                "guardrails",
                None,
            ),
        ];
        let newest = [
            record(
                "2026-11-21T09:00:00Z",
                "sessBBBB2222",
                "codex",
                "allow",
                "deny",
                "monitor",
                Some("Pipe to shell"),
            ),
            record(
                "2026-11-21T09:30:00Z",
                "sessCCCC3333",
                "gemini_cli",
                "deny",
                "deny",
                "guardrails",
                Some("Pipe to shell"),
            ),
        ];
        fs::write(log.join("audit.jsonl.2"), older.join("\n") + "\n").unwrap();
        fs::write(log.join("audit.jsonl.1"), middle.join("\n") + "\n").unwrap();
        fs::write(
            log.join("audit.jsonl"),
            newest.join("\n") + "\n{\"v\":1,\"time\":\"2026-11-21T09:",
        )
        .unwrap();
        Env { _dir: dir, prempti }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_premptictl"));
        cmd.args(args)
            .env("HOME", self.prempti.parent().unwrap())
            .env("PREMPTI_HOME", &self.prempti)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn stdout(&self, args: &[&str]) -> String {
        String::from_utf8(self.run(args).stdout).unwrap()
    }

    fn audit_log(&self) -> PathBuf {
        self.prempti.join("log/audit.jsonl")
    }
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn decisions(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|v| v["decision"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn audit_reads_rotations_in_order_and_skips_garbage() {
    let env = Env::new();
    let out = env.run(&["audit", "--json"]);
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        decisions(&lines),
        ["allow", "deny", "ask", "defer", "allow", "deny"]
    );
    assert_eq!(
        lines[4]["future_key"]["ignored"], true,
        "raw lines are printed unchanged"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("skipped 2 unreadable line(s)"), "{stderr}");
}

#[test]
fn audit_filters_combine() {
    let env = Env::new();
    let get = |args: &[&str]| {
        let mut all = vec!["audit", "--json"];
        all.extend_from_slice(args);
        json_lines(&env.stdout(&all))
    };
    assert_eq!(decisions(&get(&["--verdict", "deny"])), ["deny", "deny"]);
    assert_eq!(get(&["--verdict", "would-deny"]).len(), 1);
    assert_eq!(get(&["--verdict", "would-deny"])[0]["mode"], "monitor");
    assert_eq!(
        decisions(&get(&["--session", "sessBBBB"])),
        ["defer", "allow"]
    );
    assert_eq!(
        decisions(&get(&["--rule", "Pipe to shell"])),
        ["deny", "allow", "deny"]
    );
    assert_eq!(
        decisions(&get(&[
            "--rule",
            "Pipe to shell",
            "--session",
            "sessAAAA1111"
        ])),
        ["deny"]
    );
    assert_eq!(
        decisions(&get(&["--since", "2026-11-21T00:00:00Z"])),
        ["allow", "deny"]
    );
    assert_eq!(
        decisions(&get(&[
            "--since",
            "2026-11-20T11:00:00Z",
            "--verdict",
            "deny"
        ])),
        ["deny"]
    );
    // A duration ago counts back from the clock: compare with the records' own times.
    let cutoff = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let all = get(&[]);
    let expected = all
        .iter()
        .filter(|r| {
            r["time"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
                >= cutoff
        })
        .count();
    assert_eq!(get(&["--since", "1h"]).len(), expected);
    assert_eq!(get(&["--since", "36500d"]).len(), all.len());

    let bad = env
        .cmd(&["audit", "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("30m"),
        "error says what is accepted"
    );
    let bad = env.cmd(&["audit", "--verdict", "block"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn audit_stats_counts_everything() {
    let env = Env::new();
    let stats: Value = serde_json::from_str(&env.stdout(&["audit", "stats", "--json"])).unwrap();
    assert_eq!(stats["calls"], 6);
    assert_eq!(stats["allow"], 2);
    assert_eq!(stats["deny"], 2);
    assert_eq!(stats["ask"], 1);
    assert_eq!(stats["defer"], 1);
    assert_eq!(stats["would_deny"], 1);
    assert_eq!(stats["skipped_lines"], 2);
    assert_eq!(
        stats["top_rules"][0],
        json!({"rule": "Pipe to shell", "calls": 3})
    );
    assert_eq!(
        stats["top_rules"][1],
        json!({"rule": "Ask on push", "calls": 1})
    );
    assert_eq!(stats["agents"]["claude_code"]["calls"], 3);
    assert_eq!(stats["agents"]["codex"]["would_deny"], 1);
    assert_eq!(stats["agents"]["gemini_cli"]["deny"], 1);
    let sessions = stats["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["session_id"], "sessAAAA1111");
    assert_eq!(sessions[0]["calls"], 3);
    assert_eq!(sessions[0]["first"], "2026-11-20T10:00:00Z");
    assert_eq!(sessions[0]["last"], "2026-11-20T11:00:00Z");

    let filtered: Value = serde_json::from_str(&env.stdout(&[
        "audit",
        "stats",
        "--json",
        "--session",
        "sessBBBB2222",
    ]))
    .unwrap();
    assert_eq!(filtered["calls"], 2);

    let text = env.stdout(&["audit", "stats"]);
    assert!(
        text.contains("6 calls: 2 allow, 2 deny, 1 ask, 1 defer (would deny 1, would ask 0)"),
        "{text}"
    );
    assert!(text.contains("Pipe to shell"), "{text}");
}

#[test]
fn logs_tail_show_and_pretty_blocks() {
    let env = Env::new();
    let out = env.stdout(&["logs", "--tail", "3", "--json"]);
    assert_eq!(decisions(&json_lines(&out)), ["defer", "allow", "deny"]);
    let out = env.stdout(&["logs", "--tail", "2", "--show", "deny,ask", "--json"]);
    assert_eq!(decisions(&json_lines(&out)), ["ask", "deny"]);

    let pretty = env.stdout(&["logs", "--tail", "2"]);
    assert!(
        pretty.contains("✓ allow  2026-11-21 09:00:00  codex  Bash  (would deny)"),
        "{pretty}"
    );
    assert!(
        pretty.contains("✗ deny   2026-11-21 09:30:00  gemini_cli  Bash"),
        "{pretty}"
    );
    assert!(pretty.contains("    echo deny-sessCCCC3333"), "{pretty}");
    assert!(pretty.contains("rule    Pipe to shell"), "{pretty}");
    assert!(
        pretty.contains("reason  Pipe to shell: because"),
        "{pretty}"
    );
    assert!(
        pretty.contains("session sessBBBB  mode monitor"),
        "{pretty}"
    );
    assert!(!pretty.contains('\x1b'), "NO_COLOR is respected");

    let colored = String::from_utf8(
        env.cmd(&["--color", "always", "logs", "--tail", "1"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        colored.contains("\x1b[31m"),
        "deny is red when colour is forced: {colored:?}"
    );
}

#[test]
fn logs_with_no_audit_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_premptictl"))
        .args(["logs"])
        .env("HOME", dir.path())
        .env("PREMPTI_HOME", dir.path().join("p"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no calls yet"));
}

fn append(path: &Path, text: &str) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Waits (bounded) for a line containing `needle` from the follower's output.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.contains(needle) => return true,
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return false,
        }
    }
    false
}

#[test]
fn logs_follow_shows_appended_lines_across_rotation() {
    let env = Env::new();
    let mut child = env
        .cmd(&["logs", "-f", "--tail", "1", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    assert!(wait_for(&rx, "sessCCCC3333"), "the tail is printed first");

    let log = env.audit_log();
    let writer_log = log.clone();
    std::thread::spawn(move || {
        // Complete the torn line's slot with a fresh line, then rotate and write to a new file.
        append(&writer_log, "\n");
        append(
            &writer_log,
            &(record(
                "2026-11-21T10:00:00Z",
                "sessFOLLOW01",
                "cursor",
                "ask",
                "ask",
                "guardrails",
                None,
            ) + "\n"),
        );
    })
    .join()
    .unwrap();
    assert!(wait_for(&rx, "sessFOLLOW01"), "an appended line appears");

    fs::rename(&log, log.with_file_name("audit.jsonl.0")).unwrap();
    std::thread::spawn(move || {
        append(
            &log,
            &(record(
                "2026-11-21T10:05:00Z",
                "sessROTATED1",
                "copilot",
                "deny",
                "deny",
                "guardrails",
                None,
            ) + "\n"),
        );
    })
    .join()
    .unwrap();
    assert!(
        wait_for(&rx, "sessROTATED1"),
        "a line in the new file after rotation appears"
    );

    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
}

/// A call of `premptictl health`: marked `"health":true`, or (written before the mark existed)
/// recognized by its session and file.
fn health_record(time: &str, marked: bool) -> String {
    let mut v = json!({
        "v": 1, "time": time, "correlation_id": 9, "engine": "embedded", "agent": "claude_code",
        "session_id": "prempti-health", "cwd": "/p", "tool_name": "Read", "tool_kind": "read",
        "tool_use_id": "prempti-health-42", "command": null,
        "file_path": "/p/prempti-health-check.txt", "url": null, "mcp_server": null,
        "mode": "guardrails", "decision": "defer", "policy_decision": "defer", "reason": "",
        "matched": [], "latency_us": 10
    });
    if marked {
        v["health"] = json!(true);
    }
    v.to_string()
}

#[test]
fn health_calls_are_left_out_unless_asked_for() {
    let env = Env::new();
    // Replace the torn tail with whole lines: two health calls after the newest real call.
    let mut text = fs::read_to_string(env.audit_log()).unwrap();
    text.truncate(text.rfind('\n').unwrap() + 1);
    text.push_str(&health_record("2026-11-21T10:00:00Z", true));
    text.push('\n');
    text.push_str(&health_record("2026-11-21T10:01:00Z", false));
    text.push('\n');
    fs::write(env.audit_log(), text).unwrap();

    let is_health = |v: &Value| v["session_id"] == "prempti-health";
    let logs = json_lines(&env.stdout(&["logs", "--json"]));
    assert_eq!(logs.len(), 6, "{logs:?}");
    assert!(!logs.iter().any(is_health), "{logs:?}");
    let logs = json_lines(&env.stdout(&["logs", "--json", "--include-health"]));
    assert_eq!(logs.iter().filter(|v| is_health(v)).count(), 2);
    let pretty = env.stdout(&["logs", "--tail", "1"]);
    assert!(pretty.contains("gemini_cli"), "{pretty}");

    let audit = json_lines(&env.stdout(&["audit", "--json"]));
    assert_eq!(audit.len(), 6);
    assert!(!audit.iter().any(is_health));
    let audit = json_lines(&env.stdout(&["audit", "--json", "--include-health"]));
    assert_eq!(audit.len(), 8);

    let stats: Value = serde_json::from_str(&env.stdout(&["audit", "stats", "--json"])).unwrap();
    assert_eq!(stats["calls"], 6);
    assert_eq!(stats["defer"], 1);
    assert_eq!(stats["sessions"].as_array().unwrap().len(), 3);
    let stats: Value =
        serde_json::from_str(&env.stdout(&["audit", "stats", "--json", "--include-health"]))
            .unwrap();
    assert_eq!(stats["calls"], 8);
    assert_eq!(stats["defer"], 3);
}
