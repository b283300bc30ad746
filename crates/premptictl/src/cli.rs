//! The command line, declared once with clap. Each subcommand's arguments live here; the code
//! that runs them lives in `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use prempti_protocol::{Agent, DefaultAction, Mode};

/// Prempti: policy and visibility for AI coding agents.
///
/// Every tool call your agent announces goes through `prempti-hook` to the Prempti service,
/// which evaluates it against Falco rules and answers allow, deny or ask.
#[derive(Debug, Parser)]
#[command(
    name = "premptictl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Prempti's install directory [default: $PREMPTI_HOME, else ~/.prempti].
    // Not clap's `env`: an exported but empty PREMPTI_HOME must mean "unset", as it does for
    // the hook (`prempti_protocol::paths::prempti_home`).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// When to colour output (NO_COLOR is honoured in `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// All commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install Prempti under the install directory, register the Claude Code hook and start
    /// the service. Running it again upgrades in place and changes nothing else.
    Install(InstallArgs),
    /// Stop the service, unregister every hook and remove the installation. Your user rules
    /// and audit log are deleted only when you confirm (on a terminal) or pass `--yes`.
    /// Needs proof a person asked: the daemon's control token, or `yes` typed on the terminal.
    Uninstall(UninstallArgs),
    /// Start the service.
    Start,
    /// Stop the service (hook calls are then denied: Prempti fails closed). Needs the
    /// daemon's control token or `yes` typed on the terminal.
    Stop,
    /// Restart the service.
    Restart,
    /// Start the service at login (systemd user unit or launchd agent).
    Enable,
    /// Do not start the service at login. Needs the daemon's control token (when it runs) or
    /// `yes` typed on the terminal.
    Disable,
    /// Show the service's state: engine, mode, rules, counters, last reload errors.
    Status(JsonArgs),
    /// Send a synthetic tool call through the real hook and the running service.
    Health(HealthArgs),
    /// Show or set the enforcement mode.
    Mode(ModeArgs),
    /// Show or set the verdict given when no rule denies or asks.
    DefaultAction(DefaultActionArgs),
    /// Recompile the rules and swap them in; on errors the current policy stays enforced.
    Reload(JsonArgs),
    /// Register, unregister or check Prempti's hook in each agent's settings.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Show tool calls as they are decided, one block per call.
    Logs(LogsArgs),
    /// Query the audit log.
    Audit(AuditArgs),
    /// Validate, evaluate, test, explain and replay rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Judge what your agents already did: read their transcripts on this machine and evaluate
    /// every recorded tool call against the rules. Reads only; writes nothing.
    Scan(ScanArgs),
    /// Run the service in the foreground (used by systemd, launchd and `start`).
    Daemon(DaemonArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print version information.
    Version(JsonArgs),
}

/// `--json` alone.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// Which service manager runs the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceKind {
    /// systemd user unit where `systemctl --user` works, launchd on macOS, the Run key on
    /// Windows, else detached.
    Auto,
    /// A systemd user unit.
    Systemd,
    /// A launchd agent (macOS).
    Launchd,
    /// A detached background process (no service manager).
    Detached,
    /// Windows: a detached process started at logon by the per-user Run key.
    RunKey,
}

/// Which engine evaluates the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// The rule engine built into premptictl (no Falco needed).
    Embedded,
    /// A Falco binary loading the coding_agent plugin.
    Falco,
}

/// `install`
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Directory holding the built `prempti-hook`, `premptictl` and plugin library
    /// (default: the directory of this premptictl binary).
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Directory holding `prempti-hook` when it is built apart (e.g. `target/hook` for the
    /// `hook` profile); default: `--from`.
    #[arg(long, value_name = "DIR")]
    pub hook_from: Option<PathBuf>,
    /// Repository directory holding `rules/` and `installers/` (default: found from `--from`).
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// Service manager to use.
    #[arg(long, value_enum, default_value_t = ServiceKind::Auto)]
    pub service: ServiceKind,
    /// Engine for a new installation (an existing configuration is kept).
    #[arg(long, value_enum)]
    pub engine: Option<EngineKind>,
    /// Falco binary to use with `--engine falco`.
    #[arg(long, value_name = "PATH")]
    pub falco: Option<PathBuf>,
    /// Do not register the Claude Code hook.
    #[arg(long)]
    pub no_hook: bool,
    /// Do not start the service.
    #[arg(long)]
    pub no_start: bool,
}

/// `uninstall`
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Keep `rules/user/` without asking.
    #[arg(long)]
    pub keep_user_rules: bool,
    /// Delete the user rules and the audit log without asking (unless `--keep-user-rules`).
    /// Without it, uninstall asks on a terminal and keeps them otherwise.
    #[arg(long, short)]
    pub yes: bool,
}

/// `health`
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
    /// Deadline for the synthetic call, in milliseconds.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    pub timeout_ms: u64,
}

/// `mode`
#[derive(Debug, Args)]
pub struct ModeArgs {
    /// The new mode; omit to print the current one.
    #[arg(value_enum)]
    pub mode: Option<ModeArg>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// Enforcement modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Enforce deny and ask verdicts.
    Guardrails,
    /// Evaluate and log what would be denied or asked, answer the default action.
    Monitor,
    /// Answer the default action at once, evaluate in the background.
    Passthrough,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Guardrails => Mode::Guardrails,
            ModeArg::Monitor => Mode::Monitor,
            ModeArg::Passthrough => Mode::Passthrough,
        }
    }
}

/// `default-action`
#[derive(Debug, Args)]
pub struct DefaultActionArgs {
    /// The new default action; omit to print the current one.
    #[arg(value_enum)]
    pub action: Option<DefaultActionArg>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// Default actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DefaultActionArg {
    /// Allow calls no rule objects to (skips the agent's own prompt where it has one).
    Allow,
    /// Leave calls no rule objects to to the agent's own permission flow.
    Defer,
}

impl From<DefaultActionArg> for DefaultAction {
    fn from(a: DefaultActionArg) -> Self {
        match a {
            DefaultActionArg::Allow => DefaultAction::Allow,
            DefaultActionArg::Defer => DefaultAction::Defer,
        }
    }
}

/// An agent name on the command line, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    /// Claude Code.
    Claude,
    /// Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
    /// Cursor.
    Cursor,
    /// GitHub Copilot.
    Copilot,
    /// Qwen Code.
    Qwen,
    /// OpenCode.
    Opencode,
    /// Factory Droid.
    Droid,
    /// Every agent.
    All,
}

impl AgentArg {
    /// The agents this argument stands for.
    pub fn agents(self) -> Vec<Agent> {
        match self {
            AgentArg::Claude => vec![Agent::ClaudeCode],
            AgentArg::Codex => vec![Agent::Codex],
            AgentArg::Gemini => vec![Agent::GeminiCli],
            AgentArg::Cursor => vec![Agent::Cursor],
            AgentArg::Copilot => vec![Agent::Copilot],
            AgentArg::Qwen => vec![Agent::QwenCode],
            AgentArg::Opencode => vec![Agent::OpenCode],
            AgentArg::Droid => vec![Agent::Droid],
            AgentArg::All => Agent::ALL.to_vec(),
        }
    }
}

/// A single agent on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SingleAgentArg {
    /// Claude Code.
    Claude,
    /// Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
    /// Cursor.
    Cursor,
    /// GitHub Copilot.
    Copilot,
    /// Qwen Code.
    Qwen,
    /// OpenCode.
    Opencode,
    /// Factory Droid.
    Droid,
}

impl From<SingleAgentArg> for Agent {
    fn from(a: SingleAgentArg) -> Self {
        match a {
            SingleAgentArg::Claude => Agent::ClaudeCode,
            SingleAgentArg::Codex => Agent::Codex,
            SingleAgentArg::Gemini => Agent::GeminiCli,
            SingleAgentArg::Cursor => Agent::Cursor,
            SingleAgentArg::Copilot => Agent::Copilot,
            SingleAgentArg::Qwen => Agent::QwenCode,
            SingleAgentArg::Opencode => Agent::OpenCode,
            SingleAgentArg::Droid => Agent::Droid,
        }
    }
}

/// `hook ...`
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Register Prempti's hook in the agent's user settings (atomic edit, backup kept).
    Add(HookArgs),
    /// Remove Prempti's hook from the agent's user settings, leaving everything else as it was.
    /// Needs the daemon's control token (when it runs) or `yes` typed on the terminal.
    Remove(HookArgs),
    /// Report missing, duplicate, stale and foreign hook entries.
    Status(HookArgs),
}

/// Arguments shared by the `hook` subcommands.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// The agent, or `all`.
    #[arg(value_enum, default_value_t = AgentArg::All)]
    pub agent: AgentArg,
    /// With `add`: also register the post-tool hook (Claude Code and Codex PostToolUse, Gemini
    /// CLI AfterTool, Copilot CLI postToolUse), so asked calls set their session marks only
    /// once they ran and secret values read from sensitive files are recognized in later
    /// calls. Off by default: it runs the hook a second time per call.
    #[arg(long)]
    pub post_tool: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// `logs`
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep printing new calls as they arrive.
    #[arg(short, long)]
    pub follow: bool,
    /// Show the last N calls first.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub tail: usize,
    /// Only these verdicts (comma-separated: deny,ask,allow,defer).
    #[arg(long, value_delimiter = ',', value_name = "VERDICTS")]
    pub show: Vec<String>,
    /// Print the raw audit lines.
    #[arg(long)]
    pub json: bool,
    /// Also show `premptictl health`'s synthetic calls.
    #[arg(long)]
    pub include_health: bool,
}

/// `audit`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    /// Summaries instead of records.
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// The filters.
    #[command(flatten)]
    pub filter: AuditFilter,
}

/// `audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Calls, verdicts, top rules and per-session counts.
    Stats(AuditFilter),
}

/// Filters over audit records.
#[derive(Debug, Clone, Args)]
pub struct AuditFilter {
    /// Only calls at or after this time (RFC 3339, or a duration ago such as `1h`, `30m`, `2d`).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only this session id.
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Only this verdict (allow, deny, ask, defer).
    #[arg(long, value_name = "VERDICT")]
    pub verdict: Option<String>,
    /// Only calls this rule matched.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// Audit file to read (default: the installation's log/audit.jsonl and its rotations).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Also count `premptictl health`'s synthetic calls (left out by default).
    #[arg(long)]
    pub include_health: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// `rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check rules files as the daemon would load them: after the installed default rules and
    /// the user rules named before them (`--standalone`: the files alone, in the given order).
    Validate(RulesValidateArgs),
    /// Evaluate one hook payload against rules files.
    Eval(RulesEvalArgs),
    /// Run rule fixtures (`rules/tests/` by default) and print `N passed, N failed`.
    Test(RulesTestArgs),
    /// Explain the verdict for one event: the verdict, the rules that decided it, the rules
    /// that matched and which checks made them match (`--all`: every rule, with the values seen).
    Explain(RulesExplainArgs),
    /// Re-evaluate recorded calls against the installed rules plus candidate rules files and
    /// list verdicts that would change (`--standalone`: the candidates alone).
    Replay(RulesReplayArgs),
}

/// `rules validate`
#[derive(Debug, Args)]
pub struct RulesValidateArgs {
    /// Rules files. A file named like a default rules file takes its place; any other is
    /// checked as a user rules file, loaded after the default rules among the installed user
    /// files by name, and before the seen rules (the installation's, else the repository's
    /// `rules/`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Check the files alone, loaded in the given order into one namespace, without the
    /// installed rules.
    #[arg(long)]
    pub standalone: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
    /// Print exactly what `falco -V FILE...` prints for the files alone (implies
    /// `--standalone`): `falco` for its text, `falco-json` for its JSON (`json_output: true`).
    #[arg(long, value_name = "FORMAT", value_parser = ["falco", "falco-json"], conflicts_with = "json")]
    pub format: Option<String>,
}

/// `rules eval`
#[derive(Debug, Args)]
pub struct RulesEvalArgs {
    /// Rules files, in load order (repeatable).
    #[arg(long = "rules", required = true, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// The agent's raw hook stdin JSON (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
    /// The agent's home directory, as its hook would report it (home-relative rules use it;
    /// the installation is `--home`).
    #[arg(long, env = "HOME", value_name = "DIR")]
    pub user_home: Option<String>,
    /// Which agent sent the payload.
    #[arg(long, value_enum, default_value_t = SingleAgentArg::Claude)]
    pub agent: SingleAgentArg,
    /// Evaluate in this mode instead of guardrails (monitor and passthrough answer the
    /// configured default action and report what the rules would have done).
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// `rules test`
#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Fixture directory (default: `rules/tests` of the installation, else of the repository).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Rules files to test instead of the installed default and user rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
    /// Measure a labelled corpus (cases with `class:`/`kind:`): print the per-class figures,
    /// count failures instead of listing them (list them with --verbose), and exit 0 unless
    /// the rules or the fixtures fail to load.
    #[arg(long)]
    pub corpus: bool,
}

/// `rules explain`
#[derive(Debug, Args)]
pub struct RulesExplainArgs {
    /// The agent's raw hook stdin JSON (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
    /// Rules files (default: the installed default, user and seen rules).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// The agent's home directory, as its hook would report it (home-relative rules use it;
    /// the installation is `--home`).
    #[arg(long, env = "HOME", value_name = "DIR")]
    pub user_home: Option<String>,
    /// Which agent sent the payload.
    #[arg(long, value_enum, default_value_t = SingleAgentArg::Claude)]
    pub agent: SingleAgentArg,
    /// Only rules that matched (in `--json`; the text lists only those unless `--all`).
    #[arg(long, conflicts_with = "all")]
    pub matched_only: bool,
    /// Every rule, not only those that matched, each with the checks that decided it and the
    /// field values it saw.
    #[arg(long)]
    pub all: bool,
    /// Evaluate in this mode instead of guardrails (monitor and passthrough answer the
    /// configured default action and report what the rules would have done).
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
    /// The session history to judge the event in (default: the installation's
    /// state/sessions.jsonl, read only): the event's session, as the daemon keeps it, feeds the
    /// session.* fields and is shown with the verdict.
    #[arg(long, value_name = "FILE")]
    pub sessions: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// `rules replay`
#[derive(Debug, Args)]
pub struct RulesReplayArgs {
    /// Candidate rules files (repeatable), placed among the installed rules as `rules validate`
    /// places them: a file named like a default rules file replaces it, any other is a user
    /// rules file.
    #[arg(long = "rules", required = true, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Replay against the candidate files alone, in the given order, without the installed
    /// rules.
    #[arg(long)]
    pub standalone: bool,
    /// Audit log to replay (default: the installation's log/audit.jsonl).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Replay the tool calls of the agents' transcripts (what `premptictl scan` reads) instead
    /// of the audit log: each call's verdict under the installed rules is compared with its
    /// verdict under the candidates, so calls made before Prempti was installed count too.
    #[arg(long, conflicts_with = "audit")]
    pub transcripts: bool,
    /// With --transcripts: which agent's transcripts to read.
    #[arg(long, value_enum, default_value_t = ScanAgentArg::All)]
    pub agent: ScanAgentArg,
    /// With --transcripts: only calls at or after this time (RFC 3339, or a duration ago such
    /// as `12h`, `30d`).
    #[arg(long, value_name = "WHEN", requires = "transcripts")]
    pub since: Option<String>,
    /// With --transcripts: only calls made in this directory or below it.
    #[arg(long, value_name = "DIR", requires = "transcripts")]
    pub project: Option<PathBuf>,
    /// With --transcripts: the home directory whose agents' transcripts are read.
    #[arg(long, env = "HOME", value_name = "DIR")]
    pub user_home: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// `scan`
#[derive(Debug, Args)]
#[command(
    after_help = "Transcripts read (under HOME): Claude Code ~/.claude/projects/*/*.jsonl, \
Codex ~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl, Gemini CLI ~/.gemini/tmp/*/chats/*.jsonl, \
Copilot CLI ~/.copilot/session-state/*/events.jsonl (CLAUDE_CONFIG_DIR, CODEX_HOME and \
COPILOT_HOME are honoured). Lines that are damaged, unknown or longer than the limit are counted \
and skipped.\n\nExit status: 0 the scan ran (whatever it found), 2 the rules do not load, \
64 a usage error."
)]
pub struct ScanArgs {
    /// Which agent's transcripts to read.
    #[arg(long, value_enum, default_value_t = ScanAgentArg::All)]
    pub agent: ScanAgentArg,
    /// Only calls at or after this time (RFC 3339, or a duration ago such as `12h`, `30d`).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only calls made in this directory or below it.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Rules files, in load order (repeatable; default: the installed default, user and seen
    /// rules). With --diff, the candidate rules.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Compare: list the calls whose verdict the --rules candidate would change against the
    /// baseline (the installed rules, or --baseline).
    #[arg(long, requires = "rules")]
    pub diff: bool,
    /// Baseline rules files for --diff (repeatable; default: the installed rules).
    #[arg(long = "baseline", value_name = "FILE", requires = "diff")]
    pub baseline: Vec<PathBuf>,
    /// How many of the worst calls to show.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub examples: usize,
    /// Longest transcript line read, in bytes; longer lines are skipped and counted.
    #[arg(long, default_value_t = crate::scan::DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    pub max_line_bytes: usize,
    /// The home directory whose agents' transcripts are read (also what the hook would report
    /// as the agent's home).
    #[arg(long, env = "HOME", value_name = "DIR")]
    pub user_home: Option<PathBuf>,
    /// Print the summary and every evaluated call as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The agents `scan` reads transcripts of (Cursor keeps none it could read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanAgentArg {
    /// Claude Code.
    Claude,
    /// Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
    /// GitHub Copilot CLI.
    Copilot,
    /// Every agent above.
    All,
}

/// `daemon`
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Override the configured engine for this run.
    #[arg(long, value_enum)]
    pub engine: Option<EngineKind>,
}

/// `completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
