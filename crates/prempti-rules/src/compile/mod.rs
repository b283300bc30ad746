//! Compilation: collected definitions → a runnable [`CompiledRule`] list (COMPAT.md §4, §6, §7).
//!
//! Per rule: exceptions are appended to the condition text (§7), list names are substituted
//! textually (§6), the text is parsed, macros are inlined as ASTs (§6), and the tree is
//! bound to the source's fields with every constant pre-compiled. Size and depth are bounded
//! again after inlining, because macros can expand exponentially. Outputs are compiled the
//! same way (`format`).

mod bind;
mod exceptions;
mod format;
mod lists;
mod macros;
mod slots;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::ast::Expr;
use crate::config::{EngineConfig, ExtraField};
use crate::diag::{Code, Diagnostic, FileSpan, ItemKind, ItemRef};
use crate::field::SourceSchema;
use crate::load::{Collector, LocatedText, RuleInfo};
use crate::messages as msg;
use crate::parse::parse_condition;
use crate::priority::Priority;
use crate::program::{CompiledRule, Extra, Program};

pub(crate) use bind::{Binder, FieldIndex, Warnings};
pub(crate) use exceptions::exception_clause;
pub(crate) use format::compile_format;
pub(crate) use lists::substitute_lists;
pub(crate) use macros::{idents, inline_macros};

/// Most nodes a condition may have after macro inlining.
pub(crate) const MAX_NODES: usize = 100_000;
/// Deepest a condition may be after macro inlining.
pub(crate) const MAX_DEPTH: usize = 500;

/// Compiles collected definitions against the registered sources and the configuration.
pub(crate) struct Compiler<'a> {
    /// Registered event sources.
    pub(crate) sources: &'a [Arc<SourceSchema>],
    /// Engine configuration (static fields, `append_output`, minimum priority).
    pub(crate) config: &'a EngineConfig,
}

impl Compiler<'_> {
    /// Compiles everything collected so far (COMPAT.md §1, step 2).
    pub(crate) fn compile_all(
        &self,
        c: &Collector,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Program, Box<Diagnostic>> {
        // Lists: expand references to earlier lists (COMPAT.md §6).
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
        // Macros: resolve with visibility (COMPAT.md §6), detecting loops.
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
        let indexes: Vec<FieldIndex<'_>> =
            self.sources.iter().map(|s| FieldIndex::new(s)).collect();
        let mut out = Vec::new();
        for r in &c.rules.items {
            let Some(at) = self.sources.iter().position(|s| s.source == r.source) else {
                continue;
            };
            let schema = &self.sources[at];
            let item = Some(ItemRef {
                kind: ItemKind::Rule,
                name: r.name.clone(),
            });
            let binder = Binder {
                schema,
                fields: &indexes[at],
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
        // Install: drop rules below the minimum priority (COMPAT.md §9).
        let min = self.config.min_priority.unwrap_or(Priority::Debug);
        out.retain(|r: &CompiledRule| r.priority <= min);
        let slots = slots::assign(&mut out);
        Ok(Program { rules: out, slots })
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
            return Err((name.to_string(), msg::too_complex(MAX_DEPTH)));
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
        let mut budget = MAX_NODES;
        let r = inline_macros(e, resolved, &|_| true, used, &mut budget)
            .map_err(|m| (name.to_string(), m))?;
        if r.depth() > MAX_DEPTH {
            return Err((name.to_string(), msg::too_complex(MAX_DEPTH)));
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
        let mut budget = MAX_NODES;
        let inlined = inline_macros(&ast, macros, &|_| true, used_macros, &mut budget)
            .map_err(|m| (Code::LoadErrValidate, m, r.cond.span(0)))?;
        if inlined.depth() > MAX_DEPTH {
            return Err((
                Code::LoadErrCompileCondition,
                msg::too_complex(MAX_DEPTH),
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
