//! `premptictl rules validate|eval|test|explain|replay`: command-line glue over
//! [`crate::rules_tools`].
//!
//! Exit statuses: 0 when the command ran and the answer is positive (rules valid, every fixture
//! passed, evaluation ran); 1 when the answer is negative (invalid rules, failed fixtures); 2
//! when the command could not run (unreadable files, rules that do not load for eval/explain/
//! replay/test, an invalid event).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use prempti_plugin::agents::Agent;
use prempti_protocol::Decision;

use super::Context;
use crate::cli::{
    RulesCommand, RulesEvalArgs, RulesExplainArgs, RulesReplayArgs, RulesTestArgs,
    RulesValidateArgs,
};
use crate::exit::ExitStatus;
use crate::output::Styles;
use crate::rules_tools::{self, fixtures, replay};

pub(crate) fn run(ctx: &Context, cmd: &RulesCommand) -> Result<ExitStatus> {
    match cmd {
        RulesCommand::Validate(args) => validate(ctx, args),
        RulesCommand::Eval(args) => eval(ctx, args),
        RulesCommand::Test(args) => test(ctx, args),
        RulesCommand::Explain(args) => explain(ctx, args),
        RulesCommand::Replay(args) => replay_cmd(ctx, args),
    }
}

/// What a hook of this installation would report: the user's home and the install directory.
fn homes(ctx: &Context, user_home: Option<&str>) -> rules_tools::Homes {
    rules_tools::Homes {
        home: user_home.filter(|h| !h.is_empty()).map(str::to_owned),
        prempti_home: Some(ctx.layout.home.to_string_lossy().into_owned()),
    }
}

fn validate(ctx: &Context, args: &RulesValidateArgs) -> Result<ExitStatus> {
    let files = rules_tools::read_rules_files(&args.files)?;
    let result = rules_tools::engine().load(&files);
    let mut out = std::io::stdout().lock();
    if let Some(format) = args.format.as_deref() {
        let r = if format == "falco-json" {
            result.render_falco_json()
        } else {
            result.render_falco_text()
        };
        write!(out, "{}", r.stdout)?;
        out.flush()?;
        eprint!("{}", r.stderr);
        return Ok(if r.success {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
    if args.json {
        writeln!(out, "{}", result.render_json())?;
    } else {
        let s = Styles::new(ctx.color);
        for file in &result.files {
            let (status, color) = if !file.errors.is_empty() {
                ("Invalid", s.red)
            } else if !file.warnings.is_empty() {
                ("Ok, with warnings", s.yellow)
            } else {
                ("Ok", s.green)
            };
            writeln!(out, "{}: {color}{status}{}", file.name, s.reset)?;
            for d in file.errors.iter().chain(&file.warnings) {
                write!(out, "{}", prempti_rules::render_full(d, &result.sources))?;
            }
        }
        // Diagnostics not tied to one file (e.g. unmet plugin requirements).
        let listed: usize = result
            .files
            .iter()
            .map(|f| f.errors.len() + f.warnings.len())
            .sum();
        if result.diagnostics().count() > listed {
            for d in result.diagnostics().skip(listed) {
                write!(out, "{}", prempti_rules::render_full(d, &result.sources))?;
            }
        }
    }
    Ok(if result.ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn eval(ctx: &Context, args: &RulesEvalArgs) -> Result<ExitStatus> {
    let ruleset = rules_tools::load_ruleset(&args.rules)?;
    let payload = rules_tools::read_event(&args.event)?;
    let agent: Agent = args.agent.into();
    let homes = homes(ctx, args.user_home.as_deref());
    let outcome = rules_tools::evaluate_payload_with(&ruleset, agent, &payload, &homes)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let fields = outcome
            .calls
            .first()
            .map(rules_tools::fields_json)
            .unwrap_or_default();
        let mut v = serde_json::json!({
            "verdict": outcome.verdict.as_str(),
            "matched": outcome.matched,
            "fields": fields,
        });
        if outcome.calls.len() > 1 {
            v["calls"] = serde_json::Value::Array(
                outcome
                    .calls
                    .iter()
                    .map(|c| serde_json::Value::Object(rules_tools::fields_json(c)))
                    .collect(),
            );
        }
        writeln!(out, "{v}")?;
    } else {
        let s = Styles::new(ctx.color);
        writeln!(
            out,
            "verdict: {}{}{}",
            verdict_color(&s, outcome.verdict),
            outcome.verdict,
            s.reset
        )?;
        if !outcome.reason.is_empty() {
            writeln!(out, "reason: {}", outcome.reason)?;
        }
        if outcome.matched.is_empty() {
            writeln!(out, "matched: none")?;
        } else {
            writeln!(out, "matched:")?;
            for m in &outcome.matched {
                writeln!(out, "  {} [{}] {}", m.rule, m.priority, m.tags.join(","))?;
                writeln!(out, "    {}", m.output)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn test(ctx: &Context, args: &RulesTestArgs) -> Result<ExitStatus> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => rules_tools::default_tests_dir(&ctx.layout)?,
    };
    let rules: Vec<PathBuf> = if args.rules.is_empty() {
        rules_tools::default_rules_files(&ctx.layout)?
    } else {
        args.rules.clone()
    };
    let ruleset = rules_tools::load_ruleset(&rules)?;
    let mut cases = Vec::new();
    for file in fixtures::fixture_files(&dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read fixture file {}", file.display()))?;
        cases.extend(fixtures::parse_file(&file, &text)?);
    }
    let checked = fixtures::rules_needing_coverage(&ruleset, &rules, &cases)?;
    let report = fixtures::run(&ruleset, &cases, &checked);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        let s = Styles::new(ctx.color);
        if !args.corpus || ctx.verbose > 0 {
            for f in &report.failures {
                for reason in &f.reasons {
                    if f.file.is_empty() {
                        writeln!(out, "{}FAIL{} {}", s.red, s.reset, reason)?;
                    } else {
                        writeln!(
                            out,
                            "{}FAIL{} {}: {}: {}",
                            s.red, s.reset, f.file, f.case, reason
                        )?;
                    }
                }
            }
        }
        writeln!(out, "{} passed, {} failed", report.passed, report.failed)?;
        if let Some(figures) = &report.figures {
            write!(out, "{}", figures.render())?;
        }
    }
    Ok(if report.failed == 0 || args.corpus {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn explain(ctx: &Context, args: &RulesExplainArgs) -> Result<ExitStatus> {
    let rules: Vec<PathBuf> = if args.rules.is_empty() {
        rules_tools::default_rules_files(&ctx.layout)?
    } else {
        args.rules.clone()
    };
    let ruleset = rules_tools::load_ruleset(&rules)?;
    let payload = rules_tools::read_event(&args.event)?;
    let agent: Agent = args.agent.into();
    let homes = homes(ctx, args.user_home.as_deref());
    let per_call = rules_tools::explain_payload_with(&ruleset, agent, &payload, &homes)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let calls: Vec<serde_json::Value> = per_call
            .iter()
            .map(|rules| {
                serde_json::Value::Array(
                    rules
                        .iter()
                        .filter(|r| r.matched || !args.matched_only)
                        .map(|r| {
                            let fields: serde_json::Map<String, serde_json::Value> =
                                r.fields.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
                            serde_json::json!({"rule": r.rule, "matched": r.matched, "deciding": r.deciding, "fields": fields})
                        })
                        .collect(),
                )
            })
            .collect();
        let v = if calls.len() == 1 {
            calls.into_iter().next().unwrap_or_default()
        } else {
            serde_json::Value::Array(calls)
        };
        writeln!(out, "{v}")?;
        return Ok(ExitStatus::Success);
    }
    let s = Styles::new(ctx.color);
    for (i, rules) in per_call.iter().enumerate() {
        if per_call.len() > 1 {
            writeln!(
                out,
                "{}call {} of {}{}",
                s.bold,
                i + 1,
                per_call.len(),
                s.reset
            )?;
        }
        for r in rules.iter().filter(|r| r.matched || !args.matched_only) {
            let (mark, color) = if r.matched {
                ("MATCH", s.red)
            } else {
                ("no   ", s.dim)
            };
            writeln!(out, "{color}{mark}{} {}", s.reset, r.rule)?;
            if !r.deciding.is_empty() {
                writeln!(out, "      decided by: {}", r.deciding.join(" ; "))?;
            }
            if !r.fields.is_empty() {
                let seen: Vec<String> = r.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "      saw: {}", seen.join(" "))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn replay_cmd(ctx: &Context, args: &RulesReplayArgs) -> Result<ExitStatus> {
    let ruleset = rules_tools::load_ruleset(&args.rules)?;
    let path = args.audit.clone().unwrap_or_else(|| ctx.layout.audit_log());
    let file = std::fs::File::open(&path).with_context(|| {
        format!(
            "cannot open audit log {} (pass --audit FILE)",
            path.display()
        )
    })?;
    let report = replay::replay(&ruleset, std::io::BufReader::new(file))
        .with_context(|| format!("cannot read audit log {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
        return Ok(ExitStatus::Success);
    }
    let s = Styles::new(ctx.color);
    for c in &report.changes {
        writeln!(
            out,
            "line {}: {} {} {}: {}{}→{}{} {}",
            c.line, c.agent, c.tool_name, c.subject, s.bold, c.before, c.after, s.reset, c.reason
        )?;
    }
    for (direction, n) in &report.directions {
        writeln!(out, "{direction}: {n}")?;
    }
    writeln!(
        out,
        "{} evaluated, {} changed, {} unchanged, {} skipped (no payload), {} unreadable",
        report.evaluated,
        report.changes.len(),
        report.unchanged,
        report.skipped,
        report.unreadable
    )?;
    Ok(ExitStatus::Success)
}

fn verdict_color(s: &Styles, d: Decision) -> &'static str {
    match d {
        Decision::Deny => s.red,
        Decision::Ask => s.yellow,
        Decision::Allow => s.green,
        Decision::Defer => s.blue,
    }
}
