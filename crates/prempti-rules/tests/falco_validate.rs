//! `falco -V` renderings (text and JSON): one rules file per load result code, compared
//! whole against the expected output.

use prempti_rules::*;

fn engine() -> Engine {
    let f = |name: &'static str, ty, is_list| FieldDef {
        name: name.into(),
        ty,
        is_list,
        arg: ArgSpec::None,
        description: "".into(),
        suggested_output: false,
    };
    let mut e = Engine::new(EngineConfig::default());
    e.add_source(SourceSchema {
        source: "t".into(),
        plugin_name: "t".into(),
        fields: vec![
            f("proc.name", FieldType::String, false),
            f("proc.pid", FieldType::U64, false),
            f("t.list", FieldType::String, true),
        ],
    });
    e
}

fn text(files: &[(&str, &str)]) -> FalcoValidateOutput {
    let files: Vec<RulesFile> = files.iter().map(|(n, t)| RulesFile::new(*n, *t)).collect();
    engine().load(&files).render_falco_text()
}

fn json(files: &[(&str, &str)]) -> serde_json::Value {
    let files: Vec<RulesFile> = files.iter().map(|(n, t)| RulesFile::new(*n, *t)).collect();
    let out = engine().load(&files).render_falco_json();
    serde_json::from_str(&out.stdout).expect("valid JSON")
}

const RULE_OK: &str = "- rule: r\n  desc: d\n  condition: proc.name = x\n  output: o %proc.name\n  priority: INFO\n  source: t\n";

#[test]
fn ok_file_prints_ok_line() {
    let o = text(&[("ok.yaml", RULE_OK)]);
    assert_eq!(o.stdout, "ok.yaml: Ok\n");
    assert_eq!(o.stderr, "");
    assert!(o.success);
}

#[test]
fn load_err_yaml_parse_block() {
    let o = text(&[("parse.yaml", "- rule: r\n  desc: [unclosed\n")]);
    assert_eq!(
        o.stdout,
        "parse.yaml: Invalid\n1 Errors:\nIn rules content: (parse.yaml:0:0)\n    value for: (parse.yaml:2:0)\n------\n  desc: [unclosed\n                ^\n------\nLOAD_ERR_YAML_PARSE (YAML parse error): while parsing a flow sequence, expected ',' or ']' at line 3 column 1\n\n"
    );
    assert!(!o.success);
}

#[test]
fn load_err_yaml_validate_block_with_schema_warnings() {
    let y = RULE_OK.replace("INFO", "LOUD");
    let o = text(&[("v.yaml", &y)]);
    assert_eq!(
        o.stdout,
        "v.yaml: Invalid\n1 Schema warnings:\n------\nfailed for <root>[0][priority]: Failed to match against any enum values.\n------\n\n1 Errors:\nIn rules content: (v.yaml:0:0)\n    rule 'r': (v.yaml:0:2)\n    rule priority: (v.yaml:4:12)\n------\n  priority: LOUD\n            ^\n------\nLOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): Invalid priority\n\n"
    );
}

#[test]
fn load_err_compile_condition_block() {
    let y = RULE_OK.replace("proc.name = x", "proc.name = x and proc.nope = 1");
    let o = text(&[("c.yaml", &y)]);
    assert_eq!(
        o.stdout,
        "c.yaml: Invalid\n1 Errors:\nIn rules content: (c.yaml:0:0)\n    rule 'r': (c.yaml:0:2)\n    rule condition: (c.yaml:2:13)\n    condition expression: (\"proc.name = x and...\":3:14)\n------\nproc.name = x and proc.nope = 1\n                              ^\n------\nLOAD_ERR_COMPILE_CONDITION (Error compiling condition): filter_check called with nonexistent field proc.nope\n\n"
    );
}

#[test]
fn condition_parse_error_position_adds_parser_position_to_value_mark() {
    let y = RULE_OK.replace("proc.name = x", "proc.name = x and (");
    let j = json(&[("p.yaml", &y)]);
    let locs = &j["falco_load_results"][0]["errors"][0]["context"]["locations"];
    assert_eq!(locs[3]["item_type"], "condition expression");
    assert_eq!(locs[3]["position"]["name"], "\"proc.name = x and (\"");
    // Parser line 1, column 20 (end of input) plus the value's mark (line 2, column 13).
    assert_eq!(locs[3]["position"]["line"], 3);
    assert_eq!(locs[3]["position"]["column"], 33);
    assert_eq!(locs[3]["position"]["offset"], 33 + 19);
}

#[test]
fn load_err_compile_output_block() {
    let y = RULE_OK.replace("o %proc.name", "o %nope.field");
    let o = text(&[("o.yaml", &y)]);
    assert_eq!(
        o.stdout,
        "o.yaml: Invalid\n1 Errors:\nIn rules content: (o.yaml:0:0)\n    rule 'r': (o.yaml:0:2)\n    rule output: (o.yaml:3:10)\n------\n  output: o %nope.field\n          ^\n------\nLOAD_ERR_COMPILE_OUTPUT (Error compiling output): unknown filter: unexpected token after '\n\n"
    );
}

#[test]
fn load_err_validate_block() {
    let y = RULE_OK.replace("proc.name = x", "proc.name = x and undefined_macro");
    let o = text(&[("m.yaml", &y)]);
    assert_eq!(
        o.stdout,
        "m.yaml: Invalid\n1 Errors:\nIn rules content: (m.yaml:0:0)\n    rule 'r': (m.yaml:0:2)\n    condition expression: (\"proc.name = x and...\":1:3)\n------\nproc.name = x and undefined_macro\n  ^\n------\nLOAD_ERR_VALIDATE (Error validating rule/macro/list/exception objects): Undefined macro 'undefined_macro' used in filter.\n\n"
    );
}

#[test]
fn ok_with_warnings_prints_one_line_and_logs_the_warnings() {
    let o = text(&[("w.yaml", "- list: l\n  items: [a]\n  typo: 1\n")]);
    assert_eq!(o.stdout, "w.yaml: Ok, with warnings\n");
    assert_eq!(
        o.stderr,
        "w.yaml: Ok, with warnings\n1 Schema warnings:\n------\nfailed for <root>[0]: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: 'typo'.\n------\n\n2 Warnings:\nIn rules content: (w.yaml:0:0)\n    list 'l': (w.yaml:0:2)\n------\n- list: l\n  ^\n------\nLOAD_UNKNOWN_KEY (Unknown key in item definition): Unknown key 'typo'. The key will be ignored.\nIn rules content: (w.yaml:0:0)\n    list 'l': (w.yaml:0:2)\n------\n- list: l\n  ^\n------\nLOAD_UNUSED_LIST (Unused list): List not referred to by any other rule/macro\n\n"
    );
    assert!(o.success);
}

#[test]
fn several_files_are_separated_by_a_newline() {
    let bad = RULE_OK
        .replace("INFO", "LOUD")
        .replace("- rule: r", "- rule: r2");
    let o = text(&[
        ("a.yaml", RULE_OK),
        ("b.yaml", &bad),
        ("c.yaml", "- list: l\n  items: []\n"),
    ]);
    assert!(
        o.stdout.starts_with("a.yaml: Ok\nb.yaml: Invalid\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .ends_with("Invalid priority\n\nc.yaml: Ok, with warnings\n"),
        "{}",
        o.stdout
    );
    assert!(!o.success);
}

#[test]
fn json_codedesc_is_short_text_for_errors_and_description_for_warnings() {
    let y = format!(
        "{}- list: l\n  items: []\n",
        RULE_OK.replace("INFO", "LOUD")
    );
    let j = json(&[("e.yaml", &y), ("w.yaml", "- list: l2\n  items: []\n")]);
    let r = &j["falco_load_results"];
    assert_eq!(
        r[0]["errors"][0]["codedesc"],
        "Error validating internal structure of YAML file"
    );
    assert_eq!(
        r[1]["warnings"][0]["codedesc"],
        "A list is defined in the rules content but is not used by any other list, macro, or rule."
    );
    assert_eq!(r[1]["warnings"][0]["code"], "LOAD_UNUSED_LIST");
    assert_eq!(
        r[1]["warnings"][0]["message"],
        "List not referred to by any other rule/macro"
    );
}

#[test]
fn json_shape_and_key_order() {
    let files = [RulesFile::new("x.yaml", "- list: l\n  items: []\n")];
    let out = engine().load(&files).render_falco_json();
    assert_eq!(
        out.stdout,
        concat!(
            r#"{"falco_load_results":[{"errors":[],"name":"x.yaml","schema_valid":true,"schema_warnings":[],"successful":true,"#,
            r#""warnings":[{"code":"LOAD_UNUSED_LIST","codedesc":"A list is defined in the rules content but is not used by any other list, macro, or rule.","#,
            r#""context":{"locations":[{"item_name":"","item_type":"rules content","position":{"column":0,"line":0,"name":"x.yaml","offset":0}},"#,
            r#"{"item_name":"l","item_type":"list","position":{"column":2,"line":0,"name":"x.yaml","offset":2}}],"snippet":"- list: l\n  ^\n"},"#,
            r#""message":"List not referred to by any other rule/macro"}]}]}"#,
            "\n"
        )
    );
}

#[test]
fn schema_failure_is_advisory() {
    // `capture: "yes"` loads (yaml-cpp boolean) but fails the schema (COMPAT.md §2).
    let y = RULE_OK.replace("source: t\n", "source: t\n  capture: \"yes\"\n");
    let files = [RulesFile::new("s.yaml", y.as_str())];
    let res = engine().load(&files);
    assert!(res.ok());
    let j: serde_json::Value = serde_json::from_str(&res.render_falco_json().stdout).unwrap();
    assert_eq!(j["falco_load_results"][0]["successful"], true);
    assert_eq!(j["falco_load_results"][0]["schema_valid"], false);
    assert_eq!(
        j["falco_load_results"][0]["schema_warnings"][0],
        "failed for <root>[0][capture]: Value type not permitted by 'type' constraint."
    );
}

#[test]
fn schema_accepts_cross_kind_keys_and_rejects_lowercase_priority() {
    let res = engine().load(&[
        RulesFile::new("a.yaml", "- list: l\n  items: [a, 1]\n  priority: INFO\n"),
        RulesFile::new("b.yaml", RULE_OK.replace("INFO", "info").as_str()),
    ]);
    assert_eq!(res.schema_status("a.yaml"), Some(vec!["ok".to_string()]));
    assert_eq!(
        res.schema_status("b.yaml"),
        Some(vec![
            "failed for <root>[0][priority]: Failed to match against any enum values.".to_string()
        ])
    );
    assert!(res.ok());
}

#[test]
fn schema_status_absent_when_yaml_does_not_parse() {
    let files = [RulesFile::new("p.yaml", "- rule: [\n")];
    let res = engine().load(&files);
    assert_eq!(res.schema_status("p.yaml"), None);
    let j: serde_json::Value = serde_json::from_str(&res.render_falco_json().stdout).unwrap();
    assert!(j["falco_load_results"][0].get("schema_valid").is_none());
}

#[test]
fn unmet_plugin_requirement_aborts_with_error_on_stderr() {
    let mut e = Engine::new(EngineConfig {
        plugins: vec![("t".into(), "0.1.0".into())],
        ..Default::default()
    });
    e.add_source(SourceSchema {
        source: "t".into(),
        plugin_name: "t".into(),
        fields: Vec::new(),
    });
    let files = [
        RulesFile::new("a.yaml", "- list: l\n  items: []\n"),
        RulesFile::new(
            "b.yaml",
            "- required_plugin_versions:\n  - name: t\n    version: 0.2.0\n",
        ),
    ];
    let o = e.load(&files).render_falco_text();
    assert_eq!(o.stdout, "");
    assert!(
        o.stderr.starts_with("a.yaml: Ok, with warnings\n"),
        "{}",
        o.stderr
    );
    assert_eq!(
        o.stderr.lines().last().unwrap_or_default().to_string() + "\n",
        "Error: Plugin 't' version '0.1.0' is not compatible with required plugin version '0.2.0'\n"
    );
    assert!(!o.success);
}
