//! Ed25519 note keys: key names and IDs, verifier and signer key texts.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::*;

/// The C2SP key ID: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || signature_type || public_key)`.
pub fn key_id(name: &str, signature_type: u8, public_key: &[u8]) -> u32 {
    key_hash(name, &[&[signature_type], public_key])
}

/// First four bytes, big-endian, of `SHA-256(name || 0x0A || parts...)`
/// (Go: `keyHash`, where the parts are the encoded key including its type byte).
pub(super) fn key_hash(name: &str, parts: &[&[u8]]) -> u32 {
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

pub(super) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

/// Rejects ASCII control characters (below U+0020) other than newline.
pub(super) fn check_control_characters(text: &str) -> Result<(), NoteError> {
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
pub(super) fn check_note_text(text: &str) -> Result<(), NoteError> {
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
pub(super) fn parse_key_fields<'a>(
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
pub(super) fn ed25519_key_bytes(
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
pub(super) fn check_public_key(
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
    pub(super) name: String,
    pub(super) key_id: u32,
    pub(super) key: VerifyingKey,
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
pub(super) fn encode_key_text(name: &str, key_id: u32, key: &[u8; ED25519_KEY_BYTES]) -> String {
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
    pub(super) name: String,
    pub(super) key_id: u32,
    pub(super) key: SigningKey,
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
