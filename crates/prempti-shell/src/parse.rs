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
}
