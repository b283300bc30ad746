//! The shell's expansions after quote removal, on the characters [`Word::active`] records:
//! variables the grammar left in a plain word (`cat${IFS}$HOME/.netrc`), tilde (`~`, `~/x`),
//! brace expansion (`{cat,/etc/sudoers}`, `/etc/{passwd,gshadow}`) and field splitting on
//! blanks an unquoted expansion produced (`$IFS`, `p='rm -rf'; $p x`).
//!
//! Glob characters are left in place: the word then names a pattern ([`Word::is_glob`]).
//! Expansion is bounded: at most [`MAX_FIELDS`] words come out of one word.

use crate::word::{expansion_name, Value, Word};

/// Most words one word expands to (brace expansion multiplies).
pub(crate) const MAX_FIELDS: usize = 64;

/// Expands one word into the words the shell would pass. `lookup` answers variables; `home`
/// is what `~` means (kept as `~` when unknown).
pub(crate) fn expand(word: Word, lookup: &dyn Fn(&str) -> Value, home: Option<&str>) -> Vec<Word> {
    if word.active.is_empty() {
        return vec![word];
    }
    let word = variables(word, lookup);
    let word = tilde(word, home);
    let mut out = Vec::new();
    for w in braces(word) {
        split(w, &mut out);
        if out.len() >= MAX_FIELDS {
            out.truncate(MAX_FIELDS);
            break;
        }
    }
    out
}

/// Tilde expansion of an assignment value (`T=~`, `P=~/bin:$P`): at the start and after
/// each unquoted `:`.
pub(crate) fn assignment_tilde(value: &str, home: Option<&str>) -> String {
    let Some(home) = home else {
        return value.to_owned();
    };
    value
        .split(':')
        .map(|part| match part.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// Rebuilds `word` from pieces: `(text, active offsets within it)`.
#[derive(Default)]
struct Builder {
    word: Word,
}

impl Builder {
    fn push(&mut self, from: &Word, range: std::ops::Range<usize>) {
        let base = self.word.text.len();
        // `active` is sorted: only the offsets inside `range` are visited, so rebuilding a
        // word piece by piece stays linear in its length.
        let first = from.active.partition_point(|&k| k < range.start);
        for &k in from.active[first..].iter().take_while(|&&k| k < range.end) {
            self.word.active.push(k - range.start + base);
        }
        self.word.text.push_str(&from.text[range]);
    }

    fn finish(mut self, like: &Word) -> Word {
        self.word.script = self.word.text.clone();
        self.word.has_subst = like.has_subst;
        self.word.dynamic |= like.dynamic;
        if like.has_subst {
            // The script text of a word with a substitution keeps it out (see `Word`).
            self.word.script = like.script.clone();
        }
        self.word
    }
}

/// `$NAME` / `${NAME}` left active in a plain word.
fn variables(word: Word, lookup: &dyn Fn(&str) -> Value) -> Word {
    let has_dollar = word
        .active
        .iter()
        .any(|&k| word.text.as_bytes().get(k) == Some(&b'$'));
    if !has_dollar {
        return word;
    }
    let mut b = Builder::default();
    let mut pos = 0;
    let text = word.text.clone();
    let bytes = text.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] != b'$' || !word.is_active(k) {
            k += 1;
            continue;
        }
        let end = expansion_end(&text, k);
        let Some(name) = expansion_name(&text[k..end]) else {
            k += 1;
            continue;
        };
        b.push(&word, pos..k);
        match lookup(name) {
            Value::Known(value) => {
                for c in value.chars() {
                    if c.is_whitespace() || matches!(c, '*' | '?' | '[') {
                        b.word.active.push(b.word.text.len());
                    }
                    b.word.text.push(c);
                }
            }
            Value::Unknown => {
                b.word.text.push_str(&text[k..end]);
                b.word.dynamic = true;
            }
        }
        pos = end;
        k = end;
    }
    b.push(&word, pos..text.len());
    b.finish(&word)
}

/// End of the expansion starting at `start` (`$NAME` or `${...}`).
fn expansion_end(text: &str, start: usize) -> usize {
    let rest = &text[start + 1..];
    if rest.starts_with('{') {
        return match rest.find('}') {
            Some(close) => start + 1 + close + 1,
            None => text.len(),
        };
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    start + 1 + len
}

/// `~` or `~/...` at the start of the word, or right after the `=` of an argument that
/// looks like an assignment (`dd of=~/x`: bash expands it there too).
fn tilde(word: Word, home: Option<&str>) -> Word {
    let Some(home) = home else { return word };
    let at = match word.text.split_once('=') {
        Some((name, _)) if crate::wrappers::is_assignment(&word.text) => name.len() + 1,
        _ => 0,
    };
    let starts = word.text[at..].starts_with('~') && word.is_active(at);
    let rest_ok = matches!(word.text.as_bytes().get(at + 1), None | Some(b'/'));
    if !starts || !rest_ok {
        return word;
    }
    let mut b = Builder::default();
    b.push(&word, 0..at);
    b.word.text.push_str(home);
    b.push(&word, at + 1..word.text.len());
    b.finish(&word)
}

/// Brace expansion of the first active `{a,b}` group, then of the results, bounded.
fn braces(word: Word) -> Vec<Word> {
    let mut done = Vec::new();
    let mut todo = vec![word];
    while let Some(w) = todo.pop() {
        if done.len() + todo.len() >= MAX_FIELDS {
            done.push(w);
            continue;
        }
        match brace_group(&w) {
            Some((open, commas, close)) => {
                let mut alternatives = Vec::new();
                let mut from = open + 1;
                for &c in commas.iter().chain(std::iter::once(&close)) {
                    let mut b = Builder::default();
                    b.push(&w, 0..open);
                    b.push(&w, from..c);
                    b.push(&w, close + 1..w.text.len());
                    alternatives.push(b.finish(&w));
                    from = c + 1;
                }
                // Keep source order: the stack pops the last pushed first.
                todo.extend(alternatives.into_iter().rev());
            }
            None => done.push(w),
        }
    }
    done
}

/// The first active `{`, its top-level active commas and matching active `}`.
fn brace_group(word: &Word) -> Option<(usize, Vec<usize>, usize)> {
    let bytes = word.text.as_bytes();
    let active: Vec<usize> = word
        .active
        .iter()
        .copied()
        .filter(|&k| matches!(bytes.get(k), Some(b'{' | b',' | b'}')))
        .collect();
    for (i, &open) in active.iter().enumerate() {
        if bytes[open] != b'{' {
            continue;
        }
        let mut depth = 0usize;
        let mut commas = Vec::new();
        for &k in &active[i + 1..] {
            match bytes[k] {
                b'{' => depth += 1,
                b'}' if depth == 0 => {
                    if commas.is_empty() {
                        break;
                    }
                    return Some((open, commas, k));
                }
                b'}' => depth -= 1,
                b',' if depth == 0 => commas.push(k),
                _ => {}
            }
        }
    }
    None
}

/// Splits at active blanks (produced by unquoted expansions); empty fields vanish.
fn split(word: Word, out: &mut Vec<Word>) {
    let bytes = word.text.as_bytes();
    let blanks: Vec<usize> = word
        .active
        .iter()
        .copied()
        .filter(|&k| bytes.get(k).is_some_and(|b| b.is_ascii_whitespace()))
        .collect();
    if blanks.is_empty() {
        out.push(word);
        return;
    }
    let mut from = 0;
    for end in blanks.into_iter().chain(std::iter::once(word.text.len())) {
        if end > from {
            let mut b = Builder::default();
            b.push(&word, from..end);
            out.push(b.finish(&word));
        }
        from = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(parts: &[(&str, bool)]) -> Word {
        let mut word = Word::default();
        for (text, unquoted) in parts {
            for c in text.chars() {
                if *unquoted && crate::word::ACTIVE_CHARS.contains(&c) {
                    word.push_active(c);
                } else {
                    word.push_char(c);
                }
            }
        }
        word
    }

    fn texts(words: Vec<Word>) -> Vec<String> {
        words.into_iter().map(|w| w.text).collect()
    }

    fn none(_: &str) -> Value {
        Value::Unknown
    }

    #[test]
    fn braces_expand_in_order_and_nest() {
        let out = expand(w(&[("{cat,/etc/sudoers}", true)]), &none, None);
        assert_eq!(texts(out), ["cat", "/etc/sudoers"]);
        let out = expand(w(&[("/etc/{passwd,g{,s}hadow}", true)]), &none, None);
        assert_eq!(texts(out), ["/etc/passwd", "/etc/ghadow", "/etc/gshadow"]);
        let out = expand(w(&[("{a,b}", false)]), &none, None);
        assert_eq!(texts(out), ["{a,b}"]);
        let out = expand(w(&[("{x}", true)]), &none, None);
        assert_eq!(texts(out), ["{x}"]);
    }

    #[test]
    fn tilde_only_unquoted_at_start() {
        let home = Some("/home/u");
        assert_eq!(
            texts(expand(w(&[("~/x", true)]), &none, home)),
            ["/home/u/x"]
        );
        assert_eq!(texts(expand(w(&[("~", true)]), &none, home)), ["/home/u"]);
        assert_eq!(
            texts(expand(w(&[("~", false), ("/x", true)]), &none, home)),
            ["~/x"]
        );
        assert_eq!(
            texts(expand(w(&[("~root/x", true)]), &none, home)),
            ["~root/x"]
        );
    }

    #[test]
    fn variables_in_plain_words_and_splitting() {
        let lookup = |n: &str| match n {
            "IFS" => Value::Known(" \t\n".into()),
            "HOME" => Value::Known("/home/u".into()),
            _ => Value::Unknown,
        };
        let out = expand(w(&[("cat${IFS}$HOME/.netrc", true)]), &lookup, None);
        assert_eq!(texts(out), ["cat", "/home/u/.netrc"]);
        let out = expand(w(&[("$X/y", true)]), &lookup, None);
        assert!(out[0].dynamic);
        assert_eq!(out[0].text, "$X/y");
    }

    #[test]
    fn bounded() {
        let big = "{a,b}".repeat(20);
        let out = expand(w(&[(&big, true)]), &none, None);
        assert!(out.len() <= MAX_FIELDS);
    }

    #[test]
    fn assignment_values() {
        assert_eq!(assignment_tilde("~", Some("/h")), "/h");
        assert_eq!(
            assignment_tilde("~/bin:~/x:a~", Some("/h")),
            "/h/bin:/h/x:a~"
        );
    }
}
