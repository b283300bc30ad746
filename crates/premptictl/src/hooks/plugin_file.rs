//! Agents registered by a plugin file rather than a settings entry (OpenCode): `add` writes
//! the whole file, `remove` deletes it, `status` compares it with what `add` would write.
//!
//! The file is Prempti's alone: it starts with [`MARKER`], and a file at that path without it is
//! never overwritten or deleted. Nothing else is touched, so `remove` after `add` leaves the
//! directory as it was (directories `add` created are removed when left empty).

use std::path::Path;

use anyhow::{bail, Result};
use prempti_protocol::paths::Layout;

use super::{expected_binary, file, AgentHooks, HookChange, HookEnv, HookState, HookStatus};

/// First line of every plugin file Prempti writes.
pub(crate) const MARKER: &str = "// Prempti plugin, written by premptictl";

/// What is at the plugin path.
enum Found {
    Missing,
    Ours(Vec<u8>),
    Foreign,
}

fn inspect(path: &Path) -> Result<Found> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.starts_with(MARKER.as_bytes()) => Ok(Found::Ours(bytes)),
        Ok(_) => Ok(Found::Foreign),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Found::Missing),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display()))),
    }
}

/// The plugin `add` writes for `spec`.
fn expected(spec: &dyn AgentHooks, layout: &Layout) -> Option<String> {
    spec.plugin_source(&expected_binary(layout))
}

/// Writes the plugin file (when missing or different).
pub(crate) fn add(spec: &dyn AgentHooks, layout: &Layout, env: &HookEnv) -> Result<HookChange> {
    let path = spec.settings_file(env)?;
    let want = expected(spec, layout).unwrap_or_default();
    let changed = match inspect(&path)? {
        Found::Ours(bytes) if bytes == want.as_bytes() => false,
        Found::Missing | Found::Ours(_) => {
            file::write_atomic(&path, want.as_bytes())?;
            true
        }
        Found::Foreign => bail!(
            "{} exists and is not Prempti's plugin; move it away and run `premptictl hook add {}` again",
            path.display(),
            spec.agent().cli_name()
        ),
    };
    Ok(HookChange {
        agent: spec.agent(),
        files: vec![path],
        changed,
        manual_steps: spec.manual_steps(),
        notes: Vec::new(),
    })
}

/// Deletes the plugin file if it is Prempti's, and the directories `add` created for it.
pub(crate) fn remove(spec: &dyn AgentHooks, env: &HookEnv) -> Result<HookChange> {
    let path = spec.settings_file(env)?;
    let changed = match inspect(&path)? {
        Found::Ours(_) => {
            file::remove_file(&path)?;
            if let Some(home) = &env.home {
                file::remove_empty_parents(&path, home);
            }
            true
        }
        Found::Missing | Found::Foreign => false,
    };
    Ok(HookChange {
        agent: spec.agent(),
        files: vec![path],
        changed,
        manual_steps: Vec::new(),
        notes: Vec::new(),
    })
}

/// Installed when the file is exactly what `add` writes; stale when it is Prempti's but differs
/// (another installation, another version); missing otherwise.
pub(crate) fn status(spec: &dyn AgentHooks, layout: &Layout, env: &HookEnv) -> Result<HookStatus> {
    let path = spec.settings_file(env)?;
    let want = expected(spec, layout).unwrap_or_default();
    let agent = spec.agent().cli_name();
    let (state, file_exists, details) = match inspect(&path)? {
        Found::Ours(bytes) if bytes == want.as_bytes() => (HookState::Installed, true, Vec::new()),
        Found::Ours(_) => (
            HookState::Stale,
            true,
            vec![
                "the plugin was written for another installation or version of Prempti".to_owned(),
            ],
        ),
        Found::Foreign => (
            HookState::Missing,
            true,
            vec![format!("{} is not Prempti's plugin", path.display())],
        ),
        Found::Missing => (HookState::Missing, false, Vec::new()),
    };
    let manual_steps = match state {
        HookState::Installed => spec.manual_steps(),
        HookState::Stale => vec![format!("run `premptictl hook add {agent}` to rewrite it")],
        _ => vec![format!("run `premptictl hook add {agent}`")],
    };
    Ok(HookStatus {
        agent: spec.agent(),
        file: path,
        file_exists,
        state,
        foreign: Vec::new(),
        details,
        on_hook_failure: (state != HookState::Missing)
            .then(|| spec.on_hook_failure(&serde_json::Value::Null)),
        manual_steps,
    })
}
