//! Adapter over the tree-sitter bash grammar: one parser per thread, a work budget, a
//! wall-clock deadline for large input, and no panic escaping.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

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
    /// The deadline passed, or too many abandoned parses are still running (counts as a
    /// limit hit).
    Time,
    /// The parser could not be set up or failed internally.
    Internal,
}

// The initializer is const already; clippy 1.96 checking a std built from source
// (`-Zbuild-std`, the Windows cross build) still reports it.
#[allow(clippy::missing_const_for_thread_local)]
mod parser_cell {
    use super::{Parser, RefCell};
    thread_local! {
        pub(super) static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
    }
}
use parser_cell::PARSER;

/// Parses `text` as a bash program. A tree with error nodes is still a tree: callers check
/// `root_node().has_error()`.
pub(crate) fn parse(text: &str) -> Result<Tree, Failure> {
    parse_guarded(text, None)
}

/// [`parse`] stopped early once `cancel` reads [`ABANDONED`].
fn parse_guarded(text: &str, cancel: Option<&AtomicU8>) -> Result<Tree, Failure> {
    // tree-sitter reports failure through `Option`; the guard is a last resort against a
    // panic in the binding or a re-entrant borrow, so a bug there never reaches the broker.
    catch_unwind(AssertUnwindSafe(|| parse_inner(text, cancel))).unwrap_or(Err(Failure::Internal))
}

/// Parses still running after their caller stopped waiting for them, over all threads.
static ABANDONED_RUNNING: AtomicUsize = AtomicUsize::new(0);
/// Abandoned parses allowed to run at once: past it, [`parse_until`] does not start another
/// (the caller goes to the fallback). Each stops at its next progress check anyway.
pub(crate) const MAX_ABANDONED: usize = 4;

/// States of a parse on a worker thread.
const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const ABANDONED: u8 = 2;

/// Parses `text` on a worker thread and waits for it until `deadline`.
///
/// tree-sitter's error recovery is super-linear on some shapes no pre-scan bounds (an
/// unclosed `[[` followed by thousands of words); the work budget caps operations, not time.
/// On expiry the parse is abandoned: the worker's progress callback sees the abandonment and
/// cancels at its next check, its result is dropped, and nothing waits for it. At most
/// [`MAX_ABANDONED`] abandoned parses run at once; beyond that no worker is started.
pub(crate) fn parse_until(text: &str, deadline: Instant) -> Result<Tree, Failure> {
    if ABANDONED_RUNNING.load(Ordering::Acquire) >= MAX_ABANDONED {
        return Err(Failure::Time);
    }
    let Some(wait) = deadline.checked_duration_since(Instant::now()) else {
        return Err(Failure::Time);
    };
    let state = Arc::new(AtomicU8::new(RUNNING));
    let (tx, rx) = mpsc::sync_channel(1);
    let owned = text.to_owned();
    let worker_state = Arc::clone(&state);
    let spawned = std::thread::Builder::new()
        .name("prempti-shell-parse".into())
        .spawn(move || {
            let result = parse_guarded(&owned, Some(&worker_state));
            if worker_state.swap(FINISHED, Ordering::AcqRel) == ABANDONED {
                ABANDONED_RUNNING.fetch_sub(1, Ordering::AcqRel);
            }
            // The channel holds one result, so this never blocks; a caller gone is fine.
            let _ = tx.send(result);
        });
    if spawned.is_err() {
        return Err(Failure::Time);
    }
    match rx.recv_timeout(wait) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Failure::Internal),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // Counted before it is marked, so the worker's decrement never comes first.
            ABANDONED_RUNNING.fetch_add(1, Ordering::AcqRel);
            if state
                .compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Finished meanwhile: not abandoned, take its result.
                ABANDONED_RUNNING.fetch_sub(1, Ordering::AcqRel);
                return rx.recv().unwrap_or(Err(Failure::Internal));
            }
            Err(Failure::Time)
        }
    }
}

fn parse_inner(text: &str, cancel: Option<&AtomicU8>) -> Result<Tree, Failure> {
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
        let mut cancelled = false;
        let mut progress = |_: &ParseState| {
            calls += 1;
            cancelled = cancel.is_some_and(|c| c.load(Ordering::Relaxed) == ABANDONED);
            calls > budget || cancelled
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
                Err(if cancelled {
                    Failure::Time
                } else if calls > budget {
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

/// Constructs the parser's error recovery is quadratic on, allowed per piece of code: text
/// from the next one on is cut before parsing. Real commands stay far below it.
pub(crate) const MAX_OPENERS: usize = 128;

/// Where the scan of [`opener_cut`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Shell code: the command itself, `$( )` or backticks. `parens` counts open `(`,
    /// `cases` open `case` (whose patterns end in an unmatched `)`).
    Code {
        kind: CodeKind,
        parens: usize,
        cases: usize,
    },
    /// Inside double quotes.
    Quoted,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CodeKind {
    Top,
    Subst,
    Backtick,
    Arith,
}

impl Scope {
    fn code(kind: CodeKind) -> Self {
        Scope::Code {
            kind,
            parens: 0,
            cases: 0,
        }
    }
}

/// Offset of the `max + 1`-th construct of `text` whose unfinished repetition makes the
/// parser's error recovery quadratic, if it has that many: `${`, `$[`, a subscript `name[`,
/// an array `=(` / `+=(`, a here-document operator `<<` and a here-string `<<<` in code; `${` and `$[` inside
/// double quotes and unquoted here-document bodies. Literal text (single quotes,
/// here-document bodies with a quoted delimiter, comments) is skipped.
///
/// An unfinished `a=( ` repeated over 64 KiB takes seconds to parse (each opener makes the
/// parser scan the rest of the input again); closed constructs are cheap but counted too, so
/// the bound does not depend on telling them apart. The scan follows quoting into `$( )`,
/// backticks and arithmetic, so code nested in double quotes is counted as code. Where its
/// model of the shell is unsure (an unterminated quote or here-document) it keeps counting.
pub(crate) fn opener_cut(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut count = 0usize;
    let mut stack = vec![Scope::code(CodeKind::Top)];
    // Pending here-documents: delimiter, `<<-`, body is literal (quoted delimiter).
    let mut heredocs: Vec<(String, bool, bool)> = Vec::new();
    let mut i = 0;
    macro_rules! opener {
        ($pos:expr) => {{
            count += 1;
            if count > max {
                return Some($pos);
            }
        }};
    }
    while i < b.len() {
        let c = b[i];
        let scope = *stack.last().unwrap_or(&Scope::code(CodeKind::Top));
        // Expansions and escapes behave alike in code and in double quotes.
        match c {
            b'\\' => {
                i += 2;
                continue;
            }
            b'$' if at(i + 1) == b'{' || at(i + 1) == b'[' => {
                opener!(i);
                i += 2;
                continue;
            }
            b'$' if at(i + 1) == b'(' => {
                let arith = at(i + 2) == b'(';
                stack.push(Scope::code(if arith {
                    CodeKind::Arith
                } else {
                    CodeKind::Subst
                }));
                i += if arith { 3 } else { 2 };
                continue;
            }
            b'`' => {
                if matches!(
                    scope,
                    Scope::Code {
                        kind: CodeKind::Backtick,
                        ..
                    }
                ) {
                    stack.pop();
                } else {
                    stack.push(Scope::code(CodeKind::Backtick));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let Scope::Code {
            kind,
            parens,
            cases,
        } = scope
        else {
            if c == b'"' {
                stack.pop();
            }
            i += 1;
            continue;
        };
        let word_start = i == 0 || b[i - 1].is_ascii_whitespace() || b";&|()".contains(&b[i - 1]);
        match c {
            b'\'' => {
                // `$'...'` allows backslash escapes. Unterminated: not skipped.
                let escapes = i > 0 && b[i - 1] == b'$';
                let mut j = i + 1;
                while j < b.len() && b[j] != b'\'' {
                    j += if escapes && b[j] == b'\\' { 2 } else { 1 };
                }
                if j < b.len() {
                    i = j;
                }
            }
            b'"' => stack.push(Scope::Quoted),
            b'#' if word_start => {
                while i + 1 < b.len() && b[i + 1] != b'\n' && b[i + 1] != b'`' {
                    i += 1;
                }
            }
            b'(' if at(i + 1) == b'(' && kind != CodeKind::Arith && word_start => {
                stack.push(Scope::code(CodeKind::Arith));
                i += 1;
            }
            b'(' => set_top(&mut stack, parens + 1, cases),
            b')' if parens > 0 => set_top(&mut stack, parens - 1, cases),
            b')' if kind == CodeKind::Arith => {
                stack.pop();
                i += usize::from(at(i + 1) == b')');
            }
            b')' if kind == CodeKind::Subst && cases == 0 => {
                stack.pop();
            }
            b'=' if at(i + 1) == b'(' => opener!(i),
            b'[' if i > 0 && ident(b[i - 1]) => opener!(i),
            b'<' if at(i + 1) == b'<' && at(i + 2) == b'<' => {
                // A here-string: `<<` repeated reads as a run of them.
                opener!(i);
                i += 2;
            }
            b'<' if at(i + 1) == b'<' => {
                opener!(i);
                i += 2;
                if kind == CodeKind::Arith {
                    continue;
                }
                let strip = at(i) == b'-';
                i += usize::from(strip);
                while at(i) == b' ' || at(i) == b'\t' {
                    i += 1;
                }
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && !b";&|<>()`".contains(&b[i]) {
                    i += 1;
                }
                let raw = text.get(start..i).unwrap_or("");
                let word = raw.replace(['\'', '"', '\\'], "");
                if !word.is_empty() {
                    let literal = raw.contains(['\'', '"', '\\']);
                    heredocs.push((word, strip, literal));
                }
                continue;
            }
            b'\n' if !heredocs.is_empty() => {
                for (delimiter, strip, literal) in std::mem::take(&mut heredocs) {
                    let Some((body_end, next)) = heredoc_end(text, i + 1, &delimiter, strip) else {
                        // No delimiter: not skipped, the rest is scanned as code.
                        break;
                    };
                    if !literal {
                        let body = &b[i + 1..body_end];
                        for (k, pair) in body.windows(2).enumerate() {
                            if pair[0] == b'$'
                                && (pair[1] == b'{' || pair[1] == b'[')
                                && (k == 0 || body[k - 1] != b'\\')
                            {
                                opener!(i + 1 + k);
                            }
                        }
                    }
                    i = next;
                }
            }
            c if word_start && ident(c) => {
                let end = b[i..]
                    .iter()
                    .position(|c| !ident(*c))
                    .map_or(b.len(), |k| i + k);
                match &text[i..end] {
                    "case" => set_top(&mut stack, parens, cases + 1),
                    "esac" => set_top(&mut stack, parens, cases.saturating_sub(1)),
                    _ => {}
                }
                // The word's last character may open a subscript: look at it next.
                i = end.max(i + 1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Sets the counters of the innermost code scope.
fn set_top(stack: &mut [Scope], parens: usize, cases: usize) {
    if let Some(Scope::Code {
        parens: p,
        cases: c,
        ..
    }) = stack.last_mut()
    {
        *p = parens;
        *c = cases;
    }
}

/// End of a here-document body starting at `start`: the offset where its delimiter line
/// starts and the offset of the newline ending that line (or the end of the text).
fn heredoc_end(text: &str, start: usize, delimiter: &str, strip: bool) -> Option<(usize, usize)> {
    let mut line_start = start;
    while line_start <= text.len() {
        let end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |k| line_start + k);
        let line = &text[line_start..end];
        let line = if strip {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == delimiter {
            return Some((line_start, end));
        }
        if end >= text.len() {
            return None;
        }
        line_start = end + 1;
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
    fn abandoned_parse_stops_and_frees_its_slot() {
        // An unclosed `[[` then 64 KiB of words takes seconds to parse in full.
        let text = format!("[[ {}", "$x ".repeat(20_000));
        let deadline = Instant::now() + std::time::Duration::from_millis(20);
        assert!(matches!(parse_until(&text, deadline), Err(Failure::Time)));
        // The worker sees the abandonment at its next progress check and ends.
        let mut waited = 0;
        while ABANDONED_RUNNING.load(Ordering::Acquire) > 0 && waited < 10_000 {
            std::thread::sleep(std::time::Duration::from_millis(10));
            waited += 10;
        }
        assert_eq!(ABANDONED_RUNNING.load(Ordering::Acquire), 0);
        // A parse within its deadline gives the tree.
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        assert!(parse_until("git status", deadline).is_ok());
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

    #[test]
    fn openers_counted_in_code_and_expansions_only() {
        assert_eq!(opener_cut("a=(1) b+=(2) x[0]=1", 2), Some(14));
        assert_eq!(opener_cut("echo ${a} $[1] \"${b}\"", 2), Some(16));
        assert_eq!(opener_cut("cat <<A <<<x", 1), Some(8));
        // Literal text: single quotes, quoted here-document bodies, comments.
        assert_eq!(opener_cut("jq '.a[0] | ${x}' # a=( b[", 0), None);
        assert_eq!(opener_cut("cat <<'E'\n${a} a[0]\nE\n", 1), None);
        assert_eq!(opener_cut("cat <<E\na[0] ${a}\nE\n", 1), Some(13));
        // Inside double quotes only expansions count, but code in `$( )` is code.
        assert_eq!(opener_cut("python3 -c \"print(a[0])\"", 0), None);
        assert_eq!(opener_cut("echo \"$(x=(1))\"", 0), Some(9));
        assert_eq!(opener_cut("echo \"`a[1]`\"", 0), Some(8));
        // A case pattern's `)` does not end the substitution.
        assert_eq!(opener_cut("\"$(case x in a) y[1];; esac)\"", 0), Some(17));
        // `<<` in arithmetic is a shift, not a here-document hiding what follows.
        assert_eq!(opener_cut("$((1<<E))\na[0]\nE\n", 1), Some(11));
        // No delimiter line: the body is scanned as code.
        assert_eq!(opener_cut("cat <<'E'\na[0]", 1), Some(11));
    }
}
