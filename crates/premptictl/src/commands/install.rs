//! (in progress)
use anyhow::{bail, Result};
use crate::exit::ExitStatus;
use super::Context;

pub(crate) fn install(ctx: &Context, _args: &crate::cli::InstallArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}

pub(crate) fn uninstall(ctx: &Context, _args: &crate::cli::UninstallArgs) -> Result<ExitStatus> {
    let _ = ctx;
    bail!("not implemented yet")
}
