//! The walker: visits the syntax tree statement by statement and hands every simple command
//! (assignments, words, standard input) to the command mapper.
//!
//! Programs are found in pipelines, lists, subshells, groups, loops, conditionals, function
//! bodies, and in command and process substitutions wherever they appear (arguments, strings,
//! assignments, expansions, redirection targets, `[[ ]]` tests, here-document bodies).

use tree_sitter::Node;

use crate::analyzer::{Analyzer, Ctx, Stdin};
use crate::word::Word;

impl Analyzer<'_> {
    /// Walks one statement (or any node that may contain statements).
    pub(crate) fn stmt(&mut self, node: Node<'_>, ctx: Ctx<'_>) {
        if self.stopped {
            return;
        }
        let Some(ctx) = self.deeper(ctx) else { return };
        match node.kind() {
            "command" => {
                self.redirect_writes.clear();
                self.dev_tcp_redirect = false;
                self.command(node, ctx, None)
            }
            "redirected_statement" => {
                self.redirect_writes.clear();
                self.dev_tcp_redirect = false;
                self.redirected(node, ctx)
            }
            "pipeline" => {
                let mut first = true;
                let mut feed: Option<String> = None;
                let mut cursor = node.walk();
                let captured = self.stdout_captured;
                let last = node.named_child_count().saturating_sub(1);
                for (k, child) in node.named_children(&mut cursor).enumerate() {
                    let before = self.out.programs.len();
                    self.feed = feed.clone();
                    self.stdout_captured = captured || k < last;
                    self.stmt(child, ctx.piped(ctx.piped || !first));
                    self.stdout_captured = captured;
                    self.feed = None;
                    feed = match child.kind() {
                        "command" => self.stage_output(before, feed),
                        _ => None,
                    };
                    first = false;
                }
            }
            "subshell" => self.nested(node, ctx, ctx.piped),
            "command_substitution" | "process_substitution" => {
                self.substs += 1;
                let captured = std::mem::replace(&mut self.stdout_captured, true);
                self.nested(node, ctx, false);
                self.stdout_captured = captured;
            }
            "declaration_command" | "unset_command" => self.declaration(node, ctx),
            "variable_assignment" => {
                let assignment = self.assignment(node, ctx);
                self.env(&assignment);
                self.remember(&assignment);
            }
            "comment" | "heredoc_start" | "heredoc_end" | "heredoc_content" => {}
            // `$(< file)`: the substitution reads the file.
            "file_redirect" => {
                let (mut extra, mut after) = (Vec::new(), Vec::new());
                self.redirect(node, ctx, &mut extra, &mut after);
            }
            _ => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.stmt(child, ctx);
                }
            }
        }
    }

    /// A subshell or substitution: one level of `max_depth` deeper.
    fn nested(&mut self, node: Node<'_>, ctx: Ctx<'_>, piped: bool) {
        if ctx.depth >= self.limits.max_depth {
            self.out.limit_hit = true;
            return;
        }
        let inner = Ctx {
            depth: ctx.depth + 1,
            piped,
            ..ctx
        };
        // A subshell's `cd` / `pushd` do not outlive it.
        let cwd = self.cwd.clone();
        let cwd_unknown = self.cwd_unknown;
        let stack = self.dir_stack.len();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.stmt(child, inner);
        }
        self.cwd = cwd;
        self.cwd_unknown = cwd_unknown;
        self.dir_stack.truncate(stack);
    }

    /// A statement with redirections (`cmd > f`, `cmd <<EOF ... EOF | sh`).
    fn redirected<'t>(&mut self, node: Node<'t>, ctx: Ctx<'_>) {
        let body = node.child_by_field_name("body");
        let mut stdin = None;
        let mut extra = Vec::new();
        let mut after = Vec::new();
        let mut pos = node.start_byte();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            // The grammar drops some words before a redirection (`python3 - <<EOF`,
            // `cmd - 2>err`): they are arguments of the command.
            extra.extend(dropped_words(
                ctx.src.get(pos..child.start_byte()).unwrap_or(""),
            ));
            pos = pos.max(child.end_byte());
            if Some(child) == body {
                continue;
            }
            if let Some(s) = self.redirect(child, ctx, &mut extra, &mut after) {
                stdin = Some(s);
            }
        }
        match body {
            Some(b) if b.kind() == "command" => {
                if let Some(ctx) = self.deeper(ctx) {
                    // `cat 0< f`: the grammar makes the descriptor `0` the command's last
                    // argument, written right against the redirection.
                    let descriptor = b
                        .named_child(b.named_child_count().saturating_sub(1))
                        .filter(|last| last.kind() == "number" && last.end_byte() == b.end_byte())
                        .is_some_and(|_| {
                            ctx.src
                                .as_bytes()
                                .get(b.end_byte())
                                .is_some_and(|c| matches!(c, b'<' | b'>'))
                        });
                    self.command_with(b, ctx, stdin, extra, descriptor);
                }
            }
            Some(b) if b.kind() == "pipeline" => {
                // `a | b <<EOF`, `a | b > f`: the redirections are the last command's.
                let mut cursor = b.walk();
                let stages: Vec<Node<'t>> = b.named_children(&mut cursor).collect();
                let last = stages.len().saturating_sub(1);
                let mut stdin = stdin;
                let mut extra = extra;
                let writes = std::mem::take(&mut self.redirect_writes);
                let mut feed: Option<String> = None;
                for (k, stage) in stages.into_iter().enumerate() {
                    let piped = ctx.piped || k > 0;
                    let before = self.out.programs.len();
                    self.feed = feed.clone();
                    if k < last {
                        let captured = std::mem::replace(&mut self.stdout_captured, true);
                        self.stmt(stage, ctx.piped(piped));
                        self.stdout_captured = captured;
                        self.feed = None;
                        feed = match stage.kind() {
                            "command" => self.stage_output(before, feed),
                            _ => None,
                        };
                    } else if stage.kind() == "command" {
                        self.redirect_writes = writes.clone();
                        if let Some(inner) = self.deeper(ctx) {
                            let extra = std::mem::take(&mut extra);
                            self.command_with(
                                stage,
                                inner.piped(piped),
                                stdin.take(),
                                extra,
                                false,
                            );
                        }
                    } else {
                        let piped = piped || matches!(stdin, Some(Stdin::Pipe | Stdin::Command));
                        self.stmt(stage, ctx.piped(piped));
                    }
                    self.feed = None;
                }
                if !extra.is_empty() {
                    self.simple(Vec::new(), extra, Stdin::Inherited, ctx);
                }
            }
            Some(b) => {
                let piped = ctx.piped || matches!(stdin, Some(Stdin::Pipe | Stdin::Command));
                self.stmt(b, ctx.piped(piped));
                if !extra.is_empty() {
                    // Words the grammar attached to a redirection of a compound statement.
                    self.simple(Vec::new(), extra, Stdin::Inherited, ctx);
                }
            }
            None => {}
        }
        for (next, piped) in after {
            self.stmt(next, ctx.piped(piped));
        }
    }

    /// A simple command node.
    pub(crate) fn command(&mut self, node: Node<'_>, ctx: Ctx<'_>, stdin: Option<Stdin>) {
        self.command_with(node, ctx, stdin, Vec::new(), false);
    }

    /// A simple command with the standard input and extra words its redirections gave;
    /// `drop_descriptor` leaves out its last word (a descriptor the grammar misplaced).
    fn command_with<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx<'_>,
        stdin: Option<Stdin>,
        extra: Vec<Word>,
        drop_descriptor: bool,
    ) {
        let mut assignments = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut stdin = stdin;
        let mut more = Vec::new();
        let mut after = Vec::new();
        // End of the last word, while no other node has come after it.
        let mut word_end = None;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            // `one\<newline>two` is one word, and so is a word the grammar cut after a `$`
            // (`cat${IFS}$HOME/x` comes as `cat${IFS}$` then `HOME/x`, with no gap).
            let continued = word_end
                .and_then(|end| ctx.src.get(end..child.start_byte()))
                .is_some_and(|gap| gap.is_empty() || is_line_continuation(gap));
            word_end = None;
            match child.kind() {
                "variable_assignment" => assignments.push(self.assignment(child, ctx)),
                "file_redirect" | "herestring_redirect" | "heredoc_redirect" => {
                    if let Some(s) = self.redirect(child, ctx, &mut more, &mut after) {
                        stdin = Some(s);
                    }
                }
                "comment" => {}
                "subshell" => self.stmt(child, ctx),
                _ => {
                    let word = self.word(child, ctx);
                    match words.last_mut() {
                        Some(prev) if continued => prev.join(word),
                        _ => words.push(word),
                    }
                    word_end = Some(child.end_byte());
                }
            }
        }
        if drop_descriptor {
            words.pop();
        }
        words.extend(more);
        words.extend(extra);
        let stdin = match stdin {
            Some(s) => s,
            None if ctx.piped => Stdin::Pipe,
            None => Stdin::Inherited,
        };
        self.simple(assignments, words, stdin, ctx);
        for (next, piped) in after {
            self.stmt(next, ctx.piped(piped));
        }
    }

    /// `export A=1 B`, `declare -x A=1`, `local a`, `unset X`: recorded as a program (the
    /// keyword) whose assignments also go to `env`.
    fn declaration(&mut self, node: Node<'_>, ctx: Ctx<'_>) {
        let mut name = None;
        let mut args = Vec::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if !child.is_named() {
                if name.is_none() {
                    name = Some(ctx.text(child));
                }
                continue;
            }
            match child.kind() {
                "variable_assignment" => {
                    let assignment = self.assignment(child, ctx);
                    self.env(&assignment);
                    self.remember(&assignment);
                    args.push(assignment);
                }
                "comment" => {}
                _ => args.push(self.word(child, ctx).text),
            }
        }
        if let Some(name) = name {
            if self.program(name, name, &args) {
                self.scan_args(name, &args);
            }
        }
    }

    /// `NAME=value` (or `NAME+=value`) after quote removal of the value.
    pub(crate) fn assignment(&mut self, node: Node<'_>, ctx: Ctx<'_>) -> String {
        let mut out = String::new();
        for i in 0..node.child_count() {
            let Some(child) = node.child(i) else { continue };
            let is_value = node.field_name_for_child(i as u32) == Some("value");
            if child.is_named() && is_value {
                let value = self.word(child, ctx);
                if value.text.starts_with('~') && value.is_active(0) {
                    out.push_str(&crate::expand::assignment_tilde(&value.text, self.home));
                } else {
                    out.push_str(&value.text);
                }
            } else {
                out.push_str(ctx.text(child));
            }
        }
        out
    }
}

/// Text between two word nodes that is only backslash-newlines: the words are one.
fn is_line_continuation(gap: &str) -> bool {
    !gap.is_empty() && gap.split("\\\n").all(str::is_empty)
}

/// Words the grammar left out of every node (text between two children of a redirected
/// statement that is neither blank nor an operator).
fn dropped_words(gap: &str) -> Vec<Word> {
    let gap = gap.replace("\\\n", "");
    if gap.trim().is_empty() || gap.contains(['|', '&', ';', '<', '>', '(', ')', '#', '`']) {
        return Vec::new();
    }
    crate::fallback::split_words(&gap)
}
