//! Environment variables Prempti honours, declared once, with their ranges.
//!
//! Values outside their range are clamped, and the clamp is reported so the caller can tell
//! the user (the hook prints such notes only when `PREMPTI_DEBUG` is set, never on stdout).

/// Install directory (default `~/.prempti`).
pub const PREMPTI_HOME: &str = "PREMPTI_HOME";
/// Broker socket path (default `$PREMPTI_HOME/run/broker.sock`).
pub const PREMPTI_SOCKET: &str = "PREMPTI_SOCKET";
/// Total deadline of one hook exchange in milliseconds (default 5000).
pub const PREMPTI_TIMEOUT_MS: &str = "PREMPTI_TIMEOUT_MS";
/// Largest accepted hook stdin in bytes (default 8 MiB).
pub const PREMPTI_INPUT_MAX_BYTES: &str = "PREMPTI_INPUT_MAX_BYTES";
/// `1` turns broker failures (only those) into allow/defer instead of deny.
pub const PREMPTI_FAIL_OPEN: &str = "PREMPTI_FAIL_OPEN";
/// `1` makes the hook print diagnostics on stderr.
pub const PREMPTI_DEBUG: &str = "PREMPTI_DEBUG";
/// Path of a `falco` binary to use for the Falco engine and its tests.
pub const PREMPTI_FALCO: &str = "PREMPTI_FALCO";

/// Default of [`PREMPTI_TIMEOUT_MS`].
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Smallest accepted [`PREMPTI_TIMEOUT_MS`].
pub const MIN_TIMEOUT_MS: u64 = 50;
/// Seconds an agent waits for the hook, as `premptictl hook add` writes it into each agent's
/// settings: a little above the hook's default deadline, so the hook's fail-closed answer
/// arrives before the agent's own timeout (which would fail open for most agents).
pub const AGENT_HOOK_TIMEOUT_SECS: u64 = DEFAULT_TIMEOUT_MS.div_ceil(1000) + 5;
/// Largest accepted [`PREMPTI_TIMEOUT_MS`]: one second below [`AGENT_HOOK_TIMEOUT_SECS`], so
/// whatever the variable says, the hook answers (and denies on failure) before the agent gives
/// up waiting for it.
pub const MAX_TIMEOUT_MS: u64 = AGENT_HOOK_TIMEOUT_SECS * 1000 - 1000;
const _: () = assert!(DEFAULT_TIMEOUT_MS <= MAX_TIMEOUT_MS);

/// Default of [`PREMPTI_INPUT_MAX_BYTES`].
pub const DEFAULT_INPUT_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Smallest accepted [`PREMPTI_INPUT_MAX_BYTES`].
pub const MIN_INPUT_MAX_BYTES: u64 = 1024;
/// Largest accepted [`PREMPTI_INPUT_MAX_BYTES`]; stays below the broker's frame limit.
pub const MAX_INPUT_MAX_BYTES: u64 = 15 * 1024 * 1024;

/// A value read from the environment, with a note when it was not used as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Set when the raw value was invalid or out of range.
    pub note: Option<String>,
}

/// Parses an unsigned integer setting, falling back to `default` when unset or invalid and
/// clamping it into `min..=max`.
pub fn parse_u64(name: &str, raw: Option<&str>, default: u64, min: u64, max: u64) -> Setting<u64> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Setting {
            value: default,
            note: None,
        };
    };
    match raw.parse::<u64>() {
        Ok(v) if v < min => Setting {
            value: min,
            note: Some(format!("{name}={raw} is below the minimum; using {min}")),
        },
        Ok(v) if v > max => Setting {
            value: max,
            note: Some(format!("{name}={raw} is above the maximum; using {max}")),
        },
        Ok(v) => Setting {
            value: v,
            note: None,
        },
        Err(_) => Setting {
            value: default,
            note: Some(format!(
                "{name}={raw} is not a whole number; using the default {default}"
            )),
        },
    }
}

/// Parses a boolean flag: `1`, `true`, `yes`, `on` (any case) are true; unset, empty, `0`,
/// `false`, `no`, `off` are false; anything else is false with a note.
pub fn parse_flag(name: &str, raw: Option<&str>) -> Setting<bool> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Setting {
            value: false,
            note: None,
        };
    };
    match raw.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Setting {
            value: true,
            note: None,
        },
        "0" | "false" | "no" | "off" => Setting {
            value: false,
            note: None,
        },
        _ => Setting {
            value: false,
            note: Some(format!(
                "{name}={raw} is not a boolean (use 1 or 0); treating it as 0"
            )),
        },
    }
}

/// [`PREMPTI_TIMEOUT_MS`] from a raw value.
pub fn timeout_ms(raw: Option<&str>) -> Setting<u64> {
    parse_u64(
        PREMPTI_TIMEOUT_MS,
        raw,
        DEFAULT_TIMEOUT_MS,
        MIN_TIMEOUT_MS,
        MAX_TIMEOUT_MS,
    )
}

/// [`PREMPTI_INPUT_MAX_BYTES`] from a raw value.
pub fn input_max_bytes(raw: Option<&str>) -> Setting<u64> {
    parse_u64(
        PREMPTI_INPUT_MAX_BYTES,
        raw,
        DEFAULT_INPUT_MAX_BYTES,
        MIN_INPUT_MAX_BYTES,
        MAX_INPUT_MAX_BYTES,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_clamped_with_a_note() {
        assert_eq!(
            timeout_ms(None),
            Setting {
                value: DEFAULT_TIMEOUT_MS,
                note: None
            }
        );
        assert_eq!(timeout_ms(Some("250")).value, 250);
        let low = timeout_ms(Some("1"));
        assert_eq!(low.value, MIN_TIMEOUT_MS);
        assert!(low.note.unwrap().contains("below the minimum"));
        assert_eq!(timeout_ms(Some("99999999")).value, MAX_TIMEOUT_MS);
        let junk = input_max_bytes(Some("lots"));
        assert_eq!(junk.value, DEFAULT_INPUT_MAX_BYTES);
        assert!(junk.note.unwrap().contains("not a whole number"));
    }

    #[test]
    fn flags() {
        assert!(parse_flag("X", Some("1")).value);
        assert!(parse_flag("X", Some("TRUE")).value);
        assert!(!parse_flag("X", Some("0")).value);
        assert!(!parse_flag("X", None).value);
        let odd = parse_flag("X", Some("maybe"));
        assert!(!odd.value && odd.note.is_some());
    }
}
