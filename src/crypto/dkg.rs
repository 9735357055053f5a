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
// Share encryption
// ---------------------------------------------------------------------------

/// P_i(ℓ) encrypted from teller i to teller ℓ.
///
/// Encoding (104 bytes): `u32be from ‖ u32be to ‖ α ‖ C1 ‖ tag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptedShare {
    /// Sender i.
    pub from: u32,
    /// Recipient ℓ.
    pub to: u32,
    /// Ephemeral α = ξ·G.
    pub alpha: Element,
    /// C1 = P_i(ℓ) (32 bytes LE) XOR k1.
    pub ciphertext: [u8; 32],
    /// HMAC-SHA-256 tag under k2.
    pub tag: [u8; 32],
}

impl EncryptedShare {
    /// Encoded length.
    pub const LEN: usize = 104;

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.from.to_be_bytes());
        out.extend_from_slice(&self.to.to_be_bytes());
        out.extend_from_slice(self.alpha.as_bytes());
        out.extend_from_slice(&self.ciphertext);
        out.extend_from_slice(&self.tag);
        out
    }

    /// Strict decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        expect_len(bytes, Self::LEN, "encrypted share")?;
        let mut r = Reader::new(bytes, "encrypted share");
        let from = r.u32()?;
        let to = r.u32()?;
        let alpha = r.element("encrypted share")?;
        let ciphertext = r.array32()?;
        let tag = r.array32()?;
        r.finish()?;
        Ok(EncryptedShare {
            from,
            to,
            alpha,
            ciphertext,
            tag,
        })
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let b = r.take(Self::LEN)?;
        Self::from_bytes(b)
    }
}

/// Length-prefixed encoding of fields (the transcript format, without hashing).
fn lp(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for HMAC.
    let mut out = [0u8; 32];
    if let Ok(mut m) = <HmacSha256 as Mac>::new_from_slice(key) {
        m.update(msg);
        out.copy_from_slice(&m.finalize().into_bytes());
    }
    out
}

/// Derives (k1, k2) from the DH value β.
///
/// k  = HMAC-SHA-256(β, lp("scrutineer.e2e/v1/dkg/share-kdf", election_id, u32be i, u32be ℓ, E_ℓ, α))
/// k1 = HMAC-SHA-256(k, 0x01 ‖ "share_enc_keys" ‖ 0x00 ‖ "share_encrypt" ‖ 0x0200)
/// k2 = HMAC-SHA-256(k, 0x02 ‖ "share_enc_keys" ‖ 0x00 ‖ "share_encrypt" ‖ 0x0200)
fn share_keys(
    election_id: &str,
    from: u32,
    to: u32,
    ek: &Element,
    alpha: &Element,
    beta: &[u8; 32],
) -> ([u8; 32], [u8; 32]) {
    let msg = lp(&[
        domain::DKG_SHARE_KDF.as_bytes(),
        election_id.as_bytes(),
        &from.to_be_bytes(),
        &to.to_be_bytes(),
        ek.as_bytes(),
        alpha.as_bytes(),
    ]);
    let mut k = hmac(beta, &msg);
    let mut info = Vec::with_capacity(32);
    info.push(0x01);
    info.extend_from_slice(b"share_enc_keys");
    info.push(0x00);
    info.extend_from_slice(b"share_encrypt");
    info.extend_from_slice(&512u16.to_be_bytes());
    let k1 = hmac(&k, &info);
    info[0] = 0x02;
    let k2 = hmac(&k, &info);
    k.zeroize();
    (k1, k2)
}

fn share_tag(
    election_id: &str,
    from: u32,
    to: u32,
    ek: &Element,
    alpha: &Element,
    c1: &[u8; 32],
    k2: &[u8; 32],
) -> [u8; 32] {
    let msg = lp(&[
        domain::DKG_SHARE_MAC.as_bytes(),
        election_id.as_bytes(),
        &from.to_be_bytes(),
        &to.to_be_bytes(),
        ek.as_bytes(),
        alpha.as_bytes(),
        c1,
    ]);
    hmac(k2, &msg)
}

/// Encrypts an arbitrary scalar as a share from `from` to `to` (used by
/// [`encrypt_shares`]; public so that tests can build a bad share).
/// Draws one nonce ξ.
pub fn encrypt_share_value(
    election_id: &str,
    from: u32,
    to: u32,
    recipient_key: &Element,
    value: &Scalar,
    rng: &mut dyn CryptoRngCore,
) -> EncryptedShare {
    let mut xi = draw_scalar(rng);
    let alpha = Element::from_point(mul_g(&xi));
    let mut beta = (xi * recipient_key.point()).compress().to_bytes();
    xi.zeroize();
    let (mut k1, mut k2) = share_keys(election_id, from, to, recipient_key, &alpha, &beta);
    let mut ciphertext = value.to_bytes();
    for (c, k) in ciphertext.iter_mut().zip(k1.iter()) {
        *c ^= k;
    }
    let tag = share_tag(
        election_id,
        from,
        to,
        recipient_key,
        &alpha,
        &ciphertext,
        &k2,
    );
    k1.zeroize();
    k2.zeroize();
    beta.zeroize();
    EncryptedShare {
        from,
        to,
        alpha,
        ciphertext,
        tag,
    }
}

/// Encrypted shares from `secrets`' teller to every other teller, in
/// increasing recipient order (one ξ drawn per recipient).
pub fn encrypt_shares(
    election_id: &str,
    params: &DkgParams,
    secrets: &TellerSecrets,
    msgs: &[Round1Message],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<EncryptedShare>> {
    check_roster(params, msgs)?;
    let mut out = Vec::with_capacity(msgs.len() - 1);
    for m in msgs {
        if m.index == secrets.index {
            continue;
        }
        let mut v = secrets.evaluate(m.index);
        out.push(encrypt_share_value(
            election_id,
            secrets.index,
            m.index,
            &m.share_key,
            &v,
            rng,
        ));
        v.zeroize();
    }
    Ok(out)
}

/// A share received and checked: P_from(to). Zeroized on drop.
#[derive(Clone)]
pub struct ReceivedShare {
    from: u32,
    value: Scalar,
}

impl Drop for ReceivedShare {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl core::fmt::Debug for ReceivedShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ReceivedShare(from {})", self.from)
    }
}

impl ReceivedShare {
    /// Sender index.
    pub fn from(&self) -> u32 {
        self.from
    }
}

/// Why a share is bad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComplaintReason {
    /// The HMAC tag does not verify.
    BadTag,
    /// The decrypted 32 bytes are not a canonical scalar.
    NonCanonical,
    /// P_i(ℓ)·G ≠ Σ_j ℓ^j·C_{i,j}.
    CommitmentMismatch,
}

impl ComplaintReason {
    /// Stable code.
    pub fn code(&self) -> Code {
        match self {
            ComplaintReason::BadTag => Code::BadTag,
            ComplaintReason::NonCanonical => Code::NonCanonical,
            ComplaintReason::CommitmentMismatch => Code::CommitmentMismatch,
        }
    }
}

/// A verifiable complaint of teller `accuser` against teller `accused`.
///
/// Encoding (208 bytes): `u32be accuser ‖ u32be accused ‖ encrypted share (104) ‖ β ‖ c ‖ z`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Complaint {
    /// ℓ.
    pub accuser: u32,
    /// i.
    pub accused: u32,
    /// The share as received.
    pub share: EncryptedShare,
    /// β = d_ℓ·α (reveals only this share's keys).
    pub dh: Element,
    /// Chaum–Pedersen proof that log_G E_ℓ = log_α β.
    pub proof: ChaumPedersenProof,
}

impl Complaint {
    /// Encoded length.
    pub const LEN: usize = 208;

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.accuser.to_be_bytes());
        out.extend_from_slice(&self.accused.to_be_bytes());
        out.extend_from_slice(&self.share.to_bytes());
        out.extend_from_slice(self.dh.as_bytes());
        self.proof.write(&mut out);
        out
    }

    /// Strict decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        expect_len(bytes, Self::LEN, "complaint")?;
        let mut r = Reader::new(bytes, "complaint");
        let accuser = r.u32()?;
        let accused = r.u32()?;
        let share = EncryptedShare::read(&mut r)?;
        let dh = r.element("complaint")?;
        let proof = ChaumPedersenProof::read(&mut r, "complaint proof")?;
        r.finish()?;
        Ok(Complaint {
            accuser,
            accused,
            share,
            dh,
            proof,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn complaint_challenge(
    election_id: &str,
    accuser: u32,
    accused: u32,
    ek: &Element,
    alpha: &Element,
    beta: &Element,
    t1: &[u8; 32],
    t2: &[u8; 32],
) -> Scalar {
    let mut tr = Transcript::new(domain::DKG_COMPLAINT);
    tr.field_str(election_id)
        .field_u32(accuser)
        .field_u32(accused)
        .field(ek.as_bytes())
        .field(alpha.as_bytes())
        .field(beta.as_bytes())
        .field(t1)
        .field(t2);
    tr.scalar()
}

/// Checks an encrypted share given the DH value; returns the share or why it is bad.
fn open_share(
    election_id: &str,
    msgs: &[Round1Message],
    share: &EncryptedShare,
    beta: &[u8; 32],
) -> core::result::Result<Scalar, ComplaintReason> {
    let sender = &msgs[share.from as usize - 1];
    let recipient = &msgs[share.to as usize - 1];
    let (mut k1, mut k2) = share_keys(
        election_id,
        share.from,
        share.to,
        &recipient.share_key,
        &share.alpha,
        beta,
    );
    let tag = share_tag(
        election_id,
        share.from,
        share.to,
        &recipient.share_key,
        &share.alpha,
        &share.ciphertext,
        &k2,
    );
    k2.zeroize();
    if !bool::from(tag.ct_eq(&share.tag)) {
        k1.zeroize();
        return Err(ComplaintReason::BadTag);
    }
    let mut plain = share.ciphertext;
    for (p, k) in plain.iter_mut().zip(k1.iter()) {
        *p ^= k;
    }
    k1.zeroize();
    let value: Option<Scalar> = Scalar::from_canonical_bytes(plain).into();
    plain.zeroize();
    let value = value.ok_or(ComplaintReason::NonCanonical)?;
    let expected = feldman_eval(&sender.commitments, share.to);
    if mul_g(&value) != expected {
        return Err(ComplaintReason::CommitmentMismatch);
    }
    Ok(value)
}

/// Result of checking a received share.
#[derive(Debug)]
pub enum ShareCheck {
    /// The share is good.
    Valid(ReceivedShare),
    /// The share is bad; publish this complaint.
    Invalid(Complaint),
}

fn check_share_indices(
    params: &DkgParams,
    msgs: &[Round1Message],
    share: &EncryptedShare,
) -> Result<()> {
    check_roster(params, msgs)?;
    params.check_index(share.from)?;
    params.check_index(share.to)?;
    if share.from == share.to {
        return Err(Error::params("a teller does not send a share to itself"));
    }
    Ok(())
}

/// Decrypts and checks a share addressed to `secrets`' teller. A bad share
/// yields a [`Complaint`] (draws one nonce for its proof).
pub fn receive_share(
    election_id: &str,
    params: &DkgParams,
    secrets: &TellerSecrets,
    msgs: &[Round1Message],
    share: &EncryptedShare,
    rng: &mut dyn CryptoRngCore,
) -> Result<ShareCheck> {
    check_share_indices(params, msgs, share)?;
    if share.to != secrets.index {
        return Err(Error::params(format!(
            "the share is addressed to teller {}, not {}",
            share.to, secrets.index
        )));
    }
    let beta_point = secrets.share_secret * share.alpha.point();
    let mut beta = beta_point.compress().to_bytes();
    let res = open_share(election_id, msgs, share, &beta);
    beta.zeroize();
    match res {
        Ok(value) => Ok(ShareCheck::Valid(ReceivedShare {
            from: share.from,
            value,
        })),
        Err(_) => {
            let dh = Element::from_point(beta_point);
            let ek = msgs[share.to as usize - 1].share_key;
            let proof = ChaumPedersenProof::prove(
                &secrets.share_secret,
                share.alpha.point(),
                rng,
                |t1, t2| {
                    complaint_challenge(
                        election_id,
                        share.to,
                        share.from,
                        &ek,
                        &share.alpha,
                        &dh,
                        t1,
                        t2,
                    )
                },
            );
            Ok(ShareCheck::Invalid(Complaint {
                accuser: share.to,
                accused: share.from,
                share: *share,
                dh,
                proof,
            }))
        }
    }
}

/// Checks a complaint. `Ok(reason)`: the complaint holds and the accused
/// teller sent a bad share. `Err(ComplaintRejected)`: the DH proof fails or
/// the share is in fact valid.
pub fn verify_complaint(
    election_id: &str,
    params: &DkgParams,
    msgs: &[Round1Message],
    complaint: &Complaint,
) -> Result<ComplaintReason> {
    let share = &complaint.share;
    check_share_indices(params, msgs, share)?;
    if complaint.accuser != share.to || complaint.accused != share.from {
        return Err(Error::ComplaintRejected {
            reason: "the indices do not match the share".into(),
        });
    }
    let ek = msgs[share.to as usize - 1].share_key;
    let ok = complaint.proof.verify(
        ek.point(),
        share.alpha.point(),
        complaint.dh.point(),
        |t1, t2| {
            complaint_challenge(
                election_id,
                share.to,
                share.from,
                &ek,
                &share.alpha,
                &complaint.dh,
                t1,
                t2,
            )
        },
    );
    if !ok {
        return Err(Error::ComplaintRejected {
            reason: "the Diffie–Hellman proof does not verify".into(),
        });
    }
    match open_share(election_id, msgs, share, complaint.dh.as_bytes()) {
        Ok(mut v) => {
            v.zeroize();
            Err(Error::ComplaintRejected {
                reason: "the share is valid".into(),
            })
        }
        Err(reason) => Ok(reason),
    }
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
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
        let complaint =
            match receive_share(eid, &params, &secrets[3], &msgs, &bad, &mut rng).unwrap() {
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
}
