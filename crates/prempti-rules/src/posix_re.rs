//! Regular expressions with RE2 POSIX-mode syntax, on top of the `regex` crate.
//!
//! Falco compiles `regex` operands with RE2 in POSIX mode (`posix_syntax`, without
//! `perl_classes`, `word_boundary` or `one_line`) and matches them against the whole value.
//! The `regex` crate accepts a superset of that syntax, so we first scan the pattern and reject
//! what RE2 POSIX mode rejects: Perl classes (`\d \D \s \S \w \W`), word boundaries (`\b \B`),
//! Unicode classes (`\p \P`), Perl extensions (`(?` groups and flags, `\A \z \C \Q \E`) and
//! non-greedy repetition. POSIX bracket classes such as `[[:digit:]]` are accepted by both. The
//! accepted pattern is then compiled as `(?m)\A(?:pattern)\z`: RE2 without `one_line` lets `^`
//! and `$` match at line boundaries, and `FullMatch` anchors at both ends. Compilation size is
//! bounded because patterns come from rules files.

use regex::Regex;

/// Compiles a Falco regex operand, or returns RE2-style error text.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    check_posix(pattern)?;
    regex::RegexBuilder::new(&format!("(?m)\\A(?:{pattern})\\z"))
        .size_limit(1 << 20)
        .nest_limit(100)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(s) => s
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim_start_matches("error: ")
                .to_string(),
            regex::Error::CompiledTooBig(_) => "pattern too large - compile failed".to_string(),
            _ => "invalid pattern".to_string(),
        })
}

fn check_posix(p: &str) -> Result<(), String> {
    let b = p.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let Some(&n) = b.get(i + 1) else {
                return Err("trailing \\".into());
            };
            if matches!(
                n,
                b'd' | b'D'
                    | b's'
                    | b'S'
                    | b'w'
                    | b'W'
                    | b'b'
                    | b'B'
                    | b'p'
                    | b'P'
                    | b'A'
                    | b'z'
                    | b'C'
                    | b'Q'
                    | b'E'
            ) {
                return Err(format!("invalid escape sequence: \\{}", n as char));
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == b'[' && b.get(i + 1) == Some(&b':') {
                if let Some(end) = p[i + 2..].find(":]") {
                    i += end + 4;
                    continue;
                }
            }
            if c == b']' {
                in_class = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'[' => {
                in_class = true;
                i += 1;
                if matches!(b.get(i), Some(b'^')) {
                    i += 1;
                }
                if matches!(b.get(i), Some(b']')) {
                    i += 1;
                }
                continue;
            }
            b'(' if b.get(i + 1) == Some(&b'?') => {
                return Err("missing argument to repetition operator: ?".into())
            }
            b'*' | b'+' | b'?' | b'}' if b.get(i + 1) == Some(&b'?') => {
                return Err("bad repetition operator: ??".replace("??", &format!("{}?", c as char)));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_syntax_only() {
        for bad in [
            "\\d+", "\\w", "a\\b", "\\pL", "(?i)abc", "(?:a)", "a*?", "\\Aabc",
        ] {
            assert!(compile(bad).is_err(), "{bad} should be rejected");
        }
        let re = compile("b").map_err(|e| e.to_string());
        assert!(re.is_ok_and(|r| !r.is_match("abc")), "full match only");
        let d = compile("[[:digit:]]+").unwrap_or_else(|e| panic!("{e}"));
        assert!(d.is_match("123") && !d.is_match("12a"));
        assert!(compile("[\\d]").is_err());
        assert!(compile("a(").is_err());
        assert!(compile("^a.*$").is_ok_and(|r| r.is_match("abc")));
    }
}
