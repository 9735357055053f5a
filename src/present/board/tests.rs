#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
    board_html(&signed(parse(PARTY_RESULT)), URL, &sort).unwrap()
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
    let page = board_html(&signed(parse(PARTY_RESULT)), URL, &reverse).unwrap();
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
    let page = board_html(&signed(result), URL, &sort).unwrap();
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
    let page = board_html(&signed(parse(PARTY_RESULT)), URL, &sort).unwrap();
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
    let page = board_html(&signed(result), "https://x.example/?a=1&b=<2>", &sort).unwrap();
    assert!(!page.contains("<b>x</b>"));
    assert!(!page.contains("<i>"));
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
    assert!(page.contains("&lt;i&gt;&quot;w&quot;&lt;/i&gt;"));
    assert!(page.contains("&lt;img src=x&gt;"));
    assert!(page.contains("https://x.example/?a=1&amp;b=&lt;2&gt;"));
}

#[test]
fn record_text_is_escaped_once() {
    // Every field of the record is text from the envelope; the templates escape each once
    // (numbers given as text included).
    let mut doc = signed(parse(PARTY_RESULT));
    doc["revotes"] = json!([{"source": "<s>", "entry": "<e>", "reason": "a&b"}]);
    doc["procedures"] = json!([{"title": "<t>", "steps": [
        {"title": "<st>", "ratio": "<r>", "posts": "<pp>", "people": ["<n>"], "entry": 3, "basis": "<bb>"}
    ]}]);
    doc["corrections"] = json!([{"contest": "c1", "eligible": "<1>", "reason": "<why>",
        "proposed_by": {"name": "<x>", "role": "r"}, "approved_by": {"name": "y", "role": "<z>"}}]);
    doc["desk_figures"] = json!([{"contest": "c1", "eligible": "&"}]);
    let page = board_html(&doc, URL, &sort).unwrap();
    for raw in [
        "<s>", "<e>", "<t>", "<st>", "<r>", "<pp>", "<n>", "<bb>", "<1>", "<why>", "<x>", "<z>",
    ] {
        assert!(!page.contains(raw), "{raw} unescaped");
    }
    assert!(page.contains("“&lt;s&gt;” 无效轮次的重新投票 (日志第 &lt;e&gt; 条), 原因: a&amp;b"));
    assert!(page
        .contains("签到处 <span class=\"en\">the desk</span> 应到 E &amp; · 实到 P — · 发出 I —"));
}

#[test]
fn evaluation_renders_grades() {
    let page = board_html(&signed(parse(EVALUATION_RESULT)), URL, &sort).unwrap();
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
    let page = board_html(&signed(result.clone()), URL, &sort).unwrap();
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
    let page = board_html(&signed(result), URL, &sort).unwrap();
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
    let page = board_html(&signed(result), URL, &sort).unwrap();
    assert!(page.contains("本轮无效"));
    assert!(page.contains("到会人数不足"));
}

/// A document that is not a result is refused with a code, never shown with blanks.
#[test]
fn malformed_results_are_refused_not_blanked() {
    let mut bad_count = parse(PARTY_RESULT);
    bad_count["contests"][0]["candidates"][0]["for"] = json!("139x");
    let mut bad_format = parse(PARTY_RESULT);
    bad_format["format"] = json!("scrutineer.result/v9");
    for (doc, code) in [
        (json!({}), "result_invalid"),
        (json!(null), "result_invalid"),
        (json!([1, 2]), "result_invalid"),
        (
            json!({"result": 5, "checkpoint": 7, "result_index": "x"}),
            "result_invalid",
        ),
        (
            json!({"result": {"contests": [1, "x", null]}, "checkpoint": "only-origin"}),
            "result_invalid",
        ),
        (signed(bad_count), "result_invalid"),
        (signed(bad_format), "result_format"),
    ] {
        let e = board_html(&doc, "", &sort).unwrap_err();
        assert_eq!(e.code(), code, "{doc}");
    }
    // The record beside a good result is read as it comes: odd parts do not panic.
    let mut odd = signed(parse(PARTY_RESULT));
    odd["checkpoint"] = json!(7);
    odd["result_index"] = json!("x");
    odd["corrections"] = json!([1, {"proposed_by": 3}]);
    odd["procedures"] = json!([{"steps": [null, {"people": [1]}]}]);
    let page = board_html(&odd, "", &sort).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.ends_with("</html>\n"));
}

#[test]
fn qr_path_covers_every_dark_module() {
    let code = qrcode::QrCode::with_error_correction_level(URL.as_bytes(), EcLevel::M).unwrap();
    let dark = code
        .to_colors()
        .iter()
        .filter(|c| **c == qrcode::Color::Dark)
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
    let side = code.width() + 2 * crate::present::html::QR_QUIET_ZONE_MODULES;
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
