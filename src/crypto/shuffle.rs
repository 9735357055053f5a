//! Verifiable re-encryption shuffle of ciphertext vectors: the
//! Terelius–Wikström (2010, "Proofs of restricted shuffles", AFRICACRYPT)
//! proof as specified by CHVote (Haenni, Locher, Koenig, Dubuis: "CHVote
//! Protocol Specification", §8 GenShuffleProof / CheckShuffleProof) and Haenni
//! et al., "Pseudo-code algorithms for verifiable re-encryption mix-nets"
//! (FC 2017 Voting workshop), adapted to:
//!
//! * additive notation on ristretto255 (prime order ℓ), responses
//!   s = ω + c·witness;
//! * ciphertext *vectors* of width w (each write-in name is 2 plain ElGamal
//!   ciphertexts): every component is re-randomised with its own nonce, and
//!   the re-encryption equation has one (α, β) commitment pair per component;
//! * independent generators H_0 (= CHVote's h) and H_1 … H_N (CHVote's
//!   GetGenerators) from `from_uniform_bytes` ([`crate::crypto::group::derive_generator`]
//!   with label "shuffle");
//! * commitment form: the proof carries t_1, t_2, t_3, t_4, t̂_i, so the
//!   verifier checks all 5 + 2w + N equations with one random linear
//!   combination (one multiscalar multiplication).
//!
//! Statement: outputs e'_i = e_{ψ(i)} + (r'_{i,c}·G, r'_{i,c}·K)_c for a secret
//! permutation ψ. See E2E.md §Shuffle for every equation.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, MultiscalarMul, VartimeMultiscalarMul};
use rand_core::CryptoRngCore;
use zeroize::Zeroize;

use crate::crypto::elgamal::Ciphertext;
use crate::crypto::error::{Error, Result};
use crate::crypto::group::{
    derive_generator, draw_index, draw_scalar, expect_len, generator, mul_g, ElectionKey, Element,
    Reader,
};
use crate::crypto::transcript::{domain, Transcript};

/// Maximum number of vectors in one shuffle.
pub const MAX_SHUFFLE: usize = 1 << 20;
/// Maximum width of a vector.
pub const MAX_WIDTH: usize = 16;

/// A vector of ciphertexts shuffled as one unit (a write-in name: width 2).
pub type CiphertextVector = Vec<Ciphertext>;

/// Generators H_0 … H_N for a shuffle of N vectors.
pub fn shuffle_generators(n: usize) -> Vec<RistrettoPoint> {
    (0..=n)
        .map(|i| derive_generator("shuffle", i as u32))
        .collect()
}

/// A Terelius–Wikström shuffle proof (commitment form).
///
/// Encoding (32·(5N + 6 + 3w) bytes): `c_1 … c_N` (permutation commitments),
/// `ĉ_1 … ĉ_N` (commitment chain), `t_1 ‖ t_2 ‖ t_3`, `t4α_1 ‖ t4β_1 ‖ … ‖ t4α_w ‖ t4β_w`,
/// `t̂_1 … t̂_N`, `s_1 ‖ s_2 ‖ s_3`, `s4_1 … s4_w`, `ŝ_1 … ŝ_N`, `s'_1 … s'_N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShuffleProof {
    perm_commitments: Vec<Element>,
    chain: Vec<Element>,
    t1: Element,
    t2: Element,
    t3: Element,
    t4: Vec<(Element, Element)>,
    t_hat: Vec<Element>,
    s1: Scalar,
    s2: Scalar,
    s3: Scalar,
    s4: Vec<Scalar>,
    s_hat: Vec<Scalar>,
    s_prime: Vec<Scalar>,
}

impl ShuffleProof {
    /// Encoded length for N vectors of width w.
    pub fn encoded_len(n: usize, w: usize) -> usize {
        32 * (5 * n + 6 + 3 * w)
    }

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.perm_commitments.len();
        let mut out = Vec::with_capacity(Self::encoded_len(n, self.t4.len()));
        for e in self.perm_commitments.iter().chain(self.chain.iter()) {
            out.extend_from_slice(e.as_bytes());
        }
        for e in [&self.t1, &self.t2, &self.t3] {
            out.extend_from_slice(e.as_bytes());
        }
        for (a, b) in &self.t4 {
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b.as_bytes());
        }
        for e in &self.t_hat {
            out.extend_from_slice(e.as_bytes());
        }
        for s in [&self.s1, &self.s2, &self.s3] {
            out.extend_from_slice(s.as_bytes());
        }
        for s in self
            .s4
            .iter()
            .chain(self.s_hat.iter())
            .chain(self.s_prime.iter())
        {
            out.extend_from_slice(s.as_bytes());
        }
        out
    }

    /// Strict decoding for N vectors of width w.
    pub fn from_bytes(n: usize, w: usize, bytes: &[u8]) -> Result<Self> {
        check_dims(n, w)?;
        expect_len(bytes, Self::encoded_len(n, w), "shuffle proof")?;
        let what = "shuffle proof";
        let mut r = Reader::new(bytes, what);
        let elems = |r: &mut Reader<'_>, k: usize| -> Result<Vec<Element>> {
            (0..k).map(|_| r.element(what)).collect()
        };
        let perm_commitments = elems(&mut r, n)?;
        let chain = elems(&mut r, n)?;
        let t1 = r.element(what)?;
        let t2 = r.element(what)?;
        let t3 = r.element(what)?;
        let mut t4 = Vec::with_capacity(w);
        for _ in 0..w {
            let a = r.element(what)?;
            let b = r.element(what)?;
            t4.push((a, b));
        }
        let t_hat = elems(&mut r, n)?;
        let s1 = r.scalar(what)?;
        let s2 = r.scalar(what)?;
        let s3 = r.scalar(what)?;
        let scalars = |r: &mut Reader<'_>, k: usize| -> Result<Vec<Scalar>> {
            (0..k).map(|_| r.scalar(what)).collect()
        };
        let s4 = scalars(&mut r, w)?;
        let s_hat = scalars(&mut r, n)?;
        let s_prime = scalars(&mut r, n)?;
        r.finish()?;
        Ok(ShuffleProof {
            perm_commitments,
            chain,
            t1,
            t2,
            t3,
            t4,
            t_hat,
            s1,
            s2,
            s3,
            s4,
            s_hat,
            s_prime,
        })
    }
}

fn check_dims(n: usize, w: usize) -> Result<()> {
    if n == 0 || n > MAX_SHUFFLE {
        return Err(Error::params(format!(
            "a shuffle needs 1 to {MAX_SHUFFLE} vectors"
        )));
    }
    if w == 0 || w > MAX_WIDTH {
        return Err(Error::params(format!(
            "a shuffled vector has 1 to {MAX_WIDTH} ciphertexts"
        )));
    }
    Ok(())
}

fn check_vectors(v: &[CiphertextVector], n: usize, w: usize, what: &str) -> Result<()> {
    if v.len() != n {
        return Err(Error::params(format!(
            "the {what} have {} vectors instead of {n}",
            v.len()
        )));
    }
    if v.iter().any(|x| x.len() != w) {
        return Err(Error::params(format!(
            "the {what} are not all of width {w}"
        )));
    }
    Ok(())
}

fn vectors_bytes(v: &[CiphertextVector]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * v.first().map_or(0, |x| x.len()) * 64);
    for x in v {
        for c in x {
            c.write(&mut out);
        }
    }
    out
}

fn elements_bytes<'a>(v: impl IntoIterator<Item = &'a Element>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in v {
        out.extend_from_slice(e.as_bytes());
    }
    out
}

/// S = H(shuffle/statement; context, K, u32be N, u32be w, inputs, outputs, c_1…c_N)
fn statement_hash(
    key: &ElectionKey,
    context: &[u8],
    inputs: &[CiphertextVector],
    outputs: &[CiphertextVector],
    perm: &[Element],
    w: usize,
) -> [u8; 64] {
    let mut t = Transcript::new(domain::SHUFFLE_STATEMENT);
    t.field(context)
        .field(key.element().as_bytes())
        .field_u32(inputs.len() as u32)
        .field_u32(w as u32)
        .field(&vectors_bytes(inputs))
        .field(&vectors_bytes(outputs))
        .field(&elements_bytes(perm));
    t.finish()
}

/// u_j = H(shuffle/u; S, u32be j) for j = 1 … N.
fn u_challenges(s: &[u8; 64], n: usize) -> Vec<Scalar> {
    (1..=n)
        .map(|j| {
            let mut t = Transcript::new(domain::SHUFFLE_U);
            t.field(s).field_u32(j as u32);
            t.scalar()
        })
        .collect()
}

/// c = H(shuffle/challenge; S, ĉ_1…ĉ_N, t_1‖t_2‖t_3‖t4…, t̂_1…t̂_N)
fn main_challenge(
    s: &[u8; 64],
    chain: &[Element],
    t123: [&Element; 3],
    t4: &[(Element, Element)],
    t_hat: &[Element],
) -> Scalar {
    let mut ts = elements_bytes(t123);
    for (a, b) in t4 {
        ts.extend_from_slice(a.as_bytes());
        ts.extend_from_slice(b.as_bytes());
    }
    let mut t = Transcript::new(domain::SHUFFLE_CHALLENGE);
    t.field(s)
        .field(&elements_bytes(chain))
        .field(&ts)
        .field(&elements_bytes(t_hat));
    t.scalar()
}

/// Shuffles and re-encrypts `inputs` (N vectors of width w) under `key`;
/// `context` binds the proof (e.g. election id ‖ contest id ‖ teller index).
///
/// Draw order: N−1 permutation draws (Fisher–Yates, i = N−1 … 1, j =
/// [`draw_index`](crate::crypto::group::draw_index)(i+1), swap ψ[i], ψ[j]; ψ starts as
/// the identity), re-encryption nonces r'_{i,c} (i = 1…N, c = 1…w), r_j
/// (j = 1…N), r̂_i (i = 1…N), ω_1, ω_2, ω_3, ω_{4,1…w}, ω̂_{1…N}, ω'_{1…N}.
pub fn shuffle(
    key: &ElectionKey,
    context: &[u8],
    inputs: &[CiphertextVector],
    rng: &mut dyn CryptoRngCore,
) -> Result<(Vec<CiphertextVector>, ShuffleProof)> {
    let n = inputs.len();
    let w = inputs.first().map_or(0, |x| x.len());
    check_dims(n, w)?;
    check_vectors(inputs, n, w, "inputs")?;
    // ψ: output i takes input psi[i].
    let mut psi: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = draw_index(rng, i + 1);
        psi.swap(i, j);
    }
    let mut r_enc: Vec<Vec<Scalar>> = (0..n)
        .map(|_| (0..w).map(|_| draw_scalar(rng)).collect())
        .collect();
    let outputs: Vec<CiphertextVector> = (0..n)
        .map(|i| {
            (0..w)
                .map(|c| inputs[psi[i]][c].rerandomize(key, &r_enc[i][c]))
                .collect()
        })
        .collect();

    let hs = shuffle_generators(n);
    let h0 = hs[0];
    // Permutation commitments: c_{ψ(i)} = r_{ψ(i)}·G + H_i.
    let mut r_perm: Vec<Scalar> = (0..n).map(|_| draw_scalar(rng)).collect();
    let mut perm_pts = vec![RistrettoPoint::default(); n];
    for i in 0..n {
        let j = psi[i];
        perm_pts[j] = mul_g(&r_perm[j]) + hs[i + 1];
    }
    let perm_commitments: Vec<Element> = perm_pts.iter().map(|p| Element::from_point(*p)).collect();
    let s_hash = statement_hash(key, context, inputs, &outputs, &perm_commitments, w);
    let u = u_challenges(&s_hash, n);
    // u' is u in the permutation's order: as secret as ψ.
    let mut u_prime: Vec<Scalar> = (0..n).map(|i| u[psi[i]]).collect();

    // Commitment chain ĉ_i = r̂_i·G + u'_i·ĉ_{i−1}, ĉ_0 = H_0.
    let mut r_hat: Vec<Scalar> = (0..n).map(|_| draw_scalar(rng)).collect();
    let mut chain_pts = Vec::with_capacity(n);
    let mut prev = h0;
    for i in 0..n {
        let c = mul_g(&r_hat[i]) + u_prime[i] * prev;
        chain_pts.push(c);
        prev = c;
    }
    let chain: Vec<Element> = chain_pts.iter().map(|p| Element::from_point(*p)).collect();

    let mut w1 = draw_scalar(rng);
    let mut w2 = draw_scalar(rng);
    let mut w3 = draw_scalar(rng);
    let mut w4: Vec<Scalar> = (0..w).map(|_| draw_scalar(rng)).collect();
    let mut w_hat: Vec<Scalar> = (0..n).map(|_| draw_scalar(rng)).collect();
    let mut w_prime: Vec<Scalar> = (0..n).map(|_| draw_scalar(rng)).collect();

    let t1 = Element::from_point(mul_g(&w1));
    let t2 = Element::from_point(mul_g(&w2));
    // Constant-time multiscalar multiplications: ω' encodes the permutation.
    let t3 = Element::from_point(
        mul_g(&w3) + RistrettoPoint::multiscalar_mul(w_prime.iter(), hs[1..].iter()),
    );
    let mut t4 = Vec::with_capacity(w);
    for c in 0..w {
        let a = RistrettoPoint::multiscalar_mul(
            w_prime.iter(),
            outputs.iter().map(|o| *o[c].alpha.point()),
        ) - mul_g(&w4[c]);
        let b = RistrettoPoint::multiscalar_mul(
            w_prime.iter(),
            outputs.iter().map(|o| *o[c].beta.point()),
        ) - key.mul_k(&w4[c]);
        t4.push((Element::from_point(a), Element::from_point(b)));
    }
    let mut t_hat = Vec::with_capacity(n);
    for i in 0..n {
        let prev = if i == 0 { h0 } else { chain_pts[i - 1] };
        t_hat.push(Element::from_point(mul_g(&w_hat[i]) + w_prime[i] * prev));
    }
    let c = main_challenge(&s_hash, &chain, [&t1, &t2, &t3], &t4, &t_hat);

    // Responses.
    let mut r_bar: Scalar = r_perm.iter().sum();
    let s1 = w1 + c * r_bar;
    // R̂ = Σ r̂_i·v_i, v_N = 1, v_{i−1} = u'_i·v_i.
    let mut v = Scalar::ONE;
    let mut r_hat_sum = Scalar::ZERO;
    // v and the sums below are functions of the witnesses: zeroized with them.
    for i in (0..n).rev() {
        r_hat_sum += r_hat[i] * v;
        v *= u_prime[i];
    }
    let s2 = w2 + c * r_hat_sum;
    let mut r_tilde: Scalar = r_perm.iter().zip(u.iter()).map(|(r, uj)| r * uj).sum();
    let s3 = w3 + c * r_tilde;
    let s4: Vec<Scalar> = (0..w)
        .map(|cc| {
            let mut rr: Scalar = (0..n).map(|i| u_prime[i] * r_enc[i][cc]).sum();
            let s = w4[cc] + c * rr;
            rr.zeroize();
            s
        })
        .collect();
    let s_hat: Vec<Scalar> = (0..n).map(|i| w_hat[i] + c * r_hat[i]).collect();
    let s_prime: Vec<Scalar> = (0..n).map(|i| w_prime[i] + c * u_prime[i]).collect();

    for x in r_enc.iter_mut() {
        x.zeroize();
    }
    r_perm.zeroize();
    r_hat.zeroize();
    w1.zeroize();
    w2.zeroize();
    w3.zeroize();
    w4.zeroize();
    w_hat.zeroize();
    w_prime.zeroize();
    psi.zeroize();
    u_prime.zeroize();
    v.zeroize();
    r_bar.zeroize();
    r_hat_sum.zeroize();
    r_tilde.zeroize();

    let proof = ShuffleProof {
        perm_commitments,
        chain,
        t1,
        t2,
        t3,
        t4,
        t_hat,
        s1,
        s2,
        s3,
        s4,
        s_hat,
        s_prime,
    };
    Ok((outputs, proof))
}

/// Verifies a shuffle proof: all equations of E2E.md §12, each with its own random 128-bit
/// weight from the operating system's CSPRNG (`sink::Weights`), in one multiscalar
/// multiplication.
pub fn verify_shuffle(
    key: &ElectionKey,
    context: &[u8],
    inputs: &[CiphertextVector],
    outputs: &[CiphertextVector],
    proof: &ShuffleProof,
) -> Result<()> {
    let n = inputs.len();
    let w = inputs.first().map_or(0, |x| x.len());
    check_dims(n, w)?;
    check_vectors(inputs, n, w, "inputs")?;
    check_vectors(outputs, n, w, "outputs")?;
    if proof.perm_commitments.len() != n
        || proof.chain.len() != n
        || proof.t_hat.len() != n
        || proof.s_hat.len() != n
        || proof.s_prime.len() != n
        || proof.t4.len() != w
        || proof.s4.len() != w
    {
        return Err(Error::proof("shuffle proof (wrong dimensions)"));
    }
    let hs = shuffle_generators(n);
    let s_hash = statement_hash(key, context, inputs, outputs, &proof.perm_commitments, w);
    let u = u_challenges(&s_hash, n);
    let c = main_challenge(
        &s_hash,
        &proof.chain,
        [&proof.t1, &proof.t2, &proof.t3],
        &proof.t4,
        &proof.t_hat,
    );
    // Independent random weights, drawn after the whole proof is fixed (a weight derived
    // from (S, c) alone, as before 2026-12-03, was known to the prover before it chose its
    // responses).
    let mut weights = crate::crypto::sink::Weights::new(&mut crate::crypto::SystemRng);

    // Accumulate Σ coeff·point; each equation is written as LHS − RHS = 0.
    let mut sc: Vec<Scalar> = Vec::with_capacity(10 * n + 16);
    let mut pts: Vec<RistrettoPoint> = Vec::with_capacity(10 * n + 16);
    let mut g = Scalar::ZERO;
    let mut kk = Scalar::ZERO;
    let mut h_coeff = vec![Scalar::ZERO; n + 1];
    let mut next = || weights.next();

    // (1) s1·G − c·(Σ c_j − Σ H_i) − t1 = 0
    let e1 = next();
    g += e1 * proof.s1;
    for cj in &proof.perm_commitments {
        sc.push(-(e1 * c));
        pts.push(*cj.point());
    }
    for h in h_coeff.iter_mut().skip(1) {
        *h += e1 * c;
    }
    sc.push(-e1);
    pts.push(*proof.t1.point());

    // (2) s2·G − c·(ĉ_N − (Π u_j)·H_0) − t2 = 0
    let e2 = next();
    let u_prod: Scalar = u.iter().product();
    g += e2 * proof.s2;
    let mut chain_coeff = vec![Scalar::ZERO; n];
    chain_coeff[n - 1] -= e2 * c;
    h_coeff[0] += e2 * c * u_prod;
    sc.push(-e2);
    pts.push(*proof.t2.point());

    // (3) s3·G + Σ s'_i·H_i − c·Σ u_j·c_j − t3 = 0
    let e3 = next();
    g += e3 * proof.s3;
    for i in 0..n {
        h_coeff[i + 1] += e3 * proof.s_prime[i];
    }
    for (j, cj) in proof.perm_commitments.iter().enumerate() {
        sc.push(-(e3 * c * u[j]));
        pts.push(*cj.point());
    }
    sc.push(-e3);
    pts.push(*proof.t3.point());

    // (4) per component c: Σ s'_i·α'_i − s4·G − c·Σ u_j·α_j − t4α = 0 (and β with K)
    for cc in 0..w {
        let ea = next();
        let eb = next();
        g -= ea * proof.s4[cc];
        kk -= eb * proof.s4[cc];
        for i in 0..n {
            sc.push(ea * proof.s_prime[i]);
            pts.push(*outputs[i][cc].alpha.point());
            sc.push(eb * proof.s_prime[i]);
            pts.push(*outputs[i][cc].beta.point());
        }
        for j in 0..n {
            sc.push(-(ea * c * u[j]));
            pts.push(*inputs[j][cc].alpha.point());
            sc.push(-(eb * c * u[j]));
            pts.push(*inputs[j][cc].beta.point());
        }
        sc.push(-ea);
        pts.push(*proof.t4[cc].0.point());
        sc.push(-eb);
        pts.push(*proof.t4[cc].1.point());
    }

    // (5) per i: ŝ_i·G + s'_i·ĉ_{i−1} − c·ĉ_i − t̂_i = 0
    for i in 0..n {
        let e = next();
        g += e * proof.s_hat[i];
        if i == 0 {
            h_coeff[0] += e * proof.s_prime[0];
        } else {
            chain_coeff[i - 1] += e * proof.s_prime[i];
        }
        chain_coeff[i] -= e * c;
        sc.push(-e);
        pts.push(*proof.t_hat[i].point());
    }

    sc.extend_from_slice(&chain_coeff);
    pts.extend(proof.chain.iter().map(|e| *e.point()));
    sc.extend_from_slice(&h_coeff);
    pts.extend_from_slice(&hs);
    sc.push(g);
    pts.push(generator());
    sc.push(kk);
    pts.push(*key.point());

    if RistrettoPoint::vartime_multiscalar_mul(sc, pts).is_identity() {
        Ok(())
    } else {
        Err(Error::proof("shuffle proof"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::crypto::group::DeterministicRng;

    fn setup(n: usize, rng: &mut DeterministicRng) -> (ElectionKey, Scalar, Vec<CiphertextVector>) {
        let x = draw_scalar(rng);
        let key = ElectionKey::new(Element::from_point(mul_g(&x))).unwrap();
        let inputs = (0..n)
            .map(|i| {
                let name = crate::crypto::names::encode_name(&format!("候选人{i}")).unwrap();
                (0..2)
                    .map(|c| Ciphertext::encrypt_point(&key, &name.elements[c], &draw_scalar(rng)))
                    .collect()
            })
            .collect();
        (key, x, inputs)
    }

    fn decrypt_names(x: &Scalar, v: &[CiphertextVector]) -> Vec<String> {
        let mut names: Vec<String> = v
            .iter()
            .map(|ct| {
                let e0 = ct[0].beta.point() - x * ct[0].alpha.point();
                let e1 = ct[1].beta.point() - x * ct[1].alpha.point();
                crate::crypto::names::decode_name(&[e0, e1]).unwrap()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn shuffle_verifies_and_tampering_is_refused() {
        let mut rng = DeterministicRng::new(b"shuffle");
        let (key, x, inputs) = setup(6, &mut rng);
        let ctx = b"election|contest|teller-1";
        let (outputs, proof) = shuffle(&key, ctx, &inputs, &mut rng).unwrap();
        verify_shuffle(&key, ctx, &inputs, &outputs, &proof).unwrap();
        assert_eq!(decrypt_names(&x, &inputs), decrypt_names(&x, &outputs));
        let bytes = proof.to_bytes();
        assert_eq!(bytes.len(), ShuffleProof::encoded_len(6, 2));
        assert_eq!(ShuffleProof::from_bytes(6, 2, &bytes).unwrap(), proof);

        // Drop one (replace by a duplicate of another output).
        let mut dup = outputs.clone();
        dup[1] = dup[0].clone();
        assert_eq!(
            verify_shuffle(&key, ctx, &inputs, &dup, &proof)
                .unwrap_err()
                .code(),
            "proof_invalid"
        );
        // Duplicate re-randomised (still a different multiset).
        let mut dup2 = outputs.clone();
        dup2[1] = dup2[0]
            .iter()
            .map(|c| c.rerandomize(&key, &Scalar::from(5u8)))
            .collect();
        assert!(verify_shuffle(&key, ctx, &inputs, &dup2, &proof).is_err());
        // Replace one by a fresh encryption.
        let mut rep = outputs.clone();
        let other = crate::crypto::names::encode_name("冒名").unwrap();
        rep[2] = (0..2)
            .map(|c| Ciphertext::encrypt_point(&key, &other.elements[c], &Scalar::from(9u8)))
            .collect();
        assert!(verify_shuffle(&key, ctx, &inputs, &rep, &proof).is_err());
        // Fewer outputs.
        assert!(verify_shuffle(&key, ctx, &inputs, &outputs[1..], &proof).is_err());
        // Other context.
        assert!(verify_shuffle(&key, b"other", &inputs, &outputs, &proof).is_err());
        // Every single-byte change of the proof.
        for pos in 0..bytes.len() {
            let mut b = bytes.clone();
            b[pos] ^= 0x01;
            match ShuffleProof::from_bytes(6, 2, &b) {
                Err(_) => {}
                Ok(p) => assert!(
                    verify_shuffle(&key, ctx, &inputs, &outputs, &p).is_err(),
                    "byte {pos}"
                ),
            }
        }
    }

    #[test]
    fn single_vector_shuffle() {
        let mut rng = DeterministicRng::new(b"shuffle1");
        let (key, _, inputs) = setup(1, &mut rng);
        let (outputs, proof) = shuffle(&key, b"c", &inputs, &mut rng).unwrap();
        verify_shuffle(&key, b"c", &inputs, &outputs, &proof).unwrap();
        assert!(shuffle(&key, b"c", &[], &mut rng).is_err());
    }
}
