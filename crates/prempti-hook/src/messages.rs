//! Every sentence the hook shows to a model or a user, in one place.
//!
//! Reasons name the problem and then the way out (`premptictl start`, `premptictl restart`,
//! `premptictl hook remove <agent>`), because the person reading them may not know Prempti is
//! installed. No message ends with a period, so callers can join them.

use prempti_protocol::Agent;

use crate::broker::BrokerError;
use crate::input::InputError;

/// Prefix of every reason the hook writes for a call it blocks on its own.
pub const BLOCKED: &str = "Prempti blocked this tool call";

/// The reason used when the broker denies without saying why.
pub const DENIED_WITHOUT_REASON: &str = "Prempti denied this tool call (its rules gave no reason)";

/// The reason for a call blocked because the broker exchange failed.
pub fn broker_failure(err: &BrokerError, agent: Agent) -> String {
    let remove = format!("or unregister the hook with `premptictl hook remove {agent}`");
    let hint = match err {
        BrokerError::NoHome(_) => {
            format!("set PREMPTI_HOME to the Prempti install directory, {remove}")
        }
        BrokerError::Connect { .. } => format!("start it with `premptictl start`, {remove}"),
        BrokerError::Unsafe { .. } => format!(
            "make the socket's directory yours and private (`chmod 700` it), or unset \
             PREMPTI_SOCKET / PREMPTI_HOME if they point somewhere shared, then run \
             `premptictl restart`, {remove}"
        ),
        BrokerError::Timeout { .. } | BrokerError::Closed { .. } | BrokerError::Send { .. } => {
            format!("check it with `premptictl status` and restart it with `premptictl restart`, {remove}")
        }
        BrokerError::Invalid { .. } => format!(
            "the hook and the service may come from different Prempti versions: reinstall, \
             then run `premptictl restart`, {remove}"
        ),
    };
    format!("{BLOCKED}: {err}; {hint}")
}

/// The note written when `PREMPTI_FAIL_OPEN=1` lets a call through after a broker failure.
pub fn fail_open(err: &BrokerError, agent: Agent) -> String {
    format!(
        "Prempti did not check this tool call ({err}); PREMPTI_FAIL_OPEN=1 leaves the decision \
         to {}'s own permission settings",
        agent.display_name()
    )
}

/// The reason for a call blocked because the hook input was unusable.
pub fn bad_input(err: &InputError, agent: Agent) -> String {
    format!(
        "{BLOCKED}: the hook input could not be used: {err}. `prempti-hook {agent}` expects \
         {}'s pre-tool hook JSON on stdin; if this hook entry was registered for another agent or \
         event, re-register it with `premptictl hook add` or remove it with \
         `premptictl hook remove {agent}`",
        agent.display_name()
    )
}

/// Added to an `ask` that became a deny because the agent cannot ask from this hook.
pub fn cannot_ask(reason: &str, why: &str, approve: &str) -> String {
    let reason = if reason.is_empty() {
        "Prempti's rules ask for confirmation of this call"
    } else {
        reason
    };
    format!("{reason} [Prempti: this call needs the user's confirmation, but {why}, so it was blocked. {approve}]")
}

/// How a user can approve a call that Prempti could not ask about.
pub const HOW_TO_APPROVE: &str = "To allow it, the user can run it themselves, or change the rule \
     (or switch to `premptictl mode monitor`) and retry";

/// Why an `ask` could not be shown when the payload came from a different agent than the one
/// named on the command line (its reply format for that entry is uncertain).
pub fn foreign_caller(named: Agent, caller: Agent) -> String {
    format!(
        "this hook entry runs `prempti-hook {named}` and was called by {caller_name}, whose reply \
         format for such entries is uncertain (register `prempti-hook {caller}` in {caller_name}'s \
         own hook settings to be asked)",
        caller_name = caller.display_name(),
        caller = caller.cli_name(),
    )
}
