//! `premptictl install|uninstall` (see [`crate::install`]).

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Result;

use super::Context;
use crate::cli::{InstallArgs, ServiceKind as ServiceArg, UninstallArgs};
use crate::config::ServiceKind;
use crate::exit::ExitStatus;

pub(crate) fn install(ctx: &Context, args: &InstallArgs) -> Result<ExitStatus> {
    let options = crate::install::InstallOptions {
        from: args.from.clone(),
        hook_from: args.hook_from.clone(),
        source: args.source.clone(),
        service: match args.service {
            ServiceArg::Auto => None,
            ServiceArg::Systemd => Some(ServiceKind::Systemd),
            ServiceArg::Launchd => Some(ServiceKind::Launchd),
            ServiceArg::Detached => Some(ServiceKind::Detached),
            ServiceArg::RunKey => Some(ServiceKind::RunKey),
        },
        engine: args.engine.map(|e| match e {
            crate::cli::EngineKind::Embedded => crate::config::prempti::EngineChoice::Embedded,
            crate::cli::EngineKind::Falco => crate::config::prempti::EngineChoice::Falco,
        }),
        falco: args.falco.clone(),
        register_hook: !args.no_hook,
        start: !args.no_start,
    };
    let report = crate::install::install(&ctx.layout, &options)?;
    for line in &report.lines {
        outln!("{line}")?;
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn uninstall(ctx: &Context, args: &UninstallArgs) -> Result<ExitStatus> {
    crate::control::consent::require(&ctx.layout, "uninstall")?;
    let data = crate::install::user_data(&ctx.layout);
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    // Whether to delete one kind of user data: --yes deletes, a terminal asks, otherwise keep.
    let decide = |what: String, present: bool| -> Result<bool> {
        if !present || args.yes {
            return Ok(present);
        }
        if !interactive {
            eprintln!("premptictl: keeping {what} (no terminal to ask; --yes deletes it)");
            return Ok(false);
        }
        eprint!("Delete {what}? [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
    };
    let keep_user_rules = args.keep_user_rules
        || !decide(
            format!(
                "your {} in {}",
                crate::output::count(data.user_rules.len(), "user rules file"),
                ctx.layout.user_rules_dir().display()
            ),
            !data.user_rules.is_empty(),
        )?;
    let keep_audit = !decide(
        format!(
            "the audit log ({} in {})",
            crate::output::count(data.audit_calls, "recorded call"),
            ctx.layout.audit_log().display()
        ),
        !data.audit_files.is_empty(),
    )?;
    let keep = crate::install::Keep {
        // Nothing of the user's there: nothing to keep.
        user_rules: keep_user_rules && (args.keep_user_rules || !data.user_rules.is_empty()),
        audit_log: keep_audit && !data.audit_files.is_empty(),
    };
    let report = crate::install::uninstall(&ctx.layout, keep)?;
    for line in &report.lines {
        outln!("{line}")?;
    }
    Ok(if report.problems == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
