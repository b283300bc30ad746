//! `prempti-hook <agent> --post-tool`: forwards the agent's post-tool report (Claude Code and
//! Codex `PostToolUse`, Gemini CLI `AfterTool`, Copilot CLI `postToolUse`) to Prempti's
//! service, so the session history learns which calls really ran and what sensitive files
//! returned (see `prempti_plugin::post_tool`).
//!
//! The call has already run: nothing here can block it. The reply is always "no opinion"
//! (exit 0, nothing printed), whatever happens — unusable input, a service that is down or
//! slow — so a report never disturbs the agent. The exchange is bounded by the same deadline
//! as a pre-tool call.

use std::io::Read;

use prempti_protocol::{Agent, HookRequest};

use crate::broker;
use crate::input;
use crate::reply::Reply;
use crate::settings::Settings;

/// The command-line flag that selects this mode.
pub const FLAG: &str = "--post-tool";

/// Forwards one post-tool report of `agent` read from `stdin`; always answers "no opinion".
pub fn run(agent: Agent, stdin: impl Read, settings: &Settings) -> Reply {
    let Ok(text) = input::read_limited(stdin, settings.input_max_bytes) else {
        return Reply::silent();
    };
    if input::parse_object(&text).is_err() {
        return Reply::silent();
    }
    let Ok(socket) = &settings.socket else {
        return Reply::silent();
    };
    let mut request = HookRequest::new(agent, crate::run::agent_pid(), crate::run::nonce(), text)
        .with_homes(settings.home.clone(), settings.prempti_home.clone());
    request.post_tool = true;
    let _ = broker::exchange(socket, &request, settings.timeout);
    Reply::silent()
}
