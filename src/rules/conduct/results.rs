//! Results, teller signatures and publication.

use super::*;

impl Conduct {
    // ------------------------------------------------------------ results

    /// Records a result entry at `index` for closed contests. Protocol 2: one result per
    /// contest.
    pub fn tally(&mut self, index: u64, contests: &[String]) -> Result<(), ConductError> {
        for id in contests {
            let c = self.contest(id)?;
            if c.phase != Phase::Closed {
                return Err(ConductError::ContestNotClosed(id.clone()));
            }
            if self.strict() && c.result.is_some() {
                return Err(ConductError::AlreadyTallied(id.clone()));
            }
        }
        for id in contests {
            self.contest_mut(id)?.result = Some(index);
        }
        self.results.insert(
            index,
            Arc::new(ResultConduct {
                contests: contests.to_vec(),
                signers: BTreeSet::new(),
                published: false,
            }),
        );
        Ok(())
    }

    /// Records a verified teller signature on a result. Protocol 2: one per teller key.
    pub fn signature(&mut self, result: u64, teller: &str) -> Result<(), ConductError> {
        let strict = self.strict();
        let r = self
            .results
            .get_mut(&result)
            .map(Arc::make_mut)
            .ok_or(ConductError::UnknownResult(result))?;
        if !r.signers.insert(teller.to_string()) && strict {
            return Err(ConductError::SignatureDuplicate {
                teller: teller.to_string(),
                result,
            });
        }
        Ok(())
    }

    /// Publishes a result once enough distinct teller keys signed it.
    pub fn publish(&mut self, result: u64, required: u64) -> Result<(), ConductError> {
        let r = self
            .results
            .get_mut(&result)
            .map(Arc::make_mut)
            .ok_or(ConductError::UnknownResult(result))?;
        if r.published {
            return Err(ConductError::AlreadyPublished(result));
        }
        let have = r.signers.len() as u64;
        if have < required {
            return Err(ConductError::SignaturesMissing {
                result,
                have,
                required,
            });
        }
        r.published = true;
        Ok(())
    }

    /// The published result that counted a contest.
    pub fn published_result_of(&self, contest: &str) -> Option<u64> {
        let index = self.contests.get(contest)?.result?;
        self.results
            .get(&index)
            .filter(|r| r.published)
            .map(|_| index)
    }
}
