//! Engine configuration: the `falco.yaml` keys that matter for plugin sources
//! (`rule_matching`, `priority`, `append_output`, `rules:` selections, JSON switches).

use crate::priority::Priority;

/// `rule_matching` in falco.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleMatching {
    /// Stop at the first matching rule (Falco's default).
    #[default]
    First,
    /// Emit one alert per matching rule.
    All,
}

impl RuleMatching {
    /// Parses `first` / `all`, case-insensitively.
    pub fn parse(s: &str) -> Option<RuleMatching> {
        match s.to_ascii_lowercase().as_str() {
            "first" => Some(RuleMatching::First),
            "all" => Some(RuleMatching::All),
            _ => None,
        }
    }
}

/// An `extra_fields` entry of `append_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraField {
    /// `{key: format}`: a formatted string.
    Formatted {
        /// Key in `output_fields`.
        key: String,
        /// Format string.
        format: String,
    },
    /// A bare field name: its raw typed value.
    Raw(String),
}

/// One falco.yaml `append_output` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppendOutput {
    /// `match.source` (empty = any).
    pub source: Option<String>,
    /// `match.tags`: all must be on the rule.
    pub tags: Vec<String>,
    /// `match.rule` (empty = any).
    pub rule: Option<String>,
    /// Text appended to the output with one space.
    pub extra_output: Option<String>,
    /// Extra `output_fields`.
    pub extra_fields: Vec<ExtraField>,
    /// Append ` name=%name` for every suggested field of the source.
    pub suggested_output: bool,
}

/// One falco.yaml `rules:` selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    /// Enable (true) or disable.
    pub enable: bool,
    /// Rule name pattern (`*` wildcard only; no `*` = exact).
    pub rule: Option<String>,
    /// Exact tag.
    pub tag: Option<String>,
}

/// JSON alert switches (`json_include_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonOptions {
    /// `json_include_output_property` (default true).
    pub include_output: bool,
    /// `json_include_output_fields_property` (default true).
    pub include_output_fields: bool,
    /// `json_include_tags_property` (default true).
    pub include_tags: bool,
    /// `json_include_message_property` (default false).
    pub include_message: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            include_output: true,
            include_output_fields: true,
            include_tags: true,
            include_message: false,
        }
    }
}

/// Engine configuration (the falco.yaml keys that matter for plugin sources).
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// `rule_matching`.
    pub rule_matching: RuleMatching,
    /// `priority`: rules less severe than this are never added (default `debug`).
    pub min_priority: Option<Priority>,
    /// `append_output`, in order.
    pub append_output: Vec<AppendOutput>,
    /// `rules:` selections, applied in order after loading.
    pub selections: Vec<RuleSelection>,
    /// `static_fields` (`static.<key>`).
    pub static_fields: Vec<(String, String)>,
    /// Time zone for `evt.time`, `evt.datetime` (Falco uses the local zone). Default UTC.
    pub time_zone: Option<jiff::tz::TimeZone>,
    /// `time_format_iso_8601`.
    pub time_format_iso_8601: bool,
    /// JSON alert switches.
    pub json: JsonOptions,
    /// Loaded plugins `(name, version)` for `required_plugin_versions`; empty skips the check.
    pub plugins: Vec<(String, String)>,
}
