//! The plugin's `init_config`: how the broker, intake and audit log are set up.
//!
//! Falco passes the `init_config` of `load_plugins` (from `falco.yaml`, usually a path to
//! `falco.coding_agents_plugin.yaml` rendered as JSON) to the plugin; the embedded host reads
//! the same file. The JSON schema Falco validates against is generated from [`Config`]
//! (`plugin_get_init_schema`). Every key has a default, so `{}` is a valid configuration.
//!
//! ```json
//! {"mode":"guardrails","default_action":"defer","socket_path":"/home/u/.prempti/run/broker.sock",
//!  "deny_tags":["coding_agent_deny"],"ask_tags":["coding_agent_ask"],"seen_tags":["coding_agent_seen"],
//!  "max_request_bytes":16777216,"request_deadline_ms":4500,
//!  "intake":{"address":"127.0.0.1:0","token":"…"},
//!  "audit":{"path":"/home/u/.prempti/log/audit.jsonl","max_bytes":52428800,"max_files":5,"max_payload_bytes":65536},
//!  "sessions":{"path":"/home/u/.prempti/state/sessions.jsonl","idle_timeout_ms":86400000,
//!              "max_sessions":2000,"max_marks":32,"max_hosts":64,"compact_after":20000}}
//! ```

use schemars::JsonSchema;
use serde::Deserialize;

/// Enforcement mode (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModeSetting {
    /// Enforce verdicts.
    #[default]
    Guardrails,
    /// Evaluate and log, answer with the default action.
    Monitor,
    /// Answer at once with the default action, evaluate in the background.
    Passthrough,
}

impl From<ModeSetting> for prempti_protocol::Mode {
    fn from(m: ModeSetting) -> Self {
        match m {
            ModeSetting::Guardrails => prempti_protocol::Mode::Guardrails,
            ModeSetting::Monitor => prempti_protocol::Mode::Monitor,
            ModeSetting::Passthrough => prempti_protocol::Mode::Passthrough,
        }
    }
}

/// Answer when no rule decides (`default_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DefaultActionSetting {
    /// Allow the call.
    Allow,
    /// Let the agent's own permission flow decide (the default: the agent's prompts keep
    /// working, Prempti only adds deny and ask).
    #[default]
    Defer,
}

impl From<DefaultActionSetting> for prempti_protocol::DefaultAction {
    fn from(a: DefaultActionSetting) -> Self {
        match a {
            DefaultActionSetting::Allow => prempti_protocol::DefaultAction::Allow,
            DefaultActionSetting::Defer => prempti_protocol::DefaultAction::Defer,
        }
    }
}

/// The plugin configuration (`init_config`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `guardrails`, `monitor` or `passthrough`.
    pub mode: ModeSetting,
    /// `allow` or `defer`.
    pub default_action: DefaultActionSetting,
    /// Broker socket path; empty means `$PREMPTI_HOME/run/broker.sock`.
    pub socket_path: String,
    /// Rule tags that make a call denied.
    pub deny_tags: Vec<String>,
    /// Rule tags that make a call need confirmation.
    pub ask_tags: Vec<String>,
    /// Tags of the catch-all rule that marks a call as fully evaluated (Falco host).
    pub seen_tags: Vec<String>,
    /// Largest hook request accepted, in bytes.
    pub max_request_bytes: u32,
    /// How long the broker waits for a verdict before answering with a deny, in ms.
    pub request_deadline_ms: u64,
    /// Falco alert intake (Falco host only).
    pub intake: IntakeConfig,
    /// Audit log.
    pub audit: AuditConfig,
    /// Session history for session-aware rules (`session.*` fields).
    pub sessions: crate::session::SessionConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: ModeSetting::default(),
            default_action: DefaultActionSetting::default(),
            socket_path: String::new(),
            deny_tags: vec!["coding_agent_deny".to_owned()],
            ask_tags: vec!["coding_agent_ask".to_owned()],
            seen_tags: vec!["coding_agent_seen".to_owned()],
            max_request_bytes: prempti_protocol::frame::DEFAULT_MAX_REQUEST_BYTES,
            request_deadline_ms: 4500,
            intake: IntakeConfig::default(),
            audit: AuditConfig::default(),
            sessions: crate::session::SessionConfig::default(),
        }
    }
}

/// Where Falco's `http_output` posts alerts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeConfig {
    /// `host:port` to bind; the host must be a loopback address. Port 0 picks a free port.
    pub address: String,
    /// Secret path segment: alerts are accepted only on `POST /<token>`. Empty disables the
    /// intake.
    pub token: String,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            address: "127.0.0.1:0".to_owned(),
            token: String::new(),
        }
    }
}

/// The audit log (`log/audit.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// File path; empty disables the audit log.
    pub path: String,
    /// Rotate when the file would grow past this size, in bytes.
    pub max_bytes: u64,
    /// Rotated files kept (`audit.jsonl.1` .. `.N`).
    pub max_files: u32,
    /// Largest agent payload stored inline in a record, in bytes.
    pub max_payload_bytes: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            path: String::new(),
            max_bytes: 50 * 1024 * 1024,
            max_files: 5,
            max_payload_bytes: 64 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_gives_defaults_and_unknown_keys_are_errors() {
        let c: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(c, Config::default());
        let c: Config =
            serde_json::from_str(r#"{"mode":"monitor","audit":{"max_files":2}}"#).unwrap();
        assert_eq!(c.mode, ModeSetting::Monitor);
        assert_eq!(c.audit.max_files, 2);
        assert_eq!(c.audit.max_bytes, AuditConfig::default().max_bytes);
        assert!(serde_json::from_str::<Config>(r#"{"mdoe":"monitor"}"#).is_err());
        assert!(serde_json::from_str::<Config>(r#"{"mode":"enforce"}"#).is_err());
    }
}
