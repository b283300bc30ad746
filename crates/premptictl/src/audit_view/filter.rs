//! Record filters shared by `logs --show` and `audit --since/--session/--verdict/--rule`.

use anyhow::{bail, Result};
use jiff::Timestamp;

use super::Record;

/// The verdict names accepted by `--verdict` and `--show`.
pub(crate) const VERDICTS: &[&str] = &["allow", "deny", "ask", "defer", "would-deny", "would-ask"];

/// A parsed verdict selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerdictSel {
    /// `decision` equals this.
    Decision(String),
    /// `policy_decision` is this while `decision` is softer (monitor mode).
    Would(String),
}

impl VerdictSel {
    /// Parses `allow`, `deny`, `ask`, `defer`, `would-deny`, `would-ask` (case-insensitive).
    pub(crate) fn parse(s: &str) -> Result<VerdictSel> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "allow" | "deny" | "ask" | "defer" => Ok(VerdictSel::Decision(s)),
            "would-deny" | "would_deny" => Ok(VerdictSel::Would("deny".into())),
            "would-ask" | "would_ask" => Ok(VerdictSel::Would("ask".into())),
            _ => bail!("unknown verdict '{s}': use one of {}", VERDICTS.join(", ")),
        }
    }

    fn matches(&self, record: &Record) -> bool {
        match self {
            VerdictSel::Decision(d) => record.decision() == d,
            VerdictSel::Would(w) => record.would() == Some(w.as_str()),
        }
    }
}

/// All filters; a record must pass every one that is set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// At or after this time.
    pub(crate) since: Option<Timestamp>,
    /// Session id, exact or a prefix (as shown shortened by `logs`).
    pub(crate) session: Option<String>,
    /// Any of these verdicts (empty: all).
    pub(crate) verdicts: Vec<VerdictSel>,
    /// A rule that matched, by exact name.
    pub(crate) rule: Option<String>,
    /// Keep `premptictl health`'s synthetic calls (left out by default).
    pub(crate) include_health: bool,
}

impl Filter {
    /// Whether `record` passes.
    pub(crate) fn matches(&self, record: &Record) -> bool {
        if !self.include_health && record.is_health() {
            return false;
        }
        if let Some(since) = self.since {
            if record.time.is_none_or(|t| t < since) {
                return false;
            }
        }
        if let Some(session) = &self.session {
            if !record
                .entry
                .session_id
                .as_deref()
                .is_some_and(|s| s.starts_with(session.as_str()))
            {
                return false;
            }
        }
        if !self.verdicts.is_empty() && !self.verdicts.iter().any(|v| v.matches(record)) {
            return false;
        }
        if let Some(rule) = &self.rule {
            if !record.rules().iter().any(|m| &m.rule == rule) {
                return false;
            }
        }
        true
    }
}

/// Parses `--since`: an RFC 3339 timestamp, or a duration ago such as `90s`, `30m`, `2h`, `7d`,
/// `1w` (relative to `now`).
pub(crate) fn parse_since(s: &str, now: Timestamp) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(digits);
    let seconds_per_unit: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => 0,
    };
    let amount = num.parse::<i64>().ok();
    match (amount, seconds_per_unit) {
        (Some(n), unit) if unit > 0 => {
            let secs = n.checked_mul(unit).filter(|s| *s <= 100 * 366 * 86_400);
            match secs.and_then(|secs| now.checked_sub(jiff::SignedDuration::from_secs(secs)).ok()) {
                Some(t) => Ok(t),
                None => bail!("--since {s} reaches too far back: use at most 100 years"),
            }
        }
        _ => bail!(
            "cannot read --since '{s}': give an RFC 3339 time (2026-11-21T10:00:00Z) or a duration ago (30m, 2h, 7d)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_rfc3339_and_durations() {
        let now: Timestamp = "2026-11-21T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_since("2026-11-20T00:00:00Z", now)
                .unwrap()
                .to_string(),
            "2026-11-20T00:00:00Z"
        );
        assert_eq!(
            parse_since("30m", now).unwrap().to_string(),
            "2026-11-21T11:30:00Z"
        );
        assert_eq!(
            parse_since("2h", now).unwrap().to_string(),
            "2026-11-21T10:00:00Z"
        );
        assert_eq!(
            parse_since("7d", now).unwrap().to_string(),
            "2026-11-14T12:00:00Z"
        );
        for bad in ["", "h", "3y", "-2h", "99999999999999999999d", "yesterday"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn verdicts_parse_and_reject_unknown() {
        assert_eq!(
            VerdictSel::parse("DENY").unwrap(),
            VerdictSel::Decision("deny".into())
        );
        assert_eq!(
            VerdictSel::parse("would-deny").unwrap(),
            VerdictSel::Would("deny".into())
        );
        assert!(VerdictSel::parse("block").is_err());
    }
}
