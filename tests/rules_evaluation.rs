//! Democratic evaluation (RULES.md section 3), composite ranking and structure targets
//! (sections 3 and 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};

fn eval_contest(scale: &str, subjects: &[&str], extra: Value) -> Value {
    let mut c = json!({
        "id": "e", "kind": "evaluation", "seats": 1, "scale": scale,
        "subjects": subjects.iter().map(|s| json!({"id": s, "name": s})).collect::<Vec<_>>(),
        "turnout": {"eligible": 100, "present": 100, "ballots_issued": 100},
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn subject<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
}

fn cat(parts: Vec<Vec<Value>>) -> Vec<Value> {
    parts.into_iter().flatten().collect()
}

#[test]
fn favourable_rate_at_exactly_two_thirds_is_not_flagged() {
    // Trigger: (excellent + competent) / valid < 2/3. Exactly 2/3 does not trigger.
    let c = eval_contest("individual", &["s"], json!({}));
    let result = tally(
        &spec(vec![c.clone()]),
        &cat(vec![
            eval_ballots(20, "e", None, &[("s", "excellent")]),
            eval_ballots(20, "e", None, &[("s", "competent")]),
            eval_ballots(20, "e", None, &[("s", "basic")]),
        ]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(s["favourable_rate"], "66.67");
    assert_eq!(s["favourable_rate_exact"], "2/3");
    assert!(codes(&s["flags"]).is_empty());
    // One fewer favourable grade: 39/60 < 2/3 ⇒ flagged.
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            eval_ballots(20, "e", None, &[("s", "excellent")]),
            eval_ballots(19, "e", None, &[("s", "competent")]),
            eval_ballots(21, "e", None, &[("s", "basic")]),
        ]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(codes(&s["flags"]), vec!["favourable_below"]);
}

#[test]
fn incompetent_rate_at_exactly_one_third_is_not_flagged() {
    // Trigger: incompetent / valid > 1/3. Exactly 1/3 does not trigger; just above does.
    let c = eval_contest(
        "individual",
        &["s"],
        json!({"triggers": {"favourable_below": null}}),
    );
    let result = tally(
        &spec(vec![c.clone()]),
        &cat(vec![
            eval_ballots(40, "e", None, &[("s", "excellent")]),
            eval_ballots(20, "e", None, &[("s", "incompetent")]),
        ]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(s["rates"]["incompetent"], "33.33");
    assert!(codes(&s["flags"]).is_empty());
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            eval_ballots(39, "e", None, &[("s", "excellent")]),
            eval_ballots(21, "e", None, &[("s", "incompetent")]),
        ]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(codes(&s["flags"]), vec!["unfavourable_above"]);
}

#[test]
fn counts_rates_and_points_score() {
    // RULES.md section 3: rates over valid ballots, points Σ count·points / valid (100/80/60/40).
    let c = eval_contest("individual", &["s", "t"], json!({}));
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            eval_ballots(3, "e", None, &[("s", "excellent"), ("t", "basic")]),
            eval_ballots(1, "e", None, &[("s", "competent")]),
            eval_ballots(2, "e", None, &[("s", "incompetent"), ("t", "excellent")]),
        ]),
    );
    let r = contest_result(&result, "e");
    let s = subject(r, "s");
    assert_eq!(
        s["counts"],
        json!({"excellent": 3, "competent": 1, "basic": 0, "incompetent": 2, "abstain": 0})
    );
    assert_eq!(s["rates"]["excellent"], "50.00");
    assert_eq!(s["rates_exact"]["competent"], "1/6");
    // (300 + 80 + 80) / 6 = 460/6 = 230/3 = 76.67
    assert_eq!(s["score"], "76.67");
    assert_eq!(s["score_exact"], "230/3");
    let t = subject(r, "t");
    // One ballot did not rate t: abstain, and still in the denominator.
    assert_eq!(t["counts"]["abstain"], 1);
    assert_eq!(t["rates"]["excellent"], "33.33");
}

#[test]
fn team_and_member_scales_use_their_keys() {
    let c = eval_contest("team", &["s"], json!({}));
    let result = tally(
        &spec(vec![c]),
        &eval_ballots(4, "e", None, &[("s", "fairly_good")]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(s["counts"]["fairly_good"], 4);
    assert_eq!(s["favourable_rate"], "100.00");
    let c = eval_contest("member", &["s"], json!({}));
    let result = tally(
        &spec(vec![c]),
        &eval_ballots(4, "e", None, &[("s", "unqualified")]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    assert_eq!(s["counts"]["unqualified"], 4);
    assert_eq!(
        codes(&s["flags"]),
        vec!["favourable_below", "unfavourable_above"]
    );
    // A grade of another scale is a bad line.
    let c = eval_contest("member", &["s"], json!({}));
    let election =
        scrutineer::record::parse_election(spec(vec![c]).to_string().as_bytes()).unwrap();
    let err = scrutineer::record::parse_ballots(
        &election,
        "{\"contest\":\"e\",\"ratings\":{\"s\":\"competent\"}}\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.code, "unknown_grade");
}

#[test]
fn weighted_groups_give_a_weighted_composite() {
    // Seed 004-style tiers: 分管领导 20% / 干部职工 40% / 考核组 40%; each group counted
    // separately first, then Σ w·score / Σ w.
    let c = eval_contest(
        "individual",
        &["s"],
        json!({"groups": [
            {"id": "lead", "weight": 20}, {"id": "staff", "weight": 40}, {"id": "panel", "weight": "40"}
        ]}),
    );
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            eval_ballots(2, "e", Some("lead"), &[("s", "excellent")]), // 100
            eval_ballots(1, "e", Some("staff"), &[("s", "excellent")]), // (100 + 60) / 2 = 80
            eval_ballots(1, "e", Some("staff"), &[("s", "basic")]),
            eval_ballots(3, "e", Some("panel"), &[("s", "incompetent")]), // 40
        ]),
    );
    let s = subject(contest_result(&result, "e"), "s");
    // (20·100 + 40·80 + 40·40) / 100 = 68
    assert_eq!(s["score"], "68.00");
    // The pooled points score differs: (300 + 60 + 120) / 7.
    assert_eq!(s["points_score_exact"], "480/7");
    let groups = s["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[1]["id"], "staff");
    assert_eq!(groups[1]["score"], "80.00");
    assert_eq!(groups[1]["valid"], 2);
    assert_eq!(
        codes(&groups[2]["flags"]),
        vec!["favourable_below", "unfavourable_above"]
    );
}

#[test]
fn weighted_group_without_ballots_has_no_composite() {
    let c = eval_contest(
        "individual",
        &["s"],
        json!({"groups": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}]}),
    );
    let result = tally(
        &spec(vec![c]),
        &eval_ballots(2, "e", Some("a"), &[("s", "excellent")]),
    );
    let r = contest_result(&result, "e");
    assert_eq!(subject(r, "s")["score"], Value::Null);
    assert_eq!(codes(&r["warnings"]), vec!["group_without_ballots"]);
}

#[test]
fn groups_need_all_or_no_weights_and_ballots_need_their_group() {
    let c = eval_contest(
        "individual",
        &["s"],
        json!({"groups": [{"id": "a", "weight": 1}, {"id": "b"}]}),
    );
    assert_eq!(spec_error(&spec(vec![c])).0, "evaluation_setup");
    let c = eval_contest("individual", &["s"], json!({"groups": [{"id": "a"}]}));
    let election =
        scrutineer::record::parse_election(spec(vec![c]).to_string().as_bytes()).unwrap();
    let err = scrutineer::record::parse_ballots(
        &election,
        "{\"contest\":\"e\",\"ratings\":{}}\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.code, "group_missing");
}

#[test]
fn uniform_grades_void_only_when_the_option_is_set() {
    // Local rule: a ballot giving every subject the same grade may be declared void.
    let b = cat(vec![
        eval_ballots(3, "e", None, &[("s", "excellent"), ("t", "excellent")]),
        eval_ballots(2, "e", None, &[("s", "excellent"), ("t", "competent")]),
    ]);
    let result = tally(
        &spec(vec![eval_contest("individual", &["s", "t"], json!({}))]),
        &b,
    );
    assert_eq!(contest_result(&result, "e")["ballots"]["void"], 0);
    let result = tally(
        &spec(vec![eval_contest(
            "individual",
            &["s", "t"],
            json!({"uniform_void": true}),
        )]),
        &b,
    );
    let r = contest_result(&result, "e");
    assert_eq!(
        r["ballots"],
        json!({"issued": 100, "returned": 5, "valid": 2, "void": 3})
    );
    assert_eq!(r["void_reasons"], json!({"uniform_grades": 3}));
}

#[test]
fn excellent_quota_per_ballot_rounds_down() {
    // Civil-service 优秀 at most 20%: of 5 subjects, floor(5 · 1/5) = 1 top grade per ballot.
    let subjects = ["a", "b", "c", "d", "f"];
    let c = eval_contest("individual", &subjects, json!({"excellent_quota": "1/5"}));
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            eval_ballots(4, "e", None, &[("a", "excellent"), ("b", "competent")]),
            eval_ballots(1, "e", None, &[("a", "excellent"), ("b", "excellent")]),
        ]),
    );
    let r = contest_result(&result, "e");
    assert_eq!(r["void_reasons"], json!({"excellent_over_quota": 1}));
    assert_eq!(subject(r, "a")["counts"]["excellent"], 4);
}

#[test]
fn composite_ranking_breaks_ties_only_by_the_named_key() {
    // Seed 002: ties broken by 近三年考核优秀票平均得票率; a tie that survives is reported.
    let e = eval_contest("individual", &["x", "y", "z"], json!({}));
    let s = json!({
        "format": "scrutineer.election/v1", "id": "t",
        "contests": [e],
        "rankings": [{
            "id": "post", "title": "竞争上岗",
            "subjects": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}, {"id": "z", "name": "Z"}],
            "components": [
                {"id": "exam", "weight": 50, "scores": {"x": 90, "y": 90, "z": 90}},
                {"id": "eval", "weight": 50, "evaluation": "e"}
            ],
            "tie_break": {"key": "近三年考核优秀票平均得票率", "scores": {"x": "0.5", "y": "0.6", "z": "0.5"}}
        }]
    });
    // All three get 100 points in the evaluation: equal totals.
    let result = tally(
        &s,
        &eval_ballots(
            3,
            "e",
            None,
            &[("x", "excellent"), ("y", "excellent"), ("z", "excellent")],
        ),
    );
    let r = &result["rankings"][0];
    let entries = r["entries"].as_array().unwrap();
    assert_eq!(entries[0]["id"], "y");
    assert_eq!(entries[0]["rank"], 1);
    assert_eq!(entries[0]["total"], "95.00");
    assert_eq!(entries[1]["rank"], 2);
    assert_eq!(entries[2]["rank"], 2);
    assert_eq!(entries[1]["tied"], true);
    assert_eq!(r["unresolved_ties"], json!([["x", "z"]]));
}

#[test]
fn ranking_needs_every_score() {
    let s = json!({
        "format": "scrutineer.election/v1", "id": "t",
        "contests": [contest("c", "npc_direct", 1, &["a", "b"], (10, 9, 9))],
        "rankings": [{"id": "p", "subjects": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}],
            "components": [{"id": "exam", "weight": 1, "scores": {"x": 1}}]}]
    });
    let (code, message) = spec_error(&s);
    assert_eq!(code, "ranking_setup");
    assert!(message.contains("“y”"), "{message}");
}

#[test]
fn structure_targets_are_warnings_only() {
    // Seed 003 代表结构比例: leaders ≈ 70%, under 40 ≥ 60%, women ≥ their share of members.
    let cands: Vec<Value> = (0..10)
        .map(|i| {
            json!({"id": format!("p{i}"), "name": format!("代表{i}"), "attributes": {
                "category": if i < 9 { "leader" } else { "professional" },
                "age": if i < 5 { 35 } else { 50 },
                "gender": if i < 2 { "female" } else { "male" },
                "education": "college"
            }})
        })
        .collect();
    let s = json!({
        "format": "scrutineer.election/v1", "id": "t",
        "structure": {"female_member_share": "30/100"},
        "contests": [{"id": "d", "kind": "party_delegates", "seats": 8, "candidates": cands,
            "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}}]
    });
    let result = tally(&s, &[]);
    let report = &result["structure"][0];
    assert_eq!(report["scope"], "candidates");
    let checks = report["checks"].as_array().unwrap();
    let get = |id: &str| checks.iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(get("leaders")["share"], "90.00");
    assert_eq!(get("leaders")["met"], false);
    assert_eq!(get("under_40")["met"], false);
    assert_eq!(get("women")["met"], false);
    assert_eq!(get("junior_high_or_above")["met"], true);
    let w = codes(&report["warnings"]);
    assert!(w.contains(&"structure_target_missed".to_string()));
    assert!(w.contains(&"congress_size".to_string()));
    // Warnings never block: the contest is still counted and valid.
    assert_eq!(contest_result(&result, "d")["valid"], true);
}

/// Issue 15, item 5: seats mean nothing in an evaluation, so a spec may leave them out; any
/// other kind still needs them, and the refusal names the field and the kind.
#[test]
fn an_evaluation_needs_no_seats_and_an_election_says_it_needs_them() {
    let mut c = eval_contest("individual", &["s1", "s2"], json!({}));
    c.as_object_mut().unwrap().remove("seats");
    let e = scrutineer::record::parse_election(spec(vec![c]).to_string().as_bytes()).unwrap();
    assert_eq!(e.contests[0].id(), "e");
    let npc = json!({"id": "d1", "kind": "npc_direct", "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
        "turnout": {"eligible": 10, "present": 9, "ballots_issued": 9}});
    let err = scrutineer::record::parse_election(spec(vec![npc]).to_string().as_bytes())
        .err()
        .unwrap();
    assert_eq!(err.code(), "spec_field_missing");
    let m = err.to_string();
    assert!(
        m.contains("seats") && m.contains("d1") && m.contains("县乡人大代表"),
        "{m}"
    );
}

/// A spec given as input may not set a review trigger above 1 (`60` for 60% would flag every
/// subject's favourable rate and never its 不称职 one) nor weigh a group 0 (its composite
/// would wait on a group that does not count); a logged spec replays as registered (the
/// evaluation review of 2026-12-05).
#[test]
fn a_trigger_is_a_share_and_a_weight_is_positive_in_a_new_spec() {
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/democratic-evaluation/spec.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(scrutineer::record::parse_election(base.to_string().as_bytes()).is_ok());
    let mut percent = base.clone();
    percent["contests"][0]["triggers"] =
        serde_json::json!({"favourable_below": 60, "unfavourable_above": 30});
    let mut zero = base.clone();
    zero["contests"][0]["groups"][0]["weight"] = serde_json::json!(0);
    for (spec, said) in [(&percent, "exceeds 1"), (&zero, "has weight 0")] {
        let bytes = spec.to_string();
        let e = scrutineer::record::parse_election(bytes.as_bytes()).unwrap_err();
        assert!(e.to_string().contains(said), "{e}");
        // A logged spec replays as it was registered, the statute's check included (which
        // entry 0 of a protocol-6-or-later log runs again at every replay and in verify).
        let logged = scrutineer::record::election::parse_logged_election(bytes.as_bytes())
            .expect("a logged spec must replay as it was registered");
        assert!(logged.check_statute().is_ok(), "{said}");
    }
    let mut share = base;
    share["contests"][0]["triggers"] =
        serde_json::json!({"favourable_below": "3/5", "unfavourable_above": 0.3});
    assert!(scrutineer::record::parse_election(share.to_string().as_bytes()).is_ok());
}
