//! `premptictl install` and `uninstall`.
//!
//! Install lays out `$PREMPTI_HOME` (see `prempti_protocol::paths`):
//!
//! - `bin/`: `premptictl` (from `--from`) and `prempti-hook` (from `--hook-from`, else
//!   `--from`); `share/`: the plugin library for the Falco engine, when it was built;
//! - `rules/default/` replaced by the repository's (files no longer shipped are removed),
//!   `rules/user/` created and never touched, `rules/seen.yaml` replaced;
//! - `config/`: `falco.yaml`, `falco.coding_agents_plugin.yaml` (both 0600: they hold the
//!   alert intake's secret) and `prempti.yaml`, rendered from `installers/config/` on the first
//!   install only, so an upgrade keeps the user's settings (mode included);
//! - `run/` (0700) and `log/`;
//! - the Claude Code hook (through [`crate::hooks::add`]);
//! - the service: a systemd user unit, a launchd agent, or a detached daemon (see
//!   [`crate::service`]), then waits until the daemon answers on its control socket.
//!
//! Files are only written when their content or mode differs, so running install twice
//! changes nothing. Uninstall stops the service, removes the hooks of every agent (restoring
//! their settings files), removes the unit and the install directory (keeping `rules/user/`
//! with `--keep-user-rules`).

pub mod fs;
pub mod template;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use prempti_protocol::paths::Layout;
use prempti_protocol::Agent;

use crate::config::prempti::EngineChoice;
use crate::config::yaml::Doc;
use crate::config::{PremptiConfig, ServiceKind};
use fs::{copy_if_changed, create_dir_with_mode, write_if_changed};
use template::TemplateValues;

/// What `install` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// Directory of the built `premptictl` and plugin library (default: this binary's).
    pub from: Option<PathBuf>,
    /// Directory of the built `prempti-hook` (default: `from`).
    pub hook_from: Option<PathBuf>,
    /// Repository root holding `rules/` and `installers/` (default: found above `from`).
    pub source: Option<PathBuf>,
    /// Service manager (default: detected).
    pub service: Option<ServiceKind>,
    /// Engine for a new installation.
    pub engine: Option<EngineChoice>,
    /// Falco binary for a new installation.
    pub falco: Option<PathBuf>,
    /// Register the Claude Code hook.
    pub register_hook: bool,
    /// Start the service and wait for it.
    pub start: bool,
}

/// What install or uninstall did, for people.
#[derive(Debug, Default)]
pub struct Report {
    /// One line per step.
    pub lines: Vec<String>,
    /// Steps that failed (uninstall goes on after a failure).
    pub problems: usize,
}

/// Finds the repository root: the first of `start` and its ancestors holding both `rules/`
/// and `installers/config/`.
fn find_source(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("rules").is_dir() && d.join("installers/config").is_dir())
        .map(Path::to_path_buf)
}

/// Installs or upgrades Prempti under `layout`.
pub fn install(layout: &Layout, options: &InstallOptions) -> Result<Report> {
    let mut report = Report::default();
    let from = match &options.from {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()
            .context("cannot find this premptictl binary; pass --from DIR")?
            .parent()
            .map(Path::to_path_buf)
            .context("cannot find the directory of this premptictl binary; pass --from DIR")?,
    };
    let from = from
        .canonicalize()
        .with_context(|| format!("--from {} does not exist", from.display()))?;
    let hook_from = options.hook_from.clone().unwrap_or_else(|| from.clone());
    let source = match &options.source {
        Some(dir) => dir.clone(),
        None => find_source(&from).with_context(|| {
            format!(
                "cannot find the repository (rules/ and installers/) above {}; pass --source DIR",
                from.display()
            )
        })?,
    };
    if !source.join("rules").is_dir() || !source.join("installers/config").is_dir() {
        bail!(
            "{} has no rules/ and installers/config/; pass the repository root as --source",
            source.display()
        );
    }
    let home = &layout.home;
    if home.exists() && !home.is_dir() {
        bail!("{} exists and is not a directory", home.display());
    }
    // What was there before: nothing (a first install), or an installation of some version.
    let previous = looks_installed(layout).then(|| binary_version(&layout.ctl_binary()));

    // Directories.
    for dir in [
        layout.bin_dir(),
        layout.config_dir(),
        layout.default_rules_dir(),
        layout.user_rules_dir(),
        layout.log_dir(),
        layout.share_dir(),
    ] {
        create_dir_with_mode(&dir, 0o755)?;
    }
    create_dir_with_mode(&layout.config_dir(), 0o700)?;
    create_dir_with_mode(&layout.log_dir(), 0o700)?;
    create_dir_with_mode(&layout.run_dir(), 0o700)?;

    // Binaries.
    let exe = std::env::consts::EXE_SUFFIX;
    let ctl = from.join(format!("premptictl{exe}"));
    let hook = [
        hook_from.join(format!("prempti-hook{exe}")),
        from.join(format!("prempti-hook{exe}")),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .with_context(|| {
        format!(
            "prempti-hook is not built in {}; build it (`make`) or pass --hook-from DIR",
            hook_from.display()
        )
    })?;
    if !ctl.is_file() {
        bail!(
            "premptictl is not built in {}; build it (`make`) or pass --from DIR",
            from.display()
        );
    }
    let mut binaries_changed = false;
    binaries_changed |= copy_unless_same(&ctl, &layout.ctl_binary(), 0o755)?;
    binaries_changed |= copy_unless_same(&hook, &layout.hook_binary(), 0o755)?;
    let plugin = from.join(template::plugin_library_name());
    if plugin.is_file() {
        binaries_changed |= copy_unless_same(
            &plugin,
            &layout.share_dir().join(template::plugin_library_name()),
            0o644,
        )?;
    } else {
        report.lines.push(format!(
            "note: {} is not built; the Falco engine needs it (the embedded engine does not)",
            plugin.display()
        ));
    }
    report.lines.push(format!(
        "binaries in {}{}",
        layout.bin_dir().display(),
        match (&previous, binaries_changed) {
            (None, _) => "",
            (Some(_), true) => " (replaced)",
            (Some(_), false) => " (unchanged)",
        }
    ));

    // Rules.
    let rules_changed = install_rules(&source, layout)?;
    let counted = count_default_rules(layout);
    let user_files = crate::rules_tools::yaml_files_in(&layout.user_rules_dir())
        .map(|f| f.len())
        .unwrap_or(0);
    report.lines.push(match &previous {
        None => format!(
            "rules in {}: {}; put yours in {}",
            layout.rules_dir().display(),
            counted,
            layout.user_rules_dir().display()
        ),
        Some(_) => format!(
            "rules in {}: {} {}, user rules kept ({})",
            layout.rules_dir().display(),
            counted,
            if rules_changed {
                "(updated)"
            } else {
                "(unchanged)"
            },
            crate::output::count(user_files, "file")
        ),
    });

    // Configuration.
    let (fresh, engine_switched) = install_config(&source, layout, options)?;
    report.lines.push(format!(
        "configuration in {}{}",
        layout.config_dir().display(),
        if fresh { " (new)" } else { " (kept)" }
    ));
    if engine_switched {
        let now = PremptiConfig::load(&layout.prempti_config(), home)?;
        report.lines.push(format!(
            "engine switched to {}{} in {}{}",
            now.engine.as_str(),
            now.falco
                .as_ref()
                .filter(|_| now.engine == EngineChoice::Falco)
                .map(|f| format!(" (Falco {})", f.display()))
                .unwrap_or_default(),
            layout.prempti_config().display(),
            if options.start {
                "; the service restarts on it"
            } else {
                "; `premptictl stop` and `premptictl start` apply it"
            }
        ));
    }

    // Service kind: chosen now, remembered in prempti.yaml.
    let prempti = PremptiConfig::load(&layout.prempti_config(), home)?;
    let service = options.service.unwrap_or_else(|| {
        if fresh {
            crate::service::detect()
        } else {
            prempti.service
        }
    });
    if service != prempti.service {
        set_prempti_key(layout, "service", service.as_str())?;
    }
    if service == ServiceKind::Detached {
        report
            .lines
            .push(format!("note: {}", crate::service::DETACHED_NOTE));
    }

    // Hook.
    if options.register_hook {
        let change = crate::hooks::add(layout, Agent::ClaudeCode)?;
        report.lines.push(format!(
            "Claude Code hook {} in {}",
            if change.changed {
                "registered"
            } else {
                "already registered"
            },
            change
                .files
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
        report.lines.extend(
            change
                .notes
                .iter()
                .chain(&change.manual_steps)
                .map(|s| format!("  {s}")),
        );
    }

    // Service.
    let unit_changed = crate::service::install_unit(layout, service)?;
    if options.start {
        let running = crate::service::query(layout, std::time::Duration::from_secs(2)).is_some();
        if running && (binaries_changed || unit_changed || engine_switched) {
            crate::service::stop(layout, service)?;
        } else if running && rules_changed {
            let _ = crate::control::request(
                &layout.control_socket(),
                &prempti_protocol::control::ControlRequest::Reload,
                std::time::Duration::from_secs(60),
            );
        }
        let status = crate::service::start(layout, service)?;
        report.lines.push(format!(
            "service ({}) running: pid {}, engine {}, mode {}, default action {}",
            service.as_str(),
            status.pid,
            status.engine,
            status.mode,
            status.default_action
        ));
    } else {
        report.lines.push(format!(
            "service ({}) not started (--no-start); `premptictl start` starts it",
            service.as_str()
        ));
    }

    // The headline: what happened, first.
    let new_version = binary_version(&layout.ctl_binary())
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned());
    let where_ = home.display();
    let changed = binaries_changed || rules_changed || unit_changed || fresh;
    let headline = match previous {
        None => format!("Prempti {new_version} installed in {where_}"),
        Some(Some(old)) if old != new_version => {
            format!("Prempti upgraded from {old} to {new_version} in {where_}")
        }
        Some(None) => format!("Prempti upgraded to {new_version} in {where_}"),
        Some(_) if changed => format!("Prempti {new_version} reinstalled in {where_}"),
        Some(_) => {
            format!("Prempti {new_version} is already installed in {where_}; nothing changed")
        }
    };
    report.lines.insert(0, headline);
    Ok(report)
}

/// The version a `premptictl` binary reports (`version --json`), if it runs.
fn binary_version(binary: &Path) -> Option<String> {
    if !binary.is_file() {
        return None;
    }
    let out = std::process::Command::new(binary)
        .args(["version", "--json"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["version"].as_str().map(str::to_owned)
}

/// "N default rules", counted by loading the installed default rules (enabled rules only).
fn count_default_rules(layout: &Layout) -> String {
    let loaded = crate::rules_tools::yaml_files_in(&layout.default_rules_dir())
        .and_then(|files| crate::rules_tools::load_ruleset(&files));
    match loaded {
        Ok(ruleset) => crate::output::count(
            ruleset.rules().iter().filter(|r| r.enabled).count(),
            "default rule",
        ),
        Err(_) => {
            "default rules that do not load (`premptictl rules validate` shows why)".to_owned()
        }
    }
}

/// Copies a binary unless source and target are the same file or already identical.
fn copy_unless_same(from: &Path, to: &Path, mode: u32) -> Result<bool> {
    if let (Ok(a), Ok(b)) = (from.canonicalize(), to.canonicalize()) {
        if a == b {
            return Ok(false);
        }
    }
    copy_if_changed(from, to, mode)
}

/// Replaces `rules/default/`, `rules/seen.yaml`, and the rule fixtures and documentation
/// (`rules/tests/`, `rules/README.md`, so `premptictl rules test` works without the
/// repository); creates `rules/user/` and seeds it with the repository's user files that do
/// not exist yet. Returns whether anything changed.
fn install_rules(source: &Path, layout: &Layout) -> Result<bool> {
    let mut changed = false;
    let src_default = source.join("rules/default");
    if src_default.is_dir() {
        changed |= fs::sync_tree(&src_default, &layout.default_rules_dir())?;
    }
    let src_tests = source.join("rules/tests");
    if src_tests.is_dir() {
        changed |= fs::sync_tree(&src_tests, &layout.rules_dir().join("tests"))?;
    }
    let readme = source.join("rules/README.md");
    if readme.is_file() {
        changed |= copy_if_changed(&readme, &layout.rules_dir().join("README.md"), 0o644)?;
    }
    let seen = source.join("rules/seen.yaml");
    if seen.is_file() {
        changed |= copy_if_changed(&seen, &layout.seen_rules_file(), 0o644)?;
    }
    let src_user = source.join("rules/user");
    if src_user.is_dir() {
        for entry in std::fs::read_dir(&src_user)? {
            let path = entry?.path();
            let target = layout
                .user_rules_dir()
                .join(path.file_name().unwrap_or_default());
            if path.is_file() && !target.exists() {
                copy_if_changed(&path, &target, 0o644)?;
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// Renders the configuration templates that do not exist yet and applies `--engine` and
/// `--falco`. Returns whether this is a new configuration (no `prempti.yaml` before) and
/// whether an existing one switched engine or Falco binary.
fn install_config(
    source: &Path,
    layout: &Layout,
    options: &InstallOptions,
) -> Result<(bool, bool)> {
    let fresh = !layout.prempti_config().exists();
    let templates = source.join("installers/config");
    // One set of values for every template of this install, so the intake address and
    // token agree between falco.yaml and the plugin configuration.
    let mut values: Option<TemplateValues> = None;
    for (name, target, mode) in [
        ("falco.yaml", layout.falco_config(), 0o600),
        (
            "falco.coding_agents_plugin.yaml",
            layout.plugin_config(),
            0o600,
        ),
        ("prempti.yaml", layout.prempti_config(), 0o644),
    ] {
        if target.exists() {
            continue;
        }
        let template = templates.join(name);
        let text = std::fs::read_to_string(&template)
            .with_context(|| format!("cannot read the template {}", template.display()))?;
        if values.is_none() {
            values = Some(
                existing_values(layout).map_or_else(|| TemplateValues::fresh(&layout.home), Ok)?,
            );
        }
        let filled = values.as_ref().map(|v| v.fill(&text)).unwrap_or(text);
        write_if_changed(&target, filled.as_bytes(), mode)?;
    }
    // `--engine` and `--falco` apply to an existing installation too: they switch it.
    let current = PremptiConfig::load(&layout.prempti_config(), &layout.home).ok();
    let mut switched = false;
    if let Some(engine) = options.engine {
        if fresh || current.as_ref().map(|c| c.engine) != Some(engine) {
            set_prempti_key(layout, "engine", engine.as_str())?;
            switched |= !fresh;
        }
    }
    if let Some(falco) = &options.falco {
        if fresh || current.as_ref().and_then(|c| c.falco.as_ref()) != Some(falco) {
            set_prempti_key(layout, "falco", &yaml_quote(&falco.display().to_string()))?;
            switched |= !fresh;
        }
    }
    Ok((fresh, switched))
}

/// The intake values of an existing plugin configuration, so that re-rendering a deleted
/// `falco.yaml` matches the plugin configuration that is kept.
fn existing_values(layout: &Layout) -> Option<TemplateValues> {
    let plugin = crate::config::PluginConfig::load(&layout.plugin_config()).ok()?;
    if !layout.plugin_config().exists() || plugin.init_config.intake.token.is_empty() {
        return None;
    }
    Some(TemplateValues::for_home(
        &layout.home,
        plugin.init_config.intake.address,
        plugin.init_config.intake.token,
    ))
}

fn yaml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Sets a top-level scalar of `prempti.yaml` in place.
fn set_prempti_key(layout: &Layout, key: &str, value: &str) -> Result<()> {
    let path = layout.prempti_config();
    let doc = Doc::read(&path)?;
    let text = match &doc.root {
        Some(root) if matches!(root.kind, crate::config::yaml::Kind::Map(_)) => {
            crate::config::yaml::set_scalar(&doc.text, root, key, value)
        }
        _ => None,
    };
    let text = text.unwrap_or_else(|| {
        format!(
            "{}{}{key}: {value}\n",
            doc.text,
            if doc.text.ends_with('\n') || doc.text.is_empty() {
                ""
            } else {
                "\n"
            }
        )
    });
    write_if_changed(&path, text.as_bytes(), fs::mode_of(&path).unwrap_or(0o644))?;
    Ok(())
}

/// What the user keeps on uninstall.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keep {
    /// Keep `rules/user/`.
    pub user_rules: bool,
    /// Keep the audit log (`log/audit.jsonl` and its rotations).
    pub audit_log: bool,
}

/// The user's own data in an installation: rules files in `rules/user/` and audit log files
/// that are not empty.
#[derive(Debug, Clone, Default)]
pub struct UserData {
    /// `rules/user/*.yaml`.
    pub user_rules: Vec<PathBuf>,
    /// `log/audit.jsonl` and its rotations, when not empty.
    pub audit_files: Vec<PathBuf>,
    /// Calls recorded in them (lines).
    pub audit_calls: usize,
}

/// Finds the user's data in `layout`.
pub fn user_data(layout: &Layout) -> UserData {
    let user_rules =
        crate::rules_tools::yaml_files_in(&layout.user_rules_dir()).unwrap_or_default();
    let audit = layout.audit_log();
    let prefix = audit
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut audit_files: Vec<PathBuf> = std::fs::read_dir(layout.log_dir())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix.as_str()))
                        && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() > 0)
                })
                .collect()
        })
        .unwrap_or_default();
    audit_files.sort();
    let audit_calls = audit_files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .sum();
    UserData {
        user_rules,
        audit_files,
        audit_calls,
    }
}

/// Reverses [`install`], keeping what `keep` says. Goes on after a failed step and counts it in
/// the report. The report starts with what is removed and what is kept.
pub fn uninstall(layout: &Layout, keep: Keep) -> Result<Report> {
    let mut report = Report::default();
    let home = &layout.home;
    if !looks_installed(layout) {
        bail!(
            "{} does not look like a Prempti installation (no bin/premptictl or config/prempti.yaml); nothing removed",
            home.display()
        );
    }
    if let Some(user) = prempti_protocol::paths::user_home() {
        if user == *home {
            bail!(
                "refusing to remove {}: it is your home directory; check PREMPTI_HOME",
                home.display()
            );
        }
    }
    let data = user_data(layout);
    let mut kept: Vec<PathBuf> = Vec::new();
    if keep.user_rules && layout.user_rules_dir().is_dir() {
        kept.push(layout.user_rules_dir());
    }
    if keep.audit_log {
        kept.extend(data.audit_files.iter().cloned());
    }
    report.lines.push(format!(
        "removing: the service, every agent's Prempti hook (settings restored) and their \
         {} backups, and {} ({})",
        crate::hooks::file::BACKUP_SUFFIX,
        home.display(),
        if kept.is_empty() {
            "everything in it"
        } else {
            "all but what is kept"
        }
    ));
    if kept.is_empty() {
        report.lines.push("keeping: nothing".to_owned());
    } else {
        report.lines.push(format!(
            "keeping: {}",
            kept.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let service = PremptiConfig::load(&layout.prempti_config(), home)
        .map(|c| c.service)
        .unwrap_or_default();
    let mut step = |what: String, result: Result<String>| match result {
        Ok(line) => report.lines.push(line),
        Err(e) => {
            report.problems += 1;
            report.lines.push(format!("error: {what}: {e:#}"));
        }
    };
    step(
        "stopping the service".into(),
        crate::service::stop(layout, service).map(|was| {
            if was {
                "service stopped".to_owned()
            } else {
                "service was not running".to_owned()
            }
        }),
    );
    for agent in Agent::ALL {
        step(
            format!("removing the {} hook", agent.display_name()),
            crate::hooks::remove(layout, agent).map(|c| {
                let mut line = if c.changed {
                    format!("{} hook removed", agent.display_name())
                } else {
                    format!("{} hook: none registered", agent.display_name())
                };
                // Prempti's own backups of the settings: not needed once the hook is gone.
                for settings in &c.files {
                    let backup = crate::hooks::file::backup_path(settings);
                    if backup.is_file() {
                        match std::fs::remove_file(&backup) {
                            Ok(()) => line.push_str(&format!("; removed {}", backup.display())),
                            Err(e) => line.push_str(&format!(
                                "; could not remove {} ({e}): delete it by hand",
                                backup.display()
                            )),
                        }
                    }
                }
                line
            }),
        );
    }
    step(
        "removing the service unit".into(),
        crate::service::remove_unit(layout, service)
            .map(|()| format!("service ({}) removed", service.as_str())),
    );
    step(
        "removing the installation".into(),
        remove_except(home, &kept).map(|()| {
            if kept.is_empty() {
                format!("removed {}", home.display())
            } else {
                format!("removed {} except what is kept", home.display())
            }
        }),
    );
    Ok(report)
}

fn looks_installed(layout: &Layout) -> bool {
    layout.ctl_binary().exists() || layout.prempti_config().exists()
}

/// Removes `dir` and everything in it except the paths in `keep` (and the directories
/// leading to them).
fn remove_except(dir: &Path, keep: &[PathBuf]) -> Result<()> {
    if keep.is_empty() {
        return std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot remove {}", dir.display()));
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if keep.contains(&path) {
            continue;
        }
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir && keep.iter().any(|k| k.starts_with(&path)) {
            remove_except(&path, keep)?;
        } else {
            remove_path(&path)?;
        }
    }
    Ok(())
}

fn remove_path(path: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("cannot remove {}", path.display()))
}
