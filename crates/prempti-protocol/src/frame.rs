//! Length-prefixed framing with hard size limits.
//!
//! # Format
//!
//! A frame is a 4-byte unsigned big-endian length `N` followed by `N` bytes of UTF-8 JSON
//! (one [`crate::HookRequest`], [`crate::HookResponse`] or [`crate::control`] message). A
//! length of zero or above the reader's limit is rejected before any body byte is read, so a
//! peer cannot make the other side allocate more than its limit.
//!
//! The blocking helpers here serve the hook; async code reads the 4 header bytes itself and
//! calls [`decode_header`] so both sides apply the same checks.

use std::fmt;
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Size of the length prefix in bytes.
pub const HEADER_LEN: usize = 4;

/// Default cap on one request frame (the agent's payload plus a small envelope): 16 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: u32 = 16 * 1024 * 1024;

/// Cap on one response frame: 1 MiB (a verdict and a reason).
pub const MAX_RESPONSE_BYTES: u32 = 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The underlying stream failed (including timeouts and early close).
    Io(io::Error),
    /// The peer closed the connection before sending a header.
    Closed,
    /// The declared length is zero.
    Empty,
    /// The declared length exceeds the limit.
    TooLarge {
        /// Declared length.
        len: u64,
        /// Limit in force.
        max: u32,
    },
    /// The body is not a valid message.
    Malformed(serde_json::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "I/O error: {e}"),
            FrameError::Closed => f.write_str("connection closed before a message arrived"),
            FrameError::Empty => f.write_str("empty message frame"),
            FrameError::TooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds the limit of {max} bytes")
            }
            FrameError::Malformed(e) => write!(f, "malformed message: {e}"),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::Io(e) => Some(e),
            FrameError::Malformed(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        FrameError::Io(e)
    }
}

/// Encodes the length prefix for a body of `len` bytes.
pub fn encode_header(len: usize) -> Result<[u8; HEADER_LEN], FrameError> {
    let len32 = u32::try_from(len).map_err(|_| FrameError::TooLarge {
        len: len as u64,
        max: u32::MAX,
    })?;
    Ok(len32.to_be_bytes())
}

/// Decodes and checks a length prefix against `max`.
pub fn decode_header(header: [u8; HEADER_LEN], max: u32) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header);
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
            max,
        });
    }
    Ok(len as usize)
}

/// Serializes `message` into one frame (header and body) in memory.
pub fn encode_message<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message).map_err(FrameError::Malformed)?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&encode_header(body.len())?);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Writes `message` as one frame with a single `write_all`.
pub fn write_message<W: Write, T: Serialize>(
    writer: &mut W,
    message: &T,
) -> Result<(), FrameError> {
    let frame = encode_message(message)?;
    writer.write_all(&frame)?;
    writer.flush()?;
    Ok(())
}

/// Reads one frame body of at most `max` bytes.
pub fn read_frame<R: Read>(reader: &mut R, max: u32) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match reader.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Io(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    let len = decode_header(header, max)?;
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    Ok(body)
}

/// Reads and decodes one message of at most `max` bytes.
pub fn read_message<R: Read, T: DeserializeOwned>(
    reader: &mut R,
    max: u32,
) -> Result<T, FrameError> {
    let body = read_frame(reader, max)?;
    serde_json::from_slice(&body).map_err(FrameError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Agent, HookRequest};

    #[test]
    fn round_trip() {
        let request = HookRequest::new(Agent::GeminiCli, 10, 11, "{\"a\":\"é\"}".into());
        let wire = encode_message(&request).unwrap();
        assert_eq!(&wire[..4], &((wire.len() - 4) as u32).to_be_bytes());
        let back: HookRequest = read_message(&mut wire.as_slice(), 1024).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn oversized_frame_is_rejected_before_reading_the_body() {
        let wire = 5000u32.to_be_bytes();
        let err = read_frame(&mut wire.as_slice(), 4096).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::TooLarge {
                    len: 5000,
                    max: 4096
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn empty_closed_truncated_and_garbage_frames_fail() {
        assert!(matches!(
            read_frame(&mut [].as_slice(), 10),
            Err(FrameError::Closed)
        ));
        assert!(matches!(
            read_frame(&mut [0, 0].as_slice(), 10),
            Err(FrameError::Io(_))
        ));
        assert!(matches!(
            read_frame(&mut [0, 0, 0, 0].as_slice(), 10),
            Err(FrameError::Empty)
        ));
        assert!(matches!(
            read_frame(&mut [0, 0, 0, 5, b'a'].as_slice(), 10),
            Err(FrameError::Io(_))
        ));
        let garbage = [0, 0, 0, 3, b'x', b'y', b'z'];
        let err = read_message::<_, HookRequest>(&mut garbage.as_slice(), 10).unwrap_err();
        assert!(matches!(err, FrameError::Malformed(_)));
    }
}
