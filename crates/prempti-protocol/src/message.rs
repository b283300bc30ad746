//! Hook ↔ broker messages and the verdict vocabulary.
//!
//! # Format (protocol version 1)
//!
//! Each message is one JSON object inside one frame (see [`crate::frame`]).
//!
//! Request, hook → broker:
//!
//! ```json
//! {"version":1,"agent":"claude_code","agent_pid":4242,"hook_pid":4243,"nonce":7,
//!  "payload":"<the agent's stdin, verbatim>","home":"/home/u","prempti_home":"/home/u/.prempti"}
//! ```
//!
//! `home` and `prempti_home` are optional (absent when unknown; hooks older than these keys
//! never send them): `home` is the agent's user home directory as the hook sees it (`HOME`, or
//! `USERPROFILE` on Windows), `prempti_home` the installation directory the hook resolved
//! (`PREMPTI_HOME`, else `<home>/.prempti`). Both are sent as found, not canonicalized; the
//! broker resolves them (`agent.home`, `prempti.home`), since the broker and the agent need not
//! share an environment.
//!
//! Response, broker → hook:
//!
//! ```json
//! {"version":1,"nonce":7,"correlation_id":12,"decision":"deny","reason":"Rule name: message"}
//! ```
//!
//! The `nonce` is chosen by the hook and echoed by the broker; a response whose version or nonce
//! differs from the request is rejected by the hook (fail closed). Unknown keys are ignored in
//! both directions so either side can grow optional fields within one version.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Version of the hook ↔ broker message format. Bumped on incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// The coding agents Prempti integrates with.
///
/// The serialized form is the value of the `agent.name` field (`claude_code`, `codex`,
/// `gemini_cli`, `cursor`, `copilot`); [`Agent::cli_name`] is the short name used on command
/// lines (`prempti-hook claude`, `premptictl hook add gemini`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agent {
    /// Anthropic Claude Code.
    ClaudeCode,
    /// OpenAI Codex CLI.
    Codex,
    /// Google Gemini CLI.
    GeminiCli,
    /// Cursor.
    Cursor,
    /// GitHub Copilot CLI / coding agent.
    Copilot,
}

impl Agent {
    /// Every supported agent, in the order they are documented.
    pub const ALL: [Agent; 5] = [
        Agent::ClaudeCode,
        Agent::Codex,
        Agent::GeminiCli,
        Agent::Cursor,
        Agent::Copilot,
    ];

    /// The value of the `agent.name` field.
    pub fn field_name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude_code",
            Agent::Codex => "codex",
            Agent::GeminiCli => "gemini_cli",
            Agent::Cursor => "cursor",
            Agent::Copilot => "copilot",
        }
    }

    /// The short name used on command lines.
    pub fn cli_name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude",
            Agent::Codex => "codex",
            Agent::GeminiCli => "gemini",
            Agent::Cursor => "cursor",
            Agent::Copilot => "copilot",
        }
    }

    /// The human name of the agent, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::GeminiCli => "Gemini CLI",
            Agent::Cursor => "Cursor",
            Agent::Copilot => "GitHub Copilot",
        }
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// Error returned when a name does not parse as one of our enums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseNameError {
    /// What was being parsed (`agent`, `mode`, ...).
    pub what: &'static str,
    /// The rejected input.
    pub input: String,
    /// The accepted spellings.
    pub expected: &'static str,
}

impl fmt::Display for ParseNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} '{}' (expected one of: {})",
            self.what, self.input, self.expected
        )
    }
}

impl std::error::Error for ParseNameError {}

impl FromStr for Agent {
    type Err = ParseNameError;

    /// Accepts both the command-line name (`claude`) and the field name (`claude_code`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Agent::ALL
            .into_iter()
            .find(|a| a.cli_name() == s || a.field_name() == s)
            .ok_or_else(|| ParseNameError {
                what: "agent",
                input: s.to_owned(),
                expected: "claude, codex, gemini, cursor, copilot",
            })
    }
}

/// The answer for one tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Let the call run without asking the user.
    Allow,
    /// Block the call; the reason is shown to the model.
    Deny,
    /// Ask the user to confirm.
    Ask,
    /// Express no opinion: the agent's own permission flow decides.
    Defer,
}

impl Decision {
    /// The lowercase wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::Ask => "ask",
            Decision::Defer => "defer",
        }
    }

    /// Severity used to combine verdicts: deny > ask > allow/defer.
    pub fn severity(self) -> u8 {
        match self {
            Decision::Deny => 2,
            Decision::Ask => 1,
            Decision::Allow | Decision::Defer => 0,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(Decision::Allow),
            "deny" => Ok(Decision::Deny),
            "ask" => Ok(Decision::Ask),
            "defer" => Ok(Decision::Defer),
            _ => Err(ParseNameError {
                what: "decision",
                input: s.to_owned(),
                expected: "allow, deny, ask, defer",
            }),
        }
    }
}

/// How verdicts are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Enforce deny and ask verdicts.
    #[default]
    Guardrails,
    /// Evaluate and log "would deny/ask", answer with the default action.
    Monitor,
    /// Answer the default action at once, evaluate in the background.
    Passthrough,
}

impl Mode {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Guardrails => "guardrails",
            Mode::Monitor => "monitor",
            Mode::Passthrough => "passthrough",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "guardrails" => Ok(Mode::Guardrails),
            "monitor" => Ok(Mode::Monitor),
            "passthrough" => Ok(Mode::Passthrough),
            _ => Err(ParseNameError {
                what: "mode",
                input: s.to_owned(),
                expected: "guardrails, monitor, passthrough",
            }),
        }
    }
}

/// The verdict given when no rule asks for deny or ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultAction {
    /// Allow the call explicitly.
    Allow,
    /// Leave the decision to the agent's own permission flow.
    #[default]
    Defer,
}

impl DefaultAction {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultAction::Allow => "allow",
            DefaultAction::Defer => "defer",
        }
    }

    /// The decision this default stands for.
    pub fn decision(self) -> Decision {
        match self {
            DefaultAction::Allow => Decision::Allow,
            DefaultAction::Defer => Decision::Defer,
        }
    }
}

impl fmt::Display for DefaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DefaultAction {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(DefaultAction::Allow),
            "defer" => Ok(DefaultAction::Defer),
            _ => Err(ParseNameError {
                what: "default action",
                input: s.to_owned(),
                expected: "allow, defer",
            }),
        }
    }
}

/// One tool call, as the hook hands it to the broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRequest {
    /// Always [`PROTOCOL_VERSION`] when built by this crate.
    pub version: u32,
    /// The agent whose format the payload is in: the one named on the hook's command line,
    /// or, when the hook recognizes another agent's payload (Cursor and Copilot can run
    /// Claude-format hooks), that agent, so the broker parses the payload by its real shape.
    pub agent: Agent,
    /// Pid of the agent process (the hook's parent), for correlation.
    pub agent_pid: u32,
    /// Pid of the hook process itself.
    #[serde(default)]
    pub hook_pid: u32,
    /// Chosen by the hook, echoed in the response.
    pub nonce: u64,
    /// The agent's stdin, verbatim. The hook has checked it is UTF-8 and within the size
    /// limit; the broker parses and validates it.
    pub payload: String,
    /// The agent's user home directory as the hook sees it (`HOME`, or `USERPROFILE` on
    /// Windows); `None` when unset, empty or not UTF-8, and from hooks that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// The installation directory the hook resolved (`PREMPTI_HOME`, else `<home>/.prempti`);
    /// `None` when it could not be resolved, and from hooks that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prempti_home: Option<String>,
    /// The payload is the agent's post-tool report (`prempti-hook <agent> --post-tool`): the
    /// call already ran, nothing is decided, and the broker answers at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub post_tool: bool,
}

impl HookRequest {
    /// Builds a request for the current protocol version.
    pub fn new(agent: Agent, agent_pid: u32, nonce: u64, payload: String) -> Self {
        HookRequest {
            version: PROTOCOL_VERSION,
            agent,
            agent_pid,
            hook_pid: std::process::id(),
            nonce,
            payload,
            home: None,
            prempti_home: None,
            post_tool: false,
        }
    }

    /// Sets the agent's home and the resolved installation directory; empty strings count as
    /// unknown.
    pub fn with_homes(mut self, home: Option<String>, prempti_home: Option<String>) -> Self {
        self.home = home.filter(|h| !h.is_empty());
        self.prempti_home = prempti_home.filter(|h| !h.is_empty());
        self
    }
}

/// The broker's verdict for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookResponse {
    /// Always [`PROTOCOL_VERSION`] when built by this crate.
    pub version: u32,
    /// The request's nonce.
    pub nonce: u64,
    /// Monotonic id the broker gave this call (also in the audit log and alerts).
    pub correlation_id: u64,
    /// The verdict.
    pub decision: Decision,
    /// Why: `<rule name>: <rendered output>` for rule verdicts, empty when there is nothing to say.
    #[serde(default)]
    pub reason: String,
}

impl HookResponse {
    /// Builds a response for the current protocol version.
    pub fn new(nonce: u64, correlation_id: u64, decision: Decision, reason: String) -> Self {
        HookResponse {
            version: PROTOCOL_VERSION,
            nonce,
            correlation_id,
            decision,
            reason,
        }
    }

    /// Checks that this response answers `request`.
    pub fn matches(&self, request: &HookRequest) -> Result<(), ResponseMismatch> {
        if self.version != request.version {
            return Err(ResponseMismatch::Version {
                expected: request.version,
                got: self.version,
            });
        }
        if self.nonce != request.nonce {
            return Err(ResponseMismatch::Nonce {
                expected: request.nonce,
                got: self.nonce,
            });
        }
        Ok(())
    }
}

/// Why a response does not belong to its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseMismatch {
    /// The broker speaks another protocol version.
    Version {
        /// Version sent.
        expected: u32,
        /// Version received.
        got: u32,
    },
    /// The response answers another request.
    Nonce {
        /// Nonce sent.
        expected: u64,
        /// Nonce received.
        got: u64,
    },
}

impl fmt::Display for ResponseMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseMismatch::Version { expected, got } => {
                write!(
                    f,
                    "broker answered protocol version {got}, the hook speaks {expected}"
                )
            }
            ResponseMismatch::Nonce { expected, got } => {
                write!(f, "broker answered request {got} instead of {expected}")
            }
        }
    }
}

impl std::error::Error for ResponseMismatch {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_names_round_trip() {
        for agent in Agent::ALL {
            assert_eq!(agent.cli_name().parse::<Agent>().unwrap(), agent);
            assert_eq!(agent.field_name().parse::<Agent>().unwrap(), agent);
            let json = serde_json::to_string(&agent).unwrap();
            assert_eq!(json, format!("\"{}\"", agent.field_name()));
        }
        assert!("vim".parse::<Agent>().is_err());
    }

    #[test]
    fn severity_orders_deny_over_ask_over_defaults() {
        assert!(Decision::Deny.severity() > Decision::Ask.severity());
        assert!(Decision::Ask.severity() > Decision::Allow.severity());
        assert_eq!(Decision::Allow.severity(), Decision::Defer.severity());
    }

    #[test]
    fn mismatched_nonce_and_version_are_rejected() {
        let request = HookRequest::new(Agent::Codex, 1, 99, "{}".into());
        let mut response = HookResponse::new(98, 1, Decision::Allow, String::new());
        assert_eq!(
            response.matches(&request),
            Err(ResponseMismatch::Nonce {
                expected: 99,
                got: 98
            })
        );
        response.nonce = 99;
        response.version = 2;
        assert!(matches!(
            response.matches(&request),
            Err(ResponseMismatch::Version { .. })
        ));
    }

    #[test]
    fn homes_are_optional_on_the_wire() {
        let old = r#"{"version":1,"agent":"codex","agent_pid":1,"nonce":2,"payload":"{}"}"#;
        let request: HookRequest = serde_json::from_str(old).unwrap();
        assert_eq!(
            (request.home.as_deref(), request.prempti_home.as_deref()),
            (None, None)
        );
        let bare = serde_json::to_string(&request).unwrap();
        assert!(
            !bare.contains("home"),
            "absent homes are not serialized: {bare}"
        );

        let request = HookRequest::new(Agent::Codex, 1, 2, "{}".into())
            .with_homes(Some("/srv/users/dev".into()), Some(String::new()));
        assert_eq!(request.home.as_deref(), Some("/srv/users/dev"));
        assert_eq!(request.prempti_home, None, "an empty value is unknown");
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains(r#""home":"/srv/users/dev""#), "{json}");
        assert!(!json.contains("prempti_home"), "{json}");
        let back: HookRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn unknown_response_keys_are_tolerated() {
        let json = r#"{"version":1,"nonce":3,"correlation_id":4,"decision":"ask","reason":"r","extra":true}"#;
        let response: HookResponse = serde_json::from_str(json).unwrap();
        assert_eq!(response.decision, Decision::Ask);
    }
}
