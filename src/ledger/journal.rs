//! The checkpoint journal: every checkpoint the log key signs, appended to
//! `data/log/checkpoints.log` beside the segments.
//!
//! Why it exists: a signed checkpoint is a promise to the world about the log's first `size`
//! entries. The index (sled) is derived and may be deleted, so it cannot be the only memory of
//! what was promised. At start-up every journaled checkpoint is checked against the log: one
//! that is larger than the log, or whose root differs, means acknowledged entries are missing
//! or changed, and the ledger refuses to open rather than sign a second, different checkpoint
//! of the same size (a fork). It also keeps the history of intermediate checkpoints across
//! an index rebuild and a backup/restore.
//!
//! Format: one line per checkpoint, `<size> <base64 of the signed note>\n`. A last line
//! without its newline is a torn append and is cut. The journal is written after each batch
//! without its own `fdatasync` (a process crash keeps it in the page cache; after a power loss
//! its last lines may be missing, which only loses history, never acceptance of a fork of what
//! it still holds).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::LedgerError;

const JOURNAL_NAME: &str = "checkpoints.log";

/// The open journal, appended to by the sequencer.
pub struct Journal {
    path: PathBuf,
    file: File,
    last: u64,
    len: u64,
}

fn io(path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

fn damaged(path: &Path, detail: String) -> LedgerError {
    LedgerError::Damaged {
        path: path.display().to_string(),
        detail,
    }
}

/// Opens (creating) the journal in `log_dir` and reads what it holds, cutting a torn last line.
pub fn open(log_dir: &Path) -> Result<(Journal, Vec<(u64, String)>), LedgerError> {
    std::fs::create_dir_all(log_dir).map_err(|e| io(log_dir, e))?;
    let path = log_dir.join(JOURNAL_NAME);
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| io(&path, e))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| io(&path, e))?;
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if whole < bytes.len() {
        tracing::warn!(path = %path.display(), offset = whole, "cut a torn line at the end of the checkpoint journal");
        file.set_len(whole as u64).map_err(|e| io(&path, e))?;
    }
    let mut out: Vec<(u64, String)> = Vec::new();
    for (n, line) in bytes[..whole].split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| damaged(&path, format!("line {}: {why}", n + 1));
        let text = std::str::from_utf8(line).map_err(|_| bad("not UTF-8"))?;
        let (size, note) = text.split_once(' ').ok_or_else(|| bad("no size"))?;
        let size: u64 = size.parse().map_err(|_| bad("bad size"))?;
        let note = BASE64.decode(note).map_err(|_| bad("bad base64"))?;
        let note = String::from_utf8(note).map_err(|_| bad("note not UTF-8"))?;
        if out.last().is_some_and(|(last, _)| *last >= size) {
            return Err(bad("sizes do not increase"));
        }
        out.push((size, note));
    }
    let last = out.last().map_or(0, |(n, _)| *n);
    Ok((
        Journal {
            path,
            file,
            last,
            len: whole as u64,
        },
        out,
    ))
}

impl Journal {
    /// Appends a checkpoint of a larger size than any journaled (smaller or equal sizes are
    /// already there: they are skipped).
    pub fn append(&mut self, size: u64, note: &str) -> Result<(), LedgerError> {
        if size <= self.last {
            return Ok(());
        }
        let line = format!("{size} {}\n", BASE64.encode(note.as_bytes()));
        if let Err(e) = self.file.write_all(line.as_bytes()) {
            // No half line stays behind to glue onto the next one.
            let _ = self.file.set_len(self.len);
            return Err(io(&self.path, e));
        }
        self.len += line.len() as u64;
        self.last = size;
        Ok(())
    }

    /// Makes the journal durable (called when the ledger closes).
    pub fn sync(&self) -> Result<(), LedgerError> {
        self.file.sync_data().map_err(|e| io(&self.path, e))
    }
}
