//! The conduct of an election: the order its operations must follow and the limits they must
//! keep, as one state machine. The ledger runs it before it appends an entry; the verifier
//! runs it again while it replays an export. Both call this code and nothing else of each
//! other's, so "the service enforced it" and "the auditor checked it" are the same sentence.
//!
//! What it knows: which contests exist and their phase (draft, open, closed), the ballot
//! styles, the size of the roll per unit, token pools and how many tokens each style spent,
//! the desk's figures (E, P, I) per style, corrections of those figures approved by a second
//! person, results, teller signatures by key, publication.
//!
//! Architecture invariant: pure. No I/O, no clock, no serde; every check is a function of
//! what was logged before. A check that fails changes nothing.
//!
//! Protocol versions: logs written before these checks existed (protocol 1) replay with the
//! checks of their time; protocol 2 adds the roll, pool caps, desk figures that bind the
//! close, two-person corrections, one result per contest, one signature per teller key and
//! logged publication. Protocol 3 changes one order, of encrypted elections' counting:
//! each contest's totals are decrypted first and its write-in names are shuffled and
//! decrypted only when the decrypted write-in count is above zero
//! ([`Conduct::names_after_flags`]). Protocol 4 shuffles each write-in line's name together
//! with its write-in flag, so that a name counts only on a line its ballot marked
//! ([`Conduct::names_with_flags`], docs/E2E.md §9). Protocol 5 holds a procedure's round to
//! the contest its step builds and a reason posted on the board to the board's rules.
//! Protocol 6 refuses a local override of a rule the law fixes (`Election::check_statute`),
//! keeps a party contest's quorum comparison and threshold base in its runoff
//! (`record::rounds::runoff_of`), has corrections made by organisers, registrars and tellers
//! only ([`CORRECTION_ROLES`], `correction_role`), and counts a decrypted write-in that
//! names a listed candidate for no one (`count.rs`, `write_in_names_candidate`)
//! (docs/LOG_FORMAT.md).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::ballot::{evaluation_void_reason, void_reason, Ballot};
use super::contest::Contest;
use super::procedure::{
    advance, step, Entrant, ProcedureDef, ProcedureError, ProcedureState, RoundKind, StepInput,
    StepOutcome,
};

/// The protocol a log follows (`ElectionRegistered.protocol`; absent means 1).
pub const PROTOCOL_CURRENT: u32 = 11;

/// The first protocol whose corrections and seat reductions a registered teller signs.
pub const PROTOCOL_ATTESTED_FIGURES: u32 = 8;

/// The first protocol whose paper ballots a registered teller signs as they are keyed.
pub const PROTOCOL_ATTESTED_PAPER: u32 = 9;

/// The first protocol whose checked (spoiled) ballots and kiosk tests carry the hour they
/// were made, not the second (`procedure::casting`): they sit in the public log between
/// cast ballots, and a time to the second dated the casts around them (a secrecy review of
/// 2026-12-05).
pub const PROTOCOL_COARSE_TIMES: u32 = 10;

/// Protocol 10 ([`PROTOCOL_COARSE_TIMES`]): a checked ballot's or a kiosk test's `time` is a
/// whole hour; the service logs it so, and a log that holds seconds is refused.
pub fn check_challenge_time(protocol: u32, time: u64) -> Result<(), ConductError> {
    if protocol >= PROTOCOL_COARSE_TIMES && !time.is_multiple_of(3600) {
        return Err(ConductError::TimeNotHour(time));
    }
    Ok(())
}

/// Protocol 10's rules of the rounds and the figures (docs/LOG_FORMAT.md, "Protocol 10"): a
/// new vote among candidates tied at the last seat is on a closed list
/// (`RunoffOf::closed_list`); a seat reduction leaves an invalid round, a tie and a contest
/// that elected nobody to a new vote (`Conduct::check_reduction_rules`); entry 0 holds first
/// rounds only, passes the input checks and reaches a voter with a contest in one round
/// (`registration`); a procedure's round is its chain's (`procedure_round_not_made`,
/// `next_round_of_procedure`, `round_contest_reserved`); a desk count comes after the roll
/// and a close holds its E to the roll; a later round needs a round number left
/// (`rounds_exhausted`); a next round keeps its source's double entry.
pub const PROTOCOL_CLOSED_TIES: u32 = 10;

/// The first protocol whose log holds every group of entries written in one append whole: a
/// publication with its runoffs, a close with the pools it voids, an agreeing keying with
/// its paper ballot, a procedure step with its next round's contest. The service cuts an
/// unfinished group at start-up (`ledger::group`), and `verify` requires each
/// (`group_incomplete`; docs/LOG_FORMAT.md, "Protocol 11").
pub const PROTOCOL_WHOLE_GROUPS: u32 = 11;

/// What a counted result decided of one contest, as the conduct keeps it (the result's
/// `unfilled_seats`, whether its `runoff` is a tie's, how many it elected).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub contest: String,
    pub unfilled: u32,
    pub tied: bool,
    pub elected: u32,
}

/// A contest's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Draft,
    Open,
    Closed,
}

impl Phase {
    pub fn id(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }

    pub fn from_id(id: &str) -> Option<Phase> {
        [Phase::Draft, Phase::Open, Phase::Closed]
            .into_iter()
            .find(|p| p.id() == id)
    }
}

/// How a contest's ballots arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Electronic,
    Paper,
    Hybrid,
}

impl Mode {
    pub fn from_id(id: &str) -> Option<Mode> {
        match id {
            "electronic" => Some(Mode::Electronic),
            "paper" => Some(Mode::Paper),
            "hybrid" => Some(Mode::Hybrid),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Mode::Electronic => "electronic",
            Mode::Paper => "paper",
            Mode::Hybrid => "hybrid",
        }
    }

    pub fn takes_paper(self) -> bool {
        matches!(self, Mode::Paper | Mode::Hybrid)
    }
}

/// How a contest's ballots arrive, and whether two tellers key each of its paper ballots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub mode: Mode,
    /// Double-entry keying (spec `paper_entry: "double"`): each paper sheet counts only once
    /// two different tellers have keyed it alike.
    pub double_entry: bool,
}

impl From<Mode> for Arrival {
    fn from(mode: Mode) -> Arrival {
        Arrival {
            mode,
            double_entry: false,
        }
    }
}

/// What one teller's keying of a paper sheet did (double-entry contests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keyed {
    /// No other teller has keyed this sheet yet.
    Waiting,
    /// Another teller keyed the same ballot: the sheet may be counted.
    Agreed,
    /// The other tellers keyed something else: the sheet stays stopped until two agree.
    Mismatch { tellers: Vec<String> },
    /// The teller withdrew their keying of the sheet.
    Withdrawn,
}

/// A ballot style as the conduct sees it: the contests one voter of one round and unit gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleDef {
    pub round: u8,
    /// The roll unit; empty: every voter of the round whose unit has no style of its own.
    pub unit: String,
    pub contests: Vec<String>,
}

/// The desk's figures for a style or a contest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// `E`: voters on the roll.
    pub eligible: u64,
    /// `P`: voters present (checked in, with the principals they carry).
    pub present: u64,
    /// `I`: slips (ballots) handed out.
    pub issued: u64,
}

impl Figures {
    /// The sum, or `None` when a figure does not fit in 64 bits (only a forged log's figures
    /// come near: the verifier must refuse them, not wrap them).
    fn checked_add(self, o: Figures) -> Option<Figures> {
        Some(Figures {
            eligible: self.eligible.checked_add(o.eligible)?,
            present: self.present.checked_add(o.present)?,
            issued: self.issued.checked_add(o.issued)?,
        })
    }
}

/// Who did something, as the service authenticated them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub role: String,
}

/// How a contest came to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In the election spec from the start.
    Spec,
    /// A runoff (另行选举) proposed by the published result of `parent`.
    Runoff { parent: String },
    /// A later round of a procedure, from the published result of `from`.
    NextRound { from: String },
    /// A re-vote (重新投票) of contest `of`, whose counted round was invalid (quorum not
    /// met, more ballots than issued, ...): the same list, a new round, a logged reason.
    Revote { of: String },
    /// A round of a multi-round procedure (RULES.md section 4), its list the one the
    /// procedure's last step passed on ([`Conduct::procedure_contest`]).
    Procedure { procedure: String, round: String },
}

mod contests;
pub use contests::{reserved_round_id, CORRECTION_ROLES};
mod decryption;
mod error;
mod paper;
mod pools;
mod procedures;
mod results;
#[cfg(test)]
mod tests;

pub use decryption::SharesEntry;
pub use error::ConductError;

/// How an election keeps its ballots secret (the conduct's view: counts, no keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrecy {
    /// Plaintext ballots (logs before encryption, or the organiser's logged choice).
    Plaintext,
    /// Ballots encrypted under a key `threshold` of `tellers` hold together.
    Encrypted { tellers: u32, threshold: u32 },
}

/// Where the key ceremony stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ceremony {
    /// The attempt in progress (from 1); a complaint that holds starts the next.
    pub attempt: u32,
    pub round1: BTreeSet<u32>,
    pub shares: BTreeSet<u32>,
    pub checks: BTreeSet<u32>,
    /// The attempt whose key was set.
    pub key: Option<u32>,
    /// The attempts abandoned by a teller, or ended by an upheld complaint: (attempt,
    /// teller index, reason), in log order. For a complaint the teller is the one who made
    /// it and the reason names the tellers whose shares failed.
    pub restarts: Vec<(u32, u32, String)>,
    /// The attempts of `restarts` ended by an upheld complaint (not by the teller's own
    /// `ceremony_restart`).
    pub upheld: BTreeSet<u32>,
}

/// The counting of an encrypted contest after its close.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decryption {
    /// Tellers who shuffled the write-in names, in order.
    pub shuffles: Vec<u32>,
    /// Tellers who gave decryption shares, per evaluator group ("" when none): of the totals
    /// and the names together (protocol ≤ 2), or of the totals (protocol 3).
    pub shares: BTreeMap<String, BTreeSet<u32>>,
    /// Protocol 3: tellers who gave decryption shares of the shuffled write-in names.
    pub name_shares: BTreeSet<u32>,
}

/// An approved correction of a contest's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub figures: Figures,
    pub reason: String,
    pub proposer: Person,
    pub approver: Person,
    /// The registered teller's signature of it (protocol 8: required), as checked where the
    /// log's keys are (`record::attest`).
    pub attested: Attest,
}

/// An act a registered teller signs, named in both languages, with where the signature is
/// made (said when it is missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Act {
    pub what_zh: &'static str,
    pub what_en: &'static str,
    pub how_zh: &'static str,
    pub how_en: &'static str,
}

impl Act {
    /// A correction of the figures (protocol 8).
    pub const CORRECTION: Act = Act {
        what_zh: "人数更正",
        what_en: "a correction of the figures",
        how_zh: "计票人页面载入本人密钥, scrutineer teller attest, 或服务器上命令的 --teller-key",
        how_en: "the teller page with the key loaded, scrutineer teller attest, or --teller-key of the command on the server machine",
    };
    /// A seat reduction (protocol 8).
    pub const REDUCTION: Act = Act {
        what_zh: "减少名额的决定",
        what_en: "a seat reduction",
        ..Act::CORRECTION
    };
    /// Keying a paper ballot (protocol 9).
    pub const PAPER: Act = Act {
        what_zh: "纸质选票的录入",
        what_en: "keying a paper ballot",
        how_zh: "计票人页面载入本人密钥后录入, 或服务器上 scrutineer ledger paper --teller-key",
        how_en: "keyed on the teller page with the key loaded, or scrutineer ledger paper --teller-key on the server machine",
    };
}

/// A registered teller's signature of a correction, a seat reduction (protocol 8) or a paper
/// keying (protocol 9), as checked against the tellers' keys by the caller (the rules hold no
/// keys): refused in the rules' own order, so that an entry wrong in two ways is named the
/// same way by the service and `verify`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Attest {
    /// None given.
    #[default]
    None,
    /// Given and wrong: why.
    Invalid(String),
    /// By teller ℓ (1-based).
    By(u32),
}

impl Attest {
    /// The teller who signed, if one did.
    pub fn teller(&self) -> Option<u32> {
        match self {
            Attest::By(n) => Some(*n),
            _ => None,
        }
    }

    /// From protocol `since` on, refused unless a registered teller signed (`what` names the
    /// act in Chinese and English); before it, refused if one did.
    pub fn required(&self, protocol: u32, since: u32, what: Act) -> Result<(), ConductError> {
        match self {
            Attest::Invalid(why) => Err(ConductError::AttestationInvalid(why.clone())),
            // A log of an older protocol is read as it was written: none of its entries had
            // one (their bodies refused the field).
            Attest::By(_) if protocol < since => Err(ConductError::AttestationInvalid(format!(
                "协议 {protocol} 的日志中{}不带计票人签名 / a log of protocol {protocol} carries no teller's signature on {}",
                what.what_zh, what.what_en
            ))),
            Attest::None if protocol >= since => Err(ConductError::Unattested(what)),
            _ => Ok(()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestConduct {
    pub phase: Phase,
    pub mode: Mode,
    pub origin: Origin,
    /// The figures logged at close.
    pub closed: Option<Figures>,
    /// The latest approved correction, if any.
    pub correction: Option<Correction>,
    /// Corrections of it logged so far (a teller's attestation names its position).
    pub corrections: u32,
    /// The result entry that counted this contest.
    pub result: Option<u64>,
    /// Paper ballots keyed in.
    pub paper_ballots: u64,
    /// Two tellers key each paper ballot (`Arrival::double_entry`).
    pub double_entry: bool,
    /// Double entry: each teller's latest keying of the open sheet (number
    /// `paper_ballots + 1`), canonical ([`Ballot::canonical`]).
    pub keyings: BTreeMap<String, Ballot>,
    /// Double entry, protocol 9: the registered teller ℓ whose key signed each account's
    /// latest keying of the open sheet. Two keyings agree only when two different keys
    /// signed them (an organiser can make two teller accounts, not two teller keys).
    pub keyed_by: BTreeMap<String, u32>,
    /// Single entry, protocol 9: paper ballots each registered teller ℓ signed so far (the
    /// `count` the next one's signature names).
    pub paper_signed: BTreeMap<u32, u64>,
    /// Double entry: sheets on which two tellers' keyings disagreed before two agreed.
    pub rekeyed_sheets: u64,
    /// Double entry: keyings logged (withdrawals included).
    pub keyings_logged: u64,
    /// Shuffles and decryption shares (encrypted elections).
    pub decryption: Decryption,
    /// Its counted round was invalid (the result says `valid: false`).
    pub invalid: bool,
    /// A re-vote of that invalid round was created.
    pub revoted: bool,
    /// Seats its latest counted result left unfilled.
    pub unfilled: u32,
    /// Its latest counted result had candidates tied at the last seat (a tie's runoff).
    pub tied: bool,
    /// Whom its latest counted result elected (its count).
    pub elected: u32,
    /// A runoff withdrawn before it opened, because the meeting reduced its parent's seats.
    pub superseded: bool,
    /// Seats removed by a recorded decision of the meeting (0: none).
    pub reduced_by: u32,
    /// Protocol 4: its latest correction was logged after a teller had given decryption
    /// shares of it, when anyone could already compute its totals; its result says so
    /// (`count::FIGURES_CORRECTED_AFTER_SHARES`), for the tellers who sign it.
    pub corrected_after_shares: bool,
}

impl ContestConduct {
    /// The figures the count uses: the corrected ones when a correction was approved.
    pub fn counting_figures(&self) -> Option<Figures> {
        self.correction.as_ref().map(|c| c.figures).or(self.closed)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolConduct {
    pub registered: u64,
    pub spent: u64,
    pub voided: bool,
    /// Tokens registered after voting in the style had started (each with a logged reason).
    pub late: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultConduct {
    pub contests: Vec<String>,
    /// Names of the teller keys whose signatures were verified, one per key.
    pub signers: BTreeSet<String>,
    pub published: bool,
}

/// The conduct state machine. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conduct {
    protocol: u32,
    spare_percent: u32,
    // Styles, contests and results are shared between copies and copied one by one when
    // changed (`Arc::make_mut`): the ledger checks each appended entry on a copy of the
    // conduct, and a county's 403 contests, styles and results were copied whole for
    // every teller signature.
    styles: Arc<Vec<StyleDef>>,
    contests: BTreeMap<String, Arc<ContestConduct>>,
    roll: Option<Arc<BTreeMap<String, u64>>>,
    pools: HashMap<u16, PoolConduct>,
    desk: HashMap<u16, Figures>,
    results: BTreeMap<u64, Arc<ResultConduct>>,
    secrecy: Secrecy,
    ceremony: Ceremony,
    /// Multi-round procedures and where each stands.
    procedures: BTreeMap<String, (ProcedureDef, ProcedureState)>,
    /// A procedure round's contest: its latest result entry and whom that result passes on.
    round_results: BTreeMap<String, (u64, Vec<String>)>,
    /// Entry 0 registers at least one teller key (assumed until said otherwise).
    teller_keys: bool,
}

/// One step of a procedure as logged, in the rules' types (see `record::procedure`).
#[derive(Clone, Debug)]
pub struct LoggedStep<'a> {
    pub procedure: &'a str,
    pub round: &'a str,
    pub input: StepInput<'a>,
    pub posts: u32,
    pub people: &'a [Entrant],
    pub widened: bool,
    /// A round held as a contest: the result entry it takes.
    pub result: Option<u64>,
}

impl Conduct {
    /// The conduct of a newly registered election: its styles and its contests with their
    /// ballot modes, all in draft.
    pub fn new(
        protocol: u32,
        spare_percent: u32,
        styles: Vec<StyleDef>,
        contests: &[(String, Arrival)],
    ) -> Conduct {
        let contests = contests
            .iter()
            .map(|(id, arrival)| {
                (
                    id.clone(),
                    Arc::new(ContestConduct {
                        phase: Phase::Draft,
                        mode: arrival.mode,
                        origin: Origin::Spec,
                        closed: None,
                        correction: None,
                        result: None,
                        paper_ballots: 0,
                        double_entry: arrival.double_entry,
                        keyings: BTreeMap::new(),
                        keyed_by: BTreeMap::new(),
                        paper_signed: BTreeMap::new(),
                        rekeyed_sheets: 0,
                        keyings_logged: 0,
                        decryption: Decryption::default(),
                        invalid: false,
                        revoted: false,
                        unfilled: 0,
                        tied: false,
                        elected: 0,
                        superseded: false,
                        reduced_by: 0,
                        corrections: 0,
                        corrected_after_shares: false,
                    }),
                )
            })
            .collect();
        Conduct {
            protocol,
            spare_percent,
            styles: Arc::new(styles),
            contests,
            roll: None,
            pools: HashMap::new(),
            desk: HashMap::new(),
            results: BTreeMap::new(),
            procedures: BTreeMap::new(),
            round_results: BTreeMap::new(),
            secrecy: Secrecy::Plaintext,
            ceremony: Ceremony {
                attempt: 1,
                ..Ceremony::default()
            },
            teller_keys: true,
        }
    }

    /// The conduct of an election whose entry 0 registers `n` teller keys.
    pub fn with_teller_keys(mut self, n: usize) -> Conduct {
        self.teller_keys = n > 0;
        self
    }

    /// From protocol `since`, refused unless a registered teller signed (`what` names the
    /// act); before it, refused if one did ([`Attest::required`]). From protocol 9 an
    /// election that registered no teller key (a plaintext one may have none) has no one to
    /// sign, and takes the act unsigned as before: with no teller, no result is signed either.
    pub fn require_attested(
        &self,
        attested: &Attest,
        since: u32,
        what: Act,
    ) -> Result<(), ConductError> {
        if self.protocol >= PROTOCOL_ATTESTED_PAPER
            && !self.teller_keys
            && *attested == Attest::None
        {
            return Ok(());
        }
        attested.required(self.protocol, since, what)
    }

    /// The conduct of an election whose ballots are kept secret as `secrecy` says.
    pub fn with_secrecy(mut self, secrecy: Secrecy) -> Conduct {
        self.secrecy = secrecy;
        self
    }

    pub fn secrecy(&self) -> Secrecy {
        self.secrecy
    }

    pub fn ceremony(&self) -> &Ceremony {
        &self.ceremony
    }

    fn encrypted(&self) -> Result<(u32, u32), ConductError> {
        match self.secrecy {
            Secrecy::Encrypted { tellers, threshold } => Ok((tellers, threshold)),
            Secrecy::Plaintext => Err(ConductError::NotEncrypted),
        }
    }

    fn ceremony_step(
        &self,
        attempt: u32,
        index: u32,
        done: &BTreeSet<u32>,
        step: &'static str,
    ) -> Result<u32, ConductError> {
        let (tellers, _) = self.encrypted()?;
        if self.ceremony.key.is_some() {
            return Err(ConductError::ElectionKeySet);
        }
        if attempt != self.ceremony.attempt {
            return Err(ConductError::CeremonyAttempt {
                expected: self.ceremony.attempt,
                got: attempt,
            });
        }
        if index == 0 || index > tellers {
            return Err(ConductError::TellerIndex { index, tellers });
        }
        if done.contains(&index) {
            return Err(ConductError::CeremonyRepeated { index, step });
        }
        Ok(tellers)
    }

    fn waiting(done: &BTreeSet<u32>, tellers: u32) -> Result<(), ConductError> {
        let missing = tellers.saturating_sub(done.len() as u32);
        if missing > 0 {
            return Err(ConductError::CeremonyWaiting { missing });
        }
        Ok(())
    }

    /// A teller's round-1 message of the key ceremony (the proofs are checked by the caller).
    pub fn ceremony_round1(&mut self, attempt: u32, index: u32) -> Result<(), ConductError> {
        self.ceremony_step(attempt, index, &self.ceremony.round1, "round1")?;
        self.ceremony.round1.insert(index);
        Ok(())
    }

    /// A teller's encrypted shares: once every teller's round 1 is in.
    pub fn ceremony_shares(&mut self, attempt: u32, index: u32) -> Result<(), ConductError> {
        let tellers = self.ceremony_step(attempt, index, &self.ceremony.shares, "shares")?;
        Conduct::waiting(&self.ceremony.round1, tellers)?;
        self.ceremony.shares.insert(index);
        Ok(())
    }

    /// A teller's check of its shares: once every teller's shares are in. A complaint that
    /// holds (checked by the caller) fails the attempt: the next one starts afresh.
    pub fn ceremony_check(
        &mut self,
        attempt: u32,
        index: u32,
        upheld: &[u32],
    ) -> Result<(), ConductError> {
        let tellers = self.ceremony_step(attempt, index, &self.ceremony.checks, "check")?;
        Conduct::waiting(&self.ceremony.shares, tellers)?;
        if !upheld.is_empty() {
            self.another_attempt(attempt)?;
            let named: Vec<String> = upheld.iter().map(u32::to_string).collect();
            let named = named.join(", ");
            let mut restarts = std::mem::take(&mut self.ceremony.restarts);
            let mut upheld = std::mem::take(&mut self.ceremony.upheld);
            restarts.push((
                attempt,
                index,
                format!("申诉成立: 第 {named} 号计票人的份额未通过核对 / complaint upheld: the share of teller {named} failed its check"),
            ));
            upheld.insert(attempt);
            self.ceremony = Ceremony {
                attempt: attempt + 1,
                restarts,
                upheld,
                ..Ceremony::default()
            };
        } else {
            self.ceremony.checks.insert(index);
        }
        Ok(())
    }

    /// A teller abandons the attempt in progress (its reason checked here, its signature by
    /// the caller): at any step before the election key is set, the next attempt starts
    /// from round 1. A teller who lost the secrets of its round 1 has no other way on.
    pub fn ceremony_restart(
        &mut self,
        attempt: u32,
        index: u32,
        reason: &str,
    ) -> Result<(), ConductError> {
        self.ceremony_step(attempt, index, &BTreeSet::new(), "restart")?;
        if !reason_said(reason) {
            return Err(ConductError::CeremonyRestartReason);
        }
        // Protocol 6: one teller's own restarts are capped well below the election's
        // attempts, so that one teller cannot end the ceremony for good alone.
        // Protocol 8: an upheld complaint is not the complainer's restart (it was charged to
        // the teller who complained, so ten honest complaints left it no restart of its own).
        let own = self
            .ceremony
            .restarts
            .iter()
            .filter(|(a, i, _)| {
                *i == index && (self.protocol < 8 || !self.ceremony.upheld.contains(a))
            })
            .count();
        if self.protocol >= 6 && own >= CEREMONY_RESTARTS_PER_TELLER {
            return Err(ConductError::CeremonyRestartsMax(index, own));
        }
        self.another_attempt(attempt)?;
        let mut restarts = std::mem::take(&mut self.ceremony.restarts);
        let upheld = std::mem::take(&mut self.ceremony.upheld);
        restarts.push((attempt, index, reason.to_string()));
        self.ceremony = Ceremony {
            attempt: attempt + 1,
            restarts,
            upheld,
            ..Ceremony::default()
        };
        Ok(())
    }

    /// Protocol 5: whether attempt `attempt` may be followed by another. A ceremony restarted
    /// [`CEREMONY_ATTEMPTS_MAX`] times has a cause to find, not a next attempt; and each
    /// restart's replay must stay cheap however many a forged log holds.
    fn another_attempt(&self, attempt: u32) -> Result<(), ConductError> {
        if self.protocol >= 5 && attempt >= CEREMONY_ATTEMPTS_MAX {
            return Err(ConductError::CeremonyAttemptsMax(attempt));
        }
        Ok(())
    }

    /// The election key of a ceremony attempt every teller checked without complaint.
    pub fn election_key(&mut self, attempt: u32) -> Result<(), ConductError> {
        let (tellers, _) = self.encrypted()?;
        if self.ceremony.key.is_some() {
            return Err(ConductError::ElectionKeySet);
        }
        if attempt != self.ceremony.attempt {
            return Err(ConductError::CeremonyAttempt {
                expected: self.ceremony.attempt,
                got: attempt,
            });
        }
        Conduct::waiting(&self.ceremony.checks, tellers)?;
        self.ceremony.key = Some(attempt);
        Ok(())
    }

    /// Whether a ballot of this kind belongs in this election.
    pub fn check_ballot_kind(&self, encrypted: bool) -> Result<(), ConductError> {
        match (self.secrecy, encrypted) {
            (Secrecy::Encrypted { .. }, true) | (Secrecy::Plaintext, false) => Ok(()),
            (Secrecy::Encrypted { .. }, false) => Err(ConductError::BallotKindMismatch {
                expected: "须加密",
                expected_en: "encrypted",
            }),
            (Secrecy::Plaintext, true) => Err(ConductError::BallotKindMismatch {
                expected: "为明文",
                expected_en: "plaintext",
            }),
        }
    }

    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// Protocol 4: a write-in line is shuffled and decrypted as its flag with its name (width
    /// 3), so a name on a line its ballot did not mark is seen and not counted, and a marked
    /// line whose name does not decode counts for no one instead of stopping the count.
    pub fn names_with_flags(&self) -> bool {
        self.protocol >= 4
    }

    fn strict(&self) -> bool {
        self.protocol >= 2
    }

    pub fn spare_percent(&self) -> u32 {
        self.spare_percent
    }

    pub fn styles(&self) -> &[StyleDef] {
        &self.styles
    }

    pub fn style(&self, style: u16) -> Result<&StyleDef, ConductError> {
        self.styles
            .get(usize::from(style))
            .ok_or(ConductError::UnknownStyle(style))
    }

    pub fn contest(&self, id: &str) -> Result<&ContestConduct, ConductError> {
        self.contests
            .get(id)
            .map(|c| &**c)
            .ok_or_else(|| ConductError::UnknownContest(id.to_string()))
    }

    pub fn contests(&self) -> impl Iterator<Item = (&String, &ContestConduct)> {
        self.contests.iter().map(|(id, c)| (id, &**c))
    }

    pub fn phase(&self, id: &str) -> Option<Phase> {
        self.contests.get(id).map(|c| c.phase)
    }

    pub fn pool(&self, style: u16) -> PoolConduct {
        self.pools.get(&style).copied().unwrap_or_default()
    }

    pub fn pools(&self) -> impl Iterator<Item = (u16, &PoolConduct)> {
        self.pools.iter().map(|(s, p)| (*s, p))
    }

    pub fn desk(&self, style: u16) -> Option<Figures> {
        self.desk.get(&style).copied()
    }

    pub fn roll(&self) -> Option<&BTreeMap<String, u64>> {
        self.roll.as_deref()
    }

    pub fn result(&self, index: u64) -> Option<&ResultConduct> {
        self.results.get(&index).map(|r| &**r)
    }

    pub fn results(&self) -> impl Iterator<Item = (&u64, &ResultConduct)> {
        self.results.iter().map(|(i, r)| (i, &**r))
    }

    /// The styles that hold a contest.
    pub fn styles_of(&self, contest: &str) -> Vec<u16> {
        self.styles
            .iter()
            .enumerate()
            .filter(|(_, s)| s.contests.iter().any(|c| c == contest))
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect()
    }

    fn phase_of(&self, id: &str) -> Result<Phase, ConductError> {
        Ok(self.contest(id)?.phase)
    }

    fn contest_mut(&mut self, id: &str) -> Result<&mut ContestConduct, ConductError> {
        self.contests
            .get_mut(id)
            .map(Arc::make_mut)
            .ok_or_else(|| ConductError::UnknownContest(id.to_string()))
    }
}

/// Most attempts of the key ceremony (protocol 5): a 100th restart is refused.
pub const CEREMONY_ATTEMPTS_MAX: u32 = 100;

/// Most restarts of the key ceremony one teller may make (conduct protocol 6): a teller who
/// lost its state file restarts once or twice; ten is a cause to find. With up to nine
/// tellers, no one of them can use up [`CEREMONY_ATTEMPTS_MAX`] alone.
pub const CEREMONY_RESTARTS_PER_TELLER: usize = 10;

/// Longest reason of a re-vote, in characters.
pub const REVOTE_REASON_CHARS_MAX: usize = 500;

/// Whether a logged reason is said, short enough for the board ([`REVOTE_REASON_CHARS_MAX`])
/// and free of control characters.
fn reason_said(reason: &str) -> bool {
    let n = reason.trim().chars().count();
    n > 0 && n <= REVOTE_REASON_CHARS_MAX && !reason.chars().any(char::is_control)
}

/// Whether a text posted on the board hides something: an invisible or direction character
/// (which could make it read otherwise than what was logged), or a control character other
/// than a line break.
pub fn hides_characters(text: &str) -> bool {
    use crate::rules::contest::{is_control_character, is_format_character};
    text.chars()
        .any(|c| is_format_character(c) || (is_control_character(c) && c != '\n' && c != '\r'))
}

/// Protocol 5: a reason posted on the board (a correction's, a late pool's, a plaintext
/// election's) is said, at most [`REVOTE_REASON_CHARS_MAX`] characters, and hides nothing
/// ([`hides_characters`]; line breaks are kept).
pub fn board_reason_ok(reason: &str) -> bool {
    let n = reason.trim().chars().count();
    n > 0 && n <= REVOTE_REASON_CHARS_MAX && !hides_characters(reason)
}

/// A re-vote's reason in a log of `protocol`: [`check_revote_reason`], and from protocol 5
/// without an invisible or direction character.
pub fn check_revote_reason_in(reason: &str, protocol: u32) -> Result<(), ConductError> {
    check_revote_reason(reason)?;
    if protocol >= 5 && hides_characters(reason) {
        return Err(ConductError::RevoteReason);
    }
    Ok(())
}

/// A re-vote's reason: said, and short enough for the board.
pub fn check_revote_reason(reason: &str) -> Result<(), ConductError> {
    reason_said(reason)
        .then_some(())
        .ok_or(ConductError::RevoteReason)
}

/// A seat reduction's basis: said, and short enough for the board.
pub fn check_reduction_basis(basis: &str) -> Result<(), ConductError> {
    reason_said(basis)
        .then_some(())
        .ok_or(ConductError::ReductionBasis)
}

/// A seat reduction's basis in a log of `protocol`: [`check_reduction_basis`], and from
/// protocol 5 without an invisible or direction character.
pub fn check_reduction_basis_in(basis: &str, protocol: u32) -> Result<(), ConductError> {
    check_reduction_basis(basis)?;
    if protocol >= 5 && hides_characters(basis) {
        return Err(ConductError::ReductionBasis);
    }
    Ok(())
}

/// Voters on the roll who get style `s` (see [`Conduct::style_voters`]).
pub fn style_voters(styles: &[StyleDef], s: &StyleDef, roll: &BTreeMap<String, u64>) -> u64 {
    if !s.unit.is_empty() {
        return roll.get(&s.unit).copied().unwrap_or(0);
    }
    roll.iter()
        .filter(|(unit, _)| {
            !styles
                .iter()
                .any(|o| o.round == s.round && !o.unit.is_empty() && &o.unit == *unit)
        })
        .map(|(_, n)| n)
        .sum()
}

/// The style a voter of `unit` gets in `round`: the round's style for that unit, else the
/// round's style without a unit.
pub fn style_of_unit(styles: &[StyleDef], round: u8, unit: &str) -> Option<u16> {
    let in_round = || styles.iter().enumerate().filter(|(_, s)| s.round == round);
    in_round()
        .find(|(_, s)| s.unit == unit)
        .or_else(|| in_round().find(|(_, s)| s.unit.is_empty()))
        .and_then(|(i, _)| u16::try_from(i).ok())
}

/// A ballot holds each contest of its style exactly once, and nothing else.
pub fn check_ballot_contests(style: &StyleDef, contests: &[&str]) -> Result<(), ConductError> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for c in contests {
        if !style.contests.iter().any(|s| s == c) {
            return Err(ConductError::BallotContestNotOnStyle {
                contest: c.to_string(),
            });
        }
        if !seen.insert(c) {
            return Err(ConductError::BallotContestTwice {
                contest: c.to_string(),
            });
        }
    }
    if let Some(missing) = style.contests.iter().find(|c| !seen.contains(c.as_str())) {
        return Err(ConductError::BallotContestMissing {
            contest: missing.clone(),
        });
    }
    Ok(())
}

/// An electronic (plaintext) ballot is never void: the kiosk refuses an over-marked ballot
/// instead of casting it (paper ballots, by contrast, are recorded void as they are read).
/// A plaintext evaluation ballot of a style that names an evaluator group is of that group:
/// the group decides which weight its ratings get, so a kiosk (or a server) that logged a
/// ballot under another group would move it between weights. Styles without a group leave it
/// to the ballot, as before. (Encrypted ballots take the style's group by construction.)
pub fn check_ballot_group(
    contest: &Contest,
    ballot: &Ballot,
    style_group: &str,
) -> Result<(), ConductError> {
    let (Ballot::Evaluation(b), Some(e)) = (ballot, contest.evaluation().as_ref()) else {
        return Ok(());
    };
    if style_group.is_empty() || e.groups.is_empty() {
        return Ok(());
    }
    if b.group != e.group_index(style_group) {
        return Err(ConductError::BallotGroupNotOnStyle {
            contest: contest.id().to_string(),
            group: style_group.to_string(),
        });
    }
    Ok(())
}

pub fn check_electronic_ballot(contest: &Contest, ballot: &Ballot) -> Result<(), ConductError> {
    let reason = match ballot {
        Ballot::Candidates(b) => void_reason(contest, b),
        Ballot::Evaluation(b) => contest
            .evaluation()
            .as_ref()
            .and_then(|e| evaluation_void_reason(e, b)),
    };
    match reason {
        Some(r) => Err(ConductError::ElectronicBallotVoid {
            code: r.code(),
            message: format!("“{}”: {}", contest.title(), r.message()),
        }),
        None => Ok(()),
    }
}
