//! Exit statuses of `premptictl`, documented once.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the command did what was asked (for checks: everything is healthy / valid).
    Success,
    /// 1: the command ran but the answer is negative (invalid rules, failed rule tests,
    /// unhealthy service, missing hooks).
    Failure,
    /// 2: the command could not run (bad input, I/O error, service unreachable when required).
    Error,
    /// 64: the command line itself is wrong.
    Usage,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Usage => ExitCode::from(64),
        }
    }
}
