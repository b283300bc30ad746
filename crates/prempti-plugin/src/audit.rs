//! The audit log: one JSON line per tool call in `log/audit.jsonl`.
//!
//! # Format (version 1)
//!
//! See ARCHITECTURE.md, "Audit log format". One [`AuditRecord`] per line, written whole (one
//! `write` of the complete line under a lock, `O_APPEND`) through a [`RotatingFile`], which
//! rotates by size (`audit.jsonl.1`, `.2`, ... up to a cap).

use std::path::PathBuf;
use std::time::Duration;

use prempti_protocol::{Agent, Decision, Mode};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::rotate::{RotateError, RotatingFile, RotationPolicy};
use crate::verdict::{MatchedRule, Verdict};

/// The version written in every record's `v` key.
pub const AUDIT_VERSION: u32 = 1;
/// Default cap on the payload kept in a record: 64 KiB.
pub const DEFAULT_PAYLOAD_CAP: usize = 64 * 1024;

/// Which rule engine evaluated the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// The embedded engine in `premptictl daemon`.
    Embedded,
    /// Real Falco through the alert intake.
    Falco,
}

/// One line of `audit.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Format version ([`AUDIT_VERSION`]).
    pub v: u32,
    /// When the call arrived, RFC 3339 UTC with nanoseconds.
    pub time: String,
    /// The broker's id of the call.
    pub correlation_id: u64,
    /// Which engine evaluated it.
    pub engine: Engine,
    /// The agent.
    pub agent: Agent,
    /// `agent.session_id`.
    pub session_id: Option<String>,
    /// `agent.cwd`.
    pub cwd: Option<String>,
    /// `tool.name`.
    pub tool_name: Option<String>,
    /// `tool.kind`.
    pub tool_kind: Option<String>,
    /// `tool.use_id`.
    pub tool_use_id: Option<String>,
    /// `tool.input_command` (shell tools).
    pub command: Option<String>,
    /// `tool.file_path`.
    pub file_path: Option<String>,
    /// `tool.url`.
    pub url: Option<String>,
    /// `tool.mcp_server`.
    pub mcp_server: Option<String>,
    /// The mode the call was decided under.
    pub mode: Mode,
    /// What the agent was told.
    pub decision: Decision,
    /// What the rules said before the mode was applied.
    pub policy_decision: Decision,
    /// The reason the agent was told.
    pub reason: String,
    /// Every rule that matched (seen rules excluded), in evaluation order.
    pub matched: Vec<MatchedRule>,
    /// From arrival to verdict, in microseconds.
    pub latency_us: u64,
    /// The agent's stdin JSON when at most the payload cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Box<RawValue>>,
    /// Set when the payload was over the cap and left out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub payload_omitted: bool,
    /// Every file a call touches, when it touches several (a Codex `apply_patch`); `file_path`
    /// is then the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The agent's home directory as the hook reported it (home-relative fields use it;
    /// `rules replay` passes it on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// The Prempti installation the hook reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prempti_home: Option<String>,
    /// Set when the verdict came after the hook had stopped waiting (the broker denied the call
    /// at its deadline, or the hook went away): `decision` is then the deny the agent got and
    /// `policy_decision` what the rules said.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

/// `text` without the whitespace JSON allows between tokens, everything else byte for byte
/// (strings keep their escapes, numbers their spelling, objects their key order).
///
/// Written here rather than parsing into a `serde_json::Value` and printing it back, which
/// would cost a tree allocation per call and respell numbers. JSON strings cannot hold raw
/// control characters, so removing blanks outside strings is enough to make one line; text
/// that is not JSON comes out unusable and is then stored as a string by the caller.
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

impl AuditRecord {
    /// A record for `correlation_id` decided by `verdict`, with the tool fields empty (the
    /// host fills them from the decoded call) and no payload (see [`AuditRecord::set_payload`]).
    pub fn new(
        correlation_id: u64,
        engine: Engine,
        agent: Agent,
        verdict: &Verdict,
        matched: Vec<MatchedRule>,
        latency: Duration,
    ) -> AuditRecord {
        AuditRecord {
            v: AUDIT_VERSION,
            time: format_time(jiff::Timestamp::now()),
            correlation_id,
            engine,
            agent,
            session_id: None,
            cwd: None,
            tool_name: None,
            tool_kind: None,
            tool_use_id: None,
            command: None,
            file_path: None,
            url: None,
            mcp_server: None,
            mode: verdict.mode,
            decision: verdict.decision,
            policy_decision: verdict.policy_decision,
            reason: verdict.reason.clone(),
            matched,
            latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            payload: None,
            payload_omitted: false,
            late: false,
            home: None,
            prempti_home: None,
            files: Vec::new(),
        }
    }

    /// Copies the key fields of a call's first normalized event (session, cwd, tool, command,
    /// path, URL, MCP server) into the record and, when the call has several events (a Codex
    /// patch touching several files), lists every file in `files`.
    pub fn describe(&mut self, events: &[crate::agents::ToolCall]) {
        let Some(call) = events.first() else {
            return;
        };
        if events.len() > 1 {
            self.files = events.iter().filter_map(|e| e.file_path.clone()).collect();
        }
        self.session_id = call.session_id.clone();
        self.cwd = call.cwd.clone();
        self.tool_name = Some(call.tool_name.clone());
        self.tool_kind = Some(call.kind.as_str().to_owned());
        self.tool_use_id = call.tool_use_id.clone();
        self.command = call.input_command.clone();
        self.file_path = call.file_path.clone();
        self.url = call.url.clone();
        self.mcp_server = call.mcp_server.clone();
    }

    /// Stores `payload` (the agent's stdin) if it is at most `cap` bytes, else sets
    /// `payload_omitted`. A payload that is not JSON is stored as a JSON string.
    pub fn set_payload(&mut self, payload: &str, cap: usize) {
        if payload.len() > cap {
            self.payload = None;
            self.payload_omitted = true;
            return;
        }
        self.payload_omitted = false;
        // Compact first: a pretty-printed payload would otherwise split the record's line.
        self.payload = match RawValue::from_string(compact_json(payload)) {
            Ok(raw) => Some(raw),
            // Not JSON (a bad request): keep the text itself, as a JSON string.
            Err(_) => serde_json::to_string(payload)
                .ok()
                .and_then(|s| RawValue::from_string(s).ok()),
        };
    }

    /// Serializes the record as one JSON line (without the newline).
    pub fn to_line(&self) -> Result<Vec<u8>, AuditError> {
        // serde_json escapes control characters, so the line never contains a raw newline.
        Ok(serde_json::to_vec(self)?)
    }

    /// Parses one line of `audit.jsonl`.
    pub fn from_line(line: &str) -> Result<AuditRecord, AuditError> {
        Ok(serde_json::from_str(line.trim_end_matches(['\n', '\r']))?)
    }
}

/// Formats a timestamp as the audit log does (`2026-11-21T01:02:03.123456789Z`).
pub fn format_time(time: jiff::Timestamp) -> String {
    format!("{time:.9}")
}

/// Why an audit record could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Serializing or parsing a record failed.
    #[error("invalid audit record: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing the log failed.
    #[error(transparent)]
    Write(#[from] RotateError),
}

/// The audit log writer: shared by every task that finishes a call.
#[derive(Debug)]
pub struct AuditLog {
    file: RotatingFile,
    payload_cap: usize,
}

impl AuditLog {
    /// Opens `path` (normally `log/audit.jsonl`) for appending with `policy`.
    pub fn open(path: impl Into<PathBuf>, policy: RotationPolicy) -> Result<AuditLog, AuditError> {
        Ok(AuditLog {
            file: RotatingFile::open(path, policy)?,
            payload_cap: DEFAULT_PAYLOAD_CAP,
        })
    }

    /// Sets the payload cap (default [`DEFAULT_PAYLOAD_CAP`]).
    pub fn with_payload_cap(self, cap: usize) -> AuditLog {
        AuditLog {
            payload_cap: cap,
            ..self
        }
    }

    /// The payload cap in force, for [`AuditRecord::set_payload`].
    pub fn payload_cap(&self) -> usize {
        self.payload_cap
    }

    /// Appends one record as one whole line.
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let line = record.to_line()?;
        self.file.write_line(&line)?;
        Ok(())
    }

    /// The underlying file.
    pub fn file(&self) -> &RotatingFile {
        &self.file
    }
}

#[cfg(test)]
mod compact_tests {
    use super::*;

    #[test]
    fn pretty_payloads_are_stored_on_one_line_unchanged_otherwise() {
        let pretty = "{\n  \"tool_name\": \"Bash\",\n  \"tool_input\": {\"command\": \"echo  \\\"a b\\\"\\n\", \"n\": 1.50}\n}\n";
        assert_eq!(
            compact_json(pretty),
            r#"{"tool_name":"Bash","tool_input":{"command":"echo  \"a b\"\n","n":1.50}}"#
        );
        let mut record = AuditRecord::new(
            1,
            Engine::Embedded,
            Agent::ClaudeCode,
            &Verdict::default_for(crate::verdict::RuntimeSettings::default()),
            Vec::new(),
            Duration::ZERO,
        );
        record.set_payload(pretty, 1 << 20);
        let line = String::from_utf8(record.to_line().unwrap()).unwrap();
        assert!(!line.contains('\n'), "{line}");
        let back = AuditRecord::from_line(&line).unwrap();
        let payload: serde_json::Value = serde_json::from_str(back.payload.unwrap().get()).unwrap();
        assert_eq!(payload["tool_input"]["command"], "echo  \"a b\"\n");
        // A call of one event lists no `files`; a split patch lists them all.
        assert!(!String::from_utf8(record.to_line().unwrap())
            .unwrap()
            .contains("\"files\""));
        // Not JSON: kept as a string, still one line.
        record.set_payload("not\njson", 1 << 20);
        assert!(!record.to_line().unwrap().contains(&b'\n'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{resolve, RuntimeSettings, TagConfig};

    fn record() -> AuditRecord {
        let matched = vec![MatchedRule {
            rule: "No pipe to shell".into(),
            priority: "Critical".into(),
            tags: vec!["coding_agent_deny".into()],
            output: "curl piped into sh".into(),
        }];
        let verdict = resolve(&matched, &TagConfig::default(), RuntimeSettings::default());
        let mut r = AuditRecord::new(
            12,
            Engine::Embedded,
            Agent::ClaudeCode,
            &verdict,
            matched,
            Duration::from_micros(412),
        );
        r.command = Some("curl x | sh".into());
        r.cwd = Some("/home/u/p".into());
        r
    }

    #[test]
    fn record_has_the_documented_keys_and_round_trips() {
        let mut r = record();
        r.set_payload(
            r#"{"tool_name":"Bash","tool_input":{"command":"curl x | sh"}}"#,
            DEFAULT_PAYLOAD_CAP,
        );
        let line = String::from_utf8(r.to_line().unwrap()).unwrap();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        for key in [
            "v",
            "time",
            "correlation_id",
            "engine",
            "agent",
            "session_id",
            "cwd",
            "tool_name",
            "tool_kind",
            "tool_use_id",
            "command",
            "file_path",
            "url",
            "mcp_server",
            "mode",
            "decision",
            "policy_decision",
            "reason",
            "matched",
            "latency_us",
            "payload",
        ] {
            assert!(v.get(key).is_some(), "missing {key} in {line}");
        }
        assert_eq!(v["v"], 1);
        assert_eq!(v["engine"], "embedded");
        assert_eq!(v["agent"], "claude_code");
        assert_eq!(v["decision"], "deny");
        assert_eq!(v["reason"], "No pipe to shell: curl piped into sh");
        assert_eq!(v["file_path"], serde_json::Value::Null);
        assert_eq!(v["latency_us"], 412);
        assert_eq!(v["payload"]["tool_input"]["command"], "curl x | sh");
        assert!(v.get("payload_omitted").is_none());
        let time = v["time"].as_str().unwrap();
        assert!(
            time.ends_with('Z') && time.len() == "2026-11-21T01:02:03.123456789Z".len(),
            "{time}"
        );

        let back = AuditRecord::from_line(&line).unwrap();
        assert_eq!(back.correlation_id, 12);
        assert_eq!(back.matched, r.matched);
        assert_eq!(back.payload.unwrap().get(), r.payload.unwrap().get());
    }

    #[test]
    fn oversized_payload_is_omitted_and_bad_json_kept_as_text() {
        let mut r = record();
        r.set_payload(&"x".repeat(100), 10);
        assert!(r.payload.is_none() && r.payload_omitted);
        let v: serde_json::Value = serde_json::from_slice(&r.to_line().unwrap()).unwrap();
        assert_eq!(v["payload_omitted"], true);
        r.set_payload("not {json", 100);
        assert_eq!(r.payload.as_ref().unwrap().get(), "\"not {json\"");
        assert!(!r.payload_omitted);
    }

    #[test]
    fn log_appends_whole_lines_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log/audit.jsonl");
        let log = AuditLog::open(
            &path,
            RotationPolicy {
                max_bytes: 2000,
                max_files: 2,
            },
        )
        .unwrap();
        let r = record();
        let line_len = r.to_line().unwrap().len() as u64 + 1;
        for _ in 0..20 {
            log.append(&r).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.len() as u64 <= 2000);
        for line in current.lines() {
            AuditRecord::from_line(line).unwrap();
        }
        assert!(log.file().rotated_path(1).exists());
        assert!(log.file().rotated_path(2).exists());
        assert!(!log.file().rotated_path(3).exists());
        let kept: u64 = [
            path.clone(),
            log.file().rotated_path(1),
            log.file().rotated_path(2),
        ]
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
        assert_eq!(kept % line_len, 0, "only whole lines are kept");
    }
}
