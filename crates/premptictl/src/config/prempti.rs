//! `config/prempti.yaml`: the daemon's own settings.
//!
//! ```yaml
//! engine: embedded      # embedded | falco
//! falco: ""             # Falco binary for the falco engine (PREMPTI_FALCO overrides)
//! service: detached     # systemd | launchd | detached: what runs the daemon (set by install)
//! watch_rules: true     # reload when files under the rules directories change
//! reload_debounce_ms: 300
//! log: {max_bytes: 10485760, max_files: 5}     # daemon.log, alerts.jsonl, daemon.stderr
//! ```

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use prempti_plugin::rotate::RotationPolicy;

use super::yaml::{Doc, Kind, Node};
use super::ConfigWarning;

/// Which rule engine the daemon runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    /// The engine built into premptictl.
    #[default]
    Embedded,
    /// A Falco child process.
    Falco,
}

impl EngineChoice {
    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineChoice::Embedded => "embedded",
            EngineChoice::Falco => "falco",
        }
    }
}

/// What runs the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// A systemd user unit.
    Systemd,
    /// A launchd agent.
    Launchd,
    /// A setsid'd background process with a pid file.
    #[default]
    Detached,
    /// Windows: a detached process, started at logon by a value under the per-user Run key.
    #[serde(rename = "run-key")]
    RunKey,
}

impl ServiceKind {
    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Systemd => "systemd",
            ServiceKind::Launchd => "launchd",
            ServiceKind::Detached => "detached",
            ServiceKind::RunKey => "run-key",
        }
    }

    /// Parses a configuration name.
    pub fn parse(s: &str) -> Option<ServiceKind> {
        match s {
            "systemd" => Some(ServiceKind::Systemd),
            "launchd" => Some(ServiceKind::Launchd),
            "detached" => Some(ServiceKind::Detached),
            "run-key" => Some(ServiceKind::RunKey),
            _ => None,
        }
    }
}

/// The resolved `prempti.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct PremptiConfig {
    /// `engine`.
    pub engine: EngineChoice,
    /// `falco`, or `PREMPTI_FALCO` when set.
    pub falco: Option<PathBuf>,
    /// `service`.
    pub service: ServiceKind,
    /// `watch_rules`.
    pub watch_rules: bool,
    /// `reload_debounce_ms`.
    pub reload_debounce_ms: u64,
    /// `log`: rotation of `daemon.log`, the alerts file and `daemon.stderr` (the audit log's
    /// rotation is in the plugin configuration).
    pub log: RotationPolicy,
    /// Unknown keys.
    pub warnings: Vec<ConfigWarning>,
}

impl Default for PremptiConfig {
    fn default() -> Self {
        PremptiConfig {
            engine: EngineChoice::Embedded,
            falco: None,
            service: ServiceKind::Detached,
            watch_rules: true,
            reload_debounce_ms: 300,
            log: RotationPolicy::default(),
            warnings: Vec::new(),
        }
    }
}

impl PremptiConfig {
    /// Reads `path` (defaults when missing) and applies `PREMPTI_FALCO`.
    pub fn load(path: &Path, home: &Path) -> Result<PremptiConfig> {
        let mut config = if path.exists() {
            PremptiConfig::from_doc(&Doc::read(path)?, home)?
        } else {
            PremptiConfig::default()
        };
        if let Some(falco) =
            std::env::var_os(prempti_protocol::env::PREMPTI_FALCO).filter(|f| !f.is_empty())
        {
            config.falco = Some(PathBuf::from(falco));
        }
        Ok(config)
    }

    /// Resolves a parsed document.
    pub fn from_doc(doc: &Doc, home: &Path) -> Result<PremptiConfig> {
        let mut config = PremptiConfig::default();
        let Some(root) = &doc.root else {
            return Ok(config);
        };
        for (key, key_node, value) in root.entries() {
            match key.as_str() {
                "engine" => {
                    config.engine = match value.as_str().as_deref() {
                        Some("embedded") => EngineChoice::Embedded,
                        Some("falco") => EngineChoice::Falco,
                        _ => bail!(
                            "{}: engine must be 'embedded' or 'falco'",
                            doc.at(value.start)
                        ),
                    }
                }
                "falco" => {
                    config.falco = value
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(|s| super::falco::resolve_path(home, &s));
                }
                "service" => {
                    config.service = value
                        .as_str()
                        .as_deref()
                        .and_then(ServiceKind::parse)
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "{}: service must be systemd, launchd or detached",
                                doc.at(value.start)
                            )
                        })?;
                }
                "watch_rules" => {
                    config.watch_rules = value.as_bool().ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}: watch_rules must be true or false",
                            doc.at(value.start)
                        )
                    })?
                }
                "reload_debounce_ms" => {
                    config.reload_debounce_ms = value.as_u64().ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}: reload_debounce_ms must be a whole number",
                            doc.at(value.start)
                        )
                    })?
                }
                "log" => config.log = rotation(doc, value, config.log)?,
                other => config.warnings.push(ConfigWarning {
                    at: doc.at(key_node.start),
                    message: format!("unknown key '{other}'; it is ignored"),
                }),
            }
        }
        Ok(config)
    }
}

fn rotation(doc: &Doc, node: &Node, mut policy: RotationPolicy) -> Result<RotationPolicy> {
    if !matches!(node.kind, Kind::Map(_) | Kind::Null) {
        bail!("{}: expected max_bytes and max_files", doc.at(node.start));
    }
    if let Some(v) = node.get("max_bytes") {
        policy.max_bytes = v.as_u64().ok_or_else(|| {
            anyhow::anyhow!("{}: max_bytes must be a whole number", doc.at(v.start))
        })?;
    }
    if let Some(v) = node.get("max_files") {
        let n = v.as_u64().ok_or_else(|| {
            anyhow::anyhow!("{}: max_files must be a whole number", doc.at(v.start))
        })?;
        policy.max_files = u32::try_from(n).unwrap_or(u32::MAX);
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_settings_and_warns_on_unknown_keys() {
        let doc = Doc::parse(
            Path::new("prempti.yaml"),
            "engine: falco\nfalco: bin/falco\nservice: systemd\nlog:\n  max_bytes: 100\nwat: 1\n"
                .into(),
        )
        .unwrap();
        let c = PremptiConfig::from_doc(&doc, Path::new("/h")).unwrap();
        assert_eq!(c.engine, EngineChoice::Falco);
        assert_eq!(c.falco, Some(PathBuf::from("/h/bin/falco")));
        assert_eq!(c.service, ServiceKind::Systemd);
        assert_eq!(c.log.max_bytes, 100);
        assert_eq!(c.warnings[0].at, "prempti.yaml:6:1");
        let bad = Doc::parse(Path::new("p"), "engine: fast\n".into()).unwrap();
        assert!(PremptiConfig::from_doc(&bad, Path::new("/h")).is_err());
    }
}
