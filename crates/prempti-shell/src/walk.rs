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
            "command" => self.command(node, ctx, None),
            "redirected_statement" => self.redirected(node, ctx),
            "pipeline" => {
                let mut first = true;
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.stmt(child, ctx.piped(ctx.piped || !first));
                    first = false;
                }
            }
            "subshell" => self.nested(node, ctx, ctx.piped),
            "command_substitution" | "process_substitution" => {
                self.substs += 1;
                self.nested(node, ctx, false);
            }
            "declaration_command" | "unset_command" => self.declaration(node, ctx),
            "variable_assignment" => {
                let assignment = self.assignment(node, ctx);
                self.env(&assignment);
            }
            "comment" | "heredoc_start" | "heredoc_end" | "heredoc_content" => {}
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
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.stmt(child, inner);
        }
    }

    /// A statement with redirections (`cmd > f`, `cmd <<EOF ... EOF | sh`).
    fn redirected<'t>(&mut self, node: Node<'t>, ctx: Ctx<'_>) {
        let body = node.child_by_field_name("body");
        let mut stdin = None;
        let mut extra = Vec::new();
        let mut after = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
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
                    self.command_with(b, ctx, stdin, extra);
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
        self.command_with(node, ctx, stdin, Vec::new());
    }

    fn command_with<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx<'_>,
        stdin: Option<Stdin>,
        extra: Vec<Word>,
    ) {
        let mut assignments = Vec::new();
        let mut words = Vec::new();
        let mut stdin = stdin;
        let mut more = Vec::new();
        let mut after = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "variable_assignment" => assignments.push(self.assignment(child, ctx)),
                "file_redirect" | "herestring_redirect" | "heredoc_redirect" => {
                    if let Some(s) = self.redirect(child, ctx, &mut more, &mut after) {
                        stdin = Some(s);
                    }
                }
                "comment" => {}
                "subshell" => self.stmt(child, ctx),
                _ => words.push(self.word(child, ctx)),
            }
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
                out.push_str(&self.word(child, ctx).text);
            } else {
                out.push_str(ctx.text(child));
            }
        }
        out
    }
}
