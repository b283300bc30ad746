//! `premptictl logs [-f] [--tail N] [--show deny,ask,...] [--json]`: the most recent calls from
//! the audit log, pretty-printed (or raw with `--json`), optionally following new ones.

use std::io::Write;

use anyhow::Result;

use super::Context;
use crate::audit_view::filter::{Filter, VerdictSel};
use crate::audit_view::follow::Follower;
use crate::audit_view::render::{self, Symbols};
use crate::audit_view::{reader, Record};
use crate::cli::LogsArgs;
use crate::exit::ExitStatus;
use crate::output::Styles;

/// Runs `logs`.
pub(crate) fn logs(ctx: &Context, args: &LogsArgs) -> Result<ExitStatus> {
    let filter = Filter {
        verdicts: args
            .show
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| VerdictSel::parse(s))
            .collect::<Result<_>>()?,
        include_health: args.include_health,
        ..Filter::default()
    };
    let path = ctx.layout.audit_log();
    let styles = Styles::new(ctx.color);
    let symbols = Symbols::detect();
    let json = args.json;
    let print = move |out: &mut dyn Write, record: &Record| -> Result<()> {
        if json {
            writeln!(out, "{}", record.raw)?;
        } else {
            writeln!(out, "{}", render::record(record, &styles, symbols))?;
        }
        Ok(())
    };

    // Where following starts: the end of the file as it is before the tail is read, so a line
    // appended meanwhile is shown by the follower rather than lost.
    let start = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let loaded = reader::read_tail(&path, args.tail, &|r| filter.matches(r))?;
    let mut out = std::io::stdout().lock();
    if loaded.records.is_empty() && !args.follow && !json {
        let where_ = if path.exists() {
            "matching in"
        } else {
            "yet: no"
        };
        writeln!(out, "no calls {where_} {}", path.display())?;
    }
    for record in &loaded.records {
        print(&mut out, record)?;
    }
    out.flush()?;
    if loaded.skipped > 0 {
        eprintln!(
            "premptictl: skipped {} unreadable line(s) in the audit log",
            loaded.skipped
        );
    }
    if !args.follow {
        return Ok(ExitStatus::Success);
    }
    drop(out);
    let mut follower = Follower::new(&path, start);
    follower.run(|record| {
        let mut out = std::io::stdout().lock();
        if filter.matches(record) {
            print(&mut out, record)?;
        }
        out.flush()?;
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
