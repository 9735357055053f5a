#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Completeness, soundness, replay, homomorphism, openings and batch checks of ballots.

use curve25519_dalek::scalar::Scalar;
use rand_core::RngCore;
use scrutineer::crypto::decrypt::DlogTable;
use scrutineer::crypto::group::{draw_scalar, mul_g};
use scrutineer::crypto::*;

fn key(rng: &mut DeterministicRng) -> (ElectionKey, Scalar) {
    let x = draw_scalar(rng);
    (ElectionKey::new(Element::from_point(mul_g(&x))).unwrap(), x)
}

fn ctx(serial: u8) -> ContextInputs<'static> {
    ContextInputs {
        election_id: "2026-县人大",
        contest_id: "第3选区",
        group_id: "",
        token_serial: [serial; 16],
    }
}

fn pick(rng: &mut DeterministicRng, n: u32) -> u32 {
    rng.next_u32() % n
}

fn random_plaintext(shape: &ContestShape, rng: &mut DeterministicRng) -> ContestPlaintext {
    match shape {
        ContestShape::Candidate(s) => {
            let marks = (0..s.candidates)
                .map(|_| match pick(rng, if s.against { 3 } else { 2 }) {
                    0 => Mark::Abstain,
                    1 => Mark::For,
                    _ => Mark::Against,
                })
                .collect();
            let write_ins = (0..s.write_in_lines)
                .map(|j| {
                    if pick(rng, 3) == 0 {
                        Some(format!("另选人{j}号"))
                    } else {
                        None
                    }
                })
                .collect();
            ContestPlaintext::Candidate(CandidatePlaintext {
                marks,
                write_ins,
                void: pick(rng, 20) == 0,
            })
        }
        ContestShape::Evaluation(s) => {
            let mut grades: Vec<Option<u8>> = (0..s.subjects)
                .map(|_| match pick(rng, 5) {
                    4 => None,
                    g => Some(g as u8),
                })
                .collect();
            if let Some(q) = s.grade0_quota {
                let mut n0 = 0;
                for g in grades.iter_mut() {
                    if *g == Some(0) {
                        n0 += 1;
                        if n0 > q {
                            *g = Some(1);
                        }
                    }
                }
            }
            ContestPlaintext::Evaluation(EvaluationPlaintext { grades })
        }
    }
}

fn normalized(shape: &ContestShape, p: &ContestPlaintext) -> ContestPlaintext {
    match (shape, p) {
        (ContestShape::Candidate(s), ContestPlaintext::Candidate(c)) => {
            ContestPlaintext::Candidate(c.normalized(s).unwrap())
        }
        _ => p.clone(),
    }
}

fn shapes() -> Vec<ContestShape> {
    vec![
        ContestShape::party(9, 7, 3),
        ContestShape::npc(3, 1, true, 1),
        ContestShape::npc(5, 2, false, 0),
        ContestShape::npc(4, 4, true, 0),
        ContestShape::recommendation(6, 3, 2),
        ContestShape::recommendation(1, 1, 0),
        ContestShape::party(2, 1, 1),
        ContestShape::evaluation(5, Some(2)),
        ContestShape::evaluation(3, None),
        ContestShape::evaluation(2, Some(0)),
    ]
}

#[test]
fn completeness_every_shape() {
    let mut rng = DeterministicRng::new(b"completeness");
    let (k, x) = key(&mut rng);
    let table = DlogTable::new(1000);
    for shape in shapes() {
        let mut ballots = Vec::new();
        let mut sums: Vec<u64> = Vec::new();
        for round in 0..12 {
            let p = random_plaintext(&shape, &mut rng);
            let c = ctx(round);
            let (ballot, opening) = encrypt_contest(&k, &shape, &c, &p, &mut rng).unwrap();
            verify_contest(&k, &shape, &c, &ballot).unwrap();
            verify_contest_unbatched(&k, &shape, &c, &ballot).unwrap();
            let bytes = ballot.to_bytes();
            assert_eq!(bytes.len(), shape.encrypted_len(), "{shape:?}");
            assert_eq!(
                EncryptedContest::from_bytes(&shape, &bytes).unwrap(),
                ballot
            );
            let ob = opening.to_bytes();
            assert_eq!(ob.len(), shape.opening_len());
            let opening2 = Opening::from_bytes(&shape, &ob).unwrap();
            let opened = open_contest(&k, &shape, &c, &ballot, &opening2).unwrap();
            assert_eq!(opened, normalized(&shape, &p), "{shape:?}");
            let tv = p.tally_vector(&shape).unwrap();
            if sums.is_empty() {
                sums = vec![0; tv.len()];
            }
            for (s, v) in sums.iter_mut().zip(tv) {
                *s += v;
            }
            ballots.push(ballot);
        }
        // Homomorphic totals equal the plaintext sums.
        let refs: Vec<&EncryptedContest> = ballots.iter().collect();
        let agg = aggregate(&shape, &refs).unwrap();
        assert_eq!(agg.len(), sums.len());
        for (ct, s) in agg.iter().zip(sums.iter()) {
            let m = ct.beta.point() - x * ct.alpha.point();
            assert_eq!(table.solve(&m).unwrap(), *s);
        }
    }
}

#[test]
fn plaintext_errors() {
    let mut rng = DeterministicRng::new(b"plaintext-errors");
    let (k, _) = key(&mut rng);
    let shape = ContestShape::npc(3, 1, false, 1);
    let bad = ContestPlaintext::Candidate(CandidatePlaintext {
        marks: vec![Mark::Against, Mark::Abstain, Mark::Abstain],
        write_ins: vec![None],
        void: false,
    });
    assert_eq!(
        encrypt_contest(&k, &shape, &ctx(1), &bad, &mut rng)
            .unwrap_err()
            .code(),
        "invalid_plaintext"
    );
    let long = ContestPlaintext::Candidate(CandidatePlaintext {
        marks: vec![Mark::Abstain; 3],
        write_ins: vec![Some("名".repeat(21))],
        void: false,
    });
    assert_eq!(
        encrypt_contest(&k, &shape, &ctx(1), &long, &mut rng)
            .unwrap_err()
            .code(),
        "invalid_name"
    );
    let eval = ContestShape::evaluation(3, Some(1));
    let over = ContestPlaintext::Evaluation(EvaluationPlaintext {
        grades: vec![Some(0), Some(0), None],
    });
    assert_eq!(
        encrypt_contest(&k, &eval, &ctx(1), &over, &mut rng)
            .unwrap_err()
            .code(),
        "invalid_plaintext"
    );
    assert_eq!(
        ContestShape::npc(0, 1, true, 0)
            .validate()
            .unwrap_err()
            .code(),
        "invalid_shape"
    );
    assert_eq!(
        ContestShape::npc(3, 5, true, 1)
            .validate()
            .unwrap_err()
            .code(),
        "invalid_shape"
    );
}

fn npc_sample(
    rng: &mut DeterministicRng,
    k: &ElectionKey,
) -> (ContestShape, EncryptedContest, Opening) {
    let shape = ContestShape::npc(3, 1, true, 1);
    let p = ContestPlaintext::Candidate(CandidatePlaintext {
        marks: vec![Mark::Against, Mark::Abstain, Mark::Against],
        write_ins: vec![Some("李四".into())],
        void: false,
    });
    let (b, o) = encrypt_contest(k, &shape, &ctx(7), &p, rng).unwrap();
    (shape, b, o)
}

#[test]
fn every_single_byte_change_is_refused() {
    let mut rng = DeterministicRng::new(b"soundness");
    let (k, _) = key(&mut rng);
    let (shape, ballot, _) = npc_sample(&mut rng, &k);
    let c = ctx(7);
    let bytes = ballot.to_bytes();
    verify_contest_bytes(&k, &shape, &c, &bytes).unwrap();
    let mut codes = std::collections::BTreeMap::new();
    for pos in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[pos] ^= flip;
            let err = verify_contest_bytes(&k, &shape, &c, &b)
                .expect_err(&format!("byte {pos} flip {flip:#x} accepted"));
            *codes.entry(err.code().as_str()).or_insert(0) += 1;
        }
    }
    assert!(
        codes.contains_key("proof_invalid") && codes.contains_key("bad_encoding"),
        "{codes:?}"
    );
    // Truncated and extended encodings.
    assert_eq!(
        verify_contest_bytes(&k, &shape, &c, &bytes[..bytes.len() - 1])
            .unwrap_err()
            .code(),
        "bad_length"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        verify_contest_bytes(&k, &shape, &c, &longer)
            .unwrap_err()
            .code(),
        "bad_length"
    );
}

#[test]
fn replay_under_other_context_is_refused() {
    let mut rng = DeterministicRng::new(b"replay");
    let (k, _) = key(&mut rng);
    let (shape, ballot, _) = npc_sample(&mut rng, &k);
    let base = ctx(7);
    verify_contest(&k, &shape, &base, &ballot).unwrap();
    let others = [
        ContextInputs {
            token_serial: [8; 16],
            ..base
        },
        ContextInputs {
            contest_id: "第4选区",
            ..base
        },
        ContextInputs {
            election_id: "2026-乡人大",
            ..base
        },
        ContextInputs {
            group_id: "g1",
            ..base
        },
    ];
    for o in others {
        assert_eq!(
            verify_contest(&k, &shape, &o, &ballot).unwrap_err().code(),
            "proof_invalid"
        );
    }
    // Another key.
    let (k2, _) = key(&mut rng);
    assert_eq!(
        verify_contest(&k2, &shape, &base, &ballot)
            .unwrap_err()
            .code(),
        "proof_invalid"
    );
    // Another shape with the same layout (party vs npc flag) is refused too.
    let shape2 = ContestShape::Candidate(CandidateShape {
        write_in_needs_against: true,
        ..match &shape {
            ContestShape::Candidate(s) => s.clone(),
            _ => unreachable!(),
        }
    });
    assert!(verify_contest(&k, &shape2, &base, &ballot).is_err());
    // A proof moved between two ballots of the same shape.
    let (_, ballot2, _) = npc_sample(&mut rng, &k);
    let (EncryptedContest::Candidate(mut a), EncryptedContest::Candidate(b)) =
        (ballot.clone(), ballot2)
    else {
        unreachable!()
    };
    a.candidate_proofs[1] = b.candidate_proofs[1].clone();
    let err = verify_contest(&k, &shape, &base, &EncryptedContest::Candidate(a)).unwrap_err();
    assert_eq!(err.code(), "proof_invalid");
    assert!(
        err.to_string().contains("candidate proof at position 1"),
        "{err}"
    );
}

#[test]
fn openings() {
    let mut rng = DeterministicRng::new(b"openings");
    let (k, _) = key(&mut rng);
    let (shape, ballot, opening) = npc_sample(&mut rng, &k);
    let (_, _, other_opening) = npc_sample(&mut rng, &k);
    let c = ctx(7);
    assert!(open_contest(&k, &shape, &c, &ballot, &opening).is_ok());
    assert_eq!(
        open_contest(&k, &shape, &c, &ballot, &other_opening)
            .unwrap_err()
            .code(),
        "opening_mismatch"
    );
    // One nonce changed.
    let mut b = opening.to_bytes();
    b[1] ^= 1;
    let o2 = Opening::from_bytes(&shape, &b).unwrap();
    assert_eq!(
        open_contest(&k, &shape, &c, &ballot, &o2)
            .unwrap_err()
            .code(),
        "opening_mismatch"
    );
    // Wrong length / non-canonical scalar.
    assert_eq!(
        Opening::from_bytes(&shape, &b[1..]).unwrap_err().code(),
        "bad_length"
    );
    let mut nc = opening.to_bytes();
    nc[32] = 0xff;
    assert_eq!(
        Opening::from_bytes(&shape, &nc).unwrap_err().code(),
        "bad_encoding"
    );
}

#[test]
fn batch_verification_names_bad_ballots() {
    let mut rng = DeterministicRng::new(b"batch");
    let (k, _) = key(&mut rng);
    let shape = ContestShape::party(9, 7, 3);
    let serials: Vec<ContextInputs> = (0..6).map(ctx).collect();
    let mut ballots = Vec::new();
    for c in &serials {
        let p = random_plaintext(&shape, &mut rng);
        ballots.push(encrypt_contest(&k, &shape, c, &p, &mut rng).unwrap().0);
    }
    let items: Vec<BatchItem> = ballots
        .iter()
        .zip(serials.iter())
        .map(|(b, c)| BatchItem {
            shape: &shape,
            context: *c,
            ballot: b,
        })
        .collect();
    verify_contests_batch(&k, &items, &mut rng).unwrap();
    // Swap two ballots' serials: both fail.
    let mut items2 = items.clone();
    items2[2].context = serials[4];
    items2[4].context = serials[2];
    let f = verify_contests_batch(&k, &items2, &mut rng).unwrap_err();
    assert_eq!(
        f.failures.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![2, 4]
    );
    // A structurally wrong ballot (other shape) and a tampered one.
    let eval_shape = ContestShape::evaluation(2, None);
    let mut items3 = items.clone();
    items3[1].shape = &eval_shape;
    let EncryptedContest::Candidate(mut t) = ballots[5].clone() else {
        unreachable!()
    };
    let EncryptedContest::Candidate(donor) = ballots[4].clone() else {
        unreachable!()
    };
    t.void_proof = donor.void_proof.clone();
    let tampered = EncryptedContest::Candidate(t);
    items3[5].ballot = &tampered;
    let f = verify_contests_batch(&k, &items3, &mut rng).unwrap_err();
    assert_eq!(f.failures.len(), 2);
    assert_eq!(f.failures[0].0, 1);
    assert_eq!(f.failures[0].1.code(), "invalid_shape");
    assert_eq!(f.failures[1].0, 5);
    assert!(
        f.failures[1].1.to_string().contains("void"),
        "{}",
        f.failures[1].1
    );
}

#[test]
fn overvote_is_encrypted_as_void() {
    let mut rng = DeterministicRng::new(b"overvote");
    let (k, _) = key(&mut rng);
    let shape = ContestShape::npc(3, 1, false, 0);
    let p = ContestPlaintext::Candidate(CandidatePlaintext {
        marks: vec![Mark::For, Mark::For, Mark::Abstain],
        write_ins: vec![],
        void: false,
    });
    let (b, o) = encrypt_contest(&k, &shape, &ctx(1), &p, &mut rng).unwrap();
    let opened = open_contest(&k, &shape, &ctx(1), &b, &o).unwrap();
    let ContestPlaintext::Candidate(c) = opened else {
        unreachable!()
    };
    assert!(c.void);
    assert!(c.marks.iter().all(|m| *m == Mark::Abstain));
}
