//! Ballot tokens: the credential that admits one ballot for one election
//! round and ballot style.
//!
//! # Binary form
//!
//! Exactly [`TOKEN_BYTES`] (85) bytes:
//!
//! | offset | bytes | field                                         |
//! |-------:|------:|-----------------------------------------------|
//! | 0      | 1     | version, always [`TOKEN_VERSION`] (1)         |
//! | 1      | 1     | election tag, see [`election_tag`]            |
//! | 2      | 1     | round                                         |
//! | 3      | 2     | ballot style, big-endian                      |
//! | 5      | 16    | serial, random                                |
//! | 21     | 64    | Ed25519 signature over [`signing_message`]    |
//!
//! The version byte and the election tag are not covered by the signature.
//! [`Token::from_bytes`] only accepts version 1 and [`Token::verify`] /
//! [`verify_batch`] require the tag to equal `election_tag(election_id)`, so
//! every accepted token has exactly one byte encoding per signature.
//!
//! # Text form
//!
//! The 85 bytes are written in Crockford base32 (680 bits = exactly 136
//! characters, no padding), split into [`TOKEN_GROUPS`] (17) groups of
//! [`GROUP_CHARS`] (8) characters. Each group is followed by one check
//! character computed with the Luhn mod N algorithm (N = 32) over the
//! Crockford values of its 8 characters, giving [`TOKEN_TEXT_CHARS`] (153)
//! characters. The check catches every single-character substitution and
//! every adjacent transposition within a group except `0`↔`Z` (the only pair
//! the Luhn mod 32 weighting cannot tell apart). All characters are in the QR
//! code alphanumeric set.
//!
//! # One use only
//!
//! A token is a bearer credential. Whoever records "already used" must key
//! that record on `(election, round, style, serial)`, never on the token's
//! bytes or text: Ed25519 signatures accepted by batch verification are not
//! guaranteed to be unique per message, and the serial is what the signature
//! binds. For the same reason [`Token`]'s `Debug` output redacts the serial
//! and the signature, and `Token` deliberately does not implement `Display`.

use crate::codes::Code;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Token format version written in byte 0.
pub const TOKEN_VERSION: u8 = 1;
/// Length of the binary form.
pub const TOKEN_BYTES: usize = 85;
/// Length of the random serial.
pub const SERIAL_BYTES: usize = 16;
/// Length of the Ed25519 signature.
pub const SIGNATURE_BYTES: usize = 64;
/// Length of the header (version, election tag, round, style) before the serial.
pub const HEADER_BYTES: usize = 5;
/// Number of check-character groups in the text form.
pub const TOKEN_GROUPS: usize = 17;
/// Number of data characters in one group (the check character excluded).
pub const GROUP_CHARS: usize = 8;
/// Number of characters in one group including its check character.
pub const GROUP_TEXT_CHARS: usize = GROUP_CHARS + 1;
/// Number of base32 data characters (check characters excluded).
pub const TOKEN_DATA_CHARS: usize = TOKEN_GROUPS * GROUP_CHARS;
/// Length of the text form without separators.
pub const TOKEN_TEXT_CHARS: usize = TOKEN_GROUPS * GROUP_TEXT_CHARS;
/// Number of bits one Crockford base32 character carries.
pub const SYMBOL_BITS: u32 = 5;

/// Domain separator for [`election_tag`].
pub const ELECTION_TAG_DOMAIN: &[u8] = b"scrutineer.election-tag/v1\0";
/// Domain separator for [`signing_message`].
pub const TOKEN_SIGNING_DOMAIN: &[u8] = b"scrutineer.token/v1\0";

/// Crockford base32 alphabet; a character's index is its value.
const CROCKFORD_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Modulus of the Luhn mod N check (the alphabet size).
const CHECK_MODULUS: u32 = 32;

// Compile-time consistency of the format constants.
const _: () = assert!(HEADER_BYTES + SERIAL_BYTES + SIGNATURE_BYTES == TOKEN_BYTES);
const _: () = assert!(TOKEN_DATA_CHARS * SYMBOL_BITS as usize == TOKEN_BYTES * 8);
const _: () = assert!(TOKEN_TEXT_CHARS == 153);

/// Errors from parsing and verifying tokens.
///
/// Every message is Chinese first, then `" / "` and English. [`TokenError::code`]
/// gives a stable snake_case code for machines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A character that is not a Crockford base32 symbol, separator or
    /// confusable. `position` is 1-based among the code characters, that is,
    /// after whitespace and hyphens are removed.
    #[error(
        "第 {} 组第 {} 个字符 {character:?} 不是有效的选票码字符, 请核对输入 / \
         Character {character:?} at position {position} (group {}, character {}) \
         is not valid in a ballot code: please check what you typed.",
        group_of(*.position), index_in_group(*.position),
        group_of(*.position), index_in_group(*.position)
    )]
    Characters {
        /// The offending character as typed.
        character: char,
        /// 1-based position among code characters (separators not counted).
        position: usize,
    },
    /// The text has the wrong number of code characters.
    #[error(
        "选票码应有 {expected} 个字符 (不计空格和连字符), 实际为 {found} 个, 请核对输入 / \
         A ballot code has {expected} characters (not counting spaces and hyphens), \
         but {found} were given: please check what you typed."
    )]
    Length {
        /// Number of code characters found.
        found: usize,
        /// Always [`TOKEN_TEXT_CHARS`].
        expected: usize,
    },
    /// The binary form has the wrong number of bytes.
    #[error(
        "选票码二进制数据应为 {expected} 字节, 实际为 {found} 字节 / \
         A binary ballot token has {expected} bytes, but {found} were given."
    )]
    ByteLength {
        /// Number of bytes found.
        found: usize,
        /// Always [`TOKEN_BYTES`].
        expected: usize,
    },
    /// One or more groups fail their check character. `groups` is 1-based and
    /// ascending, and lists every failing group.
    #[error(
        "第 {} 组校验码不符, 请核对输入 / {}: please check what you typed.",
        join_numbers(.groups, "、"), groups_english(.groups)
    )]
    Check {
        /// 1-based numbers of all failing groups, ascending.
        groups: Vec<usize>,
    },
    /// Unsupported format version.
    #[error(
        "不支持的选票码版本 {found} (应为 {TOKEN_VERSION}) / \
         Ballot code version {found} is not supported (expected {TOKEN_VERSION})."
    )]
    Version {
        /// Version byte found.
        found: u8,
    },
    /// The token's election tag is not the expected election's.
    #[error(
        "此选票码属于另一场选举, 不能在本次选举中使用 / \
         This ballot code belongs to a different election and cannot be used here."
    )]
    WrongElection,
    /// The token is for another round.
    #[error(
        "此选票码用于第 {found} 轮, 当前为第 {expected} 轮 / \
         This ballot code is for round {found}, but this is round {expected}."
    )]
    WrongRound {
        /// Round in the token.
        found: u8,
        /// Round expected by the caller.
        expected: u8,
    },
    /// The token is for another ballot style.
    #[error(
        "此选票码对应选票样式 {found}, 此处应为样式 {expected} / \
         This ballot code is for ballot style {found}, but ballot style {expected} is expected here."
    )]
    WrongStyle {
        /// Ballot style in the token.
        found: u16,
        /// Ballot style expected by the caller.
        expected: u16,
    },
    /// The signature does not verify under the election key.
    #[error(
        "选票码签名无效, 此码可能是伪造的或输入有误 / \
         The ballot code's signature is not valid: the code may be forged or mistyped."
    )]
    Signature,
    /// Batch verification failed; `index` (0-based) is the first bad token.
    #[error(
        "批量验证失败: 序号为 {index} 的选票码无效 (序号从 0 开始) / \
         Batch verification failed: the ballot code at index {index} (counting from 0) is not valid."
    )]
    Batch {
        /// 0-based index of the first token that fails verification.
        index: usize,
    },
}

impl TokenError {
    /// Stable snake_case code for this error, for logs, APIs and translations.
    pub fn code(&self) -> Code {
        match self {
            TokenError::Characters { .. } => Code::TokenCharacters,
            TokenError::Length { .. } => Code::TokenLength,
            TokenError::ByteLength { .. } => Code::TokenByteLength,
            TokenError::Check { .. } => Code::TokenCheck,
            TokenError::Version { .. } => Code::TokenVersion,
            TokenError::WrongElection => Code::TokenWrongElection,
            TokenError::WrongRound { .. } => Code::TokenWrongRound,
            TokenError::WrongStyle { .. } => Code::TokenWrongStyle,
            TokenError::Signature => Code::TokenSignature,
            TokenError::Batch { .. } => Code::TokenBatch,
        }
    }
}

/// 1-based group number of a 1-based code character position.
fn group_of(position: usize) -> usize {
    position.saturating_sub(1) / GROUP_TEXT_CHARS + 1
}

/// 1-based index within its group of a 1-based code character position.
fn index_in_group(position: usize) -> usize {
    position.saturating_sub(1) % GROUP_TEXT_CHARS + 1
}

fn join_numbers(numbers: &[usize], separator: &str) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

fn groups_english(groups: &[usize]) -> String {
    if groups.len() == 1 {
        format!(
            "Group {} fails its check character",
            join_numbers(groups, ", ")
        )
    } else {
        format!(
            "Groups {} fail their check characters",
            join_numbers(groups, ", ")
        )
    }
}

/// One-byte election tag: the first byte of
/// SHA-256(`ELECTION_TAG_DOMAIN` ‖ election_id).
///
/// It only lets a kiosk say "this token is for another election" instead of
/// "bad signature"; 1 in 256 foreign tokens share the tag and then fail on the
/// signature, which is what binds the election.
pub fn election_tag(election_id: &str) -> u8 {
    let digest = Sha256::new()
        .chain_update(ELECTION_TAG_DOMAIN)
        .chain_update(election_id.as_bytes())
        .finalize();
    // Invariant: a SHA-256 digest has 32 bytes, so the default is never used.
    digest.first().copied().unwrap_or(0)
}

/// The message the election key signs:
/// `TOKEN_SIGNING_DOMAIN` ‖ u16 BE length of election_id ‖ election_id ‖ round
/// ‖ style (u16 BE) ‖ serial.
///
/// Invariant: the encoding is injective. The fields after the election id have
/// a fixed length (19 bytes), so the id is determined by the total length even
/// for ids longer than 65535 bytes, whose length field saturates at 0xFFFF.
pub fn signing_message(
    election_id: &str,
    round: u8,
    style: u16,
    serial: &[u8; SERIAL_BYTES],
) -> Vec<u8> {
    let id = election_id.as_bytes();
    let id_len = u16::try_from(id.len()).unwrap_or(u16::MAX);
    let mut message =
        Vec::with_capacity(TOKEN_SIGNING_DOMAIN.len() + 2 + id.len() + 1 + 2 + SERIAL_BYTES);
    message.extend_from_slice(TOKEN_SIGNING_DOMAIN);
    message.extend_from_slice(&id_len.to_be_bytes());
    message.extend_from_slice(id);
    message.push(round);
    message.extend_from_slice(&style.to_be_bytes());
    message.extend_from_slice(serial);
    message
}

/// A ballot token. Invariant: the version is always [`TOKEN_VERSION`]; the
/// other fields are as decoded and are only trusted after [`Token::verify`] or
/// [`verify_batch`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token {
    election_tag: u8,
    round: u8,
    style: u16,
    serial: [u8; SERIAL_BYTES],
    signature: [u8; SIGNATURE_BYTES],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The serial and signature make up the credential: never print them.
        f.debug_struct("Token")
            .field("election_tag", &self.election_tag)
            .field("round", &self.round)
            .field("style", &self.style)
            .field("serial", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Signs a token for `election_id`, `round`, `style` and `serial`.
    pub fn sign(
        key: &SigningKey,
        election_id: &str,
        round: u8,
        style: u16,
        serial: [u8; SERIAL_BYTES],
    ) -> Token {
        let message = signing_message(election_id, round, style, &serial);
        let signature = key.sign(&message).to_bytes();
        Token {
            election_tag: election_tag(election_id),
            round,
            style,
            serial,
            signature,
        }
    }

    /// The election tag byte (see [`election_tag`]).
    pub fn election_tag(&self) -> u8 {
        self.election_tag
    }

    /// The round this token claims to be for.
    pub fn round(&self) -> u8 {
        self.round
    }

    /// The ballot style this token claims to be for.
    pub fn style(&self) -> u16 {
        self.style
    }

    /// The random serial: the key for "already used" records.
    pub fn serial(&self) -> &[u8; SERIAL_BYTES] {
        &self.serial
    }

    /// The raw signature bytes.
    pub fn signature_bytes(&self) -> &[u8; SIGNATURE_BYTES] {
        &self.signature
    }

    /// The 85-byte binary form.
    pub fn to_bytes(&self) -> [u8; TOKEN_BYTES] {
        let mut out = [0u8; TOKEN_BYTES];
        let style = self.style.to_be_bytes();
        let header = [
            TOKEN_VERSION,
            self.election_tag,
            self.round,
            style[0],
            style[1],
        ];
        let fields = header
            .iter()
            .chain(self.serial.iter())
            .chain(self.signature.iter());
        for (slot, byte) in out.iter_mut().zip(fields) {
            *slot = *byte;
        }
        out
    }

    /// Decodes the binary form. Checks the length and the version only.
    pub fn from_bytes(bytes: &[u8]) -> Result<Token, TokenError> {
        let wrong_length = || TokenError::ByteLength {
            found: bytes.len(),
            expected: TOKEN_BYTES,
        };
        let (header, rest) = bytes
            .split_first_chunk::<HEADER_BYTES>()
            .ok_or_else(wrong_length)?;
        let (serial, signature) = rest
            .split_first_chunk::<SERIAL_BYTES>()
            .ok_or_else(wrong_length)?;
        let signature: &[u8; SIGNATURE_BYTES] = signature.try_into().map_err(|_| wrong_length())?;
        let [version, election_tag, round, style_hi, style_lo] = *header;
        if version != TOKEN_VERSION {
            return Err(TokenError::Version { found: version });
        }
        Ok(Token {
            election_tag,
            round,
            style: u16::from_be_bytes([style_hi, style_lo]),
            serial: *serial,
            signature: *signature,
        })
    }

    /// The 153-character text form: uppercase, no separators, all characters
    /// in the QR alphanumeric set. This is what the QR code holds.
    pub fn to_text(&self) -> String {
        let data = encode_base32(&self.to_bytes());
        let mut text = String::with_capacity(TOKEN_TEXT_CHARS);
        for group in data.chunks(GROUP_CHARS) {
            for &value in group {
                text.push(symbol(value));
            }
            text.push(symbol(luhn_check_value(group)));
        }
        text
    }

    /// The text form as 17 groups of 9 characters separated by single spaces
    /// (169 characters), for printing and reading aloud.
    pub fn to_display(&self) -> String {
        let text = self.to_text();
        let mut out = String::with_capacity(TOKEN_TEXT_CHARS + TOKEN_GROUPS);
        for (i, c) in text.chars().enumerate() {
            if i > 0 && i % GROUP_TEXT_CHARS == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// Parses the text form as a person may type it.
    ///
    /// ASCII whitespace and `-` are ignored anywhere, letters may be lowercase,
    /// and the Crockford confusables O→0, I→1 and L→1 are mapped. Then, in this
    /// order: any other character is refused ([`TokenError::Characters`], the
    /// first one), the length must be 153 ([`TokenError::Length`]), every
    /// group's check character must match ([`TokenError::Check`] lists all bad
    /// groups), and the decoded version must be 1 ([`TokenError::Version`]).
    ///
    /// Never panics, and allocates at most [`TOKEN_TEXT_CHARS`] bytes whatever
    /// the input length. The signature is not checked here: call
    /// [`Token::verify`].
    pub fn parse(text: &str) -> Result<Token, TokenError> {
        let mut values = [0u8; TOKEN_TEXT_CHARS];
        let mut count: usize = 0;
        for character in text.chars() {
            if character.is_ascii_whitespace() || character == '-' {
                continue;
            }
            count = count.saturating_add(1);
            let value = symbol_value(character).ok_or(TokenError::Characters {
                character,
                position: count,
            })?;
            if let Some(slot) = values.get_mut(count - 1) {
                *slot = value;
            }
        }
        if count != TOKEN_TEXT_CHARS {
            return Err(TokenError::Length {
                found: count,
                expected: TOKEN_TEXT_CHARS,
            });
        }

        let mut bad_groups = Vec::new();
        let mut data = [0u8; TOKEN_DATA_CHARS];
        for (index, (group, data_group)) in values
            .chunks(GROUP_TEXT_CHARS)
            .zip(data.chunks_mut(GROUP_CHARS))
            .enumerate()
        {
            if !luhn_valid(group) {
                bad_groups.push(index + 1);
            }
            for (slot, value) in data_group.iter_mut().zip(group) {
                *slot = *value;
            }
        }
        if !bad_groups.is_empty() {
            return Err(TokenError::Check { groups: bad_groups });
        }
        Token::from_bytes(&decode_base32(&data))
    }

    /// Verifies this token for one election round and ballot style.
    ///
    /// Checks, in order: the election tag ([`TokenError::WrongElection`]), the
    /// round ([`TokenError::WrongRound`]), the style ([`TokenError::WrongStyle`]),
    /// then the signature with `verify_strict` ([`TokenError::Signature`]).
    pub fn verify(
        &self,
        key: &VerifyingKey,
        election_id: &str,
        round: u8,
        style: u16,
    ) -> Result<(), TokenError> {
        if self.election_tag != election_tag(election_id) {
            return Err(TokenError::WrongElection);
        }
        if self.round != round {
            return Err(TokenError::WrongRound {
                found: self.round,
                expected: round,
            });
        }
        if self.style != style {
            return Err(TokenError::WrongStyle {
                found: self.style,
                expected: style,
            });
        }
        self.verify_signature(key, election_id)
    }

    /// The signature check alone, over the token's own round and style.
    fn verify_signature(&self, key: &VerifyingKey, election_id: &str) -> Result<(), TokenError> {
        let message = signing_message(election_id, self.round, self.style, &self.serial);
        key.verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| TokenError::Signature)
    }
}

/// Verifies many tokens of one election at once, each over its own round and
/// style (check those separately if they matter).
///
/// Every token's election tag must match. The signatures are checked with
/// `ed25519_dalek::verify_batch`; if the batch fails, each token is checked
/// with `verify_strict` and the index of the first bad one is returned in
/// [`TokenError::Batch`]. If the batch fails but every token passes the strict
/// check on its own, the tokens are valid and `Ok(())` is returned. An empty
/// slice is valid.
pub fn verify_batch(
    tokens: &[Token],
    key: &VerifyingKey,
    election_id: &str,
) -> Result<(), TokenError> {
    let tag = election_tag(election_id);
    if let Some(index) = tokens.iter().position(|t| t.election_tag != tag) {
        return Err(TokenError::Batch { index });
    }
    if tokens.is_empty() {
        return Ok(());
    }
    let messages: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| signing_message(election_id, t.round, t.style, &t.serial))
        .collect();
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<Signature> = tokens
        .iter()
        .map(|t| Signature::from_bytes(&t.signature))
        .collect();
    let keys = vec![*key; tokens.len()];
    if ed25519_dalek::verify_batch(&message_refs, &signatures, &keys).is_ok() {
        return Ok(());
    }
    match tokens
        .iter()
        .position(|t| t.verify_signature(key, election_id).is_err())
    {
        Some(index) => Err(TokenError::Batch { index }),
        None => Ok(()),
    }
}

/// The Crockford symbol for a 5-bit value (only the low 5 bits are used).
fn symbol(value: u8) -> char {
    char::from(CROCKFORD_ALPHABET[usize::from(value & 0x1f)])
}

/// The Crockford value of a typed character, with lowercase and the
/// confusables O, I and L accepted; `None` for anything else (including U).
fn symbol_value(character: char) -> Option<u8> {
    let upper = match character.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    let byte = u8::try_from(upper).ok()?;
    CROCKFORD_ALPHABET
        .iter()
        .position(|&c| c == byte)
        .and_then(|p| u8::try_from(p).ok())
}

/// Luhn mod N "doubling": 2v written in base N, digits summed.
fn luhn_double(value: u32) -> u32 {
    let doubled = value * 2;
    doubled / CHECK_MODULUS + doubled % CHECK_MODULUS
}

/// Luhn mod 32 check value for a group of values (each < 32). The rightmost
/// value is doubled, then every second one leftwards.
fn luhn_check_value(values: &[u8]) -> u8 {
    let mut sum: u32 = 0;
    for (i, &value) in values.iter().rev().enumerate() {
        let value = u32::from(value & 0x1f);
        let addend = if i % 2 == 0 {
            luhn_double(value)
        } else {
            value
        };
        sum = (sum + addend) % CHECK_MODULUS;
    }
    let check = (CHECK_MODULUS - sum) % CHECK_MODULUS;
    // Invariant: check < CHECK_MODULUS (32), so the conversion never fails.
    u8::try_from(check).unwrap_or(0)
}

/// Whether a group whose last value is its check value is consistent.
fn luhn_valid(group: &[u8]) -> bool {
    let mut sum: u32 = 0;
    for (i, &value) in group.iter().rev().enumerate() {
        let value = u32::from(value & 0x1f);
        let addend = if i % 2 == 1 {
            luhn_double(value)
        } else {
            value
        };
        sum = (sum + addend) % CHECK_MODULUS;
    }
    sum == 0
}

/// Encodes 85 bytes as 136 base32 values, most significant bits first.
fn encode_base32(bytes: &[u8; TOKEN_BYTES]) -> [u8; TOKEN_DATA_CHARS] {
    let mut out = [0u8; TOKEN_DATA_CHARS];
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    let mut slots = out.iter_mut();
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= SYMBOL_BITS {
            bits -= SYMBOL_BITS;
            if let Some(slot) = slots.next() {
                // Masked to 5 bits: the cast cannot truncate.
                *slot = ((buffer >> bits) & 0x1f) as u8;
            }
        }
        buffer &= (1 << bits) - 1;
    }
    // Invariant: 85 * 8 = 136 * 5, so no bits are left over.
    out
}

/// Decodes 136 base32 values (each < 32) into 85 bytes.
fn decode_base32(values: &[u8; TOKEN_DATA_CHARS]) -> [u8; TOKEN_BYTES] {
    let mut out = [0u8; TOKEN_BYTES];
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    let mut slots = out.iter_mut();
    for &value in values {
        buffer = (buffer << SYMBOL_BITS) | u32::from(value & 0x1f);
        bits += SYMBOL_BITS;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = slots.next() {
                // Masked to 8 bits: the cast cannot truncate.
                *slot = ((buffer >> bits) & 0xff) as u8;
            }
        }
        buffer &= (1 << bits) - 1;
    }
    // Invariant: 136 * 5 = 85 * 8, so no bits are left over.
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use rand::{Rng, RngCore, SeedableRng};

    const ELECTION: &str = "2026-council-general";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn sample_token(serial_seed: u8) -> Token {
        let mut serial = [0u8; SERIAL_BYTES];
        for (i, b) in serial.iter_mut().enumerate() {
            *b = serial_seed.wrapping_mul(31).wrapping_add(i as u8 * 17);
        }
        Token::sign(&key(), ELECTION, 2, 513, serial)
    }

    #[test]
    fn constants_and_lengths() {
        let token = sample_token(1);
        assert_eq!(token.to_bytes().len(), TOKEN_BYTES);
        let text = token.to_text();
        assert_eq!(text.len(), TOKEN_TEXT_CHARS);
        assert_eq!(text.len(), 153);
        assert!(text.bytes().all(|b| CROCKFORD_ALPHABET.contains(&b)));
        let display = token.to_display();
        assert_eq!(display.len(), 153 + 16);
        assert_eq!(display.split(' ').count(), TOKEN_GROUPS);
        assert!(display.split(' ').all(|g| g.len() == GROUP_TEXT_CHARS));
        // Version 1 in the top 5 bits of byte 0 is 00000 then 001..: starts with '0'.
        assert!(text.starts_with('0'));
    }

    #[test]
    fn round_trip() {
        let signing = key();
        let verifying = signing.verifying_key();
        let token = sample_token(3);
        let bytes = token.to_bytes();
        assert_eq!(Token::from_bytes(&bytes).unwrap(), token);

        let parsed = Token::parse(&token.to_text()).unwrap();
        assert_eq!(parsed, token);
        parsed.verify(&verifying, ELECTION, 2, 513).unwrap();

        let parsed = Token::parse(&token.to_display()).unwrap();
        assert_eq!(parsed, token);

        // Lowercase, hyphens, newlines and tabs.
        let messy: String = token.to_display().to_lowercase().replace(' ', "-\n\t ");
        assert_eq!(Token::parse(&messy).unwrap(), token);
    }

    #[test]
    fn confusables_parse() {
        // Find tokens whose text contains 0 and 1 and type them as O, I, L.
        for seed in 0..50u8 {
            let token = sample_token(seed);
            let text = token.to_text();
            let mut flip = false;
            let typed: String = text
                .chars()
                .map(|c| match c {
                    '0' => 'O',
                    '1' => {
                        flip = !flip;
                        if flip {
                            'I'
                        } else {
                            'l'
                        }
                    }
                    c => c,
                })
                .collect();
            assert_ne!(typed, text);
            assert_eq!(Token::parse(&typed).unwrap(), token);
        }
    }

    #[test]
    fn bad_characters_and_lengths() {
        let token = sample_token(4);
        let text = token.to_text();

        let mut with_u = text.clone();
        with_u.replace_range(20..21, "U");
        assert_eq!(
            Token::parse(&with_u),
            Err(TokenError::Characters {
                character: 'U',
                position: 21
            })
        );
        let err = Token::parse(&with_u).unwrap_err();
        assert_eq!(err.code(), "token_characters");
        assert!(err.to_string().contains("第 3 组第 3 个字符"), "{err}");
        assert!(err
            .to_string()
            .contains("position 21 (group 3, character 3)"));

        // Position counts code characters only, not separators.
        let spaced = format!("  {}*", token.to_display());
        assert_eq!(
            Token::parse(&spaced),
            Err(TokenError::Characters {
                character: '*',
                position: 154
            })
        );
        // Non-ASCII characters are refused, not panicked on.
        assert_eq!(
            Token::parse("中"),
            Err(TokenError::Characters {
                character: '中',
                position: 1
            })
        );

        assert_eq!(
            Token::parse(&text[..152]),
            Err(TokenError::Length {
                found: 152,
                expected: 153
            })
        );
        assert_eq!(
            Token::parse(&format!("{text}0")).unwrap_err().code(),
            "token_length"
        );
        assert_eq!(Token::parse("").unwrap_err().code(), "token_length");
        assert_eq!(
            Token::from_bytes(&[1u8; 84]),
            Err(TokenError::ByteLength {
                found: 84,
                expected: 85
            })
        );
    }

    #[test]
    fn check_reports_all_bad_groups() {
        let token = sample_token(5);
        let mut chars: Vec<char> = token.to_text().chars().collect();
        for group in [3usize, 7] {
            let pos = (group - 1) * GROUP_TEXT_CHARS + 4;
            chars[pos] = if chars[pos] == 'A' { 'B' } else { 'A' };
        }
        let typed: String = chars.into_iter().collect();
        let err = Token::parse(&typed).unwrap_err();
        assert_eq!(err, TokenError::Check { groups: vec![3, 7] });
        assert_eq!(err.code(), "token_check");
        assert_eq!(
            err.to_string(),
            "第 3、7 组校验码不符, 请核对输入 / Groups 3, 7 fail their check characters: \
             please check what you typed."
        );
        let one = TokenError::Check { groups: vec![12] };
        assert!(one
            .to_string()
            .contains("Group 12 fails its check character:"));
    }

    #[test]
    fn version_is_checked() {
        let token = sample_token(6);
        let mut bytes = token.to_bytes();
        bytes[0] = 2;
        assert_eq!(
            Token::from_bytes(&bytes),
            Err(TokenError::Version { found: 2 })
        );
        // Also through the text form: re-encode with valid check characters.
        let data = encode_base32(&bytes);
        let mut text = String::new();
        for group in data.chunks(GROUP_CHARS) {
            text.extend(group.iter().map(|&v| symbol(v)));
            text.push(symbol(luhn_check_value(group)));
        }
        let err = Token::parse(&text).unwrap_err();
        assert_eq!(err, TokenError::Version { found: 2 });
        assert_eq!(err.code(), "token_version");
    }

    #[test]
    fn every_single_substitution_is_caught() {
        let token = sample_token(8);
        let text: Vec<char> = token.to_text().chars().collect();
        let mut replacements: Vec<char> =
            CROCKFORD_ALPHABET.iter().map(|&b| char::from(b)).collect();
        replacements.extend(['U', '*', 'é', '中']);
        let mut tried = 0usize;
        for position in 0..text.len() {
            for &replacement in &replacements {
                if replacement == text[position] {
                    continue;
                }
                let mut typed = text.clone();
                typed[position] = replacement;
                let typed: String = typed.into_iter().collect();
                tried += 1;
                match Token::parse(&typed) {
                    Err(TokenError::Check { groups }) => {
                        assert_eq!(groups, vec![position / GROUP_TEXT_CHARS + 1]);
                    }
                    Err(TokenError::Characters { position: p, .. }) => {
                        assert_eq!(p, position + 1);
                    }
                    other => panic!("substitution at {position} by {replacement} gave {other:?}"),
                }
            }
        }
        assert_eq!(tried, 153 * (31 + 4));
    }

    /// Luhn mod 32 misses exactly one unordered pair of adjacent symbols: 0↔Z.
    /// Measured over these 100 deterministic tokens: of 13,189 adjacent
    /// transpositions of distinct characters within 9-character groups (check
    /// character included), 26 are missed (0.20%), so 99.80% are caught.
    #[test]
    fn adjacent_transpositions_mostly_caught() {
        // Exhaustive over symbol pairs: which ordered pairs (a, b), a != b, are missed?
        let mut missed_pairs = Vec::new();
        for a in 0..32u32 {
            for b in 0..32u32 {
                if a != b && a + luhn_double(b) == b + luhn_double(a) {
                    missed_pairs.push((symbol(a as u8), symbol(b as u8)));
                }
            }
        }
        assert_eq!(missed_pairs, vec![('0', 'Z'), ('Z', '0')]);

        let mut total = 0usize;
        let mut missed = 0usize;
        for seed in 0..100u8 {
            let token = sample_token(seed);
            let text: Vec<char> = token.to_text().chars().collect();
            for group in 0..TOKEN_GROUPS {
                for j in 0..GROUP_TEXT_CHARS - 1 {
                    let p = group * GROUP_TEXT_CHARS + j;
                    if text[p] == text[p + 1] {
                        continue;
                    }
                    let mut typed = text.clone();
                    typed.swap(p, p + 1);
                    let typed: String = typed.into_iter().collect();
                    total += 1;
                    match Token::parse(&typed) {
                        Err(TokenError::Check { groups }) => assert_eq!(groups, vec![group + 1]),
                        _ => {
                            missed += 1;
                            assert!(
                                (text[p] == '0' && text[p + 1] == 'Z')
                                    || (text[p] == 'Z' && text[p + 1] == '0')
                            );
                        }
                    }
                }
            }
        }
        println!("adjacent transpositions: {missed} of {total} missed by the check");
        assert!(missed * 100 <= total * 5, "{missed} of {total} missed");
    }

    #[test]
    fn verify_errors() {
        let signing = key();
        let verifying = signing.verifying_key();
        let token = sample_token(9);
        token.verify(&verifying, ELECTION, 2, 513).unwrap();

        let mut bytes = token.to_bytes();
        bytes[TOKEN_BYTES - 10] ^= 0x04;
        let flipped = Token::from_bytes(&bytes).unwrap();
        let err = flipped.verify(&verifying, ELECTION, 2, 513).unwrap_err();
        assert_eq!(err, TokenError::Signature);
        assert_eq!(err.code(), "token_signature");

        // A flipped serial bit breaks the signature too.
        let mut bytes = token.to_bytes();
        bytes[HEADER_BYTES] ^= 0x80;
        assert_eq!(
            Token::from_bytes(&bytes)
                .unwrap()
                .verify(&verifying, ELECTION, 2, 513),
            Err(TokenError::Signature)
        );

        // Find another election id with a different tag.
        let other = (0..)
            .map(|i| format!("other-election-{i}"))
            .find(|id| election_tag(id) != election_tag(ELECTION))
            .unwrap();
        let err = token.verify(&verifying, &other, 2, 513).unwrap_err();
        assert_eq!(err, TokenError::WrongElection);
        assert_eq!(err.code(), "token_wrong_election");

        // An election id with the same tag still fails on the signature.
        let same_tag = (0..)
            .map(|i| format!("other-election-{i}"))
            .find(|id| election_tag(id) == election_tag(ELECTION))
            .unwrap();
        assert_eq!(
            token.verify(&verifying, &same_tag, 2, 513),
            Err(TokenError::Signature)
        );

        let err = token.verify(&verifying, ELECTION, 3, 513).unwrap_err();
        assert_eq!(
            err,
            TokenError::WrongRound {
                found: 2,
                expected: 3
            }
        );
        assert_eq!(err.code(), "token_wrong_round");
        assert!(err.to_string().contains("第 2 轮, 当前为第 3 轮"));

        let err = token.verify(&verifying, ELECTION, 2, 1).unwrap_err();
        assert_eq!(
            err,
            TokenError::WrongStyle {
                found: 513,
                expected: 1
            }
        );
        assert_eq!(err.code(), "token_wrong_style");

        // Wrong key.
        let other_key = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert_eq!(
            token.verify(&other_key, ELECTION, 2, 513),
            Err(TokenError::Signature)
        );
    }

    #[test]
    fn batch_finds_bad_index() {
        let signing = key();
        let verifying = signing.verifying_key();
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let mut tokens: Vec<Token> = (0..50)
            .map(|i| {
                let mut serial = [0u8; SERIAL_BYTES];
                rng.fill_bytes(&mut serial);
                Token::sign(&signing, ELECTION, (i % 3) as u8, (i % 5) as u16, serial)
            })
            .collect();
        verify_batch(&tokens, &verifying, ELECTION).unwrap();
        verify_batch(&[], &verifying, ELECTION).unwrap();

        let mut bytes = tokens[37].to_bytes();
        bytes[50] ^= 1;
        tokens[37] = Token::from_bytes(&bytes).unwrap();
        let err = verify_batch(&tokens, &verifying, ELECTION).unwrap_err();
        assert_eq!(err, TokenError::Batch { index: 37 });
        assert_eq!(err.code(), "token_batch");

        // A later bad token does not hide the first.
        let mut bytes = tokens[45].to_bytes();
        bytes[3] ^= 1; // style changed: signature no longer matches
        tokens[45] = Token::from_bytes(&bytes).unwrap();
        assert_eq!(
            verify_batch(&tokens, &verifying, ELECTION),
            Err(TokenError::Batch { index: 37 })
        );

        // A wrong election tag is found too.
        let mut bytes = tokens[5].to_bytes();
        bytes[1] ^= 1;
        tokens[5] = Token::from_bytes(&bytes).unwrap();
        assert_eq!(
            verify_batch(&tokens, &verifying, ELECTION),
            Err(TokenError::Batch { index: 5 })
        );
    }

    /// Every token's text fits a version 6 QR code at level M when encoded
    /// as one alphanumeric segment (855 of 864 data bits). The crate's
    /// automatic segmentation (`with_error_correction_level`) is not optimal
    /// and goes to version 7 for about 1.5% of tokens, so the slip code builds
    /// the segment explicitly (see `pool::token_qr_code`).
    #[test]
    fn qr_code_is_small() {
        use qrcode::bits::Bits;
        use qrcode::{EcLevel, QrCode, Version};
        let alphanumeric_v6 = |text: &str| {
            let mut bits = Bits::new(Version::Normal(6));
            bits.push_alphanumeric_data(text.as_bytes()).unwrap();
            bits.push_terminator(EcLevel::M).unwrap();
            QrCode::with_bits(bits, EcLevel::M).unwrap()
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(6);
        let mut auto_versions = [0usize; 41];
        for _ in 0..100 {
            let mut serial = [0u8; SERIAL_BYTES];
            rng.fill_bytes(&mut serial);
            let text = Token::sign(&key(), ELECTION, 1, 1, serial).to_text();
            assert_eq!(alphanumeric_v6(&text).version(), Version::Normal(6));
            let auto = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
            match auto.version() {
                Version::Normal(v) => auto_versions[v as usize] += 1,
                Version::Micro(v) => panic!("micro version {v}"),
            }
        }
        // Automatic mode: never below 6 (alphanumeric needs more than v5-M's
        // 688 bits), sometimes 7.
        assert_eq!(auto_versions[6] + auto_versions[7], 100);
        // Five of version 5's 86 data codewords short: 153 characters cannot fit.
        let mut bits = Bits::new(Version::Normal(5));
        bits.push_alphanumeric_data("Z".repeat(153).as_bytes())
            .unwrap();
        assert!(bits.push_terminator(EcLevel::M).is_err());
        assert_eq!(
            alphanumeric_v6(&"Z".repeat(153)).version(),
            Version::Normal(6)
        );
    }

    #[test]
    fn error_codes_are_distinct_and_messages_bilingual() {
        let errors = [
            TokenError::Characters {
                character: 'U',
                position: 1,
            },
            TokenError::Length {
                found: 1,
                expected: 153,
            },
            TokenError::ByteLength {
                found: 1,
                expected: 85,
            },
            TokenError::Check { groups: vec![1] },
            TokenError::Version { found: 9 },
            TokenError::WrongElection,
            TokenError::WrongRound {
                found: 1,
                expected: 2,
            },
            TokenError::WrongStyle {
                found: 1,
                expected: 2,
            },
            TokenError::Signature,
            TokenError::Batch { index: 4 },
        ];
        let mut codes: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for err in &errors {
            let message = err.to_string();
            let (zh, en) = message.split_once(" / ").unwrap();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{message}"
            );
            assert!(en.ends_with('.'), "{message}");
            assert!(err.code().as_str().starts_with("token_"));
        }
    }

    #[test]
    fn debug_redacts_credential() {
        let token = sample_token(10);
        let debug = format!("{token:?}");
        assert!(debug.contains("redacted"));
        assert!(!debug.contains(&format!("{:?}", token.serial())));
    }

    #[test]
    fn long_election_ids_sign_and_verify() {
        let long = "x".repeat(70_000);
        let signing = key();
        let token = Token::sign(&signing, &long, 1, 1, [9; SERIAL_BYTES]);
        token.verify(&signing.verifying_key(), &long, 1, 1).unwrap();
        let longer = "x".repeat(70_001);
        assert_ne!(
            signing_message(&long, 1, 1, &[0; 16]),
            signing_message(&longer, 1, 1, &[0; 16])
        );
    }

    #[test]
    fn parse_never_panics_on_random_input() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
        let pieces: Vec<char> =
            "0123456789ABCDEFGHJKMNPQRSTVWXYZabcxyzOoIiLlUu -\t\n*中é\u{0}\u{3000}Ａ"
                .chars()
                .collect();
        let valid = sample_token(11).to_text();
        let mut ok = 0usize;
        for case in 0..100_000u32 {
            let input: String = match case % 4 {
                // Random characters from a mix of valid and invalid ones.
                0 => {
                    let len = rng.gen_range(0..200);
                    (0..len)
                        .map(|_| pieces[rng.gen_range(0..pieces.len())])
                        .collect()
                }
                // Random bytes, lossily decoded.
                1 => {
                    let len = rng.gen_range(0..200);
                    let mut bytes = vec![0u8; len];
                    rng.fill_bytes(&mut bytes);
                    // Also exercise from_bytes on the raw bytes.
                    let _ = Token::from_bytes(&bytes);
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                // Random valid symbols with correct check characters: reaches decoding.
                2 => {
                    let mut data = [0u8; TOKEN_DATA_CHARS];
                    for v in data.iter_mut() {
                        *v = rng.gen_range(0..32);
                    }
                    if rng.gen_bool(0.5) {
                        data[0] = 0; // version byte's top bits
                        data[1] = rng.gen_range(0..32) & 0b00111 | 0b00100;
                    }
                    let mut text = String::new();
                    for group in data.chunks(GROUP_CHARS) {
                        text.extend(group.iter().map(|&v| symbol(v)));
                        text.push(symbol(luhn_check_value(group)));
                    }
                    text
                }
                // A valid token with a few random edits.
                _ => {
                    let mut chars: Vec<char> = valid.chars().collect();
                    for _ in 0..rng.gen_range(1..4) {
                        let p = rng.gen_range(0..chars.len());
                        chars[p] = pieces[rng.gen_range(0..pieces.len())];
                    }
                    chars.into_iter().collect()
                }
            };
            if let Ok(token) = Token::parse(&input) {
                ok += 1;
                assert_eq!(Token::parse(&token.to_text()).unwrap(), token);
            }
        }
        assert!(ok > 0, "the decoding path was never reached");
        // Full random bytes straight into from_bytes.
        for _ in 0..100_000 {
            let mut bytes = [0u8; TOKEN_BYTES];
            rng.fill_bytes(&mut bytes);
            if let Ok(token) = Token::from_bytes(&bytes) {
                assert_eq!(token.to_bytes(), bytes);
            }
        }
    }
}
