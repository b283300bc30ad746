//! List substitution: list names in a condition are replaced by their items, textually, as
//! Falco does (COMPAT.md §6).

/// Substitutes list names in `text` (textual, COMPAT.md §6). Returns the new text, the names used and an
/// offset map (new offset, old offset) at every replacement.
pub(crate) fn substitute_lists<'l>(
    text: &str,
    lists: &'l [(String, Vec<String>)],
) -> (String, Vec<&'l str>, Vec<(usize, usize)>) {
    let mut cur = text.to_string();
    let mut used = Vec::new();
    // Offsets map only through the first pass of replacements: good enough for pointing.
    let mut map: Vec<(usize, usize)> = Vec::new();
    for (name, items) in lists {
        if name.is_empty() || !cur.contains(name.as_str()) {
            continue;
        }
        let repl = items
            .iter()
            .map(|i| {
                if i.contains(' ') && !i.starts_with('\'') && !i.starts_with('"') {
                    format!("\"{i}\"")
                } else {
                    i.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let (next, n) = replace_delimited(&cur, name, &repl, items.is_empty());
        if n > 0 {
            used.push(name.as_str());
            if map.is_empty() && next.len() != cur.len() {
                // Record where the text starts to differ.
                let diff = cur
                    .bytes()
                    .zip(next.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                map.push((diff, diff));
            }
            cur = next;
        }
    }
    (cur, used, map)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'(' | b')' | b',' | b'='
    )
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn replace_delimited(text: &str, name: &str, repl: &str, empty: bool) -> (String, usize) {
    let t = text.as_bytes();
    let mut out = String::with_capacity(text.len() + repl.len());
    let mut last = 0;
    let mut count = 0;
    let mut i = 0;
    while let Some(found) = text[i..].find(name) {
        let s = i + found;
        let e = s + name.len();
        let left_ok = s == 0 || is_delim(t[s - 1]);
        let right_ok = e == t.len() || is_delim(t[e]);
        if !(left_ok && right_ok) {
            i = s + 1;
            while i < t.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            continue;
        }
        // Swallow adjacent whitespace.
        let mut ls = s;
        while ls > last && is_ws(t[ls - 1]) {
            ls -= 1;
        }
        let mut re = e;
        while re < t.len() && is_ws(t[re]) {
            re += 1;
        }
        let mut prefix_end = ls;
        let mut resume = re;
        if empty {
            // Remove one adjacent comma, left preferred.
            let mut l = ls;
            if l > last && t[l - 1] == b',' {
                l -= 1;
                while l > last && is_ws(t[l - 1]) {
                    l -= 1;
                }
                prefix_end = l;
            } else if resume < t.len() && t[resume] == b',' {
                resume += 1;
                while resume < t.len() && is_ws(t[resume]) {
                    resume += 1;
                }
            }
        }
        out.push_str(&text[last..prefix_end]);
        out.push(' ');
        out.push_str(repl);
        out.push(' ');
        last = resume;
        i = resume.max(e);
        count += 1;
    }
    out.push_str(&text[last..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(v: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        v.iter()
            .map(|(n, i)| (n.to_string(), i.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn list_substitution_table() {
        let l = lists(&[
            ("shells", &["bash", "zsh"]),
            ("empty", &[]),
            ("spaced", &["a b", "c"]),
        ]);
        let cases = [
            ("x.y in (shells)", "x.y in (bash, zsh)"),
            ("x.y in (shells, sh)", "x.y in (bash, zsh, sh)"),
            ("x.y in (sh, empty)", "x.y in (sh)"),
            ("x.y in (empty, sh)", "x.y in (sh)"),
            ("x.y in (empty)", "x.y in ()"),
            ("x.y in (spaced)", "x.y in (\"a b\", c)"),
            ("x.y in (myshells)", "x.y in (myshells)"),
            ("x.y = \"run (shells)\"", "x.y = \"run ( bash, zsh )\""),
        ];
        for (input, want) in cases {
            let text = substitute_lists(input, &l).0;
            let got = crate::parse::parse_condition(&text)
                .map(|e| e.canonical())
                .unwrap_or_else(|e| e.message);
            assert_eq!(got, want, "{input} -> {text}");
        }
        assert!(
            crate::parse::parse_condition(&substitute_lists("x.y in shells", &l).0).is_err(),
            "a list name without parentheses is not substituted"
        );
    }
}
