//! Ballots: electronic ballots cast at a kiosk, and paper ballots keyed in as they are read
//! aloud (唱票). Neither may run past the slips the desk handed out.

use serde_json::Value;

use super::{Core, CoreError};
use crate::ledger::Appended;
use crate::rules::conduct::ConductError;

impl Core {
    /// Casts an electronic ballot: the token, one line per contest of its style, none void.
    /// A style can never have more ballots than the desk handed out slips.
    pub fn cast(&self, token: &str, ballots: &[Value]) -> Result<Appended, CoreError> {
        let style = crate::record::token::Token::parse(token)
            .map_err(crate::ledger::LedgerError::Token)?
            .style();
        let issued = self.slips_issued(style).ok();
        Ok(self.ledger.cast_within(token, ballots, issued)?)
    }

    /// Keys in one paper ballot of a paper or hybrid contest. A well-formed ballot is
    /// recorded even when void (the answer says why, so the reader can call it out); the
    /// ballots of a contest never exceed the slips it issued (`I`, or an approved correction).
    pub fn paper_ballot(
        &self,
        contest: &str,
        ballot: Value,
    ) -> Result<(Appended, Option<(String, String)>), CoreError> {
        let (void, styles, returned, corrected) =
            self.ledger.read(|s| -> Result<_, CoreError> {
                let info = s.state.info()?;
                let conduct = s.state.conduct()?;
                conduct.check_paper(contest)?;
                let (ci, b) = crate::record::ballot::parse_ballot_line(
                    &info.election,
                    1,
                    &ballot.to_string(),
                )
                .map_err(crate::ledger::LedgerError::Ballot)?;
                let c = &info.election.contests[ci];
                let reason = match &b {
                    crate::rules::Ballot::Candidates(cb) => {
                        crate::rules::ballot::void_reason(c, cb)
                    }
                    crate::rules::Ballot::Evaluation(eb) => c
                        .evaluation
                        .as_ref()
                        .and_then(|e| crate::rules::ballot::evaluation_void_reason(e, eb)),
                };
                let styles = conduct.styles_of(contest);
                let cc = conduct.contest(contest)?;
                let electronic: u64 = styles.iter().map(|st| conduct.pool(*st).spent).sum();
                Ok((
                    reason.map(|r| (r.code().to_string(), r.message())),
                    styles,
                    electronic + cc.paper_ballots,
                    cc.correction.as_ref().map(|c| c.figures.issued),
                ))
            })??;
        let issued = match corrected {
            Some(i) => i,
            None => {
                let mut i = 0;
                for st in styles {
                    i += self.style_figures(st)?.issued;
                }
                i
            }
        };
        if returned >= issued {
            return Err(ConductError::PaperPastIssued { issued }.into());
        }
        let a = self.ledger.add_paper_ballot(contest, ballot)?;
        Ok((a, void))
    }
}
