//! Office export of a result document (`scrutineer.result/v1`) as CSV and
//! XLSX, labelled in Chinese first
//! (`csv.rs`, `xlsx.rs`, sheet names in `sheets.rs`).
//!
//! The election office needs the result in the tools it already uses: a CSV
//! file for quick inspection and import, and an Excel workbook for printing
//! and filing. Both exports are computed from the result document alone (read
//! as a [`ResultV1`]) and never change a number: counts, rates and scores
//! are copied verbatim from the document, only labels are translated.
//!
//! # Robustness
//!
//! The input is treated as untrusted:
//!
//! * More than [`MAX_CONTESTS`] contests (or rankings), or more than
//!   [`MAX_ROWS`] table rows in total (candidates, write-ins, subjects,
//!   subject groups and ranking entries) are refused with
//!   [`OfficeError::TooLarge`] (`office_too_large`) before anything is read.
//! * A document that does not parse as a [`ResultV1`] (any missing or
//!   mistyped field, a count that is not a whole number, a rate or score
//!   that is not decimal text, a `format` other than `scrutineer.result/v1`),
//!   or that has no contests, is refused with [`OfficeError::Input`]
//!   (`office_input`) naming what is wrong: nothing is exported with blanks.
//! * Names and titles are user input. In CSV, cells that a spreadsheet could
//!   take for a formula are prefixed with an apostrophe (see
//!   [`result_csv`]). In XLSX every text cell is written as a string cell,
//!   never as a formula, so no prefix is needed there.

use crate::codes::Code;
use std::collections::HashMap;

use rust_xlsxwriter::XlsxError;
use serde_json::Value;

use crate::present::labels;
use crate::record::result_v1::{
    ContestV1, GradeFiguresV1, NoticeV1, RankingV1, ResultV1, ScoreFiguresV1, SubjectsV1,
};

mod csv;
mod sheets;
#[cfg(test)]
mod tests;
mod xlsx;

pub use self::csv::result_csv;
pub use self::xlsx::result_xlsx;

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
// Labels
// ---------------------------------------------------------------------------

/// Chinese label of a candidate or subject status; unknown codes are kept.
fn status_label(code: &str) -> String {
    labels::status(code).map_or(code, |l| l.zh).to_string()
}

/// Chinese label of a run-off reason; unknown codes are kept. Only `tie` is translated here:
/// the office files have always printed `shortfall` as its code (the board says 未选足名额);
/// translating it would change the XLSX summary's bytes.
fn runoff_reason_label(code: &str) -> String {
    match code {
        "tie" => labels::runoff_reason(code).map_or(code, |l| l.zh),
        other => other,
    }
    .to_string()
}

// ---------------------------------------------------------------------------
// Numbers and text
// ---------------------------------------------------------------------------

/// A number copied from the document, kept as its decimal text so that the
/// CSV shows exactly what the document says ("95.00" stays "95.00").
#[derive(Clone, Debug, PartialEq, Eq)]
struct Num(String);

impl Num {
    fn zero() -> Num {
        Num("0".to_string())
    }

    fn count(n: u64) -> Num {
        Num(n.to_string())
    }

    /// The value for a spreadsheet cell; `None` if it is not a finite number (a weight
    /// such as `1/3` is written as text).
    fn to_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|x| x.is_finite())
    }
}

fn text_num(s: &Option<String>) -> Option<Num> {
    s.as_ref().map(|s| Num(s.clone()))
}

/// Messages of notices: the message where there is one, else the code.
fn messages(list: &[NoticeV1]) -> Vec<String> {
    list.iter()
        .map(|n| {
            if n.message.is_empty() {
                n.code.clone()
            } else {
                n.message.clone()
            }
        })
        .filter(|m| !m.is_empty())
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
    /// The contest's scale; for another scale name the grades are the keys of
    /// the first subject's `counts` (without `abstain`), labelled with the keys.
    fn of(contest: &ContestV1) -> Scale {
        let subjects = match &contest.subjects {
            Some(SubjectsV1::Graded(s)) => s.as_slice(),
            _ => &[],
        };
        let grades = labels::scale_grades(contest.scale.as_deref(), subjects)
            .into_iter()
            .map(|g| Grade {
                key: g.key,
                label: g.zh,
            })
            .collect();
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
    fn of(f: &ScoreFiguresV1, score: &Option<String>, flags: &[NoticeV1]) -> Scores {
        Scores {
            valid: Num::count(f.valid),
            raters: Num::count(f.raters),
            unscored: Num::count(f.unscored),
            dropped_high: f.dropped.map(|d| Num::count(d.highest)),
            dropped_low: f.dropped.map(|d| Num::count(d.lowest)),
            mean: text_num(&f.mean),
            score: text_num(score),
            flags: messages(flags),
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
    fn of(f: &GradeFiguresV1, scale: &Scale) -> Tally {
        let count = |k: &str| f.counts.get(k).map_or_else(Num::zero, |n| Num::count(*n));
        Tally {
            valid: Num::count(f.valid),
            counts: scale.grades.iter().map(|g| count(&g.key)).collect(),
            abstain: count("abstain"),
            rates: scale
                .grades
                .iter()
                .map(|g| f.rates.get(&g.key).map(|r| Num(r.clone())))
                .collect(),
            favourable: Some(Num(f.favourable_rate.clone())),
            score: text_num(&f.score),
            flags: messages(&f.flags),
        }
    }
}

/// A group of evaluators within a subject's result.
#[derive(Clone, Debug)]
struct Group<F> {
    id: String,
    weight: Option<Num>,
    figures: F,
}

/// An evaluated person or team.
#[derive(Clone, Debug)]
struct Subject<F> {
    id: String,
    name: String,
    figures: F,
    groups: Vec<Group<F>>,
}

/// A contest, flattened for export.
#[derive(Clone, Debug)]
struct Contest {
    id: String,
    title: String,
    evaluation: bool,
    seats: Num,
    valid: bool,
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
    unfilled: Num,
    runoff: String,
    scale: Scale,
    /// A rated-score evaluation (`scale: "score"`): its subjects carry scores, not grades.
    scored: bool,
    graded: Vec<Subject<Tally>>,
    rated: Vec<Subject<Scores>>,
}

impl Contest {
    fn of(v: &ContestV1) -> Contest {
        let mut candidates: Vec<CandidateRow> = v
            .candidates
            .iter()
            .map(|c| CandidateRow {
                id: c.id.clone(),
                name: c.name.clone(),
                write_in: false,
                votes_for: Num::count(c.votes_for),
                against: Some(Num::count(c.against)),
                abstain: Some(Num::count(c.abstain)),
                rank: Some(Num::count(c.rank)),
                status: status_label(&c.status),
            })
            .collect();
        candidates.extend(v.write_ins.iter().map(|w| CandidateRow {
            id: String::new(),
            name: w.name.clone(),
            write_in: true,
            votes_for: Num::count(w.votes_for),
            against: None,
            abstain: None,
            rank: Some(Num::count(w.rank)),
            status: status_label(&w.status),
        }));

        // Ids resolve to names: candidates by id (the first of an id).
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
        let elected = v
            .elected
            .iter()
            .map(|e| resolve(e))
            .filter(|n| !n.is_empty())
            .collect();
        let runoff = match &v.runoff {
            Some(r) => runoff_text(r, &resolve),
            None => String::new(),
        };

        let scale = Scale::of(v);
        let (mut graded, mut rated) = (Vec::new(), Vec::new());
        match &v.subjects {
            Some(SubjectsV1::Graded(list)) => {
                graded = list
                    .iter()
                    .map(|s| Subject {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        figures: Tally::of(&s.figures, &scale),
                        groups: s
                            .groups
                            .iter()
                            .map(|g| Group {
                                id: g.id.clone(),
                                weight: text_num(&g.weight),
                                figures: Tally::of(&g.figures, &scale),
                            })
                            .collect(),
                    })
                    .collect();
            }
            Some(SubjectsV1::Scored(list)) => {
                rated = list
                    .iter()
                    .map(|s| Subject {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        figures: Scores::of(&s.figures, &s.score, &s.flags),
                        groups: s
                            .groups
                            .iter()
                            .map(|g| Group {
                                id: g.id.clone(),
                                weight: text_num(&g.weight),
                                figures: Scores::of(&g.figures, &None, &[]),
                            })
                            .collect(),
                    })
                    .collect();
            }
            None => {}
        }
        let evaluation = v.scale.is_some() || v.subjects.as_ref().is_some_and(|s| !s.is_empty());

        Contest {
            id: v.id.clone(),
            title: v.title.clone(),
            evaluation,
            seats: Num::count(v.seats),
            valid: v.valid,
            problems: messages(&v.problems),
            warnings: messages(&v.warnings),
            eligible: Num::count(v.turnout.eligible),
            present: Num::count(v.turnout.present),
            issued: Num::count(v.turnout.ballots_issued),
            returned: Num::count(v.ballots.returned),
            valid_ballots: Num::count(v.ballots.valid),
            void_ballots: Num::count(v.ballots.void),
            threshold_rule: v
                .threshold
                .as_ref()
                .map_or(String::new(), |t| t.rule.clone()),
            votes_needed: v
                .threshold
                .as_ref()
                .and_then(|t| t.votes_needed)
                .map(Num::count),
            candidates,
            elected,
            unfilled: Num::count(v.unfilled_seats),
            runoff,
            scored: v.is_scored(),
            scale,
            graded,
            rated,
        }
    }
}

/// Chinese text of a run-off proposal, e.g.
/// `建议另行选举1名，候选人：王五、赵六（原因：票数相等）。<message>`.
fn runoff_text(r: &crate::record::result_v1::RunoffV1, resolve: &dyn Fn(&str) -> String) -> String {
    let mut out = String::from("建议另行选举");
    out.push_str(&r.seats.to_string());
    out.push('名');
    let names: Vec<String> = r
        .candidates
        .iter()
        .map(|c| resolve(c))
        .filter(|n| !n.is_empty())
        .collect();
    if !names.is_empty() {
        out.push_str("，候选人：");
        out.push_str(&names.join(NAME_SEP));
    }
    if !r.reason.is_empty() {
        out.push_str("（原因：");
        out.push_str(&runoff_reason_label(&r.reason));
        out.push('）');
    }
    if !r.message.is_empty() {
        out.push('。');
        out.push_str(&r.message);
    }
    out
}

/// One line of a ranking.
#[derive(Clone, Debug)]
struct RankingEntry {
    id: String,
    name: String,
    rank: Num,
    total: Option<Num>,
    tied: bool,
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
    fn of(v: &RankingV1) -> Ranking {
        let entries: Vec<RankingEntry> = v
            .entries
            .iter()
            .map(|e| RankingEntry {
                id: e.id.clone(),
                name: e.name.clone(),
                rank: Num::count(e.rank),
                total: text_num(&e.total),
                tied: e.tied,
            })
            .collect();
        let names: HashMap<&str, &str> = entries
            .iter()
            .filter(|e| !e.id.is_empty())
            .map(|e| (e.id.as_str(), e.name.as_str()))
            .collect();
        // Each unresolved tie as its names (ids where no name is known).
        let unresolved = v
            .unresolved_ties
            .iter()
            .map(|tie| {
                tie.iter()
                    .map(|id| names.get(id.as_str()).map_or(id.as_str(), |n| *n))
                    .filter(|n| !n.is_empty())
                    .collect::<Vec<_>>()
                    .join(NAME_SEP)
            })
            .filter(|t| !t.is_empty())
            .collect();
        Ranking {
            id: v.id.clone(),
            title: v.title.clone(),
            entries,
            unresolved,
        }
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
    /// Checks the document's size on the raw JSON, reads it as a [`ResultV1`], then
    /// flattens it.
    fn parse(v: &Value) -> Result<Doc, OfficeError> {
        let list = |k: &str| {
            v.get(k)
                .and_then(Value::as_array)
                .map_or(&[][..], |a| a.as_slice())
        };
        let (contests, rankings) = (list("contests"), list("rankings"));
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
        let doc = ResultV1::from_value(v)
            .map_err(|e| OfficeError::Input(format!("{} ({})", e, e.code())))?;
        if doc.contests.is_empty() {
            return Err(OfficeError::Input(
                "result document has no contests".to_string(),
            ));
        }
        Ok(Doc {
            election: doc.election.clone(),
            title: doc.title.clone(),
            contests: doc.contests.iter().map(Contest::of).collect(),
            rankings: doc.rankings.iter().map(Ranking::of).collect(),
        })
    }
}

/// Total number of table rows the document would produce, counted on the raw
/// JSON before anything is read.
fn count_rows(contests: &[Value], rankings: &[Value]) -> usize {
    let len = |v: &Value, k: &str| v.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    let contest_rows = contests.iter().fold(0usize, |acc, c| {
        let groups = c.get("subjects").and_then(Value::as_array).map_or(0, |s| {
            s.iter()
                .fold(0usize, |a, s| a.saturating_add(len(s, "groups")))
        });
        acc.saturating_add(len(c, "candidates"))
            .saturating_add(len(c, "write_ins"))
            .saturating_add(len(c, "subjects"))
            .saturating_add(groups)
    });
    rankings
        .iter()
        .fold(contest_rows, |acc, r| acc.saturating_add(len(r, "entries")))
}

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

fn validity_label(valid: bool) -> &'static str {
    if valid {
        "有效"
    } else {
        "无效"
    }
}

fn tied_label(tied: bool) -> &'static str {
    if tied {
        "是"
    } else {
        "否"
    }
}
