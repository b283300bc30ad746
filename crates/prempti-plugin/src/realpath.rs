//! Canonical ("real") paths for `agent.real_cwd` and `tool.real_file_path`.
//!
//! Agents name files that may not exist yet (a `Write` creating a file), relative to their
//! working directory, through symlinked directories. Rules must see where the write really
//! lands, so [`real_path`] resolves a path the way the kernel would when the file is opened:
//!
//! 1. a relative path is joined to the (absolute) working directory first;
//! 2. components are walked left to right; every component that exists and is a symlink is
//!    replaced by its target (relative targets are relative to the link's directory), and
//!    `..` after a resolved link steps out of the link's *target*, not out of the link;
//! 3. once a component does not exist, the rest is appended lexically (a `..` there removes
//!    the previous not-yet-existing component).
//!
//! A dangling symlink is followed too: writing through it creates its target. Loops are cut
//! after [`MAX_LINKS`] link expansions, and the path is then reported as unresolvable.
//!
//! Paths the agent names are resolved for the agent's process ([`agent_path`]): the
//! per-process names `/proc/self`, `/proc/thread-self`, `/dev/fd`, `/dev/stdin`,
//! `/dev/stdout` and `/dev/stderr` mean the process that opens them, which is the agent (or
//! a program it runs), not the broker. `/proc/self` and `/proc/thread-self` are replaced by
//! `/proc/<agent pid>` (the `/dev` names lead there through their links), so
//! `/proc/self/cwd/../.aws/credentials` becomes the file next to the agent's working
//! directory. When that is not possible (no pid, not Linux, the pid's entries cannot be
//! read, or the path names no existing entry below `/proc`) the path is *unresolved*: its
//! lexical form is reported with a flag, and rules treat it as unknown.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Most symlinks followed while resolving one path (Linux's `MAXSYMLINKS`).
pub const MAX_LINKS: usize = 40;

/// Returns the absolute, canonical form of `path`, resolving symlinks of its nearest existing
/// ancestor. A relative `path` is joined to `cwd`; if `cwd` is missing or itself relative,
/// there is no answer (`None`). `None` is also returned for an empty path and for symlink
/// loops.
pub fn real_path(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    if let Some(windows) = foreign_windows_path(path, cwd) {
        return Some(windows);
    }
    let path = Path::new(path);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let cwd = Path::new(cwd?);
        if !cwd.is_absolute() {
            return None;
        }
        cwd.join(path)
    };
    match resolve(&joined, None) {
        Walk::Real(p) => Some(p.to_string_lossy().into_owned()),
        Walk::Failed | Walk::Unresolved => None,
    }
}

/// A Windows drive path (or a relative path in a Windows working directory) on a host that
/// is not Windows: an agent on another machine, a fixture, a transcript. It cannot be looked
/// up here, so it is folded lexically into the portable form `C:/Users/dev/x`.
fn foreign_windows_path(path: &str, cwd: Option<&str>) -> Option<String> {
    if cfg!(windows) {
        return None;
    }
    if let Some(p) = prempti_shell::windows_drive_path(path) {
        return Some(p);
    }
    let dir = prempti_shell::windows_drive_path(cwd?)?;
    if path.starts_with('/') {
        return None;
    }
    prempti_shell::windows_drive_path(&format!("{dir}/{}", path.replace('\\', "/")))
}

/// A path resolved for the agent's process ([`agent_path`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentPath {
    /// The canonical path; when `unresolved`, the lexical form of the path (joined to the
    /// working directory, `.` and `..` folded without following links) so that rules on the
    /// literal name (`/proc/self/environ`) still see it. `None` as for [`real_path`].
    pub path: Option<String>,
    /// The path goes through a per-process name (`/proc/self`, `/dev/fd/N`, ...) that could
    /// not be resolved for the agent's process.
    pub unresolved: bool,
}

/// Resolves `path` as [`real_path`] does, but for the agent's process `pid` (`None` or `0`
/// when unknown): see the module documentation.
pub fn agent_path(path: &str, cwd: Option<&str>, pid: Option<u64>) -> AgentPath {
    if let Some(windows) = foreign_windows_path(path, cwd) {
        return AgentPath {
            path: Some(windows),
            unresolved: false,
        };
    }
    if path.is_empty() {
        return AgentPath::default();
    }
    let p = Path::new(path);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        let Some(cwd) = cwd.map(Path::new).filter(|c| c.is_absolute()) else {
            return AgentPath::default();
        };
        cwd.join(p)
    };
    let pid = pid.filter(|&p| p > 0 && cfg!(target_os = "linux"));
    match resolve(&joined, Some(pid)) {
        Walk::Real(p) => AgentPath {
            path: Some(p.to_string_lossy().into_owned()),
            unresolved: false,
        },
        Walk::Failed => AgentPath::default(),
        Walk::Unresolved => AgentPath {
            path: Some(lexical(&joined).to_string_lossy().into_owned()),
            unresolved: true,
        },
    }
}

/// Whether `path` starts with a per-process name ([`agent_path`] resolves it for the agent).
pub fn is_per_process(path: &str) -> bool {
    [
        "/proc/self",
        "/proc/thread-self",
        "/dev/fd",
        "/dev/stdin",
        "/dev/stdout",
        "/dev/stderr",
    ]
    .iter()
    .any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// `path` with `.` and `..` folded lexically (never above the root).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One step of the walk: a component still to be applied.
enum Step {
    Root(PathBuf),
    Parent,
    Name(OsString),
}

fn steps_of(path: &Path) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut root = PathBuf::new();
    let mut have_root = false;
    for component in path.components() {
        match component {
            Component::Prefix(p) => {
                root.push(p.as_os_str());
                have_root = true;
            }
            Component::RootDir => {
                root.push(Component::RootDir.as_os_str());
                have_root = true;
            }
            Component::CurDir => {}
            Component::ParentDir => steps.push(Step::Parent),
            Component::Normal(name) => steps.push(Step::Name(name.to_os_string())),
        }
    }
    if have_root {
        steps.insert(0, Step::Root(root));
    }
    steps
}

/// The outcome of a walk.
enum Walk {
    /// The canonical path.
    Real(PathBuf),
    /// No answer (empty result, symlink loop, unreadable link).
    Failed,
    /// A per-process name that cannot be resolved for the agent.
    Unresolved,
}

/// Walks `path`. `agent` is `None` for the broker's own view, or `Some(pid)` to resolve
/// per-process names for the agent (`Some(None)`: its pid is unknown or unusable).
fn resolve(path: &Path, agent: Option<Option<u64>>) -> Walk {
    let mut queue: VecDeque<Step> = steps_of(path).into();
    let mut resolved = PathBuf::new();
    // Components appended after the first one that does not exist.
    let mut pending: Vec<OsString> = Vec::new();
    let mut links = 0usize;

    while let Some(step) = queue.pop_front() {
        match step {
            Step::Root(root) => {
                resolved = root;
                pending.clear();
            }
            Step::Parent => {
                if pending.pop().is_none() {
                    resolved.pop();
                }
            }
            Step::Name(mut name) => {
                if !pending.is_empty() {
                    pending.push(name);
                    continue;
                }
                let in_proc = resolved.starts_with("/proc");
                if let Some(pid) = agent {
                    if resolved == Path::new("/proc") && (name == "self" || name == "thread-self") {
                        match pid {
                            Some(pid) => name = OsString::from(pid.to_string()),
                            None => return Walk::Unresolved,
                        }
                    } else if resolved == Path::new("/dev") {
                        let fd = match name.to_str() {
                            Some("fd") => Some(""),
                            Some("stdin") => Some("/0"),
                            Some("stdout") => Some("/1"),
                            Some("stderr") => Some("/2"),
                            _ => None,
                        };
                        if let Some(fd) = fd {
                            // What the links of Linux's /dev lead to, on every platform.
                            let mut expanded = steps_of(Path::new(&format!("/proc/self/fd{fd}")));
                            while let Some(s) = expanded.pop() {
                                queue.push_front(s);
                            }
                            continue;
                        }
                    }
                }
                let candidate = resolved.join(&name);
                match std::fs::symlink_metadata(&candidate) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        links += 1;
                        if links > MAX_LINKS {
                            return Walk::Failed;
                        }
                        let target = match std::fs::read_link(&candidate) {
                            Ok(t) => t,
                            // A process's links the broker may not read.
                            Err(_) if agent.is_some() && in_proc => return Walk::Unresolved,
                            Err(_) => return Walk::Failed,
                        };
                        let mut expanded: Vec<Step> = steps_of(&target);
                        // Relative targets continue from the link's directory (`resolved`).
                        while let Some(s) = expanded.pop() {
                            queue.push_front(s);
                        }
                    }
                    Ok(_) => resolved = candidate,
                    // Nothing can be created below /proc: a name there that does not exist
                    // (a pipe's `pipe:[123]`, an exited process) is not a file.
                    Err(_) if agent.is_some() && in_proc => return Walk::Unresolved,
                    Err(_) => pending.push(name),
                }
            }
        }
    }
    for name in pending {
        resolved.push(name);
    }
    if resolved.as_os_str().is_empty() {
        return Walk::Failed;
    }
    Walk::Real(resolved)
}

#[cfg(all(test, unix))]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn canon(p: &Path) -> String {
        std::fs::canonicalize(p)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn relative_paths_need_an_absolute_cwd() {
        assert_eq!(real_path("a.txt", None), None);
        assert_eq!(real_path("a.txt", Some("rel/dir")), None);
        assert_eq!(real_path("", Some("/")), None);
    }

    #[test]
    fn existing_and_missing_files_under_a_symlinked_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let base = canon(tmp.path());
        std::fs::create_dir(tmp.path().join("real")).unwrap();
        std::fs::write(tmp.path().join("real/exists.txt"), "x").unwrap();
        symlink(tmp.path().join("real"), tmp.path().join("link")).unwrap();

        let link = format!("{base}/link");
        assert_eq!(
            real_path(&format!("{link}/exists.txt"), None),
            Some(format!("{base}/real/exists.txt"))
        );
        assert_eq!(
            real_path(&format!("{link}/new/dir/file.txt"), None),
            Some(format!("{base}/real/new/dir/file.txt"))
        );
        // Relative to a cwd that is itself the link.
        assert_eq!(
            real_path("sub/../x.txt", Some(&link)),
            Some(format!("{base}/real/x.txt"))
        );
    }

    #[test]
    fn dotdot_after_a_link_leaves_the_target() {
        let tmp = tempfile::tempdir().unwrap();
        let base = canon(tmp.path());
        std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        std::fs::create_dir(tmp.path().join("c")).unwrap();
        // c/l -> ../a/b ; c/l/.. is a, not c.
        symlink("../a/b", tmp.path().join("c/l")).unwrap();
        assert_eq!(
            real_path(&format!("{base}/c/l/../f"), None),
            Some(format!("{base}/a/f"))
        );
    }

    #[test]
    fn dangling_links_are_followed_and_loops_cut() {
        let tmp = tempfile::tempdir().unwrap();
        let base = canon(tmp.path());
        symlink(
            tmp.path().join("target-not-yet"),
            tmp.path().join("dangling"),
        )
        .unwrap();
        assert_eq!(
            real_path(&format!("{base}/dangling"), None),
            Some(format!("{base}/target-not-yet"))
        );
        symlink(tmp.path().join("loop2"), tmp.path().join("loop1")).unwrap();
        symlink(tmp.path().join("loop1"), tmp.path().join("loop2")).unwrap();
        assert_eq!(real_path(&format!("{base}/loop1/x"), None), None);
    }

    #[test]
    fn missing_components_collapse_lexically() {
        assert_eq!(
            real_path("/nonexistent-prempti/a/../b/./c", None),
            Some("/nonexistent-prempti/b/c".to_owned())
        );
        assert_eq!(real_path("/../..", None), Some("/".to_owned()));
    }

    /// A real process standing in for the agent, in its own working directory; killed on
    /// drop.
    #[cfg(target_os = "linux")]
    pub(crate) struct FakeAgent(pub std::process::Child);

    #[cfg(target_os = "linux")]
    impl FakeAgent {
        pub(crate) fn spawn(cwd: &Path, stdout: std::process::Stdio) -> FakeAgent {
            let child = std::process::Command::new("sleep")
                .arg("30")
                .current_dir(cwd)
                .stdin(std::process::Stdio::null())
                .stdout(stdout)
                .spawn()
                .expect("spawn sleep");
            FakeAgent(child)
        }

        pub(crate) fn pid(&self) -> u64 {
            u64::from(self.0.id())
        }
    }

    #[cfg(target_os = "linux")]
    impl Drop for FakeAgent {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn per_process_names_are_the_agents() {
        let tmp = tempfile::tempdir().unwrap();
        let base = canon(tmp.path());
        std::fs::create_dir(tmp.path().join("work")).unwrap();
        let agent = FakeAgent::spawn(&tmp.path().join("work"), std::process::Stdio::null());
        let pid = Some(agent.pid());
        // The test's own cwd is elsewhere: the answer is the agent's.
        assert_ne!(
            canon(&std::env::current_dir().unwrap()),
            format!("{base}/work")
        );
        let real = |p: &str| agent_path(p, None, pid);
        assert_eq!(
            real("/proc/self/cwd/../.aws/credentials"),
            AgentPath {
                path: Some(format!("{base}/.aws/credentials")),
                unresolved: false
            }
        );
        assert_eq!(
            real("/proc/thread-self/cwd/src/main.rs").path,
            Some(format!("{base}/work/src/main.rs"))
        );
        // Relative to a working directory that goes through /proc/self.
        assert_eq!(
            agent_path("../x", Some("/proc/self/cwd"), pid).path,
            Some(format!("{base}/x"))
        );
        // The agent's stdin is /dev/null.
        for p in ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"] {
            assert_eq!(real(p).path.as_deref(), Some("/dev/null"), "{p}");
        }
        // Ordinary /proc entries of the agent.
        assert_eq!(
            real("/proc/self/environ").path,
            Some(format!("/proc/{}/environ", agent.pid()))
        );
        // The broker's view is unchanged for real_path.
        assert_ne!(
            real_path("/proc/self/cwd", None),
            Some(format!("{base}/work"))
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn per_process_names_that_cannot_be_resolved() {
        let tmp = tempfile::tempdir().unwrap();
        // A pipe is no file.
        let agent = FakeAgent::spawn(tmp.path(), std::process::Stdio::piped());
        let piped = agent_path("/dev/stdout", None, Some(agent.pid()));
        assert!(piped.unresolved, "{piped:?}");
        // The pipe to the child would otherwise stay open until the end of the test.
        drop(agent);
        // No pid: the literal form is kept and flagged.
        assert_eq!(
            agent_path("/proc/self/environ", None, None),
            AgentPath {
                path: Some("/proc/self/environ".to_owned()),
                unresolved: true
            }
        );
        assert_eq!(
            agent_path("/proc/self/cwd/../x", None, Some(0)),
            AgentPath {
                path: Some("/proc/self/x".to_owned()),
                unresolved: true
            }
        );
        assert!(agent_path("/dev/fd/3", None, None).unresolved);
        // Above Linux's largest pid_max: no such process.
        assert!(agent_path("/proc/self/cwd/x", None, Some(4_194_305)).unresolved);
        // Not per-process: resolved as before.
        assert_eq!(
            agent_path("/proc/cpuinfo", None, None),
            AgentPath {
                path: Some("/proc/cpuinfo".to_owned()),
                unresolved: false
            }
        );
        assert!(is_per_process("/dev/fd/3") && !is_per_process("/proc/selfish"));
    }
}
