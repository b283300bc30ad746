//! Registering Prempti's pre-tool hook in each agent's user settings.
//!
//! One module per agent implements [`AgentHooks`]; [`AGENTS`] lists them. [`add`], [`remove`]
//! and [`status`] are the entry points used by `premptictl hook` and `premptictl install`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use prempti_protocol::Agent;
use prempti_protocol::paths::Layout;
use serde::Serialize;

/// What [`add`] or [`remove`] did to one agent's settings.
#[derive(Debug, Clone, Serialize)]
pub struct HookChange {
    /// The agent.
    pub agent: Agent,
    /// Every file that was (or would have been) touched, main settings file first.
    pub files: Vec<PathBuf>,
    /// Whether anything on disk changed (`false` when the hook was already as requested).
    pub changed: bool,
    /// Steps the user must still take by hand (trusting the hook, restarting the agent, ...).
    pub manual_steps: Vec<String>,
}

/// The registration state of one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookState {
    /// Exactly one current Prempti entry on every required event.
    Installed,
    /// No Prempti entry.
    Missing,
    /// More than one Prempti entry on an event.
    Duplicate,
    /// A Prempti entry pointing at another installation, a missing binary or the wrong agent.
    Stale,
}

/// What [`status`] found for one agent.
#[derive(Debug, Clone, Serialize)]
pub struct HookStatus {
    /// The agent.
    pub agent: Agent,
    /// The settings file that holds (or would hold) the hook.
    pub file: PathBuf,
    /// The overall state.
    pub state: HookState,
    /// Other (non-Prempti) hooks on the same events: informational.
    pub foreign: Vec<String>,
    /// Human-readable details behind the state.
    pub details: Vec<String>,
    /// Steps the user must still take by hand.
    pub manual_steps: Vec<String>,
}

/// Registers Prempti's hook for `agent`.
pub fn add(layout: &Layout, agent: Agent) -> Result<HookChange> {
    let _ = (layout, agent);
    bail!("hook registration is not implemented yet")
}

/// Removes Prempti's hook entries for `agent`.
pub fn remove(layout: &Layout, agent: Agent) -> Result<HookChange> {
    let _ = (layout, agent);
    bail!("hook removal is not implemented yet")
}

/// Reports the registration state for `agent`.
pub fn status(layout: &Layout, agent: Agent) -> Result<HookStatus> {
    let _ = (layout, agent);
    bail!("hook status is not implemented yet")
}
