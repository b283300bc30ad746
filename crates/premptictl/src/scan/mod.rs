//! `premptictl scan`: reads the transcripts agents keep on this machine, rebuilds each recorded
//! tool call into the payload the agent's pre-tool hook would have sent, and evaluates it the way
//! `rules eval` does ([`crate::rules_tools::evaluate_payload_with`]: the plugin's own payload
//! normalization, Codex `apply_patch` split per file, the embedded engine, the plugin's verdict
//! resolution).
//!
//! One module per agent reads that agent's transcript format into [`Call`]s:
//!
//! | agent | where | module |
//! |---|---|---|
//! | Claude Code | `~/.claude/projects/<project>/<session>.jsonl` (and `<session>/subagents/*.jsonl`) | [`claude`] |
//! | Codex CLI | `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl` (`CODEX_HOME` default `~/.codex`) | [`codex`] |
//! | Gemini CLI | `~/.gemini/tmp/<project>/chats/session-*.jsonl` (and the older `*.json`) | [`gemini`] |
//! | Copilot CLI | `~/.copilot/session-state/<session>/events.jsonl` (and the older `<session>.jsonl`) | [`copilot`] |
//!
//! Reading is bounded: files are streamed line by line ([`for_each_line`]), a line longer than
//! [`Limits::max_line_bytes`] is skipped without being held in memory and counted as oversize, and
//! a line that is not what the format says is counted as damaged and skipped; nothing is fatal but
//! an unreadable directory entry, which is counted too. Nothing is written.

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod gemini;
pub mod report;

use std::io::BufRead;
use std::path::{Path, PathBuf};

use prempti_plugin::agents::Agent;
use serde_json::Value;

/// The largest transcript line read (longer lines are skipped and counted): the hook's own
/// default input limit (`PREMPTI_INPUT_MAX_BYTES`, 8 MiB), so any call the hook could have been
/// sent fits.
pub const DEFAULT_MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// Bounds on reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line read; longer lines are skipped and counted as oversize.
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

/// One tool call found in a transcript, with what the agent's hook would have been told.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The agent that made it.
    pub agent: Agent,
    /// Session id as the hook reports it.
    pub session_id: String,
    /// Working directory of the session when known.
    pub cwd: Option<String>,
    /// When the call was recorded (RFC 3339, as the transcript has it).
    pub time: Option<String>,
    /// Tool name as the hook names it (Codex shell tools are `Bash`, as its hook sends them).
    pub tool_name: String,
    /// Tool input as the hook sends it.
    pub tool_input: Value,
    /// Tool call id.
    pub tool_use_id: Option<String>,
    /// Model (Codex sends it to the hook).
    pub model: Option<String>,
    /// Turn id (Codex sends it to the hook).
    pub turn_id: Option<String>,
    /// The transcript file.
    pub transcript: PathBuf,
    /// Line number in the transcript (1-based; the message number for a whole-JSON file).
    pub line: usize,
}

impl Call {
    /// The stdin the agent's pre-tool hook would have received for this call.
    pub fn payload(&self) -> String {
        let transcript = self.transcript.to_string_lossy();
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        let s = |v: &Option<String>| v.as_ref().map(|s| Value::String(s.clone()));
        match self.agent {
            Agent::Copilot => {
                put("sessionId", Some(Value::String(self.session_id.clone())));
                put("timestamp", self.time_ms().map(Value::from));
                put("cwd", s(&self.cwd));
                put("toolName", Some(Value::String(self.tool_name.clone())));
                put("toolArgs", Some(self.tool_input.clone()));
            }
            agent => {
                put("session_id", Some(Value::String(self.session_id.clone())));
                if agent == Agent::Codex {
                    put("turn_id", s(&self.turn_id));
                }
                put(
                    "transcript_path",
                    Some(Value::String(transcript.into_owned())),
                );
                put("cwd", s(&self.cwd));
                let event = if agent == Agent::GeminiCli {
                    "BeforeTool"
                } else {
                    "PreToolUse"
                };
                put("hook_event_name", Some(Value::String(event.to_owned())));
                if agent == Agent::Codex {
                    put("model", s(&self.model));
                }
                if agent == Agent::GeminiCli {
                    put("timestamp", s(&self.time));
                }
                put("tool_name", Some(Value::String(self.tool_name.clone())));
                put("tool_input", Some(self.tool_input.clone()));
                if agent != Agent::GeminiCli {
                    put("tool_use_id", s(&self.tool_use_id));
                }
            }
        }
        Value::Object(m).to_string()
    }

    /// The recorded time, parsed.
    pub fn timestamp(&self) -> Option<jiff::Timestamp> {
        self.time.as_deref().and_then(|t| t.parse().ok())
    }

    fn time_ms(&self) -> Option<i64> {
        self.timestamp().map(|t| t.as_millisecond())
    }
}

/// What reading one transcript found besides calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LineCounts {
    /// Lines read (blank lines excluded).
    pub lines: u64,
    /// Lines that are not JSON, or not the record the format promises (skipped).
    pub damaged: u64,
    /// JSON records of a kind the reader does not know (skipped).
    pub unknown: u64,
    /// Lines longer than the limit (skipped unread).
    pub oversize: u64,
}

impl LineCounts {
    /// Adds another file's counts.
    pub fn add(&mut self, o: &LineCounts) {
        self.lines += o.lines;
        self.damaged += o.damaged;
        self.unknown += o.unknown;
        self.oversize += o.oversize;
    }
}

/// One line handed out by [`for_each_line`].
#[derive(Debug)]
pub enum Line<'a> {
    /// A complete line (without its line ending), valid UTF-8.
    Text(&'a str),
    /// A line longer than the limit: skipped, never held whole in memory.
    Oversize,
    /// A line that is not UTF-8.
    NotUtf8,
}

/// Streams `reader` line by line, never holding more than `max` bytes of one line. Blank lines
/// are skipped. `f` gets the 1-based line number and the line. A read error ends the file and
/// is returned.
pub fn for_each_line<R: BufRead>(
    mut reader: R,
    max: usize,
    mut f: impl FnMut(usize, Line<'_>),
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut over = false;
    let mut number = 0usize;
    let mut emit = |buf: &mut Vec<u8>, over: &mut bool, f: &mut dyn FnMut(usize, Line<'_>)| {
        number += 1;
        if *over {
            f(number, Line::Oversize);
        } else {
            let mut bytes = buf.as_slice();
            if bytes.last() == Some(&b'\r') {
                bytes = &bytes[..bytes.len() - 1];
            }
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                match std::str::from_utf8(bytes) {
                    Ok(s) => f(number, Line::Text(s)),
                    Err(_) => f(number, Line::NotUtf8),
                }
            }
        }
        buf.clear();
        *over = false;
    };
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if over || !buf.is_empty() {
                emit(&mut buf, &mut over, &mut f);
            }
            return Ok(());
        }
        let (chunk, consumed, ends) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if !over {
            if buf.len() + chunk.len() > max {
                over = true;
                buf = Vec::new();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        reader.consume(consumed);
        if ends {
            emit(&mut buf, &mut over, &mut f);
        }
    }
}

/// Where each agent keeps its transcripts, given the user's home.
#[derive(Debug, Clone)]
pub struct Roots {
    /// The user's home directory.
    pub home: PathBuf,
    /// `~/.claude` (or `$CLAUDE_CONFIG_DIR`).
    pub claude: PathBuf,
    /// `~/.codex` (or `$CODEX_HOME`).
    pub codex: PathBuf,
    /// `~/.gemini`.
    pub gemini: PathBuf,
    /// `~/.copilot` (or `$COPILOT_HOME`).
    pub copilot: PathBuf,
}

impl Roots {
    /// The default places under `home`, honouring `CLAUDE_CONFIG_DIR`, `CODEX_HOME` and
    /// `COPILOT_HOME` when `env` gives them.
    pub fn new(home: &Path, env: impl Fn(&str) -> Option<String>) -> Roots {
        let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Roots {
            home: home.to_path_buf(),
            claude: var("CLAUDE_CONFIG_DIR").unwrap_or_else(|| home.join(".claude")),
            codex: var("CODEX_HOME").unwrap_or_else(|| home.join(".codex")),
            gemini: home.join(".gemini"),
            copilot: var("COPILOT_HOME").unwrap_or_else(|| home.join(".copilot")),
        }
    }

    /// The transcript files of `agent`, sorted by path. Agents whose transcripts `scan` does not
    /// read (Cursor, Qwen Code, OpenCode, Factory Droid) have none.
    pub fn transcripts(&self, agent: Agent) -> Vec<PathBuf> {
        let mut files = match agent {
            Agent::ClaudeCode => claude::transcripts(&self.claude),
            Agent::Codex => codex::transcripts(&self.codex),
            Agent::GeminiCli => gemini::transcripts(&self.gemini),
            Agent::Copilot => copilot::transcripts(&self.copilot),
            Agent::Cursor | Agent::QwenCode | Agent::OpenCode | Agent::Droid => Vec::new(),
        };
        files.sort();
        files
    }
}

/// Agents whose transcripts `scan` reads.
pub const AGENTS: [Agent; 4] = [
    Agent::ClaudeCode,
    Agent::Codex,
    Agent::GeminiCli,
    Agent::Copilot,
];

/// Reads one transcript of `agent`, handing every call to `sink`.
pub fn read_transcript(
    agent: Agent,
    path: &Path,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    let file = std::fs::File::open(path)?;
    let reader = std::io::BufReader::with_capacity(64 * 1024, file);
    read_from(agent, path, reader, limits, sink)
}

/// [`read_transcript`] over any reader (`path` names the transcript in the calls).
pub fn read_from(
    agent: Agent,
    path: &Path,
    reader: impl BufRead,
    limits: Limits,
    sink: &mut dyn FnMut(Call),
) -> std::io::Result<LineCounts> {
    match agent {
        Agent::ClaudeCode => claude::read(path, reader, limits, sink),
        Agent::Codex => codex::read(path, reader, limits, sink),
        Agent::GeminiCli => gemini::read(path, reader, limits, sink),
        Agent::Copilot => copilot::read(path, reader, limits, sink),
        Agent::Cursor | Agent::QwenCode | Agent::OpenCode | Agent::Droid => {
            Ok(LineCounts::default())
        }
    }
}

/// Runs `f` over each JSON line of `reader`, counting blank, oversize and non-JSON lines.
/// `f` returns what the line was.
pub(crate) fn json_lines<R: BufRead>(
    reader: R,
    limits: Limits,
    mut f: impl FnMut(usize, &str) -> Kind,
) -> std::io::Result<LineCounts> {
    let mut counts = LineCounts::default();
    for_each_line(reader, limits.max_line_bytes, |n, line| {
        counts.lines += 1;
        match line {
            Line::Oversize => counts.oversize += 1,
            Line::NotUtf8 => counts.damaged += 1,
            Line::Text(text) => match f(n, text) {
                Kind::Known => {}
                Kind::Unknown => counts.unknown += 1,
                Kind::Damaged => counts.damaged += 1,
            },
        }
    })?;
    Ok(counts)
}

/// What a reader made of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A record of the format (call or not).
    Known,
    /// A JSON record of a kind the reader does not know.
    Unknown,
    /// Not JSON, or not the shape its kind promises.
    Damaged,
}

/// Files directly in `dir` whose name satisfies `keep`.
pub(crate) fn files_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(&keep))
        .map(|e| e.path())
        .collect()
}

/// Subdirectories directly in `dir`.
pub(crate) fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// A string field of a JSON object.
pub(crate) fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for_each_line(input, max, |n, l| {
            out.push(match l {
                Line::Text(s) => format!("{n}:{s}"),
                Line::Oversize => format!("{n}:OVERSIZE"),
                Line::NotUtf8 => format!("{n}:NOTUTF8"),
            })
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_are_split_capped_and_checked() {
        assert_eq!(lines(b"a\nbb\r\n\n  \nccc", 10), ["1:a", "2:bb", "5:ccc"]);
        assert_eq!(
            lines(b"short\nthis line is too long\nok\n", 8),
            ["1:short", "2:OVERSIZE", "3:ok"]
        );
        assert_eq!(lines(b"\xff\xfe\nx", 8), ["1:NOTUTF8", "2:x"]);
        assert_eq!(lines(b"0123456789abc", 4), ["1:OVERSIZE"]);
    }

    #[test]
    fn oversize_lines_are_not_held_across_small_buffers() {
        // A reader with a tiny buffer feeds the line in pieces.
        let data = format!("{}\nafter\n", "x".repeat(10_000));
        let reader = std::io::BufReader::with_capacity(16, data.as_bytes());
        let mut out = Vec::new();
        for_each_line(reader, 100, |n, l| {
            out.push((n, matches!(l, Line::Oversize)));
        })
        .unwrap();
        assert_eq!(out, [(1, true), (2, false)]);
    }

    #[test]
    fn transcripts_are_found_where_each_agent_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let touch = |rel: &str| {
            let p = home.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        };
        for rel in [
            ".claude/projects/-p/s1.jsonl",
            ".claude/projects/-p/s1/subagents/agent-1.jsonl",
            ".claude/projects/-p/notes.txt",
            ".codex/sessions/2026/11/21/rollout-2026-11-21T00-00-00-x.jsonl",
            ".codex/sessions/rollout-old.jsonl",
            ".codex/sessions/2026/11/21/other.jsonl",
            ".gemini/tmp/proj/chats/session-a.jsonl",
            ".gemini/tmp/proj/chats/session-b.json",
            ".gemini/tmp/proj/chats/parent-id/sub.jsonl",
            ".gemini/tmp/proj/logs.json",
            ".copilot/session-state/s2/events.jsonl",
            ".copilot/session-state/s3.jsonl",
            ".copilot/session-state/s2/plan.md",
        ] {
            touch(rel);
        }
        let roots = Roots::new(home, |_| None);
        let found = |agent| -> Vec<String> {
            roots
                .transcripts(agent)
                .iter()
                .map(|p| {
                    let rel = p.strip_prefix(home).unwrap().display().to_string();
                    rel.replace(std::path::MAIN_SEPARATOR, "/")
                })
                .collect()
        };
        assert_eq!(
            found(Agent::ClaudeCode),
            // Paths sort component by component: `s1` before `s1.jsonl`.
            [
                ".claude/projects/-p/s1/subagents/agent-1.jsonl",
                ".claude/projects/-p/s1.jsonl"
            ]
        );
        assert_eq!(
            found(Agent::Codex),
            [
                ".codex/sessions/2026/11/21/rollout-2026-11-21T00-00-00-x.jsonl",
                ".codex/sessions/rollout-old.jsonl"
            ]
        );
        assert_eq!(
            found(Agent::GeminiCli),
            [
                ".gemini/tmp/proj/chats/parent-id/sub.jsonl",
                ".gemini/tmp/proj/chats/session-a.jsonl",
                ".gemini/tmp/proj/chats/session-b.json"
            ]
        );
        assert_eq!(
            found(Agent::Copilot),
            [
                ".copilot/session-state/s2/events.jsonl",
                ".copilot/session-state/s3.jsonl"
            ]
        );
        assert!(found(Agent::Cursor).is_empty());
        let moved = Roots::new(home, |v| {
            (v == "CODEX_HOME").then(|| "/elsewhere".to_owned())
        });
        assert_eq!(moved.codex, PathBuf::from("/elsewhere"));
    }

    #[test]
    fn payloads_have_each_agents_hook_shape() {
        let call = Call {
            agent: Agent::Copilot,
            session_id: "s".into(),
            cwd: Some("/p".into()),
            time: Some("2026-01-02T03:04:05.000Z".into()),
            tool_name: "bash".into(),
            tool_input: serde_json::json!({"command": "ls"}),
            tool_use_id: Some("t".into()),
            model: None,
            turn_id: None,
            transcript: PathBuf::from("/t.jsonl"),
            line: 1,
        };
        let v: Value = serde_json::from_str(&call.payload()).unwrap();
        assert_eq!(v["toolName"], "bash");
        assert_eq!(v["toolArgs"]["command"], "ls");
        assert_eq!(v["timestamp"], 1_767_323_045_000_i64);
        let claude = Call {
            agent: Agent::ClaudeCode,
            tool_name: "Bash".into(),
            ..call
        };
        let v: Value = serde_json::from_str(&claude.payload()).unwrap();
        assert_eq!(v["hook_event_name"], "PreToolUse");
        assert_eq!(v["session_id"], "s");
        assert_eq!(v["tool_use_id"], "t");
        assert_eq!(v["transcript_path"], "/t.jsonl");
    }
}
