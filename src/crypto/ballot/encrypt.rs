//! Encryption of a contest with its proofs.

use super::*;

// ---------------------------------------------------------------------------
// Encryption
// ---------------------------------------------------------------------------

pub(super) fn values_bytes(values: &[Scalar]) -> Vec<[u8; 32]> {
    values.iter().map(|v| v.to_bytes()).collect()
}

pub(super) fn cds_challenge(
    ctx: &[u8; 64],
    label: &str,
    position: u32,
    cts: &[&Ciphertext],
    values: &[Scalar],
    cm: &[&[u8]],
) -> Scalar {
    let ct_bytes: Vec<[u8; 64]> = cts.iter().map(|c| c.to_bytes()).collect();
    let vb = values_bytes(values);
    let mut st: Vec<&[u8]> = Vec::with_capacity(cts.len() + values.len());
    st.extend(ct_bytes.iter().map(|b| &b[..]));
    st.extend(vb.iter().map(|b| &b[..]));
    challenge(ctx, label, position, &st, cm)
}

pub(super) fn binary_values() -> [Scalar; 2] {
    [Scalar::ZERO, Scalar::ONE]
}

pub(super) fn candidate_values(lambda: &Scalar) -> [Scalar; 3] {
    [Scalar::ZERO, Scalar::ONE, *lambda]
}

pub(super) fn subject_values(lambda: &Scalar) -> [Scalar; GRADES + 1] {
    let l2 = lambda * lambda;
    [Scalar::ZERO, Scalar::ONE, *lambda, l2, l2 * lambda]
}

/// Encrypts a contest ballot and proves it well-formed.
///
/// Draw order (each draw = one 64-byte block reduced mod ℓ): first one nonce
/// per ciphertext in ciphertext order (this list is the [`Opening`]), then the
/// proof randomness proof by proof in encoding order (see E2E.md §Nonce order).
pub fn encrypt_contest(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    plaintext: &ContestPlaintext,
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    shape.validate()?;
    match (shape, plaintext) {
        (ContestShape::Candidate(s), ContestPlaintext::Candidate(p)) => {
            encrypt_candidate(key, shape, s, ci, p, rng)
        }
        (ContestShape::Evaluation(s), ContestPlaintext::Evaluation(p)) => {
            encrypt_evaluation(key, shape, s, ci, p, rng)
        }
        _ => Err(Error::plaintext(
            "the plaintext kind does not match the contest shape",
        )),
    }
}

pub(super) fn encrypt_candidate(
    key: &ElectionKey,
    shape: &ContestShape,
    s: &CandidateShape,
    ci: &ContextInputs<'_>,
    p: &CandidatePlaintext,
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    let p = p.normalized(s)?;
    encrypt_candidate_normalized(key, shape, s, ci, &p, rng)
}

/// Encrypts a plaintext that is already normalised (tests call it directly
/// with an over-marked plaintext to check that the proofs then fail).
pub(super) fn encrypt_candidate_normalized(
    key: &ElectionKey,
    shape: &ContestShape,
    s: &CandidateShape,
    ci: &ContextInputs<'_>,
    p: &CandidatePlaintext,
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    let lines = p
        .write_ins
        .iter()
        .map(|x| {
            Ok((
                u64::from(x.is_some()),
                encode_name(x.as_deref().unwrap_or(""))?.elements,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    encrypt_candidate_lines(key, shape, s, ci, p, &lines, rng)
}

/// Encrypts a candidate contest whose write-in lines are given as they are to be encrypted:
/// (flag, name elements), the flag 0 or 1 and the elements any points. Valid ballots come
/// only from [`encrypt_contest`], whose lines are flagged exactly when they carry an encoded
/// name; this is the kiosk that does not follow the protocol (a name on an unmarked line, a
/// marked line whose name does not decode), which the proofs cannot exclude and the counting
/// must withstand (docs/E2E.md §9). Tests of that use it; `p.write_ins` is not read.
#[doc(hidden)]
pub fn encrypt_candidate_lines(
    key: &ElectionKey,
    shape: &ContestShape,
    s: &CandidateShape,
    ci: &ContextInputs<'_>,
    p: &CandidatePlaintext,
    lines: &[(u64, [RistrettoPoint; 2])],
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    let n = s.candidates as usize;
    let w = s.write_in_lines as usize;
    if lines.len() != w || p.marks.len() != n || lines.iter().any(|(f, _)| *f > 1) {
        return Err(Error::InvalidPlaintext {
            reason: "write-in lines or marks do not fit the shape".into(),
        });
    }

    // 1. Ciphertexts, one nonce each, in ciphertext order.
    let mut nonces: Vec<Scalar> = Vec::with_capacity(shape.ciphertext_count());
    let mut candidates = Vec::with_capacity(n);
    let mut fa: Vec<(u64, u64)> = Vec::with_capacity(n);
    for m in &p.marks {
        let (f, a) = match m {
            Mark::Abstain => (0, 0),
            Mark::For => (1, 0),
            Mark::Against => (0, 1),
        };
        fa.push((f, a));
        let rf = draw_scalar(rng);
        let for_ct = Ciphertext::encrypt_exp(key, f, &rf);
        nonces.push(rf);
        let against_ct = if s.against {
            let ra = draw_scalar(rng);
            let ct = Ciphertext::encrypt_exp(key, a, &ra);
            nonces.push(ra);
            Some(ct)
        } else {
            None
        };
        candidates.push(CandidateCiphertexts { for_ct, against_ct });
    }
    let mut write_ins = Vec::with_capacity(w);
    let mut flags = Vec::with_capacity(w);
    for (flag, elements) in lines {
        let flag = *flag;
        flags.push(flag);
        let rw = draw_scalar(rng);
        let flag_ct = Ciphertext::encrypt_exp(key, flag, &rw);
        nonces.push(rw);
        let r0 = draw_scalar(rng);
        let n0 = Ciphertext::encrypt_point(key, &elements[0], &r0);
        nonces.push(r0);
        let r1 = draw_scalar(rng);
        let n1 = Ciphertext::encrypt_point(key, &elements[1], &r1);
        nonces.push(r1);
        write_ins.push(WriteInCiphertexts {
            flag: flag_ct,
            name: [n0, n1],
        });
    }
    let v = u64::from(p.void);
    let rv = draw_scalar(rng);
    let void = Ciphertext::encrypt_exp(key, v, &rv);
    nonces.push(rv);
    let opening = Opening { nonces };
    let nz = &opening.nonces;

    // Index helpers into the nonce list.
    let stride = 1 + usize::from(s.against);
    let rf_of = |i: usize| nz[i * stride];
    let ra_of = |i: usize| nz[i * stride + 1];
    let wbase = n * stride;
    let rw_of = |j: usize| nz[wbase + 3 * j];
    let rn_of = |j: usize, e: usize| nz[wbase + 3 * j + 1 + e];
    let rv_idx = wbase + 3 * w;

    let mut ballot = EncryptedCandidateContest {
        candidates,
        write_ins,
        void,
        candidate_proofs: Vec::with_capacity(n),
        write_in_proofs: Vec::with_capacity(w),
        void_proof: CdsProof {
            commitments: vec![],
            challenges: vec![],
            responses: vec![],
        },
        marks_range: RangeProof {
            bits: vec![],
            proofs: vec![],
        },
        against_range: None,
    };
    let ct_bytes = EncryptedContest::Candidate(ballot.clone()).ciphertext_bytes();
    let ctx = ballot_context(key, shape, ci, &ct_bytes);

    // 2. Candidate proofs.
    for i in 0..n {
        let cand = &ballot.candidates[i];
        let (f, a) = fa[i];
        let proof = match &cand.against_ct {
            Some(act) => {
                let lambda = combine_coefficient(&ctx, labels::CANDIDATE, i as u32);
                let values = candidate_values(&lambda);
                let xa = cand.for_ct.alpha.point() + lambda * act.alpha.point();
                let xb = cand.for_ct.beta.point() + lambda * act.beta.point();
                let mut wit = rf_of(i) + lambda * ra_of(i);
                // index: 0 abstain, 1 for, 2 against (f + 2a, constant time).
                let index = (f + 2 * a) as u32;
                let prover = CdsProver::commit(key, (&xa, &xb), &values, index, &wit, rng);
                wit.zeroize();
                let mut cm = Vec::new();
                prover.commitment_bytes(&mut cm);
                let c = cds_challenge(
                    &ctx,
                    labels::CANDIDATE,
                    i as u32,
                    &[&cand.for_ct, act],
                    &values,
                    &cm,
                );
                prover.respond(&c)
            }
            None => {
                let values = binary_values();
                let prover = CdsProver::commit(
                    key,
                    (cand.for_ct.alpha.point(), cand.for_ct.beta.point()),
                    &values,
                    f as u32,
                    &rf_of(i),
                    rng,
                );
                let mut cm = Vec::new();
                prover.commitment_bytes(&mut cm);
                let c = cds_challenge(
                    &ctx,
                    labels::CANDIDATE,
                    i as u32,
                    &[&cand.for_ct],
                    &values,
                    &cm,
                );
                prover.respond(&c)
            }
        };
        ballot.candidate_proofs.push(proof);
    }

    // 3. Write-in lines: flag proof, then name proof of knowledge.
    for j in 0..w {
        let line = &ballot.write_ins[j];
        let values = binary_values();
        let prover = CdsProver::commit(
            key,
            (line.flag.alpha.point(), line.flag.beta.point()),
            &values,
            flags[j] as u32,
            &rw_of(j),
            rng,
        );
        let mut cm = Vec::new();
        prover.commitment_bytes(&mut cm);
        let c = cds_challenge(
            &ctx,
            labels::WRITE_IN_FLAG,
            j as u32,
            &[&line.flag],
            &values,
            &cm,
        );
        let flag_proof = prover.respond(&c);

        let lambda = combine_coefficient(&ctx, labels::WRITE_IN_NAME, j as u32);
        let mut wit = rn_of(j, 0) + lambda * rn_of(j, 1);
        let mut u = draw_scalar(rng);
        let t = crate::crypto::group::Element::from_point(mul_g(&u));
        let c = cds_challenge(
            &ctx,
            labels::WRITE_IN_NAME,
            j as u32,
            &[&line.name[0], &line.name[1]],
            &[lambda],
            &[t.as_bytes()],
        );
        let z = u + c * wit;
        u.zeroize();
        wit.zeroize();
        ballot
            .write_in_proofs
            .push((flag_proof, SchnorrCommit { t, z }));
    }

    // 4. Void proof.
    {
        let values = binary_values();
        let prover = CdsProver::commit(
            key,
            (ballot.void.alpha.point(), ballot.void.beta.point()),
            &values,
            v as u32,
            &nz[rv_idx],
            rng,
        );
        let mut cm = Vec::new();
        prover.commitment_bytes(&mut cm);
        let c = cds_challenge(&ctx, labels::VOID, 0, &[&ballot.void], &values, &cm);
        ballot.void_proof = prover.respond(&c);
    }

    // 5. Marks range: Σ for + Σ flags + m·V ∈ [0, m].
    {
        let m = u64::from(s.max_marks);
        let ms = Scalar::from(m);
        let mut ea = ms * ballot.void.alpha.point();
        let mut eb = ms * ballot.void.beta.point();
        let mut r = ms * nz[rv_idx];
        let mut value = m * v;
        for i in 0..n {
            ea += ballot.candidates[i].for_ct.alpha.point();
            eb += ballot.candidates[i].for_ct.beta.point();
            r += rf_of(i);
            value += fa[i].0;
        }
        for j in 0..w {
            ea += ballot.write_ins[j].flag.alpha.point();
            eb += ballot.write_ins[j].flag.beta.point();
            r += rw_of(j);
            value += flags[j];
        }
        ballot.marks_range = RangeProof::prove(
            key,
            &ctx,
            labels::MARKS_RANGE,
            0,
            (&ea, &eb),
            s.max_marks,
            value,
            &r,
            rng,
        );
        r.zeroize();
    }

    // 6. Against range: Σ against − (Σ flags) + n·V ∈ [0, n].
    if s.against {
        let nn = u64::from(s.candidates);
        let ns = Scalar::from(nn);
        let mut ea = ns * ballot.void.alpha.point();
        let mut eb = ns * ballot.void.beta.point();
        let mut r = ns * nz[rv_idx];
        let mut value = nn * v;
        for i in 0..n {
            if let Some(act) = &ballot.candidates[i].against_ct {
                ea += act.alpha.point();
                eb += act.beta.point();
            }
            r += ra_of(i);
            value += fa[i].1;
        }
        if s.write_in_needs_against {
            for j in 0..w {
                ea -= ballot.write_ins[j].flag.alpha.point();
                eb -= ballot.write_ins[j].flag.beta.point();
                r -= rw_of(j);
                value = value.wrapping_sub(flags[j]);
            }
        }
        ballot.against_range = Some(RangeProof::prove(
            key,
            &ctx,
            labels::AGAINST_RANGE,
            0,
            (&ea, &eb),
            s.candidates,
            value,
            &r,
            rng,
        ));
        r.zeroize();
    }

    Ok((EncryptedContest::Candidate(ballot), opening))
}

pub(super) fn encrypt_evaluation(
    key: &ElectionKey,
    shape: &ContestShape,
    s: &EvaluationShape,
    ci: &ContextInputs<'_>,
    p: &EvaluationPlaintext,
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    p.validate(s)?;
    let mut nonces = Vec::with_capacity(shape.ciphertext_count());
    let mut subjects = Vec::with_capacity(s.subjects as usize);
    for g in &p.grades {
        let mut cts = Vec::with_capacity(GRADES);
        for t in 0..GRADES {
            let r = draw_scalar(rng);
            cts.push(Ciphertext::encrypt_exp(
                key,
                u64::from(*g == Some(t as u8)),
                &r,
            ));
            nonces.push(r);
        }
        subjects.push([cts[0], cts[1], cts[2], cts[3]]);
    }
    let opening = Opening { nonces };
    let nz = &opening.nonces;
    let mut ballot = EncryptedEvaluationContest {
        subjects,
        subject_proofs: Vec::new(),
        quota_range: None,
    };
    let ct_bytes = EncryptedContest::Evaluation(ballot.clone()).ciphertext_bytes();
    let ctx = ballot_context(key, shape, ci, &ct_bytes);

    for (si, g) in p.grades.iter().enumerate() {
        let lambda = combine_coefficient(&ctx, labels::SUBJECT, si as u32);
        let values = subject_values(&lambda);
        let cts = &ballot.subjects[si];
        let mut xa = RistrettoPoint::identity();
        let mut xb = RistrettoPoint::identity();
        let mut wit = Scalar::ZERO;
        let mut pow = Scalar::ONE;
        for t in 0..GRADES {
            xa += pow * cts[t].alpha.point();
            xb += pow * cts[t].beta.point();
            wit += pow * nz[GRADES * si + t];
            pow *= lambda;
        }
        let index = match g {
            None => 0,
            Some(x) => u32::from(*x) + 1,
        };
        let prover = CdsProver::commit(key, (&xa, &xb), &values, index, &wit, rng);
        wit.zeroize();
        let mut cm = Vec::new();
        prover.commitment_bytes(&mut cm);
        let refs: Vec<&Ciphertext> = cts.iter().collect();
        let c = cds_challenge(&ctx, labels::SUBJECT, si as u32, &refs, &values, &cm);
        ballot.subject_proofs.push(prover.respond(&c));
    }
    if let Some(q) = s.grade0_quota {
        let mut ea = RistrettoPoint::identity();
        let mut eb = RistrettoPoint::identity();
        let mut r = Scalar::ZERO;
        let mut value = 0u64;
        for (si, g) in p.grades.iter().enumerate() {
            ea += ballot.subjects[si][0].alpha.point();
            eb += ballot.subjects[si][0].beta.point();
            r += nz[GRADES * si];
            value += u64::from(*g == Some(0));
        }
        ballot.quota_range = Some(RangeProof::prove(
            key,
            &ctx,
            labels::QUOTA_RANGE,
            0,
            (&ea, &eb),
            q,
            value,
            &r,
            rng,
        ));
        r.zeroize();
    }
    Ok((EncryptedContest::Evaluation(ballot), opening))
}
