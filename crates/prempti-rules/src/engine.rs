//! The engine: loading files in order into one namespace, and the compiled [`Ruleset`] that
//! evaluates events (COMPAT.md §1, §11, §12).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::compile::Compiler;
use crate::config::{EngineConfig, JsonOptions, RuleMatching, RuleSelection};
use crate::diag::{render_concise, render_full, render_json, Code, Diagnostic, SourceMap};
use crate::eval::Ctx;
use crate::field::{EventMeta, FieldProvider, SourceSchema, Value};
use crate::load::{Collector, PluginRequirement};
use crate::messages as msg;
use crate::output::json_escape;
use crate::priority::Priority;
use crate::program::{CNode, CompiledRule, Extra, Program};

/// One rules file to load: a name (for messages) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesFile {
    /// Name shown in diagnostics (usually the path).
    pub name: String,
    /// YAML text.
    pub content: String,
}

impl RulesFile {
    /// Builds a file.
    pub fn new(name: impl Into<String>, content: impl Into<String>) -> RulesFile {
        RulesFile {
            name: name.into(),
            content: content.into(),
        }
    }
}

/// Sorts directory entries the way Falco reads a rules directory: only names ending in
/// `.yaml`/`.yml`, in byte order of the full path.
pub fn sort_rules_dir_entries<I, S>(paths: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut v: Vec<String> = paths
        .into_iter()
        .map(Into::into)
        .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
        .collect();
    v.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    v
}

/// The result of loading one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// File name.
    pub name: String,
    /// Errors (any error: the file failed).
    pub errors: Vec<Diagnostic>,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

impl FileResult {
    /// No errors.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The result of loading several files.
#[derive(Debug)]
pub struct LoadResult {
    /// Per file, in load order.
    pub files: Vec<FileResult>,
    /// The files' text, for rendering positions.
    pub sources: SourceMap,
    ruleset: Option<Ruleset>,
}

impl LoadResult {
    /// Every file loaded without error.
    pub fn ok(&self) -> bool {
        self.files.iter().all(FileResult::ok)
    }

    /// All diagnostics, file by file, errors before warnings.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files
            .iter()
            .flat_map(|f| f.errors.iter().chain(f.warnings.iter()))
    }

    /// The ruleset, if every file loaded.
    pub fn ruleset(&self) -> Option<&Ruleset> {
        if self.ok() {
            self.ruleset.as_ref()
        } else {
            None
        }
    }

    /// Takes the ruleset, if every file loaded.
    pub fn into_ruleset(self) -> Option<Ruleset> {
        if self.ok() {
            self.ruleset
        } else {
            None
        }
    }

    /// `{"ok":..,"errors":[..],"warnings":[..]}`.
    pub fn render_json(&self) -> String {
        render_json(self.diagnostics(), &self.sources)
    }

    /// One line per diagnostic: `file:line:col: error[CODE] message`.
    pub fn render_concise(&self) -> String {
        self.diagnostics()
            .map(|d| render_concise(d, &self.sources) + "\n")
            .collect()
    }

    /// Each diagnostic with its source line and a caret.
    pub fn render_full(&self) -> String {
        self.diagnostics()
            .map(|d| render_full(d, &self.sources))
            .collect()
    }
}

/// The engine: the registered sources and the configuration.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    sources: Vec<Arc<SourceSchema>>,
    config: EngineConfig,
}

impl Engine {
    /// An engine with no sources.
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            sources: Vec::new(),
            config,
        }
    }

    /// Registers an event source.
    pub fn add_source(&mut self, schema: SourceSchema) {
        self.sources.retain(|s| s.source != schema.source);
        self.sources.push(Arc::new(schema));
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Loads files in order into one namespace, continuing after a failed file (as `falco -V`
    /// does). The ruleset is the last successful compile with the `rules:` selections applied.
    pub fn load(&self, files: &[RulesFile]) -> LoadResult {
        let mut collector = Collector::default();
        let mut sources = SourceMap::default();
        let known: Vec<String> = self.sources.iter().map(|s| s.source.to_string()).collect();
        let mut results = Vec::new();
        let mut installed: Option<Program> = None;
        for f in files {
            let name: Arc<str> = Arc::from(f.name.as_str());
            sources.add(name.clone(), Arc::from(f.content.as_str()));
            let mut res = FileResult {
                name: f.name.clone(),
                errors: Vec::new(),
                warnings: Vec::new(),
            };
            match collector.read_file(&name, &f.content, &known, &mut res.warnings) {
                Err(e) => res.errors.push(*e),
                Ok(()) => match self.compiler().compile_all(&collector, &mut res.warnings) {
                    Ok(program) => installed = Some(program),
                    Err(e) => res.errors.push(*e),
                },
            }
            if res.errors.is_empty() {
                if let Some(e) = self.check_plugins(&collector.plugin_requirements) {
                    res.errors.push(e);
                }
            }
            results.push(res);
        }
        let ruleset = installed.map(|program| {
            let mut rs = Ruleset {
                rules: program.rules,
                slots: program.slots,
                schemas: self
                    .sources
                    .iter()
                    .map(|s| (s.source.to_string(), s.clone()))
                    .collect(),
                config: self.config.clone(),
                start_ns: AtomicU64::new(u64::MAX),
                tz: self
                    .config
                    .time_zone
                    .clone()
                    .unwrap_or(jiff::tz::TimeZone::UTC),
            };
            for sel in &self.config.selections {
                rs.apply_selection(sel);
            }
            rs
        });
        LoadResult {
            files: results,
            sources,
            ruleset,
        }
    }

    fn compiler(&self) -> Compiler<'_> {
        Compiler {
            sources: &self.sources,
            config: &self.config,
        }
    }

    fn check_plugins(&self, reqs: &[PluginRequirement]) -> Option<Diagnostic> {
        if self.config.plugins.is_empty() {
            return None;
        }
        for r in reqs {
            let mut satisfied = false;
            for (name, ver) in &r.alternatives {
                if let Some((_, have)) = self.config.plugins.iter().find(|(n, _)| n == name) {
                    let (Some(req), Some(have_v)) = (
                        crate::load::parse_semver(ver),
                        crate::load::parse_semver(have),
                    ) else {
                        return Some(Diagnostic::new(
                            Code::LoadErrValidate,
                            msg::plugin_invalid_version(name, have),
                            None,
                            None,
                        ));
                    };
                    if req.0 != have_v.0 || have_v < req {
                        return Some(Diagnostic::new(
                            Code::LoadErrValidate,
                            msg::plugin_incompatible(name, have, ver),
                            None,
                            None,
                        ));
                    }
                    satisfied = true;
                    break;
                }
            }
            if !satisfied {
                let all: Vec<String> = r
                    .alternatives
                    .iter()
                    .map(|(n, v)| format!("{n} (>= {v})"))
                    .collect();
                return Some(Diagnostic::new(
                    Code::LoadErrValidate,
                    format!(
                        "Plugin requirement not satisfied, must load one of: {}",
                        all.join(", ")
                    ),
                    None,
                    None,
                ));
            }
        }
        None
    }
}

/// A compiled, installed set of rules. `Send + Sync`: share it behind an `Arc` and swap it on
/// reload.
#[derive(Debug)]
pub struct Ruleset {
    rules: Vec<CompiledRule>,
    /// Memo slots of the rules' plugin field reads.
    slots: usize,
    schemas: HashMap<String, Arc<SourceSchema>>,
    config: EngineConfig,
    start_ns: AtomicU64,
    tz: jiff::tz::TimeZone,
}

/// A rule's public description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSummary {
    /// Name.
    pub name: String,
    /// `desc`.
    pub desc: String,
    /// Priority.
    pub priority: Priority,
    /// Source.
    pub source: String,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Enabled now.
    pub enabled: bool,
    /// The condition after lists, exceptions and macros, in Falco's canonical form.
    pub condition: String,
}

/// A matching rule and its alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Rule name.
    pub rule: String,
    /// Priority.
    pub priority: Priority,
    /// Event source.
    pub source: String,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Rendered output (rule output plus `append_output` extras).
    pub output: String,
    /// `output_fields` of the JSON alert, keys sorted, including the time key.
    pub output_fields: BTreeMap<String, serde_json::Value>,
    /// Event time, ns since the epoch.
    pub time_ns: u64,
    /// Host name.
    pub hostname: String,
    prefix_time: String,
    opts: JsonOptions,
}

impl Match {
    /// The text alert line (COMPAT.md §10): `<time>: <Priority> <output>`, JSON-escaped.
    pub fn text_line(&self) -> String {
        json_escape(&self.full_line())
    }

    fn full_line(&self) -> String {
        format!(
            "{}: {} {}",
            self.prefix_time,
            self.priority.as_str(),
            self.output
        )
    }

    /// Falco's JSON alert (COMPAT.md §10): keys in alphabetical order, no spaces.
    pub fn json_alert(&self) -> String {
        let mut m = BTreeMap::new();
        m.insert("hostname", serde_json::Value::String(self.hostname.clone()));
        if self.opts.include_output {
            m.insert("output", serde_json::Value::String(self.full_line()));
        }
        if self.opts.include_output_fields {
            let of: serde_json::Map<String, serde_json::Value> = self
                .output_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            m.insert("output_fields", serde_json::Value::Object(of));
        }
        m.insert(
            "priority",
            serde_json::Value::String(self.priority.as_str().to_string()),
        );
        m.insert("rule", serde_json::Value::String(self.rule.clone()));
        m.insert("source", serde_json::Value::String(self.source.clone()));
        if self.opts.include_tags {
            m.insert(
                "tags",
                serde_json::Value::Array(
                    self.tags
                        .iter()
                        .cloned()
                        .map(serde_json::Value::String)
                        .collect(),
                ),
            );
        }
        m.insert(
            "time",
            serde_json::Value::String(crate::evt::iso_utc_z(self.time_ns)),
        );
        if self.opts.include_message {
            m.insert("message", serde_json::Value::String(self.output.clone()));
        }
        let obj: serde_json::Map<String, serde_json::Value> =
            m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        serde_json::Value::Object(obj).to_string()
    }
}

/// What decided one rule, for `premptictl rules explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleExplanation {
    /// Rule name.
    pub rule: String,
    /// Whether the condition held.
    pub matched: bool,
    /// The sub-expressions (checks) that decided the result, canonical form.
    pub deciding: Vec<String>,
    /// Every field read while evaluating, with its rendered value (`<NA>` when missing).
    pub fields: Vec<(String, String)>,
}

/// Wildcard match with `*` only, against the whole name.
fn wildcard(pattern: &str, name: &str) -> bool {
    simple_star(pattern, name)
}

fn simple_star(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

impl Ruleset {
    /// Rules in evaluation order.
    pub fn rules(&self) -> Vec<RuleSummary> {
        self.rules
            .iter()
            .map(|r| RuleSummary {
                name: r.name.clone(),
                desc: r.desc.clone(),
                priority: r.priority,
                source: r.source.clone(),
                tags: r.tags.clone(),
                enabled: r.enabled,
                condition: r.condition.clone(),
            })
            .collect()
    }

    /// Applies one `rules:` selection (enable/disable by name pattern and/or tag).
    pub fn apply_selection(&mut self, sel: &RuleSelection) -> usize {
        let mut n = 0;
        for r in &mut self.rules {
            let by_name = sel.rule.as_deref().is_some_and(|p| wildcard(p, &r.name));
            let by_tag = sel
                .tag
                .as_deref()
                .is_some_and(|t| r.tags.iter().any(|x| x == t));
            if by_name || by_tag {
                r.enabled = sel.enable;
                n += 1;
            }
        }
        n
    }

    fn ctx<'a>(
        &'a self,
        source: &str,
        meta: &'a EventMeta,
        provider: &'a dyn FieldProvider,
    ) -> Option<Ctx<'a>> {
        let schema = self.schemas.get(source)?;
        let _ = self.start_ns.compare_exchange(
            u64::MAX,
            meta.time_ns,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        let start_ns = self.start_ns.load(Ordering::Relaxed);
        Some(Ctx {
            provider,
            meta,
            schema,
            tz: &self.tz,
            start_ns,
            memo: crate::eval::memo(self.slots),
        })
    }

    /// Evaluates an event of `source`: matches in evaluation order (one at most with
    /// `rule_matching: first`).
    pub fn evaluate(
        &self,
        source: &str,
        meta: &EventMeta,
        provider: &dyn FieldProvider,
    ) -> Vec<Match> {
        let mut out = Vec::new();
        let Some(ctx) = self.ctx(source, meta, provider) else {
            return out;
        };
        for r in &self.rules {
            if !r.enabled || r.source != source || !ctx.node(&r.node) {
                continue;
            }
            out.push(self.alert(r, &ctx));
            if self.config.rule_matching == RuleMatching::First {
                break;
            }
        }
        out
    }

    fn alert<'a>(&'a self, r: &'a CompiledRule, ctx: &Ctx<'a>) -> Match {
        let output = r.format.render(ctx);
        let mut fields = BTreeMap::new();
        r.format.fields_json(ctx, &mut fields);
        for e in &r.extras {
            match e {
                Extra::Formatted(k, f) => {
                    fields.insert(k.clone(), serde_json::Value::String(f.render(ctx)));
                }
                Extra::Raw(k, op, ty) => {
                    let vals = ctx.operand(op);
                    fields.insert(k.clone(), crate::output::json_values(&vals, *ty));
                }
            }
        }
        let (time_key, time_field) = if self.config.time_format_iso_8601 {
            ("evt.time.iso8601", crate::evt::EvtField::TimeIso8601)
        } else {
            ("evt.time", crate::evt::EvtField::Time)
        };
        fields.insert(
            time_key.to_string(),
            serde_json::Value::from(ctx.meta.time_ns),
        );
        let prefix_time =
            match crate::evt::extract(time_field, ctx.meta, ctx.schema, ctx.tz, ctx.start_ns) {
                crate::evt::EvtValue::Str(s) => s,
                _ => String::new(),
            };
        Match {
            rule: r.name.clone(),
            priority: r.priority,
            source: r.source.clone(),
            tags: r.tags.clone(),
            output,
            output_fields: fields,
            time_ns: ctx.meta.time_ns,
            hostname: ctx.meta.hostname.clone(),
            prefix_time,
            opts: self.config.json,
        }
    }

    /// Explains every enabled rule of `source` for this event.
    pub fn explain(
        &self,
        source: &str,
        meta: &EventMeta,
        provider: &dyn FieldProvider,
    ) -> Vec<RuleExplanation> {
        let Some(ctx) = self.ctx(source, meta, provider) else {
            return Vec::new();
        };
        self.rules
            .iter()
            .filter(|r| r.enabled && r.source == source)
            .map(|r| {
                let mut fields = Vec::new();
                let (matched, deciding) = explain_node(&ctx, &r.node, &mut fields);
                RuleExplanation {
                    rule: r.name.clone(),
                    matched,
                    deciding,
                    fields,
                }
            })
            .collect()
    }
}

fn explain_node<'a>(
    ctx: &Ctx<'a>,
    n: &'a CNode,
    fields: &mut Vec<(String, String)>,
) -> (bool, Vec<String>) {
    match n {
        CNode::And(c) => {
            let mut all = Vec::new();
            for x in c {
                let (v, d) = explain_node(ctx, x, fields);
                if !v {
                    return (false, d);
                }
                all.extend(d);
            }
            (true, all)
        }
        CNode::Or(c) => {
            let mut all = Vec::new();
            for x in c {
                let (v, d) = explain_node(ctx, x, fields);
                if v {
                    return (true, d);
                }
                all.extend(d);
            }
            (false, all)
        }
        CNode::Not(c) => {
            let (v, d) = explain_node(ctx, c, fields);
            (!v, d.into_iter().map(|s| format!("not {s}")).collect())
        }
        CNode::Check(c) => {
            let vals = ctx.operand(&c.lhs);
            let rendered = render_for_explain(&vals, c.lhs_list);
            if !fields.iter().any(|(k, _)| **k == *c.lhs_text) {
                fields.push((c.lhs_text.to_string(), rendered));
            }
            (ctx.check(c), vec![c.text.to_string()])
        }
    }
}

fn render_for_explain(vals: &[Value<'_>], list: bool) -> String {
    if vals.is_empty() {
        return "<NA>".into();
    }
    let s: Vec<String> = vals.iter().map(Value::render).collect();
    if list {
        format!("({})", s.join(","))
    } else {
        s.into_iter().next().unwrap_or_default()
    }
}
