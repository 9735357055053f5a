//! The verifier's own replay of a log: the chain and the tree, the token of every ballot, the
//! ballot against its style and the ballot rules, and the election's conduct
//! (`rules::conduct`), entry by entry; then the recount of every result.

use crate::codes::Code;
use std::collections::{BTreeMap, HashMap};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};

use super::{
    fail, CeremonyRestartReport, CorrectionReport, Failure, FiguresReport, LatePoolReport,
    Progress, Report, ResultReport, SeatReductionReport,
};
use crate::e2e::book::CheckedBallot;
use crate::e2e::challenges::{ChallengeError, Challenges};
use crate::e2e::Book;
use crate::record::attest::{Attestation, Attested};
use crate::record::ballot::parse_ballot_line;
use crate::record::election::contest_arrival;
use crate::record::encrypted::EncryptedBallotBody;
use crate::record::entry::{
    genesis, origin, BallotBody, CheckInCount, ContestClosed, ContestOpened, ElectionRegistered,
    Entry, EntryKind, PaperBallot, PaperKeyed, PoolRegistered, ResultBody, ResultPublished,
    RollRegistered, SeatsReduced, Style, TellerSignature, TokensVoided, TurnoutCorrected,
};
use crate::record::entry::{
    CeremonyCheck, CeremonyRestart, CeremonyRound1, CeremonyShares, DecryptionSharesBody,
    ElectionKeySet, Secrecy, ShuffleBody,
};
use crate::record::merkle::Tree;
use crate::record::names::Names;
use crate::record::note::{verify_signature_line, Checkpoint, Verifier};
use crate::record::spoiled::{KioskTest, SpoiledBallotBody, TestOutcome};
use crate::record::token::{election_tag, signing_message, Token};
use crate::rules::conduct::{
    check_ballot_contests, check_ballot_group, check_electronic_ballot, Arrival, Conduct,
    ConductError, Correction, Figures, Person, Secrecy as SecrecyMode, StyleDef,
};
use crate::rules::{Ballot, Election};

mod checks;
mod due;
mod rounds;
mod setup;
pub use checks::*;
use setup::*;

/// What the replay learned, for the checks that follow it.
pub struct Replayed {
    pub election_id: String,
    pub log_key: Verifier,
    /// The registered tellers' keys, in order (teller ℓ is the ℓ-th).
    pub tellers: Vec<Verifier>,
    pub tree: Tree,
    /// The spec as registered in entry 0.
    pub registered_spec: serde_json::Value,
    /// The spec with every contest added since (runoffs, later rounds).
    pub spec: serde_json::Value,
    pub results: Vec<(u64, ResultBody)>,
    /// The conduct as the whole log leaves it (phases, ceremony, decryption progress).
    pub conduct: Conduct,
    /// The ceremony and encrypted tallies (encrypted elections).
    pub book: Option<Book>,
    /// The ballot styles, as registered and added since.
    pub styles: Vec<Style>,
    /// The spoiled ballots (opened, never counted), by entry index.
    pub spoiled: Vec<(u64, SpoiledBallotBody)>,
    /// The entry that closed each closed contest (a teller decrypts a contest only when its
    /// close lies within a checkpoint it confirmed, `e2e::teller::Guard`).
    pub closed_at: BTreeMap<String, u64>,
    /// For each (contest, evaluator group): the cast ballots whose slip was first used to
    /// check (spoil) a ballot, whose choices are then public and usually cast unchanged
    /// (the kiosk's re-vote starts from them). A teller's guard against decrypting a total
    /// of too few ballots counts only the others (`e2e::teller::Guard::checked`).
    pub checked_casts: BTreeMap<(String, String), u64>,
}

/// [`replay`] without the proof thread: the entries in order, sending batches of encrypted
/// ballots to `queue`.
fn replay_entries(
    entries: &[Entry],
    progress: Progress<'_>,
    report: &mut Report,
    (trusted_below, seed): (u64, Option<&[u8]>),
    (queue, tokens): (&mut ProofQueue, &mut TokenQueue),
) -> Result<Replayed, Failure> {
    let total = entries.len() as u64;
    let Setup {
        reg,
        mut spec,
        mut election,
        election_id,
        strict,
        election_key,
        log_key,
        tellers,
        mut styles,
        mut conduct,
        mut book,
    } = setup(entries, report)?;
    // Protocol 9: a paper keying's signature, checked against the registered tellers' keys
    // and the log's identity (entry 0's hash) as the ledger checks it (`record::attest`).
    let signers = crate::record::attest::PaperSigners {
        tellers: &tellers,
        election_id: &election_id,
        log: entries.first().map(|e| e.hash()).unwrap_or_default(),
    };
    // Protocol 8: a teller's attestation of a correction or a seat reduction, checked
    // against the registered tellers' keys (`record::attest`, as the ledger checks it).
    let attested = |what: Attestation<'_>, a: Option<&Attested>| {
        crate::record::attest::checked(what, &tellers, &election_id, a)
    };
    // Protocol 4: a logged ballot line's names are read as the service logs them, in
    // canonical form (`record::names`): a name hiding an invisible or direction character is
    // refused, and one only spelled apart (spaces, composition) is counted as its canonical
    // spelling, so that a result which counted it apart does not recount.
    let line_names = if reg.protocol >= 4 {
        Names::Clean
    } else {
        Names::AsLogged
    };
    tokens.key = Some((election_key, election_id.clone()));
    // A teller's saved tallies of its trusted prefix (`verify_export_resuming`): installed
    // now, and the prefix's ballots are then not decoded or added again.
    let seeded = match (seed, book.as_mut()) {
        (Some(bytes), Some(bk)) if trusted_below > 0 => bk.seed_tallies(bytes).is_ok(),
        _ => false,
    };
    report.resumed_tallies = seeded;
    // Encrypted ballots decoded and added, waiting for their proofs to be batch-verified.
    let mut pending_encrypted: Vec<(u64, CheckedBallot, [u8; 16])> = Vec::new();

    let mut tree = Tree::new();
    let mut head = genesis(&election_id);
    let mut serials: HashMap<[u8; 16], u64> = HashMap::new();
    let mut ballots: HashMap<String, Vec<(u64, Ballot)>> = HashMap::new();
    let mut results: Vec<(u64, ResultBody)> = Vec::new();
    let mut challenges = Challenges::default();
    let mut spoiled: Vec<(u64, SpoiledBallotBody)> = Vec::new();
    let mut closed_at: BTreeMap<String, u64> = BTreeMap::new();
    let mut checked_casts: BTreeMap<(String, String), u64> = BTreeMap::new();
    // Protocol 11: the entries an entry brings with it in one append (`due`).
    let whole_groups = reg.protocol >= crate::rules::conduct::PROTOCOL_WHOLE_GROUPS;
    let mut dues = due::Dues::default();
    for (i, e) in entries.iter().enumerate() {
        let i = i as u64;
        if e.prev != head {
            return Err(fail(
                Some(i),
                Some(e.kind),
                Code::Chain,
                format!(
                    "第 {i} 条的前一条哈希与第 {} 条不符 / entry {i} does not link to entry {}",
                    i.wrapping_sub(1),
                    i.wrapping_sub(1)
                ),
            ));
        }
        let ce = conduct_err(i, e);
        let e2e_err = |err: crate::e2e::E2eError| {
            fail(
                Some(i),
                Some(e.kind),
                err.code(),
                format!("第 {i} 条: {err} / entry {i}: {err}"),
            )
        };
        if e.kind != EntryKind::EncryptedBallot && !pending_encrypted.is_empty() {
            verify_encrypted(book.as_ref(), &mut pending_encrypted, queue, entries)?;
        }
        dues.settle(i, e)?;
        let trusted = i < trusted_below;
        if let Some(bk) = book.as_mut() {
            bk.proofs = !trusted;
            // Ballots' proofs are decoded on the proof threads (checks.rs).
            bk.defer_proofs = true;
        }
        let book_of = |b: &Option<Book>| -> Result<(), Failure> {
            if b.is_none() {
                return Err(fail(
                    Some(i),
                    Some(e.kind),
                    Code::NotEncrypted,
                    "本选举不加密选票 / this election does not encrypt ballots",
                ));
            }
            Ok(())
        };
        match e.kind {
            EntryKind::CeremonyRound1 => {
                let b: CeremonyRound1 = body(i, e)?;
                book_of(&book)?;
                conduct.ceremony_round1(b.attempt, b.index).map_err(&ce)?;
                if let Some(bk) = book.as_mut() {
                    bk.round1(&b).map_err(e2e_err)?;
                }
            }
            EntryKind::CeremonyShares => {
                let b: CeremonyShares = body(i, e)?;
                book_of(&book)?;
                conduct.ceremony_shares(b.attempt, b.index).map_err(&ce)?;
                if let Some(bk) = book.as_mut() {
                    bk.shares(&b).map_err(e2e_err)?;
                }
            }
            EntryKind::CeremonyCheck => {
                let b: CeremonyCheck = body(i, e)?;
                book_of(&book)?;
                conduct
                    .clone()
                    .ceremony_check(b.attempt, b.index, &[])
                    .map_err(&ce)?;
                let upheld = match book.as_mut() {
                    Some(bk) => bk.check(&b).map_err(e2e_err)?,
                    None => Vec::new(),
                };
                conduct
                    .ceremony_check(b.attempt, b.index, &upheld)
                    .map_err(&ce)?;
                // An attempt ended by an upheld complaint is reported with the restarts, the
                // accused named.
                if let Some((attempt, teller, reason)) = conduct
                    .ceremony()
                    .restarts
                    .last()
                    .filter(|_| !upheld.is_empty())
                {
                    report.ceremony_restarts.push(CeremonyRestartReport {
                        index: i,
                        attempt: *attempt,
                        teller: *teller,
                        reason: reason.clone(),
                    });
                }
            }
            EntryKind::CeremonyRestart => {
                let b: CeremonyRestart = body(i, e)?;
                book_of(&book)?;
                conduct
                    .clone()
                    .ceremony_restart(b.attempt, b.index, &b.reason)
                    .map_err(&ce)?;
                if let Some(bk) = book.as_mut() {
                    bk.restart(&b).map_err(e2e_err)?;
                }
                conduct
                    .ceremony_restart(b.attempt, b.index, &b.reason)
                    .map_err(&ce)?;
                report.ceremony_restarts.push(CeremonyRestartReport {
                    index: i,
                    attempt: b.attempt,
                    teller: b.index,
                    reason: b.reason.clone(),
                });
            }
            EntryKind::ElectionKeySet => {
                let b: ElectionKeySet = body(i, e)?;
                book_of(&book)?;
                conduct.election_key(b.attempt).map_err(&ce)?;
                if let Some(bk) = book.as_mut() {
                    bk.key_set(&b).map_err(e2e_err)?;
                    report.election_key_fingerprint = Some(b.fingerprint.clone());
                }
            }
            EntryKind::Shuffle => {
                let b: ShuffleBody = body(i, e)?;
                book_of(&book)?;
                let due = book.as_ref().is_some_and(|bk| bk.names_due(&b.contest));
                conduct.shuffle(&b.contest, b.index, due).map_err(&ce)?;
                if let Some(bk) = book.as_mut() {
                    let step = bk.check_shuffle(&b).map_err(e2e_err)?;
                    bk.apply_step(step);
                }
                report.shuffles += 1;
            }
            EntryKind::DecryptionShares => {
                let b: DecryptionSharesBody = body(i, e)?;
                book_of(&book)?;
                if let Some(bk) = book.as_ref() {
                    conduct
                        .decryption_shares(&b.contest, &b.group, b.index, bk.shares_entry(&b))
                        .map_err(&ce)?;
                }
                if let Some(bk) = book.as_mut() {
                    let step = bk.check_shares(&b).map_err(e2e_err)?;
                    bk.apply_step(step);
                }
            }
            EntryKind::EncryptedBallot => {
                let b = EncryptedBallotBody::decode(&e.body).map_err(|err| {
                    fail(
                        Some(i),
                        Some(e.kind),
                        Code::Body,
                        format!("第 {i} 条正文无效: {err} / entry {i} has an invalid body: {err}"),
                    )
                })?;
                let t = b.token.clone();
                let style = styles
                    .get(t.style() as usize)
                    .filter(|s| s.round == t.round())
                    .ok_or_else(|| fail(Some(i), Some(e.kind), Code::Token, format!("第 {i} 条的选票码样式 {} 第 {} 轮不存在 / entry {i}: no style {} in round {}", t.style(), t.round(), t.style(), t.round())))?;
                if t.election_tag() != election_tag(&election_id) {
                    return Err(fail(Some(i), Some(e.kind), Code::Token, format!("第 {i} 条的选票码属于其他选举 / entry {i} holds a token of another election")));
                }
                conduct.check_ballot_kind(true).map_err(&ce)?;
                conduct.spend(t.style()).map_err(&ce)?;
                if let Some(first) = serials.insert(*t.serial(), i) {
                    return Err(fail(Some(i), Some(e.kind), Code::DoubleSpend, format!("第 {i} 条重复使用了第 {first} 条的选票码 / entry {i} reuses the token of entry {first}")));
                }
                let named: Vec<&str> = b.lines.iter().map(|l| l.contest.as_str()).collect();
                check_ballot_contests(&style_def(style), &named).map_err(&ce)?;
                let bk = book.as_mut().ok_or_else(|| {
                    fail(
                        Some(i),
                        Some(e.kind),
                        Code::NotEncrypted,
                        "本选举不加密选票 / this election does not encrypt ballots",
                    )
                })?;
                if trusted && seeded {
                    // In the saved tallies already; its contests' bytes are only hashed.
                    let digests: Vec<[u8; 32]> = b
                        .lines
                        .iter()
                        .map(|l| crate::e2e::book::line_digest(&l.ballot))
                        .collect();
                    let alphas: Vec<[u8; 32]> = if challenges.spoiled.is_empty() {
                        Vec::new()
                    } else {
                        b.lines
                            .iter()
                            .flat_map(|l| crate::e2e::book::ciphertext_alphas(&l.ballot))
                            .collect()
                    };
                    challenges
                        .check_cast(t.serial(), &digests, &alphas)
                        .map_err(|err| challenge_err(i, e, err))?;
                } else {
                    let checked = bk.decode_ballot(&election, style, &b).map_err(e2e_err)?;
                    challenges
                        .check_cast(t.serial(), &checked.digests, &checked.alphas)
                        .map_err(|err| challenge_err(i, e, err))?;
                    bk.add_ballot(&checked);
                    if !trusted {
                        pending_encrypted.push((i, checked, *t.serial()));
                    }
                }
                if challenges.was_checked(t.serial()) {
                    for l in &b.lines {
                        *checked_casts
                            .entry((l.contest.clone(), l.group.clone()))
                            .or_default() += 1;
                    }
                }
                if pending_encrypted.len() >= ENCRYPTED_BATCH {
                    verify_encrypted(book.as_ref(), &mut pending_encrypted, queue, entries)?;
                }
                // A token of the trusted prefix was verified in those same bytes before.
                if !trusted {
                    tokens.push(i, t, entries)?;
                }
                report.ballots += 1;
                report.encrypted_ballots += 1;
            }
            EntryKind::SpoiledBallot => {
                let b = SpoiledBallotBody::decode(&e.body).map_err(|err| {
                    fail(
                        Some(i),
                        Some(e.kind),
                        Code::Body,
                        format!("第 {i} 条正文无效: {err} / entry {i} has an invalid body: {err}"),
                    )
                })?;
                let style = styles
                    .get(b.style as usize)
                    .filter(|s| s.round == b.round)
                    .ok_or_else(|| fail(Some(i), Some(e.kind), Code::UnknownStyle, format!("第 {i} 条的选票样式 {} 第 {} 轮不存在 / entry {i}: no style {} in round {}", b.style, b.round, b.style, b.round)))?;
                book_of(&book)?;
                crate::rules::conduct::check_challenge_time(conduct.protocol(), b.time)
                    .map_err(&ce)?;
                conduct.check_ballot_kind(true).map_err(&ce)?;
                conduct.check_spend(b.style, 0).map_err(&ce)?;
                let named: Vec<&str> = b.lines.iter().map(|l| l.line.contest.as_str()).collect();
                check_ballot_contests(&style_def(style), &named).map_err(&ce)?;
                let digests: Vec<[u8; 32]> = b
                    .lines
                    .iter()
                    .map(|l| crate::e2e::book::line_digest(&l.line.ballot))
                    .collect();
                challenges
                    .check_spoil(&b.serial, serials.contains_key(&b.serial), &digests)
                    .map_err(|err| challenge_err(i, e, err))?;
                // The opening is checked even below a teller's trusted prefix: it is what the
                // voter was shown, and a spoiled ballot is not counted, so it is cheap to redo.
                if let Some(bk) = book.as_ref() {
                    bk.open_spoiled(&election, style, &b).map_err(e2e_err)?;
                }
                challenges.spoil(i, &b, &digests);
                spoiled.push((i, b));
                report.spoiled_ballots += 1;
            }
            EntryKind::KioskTest => {
                let t: KioskTest = body(i, e)?;
                book_of(&book)?;
                crate::rules::conduct::check_challenge_time(conduct.protocol(), t.time)
                    .map_err(&ce)?;
                let mismatch = t.outcome == TestOutcome::Mismatch;
                // Protocol 4: the test shows the slip it retires.
                let required = conduct.protocol() >= 4;
                let shown = t.token.clone();
                let slip = |s: &crate::e2e::challenges::Spoiled| {
                    !required
                        || tokens.key.as_ref().is_some_and(|(key, id)| {
                            crate::e2e::challenges::slip_shown(&shown, s, key, id)
                        })
                };
                // Protocol 4: never a test of a spoiled ballot whose slip cast (the service
                // refuses one since 2026-12-04 in every protocol; older logs may hold one).
                challenges
                    .test(i, t, |s| required && serials.contains_key(s), slip)
                    .map_err(|err| challenge_err(i, e, err))?;
                report.kiosk_tests += 1;
                report.kiosk_test_mismatches += u64::from(mismatch);
            }
            EntryKind::ElectionRegistered => {
                if i != 0 {
                    return Err(fail(
                        Some(i),
                        Some(e.kind),
                        Code::Genesis,
                        "选举只能登记一次 / the election is registered twice",
                    ));
                }
            }
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(i, e)?;
                conduct.open(&b.contest).map_err(ce)?;
            }
            EntryKind::RollRegistered => {
                let b: RollRegistered = body(i, e)?;
                // Summed without wrapping: a forged roll whose units overflow is refused, not
                // wrapped round to its total (the red-team review).
                if !b.adds_up() {
                    return Err(fail(Some(i), Some(e.kind), Code::RollCounts, "名单各单位人数之和与总人数不符 / the units' voters do not add up to the total"));
                }
                conduct.register_roll(b.units).map_err(ce)?;
            }
            EntryKind::PoolRegistered => {
                let b: PoolRegistered = body(i, e)?;
                if conduct.style(b.style).map_err(&ce)?.round != b.round {
                    return Err(fail(
                        Some(i),
                        Some(e.kind),
                        Code::UnknownStyle,
                        format!(
                            "第 {} 轮没有选票样式 {} / round {} has no ballot style {}",
                            b.round, b.style, b.round, b.style
                        ),
                    ));
                }
                let late_before = conduct.pool(b.style).late;
                conduct
                    .register_pool(b.style, b.count, b.reason.as_deref())
                    .map_err(&ce)?;
                if conduct.pool(b.style).late > late_before {
                    report.late_pools.push(LatePoolReport {
                        index: i,
                        style: b.style,
                        count: b.count,
                        reason: b.reason.clone().unwrap_or_default(),
                    });
                }
            }
            EntryKind::CheckInCount => {
                let b: CheckInCount = body(i, e)?;
                if strict {
                    let eligible = b.eligible.ok_or_else(|| {
                        fail(
                            Some(i),
                            Some(e.kind),
                            Code::Body,
                            "签到数缺少应到人数 / the desk count lacks eligible",
                        )
                    })?;
                    if conduct.style(b.style).map_err(&ce)?.round != b.round {
                        return Err(fail(
                            Some(i),
                            Some(e.kind),
                            Code::UnknownStyle,
                            format!(
                                "第 {} 轮没有选票样式 {} / round {} has no ballot style {}",
                                b.round, b.style, b.round, b.style
                            ),
                        ));
                    }
                    conduct
                        .desk_count(
                            b.style,
                            Figures {
                                eligible,
                                present: b.present,
                                issued: b.slips_issued,
                            },
                        )
                        .map_err(ce)?;
                }
            }
            EntryKind::ContestClosed => {
                let b: ContestClosed = body(i, e)?;
                if whole_groups {
                    dues.owe(i, due::Due::voids_of_close(&conduct, &b.contest));
                }
                conduct
                    .close(
                        &b.contest,
                        Figures {
                            eligible: b.eligible,
                            present: b.present,
                            issued: b.ballots_issued,
                        },
                    )
                    .map_err(ce)?;
                closed_at.insert(b.contest, i);
            }
            EntryKind::TurnoutCorrected => {
                let b: TurnoutCorrected = body(i, e)?;
                let desk = conduct.contest(&b.contest).ok().and_then(|c| c.closed);
                let position = conduct.contest(&b.contest).map_err(&ce)?.corrections;
                let (attest, key) = attested(
                    Attestation::Correction { position, body: &b },
                    b.attested.as_ref(),
                );
                conduct
                    .correct(
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
                            attested: attest.clone(),
                        },
                    )
                    .map_err(ce)?;
                report.corrections.push(CorrectionReport {
                    index: i,
                    contest: b.contest.clone(),
                    desk: desk.map(|f| FiguresReport {
                        eligible: f.eligible,
                        present: f.present,
                        ballots_issued: f.issued,
                    }),
                    corrected: FiguresReport {
                        eligible: b.eligible,
                        present: b.present,
                        ballots_issued: b.ballots_issued,
                    },
                    reason: b.reason,
                    proposed_by: format!("{} ({})", b.proposed_by.name, b.proposed_by.role),
                    approved_by: format!("{} ({})", b.approved_by.name, b.approved_by.role),
                    attested_by: attest.teller().map(|n| format!("{n} {key}")),
                });
            }
            EntryKind::TokensVoided => {
                let b: TokensVoided = body(i, e)?;
                if conduct.style(b.style).map_err(&ce)?.round != b.round {
                    return Err(fail(
                        Some(i),
                        Some(e.kind),
                        Code::UnknownStyle,
                        format!(
                            "第 {} 轮没有选票样式 {} / round {} has no ballot style {}",
                            b.round, b.style, b.round, b.style
                        ),
                    ));
                }
                conduct.void(b.style, b.voided, b.spent).map_err(ce)?;
            }
            EntryKind::SeatsReduced => {
                let b: SeatsReduced = body(i, e)?;
                let contest = election
                    .contest_index(&b.contest)
                    .and_then(|n| election.contests.get(n))
                    .ok_or_else(|| {
                        fail(
                            Some(i),
                            Some(e.kind),
                            Code::UnknownContest,
                            format!("“{}” 不存在 / no contest “{}”", b.contest, b.contest),
                        )
                    })?;
                let (attest, key) = attested(Attestation::Reduction(&b), b.attested.as_ref());
                conduct
                    .reduce_seats_logged(contest, b.reduced_by, b.seats, &b.basis, &attest)
                    .map_err(&ce)?;
                report.seat_reductions.push(SeatReductionReport {
                    index: i,
                    contest: b.contest,
                    reduced_by: b.reduced_by,
                    seats: b.seats,
                    basis: b.basis,
                    attested_by: attest.teller().map(|n| format!("{n} {key}")),
                });
            }
            EntryKind::RunoffCreated | EntryKind::ContestCreated | EntryKind::RevoteCreated => {
                rounds::new_round(
                    i,
                    e,
                    reg.protocol,
                    (&mut spec, &mut election, &mut styles),
                    &mut conduct,
                    &results,
                    report,
                )?;
            }
            EntryKind::Ballot => {
                let b: BallotBody = body(i, e)?;
                let t = BASE64
                    .decode(&b.token)
                    .ok()
                    .and_then(|bytes| Token::from_bytes(&bytes).ok())
                    .ok_or_else(|| fail(Some(i), Some(e.kind), Code::Token, format!("第 {i} 条的选票码无法解码 / the token of entry {i} does not decode")))?;
                let style = styles
                    .get(t.style() as usize)
                    .filter(|s| s.round == t.round())
                    .ok_or_else(|| fail(Some(i), Some(e.kind), Code::Token, format!("第 {i} 条的选票码样式 {} 第 {} 轮不存在 / entry {i}: no style {} in round {}", t.style(), t.round(), t.style(), t.round())))?;
                if t.election_tag() != election_tag(&election_id) {
                    return Err(fail(Some(i), Some(e.kind), Code::Token, format!("第 {i} 条的选票码属于其他选举 / entry {i} holds a token of another election")));
                }
                if strict {
                    conduct.check_ballot_kind(false).map_err(&ce)?;
                }
                conduct.spend(t.style()).map_err(&ce)?;
                if let Some(first) = serials.insert(*t.serial(), i) {
                    return Err(fail(Some(i), Some(e.kind), Code::DoubleSpend, format!("第 {i} 条重复使用了第 {first} 条的选票码 / entry {i} reuses the token of entry {first}")));
                }
                // The ballot: one well-formed line per contest of the token's style, each
                // valid by the rules (an electronic ballot is never void).
                let mut named: Vec<&str> = Vec::with_capacity(b.ballots.len());
                let mut parsed = Vec::with_capacity(b.ballots.len());
                for (n, line) in b.ballots.iter().enumerate() {
                    let (ci, ballot) =
                        parse_ballot_line(&election, n + 1, &line.to_string(), line_names)
                            .map_err(|err| {
                                fail(
                                    Some(i),
                                    Some(e.kind),
                                    Code::Ballot,
                                    format!(
                                        "第 {i} 条第 {} 行: {err} / entry {i}, line {}: {err}",
                                        n + 1,
                                        n + 1
                                    ),
                                )
                            })?;
                    let contest = &election.contests[ci];
                    if strict {
                        check_electronic_ballot(contest, &ballot).map_err(&ce)?;
                        check_ballot_group(contest, &ballot, &style.group).map_err(&ce)?;
                    }
                    named.push(contest.id().as_str());
                    parsed.push((contest.id().clone(), ballot));
                }
                check_ballot_contests(&style_def(style), &named).map_err(&ce)?;
                for (c, ballot) in parsed {
                    ballots.entry(c).or_default().push((i, ballot));
                }
                // A token of the trusted prefix was verified in those same bytes before.
                if !trusted {
                    tokens.push(i, t, entries)?;
                }
                report.ballots += 1;
            }
            EntryKind::PaperBallot => {
                let b: PaperBallot = body(i, e)?;
                conduct.check_paper(&b.contest).map_err(&ce)?;
                // Protocol 9: the teller who keyed it signed it (`record::attest`, as the
                // ledger checks it).
                let attest =
                    signers.paper_ballot(&election, conduct.contest(&b.contest).map_err(&ce)?, &b);
                let ballot = paper_line(&election, i, e.kind, &b.contest, &b.ballot, line_names)?;
                conduct
                    .paper(&b.contest, b.sheet, &ballot, &attest)
                    .map_err(&ce)?;
                if attest.teller().is_some() {
                    report.paper_attested += 1;
                }
                ballots.entry(b.contest).or_default().push((i, ballot));
                report.paper_ballots += 1;
            }
            EntryKind::ProcedureStep => {
                let next = rounds::procedure_step(i, e, reg.protocol, &mut conduct, report)?;
                if whole_groups {
                    dues.owe(i, next);
                }
            }
            EntryKind::PaperKeyed => {
                let b: PaperKeyed = body(i, e)?;
                conduct
                    .check_key_paper(&b.contest, b.sheet, &b.teller)
                    .map_err(&ce)?;
                let attest =
                    signers.keying(&election, conduct.contest(&b.contest).map_err(&ce)?, &b);
                let ballot = match &b.ballot {
                    Some(line) => Some(paper_line(
                        &election, i, e.kind, &b.contest, line, line_names,
                    )?),
                    None => None,
                };
                let keyed = conduct
                    .key_paper(&b.contest, b.sheet, &b.teller, ballot.as_ref(), &attest)
                    .map_err(&ce)?;
                if whole_groups && keyed == crate::rules::conduct::Keyed::Agreed {
                    dues.owe(
                        i,
                        [due::Due::Paper {
                            contest: b.contest.clone(),
                            sheet: b.sheet,
                        }],
                    );
                }
                report.paper_keyings += 1;
                if attest.teller().is_some() {
                    report.paper_attested += 1;
                }
            }
            EntryKind::Result => {
                let b: ResultBody = body(i, e)?;
                if b.covers_size > i {
                    return Err(fail(
                        Some(i),
                        Some(e.kind),
                        Code::ResultCovers,
                        format!(
                            "第 {i} 条结果覆盖了它之后的条目 / result {i} covers entries after it"
                        ),
                    ));
                }
                b.record_in(&mut conduct, i).map_err(&ce)?;
                // Recounted here, from the spec and figures as they stand and the ballots
                // (or the decrypted totals) before it, so a forged result is named before
                // anything after it.
                recount_one(i, &b, &spec, &conduct, &ballots, book.as_ref(), e.kind)?;
                results.push((i, b));
            }
            EntryKind::TellerSignature => {
                let b: TellerSignature = body(i, e)?;
                if conduct.result(b.result_index).is_none() {
                    return Err(fail(
                        Some(i),
                        Some(e.kind),
                        Code::UnknownResult,
                        format!(
                            "第 {} 条不是计票结果 / entry {} is not a result",
                            b.result_index, b.result_index
                        ),
                    ));
                }
                if b.checkpoint_size != b.result_index.saturating_add(1) {
                    return Err(fail(Some(i), Some(e.kind), Code::TellerSignature, "签名的检查点不是紧随结果的那一个 / the signed checkpoint is not the one right after the result"));
                }
                let root = tree.root_at(b.checkpoint_size).map_err(|err| {
                    fail(
                        Some(i),
                        Some(e.kind),
                        Code::TellerSignature,
                        err.to_string(),
                    )
                })?;
                let text = Checkpoint {
                    origin: origin(&election_id),
                    size: b.checkpoint_size,
                    root,
                    extensions: Vec::new(),
                }
                .to_text()
                .map_err(|err| {
                    fail(
                        Some(i),
                        Some(e.kind),
                        Code::TellerSignature,
                        err.to_string(),
                    )
                })?;
                let name = verify_signature_line(&text, &b.line, &tellers).map_err(|err| {
                    fail(Some(i), Some(e.kind), Code::TellerSignature, format!("第 {i} 条的计票人签名无效: {err} / the teller signature in entry {i} is invalid: {err}"))
                })?;
                conduct.signature(b.result_index, &name).map_err(ce)?;
            }
            EntryKind::ResultPublished => {
                let b: ResultPublished = body(i, e)?;
                conduct
                    .publish(b.result_index, u64::from(reg.signatures_required))
                    .map_err(ce)?;
                if whole_groups {
                    if let Some((_, r)) = results.iter().find(|(at, _)| *at == b.result_index) {
                        let due = rounds::runoffs_due(
                            i,
                            r,
                            reg.protocol,
                            (&spec, &election, &styles),
                            &conduct,
                            &results,
                        );
                        dues.owe(
                            i,
                            due.into_iter()
                                .map(|d| due::Due::Runoff { parent: d.parent }),
                        );
                    }
                }
            }
        }
        head = e.hash();
        tree.push(head);
        if i.is_multiple_of(4096) {
            progress(i, total);
        }
    }
    dues.finish()?;
    verify_encrypted(book.as_ref(), &mut pending_encrypted, queue, entries)?;
    tokens.flush(entries)?;
    if let Some(bk) = book.as_mut() {
        bk.proofs = true;
        bk.defer_proofs = false;
    }
    progress(total, total);

    report_results(report, &results, &conduct, &reg, strict);
    Ok(Replayed {
        election_id,
        log_key,
        tellers,
        tree,
        registered_spec: reg.spec,
        spec,
        results,
        conduct,
        book,
        styles,
        spoiled,
        closed_at,
        checked_casts,
    })
}
