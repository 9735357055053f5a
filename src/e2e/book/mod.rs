//! The cryptographic record of an encrypted election, entry by entry: the key ceremony
//! ([`Book`]: small, checked on a copy before anything is appended) and the per-contest
//! tallies ([`ContestTally`] in [`Book::tallies`]: the homomorphic sums, the write-in names
//! and their shuffles, the decryption shares).
//!
//! Every `check_*` reads and returns what the matching `apply_*` adds; nothing changes on a
//! refusal.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity;

use super::{context, crypto, shape_of, E2eError};
use crate::crypto::ballot::ContestSums;
use crate::crypto::decrypt::{verify_decryption_share, Combiner, DecryptionShare, DlogTable};
use crate::crypto::dkg::{DkgParams, EncryptedShare, Round1Message};
use crate::crypto::group::Element;
use crate::crypto::names::decode_name;
use crate::crypto::shuffle::{verify_shuffle, CiphertextVector, ShuffleProof};
use crate::crypto::{
    verify_contests_batch, BatchItem, Ciphertext, ContestPlaintext, ContestShape, ElectionKey,
    EncryptedContest,
};
use crate::record::encrypted::EncryptedBallotBody;
use crate::record::entry::{DecryptionSharesBody, ShuffleBody, Style};
use crate::record::note::Verifier;
use crate::rules::conduct::{ConductError, SharesEntry};
use crate::rules::Election;

mod ceremony;
mod codec;
mod counting;
mod saved;
pub use codec::*;

fn b64(s: &str, what: &'static str) -> Result<Vec<u8>, E2eError> {
    BASE64
        .decode(s)
        .map_err(|_| E2eError::Refused(format!("{what}: 不是 base64 / not base64")))
}

/// The key ceremony and the election key, as the log holds them.
#[derive(Clone)]
pub struct Book {
    election_id: String,
    params: DkgParams,
    tellers: Vec<Verifier>,
    round1: BTreeMap<u32, Round1Message>,
    shares: BTreeMap<u32, Vec<EncryptedShare>>,
    key: Option<(ElectionKey, Vec<Element>)>,
    /// Per (contest, evaluator group): what the encrypted ballots add up to.
    pub tallies: BTreeMap<(String, String), ContestTally>,
    /// Whether [`Book::check_shuffle`] and [`Book::check_shares`] verify their zero-knowledge
    /// proofs. Only a teller replaying a prefix of the log it verified before, byte for byte
    /// (the same Merkle root), turns this off, and only for that prefix
    /// (`verify::verify_export_trusting`); everything else is still decoded and checked.
    pub(crate) proofs: bool,
    /// Whether [`Book::decode_ballot`] leaves each contest's proofs in their bytes, to be
    /// decoded where they are verified: set by the verifier's replay, which verifies them on
    /// proof threads while it goes on (`verify::replay`).
    pub(crate) defer_proofs: bool,
    /// Protocol 3: totals first, write-in names only when the decrypted write-in count is
    /// above zero (`Conduct::names_after_flags`).
    flags_first: bool,
    /// Protocol 4: each write-in line is the vector (flag, name₀, name₁), shuffled and
    /// decrypted whole, so a name counts only on a line its ballot marked
    /// (`Conduct::names_with_flags`); before, (name₀, name₁).
    names_with_flags: bool,
}

/// One contest's (and evaluator group's) encrypted ballots, summed.
#[derive(Clone)]
pub struct ContestTally {
    pub shape: ContestShape,
    pub ballots: u64,
    sums: Vec<(RistrettoPoint, RistrettoPoint)>,
    /// The write-in names in log order (one vector per write-in line: its name's two
    /// ciphertexts, after its flag's in protocol 4), after any `saved_names`.
    names: Vec<CiphertextVector>,
    /// The names of a prefix a teller saved in an earlier run, still encoded: decoded the
    /// first time they are needed ([`ContestTally::current_names`]), which for most contests
    /// is never (protocol 3 decrypts names only when someone wrote one in).
    saved_names: Option<saved::SavedNames>,
    /// The latest shuffle's output, and who shuffled, in order.
    shuffled: Option<Vec<CiphertextVector>>,
    pub shufflers: Vec<u32>,
    total_shares: BTreeMap<u32, Vec<DecryptionShare>>,
    name_shares: BTreeMap<u32, Vec<DecryptionShare>>,
    /// Protocol 3: the write-in count Σ flags, decrypted once `threshold` tellers gave
    /// shares of the totals (0 for a contest without write-in lines).
    pub flags: Option<u64>,
}

/// What the tellers' shares decrypt to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decrypted {
    /// Electronic ballots counted.
    pub ballots: u64,
    /// The totals in aggregation order (docs/E2E.md §8.5).
    pub totals: Vec<u64>,
    /// The non-empty write-in names, sorted (protocol 4: of the lines marked as written in).
    pub names: Vec<String>,
    /// Protocol 4: marked write-in lines whose name does not decode or is empty (they count
    /// for no one, as a blank line).
    pub undecodable: u64,
    /// Protocol 4: lines not marked as written in that carry a name anyway (a kiosk that
    /// does not follow the protocol): not counted.
    pub unmarked: u64,
    /// The tellers whose shares were combined.
    pub tellers: Vec<u32>,
}

/// One decoded contest of a ballot: whole, with its proofs; its ciphertexts decoded and its
/// proofs still in their bytes, decoded where they are verified (a replay's proof thread,
/// `Book::defer_proofs`); or its ciphertexts only, when its proofs are not to be
/// verified (the book's `proofs` off: a prefix a teller verified before).
enum Decoded {
    Full(Box<EncryptedContest>),
    Deferred(ContestSums, Vec<u8>),
    Sums(ContestSums),
}

/// How [`Book::decode_lines`] decodes each contest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    Full,
    Deferred,
    Sums,
}

/// A checked encrypted ballot, ready to be added to the tallies.
pub struct CheckedBallot {
    lines: Vec<(String, String, ContestShape, Decoded)>,
    /// SHA-256 of each contest's encrypted bytes, in line order: what a spoiled ballot is
    /// recognised by, should its contests be offered for casting (docs/E2E.md §8.6).
    pub digests: Vec<[u8; 32]>,
    /// [`ciphertext_alphas`] of each contest, in line order: what a spoiled ballot's
    /// ciphertexts are recognised by, should one be offered for casting under fresh proofs.
    pub alphas: Vec<[u8; 32]>,
    /// The ballot's confirmation hash, when the caller computed it off the sequencer
    /// (`Ledger::prepare_encrypted`).
    pub confirmation: Option<[u8; 32]>,
}

/// The SHA-256 of one encrypted contest's bytes (`CheckedBallot::digests`).
pub fn line_digest(ballot: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(ballot).into()
}

/// The 32 bytes at every offset `2 + 64·i` of one encrypted contest (docs/E2E.md §7): the α
/// of each of its ciphertexts, and, past them, proof bytes at those offsets. A spoiled
/// ballot publishes its nonces, so any of its ciphertexts, proven again under fresh proofs
/// (which anyone holding the nonces can make) or moved into another contest's bytes, would
/// be a cast vote anyone can decrypt: the cast-or-check rules refuse a cast holding one
/// (`e2e::challenges`). Taken without the contest's shape, the same way for a cast and a
/// spoiled contest; an α is a random point, so the proof bytes taken along never match one.
pub fn ciphertext_alphas(ballot: &[u8]) -> impl Iterator<Item = [u8; 32]> + '_ {
    ballot
        .get(2..)
        .unwrap_or_default()
        .chunks_exact(64)
        .filter_map(|c| c.get(..32).and_then(|a| <[u8; 32]>::try_from(a).ok()))
}

/// What a check of a shuffle or of decryption shares read of its contest's tally: its
/// ballots, how many shuffles, how many tellers' shares of the totals and of the names, and
/// the write-in count. Each only grows as the log does, so an equal basis means that nothing
/// the check read has changed since ([`Book::holds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Basis {
    ballots: u64,
    shuffles: usize,
    total_shares: usize,
    name_shares: usize,
    flags: Option<u64>,
}

/// A checked shuffle or set of decryption shares, ready to be recorded.
pub enum CheckedStep {
    Shuffle {
        key: (String, String),
        index: u32,
        output: Vec<CiphertextVector>,
        /// The tally it was checked against.
        basis: Basis,
    },
    Shares {
        key: (String, String),
        index: u32,
        /// The tally they were checked against.
        basis: Basis,
        /// Shares of the totals (protocol ≤ 2: always; protocol 3: in a totals entry).
        totals: Option<Vec<DecryptionShare>>,
        /// Shares of the names (protocol ≤ 2: always, empty without names; protocol 3: in
        /// a names entry).
        names: Option<Vec<DecryptionShare>>,
        /// Protocol 3: the write-in count, when these shares are the `threshold`-th of the
        /// totals.
        flags: Option<u64>,
    },
}

impl CheckedStep {
    /// Whether this is the checked step of a shuffle (`shuffle`) or of decryption shares
    /// of `contest` (evaluator `group`) by teller `index`: what the ledger asks before it
    /// applies a step checked earlier instead of checking the entry again.
    pub fn is_for(&self, shuffle: bool, contest: &str, group: &str, index: u32) -> bool {
        let (key, i) = match self {
            CheckedStep::Shuffle { key, index, .. } if shuffle => (key, index),
            CheckedStep::Shares { key, index, .. } if !shuffle => (key, index),
            _ => return false,
        };
        key.0 == contest && key.1 == group && *i == index
    }

    fn basis(&self) -> Basis {
        match self {
            CheckedStep::Shuffle { basis, .. } | CheckedStep::Shares { basis, .. } => *basis,
        }
    }
}

impl ContestTally {
    fn new(shape: ContestShape) -> ContestTally {
        let len = match &shape {
            ContestShape::Candidate(s) => {
                s.candidates as usize * (1 + usize::from(s.against)) + s.write_in_lines as usize + 1
            }
            ContestShape::Evaluation(s) => 4 * s.subjects as usize,
        };
        ContestTally {
            shape,
            ballots: 0,
            sums: vec![(RistrettoPoint::identity(), RistrettoPoint::identity()); len],
            names: Vec::new(),
            saved_names: None,
            shuffled: None,
            shufflers: Vec::new(),
            total_shares: BTreeMap::new(),
            name_shares: BTreeMap::new(),
            flags: None,
        }
    }

    /// What a check of a step reads of this tally (see [`Basis`]).
    pub fn basis(&self) -> Basis {
        Basis {
            ballots: self.ballots,
            shuffles: self.shufflers.len(),
            total_shares: self.total_shares.len(),
            name_shares: self.name_shares.len(),
            flags: self.flags,
        }
    }

    /// The summed ciphertexts, in aggregation order.
    pub fn sums(&self) -> Vec<Ciphertext> {
        self.sums
            .iter()
            .map(|(a, b)| Ciphertext {
                alpha: Element::from_point(*a),
                beta: Element::from_point(*b),
            })
            .collect()
    }

    /// Whether the contest's ballots carry write-in names to shuffle.
    pub fn has_names(&self) -> bool {
        !self.names.is_empty() || self.saved_names.as_ref().is_some_and(|n| n.count > 0)
    }

    /// The names a shuffle or a decryption starts from: the latest shuffle's output, or the
    /// names in log order. Saved names are decoded here the first time (an error if they do
    /// not decode).
    pub fn current_names(&self) -> Result<&[CiphertextVector], E2eError> {
        if let Some(s) = &self.shuffled {
            return Ok(s);
        }
        match &self.saved_names {
            None => Ok(&self.names),
            Some(saved) => saved.with(&self.names),
        }
    }

    /// Tellers who gave decryption shares (of the totals).
    pub fn share_tellers(&self) -> Vec<u32> {
        self.total_shares.keys().copied().collect()
    }

    /// Protocol 3: tellers who gave decryption shares of the shuffled names.
    pub fn name_share_tellers(&self) -> Vec<u32> {
        self.name_shares.keys().copied().collect()
    }

    /// Protocol 3: the write-in count is known and above zero, so the names are shuffled
    /// and decrypted.
    pub fn names_due(&self) -> bool {
        self.has_names() && self.flags.is_some_and(|f| f > 0)
    }

    /// The positions of the write-in flags among the sums (docs/E2E.md §8.5).
    fn flag_slots(&self) -> std::ops::Range<usize> {
        match &self.shape {
            ContestShape::Candidate(s) => {
                let first = s.candidates as usize * (1 + usize::from(s.against));
                first..first + s.write_in_lines as usize
            }
            ContestShape::Evaluation(_) => 0..0,
        }
    }
}

/// The election and joint key that ballots' proofs are checked under, apart from the book
/// ([`Book::ballot_proofs`]): the verifier checks batches on a second thread with it while
/// its replay goes on (`verify::replay`).
#[derive(Clone, Debug)]
pub struct BallotProofs {
    election_id: String,
    key: crate::crypto::ElectionKey,
}

impl BallotProofs {
    /// Whether these are the book's election and key (the key never changes once set).
    pub fn is_for(&self, book: &Book) -> bool {
        self.election_id == book.election_id
            && book
                .key()
                .is_some_and(|k| k.element().as_bytes() == self.key.element().as_bytes())
    }

    /// As [`Book::verify_ballots`].
    pub fn verify(&self, ballots: &[(&CheckedBallot, [u8; 16])]) -> Result<(), (usize, E2eError)> {
        verify_ballots_under(&self.election_id, &self.key, ballots)
    }
}

/// The batch check of [`Book::verify_ballots`] and [`BallotProofs::verify`].
fn verify_ballots_under(
    election_id: &str,
    key: &crate::crypto::ElectionKey,
    ballots: &[(&CheckedBallot, [u8; 16])],
) -> Result<(), (usize, E2eError)> {
    // The proofs of deferred contests are decoded here, where they are verified.
    let mut completed: Vec<Option<EncryptedContest>> = Vec::new();
    for (n, (b, _)) in ballots.iter().enumerate() {
        for (_, _, shape, decoded) in &b.lines {
            completed.push(match decoded {
                Decoded::Deferred(sums, bytes) => Some(
                    EncryptedContest::from_sums(shape, sums.clone(), bytes)
                        .map_err(|e| (n, crypto("加密选票", "encrypted ballot")(e)))?,
                ),
                _ => None,
            });
        }
    }
    let mut completed = completed.iter();
    let mut items = Vec::new();
    let mut owner = Vec::new();
    for (n, (b, serial)) in ballots.iter().enumerate() {
        for (contest, group, shape, decoded) in &b.lines {
            let done = completed.next().and_then(|c| c.as_ref());
            let ballot = match (decoded, done) {
                (Decoded::Full(ballot), _) => &**ballot,
                (Decoded::Deferred(..), Some(ballot)) => ballot,
                _ => {
                    return Err((
                        n,
                        E2eError::Refused(
                            "选票未完整解码, 无法核验证明 / the ballot was not decoded whole; its proofs cannot be verified".into(),
                        ),
                    ))
                }
            };
            items.push(BatchItem {
                shape,
                context: context(election_id, contest, group, *serial),
                ballot,
            });
            owner.push(n);
        }
    }
    verify_contests_batch(key, &items, &mut crate::crypto::SystemRng).map_err(|f| {
        let (i, e) = f
            .failures
            .into_iter()
            .next()
            .unwrap_or((0, crate::crypto::Error::params("batch")));
        (
            owner.get(i).copied().unwrap_or(0),
            crypto("加密选票的证明", "the encrypted ballot's proofs")(e),
        )
    })
}

impl Book {
    /// The book of an election whose registered tellers (in order: teller ℓ is the ℓ-th)
    /// hold the key `threshold` of them are needed for.
    /// `protocol` is the conduct protocol of the log (`ElectionRegistered.protocol`): from 3
    /// on, a contest's totals are decrypted before its names (docs/E2E.md §11.1).
    pub fn new(
        election_id: &str,
        tellers: Vec<Verifier>,
        threshold: u32,
        protocol: u32,
    ) -> Result<Book, E2eError> {
        let n = u32::try_from(tellers.len()).unwrap_or(u32::MAX);
        let params = DkgParams::new(n, threshold).map_err(crypto("门限", "threshold"))?;
        Ok(Book {
            election_id: election_id.to_string(),
            params,
            tellers,
            round1: BTreeMap::new(),
            shares: BTreeMap::new(),
            key: None,
            tallies: BTreeMap::new(),
            proofs: true,
            defer_proofs: false,
            flags_first: protocol >= 3,
            names_with_flags: protocol >= 4,
        })
    }

    pub fn params(&self) -> DkgParams {
        self.params
    }

    pub fn election_id(&self) -> &str {
        &self.election_id
    }

    /// The joint key, once set.
    pub fn key(&self) -> Option<&ElectionKey> {
        self.key.as_ref().map(|(k, _)| k)
    }

    /// Teller ℓ's verification key K_ℓ, once the key is set.
    pub fn verification_key(&self, index: u32) -> Option<&Element> {
        self.key
            .as_ref()
            .and_then(|(_, vks)| vks.get((index as usize).wrapping_sub(1)))
    }

    /// The registered teller ℓ.
    pub fn teller(&self, index: u32) -> Option<&Verifier> {
        self.tellers.get((index as usize).wrapping_sub(1))
    }

    /// The registered tellers, in order (teller ℓ is the ℓ-th).
    pub fn tellers(&self) -> &[Verifier] {
        &self.tellers
    }

    /// A short fingerprint of the roster: the registered tellers' keys in order and the
    /// threshold (docs/E2E.md §11.3). Tellers compare it with one another and with the list
    /// the organiser announced: a roster that holds keys someone else controls would let them
    /// hold the election key without the honest tellers.
    pub fn roster_fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"scrutineer.roster/v1\0");
        h.update(self.params.threshold.to_be_bytes());
        for t in &self.tellers {
            let text = t.to_text();
            h.update((text.len() as u32).to_be_bytes());
            h.update(text.as_bytes());
        }
        let d = h.finalize();
        d[..16]
            .chunks(2)
            .map(|c| format!("{:02x}{:02x}", c[0], c[1]))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The index of the teller whose key has this name.
    pub fn index_of(&self, name: &str) -> Option<u32> {
        self.tellers
            .iter()
            .position(|t| t.name() == name)
            .and_then(|p| u32::try_from(p + 1).ok())
    }

    /// The round-1 messages of the attempt in progress, by teller.
    pub fn round1_messages(&self) -> &BTreeMap<u32, Round1Message> {
        &self.round1
    }

    /// The encrypted shares of the attempt in progress, by sender.
    pub fn share_messages(&self) -> &BTreeMap<u32, Vec<EncryptedShare>> {
        &self.shares
    }

    // -------------------------------------------------------------- ballots

    /// Decodes an encrypted ballot for its style: each contest with the evaluator group of
    /// the style (empty for other contests), against the contest's shape. Not verified yet.
    /// With `defer_proofs`, each contest's proofs are left in their bytes (its ciphertexts
    /// decoded and checked now) and decoded by [`Book::verify_ballots`] or
    /// [`BallotProofs::verify`], with the same checks, on the thread that verifies them.
    pub fn decode_ballot(
        &self,
        election: &Election,
        style: &Style,
        body: &EncryptedBallotBody,
    ) -> Result<CheckedBallot, E2eError> {
        let how = match (self.proofs, self.defer_proofs) {
            (false, _) => Decode::Sums,
            (true, true) => Decode::Deferred,
            (true, false) => Decode::Full,
        };
        self.decode_lines(election, style, &body.lines, how)
    }

    /// [`Book::decode_ballot`] of a ballot's lines, each as `how` says.
    fn decode_lines(
        &self,
        election: &Election,
        style: &Style,
        body_lines: &[crate::record::encrypted::EncryptedLine],
        how: Decode,
    ) -> Result<CheckedBallot, E2eError> {
        if self.key.is_none() {
            return Err(E2eError::NoKey);
        }
        let mut lines = Vec::with_capacity(body_lines.len());
        let mut digests = Vec::with_capacity(body_lines.len());
        let mut alphas = Vec::new();
        for l in body_lines {
            let ci = election.contest_index(&l.contest).ok_or_else(|| {
                E2eError::Refused(format!(
                    "选举项目 “{}” 不存在 / no contest “{}”",
                    l.contest, l.contest
                ))
            })?;
            let contest = &election.contests[ci];
            let grouped = contest
                .evaluation()
                .as_ref()
                .is_some_and(|e| !e.groups.is_empty());
            let expected = if grouped { style.group.as_str() } else { "" };
            if l.group != expected {
                return Err(E2eError::Refused(format!(
                    "“{}” 的测评组应为 “{expected}”, 选票为 “{}” / “{}” belongs to group “{expected}” on this style, the ballot says “{}”",
                    l.contest, l.group, l.contest, l.group
                )));
            }
            let shape = shape_of(contest)?;
            let bad = crypto("加密选票", "encrypted ballot");
            let decoded = match how {
                Decode::Full => Decoded::Full(Box::new(
                    EncryptedContest::from_bytes(&shape, &l.ballot).map_err(bad)?,
                )),
                Decode::Deferred => Decoded::Deferred(
                    ContestSums::from_bytes(&shape, &l.ballot).map_err(bad)?,
                    l.ballot.clone(),
                ),
                Decode::Sums => {
                    Decoded::Sums(ContestSums::from_bytes(&shape, &l.ballot).map_err(bad)?)
                }
            };
            lines.push((l.contest.clone(), l.group.clone(), shape, decoded));
            digests.push(line_digest(&l.ballot));
            alphas.extend(ciphertext_alphas(&l.ballot));
        }
        Ok(CheckedBallot {
            lines,
            digests,
            alphas,
            confirmation: None,
        })
    }

    /// Opens a spoiled ballot (a Benaloh challenge, docs/E2E.md §8.4): each contest decoded
    /// against its shape and the style's group, its proofs verified under the token serial's
    /// context, and its plaintext recovered from the revealed nonces and re-encrypted to the
    /// same ciphertexts (`crypto::open_contest`). The plaintexts, in line order.
    pub fn open_spoiled(
        &self,
        election: &Election,
        style: &Style,
        body: &crate::record::spoiled::SpoiledBallotBody,
    ) -> Result<Vec<(String, ContestPlaintext)>, E2eError> {
        let key = self.key().ok_or(E2eError::NoKey)?;
        let checked = self.decode_lines(election, style, &body.encrypted_lines(), Decode::Full)?;
        let mut out = Vec::with_capacity(body.lines.len());
        for ((contest, group, shape, decoded), l) in checked.lines.iter().zip(&body.lines) {
            let Decoded::Full(ballot) = decoded else {
                return Err(E2eError::Refused(
                    "选票未完整解码 / the ballot was not decoded whole".into(),
                ));
            };
            let opening = crate::crypto::Opening::from_bytes(shape, &l.opening)
                .map_err(crypto("选票的随机数", "the ballot's opening"))?;
            let plain = crate::crypto::open_contest(
                key,
                shape,
                &context(&self.election_id, contest, group, body.serial),
                ballot,
                &opening,
            )
            .map_err(crypto("打开的选票", "the opened ballot"))?;
            out.push((contest.clone(), plain));
        }
        Ok(out)
    }

    /// Verifies the proofs of many decoded ballots in one batch (docs/E2E.md §8.3); each
    /// item is (ballot, token serial). On failure, the first failing ballot's position.
    pub fn verify_ballots(
        &self,
        ballots: &[(&CheckedBallot, [u8; 16])],
    ) -> Result<(), (usize, E2eError)> {
        let key = self.key().ok_or((0, E2eError::NoKey))?;
        verify_ballots_under(&self.election_id, key, ballots)
    }

    /// What checking ballots' proofs needs of the book (its election and joint key), owned,
    /// so another thread can check them while the book goes on; `None` before the key.
    pub fn ballot_proofs(&self) -> Option<BallotProofs> {
        Some(BallotProofs {
            election_id: self.election_id.clone(),
            key: self.key()?.clone(),
        })
    }

    /// Adds a verified ballot to its contests' tallies.
    pub fn add_ballot(&mut self, b: &CheckedBallot) {
        for (contest, group, shape, decoded) in &b.lines {
            let t = self
                .tallies
                .entry((contest.clone(), group.clone()))
                .or_insert_with(|| ContestTally::new(shape.clone()));
            t.ballots += 1;
            let (exponential, names): (Vec<&Ciphertext>, Vec<&[Ciphertext; 2]>) = match decoded {
                Decoded::Full(ballot) => {
                    (ballot.exponential_ciphertexts(), ballot.write_in_names())
                }
                Decoded::Sums(s) | Decoded::Deferred(s, _) => {
                    (s.exponential.iter().collect(), s.names.iter().collect())
                }
            };
            for (slot, ct) in t.sums.iter_mut().zip(&exponential) {
                slot.0 += ct.alpha.point();
                slot.1 += ct.beta.point();
            }
            if let Some(saved) = t.saved_names.as_mut() {
                saved.appending();
            }
            let flags = t.flag_slots();
            for (j, name) in names.into_iter().enumerate() {
                let flag = exponential.get(flags.start + j);
                match flag {
                    Some(flag) if self.names_with_flags => {
                        t.names.push(vec![**flag, name[0], name[1]])
                    }
                    _ => t.names.push(name.to_vec()),
                }
            }
        }
    }
}
