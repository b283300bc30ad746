//! Proof that a person asked for an operation that turns Prempti off outside the daemon:
//! `hook remove`, `uninstall`, `stop`, `disable`.
//!
//! The agent runs as the user, so premptictl cannot tell it from the person by uid. What it
//! can use is what only the person has:
//!
//! 1. **The control token.** With the daemon running, premptictl sends an
//!    [`ControlRequest::Authorize`] carrying `run/control.token`. The daemon answers `ok` only
//!    for the right token; without it, it refuses and records the attempt (daemon log and a
//!    Critical alert), like any loosening control request. The default rules deny the agent's
//!    tool calls that read the token or run these premptictl commands, so a person in a
//!    terminal passes here without an extra step and an agent's tool call never gets here.
//! 2. **A confirmation on the controlling terminal** (`/dev/tty`), when the token is not
//!    accepted: the person types `yes`. A process without a terminal (an agent's tool call,
//!    a script under `setsid`) cannot answer.
//! 3. **No daemon running.** Every hook call is then denied (Prempti fails closed), so no tool
//!    call of an agent can be running premptictl: the operation proceeds.
//!
//! Without any of them the operation is refused with a message that says what to do.

use std::time::Duration;

use anyhow::{bail, Result};
use prempti_protocol::control::ControlRequest;
use prempti_protocol::paths::Layout;

use super::{request, ControlError};

/// How long the daemon has to answer the authorization request.
const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(5);

/// What showed that a person asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The daemon accepted the control token.
    Token,
    /// The person confirmed on the controlling terminal.
    Terminal,
    /// No daemon is running: every tool call of an agent is denied.
    NoDaemon,
}

/// Requires proof that a person asked for `premptictl <action>`; refuses with an error that
/// says why and what to do otherwise.
pub fn require(layout: &Layout, action: &str) -> Result<Proof> {
    let authorize = ControlRequest::Authorize {
        action: action.to_owned(),
    };
    let why = match request(&layout.control_socket(), &authorize, AUTHORIZE_TIMEOUT) {
        Ok(answer) if answer.ok => return Ok(Proof::Token),
        Ok(answer) => answer.message,
        Err(ControlError::NotRunning(_)) => return Ok(Proof::NoDaemon),
        Err(e) => format!("{e:#}"),
    };
    if confirm_on_terminal(action) {
        tracing::info!("`premptictl {action}` confirmed on the terminal");
        return Ok(Proof::Terminal);
    }
    bail!(
        "refused: `premptictl {action}` turns off Prempti's protection, and nothing shows that \
         a person asked for it. The daemon did not accept the control token ({why}), and there \
         is no terminal to confirm on. Run the command yourself in a terminal (premptictl reads \
         {} and, failing that, asks you to type yes). The attempt was recorded in {} and as a \
         Critical alert",
        layout
            .run_dir()
            .join(prempti_protocol::paths::CONTROL_TOKEN_FILE)
            .display(),
        layout.daemon_log().display()
    )
}

/// Asks on the controlling terminal; true when the person typed `yes`. False when there is no
/// controlling terminal.
#[cfg(unix)]
fn confirm_on_terminal(action: &str) -> bool {
    use std::io::{BufRead as _, Write as _};
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let mut out = &tty;
    if write!(
        out,
        "`premptictl {action}` turns off Prempti's protection for your agents.\n\
         The daemon did not accept the control token. Type yes to go on: "
    )
    .and_then(|()| out.flush())
    .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    if std::io::BufReader::new(&tty)
        .read_line(&mut answer)
        .is_err()
    {
        return false;
    }
    matches!(answer.trim(), "yes" | "YES" | "Yes")
}

/// No portable controlling terminal outside Unix: only the token proves a person.
#[cfg(not(unix))]
fn confirm_on_terminal(_action: &str) -> bool {
    false
}
