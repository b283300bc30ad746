//! YAML with a mark on every node: the rules files' syntax tree.
//!
//! We drive `saphyr-parser`'s event stream ourselves and build a small tree in which every
//! node keeps its byte span in the file (saphyr reports character indices; they are converted
//! to byte offsets here). The builder is iterative and bounds nesting depth and alias
//! expansion, so hostile YAML cannot exhaust the stack or memory.
//!
//! Scalar positions: a node's span is what the parser reports — for quoted scalars it starts
//! at the opening quote, for block scalars (`|`, `>`) at the indicator. Mapping a condition's
//! offsets into the file is done by [`Node::content_offset`], which only claims an exact
//! position when the source text at the scalar's start is the value itself; otherwise positions
//! inside the value fall back to the scalar's start (a documented, tested choice).

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

/// Deepest nesting accepted.
pub(crate) const MAX_NESTING: usize = 256;
/// Most nodes a file may produce, aliases expanded.
pub(crate) const MAX_NODES: usize = 2_000_000;

/// A YAML node with its byte span.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Scalar { value: String, style: ScalarStyle },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// yaml-cpp's `IsNull`: a plain `~`, `null`, `Null`, `NULL` or empty scalar.
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub(crate) fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Looks a key up in a mapping (first occurrence).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(_, v)| v)
    }

    /// Byte offset in the file of byte `offset` inside this scalar's value.
    pub(crate) fn content_offset(&self, source: &str, offset: usize) -> usize {
        if let NodeKind::Scalar { value, style } = &self.kind {
            let base = match style {
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => self.start + 1,
                _ => self.start,
            };
            if source.get(base..base + value.len()) == Some(value.as_str()) {
                return base + offset.min(value.len());
            }
        }
        self.start
    }
}

/// A YAML syntax error.
#[derive(Debug, Clone)]
pub(crate) struct YamlError {
    pub(crate) message: String,
    pub(crate) offset: usize,
}

/// Converts saphyr's character indices to byte offsets.
struct CharToByte {
    table: Option<Vec<u32>>,
    len: usize,
}

impl CharToByte {
    fn new(text: &str) -> CharToByte {
        let table = if text.is_ascii() {
            None
        } else {
            let mut t: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            t.push(text.len() as u32);
            Some(t)
        };
        CharToByte {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(t) => t.get(char_index).map_or(self.len, |b| *b as usize),
        }
    }
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

/// Parses every document of `text`. Documents whose root is null are kept as null nodes.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let conv = CharToByte::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut nodes = 0usize;
    let scan_err = |e: ScanError| YamlError {
        message: format!(
            "{} at line {} column {}",
            e.info(),
            e.marker().line(),
            e.marker().col() + 1
        ),
        offset: conv.byte(e.marker().index()),
    };
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(scan_err)?;
        let start = conv.byte(span.start.index());
        let end = conv.byte(span.end.index());
        let (node, anchor) = match ev {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {
                continue
            }
            Event::Scalar(value, style, anchor, _tag) => (
                Node {
                    kind: NodeKind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    start,
                    end,
                },
                anchor,
            ),
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_NESTING {
                    return Err(YamlError {
                        message: "nesting too deep".into(),
                        offset: start,
                    });
                }
                stack.push(Frame::Seq(
                    Node {
                        kind: NodeKind::Seq(Vec::new()),
                        start,
                        end,
                    },
                    anchor,
                ));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_NESTING {
                    return Err(YamlError {
                        message: "nesting too deep".into(),
                        offset: start,
                    });
                }
                stack.push(Frame::Map(
                    Node {
                        kind: NodeKind::Map(Vec::new()),
                        start,
                        end,
                    },
                    anchor,
                    None,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(mut n, a)) | Some(Frame::Map(mut n, a, None)) => {
                    n.end = end.max(n.start);
                    (n, a)
                }
                Some(Frame::Map(n, _, Some(_))) => {
                    return Err(YamlError {
                        message: "mapping key without value".into(),
                        offset: n.start,
                    });
                }
                None => {
                    return Err(YamlError {
                        message: "unbalanced collection end".into(),
                        offset: start,
                    })
                }
            },
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes = nodes.saturating_add(count_nodes(n));
                    if nodes > MAX_NODES {
                        return Err(YamlError {
                            message: "too many nodes (alias expansion)".into(),
                            offset: start,
                        });
                    }
                    (n.clone(), 0)
                }
                None => {
                    return Err(YamlError {
                        message: "unknown anchor".into(),
                        offset: start,
                    })
                }
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(YamlError {
                message: "too many nodes".into(),
                offset: start,
            });
        }
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq(s, _)) => {
                if let NodeKind::Seq(v) = &mut s.kind {
                    v.push(node);
                }
            }
            Some(Frame::Map(m, _, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(k) => {
                    if let NodeKind::Map(v) = &mut m.kind {
                        v.push((k, node));
                    }
                }
            },
        }
    }
    Ok(docs)
}

fn count_nodes(n: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Seq(s) => stack.extend(s.iter()),
            NodeKind::Map(m) => {
                for (k, v) in m {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes() {
        let text = "- rule: é\n  condition: a.b = x\n";
        let docs = parse_documents(text).unwrap_or_default();
        let item = &docs[0].as_seq().unwrap_or_default()[0];
        let c = item.get("condition").map(|n| n.start).unwrap_or_default();
        assert_eq!(&text[c..c + 7], "a.b = x");
    }

    #[test]
    fn quoted_and_folded_condition_offsets() {
        let text = "- c: \"a.b = x\"\n- c: >\n    a.b =\n    x\n";
        let docs = parse_documents(text).unwrap_or_default();
        let seq = docs[0].as_seq().unwrap_or_default();
        let q = seq[0]
            .get("c")
            .map(|n| n.content_offset(text, 4))
            .unwrap_or_default();
        assert_eq!(&text[q..q + 1], "=");
        let f = seq[1].get("c").cloned();
        let f = f
            .map(|n| (n.content_offset(text, 4), n.start))
            .unwrap_or_default();
        assert_eq!(f.0, f.1, "folded scalars map to their start");
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_errors() {
        let deep = "[".repeat(100_000);
        assert!(parse_documents(&deep).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse_documents(&bomb).is_err());
    }
}
