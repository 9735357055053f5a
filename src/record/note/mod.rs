//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys, and
//! transparency-log checkpoints (<https://c2sp.org/tlog-checkpoint>).
//!
//! The formats are byte-compatible with the Go reference implementation
//! `golang.org/x/mod/sumdb/note`:
//!
//! * a signed note is the note text (ending in a newline), a blank line, and
//!   one or more signature lines `"— <key name> <base64(key ID || signature)>\n"`
//!   (em dash U+2014, space);
//! * the key ID of an Ed25519 key is the first four bytes, read big-endian, of
//!   `SHA-256(key name || 0x0A || 0x01 || 32-byte public key)`;
//! * a verifier key is written `<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>`;
//! * a signer key is written `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte seed)>`.
//!
//! Verification follows the signed-note rules: signatures from unknown keys
//! are kept but ignored, every signature from a known key must verify, and at
//! least one must.
//!
//! This module only depends on `base64`, `ed25519-dalek`, `sha2` and `thiserror`.
//! Here: the errors and the note itself (parse, encode, sign, verify, open);
//! `keys.rs`: key names, key IDs, verifier and signer keys; `checkpoint.rs`:
//! checkpoints; `tests.rs`: the tests, with the Go reference vectors.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use ed25519_dalek::SigningKey;

/// Largest accepted encoded note (text plus signature lines), in bytes: 1 MiB.
pub const NOTE_BYTES_MAX: usize = 1 << 20;

/// Largest accepted number of signature lines in one note.
///
/// The signed-note specification requires accepting at least 16; the Go
/// reference implementation rejects more than 100.
pub const SIGNATURES_MAX: usize = 100;

/// Signature type identifier byte of Ed25519 note signatures.
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;

/// Length of a key ID on a signature line, in bytes.
pub const KEY_ID_BYTES: usize = 4;

/// Length of an Ed25519 public key or seed, in bytes.
pub const ED25519_KEY_BYTES: usize = 32;

/// Length of a raw Ed25519 signature, in bytes.
pub const ED25519_SIGNATURE_BYTES: usize = 64;

/// Length of a checkpoint root hash, in bytes.
pub const CHECKPOINT_ROOT_BYTES: usize = 32;

/// Number of mandatory lines (origin, size, root) in a checkpoint.
pub const CHECKPOINT_LINES_MIN: usize = 3;

/// Longest excerpt of untrusted input quoted in an error message, in characters.
const ERROR_EXCERPT_CHARS_MAX: usize = 64;

/// Start of every signature line: em dash (U+2014) and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// Start of every encoded signer key.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Everything that can go wrong with notes, keys and checkpoints.
///
/// Every message is a full sentence naming the offending values. Messages
/// never contain private key material.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// The encoded note or checkpoint is larger than [`NOTE_BYTES_MAX`].
    #[error("The note is {bytes} bytes long, which exceeds the limit of {max} bytes.")]
    NoteTooLarge {
        /// Size of the input.
        bytes: usize,
        /// The limit, [`NOTE_BYTES_MAX`].
        max: usize,
    },
    /// The note is not valid UTF-8.
    #[error("The note is not valid UTF-8; the first invalid byte is at offset {offset}.")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The note contains an ASCII control character other than newline.
    #[error(
        "The note contains the control character U+{code:04X} at byte offset {offset}; newline is the only control character allowed."
    )]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
        /// The character's code point.
        code: u32,
    },
    /// The note text (or checkpoint text) does not end with a newline.
    #[error("The note text does not end with a newline.")]
    MissingFinalNewline,
    /// No blank line separates the text from the signatures.
    #[error("The note has no blank line separating its text from its signature lines.")]
    MissingSignatureBlock,
    /// The note has no signature lines.
    #[error("The note has no signature lines.")]
    NoSignatures,
    /// The last signature line is not terminated by a newline.
    #[error("The last signature line of the note does not end with a newline.")]
    UnterminatedSignatureLine,
    /// A signature line does not have the form `— <name> <base64>`.
    #[error("Signature line {line} of the note is malformed: {reason}.")]
    MalformedSignatureLine {
        /// One-based number of the line within the signature block.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The note has more than [`SIGNATURES_MAX`] signatures.
    #[error("The note has {count} signatures, which exceeds the limit of {max}.")]
    TooManySignatures {
        /// Number of signatures found or requested.
        count: usize,
        /// The limit, [`SIGNATURES_MAX`].
        max: usize,
    },
    /// A key name is empty or contains a space, a plus sign or a control character.
    #[error(
        "The key name {name:?} is invalid: a key name must be non-empty and contain no spaces, plus signs or control characters."
    )]
    InvalidKeyName {
        /// The rejected name.
        name: String,
    },
    /// A signature has no signature bytes after its key ID.
    #[error("The signature by key {name}+{key_id:08x} is empty.")]
    EmptySignature {
        /// Key name of the signature.
        name: String,
        /// Key ID of the signature.
        key_id: u32,
    },
    /// A signature by the same key is already on the note.
    #[error("The note already carries a signature by key {name}+{key_id:08x}.")]
    DuplicateSignature {
        /// Key name of the signature.
        name: String,
        /// Key ID of the signature.
        key_id: u32,
    },
    /// An encoded verifier or signer key does not have the expected shape.
    #[error("The {kind} key text is malformed: {reason}.")]
    MalformedKey {
        /// `"verifier"` or `"signer"`.
        kind: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The key ID written in an encoded key is not the one computed from the key.
    #[error(
        "The key ID {stated:08x} written for key {name:?} does not match the key ID {computed:08x} computed from its public key."
    )]
    KeyIdMismatch {
        /// Key name.
        name: String,
        /// Key ID written in the key text.
        stated: u32,
        /// Key ID computed from the name and public key.
        computed: u32,
    },
    /// An encoded key uses a signature type other than Ed25519.
    #[error(
        "Key {name:?} uses signature type {signature_type:#04x}, but only Ed25519 (0x01) is supported."
    )]
    UnsupportedSignatureType {
        /// Key name.
        name: String,
        /// The signature type byte found.
        signature_type: u8,
    },
    /// An Ed25519 public key is unusable.
    #[error("The public key of {name:?} is not a usable Ed25519 key: {reason}.")]
    InvalidPublicKey {
        /// Key name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A signature from a known key does not verify.
    #[error("The signature by known key {name}+{key_id:08x} does not verify.")]
    InvalidSignature {
        /// Key name of the signature.
        name: String,
        /// Key ID of the signature.
        key_id: u32,
    },
    /// More than one of the given verifiers has this name and key ID.
    #[error("More than one verifier was given for key {name}+{key_id:08x}.")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// None of the signatures is from a known key.
    #[error("None of the note's {signatures} signatures is from a known key.")]
    NoVerifiedSignature {
        /// Number of signatures on the note.
        signatures: usize,
    },
    /// A checkpoint has fewer than [`CHECKPOINT_LINES_MIN`] lines.
    #[error(
        "The checkpoint has {lines} lines, but at least {min} (origin, size, root) are required."
    )]
    CheckpointTooFewLines {
        /// Number of lines found.
        lines: usize,
        /// The minimum, [`CHECKPOINT_LINES_MIN`].
        min: usize,
    },
    /// A checkpoint line is empty.
    #[error("Line {line} of the checkpoint is empty; checkpoint lines must be non-empty.")]
    CheckpointEmptyLine {
        /// One-based line number.
        line: usize,
    },
    /// The checkpoint tree size is not a canonical decimal `u64`.
    #[error("The checkpoint tree size {value:?} is invalid: {reason}.")]
    CheckpointSize {
        /// The size line (shortened if long).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The checkpoint root is not the base64 encoding of 32 bytes.
    #[error(
        "The checkpoint root hash {value:?} is invalid: it must be exactly 32 bytes in padded standard base64."
    )]
    CheckpointRoot {
        /// The root line (shortened if long).
        value: String,
    },
    /// A checkpoint field cannot be written as a checkpoint line.
    #[error("The checkpoint {field} cannot be encoded: {reason}.")]
    CheckpointField {
        /// Which field (`"origin"` or `"extension line"`).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The first [`ERROR_EXCERPT_CHARS_MAX`] characters of untrusted input, for
/// error messages.
fn excerpt(value: &str) -> String {
    let mut out: String = value.chars().take(ERROR_EXCERPT_CHARS_MAX).collect();
    if out.len() < value.len() {
        out.push('…');
    }
    out
}

mod checkpoint;
mod keys;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

pub use checkpoint::*;
pub use keys::*;

/// One signature line of a note.
///
/// `signature` holds the signature bytes without the key ID; for Ed25519 it
/// is 64 bytes. Signatures from unknown keys may have any non-zero length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key ID.
    pub key_id: u32,
    /// Raw signature bytes (the key ID is not included).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    fn check(&self) -> Result<(), NoteError> {
        check_key_name(&self.name)?;
        if self.signature.is_empty() {
            return Err(NoteError::EmptySignature {
                name: self.name.clone(),
                key_id: self.key_id,
            });
        }
        Ok(())
    }

    /// `"— <name> <base64(key ID || signature)>\n"`.
    fn line(&self) -> String {
        let mut blob = Vec::with_capacity(KEY_ID_BYTES + self.signature.len());
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_LINE_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(&blob)
        )
    }

    /// Parses one signature line (without its newline).
    fn parse_line(line: &str, number: usize) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::MalformedSignatureLine {
            line: number,
            reason,
        };
        let rest = line
            .strip_prefix(SIGNATURE_LINE_PREFIX)
            .ok_or(malformed("it does not start with an em dash and a space"))?;
        let (name, encoded) = rest
            .split_once(' ')
            .ok_or(malformed("it has no space between key name and signature"))?;
        if !is_valid_key_name(name) {
            return Err(malformed(
                "the key name is empty or contains a space, plus sign or control character",
            ));
        }
        let blob = BASE64
            .decode(encoded)
            .map_err(|_| malformed("the signature is not padded standard base64"))?;
        if blob.len() <= KEY_ID_BYTES {
            return Err(malformed(
                "the signature is too short to hold a key ID and signature bytes",
            ));
        }
        let (id, signature) = blob.split_at(KEY_ID_BYTES);
        let mut id_bytes = [0u8; KEY_ID_BYTES];
        id_bytes.copy_from_slice(id);
        Ok(Self {
            name: name.to_owned(),
            key_id: u32::from_be_bytes(id_bytes),
            signature: signature.to_vec(),
        })
    }
}

/// A note: a text and its signatures, in order.
///
/// Invariants, checked by every constructor and by [`Note::encode`] and
/// [`verify`] (the fields are public, so they check again): the text is at
/// most [`NOTE_BYTES_MAX`] bytes, contains no control character other than
/// newline and ends with a newline; there are at most [`SIGNATURES_MAX`]
/// signatures, each with a valid key name and non-empty signature bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    /// The signatures in the order they appear on the note.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note with the given text.
    ///
    /// # Errors
    ///
    /// [`NoteError::NoteTooLarge`], [`NoteError::ControlCharacter`] or
    /// [`NoteError::MissingFinalNewline`].
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_note_text(&text)?;
        Ok(Self {
            text,
            signatures: Vec::new(),
        })
    }

    /// Parses an encoded signed note without verifying any signature
    /// (the syntax half of Go's `note.Open`).
    ///
    /// # Errors
    ///
    /// Any syntax error: size, UTF-8, control characters, missing or malformed
    /// signature block, or more than [`SIGNATURES_MAX`] signatures.
    pub fn parse(message: &[u8]) -> Result<Self, NoteError> {
        if message.len() > NOTE_BYTES_MAX {
            return Err(NoteError::NoteTooLarge {
                bytes: message.len(),
                max: NOTE_BYTES_MAX,
            });
        }
        let message = std::str::from_utf8(message).map_err(|e| NoteError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        check_control_characters(message)?;
        // The text ends at the last blank line; it keeps its final newline.
        let split = message
            .rfind("\n\n")
            .ok_or(NoteError::MissingSignatureBlock)?;
        // Invariant: split + 2 <= message.len() and both indices fall on
        // ASCII newlines, hence on character boundaries.
        let (text, block) = (&message[..=split], &message[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let Some(block) = block.strip_suffix('\n') else {
            return Err(NoteError::UnterminatedSignatureLine);
        };
        let mut signatures = Vec::new();
        for (index, line) in block.split('\n').enumerate() {
            if index >= SIGNATURES_MAX {
                return Err(NoteError::TooManySignatures {
                    count: block.split('\n').count(),
                    max: SIGNATURES_MAX,
                });
            }
            signatures.push(NoteSignature::parse_line(line, index + 1)?);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The encoded signed note: text, blank line, signature lines.
    ///
    /// # Errors
    ///
    /// A broken invariant (see [`Note`]), [`NoteError::NoSignatures`], or
    /// [`NoteError::NoteTooLarge`] for the encoded result.
    pub fn encode(&self) -> Result<String, NoteError> {
        self.check()?;
        if self.signatures.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.line());
        }
        if out.len() > NOTE_BYTES_MAX {
            return Err(NoteError::NoteTooLarge {
                bytes: out.len(),
                max: NOTE_BYTES_MAX,
            });
        }
        Ok(out)
    }

    /// Appends an existing signature (for example a witness cosignature
    /// received separately). Nothing is verified here; use [`verify`].
    ///
    /// Fails if a signature with the same key name and key ID is already on
    /// the note, or if the note would exceed [`SIGNATURES_MAX`].
    ///
    /// # Errors
    ///
    /// [`NoteError::InvalidKeyName`], [`NoteError::EmptySignature`],
    /// [`NoteError::DuplicateSignature`] or [`NoteError::TooManySignatures`].
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        signature.check()?;
        if self
            .signatures
            .iter()
            .any(|s| s.name == signature.name && s.key_id == signature.key_id)
        {
            return Err(NoteError::DuplicateSignature {
                name: signature.name,
                key_id: signature.key_id,
            });
        }
        if self.signatures.len() >= SIGNATURES_MAX {
            return Err(NoteError::TooManySignatures {
                count: self.signatures.len() + 1,
                max: SIGNATURES_MAX,
            });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `key` under `name` and appends the signature.
    ///
    /// As in Go's `note.Sign`, an existing signature with the same key name and
    /// key ID is replaced (Ed25519 is deterministic, so re-signing with the same
    /// key yields the same signature). Other signatures are kept, so this
    /// also co-signs a note that is already signed.
    ///
    /// # Errors
    ///
    /// A text that breaks the [`Note`] invariants, [`NoteError::InvalidKeyName`]
    /// or [`NoteError::TooManySignatures`].
    pub fn sign_with(&mut self, key: &SigningKey, name: &str) -> Result<(), NoteError> {
        check_note_text(&self.text)?;
        check_key_name(name)?;
        let key_id = ed25519_key_id(name, &key.verifying_key());
        let signature = key.sign(self.text.as_bytes()).to_bytes().to_vec();
        self.signatures
            .retain(|s| !(s.name == name && s.key_id == key_id));
        self.add_signature(NoteSignature {
            name: name.to_owned(),
            key_id,
            signature,
        })
    }

    /// [`Note::sign_with`] using a [`Signer`]'s key and name.
    ///
    /// # Errors
    ///
    /// As [`Note::sign_with`].
    pub fn sign(&mut self, signer: &Signer) -> Result<(), NoteError> {
        self.sign_with(signer.signing_key(), signer.name())
    }

    fn check(&self) -> Result<(), NoteError> {
        check_note_text(&self.text)?;
        if self.signatures.len() > SIGNATURES_MAX {
            return Err(NoteError::TooManySignatures {
                count: self.signatures.len(),
                max: SIGNATURES_MAX,
            });
        }
        self.signatures.iter().try_for_each(NoteSignature::check)
    }
}

/// Verifies `note` against the known `verifiers` and returns the names of
/// the keys whose signatures verified, in order of first appearance and
/// without repetition.
///
/// Signatures whose (key name, key ID) matches no verifier are ignored. Every
/// signature that matches a verifier must verify, otherwise the whole note is
/// rejected with [`NoteError::InvalidSignature`]. At least one signature must
/// verify, otherwise [`NoteError::NoVerifiedSignature`]. Two verifiers with
/// the same name and key ID make any signature by that key
/// [`NoteError::AmbiguousKey`].
///
/// # Errors
///
/// A broken [`Note`] invariant, [`NoteError::AmbiguousKey`],
/// [`NoteError::InvalidSignature`] or [`NoteError::NoVerifiedSignature`].
pub fn verify(note: &Note, verifiers: &[Verifier]) -> Result<Vec<String>, NoteError> {
    note.check()?;
    let mut verified: Vec<String> = Vec::new();
    for signature in &note.signatures {
        let mut matching = verifiers
            .iter()
            .filter(|v| v.name == signature.name && v.key_id == signature.key_id);
        let Some(verifier) = matching.next() else {
            continue;
        };
        if matching.next().is_some() {
            return Err(NoteError::AmbiguousKey {
                name: signature.name.clone(),
                key_id: signature.key_id,
            });
        }
        if !verifier.verify(note.text.as_bytes(), &signature.signature) {
            return Err(NoteError::InvalidSignature {
                name: signature.name.clone(),
                key_id: signature.key_id,
            });
        }
        if !verified.contains(&signature.name) {
            verified.push(signature.name.clone());
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature {
            signatures: note.signatures.len(),
        });
    }
    Ok(verified)
}

/// Verifies one teller's signature line on a checkpoint text: the line must be exactly one
/// signature line (`— name base64`, no line break inside), by one of `verifiers`, valid for
/// `text`. Returns the verifier's name. A line that carries a second signature, an unknown
/// name before a valid one, or anything after it is refused: signatures are counted by the
/// key that verified, never by the text of the line.
///
/// # Errors
///
/// [`NoteError::MalformedSignatureLine`] for anything but one signature line, and the errors
/// of [`Note::parse`] and [`verify`].
pub fn verify_signature_line(
    text: &str,
    line: &str,
    verifiers: &[Verifier],
) -> Result<String, NoteError> {
    if line.contains('\n') || line.contains('\r') {
        return Err(NoteError::MalformedSignatureLine {
            line: 1,
            reason: "a signature line holds exactly one signature and no line break",
        });
    }
    let signed = format!("{text}\n{line}\n");
    let note = Note::parse(signed.as_bytes())?;
    if note.signatures.len() != 1 {
        return Err(NoteError::MalformedSignatureLine {
            line: 1,
            reason: "a signature line holds exactly one signature",
        });
    }
    let mut names = verify(&note, verifiers)?;
    match (names.pop(), names.is_empty()) {
        (Some(name), true) => Ok(name),
        _ => Err(NoteError::MalformedSignatureLine {
            line: 1,
            reason: "a signature line holds exactly one signature",
        }),
    }
}

/// Parses and verifies an encoded note (Go: `note.Open`): [`Note::parse`]
/// followed by [`verify`].
///
/// # Errors
///
/// As [`Note::parse`] and [`verify`].
pub fn open(message: &[u8], verifiers: &[Verifier]) -> Result<(Note, Vec<String>), NoteError> {
    let note = Note::parse(message)?;
    let names = verify(&note, verifiers)?;
    Ok((note, names))
}
