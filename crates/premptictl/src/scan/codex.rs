//! Codex CLI rollouts: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`, one
//! `{"timestamp", "type", "payload"}` record per line:
//!
//! - `session_meta`: `payload.id` (the session id the hook reports), `payload.cwd`;
//! - `turn_context`: `payload.cwd`, `payload.model`, `payload.turn_id` for the turn's calls;
//! - `response_item` with `payload.type`:
//!   - `function_call` `{name, arguments (JSON text), call_id}`: the shell tools
//!     (`exec_command` `{"cmd"}`, `shell` / `shell_command` / `container.exec` `{"command"}`)
//!     reach the hook as `Bash` `{"command"}`, `apply_patch` as `apply_patch` `{"command": patch}`,
//!     anything else (MCP `mcp__server__tool`, `update_plan`, ...) under its own name with its
//!     arguments; `write_stdin` does not run the hook and is not a call;
//!   - `custom_tool_call` `{name, input, call_id}`: the freeform `apply_patch` (patch text);
//!   - `local_shell_call` `{call_id, action: {command: [...]}}`: `Bash`;
//!   - other items (messages, reasoning, outputs, hosted web search) are not hooked;
//! - `event_msg`, `compacted`: known, no calls.
//!
//! The payload is `{session_id, turn_id, transcript_path, cwd, hook_event_name: "PreToolUse",
//! model, tool_name, tool_input, tool_use_id}`; the plugin splits a multi-file patch per file.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use prempti_plugin::agents::Agent;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{dirs_in, files_in, json_lines, str_of, Call, Kind, Limits, LineCounts};

/// The rollouts under `$CODEX_HOME` (`root`): `sessions/YYYY/MM/DD/rollout-*.jsonl`, and
/// `rollout-*.jsonl` directly in `sessions/` (older layout).
pub fn transcripts(root: &Path) -> Vec<PathBuf> {
    let sessions = root.join("sessions");
    let rollout = |n: &str| n.starts_with("rollout-") && n.ends_with(".jsonl");
    let mut out = files_in(&sessions, rollout);
    for year in dirs_in(&sessions) {
        for month in dirs_in(&year) {
            for day in dirs_in(&month) {
                out.extend(files_in(&day, rollout));
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct Record {
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    payload: Option<Value>,
}

/// Shell tool names whose calls the hook reports as `Bash`.
const SHELL_TOOLS: &[&str] = &[
    "exec_command",
    "shell",
    "shell_command",
    "container.exec",
    "local_shell",
];

#[derive(Default)]
struct State {
    session: Option<String>,
    cwd: Option<String>,
    model: Option<String>,
    turn_id: Option<String>,
}

/// Reads one Codex rollout.
pub fn read(
    path: &Path,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    // rollout-2026-11-21T00-45-54-<uuid>.jsonl: the id is the last 36 characters of the stem.
    let file_session = path.file_stem().and_then(|s| s.to_str()).and_then(|s| {
        let n = s.len();
        (n >= 36).then(|| s[n - 36..].to_owned())
    });
    let mut st = State {
        session: file_session,
        ..State::default()
    };
    json_lines(reader, limits, |n, text| {
        // Most lines are messages, reasoning and tool output: only the kinds below matter.
        let Ok(record) = serde_json::from_str::<Record>(text) else {
            return Kind::Damaged;
        };
        let (Some(kind), Some(payload)) = (record.kind.as_deref(), record.payload) else {
            return Kind::Damaged;
        };
        match kind {
            "session_meta" => {
                if let Some(id) = str_of(&payload, "id") {
                    st.session = Some(id);
                }
                if let Some(cwd) = str_of(&payload, "cwd") {
                    st.cwd = Some(cwd);
                }
                Kind::Known
            }
            "turn_context" => {
                if let Some(cwd) = str_of(&payload, "cwd") {
                    st.cwd = Some(cwd);
                }
                if let Some(model) = str_of(&payload, "model") {
                    st.model = Some(model);
                }
                st.turn_id = str_of(&payload, "turn_id").or(st.turn_id.take());
                Kind::Known
            }
            // `world_state` and `token_usage_record`: Codex 0.169.0 bookkeeping.
            "event_msg" | "compacted" | "world_state" | "token_usage_record" => Kind::Known,
            "response_item" => match to_hook(&payload) {
                Item::Call(tool_name, tool_input, id) => {
                    sink(Call {
                        agent: Agent::Codex,
                        session_id: st.session.clone().unwrap_or_default(),
                        cwd: st.cwd.clone(),
                        time: record.timestamp,
                        tool_name,
                        tool_input,
                        tool_use_id: id,
                        model: st.model.clone(),
                        turn_id: st.turn_id.clone(),
                        transcript: path.to_path_buf(),
                        line: n,
                    });
                    Kind::Known
                }
                Item::NotACall => Kind::Known,
                Item::Damaged => Kind::Damaged,
            },
            _ => Kind::Unknown,
        }
    })
}

enum Item {
    Call(String, Value, Option<String>),
    NotACall,
    Damaged,
}

/// The hook's tool name and input for one response item.
fn to_hook(item: &Value) -> Item {
    let id = str_of(item, "call_id").or_else(|| str_of(item, "id"));
    match item.get("type").and_then(Value::as_str) {
        Some("function_call") => {
            let Some(name) = str_of(item, "name") else {
                return Item::Damaged;
            };
            let args = match item.get("arguments") {
                Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                    Ok(v) => v,
                    Err(_) if name == "apply_patch" => json!({ "input": s }),
                    Err(_) => return Item::Damaged,
                },
                Some(v) => v.clone(),
                None => return Item::Damaged,
            };
            if name == "write_stdin" {
                return Item::NotACall;
            }
            if SHELL_TOOLS.contains(&name.as_str()) {
                let Some(command) = args.get("cmd").or_else(|| args.get("command")) else {
                    return Item::Damaged;
                };
                return Item::Call("Bash".to_owned(), json!({ "command": command }), id);
            }
            if name == "apply_patch" {
                let patch = ["input", "patch", "command"]
                    .iter()
                    .find_map(|k| args.get(*k).and_then(Value::as_str));
                return match patch {
                    Some(p) => Item::Call(name, json!({ "command": p }), id),
                    None => Item::Damaged,
                };
            }
            Item::Call(name, args, id)
        }
        Some("custom_tool_call") => {
            let (Some(name), Some(input)) = (str_of(item, "name"), str_of(item, "input")) else {
                return Item::Damaged;
            };
            if name == "apply_patch" {
                Item::Call(name, json!({ "command": input }), id)
            } else {
                Item::Call(name, json!({ "input": input }), id)
            }
        }
        Some("local_shell_call") => match item.get("action").and_then(|a| a.get("command")) {
            Some(command) => Item::Call("Bash".to_owned(), json!({ "command": command }), id),
            None => Item::Damaged,
        },
        Some(_) => Item::NotACall,
        None => Item::Damaged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> (Vec<Call>, LineCounts) {
        let mut calls = Vec::new();
        let counts = read(
            Path::new("/h/.codex/sessions/2026/11/21/rollout-2026-11-21T00-45-54-01a1fb91-1eb2-7f80-92c2-1fc818cc9e1f.jsonl"),
            text.as_bytes(),
            Limits::default(),
            &mut |c| calls.push(c),
        )
        .unwrap();
        (calls, counts)
    }

    #[test]
    fn shell_patch_and_other_tools() {
        let text = r#"{"timestamp":"2026-11-21T00:45:54.100Z","type":"session_meta","payload":{"id":"01a1fb91-1eb2-7f80-92c2-1fc818cc9e1f","timestamp":"2026-11-21T00:45:54.000Z","cwd":"/home/dev/p","originator":"codex_exec","cli_version":"0.169.0"}}
{"timestamp":"2026-11-21T00:45:54.200Z","type":"turn_context","payload":{"turn_id":"T1","cwd":"/home/dev/p","model":"gpt-5.5","approval_policy":"never"}}
{"timestamp":"2026-11-21T00:45:55.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}
{"timestamp":"2026-11-21T00:45:56.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"git status\",\"yield_time_ms\":1000}","call_id":"call_1"}}
{"timestamp":"2026-11-21T00:45:57.000Z","type":"response_item","payload":{"type":"custom_tool_call","status":"completed","call_id":"call_2","name":"apply_patch","input":"*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n"}}
{"timestamp":"2026-11-21T00:45:58.000Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"ls\"]}","call_id":"call_3"}}
{"timestamp":"2026-11-21T00:45:59.000Z","type":"response_item","payload":{"type":"function_call","name":"write_stdin","arguments":"{\"session_id\":1,\"chars\":\"y\"}","call_id":"call_4"}}
{"timestamp":"2026-11-21T00:46:00.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_1","output":"ok"}}
{"timestamp":"2026-11-21T00:46:01.000Z","type":"event_msg","payload":{"type":"token_count"}}
{"timestamp":"2026-11-21T00:46:02.000Z","type":"response_item","payload":{"type":"local_shell_call","call_id":"call_5","status":"completed","action":{"type":"exec","command":["echo","hi"]}}}
{"timestamp":"2026-11-21T00:46:03.000Z","type":"response_item","payload":{"type":"function_call","name":"mcp__github__create_issue","arguments":"{\"title\":\"t\"}","call_id":"call_6"}}
"#;
        let (calls, counts) = read_str(text);
        let names: Vec<&str> = calls.iter().map(|c| c.tool_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Bash",
                "apply_patch",
                "Bash",
                "Bash",
                "mcp__github__create_issue"
            ]
        );
        assert_eq!(calls[0].tool_input, json!({"command": "git status"}));
        assert_eq!(calls[0].session_id, "01a1fb91-1eb2-7f80-92c2-1fc818cc9e1f");
        assert_eq!(calls[0].turn_id.as_deref(), Some("T1"));
        assert_eq!(calls[0].model.as_deref(), Some("gpt-5.5"));
        assert_eq!(calls[0].cwd.as_deref(), Some("/home/dev/p"));
        assert!(calls[1].tool_input["command"]
            .as_str()
            .unwrap()
            .starts_with("*** Begin Patch"));
        assert_eq!(
            calls[2].tool_input,
            json!({"command": ["bash", "-lc", "ls"]})
        );
        assert_eq!(counts.lines, 11);
        assert_eq!(counts.damaged + counts.unknown, 0);
    }

    #[test]
    fn damaged_lines_are_counted() {
        let text = "{\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":\"exec_command\",\"arguments\":\"{not json\",\"call_id\":\"c\"}}\n\
                    {\"timestamp\":\"t\",\"type\":\"response_item\"}\n\
                    {\"timestamp\":\"t\",\"type\":\"future_kind\",\"payload\":{}}\n\
                    garbage\n\
                    {\"timestamp\":\"t\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":\"exec_command\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\",\"call_id\":\"c\"}}\n";
        let (calls, counts) = read_str(text);
        assert_eq!(calls.len(), 1);
        // No session_meta: the id comes from the file name.
        assert_eq!(calls[0].session_id, "01a1fb91-1eb2-7f80-92c2-1fc818cc9e1f");
        assert_eq!(counts.damaged, 3);
        assert_eq!(counts.unknown, 1);
    }
}
