//! Real-agent suite: Claude Code, Gemini CLI, Codex CLI, GitHub Copilot CLI, Qwen Code and
//! OpenCode, installed from npm at pinned versions
//! (`scripts/setup-agents.sh`), each pointed at a scripted model server of this crate
//! (`prempti_e2e::fake_models`) and protected by a real Prempti installation (`premptictl install`
//! in a temporary HOME, the agent's hook registered by `premptictl hook add <agent>`).
//!
//! For each agent: a call the default rules deny is not executed and the model receives the rule
//! name and reason; a harmless call runs; in monitor mode the denied call runs and the audit log
//! records the would-deny; with the service stopped the call is refused (fail closed); then, for
//! the agents whose transcripts it reads, `premptictl scan` finds each of these calls in the
//! transcripts the CLI wrote, with the verdict the daemon recorded. With the post-tool hook
//! registered, every agent's reports let a secret value read earlier be recognized when a later
//! call sends it.
//! Claude Code also: a Write and an Edit the rules deny, an ask (a deny in `-p` mode) and a
//! subagent's call; Codex also an `apply_patch` to a sensitive path; Gemini CLI and Codex an ask
//! (answered as a deny); Qwen Code and OpenCode file tools, and a Qwen Code ask.
//!
//! A marker file that the command would create proves whether it ran. Every agent run is
//! bounded (`support::AGENT_TIMEOUT`, the process group is killed on expiry); `PREMPTI_AGENT_JOBS`
//! sessions run at a time. The suite skips
//! with a clear line only when the npm registry cannot be reached outside CI.

// Unix only: these suites kill daemons with signals, read /proc, run thousands of hook
// processes or drive agent CLIs from npm, none of which Wine (the Windows test runner here)
// does faithfully; on Windows the `smoke` suite covers the installation's whole life.
#![cfg(unix)]

mod agent;
mod claude;
mod codex;
mod copilot;
mod gemini;
mod opencode;
mod qwen;
mod support;
