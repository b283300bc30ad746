//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn start(ctx: &Context) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn stop(ctx: &Context) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn restart(ctx: &Context) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn enable(ctx: &Context) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn disable(ctx: &Context) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
