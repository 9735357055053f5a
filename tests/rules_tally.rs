//! The tally, RULES.md sections 1-2: reconciliation, quorum, thresholds with their
//! denominators, ties, shortfalls and runoffs. Each case cites the rule it enforces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use serde_json::{json, Value};

fn one(kind: &str, seats: u32, cands: &[&str], turnout: (u64, u64, u64), b: Vec<Value>) -> Value {
    let result = tally(&spec(vec![contest("x", kind, seats, cands, turnout)]), &b);
    contest_result(&result, "x").clone()
}

fn cat(parts: Vec<Vec<Value>>) -> Vec<Value> {
    parts.into_iter().flatten().collect()
}

/// One row per kind: (rule, kind, seats, candidates, (E, P, I), votes for "a", expected elected).
/// Every other valid ballot marks "b" or nothing, so only "a"'s count decides.
#[test]
fn threshold_of_every_kind() {
    type Row = (
        &'static str,
        &'static str,
        u32,
        &'static [&'static str],
        (u64, u64, u64),
        usize,
        bool,
    );
    let rows: &[Row] = &[
        (
            "BER: 2·for > P, P = 90",
            "party_delegates",
            1,
            &["a", "b"],
            (100, 90, 90),
            46,
            true,
        ),
        (
            "BER: 2·for > P, 2·45 = 90",
            "party_delegates",
            1,
            &["a", "b"],
            (100, 90, 90),
            45,
            false,
        ),
        (
            "BER: 2·for > P",
            "discipline_committee",
            1,
            &["a", "b"],
            (100, 90, 90),
            46,
            true,
        ),
        (
            "BER: 2·for > P",
            "discipline_committee",
            1,
            &["a", "b"],
            (100, 90, 90),
            45,
            false,
        ),
        (
            "BER: secretary by the plenum, 等额",
            "party_secretary",
            1,
            &["a"],
            (9, 9, 9),
            5,
            true,
        ),
        (
            "BER: secretary needs more than half of P",
            "party_secretary",
            1,
            &["a"],
            (9, 9, 9),
            4,
            false,
        ),
        (
            "EL Art. 45: 2·for > P",
            "npc_direct",
            1,
            &["a", "b"],
            (150, 90, 90),
            46,
            true,
        ),
        (
            "EL Art. 45: 2·for > P",
            "npc_direct",
            1,
            &["a", "b"],
            (150, 90, 90),
            45,
            false,
        ),
        (
            "EL Art. 45: 2·for > E (all deputies)",
            "npc_indirect",
            1,
            &["a", "b"],
            (100, 90, 90),
            51,
            true,
        ),
        (
            "EL Art. 45: 2·for > E (all deputies)",
            "npc_indirect",
            1,
            &["a", "b"],
            (100, 90, 90),
            50,
            false,
        ),
        (
            "LOL Art. 25: 2·for > E",
            "township_head",
            1,
            &["a", "b"],
            (100, 90, 90),
            51,
            true,
        ),
        (
            "LOL Art. 25: 2·for > E",
            "township_head",
            1,
            &["a", "b"],
            (100, 90, 90),
            50,
            false,
        ),
        (
            "LOL Art. 25: 2·for > E",
            "township_deputy",
            1,
            &["a", "b"],
            (100, 90, 90),
            51,
            true,
        ),
        (
            "LOL Art. 25: 2·for > E",
            "township_deputy",
            1,
            &["a", "b"],
            (100, 90, 90),
            50,
            false,
        ),
        (
            "VCL Art. 15: 2·for > P",
            "villager_committee",
            1,
            &["a", "b"],
            (100, 60, 60),
            31,
            true,
        ),
        (
            "VCL Art. 15: 2·for > P",
            "villager_committee",
            1,
            &["a", "b"],
            (100, 60, 60),
            30,
            false,
        ),
    ];
    for (rule, kind, seats, cands, turnout, a_votes, elected) in rows {
        let rest = turnout.1 as usize - a_votes;
        let b_votes = if cands.len() > 1 {
            rest.min(*a_votes - 1)
        } else {
            0
        };
        let r = one(
            kind,
            *seats,
            cands,
            *turnout,
            cat(vec![
                ballots(*a_votes, "x", &[("a", "for")], &[]),
                ballots(b_votes, "x", &[("b", "for")], &[]),
                ballots(rest - b_votes, "x", &[], &[]),
            ]),
        );
        assert_eq!(
            status(&r, "a") == "elected",
            *elected,
            "{rule}: {kind} with a = {a_votes}: {r}"
        );
    }
}

#[test]
fn exactly_half_is_not_elected() {
    // Party: 2·for > P. P = 100: 50 votes are not enough, 51 are.
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (120, 100, 100),
        cat(vec![
            ballots(50, "x", &[("a", "for")], &[]),
            ballots(50, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "not_elected");
    assert_eq!(status(&r, "b"), "not_elected");
    assert_eq!(r["threshold"]["votes_needed"], 51);
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (120, 100, 100),
        cat(vec![
            ballots(51, "x", &[("a", "for")], &[]),
            ballots(49, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "elected");
    assert_eq!(strings(&r["elected"]), vec!["a"]);
}

#[test]
fn npc_direct_threshold_counts_voters_not_valid_ballots() {
    // EL Art. 45: more than half of the voters who took part (P), not of the valid ballots.
    // P = 100; 10 ballots are void; a has 46 of 90 valid (more than half of valid) but 2·46 ≤ 100.
    let r = one(
        "npc_direct",
        1,
        &["a", "b"],
        (150, 100, 100),
        cat(vec![
            ballots(46, "x", &[("a", "for")], &[]),
            ballots(44, "x", &[("b", "for")], &[]),
            ballots(10, "x", &[("a", "for"), ("b", "for")], &[]),
        ]),
    );
    assert_eq!(
        r["ballots"],
        json!({"issued": 100, "returned": 100, "valid": 90, "void": 10})
    );
    assert_eq!(status(&r, "a"), "not_elected");
    assert_eq!(r["threshold"]["base"], "present");
    assert_eq!(r["unfilled_seats"], 1);
}

#[test]
fn returned_equal_issued_is_valid_one_more_is_not() {
    // EL Art. 44; 1990 BER Art. 19: R ≤ I valid, R > I invalid.
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (100, 90, 90),
        ballots(90, "x", &[("a", "for")], &[]),
    );
    assert_eq!(r["valid"], true);
    assert!(codes(&r["problems"]).is_empty());
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (100, 90, 90),
        ballots(91, "x", &[("a", "for")], &[]),
    );
    assert_eq!(r["valid"], false);
    assert_eq!(codes(&r["problems"]), vec!["returned_exceeds_issued"]);
    assert_eq!(strings(&r["elected"]), Vec::<String>::new());
    assert_eq!(status(&r, "a"), "not_elected");
    assert_eq!(r["runoff"], Value::Null);
}

#[test]
fn party_quorum_at_exactly_four_fifths_is_not_met() {
    // 1990 BER: 5P > 4E by default. E = 100, P = 80 is exactly 4/5: not met.
    let r = one(
        "party_delegates",
        1,
        &["a", "b"],
        (100, 80, 80),
        ballots(80, "x", &[("a", "for")], &[]),
    );
    assert_eq!(r["valid"], false);
    assert_eq!(codes(&r["problems"]), vec!["quorum_not_met"]);
    assert_eq!(r["quorum"]["met"], false);
    let r = one(
        "party_delegates",
        1,
        &["a", "b"],
        (100, 81, 81),
        ballots(81, "x", &[("a", "for")], &[]),
    );
    assert_eq!(r["valid"], true);
    assert_eq!(status(&r, "a"), "elected");
}

#[test]
fn party_quorum_comparison_is_configurable_with_basis() {
    // RULES.md: some texts say ≥; make it an override, reported as a warning.
    let mut c = contest("x", "party_delegates", 1, &["a", "b"], (100, 80, 80));
    c["overrides"] = json!({"quorum_comparison": "at_least", "basis": "某县实施细则第5条"});
    let result = tally(&spec(vec![c]), &ballots(80, "x", &[("a", "for")], &[]));
    let r = contest_result(&result, "x");
    assert_eq!(r["valid"], true);
    assert_eq!(r["quorum"]["rule"], "5·P ≥ 4·E");
    assert_eq!(codes(&r["warnings"]), vec!["override_below_statute"]);
}

/// RULES.md, "overrides ... reported when they loosen": a threshold measured against a
/// smaller base (R ≤ P ≤ E) is a lower bar, so moving a party contest's base down is
/// `override_below_statute` and moving it up is `override_applied`. A kind whose threshold,
/// quorum and list range the law fixes (people's congress, township, villager: RULES.md's
/// preamble allows an override only where the law is silent or practice varies) takes no
/// such override, looser or stricter: `override_statutory`, and nothing is counted.
#[test]
fn a_smaller_threshold_base_is_reported_below_the_statute() {
    // (kind with its statutory base, override, expected warning)
    for (kind, statute, base, expected) in [
        (
            "party_delegates",
            "present",
            "returned",
            "override_below_statute",
        ),
        ("party_delegates", "present", "eligible", "override_applied"),
        (
            "party_committee",
            "present",
            "returned",
            "override_below_statute",
        ),
    ] {
        let mut c = contest("x", kind, 1, &["a", "b"], (100, 90, 90));
        c["overrides"] = json!({"threshold_base": base, "basis": "某县实施细则第9条"});
        let result = tally(&spec(vec![c]), &ballots(90, "x", &[("a", "for")], &[]));
        let r = contest_result(&result, "x");
        assert_eq!(r["threshold"]["base"], base, "{kind}: {r}");
        assert_eq!(
            codes(&r["warnings"]),
            vec![expected],
            "{kind} {statute} → {base}"
        );
    }
    // The reviewer's examples: a township head at E = 100, P = R = 60, measured against R,
    // would be elected with 45 votes (2·45 > 60) where the law needs 2·45 > 100; an npc
    // constituency at E = 1,000, P = 500 with `≥` would pass a quorum the law fails.
    for (kind, seats, names, field, value) in [
        (
            "npc_indirect",
            1,
            &["a", "b"][..],
            "threshold_base",
            json!("present"),
        ),
        (
            "township_head",
            1,
            &["a", "b"][..],
            "threshold_base",
            json!("returned"),
        ),
        (
            "villager_committee",
            1,
            &["a", "b"][..],
            "threshold_base",
            json!("eligible"),
        ),
        (
            "npc_direct",
            1,
            &["a", "b"][..],
            "quorum_comparison",
            json!("at_least"),
        ),
        (
            "villager_committee",
            1,
            &["a", "b"][..],
            "quorum_comparison",
            json!("more_than"),
        ),
        (
            "npc_direct",
            2,
            &["a", "b", "c"][..],
            "min_surplus",
            json!(0),
        ),
        (
            "township_deputy",
            1,
            &["a", "b", "c", "d", "e", "f"][..],
            "max_surplus",
            json!(5),
        ),
    ] {
        let mut c = contest("x", kind, seats, names, (100, 60, 60));
        c["overrides"] = json!({field: value, "basis": "某县实施细则第9条"});
        let (code, message) = spec_error(&spec(vec![c]));
        assert_eq!(code, "override_statutory", "{kind} {field}: {message}");
        assert!(message.contains(field), "{message}");
    }
    // Within the statutory range, a list rule stays a local rule.
    let mut c = contest("x", "npc_direct", 2, &["a", "b", "c"], (100, 60, 60));
    c["overrides"] = json!({"max_surplus": 1, "basis": "某县实施细则第9条"});
    let result = tally(&spec(vec![c]), &ballots(60, "x", &[("a", "for")], &[]));
    assert_eq!(
        codes(&contest_result(&result, "x")["warnings"]),
        vec!["override_applied"]
    );
}

#[test]
fn npc_direct_quorum_is_more_than_half_of_registered() {
    // EL Art. 45: 2P > E.
    let r = one(
        "npc_direct",
        1,
        &["a", "b"],
        (100, 50, 50),
        ballots(50, "x", &[("a", "for")], &[]),
    );
    assert_eq!(codes(&r["problems"]), vec!["quorum_not_met"]);
    let r = one(
        "npc_direct",
        1,
        &["a", "b"],
        (100, 51, 51),
        ballots(51, "x", &[("a", "for")], &[]),
    );
    assert_eq!(r["valid"], true);
    assert_eq!(status(&r, "a"), "elected");
}

#[test]
fn villager_quorum_and_majority() {
    // VCL Art. 15: 2P > E and 2·for > P.
    let r = one("villager_committee", 1, &["a", "b"], (100, 50, 50), vec![]);
    assert_eq!(codes(&r["problems"]), vec!["quorum_not_met"]);
    let r = one(
        "villager_committee",
        1,
        &["a", "b"],
        (100, 60, 60),
        cat(vec![
            ballots(31, "x", &[("a", "for")], &[]),
            ballots(29, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "elected");
}

#[test]
fn tie_at_the_last_seat_goes_to_a_new_vote() {
    // EL Art. 45; BER: a tie at the last seat is never broken by the engine.
    // 2 seats, P = 100: a 80, b 60, c 60 all pass; b and c tie for the second seat.
    let r = one(
        "party_committee",
        2,
        &["a", "b", "c"],
        (110, 100, 100),
        cat(vec![
            ballots(40, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(40, "x", &[("a", "for"), ("c", "for")], &[]),
            ballots(20, "x", &[("b", "for"), ("c", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "elected");
    assert_eq!(status(&r, "b"), "tied");
    assert_eq!(status(&r, "c"), "tied");
    assert_eq!(strings(&r["elected"]), vec!["a"]);
    assert_eq!(r["unfilled_seats"], 1);
    assert_eq!(r["runoff"]["reason"], "tie");
    assert_eq!(r["runoff"]["seats"], 1);
    assert_eq!(strings(&r["runoff"]["candidates"]), vec!["b", "c"]);
    // From protocol 10 (the spec read as new input) the tie's new vote is on a closed list.
    assert_eq!(r["runoff"]["threshold"], "most for (ties vote again)");
}

#[test]
fn tie_above_the_cut_off_elects_both() {
    // Equal votes that both fit in the seats are no tie to resolve.
    let r = one(
        "party_committee",
        2,
        &["a", "b", "c"],
        (110, 100, 100),
        cat(vec![
            ballots(70, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(30, "x", &[("c", "for")], &[]),
        ]),
    );
    assert_eq!(strings(&r["elected"]), vec!["a", "b"]);
    assert_eq!(r["runoff"], Value::Null);
    assert_eq!(candidate(&r, "a")["rank"], 1);
    assert_eq!(candidate(&r, "b")["rank"], 1);
    assert_eq!(candidate(&r, "c")["rank"], 3);
}

#[test]
fn more_qualify_than_seats_takes_most_votes() {
    // EL Art. 45; BER: when more pass than there are seats, take them in order of votes.
    // 2 seats, P = 120: a 90, b 80, c 70 all clear 2·for > 120; c is third.
    let r = one(
        "party_committee",
        2,
        &["a", "b", "c"],
        (130, 120, 120),
        cat(vec![
            ballots(50, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(30, "x", &[("b", "for"), ("c", "for")], &[]),
            ballots(40, "x", &[("a", "for"), ("c", "for")], &[]),
        ]),
    );
    assert_eq!(candidate(&r, "c")["for"], 70);
    assert_eq!(strings(&r["elected"]), vec!["a", "b"]);
    assert_eq!(status(&r, "c"), "not_elected");
    assert_eq!(r["unfilled_seats"], 0);
    assert_eq!(r["runoff"], Value::Null);
}

#[test]
fn npc_direct_shortfall_proposes_two_for_one_seat() {
    // EL Art. 45: unfilled seats go to a new round; 1 seat ⇒ 2 candidates, top not-elected.
    // 2 seats, 4 candidates, P = 100: a 60 elected; b 40, c 30, d 20.
    let r = one(
        "npc_direct",
        2,
        &["a", "b", "c", "d"],
        (150, 100, 100),
        cat(vec![
            ballots(20, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(20, "x", &[("a", "for"), ("c", "for")], &[]),
            ballots(20, "x", &[("a", "for"), ("d", "for")], &[]),
            ballots(20, "x", &[("b", "for"), ("c", "for")], &[]),
            ballots(20, "x", &[], &[]),
        ]),
    );
    assert_eq!(strings(&r["elected"]), vec!["a"]);
    assert_eq!(r["unfilled_seats"], 1);
    assert_eq!(r["runoff"]["reason"], "shortfall");
    assert_eq!(strings(&r["runoff"]["candidates"]), vec!["b", "c"]);
    assert_eq!(r["runoff"]["boundary_tie"], false);
    assert_eq!(r["runoff"]["threshold"], "3·for ≥ P (most for)");
}

#[test]
fn runoff_list_includes_everyone_tied_at_its_boundary() {
    // RULES.md: when the list boundary falls inside a tie, include every tied candidate and say so.
    // a 60 elected; b 40, c 30, d 30 ⇒ the two-name list would split c and d: list b, c, d.
    let r = one(
        "npc_direct",
        2,
        &["a", "b", "c", "d"],
        (150, 100, 100),
        cat(vec![
            ballots(30, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(30, "x", &[("a", "for"), ("c", "for")], &[]),
            ballots(10, "x", &[("b", "for"), ("d", "for")], &[]),
            ballots(20, "x", &[("d", "for")], &[]),
            ballots(10, "x", &[], &[]),
        ]),
    );
    assert_eq!(candidate(&r, "b")["for"], 40);
    assert_eq!(candidate(&r, "c")["for"], 30);
    assert_eq!(candidate(&r, "d")["for"], 30);
    assert_eq!(strings(&r["runoff"]["candidates"]), vec!["b", "c", "d"]);
    assert_eq!(r["runoff"]["boundary_tie"], true);
    let msg = r["runoff"]["message"].as_str().unwrap();
    assert!(
        msg.contains("列入 3 名") && msg.contains("widens it to 3"),
        "{msg}"
    );
}

#[test]
fn runoff_contest_counts_with_one_third_of_voters() {
    // EL Art. 45: in the new round the most votes win with at least one third of P.
    let runoff = |a_votes: usize| {
        let mut c = contest("r", "npc_direct", 1, &["b", "c"], (150, 90, 90));
        c["parent"] = json!("x");
        c["runoff_reason"] = json!("shortfall");
        let result = tally(
            &spec(vec![c]),
            &cat(vec![
                ballots(a_votes, "r", &[("b", "for")], &[]),
                ballots(25, "r", &[("c", "for")], &[]),
                ballots(90 - 25 - a_votes, "r", &[], &[]),
            ]),
        );
        contest_result(&result, "r").clone()
    };
    // 3·30 = 90 ≥ 90: elected with exactly one third.
    let r = runoff(30);
    assert_eq!(strings(&r["elected"]), vec!["b"]);
    assert_eq!(r["threshold"]["rule"], "3·for ≥ P (most for)");
    assert_eq!(r["parent"]["contest"], "x");
    // 3·29 = 87 < 90: nobody elected; another round is proposed.
    let r = runoff(29);
    assert!(strings(&r["elected"]).is_empty());
    assert_eq!(r["runoff"]["reason"], "shortfall");
}

#[test]
fn villager_runoff_measures_against_ballots_cast() {
    // VCL Art. 15: at least one third of the ballots cast (R), not of those present.
    let mut c = contest("r", "villager_committee", 1, &["b", "c"], (200, 120, 120));
    c["parent"] = json!("x");
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            ballots(30, "r", &[("b", "for")], &[]),
            ballots(20, "r", &[("c", "for")], &[]),
            ballots(40, "r", &[], &[]),
        ]),
    );
    let r = contest_result(&result, "r");
    // R = 90 ⇒ 30 votes suffice (3·30 ≥ 90) though 3·30 < P = 120.
    assert_eq!(r["threshold"]["base"], "returned");
    assert_eq!(r["threshold"]["base_count"], 90);
    assert_eq!(strings(&r["elected"]), vec!["b"]);
}

#[test]
fn tie_runoff_is_won_by_most_votes() {
    // EL Art. 45: the tied candidates vote again; most votes win.
    let mut c = contest("t", "party_committee", 1, &["b", "c"], (110, 100, 100));
    c["parent"] = json!("x");
    c["runoff_reason"] = json!("tie");
    let result = tally(
        &spec(vec![c.clone()]),
        &cat(vec![
            ballots(40, "t", &[("b", "for")], &[]),
            ballots(39, "t", &[("c", "for")], &[]),
        ]),
    );
    assert_eq!(strings(&contest_result(&result, "t")["elected"]), vec!["b"]);
    // Still tied: a new vote again, never a draw.
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            ballots(40, "t", &[("b", "for")], &[]),
            ballots(40, "t", &[("c", "for")], &[]),
        ]),
    );
    let r = contest_result(&result, "t");
    assert_eq!(status(r, "b"), "tied");
    assert_eq!(r["runoff"]["reason"], "tie");
}

#[test]
fn a_closed_tie_runoff_takes_no_write_in_and_keeps_a_tie_at_zero() {
    // Protocol 10 (`closed_list`): RULES.md section 1, "those tied go to a new vote for the
    // remaining seats". The review's case: a party tie runoff for 1 seat between 李强 (b)
    // and 张军 (c), where 30 ballots wrote in 王五 against b.
    let mut c = contest("t", "party_committee", 1, &["b", "c"], (100, 100, 100));
    c["parent"] = json!("x");
    c["runoff_reason"] = json!("tie");
    let ballots_of = || {
        cat(vec![
            ballots(30, "t", &[("b", "against")], &["王五"]),
            ballots(25, "t", &[("b", "for")], &[]),
            ballots(20, "t", &[("c", "for")], &[]),
            ballots(25, "t", &[], &[]),
        ])
    };
    // As an older log has it (an open list): the write-in takes the seat with 30 of 100.
    let open = tally(&spec(vec![c.clone()]), &ballots_of());
    assert_eq!(
        strings(&contest_result(&open, "t")["elected"]),
        vec!["write-in:王五"]
    );
    c["closed_list"] = json!(true);
    let closed = tally(&spec(vec![c.clone()]), &ballots_of());
    let r = contest_result(&closed, "t");
    assert_eq!(strings(&r["elected"]), vec!["b"]);
    assert_eq!(r["ballots"]["void"], 30);
    assert_eq!(r["void_reasons"], json!({"wrong_shape": 30}));
    assert_eq!(r["threshold"]["rule"], "most for (ties vote again)");
    // Tied at 0 for the last seat: still a tie, another new vote among them (an open list
    // sent them to a shortfall round asking a majority).
    let mut c2 = contest("t", "party_committee", 2, &["b", "c", "d"], (100, 100, 100));
    c2["parent"] = json!("x");
    c2["runoff_reason"] = json!("tie");
    let b10 = || {
        cat(vec![
            ballots(10, "t", &[("b", "for")], &[]),
            ballots(90, "t", &[], &[]),
        ])
    };
    let open = tally(&spec(vec![c2.clone()]), &b10());
    assert_eq!(contest_result(&open, "t")["runoff"]["reason"], "shortfall");
    c2["closed_list"] = json!(true);
    let closed = tally(&spec(vec![c2]), &b10());
    let r = contest_result(&closed, "t");
    assert_eq!(strings(&r["elected"]), vec!["b"]);
    assert_eq!(status(r, "c"), "tied");
    assert_eq!(status(r, "d"), "tied");
    assert_eq!(r["runoff"]["reason"], "tie");
    assert_eq!(strings(&r["runoff"]["candidates"]), vec!["c", "d"]);
    // A closed list is a tie runoff's only.
    let mut not_tie = contest("t", "party_committee", 1, &["b", "c"], (100, 100, 100));
    not_tie["closed_list"] = json!(true);
    let (_, message) = spec_error(&spec(vec![not_tie]));
    assert!(message.contains("closed_list"), "{message}");
}

#[test]
fn npc_indirect_one_seat_needs_majority_of_all_deputies() {
    // EL Art. 31, 45: 1 seat ⇒ 2 candidates; 2·for > E (all deputies), not P.
    let r = one(
        "npc_indirect",
        1,
        &["a", "b"],
        (100, 90, 90),
        cat(vec![
            ballots(50, "x", &[("a", "for")], &[]),
            ballots(40, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(r["threshold"]["base"], "eligible");
    assert_eq!(status(&r, "a"), "not_elected");
    assert_eq!(r["quorum"], Value::Null);
    assert_eq!(r["runoff"]["threshold"], "2·for > E");
    assert_eq!(strings(&r["runoff"]["candidates"]), vec!["a", "b"]);
    let r = one(
        "npc_indirect",
        1,
        &["a", "b"],
        (100, 90, 90),
        cat(vec![
            ballots(51, "x", &[("a", "for")], &[]),
            ballots(39, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "elected");
}

#[test]
fn township_head_majority_of_all_deputies() {
    // LOL Art. 25: 2·for > E. E = 788 (seed 003), 769 voting: 394 needed.
    let r = one(
        "township_head",
        1,
        &["a", "b"],
        (788, 769, 769),
        cat(vec![
            ballots(394, "x", &[("a", "for")], &[]),
            ballots(375, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(r["threshold"]["votes_needed"], 395);
    assert_eq!(status(&r, "a"), "not_elected");
    let r = one(
        "township_head",
        1,
        &["a", "b"],
        (788, 769, 769),
        cat(vec![
            ballots(395, "x", &[("a", "for")], &[]),
            ballots(374, "x", &[("b", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "elected");
}

#[test]
fn over_marked_ballot_is_void_and_write_ins_count_as_marks() {
    // EL Art. 44; 1990 BER Art. 20: for + write-ins > s ⇒ void.
    let r = one(
        "npc_direct",
        1,
        &["a", "b"],
        (100, 60, 60),
        cat(vec![
            ballots(30, "x", &[("a", "for")], &[]),
            ballots(5, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(5, "x", &[("a", "for")], &["王五"]),
            ballots(20, "x", &[("b", "against")], &["王五"]),
        ]),
    );
    assert_eq!(r["ballots"]["void"], 10);
    assert_eq!(r["void_reasons"], json!({"over_marked": 10}));
    assert_eq!(r["ballots"]["valid"], 50);
    assert_eq!(candidate(&r, "a")["for"], 30);
    assert_eq!(
        r["write_ins"],
        json!([{"name": "王五", "for": 20, "status": "not_elected", "rank": 2}])
    );
}

#[test]
fn write_in_can_be_elected() {
    // EL Art. 41: 另选他人 counts as a vote for that person.
    let r = one(
        "npc_direct",
        1,
        &["a", "b"],
        (100, 60, 60),
        cat(vec![
            ballots(35, "x", &[("a", "against"), ("b", "against")], &["王五"]),
            ballots(25, "x", &[("a", "for")], &[]),
        ]),
    );
    assert_eq!(strings(&r["elected"]), vec!["write-in:王五"]);
    assert_eq!(r["write_ins"][0]["status"], "elected");
}

#[test]
fn blank_ballot_is_valid_and_abstains_everywhere() {
    // RULES.md section 1: a wholly blank ballot is valid with all abstentions.
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (100, 90, 90),
        cat(vec![
            ballots(50, "x", &[("a", "for")], &[]),
            ballots(40, "x", &[], &[]),
        ]),
    );
    assert_eq!(r["ballots"]["valid"], 90);
    assert_eq!(candidate(&r, "a")["abstain"], 40);
    assert_eq!(candidate(&r, "b")["abstain"], 90);
}

#[test]
fn party_write_ins_need_a_buzancheng_each() {
    // BER Art. 25 (1990): only a voter who votes 不赞成 may write in another person.
    let r = one(
        "party_committee",
        1,
        &["a", "b"],
        (100, 90, 90),
        cat(vec![
            ballots(50, "x", &[("a", "for")], &[]),
            ballots(10, "x", &[], &["张三"]),
            ballots(10, "x", &[("b", "against")], &["张三"]),
            ballots(5, "x", &[("b", "against")], &["张三", "李四"]),
        ]),
    );
    assert_eq!(
        r["void_reasons"],
        json!({"over_marked": 5, "write_in_without_against": 10})
    );
    assert_eq!(r["write_ins"][0]["name"], "张三");
    assert_eq!(r["write_ins"][0]["for"], 10);
}

#[test]
fn duplicate_or_listed_write_ins_void_the_ballot() {
    let r = one(
        "npc_direct",
        2,
        &["a", "b", "c"],
        (100, 60, 60),
        cat(vec![
            ballots(3, "x", &[], &["王五", "王五"]),
            ballots(4, "x", &[("a", "for")], &["b"]),
            ballots(53, "x", &[("a", "for")], &[]),
        ]),
    );
    assert_eq!(
        r["void_reasons"],
        json!({"duplicate_write_in": 3, "write_in_is_candidate": 4})
    );
}

#[test]
fn recommendation_over_k_names_is_void_and_shortlist_keeps_ties() {
    // Recommendation ballots over k names are void; a shortlist at 1:2 for 1 post keeps 2,
    // widened by a tie at the boundary.
    let mut c = contest(
        "x",
        "recommendation",
        1,
        &["a", "b", "c", "d"],
        (50, 40, 40),
    );
    c["max_marks"] = json!(2);
    c["shortlist"] = json!({"posts": 1, "candidates": 2});
    let result = tally(
        &spec(vec![c]),
        &cat(vec![
            ballots(10, "x", &[("a", "for"), ("b", "for")], &[]),
            ballots(10, "x", &[("a", "for"), ("c", "for")], &[]),
            ballots(5, "x", &[("d", "for")], &[]),
            ballots(5, "x", &[("a", "for"), ("b", "for"), ("c", "for")], &[]),
        ]),
    );
    let r = contest_result(&result, "x");
    assert_eq!(r["void_reasons"], json!({"over_marked": 5}));
    assert_eq!(status(r, "a"), "shortlisted");
    assert_eq!(status(r, "b"), "shortlisted");
    assert_eq!(status(r, "c"), "shortlisted");
    assert_eq!(status(r, "d"), "not_shortlisted");
    assert_eq!(codes(&r["warnings"]), vec!["shortlist_boundary_tie"]);
    assert_eq!(r["threshold"], Value::Null);
}

#[test]
fn recommendation_without_shortlist_only_ranks() {
    let r = one(
        "recommendation",
        2,
        &["a", "b", "c"],
        (50, 40, 40),
        cat(vec![
            ballots(10, "x", &[("a", "for")], &[]),
            ballots(5, "x", &[("c", "for")], &[]),
        ]),
    );
    assert_eq!(status(&r, "a"), "ranked");
    assert_eq!(candidate(&r, "a")["rank"], 1);
    assert_eq!(candidate(&r, "c")["rank"], 2);
    assert_eq!(candidate(&r, "b")["rank"], 3);
}

#[test]
fn runoff_differing_from_the_proposal_is_warned() {
    let parent = contest("x", "npc_direct", 1, &["a", "b"], (150, 100, 100));
    let mut runoff = contest("r", "npc_direct", 1, &["a", "b"], (150, 90, 90));
    runoff["parent"] = json!("x");
    // The parent elects a outright, so no runoff was proposed.
    let result = tally(
        &spec(vec![parent, runoff]),
        &ballots(100, "x", &[("a", "for")], &[]),
    );
    assert_eq!(
        codes(&contest_result(&result, "r")["warnings"]),
        vec!["runoff_not_proposed"]
    );
}

#[test]
fn runoff_of_another_kind_is_refused() {
    let parent = contest("x", "npc_direct", 1, &["a", "b"], (150, 100, 100));
    let mut runoff = contest("r", "party_committee", 1, &["a", "b"], (150, 90, 90));
    runoff["parent"] = json!("x");
    assert_eq!(spec_error(&spec(vec![parent, runoff])).0, "runoff_parent");
}

#[test]
fn bad_ballot_lines_name_the_line() {
    let s = spec(vec![contest(
        "x",
        "npc_direct",
        1,
        &["a", "b"],
        (100, 60, 60),
    )]);
    let election = scrutineer::record::parse_election(s.to_string().as_bytes()).unwrap();
    let cases = [
        (
            "{\"contest\":\"x\",\"marks\":{\"a\":\"for\"}}\nnot json\n",
            2,
            "ballot_json",
        ),
        ("{\"contest\":\"y\",\"marks\":{}}\n", 1, "unknown_contest"),
        (
            "\n{\"contest\":\"x\",\"marks\":{\"z\":\"for\"}}\n",
            2,
            "unknown_candidate",
        ),
        (
            "{\"contest\":\"x\",\"marks\":{\"a\":\"yes\"}}\n",
            1,
            "unknown_mark",
        ),
        (
            "{\"contest\":\"x\",\"marks\":{\"a\":\"for\",\"a\":\"against\"}}\n",
            1,
            "ballot_json",
        ),
        ("{\"contest\":\"x\",\"ratings\":{}}\n", 1, "ballot_shape"),
        (
            "{\"contest\":\"x\",\"write_ins\":[\"  \"]}\n",
            1,
            "bad_write_in",
        ),
    ];
    for (text, line, code) in cases {
        let err = scrutineer::record::parse_ballots(&election, text.as_bytes()).unwrap_err();
        assert_eq!((err.line, err.code.as_str()), (line, code), "{text}: {err}");
        assert!(err.to_string().contains(&format!("第 {line} 行")), "{err}");
    }
}

#[test]
fn an_overlong_ballot_line_is_refused_without_reading_it_whole() {
    let s = spec(vec![contest(
        "x",
        "npc_direct",
        1,
        &["a", "b"],
        (100, 60, 60),
    )]);
    let election = scrutineer::record::parse_election(s.to_string().as_bytes()).unwrap();
    let long = format!(
        "{{\"contest\":\"x\",\"write_ins\":[\"{}\"]}}\n",
        "a".repeat(200_000)
    );
    let err = scrutineer::record::parse_ballots(&election, long.as_bytes()).unwrap_err();
    assert_eq!((err.line, err.code.as_str()), (1, "line_too_long"));
    let err = scrutineer::record::parse_ballots(&election, &b"\n\n\xff\n"[..]).unwrap_err();
    assert_eq!((err.line, err.code.as_str()), (3, "not_utf8"));
    // A last line without a newline is read like any other.
    let by_contest = scrutineer::record::parse_ballots(
        &election,
        "{\"contest\":\"x\",\"marks\":{\"a\":\"for\"}}".as_bytes(),
    )
    .unwrap();
    assert_eq!(by_contest[0].len(), 1);
}
