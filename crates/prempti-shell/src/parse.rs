//! Adapter over the tree-sitter bash grammar: one parser per thread, a work budget, and no
//! panic escaping.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

/// Progress callbacks allowed per input byte. tree-sitter calls the progress callback every
/// hundred or so parse operations, so this allows about 800 operations per byte — ordinary
/// commands need well under 10; pathological ambiguity is cut instead of running on.
const CALLBACKS_PER_BYTE: usize = 8;
/// Progress callbacks allowed for any input, however short.
const CALLBACKS_MIN: usize = 1024;

/// Why no tree came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The work budget ran out (counts as a limit hit).
    Budget,
    /// The parser could not be set up or failed internally.
    Internal,
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `text` as a bash program. A tree with error nodes is still a tree: callers check
/// `root_node().has_error()`.
pub(crate) fn parse(text: &str) -> Result<Tree, Failure> {
    // tree-sitter reports failure through `Option`; the guard is a last resort against a
    // panic in the binding or a re-entrant borrow, so a bug there never reaches the broker.
    catch_unwind(AssertUnwindSafe(|| parse_inner(text))).unwrap_or(Err(Failure::Internal))
}

fn parse_inner(text: &str) -> Result<Tree, Failure> {
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().map_err(|_| Failure::Internal)?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .map_err(|_| Failure::Internal)?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().ok_or(Failure::Internal)?;
        let budget = CALLBACKS_MIN.saturating_add(text.len().saturating_mul(CALLBACKS_PER_BYTE));
        let mut calls = 0usize;
        let mut progress = |_: &ParseState| {
            calls += 1;
            calls > budget
        };
        let bytes = text.as_bytes();
        let mut input = |at: usize, _| bytes.get(at..).unwrap_or_default();
        let tree = parser.parse_with_options(
            &mut input,
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        match tree {
            Some(tree) => Ok(tree),
            None => {
                // A cancelled parse would otherwise resume on the next call.
                parser.reset();
                Err(if calls > budget {
                    Failure::Budget
                } else {
                    Failure::Internal
                })
            }
        }
    })
}

/// Offset of the `max`-th pipe operator (`|`, `|&`; not `||` or `>|`) of `text`, if it has
/// that many, counting outside quotes, comments and here-document bodies.
///
/// The parser's error recovery is quadratic in the length of a pipeline (an unfinished
/// `a | a | ... |` of 16 000 stages takes seconds), and every stage after a pipe is a
/// program, so text past `max_programs` pipes is cut before parsing.
pub(crate) fn pipe_cut(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pipes = 0;
    // Here-document delimiters whose bodies start at the next newline (`true`: `<<-`).
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\'' => {
                // `$'...'` allows backslash escapes.
                let escapes = i > 0 && bytes[i - 1] == b'$';
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += if escapes && bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b';' => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') && bytes.get(i + 2) != Some(&b'<') => {
                i += 2;
                let strip = bytes.get(i) == Some(&b'-');
                i += usize::from(strip);
                while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
                    i += 1;
                }
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && !b";&|<>()".contains(b))
                {
                    i += 1;
                }
                let word = text
                    .get(start..i)
                    .unwrap_or("")
                    .replace(['\'', '"', '\\'], "");
                if !word.is_empty() {
                    heredocs.push((word, strip));
                }
                continue;
            }
            b'\n' if !heredocs.is_empty() => {
                // Skip the bodies, one per pending delimiter, in order.
                for (delimiter, strip) in std::mem::take(&mut heredocs) {
                    loop {
                        let start = i + 1;
                        if start >= bytes.len() {
                            return None;
                        }
                        let end = text[start..].find('\n').map_or(text.len(), |k| start + k);
                        i = end;
                        let line = &text[start..end];
                        let line = if strip {
                            line.trim_start_matches('\t')
                        } else {
                            line
                        };
                        if line == delimiter {
                            break;
                        }
                    }
                }
            }
            b'|' if bytes.get(i + 1) == Some(&b'|') => i += 1,
            b'|' if i == 0 || bytes[i - 1] != b'>' => {
                pipes += 1;
                if pipes >= max {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_flags_errors() {
        let tree = parse("git status && ls").map_err(|_| ()).expect("tree");
        assert!(!tree.root_node().has_error());
        let tree = parse("echo 'open").map_err(|_| ()).expect("tree");
        assert!(tree.root_node().has_error());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("{}ls{}", "$(".repeat(5000), ")".repeat(5000));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn pipes_counted_outside_quotes_comments_and_heredocs() {
        assert_eq!(pipe_cut("a | b | c", 2), Some(6));
        assert_eq!(pipe_cut("a | b | c", 3), None);
        assert_eq!(pipe_cut("a || b |& c", 1), Some(7));
        assert_eq!(pipe_cut("echo 'a|b' \"c|d\" e\\|f >| g # | |", 1), None);
        assert_eq!(
            pipe_cut("cat <<-'EOF' | x\n| a |\n\tEOF\ny | z", 2),
            Some(30)
        );
        assert_eq!(pipe_cut("cat <<EOF\n| | |\n", 1), None);
    }
}
