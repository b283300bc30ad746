//! POSIX shell quoting, one helper for the workspace: the inverse of the analysis' quote
//! removal, used wherever an argument vector has to become shell text again (a container's
//! command, an agent's argv-style tool input, a hook command written into an agent's settings).

/// Whether `word` reads as itself in a POSIX shell without quotes: non-empty, and made of
/// ASCII letters, digits and `-_./=:,+@%` only.
pub fn is_plain_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
}

/// `word` in single quotes, each `'` written as `'\''`: the shell reads it back unchanged,
/// whatever it holds.
pub fn single_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// `word` as the shell would read it back as one word: unchanged when it is a plain word
/// ([`is_plain_word`]), else single-quoted ([`single_quote`]).
pub fn quote_word(word: &str) -> String {
    if is_plain_word(word) {
        word.to_owned()
    } else {
        single_quote(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_the_analysis() {
        assert_eq!(quote_word("rm"), "rm");
        assert_eq!(quote_word("rm -rf /data"), "'rm -rf /data'");
        assert_eq!(quote_word("it's"), "'it'\\''s'");
        assert_eq!(quote_word(""), "''");
        let text = ["bash", "-c", "rm -rf '/data x'"].map(quote_word).join(" ");
        let analysis = crate::analyze(&text, None);
        assert_eq!(analysis.delete_paths, ["/data x"]);
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(
            quote_word("/usr/bin/a-b_c.d=e:f,g+h@i%j"),
            "/usr/bin/a-b_c.d=e:f,g+h@i%j"
        );
        assert_eq!(quote_word("$HOME"), "'$HOME'");
        assert_eq!(single_quote("x"), "'x'");
        assert!(!is_plain_word("a b"));
    }
}
