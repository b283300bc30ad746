//! The daemon's configuration, read from `$PREMPTI_HOME/config/`.
//!
//! Three files, each read in two stages (raw YAML with positions, then resolved values):
//!
//! - `falco.yaml`: the Falco-style keys the embedded engine honours ([`FalcoConfig`]); keys it
//!   does not know are reported as warnings with their `file:line:col`, keys that only matter to
//!   real Falco are accepted silently.
//! - `falco.coding_agents_plugin.yaml`: the plugin's `init_config`; mode and default action
//!   live there ([`PluginConfig`]) and are written back in place when changed at run time.
//! - `prempti.yaml`: the daemon's own settings ([`PremptiConfig`]).

pub mod falco;
pub mod plugin;
pub mod prempti;
pub mod yaml;

pub use falco::{FalcoConfig, HttpOutput};
pub use plugin::PluginConfig;
pub use prempti::{PremptiConfig, ServiceKind};

use std::fmt;

/// A problem in a configuration file that does not stop the daemon.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigWarning {
    /// `file:line:col`.
    pub at: String,
    /// What is wrong and what happens instead.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.at, self.message)
    }
}
