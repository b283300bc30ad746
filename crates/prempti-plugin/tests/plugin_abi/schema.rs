//! The exported field list and plugin identity, read through the C ABI.

use prempti_plugin::fields::schema;
use prempti_rules::ArgSpec;

use crate::ffi;

#[test]
fn exported_fields_equal_the_embedded_schema() {
    let exported: serde_json::Value =
        serde_json::from_str(&ffi::static_string("plugin_get_fields")).unwrap();
    let exported = exported.as_array().expect("get_fields returns an array");
    let schema = schema();
    assert_eq!(exported.len(), schema.fields.len());
    for (json, def) in exported.iter().zip(&schema.fields) {
        let name = json["name"].as_str().unwrap();
        assert_eq!(name, def.name, "field order");
        assert_eq!(
            json["type"].as_str().unwrap(),
            def.ty.falco_name(),
            "{name}: type"
        );
        assert_eq!(
            json["isList"].as_bool().unwrap(),
            def.is_list,
            "{name}: isList"
        );
        assert_eq!(
            json["desc"].as_str().unwrap(),
            def.description,
            "{name}: desc"
        );
        assert_eq!(
            json["addOutput"].as_bool().unwrap_or(false),
            def.suggested_output,
            "{name}: addOutput"
        );
        let arg = &json["arg"];
        match def.arg {
            ArgSpec::None => assert!(arg.is_null(), "{name}: no arg expected, got {arg}"),
            ArgSpec::Key { required } => {
                assert_eq!(arg["isKey"], true, "{name}: key arg");
                assert_eq!(
                    arg["isRequired"].as_bool().unwrap_or(false),
                    required,
                    "{name}"
                );
            }
            ArgSpec::Index { required } => {
                assert_eq!(arg["isIndex"], true, "{name}: index arg");
                assert_eq!(
                    arg["isRequired"].as_bool().unwrap_or(false),
                    required,
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn architecture_field_table_is_covered() {
    // The field table of ARCHITECTURE.md: name, type, list.
    let expected: &[(&str, &str, bool)] = &[
        ("correlation.id", "uint64", false),
        ("agent.name", "string", false),
        ("agent.os", "string", false),
        ("agent.pid", "uint64", false),
        ("agent.hook_event_name", "string", false),
        ("agent.session_id", "string", false),
        ("agent.permission_mode", "string", false),
        ("agent.transcript_path", "string", false),
        ("agent.model", "string", false),
        ("agent.turn_id", "string", false),
        ("agent.cwd", "string", false),
        ("agent.real_cwd", "string", false),
        ("agent.home", "string", false),
        ("prempti.home", "string", false),
        ("tool.use_id", "string", false),
        ("tool.name", "string", false),
        ("tool.kind", "string", false),
        ("tool.input", "string", false),
        ("tool.input_command", "string", false),
        ("tool.file_path", "string", false),
        ("tool.real_file_path", "string", false),
        ("tool.home_file_path", "string", false),
        ("tool.in_prempti_home", "bool", false),
        ("tool.patch_op", "string", false),
        ("tool.mcp_server", "string", false),
        ("tool.mcp_tool", "string", false),
        ("tool.url", "string", false),
        ("tool.url_host", "string", false),
        ("tool.content", "string", false),
        ("tool.pattern", "string", false),
        ("tool.search_path", "string", false),
        ("tool.home_search_path", "string", false),
        ("cmd.programs", "string", true),
        ("cmd.program_paths", "string", true),
        ("cmd.args", "string", true),
        ("cmd.argv", "string", true),
        ("cmd.write_paths", "string", true),
        ("cmd.home_write_paths", "string", true),
        ("cmd.read_paths", "string", true),
        ("cmd.pipe_to_interpreter", "bool", false),
        ("cmd.piped_interpreters", "string", true),
        ("cmd.urls", "string", true),
        ("cmd.hosts", "string", true),
        ("cmd.env", "string", true),
        ("cmd.parse_error", "bool", false),
        ("cmd.limit_hit", "bool", false),
        ("cmd.program_count", "uint64", false),
        ("cmd.delete_paths", "string", true),
        ("cmd.recursive_delete_paths", "string", true),
        ("cmd.recursive_read_paths", "string", true),
        ("cmd.chmod_paths", "string", true),
        ("cmd.exec_paths", "string", true),
        ("cmd.upload_paths", "string", true),
        ("cmd.modified_paths", "string", true),
        ("cmd.home_read_paths", "string", true),
        ("cmd.home_modified_paths", "string", true),
        ("cmd.home_delete_paths", "string", true),
        ("cmd.outside_cwd_paths", "string", true),
        ("cmd.path_globs", "string", true),
        ("cmd.dynamic_programs", "string", true),
        ("cmd.dynamic_paths", "string", true),
        ("cmd.behaviors", "string", true),
        ("cmd.path_prefixes", "string", true),
        ("cmd.home_path_prefixes", "string", true),
        ("cmd.path_names", "string", true),
        ("cmd.path_extensions", "string", true),
        ("cmd.home_path_depths", "string", true),
        ("cmd.serve_paths", "string", true),
        ("tool.content_programs", "string", true),
        ("tool.content_risks", "string", true),
        ("tool.content_hosts", "string", true),
        ("tool.content_home_path_prefixes", "string", true),
        ("tool.unresolved_path", "bool", false),
        ("tool.paths", "string", true),
        ("tool.path_prefixes", "string", true),
        ("tool.home_path_prefixes", "string", true),
        ("tool.path_names", "string", true),
        ("tool.outside_cwd_paths", "string", true),
        ("tool.search_roots", "string", true),
        ("tool.home_search_roots", "string", true),
        ("tool.search_output", "string", false),
        ("tool.paths_in_prempti_home", "bool", false),
        ("cmd.signals_prempti", "bool", false),
        ("cmd.arg_names", "string", true),
        ("cmd.modifies_prempti_home", "bool", false),
        ("session.mark_age_ms", "uint64", false),
        ("session.mark_count", "uint64", false),
        ("session.carries_secret", "bool", false),
        ("session.call_count", "uint64", false),
        ("session.hosts", "string", true),
        ("session.new_hosts", "string", true),
        ("agent.subagent_id", "string", false),
        ("agent.subagent_type", "string", false),
        ("agent.prompt_id", "string", false),
        ("agent.effort", "string", false),
        ("cmd.env_words", "string", true),
        ("cmd.install_sources", "string", true),
        ("tool.secret_kinds", "string", true),
        ("tool.home_path_depths", "string", true),
    ];
    let schema = schema();
    let got: Vec<(&str, &str, bool)> = schema
        .fields
        .iter()
        .map(|f| (f.name.as_ref(), f.ty.falco_name(), f.is_list))
        .collect();
    assert_eq!(got, expected);
    let suggested: Vec<&str> = schema
        .fields
        .iter()
        .filter(|f| f.suggested_output)
        .map(|f| f.name.as_ref())
        .collect();
    assert_eq!(suggested, ["correlation.id", "agent.pid"]);
    assert_eq!(schema.source, "coding_agent");
    assert_eq!(schema.plugin_name, "coding_agent");
}

#[test]
fn plugin_identity_through_the_abi() {
    assert_eq!(ffi::static_string("plugin_get_name"), "coding_agent");
    assert_eq!(
        ffi::static_string("plugin_get_event_source"),
        "coding_agent"
    );
    assert_eq!(
        ffi::static_string("plugin_get_version"),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(ffi::plugin_id(), prempti_plugin::falco::PLUGIN_ID);
    let sources: serde_json::Value =
        serde_json::from_str(&ffi::static_string("plugin_get_extract_event_sources")).unwrap();
    // Empty means "the source this plugin implements" to Falco's plugin loader.
    assert!(
        sources == serde_json::json!([]) || sources == serde_json::json!(["coding_agent"]),
        "{sources}"
    );
}

#[test]
fn init_schema_describes_every_config_key() {
    let (text, ty) = ffi::init_schema();
    assert_eq!(
        ty,
        falco_plugin::api::ss_plugin_schema_type_SS_PLUGIN_SCHEMA_JSON
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let props = schema["properties"].as_object().expect("properties");
    for key in [
        "mode",
        "default_action",
        "socket_path",
        "deny_tags",
        "ask_tags",
        "seen_tags",
        "max_request_bytes",
        "request_deadline_ms",
        "intake",
        "audit",
        "sessions",
    ] {
        assert!(props.contains_key(key), "init schema lacks {key}: {text}");
    }
    assert!(
        text.contains("max_files") && text.contains("max_bytes") && text.contains("token"),
        "{text}"
    );
}
