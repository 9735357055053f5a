//! Transparency-log checkpoints (<https://c2sp.org/tlog-checkpoint>).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::*;

/// A transparency-log checkpoint: the text of a signed tree head.
///
/// Invariants of an encodable checkpoint: `origin` and every extension line
/// are non-empty and contain no newline or other control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity, e.g. `example.com/log42`.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 root hash of the tree.
    pub root: [u8; CHECKPOINT_ROOT_BYTES],
    /// Optional extension lines, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint text `origin\nsize\nbase64(root)\n` followed by each
    /// extension line and a newline; this is the note text to sign.
    ///
    /// # Errors
    ///
    /// [`NoteError::CheckpointField`] if the origin or an extension line is
    /// empty or contains a control character.
    pub fn to_text(&self) -> Result<String, NoteError> {
        check_checkpoint_line(&self.origin, "origin")?;
        for extension in &self.extensions {
            check_checkpoint_line(extension, "extension line")?;
        }
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            out.push_str(extension);
            out.push('\n');
        }
        Ok(out)
    }

    /// Parses checkpoint text (a note's text, not the signed note).
    ///
    /// Strict: the text ends with a newline, no line is empty, the size is
    /// decimal without leading zeros (except `0` itself) and fits in a `u64`,
    /// and the root is exactly 32 bytes in padded standard base64.
    ///
    /// # Errors
    ///
    /// [`NoteError::CheckpointTooFewLines`], [`NoteError::CheckpointEmptyLine`],
    /// [`NoteError::CheckpointSize`], [`NoteError::CheckpointRoot`], or the note
    /// text errors [`NoteError::NoteTooLarge`], [`NoteError::ControlCharacter`]
    /// and [`NoteError::MissingFinalNewline`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        check_note_text(text)?;
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        if let Some(index) = lines.iter().position(|line| line.is_empty()) {
            return Err(NoteError::CheckpointEmptyLine { line: index + 1 });
        }
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(NoteError::CheckpointTooFewLines {
                lines: lines.len(),
                min: CHECKPOINT_LINES_MIN,
            });
        };
        Ok(Self {
            origin: (*origin).to_owned(),
            size: parse_checkpoint_size(size)?,
            root: parse_checkpoint_root(root)?,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        })
    }
}

pub(super) fn check_checkpoint_line(line: &str, field: &'static str) -> Result<(), NoteError> {
    if line.is_empty() {
        return Err(NoteError::CheckpointField {
            field,
            reason: "it is empty",
        });
    }
    if line.chars().any(|c| c < '\u{20}') {
        return Err(NoteError::CheckpointField {
            field,
            reason: "it contains a newline or another control character",
        });
    }
    Ok(())
}

pub(super) fn parse_checkpoint_size(line: &str) -> Result<u64, NoteError> {
    let invalid = |reason| NoteError::CheckpointSize {
        value: excerpt(line),
        reason,
    };
    if !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("it must consist of decimal digits only"));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(invalid("it has a leading zero"));
    }
    line.parse::<u64>()
        .map_err(|_| invalid("it does not fit in 64 bits"))
}

pub(super) fn parse_checkpoint_root(line: &str) -> Result<[u8; CHECKPOINT_ROOT_BYTES], NoteError> {
    let invalid = || NoteError::CheckpointRoot {
        value: excerpt(line),
    };
    let bytes = BASE64.decode(line).map_err(|_| invalid())?;
    <[u8; CHECKPOINT_ROOT_BYTES]>::try_from(bytes.as_slice()).map_err(|_| invalid())
}
