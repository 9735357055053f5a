//! Encrypted contest ballots: shapes, plaintexts, encryption with proofs,
//! verification (single and batched), Benaloh openings, canonical encodings.
//!
//! Proofs (all commitment form, see [`crate::crypto::sigma`]):
//! * per candidate: CDS disjunction (Cramer–Damgård–Schoenmakers 1994) that
//!   F + λ·A encrypts 0, 1 or λ, i.e. (for, against) ∈ {(0,0), (1,0), (0,1)},
//!   where λ = H(combine; ctx, "candidate", i). Because ElGamal is perfectly
//!   binding, F and A have unique plaintexts (f, a); f + λa ∈ {0, 1, λ} with
//!   (f, a) outside the allowed set is a non-zero polynomial identity of degree
//!   1 in λ, which holds for at most one λ: soundness error 3/ℓ per hash query
//!   (random-linear-combination batching as in Bellare–Garay–Rabin 1998).
//!   Without an against option: binary CDS on F.
//! * write-in line j: binary CDS on the flag W_j; Schnorr (1991) proof of
//!   knowledge of the nonce combination r_0 + λ·r_1 for the two name
//!   ciphertexts (makes the name ciphertexts non-malleable: they cannot be
//!   copied from another ballot).
//! * void indicator V: binary CDS.
//! * marks range: Σ for + Σ flags + m·V ∈ [0, m] (see [`crate::crypto::sigma::RangeProof`]).
//! * against range (contests with an against option):
//!   Σ against − (Σ flags if write-ins need an against mark) + n·V ∈ [0, n];
//!   with V = 1 this forces every against mark to 0, so a void ballot carries
//!   no marks at all.
//! * evaluation subject s: CDS that Σ_t λ^t·g_t encrypts one of 0, 1, λ, λ², λ³
//!   (unrated or one-hot), λ = H(combine; ctx, "subject", s); soundness error
//!   ≤ 15/ℓ per query by the same polynomial argument (degree 3).
//! * quota: Σ_subjects g_0 ∈ [0, q].

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::CryptoRngCore;
use zeroize::Zeroize;

use crate::crypto::elgamal::{Ciphertext, CIPHERTEXT_LEN};
use crate::crypto::error::{Error, Result};
use crate::crypto::group::{draw_scalar, expect_len, generator, mul_g, ElectionKey, Reader};
use crate::crypto::names::{decode_name, encode_name, normalize_name};
use crate::crypto::sigma::{
    challenge, combine_coefficient, BatchSink, CdsProof, CdsProver, CheckSink, CtExpr, Pi,
    RangeProof, SchnorrCommit, Sink,
};
use crate::crypto::transcript::{domain, Transcript};

/// Encoding version byte.
pub const FORMAT_VERSION: u8 = 0x01;
/// Kind byte of a candidate contest.
pub const KIND_CANDIDATE: u8 = 0x01;
/// Kind byte of an evaluation contest.
pub const KIND_EVALUATION: u8 = 0x02;
/// Number of grades of an evaluation subject (优秀, 称职, 基本称职, 不称职).
pub const GRADES: usize = 4;

/// Upper limits that keep every shape's encoding small and every index in u32.
pub const MAX_CANDIDATES: u32 = 1000;
/// Maximum write-in lines.
pub const MAX_WRITE_IN_LINES: u32 = 16;
/// Maximum evaluation subjects.
pub const MAX_SUBJECTS: u32 = 1000;

/// Proof labels (transcript field `label`).
pub mod labels {
    /// Per-candidate proof.
    pub const CANDIDATE: &str = "candidate";
    /// Write-in flag proof.
    pub const WRITE_IN_FLAG: &str = "write-in-flag";
    /// Write-in name proof of knowledge.
    pub const WRITE_IN_NAME: &str = "write-in-name";
    /// Void indicator proof.
    pub const VOID: &str = "void";
    /// Marks range proof.
    pub const MARKS_RANGE: &str = "marks-range";
    /// Against range proof.
    pub const AGAINST_RANGE: &str = "against-range";
    /// Evaluation subject proof.
    pub const SUBJECT: &str = "subject";
    /// Grade-0 quota range proof.
    pub const QUOTA_RANGE: &str = "quota-range";
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// Public shape of a candidate contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateShape {
    /// Number of listed candidates n ≥ 1.
    pub candidates: u32,
    /// m: seats, or max marks k for recommendation contests; 1 ≤ m ≤ n + w.
    pub max_marks: u32,
    /// Whether each candidate has an "against" option.
    pub against: bool,
    /// Number of write-in lines w (0 = write-ins refused).
    pub write_in_lines: u32,
    /// Whether each write-in needs an against mark (party contests):
    /// Σ against − Σ flags ≥ 0. Requires `against`.
    pub write_in_needs_against: bool,
}

/// Public shape of an evaluation contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationShape {
    /// Number of subjects S ≥ 1.
    pub subjects: u32,
    /// Optional quota q on grade 0 (优秀): at most q subjects rated grade 0.
    pub grade0_quota: Option<u32>,
}

/// Public shape of a contest, derived from the election spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContestShape {
    /// Candidate (or recommendation) contest.
    Candidate(CandidateShape),
    /// Democratic evaluation.
    Evaluation(EvaluationShape),
}

impl ContestShape {
    /// Party contest: against option, write-ins need an against mark.
    pub fn party(candidates: u32, seats: u32, write_in_lines: u32) -> Self {
        ContestShape::Candidate(CandidateShape {
            candidates,
            max_marks: seats,
            against: true,
            write_in_lines,
            write_in_needs_against: true,
        })
    }

    /// People's congress contest.
    pub fn npc(candidates: u32, seats: u32, against: bool, write_in_lines: u32) -> Self {
        ContestShape::Candidate(CandidateShape {
            candidates,
            max_marks: seats,
            against,
            write_in_lines,
            write_in_needs_against: false,
        })
    }

    /// Recommendation contest: no against option, at most `max_marks` marks.
    pub fn recommendation(candidates: u32, max_marks: u32, write_in_lines: u32) -> Self {
        ContestShape::Candidate(CandidateShape {
            candidates,
            max_marks,
            against: false,
            write_in_lines,
            write_in_needs_against: false,
        })
    }

    /// Evaluation contest.
    pub fn evaluation(subjects: u32, grade0_quota: Option<u32>) -> Self {
        ContestShape::Evaluation(EvaluationShape {
            subjects,
            grade0_quota,
        })
    }

    /// Checks the limits.
    pub fn validate(&self) -> Result<()> {
        match self {
            ContestShape::Candidate(s) => {
                if s.candidates == 0 || s.candidates > MAX_CANDIDATES {
                    return Err(Error::shape(format!(
                        "the number of candidates must be 1 to {MAX_CANDIDATES}"
                    )));
                }
                if s.write_in_lines > MAX_WRITE_IN_LINES {
                    return Err(Error::shape(format!(
                        "at most {MAX_WRITE_IN_LINES} write-in lines are supported"
                    )));
                }
                if s.max_marks == 0 || s.max_marks > s.candidates + s.write_in_lines {
                    return Err(Error::shape(
                        "the number of marks must be 1 to candidates + write-in lines",
                    ));
                }
                if s.write_in_needs_against && !s.against {
                    return Err(Error::shape(
                        "write-ins can only need an against mark when there is an against option",
                    ));
                }
                Ok(())
            }
            ContestShape::Evaluation(s) => {
                if s.subjects == 0 || s.subjects > MAX_SUBJECTS {
                    return Err(Error::shape(format!(
                        "the number of subjects must be 1 to {MAX_SUBJECTS}"
                    )));
                }
                if let Some(q) = s.grade0_quota {
                    if q > s.subjects {
                        return Err(Error::shape(
                            "the grade-0 quota cannot exceed the number of subjects",
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// Canonical shape encoding (hashed into the ballot context):
    /// candidate `0x01 ‖ u32 n ‖ u32 m ‖ u8 against ‖ u32 w ‖ u8 needs_against`,
    /// evaluation `0x02 ‖ u32 S ‖ u8 has_quota ‖ u32 q` (q = 0 without quota).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(15);
        match self {
            ContestShape::Candidate(s) => {
                out.push(KIND_CANDIDATE);
                out.extend_from_slice(&s.candidates.to_be_bytes());
                out.extend_from_slice(&s.max_marks.to_be_bytes());
                out.push(u8::from(s.against));
                out.extend_from_slice(&s.write_in_lines.to_be_bytes());
                out.push(u8::from(s.write_in_needs_against));
            }
            ContestShape::Evaluation(s) => {
                out.push(KIND_EVALUATION);
                out.extend_from_slice(&s.subjects.to_be_bytes());
                out.push(u8::from(s.grade0_quota.is_some()));
                out.extend_from_slice(&s.grade0_quota.unwrap_or(0).to_be_bytes());
            }
        }
        out
    }

    /// Number of ciphertexts (and of opening nonces).
    pub fn ciphertext_count(&self) -> usize {
        match self {
            ContestShape::Candidate(s) => {
                s.candidates as usize * (1 + usize::from(s.against))
                    + 3 * s.write_in_lines as usize
                    + 1
            }
            ContestShape::Evaluation(s) => GRADES * s.subjects as usize,
        }
    }

    /// Exact length of an encrypted contest of this shape.
    pub fn encrypted_len(&self) -> usize {
        let cts = 2 + CIPHERTEXT_LEN * self.ciphertext_count();
        match self {
            ContestShape::Candidate(s) => {
                let cand = CdsProof::encoded_len(if s.against { 3 } else { 2 });
                let mut len = cts
                    + s.candidates as usize * cand
                    + s.write_in_lines as usize * (CdsProof::encoded_len(2) + SchnorrCommit::LEN)
                    + CdsProof::encoded_len(2)
                    + RangeProof::encoded_len(s.max_marks);
                if s.against {
                    len += RangeProof::encoded_len(s.candidates);
                }
                len
            }
            ContestShape::Evaluation(s) => {
                let mut len = cts + s.subjects as usize * CdsProof::encoded_len(GRADES + 1);
                if let Some(q) = s.grade0_quota {
                    len += RangeProof::encoded_len(q);
                }
                len
            }
        }
    }

    /// Exact length of an opening of this shape.
    pub fn opening_len(&self) -> usize {
        1 + 32 * self.ciphertext_count()
    }
}

/// Public inputs bound into every proof of a contest ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextInputs<'a> {
    /// Election id (UTF-8).
    pub election_id: &'a str,
    /// Contest id (UTF-8).
    pub contest_id: &'a str,
    /// Evaluator group id (UTF-8; empty when none).
    pub group_id: &'a str,
    /// Serial of the voter's token.
    pub token_serial: [u8; 16],
}

/// The 64-byte ballot context:
/// `H("scrutineer.e2e/v1/ballot-context"; election_id, contest_id, group_id, K, token_serial, shape, ciphertexts)`
/// where `ciphertexts` is the concatenation of every ciphertext of the contest
/// in encoding order.
pub fn ballot_context(
    key: &ElectionKey,
    shape: &ContestShape,
    ci: &ContextInputs<'_>,
    ciphertexts: &[u8],
) -> [u8; 64] {
    let mut t = Transcript::new(domain::BALLOT_CONTEXT);
    t.field_str(ci.election_id)
        .field_str(ci.contest_id)
        .field_str(ci.group_id)
        .field(key.element().as_bytes())
        .field(&ci.token_serial)
        .field(&shape.to_bytes())
        .field(ciphertexts);
    t.finish()
}

// ---------------------------------------------------------------------------
// Plaintexts
// ---------------------------------------------------------------------------

/// A voter's mark on one listed candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// No mark (abstain): (0, 0).
    Abstain,
    /// For: (1, 0).
    For,
    /// Against: (0, 1).
    Against,
}

/// Plaintext of a candidate contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidatePlaintext {
    /// One mark per listed candidate.
    pub marks: Vec<Mark>,
    /// One entry per write-in line: `Some(name)` = flagged line with a name.
    pub write_ins: Vec<Option<String>>,
    /// Void ballot (set on input to void deliberately; set on output when V = 1).
    pub void: bool,
}

/// Plaintext of an evaluation contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationPlaintext {
    /// One entry per subject: `Some(g)` with g < 4, or `None` = unrated.
    pub grades: Vec<Option<u8>>,
}

/// Plaintext of a contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContestPlaintext {
    /// Candidate contest.
    Candidate(CandidatePlaintext),
    /// Evaluation contest.
    Evaluation(EvaluationPlaintext),
}

impl CandidatePlaintext {
    /// The ballot as it is encrypted: names NFC-normalised, and an over-marked
    /// ballot (Σ for + Σ flags > m, or Σ flags > Σ against when write-ins need
    /// an against mark) or one marked void becomes the void ballot (V = 1, all
    /// marks abstain, all lines unflagged).
    pub fn normalized(&self, shape: &CandidateShape) -> Result<CandidatePlaintext> {
        if self.marks.len() != shape.candidates as usize {
            return Err(Error::plaintext(format!(
                "{} marks for {} candidates",
                self.marks.len(),
                shape.candidates
            )));
        }
        if self.write_ins.len() != shape.write_in_lines as usize {
            return Err(Error::plaintext(format!(
                "{} write-in entries for {} lines",
                self.write_ins.len(),
                shape.write_in_lines
            )));
        }
        if !shape.against && self.marks.contains(&Mark::Against) {
            return Err(Error::plaintext(
                "an against mark in a contest without an against option",
            ));
        }
        let mut write_ins = Vec::with_capacity(self.write_ins.len());
        for w in &self.write_ins {
            match w {
                Some(name) => {
                    let n = normalize_name(name.trim());
                    if n.is_empty() {
                        return Err(Error::plaintext(
                            "a flagged write-in line with an empty name",
                        ));
                    }
                    crate::crypto::names::validate_name(&n)?;
                    write_ins.push(Some(n));
                }
                None => write_ins.push(None),
            }
        }
        let fors = self.marks.iter().filter(|m| **m == Mark::For).count();
        let againsts = self.marks.iter().filter(|m| **m == Mark::Against).count();
        let flags = write_ins.iter().filter(|w| w.is_some()).count();
        let over = fors + flags > shape.max_marks as usize
            || (shape.write_in_needs_against && flags > againsts);
        if self.void || over {
            return Ok(CandidatePlaintext {
                marks: vec![Mark::Abstain; self.marks.len()],
                write_ins: vec![None; self.write_ins.len()],
                void: true,
            });
        }
        Ok(CandidatePlaintext {
            marks: self.marks.clone(),
            write_ins,
            void: false,
        })
    }

    /// The exponential plaintexts in aggregation order (see [`aggregate`]).
    pub fn tally_vector(&self, shape: &CandidateShape) -> Result<Vec<u64>> {
        let p = self.normalized(shape)?;
        let mut v = Vec::new();
        for m in &p.marks {
            v.push(u64::from(*m == Mark::For));
            if shape.against {
                v.push(u64::from(*m == Mark::Against));
            }
        }
        for w in &p.write_ins {
            v.push(u64::from(w.is_some()));
        }
        v.push(u64::from(p.void));
        Ok(v)
    }
}

impl EvaluationPlaintext {
    fn validate(&self, shape: &EvaluationShape) -> Result<()> {
        if self.grades.len() != shape.subjects as usize {
            return Err(Error::plaintext(format!(
                "{} grades for {} subjects",
                self.grades.len(),
                shape.subjects
            )));
        }
        if self
            .grades
            .iter()
            .any(|g| matches!(g, Some(x) if *x as usize >= GRADES))
        {
            return Err(Error::plaintext("a grade outside 0..3"));
        }
        if let Some(q) = shape.grade0_quota {
            let n0 = self.grades.iter().filter(|g| **g == Some(0)).count();
            if n0 > q as usize {
                return Err(Error::plaintext(format!(
                    "{n0} subjects rated grade 0 but the quota is {q}"
                )));
            }
        }
        Ok(())
    }

    /// The exponential plaintexts in aggregation order.
    pub fn tally_vector(&self, shape: &EvaluationShape) -> Result<Vec<u64>> {
        self.validate(shape)?;
        let mut v = Vec::new();
        for g in &self.grades {
            for t in 0..GRADES {
                v.push(u64::from(*g == Some(t as u8)));
            }
        }
        Ok(v)
    }
}

impl ContestPlaintext {
    /// The exponential plaintexts in aggregation order (normalised).
    pub fn tally_vector(&self, shape: &ContestShape) -> Result<Vec<u64>> {
        match (self, shape) {
            (ContestPlaintext::Candidate(p), ContestShape::Candidate(s)) => p.tally_vector(s),
            (ContestPlaintext::Evaluation(p), ContestShape::Evaluation(s)) => p.tally_vector(s),
            _ => Err(Error::plaintext(
                "the plaintext kind does not match the contest shape",
            )),
        }
    }
}

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

    fn ciphertext_bytes(&self) -> Vec<u8> {
        let cts = self.ciphertexts();
        let mut out = Vec::with_capacity(64 * cts.len());
        for c in cts {
            c.write(&mut out);
        }
        out
    }

    fn matches_shape(&self, shape: &ContestShape) -> Result<()> {
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
        shape.validate()?;
        expect_len(bytes, shape.encrypted_len(), "encrypted contest")?;
        let what = "encrypted contest";
        let mut r = Reader::new(bytes, what);
        if r.u8()? != FORMAT_VERSION {
            return Err(Error::bad_encoding(
                "encrypted contest (unknown format version)",
            ));
        }
        let kind = r.u8()?;
        let out = match shape {
            ContestShape::Candidate(s) => {
                if kind != KIND_CANDIDATE {
                    return Err(Error::bad_encoding("encrypted contest (wrong kind byte)"));
                }
                let mut candidates = Vec::with_capacity(s.candidates as usize);
                for _ in 0..s.candidates {
                    let for_ct = Ciphertext::read(&mut r, "candidate ciphertext")?;
                    let against_ct = if s.against {
                        Some(Ciphertext::read(&mut r, "candidate ciphertext")?)
                    } else {
                        None
                    };
                    candidates.push(CandidateCiphertexts { for_ct, against_ct });
                }
                let mut write_ins = Vec::with_capacity(s.write_in_lines as usize);
                for _ in 0..s.write_in_lines {
                    let flag = Ciphertext::read(&mut r, "write-in flag ciphertext")?;
                    let n0 = Ciphertext::read(&mut r, "write-in name ciphertext")?;
                    let n1 = Ciphertext::read(&mut r, "write-in name ciphertext")?;
                    write_ins.push(WriteInCiphertexts {
                        flag,
                        name: [n0, n1],
                    });
                }
                let void = Ciphertext::read(&mut r, "void ciphertext")?;
                let t = if s.against { 3 } else { 2 };
                let mut candidate_proofs = Vec::with_capacity(s.candidates as usize);
                for _ in 0..s.candidates {
                    candidate_proofs.push(CdsProof::read(&mut r, t, "candidate proof")?);
                }
                let mut write_in_proofs = Vec::with_capacity(s.write_in_lines as usize);
                for _ in 0..s.write_in_lines {
                    let f = CdsProof::read(&mut r, 2, "write-in flag proof")?;
                    let n = SchnorrCommit::read(&mut r, "write-in name proof")?;
                    write_in_proofs.push((f, n));
                }
                let void_proof = CdsProof::read(&mut r, 2, "void proof")?;
                let marks_range = RangeProof::read(&mut r, s.max_marks, "marks range proof")?;
                let against_range = if s.against {
                    Some(RangeProof::read(
                        &mut r,
                        s.candidates,
                        "against range proof",
                    )?)
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
                if kind != KIND_EVALUATION {
                    return Err(Error::bad_encoding("encrypted contest (wrong kind byte)"));
                }
                let mut subjects = Vec::with_capacity(s.subjects as usize);
                for _ in 0..s.subjects {
                    let g0 = Ciphertext::read(&mut r, "grade ciphertext")?;
                    let g1 = Ciphertext::read(&mut r, "grade ciphertext")?;
                    let g2 = Ciphertext::read(&mut r, "grade ciphertext")?;
                    let g3 = Ciphertext::read(&mut r, "grade ciphertext")?;
                    subjects.push([g0, g1, g2, g3]);
                }
                let mut subject_proofs = Vec::with_capacity(s.subjects as usize);
                for _ in 0..s.subjects {
                    subject_proofs.push(CdsProof::read(&mut r, GRADES + 1, "subject proof")?);
                }
                let quota_range = match s.grade0_quota {
                    Some(q) => Some(RangeProof::read(&mut r, q, "quota range proof")?),
                    None => None,
                };
                EncryptedContest::Evaluation(EncryptedEvaluationContest {
                    subjects,
                    subject_proofs,
                    quota_range,
                })
            }
        };
        r.finish()?;
        Ok(out)
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
    nonces: Vec<Scalar>,
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

// ---------------------------------------------------------------------------
// Encryption
// ---------------------------------------------------------------------------

fn values_bytes(values: &[Scalar]) -> Vec<[u8; 32]> {
    values.iter().map(|v| v.to_bytes()).collect()
}

fn cds_challenge(
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

fn binary_values() -> [Scalar; 2] {
    [Scalar::ZERO, Scalar::ONE]
}

fn candidate_values(lambda: &Scalar) -> [Scalar; 3] {
    [Scalar::ZERO, Scalar::ONE, *lambda]
}

fn subject_values(lambda: &Scalar) -> [Scalar; GRADES + 1] {
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

fn encrypt_candidate(
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
fn encrypt_candidate_normalized(
    key: &ElectionKey,
    shape: &ContestShape,
    s: &CandidateShape,
    ci: &ContextInputs<'_>,
    p: &CandidatePlaintext,
    rng: &mut dyn CryptoRngCore,
) -> Result<(EncryptedContest, Opening)> {
    let n = s.candidates as usize;
    let w = s.write_in_lines as usize;
    let names = p
        .write_ins
        .iter()
        .map(|x| encode_name(x.as_deref().unwrap_or("")))
        .collect::<Result<Vec<_>>>()?;

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
    for (j, name) in names.iter().enumerate() {
        let flag = u64::from(p.write_ins[j].is_some());
        flags.push(flag);
        let rw = draw_scalar(rng);
        let flag_ct = Ciphertext::encrypt_exp(key, flag, &rw);
        nonces.push(rw);
        let r0 = draw_scalar(rng);
        let n0 = Ciphertext::encrypt_point(key, &name.elements[0], &r0);
        nonces.push(r0);
        let r1 = draw_scalar(rng);
        let n1 = Ciphertext::encrypt_point(key, &name.elements[1], &r1);
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

fn encrypt_evaluation(
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

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

fn push_ct(sink: &mut dyn Sink, ct: &Ciphertext) -> (Pi, Pi) {
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

fn emit_candidate(
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

fn emit_evaluation(
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

fn describe(failed: Option<(&'static str, u32)>) -> Error {
    match failed {
        Some((label, pos)) => Error::proof(format!("{label} proof at position {pos}")),
        None => Error::proof("ballot proof batch"),
    }
}

/// Finds which proof of a ballot fails (recomputes every commitment).
fn locate_failure(
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

/// Batch verification: every equation of every ballot, weighted by successive
/// powers of one random ρ (from `rng`), in one vartime multiscalar
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
fn reencrypt_ciphertexts(
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
        let mut sink = BatchSink::with_rho(Scalar::from(3u8));
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
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
            let (b, _) =
                encrypt_candidate_normalized(&key, &shape, s, &ci(), &p, &mut rng).unwrap();
            let err = verify_contest(&key, &shape, &ci(), &b).unwrap_err();
            assert_eq!(err.code(), "proof_invalid");
            assert!(err.to_string().contains(label), "{err} / {label}");
        }
    }
}
