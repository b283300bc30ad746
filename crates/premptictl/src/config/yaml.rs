//! A small YAML tree with source positions, and in-place scalar edits.
//!
//! Configuration files are read into [`Node`]s that remember where they start and end, so
//! unknown keys can be reported as `file:line:col` and a single value (the mode, the default
//! action) can be rewritten without touching the rest of the file: comments, order and
//! formatting stay as the user left them.

use std::fmt;
use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

/// A position in a file: 1-based line and column, and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// Byte offset.
    pub offset: usize,
}

/// One YAML node with its byte range in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub start: Pos,
    /// Where the node ends (exclusive byte offset in `end.offset`).
    pub end: Pos,
    /// The value.
    pub kind: Kind,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order; keys are rendered as strings.
    Map(Vec<(String, Node, Node)>),
}

impl Node {
    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The mapping's entries (empty for other kinds).
    pub fn entries(&self) -> &[(String, Node, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The scalar as a string (numbers and booleans rendered), `None` for collections and null.
    pub fn as_str(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    /// The scalar as a boolean (Falco accepts `true`/`false` only).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The scalar as a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.kind {
            Kind::Int(i) => u64::try_from(*i).ok(),
            Kind::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Converts the node to JSON (mappings keep their order).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// A parsed YAML document with its source text.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The file it came from (for messages).
    pub path: PathBuf,
    /// The source text.
    pub text: String,
    /// The first document's root; `None` for an empty file.
    pub root: Option<Node>,
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The file.
    pub path: PathBuf,
    /// Where the parser stopped.
    pub pos: Pos,
    /// The parser's message.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: invalid YAML: {}",
            self.path.display(),
            self.pos.line,
            self.pos.col,
            self.message
        )
    }
}

impl std::error::Error for YamlError {}

impl Doc {
    /// Parses `text` (read from `path`).
    pub fn parse(path: &Path, text: String) -> Result<Doc, YamlError> {
        let offsets = CharOffsets::new(&text);
        let docs = MarkedYamlOwned::load_from_str(&text).map_err(|e| {
            let m = e.marker();
            YamlError {
                path: path.to_owned(),
                pos: offsets.pos(m.index(), m.line(), m.col()),
                message: e.info().to_owned(),
            }
        })?;
        let root = docs.into_iter().next().map(|d| convert(&d, &offsets));
        Ok(Doc {
            path: path.to_owned(),
            text,
            root,
        })
    }

    /// Reads and parses `path`.
    pub fn read(path: &Path) -> anyhow::Result<Doc> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Ok(Doc::parse(path, text)?)
    }

    /// `file:line:col` of a position in this document.
    pub fn at(&self, pos: Pos) -> String {
        format!("{}:{}:{}", self.path.display(), pos.line, pos.col)
    }
}

/// Maps the parser's character indices to byte offsets.
struct CharOffsets {
    bytes: Vec<usize>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharOffsets { bytes }
    }

    fn pos(&self, index: usize, line: usize, col: usize) -> Pos {
        let offset = self
            .bytes
            .get(index)
            .copied()
            .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0));
        Pos {
            line: line.max(1),
            col: col + 1,
            offset,
        }
    }
}

fn convert(node: &MarkedYamlOwned, offsets: &CharOffsets) -> Node {
    let start = offsets.pos(
        node.span.start.index(),
        node.span.start.line(),
        node.span.start.col(),
    );
    let end = offsets.pos(
        node.span.end.index(),
        node.span.end.line(),
        node.span.end.col(),
    );
    let kind = match &node.data {
        YamlDataOwned::Value(scalar) => match scalar {
            ScalarOwned::Null => Kind::Null,
            ScalarOwned::Boolean(b) => Kind::Bool(*b),
            ScalarOwned::Integer(i) => Kind::Int(*i),
            ScalarOwned::FloatingPoint(f) => Kind::Float(f.into_inner()),
            ScalarOwned::String(s) => Kind::Str(s.clone()),
        },
        YamlDataOwned::Representation(s, _, _) => Kind::Str(s.clone()),
        YamlDataOwned::Sequence(items) => {
            Kind::Seq(items.iter().map(|n| convert(n, offsets)).collect())
        }
        YamlDataOwned::Mapping(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = convert(k, offsets);
                    let name = key.as_str().unwrap_or_default();
                    (name, key, convert(v, offsets))
                })
                .collect(),
        ),
        YamlDataOwned::Tagged(_, inner) => return convert(inner, offsets),
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => Kind::Null,
    };
    Node { start, end, kind }
}

/// Replaces the plain scalar value of `key` in `map` by `value`, or inserts `key: value` as the
/// first entry of `map` (block mappings only) when the key is absent. Returns the new text.
pub fn set_scalar(text: &str, map: &Node, key: &str, value: &str) -> Option<String> {
    if let Some(node) = map.get(key) {
        let (start, end) = (node.start.offset, scalar_end(text, node));
        if !matches!(
            node.kind,
            Kind::Str(_) | Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) | Kind::Null
        ) {
            return None;
        }
        let mut out = String::with_capacity(text.len() + value.len());
        out.push_str(text.get(..start)?);
        if matches!(node.kind, Kind::Null) && start == end {
            // `key:` with nothing after it.
            out.push(' ');
        }
        out.push_str(value);
        out.push_str(text.get(end..)?);
        return Some(out);
    }
    let (_, first_key, _) = map.entries().first()?;
    let line_start = text
        .get(..first_key.start.offset)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent = text.get(line_start..first_key.start.offset)?;
    if !indent.chars().all(|c| c == ' ') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + key.len() + value.len() + indent.len() + 3);
    out.push_str(text.get(..line_start)?);
    out.push_str(indent);
    out.push_str(&format!("{key}: {value}\n"));
    out.push_str(text.get(line_start..)?);
    Some(out)
}

/// The end of a scalar's text: the parser's end marker, trimmed back over trailing blanks and
/// never past the end of the line (plain scalars).
fn scalar_end(text: &str, node: &Node) -> usize {
    let start = node.start.offset.min(text.len());
    let end = node.end.offset.clamp(start, text.len());
    let slice = &text[start..end];
    let cut = slice.find(['\n', '#']).unwrap_or(slice.len());
    start + slice[..cut].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        Doc::parse(Path::new("t.yaml"), text.to_owned()).unwrap()
    }

    #[test]
    fn positions_are_one_based() {
        let d = doc("a: 1\nbb:\n  c: x\n");
        let root = d.root.unwrap();
        let (_, key, _) = &root.entries()[1];
        assert_eq!((key.start.line, key.start.col), (2, 1));
        let c = root.get("bb").unwrap().get("c").unwrap();
        assert_eq!(c.as_str().as_deref(), Some("x"));
        assert_eq!((c.start.line, c.start.col), (3, 6));
    }

    #[test]
    fn set_scalar_replaces_in_place_and_keeps_comments() {
        let text = "init_config:\n  mode: guardrails # the mode\n  default_action: defer\n";
        let d = doc(text);
        let map = d.root.as_ref().unwrap().get("init_config").unwrap();
        let out = set_scalar(text, map, "mode", "monitor").unwrap();
        assert_eq!(
            out,
            "init_config:\n  mode: monitor # the mode\n  default_action: defer\n"
        );
        let quoted = "m:\n  mode: \"guardrails\"\n";
        let d = doc(quoted);
        let out = set_scalar(
            quoted,
            d.root.as_ref().unwrap().get("m").unwrap(),
            "mode",
            "monitor",
        )
        .unwrap();
        assert!(
            out.contains("mode: monitor\n") || out.contains("mode: \"monitor\""),
            "{out}"
        );
        assert!(Doc::parse(Path::new("t"), out.clone()).is_ok(), "{out}");
    }

    #[test]
    fn set_scalar_inserts_missing_keys() {
        let text = "init_config:\n  other: 1\n";
        let d = doc(text);
        let out = set_scalar(
            text,
            d.root.as_ref().unwrap().get("init_config").unwrap(),
            "mode",
            "monitor",
        )
        .unwrap();
        assert_eq!(out, "init_config:\n  mode: monitor\n  other: 1\n");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = Doc::parse(Path::new("x.yaml"), "a: [1, 2\nb: c\n".into()).unwrap_err();
        assert!(err.to_string().starts_with("x.yaml:"), "{err}");
    }
}
