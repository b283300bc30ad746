//! Reading and presenting the audit log (`log/audit.jsonl` and its rotations) for
//! `premptictl logs` and `premptictl audit`.
//!
//! Records are read leniently (see [`Entry`]): unknown keys are ignored and every key may be
//! missing, so a newer or older writer never breaks the viewer. A line that is not a JSON object
//! (a torn write, garbage) is skipped and counted, never fatal.

pub(crate) mod filter;
pub(crate) mod follow;
pub(crate) mod reader;
pub(crate) mod render;
pub(crate) mod stats;

use serde::Deserialize;

/// One matched rule in a record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MatchedRule {
    /// The rule name.
    pub(crate) rule: String,
    /// Its priority.
    pub(crate) priority: Option<String>,
    /// Its tags.
    pub(crate) tags: Option<Vec<String>>,
    /// Its formatted output.
    pub(crate) output: Option<String>,
}

/// The parts of an audit record (ARCHITECTURE.md, "Audit log format") the views use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Entry {
    /// Format version.
    pub(crate) v: Option<u64>,
    /// RFC 3339 arrival time.
    pub(crate) time: Option<String>,
    /// The broker's call id.
    pub(crate) correlation_id: Option<u64>,
    /// `embedded` or `falco`.
    pub(crate) engine: Option<String>,
    /// `claude_code`, `codex`, ...
    pub(crate) agent: Option<String>,
    /// The agent's session id.
    pub(crate) session_id: Option<String>,
    /// The agent's working directory.
    pub(crate) cwd: Option<String>,
    /// The agent's tool name.
    pub(crate) tool_name: Option<String>,
    /// `shell`, `read`, ...
    pub(crate) tool_kind: Option<String>,
    /// Shell command, if any.
    pub(crate) command: Option<String>,
    /// File path, if any.
    pub(crate) file_path: Option<String>,
    /// Every file, for a call touching several (a Codex `apply_patch`).
    pub(crate) files: Option<Vec<String>>,
    /// URL, if any.
    pub(crate) url: Option<String>,
    /// MCP server, if any.
    pub(crate) mcp_server: Option<String>,
    /// `guardrails`, `monitor`, `passthrough`.
    pub(crate) mode: Option<String>,
    /// What the agent was told.
    pub(crate) decision: Option<String>,
    /// What the rules said before the mode was applied.
    pub(crate) policy_decision: Option<String>,
    /// The reason given to the agent.
    pub(crate) reason: Option<String>,
    /// Matching rules, in evaluation order.
    pub(crate) matched: Option<Vec<MatchedRule>>,
    /// Latency in microseconds.
    pub(crate) latency_us: Option<u64>,
    /// `premptictl health`'s synthetic call.
    pub(crate) health: Option<bool>,
}

/// A parsed line with its raw text.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The line as written (without its newline).
    pub(crate) raw: String,
    /// The parsed view.
    pub(crate) entry: Entry,
    /// The parsed `time`, when it is valid RFC 3339.
    pub(crate) time: Option<jiff::Timestamp>,
}

impl Record {
    /// Parses one line; `None` for blank lines and lines that are not a JSON object.
    pub(crate) fn parse(line: &str) -> Option<Record> {
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if !trimmed.starts_with('{') {
            return None;
        }
        let entry: Entry = serde_json::from_str(trimmed).ok()?;
        let time = entry
            .time
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        Some(Record {
            raw: line.to_owned(),
            entry,
            time,
        })
    }

    /// What the agent was told (`allow`, `deny`, `ask`, `defer`, or `unknown`).
    pub(crate) fn decision(&self) -> &str {
        self.entry.decision.as_deref().unwrap_or("unknown")
    }

    /// The verdict the rules would have enforced when the mode let something else through:
    /// `Some("deny")` for a monitor-mode "would deny".
    pub(crate) fn would(&self) -> Option<&str> {
        let policy = self.entry.policy_decision.as_deref()?;
        (matches!(policy, "deny" | "ask") && policy != self.decision()).then_some(policy)
    }

    /// Whether this is `premptictl health`'s synthetic call: marked `"health":true`, or, in
    /// records written before the mark existed, a call in the health check's session reading
    /// its file.
    pub(crate) fn is_health(&self) -> bool {
        self.entry.health.unwrap_or_else(|| {
            self.entry.session_id.as_deref() == Some(prempti_protocol::HEALTH_SESSION_ID)
                && self.entry.file_path.as_deref().is_some_and(|p| {
                    std::path::Path::new(p)
                        .file_name()
                        .is_some_and(|n| n == prempti_protocol::HEALTH_FILE_NAME)
                })
        })
    }

    /// The matched rules (empty when none or absent).
    pub(crate) fn rules(&self) -> &[MatchedRule] {
        self.entry.matched.as_deref().unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_tolerates_missing_and_unknown_keys() {
        let r = Record::parse(r#"{"decision":"allow","new_key":{"x":1}}"#).expect("parsed");
        assert_eq!(r.decision(), "allow");
        assert!(r.time.is_none());
        assert!(r.rules().is_empty());
        assert!(Record::parse(r#"{"decision":"al"#).is_none());
        assert!(Record::parse("").is_none());
        assert!(Record::parse("[1]").is_none());
    }

    #[test]
    fn would_deny_is_policy_deny_under_a_softer_decision() {
        let r = Record::parse(r#"{"decision":"allow","policy_decision":"deny","mode":"monitor"}"#)
            .unwrap();
        assert_eq!(r.would(), Some("deny"));
        let r = Record::parse(r#"{"decision":"deny","policy_decision":"deny"}"#).unwrap();
        assert_eq!(r.would(), None);
    }
}
