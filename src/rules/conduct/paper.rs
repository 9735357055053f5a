//! Paper ballots (唱票), and double-entry keying: a sheet counted only when two tellers'
//! latest keyings of it agree.

use super::*;

impl Conduct {
    // ------------------------------------------------------------ paper ballots

    /// Whether a paper ballot may be keyed in for a contest now.
    pub fn check_paper(&self, contest: &str) -> Result<(), ConductError> {
        let c = self.contest(contest)?;
        match c.phase {
            Phase::Open => {}
            Phase::Draft => return Err(ConductError::ContestNotOpen(contest.to_string())),
            Phase::Closed => return Err(ConductError::ContestClosed(contest.to_string())),
        }
        if !c.mode.takes_paper() {
            return Err(ConductError::NotAPaperContest {
                contest: contest.to_string(),
                mode: c.mode.id(),
            });
        }
        Ok(())
    }

    /// Counts one paper ballot. `sheet`, when given, must be the sheet being keyed (the
    /// contest's paper ballots so far plus one). In a double-entry contest it must be given,
    /// and two different tellers' latest keyings of it must both equal `ballot` (compared in
    /// canonical form); the sheet's keyings are then closed and the next sheet opens.
    ///
    /// `attested`: from protocol 9 a single-entry ballot is signed by the registered teller
    /// who keyed it; a double-entry sheet's count is signed by its keyings, and carries none.
    pub fn paper(
        &mut self,
        contest: &str,
        sheet: Option<u64>,
        ballot: &Ballot,
        attested: &Attest,
    ) -> Result<(), ConductError> {
        self.check_paper(contest)?;
        let c = self.contest(contest)?;
        let open = c.paper_ballots + 1;
        if let Some(sheet) = sheet {
            if sheet != open {
                return Err(ConductError::PaperSheet {
                    contest: contest.to_string(),
                    sheet,
                    open,
                });
            }
        }
        if c.double_entry {
            if sheet.is_none() {
                return Err(ConductError::PaperSheetMissing(contest.to_string()));
            }
            if *attested != Attest::None {
                return Err(ConductError::AttestationInvalid(
                    "双人录入的纸质选票由两次录入签署, 计入本身不带签名 / a double-entry sheet is signed by its two keyings; its count carries no signature".into(),
                ));
            }
            let canonical = ballot.canonical();
            if !two_keyers(c, &canonical) {
                return Err(ConductError::PaperNotAgreed {
                    contest: contest.to_string(),
                    sheet: open,
                });
            }
        } else {
            self.require_attested(attested, super::PROTOCOL_ATTESTED_PAPER, super::Act::PAPER)?;
        }
        let c = self.contest_mut(contest)?;
        c.paper_ballots += 1;
        c.keyings.clear();
        c.keyed_by.clear();
        if let (false, Some(key)) = (c.double_entry, attested.teller()) {
            *c.paper_signed.entry(key).or_default() += 1;
        }
        Ok(())
    }

    /// Whether `teller` may key (or withdraw a keying of) `sheet` of a double-entry contest
    /// now: the contest is open, takes paper, is keyed twice, and `sheet` is the open one.
    pub fn check_key_paper(
        &self,
        contest: &str,
        sheet: u64,
        teller: &str,
    ) -> Result<(), ConductError> {
        self.check_paper(contest)?;
        let c = self.contest(contest)?;
        if !c.double_entry {
            return Err(ConductError::NotDoubleEntry(contest.to_string()));
        }
        if teller.trim().is_empty() {
            return Err(ConductError::PaperTeller);
        }
        let open = c.paper_ballots + 1;
        if sheet != open {
            return Err(ConductError::PaperSheet {
                contest: contest.to_string(),
                sheet,
                open,
            });
        }
        Ok(())
    }

    /// Records `teller`'s keying of the open sheet of a double-entry contest, replacing
    /// their earlier keying of it; `None` withdraws it. Says whether another teller's
    /// latest keying agrees.
    ///
    /// `attested` (protocol 9: required): the registered teller whose key signed the
    /// keying. Keyings signed by one key never agree with each other, whatever accounts
    /// logged them.
    pub fn key_paper(
        &mut self,
        contest: &str,
        sheet: u64,
        teller: &str,
        ballot: Option<&Ballot>,
        attested: &Attest,
    ) -> Result<Keyed, ConductError> {
        self.check_key_paper(contest, sheet, teller)?;
        self.require_attested(attested, super::PROTOCOL_ATTESTED_PAPER, super::Act::PAPER)?;
        let c = self.contest_mut(contest)?;
        // Protocol 9: accounts are the service's word, keys are not. A live keying is replaced
        // or withdrawn only by the key that signed it, and a key holds at most one live
        // keying: so the sheet's keyings are, in effect, held by key, and relabelling a
        // signed entry under another account changes nothing a count uses.
        if let Some(key) = attested.teller() {
            if let Some(&held) = c.keyed_by.get(teller) {
                if held != key {
                    return Err(ConductError::PaperKeyingOfAnotherKey {
                        contest: contest.to_string(),
                        sheet,
                        account: teller.to_string(),
                        held,
                        key,
                    });
                }
            }
            if ballot.is_some() {
                if let Some((account, _)) = c
                    .keyed_by
                    .iter()
                    .find(|(t, n)| **n == key && t.as_str() != teller)
                {
                    return Err(ConductError::PaperKeyTwice {
                        contest: contest.to_string(),
                        sheet,
                        key,
                        account: account.clone(),
                    });
                }
            }
        }
        let Some(ballot) = ballot else {
            if c.keyings.remove(teller).is_none() {
                return Err(ConductError::PaperNothingToWithdraw {
                    contest: contest.to_string(),
                    sheet,
                    teller: teller.to_string(),
                });
            }
            c.keyed_by.remove(teller);
            c.keyings_logged += 1;
            return Ok(Keyed::Withdrawn);
        };
        let canonical = ballot.canonical();
        let was_split = split(&c.keyings);
        c.keyings.insert(teller.to_string(), canonical.clone());
        match attested.teller() {
            Some(n) => c.keyed_by.insert(teller.to_string(), n),
            None => c.keyed_by.remove(teller),
        };
        c.keyings_logged += 1;
        let others: Vec<&String> = c.keyings.keys().filter(|t| *t != teller).collect();
        if others.is_empty() {
            return Ok(Keyed::Waiting);
        }
        if two_keyers(c, &canonical) {
            return Ok(Keyed::Agreed);
        }
        let tellers = others.into_iter().cloned().collect();
        if !was_split {
            c.rekeyed_sheets += 1;
        }
        Ok(Keyed::Mismatch { tellers })
    }

    /// The open sheet of a paper contest (its paper ballots so far plus one) and the tellers
    /// who keyed it, with whether their keyings disagree.
    pub fn paper_sheet(&self, contest: &str) -> Result<(u64, Vec<String>, bool), ConductError> {
        let c = self.contest(contest)?;
        Ok((
            c.paper_ballots + 1,
            c.keyings.keys().cloned().collect(),
            split(&c.keyings),
        ))
    }
}

/// Whether two different tellers' latest keyings of the open sheet are `ballot`: two
/// accounts, and from protocol 9 two different registered keys (every keying is then
/// signed, [`Conduct::key_paper`]): an organiser can make two teller accounts, not two
/// teller keys.
fn two_keyers(c: &ContestConduct, ballot: &Ballot) -> bool {
    let mut keys = std::collections::BTreeSet::new();
    let mut unsigned = 0usize;
    for (t, k) in &c.keyings {
        if k != ballot {
            continue;
        }
        match c.keyed_by.get(t) {
            Some(n) => {
                keys.insert(*n);
            }
            None => unsigned += 1,
        }
    }
    keys.len() + unsigned >= 2
}

/// Whether a sheet's keyings disagree: two or more tellers keyed it and no two alike.
fn split(keyings: &BTreeMap<String, Ballot>) -> bool {
    let all: Vec<&Ballot> = keyings.values().collect();
    all.len() >= 2
        && !all
            .iter()
            .enumerate()
            .any(|(i, a)| all[i + 1..].contains(a))
}
