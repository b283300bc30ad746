//! GitHub Copilot CLI session logs: `~/.copilot/session-state/<session>/events.jsonl` (older
//! builds: `~/.copilot/session-state/<session>.jsonl`), one event per line:
//! `{"type", "data", "id", "timestamp", "parentId"}`.
//!
//! - `session.start` / `session.resume`: `data.sessionId`, `data.context.cwd`;
//! - `assistant.message`: `data.toolRequests[]` `{toolCallId, name, arguments}`, the calls the
//!   model asked for (each one went through `preToolUse`);
//! - `tool.execution_start`: `data` `{toolCallId, toolName, arguments}`; counted only when its
//!   `toolCallId` was not already seen in a `toolRequests` entry.
//!
//! The payload is the camelCase `preToolUse` form: `{sessionId, timestamp (ms), cwd, toolName,
//! toolArgs}`.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use prempti_plugin::agents::Agent;
use serde::Deserialize;
use serde_json::Value;

use super::{dirs_in, files_in, json_lines, str_of, Call, Kind, Limits, LineCounts};

/// The session logs under `~/.copilot` (`root`).
pub fn transcripts(root: &Path) -> Vec<PathBuf> {
    let state = root.join("session-state");
    let mut out = files_in(&state, |n| n.ends_with(".jsonl"));
    for dir in dirs_in(&state) {
        out.extend(files_in(&dir, |n| n == "events.jsonl"));
    }
    out
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<Value>,
    timestamp: Option<String>,
}

/// Reads one Copilot CLI session log.
pub fn read(
    path: &Path,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    // <session>/events.jsonl or <session>.jsonl: the session id names the file or directory.
    let file_session = if path.file_name().is_some_and(|n| n == "events.jsonl") {
        path.parent().and_then(Path::file_name)
    } else {
        path.file_stem()
    }
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
    let mut session = file_session;
    let mut cwd: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    json_lines(reader, limits, |n, text| {
        let Ok(event) = serde_json::from_str::<Event>(text) else {
            return Kind::Damaged;
        };
        let (Some(kind), Some(data)) = (event.kind.as_deref(), event.data) else {
            return Kind::Damaged;
        };
        let mut emit = |id: Option<String>, name: String, args: Value| {
            if let Some(id) = &id {
                if !seen.insert(id.clone()) {
                    return;
                }
            }
            sink(Call {
                agent: Agent::Copilot,
                session_id: session.clone(),
                cwd: cwd.clone(),
                time: event.timestamp.clone(),
                tool_name: name,
                tool_input: args,
                tool_use_id: id,
                model: None,
                turn_id: None,
                transcript: path.to_path_buf(),
                line: n,
            });
        };
        match kind {
            "session.start" | "session.resume" => {
                if let Some(id) = str_of(&data, "sessionId") {
                    session = id;
                }
                if let Some(c) = data
                    .get("context")
                    .and_then(|c| c.get("cwd"))
                    .and_then(Value::as_str)
                {
                    cwd = Some(c.to_owned());
                }
                Kind::Known
            }
            "assistant.message" => {
                let Some(requests) = data.get("toolRequests") else {
                    return Kind::Known;
                };
                let Some(requests) = requests.as_array() else {
                    return Kind::Damaged;
                };
                let mut damaged = false;
                for r in requests {
                    match str_of(r, "name") {
                        Some(name) => emit(
                            str_of(r, "toolCallId"),
                            name,
                            r.get("arguments").cloned().unwrap_or(Value::Null),
                        ),
                        None => damaged = true,
                    }
                }
                if damaged {
                    Kind::Damaged
                } else {
                    Kind::Known
                }
            }
            "tool.execution_start" => match str_of(&data, "toolName") {
                Some(name) => {
                    emit(
                        str_of(&data, "toolCallId"),
                        name,
                        data.get("arguments").cloned().unwrap_or(Value::Null),
                    );
                    Kind::Known
                }
                None => Kind::Damaged,
            },
            k if k.starts_with("session.")
                || k.starts_with("assistant.")
                || k.starts_with("user.")
                || k.starts_with("tool.")
                || k.starts_with("subagent.")
                || k.starts_with("hook.")
                || k.starts_with("system.") =>
            {
                Kind::Known
            }
            _ => Kind::Unknown,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_requests_and_execution_starts() {
        let text = r#"{"type":"session.start","data":{"sessionId":"S9","version":1,"producer":"copilot-agent","copilotVersion":"0.0.400","startTime":"2026-11-21T00:00:00.000Z","context":{"cwd":"/home/dev/p"}},"id":"e1","timestamp":"2026-11-21T00:00:00.000Z","parentId":null}
{"type":"user.message","data":{"content":"do it"},"id":"e2","timestamp":"2026-11-21T00:00:01.000Z","parentId":"e1"}
{"type":"assistant.message","data":{"messageId":"m","content":"","toolRequests":[{"toolCallId":"tc1","name":"bash","arguments":{"command":"rm -rf build","description":"clean"},"type":"function"}]},"id":"e3","timestamp":"2026-11-21T00:00:02.000Z","parentId":"e2"}
{"type":"tool.execution_start","data":{"toolCallId":"tc1","toolName":"bash","arguments":{"command":"rm -rf build"}},"id":"e4","timestamp":"2026-11-21T00:00:02.100Z","parentId":"e3"}
{"type":"tool.execution_start","data":{"toolCallId":"tc2","toolName":"view","arguments":{"path":"/home/dev/p/a"}},"id":"e5","timestamp":"2026-11-21T00:00:03.000Z","parentId":"e3"}
{"type":"tool.execution_start","data":{"toolCallId":"tc3"},"id":"e6","timestamp":"2026-11-21T00:00:03.000Z"}
{"type":"brand.new","data":{}}
{"data":{}}
"#;
        let mut calls = Vec::new();
        let counts = read(
            Path::new("/h/.copilot/session-state/S9/events.jsonl"),
            text.as_bytes(),
            Limits::default(),
            &mut |c| calls.push(c),
        )
        .unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].tool_name, "bash");
        assert_eq!(calls[0].cwd.as_deref(), Some("/home/dev/p"));
        assert_eq!(calls[0].session_id, "S9");
        assert_eq!(calls[1].tool_name, "view");
        assert_eq!(counts.lines, 8);
        assert_eq!(counts.damaged, 2);
        assert_eq!(counts.unknown, 1);
    }
}
