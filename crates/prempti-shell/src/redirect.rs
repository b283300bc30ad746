//! Redirections: files written and read, and where a command's standard input comes from.
//!
//! Written: `>`, `>>`, `>|`, `&>`, `&>>`, `<>` and `>& file`, with any descriptor (`2> f`).
//! Read: `<` and `<>` (here-documents and here-strings are not files). Descriptor duplications
//! (`2>&1`, `<&3`, `>&-`) name no file and are skipped, as are `/dev/null`-style pseudo files.

use tree_sitter::Node;

use crate::analyzer::{Analyzer, Ctx, Stdin};
use crate::word::Word;

impl Analyzer<'_> {
    /// Records one redirection; returns the standard input it gives the command, if any.
    /// Words the grammar wrongly attached to the redirection go to `extra` (they are
    /// arguments of the command), statements it attached (`<<EOF | sh`, `<<EOF && next`) go
    /// to `after` with whether their input is piped.
    pub(crate) fn redirect<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx<'_>,
        extra: &mut Vec<Word>,
        after: &mut Vec<(Node<'t>, bool)>,
    ) -> Option<Stdin> {
        match node.kind() {
            "file_redirect" => self.file_redirect(node, ctx, extra),
            "herestring_redirect" => {
                let mut cursor = node.walk();
                let target = node
                    .named_children(&mut cursor)
                    .find(|c| c.kind() != "file_descriptor")
                    .map(|c| self.word(c, ctx))?;
                Some(Stdin::Text {
                    text: target.script,
                    from_command: target.has_subst,
                })
            }
            "heredoc_redirect" => self.heredoc(node, ctx, extra, after),
            _ => {
                self.stmt(node, ctx);
                None
            }
        }
    }

    fn file_redirect(
        &mut self,
        node: Node<'_>,
        ctx: Ctx<'_>,
        extra: &mut Vec<Word>,
    ) -> Option<Stdin> {
        let mut fd = None;
        let mut op = "";
        let mut target: Option<Word> = None;
        for i in 0..node.child_count() {
            let Some(child) = node.child(i) else { continue };
            match node.field_name_for_child(i as u32) {
                Some("descriptor") => fd = Some(ctx.text(child)),
                Some("destination") => {
                    let word = self.word(child, ctx);
                    // `>& /dev/tcp/h/p 0>&1`: the grammar attaches the descriptor `0` of
                    // the next redirection as a word; it is not an argument.
                    let descriptor = child.kind() == "number"
                        && ctx
                            .src
                            .as_bytes()
                            .get(child.end_byte())
                            .is_some_and(|c| matches!(c, b'<' | b'>'));
                    if target.is_none() {
                        target = Some(word);
                    } else if !descriptor {
                        extra.push(word);
                    }
                }
                _ if !child.is_named() && op.is_empty() => op = ctx.text(child),
                _ => {}
            }
        }
        let target = target?;
        // The shell expands a redirection target like a word (`~/x`, `$HOME/x`, braces).
        let target = self
            .expand_words(vec![target])
            .into_iter()
            .next()
            .unwrap_or_default();
        let dup = matches!(op, ">&" | "<&")
            && (target.text == "-" || target.text.bytes().all(|b| b.is_ascii_digit()));
        if dup || op.ends_with('-') {
            return None;
        }
        let stdin_fd = fd.is_none_or(|f| f == "0");
        match op {
            "<" => {
                self.effect(
                    crate::effects::Access::Read,
                    &target.text,
                    Some(&target),
                    None,
                );
                stdin_fd.then_some(if target.has_subst {
                    Stdin::Command
                } else {
                    Stdin::File(target.text.clone())
                })
            }
            "<>" => {
                self.effect(
                    crate::effects::Access::Read,
                    &target.text,
                    Some(&target),
                    None,
                );
                self.effect(
                    crate::effects::Access::Write,
                    &target.text,
                    Some(&target),
                    None,
                );
                None
            }
            _ => {
                self.effect(
                    crate::effects::Access::Write,
                    &target.text,
                    Some(&target),
                    None,
                );
                if let Some(path) = self.resolve(&target.text, None) {
                    self.redirect_writes.push(path);
                }
                None
            }
        }
    }

    fn heredoc<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx<'_>,
        extra: &mut Vec<Word>,
        after: &mut Vec<(Node<'t>, bool)>,
    ) -> Option<Stdin> {
        let mut text = String::new();
        let mut from_command = false;
        for i in 0..node.child_count() {
            let Some(child) = node.child(i) else { continue };
            let field = node.field_name_for_child(i as u32);
            match (child.kind(), field) {
                (_, Some("right")) => after.push((child, false)),
                ("pipeline", _) => after.push((child, true)),
                ("file_redirect" | "herestring_redirect", _) => {
                    let mut more = Vec::new();
                    self.redirect(child, ctx, &mut more, after);
                    extra.extend(more);
                }
                ("heredoc_body", _) => {
                    let body = self.word(child, ctx);
                    from_command |= body.has_subst;
                    text = body.script;
                }
                _ => {}
            }
        }
        Some(Stdin::Text { text, from_command })
    }

    /// Records a file a redirection writes (fallback path: no word information).
    pub(crate) fn write_path(&mut self, target: &str) {
        self.effect(crate::effects::Access::Write, target, None, None);
    }

    /// Records a file a redirection reads (fallback path: no word information).
    pub(crate) fn read_path(&mut self, target: &str) {
        self.effect(crate::effects::Access::Read, target, None, None);
    }
}
