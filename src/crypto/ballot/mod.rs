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

mod encoding;
pub use encoding::*;
mod encrypt;
pub use encrypt::*;
mod verify;
pub use verify::*;

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

#[cfg(test)]
mod tests;
