//! A validated election: its contests, composite rankings and structure settings, with the
//! cross-references between them checked.

use super::contest::{check_name, Contest};
use super::kind::ContestKind;
use super::procedure::ProcedureDef;
use super::ranking::{RankingSetup, Source};
use super::structure::StructureSetup;
use super::RulesError;

/// Most contests one election may hold (a county's 403 constituencies fit easily).
pub const CONTESTS_PER_ELECTION_MAX: usize = 5_000;

#[derive(Clone, Debug, Default)]
pub struct ElectionParams {
    pub id: String,
    pub title: String,
    pub contests: Vec<Contest>,
    pub rankings: Vec<RankingSetup>,
    pub structure: Option<StructureSetup>,
    pub procedures: Vec<ProcedureDef>,
}

/// Invariant: contest ids are unique; a runoff's parent, when present in the election, has
/// the same kind; every ranking's evaluation component names an evaluation contest of this
/// election that rates every ranked subject.
#[derive(Clone, Debug)]
pub struct Election {
    pub id: String,
    pub title: String,
    pub contests: Vec<Contest>,
    pub rankings: Vec<RankingSetup>,
    pub structure: StructureSetup,
    /// Multi-round procedures (RULES.md section 4). Their rounds' contests are created as
    /// the chain reaches them; their ids are not contests of the spec.
    pub procedures: Vec<ProcedureDef>,
}

impl Election {
    /// Refuses a contest that overrides a rule the law fixes for its kind
    /// ([`Contest::statute_overrides`]): RULES.md allows a local override only where the law
    /// is silent or local practice varies. The registration applies it from conduct protocol
    /// 6 (a log of an older protocol replays with the overrides it logged), the offline count
    /// always.
    pub fn check_statute(&self) -> Result<(), RulesError> {
        for c in &self.contests {
            if let Some(field) = c.statute_overrides().first() {
                return Err(RulesError::OverrideStatutory {
                    contest: c.id().clone(),
                    kind: c.kind().id(),
                    field,
                });
            }
        }
        Ok(())
    }

    /// What a spec given as input must also meet, never checked on a logged spec (entry 0 of
    /// a log replays as it was registered, [`Election::check_statute`] included): each
    /// evaluation's [`EvaluationSetup::check_input`](super::evaluation::EvaluationSetup::check_input).
    pub fn check_new_input(&self) -> Result<(), RulesError> {
        for c in &self.contests {
            if let Some(e) = c.evaluation() {
                e.check_input(c.id())?;
            }
        }
        Ok(())
    }

    /// The election as counted under conduct `protocol`: from protocol 6 a party contest's
    /// shortfall proposal is measured against its threshold base override, which its runoff
    /// keeps ([`Contest::keep_threshold_base_in_runoff`]). A spec given as input is read
    /// under the current protocol; a logged one under its log's.
    pub fn for_protocol(mut self, protocol: u32) -> Election {
        if protocol >= 6 {
            for c in &mut self.contests {
                c.keep_threshold_base_in_runoff();
            }
        }
        if protocol >= 10 {
            for c in &mut self.contests {
                c.close_tie_runoffs();
            }
        }
        self
    }

    pub fn new(p: ElectionParams) -> Result<Election, RulesError> {
        check_name("election id", &p.id)?;
        // A procedure's contests come with its rounds: an election may start with none.
        if p.contests.is_empty() && p.procedures.is_empty() {
            return Err(RulesError::ElectionEmpty);
        }
        if p.contests.len() > CONTESTS_PER_ELECTION_MAX {
            return Err(RulesError::TooManyContests {
                count: p.contests.len(),
                max: CONTESTS_PER_ELECTION_MAX,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for c in &p.contests {
            if !seen.insert(c.id().as_str()) {
                return Err(RulesError::DuplicateContest {
                    contest: c.id().clone(),
                });
            }
        }
        for c in &p.contests {
            let Some(r) = c.runoff_of() else { continue };
            if &r.parent == c.id() {
                return Err(RulesError::RunoffParent {
                    contest: c.id().clone(),
                    parent: r.parent.clone(),
                    reason: "不能是它自己",
                    reason_en: "is the runoff itself",
                });
            }
            if let Some(parent) = p.contests.iter().find(|x| *x.id() == r.parent) {
                if parent.kind() != c.kind() {
                    return Err(RulesError::RunoffParent {
                        contest: c.id().clone(),
                        parent: r.parent.clone(),
                        reason: "类型不同",
                        reason_en: "has a different kind",
                    });
                }
            }
        }
        let mut ranking_ids = std::collections::HashSet::new();
        for r in &p.rankings {
            if !ranking_ids.insert(r.id.as_str()) {
                return Err(RulesError::Ranking {
                    ranking: r.id.clone(),
                    message: "排名 id 重复 / the ranking id appears twice".into(),
                });
            }
            for comp in &r.components {
                let Source::Evaluation(contest) = &comp.source else {
                    continue;
                };
                let eval = p
                    .contests
                    .iter()
                    .find(|c| c.id() == contest && c.kind() == ContestKind::Evaluation)
                    .and_then(|c| c.evaluation().as_ref())
                    .ok_or_else(|| RulesError::Ranking {
                        ranking: r.id.clone(),
                        message: format!(
                            "计分项目 “{}” 引用的测评项目 “{contest}” 不存在 / component “{}” names no evaluation contest “{contest}”",
                            comp.id, comp.id
                        ),
                    })?;
                for s in &r.subjects {
                    if eval.subject_index(&s.id).is_none() {
                        return Err(RulesError::Ranking {
                            ranking: r.id.clone(),
                            message: format!(
                                "“{}” 不是测评项目 “{contest}” 的测评对象 / “{}” is not a subject of evaluation “{contest}”",
                                s.id, s.id
                            ),
                        });
                    }
                }
            }
        }
        let mut procedure_ids = std::collections::HashSet::new();
        let mut round_contests = std::collections::HashSet::new();
        for d in &p.procedures {
            check_name("procedure id", &d.id)?;
            let clash = |what: &str| RulesError::Procedure {
                procedure: d.id.clone(),
                message: what.to_string(),
            };
            if !procedure_ids.insert(d.id.as_str()) {
                return Err(clash("程序 id 重复 / the procedure id appears twice"));
            }
            for c in d.rounds.iter().filter_map(|r| r.contest.as_deref()) {
                check_name("contest id", c)?;
                // A round's contest joins `contests` when the chain creates it; one that is
                // there before is refused then (`contest_exists`).
                if !round_contests.insert(c) {
                    return Err(clash(&format!(
                        "轮次的选举项目 id “{c}” 已被使用 / the round contest id “{c}” is already taken"
                    )));
                }
            }
        }
        Ok(Election {
            id: p.id,
            title: p.title,
            contests: p.contests,
            rankings: p.rankings,
            structure: p.structure.unwrap_or_default(),
            procedures: p.procedures,
        })
    }

    pub fn contest_index(&self, id: &str) -> Option<usize> {
        self.contests.iter().position(|c| c.id() == id)
    }
}
