//! End-to-end suite: whole temporary installations (temporary `HOME` and `PREMPTI_HOME`, the
//! daemon detached) driven through the real `premptictl` and `prempti-hook` binaries with the
//! shipped default rules.
//!
//! - `verdicts`: allow / deny / ask / defer for every agent and hook event, the exact stdout
//!   and exit code each agent gets, and each call's audit record;
//! - `modes`: monitor and passthrough answer the default action and record the would-be
//!   verdict in `policy_decision`;
//! - `load`: mode switches under 64 concurrent clients (3200 real hook processes), 0 lost and
//!   0 misrouted verdicts, one audit record per call;
//! - `crash`: the daemon killed with SIGKILL under load (in-flight calls deny, no torn audit
//!   line, clean restart with `premptictl start`);
//! - `reload`: a broken rules file is reported as file:line:col and the old policy stays;
//! - `bad_input`: oversized, malformed and non-UTF-8 hook input is blocked in every agent's
//!   format and the daemon stays healthy;
//! - `self_protection`: an agent's shell calls that would turn Prempti off are denied, and
//!   premptictl refuses `hook remove` / `uninstall` / `stop` / `disable` without the control
//!   token or a terminal, and records the attempt.
//!
//! Every test but `tidy` runs once per engine: the embedded one, then Falco when
//! `PREMPTI_FALCO` names a binary (`make test` sets it with `scripts/setup-falco.sh`); without
//! one, each test prints a line saying its Falco run is skipped.
//!
//! The binaries come from the cargo target directory (built once by the suite with
//! `cargo build -p premptictl -p prempti-hook`; `make test` builds them first).
//! Load tests raise both deadlines to the most the hook accepts (broker 8 s, hook 9 s) so that
//! a slow machine does not turn into timeout denials, which would be correct fail-closed
//! behaviour but would hide lost verdicts. No test asserts on durations.

// Unix only: these suites kill daemons with signals, read /proc, run thousands of hook
// processes or drive agent CLIs from npm, none of which Wine (the Windows test runner here)
// does faithfully; on Windows the `smoke` suite covers the installation's whole life.
#![cfg(unix)]

mod bad_input;
mod crash;
mod load;
mod modes;
mod reload;
mod self_protection;
mod support;
mod tidy;
mod verdicts;
