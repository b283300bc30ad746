//! The analysis state shared by the walker, the word converter and the command mapper, and
//! the entry for one piece of shell code (the command itself, or a `bash -c` string).

use std::collections::HashMap;
use std::time::Instant;

use tree_sitter::Node;

use crate::effects::Access;
use crate::model::{push_unique, Analysis, Limits, Program};
use crate::word::{Value, Word};
use crate::{fallback, parse, paths};

/// Extensions of files that run as programs or shell scripts (a file without one runs too).
const RUNNABLE_EXTENSIONS: &[&str] = &[
    "sh", "bash", "zsh", "ksh", "run", "bin", "exe", "ps1", "bat", "cmd", "appimage", "command",
];

/// Most variables remembered (assignments past it are treated as unknown values).
const MAX_VARS: usize = 256;
/// Longest variable value remembered.
const MAX_VALUE: usize = 4096;

/// Deepest syntax-tree recursion, over all nested scripts together. It bounds the walker's
/// stack use whatever the input (each level is one small frame).
pub(crate) const MAX_NEST: usize = 160;

/// Argument bytes recorded over the whole analysis, per byte of input (each argument also
/// costs one byte). Nested wrappers record the words after them again (`sudo env X=1 make`:
/// sudo's arguments hold env's); this keeps the output linear in the input however deep the
/// chain.
const ARG_BYTES_PER_INPUT_BYTE: usize = 4;
/// Bytes re-processed (code parsed again, words split again) per byte of input: `bash -c`,
/// `eval`, `watch` and `env -S` hand text that is already part of the input to the analysis
/// once more.
const WORK_PER_INPUT_BYTE: usize = 2;
/// Bytes variable values and brace expansion may add to the words, per byte of input:
/// `x=<4 KiB>; rm $x$x$x...` or `{a,b}{a,b}...` would otherwise grow with the square of the
/// input.
const EXPAND_PER_INPUT_BYTE: usize = 8;
/// Most entries of one effect list (`delete_paths`, ...); more set `limit_hit`.
pub(crate) const MAX_LIST: usize = 1024;
/// Either budget for any input, however short.
const BUDGET_MIN: usize = 16 * 1024;
/// Bytes parsed directly, over all the pieces of code of one analysis: beyond them each
/// parse runs on a worker thread with the `Limits::max_parse_time` deadline. The parser's
/// worst known shapes (an unclosed `[[` then thousands of words) take tens of milliseconds
/// at this size and grow with its square.
pub(crate) const DIRECT_PARSE_BYTES: usize = 3 * 1024;

/// Where the code being walked sits.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'s> {
    /// The source text the current tree was parsed from.
    pub(crate) src: &'s str,
    /// Subshell / substitution / `-c` nesting (bounded by `Limits::max_depth`).
    pub(crate) depth: usize,
    /// Syntax-tree recursion (bounded by [`MAX_NEST`]).
    pub(crate) nest: usize,
    /// Standard input of the current statement is a pipe.
    pub(crate) piped: bool,
}

impl<'s> Ctx<'s> {
    /// Text of `node`, or empty if its range is not on character boundaries.
    pub(crate) fn text(&self, node: Node<'_>) -> &'s str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    /// The same place with a different piped flag.
    pub(crate) fn piped(self, piped: bool) -> Self {
        Ctx { piped, ..self }
    }
}

/// Where the standard input of a simple command comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stdin {
    /// Whatever the enclosing shell has (not known to be a pipe).
    Inherited,
    /// A pipe from another command.
    Pipe,
    /// A pipe from a command whose output is known (`printf 'rm -rf ~' |`).
    Fed(String),
    /// Literal text from a here-document or here-string; `from_command` when a substitution
    /// spliced another command's output into it.
    Text { text: String, from_command: bool },
    /// Another command's output, through `< <(cmd)`.
    Command,
    /// A file (`< file`), as written.
    File(String),
}

impl Stdin {
    /// The input text when it is known statically (a fed pipe, a literal here-document or
    /// here-string).
    pub(crate) fn literal(&self) -> Option<String> {
        match self {
            Stdin::Fed(text) => Some(text.clone()),
            Stdin::Text {
                text,
                from_command: false,
            } => Some(text.clone()),
            _ => None,
        }
    }
}

/// The analysis in progress.
pub(crate) struct Analyzer<'a> {
    pub(crate) limits: &'a Limits,
    /// The working directory as the command moves through it (`cd`, `pushd`, `popd`);
    /// `None` when unknown (relative paths then stay relative).
    pub(crate) cwd: Option<String>,
    /// Directories `pushd` left.
    pub(crate) dir_stack: Vec<Option<String>>,
    /// The command changed to a directory the analysis cannot know (`cd "$D"`, `cd -`):
    /// relative targets are then dynamic, not relative to the starting directory.
    pub(crate) cwd_unknown: bool,
    /// Working directories to restore after a wrapper ran its command elsewhere
    /// (`env -C DIR cmd`).
    pub(crate) cwd_overrides: Vec<Option<String>>,
    /// The user's home (`~`, `$HOME`).
    pub(crate) home: Option<&'a str>,
    /// Variables assigned so far.
    pub(crate) vars: HashMap<String, Value>,
    /// Files written by downloaders (`curl -o`, `wget -O`, `git clone`), resolved.
    pub(crate) downloads: Vec<String>,
    /// Files the current simple command's redirections write, resolved.
    pub(crate) redirect_writes: Vec<String>,
    /// Output of the previous pipeline stage, when it is known statically (`printf 'x' |`).
    pub(crate) feed: Option<String>,
    pub(crate) out: Analysis,
    /// Command and process substitutions entered so far (lets a word tell whether it holds
    /// one).
    pub(crate) substs: usize,
    /// The program limit was reached: record nothing more.
    pub(crate) stopped: bool,
    /// The current statement's standard output goes into a pipe or a substitution, not to
    /// the terminal (see `env_access`).
    pub(crate) stdout_captured: bool,
    /// A whole-environment listing ran earlier in the command (its filters are recorded).
    pub(crate) env_listed: bool,
    /// A redirection of the current statement goes to `/dev/tcp` or `/dev/udp`.
    pub(crate) dev_tcp_redirect: bool,
    /// Symbolic links the command created (`ln -s TARGET LINK`), resolved: a later read of
    /// the link reads its target (`ln -s ~/.ssh/id_rsa k && cat k`).
    pub(crate) links: Vec<(String, String)>,
    /// An effect is being recorded again through a link (no further link is followed).
    following_link: bool,
    /// Argument bytes that may still be recorded.
    arg_bytes_left: usize,
    /// Bytes that may still be re-processed (see [`WORK_PER_INPUT_BYTE`]).
    work_left: usize,
    /// Bytes expansions may still add (see [`EXPAND_PER_INPUT_BYTE`]).
    expand_left: usize,
    /// Bytes parsed so far (see [`DIRECT_PARSE_BYTES`]).
    parsed: usize,
    /// When parsing must end, set by the first parse on a worker thread.
    parse_deadline: Option<Instant>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer for a command of `input_len` bytes (the budgets scale with it).
    pub(crate) fn new(
        limits: &'a Limits,
        cwd: Option<&'a str>,
        home: Option<&'a str>,
        input_len: usize,
    ) -> Self {
        let input_len = input_len.min(limits.max_bytes);
        let budget = |per_byte: usize| input_len.saturating_mul(per_byte).max(BUDGET_MIN);
        let absolute = |p: &str| p.starts_with('/') || std::path::Path::new(p).is_absolute();
        let cwd = cwd.and_then(|c| {
            paths::windows_drive_path(c).or_else(|| absolute(c).then(|| paths::normalize(c)))
        });
        Analyzer {
            limits,
            cwd,
            dir_stack: Vec::new(),
            cwd_unknown: false,
            cwd_overrides: Vec::new(),
            home: home.filter(|h| absolute(h) || paths::windows_drive_path(h).is_some()),
            vars: HashMap::new(),
            feed: None,
            downloads: Vec::new(),
            redirect_writes: Vec::new(),
            out: Analysis::default(),
            substs: 0,
            stopped: false,
            stdout_captured: false,
            env_listed: false,
            dev_tcp_redirect: false,
            links: Vec::new(),
            following_link: false,
            arg_bytes_left: budget(ARG_BYTES_PER_INPUT_BYTE),
            work_left: budget(WORK_PER_INPUT_BYTE),
            expand_left: budget(EXPAND_PER_INPUT_BYTE).max(64 * 1024),
            parsed: 0,
            parse_deadline: None,
        }
    }

    /// Analyzes one piece of shell code at nesting `depth`, its statements starting with
    /// standard input `piped`.
    pub(crate) fn script(&mut self, text: &str, depth: usize, nest: usize, piped: bool) {
        if self.stopped {
            return;
        }
        if depth > self.limits.max_depth || nest >= MAX_NEST {
            self.out.limit_hit = true;
            return;
        }
        let mut text = self.cut(text);
        if let Some(at) = parse::pipe_cut(text, self.limits.max_programs.max(1)) {
            self.out.limit_hit = true;
            text = &text[..at];
        }
        if let Some(at) = parse::opener_cut(text, parse::MAX_OPENERS) {
            self.out.limit_hit = true;
            text = &text[..at];
        }
        if depth > 0 {
            // Nested code is text of the input handed over again: it draws on the work budget.
            let len = self.work(text.len());
            text = self.cut_at(text, len);
        }
        match self.parse(text) {
            Ok(tree) => {
                let root = tree.root_node();
                let ctx = Ctx {
                    src: text,
                    depth,
                    nest,
                    piped,
                };
                if root.has_error() {
                    self.out.parse_error = true;
                    fallback::analyze(self, ctx);
                } else {
                    self.stmt(root, ctx);
                }
            }
            Err(failure) => {
                if matches!(failure, parse::Failure::Budget | parse::Failure::Time) {
                    self.out.limit_hit = true;
                } else {
                    self.out.parse_error = true;
                }
                fallback::analyze(
                    self,
                    Ctx {
                        src: text,
                        depth,
                        nest,
                        piped,
                    },
                );
            }
        }
    }

    /// Parses `text`: directly while the bytes parsed stay within [`DIRECT_PARSE_BYTES`],
    /// else on a worker thread until the analysis' parse deadline.
    fn parse(&mut self, text: &str) -> Result<tree_sitter::Tree, parse::Failure> {
        self.parsed = self.parsed.saturating_add(text.len());
        if self.parsed <= DIRECT_PARSE_BYTES {
            return parse::parse(text);
        }
        let max = self.limits.max_parse_time;
        let deadline = *self.parse_deadline.get_or_insert_with(|| {
            let now = Instant::now();
            now.checked_add(max)
                .or_else(|| now.checked_add(std::time::Duration::from_secs(86_400)))
                .unwrap_or(now)
        });
        parse::parse_until(text, deadline)
    }

    /// `text` cut to `max_bytes` on a character boundary (setting `limit_hit` if cut).
    fn cut<'t>(&mut self, text: &'t str) -> &'t str {
        self.cut_at(text, self.limits.max_bytes)
    }

    /// `text` cut to `max` bytes on a character boundary (setting `limit_hit` if cut).
    fn cut_at<'t>(&mut self, text: &'t str, max: usize) -> &'t str {
        if text.len() <= max {
            return text;
        }
        self.out.limit_hit = true;
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    /// Takes up to `bytes` from the work budget; returns how many were granted (fewer, and
    /// `limit_hit`, once it runs out).
    pub(crate) fn work(&mut self, bytes: usize) -> usize {
        let granted = bytes.min(self.work_left);
        self.work_left -= granted;
        if granted < bytes {
            self.out.limit_hit = true;
        }
        granted
    }

    /// Records a program run; false (and `limit_hit`) once `max_programs` are recorded. Its
    /// arguments are recorded while the argument budget lasts; those after are left out (and
    /// `limit_hit` set).
    pub(crate) fn program<A: AsRef<str>>(&mut self, name: &str, path: &str, args: &[A]) -> bool {
        if self.stopped {
            return false;
        }
        if self.out.programs.len() >= self.limits.max_programs {
            self.out.limit_hit = true;
            self.stopped = true;
            return false;
        }
        let mut recorded = Vec::with_capacity(args.len().min(64));
        for arg in args {
            let arg = arg.as_ref();
            let cost = arg.len().saturating_add(1);
            if cost > self.arg_bytes_left {
                self.out.limit_hit = true;
                break;
            }
            self.arg_bytes_left -= cost;
            recorded.push(arg.to_owned());
        }
        self.out.programs.push(Program {
            name: name.to_owned(),
            path: path.to_owned(),
            args: recorded,
        });
        true
    }

    /// Records an environment assignment.
    pub(crate) fn env(&mut self, assignment: &str) {
        push_unique(&mut self.out.env, assignment);
    }

    /// Records an interpreter that receives code from another command.
    pub(crate) fn piped_interpreter(&mut self, name: &str) {
        push_unique(&mut self.out.piped_interpreters, name);
    }

    /// What variable `name` holds: assigned earlier in the command, else `HOME`, `PWD` and
    /// `IFS` from what the analysis knows; anything else comes from the environment.
    pub(crate) fn lookup(&self, name: &str) -> Value {
        if let Some(value) = self.vars.get(name) {
            return value.clone();
        }
        match name {
            "HOME" => self
                .home
                .map_or(Value::Unknown, |h| Value::Known(h.to_owned())),
            "PWD" => self.cwd.clone().map_or(Value::Unknown, Value::Known),
            "IFS" => Value::Known(" \t\n".to_owned()),
            _ => Value::Unknown,
        }
    }

    /// Remembers `name=value` (an unknown value when the table is full or it is long).
    pub(crate) fn set_var(&mut self, name: &str, value: Value) {
        let value = match value {
            Value::Known(v) if v.len() > MAX_VALUE => Value::Unknown,
            other => other,
        };
        if self.vars.len() >= MAX_VARS && !self.vars.contains_key(name) {
            return;
        }
        self.vars.insert(name.to_owned(), value);
    }

    /// Applies the shell's expansions to the words of a command (see `expand`).
    /// What values and brace alternatives add draws on the expansion budget; once it runs
    /// out, variables stay as written (dynamic) and words stay unexpanded (`limit_hit`).
    pub(crate) fn expand_words(&mut self, words: Vec<Word>) -> Vec<Word> {
        let left = std::cell::Cell::new(self.expand_left);
        let short = std::cell::Cell::new(false);
        let lookup = |name: &str| match self.lookup(name) {
            Value::Known(v) if v.len() <= left.get() => {
                left.set(left.get() - v.len());
                Value::Known(v)
            }
            Value::Known(_) => {
                short.set(true);
                Value::Unknown
            }
            unknown => unknown,
        };
        let mut out = Vec::with_capacity(words.len());
        for word in words {
            if word.active.is_empty() {
                out.push(word);
                continue;
            }
            let fallback = word.clone();
            let expanded = crate::expand::expand(word, &lookup, self.home);
            let size: usize = expanded.iter().map(|w| w.text.len()).sum();
            let added = size.saturating_sub(fallback.text.len());
            if added <= left.get() {
                left.set(left.get() - added);
                out.extend(expanded);
            } else {
                short.set(true);
                out.push(Word {
                    dynamic: true,
                    ..fallback
                });
            }
        }
        self.expand_left = left.get();
        if short.get() {
            self.out.limit_hit = true;
        }
        out
    }

    /// Takes `bytes` from the expansion budget (a variable's value pushed into a word);
    /// false (and `limit_hit`) when it has run out.
    pub(crate) fn expansion_budget(&mut self, bytes: usize) -> bool {
        if bytes > self.expand_left {
            self.out.limit_hit = true;
            return false;
        }
        self.expand_left -= bytes;
        true
    }

    /// Resolves a path as written against `dir` (itself resolved against the working
    /// directory) or the working directory; `None` for pseudo files.
    pub(crate) fn resolve(&self, raw: &str, dir: Option<&str>) -> Option<String> {
        let base = match dir {
            Some(d) => paths::resolve(d, self.cwd.as_deref()),
            None => self.cwd.clone(),
        };
        paths::resolve(raw, base.as_deref())
    }

    /// Records one effect on a path as written; `word` (when it came from one argument)
    /// tells whether it is a pattern or could not be resolved.
    pub(crate) fn effect(
        &mut self,
        access: Access,
        raw: &str,
        word: Option<&Word>,
        dir: Option<&str>,
    ) {
        // Without a known home, `$HOME/x` stays as written like `~/x` (rules can still match
        // the home-relative form); any other unresolved expansion is dynamic.
        let home_shorthand = self.home.is_none()
            && ["$HOME", "${HOME}"].iter().any(|h| {
                raw.strip_prefix(h)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            && !raw[1..].contains(['$', '`']);
        // `find -exec rm {} ;`, `xargs -I{} rm {}`: the files are only known when it runs.
        let placeholder = raw.contains("{}");
        // Relative to a directory the command changed to without the analysis knowing it.
        let lost = self.cwd_unknown
            && dir.is_none_or(|d| !d.starts_with('/'))
            && !raw.starts_with(['/', '~', '$']);
        let dynamic = !home_shorthand
            && (word.is_some_and(|w| w.dynamic) || raw.contains('`') || placeholder || lost);
        if dynamic {
            if access != Access::Read && access != Access::RecursiveRead {
                if self.out.dynamic_paths.len() < MAX_LIST {
                    push_unique(&mut self.out.dynamic_paths, raw);
                } else {
                    self.out.limit_hit = true;
                }
            }
            return;
        }
        if let Some(host) = crate::urls::dev_tcp_host(raw) {
            self.dev_tcp_redirect = true;
            push_unique(&mut self.out.hosts, &host);
            return;
        }
        let Some(path) = self.resolve(raw, dir) else {
            return;
        };
        if word.is_some_and(Word::is_glob) && self.out.path_globs.len() < MAX_LIST {
            push_unique(&mut self.out.path_globs, &path);
        }
        let out = &mut self.out;
        let lists: &mut [&mut Vec<String>] = match access {
            Access::Read => &mut [&mut out.read_paths],
            Access::RecursiveRead => &mut [&mut out.read_paths, &mut out.recursive_read_paths],
            Access::Write => &mut [&mut out.write_paths],
            Access::Delete => &mut [&mut out.delete_paths],
            Access::RecursiveDelete => {
                &mut [&mut out.delete_paths, &mut out.recursive_delete_paths]
            }
            Access::Chmod => &mut [&mut out.chmod_paths],
            Access::Exec => &mut [&mut out.exec_paths],
            Access::Upload => &mut [&mut out.upload_paths],
            Access::Serve => &mut [&mut out.serve_paths],
        };
        let mut full = false;
        for list in lists.iter_mut() {
            if list.len() < MAX_LIST {
                push_unique(list, &path);
            } else {
                full = true;
            }
        }
        self.out.limit_hit |= full;
        let through_link = matches!(
            access,
            Access::Read | Access::RecursiveRead | Access::Upload | Access::Exec | Access::Serve
        );
        if through_link && !self.following_link {
            if let Some(target) = self.link_target(&path) {
                self.following_link = true;
                self.effect(access, &target, None, None);
                self.following_link = false;
            }
        }
    }

    /// The path `path` reaches through the links the command created (up to 8 of them, so a
    /// cycle ends), or `None` when it is not below one.
    fn link_target(&self, path: &str) -> Option<String> {
        let mut current = path.to_owned();
        let mut followed = false;
        for _ in 0..8 {
            let next = self.links.iter().find_map(|(link, target)| {
                let rest = current.strip_prefix(link.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| format!("{target}{rest}"))
            });
            match next {
                Some(next) if next != current => {
                    current = next;
                    followed = true;
                }
                _ => break,
            }
        }
        followed.then_some(current)
    }

    /// Remembers `ln -s TARGET [LINK]` (LINK defaults to TARGET's name in the working
    /// directory; a LINK ending in `/` is a directory the link goes into).
    pub(crate) fn remember_link(&mut self, args: &[Word]) {
        let symbolic = args.iter().any(|w| {
            w.text == "--symbolic"
                || (w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('s'))
        });
        if !symbolic {
            return;
        }
        let operands: Vec<&Word> = args.iter().filter(|w| !w.text.starts_with('-')).collect();
        let (target, link) = match operands.as_slice() {
            [target] => (*target, paths::basename(&target.text).to_owned()),
            [target, link] if link.text.ends_with('/') => (
                *target,
                format!("{}{}", link.text, paths::basename(&target.text)),
            ),
            [target, link] => (*target, link.text.clone()),
            _ => return,
        };
        if target.dynamic || self.links.len() >= MAX_VARS {
            return;
        }
        if let (Some(target), Some(link)) =
            (self.resolve(&target.text, None), self.resolve(&link, None))
        {
            self.links.push((link, target));
        }
    }

    /// The lengths of the path effect lists (see [`Self::truncate_path_lists`]).
    pub(crate) fn path_list_lengths(&self) -> [usize; 12] {
        let o = &self.out;
        [
            o.read_paths.len(),
            o.write_paths.len(),
            o.delete_paths.len(),
            o.recursive_delete_paths.len(),
            o.recursive_read_paths.len(),
            o.chmod_paths.len(),
            o.exec_paths.len(),
            o.upload_paths.len(),
            o.serve_paths.len(),
            o.path_globs.len(),
            o.dynamic_paths.len(),
            o.written_text.len(),
        ]
    }

    /// Forgets the paths recorded since [`Self::path_list_lengths`] returned `lengths`
    /// (the lists are sets: what was there before stays).
    pub(crate) fn truncate_path_lists(&mut self, lengths: [usize; 12]) {
        let o = &mut self.out;
        let lists = [
            &mut o.read_paths,
            &mut o.write_paths,
            &mut o.delete_paths,
            &mut o.recursive_delete_paths,
            &mut o.recursive_read_paths,
            &mut o.chmod_paths,
            &mut o.exec_paths,
            &mut o.upload_paths,
            &mut o.serve_paths,
            &mut o.path_globs,
            &mut o.dynamic_paths,
        ];
        for (list, len) in lists.into_iter().zip(lengths) {
            list.truncate(len);
        }
        o.written_text.truncate(lengths[11]);
    }

    /// Flags what only the whole command shows: a file downloaded earlier in it that is then
    /// run or made executable (`curl -o x URL && sh x`, `wget -O x URL; chmod +x x`).
    pub(crate) fn finish(&mut self) {
        let out = &mut self.out;
        let downloads = &self.downloads;
        let downloaded = |p: &String| {
            downloads.iter().any(|d| {
                p == d
                    || p.strip_prefix(d.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
        };
        let run = out.exec_paths.iter().chain(&out.chmod_paths);
        // A script run from the directory a download went to may be what it fetched under
        // another name (`curl -O URL && bash install.sh`, an archive unpacked there).
        let download_dirs: Vec<&str> = downloads
            .iter()
            .filter_map(|d| d.rsplit_once('/').map(|(dir, _)| dir))
            .filter(|dir| !dir.is_empty())
            .collect();
        let in_download_dir = |p: &String| {
            let script = paths::basename(p)
                .rsplit_once('.')
                .is_none_or(|(_, ext)| RUNNABLE_EXTENSIONS.contains(&ext));
            script
                && download_dirs
                    .iter()
                    .any(|dir| p.strip_prefix(dir).is_some_and(|r| r.starts_with('/')))
        };
        let run: Vec<&String> = run.collect();
        if run.iter().any(|p| downloaded(p)) {
            push_unique(&mut out.behaviors, "exec_downloaded");
        } else if run.iter().any(|p| in_download_dir(p)) {
            // Whether the script came with the download is only known where the files are:
            // the caller confirms it (a script that does not exist yet does).
            push_unique(&mut out.behaviors, "exec_near_download");
        }
    }

    /// One level deeper in the syntax tree, or `None` (and `limit_hit`) past [`MAX_NEST`].
    pub(crate) fn deeper<'s>(&mut self, ctx: Ctx<'s>) -> Option<Ctx<'s>> {
        if ctx.nest + 1 >= MAX_NEST {
            self.out.limit_hit = true;
            return None;
        }
        Some(Ctx {
            nest: ctx.nest + 1,
            ..ctx
        })
    }
}
