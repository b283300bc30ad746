//! `premptictl audit stats`: counts over the records that pass the filters.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Record;

/// How many rules `top_rules` lists.
pub(crate) const TOP_RULES: usize = 10;

/// Verdict counts.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Calls.
    pub(crate) calls: u64,
    /// Calls the agent was told to allow.
    pub(crate) allow: u64,
    /// Calls denied.
    pub(crate) deny: u64,
    /// Calls the user was asked about.
    pub(crate) ask: u64,
    /// Calls left to the agent's own permission flow.
    pub(crate) defer: u64,
    /// Calls with no or an unknown decision.
    pub(crate) unknown: u64,
    /// Calls the rules denied but the mode let through (monitor mode).
    pub(crate) would_deny: u64,
    /// Calls the rules would have asked about but the mode let through.
    pub(crate) would_ask: u64,
}

impl Counts {
    fn add(&mut self, record: &Record) {
        self.calls += 1;
        match record.decision() {
            "allow" => self.allow += 1,
            "deny" => self.deny += 1,
            "ask" => self.ask += 1,
            "defer" => self.defer += 1,
            _ => self.unknown += 1,
        }
        match record.would() {
            Some("deny") => self.would_deny += 1,
            Some("ask") => self.would_ask += 1,
            _ => {}
        }
    }
}

/// One rule's hit count.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct RuleCount {
    /// The rule name.
    pub(crate) rule: String,
    /// Calls it matched.
    pub(crate) calls: u64,
}

/// One session's counts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SessionStats {
    /// The session id.
    pub(crate) session_id: String,
    /// Its agent.
    pub(crate) agent: String,
    /// First call's time.
    pub(crate) first: Option<String>,
    /// Last call's time.
    pub(crate) last: Option<String>,
    /// Its verdicts.
    #[serde(flatten)]
    pub(crate) counts: Counts,
}

/// The whole summary.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Stats {
    /// Earliest record time.
    pub(crate) first: Option<String>,
    /// Latest record time.
    pub(crate) last: Option<String>,
    /// Verdicts over all calls.
    #[serde(flatten)]
    pub(crate) totals: Counts,
    /// Most frequently matched rules, most first.
    pub(crate) top_rules: Vec<RuleCount>,
    /// Per agent.
    pub(crate) agents: BTreeMap<String, Counts>,
    /// Per session, most calls first.
    pub(crate) sessions: Vec<SessionStats>,
    /// Unreadable lines skipped.
    pub(crate) skipped_lines: usize,
}

/// Computes the summary of `records` (oldest first).
pub(crate) fn compute<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    skipped_lines: usize,
) -> Stats {
    let mut stats = Stats {
        skipped_lines,
        ..Stats::default()
    };
    let mut rules: BTreeMap<String, u64> = BTreeMap::new();
    let mut sessions: BTreeMap<String, SessionStats> = BTreeMap::new();
    for record in records {
        stats.totals.add(record);
        let time = Some(record.entry.time.clone()).filter(|t| !t.is_empty());
        if stats.first.is_none() {
            stats.first.clone_from(&time);
        }
        if time.is_some() {
            stats.last.clone_from(&time);
        }
        let agent = record.entry.agent.field_name().to_owned();
        stats.agents.entry(agent.clone()).or_default().add(record);
        // A rule matched several times in one call (per-file matches) counts once.
        let mut seen: Vec<&str> = Vec::new();
        for m in record.rules() {
            if !seen.contains(&m.rule.as_str()) {
                seen.push(&m.rule);
                *rules.entry(m.rule.clone()).or_default() += 1;
            }
        }
        let id = record
            .entry
            .session_id
            .clone()
            .unwrap_or_else(|| "(none)".to_owned());
        let session = sessions.entry(id.clone()).or_insert_with(|| SessionStats {
            session_id: id,
            agent,
            first: time.clone(),
            last: None,
            counts: Counts::default(),
        });
        session.counts.add(record);
        if time.is_some() {
            session.last = time;
        }
    }
    let mut top: Vec<RuleCount> = rules
        .into_iter()
        .map(|(rule, calls)| RuleCount { rule, calls })
        .collect();
    top.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.rule.cmp(&b.rule)));
    top.truncate(TOP_RULES);
    stats.top_rules = top;
    let mut sessions: Vec<SessionStats> = sessions.into_values().collect();
    sessions.sort_by(|a, b| {
        b.counts
            .calls
            .cmp(&a.counts.calls)
            .then_with(|| a.first.cmp(&b.first))
    });
    stats.sessions = sessions;
    stats
}
