//! Closing and counting: the close with the desk's figures, corrections by two people,
//! the tally, teller signatures, publication with its runoffs, and next rounds.

use crate::codes::Code;
use serde_json::{json, Value};

use super::{conflict, invalid, Core, CoreError};
use crate::ledger::{person, Appended};
use crate::record::attest::{Attestation, Attested};
use crate::record::entry::{ResultBody, RunoffCreated, TurnoutCorrected};
use crate::record::rounds::spec_contest;
use crate::records::Proposal;
use crate::rules::conduct::{Figures, Person, Phase};

/// What a teller attests through [`Core::attest_with`].
#[derive(Clone, Debug)]
pub enum Attesting {
    Correction {
        contest: String,
        figures: Figures,
        reason: String,
    },
    Reduction {
        contest: String,
        basis: String,
    },
    /// A paper ballot keyed in (protocol 9): in a double-entry contest one teller's keying
    /// of `sheet` (`keyed` None: its withdrawal), else a ballot (its count among its key's).
    /// `keyed` is the ballot line's JSON text, signed as it is.
    Paper {
        contest: String,
        sheet: Option<u64>,
        keyed: Option<String>,
    },
}

/// The entry a correction logs.
fn correction_body(
    contest: &str,
    figures: Figures,
    reason: &str,
    proposer: &Person,
    approver: &Person,
    attested: Option<Attested>,
) -> TurnoutCorrected {
    TurnoutCorrected {
        contest: contest.to_string(),
        eligible: figures.eligible,
        present: figures.present,
        ballots_issued: figures.issued,
        reason: reason.to_string(),
        proposed_by: person(&proposer.name, &proposer.role),
        approved_by: person(&approver.name, &approver.role),
        attested,
    }
}

/// Serialises teller signatures by account (see `Core::sign_as`).
static TELLER_SIGNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A close done.
#[derive(Clone, Debug)]
pub struct Closed {
    /// The `contest_closed` entry.
    pub entry: u64,
    pub figures: Figures,
    /// Styles whose unspent tokens were voided with it.
    pub voided_styles: usize,
}

/// A publication done.
#[derive(Clone, Debug)]
pub struct Published {
    pub entry: u64,
    pub runoffs: Vec<String>,
    /// Runoffs the rules could not form (`{contest, code, message}`): the meeting decides.
    pub blocked: Vec<Value>,
}

/// A later round of a multi-round procedure (RULES.md section 4).
#[derive(Clone, Debug)]
pub struct NextRound {
    pub id: String,
    pub kind: String,
    pub seats: u32,
    pub title: String,
    pub mode: Option<String>,
}

impl Core {
    /// Closes a contest with the desk's figures as they are: one count per style, the close,
    /// and the voiding of unspent tokens, in one append. Nobody types the figures.
    pub fn close_contest(&self, id: &str) -> Result<Closed, CoreError> {
        self.close_contest_by(id, "")
    }

    /// [`Core::close_contest`] by a signed-in account, which the log names.
    pub fn close_contest_by(&self, id: &str, by: &str) -> Result<Closed, CoreError> {
        let styles = self.ledger.read(|s| -> Result<_, CoreError> {
            let c = s.state.conduct()?;
            match c.contest(id)?.phase {
                Phase::Open => Ok(c.styles_of(id)),
                Phase::Draft => Err(conflict(
                    Code::ContestNotOpen,
                    format!("选举项目 “{id}” 尚未开始 / contest “{id}” is not open"),
                )),
                Phase::Closed => Err(conflict(
                    Code::ContestClosed,
                    format!("选举项目 “{id}” 已结束 / contest “{id}” is already closed"),
                )),
            }
        })??;
        let mut desk = Vec::with_capacity(styles.len());
        let mut sum = Figures::default();
        for st in styles {
            let f = self.style_figures(st)?;
            sum.eligible += f.eligible;
            sum.present += f.present;
            sum.issued += f.issued;
            desk.push((st, f));
        }
        let appended = self.ledger.close_contest_by(id, &desk, by)?;
        let entry = appended
            .get(desk.len())
            .map(|a| a.index)
            .unwrap_or_default();
        Ok(Closed {
            entry,
            figures: sum,
            voided_styles: appended.len().saturating_sub(desk.len() + 1),
        })
    }

    /// Proposes a correction of a contest's figures; it waits for a second person of another
    /// role. Returns the proposal's number.
    pub fn propose_correction(
        &self,
        contest: &str,
        figures: Figures,
        reason: &str,
        by: &Person,
        attested: Option<Attested>,
    ) -> Result<u64, CoreError> {
        if reason.trim().is_empty() {
            return Err(invalid(
                Code::CorrectionReasonMissing,
                "更正须写明原因 / a correction needs a reason",
            ));
        }
        // Refused now, not when a second person approves it (the conduct's rule, protocol 5).
        if !crate::rules::conduct::board_reason_ok(reason) {
            return Err(
                crate::rules::conduct::ConductError::ReasonText("更正", "correction").into(),
            );
        }
        // The conduct's own checks, so that a proposal its approval would fail is refused now:
        // the figures (P ≤ E; from protocol 7, E not above the roll), then the order (closed,
        // not yet counted).
        self.ledger.read(|s| -> Result<(), CoreError> {
            let conduct = s.state.conduct()?;
            conduct.check_correction_figures(contest, figures)?;
            conduct.check_correction_order(contest)?;
            Ok(())
        })??;
        // A teller's signature is checked now, against the corrections logged so far (a
        // correction logged before this one is approved makes it stale: said then).
        if let Some(a) = &attested {
            self.check_attested(
                &correction_body(contest, figures, reason.trim(), by, by, None),
                a,
            )?;
        }
        Ok(self.records.propose(&Proposal {
            id: 0,
            contest: contest.to_string(),
            eligible: figures.eligible,
            present: figures.present,
            ballots_issued: figures.issued,
            reason: reason.trim().to_string(),
            proposed_by: by.name.clone(),
            proposer_role: by.role.clone(),
            at: super::now(),
            attested: attested.map(|a| crate::records::ProposalAttested {
                teller: a.teller,
                signature: a.signature,
            }),
        })?)
    }

    /// Approves a proposed correction as a second person of another role; only then is it
    /// logged, beside the desk's figures, with both names.
    ///
    /// From protocol 8 a registered teller's signature (`record::attest`) goes with it, given
    /// with the proposal or with the approval (`unattested` without one).
    pub fn approve_correction(
        &self,
        id: u64,
        by: &Person,
        attested: Option<Attested>,
    ) -> Result<Appended, CoreError> {
        let p = self.records.proposal(id)?.ok_or_else(|| {
            invalid(
                Code::UnknownProposal,
                format!("没有第 {id} 号更正提议 / no proposed correction {id}"),
            )
        })?;
        // The log first, then the proposal removed: a crash between the two leaves a
        // proposal whose correction is already logged. Approving it again would log it
        // twice; it is taken off instead, and said.
        let logged = self.ledger.read(|s| -> Result<bool, CoreError> {
            let c = s.state.conduct()?.contest(&p.contest)?.correction.clone();
            Ok(c.is_some_and(|c| {
                c.figures
                    == Figures {
                        eligible: p.eligible,
                        present: p.present,
                        issued: p.ballots_issued,
                    }
                    && c.reason == p.reason
                    && c.proposer.name == p.proposed_by
                    && c.proposer.role == p.proposer_role
            }))
        })??;
        if logged {
            self.records.remove_proposal(id)?;
            return Err(conflict(
                Code::CorrectionLogged,
                format!("第 {id} 号更正提议已记入日志 (服务中断前), 不再重复记录 / proposed correction {id} is already logged (before an interruption): it is not logged twice"),
            ));
        }
        let proposer = Person {
            name: p.proposed_by.clone(),
            role: p.proposer_role.clone(),
        };
        let figures = Figures {
            eligible: p.eligible,
            present: p.present,
            issued: p.ballots_issued,
        };
        let body = correction_body(
            &p.contest,
            figures,
            &p.reason,
            &proposer,
            by,
            // The approval's signature stands in for the proposal's, which a correction of
            // the contest logged since makes stale (signed at another position).
            attested.or(p.attested.clone().map(|a| Attested {
                teller: a.teller,
                signature: a.signature,
            })),
        );
        // The rules decide, in their order (as `verify` would); a wrong signature is refused
        // with what the teller must sign.
        let a = match self.ledger.correct_figures(body.clone()) {
            Err(e) if e.code() == Code::AttestationInvalid => {
                return Err(match &body.attested {
                    Some(att) => self.check_attested(&body, att).err().unwrap_or(e.into()),
                    None => e.into(),
                })
            }
            r => r?,
        };
        self.records.remove_proposal(id)?;
        Ok(a)
    }

    /// A teller's signature of a correction, checked against the registered tellers' keys and
    /// the corrections of its contest logged so far; refused with what to do.
    fn check_attested(&self, c: &TurnoutCorrected, a: &Attested) -> Result<(), CoreError> {
        self.ledger.read(|s| -> Result<(), CoreError> {
            let info = s.state.info()?;
            if info.protocol < 8 {
                return Err(crate::rules::conduct::ConductError::AttestationInvalid(format!(
                    "本选举按协议 {} 进行, 不带计票人签名 / this election follows protocol {}, which carries no teller's signature",
                    info.protocol, info.protocol
                ))
                .into());
            }
            let position = s.state.conduct()?.contest(&c.contest)?.corrections;
            Attestation::Correction { position, body: c }
                .check(&info.tellers, &info.id, a)
                .map(|_| ())
                .map_err(|e| {
                    invalid(
                        e.code(),
                        {
                            // One Chinese part and one English part, each whole (the pages
                            // split a message at its first " / ").
                            let said = e.to_string();
                            let (zh, en) = said.split_once(" / ").unwrap_or((&said, &said));
                            format!("{zh}; 计票人须签的是: 选举 {}, 项目 {}, 此前已有 {position} 次更正, 应到 {} 实到 {} 发出 {}, 原因 “{}” / {en}; the teller must sign: election {}, contest {}, {position} corrections before it, E {} P {} I {}, reason “{}”", info.id, c.contest, c.eligible, c.present, c.ballots_issued, c.reason, info.id, c.contest, c.eligible, c.present, c.ballots_issued, c.reason)
                        },
                    )
                })
        })?
    }

    /// A teller key's signature of a correction or a seat reduction as the log stands now
    /// (the command line on the server machine, with the teller's key file at hand).
    pub fn attest_with(
        &self,
        signer: &crate::record::note::Signer,
        what: &Attesting,
    ) -> Result<Attested, CoreError> {
        let reduction = match what {
            Attesting::Reduction { contest, .. } => Some(self.ledger.reduction_of(contest)?),
            Attesting::Correction { .. } | Attesting::Paper { .. } => None,
        };
        self.ledger.read(|s| -> Result<Attested, CoreError> {
            let info = s.state.info()?;
            let teller = crate::record::attest::teller_index(&info.tellers, signer)
                .map_err(|why| invalid(Code::AttestationInvalid, why))?;
            let signature = match what {
                Attesting::Correction {
                    contest,
                    figures,
                    reason,
                } => {
                    let position = s.state.conduct()?.contest(contest)?.corrections;
                    let nobody = Person {
                        name: String::new(),
                        role: String::new(),
                    };
                    let body =
                        correction_body(contest, *figures, reason.trim(), &nobody, &nobody, None);
                    Attestation::Correction {
                        position,
                        body: &body,
                    }
                    .sign(signer, &info.id)
                }
                Attesting::Reduction { contest, basis } => {
                    let (reduced_by, seats) = reduction.unwrap_or_default();
                    let body = crate::record::entry::SeatsReduced {
                        contest: contest.clone(),
                        reduced_by,
                        seats,
                        basis: basis.trim().to_string(),
                        attested: None,
                    };
                    Attestation::Reduction(&body).sign(signer, &info.id)
                }
                Attesting::Paper {
                    contest,
                    sheet,
                    keyed,
                } => {
                    // The statement of the entry this keying will log, built as the ledger
                    // and `verify` build it (`record::attest`).
                    let c = s.state.conduct()?.contest(contest)?;
                    if c.double_entry {
                        let entry = crate::record::entry::PaperKeyed {
                            contest: contest.clone(),
                            sheet: sheet.unwrap_or(c.paper_ballots + 1),
                            teller: String::new(),
                            ballot: None,
                            keyed: keyed.clone(),
                            attested: None,
                        };
                        crate::record::attest::keying_statement(c, &entry, info.log_id)
                            .sign(signer, &info.id)
                    } else {
                        let entry = crate::record::entry::PaperBallot {
                            contest: contest.clone(),
                            ballot: Value::Null,
                            sheet: None,
                            keyed: keyed.clone(),
                            attested: Some(Attested {
                                teller,
                                signature: String::new(),
                            }),
                        };
                        crate::record::attest::paper_statement(c, &entry, info.log_id)
                            .sign(signer, &info.id)
                    }
                }
            };
            Ok(Attested { teller, signature })
        })?
    }

    /// Counts closed contests and appends the result.
    pub fn tally(&self, contests: &[String]) -> Result<(Appended, Value), CoreError> {
        Ok(self.ledger.tally(contests)?)
    }

    /// Adds a teller's signature line to a result.
    pub fn sign(&self, result_index: u64, line: &str) -> Result<Appended, CoreError> {
        Ok(self.ledger.add_teller_signature(result_index, line)?)
    }

    /// [`Core::sign`] by a teller account: one account signs with one teller key, and one key
    /// belongs to one account, so a person holding two key files cannot supply two signatures
    /// (`key_not_yours`, [`Core::with_teller_key`]).
    pub fn sign_as(
        &self,
        result_index: u64,
        line: &str,
        account: &str,
    ) -> Result<Appended, CoreError> {
        let key = line
            .trim_start()
            .strip_prefix('—')
            .map(str::trim_start)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_default()
            .to_string();
        self.with_teller_key(account, &key, || self.sign(result_index, line))
    }

    /// Runs `act` (an append a teller key signed) for teller account `account` with key
    /// `key`: one account signs with one teller key, and one key belongs to one account
    /// (`key_not_yours`), bound at the account's first accepted use, in the service records.
    ///
    /// Invariant: a signature is in the log only once its bindings are in the records. One
    /// use at a time checks, appends, then binds (reserved before, a crash between the two
    /// left an account bound to a key it had only claimed); an empty value, written by the
    /// first version of this, is read as no binding.
    fn with_teller_key<T>(
        &self,
        account: &str,
        key: &str,
        act: impl FnOnce() -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        // Two requests of one account with two keys must not both see it unbound.
        let _one = TELLER_SIGNING.lock().unwrap_or_else(|p| p.into_inner());
        let account_setting = format!("teller_key:{account}");
        let key_setting = format!("key_teller:{key}");
        let binding = |name: &str| -> Result<Option<String>, CoreError> {
            Ok(self.records.setting(name)?.filter(|v| !v.is_empty()))
        };
        let bound = binding(&account_setting)?;
        let owner = binding(&key_setting)?;
        if bound.as_deref().is_some_and(|b| b != key)
            || owner.as_deref().is_some_and(|o| o != account)
        {
            return Err(conflict(
                Code::KeyNotYours,
                format!(
                    "账号 {account} 只能用自己的签名密钥 ({}) 签名; 密钥 “{key}” {} / account {account} signs only with its own key ({}); key “{key}” {}",
                    bound.as_deref().unwrap_or("尚未使用"),
                    owner.as_deref().map(|o| format!("属于账号 {o}")).unwrap_or_else(|| "不是它的".into()),
                    bound.as_deref().unwrap_or("none yet"),
                    owner.as_deref().map(|o| format!("belongs to account {o}")).unwrap_or_else(|| "is not its key".into()),
                ),
            ));
        }
        let done = act()?;
        let bind = |name: &str, value: &str| {
            if let Err(err) = self.records.set_setting(name, value) {
                // The signature stands; the binding is made at this account's next one.
                tracing::error!(setting = name, error = %err, "could not record a teller key binding after its signature");
            }
        };
        if bound.is_none() {
            bind(&account_setting, key);
        }
        if owner.is_none() {
            bind(&key_setting, account);
        }
        Ok(done)
    }

    /// Publishes a result once enough distinct teller keys signed it, together with the
    /// runoffs it calls for, in one append. A runoff the rules cannot form (a short list, or
    /// a list that breaks the kind's surplus rule) is reported, never forced: the meeting
    /// must decide (reduce the seats, or nominate) and record it.
    pub fn publish(&self, result_index: u64) -> Result<Published, CoreError> {
        let _rounds = super::new_rounds();
        let r = self.result_body(result_index)?;
        let (runoffs, blocked) = self.runoffs_of(result_index, &r)?;
        let ids: Vec<String> = runoffs
            .iter()
            .filter_map(|r| {
                r.contest
                    .get("id")
                    .and_then(|v| v.as_str())
                    .map(String::from)
            })
            .collect();
        let appended = self.ledger.publish(result_index, runoffs)?;
        Ok(Published {
            entry: appended.first().map(|a| a.index).unwrap_or_default(),
            runoffs: ids,
            blocked,
        })
    }

    /// The result entry at `index`.
    pub fn result_body(&self, index: u64) -> Result<ResultBody, CoreError> {
        self.ledger
            .read(|s| {
                s.state
                    .results()
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, r)| r.clone())
            })?
            .ok_or_else(|| {
                CoreError::Ledger(crate::rules::conduct::ConductError::UnknownResult(index).into())
            })
    }

    /// The runoff contests (and styles) a result proposes; the ones that cannot be formed.
    fn runoffs_of(
        &self,
        result_index: u64,
        r: &ResultBody,
    ) -> Result<(Vec<RunoffCreated>, Vec<Value>), CoreError> {
        use crate::record::entry::{body_bytes, EntryKind, ResultPublished};
        let mut created: Vec<RunoffCreated> = Vec::new();
        // Each runoff is checked with the publication and the runoffs accepted before it,
        // and only an accepted one's style counts for the next (from protocol 7 a runoff's
        // round follows every style's: one built after a refused one would otherwise be a
        // round too far, which the verifier's replay refuses for good).
        let mut entries = vec![(
            EntryKind::ResultPublished,
            body_bytes(&ResultPublished { result_index }),
        )];
        // The publication itself first: its refusal (signatures missing, say) is the answer.
        self.ledger.check_all(&entries)?;
        let mut blocked = Vec::new();
        // The styles as each runoff will find them: the ones before it in this publication
        // are appended first (the verifier replays them in that order; from protocol 7 each
        // takes a round after every style's).
        let mut styles = self
            .ledger
            .read(|s| -> Result<_, CoreError> { Ok(s.state.info()?.styles.clone()) })??;
        for c in r
            .result
            .get("contests")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default()
        {
            let Some(proposal) = c.get("runoff").filter(|p| !p.is_null()) else {
                continue;
            };
            let parent = c
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            if proposal
                .get("short_list")
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
            {
                blocked.push(json!({"contest": parent, "code": crate::codes::Code::RunoffListShort.as_str(),
                    "message": "未当选的候选人不足法定差额, 须由大会决定减少名额或另行提名 (须有记录) / too few not-elected candidates for the surplus rule: the meeting must decide to reduce the seats or nominate (recorded decision)"}));
                continue;
            }
            // One builder for the service and the verifier (`record::rounds`).
            let runoff = self.ledger.read(|s| -> Result<_, CoreError> {
                let info = s.state.info()?;
                Ok(crate::record::rounds::runoff_of(
                    &info.spec,
                    &info.election,
                    &styles,
                    &parent,
                    proposal,
                    (info.protocol, &s.state.conduct()?.roll_units()),
                ))
            })??;
            entries.push((EntryKind::RunoffCreated, body_bytes(&runoff)));
            if let Err(e) = self.ledger.check_all(&entries) {
                entries.pop();
                blocked
                    .push(json!({"contest": parent, "code": e.code(), "message": e.to_string()}));
                continue;
            }
            styles.extend(crate::record::entry::round_styles(
                &runoff.style,
                &runoff.more_styles,
            ));
            created.push(runoff);
        }
        Ok((created, blocked))
    }

    /// Multi-round procedures (RULES.md section 4): the next round's contest takes as its
    /// candidates the shortlist (or the elected) of this contest's published result, e.g. a
    /// recommendation poll feeding an election (两票制). The new contest must pass its own
    /// kind's surplus rule.
    pub fn next_round(&self, from: &str, next: &NextRound) -> Result<(Appended, Value), CoreError> {
        let _rounds = super::new_rounds();
        let results = self.ledger.read(|s| s.state.results().clone())?;
        let mut published = None;
        for (i, r) in results.iter().rev() {
            if r.contests.iter().any(|c| c == from) && self.is_published(*i)? {
                published = Some(r.clone());
                break;
            }
        }
        let r = published.ok_or_else(|| {
            conflict(
                Code::NotPublished,
                format!("“{from}” 还没有公布的结果 / “{from}” has no published result yet"),
            )
        })?;
        let contest = r
            .result
            .get("contests")
            .and_then(|c| c.as_array())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(from))
            })
            .cloned()
            .unwrap_or(Value::Null);
        // One builder for the service and the verifier (`record::rounds`).
        let (c, style, more) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            Ok(crate::record::rounds::next_round_of(
                &contest,
                &info.spec,
                &info.styles,
                from,
                &crate::record::rounds::NextRoundChoice {
                    id: &next.id,
                    title: &next.title,
                    kind: &next.kind,
                    seats: json!(next.seats),
                    mode: next.mode.as_deref(),
                },
                (
                    s.state.conduct()?.protocol(),
                    &s.state.conduct()?.roll_units(),
                ),
            ))
        })??;
        let a = self.ledger.create_contest(from, c.clone(), (style, more))?;
        Ok((a, c))
    }

    /// A re-vote (重新投票) of a contest whose counted round was invalid (quorum not met, more
    /// ballots than issued, ...): the same candidates and seats as a new contest in a new
    /// round with its own style, logged with the organiser's reason. Its slips are printed,
    /// it is opened, checked in (with its round), cast, closed, counted and verified like any
    /// contest; the rules refuse it unless the contest's counted round was invalid, once.
    pub fn revote(&self, source: &str, reason: &str) -> Result<(Appended, Value), CoreError> {
        // New input is held to the current protocol's rule, whatever the election's.
        crate::rules::conduct::check_revote_reason_in(
            reason,
            crate::rules::conduct::PROTOCOL_CURRENT,
        )
        .map_err(|e| CoreError::Ledger(e.into()))?;
        let _rounds = super::new_rounds();
        let (contest, style, more) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let spec_c = spec_contest(&info.spec, source).ok_or_else(|| {
                CoreError::Ledger(
                    crate::rules::conduct::ConductError::UnknownContest(source.to_string()).into(),
                )
            })?;
            let built = crate::record::rounds::revote_of(
                &spec_c,
                &info.election,
                &info.styles,
                source,
                (info.protocol, &s.state.conduct()?.roll_units()),
            );
            // The rules' own refusal first (a valid round, a second re-vote), before any id:
            // in the round the re-vote takes.
            let mut probe = s.state.conduct()?.clone();
            let trial = format!("{source}\u{0}revote-probe");
            let round = built.1.round;
            probe
                .add_contest(
                    &trial,
                    crate::rules::conduct::Mode::Electronic,
                    crate::rules::conduct::Origin::Revote {
                        of: source.to_string(),
                    },
                    vec![crate::rules::conduct::StyleDef {
                        round,
                        unit: String::new(),
                        contests: vec![trial.clone()],
                    }],
                )
                .map_err(|e| CoreError::Ledger(e.into()))?;
            Ok(built)
        })??;
        let a = self
            .ledger
            .create_revote(source, reason, contest.clone(), (style, more))?;
        Ok((a, contest))
    }
}

impl Core {
    /// The meeting's recorded decision to reduce the seats of a party contest by those its
    /// published result left unfilled, instead of a new round (RULES.md section 2). The rules
    /// refuse it for other kinds, with no seat unfilled, after a runoff or a second time.
    ///
    /// From protocol 8 a registered teller's signature of the decision goes with it
    /// (`record::attest`; `unattested` without one).
    pub fn reduce_seats(
        &self,
        contest: &str,
        basis: &str,
        attested: Option<Attested>,
    ) -> Result<Appended, CoreError> {
        // New input is held to the current protocol's rule, whatever the election's.
        crate::rules::conduct::check_reduction_basis_in(
            basis,
            crate::rules::conduct::PROTOCOL_CURRENT,
        )
        .map_err(|e| CoreError::Ledger(e.into()))?;
        Ok(self.ledger.reduce_seats(contest, basis, attested)?)
    }
}
