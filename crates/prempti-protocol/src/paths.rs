//! The installed layout under `$PREMPTI_HOME` and how its paths are resolved.
//!
//! ```text
//! bin/     prempti-hook, premptictl
//! config/  falco.yaml, falco.coding_agents_plugin.yaml, prempti.yaml
//! rules/   default/, user/, seen.yaml
//! run/     broker.sock, control.sock (directory 0700)
//! log/     audit.jsonl, alerts.jsonl, daemon.log
//! share/   libprempti_plugin.so
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::env;

/// Why the install directory could not be determined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoHomeError;

impl fmt::Display for NoHomeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot find the Prempti home: set PREMPTI_HOME (or HOME) to a directory")
    }
}

impl std::error::Error for NoHomeError {}

/// File name of the control token, next to the control socket in `run/`.
pub const CONTROL_TOKEN_FILE: &str = "control.token";

/// Resolves `$PREMPTI_HOME`, else the default ([`default_home_from`]), from the process
/// environment.
pub fn prempti_home() -> Result<PathBuf, NoHomeError> {
    prempti_home_from(
        std::env::var_os(env::PREMPTI_HOME),
        default_home_from(user_home(), std::env::var_os("LOCALAPPDATA")),
    )
}

/// [`prempti_home`] with explicit inputs: `PREMPTI_HOME` when set and not empty, else
/// `default_home`.
pub fn prempti_home_from(
    prempti_home: Option<OsString>,
    default_home: Option<PathBuf>,
) -> Result<PathBuf, NoHomeError> {
    match prempti_home.filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home)),
        None => default_home.ok_or(NoHomeError),
    }
}

/// The default install directory: `~/.prempti` on Unix; on Windows `%LOCALAPPDATA%\prempti`
/// (per user, not roamed), or `<user home>\AppData\Local\prempti` when `LOCALAPPDATA` is
/// unset.
pub fn default_home_from(
    user_home: Option<PathBuf>,
    local_app_data: Option<OsString>,
) -> Option<PathBuf> {
    if cfg!(windows) {
        local_app_data
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| user_home.map(|h| h.join("AppData").join("Local")))
            .map(|d| d.join("prempti"))
    } else {
        user_home.map(|h| h.join(".prempti"))
    }
}

/// The user's home directory: `HOME`, or `USERPROFILE` on Windows.
pub fn user_home() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Resolves the broker socket: `$PREMPTI_SOCKET`, else `<home>/run/broker.sock`.
pub fn broker_socket(home: &Path) -> PathBuf {
    broker_socket_from(std::env::var_os(env::PREMPTI_SOCKET), home)
}

/// [`broker_socket`] with an explicit `PREMPTI_SOCKET` value.
pub fn broker_socket_from(socket: Option<OsString>, home: &Path) -> PathBuf {
    match socket.filter(|s| !s.is_empty()) {
        Some(s) => PathBuf::from(s),
        None => Layout::new(home).broker_socket(),
    }
}

/// The name a socket path maps to on Windows, where local sockets are named pipes:
/// `\\.\pipe\prempti-<hex hash of the path>`. On Unix the path itself is used.
///
/// On Windows the path is hashed in the form [`portable`] gives it, ASCII-lowercased, so
/// `C:\Users\A\run\broker.sock` (the hook's, from `PREMPTI_HOME`), `c:/users/a/run/broker.sock`
/// (a configuration file's) and `\\?\C:\Users\A\...` name the same pipe, as they name the
/// same file.
pub fn windows_pipe_name(socket: &Path) -> String {
    let key = if cfg!(windows) {
        portable(socket).to_ascii_lowercase()
    } else {
        socket.to_string_lossy().into_owned()
    };
    // FNV-1a: stable across builds and platforms, no dependency needed for a name.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!(r"\\.\pipe\prempti-{hash:016x}")
}

/// `path` as configuration files write it. On Windows: without the verbatim prefix
/// (`\\?\C:\…` becomes `C:\…`, `\\?\UNC\server\share` becomes `\\server\share`) and with `/` as
/// the separator, which Windows accepts and YAML and JSON need no escape for. Unchanged on Unix.
pub fn portable(path: &Path) -> String {
    let text = path.to_string_lossy();
    if !cfg!(windows) {
        return text.into_owned();
    }
    let plain = if let Some(rest) = text.strip_prefix(r"\\?\UNC\") {
        format!(r"\\{rest}")
    } else if let Some(rest) = text.strip_prefix(r"\\?\") {
        rest.to_owned()
    } else {
        text.into_owned()
    };
    plain.replace('\\', "/")
}

/// Paths of an installation rooted at one `PREMPTI_HOME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The root (`$PREMPTI_HOME`).
    pub home: PathBuf,
}

impl Layout {
    /// A layout rooted at `home`.
    pub fn new(home: impl Into<PathBuf>) -> Self {
        Layout { home: home.into() }
    }

    /// `bin/`
    pub fn bin_dir(&self) -> PathBuf {
        self.home.join("bin")
    }
    /// `config/`
    pub fn config_dir(&self) -> PathBuf {
        self.home.join("config")
    }
    /// `rules/`
    pub fn rules_dir(&self) -> PathBuf {
        self.home.join("rules")
    }
    /// `rules/default/`
    pub fn default_rules_dir(&self) -> PathBuf {
        self.rules_dir().join("default")
    }
    /// `rules/user/`
    pub fn user_rules_dir(&self) -> PathBuf {
        self.rules_dir().join("user")
    }
    /// `rules/seen.yaml`
    pub fn seen_rules_file(&self) -> PathBuf {
        self.rules_dir().join("seen.yaml")
    }
    /// `run/` (0700)
    pub fn run_dir(&self) -> PathBuf {
        self.home.join("run")
    }
    /// `run/broker.sock`
    pub fn broker_socket(&self) -> PathBuf {
        self.run_dir().join("broker.sock")
    }
    /// `run/control.sock`
    pub fn control_socket(&self) -> PathBuf {
        self.run_dir().join("control.sock")
    }
    /// `run/control.token` (0600): the secret a person's `premptictl` sends with control
    /// requests that weaken enforcement (see [`crate::control`]); new at every daemon start.
    pub fn control_token(&self) -> PathBuf {
        self.run_dir().join(CONTROL_TOKEN_FILE)
    }
    /// `log/`
    pub fn log_dir(&self) -> PathBuf {
        self.home.join("log")
    }
    /// `log/audit.jsonl`
    pub fn audit_log(&self) -> PathBuf {
        self.log_dir().join("audit.jsonl")
    }
    /// `log/alerts.jsonl`
    pub fn alerts_log(&self) -> PathBuf {
        self.log_dir().join("alerts.jsonl")
    }
    /// `log/daemon.log`
    pub fn daemon_log(&self) -> PathBuf {
        self.log_dir().join("daemon.log")
    }
    /// `share/`
    pub fn share_dir(&self) -> PathBuf {
        self.home.join("share")
    }
    /// `config/falco.yaml`
    pub fn falco_config(&self) -> PathBuf {
        self.config_dir().join("falco.yaml")
    }
    /// `config/falco.coding_agents_plugin.yaml`
    pub fn plugin_config(&self) -> PathBuf {
        self.config_dir().join("falco.coding_agents_plugin.yaml")
    }
    /// `config/prempti.yaml`
    pub fn prempti_config(&self) -> PathBuf {
        self.config_dir().join("prempti.yaml")
    }
    /// `bin/prempti-hook` (with `.exe` on Windows)
    pub fn hook_binary(&self) -> PathBuf {
        self.bin_dir()
            .join(format!("prempti-hook{}", std::env::consts::EXE_SUFFIX))
    }
    /// `bin/premptictl` (with `.exe` on Windows)
    pub fn ctl_binary(&self) -> PathBuf {
        self.bin_dir()
            .join(format!("premptictl{}", std::env::consts::EXE_SUFFIX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_prefers_prempti_home_and_ignores_empty() {
        let user = default_home_from(Some(PathBuf::from("/home/u")), None);
        assert_eq!(
            prempti_home_from(Some("/opt/p".into()), user.clone()).unwrap(),
            PathBuf::from("/opt/p")
        );
        assert_eq!(
            prempti_home_from(Some("".into()), user.clone()).unwrap(),
            if cfg!(windows) {
                PathBuf::from("/home/u/AppData/Local/prempti")
            } else {
                PathBuf::from("/home/u/.prempti")
            }
        );
        assert_eq!(prempti_home_from(None, None), Err(NoHomeError));
    }

    #[test]
    fn one_windows_path_in_any_spelling_names_one_pipe() {
        let spellings = [
            r"C:\Users\A\prempti\run\broker.sock",
            "c:/users/a/prempti/run/broker.sock",
            r"\\?\C:\Users\A\prempti\run\broker.sock",
        ];
        let names: Vec<String> = spellings
            .iter()
            .map(|s| windows_pipe_name(Path::new(s)))
            .collect();
        assert!(names[0].starts_with(r"\\.\pipe\prempti-"), "{names:?}");
        if cfg!(windows) {
            assert!(names.iter().all(|n| *n == names[0]), "{names:?}");
            assert_eq!(portable(Path::new(r"\\?\UNC\srv\share\p")), "//srv/share/p");
        } else {
            // Unix paths are case-sensitive and `\` is an ordinary character.
            assert_ne!(names[0], names[1]);
            assert_eq!(portable(Path::new(spellings[0])), spellings[0]);
        }
    }

    #[test]
    fn the_windows_default_is_under_local_app_data() {
        let home = default_home_from(Some(PathBuf::from("/home/u")), Some("/l".into()));
        if cfg!(windows) {
            assert_eq!(home, Some(Path::new("/l").join("prempti")));
        } else {
            assert_eq!(home, Some(PathBuf::from("/home/u/.prempti")));
        }
    }

    #[test]
    fn socket_prefers_env_and_defaults_under_run() {
        let home = Path::new("/h");
        assert_eq!(
            broker_socket_from(Some("/tmp/s".into()), home),
            PathBuf::from("/tmp/s")
        );
        assert_eq!(
            broker_socket_from(None, home),
            PathBuf::from("/h/run/broker.sock")
        );
    }

    #[test]
    fn pipe_names_are_stable_and_distinct() {
        let a = windows_pipe_name(Path::new("/h/run/broker.sock"));
        assert_eq!(a, windows_pipe_name(Path::new("/h/run/broker.sock")));
        assert_ne!(a, windows_pipe_name(Path::new("/i/run/broker.sock")));
        assert!(a.starts_with(r"\\.\pipe\prempti-"));
    }
}
