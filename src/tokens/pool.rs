//! Token pools and printable slip sheets.
//!
//! A pool is a batch of tokens for one election round and ballot style, each
//! with a distinct random 128-bit serial, in random order. [`pool_commitment`]
//! commits to the set of serials so that the printed pool can be audited
//! later. [`slip_sheet_html`] lays the tokens out as cut-out slips on A4 pages.
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
/// Most tokens [`slip_sheet_html`] lays out in one document (1,250 pages).
pub const SHEET_TOKENS_MAX: usize = 10_000;
/// Slips on one A4 page: 2 columns × 4 rows.
pub const PAGE_SLIPS: usize = 8;
/// Highest QR code version allowed on a slip (41×41 modules).
pub const QR_VERSION_MAX: i16 = 6;
/// Light border around the QR code, in modules (the standard's minimum).
pub const QR_QUIET_ZONE_MODULES: usize = 4;
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

/// Renders tokens as a standalone HTML5 document of cut-out slips: A4
/// portrait, 10 mm margins, 2 columns × 4 rows ([`PAGE_SLIPS`]) per page with
/// dashed cut lines and a page break after every 8 slips.
///
/// Each slip shows the election title, round, style and contests, the QR code
/// of [`Token::to_text`] (EcLevel M, inline SVG, version at most
/// [`QR_VERSION_MAX`]), the typed form ([`Token::to_display`], 3 groups per
/// line) and the instruction. The document loads nothing from elsewhere: no
/// fonts, scripts, images or links.
///
/// Errors: more than [`SHEET_TOKENS_MAX`] tokens, a token whose round is not
/// `sheet.round`, tokens of different elections or styles, or a QR code that
/// cannot be built or exceeds version 6.
pub fn slip_sheet_html(sheet: &SlipSheet, tokens: &[Token]) -> Result<String, PoolError> {
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

    let slip_head = slip_head_html(sheet);
    let mut html = String::with_capacity(4096 + tokens.len() * 8192);
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape_html(&sheet.title)));
    html.push_str("<style>");
    html.push_str(SHEET_CSS);
    html.push_str("</style>\n</head>\n<body>\n");
    html.push_str(&format!(
        "<header class=\"screen-only\"><h1>{}</h1><p>{}</p></header>\n",
        escape_html(&sheet.title),
        "打印时请选择 A4 纵向、100% 缩放、不加页眉页脚。/ \
         Print on A4 portrait at 100% scale without headers or footers."
    ));
    for page in tokens.chunks(PAGE_SLIPS) {
        html.push_str("<section class=\"page\">\n");
        for token in page {
            html.push_str("<article class=\"slip\">\n");
            html.push_str(&slip_head);
            html.push_str("<div class=\"body\">");
            html.push_str(&qr_svg(token)?);
            html.push_str("<div class=\"code\">");
            html.push_str(&code_lines_html(token));
            html.push_str("</div></div>\n");
            html.push_str(SLIP_INSTRUCTION_HTML);
            html.push_str("</article>\n");
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

/// The part of a slip that is the same on every slip of the sheet.
fn slip_head_html(sheet: &SlipSheet) -> String {
    let style = escape_html(&sheet.style_name);
    let contests = sheet
        .contest_names
        .iter()
        .map(|name| escape_html(name))
        .collect::<Vec<_>>()
        .join("<span class=\"sep\"> · </span>");
    let mut head = String::new();
    head.push_str("<div class=\"head\">");
    head.push_str(&format!(
        "<div class=\"election\">{}</div>",
        escape_html(&sheet.election_title)
    ));
    head.push_str(&format!(
        "<div class=\"meta\">第 {round} 轮 / Round {round}</div>\
         <div class=\"meta\">选票样式 / Ballot style: {style}</div>",
        round = sheet.round
    ));
    if !sheet.contest_names.is_empty() {
        head.push_str(&format!(
            "<div class=\"contests\">选举项目 / Contests: {contests}</div>"
        ));
    }
    if let Some(fp) = &sheet.key_fingerprint {
        head.push_str(&format!(
            "<div class=\"meta\">选票加密 · 选举密钥指纹 / Encrypted ballots · key fingerprint: {}</div>",
            escape_html(fp)
        ));
    }
    head.push_str("</div>\n");
    head
}

/// The typed form, [`SLIP_LINE_GROUPS`] groups per line. Only Crockford
/// symbols and spaces, so nothing needs escaping.
fn code_lines_html(token: &Token) -> String {
    let display = token.to_display();
    let groups: Vec<&str> = display.split(' ').collect();
    groups
        .chunks(SLIP_LINE_GROUPS)
        .map(|line| format!("<span class=\"line\">{}</span>", line.join(" ")))
        .collect::<Vec<_>>()
        .join("")
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

/// The token's QR code as an inline SVG element.
///
/// The SVG is drawn here from the module matrix ([`QrMatrix`]) rather than with
/// the qrcode crate's SVG renderer, whose output starts with an XML declaration and names the
/// SVG namespace URL, neither of which belongs in inline HTML5 SVG.
fn qr_svg(token: &Token) -> Result<String, PoolError> {
    Ok(code_svg(&token_qr_code(token)?))
}

/// Any QR code as an inline SVG element (see [`qr_svg`] for why it is drawn here).
pub fn code_svg(code: &QrMatrix) -> String {
    let width = code.width;
    let size = width + 2 * QR_QUIET_ZONE_MODULES;
    let mut path = String::with_capacity(width * width * 4);
    for (y, row) in code.dark.chunks(width.max(1)).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row.get(x) == Some(&true) {
                let start = x;
                while row.get(x) == Some(&true) {
                    x += 1;
                }
                // "M{x} {y}h{run}v1h-{run}z", without the formatting machinery
                // (this loop dominated the cost of a slip's QR code).
                path.push('M');
                push_decimal(&mut path, start + QR_QUIET_ZONE_MODULES);
                path.push(' ');
                push_decimal(&mut path, y + QR_QUIET_ZONE_MODULES);
                path.push('h');
                push_decimal(&mut path, x - start);
                path.push_str("v1h-");
                push_decimal(&mut path, x - start);
                path.push('z');
            } else {
                x += 1;
            }
        }
    }
    format!(
        "<svg class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"QR\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    )
}

/// Appends `n` in decimal, as `{n}` would format it.
fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const SLIP_INSTRUCTION_HTML: &str = "<div class=\"instruction\">\
<p lang=\"zh-CN\">请在投票机上扫描或输入此码。每张选票码只能使用一次。</p>\
<p lang=\"en\">Scan or type this code at a kiosk. Each code works once.</p>\
</div>\n";

/// Print layout. Lengths in mm so that the printed slips have a known size:
/// the A4 content box is 190 mm × 277 mm, a page grid 190 mm × 276 mm (1 mm
/// slack against rounding), a slip 95 mm × 69 mm. The page's only style element holds exactly
/// this text, whose hash the service's Content-Security-Policy allows.
pub const SHEET_CSS: &str = r#"@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  color: #000;
  background: #fff;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
.page {
  width: 190mm;
  height: 276mm;
  display: grid;
  grid-template-columns: 1fr 1fr;
  grid-template-rows: repeat(4, 1fr);
  overflow: hidden;
  break-after: page;
  page-break-after: always;
}
.page:last-child { break-after: auto; page-break-after: auto; }
.slip {
  display: flex;
  flex-direction: column;
  min-width: 0;
  min-height: 0;
  padding: 4mm 4mm 3mm 4mm;
  border-right: 0.3mm dashed #666;
  border-bottom: 0.3mm dashed #666;
  overflow: hidden;
  break-inside: avoid;
  page-break-inside: avoid;
}
/* Outer cut lines only where there is a slip. */
.slip:nth-child(odd) { border-left: 0.3mm dashed #666; }
.slip:nth-child(-n+2) { border-top: 0.3mm dashed #666; }
.head { line-height: 1.25; }
.election { font-size: 10.5pt; font-weight: 700; }
.meta { font-size: 8pt; margin-top: 0.5mm; }
.contests {
  font-size: 7pt;
  margin-top: 0.6mm;
  color: #222;
  max-height: 2.6em;
  overflow: hidden;
}
.sep { color: #666; }
.body {
  flex: 1;
  display: flex;
  align-items: center;
  gap: 2.5mm;
  margin: 1.5mm 0;
}
.qr { flex: none; width: 27mm; height: 27mm; }
.code {
  font-family: "DejaVu Sans Mono", "Noto Sans Mono", "Liberation Mono",
    Consolas, Menlo, monospace;
  font-size: 3.2mm;
  font-weight: 700;
  line-height: 1.45;
  font-variant-numeric: slashed-zero;
  white-space: nowrap;
}
.code .line { display: block; white-space: pre; }
.instruction { font-size: 7pt; line-height: 1.3; }
.instruction p { margin: 0; }
@media screen {
  body { background: #e6e6e6; }
  .screen-only { width: 190mm; margin: 8mm auto 0; font-size: 10pt; }
  .screen-only h1 { font-size: 14pt; margin: 0 0 2mm; }
  .page { margin: 6mm auto; background: #fff; box-shadow: 0 0 2mm #999; }
}
@media print {
  .screen-only { display: none; }
}
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    const ELECTION: &str = "2026-council-general";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[11u8; 32])
    }

    fn sheet() -> SlipSheet {
        SlipSheet {
            title: "第 2 轮选票码 · 样式 A".to_string(),
            election_title: "2026 年市议会选举 / 2026 City Council Election".to_string(),
            round: 2,
            style_name: "北区 A / North A".to_string(),
            contest_names: vec![
                "市议员 / Councillor".to_string(),
                "学校董事 / School trustee".to_string(),
            ],
            key_fingerprint: Some("9246-fad2-1970-21f8-1a24-f8ff-bee2-dbb2".to_string()),
        }
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
            assert!(qr_svg(token).is_ok());
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
    fn push_decimal_formats_like_display() {
        for n in [0, 1, 9, 10, 11, 45, 99, 100, 185, 1000, 123_456, usize::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn qr_svg_matches_modules() {
        let token = Token::sign(&key(), ELECTION, 2, 7, [5; SERIAL_BYTES]);
        let svg = qr_svg(&token).unwrap();
        let code = token_qr_code(&token).unwrap();
        let size = code.width + 2 * QR_QUIET_ZONE_MODULES;
        assert!(svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")));
        // Summing run lengths gives the number of dark modules.
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let dark: usize = d
            .split('M')
            .skip(1)
            .map(|run| {
                let h = run.split('h').nth(1).unwrap();
                h.split('v').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        let expected = code.dark.iter().filter(|d| **d).count();
        assert_eq!(dark, expected);
    }

    fn strip_between(text: &str, start: &str, end: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(start) {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let j = after.find(end).unwrap() + end.len();
            rest = &after[j..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn slip_sheet_layout_and_content() {
        let rng = SystemRandom::new();
        let tokens = generate_pool(&key(), ELECTION, 2, 7, 19, &rng).unwrap();
        let html = slip_sheet_html(&sheet(), &tokens).unwrap();

        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("@page { size: A4; margin: 10mm; }"));
        assert!(html.contains("break-after: page"));
        assert!(html.contains("break-inside: avoid"));
        assert!(html.contains("dashed"));
        assert_eq!(html.matches("<svg").count(), 19);
        assert_eq!(html.matches("</svg>").count(), 19);
        assert_eq!(html.matches("<section class=\"page\">").count(), 3);
        assert_eq!(html.matches("<article class=\"slip\">").count(), 19);
        // Pages hold 8, 8 and 3 slips.
        let per_page: Vec<usize> = html
            .split("<section class=\"page\">")
            .skip(1)
            .map(|p| p.matches("<article class=\"slip\">").count())
            .collect();
        assert_eq!(per_page, vec![8, 8, 3]);

        // One style element, exactly the sheet whose hash the service's
        // Content-Security-Policy allows, and no style attribute.
        assert_eq!(html.matches("<style").count(), 1);
        assert!(html.contains(&format!("<style>{SHEET_CSS}</style>")));
        assert!(!html.contains(" style="));

        // Nothing from elsewhere.
        assert!(!html.contains("http"));
        for forbidden in [
            "<script",
            "<link",
            "<img",
            "src=",
            "url(",
            "@import",
            "@font-face",
        ] {
            assert!(!html.contains(forbidden), "{forbidden}");
        }

        for token in &tokens {
            let display = token.to_display();
            let groups: Vec<&str> = display.split(' ').collect();
            let first_line = groups[..3].join(" ");
            assert!(html.contains(&format!("<span class=\"line\">{first_line}</span>")));
            assert!(html.contains(&format!(
                "<span class=\"line\">{}</span>",
                groups[15..].join(" ")
            )));
        }
        assert!(html.contains("请在投票机上扫描或输入此码。每张选票码只能使用一次。"));
        assert!(html.contains("Scan or type this code at a kiosk. Each code works once."));
        assert!(html.contains("第 2 轮"));
        assert!(html.contains("市议员 / Councillor"));

        // Slips are identical apart from their QR code and typed code: no
        // serial number, counter or other identifying mark.
        let slips: Vec<String> = html
            .split("<article class=\"slip\">")
            .skip(1)
            .map(|s| s.split("</article>").next().unwrap())
            .map(|s| strip_between(s, "<svg", "</svg>"))
            .map(|s| strip_between(&s, "<div class=\"code\">", "</div>"))
            .collect();
        assert_eq!(slips.len(), 19);
        assert!(slips.iter().all(|s| *s == slips[0]));
        for token in &tokens {
            let hex: String = token.serial().iter().map(|b| format!("{b:02x}")).collect();
            assert!(!html.to_lowercase().contains(&hex));
        }

        // Every QR code's content parses back to its token: check via the
        // typed form printed next to it (same to_text source).
        assert!(slip_sheet_html(&sheet(), &[]).is_ok());
    }

    #[test]
    fn slip_sheet_escapes_text() {
        let tokens = vec![Token::sign(&key(), ELECTION, 2, 7, [3; SERIAL_BYTES])];
        let evil = SlipSheet {
            title: "</title><script>alert(1)</script>".to_string(),
            election_title: "A & B <b>\"x\" 'y'".to_string(),
            round: 2,
            style_name: "<img src=x onerror=alert(1)>".to_string(),
            contest_names: vec!["</div><style>".to_string()],
            key_fingerprint: Some("<script>x</script>".to_string()),
        };
        let html = slip_sheet_html(&evil, &tokens).unwrap();
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("</div><style>"));
        assert!(html.contains("A &amp; B &lt;b&gt;&quot;x&quot; &#39;y&#39;"));
        assert!(html.contains("&lt;/title&gt;&lt;script&gt;"));
    }

    #[test]
    fn slip_sheet_refuses_inconsistent_tokens() {
        let signing = key();
        let round2 = Token::sign(&signing, ELECTION, 2, 7, [1; SERIAL_BYTES]);
        let round3 = Token::sign(&signing, ELECTION, 3, 7, [2; SERIAL_BYTES]);
        let style8 = Token::sign(&signing, ELECTION, 2, 8, [3; SERIAL_BYTES]);
        let other = (0..)
            .map(|i| format!("other-{i}"))
            .find(|id| super::super::token::election_tag(id) != round2.election_tag())
            .unwrap();
        let foreign = Token::sign(&signing, &other, 2, 7, [4; SERIAL_BYTES]);

        let err = slip_sheet_html(&sheet(), &[round2.clone(), round3]).unwrap_err();
        assert_eq!(
            err,
            PoolError::SheetWrongRound {
                index: 1,
                found: 3,
                expected: 2
            }
        );
        assert_eq!(err.code(), "sheet_wrong_round");
        let err = slip_sheet_html(&sheet(), &[round2.clone(), style8]).unwrap_err();
        assert_eq!(err, PoolError::SheetMixedTokens { index: 1 });
        let err = slip_sheet_html(&sheet(), &[round2.clone(), foreign]).unwrap_err();
        assert_eq!(err.code(), "sheet_mixed_tokens");

        let many = vec![round2; SHEET_TOKENS_MAX + 1];
        assert_eq!(
            slip_sheet_html(&sheet(), &many).unwrap_err().code(),
            "sheet_too_many"
        );
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
