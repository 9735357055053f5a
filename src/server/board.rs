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
use qrcode::{Color, EcLevel};
use serde_json::Value;

/// Shared `null` returned by [`get`] for a missing field.
static NULL: Value = Value::Null;

/// Quiet zone around the QR code, in modules (the standard asks for four).
const QR_QUIET_ZONE: usize = 4;

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

/// Escapes text for HTML element content and quoted attribute values.
fn esc(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for ch in t.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
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
    let width = code.width;
    if width == 0 {
        return None;
    }
    let colors = code.to_colors();
    let size = width + 2 * QR_QUIET_ZONE;
    let mut d = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut run: Option<usize> = None;
        for (x, color) in row.iter().enumerate() {
            match (color, run) {
                (Color::Dark, None) => run = Some(x),
                (Color::Light, Some(start)) => {
                    push_run(&mut d, start, x, y);
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(start) = run {
            push_run(&mut d, start, row.len(), y);
        }
    }
    Some(format!(
        "<svg viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"QR\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/><path d=\"{d}\" fill=\"#000\"/></svg>"
    ))
}

/// Appends the path of the dark modules `start..end` of row `y`.
fn push_run(d: &mut String, start: usize, end: usize, y: usize) {
    let len = end.saturating_sub(start);
    put!(
        d,
        "M{} {}h{}v1h-{}z",
        start + QR_QUIET_ZONE,
        y + QR_QUIET_ZONE,
        len,
        len
    );
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

/// One contest: heading, turnout, validity, votes, elected, run-off, warnings.
fn render_contest(
    out: &mut String,
    contest: &Value,
    all: &[Value],
    order: &dyn Fn(&mut Vec<String>),
) {
    let kind = text(get(contest, "kind"));
    let (kind_zh, kind_en) = kind_label(kind);
    let subjects = get(contest, "subjects");
    let is_evaluation = subjects.is_array() || kind == "evaluation";
    let mut title = esc(text(get(contest, "title")));
    if title.is_empty() {
        title.clone_from(&kind_zh);
    }

    // A contest taller than a page may break inside (rows and subject tables
    // still do not); otherwise it would leave an empty page before it.
    let long = if is_evaluation {
        list(subjects).len() > EVALUATION_SUBJECTS_SHORT_MAX
    } else {
        list(get(contest, "candidates")).len() + list(get(contest, "write_ins")).len()
            > VOTE_ROWS_SHORT_MAX
    };
    let class = if long { "contest long" } else { "contest" };
    put!(out, "<section class=\"{class}\">\n");
    put!(out, "<h3>{title}");
    if !kind_zh.is_empty() && kind_zh != title {
        put!(
            out,
            " <span class=\"kind\">{kind_zh} <span class=\"en\">{kind_en}</span></span>"
        );
    } else if !kind_en.is_empty() {
        put!(out, " <span class=\"kind en\">{kind_en}</span>");
    }
    out.push_str("</h3>\n");

    if !is_evaluation {
        let seats = num_or_dash(get(contest, "seats"));
        put!(
            out,
            "<p class=\"meta\">应选 {seats} 名 <span class=\"en\">seats: {seats}</span></p>\n"
        );
    }
    render_parent(out, get(contest, "parent"), all);
    render_turnout(out, contest);
    render_validity(out, contest);

    if is_evaluation {
        render_evaluation(out, contest);
    } else {
        render_votes(out, contest, kind);
        render_elected(out, contest, kind, order);
    }

    let warnings = list(get(contest, "warnings"));
    if !warnings.is_empty() {
        out.push_str("<div class=\"warnings small\">\n");
        put!(out, "<strong>{}</strong>\n<ul>\n", bi("说明", "Notes"));
        for w in warnings {
            put!(out, "<li>{}</li>\n", message(text(get(w, "message"))));
        }
        out.push_str("</ul>\n</div>\n");
    }
    out.push_str("</section>\n");
}

/// The line naming the earlier round when this contest is a new round.
fn render_parent(out: &mut String, parent: &Value, all: &[Value]) {
    let Some(obj) = parent.as_object() else {
        return;
    };
    let id = obj.get("contest").map(text).unwrap_or("");
    let earlier = all
        .iter()
        .find(|c| text(get(c, "id")) == id)
        .map(|c| text(get(c, "title")))
        .filter(|t| !t.is_empty())
        .unwrap_or(id);
    let reason = obj.get("reason").map(text).unwrap_or("");
    put!(
        out,
        "<p class=\"meta\">{} {}",
        bi("另行选举, 上一轮:", "new round of:"),
        esc(earlier)
    );
    if !reason.is_empty() {
        put!(out, " ({})", reason_label(reason));
    }
    out.push_str("</p>\n");
}

/// 应到 / 实到 / 发出 / 收回 / 有效 / 无效, and the void reasons.
fn render_turnout(out: &mut String, contest: &Value) {
    let turnout = get(contest, "turnout");
    let ballots = get(contest, "ballots");
    let eligible = num_or_dash(get(turnout, "eligible"));
    let present = num_or_dash(get(turnout, "present"));
    let issued_value = match get(turnout, "ballots_issued") {
        Value::Null => get(ballots, "issued"),
        v => v,
    };
    let issued = num_or_dash(issued_value);
    let returned = num_or_dash(get(ballots, "returned"));
    let valid = num_or_dash(get(ballots, "valid"));
    let void = num_or_dash(get(ballots, "void"));
    put!(
        out,
        "<p class=\"meta turnout\">应到 {eligible} 人, 实到 {present} 人, 发出选票 {issued} 张, \
         收回 {returned} 张, 有效 {valid} 张, 无效 {void} 张<br>\
         <span class=\"en\">eligible {eligible}, present {present}, ballots issued {issued}, \
         returned {returned}, valid {valid}, void {void}</span></p>\n"
    );
    if let Some(reasons) = get(contest, "void_reasons").as_object() {
        let parts: Vec<String> = reasons
            .iter()
            .map(|(code, count)| format!("{} {}", void_reason_label(code), num_or_dash(count)))
            .collect();
        if !parts.is_empty() {
            put!(
                out,
                "<p class=\"meta small\">{}: {}</p>\n",
                bi("无效票原因", "void ballots"),
                parts.join("; ")
            );
        }
    }
}

/// Whether the round is valid (with the problems when not), the quorum and
/// the threshold to be elected.
fn render_validity(out: &mut String, contest: &Value) {
    match get(contest, "valid") {
        Value::Bool(true) => {
            put!(
                out,
                "<p class=\"validity ok\">{}</p>\n",
                bi("本轮选举有效", "this round is valid")
            );
        }
        Value::Bool(false) => {
            put!(
                out,
                "<div class=\"validity bad\">{}\n",
                bi(
                    "本轮无效, 须重新投票",
                    "this round is invalid and must be re-run"
                )
            );
            let problems = list(get(contest, "problems"));
            if !problems.is_empty() {
                out.push_str("<ul>\n");
                for p in problems {
                    put!(out, "<li>{}</li>\n", message(text(get(p, "message"))));
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</div>\n");
        }
        _ => {}
    }
    let quorum = get(contest, "quorum");
    if quorum.is_object() {
        let formula = text(get(quorum, "rule"));
        let met = match get(quorum, "met") {
            Value::Bool(true) => bi("到会人数符合规定", "quorum met"),
            Value::Bool(false) => bi("到会人数不足", "quorum not met"),
            _ => String::new(),
        };
        // The rule in words, its formula on hover (and in the printed English half).
        let rule = match crate::rules::kind::quorum_words(formula) {
            Some((zh, en)) => {
                let f = esc(formula);
                format!(
                    "<abbr title=\"{f}\">{}</abbr>",
                    bi(&esc(&zh), &format!("{} ({f})", esc(&en)))
                )
            }
            None => esc(formula),
        };
        put!(out, "<p class=\"meta small\">{met}: {rule}</p>\n");
    }
    let threshold = get(contest, "threshold");
    if threshold.is_object() {
        let description = text(get(threshold, "description"));
        let shown = if description.is_empty() {
            esc(text(get(threshold, "rule")))
        } else {
            message(description)
        };
        put!(
            out,
            "<p class=\"meta small\">{}: {shown}",
            bi("当选条件", "to be elected")
        );
        let needed = num(get(threshold, "votes_needed"));
        if !needed.is_empty() {
            let needed = esc(&needed);
            put!(
                out,
                "; 至少 {needed} 票 <span class=\"en\">at least {needed} votes</span>"
            );
        }
        out.push_str("</p>\n");
    }
}

/// One row of the vote table: a candidate or a write-in.
struct VoteRow<'a> {
    entry: &'a Value,
    write_in: bool,
}

/// The table of candidates and write-ins in vote order (by `rank`).
fn render_votes(out: &mut String, contest: &Value, kind: &str) {
    let mut rows: Vec<VoteRow> = list(get(contest, "candidates"))
        .iter()
        .map(|entry| VoteRow {
            entry,
            write_in: false,
        })
        .chain(list(get(contest, "write_ins")).iter().map(|entry| VoteRow {
            entry,
            write_in: true,
        }))
        .collect();
    if rows.is_empty() {
        return;
    }
    // Stable: equal ranks keep the document's order; no rank sorts last.
    rows.sort_by_key(|r| get(r.entry, "rank").as_u64().unwrap_or(u64::MAX));

    let against = if is_party_kind(kind) {
        bi("不赞成", "against")
    } else {
        bi("反对", "against")
    };
    out.push_str("<table class=\"votes\">\n<thead><tr>");
    put!(
        out,
        "<th>名次<br><span class=\"en\">rank</span></th>\
         <th>候选人<br><span class=\"en\">candidate</span></th>\
         <th>赞成<br><span class=\"en\">for</span></th>\
         <th>{}</th>\
         <th>弃权<br><span class=\"en\">abstain</span></th>\
         <th>结果<br><span class=\"en\">result</span></th>",
        against.replacen(' ', "<br>", 1)
    );
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let e = row.entry;
        let status = text(get(e, "status"));
        let class = if status == "elected" || status == "shortlisted" {
            " class=\"won\""
        } else {
            ""
        };
        put!(
            out,
            "<tr{class}><td class=\"c\">{}</td><td class=\"name\">{}",
            num_or_dash(get(e, "rank")),
            esc(text(get(e, "name")))
        );
        if row.write_in {
            put!(
                out,
                "<span class=\"tag\">{}</span>",
                bi("另选他人", "write-in")
            );
        }
        let (against_cell, abstain_cell) = if row.write_in {
            ("—".to_string(), "—".to_string())
        } else {
            (
                num_or_dash(get(e, "against")),
                num_or_dash(get(e, "abstain")),
            )
        };
        put!(
            out,
            "</td><td class=\"n\">{}</td><td class=\"n\">{against_cell}</td>\
             <td class=\"n\">{abstain_cell}</td><td class=\"c\">{}</td></tr>\n",
            num_or_dash(get(e, "for")),
            status_label(status)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The elected list in stroke order, unfilled seats and the run-off proposal.
fn render_elected(out: &mut String, contest: &Value, kind: &str, order: &dyn Fn(&mut Vec<String>)) {
    let elected = list(get(contest, "elected"));
    let invalid = matches!(get(contest, "valid"), Value::Bool(false));
    let (zh, en) = if kind == "recommendation" {
        ("入围", "Shortlisted")
    } else {
        ("当选", "Elected")
    };
    out.push_str("<div class=\"elected\">\n");
    put!(
        out,
        "<p class=\"label\">{zh} (按姓氏笔画为序) <span class=\"en\">{en} (in order of surname strokes)</span></p>\n"
    );
    if elected.is_empty() {
        let none = if invalid {
            bi("本轮无效, 无人当选", "round invalid: nobody elected")
        } else if kind == "recommendation" {
            bi(
                "无 (按得票排名, 见上表)",
                "none: ranked by votes, see the table",
            )
        } else {
            bi("无人当选", "nobody elected")
        };
        put!(out, "<p class=\"elected-names\">{none}</p>\n");
    } else {
        put!(
            out,
            "<p class=\"elected-names\">{}</p>\n",
            ordered_names(contest, elected, order)
        );
    }
    out.push_str("</div>\n");

    let unfilled = get(contest, "unfilled_seats");
    if unfilled.as_u64().is_some_and(|u| u > 0) {
        let u = num_or_dash(unfilled);
        put!(
            out,
            "<p class=\"meta\"><strong>未选足名额 {u} 名</strong> <span class=\"en\">unfilled seats: {u}</span></p>\n"
        );
    }

    let runoff = get(contest, "runoff");
    if runoff.is_object() {
        out.push_str("<div class=\"runoff\">\n");
        let seats = num_or_dash(get(runoff, "seats"));
        put!(
            out,
            "<p><strong>另行选举建议</strong> <span class=\"en\">proposed new round</span>: \
             {seats} 名 <span class=\"en\">seat(s)</span>"
        );
        let reason = text(get(runoff, "reason"));
        if !reason.is_empty() {
            put!(out, " ({})", reason_label(reason));
        }
        out.push_str("</p>\n");
        let ids = list(get(runoff, "candidates"));
        if !ids.is_empty() {
            put!(
                out,
                "<p>候选人 (按姓氏笔画为序) <span class=\"en\">candidates (in order of surname strokes)</span>: {}</p>\n",
                ordered_names(contest, ids, order)
            );
        }
        let msg = text(get(runoff, "message"));
        if !msg.is_empty() {
            put!(out, "<p class=\"small\">{}</p>\n", message(msg));
        }
        out.push_str("</div>\n");
    }
}

/// Evaluation contests: one table per subject, rows for the whole and for
/// each evaluator group, then the subject's flags.
fn render_evaluation(out: &mut String, contest: &Value) {
    let subjects = list(get(contest, "subjects"));
    let scale = text(get(contest, "scale"));
    if scale == "score" {
        return render_scores(out, contest, subjects);
    }
    let grades = scale_grades(scale, subjects);
    let favourable_zh = match grades.as_slice() {
        [a, b, ..] => format!("{}+{}率", a.zh, b.zh),
        _ => "好评率".to_string(),
    };
    if subjects.is_empty() {
        put!(
            out,
            "<p class=\"meta\">{}</p>\n",
            bi("无测评对象", "no subjects")
        );
        return;
    }
    let weighted = subjects
        .iter()
        .flat_map(|s| list(get(s, "groups")))
        .any(|g| !num(get(g, "weight")).is_empty());
    if weighted {
        put!(
            out,
            "<p class=\"meta small\">{}</p>\n",
            bi(
                "合计得分为各组得分按权重加权所得。",
                "The total score weighs the groups' scores by their weights."
            )
        );
    }

    for subject in subjects {
        out.push_str("<div class=\"subject\">\n");
        put!(
            out,
            "<h4>{} <span class=\"en\">有效票 {} 张 / valid ballots</span></h4>\n",
            esc(text(get(subject, "name"))),
            num_or_dash(get(subject, "valid"))
        );
        out.push_str("<table class=\"grades\">\n<thead><tr>");
        put!(
            out,
            "<th>范围<br><span class=\"en\">scope</span></th>\
             <th><span class=\"nw\">有效票</span><br><span class=\"en\">valid</span></th>"
        );
        for g in &grades {
            put!(
                out,
                "<th><span class=\"nw\">{}</span><br><span class=\"en\">{}</span></th>",
                g.zh,
                g.en
            );
        }
        put!(
            out,
            "<th>未评<br><span class=\"en\">unrated</span></th>\
             <th><span class=\"nw\">{favourable_zh}</span><br><span class=\"en\">favourable</span></th>\
             <th>得分<br><span class=\"en\">score</span></th>"
        );
        out.push_str("</tr></thead>\n<tbody>\n");
        grade_row(out, subject, &grades, &bi("合计", "all"), true);
        for group in list(get(subject, "groups")) {
            let mut scope = esc(text(get(group, "id")));
            let weight = num(get(group, "weight"));
            if !weight.is_empty() {
                put!(
                    scope,
                    "<br><span class=\"en nw\">权重 weight {}</span>",
                    esc(&weight)
                );
            }
            grade_row(out, group, &grades, &scope, false);
        }
        out.push_str("</tbody>\n</table>\n");

        let flags = list(get(subject, "flags"));
        let group_flags: Vec<(&str, &Value)> = list(get(subject, "groups"))
            .iter()
            .flat_map(|g| {
                list(get(g, "flags"))
                    .iter()
                    .map(move |f| (text(get(g, "id")), f))
            })
            .collect();
        if !flags.is_empty() || !group_flags.is_empty() {
            out.push_str("<ul class=\"flags\">\n");
            for f in flags {
                put!(out, "<li>※ {}</li>\n", message(text(get(f, "message"))));
            }
            for (group, f) in group_flags {
                put!(
                    out,
                    "<li class=\"small\">※ [{}] {}</li>\n",
                    esc(group),
                    message(text(get(f, "message")))
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</div>\n");
    }
}

/// A rated-score evaluation: one table of the subjects, with raters, the extremes dropped,
/// the mean and the score; a row per evaluator group under each subject; then the flags.
fn render_scores(out: &mut String, contest: &Value, subjects: &[Value]) {
    let rule = get(contest, "score_rule");
    let max = num_or_dash(get(rule, "max"));
    let mut how = format!("满分 {max} 分, 取平均分 / scores 0 to {max}, averaged");
    if get(rule, "drop_extremes") == &Value::Bool(true) {
        how.push_str(
            "; 打分人数多于 5 人时去掉一个最高分和一个最低分 / with more than 5 raters the highest and the lowest score are dropped",
        );
    }
    put!(out, "<p class=\"meta small\">{}</p>\n", esc(&how));
    out.push_str("<table class=\"grades scores\">\n<thead><tr>");
    out.push_str(
        "<th>测评对象<br><span class=\"en\">subject</span></th>\
         <th>范围<br><span class=\"en\">scope</span></th>\
         <th><span class=\"nw\">打分人数</span><br><span class=\"en\">raters</span></th>\
         <th>未打分<br><span class=\"en\">unscored</span></th>\
         <th><span class=\"nw\">去掉的最高/最低分</span><br><span class=\"en\">dropped high/low</span></th>\
         <th>平均分<br><span class=\"en\">mean</span></th>\
         <th>得分<br><span class=\"en\">score</span></th>",
    );
    out.push_str("</tr></thead>\n<tbody>\n");
    let row = |out: &mut String, name: &str, scope: &str, f: &Value, score: &str, total: bool| {
        let dropped = get(f, "dropped");
        let dropped = if dropped.is_null() {
            "—".to_string()
        } else {
            format!(
                "{} / {}",
                num_or_dash(get(dropped, "highest")),
                num_or_dash(get(dropped, "lowest"))
            )
        };
        put!(
            out,
            "<tr{}><td>{name}</td><td class=\"scope\">{scope}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{dropped}</td><td class=\"n\">{}</td><td class=\"n\">{score}</td></tr>\n",
            if total { " class=\"total\"" } else { "" },
            num_or_dash(get(f, "raters")),
            num_or_dash(get(f, "unscored")),
            num_or_dash(get(f, "mean")),
        );
    };
    for subject in subjects {
        let name = esc(text(get(subject, "name")));
        let score = num_or_dash(get(subject, "score"));
        row(out, &name, &bi("合计", "all"), subject, &score, true);
        for group in list(get(subject, "groups")) {
            let mut scope = esc(text(get(group, "id")));
            let weight = num(get(group, "weight"));
            if !weight.is_empty() {
                put!(
                    scope,
                    "<br><span class=\"en nw\">权重 weight {}</span>",
                    esc(&weight)
                );
            }
            row(out, "", &scope, group, "", false);
        }
    }
    out.push_str("</tbody>\n</table>\n");
    let flags: Vec<(&str, &Value)> = subjects
        .iter()
        .flat_map(|s| {
            list(get(s, "flags"))
                .iter()
                .map(move |f| (text(get(s, "name")), f))
        })
        .collect();
    if !flags.is_empty() {
        out.push_str("<ul class=\"flags\">\n");
        for (name, f) in flags {
            put!(
                out,
                "<li>※ {}: {}</li>\n",
                esc(name),
                message(text(get(f, "message")))
            );
        }
        out.push_str("</ul>\n");
    }
}

/// One row of a subject table: valid ballots, counts with rates per grade,
/// unrated, favourable rate and score.
fn grade_row(out: &mut String, figures: &Value, grades: &[Grade], scope: &str, total: bool) {
    let counts = get(figures, "counts");
    let rates = get(figures, "rates");
    let class = if total { " class=\"total\"" } else { "" };
    put!(
        out,
        "<tr{class}><td class=\"scope\">{scope}</td><td class=\"n\">{}</td>",
        num_or_dash(get(figures, "valid"))
    );
    for g in grades {
        put!(
            out,
            "<td class=\"n\">{}<span class=\"rate\">{}</span></td>",
            num_or_dash(get(counts, &g.key)),
            percent(get(rates, &g.key))
        );
    }
    put!(
        out,
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        num_or_dash(get(counts, "abstain")),
        percent(get(figures, "favourable_rate")),
        num_or_dash(get(figures, "score"))
    );
}

/// A composite ranking (competitive posts): rank, name, component scores,
/// total, and the unresolved ties.
fn render_ranking(out: &mut String, ranking: &Value) {
    let components = list(get(ranking, "components"));
    out.push_str("<section class=\"ranking\">\n");
    put!(
        out,
        "<h3>{} <span class=\"kind\">综合排名 <span class=\"en\">composite ranking</span></span></h3>\n",
        esc(text(get(ranking, "title")))
    );
    out.push_str("<table class=\"votes\">\n<thead><tr>");
    out.push_str(
        "<th>名次<br><span class=\"en\">rank</span></th><th>姓名<br><span class=\"en\">name</span></th>",
    );
    for c in components {
        put!(
            out,
            "<th>{}<br><span class=\"en\">权重 weight {}</span></th>",
            esc(text(get(c, "title"))),
            num_or_dash(get(c, "weight"))
        );
    }
    out.push_str("<th>总分<br><span class=\"en\">total</span></th></tr></thead>\n<tbody>\n");
    for e in list(get(ranking, "entries")) {
        let tied = matches!(get(e, "tied"), Value::Bool(true));
        put!(
            out,
            "<tr><td class=\"c\">{}</td><td class=\"name\">{}{}</td>",
            num_or_dash(get(e, "rank")),
            esc(text(get(e, "name"))),
            if tied {
                format!("<span class=\"tag\">{}</span>", bi("并列", "tied"))
            } else {
                String::new()
            }
        );
        let scores = get(e, "components");
        for c in components {
            put!(
                out,
                "<td class=\"n\">{}</td>",
                num_or_dash(get(scores, text(get(c, "id"))))
            );
        }
        put!(
            out,
            "<td class=\"n\">{}</td></tr>\n",
            num_or_dash(get(e, "total"))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let key = text(get(ranking, "tie_break_key"));
    if !key.is_empty() {
        put!(
            out,
            "<p class=\"meta small\">{}: {}</p>\n",
            bi("总分相同时依据", "tie-break"),
            esc(key)
        );
    }
    for p in list(get(ranking, "problems")) {
        put!(
            out,
            "<p class=\"meta small\">※ {}</p>\n",
            message(text(get(p, "message")))
        );
    }
    out.push_str("</section>\n");
}

/// What the log records beside the count, posted with it: corrections of the desk's figures
/// (with both people and the reason) and tokens printed after voting started (with why).
/// How the ballots were kept secret: encrypted (the key's fingerprint, k of n tellers and who
/// decrypted the totals), or plaintext with the organiser's logged reason.
fn render_secrecy(out: &mut String, signed: &Value) {
    let s = get(signed, "secrecy");
    match get(s, "encrypted").as_bool() {
        Some(true) => {
            let tellers: Vec<String> = list(get(s, "decrypted"))
                .iter()
                .flat_map(|d| list(get(d, "tellers")).iter().map(|t| text(t).to_string()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            put!(
                out,
                "<p class=\"meta secrecy\">{} <span class=\"mono\">{}</span> · {} {} / {} · {}: {}</p>\n",
                bi("选票在投票机上加密, 只解密总数。选举密钥指纹", "Ballots were encrypted at the kiosk and only totals decrypted. Election key fingerprint"),
                esc(text(get(s, "fingerprint"))),
                bi("解密需计票人", "tellers needed to decrypt"),
                num(get(s, "threshold")),
                num(get(s, "tellers")),
                bi("解密者", "decrypted by"),
                esc(&tellers.join(", "))
            );
            // Cast-or-check (docs/E2E.md §8.6): what voters and 监票人 checked, never counted.
            if !get(s, "cast").is_null() {
                put!(
                    out,
                    "<p class=\"meta challenges\">{} {} · {} {} · {} {} ({} {})</p>\n",
                    bi("投出的电子选票", "Electronic ballots cast"),
                    num(get(s, "cast")),
                    bi(
                        "选民核验作废 (不计入)",
                        "checked by voters and spoiled (not counted)"
                    ),
                    num(get(s, "spoiled")),
                    bi("监票人抽检投票机", "kiosk tests by scrutineers"),
                    num(get(s, "kiosk_tests")),
                    bi("不一致", "mismatched"),
                    num(get(s, "kiosk_test_mismatches"))
                );
            }
        }
        Some(false) => {
            put!(
                out,
                "<p class=\"meta secrecy\">{}: {}</p>\n",
                bi(
                    "明文选票 (组织者记录的原因)",
                    "Plaintext ballots (the organiser's logged reason)"
                ),
                esc(text(get(s, "reason")))
            );
        }
        None => {}
    }
}

fn render_record(out: &mut String, signed: &Value) {
    render_secrecy(out, signed);
    // A re-vote of an invalid round says so, with the logged reason.
    for rv in list(get(signed, "revotes")) {
        let source = esc(text(get(rv, "source")));
        let entry = num(get(rv, "entry"));
        put!(
            out,
            "<p class=\"meta revote\">{}</p>\n",
            bi(
                &format!(
                    "本轮是 “{source}” 无效轮次的重新投票 (日志第 {entry} 条), 原因: {}",
                    esc(text(get(rv, "reason")))
                ),
                &format!("This round re-runs “{source}”, whose counted round was invalid (log entry {entry}).")
            )
        );
    }
    // A recorded decision to reduce the seats instead of a new round says so, with its basis.
    for sr in list(get(signed, "seat_reductions")) {
        let id = text(get(sr, "contest"));
        let title = list(get(get(signed, "result"), "contests"))
            .iter()
            .find(|c| text(get(c, "id")) == id)
            .map(|c| text(get(c, "title")))
            .filter(|t| !t.is_empty())
            .unwrap_or(id);
        let contest = esc(title);
        let entry = num(get(sr, "entry"));
        let by = num(get(sr, "reduced_by"));
        let seats = num(get(sr, "seats"));
        put!(
            out,
            "<p class=\"meta reduction\"><strong>{}</strong></p>\n",
            bi(
                &format!(
                    "经大会决定, “{contest}” 减少名额 {by} 名, 应选名额改为 {seats} 名, 不再选举 (日志第 {entry} 条)。依据: {}",
                    esc(text(get(sr, "basis")))
                ),
                &format!("By decision of the meeting, “{contest}” is reduced by {by} seat(s) to {seats}; no new round follows (log entry {entry}).")
            )
        );
    }
    // A round of a multi-round procedure: the chain so far, round by round.
    for p in list(get(signed, "procedures")) {
        out.push_str("<section class=\"procedure\">\n");
        put!(
            out,
            "<h4>{} <span class=\"en\">multi-round procedure</span></h4>\n<ol>\n",
            esc(text(get(p, "title")))
        );
        for st in list(get(p, "steps")) {
            let ratio = text(get(st, "ratio"));
            let people: Vec<String> = list(get(st, "people"))
                .iter()
                .map(|n| esc(text(Some(n).map_or(&Value::Null, |v| v))))
                .collect();
            put!(
                out,
                "<li><strong>{}</strong>{} · {} · {}{} <span class=\"small\">(日志第 {} 条 / entry {}; {})</span></li>\n",
                esc(text(get(st, "title"))),
                if ratio.is_empty() { String::new() } else { format!(" ({}:1)", esc(ratio)) },
                bi(&format!("职位 {} 个", num(get(st, "posts"))), &format!("{} post(s)", num(get(st, "posts")))),
                people.join(NAME_SEPARATOR),
                if get(st, "widened") == &Value::Bool(true) { " (并列扩大 / widened by a tie)" } else { "" },
                num(get(st, "entry")),
                num(get(st, "entry")),
                esc(text(get(st, "basis")))
            );
        }
        out.push_str("</ol>\n</section>\n");
    }
    // Paper ballots keyed by two tellers: how many, and how many had to be read again.
    for pe in list(get(signed, "paper_entry")) {
        let id = text(get(pe, "contest"));
        let title = list(get(get(signed, "result"), "contests"))
            .iter()
            .find(|c| text(get(c, "id")) == id)
            .map(|c| text(get(c, "title")))
            .filter(|t| !t.is_empty())
            .unwrap_or(id);
        let contest = esc(title);
        let (sheets, keyings, rekeyed) = (
            num(get(pe, "sheets")),
            num(get(pe, "keyings")),
            num(get(pe, "rekeyed_sheets")),
        );
        put!(
            out,
            "<p class=\"meta paper-entry\">{}</p>\n",
            bi(
                &format!("“{contest}” 的纸质选票由两名计票人分别录入, 两人一致才计入: 计入 {sheets} 张, 录入 {keyings} 次, 其中 {rekeyed} 张曾不一致, 重读原票后一致。"),
                &format!("The paper ballots of “{contest}” were keyed by two tellers each and counted only when both agreed: {sheets} counted, {keyings} keyings, {rekeyed} sheet(s) read again after a disagreement.")
            )
        );
    }
    let corrections = list(get(signed, "corrections"));
    let late = list(get(signed, "late_pools"));
    if corrections.is_empty() && late.is_empty() {
        return;
    }
    out.push_str("<section class=\"notes small\">\n");
    put!(out, "<h4>{}</h4>\n<ul>\n", bi("记录在案", "On the record"));
    let desk = list(get(signed, "desk_figures"));
    for c in corrections {
        let contest = text(get(c, "contest"));
        let d = desk
            .iter()
            .find(|d| text(get(d, "contest")) == contest)
            .map(|d| {
                format!(
                    "{} {} · {} {} · {} {}",
                    "应到 E",
                    num_or_dash(get(d, "eligible")),
                    "实到 P",
                    num_or_dash(get(d, "present")),
                    "发出 I",
                    num_or_dash(get(d, "ballots_issued"))
                )
            })
            .unwrap_or_else(|| "—".into());
        let who = |k: &str| {
            let p = get(c, k);
            format!(
                "{} ({})",
                esc(text(get(p, "name"))),
                esc(text(get(p, "role")))
            )
        };
        put!(
            out,
            "<li>{} “{}”: {} {} → {} 应到 E {} · 实到 P {} · 发出 I {}; {} {}; {} {}, {} {}</li>\n",
            bi("人数更正", "Correction of the figures"),
            esc(contest),
            bi("签到处", "the desk"),
            esc(&d),
            bi("更正为", "corrected to"),
            num_or_dash(get(c, "eligible")),
            num_or_dash(get(c, "present")),
            num_or_dash(get(c, "ballots_issued")),
            bi("原因", "reason"),
            esc(text(get(c, "reason"))),
            bi("提出", "proposed by"),
            who("proposed_by"),
            bi("批准", "approved by"),
            who("approved_by"),
        );
    }
    for p in late {
        put!(
            out,
            "<li>{}: {} {} · {} {}; {} {}</li>\n",
            bi(
                "投票开始后补印选票码",
                "Tokens printed after voting started"
            ),
            bi("样式", "style"),
            num_or_dash(get(p, "style")),
            num_or_dash(get(p, "count")),
            bi("张", "tokens"),
            bi("原因", "reason"),
            esc(text(get(p, "reason"))),
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// The verification block: checkpoint origin, size and root, the signers,
/// the result's entry index and the QR code of the verification address.
fn render_verification(out: &mut String, signed: &Value, result: &Value, verify_url: &str) {
    let cp = parse_checkpoint(text(get(signed, "checkpoint")));
    let dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            esc(s)
        }
    };
    out.push_str("<footer class=\"verify\">\n");
    put!(out, "<h2>{}</h2>\n", bi("核验", "Verification"));
    out.push_str("<div class=\"verify-grid\">\n<div class=\"verify-text\">\n<dl>\n");
    let mut item = |zh: &str, en: &str, value: String| {
        put!(
            out,
            "<dt>{zh} <span class=\"en\">{en}</span></dt><dd>{value}</dd>\n"
        );
    };
    item(
        "日志",
        "log origin",
        format!("<span class=\"mono\">{}</span>", dash(&cp.origin)),
    );
    item(
        "日志条目数",
        "tree size",
        format!("<span class=\"mono\">{}</span>", dash(&cp.size)),
    );
    item(
        "根哈希",
        "root hash",
        format!("<span class=\"mono\">{}</span>", dash(&cp.root)),
    );
    item(
        "结果条目序号",
        "result entry index",
        format!(
            "<span class=\"mono\">{}</span>",
            num_or_dash(get(signed, "result_index"))
        ),
    );
    let election = text(get(result, "election"));
    if !election.is_empty() {
        item(
            "选举编号",
            "election id",
            format!("<span class=\"mono\">{}</span>", esc(election)),
        );
    }
    item(
        "日志签名",
        "log signature",
        format!(
            "<span class=\"mono\">{}</span>",
            cp.signers
                .first()
                .map(|s| esc(s))
                .unwrap_or_else(|| "—".into())
        ),
    );
    // The signers the service verified, one per teller key; a document without that list
    // (written before it existed) falls back to the names on the signature lines.
    let tellers: Vec<String> = match get(signed, "signers").as_array() {
        Some(names) => names.iter().map(|n| esc(text(n))).collect(),
        None => cp.signers.iter().skip(1).map(|s| esc(s)).collect(),
    };
    item(
        "计票人签名",
        "tellers' signatures",
        if tellers.is_empty() {
            "—".to_string()
        } else {
            format!("<span class=\"mono\">{}</span>", tellers.join(", "))
        },
    );
    out.push_str("</dl>\n");
    put!(
        out,
        "<p class=\"small\">{}</p>\n",
        bi(
            "扫描二维码或访问下方网址, 可核对本结果与公开日志中的记录一致。",
            "Scan the code or open the address below to check this result against the public log."
        )
    );
    out.push_str("</div>\n");
    if !verify_url.is_empty() {
        out.push_str("<figure class=\"qr\">\n");
        if let Some(svg) = qr_svg(verify_url) {
            out.push_str(&svg);
            out.push('\n');
        }
        put!(
            out,
            "<figcaption class=\"mono\">{}</figcaption>\n</figure>\n",
            esc(verify_url)
        );
    }
    out.push_str("</div>\n</footer>\n");
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Copied from `tests/snapshots/cli__township_party_congress.snap`.
    const PARTY_RESULT: &str = r#"{
  "format": "scrutineer.result/v1",
  "election": "qingshan-party-congress-2026",
  "title": "青山镇第十六次党代会 (示例 example)",
  "contests": [
    {
      "id": "committee",
      "title": "镇党委委员",
      "kind": "party_committee",
      "seats": 7,
      "parent": null,
      "valid": true,
      "problems": [],
      "warnings": [
        {
          "code": "override_below_statute",
          "message": "差额人数按本地规定不少于 1 名 (候选人不少于 8 名, 低于法定的 9 名), 依据: 县委组织部换届选举工作意见: 委员 7 名的差额 1 名 (seed 003) / local rule: surplus at least 1 (at least 8 candidates, below the statutory 9), basis: 县委组织部换届选举工作意见: 委员 7 名的差额 1 名 (seed 003)"
        }
      ],
      "turnout": {
        "eligible": 150,
        "present": 142,
        "ballots_issued": 142
      },
      "ballots": {
        "issued": 142,
        "returned": 142,
        "valid": 140,
        "void": 2
      },
      "void_reasons": {
        "over_marked": 2
      },
      "quorum": {
        "rule": "5·P > 4·E",
        "met": true
      },
      "threshold": {
        "rule": "2·for > P",
        "base": "present",
        "base_count": 142,
        "votes_needed": 72,
        "description": "得票超过实到 (参加投票) 人数的半数 (2·for > P) / more than half of those present (who voted) (2·for > P)"
      },
      "candidates": [
        {
          "id": "c1",
          "name": "王建国",
          "for": 139,
          "against": 0,
          "abstain": 1,
          "status": "elected",
          "rank": 1
        },
        {
          "id": "c2",
          "name": "李秀英",
          "for": 133,
          "against": 0,
          "abstain": 7,
          "status": "elected",
          "rank": 2
        },
        {
          "id": "c3",
          "name": "张伟",
          "for": 128,
          "against": 0,
          "abstain": 12,
          "status": "elected",
          "rank": 3
        },
        {
          "id": "c4",
          "name": "刘洋",
          "for": 120,
          "against": 0,
          "abstain": 20,
          "status": "elected",
          "rank": 4
        },
        {
          "id": "c5",
          "name": "陈静",
          "for": 111,
          "against": 0,
          "abstain": 29,
          "status": "elected",
          "rank": 5
        },
        {
          "id": "c6",
          "name": "杨帆",
          "for": 99,
          "against": 0,
          "abstain": 41,
          "status": "elected",
          "rank": 6
        },
        {
          "id": "c7",
          "name": "赵磊",
          "for": 90,
          "against": 20,
          "abstain": 30,
          "status": "elected",
          "rank": 7
        },
        {
          "id": "c8",
          "name": "黄丽",
          "for": 60,
          "against": 50,
          "abstain": 30,
          "status": "not_elected",
          "rank": 8
        }
      ],
      "write_ins": [
        {
          "name": "钱进",
          "for": 1,
          "status": "not_elected",
          "rank": 9
        }
      ],
      "elected": [
        "c1",
        "c2",
        "c3",
        "c4",
        "c5",
        "c6",
        "c7"
      ],
      "unfilled_seats": 0,
      "runoff": null
    },
    {
      "id": "discipline",
      "title": "镇纪委委员",
      "kind": "discipline_committee",
      "seats": 3,
      "parent": null,
      "valid": true,
      "problems": [],
      "warnings": [],
      "turnout": {
        "eligible": 150,
        "present": 142,
        "ballots_issued": 142
      },
      "ballots": {
        "issued": 142,
        "returned": 142,
        "valid": 142,
        "void": 0
      },
      "void_reasons": {},
      "quorum": {
        "rule": "5·P > 4·E",
        "met": true
      },
      "threshold": {
        "rule": "2·for > P",
        "base": "present",
        "base_count": 142,
        "votes_needed": 72,
        "description": "得票超过实到 (参加投票) 人数的半数 (2·for > P) / more than half of those present (who voted) (2·for > P)"
      },
      "candidates": [
        {
          "id": "d1",
          "name": "周明",
          "for": 130,
          "against": 0,
          "abstain": 12,
          "status": "elected",
          "rank": 1
        },
        {
          "id": "d2",
          "name": "吴敏",
          "for": 118,
          "against": 0,
          "abstain": 24,
          "status": "elected",
          "rank": 2
        },
        {
          "id": "d3",
          "name": "徐强",
          "for": 80,
          "against": 30,
          "abstain": 32,
          "status": "tied",
          "rank": 3
        },
        {
          "id": "d4",
          "name": "孙丽",
          "for": 80,
          "against": 31,
          "abstain": 31,
          "status": "tied",
          "rank": 3
        }
      ],
      "write_ins": [],
      "elected": [
        "d1",
        "d2"
      ],
      "unfilled_seats": 1,
      "runoff": {
        "seats": 1,
        "candidates": [
          "d3",
          "d4"
        ],
        "reason": "tie",
        "message": "2 人均得 80 票, 争最后 1 个名额, 应就票数相等的候选人再次投票, 得票多的当选 (选举法第45条; 党内选举条例) / 2 candidates tied on 80 votes for the last 1 seat(s): a new vote among them, most votes wins (EL Art. 45; BER)",
        "threshold": "most for",
        "list_size": null,
        "boundary_tie": false,
        "short_list": false
      }
    }
  ],
  "rankings": [],
  "structure": [],
  "warnings": []
}"#;
    /// Copied from `tests/snapshots/cli__democratic_evaluation.snap`.
    const EVALUATION_RESULT: &str = r#"{
  "format": "scrutineer.result/v1",
  "election": "qingshan-evaluation-2026",
  "title": "青山镇领导干部年度民主测评 (示例 example)",
  "contests": [
    {
      "id": "eval",
      "title": "领导干部民主测评",
      "kind": "evaluation",
      "seats": 1,
      "parent": null,
      "valid": true,
      "problems": [],
      "warnings": [],
      "turnout": {
        "eligible": 42,
        "present": 40,
        "ballots_issued": 40
      },
      "ballots": {
        "issued": 40,
        "returned": 40,
        "valid": 40,
        "void": 0
      },
      "void_reasons": {},
      "quorum": null,
      "threshold": null,
      "candidates": [],
      "write_ins": [],
      "elected": [],
      "unfilled_seats": 0,
      "runoff": null,
      "scale": "individual",
      "subjects": [
        {
          "id": "s1",
          "name": "张明 (乡长)",
          "valid": 40,
          "counts": {
            "excellent": 27,
            "competent": 11,
            "basic": 2,
            "incompetent": 0,
            "abstain": 0
          },
          "rates": {
            "excellent": "67.50",
            "competent": "27.50",
            "basic": "5.00",
            "incompetent": "0.00"
          },
          "rates_exact": {
            "excellent": "27/40",
            "competent": "11/40",
            "basic": "1/20",
            "incompetent": "0"
          },
          "favourable_rate": "95.00",
          "favourable_rate_exact": "19/20",
          "points_score": "92.50",
          "points_score_exact": "185/2",
          "score": "92.80",
          "score_exact": "464/5",
          "flags": [],
          "groups": [
            {
              "id": "leaders",
              "weight": "20",
              "valid": 5,
              "counts": {
                "excellent": 4,
                "competent": 1,
                "basic": 0,
                "incompetent": 0,
                "abstain": 0
              },
              "rates": {
                "excellent": "80.00",
                "competent": "20.00",
                "basic": "0.00",
                "incompetent": "0.00"
              },
              "rates_exact": {
                "excellent": "4/5",
                "competent": "1/5",
                "basic": "0",
                "incompetent": "0"
              },
              "favourable_rate": "100.00",
              "favourable_rate_exact": "1",
              "points_score": "96.00",
              "points_score_exact": "96",
              "score": "96.00",
              "score_exact": "96",
              "flags": []
            },
            {
              "id": "staff",
              "weight": "40",
              "valid": 30,
              "counts": {
                "excellent": 20,
                "competent": 8,
                "basic": 2,
                "incompetent": 0,
                "abstain": 0
              },
              "rates": {
                "excellent": "66.67",
                "competent": "26.67",
                "basic": "6.67",
                "incompetent": "0.00"
              },
              "rates_exact": {
                "excellent": "2/3",
                "competent": "4/15",
                "basic": "1/15",
                "incompetent": "0"
              },
              "favourable_rate": "93.33",
              "favourable_rate_exact": "14/15",
              "points_score": "92.00",
              "points_score_exact": "92",
              "score": "92.00",
              "score_exact": "92",
              "flags": []
            },
            {
              "id": "panel",
              "weight": "40",
              "valid": 5,
              "counts": {
                "excellent": 3,
                "competent": 2,
                "basic": 0,
                "incompetent": 0,
                "abstain": 0
              },
              "rates": {
                "excellent": "60.00",
                "competent": "40.00",
                "basic": "0.00",
                "incompetent": "0.00"
              },
              "rates_exact": {
                "excellent": "3/5",
                "competent": "2/5",
                "basic": "0",
                "incompetent": "0"
              },
              "favourable_rate": "100.00",
              "favourable_rate_exact": "1",
              "points_score": "92.00",
              "points_score_exact": "92",
              "score": "92.00",
              "score_exact": "92",
              "flags": []
            }
          ]
        },
        {
          "id": "s2",
          "name": "李华 (副乡长)",
          "valid": 40,
          "counts": {
            "excellent": 13,
            "competent": 21,
            "basic": 5,
            "incompetent": 1,
            "abstain": 0
          },
          "rates": {
            "excellent": "32.50",
            "competent": "52.50",
            "basic": "12.50",
            "incompetent": "2.50"
          },
          "rates_exact": {
            "excellent": "13/40",
            "competent": "21/40",
            "basic": "1/8",
            "incompetent": "1/40"
          },
          "favourable_rate": "85.00",
          "favourable_rate_exact": "17/20",
          "points_score": "83.00",
          "points_score_exact": "83",
          "score": "82.67",
          "score_exact": "248/3",
          "flags": [],
          "groups": [
            {
              "id": "leaders",
              "weight": "20",
              "valid": 5,
              "counts": {
                "excellent": 2,
                "competent": 3,
                "basic": 0,
                "incompetent": 0,
                "abstain": 0
              },
              "rates": {
                "excellent": "40.00",
                "competent": "60.00",
                "basic": "0.00",
                "incompetent": "0.00"
              },
              "rates_exact": {
                "excellent": "2/5",
                "competent": "3/5",
                "basic": "0",
                "incompetent": "0"
              },
              "favourable_rate": "100.00",
              "favourable_rate_exact": "1",
              "points_score": "88.00",
              "points_score_exact": "88",
              "score": "88.00",
              "score_exact": "88",
              "flags": []
            },
            {
              "id": "staff",
              "weight": "40",
              "valid": 30,
              "counts": {
                "excellent": 10,
                "competent": 15,
                "basic": 4,
                "incompetent": 1,
                "abstain": 0
              },
              "rates": {
                "excellent": "33.33",
                "competent": "50.00",
                "basic": "13.33",
                "incompetent": "3.33"
              },
              "rates_exact": {
                "excellent": "1/3",
                "competent": "1/2",
                "basic": "2/15",
                "incompetent": "1/30"
              },
              "favourable_rate": "83.33",
              "favourable_rate_exact": "5/6",
              "points_score": "82.67",
              "points_score_exact": "248/3",
              "score": "82.67",
              "score_exact": "248/3",
              "flags": []
            },
            {
              "id": "panel",
              "weight": "40",
              "valid": 5,
              "counts": {
                "excellent": 1,
                "competent": 3,
                "basic": 1,
                "incompetent": 0,
                "abstain": 0
              },
              "rates": {
                "excellent": "20.00",
                "competent": "60.00",
                "basic": "20.00",
                "incompetent": "0.00"
              },
              "rates_exact": {
                "excellent": "1/5",
                "competent": "3/5",
                "basic": "1/5",
                "incompetent": "0"
              },
              "favourable_rate": "80.00",
              "favourable_rate_exact": "4/5",
              "points_score": "80.00",
              "points_score_exact": "80",
              "score": "80.00",
              "score_exact": "80",
              "flags": []
            }
          ]
        },
        {
          "id": "s3",
          "name": "王刚 (副乡长)",
          "valid": 40,
          "counts": {
            "excellent": 5,
            "competent": 16,
            "basic": 13,
            "incompetent": 6,
            "abstain": 0
          },
          "rates": {
            "excellent": "12.50",
            "competent": "40.00",
            "basic": "32.50",
            "incompetent": "15.00"
          },
          "rates_exact": {
            "excellent": "1/8",
            "competent": "2/5",
            "basic": "13/40",
            "incompetent": "3/20"
          },
          "favourable_rate": "52.50",
          "favourable_rate_exact": "21/40",
          "points_score": "70.00",
          "points_score_exact": "70",
          "score": "67.20",
          "score_exact": "336/5",
          "flags": [
            {
              "code": "favourable_below",
              "message": "优秀+称职 率 52.50% 低于 2/3 (66.67%), 建议诫勉或调整 / favourable rate 52.50% below 2/3 (66.67%): review"
            }
          ],
          "groups": [
            {
              "id": "leaders",
              "weight": "20",
              "valid": 5,
              "counts": {
                "excellent": 0,
                "competent": 2,
                "basic": 2,
                "incompetent": 1,
                "abstain": 0
              },
              "rates": {
                "excellent": "0.00",
                "competent": "40.00",
                "basic": "40.00",
                "incompetent": "20.00"
              },
              "rates_exact": {
                "excellent": "0",
                "competent": "2/5",
                "basic": "2/5",
                "incompetent": "1/5"
              },
              "favourable_rate": "40.00",
              "favourable_rate_exact": "2/5",
              "points_score": "64.00",
              "points_score_exact": "64",
              "score": "64.00",
              "score_exact": "64",
              "flags": [
                {
                  "code": "favourable_below",
                  "message": "优秀+称职 率 40.00% 低于 2/3 (66.67%), 建议诫勉或调整 / favourable rate 40.00% below 2/3 (66.67%): review"
                }
              ]
            },
            {
              "id": "staff",
              "weight": "40",
              "valid": 30,
              "counts": {
                "excellent": 5,
                "competent": 12,
                "basic": 9,
                "incompetent": 4,
                "abstain": 0
              },
              "rates": {
                "excellent": "16.67",
                "competent": "40.00",
                "basic": "30.00",
                "incompetent": "13.33"
              },
              "rates_exact": {
                "excellent": "1/6",
                "competent": "2/5",
                "basic": "3/10",
                "incompetent": "2/15"
              },
              "favourable_rate": "56.67",
              "favourable_rate_exact": "17/30",
              "points_score": "72.00",
              "points_score_exact": "72",
              "score": "72.00",
              "score_exact": "72",
              "flags": [
                {
                  "code": "favourable_below",
                  "message": "优秀+称职 率 56.67% 低于 2/3 (66.67%), 建议诫勉或调整 / favourable rate 56.67% below 2/3 (66.67%): review"
                }
              ]
            },
            {
              "id": "panel",
              "weight": "40",
              "valid": 5,
              "counts": {
                "excellent": 0,
                "competent": 2,
                "basic": 2,
                "incompetent": 1,
                "abstain": 0
              },
              "rates": {
                "excellent": "0.00",
                "competent": "40.00",
                "basic": "40.00",
                "incompetent": "20.00"
              },
              "rates_exact": {
                "excellent": "0",
                "competent": "2/5",
                "basic": "2/5",
                "incompetent": "1/5"
              },
              "favourable_rate": "40.00",
              "favourable_rate_exact": "2/5",
              "points_score": "64.00",
              "points_score_exact": "64",
              "score": "64.00",
              "score_exact": "64",
              "flags": [
                {
                  "code": "favourable_below",
                  "message": "优秀+称职 率 40.00% 低于 2/3 (66.67%), 建议诫勉或调整 / favourable rate 40.00% below 2/3 (66.67%): review"
                }
              ]
            }
          ]
        }
      ]
    }
  ],
  "rankings": [
    {
      "id": "deputy-post",
      "title": "副乡长竞争上岗综合排名",
      "components": [
        {
          "id": "exam",
          "title": "理论测试",
          "weight": "60"
        },
        {
          "id": "eval",
          "title": "民主测评",
          "weight": "40"
        }
      ],
      "tie_break_key": "近三年考核优秀票平均得票率",
      "entries": [
        {
          "id": "s2",
          "name": "李华",
          "rank": 1,
          "total": "82.27",
          "total_exact": "1234/15",
          "components": {
            "exam": "82.00",
            "eval": "82.67"
          },
          "tie_break": "31/50",
          "tied": false
        },
        {
          "id": "s3",
          "name": "王刚",
          "rank": 2,
          "total": "81.78",
          "total_exact": "4089/50",
          "components": {
            "exam": "91.50",
            "eval": "67.20"
          },
          "tie_break": "11/20",
          "tied": false
        }
      ],
      "unresolved_ties": [],
      "problems": []
    }
  ],
  "structure": [],
  "warnings": []
}"#;

    const CHECKPOINT: &str = "scrutineer.example/qingshan\n42\n\
        3Yp8d0mF1s2X9Qe7rVtB5nH4kLwZcJaUoIgTyRxEvW0=\n\n\
        \u{2014} scrutineer.example/qingshan AAAAAXq4yGk0m0l9l7m2bXJ5U2lnbmF0dXJl\n\
        \u{2014} teller-张三 BBBBBWx3aGVsbG8gd29ybGQgc2lnbmF0dXJl\n\
        \u{2014} teller-李四 CCCCCWx3aGVsbG8gd29ybGQgc2lnbmF0dXJl\n";

    const URL: &str = "https://scrutineer.example/verify/qingshan-party-congress-2026/12";

    fn signed(result: Value) -> Value {
        json!({
            "format": "scrutineer.signed-result/v1",
            "result_index": 12,
            "result": result,
            "checkpoint": CHECKPOINT,
        })
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    /// Stands in for the stroke-order sorter; its signature is the callback's.
    #[allow(clippy::ptr_arg)]
    fn sort(v: &mut Vec<String>) {
        v.sort();
    }

    fn party_page() -> String {
        board_html(&signed(parse(PARTY_RESULT)), URL, &sort)
    }

    /// The text between the first `start` after `from` and the next `end`.
    fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
        let a = page.find(start).unwrap() + start.len();
        let b = page[a..].find(end).unwrap() + a;
        &page[a..b]
    }

    #[test]
    fn elected_names_follow_order() {
        let page = party_page();
        let names = between(&page, "<p class=\"elected-names\">", "</p>");
        let mut expected = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊"];
        expected.sort();
        let positions: Vec<usize> = expected.iter().map(|n| names.find(n).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{names}");
        assert!(!names.contains("黄丽"));
        // The vote table keeps vote order.
        let table = between(&page, "<table class=\"votes\">", "</table>");
        assert!(table.find("王建国").unwrap() < table.find("刘洋").unwrap());
        assert!(table.find("黄丽").unwrap() < table.find("钱进").unwrap());
    }

    #[test]
    fn order_callback_is_used() {
        let reverse = |v: &mut Vec<String>| {
            v.sort();
            v.reverse();
        };
        let page = board_html(&signed(parse(PARTY_RESULT)), URL, &reverse);
        let names = between(&page, "<p class=\"elected-names\">", "</p>");
        assert!(names.find("陈静").unwrap() < names.find("刘洋").unwrap());
    }

    #[test]
    fn party_contest_says_bu_zancheng() {
        let page = party_page();
        assert!(page.contains("不赞成"));
        assert!(!page.contains("<th>反对"));
        assert!(page.contains("钱进<span class=\"tag\">另选他人"));
        // Run-off and unfilled seats of the discipline committee.
        assert!(page.contains("未选足名额 1 名"));
        assert!(page.contains("另行选举建议"));
        assert!(page.contains("2 人均得 80 票"));
        // The override warning with its basis.
        assert!(page.contains("县委组织部换届选举工作意见"));
    }

    #[test]
    fn non_party_contest_says_fandui() {
        let mut result = parse(PARTY_RESULT);
        result["contests"][0]["kind"] = json!("villager_committee");
        let page = board_html(&signed(result), URL, &sort);
        assert!(page.contains("<th>反对"));
    }

    #[test]
    fn verification_block() {
        let page = party_page();
        assert!(page.contains("计票人签名"));
        assert!(page.contains("teller-张三, teller-李四"));
        assert!(page.contains("scrutineer.example/qingshan"));
        // The root in hex, as `scrutineer verify` prints it (the note holds it in base64).
        assert!(page.contains("dd8a7c774985d6cd97f507bbad5b41e671f890bc19709694a08813c91c44bd6d"));
        assert!(page.contains(">12</span>"));
        assert!(page.contains("<svg viewBox=\"0 0 "));
        assert!(page.contains("<path d=\"M"));
        assert!(page.contains(URL));
        assert!(page.contains("公布日期: ________"));
        assert!(page.contains("监票人: ________  计票人: ________"));
    }

    #[test]
    fn page_is_static_and_standalone() {
        let page = party_page();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<html lang=\"zh-CN\">"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("@page { size: A4; margin: 15mm; }"));
        assert!(page.contains("break-inside: avoid"));
        assert!(!page.to_lowercase().contains("<script"));
        assert!(!page.contains("<?xml"));
        assert!(!page.contains("xmlns"));
        assert!(!page.contains("src="));
        assert!(!page.contains("<link"));
    }

    /// The Content-Security-Policy allows this one style element by its hash
    /// (`server::headers`); anything else inline would be refused by the browser.
    #[test]
    fn the_only_style_is_the_hashed_style_sheet() {
        let page = board_html(&signed(parse(PARTY_RESULT)), URL, &sort);
        assert_eq!(page.matches("<style").count(), 1);
        assert!(page.contains(&format!("<style>{CSS}</style>")));
        assert!(!page.contains(" style="));
    }

    #[test]
    fn names_are_escaped() {
        let mut result = parse(PARTY_RESULT);
        result["title"] = json!("<b>x</b>");
        result["contests"][0]["candidates"][0]["name"] = json!("<b>x</b>");
        result["contests"][0]["write_ins"][0]["name"] = json!("<i>\"w\"</i>");
        result["contests"][0]["elected"][0] = json!("write-in:<img src=x>");
        let page = board_html(&signed(result), "https://x.example/?a=1&b=<2>", &sort);
        assert!(!page.contains("<b>x</b>"));
        assert!(!page.contains("<i>"));
        assert!(!page.contains("<img"));
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(page.contains("&lt;i&gt;&quot;w&quot;&lt;/i&gt;"));
        assert!(page.contains("&lt;img src=x&gt;"));
        assert!(page.contains("https://x.example/?a=1&amp;b=&lt;2&gt;"));
    }

    #[test]
    fn evaluation_renders_grades() {
        let page = board_html(&signed(parse(EVALUATION_RESULT)), URL, &sort);
        for label in ["优秀", "称职", "基本称职", "不称职", "优秀+称职率"] {
            assert!(page.contains(label), "{label}");
        }
        assert!(page.contains("张明 (乡长)"));
        assert!(page.contains("67.50%"));
        assert!(page.contains("92.80"));
        assert!(page.contains("低于 2/3"));
        assert!(page.contains("副乡长竞争上岗综合排名"));
        // No election table or elected list for an evaluation.
        assert!(!page.contains("<p class=\"elected-names\">"));
        assert!(!page.contains("<table class=\"votes\">\n<thead><tr><th>名次<br><span class=\"en\">rank</span></th><th>候选人"));
    }

    #[test]
    fn team_and_member_scales() {
        let mut result = parse(EVALUATION_RESULT);
        result["contests"][0]["scale"] = json!("team");
        let page = board_html(&signed(result.clone()), URL, &sort);
        for label in [
            ">好</span>",
            ">较好</span>",
            ">一般</span>",
            ">差</span>",
            "好+较好率",
        ] {
            assert!(page.contains(label), "{label}");
        }
        result["contests"][0]["scale"] = json!("member");
        let page = board_html(&signed(result), URL, &sort);
        for label in ["合格", "基本合格", "不合格"] {
            assert!(page.contains(label), "{label}");
        }
    }

    #[test]
    fn invalid_round_shows_problems() {
        let mut result = parse(PARTY_RESULT);
        result["contests"][0]["valid"] = json!(false);
        result["contests"][0]["elected"] = json!([]);
        result["contests"][0]["problems"] =
            json!([{"code": "quorum_not_met", "message": "到会人数不足 / quorum not met"}]);
        let page = board_html(&signed(result), URL, &sort);
        assert!(page.contains("本轮无效"));
        assert!(page.contains("到会人数不足"));
    }

    #[test]
    fn empty_and_odd_inputs_do_not_panic() {
        for doc in [
            json!({}),
            json!(null),
            json!([1, 2]),
            json!({"result": 5, "checkpoint": 7, "result_index": "x"}),
            json!({"result": {"contests": [1, "x", null, {"candidates": "oops", "subjects": 3,
                "elected": [1, null], "runoff": {"candidates": [{}]}, "valid": "yes"},
                {"kind": "evaluation", "subjects": [{"counts": 1, "groups": [null]}], "scale": 9}],
                "rankings": [{"entries": [{}], "components": [{}]}], "warnings": [3]},
                "checkpoint": "only-origin"}),
        ] {
            let page = board_html(&doc, "", &sort);
            assert!(page.starts_with("<!DOCTYPE html>"));
            assert!(page.ends_with("</html>\n"));
            assert!(page.contains("张榜公布"));
        }
    }

    #[test]
    fn qr_path_covers_every_dark_module() {
        let code = qrcode::QrCode::with_error_correction_level(URL.as_bytes(), EcLevel::M).unwrap();
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        let svg = qr_svg(URL).unwrap();
        let d = between(&svg, "<path d=\"", "\"");
        let total: usize = d
            .split('h')
            .skip(1)
            .step_by(2)
            .map(|s| s.trim_end_matches(|c: char| !c.is_ascii_digit()))
            .map(|s| s.split('v').next().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(total, dark);
        let side = code.width() + 2 * QR_QUIET_ZONE;
        assert!(svg.starts_with(&format!("<svg viewBox=\"0 0 {side} {side}\"")));
    }

    #[test]
    fn checkpoint_parsing() {
        let cp = parse_checkpoint(CHECKPOINT);
        assert_eq!(cp.origin, "scrutineer.example/qingshan");
        assert_eq!(cp.size, "42");
        assert_eq!(cp.signers.len(), 3);
        let cp = parse_checkpoint("o\r\n1\r\nroot\r\n\r\n\u{2014} log sig\r\n");
        assert_eq!(cp.root, "root");
        assert_eq!(cp.signers, vec!["log".to_string()]);
    }

    #[test]
    fn bilingual_messages_split_at_english() {
        assert_eq!(
            message("依据: 文件 / 附件 / local rule"),
            "依据: 文件 / 附件 <span class=\"en\">local rule</span>"
        );
        assert_eq!(message("无英文"), "无英文");
        assert_eq!(message("x / 中"), "x / 中");
    }
}
