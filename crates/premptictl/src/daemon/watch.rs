//! Debounced watch of the rules directories (and `config/falco.yaml`): a burst of changes
//! (an editor's save, a `git checkout`) becomes one reload request.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

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

/// Starts watching `dirs`; after a change, waits until `debounce` passes without another one,
/// then sends `()` on `tx`.
pub fn start(
    dirs: &BTreeSet<PathBuf>,
    debounce: Duration,
    tx: Sender<()>,
) -> notify::Result<RulesWatch> {
    let (raw_tx, raw_rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if event.kind.is_access() {
                return;
            }
            if event.paths.iter().any(|p| relevant(p)) {
                let _ = raw_tx.send(());
            }
        }
    })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    std::thread::Builder::new()
        .name("prempti-rules-watch".into())
        .spawn(move || {
            while raw_rx.recv().is_ok() {
                // Swallow the rest of the burst.
                while raw_rx.recv_timeout(debounce).is_ok() {}
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
