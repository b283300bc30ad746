//! The Prempti pre-tool hook: one small program every supported coding agent runs before each
//! tool call.
//!
//! ```text
//! agent ──stdin JSON──▶ prempti-hook <agent> ──HookRequest──▶ broker (coding_agent plugin)
//!   ▲                        │                ◀─HookResponse──
//!   └─ stdout / stderr / exit code, in the agent's own format
//! ```
//!
//! `prempti-hook <agent>` reads the agent's payload from stdin ([`input`]), checks that it is in
//! the format the named agent uses ([`agents`]), forwards it verbatim to the broker over a local
//! socket under one total deadline ([`broker`]), and prints the verdict the way that agent
//! understands it ([`reply`]). [`run()`] ties these together; `main.rs` only parses arguments,
//! installs the panic handler and writes the [`Reply`].
//!
//! # Failure policy
//!
//! Prempti fails closed. Unusable input is always denied. A broker that is missing, refuses,
//! hangs past `PREMPTI_TIMEOUT_MS`, closes early or answers anything malformed, oversized or
//! mismatched gets the call denied with a reason that says how to recover. Only
//! `PREMPTI_FAIL_OPEN=1` turns broker failures (never bad input) into "no opinion", and the
//! message says so. A panic writes the universal block (exit 2, reason on stderr) and exits.
//!
//! # Dependencies
//!
//! std, `prempti-protocol`, `serde_json` and, on Unix, `libc` (for a connect bounded by the
//! deadline) only: no async runtime, no threads. The
//! integration test `tidy` checks the dependency closure with `cargo metadata`.
#![deny(missing_docs)]

pub mod agents;
pub mod broker;
pub mod cli;
pub mod input;
pub mod messages;
pub mod post_tool;
pub mod reply;
pub mod run;
pub mod settings;

pub use agents::{AgentHook, Call, Event, AGENTS};
pub use reply::{Reply, Verdict};
pub use run::run;
pub use settings::Settings;
