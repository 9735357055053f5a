//! Office export of a result document (`scrutineer.result/v1`) as CSV and
//! XLSX, labelled in Chinese first.
//!
//! The election office needs the result in the tools it already uses: a CSV
//! file for quick inspection and import, and an Excel workbook for printing
//! and filing. Both exports are computed from the result document alone (a
//! [`serde_json::Value`]) and never change a number: counts, rates and scores
//! are copied verbatim from the document, only labels are translated.
//!
//! # Robustness
//!
//! The input is treated as untrusted:
//!
//! * A document that is not a JSON object, has a `format` other than
//!   `scrutineer.result/v1`, or has no non-empty `contests` array is refused
//!   with [`OfficeError::Input`] (`office_input`).
//! * Every other missing or mistyped field is tolerated: tallies (votes,
//!   ballots, turnout, grade counts) count as zero, everything else (titles,
//!   ranks, rates, scores, thresholds, run-off proposals) is left empty.
//!   Write-ins have no against/abstain votes, so those cells stay empty.
//! * More than [`MAX_CONTESTS`] contests (or rankings), or more than
//!   [`MAX_ROWS`] table rows in total (candidates, write-ins, subjects,
//!   subject groups and ranking entries) are refused with
//!   [`OfficeError::TooLarge`] (`office_too_large`) before any output is
//!   built.
//! * Names and titles are user input. In CSV, cells that a spreadsheet could
//!   take for a formula are prefixed with an apostrophe (see
//!   [`result_csv`]). In XLSX every text cell is written as a string cell,
//!   never as a formula, so no prefix is needed there.

use crate::codes::Code;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};
use serde_json::Value;

/// The only document format this module exports.
pub const RESULT_FORMAT: &str = "scrutineer.result/v1";

/// Largest number of contests (and, separately, of rankings) accepted.
pub const MAX_CONTESTS: usize = 10_000;

/// Largest total number of table rows accepted: candidates, write-ins,
/// subjects, subject groups and ranking entries, over the whole document.
pub const MAX_ROWS: usize = 1_000_000;

/// Name of the first worksheet of the XLSX export.
pub const SUMMARY_SHEET: &str = "汇总 Summary";

/// Excel's limit on the length of a worksheet name, in UTF-16 code units.
const MAX_SHEET_NAME: usize = 31;

/// Excel's limit on the length of a cell string, in UTF-16 code units.
const MAX_CELL_TEXT: usize = 32_767;

/// Characters Excel forbids in worksheet names.
const SHEET_FORBIDDEN: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];

/// Separator used when several messages or names share one cell.
const LIST_SEP: &str = "；";

/// Separator used between names (the Chinese enumeration comma).
const NAME_SEP: &str = "、";

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// The document is not a usable result document (`office_input`).
    #[error("office_input: {0}")]
    Input(String),
    /// The document exceeds [`MAX_CONTESTS`] or [`MAX_ROWS`]
    /// (`office_too_large`).
    #[error("office_too_large: {0}")]
    TooLarge(String),
    /// The CSV writer failed (`office_csv`); not expected in practice.
    #[error("office_csv: {0}")]
    Csv(String),
    /// The XLSX writer failed (`office_xlsx`), e.g. a table wider than
    /// Excel's column limit.
    #[error("office_xlsx: {0}")]
    Xlsx(String),
}

impl OfficeError {
    /// Stable machine-readable error code.
    pub fn code(&self) -> Code {
        match self {
            OfficeError::Input(_) => Code::OfficeInput,
            OfficeError::TooLarge(_) => Code::OfficeTooLarge,
            OfficeError::Csv(_) => Code::OfficeCsv,
            OfficeError::Xlsx(_) => Code::OfficeXlsx,
        }
    }
}

fn xlsx_error(e: XlsxError) -> OfficeError {
    OfficeError::Xlsx(e.to_string())
}

// ---------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------

/// Grade keys and Chinese labels of the `individual` scale.
const SCALE_INDIVIDUAL: [(&str, &str); 4] = [
    ("excellent", "优秀"),
    ("competent", "称职"),
    ("basic", "基本称职"),
    ("incompetent", "不称职"),
];

/// Grade keys and Chinese labels of the `team` scale.
const SCALE_TEAM: [(&str, &str); 4] = [
    ("good", "好"),
    ("fairly_good", "较好"),
    ("average", "一般"),
    ("poor", "差"),
];

/// Grade keys and Chinese labels of the `member` scale.
const SCALE_MEMBER: [(&str, &str); 4] = [
    ("excellent", "优秀"),
    ("qualified", "合格"),
    ("basic", "基本合格"),
    ("unqualified", "不合格"),
];

/// Chinese label of a candidate or subject status; unknown codes are kept.
fn status_label(code: &str) -> String {
    match code {
        "elected" => "当选",
        "not_elected" => "未当选",
        "tied" => "票数相等",
        "shortlisted" => "入围",
        "not_shortlisted" => "未入围",
        "ranked" => "排名",
        other => other,
    }
    .to_string()
}

/// Chinese label of a run-off reason; unknown codes are kept.
fn runoff_reason_label(code: &str) -> String {
    match code {
        "tie" => "票数相等",
        other => other,
    }
    .to_string()
}

// ---------------------------------------------------------------------------
// Lenient accessors
// ---------------------------------------------------------------------------

/// A number copied from the document, kept as its decimal text so that the
/// CSV shows exactly what the document says ("95.00" stays "95.00").
#[derive(Clone, Debug, PartialEq, Eq)]
struct Num(String);

impl Num {
    fn zero() -> Num {
        Num("0".to_string())
    }

    /// The value for a spreadsheet cell; `None` if it is not a finite number.
    fn to_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|x| x.is_finite())
    }
}

/// True for plain decimal text such as `92.80`, `-3` or `140`, short enough
/// to be a finite `f64`.
fn is_decimal(s: &str) -> bool {
    if s.is_empty() || s.len() > 30 {
        return false;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(int) && frac.is_none_or(all_digits)
}

/// A number given as a JSON number or as decimal text; anything else is
/// `None`.
fn num(v: Option<&Value>) -> Option<Num> {
    match v? {
        Value::Number(n) => Some(Num(n.to_string())),
        Value::String(s) => {
            let t = s.trim();
            is_decimal(t).then(|| Num(t.to_string()))
        }
        _ => None,
    }
}

/// A tally: missing or unreadable counts as zero.
fn count(v: Option<&Value>) -> Num {
    num(v).unwrap_or_else(Num::zero)
}

/// Text of a scalar: strings as they are, numbers in decimal, everything else
/// empty.
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The elements of an array; empty for anything else.
fn array(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    }
}

/// Messages of a list of `{code, message}` objects (or plain strings): the
/// message where there is one, else the code.
fn messages(v: Option<&Value>) -> Vec<String> {
    array(v)
        .iter()
        .filter_map(|item| {
            let m = match item {
                Value::String(s) => s.clone(),
                Value::Object(_) => {
                    let m = text(item.get("message"));
                    if m.is_empty() {
                        text(item.get("code"))
                    } else {
                        m
                    }
                }
                _ => String::new(),
            };
            (!m.is_empty()).then_some(m)
        })
        .collect()
}

/// First non-empty text among `candidates`, else `fallback`.
fn first_text(candidates: &[&str], fallback: String) -> String {
    candidates
        .iter()
        .find(|s| !s.trim().is_empty())
        .map(|s| (*s).to_string())
        .unwrap_or(fallback)
}

// ---------------------------------------------------------------------------
// Document model
// ---------------------------------------------------------------------------

/// A grade of an evaluation scale.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Grade {
    key: String,
    label: String,
}

/// An evaluation scale: its grades in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Scale {
    grades: Vec<Grade>,
}

impl Scale {
    /// The contest's scale; for an unknown or missing scale name the grades
    /// are the keys of the first subject's `counts` (without `abstain`),
    /// labelled with the keys themselves.
    fn of(contest: &Value) -> Scale {
        let known: Option<&[(&str, &str)]> = match text(contest.get("scale")).as_str() {
            "individual" => Some(&SCALE_INDIVIDUAL),
            "team" => Some(&SCALE_TEAM),
            "member" => Some(&SCALE_MEMBER),
            _ => None,
        };
        let grades = match known {
            Some(list) => list
                .iter()
                .map(|(k, l)| Grade {
                    key: (*k).to_string(),
                    label: (*l).to_string(),
                })
                .collect(),
            None => array(contest.get("subjects"))
                .iter()
                .find_map(|s| s.get("counts").and_then(Value::as_object))
                .map(|counts| {
                    counts
                        .keys()
                        .filter(|k| k.as_str() != "abstain")
                        .map(|k| Grade {
                            key: k.clone(),
                            label: k.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        Scale { grades }
    }

    /// Key identifying scales with the same columns.
    fn columns_key(&self) -> String {
        self.grades
            .iter()
            .map(|g| format!("{}={}", g.key, g.label))
            .collect::<Vec<_>>()
            .join("\u{1f}")
    }
}

/// One line of a candidate table: a candidate or a write-in.
#[derive(Clone, Debug)]
struct CandidateRow {
    id: String,
    name: String,
    write_in: bool,
    votes_for: Num,
    against: Option<Num>,
    abstain: Option<Num>,
    rank: Option<Num>,
    status: String,
}

/// A rated-score evaluation's figures of a subject or of one of its groups.
#[derive(Clone, Debug)]
struct Scores {
    valid: Num,
    raters: Num,
    unscored: Num,
    dropped_high: Option<Num>,
    dropped_low: Option<Num>,
    mean: Option<Num>,
    score: Option<Num>,
    flags: Vec<String>,
}

impl Scores {
    fn of(v: &Value) -> Scores {
        let dropped = v.get("dropped");
        Scores {
            valid: count(v.get("valid")),
            raters: count(v.get("raters")),
            unscored: count(v.get("unscored")),
            dropped_high: num(dropped.and_then(|d| d.get("highest"))),
            dropped_low: num(dropped.and_then(|d| d.get("lowest"))),
            mean: num(v.get("mean")),
            score: num(v.get("score")),
            flags: messages(v.get("flags")),
        }
    }

    fn cells(&self) -> Vec<Cell> {
        vec![
            n(&self.valid),
            n(&self.raters),
            n(&self.unscored),
            opt(&self.dropped_high, NumStyle::General),
            opt(&self.dropped_low, NumStyle::General),
            opt(&self.mean, NumStyle::Fixed2),
            opt(&self.score, NumStyle::Fixed2),
            t(self.flags.join(LIST_SEP)),
        ]
    }
}

const SCORE_HEADERS: [&str; 8] = [
    "有效票",
    "打分人数",
    "未打分",
    "去掉的最高分",
    "去掉的最低分",
    "平均分",
    "得分",
    "提示",
];

/// Grade counts and derived figures of a subject or of one of its groups.
#[derive(Clone, Debug)]
struct Tally {
    valid: Num,
    counts: Vec<Num>,
    abstain: Num,
    rates: Vec<Option<Num>>,
    favourable: Option<Num>,
    score: Option<Num>,
    flags: Vec<String>,
}

impl Tally {
    fn of(v: &Value, scale: &Scale) -> Tally {
        let counts = v.get("counts");
        let rates = v.get("rates");
        Tally {
            valid: count(v.get("valid")),
            counts: scale
                .grades
                .iter()
                .map(|g| count(counts.and_then(|c| c.get(&g.key))))
                .collect(),
            abstain: count(counts.and_then(|c| c.get("abstain"))),
            rates: scale
                .grades
                .iter()
                .map(|g| num(rates.and_then(|r| r.get(&g.key))))
                .collect(),
            favourable: num(v.get("favourable_rate")),
            score: num(v.get("score")),
            flags: messages(v.get("flags")),
        }
    }
}

/// A group of evaluators within a subject's result.
#[derive(Clone, Debug)]
struct Group {
    id: String,
    weight: Option<Num>,
    tally: Tally,
    scores: Scores,
}

/// An evaluated person or team.
#[derive(Clone, Debug)]
struct Subject {
    id: String,
    name: String,
    tally: Tally,
    /// Rated-score evaluations (`scale: "score"`): the scores instead of `tally`.
    scores: Scores,
    groups: Vec<Group>,
}

/// A contest, flattened for export.
#[derive(Clone, Debug)]
struct Contest {
    id: String,
    title: String,
    evaluation: bool,
    seats: Option<Num>,
    valid: Option<bool>,
    problems: Vec<String>,
    warnings: Vec<String>,
    eligible: Num,
    present: Num,
    issued: Num,
    returned: Num,
    valid_ballots: Num,
    void_ballots: Num,
    threshold_rule: String,
    votes_needed: Option<Num>,
    candidates: Vec<CandidateRow>,
    elected: Vec<String>,
    unfilled: Option<Num>,
    runoff: String,
    scale: Scale,
    /// A rated-score evaluation: its subjects carry `scores`, not grades.
    scored: bool,
    subjects: Vec<Subject>,
}

impl Contest {
    fn of(v: &Value) -> Contest {
        let turnout = v.get("turnout");
        let ballots = v.get("ballots");
        let threshold = v.get("threshold").filter(|t| t.is_object());

        let mut candidates: Vec<CandidateRow> = array(v.get("candidates"))
            .iter()
            .map(|c| CandidateRow {
                id: text(c.get("id")),
                name: text(c.get("name")),
                write_in: false,
                votes_for: count(c.get("for")),
                against: Some(count(c.get("against"))),
                abstain: Some(count(c.get("abstain"))),
                rank: num(c.get("rank")),
                status: status_label(&text(c.get("status"))),
            })
            .collect();
        candidates.extend(array(v.get("write_ins")).iter().map(|w| CandidateRow {
            id: text(w.get("id")),
            name: text(w.get("name")),
            write_in: true,
            votes_for: count(w.get("for")),
            against: num(w.get("against")),
            abstain: num(w.get("abstain")),
            rank: num(w.get("rank")),
            status: status_label(&text(w.get("status"))),
        }));

        // Ids resolve to names: candidates by id, write-ins by id or name.
        let mut names: HashMap<&str, &str> = HashMap::new();
        for c in candidates.iter().rev() {
            if !c.id.is_empty() {
                names.insert(c.id.as_str(), c.name.as_str());
            }
        }
        let resolve = |id: &str| -> String {
            names
                .get(id)
                .map(|n| (*n).to_string())
                .unwrap_or_else(|| id.to_string())
        };
        let elected = array(v.get("elected"))
            .iter()
            .map(|e| resolve(&text(Some(e))))
            .filter(|n| !n.is_empty())
            .collect();
        let runoff = match v.get("runoff") {
            Some(r @ Value::Object(_)) => runoff_text(r, &resolve),
            _ => String::new(),
        };

        let scale = Scale::of(v);
        let subjects: Vec<Subject> = array(v.get("subjects"))
            .iter()
            .map(|s| Subject {
                id: text(s.get("id")),
                name: text(s.get("name")),
                tally: Tally::of(s, &scale),
                scores: Scores::of(s),
                groups: array(s.get("groups"))
                    .iter()
                    .map(|g| Group {
                        id: text(g.get("id")),
                        weight: num(g.get("weight")),
                        tally: Tally::of(g, &scale),
                        scores: Scores::of(g),
                    })
                    .collect(),
            })
            .collect();
        let evaluation = v.get("scale").is_some_and(Value::is_string) || !subjects.is_empty();

        Contest {
            id: text(v.get("id")),
            title: text(v.get("title")),
            evaluation,
            seats: num(v.get("seats")),
            valid: v.get("valid").and_then(Value::as_bool),
            problems: messages(v.get("problems")),
            warnings: messages(v.get("warnings")),
            eligible: count(turnout.and_then(|t| t.get("eligible"))),
            present: count(turnout.and_then(|t| t.get("present"))),
            issued: num(turnout.and_then(|t| t.get("ballots_issued")))
                .or_else(|| num(ballots.and_then(|b| b.get("issued"))))
                .unwrap_or_else(Num::zero),
            returned: count(ballots.and_then(|b| b.get("returned"))),
            valid_ballots: count(ballots.and_then(|b| b.get("valid"))),
            void_ballots: count(ballots.and_then(|b| b.get("void"))),
            threshold_rule: text(threshold.and_then(|t| t.get("rule"))),
            votes_needed: num(threshold.and_then(|t| t.get("votes_needed"))),
            candidates,
            elected,
            unfilled: num(v.get("unfilled_seats")),
            runoff,
            scored: text(v.get("scale")) == "score",
            scale,
            subjects,
        }
    }
}

/// Chinese text of a run-off proposal, e.g.
/// `建议另行选举1名，候选人：王五、赵六（原因：票数相等）。<message>`.
fn runoff_text(r: &Value, resolve: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from("建议另行选举");
    if let Some(seats) = num(r.get("seats")) {
        out.push_str(&seats.0);
        out.push('名');
    }
    let names: Vec<String> = array(r.get("candidates"))
        .iter()
        .map(|c| resolve(&text(Some(c))))
        .filter(|n| !n.is_empty())
        .collect();
    if !names.is_empty() {
        out.push_str("，候选人：");
        out.push_str(&names.join(NAME_SEP));
    }
    let reason = text(r.get("reason"));
    if !reason.is_empty() {
        out.push_str("（原因：");
        out.push_str(&runoff_reason_label(&reason));
        out.push('）');
    }
    let message = text(r.get("message"));
    if !message.is_empty() {
        out.push('。');
        out.push_str(&message);
    }
    out
}

/// One line of a ranking.
#[derive(Clone, Debug)]
struct RankingEntry {
    id: String,
    name: String,
    rank: Option<Num>,
    total: Option<Num>,
    tied: Option<bool>,
}

/// A ranking across contests (e.g. 竞争上岗).
#[derive(Clone, Debug)]
struct Ranking {
    id: String,
    title: String,
    entries: Vec<RankingEntry>,
    unresolved: Vec<String>,
}

impl Ranking {
    fn of(v: &Value) -> Ranking {
        let entries: Vec<RankingEntry> = array(v.get("entries"))
            .iter()
            .map(|e| RankingEntry {
                id: text(e.get("id")),
                name: text(e.get("name")),
                rank: num(e.get("rank")),
                total: num(e.get("total")),
                tied: e.get("tied").and_then(Value::as_bool),
            })
            .collect();
        let names: HashMap<&str, &str> = entries
            .iter()
            .filter(|e| !e.id.is_empty())
            .map(|e| (e.id.as_str(), e.name.as_str()))
            .collect();
        let unresolved = array(v.get("unresolved_ties"))
            .iter()
            .map(|t| tie_text(t, &names))
            .filter(|t| !t.is_empty())
            .collect();
        Ranking {
            id: text(v.get("id")),
            title: text(v.get("title")),
            entries,
            unresolved,
        }
    }
}

/// Text of an unresolved tie, whatever its shape: an id, a list of ids, or an
/// object with a list of ids (`ids`, `entries`, `candidates`, `subjects`)
/// and/or a `message`. Ids are shown as names where known.
fn tie_text(v: &Value, names: &HashMap<&str, &str>) -> String {
    let name_of = |x: &Value| -> String {
        let id = match x {
            Value::Object(_) => {
                let n = text(x.get("name"));
                if !n.is_empty() {
                    return n;
                }
                text(x.get("id"))
            }
            other => text(Some(other)),
        };
        names
            .get(id.as_str())
            .map(|n| (*n).to_string())
            .unwrap_or(id)
    };
    let list = |items: &[Value]| -> String {
        items
            .iter()
            .map(name_of)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(NAME_SEP)
    };
    match v {
        Value::Array(items) => list(items),
        Value::Object(_) => {
            let members = ["ids", "entries", "candidates", "subjects"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_array))
                .map(|a| list(a))
                .unwrap_or_default();
            let message = text(v.get("message"));
            match (members.is_empty(), message.is_empty()) {
                (false, false) => format!("{members}：{message}"),
                (false, true) => members,
                (true, _) => message,
            }
        }
        other => name_of(other),
    }
}

/// The whole result document, flattened for export.
#[derive(Clone, Debug)]
struct Doc {
    election: String,
    title: String,
    contests: Vec<Contest>,
    rankings: Vec<Ranking>,
}

impl Doc {
    /// Validates the document's outline and size, then flattens it.
    fn parse(v: &Value) -> Result<Doc, OfficeError> {
        if !v.is_object() {
            return Err(OfficeError::Input(
                "result document is not a JSON object".to_string(),
            ));
        }
        if let Some(format) = v.get("format") {
            if format.as_str() != Some(RESULT_FORMAT) {
                return Err(OfficeError::Input(format!(
                    "unsupported format {format}, expected {RESULT_FORMAT}"
                )));
            }
        }
        let contests = match v.get("contests") {
            Some(Value::Array(c)) if !c.is_empty() => c,
            Some(Value::Array(_)) => {
                return Err(OfficeError::Input(
                    "result document has no contests".to_string(),
                ))
            }
            _ => {
                return Err(OfficeError::Input(
                    "result document has no contests array".to_string(),
                ))
            }
        };
        let rankings = array(v.get("rankings"));
        if contests.len() > MAX_CONTESTS {
            return Err(OfficeError::TooLarge(format!(
                "{} contests, at most {MAX_CONTESTS} allowed",
                contests.len()
            )));
        }
        if rankings.len() > MAX_CONTESTS {
            return Err(OfficeError::TooLarge(format!(
                "{} rankings, at most {MAX_CONTESTS} allowed",
                rankings.len()
            )));
        }
        let rows = count_rows(contests, rankings);
        if rows > MAX_ROWS {
            return Err(OfficeError::TooLarge(format!(
                "{rows} rows, at most {MAX_ROWS} allowed"
            )));
        }
        Ok(Doc {
            election: text(v.get("election")),
            title: text(v.get("title")),
            contests: contests.iter().map(Contest::of).collect(),
            rankings: rankings.iter().map(Ranking::of).collect(),
        })
    }
}

/// Total number of table rows the document would produce, counted on the raw
/// JSON before anything is built.
fn count_rows(contests: &[Value], rankings: &[Value]) -> usize {
    let contest_rows = contests.iter().fold(0usize, |acc, c| {
        let subjects = array(c.get("subjects"));
        let groups = subjects.iter().fold(0usize, |a, s| {
            a.saturating_add(array(s.get("groups")).len())
        });
        acc.saturating_add(array(c.get("candidates")).len())
            .saturating_add(array(c.get("write_ins")).len())
            .saturating_add(subjects.len())
            .saturating_add(groups)
    });
    rankings.iter().fold(contest_rows, |acc, r| {
        acc.saturating_add(array(r.get("entries")).len())
    })
}

// ---------------------------------------------------------------------------
// Tables shared by both exports
// ---------------------------------------------------------------------------

/// How a number is displayed in XLSX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumStyle {
    /// Excel's General format (counts, ranks, weights).
    General,
    /// Two decimals, `0.00` (rates in percent, scores, totals).
    Fixed2,
}

/// A table cell.
#[derive(Clone, Debug)]
enum Cell {
    /// User or label text; always a string cell, never a formula.
    Text(String),
    /// A number from the document.
    Num(Num, NumStyle),
    /// Nothing.
    Empty,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn n(v: &Num) -> Cell {
    Cell::Num(v.clone(), NumStyle::General)
}

fn opt(v: &Option<Num>, style: NumStyle) -> Cell {
    match v {
        Some(x) => Cell::Num(x.clone(), style),
        None => Cell::Empty,
    }
}

/// A header row and its data rows.
#[derive(Clone, Debug, Default)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| (*c).to_string()).collect()
}

/// Header of the per-subject columns shared by CSV and XLSX: one column per
/// grade label and `未评` (abstentions).
fn grade_headers(scale: &Scale) -> Vec<String> {
    let mut h: Vec<String> = scale.grades.iter().map(|g| g.label.clone()).collect();
    h.push("未评".to_string());
    h
}

fn kind_label(write_in: bool) -> &'static str {
    if write_in {
        "另选人"
    } else {
        "候选人"
    }
}

fn validity_label(valid: Option<bool>) -> &'static str {
    match valid {
        Some(true) => "有效",
        Some(false) => "无效",
        None => "",
    }
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Exports the result document as one CSV text.
///
/// The text is UTF-8 and starts with a byte-order mark (U+FEFF) so that
/// Excel on Chinese Windows, which otherwise assumes the local code page
/// (GBK), opens it with the Chinese labels intact. Records end with CRLF and
/// are quoted where needed by the `csv` crate.
///
/// Since candidate and evaluation rows have different columns, the CSV is a
/// sequence of sections, each starting with its own header row; sections are
/// separated by one empty line:
///
/// 1. Candidates (always present, possibly with the header only): one row per
///    candidate, then per write-in, of every contest, in document order.
///    Columns: `选举项目, 项目编号, 应选名额, 候选人, 赞成票, 反对票/不赞成票,
///    弃权票, 名次, 结果, 类别`. `结果` is the Chinese status label, `类别` is
///    `候选人` or `另选人` (write-in); a write-in's against/abstain cells are
///    empty.
/// 2. Evaluations, one section per distinct scale in order of first
///    appearance (only if there are subjects): one row per subject. Columns:
///    `测评项目, 测评对象, <one column per grade label>, 未评, 好评率(%), 得分,
///    提示`. Grade cells are counts, `好评率(%)` is the percentage as written
///    in the document (e.g. `95.00`), `提示` joins the flag messages with `；`.
/// 3. Rankings (only if a ranking has entries): `排名项目, 名次, 姓名, 综合得分,
///    并列`.
///
/// Formula injection: a text cell whose first character is `=`, `+`, `-`,
/// `@`, tab, CR or LF (or their full-width forms `＝＋－＠`), or that starts
/// with whitespace followed by one of those, gets a leading apostrophe, so a
/// spreadsheet shows it as text instead of evaluating it. Numbers taken from
/// the document are written as they are.
pub fn result_csv(result: &Value) -> Result<String, OfficeError> {
    let doc = Doc::parse(result)?;
    let mut out = String::from('\u{feff}');
    for (i, table) in csv_sections(&doc).iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&table_csv(table)?);
    }
    Ok(out)
}

/// The CSV sections described on [`result_csv`].
fn csv_sections(doc: &Doc) -> Vec<Table> {
    let mut sections = Vec::new();

    let mut candidates = Table {
        header: header(&[
            "选举项目",
            "项目编号",
            "应选名额",
            "候选人",
            "赞成票",
            "反对票/不赞成票",
            "弃权票",
            "名次",
            "结果",
            "类别",
        ]),
        rows: Vec::new(),
    };
    for c in &doc.contests {
        for r in &c.candidates {
            candidates.rows.push(vec![
                t(c.title.as_str()),
                t(c.id.as_str()),
                n(c.seats.as_ref().unwrap_or(&Num::zero())),
                t(r.name.as_str()),
                n(&r.votes_for),
                opt(&r.against, NumStyle::General),
                opt(&r.abstain, NumStyle::General),
                opt(&r.rank, NumStyle::General),
                t(r.status.as_str()),
                t(kind_label(r.write_in)),
            ]);
        }
    }
    sections.push(candidates);

    let mut by_scale: HashMap<String, usize> = HashMap::new();
    let mut evaluations: Vec<Table> = Vec::new();
    let mut scored = Table {
        header: [&["测评项目", "测评对象"][..], &SCORE_HEADERS[..]]
            .concat()
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: Vec::new(),
    };
    for c in doc.contests.iter().filter(|c| c.scored) {
        for s in &c.subjects {
            let mut row = vec![t(c.title.as_str()), t(s.name.as_str())];
            row.extend(s.scores.cells());
            scored.rows.push(row);
        }
    }
    for c in doc
        .contests
        .iter()
        .filter(|c| !c.subjects.is_empty() && !c.scored)
    {
        let key = c.scale.columns_key();
        let index = match by_scale.get(&key) {
            Some(i) => *i,
            None => {
                let mut h = header(&["测评项目", "测评对象"]);
                h.extend(grade_headers(&c.scale));
                h.extend(header(&["好评率(%)", "得分", "提示"]));
                evaluations.push(Table {
                    header: h,
                    rows: Vec::new(),
                });
                by_scale.insert(key, evaluations.len() - 1);
                evaluations.len() - 1
            }
        };
        if let Some(table) = evaluations.get_mut(index) {
            for s in &c.subjects {
                let mut row = vec![t(c.title.as_str()), t(s.name.as_str())];
                row.extend(s.tally.counts.iter().map(n));
                row.push(n(&s.tally.abstain));
                row.push(opt(&s.tally.favourable, NumStyle::Fixed2));
                row.push(opt(&s.tally.score, NumStyle::Fixed2));
                row.push(t(s.tally.flags.join(LIST_SEP)));
                table.rows.push(row);
            }
        }
    }
    sections.extend(evaluations);
    if !scored.rows.is_empty() {
        sections.push(scored);
    }

    let mut rankings = Table {
        header: header(&["排名项目", "名次", "姓名", "综合得分", "并列"]),
        rows: Vec::new(),
    };
    for r in &doc.rankings {
        for e in &r.entries {
            rankings.rows.push(vec![
                t(r.title.as_str()),
                opt(&e.rank, NumStyle::General),
                t(e.name.as_str()),
                opt(&e.total, NumStyle::Fixed2),
                t(tied_label(e.tied)),
            ]);
        }
    }
    if !rankings.rows.is_empty() {
        sections.push(rankings);
    }
    sections
}

fn tied_label(tied: Option<bool>) -> &'static str {
    match tied {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// True for a character that makes a spreadsheet read a cell as a formula.
fn is_formula_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠'
    )
}

/// Prefixes an apostrophe to text a spreadsheet could evaluate as a formula.
fn neutralise(s: &str) -> Cow<'_, str> {
    let first = s.chars().next();
    let after_space = s.trim_start().chars().next();
    let risky = first.is_some_and(is_formula_trigger)
        || (first.is_some_and(char::is_whitespace) && after_space.is_some_and(is_formula_trigger));
    if risky {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// One CSV section: header and rows, CRLF-terminated.
fn table_csv(table: &Table) -> Result<String, OfficeError> {
    let csv_error = |e: csv::Error| OfficeError::Csv(e.to_string());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&table.header).map_err(csv_error)?;
    for row in &table.rows {
        let fields: Vec<Cow<'_, str>> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => neutralise(s),
                Cell::Num(v, _) => Cow::Borrowed(v.0.as_str()),
                Cell::Empty => Cow::Borrowed(""),
            })
            .collect();
        w.write_record(fields.iter().map(|f| f.as_bytes()))
            .map_err(csv_error)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| OfficeError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| OfficeError::Csv(e.to_string()))
}

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

/// Exports the result document as an `.xlsx` workbook, in memory.
///
/// Worksheets, in order:
///
/// 1. `汇总 Summary`: the election title (A1) and id (A2), then from row 4 a
///    table with one row per contest: title, id, the worksheet holding its
///    details, seats, E (应到人数, eligible), P (实到人数, present), I (发出选票,
///    ballots issued), R (收回选票, returned), valid and void ballots, whether
///    the round is valid (有效/无效) with its problems and warnings, the
///    threshold rule and votes needed, the elected names in the document's
///    order, unfilled seats, and the run-off proposal text.
/// 2. One sheet per contest: the candidate table (candidates, then write-ins)
///    and, for evaluations, the subject table: one row per subject (分组
///    `全部`) followed by one row per evaluator group (with its weight), with
///    grade counts, grade rates, 好评率(%) and 得分.
/// 3. One sheet per ranking, named `排名 <title>`, with unresolved ties listed
///    below the table.
///
/// Sheet names are Excel-valid: forbidden characters `[]:*?/\` and control
/// characters become `_`, leading/trailing apostrophes and spaces are
/// removed, names are cut to 31 UTF-16 units, `History` is avoided, and
/// duplicates (compared case-insensitively, as Excel does) get a ` (2)`,
/// ` (3)`, … suffix. An empty title falls back to the id, then to `项目<n>`.
///
/// Cells: every header row is bold and frozen; counts are numbers in General
/// format; percentages are stored as percent numbers (95.00 means 95 %) with
/// the number format `0.00`, as are scores and totals; text is always a
/// string cell (never a formula), cut to Excel's 32,767-character limit.
/// Column widths are computed from the content, counting CJK characters as
/// two.
pub fn result_xlsx(result: &Value) -> Result<Vec<u8>, OfficeError> {
    let doc = Doc::parse(result)?;

    let mut namer = SheetNamer::default();
    let summary_name = namer.name(SUMMARY_SHEET, SUMMARY_SHEET);
    let contest_names: Vec<String> = doc
        .contests
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fallback = first_text(&[&c.id], format!("项目{}", i + 1));
            namer.name(&c.title, &fallback)
        })
        .collect();
    let ranking_names: Vec<String> = doc
        .rankings
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let base = first_text(&[&r.title, &r.id], format!("{}", i + 1));
            namer.name(&format!("排名 {base}"), &format!("排名{}", i + 1))
        })
        .collect();

    let styles = Styles::new();
    let mut workbook = Workbook::new();

    let ws = workbook.add_worksheet();
    ws.set_name(summary_name).map_err(xlsx_error)?;
    write_summary(ws, &doc, &contest_names, &styles)?;

    for (c, name) in doc.contests.iter().zip(&contest_names) {
        let ws = workbook.add_worksheet();
        ws.set_name(name.as_str()).map_err(xlsx_error)?;
        let mut tables = Vec::new();
        if !c.candidates.is_empty() || !c.evaluation {
            tables.push(candidate_table(c));
        }
        if c.evaluation {
            tables.push(subject_table(c));
        }
        let mut sheet = SheetWriter::new(ws, &styles);
        sheet.tables(&tables, 0)?;
        sheet.finish()?;
    }

    for (r, name) in doc.rankings.iter().zip(&ranking_names) {
        let ws = workbook.add_worksheet();
        ws.set_name(name.as_str()).map_err(xlsx_error)?;
        let mut sheet = SheetWriter::new(ws, &styles);
        let mut row = sheet.tables(&[ranking_table(r)], 0)?;
        if !r.unresolved.is_empty() {
            row = row.saturating_add(1);
            sheet.bold(row, 0, "未解决的并列")?;
            for tie in &r.unresolved {
                row = row.saturating_add(1);
                sheet.cell(row, 0, &t(tie.as_str()))?;
            }
        }
        sheet.finish()?;
    }

    workbook.save_to_buffer().map_err(xlsx_error)
}

/// The summary table (one row per contest).
fn summary_table(doc: &Doc, sheet_names: &[String]) -> Table {
    let mut table = Table {
        header: header(&[
            "选举项目",
            "项目编号",
            "工作表",
            "应选名额",
            "应到人数 E",
            "实到人数 P",
            "发出选票 I",
            "收回选票 R",
            "有效票",
            "无效票",
            "选举是否有效",
            "问题",
            "提示",
            "当选规则",
            "当选所需票数",
            "当选人",
            "未选足名额",
            "另行选举建议",
        ]),
        rows: Vec::new(),
    };
    for (c, sheet) in doc.contests.iter().zip(sheet_names) {
        let seats = match (&c.seats, c.evaluation) {
            (Some(s), _) => n(s),
            (None, true) => Cell::Empty,
            (None, false) => n(&Num::zero()),
        };
        table.rows.push(vec![
            t(c.title.as_str()),
            t(c.id.as_str()),
            t(sheet.as_str()),
            seats,
            n(&c.eligible),
            n(&c.present),
            n(&c.issued),
            n(&c.returned),
            n(&c.valid_ballots),
            n(&c.void_ballots),
            t(validity_label(c.valid)),
            t(c.problems.join(LIST_SEP)),
            t(c.warnings.join(LIST_SEP)),
            t(c.threshold_rule.as_str()),
            opt(&c.votes_needed, NumStyle::General),
            t(c.elected.join(NAME_SEP)),
            opt(&c.unfilled, NumStyle::General),
            t(c.runoff.as_str()),
        ]);
    }
    table
}

fn write_summary(
    ws: &mut Worksheet,
    doc: &Doc,
    sheet_names: &[String],
    styles: &Styles,
) -> Result<(), OfficeError> {
    let title = first_text(&[&doc.title], "选举结果".to_string());
    ws.write_string_with_format(0, 0, clip(&title), &styles.title)
        .map_err(xlsx_error)?;
    if !doc.election.is_empty() {
        ws.write_string(1, 0, clip(&format!("选举编号：{}", doc.election)))
            .map_err(xlsx_error)?;
    }
    let mut sheet = SheetWriter::new(ws, styles);
    sheet.tables(&[summary_table(doc, sheet_names)], 3)?;
    sheet.finish()
}

/// Candidate table of a contest sheet: candidates, then write-ins.
fn candidate_table(c: &Contest) -> Table {
    Table {
        header: header(&[
            "候选人",
            "编号",
            "类别",
            "赞成票",
            "反对票/不赞成票",
            "弃权票",
            "名次",
            "结果",
        ]),
        rows: c
            .candidates
            .iter()
            .map(|r| {
                vec![
                    t(r.name.as_str()),
                    t(r.id.as_str()),
                    t(kind_label(r.write_in)),
                    n(&r.votes_for),
                    opt(&r.against, NumStyle::General),
                    opt(&r.abstain, NumStyle::General),
                    opt(&r.rank, NumStyle::General),
                    t(r.status.as_str()),
                ]
            })
            .collect(),
    }
}

/// Subject table of an evaluation sheet: each subject, then its groups.
fn subject_table(c: &Contest) -> Table {
    if c.scored {
        return score_table(c);
    }
    let mut h = header(&["测评对象", "编号", "分组", "权重", "有效票"]);
    h.extend(grade_headers(&c.scale));
    h.extend(c.scale.grades.iter().map(|g| format!("{}率(%)", g.label)));
    h.extend(header(&["好评率(%)", "得分", "提示"]));

    let tally_cells = |tally: &Tally| -> Vec<Cell> {
        let mut cells = vec![n(&tally.valid)];
        cells.extend(tally.counts.iter().map(n));
        cells.push(n(&tally.abstain));
        cells.extend(tally.rates.iter().map(|r| opt(r, NumStyle::Fixed2)));
        cells.push(opt(&tally.favourable, NumStyle::Fixed2));
        cells.push(opt(&tally.score, NumStyle::Fixed2));
        cells.push(t(tally.flags.join(LIST_SEP)));
        cells
    };

    let mut rows = Vec::new();
    for s in &c.subjects {
        let mut row = vec![t(s.name.as_str()), t(s.id.as_str()), t("全部"), Cell::Empty];
        row.extend(tally_cells(&s.tally));
        rows.push(row);
        for g in &s.groups {
            let mut row = vec![
                t(s.name.as_str()),
                t(s.id.as_str()),
                t(g.id.as_str()),
                opt(&g.weight, NumStyle::General),
            ];
            row.extend(tally_cells(&g.tally));
            rows.push(row);
        }
    }
    Table { header: h, rows }
}

/// Table of a rated-score evaluation's sheet: per subject the whole, then each group.
fn score_table(c: &Contest) -> Table {
    let mut h = header(&["测评对象", "编号", "分组", "权重"]);
    h.extend(header(&SCORE_HEADERS));
    let mut rows = Vec::new();
    for s in &c.subjects {
        let mut row = vec![t(s.name.as_str()), t(s.id.as_str()), t("全部"), Cell::Empty];
        row.extend(s.scores.cells());
        rows.push(row);
        for g in &s.groups {
            let mut row = vec![
                t(s.name.as_str()),
                t(s.id.as_str()),
                t(g.id.as_str()),
                opt(&g.weight, NumStyle::General),
            ];
            row.extend(g.scores.cells());
            rows.push(row);
        }
    }
    Table { header: h, rows }
}

/// Table of a ranking sheet.
fn ranking_table(r: &Ranking) -> Table {
    Table {
        header: header(&["名次", "编号", "姓名", "综合得分", "并列"]),
        rows: r
            .entries
            .iter()
            .map(|e| {
                vec![
                    opt(&e.rank, NumStyle::General),
                    t(e.id.as_str()),
                    t(e.name.as_str()),
                    opt(&e.total, NumStyle::Fixed2),
                    t(tied_label(e.tied)),
                ]
            })
            .collect(),
    }
}

/// Cell formats of the workbook.
struct Styles {
    header: Format,
    title: Format,
    fixed2: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(14),
            fixed2: Format::new().set_num_format("0.00"),
        }
    }
}

/// Cuts text to Excel's cell limit of 32,767 UTF-16 units.
fn clip(s: &str) -> &str {
    truncate_utf16(s, MAX_CELL_TEXT)
}

/// Longest prefix of `s` of at most `max` UTF-16 units, on a char boundary.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0usize;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return s.get(..i).unwrap_or("");
        }
    }
    s
}

/// Approximate display width of text, in Excel column units: CJK and other
/// wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let cp = u32::from(c);
            let wide = matches!(cp,
                0x1100..=0x115F
                | 0x2E80..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x1F300..=0x1FAFF
                | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Writes tables to one worksheet and tracks column widths.
struct SheetWriter<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    widths: Vec<usize>,
    frozen: bool,
}

impl<'a> SheetWriter<'a> {
    fn new(ws: &'a mut Worksheet, styles: &'a Styles) -> SheetWriter<'a> {
        SheetWriter {
            ws,
            styles,
            widths: Vec::new(),
            frozen: false,
        }
    }

    fn col(index: usize) -> Result<ColNum, OfficeError> {
        ColNum::try_from(index)
            .map_err(|_| OfficeError::TooLarge(format!("column {index} is beyond Excel's limit")))
    }

    fn row(index: usize) -> Result<RowNum, OfficeError> {
        RowNum::try_from(index)
            .map_err(|_| OfficeError::TooLarge(format!("row {index} is beyond Excel's limit")))
    }

    fn measure(&mut self, col: ColNum, width: usize) {
        let i = usize::from(col);
        if self.widths.len() <= i {
            self.widths.resize(i + 1, 0);
        }
        if let Some(w) = self.widths.get_mut(i) {
            *w = (*w).max(width);
        }
    }

    /// Writes bold label text.
    fn bold(&mut self, row: RowNum, col: ColNum, label: &str) -> Result<(), OfficeError> {
        self.ws
            .write_string_with_format(row, col, clip(label), &self.styles.header)
            .map_err(xlsx_error)?;
        self.measure(col, display_width(label));
        Ok(())
    }

    /// Writes one cell: text as a string cell, numbers as numbers.
    fn cell(&mut self, row: RowNum, col: ColNum, cell: &Cell) -> Result<(), OfficeError> {
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                if !s.is_empty() {
                    let s = clip(s);
                    self.ws.write_string(row, col, s).map_err(xlsx_error)?;
                    self.measure(col, display_width(s));
                }
            }
            Cell::Num(v, style) => {
                match (v.to_f64(), style) {
                    (Some(x), NumStyle::General) => {
                        self.ws.write_number(row, col, x).map_err(xlsx_error)?;
                    }
                    (Some(x), NumStyle::Fixed2) => {
                        self.ws
                            .write_number_with_format(row, col, x, &self.styles.fixed2)
                            .map_err(xlsx_error)?;
                    }
                    (None, _) => {
                        self.ws
                            .write_string(row, col, clip(&v.0))
                            .map_err(xlsx_error)?;
                    }
                }
                let extra = if *style == NumStyle::Fixed2 { 3 } else { 0 };
                self.measure(col, v.0.len() + extra);
            }
        }
        Ok(())
    }

    /// Writes tables from `start` down, one empty row between them; the
    /// first header row is frozen. Returns the row after the last one
    /// written.
    fn tables(&mut self, tables: &[Table], start: usize) -> Result<RowNum, OfficeError> {
        let mut row = start;
        for (i, table) in tables.iter().enumerate() {
            if i > 0 {
                row = row.saturating_add(1);
            }
            let header_row = Self::row(row)?;
            for (c, label) in table.header.iter().enumerate() {
                self.bold(header_row, Self::col(c)?, label)?;
            }
            if !self.frozen {
                self.ws
                    .set_freeze_panes(header_row.saturating_add(1), 0)
                    .map_err(xlsx_error)?;
                self.frozen = true;
            }
            for cells in &table.rows {
                row = row.saturating_add(1);
                let r = Self::row(row)?;
                for (c, cell) in cells.iter().enumerate() {
                    self.cell(r, Self::col(c)?, cell)?;
                }
            }
            row = row.saturating_add(1);
        }
        Self::row(row)
    }

    /// Applies the measured column widths (content + 2, within 8..=60).
    fn finish(self) -> Result<(), OfficeError> {
        for (i, w) in self.widths.iter().enumerate() {
            let width = (w.saturating_add(2)).clamp(8, 60);
            let width = u32::try_from(width).unwrap_or(60);
            self.ws
                .set_column_width(Self::col(i)?, width)
                .map_err(xlsx_error)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Sheet names
// ---------------------------------------------------------------------------

/// Hands out valid, unique worksheet names.
#[derive(Debug, Default)]
struct SheetNamer {
    /// Names in use, lower-cased (Excel compares names case-insensitively).
    used: HashSet<String>,
    /// Next suffix to try for a base name, lower-cased.
    next: HashMap<String, usize>,
}

impl SheetNamer {
    fn taken(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        lower == "history" || self.used.contains(&lower)
    }

    /// A valid name derived from `raw` (or `fallback` if nothing of `raw`
    /// survives), unique among the names handed out so far.
    fn name(&mut self, raw: &str, fallback: &str) -> String {
        let mut base = sanitize_sheet_name(raw);
        if base.is_empty() {
            base = sanitize_sheet_name(fallback);
        }
        if base.is_empty() {
            base = "Sheet".to_string();
        }
        let whole = trim_sheet_end(truncate_utf16(&base, MAX_SHEET_NAME)).to_string();
        if !whole.is_empty() && !self.taken(&whole) {
            self.used.insert(whole.to_lowercase());
            return whole;
        }
        let key = base.to_lowercase();
        let mut index = self.next.get(&key).copied().unwrap_or(2);
        loop {
            let suffix = format!(" ({index})");
            let room = MAX_SHEET_NAME.saturating_sub(suffix.len());
            let stem = trim_sheet_end(truncate_utf16(&base, room));
            let candidate = format!("{stem}{suffix}");
            index = index.saturating_add(1);
            if !self.taken(&candidate) {
                self.next.insert(key, index);
                self.used.insert(candidate.to_lowercase());
                return candidate;
            }
        }
    }
}

/// Replaces characters Excel forbids in sheet names (and control characters)
/// with `_`, and trims spaces and apostrophes at both ends.
fn sanitize_sheet_name(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| {
            if SHEET_FORBIDDEN.contains(&c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    replaced
        .trim_matches(|c: char| c.is_whitespace() || c == '\'')
        .to_string()
}

fn trim_sheet_end(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || c == '\'')
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use serde_json::json;
    use std::io::{Cursor, Read};

    /// A party committee election with a write-in and a run-off, plus an
    /// evaluation with evaluator groups, plus a ranking.
    fn sample() -> Value {
        serde_json::from_str(
            r#"{
            "format": "scrutineer.result/v1",
            "election": "qingshan-2026",
            "title": "青山镇第十六次党代会",
            "contests": [
                {
                    "id": "committee",
                    "title": "镇党委委员",
                    "kind": "party_committee",
                    "seats": 7,
                    "valid": true,
                    "problems": [],
                    "warnings": [{"code": "override_below_statute", "message": "差额比例低于规定"}],
                    "turnout": {"eligible": 150, "present": 142, "ballots_issued": 142},
                    "ballots": {"issued": 142, "returned": 142, "valid": 140, "void": 2},
                    "threshold": {"rule": "2·for > P", "votes_needed": 72},
                    "candidates": [
                        {"id": "c1", "name": "王建国", "for": 139, "against": 0, "abstain": 1, "status": "elected", "rank": 1},
                        {"id": "c2", "name": "李秀英", "for": 120, "against": 15, "abstain": 5, "status": "elected", "rank": 2},
                        {"id": "d3", "name": "赵六", "for": 70, "against": 60, "abstain": 10, "status": "tied", "rank": 8},
                        {"id": "d4", "name": "孙七", "for": 70, "against": 61, "abstain": 9, "status": "tied", "rank": 8}
                    ],
                    "write_ins": [{"name": "钱进", "for": 1, "status": "not_elected", "rank": 9}],
                    "elected": ["c2", "c1"],
                    "unfilled_seats": 1,
                    "runoff": {"seats": 1, "candidates": ["d3", "d4"], "reason": "tie", "message": "第七名票数相等"}
                },
                {
                    "id": "eval",
                    "title": "领导干部民主测评",
                    "kind": "evaluation",
                    "valid": false,
                    "problems": [{"code": "quorum_not_met", "message": "到会人数不足"}],
                    "warnings": [],
                    "turnout": {"eligible": 45, "present": 40, "ballots_issued": 40},
                    "ballots": {"issued": 40, "returned": 40, "valid": 40, "void": 0},
                    "threshold": null,
                    "candidates": [],
                    "write_ins": [],
                    "elected": [],
                    "unfilled_seats": 0,
                    "runoff": null,
                    "scale": "individual",
                    "subjects": [{
                        "id": "s1", "name": "张明", "valid": 40,
                        "counts": {"excellent": 27, "competent": 11, "basic": 2, "incompetent": 0, "abstain": 0},
                        "rates": {"excellent": "67.50", "competent": "27.50", "basic": "5.00", "incompetent": "0.00"},
                        "favourable_rate": "95.00", "score": "92.80",
                        "flags": [{"code": "favourable_below", "message": "好评率低于要求"}],
                        "groups": [{
                            "id": "leaders", "weight": "20", "valid": 5,
                            "counts": {"excellent": 5, "competent": 0, "basic": 0, "incompetent": 0, "abstain": 0},
                            "rates": {"excellent": "100.00", "competent": "0.00", "basic": "0.00", "incompetent": "0.00"},
                            "favourable_rate": "100.00", "score": "96.00", "flags": []
                        }]
                    }]
                }
            ],
            "rankings": [{
                "id": "post", "title": "竞争上岗",
                "entries": [
                    {"id": "s2", "name": "李华", "rank": 1, "total": "82.27", "tied": false},
                    {"id": "s1", "name": "张明", "rank": 2, "total": "80.10", "tied": false}
                ],
                "unresolved_ties": []
            }]
        }"#,
        )
        .unwrap()
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens")
    }

    /// The cell at an absolute position (row, column), zero-based.
    fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    /// The decimal text of a numeric cell; panics if the cell is not a
    /// number (so numbers written as text are caught). Compares as text, not
    /// as floats.
    fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
        match cell(range, row, col) {
            Data::Float(x) => format!("{x}"),
            Data::Int(i) => i.to_string(),
            other => panic!("({row}, {col}) is not a number: {other:?}"),
        }
    }

    /// Every `xl/worksheets/*.xml` part of the workbook, as text.
    fn sheet_xml(bytes: &[u8]) -> Vec<String> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        names
            .iter()
            .filter(|n| n.starts_with("xl/worksheets/sheet"))
            .map(|n| {
                let mut s = String::new();
                zip.by_name(n).unwrap().read_to_string(&mut s).unwrap();
                s
            })
            .collect()
    }

    fn assert_valid_sheet_name(name: &str) {
        assert!(!name.is_empty(), "blank sheet name");
        assert!(name.encode_utf16().count() <= 31, "too long: {name}");
        assert!(
            !name.contains(SHEET_FORBIDDEN),
            "forbidden character in {name}"
        );
        assert!(!name.starts_with('\'') && !name.ends_with('\''), "{name}");
        assert_ne!(name.to_lowercase(), "history");
    }

    #[test]
    fn csv_has_bom_and_chinese_rows() {
        let csv = result_csv(&sample()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "选举项目,项目编号,应选名额,候选人,赞成票,反对票/不赞成票,弃权票,名次,结果,类别"
        );
        assert_eq!(
            lines[1],
            "镇党委委员,committee,7,王建国,139,0,1,1,当选,候选人"
        );
        assert!(lines.contains(&"镇党委委员,committee,7,赵六,70,60,10,8,票数相等,候选人"));
        assert!(lines.contains(&"镇党委委员,committee,7,钱进,1,,,9,未当选,另选人"));
        // Evaluation section after an empty line, with its own header.
        let blank = lines.iter().position(|l| l.is_empty()).unwrap();
        assert_eq!(
            lines[blank + 1],
            "测评项目,测评对象,优秀,称职,基本称职,不称职,未评,好评率(%),得分,提示"
        );
        assert_eq!(
            lines[blank + 2],
            "领导干部民主测评,张明,27,11,2,0,0,95.00,92.80,好评率低于要求"
        );
        // Ranking section.
        assert!(lines.contains(&"排名项目,名次,姓名,综合得分,并列"));
        assert!(lines.contains(&"竞争上岗,1,李华,82.27,否"));
        assert_eq!(lines.iter().filter(|l| l.is_empty()).count(), 3); // 2 separators + trailing CRLF
    }

    #[test]
    fn csv_parses_back_with_proper_quoting() {
        let mut doc = sample();
        doc["contests"][0]["candidates"][0]["name"] = json!("王\"建,国\n");
        let csv = result_csv(&doc).unwrap();
        let body = csv.trim_start_matches('\u{feff}');
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(body.as_bytes());
        let first = rdr.records().next().unwrap().unwrap();
        assert_eq!(&first[3], "王\"建,国\n");
    }

    #[test]
    fn csv_neutralises_formulas() {
        let mut doc = sample();
        doc["contests"][0]["candidates"][0]["name"] = json!("=HYPERLINK(\"http://x\",\"y\")");
        doc["contests"][0]["candidates"][1]["name"] = json!("+1");
        doc["contests"][0]["write_ins"][0]["name"] = json!("@SUM(A1)");
        doc["contests"][0]["title"] = json!("-2+3");
        doc["contests"][1]["subjects"][0]["name"] = json!("\t=1");
        doc["contests"][1]["subjects"][0]["score"] = json!("=1+1");
        let csv = result_csv(&doc).unwrap();
        let body = csv.trim_start_matches('\u{feff}');
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(body.as_bytes());
        let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(&records[0][0], "'-2+3");
        assert_eq!(&records[0][3], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&records[1][3], "'+1");
        assert_eq!(&records[4][3], "'@SUM(A1)");
        let subject = records.iter().find(|r| r.get(1) == Some("'\t=1")).unwrap();
        // A malformed score is not a number: it is left empty.
        assert_eq!(&subject[8], "");
        // No cell of any record starts with a formula trigger.
        for r in &records {
            for f in r.iter() {
                assert!(!f.starts_with(['=', '+', '-', '@', '\t', '\r']), "{f}");
            }
        }
        assert_eq!(neutralise("  =1"), "'  =1");
        assert_eq!(neutralise("＝1"), "'＝1");
        assert_eq!(neutralise("王建国"), "王建国");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn xlsx_opens_with_expected_sheets_and_values() {
        let bytes = result_xlsx(&sample()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let mut wb = open(bytes);
        assert_eq!(
            wb.sheet_names(),
            vec![
                "汇总 Summary",
                "镇党委委员",
                "领导干部民主测评",
                "排名 竞争上岗"
            ]
        );

        let summary = wb.worksheet_range("汇总 Summary").unwrap();
        assert_eq!(
            cell(&summary, 0, 0),
            Data::String("青山镇第十六次党代会".into())
        );
        assert_eq!(cell(&summary, 3, 0), Data::String("选举项目".into()));
        assert_eq!(cell(&summary, 3, 4), Data::String("应到人数 E".into()));
        assert_eq!(cell(&summary, 4, 0), Data::String("镇党委委员".into()));
        assert_eq!(cell(&summary, 4, 2), Data::String("镇党委委员".into()));
        assert_eq!(number(&summary, 4, 3), "7");
        assert_eq!(number(&summary, 4, 4), "150");
        assert_eq!(number(&summary, 4, 5), "142");
        assert_eq!(number(&summary, 4, 8), "140");
        assert_eq!(number(&summary, 4, 9), "2");
        assert_eq!(cell(&summary, 4, 10), Data::String("有效".into()));
        assert_eq!(
            cell(&summary, 4, 12),
            Data::String("差额比例低于规定".into())
        );
        assert_eq!(number(&summary, 4, 14), "72");
        // Elected names in the document's list order.
        assert_eq!(cell(&summary, 4, 15), Data::String("李秀英、王建国".into()));
        assert_eq!(
            cell(&summary, 4, 17),
            Data::String(
                "建议另行选举1名，候选人：赵六、孙七（原因：票数相等）。第七名票数相等".into()
            )
        );
        assert_eq!(cell(&summary, 5, 10), Data::String("无效".into()));
        assert_eq!(cell(&summary, 5, 11), Data::String("到会人数不足".into()));

        let committee = wb.worksheet_range("镇党委委员").unwrap();
        assert_eq!(cell(&committee, 0, 0), Data::String("候选人".into()));
        assert_eq!(cell(&committee, 1, 0), Data::String("王建国".into()));
        assert_eq!(number(&committee, 1, 3), "139");
        assert_eq!(cell(&committee, 1, 7), Data::String("当选".into()));
        assert_eq!(cell(&committee, 5, 0), Data::String("钱进".into()));
        assert_eq!(cell(&committee, 5, 2), Data::String("另选人".into()));
        assert_eq!(cell(&committee, 5, 4), Data::Empty);

        let eval = wb.worksheet_range("领导干部民主测评").unwrap();
        assert_eq!(cell(&eval, 0, 5), Data::String("优秀".into()));
        assert_eq!(cell(&eval, 0, 10), Data::String("优秀率(%)".into()));
        assert_eq!(cell(&eval, 1, 0), Data::String("张明".into()));
        assert_eq!(number(&eval, 1, 4), "40");
        assert_eq!(number(&eval, 1, 5), "27");
        assert_eq!(number(&eval, 1, 10), "67.5");
        assert_eq!(number(&eval, 1, 14), "95");
        assert_eq!(number(&eval, 1, 15), "92.8");
        assert_eq!(cell(&eval, 2, 2), Data::String("leaders".into()));
        assert_eq!(number(&eval, 2, 3), "20");
        assert_eq!(number(&eval, 2, 15), "96");

        let ranking = wb.worksheet_range("排名 竞争上岗").unwrap();
        assert_eq!(cell(&ranking, 1, 2), Data::String("李华".into()));
        assert_eq!(number(&ranking, 1, 3), "82.27");
    }

    #[test]
    fn xlsx_has_bold_frozen_headers_and_formats() {
        let bytes = result_xlsx(&sample()).unwrap();
        let xml = sheet_xml(&bytes);
        assert_eq!(xml.len(), 4);
        // Frozen panes below the header row of each sheet.
        assert!(xml[0].contains(r#"topLeftCell="A5""#));
        for sheet in &xml[1..] {
            assert!(sheet.contains(r#"state="frozen""#) && sheet.contains(r#"topLeftCell="A2""#));
            assert!(sheet.contains("<cols>"));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        assert!(styles.contains(r#"formatCode="0.00""#));
        assert!(styles.contains("<b/>"));
    }

    #[test]
    fn xlsx_writes_formula_like_names_as_strings() {
        let mut doc = sample();
        doc["contests"][0]["candidates"][0]["name"] = json!("=1+1");
        doc["contests"][0]["write_ins"][0]["name"] = json!("@SUM(A1:A9)");
        doc["contests"][1]["subjects"][0]["name"] = json!("+cmd|' /C calc'!A0");
        let bytes = result_xlsx(&doc).unwrap();
        for sheet in sheet_xml(&bytes) {
            assert!(!sheet.contains("<f>"), "formula cell written");
        }
        let mut wb = open(bytes);
        let committee = wb.worksheet_range("镇党委委员").unwrap();
        assert_eq!(cell(&committee, 1, 0), Data::String("=1+1".into()));
        assert_eq!(cell(&committee, 5, 0), Data::String("@SUM(A1:A9)".into()));
        let eval = wb.worksheet_range("领导干部民主测评").unwrap();
        assert_eq!(cell(&eval, 1, 0), Data::String("+cmd|' /C calc'!A0".into()));
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let long = "中共青山镇第十六次代表大会第一次全体会议选举镇党委委员及书记副书记候选人";
        let titles = [
            long,
            long,
            "a[b]:c*d?e/f\\g",
            "a[b]:c*d?e/f\\g",
            "汇总 SUMMARY",
            "History",
            "'quoted'",
            "''",
            "",
            "   ",
            "Contest",
            "contest",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        ];
        let mut doc = sample();
        let contest = doc["contests"][0].clone();
        let contests: Vec<Value> = titles
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let mut c = contest.clone();
                c["title"] = json!(title);
                c["id"] = json!(if i == 8 {
                    String::new()
                } else {
                    format!("k{i}")
                });
                c
            })
            .collect();
        doc["contests"] = Value::Array(contests);
        doc["rankings"][0]["title"] = json!("a/b");
        let bytes = result_xlsx(&doc).unwrap();
        let wb = open(bytes);
        let names = wb.sheet_names();
        assert_eq!(names.len(), titles.len() + 2);
        let mut seen = HashSet::new();
        for name in &names {
            assert_valid_sheet_name(name);
            assert!(seen.insert(name.to_lowercase()), "duplicate {name}");
        }
        assert_eq!(names[1].encode_utf16().count(), 31);
        assert!(names[2].ends_with(" (2)"));
        assert_eq!(names[3], "a_b__c_d_e_f_g");
        assert_eq!(names[4], "a_b__c_d_e_f_g (2)");
        assert_eq!(names[5], "汇总 SUMMARY (2)");
        assert_eq!(names[6], "History (2)");
        assert_eq!(names[7], "quoted");
        assert_eq!(names[8], "k7");
        assert_eq!(names[9], "项目9");
        assert_eq!(names[10], "k9");
        assert_eq!(names[12], "contest (2)");
        assert_eq!(names[14], "排名 a_b");
    }

    #[test]
    fn many_duplicate_titles_stay_unique() {
        let mut namer = SheetNamer::default();
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let name = namer.name(
                "镇党委委员镇党委委员镇党委委员镇党委委员镇党委委员镇党委委员镇党委委员",
                "x",
            );
            assert_valid_sheet_name(&name);
            assert!(seen.insert(name.to_lowercase()));
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            json!(null),
            json!(42),
            json!("text"),
            json!([]),
            json!({}),
            json!({"format": "scrutineer.result/v1"}),
            json!({"format": "scrutineer.result/v1", "contests": {}}),
            json!({"format": "scrutineer.result/v1", "contests": []}),
            json!({"format": "other/v9", "contests": [{}]}),
        ] {
            let e = result_csv(&bad).unwrap_err();
            assert_eq!(e.code(), "office_input", "{bad}");
            let e = result_xlsx(&bad).unwrap_err();
            assert_eq!(e.code(), "office_input", "{bad}");
        }
    }

    #[test]
    fn malformed_fields_are_tolerated() {
        let doc = json!({
            "contests": [
                {},
                7,
                {"title": ["x"], "seats": "seven", "candidates": [null, 3, {"name": 5, "for": "12", "rank": {}}],
                 "write_ins": "none", "turnout": [], "ballots": {"valid": -1}, "elected": [null, {}, "zz"],
                 "runoff": {"candidates": "d3"}, "threshold": 5},
                {"scale": "unknown", "subjects": [{"name": "甲", "counts": {"a": 1, "b": "2", "abstain": 3}, "groups": {}}, "junk"]},
                {"scale": "team", "subjects": [{"name": "乙", "counts": null, "rates": 3, "flags": [1, {"code": "c"}]}]}
            ],
            "rankings": [null, {"entries": [{}, 1], "unresolved_ties": [["s1", "s2"], "s3", {"ids": ["a"], "message": "m"}, 5]}]
        });
        let csv = result_csv(&doc).unwrap();
        assert!(csv.contains(",,0,5,12,0,0,,,候选人"));
        assert!(csv.contains("测评项目,测评对象,a,b,未评,好评率(%),得分,提示"));
        assert!(csv.contains(",甲,1,2,3,,,"));
        assert!(csv.contains("测评项目,测评对象,好,较好,一般,差,未评,好评率(%),得分,提示"));
        assert!(csv.contains(",乙,0,0,0,0,0,,,c"));
        let bytes = result_xlsx(&doc).unwrap();
        let mut wb = open(bytes);
        assert_eq!(wb.sheet_names().len(), 1 + 5 + 2);
        let summary = wb.worksheet_range("汇总 Summary").unwrap();
        assert_eq!(cell(&summary, 0, 0), Data::String("选举结果".into()));
        assert_eq!(number(&summary, 6, 8), "-1");
        assert_eq!(cell(&summary, 6, 15), Data::String("zz".into()));
        assert_eq!(cell(&summary, 6, 17), Data::String("建议另行选举".into()));
    }

    #[test]
    fn unresolved_ties_are_listed() {
        let mut doc = sample();
        doc["rankings"][0]["unresolved_ties"] = json!([["s1", "s2"]]);
        let mut wb = open(result_xlsx(&doc).unwrap());
        let ranking = wb.worksheet_range("排名 竞争上岗").unwrap();
        assert_eq!(cell(&ranking, 4, 0), Data::String("未解决的并列".into()));
        assert_eq!(cell(&ranking, 5, 0), Data::String("张明、李华".into()));
    }

    #[test]
    fn too_large_documents_are_refused() {
        let many = json!({"contests": vec![json!({}); MAX_CONTESTS + 1]});
        assert_eq!(result_csv(&many).unwrap_err().code(), "office_too_large");
        assert_eq!(result_xlsx(&many).unwrap_err().code(), "office_too_large");

        let rows = json!({"contests": [
            {"candidates": vec![json!({}); MAX_ROWS / 2]},
            {"write_ins": vec![json!({}); MAX_ROWS / 2 + 1]}
        ]});
        assert_eq!(result_csv(&rows).unwrap_err().code(), "office_too_large");
        assert_eq!(result_xlsx(&rows).unwrap_err().code(), "office_too_large");
    }

    #[test]
    fn long_text_is_clipped_for_excel() {
        let mut doc = sample();
        doc["contests"][0]["candidates"][0]["name"] = json!("名".repeat(40_000));
        let mut wb = open(result_xlsx(&doc).unwrap());
        let committee = wb.worksheet_range("镇党委委员").unwrap();
        match cell(&committee, 1, 0) {
            Data::String(s) => assert_eq!(s.chars().count(), MAX_CELL_TEXT),
            other => panic!("unexpected {other:?}"),
        }
        assert!(result_csv(&doc).unwrap().contains(&"名".repeat(40_000)));
    }

    #[test]
    fn decimals_are_recognised() {
        assert!(is_decimal("95.00"));
        assert!(is_decimal("-3"));
        assert!(is_decimal("140"));
        for bad in [
            "", "-", ".5", "5.", "1e3", "NaN", "inf", "1.2.3", "=1", " 1",
        ] {
            assert!(!is_decimal(bad), "{bad}");
        }
        assert!(!is_decimal(&"9".repeat(31)));
    }
}
