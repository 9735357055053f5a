#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::crypto::group::DeterministicRng;

pub(crate) fn ceremony(
    params: &DkgParams,
    rng: &mut DeterministicRng,
) -> (Vec<Round1Message>, Vec<KeyShare>) {
    let eid = "e-2026";
    let mut secrets = Vec::new();
    let mut msgs = Vec::new();
    for i in 1..=params.tellers {
        let (s, m) = round1(eid, params, i, rng).unwrap();
        secrets.push(s);
        msgs.push(m);
    }
    verify_round1_all(eid, params, &msgs).unwrap();
    let mut inbox: Vec<Vec<EncryptedShare>> = vec![vec![]; params.tellers as usize];
    for s in &secrets {
        for sh in encrypt_shares(eid, params, s, &msgs, rng).unwrap() {
            inbox[sh.to as usize - 1].push(sh);
        }
    }
    let mut shares = Vec::new();
    for s in &secrets {
        let mut got = Vec::new();
        for sh in &inbox[s.index() as usize - 1] {
            match receive_share(eid, params, s, &msgs, sh, rng).unwrap() {
                ShareCheck::Valid(r) => got.push(r),
                ShareCheck::Invalid(_) => panic!("honest share refused"),
            }
        }
        shares.push(combine_shares(params, s, &msgs, &got).unwrap());
    }
    (msgs, shares)
}

#[test]
fn happy_path_and_encodings() {
    let mut rng = DeterministicRng::new(b"dkg");
    for (n, k) in [(5, 3), (3, 2)] {
        let params = DkgParams::new(n, k).unwrap();
        let (msgs, shares) = ceremony(&params, &mut rng);
        let key = joint_key(&params, &msgs).unwrap();
        for m in &msgs {
            assert_eq!(
                Round1Message::from_bytes(&params, &m.to_bytes()).unwrap(),
                *m
            );
        }
        // Σ λ_ℓ s_ℓ over any k-subset gives the same secret x with x·G = K.
        assert_eq!(shares.len(), n as usize);
        let idx: Vec<u32> = (1..=k).collect();
        let lam = crate::crypto::decrypt::lagrange_at_zero(&idx).unwrap();
        let x: Scalar = idx
            .iter()
            .zip(lam.iter())
            .map(|(i, l)| l * shares[*i as usize - 1].secret())
            .sum();
        assert_eq!(mul_g(&x), *key.point());
    }
}

#[test]
fn bad_share_gives_verifiable_complaint() {
    let eid = "e-2026";
    let params = DkgParams::default();
    let mut rng = DeterministicRng::new(b"dkg-bad");
    let mut secrets = Vec::new();
    let mut msgs = Vec::new();
    for i in 1..=5 {
        let (s, m) = round1(eid, &params, i, &mut rng).unwrap();
        secrets.push(s);
        msgs.push(m);
    }
    // Teller 2 sends teller 4 a wrong value.
    let bad = encrypt_share_value(
        eid,
        2,
        4,
        &msgs[3].share_key,
        &Scalar::from(12345u32),
        &mut rng,
    );
    let complaint = match receive_share(eid, &params, &secrets[3], &msgs, &bad, &mut rng).unwrap() {
        ShareCheck::Invalid(c) => c,
        ShareCheck::Valid(_) => panic!("bad share accepted"),
    };
    assert_eq!(
        verify_complaint(eid, &params, &msgs, &complaint).unwrap(),
        ComplaintReason::CommitmentMismatch
    );
    assert_eq!(
        Complaint::from_bytes(&complaint.to_bytes()).unwrap(),
        complaint
    );
    // Tampered ciphertext: bad tag.
    let mut bad2 = encrypt_shares(eid, &params, &secrets[1], &msgs, &mut rng).unwrap()[2];
    assert_eq!(bad2.to, 4);
    bad2.ciphertext[0] ^= 1;
    let c2 = match receive_share(eid, &params, &secrets[3], &msgs, &bad2, &mut rng).unwrap() {
        ShareCheck::Invalid(c) => c,
        ShareCheck::Valid(_) => panic!("tampered share accepted"),
    };
    assert_eq!(
        verify_complaint(eid, &params, &msgs, &c2).unwrap(),
        ComplaintReason::BadTag
    );
    // A false complaint against a good share is rejected.
    let good = encrypt_shares(eid, &params, &secrets[1], &msgs, &mut rng).unwrap()[2];
    let mut false_c = c2.clone();
    false_c.share = good;
    assert_eq!(
        verify_complaint(eid, &params, &msgs, &false_c)
            .unwrap_err()
            .code(),
        "complaint_rejected"
    );
    // A complaint with a wrong DH value is rejected.
    let mut forged = complaint.clone();
    forged.dh = Element::from_point(mul_g(&Scalar::from(7u8)));
    assert_eq!(
        verify_complaint(eid, &params, &msgs, &forged)
            .unwrap_err()
            .code(),
        "complaint_rejected"
    );
    // Round-1 tampering.
    let mut m = msgs[0].clone();
    m.coefficient_proofs[1].z += Scalar::ONE;
    assert_eq!(
        verify_round1(eid, &params, &m).unwrap_err().code(),
        "proof_invalid"
    );
    assert_eq!(
        verify_round1("other", &params, &msgs[0])
            .unwrap_err()
            .code(),
        "proof_invalid"
    );
}
