//! Integration tests for `prempti-hook`: the real binary, real Unix sockets, temporary
//! installations (`PREMPTI_HOME`, `HOME`).
//!
//! - `golden`: stdout, stderr and exit code for every agent × verdict, event and failure
//!   (files under `tests/golden/`; `PREMPTI_BLESS=1` rewrites them).
//! - `broker_failures`: every way the broker can fail leads to a deny (or, with
//!   `PREMPTI_FAIL_OPEN=1`, to "no opinion" with a note).
//! - `bad_input`: unusable stdin is blocked, even with `PREMPTI_FAIL_OPEN=1`.
//! - `fixtures`: every payload sample is recognised as its own agent's and reaches the broker
//!   verbatim.
//! - `cli`: arguments, help, version, the panic handler.
//! - `tidy`: the hook's dependency closure.

// Unix only: the stand-in brokers here are Unix sockets with modes and owners. On Windows the
// hook is driven against the real daemon's named pipe by the `smoke` suite (tests/smoke).
#![cfg(unix)]

mod bad_input;
mod broker_failures;
mod cli;
mod fixtures;
mod golden;
mod tidy;
mod util;
