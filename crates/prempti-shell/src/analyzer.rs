//! The analysis state shared by the walker, the word converter and the command mapper, and
//! the entry for one piece of shell code (the command itself, or a `bash -c` string).

use tree_sitter::Node;

use crate::model::{push_unique, Analysis, Limits, Program};
use crate::{fallback, parse};

/// Deepest syntax-tree recursion, over all nested scripts together. It bounds the walker's
/// stack use whatever the input (each level is one small frame).
pub(crate) const MAX_NEST: usize = 160;

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
    /// Literal text from a here-document or here-string; `from_command` when a substitution
    /// spliced another command's output into it.
    Text { text: String, from_command: bool },
    /// Another command's output, through `< <(cmd)`.
    Command,
    /// A file (`< file`).
    File,
}

/// The analysis in progress.
pub(crate) struct Analyzer<'a> {
    pub(crate) limits: &'a Limits,
    pub(crate) cwd: Option<&'a str>,
    pub(crate) out: Analysis,
    /// Command and process substitutions entered so far (lets a word tell whether it holds
    /// one).
    pub(crate) substs: usize,
    /// The program limit was reached: record nothing more.
    pub(crate) stopped: bool,
}

impl<'a> Analyzer<'a> {
    pub(crate) fn new(limits: &'a Limits, cwd: Option<&'a str>) -> Self {
        Analyzer {
            limits,
            cwd,
            out: Analysis::default(),
            substs: 0,
            stopped: false,
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
        let text = self.cut(text);
        match parse::parse(text) {
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
                if failure == parse::Failure::Budget {
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

    /// `text` cut to `max_bytes` on a character boundary (setting `limit_hit` if cut).
    fn cut<'t>(&mut self, text: &'t str) -> &'t str {
        if text.len() <= self.limits.max_bytes {
            return text;
        }
        self.out.limit_hit = true;
        let mut end = self.limits.max_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    /// Records a program run; false (and `limit_hit`) once `max_programs` are recorded.
    pub(crate) fn program(&mut self, name: &str, path: &str, args: &[String]) -> bool {
        if self.stopped {
            return false;
        }
        if self.out.programs.len() >= self.limits.max_programs {
            self.out.limit_hit = true;
            self.stopped = true;
            return false;
        }
        self.out.programs.push(Program {
            name: name.to_owned(),
            path: path.to_owned(),
            args: args.to_vec(),
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
