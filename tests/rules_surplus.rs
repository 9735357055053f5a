//! The candidate-list check (差额), RULES.md section 2, one case per bound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::json;

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("c{i}")).collect()
}

/// Builds a contest of `kind` with `seats` and `count` candidates and reports whether the
/// spec is accepted.
fn accepted(
    kind: &str,
    seats: u32,
    count: usize,
    extra: serde_json::Value,
) -> Result<(), (String, String)> {
    let ns = names(count);
    let refs: Vec<&str> = ns.iter().map(String::as_str).collect();
    let mut c = contest("x", kind, seats, &refs, (100, 90, 90));
    if let (Some(obj), Some(more)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    let s = spec(vec![c]);
    match scrutineer::record::parse_election(s.to_string().as_bytes()) {
        Ok(_) => Ok(()),
        Err(e) => Err((e.code().to_string(), e.to_string())),
    }
}

/// `check(rule, kind, seats, candidates, accepted?)`
fn check(rule: &str, kind: &str, seats: u32, count: usize, ok: bool) {
    let got = accepted(kind, seats, count, json!({}));
    match (ok, &got) {
        (true, Ok(())) => {}
        (false, Err((code, _))) => assert_eq!(code, "surplus_rule_broken", "{rule}: {kind} {seats}/{count}"),
        _ => panic!("{rule}: {kind} with {seats} seats and {count} candidates: expected accepted={ok}, got {got:?}"),
    }
}

#[test]
fn party_lists_need_twenty_percent_surplus() {
    // BER Art. 9, 13: C ≥ s + ceil(s/5).
    for kind in ["party_delegates", "party_committee", "discipline_committee"] {
        check("BER Art. 9/13: 9 seats need 11", kind, 9, 10, false);
        check("BER Art. 9/13: 9 seats need 11", kind, 9, 11, true);
        check("BER Art. 9/13: 7 seats need 9", kind, 7, 8, false);
        check("BER Art. 9/13: 7 seats need 9", kind, 7, 9, true);
        check("BER Art. 9/13: 5 seats need 6", kind, 5, 6, true);
        check("BER Art. 9/13: 5 seats need 6", kind, 5, 5, false);
        check("BER Art. 9/13: 1 seat needs 2", kind, 1, 2, true);
        check("BER Art. 9/13: 1 seat needs 2", kind, 1, 1, false);
        check("BER: no upper bound", kind, 3, 30, true);
    }
}

#[test]
fn committee_refusal_names_rule_numbers_and_bound() {
    let (code, message) = accepted("party_committee", 9, 10, json!({})).unwrap_err();
    assert_eq!(code, "surplus_rule_broken");
    assert!(
        message.contains("党委委员 9 名应选, 候选人须不少于 11 名 (差额不少于20%), 现有 10 名"),
        "{message}"
    );
    assert!(
        message.contains("9 seats need at least 11 candidates"),
        "{message}"
    );
}

#[test]
fn party_secretary_may_be_equal() {
    check("secretary: 等额 allowed", "party_secretary", 1, 1, true);
    check("secretary: more allowed", "party_secretary", 1, 3, true);
    check("secretary: fewer refused", "party_secretary", 3, 2, false);
}

#[test]
fn npc_direct_third_to_double() {
    // EL Art. 31: ceil(4s/3) ≤ C ≤ 2s.
    check("EL Art. 31: 1 seat ⇒ 2", "npc_direct", 1, 1, false);
    check("EL Art. 31: 1 seat ⇒ 2", "npc_direct", 1, 2, true);
    check("EL Art. 31: 1 seat ⇒ at most 2", "npc_direct", 1, 3, false);
    check("EL Art. 31: 2 seats ⇒ 3..4", "npc_direct", 2, 2, false);
    check("EL Art. 31: 2 seats ⇒ 3..4", "npc_direct", 2, 3, true);
    check("EL Art. 31: 2 seats ⇒ 3..4", "npc_direct", 2, 4, true);
    check("EL Art. 31: 2 seats ⇒ 3..4", "npc_direct", 2, 5, false);
    check("EL Art. 31: 3 seats ⇒ 4..6", "npc_direct", 3, 4, true);
    check("EL Art. 31: 3 seats ⇒ 4..6", "npc_direct", 3, 6, true);
    check("EL Art. 31: 3 seats ⇒ 4..6", "npc_direct", 3, 7, false);
}

#[test]
fn npc_indirect_fifth_to_half_and_one_seat_two() {
    // EL Art. 31, 45: ceil(6s/5) ≤ C ≤ floor(3s/2); the empty range at 1 seat ⇒ 2.
    check(
        "EL Art. 31/45: 1 seat ⇒ exactly 2",
        "npc_indirect",
        1,
        2,
        true,
    );
    check(
        "EL Art. 31/45: 1 seat ⇒ exactly 2",
        "npc_indirect",
        1,
        1,
        false,
    );
    check(
        "EL Art. 31/45: 1 seat ⇒ exactly 2",
        "npc_indirect",
        1,
        3,
        false,
    );
    check("EL Art. 31: 2 seats ⇒ 3", "npc_indirect", 2, 3, true);
    check("EL Art. 31: 2 seats ⇒ 3", "npc_indirect", 2, 4, false);
    check(
        "EL Art. 31: 10 seats ⇒ 12..15",
        "npc_indirect",
        10,
        11,
        false,
    );
    check(
        "EL Art. 31: 10 seats ⇒ 12..15",
        "npc_indirect",
        10,
        12,
        true,
    );
    check(
        "EL Art. 31: 10 seats ⇒ 12..15",
        "npc_indirect",
        10,
        15,
        true,
    );
    check(
        "EL Art. 31: 10 seats ⇒ 12..15",
        "npc_indirect",
        10,
        16,
        false,
    );
}

#[test]
fn township_posts() {
    // LOL Art. 27.
    check("LOL Art. 27: head C = s + 1", "township_head", 1, 2, true);
    check("LOL Art. 27: head C = s + 1", "township_head", 1, 1, false);
    check("LOL Art. 27: head C = s + 1", "township_head", 1, 3, false);
    assert!(accepted("township_head", 1, 1, json!({"only_one_nominated": true})).is_ok());
    assert!(accepted("township_head", 1, 2, json!({"only_one_nominated": true})).is_err());
    check(
        "LOL Art. 27: deputies s+1..s+3",
        "township_deputy",
        2,
        2,
        false,
    );
    check(
        "LOL Art. 27: deputies s+1..s+3",
        "township_deputy",
        2,
        3,
        true,
    );
    check(
        "LOL Art. 27: deputies s+1..s+3",
        "township_deputy",
        2,
        5,
        true,
    );
    check(
        "LOL Art. 27: deputies s+1..s+3",
        "township_deputy",
        2,
        6,
        false,
    );
}

#[test]
fn villager_committee_more_than_seats() {
    check("VCL Art. 15: C > s", "villager_committee", 3, 3, false);
    check("VCL Art. 15: C > s", "villager_committee", 3, 4, true);
}

#[test]
fn recommendation_has_no_surplus_rule() {
    check("recommendation: none", "recommendation", 2, 1, true);
    check("recommendation: none", "recommendation", 2, 20, true);
}

#[test]
fn seed_003_override_seven_seats_surplus_one() {
    // Seed 003: committees of 7 with 差额 1, below BER's 20%: an explicit override with basis.
    let none = accepted("party_committee", 7, 8, json!({}));
    assert_eq!(none.unwrap_err().0, "surplus_rule_broken");
    let no_basis = accepted(
        "party_committee",
        7,
        8,
        json!({"overrides": {"min_surplus": 1}}),
    );
    let (code, message) = no_basis.unwrap_err();
    assert_eq!(code, "override_without_basis");
    assert!(message.contains("basis"), "{message}");
    let blank_basis = accepted(
        "party_committee",
        7,
        8,
        json!({"overrides": {"min_surplus": 1, "basis": "  "}}),
    );
    assert_eq!(blank_basis.unwrap_err().0, "override_without_basis");

    let mut c = contest(
        "committee",
        "party_committee",
        7,
        &["a", "b", "c", "d", "e", "f", "g", "h"],
        (100, 90, 90),
    );
    c["overrides"] = json!({"min_surplus": 1, "basis": "县委组织部换届工作意见 (seed 003)"});
    let result = tally(
        &spec(vec![c]),
        &ballots(90, "committee", &[("a", "for")], &[]),
    );
    let r = contest_result(&result, "committee");
    assert_eq!(codes(&r["warnings"]), vec!["override_below_statute"]);
    let w = r["warnings"][0]["message"].as_str().unwrap();
    assert!(
        w.contains("低于法定的 9 名") && w.contains("seed 003"),
        "{w}"
    );
    // Even with the override, 7 candidates (等额) is still refused.
    let equal = accepted(
        "party_committee",
        7,
        7,
        json!({"overrides": {"min_surplus": 1, "basis": "x"}}),
    );
    assert_eq!(equal.unwrap_err().0, "surplus_rule_broken");
}

#[test]
fn override_above_statute_is_reported_but_not_below() {
    let mut c = contest(
        "c",
        "party_committee",
        5,
        &["a", "b", "c", "d", "e", "f", "g"],
        (100, 90, 90),
    );
    c["overrides"] = json!({"min_surplus": 2, "basis": "本地规定差额 2 名"});
    let result = tally(&spec(vec![c]), &[]);
    assert_eq!(
        codes(&contest_result(&result, "c")["warnings"]),
        vec!["override_applied"]
    );
}

#[test]
fn malformed_specs_are_refused_with_codes() {
    let cases = [
        (
            json!({"format": "scrutineer.election/v2", "id": "x", "contests": []}),
            "spec_format",
        ),
        (
            json!({"format": "scrutineer.election/v1", "id": "x", "contests": []}),
            "election_empty",
        ),
        (
            spec(vec![contest(
                "a",
                "no_such_kind",
                1,
                &["x", "y"],
                (10, 9, 9),
            )]),
            "unknown_kind",
        ),
        (
            spec(vec![contest("a", "npc_direct", 0, &[], (10, 9, 9))]),
            "seats_out_of_range",
        ),
        (
            spec(vec![contest("a", "npc_direct", 1, &["x", "x"], (10, 9, 9))]),
            "duplicate_candidate",
        ),
        (
            spec(vec![contest(
                "a",
                "npc_direct",
                1,
                &["x", "y"],
                (10, 11, 9),
            )]),
            "present_exceeds_eligible",
        ),
        (
            spec(vec![
                contest("a", "npc_direct", 1, &["x", "y"], (10, 9, 9)),
                contest("a", "npc_direct", 1, &["x", "y"], (10, 9, 9)),
            ]),
            "duplicate_contest",
        ),
        (
            json!({"format": "scrutineer.election/v1", "id": "x", "contests": [{"id": "a", "kind": "npc_direct", "seats": 1, "candidates": [], "turnout": {"eligible": 1, "present": 1, "ballots_issued": 1}, "sets": 2}]}),
            "spec_json",
        ),
    ];
    for (s, expected) in cases {
        let (code, message) = spec_error(&s);
        assert_eq!(code, expected, "{message}");
        assert!(!message.is_empty());
    }
    let (code, message) = spec_error(
        &json!({"format": "scrutineer.election/v1", "id": "x", "contests": [{"id": "a", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "x", "name": "x"}, {"id": "y", "name": "y"}]}]}),
    );
    assert_eq!(code, "turnout_missing", "{message}");
}
