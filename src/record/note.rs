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

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

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

/// The C2SP key ID: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || signature_type || public_key)`.
pub fn key_id(name: &str, signature_type: u8, public_key: &[u8]) -> u32 {
    key_hash(name, &[&[signature_type], public_key])
}

/// First four bytes, big-endian, of `SHA-256(name || 0x0A || parts...)`
/// (Go: `keyHash`, where the parts are the encoded key including its type byte).
fn key_hash(name: &str, parts: &[&[u8]]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    for part in parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut id = [0u8; KEY_ID_BYTES];
    // Invariant: a SHA-256 digest is 32 bytes, longer than KEY_ID_BYTES.
    id.copy_from_slice(&digest[..KEY_ID_BYTES]);
    u32::from_be_bytes(id)
}

/// The key ID of an Ed25519 key under `name`.
pub fn ed25519_key_id(name: &str, key: &VerifyingKey) -> u32 {
    key_id(name, SIGNATURE_TYPE_ED25519, key.as_bytes())
}

/// Whether `name` may be used as a key name: non-empty, and free of Unicode
/// white space, `+` and ASCII control characters.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_ascii_control())
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

/// Rejects ASCII control characters (below U+0020) other than newline.
fn check_control_characters(text: &str) -> Result<(), NoteError> {
    match text
        .char_indices()
        .find(|&(_, c)| c < '\u{20}' && c != '\n')
    {
        Some((offset, c)) => Err(NoteError::ControlCharacter {
            offset,
            code: u32::from(c),
        }),
        None => Ok(()),
    }
}

/// Checks the rules every note text obeys: at most [`NOTE_BYTES_MAX`] bytes,
/// no control characters but newline, and a final newline.
fn check_note_text(text: &str) -> Result<(), NoteError> {
    if text.len() > NOTE_BYTES_MAX {
        return Err(NoteError::NoteTooLarge {
            bytes: text.len(),
            max: NOTE_BYTES_MAX,
        });
    }
    check_control_characters(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

/// Parses `<name>+<8 hex digits>+<base64>` (the shared tail of verifier and
/// signer keys) into the name, the stated key ID and the decoded key bytes.
fn parse_key_fields<'a>(
    text: &'a str,
    kind: &'static str,
) -> Result<(&'a str, u32, Vec<u8>), NoteError> {
    let malformed = |reason| NoteError::MalformedKey { kind, reason };
    let (name, rest) = text
        .split_once('+')
        .ok_or(malformed("it has no '+' after the key name"))?;
    let (id_hex, key_base64) = rest
        .split_once('+')
        .ok_or(malformed("it has no '+' after the key ID"))?;
    check_key_name(name)?;
    if id_hex.len() != 2 * KEY_ID_BYTES || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("the key ID is not exactly 8 hexadecimal digits"));
    }
    let stated = u32::from_str_radix(id_hex, 16)
        .map_err(|_| malformed("the key ID is not exactly 8 hexadecimal digits"))?;
    let key = BASE64
        .decode(key_base64)
        .map_err(|_| malformed("the key material is not padded standard base64"))?;
    if key.is_empty() {
        return Err(malformed("the key material is empty"));
    }
    Ok((name, stated, key))
}

/// Checks that decoded key material is the Ed25519 type byte followed by
/// exactly 32 key bytes, and returns those bytes.
fn ed25519_key_bytes(
    name: &str,
    kind: &'static str,
    key: &[u8],
) -> Result<[u8; ED25519_KEY_BYTES], NoteError> {
    let Some((&signature_type, bytes)) = key.split_first() else {
        return Err(NoteError::MalformedKey {
            kind,
            reason: "the key material is empty",
        });
    };
    if signature_type != SIGNATURE_TYPE_ED25519 {
        return Err(NoteError::UnsupportedSignatureType {
            name: name.to_owned(),
            signature_type,
        });
    }
    <[u8; ED25519_KEY_BYTES]>::try_from(bytes).map_err(|_| NoteError::MalformedKey {
        kind,
        reason: "an Ed25519 key must be exactly 32 bytes",
    })
}

/// Rejects public keys that are not canonical encodings or have small order.
fn check_public_key(
    name: &str,
    key: &VerifyingKey,
    encoded: &[u8; ED25519_KEY_BYTES],
) -> Result<(), NoteError> {
    let invalid = |reason| NoteError::InvalidPublicKey {
        name: name.to_owned(),
        reason,
    };
    if key.to_edwards().compress().to_bytes() != *encoded {
        return Err(invalid("its encoding is not canonical"));
    }
    if key.is_weak() {
        return Err(invalid("it has small order"));
    }
    Ok(())
}

/// A known Ed25519 note-signing public key under a key name.
///
/// Invariants: `name` is a valid key name, `key_id == ed25519_key_id(name, key)`,
/// and `key` is canonically encoded and not of small order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// A verifier for `key` under `name`.
    ///
    /// # Errors
    ///
    /// [`NoteError::InvalidKeyName`] or [`NoteError::InvalidPublicKey`].
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        check_public_key(name, &key, key.as_bytes())?;
        Ok(Self {
            name: name.to_owned(),
            key_id: ed25519_key_id(name, &key),
            key,
        })
    }

    /// Parses a verifier key `<name>+<key ID>+<base64(0x01 || public key)>`
    /// (Go: `note.NewVerifier`).
    ///
    /// # Errors
    ///
    /// [`NoteError::MalformedKey`], [`NoteError::InvalidKeyName`],
    /// [`NoteError::KeyIdMismatch`], [`NoteError::UnsupportedSignatureType`] or
    /// [`NoteError::InvalidPublicKey`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        const KIND: &str = "verifier";
        let (name, stated, key) = parse_key_fields(text, KIND)?;
        // As in the Go implementation, the key ID covers the type byte too.
        let computed = key_hash(name, &[&key]);
        if stated != computed {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_owned(),
                stated,
                computed,
            });
        }
        let bytes = ed25519_key_bytes(name, KIND, &key)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| NoteError::InvalidPublicKey {
            name: name.to_owned(),
            reason: "it is not a point on the curve",
        })?;
        check_public_key(name, &key, &bytes)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: stated,
            key,
        })
    }

    /// The verifier key text `<name>+<key ID>+<base64(0x01 || public key)>`.
    pub fn to_text(&self) -> String {
        encode_key_text(&self.name, self.key_id, self.key.as_bytes())
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `signature` (64 raw bytes, without key ID) is this key's
    /// Ed25519 signature of `message`. Uses strict RFC 8032 verification.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match Signature::from_slice(signature) {
            Ok(signature) => self.key.verify_strict(message, &signature).is_ok(),
            Err(_) => false,
        }
    }
}

/// `<name>+<key ID>+<base64(0x01 || key bytes)>`.
fn encode_key_text(name: &str, key_id: u32, key: &[u8; ED25519_KEY_BYTES]) -> String {
    let mut material = Vec::with_capacity(1 + ED25519_KEY_BYTES);
    material.push(SIGNATURE_TYPE_ED25519);
    material.extend_from_slice(key);
    format!("{name}+{key_id:08x}+{}", BASE64.encode(&material))
}

/// An Ed25519 note-signing private key under a key name.
///
/// Invariants: `name` is a valid key name and
/// `key_id == ed25519_key_id(name, &key.verifying_key())`.
/// The `Debug` output shows the name and key ID only, never the seed.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `key` under `name`.
    ///
    /// # Errors
    ///
    /// [`NoteError::InvalidKeyName`].
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: ed25519_key_id(name, &key.verifying_key()),
            key,
        })
    }

    /// Parses a signer key `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`
    /// (Go: `note.NewSigner`). The key ID is checked against the public key
    /// derived from the seed.
    ///
    /// # Errors
    ///
    /// [`NoteError::MalformedKey`], [`NoteError::InvalidKeyName`],
    /// [`NoteError::KeyIdMismatch`] or [`NoteError::UnsupportedSignatureType`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        const KIND: &str = "signer";
        let rest = text
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(NoteError::MalformedKey {
                kind: KIND,
                reason: "it does not start with PRIVATE+KEY+",
            })?;
        let (name, stated, key) = parse_key_fields(rest, KIND)?;
        let seed = ed25519_key_bytes(name, KIND, &key)?;
        let key = SigningKey::from_bytes(&seed);
        let computed = ed25519_key_id(name, &key.verifying_key());
        if stated != computed {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_owned(),
                stated,
                computed,
            });
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: stated,
            key,
        })
    }

    /// The signer key text `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`.
    ///
    /// This string contains the private key; keep it secret.
    pub fn to_text(&self) -> String {
        format!(
            "{SIGNER_KEY_PREFIX}{}",
            encode_key_text(&self.name, self.key_id, self.key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 private key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The matching verifier.
    ///
    /// # Errors
    ///
    /// [`NoteError::InvalidPublicKey`] if the derived public key is unusable
    /// (this does not happen for keys derived from a seed).
    pub fn verifier(&self) -> Result<Verifier, NoteError> {
        Verifier::new(&self.name, self.key.verifying_key())
    }
}

/// Encodes a key pair as `(signer key text, verifier key text)`
/// (Go: `note.GenerateKey`, with the randomness supplied by the caller, e.g.
/// `SigningKey::generate(&mut rand::rngs::OsRng)`).
///
/// # Errors
///
/// [`NoteError::InvalidKeyName`].
pub fn encode_key_pair(name: &str, key: &SigningKey) -> Result<(String, String), NoteError> {
    let signer = Signer::new(name, key.clone())?;
    let verifier = signer.verifier()?;
    Ok((signer.to_text(), verifier.to_text()))
}

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

fn check_checkpoint_line(line: &str, field: &'static str) -> Result<(), NoteError> {
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

fn parse_checkpoint_size(line: &str) -> Result<u64, NoteError> {
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

fn parse_checkpoint_root(line: &str) -> Result<[u8; CHECKPOINT_ROOT_BYTES], NoteError> {
    let invalid = || NoteError::CheckpointRoot {
        value: excerpt(line),
    };
    let bytes = BASE64.decode(line).map_err(|_| invalid())?;
    <[u8; CHECKPOINT_ROOT_BYTES]>::try_from(bytes.as_slice()).map_err(|_| invalid())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    // Vectors from golang.org/x/mod/sumdb/note (note_test.go and the package
    // documentation in note.go).
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // Example from c2sp.org/tlog-checkpoint (signature by a key we do not know).
    const C2SP_CHECKPOINT_TEXT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    const C2SP_CHECKPOINT_SIG: &str = "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

    fn peter() -> Verifier {
        Verifier::parse(PETER_VKEY).unwrap()
    }

    fn enoch() -> Verifier {
        Verifier::parse(ENOCH_VKEY).unwrap()
    }

    fn peter_note() -> String {
        format!("{TEXT}\n{PETER_SIG}")
    }

    fn random_signing_key() -> SigningKey {
        SigningKey::generate(&mut rand::rngs::OsRng)
    }

    #[test]
    fn key_id_of_reference_key() {
        let v = peter();
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.key_id(), 0xc74f20a3);
        assert_eq!(
            ed25519_key_id("PeterNeumann", v.verifying_key()),
            0xc74f20a3
        );
        assert_eq!(v.to_text(), PETER_VKEY);
        assert_eq!(enoch().key_id(), 0xaf0cfe78);
        assert_eq!(enoch().to_text(), ENOCH_VKEY);
    }

    #[test]
    fn signer_key_round_trips_and_matches_verifier() {
        let s = Signer::parse(PETER_SKEY).unwrap();
        assert_eq!(s.name(), "PeterNeumann");
        assert_eq!(s.key_id(), 0xc74f20a3);
        assert_eq!(s.to_text(), PETER_SKEY);
        assert_eq!(s.verifier().unwrap(), peter());
        let debug = format!("{s:?}");
        assert!(
            debug.contains("c74f20a3") && !debug.contains("AYEKFALV"),
            "{debug}"
        );
    }

    #[test]
    fn signing_reproduces_the_go_reference_note_byte_for_byte() {
        let signer = Signer::parse(PETER_SKEY).unwrap();
        let mut note = Note::new(TEXT).unwrap();
        note.sign(&signer).unwrap();
        assert_eq!(note.encode().unwrap(), peter_note());

        // Go's TestSign: an existing signature by the same key is replaced.
        let mut note = Note::new(TEXT).unwrap();
        note.add_signature(NoteSignature {
            name: "PeterNeumann".into(),
            key_id: 0xc74f20a3,
            signature: b"BAD".to_vec(),
        })
        .unwrap();
        note.sign_with(signer.signing_key(), "PeterNeumann")
            .unwrap();
        assert_eq!(note.encode().unwrap(), peter_note());
    }

    #[test]
    fn reference_note_opens() {
        let (note, names) = open(peter_note().as_bytes(), &[peter()]).unwrap();
        assert_eq!(note.text, TEXT);
        assert_eq!(names, vec!["PeterNeumann".to_string()]);
        assert_eq!(note.signatures.len(), 1);
        assert_eq!(note.signatures[0].key_id, 0xc74f20a3);
        assert_eq!(note.signatures[0].signature.len(), ED25519_SIGNATURE_BYTES);
        assert_eq!(note.encode().unwrap(), peter_note());
    }

    #[test]
    fn go_open_cases() {
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        // One known key: the other signature is kept but ignored.
        let (note, names) = open(both.as_bytes(), &[peter()]).unwrap();
        assert_eq!(names, vec!["PeterNeumann".to_string()]);
        assert_eq!(note.signatures.len(), 2);
        assert_eq!(note.signatures[1].name, "EnochRoot");
        assert_eq!(note.signatures[1].key_id, 0xaf0cfe78);
        // Both known.
        let (_, names) = open(both.as_bytes(), &[peter(), enoch()]).unwrap();
        assert_eq!(
            names,
            vec!["PeterNeumann".to_string(), "EnochRoot".to_string()]
        );
        // Neither known.
        assert_eq!(
            open(both.as_bytes(), &[]),
            Err(NoteError::NoVerifiedSignature { signatures: 2 })
        );
        // Duplicated verifier for a key that signed.
        assert_eq!(
            open(
                format!("{TEXT}\n{ENOCH_SIG}").as_bytes(),
                &[enoch(), peter(), enoch()]
            ),
            Err(NoteError::AmbiguousKey {
                name: "EnochRoot".into(),
                key_id: 0xaf0cfe78
            })
        );
        // Duplicated verifier for a key that did not sign.
        open(peter_note().as_bytes(), &[enoch(), peter(), enoch()]).unwrap();
        // Too many signatures.
        let many = format!("{TEXT}\n{}", PETER_SIG.repeat(SIGNATURES_MAX + 1));
        assert_eq!(
            open(many.as_bytes(), &[peter()]),
            Err(NoteError::TooManySignatures {
                count: SIGNATURES_MAX + 1,
                max: SIGNATURES_MAX
            })
        );
        let exactly_max = format!("{TEXT}\n{}", PETER_SIG.repeat(SIGNATURES_MAX));
        assert_eq!(open(exactly_max.as_bytes(), &[peter()]).unwrap().1.len(), 1);
        // Invalid signature by a known key.
        let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert_eq!(
            open(bad.as_bytes(), &[peter()]),
            Err(NoteError::InvalidSignature {
                name: "PeterNeumann".into(),
                key_id: 0xc74f20a3
            })
        );
        // Repeated and corrupted signatures by unknown keys are ignored.
        let mixed = format!(
            "{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{}ABCD{}",
            &ENOCH_SIG[..60],
            &ENOCH_SIG[60..]
        );
        let (note, names) = open(mixed.as_bytes(), &[peter()]).unwrap();
        assert_eq!(names, vec!["PeterNeumann".to_string()]);
        assert_eq!(note.signatures.len(), 5);
        // The same corrupted Enoch signature is fatal once Enoch is known.
        assert!(matches!(
            open(mixed.as_bytes(), &[peter(), enoch()]),
            Err(NoteError::InvalidSignature { .. })
        ));
        // A different name with the same key ID is an unknown key.
        let misnamed = peter_note().replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(
            open(misnamed.as_bytes(), &[peter()]),
            Err(NoteError::NoVerifiedSignature { signatures: 1 })
        );
        // A different key ID with the same name is an unknown key.
        let wrong_id = peter_note().replace("x08g", "xxxx");
        assert_eq!(
            open(wrong_id.as_bytes(), &[peter()]),
            Err(NoteError::NoVerifiedSignature { signatures: 1 })
        );
    }

    #[test]
    fn go_malformed_notes_are_rejected_with_the_right_variant() {
        let cases: Vec<(Vec<u8>, NoteError)> = vec![
            (TEXT.into(), NoteError::MissingSignatureBlock),
            (format!("{TEXT}\n").into(), NoteError::NoSignatures),
            (
                format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]).into(),
                NoteError::UnterminatedSignatureLine,
            ),
            (
                format!("\x01{TEXT}\n{PETER_SIG}").into(),
                NoteError::ControlCharacter { offset: 0, code: 1 },
            ),
            (
                [b"\xff".as_slice(), peter_note().as_bytes()].concat(),
                NoteError::NotUtf8 { offset: 0 },
            ),
            // Go's case (no final newline), then the same line terminated: the
            // name ends at the first space, so "Name x08go..." is not base64.
            (
                format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").into(),
                NoteError::UnterminatedSignatureLine,
            ),
            (
                format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "the signature is not padded standard base64" },
            ),
            (
                format!("{TEXT}\n{PETER_SIG}Unexpected line.\n").into(),
                NoteError::MalformedSignatureLine { line: 2, reason: "it does not start with an em dash and a space" },
            ),
            (
                format!("{TEXT}\n— PeterNeumann\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "it has no space between key name and signature" },
            ),
            (
                format!("{TEXT}\n— PeterNeumann AAAAAA==\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "the signature is too short to hold a key ID and signature bytes" },
            ),
            (
                format!("{TEXT}\n— PeterNeumann x08go/ZJkuBS9UG!\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "the signature is not padded standard base64" },
            ),
            (
                format!("{TEXT}\n— Peter+Neumann x08go/ZJkuBS9U\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "the key name is empty or contains a space, plus sign or control character" },
            ),
            (
                format!("{TEXT}\n—  x08go/ZJkuBS9U\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "the key name is empty or contains a space, plus sign or control character" },
            ),
            (
                format!("{TEXT}\n- PeterNeumann x08go/ZJkuBS9U\n").into(),
                NoteError::MalformedSignatureLine { line: 1, reason: "it does not start with an em dash and a space" },
            ),
            (
                format!("{TEXT}\r\n{PETER_SIG}").into(),
                NoteError::ControlCharacter { offset: TEXT.len(), code: 0x0d },
            ),
        ];
        for (message, want) in cases {
            assert_eq!(
                Note::parse(&message),
                Err(want.clone()),
                "{:?}",
                String::from_utf8_lossy(&message)
            );
            assert_eq!(open(&message, &[peter()]), Err(want));
        }
        let huge = format!("{}\n{PETER_SIG}", "a".repeat(NOTE_BYTES_MAX));
        assert_eq!(
            Note::parse(huge.as_bytes()),
            Err(NoteError::NoteTooLarge {
                bytes: huge.len(),
                max: NOTE_BYTES_MAX
            })
        );
    }

    #[test]
    fn text_with_blank_lines_splits_at_the_last_blank_line() {
        let signer = Signer::parse(PETER_SKEY).unwrap();
        let mut note = Note::new("first\n\nsecond\n\n").unwrap();
        note.sign(&signer).unwrap();
        let encoded = note.encode().unwrap();
        let (parsed, _) = open(encoded.as_bytes(), &[peter()]).unwrap();
        assert_eq!(parsed.text, "first\n\nsecond\n\n");
    }

    #[test]
    fn tampering_with_any_text_byte_breaks_verification() {
        let note = peter_note();
        let text_len = TEXT.len();
        for i in 0..text_len {
            let mut bytes = note.clone().into_bytes();
            if bytes[i] == b'\n' {
                continue; // Changing a newline changes the structure; tested elsewhere.
            }
            bytes[i] ^= 0x01;
            let result = open(&bytes, &[peter()]);
            assert!(result.is_err(), "byte {i} flipped but note verified");
            if bytes[i] >= 0x20 {
                assert_eq!(
                    result,
                    Err(NoteError::InvalidSignature {
                        name: "PeterNeumann".into(),
                        key_id: 0xc74f20a3
                    }),
                    "byte {i}"
                );
            }
        }
    }

    #[test]
    fn tampering_with_any_signature_byte_breaks_verification() {
        let mut note = Note::parse(peter_note().as_bytes()).unwrap();
        let original = note.signatures[0].signature.clone();
        for i in 0..original.len() {
            for bit in [0, 3, 7] {
                note.signatures[0].signature = original.clone();
                note.signatures[0].signature[i] ^= 1 << bit;
                assert_eq!(
                    verify(&note, &[peter()]),
                    Err(NoteError::InvalidSignature {
                        name: "PeterNeumann".into(),
                        key_id: 0xc74f20a3
                    }),
                    "signature byte {i} bit {bit}"
                );
            }
        }
        // Truncated or extended signatures from a known key are invalid too.
        note.signatures[0].signature = original[..63].to_vec();
        assert!(matches!(
            verify(&note, &[peter()]),
            Err(NoteError::InvalidSignature { .. })
        ));
        note.signatures[0].signature = [original.as_slice(), &[0]].concat();
        assert!(matches!(
            verify(&note, &[peter()]),
            Err(NoteError::InvalidSignature { .. })
        ));
        note.signatures[0].signature = original;
        assert_eq!(
            verify(&note, &[peter()]).unwrap(),
            vec!["PeterNeumann".to_string()]
        );
    }

    #[test]
    fn go_verifier_key_manglings_are_rejected() {
        assert!(Verifier::parse(PETER_VKEY).is_ok());
        let b = PETER_VKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i != 0 || j != b.len() {
                    let k = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(Verifier::parse(k).is_err(), "accepted {k:?}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] += 1;
            let k = String::from_utf8(m).unwrap();
            assert!(Verifier::parse(&k).is_err(), "accepted {k:?}");
        }
        // Wrong key length, with the key ID adjusted to match.
        assert!(matches!(
            Verifier::parse(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
            ),
            Err(NoteError::MalformedKey {
                kind: "verifier",
                ..
            })
        ));
        // Unknown signature type, with the key ID adjusted to match.
        assert_eq!(
            Verifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            Err(NoteError::UnsupportedSignatureType {
                name: "PeterNeumann".into(),
                signature_type: 0x65
            })
        );
        assert_eq!(
            Verifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            Err(NoteError::KeyIdMismatch {
                name: "PeterNeumann".into(),
                stated: 0xc74f20a4,
                computed: 0xc74f20a3
            })
        );
    }

    #[test]
    fn go_signer_key_manglings_are_rejected() {
        let b = PETER_SKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i != 0 || j != b.len() {
                    let k = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(Signer::parse(k).is_err(), "accepted a mangled signer key");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] += 1;
            let k = String::from_utf8(m).unwrap();
            assert!(Signer::parse(&k).is_err(), "accepted a mangled signer key");
        }
    }

    #[test]
    fn weak_and_non_canonical_public_keys_are_rejected() {
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = VerifyingKey::from_bytes(&identity).unwrap();
        assert!(matches!(
            Verifier::new("weak", key),
            Err(NoteError::InvalidPublicKey {
                reason: "it has small order",
                ..
            })
        ));
        let material = [&[SIGNATURE_TYPE_ED25519][..], &identity].concat();
        let text = format!(
            "weak+{:08x}+{}",
            key_id("weak", SIGNATURE_TYPE_ED25519, &identity),
            BASE64.encode(&material)
        );
        assert!(matches!(
            Verifier::parse(&text),
            Err(NoteError::InvalidPublicKey { .. })
        ));
        // y = p + 1 is a non-canonical encoding of the same point.
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        let key = VerifyingKey::from_bytes(&non_canonical).unwrap();
        assert!(matches!(
            Verifier::new("odd", key),
            Err(NoteError::InvalidPublicKey {
                reason: "its encoding is not canonical",
                ..
            })
        ));
    }

    #[test]
    fn generated_keys_round_trip_and_sign() {
        let key = random_signing_key();
        let (skey, vkey) = encode_key_pair("EnochRoot", &key).unwrap();
        assert!(skey.starts_with("PRIVATE+KEY+EnochRoot+"));
        let signer = Signer::parse(&skey).unwrap();
        let verifier = Verifier::parse(&vkey).unwrap();
        assert_eq!(signer.key_id(), verifier.key_id());
        assert_eq!(signer.to_text(), skey);
        assert_eq!(verifier.to_text(), vkey);
        let sig = signer.signing_key().sign(b"hi").to_bytes();
        assert!(verifier.verify(b"hi", &sig));
        let mut corrupt = sig;
        corrupt[0] ^= 1;
        assert!(!verifier.verify(b"hi", &corrupt));
        assert!(!verifier.verify(b"ho", &sig));
        assert!(!peter().verify(b"hi", &sig));
        assert!(matches!(
            encode_key_pair("bad name", &key),
            Err(NoteError::InvalidKeyName { .. })
        ));
    }

    #[test]
    fn cosigning_appends_a_second_signature() {
        let log = Signer::parse(PETER_SKEY).unwrap();
        let witness = Signer::new("witness.example/w1", random_signing_key()).unwrap();
        let witness_verifier = witness.verifier().unwrap();

        let mut note = Note::new(TEXT).unwrap();
        note.sign(&log).unwrap();
        let published = note.encode().unwrap();

        // The witness parses the published note and appends its signature.
        let (mut received, _) = open(published.as_bytes(), &[peter()]).unwrap();
        received.sign(&witness).unwrap();
        let cosigned = received.encode().unwrap();
        assert!(cosigned.starts_with(&published));
        assert_eq!(cosigned.lines().count(), TEXT.lines().count() + 3);

        let (_, names) = open(cosigned.as_bytes(), &[peter(), witness_verifier.clone()]).unwrap();
        assert_eq!(
            names,
            vec!["PeterNeumann".to_string(), "witness.example/w1".to_string()]
        );
        let (_, names) =
            open(cosigned.as_bytes(), std::slice::from_ref(&witness_verifier)).unwrap();
        assert_eq!(names, vec!["witness.example/w1".to_string()]);

        // A cosignature line transplanted onto another note is rejected.
        let mut other = Note::new("other text\n").unwrap();
        other.sign(&log).unwrap();
        let witness_sig = received.signatures[1].clone();
        other.add_signature(witness_sig.clone()).unwrap();
        assert_eq!(
            verify(&other, &[peter(), witness_verifier]),
            Err(NoteError::InvalidSignature {
                name: witness_sig.name.clone(),
                key_id: witness_sig.key_id
            })
        );
        // Adding the same key's signature twice is refused.
        assert!(matches!(
            received.add_signature(witness_sig),
            Err(NoteError::DuplicateSignature { .. })
        ));
    }

    #[test]
    fn building_notes_enforces_the_rules() {
        assert_eq!(Note::new("no newline"), Err(NoteError::MissingFinalNewline));
        assert_eq!(
            Note::new("tab\there\n"),
            Err(NoteError::ControlCharacter { offset: 3, code: 9 })
        );
        assert_eq!(
            Note::new(TEXT).unwrap().encode(),
            Err(NoteError::NoSignatures)
        );
        let key = random_signing_key();
        let mut note = Note::new(TEXT).unwrap();
        for name in ["", "a b", "a+b", "a\u{a0}b", "a\u{3000}b", "a\u{1}b"] {
            assert_eq!(
                note.sign_with(&key, name),
                Err(NoteError::InvalidKeyName { name: name.into() })
            );
        }
        // Sign with the public fields mangled: text without newline.
        note.text = "abc".into();
        assert_eq!(
            note.sign_with(&key, "ok"),
            Err(NoteError::MissingFinalNewline)
        );
        note.text = TEXT.into();
        assert!(matches!(
            note.add_signature(NoteSignature {
                name: "k".into(),
                key_id: 1,
                signature: vec![]
            }),
            Err(NoteError::EmptySignature { .. })
        ));
        for i in 0..SIGNATURES_MAX {
            note.add_signature(NoteSignature {
                name: format!("k{i}"),
                key_id: 1,
                signature: vec![1],
            })
            .unwrap();
        }
        assert_eq!(
            note.add_signature(NoteSignature {
                name: "one-too-many".into(),
                key_id: 1,
                signature: vec![1]
            }),
            Err(NoteError::TooManySignatures {
                count: SIGNATURES_MAX + 1,
                max: SIGNATURES_MAX
            })
        );
        // A full note of unknown signatures still encodes and parses.
        let encoded = note.encode().unwrap();
        assert_eq!(Note::parse(encoded.as_bytes()).unwrap(), note);
        assert_eq!(
            verify(&note, &[peter()]),
            Err(NoteError::NoVerifiedSignature {
                signatures: SIGNATURES_MAX
            })
        );
    }

    #[test]
    fn c2sp_checkpoint_example_parses_and_round_trips() {
        let checkpoint = Checkpoint::parse(C2SP_CHECKPOINT_TEXT).unwrap();
        assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size, 20852163);
        assert_eq!(&checkpoint.root[..4], &[0x0a, 0xc5, 0x18, 0x6a]);
        assert!(checkpoint.extensions.is_empty());
        assert_eq!(checkpoint.to_text().unwrap(), C2SP_CHECKPOINT_TEXT);

        // The signed example parses; its key is unknown to us.
        let signed = format!("{C2SP_CHECKPOINT_TEXT}\n{C2SP_CHECKPOINT_SIG}");
        let note = Note::parse(signed.as_bytes()).unwrap();
        assert_eq!(note.text, C2SP_CHECKPOINT_TEXT);
        assert_eq!(note.signatures[0].name, "example.com/behind-the-sofa");
        assert_eq!(note.signatures[0].signature.len(), ED25519_SIGNATURE_BYTES);
        assert_eq!(note.encode().unwrap(), signed);
        assert_eq!(
            verify(&note, &[peter()]),
            Err(NoteError::NoVerifiedSignature { signatures: 1 })
        );
    }

    #[test]
    fn checkpoint_sign_open_round_trip_with_extensions() {
        let signer = Signer::new("example.com/log", random_signing_key()).unwrap();
        let checkpoint = Checkpoint {
            origin: "example.com/log".into(),
            size: u64::MAX,
            root: [7u8; 32],
            extensions: vec!["ext one".into(), "— two".into()],
        };
        let text = checkpoint.to_text().unwrap();
        assert_eq!(
            text,
            format!(
                "example.com/log\n18446744073709551615\n{}\next one\n— two\n",
                BASE64.encode([7u8; 32])
            )
        );
        let mut note = Note::new(text).unwrap();
        note.sign(&signer).unwrap();
        let (opened, _) = open(
            note.encode().unwrap().as_bytes(),
            &[signer.verifier().unwrap()],
        )
        .unwrap();
        assert_eq!(Checkpoint::parse(&opened.text).unwrap(), checkpoint);

        let empty = Checkpoint {
            origin: "o".into(),
            size: 0,
            root: [0u8; 32],
            extensions: vec![],
        };
        assert_eq!(Checkpoint::parse(&empty.to_text().unwrap()).unwrap(), empty);
    }

    #[test]
    fn malformed_checkpoints_are_rejected() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let size_error = |value: &str, reason| NoteError::CheckpointSize {
            value: value.into(),
            reason,
        };
        let cases: Vec<(String, NoteError)> = vec![
            (format!("o\n1\n{root}"), NoteError::MissingFinalNewline),
            (
                "o\n1\n".into(),
                NoteError::CheckpointTooFewLines { lines: 2, min: 3 },
            ),
            (
                format!("\n1\n{root}\n"),
                NoteError::CheckpointEmptyLine { line: 1 },
            ),
            (
                format!("o\n1\n{root}\n\n"),
                NoteError::CheckpointEmptyLine { line: 4 },
            ),
            (
                format!("o\n1\n{root}\next\n\n"),
                NoteError::CheckpointEmptyLine { line: 5 },
            ),
            (
                format!("o\n01\n{root}\n"),
                size_error("01", "it has a leading zero"),
            ),
            (
                format!("o\n00\n{root}\n"),
                size_error("00", "it has a leading zero"),
            ),
            (
                format!("o\n+1\n{root}\n"),
                size_error("+1", "it must consist of decimal digits only"),
            ),
            (
                format!("o\n-1\n{root}\n"),
                size_error("-1", "it must consist of decimal digits only"),
            ),
            (
                format!("o\n 1\n{root}\n"),
                size_error(" 1", "it must consist of decimal digits only"),
            ),
            (
                format!("o\n0x10\n{root}\n"),
                size_error("0x10", "it must consist of decimal digits only"),
            ),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                size_error("18446744073709551616", "it does not fit in 64 bits"),
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".into(),
                NoteError::CheckpointRoot {
                    value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I".into(),
                },
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n".into(),
                NoteError::CheckpointRoot {
                    value: "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=".into(),
                },
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".into(),
                NoteError::CheckpointRoot {
                    value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=".into(),
                },
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq\n".into(),
                NoteError::CheckpointRoot {
                    value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq".into(),
                },
            ),
            (
                "o\n1\nAAAA\n".into(),
                NoteError::CheckpointRoot {
                    value: "AAAA".into(),
                },
            ),
            (
                format!("o\r\n1\n{root}\n"),
                NoteError::ControlCharacter {
                    offset: 1,
                    code: 0x0d,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
        }
        let long = format!("o\n{}\n{root}\n", "9".repeat(200));
        match Checkpoint::parse(&long) {
            Err(NoteError::CheckpointSize { value, .. }) => assert!(value.chars().count() <= 65),
            other => panic!("unexpected {other:?}"),
        }
        let bad_origin = Checkpoint {
            origin: "a\nb".into(),
            size: 1,
            root: [0; 32],
            extensions: vec![],
        };
        assert!(matches!(
            bad_origin.to_text(),
            Err(NoteError::CheckpointField {
                field: "origin",
                ..
            })
        ));
        let bad_ext = Checkpoint {
            origin: "o".into(),
            size: 1,
            root: [0; 32],
            extensions: vec![String::new()],
        };
        assert!(matches!(
            bad_ext.to_text(),
            Err(NoteError::CheckpointField {
                field: "extension line",
                ..
            })
        ));
    }

    #[test]
    fn error_messages_are_sentences_with_values() {
        let e = NoteError::InvalidSignature {
            name: "PeterNeumann".into(),
            key_id: 0xc74f20a3,
        };
        assert_eq!(
            e.to_string(),
            "The signature by known key PeterNeumann+c74f20a3 does not verify."
        );
        let e = NoteError::TooManySignatures {
            count: 101,
            max: 100,
        };
        assert_eq!(
            e.to_string(),
            "The note has 101 signatures, which exceeds the limit of 100."
        );
        let e = Signer::parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFa",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("AYEKFALV"), "{e}");
    }
}
