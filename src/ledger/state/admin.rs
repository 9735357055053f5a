//! How each admin entry changes the state: the one step function the ledger runs when it appends and when it replays.

use super::*;
use crate::record::attest::{Attestation, Attested, PaperSigners};
use crate::record::entry::round_styles;
use crate::rules::conduct::Attest;

impl Admin {
    pub fn info(&self) -> Result<&ElectionInfo, LedgerError> {
        self.election.as_deref().ok_or(LedgerError::NotInitialised)
    }

    /// A teller's attestation of a correction or a seat reduction, checked against the
    /// registered tellers' keys (`record::attest`), for the rules to refuse in their order.
    fn attested(
        &self,
        what: Attestation<'_>,
        attested: Option<&Attested>,
    ) -> Result<Attest, LedgerError> {
        let info = self.info()?;
        Ok(crate::record::attest::checked(what, &info.tellers, &info.id, attested).0)
    }

    /// What a paper keying's signature (protocol 9) is checked against (`record::attest`).
    fn paper_signers(&self) -> Result<PaperSigners<'_>, LedgerError> {
        let info = self.info()?;
        Ok(PaperSigners {
            tellers: &info.tellers,
            election_id: &info.id,
            log: info.log_id,
        })
    }

    pub fn conduct(&self) -> Result<&Conduct, LedgerError> {
        self.conduct.as_ref().ok_or(LedgerError::NotInitialised)
    }

    fn conduct_mut(&mut self) -> Result<&mut Conduct, LedgerError> {
        self.conduct.as_mut().ok_or(LedgerError::NotInitialised)
    }

    /// The conduct's part of a shuffle or decryption-shares entry (is it due now, and from
    /// this teller?), applied to the conduct: what [`Admin::step`] checks before the proofs,
    /// and what `Ledger::append_teller_step` asks on a copy before it answers a refusal of
    /// the proofs found off the lock.
    pub(super) fn teller_conduct(&mut self, e: &Entry) -> Result<(), LedgerError> {
        match e.kind {
            EntryKind::Shuffle => {
                let b: ShuffleBody = body(e)?;
                let due = self.book()?.names_due(&b.contest);
                self.conduct_mut()?.shuffle(&b.contest, b.index, due)?;
            }
            EntryKind::DecryptionShares => {
                let b: DecryptionSharesBody = body(e)?;
                let entry = self.book()?.shares_entry(&b);
                self.conduct_mut()?
                    .decryption_shares(&b.contest, &b.group, b.index, entry)?;
            }
            _ => {}
        }
        Ok(())
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

    /// Checks and applies one entry that is not a ballot; on error nothing changed. `pre`:
    /// the checked step of this shuffle or decryption-shares entry, when it was checked
    /// earlier (`State::check_admin_all` just before, or `Ledger::append_teller_step` off
    /// the lock); it is recorded as checked only while its tally is the one it was checked
    /// against (`Book::holds`), and the entry is checked again otherwise.
    pub(super) fn step(
        &mut self,
        index: u64,
        e: &Entry,
        tree: &Tree,
        pre: Option<CheckedStep>,
    ) -> Result<Effect, LedgerError> {
        match e.kind {
            EntryKind::ElectionRegistered => {
                if self.election.is_some() || index != 0 {
                    return Err(refused(
                        Code::AlreadyInitialised,
                        "日志已有选举 / the log already holds an election".into(),
                    ));
                }
                let b: ElectionRegistered = body(e)?;
                let info = election_info(&b, e.hash())?;
                let contests: Vec<(String, Arrival)> = info
                    .election
                    .contests
                    .iter()
                    .map(|c| (c.id().clone(), info.arrival(c.id())))
                    .collect();
                let styles = info.styles.iter().map(style_def).collect();
                let mut conduct =
                    Conduct::new(info.protocol, info.pool_spare_percent, styles, &contests)
                        .with_procedures(&info.election.procedures)
                        .with_teller_keys(info.tellers.len());
                if let Some(Secrecy::Encrypted { threshold }) = &info.secrecy {
                    conduct = conduct.with_secrecy(SecrecyMode::Encrypted {
                        tellers: u32::try_from(info.tellers.len()).unwrap_or(u32::MAX),
                        threshold: *threshold,
                    });
                    self.book = Some(Arc::new(Book::new(
                        &info.id,
                        info.tellers.clone(),
                        *threshold,
                        info.protocol,
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
                    .ceremony_check(b.attempt, b.index, &[])?;
                let upheld = self.book_mut()?.check(&b)?;
                self.conduct_mut()?
                    .ceremony_check(b.attempt, b.index, &upheld)?;
                Ok(Effect::None)
            }
            EntryKind::CeremonyRestart => {
                let b: CeremonyRestart = body(e)?;
                // The conduct's order and the reason first, then the signature.
                self.conduct()?
                    .clone()
                    .ceremony_restart(b.attempt, b.index, &b.reason)?;
                self.book_mut()?.restart(&b)?;
                self.conduct_mut()?
                    .ceremony_restart(b.attempt, b.index, &b.reason)?;
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
                self.teller_conduct(e)?;
                let book = self.book()?;
                let step = match pre {
                    Some(step) if book.holds(&step, true, &b.contest, "", b.index) => step,
                    _ => book.check_shuffle(&b)?,
                };
                Ok(Effect::Step(step))
            }
            EntryKind::DecryptionShares => {
                let b: DecryptionSharesBody = body(e)?;
                self.teller_conduct(e)?;
                let book = self.book()?;
                let step = match pre {
                    Some(step) if book.holds(&step, false, &b.contest, &b.group, b.index) => step,
                    _ => book.check_shares(&b)?,
                };
                Ok(Effect::Step(step))
            }
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(e)?;
                self.conduct_mut()?.open(&b.contest)?;
                Ok(Effect::None)
            }
            EntryKind::RollRegistered => {
                let b: RollRegistered = body(e)?;
                if !b.adds_up() {
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
                let position = self.conduct()?.contest(&b.contest)?.corrections;
                let attested = self.attested(
                    Attestation::Correction { position, body: &b },
                    b.attested.as_ref(),
                )?;
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
                        attested,
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
                b.record_in(self.conduct_mut()?, index)?;
                if let Some(book) = self.book.as_deref() {
                    for contest in &b.contests {
                        if let Some(missing) = book.shares_missing(contest) {
                            return Err(missing.into());
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
                if b.checkpoint_size != b.result_index.saturating_add(1) {
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
                    &round_styles(&b.style, &b.more_styles),
                    Origin::Runoff {
                        parent: b.parent.clone(),
                    },
                )?;
                Ok(Effect::None)
            }
            EntryKind::RevoteCreated => {
                let b: RevoteCreated = body(e)?;
                crate::rules::conduct::check_revote_reason_in(&b.reason, self.info()?.protocol)?;
                self.add_contest(
                    &b.contest,
                    &round_styles(&b.style, &b.more_styles),
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
                let attested = self.attested(Attestation::Reduction(&b), b.attested.as_ref())?;
                self.conduct_mut()?.reduce_seats_logged(
                    &contest,
                    b.reduced_by,
                    b.seats,
                    &b.basis,
                    &attested,
                )?;
                Ok(Effect::Reduction(b))
            }
            EntryKind::ContestCreated => {
                let b: ContestCreated = body(e)?;
                let origin = crate::record::rounds::created_origin(self.conduct_mut()?, &b)?;
                self.add_contest(&b.contest, &round_styles(&b.style, &b.more_styles), origin)?;
                Ok(Effect::None)
            }
            EntryKind::ProcedureStep => {
                let b: ProcedureStep = body(e)?;
                check_step_body(&b, self.info()?.protocol).map_err(|(code, m)| refused(code, m))?;
                let conduct = self.conduct()?;
                let (def, _) = conduct.procedure(&b.procedure)?;
                let kind = crate::record::procedure::logged_round_kind(def, &b)
                    .map_err(|(code, m)| refused(code, m))?;
                let people = b.entrants();
                let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
                // Invariant: check_step_body above refused scores that do not parse.
                let scores = b.parsed_scores().unwrap_or_default();
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
                let attested = self.paper_signers()?.paper_ballot(
                    &self.info()?.election,
                    self.conduct()?.contest(&b.contest)?,
                    &b,
                );
                let ballot = paper_line(&self.info()?.election, &b.contest, &b.ballot)?;
                self.conduct_mut()?
                    .paper(&b.contest, b.sheet, &ballot, &attested)?;
                Ok(Effect::Paper(b.contest))
            }
            EntryKind::PaperKeyed => {
                let b: PaperKeyed = body(e)?;
                self.conduct()?
                    .check_key_paper(&b.contest, b.sheet, &b.teller)?;
                let attested = self.paper_signers()?.keying(
                    &self.info()?.election,
                    self.conduct()?.contest(&b.contest)?,
                    &b,
                );
                let election = &self.info()?.election;
                let ballot = match &b.ballot {
                    Some(line) => Some(paper_line(election, &b.contest, line)?),
                    None => None,
                };
                let keyed = self.conduct_mut()?.key_paper(
                    &b.contest,
                    b.sheet,
                    &b.teller,
                    ballot.as_ref(),
                    &attested,
                )?;
                let agreed = keyed == crate::rules::conduct::Keyed::Agreed;
                Ok(Effect::Keyed(b, agreed))
            }
        }
    }

    /// Adds a runoff or a later round's contest with its ballot styles.
    fn add_contest(
        &mut self,
        contest: &serde_json::Value,
        styles: &[Style],
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
        let next = with_contest(info, contest, styles)?;
        let id = contest
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        if styles.iter().any(|style| style.contests != [id.clone()]) {
            return Err(refused(
                Code::Styles,
                format!("新轮次的选票样式须只含 “{id}” / the new round's style holds “{id}” only"),
            ));
        }
        let arrival = next.arrival(&id);
        self.conduct_mut()?.add_contest(
            &id,
            arrival,
            origin,
            styles.iter().map(style_def).collect(),
        )?;
        self.election = Some(Arc::new(next));
        Ok(())
    }
}
