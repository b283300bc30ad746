//! Best effort for input the parser rejects: a quote-aware split into words and commands.
//!
//! Commands are separated by unquoted `;`, `&`, `&&`, `|`, `||`, newlines, parentheses,
//! backticks and `$(`; a command after a single `|` has piped input. Quotes and backslashes
//! are removed as the shell would; an unterminated quote runs to the end of the input.
//! Leading reserved words (`if`, `then`, `do`, `{`, ...) are skipped and leading `NAME=value`
//! words are assignments. `<` / `>` operators (with an optional descriptor) take the next
//! word as their target. Each command then goes through the same mapping as a parsed one
//! (wrappers, `-c` strings, interpreters), so rules still see programs and arguments;
//! `parse_error` tells them the structure is approximate.

use crate::analyzer::{Analyzer, Ctx, Stdin};
use crate::word::Word;
use crate::wrappers::is_assignment;

/// Words skipped at the start of a command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case",
    "esac", "select", "function", "{", "}", "!", "[[", "]]",
];

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(Word),
    /// End of a command; `true` when the next one reads from a pipe.
    Separator(bool),
    /// A redirection operator, descriptor included (`2>`, `>>`, `<`).
    Redirect(String),
}

/// Analyzes `ctx.src` without a syntax tree.
pub(crate) fn analyze(analyzer: &mut Analyzer<'_>, ctx: Ctx<'_>) {
    let mut words = Vec::new();
    let mut stdin = if ctx.piped {
        Stdin::Pipe
    } else {
        Stdin::Inherited
    };
    let mut tokens = lex(ctx.src, true).into_iter();
    while let Some(token) = tokens.next() {
        if analyzer.stopped {
            return;
        }
        match token {
            Token::Word(w) => words.push(w),
            Token::Redirect(op) => {
                let Some(Token::Word(target)) = tokens.next() else {
                    continue;
                };
                let target = target.text;
                let dup = op.ends_with('&')
                    && (target == "-" || target.bytes().all(|b| b.is_ascii_digit()));
                if dup {
                    continue;
                }
                if op.contains('>') {
                    analyzer.write_path(&target);
                }
                if op.contains('<') {
                    analyzer.read_path(&target);
                    if op == "<" || op == "0<" {
                        stdin = Stdin::File(target.clone());
                    }
                }
            }
            Token::Separator(pipe) => {
                command(analyzer, std::mem::take(&mut words), stdin, ctx);
                stdin = if pipe { Stdin::Pipe } else { Stdin::Inherited };
            }
        }
    }
    command(analyzer, words, stdin, ctx);
}

fn command(analyzer: &mut Analyzer<'_>, words: Vec<Word>, stdin: Stdin, ctx: Ctx<'_>) {
    let mut iter = words
        .into_iter()
        .skip_while(|w| RESERVED.contains(&w.text.as_str()))
        .peekable();
    let mut assignments = Vec::new();
    while let Some(w) = iter.next_if(|w| is_assignment(&w.text)) {
        assignments.push(w.text);
    }
    let words = iter.collect();
    analyzer.simple(assignments, words, stdin, ctx);
}

/// Splits `text` into words with quote removal, ignoring operators (`env -S` strings).
pub(crate) fn split_words(text: &str) -> Vec<Word> {
    lex(text, false)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w),
            _ => None,
        })
        .collect()
}

/// Tokenizes shell text; with `operators` false only whitespace separates words.
fn lex(text: &str, operators: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = Word::default();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    let flush = |tokens: &mut Vec<Token>, word: &mut Word, in_word: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push_char(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('\n') => {}
                            Some(e @ ('$' | '`' | '"' | '\\')) => word.push_char(e),
                            Some(e) => {
                                word.push_char('\\');
                                word.push_char(e);
                            }
                            None => word.push_char('\\'),
                        },
                        _ => word.push_char(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(e) => word.push_char(e),
                    None => word.push_char('\\'),
                }
            }
            c if c.is_whitespace() && !(operators && c == '\n') => {
                flush(&mut tokens, &mut word, &mut in_word);
            }
            '#' if operators && !in_word => {
                for q in chars.by_ref() {
                    if q == '\n' {
                        break;
                    }
                }
                tokens.push(Token::Separator(false));
            }
            '\n' | ';' | '(' | ')' | '`' if operators => {
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator(false));
            }
            '$' if operators && chars.peek() == Some(&'(') => {
                chars.next();
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator(false));
            }
            '|' if operators => {
                flush(&mut tokens, &mut word, &mut in_word);
                let pipe = match chars.peek() {
                    Some('|') => {
                        chars.next();
                        false
                    }
                    Some('&') => {
                        chars.next();
                        true
                    }
                    _ => true,
                };
                tokens.push(Token::Separator(pipe));
            }
            '&' if operators && chars.peek() == Some(&'>') => {
                flush(&mut tokens, &mut word, &mut in_word);
                let mut op = String::from("&");
                redirect_op(&mut chars, &mut op);
                tokens.push(Token::Redirect(op));
            }
            '&' if operators => {
                flush(&mut tokens, &mut word, &mut in_word);
                chars.next_if_eq(&'&');
                tokens.push(Token::Separator(false));
            }
            '<' | '>' if operators => {
                let mut op = String::new();
                if in_word && word.text.bytes().all(|b| b.is_ascii_digit()) {
                    op = std::mem::take(&mut word).text;
                    in_word = false;
                }
                flush(&mut tokens, &mut word, &mut in_word);
                op.push(c);
                redirect_op(&mut chars, &mut op);
                tokens.push(Token::Redirect(op));
            }
            _ => {
                in_word = true;
                if crate::word::ACTIVE_CHARS.contains(&c) {
                    word.push_active(c);
                } else {
                    word.push_char(c);
                }
            }
        }
    }
    flush(&mut tokens, &mut word, &mut in_word);
    tokens
}

/// Reads the rest of a redirection operator (`>>`, `>&`, `>|`, `<>`, `<<`, `<<<`).
fn redirect_op(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, op: &mut String) {
    while let Some(&c) = chars.peek() {
        if op.len() < 4 && matches!(c, '>' | '<' | '&' | '|' | '-') {
            op.push(c);
            chars.next();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(tokens: &[Token]) -> Vec<&str> {
        tokens
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.text.as_str(),
                Token::Separator(true) => "|",
                Token::Separator(false) => ";",
                Token::Redirect(op) => op.as_str(),
            })
            .collect()
    }

    #[test]
    fn lexes_quotes_and_operators() {
        let t = lex(r#"g'i't "a b"\ c 2>err | sh; x && y"#, true);
        assert_eq!(
            words(&t),
            ["git", "a b c", "2>", "err", "|", "sh", ";", "x", ";", "y"]
        );
        let t = lex("echo 'open; rm", true);
        assert_eq!(words(&t), ["echo", "open; rm"]);
    }

    #[test]
    fn split_string_words() {
        let w: Vec<String> = split_words("bash -c 'a | b'")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, ["bash", "-c", "a | b"]);
    }
}
