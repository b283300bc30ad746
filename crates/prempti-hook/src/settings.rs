//! The hook's settings, read once from the environment.
//!
//! | variable | meaning | range |
//! |---|---|---|
//! | `PREMPTI_HOME` | install directory (default `~/.prempti`) | |
//! | `PREMPTI_SOCKET` | broker socket (default `$PREMPTI_HOME/run/broker.sock`) | |
//! | `PREMPTI_TIMEOUT_MS` | total deadline of the broker exchange (default 5000) | 50 ..= 9000 (1 s below the agents' hook timeout) |
//! | `PREMPTI_INPUT_MAX_BYTES` | largest accepted stdin (default 8 MiB) | 1 KiB ..= 15 MiB |
//! | `PREMPTI_FAIL_OPEN` | `1`: broker failures give "no opinion" instead of deny | flag |
//! | `PREMPTI_DEBUG` | `1`: diagnostics on stderr | flag |
//!
//! Out-of-range and unparsable values are clamped or replaced by the default by
//! [`prempti_protocol::env`]; the resulting notes are kept in [`Settings::notes`], printed
//! with `PREMPTI_DEBUG`, and added to every failure reason so a bad value is never silent
//! when it matters.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use prempti_protocol::env;
use prempti_protocol::paths::{self, NoHomeError};

/// Resolved settings of one hook run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The broker socket, or why it could not be found.
    pub socket: Result<PathBuf, NoHomeError>,
    /// Total deadline of the broker exchange.
    pub timeout: Duration,
    /// Largest accepted stdin in bytes.
    pub input_max_bytes: u64,
    /// Whether broker failures give "no opinion" instead of deny.
    pub fail_open: bool,
    /// Whether to print diagnostics on stderr.
    pub debug: bool,
    /// Notes about values that were clamped, replaced or ignored.
    pub notes: Vec<String>,
    /// The user's home directory (`HOME`, or `USERPROFILE` on Windows), sent to the broker so
    /// rules can tell home-relative paths; `None` when unset or not UTF-8.
    pub home: Option<String>,
    /// The installation directory resolved from `PREMPTI_HOME` or the home, sent to the
    /// broker; `None` when it cannot be resolved or is not UTF-8.
    pub prempti_home: Option<String>,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Settings {
        Settings::from_lookup(|name| std::env::var_os(name), paths::user_home())
    }

    /// Reads the settings through `lookup` (the environment, or a table in tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<OsString>,
        user_home: Option<PathBuf>,
    ) -> Settings {
        let mut notes = Vec::new();
        let mut text = |name: &str| -> Option<String> {
            let raw = lookup(name)?;
            match raw.into_string() {
                Ok(s) => Some(s),
                Err(_) => {
                    notes.push(format!("{name} is not valid UTF-8; ignoring it"));
                    None
                }
            }
        };
        let timeout = env::timeout_ms(text(env::PREMPTI_TIMEOUT_MS).as_deref());
        let input_max = env::input_max_bytes(text(env::PREMPTI_INPUT_MAX_BYTES).as_deref());
        let fail_open = env::parse_flag(
            env::PREMPTI_FAIL_OPEN,
            text(env::PREMPTI_FAIL_OPEN).as_deref(),
        );
        let debug = env::parse_flag(env::PREMPTI_DEBUG, text(env::PREMPTI_DEBUG).as_deref());
        notes.extend(
            [timeout.note, input_max.note, fail_open.note, debug.note]
                .into_iter()
                .flatten(),
        );

        let home = user_home
            .as_ref()
            .and_then(|h| h.to_str())
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        let install = paths::prempti_home_from(
            lookup(env::PREMPTI_HOME),
            paths::default_home_from(user_home, lookup("LOCALAPPDATA")),
        );
        let prempti_home = install
            .as_ref()
            .ok()
            .and_then(|h| h.to_str())
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        let socket_var = lookup(env::PREMPTI_SOCKET).filter(|s| !s.is_empty());
        let socket = match socket_var {
            Some(s) => Ok(PathBuf::from(s)),
            None => install.map(|home| paths::broker_socket_from(None, &home)),
        };

        Settings {
            socket,
            timeout: Duration::from_millis(timeout.value),
            input_max_bytes: input_max.value,
            fail_open: fail_open.value,
            debug: debug.value,
            notes,
            home,
            prempti_home,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)], home: Option<&str>) -> Settings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(
            |name| {
                vars.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| OsString::from(v))
            },
            home.map(PathBuf::from),
        )
    }

    #[test]
    fn defaults_come_from_the_protocol_crate() {
        let s = settings(&[], Some("/home/u"));
        let default = paths::default_home_from(Some(PathBuf::from("/home/u")), None).unwrap();
        assert_eq!(s.socket, Ok(default.join("run").join("broker.sock")));
        if cfg!(unix) {
            assert_eq!(default, PathBuf::from("/home/u/.prempti"));
        }
        assert_eq!(s.timeout, Duration::from_millis(env::DEFAULT_TIMEOUT_MS));
        assert_eq!(s.input_max_bytes, env::DEFAULT_INPUT_MAX_BYTES);
        assert!(!s.fail_open && !s.debug && s.notes.is_empty());
    }

    #[test]
    fn socket_beats_home_and_home_beats_user_home() {
        let s = settings(&[("PREMPTI_HOME", "/opt/p")], Some("/home/u"));
        assert_eq!(s.socket, Ok(PathBuf::from("/opt/p/run/broker.sock")));
        let s = settings(
            &[
                ("PREMPTI_HOME", "/opt/p"),
                ("PREMPTI_SOCKET", "/tmp/b.sock"),
            ],
            None,
        );
        assert_eq!(s.socket, Ok(PathBuf::from("/tmp/b.sock")));
        assert_eq!(settings(&[], None).socket, Err(NoHomeError));
    }

    #[test]
    fn homes_are_resolved_for_the_request() {
        let s = settings(&[], Some("/srv/users/dev"));
        assert_eq!(s.home.as_deref(), Some("/srv/users/dev"));
        let default = paths::default_home_from(Some(PathBuf::from("/srv/users/dev")), None);
        assert_eq!(
            s.prempti_home.as_deref(),
            default.as_deref().and_then(|p| p.to_str())
        );
        let s = settings(&[("PREMPTI_HOME", "/opt/p")], Some("/home/u"));
        assert_eq!(s.home.as_deref(), Some("/home/u"));
        assert_eq!(s.prempti_home.as_deref(), Some("/opt/p"));
        // The socket override does not change where the installation is.
        let s = settings(&[("PREMPTI_SOCKET", "/tmp/b.sock")], Some("/home/u"));
        let default = paths::default_home_from(Some(PathBuf::from("/home/u")), None);
        assert_eq!(
            s.prempti_home.as_deref(),
            default.as_deref().and_then(|p| p.to_str())
        );
        let s = settings(&[], None);
        assert_eq!((s.home, s.prempti_home), (None, None));
    }

    #[test]
    fn bad_values_are_clamped_with_notes() {
        let s = settings(
            &[
                ("PREMPTI_TIMEOUT_MS", "1"),
                ("PREMPTI_INPUT_MAX_BYTES", "huge"),
                ("PREMPTI_FAIL_OPEN", "maybe"),
            ],
            Some("/h"),
        );
        assert_eq!(s.timeout, Duration::from_millis(env::MIN_TIMEOUT_MS));
        assert_eq!(s.input_max_bytes, env::DEFAULT_INPUT_MAX_BYTES);
        assert!(!s.fail_open);
        assert_eq!(s.notes.len(), 3, "{:?}", s.notes);
        assert!(s.notes[0].contains("PREMPTI_TIMEOUT_MS=1 is below the minimum"));
    }
}
