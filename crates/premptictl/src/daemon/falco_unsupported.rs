//! The `falco` engine where Falco does not run (Windows): the daemon refuses it with a clear
//! error instead of starting without policy. The Unix implementation is `falco.rs`.

use anyhow::{bail, Result};
use prempti_protocol::paths::Layout;

use super::Settings;

/// Refuses the Falco engine.
pub async fn run(_layout: Layout, _settings: Settings) -> Result<()> {
    bail!(
        "engine falco needs Falco, which runs on Linux and macOS only; set `engine: embedded` in \
         config/prempti.yaml (the embedded engine evaluates the same rules)"
    )
}
