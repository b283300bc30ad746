//! Commands hidden in the arguments of programs that are not wrappers: option values that
//! are shell commands (`tar -I PROG`, `--to-command=CMD`, `--checkpoint-action=exec=CMD`,
//! `git -c alias.x='!CMD'`, `git -c core.sshCommand=CMD`), commands inside a small language
//! (`awk 'BEGIN{system("CMD")}'`, `print | "CMD"`, `"CMD" | getline`, sqlite3 `.shell CMD` /
//! `.system CMD`, vim `-c '!CMD'` / `+'!CMD'` / `system("CMD")`), and the remote command of
//! `ssh HOST CMD...`.
//!
//! Each is found by a small table-driven reader over the program's words; the analyzer then
//! analyzes the command text one level of `max_depth` deeper, drawing on the work budget like
//! `bash -c` (see `Analyzer::embedded`).

use crate::word::Word;

/// A command found in a program's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Embedded {
    /// Shell code run locally; `piped` when it reads the program's output (`print | "sh"`).
    Code { text: String, piped: bool },
    /// Shell code run on another machine (`ssh host CMD`).
    Remote(String),
    /// A command run inside a container or pod (`docker exec c CMD`, `kubectl exec p -- CMD`):
    /// like a remote one, and its files are the container's, not this machine's.
    Container(String),
}

/// The commands embedded in `args` of program `name` (empty for most programs).
pub(crate) fn find(name: &str, args: &[Word]) -> Vec<Embedded> {
    let mut out = Vec::new();
    match name {
        "tar" | "gtar" | "bsdtar" => tar(args, &mut out),
        "git" => git(args, &mut out),
        "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => awk(args, &mut out),
        "sqlite3" | "sqlite" => sqlite(args, &mut out),
        "vi" | "vim" | "nvim" | "view" | "ex" | "gvim" | "vimdiff" => vim(args, &mut out),
        "ssh" => ssh(args, &mut out),
        "docker" | "podman" | "nerdctl" => container_exec(args, &mut out),
        "kubectl" | "oc" => pod_exec(args, &mut out),
        _ => {}
    }
    out
}

fn code(out: &mut Vec<Embedded>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        out.push(Embedded::Code {
            text: text.to_owned(),
            piped: false,
        });
    }
}

/// tar options whose value is a command tar runs (through the shell).
const TAR_COMMANDS: &[&str] = &[
    "use-compress-program",
    "to-command",
    "info-script",
    "new-volume-script",
    "rsh-command",
    "rmt-command",
];

/// `tar -I PROG`, `--use-compress-program=PROG`, `--to-command=CMD`, `-F SCRIPT`,
/// `--info-script=SCRIPT`, `--new-volume-script=SCRIPT`, `--checkpoint-action=exec=CMD`.
fn tar(args: &[Word], out: &mut Vec<Embedded>) {
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        let next = args.get(i + 1).map(|w| w.script.as_str());
        if text == "--" {
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (key, value) = match long.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (long, None),
            };
            if TAR_COMMANDS.contains(&key) {
                match value {
                    Some(v) => code(out, v),
                    None => {
                        if let Some(v) = next {
                            code(out, v);
                        }
                        i += 1;
                    }
                }
            } else if key == "checkpoint-action" {
                if value.is_none() {
                    i += 1;
                }
                if let Some(action) = value.or(next) {
                    if let Some(cmd) = action.strip_prefix("exec=") {
                        code(out, cmd);
                    }
                }
            }
        } else if text == "-I" || text == "-F" {
            if let Some(v) = next {
                code(out, v);
            }
            i += 1;
        } else if let Some(prog) = text.strip_prefix("-I").filter(|p| !p.is_empty()) {
            code(out, prog);
        }
        i += 1;
    }
}

/// Configuration keys whose value git runs as a shell command.
const GIT_COMMAND_KEYS: &[&str] = &[
    "core.sshcommand",
    "core.pager",
    "core.editor",
    "core.fsmonitor",
    "core.askpass",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "gpg.ssh.program",
    "gpg.x509.program",
];

/// `git -c KEY=VALUE ...` before the subcommand: aliases starting with `!`, command-valued
/// keys (`core.sshCommand`, `core.pager`, ...), `pager.*`, and `credential.helper` values
/// starting with `!` are shell code.
fn git(args: &[Word], out: &mut Vec<Embedded>) {
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        let setting = if text == "-c" {
            i += 1;
            args.get(i).map(|w| w.script.as_str())
        } else if let Some(s) = text.strip_prefix("-c").filter(|s| !s.is_empty()) {
            Some(s)
        } else if matches!(
            text,
            "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env"
        ) {
            i += 2;
            continue;
        } else if text.starts_with('-') {
            i += 1;
            continue;
        } else {
            break;
        };
        i += 1;
        let Some((key, value)) = setting.and_then(|s| s.split_once('=')) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let bang = value.strip_prefix('!');
        if key.starts_with("alias.") || key.starts_with("credential.") {
            if let Some(cmd) = bang {
                code(out, cmd);
            }
        } else if (GIT_COMMAND_KEYS.contains(&key.as_str()) || key.starts_with("pager."))
            && !matches!(value, "true" | "false" | "")
        {
            code(out, value);
        }
    }
}

/// The awk program: the first operand unless `-f FILE` gives it.
fn awk(args: &[Word], out: &mut Vec<Embedded>) {
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        if text == "--" {
            i += 1;
            break;
        }
        if matches!(text, "-f" | "--file") {
            return;
        }
        if matches!(
            text,
            "-F" | "-v" | "--assign" | "--field-separator" | "-i" | "-l"
        ) {
            i += 2;
            continue;
        }
        if text.starts_with('-') && text.len() > 1 {
            i += 1;
            continue;
        }
        break;
    }
    if let Some(program) = args.get(i) {
        awk_program(&program.script, out);
    }
}

/// String literals in awk code used as commands: `system("CMD")`, `print | "CMD"`,
/// `"CMD" | getline`. A literal concatenated with more (`system("cat " $1)`) gives its
/// literal part.
fn awk_program(program: &str, out: &mut Vec<Embedded>) {
    let bytes = program.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        let (literal, end) = awk_string(program, i);
        i = end;
        let before = program[..start].trim_end();
        let after = program.get(end..).unwrap_or("").trim_start();
        let called = before.ends_with("system(") || before.ends_with("system (");
        let piped_into = before.ends_with('|') && !before.ends_with("||");
        let read_from = after.starts_with('|') && !after.starts_with("||") && {
            let rest = after[1..].trim_start();
            rest.starts_with("getline")
        };
        if called || read_from {
            code(out, &literal);
        } else if piped_into {
            let text = literal.trim();
            if !text.is_empty() {
                out.push(Embedded::Code {
                    text: text.to_owned(),
                    piped: true,
                });
            }
        }
    }
}

/// The awk string literal starting at `start` (a `"`): its value and the index after it.
fn awk_string(program: &str, start: usize) -> (String, usize) {
    let mut value = String::new();
    let mut chars = program[start + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return (value, start + 1 + k + 1),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => value.push(other),
                None => break,
            },
            _ => value.push(c),
        }
    }
    (value, program.len())
}

/// `sqlite3 [OPTIONS] DB [SQL|.command]...`, `-cmd COMMAND`: `.shell CMD` / `.system CMD`.
fn sqlite(args: &[Word], out: &mut Vec<Embedded>) {
    let mut commands: Vec<&str> = Vec::new();
    let mut db_seen = false;
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        if !db_seen && text.starts_with('-') && text.len() > 1 {
            let option = text.trim_start_matches('-');
            if option == "cmd" {
                if let Some(next) = args.get(i + 1) {
                    commands.push(next.script.as_str());
                }
                i += 2;
                continue;
            }
            let takes_value = matches!(
                option,
                "init"
                    | "separator"
                    | "nullvalue"
                    | "newline"
                    | "vfs"
                    | "maxsize"
                    | "mmap"
                    | "pagecache"
                    | "lookaside"
                    | "heap"
                    | "escape"
            );
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        if db_seen {
            commands.push(text);
        }
        db_seen = true;
        i += 1;
    }
    for command in commands {
        for line in command.lines() {
            let line = line.trim_start();
            let rest = line
                .strip_prefix(".shell")
                .or_else(|| line.strip_prefix(".system"));
            if let Some(cmd) = rest.filter(|r| r.starts_with([' ', '\t'])) {
                code(out, cmd);
            }
        }
    }
}

/// vim `-c CMD`, `--cmd CMD`, `+CMD`: an ex command `!CMD`, `silent !CMD`, `r !CMD`,
/// `w !CMD` or a call of `system("CMD")` runs CMD.
fn vim(args: &[Word], out: &mut Vec<Embedded>) {
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        let command = if matches!(text, "-c" | "--cmd" | "-S") {
            i += 1;
            if text == "-S" {
                None
            } else {
                args.get(i).map(|w| w.script.as_str())
            }
        } else if text == "--" {
            break;
        } else {
            text.strip_prefix('+')
        };
        i += 1;
        if let Some(command) = command {
            ex_command(command, out);
        }
    }
}

fn ex_command(command: &str, out: &mut Vec<Embedded>) {
    let mut cmd = command.trim_start_matches([':', ' ', '\t']);
    for prefix in ["silent!", "silent", "sil!", "sil", "exe", "execute"] {
        if let Some(rest) = cmd.strip_prefix(prefix) {
            if rest.starts_with([' ', '\t', '!']) {
                cmd = rest.trim_start();
                break;
            }
        }
    }
    for prefix in ["read", "r", "write", "w"] {
        if let Some(rest) = cmd.strip_prefix(prefix) {
            if let Some(shell) = rest.trim_start().strip_prefix('!') {
                if rest.starts_with([' ', '\t']) {
                    code(out, shell);
                    return;
                }
            }
        }
    }
    if let Some(shell) = cmd.strip_prefix('!') {
        // The whole rest of the line is the shell command (`|` included).
        code(out, shell);
        return;
    }
    // `call system("CMD")`, `echo system('CMD')`, `systemlist(...)`.
    let mut rest = cmd;
    while let Some(at) = rest.find("system") {
        let after = rest[at + "system".len()..].trim_start_matches("list");
        let after = after.trim_start();
        if let Some(args) = after.strip_prefix('(') {
            let args = args.trim_start();
            if let Some(quote) = args.chars().next().filter(|c| matches!(c, '"' | '\'')) {
                if let Some(end) = args[1..].find(quote) {
                    code(out, &args[1..1 + end]);
                }
            }
        }
        rest = &rest[at + "system".len()..];
    }
}

/// ssh options that take a value.
const SSH_VALUES: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// `ssh [OPTIONS] DEST [CMD...]`: the words after the destination, joined with spaces as
/// ssh does, are the remote shell's command line.
/// docker exec options that take a value.
const EXEC_VALUES: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--detach-keys",
];

/// `docker exec [OPTIONS] CONTAINER CMD...`: the command runs in the container, analyzed
/// like a remote one (nothing local applies).
fn container_exec(args: &[Word], out: &mut Vec<Embedded>) {
    let Some(exec) = args.iter().position(|w| w.text == "exec") else {
        return;
    };
    if args[..exec].iter().any(|w| !w.text.starts_with('-')) {
        return;
    }
    let mut i = exec + 1;
    while i < args.len() && args[i].text.starts_with('-') {
        i += if EXEC_VALUES.contains(&args[i].text.as_str()) {
            2
        } else {
            1
        };
    }
    // An argument vector, not shell text: each word is quoted back.
    let words: Vec<String> = args
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .map(|w| crate::quote::quote_word(&w.script))
        .collect();
    if !words.is_empty() {
        out.push(Embedded::Container(words.join(" ")));
    }
}

/// `kubectl exec [OPTIONS] POD -- CMD...`: the command runs in the pod.
fn pod_exec(args: &[Word], out: &mut Vec<Embedded>) {
    if !args.iter().any(|w| w.text == "exec") {
        return;
    }
    let Some(dashes) = args.iter().position(|w| w.text == "--") else {
        return;
    };
    let words: Vec<String> = args[dashes + 1..]
        .iter()
        .map(|w| crate::quote::quote_word(&w.script))
        .collect();
    if !words.is_empty() {
        out.push(Embedded::Container(words.join(" ")));
    }
}

fn ssh(args: &[Word], out: &mut Vec<Embedded>) {
    let mut i = 0;
    while i < args.len() {
        let text = args[i].script.as_str();
        if text == "--" {
            i += 1;
            break;
        }
        if text.len() > 1 && text.starts_with('-') {
            let flags = &text[1..];
            if flags.contains(['G', 'V', 'N']) {
                return;
            }
            let takes = flags
                .char_indices()
                .find(|&(_, c)| SSH_VALUES.contains(c))
                .is_some_and(|(k, c)| k + c.len_utf8() == flags.len());
            i += if takes { 2 } else { 1 };
            continue;
        }
        break;
    }
    // The destination, then the command.
    let words: Vec<&str> = args
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .map(|w| w.script.as_str())
        .collect();
    if !words.is_empty() {
        out.push(Embedded::Remote(words.join(" ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<Word> {
        list.iter()
            .map(|w| Word::literal((*w).to_owned()))
            .collect()
    }

    fn codes(name: &str, list: &[&str]) -> Vec<String> {
        find(name, &words(list))
            .into_iter()
            .map(|e| match e {
                Embedded::Code { text, .. } => text,
                Embedded::Remote(text) => format!("remote: {text}"),
                Embedded::Container(text) => format!("container: {text}"),
            })
            .collect()
    }

    #[test]
    fn readers() {
        assert_eq!(codes("tar", &["-I", "zstd", "-cf", "a", "d"]), ["zstd"]);
        assert_eq!(codes("tar", &["--to-command=sh x", "-xf", "a"]), ["sh x"]);
        assert_eq!(
            codes("tar", &["-cf", "a", "--checkpoint-action=exec=id"]),
            ["id"]
        );
        assert!(codes("tar", &["--checkpoint-action=dot"]).is_empty());
        assert_eq!(
            codes("git", &["-c", "alias.x=!rm -rf ~", "x"]),
            ["rm -rf ~"]
        );
        assert!(codes("git", &["-c", "alias.st=status", "st"]).is_empty());
        assert!(codes("git", &["commit", "-c", "core.pager=x"]).is_empty());
        assert_eq!(codes("awk", &["BEGIN{system(\"id\")}"]), ["id"]);
        assert_eq!(codes("awk", &["{print | \"sh\"}", "f"]), ["sh"]);
        assert!(codes("awk", &["{print \"system(x)\"}"]).is_empty());
        assert!(codes("awk", &["-f", "p.awk", "BEGIN{system(\"id\")}"]).is_empty());
        assert_eq!(codes("sqlite3", &["db", ".shell id"]), ["id"]);
        assert!(codes("sqlite3", &["db", "select '.shell id'"]).is_empty());
        assert_eq!(codes("vim", &["-c", ":silent !id"]), ["id"]);
        assert_eq!(codes("vim", &["+!id | sh"]), ["id | sh"]);
        assert!(codes("vim", &["-c", "echo \"!rm\""]).is_empty());
        assert_eq!(
            codes("ssh", &["-p", "22", "h", "ls", "-l"]),
            ["remote: ls -l"]
        );
        assert!(codes("ssh", &["-G", "h"]).is_empty());
        assert!(codes("ssh", &["h"]).is_empty());
    }
}
