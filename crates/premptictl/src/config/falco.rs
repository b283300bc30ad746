//! `config/falco.yaml`: the Falco-style keys the embedded engine honours.
//!
//! Honoured: `rules_files` (also the old `rules_file`), `rule_matching`, `priority`,
//! `append_output`, `json_output`, `json_include_output_property`,
//! `json_include_output_fields_property`, `json_include_tags_property`,
//! `json_include_message_property`, `time_format_iso_8601`, `file_output`, `stdout_output`,
//! `http_output`. Keys that only real Falco uses (plugins, engine kind, logging, webserver, ...)
//! are accepted without a word; any other key is reported with its position and ignored, as
//! Falco itself does for keys it does not know.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use prempti_rules::{AppendOutput, ExtraField, JsonOptions, RuleMatching, RuleSelection};

use super::yaml::{Doc, Kind, Node};
use super::ConfigWarning;

/// `http_output`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpOutput {
    /// `enabled`.
    pub enabled: bool,
    /// `url`.
    pub url: String,
    /// `user_agent` (default `falcosecurity/falco`, like Falco).
    pub user_agent: String,
}

/// The resolved Falco-style configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalcoConfig {
    /// The file it was read from (`None`: built-in defaults).
    pub path: Option<PathBuf>,
    /// Rules files and directories, in order, relative paths resolved against `PREMPTI_HOME`.
    pub rules_files: Vec<PathBuf>,
    /// `rule_matching`.
    pub rule_matching: RuleMatching,
    /// `priority`: the minimum priority, as written (validated by the rule engine).
    pub priority: String,
    /// `append_output`.
    pub append_output: Vec<AppendOutput>,
    /// `rules:` selections, in order.
    pub selections: Vec<RuleSelection>,
    /// `json_output`.
    pub json_output: bool,
    /// `json_include_output_property`, `json_include_output_fields_property`,
    /// `json_include_tags_property`, `json_include_message_property`.
    pub json: JsonOptions,
    /// `time_format_iso_8601`.
    pub time_format_iso_8601: bool,
    /// `file_output`: the file to append alerts to, when enabled.
    pub file_output: Option<PathBuf>,
    /// `stdout_output.enabled`.
    pub stdout_output: bool,
    /// `http_output`.
    pub http_output: HttpOutput,
    /// Unknown keys and ignored values.
    pub warnings: Vec<ConfigWarning>,
}

/// Keys the embedded engine reads.
const HONOURED: &[&str] = &[
    "rules_files",
    "rules_file",
    "rule_matching",
    "priority",
    "append_output",
    "json_output",
    "json_include_output_property",
    "json_include_output_fields_property",
    "json_include_tags_property",
    "json_include_message_property",
    "time_format_iso_8601",
    "file_output",
    "stdout_output",
    "http_output",
    "rules",
];

/// Falco keys that only matter to real Falco (accepted silently by the embedded engine).
const FALCO_ONLY: &[&str] = &[
    "config_files",
    "watch_config_files",
    "engine",
    "load_plugins",
    "plugins",
    "plugins_hostinfo",
    "capture",
    "log_stderr",
    "log_syslog",
    "log_level",
    "libs_logger",
    "buffered_outputs",
    "outputs_queue",
    "output_timeout",
    "outputs",
    "syslog_output",
    "program_output",
    "grpc",
    "grpc_output",
    "webserver",
    "metrics",
    "base_syscalls",
    "falco_libs",
    "container_engines",
    "container",
    "static_fields",
    "json_include_output_fields_property_name",
    "skip_if_unknown_filter",
    "modern_bpf",
    "syscall_event_drops",
    "syscall_event_timeouts",
    "syscall_buf_size_preset",
    "syscall_drop_failed_exit",
    "load_plugins_hostinfo",
    "time_format",
];

impl FalcoConfig {
    /// Falco's defaults, with the rules of a Prempti installation.
    pub fn defaults(home: &Path) -> FalcoConfig {
        FalcoConfig {
            path: None,
            rules_files: vec![home.join("rules/default"), home.join("rules/user")],
            rule_matching: RuleMatching::First,
            priority: "debug".to_owned(),
            append_output: Vec::new(),
            selections: Vec::new(),
            json_output: true,
            json: JsonOptions::default(),
            time_format_iso_8601: false,
            file_output: Some(home.join("log/alerts.jsonl")),
            stdout_output: false,
            http_output: HttpOutput {
                enabled: false,
                url: String::new(),
                user_agent: default_user_agent(),
            },
            warnings: Vec::new(),
        }
    }

    /// Reads `path`; a missing file gives [`FalcoConfig::defaults`].
    pub fn load(path: &Path, home: &Path) -> Result<FalcoConfig> {
        if !path.exists() {
            return Ok(FalcoConfig::defaults(home));
        }
        FalcoConfig::from_doc(&Doc::read(path)?, home)
    }

    /// Resolves a parsed document. Errors are values Falco itself refuses at startup.
    pub fn from_doc(doc: &Doc, home: &Path) -> Result<FalcoConfig> {
        let mut config = FalcoConfig::defaults(home);
        config.path = Some(doc.path.clone());
        // Falco's own default for a config file that does not mention file_output is "off".
        config.file_output = None;
        let Some(root) = &doc.root else {
            return Ok(config);
        };
        if matches!(root.kind, Kind::Null) {
            return Ok(config);
        }
        if !matches!(root.kind, Kind::Map(_)) {
            bail!(
                "{}: the configuration must be a mapping of keys to values",
                doc.at(root.start)
            );
        }
        let warn = |node: &Node, message: String| config_warning(doc, node, message);
        let mut warnings = Vec::new();
        for (key, key_node, value) in root.entries() {
            let key = key.as_str();
            if !HONOURED.contains(&key) {
                if !FALCO_ONLY.contains(&key) {
                    warnings.push(warn(
                        key_node,
                        format!("unknown key '{key}'; it is ignored"),
                    ));
                }
                continue;
            }
            match key {
                "rules_files" | "rules_file" => {
                    config.rules_files = string_list(doc, value)?
                        .into_iter()
                        .map(|p| resolve_path(home, &p))
                        .collect();
                }
                "rule_matching" => {
                    let v = required_str(doc, value, key)?;
                    config.rule_matching = match v.to_ascii_lowercase().as_str() {
                        "first" => RuleMatching::First,
                        "all" => RuleMatching::All,
                        _ => bail!(
                            "{}: unknown rule_matching '{v}' (use first or all)",
                            doc.at(value.start)
                        ),
                    };
                }
                "priority" => config.priority = required_str(doc, value, key)?,
                "append_output" => config.append_output = append_output(doc, value, &mut warnings)?,
                "rules" => config.selections = selections(doc, value)?,
                "json_output" => config.json_output = bool_value(doc, value, key)?,
                "json_include_output_property" => {
                    config.json.include_output = bool_value(doc, value, key)?
                }
                "json_include_output_fields_property" => {
                    config.json.include_output_fields = bool_value(doc, value, key)?
                }
                "json_include_tags_property" => {
                    config.json.include_tags = bool_value(doc, value, key)?
                }
                "json_include_message_property" => {
                    config.json.include_message = bool_value(doc, value, key)?
                }
                "time_format_iso_8601" => {
                    config.time_format_iso_8601 = bool_value(doc, value, key)?
                }
                "file_output" => {
                    let enabled = match value.get("enabled") {
                        Some(v) => bool_value(doc, v, "file_output.enabled")?,
                        None => false,
                    };
                    let filename = value
                        .get("filename")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                        .map_or_else(|| home.join("log/alerts.jsonl"), |f| resolve_path(home, &f));
                    config.file_output = enabled.then_some(filename);
                    for (k, kn, _) in value.entries() {
                        if !["enabled", "filename", "keep_alive"].contains(&k.as_str()) {
                            warnings.push(warn(
                                kn,
                                format!("unknown key 'file_output.{k}'; it is ignored"),
                            ));
                        }
                    }
                }
                "stdout_output" => {
                    config.stdout_output = match value.get("enabled") {
                        Some(v) => bool_value(doc, v, "stdout_output.enabled")?,
                        None => false,
                    };
                }
                "http_output" => {
                    let enabled = match value.get("enabled") {
                        Some(v) => bool_value(doc, v, "http_output.enabled")?,
                        None => false,
                    };
                    let url = value.get("url").and_then(Node::as_str).unwrap_or_default();
                    if enabled && url.is_empty() {
                        bail!(
                            "{}: http_output is enabled but has no url",
                            doc.at(value.start)
                        );
                    }
                    let user_agent = value
                        .get("user_agent")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(default_user_agent);
                    config.http_output = HttpOutput {
                        enabled,
                        url,
                        user_agent,
                    };
                }
                _ => {}
            }
        }
        config.warnings = warnings;
        Ok(config)
    }
}

fn default_user_agent() -> String {
    "falcosecurity/falco".to_owned()
}

fn config_warning(doc: &Doc, node: &Node, message: String) -> ConfigWarning {
    ConfigWarning {
        at: doc.at(node.start),
        message,
    }
}

/// Resolves a configured path: `~/` is the user's home, relative paths are under `home`.
pub fn resolve_path(home: &Path, raw: &str) -> PathBuf {
    if let Some(rest) = raw.strip_prefix("~/") {
        if let Some(user) = prempti_protocol::paths::user_home() {
            return user.join(rest);
        }
    }
    let path = PathBuf::from(raw);
    if path.is_absolute() {
        path
    } else {
        home.join(path)
    }
}

fn required_str(doc: &Doc, node: &Node, key: &str) -> Result<String> {
    match node.as_str() {
        Some(s) => Ok(s),
        None => bail!("{}: '{key}' must be a single value", doc.at(node.start)),
    }
}

fn bool_value(doc: &Doc, node: &Node, key: &str) -> Result<bool> {
    match node.as_bool() {
        Some(b) => Ok(b),
        None => bail!("{}: '{key}' must be true or false", doc.at(node.start)),
    }
}

fn string_list(doc: &Doc, node: &Node) -> Result<Vec<String>> {
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|n| {
                n.as_str()
                    .ok_or_else(|| anyhow::anyhow!("{}: expected a path", doc.at(n.start)))
            })
            .collect(),
        Kind::Null => Ok(Vec::new()),
        _ => match node.as_str() {
            Some(s) => Ok(vec![s]),
            None => bail!("{}: expected a list of paths", doc.at(node.start)),
        },
    }
}

fn append_output(
    doc: &Doc,
    node: &Node,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<AppendOutput>> {
    let Kind::Seq(items) = &node.kind else {
        if matches!(node.kind, Kind::Null) {
            return Ok(Vec::new());
        }
        bail!("{}: append_output must be a list", doc.at(node.start));
    };
    let mut out = Vec::new();
    for item in items {
        let mut entry = AppendOutput::default();
        for (key, key_node, value) in item.entries() {
            match key.as_str() {
                "match" => {
                    for (k, kn, v) in value.entries() {
                        match k.as_str() {
                            "source" => entry.source = v.as_str(),
                            "rule" => entry.rule = v.as_str(),
                            "tags" => entry.tags = string_list(doc, v)?,
                            other => warnings.push(config_warning(
                                doc,
                                kn,
                                format!("unknown key 'append_output.match.{other}'; it is ignored"),
                            )),
                        }
                    }
                }
                "extra_output" => entry.extra_output = value.as_str(),
                "suggested_output" => {
                    entry.suggested_output = bool_value(doc, value, "suggested_output")?
                }
                "extra_fields" => {
                    let Kind::Seq(fields) = &value.kind else {
                        bail!("{}: extra_fields must be a list", doc.at(value.start));
                    };
                    for field in fields {
                        match &field.kind {
                            Kind::Map(kv) => {
                                for (k, _, v) in kv {
                                    entry.extra_fields.push(ExtraField::Formatted {
                                        key: k.clone(),
                                        format: v.as_str().unwrap_or_default(),
                                    });
                                }
                            }
                            _ => match field.as_str() {
                                Some(name) => entry.extra_fields.push(ExtraField::Raw(name)),
                                None => bail!(
                                    "{}: expected a field or {{key: format}}",
                                    doc.at(field.start)
                                ),
                            },
                        }
                    }
                }
                other => warnings.push(config_warning(
                    doc,
                    key_node,
                    format!("unknown key 'append_output.{other}'; it is ignored"),
                )),
            }
        }
        out.push(entry);
    }
    Ok(out)
}

fn selections(doc: &Doc, node: &Node) -> Result<Vec<RuleSelection>> {
    let Kind::Seq(items) = &node.kind else {
        if matches!(node.kind, Kind::Null) {
            return Ok(Vec::new());
        }
        bail!(
            "{}: rules must be a list of enable/disable entries",
            doc.at(node.start)
        );
    };
    let mut out = Vec::new();
    for item in items {
        let (enable, body) = match (item.get("enable"), item.get("disable")) {
            (Some(b), None) => (true, b),
            (None, Some(b)) => (false, b),
            _ => bail!(
                "{}: each rules entry needs exactly one of enable or disable",
                doc.at(item.start)
            ),
        };
        let rule = body.get("rule").and_then(Node::as_str);
        let tag = body.get("tag").and_then(Node::as_str);
        if rule.is_none() && tag.is_none() {
            bail!(
                "{}: a rules selection needs a rule or a tag",
                doc.at(body.start)
            );
        }
        out.push(RuleSelection { enable, rule, tag });
    }
    Ok(out)
}

/// Expands configured rules entries into files, in Falco's order: entries in the order given;
/// a directory contributes its regular `.yaml`/`.yml` files sorted by name (not recursive).
/// Missing entries are returned as errors for the caller to report.
pub fn expand_rules_files(entries: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        match std::fs::metadata(entry) {
            Ok(meta) if meta.is_dir() => match std::fs::read_dir(entry) {
                Ok(dir) => {
                    let mut found: Vec<PathBuf> = dir
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.is_file())
                        .filter(|p| {
                            p.extension()
                                .and_then(|e| e.to_str())
                                .is_some_and(|e| e == "yaml" || e == "yml")
                        })
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => problems.push(format!(
                    "cannot list rules directory {}: {e}",
                    entry.display()
                )),
            },
            Ok(_) => files.push(entry.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.push(format!("rules file {} does not exist", entry.display()))
            }
            Err(e) => problems.push(format!("cannot read rules file {}: {e}", entry.display())),
        }
    }
    (files, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<FalcoConfig> {
        FalcoConfig::from_doc(
            &Doc::parse(Path::new("falco.yaml"), text.to_owned()).unwrap(),
            Path::new("/h"),
        )
    }

    #[test]
    fn honoured_keys_are_read() {
        let c = load(
            "rules_files:\n  - rules/default\n  - /etc/x.yaml\nrule_matching: ALL\npriority: warning\n\
             json_include_message_property: true\nfile_output:\n  enabled: true\n  filename: log/a.jsonl\n\
             http_output:\n  enabled: true\n  url: http://127.0.0.1:2801/\n\
             append_output:\n  - match:\n      tags: [a]\n    extra_output: \"x=%tool.name\"\n    extra_fields:\n      - k: \"%agent.name\"\n      - tool.name\n",
        )
        .unwrap();
        assert_eq!(
            c.rules_files,
            vec![
                PathBuf::from("/h/rules/default"),
                PathBuf::from("/etc/x.yaml")
            ]
        );
        assert_eq!(c.rule_matching, RuleMatching::All);
        assert_eq!(c.priority, "warning");
        assert!(c.json.include_message);
        assert_eq!(c.file_output, Some(PathBuf::from("/h/log/a.jsonl")));
        assert!(c.http_output.enabled);
        assert_eq!(c.append_output[0].tags, vec!["a"]);
        assert_eq!(
            c.append_output[0].extra_fields,
            vec![
                ExtraField::Formatted {
                    key: "k".to_owned(),
                    format: "%agent.name".to_owned()
                },
                ExtraField::Raw("tool.name".to_owned())
            ]
        );
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn unknown_keys_warn_with_position_and_falco_keys_do_not() {
        let c = load("plugins: []\nlog_level: info\n\nbogus_key: 1\n").unwrap();
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].at, "falco.yaml:4:1");
        assert!(c.warnings[0].message.contains("bogus_key"));
    }

    #[test]
    fn bad_values_are_errors_with_position() {
        let err = load("rule_matching: some\n").unwrap_err().to_string();
        assert!(err.starts_with("falco.yaml:1:16"), "{err}");
        assert!(load("json_output: yes please\n").is_err());
    }

    #[test]
    fn directories_expand_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.yaml", "a.yml", "c.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let (files, problems) =
            expand_rules_files(&[dir.path().to_owned(), dir.path().join("missing.yaml")]);
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, vec!["a.yml", "b.yaml"]);
        assert_eq!(problems.len(), 1);
    }
}
