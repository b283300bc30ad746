//! Gemini CLI chat recordings: `~/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl`
//! (subagents: `chats/<parent session>/<id>.jsonl`), as `ChatRecordingService` writes them
//! (Gemini CLI 0.61): one JSON record per line,
//!
//! - the first, metadata: `{sessionId, projectHash, startTime, lastUpdated, kind, ...}`;
//! - messages `{id, timestamp, type: "user"|"gemini"|..., content, toolCalls?}`, appended again
//!   whole each time they change (a tool call's status, its result): a tool call id already
//!   seen in the file is not counted again;
//! - `{"$set": {...}}` metadata updates and `{"$rewindTo": id}` rewinds (known, no calls).
//!
//! Tool calls are `toolCalls[]` `{id, name, args, status, timestamp}`. The session's directory
//! is not in the file: `<project>/.project_root` holds it (Gemini's project registry writes it).
//! Older builds wrote one JSON document per session (`session-*.json`, `{sessionId, messages}`);
//! such a file is read whole only when it is no larger than the line limit, else counted as one
//! oversize line.
//!
//! The payload is `{session_id, transcript_path, cwd, hook_event_name: "BeforeTool",
//! timestamp, tool_name, tool_input}`.

use std::collections::HashSet;
use std::io::{BufRead, Read as _};
use std::path::{Path, PathBuf};

use prempti_plugin::agents::Agent;
use serde_json::Value;

use super::{dirs_in, files_in, json_lines, str_of, Call, Kind, Limits, LineCounts};

/// The chat recordings under `~/.gemini` (`root`).
pub fn transcripts(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let is_chat = |n: &str| n.ends_with(".jsonl") || n.ends_with(".json");
    for project in dirs_in(&root.join("tmp")) {
        let chats = project.join("chats");
        out.extend(files_in(&chats, is_chat));
        for parent in dirs_in(&chats) {
            out.extend(files_in(&parent, |n| n.ends_with(".jsonl")));
        }
    }
    out
}

/// The project directory recorded next to a chat file (`<project>/.project_root`), if any.
fn project_root(path: &Path) -> Option<String> {
    let chats = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "chats"))?;
    let file = std::fs::File::open(chats.parent()?.join(".project_root")).ok()?;
    let mut text = String::new();
    file.take(64 * 1024).read_to_string(&mut text).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

struct State<'p> {
    path: &'p Path,
    session: String,
    cwd: Option<String>,
    seen: HashSet<String>,
}

impl State<'_> {
    /// Emits the calls of one message record; `false` when it is damaged.
    fn message(&mut self, record: &Value, n: usize, sink: &mut dyn FnMut(Call)) -> bool {
        let Some(calls) = record.get("toolCalls") else {
            return true;
        };
        let Some(calls) = calls.as_array() else {
            return false;
        };
        let mut ok = true;
        for tc in calls {
            let Some(name) = str_of(tc, "name") else {
                ok = false;
                continue;
            };
            let id = str_of(tc, "id");
            if let Some(id) = &id {
                if !self.seen.insert(id.clone()) {
                    continue;
                }
            }
            sink(Call {
                agent: Agent::GeminiCli,
                session_id: self.session.clone(),
                cwd: self.cwd.clone(),
                time: str_of(tc, "timestamp").or_else(|| str_of(record, "timestamp")),
                tool_name: name,
                tool_input: tc
                    .get("args")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default())),
                tool_use_id: id,
                model: None,
                turn_id: None,
                transcript: self.path.to_path_buf(),
                line: n,
            });
        }
        ok
    }
}

/// Reads one Gemini CLI chat recording.
pub fn read(
    path: &Path,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    let mut st = State {
        path,
        session: String::new(),
        cwd: project_root(path),
        seen: HashSet::new(),
    };
    if path.extension().is_some_and(|e| e == "json") {
        return read_whole(&mut st, reader, limits, sink);
    }
    json_lines(reader, limits, |n, text| {
        let Ok(record) = serde_json::from_str::<Value>(text) else {
            return Kind::Damaged;
        };
        if !record.is_object() {
            return Kind::Damaged;
        }
        if record.get("$set").is_some() || record.get("$rewindTo").is_some() {
            return Kind::Known;
        }
        if let Some(id) = str_of(&record, "sessionId") {
            if record.get("projectHash").is_some() {
                st.session = id;
                return Kind::Known;
            }
        }
        if record.get("id").and_then(Value::as_str).is_some() {
            return if st.message(&record, n, sink) {
                Kind::Known
            } else {
                Kind::Damaged
            };
        }
        Kind::Unknown
    })
}

/// The older one-document format, read whole within the line limit.
fn read_whole(
    st: &mut State<'_>,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    let mut counts = LineCounts {
        lines: 1,
        ..LineCounts::default()
    };
    let mut text = Vec::new();
    let cap = u64::try_from(limits.max_line_bytes).unwrap_or(u64::MAX);
    reader.take(cap.saturating_add(1)).read_to_end(&mut text)?;
    if text.len() > limits.max_line_bytes {
        counts.oversize = 1;
        return Ok(counts);
    }
    let Ok(doc) = serde_json::from_slice::<Value>(&text) else {
        counts.damaged = 1;
        return Ok(counts);
    };
    st.session = str_of(&doc, "sessionId").unwrap_or_default();
    let Some(messages) = doc.get("messages").and_then(Value::as_array) else {
        counts.damaged = 1;
        return Ok(counts);
    };
    for (i, m) in messages.iter().enumerate() {
        if !st.message(m, i + 1, sink) {
            counts.damaged += 1;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_records_and_repeated_messages() {
        let dir = tempfile::tempdir().unwrap();
        let chats = dir.path().join("proj").join("chats");
        std::fs::create_dir_all(&chats).unwrap();
        std::fs::write(dir.path().join("proj/.project_root"), "/home/dev/p\n").unwrap();
        let file = chats.join("session-2026-11-21T00-46-c4181eaa.jsonl");
        let text = r#"{"sessionId":"c4181eaa-6388-4662-93c6-c2a9a586c4c3","projectHash":"ab","startTime":"2026-11-21T00:46:00.000Z","lastUpdated":"2026-11-21T00:46:00.000Z","kind":"main"}
{"id":"m1","timestamp":"2026-11-21T00:46:00.500Z","type":"user","content":[{"text":"go"}]}
{"$set":{"lastUpdated":"2026-11-21T00:46:00.600Z"}}
{"id":"m2","timestamp":"2026-11-21T00:46:01.000Z","type":"gemini","content":"","toolCalls":[{"id":"run_shell_command-1","name":"run_shell_command","args":{"command":"echo hi"},"status":"scheduled","timestamp":"2026-11-21T00:46:01.000Z"}]}
{"id":"m2","timestamp":"2026-11-21T00:46:01.000Z","type":"gemini","content":"","toolCalls":[{"id":"run_shell_command-1","name":"run_shell_command","args":{"command":"echo hi"},"status":"success","timestamp":"2026-11-21T00:46:01.000Z","result":[]}]}
{"id":"m3","type":"gemini","toolCalls":[{"id":"x"}]}
{"$rewindTo":"m2"}
{"what":1}
{broken
"#;
        std::fs::write(&file, text).unwrap();
        let mut calls = Vec::new();
        let counts =
            super::super::read_transcript(Agent::GeminiCli, &file, Limits::default(), &mut |c| {
                calls.push(c)
            })
            .unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].session_id, "c4181eaa-6388-4662-93c6-c2a9a586c4c3");
        assert_eq!(calls[0].cwd.as_deref(), Some("/home/dev/p"));
        assert_eq!(calls[0].tool_input["command"], "echo hi");
        assert_eq!(counts.lines, 9);
        assert_eq!(counts.damaged, 2);
        assert_eq!(counts.unknown, 1);
    }

    #[test]
    fn older_whole_json_files() {
        let text = r#"{"sessionId":"S","projectHash":"h","messages":[{"id":"a","type":"user","content":"x"},{"id":"b","type":"gemini","toolCalls":[{"id":"t1","name":"read_file","args":{"absolute_path":"/etc/passwd"},"timestamp":"2026-01-01T00:00:00Z"}]}]}"#;
        let mut calls = Vec::new();
        let path = Path::new("/nowhere/tmp/h/chats/session-x.json");
        let counts = read(path, text.as_bytes(), Limits::default(), &mut |c| {
            calls.push(c)
        })
        .unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].line, 2);
        assert_eq!(counts.damaged, 0);
        let small = Limits { max_line_bytes: 10 };
        let counts = read(path, text.as_bytes(), small, &mut |_| {}).unwrap();
        assert_eq!(counts.oversize, 1);
    }
}
