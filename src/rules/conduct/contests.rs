//! Contests: later rounds (runoffs, next rounds, re-votes, a procedure's rounds), opening,
//! closing with the desk's figures, corrections, seat reductions.

use super::*;

/// The roles that propose and approve a correction of the desk's figures (conduct protocol
/// 6): the organiser, the registrar who keyed them, a teller. Not an auditor, who verifies.
pub const CORRECTION_ROLES: [&str; 3] = ["organiser", "registrar", "teller"];

/// Whether `id` has the form of a later round's id the rules make (`record::rounds`): a
/// runoff's `<parent>-r<n>` (`'r'`) or a re-vote's `<source>-v<n>` (`'v'`), with `n` a
/// number; returns the parent or source and the kind. From protocol 11 no contest is
/// registered or created another way under such an id (`contest_id_reserved`).
pub fn reserved_round_id(id: &str) -> Option<(&str, char)> {
    let (base, tail) = id.rsplit_once('-')?;
    let mut chars = tail.chars();
    let kind = chars.next().filter(|k| *k == 'r' || *k == 'v')?;
    let digits = chars.as_str();
    (!base.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some((base, kind))
}

impl Conduct {
    // ------------------------------------------------------------ contests

    /// Adds a contest of a later round (a runoff or the next round of a procedure) with its
    /// ballot styles (one per unit of its source's, from protocol 9; one before). Protocol 2:
    /// the result it comes from must be published.
    pub fn add_contest(
        &mut self,
        id: &str,
        arrival: impl Into<Arrival>,
        origin: Origin,
        styles: Vec<StyleDef>,
    ) -> Result<(), ConductError> {
        let arrival: Arrival = arrival.into();
        if self.contests.contains_key(id) {
            return Err(ConductError::ContestExists(id.to_string()));
        }
        // Protocol 10: a procedure's round contest id is the procedure's to create; a contest
        // made another way under it would block the procedure for good (the diff review).
        if self.protocol() >= super::PROTOCOL_CLOSED_TIES
            && !matches!(origin, Origin::Procedure { .. })
            && self
                .procedures
                .values()
                .any(|(def, _)| def.rounds.iter().any(|r| r.contest.as_deref() == Some(id)))
        {
            return Err(ConductError::RoundContestReserved(id.to_string()));
        }
        // Protocol 11 (a review of the whole-groups change, 2026-12-05): a runoff's id is
        // `<parent>-r<n>` and a re-vote's `<source>-v<n>`, made by the rules. A contest made
        // another way under such an id took the runoff's place: the runoff then could not be
        // created, the service reported it blocked, and `verify` owed nothing.
        if self.protocol() >= super::PROTOCOL_WHOLE_GROUPS {
            if let Some((base, kind)) = reserved_round_id(id) {
                let made_so = match &origin {
                    Origin::Runoff { parent } => kind == 'r' && base == parent,
                    Origin::Revote { of } => kind == 'v' && base == of,
                    _ => false,
                };
                if !made_so {
                    return Err(ConductError::ContestIdReserved(id.to_string()));
                }
            }
        }
        // One style, or from protocol 9 one per unit of its source's; and no more styles in
        // all than a registration may have (65,535: a token numbers its style in 16 bits).
        let most = if self.protocol() >= super::PROTOCOL_ATTESTED_PAPER {
            usize::from(u16::MAX) - self.styles.len().min(usize::from(u16::MAX))
        } else {
            1
        };
        if styles.is_empty() || styles.len() > most {
            return Err(ConductError::RoundStyles {
                contest: id.to_string(),
                styles: styles.len(),
                most,
            });
        }
        let revote_of = match &origin {
            Origin::Revote { of } => Some(of.clone()),
            _ => None,
        };
        let source = match &origin {
            Origin::Spec => None,
            Origin::Runoff { parent } => Some(parent),
            Origin::NextRound { from } => Some(from),
            Origin::Procedure { procedure, round } => {
                // Only the contest the procedure's last step made ready, once.
                let (def, st) = self
                    .procedures
                    .get(procedure)
                    .ok_or_else(|| ConductError::UnknownProcedure(procedure.clone()))?;
                let r = def.rounds.get(st.done);
                if !st.contest_created
                    || r.map(|r| r.id.as_str()) != Some(round.as_str())
                    || r.and_then(|r| r.contest.as_deref()) != Some(id)
                {
                    return Err(ProcedureError::OutOfOrder {
                        procedure: procedure.clone(),
                        round: round.clone(),
                        expected: r.map(|r| r.id.clone()).unwrap_or_default(),
                    }
                    .into());
                }
                None
            }
            Origin::Revote { of } => {
                let c = self.contest(of)?;
                if c.result.is_none() || !c.invalid {
                    return Err(ConductError::RoundNotInvalid(of.clone()));
                }
                if c.revoted {
                    return Err(ConductError::RevoteExists(of.clone()));
                }
                // The invalid round is posted first (its board says 本轮无效), as a runoff's
                // source is: every export then holds both rounds.
                if self.strict() && self.published_result_of(of).is_none() {
                    return Err(ConductError::NotPublished(of.clone()));
                }
                None
            }
        };
        if let Origin::Runoff { parent } = &origin {
            let p = self.contest(parent)?;
            if p.reduced_by > 0 {
                return Err(ConductError::ShortfallDecided(parent.clone()));
            }
            // One runoff per parent: the service makes it once, with the parent's publication.
            // A second would replace a runoff whose ballots then go uncounted, or fill the
            // parent's seats twice.
            if self.strict()
                && self
                    .contests
                    .values()
                    .any(|c| matches!(&c.origin, Origin::Runoff { parent: p } if p == parent))
            {
                return Err(ConductError::RunoffExists(parent.clone()));
            }
        }
        // Protocol 10: a procedure's round goes on by its procedure (its ratios, its
        // approval), not by a next round of any kind and seats the organiser chose; nor
        // through its re-vote or runoff (the diff review).
        if let Origin::NextRound { from } = &origin {
            if self.protocol() >= super::PROTOCOL_CLOSED_TIES
                && self.rounds_back(from).iter().any(|id| {
                    self.contests
                        .get(id)
                        .is_some_and(|c| matches!(c.origin, Origin::Procedure { .. }))
                })
            {
                return Err(ConductError::NextRoundOfProcedure(from.clone()));
            }
        }
        if let Some(source) = source {
            self.contest(source)?;
            if self.strict() && self.published_result_of(source).is_none() {
                return Err(ConductError::NotPublished(source.clone()));
            }
        }
        if self.protocol() >= 7 {
            // Protocol 7: one next round per source (a second would re-run a valid round
            // outside the re-vote's rules), and every later round a round of its own: two
            // runoffs sharing a round and unit shared one check-in, so the second's figures
            // (its quorum, its threshold's denominator, its R ≤ I bound) were the first's.
            if let Origin::NextRound { from } = &origin {
                if self
                    .contests
                    .values()
                    .any(|c| matches!(&c.origin, Origin::NextRound { from: f } if f == from))
                {
                    return Err(ConductError::NextRoundExists(from.clone()));
                }
            }
            // Protocol 10: in a round after every style's. A token numbers its round in 8
            // bits: past round 255 the builders' round stayed 255, which put a runoff on an
            // earlier round's unit-less style and shut other units out (the red-team review).
            if self.protocol() >= super::PROTOCOL_CLOSED_TIES {
                let last = self.styles.iter().map(|s| s.round).max().unwrap_or(0);
                if let Some(s) = styles.iter().find(|s| s.round <= last) {
                    return Err(ConductError::RoundsExhausted {
                        contest: id.to_string(),
                        round: s.round,
                    });
                }
            }
            for (n, style) in styles.iter().enumerate() {
                if self
                    .styles
                    .iter()
                    .chain(&styles[..n])
                    .any(|s| s.round == style.round && s.unit == style.unit)
                {
                    return Err(ConductError::StyleRoundTaken {
                        round: style.round,
                        unit: style.unit.clone(),
                    });
                }
            }
        }
        self.contests.insert(
            id.to_string(),
            Arc::new(ContestConduct {
                phase: Phase::Draft,
                mode: arrival.mode,
                origin,
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
        );
        if let Some(of) = revote_of {
            self.contest_mut(&of)?.revoted = true;
        }
        Arc::make_mut(&mut self.styles).extend(styles);
        Ok(())
    }

    /// A recorded decision of the meeting to reduce the seats of `contest` instead of a new
    /// round for its unfilled ones (RULES.md section 2, party kinds: 如接近应选名额, 也可以
    /// 由大会讨论决定减少名额, 不再选举). The strict reading, and the only one: the reduction
    /// removes every unfilled seat and ends the contest: it withdraws the runoffs the publication
    /// prepared while they are still in draft (they can no longer open), is refused once one
    /// has opened, and no runoff may follow it. `reducible` is the contest kind's say.
    pub fn reduce_seats(
        &mut self,
        contest: &str,
        reduced_by: u32,
        reducible: bool,
        basis: &str,
        attested: &Attest,
    ) -> Result<(), ConductError> {
        super::check_reduction_basis_in(basis, self.protocol())?;
        let c = self.contest(contest)?;
        if !reducible {
            return Err(ConductError::SeatsNotReducible(contest.to_string()));
        }
        if self.published_result_of(contest).is_none() {
            return Err(ConductError::NotPublished(contest.to_string()));
        }
        // The runoffs prepared for its shortfall (created with the publication): withdrawn
        // while still in draft; once one opened, the new round is under way.
        let runoffs: Vec<String> = self
            .contests
            .iter()
            .filter(|(_, r)| matches!(&r.origin, Origin::Runoff { parent } if parent == contest))
            .map(|(id, _)| id.clone())
            .collect();
        let started = runoffs.iter().any(|id| {
            self.contests
                .get(id)
                .is_some_and(|r| r.phase != Phase::Draft)
        });
        if c.reduced_by > 0 || started {
            return Err(ConductError::ShortfallDecided(contest.to_string()));
        }
        if c.unfilled == 0 {
            return Err(ConductError::NoUnfilledSeats(contest.to_string()));
        }
        // Protocol 10: a reduction settles a shortfall of a valid round, nothing else. An
        // invalid round is re-voted (RULES.md section 1), candidates tied at the last seat
        // vote again, and a contest that elected nobody is not "close to the seats" (RULES.md
        // section 2); before, each of these could be ended by reducing the seats.
        self.check_reduction_rules(contest)?;
        if reduced_by != c.unfilled {
            return Err(ConductError::ReductionMismatch {
                contest: contest.to_string(),
                unfilled: c.unfilled,
                reduced_by,
            });
        }
        // Protocol 8: a registered teller's key signed the decision (one organiser recorded
        // it before, for any number of seats).
        self.require_attested(
            attested,
            super::PROTOCOL_ATTESTED_FIGURES,
            super::Act::REDUCTION,
        )?;
        self.contest_mut(contest)?.reduced_by = reduced_by;
        for id in runoffs {
            self.contest_mut(&id)?.superseded = true;
        }
        Ok(())
    }

    /// [`Conduct::reduce_seats`] for a logged `seats_reduced`: the kind and the seat count
    /// come from the contest of `contest` as registered, and `seats` must be what is left.
    pub fn reduce_seats_logged(
        &mut self,
        contest: &Contest,
        reduced_by: u32,
        seats: u32,
        basis: &str,
        attested: &Attest,
    ) -> Result<(), ConductError> {
        let reducible = contest.kind().family() == crate::rules::kind::Family::Party;
        let expected = contest.seats().saturating_sub(reduced_by);

        if seats != expected {
            return Err(ConductError::ReductionSeats {
                contest: contest.id().clone(),
                seats_before: contest.seats(),
                reduced_by,
                expected,
                seats,
            });
        }
        self.reduce_seats(contest.id(), reduced_by, reducible, basis, attested)
    }

    /// Records what a result decided of each contest it counted ([`Outcome`]). Call right
    /// after [`Conduct::tally`].
    pub fn mark_outcomes(&mut self, outcomes: &[Outcome]) -> Result<(), ConductError> {
        for o in outcomes {
            let c = self.contest_mut(&o.contest)?;
            c.unfilled = o.unfilled;
            c.tied = o.tied;
            c.elected = o.elected;
        }
        Ok(())
    }

    /// `contest` and the rounds it continues, back to the first: a runoff's parent, a
    /// re-vote's source (each names an earlier contest, so the walk ends).
    pub fn rounds_back(&self, contest: &str) -> Vec<String> {
        let mut out = vec![contest.to_string()];
        while let Some(prev) = out
            .last()
            .and_then(|cur| self.contests.get(cur))
            .and_then(|x| match &x.origin {
                Origin::Runoff { parent } => Some(parent.clone()),
                Origin::Revote { of } => Some(of.clone()),
                _ => None,
            })
        {
            if out.contains(&prev) {
                break;
            }
            out.push(prev);
        }
        out
    }

    /// Protocol 10: whether the rules let the meeting reduce `contest`'s seats, its kind and
    /// published shortfall aside: not after an invalid round (re-voted, RULES.md section 1),
    /// nor a tie for the last seats (voted again), nor when nobody was elected in the whole
    /// contest, its earlier rounds included (removing every seat is not "close to the
    /// seats"). Logs of earlier protocols keep their rules.
    pub fn check_reduction_rules(&self, contest: &str) -> Result<(), ConductError> {
        if self.protocol() < super::PROTOCOL_CLOSED_TIES {
            return Ok(());
        }
        let c = self.contest(contest)?;
        if c.invalid {
            return Err(ConductError::ReductionInvalidRound(contest.to_string()));
        }
        if c.tied {
            return Err(ConductError::ReductionTie(contest.to_string()));
        }
        // The rounds before it: a runoff's parent, a re-vote's source, up to the first.
        let elected = self
            .rounds_back(contest)
            .iter()
            .filter_map(|id| self.contests.get(id))
            .fold(0u32, |n, x| n.saturating_add(x.elected));
        if elected == 0 {
            return Err(ConductError::ReductionAllSeats(contest.to_string()));
        }
        Ok(())
    }

    /// Marks the contests a result counted as an invalid round (its `valid: false`), which
    /// a re-vote may then repeat. Call right after [`Conduct::tally`].
    pub fn mark_invalid(&mut self, contests: &[String]) -> Result<(), ConductError> {
        for id in contests {
            self.contest_mut(id)?.invalid = true;
        }
        Ok(())
    }

    pub fn open(&mut self, id: &str) -> Result<(), ConductError> {
        match self.phase_of(id)? {
            Phase::Draft => {}
            Phase::Open => return Err(ConductError::ContestAlreadyOpen(id.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(id.to_string())),
        }
        if self.contest(id)?.superseded {
            return Err(ConductError::RunoffSuperseded(id.to_string()));
        }
        // Protocol 7: the roll comes first. The desk's E is checked against it at every
        // count; a log without one left E to whoever wrote the desk's counts.
        if self.protocol() >= 7 && self.roll.is_none() {
            return Err(ConductError::OpenWithoutRoll(id.to_string()));
        }
        if matches!(self.secrecy, Secrecy::Encrypted { .. })
            && self.contest(id)?.mode != Mode::Paper
            && self.ceremony.key.is_none()
        {
            return Err(ConductError::ElectionKeyMissing);
        }
        self.contest_mut(id)?.phase = Phase::Open;
        Ok(())
    }

    /// Closes a contest with its figures. Protocol 2: the figures are the sum of the desk
    /// counts logged for the contest's styles (the desk's, not anyone's typing).
    pub fn close(&mut self, id: &str, figures: Figures) -> Result<(), ConductError> {
        match self.phase_of(id)? {
            Phase::Open => {}
            Phase::Draft => return Err(ConductError::ContestNotOpen(id.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(id.to_string())),
        }
        let c = self.contest(id)?;
        if !c.keyings.is_empty() {
            return Err(ConductError::PaperSheetOpen {
                contest: id.to_string(),
                sheet: c.paper_ballots + 1,
            });
        }
        if self.strict() {
            // Protocol 10: each style's count holds the roll's voters as they are now (a
            // count logged before the roll, or before the roll was replaced, carried an E
            // the roll never had: the red-team review of 2026-12-05).
            if self.protocol() >= super::PROTOCOL_CLOSED_TIES {
                for s in self.styles_of(id) {
                    let logged = self.desk.get(&s).map(|f| f.eligible);
                    let roll = self.style_voters(s);
                    if let (Some(logged), Some(roll)) = (logged, roll) {
                        if logged != roll {
                            return Err(ConductError::DeskEligibleMismatch {
                                style: s,
                                logged,
                                roll,
                            });
                        }
                    }
                }
            }
            let desk = self.desk_figures(id)?;
            if desk != figures {
                return Err(ConductError::CloseFiguresMismatch {
                    contest: id.to_string(),
                    close_e: figures.eligible,
                    close_p: figures.present,
                    close_i: figures.issued,
                    desk_e: desk.eligible,
                    desk_p: desk.present,
                    desk_i: desk.issued,
                });
            }
        }
        let c = self.contest_mut(id)?;
        c.phase = Phase::Closed;
        c.closed = Some(figures);
        Ok(())
    }

    /// The sum of the latest desk counts of a contest's styles.
    pub fn desk_figures(&self, contest: &str) -> Result<Figures, ConductError> {
        let mut sum = Figures::default();
        for s in self.styles_of(contest) {
            let f = self
                .desk
                .get(&s)
                .copied()
                .ok_or_else(|| ConductError::DeskCountMissing {
                    contest: contest.to_string(),
                    style: s,
                })?;
            sum = sum
                .checked_add(f)
                .ok_or_else(|| ConductError::FiguresOverflow(contest.to_string()))?;
        }
        Ok(sum)
    }

    /// Records the desk's count of a style. Protocol 2: `E` equals the roll's voters for the
    /// style when a roll was registered, and `P ≤ E`.
    pub fn desk_count(&mut self, style: u16, figures: Figures) -> Result<(), ConductError> {
        self.style(style)?;
        // Protocol 10: no desk count before the roll (its E was then anyone's word).
        if self.protocol() >= super::PROTOCOL_CLOSED_TIES && self.roll.is_none() {
            return Err(ConductError::DeskCountBeforeRoll(style));
        }
        if self.strict() {
            if let Some(roll) = self.style_voters(style) {
                if roll != figures.eligible {
                    return Err(ConductError::DeskEligibleMismatch {
                        style,
                        logged: figures.eligible,
                        roll,
                    });
                }
            }
            if figures.present > figures.eligible {
                return Err(ConductError::DeskPresentExceedsEligible {
                    style,
                    present: figures.present,
                    eligible: figures.eligible,
                });
            }
        }
        self.desk.insert(style, figures);
        Ok(())
    }

    /// Whether contest `id`'s figures may be corrected now. Protocol 6: only once it is
    /// closed and before it is counted (the close's own figures are the desk's at that
    /// moment; a correction logged while voting went on replaced them, so the count used
    /// figures from before the last voters came). The service asks before it keeps a
    /// proposal; the log's rule is the same check.
    pub fn check_correction_order(&self, id: &str) -> Result<(), ConductError> {
        let c = self.contest(id)?;
        if c.phase == Phase::Draft
            || c.result.is_some()
            || (self.protocol() >= 6 && c.phase != Phase::Closed)
        {
            return Err(ConductError::CorrectionOutOfOrder(id.to_string()));
        }
        Ok(())
    }

    /// Whether figures `f` may replace contest `id`'s. Protocol 2: no more present than
    /// eligible (which would meet any "more than half of E" threshold). Protocol 7: E is the
    /// roll's (the desk's figure at the close counts it); a correction may lower it, never
    /// raise it above the roll (which could only make a quorum, or a threshold of "more than
    /// half of E", fail that the hall met).
    pub fn check_correction_figures(&self, id: &str, f: Figures) -> Result<(), ConductError> {
        if self.strict() && f.present > f.eligible {
            return Err(ConductError::CorrectionPresentExceedsEligible {
                contest: id.to_string(),
                present: f.present,
                eligible: f.eligible,
            });
        }
        if self.protocol() >= 7 {
            if let Some(desk) = self.contest(id)?.closed {
                if f.eligible > desk.eligible {
                    return Err(ConductError::CorrectionEligibleAboveRoll {
                        contest: id.to_string(),
                        eligible: f.eligible,
                        roll: desk.eligible,
                    });
                }
            }
        }
        Ok(())
    }

    /// Records a correction of an opened, uncounted contest's figures (for example the paper
    /// desk's figures merged in), made by one person and approved by a second person of
    /// another role. The latest correction is what the count uses.
    pub fn correct(&mut self, id: &str, correction: Correction) -> Result<(), ConductError> {
        self.check_correction_order(id)?;
        if correction.reason.trim().is_empty() {
            return Err(ConductError::CorrectionReasonMissing);
        }
        if self.protocol() >= 5 && !super::board_reason_ok(&correction.reason) {
            return Err(ConductError::ReasonText("更正", "correction"));
        }
        self.check_correction_figures(id, correction.figures)?;
        let (p, a) = (&correction.proposer, &correction.approver);
        if p.name.trim().is_empty()
            || a.name.trim().is_empty()
            || p.name == a.name
            || p.role == a.role
        {
            return Err(ConductError::CorrectionNeedsTwo {
                proposer: p.name.clone(),
                proposer_role: p.role.clone(),
                approver: a.name.clone(),
                approver_role: a.role.clone(),
            });
        }
        // Protocol 6: the figures are the desk's and the tellers' to correct; an auditor
        // verifies and changes nothing (before, any two staff roles could, an auditor too).
        if self.protocol() >= 6 {
            if let Some(x) = [p, a]
                .into_iter()
                .find(|x| !CORRECTION_ROLES.contains(&x.role.as_str()))
            {
                return Err(ConductError::CorrectionRole {
                    name: x.name.clone(),
                    role: x.role.clone(),
                });
            }
        }
        // Protocol 8: a registered teller's key signed it (an organiser can make accounts of
        // any role, so two account names are not two people; a teller's key never reaches
        // the service).
        self.require_attested(
            &correction.attested,
            super::PROTOCOL_ATTESTED_FIGURES,
            super::Act::CORRECTION,
        )?;
        // Protocol 4: made when a teller had already given decryption shares (the totals
        // computable by anyone): allowed, since a hall's paper figures may come late, but said
        // in the result the tellers sign.
        let after_shares = self.protocol >= 4
            && self
                .contest(id)?
                .decryption
                .shares
                .values()
                .any(|s| !s.is_empty());
        let c = self.contest_mut(id)?;
        c.correction = Some(correction);
        c.corrections = c.corrections.saturating_add(1);
        c.corrected_after_shares = after_shares;
        Ok(())
    }
}
