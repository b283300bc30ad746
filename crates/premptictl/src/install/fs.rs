//! File-system helpers for install and configuration edits: atomic writes, copies that leave
//! identical files untouched (so a second install changes nothing), private directories.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};

/// Writes `contents` to `path` through a temporary file in the same directory and a rename,
/// so readers never see a half-written file. `mode` sets the permissions on Unix (default:
/// those of the file being replaced, else 0644).
pub fn write_atomic(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        file.write_all(contents)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all().ok();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = mode
                .or_else(|| {
                    fs::metadata(path)
                        .ok()
                        .map(|m| m.permissions().mode() & 0o7777)
                })
                .unwrap_or(0o644);
            fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot set permissions on {}", tmp.display()))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `contents` to `path` unless it already holds exactly that (and has `mode`).
/// Returns whether anything changed.
pub fn write_if_changed(path: &Path, contents: &[u8], mode: u32) -> Result<bool> {
    if let Ok(existing) = fs::read(path) {
        // Windows has no mode bits: the same bytes are enough there.
        if existing == contents && (cfg!(not(unix)) || mode_of(path) == Some(mode)) {
            return Ok(false);
        }
    }
    write_atomic(path, contents, Some(mode))?;
    Ok(true)
}

/// Copies `from` to `to` unless `to` already has the same bytes and mode. Returns whether
/// anything changed.
pub fn copy_if_changed(from: &Path, to: &Path, mode: u32) -> Result<bool> {
    let contents = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    write_if_changed(to, &contents, mode)
}

/// Makes `to` a copy of the directory tree `from`: files are copied when they differ (mode
/// 0644, directories 0755), and files or directories `from` does not have are removed.
/// Returns whether anything changed.
pub fn sync_tree(from: &Path, to: &Path) -> Result<bool> {
    create_dir_with_mode(to, 0o755)?;
    let mut changed = false;
    let mut shipped = std::collections::BTreeSet::new();
    for entry in fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().map(|n| n.to_owned()) else {
            continue;
        };
        if path.is_dir() {
            changed |= sync_tree(&path, &to.join(&name))?;
        } else if path.is_file() {
            changed |= copy_if_changed(&path, &to.join(&name), 0o644)?;
        } else {
            continue;
        }
        shipped.insert(name);
    }
    for entry in fs::read_dir(to).with_context(|| format!("cannot list {}", to.display()))? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| shipped.contains(n)) {
            continue;
        }
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.with_context(|| format!("cannot remove {}", path.display()))?;
        changed = true;
    }
    Ok(changed)
}

/// The permission bits of `path` (Unix), `None` when it does not exist.
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).ok().map(|_| 0o644)
    }
}

/// Creates `dir` (and its parents) and sets its mode on Unix.
pub fn create_dir_with_mode(dir: &Path, mode: u32) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if mode_of(dir) != Some(mode) {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot set permissions on {}", dir.display()))?;
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        assert!(write_if_changed(&path, b"a", 0o600).unwrap());
        assert!(!write_if_changed(&path, b"a", 0o600).unwrap());
        // A mode change is a change where files have modes.
        assert_eq!(write_if_changed(&path, b"a", 0o644).unwrap(), cfg!(unix));
        assert!(write_if_changed(&path, b"b", 0o644).unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"b");
        assert_eq!(mode_of(&path), Some(0o644));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
