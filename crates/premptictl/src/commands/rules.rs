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
use crate::rules_tools::{self, fixtures, replay, InDaemonOrder};

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

/// What the rules are evaluated under: the installation's configuration as the daemon reads
/// it (tags, default action, `rule_matching`, ...), in guardrails mode unless `mode` is given.
fn eval_config(
    ctx: &Context,
    mode: Option<crate::cli::ModeArg>,
) -> Result<rules_tools::EvalConfig> {
    let config = rules_tools::EvalConfig::for_layout(&ctx.layout)?;
    Ok(match mode {
        Some(m) => config.with_mode(m.into()),
        None => config,
    })
}

/// The files to load for candidate rules files: alone, or placed among the installed ones.
fn placed(ctx: &Context, candidates: &[PathBuf], standalone: bool) -> Result<InDaemonOrder> {
    if standalone {
        Ok(InDaemonOrder {
            files: candidates.to_vec(),
            ..InDaemonOrder::default()
        })
    } else {
        rules_tools::in_daemon_order(&ctx.layout, candidates)
    }
}

/// One line saying which installed files the candidates were loaded with, if any.
fn placement_note(order: &InDaemonOrder, flag_effect: &str) -> Option<String> {
    let dir = order.rules_dir.as_ref()?;
    if order.installed.is_empty() {
        return None;
    }
    Some(format!(
        "(with {} of {} in the daemon's order: default rules, user rules by name, seen rules; \
         --standalone {flag_effect})",
        crate::output::count(order.installed.len(), "installed rules file"),
        dir.display()
    ))
}

fn validate(ctx: &Context, args: &RulesValidateArgs) -> Result<ExitStatus> {
    let order = placed(ctx, &args.files, args.standalone || args.format.is_some())?;
    let files = rules_tools::read_rules_files(&order.files)?;
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
    // Each diagnostic once, under the file it points into. The candidates' diagnostics, and
    // errors anywhere (with the candidates, the daemon would refuse the rules); the installed
    // files' warnings are not the candidates' business.
    let mut diagnostics: Vec<(&str, &prempti_rules::Diagnostic)> = Vec::new();
    for file in &result.files {
        for d in file.errors.iter().chain(&file.warnings) {
            let name = d.primary.as_ref().map_or(file.name.as_str(), |p| &*p.file);
            let relevant =
                !order.is_installed(name) || d.severity() == prempti_rules::Severity::Error;
            if relevant && !diagnostics.iter().any(|(_, x)| *x == d) {
                diagnostics.push((name, d));
            }
        }
    }
    if args.json {
        writeln!(
            out,
            "{}",
            prempti_rules::render_json(diagnostics.iter().map(|(_, d)| *d), &result.sources)
        )?;
    } else {
        let s = Styles::new(ctx.color);
        for file in &result.files {
            let own: Vec<&prempti_rules::Diagnostic> = diagnostics
                .iter()
                .filter(|(name, _)| *name == file.name)
                .map(|(_, d)| *d)
                .collect();
            if order.is_installed(&file.name) && own.is_empty() {
                continue;
            }
            let errors = own
                .iter()
                .filter(|d| d.severity() == prempti_rules::Severity::Error)
                .count();
            let (status, color) = if errors > 0 {
                ("Invalid", s.red)
            } else if !own.is_empty() {
                ("Ok, with warnings", s.yellow)
            } else {
                ("Ok", s.green)
            };
            writeln!(out, "{}: {color}{status}{}", file.name, s.reset)?;
            for d in own {
                write!(out, "{}", prempti_rules::render_full(d, &result.sources))?;
            }
        }
        // Diagnostics pointing into no loaded file (e.g. unmet plugin requirements).
        for (name, d) in &diagnostics {
            if !result.files.iter().any(|f| f.name == *name) {
                write!(out, "{}", prempti_rules::render_full(d, &result.sources))?;
            }
        }
        if let Some(note) = placement_note(&order, "checks the files alone") {
            writeln!(out, "{}{note}{}", s.dim, s.reset)?;
        }
    }
    Ok(if result.ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn eval(ctx: &Context, args: &RulesEvalArgs) -> Result<ExitStatus> {
    let ruleset = rules_tools::load_policy(&args.rules, eval_config(ctx, args.mode)?)?;
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
    let ruleset = rules_tools::load_policy(&rules, eval_config(ctx, None)?)?;
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
    let ruleset = rules_tools::load_policy(&rules, eval_config(ctx, args.mode)?)?;
    let payload = rules_tools::read_event(&args.event)?;
    let agent: Agent = args.agent.into();
    let homes = homes(ctx, args.user_home.as_deref());
    let mut calls = rules_tools::parse_payload_with(agent, &payload, &homes)?;
    // The event's session as the daemon keeps it: what session.* fields see.
    let sessions_path = args
        .sessions
        .clone()
        .unwrap_or_else(|| ctx.layout.home.join("state/sessions.jsonl"));
    if let Some(store) = rules_tools::read_sessions(&sessions_path) {
        store.attach(&mut calls, prempti_plugin::session::now_ms());
    }
    let session = calls
        .first()
        .and_then(|c| Some((c.session_id.clone()?, c.session.clone()?)))
        .filter(|(_, v)| v.calls > 0 || v.carries_secret);
    let per_call = rules_tools::explain_calls(&ruleset, &calls);
    let outcome = rules_tools::evaluate_calls(&ruleset, calls);
    // Internal rules (the Falco host's "seen" marker) never vote: not part of an explanation.
    let tags = ruleset.config.tags.clone();
    let internal: Vec<String> = ruleset
        .rules()
        .into_iter()
        .filter(|r| r.tags.iter().any(|t| tags.seen.contains(t)))
        .map(|r| r.name)
        .collect();
    // Per call: matched rules first, then the others, each group in evaluation order.
    let per_call: Vec<Vec<&prempti_rules::RuleExplanation>> = per_call
        .iter()
        .map(|rules| {
            let visible = rules.iter().filter(|r| !internal.contains(&r.rule));
            let (mut matched, unmatched): (Vec<_>, Vec<_>) = visible.partition(|r| r.matched);
            if !args.matched_only {
                matched.extend(unmatched);
            }
            matched
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let calls: Vec<serde_json::Value> = per_call
            .iter()
            .map(|rules| {
                serde_json::Value::Array(
                    rules
                        .iter()
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
    // The verdict and the rules that decided it.
    let vote = |m: &rules_tools::MatchInfo| {
        tags.vote(&prempti_plugin::verdict::MatchedRule {
            rule: m.rule.clone(),
            priority: m.priority.clone(),
            tags: m.tags.clone(),
            output: m.output.clone(),
        })
    };
    writeln!(
        out,
        "verdict: {}{}{}",
        verdict_color(&s, outcome.verdict),
        outcome.verdict,
        s.reset
    )?;
    let deciding: Vec<&str> = outcome
        .matched
        .iter()
        .filter(|m| vote(m) == Some(outcome.policy_verdict))
        .map(|m| m.rule.as_str())
        .collect();
    if deciding.is_empty() {
        let action = match ruleset.config.settings.default_action {
            prempti_protocol::DefaultAction::Defer => {
                "defer: the agent's own permission flow decides"
            }
            prempti_protocol::DefaultAction::Allow => "allow",
        };
        writeln!(
            out,
            "decided by: no rule denies or asks, so the default action applies ({action})"
        )?;
    } else {
        writeln!(out, "decided by: {}", deciding.join(", "))?;
        writeln!(out, "reason: {}", outcome.reason)?;
    }
    if let Some((id, view)) = &session {
        writeln!(out, "{}", session_line(id, view))?;
    }
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
        let matched = rules.iter().filter(|r| r.matched).count();
        let shown = rules.iter().filter(|r| r.matched || args.all);
        writeln!(out, "matched: {}", crate::output::count(matched, "rule"))?;
        for r in shown {
            let (mark, color) = if r.matched {
                ("MATCH", s.red)
            } else {
                ("no   ", s.dim)
            };
            let role = outcome
                .matched
                .iter()
                .find(|m| m.rule == r.rule)
                .and_then(&vote)
                .map_or(String::new(), |v| format!(" ({v})"));
            writeln!(out, "{color}{mark}{} {}{role}", s.reset, r.rule)?;
            if !r.deciding.is_empty() {
                writeln!(out, "      decided by: {}", r.deciding.join(" ; "))?;
            }
            if args.all && !r.fields.is_empty() {
                let seen: Vec<String> = r.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "      saw: {}", seen.join(" "))?;
            }
        }
        let unmatched = rules.len() - matched;
        if !args.all && unmatched > 0 {
            writeln!(
                out,
                "{}{} did not match (--all lists each, with the checks that decided it and the \
                 values it saw){}",
                s.dim,
                crate::output::count(unmatched, "other rule"),
                s.reset
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

/// The session state a call was judged in, for `rules explain`: what `session.*` saw.
fn session_line(id: &str, view: &prempti_plugin::session::SessionView) -> String {
    let marks: Vec<String> = view
        .marks
        .iter()
        .map(|(name, (age_ms, count))| format!("{name} (newest {} s ago, {count}x)", age_ms / 1000))
        .collect();
    format!(
        "session {id}: {} earlier calls; marks: {}; hosts: {}; carries a secret read earlier: {}",
        view.calls,
        if marks.is_empty() {
            "none".to_owned()
        } else {
            marks.join(", ")
        },
        if view.hosts.is_empty() {
            "none".to_owned()
        } else {
            view.hosts.join(", ")
        },
        if view.carries_secret { "yes" } else { "no" }
    )
}

fn replay_cmd(ctx: &Context, args: &RulesReplayArgs) -> Result<ExitStatus> {
    let order = placed(ctx, &args.rules, args.standalone)?;
    let ruleset = rules_tools::load_policy(&order.files, eval_config(ctx, None)?)?;
    let mut report = if args.transcripts {
        let installed = rules_tools::default_rules_files(&ctx.layout)?;
        let installed = rules_tools::load_policy(&installed, eval_config(ctx, None)?)
            .context("the installed rules")?;
        let selection = super::scan::Selection {
            agent: args.agent,
            since: args.since.as_deref(),
            project: args.project.as_deref(),
            user_home: args.user_home.as_deref(),
            max_line_bytes: crate::scan::DEFAULT_MAX_LINE_BYTES,
        };
        let (opts, home) = super::scan::options(ctx, &selection, false, 0)?;
        let roots = crate::scan::Roots::new(&home, |name| std::env::var(name).ok());
        replay::replay_transcripts(&ruleset, &installed, &roots, &opts)
    } else {
        let path = args.audit.clone().unwrap_or_else(|| ctx.layout.audit_log());
        let file = std::fs::File::open(&path).with_context(|| {
            format!(
                "cannot open audit log {} (pass --audit FILE, or --transcripts to replay the \
                 agents' transcripts)",
                path.display()
            )
        })?;
        replay::replay(&ruleset, std::io::BufReader::new(file))
            .with_context(|| format!("cannot read audit log {}", path.display()))?
    };
    report.rules = order
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
        return Ok(ExitStatus::Success);
    }
    let s = Styles::new(ctx.color);
    if let Some(note) = placement_note(&order, "replays the candidates alone") {
        writeln!(out, "{}replaying the candidates {note}{}", s.dim, s.reset)?;
    }
    for c in &report.changes {
        let at = match &c.transcript {
            Some(t) => format!("{t}:{}", c.line),
            None => format!("line {}", c.line),
        };
        writeln!(
            out,
            "{at}: {} {} {}: {}{}→{}{} {}",
            c.agent, c.tool_name, c.subject, s.bold, c.before, c.after, s.reset, c.reason
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
