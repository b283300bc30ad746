//! `glob`, `iglob` and `pmatch` matching.
//!
//! Falco's `glob` is `fnmatch(3)` with no flags: `*` matches any run of bytes, including `/`
//! and a leading `.`; `?` one byte; `[...]` a class with `!` or `^` negation, ranges and
//! `[:name:]` classes; `\` escapes the next byte; the whole string must match. We write the
//! matcher by hand because the glob crates implement path globbing (separators, `**`,
//! translation to a regex with their own escaping rules) rather than these exact semantics.
//! The algorithm is the classic one with a single backtrack point at the last `*`, which is
//! linear-bounded per star and needs no recursion, so hostile patterns cannot blow the stack.

/// Whether `s` matches the fnmatch pattern `pat` (no flags). `icase` folds ASCII case.
pub(crate) fn fnmatch(pat: &[u8], s: &[u8], icase: bool) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    while p < pat.len() && pat[p] == b'*' {
                        p += 1;
                    }
                    star = Some((p, i));
                    continue;
                }
                _ if i < s.len() => {
                    if let Some(np) = match_one(pat, p, s[i], icase) {
                        p = np;
                        i += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if i == s.len() {
            return true;
        }
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

fn fold(b: u8, icase: bool) -> u8 {
    if icase {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

/// Matches one pattern element at `p` against byte `c`; returns the next pattern index.
fn match_one(pat: &[u8], p: usize, c: u8, icase: bool) -> Option<usize> {
    match pat[p] {
        b'?' => Some(p + 1),
        b'[' => match parse_class(pat, p, c, icase) {
            Some((true, np)) => Some(np),
            Some((false, _)) => None,
            // Unterminated class: `[` is literal.
            None => (c == b'[').then_some(p + 1),
        },
        b'\\' if p + 1 < pat.len() => (fold(pat[p + 1], icase) == fold(c, icase)).then_some(p + 2),
        b => (fold(b, icase) == fold(c, icase)).then_some(p + 1),
    }
}

fn named_class(name: &[u8], c: u8) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// Parses the class starting at `pat[p] == '['`; returns (matched, index after `]`), or None
/// if the class is not terminated.
fn parse_class(pat: &[u8], p: usize, c: u8, icase: bool) -> Option<(bool, usize)> {
    let mut i = p + 1;
    let negate = matches!(pat.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    // Named classes test the character as written, even with `icase` (glibc's fnmatch with
    // FNM_CASEFOLD, as Falco 0.44.1 runs it: `iglob "[[:upper:]]*"` does not match `write`).
    let raw = c;
    let c = fold(c, icase);
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *pat.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if b == b'[' && pat.get(i + 1) == Some(&b':') {
            if let Some(len) = pat[i + 2..].windows(2).position(|w| w == b":]") {
                let name = &pat[i + 2..i + 2 + len];
                if let Some(m) = named_class(name, raw) {
                    matched |= m;
                    i += len + 4;
                    continue;
                }
            }
        }
        let (lo, next) = if b == b'\\' && i + 1 < pat.len() {
            (pat[i + 1], i + 2)
        } else {
            (b, i + 1)
        };
        if pat.get(next) == Some(&b'-') && pat.get(next + 1).is_some_and(|x| *x != b']') {
            let (hi, after) = match pat.get(next + 1) {
                Some(b'\\') if next + 2 < pat.len() => (pat[next + 2], next + 3),
                Some(h) => (*h, next + 2),
                None => return None,
            };
            let (lo, hi) = (fold(lo, icase), fold(hi, icase));
            if lo <= c && c <= hi {
                matched = true;
            }
            i = after;
        } else {
            if fold(lo, icase) == c {
                matched = true;
            }
            i = next;
        }
    }
}

/// A set of path prefixes for `pmatch` (libs `prefix_search.h` semantics).
#[derive(Debug, Clone, Default)]
pub(crate) struct PrefixSet {
    entries: Vec<Vec<Box<[u8]>>>,
}

fn components(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    s.split(|b| *b == b'/').filter(|c| !c.is_empty())
}

impl PrefixSet {
    pub(crate) fn new<'a>(items: impl IntoIterator<Item = &'a str>) -> PrefixSet {
        PrefixSet {
            entries: items
                .into_iter()
                .map(|s| components(s.as_bytes()).map(Box::from).collect())
                .collect(),
        }
    }

    pub(crate) fn matches(&self, v: &[u8]) -> bool {
        self.entries.iter().any(|e| {
            let mut vc = components(v);
            e.iter().all(|pc| match vc.next() {
                Some(c) => {
                    if pc.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
                        fnmatch(pc, c, false)
                    } else {
                        **pc == *c
                    }
                }
                None => false,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "/a/.b", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbb", false),
            ("?", "", false),
            ("?", "é", false),
            ("??", "é", true),
            ("[abc]", "b", true),
            ("[!abc]", "b", false),
            ("[^abc]", "d", true),
            ("[a-c]x", "bx", true),
            ("[[:digit:]]*", "7up", true),
            ("[[:digit:]]*", "up", false),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[", "[", true),
            ("[]]", "]", true),
            ("*.txt", "dir/file.txt", true),
            ("/etc/*", "/etc/a/b", true),
            ("a*b*c*d", "aXbXcXd", true),
            ("a*b*c*d", "aXbXcX", false),
        ];
        for (p, s, want) in cases {
            assert_eq!(
                fnmatch(p.as_bytes(), s.as_bytes(), false),
                *want,
                "{p} vs {s}"
            );
        }
        assert!(fnmatch(b"A*", b"abc", true));
        assert!(!fnmatch(b"A*", b"abc", false));
    }

    /// Measured with Falco 0.44.1 (`iglob`, FNM_CASEFOLD): a named class tests the
    /// character as written; letters and ranges fold.
    #[test]
    fn iglob_named_classes_do_not_fold() {
        assert!(!fnmatch(b"[[:upper:]]*", b"write", true));
        assert!(fnmatch(b"[[:upper:]]*", b"Write", true));
        assert!(fnmatch(b"[A-Z]*", b"write", true));
        assert!(fnmatch(b"W*", b"write", true));
    }

    #[test]
    fn pmatch_prefix_components() {
        let set = PrefixSet::new(["/opt/*/subdir"]);
        assert!(set.matches(b"/opt/dir/subdir/file.txt"));
        assert!(!PrefixSet::new(["/opt/di/subdir"]).matches(b"/opt/dir/subdir/file.txt"));
        assert!(!PrefixSet::new(["/opt/*/*/subsubdir"]).matches(b"/opt/dir/subdir/file.txt"));
        let run = PrefixSet::new(["/var/run"]);
        assert!(run.matches(b"/var/run"));
        assert!(run.matches(b"/var/run/x"));
        assert!(!run.matches(b"/var"));
        assert!(!run.matches(b"/var/runner"));
        assert!(PrefixSet::new(["/"]).matches(b"/anything"));
        assert!(PrefixSet::new(["var//run/"]).matches(b"/var/run/x"));
    }
}
