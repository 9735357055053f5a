//! Han character data for Chinese names: stroke counts and Mandarin readings.
//!
//! Pure rules module: no I/O, no async, std only. Two tables are embedded at
//! compile time:
//! - `assets/unihan/unihan-hanzi.txt`: stroke counts and readings extracted
//!   from Unicode's Unihan database (Unicode 15.0.0, Debian package
//!   `unicode-data` 15.0.0-1) by `assets/unihan/extract.py`; provenance and
//!   license in `assets/unihan/README.md`;
//! - `assets/strokes/stroke-order.txt`: stroke sequences (笔顺 reduced to the
//!   five stroke types 横 竖 撇 点 折) of 6,938 characters, derived from the npm
//!   package `cnchar-order` 3.2.6 (MIT) by `assets/strokes/extract.py`;
//!   provenance, license and checks in `assets/strokes/README.md`.
//!
//! Coverage: stroke counts and readings for CJK Unified Ideographs
//! (U+4E00..=U+9FFF) and Extension A (U+3400..=U+4DBF); stroke sequences for
//! the GB 2312 characters and about 200 more characters used in names. Any
//! other character (Latin letters, digits, emoji, Han characters of Extension
//! B and later) has no data here.
//!
//! Two uses:
//! - ordering candidate lists in 姓氏笔画 order (stroke count, then the
//!   stroke types in writing order): [`stroke_key`], [`sort_by_strokes`];
//! - searching the voter roll by pinyin: [`pinyin_initials`], [`pinyin_full`],
//!   [`matches_query`].

use std::sync::OnceLock;

/// The embedded stroke-count and reading table (`HEX<TAB>strokes<TAB>reading`).
const DATA: &str = include_str!("../../assets/unihan/unihan-hanzi.txt");

/// The embedded stroke-sequence table (`HEX<TAB>digits`, digits `1..=5`).
const STROKE_DATA: &str = include_str!("../../assets/strokes/stroke-order.txt");

/// Base value of a stroke-key component for a character without stroke data.
///
/// Invariant: larger than every stroke count (a `u8`, at most 255), so such
/// characters sort after every character with data; `UNKNOWN_BASE +
/// char::MAX as u32` still fits in a `u32` (`0x20_0000 + 0x10_FFFF`).
const UNKNOWN_BASE: u32 = 0x20_0000;

/// One parsed data line: the character, its stroke count and its reading.
///
/// Invariants: `strokes >= 1`; `reading` is empty or consists only of ASCII
/// lower-case letters `a..=z` (tone marks removed, `ü` written `v`).
#[derive(Debug, Clone, Copy)]
struct Entry {
    ch: char,
    strokes: u8,
    reading: &'static str,
}

/// The parsed table, built once on first use.
///
/// Invariant: sorted by `ch` with no duplicate `ch` (the first line for a
/// character wins), so lookups can binary-search it.
fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| parse(DATA)).as_slice()
}

/// Parses the data file. Blank lines, `#` comment lines and malformed lines
/// are skipped; this function never panics.
fn parse(data: &'static str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = data.lines().filter_map(parse_line).collect();
    // A stable sort keeps the first line of a duplicated character first,
    // and `dedup_by_key` keeps that one.
    entries.sort_by_key(|e| e.ch);
    entries.dedup_by_key(|e| e.ch);
    entries
}

/// Parses one `HEX<TAB>strokes<TAB>reading` line (the reading may be empty
/// or, with its tab, missing). Returns `None` for anything else.
fn parse_line(line: &'static str) -> Option<Entry> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split('\t');
    let hex = fields.next()?;
    let strokes = fields.next()?;
    let reading = fields.next().unwrap_or("");
    if fields.next().is_some() {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    let strokes: u8 = strokes.parse().ok()?;
    if strokes == 0 || !reading.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(Entry {
        ch,
        strokes,
        reading,
    })
}

fn lookup(c: char) -> Option<&'static Entry> {
    let t = table();
    t.binary_search_by_key(&c, |e| e.ch)
        .ok()
        .and_then(|i| t.get(i))
}

/// The parsed stroke-sequence table, built once on first use.
///
/// Invariants: sorted by character with no duplicate (the first line for a
/// character wins); every sequence is non-empty and only ASCII `1..=5`.
fn sequences() -> &'static [(char, &'static str)] {
    static SEQUENCES: OnceLock<Vec<(char, &'static str)>> = OnceLock::new();
    SEQUENCES
        .get_or_init(|| parse_sequences(STROKE_DATA))
        .as_slice()
}

/// Parses the stroke-sequence file. Blank lines, `#` comment lines and
/// malformed lines are skipped; this function never panics.
fn parse_sequences(data: &'static str) -> Vec<(char, &'static str)> {
    let mut out: Vec<(char, &'static str)> = data.lines().filter_map(parse_sequence_line).collect();
    out.sort_by_key(|e| e.0);
    out.dedup_by_key(|e| e.0);
    out
}

/// Parses one `HEX<TAB>digits` line. Returns `None` for anything else.
fn parse_sequence_line(line: &'static str) -> Option<(char, &'static str)> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (hex, digits) = line.split_once('\t')?;
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    if digits.is_empty() || !digits.bytes().all(|b| (b'1'..=b'5').contains(&b)) {
        return None;
    }
    Some((ch, digits))
}

/// Stroke sequence of `c` in writing order, one ASCII digit per stroke for
/// the five stroke types of the 笔画序 rule: `1` 横 (一, with 提), `2` 竖 (丨,
/// with 竖钩), `3` 撇 (丿), `4` 点 (丶, with 捺), `5` 折 (乛, every turning or
/// hooked stroke except 竖钩). E.g. `'王'` → `"1121"`, `'张'` → `"5153154"`.
///
/// `None` when `c` has no sequence in the data, or when the sequence's length
/// differs from [`total_strokes`] (the shipped table has no such character;
/// the check keeps the two tables consistent whatever the data).
///
/// Invariant: a returned sequence is non-empty, only `1..=5`, and has exactly
/// `total_strokes(c)` digits.
#[must_use]
pub fn stroke_sequence(c: char) -> Option<&'static str> {
    let strokes = usize::from(total_strokes(c)?);
    let t = sequences();
    let i = t.binary_search_by_key(&c, |e| e.0).ok()?;
    t.get(i).map(|e| e.1).filter(|d| d.len() == strokes)
}

/// Total stroke count of `c` (Unihan `kTotalStrokes`, first value: the count
/// for the form used in the PRC, zh-Hans), or `None` when `c` has no data.
///
/// Invariant: a returned count is at least 1.
#[must_use]
pub fn total_strokes(c: char) -> Option<u8> {
    lookup(c).map(|e| e.strokes)
}

/// Toneless Mandarin reading of `c` (Unihan `kMandarin`, first value, e.g.
/// `'王'` → `"wang"`), or `None` when `c` has no reading in the data.
///
/// Invariant: a returned reading is non-empty and only ASCII `a..=z`; `ü` is
/// written `v` (`'吕'` → `"lv"`). Only one reading is kept, so surnames with
/// a special surname reading get the general one (`'单'` → `"dan"`, not
/// `"shan"`; `'曾'` → `"ceng"`, not `"zeng"`).
#[must_use]
pub fn mandarin_reading(c: char) -> Option<&'static str> {
    lookup(c).map(|e| e.reading).filter(|r| !r.is_empty())
}

/// Sort key for 姓氏笔画 order; compare keys with `Ord` on `Vec<u32>`
/// (lexicographic).
///
/// The rule of the 笔画序 convention (GB13000.1字符集汉字字序(笔画序)规范, the
/// order of official name lists), applied to the name's characters in turn,
/// surname first (whitespace is skipped here):
/// 1. fewer strokes first (Unihan `kTotalStrokes`, PRC count);
/// 2. equal stroke counts: by the stroke sequence ([`stroke_sequence`]),
///    compared stroke by stroke in the order 横 (1) < 竖 (2) < 撇 (3) < 点 (4)
///    < 折 (5): the first stroke decides, then the second, and so on (王 1121
///    before 文 4134; 李 1234521 before 杨 1234533 before 张 5153154 before
///    陈 5215234). A character of that stroke count without a sequence in the
///    data comes after those with one;
/// 3. different characters with the same count and sequence (干 and 于, both
///    112; or two characters without a sequence): by code point. The
///    convention's further steps for such ties (main before secondary stroke
///    forms, 竖 before 竖钩, then structure) are not modelled. Because steps
///    1–3 apply to each character before the next one is looked at, people
///    with the same surname stay together, as on official lists;
/// 4. then the next character the same way: the given name decides only
///    between people with the same surname, character by character (李一鸣
///    before 李大鸣); a name that is a prefix of another (王 vs 王建国) comes
///    first;
/// 5. last, if everything above is equal (names that differ only in
///    whitespace or ASCII letter case), by the code points of the whole name,
///    so distinct names never get equal keys.
///
/// A character without stroke data (Latin letters, digits, punctuation,
/// emoji, Han characters outside the covered blocks) sorts after every
/// character with data; such characters compare by code point among
/// themselves, ASCII letters case-insensitively, so Latin names come after
/// Han names and roughly in alphabetical order.
///
/// Compound surnames (欧阳, 司马, 诸葛, ...) are not special-cased: the name's
/// characters are compared in order, so 欧阳少东 sits among the 欧 (8 strokes)
/// and before 洪少东 (9).
///
/// Key layout (invariants): for each non-whitespace character, either
/// - `[count, 0, d1, …, dn, code point]` (count in `1..=255`, then the
///   `count` digits `1..=5` of its sequence), or
/// - `[count, 1, code point]` (a count but no sequence), or
/// - `[UNKNOWN_BASE + the character ASCII-lower-cased, code point]` (no data);
///
/// then a `0` separator (below every first component); then the code points
/// of the whole `name`. Two characters' parts have the same length whenever
/// every component before them was equal (an equal count and flag `0` imply
/// sequences of the same length, as [`stroke_sequence`] guarantees), so the
/// lexicographic comparison never sets one character's part against the next
/// character's.
#[must_use]
pub fn stroke_key(name: &str) -> Vec<u32> {
    let mut key = Vec::with_capacity(name.len() * 4 + 1);
    for c in name.chars().filter(|c| !c.is_whitespace()) {
        match total_strokes(c) {
            Some(count) => {
                key.push(u32::from(count));
                match stroke_sequence(c) {
                    Some(digits) => {
                        key.push(0);
                        // Each digit is b'1'..=b'5' (invariant of the table),
                        // so this gives 1..=5.
                        key.extend(digits.bytes().map(|b| u32::from(b.saturating_sub(b'0'))));
                    }
                    None => key.push(1),
                }
            }
            None => key.push(UNKNOWN_BASE + u32::from(c.to_ascii_lowercase())),
        }
        key.push(u32::from(c));
    }
    key.push(0);
    key.extend(name.chars().map(u32::from));
    key
}

/// Sorts `items` in 姓氏笔画 order of the names returned by `name` (see
/// [`stroke_key`] for the rule). Stable: items with identical names keep
/// their relative order. Each key is computed once.
pub fn sort_by_strokes<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| stroke_key(name(item)));
}

/// Pinyin initials of `name`, lower case: `"王建国"` → `"wjg"`.
///
/// Han characters with a reading give the first letter of their reading;
/// ASCII letters and digits are kept, lower-cased; every other character
/// (Han characters without a reading, punctuation, whitespace, emoji) is
/// dropped. Invariant: the result is only ASCII `a..=z` and `0..=9`.
#[must_use]
pub fn pinyin_initials(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(first) = mandarin_reading(c).and_then(|r| r.chars().next()) {
            out.push(first);
        }
    }
    out
}

/// Full toneless pinyin of `name`, readings concatenated: `"王建国"` →
/// `"wangjianguo"`; `ü` is written `v` (`"吕"` → `"lv"`).
///
/// Same treatment of other characters as [`pinyin_initials`]: ASCII letters
/// and digits kept lower-cased, everything else without a reading dropped.
/// Invariant: the result is only ASCII `a..=z` and `0..=9`.
#[must_use]
pub fn pinyin_full(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(r) = mandarin_reading(c) {
            out.push_str(r);
        }
    }
    out
}

/// Whether `name` matches the search `query` of the registrar desk.
///
/// The query is trimmed; an empty (or all-whitespace) query matches every
/// name. Otherwise it matches, case-insensitively, when any of these holds:
/// - `name` contains the query as a substring (`"建国"` finds 王建国);
/// - the query is ASCII, and with its whitespace and apostrophes removed it is
///   a substring of [`pinyin_initials`] (`"wjg"`, `"jg"` find 王建国) or of
///   [`pinyin_full`] (`"wang"`, `"wang jianguo"` find 王建国). In the
///   full-pinyin comparison `v` and `u` are treated alike on both sides, so
///   `"lv"` and `"lu"` both find 吕.
#[must_use]
pub fn matches_query(name: &str, query: &str) -> bool {
    let query = query.trim();
    if query.is_empty() {
        return true;
    }
    let query_lower = query.to_lowercase();
    if name.to_lowercase().contains(&query_lower) {
        return true;
    }
    if !query.is_ascii() {
        return false;
    }
    let compact: String = query_lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if compact.is_empty() {
        return false;
    }
    if pinyin_initials(name).contains(&compact) {
        return true;
    }
    let fold_v = |s: &str| s.replace('v', "u");
    fold_v(&pinyin_full(name)).contains(&fold_v(&compact))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn data_file_has_enough_entries() {
        assert!(table().len() >= 20_000, "only {} entries", table().len());
        // Every non-comment line of the shipped file parses.
        let data_lines = DATA
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(data_lines, table().len());
        assert!(table().windows(2).all(|w| w[0].ch < w[1].ch));
    }

    #[test]
    fn covers_both_blocks() {
        assert_eq!(total_strokes('\u{3400}'), Some(5));
        assert_eq!(total_strokes('一'), Some(1));
        assert!(total_strokes('\u{9FA5}').is_some());
        assert_eq!(total_strokes('\u{20000}'), None); // Extension B: not shipped
    }

    #[test]
    fn known_stroke_counts() {
        let expected = [
            ('王', 4),
            ('李', 7),
            ('张', 7),
            ('刘', 6),
            ('陈', 7),
            ('杨', 7),
            ('赵', 9),
            ('黄', 11),
            ('周', 8),
            ('吴', 7),
            ('徐', 10),
            ('孙', 6),
            ('马', 3),
            ('丁', 2),
            ('一', 1),
        ];
        for (c, n) in expected {
            assert_eq!(total_strokes(c), Some(n), "{c}");
        }
        assert_eq!(total_strokes('a'), None);
        assert_eq!(total_strokes('😀'), None);
    }

    #[test]
    fn readings() {
        assert_eq!(mandarin_reading('王'), Some("wang"));
        assert_eq!(mandarin_reading('吕'), Some("lv"));
        assert_eq!(mandarin_reading('a'), None);
    }

    fn sorted(names: &[&'static str]) -> Vec<&'static str> {
        let mut v = names.to_vec();
        sort_by_strokes(&mut v, |s| s);
        v
    }

    #[test]
    fn realistic_list_order() {
        let input = [
            "黄伟",
            "徐明",
            "王芳",
            "赵敏",
            "李娜",
            "周杰",
            "张伟",
            "丁一",
            "刘洋",
            "陈静",
            "马力",
            "杨帆",
            "吴刚",
            "孙丽",
            "王建国",
            "李秀英",
            "张三",
        ];
        let out = sorted(&input);
        let strokes: Vec<u8> = out
            .iter()
            .map(|n| total_strokes(n.chars().next().unwrap()).unwrap())
            .collect();
        // Surname stroke counts never decrease.
        assert!(strokes.windows(2).all(|w| w[0] <= w[1]), "{out:?}");
        assert_eq!(&out[..3], ["丁一", "马力", "王芳"]);
        // 王芳 (芳 7) before 王建国 (建 8): same surname, next character decides.
        assert_eq!(out[3], "王建国");
        // 6 strokes: 刘 413422 before 孙 521234 (first stroke 点 before 折).
        assert_eq!(&out[4..6], ["刘洋", "孙丽"]);
        // 7 strokes by stroke sequence: 李 1234521, 杨 1234533, 吴 2511134,
        // 张 5153154, 陈 5215234; same surnames stay together, then by given
        // name (李秀英: 秀 7 < 娜 9; 张三: 三 3 < 伟 6).
        assert_eq!(
            &out[6..13],
            ["李秀英", "李娜", "杨帆", "吴刚", "张三", "张伟", "陈静"]
        );
        assert_eq!(&out[13..], ["周杰", "赵敏", "徐明", "黄伟"]);
    }

    #[test]
    fn given_name_decides_within_surname() {
        // 一 1 < 三 3 < 伟 6 < 明 8; a bare surname comes first.
        assert_eq!(
            sorted(&["王明", "王伟", "王", "王三", "王一"]),
            ["王", "王一", "王三", "王伟", "王明"]
        );
        // 李秀英: 秀 7 < 娜 9.
        assert_eq!(sorted(&["李娜", "李秀英"]), ["李秀英", "李娜"]);
    }

    #[test]
    fn same_surname_stays_grouped() {
        // 王 (1121) and 毛 (3115) both have 4 strokes; the surname decides
        // before the given name.
        let out = sorted(&["毛明", "毛一", "王明", "王一"]);
        assert_eq!(out, ["王一", "王明", "毛一", "毛明"]);
        // 干 and 于 have the same sequence (112): code point, still grouped.
        let out = sorted(&["干明", "于明", "干一", "于一"]);
        assert_eq!(out, ["于一", "于明", "干一", "干明"]);
    }

    #[test]
    fn ascii_names_sort_after_han() {
        let out = sorted(&["Smith", "黄伟", "adams", "丁一", "Zoe", "王"]);
        assert_eq!(out, ["丁一", "王", "黄伟", "adams", "Smith", "Zoe"]);
    }

    #[test]
    fn distinct_names_have_distinct_keys() {
        assert_ne!(stroke_key("王 建国"), stroke_key("王建国"));
        assert_ne!(stroke_key("Ann"), stroke_key("ann"));
        assert_eq!(stroke_key("王建国"), stroke_key("王建国"));
        // Whitespace does not change the position much: 王 建国 sits next to
        // 王建国 (明 25113511 before 建 51111254, both 8 strokes).
        let out = sorted(&["王明", "王建国", "王 建国", "王芳"]);
        assert_eq!(out, ["王芳", "王明", "王 建国", "王建国"]);
    }

    #[test]
    fn stable_for_equal_names() {
        let mut v = vec![("王芳", 1), ("丁一", 2), ("王芳", 3)];
        sort_by_strokes(&mut v, |p| p.0);
        assert_eq!(v, [("丁一", 2), ("王芳", 1), ("王芳", 3)]);
    }

    #[test]
    fn initials_and_full() {
        assert_eq!(pinyin_initials("王建国"), "wjg");
        assert_eq!(pinyin_initials("李秀英"), "lxy");
        assert_eq!(pinyin_initials("王A-1 b"), "wa1b");
        assert_eq!(pinyin_full("王建国"), "wangjianguo");
        assert_eq!(pinyin_full("吕"), "lv");
    }

    #[test]
    fn query_matching() {
        for q in [
            "wjg",
            "WJG",
            "jg",
            "wang",
            "Wang",
            "wangjianguo",
            "wang jianguo",
            "建国",
            "王",
        ] {
            assert!(matches_query("王建国", q), "{q}");
        }
        assert!(matches_query("王建国", ""));
        assert!(matches_query("王建国", "   "));
        assert!(!matches_query("王建国", "lxy"));
        assert!(!matches_query("王建国", "李"));
        assert!(!matches_query("王建国", "zhang"));
        assert!(matches_query("吕布", "lv"));
        assert!(matches_query("吕布", "lubu"));
        assert!(matches_query("John Smith", "smith"));
        assert!(matches_query("John Smith", "SMI"));
        assert!(matches_query("John Smith", "johnsmith"));
        assert!(!matches_query("王建国", "'"));
    }

    #[test]
    fn no_panic_on_odd_input() {
        for s in [
            "",
            " ",
            "😀",
            "👨‍👩‍👧",
            "\u{0}",
            "\u{20000}",
            "王😀国",
            "\u{FFFF}",
        ] {
            let _ = stroke_key(s);
            let _ = pinyin_initials(s);
            let _ = pinyin_full(s);
            let _ = matches_query(s, s);
            let _ = matches_query("王建国", s);
            let _ = matches_query(s, "wjg");
        }
        assert_eq!(pinyin_initials(""), "");
        assert_eq!(pinyin_initials("😀"), "");
        assert_eq!(stroke_key(""), vec![0]);
        let out = sorted(&["😀", "", "王"]);
        assert_eq!(out, ["", "王", "😀"]);
    }

    #[test]
    fn every_sequence_has_its_stroke_count() {
        // Every data line of the shipped sequence table parses, and its
        // sequence has exactly the character's Unihan stroke count, so
        // `stroke_sequence` returns it (no exception in the shipped table).
        let lines: Vec<&str> = STROKE_DATA
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert_eq!(lines.len(), sequences().len());
        assert!(sequences().len() >= 6_900, "only {}", sequences().len());
        assert!(sequences().windows(2).all(|w| w[0].0 < w[1].0));
        for &(c, digits) in sequences() {
            let count = total_strokes(c).unwrap_or_else(|| panic!("{c}: no stroke count"));
            assert_eq!(digits.len(), usize::from(count), "{c} {digits}");
            assert_eq!(stroke_sequence(c), Some(digits), "{c}");
        }
    }

    #[test]
    fn known_sequences() {
        for (c, digits) in [
            ('一', "1"),
            ('丁', "12"),
            ('王', "1121"),
            ('刘', "413422"),
            ('李', "1234521"),
            ('杨', "1234533"),
            ('张', "5153154"),
            ('陈', "5215234"),
            ('德', "332122522114544"),
        ] {
            assert_eq!(stroke_sequence(c), Some(digits), "{c}");
        }
        assert_eq!(stroke_sequence('a'), None);
        assert_eq!(stroke_sequence('\u{20000}'), None);
        // Has a stroke count (Extension A) but no sequence.
        assert!(total_strokes('\u{3400}').is_some());
        assert_eq!(stroke_sequence('\u{3400}'), None);
    }

    #[test]
    fn character_without_sequence_after_same_count() {
        // U+3400 (5 strokes, no sequence) after every 5-stroke character with
        // one, before 6 strokes.
        let out = sorted(&["\u{3400}", "刘", "白", "丙"]);
        assert_eq!(out, ["丙", "白", "\u{3400}", "刘"]);
    }

    #[test]
    fn bad_sequence_lines_are_skipped() {
        let data = "# header\n\n738B\t1121\nZZZZ\t12\n674E\t\n5F20\t5153164\n\
                    4E00\t1\textra\n4E01\t12\nD800\t1\n4E01\t99\r\n";
        let t = parse_sequences(data);
        assert_eq!(t, [('丁', "12"), ('王', "1121")]);
    }

    #[test]
    fn bad_lines_are_skipped() {
        let data = "# header\n\n738B\t4\twang\nZZZZ\t4\tx\n674E\tx\tli\n5F20\t0\tzhang\n\
                    4E00\t1\tYI\n4E01\t2\n9648\t7\tchen\textra\nD800\t1\tx\n4E01\t9\tdup\r\n";
        let t = parse(data);
        let chars: Vec<(char, u8, &str)> = t.iter().map(|e| (e.ch, e.strokes, e.reading)).collect();
        assert_eq!(chars, [('丁', 2, ""), ('王', 4, "wang")]);
    }
}
