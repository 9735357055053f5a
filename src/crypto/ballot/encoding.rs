//! Encrypted contests: the ciphertexts and proofs of one contest, their canonical encoding, and the Benaloh opening.

use super::*;

// ---------------------------------------------------------------------------
// Encrypted contests
// ---------------------------------------------------------------------------

/// Ciphertexts of one listed candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateCiphertexts {
    /// F_i (for).
    pub for_ct: Ciphertext,
    /// A_i (against), present iff the contest has an against option.
    pub against_ct: Option<Ciphertext>,
}

/// Ciphertexts of one write-in line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteInCiphertexts {
    /// W_j: exponential encryption of the flag.
    pub flag: Ciphertext,
    /// Plain encryptions of the two name elements.
    pub name: [Ciphertext; 2],
}

/// Encrypted candidate contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedCandidateContest {
    /// Per listed candidate.
    pub candidates: Vec<CandidateCiphertexts>,
    /// Per write-in line.
    pub write_ins: Vec<WriteInCiphertexts>,
    /// V: exponential encryption of the void indicator.
    pub void: Ciphertext,
    /// Per-candidate proofs.
    pub candidate_proofs: Vec<CdsProof>,
    /// Per write-in line: flag proof and name proof of knowledge.
    pub write_in_proofs: Vec<(CdsProof, SchnorrCommit)>,
    /// Proof that V ∈ {0, 1}.
    pub void_proof: CdsProof,
    /// Σ for + Σ flags + m·V ∈ [0, m].
    pub marks_range: RangeProof,
    /// Σ against − (Σ flags) + n·V ∈ [0, n], iff against option.
    pub against_range: Option<RangeProof>,
}

/// Encrypted evaluation contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedEvaluationContest {
    /// Per subject: the four grade ciphertexts.
    pub subjects: Vec<[Ciphertext; GRADES]>,
    /// Per subject: one-hot-or-zero proof.
    pub subject_proofs: Vec<CdsProof>,
    /// Σ grade0 ∈ [0, q], iff quota.
    pub quota_range: Option<RangeProof>,
}

/// An encrypted contest ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncryptedContest {
    /// Candidate contest.
    Candidate(EncryptedCandidateContest),
    /// Evaluation contest.
    Evaluation(EncryptedEvaluationContest),
}

impl EncryptedContest {
    /// Every ciphertext in encoding order.
    pub fn ciphertexts(&self) -> Vec<&Ciphertext> {
        let mut v = Vec::new();
        match self {
            EncryptedContest::Candidate(c) => {
                for cand in &c.candidates {
                    v.push(&cand.for_ct);
                    if let Some(a) = &cand.against_ct {
                        v.push(a);
                    }
                }
                for w in &c.write_ins {
                    v.push(&w.flag);
                    v.push(&w.name[0]);
                    v.push(&w.name[1]);
                }
                v.push(&c.void);
            }
            EncryptedContest::Evaluation(e) => {
                for s in &e.subjects {
                    v.extend(s.iter());
                }
            }
        }
        v
    }

    /// The exponential ciphertexts in aggregation order: candidate contests
    /// F_0, A_0, F_1, A_1, …, W_0, …, W_{w-1}, V (A_i only with an against
    /// option); evaluation contests g_{0,0}, …, g_{0,3}, g_{1,0}, ….
    pub fn exponential_ciphertexts(&self) -> Vec<&Ciphertext> {
        let mut v = Vec::new();
        match self {
            EncryptedContest::Candidate(c) => {
                for cand in &c.candidates {
                    v.push(&cand.for_ct);
                    if let Some(a) = &cand.against_ct {
                        v.push(a);
                    }
                }
                for w in &c.write_ins {
                    v.push(&w.flag);
                }
                v.push(&c.void);
            }
            EncryptedContest::Evaluation(e) => {
                for s in &e.subjects {
                    v.extend(s.iter());
                }
            }
        }
        v
    }

    /// The encrypted names of the write-in lines (none for an evaluation).
    pub fn write_in_names(&self) -> Vec<&[Ciphertext; 2]> {
        match self {
            EncryptedContest::Candidate(c) => c.write_ins.iter().map(|w| &w.name).collect(),
            EncryptedContest::Evaluation(_) => Vec::new(),
        }
    }

    pub(super) fn ciphertext_bytes(&self) -> Vec<u8> {
        let cts = self.ciphertexts();
        let mut out = Vec::with_capacity(64 * cts.len());
        for c in cts {
            c.write(&mut out);
        }
        out
    }

    pub(super) fn matches_shape(&self, shape: &ContestShape) -> Result<()> {
        let ok = match (self, shape) {
            (EncryptedContest::Candidate(c), ContestShape::Candidate(s)) => {
                c.candidates.len() == s.candidates as usize
                    && c.candidates
                        .iter()
                        .all(|x| x.against_ct.is_some() == s.against)
                    && c.write_ins.len() == s.write_in_lines as usize
                    && c.candidate_proofs.len() == s.candidates as usize
                    && c.write_in_proofs.len() == s.write_in_lines as usize
                    && c.against_range.is_some() == s.against
            }
            (EncryptedContest::Evaluation(e), ContestShape::Evaluation(s)) => {
                e.subjects.len() == s.subjects as usize
                    && e.subject_proofs.len() == s.subjects as usize
                    && e.quota_range.is_some() == s.grade0_quota.is_some()
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::shape(
                "the encrypted ballot does not have the contest's shape",
            ))
        }
    }

    /// Canonical encoding: `0x01 ‖ kind ‖ ciphertexts ‖ proofs` (E2E.md §Encrypted contest).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![FORMAT_VERSION];
        match self {
            EncryptedContest::Candidate(c) => {
                out.push(KIND_CANDIDATE);
                for ct in self.ciphertexts() {
                    ct.write(&mut out);
                }
                for p in &c.candidate_proofs {
                    p.write(&mut out);
                }
                for (f, n) in &c.write_in_proofs {
                    f.write(&mut out);
                    n.write(&mut out);
                }
                c.void_proof.write(&mut out);
                c.marks_range.write(&mut out);
                if let Some(a) = &c.against_range {
                    a.write(&mut out);
                }
            }
            EncryptedContest::Evaluation(e) => {
                out.push(KIND_EVALUATION);
                for ct in self.ciphertexts() {
                    ct.write(&mut out);
                }
                for p in &e.subject_proofs {
                    p.write(&mut out);
                }
                if let Some(q) = &e.quota_range {
                    q.write(&mut out);
                }
            }
        }
        out
    }

    /// Strict decoding for a known shape: exact length, version and kind
    /// bytes, canonical points and scalars, no identity α.
    pub fn from_bytes(shape: &ContestShape, bytes: &[u8]) -> Result<Self> {
        let mut r = open_contest_bytes(shape, bytes)?;
        let sums = ContestSums::read(&mut r, shape)?;
        let out = Self::read_proofs(&mut r, shape, sums)?;
        r.finish()?;
        Ok(out)
    }

    /// [`EncryptedContest::from_bytes`] in two steps: `sums` is
    /// [`ContestSums::from_bytes`] of the same shape and bytes, decoded before (on another
    /// thread, say); only the proofs are decoded here. Same result and same checks as
    /// `from_bytes`, so a verifier can decode the ciphertexts where it sums them and the
    /// proofs' points (most of a ballot's points) where it verifies them.
    pub fn from_sums(shape: &ContestShape, sums: ContestSums, bytes: &[u8]) -> Result<Self> {
        let mut r = open_contest_bytes(shape, bytes)?;
        let cts = sums.exponential.len() + 2 * sums.names.len();
        if cts != shape.ciphertext_count() {
            return Err(Error::params(
                "encrypted contest: ciphertexts decoded for another shape",
            ));
        }
        r.take(cts * 2 * crate::crypto::group::POINT_LEN)?;
        let out = Self::read_proofs(&mut r, shape, sums)?;
        r.finish()?;
        Ok(out)
    }

    /// The proofs, read after the ciphertexts (`sums`, in the shape's order), and the
    /// contest they make.
    fn read_proofs(r: &mut Reader<'_>, shape: &ContestShape, sums: ContestSums) -> Result<Self> {
        let mut exp = sums.exponential.into_iter();
        let mut next = || {
            exp.next()
                .ok_or_else(|| Error::params("encrypted contest: too few ciphertexts"))
        };
        Ok(match shape {
            ContestShape::Candidate(s) => {
                let mut candidates = Vec::with_capacity(s.candidates as usize);
                for _ in 0..s.candidates {
                    let for_ct = next()?;
                    let against_ct = if s.against { Some(next()?) } else { None };
                    candidates.push(CandidateCiphertexts { for_ct, against_ct });
                }
                let mut write_ins = Vec::with_capacity(s.write_in_lines as usize);
                for name in sums.names {
                    write_ins.push(WriteInCiphertexts {
                        flag: next()?,
                        name,
                    });
                }
                let void = next()?;
                let t = if s.against { 3 } else { 2 };
                let mut candidate_proofs = Vec::with_capacity(s.candidates as usize);
                for _ in 0..s.candidates {
                    candidate_proofs.push(CdsProof::read(r, t, "candidate proof")?);
                }
                let mut write_in_proofs = Vec::with_capacity(s.write_in_lines as usize);
                for _ in 0..s.write_in_lines {
                    let f = CdsProof::read(r, 2, "write-in flag proof")?;
                    let n = SchnorrCommit::read(r, "write-in name proof")?;
                    write_in_proofs.push((f, n));
                }
                let void_proof = CdsProof::read(r, 2, "void proof")?;
                let marks_range = RangeProof::read(r, s.max_marks, "marks range proof")?;
                let against_range = if s.against {
                    Some(RangeProof::read(r, s.candidates, "against range proof")?)
                } else {
                    None
                };
                EncryptedContest::Candidate(EncryptedCandidateContest {
                    candidates,
                    write_ins,
                    void,
                    candidate_proofs,
                    write_in_proofs,
                    void_proof,
                    marks_range,
                    against_range,
                })
            }
            ContestShape::Evaluation(s) => {
                let mut subjects = Vec::with_capacity(s.subjects as usize);
                for _ in 0..s.subjects {
                    subjects.push([next()?, next()?, next()?, next()?]);
                }
                let mut subject_proofs = Vec::with_capacity(s.subjects as usize);
                for _ in 0..s.subjects {
                    subject_proofs.push(CdsProof::read(r, GRADES + 1, "subject proof")?);
                }
                let quota_range = match s.grade0_quota {
                    Some(q) => Some(RangeProof::read(r, q, "quota range proof")?),
                    None => None,
                };
                EncryptedContest::Evaluation(EncryptedEvaluationContest {
                    subjects,
                    subject_proofs,
                    quota_range,
                })
            }
        })
    }
}

/// A reader over an encrypted contest's bytes, past its version and kind bytes: the shape
/// valid, the length exact for it, the version and the kind byte the shape's.
fn open_contest_bytes<'b>(shape: &ContestShape, bytes: &'b [u8]) -> Result<Reader<'b>> {
    shape.validate()?;
    expect_len(bytes, shape.encrypted_len(), "encrypted contest")?;
    let mut r = Reader::new(bytes, "encrypted contest");
    if r.u8()? != FORMAT_VERSION {
        return Err(Error::bad_encoding(
            "encrypted contest (unknown format version)",
        ));
    }
    let kind = r.u8()?;
    let expected = match shape {
        ContestShape::Candidate(_) => KIND_CANDIDATE,
        ContestShape::Evaluation(_) => KIND_EVALUATION,
    };
    if kind != expected {
        return Err(Error::bad_encoding("encrypted contest (wrong kind byte)"));
    }
    Ok(r)
}

/// A contest's ciphertexts without its proofs: what a replay adds to the tallies when it
/// does not verify the proofs (a teller's replay of a prefix of the log it verified before,
/// byte for byte; `verify::verify_export_trusting`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestSums {
    /// The exponential ciphertexts in aggregation order
    /// ([`EncryptedContest::exponential_ciphertexts`]).
    pub exponential: Vec<Ciphertext>,
    /// Per write-in line, the encrypted name.
    pub names: Vec<[Ciphertext; 2]>,
}

impl ContestSums {
    /// Decodes the ciphertexts of an encrypted contest of this shape (the length, version and
    /// kind bytes and every ciphertext checked as [`EncryptedContest::from_bytes`] checks
    /// them) and skips its proofs: their points are not decompressed, which is most of the
    /// decoding's cost. Only for bytes whose proofs were verified before.
    pub fn from_bytes(shape: &ContestShape, bytes: &[u8]) -> Result<Self> {
        let mut r = open_contest_bytes(shape, bytes)?;
        Self::read(&mut r, shape)
    }

    /// The ciphertexts, read after the version and kind bytes, in encoding order.
    fn read(r: &mut Reader<'_>, shape: &ContestShape) -> Result<Self> {
        let mut exponential = Vec::with_capacity(shape.ciphertext_count());
        let mut names = Vec::new();
        match shape {
            ContestShape::Candidate(s) => {
                for _ in 0..s.candidates {
                    exponential.push(Ciphertext::read(r, "candidate ciphertext")?);
                    if s.against {
                        exponential.push(Ciphertext::read(r, "candidate ciphertext")?);
                    }
                }
                for _ in 0..s.write_in_lines {
                    exponential.push(Ciphertext::read(r, "write-in flag ciphertext")?);
                    let n0 = Ciphertext::read(r, "write-in name ciphertext")?;
                    let n1 = Ciphertext::read(r, "write-in name ciphertext")?;
                    names.push([n0, n1]);
                }
                exponential.push(Ciphertext::read(r, "void ciphertext")?);
            }
            ContestShape::Evaluation(s) => {
                for _ in 0..s.subjects as usize * GRADES {
                    exponential.push(Ciphertext::read(r, "grade ciphertext")?);
                }
            }
        }
        Ok(ContestSums { exponential, names })
    }

    /// The same of a decoded contest.
    pub fn of(ballot: &EncryptedContest) -> Self {
        ContestSums {
            exponential: ballot
                .exponential_ciphertexts()
                .into_iter()
                .cloned()
                .collect(),
            names: ballot.write_in_names().into_iter().copied().collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Openings (Benaloh challenge)
// ---------------------------------------------------------------------------

/// Every encryption nonce of a contest ballot, in ciphertext order. Revealing
/// it spoils the ballot (Benaloh 2006 "cast-or-challenge").
///
/// Encoding: `0x01 ‖ r_0 ‖ … ‖ r_{N-1}` (32-byte scalars), N = number of
/// ciphertexts of the shape.
#[derive(Clone, PartialEq, Eq)]
pub struct Opening {
    pub(super) nonces: Vec<Scalar>,
}

impl core::fmt::Debug for Opening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Opening({} nonces)", self.nonces.len())
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        self.nonces.zeroize();
    }
}

impl Opening {
    /// The nonces.
    pub fn nonces(&self) -> &[Scalar] {
        &self.nonces
    }

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 32 * self.nonces.len());
        out.push(FORMAT_VERSION);
        for n in &self.nonces {
            out.extend_from_slice(n.as_bytes());
        }
        out
    }

    /// Strict decoding for a shape.
    pub fn from_bytes(shape: &ContestShape, bytes: &[u8]) -> Result<Self> {
        shape.validate()?;
        expect_len(bytes, shape.opening_len(), "opening")?;
        let mut r = Reader::new(bytes, "opening");
        if r.u8()? != FORMAT_VERSION {
            return Err(Error::bad_encoding("opening (unknown format version)"));
        }
        let mut nonces = Vec::with_capacity(shape.ciphertext_count());
        for _ in 0..shape.ciphertext_count() {
            nonces.push(r.scalar("opening nonce")?);
        }
        r.finish()?;
        Ok(Opening { nonces })
    }
}
