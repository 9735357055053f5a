//! The office CSV: sections of candidates, evaluations and rankings.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::*;

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
                n(&c.seats),
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
        for s in &c.rated {
            let mut row = vec![t(c.title.as_str()), t(s.name.as_str())];
            row.extend(s.figures.cells());
            scored.rows.push(row);
        }
    }
    for c in doc
        .contests
        .iter()
        .filter(|c| !c.graded.is_empty() && !c.scored)
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
            for s in &c.graded {
                let tally = &s.figures;
                let mut row = vec![t(c.title.as_str()), t(s.name.as_str())];
                row.extend(tally.counts.iter().map(n));
                row.push(n(&tally.abstain));
                row.push(opt(&tally.favourable, NumStyle::Fixed2));
                row.push(opt(&tally.score, NumStyle::Fixed2));
                row.push(t(tally.flags.join(LIST_SEP)));
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
                n(&e.rank),
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

/// True for a character that makes a spreadsheet read a cell as a formula.
fn is_formula_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠'
    )
}

/// Prefixes an apostrophe to text a spreadsheet could evaluate as a formula.
pub(super) fn neutralise(s: &str) -> Cow<'_, str> {
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
    let csv_error = |e: ::csv::Error| OfficeError::Csv(e.to_string());
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
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
