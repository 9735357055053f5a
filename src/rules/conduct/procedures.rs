//! Multi-round procedures (`rules::procedure`): each step checked, each round's contest
//! created once with the list the step before passed on.

use super::*;

impl Conduct {
    // ------------------------------------------------------------ procedures

    /// The election's multi-round procedures, each at its start.
    pub fn with_procedures(mut self, defs: &[ProcedureDef]) -> Conduct {
        self.procedures = defs
            .iter()
            .map(|d| (d.id.clone(), (d.clone(), ProcedureState::start(d))))
            .collect();
        self
    }

    /// A procedure and where it stands.
    pub fn procedure(&self, id: &str) -> Result<&(ProcedureDef, ProcedureState), ConductError> {
        self.procedures
            .get(id)
            .ok_or_else(|| ConductError::UnknownProcedure(id.to_string()))
    }

    pub fn procedures(&self) -> impl Iterator<Item = &(ProcedureDef, ProcedureState)> {
        self.procedures.values()
    }

    /// The kind of round whose contest is `contest`, if a procedure creates it.
    /// (A re-vote of a round's contest stands for it.)
    pub fn round_kind_of(&self, contest: &str) -> Option<RoundKind> {
        let base = self.revoted_from(contest);
        self.procedures.values().find_map(|(d, _)| {
            d.round_of_contest(&base)
                .and_then(|i| d.rounds.get(i))
                .map(|r| r.kind)
        })
    }

    /// The procedure a contest is a round of (its re-votes included).
    pub fn procedure_of(&self, contest: &str) -> Option<&ProcedureDef> {
        let base = self.revoted_from(contest);
        self.procedures
            .values()
            .map(|(d, _)| d)
            .find(|d| d.round_of_contest(&base).is_some())
    }

    /// The contest a re-vote chain started from (`contest` itself when it is no re-vote).
    fn revoted_from(&self, contest: &str) -> String {
        let mut cur = contest.to_string();
        while let Some(Origin::Revote { of }) = self.contests.get(&cur).map(|c| &c.origin) {
            if *of == cur {
                break;
            }
            cur = of.clone();
        }
        cur
    }

    /// The contest that stands for a round's contest: the latest re-vote of it, or itself.
    pub fn standing_contest(&self, contest: &str) -> String {
        let mut cur = contest.to_string();
        while let Some(next) = self
            .contests
            .iter()
            .find(|(_, c)| matches!(&c.origin, Origin::Revote { of } if *of == cur))
            .map(|(id, _)| id.clone())
        {
            cur = next;
        }
        cur
    }

    /// Records whom the result at `index` of a procedure round's contest passes on (the
    /// caller reads it from the result: `record::procedure::passed_on`).
    pub fn record_round_result(&mut self, index: u64, contest: &str, passed: Vec<String>) {
        self.round_results
            .insert(contest.to_string(), (index, passed));
    }

    /// The outcome the rules give for the next round of a procedure, without recording it.
    /// A round held as a contest takes whom its contest's published result passes on
    /// (`result` must name that result; `input` is then not read).
    pub fn check_procedure_step(
        &self,
        procedure: &str,
        round: &str,
        input: StepInput<'_>,
        result: Option<u64>,
    ) -> Result<StepOutcome, ConductError> {
        let (def, st) = self.procedure(procedure)?;
        let i = def
            .round_index(round)
            .ok_or_else(|| ProcedureError::OutOfOrder {
                procedure: procedure.to_string(),
                round: round.to_string(),
                expected: def
                    .rounds
                    .get(st.done)
                    .map(|r| r.id.clone())
                    .unwrap_or_default(),
            })?;
        if let Some(round_contest) = def.rounds[i].contest.as_deref() {
            // Protocol 10: the round's contest is the one this procedure's chain created for
            // this round, not a contest of the same id that came another way.
            if self.protocol() >= super::PROTOCOL_CLOSED_TIES
                && !self.contests.get(round_contest).is_some_and(|c| {
                    matches!(&c.origin, Origin::Procedure { procedure: p, round: r } if p == procedure && r == round)
                })
            {
                return Err(ConductError::ProcedureRoundNotMade {
                    procedure: procedure.to_string(),
                    round: round.to_string(),
                    contest: round_contest.to_string(),
                });
            }
            // A round counted invalid and re-voted goes on with its re-vote's result.
            let standing = self.standing_contest(round_contest);
            let contest = standing.as_str();
            if self.contests.get(contest).is_some_and(|c| c.invalid) {
                return Err(ProcedureError::RoundInvalid {
                    round: round.to_string(),
                    contest: contest.to_string(),
                }
                .into());
            }
            let published = self
                .contests
                .get(contest)
                .and_then(|_| self.published_result_of(contest));
            let passed = self
                .round_results
                .get(contest)
                .filter(|(at, _)| published == Some(*at) && result == Some(*at));
            let Some((_, passed)) = passed else {
                return Err(ProcedureError::ResultMissing {
                    round: round.to_string(),
                    contest: contest.to_string(),
                }
                .into());
            };
            return Ok(step(def, st, round, StepInput::Passed(passed))?);
        }
        Ok(step(def, st, round, input)?)
    }

    /// Records a logged step: the rules' outcome must be the one logged (posts, people in
    /// order, a widened list).
    pub fn procedure_step(&mut self, logged: &LoggedStep<'_>) -> Result<(), ConductError> {
        let outcome =
            self.check_procedure_step(logged.procedure, logged.round, logged.input, logged.result)?;
        if outcome.posts != logged.posts
            || outcome.people != logged.people
            || outcome.widened != logged.widened
        {
            return Err(ProcedureError::Mismatch {
                round: logged.round.to_string(),
                message: format!(
                    "{} post(s), {} person(s){} / logged {} post(s), {} person(s)",
                    outcome.posts,
                    outcome.people.len(),
                    if outcome.widened { ", widened" } else { "" },
                    logged.posts,
                    logged.people.len()
                ),
            }
            .into());
        }
        if let Some((_, st)) = self.procedures.get_mut(logged.procedure) {
            advance(st, outcome);
        }
        Ok(())
    }

    /// Accepts the contest the next round of a procedure creates: the round's contest id,
    /// listing exactly who the last step passed on (by id and name), and, for a
    /// recommendation or an election, the posts as its seats. Call before
    /// [`Conduct::add_contest`] with [`Origin::Procedure`].
    pub fn procedure_contest(
        &mut self,
        procedure: &str,
        round: &str,
        contest: &str,
        people: &[Entrant],
        seats: Option<u32>,
    ) -> Result<(), ConductError> {
        let (def, st) = self.procedure(procedure)?;
        let expected = def.rounds.get(st.done);
        let ok_round =
            expected.is_some_and(|r| r.id == round && r.contest.as_deref() == Some(contest));
        if !ok_round || st.done == 0 || st.contest_created {
            return Err(ProcedureError::OutOfOrder {
                procedure: procedure.to_string(),
                round: round.to_string(),
                expected: expected.map(|r| r.id.clone()).unwrap_or_default(),
            }
            .into());
        }
        let mut want = st.people.clone();
        want.sort();
        let mut got = people.to_vec();
        got.sort();
        let seats_ok = match expected.map(|r| r.kind) {
            Some(RoundKind::Evaluation) => true,
            _ => seats == Some(st.posts),
        };
        if want != got || !seats_ok {
            return Err(ProcedureError::Mismatch {
                round: round.to_string(),
                message: format!(
                    "“{contest}” 须列出上一轮的 {} 人, 应选 {} 名 / “{contest}” must list the {} people of the last step, for {} seat(s)",
                    want.len(),
                    st.posts,
                    want.len(),
                    st.posts
                ),
            }
            .into());
        }
        if let Some((_, st)) = self.procedures.get_mut(procedure) {
            st.contest_created = true;
        }
        Ok(())
    }
}
