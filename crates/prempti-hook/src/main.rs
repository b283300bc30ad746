//! `prempti-hook <agent>`: glue around [`prempti_hook::run`].
//!
//! Parses the arguments, installs the panic handler, runs the hook and writes its reply. Every
//! decision lives in the library.

use std::io::{self, IsTerminal, Read};
use std::process::ExitCode;

use prempti_hook::cli::{self, Command};
use prempti_hook::run::install_panic_hook;
use prempti_hook::{Reply, Settings};

fn main() -> ExitCode {
    install_panic_hook(None);
    let reply = match cli::parse(std::env::args_os()) {
        Command::Hook(agent) => {
            install_panic_hook(Some(agent));
            prempti_hook::run(agent, io::stdin().lock(), &Settings::from_env())
        }
        Command::PostTool(agent) => {
            prempti_hook::post_tool::run(agent, io::stdin().lock(), &Settings::from_env())
        }
        Command::Help => Reply {
            stdout: cli::HELP.to_owned(),
            ..Reply::silent()
        },
        Command::Version => Reply {
            stdout: cli::version(),
            ..Reply::silent()
        },
        Command::Usage(message) => {
            // An agent may be feeding a payload to a misconfigured entry: consume it (without
            // keeping it) so the agent sees the block, not a broken pipe.
            let stdin = io::stdin();
            if !stdin.is_terminal() {
                let _ = io::copy(&mut stdin.lock().take(u64::MAX), &mut io::sink());
            }
            Reply::usage_error(&message)
        }
    };
    ExitCode::from(reply.emit(&mut io::stdout().lock(), &mut io::stderr().lock()))
}
