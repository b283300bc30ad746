//! `premptictl hook add <agent> --post-tool`: the optional post-tool hook.
//!
//! Besides the pre-tool entry, registers `prempti-hook <agent> --post-tool` on the agent's
//! post-tool event (Claude Code and Codex `PostToolUse`, Gemini CLI `AfterTool`, Copilot CLI
//! `postToolUse`; Cursor has none Prempti uses), so the session history learns which calls
//! really ran and what sensitive reads returned (`prempti_plugin::post_tool`). It is off by
//! default: it runs the hook a second time for every call (see BENCHMARKS.md for the cost).
//!
//! The entry is an ordinary Prempti entry for `hook remove` (which takes out every Prempti
//! handler of every event) and `hook status`. Adding it again changes nothing.

use anyhow::{bail, Result};
use prempti_protocol::paths::Layout;
use prempti_protocol::Agent;
use serde_json::{Map, Value};

use super::{command, file, handlers_of, spec, HookEnv, Shape};

/// The word after the agent argument that selects the post-tool mode of `prempti-hook`.
pub(crate) const FLAG: &str = "--post-tool";

/// The post-tool event of `agent`, if Prempti registers one.
pub(crate) fn event(agent: Agent) -> Option<&'static str> {
    match agent {
        Agent::ClaudeCode | Agent::Codex => Some("PostToolUse"),
        Agent::GeminiCli => Some("AfterTool"),
        Agent::Copilot => Some("postToolUse"),
        Agent::Cursor => None,
    }
}

/// Whether `doc` has a Prempti post-tool handler on `event`.
fn registered(agent: Agent, doc: &Map<String, Value>, event: &str) -> bool {
    let spec = spec(agent);
    doc.get("hooks")
        .and_then(|h| h.get(event))
        .and_then(Value::as_array)
        .is_some_and(|items| {
            items.iter().any(|item| {
                handlers_of(spec.shape(), item).into_iter().any(|(_, h)| {
                    spec.handler_commands(h).into_iter().any(|c| {
                        command::recognize(c, spec.shell()).is_some()
                            && command::split_words(c, spec.shell())
                                .iter()
                                .any(|w| w == FLAG)
                    })
                })
            })
        })
}

/// Registers the post-tool hook of `agent` (its pre-tool hook is registered by
/// [`super::add_with`] first). Returns whether the settings file changed; an agent without a
/// post-tool event is an error saying so.
pub fn add_with(layout: &Layout, agent: Agent, env: &HookEnv) -> Result<bool> {
    let Some(event) = event(agent) else {
        bail!(
            "{} has no post-tool hook Prempti can use; register it without --post-tool",
            agent.display_name()
        );
    };
    let spec = spec(agent);
    let settings = file::read(&spec.settings_file(env)?)?;
    if registered(agent, &settings.doc, event) {
        return Ok(false);
    }
    let mut doc = settings.doc.clone();
    let command = command::build(
        &super::expected_binary(layout),
        &format!("{} {FLAG}", agent.cli_name()),
        spec.shell(),
    );
    let Value::Object(hooks) = doc
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
    else {
        bail!(
            "\"hooks\" in {} is not a JSON object; fix the file by hand, Prempti will not overwrite it",
            settings.path.display()
        );
    };
    let Value::Array(list) = hooks
        .entry(event)
        .or_insert_with(|| Value::Array(Vec::new()))
    else {
        bail!(
            "\"hooks.{event}\" in {} is not a JSON array; fix the file by hand, Prempti will not overwrite it",
            settings.path.display()
        );
    };
    let mut handler = spec.handler(event, &command, env);
    // The call has run when the report comes: nothing for a failing hook to block.
    if let Some(h) = handler.as_object_mut() {
        h.remove("onFailure");
    }
    list.push(match spec.shape() {
        Shape::Nested => spec.group(handler),
        Shape::Flat => handler,
    });
    file::write_atomic(&settings.path, &file::render(&doc, &settings.style)?)?;
    Ok(true)
}
