//! End-to-end tests of `premptictl scan`: the built binary reads hand-written transcripts of
//! every supported agent (tests/fixtures/transcripts/home, in each agent's format, with `@HOME@`
//! standing for the temporary HOME) and judges them with the small rules file next to them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts")
}

/// A temporary HOME holding the fixture transcripts (with `@HOME@` replaced) and an empty
/// PREMPTI_HOME.
struct World {
    dir: tempfile::TempDir,
}

fn copy_tree(from: &Path, to: &Path, home: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target, home);
        } else {
            let text = std::fs::read_to_string(entry.path()).expect("read fixture");
            std::fs::write(&target, text.replace("@HOME@", home)).expect("write fixture");
        }
    }
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let home_text = home.to_str().expect("utf-8 temp path").to_owned();
        copy_tree(&fixtures().join("home"), &home, &home_text);
        std::fs::create_dir_all(home.join("projects/webapp")).expect("mkdir project");
        std::fs::create_dir_all(home.join("projects/api")).expect("mkdir project");
        std::fs::create_dir_all(dir.path().join("prempti")).expect("mkdir prempti home");
        World { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn scan(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_premptictl"));
        cmd.arg("scan")
            .args(args)
            .env("HOME", self.home())
            .env("PREMPTI_HOME", self.dir.path().join("prempti"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("COPILOT_HOME")
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .current_dir(self.dir.path());
        cmd.output().expect("run premptictl scan")
    }

    fn scan_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.scan(&all);
        assert!(
            out.status.success(),
            "scan failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("scan --json prints JSON")
    }
}

fn rules() -> String {
    fixtures().join("rules.yaml").display().to_string()
}

fn candidate() -> String {
    fixtures().join("candidate.yaml").display().to_string()
}

fn count(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}

#[test]
fn every_agent_is_read_and_judged() {
    let w = World::new();
    let v = w.scan_json(&["--rules", &rules()]);
    assert_eq!(count(&v, "transcripts"), 4);
    assert_eq!(count(&v, "calls"), 15, "{v:#}");
    assert_eq!(count(&v, "deny"), 5);
    assert_eq!(count(&v, "ask"), 2);
    assert_eq!(count(&v, "unevaluable"), 0);
    assert_eq!(v["lines"]["lines"], 39);
    assert_eq!(v["lines"]["damaged"], 3);
    assert_eq!(v["lines"]["unknown"], 1);
    assert_eq!(v["lines"]["oversize"], 0);

    // Per agent and project.
    let home = w.home().display().to_string();
    let groups = v["groups"].as_array().expect("groups");
    let group = |agent: &str| {
        groups
            .iter()
            .find(|g| g["agent"] == agent)
            .unwrap_or_else(|| panic!("no group for {agent}"))
    };
    for (agent, project, calls, deny, ask) in [
        ("claude_code", "projects/webapp", 5, 2, 1),
        ("codex", "projects/webapp", 4, 1, 1),
        ("gemini_cli", "projects/webapp", 3, 1, 0),
        ("copilot", "projects/api", 3, 1, 0),
    ] {
        let g = group(agent);
        assert_eq!(g["project"], format!("{home}/{project}"), "{agent}");
        assert_eq!(g["sessions"], 1, "{agent}");
        assert_eq!(g["calls"], calls, "{agent}");
        assert_eq!(g["deny"], deny, "{agent}");
        assert_eq!(g["ask"], ask, "{agent}");
    }

    // Per rule.
    let rules: Vec<(String, String, u64)> = v["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["vote"].as_str().unwrap().to_owned(),
                r["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("Scan test ssh directory".to_owned(), "deny".to_owned(), 3),
            ("Scan test force push".to_owned(), "ask".to_owned(), 2),
            ("Scan test pipe to shell".to_owned(), "deny".to_owned(), 2),
        ]
    );

    // Every evaluated call is listed, with the hook's view of it.
    let calls = v["calls_list"].as_array().expect("calls_list");
    assert_eq!(calls.len(), 15);
    let find = |pred: &dyn Fn(&Value) -> bool| {
        calls
            .iter()
            .find(|c| pred(c))
            .cloned()
            .expect("call present")
    };
    let curl = find(&|c| c["command"].as_str().is_some_and(|s| s.starts_with("curl")));
    assert_eq!(curl["agent"], "claude_code");
    assert_eq!(curl["verdict"], "deny");
    assert_eq!(curl["session_id"], "666f4728-87d6-4efd-af48-e87079a20c5a");
    assert_eq!(curl["time"], "2026-11-21T00:45:53.000Z");
    assert_eq!(curl["line"], 5);
    assert_eq!(curl["rules"][0], "Scan test pipe to shell");
    assert!(curl["reason"]
        .as_str()
        .unwrap()
        .starts_with("Scan test pipe to shell: "));

    // The Codex patch is split per file, as the hook path does; one file decides.
    let patch = find(&|c| c["tool_name"] == "apply_patch");
    assert_eq!(patch["verdict"], "deny");
    assert_eq!(patch["tool_kind"], "write"); // the first file is added
    assert_eq!(
        patch["files"],
        serde_json::json!([
            format!("{home}/projects/webapp/NOTES.md"),
            format!("{home}/.ssh/authorized_keys")
        ])
    );
    let push = find(&|c| c["command"] == "git push -f");
    assert_eq!(push["agent"], "codex");
    assert_eq!(push["verdict"], "ask");
    let gemini = find(&|c| c["command"] == "npm test");
    assert_eq!(gemini["verdict"], "defer");
    assert_eq!(gemini["session_id"], "c4181eaa-6388-4662-93c6-c2a9a586c4c3");
    let copilot = find(&|c| c["command"] == "cat ~/.ssh/id_ed25519");
    assert_eq!(copilot["verdict"], "deny");
    assert_eq!(copilot["agent"], "copilot");

    // The worst examples: denials first, the latest first among equals.
    let examples = v["examples"].as_array().expect("examples");
    assert_eq!(examples.len(), 7);
    assert!(examples[..5].iter().all(|e| e["verdict"] == "deny"));
    assert!(examples[5..].iter().all(|e| e["verdict"] == "ask"));
    assert_eq!(examples[0]["command"], "cat ~/.ssh/id_ed25519");
}

#[test]
fn filters_by_agent_project_and_time() {
    let w = World::new();
    let v = w.scan_json(&["--rules", &rules(), "--agent", "codex"]);
    assert_eq!(count(&v, "transcripts"), 1);
    assert_eq!(count(&v, "calls"), 4);

    let api = w.home().join("projects/api");
    let v = w.scan_json(&["--rules", &rules(), "--project", api.to_str().unwrap()]);
    assert_eq!(count(&v, "calls"), 3);
    assert_eq!(v["groups"][0]["agent"], "copilot");

    let v = w.scan_json(&["--rules", &rules(), "--since", "2026-11-21T00:46:05Z"]);
    // Claude's force push and rm, Copilot's three calls.
    assert_eq!(count(&v, "calls"), 5, "{v:#}");
    assert_eq!(count(&v, "calls_found"), 15);
}

#[test]
fn oversize_and_unreadable_lines_are_counted_not_fatal() {
    let w = World::new();
    let claude = w.home().join(
        ".claude/projects/-home-dev-projects-webapp/666f4728-87d6-4efd-af48-e87079a20c5a.jsonl",
    );
    let mut text = std::fs::read(&claude).expect("read");
    text.extend_from_slice(
        format!("{{\"type\":\"user\",\"pad\":\"{}\"}}\n", "x".repeat(20_000)).as_bytes(),
    );
    text.extend_from_slice(b"\xff\xfe not utf-8\n");
    std::fs::write(&claude, text).expect("write");
    let v = w.scan_json(&["--rules", &rules(), "--max-line-bytes", "16384"]);
    assert_eq!(v["lines"]["oversize"], 1);
    assert_eq!(v["lines"]["damaged"], 4);
    assert_eq!(count(&v, "calls"), 15);
}

#[test]
fn text_summary() {
    let w = World::new();
    let out = w.scan(&["--rules", &rules()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("Scanned 4 transcripts: 39 lines (3 damaged, 1 unknown, 0 oversize, skipped); 15 calls evaluated.\n"),
        "{text}"
    );
    assert!(
        text.contains("Would have been denied: 5, asked: 2."),
        "{text}"
    );
    assert!(
        text.contains("claude_code         1       5     2     1  ~/projects/webapp"),
        "{text}"
    );
    assert!(
        text.contains("  deny      3  Scan test ssh directory"),
        "{text}"
    );
    assert!(
        text.contains("deny  2026-11-21 00:47:03  copilot  bash  session 9a1b2c3d\n    cat ~/.ssh/id_ed25519\n    rule   Scan test ssh directory\n    at     ~/.copilot/session-state/9a1b2c3d-0000-4000-8000-00000000c0de/events.jsonl:6\n"),
        "{text}"
    );
}

#[test]
fn diff_lists_newly_flagged_and_released_calls() {
    let w = World::new();
    let v = w.scan_json(&["--diff", "--rules", &candidate(), "--baseline", &rules()]);
    let directions = &v["directions"];
    assert_eq!(directions["allow→ask"], 1, "{v:#}");
    assert_eq!(directions["ask→allow"], 2);
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 3);
    let rm = changes
        .iter()
        .find(|c| c["command"] == "rm -rf build")
        .expect("rm flagged");
    assert_eq!(rm["baseline"], "defer");
    assert_eq!(rm["verdict"], "ask");

    let out = w.scan(&["--diff", "--rules", &candidate(), "--baseline", &rules()]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("3 changed: 1 newly flagged, 2 released or softened."),
        "{text}"
    );
    assert!(
        text.contains("claude_code Bash rm -rf build: allow→ask Scan test remove: "),
        "{text}"
    );
}

#[test]
fn no_transcripts_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_premptictl"))
        .args(["scan", "--rules", &rules()])
        .env("HOME", dir.path())
        .env("PREMPTI_HOME", dir.path().join("prempti"))
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("COPILOT_HOME")
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("Scanned 0 transcripts"), "{text}");
    assert!(text.contains("No tool calls found."), "{text}");
}

#[test]
fn transcripts_written_by_the_real_clis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let home_text = home.to_str().expect("utf-8 temp path").to_owned();
    copy_tree(&fixtures().join("captured/home"), &home, &home_text);
    std::fs::create_dir_all(home.join("project")).expect("mkdir project");
    let out = Command::new(env!("CARGO_BIN_EXE_premptictl"))
        .args(["scan", "--json", "--rules", &rules()])
        .env("HOME", &home)
        .env("PREMPTI_HOME", dir.path().join("prempti"))
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("COPILOT_HOME")
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["lines"]["lines"], 82, "{v:#}");
    assert_eq!(v["lines"]["damaged"], 0);
    assert_eq!(v["lines"]["unknown"], 0);
    assert_eq!(count(&v, "calls"), 5);
    assert_eq!(count(&v, "deny"), 5);
    let calls = v["calls_list"].as_array().expect("calls");
    let by_agent =
        |agent: &str| -> Vec<&Value> { calls.iter().filter(|c| c["agent"] == agent).collect() };
    let claude = by_agent("claude_code");
    assert_eq!(claude.len(), 1);
    assert_eq!(
        claude[0]["session_id"],
        "097cb9b7-53b3-42b9-8e32-4b57dc683540"
    );
    assert_eq!(claude[0]["cwd"], format!("{home_text}/project"));
    assert_eq!(claude[0]["tool_name"], "Bash");
    assert_eq!(
        claude[0]["command"],
        format!("cat {home_text}/.ssh/id_rsa > /dev/null && touch {home_text}/markers/deny")
    );
    let codex = by_agent("codex");
    assert_eq!(codex.len(), 2);
    let names: BTreeSet<&str> = codex
        .iter()
        .map(|c| c["tool_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["Bash", "apply_patch"]));
    let patch = codex
        .iter()
        .find(|c| c["tool_name"] == "apply_patch")
        .unwrap();
    assert_eq!(
        patch["file_path"],
        format!("{home_text}/.ssh/authorized_keys")
    );
    assert_eq!(patch["session_id"], "01a252c3-38b4-7020-abfe-b612dc4f2780");
    let gemini = by_agent("gemini_cli");
    assert_eq!(gemini.len(), 1);
    assert_eq!(
        gemini[0]["session_id"],
        "a85f4500-63c7-4741-ac5c-51282bee7864"
    );
    assert_eq!(gemini[0]["cwd"], format!("{home_text}/project"));
    assert_eq!(gemini[0]["tool_name"], "run_shell_command");
    let copilot = by_agent("copilot");
    assert_eq!(copilot.len(), 1);
    assert_eq!(
        copilot[0]["session_id"],
        "11dd8244-ed5f-448e-ac1b-2a63e9aca087"
    );
    assert_eq!(copilot[0]["cwd"], format!("{home_text}/project"));
    assert_eq!(copilot[0]["tool_name"], "bash");
    assert_eq!(
        copilot[0]["command"],
        format!("cat {home_text}/.ssh/id_rsa > /dev/null && touch {home_text}/markers/deny")
    );
}

/// Issue #20, point 2: `rules replay --transcripts` replays the calls `scan` finds, comparing the
/// installed rules (here the fixture rules installed as the default rules) with the candidate.
#[test]
fn replay_takes_transcripts_as_well_as_the_audit_log() {
    let w = World::new();
    let installed = w.dir.path().join("prempti/rules/default");
    std::fs::create_dir_all(&installed).expect("mkdir rules");
    std::fs::copy(fixtures().join("rules.yaml"), installed.join("rules.yaml")).expect("copy");
    let replay = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_premptictl"))
            .args([
                "rules",
                "replay",
                "--transcripts",
                "--standalone",
                "--rules",
                &candidate(),
            ])
            .args(args)
            .env("HOME", w.home())
            .env("PREMPTI_HOME", w.dir.path().join("prempti"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("COPILOT_HOME")
            .env("NO_COLOR", "1")
            .current_dir(w.dir.path())
            .output()
            .expect("run premptictl rules replay")
    };
    let out = replay(&["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // The same changes as `scan --diff` of the same rules.
    let diff = w.scan_json(&["--diff", "--rules", &candidate(), "--baseline", &rules()]);
    assert_eq!(v["directions"]["allow→ask"], 1, "{v:#}");
    assert_eq!(
        v["directions"]["allow→ask"],
        diff["directions"]["allow→ask"]
    );
    assert_eq!(
        v["directions"]["ask→allow"],
        diff["directions"]["ask→allow"]
    );
    assert_eq!(v["evaluated"], diff["calls"], "{v:#}");
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 3, "{v:#}");
    let rm = changes
        .iter()
        .find(|c| c["subject"] == "rm -rf build")
        .expect("rm flagged");
    assert_eq!(
        (rm["before"].as_str(), rm["after"].as_str()),
        (Some("allow"), Some("ask"))
    );
    assert!(
        rm["transcript"]
            .as_str()
            .is_some_and(|t| t.ends_with(".jsonl")),
        "{rm}"
    );
    // Only one agent's transcripts.
    let out = replay(&["--json", "--agent", "gemini"]);
    let gemini: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        gemini["evaluated"].as_u64() < v["evaluated"].as_u64(),
        "{gemini}"
    );
    // The text form names the transcript and line of each change.
    let out = replay(&[]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("allow→ask: 1"), "{text}");
    assert!(text.contains(".jsonl:"), "{text}");
}
