//! `logs -f`: keep reading `audit.jsonl` as lines are appended, across rotations.
//!
//! The file is polled. It is reopened when its inode changes (rotated: the old file was renamed
//! to `.1` and a new one created) or it shrinks (truncated); before switching, whatever the old
//! handle still holds is read, so no call written just before a rotation is lost. A line without
//! its newline yet is kept until the rest arrives; a partial line abandoned by a rotation is
//! counted as unreadable.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::Record;

/// How often the file is checked for new lines.
const POLL: Duration = Duration::from_millis(200);

/// A reader positioned in the audit file.
#[derive(Debug)]
pub(crate) struct Follower {
    path: PathBuf,
    file: Option<File>,
    identity: Option<FileId>,
    offset: u64,
    partial: Vec<u8>,
    /// Unreadable lines seen so far.
    pub(crate) skipped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

fn file_id(meta: &std::fs::Metadata) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Follower {
    /// Starts following `path` at byte `offset` (the end of what was already shown).
    pub(crate) fn new(path: &Path, offset: u64) -> Follower {
        let mut follower = Follower {
            path: path.to_path_buf(),
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            skipped: 0,
        };
        if let Ok(file) = File::open(path) {
            let meta = file.metadata().ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            follower.identity = meta.as_ref().and_then(file_id);
            follower.offset = offset.min(len);
            follower.file = Some(file);
        }
        follower
    }

    /// Reads whatever was appended since the last call and returns the complete records.
    pub(crate) fn poll(&mut self) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        let current = std::fs::metadata(&self.path).ok();
        let replaced = match (&current, self.file.is_some()) {
            (None, _) => false,
            (Some(_), false) => true,
            (Some(meta), true) => {
                let id = file_id(meta);
                (id.is_some() && id != self.identity) || meta.len() < self.offset
            }
        };
        if self.file.is_some() {
            // Drain the handle we hold first: after a rotation it is the renamed old file.
            self.read_new(&mut out)?;
        }
        if replaced {
            if !self.partial.is_empty() {
                self.partial.clear();
                self.skipped += 1;
            }
            match File::open(&self.path) {
                Ok(file) => {
                    self.identity = file.metadata().ok().as_ref().and_then(file_id);
                    self.file = Some(file);
                    self.offset = 0;
                    self.read_new(&mut out)?;
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => self.file = None,
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot open {}", self.path.display()))
                }
            }
        }
        Ok(out)
    }

    fn read_new(&mut self, out: &mut Vec<Record>) -> Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(self.offset))
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        let mut buf = Vec::new();
        let n = file
            .read_to_end(&mut buf)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        self.offset += n as u64;
        self.partial.extend_from_slice(&buf);
        while let Some(pos) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            match Record::parse(&text) {
                Some(record) => out.push(record),
                None => self.skipped += 1,
            }
        }
        Ok(())
    }

    /// Polls forever, handing every new record to `emit`; returns only on an error (including
    /// one from `emit`, e.g. a closed pipe).
    pub(crate) fn run(&mut self, mut emit: impl FnMut(&Record) -> Result<()>) -> Result<()> {
        let mut reported = self.skipped;
        loop {
            for record in self.poll()? {
                emit(&record)?;
            }
            if self.skipped > reported {
                eprintln!(
                    "premptictl: skipped {} unreadable line(s) in the audit log",
                    self.skipped - reported
                );
                reported = self.skipped;
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// A complete record line deciding `decision`, with its newline.
    fn line(decision: &str) -> String {
        crate::audit_view::test_line(serde_json::json!({ "decision": decision })) + "\n"
    }

    #[test]
    fn follows_appends_partial_lines_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        append(&path, &line("allow"));
        let mut f = Follower::new(&path, std::fs::metadata(&path).unwrap().len());
        assert!(f.poll().unwrap().is_empty());
        let ask = line("ask");
        let (head, tail) = ask.split_at(ask.len() / 2);
        append(&path, &(line("deny") + head));
        let got = f.poll().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].decision(), "deny");
        append(&path, tail);
        assert_eq!(f.poll().unwrap()[0].decision(), "ask");
        // Written just before the rotation, then rotated, then a new file.
        append(&path, &line("defer"));
        std::fs::rename(&path, dir.path().join("audit.jsonl.1")).unwrap();
        append(&path, &line("allow"));
        let got = f.poll().unwrap();
        let decisions: Vec<&str> = got.iter().map(Record::decision).collect();
        assert_eq!(decisions, ["defer", "allow"]);
        // Truncation (to less than was read) restarts from the beginning.
        append(&path, &(line("ask") + &line("ask")));
        assert_eq!(f.poll().unwrap().len(), 2);
        std::fs::write(&path, format!("garbage\n{}", line("deny"))).unwrap();
        let got = f.poll().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(f.skipped, 1);
    }
}
