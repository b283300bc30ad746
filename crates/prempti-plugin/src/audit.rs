//! The audit log: one JSON line per tool call in `log/audit.jsonl`.
//!
//! # Format (version 1)
//!
//! See ARCHITECTURE.md, "Audit log format". One [`AuditRecord`] per line, written whole (one
//! `write` of the complete line under a lock, `O_APPEND`) through a [`RotatingFile`], which
//! rotates by size (`audit.jsonl.1`, `.2`, ... up to a cap).

use std::collections::BTreeMap;
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
/// Longest text field kept whole in a record (command, paths, URL, reason, rule outputs, ...):
/// 8 KiB. A longer one keeps its first 8 KiB (cut at a character boundary), and
/// [`AuditRecord::truncated`] gives the whole value's length and SHA-256.
pub const FIELD_CAP: usize = 8 * 1024;

/// What was cut from a field longer than [`FIELD_CAP`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncated {
    /// Length of the whole value in bytes.
    pub bytes: u64,
    /// SHA-256 of the whole value (UTF-8), lowercase hex.
    pub sha256: String,
}

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
    /// Set for `premptictl health`'s synthetic call (see [`AuditRecord::is_health_check`]);
    /// `logs`, `audit` and `audit stats` leave such calls out unless `--include-health`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub health: bool,
    /// Fields cut to [`FIELD_CAP`], by name (`command`, `files[2]`, `matched[0].output`):
    /// the whole value's length and hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub truncated: BTreeMap<String, Truncated>,
    /// The marks of the call's session when it was judged, name → age of the newest in ms:
    /// what `session.mark_age_ms` / `session.mark_count` could see (omitted when none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub session_marks: BTreeMap<String, u64>,
    /// The marks this call set on its session (its matched rules' `coding_agent_mark:` tags,
    /// when the call was allowed to run; omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks_set: Vec<String>,
}

/// Cuts `value` to `cap` bytes (at a character boundary) and notes the whole in `cut`.
fn cap_text(name: String, value: &mut String, cap: usize, cut: &mut BTreeMap<String, Truncated>) {
    if value.len() <= cap {
        return;
    }
    let whole = Truncated {
        bytes: value.len() as u64,
        sha256: crate::sha256::hex_digest(value.as_bytes()),
    };
    let mut end = cap;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value.truncate(end);
    cut.insert(name, whole);
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
            health: false,
            home: None,
            prempti_home: None,
            files: Vec::new(),
            truncated: BTreeMap::new(),
            session_marks: BTreeMap::new(),
            marks_set: Vec::new(),
        }
    }

    /// The text fields that [`AuditRecord::cap_fields`] bounds, by name.
    fn text_fields(&mut self) -> Vec<(String, &mut String)> {
        let mut fields: Vec<(String, &mut String)> = Vec::new();
        for (name, value) in [
            ("session_id", &mut self.session_id),
            ("cwd", &mut self.cwd),
            ("tool_name", &mut self.tool_name),
            ("tool_kind", &mut self.tool_kind),
            ("tool_use_id", &mut self.tool_use_id),
            ("command", &mut self.command),
            ("file_path", &mut self.file_path),
            ("url", &mut self.url),
            ("mcp_server", &mut self.mcp_server),
            ("home", &mut self.home),
            ("prempti_home", &mut self.prempti_home),
        ] {
            if let Some(value) = value {
                fields.push((name.to_owned(), value));
            }
        }
        fields.push(("reason".to_owned(), &mut self.reason));
        for (i, file) in self.files.iter_mut().enumerate() {
            fields.push((format!("files[{i}]"), file));
        }
        for (i, m) in self.matched.iter_mut().enumerate() {
            fields.push((format!("matched[{i}].rule"), &mut m.rule));
            fields.push((format!("matched[{i}].output"), &mut m.output));
        }
        fields
    }

    /// Whether some text field is longer than `cap`.
    fn over_cap(&self, cap: usize) -> bool {
        let long = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() > cap);
        [
            &self.session_id,
            &self.cwd,
            &self.tool_name,
            &self.tool_kind,
            &self.tool_use_id,
            &self.command,
            &self.file_path,
            &self.url,
            &self.mcp_server,
            &self.home,
            &self.prempti_home,
        ]
        .into_iter()
        .any(long)
            || self.reason.len() > cap
            || self.files.iter().any(|f| f.len() > cap)
            || self
                .matched
                .iter()
                .any(|m| m.rule.len() > cap || m.output.len() > cap)
    }

    /// Cuts every text field longer than `cap` bytes to its first `cap` bytes and records the
    /// whole value's length and SHA-256 in [`AuditRecord::truncated`].
    pub fn cap_fields(&mut self, cap: usize) {
        let mut cut = BTreeMap::new();
        for (name, value) in self.text_fields() {
            cap_text(name, value, cap, &mut cut);
        }
        self.truncated.extend(cut);
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

    /// Whether this is `premptictl health`'s synthetic call: a Claude Code `Read` in session
    /// [`prempti_protocol::HEALTH_SESSION_ID`] with a `tool_use_id` starting with
    /// [`prempti_protocol::HEALTH_TOOL_USE_PREFIX`], of [`prempti_protocol::HEALTH_FILE_NAME`]
    /// directly in the installation the hook reported. Call it after [`AuditRecord::describe`]
    /// and once `prempti_home` is set.
    pub fn is_health_check(&self) -> bool {
        let (Some(home), Some(file)) = (&self.prempti_home, &self.file_path) else {
            return false;
        };
        self.agent == Agent::ClaudeCode
            && self.session_id.as_deref() == Some(prempti_protocol::HEALTH_SESSION_ID)
            && self.tool_name.as_deref() == Some("Read")
            && self
                .tool_use_id
                .as_deref()
                .is_some_and(|id| id.starts_with(prempti_protocol::HEALTH_TOOL_USE_PREFIX))
            && std::path::Path::new(file)
                == std::path::Path::new(home).join(prempti_protocol::HEALTH_FILE_NAME)
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

    /// Appends one record as one whole line, its text fields cut to [`FIELD_CAP`].
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let line = if record.over_cap(FIELD_CAP) {
            let mut capped = record.clone();
            capped.cap_fields(FIELD_CAP);
            capped.to_line()?
        } else {
            record.to_line()?
        };
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
    fn a_huge_command_keeps_a_prefix_its_length_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, RotationPolicy::default()).unwrap();
        let mut r = record();
        // 7 MiB, with a multi-byte character straddling the cut.
        let command = format!("{}é{}", "a".repeat(FIELD_CAP - 1), "b".repeat(7 << 20));
        r.command = Some(command.clone());
        r.matched[0].output = format!("curl piped into sh ({command})");
        r.set_payload(&format!("{{\"c\":\"{command}\"}}"), DEFAULT_PAYLOAD_CAP);
        log.append(&r).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(text.len() < 64 * 1024, "the line is {} bytes", text.len());
        let back = AuditRecord::from_line(text.lines().next().unwrap()).unwrap();
        let kept = back.command.unwrap();
        assert_eq!(
            kept,
            "a".repeat(FIELD_CAP - 1),
            "cut before the 2-byte character"
        );
        assert!(command.starts_with(&kept));
        let whole = &back.truncated["command"];
        assert_eq!(whole.bytes, command.len() as u64);
        assert_eq!(whole.sha256, crate::sha256::hex_digest(command.as_bytes()));
        assert!(back.truncated.contains_key("matched[0].output"));
        assert!(back.payload.is_none() && back.payload_omitted);
        // Short fields are untouched and the record lists nothing as cut.
        let short = record();
        assert!(!short.over_cap(FIELD_CAP));
        assert!(!String::from_utf8(short.to_line().unwrap())
            .unwrap()
            .contains("truncated"));
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
