//! Evaluating transcript calls and summing them up: per agent and project, per rule, the worst
//! examples, every call (for `--json`), and for `--diff` the calls whose verdict a candidate
//! ruleset changes.
//!
//! Text taken from transcripts (commands, paths, reasons) is capped like the audit log's text
//! fields ([`prempti_plugin::audit::FIELD_CAP`] bytes, cut at a character boundary, `truncated`
//! set); the payload itself (file contents, patch bodies) is never reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use prempti_plugin::agents::Agent;
use prempti_plugin::verdict::TagConfig;
use prempti_protocol::Decision;
use serde::Serialize;

use super::{Call, Limits, LineCounts, Roots};
use crate::rules_tools::{self, EvalOutcome, Homes, Policy};

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Agents whose transcripts are read.
    pub agents: Vec<Agent>,
    /// Only calls at or after this time (transcripts not modified since are not opened).
    pub since: Option<jiff::Timestamp>,
    /// Only calls whose working directory is one of these directories or below it (the
    /// directory as given, made absolute, and its canonical form); empty: every call.
    pub project: Vec<String>,
    /// Reading bounds.
    pub limits: Limits,
    /// The homes a hook on this machine would report.
    pub homes: Homes,
    /// Keep every evaluated call (for `--json`).
    pub keep_calls: bool,
    /// How many worst examples to keep.
    pub examples: usize,
}

/// Calls and verdicts of one agent in one project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    /// Agent field name.
    pub agent: String,
    /// Working directory (`(unknown)` when the transcript does not say).
    pub project: String,
    /// Distinct sessions.
    pub sessions: usize,
    /// Calls evaluated.
    pub calls: u64,
    /// Calls that would have been denied.
    pub deny: u64,
    /// Calls that would have been asked about.
    pub ask: u64,
    #[serde(skip)]
    session_ids: BTreeSet<String>,
}

/// How often one rule would have voted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleCount {
    /// Rule name.
    pub rule: String,
    /// `deny` or `ask` (the rule's vote).
    pub vote: String,
    /// Calls it matched.
    pub calls: u64,
}

/// One evaluated call, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// Agent field name.
    pub agent: String,
    /// Session id.
    pub session_id: String,
    /// Recorded time.
    pub time: Option<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// The transcript file.
    pub transcript: String,
    /// Line in the transcript.
    pub line: usize,
    /// Tool name as the hook reports it.
    pub tool_name: String,
    /// Normalized tool kind.
    pub tool_kind: String,
    /// Shell command (capped).
    pub command: Option<String>,
    /// File path (capped; the first file of a multi-file patch).
    pub file_path: Option<String>,
    /// Every file of a multi-file patch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// URL (capped).
    pub url: Option<String>,
    /// MCP server.
    pub mcp_server: Option<String>,
    /// The verdict (`deny`, `ask`, or `defer` when no rule voted).
    pub verdict: Decision,
    /// The reason the agent would have been told (capped).
    pub reason: String,
    /// Matched rules.
    pub rules: Vec<String>,
    /// For `--diff`: the verdict under the baseline rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Decision>,
    /// Names of the fields that were cut to the cap.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<String>,
    #[serde(skip)]
    rank: (u8, u8),
}

impl CallRecord {
    /// The command, file, URL or MCP server the call is about.
    pub fn subject(&self) -> &str {
        self.command
            .as_deref()
            .or(self.file_path.as_deref())
            .or(self.url.as_deref())
            .or(self.mcp_server.as_deref())
            .unwrap_or("")
    }
}

/// The result of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Transcript files read.
    pub transcripts: u64,
    /// Transcript files not opened because they were not modified since `--since`.
    pub transcripts_skipped: u64,
    /// Transcript files that could not be read (or ended in a read error).
    pub transcripts_unreadable: u64,
    /// Line counts over every transcript read.
    pub lines: LineCounts,
    /// Calls found (before `--since` / `--project`).
    pub calls_found: u64,
    /// Calls evaluated.
    pub calls: u64,
    /// Calls whose rebuilt payload the plugin rejected (counted, not evaluated).
    pub unevaluable: u64,
    /// Calls that would have been denied.
    pub deny: u64,
    /// Calls that would have been asked about.
    pub ask: u64,
    /// Per agent and project.
    pub groups: Vec<Group>,
    /// Per voting rule, most calls first.
    pub rules: Vec<RuleCount>,
    /// The worst calls: denials before asks, higher rule priority first, then the latest.
    pub examples: Vec<CallRecord>,
    /// Every evaluated call (only with `keep_calls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls_list: Option<Vec<CallRecord>>,
    /// For `--diff`: calls whose verdict the candidate rules change, in scan order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<CallRecord>>,
    /// For `--diff`: count per direction, e.g. `allow→deny`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directions: Option<BTreeMap<String, u64>>,
}

/// Scans every transcript of `opts.agents` under `roots`, evaluating each call against
/// `ruleset`; with `baseline`, also against it, reporting the changes.
///
/// Files are shared out to one worker per available core (at most [`MAX_WORKERS`]); each file's
/// results are merged in file order, so the report does not depend on the number of workers.
pub fn scan(roots: &Roots, ruleset: &Policy, baseline: Option<&Policy>, opts: &Options) -> Report {
    let mut files: Vec<(Agent, std::path::PathBuf)> = Vec::new();
    let mut skipped = 0u64;
    for &agent in &opts.agents {
        for path in roots.transcripts(agent) {
            match opts.since {
                Some(since) if modified_before(&path, since) => skipped += 1,
                _ => files.push((agent, path)),
            }
        }
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_WORKERS)
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut per_file: Vec<Option<Accumulator<'_>>> = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((agent, path)) = files.get(i) else {
                            break;
                        };
                        let mut acc =
                            Accumulator::new(opts, baseline.is_some(), &ruleset.config.tags);
                        acc.report.transcripts = 1;
                        let mut sink = |call: Call| acc.call(call, ruleset, baseline);
                        match super::read_transcript(*agent, path, opts.limits, &mut sink) {
                            Ok(counts) => acc.report.lines.add(&counts),
                            Err(_) => acc.report.transcripts_unreadable += 1,
                        }
                        done.push((i, acc));
                    }
                    done
                })
            })
            .collect();
        per_file.resize_with(files.len(), || None);
        for handle in handles {
            // A worker that panicked loses its files' results; the others are still reported.
            for (i, acc) in handle.join().unwrap_or_default() {
                per_file[i] = Some(acc);
            }
        }
    });
    let mut total = Accumulator::new(opts, baseline.is_some(), &ruleset.config.tags);
    total.report.transcripts_skipped = skipped;
    for acc in per_file.into_iter().flatten() {
        total.merge(acc);
    }
    total.finish()
}

/// The most worker threads a scan uses.
pub const MAX_WORKERS: usize = 4;

/// Evaluates calls from any source (tests and benchmarks feed them directly).
pub fn scan_calls(
    calls: impl IntoIterator<Item = Call>,
    ruleset: &Policy,
    baseline: Option<&Policy>,
    opts: &Options,
) -> Report {
    let mut acc = Accumulator::new(opts, baseline.is_some(), &ruleset.config.tags);
    for call in calls {
        acc.call(call, ruleset, baseline);
    }
    acc.finish()
}

fn modified_before(path: &Path, since: jiff::Timestamp) -> bool {
    let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) else {
        return false;
    };
    jiff::Timestamp::try_from(modified).is_ok_and(|m| m < since)
}

/// Whether `cwd` is `project` or below it, component-wise.
fn in_project(cwd: Option<&str>, project: &str) -> bool {
    cwd.is_some_and(|c| Path::new(c).starts_with(Path::new(project)))
}

struct Accumulator<'o> {
    opts: &'o Options,
    report: Report,
    groups: BTreeMap<(String, String), Group>,
    rules: BTreeMap<String, RuleCount>,
    tags: TagConfig,
}

impl<'o> Accumulator<'o> {
    fn new(opts: &'o Options, diff: bool, tags: &TagConfig) -> Self {
        let mut report = Report::default();
        if opts.keep_calls {
            report.calls_list = Some(Vec::new());
        }
        if diff {
            report.changes = Some(Vec::new());
            report.directions = Some(BTreeMap::new());
        }
        Accumulator {
            opts,
            report,
            groups: BTreeMap::new(),
            rules: BTreeMap::new(),
            tags: tags.clone(),
        }
    }

    fn call(&mut self, call: Call, ruleset: &Policy, baseline: Option<&Policy>) {
        self.report.calls_found += 1;
        if let Some(since) = self.opts.since {
            // A call without a readable time is kept: the file was modified since.
            if call.timestamp().is_some_and(|t| t < since) {
                return;
            }
        }
        if !self.opts.project.is_empty()
            && !self
                .opts
                .project
                .iter()
                .any(|p| in_project(call.cwd.as_deref(), p))
        {
            return;
        }
        let payload = call.payload();
        let homes = &self.opts.homes;
        let Ok(outcome) = rules_tools::evaluate_payload_with(ruleset, call.agent, &payload, homes)
        else {
            self.report.unevaluable += 1;
            return;
        };
        let before = baseline.and_then(|b| {
            rules_tools::evaluate_payload_with(b, call.agent, &payload, homes)
                .ok()
                .map(|o| o.verdict)
        });
        self.report.calls += 1;
        let verdict = outcome.verdict;
        let agent = call.agent.field_name().to_owned();
        let project = call.cwd.clone().unwrap_or_else(|| "(unknown)".to_owned());
        let group = self
            .groups
            .entry((agent.clone(), project.clone()))
            .or_insert_with(|| Group {
                agent,
                project,
                ..Group::default()
            });
        group.calls += 1;
        if !group.session_ids.contains(&call.session_id) {
            group.session_ids.insert(call.session_id.clone());
        }
        match verdict {
            Decision::Deny => {
                group.deny += 1;
                self.report.deny += 1;
            }
            Decision::Ask => {
                group.ask += 1;
                self.report.ask += 1;
            }
            _ => {}
        }
        let mut top_priority = 0u8;
        for m in &outcome.matched {
            let vote = if m.tags.iter().any(|t| self.tags.deny.contains(t)) {
                "deny"
            } else if m.tags.iter().any(|t| self.tags.ask.contains(t)) {
                "ask"
            } else {
                continue;
            };
            top_priority = top_priority.max(priority_rank(&m.priority));
            self.rules
                .entry(m.rule.clone())
                .or_insert_with(|| RuleCount {
                    rule: m.rule.clone(),
                    vote: vote.to_owned(),
                    calls: 0,
                })
                .calls += 1;
        }
        let flagged = matches!(verdict, Decision::Deny | Decision::Ask);
        let changed = before.is_some_and(|b| normalize(b) != normalize(verdict));
        if !(flagged || changed || self.opts.keep_calls) {
            return;
        }
        let mut record = record_of(&call, &outcome, &self.tags);
        record.rank = (verdict_rank(verdict), top_priority);
        if let Some(b) = before {
            record.baseline = Some(b);
        }
        if changed {
            if let (Some(changes), Some(directions), Some(b)) = (
                self.report.changes.as_mut(),
                self.report.directions.as_mut(),
                before,
            ) {
                *directions
                    .entry(format!("{}→{}", normalize(b), normalize(verdict)))
                    .or_default() += 1;
                changes.push(record.clone());
            }
        }
        if flagged && self.opts.examples > 0 {
            self.report.examples.push(record.clone());
            if self.report.examples.len() >= self.opts.examples * 4 {
                sort_examples(&mut self.report.examples);
                self.report.examples.truncate(self.opts.examples);
            }
        }
        if let Some(list) = self.report.calls_list.as_mut() {
            list.push(record);
        }
    }

    /// Adds the results of a later file.
    fn merge(&mut self, other: Accumulator<'_>) {
        let (r, o) = (&mut self.report, other.report);
        r.transcripts += o.transcripts;
        r.transcripts_unreadable += o.transcripts_unreadable;
        r.lines.add(&o.lines);
        r.calls_found += o.calls_found;
        r.calls += o.calls;
        r.unevaluable += o.unevaluable;
        r.deny += o.deny;
        r.ask += o.ask;
        r.examples.extend(o.examples);
        if r.examples.len() >= self.opts.examples * 4 {
            sort_examples(&mut r.examples);
            r.examples.truncate(self.opts.examples);
        }
        if let (Some(list), Some(more)) = (r.calls_list.as_mut(), o.calls_list) {
            list.extend(more);
        }
        if let (Some(changes), Some(more)) = (r.changes.as_mut(), o.changes) {
            changes.extend(more);
        }
        if let (Some(directions), Some(more)) = (r.directions.as_mut(), o.directions) {
            for (k, n) in more {
                *directions.entry(k).or_default() += n;
            }
        }
        for (key, g) in other.groups {
            let mine = self.groups.entry(key).or_insert_with(|| Group {
                agent: g.agent.clone(),
                project: g.project.clone(),
                ..Group::default()
            });
            mine.calls += g.calls;
            mine.deny += g.deny;
            mine.ask += g.ask;
            mine.session_ids.extend(g.session_ids);
        }
        for (name, c) in other.rules {
            self.rules
                .entry(name)
                .or_insert_with(|| RuleCount {
                    calls: 0,
                    ..c.clone()
                })
                .calls += c.calls;
        }
    }

    fn finish(mut self) -> Report {
        sort_examples(&mut self.report.examples);
        self.report.examples.truncate(self.opts.examples);
        self.report.groups = self
            .groups
            .into_values()
            .map(|mut g| {
                g.sessions = g.session_ids.len();
                g
            })
            .collect();
        self.report
            .groups
            .sort_by(|a, b| b.calls.cmp(&a.calls).then(a.agent.cmp(&b.agent)));
        self.report.rules = self.rules.into_values().collect();
        self.report
            .rules
            .sort_by(|a, b| b.calls.cmp(&a.calls).then(a.rule.cmp(&b.rule)));
        self.report
    }
}

fn sort_examples(v: &mut [CallRecord]) {
    v.sort_by(|a, b| {
        b.rank
            .cmp(&a.rank)
            .then_with(|| b.time.cmp(&a.time))
            .then_with(|| a.transcript.cmp(&b.transcript))
            .then_with(|| a.line.cmp(&b.line))
    });
}

/// `allow` and `defer` both mean "no rule voted" here.
fn normalize(d: Decision) -> Decision {
    match d {
        Decision::Defer => Decision::Allow,
        other => other,
    }
}

fn verdict_rank(d: Decision) -> u8 {
    match d {
        Decision::Deny => 2,
        Decision::Ask => 1,
        _ => 0,
    }
}

fn priority_rank(p: &str) -> u8 {
    match p.to_ascii_lowercase().as_str() {
        "emergency" => 8,
        "alert" => 7,
        "critical" => 6,
        "error" => 5,
        "warning" => 4,
        "notice" => 3,
        "informational" | "info" => 2,
        "debug" => 1,
        _ => 0,
    }
}

/// Cuts `s` to the audit log's field cap, noting the field's name when it was cut.
fn capped(name: &str, s: Option<&String>, truncated: &mut Vec<String>) -> Option<String> {
    let s = s?;
    let cap = prempti_plugin::audit::FIELD_CAP;
    if s.len() <= cap {
        return Some(s.clone());
    }
    let mut end = cap;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    truncated.push(name.to_owned());
    Some(s[..end].to_owned())
}

fn record_of(call: &Call, outcome: &EvalOutcome, tags: &TagConfig) -> CallRecord {
    let mut truncated = Vec::new();
    let first = outcome.calls.first();
    let files: Vec<String> = if outcome.calls.len() > 1 {
        outcome
            .calls
            .iter()
            .filter_map(|c| capped("files", c.file_path.as_ref(), &mut truncated))
            .collect()
    } else {
        Vec::new()
    };
    let reason = capped("reason", Some(&outcome.reason), &mut truncated).unwrap_or_default();
    // Rules voting deny first, then ask, then the rest, each group in evaluation order; the
    // Falco host's catch-all "seen" rule is not a verdict and is left out, as in the audit log.
    let vote = |m: &rules_tools::MatchInfo| {
        if m.tags.iter().any(|t| tags.deny.contains(t)) {
            0
        } else if m.tags.iter().any(|t| tags.ask.contains(t)) {
            1
        } else {
            2
        }
    };
    let mut matched: Vec<&rules_tools::MatchInfo> = outcome
        .matched
        .iter()
        .filter(|m| !m.tags.iter().any(|t| tags.seen.contains(t)))
        .collect();
    matched.sort_by_key(|m| vote(m));
    let rules = matched.into_iter().map(|m| m.rule.clone()).collect();
    CallRecord {
        agent: call.agent.field_name().to_owned(),
        session_id: call.session_id.clone(),
        time: call.time.clone(),
        cwd: call.cwd.clone(),
        transcript: display_path(&call.transcript),
        line: call.line,
        tool_name: call.tool_name.clone(),
        tool_kind: first.map_or("other", |c| c.kind.as_str()).to_owned(),
        command: capped(
            "command",
            first.and_then(|c| c.input_command.as_ref()),
            &mut truncated,
        ),
        file_path: capped(
            "file_path",
            first.and_then(|c| c.file_path.as_ref()),
            &mut truncated,
        ),
        files,
        url: capped("url", first.and_then(|c| c.url.as_ref()), &mut truncated),
        mcp_server: first.and_then(|c| c.mcp_server.clone()),
        verdict: outcome.verdict,
        reason,
        rules,
        baseline: None,
        truncated,
        rank: (0, 0),
    }
}

fn display_path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
