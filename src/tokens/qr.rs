//! Fast QR encoding, bit-for-bit identical to the `qrcode` crate (0.14.1, pinned in
//! Cargo.toml because this file uses its internals). Kept over the maintained `fast_qr`
//! encoder because it measured 3.6 × faster on slip tokens (`cargo bench --bench qr`;
//! BENCHMARKS.md says why that matters); `tests/qr_decode.rs` reads both back.
//!
//! `QrCode::with_bits` picks its mask with `Canvas::apply_best_mask`, which
//! masks eight copies of the canvas and scores each with a penalty function
//! that allocates a boxed closure for every (line, position) pair and reads
//! every module through a bounds-checked, coordinate-wrapping `get`. That
//! costs about a millisecond for a version 6 code, the largest CPU cost of
//! casting a ballot (receipt code) and of printing slip sheets (token codes).
//!
//! [`with_bits`] builds the unmasked canvas with the crate's own public
//! pieces (codewords, functional patterns, data placement) and reads it once.
//! It then masks and scores with every row and every column held as a bit
//! set: a mask is an XOR on the data modules plus the format information
//! (the crate's table and positions), and each penalty rule is a handful of
//! shifts and population counts per line. The score is exactly the crate's
//! (including its deviations from the standard: the finder-like rule and the
//! unrounded balance rule), and the mask with the lowest score wins, the
//! first in the crate's order on a tie, as with `Iterator::min_by_key`. So
//! the modules are the crate's modules; the tests compare them on thousands
//! of inputs.

use std::ops::{BitAnd, BitOr, BitXor, Not, Shl, Shr};

use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode, Version};

/// A finished QR code: its modules and what it was made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    /// `width × width` modules, left to right then top to bottom (the order
    /// of `QrCode::to_colors`); `true` is dark.
    pub dark: Vec<bool>,
    /// The version (size) of the code.
    pub version: Version,
    /// The error correction level.
    pub ec_level: EcLevel,
}

impl QrMatrix {
    /// The module at column `x`, row `y` (false outside the code).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// The modules as the crate's colors, in the same order as `dark`.
    pub fn to_colors(&self) -> Vec<Color> {
        self.dark
            .iter()
            .map(|&d| if d { Color::Dark } else { Color::Light })
            .collect()
    }

    /// The matrix of a code the crate built.
    pub fn from_code(code: &QrCode) -> QrMatrix {
        QrMatrix {
            width: code.width(),
            dark: code.to_colors().iter().map(|c| *c == Color::Dark).collect(),
            version: code.version(),
            ec_level: code.error_correction_level(),
        }
    }
}

/// The crate's mask order for normal QR codes (`ALL_PATTERNS_QR` in
/// qrcode 0.14's canvas.rs). The order decides ties. Each pattern's
/// discriminant is its 3-bit number in the format information.
const PATTERNS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Whether `pattern` inverts the data module at column `x`, row `y`: the
/// crate's `mask_functions` (the same formulas; the crate's `i16`s are never
/// negative here, so `/` and `%` agree).
fn inverts(pattern: MaskPattern, x: usize, y: usize) -> bool {
    match pattern {
        MaskPattern::Checkerboard => (x + y).is_multiple_of(2),
        MaskPattern::HorizontalLines => y.is_multiple_of(2),
        MaskPattern::VerticalLines => x.is_multiple_of(3),
        MaskPattern::DiagonalLines => (x + y).is_multiple_of(3),
        MaskPattern::LargeCheckerboard => ((y / 2) + (x / 3)).is_multiple_of(2),
        MaskPattern::Fields => (x * y) % 2 + (x * y) % 3 == 0,
        MaskPattern::Diamonds => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        MaskPattern::Meadow => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

/// Every mask repeats every 12 modules along a row and along a column
/// (periods 2, 3, 4 and 6 all divide 12).
const MASK_PERIOD: usize = 12;

/// `FORMAT_INFOS_QR` from qrcode 0.14's canvas.rs: the 15-bit format
/// information, indexed by `(ec_level ^ 1) << 3 | pattern`.
const FORMAT_INFOS_QR: [u16; 32] = [
    0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0, 0x77c4, 0x72f3, 0x7daa, 0x789d,
    0x662f, 0x6318, 0x6c41, 0x6976, 0x1689, 0x13be, 0x1ce7, 0x19d0, 0x0762, 0x0255, 0x0d0c, 0x083b,
    0x355f, 0x3068, 0x3f31, 0x3a06, 0x24b4, 0x2183, 0x2eda, 0x2bed,
];

/// `FORMAT_INFO_COORDS_QR_MAIN` from qrcode 0.14: where the format bits go,
/// most significant first, around the top left finder.
const FORMAT_COORDS_MAIN: [(i16, i16); 15] = [
    (0, 8),
    (1, 8),
    (2, 8),
    (3, 8),
    (4, 8),
    (5, 8),
    (7, 8),
    (8, 8),
    (8, 7),
    (8, 5),
    (8, 4),
    (8, 3),
    (8, 2),
    (8, 1),
    (8, 0),
];

/// `FORMAT_INFO_COORDS_QR_SIDE` from qrcode 0.14: the second copy, split
/// between the bottom left and top right finders (negative coordinates count
/// from the far edge).
const FORMAT_COORDS_SIDE: [(i16, i16); 15] = [
    (8, -1),
    (8, -2),
    (8, -3),
    (8, -4),
    (8, -5),
    (8, -6),
    (8, -7),
    (-8, 8),
    (-7, 8),
    (-6, 8),
    (-5, 8),
    (-4, 8),
    (-3, 8),
    (-2, 8),
    (-1, 8),
];

/// The modules `Canvas::apply_mask(pattern)` draws after masking, in the
/// order it draws them (`draw_format_info_patterns`): the format
/// information twice, then the dark module at (8, −8).
fn format_modules(
    width: usize,
    ec_level: EcLevel,
    pattern: MaskPattern,
) -> [(usize, usize, bool); 31] {
    let index = ((ec_level as usize) ^ 1) << 3 | pattern as usize;
    let number = FORMAT_INFOS_QR.get(index).copied().unwrap_or(0);
    let place = |c: i16| {
        let c = isize::from(c);
        usize::try_from(if c < 0 { c + width as isize } else { c }).unwrap_or(0)
    };
    let mut out = [(0, 0, false); 31];
    let coords = FORMAT_COORDS_MAIN
        .iter()
        .enumerate()
        .chain(FORMAT_COORDS_SIDE.iter().enumerate());
    for (slot, (i, &(x, y))) in out.iter_mut().zip(coords) {
        *slot = (place(x), place(y), number & (1 << (14 - i)) != 0);
    }
    // The dark module, already dark in the unmasked canvas; the crate puts it
    // again.
    out[30] = (8, place(-8), true);
    out
}

/// Builds the QR code for `bits`, as `QrCode::with_bits(bits, ec_level)`
/// would: same modules, same version, same errors. Micro QR codes are left
/// to the crate.
pub fn with_bits(bits: Bits, ec_level: EcLevel) -> Result<QrMatrix, QrError> {
    let version = bits.version();
    if version.is_micro() {
        return QrCode::with_bits(bits, ec_level).map(|code| QrMatrix::from_code(&code));
    }
    let data = bits.into_bytes();
    let (encoded, ec_data) = qrcode::ec::construct_codewords(&data, version, ec_level)?;
    // construct_codewords refuses versions outside 1..=40, so the width is
    // between 21 and 177.
    let width = usize::try_from(version.width()).map_err(|_| QrError::InvalidVersion)?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec_data);
    let dark = if width <= 64 {
        Unmasked::<u64>::read(&canvas, width).best(ec_level)
    } else if width <= 128 {
        Unmasked::<u128>::read(&canvas, width).best(ec_level)
    } else {
        Unmasked::<Wide>::read(&canvas, width).best(ec_level)
    };
    Ok(QrMatrix {
        width,
        dark,
        version,
        ec_level,
    })
}

/// Builds the smallest QR code for `data` with the crate's automatic
/// segmentation, as `QrCode::with_error_correction_level(data, ec_level)`
/// would.
pub fn encode_auto(data: &[u8], ec_level: EcLevel) -> Result<QrMatrix, QrError> {
    with_bits(qrcode::bits::encode_auto(data, ec_level)?, ec_level)
}

/// The crate's penalty score of a masked normal QR code, `dark` holding
/// `width × width` modules row by row (see [`PenaltyParts`] for the rules).
/// Wraps around at 65,536 like the crate's `u16` sums do in release builds.
pub fn penalty_score(dark: &[bool], width: usize) -> u16 {
    penalty_parts(dark, width).total()
}

/// The penalty parts of `dark` (`width × width` modules, row by row, width
/// at most 192); all zero if the sizes do not fit.
pub fn penalty_parts(dark: &[bool], width: usize) -> PenaltyParts {
    fn lines<L: Lane>(dark: &[bool], width: usize) -> PenaltyParts {
        let mut rows = vec![L::ZERO; width];
        let mut columns = vec![L::ZERO; width];
        for (y, row) in dark.chunks_exact(width).enumerate() {
            for (x, &d) in row.iter().enumerate() {
                if d {
                    rows[y] = rows[y].set(x);
                    columns[x] = columns[x].set(y);
                }
            }
        }
        score(&rows, &columns, width)
    }
    if width == 0 || dark.len() != width * width {
        PenaltyParts::default()
    } else if width <= 64 {
        lines::<u64>(dark, width)
    } else if width <= 128 {
        lines::<u128>(dark, width)
    } else if width <= Wide::BITS {
        lines::<Wide>(dark, width)
    } else {
        PenaltyParts::default()
    }
}

/// The parts of the crate's penalty score (`Canvas::compute_total_penalty_scores`
/// for normal QR codes, qrcode 0.14 canvas.rs), each as the crate computes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PenaltyParts {
    /// Runs of N ≥ 5 same-colored modules along a row, N − 2 each.
    pub adjacent_rows: u32,
    /// The same along columns.
    pub adjacent_columns: u32,
    /// 3 for every 2×2 block of one color (blocks may overlap).
    pub blocks: u32,
    /// 40 for every dark-light-dark-dark-dark-light-dark run along a row
    /// whose 4 modules before it, or whose 4 modules after it, are all light
    /// or outside the code; then 360 less (the three finder patterns always
    /// count 9 times), wrapping at 65,536 as in the crate.
    pub finder_rows: u32,
    /// The same along columns.
    pub finder_columns: u32,
    /// `|dark × 200 / total − 100|` with integer division.
    pub balance: u32,
}

impl PenaltyParts {
    /// The total as the crate's `u16` arithmetic gives it (wrapping).
    pub fn total(&self) -> u16 {
        let sum = self
            .adjacent_rows
            .wrapping_add(self.adjacent_columns)
            .wrapping_add(self.blocks)
            .wrapping_add(self.finder_rows)
            .wrapping_add(self.finder_columns)
            .wrapping_add(self.balance);
        // Truncation is the point: the crate adds in u16.
        (sum & 0xFFFF) as u16
    }
}

/// A line of modules (a row or a column) as a bit set: bit `i` is module `i`,
/// set when dark. Bits at and above the width are always clear.
trait Lane:
    Copy
    + BitAnd<Output = Self>
    + BitOr<Output = Self>
    + BitXor<Output = Self>
    + Not<Output = Self>
    + Shl<u32, Output = Self>
    + Shr<u32, Output = Self>
{
    const ZERO: Self;
    /// Bits `0..n`.
    fn low(n: usize) -> Self;
    /// With bit `i` set.
    fn set(self, i: usize) -> Self;
    /// With bit `i` set to `on`.
    fn put(self, i: usize, on: bool) -> Self;
    fn get(self, i: usize) -> bool;
    fn ones(self) -> u32;
}

macro_rules! primitive_lane {
    ($t:ty) => {
        impl Lane for $t {
            const ZERO: Self = 0;
            fn low(n: usize) -> Self {
                if n >= <$t>::BITS as usize {
                    <$t>::MAX
                } else {
                    (1 << n) - 1
                }
            }
            fn set(self, i: usize) -> Self {
                self | (1 << i)
            }
            fn put(self, i: usize, on: bool) -> Self {
                (self & !(1 << i)) | (<$t>::from(on) << i)
            }
            fn get(self, i: usize) -> bool {
                (self >> i) & 1 == 1
            }
            fn ones(self) -> u32 {
                self.count_ones()
            }
        }
    };
}
primitive_lane!(u64);
primitive_lane!(u128);

/// A 192-bit line, for versions 28 to 40 (129 to 177 modules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide([u64; 3]);

impl Wide {
    const BITS: usize = 192;
}

impl BitAnd for Wide {
    type Output = Wide;
    fn bitand(self, o: Wide) -> Wide {
        Wide([self.0[0] & o.0[0], self.0[1] & o.0[1], self.0[2] & o.0[2]])
    }
}

impl BitOr for Wide {
    type Output = Wide;
    fn bitor(self, o: Wide) -> Wide {
        Wide([self.0[0] | o.0[0], self.0[1] | o.0[1], self.0[2] | o.0[2]])
    }
}

impl BitXor for Wide {
    type Output = Wide;
    fn bitxor(self, o: Wide) -> Wide {
        Wide([self.0[0] ^ o.0[0], self.0[1] ^ o.0[1], self.0[2] ^ o.0[2]])
    }
}

impl Not for Wide {
    type Output = Wide;
    fn not(self) -> Wide {
        Wide([!self.0[0], !self.0[1], !self.0[2]])
    }
}

impl Shl<u32> for Wide {
    type Output = Wide;
    /// Towards higher bit numbers; bits shifted past 192 are lost.
    fn shl(self, k: u32) -> Wide {
        let mut out = [0u64; 3];
        let words = (k / 64) as usize;
        let bits = k % 64;
        for (i, slot) in out.iter_mut().enumerate().skip(words) {
            let src = i - words;
            *slot = self.0[src] << bits;
            if bits > 0 && src > 0 {
                *slot |= self.0[src - 1] >> (64 - bits);
            }
        }
        Wide(out)
    }
}

impl Shr<u32> for Wide {
    type Output = Wide;
    /// Towards lower bit numbers.
    fn shr(self, k: u32) -> Wide {
        let mut out = [0u64; 3];
        let words = (k / 64) as usize;
        let bits = k % 64;
        for (i, slot) in out
            .iter_mut()
            .enumerate()
            .take(3usize.saturating_sub(words))
        {
            let src = i + words;
            *slot = self.0[src] >> bits;
            if bits > 0 && src + 1 < 3 {
                *slot |= self.0[src + 1] << (64 - bits);
            }
        }
        Wide(out)
    }
}

impl Lane for Wide {
    const ZERO: Self = Wide([0; 3]);
    fn low(n: usize) -> Self {
        let mut out = [0u64; 3];
        for (i, word) in out.iter_mut().enumerate() {
            let n = n.saturating_sub(i * 64);
            *word = u64::low(n);
        }
        Wide(out)
    }
    fn set(self, i: usize) -> Self {
        self.put(i, true)
    }
    fn put(mut self, i: usize, on: bool) -> Self {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word = word.put(i % 64, on);
        }
        self
    }
    fn get(self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w.get(i % 64))
    }
    fn ones(self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
}

/// The canvas after data placement, before masking, as bit sets.
struct Unmasked<L> {
    width: usize,
    /// Dark modules by row (empty modules, which masking treats as light
    /// data modules, are light).
    rows: Vec<L>,
    /// Modules the mask applies to (data and empty ones) by row.
    data_rows: Vec<L>,
    /// The same two by column.
    columns: Vec<L>,
    data_columns: Vec<L>,
}

impl<L: Lane> Unmasked<L> {
    /// Reads `canvas` (`width` at most the lane's size).
    fn read(canvas: &Canvas, width: usize) -> Unmasked<L> {
        let mut out = Unmasked {
            width,
            rows: vec![L::ZERO; width],
            data_rows: vec![L::ZERO; width],
            columns: vec![L::ZERO; width],
            data_columns: vec![L::ZERO; width],
        };
        for (y, cy) in (0..width).zip(0i16..) {
            for (x, cx) in (0..width).zip(0i16..) {
                let (dark, data) = match canvas.get(cx, cy) {
                    Module::Empty => (false, true),
                    Module::Unmasked(c) => (c == Color::Dark, true),
                    Module::Masked(c) => (c == Color::Dark, false),
                };
                if dark {
                    out.rows[y] = out.rows[y].set(x);
                    out.columns[x] = out.columns[x].set(y);
                }
                if data {
                    out.data_rows[y] = out.data_rows[y].set(x);
                    out.data_columns[x] = out.data_columns[x].set(y);
                }
            }
        }
        out
    }

    /// Applies `pattern` as `Canvas::apply_mask` does, into `rows` and
    /// `columns` (each `width` long).
    fn mask(&self, pattern: MaskPattern, ec_level: EcLevel, rows: &mut [L], columns: &mut [L]) {
        let w = self.width;
        // pattern_rows[r]: bit x set if the pattern inverts (x, r); by
        // periodicity also (x, r + 12k). pattern_columns likewise.
        let mut pattern_rows = [L::ZERO; MASK_PERIOD];
        let mut pattern_columns = [L::ZERO; MASK_PERIOD];
        let full = L::low(w);
        for r in 0..MASK_PERIOD {
            let (mut row, mut column) = (L::ZERO, L::ZERO);
            for k in 0..MASK_PERIOD {
                if inverts(pattern, k, r) {
                    row = row.set(k);
                }
                if inverts(pattern, r, k) {
                    column = column.set(k);
                }
            }
            pattern_rows[r] = repeat(row, w) & full;
            pattern_columns[r] = repeat(column, w) & full;
        }
        let lines = rows.iter_mut().zip(&self.rows).zip(&self.data_rows);
        for (i, ((out, &color), &data)) in lines.enumerate() {
            *out = color ^ (pattern_rows[i % MASK_PERIOD] & data);
        }
        let lines = columns
            .iter_mut()
            .zip(&self.columns)
            .zip(&self.data_columns);
        for (i, ((out, &color), &data)) in lines.enumerate() {
            *out = color ^ (pattern_columns[i % MASK_PERIOD] & data);
        }
        for (x, y, dark) in format_modules(w, ec_level, pattern) {
            if let Some(row) = rows.get_mut(y) {
                *row = row.put(x, dark);
            }
            if let Some(column) = columns.get_mut(x) {
                *column = column.put(y, dark);
            }
        }
    }

    /// The modules under the mask with the lowest penalty score, row by row.
    fn best(&self, ec_level: EcLevel) -> Vec<bool> {
        let w = self.width;
        let mut rows = vec![L::ZERO; w];
        let mut columns = vec![L::ZERO; w];
        let mut best_rows = vec![L::ZERO; w];
        let mut lowest = None;
        for pattern in PATTERNS {
            self.mask(pattern, ec_level, &mut rows, &mut columns);
            let s = score(&rows, &columns, w).total();
            // Strictly lower: the first of equal scores stays, as with min_by_key.
            if lowest.is_none_or(|l| s < l) {
                lowest = Some(s);
                best_rows.copy_from_slice(&rows);
            }
        }
        best_rows
            .iter()
            .flat_map(|row| (0..w).map(move |x| row.get(x)))
            .collect()
    }
}

/// `period` (bits `0..MASK_PERIOD`) repeated every `MASK_PERIOD` bits up to
/// at least bit `width`.
fn repeat<L: Lane>(period: L, width: usize) -> L {
    let mut lane = period;
    let mut filled = MASK_PERIOD;
    while filled < width {
        // filled < width ≤ the lane's size, so the shift is in range.
        lane = lane | (lane << filled as u32);
        filled *= 2;
    }
    lane
}

/// The crate's penalty parts of the code whose rows and columns are given.
fn score<L: Lane>(rows: &[L], columns: &[L], width: usize) -> PenaltyParts {
    let mut parts = PenaltyParts::default();
    let (mut finder_rows, mut finder_columns) = (0u32, 0u32);
    let mut dark = 0usize;
    let pairs = L::low(width.saturating_sub(1));
    for &row in rows {
        let (adjacent, finders) = line_score(row, pairs);
        parts.adjacent_rows += adjacent;
        finder_rows += finders;
        dark += row.ones() as usize;
    }
    for &column in columns {
        let (adjacent, finders) = line_score(column, pairs);
        parts.adjacent_columns += adjacent;
        finder_columns += finders;
    }
    parts.finder_rows = (finder_rows * 40).wrapping_sub(360) & 0xFFFF;
    parts.finder_columns = (finder_columns * 40).wrapping_sub(360) & 0xFFFF;

    let mut blocks = 0u32;
    for (&top, &bottom) in rows.iter().zip(rows.iter().skip(1)) {
        // Bit i: top i = top i+1, top i = bottom i, top i+1 = bottom i+1.
        let across = !(top ^ (top >> 1)) & pairs;
        let down = !(top ^ bottom);
        blocks += (across & down & (down >> 1)).ones();
    }
    parts.blocks = blocks * 3;

    let ratio = dark * 200 / (width * width).max(1);
    parts.balance = u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX);
    parts
}

/// The run penalty and the number of counted finder-like runs of one line.
/// `pairs` has bits `0..width − 1`.
fn line_score<L: Lane>(x: L, pairs: L) -> (u32, u32) {
    // Bit i: modules i and i+1 have the same color.
    let same = !(x ^ (x >> 1)) & pairs;
    // Bit i: modules i..=i+4 have the same color. A run of N ≥ 5 has N − 4
    // of these in a row; its penalty N − 2 adds 2 for the first of them.
    let five = same & (same >> 1) & (same >> 2) & (same >> 3);
    let adjacent = five.ones() + 2 * (five & !(five << 1)).ones();

    // Bit j: modules j..=j+6 are dark, light, dark, dark, dark, light, dark.
    let finder = x & !(x >> 1) & (x >> 2) & (x >> 3) & (x >> 4) & !(x >> 5) & (x >> 6);
    // Bit j: modules j−4..=j−1 are light or outside the code; modules
    // j+7..=j+10 likewise (bits at and above the width are clear).
    let light_before = !((x << 1) | (x << 2) | (x << 3) | (x << 4));
    let light_after = !((x >> 7) | (x >> 8) | (x >> 9) | (x >> 10));
    let finders = (finder & (light_before | light_after)).ones();
    (adjacent, finders)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use rand::{Rng, RngCore, SeedableRng};

    const EC_LEVELS: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];
    const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    fn crate_matrix(code: &QrCode) -> (Vec<bool>, Version) {
        let dark = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
        (dark, code.version())
    }

    fn assert_same(fast: &QrMatrix, code: &QrCode, what: &str) {
        assert_eq!(fast.version, code.version(), "version of {what}");
        assert_eq!(fast.width, code.width(), "width of {what}");
        assert_eq!(
            fast.ec_level,
            code.error_correction_level(),
            "level of {what}"
        );
        assert!(
            fast.dark == crate_matrix(code).0,
            "modules differ from the crate's for {what}"
        );
    }

    /// One alphanumeric segment in the smallest normal version that holds
    /// it, as `pool::token_qr_code` builds it.
    fn alphanumeric_bits(text: &[u8], ec_level: EcLevel) -> Option<(Bits, Bits)> {
        for v in 1..=40 {
            let build = || {
                let mut bits = Bits::new(Version::Normal(v));
                bits.push_alphanumeric_data(text)?;
                bits.push_terminator(ec_level)?;
                Ok::<Bits, QrError>(bits)
            };
            if let (Ok(a), Ok(b)) = (build(), build()) {
                return Some((a, b));
            }
        }
        None
    }

    fn check_alphanumeric(text: &[u8], ec_level: EcLevel) {
        let (a, b) = alphanumeric_bits(text, ec_level).unwrap();
        let fast = with_bits(a, ec_level).unwrap();
        let code = QrCode::with_bits(b, ec_level).unwrap();
        assert_same(&fast, &code, &String::from_utf8_lossy(text));
    }

    fn check_auto(data: &[u8], ec_level: EcLevel) {
        let fast = encode_auto(data, ec_level);
        let code = QrCode::with_error_correction_level(data, ec_level);
        match (fast, code) {
            (Ok(fast), Ok(code)) => assert_same(&fast, &code, &format!("{data:?} at {ec_level:?}")),
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!(
                "fast {a:?} but crate {:?} for {data:?}",
                b.map(|c| c.version())
            ),
        }
    }

    /// Slip tokens: real signed tokens, one alphanumeric segment, 6-M.
    #[test]
    fn identical_to_crate_for_tokens() {
        use crate::record::token::{Token, SERIAL_BYTES};
        use ed25519_dalek::SigningKey;
        let key = SigningKey::from_bytes(&[11u8; 32]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0001);
        for i in 0..600 {
            let mut serial = [0u8; SERIAL_BYTES];
            rng.fill_bytes(&mut serial);
            let token = Token::sign(&key, "2026-council-general", (i % 5) as u8, 7, serial);
            let text = token.to_text();
            let (a, b) = alphanumeric_bits(text.as_bytes(), EcLevel::M).unwrap();
            assert_eq!(a.version(), Version::Normal(6));
            let fast = with_bits(a, EcLevel::M).unwrap();
            let code = QrCode::with_bits(b, EcLevel::M).unwrap();
            assert_same(&fast, &code, &text);
            // And what the pool hands out.
            let pooled = crate::tokens::pool::token_qr_code(&token).unwrap();
            assert_eq!(pooled, fast);
        }
    }

    /// Random alphanumeric texts: 153 characters at 6-M like a token, and
    /// random lengths at every level.
    #[test]
    fn identical_to_crate_for_alphanumeric_text() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0002);
        for i in 0..500 {
            let (len, ec_level) = if i % 2 == 0 {
                (153, EcLevel::M)
            } else {
                (rng.gen_range(1..400), EC_LEVELS[rng.gen_range(0..4)])
            };
            let text: Vec<u8> = (0..len)
                .map(|_| ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())])
                .collect();
            check_alphanumeric(&text, ec_level);
        }
    }

    /// Receipt codes, `R<index>-<16 Crockford symbols>`, automatic mode.
    #[test]
    fn identical_to_crate_for_receipt_codes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0003);
        for i in 0..500 {
            let index = match i % 3 {
                0 => rng.gen_range(0..1000),
                1 => rng.gen_range(0..10_000_000),
                _ => rng.gen(),
            };
            let mut hash = [0u8; 32];
            rng.fill_bytes(&mut hash);
            let code = crate::tokens::receipt_code(index, &hash);
            let ec_level = if i % 4 == 0 {
                EC_LEVELS[i / 4 % 4]
            } else {
                EcLevel::M
            };
            check_auto(code.as_bytes(), ec_level);
        }
    }

    /// Random bytes (any mix of numeric, alphanumeric and byte segments) at
    /// every level, plus a few large codes (versions with version
    /// information and several alignment patterns).
    #[test]
    fn identical_to_crate_for_random_bytes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0004);
        for i in 0..800 {
            let len = rng.gen_range(1..200);
            let data: Vec<u8> = match i % 4 {
                // Arbitrary bytes.
                0 => (0..len).map(|_| rng.gen()).collect(),
                // Digits.
                1 => (0..len).map(|_| rng.gen_range(b'0'..=b'9')).collect(),
                // Mixed classes, so segments switch.
                2 => (0..len)
                    .map(|_| match rng.gen_range(0..3) {
                        0 => rng.gen_range(b'0'..=b'9'),
                        1 => ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())],
                        _ => rng.gen_range(b'a'..=b'z'),
                    })
                    .collect(),
                // Long uniform stretches (low-entropy data).
                _ => (0..len)
                    .map(|k| if k % 50 < 25 { b'A' } else { 0 })
                    .collect(),
            };
            check_auto(&data, EC_LEVELS[i % 4]);
        }
        // Large codes: versions with version information, many alignment
        // patterns, and widths for each lane type (u64 up to version 11,
        // u128 up to 27, Wide above).
        let mut versions = Vec::new();
        for (i, len) in [300, 500, 900, 1200, 1500, 1800, 2100, 2400, 2900]
            .iter()
            .enumerate()
        {
            let data: Vec<u8> = (0..*len).map(|_| rng.gen()).collect();
            let ec_level = if i % 2 == 0 {
                EcLevel::L
            } else {
                EC_LEVELS[i / 2 % 4]
            };
            check_auto(&data, ec_level);
            versions.push(encode_auto(&data, ec_level).map(|m| m.version));
        }
        assert!(versions.contains(&Ok(Version::Normal(40))), "{versions:?}");
        assert!(versions
            .iter()
            .any(|v| matches!(v, Ok(Version::Normal(12..=27)))));
        assert!(
            versions
                .iter()
                .filter(|v| matches!(v, Ok(Version::Normal(28..=40))))
                .count()
                >= 3
        );
        // Too long for any version: the same error.
        check_auto(&[0xA5; 3000], EcLevel::L);
        check_auto(&[b'7'; 8000], EcLevel::H);
    }

    #[test]
    fn errors_and_micro_codes_match_the_crate() {
        // A version the tables do not have.
        let fast = with_bits(Bits::new(Version::Normal(41)), EcLevel::M);
        let code = QrCode::with_bits(Bits::new(Version::Normal(41)), EcLevel::M);
        let expected = code.err();
        assert!(expected.is_some());
        assert_eq!(fast.err(), expected);
        // Micro codes go to the crate.
        let build = || {
            let mut bits = Bits::new(Version::Micro(2));
            bits.push_numeric_data(b"01234567").unwrap();
            bits.push_terminator(EcLevel::L).unwrap();
            bits
        };
        let fast = with_bits(build(), EcLevel::L).unwrap();
        let code = QrCode::with_bits(build(), EcLevel::L).unwrap();
        assert_same(&fast, &code, "micro");
    }

    /// The crate's own penalty test canvas (canvas.rs `penalty_tests`), with
    /// the scores that test expects.
    #[test]
    fn penalty_of_the_crate_test_canvas() {
        let mut c = Canvas::new(Version::Normal(1), EcLevel::Q);
        c.draw_all_functional_patterns();
        c.draw_data(
            b"\x20\x5b\x0b\x78\xd1\x72\xdc\x4d\x43\x40\xec\x11\x00",
            b"\xa8\x48\x16\x52\xd9\x36\x9c\x00\x2e\x0f\xb4\x7a\x10",
        );
        c.apply_mask(MaskPattern::Checkerboard);
        let dark: Vec<bool> = c.into_colors().iter().map(|c| *c == Color::Dark).collect();
        let picture: String = dark
            .chunks(21)
            .map(|row| {
                let mut line: String = row.iter().map(|&d| if d { '#' } else { '.' }).collect();
                line.push('\n');
                line
            })
            .collect();
        assert_eq!(
            picture,
            "#######.##....#######\n\
             #.....#.#..#..#.....#\n\
             #.###.#.#..##.#.###.#\n\
             #.###.#.#.....#.###.#\n\
             #.###.#.#.#...#.###.#\n\
             #.....#...#...#.....#\n\
             #######.#.#.#.#######\n\
             ........#............\n\
             .##.#.##....#.#.#####\n\
             .#......####....#...#\n\
             ..##.###.##...#.##...\n\
             .##.##.#..##.#.#.###.\n\
             #...#.#.#.###.###.#.#\n\
             ........##.#..#...#.#\n\
             #######.#.#....#.##..\n\
             #.....#..#.##.##.#...\n\
             #.###.#.#.#...#######\n\
             #.###.#..#.#.#.#...#.\n\
             #.###.#.#...####.#..#\n\
             #.....#.#.##.#...#.##\n\
             #######.....####....#\n"
        );
        let parts = penalty_parts(&dark, 21);
        assert_eq!(
            parts,
            PenaltyParts {
                adjacent_rows: 88,
                adjacent_columns: 92,
                blocks: 90,
                finder_rows: 0,
                finder_columns: 40,
                balance: 2,
            }
        );
        assert_eq!(penalty_score(&dark, 21), 88 + 92 + 90 + 40 + 2);
    }

    /// Small hand-made matrices, one rule at a time.
    #[test]
    fn penalty_rules_by_hand() {
        let grid = |rows: &[&str]| -> (Vec<bool>, usize) {
            let dark = rows
                .iter()
                .flat_map(|r| r.bytes().map(|b| b == b'#'))
                .collect();
            (dark, rows.len())
        };
        // A 7×7 dark square: every row and column is one run of 7 (5 each),
        // 36 blocks, no finder-like run (so 0 − 360, wrapped), all dark.
        let (dark, w) = grid(&["#######"; 7]);
        let parts = penalty_parts(&dark, w);
        assert_eq!(parts.adjacent_rows, 7 * 5);
        assert_eq!(parts.adjacent_columns, 7 * 5);
        assert_eq!(parts.blocks, 36 * 3);
        assert_eq!(parts.finder_rows, 65536 - 360);
        assert_eq!(parts.balance, 100);
        // 11 wide: a finder-like run flush left (before side outside the
        // code) and one with dark modules on both sides.
        let (dark, w) = grid(&[
            "#.###.#.#..",
            "#.#.###.###",
            "...........",
            "...........",
            "...........",
            "...........",
            "...........",
            "...........",
            "...........",
            "...........",
            "...........",
        ]);
        let parts = penalty_parts(&dark, w);
        // Row 0 counts (nothing before it); row 1's "#.###.#" at 2 has a
        // dark module 2 before and 1 after, so it does not count.
        assert_eq!(parts.finder_rows, 40u32.wrapping_sub(360) & 0xFFFF);
        // Runs: row 0 none; row 1 none; 9 light rows of 11: 9 each.
        assert_eq!(parts.adjacent_rows, 9 * 9);
        // 14 dark of 121: 14 × 200 / 121 = 23.
        assert_eq!(parts.balance, 77);
    }

    /// A literal port of the crate's penalty code (qrcode 0.14 canvas.rs),
    /// read through a wrapping `get`, to compare on arbitrary matrices.
    fn reference_penalty(dark: &[bool], width: usize) -> u16 {
        let w = width as i16;
        let get = |x: i16, y: i16| -> bool {
            let x = if x < 0 { x + w } else { x };
            let y = if y < 0 { y + w } else { y };
            dark[y as usize * width + x as usize]
        };
        let mut total: u16 = 0;
        for horizontal in [true, false] {
            let mut score: u16 = 0;
            for i in 0..w {
                let colors = (0..w)
                    .map(|j| Some(if horizontal { get(j, i) } else { get(i, j) }))
                    .chain(Some(None));
                let mut last = None;
                let mut len = 1u16;
                for c in colors {
                    if c == last {
                        len += 1;
                    } else {
                        last = c;
                        if len >= 5 {
                            score = score.wrapping_add(len - 2);
                        }
                        len = 1;
                    }
                }
            }
            total = total.wrapping_add(score);
        }
        let mut blocks: u16 = 0;
        for i in 0..w - 1 {
            for j in 0..w - 1 {
                let this = get(i, j);
                if this == get(i + 1, j) && this == get(i, j + 1) && this == get(i + 1, j + 1) {
                    blocks = blocks.wrapping_add(3);
                }
            }
        }
        total = total.wrapping_add(blocks);
        const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
        for horizontal in [true, false] {
            let mut score: u16 = 0;
            for i in 0..w {
                for j in 0..w - 6 {
                    let line = |k: i16| if horizontal { get(k, i) } else { get(i, k) };
                    if (j..j + 7).map(line).ne(PATTERN.iter().copied()) {
                        continue;
                    }
                    let check = |k: i16| 0 <= k && k < w && line(k);
                    if !((j - 4)..j).any(check) || !((j + 7)..(j + 11)).any(check) {
                        score = score.wrapping_add(40);
                    }
                }
            }
            total = total.wrapping_add(score.wrapping_sub(360));
        }
        let dark_count = dark.iter().filter(|&&d| d).count();
        let ratio = dark_count * 200 / dark.len();
        total.wrapping_add(ratio.abs_diff(100) as u16)
    }

    /// Arbitrary matrices, sizes and densities, with finder-like runs planted
    /// near edges and next to each other. Widths up to 192 cover all three
    /// lane types (u64, u128, Wide) and their boundaries.
    #[test]
    fn penalty_matches_a_literal_port_of_the_crate() {
        const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0005);
        let mut widths: Vec<usize> = (7..=192).collect();
        widths.extend((0..2500).map(|_| rng.gen_range(7..70)));
        for width in widths {
            let density = match rng.gen_range(0..4) {
                0 => 0.5,
                1 => 0.05,
                2 => 0.95,
                _ => rng.gen_range(0.0..1.0),
            };
            let mut dark: Vec<bool> = (0..width * width).map(|_| rng.gen_bool(density)).collect();
            for _ in 0..rng.gen_range(0..3 * width) {
                let line = rng.gen_range(0..width);
                let start = match rng.gen_range(0..4) {
                    0 => 0,
                    1 => width - 7,
                    _ => rng.gen_range(0..=width - 7),
                };
                let vertical = rng.gen_bool(0.5);
                for (k, &d) in FINDER.iter().enumerate() {
                    let (x, y) = if vertical {
                        (line, start + k)
                    } else {
                        (start + k, line)
                    };
                    dark[y * width + x] = d;
                }
            }
            assert_eq!(
                penalty_score(&dark, width),
                reference_penalty(&dark, width),
                "width {width}, {dark:?}"
            );
        }
    }

    /// This module's masking of a canvas, read back by rows and by columns.
    fn our_masks<L: Lane>(
        canvas: &Canvas,
        width: usize,
        pattern: MaskPattern,
        ec_level: EcLevel,
    ) -> (Vec<bool>, Vec<bool>, u16) {
        let unmasked = Unmasked::<L>::read(canvas, width);
        let mut rows = vec![L::ZERO; width];
        let mut columns = vec![L::ZERO; width];
        unmasked.mask(pattern, ec_level, &mut rows, &mut columns);
        let by_rows = (0..width * width)
            .map(|i| rows[i / width].get(i % width))
            .collect();
        let by_columns = (0..width * width)
            .map(|i| columns[i % width].get(i / width))
            .collect();
        (by_rows, by_columns, score(&rows, &columns, width).total())
    }

    /// Every mask at every level, at sizes on both sides of each lane
    /// boundary, against the crate's `apply_mask`, and every mask's score
    /// against the literal port of the crate's scoring.
    #[test]
    fn every_mask_matches_the_crate() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0006);
        for v in [1, 2, 5, 6, 7, 11, 12, 20, 27, 28, 34, 40] {
            let version = Version::Normal(v);
            let width = version.width() as usize;
            for ec_level in EC_LEVELS {
                let mut bits = Bits::new(version);
                let capacity = bits.max_len(ec_level).unwrap();
                let len = rng.gen_range(1..(capacity - 20) / 8);
                let data: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
                bits.push_byte_data(&data).unwrap();
                bits.push_terminator(ec_level).unwrap();
                let bytes = bits.into_bytes();
                let (encoded, ec_data) =
                    qrcode::ec::construct_codewords(&bytes, version, ec_level).unwrap();
                let mut canvas = Canvas::new(version, ec_level);
                canvas.draw_all_functional_patterns();
                canvas.draw_data(&encoded, &ec_data);
                for pattern in PATTERNS {
                    let mut theirs = canvas.clone();
                    theirs.apply_mask(pattern);
                    let theirs: Vec<bool> = theirs
                        .into_colors()
                        .iter()
                        .map(|c| *c == Color::Dark)
                        .collect();
                    let ours = if width <= 64 {
                        our_masks::<u64>(&canvas, width, pattern, ec_level)
                    } else if width <= 128 {
                        our_masks::<u128>(&canvas, width, pattern, ec_level)
                    } else {
                        our_masks::<Wide>(&canvas, width, pattern, ec_level)
                    };
                    let what = format!("version {v}, {ec_level:?}, {pattern:?}");
                    assert!(ours.0 == theirs, "rows differ: {what}");
                    assert!(ours.1 == theirs, "columns differ: {what}");
                    assert_eq!(ours.2, reference_penalty(&theirs, width), "{what}");
                }
            }
        }
    }

    /// `Wide` against a plain array of 192 bits.
    #[test]
    fn wide_lanes_shift_and_count() {
        let bits_of = |w: Wide| -> Vec<bool> { (0..Wide::BITS).map(|i| w.get(i)).collect() };
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0007);
        for _ in 0..300 {
            let wide = Wide([rng.gen(), rng.gen(), rng.gen()]);
            let bits = bits_of(wide);
            for k in 0..Wide::BITS {
                let left: Vec<bool> = (0..Wide::BITS).map(|i| i >= k && bits[i - k]).collect();
                let right: Vec<bool> = (0..Wide::BITS)
                    .map(|i| i + k < Wide::BITS && bits[i + k])
                    .collect();
                assert_eq!(bits_of(wide << k as u32), left, "<< {k}");
                assert_eq!(bits_of(wide >> k as u32), right, ">> {k}");
            }
            let i = rng.gen_range(0..Wide::BITS);
            assert!(wide.put(i, true).get(i));
            assert!(!wide.put(i, false).get(i));
            assert_eq!(wide.ones() as usize, bits.iter().filter(|&&b| b).count());
        }
        for n in [0, 1, 63, 64, 65, 127, 128, 129, 177, 191, 192] {
            assert_eq!(Wide::low(n).ones() as usize, n);
            assert_eq!(u128::low(n.min(128)).ones() as usize, n.min(128));
            assert_eq!(u64::low(n.min(64)).ones() as usize, n.min(64));
        }
    }

    /// The modules callers get are those the crate's `QrCode` gives (the SVG drawn from them is
    /// checked in `present::slips`).
    #[test]
    fn modules_are_unchanged() {
        use crate::record::token::{Token, SERIAL_BYTES};
        use crate::tokens::pool::token_qr_code;
        use ed25519_dalek::SigningKey;
        let key = SigningKey::from_bytes(&[11u8; 32]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x51_0008);
        let dark = |code: &QrCode| -> Vec<bool> {
            code.to_colors().iter().map(|c| *c == Color::Dark).collect()
        };
        for _ in 0..50 {
            let mut serial = [0u8; SERIAL_BYTES];
            rng.fill_bytes(&mut serial);
            let token = Token::sign(&key, "2026-council-general", 2, 7, serial);
            let (_, bits) = alphanumeric_bits(token.to_text().as_bytes(), EcLevel::M).unwrap();
            let old = QrCode::with_bits(bits, EcLevel::M).unwrap();
            let ours = token_qr_code(&token).unwrap();
            assert_eq!((ours.width, ours.dark), (old.width(), dark(&old)));

            let mut hash = [0u8; 32];
            rng.fill_bytes(&mut hash);
            let receipt = crate::tokens::receipt_code(rng.gen_range(0..1_000_000), &hash);
            let code = QrCode::with_error_correction_level(receipt.as_bytes(), EcLevel::M).unwrap();
            let ours = encode_auto(receipt.as_bytes(), EcLevel::M).unwrap();
            assert_eq!((ours.width, ours.dark), (code.width(), dark(&code)));
        }
    }

    /// Timing, crate against fast, for a receipt code and a token code:
    /// `cargo test --release --lib tokens::qr -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn measure_speed() {
        use crate::record::token::{Token, SERIAL_BYTES};
        use ed25519_dalek::SigningKey;
        use std::hint::black_box;
        use std::time::Instant;

        let receipt = crate::tokens::receipt_code(123_456, &[0x5A; 32]);
        let token = Token::sign(
            &SigningKey::from_bytes(&[11u8; 32]),
            "2026-council-general",
            2,
            7,
            [5; SERIAL_BYTES],
        );
        let text = token.to_text();
        // As pool::token_qr_code builds it (its final attempt, version 6).
        let token_bits = || {
            let mut bits = Bits::new(Version::Normal(6));
            bits.push_alphanumeric_data(text.as_bytes()).unwrap();
            bits.push_terminator(EcLevel::M).unwrap();
            bits
        };
        let rounds = 2000u32;
        let time = |name: &str, f: &mut dyn FnMut()| {
            for _ in 0..rounds / 10 {
                f();
            }
            let start = Instant::now();
            for _ in 0..rounds {
                f();
            }
            let per = start.elapsed() / rounds;
            println!("{name:<40} {:>9.1} µs", per.as_secs_f64() * 1e6);
            per
        };
        let a = time("receipt QR, crate", &mut || {
            black_box(QrCode::with_error_correction_level(receipt.as_bytes(), EcLevel::M).unwrap());
        });
        let b = time("receipt QR, fast", &mut || {
            black_box(encode_auto(receipt.as_bytes(), EcLevel::M).unwrap());
        });
        let c = time("token QR (6-M), crate", &mut || {
            black_box(QrCode::with_bits(token_bits(), EcLevel::M).unwrap());
        });
        let d = time("token QR (6-M), fast", &mut || {
            black_box(with_bits(token_bits(), EcLevel::M).unwrap());
        });
        time("pool::token_qr_code (fast)", &mut || {
            black_box(crate::tokens::pool::token_qr_code(&token).unwrap());
        });
        let e = time("receipt code (fast)", &mut || {
            black_box(encode_auto(receipt.as_bytes(), EcLevel::M).unwrap());
        });
        // Where the fast path's time goes, for the token code.
        time("  token: bits + codewords + canvas", &mut || {
            let bits = token_bits();
            let version = bits.version();
            let data = bits.into_bytes();
            let (enc, ecd) = qrcode::ec::construct_codewords(&data, version, EcLevel::M).unwrap();
            let mut canvas = Canvas::new(version, EcLevel::M);
            canvas.draw_all_functional_patterns();
            canvas.draw_data(&enc, &ecd);
            black_box(canvas);
        });
        let bits = token_bits();
        let version = bits.version();
        let data = bits.into_bytes();
        let (enc, ecd) = qrcode::ec::construct_codewords(&data, version, EcLevel::M).unwrap();
        let mut canvas = Canvas::new(version, EcLevel::M);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&enc, &ecd);
        time("  token: read the canvas", &mut || {
            black_box(Unmasked::<u64>::read(black_box(&canvas), 41));
        });
        let unmasked = Unmasked::<u64>::read(&canvas, 41);
        let (mut rows, mut columns) = (vec![0u64; 41], vec![0u64; 41]);
        time("  token: one mask + score", &mut || {
            unmasked.mask(MaskPattern::Diamonds, EcLevel::M, &mut rows, &mut columns);
            black_box(score(&rows, &columns, 41));
        });
        println!(
            "speed-up: receipt {:.1}×, token {:.1}×; svg total {:?}",
            a.as_secs_f64() / b.as_secs_f64(),
            c.as_secs_f64() / d.as_secs_f64(),
            e
        );
    }
}
