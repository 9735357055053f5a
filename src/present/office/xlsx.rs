//! The office XLSX workbook: a summary sheet, a sheet per contest and per ranking.

use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet};
use serde_json::Value;

use super::sheets::SheetNamer;
use super::*;

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
        table.rows.push(vec![
            t(c.title.as_str()),
            t(c.id.as_str()),
            t(sheet.as_str()),
            n(&c.seats),
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
            n(&c.unfilled),
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
    for s in &c.graded {
        let mut row = vec![t(s.name.as_str()), t(s.id.as_str()), t("全部"), Cell::Empty];
        row.extend(tally_cells(&s.figures));
        rows.push(row);
        for g in &s.groups {
            let mut row = vec![
                t(s.name.as_str()),
                t(s.id.as_str()),
                t(g.id.as_str()),
                opt(&g.weight, NumStyle::General),
            ];
            row.extend(tally_cells(&g.figures));
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
    for s in &c.rated {
        let mut row = vec![t(s.name.as_str()), t(s.id.as_str()), t("全部"), Cell::Empty];
        row.extend(s.figures.cells());
        rows.push(row);
        for g in &s.groups {
            let mut row = vec![
                t(s.name.as_str()),
                t(s.id.as_str()),
                t(g.id.as_str()),
                opt(&g.weight, NumStyle::General),
            ];
            row.extend(g.figures.cells());
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
                    n(&e.rank),
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
pub(super) fn truncate_utf16(s: &str, max: usize) -> &str {
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
