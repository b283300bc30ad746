//! The `coding_agent` Falco plugin: broker, field extraction, verdicts and audit.
//!
//! One plugin, two hosts: real Falco loads this crate as a shared library (`cdylib`);
//! `premptictl daemon` links it as an `rlib` next to the embedded rule engine. Both use the
//! same modules below, so fields, verdicts and audit records are decided by one implementation.

// A library reports through its callers (errors, `tracing`), never on the terminal.
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// First: its `counters!` macro is used by the modules below.
#[macro_use]
mod service;

pub mod agents;
pub mod audit;
pub mod broker;
pub mod call;
pub mod config;
pub mod evaluate;
pub mod event;
pub mod falco;
pub mod fields;
pub mod globs;
pub mod host;
pub mod intake;
#[cfg(windows)]
pub mod pipe_security;
pub mod post_tool;
pub mod realpath;
pub mod rotate;
pub mod secret_values;
pub mod session;
pub mod sha256;
pub mod signals;
pub mod verdict;
