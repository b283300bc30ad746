//! Benchmarks: load+compile of a realistic 60-rule file, and evaluation of one event against
//! it, each beside a trivial baseline so figures can be read as ratios across machines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use prempti_rules::*;

const RULES: &str = include_str!("rules60.yaml");

fn schema() -> SourceSchema {
    let s = |name: &'static str, is_list: bool, arg: ArgSpec| FieldDef {
        name: name.into(),
        ty: FieldType::String,
        is_list,
        arg,
        description: "".into(),
        suggested_output: false,
    };
    SourceSchema {
        source: "coding_agent".into(),
        plugin_name: "coding_agent".into(),
        fields: vec![
            s("agent.name", false, ArgSpec::None),
            s("agent.cwd", false, ArgSpec::None),
            s("agent.real_cwd", false, ArgSpec::None),
            s("tool.name", false, ArgSpec::None),
            s("tool.kind", false, ArgSpec::None),
            s("tool.input", false, ArgSpec::None),
            s("tool.input_command", false, ArgSpec::None),
            s("tool.file_path", false, ArgSpec::None),
            s("tool.real_file_path", false, ArgSpec::None),
            s("tool.url_host", false, ArgSpec::None),
            s("cmd.programs", true, ArgSpec::None),
            s("cmd.args", true, ArgSpec::Key { required: false }),
            FieldDef {
                ty: FieldType::Bool,
                ..s("cmd.pipe_to_interpreter", false, ArgSpec::None)
            },
        ],
    }
}

struct Event(HashMap<(u32, Option<String>), Vec<Value<'static>>>);

impl FieldProvider for Event {
    fn extract(&self, id: FieldId, arg: Option<&str>) -> Vec<Value<'_>> {
        self.0
            .get(&(id.0, arg.map(str::to_string)))
            .cloned()
            .unwrap_or_default()
    }
}

fn event(schema: &SourceSchema) -> Event {
    let id = |n: &str| schema.find(n).map(|(i, _)| i.0).unwrap_or(u32::MAX);
    let s = |v: &'static str| Value::Str(Cow::Borrowed(v));
    let mut m = HashMap::new();
    m.insert((id("agent.name"), None), vec![s("claude_code")]);
    m.insert((id("agent.cwd"), None), vec![s("/home/u/project")]);
    m.insert((id("agent.real_cwd"), None), vec![s("/home/u/project")]);
    m.insert((id("tool.name"), None), vec![s("Bash")]);
    m.insert((id("tool.kind"), None), vec![s("shell")]);
    m.insert(
        (id("tool.input"), None),
        vec![s(r#"{"command":"git status && ls -la src"}"#)],
    );
    m.insert(
        (id("tool.input_command"), None),
        vec![s("git status && ls -la src")],
    );
    m.insert((id("cmd.programs"), None), vec![s("git"), s("ls")]);
    m.insert(
        (id("cmd.args"), None),
        vec![s("status"), s("-la"), s("src")],
    );
    m.insert((id("cmd.args"), Some("git".into())), vec![s("status")]);
    m.insert(
        (id("cmd.pipe_to_interpreter"), None),
        vec![Value::Bool(false)],
    );
    Event(m)
}

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig {
        rule_matching: RuleMatching::All,
        ..Default::default()
    });
    e.add_source(schema());
    e
}

fn benches(c: &mut Criterion) {
    let e = engine();
    let files = [RulesFile::new("rules60.yaml", RULES)];
    let check = e.load(&files);
    assert!(check.ok(), "{}", check.render_concise());
    let ruleset = check.into_ruleset().expect("loaded");
    assert_eq!(ruleset.rules().len(), 60);

    let mut g = c.benchmark_group("load");
    g.bench_function("baseline_yaml_line_count", |b| {
        b.iter(|| {
            black_box(RULES)
                .lines()
                .filter(|l| l.starts_with("- rule:"))
                .count()
        })
    });
    g.bench_function("load_compile_60_rules", |b| {
        b.iter(|| black_box(e.load(black_box(&files))))
    });
    g.finish();

    let schema = schema();
    let ev = event(&schema);
    let meta = EventMeta {
        num: 1,
        time_ns: 1_700_000_000_000_000_000,
        hostname: "h".into(),
    };
    let mut g = c.benchmark_group("eval");
    g.bench_function("baseline_60_field_extracts", |b| {
        b.iter(|| {
            let mut n = 0;
            for i in 0..60u32 {
                n += ev.extract(FieldId(i % 13), None).len();
            }
            black_box(n)
        })
    });
    g.bench_function("evaluate_60_rules_no_match", |b| {
        b.iter(|| black_box(ruleset.evaluate("coding_agent", &meta, black_box(&ev))))
    });
    g.finish();
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
