//! One POSIX shell quoting helper for the workspace: words joined back into a command line
//! (an argv array sent by an agent, a hook command registered in an agent's settings) are
//! quoted here, so a command reads back as the same words.

use std::borrow::Cow;

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
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `word` as it must be written in a POSIX command line: unchanged when it is a plain word
/// ([`is_plain_word`]), single-quoted ([`single_quote`]) otherwise.
pub fn quote_posix(word: &str) -> Cow<'_, str> {
    if is_plain_word(word) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(single_quote(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(quote_posix("ls"), "ls");
        assert_eq!(
            quote_posix("/usr/bin/a-b_c.d=e:f,g+h@i%j"),
            "/usr/bin/a-b_c.d=e:f,g+h@i%j"
        );
        assert_eq!(quote_posix(""), "''");
        assert_eq!(quote_posix("my dir"), "'my dir'");
        assert_eq!(quote_posix("$HOME"), "'$HOME'");
        assert_eq!(quote_posix("it's"), r"'it'\''s'");
        assert_eq!(single_quote("x"), "'x'");
    }
}
