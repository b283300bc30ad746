//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn status(ctx: &Context, _args: &crate::cli::JsonArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn health(ctx: &Context, _args: &crate::cli::HealthArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
