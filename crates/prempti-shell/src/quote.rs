//! POSIX shell quoting of one word: the inverse of the analysis' quote removal, used
//! wherever an argument vector has to become shell text again (a container's command,
//! an agent's argv-style tool input).

/// `word` as the shell would read it back as one word: unchanged when it holds only
/// characters the shell leaves alone, else single-quoted (`'` written as `'\''`).
pub fn quote_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
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
}
