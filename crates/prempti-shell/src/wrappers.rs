//! Wrappers: programs that run another program given in their arguments (`sudo`, `env`,
//! `timeout`, `xargs`, ...), with enough of their option syntax to find where the wrapped
//! command starts.

/// How one wrapper's arguments are laid out.
struct Spec {
    /// Program name.
    name: &'static str,
    /// Short options that take a value (attached `-uroot` or separate `-u root`).
    short_with_arg: &'static str,
    /// Long options that take a value when written without `=` (`--user root`).
    long_with_arg: &'static [&'static str],
    /// Short options after which no program is run (`command -v git` only prints).
    no_command: &'static str,
    /// Operands before the command (`timeout 5 cmd`, `chroot /new cmd`).
    operands_before: usize,
    /// `NAME=value` words before the command are environment assignments.
    assignments: bool,
    /// `-N` (a number) is an option (`nice -10 cmd`).
    numeric_option: bool,
}

const fn spec(name: &'static str) -> Spec {
    Spec {
        name,
        short_with_arg: "",
        long_with_arg: &[],
        no_command: "",
        operands_before: 0,
        assignments: false,
        numeric_option: false,
    }
}

/// The wrappers understood, with their option syntax.
const WRAPPERS: &[Spec] = &[
    Spec {
        short_with_arg: "CDghpRrTtUu",
        long_with_arg: &[
            "user",
            "group",
            "prompt",
            "close-from",
            "chdir",
            "chroot",
            "host",
            "role",
            "type",
            "command-timeout",
            "other-user",
        ],
        no_command: "eKlVv",
        assignments: true,
        ..spec("sudo")
    },
    Spec {
        short_with_arg: "Cu",
        ..spec("doas")
    },
    Spec {
        short_with_arg: "CPSu",
        long_with_arg: &["unset", "chdir", "split-string"],
        assignments: true,
        ..spec("env")
    },
    spec("nohup"),
    Spec {
        short_with_arg: "ks",
        long_with_arg: &["signal", "kill-after"],
        operands_before: 1,
        ..spec("timeout")
    },
    Spec {
        short_with_arg: "n",
        long_with_arg: &["adjustment"],
        numeric_option: true,
        ..spec("nice")
    },
    Spec {
        short_with_arg: "cnpPu",
        long_with_arg: &["class", "classdata", "pid", "pgid", "uid"],
        no_command: "pPu",
        ..spec("ionice")
    },
    Spec {
        short_with_arg: "eio",
        long_with_arg: &["input", "output", "error"],
        ..spec("stdbuf")
    },
    Spec {
        short_with_arg: "adEILnPs",
        long_with_arg: &[
            "arg-file",
            "delimiter",
            "max-args",
            "max-lines",
            "max-chars",
            "max-procs",
            "process-slot-var",
        ],
        ..spec("xargs")
    },
    Spec {
        short_with_arg: "a",
        ..spec("exec")
    },
    Spec {
        no_command: "vV",
        ..spec("command")
    },
    spec("builtin"),
    Spec {
        short_with_arg: "fo",
        long_with_arg: &["format", "output"],
        ..spec("time")
    },
    spec("setsid"),
    spec("nocorrect"),
    spec("noglob"),
    spec("unbuffer"),
    spec("busybox"),
    Spec {
        short_with_arg: "tw",
        ..spec("caffeinate")
    },
    Spec {
        long_with_arg: &["userspec", "groups"],
        operands_before: 1,
        ..spec("chroot")
    },
];

/// Where a wrapper's command starts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Unwrapped {
    /// Index (into the wrapper's arguments) of the wrapped program, if one is run.
    pub(crate) command_at: Option<usize>,
    /// `NAME=value` assignments given to the wrapper (`env X=1`, `sudo X=1`).
    pub(crate) env: Vec<String>,
    /// `env -S 'string'`: the string to split into words, and the index of the arguments
    /// following it.
    pub(crate) split: Option<(String, usize)>,
}

/// Finds the wrapped command in the arguments of wrapper `name`; `None` if `name` is not a
/// wrapper.
pub(crate) fn unwrap(name: &str, args: &[String]) -> Option<Unwrapped> {
    let spec = WRAPPERS.iter().find(|w| w.name == name)?;
    let mut out = Unwrapped::default();
    let mut operands = spec.operands_before;
    let mut options = true;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if options && arg == "--" {
            options = false;
            i += 1;
            continue;
        }
        if options && arg.len() > 2 && arg.starts_with("--") {
            let (key, value) = match arg[2..].split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (&arg[2..], None),
            };
            let takes_arg = spec.long_with_arg.contains(&key);
            if spec.name == "env" && key == "split-string" {
                return Some(split_string(out, value, args, i));
            }
            i += if takes_arg && value.is_none() { 2 } else { 1 };
            continue;
        }
        if options && arg.len() > 1 && arg.starts_with('-') {
            let flags = &arg[1..];
            if spec.numeric_option && flags.bytes().all(|b| b.is_ascii_digit()) {
                i += 1;
                continue;
            }
            let mut skip_next = false;
            for (k, c) in flags.char_indices() {
                if spec.no_command.contains(c) {
                    return Some(out);
                }
                if spec.short_with_arg.contains(c) {
                    let attached = &flags[k + c.len_utf8()..];
                    if spec.name == "env" && c == 'S' {
                        let value = (!attached.is_empty()).then_some(attached);
                        return Some(split_string(out, value, args, i));
                    }
                    skip_next = attached.is_empty();
                    break;
                }
            }
            i += if skip_next { 2 } else { 1 };
            continue;
        }
        if spec.assignments && options && is_assignment(arg) {
            out.env.push(arg.to_owned());
            i += 1;
            continue;
        }
        if operands > 0 {
            operands -= 1;
            options = spec.name != "timeout" && spec.name != "chroot";
            i += 1;
            continue;
        }
        out.command_at = Some(i);
        return Some(out);
    }
    Some(out)
}

/// `env -S value` / `env --split-string=value`: the value is split into the command words.
fn split_string(mut out: Unwrapped, value: Option<&str>, args: &[String], i: usize) -> Unwrapped {
    let (value, rest) = match value {
        Some(v) => (v.to_owned(), i + 1),
        None => match args.get(i + 1) {
            Some(v) => (v.clone(), i + 2),
            None => return out,
        },
    };
    out.split = Some((value, rest));
    out
}

/// `NAME=value` with a valid shell name.
pub(crate) fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, args: &str) -> Option<usize> {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        unwrap(name, &args).and_then(|u| u.command_at)
    }

    #[test]
    fn option_syntax() {
        assert_eq!(at("sudo", "-u root rm"), Some(2));
        assert_eq!(at("sudo", "-uroot -E X=1 rm"), Some(3));
        assert_eq!(at("sudo", "--user=root rm"), Some(1));
        assert_eq!(at("sudo", "--user root -- rm"), Some(3));
        assert_eq!(at("env", "-i X=1 bash"), Some(2));
        assert_eq!(at("env", "-u HOME -C /tmp ls"), Some(4));
        assert_eq!(at("timeout", "-s KILL 5 make"), Some(3));
        assert_eq!(at("timeout", "--kill-after=1 5s make -j"), Some(2));
        assert_eq!(at("nice", "-n 10 make"), Some(2));
        assert_eq!(at("nice", "-10 make"), Some(1));
        assert_eq!(at("xargs", "-0 -n1 rm"), Some(2));
        assert_eq!(at("xargs", "-I{} cp {} /tmp"), Some(1));
        assert_eq!(at("stdbuf", "-oL -e 0 grep"), Some(3));
        assert_eq!(at("command", "-p git"), Some(1));
        assert_eq!(at("command", "-v git"), None);
        assert_eq!(at("ionice", "-c 3 cp"), Some(2));
        assert_eq!(at("time", "-p make"), Some(1));
        assert_eq!(at("sudo", "-l"), None);
        assert_eq!(at("ls", "-l"), None);
    }

    #[test]
    fn env_split_string() {
        let args: Vec<String> = ["-S", "bash -c x", "y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let u = unwrap("env", &args).unwrap_or_default();
        assert_eq!(u.split, Some(("bash -c x".to_owned(), 2)));
    }

    #[test]
    fn assignments() {
        assert!(is_assignment("A_1=x"));
        assert!(is_assignment("_=x"));
        assert!(!is_assignment("1A=x"));
        assert!(!is_assignment("--opt=x"));
        assert!(!is_assignment("plain"));
    }
}
