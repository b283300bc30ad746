//! A broken rules file in `rules/user`: `premptictl reload` fails and names file:line:col, the
//! previous policy stays in force (what it denied is still denied), and once the file is fixed
//! a reload takes the new rule into account.

use prempti_e2e::calls::{Event, Kind};
use prempti_e2e::install::{Engine, Install};

use crate::support::{call, field, is_health_check};

/// A condition with an unclosed parenthesis, on line 3, column 26 (the value after `(`).
const BROKEN: &str = "- rule: Broken on purpose\n  desc: broken on purpose\n  condition: tool.name = (Bash\n  output: x\n  priority: WARNING\n  source: coding_agent\n  tags: [coding_agent_deny]\n";

/// A valid user rule denying one benign-looking command.
const FIXED: &str = r#"- rule: E2E forbidden listing
  desc: e2e test rule
  condition: tool.kind = shell and tool.input_command contains "e2e-forbidden"
  output: This listing is forbidden by the e2e rule (command=%tool.input_command)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"#;

fn decision(install: &Install, kind: Kind, marker: &str) -> String {
    let c = call(install, Event::ClaudePreToolUse, kind, marker);
    assert_eq!(c.out.code, Some(0), "{:?}", c.out);
    let reply: serde_json::Value = serde_json::from_str(&c.out.stdout).expect("JSON reply");
    reply["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn broken_reload_reports_file_line_col_and_keeps_the_old_policy() {
    for engine in Engine::all("broken_reload_reports_file_line_col_and_keeps_the_old_policy") {
        println!(
            "broken_reload_reports_file_line_col_and_keeps_the_old_policy: on the {} engine",
            engine.name()
        );
        broken_reload_reports_file_line_col_and_keeps_the_old_policy_on(&engine);
    }
}

/// [`broken_reload_reports_file_line_col_and_keeps_the_old_policy`] on one engine.
fn broken_reload_reports_file_line_col_and_keeps_the_old_policy_on(engine: &Engine) {
    let install = Install::builder().engine(engine).start();
    assert_eq!(decision(&install, Kind::Deny, "e2e-r-1"), "deny");
    let rules_before = install.status()["rules"]["rules"].clone();

    let broken = install.prempti_home.join("rules/user/zz_broken.yaml");
    std::fs::write(&broken, BROKEN).unwrap();
    let out = install.ctl(&["reload"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "reload with a broken file must fail: {stdout}"
    );
    let location = format!("{}:3:26: error[", broken.display());
    assert!(
        stdout.contains(&location),
        "expected `{location}` in:\n{stdout}"
    );
    assert!(stdout.contains("previous rules stay in force"), "{stdout}");

    let json = install.ctl(&["reload", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("reload --json");
    assert_eq!(doc["ok"], false, "{doc}");
    assert!(
        doc["reload"]["errors"][0]
            .as_str()
            .is_some_and(|e| e.starts_with(&location)),
        "{doc}"
    );

    // The old policy still denies what it denied, and still allows the rest.
    assert_eq!(decision(&install, Kind::Deny, "e2e-r-2"), "deny");
    assert_eq!(decision(&install, Kind::Ask, "e2e-r-3"), "ask");
    assert_eq!(decision(&install, Kind::Benign, "e2e-r-4"), "allow");
    let status = install.status();
    assert_eq!(status["rules"]["rules"], rules_before, "{status}");
    assert!(
        status["counters"]["failed_reloads"]
            .as_u64()
            .is_some_and(|n| n >= 2),
        "{status}"
    );
    install.ctl_ok(&["health"]);

    // Fixed: the reload succeeds and the new rule decides.
    std::fs::write(&broken, FIXED).unwrap();
    assert!(install.ctl_ok(&["reload"]).contains("rules reloaded"));
    let c = call(
        &install,
        Event::ClaudePreToolUse,
        Kind::Benign,
        "e2e-forbidden-5",
    );
    assert!(
        c.out.stdout.contains("\"permissionDecision\":\"deny\"")
            && c.out
                .stdout
                .contains("E2E forbidden listing: This listing is forbidden"),
        "{:?}",
        c.out
    );
    assert_eq!(decision(&install, Kind::Deny, "e2e-r-6"), "deny");
    let records: Vec<_> = install
        .audit()
        .into_iter()
        .filter(|r| !is_health_check(r))
        .collect();
    assert_eq!(records.len(), 6, "one record per call");
    assert_eq!(field(&records[4], "decision"), "deny");
    assert!(field(&records[4], "reason").starts_with("E2E forbidden listing: "));
}
