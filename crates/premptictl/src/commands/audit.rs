//! `premptictl audit [--since] [--session] [--verdict] [--rule] [--file] [--json]` lists the
//! calls matching every filter, oldest first, across the audit file's rotations;
//! `premptictl audit stats` summarizes them (calls, verdicts including would-deny, top rules,
//! per agent, per session).

use std::io::Write;

use anyhow::Result;

use super::Context;
use crate::audit_view::filter::{parse_since, Filter, VerdictSel};
use crate::audit_view::render::{self, Symbols};
use crate::audit_view::{reader, stats};
use crate::cli::{AuditArgs, AuditCommand, AuditFilter};
use crate::exit::ExitStatus;
use crate::output::Styles;

/// Runs `audit` or `audit stats`.
pub(crate) fn audit(ctx: &Context, args: &AuditArgs) -> Result<ExitStatus> {
    match &args.command {
        Some(AuditCommand::Stats(filter)) => run(ctx, filter, true),
        None => run(ctx, &args.filter, false),
    }
}

fn build_filter(args: &AuditFilter) -> Result<Filter> {
    Ok(Filter {
        since: args
            .since
            .as_deref()
            .map(|s| parse_since(s, jiff::Timestamp::now()))
            .transpose()?,
        session: args.session.clone().filter(|s| !s.is_empty()),
        verdicts: args
            .verdict
            .as_deref()
            .map(VerdictSel::parse)
            .transpose()?
            .into_iter()
            .collect(),
        rule: args.rule.clone(),
        include_health: args.include_health,
    })
}

fn run(ctx: &Context, args: &AuditFilter, summary: bool) -> Result<ExitStatus> {
    let filter = build_filter(args)?;
    let path = args.file.clone().unwrap_or_else(|| ctx.layout.audit_log());
    let loaded = reader::read_all(&path)?;
    if reader::files_oldest_first(&path).is_empty() {
        eprintln!("premptictl: no audit log at {} yet", path.display());
    }
    let records: Vec<_> = loaded
        .records
        .iter()
        .filter(|r| filter.matches(r))
        .collect();
    let styles = Styles::new(ctx.color);
    let mut out = std::io::stdout().lock();
    if summary {
        let stats = stats::compute(records.iter().copied(), loaded.skipped);
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&stats)?)?;
        } else {
            write!(out, "{}", render::stats(&stats, &styles))?;
        }
        return Ok(ExitStatus::Success);
    }
    let symbols = Symbols::detect();
    for record in &records {
        if args.json {
            writeln!(out, "{}", record.raw)?;
        } else {
            writeln!(out, "{}", render::record(record, &styles, symbols))?;
        }
    }
    out.flush()?;
    if loaded.skipped > 0 {
        eprintln!(
            "premptictl: skipped {} unreadable line(s) in the audit log",
            loaded.skipped
        );
    }
    if records.is_empty() && !args.json {
        eprintln!("premptictl: no matching calls");
    }
    Ok(ExitStatus::Success)
}
