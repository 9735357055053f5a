//! Han character data for Chinese names: stroke counts and Mandarin readings.
//!
//! Pure rules module: no I/O, no async, std only. The data is embedded at
//! compile time from `data/unihan-hanzi.txt`, a table extracted from Unicode's
//! Unihan database (Unicode 15.0.0, Debian package `unicode-data` 15.0.0-1) by
//! `data/extract.py`; see `data/README.md` for provenance and the license.
//!
//! Coverage: CJK Unified Ideographs (U+4E00..=U+9FFF) and Extension A
//! (U+3400..=U+4DBF). Any other character (Latin letters, digits, emoji, Han
//! characters of Extension B and later) has no data here.
//!
//! Two uses:
//! - ordering candidate lists by surname stroke count (姓氏笔画):
//!   [`stroke_key`], [`sort_by_strokes`];
//! - searching the voter roll by pinyin: [`pinyin_initials`], [`pinyin_full`],
//!   [`matches_query`].

use std::sync::OnceLock;

/// The embedded data table. This is the only line that depends on where the
/// module sits relative to `data/` (in the final crate, `src/rules/hanzi.rs`
/// needs `"../../data/unihan-hanzi.txt"`).
const DATA: &str = include_str!("../../assets/unihan/unihan-hanzi.txt");

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

/// Sort key for 姓氏笔画 (surname stroke-count) order; compare keys with
/// `Ord` on `Vec<u32>` (lexicographic).
///
/// The rule, applied to the name's characters in turn, surname first
/// (whitespace is skipped here):
/// 1. fewer strokes first (Unihan `kTotalStrokes`, PRC count);
/// 2. equal stroke counts: by code point. This stands in for the 笔顺 rule
///    (first stroke 横、竖、撇、点、折, then second stroke, ...), which Unihan does
///    not carry, so within one stroke count the order of distinct characters
///    is deterministic but not the official one. Because this step applies
///    to each character before the next one is looked at, people with the
///    same surname stay together, as on official lists;
/// 3. then the next character the same way: the given name decides only
///    between people with the same surname; a name that is a prefix of
///    another (王 vs 王建国) comes first;
/// 4. last, if everything above is equal (names that differ only in
///    whitespace or ASCII letter case), by the code points of the whole name,
///    so distinct names never get equal keys.
///
/// A character without stroke data (Latin letters, digits, punctuation,
/// emoji, Han characters outside the covered blocks) sorts after every
/// character with data; such characters compare by code point among
/// themselves, ASCII letters case-insensitively, so Latin names come after
/// Han names and roughly in alphabetical order.
///
/// Compound surnames (欧阳, 司马, 诸葛, ...) are not special-cased: the first
/// character is treated as the surname, the rest as the given name.
///
/// Key layout (invariants): for each non-whitespace character, a primary
/// component (stroke count in `1..=255`, or `UNKNOWN_BASE` + the character,
/// ASCII-lower-cased) followed by its code point; then a `0` separator (below
/// every primary component); then the code points of the whole `name`.
#[must_use]
pub fn stroke_key(name: &str) -> Vec<u32> {
    let mut key = Vec::with_capacity(name.len() * 2 + 1);
    for c in name.chars().filter(|c| !c.is_whitespace()) {
        let primary = match total_strokes(c) {
            Some(s) => u32::from(s),
            None => UNKNOWN_BASE + u32::from(c.to_ascii_lowercase()),
        };
        key.push(primary);
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
        // 6 strokes: 刘 (U+5218) before 孙 (U+5B59) by the code point stand-in.
        assert_eq!(&out[4..6], ["刘洋", "孙丽"]);
        // 7 strokes, surnames in code point order: 吴 5434, 张 5F20, 李 674E,
        // 杨 6768, 陈 9648; same surnames stay together, then by given name
        // (张三: 三 3 < 伟 6; 李秀英: 秀 7 < 娜 9).
        assert_eq!(
            &out[6..13],
            ["吴刚", "张三", "张伟", "李秀英", "李娜", "杨帆", "陈静"]
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
        // 王 and 毛 both have 4 strokes; the surname decides before the given name.
        let out = sorted(&["王明", "毛一", "王一", "毛明"]);
        assert_eq!(out, ["毛一", "毛明", "王一", "王明"]);
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
        // Whitespace does not change the position much: 王 建国 sits next to 王建国.
        let out = sorted(&["王明", "王 建国", "王芳"]);
        assert_eq!(out, ["王芳", "王 建国", "王明"]);
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
    fn bad_lines_are_skipped() {
        let data = "# header\n\n738B\t4\twang\nZZZZ\t4\tx\n674E\tx\tli\n5F20\t0\tzhang\n\
                    4E00\t1\tYI\n4E01\t2\n9648\t7\tchen\textra\nD800\t1\tx\n4E01\t9\tdup\r\n";
        let t = parse(data);
        let chars: Vec<(char, u8, &str)> = t.iter().map(|e| (e.ch, e.strokes, e.reading)).collect();
        assert_eq!(chars, [('丁', 2, ""), ('王', 4, "wang")]);
    }
}
