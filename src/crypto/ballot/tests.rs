#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::crypto::group::{DeterministicRng, Element};

fn setup() -> (ElectionKey, DeterministicRng) {
    let mut rng = DeterministicRng::new(b"ballot-unit");
    let x = draw_scalar(&mut rng);
    (
        ElectionKey::new(Element::from_point(mul_g(&x))).unwrap(),
        rng,
    )
}

fn ci() -> ContextInputs<'static> {
    ContextInputs {
        election_id: "e",
        contest_id: "c",
        group_id: "",
        token_serial: [1; 16],
    }
}

/// A cheating client that skips normalisation cannot make an over-marked
/// or write-in-without-against ballot verify.
#[test]
fn cheating_prover_is_caught() {
    let (key, mut rng) = setup();
    let cases: Vec<(ContestShape, CandidatePlaintext, &str)> = vec![
        (
            ContestShape::npc(3, 1, true, 0),
            CandidatePlaintext {
                marks: vec![Mark::For, Mark::For, Mark::Abstain],
                write_ins: vec![],
                void: false,
            },
            labels::MARKS_RANGE,
        ),
        (
            ContestShape::npc(3, 2, true, 1),
            CandidatePlaintext {
                marks: vec![Mark::For, Mark::For, Mark::Abstain],
                write_ins: vec![Some("王五".into())],
                void: false,
            },
            labels::MARKS_RANGE,
        ),
        (
            ContestShape::party(3, 2, 1),
            CandidatePlaintext {
                marks: vec![Mark::For, Mark::Abstain, Mark::Abstain],
                write_ins: vec![Some("王五".into())],
                void: false,
            },
            labels::AGAINST_RANGE,
        ),
        (
            // Void with marks kept: against marks must be zero.
            ContestShape::npc(3, 1, true, 0),
            CandidatePlaintext {
                marks: vec![Mark::Against, Mark::Abstain, Mark::Abstain],
                write_ins: vec![],
                void: true,
            },
            labels::AGAINST_RANGE,
        ),
        (
            ContestShape::recommendation(4, 2, 0),
            CandidatePlaintext {
                marks: vec![Mark::For; 4],
                write_ins: vec![],
                void: false,
            },
            labels::MARKS_RANGE,
        ),
        (
            ContestShape::recommendation(9, 8, 0),
            CandidatePlaintext {
                marks: vec![Mark::For; 9],
                write_ins: vec![],
                void: false,
            },
            labels::MARKS_RANGE,
        ),
    ];
    for (shape, p, label) in cases {
        let ContestShape::Candidate(s) = &shape else {
            unreachable!()
        };
        let (b, _) = encrypt_candidate_normalized(&key, &shape, s, &ci(), &p, &mut rng).unwrap();
        let err = verify_contest(&key, &shape, &ci(), &b).unwrap_err();
        assert_eq!(err.code(), "proof_invalid");
        assert!(err.to_string().contains(label), "{err} / {label}");
    }
}
