//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn run(ctx: &Context, _cmd: &crate::cli::RulesCommand) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
