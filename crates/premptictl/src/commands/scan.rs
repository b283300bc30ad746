//! `premptictl scan`: command-line glue over [`crate::scan`].

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use prempti_protocol::Decision;

use super::Context;
use crate::audit_view::render::one_line;
use crate::cli::{ScanAgentArg, ScanArgs};
use crate::exit::ExitStatus;
use crate::output::Styles;
use crate::rules_tools::{self, Homes};
use crate::scan::report::{self, CallRecord, Options, Report};
use crate::scan::{Limits, Roots, AGENTS};

/// Longest command, path or URL shown, as `premptictl logs` and `audit` show them.
const MAX_TARGET_CHARS: usize = 240;
/// Longest reason shown.
const MAX_REASON_CHARS: usize = 300;
/// Characters of the session id shown.
const SESSION_CHARS: usize = 8;

pub(crate) fn scan(ctx: &Context, args: &ScanArgs) -> Result<ExitStatus> {
    let installed = || rules_tools::default_rules_files(&ctx.layout);
    let (rules, baseline): (Vec<PathBuf>, Option<Vec<PathBuf>>) = if args.diff {
        let baseline = if args.baseline.is_empty() {
            installed()?
        } else {
            args.baseline.clone()
        };
        (args.rules.clone(), Some(baseline))
    } else if args.rules.is_empty() {
        (installed()?, None)
    } else {
        (args.rules.clone(), None)
    };
    let config = rules_tools::EvalConfig::for_layout(&ctx.layout)?;
    let ruleset = rules_tools::load_policy(&rules, config.clone())?;
    let baseline = match &baseline {
        Some(files) => Some(rules_tools::load_policy(files, config).context("the baseline rules")?),
        None => None,
    };
    let (opts, home) = options(
        ctx,
        &Selection {
            agent: args.agent,
            since: args.since.as_deref(),
            project: args.project.as_deref(),
            user_home: args.user_home.as_deref(),
            max_line_bytes: args.max_line_bytes,
        },
        args.json,
        args.examples,
    )?;
    let roots = Roots::new(&home, |name| std::env::var(name).ok());
    let report = report::scan(&roots, &ruleset, baseline.as_ref(), &opts);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    let s = Styles::new(ctx.color);
    let home_text = home.to_string_lossy().into_owned();
    if args.diff {
        write!(out, "{}", render_diff(&report, &s, &home_text))?;
    } else {
        write!(out, "{}", render(&report, &s, &home_text))?;
    }
    Ok(ExitStatus::Success)
}

/// Which transcript calls to read: the selection flags `scan` and `rules replay --transcripts`
/// share.
pub(crate) struct Selection<'a> {
    /// `--agent`.
    pub(crate) agent: ScanAgentArg,
    /// `--since`.
    pub(crate) since: Option<&'a str>,
    /// `--project`.
    pub(crate) project: Option<&'a std::path::Path>,
    /// `--user-home` (defaults to HOME).
    pub(crate) user_home: Option<&'a std::path::Path>,
    /// `--max-line-bytes`.
    pub(crate) max_line_bytes: usize,
}

/// The scan options for `selection`, and the home whose transcripts are read.
pub(crate) fn options(
    ctx: &Context,
    selection: &Selection<'_>,
    keep_calls: bool,
    examples: usize,
) -> Result<(Options, PathBuf)> {
    let since = match selection.since {
        Some(s) => Some(crate::audit_view::filter::parse_since(
            s,
            jiff::Timestamp::now(),
        )?),
        None => None,
    };
    let home = match selection.user_home {
        Some(h) if !h.as_os_str().is_empty() => h.to_path_buf(),
        _ => anyhow::bail!("no home directory: set HOME or pass --user-home DIR"),
    };
    // The directory as given (made absolute) and its canonical form: transcripts record the
    // working directory as the agent saw it, symbolic links included.
    let mut project: Vec<String> = Vec::new();
    if let Some(p) = selection.project {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        project.push(absolute.to_string_lossy().into_owned());
        if let Ok(canonical) = std::fs::canonicalize(p) {
            let canonical = canonical.to_string_lossy().into_owned();
            if !project.contains(&canonical) {
                project.push(canonical);
            }
        }
    }
    let agents = match selection.agent {
        ScanAgentArg::Claude => vec![prempti_plugin::agents::Agent::ClaudeCode],
        ScanAgentArg::Codex => vec![prempti_plugin::agents::Agent::Codex],
        ScanAgentArg::Gemini => vec![prempti_plugin::agents::Agent::GeminiCli],
        ScanAgentArg::Copilot => vec![prempti_plugin::agents::Agent::Copilot],
        ScanAgentArg::All => AGENTS.to_vec(),
    };
    let opts = Options {
        agents,
        since,
        project,
        limits: Limits {
            max_line_bytes: selection.max_line_bytes.max(1),
        },
        homes: Homes {
            home: Some(home.to_string_lossy().into_owned()),
            prempti_home: Some(ctx.layout.home.to_string_lossy().into_owned()),
        },
        keep_calls,
        examples,
    };
    Ok((opts, home))
}

/// `~/…` for paths under the home.
fn tilde(path: &str, home: &str) -> String {
    match std::path::Path::new(path).strip_prefix(home) {
        Ok(rest) if !home.is_empty() => format!("~/{}", rest.display()),
        _ => path.to_owned(),
    }
}

fn headline(r: &Report) -> String {
    let mut text = format!(
        "Scanned {} transcript{}: {} lines ({} damaged, {} unknown, {} oversize, skipped); {} calls evaluated",
        r.transcripts,
        if r.transcripts == 1 { "" } else { "s" },
        r.lines.lines,
        r.lines.damaged,
        r.lines.unknown,
        r.lines.oversize,
        r.calls,
    );
    if r.unevaluable > 0 {
        text.push_str(&format!(", {} not evaluable", r.unevaluable));
    }
    if r.transcripts_skipped > 0 {
        text.push_str(&format!(
            ", {} transcripts older than --since not opened",
            r.transcripts_skipped
        ));
    }
    if r.transcripts_unreadable > 0 {
        text.push_str(&format!(
            ", {} transcripts unreadable",
            r.transcripts_unreadable
        ));
    }
    text.push_str(".\n");
    text
}

/// The summary: per agent and project, per rule, the worst examples.
fn render(r: &Report, s: &Styles, home: &str) -> String {
    let mut out = headline(r);
    if r.calls == 0 {
        out.push_str("No tool calls found.\n");
        return out;
    }
    out.push_str(&format!(
        "Would have been denied: {}{}{}, asked: {}{}{}.\n\n",
        s.red, r.deny, s.reset, s.yellow, r.ask, s.reset
    ));
    out.push_str(&format!(
        "{}{:<12} {:>8} {:>7} {:>5} {:>5}  project{}\n",
        s.bold, "agent", "sessions", "calls", "deny", "ask", s.reset
    ));
    for g in &r.groups {
        out.push_str(&format!(
            "{:<12} {:>8} {:>7} {:>5} {:>5}  {}\n",
            g.agent,
            g.sessions,
            g.calls,
            g.deny,
            g.ask,
            tilde(&g.project, home)
        ));
    }
    if !r.rules.is_empty() {
        out.push_str(&format!("\n{}Calls per rule{}\n", s.bold, s.reset));
        for rule in &r.rules {
            let color = if rule.vote == "deny" { s.red } else { s.yellow };
            out.push_str(&format!(
                "  {color}{:<4}{} {:>6}  {}\n",
                rule.vote, s.reset, rule.calls, rule.rule
            ));
        }
    }
    if !r.examples.is_empty() {
        out.push_str(&format!("\n{}Worst examples{}\n", s.bold, s.reset));
        for e in &r.examples {
            out.push_str(&example(e, s, home));
        }
    }
    out
}

fn verdict_color(s: &Styles, d: Decision) -> &'static str {
    match d {
        Decision::Deny => s.red,
        Decision::Ask => s.yellow,
        Decision::Allow => s.green,
        Decision::Defer => s.blue,
    }
}

fn local_time(t: Option<&str>) -> String {
    match t.and_then(|t| t.parse::<jiff::Timestamp>().ok()) {
        Some(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => t.unwrap_or("(no time)").to_owned(),
    }
}

fn example(e: &CallRecord, s: &Styles, home: &str) -> String {
    let color = verdict_color(s, e.verdict);
    let session: String = e.session_id.chars().take(SESSION_CHARS).collect();
    let mut out = format!(
        "{color}{:<5}{} {dim}{}{reset}  {}  {bold}{}{reset}  session {}\n",
        e.verdict.as_str(),
        s.reset,
        local_time(e.time.as_deref()),
        e.agent,
        e.tool_name,
        session,
        dim = s.dim,
        bold = s.bold,
        reset = s.reset,
    );
    let subject = if e.files.len() > 1 {
        e.files.join(", ")
    } else {
        e.subject().to_owned()
    };
    if !subject.is_empty() {
        out.push_str(&format!("    {}\n", one_line(&subject, MAX_TARGET_CHARS)));
    }
    if let Some(first) = e.rules.first() {
        let more = if e.rules.len() > 1 {
            format!(" (+{} more)", e.rules.len() - 1)
        } else {
            String::new()
        };
        out.push_str(&format!("    rule   {first}{more}\n"));
    }
    out.push_str(&format!(
        "    at     {}:{}\n",
        tilde(&e.transcript, home),
        e.line
    ));
    out
}

/// `--diff`: one line per changed call, then the counts per direction.
fn render_diff(r: &Report, s: &Styles, home: &str) -> String {
    let mut out = String::new();
    let changes = r.changes.as_deref().unwrap_or_default();
    for c in changes {
        let before = c.baseline.map_or("?", |b| match b {
            Decision::Defer => "allow",
            other => other.as_str(),
        });
        let after = match c.verdict {
            Decision::Defer => "allow",
            other => other.as_str(),
        };
        out.push_str(&format!(
            "{}:{}: {} {} {}: {}{}→{}{} {}\n",
            tilde(&c.transcript, home),
            c.line,
            c.agent,
            c.tool_name,
            one_line(c.subject(), MAX_TARGET_CHARS),
            s.bold,
            before,
            after,
            s.reset,
            one_line(&c.reason, MAX_REASON_CHARS),
        ));
    }
    if let Some(directions) = &r.directions {
        for (direction, n) in directions {
            out.push_str(&format!("{direction}: {n}\n"));
        }
    }
    out.push_str(&headline(r));
    let rank = |d: Decision| match d {
        Decision::Deny => 2,
        Decision::Ask => 1,
        _ => 0,
    };
    let newly = changes
        .iter()
        .filter(|c| c.baseline.is_some_and(|b| rank(c.verdict) > rank(b)))
        .count();
    out.push_str(&format!(
        "{} changed: {} newly flagged, {} released or softened.\n",
        changes.len(),
        newly,
        changes.len() - newly
    ));
    out
}
