//! Round 2 of the ceremony: shares encrypted teller to teller (HMAC-SHA-256 keyed by a Diffie-Hellman secret), received and checked against the Feldman commitments, and complaints with their proofs.

use super::*;

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
pub(super) fn lp(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    out
}

pub(super) fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
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
pub(super) fn share_keys(
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

pub(super) fn share_tag(
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
    pub(super) from: u32,
    pub(super) value: Scalar,
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
pub(super) fn complaint_challenge(
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
pub(super) fn open_share(
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

pub(super) fn check_share_indices(
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
    let mut beta_point = secrets.share_secret * share.alpha.point();
    let mut beta = beta_point.compress().to_bytes();
    let res = open_share(election_id, msgs, share, &beta);
    beta.zeroize();
    match res {
        Ok(value) => {
            // Only a complaint publishes it.
            beta_point.zeroize();
            Ok(ShareCheck::Valid(ReceivedShare {
                from: share.from,
                value,
            }))
        }
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
