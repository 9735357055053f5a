//! Verification of contests (single and batched), openings, aggregation, and the bench counters.

use super::*;

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

pub(super) fn push_ct(sink: &mut dyn Sink, ct: &Ciphertext) -> (Pi, Pi) {
    (sink.push(&ct.alpha), sink.push(&ct.beta))
}

/// Emits every verification equation of a ballot into `sink`.
pub(crate) fn emit_equations(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
    sink: &mut dyn Sink,
) -> Result<()> {
    shape.validate()?;
    ballot.matches_shape(shape)?;
    let ctx = ballot_context(key, shape, ci, &ballot.ciphertext_bytes());
    match (shape, ballot) {
        (ContestShape::Candidate(s), EncryptedContest::Candidate(b)) => {
            emit_candidate(s, &ctx, b, sink)
        }
        (ContestShape::Evaluation(s), EncryptedContest::Evaluation(b)) => {
            emit_evaluation(s, &ctx, b, sink)
        }
        _ => Err(Error::shape(
            "the encrypted ballot does not have the contest's shape",
        )),
    }
}

pub(super) fn emit_candidate(
    s: &CandidateShape,
    ctx: &[u8; 64],
    b: &EncryptedCandidateContest,
    sink: &mut dyn Sink,
) -> Result<()> {
    let n = s.candidates as usize;
    let w = s.write_in_lines as usize;
    let mut f_idx = Vec::with_capacity(n);
    let mut a_idx = Vec::with_capacity(n);
    for c in &b.candidates {
        f_idx.push(push_ct(sink, &c.for_ct));
        a_idx.push(c.against_ct.as_ref().map(|a| push_ct(sink, a)));
    }
    let mut w_idx = Vec::with_capacity(w);
    let mut n_idx = Vec::with_capacity(w);
    for l in &b.write_ins {
        w_idx.push(push_ct(sink, &l.flag));
        n_idx.push([push_ct(sink, &l.name[0]), push_ct(sink, &l.name[1])]);
    }
    let v_idx = push_ct(sink, &b.void);

    for i in 0..n {
        sink.context(labels::CANDIDATE, i as u32);
        let proof = &b.candidate_proofs[i];
        let mut cm = Vec::new();
        proof.commitment_bytes(&mut cm);
        let cand = &b.candidates[i];
        match (&cand.against_ct, a_idx[i]) {
            (Some(act), Some(ai)) => {
                let lambda = combine_coefficient(ctx, labels::CANDIDATE, i as u32);
                let values = candidate_values(&lambda);
                let c = cds_challenge(
                    ctx,
                    labels::CANDIDATE,
                    i as u32,
                    &[&cand.for_ct, act],
                    &values,
                    &cm,
                );
                sink.note("lambda", labels::CANDIDATE, i as u32, &lambda);
                sink.note("c", labels::CANDIDATE, i as u32, &c);
                let mut x = CtExpr::single(f_idx[i]);
                x.add_ct(ai, lambda);
                proof.equations(sink, &x, &values, &c)?;
            }
            _ => {
                let values = binary_values();
                let c = cds_challenge(
                    ctx,
                    labels::CANDIDATE,
                    i as u32,
                    &[&cand.for_ct],
                    &values,
                    &cm,
                );
                sink.note("c", labels::CANDIDATE, i as u32, &c);
                proof.equations(sink, &CtExpr::single(f_idx[i]), &values, &c)?;
            }
        }
    }
    for j in 0..w {
        let line = &b.write_ins[j];
        let (flag_proof, name_proof) = &b.write_in_proofs[j];
        sink.context(labels::WRITE_IN_FLAG, j as u32);
        let values = binary_values();
        let mut cm = Vec::new();
        flag_proof.commitment_bytes(&mut cm);
        let c = cds_challenge(
            ctx,
            labels::WRITE_IN_FLAG,
            j as u32,
            &[&line.flag],
            &values,
            &cm,
        );
        sink.note("c", labels::WRITE_IN_FLAG, j as u32, &c);
        flag_proof.equations(sink, &CtExpr::single(w_idx[j]), &values, &c)?;

        sink.context(labels::WRITE_IN_NAME, j as u32);
        let lambda = combine_coefficient(ctx, labels::WRITE_IN_NAME, j as u32);
        let c = cds_challenge(
            ctx,
            labels::WRITE_IN_NAME,
            j as u32,
            &[&line.name[0], &line.name[1]],
            &[lambda],
            &[name_proof.t.as_bytes()],
        );
        sink.note("lambda", labels::WRITE_IN_NAME, j as u32, &lambda);
        sink.note("c", labels::WRITE_IN_NAME, j as u32, &c);
        let y = vec![(n_idx[j][0].0, Scalar::ONE), (n_idx[j][1].0, lambda)];
        name_proof.equations(sink, &y, &c);
    }
    {
        sink.context(labels::VOID, 0);
        let values = binary_values();
        let mut cm = Vec::new();
        b.void_proof.commitment_bytes(&mut cm);
        let c = cds_challenge(ctx, labels::VOID, 0, &[&b.void], &values, &cm);
        sink.note("c", labels::VOID, 0, &c);
        b.void_proof
            .equations(sink, &CtExpr::single(v_idx), &values, &c)?;
    }
    {
        let mut e = CtExpr::default();
        e.add_ct(v_idx, Scalar::from(s.max_marks));
        for fi in &f_idx {
            e.add_ct(*fi, Scalar::ONE);
        }
        for wi in &w_idx {
            e.add_ct(*wi, Scalar::ONE);
        }
        b.marks_range
            .equations(sink, ctx, labels::MARKS_RANGE, 0, &e, s.max_marks)?;
    }
    if let Some(ar) = &b.against_range {
        let mut e = CtExpr::default();
        e.add_ct(v_idx, Scalar::from(s.candidates));
        for ai in a_idx.iter().flatten() {
            e.add_ct(*ai, Scalar::ONE);
        }
        if s.write_in_needs_against {
            for wi in &w_idx {
                e.add_ct(*wi, -Scalar::ONE);
            }
        }
        ar.equations(sink, ctx, labels::AGAINST_RANGE, 0, &e, s.candidates)?;
    }
    Ok(())
}

pub(super) fn emit_evaluation(
    s: &EvaluationShape,
    ctx: &[u8; 64],
    b: &EncryptedEvaluationContest,
    sink: &mut dyn Sink,
) -> Result<()> {
    let mut idx = Vec::with_capacity(b.subjects.len());
    for cts in &b.subjects {
        let mut row = [(0, 0); GRADES];
        for t in 0..GRADES {
            row[t] = push_ct(sink, &cts[t]);
        }
        idx.push(row);
    }
    for (si, cts) in b.subjects.iter().enumerate() {
        sink.context(labels::SUBJECT, si as u32);
        let lambda = combine_coefficient(ctx, labels::SUBJECT, si as u32);
        let values = subject_values(&lambda);
        let proof = &b.subject_proofs[si];
        let mut cm = Vec::new();
        proof.commitment_bytes(&mut cm);
        let refs: Vec<&Ciphertext> = cts.iter().collect();
        let c = cds_challenge(ctx, labels::SUBJECT, si as u32, &refs, &values, &cm);
        sink.note("lambda", labels::SUBJECT, si as u32, &lambda);
        sink.note("c", labels::SUBJECT, si as u32, &c);
        let mut x = CtExpr::default();
        let mut pow = Scalar::ONE;
        for t in 0..GRADES {
            x.add_ct(idx[si][t], pow);
            pow *= lambda;
        }
        proof.equations(sink, &x, &values, &c)?;
    }
    if let (Some(q), Some(qr)) = (s.grade0_quota, &b.quota_range) {
        let mut e = CtExpr::default();
        for row in &idx {
            e.add_ct(row[0], Scalar::ONE);
        }
        qr.equations(sink, ctx, labels::QUOTA_RANGE, 0, &e, q)?;
    }
    Ok(())
}

pub(super) fn describe(failed: Option<(&'static str, u32)>) -> Error {
    match failed {
        Some((label, pos)) => Error::proof(format!("{label} proof at position {pos}")),
        None => Error::proof("ballot proof batch"),
    }
}

/// Finds which proof of a ballot fails (recomputes every commitment).
pub(super) fn locate_failure(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
) -> Error {
    let mut sink = CheckSink::new(key);
    match emit_equations(key, shape, ci, ballot, &mut sink) {
        Err(e) => e,
        Ok(()) => describe(sink.failed),
    }
}

/// Verifies one contest ballot (one multiscalar multiplication; batch weights
/// from the operating system's CSPRNG). On failure the error names the proof.
pub fn verify_contest(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
) -> Result<()> {
    verify_contest_with_rng(key, shape, ci, ballot, &mut crate::crypto::SystemRng)
}

/// [`verify_contest`] with caller-supplied randomness for the batch weights.
pub fn verify_contest_with_rng(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
    rng: &mut dyn CryptoRngCore,
) -> Result<()> {
    let mut sink = BatchSink::new(rng);
    emit_equations(key, shape, ci, ballot, &mut sink)?;
    if sink.check(key) {
        Ok(())
    } else {
        Err(locate_failure(key, shape, ci, ballot))
    }
}

/// Decodes and verifies.
pub fn verify_contest_bytes(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    bytes: &[u8],
) -> Result<EncryptedContest> {
    let ballot = EncryptedContest::from_bytes(shape, bytes)?;
    verify_contest(key, shape, ci, &ballot)?;
    Ok(ballot)
}

/// Verifies by recomputing every commitment separately (no batching): the
/// verification work of the challenge-form alternative. Used for measurement
/// and to name a failing proof.
pub fn verify_contest_unbatched(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
) -> Result<()> {
    let mut sink = CheckSink::new(key);
    emit_equations(key, shape, ci, ballot, &mut sink)?;
    match sink.failed {
        None => Ok(()),
        f => Err(describe(f)),
    }
}

/// One ballot of a batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    /// Contest shape.
    pub shape: &'a ContestShape,
    /// Context inputs.
    pub context: ContextInputs<'a>,
    /// The ballot.
    pub ballot: &'a EncryptedContest,
}

/// Failures of a batch: index in the batch and the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchFailure {
    /// (index, error) of every ballot that failed.
    pub failures: Vec<(usize, Error)>,
}

impl core::fmt::Display for BatchFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} ballot(s) of the batch do not verify",
            self.failures.len()
        )?;
        if let Some((i, e)) = self.failures.first() {
            write!(f, "; the first is ballot {i}: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BatchFailure {}

/// Batch verification: every equation of every ballot, each with its own random
/// 128-bit weight (seeded from `rng`, [`BatchSink`]), in one vartime multiscalar
/// multiplication. If the batch fails, each ballot is checked on its own and
/// every failing ballot is reported with the proof that fails.
pub fn verify_contests_batch(
    key: &ElectionKey,
    items: &[BatchItem<'_>],
    rng: &mut dyn CryptoRngCore,
) -> core::result::Result<(), BatchFailure> {
    let mut sink = BatchSink::new(rng);
    let mut failures = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let snapshot = sink.snapshot();
        if let Err(e) = emit_equations(key, it.shape, &it.context, it.ballot, &mut sink) {
            // A structural failure: drop this ballot's partial contribution.
            sink.restore(snapshot);
            failures.push((i, e));
        }
    }
    if !sink.check(key) {
        // Fall back to individual checks to name the bad ballots.
        for (i, it) in items.iter().enumerate() {
            if failures.iter().any(|(j, _)| *j == i) {
                continue;
            }
            if let Err(e) = verify_contest_with_rng(key, it.shape, &it.context, it.ballot, rng) {
                failures.push((i, e));
            }
        }
        failures.sort_by_key(|(i, _)| *i);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(BatchFailure { failures })
    }
}

/// Recovers the plaintext of a ballot from its opening: verifies the ballot,
/// decrypts every ciphertext with its nonce, re-encrypts the recovered
/// plaintext with the same nonces and compares every ciphertext.
pub fn open_contest(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ballot: &EncryptedContest,
    opening: &Opening,
) -> Result<ContestPlaintext> {
    verify_contest(key, shape, ci, ballot)?;
    let cts = ballot.ciphertexts();
    if opening.nonces.len() != cts.len() {
        return Err(Error::OpeningMismatch {
            what: "number of ciphertexts".into(),
        });
    }
    let g = generator();
    let small = |ct: &Ciphertext, r: &Scalar, what: &str| -> Result<u64> {
        let m = ct.beta.point() - key.mul_k(r);
        if m == RistrettoPoint::identity() {
            Ok(0)
        } else if m == g {
            Ok(1)
        } else {
            Err(Error::OpeningMismatch {
                what: what.to_string(),
            })
        }
    };
    let nz = &opening.nonces;
    let plaintext = match (shape, ballot) {
        (ContestShape::Candidate(s), EncryptedContest::Candidate(b)) => {
            let stride = 1 + usize::from(s.against);
            let mut marks = Vec::with_capacity(b.candidates.len());
            for (i, c) in b.candidates.iter().enumerate() {
                let f = small(&c.for_ct, &nz[i * stride], "candidate ciphertext")?;
                let a = match &c.against_ct {
                    Some(act) => small(act, &nz[i * stride + 1], "candidate ciphertext")?,
                    None => 0,
                };
                marks.push(match (f, a) {
                    (0, 0) => Mark::Abstain,
                    (1, 0) => Mark::For,
                    (0, 1) => Mark::Against,
                    _ => {
                        return Err(Error::OpeningMismatch {
                            what: "candidate ciphertext".into(),
                        })
                    }
                });
            }
            let base = b.candidates.len() * stride;
            let mut write_ins = Vec::with_capacity(b.write_ins.len());
            for (j, l) in b.write_ins.iter().enumerate() {
                let flag = small(&l.flag, &nz[base + 3 * j], "write-in flag ciphertext")?;
                let e0 = l.name[0].beta.point() - key.mul_k(&nz[base + 3 * j + 1]);
                let e1 = l.name[1].beta.point() - key.mul_k(&nz[base + 3 * j + 2]);
                let name = decode_name(&[e0, e1]).map_err(|_| Error::OpeningMismatch {
                    what: "write-in name ciphertext".into(),
                })?;
                match (flag, name.is_empty()) {
                    (1, false) => write_ins.push(Some(name)),
                    (0, true) => write_ins.push(None),
                    _ => {
                        return Err(Error::OpeningMismatch {
                            what: "write-in line (flag and name disagree)".into(),
                        })
                    }
                }
            }
            let void = small(
                &b.void,
                &nz[base + 3 * b.write_ins.len()],
                "void ciphertext",
            )? == 1;
            ContestPlaintext::Candidate(CandidatePlaintext {
                marks,
                write_ins,
                void,
            })
        }
        (ContestShape::Evaluation(_), EncryptedContest::Evaluation(b)) => {
            let mut grades = Vec::with_capacity(b.subjects.len());
            for (si, cts) in b.subjects.iter().enumerate() {
                let mut grade = None;
                for (t, ct) in cts.iter().enumerate() {
                    if small(ct, &nz[GRADES * si + t], "grade ciphertext")? == 1 {
                        if grade.is_some() {
                            return Err(Error::OpeningMismatch {
                                what: "grade ciphertexts".into(),
                            });
                        }
                        grade = Some(t as u8);
                    }
                }
                grades.push(grade);
            }
            ContestPlaintext::Evaluation(EvaluationPlaintext { grades })
        }
        _ => {
            return Err(Error::shape(
                "the encrypted ballot does not have the contest's shape",
            ))
        }
    };
    // Re-encrypt with the revealed nonces and compare every ciphertext.
    let re = reencrypt_ciphertexts(key, shape, &plaintext, nz)?;
    for (k, (a, b)) in re.iter().zip(cts.iter()).enumerate() {
        if a != *b {
            return Err(Error::OpeningMismatch {
                what: format!("ciphertext number {k}"),
            });
        }
    }
    Ok(plaintext)
}

/// Ciphertexts of a plaintext under given nonces (ciphertext order).
pub(super) fn reencrypt_ciphertexts(
    key: &ElectionKey,
    shape: &ContestShape,
    p: &ContestPlaintext,
    nonces: &[Scalar],
) -> Result<Vec<Ciphertext>> {
    let mut out = Vec::with_capacity(nonces.len());
    let mut it = nonces.iter();
    let mut next = || {
        it.next().copied().ok_or_else(|| Error::OpeningMismatch {
            what: "number of nonces".into(),
        })
    };
    match (shape, p) {
        (ContestShape::Candidate(s), ContestPlaintext::Candidate(p)) => {
            for m in &p.marks {
                out.push(Ciphertext::encrypt_exp(
                    key,
                    u64::from(*m == Mark::For),
                    &next()?,
                ));
                if s.against {
                    out.push(Ciphertext::encrypt_exp(
                        key,
                        u64::from(*m == Mark::Against),
                        &next()?,
                    ));
                }
            }
            for w in &p.write_ins {
                out.push(Ciphertext::encrypt_exp(
                    key,
                    u64::from(w.is_some()),
                    &next()?,
                ));
                let name = encode_name(w.as_deref().unwrap_or(""))?;
                out.push(Ciphertext::encrypt_point(key, &name.elements[0], &next()?));
                out.push(Ciphertext::encrypt_point(key, &name.elements[1], &next()?));
            }
            out.push(Ciphertext::encrypt_exp(key, u64::from(p.void), &next()?));
        }
        (ContestShape::Evaluation(_), ContestPlaintext::Evaluation(p)) => {
            for g in &p.grades {
                for t in 0..GRADES {
                    out.push(Ciphertext::encrypt_exp(
                        key,
                        u64::from(*g == Some(t as u8)),
                        &next()?,
                    ));
                }
            }
        }
        _ => {
            return Err(Error::shape(
                "the plaintext kind does not match the contest shape",
            ))
        }
    }
    Ok(out)
}

/// Homomorphic aggregation of many ballots of one contest: the element-wise
/// sum of their exponential ciphertexts (order of
/// [`EncryptedContest::exponential_ciphertexts`]).
pub fn aggregate(shape: &ContestShape, ballots: &[&EncryptedContest]) -> Result<Vec<Ciphertext>> {
    shape.validate()?;
    let len = match shape {
        ContestShape::Candidate(s) => {
            s.candidates as usize * (1 + usize::from(s.against)) + s.write_in_lines as usize + 1
        }
        ContestShape::Evaluation(s) => GRADES * s.subjects as usize,
    };
    let mut acc = vec![(RistrettoPoint::identity(), RistrettoPoint::identity()); len];
    for b in ballots {
        b.matches_shape(shape)?;
        for (slot, ct) in acc.iter_mut().zip(b.exponential_ciphertexts()) {
            slot.0 += ct.alpha.point();
            slot.1 += ct.beta.point();
        }
    }
    Ok(acc
        .into_iter()
        .map(|(a, b)| Ciphertext {
            alpha: crate::crypto::group::Element::from_point(a),
            beta: crate::crypto::group::Element::from_point(b),
        })
        .collect())
}

#[doc(hidden)]
pub mod bench_support {
    //! Counters for the measurement program (not part of the stable API).
    use super::*;

    /// (points registered, equations) of a ballot's verification.
    pub fn equation_counts(
        key: &ElectionKey,
        shape: &ContestShape,
        ci: &ContextInputs<'_>,
        ballot: &EncryptedContest,
    ) -> Result<(usize, usize)> {
        let mut sink = BatchSink::seeded([3u8; 32]);
        emit_equations(key, shape, ci, ballot, &mut sink)?;
        Ok((sink.points.len(), sink.equations))
    }

    struct Recorder {
        n: u32,
        notes: Vec<(&'static str, &'static str, u32, Scalar)>,
    }

    impl Sink for Recorder {
        fn push(&mut self, _e: &crate::crypto::group::Element) -> Pi {
            self.n += 1;
            self.n - 1
        }
        fn context(&mut self, _label: &'static str, _position: u32) {}
        fn equation(&mut self, _g: &Scalar, _k: &Scalar, _t: &[(Pi, Scalar)], _m: &Scalar, _i: Pi) {
        }
        fn note(&mut self, kind: &'static str, label: &'static str, position: u32, value: &Scalar) {
            self.notes.push((kind, label, position, *value));
        }
    }

    /// Every combination coefficient λ and challenge c of a ballot, in
    /// verification order: (kind "lambda" | "c", proof label, position, value).
    pub fn derived_values(
        key: &ElectionKey,
        shape: &ContestShape,
        ci: &ContextInputs<'_>,
        ballot: &EncryptedContest,
    ) -> Result<Vec<(&'static str, &'static str, u32, Scalar)>> {
        let mut r = Recorder {
            n: 0,
            notes: Vec::new(),
        };
        emit_equations(key, shape, ci, ballot, &mut r)?;
        Ok(r.notes)
    }
}
