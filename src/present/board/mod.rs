//! The printable public results page (张榜公布): one standalone HTML5 page,
//! meant to be printed on A4 and pinned on the wall of the hall.
//!
//! The page is rendered from a `scrutineer.signed-result/v1` document:
//!
//! ```json
//! {"format": "scrutineer.signed-result/v1", "result_index": 12,
//!  "result": { ...scrutineer.result/v1... }, "checkpoint": "<signed note>"}
//! ```
//!
//! Chinese comes first, English second (smaller, grey). The page loads no
//! external resource and runs no script: the QR code that leads to the online
//! verification is drawn as inline SVG from the module matrix.
//!
//! The result is read as a typed [`ResultV1`]: a document that is not one is refused
//! ([`ResultError`]: `result_invalid`, `result_format`) rather than shown with blanks. The
//! record the service posts beside it (corrections, secrecy, re-votes, procedures, the
//! checkpoint) is read as it comes, an absent part shown as nothing or a dash. Every label
//! comes from the one table (`present::labels`); every piece of text taken from the document
//! is escaped by the one escaper (`present::html`), since names and titles are user input.
//!
//! The page is askama templates, compile-time checked and auto-escaping: the frame (head,
//! masthead, notes, the verification box with its QR code and the signature lines) is
//! `templates/board.html`; it includes a contest (`templates/board/contest.html`, with
//! `graded.html` or `scored.html` for an evaluation), a ranking (`ranking.html`) and the
//! record (`record.html`), small pieces shared in `macros.html`. The Rust side reads the
//! document into typed views (`contest.rs`, `evaluation.rs`, `record.rs`); the templates
//! write every piece of markup and escape every piece of text.

use askama::Template;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use qrcode::EcLevel;
use serde_json::Value;

use crate::present::labels::{self, Label};
use crate::record::result_v1::{ContestV1, GradedSubjectV1, ResultError, ResultV1};

/// Contests with more vote rows than this may break across pages.
const VOTE_ROWS_SHORT_MAX: usize = 20;

/// Evaluations with more subjects than this may break across pages (between
/// subject tables).
const EVALUATION_SUBJECTS_SHORT_MAX: usize = 2;

/// Prefix of a write-in entry in the result's `elected` and runoff lists.
const WRITE_IN_PREFIX: &str = "write-in:";

/// Start of a signature line of a C2SP signed note: em dash and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

mod contest;
mod evaluation;
mod record;
#[cfg(test)]
mod tests;

use contest::{contest_view, ContestView};
use evaluation::{ranking, RankingView};
use record::{record_view, verification_items, RecordView};

/// Style sheet of the page: black on white, A4 portrait, CJK fonts first. The page's only
/// style element holds exactly this text, whose hash the Content-Security-Policy allows.
pub const CSS: &str = r#"
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html {
  font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif;
  font-size: 10.5pt;
  line-height: 1.45;
  color: #000;
  background: #fff;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
body { margin: 0 auto; max-width: 180mm; }
@media screen { body { padding: 15mm 0; } }
.en { color: #555; font-size: 0.82em; font-weight: normal; letter-spacing: 0; }
.mono {
  font-family: "Noto Sans Mono CJK SC", "Noto Sans Mono", "DejaVu Sans Mono", monospace;
  font-size: 0.9em;
  overflow-wrap: anywhere;
  word-break: break-all;
}
.small { font-size: 8.5pt; }
.small .en { font-size: 0.95em; }
p { margin: 1.2mm 0; }
ul { margin: 1mm 0; padding-left: 5mm; }
header.masthead { text-align: center; border-bottom: 2pt solid #000; padding-bottom: 3mm; margin-bottom: 2mm; }
header.masthead h1 { font-size: 28pt; letter-spacing: 0.4em; margin: 0; padding-left: 0.4em; line-height: 1.2; }
header.masthead .sub { margin: 0; font-size: 12pt; }
header.masthead h2 { font-size: 16pt; margin: 2mm 0 0; }
section { break-inside: avoid; page-break-inside: avoid; }
section.long { break-inside: auto; page-break-inside: auto; }
h3, h4, .meta, .validity { break-after: avoid; page-break-after: avoid; }
section.contest, section.ranking, section.notes { border-bottom: 0.75pt solid #000; padding: 3mm 0 3mm; }
h3 { font-size: 14pt; margin: 0 0 1mm; }
h3 .kind { font-size: 10pt; font-weight: normal; margin-left: 3mm; }
h4 { font-size: 11pt; margin: 2mm 0 1mm; }
.meta { margin: 0.5mm 0; }
.validity.ok { font-weight: bold; }
.validity.bad { font-weight: bold; border: 1.5pt solid #000; padding: 1mm 2mm; }
table { width: 100%; border-collapse: collapse; margin: 1.5mm 0; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.75pt solid #000; padding: 0.5mm 1.5mm; vertical-align: middle; line-height: 1.3; }
th { font-weight: bold; text-align: center; line-height: 1.2; }
.nw { white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c { text-align: center; }
td.name { font-size: 11pt; }
tr.won td { font-weight: bold; }
tr.total td { font-weight: bold; }
.tag { font-size: 8.5pt; font-weight: normal; margin-left: 1mm; }
.rate { display: block; font-size: 8pt; font-weight: normal; color: #333; }
.elected { margin: 2mm 0 1mm; }
.elected .label { font-weight: bold; }
.elected-names { font-size: 13pt; font-weight: bold; margin: 0.5mm 0 0 4mm; }
.runoff { border-left: 2pt solid #000; padding-left: 2mm; margin: 1.5mm 0; }
.subject { break-inside: avoid; page-break-inside: avoid; margin-top: 2mm; }
.flags { font-weight: bold; list-style: none; padding-left: 0; }
.warnings { margin-top: 1.5mm; color: #222; }
.warnings ul { padding-left: 4mm; }
footer.verify { break-inside: avoid; page-break-inside: avoid; margin-top: 4mm; border: 1pt solid #000; padding: 2mm 3mm; }
footer.verify h2 { font-size: 12pt; margin: 0 0 1mm; }
.verify-grid { display: flex; gap: 4mm; align-items: flex-start; }
.verify-text { flex: 1 1 auto; min-width: 0; }
.verify-text dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; column-gap: 3mm; row-gap: 0.6mm; }
.verify-text dt { font-weight: bold; white-space: nowrap; }
.verify-text dd { margin: 0; min-width: 0; }
figure.qr { flex: 0 0 38mm; margin: 0; text-align: center; }
figure.qr svg { width: 36mm; height: 36mm; display: block; margin: 0 auto; }
figure.qr figcaption { font-size: 7.5pt; }
.signatures { break-inside: avoid; page-break-inside: avoid; margin-top: 6mm; }
.sign { white-space: pre; font-size: 13pt; margin: 4mm 0; }
"#;

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// A bilingual message from the document (`"中文 / English"`) split as the page shows it,
/// the English half in the secondary style; escaped by the template. Test helper.
#[cfg(test)]
fn message(t: &str) -> String {
    let b = Bilingual::of(t);
    let zh = crate::present::html::escape(&b.zh);
    match b.en {
        Some(en) => format!(
            "{zh} <span class=\"en\">{}</span>",
            crate::present::html::escape(&en)
        ),
        None => zh,
    }
}

// ---------------------------------------------------------------------------
// Labels (from the one table, `present::labels`)
// ---------------------------------------------------------------------------

/// Chinese and English names of a contest kind; an unknown kind is kept (with no English).
fn kind_label(kind: &str) -> (String, &'static str) {
    match labels::kind(kind) {
        Some(l) => (l.zh.to_string(), l.en),
        None => (kind.to_string(), ""),
    }
}

// A grade of an evaluation scale: result key, Chinese label (or the key of an unknown
// scale) and English label (fixed text of the one table).
use labels::ScaleGrade as Grade;

/// The grades of a scale, best first ([`labels::scale_grades`]).
fn scale_grades(scale: &str, subjects: &[GradedSubjectV1]) -> Vec<Grade> {
    labels::scale_grades(Some(scale), subjects)
}

// ---------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------

/// The parts of a checkpoint note shown on the page (raw, not escaped).
#[derive(Default)]
struct Checkpoint {
    origin: String,
    size: String,
    root: String,
    /// Key names of the signature lines, in order: the log first, then tellers.
    signers: Vec<String>,
}

/// Reads a C2SP signed note leniently: the note text up to the first empty
/// line (origin, size, root, possibly extension lines), then the signature
/// lines `"— <name> <base64>"`. Lines of any other shape are ignored.
fn parse_checkpoint(note: &str) -> Checkpoint {
    let mut cp = Checkpoint::default();
    let mut in_signatures = false;
    let mut body_line = 0usize;
    for raw in note.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if !in_signatures {
            if line.is_empty() {
                in_signatures = true;
                continue;
            }
            match body_line {
                0 => cp.origin = line.to_string(),
                1 => cp.size = line.to_string(),
                // Hex, as `scrutineer verify` and the pages print it (the note holds base64).
                2 => {
                    cp.root = BASE64
                        .decode(line)
                        .ok()
                        .filter(|b| b.len() == 32)
                        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
                        .unwrap_or_else(|| line.to_string())
                }
                _ => {}
            }
            body_line += 1;
        } else if let Some(rest) = line.strip_prefix(SIGNATURE_LINE_PREFIX) {
            let name = rest.split(' ').next().unwrap_or("");
            if !name.is_empty() {
                cp.signers.push(name.to_string());
            }
        }
    }
    cp
}

// ---------------------------------------------------------------------------
// QR code
// ---------------------------------------------------------------------------

/// The QR code (error correction level M) of `data` as inline SVG: a white
/// square with the quiet zone and one path of dark runs, one unit per module.
/// `None` when the data does not fit in a QR code.
fn qr_svg(data: &str) -> Option<String> {
    let code = crate::tokens::qr::encode_auto(data.as_bytes(), EcLevel::M).ok()?;
    crate::present::html::qr_svg(&code, crate::present::html::QrSvg::Board)
}

// ---------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------

/// A bilingual text split for the templates: Chinese (or the whole text), then English (in
/// the secondary style). A label of the one table, or a message from the document.
pub(super) struct Bilingual {
    zh: String,
    en: Option<String>,
}

impl Bilingual {
    /// A message from the document (`"中文 / English"`), split at the first `" / "` that is
    /// followed by an ASCII letter or digit; a message without one is kept whole.
    fn of(t: &str) -> Bilingual {
        let mut from = 0;
        while let Some(pos) = t.get(from..).and_then(|rest| rest.find(" / ")) {
            let at = from + pos;
            let after = t.get(at + 3..).unwrap_or("");
            if after
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                return Bilingual {
                    zh: t.get(..at).unwrap_or("").to_string(),
                    en: Some(after.to_string()),
                };
            }
            from = at + 3;
        }
        Bilingual::plain(t)
    }

    /// Text shown as it is.
    fn plain(t: &str) -> Bilingual {
        Bilingual {
            zh: t.to_string(),
            en: None,
        }
    }

    /// A label of the one table, or the code itself when the table does not know it.
    fn label_or_code(label: Option<Label>, code: &str) -> Bilingual {
        match label {
            Some(l) => Bilingual {
                zh: l.zh.to_string(),
                en: Some(l.en.to_string()),
            },
            None => Bilingual::plain(code),
        }
    }
}

/// One line of the verification box: label and value (unescaped), in a monospace span or not.
struct Item {
    zh: &'static str,
    en: &'static str,
    value: String,
    mono: bool,
}

/// The page's frame (`templates/board.html`).
#[derive(Template)]
#[template(path = "board.html")]
struct Page<'a> {
    title: &'a str,
    css: &'a str,
    no_contests: bool,
    /// The contests (`templates/board/contest.html`).
    contests: Vec<ContestView>,
    /// The composite rankings (`templates/board/ranking.html`).
    rankings: Vec<RankingView>,
    notes: Vec<Bilingual>,
    /// The record beside the result (`templates/board/record.html`).
    rec: RecordView,
    items: Vec<Item>,
    verify_url: &'a str,
    qr: Option<String>,
}

/// Renders the printable public results page of a signed result.
///
/// `signed` is a `scrutineer.signed-result/v1` document, `verify_url` the
/// address encoded in the QR code (and printed under it), and `order` sorts
/// names in place in 姓氏笔画 (surname stroke) order; it is used for the
/// elected list and the names proposed for a new round. A `result` that is not a
/// `scrutineer.result/v1` document is refused.
pub fn board_html(
    signed: &Value,
    verify_url: &str,
    order: &dyn Fn(&mut Vec<String>),
) -> Result<String, ResultError> {
    let result = ResultV1::from_value(signed.get("result").unwrap_or(&Value::Null))?;
    // A contest whose seats the meeting reduced has no new round: its proposal is not shown
    // (the decision itself is printed with its basis below).
    let reduced: Vec<&str> = record::list(record::get(signed, "seat_reductions"))
        .iter()
        .map(|sr| record::text(record::get(sr, "contest")))
        .collect();
    let contests = result
        .contests
        .iter()
        .map(|contest| {
            if reduced.contains(&contest.id.as_str()) {
                let mut c = contest.clone();
                c.runoff = None;
                contest_view(&c, &result.contests, order)
            } else {
                contest_view(contest, &result.contests, order)
            }
        })
        .collect();
    let page = Page {
        title: &result.title,
        css: CSS,
        no_contests: result.contests.is_empty(),
        contests,
        rankings: result.rankings.iter().map(ranking).collect(),
        notes: result
            .warnings
            .iter()
            .map(|w| Bilingual::of(&w.message))
            .collect(),
        rec: record_view(signed, &result),
        items: verification_items(signed, &result),
        verify_url,
        qr: if verify_url.is_empty() {
            None
        } else {
            qr_svg(verify_url)
        },
    };
    // Invariant: rendering into a String cannot fail (every value displays infallibly).
    let mut html = page.render().unwrap_or_default();
    // askama drops a template file's final newline; the page has always ended with one.
    html.push('\n');
    Ok(html)
}

/// Name of a candidate id of `contest`: a candidate's name, a write-in's name
/// (`"write-in:NAME"`), or the id itself. Not escaped.
fn name_of(contest: &ContestV1, id: &str) -> String {
    if let Some(name) = id.strip_prefix(WRITE_IN_PREFIX) {
        return name.to_string();
    }
    contest
        .candidates
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Names of a list of ids, sorted by `order` (the template joins them with 、).
fn ordered_names(
    contest: &ContestV1,
    ids: &[String],
    order: &dyn Fn(&mut Vec<String>),
) -> Vec<String> {
    let mut names: Vec<String> = ids.iter().map(|id| name_of(contest, id)).collect();
    order(&mut names);
    names
}
