//! The payload of a `coding_agent` plugin event.
//!
//! # Format
//!
//! A plugin event's data is one [`ToolCall`] encoded as a JSON object (UTF-8, no trailing
//! newline), prefixed by the 4 bytes `PA1\0` that name the format and its version:
//!
//! ```text
//! "PA1\0" {"correlation_id":12,"agent":"claude_code","os":"linux","agent_pid":4242,...}
//! ```
//!
//! Keys are the field names of [`ToolCall`]; absent values are `null`. The shell analysis is
//! not part of the event: extractors recompute it from `input_command` when a `cmd.*` field
//! is asked for. JSON keeps the format self-describing for `falco --dump`-style tools and
//! forward compatible (unknown keys are ignored on decode).

use crate::agents::ToolCall;

/// Magic prefix of an encoded event: format `PA`, version `1`.
pub const MAGIC: &[u8; 4] = b"PA1\0";

/// An event payload that is not an encoded [`ToolCall`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The payload does not start with [`MAGIC`].
    #[error("not a coding_agent event (bad magic)")]
    BadMagic,
    /// The JSON body does not describe a tool call.
    #[error("malformed coding_agent event: {0}")]
    Json(#[from] serde_json::Error),
}

/// Encodes a call as plugin event data.
pub fn encode(call: &ToolCall) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    // Serializing plain strings, integers and unit enums into a Vec cannot fail.
    if serde_json::to_writer(&mut out, call).is_err() {
        out.truncate(MAGIC.len());
    }
    out
}

/// Decodes plugin event data produced by [`encode`].
pub fn decode(data: &[u8]) -> Result<ToolCall, DecodeError> {
    let body = data
        .strip_prefix(MAGIC.as_slice())
        .ok_or(DecodeError::BadMagic)?;
    Ok(serde_json::from_slice(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{parse_call, Agent, CallContext, Os};

    #[test]
    fn round_trip_keeps_every_field() {
        let ctx = CallContext {
            correlation_id: 7,
            agent_pid: 42,
            os: Os::Linux,
        };
        let payload = r#"{"session_id":"s","cwd":"/","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/tmp/x","content":""},"tool_use_id":"toolu_1"}"#;
        let call = parse_call(Agent::ClaudeCode, payload, &ctx)
            .unwrap()
            .remove(0);
        let bytes = encode(&call);
        assert!(bytes.starts_with(MAGIC));
        let back = decode(&bytes).unwrap();
        assert_eq!(back, call);
        assert_eq!(back.content.as_deref(), Some(""));
        assert!(matches!(decode(b"{}"), Err(DecodeError::BadMagic)));
        assert!(matches!(decode(b"PA1\0{"), Err(DecodeError::Json(_))));
    }
}
