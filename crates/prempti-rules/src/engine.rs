//! The engine: configuration, loading files in order into one namespace, and the compiled
//! [`Ruleset`] that evaluates events (reference §0, §8, §9).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::ast::Expr;
use crate::compile::{
    self, exception_clause, idents, inline_macros, substitute_lists, Binder, Ty, Warnings,
};
use crate::diag::{
    render_concise, render_full, render_json, Code, Diagnostic, FileSpan, ItemKind, ItemRef,
    SourceMap,
};
use crate::eval::{CNode, Ctx};
use crate::field::{EventMeta, FieldProvider, SourceSchema, Value};
use crate::load::{Collector, LocatedText, PluginRequirement, RuleInfo};
use crate::messages as msg;
use crate::output::{compile_format, json_escape, Format};
use crate::parse::parse_condition;
use crate::priority::Priority;

/// `rule_matching` in falco.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleMatching {
    /// Stop at the first matching rule (Falco's default).
    #[default]
    First,
    /// Emit one alert per matching rule.
    All,
}

impl RuleMatching {
    /// Parses `first` / `all`, case-insensitively.
    pub fn parse(s: &str) -> Option<RuleMatching> {
        match s.to_ascii_lowercase().as_str() {
            "first" => Some(RuleMatching::First),
            "all" => Some(RuleMatching::All),
            _ => None,
        }
    }
}

/// An `extra_fields` entry of `append_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraField {
    /// `{key: format}`: a formatted string.
    Formatted {
        /// Key in `output_fields`.
        key: String,
        /// Format string.
        format: String,
    },
    /// A bare field name: its raw typed value.
    Raw(String),
}

/// One falco.yaml `append_output` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppendOutput {
    /// `match.source` (empty = any).
    pub source: Option<String>,
    /// `match.tags`: all must be on the rule.
    pub tags: Vec<String>,
    /// `match.rule` (empty = any).
    pub rule: Option<String>,
    /// Text appended to the output with one space.
    pub extra_output: Option<String>,
    /// Extra `output_fields`.
    pub extra_fields: Vec<ExtraField>,
    /// Append ` name=%name` for every suggested field of the source.
    pub suggested_output: bool,
}

/// One falco.yaml `rules:` selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    /// Enable (true) or disable.
    pub enable: bool,
    /// Rule name pattern (`*` wildcard only; no `*` = exact).
    pub rule: Option<String>,
    /// Exact tag.
    pub tag: Option<String>,
}

/// JSON alert switches (`json_include_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonOptions {
    /// `json_include_output_property` (default true).
    pub include_output: bool,
    /// `json_include_output_fields_property` (default true).
    pub include_output_fields: bool,
    /// `json_include_tags_property` (default true).
    pub include_tags: bool,
    /// `json_include_message_property` (default false).
    pub include_message: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            include_output: true,
            include_output_fields: true,
            include_tags: true,
            include_message: false,
        }
    }
}

/// Engine configuration (the falco.yaml keys that matter for plugin sources).
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// `rule_matching`.
    pub rule_matching: RuleMatching,
    /// `priority`: rules less severe than this are never added (default `debug`).
    pub min_priority: Option<Priority>,
    /// `append_output`, in order.
    pub append_output: Vec<AppendOutput>,
    /// `rules:` selections, applied in order after loading.
    pub selections: Vec<RuleSelection>,
    /// `static_fields` (`static.<key>`).
    pub static_fields: Vec<(String, String)>,
    /// Time zone for `evt.time`, `evt.datetime` (Falco uses the local zone). Default UTC.
    pub time_zone: Option<jiff::tz::TimeZone>,
    /// `time_format_iso_8601`.
    pub time_format_iso_8601: bool,
    /// JSON alert switches.
    pub json: JsonOptions,
    /// Loaded plugins `(name, version)` for `required_plugin_versions`; empty skips the check.
    pub plugins: Vec<(String, String)>,
}

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
        let mut installed: Option<Vec<CompiledRule>> = None;
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
                Ok(()) => match self.compile_all(&collector, &mut res.warnings) {
                    Ok(rules) => installed = Some(rules),
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
        let ruleset = installed.map(|rules| {
            let mut rs = Ruleset {
                rules,
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

    /// Compiles everything collected so far (§0 step 2).
    fn compile_all(
        &self,
        c: &Collector,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Vec<CompiledRule>, Box<Diagnostic>> {
        // Lists: expand references to earlier lists (§4.1 step 1).
        let mut expanded: Vec<(String, Vec<String>)> = Vec::new();
        let mut used_lists: HashSet<String> = HashSet::new();
        let by_name: HashMap<&str, &crate::load::ListInfo> =
            c.lists.items.iter().map(|l| (l.name.as_str(), l)).collect();
        for l in &c.lists.items {
            let mut items = Vec::new();
            for it in &l.items {
                match by_name.get(it.as_str()) {
                    Some(other) if other.index < l.visibility && other.name != l.name => {
                        used_lists.insert(other.name.clone());
                        let pos = expanded.iter().position(|(n, _)| n == &other.name);
                        match pos {
                            Some(p) => items.extend(expanded[p].1.clone()),
                            None => items.push(it.clone()),
                        }
                    }
                    _ => items.push(it.clone()),
                }
            }
            expanded.push((l.name.clone(), items));
        }
        // Macros: substitute, parse.
        let mut parsed: HashMap<String, Expr> = HashMap::new();
        for m in &c.macros.items {
            let item = Some(ItemRef {
                kind: ItemKind::Macro,
                name: m.name.clone(),
            });
            let (text, used, map) = substitute_lists(&m.cond.text, &expanded);
            used_lists.extend(used.iter().map(|s| s.to_string()));
            match parse_condition(&text) {
                Ok(e) => {
                    parsed.insert(m.name.clone(), e);
                }
                Err(e) => {
                    let span = cond_span(&m.cond, 0, e.offset, &map);
                    return Err(Box::new(Diagnostic::new(
                        Code::LoadErrCompileCondition,
                        e.message,
                        span,
                        item,
                    )));
                }
            }
        }
        // Macros: resolve with visibility (§1.8), detecting loops.
        let mut resolved: HashMap<String, Expr> = HashMap::new();
        let mut used_macros: HashSet<String> = HashSet::new();
        for m in &c.macros.items {
            let mut stack = Vec::new();
            self.resolve_macro(
                c,
                &m.name,
                &parsed,
                &mut resolved,
                &mut used_macros,
                &mut stack,
            )
            .map_err(|(name, message)| {
                let info = c.macros.get(&name);
                Box::new(Diagnostic::new(
                    Code::LoadErrValidate,
                    message,
                    info.map(|i| i.loc.clone()),
                    Some(ItemRef {
                        kind: ItemKind::Macro,
                        name,
                    }),
                ))
            })?;
        }
        // Rules.
        let mut out = Vec::new();
        for r in &c.rules.items {
            let Some(schema) = self.sources.iter().find(|s| s.source == r.source) else {
                continue;
            };
            let item = Some(ItemRef {
                kind: ItemKind::Rule,
                name: r.name.clone(),
            });
            let binder = Binder {
                schema,
                static_fields: &self.config.static_fields,
            };
            match self.compile_rule(
                r,
                &binder,
                &expanded,
                &resolved,
                &mut used_lists,
                &mut used_macros,
                warnings,
            ) {
                Ok(Some(cr)) => out.push(cr),
                Ok(None) => {}
                Err((code, message, span)) => {
                    let span = span.or_else(|| Some(r.loc.clone()));
                    return Err(Box::new(Diagnostic::new(code, message, span, item)));
                }
            }
        }
        for m in &c.macros.items {
            if !used_macros.contains(&m.name) {
                warnings.push(Diagnostic::new(
                    Code::LoadUnusedMacro,
                    msg::UNUSED_MACRO,
                    Some(m.loc.clone()),
                    Some(ItemRef {
                        kind: ItemKind::Macro,
                        name: m.name.clone(),
                    }),
                ));
            }
        }
        for l in &c.lists.items {
            if !used_lists.contains(&l.name) {
                warnings.push(Diagnostic::new(
                    Code::LoadUnusedList,
                    msg::UNUSED_LIST,
                    Some(l.loc.clone()),
                    Some(ItemRef {
                        kind: ItemKind::List,
                        name: l.name.clone(),
                    }),
                ));
            }
        }
        // Install: drop rules below the minimum priority (§6).
        let min = self.config.min_priority.unwrap_or(Priority::Debug);
        out.retain(|r: &CompiledRule| r.priority <= min);
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_macro(
        &self,
        c: &Collector,
        name: &str,
        parsed: &HashMap<String, Expr>,
        resolved: &mut HashMap<String, Expr>,
        used: &mut HashSet<String>,
        stack: &mut Vec<String>,
    ) -> Result<(), (String, String)> {
        if resolved.contains_key(name) {
            return Ok(());
        }
        if stack.iter().any(|s| s == name) {
            return Err((stack[0].clone(), msg::macro_loop(name)));
        }
        if stack.len() > 200 {
            return Err((name.to_string(), msg::too_complex(compile::MAX_DEPTH)));
        }
        let Some(e) = parsed.get(name) else {
            return Ok(());
        };
        let Some(info) = c.macros.get(name) else {
            return Ok(());
        };
        let mut ids = Vec::new();
        idents(e, &mut ids);
        stack.push(name.to_string());
        for id in &ids {
            let visible = c.macros.get(id).is_some_and(|x| x.index < info.visibility);
            if !visible {
                // A macro naming itself is not visible to itself either: Falco 0.44.1 reports
                // it as undefined, not as a loop.
                return Err((name.to_string(), msg::undefined_macro(id)));
            }
            self.resolve_macro(c, id, parsed, resolved, used, stack)?;
        }
        stack.pop();
        let mut budget = compile::MAX_NODES;
        let r = inline_macros(e, resolved, &|_| true, used, &mut budget)
            .map_err(|m| (name.to_string(), m))?;
        if r.depth() > compile::MAX_DEPTH {
            return Err((name.to_string(), msg::too_complex(compile::MAX_DEPTH)));
        }
        resolved.insert(name.to_string(), r);
        Ok(())
    }

    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn compile_rule(
        &self,
        r: &RuleInfo,
        b: &Binder<'_>,
        lists: &[(String, Vec<String>)],
        macros: &HashMap<String, Expr>,
        used_lists: &mut HashSet<String>,
        used_macros: &mut HashSet<String>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Option<CompiledRule>, (Code, String, Option<FileSpan>)> {
        let item = Some(ItemRef {
            kind: ItemKind::Rule,
            name: r.name.clone(),
        });
        // Exceptions: validate fields, build clauses.
        let mut text = format!("({})", r.cond.text);
        for e in &r.exceptions {
            let fields: Vec<&String> = match &e.fields {
                Some(crate::load::OneOrMany::One(f)) => vec![f],
                Some(crate::load::OneOrMany::Many(f)) => f.iter().collect(),
                None => Vec::new(),
            };
            for f in fields {
                let ok = crate::parse::parse_operand_prefix(f.trim())
                    .ok()
                    .filter(|(_, used)| *used == f.trim().len())
                    .is_some_and(|(o, _)| b.operand(&o).is_ok());
                if !ok {
                    return Err((
                        Code::LoadErrValidate,
                        msg::exc_bad_field(f),
                        Some(e.loc.clone()),
                    ));
                }
            }
            match exception_clause(e) {
                Ok(Some(clause)) => {
                    text.push_str(" and not ");
                    text.push_str(&clause);
                }
                Ok(None) => {}
                Err(m) => return Err((Code::LoadErrValidate, m, Some(e.loc.clone()))),
            }
        }
        // Output with append_output extras.
        let mut output = r.output.text.clone();
        let mut extra_fields = Vec::new();
        for ao in &self.config.append_output {
            let applies = ao
                .source
                .as_deref()
                .is_none_or(|s| s.is_empty() || s == r.source)
                && ao.tags.iter().all(|t| r.tags.contains(t))
                && ao
                    .rule
                    .as_deref()
                    .is_none_or(|x| x.is_empty() || x == r.name);
            if !applies {
                continue;
            }
            if let Some(x) = &ao.extra_output {
                if !x.is_empty() {
                    output.push(' ');
                    output.push_str(x);
                }
            }
            if ao.suggested_output {
                for f in b.schema.fields.iter().filter(|f| f.suggested_output) {
                    output.push_str(&format!(" {}=%{}", f.name.replace('.', "_"), f.name));
                }
                for (k, _) in b.static_fields {
                    output.push_str(&format!(" static_{k}=%static.{k}"));
                }
            }
            extra_fields.extend(ao.extra_fields.iter().cloned());
        }
        if output.contains("%container.info") {
            output = output.replace("%container.info", "");
            warnings.push(Diagnostic::new(
                Code::LoadDeprecatedItem,
                msg::CONTAINER_INFO,
                r.output.span(0),
                item.clone(),
            ));
        }
        let skip_unknown = |m: &str| {
            r.skip_if_unknown_filter
                && [
                    "nonexistent field",
                    "invalid formatting token",
                    "unknown event type",
                    "unknown filter:",
                ]
                .iter()
                .any(|p| m.contains(p))
        };
        let format = match compile_format(&output, b, true) {
            Ok(f) => f,
            Err(m) if skip_unknown(&m) => {
                warnings.push(Diagnostic::new(
                    Code::LoadUnknownFilter,
                    m,
                    r.output.span(0),
                    item,
                ));
                return Ok(None);
            }
            Err(m) => return Err((Code::LoadErrCompileOutput, m, r.output.span(0))),
        };
        let mut extras = Vec::new();
        for ef in &extra_fields {
            match ef {
                ExtraField::Formatted { key, format } => {
                    let f = compile_format(format, b, false)
                        .map_err(|m| (Code::LoadErrCompileOutput, m, r.output.span(0)))?;
                    extras.push(Extra::Formatted(key.clone(), f));
                }
                ExtraField::Raw(name) => {
                    let f = crate::parse::parse_operand_prefix(name)
                        .ok()
                        .and_then(|(o, _)| b.operand(&o).ok())
                        .ok_or_else(|| {
                            (
                                Code::LoadErrCompileOutput,
                                msg::FMT_UNKNOWN_FILTER.to_string(),
                                r.output.span(0),
                            )
                        })?;
                    extras.push(Extra::Raw(name.clone(), f.0, f.1));
                }
            }
        }
        // Condition: lists, parse, macros, bind.
        let (subst, used, map) = substitute_lists(&text, lists);
        used_lists.extend(used.iter().map(|s| s.to_string()));
        let ast = parse_condition(&subst).map_err(|e| {
            (
                Code::LoadErrCompileCondition,
                e.message,
                cond_span(&r.cond, 1, e.offset, &map),
            )
        })?;
        let mut budget = compile::MAX_NODES;
        let inlined = inline_macros(&ast, macros, &|_| true, used_macros, &mut budget)
            .map_err(|m| (Code::LoadErrValidate, m, r.cond.span(0)))?;
        if inlined.depth() > compile::MAX_DEPTH {
            return Err((
                Code::LoadErrCompileCondition,
                msg::too_complex(compile::MAX_DEPTH),
                r.cond.span(0),
            ));
        }
        let mut w = Warnings::default();
        let node = match b.expr(&inlined, &mut w) {
            Ok(n) => n,
            Err(m) if skip_unknown(&m) => {
                warnings.push(Diagnostic::new(
                    Code::LoadUnknownFilter,
                    m,
                    r.cond.span(0),
                    item,
                ));
                return Ok(None);
            }
            Err(m) => return Err((Code::LoadErrCompileCondition, m, r.cond.span(0))),
        };
        if w.unsafe_na > 0 {
            warnings.push(Diagnostic::new(
                Code::LoadUnsafeNaCheck,
                "",
                r.cond.span(0),
                item.clone(),
            ));
        }
        for m in w.items {
            warnings.push(Diagnostic::new(
                Code::LoadCompileCondition,
                m,
                r.cond.span(0),
                item.clone(),
            ));
        }
        Ok(Some(CompiledRule {
            name: r.name.clone(),
            desc: r.desc.clone(),
            priority: r.priority,
            source: r.source.clone(),
            tags: r.tags.iter().cloned().collect(),
            enabled: r.enabled,
            condition: inlined.canonical(),
            node,
            format,
            extras,
        }))
    }
}

/// Maps a parse error offset in a (substituted) rule/macro condition to the file. `lead` is
/// the number of bytes added in front of the condition text (`(` for rules).
fn cond_span(
    cond: &LocatedText,
    lead: usize,
    offset: usize,
    map: &[(usize, usize)],
) -> Option<FileSpan> {
    let exact = map.first().is_none_or(|(at, _)| offset < *at);
    if exact && offset >= lead && offset - lead <= cond.text.len() {
        cond.span(offset - lead)
    } else {
        cond.span(0)
    }
}

#[derive(Debug)]
enum Extra {
    Formatted(String, Format),
    Raw(String, crate::eval::COperand, Ty),
}

#[derive(Debug)]
struct CompiledRule {
    name: String,
    desc: String,
    priority: Priority,
    source: String,
    tags: Vec<String>,
    enabled: bool,
    condition: String,
    node: CNode,
    format: Format,
    extras: Vec<Extra>,
}

/// A compiled, installed set of rules. `Send + Sync`: share it behind an `Arc` and swap it on
/// reload.
#[derive(Debug)]
pub struct Ruleset {
    rules: Vec<CompiledRule>,
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
    /// The text alert line (§7.4): `<time>: <Priority> <output>`, JSON-escaped.
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

    /// Falco's JSON alert (§7.5): keys in alphabetical order, no spaces.
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
            memo: Default::default(),
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
    let s: Vec<String> = vals.iter().map(crate::output::render_value).collect();
    if list {
        format!("({})", s.join(","))
    } else {
        s.into_iter().next().unwrap_or_default()
    }
}
