//! `premptictl rules replay`: re-evaluates recorded calls from the audit log, or from the
//! agents' transcripts, against candidate rules and lists the calls whose verdict would change.
//!
//! From transcripts ([`replay_transcripts`]), the calls are those `premptictl scan` finds, and
//! the verdict compared against is the one the installed rules give today (transcripts do not
//! record Prempti's verdicts).
//!
//! Each audit line is read as the plugin's own [`AuditRecord`] and carries the agent's raw
//! stdin in `payload` (see the audit format in `ARCHITECTURE.md`). The recorded verdict compared against is `policy_decision` (what the
//! rules said before the mode was applied), so a monitor-mode log replays like a guardrails
//! one. Records without a payload (`payload_omitted`, or written by a host that did not keep it)
//! are counted as skipped; lines that are not audit records are counted as unreadable.

use std::collections::BTreeMap;
use std::io::BufRead;

use prempti_plugin::audit::AuditRecord;
use prempti_protocol::Decision;
use serde::Serialize;

use super::{evaluate_payload_with, Homes, Policy};

/// One call whose verdict would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Line number in the audit file (1-based).
    pub line: usize,
    /// Recorded time.
    pub time: String,
    /// Agent field name.
    pub agent: String,
    /// Tool name.
    pub tool_name: String,
    /// What the call was about (command, file, URL or MCP server).
    pub subject: String,
    /// Recorded policy decision.
    pub before: Decision,
    /// Decision under the candidate rules.
    pub after: Decision,
    /// The candidate rules' reason (empty when no rule voted).
    pub reason: String,
    /// The transcript the call was found in (replays of transcripts only; `line` is then the
    /// line in that file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

/// The result of a replay.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplayReport {
    /// Records re-evaluated.
    pub evaluated: usize,
    /// Records whose verdict stays the same.
    pub unchanged: usize,
    /// Records without a payload.
    pub skipped: usize,
    /// Lines that are not readable audit records, or whose payload no longer parses.
    pub unreadable: usize,
    /// Changed calls, in log order.
    pub changes: Vec<Change>,
    /// Count of changes per direction, e.g. `allow→deny`.
    pub directions: BTreeMap<String, usize>,
    /// The rules files replayed against, in load order (set by the caller).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// Replays every line of `reader` against `ruleset`.
pub fn replay(ruleset: &Policy, reader: impl BufRead) -> std::io::Result<ReplayReport> {
    let mut report = ReplayReport::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(record) = serde_json::from_str::<AuditRecord>(&line) else {
            report.unreadable += 1;
            continue;
        };
        let Some(payload) = record.payload.as_ref() else {
            report.skipped += 1;
            continue;
        };
        let Some(agent) = super::parse_agent(record.agent.field_name()) else {
            report.unreadable += 1;
            continue;
        };
        // A payload stored as a JSON string is the raw (non-JSON) stdin of a bad request.
        let text = match serde_json::from_str::<String>(payload.get()) {
            Ok(s) => s,
            Err(_) => payload.get().to_owned(),
        };
        let homes = Homes {
            home: record.home.clone(),
            prempti_home: record.prempti_home.clone(),
        };
        let outcome = match evaluate_payload_with(ruleset, agent, &text, &homes) {
            Ok(o) => o,
            Err(_) => {
                report.unreadable += 1;
                continue;
            }
        };
        report.evaluated += 1;
        let before = normalize(record.policy_decision);
        let after = normalize(outcome.policy_verdict);
        if before == after {
            report.unchanged += 1;
            continue;
        }
        *report
            .directions
            .entry(format!("{before}→{after}"))
            .or_default() += 1;
        let subject = record
            .command
            .or(record.file_path)
            .or(record.url)
            .or(record.mcp_server)
            .unwrap_or_default();
        report.changes.push(Change {
            line: i + 1,
            time: record.time,
            agent: record.agent.field_name().to_owned(),
            tool_name: record.tool_name.unwrap_or_default(),
            subject,
            before,
            after,
            reason: outcome.reason,
            transcript: None,
        });
    }
    Ok(report)
}

/// Replays the calls of the agents' transcripts under `roots` (selected by `opts`): their
/// verdict under `installed` (the policy in force) against their verdict under `candidates`.
/// Lines the transcripts' readers could not use and calls the plugin cannot evaluate count as
/// unreadable.
pub fn replay_transcripts(
    candidates: &Policy,
    installed: &Policy,
    roots: &crate::scan::Roots,
    opts: &crate::scan::report::Options,
) -> ReplayReport {
    let scanned = crate::scan::report::scan(roots, candidates, Some(installed), opts);
    let mut report = ReplayReport {
        evaluated: usize::try_from(scanned.calls).unwrap_or(usize::MAX),
        unreadable: usize::try_from(scanned.unevaluable + scanned.lines.damaged)
            .unwrap_or(usize::MAX),
        ..ReplayReport::default()
    };
    for call in scanned.changes.unwrap_or_default() {
        let (Some(before), after) = (call.baseline, call.verdict) else {
            continue;
        };
        let (before, after) = (normalize(before), normalize(after));
        *report
            .directions
            .entry(format!("{before}→{after}"))
            .or_default() += 1;
        report.changes.push(Change {
            line: call.line,
            time: call.time.clone().unwrap_or_default(),
            agent: call.agent.clone(),
            tool_name: call.tool_name.clone(),
            subject: call.subject().to_owned(),
            before,
            after,
            reason: call.reason.clone(),
            transcript: Some(call.transcript.clone()),
        });
    }
    report.unchanged = report.evaluated.saturating_sub(report.changes.len());
    report
}

/// `allow` and `defer` are both "no rule voted" (the default action), reported as `allow`
/// when the record says allow, so only real policy changes count.
fn normalize(d: Decision) -> Decision {
    match d {
        Decision::Defer => Decision::Allow,
        other => other,
    }
}
