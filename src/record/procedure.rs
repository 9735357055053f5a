//! The wire side of multi-round procedures (RULES.md section 4; `rules::procedure`): the log
//! entry of a step, the contest a round creates, and what a published result passes on.
//! The ledger and the verifier both read steps here and check them with `rules::conduct`.

use crate::codes::Code;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::election::SpecError;
use super::text::RatioText;
use crate::rules::procedure::{Entrant, ProcedureDef, RoundDef, RoundKind, StepInput};
use crate::rules::Ratio;
use crate::rules::{ContestKind, RulesError};

/// Longest basis of a step, in characters.
pub const BASIS_CHARS_MAX: usize = 500;

/// A person on a round's list, as logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntrantV1 {
    pub id: String,
    pub name: String,
}

/// Log entry `procedure_step`: one round of a procedure done, and who goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureStep {
    pub procedure: String,
    pub round: String,
    /// The posts after the round (a qualification may reduce them).
    pub posts: u32,
    /// Who goes on to the next round, in the round's order (an interview's: best first).
    pub people: Vec<EntrantV1>,
    /// Interview: each entrant's score (a number or fraction, as `ratio` fields are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<(String, String)>,
    /// A round held as a contest: the result entry it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<u64>,
    /// Interview: a tie at the boundary widened the list.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub widened: bool,
    /// Who decided, on what (the organiser's words), shown on the board.
    pub basis: String,
}

impl ProcedureStep {
    pub fn entrants(&self) -> Vec<Entrant> {
        self.people
            .iter()
            .map(|p| Entrant {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect()
    }

    /// The interview scores, parsed; `None` when one is not a number.
    pub fn parsed_scores(&self) -> Option<Vec<(String, Ratio)>> {
        self.scores
            .iter()
            .map(|(id, s)| Ratio::parse(s).ok().map(|r| (id.clone(), r)))
            .collect()
    }
}

/// The kind of the round a logged step is for, read the same way by the ledger and the
/// verifier (`procedure_order` when the procedure has no such round).
pub fn logged_round_kind(
    def: &ProcedureDef,
    b: &ProcedureStep,
) -> Result<RoundKind, (Code, String)> {
    def.round_index(&b.round)
        .and_then(|n| def.rounds.get(n))
        .map(|r| r.kind)
        .ok_or_else(|| {
            (
                Code::ProcedureOrder,
                format!(
                    "程序 “{}” 没有轮次 “{}” / procedure “{}” has no round “{}”",
                    b.procedure, b.round, b.procedure, b.round
                ),
            )
        })
}

/// The step's data as the rules take it. `passed`: for a round held as a contest, the ids
/// its published result passes on ([`passed_on`]).
pub fn step_input<'a>(
    kind: RoundKind,
    people: &'a [Entrant],
    ids: &'a [String],
    scores: &'a [(String, Ratio)],
    passed: &'a [String],
) -> StepInput<'a> {
    match kind {
        RoundKind::Qualification => StepInput::Qualified(people),
        RoundKind::Interview => StepInput::Scores(scores),
        RoundKind::Approval => StepInput::Approved(ids),
        RoundKind::Evaluation | RoundKind::Recommendation | RoundKind::Election => {
            StepInput::Passed(passed)
        }
    }
}

/// Who a published result of a round's contest passes on: an evaluation's subjects that
/// no cut-off flags; a recommendation's shortlist; an election's elected. Write-ins are not
/// entrants and do not join the chain.
pub fn passed_on(result: &Value, contest: &str, kind: RoundKind) -> Vec<String> {
    let c = result
        .get("contests")
        .and_then(|c| c.as_array())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(contest))
        });
    let Some(c) = c else { return Vec::new() };
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|x| !x.starts_with(crate::rules::tally::WRITE_IN_PREFIX))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    match kind {
        RoundKind::Evaluation => c
            .get("subjects")
            .and_then(|s| s.as_array())
            .map(|s| {
                s.iter()
                    .filter(|x| {
                        x.get("flags")
                            .and_then(|f| f.as_array())
                            .is_none_or(|f| f.is_empty())
                    })
                    .filter_map(|x| x.get("id").and_then(|v| v.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        _ => strings(c.get("elected")),
    }
}

/// The people a round's contest lists (an evaluation's subjects, else its candidates) and
/// its seats.
pub fn entrants_of(contest: &Value) -> (Vec<Entrant>, Option<u32>) {
    let list = contest
        .get("subjects")
        .or_else(|| contest.get("candidates"))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|p| Entrant {
                    id: p
                        .get("id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .into(),
                    name: p
                        .get("name")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .into(),
                })
                .collect()
        })
        .unwrap_or_default();
    let seats = contest
        .get("seats")
        .and_then(|v| v.as_u64())
        .and_then(|v| u32::try_from(v).ok());
    (list, seats)
}

/// The contest round `round` of procedure `procedure` creates, from its template in the
/// logged spec: the template with the list as its subjects (evaluation) or candidates, and
/// the posts as its seats (recommendation, election). `None` when the spec has no template.
pub fn round_contest(
    spec: &Value,
    def: &ProcedureDef,
    round: usize,
    people: &[Entrant],
    posts: u32,
) -> Option<Value> {
    let r = def.rounds.get(round)?;
    let template = spec
        .get("procedures")?
        .as_array()?
        .iter()
        .find(|p| p.get("id").and_then(|v| v.as_str()) == Some(def.id.as_str()))?
        .get("rounds")?
        .as_array()?
        .iter()
        .find(|x| x.get("id").and_then(|v| v.as_str()) == Some(r.id.as_str()))?
        .get("contest")?
        .clone();
    let mut c = template;
    let list: Vec<Value> = people
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name}))
        .collect();
    if r.kind == RoundKind::Evaluation {
        c["subjects"] = Value::Array(list);
    } else {
        c["candidates"] = Value::Array(list);
        c["seats"] = json!(posts);
    }
    c["from"] = json!(format!("{}/{}", def.id, r.id));
    if c.get("turnout").is_none() {
        // As a later round's contest: the desk's figures count it (protocol 2).
        c["turnout"] = json!({"eligible": 0, "present": 0, "ballots_issued": 0});
    }
    Some(c)
}

/// A step's own fields: a basis of 1 to [`BASIS_CHARS_MAX`] characters without control
/// characters, every name and id said, scores numbers. The refusal's code and message.
/// From protocol 5 also [`check_step_names`].
pub fn check_step_body(b: &ProcedureStep, protocol: u32) -> Result<(), (Code, String)> {
    check_basis(&b.basis)?;
    if protocol >= 5 {
        check_step_names(b)?;
    }
    if b.people
        .iter()
        .any(|p| p.id.trim().is_empty() || p.name.trim().is_empty())
    {
        return Err((
            Code::ProcedureInput,
            "每人须有 id 和姓名 / every person needs an id and a name".into(),
        ));
    }
    if b.parsed_scores().is_none() {
        return Err((
            Code::ProcedureInput,
            "面试得分须为数字 / interview scores must be numbers".into(),
        ));
    }
    Ok(())
}

/// Protocol 5: a step's people as the service logs them: every name canonical
/// ([`crate::record::names::clean_name`] gives it back unchanged) and every id free of
/// hidden characters (the chain checks both before it logs a step); its basis without an
/// invisible or direction character.
pub fn check_step_names(b: &ProcedureStep) -> Result<(), (Code, String)> {
    if crate::rules::conduct::hides_characters(&b.basis) {
        return Err((
            Code::ProcedureBasis,
            "依据含不可见或方向字符 / the basis holds an invisible or direction character".into(),
        ));
    }
    for p in &b.people {
        crate::record::names::check_id_characters(&p.id).map_err(|e| (e.code(), e.to_string()))?;
        let clean =
            crate::record::names::clean_name(&p.name).map_err(|e| (e.code(), e.to_string()))?;
        if clean != p.name {
            return Err((
                Code::NameNotCanonical,
                format!("“{}” 不是规范写法 (应为 “{clean}”) / “{}” is not in canonical form (“{clean}”)", p.name, p.name),
            ));
        }
    }
    Ok(())
}

/// A step's basis: 1 to [`BASIS_CHARS_MAX`] characters on one line.
pub fn check_basis(basis: &str) -> Result<(), (Code, String)> {
    let n = basis.trim().chars().count();
    if n == 0 || n > BASIS_CHARS_MAX || basis.chars().any(char::is_control) {
        return Err((
            Code::ProcedureBasis,
            format!("须写明依据 (1 至 {BASIS_CHARS_MAX} 字, 不含换行) / the basis needs 1 to {BASIS_CHARS_MAX} characters on one line"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- the spec's `procedures`

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProcedureV1 {
    id: String,
    #[serde(default)]
    title: String,
    posts: u32,
    rounds: Vec<RoundV1>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoundV1 {
    id: String,
    #[serde(default)]
    title: String,
    kind: String,
    /// `x` of x : 1 (qualification, interview, approval).
    #[serde(default)]
    ratio: Option<RatioText>,
    /// Rounds held as contests: the contest to create (a contest spec without its list:
    /// the chain fills in the subjects or candidates, and an election's seats).
    #[serde(default)]
    contest: Option<serde_json::Value>,
}

/// A procedure of the spec, validated by the rules (`ProcedureDef::new`).
pub(super) fn procedure(p: ProcedureV1) -> Result<ProcedureDef, SpecError> {
    let bad = |message: String| -> SpecError {
        RulesError::Procedure {
            procedure: p.id.clone(),
            message,
        }
        .into()
    };
    let mut rounds = Vec::with_capacity(p.rounds.len());
    for r in &p.rounds {
        let kind = RoundKind::from_id(&r.kind).ok_or_else(|| {
            bad(format!(
                "轮次 “{}” 的类型 “{}” 不存在, 可用: {} / round “{}” has no kind “{}”; use {}",
                r.id,
                r.kind,
                RoundKind::ALL.map(|k| k.id()).join(", "),
                r.id,
                r.kind,
                RoundKind::ALL.map(|k| k.id()).join(", ")
            ))
        })?;
        let contest = match &r.contest {
            None => None,
            Some(t) => Some(template_id(kind, &r.id, t).map_err(bad)?),
        };
        rounds.push(RoundDef {
            id: r.id.clone(),
            title: if r.title.is_empty() {
                kind.label_zh().to_string()
            } else {
                r.title.clone()
            },
            kind,
            ratio: r
                .ratio
                .as_ref()
                .map(|x| super::election::ratio(&p.id, "ratio", x))
                .transpose()?,
            contest,
        });
    }
    ProcedureDef::new(p.id.clone(), p.title.clone(), p.posts, rounds)
        .map_err(|e| bad(e.to_string()))
}

/// The contest a round creates: an object with an `id` and the kind the round needs, and
/// without the list the chain fills in.
fn template_id(kind: RoundKind, round: &str, t: &serde_json::Value) -> Result<String, String> {
    let id = t.get("id").and_then(|v| v.as_str()).unwrap_or_default();
    let k = t.get("kind").and_then(|v| v.as_str()).unwrap_or_default();
    let fits = match kind {
        RoundKind::Evaluation => k == "evaluation",
        RoundKind::Recommendation => k == "recommendation",
        _ => ContestKind::from_id(k)
            .is_some_and(|c| c != ContestKind::Evaluation && c != ContestKind::Recommendation),
    };
    if id.is_empty() || !fits {
        return Err(format!(
            "轮次 “{round}” 的 contest 须有 id 和相应的 kind / the contest of round “{round}” needs an id and a kind that fits the round"
        ));
    }
    for filled in ["candidates", "subjects", "seats"] {
        if t.get(filled).is_some() {
            return Err(format!(
                "轮次 “{round}” 的 contest 不写 {filled}: 由上一轮的结果填入 / the contest of round “{round}” has no {filled}: the chain fills it in"
            ));
        }
    }
    Ok(id.to_string())
}
