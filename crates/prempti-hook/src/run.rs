//! One hook run, from stdin to [`Reply`], and the panic handler.
//!
//! 1. Read all of stdin (bounded) and parse one JSON object ([`crate::input`]).
//! 2. Find the caller: the agent on the command line, unless the payload carries another
//!    agent's marks ([`crate::agents::detect`]); check the payload with that agent's adapter.
//! 3. Send the payload, verbatim, to the broker with the caller's name, the agent's pid (the
//!    hook's parent), a fresh nonce, the user's home and the resolved `PREMPTI_HOME`
//!    ([`crate::broker`]).
//! 4. Render the verdict: in the named agent's format, or — for a caller in another format —
//!    as the universal block ([`crate::agents::render_universal`]).
//!
//! Unusable input gets the universal block (exit 2, reason on stderr): the event, and with it
//! the right JSON shape, is unknown, and exit 2 is every agent's documented block. A broker
//! failure gets a deny in the agent's format, or with `PREMPTI_FAIL_OPEN=1` "no opinion" plus a
//! note on stderr.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::time::Instant;

use prempti_protocol::{Agent, Decision, HookRequest};
use serde_json::{Map, Value};

use crate::agents::{self, Call};
use crate::broker::{self, BrokerError};
use crate::input::{self, InputError};
use crate::messages;
use crate::reply::{Reply, Verdict, BLOCK_EXIT_CODE};
use crate::settings::Settings;

/// Gates one tool call announced by `agent` on `stdin`.
pub fn run(agent: Agent, stdin: impl Read, settings: &Settings) -> Reply {
    let started = Instant::now();
    let mut debug = Debug::new(settings.debug);
    for note in &settings.notes {
        debug.line(format_args!("setting: {note}"));
    }

    let (text, payload) = match input::read_limited(stdin, settings.input_max_bytes)
        .and_then(|text| input::parse_object(&text).map(|payload| (text, payload)))
    {
        Ok(ok) => ok,
        Err(e) => return debug.finish(bad_input(&e, agent, settings)),
    };
    test_panic_trigger();

    let call = match identify(agent, &payload) {
        Ok(call) => call,
        Err(e) => return debug.finish(bad_input(&e, agent, settings)),
    };
    debug.line(format_args!(
        "caller {} event {:?} tool {}",
        call.agent.cli_name(),
        call.event,
        call.tool
    ));

    let request = HookRequest::new(call.agent, agent_pid(), nonce(), text)
        .with_homes(settings.home.clone(), settings.prempti_home.clone());
    let outcome = match &settings.socket {
        Ok(socket) => {
            debug.line(format_args!(
                "broker {} deadline {} ms",
                socket.display(),
                settings.timeout.as_millis()
            ));
            broker::exchange(socket, &request, settings.timeout)
        }
        Err(e) => Err(BrokerError::NoHome(e.clone())),
    };

    let mut fail_open_note = None;
    let verdict = match outcome {
        Ok(response) => {
            debug.line(format_args!(
                "verdict {} (correlation {}) in {} us",
                response.decision,
                response.correlation_id,
                started.elapsed().as_micros()
            ));
            Verdict::new(response.decision, response.reason)
        }
        Err(e) if settings.fail_open => {
            fail_open_note = Some(with_notes(messages::fail_open(&e, agent), settings));
            Verdict::new(Decision::Defer, "")
        }
        Err(e) => {
            debug.line(format_args!(
                "broker failure after {} us: {e}",
                started.elapsed().as_micros()
            ));
            Verdict::new(
                Decision::Deny,
                with_notes(messages::broker_failure(&e, agent), settings),
            )
        }
    };

    let mut reply = if call.agent == agent {
        agents::adapter(agent).render(call.event, &verdict)
    } else {
        agents::render_universal(&verdict, agent, call.agent)
    };
    if let Some(note) = fail_open_note {
        reply = reply.with_stderr_line(&note);
    }
    debug.finish(reply)
}

/// Which agent's format `payload` is in, checked by that agent's adapter.
fn identify(named: Agent, payload: &Map<String, Value>) -> Result<Call, InputError> {
    let caller = if agents::adapter(named).recognizes(payload) {
        named
    } else {
        agents::detect(payload).unwrap_or(named)
    };
    agents::adapter(caller).parse(payload)
}

fn bad_input(err: &InputError, agent: Agent, settings: &Settings) -> Reply {
    Reply::block(&with_notes(messages::bad_input(err, agent), settings))
}

/// Appends the settings notes (clamped or ignored variables) to a failure reason.
fn with_notes(mut reason: String, settings: &Settings) -> String {
    for note in &settings.notes {
        let _ = write!(reason, " (note: {note})");
    }
    reason
}

/// The agent's pid: the hook's parent process.
pub(crate) fn agent_pid() -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::process::parent_id()
    }
    #[cfg(not(unix))]
    {
        // std has no portable parent-pid query; 0 means "unknown" to the broker.
        0
    }
}

/// A fresh request nonce: std's per-process random hash keys mixed with the pid and the time.
pub(crate) fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(since_epoch) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(since_epoch.as_nanos());
    }
    hasher.finish()
}

/// In debug builds only, `PREMPTI_HOOK_TEST_PANIC=1` makes the hook panic after reading its
/// input, so the integration tests can check the panic handler on the real binary.
fn test_panic_trigger() {
    #[cfg(debug_assertions)]
    if std::env::var_os("PREMPTI_HOOK_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("panic requested by PREMPTI_HOOK_TEST_PANIC");
    }
}

/// Installs a panic handler that blocks the call: exit 2 with the reason on stderr and nothing
/// on stdout, the block every agent honours (Claude Code, Codex and Cursor would otherwise let
/// the call run after a crash). It runs before the abort of the `hook` profile's
/// `panic = "abort"`, and exits itself.
pub fn install_panic_hook(agent: Option<Agent>) {
    std::panic::set_hook(Box::new(move |info| {
        let remove = match agent {
            Some(agent) => format!("`premptictl hook remove {agent}`"),
            None => "`premptictl hook remove`".to_owned(),
        };
        let message = format!(
            "{}: prempti-hook failed unexpectedly ({info}). Please report this bug; to work without \
             Prempti meanwhile, unregister the hook with {remove}\n",
            messages::BLOCKED
        );
        let _ = std::io::stderr().write_all(message.as_bytes());
        std::process::exit(i32::from(BLOCK_EXIT_CODE));
    }));
}

/// `PREMPTI_DEBUG` diagnostics, appended to stderr at the end.
struct Debug {
    on: bool,
    lines: String,
}

impl Debug {
    fn new(on: bool) -> Self {
        Debug {
            on,
            lines: String::new(),
        }
    }

    fn line(&mut self, args: std::fmt::Arguments<'_>) {
        if self.on {
            let _ = writeln!(self.lines, "prempti-hook: {args}");
        }
    }

    fn finish(self, mut reply: Reply) -> Reply {
        reply.stderr.push_str(&self.lines);
        reply
    }
}
