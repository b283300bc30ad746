//! Reading and writing agents' JSON settings files safely.
//!
//! - A file that does not parse is never overwritten: the error names the file, line and column.
//! - Writes are atomic: a temporary file in the same directory is written, fsynced, given the
//!   original's permissions and renamed over the target (a symlinked settings file is written
//!   through to its target, so dotfile managers keep their link).
//! - Output keeps the file's key order (serde_json `preserve_order`), its indentation unit and
//!   whether it ended with a newline.
//! - Backups: `<file>.prempti-backup` holds the file exactly as it was before Prempti's entries
//!   were added the last time (it is refreshed whenever `hook add` inserts Prempti's entries into
//!   a file that has none, and left alone by an `add` that finds them already there). `hook
//!   remove` restores the backup's bytes when removing Prempti's entries gives back the same
//!   document, and then deletes the backup.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use serde_json::{Map, Value};

/// Suffix of the backup kept next to an edited settings file.
pub(crate) const BACKUP_SUFFIX: &str = ".prempti-backup";

/// A settings file as read from disk.
#[derive(Debug, Clone)]
pub(crate) struct SettingsFile {
    /// Where edits are written (the symlink target when the settings path is a link).
    pub(crate) path: PathBuf,
    /// The original bytes, `None` when the file does not exist.
    pub(crate) original: Option<Vec<u8>>,
    /// The parsed top-level object (empty when the file is missing or blank).
    pub(crate) doc: Map<String, Value>,
    /// How to write it back.
    pub(crate) style: Style,
}

/// Formatting details kept across a rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Style {
    /// One indentation level (two spaces, four spaces, a tab, ...).
    pub(crate) indent: String,
    /// Whether the file ends with a newline.
    pub(crate) trailing_newline: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            indent: "  ".to_owned(),
            trailing_newline: true,
        }
    }
}

/// The path of the backup for `path`.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(BACKUP_SUFFIX);
    path.with_file_name(name)
}

/// Reads and parses `path`; a missing file reads as an empty document.
pub(crate) fn read(path: &Path) -> Result<SettingsFile> {
    let path = resolve_symlink(path);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Ok(SettingsFile {
                path,
                original: None,
                doc: Map::new(),
                style: Style::default(),
            });
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let doc = parse(&path, &bytes)?;
    let style = detect_style(&bytes);
    Ok(SettingsFile {
        path,
        original: Some(bytes),
        doc,
        style,
    })
}

/// Parses settings bytes into a top-level object; blank content is an empty object.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Map<String, Value>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not valid UTF-8 (byte {}); fix or move the file, Prempti will not overwrite it",
            path.display(),
            e.valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => bail!(
            "{} must hold a JSON object at the top level, found {}; fix or move the file, Prempti will not overwrite it",
            path.display(),
            kind_of(&other)
        ),
        Err(err) => bail!(
            "cannot parse {} at line {} column {}: {err}; fix the file (or move it away), Prempti will not overwrite it",
            path.display(),
            err.line(),
            err.column()
        ),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn resolve_symlink(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Finds the indentation unit (the leading whitespace of the first indented line) and whether
/// the text ends with a newline.
pub(crate) fn detect_style(bytes: &[u8]) -> Style {
    let text = String::from_utf8_lossy(bytes);
    let indent = text
        .lines()
        .skip(1)
        .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
        .find(|ws| !ws.is_empty())
        .unwrap_or("  ")
        .to_owned();
    let trailing_newline = text.is_empty() || text.ends_with('\n');
    Style {
        indent,
        trailing_newline,
    }
}

/// Serializes `doc` in `style`.
pub(crate) fn render(doc: &Map<String, Value>, style: &Style) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(style.indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    doc.serialize(&mut ser)
        .context("cannot serialize the settings")?;
    if style.trailing_newline {
        out.push(b'\n');
    }
    Ok(out)
}

/// Writes `bytes` to `path` atomically, keeping the permissions of the file it replaces.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.prempti-tmp-{}", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        if let Ok(meta) = fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    // Best effort: makes the rename durable; some filesystems refuse to fsync a directory.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

/// Removes `path`, treating "already gone" as success.
pub(crate) fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Removes the directories above `path` that are now empty (`hook add` created them for a
/// settings file that did not exist), stopping at `stop` (the user's home), which is kept, and
/// at the first directory that is not empty. Nothing outside `stop` is touched.
pub(crate) fn remove_empty_parents(path: &Path, stop: &Path) {
    for dir in path.ancestors().skip(1) {
        if dir == stop || !dir.starts_with(stop) || fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_detects_indent_and_newline() {
        assert_eq!(
            detect_style(b"{\n    \"a\": 1\n}\n"),
            Style {
                indent: "    ".into(),
                trailing_newline: true
            }
        );
        assert_eq!(
            detect_style(b"{\n\t\"a\": 1\n}"),
            Style {
                indent: "\t".into(),
                trailing_newline: false
            }
        );
        assert_eq!(
            detect_style(b"{}"),
            Style {
                indent: "  ".into(),
                trailing_newline: false
            }
        );
    }

    #[test]
    fn render_round_trips_a_pretty_file() {
        let text = b"{\n    \"b\": 1,\n    \"a\": [\n        true\n    ]\n}\n";
        let doc = parse(Path::new("x.json"), text).unwrap();
        assert_eq!(render(&doc, &detect_style(text)).unwrap(), text.to_vec());
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = parse(Path::new("/x/settings.json"), b"{\n  \"a\": 1,\n  oops\n}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/x/settings.json at line 3"), "{err}");
        let err = parse(Path::new("s.json"), b"[1]").unwrap_err().to_string();
        assert!(err.contains("an array"), "{err}");
        assert!(parse(Path::new("s.json"), b"  \n").unwrap().is_empty());
    }

    #[test]
    fn atomic_write_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        fs::write(&path, "{}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            write_atomic(&path, b"{\"a\":1}").unwrap();
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        write_atomic(&path, b"{\"b\":1}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"b\":1}");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }
}
