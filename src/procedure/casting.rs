//! Ballots: electronic ballots cast at a kiosk, and paper ballots keyed in as they are read
//! aloud (唱票). Neither may run past the slips the desk handed out.

use serde_json::Value;

use super::{Core, CoreError};
use crate::ledger::Appended;
use crate::rules::conduct::ConductError;

/// Longest note on a kiosk test, in characters.
pub const KIOSK_TEST_NOTE_MAX: usize = 500;

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

    /// Casts an encrypted ballot: the token, one encrypted contest per contest of its style,
    /// every proof valid (`Ledger::prepare_encrypted`); within the slips the desk handed out.
    /// With the ballot's confirmation code, for its receipt.
    pub fn cast_encrypted(
        &self,
        token: &str,
        lines: Vec<crate::record::encrypted::EncryptedLine>,
    ) -> Result<(Appended, Option<String>), CoreError> {
        let style = crate::record::token::Token::parse(token)
            .map_err(crate::ledger::LedgerError::Token)?
            .style();
        let issued = self.slips_issued(style).ok();
        let (a, confirmation) = self.ledger.cast_encrypted(token, lines, issued)?;
        Ok((a, confirmation.map(|h| crate::record::spoiled::code_of(&h))))
    }

    /// Spoils a ballot the voter chose to check instead of casting (docs/E2E.md §8.6): the
    /// slip stays good for the next ballot; the ballot, opened, is logged and never counted.
    pub fn spoil(
        &self,
        token: &str,
        lines: Vec<crate::record::spoiled::SpoiledLine>,
        kiosk: &str,
    ) -> Result<Appended, CoreError> {
        Ok(self.ledger.spoil(token, lines, kiosk, super::now())?)
    }

    /// Records a 监票人's test challenge of a kiosk: the spoiled ballot it made and whether its
    /// opening showed the choices made. The slip it used can never be cast afterwards.
    pub fn record_kiosk_test(
        &self,
        spoiled: u64,
        outcome: crate::record::spoiled::TestOutcome,
        teller: &str,
        note: &str,
    ) -> Result<Appended, CoreError> {
        let note = note.trim();
        if note.chars().count() > KIOSK_TEST_NOTE_MAX
            || note.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(super::invalid(
                "bad_note",
                format!("备注须少于 {KIOSK_TEST_NOTE_MAX} 个字符, 且不含控制字符 / the note must be under {KIOSK_TEST_NOTE_MAX} characters, without control characters"),
            ));
        }
        let body = crate::record::spoiled::KioskTest {
            spoiled,
            outcome,
            teller: teller.to_string(),
            time: super::now(),
            note: note.to_string(),
        };
        let bytes =
            serde_json::to_vec(&body).map_err(|e| super::invalid("bad_request", e.to_string()))?;
        Ok(self
            .ledger
            .append(crate::record::entry::EntryKind::KioskTest, bytes)?)
    }

    /// Encrypts ballot lines for a token as a kiosk would (the CLI's kiosk): the election key
    /// from the log, each contest bound to the token's serial and its style's group.
    pub fn encrypt_for_token(
        &self,
        token: &str,
        lines: &[Value],
    ) -> Result<Vec<crate::record::encrypted::EncryptedLine>, CoreError> {
        let t =
            crate::record::token::Token::parse(token).map_err(crate::ledger::LedgerError::Token)?;
        self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let book = s.state.admin.book()?;
            let key = book
                .key()
                .ok_or(crate::ledger::LedgerError::from(crate::e2e::E2eError::NoKey))?;
            let style = info.styles.get(t.style() as usize).ok_or_else(|| {
                super::invalid("unknown_style", format!("选票码的选票样式 {} 不存在 / the token names ballot style {}, which does not exist", t.style(), t.style()))
            })?;
            let out = crate::e2e::kiosk::encrypt_lines(
                &info.election,
                &info.id,
                style,
                key,
                *t.serial(),
                lines,
                &mut crate::crypto::SystemRng,
            )
            .map_err(crate::ledger::LedgerError::from)?;
            Ok(out.into_iter().map(|(l, _)| l).collect())
        })?
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
                // Write-ins in canonical form (record::names), as the ledger logs them: a
                // decomposed spelling of a listed candidate's name is that candidate.
                let (ci, b, _) =
                    crate::record::ballot::clean_ballot_line(&info.election, 1, &ballot)
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
