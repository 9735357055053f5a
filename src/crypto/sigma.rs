//! Sigma-protocol building blocks of the ballot proofs, in *commitment form*
//! (the proof carries its commitments, so verification is a set of linear
//! equations that can be batched into one multiscalar multiplication).
//!
//! * [`CdsProof`]: disjunctive proof that an ElGamal ciphertext (possibly a
//!   public linear combination of ciphertexts) encrypts one of t public values,
//!   Cramer–Damgård–Schoenmakers 1994 ("Proofs of partial knowledge and
//!   simplified design of witness hiding protocols", CRYPTO '94) applied to the
//!   Chaum–Pedersen 1992 proof of an encryption of zero, as in ElectionGuard 2.0
//!   §3.3.5 (range proofs) but with the commitments sent instead of the
//!   last challenge.
//! * [`SchnorrCommit`]: Schnorr 1991 proof of knowledge of a discrete
//!   logarithm, commitment form.
//! * [`RangeProof`]: proof that a ciphertext encrypts a value in [0, m], either
//!   one CDS disjunction over the m+1 values or a decomposition into k "bits"
//!   with weights 1, 2, …, 2^(k-2), m − (2^(k-1) − 1) (each bit proved with a
//!   binary CDS proof, all bits under one shared challenge).
//!
//! Verification equations are emitted into a [`Sink`]: either the batch
//! accumulator [`BatchSink`] (random linear combination, one vartime MSM) or
//! [`CheckSink`], which recomputes every commitment on its own (the cost of the
//! "challenge form", and the way a failing proof is named).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;
use subtle::{ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};
use zeroize::Zeroize;

use crate::crypto::elgamal::Ciphertext;
use crate::crypto::error::{Error, Result};
use crate::crypto::group::{draw_scalar, mul_g, ElectionKey, Element, Reader};
use crate::crypto::transcript::{domain, Transcript};

pub(crate) use crate::crypto::sink::{BatchSink, CheckSink, Sink};

/// Index of a point registered in a [`Sink`].
pub(crate) type Pi = u32;

/// A linear form Σ sᵢ·Pᵢ over registered points.
pub(crate) type Terms = Vec<(Pi, Scalar)>;

/// A ciphertext expression: linear forms for α and β.
#[derive(Clone, Debug, Default)]
pub(crate) struct CtExpr {
    pub a: Terms,
    pub b: Terms,
}

impl CtExpr {
    pub(crate) fn single(ct: (Pi, Pi)) -> Self {
        CtExpr {
            a: vec![(ct.0, Scalar::ONE)],
            b: vec![(ct.1, Scalar::ONE)],
        }
    }
    /// self += s · ct
    pub(crate) fn add_ct(&mut self, ct: (Pi, Pi), s: Scalar) {
        self.a.push((ct.0, s));
        self.b.push((ct.1, s));
    }
}

/// Computes a ballot-proof challenge:
/// `H("scrutineer.e2e/v1/challenge"; ctx, label, u32be(position), statement, commitments)`.
pub(crate) fn challenge(
    ctx: &[u8; 64],
    label: &str,
    position: u32,
    statement: &[&[u8]],
    commitments: &[&[u8]],
) -> Scalar {
    let mut t = Transcript::new(domain::CHALLENGE);
    t.field(ctx)
        .field_str(label)
        .field_u32(position)
        .field_parts(statement)
        .field_parts(commitments);
    t.scalar()
}

/// The combination coefficient `λ = H("scrutineer.e2e/v1/combine"; ctx, label, u32be(position))`.
pub(crate) fn combine_coefficient(ctx: &[u8; 64], label: &str, position: u32) -> Scalar {
    let mut t = Transcript::new(domain::COMBINE);
    t.field(ctx).field_str(label).field_u32(position);
    t.scalar()
}

// ---------------------------------------------------------------------------
// CDS disjunctive proof
// ---------------------------------------------------------------------------

/// Disjunctive proof that a ciphertext X = (Xα, Xβ) encrypts one of the values
/// v_0 … v_{t-1} (commitment form).
///
/// Encoding (128·t − 32 bytes): `Tα_0 ‖ Tβ_0 ‖ … ‖ Tα_{t-1} ‖ Tβ_{t-1}`,
/// then `c_0 ‖ … ‖ c_{t-2}`, then `z_0 ‖ … ‖ z_{t-1}`; the last sub-challenge is
/// `c_{t-1} = c − Σ_{b<t-1} c_b` where c is the proof's Fiat–Shamir challenge.
///
/// Verification, for every branch b:
/// `z_b·G = Tα_b + c_b·Xα` and `z_b·K = Tβ_b + c_b·(Xβ − v_b·G)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdsProof {
    pub(crate) commitments: Vec<(Element, Element)>,
    pub(crate) challenges: Vec<Scalar>,
    pub(crate) responses: Vec<Scalar>,
}

impl CdsProof {
    /// Encoded length for t branches.
    pub const fn encoded_len(t: usize) -> usize {
        128 * t - 32
    }

    /// Number of branches.
    pub fn branches(&self) -> usize {
        self.responses.len()
    }

    /// Canonical encoding (128·t − 32 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::encoded_len(self.branches().max(1)));
        self.write(&mut out);
        out
    }

    /// Strict decoding of a proof with `t` ≥ 1 branches.
    pub fn from_bytes(bytes: &[u8], t: usize) -> Result<Self> {
        if t == 0 || t > 1024 {
            return Err(Error::params("a disjunctive proof has 1 to 1024 branches"));
        }
        crate::crypto::group::expect_len(bytes, Self::encoded_len(t), "disjunctive proof")?;
        let mut r = Reader::new(bytes, "disjunctive proof");
        let p = Self::read(&mut r, t, "disjunctive proof")?;
        r.finish()?;
        Ok(p)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for (a, b) in &self.commitments {
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b.as_bytes());
        }
        for c in &self.challenges {
            out.extend_from_slice(c.as_bytes());
        }
        for z in &self.responses {
            out.extend_from_slice(z.as_bytes());
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, t: usize, what: &str) -> Result<Self> {
        let mut commitments = Vec::with_capacity(t);
        for _ in 0..t {
            let a = r.element(what)?;
            let b = r.element(what)?;
            commitments.push((a, b));
        }
        let mut challenges = Vec::with_capacity(t.saturating_sub(1));
        for _ in 0..t.saturating_sub(1) {
            challenges.push(r.scalar(what)?);
        }
        let mut responses = Vec::with_capacity(t);
        for _ in 0..t {
            responses.push(r.scalar(what)?);
        }
        Ok(CdsProof {
            commitments,
            challenges,
            responses,
        })
    }

    /// Appends the commitment encodings (for hashing).
    pub(crate) fn commitment_bytes<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        for (a, b) in &self.commitments {
            out.push(a.as_bytes());
            out.push(b.as_bytes());
        }
    }

    /// Emits the 2t verification equations for statement `x` and challenge `c`.
    pub(crate) fn equations(
        &self,
        sink: &mut dyn Sink,
        x: &CtExpr,
        values: &[Scalar],
        c: &Scalar,
    ) -> Result<()> {
        let t = values.len();
        if self.commitments.len() != t
            || self.responses.len() != t
            || self.challenges.len() + 1 != t
        {
            return Err(Error::proof("disjunctive proof (wrong number of branches)"));
        }
        let mut last = *c;
        for cb in &self.challenges {
            last -= cb;
        }
        let zero = Scalar::ZERO;
        for b in 0..t {
            let cb = if b + 1 == t { last } else { self.challenges[b] };
            let neg = -cb;
            let ta = sink.push(&self.commitments[b].0);
            let tb = sink.push(&self.commitments[b].1);
            let z = &self.responses[b];
            sink.equation(z, &zero, &x.a, &neg, ta);
            sink.equation(&(cb * values[b]), z, &x.b, &neg, tb);
        }
        Ok(())
    }
}

/// First move of a CDS prover; holds the secrets until `respond`.
pub(crate) struct CdsProver {
    u: Scalar,
    sim_c: Vec<Scalar>,
    sim_z: Vec<Scalar>,
    index: u32,
    witness: Scalar,
    pub(crate) commitments: Vec<(Element, Element)>,
}

impl Drop for CdsProver {
    fn drop(&mut self) {
        self.u.zeroize();
        self.witness.zeroize();
        self.index.zeroize();
        self.sim_c.zeroize();
        self.sim_z.zeroize();
    }
}

impl CdsProver {
    /// Commits. `x` are the statement's points, `index` the secret true branch
    /// (handled in constant time), `witness` the nonce r with X − v_index·G = Enc(0; r).
    ///
    /// Draw order: u, then (c_b, z_b) for b = 0 … t−1 (the pair of the true
    /// branch is drawn and discarded).
    pub(crate) fn commit(
        key: &ElectionKey,
        x: (&RistrettoPoint, &RistrettoPoint),
        values: &[Scalar],
        index: u32,
        witness: &Scalar,
        rng: &mut dyn CryptoRngCore,
    ) -> Self {
        let t = values.len();
        let u = draw_scalar(rng);
        let mut sim_c = Vec::with_capacity(t);
        let mut sim_z = Vec::with_capacity(t);
        for _ in 0..t {
            sim_c.push(draw_scalar(rng));
            sim_z.push(draw_scalar(rng));
        }
        let real_a = mul_g(&u);
        let real_b = key.mul_k(&u);
        let mut commitments = Vec::with_capacity(t);
        for b in 0..t {
            let choice = (b as u32).ct_eq(&index);
            let sim_a = mul_g(&sim_z[b]) - sim_c[b] * x.0;
            let sim_b = key.mul_k(&sim_z[b]) - sim_c[b] * (x.1 - mul_g(&values[b]));
            let ta = RistrettoPoint::conditional_select(&sim_a, &real_a, choice);
            let tb = RistrettoPoint::conditional_select(&sim_b, &real_b, choice);
            commitments.push((Element::from_point(ta), Element::from_point(tb)));
        }
        CdsProver {
            u,
            sim_c,
            sim_z,
            index,
            witness: *witness,
            commitments,
        }
    }

    pub(crate) fn commitment_bytes<'a>(&'a self, out: &mut Vec<&'a [u8]>) {
        for (a, b) in &self.commitments {
            out.push(a.as_bytes());
            out.push(b.as_bytes());
        }
    }

    /// Second move for challenge `c`.
    pub(crate) fn respond(self, c: &Scalar) -> CdsProof {
        let t = self.sim_c.len();
        let mut sim_sum = Scalar::ZERO;
        for b in 0..t {
            let choice = (b as u32).ct_eq(&self.index);
            sim_sum += Scalar::conditional_select(&self.sim_c[b], &Scalar::ZERO, choice);
        }
        let c_real = c - sim_sum;
        let mut z_real = self.u + c_real * self.witness;
        let mut challenges = Vec::with_capacity(t);
        let mut responses = Vec::with_capacity(t);
        for b in 0..t {
            let choice = (b as u32).ct_eq(&self.index);
            challenges.push(Scalar::conditional_select(&self.sim_c[b], &c_real, choice));
            responses.push(Scalar::conditional_select(&self.sim_z[b], &z_real, choice));
        }
        z_real.zeroize();
        challenges.truncate(t.saturating_sub(1));
        CdsProof {
            commitments: self.commitments.clone(),
            challenges,
            responses,
        }
    }
}

// ---------------------------------------------------------------------------
// Schnorr proof of knowledge, commitment form
// ---------------------------------------------------------------------------

/// Schnorr proof of knowledge of w with Y = w·G, commitment form.
/// Encoding (64 bytes): `T ‖ z`; verification `z·G = T + c·Y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchnorrCommit {
    pub(crate) t: Element,
    pub(crate) z: Scalar,
}

impl SchnorrCommit {
    /// Encoded length.
    pub const LEN: usize = 64;

    /// Canonical encoding `T ‖ z`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        self.write(&mut out);
        out
    }

    /// Strict decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        crate::crypto::group::expect_len(bytes, Self::LEN, "Schnorr proof")?;
        let mut r = Reader::new(bytes, "Schnorr proof");
        let p = Self::read(&mut r, "Schnorr proof")?;
        r.finish()?;
        Ok(p)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.t.as_bytes());
        out.extend_from_slice(self.z.as_bytes());
    }

    pub(crate) fn read(r: &mut Reader<'_>, what: &str) -> Result<Self> {
        Ok(SchnorrCommit {
            t: r.element(what)?,
            z: r.scalar(what)?,
        })
    }

    /// Equation `z·G − c·Y = T` with Y given as a linear form.
    pub(crate) fn equations(&self, sink: &mut dyn Sink, y: &Terms, c: &Scalar) {
        let t = sink.push(&self.t);
        sink.equation(&self.z, &Scalar::ZERO, y, &(-c), t);
    }
}

// ---------------------------------------------------------------------------
// Range proofs
// ---------------------------------------------------------------------------

/// How a range [0, m] is proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeLayout {
    /// One CDS disjunction over 0, 1, …, m.
    Disjunction,
    /// Bits with these weights (sum = m).
    Bits(Vec<u64>),
}

/// Largest bound proved with a single disjunction; larger bounds use bits.
/// Chosen by size (commitment form): a disjunction over m+1 values takes
/// 128(m+1) − 32 bytes, k bits take 288k − 64 bytes, so the disjunction is
/// smaller up to m = 5 (and ties at m = 1, where both are the same proof).
pub const RANGE_DISJUNCTION_MAX: u32 = 5;

/// Weights 1, 2, …, 2^(k-2), m − (2^(k-1) − 1) with k = ⌊log₂ m⌋ + 1. Every
/// subset sum lies in [0, m] and every value of [0, m] is a subset sum.
pub fn bit_weights(m: u64) -> Vec<u64> {
    if m == 0 {
        return vec![];
    }
    let k = 64 - m.leading_zeros() as u64; // 2^(k-1) ≤ m < 2^k
    let mut w: Vec<u64> = (0..k - 1).map(|i| 1u64 << i).collect();
    w.push(m - ((1u64 << (k - 1)) - 1));
    w
}

/// The layout used for bound m.
pub fn range_layout(m: u32) -> RangeLayout {
    if m <= RANGE_DISJUNCTION_MAX {
        RangeLayout::Disjunction
    } else {
        RangeLayout::Bits(bit_weights(u64::from(m)))
    }
}

/// Proof that a ciphertext E encrypts a value in [0, m].
///
/// * Disjunction layout: one [`CdsProof`] with m+1 branches over E with values
///   0, …, m.
/// * Bit layout (k bits, weights w_t): bit ciphertexts B_0 … B_{k-2} (each
///   encrypting w_t·b_t), B_{k-1} := E − Σ B_t (computed, not sent), and one
///   binary CdsProof per bit over values {0, w_t}, all with the same challenge.
///
/// Encoding: `B_0 ‖ … ‖ B_{k-2}` (64 bytes each) then the k proofs (224 bytes
/// each); disjunction layout: the one proof (128(m+1) − 32 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeProof {
    pub(crate) bits: Vec<Ciphertext>,
    pub(crate) proofs: Vec<CdsProof>,
}

impl RangeProof {
    /// Encoded length for bound m.
    pub fn encoded_len(m: u32) -> usize {
        match range_layout(m) {
            RangeLayout::Disjunction => CdsProof::encoded_len(m as usize + 1),
            RangeLayout::Bits(w) => 64 * (w.len() - 1) + CdsProof::encoded_len(2) * w.len(),
        }
    }

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Strict decoding of a range proof for bound `m`.
    pub fn from_bytes(bytes: &[u8], m: u32) -> Result<Self> {
        if m > 1_000_000 {
            return Err(Error::params("range bound too large"));
        }
        crate::crypto::group::expect_len(bytes, Self::encoded_len(m), "range proof")?;
        let mut r = Reader::new(bytes, "range proof");
        let p = Self::read(&mut r, m, "range proof")?;
        r.finish()?;
        Ok(p)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for b in &self.bits {
            b.write(out);
        }
        for p in &self.proofs {
            p.write(out);
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, m: u32, what: &str) -> Result<Self> {
        match range_layout(m) {
            RangeLayout::Disjunction => Ok(RangeProof {
                bits: vec![],
                proofs: vec![CdsProof::read(r, m as usize + 1, what)?],
            }),
            RangeLayout::Bits(w) => {
                let mut bits = Vec::with_capacity(w.len() - 1);
                for _ in 0..w.len() - 1 {
                    bits.push(Ciphertext::read(r, what)?);
                }
                let mut proofs = Vec::with_capacity(w.len());
                for _ in 0..w.len() {
                    proofs.push(CdsProof::read(r, 2, what)?);
                }
                Ok(RangeProof { bits, proofs })
            }
        }
    }

    /// Proves that `e` (with nonce `nonce`) encrypts `value` ∈ [0, m].
    /// Draw order: the bit nonces r_0 … r_{k-2}, then each bit's CDS draws in
    /// bit order (disjunction layout: the one CDS's draws).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn prove(
        key: &ElectionKey,
        ctx: &[u8; 64],
        label: &str,
        position: u32,
        e: (&RistrettoPoint, &RistrettoPoint),
        m: u32,
        value: u64,
        nonce: &Scalar,
        rng: &mut dyn CryptoRngCore,
    ) -> RangeProof {
        let stmt = m.to_be_bytes();
        match range_layout(m) {
            RangeLayout::Disjunction => {
                let values: Vec<Scalar> = (0..=u64::from(m)).map(Scalar::from).collect();
                let prover = CdsProver::commit(key, e, &values, value as u32, nonce, rng);
                let mut cm = Vec::new();
                prover.commitment_bytes(&mut cm);
                let c = challenge(ctx, label, position, &[&stmt], &cm);
                RangeProof {
                    bits: vec![],
                    proofs: vec![prover.respond(&c)],
                }
            }
            RangeLayout::Bits(w) => {
                let k = w.len();
                let top = 1u64 << (k - 1);
                // Constant-time decomposition of the secret value.
                let high = value.ct_gt(&(top - 1));
                let rest = u64::conditional_select(&value, &value.wrapping_sub(w[k - 1]), high);
                let mut bitv: Vec<u64> = (0..k - 1).map(|i| (rest >> i) & 1).collect();
                bitv.push(u64::conditional_select(&0, &1, high));
                let mut nonces: Vec<Scalar> = (0..k - 1).map(|_| draw_scalar(rng)).collect();
                let mut bits = Vec::with_capacity(k - 1);
                let mut last_nonce = *nonce;
                let mut last_a = *e.0;
                let mut last_b = *e.1;
                for i in 0..k - 1 {
                    let ct = Ciphertext::encrypt_exp(key, w[i] * bitv[i], &nonces[i]);
                    last_nonce -= nonces[i];
                    last_a -= ct.alpha.point();
                    last_b -= ct.beta.point();
                    bits.push(ct);
                }
                let mut provers = Vec::with_capacity(k);
                for i in 0..k {
                    let values = [Scalar::ZERO, Scalar::from(w[i])];
                    let (xa, xb, r) = if i + 1 < k {
                        (*bits[i].alpha.point(), *bits[i].beta.point(), nonces[i])
                    } else {
                        (last_a, last_b, last_nonce)
                    };
                    provers.push(CdsProver::commit(
                        key,
                        (&xa, &xb),
                        &values,
                        bitv[i] as u32,
                        &r,
                        rng,
                    ));
                }
                let bit_bytes: Vec<[u8; 64]> = bits.iter().map(|b| b.to_bytes()).collect();
                let mut st: Vec<&[u8]> = vec![&stmt];
                st.extend(bit_bytes.iter().map(|b| &b[..]));
                let mut cm = Vec::new();
                for p in &provers {
                    p.commitment_bytes(&mut cm);
                }
                let c = challenge(ctx, label, position, &st, &cm);
                let proofs = provers.into_iter().map(|p| p.respond(&c)).collect();
                nonces.zeroize();
                last_nonce.zeroize();
                bitv.zeroize();
                RangeProof { bits, proofs }
            }
        }
    }

    /// Emits the equations of the proof that `e` encrypts a value in [0, m].
    pub(crate) fn equations(
        &self,
        sink: &mut dyn Sink,
        ctx: &[u8; 64],
        label: &'static str,
        position: u32,
        e: &CtExpr,
        m: u32,
    ) -> Result<()> {
        sink.context(label, position);
        let stmt = m.to_be_bytes();
        match range_layout(m) {
            RangeLayout::Disjunction => {
                let values: Vec<Scalar> = (0..=u64::from(m)).map(Scalar::from).collect();
                let p = self.proofs.first().ok_or_else(|| Error::proof(label))?;
                let mut cm = Vec::new();
                p.commitment_bytes(&mut cm);
                let c = challenge(ctx, label, position, &[&stmt], &cm);
                sink.note("c", label, position, &c);
                p.equations(sink, e, &values, &c)
            }
            RangeLayout::Bits(w) => {
                let k = w.len();
                if self.bits.len() + 1 != k || self.proofs.len() != k {
                    return Err(Error::proof(label));
                }
                let bit_bytes: Vec<[u8; 64]> = self.bits.iter().map(|b| b.to_bytes()).collect();
                let mut st: Vec<&[u8]> = vec![&stmt];
                st.extend(bit_bytes.iter().map(|b| &b[..]));
                let mut cm = Vec::new();
                for p in &self.proofs {
                    p.commitment_bytes(&mut cm);
                }
                let c = challenge(ctx, label, position, &st, &cm);
                sink.note("c", label, position, &c);
                let mut last = e.clone();
                for i in 0..k {
                    let values = [Scalar::ZERO, Scalar::from(w[i])];
                    if i + 1 < k {
                        let a = sink.push(&self.bits[i].alpha);
                        let b = sink.push(&self.bits[i].beta);
                        last.add_ct((a, b), -Scalar::ONE);
                        self.proofs[i].equations(sink, &CtExpr::single((a, b)), &values, &c)?;
                    } else {
                        self.proofs[i].equations(sink, &last, &values, &c)?;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::crypto::group::DeterministicRng;

    #[test]
    fn range_proofs_every_value_and_encodings() {
        let mut rng = DeterministicRng::new(b"range");
        let x = draw_scalar(&mut rng);
        let key = ElectionKey::new(Element::from_point(mul_g(&x))).unwrap();
        let ctx = [7u8; 64];
        for m in [0u32, 1, 2, 5, 6, 7, 9, 12] {
            for v in 0..=u64::from(m) + 1 {
                let r = draw_scalar(&mut rng);
                let e = Ciphertext::encrypt_exp(&key, v, &r);
                let p = RangeProof::prove(
                    &key,
                    &ctx,
                    "t",
                    0,
                    (e.alpha.point(), e.beta.point()),
                    m,
                    v,
                    &r,
                    &mut rng,
                );
                let bytes = p.to_bytes();
                assert_eq!(bytes.len(), RangeProof::encoded_len(m));
                let p2 = RangeProof::from_bytes(&bytes, m).unwrap();
                assert_eq!(p2, p);
                let mut sink = BatchSink::new(&mut rng);
                let a = sink.push(&e.alpha);
                let b = sink.push(&e.beta);
                p2.equations(&mut sink, &ctx, "t", 0, &CtExpr::single((a, b)), m)
                    .unwrap();
                assert_eq!(sink.check(&key), v <= u64::from(m), "m = {m}, v = {v}");
                // Bound to label and position.
                let mut sink = BatchSink::new(&mut rng);
                let a = sink.push(&e.alpha);
                let b = sink.push(&e.beta);
                p2.equations(&mut sink, &ctx, "t", 1, &CtExpr::single((a, b)), m)
                    .unwrap();
                assert!(!sink.check(&key));
            }
        }
    }

    #[test]
    fn weights_cover_exactly_the_range() {
        for m in 1u64..=80 {
            let w = bit_weights(m);
            assert_eq!(w.iter().sum::<u64>(), m);
            let mut seen = vec![false; m as usize + 1];
            for mask in 0u32..(1 << w.len()) {
                let s: u64 = (0..w.len())
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| w[i])
                    .sum();
                assert!(s <= m);
                seen[s as usize] = true;
            }
            assert!(seen.iter().all(|x| *x), "m = {m}");
        }
    }
}
