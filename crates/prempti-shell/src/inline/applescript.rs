//! AppleScript (`osascript -e`): tokenizer with multi-word commands and the effect table.

use super::engine::{no_aliases, Effect as E, ParenLess, Spec};
use super::{Cursor, Esc, Interp, StrKind, Tok};

/// AppleScript's tables.
pub(super) const SPEC: Spec = Spec {
    effects: EFFECTS,
    concat: &["&"],
    path_div: false,
    paren_less: ParenLess::All,
    dot_methods: false,
    module_fns: &[],
    env_objects: &[],
    env_dump,
    aliases: no_aliases,
};

/// Command (words joined by single spaces, lower case) → effect.
const EFFECTS: &[(&str, E)] = &[
    ("do shell script", E::Shell),
    ("read", E::Read(0)),
    ("read file", E::Read(0)),
    ("read posix file", E::Read(0)),
    ("delete", E::Delete(0)),
    ("delete file", E::Delete(0)),
    ("delete posix file", E::Delete(0)),
    ("delete folder", E::Rmrf(0)),
    ("run script", E::Exec),
    ("posix file", E::Identity),
];

/// Multi-word commands, longest first, merged into one identifier by the tokenizer.
const PHRASES: &[&[&str]] = &[
    &["delete", "posix", "file"],
    &["read", "posix", "file"],
    &["do", "shell", "script"],
    &["system", "attribute"],
    &["delete", "folder"],
    &["delete", "file"],
    &["read", "file"],
    &["run", "script"],
    &["posix", "file"],
];

/// `system attribute` without a name lists the environment.
fn env_dump(t: &[Tok], i: usize) -> bool {
    matches!(t.get(i), Some(Tok::Ident(n)) if n == "system attribute")
        && !matches!(t.get(i + 1), Some(Tok::Str(..) | Tok::Ident(_)))
}

/// Splits AppleScript code into tokens.
pub(super) fn tokenize(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    let mut comment_depth = 0usize;
    while c.i < c.s.len() {
        let b = c.s[c.i];
        if comment_depth > 0 {
            if c.starts("(*") {
                comment_depth += 1;
                c.i += 2;
            } else if c.starts("*)") {
                comment_depth -= 1;
                c.i += 2;
            } else {
                c.i += 1;
            }
            continue;
        }
        match b {
            b'\n' | b'\r' => c.newline(),
            b' ' | b'\t' | 0x0c => c.i += 1,
            0xC2 if c.at(1) == 0xAC => c.i += 2, // ¬ continues the line
            b'-' if c.at(1) == b'-' => c.skip_line(),
            b'#' => c.skip_line(),
            b'(' if c.at(1) == b'*' => {
                comment_depth = 1;
                c.i += 2;
            }
            b'"' => {
                c.i += 1;
                let (v, _) = c.quoted(b'"', b'"', Esc::Full, Interp::No);
                c.push_str(v, false, StrKind::Plain);
            }
            b'0'..=b'9' => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let w = c.ident(&[], false).to_ascii_lowercase();
                c.toks.push(Tok::Ident(w));
                merge_phrase(&mut c.toks);
            }
            _ => c.op(&[]),
        }
    }
    c.toks
}

/// Merges the last words into a known multi-word command.
fn merge_phrase(toks: &mut Vec<Tok>) {
    for phrase in PHRASES {
        let k = phrase.len();
        if toks.len() < k {
            continue;
        }
        let tail = &toks[toks.len() - k..];
        let hit = tail
            .iter()
            .zip(phrase.iter())
            .all(|(t, w)| matches!(t, Tok::Ident(x) if x == w));
        if hit {
            toks.truncate(toks.len() - k);
            toks.push(Tok::Ident(phrase.join(" ")));
            return;
        }
    }
}
