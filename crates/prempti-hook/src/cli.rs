//! Command-line arguments: `prempti-hook <agent>`, `--help`, `--version`.
//!
//! Parsed by hand from [`std::env::args_os`]: the hook has no flags beyond these and must start
//! fast.

use std::ffi::OsString;

use prempti_protocol::{Agent, PROTOCOL_VERSION};

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Gate one tool call of this agent.
    Hook(Agent),
    /// Forward one post-tool report of this agent (`<agent> --post-tool`).
    PostTool(Agent),
    /// Print [`HELP`].
    Help,
    /// Print [`version`].
    Version,
    /// The arguments are wrong; the message says how.
    Usage(String),
}

/// The `--help` text.
pub const HELP: &str = "\
prempti-hook: Prempti's pre-tool hook for AI coding agents

Usage: prempti-hook <agent>
       prempti-hook <agent> --post-tool
       prempti-hook --help | --version

<agent> is the agent whose hook entry runs this program, and decides the reply format:
  claude    Claude Code (PreToolUse, PermissionRequest)
  codex     Codex CLI (PreToolUse, PermissionRequest)
  gemini    Gemini CLI (BeforeTool)
  cursor    Cursor (preToolUse, beforeShellExecution, beforeMCPExecution, beforeReadFile)
  copilot   GitHub Copilot CLI and cloud agent (preToolUse / PreToolUse)

The agent's hook JSON is read from stdin and sent to Prempti's service, which answers allow,
deny, ask or defer; the answer is printed in the agent's own format. Register the hook with
`premptictl hook add <agent>` rather than by hand.

With --post-tool it forwards the agent's post-tool report (PostToolUse, AfterTool,
postToolUse: the call ran, and what it returned) to the service and always exits 0 with
nothing printed; `premptictl hook add <agent> --post-tool` registers it.

Environment:
  PREMPTI_HOME             install directory (default ~/.prempti)
  PREMPTI_SOCKET           service socket (default $PREMPTI_HOME/run/broker.sock)
  PREMPTI_TIMEOUT_MS       deadline for the whole exchange with the service (default 5000,
                           50..9000: below the 10 s agents are told to wait for the hook)
  PREMPTI_INPUT_MAX_BYTES  largest accepted stdin (default 8388608, 1024..15728640)
  PREMPTI_FAIL_OPEN        1: if the service fails, leave the call to the agent's own
                           permission settings instead of denying it (bad input is still denied)
  PREMPTI_DEBUG            1: print diagnostics on stderr

Prempti fails closed: if the service is missing, slow or answers nonsense, the call is denied
with a reason that says how to recover.

Exit status:
  0  the answer is on stdout in the agent's format (or stdout is empty: no opinion)
  2  the call is blocked; the reason is on stderr (used when the input is unusable, the caller's
     format is uncertain, the arguments are wrong, or the hook itself failed)
";

/// The `--version` line.
pub fn version() -> String {
    format!(
        "prempti-hook {} (protocol {PROTOCOL_VERSION})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Parses the arguments, program name included.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Command {
    let mut args = args.into_iter().skip(1);
    let Some(first) = args.next() else {
        return Command::Usage(
            "prempti-hook: missing <agent> (claude, codex, gemini, cursor or copilot); see --help"
                .into(),
        );
    };
    let first = first.to_string_lossy().into_owned();
    let command = match first.as_str() {
        "-h" | "--help" | "help" => Command::Help,
        "-V" | "--version" => Command::Version,
        name => match name.parse::<Agent>() {
            Ok(agent) => Command::Hook(agent),
            Err(e) => return Command::Usage(format!("prempti-hook: {e}; see --help")),
        },
    };
    match args.next() {
        None => command,
        Some(flag) if flag == crate::post_tool::FLAG && args.next().is_none() => match command {
            Command::Hook(agent) => Command::PostTool(agent),
            other => other,
        },
        Some(extra) => Command::Usage(format!(
            "prempti-hook: unexpected argument '{}'; usage: prempti-hook <agent>",
            extra.to_string_lossy()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Command {
        parse(
            std::iter::once("prempti-hook")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
    }

    #[test]
    fn agents_help_version_and_errors() {
        assert_eq!(parse_strs(&["claude"]), Command::Hook(Agent::ClaudeCode));
        assert_eq!(parse_strs(&["gemini_cli"]), Command::Hook(Agent::GeminiCli));
        assert_eq!(parse_strs(&["--help"]), Command::Help);
        assert_eq!(parse_strs(&["-V"]), Command::Version);
        assert!(matches!(parse_strs(&[]), Command::Usage(m) if m.contains("missing <agent>")));
        assert!(
            matches!(parse_strs(&["vim"]), Command::Usage(m) if m.contains("unknown agent 'vim'"))
        );
        assert!(
            matches!(parse_strs(&["codex", "x"]), Command::Usage(m) if m.contains("unexpected argument 'x'"))
        );
        assert_eq!(
            parse_strs(&["claude", "--post-tool"]),
            Command::PostTool(Agent::ClaudeCode)
        );
        assert!(matches!(
            parse_strs(&["claude", "--post-tool", "x"]),
            Command::Usage(_)
        ));
    }
}
