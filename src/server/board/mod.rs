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
//! Reading is lenient: a missing or oddly typed field is shown as empty (or a
//! dash), never a panic. Every piece of text taken from the document is
//! HTML-escaped, since names and titles are user input.

use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use qrcode::EcLevel;
use serde_json::Value;

/// Shared `null` returned by [`get`] for a missing field.
static NULL: Value = Value::Null;

/// Contests with more vote rows than this may break across pages.
const VOTE_ROWS_SHORT_MAX: usize = 20;

/// Evaluations with more subjects than this may break across pages (between
/// subject tables).
const EVALUATION_SUBJECTS_SHORT_MAX: usize = 2;

/// Separator between the names of an enumeration (顿号).
const NAME_SEPARATOR: &str = "、";

/// Prefix of a write-in entry in the result's `elected` and runoff lists.
const WRITE_IN_PREFIX: &str = "write-in:";

/// Start of a signature line of a C2SP signed note: em dash and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// Writes formatted text to a `String`; writing to a `String` cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

mod contest;
mod evaluation;
mod record;
#[cfg(test)]
mod tests;

use contest::render_contest;
use evaluation::render_ranking;
use record::{render_record, render_verification};

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
// Lenient accessors
// ---------------------------------------------------------------------------

/// The field `key` of an object, or `null` when absent (or not an object).
fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&NULL)
}

/// A string value, or "" for anything else.
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An array value as a slice, or empty for anything else.
fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A number copied as its decimal text; strings are kept (documents may write
/// fractions as strings); anything else is empty. Not escaped.
fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// [`num`], escaped, or an em dash when empty.
fn num_or_dash(v: &Value) -> String {
    let t = num(v);
    if t.is_empty() {
        "—".to_string()
    } else {
        esc(&t)
    }
}

/// A percentage cell text: "67.50%", or a dash when absent.
fn percent(v: &Value) -> String {
    let t = num(v);
    if t.is_empty() {
        "—".to_string()
    } else {
        format!("{}%", esc(&t))
    }
}

/// Escapes text for HTML element content and quoted attribute values (the one escaper,
/// `present::html`).
fn esc(t: &str) -> String {
    crate::present::html::escape(t)
}

/// A fixed Chinese label followed by its English gloss (both trusted).
fn bi(zh: &str, en: &str) -> String {
    format!("{zh} <span class=\"en\">{en}</span>")
}

/// A bilingual message from the document (`"中文 / English"`), escaped, with
/// the English half set in the secondary style. The split is made at the
/// first `" / "` that is followed by an ASCII letter or digit; a message without
/// one is shown as it is.
fn message(t: &str) -> String {
    let mut from = 0;
    while let Some(pos) = t.get(from..).and_then(|rest| rest.find(" / ")) {
        let at = from + pos;
        let after = t.get(at + 3..).unwrap_or("");
        if after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            let before = t.get(..at).unwrap_or("");
            return format!("{} <span class=\"en\">{}</span>", esc(before), esc(after));
        }
        from = at + 3;
    }
    esc(t)
}

// ---------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------

/// Chinese and English names of a contest kind; unknown kinds are kept.
fn kind_label(kind: &str) -> (String, String) {
    let (zh, en) = match kind {
        "party_delegates" => ("党代会代表", "party congress delegates"),
        "party_committee" => ("党委委员", "party committee members"),
        "discipline_committee" => ("纪委委员", "discipline committee members"),
        "party_secretary" => ("书记/副书记", "party secretary / deputy secretaries"),
        "npc_direct" => ("县乡人大代表", "county/township people's congress deputies"),
        "npc_indirect" => (
            "上一级人大代表",
            "deputies to the next-level people's congress",
        ),
        "township_head" => ("乡镇长/人大主席", "township head / congress chair"),
        "township_deputy" => ("副乡镇长/副主席", "deputy township heads / vice chairs"),
        "villager_committee" => ("村委会成员", "villager committee members"),
        "recommendation" => ("民主推荐", "democratic recommendation"),
        "evaluation" => ("民主测评", "democratic evaluation"),
        other => return (esc(other), String::new()),
    };
    (zh.to_string(), en.to_string())
}

/// Party kinds call a vote against "不赞成" (BER), the others "反对".
fn is_party_kind(kind: &str) -> bool {
    matches!(
        kind,
        "party_delegates" | "party_committee" | "discipline_committee" | "party_secretary"
    )
}

/// Chinese and English label of a candidate status; unknown codes are kept.
fn status_label(code: &str) -> String {
    let (zh, en) = match code {
        "elected" => ("当选", "elected"),
        "not_elected" => ("未当选", "not elected"),
        "tied" => ("票数相等", "tied"),
        "shortlisted" => ("入围", "shortlisted"),
        "not_shortlisted" => ("未入围", "not shortlisted"),
        "ranked" => ("排名", "ranked"),
        other => return esc(other),
    };
    bi(zh, en)
}

/// Chinese and English label of a void-ballot reason; unknown codes are kept.
fn void_reason_label(code: &str) -> String {
    let (zh, en) = match code {
        "over_marked" => ("多选 (超过应选名额)", "over-marked"),
        "write_in_without_against" => (
            "另选他人未划相应不赞成",
            "write-in without a matching vote against",
        ),
        "duplicate_write_in" => ("重复另选同一人", "same write-in twice"),
        "write_in_is_candidate" => ("另选人为正式候选人", "write-in names a candidate"),
        "uniform_grades" => ("全部评为同一等次", "all subjects given the same grade"),
        "excellent_over_quota" => ("优秀等次超过限额", "top grade over quota"),
        other => return esc(other),
    };
    bi(zh, en)
}

/// Chinese and English label of a run-off reason; unknown codes are kept.
fn reason_label(code: &str) -> String {
    match code {
        "tie" => bi("票数相等", "tie"),
        "shortfall" => bi("未选足名额", "shortfall"),
        other => esc(other),
    }
}

/// A grade of an evaluation scale: result key, Chinese and English label.
struct Grade {
    key: String,
    zh: String,
    en: String,
}

/// The grades of a scale, best first. An unknown scale takes its grade keys
/// from the first subject's `counts` (without `abstain`), shown as they are.
fn scale_grades(scale: &str, subjects: &[Value]) -> Vec<Grade> {
    let known: &[(&str, &str, &str)] = match scale {
        "individual" => &[
            ("excellent", "优秀", "excellent"),
            ("competent", "称职", "competent"),
            ("basic", "基本称职", "basically competent"),
            ("incompetent", "不称职", "incompetent"),
        ],
        "team" => &[
            ("good", "好", "good"),
            ("fairly_good", "较好", "fairly good"),
            ("average", "一般", "average"),
            ("poor", "差", "poor"),
        ],
        "member" => &[
            ("excellent", "优秀", "excellent"),
            ("qualified", "合格", "qualified"),
            ("basic", "基本合格", "basically qualified"),
            ("unqualified", "不合格", "unqualified"),
        ],
        _ => &[],
    };
    if !known.is_empty() {
        return known
            .iter()
            .map(|(key, zh, en)| Grade {
                key: (*key).to_string(),
                zh: (*zh).to_string(),
                en: (*en).to_string(),
            })
            .collect();
    }
    subjects
        .iter()
        .find_map(|s| get(s, "counts").as_object())
        .map(|counts| {
            counts
                .keys()
                .filter(|k| k.as_str() != "abstain")
                .map(|k| Grade {
                    key: k.clone(),
                    zh: esc(k),
                    en: String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
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

/// Renders the printable public results page of a signed result.
///
/// `signed` is a `scrutineer.signed-result/v1` document, `verify_url` the
/// address encoded in the QR code (and printed under it), and `order` sorts
/// names in place in 姓氏笔画 (surname stroke) order; it is used for the
/// elected list and the names proposed for a new round.
pub fn board_html(signed: &Value, verify_url: &str, order: &dyn Fn(&mut Vec<String>)) -> String {
    let result = get(signed, "result");
    let title = text(get(result, "title"));
    let mut out = String::with_capacity(32 * 1024);

    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    put!(out, "<title>张榜公布 {}</title>\n", esc(title));
    put!(out, "<style>{CSS}</style>\n</head>\n<body>\n");

    out.push_str("<header class=\"masthead\">\n<h1>张榜公布</h1>\n");
    out.push_str("<p class=\"sub en\">Official results</p>\n");
    if !title.is_empty() {
        put!(out, "<h2>{}</h2>\n", esc(title));
    }
    out.push_str("</header>\n<main>\n");

    let contests = list(get(result, "contests"));
    if contests.is_empty() {
        put!(
            out,
            "<p class=\"meta\">{}</p>\n",
            bi(
                "本文件中没有选举结果。",
                "This document holds no contest results."
            )
        );
    }
    // A contest whose seats the meeting reduced has no new round: its proposal is not shown
    // (the decision itself is printed with its basis below).
    let reduced: Vec<&str> = list(get(signed, "seat_reductions"))
        .iter()
        .map(|sr| text(get(sr, "contest")))
        .collect();
    for contest in contests {
        if reduced.contains(&text(get(contest, "id"))) {
            let mut c = contest.clone();
            c["runoff"] = Value::Null;
            render_contest(&mut out, &c, contests, order);
        } else {
            render_contest(&mut out, contest, contests, order);
        }
    }
    for ranking in list(get(result, "rankings")) {
        render_ranking(&mut out, ranking);
    }
    let notes = list(get(result, "warnings"));
    if !notes.is_empty() {
        out.push_str("<section class=\"notes small\">\n");
        put!(out, "<h4>{}</h4>\n<ul>\n", bi("说明", "Notes"));
        for w in notes {
            put!(out, "<li>{}</li>\n", message(text(get(w, "message"))));
        }
        out.push_str("</ul>\n</section>\n");
    }
    render_record(&mut out, signed);
    out.push_str("</main>\n");

    render_verification(&mut out, signed, result, verify_url);

    out.push_str("<div class=\"signatures\">\n");
    out.push_str("<p class=\"sign\">公布日期: ________</p>\n");
    out.push_str("<p class=\"sign\">监票人: ________  计票人: ________</p>\n");
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// Name of a candidate id of `contest`: a candidate's name, a write-in's name
/// (`"write-in:NAME"`), or the id itself. Not escaped.
fn name_of(contest: &Value, id: &str) -> String {
    if let Some(name) = id.strip_prefix(WRITE_IN_PREFIX) {
        return name.to_string();
    }
    list(get(contest, "candidates"))
        .iter()
        .find(|c| text(get(c, "id")) == id)
        .map(|c| text(get(c, "name")).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// Names of a list of ids, sorted by `order`, escaped and joined with 、.
fn ordered_names(contest: &Value, ids: &[Value], order: &dyn Fn(&mut Vec<String>)) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .map(|id| match id {
            Value::String(s) => name_of(contest, s),
            other => num(other),
        })
        .collect();
    order(&mut names);
    names
        .iter()
        .map(|n| format!("<span class=\"name\">{}</span>", esc(n)))
        .collect::<Vec<_>>()
        .join(NAME_SEPARATOR)
}
