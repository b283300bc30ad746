//! Hook command lines: building `<hook path> <agent>` quoted for the agent's shell, and
//! recognizing Prempti's entries in commands that are already registered.
//!
//! A handler belongs to Prempti when one word of its command names the `prempti-hook` binary
//! (any directory, with or without `.exe`). That word is the binary the agent runs and the word
//! after it is the agent argument; both are checked by `hook status`.

use std::path::{Path, PathBuf};

/// The file name (without extension) that marks Prempti's hook entries.
pub(crate) const HOOK_BINARY_NAME: &str = "prempti-hook";

/// The shell an agent runs a hook command with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShellKind {
    /// `sh -c`, `bash -c`, `$SHELL -lc`, Git Bash: single quotes, backslash escapes.
    Posix,
    /// `cmd /C`: double quotes, no escapes.
    Cmd,
    /// PowerShell: a quoted path must be invoked with `&`.
    PowerShell,
}

impl ShellKind {
    /// The host platform's usual choice when an agent uses "the system shell".
    pub(crate) fn native() -> ShellKind {
        if cfg!(windows) {
            ShellKind::Cmd
        } else {
            ShellKind::Posix
        }
    }

    /// Posix on Unix, PowerShell on Windows.
    pub(crate) fn posix_or_powershell() -> ShellKind {
        if cfg!(windows) {
            ShellKind::PowerShell
        } else {
            ShellKind::Posix
        }
    }
}

/// Builds the command line `<binary> <agent_arg>`, quoting the binary for `shell` when needed.
pub(crate) fn build(binary: &Path, agent_arg: &str, shell: ShellKind) -> String {
    let path = binary.to_string_lossy();
    if !needs_quoting(&path) {
        return format!("{path} {agent_arg}");
    }
    match shell {
        ShellKind::Posix => format!("{} {agent_arg}", prempti_shell::single_quote(&path)),
        ShellKind::Cmd => format!("\"{path}\" {agent_arg}"),
        ShellKind::PowerShell => format!("& '{}' {agent_arg}", path.replace('\'', "''")),
    }
}

fn needs_quoting(s: &str) -> bool {
    if cfg!(windows) {
        // Backslashes are path separators there, so a path made of plain words and `\` is
        // plain too.
        return !prempti_shell::is_plain_word(&s.replace('\\', "/"));
    }
    !prempti_shell::is_plain_word(s)
}

/// A Prempti entry found in a registered command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PremptiCommand {
    /// The binary the command runs.
    pub(crate) binary: PathBuf,
    /// The word after the binary (the agent argument), if any.
    pub(crate) agent_arg: Option<String>,
}

/// Recognizes a Prempti hook command; `None` for any other command.
pub(crate) fn recognize(command: &str, shell: ShellKind) -> Option<PremptiCommand> {
    let words = split_words(command, shell);
    let at = words.iter().position(|w| is_hook_binary(w))?;
    Some(PremptiCommand {
        binary: PathBuf::from(&words[at]),
        agent_arg: words.get(at + 1).cloned(),
    })
}

fn is_hook_binary(word: &str) -> bool {
    let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let stem = name
        .strip_suffix(".exe")
        .or_else(|| name.strip_suffix(".EXE"))
        .unwrap_or(name);
    stem == HOOK_BINARY_NAME
}

/// Splits a command line into words the way `shell` would, closely enough to find a binary and
/// its first argument. Never fails: unterminated quotes end at the end of the input.
pub(crate) fn split_words(command: &str, shell: ShellKind) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' if shell != ShellKind::Cmd => {
                in_word = true;
                while let Some(q) = chars.next() {
                    if q == '\'' {
                        // PowerShell doubles a single quote inside single quotes.
                        if shell == ShellKind::PowerShell && chars.peek() == Some(&'\'') {
                            chars.next();
                            current.push('\'');
                            continue;
                        }
                        break;
                    }
                    current.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' if shell == ShellKind::Posix => match chars.peek() {
                            Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                chars.next();
                                current.push(n);
                            }
                            _ => current.push('\\'),
                        },
                        _ => current.push(q),
                    }
                }
            }
            '\\' if shell == ShellKind::Posix => {
                in_word = true;
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            ';' | '|' | '&' if shell == ShellKind::Posix => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
                words.push(c.to_string());
            }
            _ => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_not_quoted() {
        let cmd = build(
            Path::new("/home/u/.prempti/bin/prempti-hook"),
            "claude",
            ShellKind::Posix,
        );
        assert_eq!(cmd, "/home/u/.prempti/bin/prempti-hook claude");
    }

    #[test]
    fn paths_with_spaces_are_quoted_per_shell() {
        let p = Path::new("/Users/J Doe/it's/bin/prempti-hook");
        assert_eq!(
            build(p, "codex", ShellKind::Posix),
            r"'/Users/J Doe/it'\''s/bin/prempti-hook' codex"
        );
        assert_eq!(
            build(p, "codex", ShellKind::PowerShell),
            "& '/Users/J Doe/it''s/bin/prempti-hook' codex"
        );
        assert_eq!(
            build(p, "codex", ShellKind::Cmd),
            "\"/Users/J Doe/it's/bin/prempti-hook\" codex"
        );
    }

    #[test]
    fn built_commands_are_recognized_back() {
        let p = Path::new("/Users/J Doe/it's/bin/prempti-hook");
        for shell in [ShellKind::Posix, ShellKind::PowerShell, ShellKind::Cmd] {
            let found = recognize(&build(p, "gemini", shell), shell).expect("recognized");
            assert_eq!(found.binary, p, "{shell:?}");
            assert_eq!(found.agent_arg.as_deref(), Some("gemini"));
        }
    }

    #[test]
    fn other_commands_are_not_prempti() {
        assert_eq!(
            recognize("/usr/local/bin/other-hook claude", ShellKind::Posix),
            None
        );
        assert_eq!(recognize("prempti-hooks claude", ShellKind::Posix), None);
        assert_eq!(recognize("", ShellKind::Posix), None);
        let found = recognize("FOO=1 prempti-hook.exe", ShellKind::Posix).expect("recognized");
        assert_eq!(found.agent_arg, None);
    }

    #[test]
    fn unterminated_quotes_do_not_panic() {
        assert_eq!(split_words("'abc", ShellKind::Posix), vec!["abc"]);
        assert_eq!(split_words("\"a\\", ShellKind::Posix), vec!["a\\"]);
        assert_eq!(split_words("a\\", ShellKind::Posix), vec!["a"]);
    }
}
