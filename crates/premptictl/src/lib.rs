//! `premptictl`: Prempti's command-line tool and daemon.
//!
//! The binary is glue: [`run`] parses the command line with clap ([`cli`]) and hands the
//! parsed arguments to one module per command under `commands/`. Tests drive [`run`]
//! in-process or spawn the built binary.
//!
//! Standard output is written only through `outln!` or an explicit `Write` on
//! `std::io::stdout()` whose errors are propagated, never with `println!` (which panics when the
//! reader has gone, as with `premptictl status | head -1`); [`run`] turns a broken pipe into a
//! quiet exit 0. `clippy::print_stdout` is denied so a `println!` cannot slip back in.
#![deny(clippy::print_stdout)]
#![allow(clippy::print_stderr)]

/// `writeln!` to standard output, returning the `io::Result` instead of panicking like
/// `println!`: call sites propagate it with `?`, and [`run`] maps a broken pipe (the reader
/// closed stdout) to a quiet success.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod audit_view;
pub mod cli;
mod commands;
pub mod config;
pub mod control;
pub mod daemon;
pub mod exit;
pub mod hooks;
pub mod install;
pub mod output;
pub mod platform;
pub mod rules_tools;
pub mod scan;
pub mod service;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// Runs `premptictl` with the given arguments (including the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout and usage errors to stderr itself.
            let _ = err.print();
            return if err.use_stderr() {
                exit::ExitStatus::Usage.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match commands::dispatch(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("premptictl: error: {err:#}");
            exit::ExitStatus::Error.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
