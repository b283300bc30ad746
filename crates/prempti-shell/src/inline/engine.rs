//! Reads calls off a token stream with a language's [`Spec`] and collects [`Findings`].
//!
//! One pass over the tokens: assignments of static strings are remembered (a name assigned
//! twice is forgotten), each call whose name is in the language's effect table is applied to
//! its arguments, strings are scanned for URLs. Every look-around is capped ([`SCAN`] tokens,
//! [`MAX_EVAL_DEPTH`] levels of nested expressions), so the pass stays linear.

use std::collections::HashMap;

use super::{Behavior, Findings, StrKind, Tok, MAX_LIST};

/// Most tokens any single look-around (argument scan, statement end, expression) visits.
const SCAN: usize = 256;
/// Most tokens scanned for the flags of an argument or assigned value.
const FLAG_SCAN: usize = 64;
/// Deepest nesting of expressions evaluated to a static string.
const MAX_EVAL_DEPTH: u8 = 4;
/// Most arguments of one call read.
const MAX_ARGS: usize = 16;

/// Programs that are shells: a command starting with one spawns a shell.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "ash",
    "mksh",
    "fish",
    "csh",
    "tcsh",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
];
/// URL schemes reported from string literals.
const URL_SCHEMES: &[&str] = &[
    "https://", "http://", "ftps://", "ftp://", "wss://", "ws://",
];

/// What calling a function does (the argument indices are positional).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// Reads the path in argument `n` (a URL there is a remote fetch instead).
    Read(u8),
    /// Writes the path in argument `n`.
    Write(u8),
    /// Deletes the path in argument `n`.
    Delete(u8),
    /// Deletes every path argument (and list items).
    DeleteAll,
    /// Deletes the tree in argument `n`.
    Rmrf(u8),
    /// Deletes every tree argument.
    RmrfAll,
    /// Deletes argument `n`, recursively when the options say `recursive: true`.
    RmOpt(u8),
    /// Changes the mode or owner of argument `n`.
    Chmod(u8),
    /// Changes the mode or owner of every argument from `n` on.
    ChmodFrom(u8),
    /// Opens argument `path` with the mode string in argument `mode` (read when absent).
    Open {
        /// Index of the path.
        path: u8,
        /// Index of the mode (also the `mode=` / `flags` keyword).
        mode: u8,
    },
    /// Opens argument `n` with `O_*` flags: writing when a write flag appears.
    FlagsOpen(u8),
    /// Perl `open`: two- and three-argument forms, pipes and descriptor duplication.
    PerlOpen,
    /// Ruby `open`: `|cmd` runs a command, a URL is fetched, else like `File.open`.
    RubyOpen,
    /// Reads argument 0, writes argument 1.
    Copy,
    /// Moves argument 0 (deleted) to argument 1 (written).
    Move,
    /// Method reading its receiver (`Path(p).read_text()`).
    RecvRead,
    /// Method writing its receiver.
    RecvWrite,
    /// Method deleting its receiver.
    RecvDelete,
    /// Method changing the mode of its receiver.
    RecvChmod,
    /// Method opening its receiver with the mode in argument 0.
    RecvOpen,
    /// Runs argument 0 as a command: a string, or a list joined with spaces.
    Shell,
    /// Runs all positional arguments as one command (`system("rm", "-rf", x)`).
    Argv,
    /// Executes argument 0 as code.
    Exec,
    /// Opens a socket.
    Socket,
    /// Connects to a host (and port) found in the arguments.
    Connect,
    /// A `.connect` method: a connection only when a host and a port are given.
    ConnectPort,
    /// Fetches from the network (its result is remote content).
    Remote,
    /// Fetches from the network when argument 0 is a URL (`get("http://...")`).
    RemoteIfUrl,
    /// Decodes data.
    Decode,
    /// Decodes data when one argument is one of these format names (`Buffer.from(x, 'base64')`).
    DecodeIf(&'static [&'static str]),
    /// Duplicates file descriptors (`os.dup2`, `$stdin.reopen`).
    Dup,
    /// Reads one variable (`"HOME"` evaluates to `~`); without arguments, the whole environment.
    Getenv,
    /// Evaluates to the home directory `~`.
    Home,
    /// Joins its arguments as a path.
    Join,
    /// Evaluates to argument 0 (`expanduser`, `expand_path`, `realpath`).
    Identity,
    /// Method joining its arguments onto the receiver (`joinpath`).
    RecvJoin,
    /// Method evaluating to its receiver (`.expanduser()`, `.resolve()`).
    RecvIdentity,
    /// PHP `include`/`require`: a URL is remote code, else a read.
    Include,
}

/// Which calls may omit parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParenLess {
    /// None (Python).
    No,
    /// Every table function (Perl, Ruby, AppleScript).
    All,
    /// A function followed by a string literal (JavaScript tagged templates).
    StrOnly,
    /// Only these names (PHP `include`).
    Only(&'static [&'static str]),
}

/// A language's tables.
pub(super) struct Spec {
    /// Function name → effect. Names starting with `.` are methods of any receiver.
    pub(super) effects: &'static [(&'static str, Effect)],
    /// String concatenation operators.
    pub(super) concat: &'static [&'static str],
    /// `/` joins paths (pathlib).
    pub(super) path_div: bool,
    /// Which calls may omit parentheses.
    pub(super) paren_less: ParenLess,
    /// `x.m` after `)`, `]` or a string is a method call (else `->` is: Perl, PHP).
    pub(super) dot_methods: bool,
    /// Functions returning a module by name (`__import__('os')`, `require('fs')`), and whether
    /// only the top package is returned.
    pub(super) module_fns: &'static [(&'static str, bool)],
    /// Environment objects indexed by name (`os.environ['HOME']` is `~`).
    pub(super) env_objects: &'static [&'static str],
    /// Whether the identifier at the index reads the environment wholesale.
    pub(super) env_dump: fn(&[Tok], usize) -> bool,
    /// Language-specific aliases (Python imports), applied before the pass.
    pub(super) aliases: fn(&[Tok]) -> Aliases,
}

/// Names bound to other names, and modules imported wholesale.
#[derive(Debug, Default)]
pub(super) struct Aliases {
    /// Local name → full name (`o` → `os`, `system` → `os.system`).
    pub(super) names: HashMap<String, String>,
    /// Modules whose names are all imported (`from os import *`).
    pub(super) star: Vec<String>,
}

/// No language-specific aliases.
pub(super) fn no_aliases(_: &[Tok]) -> Aliases {
    Aliases::default()
}

/// Flags of a token range.
const REMOTE: u8 = 1;
/// The range decodes data.
const DECODE: u8 = 2;
/// The range holds a URL literal.
const URL: u8 = 4;

/// A static value of an argument.
enum Val {
    /// A string.
    Str(String),
    /// A list of strings; `true` when some items were not static.
    List(Vec<String>, bool),
    /// Not static.
    Dyn,
}

/// One argument: an optional keyword and its token range.
#[derive(Clone, Copy)]
struct Arg {
    /// Index of the keyword's name (`mode` in `mode='w'`), if any.
    key: Option<usize>,
    /// First token of the value.
    lo: usize,
    /// One past the last token of the value.
    hi: usize,
}

/// Which list of [`Findings`] a path goes to.
#[derive(Clone, Copy)]
enum List {
    /// [`Findings::reads`].
    Reads,
    /// [`Findings::writes`].
    Writes,
    /// [`Findings::deletes`].
    Deletes,
    /// [`Findings::recursive_deletes`].
    Rmrf,
    /// [`Findings::chmods`].
    Chmods,
}

/// State of one analysis.
struct Run<'a> {
    /// The normalized tokens.
    t: Vec<Tok>,
    /// For an opening bracket, the index of its closer (or `t.len()`).
    close: Vec<usize>,
    /// For a closing bracket, the index of its opener (or `usize::MAX`).
    open: Vec<usize>,
    /// The language's tables.
    spec: &'a Spec,
    /// The effect table as a map.
    table: HashMap<&'static str, Effect>,
    /// The effect of each identifier token, looked up once.
    effects: Vec<Option<Effect>>,
    /// Import aliases (also used for star imports).
    aliases: Aliases,
    /// Names assigned a static string once (`None`: assigned again or not static).
    vars: HashMap<String, Option<String>>,
    /// Names holding fetched ([`REMOTE`]) or decoded ([`DECODE`]) content.
    taint: HashMap<String, u8>,
    /// What was found so far.
    f: Findings,
    /// Some remote fetch happened somewhere.
    remote_seen: bool,
    /// Some decoding happened somewhere.
    decode_seen: bool,
    /// A raw socket or connection was opened.
    raw_socket: bool,
    /// A command run starts with a shell.
    spawns_shell: bool,
    /// File descriptors were duplicated.
    dup: bool,
    /// Code of unknown origin was executed (decided in [`Run::finish`]).
    pending_exec: bool,
}

/// Analyzes `toks` with `spec`.
pub(super) fn run(toks: Vec<Tok>, spec: &Spec) -> Findings {
    let aliases = (spec.aliases)(&toks);
    let t = normalize(toks, spec, &aliases);
    let (open, close) = brackets(&t);
    let mut r = Run {
        t,
        close,
        open,
        spec,
        table: spec.effects.iter().copied().collect(),
        effects: Vec::new(),
        aliases,
        vars: HashMap::new(),
        taint: HashMap::new(),
        f: Findings::default(),
        remote_seen: false,
        decode_seen: false,
        raw_socket: false,
        spawns_shell: false,
        dup: false,
        pending_exec: false,
    };
    r.effects =
        r.t.iter()
            .map(|tok| match tok {
                Tok::Ident(name) => r.lookup(name),
                _ => None,
            })
            .collect();
    r.pass();
    r.finish()
}

/// Resolves aliases, merges module lookups (`__import__('os').system` → `os.system`) and
/// method calls (`).read_text` → `.read_text`; Perl/PHP `A->b` → `A.b`).
fn normalize(toks: Vec<Tok>, spec: &Spec, aliases: &Aliases) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let tok = &toks[i];
        if let Tok::Ident(name) = tok {
            // module('name') → name, module('name').rest → name.rest
            if let Some(&(_, top)) = spec.module_fns.iter().find(|(m, _)| m == name) {
                if let (Some(Tok::Op(a)), Some(Tok::Str(m, StrKind::Plain)), Some(Tok::Op(b))) =
                    (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
                {
                    if a == "(" && b == ")" {
                        let m = m.strip_prefix("node:").unwrap_or(m);
                        let m = if top {
                            m.split('.').next().unwrap_or(m)
                        } else {
                            m
                        };
                        let dot = if spec.dot_methods { "." } else { "->" };
                        if let (Some(Tok::Op(d)), Some(Tok::Ident(rest))) =
                            (toks.get(i + 4), toks.get(i + 5))
                        {
                            if d == dot {
                                out.push(Tok::Ident(format!("{m}.{rest}")));
                                i += 6;
                                continue;
                            }
                        }
                        out.push(Tok::Ident(m.to_owned()));
                        i += 4;
                        continue;
                    }
                }
            }
            let resolved = resolve(name, aliases);
            // Perl/PHP `A->b`.
            if !spec.dot_methods {
                if let (Some(Tok::Op(arrow)), Some(Tok::Ident(m))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    if arrow == "->" {
                        out.push(Tok::Ident(format!("{resolved}.{m}")));
                        i += 3;
                        continue;
                    }
                }
            }
            out.push(Tok::Ident(resolved));
            i += 1;
            continue;
        }
        if let Tok::Op(o) = tok {
            let after_value = matches!(out.last(), Some(Tok::Str(..)))
                || matches!(out.last(), Some(Tok::Op(p)) if matches!(p.as_str(), ")" | "]"));
            let method = if spec.dot_methods {
                o == "."
            } else {
                o == "->"
            };
            if method && after_value {
                if let Some(Tok::Ident(m)) = toks.get(i + 1) {
                    out.push(Tok::Ident(format!(".{m}")));
                    i += 2;
                    continue;
                }
            }
        }
        out.push(tok.clone());
        i += 1;
    }
    out
}

/// `name` with its first segment replaced by its alias.
fn resolve(name: &str, aliases: &Aliases) -> String {
    if aliases.names.is_empty() {
        return name.to_owned();
    }
    let (head, rest) = match name.find('.') {
        Some(k) if k > 0 => name.split_at(k),
        _ => (name, ""),
    };
    match aliases.names.get(head) {
        Some(full) => format!("{full}{rest}"),
        None => name.to_owned(),
    }
}

/// Matching brackets: `(open, close)` index maps.
fn brackets(t: &[Tok]) -> (Vec<usize>, Vec<usize>) {
    let n = t.len();
    let mut open = vec![usize::MAX; n];
    let mut close: Vec<usize> = (0..n).collect();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        let Tok::Op(o) = tok else { continue };
        match o.as_str() {
            "(" | "[" | "{" => {
                close[i] = n;
                stack.push((o.as_bytes()[0], i));
            }
            ")" | "]" | "}" => {
                let want = match o.as_str() {
                    ")" => b'(',
                    "]" => b'[',
                    _ => b'{',
                };
                if stack.last().is_some_and(|&(c, _)| c == want) {
                    if let Some((_, k)) = stack.pop() {
                        close[k] = i;
                        open[i] = k;
                    }
                }
            }
            _ => {}
        }
    }
    (open, close)
}

/// Whether `tok` is the operator `op`.
fn is_op(tok: Option<&Tok>, op: &str) -> bool {
    matches!(tok, Some(Tok::Op(o)) if o == op)
}

/// Compound assignments: the name no longer holds one static value.
const COMPOUND: &[&str] = &[
    "+=", ".=", "-=", "*=", "/=", "||=", "&&=", "??=", "//=", "x=", "|=", "&=",
];

/// Words ending a statement for calls without parentheses.
const STMT_WORDS: &[&str] = &[
    "or", "and", "if", "unless", "while", "until", "then", "do", "for", "foreach", "rescue",
    "with", "without", "given",
];

/// Whether `s` is a URL with a scheme in [`URL_SCHEMES`].
fn is_url(s: &str) -> bool {
    URL_SCHEMES
        .iter()
        .any(|p| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
}

/// Whether `cmd` starts with a program that prints what it downloads.
fn starts_download(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    matches!(
        base,
        "curl" | "wget" | "wget2" | "http" | "https" | "xh" | "fetch"
    )
}

/// Whether `cmd` starts with a shell program.
fn starts_shell(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    SHELLS.contains(&base)
}

/// Pushes `v` onto `list` unless present or full.
fn push(list: &mut Vec<String>, v: &str) {
    if list.len() < MAX_LIST && !list.iter().any(|x| x == v) {
        list.push(v.to_owned());
    }
}

/// `base` joined with `part` like `os.path.join`: an absolute part replaces the base.
fn join(base: &str, part: &str) -> String {
    if part.starts_with('/') || base.is_empty() {
        part.to_owned()
    } else if base.ends_with('/') {
        format!("{base}{part}")
    } else {
        format!("{base}/{part}")
    }
}

/// Items joined into one command, items with spaces (or empty) single-quoted.
fn join_argv(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            if s.is_empty() || s.contains(char::is_whitespace) {
                format!("'{}'", s.replace('\'', "'\\''"))
            } else {
                s.clone()
            }
        })
        .collect();
    quoted.join(" ")
}

impl Run<'_> {
    /// The effect of function `name`: exact, by method (`.m`), or from a star import.
    fn lookup(&self, name: &str) -> Option<Effect> {
        let find = |n: &str| self.table.get(n).copied();
        if let Some(e) = find(name) {
            return Some(e);
        }
        if let Some(k) = name.rfind('.').filter(|&k| k > 0) {
            if let Some(e) = find(&name[k..]) {
                return Some(e);
            }
        }
        if !name.contains('.') {
            for m in &self.aliases.star {
                if let Some(e) = find(&format!("{m}.{name}")) {
                    return Some(e);
                }
            }
        }
        None
    }

    /// The main pass.
    fn pass(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            match &self.t[i] {
                Tok::Str(s, kind) => {
                    let (s, kind) = (s.clone(), *kind);
                    self.urls(&s, kind);
                    match kind {
                        StrKind::Shell => {
                            self.spawns_shell |= starts_shell(&s);
                            push(&mut self.f.shell_commands, &s);
                        }
                        StrKind::ShellInterp => self.f.dynamic = true,
                        _ => {}
                    }
                }
                Tok::Ident(name) => {
                    let name = name.clone();
                    if (self.spec.env_dump)(&self.t, i) {
                        self.behavior(Behavior::EnvDump);
                    }
                    // `eval` handed on as a value (`.then(eval)`, `map(exec, …)`) runs
                    // whatever it is given: fetched or decoded data decide below.
                    let call = matches!(self.t.get(i + 1), Some(Tok::Op(o)) if o == "(");
                    let member = i > 0
                        && matches!(self.t.get(i - 1), Some(Tok::Op(o)) if o == "." || o == "->");
                    if !call && !member && matches!(name.as_str(), "eval" | "exec") {
                        self.pending_exec = true;
                    }
                    match self.t.get(i + 1) {
                        Some(Tok::Op(o)) if o == "=" => self.assign(&name, i + 2),
                        Some(Tok::Op(o)) if COMPOUND.contains(&o.as_str()) => {
                            self.assign(&name, i + 2);
                            self.vars.insert(name.clone(), None);
                        }
                        _ => {}
                    }
                    if let Some(effect) = self.effects[i] {
                        self.call(i, &name, effect);
                    }
                }
                _ => {}
            }
        }
    }

    /// Records `name = <expression at start>`.
    fn assign(&mut self, name: &str, start: usize) {
        let end = self.stmt_end(start, true);
        let value = self.eval(start, end, 0);
        let flags = self.flags(start, end);
        let taint = (flags & (REMOTE | DECODE))
            | if flags & URL != 0 && end - start > 1 {
                REMOTE
            } else {
                0
            };
        if taint != 0 {
            *self.taint.entry(name.to_owned()).or_insert(0) |= taint;
        }
        match self.vars.get_mut(name) {
            Some(v) => *v = None,
            None => {
                self.vars.insert(name.to_owned(), value);
            }
        }
    }

    /// End of the statement or argument starting at `start`: `;`, a closer, `}` (or a
    /// top-level `,` when `comma`), a statement word, or [`SCAN`] tokens.
    fn stmt_end(&self, start: usize, comma: bool) -> usize {
        let n = self.t.len();
        let mut j = start;
        let limit = start.saturating_add(SCAN).min(n);
        while j < limit {
            match &self.t[j] {
                Tok::Op(o) => match o.as_str() {
                    "(" | "[" | "{" => {
                        j = self.close[j].saturating_add(1);
                        continue;
                    }
                    ";" | ")" | "]" | "}" | "||" | "&&" => return j,
                    "," if comma => return j,
                    _ => {}
                },
                Tok::Ident(w) if j > start && STMT_WORDS.contains(&w.as_str()) => return j,
                _ => {}
            }
            j += 1;
        }
        j.min(n)
    }

    /// Arguments between the bracket at `open` and its closer.
    fn args_in(&self, open: usize) -> Vec<Arg> {
        let end = self.close[open].min(self.t.len());
        self.split(open + 1, end)
    }

    /// Splits `lo..hi` at top-level commas.
    fn split(&self, lo: usize, hi: usize) -> Vec<Arg> {
        let mut out = Vec::new();
        let mut start = lo;
        let mut j = lo;
        while j < hi && out.len() < MAX_ARGS {
            if let Tok::Op(o) = &self.t[j] {
                match o.as_str() {
                    "(" | "[" | "{" => {
                        j = self.close[j].saturating_add(1);
                        continue;
                    }
                    "," => {
                        out.push(self.arg(start, j));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            j += 1;
        }
        if start < hi.min(self.t.len()) && out.len() < MAX_ARGS {
            out.push(self.arg(start, hi.min(self.t.len())));
        }
        out
    }

    /// One argument, its keyword (`mode='w'`, Perl `my`) split off.
    fn arg(&self, mut lo: usize, hi: usize) -> Arg {
        let mut key = None;
        if hi > lo + 1 {
            if let Tok::Ident(w) = &self.t[lo] {
                if is_op(self.t.get(lo + 1), "=") && hi > lo + 2 {
                    key = Some(lo);
                    lo += 2;
                } else if matches!(w.as_str(), "my" | "our" | "local") {
                    lo += 1;
                }
            }
        }
        Arg { key, lo, hi }
    }

    /// Positional arguments, then the keyword argument named `key` if given.
    fn pick<'b>(&self, args: &'b [Arg], n: u8, key: &[&str]) -> Option<&'b Arg> {
        args.iter()
            .find(|a| {
                a.key.is_some_and(
                    |k| matches!(&self.t[k], Tok::Ident(w) if key.contains(&w.as_str())),
                )
            })
            .or_else(|| args.iter().filter(|a| a.key.is_none()).nth(n as usize))
    }

    /// Handles the call of `name` at `i`.
    fn call(&mut self, i: usize, name: &str, effect: Effect) {
        let next = self.t.get(i + 1);
        let args = if is_op(next, "(") {
            self.args_in(i + 1)
        } else {
            let allowed = match self.spec.paren_less {
                ParenLess::No => false,
                ParenLess::All => true,
                ParenLess::StrOnly => matches!(next, Some(Tok::Str(..))),
                ParenLess::Only(names) => names.contains(&name),
            };
            let starts_expr = match next {
                Some(Tok::Str(..) | Tok::Num(_)) => true,
                Some(Tok::Ident(w)) => !STMT_WORDS.contains(&w.as_str()) && !w.starts_with('.'),
                Some(Tok::Op(o)) => matches!(o.as_str(), "[" | "\\"),
                None => false,
            };
            if allowed && starts_expr && !is_op(self.t.get(i + 2), "=") {
                let end = self.stmt_end(i + 1, false);
                self.split(i + 1, end)
            } else if matches!(
                effect,
                Effect::Socket | Effect::Remote | Effect::Decode | Effect::Dup
            ) && !name.starts_with('.')
            {
                // Named without a call (`TCPSocket`, a fetch function passed around).
                Vec::new()
            } else {
                return;
            }
        };
        let recv = |r: &Self| r.receiver(i, name);
        match effect {
            Effect::Read(n) => self.path_arg(List::Reads, self.pick(&args, n, &[]).copied(), true),
            Effect::Write(n) => {
                self.path_arg(List::Writes, self.pick(&args, n, &[]).copied(), false)
            }
            Effect::Delete(n) => {
                self.path_arg(List::Deletes, self.pick(&args, n, &[]).copied(), false)
            }
            Effect::Rmrf(n) => self.path_arg(List::Rmrf, self.pick(&args, n, &[]).copied(), false),
            Effect::Chmod(n) => {
                self.path_arg(List::Chmods, self.pick(&args, n, &[]).copied(), false)
            }
            Effect::DeleteAll | Effect::RmrfAll | Effect::ChmodFrom(_) => {
                let (list, from) = match effect {
                    Effect::DeleteAll => (List::Deletes, 0),
                    Effect::RmrfAll => (List::Rmrf, 0),
                    Effect::ChmodFrom(k) => (List::Chmods, k as usize),
                    _ => return,
                };
                let positional: Vec<Arg> =
                    args.iter().filter(|a| a.key.is_none()).copied().collect();
                for a in positional.into_iter().skip(from) {
                    if matches!(self.t.get(a.lo), Some(Tok::Op(o)) if o == "{") {
                        continue; // options hash
                    }
                    self.path_arg(list, Some(a), false);
                }
            }
            Effect::RmOpt(n) => {
                let recursive = args.iter().any(|a| self.says_recursive(a.lo, a.hi));
                let list = if recursive { List::Rmrf } else { List::Deletes };
                self.path_arg(list, self.pick(&args, n, &[]).copied(), false);
            }
            Effect::Open { path, mode } => {
                let m = self.pick(&args, mode, &["mode", "flags"]).copied();
                self.open_mode(self.pick(&args, path, &["file", "path"]).copied(), m);
            }
            Effect::FlagsOpen(n) => {
                let write = args.iter().any(|a| self.has_write_flag(a.lo, a.hi));
                let list = if write { List::Writes } else { List::Reads };
                self.path_arg(list, self.pick(&args, n, &[]).copied(), false);
            }
            Effect::PerlOpen => self.perl_open(&args),
            Effect::RubyOpen => {
                let first = self.pick(&args, 0, &[]).copied();
                if let Some(a) = first {
                    if let Val::Str(s) = self.value(a) {
                        if let Some(cmd) = s.strip_prefix('|') {
                            self.shell_str(cmd.trim());
                            return;
                        }
                    }
                }
                self.open_mode(first, self.pick(&args, 1, &[]).copied());
            }
            Effect::Copy | Effect::Move => {
                let src = if effect == Effect::Copy {
                    List::Reads
                } else {
                    List::Deletes
                };
                self.path_arg(src, self.pick(&args, 0, &["src"]).copied(), false);
                self.path_arg(List::Writes, self.pick(&args, 1, &["dst"]).copied(), false);
            }
            Effect::RecvRead | Effect::RecvWrite | Effect::RecvDelete | Effect::RecvChmod => {
                let list = match effect {
                    Effect::RecvRead => List::Reads,
                    Effect::RecvWrite => List::Writes,
                    Effect::RecvChmod => List::Chmods,
                    _ if args.iter().any(|a| self.says_recursive(a.lo, a.hi)) => List::Rmrf,
                    _ => List::Deletes,
                };
                if let Some(v) = recv(self) {
                    match v {
                        Some(p) => self.push_path(list, &p),
                        None => self.f.dynamic = true,
                    }
                }
            }
            Effect::RecvOpen => {
                if let Some(v) = recv(self) {
                    match v {
                        Some(p) => {
                            let write = self.pick(&args, 0, &["mode"]).is_some_and(
                                |a| matches!(self.value(*a), Val::Str(m) if is_write_mode(&m)),
                            );
                            self.push_path(if write { List::Writes } else { List::Reads }, &p);
                        }
                        None => self.f.dynamic = true,
                    }
                }
            }
            Effect::Shell | Effect::Argv => {
                let lo = args.first().map_or(i, |a| a.lo);
                let hi = args.last().map_or(i, |a| a.hi);
                self.command_flags(lo, hi);
                let positional: Vec<Arg> =
                    args.iter().filter(|a| a.key.is_none()).copied().collect();
                let take = if effect == Effect::Shell {
                    1
                } else {
                    positional.len()
                };
                let mut items: Vec<String> = Vec::new();
                for a in positional.iter().take(take) {
                    if matches!(self.t.get(a.lo), Some(Tok::Op(o)) if o == "{") {
                        break; // options object
                    }
                    match self.value(*a) {
                        Val::Str(s) if effect == Effect::Shell => {
                            self.shell_str(&s);
                            return;
                        }
                        Val::Str(s) => items.push(s),
                        Val::List(l, dynamic) => {
                            items.extend(l);
                            if dynamic {
                                self.f.dynamic = true;
                                break;
                            }
                        }
                        Val::Dyn => {
                            self.f.dynamic = true;
                            break;
                        }
                    }
                }
                let single =
                    positional.len() == 1 && matches!(self.value(positional[0]), Val::Str(_));
                if single {
                    // One string: run through the shell as written.
                    let cmd = items.concat();
                    self.shell_str(&cmd);
                } else if !items.is_empty() {
                    let cmd = join_argv(&items);
                    self.shell_str(&cmd);
                }
            }
            Effect::Exec => {
                let Some(a) = self.pick(&args, 0, &[]).copied() else {
                    return;
                };
                let flags = self.flags(a.lo, a.hi);
                if flags & DECODE != 0 {
                    self.behavior(Behavior::ExecDecoded);
                }
                if flags & (REMOTE | URL) != 0 {
                    self.behavior(Behavior::ExecRemote);
                }
                if flags & (REMOTE | URL | DECODE) == 0 && matches!(self.value(a), Val::Dyn) {
                    self.pending_exec = true;
                }
            }
            Effect::Socket => {
                self.raw_socket = true;
                self.behavior(Behavior::Socket);
            }
            Effect::Connect | Effect::ConnectPort => {
                let lo = args.first().map_or(i, |a| a.lo);
                let hi = args.last().map_or(i, |a| a.hi);
                let (host, port) = self.host_port(lo, hi);
                if effect == Effect::ConnectPort && (host.is_none() || port.is_none()) {
                    return;
                }
                self.raw_socket = true;
                self.behavior(Behavior::Socket);
                if let Some(h) = host {
                    let h = if h.contains(':') && !h.starts_with('[') && port.is_some() {
                        format!("[{h}]")
                    } else {
                        h
                    };
                    let url = match port {
                        Some(p) => format!("tcp://{h}:{p}"),
                        None => format!("tcp://{h}"),
                    };
                    push(&mut self.f.urls, &url);
                }
            }
            Effect::Remote => {
                self.remote_seen = true;
                self.behavior(Behavior::Socket);
            }
            Effect::RemoteIfUrl => {
                if let Some(a) = self.pick(&args, 0, &[]).copied() {
                    if matches!(self.value(a), Val::Str(s) if is_url(&s)) {
                        self.remote_seen = true;
                        self.behavior(Behavior::Socket);
                    }
                }
            }
            Effect::Decode => {
                self.decode_seen = true;
                self.behavior(Behavior::Decode);
            }
            Effect::DecodeIf(names) => {
                let hit = args
                    .iter()
                    .any(|a| matches!(self.value(*a), Val::Str(s) if names.contains(&s.as_str())));
                if hit {
                    self.decode_seen = true;
                    self.behavior(Behavior::Decode);
                }
            }
            Effect::Dup => self.dup = true,
            Effect::Getenv => {
                if args.is_empty() && is_op(next, "(") {
                    self.behavior(Behavior::EnvDump);
                }
            }
            Effect::Include => {
                if let Some(a) = self.pick(&args, 0, &[]).copied() {
                    match self.value(a) {
                        Val::Str(s) if is_url(&s) => {
                            self.remote_seen = true;
                            self.behavior(Behavior::Socket);
                            self.behavior(Behavior::ExecRemote);
                        }
                        Val::Str(s) => self.push_path(List::Reads, &s),
                        _ => self.f.dynamic = true,
                    }
                }
            }
            Effect::Home
            | Effect::Join
            | Effect::Identity
            | Effect::RecvJoin
            | Effect::RecvIdentity => {}
        }
    }

    /// Records a literal shell command.
    fn shell_str(&mut self, cmd: &str) {
        self.spawns_shell |= starts_shell(cmd);
        // Its output is fetched content when it downloads (`execSync('curl -s URL')`).
        if starts_download(cmd) {
            self.remote_seen = true;
        }
        push(&mut self.f.shell_commands, cmd);
    }

    /// Flags of a command's arguments: shells named, decoded or fetched content run.
    fn command_flags(&mut self, lo: usize, hi: usize) {
        for j in lo..hi.min(lo + FLAG_SCAN).min(self.t.len()) {
            if let Tok::Str(s, _) = &self.t[j] {
                if starts_shell(s) {
                    self.spawns_shell = true;
                }
            }
        }
        let flags = self.flags(lo, hi);
        if flags & DECODE != 0 {
            self.behavior(Behavior::ExecDecoded);
        }
        if flags & REMOTE != 0 {
            self.behavior(Behavior::ExecRemote);
        }
    }

    /// Whether `lo..hi` says `recursive: true` / `recursive=True` / `:recursive => true`.
    fn says_recursive(&self, lo: usize, hi: usize) -> bool {
        (lo..hi.min(lo + SCAN).min(self.t.len())).any(|j| {
            matches!(&self.t[j], Tok::Ident(w) if w == "recursive")
                && matches!(self.t.get(j + 2), Some(Tok::Ident(v)) if v.eq_ignore_ascii_case("true"))
        })
    }

    /// Whether `lo..hi` names a write flag (`O_WRONLY`, `O_CREAT`, ...).
    fn has_write_flag(&self, lo: usize, hi: usize) -> bool {
        (lo..hi.min(lo + SCAN).min(self.t.len())).any(|j| {
            matches!(&self.t[j], Tok::Ident(w) if ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"].iter().any(|f| w.ends_with(f)))
        })
    }

    /// Opens path argument `p` with mode argument `m`.
    fn open_mode(&mut self, p: Option<Arg>, m: Option<Arg>) {
        let write = match m.map(|a| self.value(a)) {
            Some(Val::Str(mode)) => is_write_mode(&mode),
            Some(_) => m.is_some_and(|a| self.has_write_flag(a.lo, a.hi)),
            None => false,
        };
        self.path_arg(if write { List::Writes } else { List::Reads }, p, !write);
    }

    /// Perl `open(FH, MODE, PATH)` / `open(FH, "MODE PATH")`.
    fn perl_open(&mut self, args: &[Arg]) {
        let (Some(mode_arg), rest) = (args.get(1).copied(), args.get(2..).unwrap_or(&[])) else {
            return;
        };
        let Val::Str(spec) = self.value(mode_arg) else {
            self.f.dynamic = true;
            return;
        };
        let (mode, inline_path) = if rest.is_empty() {
            let t = spec.trim();
            let m_len = t.len()
                - t.trim_start_matches(['<', '>', '+', '|', '&', '-', '='])
                    .len();
            if let Some(cmd) = t.strip_suffix('|') {
                ("-|".to_owned(), Some(cmd.trim().to_owned()))
            } else {
                (t[..m_len].to_owned(), Some(t[m_len..].trim().to_owned()))
            }
        } else {
            (spec.trim().to_owned(), None)
        };
        let mode = mode.trim();
        if mode.contains('&') {
            self.dup = true;
            return;
        }
        let path = match inline_path {
            Some(p) => Val::Str(p),
            None => match rest.first() {
                Some(_) if mode.contains('|') && rest.len() > 1 => {
                    // list form: open(F, "-|", "cmd", @args)
                    let mut items = Vec::new();
                    for a in rest {
                        match self.value(*a) {
                            Val::Str(s) => items.push(s),
                            Val::List(l, _) => items.extend(l),
                            Val::Dyn => break,
                        }
                    }
                    Val::Str(join_argv(&items))
                }
                Some(a) => self.value(*a),
                None => return,
            },
        };
        let Val::Str(path) = path else {
            self.f.dynamic = true;
            return;
        };
        if mode.contains('|') {
            let lo = rest.first().map_or(mode_arg.lo, |a| a.lo);
            self.command_flags(lo, rest.last().map_or(mode_arg.hi, |a| a.hi));
            self.shell_str(&path);
        } else if mode.contains('>') || mode.contains('+') {
            self.push_path(List::Writes, &path);
        } else if is_url(&path) {
            self.remote_seen = true;
        } else if !path.is_empty() && path != "-" {
            self.push_path(List::Reads, &path);
        }
    }

    /// Records the path in `a` (a URL fetched when `url_fetch`); not static → dynamic.
    fn path_arg(&mut self, list: List, a: Option<Arg>, url_fetch: bool) {
        let Some(a) = a else { return };
        match self.value(a) {
            Val::Str(s) if url_fetch && is_url(&s) => {
                self.remote_seen = true;
                self.behavior(Behavior::Socket);
            }
            Val::Str(s) => self.push_path(list, &s),
            Val::List(l, dynamic) => {
                for s in l {
                    self.push_path(list, &s);
                }
                self.f.dynamic |= dynamic;
            }
            Val::Dyn => self.f.dynamic = true,
        }
    }

    /// Pushes a path onto a list.
    fn push_path(&mut self, list: List, p: &str) {
        let l = match list {
            List::Reads => &mut self.f.reads,
            List::Writes => &mut self.f.writes,
            List::Deletes => &mut self.f.deletes,
            List::Rmrf => &mut self.f.recursive_deletes,
            List::Chmods => &mut self.f.chmods,
        };
        push(l, p);
    }

    /// Records a behavior once.
    fn behavior(&mut self, b: Behavior) {
        if !self.f.behaviors.contains(&b) {
            self.f.behaviors.push(b);
        }
    }

    /// Records the URLs in a string literal.
    fn urls(&mut self, s: &str, kind: StrKind) {
        let interp = matches!(kind, StrKind::Interp | StrKind::ShellInterp);
        let lower = s.to_ascii_lowercase();
        let mut from = 0;
        while from < lower.len() && self.f.urls.len() < MAX_LIST {
            let found = URL_SCHEMES
                .iter()
                .filter_map(|p| lower[from..].find(p).map(|k| (from + k, p.len())))
                .min();
            let Some((at, scheme_len)) = found else { break };
            let preceded = at > 0 && lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            let end = s[at..]
                .find(|c: char| {
                    c.is_whitespace()
                        || "\"'`<>|;\\^(){}".contains(c)
                        || (interp && (c == '$' || c == '#'))
                })
                .map_or(s.len(), |k| at + k);
            if !preceded && end > at + scheme_len {
                push(&mut self.f.urls, &s[at..end]);
            }
            from = end.max(at + scheme_len);
        }
    }

    /// Host and port among the tokens of `lo..hi`.
    fn host_port(&self, lo: usize, hi: usize) -> (Option<String>, Option<u16>) {
        let mut host = None;
        let mut port = None;
        for j in lo..hi.min(lo + 64).min(self.t.len()) {
            match &self.t[j] {
                Tok::Str(s, StrKind::Plain) if host.is_none() => {
                    let s = s.split_once("://").map_or(s.as_str(), |(_, h)| h);
                    let ok = !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".-:_[]".contains(c))
                        && (s.contains('.') || s.contains(':') || s == "localhost");
                    if ok {
                        // `host:port` in one string.
                        if let Some((h, p)) = s.rsplit_once(':').filter(|(h, _)| !h.contains(':')) {
                            if let Ok(p) = p.parse::<u16>() {
                                port = port.or(Some(p));
                                host = Some(h.to_owned());
                                continue;
                            }
                        }
                        host = Some(s.to_owned());
                    }
                }
                Tok::Num(num) if port.is_none() => {
                    port = num.parse::<u16>().ok().filter(|&p| p > 0);
                }
                Tok::Str(s, StrKind::Plain) if port.is_none() && host.is_some() => {
                    port = s.parse::<u16>().ok().filter(|&p| p > 0);
                }
                _ => {}
            }
        }
        (host, port)
    }

    /// Flags of `lo..hi`: remote fetches, decoding, URL literals, tainted names.
    fn flags(&self, lo: usize, hi: usize) -> u8 {
        let mut f = 0;
        let hi = hi.min(lo + FLAG_SCAN).min(self.t.len());
        let strs = |names: &[&str]| {
            (lo..hi).any(|k| matches!(&self.t[k], Tok::Str(s, _) if names.contains(&s.as_str())))
        };
        for j in lo..hi {
            match &self.t[j] {
                Tok::Ident(name) => {
                    match self.effects[j] {
                        Some(Effect::Remote) => f |= REMOTE,
                        Some(Effect::Decode) => f |= DECODE,
                        Some(Effect::DecodeIf(names)) if strs(names) => f |= DECODE,
                        _ => {}
                    }
                    if !self.taint.is_empty() {
                        let head = name.split(['.', '[']).next().unwrap_or(name);
                        f |= self.taint.get(head).copied().unwrap_or(0);
                    }
                }
                Tok::Str(s, _) if is_url(s) => f |= URL,
                _ => {}
            }
        }
        f
    }

    /// The static value of argument `a`.
    fn value(&self, a: Arg) -> Val {
        let (lo, hi) = (a.lo, a.hi.min(self.t.len()));
        if lo >= hi {
            return Val::Dyn;
        }
        match &self.t[lo] {
            Tok::Str(s, StrKind::Words) if hi == lo + 1 => {
                return Val::List(s.split_whitespace().map(str::to_owned).collect(), false)
            }
            Tok::Op(o) if (o == "[" || o == "(") && self.close[lo] == hi - 1 => {
                let inner = self.split(lo + 1, hi - 1);
                let tuple = o == "[" || inner.len() > 1 || is_op(self.t.get(hi - 2), ",");
                if tuple {
                    let mut items = Vec::new();
                    let mut dynamic = false;
                    for x in inner {
                        match self.value(Arg { key: None, ..x }) {
                            Val::Str(s) => items.push(s),
                            Val::List(l, d) => {
                                items.extend(l);
                                dynamic |= d;
                            }
                            Val::Dyn => dynamic = true,
                        }
                    }
                    return Val::List(items, dynamic);
                }
            }
            _ => {}
        }
        self.eval(lo, hi, 0).map_or(Val::Dyn, Val::Str)
    }

    /// The static string `lo..hi` evaluates to: literals, names assigned literals, `+`/`.`
    /// concatenation, path joins and home-directory expressions.
    fn eval(&self, lo: usize, hi: usize, depth: u8) -> Option<String> {
        if lo >= hi || hi - lo > SCAN / 2 || depth > MAX_EVAL_DEPTH {
            return None;
        }
        let (mut acc, mut j) = self.term(lo, hi, depth)?;
        while j < hi {
            let Tok::Op(op) = &self.t[j] else { return None };
            let (v, next) = self.term(j + 1, hi, depth)?;
            if self.spec.concat.contains(&op.as_str()) {
                acc.push_str(&v);
            } else if op == "/" && self.spec.path_div {
                acc = join(&acc, &v);
            } else {
                return None;
            }
            j = next;
        }
        Some(acc)
    }

    /// One operand of [`Run::eval`] with its method suffixes: the value and the next index.
    fn term(&self, lo: usize, hi: usize, depth: u8) -> Option<(String, usize)> {
        if lo >= hi {
            return None;
        }
        let (mut v, mut j) = match &self.t[lo] {
            Tok::Str(s, StrKind::Plain | StrKind::Template) => (s.clone(), lo + 1),
            Tok::Op(o) if o == "(" => {
                let c = self.close[lo];
                (self.eval(lo + 1, c.min(hi), depth + 1)?, c + 1)
            }
            Tok::Ident(name) => self.ident_value(name, lo, hi, depth)?,
            _ => return None,
        };
        // Methods keeping or extending the path: `.expanduser()`, `.joinpath('x')`.
        while j < hi {
            let Tok::Ident(m) = &self.t[j] else { break };
            let effect = if m.starts_with('.') {
                self.lookup(m)
            } else {
                None
            };
            let has_call = is_op(self.t.get(j + 1), "(");
            let end = if has_call {
                self.close[j + 1] + 1
            } else {
                j + 1
            };
            match effect {
                Some(Effect::RecvIdentity) => {}
                Some(Effect::RecvJoin) if has_call => {
                    for a in self.args_in(j + 1) {
                        v = join(&v, &self.eval(a.lo, a.hi, depth + 1)?);
                    }
                }
                _ => return None,
            }
            j = end;
        }
        Some((v, j))
    }

    /// The value of a name at `lo`: a variable, a home or environment lookup, a path call.
    fn ident_value(&self, name: &str, lo: usize, hi: usize, depth: u8) -> Option<(String, usize)> {
        if let Some(v) = self.vars.get(name) {
            return v.clone().map(|v| (v, lo + 1));
        }
        let envs = self.spec.env_objects;
        if let Some((obj, var)) = name.rsplit_once('.') {
            if envs.contains(&obj) && var == "HOME" {
                return Some(("~".into(), lo + 1));
            }
        }
        if envs.contains(&name) {
            // ENV['HOME'], $ENV{HOME}, $_SERVER['HOME']
            let inner = self.t.get(lo + 2);
            let key = match inner {
                Some(Tok::Str(s, StrKind::Plain)) => Some(s.as_str()),
                Some(Tok::Ident(s)) => Some(s.as_str()),
                _ => None,
            };
            let open_ok = matches!(self.t.get(lo + 1), Some(Tok::Op(o)) if o == "[" || o == "{");
            if open_ok && key == Some("HOME") && self.close[lo + 1] == lo + 3 {
                return Some(("~".into(), lo + 4));
            }
            return None;
        }
        let effect = self.lookup(name)?;
        let call = is_op(self.t.get(lo + 1), "(");
        let end = if call {
            self.close[lo + 1].saturating_add(1)
        } else {
            lo + 1
        };
        if end > hi {
            return None;
        }
        let args = if call {
            self.args_in(lo + 1)
        } else {
            Vec::new()
        };
        let positional: Vec<&Arg> = args.iter().filter(|a| a.key.is_none()).collect();
        let v = match effect {
            Effect::Home => "~".to_owned(),
            Effect::Getenv => {
                let a = positional.first()?;
                match self.eval(a.lo, a.hi, depth + 1)?.as_str() {
                    "HOME" => "~".to_owned(),
                    _ => return None,
                }
            }
            Effect::Identity => {
                let a = positional.first()?;
                self.eval(a.lo, a.hi, depth + 1)?
            }
            Effect::Join => {
                let mut acc = String::new();
                for a in &positional {
                    acc = join(&acc, &self.eval(a.lo, a.hi, depth + 1)?);
                }
                acc
            }
            _ => return None,
        };
        Some((v, end))
    }

    /// The receiver of method `name` at `i`: `None` when it has none (not a path method
    /// call), `Some(None)` when it is not static.
    fn receiver(&self, i: usize, name: &str) -> Option<Option<String>> {
        if !name.starts_with('.') {
            // `p.read_text` with `p` a variable.
            let (head, _) = name.rsplit_once('.')?;
            return self.vars.get(head).cloned();
        }
        let end = i;
        let mut j = i.checked_sub(1)?;
        for _ in 0..16 {
            match &self.t[j] {
                Tok::Op(o) if o == ")" || o == "]" => {
                    let o = self.open[j];
                    if o == usize::MAX {
                        return None;
                    }
                    j = o;
                    let Some(k) = o.checked_sub(1) else { break };
                    match &self.t[k] {
                        Tok::Ident(m) if m.starts_with('.') => j = k.checked_sub(1)?,
                        Tok::Ident(_) => {
                            j = k;
                            break;
                        }
                        _ => break,
                    }
                }
                Tok::Str(..) | Tok::Ident(_) => break,
                _ => return None,
            }
        }
        let head_is_path = match &self.t[j] {
            Tok::Ident(h) => {
                matches!(
                    self.lookup(h),
                    Some(Effect::Join | Effect::Identity | Effect::Home)
                ) || self.vars.contains_key(h)
            }
            Tok::Str(..) => true,
            Tok::Op(_) => true,
            Tok::Num(_) => false,
        };
        if !head_is_path {
            return None;
        }
        Some(self.eval(j, end, 0))
    }

    /// Final behaviors.
    fn finish(mut self) -> Findings {
        if self.pending_exec {
            if self.remote_seen {
                self.behavior(Behavior::ExecRemote);
            }
            if self.decode_seen {
                self.behavior(Behavior::ExecDecoded);
            }
        }
        if self.raw_socket && (self.dup || self.spawns_shell) {
            self.behavior(Behavior::ReverseShell);
        }
        self.f
    }
}

/// Whether an `open` mode string writes (`w`, `a`, `x`, `+`, `>`).
fn is_write_mode(m: &str) -> bool {
    m.contains(['w', 'a', 'x', '+', '>'])
}
