//! The key ceremony as the log holds it (docs/E2E.md §10): each round's entry checked
//! against the book's tellers and what the earlier rounds logged, and the election key
//! recomputed from the commitments.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::{b64, crypto, Book, E2eError};
use crate::crypto::dkg::{
    joint_key, verification_key, verify_complaint, verify_round1, Complaint, EncryptedShare,
    Round1Message,
};
use crate::record::entry::{
    teller_statement, CeremonyCheck, CeremonyRestart, CeremonyRound1, CeremonyShares,
    ElectionKeySet,
};

impl Book {
    pub(super) fn check_signature(
        &self,
        index: u32,
        what: &str,
        context: &str,
        payload: &[u8],
        signature: &str,
    ) -> Result<(), E2eError> {
        let teller = self.teller(index).ok_or_else(|| {
            E2eError::Refused(format!(
                "没有第 {index} 号计票人 / there is no teller {index}"
            ))
        })?;
        let sig = b64(signature, "signature")?;
        let message = teller_statement(what, &self.election_id, context, payload);
        if teller.verify(&message, &sig) {
            Ok(())
        } else {
            Err(E2eError::Signature { index })
        }
    }

    fn all_round1(&self) -> Vec<Round1Message> {
        self.round1.values().cloned().collect()
    }

    // -------------------------------------------------------------- the ceremony

    /// A round-1 message: signed by its teller, proofs valid.
    pub fn round1(&mut self, b: &CeremonyRound1) -> Result<(), E2eError> {
        let bytes = b64(&b.message, "round-1 message")?;
        self.check_signature(
            b.index,
            "ceremony_round1",
            &b.attempt.to_string(),
            &bytes,
            &b.signature,
        )?;
        let msg = Round1Message::from_bytes(&self.params, &bytes)
            .map_err(crypto("第一轮消息", "round-1 message"))?;
        if msg.index != b.index {
            return Err(E2eError::Refused(
                "第一轮消息的计票人序号与条目不符 / the message's teller index differs from the entry's".into(),
            ));
        }
        verify_round1(&self.election_id, &self.params, &msg)
            .map_err(crypto("第一轮消息", "round-1 message"))?;
        self.round1.insert(b.index, msg);
        Ok(())
    }

    /// A teller's encrypted shares: one to each other teller, signed.
    pub fn shares(&mut self, b: &CeremonyShares) -> Result<(), E2eError> {
        let bytes = b64(&b.shares, "shares")?;
        self.check_signature(
            b.index,
            "ceremony_shares",
            &b.attempt.to_string(),
            &bytes,
            &b.signature,
        )?;
        if bytes.len() != EncryptedShare::LEN * (self.params.tellers as usize - 1) {
            return Err(E2eError::Refused(format!(
                "份额数不对 / {} bytes of shares, one for each of the {} other tellers expected",
                bytes.len(),
                self.params.tellers - 1
            )));
        }
        let shares: Vec<EncryptedShare> = bytes
            .chunks(EncryptedShare::LEN)
            .map(EncryptedShare::from_bytes)
            .collect::<Result<_, _>>()
            .map_err(crypto("加密份额", "encrypted share"))?;
        let mut to = 1u32;
        for s in &shares {
            if to == b.index {
                to += 1;
            }
            if s.from != b.index || s.to != to {
                return Err(E2eError::Refused(
                    "份额的发送人或接收人不对 / a share's sender or recipient is wrong (one to each other teller, in order)".into(),
                ));
            }
            to += 1;
        }
        self.shares.insert(b.index, shares);
        Ok(())
    }

    /// A teller's check: with no complaint, `Ok` of nothing. A complaint must name a share
    /// that was logged and hold (`Ok` of the accused tellers: the attempt fails and the next
    /// starts afresh); a complaint that does not hold is refused, so no teller can stall the
    /// ceremony with one.
    pub fn check(&mut self, b: &CeremonyCheck) -> Result<Vec<u32>, E2eError> {
        // At most one complaint against each other teller: more is work for the sequencer,
        // never a reason (each one is verified before the entry is logged).
        if b.complaints.len() >= self.params.tellers as usize {
            return Err(E2eError::Refused(format!(
                "申诉最多 {} 条 (每名其他计票人一条) / at most {} complaints (one per other teller)",
                self.params.tellers - 1,
                self.params.tellers - 1
            )));
        }
        let mut payload = Vec::new();
        let mut complaints = Vec::new();
        for c in &b.complaints {
            let bytes = b64(c, "complaint")?;
            payload.extend_from_slice(&bytes);
            complaints.push(Complaint::from_bytes(&bytes).map_err(crypto("申诉", "complaint"))?);
        }
        self.check_signature(
            b.index,
            "ceremony_check",
            &b.attempt.to_string(),
            &payload,
            &b.signature,
        )?;
        let msgs = self.all_round1();
        let mut accused = std::collections::BTreeSet::new();
        for c in &complaints {
            if !accused.insert(c.accused) {
                return Err(E2eError::Refused(
                    "同一名计票人被申诉了两次 / the same teller is complained of twice".into(),
                ));
            }
            if c.accuser != b.index {
                return Err(E2eError::Refused(
                    "申诉人不是提交这条的计票人 / the complaint's accuser is not the teller of the entry".into(),
                ));
            }
            let logged = self
                .shares
                .get(&c.accused)
                .and_then(|v| v.iter().find(|s| s.to == c.accuser));
            if logged != Some(&c.share) {
                return Err(E2eError::Refused(
                    "申诉所指的份额不是日志中记录的 / the complained-of share is not the one logged".into(),
                ));
            }
            verify_complaint(&self.election_id, &self.params, &msgs, c)
                .map_err(crypto("申诉", "complaint"))?;
        }
        if complaints.is_empty() {
            return Ok(Vec::new());
        }
        self.round1.clear();
        self.shares.clear();
        Ok(accused.into_iter().collect())
    }

    /// A teller's restart of the attempt in progress: signed by the teller over its reason;
    /// the attempt's messages are dropped (the next attempt starts from round 1).
    pub fn restart(&mut self, b: &CeremonyRestart) -> Result<(), E2eError> {
        self.check_signature(
            b.index,
            "ceremony_restart",
            &b.attempt.to_string(),
            b.reason.as_bytes(),
            &b.signature,
        )?;
        self.round1.clear();
        self.shares.clear();
        Ok(())
    }

    /// The election key: the joint key of the completed attempt and every teller's K_ℓ,
    /// recomputed from the commitments; the entry must say exactly that.
    pub fn key_set(&mut self, b: &ElectionKeySet) -> Result<(), E2eError> {
        let msgs = self.all_round1();
        let key = joint_key(&self.params, &msgs).map_err(crypto("联合密钥", "joint key"))?;
        let mut vks = Vec::with_capacity(msgs.len());
        for i in 1..=self.params.tellers {
            vks.push(
                verification_key(&self.params, &msgs, i)
                    .map_err(crypto("验证密钥", "verification key"))?,
            );
        }
        let logged = b64(&b.key, "key")?;
        let logged_vks: Vec<Vec<u8>> = b
            .verification_keys
            .iter()
            .map(|v| b64(v, "verification key"))
            .collect::<Result<_, _>>()?;
        if logged != key.element().as_bytes()
            || b.fingerprint != key.fingerprint()
            || logged_vks.len() != vks.len()
            || logged_vks.iter().zip(&vks).any(|(l, v)| l != v.as_bytes())
        {
            return Err(E2eError::Refused(
                "选举密钥与承诺算出的不同 / the election key differs from the one the commitments give".into(),
            ));
        }
        self.key = Some((key, vks));
        Ok(())
    }

    /// The election-key entry for the completed attempt.
    pub fn key_entry(&self, attempt: u32) -> Result<ElectionKeySet, E2eError> {
        let msgs = self.all_round1();
        let key = joint_key(&self.params, &msgs).map_err(crypto("联合密钥", "joint key"))?;
        let mut vks = Vec::new();
        for i in 1..=self.params.tellers {
            vks.push(
                BASE64.encode(
                    verification_key(&self.params, &msgs, i)
                        .map_err(crypto("验证密钥", "verification key"))?
                        .as_bytes(),
                ),
            );
        }
        Ok(ElectionKeySet {
            attempt,
            key: BASE64.encode(key.element().as_bytes()),
            fingerprint: key.fingerprint(),
            verification_keys: vks,
        })
    }
}
