//! `premptictl status` and `premptictl health`.
//!
//! `status` asks the daemon for its status document on the control socket. `health` sends a
//! synthetic, harmless Claude Code call (a `Read` of a file that does not exist, in the install
//! directory) through the installed `bin/prempti-hook claude` and the running daemon, exactly
//! as an agent would, and reports what came back. The daemon marks that call `"health":true`
//! in the audit log, and `logs`/`audit` leave it out unless `--include-health`. `health` then
//! reports what came back: allow, ask or defer is healthy; a deny
//! (from a rule or from the hook failing closed), a timeout or an unreachable daemon is not.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::Context;
use crate::cli::{HealthArgs, JsonArgs};
use crate::control::StatusDoc;
use crate::exit::ExitStatus;
use crate::output::Styles;

pub(crate) fn status(ctx: &Context, args: &JsonArgs) -> Result<ExitStatus> {
    let status = crate::service::query(&ctx.layout, Duration::from_secs(5));
    let s = Styles::new(ctx.color);
    let Some(doc) = status else {
        let pid = crate::daemon::lock::holder(&ctx.layout.run_dir());
        let installed = ctx.layout.hook_binary().exists();
        let supervision = super::service::service_kind(ctx)
            .ok()
            .filter(|_| installed)
            .map(|kind| crate::service::supervision(&ctx.layout, kind));
        if args.json {
            outln!(
                "{}",
                serde_json::json!({"running": false, "installed": installed, "home": ctx.layout.home, "unresponsive_pid": pid, "service": supervision})
            )?;
        } else if !installed {
            outln!(
                "Prempti: {}not installed{} in {}; run `make install` from the source tree, or \
                 `premptictl install`",
                s.yellow,
                s.reset,
                ctx.layout.home.display()
            )?;
        } else if let Some(pid) = pid {
            outln!(
                "Prempti: {}not answering{} (pid {pid} holds the lock but the control socket does not answer); \
                 see {} and try `premptictl restart`",
                s.red,
                s.reset,
                ctx.layout.daemon_log().display()
            )?;
        } else {
            outln!(
                "Prempti: {}not running{} ({}); hooks deny every call until `premptictl start`",
                s.red,
                s.reset,
                ctx.layout.home.display()
            )?;
        }
        if let Some(sup) = supervision.filter(|_| !args.json) {
            outln!("  service:         {}", sup.note)?;
        }
        return Ok(ExitStatus::Failure);
    };
    let supervision = super::service::service_kind(ctx)
        .ok()
        .map(|kind| crate::service::supervision(&ctx.layout, kind));
    if args.json {
        let mut value = serde_json::to_value(&doc)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("running".into(), true.into());
            if let Some(sup) = &supervision {
                obj.insert("service".into(), serde_json::to_value(sup)?);
            }
        }
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(ExitStatus::Success);
    }
    print_status(&doc, &s)?;
    if let Some(sup) = &supervision {
        let color = if sup.restarts { "" } else { s.yellow };
        outln!("  service:         {color}{}{}", sup.note, s.reset)?;
    }
    Ok(ExitStatus::Success)
}

fn print_status(doc: &StatusDoc, s: &Styles) -> std::io::Result<()> {
    outln!(
        "Prempti: {}running{} (pid {}, up {}, version {})",
        s.green,
        s.reset,
        doc.pid,
        human_duration(doc.uptime_secs),
        doc.version
    )?;
    let engine = match doc.falco_pid {
        Some(pid) => format!("{} (falco pid {pid})", doc.engine),
        None => doc.engine.clone(),
    };
    outln!("  engine:          {engine}")?;
    outln!("  mode:            {}", doc.mode)?;
    outln!("  default action:  {}", doc.default_action)?;
    outln!("  home:            {}", doc.home)?;
    if let Some(f) = &doc.falco {
        outln!(
            "  falco:           {} ({}, {} since start){}",
            f.state,
            f.binary,
            crate::output::count(f.restarts as usize, "restart"),
            f.last_exit
                .as_ref()
                .map(|e| format!("; last exit: {e}"))
                .unwrap_or_default()
        )?;
        for problem in f.last_error.iter().chain(&f.plugin_error) {
            outln!("    {}{problem}{}", s.red, s.reset)?;
        }
    }
    if !doc.rules.files.is_empty() || doc.engine == "embedded" {
        outln!(
            "  rules:           {} from {} (loaded {})",
            crate::output::count(doc.rules.rules, "rule"),
            crate::output::count(doc.rules.files.len(), "file"),
            doc.rules.loaded_at
        )?;
        for file in &doc.rules.files {
            outln!(
                "    {}{}{}  {} rules, {} macros, {} lists",
                s.dim,
                file.path,
                s.reset,
                file.rules,
                file.macros,
                file.lists
            )?;
        }
        for warning in &doc.rules.warnings {
            outln!("    {}{warning}{}", s.yellow, s.reset)?;
        }
    }
    match &doc.last_reload {
        None => outln!("  last reload:     none since start")?,
        Some(r) if r.ok => outln!(
            "  last reload:     {}ok{} at {} ({})",
            s.green,
            s.reset,
            r.at,
            r.trigger
        )?,
        Some(r) => {
            outln!(
                "  last reload:     {}failed{} at {} ({}); the previous rules stay in force",
                s.red,
                s.reset,
                r.at,
                r.trigger
            )?;
            for e in &r.errors {
                outln!("    {}{e}{}", s.red, s.reset)?;
            }
        }
    }
    let c = &doc.counters;
    outln!(
        "  calls:           {} ({}deny {}{}, {}ask {}{}, allow {}, defer {}, evaluation errors {})",
        c.calls,
        s.red,
        c.deny,
        s.reset,
        s.yellow,
        c.ask,
        s.reset,
        c.allow,
        c.defer,
        c.errors
    )?;
    outln!("  alerts:          {}", c.alerts)?;
    if let Some(b) = &doc.broker {
        outln!(
            "  broker:          {} connections; refused: {} other-user peers, {} bad requests, \
             {} overloaded, {} past the deadline",
            b.connections,
            b.rejected_peers,
            b.bad_requests,
            b.overloaded,
            b.deadline_expired
        )?;
    }
    for w in &doc.config_warnings {
        outln!("  {}{w}{}", s.yellow, s.reset)?;
    }
    Ok(())
}

fn human_duration(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        3600..=86399 => format!("{}h {}m", secs / 3600, (secs % 3600) / 60),
        _ => format!("{}d {}h", secs / 86400, (secs % 86400) / 3600),
    }
}

/// What `health` found.
#[derive(Debug, Serialize)]
struct Health {
    healthy: bool,
    /// `allow`, `ask`, `defer`, `deny`, `timeout`, `unreachable` or `error`.
    result: String,
    reason: String,
    latency_ms: u64,
    daemon_pid: Option<u32>,
}

pub(crate) fn health(ctx: &Context, args: &HealthArgs) -> Result<ExitStatus> {
    let health = check(ctx, Duration::from_millis(args.timeout_ms.max(1)))?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&health)?)?;
    } else {
        let s = Styles::new(ctx.color);
        let (color, word) = if health.healthy {
            (s.green, "healthy")
        } else {
            (s.red, "unhealthy")
        };
        let outcome = match health.result.as_str() {
            "timeout" => "the synthetic call timed out".to_owned(),
            "unreachable" => "the service is unreachable".to_owned(),
            "error" => "the synthetic call failed".to_owned(),
            verdict => format!("the synthetic call got {verdict}"),
        };
        outln!(
            "Prempti is {color}{word}{}: {outcome} ({} ms){}",
            s.reset,
            health.latency_ms,
            if health.reason.is_empty() {
                String::new()
            } else {
                format!("\n  {}", health.reason)
            }
        )?;
    }
    Ok(if health.healthy {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn check(ctx: &Context, timeout: Duration) -> Result<Health> {
    let hook = ctx.layout.hook_binary();
    if !hook.is_file() {
        anyhow::bail!("{} is missing; run `premptictl install`", hook.display());
    }
    let daemon = crate::service::query(&ctx.layout, Duration::from_secs(2));
    let payload = serde_json::json!({
        "session_id": prempti_protocol::HEALTH_SESSION_ID,
        "transcript_path": "",
        "cwd": ctx.layout.home,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": ctx.layout.home.join(prempti_protocol::HEALTH_FILE_NAME)},
        "tool_use_id": format!("{}{}", prempti_protocol::HEALTH_TOOL_USE_PREFIX, std::process::id()),
    });
    let started = Instant::now();
    let mut child = Command::new(&hook)
        .arg("claude")
        .env(prempti_protocol::env::PREMPTI_HOME, &ctx.layout.home)
        .env(
            prempti_protocol::env::PREMPTI_TIMEOUT_MS,
            timeout.as_millis().to_string(),
        )
        .env_remove(prempti_protocol::env::PREMPTI_FAIL_OPEN)
        .env_remove(prempti_protocol::env::PREMPTI_SOCKET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", hook.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(payload.to_string().as_bytes());
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("{} did not finish", hook.display()))?;
    let latency = started.elapsed();
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (decision, reason) = match serde_json::from_str::<serde_json::Value>(stdout.trim()) {
        Ok(v) => {
            let out = &v["hookSpecificOutput"];
            (
                out["permissionDecision"]
                    .as_str()
                    .unwrap_or("error")
                    .to_owned(),
                out["permissionDecisionReason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
        Err(_) if stdout.trim().is_empty() && output.status.success() => {
            ("defer".to_owned(), String::new())
        }
        Err(_) => (
            "error".to_owned(),
            format!(
                "the hook exited {} with unexpected output: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ),
    };
    let blocked_by_hook = reason.starts_with("Prempti blocked this tool call:");
    let result = if decision == "deny" && blocked_by_hook {
        if daemon.is_none() || reason.contains("premptictl start") {
            "unreachable"
        } else if latency >= timeout || reason.contains("restart") {
            "timeout"
        } else {
            "error"
        }
    } else {
        decision.as_str()
    }
    .to_owned();
    let healthy = matches!(result.as_str(), "allow" | "ask" | "defer");
    Ok(Health {
        healthy,
        result,
        reason,
        latency_ms,
        daemon_pid: daemon.map(|d| d.pid),
    })
}
