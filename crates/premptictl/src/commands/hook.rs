//! `premptictl hook add|remove|status [agent|all] [--json]`: registers Prempti's hook in agents'
//! user settings (see [`crate::hooks`]).
//!
//! `status` exits 1 when a requested agent is not correctly installed (missing, duplicate,
//! stale or disabled). `add` and `remove` exit 2 when any agent's file could not be edited; the
//! other agents are still processed.

use std::io::Write;

use anyhow::Result;
use prempti_protocol::Agent;
use serde::Serialize;
use serde_json::json;

use super::Context;
use crate::cli::{HookArgs, HookCommand};
use crate::exit::ExitStatus;
use crate::hooks::{self, HookChange, HookState, HookStatus};
use crate::output::Styles;

/// Runs a `hook` subcommand.
pub(crate) fn run(ctx: &Context, cmd: &HookCommand) -> Result<ExitStatus> {
    match cmd {
        HookCommand::Add(args) => change(ctx, args, true),
        HookCommand::Remove(args) => change(ctx, args, false),
        HookCommand::Status(args) => status(ctx, args),
    }
}

fn change(ctx: &Context, args: &HookArgs, add: bool) -> Result<ExitStatus> {
    if !add {
        crate::control::consent::require(&ctx.layout, "hook remove")?;
    }
    let styles = Styles::new(ctx.color);
    let report = for_each_agent(
        args,
        |agent| {
            if add {
                let mut change = hooks::add(&ctx.layout, agent)?;
                if args.post_tool {
                    post_tool(ctx, agent, &mut change)?;
                }
                Ok(change)
            } else {
                hooks::remove(&ctx.layout, agent)
            }
        },
        |out, change| print_change(out, change, add, &styles),
        |out, agent, err| {
            writeln!(
                out,
                "{}✗{} {}: {err:#}",
                styles.red,
                styles.reset,
                agent.display_name()
            )
        },
        |agent, err| json!({ "agent": agent, "error": format!("{err:#}") }),
    )?;
    Ok(if report.errored {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// Registers the post-tool hook of `agent` next to its pre-tool hook, noting what was done.
fn post_tool(
    ctx: &Context,
    agent: prempti_protocol::Agent,
    change: &mut hooks::HookChange,
) -> Result<()> {
    match hooks::post_tool::event(agent) {
        None => change.notes.push(format!(
            "{} has no post-tool hook Prempti uses: only the pre-tool hook is registered",
            agent.display_name()
        )),
        Some(event) => {
            let env = hooks::HookEnv::from_process();
            change.changed |= hooks::post_tool::add_with(&ctx.layout, agent, &env)?;
            change.notes.push(format!(
                "post-tool hook on {event}: the session history learns which calls ran"
            ));
        }
    }
    Ok(())
}

/// What [`for_each_agent`] did.
struct Report<T> {
    /// The agents' results that did not fail.
    done: Vec<T>,
    /// Whether some agent failed.
    errored: bool,
}

/// Runs `op` for every agent of `args` (a failing agent does not stop the others) and prints
/// each result with `print` or `print_error`, or, with `--json`, one JSON array of the results
/// and of `error_json` for failures.
fn for_each_agent<T: Serialize>(
    args: &HookArgs,
    op: impl Fn(Agent) -> Result<T>,
    print: impl Fn(&mut dyn Write, &T) -> Result<()>,
    print_error: impl Fn(&mut dyn Write, Agent, &anyhow::Error) -> std::io::Result<()>,
    error_json: impl Fn(Agent, &anyhow::Error) -> serde_json::Value,
) -> Result<Report<T>> {
    let mut out = std::io::stdout().lock();
    let mut report = Report {
        done: Vec::new(),
        errored: false,
    };
    let mut json_results = Vec::new();
    for agent in args.agent.agents() {
        match op(agent) {
            Ok(result) => {
                if args.json {
                    json_results.push(serde_json::to_value(&result)?);
                } else {
                    print(&mut out, &result)?;
                }
                report.done.push(result);
            }
            Err(err) => {
                report.errored = true;
                if args.json {
                    json_results.push(error_json(agent, &err));
                } else {
                    print_error(&mut out, agent, &err)?;
                }
            }
        }
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json_results)?)?;
    }
    Ok(report)
}

fn print_change(
    out: &mut dyn Write,
    change: &HookChange,
    add: bool,
    styles: &Styles,
) -> Result<()> {
    let file = change
        .files
        .first()
        .map(|f| f.display().to_string())
        .unwrap_or_default();
    let what = match (add, change.changed) {
        (true, true) => "hook added to",
        (true, false) => "hook already in",
        (false, true) => "hook removed from",
        (false, false) => "no Prempti hook in",
    };
    let mark = if change.changed {
        format!("{}✓{}", styles.green, styles.reset)
    } else {
        "·".to_owned()
    };
    writeln!(out, "{mark} {}: {what} {file}", change.agent.display_name())?;
    for note in &change.notes {
        writeln!(out, "    {note}")?;
    }
    for step in &change.manual_steps {
        writeln!(out, "    {}→{} {step}", styles.yellow, styles.reset)?;
    }
    Ok(())
}

fn status(ctx: &Context, args: &HookArgs) -> Result<ExitStatus> {
    let styles = Styles::new(ctx.color);
    let report = for_each_agent(
        args,
        |agent| hooks::status(&ctx.layout, agent),
        |out, status| print_status(out, status, &styles),
        |out, agent, err| {
            writeln!(
                out,
                "{}✗{} {:<15} error: {err:#}",
                styles.red,
                styles.reset,
                agent.display_name()
            )
        },
        |agent, err| json!({ "agent": agent, "state": "error", "error": format!("{err:#}") }),
    )?;
    Ok(if report.errored {
        ExitStatus::Error
    } else if report
        .done
        .iter()
        .all(|status| status.state == HookState::Installed)
    {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn print_status(out: &mut dyn Write, status: &HookStatus, styles: &Styles) -> Result<()> {
    let (mark, color) = match status.state {
        HookState::Installed => ("✓", styles.green),
        HookState::Missing => ("✗", styles.red),
        HookState::Duplicate | HookState::Stale | HookState::Disabled => ("!", styles.yellow),
    };
    writeln!(
        out,
        "{color}{mark} {:<15} {:<9}{reset} {dim}{}{reset}",
        status.agent.display_name(),
        status.state.as_str(),
        status.file.display(),
        reset = styles.reset,
        dim = styles.dim,
    )?;
    for detail in &status.details {
        writeln!(out, "    {detail}")?;
    }
    if let Some(failure) = &status.on_hook_failure {
        writeln!(out, "    if the hook cannot run, calls are {failure}")?;
    }
    if !status.foreign.is_empty() {
        writeln!(
            out,
            "    {}foreign hooks (left alone):{}",
            styles.dim, styles.reset
        )?;
        for f in &status.foreign {
            writeln!(out, "      {f}")?;
        }
    }
    for step in &status.manual_steps {
        writeln!(out, "    {}→{} {step}", styles.yellow, styles.reset)?;
    }
    Ok(())
}
