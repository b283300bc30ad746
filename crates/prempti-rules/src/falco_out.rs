//! `falco -V` output: the per-file text Falco prints (`<file>: Ok | Ok, with warnings |
//! Invalid` and the verbose error/warning blocks) and its JSON (`{"falco_load_results":[..]}`),
//! plus the advisory schema check of COMPAT.md §2.
//!
//! Falco attaches to every diagnostic a chain of locations (rules content → item → value /
//! condition / output → condition expression). We keep one span and the item per diagnostic,
//! so the chain is rebuilt here from the file's YAML: the item is the top-level entry holding
//! the span, the inner location is chosen from the code (see [`locations`]). Positions are
//! yaml-cpp's: 0-based line and byte column, byte offset.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::diag::{Code, Diagnostic, ItemKind, Severity};
use crate::engine::{FileResult, LoadResult};
use crate::yaml::{parse_documents, Node, NodeKind};

/// What `falco -V` would print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalcoValidateOutput {
    /// Standard output.
    pub stdout: String,
    /// What Falco logs (the verbose result of files that loaded with warnings; without the
    /// logger's timestamp prefix), then the fatal error line if any.
    pub stderr: String,
    /// Exit status 0 in Falco.
    pub success: bool,
}

/// One location of a Falco context.
#[derive(Debug, Clone)]
struct Loc {
    item_type: &'static str,
    item_name: String,
    name: String,
    line: usize,
    column: usize,
    offset: usize,
}

/// A diagnostic's Falco context: its locations, and the text its snippet is cut from.
struct Ctx {
    locs: Vec<Loc>,
    /// The condition text for condition-expression locations (Falco's `alt_content`).
    alt: Option<String>,
}

/// An unmet plugin requirement: Falco aborts validation with it (no per-file output).
fn is_fatal(d: &Diagnostic) -> bool {
    d.primary.is_none() && d.code == Code::LoadErrValidate && d.message.starts_with("Plugin ")
}

/// Byte offset → yaml-cpp mark (0-based line, 0-based byte column).
fn mark(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count();
    let col = before.iter().rev().take_while(|b| **b != b'\n').count();
    (line, col)
}

fn loc_at(item_type: &'static str, item_name: &str, file: &str, text: &str, off: usize) -> Loc {
    let (line, column) = mark(text, off);
    Loc {
        item_type,
        item_name: item_name.to_string(),
        name: file.to_string(),
        line,
        column,
        offset: off,
    }
}

/// The top-level sequence entry of `docs` containing byte `off`.
fn item_at(docs: &[Node], off: usize) -> Option<&Node> {
    docs.iter()
        .filter_map(Node::as_seq)
        .flatten()
        .find(|n| n.start <= off && off < n.end.max(n.start + 1))
}

fn item_type(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Rule => "rule",
        ItemKind::Macro => "macro",
        ItemKind::List => "list",
        ItemKind::RequiredEngineVersion => "required_engine_version",
        ItemKind::RequiredPluginVersions => "required plugin versions",
        ItemKind::Content => "rules content item",
    }
}

fn is_condition_code(d: &Diagnostic) -> bool {
    matches!(
        d.code,
        Code::LoadErrCompileCondition | Code::LoadCompileCondition | Code::LoadUnsafeNaCheck
    ) || (d.code == Code::LoadErrValidate
        && (d.message.starts_with("Undefined macro") || d.message.starts_with("reference loop")))
        || (d.code == Code::LoadUnknownFilter && !d.message.starts_with("unknown filter"))
}

/// Rebuilds Falco's location chain for `d` (a best reconstruction, see the module doc):
/// - always `rules content` at 0:0;
/// - the item (`rule 'x'`, `macro 'm'`, ..., or `rules content item`) at its entry's start;
/// - condition diagnostics: `rule condition`/`macro condition` at the condition value (not
///   for macro resolution errors, whose parent is the item), then `condition expression`
///   named after the condition's first 20 characters, at the parser position added to the
///   value's mark;
/// - output errors: `rule output` at the output value;
/// - structure errors (`LOAD_ERR_YAML_VALIDATE`) inside a value: `value for '<key>'`;
/// - YAML syntax errors: `value for` at the error mark.
fn locations(d: &Diagnostic, file: &str, text: &str, docs: &[Node]) -> Ctx {
    let mut locs = vec![Loc {
        item_type: "rules content",
        item_name: String::new(),
        name: file.to_string(),
        line: 0,
        column: 0,
        offset: 0,
    }];
    let Some(p) = d.primary.as_ref().filter(|p| &*p.file == file) else {
        return Ctx { locs, alt: None };
    };
    if d.code == Code::LoadErrYamlParse {
        locs.push(loc_at("value for", "", file, text, p.start));
        return Ctx { locs, alt: None };
    }
    let Some(item) = item_at(docs, p.start) else {
        return Ctx { locs, alt: None };
    };
    let (ty, name) = match &d.item {
        Some(i) => (item_type(i.kind), i.name.as_str()),
        None => ("rules content item", ""),
    };
    locs.push(loc_at(ty, name, file, text, item.start));
    let value_of = |key: &str| item.get(key);
    if is_condition_code(d) {
        let Some(cond) = value_of("condition") else {
            return Ctx { locs, alt: None };
        };
        let cond_text = cond.as_scalar().unwrap_or_default().to_string();
        let resolution = d.code == Code::LoadErrValidate;
        let parent = if resolution { item.start } else { cond.start };
        if !resolution {
            let t = if ty == "macro" {
                "macro condition"
            } else {
                "rule condition"
            };
            locs.push(loc_at(t, "", file, text, cond.start));
        }
        // The parser position inside the condition text (1-based line and column).
        let content = cond.content_offset(text, 0);
        let idx = if content + cond_text.len() <= text.len()
            && text.get(content..content + cond_text.len()) == Some(cond_text.as_str())
            && p.start >= content
            && p.start <= content + cond_text.len()
            && !matches!(d.code, Code::LoadUnsafeNaCheck)
        {
            p.start - content
        } else {
            0
        };
        let (pl, pc) = if idx == 0 && matches!(d.code, Code::LoadUnsafeNaCheck) {
            (0, 0)
        } else {
            let (l, c) = mark(&cond_text, idx);
            (l + 1, c + 1)
        };
        let (ml, mc) = mark(text, parent);
        let mut shown = if cond_text.len() > 20 {
            let mut cut = 17;
            while !cond_text.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("\"{}...\"", &cond_text[..cut])
        } else {
            format!("\"{cond_text}\"")
        };
        shown = shown.replace(['\n', '\r'], " ");
        locs.push(Loc {
            item_type: "condition expression",
            item_name: String::new(),
            name: shown,
            line: pl + ml,
            column: pc + mc,
            offset: idx + parent,
        });
        return Ctx {
            locs,
            alt: Some(cond_text),
        };
    }
    if d.code == Code::LoadErrCompileOutput {
        if let Some(out) = value_of("output") {
            locs.push(loc_at("rule output", "", file, text, out.start));
        }
        return Ctx { locs, alt: None };
    }
    if d.code == Code::LoadErrYamlValidate {
        if let Some((k, v)) = item.as_map().and_then(|m| {
            m.iter()
                .find(|(_, v)| v.start <= p.start && p.start < v.end.max(v.start + 1))
        }) {
            let key = k.as_scalar().unwrap_or_default();
            let t = if key == "priority" && d.message == crate::messages::INVALID_PRIORITY {
                "rule priority"
            } else {
                "value for"
            };
            let n = if t == "value for" { key } else { "" };
            locs.push(loc_at(t, n, file, text, v.start));
        }
    }
    Ctx { locs, alt: None }
}

/// Falco's `context::snippet` (width 160): the line around the last location, cut to 80 bytes
/// either side with `...`, and a caret line. For condition expressions the text is the
/// condition and the position is Falco's (file offset plus parser index, usually past the
/// condition's end, so the caret sits on its last character).
fn snippet(ctx: &Ctx, text: &str) -> String {
    const HALF: usize = 80;
    let Some(last) = ctx.locs.last() else {
        return "<No context available>\n".into();
    };
    let content = ctx.alt.as_deref().unwrap_or(text).as_bytes();
    if content.is_empty() {
        return "<No context available>\n".into();
    }
    let mut pos = last.offset;
    while pos > 0 && (pos >= content.len() || content[pos] == b'\n') {
        pos -= 1;
    }
    let mut from = pos;
    while from > 0 && content[from] != b'\n' && pos - from < HALF {
        from -= 1;
    }
    let mut to = pos;
    while to + 1 < content.len() && content[to] != b'\n' && to - pos < HALF {
        to += 1;
    }
    if from < content.len() && content[from] == b'\n' {
        from += 1;
    }
    if to < content.len() && content[to] == b'\n' && to > 0 {
        to -= 1;
    }
    if to + 1 < from {
        return "<No context available>\n".into();
    }
    let mut ret = content[from..=to.max(from).min(content.len() - 1)].to_vec();
    if from > to {
        ret.clear();
    }
    if ret.is_empty() {
        return "<No context available>\n".into();
    }
    if pos - from >= HALF {
        let n = ret.len().min(3);
        ret.splice(0..n, *b"...");
    }
    if to - pos >= HALF {
        let n = ret.len().min(3);
        let l = ret.len();
        ret.splice(l - n..l, *b"...");
    }
    let mut s = String::from_utf8_lossy(&ret).into_owned();
    s.push('\n');
    if pos - from < ret.len() {
        s.push_str(&" ".repeat(pos - from));
        s.push_str("^\n");
    }
    s
}

/// Falco's long description of a warning code (`warning_desc`), used as `codedesc` in JSON.
fn warning_desc(code: Code) -> &'static str {
    use Code::*;
    match code {
        LoadUnknownSource => "A rule has a unknown event source. This can occur when reading rules content without having a corresponding plugin loaded, etc. The rule will be silently ignored.",
        LoadUnsafeNaCheck => "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.",
        LoadNoEvttype => "A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.",
        LoadUnknownFilter => "A rule condition or output refers to a field or evt.type that does not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, the error is downgraded to a warning.",
        LoadUnusedMacro => "A macro is defined in the rules content but is not used by any other macro or rule.",
        LoadUnusedList => "A list is defined in the rules content but is not used by any other list, macro, or rule.",
        LoadUnknownItem => "An unknown top-level object is in the rules content. It will be ignored.",
        LoadDeprecatedItem => "A deprecated item is employed by lists, macros, or rules.",
        LoadWarningExtension => "An extension item has a warning",
        LoadAppendNoValues => "A rule exception is overriding/appending with no values",
        LoadExceptionNameNotUnique => "A rule is defining multiple exceptions with the same name",
        LoadInvalidMacroName => "A macro is defined with an invalid name",
        LoadInvalidListName => "A list is defined with an invalid name",
        LoadCompileCondition => "A rule condition or output have been parsed with a warning",
        LoadUnknownKey => "An item in the rules content contains an unrecognized key. The key will be ignored. This may indicate a typo or a property placed on the wrong item type.",
        // Error codes: Falco's `error_desc` returns the short text (its quirk).
        _ => code.short(),
    }
}

fn ctx_of(d: &Diagnostic, f: &FileResult, res: &LoadResult) -> (Ctx, String) {
    let file = d
        .primary
        .as_ref()
        .map_or(f.name.as_str(), |p| &*p.file)
        .to_string();
    let text = res.sources.text(&file).unwrap_or_default();
    let docs = parse_documents(text).unwrap_or_default();
    let ctx = locations(d, &file, text, &docs);
    let snip = snippet(&ctx, text);
    (ctx, snip)
}

fn verbose(f: &FileResult, res: &LoadResult, schema: &Option<Vec<String>>) -> String {
    let mut os = String::new();
    let _ = write!(os, "{}: ", f.name);
    os.push_str(status(f));
    if let Some(st) = schema
        .as_ref()
        .filter(|s| s.first().is_some_and(|x| x != "ok"))
    {
        let _ = writeln!(os);
        let _ = writeln!(os, "{} Schema warnings:", st.len());
        for s in st {
            let _ = writeln!(os, "------\n{s}");
        }
        let _ = writeln!(os, "------");
    }
    for (title, list) in [("Errors", &f.errors), ("Warnings", &f.warnings)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(os);
        let _ = writeln!(os, "{} {title}:", list.len());
        for d in list {
            let (ctx, snip) = ctx_of(d, f, res);
            for (i, l) in ctx.locs.iter().enumerate() {
                os.push_str(if i == 0 { "In " } else { "    " });
                os.push_str(l.item_type);
                if !l.item_name.is_empty() {
                    let _ = write!(os, " '{}'", l.item_name);
                }
                let _ = writeln!(os, ": ({}:{}:{})", l.name, l.line, l.column);
            }
            let _ = write!(os, "------\n{snip}------\n");
            let _ = writeln!(
                os,
                "{} ({}): {}",
                d.code.as_str(),
                d.code.short(),
                d.message
            );
        }
    }
    os
}

fn status(f: &FileResult) -> &'static str {
    match (f.errors.is_empty(), f.warnings.is_empty()) {
        (false, _) => "Invalid",
        (true, true) => "Ok",
        (true, false) => "Ok, with warnings",
    }
}

/// The files Falco reports, and the fatal error that stopped it (an unmet plugin
/// requirement: Falco checks them after each file and aborts).
fn reported(res: &LoadResult) -> (Vec<FileResult>, Option<String>) {
    let mut out = Vec::new();
    for f in &res.files {
        if let Some(d) = f.errors.iter().find(|d| is_fatal(d)) {
            return (out, Some(d.message.clone()));
        }
        out.push(f.clone());
    }
    (out, None)
}

impl LoadResult {
    /// Schema check of one loaded file (COMPAT.md §2), as Falco records it: one status per
    /// YAML document, `ok` or `failed for <path>: <reason>`; `None` when the YAML does not
    /// parse or has no document. Advisory only: it never affects [`LoadResult::ok`].
    pub fn schema_status(&self, file: &str) -> Option<Vec<String>> {
        schema_status(self.sources.text(file)?)
    }

    /// `falco -V <files>` text output.
    pub fn render_falco_text(&self) -> FalcoValidateOutput {
        let (files, fatal) = reported(self);
        let mut stdout = String::new();
        let mut stderr = String::new();
        for f in &files {
            if !stdout.is_empty() {
                stdout.push('\n');
            }
            let schema = self.schema_status(&f.name);
            if !f.ok() || f.warnings.is_empty() {
                stdout.push_str(&verbose(f, self, &schema));
            } else {
                let _ = write!(stdout, "{}: Ok, with warnings", f.name);
                stderr.push_str(&verbose(f, self, &schema));
                stderr.push('\n');
            }
        }
        stdout.push('\n');
        finish(stdout, stderr, fatal, files.iter().all(FileResult::ok))
    }

    /// `falco -V <files>` output with `json_output: true`.
    pub fn render_falco_json(&self) -> FalcoValidateOutput {
        let (files, fatal) = reported(self);
        let mut results = Vec::new();
        for f in &files {
            let mut j = Map::new();
            let entries = |list: &[Diagnostic]| -> Vec<Value> {
                list.iter()
                    .map(|d| {
                        let (ctx, snip) = ctx_of(d, f, self);
                        let locs: Vec<Value> = ctx
                            .locs
                            .iter()
                            .map(|l| {
                                json!({
                                    "item_name": l.item_name,
                                    "item_type": l.item_type,
                                    "position": {
                                        "column": l.column,
                                        "line": l.line,
                                        "name": l.name,
                                        "offset": l.offset,
                                    },
                                })
                            })
                            .collect();
                        let codedesc = match d.severity() {
                            Severity::Error => d.code.short(),
                            Severity::Warning => warning_desc(d.code),
                        };
                        json!({
                            "code": d.code.as_str(),
                            "codedesc": codedesc,
                            "context": { "locations": locs, "snippet": snip },
                            "message": d.message,
                        })
                    })
                    .collect()
            };
            // nlohmann's objects are ordered by key.
            j.insert("errors".into(), Value::Array(entries(&f.errors)));
            j.insert("name".into(), Value::String(f.name.clone()));
            if let Some(st) = self.schema_status(&f.name) {
                let valid = st.first().is_some_and(|s| s == "ok");
                j.insert("schema_valid".into(), Value::Bool(valid));
                let warnings = if valid { Vec::new() } else { st };
                j.insert(
                    "schema_warnings".into(),
                    Value::Array(warnings.into_iter().map(Value::String).collect()),
                );
            }
            j.insert("successful".into(), Value::Bool(f.ok()));
            j.insert("warnings".into(), Value::Array(entries(&f.warnings)));
            results.push(Value::Object(j));
        }
        let stdout = format!("{}\n", json!({ "falco_load_results": results }));
        finish(
            stdout,
            String::new(),
            fatal,
            files.iter().all(FileResult::ok),
        )
    }
}

fn finish(
    stdout: String,
    mut stderr: String,
    fatal: Option<String>,
    ok: bool,
) -> FalcoValidateOutput {
    match fatal {
        Some(e) => {
            let _ = writeln!(stderr, "Error: {e}");
            FalcoValidateOutput {
                stdout: String::new(),
                stderr,
                success: false,
            }
        }
        None => FalcoValidateOutput {
            stdout,
            stderr,
            success: ok,
        },
    }
}

// ---------------------------------------------------------------- schema (COMPAT.md §2)

const PRIORITIES: [&str; 9] = [
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFO",
    "INFORMATIONAL",
    "DEBUG",
];

/// Keys Falco's rules schema allows on an item, with their expected shape.
#[derive(Clone, Copy)]
enum Shape {
    Str,
    Bool,
    Int,
    StrSeq,
    Items,
    Priority,
    Exceptions,
    Override,
    PluginVersions,
}

fn item_key_shape(k: &str) -> Option<Shape> {
    Some(match k {
        "required_engine_version"
        | "macro"
        | "condition"
        | "list"
        | "rule"
        | "desc"
        | "output"
        | "source" => Shape::Str,
        "enabled" | "append" | "capture" | "warn_evttypes" | "skip-if-unknown-filter" => {
            Shape::Bool
        }
        "capture_duration" => Shape::Int,
        "tags" => Shape::StrSeq,
        "items" => Shape::Items,
        "priority" => Shape::Priority,
        "exceptions" => Shape::Exceptions,
        "override" => Shape::Override,
        "required_plugin_versions" => Shape::PluginVersions,
        _ => return None,
    })
}

/// Weak typing as the validator Falco uses: any scalar is a string; `true`/`false` are
/// booleans; decimal integers are integers.
fn scalar(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}
fn is_bool(n: &Node) -> bool {
    matches!(scalar(n), Some("true" | "false"))
}
fn is_int(n: &Node) -> bool {
    scalar(n).is_some_and(|s| {
        let d = s.strip_prefix(['-', '+']).unwrap_or(s);
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
    })
}

fn check_shape(n: &Node, shape: Shape, path: &str, out: &mut Vec<String>) {
    let mut fail = |what: &str| out.push(format!("failed for {path}: {what}"));
    match shape {
        Shape::Str => {
            if scalar(n).is_none() {
                fail("Value type not permitted by 'type' constraint.");
            }
        }
        Shape::Bool => {
            if !is_bool(n) {
                fail("Value type not permitted by 'type' constraint.");
            }
        }
        Shape::Int => {
            if !is_int(n) {
                fail("Value type not permitted by 'type' constraint.");
            }
        }
        Shape::StrSeq | Shape::Items => match n.as_seq() {
            None => fail("Value type not permitted by 'type' constraint."),
            Some(s) => {
                for (i, e) in s.iter().enumerate() {
                    if scalar(e).is_none() {
                        out.push(format!(
                            "failed for {path}[{i}]: Value type not permitted by 'type' constraint."
                        ));
                    }
                }
            }
        },
        Shape::Priority => match scalar(n) {
            Some(p) if PRIORITIES.contains(&p) => {}
            Some(_) => fail("Failed to match against any enum values."),
            None => fail("Value type not permitted by 'type' constraint."),
        },
        Shape::Exceptions => match n.as_seq() {
            None => fail("Value type not permitted by 'type' constraint."),
            Some(s) => {
                for (i, e) in s.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    match e.as_map() {
                        None => out.push(format!(
                            "failed for {p}: Value type not permitted by 'type' constraint."
                        )),
                        Some(m) => {
                            if e.get("name").is_none() {
                                out.push(format!(
                                    "failed for {p}: Missing required property 'name'."
                                ));
                            }
                            for (k, v) in m {
                                let key = scalar(k).unwrap_or_default();
                                match key {
                                    "name" => check_shape(v, Shape::Str, &format!("{p}[name]"), out),
                                    "fields" | "comps" | "values" => {}
                                    _ => out.push(format!(
                                        "failed for {p}: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '{key}'."
                                    )),
                                }
                            }
                        }
                    }
                }
            }
        },
        Shape::Override => match n.as_map() {
            None => fail("Value type not permitted by 'type' constraint."),
            Some(m) => {
                if m.is_empty() {
                    fail("Object should have at least 1 properties.");
                }
                for (k, v) in m {
                    let key = scalar(k).unwrap_or_default();
                    let known = matches!(
                        key,
                        "items"
                            | "desc"
                            | "condition"
                            | "output"
                            | "priority"
                            | "enabled"
                            | "exceptions"
                            | "capture"
                            | "capture_duration"
                            | "tags"
                            | "warn_evttypes"
                            | "skip-if-unknown-filter"
                    );
                    if !known {
                        out.push(format!(
                            "failed for {path}: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '{key}'."
                        ));
                    } else if !matches!(scalar(v), Some("append" | "replace")) {
                        out.push(format!(
                            "failed for {path}[{key}]: Failed to match against any enum values."
                        ));
                    }
                }
            }
        },
        Shape::PluginVersions => match n.as_seq() {
            None => fail("Value type not permitted by 'type' constraint."),
            Some(s) => {
                for (i, e) in s.iter().enumerate() {
                    check_plugin_entry(e, &format!("{path}[{i}]"), true, out);
                }
            }
        },
    }
}

fn check_plugin_entry(e: &Node, p: &str, alternatives: bool, out: &mut Vec<String>) {
    let Some(m) = e.as_map() else {
        out.push(format!(
            "failed for {p}: Value type not permitted by 'type' constraint."
        ));
        return;
    };
    for req in ["name", "version"] {
        if e.get(req).is_none() {
            out.push(format!(
                "failed for {p}: Missing required property '{req}'."
            ));
        }
    }
    for (k, v) in m {
        let key = scalar(k).unwrap_or_default();
        match key {
            "name" | "version" => check_shape(v, Shape::Str, &format!("{p}[{key}]"), out),
            "alternatives" if alternatives => match v.as_seq() {
                None => out.push(format!(
                    "failed for {p}[alternatives]: Value type not permitted by 'type' constraint."
                )),
                Some(s) => {
                    for (i, a) in s.iter().enumerate() {
                        check_plugin_entry(a, &format!("{p}[alternatives][{i}]"), false, out);
                    }
                }
            },
            _ => out.push(format!(
                "failed for {p}: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '{key}'."
            )),
        }
    }
}

/// One status per document: `ok`, or the failures joined as Falco lists them (each failure
/// is its own entry).
pub(crate) fn schema_status(text: &str) -> Option<Vec<String>> {
    let docs = parse_documents(text).ok()?;
    if docs.is_empty() {
        return None;
    }
    let mut all = Vec::new();
    for doc in &docs {
        let mut out = Vec::new();
        match doc.as_seq() {
            None => out.push(
                "failed for <root>: Value type not permitted by 'type' constraint.".to_string(),
            ),
            Some(items) => {
                for (i, it) in items.iter().enumerate() {
                    let p = format!("<root>[{i}]");
                    let Some(m) = it.as_map() else {
                        out.push(format!(
                            "failed for {p}: Value type not permitted by 'type' constraint."
                        ));
                        continue;
                    };
                    for (k, v) in m {
                        let key = scalar(k).unwrap_or_default();
                        match item_key_shape(key) {
                            Some(shape) => check_shape(v, shape, &format!("{p}[{key}]"), &mut out),
                            None => out.push(format!(
                                "failed for {p}: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '{key}'."
                            )),
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            all.push("ok".to_string());
        } else {
            all.extend(out);
        }
    }
    Some(all)
}
