//! The election state the log implies: the election and its keys, the conduct of the
//! election (`rules::conduct`: phases, pools, desk figures, results, signatures, publication),
//! the spent serials and the indexes a tally reads. One state machine serves both the append
//! path (check, then apply after the batch is durable) and start-up replay, so a restart
//! reaches exactly the state the running service had.
//!
//! The order and limits of operations are `rules::conduct`'s; the verifier runs the same
//! rules over an export with its own replay, so what the ledger refuses here the verifier
//! names there.

use crate::codes::Code;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;

use super::keys::parse_election_key;
use super::LedgerError;
use crate::e2e::book::CheckedBallot;
use crate::e2e::challenges::{ChallengeError, Challenges};
use crate::e2e::{Book, E2eError};
use crate::record::encrypted::EncryptedBallotBody;
use crate::record::entry::{
    BallotBody, CeremonyCheck, CeremonyRound1, CeremonyShares, CheckInCount, ContestClosed,
    ContestCreated, ContestOpened, DecryptionSharesBody, ElectionKeySet, ElectionRegistered, Entry,
    EntryKind, PaperBallot, PaperKeyed, PoolRegistered, ResultBody, ResultPublished, RevoteCreated,
    RollRegistered, RunoffCreated, SeatsReduced, Secrecy, ShuffleBody, Style, TellerSignature,
    TokensVoided, TurnoutCorrected,
};
use crate::record::merkle::Tree;
use crate::record::names::Names;
use crate::record::note::{verify_signature_line, Checkpoint, Verifier};
use crate::record::parse_logged_election;
use crate::record::procedure::{check_step_body, ProcedureStep};
use crate::record::spoiled::{KioskTest, SpoiledBallotBody};
use crate::rules::conduct::{
    Arrival, Conduct, ConductError, Correction, Figures, LoggedStep, Mode, Origin, Person,
    Secrecy as SecrecyMode, StyleDef, PROTOCOL_CURRENT,
};
use crate::rules::Election;

/// Spare tokens per style beyond the roll, in percent, when an election does not say.
pub const POOL_SPARE_PERCENT_DEFAULT: u32 = 5;

#[derive(Clone)]
pub struct ElectionInfo {
    pub id: String,
    pub election: Election,
    pub spec: serde_json::Value,
    pub styles: Vec<Style>,
    pub election_key: VerifyingKey,
    pub log_key: Verifier,
    pub tellers: Vec<Verifier>,
    pub signatures_required: u32,
    pub protocol: u32,
    pub pool_spare_percent: u32,
    /// How ballots are kept secret (absent in old logs: plaintext).
    pub secrecy: Option<Secrecy>,
}

impl ElectionInfo {
    /// Whether electronic ballots are encrypted.
    pub fn encrypted(&self) -> bool {
        matches!(self.secrecy, Some(Secrecy::Encrypted { .. }))
    }

    /// A contest's ballot mode in the spec: electronic unless it says paper or hybrid.
    pub fn mode(&self, contest: &str) -> Mode {
        self.arrival(contest).mode
    }

    /// A contest's mode and whether two tellers key its paper ballots.
    pub fn arrival(&self, contest: &str) -> Arrival {
        crate::record::election::contest_arrival(&self.spec, contest)
    }
}

/// The part of the state that checks entries other than ballots: the election and its
/// conduct. It is small, so a group of entries that must be appended together is checked on
/// a copy, one after the other, before any of them is written.
#[derive(Clone, Default)]
pub struct Admin {
    pub election: Option<Arc<ElectionInfo>>,
    pub conduct: Option<Conduct>,
    /// The key ceremony and the encrypted tallies (encrypted elections). Shared: a check on
    /// a copy of the admin state clones it only when a ceremony entry changes it (before any
    /// ballot, when it is small).
    pub book: Option<Arc<Book>>,
}

/// What applying an entry adds to the indexes beside the conduct.
enum Effect {
    None,
    Result(ResultBody),
    Signature(TellerSignature, String),
    Paper(String),
    Correction(TurnoutCorrected),
    LatePool(PoolRegistered),
    Step(crate::e2e::book::CheckedStep),
    Revote(RevoteCreated),
    Reduction(SeatsReduced),
    Keyed(PaperKeyed),
    ProcedureStep(ProcedureStep),
}

/// The ledger's state, replayed from the log. Its fields are the ledger's own
/// (`pub(super)`): the rest of the crate reads it through the queries below and changes it
/// only by appending entries. Changing it from outside does not compile:
///
/// ```compile_fail
/// fn forget(s: &mut scrutineer::ledger::State) {
///     s.results.clear(); // private field: only an appended entry changes the state
/// }
/// ```
#[derive(Default)]
pub struct State {
    pub(super) admin: Admin,
    pub(super) spent: HashSet<[u8; 16]>,
    pub(super) results: Vec<(u64, ResultBody)>,
    /// Teller signatures with the name of the key that verified each.
    pub(super) signatures: Vec<(u64, TellerSignature, String)>,
    /// Approved corrections of contests' figures, by entry index.
    pub(super) corrections: Vec<(u64, TurnoutCorrected)>,
    /// Tokens printed after voting in their style started, with their reasons.
    pub(super) late_pools: Vec<(u64, PoolRegistered)>,
    /// Re-votes of invalid rounds, with their reasons.
    pub(super) revotes: Vec<(u64, RevoteCreated)>,
    /// Recorded decisions to reduce a contest's seats instead of a new round.
    pub(super) seat_reductions: Vec<(u64, SeatsReduced)>,
    /// Steps of multi-round procedures, in log order.
    pub(super) procedure_steps: Vec<(u64, ProcedureStep)>,
    /// Double entry: per contest, each teller's latest keying of the open sheet, as logged.
    pub(super) paper_keyings: HashMap<String, BTreeMap<String, serde_json::Value>>,
    pub(super) ballots: u64,
    pub(super) paper_ballots: u64,
    pub(super) size: u64,
    /// Entry indices of the ballots cast per style, in log order, so a tally reads only the
    /// entries of its contests instead of the whole log.
    pub(super) style_ballots: HashMap<u16, Vec<u64>>,
    /// Entry indices of the paper ballots per contest, in log order.
    pub(super) paper_entries: HashMap<String, Vec<u64>>,
    /// Cast-or-check: spoiled ballots, kiosk tests, and what they forbid (docs/E2E.md §8.6).
    pub(super) challenges: Challenges,
    /// Encrypted and spoiled ballots by the first 5 bytes of their confirmation hash.
    pub(super) confirmations: HashMap<[u8; 5], Vec<u64>>,
}

/// Read-only queries over the state, for the core, the service and the CLI.
impl State {
    pub fn admin(&self) -> &Admin {
        &self.admin
    }
    pub fn spent(&self) -> &HashSet<[u8; 16]> {
        &self.spent
    }
    pub fn results(&self) -> &Vec<(u64, ResultBody)> {
        &self.results
    }
    pub fn signatures(&self) -> &Vec<(u64, TellerSignature, String)> {
        &self.signatures
    }
    pub fn corrections(&self) -> &Vec<(u64, TurnoutCorrected)> {
        &self.corrections
    }
    pub fn late_pools(&self) -> &Vec<(u64, PoolRegistered)> {
        &self.late_pools
    }
    pub fn revotes(&self) -> &Vec<(u64, RevoteCreated)> {
        &self.revotes
    }
    pub fn seat_reductions(&self) -> &Vec<(u64, SeatsReduced)> {
        &self.seat_reductions
    }
    pub fn procedure_steps(&self) -> &Vec<(u64, ProcedureStep)> {
        &self.procedure_steps
    }
    pub fn paper_keyings(&self) -> &HashMap<String, BTreeMap<String, serde_json::Value>> {
        &self.paper_keyings
    }
    pub fn ballots(&self) -> u64 {
        self.ballots
    }
    pub fn paper_ballots(&self) -> u64 {
        self.paper_ballots
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn style_ballots(&self) -> &HashMap<u16, Vec<u64>> {
        &self.style_ballots
    }
    pub fn paper_entries(&self) -> &HashMap<String, Vec<u64>> {
        &self.paper_entries
    }
    pub fn challenges(&self) -> &Challenges {
        &self.challenges
    }
    pub fn confirmations(&self) -> &HashMap<[u8; 5], Vec<u64>> {
        &self.confirmations
    }
}

/// A ballot's facts the sequencer needs: its serial and where it belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotKey {
    pub serial: [u8; 16],
    pub round: u8,
    pub style: u16,
    /// An `encrypted_ballot` (true) or a plaintext `ballot` entry.
    pub encrypted: bool,
}

fn body<T: for<'de> serde::Deserialize<'de>>(e: &Entry) -> Result<T, LedgerError> {
    e.body_as().map_err(|err| LedgerError::Refused {
        code: Code::EntryBody,
        message: err.to_string(),
    })
}

fn refused(code: Code, message: String) -> LedgerError {
    LedgerError::Refused { code, message }
}

impl From<E2eError> for LedgerError {
    fn from(e: E2eError) -> LedgerError {
        LedgerError::Refused {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<ChallengeError> for LedgerError {
    fn from(e: ChallengeError) -> LedgerError {
        LedgerError::Refused {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// The confirmation hash of an `encrypted_ballot` body, read in place: the body is
/// `version ‖ token ‖ count ‖ lines` and the hash covers the token's round, style and serial
/// and then `count ‖ lines` exactly as the body holds them (`record::spoiled`).
pub fn encrypted_confirmation(body: &[u8]) -> Option<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let token = body.get(1..1 + crate::record::token::TOKEN_BYTES)?;
    let rest = body.get(1 + crate::record::token::TOKEN_BYTES..)?;
    let mut h = Sha256::new();
    h.update(crate::record::spoiled::CONFIRMATION_DOMAIN);
    h.update(&token[2..21]);
    h.update(rest);
    Some(h.finalize().into())
}

fn short(hash: &[u8; 32]) -> [u8; 5] {
    [hash[0], hash[1], hash[2], hash[3], hash[4]]
}

impl From<ConductError> for LedgerError {
    fn from(e: ConductError) -> LedgerError {
        LedgerError::Refused {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl State {
    pub fn info(&self) -> Result<&ElectionInfo, LedgerError> {
        self.admin.info()
    }

    pub fn conduct(&self) -> Result<&Conduct, LedgerError> {
        self.admin.conduct()
    }

    pub fn style(&self, round: u8, style: u16) -> Result<&Style, LedgerError> {
        let info = self.info()?;
        match info.styles.get(style as usize) {
            Some(s) if s.round == round => Ok(s),
            _ => Err(refused(
                Code::UnknownStyle,
                format!(
                    "第 {round} 轮没有选票样式 {style} / round {round} has no ballot style {style}"
                ),
            )),
        }
    }

    /// Whether ballots of this style may be cast now: every contest open, tokens left.
    pub fn style_open(&self, round: u8, style: u16) -> Result<(), LedgerError> {
        self.style(round, style)?;
        Ok(self.conduct()?.check_spend(style, 0)?)
    }

    /// Checks a ballot against the state plus what the current batch already holds.
    pub fn check_ballot(
        &self,
        key: &BallotKey,
        batch_serials: &HashSet<[u8; 16]>,
        batch_spent: &HashMap<(u8, u16), u64>,
        checked: Option<&CheckedBallot>,
    ) -> Result<(), LedgerError> {
        self.style(key.round, key.style)?;
        // Everything `apply` checks of a ballot is checked here, before the entry is written:
        // a durable entry that then failed to apply would be a log the service cannot open.
        self.conduct()?.check_ballot_kind(key.encrypted)?;
        if self.spent.contains(&key.serial) || batch_serials.contains(&key.serial) {
            return Err(LedgerError::TokenSpent);
        }
        self.challenges
            .check_cast(&key.serial, checked.map_or(&[][..], |c| &c.digests))?;
        let pending = batch_spent
            .get(&(key.round, key.style))
            .copied()
            .unwrap_or(0);
        Ok(self.conduct()?.check_spend(key.style, pending)?)
    }

    /// Checks an entry that is not a ballot before it is appended.
    pub fn check_admin(&self, e: &Entry, tree: &Tree) -> Result<(), LedgerError> {
        self.check_admin_all(std::slice::from_ref(e), tree)
    }

    /// Checks entries that are appended together, each against the state the ones before it
    /// leave: all of them pass, or none is written.
    pub fn check_admin_all(&self, entries: &[Entry], tree: &Tree) -> Result<(), LedgerError> {
        if let [e] = entries {
            if matches!(e.kind, EntryKind::SpoiledBallot | EntryKind::KioskTest) {
                return self.check_challenge(e);
            }
        }
        if entries.iter().any(|e| {
            matches!(
                e.kind,
                EntryKind::Ballot | EntryKind::SpoiledBallot | EntryKind::KioskTest
            )
        }) {
            return Err(refused(
                Code::BallotViaAdmin,
                "选票须经投票途径提交 / ballots go through casting".into(),
            ));
        }
        if self.size == 0
            && entries
                .first()
                .is_some_and(|e| e.kind != EntryKind::ElectionRegistered)
        {
            return Err(LedgerError::NotInitialised);
        }
        let mut scratch = self.admin.clone();
        for (n, e) in entries.iter().enumerate() {
            scratch.step(self.size + n as u64, e, tree)?;
        }
        Ok(())
    }

    /// Applies an entry that is durable. `ballot` carries the ballot's key for ballots, and
    /// an encrypted ballot's checked contents (decoded from the body when absent, as at
    /// start-up replay: its proofs were verified before it was appended).
    pub fn apply(
        &mut self,
        index: u64,
        e: &Entry,
        ballot: Option<BallotKey>,
        checked: Option<&CheckedBallot>,
        tree: &Tree,
    ) -> Result<(), LedgerError> {
        if e.kind == EntryKind::Ballot || e.kind == EntryKind::EncryptedBallot {
            let key =
                ballot.ok_or_else(|| refused(Code::EntryBody, "ballot without token".into()))?;
            if let Some(c) = self.admin.conduct.as_mut() {
                c.check_ballot_kind(e.kind == EntryKind::EncryptedBallot)?;
                c.spend(key.style)?;
            }
            if e.kind == EntryKind::EncryptedBallot {
                let decoded;
                let checked = match checked {
                    Some(c) => c,
                    None => {
                        decoded = self.decode_encrypted(e)?;
                        &decoded
                    }
                };
                let book = self.admin.book.as_mut().ok_or_else(|| {
                    refused(
                        Code::NotEncrypted,
                        "encrypted ballot in a plaintext election".into(),
                    )
                })?;
                Arc::make_mut(book).add_ballot(checked);
                if let Some(h) = checked
                    .confirmation
                    .or_else(|| encrypted_confirmation(&e.body))
                {
                    self.confirmations.entry(short(&h)).or_default().push(index);
                }
            }
            self.spent.insert(key.serial);
            self.style_ballots.entry(key.style).or_default().push(index);
            self.ballots += 1;
            self.size = index + 1;
            return Ok(());
        }
        if index == 0 && e.kind != EntryKind::ElectionRegistered {
            return Err(LedgerError::NotInitialised);
        }
        match e.kind {
            EntryKind::SpoiledBallot => {
                let b = SpoiledBallotBody::decode(&e.body)
                    .map_err(|err| refused(Code::EntryBody, err.to_string()))?;
                let digests: Vec<[u8; 32]> = b
                    .lines
                    .iter()
                    .map(|l| crate::e2e::book::line_digest(&l.line.ballot))
                    .collect();
                self.challenges.spoil(index, &b, &digests);
                let h = b.confirmation_hash();
                self.confirmations.entry(short(&h)).or_default().push(index);
                self.size = index + 1;
                return Ok(());
            }
            EntryKind::KioskTest => {
                let t: KioskTest = body(e)?;
                self.challenges.test(index, t)?;
                self.size = index + 1;
                return Ok(());
            }
            _ => {}
        }
        match self.admin.step(index, e, tree)? {
            Effect::None => {}
            Effect::Result(r) => self.results.push((index, r)),
            Effect::Signature(t, name) => self.signatures.push((index, t, name)),
            Effect::Paper(contest) => {
                self.paper_keyings.remove(&contest);
                self.paper_entries.entry(contest).or_default().push(index);
                self.paper_ballots += 1;
            }
            Effect::Correction(c) => self.corrections.push((index, c)),
            Effect::LatePool(p) => self.late_pools.push((index, p)),
            Effect::Revote(r) => self.revotes.push((index, r)),
            Effect::Reduction(r) => self.seat_reductions.push((index, r)),
            Effect::ProcedureStep(p) => self.procedure_steps.push((index, p)),
            Effect::Keyed(k) => {
                let sheet = self.paper_keyings.entry(k.contest).or_default();
                match k.ballot {
                    Some(b) => sheet.insert(k.teller, b),
                    None => sheet.remove(&k.teller),
                };
            }
            Effect::Step(step) => {
                if let Some(book) = self.admin.book.as_mut() {
                    Arc::make_mut(book).apply_step(step);
                }
            }
        }
        self.size = index + 1;
        Ok(())
    }

    /// Checks a `spoiled_ballot` or `kiosk_test` entry against the state: a spoil needs an
    /// encrypted election, its style's contests open, an unused slip, and contests never
    /// spoiled before (its proofs and opening were checked by `Ledger::spoil` before it got
    /// here); a test needs a spoiled ballot not tested yet.
    pub fn check_challenge(&self, e: &Entry) -> Result<(), LedgerError> {
        match e.kind {
            EntryKind::SpoiledBallot => {
                let b = SpoiledBallotBody::decode(&e.body)
                    .map_err(|err| refused(Code::EntryBody, err.to_string()))?;
                self.conduct()?.check_ballot_kind(true)?;
                self.style_open(b.round, b.style)?;
                let digests: Vec<[u8; 32]> = b
                    .lines
                    .iter()
                    .map(|l| crate::e2e::book::line_digest(&l.line.ballot))
                    .collect();
                Ok(self.challenges.check_spoil(
                    &b.serial,
                    self.spent.contains(&b.serial),
                    &digests,
                )?)
            }
            EntryKind::KioskTest => {
                let t: KioskTest = body(e)?;
                self.challenges.check_test(&t)?;
                Ok(())
            }
            _ => Err(refused(Code::EntryKind, "not a challenge".into())),
        }
    }

    /// An encrypted ballot entry decoded against its style (no proof verification: the
    /// ledger verified them before appending it).
    pub fn decode_encrypted(&self, e: &Entry) -> Result<CheckedBallot, LedgerError> {
        let body = EncryptedBallotBody::decode(&e.body)
            .map_err(|err| refused(Code::EntryBody, err.to_string()))?;
        let info = self.info()?;
        let style = info
            .styles
            .get(usize::from(body.token.style()))
            .ok_or_else(|| refused(Code::UnknownStyle, "no such style".into()))?;
        let book = self.admin.book.as_ref().ok_or_else(|| {
            refused(
                Code::NotEncrypted,
                "encrypted ballot in a plaintext election".into(),
            )
        })?;
        Ok(book.decode_ballot(&info.election, style, &body)?)
    }

    /// The verified signer names of a result, one per teller key.
    pub fn signers(&self, result_index: u64) -> Vec<String> {
        self.conduct()
            .ok()
            .and_then(|c| c.result(result_index))
            .map(|r| r.signers.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether a result was published (logged, protocol 2).
    pub fn is_published(&self, result_index: u64) -> bool {
        self.conduct()
            .ok()
            .and_then(|c| c.result(result_index))
            .is_some_and(|r| r.published)
    }
}

impl Admin {
    pub fn info(&self) -> Result<&ElectionInfo, LedgerError> {
        self.election.as_deref().ok_or(LedgerError::NotInitialised)
    }

    pub fn conduct(&self) -> Result<&Conduct, LedgerError> {
        self.conduct.as_ref().ok_or(LedgerError::NotInitialised)
    }

    fn conduct_mut(&mut self) -> Result<&mut Conduct, LedgerError> {
        self.conduct.as_mut().ok_or(LedgerError::NotInitialised)
    }

    pub fn book(&self) -> Result<&Book, LedgerError> {
        self.book
            .as_deref()
            .ok_or_else(|| ConductError::NotEncrypted.into())
    }

    fn book_mut(&mut self) -> Result<&mut Book, LedgerError> {
        self.book
            .as_mut()
            .map(Arc::make_mut)
            .ok_or_else(|| ConductError::NotEncrypted.into())
    }

    /// Checks and applies one entry that is not a ballot; on error nothing changed.
    fn step(&mut self, index: u64, e: &Entry, tree: &Tree) -> Result<Effect, LedgerError> {
        match e.kind {
            EntryKind::ElectionRegistered => {
                if self.election.is_some() || index != 0 {
                    return Err(refused(
                        Code::AlreadyInitialised,
                        "日志已有选举 / the log already holds an election".into(),
                    ));
                }
                let b: ElectionRegistered = body(e)?;
                let info = election_info(&b)?;
                let contests: Vec<(String, Arrival)> = info
                    .election
                    .contests
                    .iter()
                    .map(|c| (c.id().clone(), info.arrival(c.id())))
                    .collect();
                let styles = info.styles.iter().map(style_def).collect();
                let mut conduct =
                    Conduct::new(info.protocol, info.pool_spare_percent, styles, &contests)
                        .with_procedures(&info.election.procedures);
                if let Some(Secrecy::Encrypted { threshold }) = &info.secrecy {
                    conduct = conduct.with_secrecy(SecrecyMode::Encrypted {
                        tellers: u32::try_from(info.tellers.len()).unwrap_or(u32::MAX),
                        threshold: *threshold,
                    });
                    self.book = Some(Arc::new(Book::new(
                        &info.id,
                        info.tellers.clone(),
                        *threshold,
                    )?));
                }
                self.conduct = Some(conduct);
                self.election = Some(Arc::new(info));
                Ok(Effect::None)
            }
            EntryKind::Ballot
            | EntryKind::EncryptedBallot
            | EntryKind::SpoiledBallot
            | EntryKind::KioskTest => Err(refused(
                Code::BallotViaAdmin,
                "选票须经投票途径提交 / ballots go through casting".into(),
            )),
            EntryKind::CeremonyRound1 => {
                let b: CeremonyRound1 = body(e)?;
                self.conduct_mut()?.ceremony_round1(b.attempt, b.index)?;
                self.book_mut()?.round1(&b)?;
                Ok(Effect::None)
            }
            EntryKind::CeremonyShares => {
                let b: CeremonyShares = body(e)?;
                self.conduct_mut()?.ceremony_shares(b.attempt, b.index)?;
                self.book_mut()?.shares(&b)?;
                Ok(Effect::None)
            }
            EntryKind::CeremonyCheck => {
                let b: CeremonyCheck = body(e)?;
                // The conduct's order first (is a check due now?), then the complaints.
                self.conduct()?
                    .clone()
                    .ceremony_check(b.attempt, b.index, false)?;
                let holds = self.book_mut()?.check(&b)?;
                self.conduct_mut()?
                    .ceremony_check(b.attempt, b.index, holds)?;
                Ok(Effect::None)
            }
            EntryKind::ElectionKeySet => {
                let b: ElectionKeySet = body(e)?;
                self.conduct_mut()?.election_key(b.attempt)?;
                self.book_mut()?.key_set(&b)?;
                Ok(Effect::None)
            }
            EntryKind::Shuffle => {
                let b: ShuffleBody = body(e)?;
                self.conduct_mut()?.shuffle(&b.contest, b.index)?;
                let step = self.book()?.check_shuffle(&b)?;
                Ok(Effect::Step(step))
            }
            EntryKind::DecryptionShares => {
                let b: DecryptionSharesBody = body(e)?;
                let has_names = self
                    .book()?
                    .tallies
                    .get(&(b.contest.clone(), b.group.clone()))
                    .is_some_and(|t| t.has_names());
                self.conduct_mut()?
                    .decryption_shares(&b.contest, &b.group, b.index, has_names)?;
                let step = self.book()?.check_shares(&b)?;
                Ok(Effect::Step(step))
            }
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(e)?;
                self.conduct_mut()?.open(&b.contest)?;
                Ok(Effect::None)
            }
            EntryKind::RollRegistered => {
                let b: RollRegistered = body(e)?;
                if b.units.values().sum::<u64>() != b.voters {
                    return Err(refused(
                        Code::RollCounts,
                        "名单各单位人数之和与总人数不符 / the units' voters do not add up to the total".into(),
                    ));
                }
                self.conduct_mut()?.register_roll(b.units)?;
                Ok(Effect::None)
            }
            EntryKind::PoolRegistered => {
                let b: PoolRegistered = body(e)?;
                self.info()?;
                let round = self.conduct()?.style(b.style)?.round;
                if round != b.round {
                    return Err(refused(
                        Code::UnknownStyle,
                        format!(
                            "第 {} 轮没有选票样式 {} / round {} has no ballot style {}",
                            b.round, b.style, b.round, b.style
                        ),
                    ));
                }
                let late = self.conduct()?.pool(b.style).late;
                self.conduct_mut()?
                    .register_pool(b.style, b.count, b.reason.as_deref())?;
                if self.conduct()?.pool(b.style).late > late {
                    return Ok(Effect::LatePool(b));
                }
                Ok(Effect::None)
            }
            EntryKind::CheckInCount => {
                let b: CheckInCount = body(e)?;
                let protocol = self.info()?.protocol;
                if protocol >= 2 {
                    let eligible = b.eligible.ok_or_else(|| {
                        refused(
                            Code::EntryBody,
                            "签到数缺少应到人数 (eligible) / the desk count lacks eligible".into(),
                        )
                    })?;
                    self.conduct_mut()?.desk_count(
                        b.style,
                        Figures {
                            eligible,
                            present: b.present,
                            issued: b.slips_issued,
                        },
                    )?;
                }
                Ok(Effect::None)
            }
            EntryKind::ContestClosed => {
                let b: ContestClosed = body(e)?;
                self.conduct_mut()?.close(
                    &b.contest,
                    Figures {
                        eligible: b.eligible,
                        present: b.present,
                        issued: b.ballots_issued,
                    },
                )?;
                Ok(Effect::None)
            }
            EntryKind::TurnoutCorrected => {
                let b: TurnoutCorrected = body(e)?;
                self.conduct_mut()?.correct(
                    &b.contest,
                    Correction {
                        figures: Figures {
                            eligible: b.eligible,
                            present: b.present,
                            issued: b.ballots_issued,
                        },
                        reason: b.reason.clone(),
                        proposer: Person {
                            name: b.proposed_by.name.clone(),
                            role: b.proposed_by.role.clone(),
                        },
                        approver: Person {
                            name: b.approved_by.name.clone(),
                            role: b.approved_by.role.clone(),
                        },
                    },
                )?;
                Ok(Effect::Correction(b))
            }
            EntryKind::TokensVoided => {
                let b: TokensVoided = body(e)?;
                let round = self.conduct()?.style(b.style)?.round;
                if round != b.round {
                    return Err(refused(
                        Code::UnknownStyle,
                        format!(
                            "第 {} 轮没有选票样式 {} / round {} has no ballot style {}",
                            b.round, b.style, b.round, b.style
                        ),
                    ));
                }
                self.conduct_mut()?.void(b.style, b.voided, b.spent)?;
                Ok(Effect::None)
            }
            EntryKind::Result => {
                let b: ResultBody = body(e)?;
                if b.covers_size > index {
                    return Err(refused(
                        Code::ResultCovers,
                        format!("第 {index} 条结果不能覆盖它之后的条目 ({}) / the result at {index} cannot cover entries after it ({})", b.covers_size, b.covers_size),
                    ));
                }
                self.conduct_mut()?.tally(index, &b.contests)?;
                self.conduct_mut()?.mark_invalid(&b.invalid_contests())?;
                self.conduct_mut()?.mark_unfilled(&b.unfilled_seats())?;
                for c in &b.contests {
                    if let Some(kind) = self.conduct()?.round_kind_of(c) {
                        let passed = crate::record::procedure::passed_on(&b.result, c, kind);
                        self.conduct_mut()?.record_round_result(index, c, passed);
                    }
                }
                if let Some(book) = self.book.as_deref() {
                    let k = book.params().threshold as usize;
                    for ((contest, _), t) in &book.tallies {
                        if b.contests.contains(contest) && t.share_tellers().len() < k {
                            return Err(ConductError::SharesMissing {
                                contest: contest.clone(),
                                have: t.share_tellers().len() as u32,
                                needed: k as u32,
                            }
                            .into());
                        }
                    }
                }
                Ok(Effect::Result(b))
            }
            EntryKind::TellerSignature => {
                let b: TellerSignature = body(e)?;
                let info = self.info()?;
                if self.conduct()?.result(b.result_index).is_none() {
                    return Err(ConductError::UnknownResult(b.result_index).into());
                }
                if b.checkpoint_size != b.result_index + 1 {
                    return Err(refused(
                        Code::TellerSignature,
                        "签名的检查点须紧随结果 / the signed checkpoint is the one right after the result".into(),
                    ));
                }
                let text = result_checkpoint_text(&info.id, tree, b.result_index)?;
                let name = verify_signature_line(&text, &b.line, &info.tellers).map_err(|err| {
                    refused(
                        Code::TellerSignature,
                        format!("计票人签名无效或不是登记的计票人 / the signature is invalid or not from a registered teller: {err}"),
                    )
                })?;
                self.conduct_mut()?.signature(b.result_index, &name)?;
                Ok(Effect::Signature(b, name))
            }
            EntryKind::ResultPublished => {
                let b: ResultPublished = body(e)?;
                let required = u64::from(self.info()?.signatures_required);
                self.conduct_mut()?.publish(b.result_index, required)?;
                Ok(Effect::None)
            }
            EntryKind::RunoffCreated => {
                let b: RunoffCreated = body(e)?;
                self.add_contest(
                    &b.contest,
                    &b.style,
                    Origin::Runoff {
                        parent: b.parent.clone(),
                    },
                )?;
                Ok(Effect::None)
            }
            EntryKind::RevoteCreated => {
                let b: RevoteCreated = body(e)?;
                crate::rules::conduct::check_revote_reason(&b.reason)?;
                self.add_contest(
                    &b.contest,
                    &b.style,
                    Origin::Revote {
                        of: b.source.clone(),
                    },
                )?;
                Ok(Effect::Revote(b))
            }
            EntryKind::SeatsReduced => {
                let b: SeatsReduced = body(e)?;
                let info = self.info()?;
                let contest = info
                    .election
                    .contest_index(&b.contest)
                    .and_then(|i| info.election.contests.get(i))
                    .cloned()
                    .ok_or_else(|| ConductError::UnknownContest(b.contest.clone()))?;
                self.conduct_mut()?.reduce_seats_logged(
                    &contest,
                    b.reduced_by,
                    b.seats,
                    &b.basis,
                )?;
                Ok(Effect::Reduction(b))
            }
            EntryKind::ContestCreated => {
                let b: ContestCreated = body(e)?;
                let origin = match &b.procedure {
                    Some(procedure) => {
                        let id = b
                            .contest
                            .get("id")
                            .and_then(|v| v.as_str())
                            .unwrap_or_default();
                        let (people, seats) = crate::record::procedure::entrants_of(&b.contest);
                        self.conduct_mut()?
                            .procedure_contest(procedure, &b.from, id, &people, seats)?;
                        Origin::Procedure {
                            procedure: procedure.clone(),
                            round: b.from.clone(),
                        }
                    }
                    None => Origin::NextRound {
                        from: b.from.clone(),
                    },
                };
                self.add_contest(&b.contest, &b.style, origin)?;
                Ok(Effect::None)
            }
            EntryKind::ProcedureStep => {
                let b: ProcedureStep = body(e)?;
                check_step_body(&b).map_err(|(code, m)| refused(code, m))?;
                let conduct = self.conduct()?;
                let (def, _) = conduct.procedure(&b.procedure)?;
                let kind = def
                    .round_index(&b.round)
                    .and_then(|i| def.rounds.get(i))
                    .map(|r| r.kind)
                    .ok_or_else(|| {
                        refused(
                            Code::ProcedureOrder,
                            format!(
                                "程序 “{}” 没有轮次 “{}” / procedure “{}” has no round “{}”",
                                b.procedure, b.round, b.procedure, b.round
                            ),
                        )
                    })?;
                let people = b.entrants();
                let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
                let scores = b.parsed_scores().ok_or_else(|| {
                    refused(
                        Code::ProcedureInput,
                        "面试得分须为数字 / interview scores must be numbers".into(),
                    )
                })?;
                let input = crate::record::procedure::step_input(kind, &people, &ids, &scores, &[]);
                self.conduct_mut()?.procedure_step(&LoggedStep {
                    procedure: &b.procedure,
                    round: &b.round,
                    input,
                    posts: b.posts,
                    people: &people,
                    widened: b.widened,
                    result: b.result,
                })?;
                Ok(Effect::ProcedureStep(b))
            }
            EntryKind::PaperBallot => {
                let b: PaperBallot = body(e)?;
                self.conduct()?.check_paper(&b.contest)?;
                let ballot = paper_line(&self.info()?.election, &b.contest, &b.ballot)?;
                self.conduct_mut()?.paper(&b.contest, b.sheet, &ballot)?;
                Ok(Effect::Paper(b.contest))
            }
            EntryKind::PaperKeyed => {
                let b: PaperKeyed = body(e)?;
                self.conduct()?
                    .check_key_paper(&b.contest, b.sheet, &b.teller)?;
                let election = &self.info()?.election;
                let ballot = match &b.ballot {
                    Some(line) => Some(paper_line(election, &b.contest, line)?),
                    None => None,
                };
                self.conduct_mut()?
                    .key_paper(&b.contest, b.sheet, &b.teller, ballot.as_ref())?;
                Ok(Effect::Keyed(b))
            }
        }
    }

    /// Adds a runoff or a later round's contest with its ballot style.
    fn add_contest(
        &mut self,
        contest: &serde_json::Value,
        style: &Style,
        origin: Origin,
    ) -> Result<(), LedgerError> {
        let info = self.info()?;
        let source = match &origin {
            Origin::Runoff { parent } => Some(parent),
            Origin::NextRound { from } => Some(from),
            Origin::Revote { of } => Some(of),
            Origin::Procedure { .. } => None,
            Origin::Spec => return Err(refused(Code::EntryBody, "no origin".into())),
        };
        if let Some(source) = source {
            if info.election.contest_index(source).is_none() {
                return Err(ConductError::UnknownContest(source.clone()).into());
            }
        }
        let next = with_contest(info, contest, style)?;
        let id = contest
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        if style.contests != [id.clone()] {
            return Err(refused(
                Code::Styles,
                format!("新轮次的选票样式须只含 “{id}” / the new round's style holds “{id}” only"),
            ));
        }
        let arrival = next.arrival(&id);
        self.conduct_mut()?
            .add_contest(&id, arrival, origin, style_def(style))?;
        self.election = Some(Arc::new(next));
        Ok(())
    }
}

/// The checkpoint text a teller signs for the result at `result_index`: the tree right after
/// the result.
pub fn result_checkpoint_text(
    election_id: &str,
    tree: &Tree,
    result_index: u64,
) -> Result<String, LedgerError> {
    let root = tree
        .root_at(result_index + 1)
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    Checkpoint {
        origin: crate::record::entry::origin(election_id),
        size: result_index + 1,
        root,
        extensions: Vec::new(),
    }
    .to_text()
    .map_err(|e| LedgerError::Index(e.to_string()))
}

pub fn style_def(s: &Style) -> StyleDef {
    StyleDef {
        round: s.round,
        unit: s.unit.clone(),
        contests: s.contests.clone(),
    }
}

/// The ballot key of a ballot entry's body (plaintext or encrypted).
pub fn ballot_key(e: &Entry) -> Result<BallotKey, LedgerError> {
    let token = if e.kind == EntryKind::EncryptedBallot {
        EncryptedBallotBody::decode(&e.body)
            .map_err(|err| refused(Code::EntryBody, err.to_string()))?
            .token
    } else {
        let b: BallotBody = body(e)?;
        crate::tokens::token_from_base64(&b.token).map_err(LedgerError::Token)?
    };
    Ok(BallotKey {
        serial: *token.serial(),
        round: token.round(),
        style: token.style(),
        encrypted: e.kind == EntryKind::EncryptedBallot,
    })
}

pub fn election_info(b: &ElectionRegistered) -> Result<ElectionInfo, LedgerError> {
    let election =
        parse_logged_election(b.spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
    let election_key = parse_election_key(&b.election_key).ok_or_else(|| {
        refused(
            Code::BadKey,
            "选举公钥无效 / the election key is invalid".into(),
        )
    })?;
    let log_key = Verifier::parse(&b.log_key).map_err(|e| refused(Code::BadKey, e.to_string()))?;
    let mut tellers: Vec<Verifier> = Vec::new();
    for t in &b.tellers {
        let v = Verifier::parse(t).map_err(|e| refused(Code::BadKey, e.to_string()))?;
        // A teller's name is shown beside its signature on the board: it may not hide
        // invisible or direction characters (elections of protocol 2 and later).
        if b.protocol >= 2 {
            crate::record::names::check_id_characters(v.name()).map_err(|e| {
                refused(
                    Code::BadKey,
                    format!("计票人公钥的名称 / the teller key's name: {e}"),
                )
            })?;
        }
        if b.protocol >= 2 && tellers.iter().any(|o| o.name() == v.name()) {
            return Err(refused(
                Code::TellerTwice,
                format!(
                    "计票人 “{}” 登记了两次 / the teller “{}” is registered twice",
                    v.name(),
                    v.name()
                ),
            ));
        }
        tellers.push(v);
    }
    if b.signatures_required as usize > tellers.len() {
        return Err(refused(
            Code::SignaturesRequired,
            format!(
                "需要 {} 个签名, 但只有 {} 名计票人 / {} signatures required but {} tellers",
                b.signatures_required,
                tellers.len(),
                b.signatures_required,
                tellers.len()
            ),
        ));
    }
    if b.protocol == 0 || b.protocol > PROTOCOL_CURRENT {
        return Err(refused(
            Code::Protocol,
            format!(
                "日志协议 {} 不受支持 (最高 {PROTOCOL_CURRENT}) / log protocol {} is not supported (at most {PROTOCOL_CURRENT})",
                b.protocol, b.protocol
            ),
        ));
    }
    // An election of procedures only starts without contests, so without styles.
    let procedures_only = election.contests.is_empty() && !election.procedures.is_empty();
    if (b.styles.is_empty() && !procedures_only) || b.styles.len() > usize::from(u16::MAX) {
        return Err(refused(
            Code::Styles,
            "须有 1 至 65535 个选票样式 / needs 1 to 65535 ballot styles".into(),
        ));
    }
    for (i, s) in b.styles.iter().enumerate() {
        if s.contests.is_empty() || s.round == 0 {
            return Err(refused(
                Code::Styles,
                format!(
                    "选票样式 {i} 须有选举项目和轮次 / style {i} needs contests and a round ≥ 1"
                ),
            ));
        }
        for c in &s.contests {
            if election.contest_index(c).is_none() {
                return Err(refused(
                    Code::Styles,
                    format!("选票样式 {i} 的 “{c}” 不存在 / style {i} names no contest “{c}”"),
                ));
            }
        }
    }
    if b.protocol >= 2 {
        // Two styles for one unit in one round would let the desk's counts be read twice.
        let mut seen: BTreeMap<(u8, &str), usize> = BTreeMap::new();
        for (i, s) in b.styles.iter().enumerate() {
            if let Some(j) = seen.insert((s.round, s.unit.as_str()), i) {
                return Err(refused(
                    Code::Styles,
                    format!("选票样式 {j} 和 {i} 属于同一轮次和单位 / styles {j} and {i} have the same round and unit"),
                ));
            }
        }
    }
    match &b.secrecy {
        Some(Secrecy::Plaintext { reason }) if reason.trim().is_empty() => {
            return Err(refused(
                Code::PlaintextReasonMissing,
                "明文投票须写明原因 (记入日志并公示) / plaintext ballots need a reason (logged and posted)".into(),
            ));
        }
        Some(Secrecy::Encrypted { threshold }) => {
            let n = u32::try_from(tellers.len()).unwrap_or(u32::MAX);
            crate::crypto::dkg::DkgParams::new(n, *threshold).map_err(|e| {
                refused(
                    Code::Threshold,
                    format!("加密选票须有至少 3 名计票人, 门限 k 为 2 至 n: {e} / encrypted ballots need at least 3 tellers and a threshold k of 2 to n: {e}"),
                )
            })?;
            // An evaluation with evaluator groups takes each style's group, not the voter's.
            for (i, st) in b.styles.iter().enumerate() {
                for c in &st.contests {
                    let grouped = election
                        .contest_index(c)
                        .and_then(|ci| election.contests[ci].evaluation().as_ref())
                        .filter(|e| !e.groups.is_empty());
                    if let Some(e) = grouped {
                        if e.group_index(&st.group).is_none() {
                            return Err(refused(
                                Code::StyleGroup,
                                format!("选票样式 {i} 须写明 “{c}” 的测评组 (group) / style {i} must name the evaluator group of “{c}”"),
                            ));
                        }
                    }
                }
            }
            for c in &election.contests {
                if crate::record::election::contest_arrival(&b.spec, c.id()).mode != Mode::Paper {
                    crate::e2e::shape_of(c)?;
                }
            }
        }
        _ => {}
    }
    Ok(ElectionInfo {
        id: election.id.clone(),
        election,
        spec: b.spec.clone(),
        styles: b.styles.clone(),
        election_key,
        log_key,
        tellers,
        signatures_required: b.signatures_required,
        protocol: b.protocol,
        pool_spare_percent: b.pool_spare_percent.unwrap_or(POOL_SPARE_PERCENT_DEFAULT),
        secrecy: b.secrecy.clone(),
    })
}

/// A paper ballot line as logged (counted or keyed), which must belong to `contest`.
fn paper_line(
    election: &crate::rules::Election,
    contest: &str,
    line: &serde_json::Value,
) -> Result<crate::rules::Ballot, LedgerError> {
    if line.get("contest").and_then(|c| c.as_str()) != Some(contest) {
        return Err(refused(
            Code::BallotStyleMismatch,
            "纸质选票的 contest 与选举项目不符 / the paper ballot names another contest".into(),
        ));
    }
    crate::record::ballot::parse_ballot_line(election, 1, &line.to_string(), Names::AsLogged)
        .map(|(_, b)| b)
        .map_err(LedgerError::Ballot)
}

/// The election with a contest (a runoff, or a later round) and its ballot style added.
fn with_contest(
    info: &ElectionInfo,
    contest: &serde_json::Value,
    style: &Style,
) -> Result<ElectionInfo, LedgerError> {
    let mut spec = info.spec.clone();
    if let Some(contests) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
        contests.push(contest.clone());
    }
    let election =
        parse_logged_election(spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
    let mut styles = info.styles.clone();
    styles.push(style.clone());
    Ok(ElectionInfo {
        id: info.id.clone(),
        election,
        spec,
        styles,
        election_key: info.election_key,
        log_key: info.log_key.clone(),
        tellers: info.tellers.clone(),
        signatures_required: info.signatures_required,
        protocol: info.protocol,
        pool_spare_percent: info.pool_spare_percent,
        secrecy: info.secrecy.clone(),
    })
}
