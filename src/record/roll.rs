//! Reading a voter roll (选民名册 / 党员名册) from CSV.
//!
//! This module only turns bytes into [`VoterRow`]s; eligibility is decided by
//! [`crate::rules::roll::check_roll`]. Typical use:
//! `parse_roll_csv(bytes)` then `check_roll(&rows, kind, day).into_clean()`,
//! storing nothing unless both succeed ("nothing half-imported").
//!
//! # File format
//!
//! * **Encoding:** UTF-8. A leading UTF-8 BOM (`EF BB BF`, as written by
//!   Excel's "CSV UTF-8") is accepted and stripped. Anything that is not
//!   valid UTF-8 — in practice GBK/GB18030 files saved by Excel/WPS as plain
//!   "CSV", or UTF-16 "Unicode text" — is refused with
//!   [`RollCsvError::NotUtf8`], whose message tells the user to save the file
//!   as "CSV UTF-8". No guessing or transcoding is attempted.
//! * **Size:** at most [`ROLL_CSV_BYTES_MAX`] bytes (64 MiB) and at most
//!   [`ROLL_ROWS_MAX`] data rows.
//! * **Syntax:** RFC 4180 style: comma separated, fields may be quoted with
//!   `"` (doubled `""` inside), quoted fields may span lines, line ends are
//!   `\n` or `\r\n`. Blank lines and rows whose fields are all empty (Excel
//!   often leaves `,,,,` rows at the end) are skipped.
//! * **Header:** the first row names the columns, in any order. Names are
//!   matched after trimming whitespace; English names ignore ASCII case.
//!
//!   | column       | accepted header names                      | required |
//!   |--------------|--------------------------------------------|----------|
//!   | name         | `name`, `姓名`                              | yes      |
//!   | number       | `number`, `证件号码`, `身份证号`, `党员编号`  | yes      |
//!   | unit         | `unit`, `选区`, `选举单位`                   | yes      |
//!   | birth date   | `birth_date`, `出生日期`                     | yes      |
//!   | rights       | `rights`, `政治权利`                         | no       |
//!   | membership   | `membership`, `党员类别`                     | no       |
//!   | flags        | `flags`, `备注`                              | no       |
//!
//!   The header is strict: an unknown, empty or repeated column name, or a
//!   missing required column, refuses the whole file with
//!   [`RollCsvError::Header`], listing every problem and the known names.
//! * **Names**: `name`, `unit` and each item of `flags` are put in the canonical form of
//!   [`crate::record::names::clean_name`] (Unicode White_Space trimmed at the ends, inner
//!   runs collapsed, removed between two Han characters, NFC); a name, unit, flag or number
//!   holding a control character (`name_control_character`) or an invisible or direction
//!   character (`name_format_character`, e.g. U+200B, U+202E) refuses its row, naming the
//!   line, the column, the code point and its position. Numbers are checked, not changed.
//! * **Values** (each trimmed of surrounding whitespace):
//!   * `birth_date`: strict `yyyy-mm-dd` (e.g. `2008-07-15`); empty means
//!     unknown (then refused later by the rules as `birth_missing`).
//!   * `rights`: empty, `yes`, `是`, `有`, `1`, `true` = has political rights;
//!     `no`, `否`, `无`, `剥夺`, `0`, `false` = deprived. English is
//!     case-insensitive. A missing column means everybody has rights.
//!   * `membership`: `正式` / `正式党员` / `full` = full member;
//!     `预备` / `预备党员` / `probationary` = probationary; empty, `none`,
//!     `非党员` = not a member. A missing column means nobody is a member.
//!   * `flags`: separated by `;` or the full-width `；`; empty items dropped.
//!
//! # Line numbers and errors
//!
//! `VoterRow::line` and `Refusal::line` are 1-based physical lines of the file
//! (the header is line 1; a quoted field spanning lines gives the line where
//! the row starts). Row errors (wrong column count, bad date, bad rights or
//! membership value) do not stop parsing: all of them are collected, at most
//! [`ROLL_CSV_ERRORS_MAX`] in total, and returned as [`RollCsvError::Rows`].
//! If that cap is reached, the last entry has code
//! [`codes::TOO_MANY_ERRORS`] and names the line where listing stopped.

use super::names::{check_id_characters, clean_name, NameError};
use crate::codes::Code;
use crate::rules::roll::{Date, Membership, Refusal, VoterRow, ROLL_ROWS_MAX};

/// Largest accepted file, in bytes (64 MiB).
pub const ROLL_CSV_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Most row errors reported in one [`RollCsvError::Rows`] (including the
/// final `too_many_errors` marker, if any).
pub const ROLL_CSV_ERRORS_MAX: usize = 1_000;

/// Row-level error codes used in [`RollCsvError::Rows`].
pub mod codes {
    use crate::codes::Code;

    /// The row has a different number of fields than the header.
    pub const COLUMN_COUNT: Code = Code::ColumnCount;
    /// Birth date is not a valid `yyyy-mm-dd` date.
    pub const BAD_DATE: Code = Code::BadDate;
    /// Rights value not recognised.
    pub const BAD_RIGHTS: Code = Code::BadRights;
    /// Membership value not recognised.
    pub const BAD_MEMBERSHIP: Code = Code::BadMembership;
    /// The CSV reader itself failed (should not happen on valid UTF-8).
    pub const CSV_SYNTAX: Code = Code::CsvSyntax;
    /// The error cap was reached; reading stopped.
    pub const TOO_MANY_ERRORS: Code = Code::TooManyErrors;
}

/// Why a roll file was refused. Nothing of a refused file may be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollCsvError {
    /// Not valid UTF-8 (typically GBK/GB18030). `line` is the 1-based line and
    /// `offset` the 0-based byte offset (after any BOM) of the first bad byte.
    #[error(
        "文件不是 UTF-8 编码 (第 {line} 行, 第 {offset} 字节处), 可能是 GBK/GB18030; 请在 Excel/WPS 中“另存为” → “CSV UTF-8 (逗号分隔)” 后重新导入 / file is not UTF-8 (line {line}, byte {offset}), probably GBK/GB18030; save it as \"CSV UTF-8 (comma delimited)\" and import again"
    )]
    NotUtf8 {
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 0-based byte offset of the first invalid byte.
        offset: usize,
    },
    /// The header row is missing or wrong. `message` is bilingual.
    #[error("{message}")]
    Header {
        /// Chinese / English description listing every header problem.
        message: String,
    },
    /// The file is larger than [`ROLL_CSV_BYTES_MAX`].
    #[error(
        "文件有 {bytes} 字节, 超过上限 {max} 字节 / file is {bytes} bytes, over the limit of {max}"
    )]
    TooLarge {
        /// Size of the file.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// More than [`ROLL_ROWS_MAX`] data rows.
    #[error("名册超过 {max} 行 (第 {line} 行处) / roll has more than {max} rows (at line {line})")]
    TooManyRows {
        /// Line of the first row over the limit.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// One or more rows are malformed; every refusal names its line.
    #[error("名册有 {} 处错误, 请全部改正后重新导入 / the roll has {} errors; fix them all and import again", .0.len(), .0.len())]
    Rows(Vec<Refusal>),
}

impl RollCsvError {
    /// Stable machine-readable code.
    pub fn code(&self) -> Code {
        match self {
            RollCsvError::NotUtf8 { .. } => Code::NotUtf8,
            RollCsvError::Header { .. } => Code::BadHeader,
            RollCsvError::TooLarge { .. } => Code::TooLarge,
            RollCsvError::TooManyRows { .. } => Code::TooManyRows,
            RollCsvError::Rows(_) => Code::BadRows,
        }
    }
}

/// The columns of a roll file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Number,
    Unit,
    BirthDate,
    Rights,
    Membership,
    Flags,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Name,
        Column::Number,
        Column::Unit,
        Column::BirthDate,
        Column::Rights,
        Column::Membership,
        Column::Flags,
    ];

    /// Accepted header names; the first is the canonical English one.
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["name", "姓名"],
            Column::Number => &["number", "证件号码", "身份证号", "党员编号"],
            Column::Unit => &["unit", "选区", "选举单位"],
            Column::BirthDate => &["birth_date", "出生日期"],
            Column::Rights => &["rights", "政治权利"],
            Column::Membership => &["membership", "党员类别"],
            Column::Flags => &["flags", "备注"],
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Column::Name | Column::Number | Column::Unit | Column::BirthDate
        )
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The column a header cell names, if any.
    fn from_header(cell: &str) -> Option<Column> {
        let cell = cell.trim().to_ascii_lowercase();
        Column::ALL
            .into_iter()
            .find(|c| c.names().iter().any(|n| *n == cell))
    }

    /// "name/姓名, number/证件号码/…" for error messages.
    fn known_names() -> String {
        Column::ALL
            .iter()
            .map(|c| c.names().join("/"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Position of each column in the file, indexed by `Column::index`.
struct Layout {
    at: [Option<usize>; 7],
    width: usize,
}

impl Layout {
    fn field<'r>(&self, record: &'r csv::StringRecord, column: Column) -> &'r str {
        self.at[column.index()]
            .and_then(|i| record.get(i))
            .unwrap_or("")
            .trim()
    }
}

/// Parses a roll file. See the module documentation for the format.
///
/// On success every returned row has `line` set to its file line, and all
/// text fields trimmed; eligibility is *not* checked here. Never panics,
/// whatever the input.
pub fn parse_roll_csv(bytes: &[u8]) -> Result<Vec<VoterRow>, RollCsvError> {
    let (rows, refused) = parse_roll_csv_partial(bytes)?;
    if refused.is_empty() {
        Ok(rows)
    } else {
        Err(RollCsvError::Rows(refused))
    }
}

/// [`parse_roll_csv`] that goes on past bad rows: the rows that parsed and every row's
/// refusal, so that a caller can check the good rows too and report every problem of the
/// file at once (a whole-file problem, such as the header or the encoding, is still an
/// error).
pub fn parse_roll_csv_partial(bytes: &[u8]) -> Result<(Vec<VoterRow>, Vec<Refusal>), RollCsvError> {
    if bytes.len() > ROLL_CSV_BYTES_MAX {
        return Err(RollCsvError::TooLarge {
            bytes: bytes.len(),
            max: ROLL_CSV_BYTES_MAX,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        RollCsvError::NotUtf8 {
            line: LineCounter::new(bytes).advance_to(offset),
            offset,
        }
    })?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text.as_bytes());

    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            return Err(RollCsvError::Header {
                message: format!(
                    "文件为空, 缺少表头行 (可用列名: {known}) / the file is empty, no header row (known columns: {known})",
                    known = Column::known_names()
                ),
            })
        }
        Err(e) => {
            return Err(RollCsvError::Header {
                message: format!("无法读取表头: {e} / cannot read the header: {e}"),
            })
        }
    }
    let layout = read_header(&record)?;

    let mut rows = Vec::new();
    let mut errors = Errors::default();
    let mut data_rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Unreachable on valid UTF-8 with `flexible(true)`; stop rather
                // than risk re-reading the same bytes.
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                errors.push(Refusal {
                    line,
                    code: codes::CSV_SYNTAX,
                    message: format!("第 {line} 行: 无法读取: {e} / line {line}: cannot read: {e}"),
                });
                break;
            }
        }
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        data_rows += 1;
        if data_rows > ROLL_ROWS_MAX {
            return Err(RollCsvError::TooManyRows {
                line,
                max: ROLL_ROWS_MAX,
            });
        }
        match parse_row(&record, line, &layout) {
            Ok(row) => rows.push(row),
            Err(row_errors) => {
                for e in row_errors {
                    errors.push(e);
                }
            }
        }
        if errors.full {
            errors.list.push(Refusal {
                line,
                code: codes::TOO_MANY_ERRORS,
                message: format!(
                    "错误超过 {ROLL_CSV_ERRORS_MAX} 处, 第 {line} 行起的错误未全部列出, 其后各行未检查 / more than {ROLL_CSV_ERRORS_MAX} errors; errors from line {line} on are not all listed and later lines were not checked"
                ),
            });
            break;
        }
    }

    Ok((rows, errors.list))
}

/// Row errors collected so far; `list.len()` stays below
/// `ROLL_CSV_ERRORS_MAX`, leaving room for the final marker.
#[derive(Default)]
struct Errors {
    list: Vec<Refusal>,
    full: bool,
}

impl Errors {
    fn push(&mut self, refusal: Refusal) {
        if self.list.len() + 1 < ROLL_CSV_ERRORS_MAX {
            self.list.push(refusal);
        } else {
            self.full = true;
        }
    }
}

/// Maps byte offsets reported by the csv reader to 1-based physical lines.
///
/// The csv crate's own `Position::line()` miscounts `\r\n` and blank lines,
/// and `Position::byte()` of a record can point at line-break bytes just before
/// the record; so the offset is first moved past any `\r`/`\n`, then line
/// breaks (`\n`, `\r\n` or a lone `\r`) are counted. Offsets must be asked
/// for in non-decreasing order (they are: records are read front to back);
/// the total work is linear in the file size and memory is constant.
struct LineCounter<'t> {
    text: &'t [u8],
    /// Bytes before `pos` have been counted.
    pos: usize,
    /// Line containing byte `pos`.
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> LineCounter<'t> {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Line of the record the csv reader says starts at `byte`.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX);
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.advance_to(start)
    }

    /// Line containing byte `end` (counting stops at the end of the text).
    fn advance_to(&mut self, end: usize) -> usize {
        let end = end.min(self.text.len());
        while self.pos < end {
            match self.text.get(self.pos) {
                Some(b'\n') => self.line += 1,
                Some(b'\r') if self.text.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.line
    }
}

/// Maps header cells to columns, reporting every problem at once.
fn read_header(record: &csv::StringRecord) -> Result<Layout, RollCsvError> {
    let mut at = [None; 7];
    let mut problems_zh = Vec::new();
    let mut problems_en = Vec::new();
    for (i, cell) in record.iter().enumerate() {
        let n = i + 1;
        let shown = shorten(cell.trim(), 32);
        if cell.trim().is_empty() {
            problems_zh.push(format!("第 {n} 列表头为空"));
            problems_en.push(format!("column {n} has an empty header"));
            continue;
        }
        match Column::from_header(cell) {
            None => {
                problems_zh.push(format!("第 {n} 列 “{shown}” 不是已知列名"));
                problems_en.push(format!("column {n} \"{shown}\" is not a known column"));
            }
            Some(c) => match at[c.index()] {
                Some(first) => {
                    let first = first + 1;
                    problems_zh.push(format!("第 {n} 列 “{shown}” 与第 {first} 列重复"));
                    problems_en.push(format!("column {n} \"{shown}\" repeats column {first}"));
                }
                None => at[c.index()] = Some(i),
            },
        }
    }
    for c in Column::ALL {
        if c.required() && at[c.index()].is_none() {
            let names = c.names().join("/");
            problems_zh.push(format!("缺少必填列 {names}"));
            problems_en.push(format!("required column {names} is missing"));
        }
    }
    if problems_zh.is_empty() {
        return Ok(Layout {
            at,
            width: record.len(),
        });
    }
    let known = Column::known_names();
    Err(RollCsvError::Header {
        message: format!(
            "表头错误: {}。可用列名: {known} / header error: {}. Known columns: {known}",
            problems_zh.join("; "),
            problems_en.join("; "),
        ),
    })
}

/// Parses one data row, returning every problem found in it.
fn parse_row(
    record: &csv::StringRecord,
    line: usize,
    layout: &Layout,
) -> Result<VoterRow, Vec<Refusal>> {
    // A refused name is never repeated in a message: it may hold a direction control.
    let (name, name_refused) = match clean_name(layout.field(record, Column::Name)) {
        Ok(clean) => (clean, None),
        Err(NameError::Empty) => (String::new(), None),
        Err(e) => (String::new(), Some(e)),
    };
    let name = name.as_str();
    let (who_zh, who_en) = if name.is_empty() {
        (format!("第 {line} 行"), format!("line {line}"))
    } else {
        let shown = shorten(name, 16);
        (
            format!("第 {line} 行 {shown}"),
            format!("line {line} {shown}"),
        )
    };
    if record.len() != layout.width {
        let (got, want) = (record.len(), layout.width);
        return Err(vec![Refusal {
            line,
            code: codes::COLUMN_COUNT,
            message: format!(
                "{who_zh}: 有 {got} 列, 表头有 {want} 列 (请检查未加引号的逗号) / {who_en}: {got} fields, the header has {want} (check for unquoted commas)"
            ),
        }]);
    }

    let mut errors = Vec::new();
    let mut refuse_name = |e: NameError, zh: &str, en: &str| {
        errors.push(Refusal {
            line,
            code: e.code(),
            message: format!("{who_zh}: {zh}: {} / {who_en}: {en}: {}", e.zh(), e.en()),
        })
    };
    if let Some(e) = name_refused {
        refuse_name(e, "姓名", "name");
    }
    let number = layout.field(record, Column::Number);
    if let Err(e) = check_id_characters(number) {
        refuse_name(e, "证件号码", "number");
    }
    let unit = match clean_name(layout.field(record, Column::Unit)) {
        Ok(clean) => clean,
        Err(NameError::Empty) => String::new(),
        Err(e) => {
            refuse_name(e, "选区/选举单位", "unit");
            String::new()
        }
    };
    let mut flags = Vec::new();
    for item in layout.field(record, Column::Flags).split([';', '；']) {
        match clean_name(item) {
            Ok(clean) => flags.push(clean),
            Err(NameError::Empty) => {}
            Err(e) => refuse_name(e, "备注", "flags"),
        }
    }

    let birth_text = layout.field(record, Column::BirthDate);
    let birth = if birth_text.is_empty() {
        None
    } else {
        match Date::parse(birth_text) {
            Ok(d) => Some(d),
            Err(e) => {
                let shown = shorten(birth_text, 32);
                errors.push(Refusal {
                    line,
                    code: codes::BAD_DATE,
                    message: format!(
                        "{who_zh}: 出生日期 “{shown}” 无效 ({e}) / {who_en}: birth date \"{shown}\" is invalid"
                    ),
                });
                None
            }
        }
    };

    let rights_text = layout.field(record, Column::Rights);
    let rights = match parse_rights(rights_text) {
        Some(r) => r,
        None => {
            let shown = shorten(rights_text, 32);
            errors.push(Refusal {
                line,
                code: codes::BAD_RIGHTS,
                message: format!(
                    "{who_zh}: 政治权利 “{shown}” 无法识别, 应为 有/是/1 或 无/否/剥夺/0 / {who_en}: rights value \"{shown}\" not recognised; use yes/true/1 or no/false/0"
                ),
            });
            true
        }
    };

    let membership_text = layout.field(record, Column::Membership);
    let membership = match parse_membership(membership_text) {
        Some(m) => m,
        None => {
            let shown = shorten(membership_text, 32);
            errors.push(Refusal {
                line,
                code: codes::BAD_MEMBERSHIP,
                message: format!(
                    "{who_zh}: 党员类别 “{shown}” 无法识别, 应为 正式/预备/非党员 或留空 / {who_en}: membership \"{shown}\" not recognised; use full/probationary/none or leave empty"
                ),
            });
            Membership::None
        }
    };

    if !errors.is_empty() {
        return Err(errors);
    }

    Ok(VoterRow {
        line,
        name: name.to_owned(),
        number: number.to_owned(),
        unit,
        birth,
        rights,
        membership,
        flags,
    })
}

/// `Some(true)` = has rights, `Some(false)` = deprived, `None` = unknown value.
fn parse_rights(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "yes" | "是" | "有" | "1" | "true" => Some(true),
        "no" | "否" | "无" | "剥夺" | "0" | "false" => Some(false),
        _ => None,
    }
}

fn parse_membership(value: &str) -> Option<Membership> {
    match value.to_ascii_lowercase().as_str() {
        "正式" | "正式党员" | "full" => Some(Membership::Full),
        "预备" | "预备党员" | "probationary" => Some(Membership::Probationary),
        "" | "none" | "非党员" => Some(Membership::None),
        _ => None,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::rules::roll::{check_roll, RollKind};

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn rows_of(text: &[u8]) -> Vec<VoterRow> {
        match parse_roll_csv(text) {
            Ok(rows) => rows,
            Err(e) => panic!("{e}: {e:?}"),
        }
    }

    /// Expected outcome of one data-driven case.
    enum Want {
        /// Parsed; (line, name, number) of each row.
        Rows(Vec<(usize, &'static str, &'static str)>),
        /// File-level error with this code, message containing these.
        File(&'static str, Vec<&'static str>),
        /// Row errors: (line, code) in order, messages containing these.
        RowErrors(Vec<(usize, Code)>, Vec<&'static str>),
    }

    struct Case {
        rule: &'static str,
        input: Vec<u8>,
        want: Want,
    }

    fn check(cases: Vec<Case>) {
        for case in cases {
            let got = parse_roll_csv(&case.input);
            match (&case.want, got) {
                (Want::Rows(want), Ok(rows)) => {
                    let got: Vec<(usize, &str, &str)> = rows
                        .iter()
                        .map(|r| (r.line, r.name.as_str(), r.number.as_str()))
                        .collect();
                    assert_eq!(&got, want, "rule: {}", case.rule);
                }
                (Want::File(code, says), Err(e)) => {
                    assert_eq!(e.code(), *code, "rule: {}: {e}", case.rule);
                    let msg = e.to_string();
                    for s in says {
                        assert!(msg.contains(s), "rule: {}: {s:?} not in {msg}", case.rule);
                    }
                }
                (Want::RowErrors(want, says), Err(RollCsvError::Rows(list))) => {
                    let got: Vec<(usize, Code)> = list.iter().map(|r| (r.line, r.code)).collect();
                    assert_eq!(&got, want, "rule: {}\n{list:#?}", case.rule);
                    let all: String = list
                        .iter()
                        .map(|r| r.message.as_str())
                        .collect::<Vec<_>>()
                        .join("\n");
                    for s in says {
                        assert!(all.contains(s), "rule: {}: {s:?} not in\n{all}", case.rule);
                    }
                    for r in &list {
                        assert!(r.message.contains(" / "), "bilingual: {}", r.message);
                    }
                }
                (_, got) => panic!("rule: {}: unexpected {got:?}", case.rule),
            }
        }
    }

    const GBK_FILE: &[u8] = &[
        // "姓名,证件号码,选区,出生日期\n" in GBK
        0xD0, 0xD5, 0xC3, 0xFB, 0x2C, 0xD6, 0xA4, 0xBC, 0xFE, 0xBA, 0xC5, 0xC2, 0xEB, 0x2C, 0xD1,
        0xA1, 0xC7, 0xF8, 0x2C, 0xB3, 0xF6, 0xC9, 0xFA, 0xC8, 0xD5, 0xC6, 0xDA, 0x0A,
        // "张三,110101200001011234,第一选区,2000-01-01\n" in GBK
        0xD5, 0xC5, 0xC8, 0xFD, 0x2C, 0x31, 0x31, 0x30, 0x31, 0x30, 0x31, 0x32, 0x30, 0x30, 0x30,
        0x30, 0x31, 0x30, 0x31, 0x31, 0x32, 0x33, 0x34, 0x2C, 0xB5, 0xDA, 0xD2, 0xBB, 0xD1, 0xA1,
        0xC7, 0xF8, 0x2C, 0x32, 0x30, 0x30, 0x30, 0x2D, 0x30, 0x31, 0x2D, 0x30, 0x31, 0x0A,
    ];

    fn b(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    #[test]
    fn csv_cases() {
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(
            "姓名,身份证号,选区,出生日期\n张三,110101200001011234,一区,2000-01-01\n".as_bytes(),
        );
        let mut utf8_then_gbk = b("name,number,unit,birth_date\nA,1,u,2000-01-01\n");
        utf8_then_gbk.extend_from_slice(&GBK_FILE[28..]);

        check(vec![
            Case {
                rule: "Chinese headers",
                input: b("姓名,证件号码,选区,出生日期,政治权利,党员类别,备注\n张三,110101200001011234,第一选区,2000-01-01,有,正式,\n李四,110101200001021234,第一选区,2000-01-02,,,\n"),
                want: Want::Rows(vec![
                    (2, "张三", "110101200001011234"),
                    (3, "李四", "110101200001021234"),
                ]),
            },
            Case {
                rule: "UTF-8 BOM stripped (Excel CSV UTF-8)",
                input: bom,
                want: Want::Rows(vec![(2, "张三", "110101200001011234")]),
            },
            Case {
                rule: "columns in another order, English names any case, CRLF, quoting",
                input: b("Birth_Date,UNIT,number,name\r\n1990-05-06,\"一区, 东\",D001,\" 王五 \"\r\n"),
                want: Want::Rows(vec![(2, "王五", "D001")]),
            },
            Case {
                rule: "blank and all-empty rows skipped; line numbers are file lines (a quoted name spanning lines; the line break at its end is trimmed)",
                input: b("name,number,unit,birth_date\n\nA,1,u,2000-01-01\n,,,\n\"B\n\",2,u,2000-01-01\nC,3,u,2000-01-01\n"),
                want: Want::Rows(vec![(3, "A", "1"), (5, "B", "2"), (7, "C", "3")]),
            },
            Case {
                rule: "line numbers with CRLF, blank lines, quoted CRLF and lone CR (old Mac Excel)",
                input: b("\r\nname,number,unit,birth_date\r\n\r\nA,1,u,2000-01-01\r\n\"B\r\n\",2,u,2000-01-01\r\nC,3,u,2000-01-01\rD,4,u,2000-01-01\n"),
                want: Want::Rows(vec![(4, "A", "1"), (5, "B", "2"), (7, "C", "3"), (8, "D", "4")]),
            },
            Case {
                rule: "a line break inside a name refuses its row (names: control characters), lines still counted",
                input: b("name,number,unit,birth_date\n\"B\nB\",2,u,2000-01-01\nC,3,u,1-1-1\n"),
                want: Want::RowErrors(
                    vec![(2, Code::NameControlCharacter), (4, codes::BAD_DATE)],
                    vec!["第 2 行", "U+000A (第 2 个字符)", "第 4 行 C"],
                ),
            },
            Case {
                rule: "invisible or direction characters in a name, number, unit or flag refuse the row, naming line, column and code point; spacing and NFC are put right",
                input: b("name,number,unit,birth_date,flags\n王\u{200b}建国,1,u,2000-01-01,\nA,2\u{feff},u,2000-01-01,\nB,3,u\u{202e},2000-01-01,\nC,4,u,2000-01-01,x;\u{2066}y\n"),
                want: Want::RowErrors(
                    vec![
                        (2, Code::NameFormatCharacter),
                        (3, Code::NameFormatCharacter),
                        (4, Code::NameFormatCharacter),
                        (5, Code::NameFormatCharacter),
                    ],
                    vec!["第 2 行: 姓名: 名称含不可见或方向控制字符 U+200B (第 2 个字符)", "line 3 A: number", "U+FEFF", "U+202E", "line 5 C: flags", "U+2066 (第 1 个字符)"],
                ),
            },
            Case {
                rule: "row errors in a CRLF file name the right lines",
                input: b("name,number,unit,birth_date\r\nA,1,u,2000-01-01\r\n\r\nB,2,u,1-1-1\r\nC,3\r\n"),
                want: Want::RowErrors(
                    vec![(4, codes::BAD_DATE), (5, codes::COLUMN_COUNT)],
                    vec!["第 4 行 B", "line 5 C"],
                ),
            },
            Case {
                rule: "names: padding between Han characters removed, NFC",
                input: b("name,number,unit,birth_date\n王\u{3000}五,5,\u{3000}一 区 ,2000-01-01\nJose\u{301},6,u,2000-01-01\n"),
                want: Want::Rows(vec![(2, "王五", "5"), (3, "Jos\u{e9}", "6")]),
            },
            Case {
                rule: "GBK file refused with UTF-8 advice",
                input: GBK_FILE.to_vec(),
                want: Want::File("not_utf8", vec!["GBK", "CSV UTF-8", "第 1 行", "save it as"]),
            },
            Case {
                rule: "invalid UTF-8 later in the file names its line",
                input: utf8_then_gbk,
                want: Want::File("not_utf8", vec!["第 3 行", "line 3"]),
            },
            Case {
                rule: "UTF-16 (Excel Unicode text) refused too",
                input: vec![0xFF, 0xFE, b'n', 0, b'a', 0],
                want: Want::File("not_utf8", vec!["UTF-8"]),
            },
            Case {
                rule: "unknown column refused, listing known names",
                input: b("name,number,unit,birth_date,phone\n"),
                want: Want::File(
                    "bad_header",
                    vec!["第 5 列 “phone” 不是已知列名", "\"phone\" is not a known column", "birth_date/出生日期", "flags/备注"],
                ),
            },
            Case {
                rule: "missing required column refused",
                input: b("姓名,证件号码,出生日期\n张三,1,2000-01-01\n"),
                want: Want::File("bad_header", vec!["缺少必填列 unit/选区/选举单位", "required column unit/选区/选举单位 is missing"]),
            },
            Case {
                rule: "repeated and empty header cells refused",
                input: b("name,姓名,number,unit,birth_date,\n"),
                want: Want::File("bad_header", vec!["第 2 列 “姓名” 与第 1 列重复", "column 6 has an empty header"]),
            },
            Case {
                rule: "empty file refused",
                input: Vec::new(),
                want: Want::File("bad_header", vec!["文件为空", "empty"]),
            },
            Case {
                rule: "header only: empty roll parses (rules decide later)",
                input: b("name,number,unit,birth_date\n"),
                want: Want::Rows(vec![]),
            },
            Case {
                rule: "bad date and bad rights reported with line numbers",
                input: b("name,number,unit,birth_date,rights\nA,1,u,2000-01-01,yes\nB,2,u,2000/1/2,yes\nC,3,u,2000-01-03,maybe\n"),
                want: Want::RowErrors(
                    vec![(3, codes::BAD_DATE), (4, codes::BAD_RIGHTS)],
                    vec![
                        "第 3 行 B: 出生日期 “2000/1/2” 无效",
                        "line 3 B: birth date \"2000/1/2\" is invalid",
                        "第 4 行 C: 政治权利 “maybe” 无法识别",
                        "line 4 C: rights value \"maybe\"",
                    ],
                ),
            },
            Case {
                rule: "several bad rows all reported, several problems per row too",
                input: b("name,number,unit,birth_date,rights,membership\nA,1,u,2000-02-30,no,正式\nB,2,u\nC,3,u,2000-01-01,x,半正式\nD,4,u,2000-01-01,,,extra\nE,5,u,2000-01-05,,\n"),
                want: Want::RowErrors(
                    vec![
                        (2, codes::BAD_DATE),
                        (3, codes::COLUMN_COUNT),
                        (4, codes::BAD_RIGHTS),
                        (4, codes::BAD_MEMBERSHIP),
                        (5, codes::COLUMN_COUNT),
                    ],
                    vec!["日历上没有这一天", "第 3 行 B: 有 3 列, 表头有 6 列", "line 5 D: 7 fields, the header has 6", "“半正式”"],
                ),
            },
        ]);
    }

    #[test]
    fn values_are_decoded() {
        let rows = rows_of(
            "党员编号,姓名,选举单位,出生日期,政治权利,党员类别,备注\n\
             D1,甲,支部一,1980-01-01,是,正式党员,a; b；;c\n\
             D2,乙,支部一,1980-01-02,剥夺,预备,\n\
             D3,丙,支部一,,TRUE,None,\n\
             D4,丁,支部一,1980-01-04,0,Probationary,\n"
                .as_bytes(),
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].membership, Membership::Full);
        assert!(rows[0].rights);
        assert_eq!(rows[0].flags, vec!["a", "b", "c"]);
        assert_eq!(rows[0].birth, Some(date("1980-01-01")));
        assert_eq!(rows[0].unit, "支部一");
        assert!(!rows[1].rights);
        assert_eq!(rows[1].membership, Membership::Probationary);
        assert_eq!(rows[2].birth, None);
        assert!(rows[2].rights);
        assert_eq!(rows[2].membership, Membership::None);
        assert!(!rows[3].rights);
        assert_eq!(rows[3].membership, Membership::Probationary);
        // Optional columns absent: rights default true, membership none.
        let rows = rows_of(b"name,number,unit,birth_date\nA,1,u,2000-01-01\n");
        assert!(rows[0].rights);
        assert_eq!(rows[0].membership, Membership::None);
        assert!(rows[0].flags.is_empty());
    }

    #[test]
    fn csv_then_rules_end_to_end() {
        let rows = rows_of(
            "姓名,党员编号,选举单位,出生日期,党员类别\n\
             甲,D1,支部,1980-01-01,正式\n\
             乙,D2,支部,1980-01-01,预备\n\
             丙,D1,支部,2008-12-02,正式\n"
                .as_bytes(),
        );
        let report = check_roll(&rows, RollKind::Party, date("2026-12-01"));
        let got: Vec<(usize, Code)> = report.refused.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(
            got,
            vec![
                (3, Code::NotFullMember),
                (4, Code::UnderAge),
                (4, Code::DuplicateNumber)
            ]
        );
        assert!(!report.is_clean());
    }

    #[test]
    fn file_limits() {
        let big = vec![b' '; ROLL_CSV_BYTES_MAX + 1];
        let e = parse_roll_csv(&big).unwrap_err();
        assert_eq!(e.code(), "too_large");

        let mut many = b("name,number,unit,birth_date\n");
        for i in 0..=ROLL_ROWS_MAX {
            many.extend_from_slice(format!("a,{i},u,2000-01-01\n").as_bytes());
        }
        let e = parse_roll_csv(&many).unwrap_err();
        assert_eq!(
            e,
            RollCsvError::TooManyRows {
                line: ROLL_ROWS_MAX + 2,
                max: ROLL_ROWS_MAX
            }
        );
        assert_eq!(e.code(), "too_many_rows");
    }

    #[test]
    fn error_cap() {
        let mut text = b("name,number,unit,birth_date\n");
        for i in 0..2_000 {
            text.extend_from_slice(format!("a,{i},u,bad\n").as_bytes());
        }
        let Err(RollCsvError::Rows(list)) = parse_roll_csv(&text) else {
            panic!("expected row errors");
        };
        assert_eq!(list.len(), ROLL_CSV_ERRORS_MAX);
        assert!(list[..ROLL_CSV_ERRORS_MAX - 1]
            .iter()
            .all(|r| r.code == codes::BAD_DATE));
        let last = &list[ROLL_CSV_ERRORS_MAX - 1];
        assert_eq!(last.code, codes::TOO_MANY_ERRORS);
        // 999 errors listed (lines 2..=1000); the row on line 1001 hit the cap.
        assert_eq!(list[ROLL_CSV_ERRORS_MAX - 2].line, 1000);
        assert_eq!(last.line, 1001);
        assert!(last.message.contains("第 1001 行起"));
    }

    #[test]
    fn error_codes() {
        let cases = [
            (RollCsvError::NotUtf8 { line: 1, offset: 0 }, "not_utf8"),
            (
                RollCsvError::Header {
                    message: String::new(),
                },
                "bad_header",
            ),
            (RollCsvError::TooLarge { bytes: 1, max: 0 }, "too_large"),
            (
                RollCsvError::TooManyRows { line: 1, max: 0 },
                "too_many_rows",
            ),
            (RollCsvError::Rows(Vec::new()), "bad_rows"),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
            assert!(!e.to_string().is_empty() || code == "bad_header");
        }
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_random_input() {
        const TOKENS: &[&str] = &[
            "name",
            "number",
            "unit",
            "birth_date",
            "rights",
            "membership",
            "flags",
            "姓名",
            "证件号码",
            "选区",
            "出生日期",
            "政治权利",
            "党员类别",
            "备注",
            ",",
            ",",
            ",",
            "\n",
            "\n",
            "\r\n",
            "\r",
            "\"",
            "\"\"",
            ";",
            "；",
            " ",
            "2000-01-01",
            "2000-02-29",
            "2001-02-29",
            "9999-12-31",
            "0000-01-01",
            "有",
            "无",
            "正式",
            "预备",
            "x",
            "张三",
            "110101200001011234",
            "\u{FEFF}",
            "\u{3000}",
        ];
        const HEADER: &[u8] = b"name,number,unit,birth_date,rights,membership\n";
        // Per column (name, number, unit, birth_date, rights, membership);
        // mostly valid values, a few bad ones.
        const VALUES: [&[&str]; 6] = [
            &["张三", "李四", "", "\"王,五\"", "\"x\ny\""],
            &["1", "2", "D1", "d1", "", "110101200001011234"],
            &["一区", "二区", "", "u"],
            &[
                "2000-01-01",
                "2008-12-01",
                "2008-12-02",
                "2008-02-29",
                "2026-12-02",
                "",
                "bad",
            ],
            &["", "有", "无", "no", "YES", "maybe"],
            &["", "正式", "预备", "非党员", "full", "?"],
        ];
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let mut reached_rules = 0;
        let day = date("2026-12-01");
        for i in 0..10_000 {
            let mut input = Vec::new();
            match i % 3 {
                0 => {
                    // Raw random bytes (mostly invalid UTF-8).
                    let len = rng.below(200);
                    for _ in 0..len {
                        input.push(rng.next() as u8);
                    }
                }
                1 => {
                    // CSV-shaped soup of tokens, usually after a valid header.
                    if rng.below(4) != 0 {
                        input.extend_from_slice(HEADER);
                    }
                    let len = rng.below(80);
                    for _ in 0..len {
                        input.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
                    }
                    if rng.below(8) == 0 {
                        input.push(rng.next() as u8);
                    }
                }
                _ => {
                    // Well-formed rows with random values, reaching the rules.
                    input.extend_from_slice(HEADER);
                    for _ in 0..rng.below(4) {
                        let fields = if rng.below(20) == 0 { 5 } else { 6 };
                        let row: Vec<&str> = VALUES
                            .iter()
                            .take(fields)
                            .map(|pool| pool[rng.below(pool.len())])
                            .collect();
                        input.extend_from_slice(row.join(",").as_bytes());
                        input.extend_from_slice(if rng.below(2) == 0 { b"\n" } else { b"\r\n" });
                    }
                }
            }
            match parse_roll_csv(&input) {
                Ok(rows) => {
                    let breaks = input.iter().filter(|&&c| c == b'\n' || c == b'\r').count();
                    let mut last = 1;
                    for r in &rows {
                        assert!(r.line > last && r.line <= breaks + 1, "{input:?}: {rows:?}");
                        last = r.line;
                    }
                    if !rows.is_empty() {
                        reached_rules += 1;
                    }
                    for kind in [RollKind::Party, RollKind::Public] {
                        let report = check_roll(&rows, kind, day);
                        assert!(report.accepted.len() <= rows.len());
                    }
                }
                Err(e) => {
                    assert!(!e.code().as_str().is_empty());
                    assert!(e.to_string().contains(" / "));
                    if let RollCsvError::Rows(list) = e {
                        assert!(!list.is_empty() && list.len() <= ROLL_CSV_ERRORS_MAX);
                    }
                }
            }
        }
        // The generator must actually exercise the rules, not only refusals.
        assert!(
            reached_rules > 500,
            "only {reached_rules} inputs reached the rules"
        );
    }
}
