//! The election spec, format `scrutineer.election/v1` (docs/FORMATS.md).

use crate::codes::Code;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::names::{check_id_characters, clean_name, NameError, Names};
use super::text::{double_option, RatioText};
use crate::rules::conduct::{Arrival, Mode};
use crate::rules::contest::{Shortlist, Turnout};
use crate::rules::evaluation::{EvaluationParams, Group, Scale, ScoreRule, Subject, Triggers};
use crate::rules::kind::{Base, Comparison, Quorum};
use crate::rules::ranking::{Component, RankingSetup, Source, TieBreak};
use crate::rules::structure::{Attributes, Category, StructureSetup, EDUCATION_LEVELS};
use crate::rules::{
    Candidate, Contest, ContestKind, ContestParams, Election, ElectionParams, Overrides, Ratio,
    RulesError, RunoffOf, RunoffReason,
};

mod clean;
pub use clean::*;
mod evaluation;
use evaluation::*;

pub const ELECTION_FORMAT: &str = "scrutineer.election/v1";

/// Largest election spec accepted, in bytes.
pub const SPEC_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Why a spec was refused.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("选举文件不是有效的 JSON: {0} / The election spec is not valid JSON: {0}")]
    Json(String),
    #[error("选举文件的 format 应为 “{ELECTION_FORMAT}”, 实为 “{0}” / The spec format must be “{ELECTION_FORMAT}”, found “{0}”.")]
    Format(String),
    #[error("选举文件超过 {max} 字节 / The spec exceeds {max} bytes.")]
    TooLarge { max: usize },
    #[error("选举项目 “{contest}” 的类型 “{kind}” 不存在; 可用: {known} / Contest “{contest}”: unknown kind “{kind}”; known kinds: {known}")]
    UnknownKind {
        contest: String,
        kind: String,
        known: String,
    },
    #[error("“{context}” 的 {field} 值 “{value}” 无效: {reason} / “{context}”: {field} “{value}” is invalid: {reason}")]
    Field {
        context: String,
        field: &'static str,
        value: String,
        reason: String,
    },
    /// A name or title refused by [`super::names::clean_name`], or an id holding a character
    /// it refuses; `message` says which (bilingual).
    #[error("{message}")]
    Name { source: NameError, message: String },
    #[error("选举项目 “{context}” ({}) 缺少 {field}: {} / Contest “{context}” ({}) needs {field}: {}", kind.label_zh(), field_need(field).0, kind.label_en(), field_need(field).1)]
    Missing {
        context: String,
        kind: ContestKind,
        field: &'static str,
    },
    #[error("{0}")]
    Rules(#[from] RulesError),
}

impl SpecError {
    /// A stable code for each failure.
    pub fn code(&self) -> Code {
        match self {
            SpecError::Json(_) => Code::SpecJson,
            SpecError::Format(_) => Code::SpecFormat,
            SpecError::TooLarge { .. } => Code::SpecTooLarge,
            SpecError::UnknownKind { .. } => Code::UnknownKind,
            SpecError::Field { .. } => Code::SpecField,
            SpecError::Missing { .. } => Code::SpecFieldMissing,
            SpecError::Name { source, .. } => source.code(),
            SpecError::Rules(e) => e.code(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecV1 {
    format: String,
    id: String,
    #[serde(default)]
    title: String,
    contests: Vec<ContestV1>,
    #[serde(default)]
    rankings: Vec<RankingV1>,
    #[serde(default)]
    structure: Option<StructureV1>,
    /// Multi-round procedures (RULES.md section 4).
    #[serde(default)]
    procedures: Vec<super::procedure::ProcedureV1>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContestV1 {
    id: String,
    #[serde(default)]
    title: String,
    kind: String,
    /// Absent in an evaluation (seats mean nothing there); every other kind needs it.
    #[serde(default)]
    seats: Option<u32>,
    #[serde(default)]
    candidates: Vec<CandidateV1>,
    turnout: Option<TurnoutV1>,
    #[serde(default)]
    overrides: Option<OverridesV1>,
    #[serde(default)]
    only_one_nominated: bool,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    runoff_reason: Option<String>,
    #[serde(default)]
    boundary_tie: bool,
    /// A tie runoff's closed list (conduct protocol 10, `RunoffOf::closed_list`).
    #[serde(default)]
    closed_list: bool,
    #[serde(default)]
    quorum: Option<QuorumV1>,
    #[serde(default)]
    max_marks: Option<u32>,
    #[serde(default)]
    shortlist: Option<ShortlistV1>,
    #[serde(default)]
    scale: Option<String>,
    #[serde(default)]
    subjects: Vec<SubjectV1>,
    #[serde(default)]
    groups: Vec<GroupV1>,
    #[serde(default)]
    points: Option<BTreeMap<String, RatioText>>,
    #[serde(default)]
    triggers: Option<TriggersV1>,
    #[serde(default)]
    excellent_quota: Option<RatioText>,
    #[serde(default)]
    uniform_void: bool,
    /// `scale: "score"`: the highest score (default 100).
    #[serde(default)]
    score_max: Option<u32>,
    /// `scale: "score"`: drop each subject's highest and lowest score when more than 5
    /// raters scored it (default false).
    #[serde(default)]
    drop_extremes: bool,
    /// How ballots arrive: `electronic` (kiosks, default), `paper` (唱票 entry) or `hybrid`.
    #[serde(default)]
    mode: Option<String>,
    /// How paper ballots are keyed in: `single` (one teller, default) or `double` (two
    /// tellers key each sheet; it counts when they agree). Only for paper or hybrid contests.
    #[serde(default)]
    paper_entry: Option<String>,
    /// The contest of an earlier round this one was created from (multi-round procedures).
    #[serde(default)]
    from: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CandidateV1 {
    id: String,
    name: String,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TurnoutV1 {
    eligible: u64,
    present: u64,
    ballots_issued: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverridesV1 {
    #[serde(default)]
    basis: String,
    #[serde(default)]
    min_surplus: Option<u32>,
    #[serde(default)]
    max_surplus: Option<u32>,
    #[serde(default)]
    quorum_comparison: Option<String>,
    #[serde(default)]
    threshold_base: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuorumV1 {
    fraction: RatioText,
    #[serde(default)]
    comparison: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShortlistV1 {
    posts: u32,
    candidates: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectV1 {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupV1 {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    weight: Option<RatioText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggersV1 {
    #[serde(default, deserialize_with = "double_option")]
    favourable_below: Option<Option<RatioText>>,
    #[serde(default, deserialize_with = "double_option")]
    unfavourable_above: Option<Option<RatioText>>,
    /// `scale: "score"`: flag a subject whose score is below this (e.g. "60").
    #[serde(default)]
    score_below: Option<RatioText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RankingV1 {
    id: String,
    #[serde(default)]
    title: String,
    subjects: Vec<SubjectV1>,
    components: Vec<ComponentV1>,
    #[serde(default)]
    tie_break: Option<TieBreakV1>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentV1 {
    id: String,
    #[serde(default)]
    title: String,
    weight: RatioText,
    #[serde(default)]
    scores: Option<BTreeMap<String, RatioText>>,
    #[serde(default)]
    evaluation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TieBreakV1 {
    key: String,
    scores: BTreeMap<String, RatioText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StructureV1 {
    #[serde(default)]
    female_member_share: Option<RatioText>,
    #[serde(default)]
    minority_member_share: Option<RatioText>,
    #[serde(default)]
    tolerance: Option<RatioText>,
}

pub(super) fn ratio(context: &str, field: &'static str, t: &RatioText) -> Result<Ratio, SpecError> {
    t.ratio().map_err(|e| SpecError::Field {
        context: context.to_string(),
        field,
        value: t.0.clone(),
        reason: e.to_string(),
    })
}

/// What a field a contest lacks stands for: (Chinese, English).
fn field_need(field: &str) -> (&'static str, &'static str) {
    match field {
        "seats" => (
            "应选名额 (此类别按名额当选)",
            "the number of seats (this kind elects to seats)",
        ),
        _ => ("", ""),
    }
}

fn field_err(context: &str, field: &'static str, value: &str, reason: &str) -> SpecError {
    SpecError::Field {
        context: context.to_string(),
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn comparison(context: &str, field: &'static str, v: &str) -> Result<Comparison, SpecError> {
    match v {
        "more_than" => Ok(Comparison::MoreThan),
        "at_least" => Ok(Comparison::AtLeast),
        _ => Err(field_err(context, field, v, "use more_than or at_least")),
    }
}

fn attributes(
    context: &str,
    raw: &BTreeMap<String, serde_json::Value>,
) -> Result<Attributes, SpecError> {
    let mut a = Attributes::default();
    let text = |k: &str| raw.get(k).and_then(|v| v.as_str());
    if let Some(v) = raw.get("category") {
        let s = v.as_str().unwrap_or_default();
        a.category = Some(Category::from_id(s).ok_or_else(|| {
            field_err(
                context,
                "attributes.category",
                &v.to_string(),
                "use leader, professional, model_worker or other",
            )
        })?);
    }
    if let Some(v) = raw.get("age") {
        let age = v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n <= 150);
        a.age = Some(age.ok_or_else(|| {
            field_err(
                context,
                "attributes.age",
                &v.to_string(),
                "a whole number of years",
            )
        })?);
    }
    if let Some(v) = raw.get("gender") {
        a.female = match text("gender") {
            Some("female") => Some(true),
            Some("male") => Some(false),
            _ => {
                return Err(field_err(
                    context,
                    "attributes.gender",
                    &v.to_string(),
                    "use female or male",
                ))
            }
        };
    }
    if let Some(v) = raw.get("ethnic_minority") {
        a.ethnic_minority = Some(v.as_bool().ok_or_else(|| {
            field_err(
                context,
                "attributes.ethnic_minority",
                &v.to_string(),
                "true or false",
            )
        })?);
    }
    if let Some(v) = raw.get("education") {
        let level = text("education")
            .and_then(|s| EDUCATION_LEVELS.iter().position(|l| *l == s))
            .ok_or_else(|| field_err(context, "attributes.education", &v.to_string(), "use none, primary, junior_high, senior_high, vocational, college, bachelor or postgraduate"))?;
        // Index 2 is junior_high.
        a.junior_high_or_above = Some(level >= 2);
    }
    Ok(a)
}

/// Parses and validates an election spec given as input: every name in its canonical form
/// ([`clean_spec`]) and no local override of a rule the law fixes
/// ([`Election::check_statute`]), or the spec refused. Nothing is accepted half-way: any
/// error refuses the whole spec.
pub fn parse_election(bytes: &[u8]) -> Result<Election, SpecError> {
    let (e, spec) = parse_spec(bytes, Names::Clean)?;
    check_statute(&e, &spec)?;
    e.check_new_input()?;
    Ok(e.for_protocol(crate::rules::conduct::PROTOCOL_CURRENT))
}

/// Parses a spec read back from a log, its names as they were logged ([`Names::AsLogged`]):
/// a log written before names were cleaned still replays and recounts unchanged.
pub fn parse_logged_election(bytes: &[u8]) -> Result<Election, SpecError> {
    parse_spec(bytes, Names::AsLogged).map(|(e, _)| e)
}

/// Parses a spec given as input, with the spec as it is to be logged (names canonical).
pub fn parse_election_to_log(bytes: &[u8]) -> Result<(Election, serde_json::Value), SpecError> {
    let (e, spec) = parse_spec(bytes, Names::Clean)?;
    check_statute(&e, &spec)?;
    e.check_new_input()?;
    Ok((
        e.for_protocol(crate::rules::conduct::PROTOCOL_CURRENT),
        spec,
    ))
}

/// No local override of a rule the law fixes ([`Election::check_statute`]), in the spec's
/// contests or in a procedure round's contest template: a template of a kind whose rules the
/// law fixes carries no `overrides` at all (its seats, and so its statutory list range, come
/// only with the chain). Applied to every spec given as input, and to a logged registration
/// from conduct protocol 6 (`registration::check`).
pub fn check_statute(election: &Election, spec: &serde_json::Value) -> Result<(), SpecError> {
    election.check_statute()?;
    let procedures = spec.get("procedures").and_then(|p| p.as_array());
    for p in procedures.into_iter().flatten() {
        let rounds = p.get("rounds").and_then(|r| r.as_array());
        for t in rounds
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("contest"))
        {
            let Some(kind) = t
                .get("kind")
                .and_then(|k| k.as_str())
                .and_then(ContestKind::from_id)
                .filter(|k| k.rules_fixed_by_law())
            else {
                continue;
            };
            let set = t.get("overrides").and_then(|o| o.as_object());
            let field = [
                "quorum_comparison",
                "threshold_base",
                "min_surplus",
                "max_surplus",
            ]
            .into_iter()
            .find(|f| set.is_some_and(|o| o.get(*f).is_some_and(|v| !v.is_null())));
            if let Some(field) = field {
                return Err(SpecError::Rules(RulesError::OverrideStatutory {
                    contest: t
                        .get("id")
                        .and_then(|i| i.as_str())
                        .unwrap_or_default()
                        .into(),
                    kind: kind.id(),
                    field,
                }));
            }
        }
    }
    Ok(())
}

fn parse_spec(bytes: &[u8], names: Names) -> Result<(Election, serde_json::Value), SpecError> {
    if bytes.len() > SPEC_BYTES_MAX {
        return Err(SpecError::TooLarge {
            max: SPEC_BYTES_MAX,
        });
    }
    // Read the format first so a wrong format gets the right message.
    let probe: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| SpecError::Json(e.to_string()))?;
    let format = probe
        .get("format")
        .and_then(|f| f.as_str())
        .unwrap_or("")
        .to_string();
    if format != ELECTION_FORMAT {
        return Err(SpecError::Format(format));
    }
    let mut probe = probe;
    if names == Names::Clean {
        clean_spec(&mut probe)?;
    }
    let spec = SpecV1::deserialize(&probe).map_err(|e| SpecError::Json(e.to_string()))?;
    let _ = spec.format;
    let mut contests = Vec::with_capacity(spec.contests.len());
    for c in spec.contests {
        contests.push(contest(c)?);
    }
    let mut rankings = Vec::with_capacity(spec.rankings.len());
    for r in spec.rankings {
        rankings.push(ranking(r)?);
    }
    let structure = match spec.structure {
        None => None,
        Some(s) => {
            let mut setup = StructureSetup::default();
            if let Some(t) = &s.female_member_share {
                setup.female_member_share = Some(ratio("structure", "female_member_share", t)?);
            }
            if let Some(t) = &s.minority_member_share {
                setup.minority_member_share = Some(ratio("structure", "minority_member_share", t)?);
            }
            if let Some(t) = &s.tolerance {
                setup.tolerance = ratio("structure", "tolerance", t)?;
            }
            for (name, v) in [
                ("female_member_share", setup.female_member_share),
                ("minority_member_share", setup.minority_member_share),
                ("tolerance", Some(setup.tolerance)),
            ] {
                if v.is_some_and(|r| r > Ratio::integer(1)) {
                    return Err(RulesError::Structure {
                        message: format!("{name} > 1"),
                    }
                    .into());
                }
            }
            Some(setup)
        }
    };
    let mut procedures = Vec::with_capacity(spec.procedures.len());
    for p in spec.procedures {
        procedures.push(super::procedure::procedure(p)?);
    }
    let election = Election::new(ElectionParams {
        procedures,
        id: spec.id,
        title: spec.title,
        contests,
        rankings,
        structure,
    })?;
    Ok((election, probe))
}

fn contest(c: ContestV1) -> Result<Contest, SpecError> {
    let ctx = c.id.clone();
    if let Some(m) = c.mode.as_deref() {
        if !matches!(m, "electronic" | "paper" | "hybrid") {
            return Err(field_err(
                &ctx,
                "mode",
                m,
                "use electronic, paper or hybrid",
            ));
        }
    }
    match (c.paper_entry.as_deref(), c.mode.as_deref()) {
        (None | Some("single"), _) | (Some("double"), Some("paper" | "hybrid")) => {}
        (Some("double"), _) => {
            return Err(field_err(
                &ctx,
                "paper_entry",
                "double",
                "double entry keys paper ballots: set mode to paper or hybrid",
            ))
        }
        (Some(other), _) => {
            return Err(field_err(
                &ctx,
                "paper_entry",
                other,
                "use single or double",
            ))
        }
    }
    let _ = &c.from;
    let kind = ContestKind::from_id(&c.kind).ok_or_else(|| SpecError::UnknownKind {
        contest: c.id.clone(),
        kind: c.kind.clone(),
        known: ContestKind::ALL.map(|k| k.id()).join(", "),
    })?;
    let is_eval_field = c.scale.is_some()
        || c.score_max.is_some()
        || c.drop_extremes
        || !c.subjects.is_empty()
        || !c.groups.is_empty()
        || c.points.is_some()
        || c.triggers.is_some()
        || c.excellent_quota.is_some()
        || c.uniform_void;
    let evaluation = if kind == ContestKind::Evaluation || is_eval_field {
        Some(evaluation(&ctx, &c)?)
    } else {
        None
    };
    let mut candidates = Vec::with_capacity(c.candidates.len());
    for cand in &c.candidates {
        candidates.push(Candidate {
            id: cand.id.clone(),
            name: cand.name.trim().to_string(),
            attributes: attributes(&format!("{ctx}/{}", cand.id), &cand.attributes)?,
        });
    }
    let overrides = match c.overrides {
        None => None,
        Some(o) => Some(Overrides {
            basis: o.basis,
            min_surplus: o.min_surplus,
            max_surplus: o.max_surplus,
            quorum_comparison: o
                .quorum_comparison
                .as_deref()
                .map(|v| comparison(&ctx, "overrides.quorum_comparison", v))
                .transpose()?,
            threshold_base: match o.threshold_base.as_deref() {
                None => None,
                Some("present") => Some(Base::Present),
                Some("eligible") => Some(Base::Eligible),
                Some("returned") => Some(Base::Returned),
                Some(v) => {
                    return Err(field_err(
                        &ctx,
                        "overrides.threshold_base",
                        v,
                        "use present, eligible or returned",
                    ))
                }
            },
        }),
    };
    if c.closed_list && (c.parent.is_none() || c.runoff_reason.as_deref() != Some("tie")) {
        return Err(field_err(
            &ctx,
            "closed_list",
            "true",
            "only a tie runoff has a closed list",
        ));
    }
    let runoff_of = match (c.parent.clone(), c.runoff_reason.as_deref()) {
        (None, None) => None,
        (None, Some(r)) => {
            return Err(field_err(
                &ctx,
                "runoff_reason",
                r,
                "a runoff needs its parent contest",
            ))
        }
        (Some(parent), reason) => {
            let reason = match reason {
                None | Some("shortfall") => RunoffReason::Shortfall,
                Some("tie") => RunoffReason::Tie,
                Some(v) => return Err(field_err(&ctx, "runoff_reason", v, "use shortfall or tie")),
            };
            Some(RunoffOf {
                parent,
                reason,
                boundary_tie: c.boundary_tie,
                closed_list: c.closed_list,
            })
        }
    };
    let quorum = match &c.quorum {
        None => None,
        Some(q) => {
            let f = ratio(&ctx, "quorum.fraction", &q.fraction)?;
            Some(Quorum {
                num: u64::try_from(f.num()).unwrap_or(u64::MAX),
                den: u64::try_from(f.den()).unwrap_or(u64::MAX),
                comparison: match &q.comparison {
                    None => Comparison::MoreThan,
                    Some(v) => comparison(&ctx, "quorum.comparison", v)?,
                },
            })
        }
    };
    // Seats mean nothing in an evaluation: its placeholder is 1. Any other kind needs them.
    let seats = match (c.seats, kind == ContestKind::Evaluation) {
        (Some(n), _) => n,
        (None, true) => 1,
        (None, false) => {
            return Err(SpecError::Missing {
                context: c.id.clone(),
                kind,
                field: "seats",
            })
        }
    };
    Ok(Contest::new(ContestParams {
        id: c.id,
        title: c.title,
        kind: Some(kind),
        seats,
        candidates,
        turnout: c.turnout.map(|t| Turnout {
            eligible: t.eligible,
            present: t.present,
            issued: t.ballots_issued,
        }),
        overrides,
        only_one_nominated: c.only_one_nominated,
        runoff_of,
        quorum,
        max_marks: c.max_marks,
        shortlist: c.shortlist.map(|s| Shortlist {
            posts: s.posts,
            candidates: s.candidates,
        }),
        evaluation,
    })?)
}

/// A spec for the service: a contest without `turnout` gets zeros, because at the service the
/// desk supplies the figures (the close logs E, P and I as the desk counted them; nobody types
/// them). The offline `scrutineer tally` still requires them in the spec.
pub fn with_desk_turnout(spec: &mut serde_json::Value) {
    if let Some(contests) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
        for c in contests {
            if let Some(o) = c.as_object_mut() {
                o.entry("turnout").or_insert_with(
                    || serde_json::json!({"eligible": 0, "present": 0, "ballots_issued": 0}),
                );
            }
        }
    }
}
/// How a contest of a logged spec takes its ballots: its `mode` (electronic unless it says
/// paper or hybrid) and whether two tellers key its paper ballots (`paper_entry: "double"`).
/// The ledger and the verifier both read a contest's arrival here.
pub fn contest_arrival(spec: &serde_json::Value, contest: &str) -> Arrival {
    let c = spec
        .get("contests")
        .and_then(|c| c.as_array())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(contest))
        });
    let field = |name: &str| c.and_then(|c| c.get(name)).and_then(|m| m.as_str());
    let mode = field("mode")
        .and_then(Mode::from_id)
        .unwrap_or(Mode::Electronic);
    Arrival {
        mode,
        double_entry: mode.takes_paper() && field("paper_entry") == Some("double"),
    }
}
