//! What the hook hands back to the agent: stdout, stderr and an exit code.
//!
//! Every agent understands exit status 2 with the reason on stderr and nothing on stdout as
//! "block this call" (Claude Code, Codex — which needs the stderr to be non-empty —, Gemini CLI,
//! Cursor and Copilot all document it), so [`Reply::block`] is the answer used whenever the
//! caller's own output format is unknown or uncertain.

use std::io::{self, Write};

use prempti_protocol::Decision;
use serde_json::Value;

/// Exit status that every supported agent treats as "block the call".
pub const BLOCK_EXIT_CODE: u8 = 2;

/// A verdict to render: what to do and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// Why; may be empty for allow and defer.
    pub reason: String,
}

impl Verdict {
    /// A verdict with a reason.
    pub fn new(decision: Decision, reason: impl Into<String>) -> Self {
        Verdict {
            decision,
            reason: reason.into(),
        }
    }
}

/// The hook's complete answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// Printed on stdout (already newline-terminated when not empty).
    pub stdout: String,
    /// Printed on stderr (already newline-terminated when not empty).
    pub stderr: String,
    /// The exit status.
    pub code: u8,
}

impl Reply {
    /// Exit 0 with nothing printed: "no opinion" for every agent.
    pub fn silent() -> Self {
        Reply::default()
    }

    /// Exit 0 with one JSON object on stdout.
    pub fn json(value: &Value) -> Self {
        Reply {
            stdout: format!("{value}\n"),
            stderr: String::new(),
            code: 0,
        }
    }

    /// The universal block: exit 2, the reason on stderr, nothing on stdout.
    pub fn block(reason: &str) -> Self {
        Reply {
            stdout: String::new(),
            stderr: line(reason),
            code: BLOCK_EXIT_CODE,
        }
    }

    /// Exit 2 with `text` on stderr, for usage errors and the panic handler.
    pub fn usage_error(text: &str) -> Self {
        Reply::block(text)
    }

    /// Appends one line to stderr.
    pub fn with_stderr_line(mut self, text: &str) -> Self {
        self.stderr.push_str(&line(text));
        self
    }

    /// Writes stdout and stderr, and returns the exit status to use.
    ///
    /// If stdout cannot be written, the agent may read a partial answer or none; the reply is
    /// then turned into the universal block so the call is not let through by accident.
    pub fn emit(&self, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
        let written = write_all(stdout, &self.stdout);
        let mut code = self.code;
        if let Err(e) = written {
            let _ = write_all(
                stderr,
                &line(&format!(
                    "Prempti blocked this tool call: the hook could not write its answer ({e})"
                )),
            );
            code = BLOCK_EXIT_CODE;
        }
        let _ = write_all(stderr, &self.stderr);
        code
    }
}

fn write_all(out: &mut dyn Write, text: &str) -> io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn line(text: &str) -> String {
    let mut s = text.trim_end_matches('\n').to_owned();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_exit_two_with_stderr_only() {
        let reply = Reply::block("no");
        assert_eq!(
            reply,
            Reply {
                stdout: String::new(),
                stderr: "no\n".into(),
                code: 2
            }
        );
    }

    #[test]
    fn failed_stdout_turns_into_a_block() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut err = Vec::new();
        let code = Reply::json(&serde_json::json!({"a": 1})).emit(&mut Broken, &mut err);
        assert_eq!(code, 2);
        assert!(String::from_utf8(err)
            .unwrap()
            .contains("could not write its answer"));
    }
}
