//! The office exports' tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::csv::neutralise;
use super::sheets::SheetNamer;
use super::*;
use crate::record::result_v1::is_decimal;
use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use std::collections::HashSet;
use std::io::{Cursor, Read};

/// A party committee election with a write-in and a run-off, plus an
/// evaluation with evaluator groups, plus a ranking.
fn sample() -> Value {
    complete(serde_json::from_str(
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
        .unwrap())
}

/// Fills in what the sample leaves out, as the service writes it.
fn complete(mut v: Value) -> Value {
    fn fill(o: &mut Value, defaults: Value) {
        if let (Some(o), Value::Object(d)) = (o.as_object_mut(), defaults) {
            for (k, x) in d {
                o.entry(k).or_insert(x);
            }
        }
    }
    fn figures(f: &mut Value) {
        let rates = f["rates"].clone();
        fill(
            f,
            json!({"rates_exact": rates, "favourable_rate_exact": "0",
                "points_score": null, "points_score_exact": null, "score": null,
                "score_exact": null, "flags": []}),
        );
    }
    fill(
        &mut v,
        json!({"rankings": [], "structure": [], "warnings": []}),
    );
    for c in v["contests"].as_array_mut().unwrap() {
        fill(
            c,
            json!({"kind": "evaluation", "seats": 0, "parent": null, "void_reasons": {},
                "quorum": null, "problems": [], "warnings": [], "candidates": [], "write_ins": [],
                "elected": [], "unfilled_seats": 0, "runoff": null, "threshold": null}),
        );
        if c["threshold"].is_object() {
            fill(
                &mut c["threshold"],
                json!({"base": "present", "base_count": null,
                    "votes_needed": null, "description": ""}),
            );
        }
        if c["runoff"].is_object() {
            fill(
                &mut c["runoff"],
                json!({"threshold": null, "list_size": null,
                    "boundary_tie": false, "short_list": false, "message": ""}),
            );
        }
        for s in c["subjects"].as_array_mut().into_iter().flatten() {
            figures(s);
            for g in s["groups"].as_array_mut().unwrap() {
                figures(g);
            }
        }
    }
    for r in v["rankings"].as_array_mut().unwrap() {
        fill(
            r,
            json!({"components": [], "tie_break_key": null, "problems": []}),
        );
        for e in r["entries"].as_array_mut().unwrap() {
            let total = e["total"].clone();
            fill(
                e,
                json!({"total_exact": total, "components": {}, "tie_break": null}),
            );
        }
    }
    v
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
    let mut rdr = ::csv::ReaderBuilder::new()
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
    let csv = result_csv(&doc).unwrap();
    let body = csv.trim_start_matches('\u{feff}');
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    let records: Vec<::csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&records[0][0], "'-2+3");
    assert_eq!(&records[0][3], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&records[1][3], "'+1");
    assert_eq!(&records[4][3], "'@SUM(A1)");
    let subject = records.iter().find(|r| r.get(1) == Some("'\t=1")).unwrap();
    assert_eq!(&subject[8], "92.80");
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

/// A malformed field is refused with a code and what is wrong, never exported as a blank
/// (issue 16: a malformed number printed as a blank on a public notice).
#[test]
fn malformed_fields_are_refused() {
    type Spoil = fn(&mut Value);
    let cases: Vec<(Spoil, &str)> = vec![
        (
            |d| d["contests"][0]["candidates"][0]["for"] = json!("139"),
            "for",
        ),
        (|d| d["contests"][0]["seats"] = json!("seven"), "seats"),
        (
            |d| d["contests"][0]["ballots"]["valid"] = json!(-1),
            "valid",
        ),
        (
            |d| d["contests"][1]["subjects"][0]["score"] = json!("=1+1"),
            "=1+1",
        ),
        (
            |d| d["contests"][1]["subjects"][0]["favourable_rate"] = json!("95,00"),
            "95,00",
        ),
        (|d| d["contests"][0]["elected"] = json!([null]), "elected"),
        (
            |d| d["rankings"][0]["entries"][0]["total"] = json!(82.27),
            "total",
        ),
        (
            |d| {
                d["contests"][0].as_object_mut().unwrap().remove("turnout");
            },
            "turnout",
        ),
    ];
    for (spoil, what) in cases {
        let mut doc = sample();
        spoil(&mut doc);
        for e in [
            result_csv(&doc).unwrap_err(),
            result_xlsx(&doc).unwrap_err(),
        ] {
            assert_eq!(e.code(), "office_input", "{what}: {e}");
            assert!(e.to_string().contains("result_invalid"), "{what}: {e}");
        }
    }
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
