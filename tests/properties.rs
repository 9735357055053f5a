//! Property tests (HOUSE_STYLE.md): a tally does not depend on ballot order; per-candidate
//! for + against + abstain equals the valid ballots; void + valid = returned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const CANDS: [&str; 5] = ["a", "b", "c", "d", "e"];

fn ballot_strategy(contest: &'static str) -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(0u8..4, CANDS.len()),
        proptest::collection::vec(prop::sample::select(vec!["王五", "赵六", "钱七"]), 0..3),
    )
        .prop_map(move |(marks, write_ins)| {
            let mut m = serde_json::Map::new();
            for (c, k) in CANDS.iter().zip(marks) {
                match k {
                    1 => m.insert(c.to_string(), json!("for")),
                    2 => m.insert(c.to_string(), json!("against")),
                    3 => m.insert(c.to_string(), json!("abstain")),
                    _ => None,
                };
            }
            json!({"contest": contest, "marks": m, "write_ins": write_ins})
        })
}

fn kinds() -> impl Strategy<Value = (&'static str, u32)> {
    prop::sample::select(vec![
        ("party_committee", 4u32),
        ("npc_direct", 3),
        ("villager_committee", 2),
        ("npc_indirect", 4),
        ("recommendation", 2),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn tally_is_order_independent_and_counts_add_up(
        (kind, seats) in kinds(),
        ballots in proptest::collection::vec(ballot_strategy("x"), 0..60),
        shuffle_seed in any::<u64>(),
        extra_issued in 0u64..3,
    ) {
        let n = ballots.len() as u64;
        let s = spec(vec![contest("x", kind, seats, &CANDS, (n + 10, n, n + extra_issued))]);
        let first = tally(&s, &ballots);

        // A deterministic shuffle from the seed.
        let mut shuffled = ballots.clone();
        let mut state = shuffle_seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let second = tally(&s, &shuffled);
        prop_assert_eq!(&first, &second);

        let r = contest_result(&first, "x");
        let valid = r["ballots"]["valid"].as_u64().unwrap();
        let void = r["ballots"]["void"].as_u64().unwrap();
        prop_assert_eq!(valid + void, r["ballots"]["returned"].as_u64().unwrap());
        prop_assert_eq!(r["ballots"]["returned"].as_u64().unwrap(), n);
        let reasons: u64 = r["void_reasons"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        prop_assert_eq!(reasons, void);
        for c in r["candidates"].as_array().unwrap() {
            let sum = c["for"].as_u64().unwrap() + c["against"].as_u64().unwrap() + c["abstain"].as_u64().unwrap();
            prop_assert_eq!(sum, valid);
        }
        // Never more elected than seats, and the elected clear the threshold.
        let elected = r["elected"].as_array().unwrap().len() as u32;
        if kind != "recommendation" {
            prop_assert!(elected <= seats);
            prop_assert_eq!(elected + r["unfilled_seats"].as_u64().unwrap() as u32, seats);
            if let Some(needed) = r["threshold"]["votes_needed"].as_u64() {
                for c in r["candidates"].as_array().unwrap() {
                    if c["status"] == "elected" {
                        prop_assert!(c["for"].as_u64().unwrap() >= needed);
                    }
                }
            }
        }
    }

    #[test]
    fn evaluation_is_order_independent(
        grades in proptest::collection::vec((0usize..3, proptest::collection::vec(0usize..5, 3)), 0..50),
        uniform_void in any::<bool>(),
    ) {
        let keys = ["excellent", "competent", "basic", "incompetent"];
        let ballots: Vec<Value> = grades.iter().map(|(g, rs)| {
            let mut ratings = serde_json::Map::new();
            for (s, k) in ["s", "t", "u"].iter().zip(rs) {
                if *k < 4 { ratings.insert(s.to_string(), json!(keys[*k])); }
            }
            let group = ["g1", "g2", "g3"][*g];
            json!({"contest": "e", "group": group, "ratings": ratings})
        }).collect();
        let n = ballots.len() as u64;
        let s = json!({"format": "scrutineer.election/v1", "id": "p", "contests": [{
            "id": "e", "kind": "evaluation", "seats": 1, "scale": "individual", "uniform_void": uniform_void,
            "subjects": [{"id": "s", "name": "S"}, {"id": "t", "name": "T"}, {"id": "u", "name": "U"}],
            "groups": [{"id": "g1", "weight": 2}, {"id": "g2", "weight": 3}, {"id": "g3", "weight": 5}],
            "turnout": {"eligible": n, "present": n, "ballots_issued": n}}]});
        let mut reversed = ballots.clone();
        reversed.reverse();
        let a = tally(&s, &ballots);
        let b = tally(&s, &reversed);
        prop_assert_eq!(&a, &b);
        let r = contest_result(&a, "e");
        let valid = r["ballots"]["valid"].as_u64().unwrap();
        for subject in r["subjects"].as_array().unwrap() {
            let total: u64 = subject["counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
            prop_assert_eq!(total, valid);
        }
    }
}
