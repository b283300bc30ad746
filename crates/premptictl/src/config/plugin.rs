//! `config/falco.coding_agents_plugin.yaml`: the `coding_agent` plugin's `init_config`.
//!
//! The file is in Falco's shape (`plugins: [{name: coding_agent, library_path, init_config}]`,
//! optionally with `load_plugins`); a bare top-level `init_config:` mapping is accepted too.
//! The daemon reads `mode` and `default_action` from `init_config` and writes them back in
//! place (comments and layout kept) when they change at run time, so a restart keeps them.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use prempti_protocol::{DefaultAction, Mode};

use super::yaml::{self, Doc, Kind, Node};

/// The plugin's name in Falco's `plugins` list.
pub const PLUGIN_NAME: &str = "coding_agent";

/// What the daemon needs from the plugin configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginConfig {
    /// The file it came from.
    pub path: PathBuf,
    /// `init_config.mode` (default `guardrails`).
    pub mode: Mode,
    /// `init_config.default_action` (default `defer`, the plugin's default).
    pub default_action: DefaultAction,
    /// The whole `init_config`, as the plugin reads it.
    pub init_config: prempti_plugin::config::Config,
}

impl PluginConfig {
    /// Reads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<PluginConfig> {
        if !path.exists() {
            let init_config = prempti_plugin::config::Config::default();
            return Ok(PluginConfig {
                path: path.to_owned(),
                mode: init_config.mode.into(),
                default_action: init_config.default_action.into(),
                init_config,
            });
        }
        let doc = Doc::read(path)?;
        let json = init_config_json(&doc)?;
        let init_config: prempti_plugin::config::Config = serde_json::from_value(json)
            .map_err(|e| anyhow!("{}: invalid init_config: {e}", path.display()))?;
        Ok(PluginConfig {
            path: path.to_owned(),
            mode: init_config.mode.into(),
            default_action: init_config.default_action.into(),
            init_config,
        })
    }

    /// Writes `mode` and `default_action` into `init_config` in place (atomic replace).
    pub fn persist(path: &Path, mode: Mode, default_action: DefaultAction) -> Result<()> {
        let doc = Doc::read(path)?;
        let mut text = doc.text.clone();
        for (key, value) in [
            ("mode", mode.as_str()),
            ("default_action", default_action.as_str()),
        ] {
            let doc = Doc::parse(path, text.clone())?;
            let init = init_config_node(&doc)?.ok_or_else(|| {
                anyhow!(
                    "{}: no init_config mapping to store the {key} in",
                    path.display()
                )
            })?;
            if init.get(key).and_then(Node::as_str).as_deref() == Some(value) {
                continue;
            }
            text = yaml::set_scalar(&text, init, key, value).ok_or_else(|| {
                anyhow!(
                    "{}: cannot update init_config.{key}; edit it by hand to '{value}'",
                    path.display()
                )
            })?;
        }
        if text != doc.text {
            crate::install::fs::write_atomic(path, text.as_bytes(), None)
                .with_context(|| format!("cannot save {}", path.display()))?;
        }
        Ok(())
    }
}

/// The plugin file as JSON, for Falco's rules validation (`falco -V`): the same plugin with
/// what validation must not start switched off: no alert intake (`intake.token` emptied; the
/// running Falco's plugin holds the intake's port) and no audit log (`audit.path` emptied).
pub fn validation_document(path: &Path) -> Result<serde_json::Value> {
    let doc = Doc::read(path)?;
    let mut init = init_config_json(&doc)?;
    if !init.is_object() {
        bail!("{}: init_config must be a mapping", path.display());
    }
    for (section, key) in [("intake", "token"), ("audit", "path")] {
        match init.get_mut(section) {
            Some(serde_json::Value::Object(map)) => {
                map.insert(key.to_owned(), "".into());
            }
            _ => {
                init[section] = serde_json::json!({ key: "" });
            }
        }
    }
    let mut root = doc
        .root
        .as_ref()
        .map(Node::to_json)
        .unwrap_or_else(|| serde_json::json!({}));
    match root
        .get_mut("plugins")
        .and_then(serde_json::Value::as_array_mut)
    {
        Some(plugins) if !plugins.is_empty() => {
            let at = plugins
                .iter()
                .position(|p| {
                    p.get("name").and_then(serde_json::Value::as_str) == Some(PLUGIN_NAME)
                })
                .unwrap_or(0);
            plugins[at]["init_config"] = init;
        }
        _ => bail!(
            "{}: no `plugins` list; Falco cannot load the plugin from it",
            path.display()
        ),
    }
    Ok(root)
}

/// The `init_config` mapping node, if the file has one as a mapping.
fn init_config_node(doc: &Doc) -> Result<Option<&Node>> {
    let Some(root) = &doc.root else {
        return Ok(None);
    };
    if let Some(Kind::Seq(plugins)) = root.get("plugins").map(|n| &n.kind) {
        let chosen = plugins
            .iter()
            .find(|p| p.get("name").and_then(Node::as_str).as_deref() == Some(PLUGIN_NAME))
            .or_else(|| plugins.first());
        return Ok(chosen
            .and_then(|p| p.get("init_config"))
            .filter(|n| matches!(n.kind, Kind::Map(_))));
    }
    Ok(root
        .get("init_config")
        .filter(|n| matches!(n.kind, Kind::Map(_))))
}

fn init_config_json(doc: &Doc) -> Result<serde_json::Value> {
    let Some(root) = &doc.root else {
        return Ok(serde_json::json!({}));
    };
    let node = if let Some(Kind::Seq(plugins)) = root.get("plugins").map(|n| &n.kind) {
        plugins
            .iter()
            .find(|p| p.get("name").and_then(Node::as_str).as_deref() == Some(PLUGIN_NAME))
            .or_else(|| plugins.first())
            .and_then(|p| p.get("init_config"))
    } else {
        root.get("init_config")
    };
    match node.map(|n| &n.kind) {
        None | Some(Kind::Null) => Ok(serde_json::json!({})),
        Some(Kind::Map(_)) => Ok(node.map(Node::to_json).unwrap_or_default()),
        Some(Kind::Str(s)) => serde_json::from_str(s).with_context(|| {
            format!(
                "{}: init_config is a string but not JSON",
                doc.path.display()
            )
        }),
        Some(_) => bail!(
            "{}: init_config must be a mapping",
            doc.at(node.map(|n| n.start).unwrap_or_default())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FALCO_SHAPE: &str = "plugins:\n  - name: coding_agent\n    library_path: /x.so\n    init_config:\n      # enforcement\n      mode: monitor\n      default_action: allow\nload_plugins: [coding_agent]\n";

    #[test]
    fn reads_falco_shaped_file_and_persists_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, FALCO_SHAPE).unwrap();
        let c = PluginConfig::load(&path).unwrap();
        assert_eq!(
            (c.mode, c.default_action),
            (Mode::Monitor, DefaultAction::Allow)
        );
        PluginConfig::persist(&path, Mode::Passthrough, DefaultAction::Defer).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            FALCO_SHAPE
                .replace("monitor", "passthrough")
                .replace("allow", "defer")
        );
        let c = PluginConfig::load(&path).unwrap();
        assert_eq!(
            (c.mode, c.default_action),
            (Mode::Passthrough, DefaultAction::Defer)
        );
    }

    #[test]
    fn missing_keys_are_inserted_and_bad_values_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, "init_config:\n  socket_path: x\n").unwrap();
        assert_eq!(PluginConfig::load(&path).unwrap().mode, Mode::Guardrails);
        PluginConfig::persist(&path, Mode::Monitor, DefaultAction::Defer).unwrap();
        assert_eq!(PluginConfig::load(&path).unwrap().mode, Mode::Monitor);
        std::fs::write(&path, "init_config:\n  mode: loud\n").unwrap();
        let err = PluginConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("invalid init_config"), "{err}");
    }
}
