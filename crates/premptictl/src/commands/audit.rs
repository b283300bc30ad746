//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn audit(ctx: &Context, _args: &crate::cli::AuditArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
