//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn mode(ctx: &Context, _args: &crate::cli::ModeArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn default_action(ctx: &Context, _args: &crate::cli::DefaultActionArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn reload(ctx: &Context, _args: &crate::cli::JsonArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
