//! A validated contest: kind, seats, candidates, turnout and the effective rules after
//! overrides. Built from plain parameters by [`Contest::new`], which runs the surplus (差额)
//! check; a contest that breaks its rule cannot be built.

use super::evaluation::{EvaluationParams, EvaluationSetup};
use super::kind::{Base, Bounds, Comparison, ContestKind, Quorum, SurplusRule, Threshold};
use super::notice::Notice;
use super::structure::Attributes;
use super::RulesError;

/// Most candidates one contest may list.
pub const CANDIDATES_PER_CONTEST_MAX: usize = 1_000;
/// Most seats one contest may fill.
pub const SEATS_MAX: u32 = 1_000;
/// Longest id or name, in characters.
pub const NAME_CHARS_MAX: usize = 100;

/// Turnout figures of one round (RULES.md notation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turnout {
    /// `E`: eligible voters (应到 / 选民总数 / 全体代表).
    pub eligible: u64,
    /// `P`: present voters (实到 / 参加投票的选民).
    pub present: u64,
    /// `I`: ballots issued (发出选票).
    pub issued: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub attributes: Attributes,
}

/// A local rule that replaces a preset, with its documentary basis (文件依据).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub basis: String,
    /// Candidates must be at least `seats + min_surplus`.
    pub min_surplus: Option<u32>,
    /// Candidates must be at most `seats + max_surplus`.
    pub max_surplus: Option<u32>,
    /// The comparison of the statutory quorum (`5P > 4E` or `5P ≥ 4E`).
    pub quorum_comparison: Option<Comparison>,
    /// The denominator of the elected threshold.
    pub threshold_base: Option<Base>,
}

impl Overrides {
    fn is_empty(&self) -> bool {
        self.min_surplus.is_none()
            && self.max_surplus.is_none()
            && self.quorum_comparison.is_none()
            && self.threshold_base.is_none()
    }
}

/// Why a runoff round exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunoffReason {
    /// Fewer candidates than seats reached the threshold (另行选举).
    Shortfall,
    /// Candidates tied at the last seat (就票数相等的候选人再次投票).
    Tie,
}

impl RunoffReason {
    pub fn id(self) -> &'static str {
        match self {
            RunoffReason::Shortfall => "shortfall",
            RunoffReason::Tie => "tie",
        }
    }
}

/// The link from a runoff to the contest it continues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunoffOf {
    pub parent: String,
    pub reason: RunoffReason,
    /// The list includes every candidate tied at its boundary, so it may exceed the
    /// statutory upper bound.
    pub boundary_tie: bool,
    /// A new vote among candidates tied at the last seat, from conduct protocol 10: only
    /// those tied are on it (no write-in: RULES.md section 1, "those tied go to a new vote
    /// for the remaining seats"), and the most votes win with ties voted again
    /// ([`super::kind::Bar::Most`]). Before, a write-in could take the seat with a few votes
    /// (for a party contest a person who never had a majority), and candidates tied at 0
    /// went to a round that asked a majority.
    pub closed_list: bool,
}

/// A recommendation shortlist at a ratio `posts : candidates` (seed 002: 按 x:x 的比例).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortlist {
    pub posts: u32,
    pub candidates: u32,
}

/// Everything needed to build a contest; unvalidated.
#[derive(Clone, Debug, Default)]
pub struct ContestParams {
    pub id: String,
    pub title: String,
    pub kind: Option<ContestKind>,
    pub seats: u32,
    pub candidates: Vec<Candidate>,
    pub turnout: Option<Turnout>,
    pub overrides: Option<Overrides>,
    pub only_one_nominated: bool,
    pub runoff_of: Option<RunoffOf>,
    /// A quorum for kinds the law gives none (recommendation, evaluation, npc_indirect, township).
    pub quorum: Option<Quorum>,
    pub max_marks: Option<u32>,
    pub shortlist: Option<Shortlist>,
    pub evaluation: Option<EvaluationParams>,
}

/// The effective rules of a contest after presets, runoff status and overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveRules {
    pub bounds: Bounds,
    pub quorum: Option<Quorum>,
    /// `None`: ranking only.
    pub threshold: Option<Threshold>,
    /// The threshold a new round after a shortfall would use.
    pub shortfall_threshold: Option<Threshold>,
}

/// A validated contest.
///
/// Invariant: the candidate list satisfies `rules.bounds`; candidate ids are unique; every
/// override carries a basis; `warnings` holds one notice per override that applies.
#[derive(Clone, Debug)]
///
/// The fields are private: [`Contest::new`] is the only way to build one, so a contest that
/// breaks its surplus rule cannot be built around the check. Read them through the methods
/// of the same names. Changing one from outside does not compile:
///
/// ```compile_fail
/// fn widen(c: &mut scrutineer::rules::Contest) {
///     c.seats += 1; // private field: the surplus check cannot be walked around
/// }
/// ```
pub struct Contest {
    id: String,
    title: String,
    kind: ContestKind,
    seats: u32,
    candidates: Vec<Candidate>,
    turnout: Turnout,
    overrides: Option<Overrides>,
    runoff_of: Option<RunoffOf>,
    max_marks: u32,
    shortlist: Option<Shortlist>,
    evaluation: Option<EvaluationSetup>,
    rules: EffectiveRules,
    warnings: Vec<Notice>,
    statute_overrides: Vec<&'static str>,
    /// Conduct protocol 10: its runoffs after a tie are on a closed list, so the result's
    /// proposal states their rule ([`Contest::close_tie_runoffs`]).
    closed_tie_runoffs: bool,
}

/// Whether `c` is a control character (general category Cc): refused in a name
/// (`record::names`) and in a reason posted on the board.
pub fn is_control_character(c: char) -> bool {
    icu_properties::CodePointMapData::<icu_properties::props::GeneralCategory>::new().get(c)
        == icu_properties::props::GeneralCategory::Control
}

/// Whether `c` is invisible or changes the direction of the text around it (general category
/// Cf, or a default-ignorable code point): refused in a name (`record::names`) and in a reason
/// posted on the board, where it could make the text read otherwise than what was logged.
pub fn is_format_character(c: char) -> bool {
    icu_properties::CodePointMapData::<icu_properties::props::GeneralCategory>::new().get(c)
        == icu_properties::props::GeneralCategory::Format
        || icu_properties::CodePointSetData::new::<icu_properties::props::DefaultIgnorableCodePoint>()
            .contains(c)
}

pub(crate) fn check_name(what: &'static str, value: &str) -> Result<(), RulesError> {
    if value.trim().is_empty() {
        return Err(RulesError::EmptyName { what });
    }
    if value.chars().count() > NAME_CHARS_MAX {
        return Err(RulesError::NameTooLong {
            what,
            value: value.chars().take(20).collect(),
            max: NAME_CHARS_MAX,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(RulesError::ControlCharacter {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// Formats bounds as "不少于 11 名" / "at least 11", "3 至 4 名" / "3 to 4", "2 名" / "exactly 2".
fn bounds_text(b: Bounds) -> (String, String) {
    match b.max {
        None => (
            format!("不少于 {} 名", b.min),
            format!("at least {}", b.min),
        ),
        Some(max) if max == b.min => (format!("为 {max} 名"), format!("exactly {max}")),
        Some(max) => (
            format!("为 {} 至 {} 名", b.min, max),
            format!("{} to {}", b.min, max),
        ),
    }
}

impl Contest {
    pub fn id(&self) -> &String {
        &self.id
    }
    /// The title (the kind's label when the spec gave none).
    pub fn title(&self) -> &String {
        &self.title
    }
    pub fn kind(&self) -> ContestKind {
        self.kind
    }
    /// Seats to fill (for a recommendation, the posts).
    pub fn seats(&self) -> u32 {
        self.seats
    }
    pub fn candidates(&self) -> &Vec<Candidate> {
        &self.candidates
    }
    pub fn turnout(&self) -> Turnout {
        self.turnout
    }
    pub fn overrides(&self) -> &Option<Overrides> {
        &self.overrides
    }
    pub fn runoff_of(&self) -> &Option<RunoffOf> {
        &self.runoff_of
    }
    /// Whether and how a ballot may write in a person: the kind's rule, but none on a closed
    /// list ([`RunoffOf::closed_list`]).
    pub fn write_ins(&self) -> super::kind::WriteIns {
        if self.runoff_of.as_ref().is_some_and(|r| r.closed_list) {
            super::kind::WriteIns::Refused
        } else {
            self.kind.write_ins()
        }
    }
    pub fn max_marks(&self) -> u32 {
        self.max_marks
    }
    pub fn shortlist(&self) -> &Option<Shortlist> {
        &self.shortlist
    }
    pub fn evaluation(&self) -> &Option<EvaluationSetup> {
        &self.evaluation
    }
    /// The effective rules after presets, runoff status and overrides.
    pub fn rules(&self) -> &EffectiveRules {
        &self.rules
    }
    /// One notice per override that applies.
    pub fn warnings(&self) -> &Vec<Notice> {
        &self.warnings
    }

    pub fn new(p: ContestParams) -> Result<Contest, RulesError> {
        check_name("contest id", &p.id)?;
        let kind = p.kind.ok_or_else(|| RulesError::KindMissing {
            contest: p.id.clone(),
        })?;
        let title = if p.title.trim().is_empty() {
            kind.label_zh().to_string()
        } else {
            p.title.clone()
        };
        let turnout = p.turnout.ok_or_else(|| RulesError::TurnoutMissing {
            contest: p.id.clone(),
        })?;
        if turnout.present > turnout.eligible {
            return Err(RulesError::PresentExceedsEligible {
                contest: p.id.clone(),
                present: turnout.present,
                eligible: turnout.eligible,
            });
        }
        if p.seats == 0 || p.seats > SEATS_MAX {
            return Err(RulesError::SeatsOutOfRange {
                contest: p.id.clone(),
                seats: p.seats,
                max: SEATS_MAX,
            });
        }
        if p.candidates.len() > CANDIDATES_PER_CONTEST_MAX {
            return Err(RulesError::TooManyCandidates {
                contest: p.id.clone(),
                count: p.candidates.len(),
                max: CANDIDATES_PER_CONTEST_MAX,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for c in &p.candidates {
            check_name("candidate id", &c.id)?;
            check_name("candidate name", &c.name)?;
            if !seen.insert(c.id.as_str()) {
                return Err(RulesError::DuplicateCandidate {
                    contest: p.id.clone(),
                    candidate: c.id.clone(),
                });
            }
        }
        let mut warnings = Vec::new();

        // Evaluations have subjects, not candidates.
        let evaluation = match (kind, p.evaluation.clone()) {
            (ContestKind::Evaluation, Some(e)) => Some(EvaluationSetup::new(&p.id, e)?),
            (ContestKind::Evaluation, None) => {
                return Err(RulesError::EvaluationSetupMissing {
                    contest: p.id.clone(),
                })
            }
            (_, Some(_)) => {
                return Err(RulesError::EvaluationFieldsOnCandidateContest {
                    contest: p.id.clone(),
                    kind: kind.id(),
                })
            }
            (_, None) => None,
        };
        if kind == ContestKind::Evaluation && !p.candidates.is_empty() {
            return Err(RulesError::EvaluationFieldsOnCandidateContest {
                contest: p.id.clone(),
                kind: kind.id(),
            });
        }
        if kind != ContestKind::Recommendation && (p.max_marks.is_some() || p.shortlist.is_some()) {
            return Err(RulesError::RecommendationFieldsElsewhere {
                contest: p.id.clone(),
                kind: kind.id(),
            });
        }

        let overrides = match p.overrides.clone() {
            Some(o) if o.basis.trim().is_empty() => {
                return Err(RulesError::OverrideWithoutBasis {
                    contest: p.id.clone(),
                })
            }
            Some(o) if o.is_empty() => None,
            other => other,
        };

        // Quorum: statutory, or contest-set where the law gives none.
        let mut quorum = kind.quorum();
        if let Some(q) = p.quorum {
            if quorum.is_some() {
                return Err(RulesError::QuorumIsStatutory {
                    contest: p.id.clone(),
                    kind: kind.id(),
                });
            }
            if q.den == 0 || q.num > q.den {
                return Err(RulesError::QuorumFraction {
                    contest: p.id.clone(),
                    num: q.num,
                    den: q.den,
                });
            }
            quorum = Some(q);
        }

        // Thresholds: the runoff reason decides which one.
        let (mut threshold, shortfall_threshold) = match &p.runoff_of {
            Some(r) if r.reason == RunoffReason::Tie => (
                kind.threshold().map(|t| Threshold {
                    bar: if r.closed_list {
                        super::kind::Bar::Most
                    } else {
                        super::kind::Bar::Plurality
                    },
                    base: t.base,
                }),
                kind.shortfall_threshold(),
            ),
            Some(_) => (kind.shortfall_threshold(), kind.shortfall_threshold()),
            None => (kind.threshold(), kind.shortfall_threshold()),
        };

        // Bounds on the list: statutory for the kind (and for the runoff's own seats).
        let statutory = match &p.runoff_of {
            Some(r) if r.reason == RunoffReason::Tie => Bounds {
                min: p.seats.saturating_add(1),
                max: None,
            },
            _ => kind.surplus().bounds(p.seats, p.only_one_nominated),
        };
        let mut bounds = statutory;

        // The overrides that change a rule the law itself fixes for this kind (the people's
        // congress, township and villager kinds: EL Art. 31, 45; LOL Art. 25, 27; VCL Art.
        // 15): RULES.md allows an override only where the law is silent or local practice
        // varies. Read by the registration (conduct protocol 6 refuses them,
        // `override_statutory`) and by the offline count.
        let mut statute_overrides = Vec::new();
        if let Some(o) = &overrides {
            let basis = o.basis.trim();
            if let Some(m) = o.min_surplus {
                bounds.min = p.seats.saturating_add(m);
                let below = bounds.min < statutory.min;
                if below && kind.rules_fixed_by_law() {
                    statute_overrides.push("min_surplus");
                }
                warnings.push(Notice::new(
                    if below {
                        "override_below_statute"
                    } else {
                        "override_applied"
                    },
                    format!(
                        "差额人数按本地规定不少于 {m} 名 (候选人不少于 {} 名{}), 依据: {basis} / local rule: surplus at least {m} (at least {} candidates{}), basis: {basis}",
                        bounds.min,
                        if below { format!(", 低于法定的 {} 名", statutory.min) } else { String::new() },
                        bounds.min,
                        if below { format!(", below the statutory {}", statutory.min) } else { String::new() },
                    ),
                ));
            }
            if let Some(m) = o.max_surplus {
                let max = p.seats.saturating_add(m);
                let above = statutory.max.is_some_and(|s| max > s);
                if above && kind.rules_fixed_by_law() {
                    statute_overrides.push("max_surplus");
                }
                bounds.max = Some(max);
                warnings.push(Notice::new(
                    if above {
                        "override_below_statute"
                    } else {
                        "override_applied"
                    },
                    format!(
                        "差额人数按本地规定不多于 {m} 名 (候选人不多于 {max} 名), 依据: {basis} / local rule: surplus at most {m} (at most {max} candidates), basis: {basis}"
                    ),
                ));
            }
            if let Some(cmp) = o.quorum_comparison {
                match quorum.as_mut() {
                    Some(q) => {
                        if kind.rules_fixed_by_law() {
                            statute_overrides.push("quorum_comparison");
                        }
                        let looser =
                            cmp == Comparison::AtLeast && q.comparison == Comparison::MoreThan;
                        q.comparison = cmp;
                        warnings.push(Notice::new(
                            if looser { "override_below_statute" } else { "override_applied" },
                            format!("法定人数按本地规定: {}, 依据: {basis} / local quorum rule, basis: {basis}", q.describe()),
                        ));
                    }
                    None => {
                        return Err(RulesError::OverrideNotApplicable {
                            contest: p.id.clone(),
                            field: "quorum_comparison",
                        })
                    }
                }
            }
            if let Some(base) = o.threshold_base {
                match threshold.as_mut() {
                    Some(t) => {
                        if kind.rules_fixed_by_law() {
                            statute_overrides.push("threshold_base");
                        }
                        // A smaller base is a lower bar: R ≤ P ≤ E, so any move down
                        // that order loosens the statute (E → P, E → R, P → R).
                        let looser = base.rank() < t.base.rank();
                        t.base = base;
                        warnings.push(Notice::new(
                            if looser { "override_below_statute" } else { "override_applied" },
                            format!("当选票数按本地规定: {}, 依据: {basis} / local threshold rule: {}, basis: {basis}", t.describe().0, t.describe().1),
                        ));
                    }
                    None => {
                        return Err(RulesError::OverrideNotApplicable {
                            contest: p.id.clone(),
                            field: "threshold_base",
                        })
                    }
                }
            }
        }

        let count = u32::try_from(p.candidates.len()).unwrap_or(u32::MAX);
        let boundary_tie = p.runoff_of.as_ref().is_some_and(|r| r.boundary_tie);
        let within = if boundary_tie {
            // A list widened by a tie at its boundary may exceed the upper bound only.
            count >= bounds.min
        } else {
            bounds.contains(count)
        };
        if !within {
            let (zh_bound, en_bound) = bounds_text(bounds);
            let (zh_rule, en_rule) = if overrides
                .as_ref()
                .is_some_and(|o| o.min_surplus.is_some() || o.max_surplus.is_some())
            {
                ("本地规定", "local rule")
            } else if p
                .runoff_of
                .as_ref()
                .is_some_and(|r| r.reason == RunoffReason::Tie)
            {
                ("票数相等者再次投票", "a new vote among tied candidates")
            } else {
                kind.surplus().describe()
            };
            return Err(RulesError::SurplusRuleBroken {
                contest: p.id.clone(),
                message: format!(
                    "{} {} 名应选, 候选人须{} ({}), 现有 {} 名 / {}: {} seats need {} candidates ({}), {} given",
                    kind.label_zh(),
                    p.seats,
                    zh_bound,
                    zh_rule,
                    count,
                    kind.label_en(),
                    p.seats,
                    en_bound,
                    en_rule,
                    count
                ),
            });
        }
        if boundary_tie && bounds.max.is_some_and(|m| count > m) {
            warnings.push(Notice::new(
                "runoff_boundary_tie",
                format!(
                    "另行选举候选人 {count} 名超过法定上限 {}, 因名单边界票数相等而全部列入 / the runoff lists {count} candidates, above the statutory {}, because of a tie at the list boundary",
                    bounds.max.unwrap_or(0),
                    bounds.max.unwrap_or(0)
                ),
            ));
        }

        let max_marks = match (kind, p.max_marks) {
            (ContestKind::Recommendation, Some(0)) => {
                return Err(RulesError::MaxMarksZero {
                    contest: p.id.clone(),
                })
            }
            (ContestKind::Recommendation, Some(k)) => k,
            _ => p.seats,
        };
        if let Some(s) = p.shortlist {
            if s.posts == 0 || s.candidates < s.posts {
                return Err(RulesError::ShortlistRatio {
                    contest: p.id.clone(),
                    posts: s.posts,
                    candidates: s.candidates,
                });
            }
        }

        Ok(Contest {
            id: p.id,
            title,
            kind,
            seats: p.seats,
            candidates: p.candidates,
            turnout,
            overrides,
            runoff_of: p.runoff_of,
            max_marks,
            shortlist: p.shortlist,
            evaluation,
            rules: EffectiveRules {
                bounds,
                quorum,
                threshold,
                shortfall_threshold,
            },
            warnings,
            statute_overrides,
            closed_tie_runoffs: false,
        })
    }

    /// Conduct protocol 10: a tie at the last seats goes to a new vote on a closed list
    /// ([`RunoffOf::closed_list`]); the result's proposal says so ("most for (ties vote
    /// again)"), as the runoff it creates does. A log of an earlier protocol recounts with
    /// the proposal it was written with ([`super::Election::for_protocol`]).
    pub(super) fn close_tie_runoffs(&mut self) {
        self.closed_tie_runoffs = true;
    }

    /// Whether its runoffs after a tie are on a closed list (protocol 10).
    pub fn closes_tie_runoffs(&self) -> bool {
        self.closed_tie_runoffs
    }

    /// Conduct protocol 6: a party contest's runoff keeps its threshold base override
    /// (`record::rounds::runoff_of`), so the new round its result proposes after a shortfall
    /// is measured against the same base, and the proposal says so. Before protocol 6 the
    /// runoff dropped the override and the proposal stated the kind's base: a log of that
    /// protocol recounts as it was written ([`super::Election::for_protocol`]). A kind whose
    /// rules the law fixes keeps its own shortfall rule.
    pub(super) fn keep_threshold_base_in_runoff(&mut self) {
        if self.kind.rules_fixed_by_law() {
            return;
        }
        let base = self.overrides.as_ref().and_then(|o| o.threshold_base);
        if let (Some(base), Some(t)) = (base, self.rules.shortfall_threshold.as_mut()) {
            t.base = base;
        }
    }

    /// The overrides of this contest that change a rule the law fixes for its kind (people's
    /// congress, township and villager kinds), by field name: a quorum comparison, a
    /// threshold base, a surplus bound outside the statutory range. Empty for the party
    /// kinds, whose texts vary (RULES.md section 2), and for recommendations and evaluations.
    pub fn statute_overrides(&self) -> &[&'static str] {
        &self.statute_overrides
    }

    /// The count a threshold base stands for in this round.
    pub fn base_count(&self, base: Base, returned: u64) -> u64 {
        match base {
            Base::Present => self.turnout.present,
            Base::Returned => returned,
            Base::Eligible => self.turnout.eligible,
        }
    }

    /// The index of a candidate by id.
    pub fn candidate_index(&self, id: &str) -> Option<usize> {
        self.candidates.iter().position(|c| c.id == id)
    }

    /// The statutory list size for a new round over `unfilled` seats: the lower bound of
    /// the kind's surplus rule (the upper bound, where there is one, is also reported).
    pub fn runoff_bounds(&self, unfilled: u32) -> Bounds {
        match self.kind.surplus() {
            SurplusRule::Unbounded => Bounds {
                min: unfilled,
                max: None,
            },
            rule => rule.bounds(unfilled, false),
        }
    }
}
