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
use crate::e2e::book::{Basis, CheckedBallot, CheckedStep};
use crate::e2e::challenges::{ChallengeError, Challenges};
use crate::e2e::{Book, E2eError};
use crate::record::due::Due;
use crate::record::encrypted::EncryptedBallotBody;
use crate::record::entry::{
    BallotBody, CeremonyCheck, CeremonyRestart, CeremonyRound1, CeremonyShares, CheckInCount,
    ContestClosed, ContestCreated, ContestOpened, DecryptionSharesBody, ElectionKeySet,
    ElectionRegistered, Entry, EntryKind, PaperBallot, PaperKeyed, PoolRegistered, ResultBody,
    ResultPublished, RevoteCreated, RollRegistered, RunoffCreated, SeatsReduced, Secrecy,
    ShuffleBody, Style, TellerSignature, TokensVoided, TurnoutCorrected,
};
use crate::record::merkle::Tree;
use crate::record::names::Names;
use crate::record::note::{verify_signature_line, Checkpoint, Verifier};
use crate::record::parse_logged_election;
use crate::record::procedure::{check_step_body, ProcedureStep};
use crate::record::spoiled::{KioskTest, SpoiledBallotBody};
use crate::rules::conduct::{
    Arrival, Conduct, ConductError, Correction, Figures, LoggedStep, Mode, Origin, Person,
    Secrecy as SecrecyMode, StyleDef,
};
use crate::rules::Election;

mod admin;
mod info;
pub use info::*;

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
    /// Entry 0's hash: the log's identity, which a protocol-9 paper keying's signature binds
    /// (`record::attest`), so that one made in a rehearsal under the same election id is no
    /// keying of this log.
    pub log_id: [u8; 32],
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
    Step(CheckedStep),
    Revote(RevoteCreated),
    Reduction(SeatsReduced),
    /// A keying, and whether it made the sheet's keyings agree.
    Keyed(PaperKeyed, bool),
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

/// A teller's shuffle or decryption-shares entry, decoded once, off the ledger's lock, to be
/// checked there too (`Ledger::append_teller_step`).
pub enum TellerStep {
    Shuffle(ShuffleBody),
    Shares(DecryptionSharesBody),
}

impl TellerStep {
    /// `None` for any other entry, or one that does not decode (the sequencer then names it).
    pub fn decode(e: &Entry) -> Option<TellerStep> {
        match e.kind {
            EntryKind::Shuffle => e.body_as().ok().map(TellerStep::Shuffle),
            EntryKind::DecryptionShares => e.body_as().ok().map(TellerStep::Shares),
            _ => None,
        }
    }

    /// The tally it is checked against: (contest, evaluator group).
    pub fn tally(&self) -> (&str, &str) {
        match self {
            TellerStep::Shuffle(b) => (&b.contest, ""),
            TellerStep::Shares(b) => (&b.contest, &b.group),
        }
    }

    /// Checks it (its proofs verified) against `book`, a copy from [`State::tally_book`].
    pub fn check(&self, book: &Book) -> Result<CheckedStep, E2eError> {
        match self {
            TellerStep::Shuffle(b) => book.check_shuffle(b),
            TellerStep::Shares(b) => book.check_shares(b),
        }
    }
}

impl State {
    /// Whether a refusal of a teller step's proofs, found off the lock against a copy of its
    /// tally whose basis was `basis`, stands now: `Err` with the conduct's refusal when the
    /// conduct refuses the entry (named first, as the sequencer would); `Ok(true)` when the
    /// conduct accepts it and the tally is still the one checked against (so the sequencer,
    /// which every append waits on, would only verify the same proofs again and fail);
    /// `Ok(false)` when the tally changed meanwhile (the sequencer then checks it afresh).
    pub fn teller_refusal_stands(
        &self,
        e: &Entry,
        contest: &str,
        group: &str,
        basis: Option<Basis>,
    ) -> Result<bool, LedgerError> {
        check_entry_size(e.body.len())?;
        self.admin.clone().teller_conduct(e)?;
        let now = self
            .admin
            .book()
            .ok()
            .and_then(|b| b.tally_basis(contest, group));
        Ok(basis.is_some() && now == basis)
    }
}

/// An append without an entry its group brings (`record::due`): refused, nothing logged.
fn group_incomplete(due: &Due) -> LedgerError {
    let (zh, en) = due.describe();
    refused(
        Code::GroupIncomplete,
        format!("此次提交缺少与之一并写入的{zh}, 未记录任何内容 / this append lacks {en}, which comes with it: nothing was logged"),
    )
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

    /// The election and a copy of the book without its tallies, to verify a ballot's proofs
    /// away from the lock (`Ledger::spoil`).
    pub fn verifying_copy(&self) -> Result<(Arc<ElectionInfo>, Book), LedgerError> {
        let info = self
            .admin
            .election
            .clone()
            .ok_or(LedgerError::NotInitialised)?;
        Ok((info, self.admin.book()?.without_tallies()))
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
        let (digests, alphas) = checked.map_or((&[][..], &[][..]), |c| (&c.digests, &c.alphas));
        self.challenges.check_cast(&key.serial, digests, alphas)?;
        let pending = batch_spent
            .get(&(key.round, key.style))
            .copied()
            .unwrap_or(0);
        Ok(self.conduct()?.check_spend(key.style, pending)?)
    }

    /// Checks an entry that is not a ballot before it is appended.
    pub fn check_admin(&self, e: &Entry, tree: &Tree) -> Result<(), LedgerError> {
        self.check_admin_all(std::slice::from_ref(e), tree)
            .map(|_| ())
    }

    /// Checks entries that are appended together, each against the state the ones before it
    /// leave: all of them pass, or none is written. Returns, per entry, the checked step of a
    /// shuffle or decryption shares (its proofs verified), for [`State::apply`].
    pub fn check_admin_all(
        &self,
        entries: &[Entry],
        tree: &Tree,
    ) -> Result<Vec<Option<CheckedStep>>, LedgerError> {
        self.check_admin_with(entries, tree, None)
    }

    /// [`State::check_admin_all`], with the first entry's step as checked earlier, off the
    /// ledger's lock ([`TellerStep::check`]): used when it still holds (`Book::holds`).
    pub fn check_admin_with(
        &self,
        entries: &[Entry],
        tree: &Tree,
        mut pre: Option<CheckedStep>,
    ) -> Result<Vec<Option<CheckedStep>>, LedgerError> {
        if let [e] = entries {
            if matches!(e.kind, EntryKind::SpoiledBallot | EntryKind::KioskTest) {
                return self.check_challenge(e).map(|()| vec![None]);
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
        for e in entries {
            check_entry_size(e.body.len())?;
        }
        let mut scratch = self.admin.clone();
        let mut steps = Vec::with_capacity(entries.len());
        // Protocol 11: what an entry brings in the same append comes right after it, as
        // `verify` requires (`record::due`); a publication's runoffs are its builder's, under
        // the lock that orders new rounds (`procedure::new_rounds`).
        let whole = scratch
            .conduct()
            .is_ok_and(|c| c.protocol() >= crate::rules::conduct::PROTOCOL_WHOLE_GROUPS);
        let mut owed: std::collections::VecDeque<Due> = Default::default();
        for (n, e) in entries.iter().enumerate() {
            if let Some(due) = owed.pop_front().filter(|d| !d.is(e)) {
                return Err(group_incomplete(&due));
            }
            // A close's voidings, read before it is applied: a close built from a state that
            // another close of the same style, a pool or a ballot changed since is refused
            // (its builder, `Ledger::close_contest_by`, builds it again).
            if whole && e.kind == EntryKind::ContestClosed {
                if let (Ok(c), Ok(b)) = (scratch.conduct(), e.body_as::<ContestClosed>()) {
                    owed.extend(Due::voids_of_close(c, &b.contest));
                }
            }
            steps.push(
                match scratch.step(self.size + n as u64, e, tree, pre.take())? {
                    Effect::Step(step) => Some(step),
                    Effect::Keyed(k, true) if whole => {
                        owed.push_back(Due::Paper {
                            contest: k.contest,
                            sheet: k.sheet,
                        });
                        None
                    }
                    Effect::ProcedureStep(p) if whole => {
                        owed.extend(
                            scratch
                                .conduct()
                                .ok()
                                .and_then(|c| Due::next_round(c, &p.procedure)),
                        );
                        None
                    }
                    _ => None,
                },
            );
        }
        if let Some(due) = owed.front() {
            return Err(group_incomplete(due));
        }
        Ok(steps)
    }

    /// What checking a teller's shuffle or decryption shares of `(contest, group)` needs of
    /// this state: the book with that tally only (`Book::narrowed`), cheap to copy under the
    /// ledger's lock. `None` in a plaintext election or without such a tally.
    pub fn tally_book(&self, contest: &str, group: &str) -> Option<Book> {
        self.admin.book.as_deref()?.narrowed(contest, group)
    }

    /// Applies an entry that is durable. `ballot` carries the ballot's key for ballots, and
    /// an encrypted ballot's checked contents (decoded from the body when absent, as at
    /// start-up replay: its proofs were verified before it was appended); `step`, a teller
    /// step [`State::check_admin_all`] checked against this very state just before (its
    /// proofs are then not verified a second time; checked here when absent).
    pub fn apply(
        &mut self,
        index: u64,
        e: &Entry,
        ballot: Option<BallotKey>,
        checked: Option<&CheckedBallot>,
        step: Option<CheckedStep>,
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
                // Replaying the log: each protocol's own rules (`check_challenge` checked a
                // new entry more strictly).
                let t: KioskTest = body(e)?;
                let strict = self.info()?.protocol >= 4;
                let spent = &self.spent;
                let shown = self.test_slip(&t, false)?;
                self.challenges
                    .test(index, t, |s| strict && spent.contains(s), |s| shown(s))?;
                self.size = index + 1;
                return Ok(());
            }
            _ => {}
        }
        match self.admin.step(index, e, tree, step)? {
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
            Effect::Keyed(k, _) => {
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
                crate::rules::conduct::check_challenge_time(self.info()?.protocol, b.time)?;
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
                // A new test, in every protocol: never of a slip that cast, and a slip it
                // shows must be the spoiled ballot's (it is published in the entry).
                let t: KioskTest = body(e)?;
                crate::rules::conduct::check_challenge_time(self.info()?.protocol, t.time)?;
                let shown = self.test_slip(&t, true)?;
                self.challenges
                    .check_test(&t, |s| self.spent.contains(s), |s| shown(s))?;
                Ok(())
            }
            _ => Err(refused(Code::EntryKind, "not a challenge".into())),
        }
    }

    /// Whether a test shows its spoiled ballot's slip (`e2e::challenges::slip_shown`): from
    /// protocol 4 it must. Before that, a logged test stands as it is; a `new` one that
    /// shows a slip must show that one (a wrong slip, published, could be cast by anyone).
    fn test_slip(
        &self,
        t: &KioskTest,
        new: bool,
    ) -> Result<impl Fn(&crate::e2e::challenges::Spoiled) -> bool, LedgerError> {
        let info = self.info()?;
        let required = info.protocol >= 4 || (new && !t.token.is_empty());
        let (token, key, id) = (t.token.clone(), info.election_key, info.id.clone());
        Ok(move |s: &crate::e2e::challenges::Spoiled| {
            !required || crate::e2e::challenges::slip_shown(&token, s, &key, &id)
        })
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

/// Refuses an entry body the log could not read back: a frame holds at most
/// [`ENTRY_BODY_BYTES_MAX`] bytes of body (docs/LOG_FORMAT.md), and an entry written past that
/// would be acknowledged and then stop the log from opening. Every append passes here (the
/// sequencer checks a ballot's body, [`State::check_admin_with`] every other entry's).
pub fn check_entry_size(body_bytes: usize) -> Result<(), LedgerError> {
    if body_bytes > crate::record::entry::ENTRY_BODY_BYTES_MAX {
        return Err(refused(
            Code::EntryTooLarge,
            format!(
                "条目正文 {body_bytes} 字节, 日志一条最多 {} 字节 / the entry body is {body_bytes} bytes; a log entry holds at most {}",
                crate::record::entry::ENTRY_BODY_BYTES_MAX,
                crate::record::entry::ENTRY_BODY_BYTES_MAX
            ),
        ));
    }
    Ok(())
}
