#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;
use crate::rules::contest::{Candidate, ContestParams, Turnout};
use crate::rules::evaluation::{EvaluationParams, Group, Scale, Subject};
use crate::rules::ratio::Ratio;
use crate::rules::tally::{tally_contest, tally_totals, Status};
use crate::rules::CandidateBallot;

const NAMES: [&str; 5] = ["张三", "李四", "王五", "赵六", "钱七"];

/// A contest of `kind` listing the first `listed` of [`NAMES`] (ids c0, c1, ...).
fn contest(kind: ContestKind, seats: u32, listed: usize) -> Contest {
    Contest::new(ContestParams {
        id: "x".into(),
        kind: Some(kind),
        seats,
        candidates: NAMES[..listed]
            .iter()
            .enumerate()
            .map(|(i, n)| Candidate {
                id: format!("c{i}"),
                name: n.to_string(),
                attributes: Default::default(),
            })
            .collect(),
        turnout: Some(Turnout {
            eligible: 100,
            present: 100,
            issued: 100,
        }),
        ..ContestParams::default()
    })
    .unwrap()
}

/// An evaluation of three subjects, two weighted groups, at most one 优秀 per ballot.
fn evaluation() -> Contest {
    let subject = |id: &str| Subject {
        id: id.into(),
        name: id.into(),
    };
    let group = |id: &str, w: u64| Group {
        id: id.into(),
        title: id.into(),
        weight: Some(Ratio::integer(w)),
    };
    Contest::new(ContestParams {
        id: "e".into(),
        kind: Some(ContestKind::Evaluation),
        seats: 1,
        turnout: Some(Turnout {
            eligible: 100,
            present: 100,
            issued: 100,
        }),
        evaluation: Some(EvaluationParams {
            scale: Some(Scale::Individual),
            subjects: vec![subject("s"), subject("t"), subject("u")],
            groups: vec![group("leaders", 2), group("staff", 3)],
            excellent_quota: Some(Ratio::of_counts(1, 3)),
            ..EvaluationParams::default()
        }),
        ..ContestParams::default()
    })
    .unwrap()
}

fn ballot(marks: &[(usize, Mark)], write_ins: &[&str]) -> Ballot {
    Ballot::Candidates(CandidateBallot {
        marks: marks.to_vec(),
        write_ins: write_ins.iter().map(|w| w.to_string()).collect(),
    })
}

fn rated(group: usize, ratings: &[(usize, usize)]) -> Ballot {
    Ballot::Evaluation(EvaluationBallot {
        group: Some(group),
        ratings: ratings.to_vec(),
        scores: Vec::new(),
    })
}

fn candidates(t: &mut ContestTotals) -> &mut CandidateTotals {
    match &mut t.counts {
        Counts::Candidates(c) => c,
        Counts::Evaluation(_) => panic!("candidate totals expected"),
    }
}

fn groups(t: &mut ContestTotals) -> &mut EvaluationTotals {
    match &mut t.counts {
        Counts::Evaluation(e) => e,
        Counts::Candidates(_) => panic!("evaluation totals expected"),
    }
}

/// Seven party-committee ballots, all valid: 4 seats, 5 listed, one write-in with its
/// 不赞成.
fn party_totals(c: &Contest) -> ContestTotals {
    let mut ballots = vec![ballot(&[(0, Mark::For), (1, Mark::Against)], &["孙八"]); 3];
    ballots.extend(vec![ballot(&[(2, Mark::For), (3, Mark::For)], &[]); 4]);
    let t = ContestTotals::of_ballots(c, &ballots);
    assert_eq!(t.check(c), Ok(()));
    t
}

/// Six evaluation ballots, all valid, 3 per group.
fn evaluation_totals(c: &Contest) -> ContestTotals {
    let mut ballots = vec![rated(0, &[(0, 0), (1, 1)]); 3];
    ballots.extend(vec![rated(1, &[(0, 1), (2, 3)]); 3]);
    let t = ContestTotals::of_ballots(c, &ballots);
    assert_eq!(t.check(c), Ok(()));
    t
}

/// The code `check` answers after `change` on valid totals.
fn check(
    contest: &Contest,
    valid: fn(&Contest) -> ContestTotals,
    change: fn(&mut ContestTotals),
    expected: &str,
) {
    let mut t = valid(contest);
    change(&mut t);
    let e = t.check(contest).unwrap_err();
    assert_eq!(e.code(), expected, "{e}");
    // Such totals are never counted: the round is invalid and no one is elected.
    let r = tally_totals(0, contest, &t);
    assert!(!r.valid);
    assert!(r.problems.iter().any(|p| p.code == "totals_inconsistent"));
    assert!(r.elected.is_empty());
}

#[test]
fn candidate_totals_that_no_ballots_give_are_refused() {
    let c = contest(ContestKind::PartyCommittee, 4, 5);
    // EL Art. 44: void ballots are among the returned ones.
    check(
        &c,
        party_totals,
        |t| t.void = t.returned + 1,
        "totals_void_exceeds_returned",
    );
    // The breakdown of void ballots explains at most the void ballots.
    check(
        &c,
        party_totals,
        |t| {
            t.void = 1;
            t.void_reasons.insert("over_marked", 2);
        },
        "totals_void_reasons_exceed_void",
    );
    // One mark per listed candidate per valid ballot (7 valid).
    check(
        &c,
        party_totals,
        |t| candidates(t).candidates[0].against = 5,
        "totals_marks_exceed_valid",
    );
    // A write-in that names a listed candidate voids its ballot.
    check(
        &c,
        party_totals,
        |t| {
            candidates(t).write_ins.insert("王五".into(), 1);
        },
        "totals_write_in_is_candidate",
    );
    // A person written in twice on one ballot voids it: at most one vote per ballot.
    check(
        &c,
        party_totals,
        |t| {
            candidates(t).write_ins.insert("孙八".into(), 8);
        },
        "totals_write_in_exceeds_valid",
    );
    // EL Art. 44; 1990 BER Art. 20: at most `seats` marks in favour per ballot (7 · 4).
    check(
        &c,
        party_totals,
        |t| {
            let w = candidates(t);
            for m in &mut w.candidates {
                m.votes_for = 7;
                m.against = 0;
            }
            w.write_ins.clear();
        },
        "totals_marks_exceed_limit",
    );
    // BER Art. 25 (1990): each party write-in needs a 不赞成 on the same ballot.
    check(
        &c,
        party_totals,
        |t| candidates(t).candidates[1].against = 2,
        "totals_write_ins_exceed_against",
    );
    check(
        &c,
        party_totals,
        |t| {
            candidates(t).candidates.pop();
        },
        "totals_wrong_count",
    );
    check(
        &c,
        party_totals,
        |t| t.counts = Counts::Evaluation(EvaluationTotals::default()),
        "totals_wrong_kind",
    );
}

#[test]
fn evaluation_totals_that_no_ballots_give_are_refused() {
    let c = evaluation();
    // Every valid ballot belongs to a group (or to none): they add up to R − void.
    check(
        &c,
        evaluation_totals,
        |t| groups(t).groups[0].valid += 1,
        "totals_groups_valid_mismatch",
    );
    check(
        &c,
        evaluation_totals,
        |t| groups(t).groups[1].void = 1,
        "totals_groups_void_exceeds_void",
    );
    // A void evaluation ballot has no reason `wrong_shape`.
    check(
        &c,
        evaluation_totals,
        |t| {
            t.returned += 1;
            t.void += 1;
            groups(t).groups[0].void = 1;
            t.void_reasons.insert("wrong_shape", 1);
        },
        "totals_void_reasons_exceed_void",
    );
    // RULES.md section 3: one grade per subject per valid ballot (3 per group).
    check(
        &c,
        evaluation_totals,
        |t| groups(t).groups[0].grades[1][3] = 1,
        "totals_grades_exceed_valid",
    );
    // The 优秀 quota: floor(3 · 1/3) = 1 top grade per ballot, 3 ballots.
    check(
        &c,
        evaluation_totals,
        |t| {
            let g = &mut groups(t).groups[0];
            g.grades[1] = [3, 0, 0, 0];
            g.grades[2] = [1, 0, 0, 0];
        },
        "totals_excellent_over_quota",
    );
    check(
        &c,
        evaluation_totals,
        |t| {
            groups(t).groups.pop();
        },
        "totals_wrong_count",
    );
    check(
        &c,
        evaluation_totals,
        |t| {
            groups(t).ungrouped.grades.pop();
        },
        "totals_wrong_count",
    );
    check(
        &c,
        evaluation_totals,
        |t| t.counts = Counts::Candidates(CandidateTotals::default()),
        "totals_wrong_kind",
    );
}

#[test]
fn of_ballots_records_every_void_ballot_with_its_reason() {
    let c = contest(ContestKind::PartyCommittee, 4, 5);
    let ballots = [
        ballot(&[(0, Mark::For)], &[]),
        // BER Art. 25 (1990): a write-in without a 不赞成.
        ballot(&[(0, Mark::For)], &["孙八"]),
        // EL Art. 44: five marks in favour for four seats.
        ballot(
            &[
                (0, Mark::For),
                (1, Mark::For),
                (2, Mark::For),
                (3, Mark::For),
                (4, Mark::For),
            ],
            &[],
        ),
        rated(0, &[(0, 0)]),
    ];
    let t = ContestTotals::of_ballots(&c, &ballots);
    assert_eq!((t.returned, t.void, t.valid()), (4, 3, 1));
    assert_eq!(
        t.reported_void_reasons(),
        vec![
            ("over_marked", 1),
            ("write_in_without_against", 1),
            ("wrong_shape", 1)
        ]
    );
    let mut expected = CandidateTotals::empty(&c);
    expected.candidates[0].votes_for = 1;
    assert_eq!(t.counts, Counts::Candidates(expected));
}

#[test]
fn void_ballots_of_unknown_reason_are_reported_as_such() {
    // An encrypted tally knows how many ballots are void, not why: 2 known from paper,
    // 3 more from the electronic totals.
    let c = contest(ContestKind::NpcDirect, 3, 5);
    let paper = ContestTotals::of_ballots(
        &c,
        &[
            ballot(&[(0, Mark::For)], &["钱进", "钱进"]),
            ballot(&[(0, Mark::For)], &["张三"]),
            ballot(&[(0, Mark::For)], &[]),
        ],
    );
    let mut electronic = ContestTotals::empty(&c);
    electronic.returned = 4;
    electronic.void = 3;
    candidates(&mut electronic).candidates[0].votes_for = 1;
    let t = electronic.checked_add(&paper).unwrap();
    assert_eq!(t.check(&c), Ok(()));
    let r = tally_totals(0, &c, &t);
    assert_eq!(
        (r.ballots.returned, r.ballots.valid, r.ballots.void),
        (7, 2, 5)
    );
    assert_eq!(
        r.void_reasons,
        vec![
            ("duplicate_write_in", 1),
            ("write_in_is_candidate", 1),
            (VOID_REASON_UNKNOWN, 3)
        ]
    );
    assert_eq!(r.candidates[0].votes_for, 2);
    assert_eq!(r.candidates[1].abstain, 2);
}

#[test]
fn paper_totals_add_to_electronic_ones_as_if_counted_together() {
    let c = contest(ContestKind::VillagerCommittee, 2, 3);
    let paper = [
        ballot(&[(0, Mark::For), (1, Mark::Against)], &["孙八"]),
        ballot(&[(0, Mark::For), (1, Mark::For), (2, Mark::For)], &[]),
    ];
    let electronic = [
        ballot(&[(0, Mark::For)], &["孙八"]),
        ballot(&[(2, Mark::Against)], &["周九"]),
    ];
    let all: Vec<Ballot> = paper.iter().chain(&electronic).cloned().collect();
    let sum = ContestTotals::of_ballots(&c, &electronic)
        .checked_add(&ContestTotals::of_ballots(&c, &paper))
        .unwrap();
    assert_eq!(sum, ContestTotals::of_ballots(&c, &all));
    assert_eq!(tally_totals(0, &c, &sum), tally_contest(0, &c, &all));
    let r = tally_contest(0, &c, &all);
    // VCL Art. 15: 2·for > P (100 present); no one is elected on 4 ballots.
    assert_eq!(r.candidates[0].status, Status::NotElected);
}

#[test]
fn totals_of_different_shapes_do_not_add() {
    let c = contest(ContestKind::PartyCommittee, 4, 5);
    let small = contest(ContestKind::PartyCommittee, 3, 4);
    let e = evaluation();
    let code = |a: &ContestTotals, b: &ContestTotals| a.checked_add(b).unwrap_err().code();
    let t = party_totals(&c);
    assert_eq!(
        code(&t, &ContestTotals::empty(&small)),
        "totals_shapes_differ"
    );
    assert_eq!(code(&t, &ContestTotals::empty(&e)), "totals_kinds_differ");
    let mut full = t.clone();
    full.returned = u64::MAX;
    assert_eq!(code(&full, &t), "totals_overflow");
    let mut other = evaluation_totals(&e);
    groups(&mut other).ungrouped.grades.pop();
    assert_eq!(code(&evaluation_totals(&e), &other), "totals_shapes_differ");
    assert_eq!(
        t.checked_add(&ContestTotals::empty(&c)).unwrap(),
        t,
        "zero totals add nothing"
    );
}

#[test]
fn a_write_in_without_votes_is_nobody() {
    let c = contest(ContestKind::Recommendation, 2, 3);
    let mut t = ContestTotals::of_ballots(&c, &[ballot(&[(0, Mark::For)], &["孙八"])]);
    let before = tally_totals(0, &c, &t);
    candidates(&mut t).write_ins.insert("周九".into(), 0);
    assert_eq!(t.check(&c), Ok(()));
    assert_eq!(tally_totals(0, &c, &t), before);
}

/// Rated scores: totals of two parts of the ballots add up to the totals of all of them
/// (the pooled histogram, per group), and a histogram past the top score or above the
/// group's valid ballots is refused.
#[test]
fn score_histograms_add_and_are_checked() {
    use crate::rules::evaluation::ScoreRule;
    let subject = |id: &str| Subject {
        id: id.into(),
        name: id.into(),
    };
    let group = |id: &str, w: u64| Group {
        id: id.into(),
        title: id.into(),
        weight: Some(Ratio::integer(w)),
    };
    let c = Contest::new(ContestParams {
        id: "e".into(),
        kind: Some(ContestKind::Evaluation),
        seats: 1,
        turnout: Some(Turnout {
            eligible: 10,
            present: 10,
            issued: 10,
        }),
        evaluation: Some(EvaluationParams {
            subjects: vec![subject("s"), subject("t")],
            groups: vec![group("leaders", 2), group("staff", 3)],
            score: Some(ScoreRule {
                max: 100,
                drop_extremes: true,
                below: None,
            }),
            ..EvaluationParams::default()
        }),
        ..ContestParams::default()
    })
    .unwrap();
    let scored = |group: usize, scores: &[(usize, u32)]| {
        Ballot::Evaluation(EvaluationBallot {
            group: Some(group),
            ratings: Vec::new(),
            scores: scores.to_vec(),
        })
    };
    let all = [
        scored(0, &[(0, 90), (1, 70)]),
        scored(1, &[(0, 80)]),
        scored(1, &[(0, 80), (1, 100)]),
        scored(0, &[(1, 0)]),
    ];
    let whole = ContestTotals::of_ballots(&c, &all);
    let sum = ContestTotals::of_ballots(&c, &all[..2])
        .checked_add(&ContestTotals::of_ballots(&c, &all[2..]))
        .unwrap();
    assert_eq!(whole, sum);
    assert_eq!(whole.check(&c), Ok(()));
    let Counts::Evaluation(e) = &whole.counts else {
        panic!("evaluation totals expected")
    };
    assert_eq!(e.groups[1].scores[0].get(&80), Some(&2));
    let mut bad = whole.clone();
    if let Counts::Evaluation(e) = &mut bad.counts {
        e.groups[0].scores[1].insert(101, 1);
    }
    assert_eq!(
        bad.check(&c).unwrap_err().code(),
        "totals_score_out_of_range"
    );
    let mut bad = whole.clone();
    if let Counts::Evaluation(e) = &mut bad.counts {
        e.groups[1].scores[0].insert(50, 5);
    }
    assert_eq!(
        bad.check(&c).unwrap_err().code(),
        "totals_grades_exceed_valid"
    );
}
