//! Protocol 11 (docs/LOG_FORMAT.md, "Protocol 11"): an entry another brings with it in the
//! same append, which the log holds right after it. The verifier requires each
//! (`verify::replay::due`); the service's check before an append holds its groups to the same
//! (`ledger::state`). Start-up cuts a group a crash left unfinished (`ledger::group`).

use crate::record::entry::{
    ContestCreated, Entry, EntryKind, PaperBallot, RunoffCreated, TokensVoided,
};
use crate::rules::conduct::Conduct;

/// An entry another brings with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// A publication's runoff of contest `parent` (`verify`'s `runoffs_due`).
    Runoff { parent: String },
    /// A close's voiding of style `style`'s unspent tokens (`Conduct::pools_a_close_voids`).
    Voided { style: u16 },
    /// The paper ballot of `contest`'s sheet `sheet`, whose keyings now agree.
    Paper { contest: String, sheet: u64 },
    /// The contest of procedure `procedure`'s next round `round`.
    Round { procedure: String, round: String },
}

impl Due {
    /// The voidings a close of `contest` brings, in order (`conduct` before the close is
    /// applied: `Conduct::pools_a_close_voids`).
    pub fn voids_of_close(conduct: &Conduct, contest: &str) -> Vec<Due> {
        conduct
            .pools_a_close_voids(contest)
            .into_iter()
            .map(|style| Due::Voided { style })
            .collect()
    }

    /// The contest a step of `procedure` brings, when its next round is held as one
    /// (`conduct` after the step is applied: the procedure's `done` is the next round's
    /// place; the service builds it from the state before, at `done + 1`).
    pub fn next_round(conduct: &Conduct, procedure: &str) -> Option<Due> {
        let (def, st) = conduct.procedure(procedure).ok()?;
        let round = def.rounds.get(st.done).filter(|r| r.kind.is_contest())?;
        Some(Due::Round {
            procedure: procedure.to_string(),
            round: round.id.clone(),
        })
    }

    /// Whether `e` is this entry.
    pub fn is(&self, e: &Entry) -> bool {
        match self {
            Due::Runoff { parent } => {
                e.kind == EntryKind::RunoffCreated
                    && e.body_as::<RunoffCreated>()
                        .is_ok_and(|b| b.parent == *parent)
            }
            Due::Voided { style } => {
                e.kind == EntryKind::TokensVoided
                    && e.body_as::<TokensVoided>().is_ok_and(|b| b.style == *style)
            }
            // Its sheet is the paper ballot's own check (`paper_sheet`, more precise).
            Due::Paper { contest, .. } => {
                e.kind == EntryKind::PaperBallot
                    && e.body_as::<PaperBallot>()
                        .is_ok_and(|b| b.contest == *contest)
            }
            Due::Round { procedure, round } => {
                e.kind == EntryKind::ContestCreated
                    && e.body_as::<ContestCreated>().is_ok_and(|b| {
                        b.procedure.as_deref() == Some(procedure.as_str()) && b.from == *round
                    })
            }
        }
    }

    /// What is missing, in Chinese and in English.
    pub fn describe(&self) -> (String, String) {
        match self {
            Due::Runoff { parent } => (
                format!("“{parent}” 的另行投票 (runoff_created)"),
                format!("the runoff of “{parent}” (runoff_created)"),
            ),
            Due::Voided { style } => (
                format!("选票样式 {style} 未用选票码的作废 (tokens_voided)"),
                format!("the voiding of ballot style {style}'s unused slips (tokens_voided)"),
            ),
            Due::Paper { contest, sheet } => (
                format!("“{contest}” 第 {sheet} 张的纸质选票 (paper_ballot)"),
                format!("the paper ballot of sheet {sheet} of “{contest}” (paper_ballot)"),
            ),
            Due::Round { procedure, round } => (
                format!("程序 “{procedure}” 下一轮 “{round}” 的选举 (contest_created)"),
                format!("the contest of procedure “{procedure}”'s next round “{round}” (contest_created)"),
            ),
        }
    }
}
