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
    /// Short options whose value is shell code (`flock FILE -c CODE`, `script -qc CODE`).
    code_short: &'static str,
    /// Long options whose value is shell code (`--command CODE`, `--command=CODE`).
    code_long: &'static [&'static str],
    /// The command words are joined into shell code (`watch 'a | b'`), unless one of
    /// `exec_flags` is given.
    rest_is_code: bool,
    /// Flags that switch `rest_is_code`: off for `watch -x`, on for `pnpm exec -c`.
    exec_flags: &'static [&'static str],
    /// The program runs a command only under these subcommands (`pnpm dlx`, `uv tool run`);
    /// otherwise it is not a wrapper.
    subcommands: &'static [&'static str],
    /// The wrapped command is a package spec (`npx prettier@3`, `uvx black==24.1`): its name
    /// drops the version.
    package: bool,
    /// An operand (after `operands_before`) is the wrapped command; `false` for `script`,
    /// whose operand is a log file.
    runs_operand: bool,
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
        code_short: "",
        code_long: &[],
        rest_is_code: false,
        exec_flags: &[],
        subcommands: &[],
        package: false,
        runs_operand: true,
    }
}

/// Options of `npx` / `npm exec` that take a value.
const NPX_LONG: &[&str] = &[
    "package",
    "registry",
    "cache",
    "userconfig",
    "workspace",
    "node-options",
    "prefix",
];
/// Options of `uvx` / `uv run` / `uv tool run` that take a value.
const UV_LONG: &[&str] = &[
    "from",
    "with",
    "with-editable",
    "with-requirements",
    "constraints",
    "overrides",
    "build-constraints",
    "python",
    "index",
    "default-index",
    "index-url",
    "extra-index-url",
    "find-links",
    "upgrade-package",
    "reinstall-package",
    "refresh-package",
    "no-build-package",
    "no-binary-package",
    "exclude-newer",
    "resolution",
    "prerelease",
    "fork-strategy",
    "config-setting",
    "index-strategy",
    "keyring-provider",
    "link-mode",
    "directory",
    "project",
    "cache-dir",
    "config-file",
    "color",
    "env-file",
    "python-preference",
    "allow-insecure-host",
    "extra",
    "group",
    "no-group",
    "only-group",
    "package",
];
/// Options of `pnpm` (global, `dlx`, `exec`) that take a value.
const PNPM_LONG: &[&str] = &[
    "dir",
    "filter",
    "filter-prod",
    "package",
    "resume-from",
    "reporter",
    "loglevel",
    "workspace-concurrency",
];
/// Options of `systemd-run` that take a value.
const SYSTEMD_RUN_LONG: &[&str] = &[
    "unit",
    "property",
    "description",
    "slice",
    "setenv",
    "host",
    "machine",
    "uid",
    "gid",
    "nice",
    "working-directory",
    "on-active",
    "on-boot",
    "on-startup",
    "on-unit-active",
    "on-unit-inactive",
    "on-calendar",
    "timer-property",
    "path-property",
    "socket-property",
    "service-type",
    "job-mode",
];

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
    // Secret injectors run a command with secrets in its environment.
    Spec {
        long_with_arg: &["env-file", "account", "session", "environment"],
        subcommands: &["run"],
        ..spec("op")
    },
    Spec {
        short_with_arg: "pc",
        long_with_arg: &["project", "config", "token", "scope", "mount"],
        subcommands: &["run"],
        ..spec("doppler")
    },
    Spec {
        long_with_arg: &["env", "projectId", "path", "token", "domain"],
        subcommands: &["run"],
        ..spec("infisical")
    },
    Spec {
        short_with_arg: "f",
        long_with_arg: &["env-file", "env"],
        subcommands: &["run"],
        ..spec("dotenvx")
    },
    Spec {
        operands_before: 1,
        subcommands: &["exec"],
        ..spec("aws-vault")
    },
    Spec {
        operands_before: 1,
        subcommands: &["exec"],
        ..spec("chamber")
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
    // Package runners: the tool (and its version) comes after their options.
    Spec {
        short_with_arg: "pw",
        long_with_arg: NPX_LONG,
        code_short: "c",
        code_long: &["call"],
        package: true,
        ..spec("npx")
    },
    Spec {
        short_with_arg: "pw",
        long_with_arg: NPX_LONG,
        code_short: "c",
        code_long: &["call"],
        subcommands: &["exec", "x"],
        package: true,
        ..spec("npm")
    },
    Spec {
        short_with_arg: "CF",
        long_with_arg: PNPM_LONG,
        exec_flags: &["-c", "--shell-mode"],
        subcommands: &["dlx", "exec"],
        package: true,
        ..spec("pnpm")
    },
    Spec {
        long_with_arg: PNPM_LONG,
        exec_flags: &["-c", "--shell-mode"],
        package: true,
        ..spec("pnpx")
    },
    Spec {
        short_with_arg: "p",
        long_with_arg: &["package", "cwd"],
        subcommands: &["dlx", "exec"],
        package: true,
        ..spec("yarn")
    },
    Spec {
        short_with_arg: "p",
        long_with_arg: &["package"],
        package: true,
        ..spec("bunx")
    },
    Spec {
        short_with_arg: "p",
        long_with_arg: &["package"],
        subcommands: &["x"],
        package: true,
        ..spec("bun")
    },
    Spec {
        short_with_arg: "cCfipPw",
        long_with_arg: UV_LONG,
        package: true,
        ..spec("uvx")
    },
    Spec {
        short_with_arg: "cCfipPw",
        long_with_arg: UV_LONG,
        subcommands: &["run", "tool run"],
        package: true,
        ..spec("uv")
    },
    Spec {
        long_with_arg: &["spec", "python", "pip-args", "index-url", "backend"],
        subcommands: &["run"],
        package: true,
        ..spec("pipx")
    },
    Spec {
        short_with_arg: "CP",
        long_with_arg: &["directory", "project"],
        subcommands: &["run"],
        ..spec("poetry")
    },
    Spec {
        short_with_arg: "p",
        long_with_arg: &["project", "venv"],
        subcommands: &["run"],
        ..spec("pdm")
    },
    Spec {
        long_with_arg: &["gemfile"],
        subcommands: &["exec"],
        ..spec("bundle")
    },
    Spec {
        short_with_arg: "np",
        long_with_arg: &["name", "prefix", "cwd"],
        subcommands: &["run"],
        ..spec("conda")
    },
    Spec {
        short_with_arg: "np",
        long_with_arg: &["name", "prefix", "cwd"],
        subcommands: &["run"],
        ..spec("mamba")
    },
    Spec {
        short_with_arg: "np",
        long_with_arg: &["name", "prefix", "cwd"],
        subcommands: &["run"],
        ..spec("micromamba")
    },
    // Process, session and namespace runners.
    Spec {
        short_with_arg: "nq",
        long_with_arg: &["interval", "equexit"],
        rest_is_code: true,
        exec_flags: &["-x", "--exec"],
        ..spec("watch")
    },
    Spec {
        short_with_arg: "wE",
        long_with_arg: &["timeout", "wait", "conflict-exit-code"],
        code_short: "c",
        code_long: &["command"],
        operands_before: 1,
        ..spec("flock")
    },
    Spec {
        short_with_arg: "tSG",
        long_with_arg: &["target", "setuid", "setgid"],
        ..spec("nsenter")
    },
    Spec {
        short_with_arg: "upEHM",
        long_with_arg: SYSTEMD_RUN_LONG,
        ..spec("systemd-run")
    },
    Spec {
        short_with_arg: "ugGsw",
        long_with_arg: &[
            "user",
            "group",
            "supp-group",
            "shell",
            "whitelist-environment",
        ],
        ..spec("runuser")
    },
    Spec {
        short_with_arg: "EIOBTm",
        long_with_arg: &[
            "echo",
            "log-in",
            "log-out",
            "log-io",
            "log-timing",
            "logging-format",
        ],
        code_short: "c",
        code_long: &["command"],
        runs_operand: false,
        ..spec("script")
    },
    Spec {
        short_with_arg: "pfdP",
        ..spec("sshpass")
    },
    Spec {
        short_with_arg: "upaP",
        ..spec("torsocks")
    },
    Spec {
        short_with_arg: "f",
        ..spec("proxychains")
    },
    Spec {
        short_with_arg: "f",
        ..spec("proxychains4")
    },
    Spec {
        short_with_arg: "lis",
        long_with_arg: &["lib", "faked"],
        ..spec("fakeroot")
    },
    Spec {
        no_command: "p",
        operands_before: 1,
        ..spec("taskset")
    },
];

/// Programs that run commands given in their action options (`find -exec CMD ;`).
const FINDERS: &[&str] = &["find", "gfind", "bfs", "fd", "fdfind"];

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
    /// Shell code the wrapper runs (`flock f -c CODE`, `watch 'a | b'`).
    pub(crate) code: Option<Code>,
    /// Commands run by action options (`find -exec CMD ;`), as argument ranges.
    pub(crate) execs: Vec<Exec>,
    /// The wrapped command is a package spec whose version is not part of its name.
    pub(crate) package: bool,
}

/// Where a wrapper's shell code is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Code {
    /// The whole argument at this index.
    Arg(usize),
    /// The argument at this index after its first bytes, the option (`--command=CODE`,
    /// `-cCODE`).
    Attached(usize, usize),
    /// The arguments from this index on, joined with spaces.
    Rest(usize),
}

/// One command run by an action option: arguments `start..end`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Exec {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The command gets the runner's standard input (`-exec`; not `-ok`, which prompts).
    pub(crate) inherits_stdin: bool,
}

/// Finds the wrapped command in the arguments of wrapper `name`; `None` if `name` is not a
/// wrapper (or, for programs with subcommands, not one of the subcommands that run a
/// command).
///
/// The work is proportional to the wrapper's own options (and, for `find`, to its arguments),
/// not to the wrapped command's arguments, so a chain of wrappers is unwrapped in linear time.
pub(crate) fn unwrap<A: AsRef<str>>(name: &str, args: &[A]) -> Option<Unwrapped> {
    if FINDERS.contains(&name) {
        return Some(finder(name, args));
    }
    let spec = WRAPPERS.iter().find(|w| w.name == name)?;
    if name == "runuser" && !runuser_wrapper(spec, args) {
        // `runuser [-l] USER -c CODE` has su's syntax.
        return None;
    }
    let mut out = Unwrapped {
        package: spec.package,
        ..Unwrapped::default()
    };
    let mut operands = spec.operands_before;
    let mut options = true;
    let mut rest_is_code = spec.rest_is_code;
    let mut subcommand = spec.subcommands.is_empty();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_ref();
        if options && arg == "--" {
            options = false;
            i += 1;
            continue;
        }
        if options && spec.exec_flags.contains(&arg) {
            rest_is_code = !spec.rest_is_code;
            i += 1;
            continue;
        }
        if options && arg.len() > 2 && arg.starts_with("--") {
            let (key, value) = match arg[2..].split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (&arg[2..], None),
            };
            if spec.name == "env" && key == "split-string" {
                return Some(split_string(out, value, args, i));
            }
            if spec.code_long.contains(&key) {
                out.code = match value {
                    Some(v) => Some(Code::Attached(i, arg.len() - v.len())),
                    None => (i + 1 < args.len()).then_some(Code::Arg(i + 1)),
                };
                return Some(out);
            }
            let takes_arg = spec.long_with_arg.contains(&key);
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
                let attached = &flags[k + c.len_utf8()..];
                if spec.code_short.contains(c) {
                    out.code = if attached.is_empty() {
                        (i + 1 < args.len()).then_some(Code::Arg(i + 1))
                    } else {
                        Some(Code::Attached(i, arg.len() - attached.len()))
                    };
                    return Some(out);
                }
                if spec.short_with_arg.contains(c) {
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
        if !subcommand {
            let matched = spec.subcommands.iter().find_map(|sub| {
                let parts: Vec<&str> = sub.split(' ').collect();
                let here = args.get(i..i + parts.len())?;
                here.iter()
                    .zip(&parts)
                    .all(|(a, p)| a.as_ref() == *p)
                    .then_some(parts.len())
            });
            // Other subcommands (`npm install`, `bun run.js`) run no wrapped command.
            i += matched?;
            subcommand = true;
            continue;
        }
        if operands > 0 {
            operands -= 1;
            options = !matches!(spec.name, "timeout" | "chroot" | "taskset");
            i += 1;
            continue;
        }
        if !spec.runs_operand {
            i += 1;
            continue;
        }
        if rest_is_code {
            out.code = Some(Code::Rest(i));
        } else {
            out.command_at = Some(i);
        }
        return Some(out);
    }
    subcommand.then_some(out)
}

/// `runuser -u USER` / `--user[=]USER` among the options: the wrapper form of runuser
/// (`runuser [-l] USER -c CODE` has su's syntax). Only the options are looked at.
fn runuser_wrapper<A: AsRef<str>>(spec: &Spec, args: &[A]) -> bool {
    let mut i = 0;
    while let Some(arg) = args.get(i).map(AsRef::as_ref) {
        if arg == "--user" || arg.starts_with("--user=") || (arg.starts_with("-u") && arg != "-") {
            return true;
        }
        if arg == "--" || arg.len() < 2 || !arg.starts_with('-') {
            return false;
        }
        let takes_value = match arg.strip_prefix("--") {
            Some(long) => !long.contains('=') && spec.long_with_arg.contains(&long),
            None => arg[1..]
                .char_indices()
                .find(|&(_, c)| spec.short_with_arg.contains(c))
                .is_some_and(|(k, c)| k + c.len_utf8() == arg.len() - 1),
        };
        i += if takes_value { 2 } else { 1 };
    }
    false
}

/// `find ... -exec CMD ARGS ;` (also `{} +`, `-execdir`, `-ok`, `-okdir`) and fd's
/// `-x` / `--exec` / `-X` / `--exec-batch CMD ARGS [;]`: the commands and their arguments.
/// An unterminated command runs to the end of the arguments (find rejects it, but a policy
/// sees what was asked).
fn finder<A: AsRef<str>>(name: &str, args: &[A]) -> Unwrapped {
    let fd = name.starts_with("fd");
    let mut out = Unwrapped::default();
    let mut i = 0;
    while i < args.len() {
        let action = args[i].as_ref();
        let starts = if fd {
            matches!(action, "-x" | "--exec" | "-X" | "--exec-batch")
        } else {
            matches!(action, "-exec" | "-execdir" | "-ok" | "-okdir")
        };
        if !starts {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < args.len() {
            let arg = args[end].as_ref();
            if arg == ";" || (!fd && arg == "+" && end > start && args[end - 1].as_ref() == "{}") {
                break;
            }
            end += 1;
        }
        if end > start {
            out.execs.push(Exec {
                start,
                end,
                inherits_stdin: !action.starts_with("-ok"),
            });
        }
        i = end + 1;
    }
    out
}

/// The command name in a package spec: `prettier@3` → `prettier`, `@scope/cli@1` →
/// `@scope/cli`, `black==24.1` → `black`, `mypy[reports]` → `mypy`.
pub(crate) fn package_command(spec: &str) -> &str {
    let skip = usize::from(spec.starts_with('@'));
    let end = spec[skip..]
        .find(['@', '=', '<', '>', '!', '~', '[', ';', ' '])
        .map_or(spec.len(), |k| k + skip);
    &spec[..end]
}

/// `env -S value` / `env --split-string=value`: the value is split into the command words.
fn split_string<A: AsRef<str>>(
    mut out: Unwrapped,
    value: Option<&str>,
    args: &[A],
    i: usize,
) -> Unwrapped {
    let (value, rest) = match value {
        Some(v) => (v.to_owned(), i + 1),
        None => match args.get(i + 1) {
            Some(v) => (v.as_ref().to_owned(), i + 2),
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
    fn runners() {
        assert_eq!(at("npx", "-y -p pkg tool x"), Some(3));
        assert_eq!(at("npm", "exec -- tool"), Some(2));
        assert_eq!(at("npm", "install tool"), None);
        assert!(unwrap("npm", &["install".to_owned()]).is_none());
        assert_eq!(at("uv", "tool run --from a b"), Some(4));
        assert_eq!(at("watch", "-x -n 2 ls"), Some(3));
        assert_eq!(at("flock", "-w 5 /tmp/l make"), Some(3));
        assert_eq!(at("runuser", "-u www -- id"), Some(3));
        assert!(unwrap("runuser", &["root".to_owned()]).is_none());
        let args: Vec<String> = ["-n", "1", "a", "|", "b"].map(str::to_owned).to_vec();
        assert_eq!(
            unwrap("watch", &args).and_then(|u| u.code),
            Some(Code::Rest(2))
        );
        let args: Vec<String> = ["/l", "--command=x y"].map(str::to_owned).to_vec();
        let code = unwrap("flock", &args).and_then(|u| u.code);
        assert_eq!(code, Some(Code::Attached(1, "--command=".len())));
    }

    #[test]
    fn finder_actions() {
        let args: Vec<String> = ". -exec a {} ; -ok b + {} + -exec"
            .split(' ')
            .map(str::to_owned)
            .collect();
        let execs = unwrap("find", &args).map(|u| u.execs).unwrap_or_default();
        let ranges: Vec<(usize, usize, bool)> = execs
            .iter()
            .map(|e| (e.start, e.end, e.inherits_stdin))
            .collect();
        assert_eq!(ranges, [(2, 4, true), (6, 9, false)]);
    }

    #[test]
    fn package_commands() {
        assert_eq!(package_command("prettier@3"), "prettier");
        assert_eq!(package_command("@scope/cli@1.2"), "@scope/cli");
        assert_eq!(package_command("@scope/cli"), "@scope/cli");
        assert_eq!(package_command("black==24.1"), "black");
        assert_eq!(package_command("mypy[reports]>=1"), "mypy");
        assert_eq!(package_command("@"), "@");
        assert_eq!(package_command(""), "");
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
