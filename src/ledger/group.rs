//! Entries written together, whole or not at all, across a crash.
//!
//! Some appends are one group of entries: a publication with the runoffs its result calls
//! for, a close with its desk counts and voided tokens, a keying with the paper ballot it
//! agrees on, a procedure step with its next round's contest. The sequencer writes a group's
//! frames with one `write` and makes them durable with one `fdatasync`, and answers only
//! after that; but a crash before the sync returns may keep any prefix of the frames, and a
//! scan keeps every whole frame. Such a prefix was never acknowledged, yet it would stay in
//! the log: a publication without its runoffs, which `verify` must then accept.
//!
//! So before a group of more than one entry is written, its place (first index, number of
//! entries, the hash of its first entry) is written to the file `group` in the log directory
//! and synced. Start-up reads it: a log that ends inside that group (more than `first`
//! entries, fewer than `first + count`, and the entry at `first` the one named) ends in a
//! group nobody was told about, and is cut back to `first` (`Ledger::open`). A mark whose
//! group never became whole (a crash before any of it reached the disk, a cut, a failed
//! write) is cleared at start-up once the log is cut. Until then, the entries appended at
//! `first` after a failed write are never taken for the group: the mark holds the hash of the
//! group's first entry, and an entry with that hash there (the same `prev`, the same body)
//! begins the same group again. The mark is not cleared after a failed write: should its
//! cut-back have failed too, the mark is what cuts the group at the next start. Once the group is whole the
//! mark names entries that all exist, and the log only grows past them. A torn or damaged mark
//! (its check fails) names nothing: the group it was being written for had not been written
//! yet. With this, every log the service leaves holds whole groups only, and `verify` can
//! require them (protocol 11, docs/LOG_FORMAT.md).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::store::io;
use super::LedgerError;

/// The mark's file in the log directory (not a segment: scans read `*.seg` only).
pub const GROUP_FILE: &str = "group";

const MARK_BYTES: usize = 56;

/// A group as its mark names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub first: u64,
    /// Entries in the group; 0: a cleared mark, naming nothing.
    pub count: u64,
    /// The hash of the group's first entry (`Entry::hash`).
    pub head: [u8; 32],
}

impl Mark {
    /// The cleared mark.
    pub const NONE: Mark = Mark {
        first: 0,
        count: 0,
        head: [0; 32],
    };

    /// The mark's bytes: first index and count (big-endian u64 each), the first entry's hash,
    /// then the first 8 bytes of SHA-256 over those 48, so that a torn write of the mark is
    /// told from a mark.
    fn bytes(&self) -> [u8; MARK_BYTES] {
        let mut out = [0u8; MARK_BYTES];
        out[..8].copy_from_slice(&self.first.to_be_bytes());
        out[8..16].copy_from_slice(&self.count.to_be_bytes());
        out[16..48].copy_from_slice(&self.head);
        let check = Sha256::digest(&out[..48]);
        out[48..].copy_from_slice(&check[..8]);
        out
    }
}

/// The group the mark names; `None` when there is no mark, it does not check, or it is
/// cleared.
pub fn read_mark(dir: &Path) -> Option<Mark> {
    let bytes = std::fs::read(dir.join(GROUP_FILE)).ok()?;
    let bytes: [u8; MARK_BYTES] = bytes.get(..MARK_BYTES)?.try_into().ok()?;
    let mark = Mark {
        first: u64::from_be_bytes(bytes[..8].try_into().ok()?),
        count: u64::from_be_bytes(bytes[8..16].try_into().ok()?),
        head: bytes[16..48].try_into().ok()?,
    };
    (mark.count > 0 && mark.bytes() == bytes).then_some(mark)
}

/// Whether the mark names a group a log of `len` entries does not hold whole (to be cleared).
pub fn stale(mark: Option<Mark>, len: u64) -> bool {
    mark.is_some_and(|m| len < m.first.saturating_add(m.count))
}

/// Where a log of `len` entries must be cut: at `first` when it ends inside the marked group
/// and its entry at `first` (`head_at(first)`, the hash of the entry there) is the group's.
pub fn unfinished(
    mark: Option<Mark>,
    len: u64,
    head_at: impl Fn(u64) -> Option<[u8; 32]>,
) -> Option<u64> {
    let m = mark?;
    (m.first < len && len < m.first.saturating_add(m.count) && head_at(m.first) == Some(m.head))
        .then_some(m.first)
}

/// What start-up does about the mark (`Ledger::open`): [`AtStart::read`] drops from a scan
/// the entries of a group it ends inside, [`AtStart::finish`] cuts them from the file (after
/// the checkpoint journal confirmed that nothing acknowledged goes) and clears a mark whose
/// group the log does not hold whole.
pub struct AtStart {
    /// The first entry dropped: (its index, segment, offset).
    cut: Option<(u64, u64, u64)>,
    stale: bool,
}

impl AtStart {
    pub fn read(dir: &Path, scan: &mut super::store::Scan) -> AtStart {
        let mark = read_mark(dir);
        let len = scan.entries.len() as u64;
        let head_at = |i: u64| {
            let s = scan.entries.get(usize::try_from(i).ok()?)?;
            crate::record::entry::Entry::decode(&s.bytes)
                .ok()
                .map(|e| e.hash())
        };
        let cut = unfinished(mark, len, head_at)
            .and_then(|first| scan.entries.get(usize::try_from(first).ok()?))
            .map(|s| (s.index, s.segment, s.offset));
        if let Some((first, _, _)) = cut {
            scan.entries.truncate(first as usize);
        }
        AtStart {
            cut,
            stale: stale(mark, len),
        }
    }

    pub fn finish(self, dir: &Path) -> Result<(), LedgerError> {
        if let Some((first, segment, offset)) = self.cut {
            super::store::cut(dir, segment, offset)?;
            tracing::warn!(
                first,
                "cut the unfinished group of entries at the end of the log: a crash kept part of it, and it was never acknowledged"
            );
        }
        // Cleared before anything is appended in the group's place.
        if self.stale {
            mark(dir, &mut None, &Mark::NONE)?;
        }
        Ok(())
    }
}

/// Writes and syncs `mark` (the file is created, and its directory entry synced, the first
/// time): the group about to be written, or [`Mark::NONE`] to clear it.
pub fn mark(dir: &Path, file: &mut Option<File>, mark: &Mark) -> Result<(), LedgerError> {
    let path = dir.join(GROUP_FILE);
    if file.is_none() {
        let created = !path.exists();
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        if created {
            if let Ok(d) = File::open(dir) {
                d.sync_all().map_err(|e| io(dir, e))?;
            }
        }
        *file = Some(f);
    }
    let Some(f) = file.as_mut() else {
        return Ok(());
    };
    f.write_all_at(&mark.bytes(), 0)
        .and_then(|_| f.flush())
        .and_then(|_| f.sync_data())
        .map_err(|e| {
            // Open it again next time: the handle's state after a failed write is unknown.
            *file = None;
            io(&path, e)
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn m(first: u64, count: u64) -> Option<Mark> {
        Some(Mark {
            first,
            count,
            head: [first as u8; 32],
        })
    }

    #[test]
    fn a_log_is_cut_only_when_it_ends_inside_the_marked_group() {
        let ours = |i: u64| Some([i as u8; 32]);
        let other = |_: u64| Some([0xEE; 32]);
        let mk = m(10, 3);
        assert_eq!(
            unfinished(mk, 10, ours),
            None,
            "nothing of the group written"
        );
        assert_eq!(unfinished(mk, 11, ours), Some(10));
        assert_eq!(unfinished(mk, 12, ours), Some(10));
        assert_eq!(unfinished(mk, 13, ours), None, "the whole group");
        assert_eq!(
            unfinished(mk, 40, ours),
            None,
            "later entries: the group was whole"
        );
        assert_eq!(
            unfinished(mk, 11, other),
            None,
            "another entry at `first`: a stale mark cuts nothing"
        );
        assert_eq!(unfinished(None, 11, ours), None);
        assert_eq!(unfinished(m(u64::MAX, u64::MAX), u64::MAX, ours), None);
        assert!(stale(mk, 10) && stale(mk, 12) && !stale(mk, 13) && !stale(None, 0));
    }

    #[test]
    fn a_mark_reads_back_and_a_torn_or_cleared_one_names_nothing() {
        let dir = std::env::temp_dir().join(format!("scrutineer-group-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(read_mark(&dir), None);
        let mut f = None;
        mark(&dir, &mut f, &m(7, 2).unwrap()).unwrap();
        assert_eq!(read_mark(&dir), m(7, 2));
        mark(&dir, &mut f, &m(9, 4).unwrap()).unwrap();
        assert_eq!(
            read_mark(&dir),
            m(9, 4),
            "the next group overwrites the mark"
        );
        // A write of a new mark torn after its first bytes.
        let mut bytes = std::fs::read(dir.join(GROUP_FILE)).unwrap();
        bytes[..8].copy_from_slice(&12u64.to_be_bytes());
        std::fs::write(dir.join(GROUP_FILE), &bytes).unwrap();
        assert_eq!(read_mark(&dir), None);
        std::fs::write(dir.join(GROUP_FILE), &bytes[..5]).unwrap();
        assert_eq!(read_mark(&dir), None);
        let mut f = None;
        mark(&dir, &mut f, &m(9, 4).unwrap()).unwrap();
        mark(&dir, &mut f, &Mark::NONE).unwrap();
        assert_eq!(read_mark(&dir), None, "cleared");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
