//! A registered teller's signature on a change to the figures a count uses (protocol 8):
//! a correction of a contest's eligible, present and issued figures (`turnout_corrected`)
//! and the meeting's decision to reduce a party contest's seats (`seats_reduced`); and
//! (protocol 9) on each paper ballot as it is keyed: a double-entry keying (`paper_keyed`)
//! and a single-entry paper ballot (`paper_ballot`), so that the two keyings of a sheet are
//! two teller keys, not two accounts an organiser made.
//!
//! The two entries used to carry only account names, which the service writes: an
//! organiser, who can create accounts of every role, could be both people of a correction,
//! and the server's operator could write any names. A teller's key is registered in entry 0
//! and never reaches the service, so its signature is a second person the log can check.
//! The message is the ceremony's teller statement (`entry::teller_statement`,
//! docs/LOG_FORMAT.md, "Protocol 8"), so no signature over one kind of statement is valid
//! as another.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::entry::{teller_statement, SeatsReduced, TurnoutCorrected};
use super::note::{Signer, Verifier};
use crate::codes::Code;
use crate::rules::conduct::Attest;

/// Who signed, and the signature: `teller` is the teller's index ℓ among entry 0's
/// `tellers` (1-based), `signature` base64 of the 64-byte Ed25519 signature of
/// [`Attestation::message`] by that teller's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attested {
    pub teller: u32,
    pub signature: String,
}

/// A paper keying's signature as handed in with it (protocol 9): the ballot line's JSON text
/// as the teller keyed and signed it (none for a withdrawal), and the signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyedBy {
    pub keyed: Option<String>,
    pub attested: Option<Attested>,
}

/// What a teller attests.
#[derive(Clone, Copy, Debug)]
pub enum Attestation<'a> {
    /// A correction of its contest, with the number of corrections of that contest logged
    /// before it (so a signed correction cannot be logged again after a later one).
    Correction {
        position: u32,
        body: &'a TurnoutCorrected,
    },
    /// A seat reduction (at most one per contest).
    Reduction(&'a SeatsReduced),
    /// One teller's keying of a sheet of a double-entry contest, or its withdrawal
    /// (`keyed` None), with the number of keyings of the contest logged before it (so that
    /// no keying can be logged again, or in another order, to make two tellers agree on
    /// what they did not agree on at the time).
    Keying {
        contest: &'a str,
        /// The log's identity: entry 0's hash.
        log: [u8; 32],
        position: u64,
        sheet: u64,
        keyed: Option<&'a str>,
    },
    /// A paper ballot of a single-entry contest, with the number of the contest's paper
    /// ballots its key signed before it: each signature counts once (a ballot signed again
    /// after a refusal is not a second ballot); one key's ballots stand in the order it
    /// signed them, different keys' interleave as they came.
    Paper {
        contest: &'a str,
        /// The log's identity: entry 0's hash.
        log: [u8; 32],
        count: u64,
        keyed: &'a str,
    },
}

impl Attestation<'_> {
    /// The entry kind's id, the statement's `what`.
    pub fn what(&self) -> &'static str {
        match self {
            Attestation::Correction { .. } => "turnout_corrected",
            Attestation::Reduction(_) => "seats_reduced",
            Attestation::Keying { .. } => "paper_keyed",
            Attestation::Paper { .. } => "paper_ballot",
        }
    }

    /// The statement's `context`: the contest id.
    pub fn contest(&self) -> &str {
        match self {
            Attestation::Correction { body, .. } => &body.contest,
            Attestation::Reduction(b) => &b.contest,
            Attestation::Keying { contest, .. } | Attestation::Paper { contest, .. } => contest,
        }
    }

    /// The statement's payload.
    ///
    /// correction: `position u32 BE ‖ eligible u64 BE ‖ present u64 BE ‖ ballots_issued u64 BE ‖
    /// reason (UTF-8)`; seat reduction: `reduced_by u32 BE ‖ seats u32 BE ‖ basis (UTF-8)`;
    /// keying: `log (32 bytes) ‖ position u64 BE ‖ sheet u64 BE ‖ keyed (UTF-8; empty for a
    /// withdrawal)`; single-entry paper ballot: `log (32 bytes) ‖ count u64 BE ‖ keyed (UTF-8)`,
    /// `log` entry 0's hash (a rehearsal under the same election id is another log).
    /// The names of the accounts are not signed: they are the service's word.
    pub fn payload(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(64);
        match self {
            Attestation::Correction { position, body } => {
                p.extend_from_slice(&position.to_be_bytes());
                p.extend_from_slice(&body.eligible.to_be_bytes());
                p.extend_from_slice(&body.present.to_be_bytes());
                p.extend_from_slice(&body.ballots_issued.to_be_bytes());
                p.extend_from_slice(body.reason.as_bytes());
            }
            Attestation::Reduction(b) => {
                p.extend_from_slice(&b.reduced_by.to_be_bytes());
                p.extend_from_slice(&b.seats.to_be_bytes());
                p.extend_from_slice(b.basis.as_bytes());
            }
            Attestation::Keying {
                log,
                position,
                sheet,
                keyed,
                ..
            } => {
                p.extend_from_slice(log);
                p.extend_from_slice(&position.to_be_bytes());
                p.extend_from_slice(&sheet.to_be_bytes());
                p.extend_from_slice(keyed.unwrap_or_default().as_bytes());
            }
            Attestation::Paper {
                log, count, keyed, ..
            } => {
                p.extend_from_slice(log);
                p.extend_from_slice(&count.to_be_bytes());
                p.extend_from_slice(keyed.as_bytes());
            }
        }
        p
    }

    /// The bytes the teller's key signs.
    pub fn message(&self, election_id: &str) -> Vec<u8> {
        teller_statement(self.what(), election_id, self.contest(), &self.payload())
    }

    /// Signs it with a teller key file's key.
    pub fn sign(&self, signer: &Signer, election_id: &str) -> String {
        use ed25519_dalek::Signer as _;
        BASE64.encode(
            signer
                .signing_key()
                .sign(&self.message(election_id))
                .to_bytes(),
        )
    }

    /// Checks `attested` against the registered tellers: the teller exists and its key
    /// signed this statement. Answers the teller's key name.
    pub fn check(
        &self,
        tellers: &[Verifier],
        election_id: &str,
        attested: &Attested,
    ) -> Result<String, AttestError> {
        let key = tellers
            .get((attested.teller as usize).wrapping_sub(1))
            .ok_or(AttestError::NoSuchTeller(attested.teller))?;
        let sig = BASE64
            .decode(attested.signature.as_bytes())
            .map_err(|_| AttestError::Signature(attested.teller))?;
        if key.verify(&self.message(election_id), &sig) {
            Ok(key.name().to_string())
        } else {
            Err(AttestError::Signature(attested.teller))
        }
    }
}

/// An entry's attestation as the rules take it (`rules::conduct::Attest`), with the signing
/// key's name ("" when none): none given, given and wrong (why), or by teller ℓ.
pub fn checked(
    what: Attestation<'_>,
    tellers: &[Verifier],
    election_id: &str,
    attested: Option<&Attested>,
) -> (Attest, String) {
    match attested {
        None => (Attest::None, String::new()),
        Some(a) => match what.check(tellers, election_id, a) {
            Ok(key) => (Attest::By(a.teller), key),
            Err(e) => (Attest::Invalid(e.to_string()), String::new()),
        },
    }
}

/// The statement a logged single-entry `paper_ballot`'s signature must be of (protocol 9),
/// given its contest's state before it: the count is the one of the key the entry names.
pub fn paper_statement<'a>(
    before: &crate::rules::conduct::ContestConduct,
    b: &'a super::entry::PaperBallot,
    log: [u8; 32],
) -> Attestation<'a> {
    let key = b.attested.as_ref().map_or(0, |a| a.teller);
    Attestation::Paper {
        contest: &b.contest,
        log,
        count: before.paper_signed.get(&key).copied().unwrap_or(0),
        keyed: b.keyed.as_deref().unwrap_or_default(),
    }
}

/// The statement a logged `paper_keyed`'s signature must be of (protocol 9), given its
/// contest's state before it.
pub fn keying_statement<'a>(
    before: &crate::rules::conduct::ContestConduct,
    b: &'a super::entry::PaperKeyed,
    log: [u8; 32],
) -> Attestation<'a> {
    Attestation::Keying {
        contest: &b.contest,
        log,
        position: before.keyings_logged,
        sheet: b.sheet,
        keyed: b.keyed.as_deref(),
    }
}

/// What a log's entry 0 registers that a paper entry's signature (protocol 9) is checked
/// against: one check of `paper_ballot` and `paper_keyed` entries for the ledger, which runs
/// it before it appends, and for `verify`. `election` is the election as it stands.
pub struct PaperSigners<'a> {
    pub tellers: &'a [Verifier],
    pub election_id: &'a str,
    /// The log's identity: entry 0's hash.
    pub log: [u8; 32],
}

impl PaperSigners<'_> {
    /// A logged `paper_ballot`'s attestation as the rules take it, given its contest's state
    /// before it.
    pub fn paper_ballot(
        &self,
        election: &crate::rules::Election,
        before: &crate::rules::conduct::ContestConduct,
        b: &super::entry::PaperBallot,
    ) -> Attest {
        self.checked(
            election,
            paper_statement(before, b, self.log),
            b.keyed.as_deref(),
            Some(&b.ballot),
            b.attested.as_ref(),
        )
    }

    /// A logged `paper_keyed`'s attestation as the rules take it, given its contest's state
    /// before it.
    pub fn keying(
        &self,
        election: &crate::rules::Election,
        before: &crate::rules::conduct::ContestConduct,
        b: &super::entry::PaperKeyed,
    ) -> Attest {
        self.checked(
            election,
            keying_statement(before, b, self.log),
            b.keyed.as_deref(),
            b.ballot.as_ref(),
            b.attested.as_ref(),
        )
    }

    fn checked(
        &self,
        election: &crate::rules::Election,
        what: Attestation<'_>,
        keyed: Option<&str>,
        ballot: Option<&serde_json::Value>,
        attested: Option<&Attested>,
    ) -> Attest {
        checked_paper(
            what,
            keyed,
            ballot,
            election,
            self.tellers,
            self.election_id,
            attested,
        )
        .0
    }
}

/// A paper entry's attestation (protocol 9) as the rules take it, with the signing key's
/// name: [`checked`], after the signed text is found to be the logged ballot line. `keyed`
/// is the entry's text as the teller keyed and signed it, `ballot` its logged line (both
/// absent for a withdrawal): the text, parsed and cleaned as the service logs a keyed line
/// ([`clean_ballot_line`](super::ballot::clean_ballot_line)), must be exactly that line.
/// A text without a signature is refused, like a signature of an older protocol's entry.
/// `what` is the statement the signature must be of, its text `keyed`.
fn checked_paper(
    what: Attestation<'_>,
    keyed: Option<&str>,
    ballot: Option<&serde_json::Value>,
    election: &crate::rules::Election,
    tellers: &[Verifier],
    election_id: &str,
    attested: Option<&Attested>,
) -> (Attest, String) {
    let invalid = |why: &str| (Attest::Invalid(why.to_string()), String::new());
    let Some(attested) = attested else {
        return match keyed {
            Some(_) => invalid(
                "录入原文 keyed 须带计票人签名 / the keyed text comes with a teller's signature",
            ),
            None => (Attest::None, String::new()),
        };
    };
    match (keyed, ballot) {
        (None, None) => {}
        (Some(text), Some(line)) => {
            let logged = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| super::ballot::clean_ballot_line(election, 1, &v).ok())
                .map(|(_, _, logged)| logged);
            if logged.as_ref() != Some(line) {
                return invalid("签署的录入原文 keyed 与记录的选票不符 / the keyed text the teller signed is not the ballot logged");
            }
        }
        _ => {
            return invalid("录入须带其签署的原文 keyed (撤回则都不带) / a keying carries the text its teller signed (a withdrawal carries neither)");
        }
    }
    checked(what, tellers, election_id, Some(attested))
}

/// The index of a teller key file's key among the registered tellers (1-based): the same
/// name, key ID and public key. A key file with a registered teller's name and another key
/// (an old one, or one made again with `teller keygen`) is refused with that said.
pub fn teller_index(tellers: &[Verifier], signer: &Signer) -> Result<u32, String> {
    let mine = signer.verifier().map_err(|e| e.to_string())?.to_text();
    if let Some(p) = tellers.iter().position(|t| t.to_text() == mine) {
        return u32::try_from(p + 1).map_err(|e| e.to_string());
    }
    let name = signer.name();
    Err(if tellers.iter().any(|t| t.name() == name) {
        format!("密钥文件 “{name}” 与登记的计票人 {name} 的公钥不符 (是不是旧的或重新生成的密钥文件?) / the key file “{name}” does not match the public key registered for teller {name} (an old key file, or one made again?)")
    } else {
        format!("密钥 “{name}” 不是这次选举登记的计票人 / key “{name}” is not a registered teller of this election")
    })
}

/// Why an attestation was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttestError {
    #[error("没有第 {0} 号登记的计票人 / there is no registered teller {0}")]
    NoSuchTeller(u32),
    #[error("第 {0} 号计票人的签名不对 (签的不是这份更正、决定或录入, 或不是这把密钥签的) / teller {0}'s signature does not verify (it signs something else, or another key made it)")]
    Signature(u32),
}

impl AttestError {
    pub fn code(&self) -> Code {
        Code::AttestationInvalid
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::record::entry::PersonBody;
    use ed25519_dalek::SigningKey;

    fn key(name: &str, seed: u8) -> Signer {
        Signer::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
    }

    /// A key file is found among the registered tellers by its key, not its name: one made
    /// again under a registered name is refused, and says so.
    #[test]
    fn a_teller_is_found_by_key_not_by_name() {
        let tellers = vec![
            key("teller-li", 1).verifier().unwrap(),
            key("teller-wang", 2).verifier().unwrap(),
        ];
        assert_eq!(teller_index(&tellers, &key("teller-wang", 2)), Ok(2));
        let again = teller_index(&tellers, &key("teller-wang", 3)).unwrap_err();
        assert!(again.contains("does not match the public key"), "{again}");
        let stranger = teller_index(&tellers, &key("teller-zhao", 2)).unwrap_err();
        assert!(stranger.contains("not a registered teller"), "{stranger}");
    }

    /// A signature is good for what it signs only: another position, figure, contest or
    /// election, or another teller's index, is refused.
    #[test]
    fn a_signature_is_bound_to_what_it_signs() {
        let wang = key("teller-wang", 2);
        let tellers = vec![
            key("teller-li", 1).verifier().unwrap(),
            wang.verifier().unwrap(),
        ];
        let body = TurnoutCorrected {
            contest: "d1".into(),
            eligible: 10,
            present: 8,
            ballots_issued: 8,
            reason: "r".into(),
            proposed_by: PersonBody {
                name: "a".into(),
                role: "teller".into(),
            },
            approved_by: PersonBody {
                name: "b".into(),
                role: "organiser".into(),
            },
            attested: None,
        };
        let signed = Attestation::Correction {
            position: 0,
            body: &body,
        };
        let a = Attested {
            teller: 2,
            signature: signed.sign(&wang, "e-2026"),
        };
        assert_eq!(
            signed.check(&tellers, "e-2026", &a),
            Ok("teller-wang".into())
        );
        let mut other = body.clone();
        other.present = 9;
        let mut elsewhere = body.clone();
        elsewhere.contest = "d2".into();
        for (what, election) in [
            (
                Attestation::Correction {
                    position: 1,
                    body: &body,
                },
                "e-2026",
            ),
            (
                Attestation::Correction {
                    position: 0,
                    body: &other,
                },
                "e-2026",
            ),
            (
                Attestation::Correction {
                    position: 0,
                    body: &elsewhere,
                },
                "e-2026",
            ),
            (signed, "e-2027"),
        ] {
            assert_eq!(
                what.check(&tellers, election, &a),
                Err(AttestError::Signature(2))
            );
        }
        let li = Attested {
            teller: 1,
            ..a.clone()
        };
        assert_eq!(
            signed.check(&tellers, "e-2026", &li),
            Err(AttestError::Signature(1))
        );
        let nobody = Attested { teller: 0, ..a };
        assert_eq!(
            signed.check(&tellers, "e-2026", &nobody),
            Err(AttestError::NoSuchTeller(0))
        );
    }

    /// Protocol 9: a paper keying's signature is good in its own log only (entry 0's hash):
    /// one made in a rehearsal under the same election id, at the same place, is refused;
    /// so is one of another place, sheet or text, and a withdrawal is not a keying.
    #[test]
    fn a_keying_is_bound_to_its_log_and_place() {
        let wang = key("teller-wang", 2);
        let tellers = vec![wang.verifier().unwrap()];
        let keying =
            |log: u8, position: u64, sheet: u64, keyed: Option<&'static str>| Attestation::Keying {
                contest: "p",
                log: [log; 32],
                position,
                sheet,
                keyed,
            };
        let text = r#"{"contest":"p","marks":{"a":"for"}}"#;
        let a = Attested {
            teller: 1,
            signature: keying(1, 4, 2, Some(text)).sign(&wang, "e-2026"),
        };
        assert!(keying(1, 4, 2, Some(text))
            .check(&tellers, "e-2026", &a)
            .is_ok());
        for other in [
            keying(2, 4, 2, Some(text)),
            keying(1, 5, 2, Some(text)),
            keying(1, 4, 3, Some(text)),
            keying(1, 4, 2, Some(r#"{"contest":"p","marks":{}}"#)),
            keying(1, 4, 2, None),
        ] {
            assert_eq!(
                other.check(&tellers, "e-2026", &a),
                Err(AttestError::Signature(1))
            );
        }
        // A single-entry ballot's signature is not a keying's, even with the same bytes after
        // the log's identity.
        let paper = Attestation::Paper {
            contest: "p",
            log: [1; 32],
            count: 4,
            keyed: text,
        };
        assert_eq!(
            paper.check(&tellers, "e-2026", &a),
            Err(AttestError::Signature(1))
        );
    }
}
