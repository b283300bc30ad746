//! Reading and checking the agent's stdin.
//!
//! The whole of stdin is consumed before the hook decides (an agent may treat a hook that exits
//! before reading its input as failed, and most agents let the call through on a failed hook),
//! but at most `limit + 1` bytes are kept in memory: anything past the limit is read and
//! discarded, and the input is rejected as too large.
//!
//! The input must be UTF-8 text holding one JSON object. serde_json bounds nesting depth, so a
//! hostile payload cannot overflow the stack.

use std::fmt;
use std::io::{self, Read};

use serde_json::{Map, Value};

/// Why the hook input cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// stdin could not be read.
    Read(String),
    /// stdin was empty (or only whitespace).
    Empty,
    /// stdin was longer than the limit.
    TooLarge {
        /// The limit in force.
        max: u64,
    },
    /// stdin was not UTF-8.
    NotUtf8,
    /// stdin was not JSON.
    InvalidJson(String),
    /// stdin was JSON but not an object.
    NotObject(&'static str),
    /// A field the agent always sends is missing or has the wrong type.
    Field {
        /// The field.
        name: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// The payload is for a hook event Prempti does not gate.
    UnsupportedEvent {
        /// The event as sent.
        event: String,
        /// The events this agent's adapter handles.
        supported: &'static str,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Read(e) => write!(f, "stdin could not be read ({e})"),
            InputError::Empty => f.write_str("stdin was empty"),
            InputError::TooLarge { max } => write!(
                f,
                "stdin is larger than {max} bytes (raise PREMPTI_INPUT_MAX_BYTES to accept bigger tool calls)"
            ),
            InputError::NotUtf8 => f.write_str("stdin is not valid UTF-8"),
            InputError::InvalidJson(e) => write!(f, "stdin is not valid JSON ({e})"),
            InputError::NotObject(kind) => write!(f, "stdin holds a JSON {kind}, not an object"),
            InputError::Field { name, expected } => write!(f, "field `{name}` is missing or is not {expected}"),
            InputError::UnsupportedEvent { event, supported } => {
                write!(f, "hook event `{event}` is not one Prempti gates (expected {supported})")
            }
        }
    }
}

impl std::error::Error for InputError {}

/// Reads all of `reader`, keeping at most `max + 1` bytes, and returns it as text.
pub fn read_limited<R: Read>(mut reader: R, max: u64) -> Result<String, InputError> {
    let mut buf = Vec::new();
    reader
        .by_ref()
        .take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| InputError::Read(e.to_string()))?;
    if buf.len() as u64 > max {
        // Consume the rest so the agent's write does not fail, without keeping it.
        let _ = io::copy(&mut reader, &mut io::sink());
        return Err(InputError::TooLarge { max });
    }
    let text = String::from_utf8(buf).map_err(|_| InputError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

/// Parses the input as one JSON object.
pub fn parse_object(text: &str) -> Result<Map<String, Value>, InputError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(InputError::NotObject(kind(&other))),
        Err(e) => Err(InputError::InvalidJson(e.to_string())),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_within_the_limit() {
        assert_eq!(read_limited(&b"{\"a\":1}"[..], 7).unwrap(), "{\"a\":1}");
    }

    #[test]
    fn rejects_over_the_limit_and_drains_the_rest() {
        let data = vec![b' '; 100];
        let mut cursor = io::Cursor::new(data);
        assert_eq!(
            read_limited(&mut cursor, 10),
            Err(InputError::TooLarge { max: 10 })
        );
        assert_eq!(cursor.position(), 100, "the rest of stdin is consumed");
    }

    #[test]
    fn rejects_empty_and_non_utf8() {
        assert_eq!(read_limited(&b""[..], 10), Err(InputError::Empty));
        assert_eq!(read_limited(&b" \n\t"[..], 10), Err(InputError::Empty));
        assert_eq!(
            read_limited(&[0xff, 0xfe, b'{'][..], 10),
            Err(InputError::NotUtf8)
        );
    }

    #[test]
    fn object_only() {
        assert!(parse_object("{}").unwrap().is_empty());
        assert_eq!(parse_object("[1]"), Err(InputError::NotObject("array")));
        assert_eq!(parse_object("\"x\""), Err(InputError::NotObject("string")));
        assert!(matches!(
            parse_object("{\"a\":"),
            Err(InputError::InvalidJson(_))
        ));
        let deep = "[".repeat(100_000);
        assert!(
            matches!(parse_object(&deep), Err(InputError::InvalidJson(_))),
            "nesting is bounded"
        );
    }
}
