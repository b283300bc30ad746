//! Debounced watch of the rules directories (and `config/falco.yaml`): a burst of changes
//! (an editor's save, a `git checkout`) becomes one reload request.
//!
//! A reload never starts on a file caught mid-write: after the burst, every changed file must
//! be stable — size and modification time unchanged over [`SETTLE`] — and parse as YAML
//! before the request is sent. A file that stays unparsable is reloaded anyway after
//! [`MAX_SETTLE_ROUNDS`] rounds, so the error shows in `status` (the previous policy stays).
//! The reload itself refuses a rules file that became empty (see `daemon::reload`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc::Sender;

/// A running watch; dropping it stops watching.
pub struct RulesWatch {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for RulesWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RulesWatch")
    }
}

/// The directories to watch for `rules_files` entries (a directory itself, a file's parent)
/// plus `extra` files' parents.
pub fn watch_dirs(rules_files: &[PathBuf], extra: &[PathBuf]) -> BTreeSet<PathBuf> {
    rules_files
        .iter()
        .chain(extra)
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.clone())
            } else {
                p.parent().map(Path::to_path_buf)
            }
        })
        .filter(|p| p.is_dir())
        .collect()
}

/// Whether a changed path can affect the policy: YAML files that are not hidden temporary
/// files.
fn relevant(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !name.starts_with('.') && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// How long a changed file's size and modification time must stay the same.
pub const SETTLE: Duration = Duration::from_millis(100);
/// Settle rounds after which a file that still does not parse is reloaded anyway (so its
/// error reaches `status`).
pub const MAX_SETTLE_ROUNDS: u32 = 20;

/// Size and modification time of `path`; `None` when it is gone.
fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()))
}

/// Whether `path` is gone or reads as YAML.
fn parses(path: &Path) -> bool {
    use saphyr::LoadableYamlNode as _;
    match std::fs::read_to_string(path) {
        Ok(text) => saphyr::YamlOwned::load_from_str(&text).is_ok(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Waits until every file of `paths` is stable (unchanged over `settle`) and parses, or
/// `max_rounds` rounds passed. Returns whether they all settled.
pub fn wait_settled(paths: &BTreeSet<PathBuf>, settle: Duration, max_rounds: u32) -> bool {
    for _ in 0..max_rounds {
        let before: Vec<_> = paths.iter().map(|p| stamp(p)).collect();
        std::thread::sleep(settle);
        let after: Vec<_> = paths.iter().map(|p| stamp(p)).collect();
        if before == after && paths.iter().all(|p| parses(p)) {
            return true;
        }
    }
    false
}

/// Starts watching `dirs`; after a change, waits until `debounce` passes without another one
/// and the changed files settle ([`wait_settled`]), then sends `()` on `tx`.
pub fn start(
    dirs: &BTreeSet<PathBuf>,
    debounce: Duration,
    tx: Sender<()>,
) -> notify::Result<RulesWatch> {
    let (raw_tx, raw_rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if event.kind.is_access() {
                return;
            }
            let changed: Vec<PathBuf> = event.paths.into_iter().filter(|p| relevant(p)).collect();
            if !changed.is_empty() {
                let _ = raw_tx.send(changed);
            }
        }
    })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    std::thread::Builder::new()
        .name("prempti-rules-watch".into())
        .spawn(move || {
            while let Ok(first) = raw_rx.recv() {
                let mut changed: BTreeSet<PathBuf> = first.into_iter().collect();
                loop {
                    // Swallow the rest of the burst.
                    while let Ok(more) = raw_rx.recv_timeout(debounce) {
                        changed.extend(more);
                    }
                    if !wait_settled(&changed, SETTLE, MAX_SETTLE_ROUNDS) {
                        tracing::warn!(
                            "rules files still changing or unparsable after {} ms; reloading \
                             anyway (the previous rules stay in force if they have errors)",
                            SETTLE.as_millis() * u128::from(MAX_SETTLE_ROUNDS)
                        );
                    }
                    // A change that arrived while settling starts another round.
                    match raw_rx.try_recv() {
                        Ok(more) => changed.extend(more),
                        Err(_) => break,
                    }
                }
                if tx.blocking_send(()).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| notify::Error::generic(&format!("cannot start the watch thread: {e}")))?;
    Ok(RulesWatch { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_visible_yaml_files_count() {
        assert!(relevant(Path::new("/r/user/a.yaml")));
        assert!(relevant(Path::new("/r/b.yml")));
        assert!(!relevant(Path::new("/r/.a.yaml.swp")));
        assert!(!relevant(Path::new("/r/.a.yaml")));
        assert!(!relevant(Path::new("/r/README.md")));
    }

    #[test]
    fn settling_waits_for_a_file_that_parses() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.yaml");
        std::fs::write(&good, "- list: a\n  items: [x]\n").unwrap();
        let gone = dir.path().join("gone.yaml");
        let paths: BTreeSet<PathBuf> = [good.clone(), gone].into_iter().collect();
        assert!(wait_settled(&paths, Duration::from_millis(1), 3));
        std::fs::write(&good, "- list: a\n  items: [x\n").unwrap();
        assert!(!wait_settled(&paths, Duration::from_millis(1), 3));
    }

    #[test]
    fn a_burst_of_writes_gives_a_reload_request() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::channel(4);
            let dirs = watch_dirs(&[dir.path().to_owned()], &[]);
            let _watch = start(&dirs, Duration::from_millis(50), tx).unwrap();
            for i in 0..5 {
                std::fs::write(dir.path().join("r.yaml"), format!("# {i}\n")).unwrap();
            }
            let got = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await;
            assert_eq!(got.ok().flatten(), Some(()));
        });
    }
}
