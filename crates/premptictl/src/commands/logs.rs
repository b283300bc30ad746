//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn logs(ctx: &Context, _args: &crate::cli::LogsArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
