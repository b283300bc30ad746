//! Words: quote removal over the tree-sitter word nodes (`g'i't` → `git`, `\git` → `git`,
//! `$'\x41'` → `A`), with substitutions walked as they are met and variables whose value is
//! known statically (assigned earlier in the command, `HOME`, `PWD`, `IFS`) expanded.
//!
//! Expansions the analyzer cannot evaluate (`$X` from the environment, `${X:-y}` of an
//! unknown `X`, `$(cmd)` output) stay as written in [`Word::text`] and mark the word
//! [`Word::dynamic`]. [`Word::script`] is the same text with command and process substitutions
//! left out: it is what a `bash -c` string is re-parsed from, so the programs of a
//! substitution (which the outer shell runs) are not counted twice.
//!
//! Characters the shell still acts on after quote removal (unquoted `~`, glob and brace
//! characters, `$` the grammar left in a plain word, and blanks an unquoted expansion
//! produced) are recorded in [`Word::active`]; `expand` applies tilde, brace, variable and
//! field-splitting expansion from them.

use tree_sitter::Node;

use crate::analyzer::{Analyzer, Ctx};

/// One shell word after quote removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Word {
    /// The word's value, unknown expansions kept as written.
    pub(crate) text: String,
    /// The value with command and process substitutions removed.
    pub(crate) script: String,
    /// The word holds a command or process substitution (its value comes partly from another
    /// command's output).
    pub(crate) has_subst: bool,
    /// Byte offsets in `text` of characters the shell still acts on (see the module doc).
    pub(crate) active: Vec<usize>,
    /// Some expansion in the word could not be resolved statically.
    pub(crate) dynamic: bool,
}

impl AsRef<str> for Word {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// Characters recorded in [`Word::active`] when unquoted in the source.
pub(crate) const ACTIVE_CHARS: &[char] = &['~', '*', '?', '[', '{', ',', '}', '$'];

impl Word {
    /// A literal word (no substitution, nothing active).
    pub(crate) fn literal(text: String) -> Self {
        Word {
            script: text.clone(),
            text,
            ..Word::default()
        }
    }

    /// Appends `next` (the rest of a word the grammar split).
    pub(crate) fn join(&mut self, next: Word) {
        let at = self.text.len();
        self.active.extend(next.active.iter().map(|k| k + at));
        self.text.push_str(&next.text);
        self.script.push_str(&next.script);
        self.has_subst |= next.has_subst;
        self.dynamic |= next.dynamic;
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.script.push_str(s);
    }

    pub(crate) fn push_char(&mut self, c: char) {
        self.text.push(c);
        self.script.push(c);
    }

    /// Pushes `c`, recording it as active.
    pub(crate) fn push_active(&mut self, c: char) {
        self.active.push(self.text.len());
        self.push_char(c);
    }

    /// Whether the byte at `at` is an active character.
    pub(crate) fn is_active(&self, at: usize) -> bool {
        self.active.binary_search(&at).is_ok()
    }

    /// Whether the word has an unquoted glob character (`*`, `?`, `[`).
    pub(crate) fn is_glob(&self) -> bool {
        self.active
            .iter()
            .any(|&k| matches!(self.text.as_bytes().get(k), Some(b'*' | b'?' | b'[')))
    }

    /// Pushes a variable's value: unquoted, its blanks split fields and its glob characters
    /// stay active.
    fn push_value(&mut self, value: &str, quoting: Quoting) {
        for c in value.chars() {
            let active = matches!(quoting, Quoting::Unquoted)
                && (c.is_whitespace() || matches!(c, '*' | '?' | '['));
            if active {
                self.push_active(c);
            } else {
                self.push_char(c);
            }
        }
    }
}

/// What a variable holds, as far as the analysis knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A value known statically.
    Known(String),
    /// Set from something the analysis cannot evaluate, or from the environment.
    Unknown,
}

/// How text between child nodes is unquoted.
#[derive(Clone, Copy)]
pub(crate) enum Quoting {
    Unquoted,
    Double,
}

impl Analyzer<'_> {
    /// Converts a word-like node, walking any substitution inside it.
    pub(crate) fn word(&mut self, node: Node<'_>, ctx: Ctx<'_>) -> Word {
        let before = self.substs;
        let mut word = Word::default();
        self.word_into(node, ctx, &mut word, Quoting::Unquoted);
        word.has_subst = self.substs > before;
        word
    }

    fn word_into(&mut self, node: Node<'_>, ctx: Ctx<'_>, word: &mut Word, quoting: Quoting) {
        let raw = ctx.text(node);
        let Some(ctx) = self.deeper(ctx) else {
            word.push(raw);
            return;
        };
        match node.kind() {
            "word" | "number" | "extglob_pattern" | "variable_name" | "regex" => {
                unescape(raw, quoting, word);
            }
            "raw_string" => {
                let inner = raw.strip_prefix('\'').unwrap_or(raw);
                word.push(inner.strip_suffix('\'').unwrap_or(inner));
            }
            "ansi_c_string" => {
                let inner = raw.strip_prefix("$'").unwrap_or(raw);
                ansi_c(inner.strip_suffix('\'').unwrap_or(inner), word);
            }
            "string" | "translated_string" | "heredoc_body" => {
                self.children_into(node, ctx, word, Quoting::Double);
            }
            "concatenation" | "command_name" => {
                self.children_into(node, ctx, word, quoting);
            }
            "command_substitution" | "process_substitution" => {
                let before = self.out.programs.len();
                self.stmt(node, ctx);
                match self.static_output(node, ctx, before) {
                    // `$(printf '\x72\x6d')`, `$(echo rm)`: the output is known.
                    Some(output) => {
                        word.text.push_str(&output);
                        word.script.push_str(&output);
                    }
                    None => {
                        word.text.push_str(raw);
                        word.dynamic = true;
                    }
                }
            }
            "simple_expansion" | "expansion" => self.expansion(node, raw, ctx, word, quoting),
            _ => {
                // Expansions, arithmetic, brace expressions, arrays: kept as written.
                self.keep_as_written(node, raw, ctx, word);
                word.dynamic |= raw.contains(['$', '`']);
            }
        }
    }

    /// `$NAME` or `${...}`: the value when the variable is known, else the text as written
    /// (and the word is dynamic). `${NAME}` forms with operators are resolved only for
    /// `${NAME:-x}` / `${NAME-x}` of a known, non-empty `NAME`.
    fn expansion(
        &mut self,
        node: Node<'_>,
        raw: &str,
        ctx: Ctx<'_>,
        word: &mut Word,
        quoting: Quoting,
    ) {
        let name = expansion_name(raw);
        match name.map(|n| self.lookup(n)) {
            Some(Value::Known(value)) if self.expansion_budget(value.len()) => {
                word.push_value(&value, quoting)
            }
            _ => {
                self.keep_as_written(node, raw, ctx, word);
                word.dynamic = true;
            }
        }
    }

    /// Keeps a node's text as written; any substitution inside is walked (its programs
    /// run) and then left out of the script text.
    fn keep_as_written(&mut self, node: Node<'_>, raw: &str, ctx: Ctx<'_>, word: &mut Word) {
        let before = self.substs;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.stmt(child, ctx);
        }
        word.text.push_str(raw);
        if self.substs == before {
            word.script.push_str(raw);
        }
    }

    /// Children of a compound word, with the text between them unquoted per `quoting`.
    fn children_into(&mut self, node: Node<'_>, ctx: Ctx<'_>, word: &mut Word, quoting: Quoting) {
        let mut pos = node.start_byte();
        let end = node.end_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.start_byte() > pos {
                unescape(
                    ctx.src.get(pos..child.start_byte()).unwrap_or(""),
                    quoting,
                    word,
                );
            }
            pos = pos.max(child.end_byte());
            match child.kind() {
                "\"" | "$\"" => {}
                "string_content" => unescape(ctx.text(child), quoting, word),
                _ if child.is_named() => self.word_into(child, ctx, word, quoting),
                _ => unescape(ctx.text(child), quoting, word),
            }
        }
        if end > pos {
            unescape(ctx.src.get(pos..end).unwrap_or(""), quoting, word);
        }
    }
}

/// Backslash removal: outside quotes `\x` is `x`; inside double quotes only before `$`, `` ` ``,
/// `"`, `\` and newline. A backslash-newline is removed entirely.
fn unescape(raw: &str, quoting: Quoting, word: &mut Word) {
    let plain =
        !raw.contains('\\') && (matches!(quoting, Quoting::Double) || !raw.contains(ACTIVE_CHARS));
    if plain {
        word.push(raw);
        return;
    }
    let unquoted = matches!(quoting, Quoting::Unquoted);
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if unquoted && ACTIVE_CHARS.contains(&c) {
                word.push_active(c);
            } else {
                word.push_char(c);
            }
            continue;
        }
        match (chars.next(), quoting) {
            (None, _) => word.push_char('\\'),
            (Some('\n'), _) => {}
            (Some(next), Quoting::Unquoted) => word.push_char(next),
            (Some(next @ ('$' | '`' | '"' | '\\')), Quoting::Double) => word.push_char(next),
            (Some(next), Quoting::Double) => {
                word.push_char('\\');
                word.push_char(next);
            }
        }
    }
}

/// The variable name of `$NAME`, `${NAME}`, `${NAME:-x}` / `${NAME-x}` (the default is
/// dropped: used only when the variable is known and not empty), or `None` for other forms.
pub(crate) fn expansion_name(raw: &str) -> Option<&str> {
    let body = raw.strip_prefix('$')?;
    let name = match body.strip_prefix('{') {
        Some(inner) => {
            let inner = inner.strip_suffix('}')?;
            let end = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let rest = &inner[end..];
            if !(rest.is_empty() || rest.starts_with(":-") || rest.starts_with('-')) {
                return None;
            }
            &inner[..end]
        }
        None => body,
    };
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    valid.then_some(name)
}

/// Decodes the body of an ANSI-C quoted string (`$'...'`).
fn ansi_c(raw: &str, word: &mut Word) {
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            word.push_char(c);
            continue;
        }
        let Some(e) = chars.next() else {
            word.push_char('\\');
            break;
        };
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '?' => Some(e),
            _ => None,
        };
        if let Some(c) = simple {
            word.push_char(c);
            continue;
        }
        let (radix, max) = match e {
            '0'..='7' => (8, 2),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            'c' => {
                if let Some(ctl) = chars.next() {
                    word.push_char(char::from((ctl as u32 & 0x1f) as u8));
                }
                continue;
            }
            other => {
                word.push_char('\\');
                word.push_char(other);
                continue;
            }
        };
        let mut value = if radix == 8 {
            e.to_digit(8).unwrap_or(0)
        } else {
            0
        };
        let mut digits = 0;
        while digits < max {
            match chars.peek().and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    value = value.saturating_mul(radix).saturating_add(d);
                    chars.next();
                    digits += 1;
                }
                None => break,
            }
        }
        if radix != 8 && digits == 0 {
            word.push_char('\\');
            word.push_char(e);
        } else if let Some(c) = char::from_u32(value) {
            word.push_char(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unq(raw: &str, quoting: Quoting) -> String {
        let mut w = Word::default();
        unescape(raw, quoting, &mut w);
        w.text
    }

    fn c(raw: &str) -> String {
        let mut w = Word::default();
        ansi_c(raw, &mut w);
        w.text
    }

    #[test]
    fn backslashes() {
        assert_eq!(unq(r"\git", Quoting::Unquoted), "git");
        assert_eq!(unq("a\\\nb", Quoting::Unquoted), "ab");
        assert_eq!(unq(r#"\$x \n \""#, Quoting::Double), r#"$x \n ""#);
        assert_eq!(unq("end\\", Quoting::Unquoted), "end\\");
    }

    #[test]
    fn ansi_c_escapes() {
        assert_eq!(c(r"\x67it"), "git");
        assert_eq!(c(r"\147\151t"), "git");
        assert_eq!(c(r"a\tb\n"), "a\tb\n");
        assert_eq!(c(r"\u00e9\q\x"), "é\\q\\x");
        assert_eq!(c(r"\cA"), "\x01");
    }
}
