//! Names as people type them, in one canonical form: candidates, write-ins (另选他人), the
//! roll's names and units, contest, subject and evaluator-group titles, ballot-style titles
//! (and, once the account code calls it, account and kiosk names).
//!
//! A name is what the board shows and what the count compares, so two names that look the
//! same must be the same string, and a name must not hide characters the reader cannot see.
//! [`clean_name`] gives the canonical form or refuses the name:
//!
//! 1. **Refused** (the first offending character is named as `U+XXXX` with its 1-based
//!    position among the characters of the name as given):
//!    - `name_control_character`: General_Category Cc (U+0000–001F, U+007F–009F) anywhere
//!      but in the whitespace trimmed at the ends (so a tab or line break inside a name);
//!    - `name_format_character`: General_Category Cf (bidi controls U+202A–202E,
//!      U+2066–2069, U+200E/200F, U+061C; zero-width U+200B–200D, U+2060–2064, U+FEFF; soft
//!      hyphen U+00AD; tag characters U+E0001, U+E0020–E007F; ...) and every other
//!      Default_Ignorable_Code_Point (variation selectors, U+034F combining grapheme joiner,
//!      Hangul fillers U+115F/1160/3164/FFA0, ...): characters that render as nothing;
//!    - `name_empty`: nothing left once whitespace is trimmed.
//! 2. **Trimmed**: White_Space at both ends (ASCII space, tab, line ends, U+00A0, U+3000
//!    ideographic space, U+2000–200A, ...).
//! 3. **Inside**, every run of White_Space becomes one U+0020 space, except that a run
//!    between two Han characters is removed: Chinese names carry no spaces, and "王　五"
//!    (padded to three characters' width with U+3000) is 王五. "Li  Wei" and "Li\u{3000}Wei"
//!    are "Li Wei".
//! 4. **NFC** (Unicode canonical composition): "e\u{301}" is "é", and a CJK compatibility
//!    ideograph is its unified ideograph.
//!
//! Two names are the same person's exactly when their canonical forms are equal: input is
//! cleaned where it enters (the spec, the roll, ballots, the kiosk), so the rules compare
//! canonical strings with `==`. Compatibility forms (full-width Latin, NFKC) and look-alike
//! letters of other scripts are not folded: they are visible, and NFKC would change names
//! people are entitled to spell their way.
//!
//! Properties come from ICU4X's `icu_properties` compiled data (General_Category,
//! Default_Ignorable_Code_Point, White_Space, Script), NFC from `unicode-normalization`; no
//! table is written here. The kiosk page applies the same rules before it encrypts
//! (`web/js/names.js`, with Unicode property escapes), and `tests/names.rs` checks that the
//! two agree.
//!
//! Logs written before names were cleaned are read as they were logged
//! ([`Names::AsLogged`]): the check applies where a name is typed, not where a log is
//! replayed, so an old log still replays and recounts to its signed result.

use crate::codes::Code;
use icu_properties::props::{Script, WhiteSpace};
use icu_properties::{CodePointMapData, CodePointSetData};
use unicode_normalization::UnicodeNormalization;

/// How a parser treats the names in what it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// Input from a person or a program: every name goes through [`clean_name`] (its
    /// canonical form is kept; a refused name refuses the input).
    Clean,
    /// Read back from a log: every name as it was logged (trimmed only, as before names were
    /// cleaned), so that logs written before this check replay and recount unchanged.
    AsLogged,
}

/// Why a name was refused. Each variant has a stable [`NameError::code`]; the message is
/// Chinese, then English, and never repeats the name (it may hold a direction control that
/// would turn the message around).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Nothing left once whitespace is trimmed.
    Empty,
    /// General_Category Cc inside the name; `position` is 1-based, in characters as given.
    ControlCharacter { character: char, position: usize },
    /// General_Category Cf or another Default_Ignorable_Code_Point.
    FormatCharacter { character: char, position: usize },
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

impl std::error::Error for NameError {}

impl NameError {
    /// The stable error code scripts and the server match on.
    pub fn code(&self) -> Code {
        match self {
            NameError::Empty => Code::NameEmpty,
            NameError::ControlCharacter { .. } => Code::NameControlCharacter,
            NameError::FormatCharacter { .. } => Code::NameFormatCharacter,
        }
    }

    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            NameError::Empty => "名称为空".to_string(),
            NameError::ControlCharacter {
                character,
                position,
            } => format!(
                "名称含控制字符 {} (第 {position} 个字符)",
                code_point(*character)
            ),
            NameError::FormatCharacter {
                character,
                position,
            } => format!(
                "名称含不可见或方向控制字符 {} (第 {position} 个字符)",
                code_point(*character)
            ),
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        match self {
            NameError::Empty => "the name is empty".to_string(),
            NameError::ControlCharacter {
                character,
                position,
            } => format!(
                "the name contains the control character {} at position {position}",
                code_point(*character)
            ),
            NameError::FormatCharacter {
                character,
                position,
            } => format!(
                "the name contains the invisible or direction character {} at position {position}",
                code_point(*character)
            ),
        }
    }

    /// The message with what was named: "候选人 “a1” 的姓名: … / candidate “a1”'s name: …".
    pub fn about(&self, what_zh: &str, what_en: &str) -> String {
        format!("{what_zh}: {} / {what_en}: {}", self.zh(), self.en())
    }
}

/// `U+202E`: a character as Unicode writes it (at least four hex digits).
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn is_white_space(c: char) -> bool {
    CodePointSetData::new::<WhiteSpace>().contains(c)
}

fn is_han(c: char) -> bool {
    CodePointMapData::<Script>::new().get(c) == Script::Han
}

/// The refusal a character earns inside a name, if any.
fn refusal(c: char, position: usize) -> Option<NameError> {
    if crate::rules::contest::is_control_character(c) {
        return Some(NameError::ControlCharacter {
            character: c,
            position,
        });
    }
    if crate::rules::contest::is_format_character(c) {
        return Some(NameError::FormatCharacter {
            character: c,
            position,
        });
    }
    None
}

/// Checks an identifier (a contest, candidate or subject id, a roll number) for the
/// characters [`clean_name`] refuses, anywhere in it, without changing it: ids are matched
/// as they are written, so they are not normalised, but they must not hide characters.
pub fn check_id_characters(raw: &str) -> Result<(), NameError> {
    match raw.chars().enumerate().find_map(|(i, c)| refusal(c, i + 1)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The canonical form of a name (see the module documentation): refused when it holds a
/// control, format or other invisible character or is empty; otherwise trimmed, with inner
/// whitespace runs collapsed (removed between two Han characters), in NFC.
///
/// Idempotent: `clean_name(&clean_name(x)?) == clean_name(x)`.
pub fn clean_name(raw: &str) -> Result<String, NameError> {
    let chars: Vec<char> = raw.chars().collect();
    let first = chars
        .iter()
        .position(|c| !is_white_space(*c))
        .ok_or(NameError::Empty)?;
    let last = chars
        .iter()
        .rposition(|c| !is_white_space(*c))
        .unwrap_or(first);
    let inner = chars.get(first..=last).unwrap_or_default();
    for (i, c) in inner.iter().enumerate() {
        if let Some(e) = refusal(*c, first + i + 1) {
            return Err(e);
        }
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if !is_white_space(c) {
            out.push(c);
            i += 1;
            continue;
        }
        let run_end = inner[i..]
            .iter()
            .position(|c| !is_white_space(*c))
            .map_or(inner.len(), |n| i + n);
        // The ends are trimmed, so a run inside has a character on either side.
        let before = i.checked_sub(1).and_then(|b| inner.get(b)).copied();
        let after = inner.get(run_end).copied();
        if !(before.is_some_and(is_han) && after.is_some_and(is_han)) {
            out.push(' ');
        }
        i = run_end;
    }
    Ok(out.nfc().collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use icu_properties::props::GeneralCategory;

    fn code(raw: &str) -> &'static str {
        match clean_name(raw) {
            Ok(n) => panic!("{raw:?} was accepted as {n:?}"),
            Err(e) => e.code().as_str(),
        }
    }

    #[test]
    fn the_reviewed_examples_are_refused_naming_the_character() {
        let e = clean_name("\u{202e}国建王").unwrap_err();
        assert_eq!(e.code(), "name_format_character");
        assert_eq!(
            e.to_string(),
            "名称含不可见或方向控制字符 U+202E (第 1 个字符) / the name contains the invisible or direction character U+202E at position 1"
        );
        let e = clean_name("王\u{200b}建国").unwrap_err();
        assert_eq!(
            e,
            NameError::FormatCharacter {
                character: '\u{200b}',
                position: 2
            }
        );
        // Positions count the characters as given, leading whitespace included.
        let e = clean_name("  王\u{2066}建国").unwrap_err();
        assert!(e.to_string().contains("U+2066 (第 4 个字符)"), "{e}");
    }

    #[test]
    fn every_format_character_of_the_bmp_is_refused() {
        let mut n = 0;
        for cp in 0..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if CodePointMapData::<GeneralCategory>::new().get(c) != GeneralCategory::Format {
                continue;
            }
            n += 1;
            for raw in [format!("{c}王五"), format!("王{c}五"), format!("王五{c}")] {
                assert_eq!(code(&raw), "name_format_character", "{}", code_point(c));
            }
        }
        // Unicode 17 has 43 Cf characters in the BMP; the data must know them.
        assert!(n >= 40, "only {n} Cf characters in the BMP");
    }

    #[test]
    fn every_format_character_beyond_the_bmp_is_refused_too() {
        for cp in 0x10000..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format {
                assert_eq!(
                    code(&format!("王{c}五")),
                    "name_format_character",
                    "{}",
                    code_point(c)
                );
            }
        }
        // Tag characters (emoji flags' tags) and the language tag.
        assert_eq!(code("王五\u{e0001}"), "name_format_character");
        assert_eq!(code("王五\u{e0041}"), "name_format_character");
    }

    #[test]
    fn every_control_character_inside_a_name_is_refused() {
        for cp in (0..0x20u32).chain(0x7F..0xA0) {
            let c = char::from_u32(cp).unwrap();
            let e = clean_name(&format!("王{c}五")).unwrap_err();
            assert_eq!(e.code(), "name_control_character", "{}", code_point(c));
            assert!(e
                .to_string()
                .contains(&format!("{} (第 2 个字符)", code_point(c))));
        }
    }

    #[test]
    fn invisible_characters_that_are_not_cf_are_refused() {
        for c in [
            '\u{34f}',   // combining grapheme joiner
            '\u{115f}',  // Hangul choseong filler
            '\u{1160}',  // Hangul jungseong filler
            '\u{17b4}',  // Khmer vowel inherent aq
            '\u{180b}',  // Mongolian free variation selector one
            '\u{3164}',  // Hangul filler
            '\u{fe00}',  // variation selector 1
            '\u{fe0f}',  // variation selector 16
            '\u{ffa0}',  // halfwidth Hangul filler
            '\u{e0100}', // variation selector 17
        ] {
            assert_eq!(
                code(&format!("王{c}五")),
                "name_format_character",
                "{}",
                code_point(c)
            );
        }
    }

    #[test]
    fn named_examples_of_each_class() {
        for c in [
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{feff}',
            '\u{ad}',
            '\u{180e}',
            '\u{e007f}',
        ] {
            assert_eq!(
                code(&format!("王{c}五")),
                "name_format_character",
                "{}",
                code_point(c)
            );
            // At the ends too: these are not whitespace, so nothing trims them away.
            assert_eq!(code(&format!("{c}王五")), "name_format_character");
            assert_eq!(code(&format!("王五{c}")), "name_format_character");
        }
        assert_eq!(code(""), "name_empty");
        assert_eq!(code(" \u{3000}\t\n\u{a0}"), "name_empty");
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        for (raw, clean) in [
            ("  王五  ", "王五"),
            ("\u{3000}王五\u{3000}", "王五"),
            ("\t王五\r\n", "王五"),
            ("\u{a0}\u{2003}王五\u{205f}", "王五"),
            // Between two Han characters a space is padding, not part of the name.
            ("王\u{3000}五", "王五"),
            ("王 五", "王五"),
            ("欧阳  修", "欧阳修"),
            ("王\u{2028}五", "王五"),
            // Elsewhere a run is one space.
            ("Li  Wei", "Li Wei"),
            ("Li\u{3000}Wei", "Li Wei"),
            ("Li\u{a0}\u{2009}Wei", "Li Wei"),
            ("王 Li", "王 Li"),
            ("买买提 · 艾力", "买买提 · 艾力"),
        ] {
            assert_eq!(clean_name(raw).unwrap(), clean, "{raw:?}");
        }
        // A control character inside is refused even though it is whitespace.
        assert_eq!(code("王\t五"), "name_control_character");
        assert_eq!(code("王\n五"), "name_control_character");
        assert_eq!(code("王\u{85}五"), "name_control_character");
    }

    #[test]
    fn names_equal_after_nfc_are_one_name() {
        assert_eq!(clean_name("Jose\u{301}").unwrap(), "Jos\u{e9}");
        assert_eq!(clean_name("Jos\u{e9}").unwrap(), "Jos\u{e9}");
        assert_eq!(clean_name("A\u{30a}").unwrap(), "\u{c5}");
        assert_eq!(clean_name("\u{212b}").unwrap(), "\u{c5}"); // Ångström sign
                                                               // A CJK compatibility ideograph is its unified ideograph (U+F900 → U+8C48).
        assert_eq!(clean_name("\u{f900}").unwrap(), "\u{8c48}");
        // Canonical reordering of combining marks.
        assert_eq!(
            clean_name("a\u{301}\u{323}").unwrap(),
            clean_name("a\u{323}\u{301}").unwrap()
        );
        // NFC only: full-width Latin stays as typed.
        assert_eq!(clean_name("ＡＢ").unwrap(), "ＡＢ");
    }

    #[test]
    fn clean_is_idempotent_and_keeps_ordinary_names() {
        for raw in [
            "王建国",
            "欧阳修",
            "买买提·艾力",
            "Nguyễn Văn A",
            "O'Brien",
            "𠮷野家",
            " 王\u{3000}五 ",
            "Jose\u{301}",
            "\u{f900}",
            "Li \u{3000} Wei",
        ] {
            let once = clean_name(raw).unwrap();
            assert_eq!(clean_name(&once).unwrap(), once, "{raw:?}");
            assert!(unicode_normalization::is_nfc(&once));
        }
        assert_eq!(clean_name("王建国").unwrap(), "王建国");
        assert_eq!(clean_name("𠮷野家").unwrap(), "𠮷野家");
    }
}
