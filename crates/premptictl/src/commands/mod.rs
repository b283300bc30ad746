//! One module per command; [`dispatch`] routes a parsed command line to it.

mod audit;
mod control;
mod daemon;
mod hook;
mod install;
mod logs;
mod misc;
mod rules;
mod scan;
mod service;
mod status;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Everything a command needs besides its own arguments.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The installation (`--home`, `PREMPTI_HOME`, or `~/.prempti`).
    pub(crate) layout: prempti_protocol::paths::Layout,
    /// Whether stdout gets colour.
    pub(crate) color: bool,
    /// `-v` count.
    pub(crate) verbose: u8,
}

impl Context {
    fn new(cli: &Cli) -> Result<Self> {
        let home = match &cli.home {
            Some(home) if !home.as_os_str().is_empty() => home.clone(),
            _ => prempti_protocol::paths::prempti_home()?,
        };
        Ok(Context {
            layout: prempti_protocol::paths::Layout::new(home),
            color: crate::output::use_color(cli.color),
            verbose: cli.verbose,
        })
    }
}

/// Runs the parsed command.
pub(crate) fn dispatch(cli: Cli) -> Result<ExitStatus> {
    let ctx = Context::new(&cli)?;
    match cli.command {
        Command::Install(args) => install::install(&ctx, &args),
        Command::Uninstall(args) => install::uninstall(&ctx, &args),
        Command::Start => service::start(&ctx),
        Command::Stop => service::stop(&ctx),
        Command::Restart => service::restart(&ctx),
        Command::Enable => service::enable(&ctx),
        Command::Disable => service::disable(&ctx),
        Command::Status(args) => status::status(&ctx, &args),
        Command::Health(args) => status::health(&ctx, &args),
        Command::Mode(args) => control::mode(&ctx, &args),
        Command::DefaultAction(args) => control::default_action(&ctx, &args),
        Command::Reload(args) => control::reload(&ctx, &args),
        Command::Hook(cmd) => hook::run(&ctx, &cmd),
        Command::Logs(args) => logs::logs(&ctx, &args),
        Command::Audit(args) => audit::audit(&ctx, &args),
        Command::Rules(cmd) => rules::run(&ctx, &cmd),
        Command::Scan(args) => scan::scan(&ctx, &args),
        Command::Daemon(args) => daemon::daemon(&ctx, &args),
        Command::Completions(args) => misc::completions(&args),
        Command::Version(args) => misc::version(&args),
    }
}
