//! Diagnostics: Falco's load result codes, one data model, and its renderers.
//!
//! A [`Diagnostic`] is a code, a message (Falco's wording, see `messages.rs`), a file and a
//! byte span in it, and the item it concerns. Line and column are computed from the span when
//! rendering, through a [`SourceMap`] that holds the files' text. Renderers: [`render_concise`]
//! (`file:line:col: error[CODE] message`), [`render_full`] (adds the source line and a caret),
//! and [`render_json`] (the `premptictl rules validate --json` shape).

use std::fmt::Write as _;
use std::sync::Arc;

/// Falco's load result codes (`falco_load_result.cpp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Code {
    LoadErrFileRead,
    LoadErrYamlParse,
    LoadErrYamlValidate,
    LoadErrCompileCondition,
    LoadErrCompileOutput,
    LoadErrValidate,
    LoadErrExtension,
    LoadUnknownSource,
    LoadUnsafeNaCheck,
    LoadNoEvttype,
    LoadUnknownFilter,
    LoadUnusedMacro,
    LoadUnusedList,
    LoadUnknownItem,
    LoadDeprecatedItem,
    LoadWarningExtension,
    LoadAppendNoValues,
    LoadExceptionNameNotUnique,
    LoadInvalidMacroName,
    LoadInvalidListName,
    LoadCompileCondition,
    LoadUnknownKey,
}

impl Code {
    /// The code as Falco prints it (`LOAD_ERR_YAML_PARSE`, ...).
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            LoadErrFileRead => "LOAD_ERR_FILE_READ",
            LoadErrYamlParse => "LOAD_ERR_YAML_PARSE",
            LoadErrYamlValidate => "LOAD_ERR_YAML_VALIDATE",
            LoadErrCompileCondition => "LOAD_ERR_COMPILE_CONDITION",
            LoadErrCompileOutput => "LOAD_ERR_COMPILE_OUTPUT",
            LoadErrValidate => "LOAD_ERR_VALIDATE",
            LoadErrExtension => "LOAD_ERR_EXTENSION",
            LoadUnknownSource => "LOAD_UNKNOWN_SOURCE",
            LoadUnsafeNaCheck => "LOAD_UNSAFE_NA_CHECK",
            LoadNoEvttype => "LOAD_NO_EVTTYPE",
            LoadUnknownFilter => "LOAD_UNKNOWN_FILTER",
            LoadUnusedMacro => "LOAD_UNUSED_MACRO",
            LoadUnusedList => "LOAD_UNUSED_LIST",
            LoadUnknownItem => "LOAD_UNKNOWN_ITEM",
            LoadDeprecatedItem => "LOAD_DEPRECATED_ITEM",
            LoadWarningExtension => "LOAD_WARNING_EXTENSION",
            LoadAppendNoValues => "LOAD_APPEND_NO_VALUES",
            LoadExceptionNameNotUnique => "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
            LoadInvalidMacroName => "LOAD_INVALID_MACRO_NAME",
            LoadInvalidListName => "LOAD_INVALID_LIST_NAME",
            LoadCompileCondition => "LOAD_COMPILE_CONDITION",
            LoadUnknownKey => "LOAD_UNKNOWN_KEY",
        }
    }

    /// Falco's short description of the code.
    pub fn short(self) -> &'static str {
        crate::messages::code_short(self)
    }

    /// Errors fail the load; everything else is a warning.
    pub fn severity(self) -> Severity {
        use Code::*;
        match self {
            LoadErrFileRead
            | LoadErrYamlParse
            | LoadErrYamlValidate
            | LoadErrCompileCondition
            | LoadErrCompileOutput
            | LoadErrValidate
            | LoadErrExtension => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The load failed.
    Error,
    /// Reported, the load goes on.
    Warning,
}

impl Severity {
    /// `error` / `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The kind of item a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A `rule`.
    Rule,
    /// A `macro`.
    Macro,
    /// A `list`.
    List,
    /// A `required_engine_version` item.
    RequiredEngineVersion,
    /// A `required_plugin_versions` item.
    RequiredPluginVersions,
    /// The file or an unknown top-level item.
    Content,
}

impl ItemKind {
    /// Lower-case name used in renderings (`rule`, `macro`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Rule => "rule",
            ItemKind::Macro => "macro",
            ItemKind::List => "list",
            ItemKind::RequiredEngineVersion => "required_engine_version",
            ItemKind::RequiredPluginVersions => "required_plugin_versions",
            ItemKind::Content => "rules content",
        }
    }
}

/// The item a diagnostic concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    /// Its kind.
    pub kind: ItemKind,
    /// Its name (empty when it has none).
    pub name: String,
}

/// A byte range in a named file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpan {
    /// File name as given to the loader.
    pub file: Arc<str>,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Falco's code.
    pub code: Code,
    /// The message (Falco's wording).
    pub message: String,
    /// Where (absent for problems not tied to a file).
    pub primary: Option<FileSpan>,
    /// The item concerned.
    pub item: Option<ItemRef>,
}

impl Diagnostic {
    /// Builds a diagnostic.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        primary: Option<FileSpan>,
        item: Option<ItemRef>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary,
            item,
        }
    }

    /// The code's severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// A 1-based line and column (column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Line starts of one text, for offset → line:col conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// Converts a byte offset (clamped to the text) to a 1-based line and column.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        LineCol { line, column }
    }

    /// The byte range of 1-based `line` (without its newline).
    pub fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(text.len());
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        (start, end)
    }
}

/// The texts of the loaded files, for rendering positions.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<(Arc<str>, Arc<str>, LineIndex)>,
}

impl SourceMap {
    /// Adds a file.
    pub fn add(&mut self, name: Arc<str>, text: Arc<str>) {
        let idx = LineIndex::new(&text);
        self.files.push((name, text, idx));
    }

    fn get(&self, name: &str) -> Option<&(Arc<str>, Arc<str>, LineIndex)> {
        self.files.iter().rev().find(|(n, _, _)| &**n == name)
    }

    /// The text of a file (the last one added under that name).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(|(_, t, _)| &**t)
    }

    /// Line and column of a span's start.
    pub fn line_col(&self, span: &FileSpan) -> Option<LineCol> {
        self.get(&span.file)
            .map(|(_, t, i)| i.line_col(t, span.start))
    }
}

/// `file:line:col: error[CODE] message` (one line per diagnostic).
pub fn render_concise(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    if let Some(p) = &d.primary {
        match sources.line_col(p) {
            Some(lc) => {
                let _ = write!(out, "{}:{}:{}: ", p.file, lc.line, lc.column);
            }
            None => {
                let _ = write!(out, "{}: ", p.file);
            }
        }
    }
    let _ = write!(
        out,
        "{}[{}] {}",
        d.severity().as_str(),
        d.code.as_str(),
        d.message
    );
    out
}

/// The concise line, then the source line and a caret under the position, and the item.
pub fn render_full(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = render_concise(d, sources);
    out.push('\n');
    if let Some(p) = &d.primary {
        if let Some((_, text, idx)) = sources.get(&p.file) {
            let lc = idx.line_col(text, p.start);
            let (ls, le) = idx.line_range(text, lc.line);
            let line = &text[ls..le];
            let gutter = lc.line.to_string();
            let _ = writeln!(out, "{} |", " ".repeat(gutter.len()));
            let _ = writeln!(out, "{gutter} | {}", line.replace('\t', "    "));
            let prefix: String = text[ls..p.start.clamp(ls, le)]
                .chars()
                .map(|c| if c == '\t' { "    " } else { " " })
                .collect();
            let width = text
                .get(p.start.clamp(ls, le)..p.end.clamp(ls, le))
                .map_or(1, |s| s.chars().count())
                .max(1);
            let _ = writeln!(
                out,
                "{} | {prefix}{}",
                " ".repeat(gutter.len()),
                "^".repeat(width)
            );
        }
    }
    if let Some(item) = &d.item {
        let _ = writeln!(out, "  = in {} '{}'", item.kind.as_str(), item.name);
    }
    out
}

fn diag_json(d: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let lc = d.primary.as_ref().and_then(|p| sources.line_col(p));
    serde_json::json!({
        "code": d.code.as_str(),
        "message": d.message,
        "file": d.primary.as_ref().map(|p| p.file.to_string()),
        "line": lc.map(|l| l.line),
        "column": lc.map(|l| l.column),
        "item": d.item.as_ref().map(|i| i.kind.as_str()),
        "name": d.item.as_ref().map(|i| i.name.clone()),
    })
}

/// `{"ok":bool,"errors":[...],"warnings":[...]}`; each entry has `code`, `message`, `file`,
/// `line`, `column`, `item`, `name` (null when unknown).
pub fn render_json<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
) -> String {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for d in diags {
        match d.severity() {
            Severity::Error => errors.push(diag_json(d, sources)),
            Severity::Warning => warnings.push(diag_json(d, sources)),
        }
    }
    let v = serde_json::json!({ "ok": errors.is_empty(), "errors": errors, "warnings": warnings });
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Diagnostic, SourceMap) {
        let text = "- rule: a\n  foo: 1\n";
        let mut sm = SourceMap::default();
        sm.add("x.yaml".into(), text.into());
        let d = Diagnostic::new(
            Code::LoadUnknownKey,
            "Unknown key 'foo'. The key will be ignored.",
            Some(FileSpan {
                file: "x.yaml".into(),
                start: 12,
                end: 15,
            }),
            Some(ItemRef {
                kind: ItemKind::Rule,
                name: "a".into(),
            }),
        );
        (d, sm)
    }

    #[test]
    fn concise() {
        let (d, sm) = sample();
        assert_eq!(
            render_concise(&d, &sm),
            "x.yaml:2:3: warning[LOAD_UNKNOWN_KEY] Unknown key 'foo'. The key will be ignored."
        );
    }

    #[test]
    fn full_has_caret_under_span() {
        let (d, sm) = sample();
        let s = render_full(&d, &sm);
        assert!(s.contains("2 |   foo: 1\n  |   ^^^\n"), "{s}");
    }

    #[test]
    fn json_shape() {
        let (d, sm) = sample();
        assert_eq!(
            render_json([&d], &sm),
            r#"{"errors":[],"ok":true,"warnings":[{"code":"LOAD_UNKNOWN_KEY","column":3,"file":"x.yaml","item":"rule","line":2,"message":"Unknown key 'foo'. The key will be ignored.","name":"a"}]}"#
                .replace("{\"errors\":[],\"ok\":true,", "{\"ok\":true,\"errors\":[],")
                .replace(r#"{"code":"LOAD_UNKNOWN_KEY","column":3,"file":"x.yaml","item":"rule","line":2,"message":"Unknown key 'foo'. The key will be ignored.","name":"a"}"#,
                    r#"{"code":"LOAD_UNKNOWN_KEY","message":"Unknown key 'foo'. The key will be ignored.","file":"x.yaml","line":2,"column":3,"item":"rule","name":"a"}"#)
        );
    }
}
