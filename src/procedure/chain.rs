//! Multi-round procedures as one chain (RULES.md section 4; `rules::procedure`): record a
//! round's step (its own data, or what its contest's published result passes on) and, when
//! the next round is held as a contest, create that contest with the list the step passed
//! on, in the same append. Where each procedure stands, for the organiser page and the board.

use crate::codes::Code;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{invalid, Core, CoreError};
use crate::ledger::Appended;
use crate::record::names::clean_name;
use crate::record::procedure::{check_basis, step_input, EntrantV1, ProcedureStep};
use crate::rules::procedure::{Entrant, ProcedureDef, ProcedureState, RoundKind};
use crate::rules::Ratio;

/// What the organiser brings to a round (docs/FORMATS.md, "Multi-round procedures").
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    pub round: String,
    /// Qualification: who passed the review, in order (`id` optional: `p1`, `p2`, ...).
    #[serde(default)]
    pub people: Vec<PersonIn>,
    /// Interview: each entrant's score, by id.
    #[serde(default)]
    pub scores: Vec<(String, String)>,
    /// Approval: the ids approved as formal candidates.
    #[serde(default)]
    pub approved: Vec<String>,
    pub basis: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
}

impl Core {
    /// Records the next round of procedure `id`. Off-system rounds bring their data; a round
    /// held as a contest takes what that contest's published result passes on. When the
    /// round after it is held as a contest, that contest is created with the list the step
    /// passed on (its subjects, or its candidates with the posts as seats).
    pub fn procedure_step(
        &self,
        id: &str,
        req: &StepRequest,
    ) -> Result<(Vec<Appended>, Value), CoreError> {
        let _rounds = super::new_rounds();
        let (def, state, spec, styles) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            let (def, st) = conduct.procedure(id)?;
            Ok((
                def.clone(),
                st.clone(),
                info.spec.clone(),
                info.styles.clone(),
            ))
        })??;
        let r = def
            .rounds
            .iter()
            .position(|r| r.id == req.round)
            .and_then(|i| def.rounds.get(i))
            .ok_or_else(|| {
                invalid(
                    Code::ProcedureOrder,
                    format!(
                        "程序 “{id}” 没有轮次 “{}” / procedure “{id}” has no round “{}”",
                        req.round, req.round
                    ),
                )
            })?;
        check_basis(&req.basis).map_err(|(code, m)| invalid(code, m))?;
        let mut people: Vec<Entrant> = Vec::new();
        for (n, p) in req.people.iter().enumerate() {
            let name = clean_name(&p.name).map_err(|e| invalid(e.code(), e.to_string()))?;
            let pid = match &p.id {
                Some(x) if !x.trim().is_empty() => x.trim().to_string(),
                _ => format!("p{}", n + 1),
            };
            people.push(Entrant { id: pid, name });
        }
        let mut scores = Vec::with_capacity(req.scores.len());
        for (sid, text) in &req.scores {
            let v = Ratio::parse(text.trim()).map_err(|_| {
                invalid(
                    Code::ProcedureInput,
                    format!("“{sid}” 的得分 “{text}” 不是数 / the score “{text}” of “{sid}” is not a number"),
                )
            })?;
            scores.push((sid.clone(), v));
        }
        let input = step_input(r.kind, &people, &req.approved, &scores, &[]);
        // A round counted invalid and re-voted goes on with its re-vote's result.
        let result = match r.contest.as_deref() {
            Some(c) => self.ledger.read(|s| {
                s.state
                    .conduct()
                    .map(|k| k.published_result_of(&k.standing_contest(c)))
            })??,
            None => None,
        };
        let outcome = self.ledger.read(|s| -> Result<_, CoreError> {
            Ok(s.state
                .conduct()?
                .check_procedure_step(id, &r.id, input, result)?)
        })??;
        let step = ProcedureStep {
            procedure: id.to_string(),
            round: r.id.clone(),
            posts: outcome.posts,
            people: outcome
                .people
                .iter()
                .map(|p| EntrantV1 {
                    id: p.id.clone(),
                    name: p.name.clone(),
                })
                .collect(),
            scores: if r.kind == RoundKind::Interview {
                req.scores
                    .iter()
                    .map(|(k, v)| (k.clone(), v.trim().to_string()))
                    .collect()
            } else {
                Vec::new()
            },
            result,
            widened: outcome.widened,
            basis: req.basis.trim().to_string(),
        };
        // The step as the log will hold it, held to what the verifier requires of it (names
        // canonical, ids and basis hiding nothing), whatever the election's protocol: an id
        // a later contest round would refuse (`check_id_at`) is refused now, before it is
        // logged, not when the procedure can no longer go on without it.
        crate::record::procedure::check_step_names(&step).map_err(|(code, m)| invalid(code, m))?;
        let next_index = state.done + 1;
        let next = match def.rounds.get(next_index) {
            Some(n) if n.kind.is_contest() => {
                // One builder for the service and the verifier (`record::rounds`).
                let (contest, style) = crate::record::rounds::procedure_round_of(
                    &spec,
                    &styles,
                    &def,
                    next_index,
                    &outcome.people,
                    outcome.posts,
                )
                .ok_or_else(|| {
                    invalid(
                        Code::ProcedureSpec,
                        "轮次没有 contest / the round has no contest",
                    )
                })?;
                Some((n.id.clone(), contest, style))
            }
            _ => None,
        };
        let appended = self.ledger.procedure_step(step, next)?;
        let view = self.procedures()?;
        Ok((appended, view))
    }

    /// Every procedure with its rounds and where it stands: done rounds with their logged
    /// step, the current round, and the list going into it.
    pub fn procedures(&self) -> Result<Value, CoreError> {
        self.ledger.read(|s| -> Result<Value, CoreError> {
            let conduct = s.state.conduct()?;
            let list: Vec<Value> = conduct
                .procedures()
                .map(|(def, st)| procedure_view(def, st, s.state.procedure_steps(), conduct))
                .collect();
            Ok(json!({ "procedures": list }))
        })?
    }
}

fn procedure_view(
    def: &ProcedureDef,
    st: &ProcedureState,
    steps: &[(u64, ProcedureStep)],
    conduct: &crate::rules::conduct::Conduct,
) -> Value {
    let rounds: Vec<Value> = def
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let status = if i < st.done {
                "done"
            } else if i == st.done {
                "current"
            } else {
                "pending"
            };
            let step = steps
                .iter()
                .find(|(_, p)| p.procedure == def.id && p.round == r.id)
                .map(|(entry, p)| {
                    json!({"entry": entry, "posts": p.posts, "widened": p.widened, "basis": p.basis,
                           "result": p.result, "scores": p.scores,
                           "people": p.people.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>()})
                });
            let standing = r.contest.as_deref().map(|c| conduct.standing_contest(c));
            let contest_state = standing
                .as_deref()
                .and_then(|c| conduct.phase(c))
                .map(|p| p.id());
            let published = standing
                .as_deref()
                .and_then(|c| conduct.published_result_of(c));
            json!({"id": r.id, "title": r.title, "kind": r.kind.id(), "kind_label": r.kind.label_zh(),
                   "ratio": r.ratio.map(|x| x.to_string()), "contest": r.contest, "standing_contest": standing,
                   "contest_state": contest_state, "published_result": published,
                   "status": status, "step": step})
        })
        .collect();
    json!({"id": def.id, "title": def.title, "posts_declared": def.posts, "posts": st.posts,
           "complete": st.complete(def), "current": def.rounds.get(st.done).map(|r| r.id.clone()),
           "people": st.people.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>(),
           "rounds": rounds})
}
