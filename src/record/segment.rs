//! Segment files: the record of truth on disk (docs/LOG_FORMAT.md).
//!
//! A segment is a header `"SCRUTSEG" | version u32 BE | first_index u64 BE` followed by frames
//! `length u32 BE | entry | check [4]`, where `check` is the first four bytes of
//! `SHA-256(entry)`. The check tells a torn or half-written frame from a complete one; the hash
//! chain inside the entries tells a changed entry from the one that was written.

use sha2::{Digest, Sha256};

pub const SEGMENT_MAGIC: &[u8; 8] = b"SCRUTSEG";
pub const SEGMENT_VERSION: u32 = 1;
pub const SEGMENT_HEADER_BYTES: usize = 8 + 4 + 8;
pub const FRAME_OVERHEAD_BYTES: usize = 4 + 4;
/// Largest entry a frame may declare.
pub const FRAME_ENTRY_BYTES_MAX: usize =
    super::entry::ENTRY_BODY_BYTES_MAX + super::entry::ENTRY_HEADER_BYTES;

pub fn segment_header(first_index: u64) -> [u8; SEGMENT_HEADER_BYTES] {
    let mut h = [0u8; SEGMENT_HEADER_BYTES];
    h[..8].copy_from_slice(SEGMENT_MAGIC);
    h[8..12].copy_from_slice(&SEGMENT_VERSION.to_be_bytes());
    h[12..20].copy_from_slice(&first_index.to_be_bytes());
    h
}

/// Parses a segment header and returns the index of its first entry.
pub fn parse_segment_header(bytes: &[u8]) -> Result<u64, FrameError> {
    if bytes.len() < SEGMENT_HEADER_BYTES || &bytes[..8] != SEGMENT_MAGIC {
        return Err(FrameError::Header);
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(&bytes[8..12]);
    if u32::from_be_bytes(v) != SEGMENT_VERSION {
        return Err(FrameError::Header);
    }
    let mut f = [0u8; 8];
    f.copy_from_slice(&bytes[12..20]);
    Ok(u64::from_be_bytes(f))
}

fn check_of(entry: &[u8]) -> [u8; 4] {
    let d = Sha256::digest(entry);
    [d[0], d[1], d[2], d[3]]
}

/// Appends one frame for `entry` to `out`.
pub fn push_frame(out: &mut Vec<u8>, entry: &[u8]) {
    out.extend_from_slice(&(entry.len() as u32).to_be_bytes());
    out.extend_from_slice(entry);
    out.extend_from_slice(&check_of(entry));
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("段文件头无效 / The segment header is not a Scrutineer segment header.")]
    Header,
    #[error("帧在第 {offset} 字节处不完整 (文件在写入中被截断) / The frame at byte {offset} is incomplete (the file ends inside it).")]
    Truncated { offset: u64 },
    #[error("帧在第 {offset} 字节处声明的长度 {length} 超过上限 / The frame at byte {offset} declares {length} bytes, above the limit.")]
    Oversize { offset: u64, length: u64 },
    #[error("帧在第 {offset} 字节处校验不符 / The frame at byte {offset} fails its check bytes.")]
    Check { offset: u64 },
}

/// One frame found in a segment buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Byte offset of the frame inside the segment file.
    pub offset: u64,
    pub entry: &'a [u8],
}

/// Walks the frames of a segment's bytes (after the header). Stops at the first bad frame and
/// reports it with its offset, so the caller can tell a torn tail from damage in the middle.
pub fn frames(segment: &[u8]) -> (Vec<Frame<'_>>, Option<FrameError>) {
    let mut out = Vec::new();
    let mut pos = SEGMENT_HEADER_BYTES;
    while pos < segment.len() {
        let offset = pos as u64;
        if segment.len() - pos < 4 {
            return (out, Some(FrameError::Truncated { offset }));
        }
        let mut l = [0u8; 4];
        l.copy_from_slice(&segment[pos..pos + 4]);
        let len = u32::from_be_bytes(l) as usize;
        if len > FRAME_ENTRY_BYTES_MAX {
            return (
                out,
                Some(FrameError::Oversize {
                    offset,
                    length: len as u64,
                }),
            );
        }
        let end = pos + 4 + len + 4;
        if end > segment.len() {
            return (out, Some(FrameError::Truncated { offset }));
        }
        let entry = &segment[pos + 4..pos + 4 + len];
        if segment[pos + 4 + len..end] != check_of(entry) {
            return (out, Some(FrameError::Check { offset }));
        }
        out.push(Frame { offset, entry });
        pos = end;
    }
    (out, None)
}

/// The segment file name for a segment starting at `first_index`.
pub fn segment_name(first_index: u64) -> String {
    format!("{first_index:020}.seg")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_torn_tails_are_reported() {
        let mut seg = segment_header(7).to_vec();
        push_frame(&mut seg, b"first");
        push_frame(&mut seg, b"second entry");
        assert_eq!(parse_segment_header(&seg).unwrap(), 7);
        let (f, err) = frames(&seg);
        assert_eq!(err, None);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].entry, b"second entry");
        for cut in SEGMENT_HEADER_BYTES + 1..seg.len() {
            let (f, err) = frames(&seg[..cut]);
            assert!(f.len() < 2 || cut == seg.len());
            if cut != SEGMENT_HEADER_BYTES + 4 + 5 + 4 {
                assert!(err.is_some(), "cut at {cut}");
            }
        }
        let mut bad = seg.clone();
        let n = bad.len();
        bad[n - 6] ^= 1;
        assert!(matches!(frames(&bad).1, Some(FrameError::Check { .. })));
    }
}
