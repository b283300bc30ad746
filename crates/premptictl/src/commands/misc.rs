//! Small commands: `completions` and `version`.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, JsonArgs};
use crate::exit::ExitStatus;

/// Prints shell completions for `premptictl`.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "premptictl", &mut std::io::stdout());
    Ok(ExitStatus::Success)
}

/// Prints the version of premptictl and the protocol it speaks.
pub(crate) fn version(args: &JsonArgs) -> Result<ExitStatus> {
    let version = env!("CARGO_PKG_VERSION");
    let protocol = prempti_protocol::PROTOCOL_VERSION;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "version": version, "protocol": protocol })
        );
    } else {
        println!("premptictl {version} (hook protocol {protocol})");
    }
    Ok(ExitStatus::Success)
}
