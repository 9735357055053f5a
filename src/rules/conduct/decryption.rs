//! The counting of an encrypted election's contests: the tellers' shuffles of the write-in
//! names and their decryption shares, in the order of the log's protocol (protocol 3: the
//! totals first, the names only when the write-in count is above zero).

use super::*;

/// What a decryption-shares entry holds and what the cryptographic record says of its
/// contest, for [`Conduct::decryption_shares`] (the book knows the names; the conduct keeps
/// the order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharesEntry {
    /// The entry holds shares of the summed totals.
    pub totals: bool,
    /// The entry holds shares of the write-in names.
    pub names: bool,
    /// The contest's ballots carry write-in lines.
    pub has_names: bool,
    /// Protocol 3: the write-in count (decrypted from `threshold` tellers' shares of the
    /// totals) is known and above zero, so the names are shuffled and decrypted.
    pub names_due: bool,
}

impl Conduct {
    /// What every teller step of counting needs: an encrypted election, a registered
    /// teller, a closed contest not yet counted. The threshold.
    fn teller_step(&self, contest: &str, index: u32) -> Result<u32, ConductError> {
        let (tellers, threshold) = self.encrypted()?;
        if index == 0 || index > tellers {
            return Err(ConductError::TellerIndex { index, tellers });
        }
        let c = self.contest(contest)?;
        if c.phase != Phase::Closed {
            return Err(ConductError::ContestNotClosed(contest.to_string()));
        }
        if c.result.is_some() {
            return Err(ConductError::AlreadyTallied(contest.to_string()));
        }
        Ok(threshold)
    }

    /// A teller's shuffle of a closed, uncounted contest's write-in names. Protocol 3: only
    /// once the write-in count is known and above zero (`names_due`), and before any shares
    /// of the names; protocol ≤ 2: before any decryption shares.
    pub fn shuffle(
        &mut self,
        contest: &str,
        index: u32,
        names_due: bool,
    ) -> Result<(), ConductError> {
        let threshold = self.teller_step(contest, index)?;
        let flags_first = self.names_after_flags();
        let c = self.contest(contest)?;
        // Protocol 4: `threshold` shuffles are all there is; one more (a teller's, between an
        // honest teller's run and its upload) would only make that teller's shares of the
        // names fail.
        if self.protocol >= 4 && c.decryption.shuffles.len() as u32 >= threshold {
            return Err(ConductError::ShufflesComplete {
                contest: contest.to_string(),
                threshold,
            });
        }
        if flags_first {
            if !names_due {
                return Err(ConductError::NamesNotDue(contest.to_string()));
            }
            if !c.decryption.name_shares.is_empty() {
                return Err(ConductError::ShuffleAfterShares(contest.to_string()));
            }
        } else if c.decryption.shares.values().any(|s| !s.is_empty()) {
            return Err(ConductError::ShuffleAfterShares(contest.to_string()));
        }
        if c.decryption.shuffles.contains(&index) {
            return Err(ConductError::ShuffleRepeated {
                contest: contest.to_string(),
                index,
            });
        }
        self.contest_mut(contest)?.decryption.shuffles.push(index);
        Ok(())
    }

    /// Protocol 3 ("names after flags"): a contest's totals are decrypted first; its write-in
    /// names are shuffled and decrypted only when the decrypted write-in count is above zero.
    /// Protocol ≤ 2: the names are shuffled first, then each teller's one entry decrypts the
    /// totals and the names together.
    pub fn names_after_flags(&self) -> bool {
        self.protocol >= 3
    }

    /// A teller's decryption shares of a closed, uncounted contest (for one evaluator group).
    /// Protocol ≤ 2: one entry per teller with the totals and the names, the names shuffled
    /// by `threshold` tellers first. Protocol 3: one entry of the totals' shares, any time
    /// after the close; then, when the names are due, one of the names' shares after
    /// `threshold` shuffles.
    pub fn decryption_shares(
        &mut self,
        contest: &str,
        group: &str,
        index: u32,
        entry: SharesEntry,
    ) -> Result<(), ConductError> {
        let threshold = self.teller_step(contest, index)?;
        let flags_first = self.names_after_flags();
        let c = self.contest(contest)?;
        let have = c.decryption.shuffles.len() as u32;
        let repeated = || ConductError::SharesRepeated {
            contest: contest.to_string(),
            index,
        };
        let gave_totals = c
            .decryption
            .shares
            .get(group)
            .is_some_and(|s| s.contains(&index));
        if flags_first {
            if entry.totals == entry.names {
                return Err(ConductError::SharesPart);
            }
            if entry.names {
                if !entry.names_due {
                    return Err(ConductError::NamesNotDue(contest.to_string()));
                }
                if have < threshold {
                    return Err(ConductError::ShufflesMissing {
                        contest: contest.to_string(),
                        have,
                        needed: threshold,
                    });
                }
                if c.decryption.name_shares.contains(&index) {
                    return Err(repeated());
                }
                self.contest_mut(contest)?
                    .decryption
                    .name_shares
                    .insert(index);
                return Ok(());
            }
        } else if entry.has_names && have < threshold {
            return Err(ConductError::ShufflesMissing {
                contest: contest.to_string(),
                have,
                needed: threshold,
            });
        }
        if gave_totals {
            return Err(repeated());
        }
        self.contest_mut(contest)?
            .decryption
            .shares
            .entry(group.to_string())
            .or_default()
            .insert(index);
        Ok(())
    }
}
