//! The command mapper: one simple command (assignments, words, standard input) becomes
//! program records, with wrappers unwrapped, `-c` / `eval` strings analyzed in turn, and
//! interpreters fed by other commands flagged.
//!
//! An interpreter is flagged in `piped_interpreters` when its code comes from another command:
//! - its standard input is a pipe (`curl x | sh`, `| sudo bash`, `| env bash`, `| bash -s`,
//!   `| python3 -`) and it reads its code from there (no `-c` code and no script operand);
//! - its code is spliced from a substitution: `bash <(curl x)`, `sh -c "$(curl x)"`,
//!   `python3 -c "$(curl x)"`, `eval "$(curl x)"`, `source <(curl x)`, `. <(curl x)`;
//! - its standard input is another command's output: `bash < <(curl x)`,
//!   `bash <<< "$(curl x)"`, or a here-document with a substitution in it.
//!
//! Literal code given to a shell (`bash -c '...'`, `eval '...'`, `bash <<'EOF' ... EOF`,
//! `bash <<< '...'`, `env -S '...'`, `su -c '...'`) is analyzed like the command itself, one
//! level of `max_depth` deeper. xargs runs its command with arguments from its input, not with
//! its input, so `... | xargs sh` is not a pipe into `sh`.

use crate::analyzer::{Analyzer, Ctx, Stdin};
use crate::effects::{self, Access};
use crate::word::{Value, Word};
use crate::wrappers::Code;
use crate::{fallback, interpreters, paths, urls, wrappers};

/// Programs that send their standard input over the network (`nc host port < file`).
const STDIN_SENDERS: &[&str] = &[
    "nc", "ncat", "netcat", "socat", "telnet", "curl", "wget", "openssl", "ssh", "gh", "http", "xh",
];

/// Most bytes of written text kept per analysis.
const MAX_WRITTEN_TEXT: usize = 16 * 1024;

/// Programs that download files (their writes are downloads).
const DOWNLOADERS: &[&str] = &[
    "curl", "wget", "wget2", "http", "https", "xh", "aria2c", "fetch", "axel", "lftp", "git",
];

impl Analyzer<'_> {
    /// Maps one simple command: its words expanded as the shell would, assignments alone
    /// remembered for the rest of the command, prefix assignments (`X=1 cmd`) only for it.
    pub(crate) fn simple(
        &mut self,
        assignments: Vec<String>,
        words: Vec<Word>,
        stdin: Stdin,
        ctx: Ctx<'_>,
    ) {
        for assignment in &assignments {
            self.env(assignment);
        }
        let words = self.expand_words(words);
        let stdin = match (stdin, self.feed.take()) {
            (Stdin::Pipe, Some(text)) => Stdin::Fed(text),
            (stdin, _) => stdin,
        };
        if words.is_empty() {
            for assignment in &assignments {
                self.remember(assignment);
            }
            return;
        }
        let saved: Vec<(String, Option<Value>)> = assignments
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(name, _)| (name.to_owned(), self.vars.get(name).cloned()))
            .collect();
        for assignment in &assignments {
            self.remember(assignment);
        }
        let literal_input = stdin.literal();
        let before = self.out.programs.len();
        self.invocation(&words, stdin, ctx);
        self.record_written_text(before, literal_input);
        for (name, old) in saved {
            match old {
                Some(v) => {
                    self.vars.insert(name, v);
                }
                None => {
                    self.vars.remove(&name);
                }
            }
        }
    }

    /// Records the text a command writes into files when it is known (`echo x >> f`,
    /// `printf ... > f`, `cat > f <<EOF`, `... | tee -a f`): rules judge what it says.
    fn record_written_text(&mut self, before: usize, input: Option<String>) {
        let tee = self
            .out
            .programs
            .get(before..)
            .is_some_and(|p| p.iter().any(|p| p.name == "tee"));
        if self.redirect_writes.is_empty() && !tee {
            return;
        }
        let Some(text) = self.stage_output(before, input) else {
            return;
        };
        let room = MAX_WRITTEN_TEXT.saturating_sub(self.out.written_text.len());
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end < text.len() {
            self.out.limit_hit = true;
        }
        self.out.written_text.push_str(&text[..end]);
        if !self.out.written_text.ends_with('\n') && end > 0 {
            self.out.written_text.push('\n');
        }
    }

    /// Remembers `NAME=value` (`NAME+=value` makes it unknown): a value still holding a
    /// `$` or a backtick was not resolved.
    pub(crate) fn remember(&mut self, assignment: &str) {
        let Some((name, value)) = assignment.split_once('=') else {
            return;
        };
        if let Some(name) = name.strip_suffix('+') {
            self.set_var(name, Value::Unknown);
            return;
        }
        let value = if value.contains(['$', '`']) {
            Value::Unknown
        } else {
            Value::Known(value.to_owned())
        };
        self.set_var(name, value);
    }

    /// The file effects of one program: from the effect table, a program run by path, a
    /// directory change, a file sent on standard input to a network tool.
    fn program_effects(&mut self, name: &str, program: &Word, args: &[Word], stdin: &Stdin) {
        // `$'\x24'CMD` runs a program literally named `$CMD`: as unknowable as `$CMD`.
        if program.dynamic || program.text.contains('$') {
            crate::model::push_unique(&mut self.out.dynamic_programs, &program.text);
        } else if program.text.contains('/') {
            self.effect(Access::Exec, &program.text, Some(program), None);
        }
        match name {
            "cd" | "pushd" | "popd" => self.change_dir(name, args),
            _ => {}
        }
        self.env_access(name, args, stdin);
        self.install_sources(name, args);
        self.transfers(name, args);
        self.project_writes(name, args);
        self.stdin_upload(name, args, stdin);
        self.socket_shell(name, args);
        match name {
            "ln" => self.remember_link(args),
            "parallel" => self.parallel_commands(args),
            _ => {}
        }
        if let Stdin::File(file) = stdin {
            if STDIN_SENDERS.contains(&name) {
                let file = file.clone();
                self.effect(Access::Upload, &file, None, None);
            }
        }
        if DOWNLOADERS.contains(&name) {
            // `curl URL > x`: what a downloader's output is redirected to is a download too.
            let written: Vec<String> = self.redirect_writes.clone();
            self.downloads.extend(written);
        }
        let found = effects::of(name, args);
        for e in &found.list {
            let word = e.arg.and_then(|k| args.get(k));
            self.effect(e.access, &e.path, word, found.dir.as_deref());
            if e.access == Access::Write && DOWNLOADERS.contains(&name) {
                if let Some(path) = self.resolve(&e.path, found.dir.as_deref()) {
                    self.downloads.push(path);
                }
            }
        }
    }

    /// `cd DIR`, `cd` (home), `cd -` (unknown), `pushd DIR`, `popd`.
    fn change_dir(&mut self, name: &str, args: &[Word]) {
        let operand = args
            .iter()
            .find(|w| !w.text.starts_with('-') || w.text == "-");
        match name {
            "popd" => {
                if let Some(dir) = self.dir_stack.pop() {
                    self.cwd_unknown = dir.is_none() && (self.cwd.is_some() || self.cwd_unknown);
                    self.cwd = dir;
                }
                return;
            }
            "pushd" => self.dir_stack.push(self.cwd.clone()),
            _ => {}
        }
        let known_before = self.cwd.is_some();
        self.cwd = match operand {
            None => self.home.map(str::to_owned),
            Some(w) if w.dynamic || w.text == "-" => None,
            Some(w) => self.resolve(&w.text, None).filter(|p| p.starts_with('/')),
        };
        // Lost only when it was known: without a starting directory relative paths stay
        // relative, as before any `cd`.
        if known_before || self.cwd_unknown {
            self.cwd_unknown = self.cwd.is_none();
        }
    }

    /// Records the program `words` run, then the programs it wraps. Wrappers that run one
    /// command continue in the loop over the same words (each round only moves an index, and
    /// records one program against `max_programs`); those that run several (`find -exec`), or
    /// a re-split string (`env -S`), recurse one syntax level deeper, so nesting stays
    /// bounded. A wrapper's own options are scanned for URLs and hosts, the wrapped command's
    /// arguments when it is recorded in turn: every word is scanned once.
    fn invocation(&mut self, words: &[Word], stdin: Stdin, ctx: Ctx<'_>) {
        let overrides = self.cwd_overrides.len();
        self.invocation_steps(words, stdin, ctx);
        // `env -C DIR cmd` moved only its command.
        while self.cwd_overrides.len() > overrides {
            if let Some(cwd) = self.cwd_overrides.pop() {
                self.cwd = cwd;
            }
        }
    }

    /// The body of [`Self::invocation`].
    fn invocation_steps(&mut self, words: &[Word], stdin: Stdin, ctx: Ctx<'_>) {
        let mut stdin = stdin;
        let mut start = 0;
        let mut package = false;
        // Each round records one program and moves to the program it wraps, if any; the
        // index only grows, so this ends.
        while start < words.len() && !self.stopped {
            let path = words[start].text.as_str();
            let name = if package {
                paths::basename(wrappers::package_command(path))
            } else {
                paths::basename(path)
            }
            .to_owned();
            let args = &words[start + 1..];
            if name.is_empty() || !self.program(&name, path, args) {
                return;
            }
            self.program_effects(&name, &words[start], args, &stdin);
            let Some(unwrapped) = wrappers::unwrap(&name, args) else {
                self.scan_args(&name, args);
                self.code_sources(&name, args, &stdin, ctx);
                self.embedded(&name, args, ctx);
                return;
            };
            for assignment in &unwrapped.env {
                self.env(assignment);
            }
            if let Some(dir) = wrapper_dir(
                &name,
                &args[..unwrapped.command_at.unwrap_or(0).min(args.len())],
            ) {
                let resolved = self.resolve(&dir, None).filter(|d| d.starts_with('/'));
                self.cwd_overrides.push(self.cwd.clone());
                self.cwd = resolved;
            }
            if name == "xargs" {
                self.xargs_code(args, unwrapped.command_at, &stdin);
                // Literal input becomes arguments: `xargs rm -rf <<< /srv`.
                let literal = stdin.literal();
                stdin = Stdin::Inherited;
                if let (Some(text), Some(at)) = (literal, unwrapped.command_at) {
                    self.scan_args(&name, &args[..at.min(args.len())]);
                    if let Some(marker) = xargs_replace(&args[..at.min(args.len())]) {
                        self.xargs_replace(args.get(at..).unwrap_or_default(), &marker, &text, ctx);
                        return;
                    }
                    let mut command: Vec<Word> = args.get(at..).unwrap_or_default().to_vec();
                    let extra = text.len() + 1;
                    if self.work(extra) == extra {
                        command.extend(fallback::split_words(&text));
                    }
                    let Some(inner) = self.deeper(ctx) else {
                        return;
                    };
                    self.invocation(&command, Stdin::Inherited, inner);
                    return;
                }
            }
            if let Some(code) = unwrapped.code {
                self.scan_args(&name, args);
                self.wrapper_code(&name, args, code, ctx);
                return;
            }
            if !unwrapped.execs.is_empty() {
                // The runner's own arguments; each action's are scanned with its command.
                let mut from = 0;
                for exec in &unwrapped.execs {
                    self.scan_args(&name, args.get(from..exec.start).unwrap_or_default());
                    from = exec.end;
                }
                self.scan_args(&name, args.get(from..).unwrap_or_default());
                let Some(inner) = self.deeper(ctx) else {
                    return;
                };
                for exec in &unwrapped.execs {
                    let input = if exec.inherits_stdin {
                        stdin.clone()
                    } else {
                        Stdin::Inherited
                    };
                    if let Some(command) = args.get(exec.start..exec.end) {
                        self.invocation(command, input, inner);
                    }
                }
                return;
            }
            if let Some((split, rest)) = unwrapped.split {
                // `env -S 'bash -c x' y`: the string is split into words, followed by the
                // remaining arguments (copied: this draws on the work budget).
                self.scan_args(&name, args.get(..rest).unwrap_or_default());
                let Some(inner) = self.deeper(ctx) else {
                    return;
                };
                if self.work(split.len()) < split.len() {
                    return;
                }
                let mut split_words = fallback::split_words(&split);
                for word in args.get(rest..).unwrap_or_default() {
                    let len = word.text.len() + word.script.len() + 1;
                    if self.work(len) < len {
                        break;
                    }
                    split_words.push(word.clone());
                }
                self.invocation(&split_words, stdin, inner);
                return;
            }
            match unwrapped.command_at {
                Some(at) => {
                    self.scan_args(&name, &args[..at.min(args.len())]);
                    start += 1 + at;
                    package = unwrapped.package;
                }
                None => {
                    self.scan_args(&name, args);
                    return;
                }
            }
        }
    }

    /// Shell code a wrapper runs (`flock f -c CODE`, `watch 'a | b'`, `npx -c CODE`):
    /// analyzed one level deeper; spliced from a substitution, it counts as code from
    /// another command.
    fn wrapper_code(&mut self, name: &str, args: &[Word], code: Code, ctx: Ctx<'_>) {
        let (script, has_subst) = match code {
            Code::Arg(k) => match args.get(k) {
                Some(w) => (w.script.clone(), w.has_subst),
                None => return,
            },
            Code::Attached(k, skip) => match args.get(k) {
                Some(w) => (w.script.get(skip..).unwrap_or("").to_owned(), w.has_subst),
                None => return,
            },
            Code::Rest(k) => {
                let rest = args.get(k..).unwrap_or_default();
                let parts: Vec<&str> = rest.iter().map(|w| w.script.as_str()).collect();
                (parts.join(" "), rest.iter().any(|w| w.has_subst))
            }
        };
        if has_subst {
            self.piped_interpreter(name);
        }
        self.script(&script, ctx.depth + 1, ctx.nest, false);
    }

    /// Follows the code an interpreter, `eval`, `source` or `su -c` runs.
    fn code_sources(&mut self, name: &str, args: &[Word], stdin: &Stdin, ctx: Ctx<'_>) {
        let texts: Vec<String> = args.iter().map(|w| w.text.clone()).collect();
        match name {
            "eval" => {
                if args.iter().any(|w| w.has_subst) {
                    self.piped_interpreter(name);
                }
                let code: Vec<&str> = args.iter().map(|w| w.script.as_str()).collect();
                self.script(&code.join(" "), ctx.depth + 1, ctx.nest, false);
                return;
            }
            "source" | "." => {
                let from_command = args.first().is_some_and(|w| w.has_subst)
                    || (matches!(stdin, Stdin::Pipe | Stdin::Fed(_))
                        && args
                            .first()
                            .is_some_and(|w| matches!(w.text.as_str(), "/dev/stdin" | "-")));
                if from_command {
                    self.piped_interpreter(name);
                }
                return;
            }
            "su" | "runuser" => {
                if let Some(code) = su_command(args) {
                    if code.has_subst {
                        self.piped_interpreter(name);
                    }
                    self.script(&code.script, ctx.depth + 1, ctx.nest, false);
                }
                return;
            }
            _ => {}
        }
        if !interpreters::is_interpreter(name) {
            return;
        }
        if matches!(name, "pwsh" | "powershell" | "pwsh.exe" | "powershell.exe") {
            self.powershell_invocation(name, &texts);
        } else {
            self.inline_code(name, &texts, ctx);
        }
        let inv = interpreters::invocation(name, &texts);
        let powershell = matches!(name, "pwsh" | "powershell" | "pwsh.exe" | "powershell.exe");
        if let Some(script) = inv.operand.and_then(|k| args.get(k)) {
            // `python3 -` reads its code from standard input; PowerShell's own options
            // (`-EncodedCommand B64`) are read by the PowerShell analysis.
            let stdin_operand = matches!(script.text.as_str(), "-" | "/dev/stdin" | "/dev/fd/0");
            if !script.has_subst && !stdin_operand && !powershell {
                self.effect(Access::Exec, &script.text, Some(script), None);
            }
        }
        let spliced = |at: Option<usize>| at.and_then(|k| args.get(k)).is_some_and(|w| w.has_subst);
        if spliced(inv.inline) || spliced(inv.operand) {
            self.piped_interpreter(name);
        }
        if interpreters::is_shell(name) {
            if let Some(code) = inv.inline.and_then(|k| args.get(k)) {
                self.script(&code.script, ctx.depth + 1, ctx.nest, false);
            }
        }
        if !inv.reads_stdin {
            return;
        }
        match stdin {
            Stdin::Pipe | Stdin::Command => self.piped_interpreter(name),
            Stdin::Fed(text) => {
                self.piped_interpreter(name);
                if interpreters::is_shell(name) {
                    self.script(text, ctx.depth + 1, ctx.nest, false);
                } else if let Some(lang) = crate::inline::lang_of(name) {
                    self.inline_text(lang, text, ctx);
                }
            }
            Stdin::Text { text, from_command } => {
                if *from_command {
                    self.piped_interpreter(name);
                }
                if interpreters::is_shell(name) {
                    self.script(text, ctx.depth + 1, ctx.nest, false);
                } else if let Some(lang) = crate::inline::lang_of(name) {
                    // `python3 - <<'EOF' ... EOF`: the here-document is the program.
                    self.inline_text(lang, text, ctx);
                }
            }
            Stdin::Inherited | Stdin::File(_) => {}
        }
    }

    /// Records the URLs and hosts in a program's arguments.
    pub(crate) fn scan_args<A: AsRef<str>>(&mut self, name: &str, args: &[A]) {
        urls::scan(name, args, &mut self.out.urls, &mut self.out.hosts);
    }
}

impl Analyzer<'_> {
    /// `... | xargs bash -c`, `xargs -a cmds -I{} sh -c '{}'`: xargs hands its input to an
    /// interpreter as the code to run. Piped input is code from another command; input from
    /// a file cannot be known.
    fn xargs_code(&mut self, args: &[Word], command_at: Option<usize>, stdin: &Stdin) {
        let Some(at) = command_at else { return };
        let Some(program) = args.get(at) else { return };
        let name = paths::basename(&program.text);
        if !crate::interpreters::is_interpreter(name) {
            return;
        }
        let code = args.get(at + 1..).unwrap_or_default();
        let code_flag = code
            .iter()
            .position(|w| matches!(w.text.as_str(), "-c" | "-e"));
        let code_is_input = match code_flag {
            // `bash -c` with nothing after it, or with the replacement string as the code.
            Some(k) => code.get(k + 1).is_none_or(|w| w.text.contains("{}")),
            // `xargs bash`: the input names the scripts to run.
            None => code.is_empty(),
        };
        if !code_is_input {
            return;
        }
        if stdin.literal().is_some() {
            return;
        }
        if matches!(stdin, Stdin::Pipe | Stdin::Command) {
            self.piped_interpreter(name);
        } else {
            crate::model::push_unique(&mut self.out.dynamic_programs, "xargs input");
        }
    }

    /// `parallel ::: CMD...` (no command before `:::`): every input is a command line; those
    /// that cannot be known statically are dynamic programs.
    fn parallel_commands(&mut self, args: &[Word]) {
        let first = args.iter().find(|w| !w.text.starts_with('-'));
        if !first.is_some_and(|w| w.text == ":::" || w.text == "::::") {
            return;
        }
        for word in args
            .iter()
            .skip_while(|w| !w.text.starts_with(":::"))
            .skip(1)
        {
            if word.dynamic || word.text == "::::" || word.has_subst {
                crate::model::push_unique(&mut self.out.dynamic_programs, &word.text);
            }
        }
    }
}

/// The code of `su [-l] -c CODE [user]` / `su --command=CODE`.
fn su_command(args: &[Word]) -> Option<Word> {
    let mut iter = args.iter();
    while let Some(word) = iter.next() {
        let text = word.text.as_str();
        if text == "-c" || text == "--command" {
            return iter.next().cloned();
        }
        if let Some(code) = text.strip_prefix("--command=") {
            let mut code = Word::literal(code.to_owned());
            code.has_subst = word.has_subst;
            return Some(code);
        }
    }
    None
}

/// The directory a wrapper runs its command in: `env -C DIR`, `env --chdir=DIR`,
/// `sudo -D DIR` / `--chdir=DIR`.
fn wrapper_dir(name: &str, options: &[Word]) -> Option<String> {
    let short = match name {
        "env" => "-C",
        "sudo" => "-D",
        _ => return None,
    };
    let mut dir = None;
    let mut iter = options.iter();
    while let Some(w) = iter.next() {
        let text = w.text.as_str();
        if text == short || text == "--chdir" {
            dir = iter.next().map(|d| d.text.clone());
        } else if let Some(d) = text.strip_prefix("--chdir=") {
            dir = Some(d.to_owned());
        } else if let Some(d) = text.strip_prefix(short).filter(|d| !d.is_empty()) {
            dir = Some(d.to_owned());
        }
    }
    dir
}

/// xargs' replace string: `-I R`, `-IR`, `-i` / `--replace` (`{}`), `--replace=R`.
fn xargs_replace(options: &[Word]) -> Option<String> {
    let mut marker = None;
    let mut iter = options.iter();
    while let Some(w) = iter.next() {
        let text = w.text.as_str();
        if text == "-I" {
            marker = iter.next().map(|m| m.text.clone());
        } else if text == "-i" || text == "--replace" {
            marker = Some("{}".to_owned());
        } else if let Some(m) = text
            .strip_prefix("--replace=")
            .or_else(|| text.strip_prefix("-i"))
        {
            marker = Some(if m.is_empty() {
                "{}".to_owned()
            } else {
                m.to_owned()
            });
        } else if let Some(m) = text.strip_prefix("-I").filter(|m| !m.is_empty()) {
            marker = Some(m.to_owned());
        }
    }
    marker
}

/// Most input lines `xargs -I` commands are analyzed for.
const XARGS_LINES: usize = 16;

impl Analyzer<'_> {
    /// `xargs -I R CMD ... R ... <<< 'line'`: CMD once per input line, R replaced by it.
    fn xargs_replace(&mut self, command: &[Word], marker: &str, input: &str, ctx: Ctx<'_>) {
        let Some(inner) = self.deeper(ctx) else {
            return;
        };
        for line in input
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(XARGS_LINES)
        {
            let line = line.trim();
            let size: usize = command.iter().map(|w| w.text.len() + line.len()).sum();
            if self.work(size) < size {
                return;
            }
            let words: Vec<Word> = command
                .iter()
                .map(|w| {
                    if w.text.contains(marker) {
                        Word::literal(w.text.replace(marker, line))
                    } else {
                        w.clone()
                    }
                })
                .collect();
            self.invocation(&words, Stdin::Inherited, inner);
        }
    }

    /// Commands in the arguments of a program that is not a wrapper (`tar -I`, `git -c
    /// alias.x='!cmd'`, `awk 'BEGIN{system(...)}'`, sqlite3 `.shell`, `vim -c '!cmd'`,
    /// `ssh host cmd`), analyzed like `bash -c` one level deeper.
    fn embedded(&mut self, name: &str, args: &[Word], ctx: Ctx<'_>) {
        for found in crate::embedded::find(name, args) {
            match found {
                crate::embedded::Embedded::Code { text, piped } => {
                    self.script(&text, ctx.depth + 1, ctx.nest, piped);
                }
                crate::embedded::Embedded::Remote(text) => self.remote(&text, ctx, false),
                crate::embedded::Embedded::Container(text) => self.remote(&text, ctx, true),
            }
        }
    }

    /// The command `ssh host CMD` runs on the other machine: its programs and effects are
    /// recorded like local ones, but nothing local applies — no working directory (relative
    /// paths stay relative), no home (`~` stays as written), none of the variables assigned
    /// so far. In a container (`isolated`) the files are not this machine's: only programs,
    /// hosts and behaviors are kept.
    fn remote(&mut self, text: &str, ctx: Ctx<'_>, isolated: bool) {
        let cwd = self.cwd.take();
        let dir_stack = std::mem::take(&mut self.dir_stack);
        let cwd_unknown = std::mem::replace(&mut self.cwd_unknown, false);
        let home = self.home.take();
        let vars = std::mem::take(&mut self.vars);
        let downloads = std::mem::take(&mut self.downloads);
        let lengths = self.path_list_lengths();
        self.script(text, ctx.depth + 1, ctx.nest, false);
        if isolated {
            self.truncate_path_lists(lengths);
        }
        self.cwd = cwd;
        self.dir_stack = dir_stack;
        self.cwd_unknown = cwd_unknown;
        self.home = home;
        self.vars = vars;
        self.downloads = downloads;
    }
}
