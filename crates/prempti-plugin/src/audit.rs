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
        unimplemented!()
    }

    /// Stores `payload` (the agent's stdin) if it is at most `cap` bytes, else sets
    /// `payload_omitted`. A payload that is not JSON is stored as a JSON string.
    pub fn set_payload(&mut self, payload: &str, cap: usize) {
        unimplemented!()
    }

    /// Serializes the record as one JSON line (without the newline).
    pub fn to_line(&self) -> Result<Vec<u8>, AuditError> {
        unimplemented!()
    }

    /// Parses one line of `audit.jsonl`.
    pub fn from_line(line: &str) -> Result<AuditRecord, AuditError> {
        unimplemented!()
    }
}

/// Formats a timestamp as the audit log does (`2026-11-21T01:02:03.123456789Z`).
pub fn format_time(time: jiff::Timestamp) -> String {
    unimplemented!()
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
        unimplemented!()
    }

    /// Sets the payload cap (default [`DEFAULT_PAYLOAD_CAP`]).
    pub fn with_payload_cap(self, cap: usize) -> AuditLog {
        AuditLog { payload_cap: cap, ..self }
    }

    /// The payload cap in force, for [`AuditRecord::set_payload`].
    pub fn payload_cap(&self) -> usize {
        self.payload_cap
    }

    /// Appends one record as one whole line.
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        unimplemented!()
    }

    /// The underlying file.
    pub fn file(&self) -> &RotatingFile {
        &self.file
    }
}
