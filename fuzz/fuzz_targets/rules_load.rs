//! Fuzzes the rules loader: any bytes as a rules file must load or report diagnostics, never
//! panic or hang, and every diagnostic must render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prempti_rules::{ArgSpec, Engine, EngineConfig, FieldDef, FieldType, RulesFile, SourceSchema};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let field = |name: &'static str, ty, is_list| FieldDef {
        name: name.into(),
        ty,
        is_list,
        arg: ArgSpec::Key { required: false },
        description: "".into(),
        suggested_output: false,
    };
    let mut engine = Engine::new(EngineConfig::default());
    engine.add_source(SourceSchema {
        source: "coding_agent".into(),
        plugin_name: "coding_agent".into(),
        fields: vec![
            field("tool.name", FieldType::String, false),
            field("cmd.programs", FieldType::String, true),
            field("agent.pid", FieldType::U64, false),
        ],
    });
    let result = engine.load(&[RulesFile::new("fuzz.yaml", text)]);
    let _ = result.render_json();
    let _ = result.render_full();
});
