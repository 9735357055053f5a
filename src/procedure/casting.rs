//! Ballots: electronic ballots cast at a kiosk, and paper ballots keyed in as they are read
//! aloud (唱票). Neither may run past the slips the desk handed out.

use crate::codes::Code;
use serde_json::Value;

use super::{Core, CoreError};
use crate::ledger::Appended;
use crate::record::attest::KeyedBy;
use crate::rules::conduct::{Attest, ConductError, Keyed};

/// Serialises paper keyings (see `Core::paper_ballot`).
static PAPER_KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Where a paper sheet stands after a keying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperState {
    /// Counted: a `paper_ballot` entry was appended.
    Counted,
    /// Keyed; waiting for a second teller.
    Waiting,
    /// Keyed, and the other tellers keyed something else: the sheet is stopped.
    Mismatch,
    /// The teller's keying was withdrawn.
    Withdrawn,
}

impl PaperState {
    pub fn id(self) -> &'static str {
        match self {
            PaperState::Counted => "counted",
            PaperState::Waiting => "waiting",
            PaperState::Mismatch => "mismatch",
            PaperState::Withdrawn => "withdrawn",
        }
    }
}

/// What keying a paper ballot did.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperOutcome {
    pub sheet: u64,
    pub state: PaperState,
    /// The entry this call logged first (the keying, or the paper ballot in single entry).
    pub entry: u64,
    /// The `paper_ballot` entry, when the sheet was counted.
    pub counted: Option<u64>,
    /// Why the ballot is void (code, message), if it is.
    pub void: Option<(String, String)>,
    /// On a mismatch: the other tellers' latest keyings of the sheet, as logged.
    pub others: Vec<(String, Value)>,
}

impl PaperOutcome {
    fn new(sheet: u64, state: PaperState, entry: u64) -> PaperOutcome {
        PaperOutcome {
            sheet,
            state,
            entry,
            counted: None,
            void: None,
            others: Vec::new(),
        }
    }
}

/// The open sheet of a paper contest (see `Core::paper_sheet`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PaperSheet {
    pub sheet: u64,
    pub double_entry: bool,
    pub keyed_by: Vec<String>,
    pub mismatch: bool,
    pub counted: u64,
    pub rekeyed_sheets: u64,
    /// Keyings of the contest logged so far (withdrawals included): the `position` a
    /// teller's signature of the next keying names (protocol 9).
    pub keyings_logged: u64,
    /// Single entry: the paper ballots each registered teller ℓ signed so far, the `count`
    /// its signature of the next one names (protocol 9).
    pub paper_signed: std::collections::BTreeMap<u32, u64>,
    /// What each teller keyed: only while the keyings disagree, and only for a teller who
    /// keyed the sheet (so a second teller keys from the paper, not from a screen).
    pub keyings: Vec<(String, Value)>,
}

/// Longest note on a kiosk test, in characters.
pub const KIOSK_TEST_NOTE_MAX: usize = 500;

impl Core {
    /// The slips the desk handed out for a token's style, the bound its ballots stay within.
    /// A style the election does not have is left to the ledger, which refuses the token; any
    /// other failure to read the desk's count refuses the ballot (before, it lifted the
    /// bound: a records error let a style take more ballots than slips handed out).
    fn issued_bound(&self, style: u16) -> Result<Option<u64>, CoreError> {
        match self.slips_issued(style) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.code() == Code::UnknownStyle => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Casts an electronic ballot: the token, one line per contest of its style, none void.
    /// A style can never have more ballots than the desk handed out slips.
    pub fn cast(&self, token: &str, ballots: &[Value]) -> Result<Appended, CoreError> {
        let style = crate::record::token::Token::parse(token)
            .map_err(crate::ledger::LedgerError::Token)?
            .style();
        let issued = self.issued_bound(style)?;
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
        let issued = self.issued_bound(style)?;
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
        Ok(self
            .ledger
            .spoil(token, lines, kiosk, self.logged_time()?)?)
    }

    /// The time a checked ballot or a kiosk test is logged with: from protocol 10 the hour
    /// (a multiple of 3,600 seconds), since the entry sits in the public log between cast
    /// ballots and a time to the second dated the casts around it; before, the second.
    fn logged_time(&self) -> Result<u64, CoreError> {
        let protocol = self
            .ledger
            .read(|s| s.state.conduct().map(|c| c.protocol()))??;
        let now = super::now();
        Ok(
            if protocol >= crate::rules::conduct::PROTOCOL_COARSE_TIMES {
                now - now % 3600
            } else {
                now
            },
        )
    }

    /// Records a 监票人's test challenge of a kiosk: the spoiled ballot it made and whether its
    /// opening showed the choices made. The slip it used can never be cast afterwards.
    pub fn record_kiosk_test(
        &self,
        spoiled: u64,
        outcome: crate::record::spoiled::TestOutcome,
        teller: &str,
        note: &str,
        token: &str,
    ) -> Result<Appended, CoreError> {
        let note = note.trim();
        if note.chars().count() > KIOSK_TEST_NOTE_MAX
            || note.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(super::invalid(
                Code::BadNote,
                format!("备注须少于 {KIOSK_TEST_NOTE_MAX} 个字符, 且不含控制字符 / the note must be under {KIOSK_TEST_NOTE_MAX} characters, without control characters"),
            ));
        }
        let body = crate::record::spoiled::KioskTest {
            spoiled,
            outcome,
            teller: teller.to_string(),
            time: self.logged_time()?,
            note: note.to_string(),
            token: token.trim().to_string(),
        };
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| super::invalid(Code::BadRequest, e.to_string()))?;
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
            let book = s.state.admin().book()?;
            let key = book
                .key()
                .ok_or(crate::ledger::LedgerError::from(crate::e2e::E2eError::NoKey))?;
            let style = info.styles.get(t.style() as usize).ok_or_else(|| {
                super::invalid(Code::UnknownStyle, format!("选票码的选票样式 {} 不存在 / the token names ballot style {}, which does not exist", t.style(), t.style()))
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

    /// Keys in one paper ballot of a paper or hybrid contest, as `teller` reads it. A
    /// well-formed ballot is recorded even when void (the answer says why, so the reader can
    /// call it out); the ballots of a contest never exceed the slips it issued (`I`, or an
    /// approved correction). `sheet`, when given, must be the sheet being keyed (its number
    /// in the contest's paper count), so a repeated submission cannot land on the next one.
    ///
    /// In a double-entry contest (`paper_entry: "double"`) `sheet` is required: the keying
    /// is logged, and the sheet counts in the same batch once another teller's latest
    /// keying of it agrees; `ballot` None withdraws the teller's keying.
    ///
    /// `by` (protocol 9: required): the registered teller's signature of the keying, with
    /// the ballot line's JSON text as signed, which then stands for `ballot` (give one or
    /// the other).
    pub fn paper_ballot(
        &self,
        contest: &str,
        ballot: Option<Value>,
        sheet: Option<u64>,
        teller: &str,
        by: KeyedBy,
    ) -> Result<PaperOutcome, CoreError> {
        let ballot = match (&by.keyed, ballot) {
            (Some(_), Some(_)) => {
                return Err(super::invalid(
                    Code::BallotJson,
                    "请只给出 ballot 或其签署的原文 keyed 之一 / give the ballot or the keyed text its teller signed, not both",
                ))
            }
            (Some(text), None) => Some(serde_json::from_str::<Value>(text).map_err(|e| {
                super::invalid(
                    Code::BallotJson,
                    format!("keyed 不是一张选票的 JSON / keyed is not a ballot's JSON: {e}"),
                )
            })?),
            (None, ballot) => ballot,
        };
        // One keying at a time: whether this keying completes the sheet is decided from the
        // state it will be appended to, not one another teller's keying has since changed.
        let _one = PAPER_KEYING.lock().unwrap_or_else(|p| p.into_inner());
        let (double, open) = self.ledger.read(|s| -> Result<_, CoreError> {
            let conduct = s.state.conduct()?;
            conduct.check_paper(contest)?;
            let c = conduct.contest(contest)?;
            Ok((c.double_entry, c.paper_ballots + 1))
        })??;
        let Some(ballot) = ballot else {
            let sheet = sheet.ok_or_else(|| ConductError::PaperSheetMissing(contest.into()))?;
            if !double {
                return Err(ConductError::NotDoubleEntry(contest.into()).into());
            }
            let a = self
                .ledger
                .key_paper_ballot(contest, sheet, teller, None, false, by)?;
            return Ok(PaperOutcome::new(sheet, PaperState::Withdrawn, a[0].index));
        };
        let (parsed, void) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            // Write-ins in canonical form (record::names), as the ledger logs them: a
            // decomposed spelling of a listed candidate's name is that candidate.
            let (ci, b, _) = crate::record::ballot::clean_ballot_line(&info.election, 1, &ballot)
                .map_err(crate::ledger::LedgerError::Ballot)?;
            let c = &info.election.contests[ci];
            if c.id() != contest {
                return Err(crate::ledger::LedgerError::Refused {
                    code: Code::BallotStyleMismatch,
                    message: format!(
                        "选票属于另一选举项目 “{}” / the ballot is one of contest “{}”",
                        c.id(),
                        c.id()
                    ),
                }
                .into());
            }
            let reason = match &b {
                crate::rules::Ballot::Candidates(cb) => crate::rules::ballot::void_reason(c, cb),
                crate::rules::Ballot::Evaluation(eb) => c
                    .evaluation()
                    .as_ref()
                    .and_then(|e| crate::rules::ballot::evaluation_void_reason(e, eb)),
            };
            Ok((b, reason.map(|r| (r.code().to_string(), r.message()))))
        })??;
        self.check_paper_within_issued(contest)?;
        if !double {
            if let Some(sheet) = sheet {
                if sheet != open {
                    return Err(ConductError::PaperSheet {
                        contest: contest.into(),
                        sheet,
                        open,
                    }
                    .into());
                }
            }
            let a = self.ledger.add_paper_ballot(contest, ballot, sheet, by)?;
            let mut out = PaperOutcome::new(open, PaperState::Counted, a.index);
            out.counted = Some(a.index);
            out.void = void;
            return Ok(out);
        }
        let sheet = sheet.ok_or_else(|| ConductError::PaperSheetMissing(contest.into()))?;
        // The outcome on a copy of the rules' state: the append checks it again, the
        // signature too.
        let attest = match &by.attested {
            Some(a) => Attest::By(a.teller),
            None => Attest::None,
        };
        let keyed = self.ledger.read(|s| -> Result<_, CoreError> {
            let mut probe = s.state.conduct()?.clone();
            Ok(probe.key_paper(contest, sheet, teller, Some(&parsed), &attest)?)
        })??;
        let agreed = keyed == Keyed::Agreed;
        let a = self
            .ledger
            .key_paper_ballot(contest, sheet, teller, Some(ballot), agreed, by)?;
        let state = match keyed {
            Keyed::Agreed => PaperState::Counted,
            Keyed::Waiting => PaperState::Waiting,
            Keyed::Mismatch { .. } => PaperState::Mismatch,
            Keyed::Withdrawn => PaperState::Withdrawn,
        };
        let mut out = PaperOutcome::new(sheet, state, a[0].index);
        out.counted = a.get(1).map(|c| c.index);
        out.void = void;
        if state == PaperState::Mismatch {
            out.others = self.paper_keyings(contest)?;
            out.others.retain(|(t, _)| t != teller);
        }
        Ok(out)
    }

    /// [`Core::paper_ballot`] signed here with a teller key file (protocol 9; the command
    /// line on the server machine, and scripts): `keyed` is the ballot line's JSON text as
    /// keyed (None: a withdrawal of `sheet`).
    pub fn key_paper_with(
        &self,
        signer: &crate::record::note::Signer,
        contest: &str,
        keyed: Option<&str>,
        sheet: Option<u64>,
        teller: &str,
    ) -> Result<PaperOutcome, CoreError> {
        let attested = self.attest_with(
            signer,
            &super::Attesting::Paper {
                contest: contest.to_string(),
                sheet,
                keyed: keyed.map(str::to_string),
            },
        )?;
        let by = KeyedBy {
            keyed: keyed.map(str::to_string),
            attested: Some(attested),
        };
        self.paper_ballot(contest, None, sheet, teller, by)
    }

    /// The open sheet of a paper contest as `teller` may see it: its number, whether two
    /// tellers key it, who has keyed it and whether their keyings disagree; what each keyed
    /// only when they disagree and `teller` keyed it too.
    pub fn paper_sheet(&self, contest: &str, teller: &str) -> Result<PaperSheet, CoreError> {
        let mut sheet = self.ledger.read(|s| -> Result<_, CoreError> {
            let conduct = s.state.conduct()?;
            let c = conduct.contest(contest)?;
            let (sheet, keyed_by, mismatch) = conduct.paper_sheet(contest)?;
            Ok(PaperSheet {
                sheet,
                double_entry: c.double_entry,
                keyed_by,
                mismatch,
                counted: c.paper_ballots,
                rekeyed_sheets: c.rekeyed_sheets,
                keyings_logged: c.keyings_logged,
                paper_signed: c.paper_signed.clone(),
                keyings: Vec::new(),
            })
        })??;
        if sheet.mismatch && sheet.keyed_by.iter().any(|t| t == teller) {
            sheet.keyings = self.paper_keyings(contest)?;
        }
        Ok(sheet)
    }

    /// Every teller's latest keying of a contest's open sheet, as logged.
    fn paper_keyings(&self, contest: &str) -> Result<Vec<(String, Value)>, CoreError> {
        Ok(self.ledger.read(|s| {
            s.state
                .paper_keyings()
                .get(contest)
                .map(|m| m.iter().map(|(t, b)| (t.clone(), b.clone())).collect())
                .unwrap_or_default()
        })?)
    }

    /// Refuses a paper ballot that would take a contest past the slips it issued.
    fn check_paper_within_issued(&self, contest: &str) -> Result<(), CoreError> {
        let (styles, returned, corrected) = self.ledger.read(|s| -> Result<_, CoreError> {
            let conduct = s.state.conduct()?;
            let styles = conduct.styles_of(contest);
            let cc = conduct.contest(contest)?;
            let electronic: u64 = styles.iter().map(|st| conduct.pool(*st).spent).sum();
            Ok((
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
        Ok(())
    }
}
