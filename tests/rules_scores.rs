//! Rated-score evaluations (issue 15, item 1). RULES.md section 3: "Rated-score ballots (0-100)
//! may drop the highest and lowest when more than 5 raters (local practice)"; evaluator groups
//! are counted separately first and the composite is the weighted mean of the groups' scores;
//! triggers are configurable. Each case is a table: the scores given, and the figures the
//! rules must report as exact fractions and to 2 decimals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};

fn score_contest(subjects: &[&str], extra: Value) -> Value {
    let mut c = json!({
        "id": "e", "kind": "evaluation", "scale": "score",
        "subjects": subjects.iter().map(|s| json!({"id": s, "name": s})).collect::<Vec<_>>(),
        "turnout": {"eligible": 100, "present": 100, "ballots_issued": 100},
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// One ballot per score; `None` leaves the subject unscored.
fn scored(contest: &str, group: Option<&str>, subject: &str, scores: &[Option<u32>]) -> Vec<Value> {
    scores
        .iter()
        .map(|s| {
            let mut b = json!({"contest": contest, "scores": {}});
            if let Some(v) = s {
                b["scores"][subject] = json!(v);
            }
            if let Some(g) = group {
                b["group"] = json!(g);
            }
            b
        })
        .collect()
}

fn subject<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
}

/// (scores, drop_extremes, raters, dropped (lowest, highest), mean to 2 dp, mean exact)
type Case = (
    &'static [Option<u32>],
    bool,
    u64,
    Option<(u32, u32)>,
    &'static str,
    &'static str,
);

#[test]
fn the_mean_drops_the_highest_and_lowest_only_above_five_raters() {
    let cases: &[Case] = &[
        // Five raters: nothing is dropped even with the option (RULES.md: "more than 5").
        (
            &[Some(90), Some(80), Some(70), Some(60), Some(100)],
            true,
            5,
            None,
            "80.00",
            "80",
        ),
        // Six raters: one 100 and one 40 go; (90+80+70+60)/4 = 75.
        (
            &[Some(90), Some(80), Some(70), Some(60), Some(100), Some(40)],
            true,
            6,
            Some((40, 100)),
            "75.00",
            "75",
        ),
        // The same six without the option: 440/6 = 220/3.
        (
            &[Some(90), Some(80), Some(70), Some(60), Some(100), Some(40)],
            false,
            6,
            None,
            "73.33",
            "220/3",
        ),
        // Ties at the extremes: only one of each is dropped. (85·4 + 90·2 − 85 − 90) / 4.
        (
            &[Some(90), Some(90), Some(85), Some(85), Some(85), Some(85)],
            true,
            6,
            Some((85, 90)),
            "86.25",
            "345/4",
        ),
        // Unscored ballots are not raters: 7 ballots, 6 scored; (100+99+98+97)/4.
        (
            &[
                Some(100),
                Some(99),
                None,
                Some(98),
                Some(97),
                Some(96),
                Some(100),
            ],
            true,
            6,
            Some((96, 100)),
            "98.50",
            "197/2",
        ),
        // Exact thirds: (70+70+71)/3 = 211/3 = 70.33.
        (
            &[Some(70), Some(70), Some(71)],
            true,
            3,
            None,
            "70.33",
            "211/3",
        ),
        // Nobody scored the subject: no mean.
        (&[None, None], true, 0, None, "", ""),
    ];
    for (scores, drop, raters, dropped, mean, exact) in cases {
        let c = score_contest(&["s"], json!({"drop_extremes": drop}));
        let result = tally(&spec(vec![c]), &scored("e", None, "s", scores));
        let s = subject(contest_result(&result, "e"), "s");
        let case = format!("{scores:?} drop={drop}: {s}");
        assert_eq!(s["raters"], *raters, "{case}");
        assert_eq!(
            s["unscored"].as_u64().unwrap(),
            scores.len() as u64 - raters,
            "{case}"
        );
        match dropped {
            Some((lo, hi)) => {
                assert_eq!(s["dropped"], json!({"lowest": lo, "highest": hi}), "{case}")
            }
            None => assert!(s["dropped"].is_null(), "{case}"),
        }
        if mean.is_empty() {
            assert!(s["mean"].is_null() && s["score"].is_null(), "{case}");
        } else {
            assert_eq!(
                (s["mean"].as_str(), s["mean_exact"].as_str()),
                (Some(*mean), Some(*exact)),
                "{case}"
            );
            // Without groups the score is the pooled mean.
            assert_eq!(s["score_exact"], s["mean_exact"], "{case}");
        }
    }
}

#[test]
fn groups_are_averaged_first_then_weighted() {
    // RULES.md section 3: each group's ballots are counted separately first; the composite
    // is the weighted mean of the groups' scores. 分管领导 20% / 干部职工 40% / 考核组 40%.
    let c = score_contest(
        &["s"],
        json!({"drop_extremes": true, "groups": [
            {"id": "lead", "title": "分管领导", "weight": "20"},
            {"id": "staff", "title": "干部职工", "weight": "40"},
            {"id": "panel", "title": "考核组", "weight": "40"}]}),
    );
    let ballots: Vec<Value> = [
        scored("e", Some("lead"), "s", &[Some(90), Some(80)]),
        // Seven staff: 100 and 50 dropped; (60+70+80+80+90)/5 = 76.
        scored(
            "e",
            Some("staff"),
            "s",
            &[
                Some(100),
                Some(60),
                Some(70),
                Some(80),
                Some(80),
                Some(90),
                Some(50),
            ],
        ),
        scored("e", Some("panel"), "s", &[Some(70), Some(71), Some(72)]),
    ]
    .concat();
    let result = tally(&spec(vec![c]), &ballots);
    let s = subject(contest_result(&result, "e"), "s");
    let g = |id: &str| {
        s["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(g("lead")["mean_exact"], "85");
    assert_eq!(g("staff")["mean_exact"], "76");
    assert_eq!(g("staff")["dropped"], json!({"lowest": 50, "highest": 100}));
    assert_eq!(g("panel")["mean_exact"], "71");
    // 0.2·85 + 0.4·76 + 0.4·71 = 17 + 30.4 + 28.4 = 75.8.
    assert_eq!(s["score_exact"], "379/5");
    assert_eq!(s["score"], "75.80");
    // Pooled over all twelve (913): 100 and 50 dropped from the pool; 763/10.
    assert_eq!(s["raters"], 12);
    assert_eq!(s["mean_exact"], "763/10");
}

#[test]
fn a_score_below_the_trigger_is_flagged_and_at_it_is_not() {
    let c = score_contest(&["a", "b"], json!({"triggers": {"score_below": "60"}}));
    let mut ballots = Vec::new();
    for (a, b) in [(60, 59), (60, 61), (60, 59)] {
        ballots.push(json!({"contest": "e", "scores": {"a": a, "b": b}}));
    }
    let result = tally(&spec(vec![c]), &ballots);
    let r = contest_result(&result, "e");
    // a: exactly 60, not below. b: 179/3 = 59.67 < 60.
    assert!(codes(&subject(r, "a")["flags"]).is_empty());
    assert_eq!(codes(&subject(r, "b")["flags"]), vec!["score_below"]);
    assert_eq!(subject(r, "b")["score"], "59.67");
    assert_eq!(r["scale"], "score");
    assert_eq!(r["score_rule"]["max"], 100);
}

#[test]
fn uniform_scores_void_the_ballot_under_the_option() {
    // The contest option "every subject the same ⇒ void" applies to scores as to grades.
    let c = score_contest(&["a", "b"], json!({"uniform_void": true}));
    let result = tally(
        &spec(vec![c]),
        &[
            json!({"contest": "e", "scores": {"a": 80, "b": 80}}),
            json!({"contest": "e", "scores": {"a": 80, "b": 90}}),
        ],
    );
    let r = contest_result(&result, "e");
    assert_eq!(r["ballots"]["void"], 1, "{r}");
    assert_eq!(subject(r, "a")["raters"], 1);
}

#[test]
fn bad_specs_and_ballots_are_refused_with_their_codes() {
    // Spec: a rated-score contest has no grades; score fields need scale "score".
    for (extra, field) in [
        (json!({"points": {"excellent": "100"}}), "points"),
        (json!({"score_max": 0}), "evaluation"),
        (json!({"score_max": 1001}), "evaluation"),
    ] {
        let (code, msg) = spec_error(&spec(vec![score_contest(&["s"], extra.clone())]));
        assert!(
            code.contains(field) || msg.contains("score"),
            "{extra}: {code} {msg}"
        );
    }
    let mut graded = score_contest(&["s"], json!({"drop_extremes": true}));
    graded["scale"] = json!("individual");
    let (code, msg) = spec_error(&spec(vec![graded]));
    assert!(msg.contains("drop_extremes"), "{code}: {msg}");
    // Ballots: over the top score, a grade in a scored contest, a score in a graded one.
    let election = scrutineer::record::parse_election(
        spec(vec![score_contest(&["s"], json!({"score_max": 10}))])
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    for (line, want) in [
        (
            json!({"contest": "e", "scores": {"s": 11}}),
            "score_out_of_range",
        ),
        (json!({"contest": "e", "scores": {"s": -1}}), "ballot_json"),
        (json!({"contest": "e", "scores": {"s": 7.5}}), "ballot_json"),
        (
            json!({"contest": "e", "scores": {"x": 5}}),
            "unknown_subject",
        ),
        (
            json!({"contest": "e", "ratings": {"s": "excellent"}}),
            "ballot_shape",
        ),
        (
            json!({"contest": "e", "ratings": {"s": "good"}}),
            "ballot_shape",
        ),
    ] {
        let e = scrutineer::record::ballot::parse_ballot_line(
            &election,
            1,
            &line.to_string(),
            scrutineer::record::names::Names::Clean,
        )
        .unwrap_err();
        assert_eq!(e.code, want, "{line}: {e}");
    }
    let graded = scrutineer::record::parse_election(
        spec(vec![{
            let mut c = score_contest(&["s"], json!({}));
            c["scale"] = json!("individual");
            c
        }])
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let e = scrutineer::record::ballot::parse_ballot_line(
        &graded,
        1,
        &json!({"contest": "e", "scores": {"s": 5}}).to_string(),
        scrutineer::record::names::Names::Clean,
    )
    .unwrap_err();
    assert_eq!(e.code, "ballot_shape");
}

#[test]
fn the_example_counts_as_worked_by_hand() {
    // examples/rated-score-evaluation: 赵村长 20%·90 + 40%·89 (95 90 88 85 87 of seven, 100
    // and 60 dropped) + 40%·90 = 89.6; 孙主任 20%·59.5 + 40%·58.2 + 40%·175/3 = 58.51 < 60.
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rated-score-evaluation");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .arg("tally")
        .arg("--spec")
        .arg(root.join("spec.json"))
        .arg("--ballots")
        .arg(root.join("ballots.jsonl"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let result: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = contest_result(&result, "scores");
    assert_eq!(subject(r, "c1")["score_exact"], "448/5");
    assert_eq!(subject(r, "c2")["score"], "71.90");
    assert_eq!(subject(r, "c2")["unscored"], 1);
    assert_eq!(subject(r, "c3")["score"], "58.51");
    assert_eq!(codes(&subject(r, "c3")["flags"]), vec!["score_below"]);
    assert!(codes(&subject(r, "c1")["flags"]).is_empty());
}

#[test]
fn a_composite_ranking_takes_the_score_of_a_rated_evaluation() {
    // RULES.md section 3, composite ranking: the 民主测评 component comes from an evaluation
    // contest, here a rated-score one. a: 0.6·80 + 0.4·90 = 84; b: 0.6·85 + 0.4·70 = 79.
    let c = score_contest(&["a", "b"], json!({}));
    let mut s = spec(vec![c]);
    s["rankings"] = json!([{"id": "post", "title": "竞争上岗", "subjects": [{"id": "a", "name": "a"}, {"id": "b", "name": "b"}],
        "components": [{"id": "exam", "title": "笔试", "weight": 60, "scores": {"a": "80", "b": "85"}},
                       {"id": "eval", "title": "打分", "weight": 40, "evaluation": "e"}]}]);
    let result = tally(
        &s,
        &[
            json!({"contest": "e", "scores": {"a": 95, "b": 70}}),
            json!({"contest": "e", "scores": {"a": 85, "b": 70}}),
        ],
    );
    let entries = result["rankings"][0]["entries"].as_array().unwrap().clone();
    let total = |id: &str| {
        entries
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| e["total_exact"].clone())
            .unwrap()
    };
    assert_eq!(
        (total("a"), total("b")),
        (json!("84"), json!("79")),
        "{entries:?}"
    );
    assert_eq!(entries[0]["id"], "a");
}
