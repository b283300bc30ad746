//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn daemon(ctx: &Context, _args: &crate::cli::DaemonArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
