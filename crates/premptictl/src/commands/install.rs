//! `premptictl install|uninstall` (see [`crate::install`]).

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
    let report = crate::install::uninstall(&ctx.layout, args.keep_user_rules)?;
    for line in &report.lines {
        outln!("{line}")?;
    }
    Ok(if report.problems == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
