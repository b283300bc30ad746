//! Small commands: `completions` and `version`.

use std::io::Write as _;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, JsonArgs};
use crate::exit::ExitStatus;

/// Prints shell completions for `premptictl`.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    // clap_complete panics when its writer fails: generate into memory, then write (a closed
    // stdout is then an error `run` maps to a quiet exit).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "premptictl", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Prints the version of premptictl and the protocol it speaks.
pub(crate) fn version(args: &JsonArgs) -> Result<ExitStatus> {
    let version = env!("CARGO_PKG_VERSION");
    let protocol = prempti_protocol::PROTOCOL_VERSION;
    if args.json {
        outln!(
            "{}",
            serde_json::json!({ "version": version, "protocol": protocol })
        )?;
    } else {
        outln!("premptictl {version} (hook protocol {protocol})")?;
    }
    Ok(ExitStatus::Success)
}
