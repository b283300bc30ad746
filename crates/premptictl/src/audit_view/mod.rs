//! Reading and presenting the audit log (`log/audit.jsonl` and its rotations) for
//! `premptictl logs` and `premptictl audit`.
//!
//! Records are read as the plugin writes them: one type, [`AuditRecord`], serves the writer and
//! every reader (these views and `rules replay`). Unknown keys are ignored and keys added after
//! version 1 may be missing, so a newer writer does not break an older viewer. A line that is
//! not an audit record (a torn write, garbage) is skipped and counted, never fatal.

pub(crate) mod filter;
pub(crate) mod follow;
pub(crate) mod reader;
pub(crate) mod render;
pub(crate) mod stats;

use prempti_plugin::audit::AuditRecord;
use prempti_plugin::verdict::MatchedRule;

/// A parsed line with its raw text.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The line as written (without its newline).
    pub(crate) raw: String,
    /// The record.
    pub(crate) entry: AuditRecord,
    /// The parsed `time`, when it is valid RFC 3339.
    pub(crate) time: Option<jiff::Timestamp>,
}

impl Record {
    /// Parses one line; `None` for blank lines and lines that are not an audit record.
    pub(crate) fn parse(line: &str) -> Option<Record> {
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if !trimmed.starts_with('{') {
            return None;
        }
        let entry: AuditRecord = serde_json::from_str(trimmed).ok()?;
        let time = entry.time.parse::<jiff::Timestamp>().ok();
        Some(Record {
            raw: line.to_owned(),
            entry,
            time,
        })
    }

    /// What the agent was told (`allow`, `deny`, `ask` or `defer`).
    pub(crate) fn decision(&self) -> &str {
        self.entry.decision.as_str()
    }

    /// The verdict the rules would have enforced when the mode let something else through:
    /// `Some("deny")` for a monitor-mode "would deny".
    pub(crate) fn would(&self) -> Option<&str> {
        let policy = self.entry.policy_decision.as_str();
        (matches!(policy, "deny" | "ask") && policy != self.decision()).then_some(policy)
    }

    /// Whether this is `premptictl health`'s synthetic call: marked `"health":true`, or, in
    /// records written before the mark existed, a call in the health check's session reading
    /// its file.
    pub(crate) fn is_health(&self) -> bool {
        self.entry.health
            || (self.entry.session_id.as_deref() == Some(prempti_protocol::HEALTH_SESSION_ID)
                && self.entry.file_path.as_deref().is_some_and(|p| {
                    std::path::Path::new(p)
                        .file_name()
                        .is_some_and(|n| n == prempti_protocol::HEALTH_FILE_NAME)
                }))
    }

    /// The matched rules (empty when none or absent).
    pub(crate) fn rules(&self) -> &[MatchedRule] {
        &self.entry.matched
    }
}

/// A complete audit line for tests: a record as the plugin writes it, with `overrides` merged
/// over its keys.
#[cfg(test)]
pub(crate) fn test_line(overrides: serde_json::Value) -> String {
    use prempti_plugin::audit::Engine;
    use prempti_plugin::verdict::{RuntimeSettings, Verdict};
    let record = AuditRecord::new(
        7,
        Engine::Embedded,
        prempti_protocol::Agent::ClaudeCode,
        &Verdict::default_for(RuntimeSettings::default()),
        Vec::new(),
        std::time::Duration::from_micros(5),
    );
    let mut value = serde_json::to_value(&record).expect("a record serializes");
    if let (Some(v), Some(o)) = (value.as_object_mut(), overrides.as_object()) {
        for (k, x) in o {
            v.insert(k.clone(), x.clone());
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_ignores_unknown_keys_and_skips_what_is_not_a_record() {
        let r = Record::parse(&test_line(json!({"decision":"allow","new_key":{"x":1}})))
            .expect("parsed");
        assert_eq!(r.decision(), "allow");
        assert!(r.time.is_some());
        assert!(r.rules().is_empty());
        assert!(Record::parse(r#"{"decision":"allow"}"#).is_none());
        assert!(Record::parse(r#"{"decision":"al"#).is_none());
        assert!(Record::parse("").is_none());
        assert!(Record::parse("[1]").is_none());
    }

    #[test]
    fn would_deny_is_policy_deny_under_a_softer_decision() {
        let r = Record::parse(&test_line(
            json!({"decision":"allow","policy_decision":"deny","mode":"monitor"}),
        ))
        .unwrap();
        assert_eq!(r.would(), Some("deny"));
        let r = Record::parse(&test_line(
            json!({"decision":"deny","policy_decision":"deny"}),
        ))
        .unwrap();
        assert_eq!(r.would(), None);
    }

    /// Issue #18, point 4: what the plugin's audit log writes, the views read back whole.
    #[test]
    fn a_record_written_by_the_plugin_reads_back_whole() {
        use prempti_plugin::audit::{AuditLog, Engine};
        use prempti_plugin::verdict::{resolve, RuntimeSettings, TagConfig};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, prempti_plugin::rotate::RotationPolicy::default()).unwrap();
        let matched = vec![MatchedRule {
            rule: "R".into(),
            priority: "Critical".into(),
            tags: vec![
                "coding_agent_deny".into(),
                "coding_agent_mark:secret".into(),
            ],
            output: "no".into(),
        }];
        let verdict = resolve(&matched, &TagConfig::default(), RuntimeSettings::default());
        let mut written = AuditRecord::new(
            42,
            Engine::Falco,
            prempti_protocol::Agent::Codex,
            &verdict,
            matched,
            std::time::Duration::from_micros(1234),
        );
        written.session_id = Some("s1".into());
        written.command = Some("cat .env".into());
        written.files = vec!["a".into(), "b".into()];
        written.home = Some("/home/dev".into());
        written.session_marks.insert("secret_read".into(), 5);
        written.marks_set = vec!["secret".into()];
        written.set_payload(r#"{"tool_name": "Bash"}"#, 1024);
        log.append(&written).unwrap();
        let loaded = reader::read_all(&path).unwrap();
        assert_eq!(loaded.skipped, 0);
        let [read] = &loaded.records[..] else {
            panic!("one record expected, got {}", loaded.records.len())
        };
        assert_eq!(
            serde_json::to_value(&read.entry).unwrap(),
            serde_json::to_value(&written).unwrap()
        );
        assert_eq!(read.decision(), "deny");
        assert_eq!(read.rules()[0].tags[1], "coding_agent_mark:secret");
    }
}
