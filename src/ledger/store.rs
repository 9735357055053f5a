//! The segment files: append with `fdatasync`, scan, and cut a torn tail.
//!
//! Invariant: bytes are only ever appended at the end of the last segment, and a batch is
//! acknowledged only after `sync_data` returned for it. A failed write is cut back to the last
//! synced length, so the file never keeps a frame nobody was told about.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::LedgerError;
use crate::record::segment::{
    frames, parse_segment_header, segment_header, segment_name, FrameError, SEGMENT_HEADER_BYTES,
};

pub(super) fn io(path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// Makes a created or removed segment's directory entry durable (best effort: the file's own
/// contents were synced already, and a lost entry of a removed stub is cut again at start-up).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// One entry found on disk.
pub struct Stored {
    pub index: u64,
    pub segment: u64,
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What a scan found at the end of the log.
pub struct Scan {
    pub entries: Vec<Stored>,
    /// A torn last frame that was cut off: (segment file, offset, reason).
    pub torn: Option<(PathBuf, u64, FrameError)>,
}

/// Segment files in index order.
pub fn segment_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, LedgerError> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for e in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let e = e.map_err(|e| io(dir, e))?;
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".seg") {
            if let Ok(first) = stem.parse::<u64>() {
                out.push((first, e.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads every entry. A bad frame at the very end of the last segment is a torn tail: it is cut
/// off (when `repair`) and reported. So is a last segment shorter than its header (a crash or a
/// full disk while it was being created): it holds no frame, and it is removed. A bad frame or
/// header anywhere else is damage and an error.
pub fn scan(dir: &Path, repair: bool) -> Result<Scan, LedgerError> {
    let files = segment_files(dir)?;
    let mut entries = Vec::new();
    let mut torn = None;
    let mut expected_first = 0u64;
    for (n, (first, path)) in files.iter().enumerate() {
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| io(path, e))?;
        let last_segment = n + 1 == files.len();
        // Only the segment the next entry would open can be a stub; a stub with another name
        // means a segment is missing, which is damage (reported by the header check below).
        if last_segment && bytes.len() < SEGMENT_HEADER_BYTES && *first == expected_first {
            if repair {
                fs::remove_file(path).map_err(|e| io(path, e))?;
                sync_dir(dir);
            }
            torn = Some((path.clone(), 0, FrameError::Header));
            break;
        }
        let header_first = parse_segment_header(&bytes).map_err(|e| LedgerError::Damaged {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        if header_first != *first || *first != expected_first {
            return Err(LedgerError::Damaged {
                path: path.display().to_string(),
                detail: format!(
                    "segment starts at entry {header_first}, expected {expected_first}"
                ),
            });
        }
        let (found, err) = frames(&bytes);
        let mut index = *first;
        for f in &found {
            entries.push(Stored {
                index,
                segment: *first,
                offset: f.offset,
                bytes: f.entry.to_vec(),
            });
            index += 1;
        }
        if let Some(err) = err {
            let offset = match err {
                FrameError::Truncated { offset }
                | FrameError::Check { offset }
                | FrameError::Oversize { offset, .. } => offset,
                FrameError::Header => 0,
            };
            if !last_segment {
                return Err(LedgerError::Damaged {
                    path: path.display().to_string(),
                    detail: err.to_string(),
                });
            }
            if repair {
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| io(path, e))?;
                f.set_len(offset).map_err(|e| io(path, e))?;
                f.sync_all().map_err(|e| io(path, e))?;
            }
            torn = Some((path.clone(), offset, err));
        }
        expected_first = index;
    }
    Ok(Scan { entries, torn })
}

/// The appending end of the log.
pub struct Writer {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    /// Length of the current segment up to the last synced frame.
    synced_len: u64,
    segment_bytes_max: u64,
    /// The group mark's file, once opened (`group::mark`).
    group_file: Option<File>,
}

impl Writer {
    /// Opens the last segment for appending (creating the first one if there is none).
    /// `next_index` is the index the next entry will get.
    pub fn open(
        dir: &Path,
        next_index: u64,
        segment_bytes_max: u64,
    ) -> Result<Writer, LedgerError> {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let files = segment_files(dir)?;
        match files.last() {
            Some((_, path)) => {
                let mut file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(|e| io(path, e))?;
                let len = file.seek(SeekFrom::End(0)).map_err(|e| io(path, e))?;
                Ok(Writer {
                    dir: dir.to_path_buf(),
                    file,
                    path: path.clone(),
                    synced_len: len,
                    segment_bytes_max,
                    group_file: None,
                })
            }
            None => Writer::create_segment(dir, next_index, segment_bytes_max),
        }
    }

    fn create_segment(
        dir: &Path,
        first: u64,
        segment_bytes_max: u64,
    ) -> Result<Writer, LedgerError> {
        let path = dir.join(segment_name(first));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        if let Err(e) = file
            .write_all(&segment_header(first))
            .and_then(|_| file.sync_all())
        {
            // A full disk at a rollover: remove the headerless stub, or every later batch would
            // find its name taken and the next start would find a segment without a header.
            drop(file);
            let _ = fs::remove_file(&path);
            sync_dir(dir);
            return Err(io(&path, e));
        }
        // The new file's directory entry must be durable too.
        sync_dir(dir);
        Ok(Writer {
            dir: dir.to_path_buf(),
            file,
            path,
            synced_len: SEGMENT_HEADER_BYTES as u64,
            segment_bytes_max,
            group_file: None,
        })
    }

    /// Appends a batch of framed bytes and makes them durable. Returns the segment id and the
    /// offset the batch starts at. On any failure the segment is cut back to its last synced
    /// length and nothing of the batch remains.
    pub fn append(&mut self, frames: &[u8], first_index: u64) -> Result<(u64, u64), LedgerError> {
        if self.synced_len > SEGMENT_HEADER_BYTES as u64
            && self.synced_len + frames.len() as u64 > self.segment_bytes_max
        {
            *self = Writer::create_segment(&self.dir, first_index, self.segment_bytes_max)?;
        }
        let start = self.synced_len;
        let result = self
            .file
            .seek(SeekFrom::Start(start))
            .and_then(|_| self.file.write_all(frames))
            .and_then(|_| self.file.sync_data());
        match result {
            Ok(()) => {
                self.synced_len = start + frames.len() as u64;
                Ok((self.segment_first(), start))
            }
            Err(e) => {
                // Cut back whatever part of the batch reached the file.
                let _ = self.file.set_len(start);
                let _ = self.file.sync_data();
                Err(io(&self.path, e))
            }
        }
    }

    /// Marks a group of entries before it is written, or clears the mark
    /// ([`super::group::Mark::NONE`]): a crash that keeps part of a group has it cut at the
    /// next start (`super::group`).
    pub fn mark_group(&mut self, mark: &super::group::Mark) -> Result<(), LedgerError> {
        super::group::mark(&self.dir, &mut self.group_file, mark)
    }

    fn segment_first(&self) -> u64 {
        self.path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// Cuts segment `first` at `offset` (the frame of the first entry a start-up drops) and
/// syncs it.
pub fn cut(dir: &Path, first: u64, offset: u64) -> Result<(), LedgerError> {
    let path = dir.join(segment_name(first));
    let f = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| io(&path, e))?;
    f.set_len(offset).map_err(|e| io(&path, e))?;
    f.sync_all().map_err(|e| io(&path, e))
}

/// Reads the entry at `offset` of segment `first` (used by lookups through the index).
pub fn read_at(dir: &Path, first: u64, offset: u64) -> Result<Vec<u8>, LedgerError> {
    let path = dir.join(segment_name(first));
    let mut f = File::open(&path).map_err(|e| io(&path, e))?;
    f.seek(SeekFrom::Start(offset)).map_err(|e| io(&path, e))?;
    let mut len = [0u8; 4];
    f.read_exact(&mut len).map_err(|e| io(&path, e))?;
    let len = u32::from_be_bytes(len) as usize;
    if len > crate::record::segment::FRAME_ENTRY_BYTES_MAX {
        return Err(LedgerError::Damaged {
            path: path.display().to_string(),
            detail: format!("frame at {offset} declares {len} bytes"),
        });
    }
    let mut buf = vec![0u8; len];
    f.read_exact(&mut buf).map_err(|e| io(&path, e))?;
    Ok(buf)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::record::segment::push_frame;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("scrutineer-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn frame(entry: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_frame(&mut out, entry);
        out
    }

    /// A crash or a full disk while segment 2 was being created leaves it without its header
    /// (empty, or part of the header). It holds no frame: a scan reports it as a torn tail and,
    /// when repairing, removes it; the writer then creates segment 2 again.
    #[test]
    fn a_last_segment_without_its_header_is_a_torn_tail() {
        for (name, stub) in [
            ("empty", Vec::new()),
            ("partial", segment_header(2)[..10].to_vec()),
        ] {
            let dir = temp(name);
            // Every batch after a segment's first rolls over to a new segment.
            let mut w = Writer::open(&dir, 0, 1).unwrap();
            w.append(&frame(b"zero"), 0).unwrap();
            w.append(&frame(b"one"), 1).unwrap();
            drop(w);
            let stub_path = dir.join(segment_name(2));
            fs::write(&stub_path, &stub).unwrap();

            let s = scan(&dir, false).unwrap();
            assert_eq!(s.entries.len(), 2, "{name}");
            assert!(
                matches!(&s.torn, Some((p, 0, FrameError::Header)) if *p == stub_path),
                "{name}"
            );
            assert!(
                stub_path.exists(),
                "{name}: a scan without repair changes nothing"
            );
            let s = scan(&dir, true).unwrap();
            assert_eq!(s.entries.len(), 2, "{name}");
            assert!(!stub_path.exists(), "{name}: the stub is removed");

            let mut w = Writer::open(&dir, 2, 1).unwrap();
            w.append(&frame(b"two"), 2).unwrap();
            drop(w);
            let s = scan(&dir, false).unwrap();
            assert!(s.torn.is_none(), "{name}");
            let got: Vec<&[u8]> = s.entries.iter().map(|e| e.bytes.as_slice()).collect();
            assert_eq!(got, [&b"zero"[..], b"one", b"two"], "{name}");
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    /// A short file that is not the last segment, or that is not the segment the next entry
    /// would open, is damage: the log is missing frames, not a half-made segment.
    #[test]
    fn a_short_segment_elsewhere_is_damage() {
        let dir = temp("short-elsewhere");
        let mut w = Writer::open(&dir, 0, 1).unwrap();
        w.append(&frame(b"zero"), 0).unwrap();
        drop(w);
        fs::write(dir.join(segment_name(5)), b"").unwrap();
        assert!(matches!(scan(&dir, true), Err(LedgerError::Damaged { .. })));
        assert!(dir.join(segment_name(5)).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
