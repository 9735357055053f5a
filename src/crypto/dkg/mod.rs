//! Key ceremony: Pedersen (1991) / Feldman (1987) distributed key generation
//! with threshold k of n, following ElectionGuard 2.0 §3.2 (key generation,
//! Schnorr proofs of every polynomial coefficient, encrypted share exchange,
//! share verification against the Feldman commitments, complaints).
//!
//! * Teller i ∈ 1..n picks P_i(x) = Σ_{j<k} a_{i,j} x^j and publishes the
//!   commitments C_{i,j} = a_{i,j}·G, a Schnorr (1991) proof of possession of
//!   each a_{i,j}, and a share-encryption key E_i = d_i·G with its own proof
//!   (round 1).
//! * Teller i sends teller ℓ the share P_i(ℓ) encrypted with hashed ElGamal
//!   under E_ℓ (ElectionGuard 2.0 §3.2.2 structure: ephemeral DH, an
//!   HMAC-SHA-256 key derivation in counter mode (NIST SP 800-108), the 32-byte
//!   scalar XORed with the derived key, an HMAC-SHA-256 tag over everything;
//!   bound to the election id and both indices).
//! * Teller ℓ decrypts and checks P_i(ℓ)·G = Σ_j ℓ^j·C_{i,j}. On failure it
//!   publishes a [`Complaint`] revealing the DH value β = d_ℓ·α with a
//!   Chaum–Pedersen (1992) proof that log_G E_ℓ = log_α β, so that anyone can
//!   re-derive the keys, re-check the tag, decrypt the share and see the
//!   Feldman check fail — without learning d_ℓ.
//! * Secret share s_ℓ = Σ_i P_i(ℓ); joint key K = Σ_i C_{i,0}; public
//!   verification key K_ℓ = Σ_i Σ_j ℓ^j·C_{i,j} = s_ℓ·G (anyone can compute it
//!   from the logged commitments).
//!
//! The `hmac` crate (RustCrypto, same `digest` 0.10 traits as `sha2`) provides
//! HMAC-SHA-256; nothing else outside curve25519-dalek/sha2 is used.

use crate::codes::Code;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::crypto::error::{Error, Result};
use crate::crypto::group::{draw_scalar, expect_len, mul_g, ElectionKey, Element, Reader};
use crate::crypto::transcript::{domain, Transcript};

mod shares;
pub use shares::*;

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------
// Challenge-form Schnorr and Chaum–Pedersen proofs (ceremony and decryption)
// ---------------------------------------------------------------------------

/// Schnorr (1991) proof of knowledge of w with Y = w·G, challenge form
/// (as ElectionGuard's (c, v)): T = u·G, c = H(…, T), z = u + c·w.
/// Verification recomputes T = z·G − c·Y and the hash. Encoding: `c ‖ z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchnorrProof {
    /// Challenge.
    pub c: Scalar,
    /// Response.
    pub z: Scalar,
}

impl SchnorrProof {
    /// Encoded length.
    pub const LEN: usize = 64;

    pub(crate) fn prove(
        w: &Scalar,
        rng: &mut dyn CryptoRngCore,
        hash: impl FnOnce(&[u8; 32]) -> Scalar,
    ) -> Self {
        let mut u = draw_scalar(rng);
        let t = mul_g(&u).compress().to_bytes();
        let c = hash(&t);
        let z = u + c * w;
        u.zeroize();
        SchnorrProof { c, z }
    }

    pub(crate) fn verify(
        &self,
        y: &RistrettoPoint,
        hash: impl FnOnce(&[u8; 32]) -> Scalar,
    ) -> bool {
        let t = RistrettoPoint::vartime_double_scalar_mul_basepoint(&(-self.c), y, &self.z);
        hash(&t.compress().to_bytes()) == self.c
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.c.as_bytes());
        out.extend_from_slice(self.z.as_bytes());
    }

    pub(crate) fn read(r: &mut Reader<'_>, what: &str) -> Result<Self> {
        Ok(SchnorrProof {
            c: r.scalar(what)?,
            z: r.scalar(what)?,
        })
    }
}

/// Chaum–Pedersen (1992) proof that log_G Y = log_A M, challenge form:
/// T1 = u·G, T2 = u·A, c = H(…, T1, T2), z = u + c·w; verification
/// recomputes T1 = z·G − c·Y, T2 = z·A − c·M. Encoding: `c ‖ z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChaumPedersenProof {
    /// Challenge.
    pub c: Scalar,
    /// Response.
    pub z: Scalar,
}

impl ChaumPedersenProof {
    /// Encoded length.
    pub const LEN: usize = 64;

    pub(crate) fn prove(
        w: &Scalar,
        a: &RistrettoPoint,
        rng: &mut dyn CryptoRngCore,
        hash: impl FnOnce(&[u8; 32], &[u8; 32]) -> Scalar,
    ) -> Self {
        let mut u = draw_scalar(rng);
        let t1 = mul_g(&u).compress().to_bytes();
        let t2 = (u * a).compress().to_bytes();
        let c = hash(&t1, &t2);
        let z = u + c * w;
        u.zeroize();
        ChaumPedersenProof { c, z }
    }

    pub(crate) fn verify(
        &self,
        y: &RistrettoPoint,
        a: &RistrettoPoint,
        m: &RistrettoPoint,
        hash: impl FnOnce(&[u8; 32], &[u8; 32]) -> Scalar,
    ) -> bool {
        let t1 = RistrettoPoint::vartime_double_scalar_mul_basepoint(&(-self.c), y, &self.z);
        let t2 = RistrettoPoint::vartime_multiscalar_mul([self.z, -self.c], [*a, *m]);
        hash(&t1.compress().to_bytes(), &t2.compress().to_bytes()) == self.c
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.c.as_bytes());
        out.extend_from_slice(self.z.as_bytes());
    }

    pub(crate) fn read(r: &mut Reader<'_>, what: &str) -> Result<Self> {
        Ok(ChaumPedersenProof {
            c: r.scalar(what)?,
            z: r.scalar(what)?,
        })
    }
}

// ---------------------------------------------------------------------------
// Parameters and round 1
// ---------------------------------------------------------------------------

/// Threshold parameters: k of n tellers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DkgParams {
    /// n, the number of tellers (3 ≤ n ≤ 255).
    pub tellers: u32,
    /// k, the threshold (2 ≤ k ≤ n).
    pub threshold: u32,
}

impl Default for DkgParams {
    /// 3 of 5.
    fn default() -> Self {
        DkgParams {
            tellers: 5,
            threshold: 3,
        }
    }
}

impl DkgParams {
    /// Checked constructor.
    pub fn new(tellers: u32, threshold: u32) -> Result<Self> {
        let p = DkgParams { tellers, threshold };
        p.validate()?;
        Ok(p)
    }

    /// Checks 3 ≤ n ≤ 255 and 2 ≤ k ≤ n (at least 2 of 3).
    pub fn validate(&self) -> Result<()> {
        if !(3..=255).contains(&self.tellers) || self.threshold < 2 || self.threshold > self.tellers
        {
            return Err(Error::params(format!(
                "a {} of {} threshold is not supported (need 2 ≤ k ≤ n and 3 ≤ n ≤ 255)",
                self.threshold, self.tellers
            )));
        }
        Ok(())
    }

    fn check_index(&self, i: u32) -> Result<()> {
        if i == 0 || i > self.tellers {
            return Err(Error::params(format!(
                "teller index {i} is outside 1..{}",
                self.tellers
            )));
        }
        Ok(())
    }
}

/// A teller's round-1 secrets: polynomial coefficients and share-encryption
/// secret key. Zeroized on drop.
#[derive(Clone)]
pub struct TellerSecrets {
    index: u32,
    coefficients: Vec<Scalar>,
    share_secret: Scalar,
}

impl Drop for TellerSecrets {
    fn drop(&mut self) {
        self.coefficients.zeroize();
        self.share_secret.zeroize();
    }
}

impl core::fmt::Debug for TellerSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TellerSecrets(index {})", self.index)
    }
}

impl TellerSecrets {
    /// The teller's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The secrets as bytes for the teller's own state file (mode 0600 on the teller's
    /// machine; never sent anywhere): `u32be index ‖ u32be k ‖ a_0 ‖ … ‖ a_{k-1} ‖ d`.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out =
            zeroize::Zeroizing::new(Vec::with_capacity(8 + 32 * (self.coefficients.len() + 1)));
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&(self.coefficients.len() as u32).to_be_bytes());
        for a in &self.coefficients {
            out.extend_from_slice(&a.to_bytes());
        }
        out.extend_from_slice(&self.share_secret.to_bytes());
        out
    }

    /// Reads secrets written by [`TellerSecrets::to_bytes`], checked against the teller's
    /// own round-1 message (the commitments and share key must be theirs).
    pub fn from_bytes(params: &DkgParams, bytes: &[u8], own: &Round1Message) -> Result<Self> {
        let k = params.threshold as usize;
        expect_len(bytes, 8 + 32 * (k + 1), "teller secrets")?;
        let mut r = Reader::new(bytes, "teller secrets");
        let index = r.u32()?;
        params.check_index(index)?;
        if r.u32()? as usize != k {
            return Err(Error::bad_encoding("teller secrets (threshold)"));
        }
        let mut coefficients = Vec::with_capacity(k);
        for _ in 0..k {
            coefficients.push(r.scalar("teller secret coefficient")?);
        }
        let share_secret = r.scalar("teller share-encryption secret")?;
        r.finish()?;
        let secrets = TellerSecrets {
            index,
            coefficients,
            share_secret,
        };
        let matches = own.index == index
            && own.commitments.len() == k
            && secrets
                .coefficients
                .iter()
                .zip(&own.commitments)
                .all(|(a, c)| mul_g(a) == *c.point())
            && mul_g(&secrets.share_secret) == *own.share_key.point();
        if !matches {
            return Err(Error::ShareInvalid {
                from: index,
                reason: "the stored secrets do not match the teller's round-1 message".into(),
            });
        }
        Ok(secrets)
    }

    /// P_i(x) by Horner's rule (constant-time scalar arithmetic).
    fn evaluate(&self, x: u32) -> Scalar {
        let xs = Scalar::from(x);
        let mut acc = Scalar::ZERO;
        for a in self.coefficients.iter().rev() {
            acc = acc * xs + a;
        }
        acc
    }
}

/// Round-1 message of teller i.
///
/// Encoding (104 + 96k bytes): `u32be i ‖ u32be k ‖ C_{i,0} ‖ … ‖ C_{i,k-1} ‖
/// proof_0 ‖ … ‖ proof_{k-1} ‖ E_i ‖ proof_E` (proofs are `c ‖ z`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round1Message {
    /// Teller index i.
    pub index: u32,
    /// Feldman commitments C_{i,j} = a_{i,j}·G.
    pub commitments: Vec<Element>,
    /// Schnorr proofs of possession of each a_{i,j}.
    pub coefficient_proofs: Vec<SchnorrProof>,
    /// Share-encryption key E_i = d_i·G.
    pub share_key: Element,
    /// Schnorr proof of possession of d_i.
    pub share_key_proof: SchnorrProof,
}

fn coefficient_challenge(election_id: &str, i: u32, j: u32, c: &Element, t: &[u8; 32]) -> Scalar {
    let mut tr = Transcript::new(domain::DKG_COEFFICIENT);
    tr.field_str(election_id)
        .field_u32(i)
        .field_u32(j)
        .field(c.as_bytes())
        .field(t);
    tr.scalar()
}

fn share_key_challenge(election_id: &str, i: u32, e: &Element, t: &[u8; 32]) -> Scalar {
    let mut tr = Transcript::new(domain::DKG_SHARE_KEY);
    tr.field_str(election_id)
        .field_u32(i)
        .field(e.as_bytes())
        .field(t);
    tr.scalar()
}

impl Round1Message {
    /// Encoded length for threshold k.
    pub fn encoded_len(k: u32) -> usize {
        104 + 96 * k as usize
    }

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::encoded_len(self.commitments.len() as u32));
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&(self.commitments.len() as u32).to_be_bytes());
        for c in &self.commitments {
            out.extend_from_slice(c.as_bytes());
        }
        for p in &self.coefficient_proofs {
            p.write(&mut out);
        }
        out.extend_from_slice(self.share_key.as_bytes());
        self.share_key_proof.write(&mut out);
        out
    }

    /// Strict decoding for the given parameters.
    pub fn from_bytes(params: &DkgParams, bytes: &[u8]) -> Result<Self> {
        params.validate()?;
        let k = params.threshold;
        expect_len(bytes, Self::encoded_len(k), "round-1 message")?;
        let mut r = Reader::new(bytes, "round-1 message");
        let index = r.u32()?;
        params.check_index(index)?;
        if r.u32()? != k {
            return Err(Error::bad_encoding(
                "round-1 message (threshold field differs from the parameters)",
            ));
        }
        let mut commitments = Vec::with_capacity(k as usize);
        for _ in 0..k {
            commitments.push(r.element("round-1 commitment")?);
        }
        let mut coefficient_proofs = Vec::with_capacity(k as usize);
        for _ in 0..k {
            coefficient_proofs.push(SchnorrProof::read(&mut r, "round-1 coefficient proof")?);
        }
        let share_key = r.element("round-1 share key")?;
        let share_key_proof = SchnorrProof::read(&mut r, "round-1 share-key proof")?;
        r.finish()?;
        Ok(Round1Message {
            index,
            commitments,
            coefficient_proofs,
            share_key,
            share_key_proof,
        })
    }
}

/// Round 1 for teller `index`. Draw order: a_{i,0} … a_{i,k-1}, d_i, then the
/// Schnorr nonces of the k coefficient proofs, then that of the share-key proof.
pub fn round1(
    election_id: &str,
    params: &DkgParams,
    index: u32,
    rng: &mut dyn CryptoRngCore,
) -> Result<(TellerSecrets, Round1Message)> {
    params.validate()?;
    params.check_index(index)?;
    let coefficients: Vec<Scalar> = (0..params.threshold).map(|_| draw_scalar(rng)).collect();
    let share_secret = draw_scalar(rng);
    let secrets = TellerSecrets {
        index,
        coefficients,
        share_secret,
    };
    let commitments: Vec<Element> = secrets
        .coefficients
        .iter()
        .map(|a| Element::from_point(mul_g(a)))
        .collect();
    let mut coefficient_proofs = Vec::with_capacity(commitments.len());
    for (j, (a, c)) in secrets
        .coefficients
        .iter()
        .zip(commitments.iter())
        .enumerate()
    {
        coefficient_proofs.push(SchnorrProof::prove(a, rng, |t| {
            coefficient_challenge(election_id, index, j as u32, c, t)
        }));
    }
    let share_key = Element::from_point(mul_g(&secrets.share_secret));
    let share_key_proof = SchnorrProof::prove(&secrets.share_secret, rng, |t| {
        share_key_challenge(election_id, index, &share_key, t)
    });
    let msg = Round1Message {
        index,
        commitments,
        coefficient_proofs,
        share_key,
        share_key_proof,
    };
    Ok((secrets, msg))
}

/// Verifies one round-1 message: index in range, k commitments and proofs, no
/// identity element, every Schnorr proof valid.
pub fn verify_round1(election_id: &str, params: &DkgParams, msg: &Round1Message) -> Result<()> {
    params.validate()?;
    params.check_index(msg.index)?;
    let k = params.threshold as usize;
    if msg.commitments.len() != k || msg.coefficient_proofs.len() != k {
        return Err(Error::params(format!(
            "teller {} published a polynomial of the wrong degree",
            msg.index
        )));
    }
    for (j, (c, p)) in msg
        .commitments
        .iter()
        .zip(msg.coefficient_proofs.iter())
        .enumerate()
    {
        c.require_nonidentity(&format!("commitment {j} of teller {}", msg.index))?;
        if !p.verify(c.point(), |t| {
            coefficient_challenge(election_id, msg.index, j as u32, c, t)
        }) {
            return Err(Error::proof(format!(
                "coefficient proof {j} of teller {}",
                msg.index
            )));
        }
    }
    msg.share_key
        .require_nonidentity(&format!("share key of teller {}", msg.index))?;
    if !msg.share_key_proof.verify(msg.share_key.point(), |t| {
        share_key_challenge(election_id, msg.index, &msg.share_key, t)
    }) {
        return Err(Error::proof(format!(
            "share-key proof of teller {}",
            msg.index
        )));
    }
    Ok(())
}

/// Verifies all n round-1 messages: `msgs[i-1]` must be teller i's.
pub fn verify_round1_all(
    election_id: &str,
    params: &DkgParams,
    msgs: &[Round1Message],
) -> Result<()> {
    check_roster(params, msgs)?;
    for m in msgs {
        verify_round1(election_id, params, m)?;
    }
    Ok(())
}

fn check_roster(params: &DkgParams, msgs: &[Round1Message]) -> Result<()> {
    params.validate()?;
    if msgs.len() != params.tellers as usize {
        return Err(Error::params(format!(
            "{} round-1 messages for {} tellers",
            msgs.len(),
            params.tellers
        )));
    }
    for (pos, m) in msgs.iter().enumerate() {
        if m.index as usize != pos + 1 {
            if msgs.iter().filter(|x| x.index == m.index).count() > 1 {
                return Err(Error::DuplicateIndex { index: m.index });
            }
            return Err(Error::params(
                "round-1 messages must be ordered by teller index 1..n",
            ));
        }
        if m.commitments.len() != params.threshold as usize {
            return Err(Error::params(format!(
                "teller {} published a polynomial of the wrong degree",
                m.index
            )));
        }
    }
    Ok(())
}

/// Σ_j x^j·C_{i,j} (public data, vartime).
fn feldman_eval(commitments: &[Element], x: u32) -> RistrettoPoint {
    let xs = Scalar::from(x);
    let mut pow = Scalar::ONE;
    let mut scalars = Vec::with_capacity(commitments.len());
    for _ in commitments {
        scalars.push(pow);
        pow *= xs;
    }
    RistrettoPoint::vartime_multiscalar_mul(scalars, commitments.iter().map(|c| *c.point()))
}

// ---------------------------------------------------------------------------
// Combination
// ---------------------------------------------------------------------------

/// A teller's share s_ℓ of the election secret, with K_ℓ = s_ℓ·G. Zeroized on drop.
#[derive(Clone)]
pub struct KeyShare {
    index: u32,
    secret: Scalar,
    public: Element,
}

impl Drop for KeyShare {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl core::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "KeyShare(index {}, public {:?})",
            self.index, self.public
        )
    }
}

impl KeyShare {
    /// ℓ.
    pub fn index(&self) -> u32 {
        self.index
    }
    /// K_ℓ.
    pub fn verification_key(&self) -> &Element {
        &self.public
    }
    pub(crate) fn secret(&self) -> &Scalar {
        &self.secret
    }
    /// Rebuilds a key share from its stored 32-byte secret (checked against K_ℓ).
    pub fn from_secret(
        index: u32,
        secret_bytes: &[u8],
        verification_key: &Element,
    ) -> Result<Self> {
        let secret = crate::crypto::group::scalar_from_bytes(secret_bytes, "key share")?;
        if mul_g(&secret) != *verification_key.point() {
            return Err(Error::ShareInvalid {
                from: index,
                reason: "the secret does not match the verification key".into(),
            });
        }
        Ok(KeyShare {
            index,
            secret,
            public: *verification_key,
        })
    }
    /// The 32-byte secret (to be stored encrypted by the caller).
    pub fn secret_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.secret.to_bytes())
    }
}

/// s_ℓ = P_ℓ(ℓ) + Σ_{i≠ℓ} P_i(ℓ) from the n−1 checked shares; checks s_ℓ·G = K_ℓ.
pub fn combine_shares(
    params: &DkgParams,
    secrets: &TellerSecrets,
    msgs: &[Round1Message],
    received: &[ReceivedShare],
) -> Result<KeyShare> {
    check_roster(params, msgs)?;
    let me = secrets.index;
    let mut seen = vec![false; params.tellers as usize + 1];
    seen[me as usize] = true;
    let mut s = secrets.evaluate(me);
    for r in received {
        params.check_index(r.from)?;
        if seen[r.from as usize] {
            return Err(Error::DuplicateIndex { index: r.from });
        }
        seen[r.from as usize] = true;
        s += r.value;
    }
    if seen.iter().skip(1).any(|x| !x) {
        s.zeroize();
        return Err(Error::params("a share from every other teller is needed"));
    }
    let public = verification_key(params, msgs, me)?;
    if mul_g(&s) != *public.point() {
        s.zeroize();
        return Err(Error::ShareInvalid {
            from: me,
            reason: "the combined share does not match K_ℓ".into(),
        });
    }
    Ok(KeyShare {
        index: me,
        secret: s,
        public,
    })
}

/// Joint election key K = Σ_i C_{i,0}.
pub fn joint_key(params: &DkgParams, msgs: &[Round1Message]) -> Result<ElectionKey> {
    check_roster(params, msgs)?;
    let k: RistrettoPoint = msgs.iter().map(|m| m.commitments[0].point()).sum();
    ElectionKey::new(Element::from_point(k))
}

/// Public verification key K_ℓ = Σ_i Σ_j ℓ^j·C_{i,j} of teller ℓ.
pub fn verification_key(params: &DkgParams, msgs: &[Round1Message], index: u32) -> Result<Element> {
    check_roster(params, msgs)?;
    params.check_index(index)?;
    let p: RistrettoPoint = msgs
        .iter()
        .map(|m| feldman_eval(&m.commitments, index))
        .sum();
    Ok(Element::from_point(p))
}

#[cfg(test)]
mod tests;
