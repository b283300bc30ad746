//! Interpreters: which programs run code, and where each invocation takes its code from
//! (an inline `-c` string, a script operand, or standard input).

/// Shells: their `-c` string is shell code and is analyzed in turn.
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "fish", "csh",
    "tcsh",
];

/// Other interpreters whose piped input counts as code.
const OTHERS: &[&str] = &[
    "node",
    "nodejs",
    "deno",
    "bun",
    "perl",
    "ruby",
    "irb",
    "php",
    "lua",
    "luajit",
    "pwsh",
    "powershell",
    "osascript",
    "Rscript",
    "tclsh",
    "wish",
    "jshell",
    "groovy",
    "julia",
];

/// Options whose next argument is inline code (or a module name): code does not come from
/// standard input.
const INLINE: &[&str] = &[
    "-c", "-e", "-E", "--eval", "-p", "--print", "-m", "-Command", "-command",
];
/// Options whose next argument is a value, not the script.
const WITH_VALUE: &[&str] = &["-W", "-X", "-r", "--require", "--import", "--loader", "-I"];

/// Whether `name` is a shell (`bash -c` strings are shell code).
pub(crate) fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// Whether `name` is an interpreter: a shell, `python*`, `pypy*`, or one of the others.
pub(crate) fn is_interpreter(name: &str) -> bool {
    is_shell(name)
        || OTHERS.contains(&name)
        || versioned(name, "python")
        || versioned(name, "pypy")
        || versioned(name, "lua")
}

/// `python`, `python3`, `python3.12`.
fn versioned(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem)
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// Where one interpreter invocation takes its code from.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// Index (into the arguments) of the inline code (`bash -c CODE`, `python -c CODE`).
    pub(crate) inline: Option<usize>,
    /// Index of the script operand (`bash run.sh`, `bash <(curl ...)`).
    pub(crate) operand: Option<usize>,
    /// The code is read from standard input (no inline code and no script file, or `-s`, `-`,
    /// `/dev/stdin`).
    pub(crate) reads_stdin: bool,
}

/// Reads the arguments of interpreter `name`.
pub(crate) fn invocation(name: &str, args: &[String]) -> Invocation {
    if is_shell(name) {
        shell(args)
    } else {
        other(name, args)
    }
}

/// `bash [-lc] [-o opt] [--rcfile f] CODE|SCRIPT`.
fn shell(args: &[String]) -> Invocation {
    let mut has_c = false;
    let mut has_s = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        if arg.starts_with("--") {
            i += if matches!(arg, "--rcfile" | "--init-file") {
                2
            } else {
                1
            };
            continue;
        }
        if arg.len() > 1 && (arg.starts_with('-') || arg.starts_with('+')) {
            let flags = &arg[1..];
            has_c |= flags.contains('c');
            has_s |= flags.contains('s');
            i += if flags.ends_with(['o', 'O']) { 2 } else { 1 };
            continue;
        }
        break;
    }
    let at = (i < args.len()).then_some(i);
    if has_c {
        return Invocation {
            inline: at,
            operand: None,
            reads_stdin: false,
        };
    }
    let reads_stdin = has_s || at.is_none_or(|k| is_stdin(&args[k]));
    Invocation {
        inline: None,
        operand: if has_s { None } else { at },
        reads_stdin,
    }
}

/// `python3 [-u] [-c CODE | -m MOD | SCRIPT | -]`, `perl -ne CODE`, `node -e CODE`, ...
fn other(name: &str, args: &[String]) -> Invocation {
    let clustered_e = matches!(name, "perl" | "ruby");
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        let inline = INLINE.contains(&arg)
            || (name == "php" && arg == "-r")
            || (clustered_e && arg.len() > 1 && arg.starts_with('-') && arg.ends_with(['e', 'E']));
        if inline {
            return Invocation {
                inline: (i + 1 < args.len()).then_some(i + 1),
                ..Invocation::default()
            };
        }
        if arg.len() > 1 && arg.starts_with('-') {
            i += if WITH_VALUE.contains(&arg) { 2 } else { 1 };
            continue;
        }
        break;
    }
    let at = (i < args.len()).then_some(i);
    Invocation {
        inline: None,
        operand: at,
        reads_stdin: at.is_none_or(|k| is_stdin(&args[k])),
    }
}

fn is_stdin(operand: &str) -> bool {
    matches!(operand, "-" | "/dev/stdin" | "/dev/fd/0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(name: &str, args: &str) -> Invocation {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        invocation(name, &args)
    }

    #[test]
    fn shells() {
        assert!(inv("bash", "").reads_stdin);
        assert!(inv("bash", "-s -- a").reads_stdin);
        assert!(inv("bash", "-").reads_stdin);
        assert_eq!(inv("bash", "-lc x").inline, Some(1));
        assert_eq!(inv("bash", "-o pipefail -c x").inline, Some(3));
        assert_eq!(inv("sh", "run.sh").operand, Some(0));
        assert!(!inv("sh", "run.sh").reads_stdin);
    }

    #[test]
    fn others() {
        assert!(inv("python3", "").reads_stdin);
        assert!(inv("python3", "-u -").reads_stdin);
        assert!(!inv("python3", "script.py").reads_stdin);
        assert_eq!(inv("python3", "-c code").inline, Some(1));
        assert_eq!(inv("perl", "-lne code").inline, Some(1));
        assert_eq!(inv("node", "-r mod app.js").operand, Some(2));
        assert!(is_interpreter("python3.12"));
        assert!(!is_interpreter("pythonista"));
    }
}
