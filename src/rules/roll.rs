//! Voter-roll eligibility rules (选民名册 / 党内选举名册资格审查).
//!
//! This module is pure: it uses only `std`, performs no I/O and never reads a
//! clock. The election day is always a parameter.
//!
//! # Rules applied
//!
//! * **Public rolls** (people's congress deputies, villagers' committees): a
//!   citizen who is 18 or older on election day and has not been deprived of
//!   political rights by law has the vote (PRC Electoral Law, the general
//!   eligibility clause; voter registration per Art. 27-29). Party membership
//!   is irrelevant.
//! * **Party rolls** (CPC basic-level organisations, BER Art. 5; Party
//!   Constitution Art. 7): only full members (正式党员) vote. Probationary
//!   members (预备党员) have no right to vote or elect; non-members are not on
//!   a party roll at all. The age and political-rights checks still apply.
//! * **Registration hygiene** (选民登记 "不错、不漏、不重"): every row needs a
//!   name, an identifying number and a unit; a number may appear once only; the
//!   same name with the same birth date under a different number is refused as
//!   a probable double registration unless the registrar marks the later row
//!   with [`FLAG_DISTINCT_PERSON`] after checking that they are two people.
//!
//! # Age rule
//!
//! A person is `n` years old from the `n`-th anniversary of their birth date
//! onwards, the anniversary day included: someone born 2008-12-01 is 18 on
//! 2026-12-01 and may vote in an election held that day.
//!
//! **29 February:** in a non-leap year the anniversary of a 29 February birth
//! is taken to be **1 March** (the stricter, later reading). Someone born
//! 2008-02-29 is therefore still 17 on 2026-02-28 and turns 18 on 2026-03-01.
//! In leap years the anniversary is 29 February itself.
//!
//! # All or nothing
//!
//! Roll imports are all-or-nothing ("nothing half-imported"). [`check_roll`]
//! returns both the accepted rows and the refusals so that a registrar sees
//! every problem at once, but **`accepted` must only be stored when
//! [`RollReport::is_clean`] is true**. [`RollReport::into_clean`] enforces
//! that in the type system.
//!
//! # Messages
//!
//! Every refusal message is Chinese first, then `" / "`, then English, and
//! names the offending values. Identity numbers longer than 10 characters are
//! masked in messages (first 6 and last 4 characters kept) so that messages
//! can be logged without spreading full ID numbers.

use crate::codes::Code;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Maximum number of rows a single roll may contain.
pub const ROLL_ROWS_MAX: usize = 500_000;

/// Minimum voting age in whole years on election day.
pub const VOTING_AGE: u16 = 18;

/// Maximum length of a name, in Unicode scalar values (`char`s).
pub const NAME_CHARS_MAX: usize = 64;

/// Flag a registrar puts on the *later* of two rows that share name and birth
/// date but are verified to be two different people; it suppresses the
/// `duplicate_person` refusal for that row. Matched exactly after trimming.
pub const FLAG_DISTINCT_PERSON: &str = "distinct_person";

/// Chinese alias of [`FLAG_DISTINCT_PERSON`].
pub const FLAG_DISTINCT_PERSON_ZH: &str = "非同一人";

/// Stable machine-readable refusal codes (the `code` of a [`Refusal`]).
pub mod codes {
    use crate::codes::Code;

    /// Younger than [`super::VOTING_AGE`] on election day.
    pub const UNDER_AGE: Code = Code::UnderAge;
    /// No birth date, so the age cannot be established.
    pub const BIRTH_MISSING: Code = Code::BirthMissing;
    /// A birth date that is not a real calendar date (only possible when a
    /// caller builds a [`super::Date`] by hand).
    pub const BIRTH_INVALID: Code = Code::BirthInvalid;
    /// Deprived of political rights by law.
    pub const RIGHTS_DEPRIVED: Code = Code::RightsDeprived;
    /// Party roll: probationary member (预备党员), no vote.
    pub const NOT_FULL_MEMBER: Code = Code::NotFullMember;
    /// Party roll: not a party member.
    pub const NOT_A_MEMBER: Code = Code::NotAMember;
    /// Same number as an earlier row (the later row is refused).
    pub const DUPLICATE_NUMBER: Code = Code::DuplicateNumber;
    /// Same name and birth date as an earlier row, different number.
    pub const DUPLICATE_PERSON: Code = Code::DuplicatePerson;
    /// Name empty or only whitespace.
    pub const EMPTY_NAME: Code = Code::EmptyName;
    /// Number empty or only whitespace.
    pub const EMPTY_NUMBER: Code = Code::EmptyNumber;
    /// Unit (选区 / 选举单位) empty or only whitespace.
    pub const EMPTY_UNIT: Code = Code::EmptyUnit;
    /// Name longer than [`super::NAME_CHARS_MAX`] characters.
    pub const NAME_TOO_LONG: Code = Code::NameTooLong;
    /// More than [`super::ROLL_ROWS_MAX`] rows; reported once with line 0.
    pub const TOO_MANY_ROWS: Code = Code::TooManyRows;
    /// The election day passed in is not a real calendar date; reported once
    /// with line 0.
    pub const BAD_ELECTION_DAY: Code = Code::BadElectionDay;
}

// ---------------------------------------------------------------------------
// Date
// ---------------------------------------------------------------------------

/// A proleptic Gregorian calendar date.
///
/// Invariant (for values made by [`Date::new`] / [`Date::parse`]): `year` is
/// in `1..=9999`, `month` in `1..=12` and `day` is a day that exists in that
/// month of that year. The fields are public for convenience; a hand-built
/// invalid value never causes a panic anywhere in this module, it is reported
/// (see [`codes::BIRTH_INVALID`], [`codes::BAD_ELECTION_DAY`]).
///
/// The derived `Ord` is chronological because the fields are declared in
/// year, month, day order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, `1..=9999`.
    pub year: u16,
    /// Month, `1..=12`.
    pub month: u8,
    /// Day of month, `1..=days_in_month(year, month)`.
    pub day: u8,
}

/// Why a date was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not of the form `yyyy-mm-dd` with ASCII digits.
    Format,
    /// Well-formed but not a real calendar day (e.g. `2023-02-29`,
    /// `2024-13-01`, year `0000`).
    NoSuchDay,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::Format => f.write_str(
                "日期格式应为 yyyy-mm-dd (如 2008-07-15) / date must be yyyy-mm-dd (e.g. 2008-07-15)",
            ),
            DateError::NoSuchDay => f.write_str("日历上没有这一天 / no such calendar day"),
        }
    }
}

impl std::error::Error for DateError {}

impl Date {
    /// Smallest accepted year.
    pub const YEAR_MIN: u16 = 1;
    /// Largest accepted year.
    pub const YEAR_MAX: u16 = 9999;

    /// Builds a date, checking that it exists in the calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        let date = Date { year, month, day };
        if date.is_valid() {
            Ok(date)
        } else {
            Err(DateError::NoSuchDay)
        }
    }

    /// Parses strict ISO 8601 `yyyy-mm-dd`: exactly ten ASCII characters, no
    /// surrounding whitespace, zero-padded month and day, and a real calendar
    /// day (leap years follow the Gregorian rule).
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() else {
            return Err(DateError::Format);
        };
        let year = number(&[y0, y1, y2, y3]).ok_or(DateError::Format)?;
        let month = number(&[m0, m1]).ok_or(DateError::Format)?;
        let day = number(&[d0, d1]).ok_or(DateError::Format)?;
        // month and day have two digits, so they are at most 99 and fit a u8.
        let month = u8::try_from(month).map_err(|_| DateError::Format)?;
        let day = u8::try_from(day).map_err(|_| DateError::Format)?;
        Date::new(year, month, day)
    }

    /// Gregorian leap-year rule.
    pub fn is_leap_year(year: u16) -> bool {
        year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
    }

    /// Number of days in `month` of `year`; 0 when `month` is not `1..=12`.
    pub fn days_in_month(year: u16, month: u8) -> u8 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if Date::is_leap_year(year) => 29,
            2 => 28,
            _ => 0,
        }
    }

    /// True when the date exists in the calendar and the year is in range.
    pub fn is_valid(&self) -> bool {
        (Date::YEAR_MIN..=Date::YEAR_MAX).contains(&self.year)
            && self.day >= 1
            && self.day <= Date::days_in_month(self.year, self.month)
    }
}

/// Reads ASCII decimal digits into a number; `None` if any byte is not a digit.
fn number(digits: &[u8]) -> Option<u16> {
    digits.iter().try_fold(0u16, |acc, &c| {
        if c.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u16::from(c - b'0'))
        } else {
            None
        }
    })
}

impl fmt::Display for Date {
    /// Formats as `yyyy-mm-dd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse(s)
    }
}

/// Age in whole years of someone born on `birth`, on `day`.
///
/// The age goes up on the anniversary day itself. For a 29 February birth
/// the anniversary in a non-leap year is **1 March** (stricter reading, see
/// the module documentation). Returns 0 when `day` is on or before `birth`.
/// Never panics, also for hand-built invalid dates (the result is then
/// meaningless but deterministic).
pub fn age_on(birth: Date, day: Date) -> u16 {
    if day <= birth {
        return 0;
    }
    let anniversary = if birth.month == 2 && birth.day == 29 && !Date::is_leap_year(day.year) {
        (3, 1)
    } else {
        (birth.month, birth.day)
    };
    // day > birth implies day.year >= birth.year.
    let years = day.year.saturating_sub(birth.year);
    if (day.month, day.day) < anniversary {
        years.saturating_sub(1)
    } else {
        years
    }
}

// ---------------------------------------------------------------------------
// Rows and report
// ---------------------------------------------------------------------------

/// Party membership status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Membership {
    /// Not a party member (非党员).
    #[default]
    None,
    /// Full member (正式党员): votes in party elections.
    Full,
    /// Probationary member (预备党员): no vote in party elections.
    Probationary,
}

/// One row of a roll as imported.
///
/// `line` is the 1-based line in the source file (the header is line 1) and is
/// used in every refusal message; it is not checked for uniqueness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterRow {
    /// 1-based source line.
    pub line: usize,
    /// Full name (姓名).
    pub name: String,
    /// Identity-card number or party member number (证件号码 / 党员编号).
    pub number: String,
    /// Electoral district (选区) or electoral unit (选举单位).
    pub unit: String,
    /// Date of birth; `None` when the source had none.
    pub birth: Option<Date>,
    /// `true` when the person has **not** been deprived of political rights.
    pub rights: bool,
    /// Party membership status.
    pub membership: Membership,
    /// Free-form flags (备注); see [`FLAG_DISTINCT_PERSON`].
    pub flags: Vec<String>,
}

/// Which kind of election the roll is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RollKind {
    /// Party election: full members only.
    Party,
    /// People's congress / villagers' election: every citizen 18+ with rights.
    Public,
}

/// Why one row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based source line of the refused row; 0 for whole-roll refusals.
    pub line: usize,
    /// Stable code from [`codes`] (or the CSV layer's own codes).
    pub code: Code,
    /// Chinese, then `" / "`, then English; names the offending values.
    pub message: String,
}

/// Result of [`check_roll`].
///
/// Invariants: `accepted` holds, in input order, exactly the rows that got no
/// refusal; every other row has at least one entry in `refused` (a row can
/// have several, e.g. under age *and* probationary). `refused` is in input
/// order, and within one row in check order.
///
/// **All or nothing:** store `accepted` only when [`RollReport::is_clean`]
/// is true; otherwise show `refused` and store nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollReport {
    /// Rows with no refusal.
    pub accepted: Vec<VoterRow>,
    /// Every refusal found.
    pub refused: Vec<Refusal>,
}

impl RollReport {
    /// True when nothing was refused, i.e. the whole roll may be stored.
    pub fn is_clean(&self) -> bool {
        self.refused.is_empty()
    }

    /// The rows to store when the roll is clean, otherwise all refusals.
    pub fn into_clean(self) -> Result<Vec<VoterRow>, Vec<Refusal>> {
        if self.refused.is_empty() {
            Ok(self.accepted)
        } else {
            Err(self.refused)
        }
    }
}

// ---------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------

/// Checks every row of a roll for `kind` on `election_day`.
///
/// Checks per row, in this order, all reported: empty name, name too long,
/// empty number, empty unit, birth date missing/invalid, under age, rights
/// deprived, (party roll) membership, duplicate number, duplicate person.
///
/// Duplicates: numbers are compared after trimming and ASCII upper-casing (so
/// a trailing `x` and `X` on an identity-card number are the same number).
/// The first row holding a number or a (name, birth date) pair wins; later
/// rows are refused and the message names the earlier line. Rows refused for
/// other reasons still take part in duplicate detection.
///
/// A roll with more than [`ROLL_ROWS_MAX`] rows, or an invalid
/// `election_day`, gives a single refusal with line 0 and nothing accepted.
pub fn check_roll(rows: &[VoterRow], kind: RollKind, election_day: Date) -> RollReport {
    let mut report = RollReport::default();
    if rows.len() > ROLL_ROWS_MAX {
        report.refused.push(Refusal {
            line: 0,
            code: codes::TOO_MANY_ROWS,
            message: format!(
                "名册有 {n} 行, 超过上限 {ROLL_ROWS_MAX} 行 / roll has {n} rows, more than the limit of {ROLL_ROWS_MAX}",
                n = rows.len()
            ),
        });
        return report;
    }
    if !election_day.is_valid() {
        report.refused.push(Refusal {
            line: 0,
            code: codes::BAD_ELECTION_DAY,
            message: format!(
                "选举日 {election_day} 不是有效日期 / election day {election_day} is not a valid date"
            ),
        });
        return report;
    }

    let mut seen = Seen::default();
    for row in rows {
        let before = report.refused.len();
        check_row(row, kind, election_day, &mut seen, &mut report.refused);
        if report.refused.len() == before {
            report.accepted.push(row.clone());
        }
    }
    report
}

/// First occurrences seen so far, for duplicate detection.
#[derive(Default)]
struct Seen {
    /// Normalised number -> first line.
    numbers: HashMap<String, usize>,
    /// (trimmed name, birth) -> (first line, normalised number).
    persons: HashMap<(String, Date), (usize, String)>,
}

fn check_row(
    row: &VoterRow,
    kind: RollKind,
    election_day: Date,
    seen: &mut Seen,
    out: &mut Vec<Refusal>,
) {
    let line = row.line;
    let name = row.name.trim();
    let number = row.number.trim();
    let who = Who::new(line, name);
    let mut refuse = |code: Code, zh: String, en: String| {
        out.push(Refusal {
            line,
            code,
            message: format!("{}: {zh} / {}: {en}", who.zh, who.en),
        });
    };

    if name.is_empty() {
        refuse(codes::EMPTY_NAME, "姓名为空".into(), "name is empty".into());
    }
    let name_chars = name.chars().count();
    if name_chars > NAME_CHARS_MAX {
        refuse(
            codes::NAME_TOO_LONG,
            format!("姓名有 {name_chars} 个字符, 超过 {NAME_CHARS_MAX} 个字符"),
            format!("name has {name_chars} characters, more than {NAME_CHARS_MAX}"),
        );
    }
    if number.is_empty() {
        refuse(
            codes::EMPTY_NUMBER,
            "证件号码为空".into(),
            "number is empty".into(),
        );
    }
    if row.unit.trim().is_empty() {
        refuse(
            codes::EMPTY_UNIT,
            "选区/选举单位为空".into(),
            "unit (district) is empty".into(),
        );
    }

    match row.birth {
        None => refuse(
            codes::BIRTH_MISSING,
            format!("缺少出生日期, 无法确认选举日 {election_day} 时是否年满 {VOTING_AGE} 周岁"),
            format!("birth date missing, cannot confirm age {VOTING_AGE} on {election_day}"),
        ),
        Some(birth) if !birth.is_valid() => refuse(
            codes::BIRTH_INVALID,
            format!("出生日期 {birth} 不是有效日期"),
            format!("birth date {birth} is not a valid date"),
        ),
        Some(birth) => {
            let age = age_on(birth, election_day);
            if age < VOTING_AGE {
                refuse(
                    codes::UNDER_AGE,
                    format!("选举日 {election_day} 时 {age} 岁, 未满 {VOTING_AGE} 周岁"),
                    format!("{age} years old on {election_day}, under {VOTING_AGE}"),
                );
            }
        }
    }

    if !row.rights {
        refuse(
            codes::RIGHTS_DEPRIVED,
            "依法被剥夺政治权利, 没有选举权".into(),
            "deprived of political rights by law, no right to vote".into(),
        );
    }

    if kind == RollKind::Party {
        match row.membership {
            Membership::Full => {}
            Membership::Probationary => refuse(
                codes::NOT_FULL_MEMBER,
                "预备党员没有表决权和选举权".into(),
                "probationary member, no right to vote or elect".into(),
            ),
            Membership::None => refuse(
                codes::NOT_A_MEMBER,
                "不是党员, 不能列入党内选举名册".into(),
                "not a party member, cannot be on a party roll".into(),
            ),
        }
    }

    if number.is_empty() {
        return;
    }
    let key = number.to_ascii_uppercase();
    if let Some(&earlier) = seen.numbers.get(&key) {
        refuse(
            codes::DUPLICATE_NUMBER,
            format!("证件号码 {} 与第 {earlier} 行重复", mask_number(number)),
            format!("number {} already on line {earlier}", mask_number(number)),
        );
        return;
    }
    seen.numbers.insert(key.clone(), line);

    let (Some(birth), false) = (row.birth, name.is_empty()) else {
        return;
    };
    let person = (name.to_owned(), birth);
    match seen.persons.get(&person) {
        Some((earlier, earlier_number)) if *earlier_number != key => {
            let distinct = row.flags.iter().any(|f| {
                let f = f.trim();
                f == FLAG_DISTINCT_PERSON || f == FLAG_DISTINCT_PERSON_ZH
            });
            if !distinct {
                refuse(
                    codes::DUPLICATE_PERSON,
                    format!(
                        "与第 {earlier} 行同名且出生日期同为 {birth}, 但证件号码不同 (第 {earlier} 行 {}, 本行 {}); 选民登记不重, 如确为两人请在备注中注明“{FLAG_DISTINCT_PERSON_ZH}”",
                        mask_number(earlier_number),
                        mask_number(number)
                    ),
                    format!(
                        "same name and birth date {birth} as line {earlier} but a different number (line {earlier}: {}, this row: {}); a voter is registered only once; if they really are two people, flag this row \"{FLAG_DISTINCT_PERSON}\"",
                        mask_number(earlier_number),
                        mask_number(number)
                    ),
                );
            }
        }
        Some(_) => {}
        None => {
            seen.persons.insert(person, (line, key));
        }
    }
}

/// Message prefix naming the row: "第 12 行 张三" / "line 12 张三".
struct Who {
    zh: String,
    en: String,
}

impl Who {
    fn new(line: usize, name: &str) -> Who {
        if name.is_empty() {
            return Who {
                zh: format!("第 {line} 行"),
                en: format!("line {line}"),
            };
        }
        let shown = shorten(name, 16);
        Who {
            zh: format!("第 {line} 行 {shown}"),
            en: format!("line {line} {shown}"),
        }
    }
}

/// At most `max` characters of `s`, with "…" appended when cut.
fn shorten(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        head + "…"
    } else {
        head
    }
}

/// Masks the middle of numbers longer than 10 characters, keeping the first
/// 6 and the last 4 (the format commonly used for identity-card numbers);
/// shorter numbers are shown as they are (shortened if needed).
pub fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n <= 10 {
        return number.to_owned();
    }
    let stars = (n - 10).min(16);
    let mut out: String = chars.iter().take(6).collect();
    out.extend(std::iter::repeat_n('*', stars));
    out.extend(chars.iter().skip(n - 4));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// A row that is valid on every roll kind unless a test changes it.
    fn row(line: usize, name: &str, number: &str, birth: &str) -> VoterRow {
        VoterRow {
            line,
            name: name.into(),
            number: number.into(),
            unit: "第一选区".into(),
            birth: if birth.is_empty() {
                None
            } else {
                Some(d(birth))
            },
            rights: true,
            membership: Membership::Full,
            flags: Vec::new(),
        }
    }

    /// One data-driven case: the rule it illustrates, the input and the
    /// expected (line, code) refusals; every other line must be accepted.
    struct Case {
        rule: &'static str,
        kind: RollKind,
        day: &'static str,
        rows: Vec<VoterRow>,
        want: Vec<(usize, Code)>,
        /// Substrings that must occur in the messages (all refusals joined).
        says: Vec<&'static str>,
    }

    fn check(cases: Vec<Case>) {
        for case in cases {
            let report = check_roll(&case.rows, case.kind, d(case.day));
            let got: Vec<(usize, Code)> = report.refused.iter().map(|r| (r.line, r.code)).collect();
            assert_eq!(got, case.want, "rule: {}\n{:#?}", case.rule, report.refused);
            let refused_lines: Vec<usize> = case.want.iter().map(|w| w.0).collect();
            let want_accepted: Vec<usize> = case
                .rows
                .iter()
                .map(|r| r.line)
                .filter(|l| !refused_lines.contains(l))
                .collect();
            let accepted: Vec<usize> = report.accepted.iter().map(|r| r.line).collect();
            assert_eq!(accepted, want_accepted, "rule: {}", case.rule);
            assert_eq!(
                report.is_clean(),
                case.want.is_empty(),
                "rule: {}",
                case.rule
            );
            let all: String = report
                .refused
                .iter()
                .map(|r| r.message.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            for s in &case.says {
                assert!(all.contains(s), "rule: {}: {s:?} not in\n{all}", case.rule);
            }
            for r in &report.refused {
                assert!(r.message.contains(" / "), "bilingual: {}", r.message);
            }
        }
    }

    fn with(mut r: VoterRow, f: impl FnOnce(&mut VoterRow)) -> VoterRow {
        f(&mut r);
        r
    }

    #[test]
    fn date_parse_strict() {
        assert_eq!(
            d("2008-07-15"),
            Date {
                year: 2008,
                month: 7,
                day: 15
            }
        );
        assert_eq!(d("2024-02-29").day, 29);
        assert_eq!(d("2000-02-29").day, 29); // divisible by 400: leap
        assert_eq!(Date::parse("1900-02-29"), Err(DateError::NoSuchDay)); // by 100: not leap
        assert_eq!(Date::parse("2023-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2023-04-31"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2023-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2023-00-10"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2023-01-00"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("0000-01-01"), Err(DateError::NoSuchDay));
        for bad in [
            "",
            "2008-7-15",
            "2008/07/15",
            " 2008-07-15",
            "2008-07-15 ",
            "20080715",
            "2008-07-1x",
            "+008-07-15",
            "2008-07-15T00",
            "２００８-07-15",
            "2008—07-15",
        ] {
            assert_eq!(Date::parse(bad), Err(DateError::Format), "{bad:?}");
        }
        assert_eq!("2026-12-01".parse::<Date>(), Ok(d("2026-12-01")));
        assert_eq!(d("0009-01-05").to_string(), "0009-01-05");
        assert!(d("2026-01-01") > d("2025-12-31"));
        assert!(d("2026-02-01") > d("2026-01-31"));
    }

    #[test]
    fn date_parse_never_panics() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = b"0123456789--/ x\xe5";
        for _ in 0..10_000 {
            let mut bytes = Vec::new();
            for _ in 0..(x % 13) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = String::from_utf8_lossy(&bytes);
            if let Ok(date) = Date::parse(&s) {
                assert!(date.is_valid());
                assert_eq!(date.to_string(), s);
            }
        }
    }

    #[test]
    fn age_rules() {
        // (birth, day, age, why)
        let cases = [
            ("2008-12-01", "2026-12-01", 18, "anniversary day counts"),
            ("2008-12-02", "2026-12-01", 17, "one day short"),
            ("2008-11-30", "2026-12-01", 18, "one day over"),
            ("2026-12-01", "2026-12-01", 0, "born on the day"),
            ("2027-01-01", "2026-12-01", 0, "born after the day"),
            (
                "2008-02-29",
                "2026-02-28",
                17,
                "29 Feb, non-leap year: not yet on 28 Feb",
            ),
            (
                "2008-02-29",
                "2026-03-01",
                18,
                "29 Feb, non-leap year: 1 Mar",
            ),
            (
                "2008-02-29",
                "2028-02-29",
                20,
                "29 Feb, leap year: 29 Feb itself",
            ),
            (
                "2008-02-29",
                "2028-02-28",
                19,
                "29 Feb, leap year: day before",
            ),
            ("2000-02-29", "2100-02-28", 99, "2100 is not a leap year"),
            ("2000-02-29", "2100-03-01", 100, "2100 is not a leap year"),
            ("2008-03-01", "2026-02-28", 17, "1 Mar birth unaffected"),
            ("2008-02-28", "2026-02-28", 18, "28 Feb birth unaffected"),
        ];
        for (birth, day, age, why) in cases {
            assert_eq!(age_on(d(birth), d(day)), age, "{why}: {birth} on {day}");
        }
        // Hand-built nonsense never panics.
        let junk = Date {
            year: 0,
            month: 200,
            day: 0,
        };
        let _ = age_on(junk, d("2026-01-01"));
        let _ = age_on(d("2026-01-01"), junk);
        let _ = age_on(
            Date {
                year: u16::MAX,
                month: u8::MAX,
                day: u8::MAX,
            },
            junk,
        );
    }

    #[test]
    fn eligibility_cases() {
        let day = "2026-12-01";
        check(vec![
            Case {
                rule: "Electoral Law: 18 on election day has the vote (anniversary counts)",
                kind: RollKind::Public,
                day,
                rows: vec![row(2, "张三", "110101200812010011", "2008-12-01")],
                want: vec![],
                says: vec![],
            },
            Case {
                rule: "Electoral Law: one day short of 18 is refused",
                kind: RollKind::Public,
                day,
                rows: vec![row(12, "张三", "110101200812020011", "2008-12-02")],
                want: vec![(12, codes::UNDER_AGE)],
                says: vec![
                    "第 12 行 张三: 选举日 2026-12-01 时 17 岁, 未满 18 周岁 / line 12 张三: 17 years old on 2026-12-01, under 18",
                ],
            },
            Case {
                rule: "29 Feb birth, non-leap election year: still 17 on 28 Feb (1 Mar rule)",
                kind: RollKind::Public,
                day: "2026-02-28",
                rows: vec![row(2, "李四", "110101200802290011", "2008-02-29")],
                want: vec![(2, codes::UNDER_AGE)],
                says: vec!["17 岁", "17 years old on 2026-02-28"],
            },
            Case {
                rule: "29 Feb birth, non-leap election year: 18 on 1 Mar",
                kind: RollKind::Public,
                day: "2026-03-01",
                rows: vec![row(2, "李四", "110101200802290011", "2008-02-29")],
                want: vec![],
                says: vec![],
            },
            Case {
                // 18 is not a multiple of 4, so nobody born on 29 Feb turns 18 in a
                // leap year; ages to the day are covered by `age_rules`.
                rule: "29 Feb birth, leap election year: anniversary is 29 Feb itself",
                kind: RollKind::Public,
                day: "2024-02-29",
                rows: vec![row(2, "李四", "110101200402290011", "2004-02-29")],
                want: vec![],
                says: vec![],
            },
            Case {
                rule: "Electoral Law: persons deprived of political rights have no vote",
                kind: RollKind::Public,
                day,
                rows: vec![with(row(3, "王五", "110101199001010011", "1990-01-01"), |r| {
                    r.rights = false
                })],
                want: vec![(3, codes::RIGHTS_DEPRIVED)],
                says: vec!["剥夺政治权利", "deprived of political rights"],
            },
            Case {
                rule: "Age cannot be established without a birth date",
                kind: RollKind::Public,
                day,
                rows: vec![row(4, "赵六", "110101199001010011", "")],
                want: vec![(4, codes::BIRTH_MISSING)],
                says: vec!["缺少出生日期"],
            },
            Case {
                rule: "Party Constitution Art. 7 / BER Art. 5: probationary members have no vote",
                kind: RollKind::Party,
                day,
                rows: vec![
                    row(2, "党员甲", "D0001", "1980-05-05"),
                    with(row(3, "党员乙", "D0002", "1985-05-05"), |r| {
                        r.membership = Membership::Probationary
                    }),
                    with(row(4, "群众丙", "D0003", "1985-05-05"), |r| {
                        r.membership = Membership::None
                    }),
                ],
                want: vec![(3, codes::NOT_FULL_MEMBER), (4, codes::NOT_A_MEMBER)],
                says: vec![
                    "第 3 行 党员乙: 预备党员没有表决权和选举权 / line 3 党员乙: probationary",
                    "第 4 行 群众丙: 不是党员",
                ],
            },
            Case {
                rule: "Public roll: membership is irrelevant",
                kind: RollKind::Public,
                day,
                rows: vec![
                    with(row(2, "群众甲", "110101198001010011", "1980-01-01"), |r| {
                        r.membership = Membership::None
                    }),
                    with(row(3, "预备乙", "110101198001010022", "1980-01-01"), |r| {
                        r.membership = Membership::Probationary
                    }),
                ],
                want: vec![],
                says: vec![],
            },
            Case {
                rule: "不重: same number twice, later line refused naming the earlier one",
                kind: RollKind::Public,
                day,
                rows: vec![
                    row(2, "张三", "11010119800101001X", "1980-01-01"),
                    row(3, "李四", "110101198001010022", "1980-01-01"),
                    row(7, "张叁", "11010119800101001x", "1981-01-01"),
                ],
                want: vec![(7, codes::DUPLICATE_NUMBER)],
                says: vec![
                    "第 7 行 张叁: 证件号码 110101********001x 与第 2 行重复",
                    "line 7 张叁: number 110101********001x already on line 2",
                ],
            },
            Case {
                rule: "不重: same name and birth, different number, later line refused",
                kind: RollKind::Public,
                day,
                rows: vec![
                    row(2, "王伟", "110101198001010011", "1980-01-01"),
                    row(5, "王伟", "110101198001010022", "1980-01-01"),
                    row(6, "王伟", "110101198001020033", "1980-01-02"),
                ],
                want: vec![(5, codes::DUPLICATE_PERSON)],
                says: vec!["与第 2 行同名且出生日期同为 1980-01-01", "as line 2"],
            },
            Case {
                rule: "不重 override: registrar verified two different people",
                kind: RollKind::Public,
                day,
                rows: vec![
                    row(2, "王伟", "110101198001010011", "1980-01-01"),
                    with(row(5, "王伟", "110101198001010022", "1980-01-01"), |r| {
                        r.flags = vec![" 非同一人 ".into()]
                    }),
                ],
                want: vec![],
                says: vec![],
            },
            Case {
                rule: "Registration needs name, number and unit; names at most 64 chars",
                kind: RollKind::Public,
                day,
                rows: vec![
                    row(2, "  ", "110101198001010011", "1980-01-01"),
                    row(3, "某人", " ", "1980-01-01"),
                    with(row(4, "某某", "110101198001010044", "1980-01-01"), |r| {
                        r.unit = String::new()
                    }),
                    row(5, &"名".repeat(65), "110101198001010055", "1980-01-01"),
                    row(6, &"名".repeat(64), "110101198001010066", "1980-01-01"),
                ],
                want: vec![
                    (2, codes::EMPTY_NAME),
                    (3, codes::EMPTY_NUMBER),
                    (4, codes::EMPTY_UNIT),
                    (5, codes::NAME_TOO_LONG),
                ],
                says: vec!["姓名有 65 个字符", "name has 65 characters"],
            },
            Case {
                rule: "Several problems on one row are all reported",
                kind: RollKind::Party,
                day,
                rows: vec![with(row(9, "小明", "D9", "2010-01-01"), |r| {
                    r.membership = Membership::Probationary;
                    r.rights = false;
                })],
                want: vec![
                    (9, codes::UNDER_AGE),
                    (9, codes::RIGHTS_DEPRIVED),
                    (9, codes::NOT_FULL_MEMBER),
                ],
                says: vec![],
            },
            Case {
                rule: "Hand-built invalid birth date is refused, not trusted",
                kind: RollKind::Public,
                day,
                rows: vec![with(row(2, "甲", "N1", "1980-01-01"), |r| {
                    r.birth = Some(Date { year: 1980, month: 2, day: 30 })
                })],
                want: vec![(2, codes::BIRTH_INVALID)],
                says: vec![],
            },
        ]);
    }

    #[test]
    fn whole_roll_refusals() {
        let rows = vec![row(2, "甲", "N1", "1980-01-01")];
        let bad_day = Date {
            year: 2026,
            month: 2,
            day: 30,
        };
        let report = check_roll(&rows, RollKind::Public, bad_day);
        assert_eq!(report.refused.len(), 1);
        assert_eq!(report.refused[0].code, codes::BAD_ELECTION_DAY);
        assert!(report.accepted.is_empty());
        assert!(report.into_clean().is_err());

        let many = vec![row(2, "甲", "N1", "1980-01-01"); ROLL_ROWS_MAX + 1];
        let report = check_roll(&many, RollKind::Public, d("2026-12-01"));
        assert_eq!(report.refused.len(), 1);
        assert_eq!(report.refused[0].code, codes::TOO_MANY_ROWS);
        assert!(report.accepted.is_empty());

        let clean = check_roll(&rows, RollKind::Public, d("2026-12-01"));
        assert_eq!(clean.into_clean().unwrap(), rows);
    }

    #[test]
    fn masking() {
        assert_eq!(mask_number("110101200001011234"), "110101********1234");
        assert_eq!(mask_number("D0001"), "D0001");
        assert_eq!(mask_number("12345678901"), "123456*8901");
    }
}
