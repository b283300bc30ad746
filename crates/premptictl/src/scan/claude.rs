//! Claude Code transcripts: `~/.claude/projects/<project>/<session>.jsonl`, one JSON record per
//! line. Tool calls are the `tool_use` blocks of `"type":"assistant"` records:
//!
//! ```json
//! {"type":"assistant","sessionId":"…","cwd":"/home/u/p","timestamp":"2026-11-21T00:45:54.120Z",
//!  "message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_…","name":"Bash",
//!  "input":{"command":"ls"}}]}}
//! ```
//!
//! The hook payload is `{session_id, transcript_path, cwd, hook_event_name: "PreToolUse",
//! tool_name, tool_input, tool_use_id}`. A message streamed over several lines repeats earlier
//! blocks; a `tool_use` id already seen in the file is not counted again. Subagent transcripts
//! (`<project>/<session>/subagents/*.jsonl`) are read too: their calls go through the hook as
//! well.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use prempti_plugin::agents::Agent;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{dirs_in, files_in, json_lines, Call, Kind, Limits, LineCounts};

/// Record types Claude Code writes that carry no tool call.
const OTHER_TYPES: &[&str] = &[
    "user",
    "system",
    "summary",
    "file-history-snapshot",
    "attachment",
    "progress",
    "queue-operation",
    "custom-title",
    "tag",
    "result",
    // Bookkeeping of Claude Code 2.1.329 (seen in captured transcripts).
    "queue-operation",
    "atis-latch",
    "api-request-shape",
    "api-request-blob",
    "api-request",
    "last-prompt",
    "tools-used",
    "cost-state",
];

/// The transcripts under `~/.claude` (`root`).
pub fn transcripts(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for project in dirs_in(&root.join("projects")) {
        out.extend(files_in(&project, |n| n.ends_with(".jsonl")));
        for session in dirs_in(&project) {
            out.extend(files_in(&session.join("subagents"), |n| {
                n.ends_with(".jsonl")
            }));
        }
    }
    out
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    cwd: Option<String>,
    timestamp: Option<String>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    name: Option<String>,
    input: Option<serde_json::Value>,
}

/// Reads one Claude Code transcript.
pub fn read(
    path: &Path,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    // The file name is the session id; records say it too (and win when they do).
    let file_session = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut session = file_session;
    let mut cwd: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    json_lines(reader, limits, |n, text| {
        let Ok(record) = serde_json::from_str::<Record<'_>>(text) else {
            return Kind::Damaged;
        };
        if let Some(s) = record.session_id {
            session = s;
        }
        if record.cwd.is_some() {
            cwd = record.cwd;
        }
        let Some(kind) = record.kind.as_deref() else {
            return Kind::Unknown;
        };
        if kind != "assistant" {
            return if OTHER_TYPES.contains(&kind) {
                Kind::Known
            } else {
                Kind::Unknown
            };
        }
        // Only assistant lines naming a tool_use are parsed further.
        let Some(message) = record.message else {
            return Kind::Damaged;
        };
        if !message.get().contains("tool_use") {
            return Kind::Known;
        }
        let Ok(message) = serde_json::from_str::<Message<'_>>(message.get()) else {
            return Kind::Damaged;
        };
        let Some(content) = message.content else {
            return Kind::Known;
        };
        if !content.get().trim_start().starts_with('[') {
            return Kind::Known; // a plain-text message
        }
        let Ok(blocks) = serde_json::from_str::<Vec<Block>>(content.get()) else {
            return Kind::Damaged;
        };
        let mut damaged = false;
        for block in blocks {
            if block.kind.as_deref() != Some("tool_use") {
                continue;
            }
            let (Some(name), Some(input)) = (block.name, block.input) else {
                damaged = true;
                continue;
            };
            if let Some(id) = &block.id {
                if !seen.insert(id.clone()) {
                    continue;
                }
            }
            sink(Call {
                agent: Agent::ClaudeCode,
                session_id: session.clone(),
                cwd: cwd.clone(),
                time: record.timestamp.clone(),
                tool_name: name,
                tool_input: input,
                tool_use_id: block.id,
                model: None,
                turn_id: None,
                transcript: path.to_path_buf(),
                line: n,
            });
        }
        if damaged {
            Kind::Damaged
        } else {
            Kind::Known
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> (Vec<Call>, LineCounts) {
        let mut calls = Vec::new();
        let counts = read(
            Path::new("/h/.claude/projects/-p/sess-file.jsonl"),
            text.as_bytes(),
            Limits::default(),
            &mut |c| calls.push(c),
        )
        .unwrap();
        (calls, counts)
    }

    #[test]
    fn tool_uses_become_calls() {
        let text = r#"{"type":"summary","summary":"x","leafUuid":"u"}
{"type":"user","sessionId":"S1","cwd":"/p","timestamp":"2026-11-21T00:00:00Z","message":{"role":"user","content":"hi"}}
{"type":"assistant","sessionId":"S1","cwd":"/p","timestamp":"2026-11-21T00:00:01Z","message":{"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls -la","description":"list"}}]}}
{"type":"assistant","sessionId":"S1","cwd":"/p","timestamp":"2026-11-21T00:00:01Z","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls -la"}}]}}
{"type":"assistant","sessionId":"S1","cwd":"/p","timestamp":"2026-11-21T00:00:02Z","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"Read","input":{"file_path":"/p/a.rs"}}]}}
"#;
        let (calls, counts) = read_str(text);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].tool_name, "Bash");
        assert_eq!(calls[0].session_id, "S1");
        assert_eq!(calls[0].cwd.as_deref(), Some("/p"));
        assert_eq!(calls[0].line, 3);
        assert_eq!(calls[1].tool_input["file_path"], "/p/a.rs");
        assert_eq!(counts.lines, 5);
        assert_eq!(counts.damaged, 0);
    }

    #[test]
    fn damaged_and_unknown_lines_are_counted_and_skipped() {
        let text = "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"Bash\",\"input\":{\"command\":\"x\"}}]}}\n\
                    {\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"b\"\n\
                    not json at all\n\
                    {\"type\":\"some-new-record\"}\n\
                    [1,2]\n\
                    {\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"c\",\"name\":\"Bash\"}]}}\n";
        let (calls, counts) = read_str(text);
        assert_eq!(calls.len(), 1);
        // No sessionId in the records: the file name is the session.
        assert_eq!(calls[0].session_id, "sess-file");
        assert_eq!(counts.lines, 6);
        assert_eq!(counts.damaged, 4);
        assert_eq!(counts.unknown, 1);
    }
}
