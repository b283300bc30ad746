//! `premptictl start|stop|restart|enable|disable`: drive the installation's service manager
//! (recorded as `service:` in `config/prempti.yaml`; see [`crate::service`]).

use anyhow::{bail, Result};

use super::Context;
use crate::config::{PremptiConfig, ServiceKind};
use crate::exit::ExitStatus;
use crate::output::Styles;
use crate::service;

/// The service manager of the installation.
pub(crate) fn service_kind(ctx: &Context) -> Result<ServiceKind> {
    if !ctx.layout.home.is_dir() {
        bail!(
            "Prempti is not installed at {}; run `premptictl install` first (or set PREMPTI_HOME)",
            ctx.layout.home.display()
        );
    }
    Ok(PremptiConfig::load(&ctx.layout.prempti_config(), &ctx.layout.home)?.service)
}

pub(crate) fn start(ctx: &Context) -> Result<ExitStatus> {
    let kind = service_kind(ctx)?;
    let status = service::start(&ctx.layout, kind)?;
    let s = Styles::new(ctx.color);
    outln!(
        "{}Prempti is running{} (pid {}, engine {}, mode {}, default action {})",
        s.green,
        s.reset,
        status.pid,
        status.engine,
        status.mode,
        status.default_action
    )?;
    Ok(ExitStatus::Success)
}

pub(crate) fn stop(ctx: &Context) -> Result<ExitStatus> {
    let kind = service_kind(ctx)?;
    crate::control::consent::require(&ctx.layout, "stop")?;
    let was_running = service::stop(&ctx.layout, kind)?;
    if was_running {
        outln!("Prempti stopped.")?;
    } else {
        outln!("Prempti was not running.")?;
    }
    outln!(
        "Registered hooks now deny every tool call (Prempti fails closed): `premptictl start` to resume, \
         or `premptictl hook remove` to unregister them."
    )?;
    Ok(ExitStatus::Success)
}

pub(crate) fn restart(ctx: &Context) -> Result<ExitStatus> {
    let kind = service_kind(ctx)?;
    service::stop(&ctx.layout, kind)?;
    let status = service::start(&ctx.layout, kind)?;
    outln!(
        "Prempti restarted (pid {}, engine {}, mode {})",
        status.pid,
        status.engine,
        status.mode
    )?;
    Ok(ExitStatus::Success)
}

pub(crate) fn enable(ctx: &Context) -> Result<ExitStatus> {
    let kind = service_kind(ctx)?;
    service::enable(&ctx.layout, kind)?;
    outln!("Prempti will start at login ({}).", kind.as_str())?;
    Ok(ExitStatus::Success)
}

pub(crate) fn disable(ctx: &Context) -> Result<ExitStatus> {
    let kind = service_kind(ctx)?;
    crate::control::consent::require(&ctx.layout, "disable")?;
    service::disable(&ctx.layout, kind)?;
    outln!("Prempti will not start at login; `premptictl start` starts it now.")?;
    Ok(ExitStatus::Success)
}
