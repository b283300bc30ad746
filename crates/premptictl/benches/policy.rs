//! The default policy on typical agent calls, as the daemon evaluates it: the real
//! `coding_agent` fields (shell analysis included) and the repository's default rules.
//!
//! - `policy/load_compile_default`: load and compile `rules/default/*.yaml` and `rules/seen.yaml`.
//! - `policy/evaluate/<call>`: evaluate one normalized call whose fields are already
//!   extracted once (what the engine adds per event).
//! - `policy/end_to_end/<call>`: parse the hook payload, normalize, analyze and evaluate.
//! - `policy/baseline_parse_json/<call>`: parse the payload as JSON only (the ratio baseline).

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use prempti_plugin::agents::Agent;
use prempti_plugin::fields;
use prempti_rules::EventMeta;
use premptictl::rules_tools::{self, Homes};

fn repo_rules() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    vec![
        root.join("rules/default/coding_agents_rules.yaml"),
        root.join("rules/seen.yaml"),
    ]
}

/// Typical calls of a coding session, in Claude Code's shape.
const CALLS: &[(&str, &str)] = &[
    (
        "bash_git_status",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git status --short && git diff --stat"}}"#,
    ),
    (
        "bash_cargo_test",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cargo test --workspace 2>&1 | tail -20"}}"#,
    ),
    (
        "bash_npm_build",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cd frontend && npm run build -- --mode production"}}"#,
    ),
    (
        "read_source",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/home/dev/projects/webapp/src/main.rs"}}"#,
    ),
    (
        "edit_source",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{"file_path":"/home/dev/projects/webapp/src/lib.rs","old_string":"fn a()","new_string":"fn b()"}}"#,
    ),
    (
        "webfetch_docs",
        r#"{"session_id":"s","cwd":"/home/dev/projects/webapp","hook_event_name":"PreToolUse","tool_name":"WebFetch","tool_input":{"url":"https://docs.rs/serde/latest/serde/","prompt":"summarize"}}"#,
    ),
];

fn benches(c: &mut Criterion) {
    let paths = repo_rules();
    let homes = Homes {
        home: Some("/home/dev".to_owned()),
        prempti_home: Some("/home/dev/.prempti".to_owned()),
    };
    let mut g = c.benchmark_group("policy");
    g.bench_function("load_compile_default", |b| {
        b.iter(|| black_box(rules_tools::load_ruleset(&paths).expect("default rules load")))
    });
    let ruleset = rules_tools::load_policy(&paths, rules_tools::EvalConfig::defaults())
        .expect("default rules load");
    let meta = EventMeta {
        num: 1,
        time_ns: 0,
        hostname: "bench".into(),
    };
    for (name, payload) in CALLS {
        let calls = rules_tools::parse_payload_with(Agent::ClaudeCode, payload, &homes)
            .expect("payload parses");
        let call = &calls[0];
        // Extract once so the lazily computed analyses are in place, as after the first rule.
        let _ = ruleset.evaluate(fields::SOURCE, &meta, call);
        g.bench_function(format!("evaluate/{name}"), |b| {
            b.iter(|| black_box(ruleset.evaluate(fields::SOURCE, &meta, call)))
        });
        g.bench_function(format!("end_to_end/{name}"), |b| {
            b.iter(|| {
                let out = rules_tools::evaluate_payload_with(
                    &ruleset,
                    Agent::ClaudeCode,
                    payload,
                    &homes,
                )
                .expect("payload evaluates");
                black_box(out.verdict)
            })
        });
        g.bench_function(format!("baseline_parse_json/{name}"), |b| {
            b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(payload).expect("json")))
        });
    }
    g.finish();
}

criterion_group!(policy, benches);
criterion_main!(policy);
