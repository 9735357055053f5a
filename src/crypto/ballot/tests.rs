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

/// The ciphertexts-only decoding gives exactly the ciphertexts of the full decoding, for
/// every kind of contest, and refuses what the full decoding refuses of the ciphertexts'
/// part (length, version, kind, a non-canonical point).
#[test]
fn contest_sums_are_the_full_decodings_ciphertexts() {
    let (key, mut rng) = setup();
    let cases = vec![
        (
            ContestShape::party(3, 2, 1),
            ContestPlaintext::Candidate(CandidatePlaintext {
                marks: vec![Mark::For, Mark::Against, Mark::Abstain],
                write_ins: vec![Some("王五".into())],
                void: false,
            }),
        ),
        (
            ContestShape::npc(3, 1, true, 2),
            ContestPlaintext::Candidate(CandidatePlaintext {
                marks: vec![Mark::For, Mark::Abstain, Mark::Against],
                write_ins: vec![None, None],
                void: false,
            }),
        ),
        (
            ContestShape::evaluation(2, Some(1)),
            ContestPlaintext::Evaluation(EvaluationPlaintext {
                grades: vec![Some(0), None],
            }),
        ),
    ];
    for (shape, plain) in cases {
        let (ballot, _) = encrypt_contest(&key, &shape, &ci(), &plain, &mut rng).unwrap();
        let bytes = ballot.to_bytes();
        let full = EncryptedContest::from_bytes(&shape, &bytes).unwrap();
        let sums = ContestSums::from_bytes(&shape, &bytes).unwrap();
        assert_eq!(sums, ContestSums::of(&full));
        assert_eq!(sums.exponential.len(), full.exponential_ciphertexts().len());
        assert!(ContestSums::from_bytes(&shape, &bytes[..bytes.len() - 1]).is_err());
        let mut v = bytes.clone();
        v[0] ^= 1;
        assert!(ContestSums::from_bytes(&shape, &v).is_err());
        let mut k = bytes.clone();
        k[1] ^= 1;
        assert!(ContestSums::from_bytes(&shape, &k).is_err());
        // The first ciphertext's α set to a non-canonical encoding (all ones).
        let mut p = bytes.clone();
        p[2..34].copy_from_slice(&[0xff; 32]);
        assert!(ContestSums::from_bytes(&shape, &p).is_err());

        // Decoded in two steps (ciphertexts, then proofs): the same contest, and the same
        // refusals of the proofs' part as the one-step decoding, byte by byte.
        assert_eq!(
            EncryptedContest::from_sums(&shape, sums.clone(), &bytes).unwrap(),
            full
        );
        let proofs_at = 2 + 128 * shape.ciphertext_count();
        for at in (proofs_at..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[at..(at + 32).min(bytes.len())].fill(0xff);
            assert_eq!(
                EncryptedContest::from_sums(&shape, sums.clone(), &bad).map_err(|e| e.to_string()),
                EncryptedContest::from_bytes(&shape, &bad).map_err(|e| e.to_string()),
                "byte {at}"
            );
            assert!(
                EncryptedContest::from_bytes(&shape, &bad).is_err(),
                "byte {at}"
            );
        }
        assert!(
            EncryptedContest::from_sums(&shape, sums.clone(), &bytes[..bytes.len() - 1]).is_err()
        );
        // Ciphertexts of another shape are refused, not paired with these proofs.
        let mut fewer = sums.clone();
        fewer.exponential.pop();
        assert!(EncryptedContest::from_sums(&shape, fewer, &bytes).is_err());
    }
}
