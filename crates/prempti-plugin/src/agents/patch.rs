//! The Codex `apply_patch` envelope, split into one entry per touched file.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: <path>          followed by `+`-prefixed lines (the new file)
//! *** Delete File: <path>
//! *** Update File: <path>
//! *** Move to: <path>           optional, right after Update File
//! @@ <context>                  hunks: lines prefixed ` `, `-`, `+`; `*** End of File`
//! *** End Patch
//! ```
//!
//! Each file gets its own [`FileChange`]: `content` is the text of the new file for an add
//! (prefixes removed), the raw hunk lines for an update or move, and nothing for a delete. A
//! move is reported twice, once for the source and once for the destination, so a rule
//! protecting either path sees it. Text outside the `Begin`/`End` markers is ignored (Codex
//! accepts a patch wrapped in a heredoc); malformed content inside them is an error, since
//! Codex would refuse to apply it too.

use super::PatchOp;

/// One file touched by a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// What happens to the file.
    pub op: PatchOp,
    /// The path as written in the patch.
    pub path: String,
    /// Added file text, or the update hunk; `None` for a delete or an empty update.
    pub content: Option<String>,
}

/// A malformed patch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// No `*** Begin Patch` line.
    #[error("no `*** Begin Patch` line")]
    MissingBegin,
    /// No `*** End Patch` line after the begin marker.
    #[error("no `*** End Patch` line")]
    MissingEnd,
    /// A file header without a path.
    #[error("line {line}: file header without a path")]
    EmptyPath {
        /// 1-based line number in the patch text.
        line: usize,
    },
    /// A line that is not valid where it appears.
    #[error("line {line}: unexpected line `{text}`")]
    Unexpected {
        /// 1-based line number in the patch text.
        line: usize,
        /// The line, cut to 80 characters.
        text: String,
    },
}

enum Current {
    None,
    Add {
        path: String,
        lines: Vec<String>,
    },
    Delete,
    Update {
        path: String,
        to: Option<String>,
        lines: Vec<String>,
    },
}

/// Parses a patch into its per-file changes, in patch order.
pub fn parse(text: &str) -> Result<Vec<FileChange>, PatchError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
    // Skip to the begin marker.
    loop {
        match lines.next() {
            None => return Err(PatchError::MissingBegin),
            Some((_, l)) if l.trim() == "*** Begin Patch" => break,
            Some(_) => {}
        }
    }
    let mut out = Vec::new();
    let mut current = Current::None;
    for (n, line) in lines.by_ref() {
        if line.trim() == "*** End Patch" {
            flush(&mut current, &mut out);
            return Ok(out);
        }
        if let Some(path) = header(line, "*** Add File:") {
            flush(&mut current, &mut out);
            let path = nonempty(path, n)?;
            current = Current::Add {
                path,
                lines: Vec::new(),
            };
            continue;
        }
        if let Some(path) = header(line, "*** Delete File:") {
            flush(&mut current, &mut out);
            let path = nonempty(path, n)?;
            out.push(FileChange {
                op: PatchOp::Delete,
                path,
                content: None,
            });
            current = Current::Delete;
            continue;
        }
        if let Some(path) = header(line, "*** Update File:") {
            flush(&mut current, &mut out);
            let path = nonempty(path, n)?;
            current = Current::Update {
                path,
                to: None,
                lines: Vec::new(),
            };
            continue;
        }
        match &mut current {
            Current::Add { lines, .. } => match line.strip_prefix('+') {
                Some(text) => lines.push(text.to_owned()),
                None => return Err(unexpected(n, line)),
            },
            Current::Update { to, lines, .. } => {
                if let Some(dest) = header(line, "*** Move to:") {
                    if to.is_some() || !lines.is_empty() {
                        return Err(unexpected(n, line));
                    }
                    *to = Some(nonempty(dest, n)?);
                } else if line.is_empty()
                    || line.starts_with([' ', '+', '-'])
                    || line.starts_with("@@")
                    || line.trim() == "*** End of File"
                {
                    lines.push(line.to_owned());
                } else {
                    return Err(unexpected(n, line));
                }
            }
            Current::None | Current::Delete => {
                if !line.trim().is_empty() {
                    return Err(unexpected(n, line));
                }
            }
        }
    }
    Err(PatchError::MissingEnd)
}

fn header<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix).map(str::trim)
}

fn nonempty(path: &str, line: usize) -> Result<String, PatchError> {
    if path.is_empty() {
        Err(PatchError::EmptyPath { line })
    } else {
        Ok(path.to_owned())
    }
}

fn unexpected(line: usize, text: &str) -> PatchError {
    PatchError::Unexpected {
        line,
        text: text.chars().take(80).collect(),
    }
}

fn flush(current: &mut Current, out: &mut Vec<FileChange>) {
    match std::mem::replace(current, Current::None) {
        Current::None | Current::Delete => {}
        Current::Add { path, lines } => {
            let mut content = String::new();
            for l in lines {
                content.push_str(&l);
                content.push('\n');
            }
            out.push(FileChange {
                op: PatchOp::Add,
                path,
                content: Some(content),
            });
        }
        Current::Update { path, to, lines } => {
            let content = (!lines.is_empty()).then(|| lines.join("\n"));
            match to {
                None => out.push(FileChange {
                    op: PatchOp::Update,
                    path,
                    content,
                }),
                Some(dest) => {
                    out.push(FileChange {
                        op: PatchOp::Move,
                        path,
                        content: content.clone(),
                    });
                    out.push(FileChange {
                        op: PatchOp::Move,
                        path: dest,
                        content,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_kind_of_change() {
        let patch = "*** Begin Patch\n*** Add File: new.txt\n+hello\n+world\n*** Update File: src/a.rs\n@@ fn a\n-old\n+new\n*** Delete File: gone.txt\n*** Update File: b.rs\n*** Move to: c.rs\n@@\n x\n*** End of File\n*** End Patch\n";
        let files = parse(patch).unwrap();
        assert_eq!(
            files,
            vec![
                FileChange {
                    op: PatchOp::Add,
                    path: "new.txt".into(),
                    content: Some("hello\nworld\n".into())
                },
                FileChange {
                    op: PatchOp::Update,
                    path: "src/a.rs".into(),
                    content: Some("@@ fn a\n-old\n+new".into())
                },
                FileChange {
                    op: PatchOp::Delete,
                    path: "gone.txt".into(),
                    content: None
                },
                FileChange {
                    op: PatchOp::Move,
                    path: "b.rs".into(),
                    content: Some("@@\n x\n*** End of File".into())
                },
                FileChange {
                    op: PatchOp::Move,
                    path: "c.rs".into(),
                    content: Some("@@\n x\n*** End of File".into())
                },
            ]
        );
    }

    #[test]
    fn heredoc_wrapping_and_crlf_are_accepted() {
        let patch = "apply_patch <<'EOF'\r\n*** Begin Patch\r\n*** Add File: x\r\n+1\r\n*** End Patch\r\nEOF\r\n";
        let files = parse(patch).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].content.as_deref(), Some("1\n"));
    }

    #[test]
    fn malformed_patches_are_errors() {
        assert_eq!(parse("hello"), Err(PatchError::MissingBegin));
        assert_eq!(
            parse("*** Begin Patch\n*** Add File: a\n+x\n"),
            Err(PatchError::MissingEnd)
        );
        assert_eq!(
            parse("*** Begin Patch\n*** Add File:   \n*** End Patch"),
            Err(PatchError::EmptyPath { line: 2 })
        );
        assert!(matches!(
            parse("*** Begin Patch\n*** Add File: a\nno plus\n*** End Patch"),
            Err(PatchError::Unexpected { line: 3, .. })
        ));
        assert!(matches!(
            parse("*** Begin Patch\ngarbage\n*** End Patch"),
            Err(PatchError::Unexpected { line: 2, .. })
        ));
        assert_eq!(parse("*** Begin Patch\n*** End Patch"), Ok(vec![]));
    }
}
