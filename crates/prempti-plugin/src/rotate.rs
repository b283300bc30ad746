//! A size-rotating, append-only line writer.
//!
//! [`RotatingFile`] appends whole lines to a file opened with `O_APPEND`: each line goes out in
//! one `write` call under a mutex, so concurrent writers in this process never interleave and
//! other processes appending to the same file see whole lines. When a line would push the file
//! past [`RotationPolicy::max_bytes`], the file is rotated first: `name.(n-1)` → `name.n`, ...,
//! `name` → `name.1`, keeping at most [`RotationPolicy::max_files`] old files; the oldest is
//! removed. A single line larger than the limit is still written whole, into a fresh file.
//!
//! The audit log uses it for `log/audit.jsonl`; the daemon uses it for `alerts.jsonl` and
//! `daemon.log`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// When to rotate and how many old files to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Rotate before a write would make the file larger than this (0 disables rotation).
    pub max_bytes: u64,
    /// How many rotated files (`name.1` ... `name.N`) to keep; 0 keeps none.
    pub max_files: u32,
}

impl Default for RotationPolicy {
    /// 10 MiB per file, 5 old files.
    fn default() -> Self {
        RotationPolicy {
            max_bytes: 10 * 1024 * 1024,
            max_files: 5,
        }
    }
}

/// Why a rotating file failed.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// Opening, creating or writing the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Renaming the files for rotation failed.
    #[error("cannot rotate {path}: {source}")]
    Rotate {
        /// The file being rotated.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

struct Inner {
    file: File,
    len: u64,
}

/// An append-only file that rotates by size; see the [module docs](self).
pub struct RotatingFile {
    path: PathBuf,
    policy: RotationPolicy,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for RotatingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingFile")
            .field("path", &self.path)
            .field("policy", &self.policy)
            .finish()
    }
}

impl RotatingFile {
    /// Opens (creating it and its parent directory if needed) `path` for appending.
    ///
    /// New files are created with mode 0600 on Unix: logs hold the agents' tool calls.
    pub fn open(
        path: impl Into<PathBuf>,
        policy: RotationPolicy,
    ) -> Result<RotatingFile, RotateError> {
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|source| RotateError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let file = open_append(&path).map_err(|source| RotateError::Io {
            path: path.clone(),
            source,
        })?;
        let len = file
            .metadata()
            .map_err(|source| RotateError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        Ok(RotatingFile {
            path,
            policy,
            inner: Mutex::new(Inner { file, len }),
        })
    }

    /// The path of the current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rotation policy.
    pub fn policy(&self) -> RotationPolicy {
        self.policy
    }

    /// The path of the `n`-th rotated file (`name.n`).
    pub fn rotated_path(&self, n: u32) -> PathBuf {
        rotated(&self.path, n)
    }

    /// Appends `line` followed by a newline (unless it already ends with one) in one write,
    /// rotating first if the file would grow past the limit.
    pub fn write_line(&self, line: &[u8]) -> Result<(), RotateError> {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line);
        if buf.last() != Some(&b'\n') {
            buf.push(b'\n');
        }
        let mut inner = self.lock();
        let new_len = inner.len.saturating_add(buf.len() as u64);
        if self.policy.max_bytes > 0 && inner.len > 0 && new_len > self.policy.max_bytes {
            self.rotate_locked(&mut inner)?;
        }
        inner
            .file
            .write_all(&buf)
            .map_err(|source| RotateError::Io {
                path: self.path.clone(),
                source,
            })?;
        inner.len = inner.len.saturating_add(buf.len() as u64);
        Ok(())
    }

    /// Rotates now, whatever the size.
    pub fn rotate(&self) -> Result<(), RotateError> {
        let mut inner = self.lock();
        self.rotate_locked(&mut inner)
    }

    /// Flushes the file to disk (`fsync`).
    pub fn sync(&self) -> Result<(), RotateError> {
        self.lock()
            .file
            .sync_data()
            .map_err(|source| RotateError::Io {
                path: self.path.clone(),
                source,
            })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent file: keep going.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn rotate_locked(&self, inner: &mut Inner) -> Result<(), RotateError> {
        let err = |source| RotateError::Rotate {
            path: self.path.clone(),
            source,
        };
        if self.policy.max_files == 0 {
            remove_if_exists(&self.path).map_err(err)?;
        } else {
            remove_if_exists(&rotated(&self.path, self.policy.max_files)).map_err(err)?;
            for n in (1..self.policy.max_files).rev() {
                let from = rotated(&self.path, n);
                if from.exists() {
                    fs::rename(&from, rotated(&self.path, n + 1)).map_err(err)?;
                }
            }
            fs::rename(&self.path, rotated(&self.path, 1)).map_err(err)?;
        }
        inner.file = open_append(&self.path).map_err(|source| RotateError::Io {
            path: self.path.clone(),
            source,
        })?;
        inner.len = 0;
        Ok(())
    }
}

fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn rotates_by_size_and_keeps_at_most_max_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let file = RotatingFile::open(
            &path,
            RotationPolicy {
                max_bytes: 10,
                max_files: 2,
            },
        )
        .unwrap();
        for word in ["one", "two", "three", "four", "five", "six"] {
            file.write_line(word.as_bytes()).unwrap();
        }
        // Each file holds as many whole lines as fit in 10 bytes; "one\ntwo\n" fell off the end.
        assert_eq!(fs::read_to_string(&path).unwrap(), "six\n");
        assert_eq!(
            fs::read_to_string(file.rotated_path(1)).unwrap(),
            "four\nfive\n"
        );
        assert_eq!(fs::read_to_string(file.rotated_path(2)).unwrap(), "three\n");
        assert!(!file.rotated_path(3).exists());
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "fails under Wine: a file still open is not replaced on rotation with max_files 0; to check on real Windows"
    )]
    fn an_oversized_line_is_written_whole_and_zero_max_files_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.log");
        let file = RotatingFile::open(
            &path,
            RotationPolicy {
                max_bytes: 4,
                max_files: 0,
            },
        )
        .unwrap();
        file.write_line(b"ab\n").unwrap();
        file.write_line(b"a much longer line").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a much longer line\n");
        assert!(!file.rotated_path(1).exists());
    }

    #[test]
    fn reopening_continues_with_the_existing_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.log");
        fs::write(&path, "12345678\n").unwrap();
        let file = RotatingFile::open(
            &path,
            RotationPolicy {
                max_bytes: 12,
                max_files: 1,
            },
        )
        .unwrap();
        file.write_line(b"abc").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "abc\n");
        assert_eq!(
            fs::read_to_string(file.rotated_path(1)).unwrap(),
            "12345678\n"
        );
    }

    #[test]
    fn concurrent_writers_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.log");
        let file = Arc::new(
            RotatingFile::open(
                &path,
                RotationPolicy {
                    max_bytes: 0,
                    max_files: 0,
                },
            )
            .unwrap(),
        );
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let file = Arc::clone(&file);
                std::thread::spawn(move || {
                    let line = format!("{t}").repeat(5000);
                    for _ in 0..50 {
                        file.write_line(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 400);
        for line in text.lines() {
            assert_eq!(line.len(), 5000);
            let first = line.as_bytes()[0];
            assert!(line.bytes().all(|b| b == first), "interleaved line");
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.log");
        let file = RotatingFile::open(&path, RotationPolicy::default()).unwrap();
        file.write_line(b"x").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
