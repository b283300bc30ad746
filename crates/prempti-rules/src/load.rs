//! Loading: YAML items → definitions in one shared collector (COMPAT.md §2, §7).
//!
//! [`Collector::read_file`] walks one file's items in order and applies each to the collector
//! at once (define, append, override, enable), as Falco's reader does: the first error stops the
//! rest of that file, and items already applied stay. Every definition keeps the location of
//! its text so later stages can point into the file.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::ast::CmpOp;
use crate::diag::{Code, Diagnostic, FileSpan, ItemKind, ItemRef};
use crate::messages as msg;
use crate::priority::Priority;
use crate::yaml::{parse_documents, Node, NodeKind};

/// The engine version this crate claims (`required_engine_version` checks).
pub const ENGINE_VERSION: (u32, u32, u32) = (0, 62, 0);

/// Where a piece of text came from: file offset of its byte 0, and whether offsets inside it
/// map one-to-one onto the file.
#[derive(Debug, Clone)]
pub(crate) struct TextLoc {
    pub(crate) file: Arc<str>,
    pub(crate) start: usize,
    pub(crate) exact: bool,
}

impl TextLoc {
    fn of(file: &Arc<str>, node: &Node, source: &str) -> TextLoc {
        let start = node.content_offset(source, 0);
        let exact = node
            .as_scalar()
            .is_some_and(|v| node.content_offset(source, v.len()) == start + v.len())
            && node
                .as_scalar()
                .is_some_and(|v| source.get(start..start + v.len()) == Some(v));
        TextLoc {
            file: file.clone(),
            start,
            exact,
        }
    }

    pub(crate) fn span(&self, offset: usize, len: usize) -> FileSpan {
        if self.exact {
            FileSpan {
                file: self.file.clone(),
                start: self.start + offset,
                end: self.start + offset + len.max(1),
            }
        } else {
            FileSpan {
                file: self.file.clone(),
                start: self.start,
                end: self.start + 1,
            }
        }
    }
}

/// A text built by concatenation (appends), remembering where each part came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct LocatedText {
    pub(crate) text: String,
    pub(crate) parts: Vec<(usize, TextLoc)>,
}

impl LocatedText {
    fn new(text: String, loc: TextLoc) -> LocatedText {
        LocatedText {
            text,
            parts: vec![(0, loc)],
        }
    }

    fn append(&mut self, other: &str, loc: TextLoc) {
        self.text.push(' ');
        self.parts.push((self.text.len(), loc));
        self.text.push_str(other);
    }

    /// File location of byte `offset` of the text.
    pub(crate) fn span(&self, offset: usize) -> Option<FileSpan> {
        let (at, loc) = self
            .parts
            .iter()
            .rev()
            .find(|(at, _)| *at <= offset)
            .or(self.parts.first())?;
        Some(loc.span(offset.saturating_sub(*at), 1))
    }
}

/// One exception value entry.
#[derive(Debug, Clone)]
pub(crate) enum ExcEntry {
    Scalar(String),
    Seq(Vec<ExcElem>),
    Other,
}

/// One element of a list-form exception value.
#[derive(Debug, Clone)]
pub(crate) enum ExcElem {
    Scalar(String),
    Seq(Vec<String>),
    Other,
}

#[derive(Debug, Clone)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// An exception as read (COMPAT.md §7).
#[derive(Debug, Clone)]
pub(crate) struct ExceptionInfo {
    pub(crate) name: String,
    pub(crate) fields: Option<OneOrMany>,
    pub(crate) comps: Option<OneOrMany>,
    pub(crate) values: Vec<ExcEntry>,
    pub(crate) loc: FileSpan,
}

#[derive(Debug, Clone)]
pub(crate) struct ListInfo {
    pub(crate) name: String,
    pub(crate) items: Vec<String>,
    pub(crate) index: usize,
    pub(crate) visibility: usize,
    pub(crate) loc: FileSpan,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroInfo {
    pub(crate) name: String,
    pub(crate) cond: LocatedText,
    pub(crate) index: usize,
    pub(crate) visibility: usize,
    pub(crate) loc: FileSpan,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub(crate) name: String,
    pub(crate) cond: LocatedText,
    pub(crate) output: LocatedText,
    pub(crate) desc: String,
    pub(crate) priority: Priority,
    pub(crate) source: String,
    pub(crate) enabled: bool,
    pub(crate) tags: BTreeSet<String>,
    pub(crate) exceptions: Vec<ExceptionInfo>,
    pub(crate) capture: bool,
    pub(crate) capture_duration: u32,
    pub(crate) warn_evttypes: bool,
    pub(crate) skip_if_unknown_filter: bool,
    pub(crate) index: usize,
    pub(crate) loc: FileSpan,
}

/// Definitions in first-definition order, addressable by name.
#[derive(Debug, Clone)]
pub(crate) struct Indexed<T> {
    pub(crate) items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|i| &self.items[*i])
    }
    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|i| &mut self.items[*i])
    }
    /// Inserts or replaces, keeping the slot of the first definition.
    fn define(&mut self, name: &str, item: T) {
        match self.by_name.get(name) {
            Some(i) => self.items[*i] = item,
            None => {
                self.by_name.insert(name.to_string(), self.items.len());
                self.items.push(item);
            }
        }
    }
}

/// A plugin version requirement group (primary and alternatives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequirement {
    /// `(name, version)` pairs, primary first.
    pub alternatives: Vec<(String, String)>,
}

/// Everything collected so far, across files.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    pub(crate) lists: Indexed<ListInfo>,
    pub(crate) macros: Indexed<MacroInfo>,
    pub(crate) rules: Indexed<RuleInfo>,
    counter: usize,
    pub(crate) required_engine_version: Option<(u32, u32, u32)>,
    pub(crate) plugin_requirements: Vec<PluginRequirement>,
}

type R<T> = Result<T, Box<Diagnostic>>;

/// Per-file reading context.
struct Reader<'a> {
    file: Arc<str>,
    source: &'a str,
    warnings: &'a mut Vec<Diagnostic>,
    known_sources: &'a [String],
}

const KIND_KEYS: [&str; 5] = [
    "required_engine_version",
    "required_plugin_versions",
    "list",
    "macro",
    "rule",
];
const LIST_KEYS: [&str; 4] = ["list", "items", "append", "override"];
const MACRO_KEYS: [&str; 4] = ["macro", "condition", "append", "override"];
const RULE_KEYS: [&str; 15] = [
    "rule",
    "condition",
    "output",
    "desc",
    "priority",
    "source",
    "enabled",
    "tags",
    "exceptions",
    "capture",
    "capture_duration",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "append",
    "override",
];
const RULE_APPENDABLE: [&str; 5] = ["condition", "output", "desc", "tags", "exceptions"];
const RULE_REPLACEABLE: [&str; 11] = [
    "condition",
    "output",
    "desc",
    "priority",
    "enabled",
    "tags",
    "exceptions",
    "capture",
    "capture_duration",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

/// yaml-cpp's boolean spellings.
fn parse_yaml_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On" | "ON" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "n" | "N" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// Parses `x.y.z` (three unsigned numbers; trailing junk after the third tolerated).
pub(crate) fn parse_semver(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.splitn(3, '.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let rest = it.next()?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let c = digits.parse().ok()?;
    Some((a, b, c))
}

fn fmt_ver(v: (u32, u32, u32)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// An item's `override` map in file order: (key, operation, the operation's node).
type Overrides = Vec<(String, String, Node)>;

impl Reader<'_> {
    fn span(&self, n: &Node) -> FileSpan {
        FileSpan {
            file: self.file.clone(),
            start: n.start,
            end: n.end.max(n.start + 1),
        }
    }

    fn err(
        &self,
        code: Code,
        message: impl Into<String>,
        at: &Node,
        item: &Option<ItemRef>,
    ) -> Box<Diagnostic> {
        Box::new(Diagnostic::new(
            code,
            message,
            Some(self.span(at)),
            item.clone(),
        ))
    }

    fn warn(&mut self, code: Code, message: impl Into<String>, at: &Node, item: &Option<ItemRef>) {
        let d = Diagnostic::new(code, message, Some(self.span(at)), item.clone());
        self.warnings.push(d);
    }

    /// Decodes a scalar key (COMPAT.md §2). `Ok(None)` when absent and optional.
    fn scalar<'n>(
        &self,
        map: &'n Node,
        key: &str,
        required: bool,
        allow_empty: bool,
        item: &Option<ItemRef>,
    ) -> R<Option<(&'n str, &'n Node)>> {
        let Some(v) = map.get(key) else {
            if required {
                return Err(self.err(
                    Code::LoadErrYamlValidate,
                    msg::no_mapping_for_key(key),
                    map,
                    item,
                ));
            }
            return Ok(None);
        };
        if v.is_null() {
            if allow_empty {
                return Ok(Some(("", v)));
            }
            return Err(self.err(Code::LoadErrYamlValidate, msg::mapping_empty(key), v, item));
        }
        let Some(s) = v.as_scalar() else {
            return Err(self.err(Code::LoadErrYamlValidate, msg::NOT_SCALAR, v, item));
        };
        if s.is_empty() && !allow_empty {
            return Err(self.err(Code::LoadErrYamlValidate, msg::MUST_BE_NON_EMPTY, v, item));
        }
        Ok(Some((s, v)))
    }

    fn boolean(&self, map: &Node, key: &str, item: &Option<ItemRef>) -> R<Option<bool>> {
        match self.scalar(map, key, false, false, item)? {
            None => Ok(None),
            Some((s, n)) => match parse_yaml_bool(s) {
                Some(b) => Ok(Some(b)),
                None => Err(self.err(Code::LoadErrYamlValidate, msg::CANT_DECODE, n, item)),
            },
        }
    }

    fn seq_of_scalars(
        &self,
        map: &Node,
        key: &str,
        required: bool,
        item: &Option<ItemRef>,
    ) -> R<Option<Vec<String>>> {
        let Some(v) = map.get(key) else {
            if required {
                return Err(self.err(
                    Code::LoadErrYamlValidate,
                    msg::no_mapping_for_key(key),
                    map,
                    item,
                ));
            }
            return Ok(None);
        };
        if v.is_null() {
            return Err(self.err(Code::LoadErrYamlValidate, msg::mapping_empty(key), v, item));
        }
        let Some(seq) = v.as_seq() else {
            return Err(self.err(Code::LoadErrYamlValidate, msg::NOT_SEQUENCE, v, item));
        };
        let mut out = Vec::with_capacity(seq.len());
        for e in seq {
            match e.as_scalar() {
                Some(s) => out.push(s.to_string()),
                None => {
                    return Err(self.err(
                        Code::LoadErrYamlValidate,
                        msg::SEQ_VALUE_NOT_SCALAR,
                        e,
                        item,
                    ))
                }
            }
        }
        Ok(Some(out))
    }

    fn unknown_keys(&mut self, map: &Node, allowed: &[&str], item: &Option<ItemRef>) {
        let Some(m) = map.as_map() else { return };
        let mut found = Vec::new();
        for (k, _) in m {
            let name = k.as_scalar().unwrap_or("");
            if !allowed.contains(&name) {
                found.push((name.to_string(), k.clone()));
            }
        }
        for (name, k) in found {
            self.warn(Code::LoadUnknownKey, msg::unknown_key(&name), &k, item);
        }
    }

    /// The `override` map: key → (op, node).
    fn overrides(&self, map: &Node, item: &Option<ItemRef>) -> R<Overrides> {
        let Some(o) = map.get("override") else {
            return Ok(Vec::new());
        };
        if o.is_null() {
            return Ok(Vec::new());
        }
        let Some(entries) = o.as_map() else {
            return Err(self.err(Code::LoadErrYamlValidate, msg::NOT_SCALAR, o, item));
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = k.as_scalar().unwrap_or("").to_string();
            let Some(op) = v.as_scalar() else {
                return Err(self.err(Code::LoadErrYamlValidate, msg::NOT_SCALAR, v, item));
            };
            out.push((key, op.to_string(), v.clone()));
        }
        Ok(out)
    }

    /// The name node, name and item reference of a `list`, `macro` or `rule` item (the name
    /// must be a scalar), with its unknown keys reported.
    fn item_header(
        &mut self,
        it: &Node,
        kind: ItemKind,
        key: &str,
        allowed: &[&str],
    ) -> R<(Node, String, Option<ItemRef>)> {
        let name_node = it.get(key).cloned().unwrap_or_else(|| it.clone());
        let name = name_node.as_scalar().unwrap_or("").to_string();
        let item = Some(ItemRef {
            kind,
            name: name.clone(),
        });
        self.scalar(it, key, true, false, &item)?;
        self.unknown_keys(it, allowed, &item);
        Ok((name_node, name, item))
    }

    /// `append: true` (deprecated, warned) and the `override` map, which exclude each other.
    fn append_and_overrides(&mut self, it: &Node, item: &Option<ItemRef>) -> R<(bool, Overrides)> {
        let append = self.boolean(it, "append", item)?.unwrap_or(false);
        let overrides = self.overrides(it, item)?;
        if append {
            self.warn(Code::LoadDeprecatedItem, msg::WARNING_APPEND, it, item);
            if !overrides.is_empty() {
                return Err(self.err(
                    Code::LoadErrYamlValidate,
                    msg::OVERRIDE_AND_APPEND,
                    it,
                    item,
                ));
            }
        }
        Ok((append, overrides))
    }

    /// Whether a list or macro item appends to its earlier definition: `append: true`, or an
    /// `override` of its one overridable `key` with `append` (`replace` is a definition).
    fn append_mode(&mut self, it: &Node, key: &str, item: &Option<ItemRef>) -> R<bool> {
        let (mut is_append, overrides) = self.append_and_overrides(it, item)?;
        for (k, op, n) in &overrides {
            if k != key {
                let m = if op == "append" {
                    msg::cannot_append(k)
                } else {
                    msg::cannot_replace(k)
                };
                return Err(self.err(Code::LoadErrYamlValidate, m, n, item));
            }
            match op.as_str() {
                "append" => is_append = true,
                "replace" => {}
                _ => {
                    return Err(self.err(
                        Code::LoadErrYamlValidate,
                        msg::invalid_override_op(k, op),
                        n,
                        item,
                    ))
                }
            }
        }
        Ok(is_append)
    }
}

impl Collector {
    fn next_index(&mut self) -> usize {
        self.counter += 1;
        self.counter
    }

    /// Reads one file into the collector. Returns the first error, if any; warnings go to
    /// `warnings`.
    pub(crate) fn read_file(
        &mut self,
        file: &Arc<str>,
        source: &str,
        known_sources: &[String],
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<(), Box<Diagnostic>> {
        let docs = match parse_documents(source) {
            Ok(d) => d,
            Err(e) => {
                return Err(Box::new(Diagnostic::new(
                    Code::LoadErrYamlParse,
                    e.message,
                    Some(FileSpan {
                        file: file.clone(),
                        start: e.offset,
                        end: e.offset + 1,
                    }),
                    None,
                )))
            }
        };
        let mut r = Reader {
            file: file.clone(),
            source,
            warnings,
            known_sources,
        };
        let content = Some(ItemRef {
            kind: ItemKind::Content,
            name: String::new(),
        });
        for doc in &docs {
            if doc.is_null() {
                continue;
            }
            let items = match &doc.kind {
                NodeKind::Seq(s) => s,
                NodeKind::Map(_) => {
                    return Err(r.err(
                        Code::LoadErrYamlValidate,
                        msg::NOT_YAML_ARRAY,
                        doc,
                        &content,
                    ))
                }
                NodeKind::Scalar { .. } => {
                    return Err(r.err(Code::LoadErrYamlValidate, msg::NOT_YAML, doc, &content))
                }
            };
            for it in items {
                if it.is_null() {
                    continue;
                }
                if it.as_map().is_none() {
                    return Err(r.err(
                        Code::LoadErrYamlValidate,
                        msg::UNEXPECTED_ELEMENT,
                        it,
                        &content,
                    ));
                }
                self.read_item(&mut r, it)?;
            }
        }
        Ok(())
    }

    fn read_item(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let kind = KIND_KEYS.iter().find(|k| it.get(k).is_some()).copied();
        match kind {
            Some("required_engine_version") => self.read_engine_version(r, it),
            Some("required_plugin_versions") => self.read_plugin_versions(r, it),
            Some("list") => self.read_list(r, it),
            Some("macro") => self.read_macro(r, it),
            Some("rule") => self.read_rule(r, it),
            _ => {
                let content = Some(ItemRef {
                    kind: ItemKind::Content,
                    name: String::new(),
                });
                r.warn(Code::LoadUnknownItem, msg::UNKNOWN_ITEM, it, &content);
                Ok(())
            }
        }
    }

    fn read_engine_version(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let item = Some(ItemRef {
            kind: ItemKind::RequiredEngineVersion,
            name: String::new(),
        });
        r.unknown_keys(it, &["required_engine_version"], &item);
        let Some((s, n)) = r.scalar(it, "required_engine_version", true, false, &item)? else {
            return Ok(());
        };
        let v = match s.parse::<u32>() {
            Ok(minor) => (0, minor, 0),
            Err(_) => match parse_semver(s) {
                Some(v) => v,
                None => {
                    return Err(r.err(
                        Code::LoadErrYamlValidate,
                        msg::engine_version_unparsable(s),
                        n,
                        &item,
                    ))
                }
            },
        };
        if v.0 != ENGINE_VERSION.0 || v > ENGINE_VERSION {
            return Err(r.err(
                Code::LoadErrValidate,
                msg::engine_version_too_low(&fmt_ver(v), &fmt_ver(ENGINE_VERSION)),
                n,
                &item,
            ));
        }
        self.required_engine_version =
            Some(self.required_engine_version.map_or(v, |old| old.max(v)));
        Ok(())
    }

    fn read_plugin_versions(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let item = Some(ItemRef {
            kind: ItemKind::RequiredPluginVersions,
            name: String::new(),
        });
        r.unknown_keys(it, &["required_plugin_versions"], &item);
        let Some(v) = it.get("required_plugin_versions") else {
            return Ok(());
        };
        if v.is_null() {
            return Err(r.err(
                Code::LoadErrYamlValidate,
                msg::mapping_empty("required_plugin_versions"),
                v,
                &item,
            ));
        }
        let Some(seq) = v.as_seq() else {
            return Err(r.err(Code::LoadErrYamlValidate, msg::NOT_SEQUENCE, v, &item));
        };
        for entry in seq {
            if entry.as_map().is_none() {
                return Err(r.err(
                    Code::LoadErrYamlValidate,
                    msg::UNEXPECTED_ELEMENT,
                    entry,
                    &item,
                ));
            }
            let mut group = Vec::new();
            let one = |e: &Node, group: &mut Vec<(String, String)>| -> R<()> {
                let (name, _) = r.scalar(e, "name", true, false, &item)?.unwrap_or(("", e));
                let (ver, vn) = r
                    .scalar(e, "version", true, false, &item)?
                    .unwrap_or(("", e));
                if parse_semver(ver).is_none() {
                    return Err(r.err(
                        Code::LoadErrValidate,
                        msg::invalid_plugin_version(ver, name),
                        vn,
                        &item,
                    ));
                }
                if group.iter().any(|(n, _)| n == name) {
                    return Err(r.err(
                        Code::LoadErrValidate,
                        msg::plugin_multiple_alternatives(name),
                        e,
                        &item,
                    ));
                }
                group.push((name.to_string(), ver.to_string()));
                Ok(())
            };
            one(entry, &mut group)?;
            if let Some(alts) = entry.get("alternatives") {
                let Some(alts) = alts.as_seq() else {
                    return Err(r.err(Code::LoadErrYamlValidate, msg::NOT_SEQUENCE, alts, &item));
                };
                for a in alts {
                    one(a, &mut group)?;
                }
            }
            self.plugin_requirements.push(PluginRequirement {
                alternatives: group,
            });
        }
        Ok(())
    }

    fn read_list(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let (name_node, name, item) = r.item_header(it, ItemKind::List, "list", &LIST_KEYS)?;
        if !name.chars().all(|c| {
            !matches!(c, '(' | ')' | '"' | '\'' | '=' | ',')
                && !c.is_ascii_whitespace()
                && c != '\x0b'
        }) {
            r.warn(
                Code::LoadInvalidListName,
                msg::INVALID_LIST_NAME,
                &name_node,
                &item,
            );
        }
        let items = r
            .seq_of_scalars(it, "items", true, &item)?
            .unwrap_or_default();
        let is_append = r.append_mode(it, "items", &item)?;
        let idx = self.next_index();
        if is_append {
            let Some(l) = self.lists.get_mut(&name) else {
                return Err(r.err(
                    Code::LoadErrValidate,
                    msg::LIST_APPEND_NO_PREVIOUS,
                    it,
                    &item,
                ));
            };
            l.items.extend(items);
            l.visibility = idx;
        } else {
            let index = self.lists.get(&name).map_or(idx, |l| l.index);
            self.lists.define(
                &name,
                ListInfo {
                    name: name.clone(),
                    items,
                    index,
                    visibility: idx,
                    loc: r.span(it),
                },
            );
        }
        Ok(())
    }

    fn read_macro(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let (name_node, name, item) = r.item_header(it, ItemKind::Macro, "macro", &MACRO_KEYS)?;
        let valid = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            r.warn(
                Code::LoadInvalidMacroName,
                msg::INVALID_MACRO_NAME,
                &name_node,
                &item,
            );
        }
        let (cond, cond_node) = r
            .scalar(it, "condition", true, false, &item)?
            .unwrap_or(("", it));
        let loc = TextLoc::of(&r.file, cond_node, r.source);
        let cond = cond.to_string();
        let is_append = r.append_mode(it, "condition", &item)?;
        let idx = self.next_index();
        if is_append {
            let Some(m) = self.macros.get_mut(&name) else {
                return Err(r.err(
                    Code::LoadErrValidate,
                    msg::MACRO_APPEND_NO_PREVIOUS,
                    it,
                    &item,
                ));
            };
            m.cond.append(&cond, loc);
            m.visibility = idx;
        } else {
            let index = self.macros.get(&name).map_or(idx, |m| m.index);
            self.macros.define(
                &name,
                MacroInfo {
                    name: name.clone(),
                    cond: LocatedText::new(cond, loc),
                    index,
                    visibility: idx,
                    loc: r.span(it),
                },
            );
        }
        Ok(())
    }

    fn read_exceptions(
        &self,
        r: &Reader<'_>,
        it: &Node,
        require_fields: bool,
        item: &Option<ItemRef>,
    ) -> R<Vec<ExceptionInfo>> {
        let Some(ex) = it.get("exceptions") else {
            return Ok(Vec::new());
        };
        if ex.is_null() {
            return Ok(Vec::new());
        }
        let Some(seq) = ex.as_seq() else {
            return Err(r.err(Code::LoadErrYamlValidate, msg::EXC_NOT_SEQUENCE, ex, item));
        };
        let mut out = Vec::new();
        for e in seq {
            if e.as_map().is_none() {
                return Err(r.err(Code::LoadErrYamlValidate, msg::EXC_NOT_MAP, e, item));
            }
            let (name, _) = r.scalar(e, "name", true, false, item)?.unwrap_or(("", e));
            let one_or_many = |key: &str| -> R<Option<OneOrMany>> {
                let Some(v) = e.get(key) else {
                    if require_fields && key == "fields" {
                        return Err(r.err(
                            Code::LoadErrYamlValidate,
                            msg::no_mapping_for_key(key),
                            e,
                            item,
                        ));
                    }
                    return Ok(None);
                };
                match &v.kind {
                    NodeKind::Scalar { value, .. } if !v.is_null() => {
                        Ok(Some(OneOrMany::One(value.clone())))
                    }
                    NodeKind::Seq(s) => {
                        let mut items = Vec::new();
                        for x in s {
                            match x.as_scalar() {
                                // yaml-cpp reads `[!=, x]` as an empty first item (a tag).
                                Some("") => {
                                    return Err(r.err(
                                        Code::LoadErrYamlValidate,
                                        msg::MUST_BE_NON_EMPTY,
                                        x,
                                        item,
                                    ))
                                }
                                Some(x) => items.push(x.to_string()),
                                None => {
                                    return Err(r.err(
                                        Code::LoadErrYamlValidate,
                                        msg::SEQ_VALUE_NOT_SCALAR,
                                        x,
                                        item,
                                    ))
                                }
                            }
                        }
                        Ok(Some(OneOrMany::Many(items)))
                    }
                    _ => Err(r.err(Code::LoadErrYamlValidate, msg::mapping_empty(key), v, item)),
                }
            };
            let fields = one_or_many("fields")?;
            if let Some(OneOrMany::Many(f)) = &fields {
                if f.is_empty() {
                    return Err(r.err(Code::LoadErrYamlValidate, msg::EXC_NEEDS_FIELDS, e, item));
                }
            }
            let comps = one_or_many("comps")?;
            let mut values = Vec::new();
            if let Some(v) = e.get("values") {
                if !v.is_null() {
                    let Some(vs) = v.as_seq() else {
                        return Err(r.err(
                            Code::LoadErrYamlValidate,
                            msg::EXC_VALUES_NOT_SEQ,
                            v,
                            item,
                        ));
                    };
                    for entry in vs {
                        // yaml-cpp refuses an empty item in a nested value list.
                        if let Some(empty) = entry.as_seq().and_then(|elems| {
                            elems
                                .iter()
                                .filter_map(|el| el.as_seq())
                                .flatten()
                                .find(|x| x.as_scalar() == Some(""))
                        }) {
                            return Err(r.err(
                                Code::LoadErrYamlValidate,
                                msg::MUST_BE_NON_EMPTY,
                                empty,
                                item,
                            ));
                        }
                        values.push(match &entry.kind {
                            NodeKind::Scalar { value, .. } => ExcEntry::Scalar(value.clone()),
                            NodeKind::Seq(elems) => ExcEntry::Seq(
                                elems
                                    .iter()
                                    .map(|el| match &el.kind {
                                        NodeKind::Scalar { value, .. } => {
                                            ExcElem::Scalar(value.clone())
                                        }
                                        NodeKind::Seq(s) => ExcElem::Seq(
                                            s.iter()
                                                .map(|x| x.as_scalar().unwrap_or("").to_string())
                                                .collect(),
                                        ),
                                        NodeKind::Map(_) => ExcElem::Other,
                                    })
                                    .collect(),
                            ),
                            NodeKind::Map(_) => ExcEntry::Other,
                        });
                    }
                }
            }
            let info = ExceptionInfo {
                name: name.to_string(),
                fields,
                comps,
                values,
                loc: r.span(e),
            };
            check_exception_shape(&info).map_err(|m| r.err(Code::LoadErrValidate, m, e, item))?;
            out.push(info);
        }
        Ok(out)
    }

    fn warn_duplicate_exceptions(
        r: &mut Reader<'_>,
        it: &Node,
        ex: &[ExceptionInfo],
        item: &Option<ItemRef>,
    ) {
        let mut seen = BTreeSet::new();
        for e in ex {
            if !seen.insert(e.name.clone()) {
                let node = it.get("exceptions").cloned().unwrap_or_else(|| it.clone());
                r.warn(
                    Code::LoadExceptionNameNotUnique,
                    msg::exc_name_not_unique(&e.name),
                    &node,
                    item,
                );
            }
        }
    }

    fn read_rule(&mut self, r: &mut Reader<'_>, it: &Node) -> R<()> {
        let (_, name, item) = r.item_header(it, ItemKind::Rule, "rule", &RULE_KEYS)?;
        let (append, overrides) = r.append_and_overrides(it, &item)?;
        if !overrides.is_empty() {
            return self.read_rule_override(r, it, &name, overrides, &item);
        }
        if append {
            return self.read_rule_legacy_append(r, it, &name, &item);
        }
        let has_def = ["condition", "output", "desc", "priority"]
            .iter()
            .any(|k| it.get(k).is_some());
        if !has_def {
            // Legacy enable mode.
            let enabled = r.boolean(it, "enabled", &item)?;
            let Some(enabled) = enabled else {
                return Err(r.err(
                    Code::LoadErrYamlValidate,
                    msg::no_mapping_for_key("condition"),
                    it,
                    &item,
                ));
            };
            r.warn(Code::LoadDeprecatedItem, msg::WARNING_ENABLED, it, &item);
            let Some(rule) = self.rules.get_mut(&name) else {
                return Err(r.err(
                    Code::LoadErrValidate,
                    msg::RULE_ENABLE_NO_PREVIOUS,
                    it,
                    &item,
                ));
            };
            rule.enabled = enabled;
            return Ok(());
        }
        // Full definition.
        let (cond, cn) = r
            .scalar(it, "condition", true, false, &item)?
            .unwrap_or(("", it));
        let cond = LocatedText::new(cond.to_string(), TextLoc::of(&r.file, cn, r.source));
        let (output, on) = r
            .scalar(it, "output", true, false, &item)?
            .unwrap_or(("", it));
        let trimmed = output.trim();
        let lead = output.len() - output.trim_start().len();
        let mut oloc = TextLoc::of(&r.file, on, r.source);
        if oloc.exact {
            oloc.start += lead;
        }
        let output = LocatedText::new(trimmed.to_string(), oloc);
        let (desc, _) = r
            .scalar(it, "desc", true, false, &item)?
            .unwrap_or(("", it));
        let (prio, pn) = r
            .scalar(it, "priority", true, false, &item)?
            .unwrap_or(("", it));
        let Some(priority) = Priority::parse(prio) else {
            return Err(r.err(Code::LoadErrYamlValidate, msg::INVALID_PRIORITY, pn, &item));
        };
        let source = match r.scalar(it, "source", false, false, &item)? {
            Some((s, _)) => s.to_string(),
            None => "syscall".to_string(),
        };
        let enabled = r.boolean(it, "enabled", &item)?.unwrap_or(true);
        let tags: BTreeSet<String> = r
            .seq_of_scalars(it, "tags", false, &item)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        let exceptions = self.read_exceptions(r, it, true, &item)?;
        Self::warn_duplicate_exceptions(r, it, &exceptions, &item);
        let capture = r.boolean(it, "capture", &item)?.unwrap_or(false);
        let capture_duration = match r.scalar(it, "capture_duration", false, false, &item)? {
            None => 0,
            Some((s, n)) => s
                .parse::<u32>()
                .map_err(|_| r.err(Code::LoadErrYamlValidate, msg::CANT_DECODE, n, &item))?,
        };
        let warn_evttypes = r.boolean(it, "warn_evttypes", &item)?.unwrap_or(true);
        let skip_if_unknown_filter = r
            .boolean(it, "skip-if-unknown-filter", &item)?
            .unwrap_or(false);
        if let Some(prev) = self.rules.get(&name) {
            if !prev.source.is_empty() && prev.source != source {
                return Err(r.err(Code::LoadErrValidate, msg::DIFFERENT_SOURCE, it, &item));
            }
        }
        if !r.known_sources.contains(&source) {
            r.warn(
                Code::LoadUnknownSource,
                msg::unknown_source(&source),
                it,
                &item,
            );
        }
        let idx = self.next_index();
        let index = self.rules.get(&name).map_or(idx, |p| p.index);
        self.rules.define(
            &name,
            RuleInfo {
                name: name.clone(),
                cond,
                output,
                desc: desc.to_string(),
                priority,
                source,
                enabled,
                tags,
                exceptions,
                capture,
                capture_duration,
                warn_evttypes,
                skip_if_unknown_filter,
                index,
                loc: r.span(it),
            },
        );
        Ok(())
    }

    fn check_source(&self, r: &Reader<'_>, it: &Node, name: &str, item: &Option<ItemRef>) -> R<()> {
        if let Ok(Some((s, _))) = r.scalar(it, "source", false, true, item) {
            if let Some(prev) = self.rules.get(name) {
                if !s.is_empty() && !prev.source.is_empty() && prev.source != s {
                    return Err(r.err(Code::LoadErrValidate, msg::DIFFERENT_SOURCE, it, item));
                }
            }
        }
        Ok(())
    }

    fn append_exceptions(
        r: &mut Reader<'_>,
        it: &Node,
        rule: &mut RuleInfo,
        new: Vec<ExceptionInfo>,
        item: &Option<ItemRef>,
    ) -> R<()> {
        for e in new {
            if let Some(existing) = rule.exceptions.iter_mut().find(|x| x.name == e.name) {
                if e.fields.is_some() {
                    return Err(r.err(Code::LoadErrValidate, msg::EXC_APPEND_FIELDS, it, item));
                }
                if e.comps.is_some() {
                    return Err(r.err(Code::LoadErrValidate, msg::EXC_APPEND_COMPS, it, item));
                }
                if e.values.is_empty() {
                    r.warn(
                        Code::LoadAppendNoValues,
                        msg::exc_append_no_values(&e.name),
                        it,
                        item,
                    );
                }
                existing.values.extend(e.values);
            } else {
                if e.fields.is_none() {
                    return Err(r.err(Code::LoadErrValidate, msg::EXC_NEW_NEEDS_FIELDS, it, item));
                }
                if e.values.is_empty() {
                    // Falco 0.44.1 warns that the appended exception has no values, then
                    // refuses it: a new exception needs values.
                    if it
                        .get("exceptions")
                        .and_then(|x| x.as_seq())
                        .is_some_and(|s| {
                            s.iter().any(|x| {
                                x.get("name").and_then(|n| n.as_scalar()) == Some(e.name.as_str())
                                    && x.get("values").is_none()
                            })
                        })
                    {
                        r.warn(
                            Code::LoadAppendNoValues,
                            msg::exc_append_no_values(&e.name),
                            it,
                            item,
                        );
                    }
                    return Err(r.err(Code::LoadErrValidate, msg::EXC_NEW_NEEDS_VALUES, it, item));
                }
                rule.exceptions.push(e);
            }
        }
        Ok(())
    }

    fn read_rule_legacy_append(
        &mut self,
        r: &mut Reader<'_>,
        it: &Node,
        name: &str,
        item: &Option<ItemRef>,
    ) -> R<()> {
        let cond = r
            .scalar(it, "condition", false, false, item)?
            .map(|(s, n)| (s.to_string(), TextLoc::of(&r.file, n, r.source)));
        let has_ex = it.get("exceptions").is_some();
        if cond.is_none() && !has_ex {
            return Err(r.err(
                Code::LoadErrYamlValidate,
                msg::APPENDED_RULE_NEEDS,
                it,
                item,
            ));
        }
        let ex = self.read_exceptions(r, it, false, item)?;
        Self::warn_duplicate_exceptions(r, it, &ex, item);
        self.check_source(r, it, name, item)?;
        let idx = self.next_index();
        let _ = idx;
        let Some(rule) = self.rules.get_mut(name) else {
            return Err(r.err(
                Code::LoadErrValidate,
                msg::rule_append_no_previous(""),
                it,
                item,
            ));
        };
        if let Some((c, loc)) = cond {
            rule.cond.append(&c, loc);
        }
        Self::append_exceptions(r, it, rule, ex, item)
    }

    fn read_rule_override(
        &mut self,
        r: &mut Reader<'_>,
        it: &Node,
        name: &str,
        overrides: Overrides,
        item: &Option<ItemRef>,
    ) -> R<()> {
        let mut appends = Vec::new();
        let mut replaces = Vec::new();
        for (k, op, n) in &overrides {
            match op.as_str() {
                "append" if RULE_APPENDABLE.contains(&k.as_str()) => appends.push(k.clone()),
                "append" => {
                    return Err(r.err(Code::LoadErrYamlValidate, msg::cannot_append(k), n, item))
                }
                "replace" if RULE_REPLACEABLE.contains(&k.as_str()) => replaces.push(k.clone()),
                "replace" => {
                    return Err(r.err(Code::LoadErrYamlValidate, msg::cannot_replace(k), n, item))
                }
                _ => {
                    return Err(r.err(
                        Code::LoadErrYamlValidate,
                        msg::invalid_override_op(k, op),
                        n,
                        item,
                    ))
                }
            }
        }
        for (k, op, n) in &overrides {
            if it.get(k).is_none() {
                return Err(r.err(
                    Code::LoadErrYamlValidate,
                    msg::override_key_missing(op, k),
                    n,
                    item,
                ));
            }
        }
        if let Some(m) = it.as_map() {
            for (k, _) in m {
                let key = k.as_scalar().unwrap_or("");
                if (RULE_APPENDABLE.contains(&key) || RULE_REPLACEABLE.contains(&key))
                    && !overrides.iter().any(|(o, _, _)| o == key)
                {
                    return Err(r.err(
                        Code::LoadErrYamlValidate,
                        msg::unexpected_key_no_override(key),
                        k,
                        item,
                    ));
                }
            }
        }
        // Decode everything before touching the rule.
        let has = |k: &str| overrides.iter().any(|(o, _, _)| o == k);
        let cond = if has("condition") {
            r.scalar(it, "condition", true, false, item)?
                .map(|(s, n)| (s.to_string(), TextLoc::of(&r.file, n, r.source)))
        } else {
            None
        };
        let output = if has("output") {
            r.scalar(it, "output", true, false, item)?
                .map(|(s, n)| (s.to_string(), TextLoc::of(&r.file, n, r.source)))
        } else {
            None
        };
        let desc = if has("desc") {
            r.scalar(it, "desc", true, false, item)?
                .map(|(s, _)| s.to_string())
        } else {
            None
        };
        let priority = if has("priority") {
            match r.scalar(it, "priority", true, false, item)? {
                Some((p, n)) => Some(Priority::parse(p).ok_or_else(|| {
                    r.err(Code::LoadErrYamlValidate, msg::INVALID_PRIORITY, n, item)
                })?),
                None => None,
            }
        } else {
            None
        };
        let enabled = if has("enabled") {
            r.boolean(it, "enabled", item)?
        } else {
            None
        };
        let tags = if has("tags") {
            r.seq_of_scalars(it, "tags", true, item)?
        } else {
            None
        };
        let require_fields = replaces.iter().any(|k| k == "exceptions");
        let exceptions = if has("exceptions") {
            Some(self.read_exceptions(r, it, require_fields, item)?)
        } else {
            None
        };
        if let Some(ex) = &exceptions {
            Self::warn_duplicate_exceptions(r, it, ex, item);
        }
        let capture = if has("capture") {
            r.boolean(it, "capture", item)?
        } else {
            None
        };
        let capture_duration = if has("capture_duration") {
            match r.scalar(it, "capture_duration", true, false, item)? {
                Some((s, n)) => Some(
                    s.parse::<u32>()
                        .map_err(|_| r.err(Code::LoadErrYamlValidate, msg::CANT_DECODE, n, item))?,
                ),
                None => None,
            }
        } else {
            None
        };
        let warn_evttypes = if has("warn_evttypes") {
            r.boolean(it, "warn_evttypes", item)?
        } else {
            None
        };
        let skip = if has("skip-if-unknown-filter") {
            r.boolean(it, "skip-if-unknown-filter", item)?
        } else {
            None
        };
        if has("condition") {
            self.check_source(r, it, name, item)?;
        }
        let _ = self.next_index();
        let Some(rule) = self.rules.get_mut(name) else {
            let msg = match appends.first() {
                Some(k) => msg::rule_append_no_previous(k),
                None => msg::rule_replace_no_previous(replaces.first().map_or("", |s| s.as_str())),
            };
            return Err(r.err(Code::LoadErrValidate, msg, it, item));
        };
        // Appends first, then replaces.
        for k in &appends {
            match k.as_str() {
                "condition" => {
                    if let Some((c, l)) = &cond {
                        rule.cond.append(c, l.clone());
                    }
                }
                "output" => {
                    if let Some((o, l)) = &output {
                        rule.output.append(o, l.clone());
                    }
                }
                "desc" => {
                    if let Some(d) = &desc {
                        rule.desc.push(' ');
                        rule.desc.push_str(d);
                    }
                }
                "tags" => rule.tags.extend(tags.clone().unwrap_or_default()),
                "exceptions" => Self::append_exceptions(
                    r,
                    it,
                    rule,
                    exceptions.clone().unwrap_or_default(),
                    item,
                )?,
                _ => {}
            }
        }
        for k in &replaces {
            match k.as_str() {
                "condition" => {
                    if let Some((c, l)) = &cond {
                        rule.cond = LocatedText::new(c.clone(), l.clone());
                    }
                }
                "output" => {
                    if let Some((o, l)) = &output {
                        rule.output = LocatedText::new(o.clone(), l.clone());
                    }
                }
                "desc" => rule.desc = desc.clone().unwrap_or_default(),
                "priority" => {
                    if let Some(p) = priority {
                        rule.priority = p;
                    }
                }
                "enabled" => {
                    if let Some(e) = enabled {
                        rule.enabled = e;
                    }
                }
                "tags" => rule.tags = tags.clone().unwrap_or_default().into_iter().collect(),
                "exceptions" => rule.exceptions = exceptions.clone().unwrap_or_default(),
                "capture" => rule.capture = capture.unwrap_or(false),
                "capture_duration" => rule.capture_duration = capture_duration.unwrap_or(0),
                "warn_evttypes" => rule.warn_evttypes = warn_evttypes.unwrap_or(true),
                "skip-if-unknown-filter" => rule.skip_if_unknown_filter = skip.unwrap_or(false),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Structural checks of one exception (COMPAT.md §7).
fn check_exception_shape(e: &ExceptionInfo) -> Result<(), String> {
    match (&e.fields, &e.comps) {
        (Some(OneOrMany::One(_)), Some(OneOrMany::Many(_)))
        | (Some(OneOrMany::Many(_)), Some(OneOrMany::One(_))) => {
            if matches!(e.fields, Some(OneOrMany::One(_))) {
                return Err(msg::EXC_BOTH_STRINGS.to_string());
            }
            return Err(msg::EXC_COMPS_LEN.to_string());
        }
        (Some(OneOrMany::One(_)), Some(OneOrMany::One(c))) => {
            let c = c.trim();
            if !(matches!(c, "in" | "pmatch" | "intersects") || is_modifier_comp(c)) {
                return Err(msg::EXC_SINGLE_COMP.to_string());
            }
        }
        (Some(OneOrMany::Many(f)), Some(OneOrMany::Many(c))) => {
            if f.len() != c.len() {
                return Err(msg::EXC_COMPS_LEN.to_string());
            }
            for c in c {
                let t = c.trim();
                if !(is_plain_comp(t) || is_modifier_comp(t)) {
                    return Err(msg::exc_bad_comp(t));
                }
            }
        }
        _ => {}
    }
    if let Some(OneOrMany::Many(f)) = &e.fields {
        for v in &e.values {
            if let ExcEntry::Seq(elems) = v {
                if elems.len() != f.len() {
                    return Err(msg::EXC_VALUES_LEN.to_string());
                }
            }
        }
    }
    Ok(())
}

fn is_plain_comp(c: &str) -> bool {
    c == "exists" || CmpOp::from_name(c).is_some()
}

/// `<string operator> <oneof|anyof|allof>`.
pub(crate) fn is_modifier_comp(c: &str) -> bool {
    let mut it = c.split_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(op), Some(m), None) => {
            CmpOp::from_name(op).is_some_and(|o| o.is_str_op())
                && matches!(m, "oneof" | "anyof" | "allof")
        }
        _ => false,
    }
}
