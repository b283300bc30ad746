//! Finding and reading the audit file and its rotations in chronological order.
//!
//! The writer rotates `audit.jsonl` → `audit.jsonl.1` → `audit.jsonl.2` ..., so the highest
//! number is the oldest and the unnumbered file the newest.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::Record;

/// Records read from one or more files.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// Parsed records, oldest first.
    pub(crate) records: Vec<Record>,
    /// Lines that could not be parsed.
    pub(crate) skipped: usize,
}

/// The audit file's rotations and the file itself, oldest first (only those that exist).
pub(crate) fn files_oldest_first(base: &Path) -> Vec<PathBuf> {
    let mut rotated: Vec<(u64, PathBuf)> = Vec::new();
    if let (Some(dir), Some(name)) = (base.parent(), base.file_name().and_then(|n| n.to_str())) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let file_name = entry.file_name();
                let Some(file_name) = file_name.to_str() else {
                    continue;
                };
                let Some(n) = file_name
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('.'))
                else {
                    continue;
                };
                if let Ok(n) = n.parse::<u64>() {
                    rotated.push((n, entry.path()));
                }
            }
        }
    }
    rotated.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut files: Vec<PathBuf> = rotated.into_iter().map(|(_, p)| p).collect();
    if base.is_file() {
        files.push(base.to_path_buf());
    }
    files
}

/// Reads every record of one file.
pub(crate) fn read_file(path: &Path) -> Result<Loaded> {
    let file = match File::open(path) {
        Ok(file) => file,
        // Rotated away between listing and opening: nothing to read.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(err) => return Err(err).with_context(|| format!("cannot open {}", path.display())),
    };
    let mut reader = BufReader::new(file);
    let mut loaded = Loaded::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        if line.trim().is_empty() {
            continue;
        }
        match Record::parse(&line) {
            Some(record) => loaded.records.push(record),
            None => loaded.skipped += 1,
        }
    }
    Ok(loaded)
}

/// Reads all files, oldest first.
pub(crate) fn read_all(base: &Path) -> Result<Loaded> {
    let mut all = Loaded::default();
    for path in files_oldest_first(base) {
        let loaded = read_file(&path)?;
        all.records.extend(loaded.records);
        all.skipped += loaded.skipped;
    }
    Ok(all)
}

/// Reads files newest first until at least `want` records pass `keep`, and returns the last
/// `want` of them, oldest first.
pub(crate) fn read_tail(
    base: &Path,
    want: usize,
    keep: &dyn Fn(&Record) -> bool,
) -> Result<Loaded> {
    let mut chunks: Vec<Vec<Record>> = Vec::new();
    let mut count = 0;
    let mut skipped = 0;
    for path in files_oldest_first(base).iter().rev() {
        if count >= want {
            break;
        }
        let loaded = read_file(path)?;
        skipped += loaded.skipped;
        let kept: Vec<Record> = loaded.records.into_iter().filter(|r| keep(r)).collect();
        count += kept.len();
        chunks.push(kept);
    }
    let mut records: Vec<Record> = chunks.into_iter().rev().flatten().collect();
    let excess = records.len().saturating_sub(want);
    records.drain(..excess);
    Ok(Loaded { records, skipped })
}
