//! Threshold decryption (ElectionGuard 2.0 §3.6 structure, without the
//! missing-guardian compensation: any k of the n tellers decrypt directly
//! with their Shamir shares).
//!
//! * Teller ℓ's share of (α, β): M_ℓ = s_ℓ·α with a Chaum–Pedersen (1992)
//!   proof that log_G K_ℓ = log_α M_ℓ (challenge form, 64 bytes).
//! * Combination of any set S of ≥ k verified shares:
//!   M = β − Σ_{ℓ∈S} w_ℓ·M_ℓ, w_ℓ = Π_{j∈S, j≠ℓ} j/(j−ℓ) mod ℓ (Lagrange at 0),
//!   which is m·G for exponential ciphertexts (then [`DlogTable`]) or the
//!   element M for plain ones.

use std::collections::HashMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use rand_core::CryptoRngCore;

use crate::crypto::dkg::{ChaumPedersenProof, DkgParams, KeyShare};
use crate::crypto::elgamal::Ciphertext;
use crate::crypto::error::{Error, Result};
use crate::crypto::group::{expect_len, generator, Element, Reader};
use crate::crypto::transcript::{domain, Transcript};

/// A teller's decryption share with its proof.
///
/// Encoding (100 bytes): `u32be ℓ ‖ M_ℓ ‖ c ‖ z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecryptionShare {
    /// ℓ.
    pub index: u32,
    /// M_ℓ = s_ℓ·α.
    pub share: Element,
    /// Proof that log_G K_ℓ = log_α M_ℓ.
    pub proof: ChaumPedersenProof,
}

impl DecryptionShare {
    /// Encoded length.
    pub const LEN: usize = 100;

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(self.share.as_bytes());
        self.proof.write(&mut out);
        out
    }

    /// Strict decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        expect_len(bytes, Self::LEN, "decryption share")?;
        let mut r = Reader::new(bytes, "decryption share");
        let index = r.u32()?;
        let share = r.element("decryption share")?;
        let proof = ChaumPedersenProof::read(&mut r, "decryption share proof")?;
        r.finish()?;
        Ok(DecryptionShare {
            index,
            share,
            proof,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn share_challenge(
    election_id: &str,
    index: u32,
    vk: &Element,
    ct: &Ciphertext,
    m: &Element,
    t1: &[u8; 32],
    t2: &[u8; 32],
) -> Scalar {
    let mut t = Transcript::new(domain::DECRYPTION_SHARE);
    t.field_str(election_id)
        .field_u32(index)
        .field(vk.as_bytes())
        .field(ct.alpha.as_bytes())
        .field(ct.beta.as_bytes())
        .field(m.as_bytes())
        .field(t1)
        .field(t2);
    t.scalar()
}

/// Teller ℓ's decryption share of `ct` (draws one nonce for the proof).
pub fn decryption_share(
    election_id: &str,
    key_share: &KeyShare,
    ct: &Ciphertext,
    rng: &mut dyn CryptoRngCore,
) -> DecryptionShare {
    let m = Element::from_point(key_share.secret() * ct.alpha.point());
    let vk = *key_share.verification_key();
    let index = key_share.index();
    let proof = ChaumPedersenProof::prove(key_share.secret(), ct.alpha.point(), rng, |t1, t2| {
        share_challenge(election_id, index, &vk, ct, &m, t1, t2)
    });
    DecryptionShare {
        index,
        share: m,
        proof,
    }
}

/// Verifies a decryption share against the teller's verification key K_ℓ.
pub fn verify_decryption_share(
    election_id: &str,
    verification_key: &Element,
    ct: &Ciphertext,
    share: &DecryptionShare,
) -> Result<()> {
    let ok = share.proof.verify(
        verification_key.point(),
        ct.alpha.point(),
        share.share.point(),
        |t1, t2| {
            share_challenge(
                election_id,
                share.index,
                verification_key,
                ct,
                &share.share,
                t1,
                t2,
            )
        },
    );
    if ok {
        Ok(())
    } else {
        Err(Error::proof(format!(
            "decryption share of teller {}",
            share.index
        )))
    }
}

/// Lagrange coefficients at 0 for the distinct non-zero indices `indices`.
pub fn lagrange_at_zero(indices: &[u32]) -> Result<Vec<Scalar>> {
    for (a, i) in indices.iter().enumerate() {
        if *i == 0 {
            return Err(Error::params("teller indices start at 1"));
        }
        if indices[..a].contains(i) {
            return Err(Error::DuplicateIndex { index: *i });
        }
    }
    let mut out = Vec::with_capacity(indices.len());
    for &l in indices {
        let mut num = Scalar::ONE;
        let mut den = Scalar::ONE;
        for &j in indices {
            if j != l {
                num *= Scalar::from(j);
                den *= Scalar::from(j) - Scalar::from(l);
            }
        }
        out.push(num * den.invert());
    }
    Ok(out)
}

/// Interpolates Σ w_ℓ·M_ℓ at 0 over exactly the given shares (no threshold
/// check; for tests: what fewer than k shares would give).
#[cfg(test)]
pub(crate) fn interpolate(shares: &[DecryptionShare]) -> Result<RistrettoPoint> {
    let idx: Vec<u32> = shares.iter().map(|s| s.index).collect();
    let w = lagrange_at_zero(&idx)?;
    Ok(RistrettoPoint::vartime_multiscalar_mul(
        w,
        shares.iter().map(|s| *s.share.point()),
    ))
}

/// The combination of one set S of tellers' shares: the Lagrange weights w_ℓ, computed once
/// (one scalar inversion per weight) for every ciphertext S decrypts, rather than once per
/// ciphertext. A verifier combining a contest's totals and names with the same tellers
/// builds one.
#[derive(Clone, Debug)]
pub struct Combiner {
    indices: Vec<u32>,
    weights: Vec<Scalar>,
}

impl Combiner {
    /// The weights for the tellers `indices` (distinct, in 1..=n, at least k of them).
    pub fn new(params: &DkgParams, indices: &[u32]) -> Result<Self> {
        params.validate()?;
        for &i in indices {
            if i == 0 || i > params.tellers {
                return Err(Error::params(format!(
                    "teller index {i} is outside 1..{}",
                    params.tellers
                )));
            }
        }
        let weights = lagrange_at_zero(indices)?;
        if indices.len() < params.threshold as usize {
            return Err(Error::NotEnoughShares {
                needed: params.threshold as usize,
                got: indices.len(),
            });
        }
        Ok(Combiner {
            indices: indices.to_vec(),
            weights,
        })
    }

    /// M = β − Σ w_ℓ·M_ℓ for shares (verified by the caller) from exactly this set's
    /// tellers, in the same order.
    pub fn combine(&self, ct: &Ciphertext, shares: &[DecryptionShare]) -> Result<RistrettoPoint> {
        if shares.len() != self.indices.len()
            || shares.iter().zip(&self.indices).any(|(s, i)| s.index != *i)
        {
            return Err(Error::params(
                "the shares are not from the combiner's tellers, in its order",
            ));
        }
        Ok(ct.beta.point()
            - RistrettoPoint::vartime_multiscalar_mul(
                &self.weights,
                shares.iter().map(|s| *s.share.point()),
            ))
    }
}

/// Combines ≥ k shares (the caller has verified them) into the plaintext
/// element M = β − Σ w_ℓ·M_ℓ (m·G for exponential ciphertexts).
pub fn combine_decryption_shares(
    params: &DkgParams,
    ct: &Ciphertext,
    shares: &[DecryptionShare],
) -> Result<RistrettoPoint> {
    let idx: Vec<u32> = shares.iter().map(|s| s.index).collect();
    Combiner::new(params, &idx)?.combine(ct, shares)
}

/// Verifies every share (against `verification_keys[ℓ-1]`) and combines them.
pub fn decrypt_with_shares(
    election_id: &str,
    params: &DkgParams,
    verification_keys: &[Element],
    ct: &Ciphertext,
    shares: &[DecryptionShare],
) -> Result<RistrettoPoint> {
    if verification_keys.len() != params.tellers as usize {
        return Err(Error::params("one verification key per teller is needed"));
    }
    for s in shares {
        let vk = verification_keys
            .get((s.index as usize).wrapping_sub(1))
            .ok_or_else(|| {
                Error::params(format!(
                    "teller index {} is outside 1..{}",
                    s.index, params.tellers
                ))
            })?;
        verify_decryption_share(election_id, vk, ct, s)?;
    }
    combine_decryption_shares(params, ct, shares)
}

/// Baby-step giant-step table for discrete logarithms base G in [0, bound].
///
/// With b = ⌈√(bound+1)⌉ the table holds the encodings of j·G for j < b
/// (b entries); solving m·G takes at most ⌈(bound+1)/b⌉ giant steps, the first of them
/// a lookup of m·G's own encoding. Building, and the giant steps after the first, use
/// `double_and_compress_batch` on halved points to batch the inversions.
/// For the default bound 2^32 − 1 the table has 65 536 entries (~3 MB, built
/// in well under a second) and a solve takes at most 65 536 giant steps.
pub struct DlogTable {
    bound: u64,
    baby: u64,
    table: HashMap<[u8; 32], u64>,
    giant_half: RistrettoPoint,
}

impl core::fmt::Debug for DlogTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "DlogTable(bound {}, baby steps {})",
            self.bound, self.baby
        )
    }
}

/// Default discrete-log bound: 2^32 − 1 (any total of fewer than 4.29 × 10^9 votes).
pub const DEFAULT_DLOG_BOUND: u64 = u32::MAX as u64;

/// Points processed per batch compression.
const CHUNK: usize = 256;

/// Baby steps of the table every tally of a process shares ([`DlogTable::shared`]).
const SHARED_BABY: u64 = 1 << 12;

impl DlogTable {
    /// Builds the table for [0, bound].
    pub fn new(bound: u64) -> Self {
        let n = bound.saturating_add(1);
        let mut baby = (n as f64).sqrt().ceil() as u64;
        while baby.saturating_mul(baby) < n {
            baby += 1;
        }
        Self::with_baby(bound, baby.max(1))
    }

    /// The table the process's tallies share, built once on first use: 4,096 baby steps
    /// (about 0.2 MB), so any total below 4,096 is one lookup of its own encoding and the
    /// bound is 2^24 − 1 (at most 4,096 giant steps). A tally whose bound is larger builds
    /// its own table ([`DlogTable::new`]).
    pub fn shared() -> &'static DlogTable {
        static SHARED: std::sync::OnceLock<DlogTable> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Self::with_baby(SHARED_BABY * SHARED_BABY - 1, SHARED_BABY))
    }

    /// The table of j·G for j < `baby`, for [0, bound] (bound < baby², baby ≥ 1).
    fn with_baby(bound: u64, baby: u64) -> Self {
        let half = Scalar::from(2u8).invert();
        let g_half = half * generator();
        let mut table = HashMap::with_capacity(baby as usize);
        table.insert(RistrettoPoint::identity().compress().to_bytes(), 0u64);
        // j·G/2 for j = 1 … baby−1, encoded as enc(j·G) by the batch doubling.
        let mut cur = g_half;
        let mut j = 1u64;
        while j < baby {
            let count = CHUNK.min((baby - j) as usize);
            let mut pts = Vec::with_capacity(count);
            for _ in 0..count {
                pts.push(cur);
                cur += g_half;
            }
            for (k, enc) in RistrettoPoint::double_and_compress_batch(&pts)
                .into_iter()
                .enumerate()
            {
                table.insert(enc.to_bytes(), j + k as u64);
            }
            j += count as u64;
        }
        let giant_half = -(Scalar::from(baby) * g_half);
        DlogTable {
            bound,
            baby,
            table,
            giant_half,
        }
    }

    /// The bound.
    pub fn bound(&self) -> u64 {
        self.bound
    }

    /// Finds m ∈ [0, bound] with m·G = p.
    pub fn solve(&self, p: &RistrettoPoint) -> Result<u64> {
        self.solve_within(p, self.bound)
    }

    /// Finds m ∈ [0, bound] with m·G = p, for a `bound` up to the table's own.
    ///
    /// Giant step 0 looks up p's own encoding: ristretto255 encodings are canonical and
    /// one-to-one (RFC 9496 §4.3.2), so a hit j is p's discrete logarithm in [0, ℓ), and a
    /// total below the baby steps costs one compression. Only beyond it are the points
    /// halved to batch the compressions of the giant steps.
    pub fn solve_within(&self, p: &RistrettoPoint, bound: u64) -> Result<u64> {
        if bound > self.bound {
            return Err(Error::params(format!(
                "the bound {bound} exceeds the table's {}",
                self.bound
            )));
        }
        if let Some(&j) = self.table.get(&p.compress().to_bytes()) {
            return if j <= bound {
                Ok(j)
            } else {
                Err(Error::DlogOutOfRange { bound })
            };
        }
        let n = bound.saturating_add(1);
        let giants = n.div_ceil(self.baby);
        if giants <= 1 {
            // The lookup was the only giant step.
            return Err(Error::DlogOutOfRange { bound });
        }
        let half = Scalar::from(2u8).invert();
        // Q_i/2 = p/2 − i·baby·G/2, from i = 1
        let mut cur = RistrettoPoint::vartime_multiscalar_mul([half], [*p]) + self.giant_half;
        let mut i = 1u64;
        while i < giants {
            let count = CHUNK.min((giants - i) as usize);
            let mut pts = Vec::with_capacity(count);
            for _ in 0..count {
                pts.push(cur);
                cur += self.giant_half;
            }
            for (k, enc) in RistrettoPoint::double_and_compress_batch(&pts)
                .into_iter()
                .enumerate()
            {
                let q_is_identity = (pts[k] + pts[k]).is_identity();
                let hit = if q_is_identity {
                    Some(&0u64)
                } else {
                    self.table.get(&enc.to_bytes())
                };
                if let Some(j) = hit {
                    let m = (i + k as u64) * self.baby + j;
                    if m <= bound && RistrettoPoint::mul_base(&Scalar::from(m)) == *p {
                        return Ok(m);
                    }
                }
            }
            i += count as u64;
        }
        Err(Error::DlogOutOfRange { bound })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::crypto::dkg::{
        combine_shares, encrypt_shares, joint_key, receive_share, round1, verification_key,
        verify_round1_all, ShareCheck,
    };
    use crate::crypto::group::{mul_g, DeterministicRng};

    fn ceremony(
        params: &DkgParams,
        rng: &mut DeterministicRng,
    ) -> (Vec<crate::crypto::dkg::Round1Message>, Vec<KeyShare>) {
        let eid = "e";
        let mut secrets = Vec::new();
        let mut msgs = Vec::new();
        for i in 1..=params.tellers {
            let (s, m) = round1(eid, params, i, rng).unwrap();
            secrets.push(s);
            msgs.push(m);
        }
        verify_round1_all(eid, params, &msgs).unwrap();
        let mut inbox: Vec<Vec<crate::crypto::dkg::EncryptedShare>> =
            vec![vec![]; params.tellers as usize];
        for s in &secrets {
            for sh in encrypt_shares(eid, params, s, &msgs, rng).unwrap() {
                inbox[sh.to as usize - 1].push(sh);
            }
        }
        let mut out = Vec::new();
        for s in &secrets {
            let got: Vec<_> = inbox[s.index() as usize - 1]
                .iter()
                .map(
                    |sh| match receive_share(eid, params, s, &msgs, sh, rng).unwrap() {
                        ShareCheck::Valid(r) => r,
                        ShareCheck::Invalid(_) => panic!("refused"),
                    },
                )
                .collect();
            out.push(combine_shares(params, s, &msgs, &got).unwrap());
        }
        (msgs, out)
    }

    fn subsets(n: u32, k: u32) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        for mask in 0u32..(1 << n) {
            if mask.count_ones() == k {
                out.push((1..=n).filter(|i| mask >> (i - 1) & 1 == 1).collect());
            }
        }
        out
    }

    #[test]
    fn every_k_subset_decrypts_and_k_minus_1_does_not() {
        let mut rng = DeterministicRng::new(b"decrypt");
        let eid = "e";
        for (n, k) in [(5u32, 3u32), (3, 2)] {
            let params = DkgParams::new(n, k).unwrap();
            let (msgs, shares) = ceremony(&params, &mut rng);
            let key = joint_key(&params, &msgs).unwrap();
            let vks: Vec<Element> = (1..=n)
                .map(|i| verification_key(&params, &msgs, i).unwrap())
                .collect();
            let r = Scalar::from(99u8);
            let ct = Ciphertext::encrypt_exp(&key, 1234, &r);
            let ds: Vec<DecryptionShare> = shares
                .iter()
                .map(|s| decryption_share(eid, s, &ct, &mut rng))
                .collect();
            for d in &ds {
                assert_eq!(DecryptionShare::from_bytes(&d.to_bytes()).unwrap(), *d);
            }
            let table = DlogTable::new(10_000);
            for sub in subsets(n, k) {
                let chosen: Vec<DecryptionShare> =
                    sub.iter().map(|i| ds[*i as usize - 1]).collect();
                let m = decrypt_with_shares(eid, &params, &vks, &ct, &chosen).unwrap();
                assert_eq!(table.solve(&m).unwrap(), 1234);
            }
            for sub in subsets(n, k - 1) {
                let chosen: Vec<DecryptionShare> =
                    sub.iter().map(|i| ds[*i as usize - 1]).collect();
                assert_eq!(
                    combine_decryption_shares(&params, &ct, &chosen)
                        .unwrap_err()
                        .code(),
                    "not_enough_shares"
                );
                let wrong = ct.beta.point() - interpolate(&chosen).unwrap();
                assert_ne!(wrong, mul_g(&Scalar::from(1234u32)));
            }
            // Tampering: wrong M, wrong proof, wrong ciphertext, wrong election.
            let mut bad = ds[0];
            bad.share = Element::from_point(bad.share.point() + generator());
            assert_eq!(
                verify_decryption_share(eid, &vks[0], &ct, &bad)
                    .unwrap_err()
                    .code(),
                "proof_invalid"
            );
            let mut bad = ds[0];
            bad.proof.z += Scalar::ONE;
            assert_eq!(
                verify_decryption_share(eid, &vks[0], &ct, &bad)
                    .unwrap_err()
                    .code(),
                "proof_invalid"
            );
            assert!(verify_decryption_share(eid, &vks[1], &ct, &ds[0]).is_err());
            assert!(verify_decryption_share("other", &vks[0], &ct, &ds[0]).is_err());
            let mut dup = vec![ds[0], ds[0]];
            dup.extend_from_slice(&ds[1..]);
            assert_eq!(
                combine_decryption_shares(&params, &ct, &dup)
                    .unwrap_err()
                    .code(),
                "duplicate_index"
            );
            // One combiner decrypts every ciphertext of its tellers, and only their shares,
            // in its order.
            let set: Vec<u32> = (1..=k).collect();
            let comb = Combiner::new(&params, &set).unwrap();
            let r2 = Scalar::from(7u8);
            let ct2 = Ciphertext::encrypt_exp(&key, 55, &r2);
            for (c, want) in [(&ct, 1234u64), (&ct2, 55)] {
                let chosen: Vec<DecryptionShare> = shares[..k as usize]
                    .iter()
                    .map(|s| decryption_share(eid, s, c, &mut rng))
                    .collect();
                assert_eq!(table_small(&comb.combine(c, &chosen).unwrap()), want);
                let mut swapped = chosen.clone();
                swapped.swap(0, 1);
                assert!(comb.combine(c, &swapped).is_err());
                let other = decryption_share(eid, &shares[k as usize], c, &mut rng);
                let mut wrong_set = chosen.clone();
                wrong_set[0] = other;
                assert!(comb.combine(c, &wrong_set).is_err());
                assert!(comb.combine(c, &chosen[1..]).is_err());
            }
            assert_eq!(
                Combiner::new(&params, &set[1..]).unwrap_err().code(),
                "not_enough_shares"
            );
            assert!(Combiner::new(&params, &[0, 1, 2]).is_err());
            assert!(Combiner::new(&params, &[1, 2, n + 1]).is_err());
        }
    }

    fn table_small(m: &RistrettoPoint) -> u64 {
        DlogTable::new(10_000).solve(m).unwrap()
    }

    #[test]
    fn dlog_bounds() {
        let t = DlogTable::new(1_000_000);
        for m in [0u64, 1, 2, 999, 1000, 1001, 123_456, 999_999, 1_000_000] {
            assert_eq!(t.solve(&mul_g(&Scalar::from(m))).unwrap(), m);
        }
        assert_eq!(
            t.solve(&mul_g(&Scalar::from(1_000_001u64)))
                .unwrap_err()
                .code(),
            "dlog_out_of_range"
        );
        let small = DlogTable::new(0);
        assert_eq!(small.solve(&RistrettoPoint::identity()).unwrap(), 0);
        assert!(small.solve(&generator()).is_err());
    }

    #[test]
    fn the_shared_table_solves_within_each_tallys_own_bound() {
        let t = DlogTable::shared();
        assert_eq!(t.bound(), (1 << 24) - 1);
        let g = |m: u64| mul_g(&Scalar::from(m));
        // Below the baby steps (the first lookup), across the first giant steps, at the end.
        for m in [
            0u64,
            1,
            2,
            4095,
            4096,
            4097,
            8191,
            8192,
            600_001,
            (1 << 24) - 1,
        ] {
            assert_eq!(t.solve(&g(m)).unwrap(), m, "{m}");
            assert_eq!(t.solve_within(&g(m), m).unwrap(), m, "{m} at its own bound");
        }
        // A tally's bound is its own, whichever step finds the value.
        for (m, bound) in [(601u64, 600u64), (4095, 4094), (4096, 4095), (9000, 8999)] {
            assert_eq!(
                t.solve_within(&g(m), bound).unwrap_err().code(),
                "dlog_out_of_range",
                "{m} over {bound}"
            );
        }
        assert_eq!(
            t.solve(&g(1 << 24)).unwrap_err().code(),
            "dlog_out_of_range"
        );
        // Not a small multiple of G at all.
        let stray = g(3) + mul_g(&Scalar::from(u64::MAX));
        assert!(t.solve_within(&stray, 10_000).is_err());
        // A bound beyond the table is refused, not silently cut to the table's.
        assert!(t.solve_within(&g(5), 1 << 24).is_err());
        // Another table, the same answers.
        assert_eq!(table_small(&g(4097)), 4097);
    }
}
