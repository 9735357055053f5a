//! Token pools and printable slip sheets.
//!
//! A pool is a batch of tokens for one election round and ballot style, each
//! with a distinct random 128-bit serial, in random order. [`pool_commitment`]
//! commits to the set of serials so that the printed pool can be audited
//! later. `present::slips::slip_sheet_html` lays the tokens out as cut-out slips on A4 pages.
//!
//! Privacy invariant: a slip carries nothing but the election, round, style,
//! contests, instructions and the token itself (QR code and typed form). No
//! serial number, counter, page number or anything else that could link a
//! slip to the person who receives it is printed, and every slip of a sheet is
//! identical apart from its token.

use crate::codes::Code;
use std::collections::HashSet;

use ed25519_dalek::SigningKey;
use qrcode::bits::Bits;
use qrcode::types::QrError;
use qrcode::{EcLevel, Version};
use ring::rand::SecureRandom;
use sha2::{Digest, Sha256};

use super::qr::{self, QrMatrix};
use crate::record::token::{Token, SERIAL_BYTES};

/// Most tokens [`generate_pool`] makes in one call.
pub const POOL_TOKENS_MAX: usize = 1_000_000;
/// Most tokens `present::slips::slip_sheet_html` lays out in one document (1,250 pages).
pub const SHEET_TOKENS_MAX: usize = 10_000;
/// Slips on one A4 page: 2 columns × 4 rows.
pub const PAGE_SLIPS: usize = 8;
/// Highest QR code version allowed on a slip (41×41 modules).
pub const QR_VERSION_MAX: i16 = 6;
/// Light border around the QR code, in modules (the standard's minimum).
/// Groups of the typed form printed per line on a slip.
pub const SLIP_LINE_GROUPS: usize = 3;
/// Domain separator for [`pool_commitment`].
pub const POOL_COMMITMENT_DOMAIN: &[u8] = b"scrutineer.pool/v1\0";

/// Random bytes fetched from the system per call.
const RANDOM_BUFFER_BYTES: usize = 4096;
/// Consecutive rejected random draws (duplicate serial, out-of-range index)
/// after which the random source is taken to be broken.
const RANDOM_RETRIES_MAX: usize = 64;

/// Errors from pool generation and slip sheets.
///
/// Every message is Chinese first, then `" / "` and English. [`PoolError::code`]
/// gives a stable snake_case code for machines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// More tokens requested than [`POOL_TOKENS_MAX`].
    #[error(
        "一次最多生成 {max} 张选票码, 但请求了 {requested} 张 / \
         At most {max} ballot codes can be generated at once, but {requested} were requested."
    )]
    TooMany {
        /// Tokens requested.
        requested: usize,
        /// Always [`POOL_TOKENS_MAX`].
        max: usize,
    },
    /// The system random number generator failed or kept repeating itself.
    #[error(
        "系统随机数生成器出错, 未生成任何选票码 / \
         The system random number generator failed, so no ballot codes were generated."
    )]
    Random,
    /// More tokens given to one sheet than [`SHEET_TOKENS_MAX`].
    #[error(
        "一份打印文档最多容纳 {max} 张选票码, 但提供了 {found} 张, 请分批打印 / \
         One print document holds at most {max} ballot codes, but {found} were given: please print in batches."
    )]
    SheetTooMany {
        /// Tokens given.
        found: usize,
        /// Always [`SHEET_TOKENS_MAX`].
        max: usize,
    },
    /// A token's round differs from the sheet's.
    #[error(
        "序号为 {index} 的选票码属于第 {found} 轮, 但打印表为第 {expected} 轮 (序号从 0 开始) / \
         The ballot code at index {index} (counting from 0) is for round {found}, \
         but the sheet is for round {expected}."
    )]
    SheetWrongRound {
        /// 0-based index of the first such token.
        index: usize,
        /// Round in the token.
        found: u8,
        /// Round of the sheet.
        expected: u8,
    },
    /// A token's election or ballot style differs from the first token's.
    #[error(
        "序号为 {index} 的选票码与第一张属于不同的选举或选票样式, 不能印在同一份文档中 (序号从 0 开始) / \
         The ballot code at index {index} (counting from 0) is for a different election or \
         ballot style than the first one, so they cannot share one sheet."
    )]
    SheetMixedTokens {
        /// 0-based index of the first such token.
        index: usize,
    },
    /// The QR code could not be built.
    #[error("无法生成二维码: {reason} / The QR code could not be built: {reason}.")]
    Qr {
        /// The qrcode crate's explanation.
        reason: String,
    },
    /// The QR code came out larger than [`QR_VERSION_MAX`].
    #[error(
        "二维码版本为 {found}, 超过上限 {QR_VERSION_MAX}, 印出后可能难以扫描 / \
         The QR code is version {found}, above the limit of {QR_VERSION_MAX}, \
         so it could be hard to scan once printed."
    )]
    QrVersion {
        /// The version the crate chose ("M" marks a Micro QR version).
        found: String,
    },
}

impl PoolError {
    /// Stable snake_case code for this error, for logs, APIs and translations.
    pub fn code(&self) -> Code {
        match self {
            PoolError::TooMany { .. } => Code::PoolTooMany,
            PoolError::Random => Code::PoolRandom,
            PoolError::SheetTooMany { .. } => Code::SheetTooMany,
            PoolError::SheetWrongRound { .. } => Code::SheetWrongRound,
            PoolError::SheetMixedTokens { .. } => Code::SheetMixedTokens,
            PoolError::Qr { .. } => Code::SheetQr,
            PoolError::QrVersion { .. } => Code::SheetQrVersion,
        }
    }
}

/// Buffered reader over a [`SecureRandom`], so that a large pool does not
/// make one system call per serial or shuffle step.
struct RandomBytes<'a> {
    rng: &'a dyn SecureRandom,
    buffer: [u8; RANDOM_BUFFER_BYTES],
    /// Invariant: `used <= RANDOM_BUFFER_BYTES`; bytes before `used` are spent.
    used: usize,
}

impl<'a> RandomBytes<'a> {
    fn new(rng: &'a dyn SecureRandom) -> Self {
        RandomBytes {
            rng,
            buffer: [0; RANDOM_BUFFER_BYTES],
            used: RANDOM_BUFFER_BYTES,
        }
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<(), PoolError> {
        for slot in out.iter_mut() {
            if self.used >= RANDOM_BUFFER_BYTES {
                self.rng
                    .fill(&mut self.buffer)
                    .map_err(|_| PoolError::Random)?;
                self.used = 0;
            }
            *slot = self
                .buffer
                .get(self.used)
                .copied()
                .ok_or(PoolError::Random)?;
            self.used += 1;
        }
        Ok(())
    }

    /// A uniform value in `0..bound` by rejection sampling (no modulo bias).
    /// `bound` must be at least 1.
    fn below(&mut self, bound: u64) -> Result<u64, PoolError> {
        if bound == 0 {
            return Err(PoolError::Random);
        }
        // 2^64 mod bound; accepting x <= u64::MAX - rem leaves a multiple of
        // `bound` equally likely values.
        let rem = (u64::MAX % bound + 1) % bound;
        let limit = u64::MAX - rem;
        for _ in 0..RANDOM_RETRIES_MAX {
            let mut bytes = [0u8; 8];
            self.fill(&mut bytes)?;
            let x = u64::from_le_bytes(bytes);
            if x <= limit {
                return Ok(x % bound);
            }
        }
        Err(PoolError::Random)
    }
}

/// Generates `count` tokens for one election round and ballot style.
///
/// Serials are 128 random bits from `rng`, all distinct (a repeat, which a
/// working generator practically never gives, is drawn again). The result is
/// then shuffled (Fisher–Yates driven by `rng`), so its order carries no
/// information, not even the order of generation. At most
/// [`POOL_TOKENS_MAX`] tokens per call ([`PoolError::TooMany`]); a failing
/// or repeating generator gives [`PoolError::Random`] and no tokens.
pub fn generate_pool(
    key: &SigningKey,
    election_id: &str,
    round: u8,
    style: u16,
    count: usize,
    rng: &dyn SecureRandom,
) -> Result<Vec<Token>, PoolError> {
    if count > POOL_TOKENS_MAX {
        return Err(PoolError::TooMany {
            requested: count,
            max: POOL_TOKENS_MAX,
        });
    }
    let mut random = RandomBytes::new(rng);
    let mut seen: HashSet<[u8; SERIAL_BYTES]> = HashSet::with_capacity(count);
    let mut tokens = Vec::with_capacity(count);
    while tokens.len() < count {
        let mut serial = [0u8; SERIAL_BYTES];
        let mut fresh = false;
        for _ in 0..RANDOM_RETRIES_MAX {
            random.fill(&mut serial)?;
            if seen.insert(serial) {
                fresh = true;
                break;
            }
        }
        if !fresh {
            return Err(PoolError::Random);
        }
        tokens.push(Token::sign(key, election_id, round, style, serial));
    }
    shuffle(&mut tokens, &mut random)?;
    Ok(tokens)
}

/// Fisher–Yates shuffle with uniform indices from `random`.
fn shuffle<T>(items: &mut [T], random: &mut RandomBytes<'_>) -> Result<(), PoolError> {
    for i in (1..items.len()).rev() {
        let bound = u64::try_from(i + 1).map_err(|_| PoolError::Random)?;
        let j = usize::try_from(random.below(bound)?).map_err(|_| PoolError::Random)?;
        items.swap(i, j);
    }
    Ok(())
}

/// Commitment to a pool: SHA-256(`POOL_COMMITMENT_DOMAIN` ‖ serials sorted
/// ascending, concatenated).
///
/// It commits to the set of serials only: not to the order of `tokens` (any
/// permutation gives the same value), nor to the election, round or style,
/// which the caller publishes alongside. Repeated serials are each included,
/// so a multiset with a repeat differs from the set without it.
pub fn pool_commitment(tokens: &[Token]) -> [u8; 32] {
    let mut serials: Vec<&[u8; SERIAL_BYTES]> = tokens.iter().map(Token::serial).collect();
    serials.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(POOL_COMMITMENT_DOMAIN);
    for serial in serials {
        hasher.update(serial);
    }
    hasher.finalize().into()
}

/// What a sheet of slips says besides the tokens. All text is escaped when
/// inserted into HTML.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlipSheet {
    /// Document title (browser tab and on-screen preview header; not printed).
    pub title: String,
    /// Election title printed on every slip.
    pub election_title: String,
    /// Round printed on every slip; every token must be for this round.
    pub round: u8,
    /// Ballot style name printed on every slip.
    pub style_name: String,
    /// Contest names printed on every slip.
    pub contest_names: Vec<String>,
    /// The election key's fingerprint (encrypted ballots), printed on every slip so a voter
    /// can compare it with the kiosk's and the board's.
    pub key_fingerprint: Option<String>,
}

/// Checks the tokens a sheet of slips is printed from (rendered by `present::slips`): at most
/// [`SHEET_TOKENS_MAX`], every one of `sheet.round`, all of one election and style.
pub fn check_sheet(sheet: &SlipSheet, tokens: &[Token]) -> Result<(), PoolError> {
    if tokens.len() > SHEET_TOKENS_MAX {
        return Err(PoolError::SheetTooMany {
            found: tokens.len(),
            max: SHEET_TOKENS_MAX,
        });
    }
    if let Some(first) = tokens.first() {
        for (index, token) in tokens.iter().enumerate() {
            if token.round() != sheet.round {
                return Err(PoolError::SheetWrongRound {
                    index,
                    found: token.round(),
                    expected: sheet.round,
                });
            }
            if token.election_tag() != first.election_tag() || token.style() != first.style() {
                return Err(PoolError::SheetMixedTokens { index });
            }
        }
    }
    Ok(())
}

/// The token's QR code: [`Token::to_text`] at error correction level M, in
/// the smallest version that holds it, which is version 6 (41×41 modules)
/// for every token. Built with [`qr::with_bits`], which gives the same
/// modules as `QrCode::with_bits` in a fraction of the time.
///
/// The text is encoded as one alphanumeric segment rather than with the
/// crate's automatic segmentation: `QrCode::with_error_correction_level`
/// (qrcode 0.14) splits out runs of digits greedily, which sometimes costs
/// more bits than it saves and pushed about 1.5% of random tokens to version 7
/// in testing. One alphanumeric segment of 153 characters always takes 855
/// bits, within version 6-M's 864. Should that ever fail, the crate's own
/// choice is tried and refused above [`QR_VERSION_MAX`].
pub fn token_qr_code(token: &Token) -> Result<QrMatrix, PoolError> {
    let text = token.to_text();
    let qr_error = |e: QrError| PoolError::Qr {
        reason: e.to_string(),
    };
    for version in 1..=QR_VERSION_MAX {
        let mut bits = Bits::new(Version::Normal(version));
        let pushed = bits
            .push_alphanumeric_data(text.as_bytes())
            .and_then(|()| bits.push_terminator(EcLevel::M));
        match pushed {
            Ok(()) => return qr::with_bits(bits, EcLevel::M).map_err(qr_error),
            Err(QrError::DataTooLong) => continue,
            Err(e) => return Err(qr_error(e)),
        }
    }
    let code = qr::encode_auto(text.as_bytes(), EcLevel::M).map_err(qr_error)?;
    match code.version {
        Version::Normal(v) if (1..=QR_VERSION_MAX).contains(&v) => Ok(code),
        Version::Normal(v) => Err(PoolError::QrVersion {
            found: v.to_string(),
        }),
        Version::Micro(v) => Err(PoolError::QrVersion {
            found: format!("M{v}"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    const ELECTION: &str = "2026-council-general";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[11u8; 32])
    }

    #[test]
    fn pool_has_count_distinct_valid_tokens() {
        let rng = SystemRandom::new();
        let signing = key();
        let tokens = generate_pool(&signing, ELECTION, 2, 7, 300, &rng).unwrap();
        assert_eq!(tokens.len(), 300);
        let serials: HashSet<_> = tokens.iter().map(|t| *t.serial()).collect();
        assert_eq!(serials.len(), 300);
        let verifying = signing.verifying_key();
        for token in &tokens {
            token.verify(&verifying, ELECTION, 2, 7).unwrap();
        }
        super::super::token::verify_batch(&tokens, &verifying, ELECTION).unwrap();

        assert!(generate_pool(&signing, ELECTION, 2, 7, 0, &rng)
            .unwrap()
            .is_empty());
        let err = generate_pool(&signing, ELECTION, 2, 7, POOL_TOKENS_MAX + 1, &rng).unwrap_err();
        assert_eq!(err.code(), "pool_too_many");
        assert!(err.to_string().contains("1000001"));
    }

    #[test]
    fn commitment_ignores_order_but_not_content() {
        let rng = SystemRandom::new();
        let tokens = generate_pool(&key(), ELECTION, 1, 1, 40, &rng).unwrap();
        let commitment = pool_commitment(&tokens);
        let mut reversed = tokens.clone();
        reversed.reverse();
        assert_eq!(pool_commitment(&reversed), commitment);
        let mut rotated = tokens.clone();
        rotated.rotate_left(13);
        assert_eq!(pool_commitment(&rotated), commitment);
        assert_ne!(pool_commitment(&tokens[1..]), commitment);
        assert_ne!(pool_commitment(&[]), commitment);

        // Known value for an explicit set.
        let a = Token::sign(&key(), ELECTION, 1, 1, [2; SERIAL_BYTES]);
        let b = Token::sign(&key(), ELECTION, 1, 1, [1; SERIAL_BYTES]);
        let mut expected = Sha256::new();
        expected.update(b"scrutineer.pool/v1\0");
        expected.update([1u8; 16]);
        expected.update([2u8; 16]);
        let expected: [u8; 32] = expected.finalize().into();
        assert_eq!(pool_commitment(&[a, b]), expected);
    }

    #[test]
    fn shuffle_is_a_permutation_and_moves_things() {
        let rng = SystemRandom::new();
        let mut random = RandomBytes::new(&rng);
        let mut items: Vec<u32> = (0..1000).collect();
        shuffle(&mut items, &mut random).unwrap();
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(items, sorted);
        for bound in [1u64, 2, 3, 7, 1 << 40, u64::MAX] {
            for _ in 0..100 {
                assert!(random.below(bound).unwrap() < bound);
            }
        }
        assert_eq!(random.below(0), Err(PoolError::Random));
        // Spans buffer refills.
        let mut big = vec![0u8; RANDOM_BUFFER_BYTES * 2 + 5];
        random.fill(&mut big).unwrap();
        assert!(big.iter().any(|&b| b != 0));
    }

    #[test]
    fn qr_codes_are_version_6_or_less() {
        let rng = SystemRandom::new();
        let tokens = generate_pool(&key(), ELECTION, 2, 7, 100, &rng).unwrap();
        for token in &tokens {
            let code = token_qr_code(token).unwrap();
            assert_eq!(code.version, Version::Normal(6));
            assert_eq!(code.ec_level, EcLevel::M);
        }
    }

    /// The crate's automatic segmentation reaches version 7 for some tokens
    /// (about 1.5%); `token_qr_code` keeps those at version 6.
    #[test]
    fn crate_auto_mode_can_exceed_version_6() {
        use qrcode::QrCode;
        use rand::{RngCore, SeedableRng};
        let signing = key();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut found = false;
        for _ in 0..2000 {
            let mut serial = [0u8; SERIAL_BYTES];
            rng.fill_bytes(&mut serial);
            let token = Token::sign(&signing, ELECTION, 2, 7, serial);
            let auto = QrCode::with_error_correction_level(token.to_text().as_bytes(), EcLevel::M)
                .unwrap();
            if auto.version() == Version::Normal(7) {
                assert_eq!(token_qr_code(&token).unwrap().version, Version::Normal(6));
                found = true;
                break;
            }
        }
        assert!(found, "no token needed version 7 in automatic mode");
    }

    #[test]
    fn error_codes_are_distinct_and_messages_bilingual() {
        let errors = [
            PoolError::TooMany {
                requested: 2,
                max: 1,
            },
            PoolError::Random,
            PoolError::SheetTooMany { found: 2, max: 1 },
            PoolError::SheetWrongRound {
                index: 0,
                found: 1,
                expected: 2,
            },
            PoolError::SheetMixedTokens { index: 3 },
            PoolError::Qr {
                reason: "data too long".to_string(),
            },
            PoolError::QrVersion {
                found: "7".to_string(),
            },
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
        }
    }
}
