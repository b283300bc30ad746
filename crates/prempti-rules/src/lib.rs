//! A Falco-compatible rules engine in pure Rust.
//!
//! Prempti evaluates every tool call an AI coding agent announces against Falco rules. This
//! crate is the embedded engine: it accepts the same rules files as Falco 0.44.1 (engine
//! 0.62.0) for plugin event sources and gives the same results — matched rules, rendered outputs, JSON alerts and load
//! diagnostics. It does no I/O: callers pass file contents and implement [`FieldProvider`].
//!
//! The pipeline has four stages, each in its own module with its own representation:
//!
//! 1. `load` — YAML (with a byte span on every node) → list, macro and rule definitions in one
//!    collector shared by all files, applying appends, overrides and `enabled` toggles;
//! 2. `parse` — each condition → an [`Expr`] (hand-written recursive descent, see
//!    `src/GRAMMAR.md`), printable in Falco's canonical form;
//! 3. `compile` — lists substituted textually, exceptions appended, macros inlined, fields bound
//!    against a [`SourceSchema`], constants (regexes, globs, sets) pre-compiled, outputs
//!    compiled; it produces the compiled form of `program`;
//! 4. `eval` — the compiled conditions over a [`FieldProvider`]; `output` renders outputs.
//!
//! `engine` drives them and holds the [`Ruleset`] API. The Falco behaviour each stage
//! reproduces is written down in the crate's `COMPAT.md`.
//!
//! # Example
//!
//! ```
//! use std::borrow::Cow;
//! use std::collections::HashMap;
//! use prempti_rules::*;
//!
//! struct Event(HashMap<u32, Vec<String>>);
//! impl FieldProvider for Event {
//!     fn extract(&self, id: FieldId, _arg: Option<&str>) -> Vec<Value<'_>> {
//!         self.0.get(&id.0).map_or_else(Vec::new, |v| v.iter().map(|s| Value::Str(Cow::Borrowed(s.as_str()))).collect())
//!     }
//! }
//!
//! let field = |name: &'static str, is_list| FieldDef {
//!     name: name.into(), ty: FieldType::String, is_list, arg: ArgSpec::None,
//!     description: "".into(), suggested_output: false,
//! };
//! let mut engine = Engine::new(EngineConfig::default());
//! engine.add_source(SourceSchema {
//!     source: "coding_agent".into(),
//!     plugin_name: "coding_agent".into(),
//!     fields: vec![field("tool.name", false), field("cmd.programs", true)],
//! });
//! let rules = r#"
//! - list: fetchers
//!   items: [curl, wget]
//! - rule: Fetch in shell
//!   desc: a shell command downloads something
//!   condition: tool.name = Bash and cmd.programs intersects (fetchers)
//!   output: "%tool.name runs %cmd.programs"
//!   priority: WARNING
//!   source: coding_agent
//!   tags: [coding_agent_ask]
//! "#;
//! let result = engine.load(&[RulesFile::new("rules.yaml", rules)]);
//! assert!(result.ok(), "{}", result.render_concise());
//! let ruleset = result.into_ruleset().expect("loaded");
//!
//! let event = Event(HashMap::from([
//!     (0, vec!["Bash".to_string()]),
//!     (1, vec!["curl".to_string(), "sh".to_string()]),
//! ]));
//! let meta = EventMeta { num: 1, time_ns: 0, hostname: "host".into() };
//! let matches = ruleset.evaluate("coding_agent", &meta, &event);
//! assert_eq!(matches[0].rule, "Fetch in shell");
//! assert_eq!(matches[0].output, "Bash runs (curl,sh)");
//! assert_eq!(matches[0].priority.as_str(), "Warning");
//! ```
//!
//! # Input safety
//!
//! Rules files are input. The YAML tree bounds nesting and alias expansion; the condition parser
//! bounds recursion depth (as Falco does, 1000); conditions are bounded again in size and depth
//! after macro inlining; regexes have a compiled-size limit. No input makes the engine panic.
//!
//! # Error reporting
//!
//! Loading never fails as a whole: [`Engine::load`] returns a [`LoadResult`] with per-file
//! [`Diagnostic`]s carrying Falco's codes ([`Code`]) and wording, a file and byte span, and the
//! item concerned. Render them concisely, in full with a caret, or as JSON.

#![forbid(unsafe_code)]
// A library reports through its callers (errors, `tracing`), never on the terminal.
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![deny(missing_docs)]

mod ast;
mod compile;
mod config;
mod diag;
mod engine;
mod eval;
mod evt;
mod falco_out;
mod field;
mod glob;
mod load;
mod messages;
mod output;
mod parse;
mod posix_re;
mod priority;
mod program;
mod yaml;

pub use ast::{Check, CmpOp, Expr, FieldRef, Modifier, Operand, Rhs, Span, TArg, Transformer};
pub use config::{
    AppendOutput, EngineConfig, ExtraField, JsonOptions, RuleMatching, RuleSelection,
};
pub use diag::{
    render_concise, render_full, render_json, Code, Diagnostic, FileSpan, ItemKind, ItemRef,
    LineCol, LineIndex, Severity, SourceMap,
};
pub use engine::{
    sort_rules_dir_entries, Engine, FileResult, LoadResult, Match, RuleExplanation, RuleSummary,
    RulesFile, Ruleset,
};
pub use falco_out::FalcoValidateOutput;
pub use field::{
    ArgSpec, EventMeta, FieldDef, FieldId, FieldProvider, FieldType, IpNetwork, SourceSchema, Value,
};
pub use load::{PluginRequirement, ENGINE_VERSION};
pub use output::json_escape;
pub use parse::{parse_condition, ParseError, MAX_DEPTH as PARSE_MAX_DEPTH};
pub use priority::Priority;

/// Validates files as `falco -V` does: loads them in argument order into one engine,
/// continuing after a failed file, and returns per-file results.
pub fn validate(engine: &Engine, files: &[RulesFile]) -> LoadResult {
    engine.load(files)
}
