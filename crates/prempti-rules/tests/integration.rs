//! Integration tests: one per edge case of `COMPAT.md` §14, and operator × type ×
//! missing-value tables. Syscall-only cases are noted where they are skipped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use prempti_rules::*;

fn f(name: &'static str, ty: FieldType, is_list: bool, arg: ArgSpec) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        is_list,
        arg,
        description: "".into(),
        suggested_output: name == "proc.pid",
    }
}

fn schema() -> SourceSchema {
    SourceSchema {
        source: "t".into(),
        plugin_name: "testplug".into(),
        fields: vec![
            f("proc.name", FieldType::String, false, ArgSpec::None),
            f("proc.pname", FieldType::String, false, ArgSpec::None),
            f("proc.cmdline", FieldType::String, false, ArgSpec::None),
            f("fd.name", FieldType::String, false, ArgSpec::None),
            f("evt.type", FieldType::String, false, ArgSpec::None),
            f("proc.pid", FieldType::U64, false, ArgSpec::None),
            f("t.flag", FieldType::Bool, false, ArgSpec::None),
            f("t.ip", FieldType::IpAddr, false, ArgSpec::None),
            f("t.net", FieldType::IpNet, false, ArgSpec::None),
            f("t.list", FieldType::String, true, ArgSpec::None),
            f("t.nums", FieldType::U64, true, ArgSpec::None),
            f("t.argv", FieldType::String, true, ArgSpec::None),
            f(
                "t.map",
                FieldType::String,
                false,
                ArgSpec::Key { required: true },
            ),
            f(
                "t.idx",
                FieldType::String,
                false,
                ArgSpec::Index { required: false },
            ),
            f("t.missing", FieldType::String, false, ArgSpec::None),
        ],
    }
}

#[derive(Default)]
struct Ev(HashMap<String, Vec<Value<'static>>>);

impl Ev {
    fn s(mut self, k: &str, v: &str) -> Ev {
        self.0
            .insert(k.into(), vec![Value::Str(Cow::Owned(v.into()))]);
        self
    }
    fn list(mut self, k: &str, v: &[&str]) -> Ev {
        self.0.insert(
            k.into(),
            v.iter()
                .map(|x| Value::Str(Cow::Owned(x.to_string())))
                .collect(),
        );
        self
    }
    fn v(mut self, k: &str, v: Vec<Value<'static>>) -> Ev {
        self.0.insert(k.into(), v);
        self
    }
}

struct Provider<'a>(&'a Ev, SourceSchema);

impl FieldProvider for Provider<'_> {
    fn extract(&self, id: FieldId, arg: Option<&str>) -> Vec<Value<'_>> {
        let name = &self.1.fields[id.0 as usize].name;
        let key = match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        self.0 .0.get(&key).cloned().unwrap_or_default()
    }
}

fn engine(config: EngineConfig) -> Engine {
    let mut e = Engine::new(config);
    e.add_source(schema());
    e
}

fn load(yaml: &str) -> LoadResult {
    engine(EngineConfig::default()).load(&[RulesFile::new("rules.yaml", yaml)])
}

fn codes(r: &LoadResult) -> Vec<&'static str> {
    r.diagnostics().map(|d| d.code.as_str()).collect()
}

fn messages(r: &LoadResult) -> String {
    r.diagnostics()
        .map(|d| format!("{}: {}\n", d.code.as_str(), d.message))
        .collect()
}

fn meta() -> EventMeta {
    EventMeta {
        num: 7,
        time_ns: 1_700_000_000_123_456_789,
        hostname: "host".into(),
    }
}

fn matches(r: &LoadResult, ev: &Ev) -> Vec<Match> {
    let rs = r
        .ruleset()
        .unwrap_or_else(|| panic!("load failed:\n{}", r.render_concise()));
    rs.evaluate("t", &meta(), &Provider(ev, schema()))
}

fn names(r: &LoadResult, ev: &Ev) -> Vec<String> {
    matches(r, ev).into_iter().map(|m| m.rule).collect()
}

fn condition_of(r: &LoadResult, rule: &str) -> String {
    let rs = r
        .ruleset()
        .unwrap_or_else(|| panic!("load failed:\n{}", r.render_concise()));
    rs.rules()
        .into_iter()
        .find(|x| x.name == rule)
        .map(|x| x.condition)
        .unwrap_or_default()
}

fn rule(name: &str, cond: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: out %proc.name\n  priority: WARNING\n  source: t\n")
}

/// Evaluates one condition against one event: Some(result) or the load error.
fn holds(cond: &str, ev: &Ev) -> Result<bool, String> {
    let r = load(&rule("r", &format!("'{}'", cond.replace('\'', "''"))));
    if !r.ok() {
        return Err(messages(&r));
    }
    Ok(!names(&r, ev).is_empty())
}

// ---------------------------------------------------------------- edge cases (COMPAT.md §14)

#[test]
fn list_override_append_concatenates_items() {
    let r = load(&format!(
        "- list: l\n  items: [a, b]\n- list: l\n  items: [pwsh]\n  override:\n    items: append\n{}",
        rule("r", "proc.name in (l)")
    ));
    assert_eq!(condition_of(&r, "r"), "proc.name in (a, b, pwsh)");
}

#[test]
fn list_append_before_definition_fails() {
    for y in [
        "- list: l\n  items: [a]\n  append: true\n",
        "- list: l\n  items: [a]\n  override:\n    items: append\n",
    ] {
        let r = load(y);
        assert!(!r.ok());
        assert!(
            messages(&r).contains("LOAD_ERR_VALIDATE: List uses 'append'"),
            "{}",
            messages(&r)
        );
    }
}

#[test]
fn list_override_typo_is_unknown_key_and_redefinition() {
    let r = load(&format!(
        "- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override_written_wrong:\n    items: append\n{}",
        rule("r", "proc.name in (l)")
    ));
    assert!(codes(&r).contains(&"LOAD_UNKNOWN_KEY"));
    assert_eq!(condition_of(&r, "r"), "proc.name in (b)");
}

#[test]
fn list_replace_before_definition_defines() {
    let r = load(&format!(
        "- list: l\n  items: [a]\n  override:\n    items: replace\n- list: l\n  items: [b]\n{}",
        rule("r", "proc.name in (l)")
    ));
    assert_eq!(condition_of(&r, "r"), "proc.name in (b)");
}

#[test]
fn macro_replace_before_definition_defines() {
    let r = load(&format!(
        "- macro: m\n  condition: proc.name = a\n  override:\n    condition: replace\n{}",
        rule("r", "m")
    ));
    assert_eq!(condition_of(&r, "r"), "proc.name = a");
}

#[test]
fn macro_append_before_definition_fails() {
    let r = load("- macro: m\n  condition: proc.name = a\n  append: true\n");
    assert!(messages(&r).contains("Macro uses 'append'"));
}

#[test]
fn rule_override_before_definition_fails() {
    let r = load("- rule: r\n  condition: and x\n  override:\n    condition: append\n");
    assert!(messages(&r).contains(
        "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
    ));
    let r = load("- rule: r\n  condition: x\n  override:\n    condition: replace\n");
    assert!(messages(&r).contains("An 'override.condition: replace' to a rule was requested but no rule by that name already exists"));
}

#[test]
fn append_and_override_together_fail() {
    let r = load(&format!(
        "{}- rule: r\n  condition: and x\n  append: true\n  override:\n    condition: append\n",
        rule("r", "proc.name = a")
    ));
    let m = messages(&r);
    assert!(
        m.contains("Keys 'override' and 'append: true' cannot be used together"),
        "{m}"
    );
    assert!(codes(&r).contains(&"LOAD_DEPRECATED_ITEM"));
}

#[test]
fn priority_cannot_be_appended() {
    let r = load(&format!(
        "{}- rule: r\n  priority: ERROR\n  override:\n    priority: append\n",
        rule("r", "proc.name = a")
    ));
    assert!(messages(&r).contains("Key 'priority' cannot be appended to, use 'replace' instead"));
    let d = r.diagnostics().next().cloned();
    let line = d
        .and_then(|d| d.primary)
        .and_then(|p| r.sources.line_col(&p))
        .map(|l| l.line);
    assert_eq!(line, Some(10), "points at the override line");
}

#[test]
fn override_without_key_fails() {
    let r = load(&format!(
        "{}- rule: r\n  desc: x\n  override:\n    condition: append\n",
        rule("r", "proc.name = a")
    ));
    assert!(
        messages(&r).contains(
            "An append override for 'condition' was specified but 'condition' is not defined"
        ),
        "{}",
        messages(&r)
    );
}

#[test]
fn override_extra_key_fails() {
    let r = load(&format!("{}- rule: r\n  condition: and proc.pname = b\n  priority: ERROR\n  override:\n    condition: append\n", rule("r", "proc.name = a")));
    assert!(messages(&r).contains("Unexpected key 'priority'"));
}

#[test]
fn condition_append_without_parentheses_changes_precedence() {
    let r = load(&format!(
        "{}- rule: r\n  condition: and proc.pname = c\n  override:\n    condition: append\n",
        rule("r", "proc.name = a or proc.name = b")
    ));
    assert_eq!(
        condition_of(&r, "r"),
        "(proc.name = a or (proc.name = b and proc.pname = c))"
    );
}

#[test]
fn override_append_joins_condition_output_desc() {
    let r = load(&format!(
        "{}- rule: r\n  condition: and proc.name = cat\n  output: more\n  desc: more desc\n  override:\n    condition: append\n    output: append\n    desc: append\n",
        rule("r", "evt.type=open")
    ));
    assert_eq!(
        condition_of(&r, "r"),
        "(evt.type = open and proc.name = cat)"
    );
    let rs = r.ruleset().map(|x| x.rules()).unwrap_or_default();
    assert_eq!(rs[0].desc, "d more desc");
    let m = matches(
        &r,
        &Ev::default().s("evt.type", "open").s("proc.name", "cat"),
    );
    assert_eq!(m[0].output, "out cat more");
}

#[test]
fn mixed_override_appends_and_replaces() {
    let r = load(&format!(
        "{}- rule: r\n  desc: new\n  condition: and proc.name = cat\n  priority: warning\n  override:\n    desc: replace\n    condition: append\n    priority: replace\n",
        rule("r", "evt.type=open").replace("WARNING", "ERROR")
    ));
    let rs = r.ruleset().map(|x| x.rules()).unwrap_or_default();
    assert_eq!(rs[0].desc, "new");
    assert_eq!(rs[0].priority.as_str(), "Warning");
    assert_eq!(rs[0].condition, "(evt.type = open and proc.name = cat)");
}

#[test]
fn standalone_enabled_toggles_with_warning() {
    let r = load(&format!(
        "{}  enabled: false\n- rule: r\n  enabled: true\n",
        rule("r", "proc.name = a")
    ));
    assert!(codes(&r).contains(&"LOAD_DEPRECATED_ITEM"));
    assert_eq!(names(&r, &Ev::default().s("proc.name", "a")), vec!["r"]);
}

#[test]
fn list_referencing_later_list_expands_in_conditions() {
    let r = load(&format!(
        "- list: a\n  items: [b, x]\n- list: b\n  items: [y]\n{}",
        rule("r", "proc.name in (a)")
    ));
    assert_eq!(condition_of(&r, "r"), "proc.name in (y, x)");
}

#[test]
fn enabled_ignored_by_append() {
    let r = load(&format!("{}  enabled: false\n- rule: r\n  condition: or proc.name = b\n  enabled: true\n  append: true\n", rule("r", "proc.name = a")));
    assert!(names(&r, &Ev::default().s("proc.name", "a")).is_empty());
}

#[test]
fn full_redefinition_keeps_slot() {
    let y = format!(
        "{}  enabled: false\n{}{}",
        rule("r", "proc.name = a"),
        rule("s", "proc.name = cat"),
        rule("r", "proc.name = cat")
    );
    let mut c = EngineConfig {
        rule_matching: RuleMatching::All,
        ..Default::default()
    };
    c.json = JsonOptions::default();
    let r = engine(c).load(&[RulesFile::new("x", y)]);
    assert_eq!(condition_of(&r, "r"), "proc.name = cat");
    assert_eq!(
        names(&r, &Ev::default().s("proc.name", "cat")),
        vec!["r", "s"]
    );
}

#[test]
fn enabled_replace_without_key_fails() {
    let r = load(&format!(
        "{}- rule: r\n  override:\n    enabled: replace\n",
        rule("r", "proc.name = a")
    ));
    assert!(messages(&r).contains("'enabled' was specified but 'enabled' is not defined"));
}

#[test]
fn exception_replace_requires_fields() {
    let base = format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.pname]\n    values: [[x]]\n",
        rule("r", "proc.name = a")
    );
    let r = load(&format!("{base}- rule: r\n  exceptions:\n  - name: e\n    values: [[y]]\n  override:\n    exceptions: replace\n"));
    assert!(
        messages(&r).contains("Item has no mapping for key 'fields'"),
        "{}",
        messages(&r)
    );
    let r = load(&format!("{base}- rule: r\n  exceptions:\n  - name: e\n    values: [[y]]\n  override:\n    exceptions: append\n"));
    assert!(r.ok(), "{}", messages(&r));
    assert!(names(&r, &Ev::default().s("proc.name", "a").s("proc.pname", "y")).is_empty());
}

#[test]
fn numeric_engine_version_means_zero_dot_n() {
    let r = load("- required_engine_version: 26\n");
    assert!(r.ok() && codes(&r).is_empty(), "{}", messages(&r));
    let r = load("- required_engine_version: 0.64.0\n");
    assert!(
        messages(&r).contains("Rules require engine version 0.64.0, but engine version is 0.62.0")
    );
}

/// The engine version is Falco 0.44.1's (engine 0.62.0): 0.62.0 loads, 0.63.0 is refused with
/// Falco's words.
#[test]
fn engine_version_is_falco_0_44_s() {
    let r = load("- required_engine_version: 0.62.0\n");
    assert!(r.ok() && codes(&r).is_empty(), "{}", messages(&r));
    let r = load("- required_engine_version: 0.63.0\n");
    assert!(!r.ok());
    assert!(
        messages(&r).contains("Rules require engine version 0.63.0, but engine version is 0.62.0"),
        "{}",
        messages(&r)
    );
}

#[test]
fn invalid_engine_version_fails() {
    let r = load("- required_engine_version: seven\n");
    assert!(messages(&r).contains("Unable to parse engine version 'seven'"));
}

#[test]
fn list_items_kept_and_unused_list_warns() {
    let r = load("- list: l\n  items: [non_escaped_val, \"escaped val\"]\n");
    assert!(r.ok());
    assert_eq!(codes(&r), vec!["LOAD_UNUSED_LIST"]);
}

#[test]
fn exception_value_with_space_auto_quoted() {
    let r = load(&format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.cmdline]\n    comps: [contains]\n    values: [[curl 127.0.0.1]]\n",
        rule("r", "proc.name = a")
    ));
    assert_eq!(
        condition_of(&r, "r"),
        "(proc.name = a and not proc.cmdline contains \"curl 127.0.0.1\")"
    );
}

#[test]
fn invalid_macro_name_warns() {
    let r = load("- macro: test-macro\n  condition: proc.name = a\n");
    assert!(r.ok());
    assert!(codes(&r).contains(&"LOAD_INVALID_MACRO_NAME"));
}

#[test]
fn invalid_list_name_warns() {
    let r = load(&format!(
        "- list: test list\n  items: [a]\n{}",
        rule("r", "proc.name in (test list)")
    ));
    assert!(r.ok(), "{}", messages(&r));
    assert!(codes(&r).contains(&"LOAD_INVALID_LIST_NAME"));
}

#[test]
fn append_exception_without_values_warns() {
    let r = load(&format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.pname]\n    values: [[x]]\n- rule: r\n  exceptions:\n  - name: e\n    value: [[y]]\n  override:\n    exceptions: append\n",
        rule("r", "proc.name = a")
    ));
    assert!(
        codes(&r).contains(&"LOAD_APPEND_NO_VALUES"),
        "{}",
        messages(&r)
    );
}

#[test]
fn exception_names_not_unique_warns() {
    let r = load(&format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.pname]\n    values: [[x]]\n  - name: e\n    fields: [proc.pname]\n    values: [[y]]\n",
        rule("r", "proc.name = a")
    ));
    assert!(codes(&r).contains(&"LOAD_EXCEPTION_NAME_NOT_UNIQUE"));
}

#[test]
fn exception_value_naming_field_is_literal() {
    let r = load(&format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    values: [[proc.pname]]\n",
        rule("r", "proc.name = a")
    ));
    assert!(
        messages(&r).contains("'proc.pname' may be a valid field misused as a const string value")
    );
    assert_eq!(
        condition_of(&r, "r"),
        "(proc.name = a and not proc.name = proc.pname)"
    );
}

#[test]
fn exception_value_transformer_is_dynamic_without_spaces() {
    let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    values: [[toupper(proc.pname)]]\n", rule("r", "proc.name = a")));
    assert!(
        !codes(&r).contains(&"LOAD_COMPILE_CONDITION"),
        "{}",
        messages(&r)
    );
    assert_eq!(
        condition_of(&r, "r"),
        "(proc.name = a and not proc.name = toupper(proc.pname))"
    );
    let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    values: [[toupper( proc.pname)]]\n", rule("r", "proc.name = a")));
    assert!(
        messages(&r).contains("may be a valid field transformer misused"),
        "{}",
        messages(&r)
    );
}

#[test]
fn exception_field_transformer_with_space() {
    let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: [\"tolower( proc.name)\"]\n    values: [[test]]\n", rule("r", "proc.pname = a")));
    assert_eq!(
        condition_of(&r, "r"),
        "(proc.pname = a and not tolower(proc.name) = test)"
    );
}

#[test]
fn redefinition_with_different_source_fails() {
    let r = load(&format!(
        "{}{}",
        rule("r", "proc.name = a"),
        rule("r", "proc.name = a").replace("source: t", "source: other")
    ));
    assert!(messages(&r).contains("Rule has been re-defined with a different source"));
}

#[test]
fn legacy_append_with_empty_source_skips_source_check() {
    for src in ["source:", "source: \"\""] {
        let r = load(&format!(
            "{}- rule: r\n  condition: or proc.name = b\n  append: true\n  {src}\n",
            rule("r", "proc.name = a")
        ));
        assert!(r.ok(), "{}", messages(&r));
    }
}

#[test]
fn unknown_keys_warn() {
    let r = load(&format!("{}  typo_field: 1\n- list: l\n  items: []\n  priority: INFO\n- macro: m\n  condition: x\n  typo_field: 2\n", rule("r", "proc.name = a")));
    let m = messages(&r);
    assert!(
        m.contains("Unknown key 'typo_field'. The key will be ignored."),
        "{m}"
    );
    assert!(m.contains("Unknown key 'priority'"), "{m}");
}

#[test]
fn capture_duration_wrong_type_fails() {
    let r = load(&format!(
        "{}  capture_duration: not_a_number\n",
        rule("r", "proc.name = a")
    ));
    assert!(!r.ok());
}

#[test]
fn unknown_source_rule_skipped() {
    let r = load(&rule("r", "this is not even valid").replace("source: t", "source: k8s_audit"));
    assert!(r.ok());
    assert_eq!(codes(&r), vec!["LOAD_UNKNOWN_SOURCE"]);
    assert!(r.ruleset().is_some_and(|x| x.rules().is_empty()));
}

#[test]
fn e36b_rule_without_source_defaults_to_syscall_and_is_skipped() {
    let r =
        load("- rule: r\n  desc: d\n  condition: proc.name = a\n  output: o\n  priority: INFO\n");
    assert!(r
        .diagnostics()
        .any(|d| d.message == "Unknown source syscall, skipping"));
}

#[test]
fn capture_yes_is_true() {
    let r = load(&format!(
        "{}  capture: \"yes\"\n",
        rule("r", "proc.name = a")
    ));
    assert!(r.ok(), "{}", messages(&r));
}

#[test]
fn exception_modifier_comp_builds_modifier_check() {
    let r = load(&format!(
        "{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    comps: [startswith oneof]\n    values: [[[sshd, sudo, systemd]], [sshd]]\n",
        rule("r", "evt.type = a")
    ));
    assert_eq!(
        condition_of(&r, "r"),
        "(evt.type = a and not (proc.name startswith oneof (sshd, sudo, systemd) or proc.name startswith oneof (sshd)))"
    );
}

#[test]
fn invalid_exception_comps_fail() {
    for comp in ["frobulate oneof", "in oneof", ">= oneof", "oneof"] {
        let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    comps: [{comp}]\n    values: [[a]]\n", rule("r", "evt.type = a")));
        assert!(
            messages(&r).contains(&format!("'{comp}' is not a supported comparison operator")),
            "{comp}: {}",
            messages(&r)
        );
    }
    let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: proc.name\n    comps: frobulate oneof\n    values: [a]\n", rule("r", "evt.type = a")));
    assert!(messages(&r).contains("comps must be one of (in, pmatch, intersects)"));
}

#[test]
fn exception_comp_whitespace_trimmed() {
    let r = load(&format!("{}  exceptions:\n  - name: e\n    fields: [proc.name]\n    comps: [\"  startswith oneof  \"]\n    values: [[[a, b]]]\n", rule("r", "evt.type = a")));
    assert!(r.ok(), "{}", messages(&r));
}

#[test]
fn or_paren_quirk() {
    // The parser-level message is tested in `parse`; a rule condition is wrapped in `( )`
    // first, so there Falco reports the missing `)`.
    let e = parse_condition("proc.name = a or(proc.name = b) and proc.pname = c")
        .map(|_| ())
        .map_err(|e| e.message);
    assert_eq!(
        e,
        Err("unexpected token after ')', expecting 'or', 'and'".to_string())
    );
    let r = load(&rule(
        "r",
        "proc.name = a or(proc.name = b) and proc.pname = c",
    ));
    assert!(
        messages(&r).contains("expected a ')' token"),
        "{}",
        messages(&r)
    );
    assert!(load(&rule(
        "r",
        "proc.name = a or (proc.name = b) and proc.pname = c"
    ))
    .ok());
}

#[test]
fn inside_parses_as_in_side() {
    assert_eq!(
        holds("fd.name inside", &Ev::default().s("fd.name", "side")),
        Ok(true)
    );
}

#[test]
fn backslash_space_and_unclosable_quote() {
    assert_eq!(
        holds(
            r#"proc.name = "a\ b""#,
            &Ev::default().s("proc.name", "a\\b")
        ),
        Ok(true)
    );
    assert!(holds(r#"proc.name = "a\\""#, &Ev::default()).is_err());
}

#[test]
fn exponent_requires_sign() {
    assert!(holds("proc.pid > 1e5", &Ev::default())
        .is_err_and(|m| m.contains("LOAD_ERR_COMPILE_CONDITION")));
    assert!(holds("proc.pid > 1e+5", &Ev::default())
        .is_err_and(|m| m.contains("1e+5 is not a valid number")));
}

#[test]
fn list_literal_syntax() {
    for bad in [
        "proc.name in (x, y,)",
        "proc.name in (x y)",
        "proc.name in (,)",
    ] {
        assert!(holds(bad, &Ev::default()).is_err(), "{bad}");
    }
    assert_eq!(
        holds("proc.name in ()", &Ev::default().s("proc.name", "x")),
        Ok(false)
    );
}

#[test]
fn list_name_without_parentheses() {
    let r = load(&format!(
        "- list: l\n  items: [a, b]\n{}",
        rule("r", "proc.name in l")
    ));
    assert!(codes(&r).contains(&"LOAD_ERR_COMPILE_CONDITION"));
    assert_eq!(
        holds(
            "proc.name in undefined_list",
            &Ev::default().s("proc.name", "undefined_list")
        ),
        Ok(true)
    );
}

#[test]
fn missing_value_semantics() {
    let ev = Ev::default();
    assert_eq!(holds("proc.name != x", &ev), Ok(false));
    assert_eq!(holds("not proc.name = x", &ev), Ok(true));
    assert_eq!(holds("proc.name exists", &ev), Ok(false));
    assert_eq!(holds("not proc.name exists", &ev), Ok(true));
}

#[test]
fn empty_plugin_list_is_absent() {
    let ev = Ev::default().list("t.list", &[]);
    for c in [
        "t.list in (a)",
        "t.list intersects (a)",
        "t.list exists",
        "len(t.list) = 0",
    ] {
        assert_eq!(holds(c, &ev), Ok(false), "{c}");
    }
}

#[test]
fn pmatch_glob_components() {
    let ev = Ev::default().s("fd.name", "/opt/dir/subdir/file.txt");
    assert_eq!(holds("fd.name pmatch (/opt/*/subdir)", &ev), Ok(true));
    assert_eq!(holds("fd.name pmatch (/opt/di/subdir)", &ev), Ok(false));
    assert_eq!(holds("fd.name pmatch (/opt/*/*/subsubdir)", &ev), Ok(false));
}

#[test]
fn modifier_counts() {
    let ev = Ev::default().s("proc.name", "x");
    assert_eq!(holds("proc.name = oneof (x, x)", &ev), Ok(false));
    assert_eq!(holds("proc.name != allof ()", &ev), Ok(false));
    assert_eq!(holds("proc.name != allof (bash, sh)", &ev), Ok(true));
    assert_eq!(
        holds(
            "proc.name contains allof (my, exe)",
            &Ev::default().s("proc.name", "myexe")
        ),
        Ok(true)
    );
}

#[test]
fn bcontains_refused_on_string() {
    assert!(holds("proc.name bcontains 6162", &Ev::default())
        .is_err_and(|m| m.contains("'bcontains' operator not supported for string filters")));
}

#[test]
fn regex_is_posix_and_full_match() {
    assert!(holds(r"proc.name regex '\x5cd+'", &Ev::default())
        .is_err_and(|m| m.contains("invalid regex pattern")));
    assert!(holds(r"proc.name regex '\d+'", &Ev::default())
        .is_err_and(|m| m.contains(r"unsupported string escape sequence: \d")));
    assert_eq!(
        holds("proc.name regex 'b'", &Ev::default().s("proc.name", "abc")),
        Ok(false)
    );
    assert_eq!(
        holds(
            "proc.name regex '[[:digit:]]+'",
            &Ev::default().s("proc.name", "123")
        ),
        Ok(true)
    );
}

fn output_of(out: &str, ev: &Ev) -> Result<String, String> {
    let y = format!("- rule: r\n  desc: d\n  condition: evt.num > 0\n  output: '{}'\n  priority: INFO\n  source: t\n", out.replace('\'', "''"));
    let r = load(&y);
    if !r.ok() {
        return Err(messages(&r));
    }
    Ok(matches(&r, ev)
        .first()
        .map(|m| m.output.clone())
        .unwrap_or_default())
}

#[test]
fn output_token_extent_and_invalid_tokens() {
    assert_eq!(
        output_of("%proc.nameand", &Ev::default().s("proc.name", "cat")),
        Ok("catand".to_string())
    );
    assert_eq!(
        output_of("(%fd.name)", &Ev::default().s("fd.name", "/x")),
        Ok("(/x)".to_string())
    );
    for bad in ["%some.field", "% x", "%(proc.name)", "%toupper(proc.pid)"] {
        assert_eq!(
            output_of(bad, &Ev::default()),
            Err("LOAD_ERR_COMPILE_OUTPUT: unknown filter: unexpected token after '\n".into()),
            "{bad}"
        );
    }
    assert!(output_of("x %", &Ev::default())
        .is_err_and(|m| m.contains("formatting cannot end with a %")));
}

#[test]
fn missing_output_field_renders_na() {
    let r = load(&rule("r", "evt.num > 0"));
    let m = matches(&r, &Ev::default());
    assert_eq!(m[0].output, "out <NA>");
    assert_eq!(
        m[0].output_fields.get("proc.name"),
        Some(&serde_json::Value::Null)
    );
}

#[test]
fn transformer_output_fields_use_inner_fields() {
    let y = "- rule: r\n  desc: d\n  condition: evt.num > 0\n  output: '%toupper(proc.name)'\n  priority: INFO\n  source: t\n";
    let r = load(y);
    let m = matches(&r, &Ev::default().s("proc.name", "cat"));
    assert_eq!(m[0].output, "CAT");
    let keys: Vec<&String> = m[0].output_fields.keys().collect();
    assert_eq!(keys, vec!["evt.time", "proc.name"]);
}

#[test]
fn unused_macro_with_unknown_field_only_warns() {
    let r = load("- macro: m\n  condition: nope.field = 1\n");
    assert!(r.ok());
    assert_eq!(codes(&r), vec!["LOAD_UNUSED_MACRO"]);
}

#[test]
fn macro_visibility() {
    let r = load("- macro: a\n  condition: b\n- macro: b\n  condition: proc.name = x\n");
    assert!(
        messages(&r).contains("Undefined macro 'b' used in filter."),
        "{}",
        messages(&r)
    );
    let r = load("- macro: a\n  condition: undefined_one\n");
    assert!(messages(&r).contains("Undefined macro 'undefined_one' used in filter."));
}

#[test]
fn disabled_rule_still_compiled() {
    let r = load(&format!(
        "{}  enabled: false\n",
        rule("r", "nope.field = 1")
    ));
    assert!(!r.ok());
}

#[test]
fn min_priority_rule_not_enabled_later() {
    let cfg = EngineConfig {
        min_priority: Priority::parse("error"),
        selections: vec![RuleSelection {
            enable: true,
            rule: None,
            tag: Some("x".into()),
        }],
        ..Default::default()
    };
    let y = format!("{}  tags: [x]\n", rule("r", "proc.name = a"));
    let r = engine(cfg).load(&[RulesFile::new("f", y)]);
    assert!(names(&r, &Ev::default().s("proc.name", "a")).is_empty());
}

#[test]
fn priority_spellings() {
    for p in ["info", "INFO", "Informational"] {
        let r = load(&rule("r", "proc.name = a").replace("WARNING", p));
        assert_eq!(
            matches(&r, &Ev::default().s("proc.name", "a"))[0]
                .priority
                .as_str(),
            "Informational"
        );
    }
    assert!(!load(&rule("r", "proc.name = a").replace("WARNING", "warn")).ok());
}

#[test]
fn field_without_operator() {
    let r = load(&rule("r", "proc.name"));
    assert!(messages(&r)
        .contains("LOAD_ERR_COMPILE_CONDITION: expected a valid check operator: one of 'exists'"));
}

#[test]
fn undefined_identifier_fails() {
    let r = load(&rule("r", "not_a_macro"));
    assert!(
        messages(&r).contains("LOAD_ERR_VALIDATE: Undefined macro 'not_a_macro' used in filter.")
    );
}

#[test]
fn macro_loops_fail() {
    // A macro naming itself is undefined inside its own condition (Falco 0.44.1).
    let r = load(&format!("- macro: m\n  condition: m\n{}", rule("r", "m")));
    assert!(
        messages(&r).contains("Undefined macro 'm' used in filter."),
        "{}",
        messages(&r)
    );
    let r = load(&format!(
        "- macro: a\n  condition: proc.name = x\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n  override:\n    condition: replace\n{}",
        rule("r", "a")
    ));
    assert!(
        messages(&r).contains("reference loop in macro"),
        "{}",
        messages(&r)
    );
}

#[test]
fn container_info_removed() {
    assert_eq!(
        output_of("a %container.info b", &Ev::default()),
        Ok("a  b".to_string())
    );
}

#[test]
fn append_output_by_tags() {
    let cfg = EngineConfig {
        append_output: vec![
            AppendOutput {
                tags: vec!["tag1".into(), "tag2".into()],
                extra_output: Some("extra1".into()),
                ..Default::default()
            },
            AppendOutput {
                extra_output: Some("pid=%proc.pid".into()),
                extra_fields: vec![ExtraField::Raw("proc.pid".into())],
                ..Default::default()
            },
            AppendOutput {
                rule: Some("other".into()),
                extra_output: Some("never".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let y = format!(
        "{}  tags: [tag1, tag2, tag3]\n{}  tags: [tag1]\n",
        rule("both", "proc.name = a"),
        rule("one", "proc.name = b")
    );
    let r = engine(cfg).load(&[RulesFile::new("f", y)]);
    let m = matches(
        &r,
        &Ev::default()
            .s("proc.name", "a")
            .v("proc.pid", vec![Value::U64(42)]),
    );
    assert_eq!(m[0].output, "out a extra1 pid=42");
    assert_eq!(
        m[0].output_fields.get("proc.pid"),
        Some(&serde_json::json!(42))
    );
    let m = matches(&r, &Ev::default().s("proc.name", "b"));
    assert_eq!(m[0].output, "out b pid=<NA>");
}

#[test]
fn text_line_is_json_escaped() {
    let r = load("- rule: r\n  desc: d\n  condition: evt.num > 0\n  output: \"say \\\"hi\\\"\\nbye %proc.name\"\n  priority: INFO\n  source: t\n");
    let m = matches(&r, &Ev::default().s("proc.name", "x"));
    assert_eq!(
        m[0].text_line(),
        "22:13:20.123456789: Informational say \\\"hi\\\"\\nbye x"
    );
}

// ---------------------------------------------------------------- alerts, API

#[test]
fn json_alert_shape() {
    let r = load(&format!("{}  tags: [b, a]\n", rule("r", "proc.name = a")));
    let m = matches(&r, &Ev::default().s("proc.name", "a"));
    assert_eq!(
        m[0].json_alert(),
        r#"{"hostname":"host","output":"22:13:20.123456789: Warning out a","output_fields":{"evt.time":1700000000123456789,"proc.name":"a"},"priority":"Warning","rule":"r","source":"t","tags":["a","b"],"time":"2023-11-14T22:13:20.123456789Z"}"#
    );
}

#[test]
fn rule_matching_first_and_all() {
    let y = format!(
        "{}{}",
        rule("a", "proc.name = x"),
        rule("b", "proc.name = x")
    );
    assert_eq!(
        names(&load(&y), &Ev::default().s("proc.name", "x")),
        vec!["a"]
    );
    let r = engine(EngineConfig {
        rule_matching: RuleMatching::All,
        ..Default::default()
    })
    .load(&[RulesFile::new("f", y)]);
    assert_eq!(
        names(&r, &Ev::default().s("proc.name", "x")),
        vec!["a", "b"]
    );
}

#[test]
fn selections_by_name_pattern_and_tag() {
    let y = format!(
        "{}  tags: [t1]\n{}",
        rule("Alpha one", "proc.name = x"),
        rule("Beta", "proc.name = x")
    );
    let cfg = EngineConfig {
        rule_matching: RuleMatching::All,
        selections: vec![
            RuleSelection {
                enable: false,
                rule: Some("*".into()),
                tag: None,
            },
            RuleSelection {
                enable: true,
                rule: Some("Al*one".into()),
                tag: None,
            },
        ],
        ..Default::default()
    };
    let r = engine(cfg).load(&[RulesFile::new("f", y.clone())]);
    assert_eq!(
        names(&r, &Ev::default().s("proc.name", "x")),
        vec!["Alpha one"]
    );
    let cfg = EngineConfig {
        rule_matching: RuleMatching::All,
        selections: vec![RuleSelection {
            enable: false,
            rule: None,
            tag: Some("t1".into()),
        }],
        ..Default::default()
    };
    let r = engine(cfg).load(&[RulesFile::new("f", y)]);
    assert_eq!(names(&r, &Ev::default().s("proc.name", "x")), vec!["Beta"]);
}

#[test]
fn files_share_one_namespace_and_order_matters() {
    let e = engine(EngineConfig::default());
    let r = e.load(&[
        RulesFile::new(
            "a.yaml",
            "- list: l\n  items: [x]\n- macro: m\n  condition: proc.name in (l)\n",
        ),
        RulesFile::new("b.yaml", rule("r", "m")),
    ]);
    assert!(r.ok(), "{}", r.render_concise());
    let r = e.load(&[
        RulesFile::new("a.yaml", rule("r", "m")),
        RulesFile::new("b.yaml", "- macro: m\n  condition: proc.name = x\n"),
    ]);
    assert!(
        !r.files[0].ok() && r.files[1].ok(),
        "macro from a later file is not visible"
    );
}

#[test]
fn validate_continues_after_failed_file_and_renders() {
    let e = engine(EngineConfig::default());
    let r = validate(
        &e,
        &[
            RulesFile::new("bad.yaml", "- rule: [\n"),
            RulesFile::new(
                "good.yaml",
                format!("{}  foo: 1\n", rule("r", "proc.name = a")),
            ),
        ],
    );
    assert!(!r.ok());
    assert_eq!(r.files.len(), 2);
    assert!(!r.files[0].ok() && r.files[1].ok());
    let concise = r.render_concise();
    assert!(
        concise.contains("bad.yaml:2:1: error[LOAD_ERR_YAML_PARSE]"),
        "{concise}"
    );
    assert!(
        concise.contains(
            "good.yaml:7:3: warning[LOAD_UNKNOWN_KEY] Unknown key 'foo'. The key will be ignored."
        ),
        "{concise}"
    );
    let json: serde_json::Value = serde_json::from_str(&r.render_json()).unwrap_or_default();
    assert_eq!(json["ok"], false);
    assert_eq!(json["warnings"][0]["item"], "rule");
    assert_eq!(json["warnings"][0]["name"], "r");
    assert!(r.render_full().contains("^^^"));
}

#[test]
fn condition_error_position_points_into_the_file() {
    let r = load(&rule("r", "proc.name = a and proc.name"));
    let d = r.diagnostics().next().cloned();
    let lc = d
        .and_then(|d| d.primary)
        .and_then(|p| r.sources.line_col(&p));
    assert_eq!(
        lc.map(|l| (l.line, l.column)),
        Some((3, 41)),
        "{}",
        r.render_concise()
    );
}

#[test]
fn dir_entries_sorted_like_falco() {
    let got = sort_rules_dir_entries([
        "/r/b.yaml",
        "/r/a.yml",
        "/r/readme.md",
        "/r/B.yaml",
        "/r/a.yaml.bak",
    ]);
    assert_eq!(got, vec!["/r/B.yaml", "/r/a.yml", "/r/b.yaml"]);
}

#[test]
fn explain_reports_deciding_check_and_values() {
    let r = load(&rule(
        "r",
        "proc.name = a and (proc.pname = b or fd.name startswith /etc)",
    ));
    let rs = r
        .ruleset()
        .unwrap_or_else(|| panic!("{}", r.render_concise()));
    let ev = Ev::default().s("proc.name", "a").s("proc.pname", "z");
    let ex = rs.explain("t", &meta(), &Provider(&ev, schema()));
    assert!(!ex[0].matched);
    assert_eq!(
        ex[0].deciding,
        vec!["proc.pname = b", "fd.name startswith /etc"]
    );
    assert!(ex[0]
        .fields
        .contains(&("fd.name".to_string(), "<NA>".to_string())));
}

#[test]
fn generic_evt_fields() {
    let ev = Ev::default();
    assert_eq!(holds("evt.num = 7", &ev), Ok(true));
    assert_eq!(
        holds(
            "evt.hostname = host and evt.source = t and evt.pluginname = testplug",
            &ev
        ),
        Ok(true)
    );
    assert_eq!(holds("evt.rawtime.s = 1700000000", &ev), Ok(true));
    assert_eq!(holds("evt.is_async = false", &ev), Ok(true));
    assert_eq!(holds("evt.asynctype exists", &ev), Ok(false));
    assert_eq!(
        output_of("%evt.time.iso8601 %evt.datetime.s", &ev),
        Ok("2023-11-14T22:13:20.123456789+0000 2023-11-14 22:13:20".into())
    );
}

#[test]
fn ruleset_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Ruleset>();
}

#[test]
fn hostile_inputs_do_not_panic() {
    let e = engine(EngineConfig::default());
    let bomb = (0..25)
        .map(|i| {
            if i == 0 {
                "- macro: m0\n  condition: proc.name = a\n".to_string()
            } else {
                format!("- macro: m{i}\n  condition: m{p} and m{p}\n", p = i - 1)
            }
        })
        .collect::<String>();
    let r = e.load(&[RulesFile::new("f", format!("{bomb}{}", rule("r", "m24")))]);
    assert!(!r.ok(), "exponential macro expansion is refused");
    for junk in [
        "",
        "---\n",
        "- 1\n",
        "a: b\n",
        "x",
        "- rule:\n",
        "- {rule: r, condition: {a: b}}\n",
        "\t\u{0}",
        "- list: l\n  items: [[a]]\n",
    ] {
        let _ = e.load(&[RulesFile::new("f", junk)]);
    }
}

// ---------------------------------------------------------------- operators × types × missing

#[test]
fn operators_on_strings() {
    let ev = Ev::default()
        .s("proc.name", "Hello/World.txt")
        .s("proc.pname", "I");
    let table: &[(&str, bool)] = &[
        ("proc.name = Hello/World.txt", true),
        ("proc.name == Hello/World.txt", true),
        ("proc.name != x", true),
        ("proc.name < val(proc.pname)", true),
        ("proc.name <= val(proc.name)", true),
        ("proc.name > val(proc.pname)", false),
        ("proc.name >= val(proc.name)", true),
        ("proc.name contains World", true),
        ("proc.name icontains WORLD", true),
        ("proc.name startswith Hello", true),
        ("proc.name endswith .txt", true),
        ("proc.name glob '*/*.txt'", true),
        ("proc.name iglob 'hello*'", true),
        ("proc.name glob 'hello*'", false),
        ("proc.name regex 'H.*t'", true),
        ("proc.name in (a, Hello/World.txt)", true),
        ("proc.name intersects (a)", false),
        ("proc.name pmatch (Hello)", true),
        ("proc.name exists", true),
        ("proc.name startswith anyof (x, Hell)", true),
        ("tolower(proc.name) = hello/world.txt", true),
        ("toupper(proc.name) contains WORLD", true),
        ("basename(proc.name) = World.txt", true),
        ("len(proc.name) = 15", true),
        ("proc.name = val(proc.name)", true),
        ("proc.name = val(proc.pname)", false),
    ];
    for (c, want) in table {
        assert_eq!(holds(c, &ev), Ok(*want), "{c}");
        assert_eq!(holds(c, &Ev::default()), Ok(false), "missing: {c}");
    }
}

#[test]
fn operators_on_numbers_bools_ips() {
    let ev = Ev::default()
        .v("proc.pid", vec![Value::U64(42)])
        .v("t.flag", vec![Value::Bool(true)])
        .v("t.ip", vec![Value::Ip(IpAddr::from([10, 1, 2, 3]))])
        .v(
            "t.net",
            vec![Value::Net(IpNetwork {
                addr: IpAddr::from([10, 1, 0, 0]),
                prefix: 16,
            })],
        );
    let table: &[(&str, bool)] = &[
        ("proc.pid = 42", true),
        ("proc.pid != 42", false),
        ("proc.pid < 43", true),
        ("proc.pid <= 41", false),
        ("proc.pid > 16", true),
        ("proc.pid >= 42", true),
        ("proc.pid in (1, 42)", true),
        ("proc.pid intersects (1)", false),
        ("proc.pid = anyof (1, 42)", true),
        ("t.flag = true", true),
        ("t.flag != true", false),
        ("t.flag in (false)", false),
        ("t.ip = 10.1.2.3", true),
        ("t.ip != 10.1.2.3", false),
        ("t.ip = ::1", false),
        ("t.ip != ::1", true),
        ("t.ip in (1.1.1.1, 10.1.2.3)", true),
        ("t.net = 10.1.0.0/16", true),
    ];
    for (c, want) in table {
        assert_eq!(holds(c, &ev), Ok(*want), "{c}");
        assert_eq!(holds(c, &Ev::default()), Ok(false), "missing: {c}");
    }
    for (c, err) in [
        (
            "proc.pid contains 4",
            "'contains' operator not supported for numeric filters",
        ),
        ("t.flag = yes", "unrecognized boolean value yes"),
        (
            "t.flag < 1",
            "'<' operator not supported for numeric filters",
        ),
        (
            "t.ip glob 10*",
            "'glob' operator not supported for ip address and network filters",
        ),
        ("proc.pid = abc", "abc is not a valid number"),
        ("proc.pid > 0x10", "0x10 is not a valid number"),
        ("proc.name < I", "expected a number value"),
        ("proc.pid = val(proc.name)", "has incompatible type"),
        (
            "t.missing2 = x",
            "filter_check called with nonexistent field t.missing2",
        ),
        ("t.map = x", "requires an argument"),
        ("t.idx[01] = x", "invalid index"),
        ("proc.name = 'a\\x00'", "cannot contain a NUL byte"),
        (
            "tolower(proc.pid) = x",
            "can't add field transformer: type 'UINT64' is not supported by 'tolower' transformer applied on field 'proc.pid'",
        ),
        (
            "tolower(proc.name)[x] = x",
            "does not support field arguments",
        ),
    ] {
        assert!(
            holds(c, &ev).is_err_and(|m| m.contains(err)),
            "{c}: {:?}",
            holds(c, &ev)
        );
    }
}

#[test]
fn operators_on_lists() {
    let ev = Ev::default()
        .list("t.list", &["a", "b"])
        .list("t.argv", &["-sL", "-o", "out", "url"])
        .v("t.nums", vec![Value::U64(1), Value::U64(2)]);
    let table: &[(&str, bool)] = &[
        ("t.list in (a, b, c)", true),
        ("t.list in (a)", false),
        ("t.list intersects (b, z)", true),
        ("t.list intersects (z)", false),
        ("t.list exists", true),
        ("t.nums in (1, 2)", true),
        ("t.nums intersects (3)", false),
        ("len(t.list) = 2", true),
        ("join(',', t.list) = 'a,b'", true),
        ("concat(proc.name, 'x') = yx", true),
        ("getopt(t.argv, 'sLo:')[o] = out", true),
        ("getopt(t.argv, 'sLo:')[X] exists", false),
        ("t.list in val(t.list)", true),
        ("join(',', toupper(t.list)) = 'A,B'", true),
        ("toupper(t.list) exists", true),
    ];
    let ev = ev.s("proc.name", "y");
    for (c, want) in table {
        assert_eq!(holds(c, &ev), Ok(*want), "{c}");
        assert_eq!(holds(c, &Ev::default()), Ok(false), "missing: {c}");
    }
    assert!(holds("t.list = a", &ev)
        .is_err_and(|m| m.contains("'=' operator not supported list filters")));
}

#[test]
fn field_args() {
    let ev = Ev::default()
        .s("t.map[k]", "v")
        .s("t.idx[0]", "z")
        .s("t.idx", "none");
    assert_eq!(holds("t.map[k] = v", &ev), Ok(true));
    assert_eq!(holds("t.map['k'] = v", &ev), Ok(true));
    assert_eq!(holds("t.idx[0] = z and t.idx = none", &ev), Ok(true));
    assert_eq!(output_of("%t.map[k]", &ev), Ok("v".into()));
}

#[test]
fn deep_conditions_load_or_fail_cleanly() {
    let ok = format!("{}proc.name = a{}", "(".repeat(190), ")".repeat(190));
    let r = load(&rule("r", &format!("'{ok}'")));
    assert!(r.ok(), "{}", messages(&r));
    assert_eq!(names(&r, &Ev::default().s("proc.name", "a")), vec!["r"]);
    let deep = format!("{}proc.name = a{}", "(".repeat(5000), ")".repeat(5000));
    let r = load(&rule("r", &format!("'{deep}'")));
    assert!(messages(&r).contains("exceeded max depth limit of 1000"));
    let nots = format!("{}proc.name = a", "not ".repeat(10_001));
    assert_eq!(holds(&nots, &Ev::default().s("proc.name", "a")), Ok(false));
}

#[test]
fn unsafe_na_check_on_ka_fields() {
    let mut s = schema();
    s.fields
        .push(f("ka.user", FieldType::String, false, ArgSpec::None));
    let mut e = Engine::new(EngineConfig::default());
    e.add_source(s);
    let r = e.load(&[RulesFile::new("f", rule("r", "ka.user != \"<NA>\""))]);
    assert!(r.ok());
    assert_eq!(codes(&r), vec!["LOAD_UNSAFE_NA_CHECK"]);
    assert_eq!(
        codes(&load(&rule("r", "proc.name != \"<NA>\""))),
        Vec::<&str>::new()
    );
}

// ---------------------------------------------------------------- transformers (libs parity)

fn compile_err(cond: &str) -> String {
    match holds(cond, &Ev::default()) {
        Ok(_) => String::new(),
        Err(m) => m,
    }
}

#[test]
fn getopt_scans_argv_from_its_first_entry() {
    let ev = Ev::default().list("t.argv", &["curl", "-s", "-o", "f"]);
    assert_eq!(
        holds("getopt(t.argv, 'so:') intersects (s)", &ev),
        Ok(false)
    );
    let ev = Ev::default().list("t.argv", &["-s", "-o", "f", "url", "-v"]);
    assert_eq!(
        holds("getopt(t.argv, 'so:v') intersects (s)", &ev),
        Ok(true)
    );
    assert_eq!(
        holds("getopt(t.argv, 'so:v') intersects (v)", &ev),
        Ok(false)
    );
    assert_eq!(holds("getopt(t.argv, 'so:v') in (s, o, f)", &ev), Ok(true));
}

#[test]
fn getopt_list_mode_yields_letters_values_question_marks_and_empty_for_missing_value() {
    let ev = Ev::default().list("t.argv", &["-x", "-t"]);
    assert_eq!(holds("getopt(t.argv, 't:') in ('?', '')", &ev), Ok(true));
    assert_eq!(holds("getopt(t.argv, 't:') intersects (t)", &ev), Ok(false));
    assert_eq!(holds("len(getopt(t.argv, 't:')) = 2", &ev), Ok(true));
}

#[test]
fn getopt_selector_gives_last_value_or_letter_and_is_absent_when_option_missing() {
    let ev = Ev::default().list("t.argv", &["-n", "-t", "v1", "-t", "v2"]);
    assert_eq!(holds("getopt(t.argv, 'nt:')[t] = v2", &ev), Ok(true));
    assert_eq!(holds("getopt(t.argv, 'nt:')[n] = n", &ev), Ok(true));
    assert_eq!(holds("getopt(t.argv, 'nt:x')[x] exists", &ev), Ok(false));
    assert_eq!(holds("not getopt(t.argv, 'nt:x')[x] = v", &ev), Ok(true));
}

#[test]
fn getopt_with_no_options_is_a_present_empty_list() {
    let ev = Ev::default().list("t.argv", &["file"]);
    assert_eq!(holds("getopt(t.argv, 'n') exists", &ev), Ok(true));
    assert_eq!(holds("len(getopt(t.argv, 'n')) = 0", &ev), Ok(true));
    assert_eq!(holds("getopt(t.argv, 'n') in (n)", &ev), Ok(true));
    assert_eq!(holds("getopt(t.argv, 'n') intersects (n)", &ev), Ok(false));
    // A plugin list field with zero values stays absent.
    assert_eq!(
        holds("getopt(t.argv, 'n') exists", &Ev::default()),
        Ok(false)
    );
}

#[test]
fn getopt_argument_errors_have_libs_wording() {
    assert!(compile_err("getopt(t.argv, 'n')[''] = n")
        .contains("getopt() field argument must be a single option character"));
    assert!(compile_err("getopt(t.argv, 'n')[ab] = n")
        .contains("getopt() field argument must be a single option character"));
    assert!(compile_err("getopt(proc.name, 'n') exists")
        .contains("getopt() first argument must be a list"));
    assert!(compile_err("getopt(t.argv, t.list) exists")
        .contains("getopt() second argument (optstring) must be a single value"));
    assert!(
        compile_err("getopt(t.nums, 'n') exists").contains("getopt() arguments must be strings")
    );
    assert!(compile_err("getopt(t.argv, 'n', 'x') exists")
        .contains("getopt() requires exactly 2 arguments: args list and optstring"));
    assert!(compile_err("getopt(('-n')) exists").contains("unknown field transfomer 'getopt'"));
}

#[test]
fn join_and_concat_argument_errors_have_libs_wording() {
    for (c, m) in [
        ("join('-') = a", "unknown field transfomer 'join'"),
        (
            "join('-', 'a', 'b') = a",
            "join() requires exactly 2 arguments: separator and list",
        ),
        (
            "join(t.list, ('a', 'b')) = a",
            "join() first argument (separator) must be a single value, not a list",
        ),
        (
            "join('a', 'b') = a",
            "join() second argument must be a list",
        ),
        (
            "join('-', t.list)[x] = a",
            "LOAD_ERR_COMPILE_CONDITION: transformer 'join' does not support field arguments",
        ),
        ("concat('a') = a", "unknown field transfomer 'concat'"),
        (
            "concat(t.list, 'a') = a",
            "concat() arguments must be strings",
        ),
        (
            "concat(proc.pid, 'a') = a",
            "concat() arguments must be strings",
        ),
        (
            "concat('a', ('a', 'b')) = a",
            "concat() arguments must be strings",
        ),
        (
            "concat('a', 'b')[x] = a",
            "transformer 'concat' does not support field arguments",
        ),
        (
            "tolower(proc.name, 'x') = a",
            "unknown multivalue transformer",
        ),
        (
            "tolower(proc.name)[x] = a",
            "filter error: transformer 'tolower' does not support field arguments",
        ),
    ] {
        let e = compile_err(c);
        assert!(e.contains(m), "{c}: {e}");
    }
}

#[test]
fn multivalue_argument_types_are_checked_before_transformers_apply() {
    // libs checks a multi-value transformer's arguments on their field info, ignoring
    // transformers applied to them, and sees nested multi-value results as scalars.
    assert_eq!(compile_err("concat(len(proc.name), 'a') exists"), "");
    assert!(compile_err("join(',', getopt(t.argv, 'n')) exists")
        .contains("join() second argument must be a list"));
    assert_eq!(compile_err("concat(getopt(t.argv, 'n'), 'a') exists"), "");
}

#[test]
fn join_and_concat_values() {
    let ev = Ev::default()
        .list("t.list", &["a", "b"])
        .s("proc.name", "x")
        .v("t.nums", vec![Value::U64(1), Value::U64(2)]);
    assert_eq!(holds("join(',', ()) = ''", &ev), Ok(true));
    assert_eq!(
        holds("join('-', (proc.name, t.list, 7)) = 'x-a-b-7'", &ev),
        Ok(true)
    );
    assert_eq!(holds("join('-', t.nums) = '1-2'", &ev), Ok(true));
    assert_eq!(
        holds("join('-', (proc.name, proc.pname)) exists", &ev),
        Ok(false)
    );
    assert_eq!(
        holds("concat(proc.name, 'y', proc.name) = xyx", &ev),
        Ok(true)
    );
    assert_eq!(
        holds("concat(proc.name, proc.pname) exists", &ev),
        Ok(false)
    );
}

#[test]
fn single_value_transformers_accept_literals_and_lists() {
    let ev = Ev::default();
    assert_eq!(holds("toupper('abc') = ABC", &ev), Ok(true));
    assert_eq!(holds("len('abcd') = 4", &ev), Ok(true));
    assert_eq!(holds("len(('a', 'b', 'c')) = 3", &ev), Ok(true));
    assert_eq!(
        holds("join(',', toupper(('a', 'b'))) = 'A,B'", &ev),
        Ok(true)
    );
    assert_eq!(holds("len(()) = 0", &ev), Ok(true));
}

#[test]
fn transformer_on_list_applies_to_each_element() {
    let ev = Ev::default().list("t.list", &["/a/X", "/b/y"]);
    assert_eq!(holds("join(',', basename(t.list)) = 'X,y'", &ev), Ok(true));
    assert_eq!(
        holds("join(',', tolower(basename(t.list))) = 'x,y'", &ev),
        Ok(true)
    );
    assert_eq!(holds("len(basename(t.list)) = 2", &ev), Ok(true));
    assert!(compile_err("toupper(t.nums) exists").contains(
        "can't add field transformer: type 'UINT64' is not supported by 'toupper' transformer applied on list field 't.nums'"
    ));
}

/// Falco 0.44.1 accepts `basename(list) intersects (...)` / `in (...)` and never matches it:
/// refused at load, naming Falco's behaviour, so a rule is never a silent hole there.
#[test]
fn transformed_list_compared_with_in_or_intersects_is_refused_like_falco_0_44_never_matches() {
    for cond in [
        "basename(t.list) intersects (X, y)",
        "basename(t.list) in (X, y)",
        "tolower(basename(t.list)) in (x, y)",
        "toupper(t.list) intersects ('/B/Y')",
        "b64(t.list) intersects (a)",
        "basename(('/x/a', '/y/b')) intersects (a)",
    ] {
        let e = compile_err(cond);
        assert!(
            e.contains("LOAD_ERR_COMPILE_CONDITION") && e.contains("never matches in Falco 0.44.1"),
            "{cond}: {e}"
        );
    }
    // The same transformers on a single value, `exists`, `len` and `join` of a transformed
    // list work in Falco and stay accepted.
    let ev = Ev::default()
        .list("t.list", &["/a/X", "/b/y"])
        .s("proc.name", "/p/Q");
    for cond in [
        "basename(proc.name) in (Q)",
        "tolower(proc.name) intersects ('/p/q')",
        "basename(t.list) exists",
        "len(basename(t.list)) = 2",
        "join(' ', basename(t.list)) contains X",
    ] {
        assert_eq!(holds(cond, &ev), Ok(true), "{cond}");
    }
}

/// `join(...)` / `concat(...)` compared with a field or a transformer on the right crashes
/// Falco 0.44.1 when evaluated: refused at load with a message saying so.
#[test]
fn join_or_concat_compared_with_a_field_is_refused_because_it_crashes_falco_0_44() {
    for cond in [
        "join(' ', t.list) contains val(proc.name)",
        "concat(' ', proc.name) = val(proc.pname)",
        "concat(' ', join(' ', t.list)) contains concat(' ', proc.name, '/')",
        "join(',', t.list) startswith basename(proc.name)",
        "concat(proc.name, 'x') != tolower(proc.pname)",
    ] {
        let e = compile_err(cond);
        assert!(
            e.contains("LOAD_ERR_COMPILE_CONDITION") && e.contains("crashes Falco 0.44.1"),
            "{cond}: {e}"
        );
    }
    // Constants on the right, and a field on the left with a transformer on the right, are
    // fine in Falco.
    let ev = Ev::default()
        .list("t.list", &["a", "b"])
        .s("proc.name", "a b/x")
        .s("proc.pname", "a b");
    for cond in [
        "join(' ', t.list) contains 'a b'",
        "concat(' ', join(' ', t.list)) contains anyof (' a', ' z')",
        "proc.name startswith concat(proc.pname, '/')",
        "proc.pname = val(proc.pname)",
    ] {
        assert_eq!(holds(cond, &ev), Ok(true), "{cond}");
    }
}

#[test]
fn len_counts_list_elements_string_bytes_and_is_absent_for_missing_values() {
    let ev = Ev::default()
        .list("t.list", &["a", "b", "c"])
        .s("proc.name", "h\u{e9}")
        .s("proc.pname", "ab\0cd");
    assert_eq!(holds("len(t.list) = 3", &ev), Ok(true));
    assert_eq!(
        holds("len(proc.name) = 3", &ev),
        Ok(true),
        "bytes, not chars"
    );
    assert_eq!(
        holds("len(proc.pname) = 2", &ev),
        Ok(true),
        "strnlen stops at NUL"
    );
    assert_eq!(holds("len(fd.name) = 0", &ev), Ok(false));
    assert_eq!(holds("len(fd.name) exists", &ev), Ok(false));
    assert_eq!(
        holds("len(t.nums) exists", &ev),
        Ok(false),
        "empty plugin list is absent"
    );
    assert!(compile_err("len(proc.pid) = 1").contains(
        "can't add field transformer: type 'UINT64' is not supported by 'len' transformer applied on field 'proc.pid'"
    ));
}

#[test]
fn b64_failure_makes_the_value_absent() {
    let ev = Ev::default()
        .s("proc.name", "not base64!")
        .s("proc.pname", "YWFh=");
    assert_eq!(holds("b64(proc.name) exists", &ev), Ok(false));
    assert_eq!(holds("not b64(proc.name) = x", &ev), Ok(true));
    assert_eq!(holds("b64(proc.pname) = aaa", &ev), Ok(true));
}

#[test]
fn transformer_argument_parse_errors_have_libs_wording() {
    assert!(compile_err("tolower() = a").contains(
        "expected field transformer argument: field, transformer, quoted string, number, or transformer list"
    ));
    assert!(compile_err("join('-', ('a' 'b')) = a").contains("expected ')'"));
    assert!(compile_err("join('-', (('a'))) = a").contains(
        "expected transformer list argument: field, transformer, quoted string, or number"
    ));
}

#[test]
fn dynamic_rhs_type_mismatch_names_fields_and_libs_types() {
    let e = compile_err("proc.pid = val(proc.name)");
    assert!(
        e.contains("field 'proc.pid' has type 'UINT64' while the right-hand side field 'proc.name' has incompatible type 'CHARBUF'"),
        "{e}"
    );
    let e = compile_err("t.list in val(proc.name)");
    assert!(e.contains("has type 'CHARBUF (list)'"), "{e}");
}

#[test]
fn plugin_field_argument_errors_have_libs_wording() {
    for (c, m) in [
        ("proc.name[x] = a", "filter 'proc.name[x]': proc.name does not allow nor require an argument but one is provided: x"),
        ("t.map = a", "filter 't.map': t.map requires an argument but none provided"),
        ("t.idx[01] = a", "filter t.idx[01] t.idx has an invalid index argument starting with 0: 01"),
        ("t.idx[1a] = a", "filter t.idx[1a] t.idx has an invalid index argument not composed only by digits: 1a"),
        ("t.idx[99999999999999999999] = a", "has an invalid index argument not representable on 64 bit"),
        ("evt.num[1] = 1", "filter_check called with nonexistent field evt.num[1]"),
    ] {
        let e = compile_err(c);
        assert!(e.contains(m), "{c}: {e}");
    }
}

#[test]
fn unused_macros_and_lists_are_reported_again_for_every_later_file() {
    let e = engine(EngineConfig::default());
    let r = e.load(&[
        RulesFile::new(
            "a.yaml",
            "- macro: m\n  condition: proc.name = x\n- list: l\n  items: [a]\n",
        ),
        RulesFile::new("b.yaml", rule("r", "proc.name = y")),
        RulesFile::new("c.yaml", rule("r2", "m")),
    ]);
    let per_file: Vec<Vec<&str>> = r
        .files
        .iter()
        .map(|f| f.warnings.iter().map(|d| d.code.as_str()).collect())
        .collect();
    assert_eq!(
        per_file,
        vec![
            vec!["LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST"],
            vec!["LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST"],
            vec!["LOAD_UNUSED_LIST"],
        ]
    );
    // The re-reported warning still points into the file that defined the item.
    assert_eq!(
        r.files[1].warnings[0].primary.as_ref().map(|p| &*p.file),
        Some("a.yaml")
    );
}

#[test]
fn container_info_deprecation_has_falco_wording() {
    let y = "- rule: r\n  desc: d\n  condition: evt.num > 0\n  output: 'x %container.info'\n  priority: INFO\n  source: t\n";
    assert!(messages(&load(y)).contains("LOAD_DEPRECATED_ITEM: %container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message."));
}

#[test]
fn plugin_version_failures_have_falco_wording() {
    let req = "- required_plugin_versions:\n  - name: coding_agent\n    version: 0.2.0\n";
    for (have, want) in [
        ("bogus", "Plugin 'coding_agent' has invalid version string 'bogus'"),
        (
            "0.1.0",
            "Plugin 'coding_agent' version '0.1.0' is not compatible with required plugin version '0.2.0'",
        ),
    ] {
        let e = engine(EngineConfig {
            plugins: vec![("coding_agent".into(), have.into())],
            ..Default::default()
        });
        let r = e.load(&[RulesFile::new("a.yaml", req)]);
        assert!(messages(&r).contains(want), "{}", messages(&r));
    }
}
