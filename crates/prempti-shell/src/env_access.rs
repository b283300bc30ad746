//! Environment values a command shows: whole-environment listings (`env`, `printenv`, `set`,
//! `export -p`, `declare -x`, `compgen -v`) and the variables it prints (`echo "$API_KEY"`,
//! `printf '%s' "$TOKEN"`, `printenv DB_PASSWORD`).
//!
//! A listing sets the behavior `print_env`. What it is filtered for (`env | grep -i token`)
//! and the names of printed variables come out as lowercase words in
//! [`Analysis::env_words`](crate::Analysis::env_words): the whole name and its parts split on
//! `_` and other separators (`OPENAI_API_KEY` → `openai_api_key`, `openai`, `api`, `key`), so a
//! rule can match them against a list of secret-looking words that users extend. A variable
//! whose output goes into a pipe, a file or a substitution is not printed
//! (`echo "$TOKEN" | docker login --password-stdin` hands the value over without showing it).

use crate::analyzer::{Analyzer, Stdin};
use crate::model::push_unique;
use crate::word::Word;

/// Programs that print their arguments.
const PRINTERS: &[&str] = &["echo", "printf", "print"];

/// Programs that filter their input by a pattern given as an argument.
const FILTERS: &[&str] = &[
    "grep", "egrep", "fgrep", "rg", "ag", "ack", "awk", "gawk", "mawk", "sed", "findstr",
];

/// Most words recorded.
const MAX_WORDS: usize = 64;

impl Analyzer<'_> {
    /// Records what `name args` shows of the environment (see the module doc).
    pub(crate) fn env_access(&mut self, name: &str, args: &[Word], stdin: &Stdin) {
        if lists_environment(name, args) {
            push_unique(&mut self.out.behaviors, "print_env");
            self.env_listed = true;
            return;
        }
        let filtered = matches!(stdin, Stdin::Pipe | Stdin::Fed(_));
        if self.env_listed && filtered && FILTERS.contains(&name) {
            for arg in args.iter().filter(|a| !a.text.starts_with('-')) {
                self.env_words(&arg.text);
            }
            return;
        }
        let shown = !self.stdout_captured && self.redirect_writes.is_empty();
        if name == "printenv" {
            for arg in args.iter().filter(|a| !a.text.starts_with('-')) {
                self.env_words(&arg.text);
            }
        } else if shown && PRINTERS.contains(&name) {
            for arg in args {
                for var in referenced_variables(&arg.script) {
                    self.env_words(var);
                }
            }
        }
    }

    /// Records `text` lower-cased and each of its alphanumeric parts.
    fn env_words(&mut self, text: &str) {
        let lower = text.to_ascii_lowercase();
        let words = &mut self.out.env_words;
        let parts = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty());
        for word in std::iter::once(lower.as_str()).chain(parts) {
            if words.len() >= MAX_WORDS {
                self.out.limit_hit = true;
                return;
            }
            push_unique(words, word);
        }
    }
}

/// Whether `name args` prints every variable of the environment.
fn lists_environment(name: &str, args: &[Word]) -> bool {
    let operands = || args.iter().filter(|a| !a.text.starts_with('-'));
    match name {
        // `env` with no command (only options and assignments) prints the environment.
        "env" => {
            let mut skip_value = false;
            for arg in args {
                let text = arg.text.as_str();
                if skip_value {
                    skip_value = false;
                } else if matches!(text, "-u" | "--unset" | "-C" | "--chdir") {
                    skip_value = true;
                } else if text.starts_with("-S")
                    || text.starts_with("--split-string")
                    || (!text.starts_with('-') && !text.contains('='))
                {
                    // A command to run (also one given as a split string).
                    return false;
                }
            }
            true
        }
        "printenv" => operands().next().is_none(),
        "set" => args.is_empty(),
        "compgen" => args.iter().any(|a| a.text == "-v" || a.text == "-e"),
        "export" | "declare" | "typeset" => args.iter().any(|a| {
            a.text.starts_with('-')
                && !a.text.starts_with("--")
                && a.text.contains(['p', 'x'])
                && operands().next().is_none()
        }),
        _ => false,
    }
}

/// Names of the variables `$NAME` and `${NAME...}` in `text`.
fn referenced_variables(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'{'));
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if end > start && !bytes[start].is_ascii_digit() {
            out.push(&text[start..end]);
        }
        i = end.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_in_both_spellings() {
        assert_eq!(
            referenced_variables("key=$API_KEY and ${DB_PASSWORD:-x} $1 $"),
            vec!["API_KEY", "DB_PASSWORD"]
        );
    }

    #[test]
    fn listings_need_no_command_or_filter_operand() {
        let words = |s: &str| -> Vec<Word> {
            s.split_whitespace()
                .map(|w| Word::literal(w.to_owned()))
                .collect()
        };
        assert!(lists_environment("env", &words("")));
        assert!(lists_environment("env", &words("-0")));
        assert!(lists_environment("env", &words("-u X A=1")));
        assert!(!lists_environment("env", &words("A=1 make")));
        assert!(!lists_environment("env", &words("-S 'a b'")));
        assert!(lists_environment("printenv", &words("")));
        assert!(!lists_environment("printenv", &words("HOME")));
        assert!(lists_environment("export", &words("-p")));
        assert!(!lists_environment("export", &words("A=1")));
        assert!(lists_environment("declare", &words("-x")));
        assert!(lists_environment("set", &words("")));
        assert!(!lists_environment("set", &words("-e")));
        assert!(lists_environment("compgen", &words("-v")));
    }
}
