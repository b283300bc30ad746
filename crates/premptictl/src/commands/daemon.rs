//! `premptictl daemon`: run the service in the foreground (see [`crate::daemon`]).

use anyhow::Result;

use super::Context;
use crate::cli::{DaemonArgs, EngineKind};
use crate::config::prempti::EngineChoice;
use crate::exit::ExitStatus;

pub(crate) fn daemon(ctx: &Context, args: &DaemonArgs) -> Result<ExitStatus> {
    let options = crate::daemon::Options {
        engine: args.engine.map(|e| match e {
            EngineKind::Embedded => EngineChoice::Embedded,
            EngineKind::Falco => EngineChoice::Falco,
        }),
        verbose: ctx.verbose,
    };
    crate::daemon::run(&ctx.layout, &options)?;
    Ok(ExitStatus::Success)
}
