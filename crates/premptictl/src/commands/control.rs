//! `premptictl mode|default-action|reload`: change the running daemon through its control
//! socket. When the daemon is not running, mode and default action are saved in the plugin
//! configuration and take effect at the next start.

use std::time::Duration;

use anyhow::{bail, Result};
use prempti_protocol::control::{ControlRequest, ControlResponse};
use prempti_protocol::{DefaultAction, Mode};

use super::Context;
use crate::cli::{DefaultActionArgs, JsonArgs, ModeArgs};
use crate::config::PluginConfig;
use crate::control::{self, ControlError, ReloadStatus};
use crate::exit::ExitStatus;
use crate::output::Styles;

/// Control requests that do real work (reload) may take a while on large rule sets.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(60);

fn send(ctx: &Context, request: &ControlRequest) -> Result<ControlResponse, ControlError> {
    control::request(&ctx.layout.control_socket(), request, CONTROL_TIMEOUT)
}

/// Mode and default action in force: the daemon's, else the saved ones.
fn current(ctx: &Context) -> Result<(Mode, DefaultAction, bool)> {
    match send(ctx, &ControlRequest::Status) {
        Ok(r) if r.ok => {
            let doc: control::StatusDoc = serde_json::from_value(r.data)?;
            Ok((doc.mode.parse()?, doc.default_action.parse()?, true))
        }
        _ => {
            let plugin = PluginConfig::load(&ctx.layout.plugin_config())?;
            Ok((plugin.mode, plugin.default_action, false))
        }
    }
}

pub(crate) fn mode(ctx: &Context, args: &ModeArgs) -> Result<ExitStatus> {
    let Some(mode) = args.mode.map(Mode::from) else {
        let (mode, _, running) = current(ctx)?;
        if args.json {
            outln!("{}", serde_json::json!({"mode": mode, "running": running}))?;
        } else {
            outln!(
                "{mode}{}",
                if running {
                    ""
                } else {
                    " (saved; the daemon is not running)"
                }
            )?;
        }
        return Ok(ExitStatus::Success);
    };
    set(ctx, ControlRequest::SetMode { mode }, args.json, |path| {
        let plugin = PluginConfig::load(path)?;
        PluginConfig::persist(path, mode, plugin.default_action)
    })
}

pub(crate) fn default_action(ctx: &Context, args: &DefaultActionArgs) -> Result<ExitStatus> {
    let Some(action) = args.action.map(DefaultAction::from) else {
        let (_, action, running) = current(ctx)?;
        if args.json {
            outln!(
                "{}",
                serde_json::json!({"default_action": action, "running": running})
            )?;
        } else {
            outln!(
                "{action}{}",
                if running {
                    ""
                } else {
                    " (saved; the daemon is not running)"
                }
            )?;
        }
        return Ok(ExitStatus::Success);
    };
    set(
        ctx,
        ControlRequest::SetDefaultAction { action },
        args.json,
        |path| {
            let plugin = PluginConfig::load(path)?;
            PluginConfig::persist(path, plugin.mode, action)
        },
    )
}

fn set(
    ctx: &Context,
    request: ControlRequest,
    json: bool,
    offline: impl FnOnce(&std::path::Path) -> Result<()>,
) -> Result<ExitStatus> {
    match send(ctx, &request) {
        Ok(response) => {
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"ok": response.ok, "message": response.message, "running": true, "data": response.data})
                )?;
            } else {
                outln!("{}", response.message)?;
            }
            Ok(if response.ok {
                ExitStatus::Success
            } else {
                ExitStatus::Failure
            })
        }
        Err(ControlError::NotRunning(_)) => {
            let path = ctx.layout.plugin_config();
            if !path.exists() {
                bail!(
                    "Prempti is not installed at {}; run `premptictl install` first",
                    ctx.layout.home.display()
                );
            }
            offline(&path)?;
            let message = "saved; it takes effect when the daemon starts (`premptictl start`)";
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"ok": true, "message": message, "running": false})
                )?;
            } else {
                outln!("{message}")?;
            }
            Ok(ExitStatus::Success)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn reload(ctx: &Context, args: &JsonArgs) -> Result<ExitStatus> {
    let response = send(ctx, &ControlRequest::Reload)?;
    let status: Option<ReloadStatus> = serde_json::from_value(response.data.clone()).ok();
    if args.json {
        outln!(
            "{}",
            serde_json::json!({"ok": response.ok, "message": response.message, "reload": response.data})
        )?;
    } else {
        let s = Styles::new(ctx.color);
        if response.ok {
            outln!("{}{}{}", s.green, response.message, s.reset)?;
        } else {
            outln!("{}{}{}", s.red, response.message, s.reset)?;
        }
        for line in status
            .iter()
            .flat_map(|st| st.errors.iter().chain(&st.warnings))
        {
            outln!("  {line}")?;
        }
    }
    Ok(if response.ok {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
