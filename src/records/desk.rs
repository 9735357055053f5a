//! The roll, check-ins with the desk's turnout, and corrections waiting for a second person.

use super::*;

/// A check-in row as written: its key, its bytes, the voter's unit, the check-in.
type Written<'a> = (Vec<u8>, Vec<u8>, Option<String>, &'a CheckIn);

impl Records {
    // ---- roll ----
    /// The roll, loaded once: from the `roll` value of the `rolls` tree (one JSON array), or
    /// from the per-voter `roll` tree of data directories written before that.
    pub fn roll(&self) -> Result<Arc<Roll>, RecordsError> {
        let mut guard = self
            .roll
            .lock()
            .map_err(|_| RecordsError::Index("roll cache poisoned".into()))?;
        if let Some(r) = guard.as_ref() {
            return Ok(r.clone());
        }
        let voters: Vec<Voter> = match self.get("rolls", b"roll")? {
            Some(v) => v,
            None => self.all("roll")?,
        };
        let r = Arc::new(Roll::new(voters));
        *guard = Some(r.clone());
        Ok(r)
    }

    /// Replaces the roll with `voters`, all or nothing: the whole roll is one sled value,
    /// written with one insert and flushed. (One sled batch of a county's 267,216 per-voter
    /// rows held 1.3 GB of memory; as one value the import costs about its own size.)
    pub fn replace_roll(&self, voters: &[Voter]) -> Result<(), RecordsError> {
        let bytes = serde_json::to_vec(voters).map_err(json_err)?;
        // Lock order everywhere: turnout, then roll.
        let mut turnout = self.turnout_lock()?;
        let mut roll = self
            .roll
            .lock()
            .map_err(|_| RecordsError::Index("roll cache poisoned".into()))?;
        self.tree("rolls")?
            .insert(b"roll", bytes)
            .map_err(index_err)?;
        *roll = Some(Arc::new(Roll::new(voters.to_vec())));
        *turnout = None;
        drop(roll);
        drop(turnout);
        self.flush()?;
        // The per-voter tree of older data directories is superseded.
        self.tree("roll")?.clear().map_err(index_err)?;
        Ok(())
    }

    pub fn voter(&self, number: &str) -> Result<Option<Voter>, RecordsError> {
        Ok(self.roll()?.voter(number).cloned())
    }

    /// Voters on the roll.
    pub fn roll_size(&self) -> Result<u64, RecordsError> {
        Ok(self.roll()?.len() as u64)
    }

    // ---- check-ins ----
    /// Records a check-in atomically; returns the earlier check-in if there was one.
    pub fn check_in(&self, c: &CheckIn) -> Result<Result<(), CheckIn>, RecordsError> {
        self.check_in_group(std::slice::from_ref(c))
    }

    /// Records a voter's check-in together with the principals they carry a proxy for, all
    /// or none: if any of them is already checked in for the round, nothing is written and
    /// that earlier check-in is returned. Two desks racing for one principal cannot both win.
    /// The check-ins are durable before this answers; if they cannot be made so, they are
    /// taken back ([`Records::undo_check_ins`]) and the failure is answered.
    pub fn check_in_group(&self, group: &[CheckIn]) -> Result<Result<(), CheckIn>, RecordsError> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        self.retry_withdrawn()?;
        let t = self.tree("checkins")?;
        let mut rows = Vec::with_capacity(group.len());
        for c in group {
            let bytes = serde_json::to_vec(c).map_err(json_err)?;
            let unit = self.voter(&c.number)?.map(|v| v.unit);
            rows.push((checkin_key(c.round, &c.number), bytes, unit, c));
        }
        // The transaction and the aggregate update happen under one lock (so a cache being
        // built from sled at the same moment cannot count a check-in twice).
        let mut guard = self.turnout_lock()?;
        // Rows taken back whose removal the disk refused: they are not check-ins.
        let withdrawn: HashMap<Vec<u8>, Vec<u8>> = {
            let w = self.withdrawn_lock()?;
            rows.iter()
                .filter_map(|(key, _, _, _)| w.get(key).map(|b| (key.clone(), b.clone())))
                .collect()
        };
        let outcome = t.transaction(|tx| {
            for (key, _, _, _) in &rows {
                if let Some(earlier) = tx.get(key)? {
                    if withdrawn.get(key).map(Vec::as_slice) != Some(earlier.as_ref()) {
                        return Err(ConflictableTransactionError::Abort(earlier));
                    }
                }
            }
            for (key, bytes, _, _) in &rows {
                tx.insert(key.as_slice(), bytes.as_slice())?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {
                if !withdrawn.is_empty() {
                    let mut w = self.withdrawn_lock()?;
                    for key in withdrawn.keys() {
                        w.remove(key);
                    }
                }
                if let Some(turnout) = guard.as_mut() {
                    for (_, _, unit, c) in &rows {
                        if let Some(unit) = unit {
                            let e = turnout.checked.entry((c.round, unit.clone())).or_default();
                            e.0 += 1;
                            e.1 += c.slips;
                        }
                    }
                }
                drop(guard);
                if let Err(e) = self.flush() {
                    let undo: Vec<_> = rows
                        .iter()
                        .map(|(key, bytes, unit, c)| (key.clone(), bytes.clone(), unit.clone(), *c))
                        .collect();
                    self.undo_check_ins(&undo);
                    return Err(e);
                }
                Ok(Ok(()))
            }
            Err(TransactionError::Abort(earlier)) => {
                Ok(Err(serde_json::from_slice(&earlier).map_err(json_err)?))
            }
            Err(TransactionError::Storage(e)) => Err(index_err(e)),
        }
    }

    /// Takes back check-ins whose flush failed: the desk was told they failed (and printed no
    /// slip), so they must not stay in the records to be counted in the desk's figures, nor
    /// refuse the desk's retry as "already checked in" (found by the durability review of
    /// 2026-12-05). A row still holding these bytes is removed; when the disk refuses even
    /// that (it is full), the row is kept aside as withdrawn, which every reader of the
    /// check-ins skips and a later check-in removes ([`Records::retry_withdrawn`]). The turnout
    /// aggregates lose each one taken back.
    fn undo_check_ins(&self, rows: &[Written<'_>]) {
        let Ok(mut guard) = self.turnout_lock() else {
            return;
        };
        let Ok(t) = self.tree("checkins") else {
            *guard = None;
            return;
        };
        for (key, bytes, unit, c) in rows {
            let taken_back = match t.compare_and_swap(
                key.as_slice(),
                Some(bytes.as_slice()),
                None as Option<&[u8]>,
            ) {
                Ok(Ok(())) => true,
                // Not ours any more: nothing to take back.
                Ok(Err(_)) => false,
                Err(_) => match self.withdrawn_lock() {
                    Ok(mut w) => {
                        w.insert(key.clone(), bytes.clone());
                        true
                    }
                    Err(_) => {
                        *guard = None;
                        false
                    }
                },
            };
            if taken_back {
                if let (Some(turnout), Some(unit)) = (guard.as_mut(), unit) {
                    if let Some(e) = turnout.checked.get_mut(&(c.round, unit.clone())) {
                        e.0 = e.0.saturating_sub(1);
                        e.1 = e.1.saturating_sub(c.slips);
                    }
                }
            }
        }
    }

    /// Removes the withdrawn rows ([`Records::undo_check_ins`]) from sled now that it may
    /// take the removal; a row changed since is simply forgotten. Durable with the next flush
    /// (before that, a crash loses the row and its removal alike, or keeps both: sled
    /// flushes in order).
    fn retry_withdrawn(&self) -> Result<(), RecordsError> {
        let mut w = self.withdrawn_lock()?;
        if w.is_empty() {
            return Ok(());
        }
        let t = self.tree("checkins")?;
        w.retain(|key, bytes| {
            t.compare_and_swap(
                key.as_slice(),
                Some(bytes.as_slice()),
                None as Option<&[u8]>,
            )
            .is_err()
        });
        Ok(())
    }

    fn withdrawn_lock(&self) -> Result<MutexGuard<'_, Withdrawn>, RecordsError> {
        self.withdrawn
            .lock()
            .map_err(|_| RecordsError::Index("withdrawn check-ins poisoned".into()))
    }

    /// Check-ins and slips handed out in `round` over the units `unit` accepts, from the
    /// in-memory aggregates (no copy of them).
    pub fn turnout_in(
        &self,
        round: u8,
        unit: &dyn Fn(&str) -> bool,
    ) -> Result<(u64, u64), RecordsError> {
        if self.turnout_lock()?.is_none() {
            self.turnout()?;
        }
        let guard = self.turnout_lock()?;
        Ok(guard
            .as_ref()
            .map(|t| {
                t.checked
                    .iter()
                    .filter(|((r, u), _)| *r == round && unit(u))
                    .fold((0, 0), |(p, i), (_, (dp, di))| (p + dp, i + di))
            })
            .unwrap_or((0, 0)))
    }

    // ---- corrections waiting for a second person ----
    /// Stores a proposed correction; returns its number.
    /// Keeps a proposal of a correction under the next number: 1, 2, 3 … in the order they
    /// were made, across restarts (what the pages show and `ledger approve N` takes).
    pub fn propose(&self, p: &Proposal) -> Result<u64, RecordsError> {
        // The counter starts past any proposal kept before it existed (those were numbered
        // by sled's id generator, from 0 and with gaps after a restart).
        let past = match self.tree("proposals")?.last().map_err(index_err)? {
            Some((k, _)) => <[u8; 8]>::try_from(k.as_ref()).map_or(0, u64::from_be_bytes) + 1,
            None => 1,
        };
        let next = self
            .db
            .update_and_fetch("next_proposal", |old| {
                let n = old
                    .and_then(|v| <[u8; 8]>::try_from(v).ok())
                    .map_or(1, u64::from_be_bytes);
                Some(n.max(past).saturating_add(1).to_be_bytes().to_vec())
            })
            .map_err(index_err)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| RecordsError::Index("proposal counter unreadable".into()))?;
        let id = next - 1;
        let mut p = p.clone();
        p.id = id;
        self.put("proposals", &id.to_be_bytes(), &p)?;
        self.flush()?;
        Ok(id)
    }

    pub fn proposal(&self, id: u64) -> Result<Option<Proposal>, RecordsError> {
        self.get("proposals", &id.to_be_bytes())
    }

    pub fn proposals(&self) -> Result<Vec<Proposal>, RecordsError> {
        self.all("proposals")
    }

    /// Removes a proposal once it was approved (and logged) or withdrawn.
    pub fn remove_proposal(&self, id: u64) -> Result<(), RecordsError> {
        self.tree("proposals")?
            .remove(id.to_be_bytes())
            .map_err(index_err)?;
        self.flush()
    }

    /// Every check-in (those taken back excluded, `undo_check_ins`).
    pub fn check_ins(&self) -> Result<Vec<CheckIn>, RecordsError> {
        let all: Vec<CheckIn> = self.all("checkins")?;
        let w = self.withdrawn_lock()?;
        if w.is_empty() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|c| !w.contains_key(&checkin_key(c.round, &c.number)))
            .collect())
    }

    pub fn checked_in(&self, round: u8, number: &str) -> Result<Option<CheckIn>, RecordsError> {
        let key = checkin_key(round, number);
        if self.withdrawn_lock()?.contains_key(&key) {
            return Ok(None);
        }
        self.get("checkins", &key)
    }
}
