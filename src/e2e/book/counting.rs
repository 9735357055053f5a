//! Counting an encrypted contest from the log: the tellers' shuffles of the write-in names
//! and their decryption shares, checked (`check_*`) and recorded (`apply_step`), in the
//! order of the conduct's protocol (protocol 3: the totals first, the names only when the
//! write-in count is above zero; docs/E2E.md §11.1), and what they decrypt to.

use std::collections::BTreeMap;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity;

use super::*;

/// Below this many shares, one thread verifies them all (a contest's totals: about a dozen).
const SHARES_PER_THREAD: usize = 64;

/// Verifies one teller's decryption shares of `cts` (the share of `cts[i]` is `shares[i]`;
/// as many of each, which the decoding ensures): each a Chaum–Pedersen proof in challenge
/// form (docs/E2E.md §11), which cannot be batched, so a long list (the names' shares of a
/// shuffled contest, two per name) is split across the cores. The first failure in the
/// list's order, as one thread would find it.
fn verify_shares(
    election_id: &str,
    vk: &Element,
    cts: &[&Ciphertext],
    shares: &[DecryptionShare],
) -> Result<(), crate::crypto::Error> {
    let one = |cts: &[&Ciphertext], shares: &[DecryptionShare]| {
        cts.iter()
            .zip(shares)
            .try_for_each(|(ct, s)| verify_decryption_share(election_id, vk, ct, s))
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(cts.len() / SHARES_PER_THREAD).max(1);
    if threads == 1 {
        return one(cts, shares);
    }
    let per = cts.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = cts
            .chunks(per)
            .zip(shares.chunks(per))
            .map(|(c, sh)| s.spawn(move || one(c, sh)))
            .collect();
        // Joined in the list's order: the first chunk's failure is the first failure.
        for p in parts {
            p.join().map_err(|_| {
                crate::crypto::Error::params("a thread verifying decryption shares stopped")
            })??;
        }
        Ok(())
    })
}

impl Book {
    /// What `(contest, group)`'s tally stands on now (its ballots, shuffles, shares): a step
    /// checked against another basis must be checked again.
    pub fn tally_basis(&self, contest: &str, group: &str) -> Option<Basis> {
        self.tally(contest, group).ok().map(ContestTally::basis)
    }

    fn tally(&self, contest: &str, group: &str) -> Result<&ContestTally, E2eError> {
        self.tallies
            .get(&(contest.to_string(), group.to_string()))
            .ok_or_else(|| {
                E2eError::Refused(format!(
                    "“{contest}” 没有加密选票 / “{contest}” has no encrypted ballots"
                ))
            })
    }

    /// A teller's shuffle of a contest's write-in names: signed, its input the names as they
    /// stand, its proof valid.
    pub fn check_shuffle(&self, b: &ShuffleBody) -> Result<CheckedStep, E2eError> {
        let key = self.key().ok_or(E2eError::NoKey)?;
        let t = self.tally(&b.contest, "")?;
        let output = b64(&b.output, "shuffle output")?;
        let proof_bytes = b64(&b.proof, "shuffle proof")?;
        let mut payload = output.clone();
        payload.extend_from_slice(&proof_bytes);
        self.check_signature(b.index, "shuffle", &b.contest, &payload, &b.signature)?;
        let input = t.current_names()?;
        if input.is_empty() || b.count != input.len() as u64 {
            return Err(E2eError::Refused(format!(
                "混洗须包含全部 {} 个写入姓名 / a shuffle holds all {} write-in names",
                input.len(),
                input.len()
            )));
        }
        // Two ciphertexts per name, after its flag's in protocol 4 (`Book::add_ballot`).
        let width = input.first().map_or(2, Vec::len);
        let outputs = decode_vectors(&output, width, input.len())?;
        let position = u32::try_from(t.shufflers.len()).unwrap_or(u32::MAX);
        if self.proofs {
            // Decoded only to be verified (its points cost a decompression each).
            let proof = ShuffleProof::from_bytes(input.len(), width, &proof_bytes)
                .map_err(crypto("混洗证明", "shuffle proof"))?;
            verify_shuffle(
                key,
                &shuffle_context(&self.election_id, &b.contest, b.index, position),
                input,
                &outputs,
                &proof,
            )
            .map_err(crypto("混洗证明", "shuffle proof"))?;
        }
        Ok(CheckedStep::Shuffle {
            key: (b.contest.clone(), String::new()),
            index: b.index,
            output: outputs,
            basis: t.basis(),
        })
    }

    /// What a decryption-shares entry holds and what this book knows of its contest, for the
    /// conduct's order (`Conduct::decryption_shares`).
    pub fn shares_entry(&self, b: &DecryptionSharesBody) -> SharesEntry {
        let t = self.tallies.get(&(b.contest.clone(), b.group.clone()));
        SharesEntry {
            totals: !b.totals.is_empty(),
            names: !b.names.is_empty(),
            has_names: t.is_some_and(|t| t.has_names()),
            names_due: t.is_some_and(|t| t.names_due()),
        }
    }

    /// Whether a contest's write-in names are due for a shuffle now (protocol 3: the
    /// write-in count is known and above zero; protocol ≤ 2: it has names).
    pub fn names_due(&self, contest: &str) -> bool {
        self.tallies
            .get(&(contest.to_string(), String::new()))
            .is_some_and(|t| {
                if self.flags_first {
                    t.names_due()
                } else {
                    t.has_names()
                }
            })
    }

    /// What stops a contest from being counted, if anything: fewer than `threshold`
    /// tellers' shares of the totals of one of its tallies, or (protocol 3) of its names
    /// when they are due.
    pub fn shares_missing(&self, contest: &str) -> Option<ConductError> {
        let k = self.params.threshold;
        for ((c, _), t) in &self.tallies {
            if c != contest {
                continue;
            }
            let have = t.total_shares.len() as u32;
            if have < k {
                return Some(ConductError::SharesMissing {
                    contest: c.clone(),
                    have,
                    needed: k,
                });
            }
            let have = t.name_shares.len() as u32;
            if self.flags_first && t.names_due() && have < k {
                return Some(ConductError::NameSharesMissing {
                    contest: c.clone(),
                    have,
                    needed: k,
                });
            }
        }
        None
    }

    /// A teller's decryption shares: one per summed ciphertext and one per component of each
    /// name as it stands after the shuffles, each proved against the teller's K_ℓ. Protocol
    /// 3: the totals' shares and the names' shares come in separate entries (the conduct
    /// checks which is due); the `threshold`-th set of the totals' shares also gives the
    /// write-in count.
    pub fn check_shares(&self, b: &DecryptionSharesBody) -> Result<CheckedStep, E2eError> {
        let vk = self.verification_key(b.index).ok_or(E2eError::NoKey)?;
        let t = self.tally(&b.contest, &b.group)?;
        let key = (b.contest.clone(), b.group.clone());
        let with_totals = !self.flags_first || !b.totals.is_empty();
        let with_names = !self.flags_first || !b.names.is_empty();
        let mut totals = None;
        let mut flags = None;
        if with_totals {
            let sums = t.sums();
            let shares = decode_shares(&b64(&b.totals, "totals")?, sums.len(), b.index)?;
            if self.proofs {
                let cts: Vec<&Ciphertext> = sums.iter().collect();
                verify_shares(&self.election_id, vk, &cts, &shares)
                    .map_err(crypto("解密份额", "decryption share"))?;
            }
            if self.flags_first && t.flags.is_none() {
                flags = write_in_count(&self.params, t, b.index, &shares)?;
            }
            totals = Some(shares);
        }
        let mut names = None;
        if with_names {
            let current = t.current_names()?;
            let names_bytes = if b.names.is_empty() {
                Vec::new()
            } else {
                b64(&b.names, "names")?
            };
            let width = current.first().map_or(0, Vec::len);
            let shares = decode_shares(&names_bytes, current.len() * width, b.index)?;
            if self.proofs {
                let cts: Vec<&Ciphertext> = current.iter().flatten().collect();
                verify_shares(&self.election_id, vk, &cts, &shares)
                    .map_err(crypto("姓名解密份额", "name decryption share"))?;
            }
            names = Some(shares);
        }
        Ok(CheckedStep::Shares {
            key,
            index: b.index,
            basis: t.basis(),
            totals,
            names,
            flags,
        })
    }

    /// Whether `step`, checked earlier, is the check of this shuffle (`shuffle`) or these
    /// decryption shares of `contest` (evaluator `group`) by teller `index` as this book
    /// stands: the same entry, and its tally unchanged since ([`Basis`]). The ledger then
    /// records it without checking the entry again; otherwise it checks the entry.
    pub fn holds(
        &self,
        step: &CheckedStep,
        shuffle: bool,
        contest: &str,
        group: &str,
        index: u32,
    ) -> bool {
        step.is_for(shuffle, contest, group, index)
            && self
                .tally(contest, group)
                .is_ok_and(|t| t.basis() == step.basis())
    }

    /// A copy of this book without its tallies: enough to verify and open a ballot away from
    /// the ledger's lock (a spoiled ballot's proofs and openings need only the key).
    pub fn without_tallies(&self) -> Book {
        Book {
            election_id: self.election_id.clone(),
            params: self.params,
            tellers: self.tellers.clone(),
            round1: self.round1.clone(),
            shares: self.shares.clone(),
            key: self.key.clone(),
            tallies: BTreeMap::new(),
            proofs: self.proofs,
            defer_proofs: self.defer_proofs,
            flags_first: self.flags_first,
            names_with_flags: self.names_with_flags,
        }
    }

    /// A copy of this book with one tally only, `(contest, group)`'s: enough to check a
    /// shuffle or decryption shares of it away from the ledger's lock ([`Book::holds`] then
    /// says whether the check still stands). `None` without such a tally.
    pub fn narrowed(&self, contest: &str, group: &str) -> Option<Book> {
        let key = (contest.to_string(), group.to_string());
        let tally = self.tallies.get(&key)?.clone();
        let mut book = self.without_tallies();
        book.tallies.insert(key, tally);
        Some(book)
    }

    /// Records a checked shuffle or set of shares.
    pub fn apply_step(&mut self, step: CheckedStep) {
        match step {
            CheckedStep::Shuffle {
                key, index, output, ..
            } => {
                if let Some(t) = self.tallies.get_mut(&key) {
                    t.shuffled = Some(output);
                    t.shufflers.push(index);
                }
            }
            CheckedStep::Shares {
                key,
                index,
                totals,
                names,
                flags,
                ..
            } => {
                if let Some(t) = self.tallies.get_mut(&key) {
                    if let Some(totals) = totals {
                        t.total_shares.insert(index, totals);
                    }
                    if let Some(names) = names {
                        t.name_shares.insert(index, names);
                    }
                    if flags.is_some() {
                        t.flags = flags;
                    }
                }
            }
        }
    }

    /// Decrypts a contest's totals (and shuffled names) from the first `threshold` tellers'
    /// shares, in teller order. The number of non-empty names (protocol 4: of lines whose
    /// decrypted flag is 1) must equal the decrypted sum of the write-in flags.
    pub fn decrypt(&self, contest: &str, group: &str) -> Result<Decrypted, E2eError> {
        let t = self.tally(contest, group)?;
        let k = self.params.threshold as usize;
        let tellers: Vec<u32> = t.total_shares.keys().copied().take(k).collect();
        if tellers.len() < k {
            return Err(E2eError::Refused(format!(
                "“{contest}” 只有 {} 份解密份额, 需要 {k} 份 / “{contest}” has {} decryption shares; {k} are needed",
                tellers.len(),
                tellers.len()
            )));
        }
        let given = t
            .total_shares
            .iter()
            .map(|(i, v)| (*i, v.as_slice()))
            .collect();
        let totals = solve_sums(&self.params, t, &given, 0..t.sums.len())?;
        // Protocol 3: the names are decrypted by the first `threshold` tellers who gave shares
        // of them (none when the write-in count is zero); before, by the same tellers as the
        // totals.
        let name_tellers: Vec<u32> = if self.flags_first {
            t.name_shares.keys().copied().take(k).collect()
        } else {
            tellers.clone()
        };
        let names_wanted = !self.flags_first || t.names_due();
        if names_wanted && t.has_names() && name_tellers.len() < k {
            return Err(E2eError::Refused(
                ConductError::NameSharesMissing {
                    contest: contest.to_string(),
                    have: name_tellers.len() as u32,
                    needed: k as u32,
                }
                .to_string(),
            ));
        }
        let name_combiner = if names_wanted && t.has_names() {
            Some(Combiner::new(&self.params, &name_tellers).map_err(crypto("解密", "decryption"))?)
        } else {
            None
        };
        let mut names = Vec::new();
        let (mut undecodable, mut unmarked, mut marked) = (0u64, 0u64, 0u64);
        let current: &[CiphertextVector] = if name_combiner.is_some() {
            t.current_names()?
        } else {
            &[]
        };
        for (j, v) in current.iter().enumerate() {
            let width = v.len();
            let mut pts = Vec::with_capacity(width);
            for (c, ct) in v.iter().enumerate() {
                let shares: Vec<DecryptionShare> = name_tellers
                    .iter()
                    .filter_map(|ell| {
                        t.name_shares
                            .get(ell)
                            .and_then(|s| s.get(width * j + c))
                            .cloned()
                    })
                    .collect();
                if let Some(combiner) = &name_combiner {
                    pts.push(
                        combiner
                            .combine(ct, &shares)
                            .map_err(crypto("姓名解密", "name decryption"))?,
                    );
                }
            }
            match pts[..] {
                // Protocol 4: the line's flag (0 or 1 times G, proven at cast) decides.
                [flag, n0, n1] => {
                    let name = decode_name(&[n0, n1]);
                    if flag == RistrettoPoint::identity() {
                        if !matches!(name.as_deref(), Ok("")) {
                            unmarked += 1;
                        }
                    } else if flag == RISTRETTO_BASEPOINT_POINT {
                        marked += 1;
                        match name {
                            Ok(n) if !n.is_empty() => names.push(n),
                            _ => undecodable += 1,
                        }
                    } else {
                        return Err(E2eError::Refused(
                            "写入标记解密后不是 0 或 1 / a write-in flag decrypted to neither 0 nor 1"
                                .into(),
                        ));
                    }
                }
                [n0, n1] => {
                    let name =
                        decode_name(&[n0, n1]).map_err(crypto("写入姓名", "write-in name"))?;
                    if !name.is_empty() {
                        names.push(name);
                    }
                }
                _ => {
                    return Err(E2eError::Refused(format!(
                        "写入行有 {width} 个密文 / a write-in line of {width} ciphertexts"
                    )))
                }
            }
        }
        names.sort();
        if let ContestShape::Candidate(_) = &t.shape {
            let flags: u64 = totals.get(t.flag_slots()).unwrap_or_default().iter().sum();
            // Protocol 4: the marked lines, one by one, against their homomorphic sum (equal
            // after any valid shuffles); before, the names against the flags.
            let counted = if current.first().is_some_and(|v| v.len() == 3) {
                marked
            } else {
                names.len() as u64
            };
            if flags != counted {
                return Err(E2eError::WriteInCount {
                    names: counted,
                    flags,
                });
            }
        }
        Ok(Decrypted {
            ballots: t.ballots,
            totals,
            names,
            undecodable,
            unmarked,
            tellers,
        })
    }
}

/// Combines and solves the summed ciphertexts at `slots` of a tally from the shares `given`
/// by teller (each teller's shares in aggregation order): the first `threshold` tellers in
/// index order, one set of Lagrange weights for all of them.
fn solve_sums(
    params: &DkgParams,
    t: &ContestTally,
    given: &BTreeMap<u32, &[DecryptionShare]>,
    slots: std::ops::Range<usize>,
) -> Result<Vec<u64>, E2eError> {
    let k = params.threshold as usize;
    let tellers: Vec<u32> = given.keys().copied().take(k).collect();
    let combiner = Combiner::new(params, &tellers).map_err(crypto("解密", "decryption"))?;
    // The process's shared table unless this tally's bound is beyond it.
    let own;
    let table = if t.ballots <= DlogTable::shared().bound() {
        DlogTable::shared()
    } else {
        own = DlogTable::new(t.ballots);
        &own
    };
    let sums = t.sums();
    let mut out = Vec::with_capacity(slots.len());
    for i in slots {
        let Some(ct) = sums.get(i) else { continue };
        let chosen: Vec<DecryptionShare> = tellers
            .iter()
            .filter_map(|ell| given.get(ell).and_then(|v| v.get(i)).copied())
            .collect();
        let m = combiner
            .combine(ct, &chosen)
            .map_err(crypto("解密", "decryption"))?;
        out.push(
            table
                .solve_within(&m, t.ballots)
                .map_err(crypto("解密", "decryption"))?,
        );
    }
    Ok(out)
}

/// Protocol 3: the write-in count Σ flags of a tally, once `shares` (teller `index`'s shares
/// of the totals, checked) bring the tellers who gave them to `threshold`: combined over the
/// first `threshold` of them in teller order and solved. `None` while fewer have given them.
fn write_in_count(
    params: &DkgParams,
    t: &ContestTally,
    index: u32,
    shares: &[DecryptionShare],
) -> Result<Option<u64>, E2eError> {
    let mut given: BTreeMap<u32, &[DecryptionShare]> = t
        .total_shares
        .iter()
        .map(|(i, v)| (*i, v.as_slice()))
        .collect();
    given.insert(index, shares);
    if given.len() < params.threshold as usize {
        return Ok(None);
    }
    Ok(Some(
        solve_sums(params, t, &given, t.flag_slots())?.iter().sum(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crypto::decrypt::decryption_share;
    use crate::crypto::dkg::KeyShare;
    use crate::crypto::group::mul_g;
    use crate::crypto::DeterministicRng;
    use curve25519_dalek::scalar::Scalar;

    /// A ceremony check holds at most one complaint per other teller: more is refused before
    /// any is decoded or verified (each verification would run in the sequencer).
    #[test]
    fn a_check_with_more_complaints_than_other_tellers_is_refused_unread() {
        let mut b = crate::e2e::book::saved::tests::book();
        let check = crate::record::entry::CeremonyCheck {
            attempt: 1,
            index: 1,
            complaints: vec!["not a complaint".into(); 3],
            signature: String::new(),
        };
        let err = b.check(&check).unwrap_err().to_string();
        assert!(err.contains("at most 2 complaints"), "{err}");
    }

    #[test]
    fn a_long_list_of_shares_is_checked_whole_across_the_cores() {
        let mut rng = DeterministicRng::new(b"shares across the cores");
        let secret = Scalar::from(123_456_789u64);
        let vk = Element::from_point(mul_g(&secret));
        let share = KeyShare::from_secret(1, secret.as_bytes(), &vk).unwrap();
        let key = ElectionKey::new(Element::from_point(mul_g(&Scalar::from(99u64)))).unwrap();
        // More than SHARES_PER_THREAD × 2, so that two cores split them.
        let cts: Vec<Ciphertext> = (0..300u64)
            .map(|m| Ciphertext::encrypt_exp(&key, m, &Scalar::from(m + 1)))
            .collect();
        let refs: Vec<&Ciphertext> = cts.iter().collect();
        let shares: Vec<DecryptionShare> = cts
            .iter()
            .map(|ct| decryption_share("e", &share, ct, &mut rng))
            .collect();
        verify_shares("e", &vk, &refs, &shares).unwrap();
        assert!(verify_shares("another election", &vk, &refs, &shares).is_err());
        // One share of another ciphertext anywhere in the list, first and last chunk alike.
        for bad in [0, 149, 150, 299] {
            let mut forged = shares.clone();
            forged[bad] = shares[(bad + 1) % shares.len()];
            assert!(
                verify_shares("e", &vk, &refs, &forged).is_err(),
                "the forged share at {bad} passed"
            );
        }
    }

    fn empty_basis() -> Basis {
        Basis {
            ballots: 0,
            shuffles: 0,
            total_shares: 0,
            name_shares: 0,
            flags: None,
        }
    }

    #[test]
    fn a_step_checked_off_the_lock_holds_only_while_its_tally_stands_still() {
        let mut b = super::super::saved::tests::book();
        let key = ("d1".to_string(), String::new());
        b.tallies
            .insert(key.clone(), ContestTally::new(ContestShape::party(3, 2, 1)));
        b.tallies.insert(
            ("d2".into(), String::new()),
            ContestTally::new(ContestShape::party(2, 1, 0)),
        );
        let shares = |b: &Book, index: u32| CheckedStep::Shares {
            key: key.clone(),
            index,
            basis: b.tally("d1", "").unwrap().basis(),
            totals: Some(Vec::new()),
            names: None,
            flags: None,
        };
        let mine = shares(&b, 1);
        assert!(b.holds(&mine, false, "d1", "", 1));
        assert!(
            !b.holds(&mine, false, "d1", "", 2),
            "another teller's entry"
        );
        assert!(!b.holds(&mine, true, "d1", "", 1), "a shuffle's entry");
        assert!(
            !b.holds(&mine, false, "d3", "", 1),
            "a contest with no tally"
        );

        // The copy checked off the lock holds that one tally only, as it stands.
        let narrow = b.narrowed("d1", "").unwrap();
        assert_eq!(narrow.tallies.len(), 1);
        assert!(narrow.holds(&mine, false, "d1", "", 1));
        assert!(b.narrowed("d3", "").is_none());

        // Another teller's shares land first: the step is checked again, not recorded.
        b.apply_step(shares(&b, 2));
        assert!(!b.holds(&mine, false, "d1", "", 1), "shares landed since");
        let mine = shares(&b, 1);
        assert!(b.holds(&mine, false, "d1", "", 1));
        // Another contest's step changes nothing of this one.
        b.apply_step(CheckedStep::Shares {
            key: ("d2".into(), String::new()),
            index: 3,
            basis: b.tally("d2", "").unwrap().basis(),
            totals: Some(Vec::new()),
            names: None,
            flags: None,
        });
        assert!(b.holds(&mine, false, "d1", "", 1));
        // A shuffle, a ballot, a write-in count: each makes it stale.
        let mut shuffled = b.clone();
        shuffled.apply_step(CheckedStep::Shuffle {
            key: key.clone(),
            index: 3,
            output: Vec::new(),
            basis: b.tally("d1", "").unwrap().basis(),
        });
        assert!(
            !shuffled.holds(&mine, false, "d1", "", 1),
            "a shuffle landed"
        );
        let mut cast = b.clone();
        cast.tallies.get_mut(&key).unwrap().ballots += 1;
        assert!(!cast.holds(&mine, false, "d1", "", 1), "a ballot landed");
        let mut counted = b.clone();
        counted.tallies.get_mut(&key).unwrap().flags = Some(0);
        assert!(
            !counted.holds(&mine, false, "d1", "", 1),
            "the count is known"
        );
    }

    #[test]
    fn a_checked_step_answers_only_for_its_own_entry() {
        let shuffle = CheckedStep::Shuffle {
            key: ("d1".into(), String::new()),
            index: 2,
            output: Vec::new(),
            basis: empty_basis(),
        };
        assert!(shuffle.is_for(true, "d1", "", 2));
        assert!(!shuffle.is_for(false, "d1", "", 2), "not shares");
        assert!(!shuffle.is_for(true, "d2", "", 2), "another contest");
        assert!(!shuffle.is_for(true, "d1", "", 3), "another teller");
        let shares = CheckedStep::Shares {
            key: ("e1".into(), "g1".into()),
            index: 1,
            basis: empty_basis(),
            totals: None,
            names: None,
            flags: None,
        };
        assert!(shares.is_for(false, "e1", "g1", 1));
        assert!(!shares.is_for(true, "e1", "g1", 1), "not a shuffle");
        assert!(!shares.is_for(false, "e1", "g2", 1), "another group");
        assert!(!shares.is_for(false, "e1", "g1", 4), "another teller");
    }
}
