//! The checks made in batches (encrypted ballots' proofs, tokens' signatures), a
//! result's recount, and a paper ballot's line.

use std::sync::mpsc::{Receiver, SendError, SyncSender};
use std::sync::Arc;

use super::*;
use crate::e2e::book::BallotProofs;
use crate::verify::SIGNATURE_BATCH;

/// Encrypted ballots verified per batch (one multiscalar multiplication).
pub const ENCRYPTED_BATCH: usize = 64;

/// Replays and checks every entry. `trusted_below`: entries below this index had their
/// zero-knowledge proofs (ballots, shuffles, decryption shares) and their tokens' signatures
/// verified by this caller in an earlier run, over the same bytes; those are not verified
/// again (everything else is). Only a teller passes more than 0, and it must then compare the tree's root at that
/// size with the root it verified (see `verify::verify_export_trusting`).
///
/// The proofs of encrypted ballots are checked in batches on proof threads, one per core,
/// while the replay goes on ([`check_batches`]): the replay decodes each ballot's
/// ciphertexts (what it sums), a proof thread its proofs' points (most of a ballot's points)
/// and verifies them. The failure named is the earliest entry's, whichever thread found it.
pub fn replay(
    entries: &[Entry],
    progress: Progress<'_>,
    report: &mut Report,
    trusted_below: u64,
    seed: Option<&[u8]>,
) -> Result<Replayed, Failure> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 16));
    let (tx, rx) = std::sync::mpsc::sync_channel(PROOF_BATCHES_QUEUED.max(threads));
    let rx = std::sync::Mutex::new(rx);
    let rx = &rx;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(move || check_batches(rx, entries)))
            .collect();
        let mut queue = ProofQueue::new(tx);
        let mut tokens = TokenQueue::default();
        let mut result = replay_entries(
            entries,
            progress,
            report,
            (trusted_below, seed),
            (&mut queue, &mut tokens),
        );
        drop(queue);
        // The tokens still waiting come before a failure found by the replay: verified, so
        // that the earliest failure is the one named.
        if result.is_err() {
            result = earliest(result, tokens.flush(entries).err());
        }
        for w in workers {
            let late = w.join().unwrap_or_else(|_| {
                Some(fail(
                    None,
                    None,
                    Code::Ballot,
                    "核对加密选票证明的线程出错 / the thread checking encrypted ballots' proofs failed",
                ))
            });
            result = earliest(result, late);
        }
        result
    })
}

/// Batches of encrypted ballots at most waiting for the proof threads (at least one per
/// thread); the replay waits when it is this far ahead (each batch holds [`ENCRYPTED_BATCH`] decoded ballots).
pub(super) const PROOF_BATCHES_QUEUED: usize = 4;

/// A batch of encrypted ballots (entry index, decoded ballot, token serial) and what their
/// proofs are checked under.
pub(super) type ProofBatch = (Arc<BallotProofs>, Vec<(u64, CheckedBallot, [u8; 16])>);

/// Where the replay sends batches of encrypted ballots for their proofs to be checked.
pub(super) struct ProofQueue {
    tx: SyncSender<ProofBatch>,
    /// The election's key and id, taken from the book at the first batch (after the key).
    proofs: Option<Arc<BallotProofs>>,
}

impl ProofQueue {
    pub(super) fn new(tx: SyncSender<ProofBatch>) -> ProofQueue {
        ProofQueue { tx, proofs: None }
    }
}

/// Sends the encrypted ballots waiting in `pending` to the proof thread as one batch. Before
/// the election key, or should that thread be gone, they are checked here instead.
pub(super) fn verify_encrypted(
    book: Option<&Book>,
    pending: &mut Vec<(u64, CheckedBallot, [u8; 16])>,
    queue: &mut ProofQueue,
    entries: &[Entry],
) -> Result<(), Failure> {
    let Some(book) = book else {
        pending.clear();
        return Ok(());
    };
    if pending.is_empty() {
        return Ok(());
    }
    if queue.proofs.is_none() {
        queue.proofs = book.ballot_proofs().map(Arc::new);
    }
    let batch = std::mem::take(pending);
    match &queue.proofs {
        Some(proofs) => match queue.tx.send((proofs.clone(), batch)) {
            Ok(()) => Ok(()),
            Err(SendError((proofs, batch))) => {
                check_batch(&batch, entries, |items| proofs.verify(items))
            }
        },
        None => check_batch(&batch, entries, |items| book.verify_ballots(items)),
    }
}

/// A proof thread: checks the batches it takes, in the order sent, and keeps its first
/// failure (its earliest entry, as batches are taken in log order); after one, it only
/// drains the queue. [`replay`] keeps the earliest of all threads' failures.
pub(super) fn check_batches(
    rx: &std::sync::Mutex<Receiver<ProofBatch>>,
    entries: &[Entry],
) -> Option<Failure> {
    let mut first = None;
    loop {
        // The lock is held only to take a batch (a panicked holder leaves a usable receiver).
        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((proofs, batch)) = next else {
            return first;
        };
        if first.is_none() {
            first = check_batch(&batch, entries, |items| proofs.verify(items)).err();
        }
    }
}

/// Checks one batch's proofs in one multiscalar multiplication and names the first bad
/// ballot.
fn check_batch(
    batch: &[(u64, CheckedBallot, [u8; 16])],
    entries: &[Entry],
    verify: impl FnOnce(&[(&CheckedBallot, [u8; 16])]) -> Result<(), (usize, crate::e2e::E2eError)>,
) -> Result<(), Failure> {
    let items: Vec<(&CheckedBallot, [u8; 16])> = batch.iter().map(|(_, b, s)| (b, *s)).collect();
    if let Err((n, err)) = verify(&items) {
        let i = batch.get(n).map(|(i, _, _)| *i).unwrap_or(0);
        let kind = entries.get(i as usize).map(|e| e.kind);
        return Err(fail(
            Some(i),
            kind,
            err.code(),
            format!("第 {i} 条加密选票的证明无效: {err} / the proofs of the encrypted ballot in entry {i} do not verify: {err}"),
        ));
    }
    Ok(())
}

/// The failure the replay reports: the earliest entry's, of the replay's own and the proof
/// thread's (a failure that names no entry comes after every one that does).
pub(super) fn earliest(
    replayed: Result<Replayed, Failure>,
    late: Option<Failure>,
) -> Result<Replayed, Failure> {
    match (replayed, late) {
        (r, None) => r,
        (Ok(_), Some(f)) => Err(f),
        (Err(m), Some(f)) => {
            if f.index.unwrap_or(u64::MAX) <= m.index.unwrap_or(u64::MAX) {
                Err(f)
            } else {
                Err(m)
            }
        }
    }
}

/// Ballots' tokens waiting to be verified as one Ed25519 batch ([`verify_tokens`]), under
/// the election's key and id once the replay has read them.
#[derive(Default)]
pub(super) struct TokenQueue {
    pending: Vec<(u64, Token)>,
    pub(super) key: Option<(VerifyingKey, String)>,
}

impl TokenQueue {
    /// Queues entry `i`'s token; verifies the batch once it is full.
    pub(super) fn push(&mut self, i: u64, t: Token, entries: &[Entry]) -> Result<(), Failure> {
        self.pending.push((i, t));
        if self.pending.len() >= SIGNATURE_BATCH {
            return self.flush(entries);
        }
        Ok(())
    }

    /// Verifies the tokens waiting (none without a key: the replay failed before it).
    pub(super) fn flush(&mut self, entries: &[Entry]) -> Result<(), Failure> {
        let pending = std::mem::take(&mut self.pending);
        match &self.key {
            Some((key, election_id)) => verify_tokens(&pending, key, election_id, entries),
            None => Ok(()),
        }
    }
}

pub(super) fn verify_tokens(
    batch: &[(u64, Token)],
    key: &VerifyingKey,
    election_id: &str,
    entries: &[Entry],
) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    let messages: Vec<Vec<u8>> = batch
        .iter()
        .map(|(_, t)| signing_message(election_id, t.round(), t.style(), t.serial()))
        .collect();
    let sigs: Vec<Signature> = batch
        .iter()
        .map(|(_, t)| Signature::from_bytes(t.signature_bytes()))
        .collect();
    let msgs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
    let keys = vec![*key; batch.len()];
    if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    // Find the first bad one to name it.
    for ((i, _), (m, s)) in batch.iter().zip(msgs.iter().zip(&sigs)) {
        if key.verify_strict(m, s).is_err() {
            let kind = entries.get(*i as usize).map(|e| e.kind);
            return Err(fail(
                Some(*i),
                kind,
                Code::TokenSignature,
                format!("第 {i} 条的选票码签名无效 / the token signature of entry {i} is invalid"),
            ));
        }
    }
    Err(fail(
        None,
        None,
        Code::TokenSignature,
        "一批选票码签名无效 / a batch of token signatures is invalid",
    ))
}

/// Recounts one result from the logged spec, the counting figures of its contests (the desk's
/// at close, or an approved correction), the plaintext ballots logged before it and, in an
/// encrypted election, the totals the tellers' shares before it decrypt (`crate::count`).
pub(super) fn recount_one(
    ri: u64,
    body: &ResultBody,
    spec: &serde_json::Value,
    conduct: &Conduct,
    ballots: &HashMap<String, Vec<(u64, Ballot)>>,
    book: Option<&Book>,
    kind: EntryKind,
) -> Result<(), Failure> {
    let kind = Some(kind);
    let mut plain =
        |election: &crate::rules::Election| -> Result<Vec<Vec<Ballot>>, crate::count::CountError> {
            let empty = Vec::new();
            Ok(election
                .contests
                .iter()
                .map(|c| {
                    let v = ballots.get(c.id()).unwrap_or(&empty);
                    let before = v.partition_point(|(bi, _)| *bi < ri);
                    v[..before].iter().map(|(_, b)| b.clone()).collect()
                })
                .collect())
        };
    let counted =
        crate::count::count(spec, &body.contests, conduct, &mut plain, book).map_err(|e| {
            fail(
                Some(ri),
                kind,
                Code::Recount,
                format!("第 {ri} 条结果无法重新计票: {e} / result {ri} cannot be recounted: {e}"),
            )
        })?;
    if counted.decrypted != body.decrypted {
        return Err(fail(Some(ri), kind, Code::Recount, format!("第 {ri} 条结果所记的解密总数与计票人的解密份额不符 / the decrypted totals in result {ri} differ from what the tellers' shares decrypt")));
    }
    if counted.result != body.result {
        return Err(fail(Some(ri), kind, Code::Recount, format!("第 {ri} 条签署的结果与重新计票不符 / the result in entry {ri} differs from the recount")));
    }
    Ok(())
}
/// A paper ballot line of entry `i` (keyed or counted), which must belong to `contest`.
pub(super) fn paper_line(
    election: &Election,
    i: u64,
    kind: EntryKind,
    contest: &str,
    line: &serde_json::Value,
    names: Names,
) -> Result<Ballot, Failure> {
    let (ci, ballot) = parse_ballot_line(election, 1, &line.to_string(), names).map_err(|err| {
        fail(
            Some(i),
            Some(kind),
            Code::Ballot,
            format!("第 {i} 条: {err} / entry {i}: {err}"),
        )
    })?;
    if election.contests[ci].id() != contest {
        return Err(fail(Some(i), Some(kind), Code::BallotStyleMismatch, format!("第 {i} 条纸质选票属于另一选举项目 / entry {i} is a paper ballot of another contest")));
    }
    Ok(ballot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(index: Option<u64>) -> Failure {
        fail(index, None, Code::Ballot, "x")
    }

    #[test]
    fn the_earliest_entry_is_named_whichever_thread_found_it() {
        let pick = |main: Option<u64>, late: Option<u64>| {
            earliest(Err(at(main)), Some(at(late)))
                .err()
                .map(|f| f.index)
        };
        // A bad proof at entry 5, found late by the proof thread, before the replay's own
        // failure at entry 9: entry 5 is named.
        assert_eq!(pick(Some(9), Some(5)), Some(Some(5)));
        assert_eq!(pick(Some(3), Some(5)), Some(Some(3)));
        // A failure that names no entry (after the loop) comes after every entry's.
        assert_eq!(pick(None, Some(5)), Some(Some(5)));
        assert!(earliest(Err(at(Some(2))), None).is_err());
        assert_eq!(
            earliest(Err(at(None)), None).err().map(|f| f.index),
            Some(None)
        );
        // Several proof threads, joined in any order (each with its own earliest failure, or
        // none): the earliest of all is named.
        for order in [[7u64, 4, 11], [11, 7, 4], [4, 11, 7]] {
            let mut result = Err(at(Some(9)));
            for late in order {
                result = earliest(result, Some(at(Some(late))));
            }
            result = earliest(result, None);
            assert_eq!(result.err().map(|f| f.index), Some(Some(4)), "{order:?}");
        }
    }
}
