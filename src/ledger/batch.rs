//! Checks made together by the threads that wait for them ("flat combining"): encrypted
//! ballots arriving at once have their proofs verified as one batch (one multiscalar
//! multiplication, docs/E2E.md §8.3) instead of one by one.
//!
//! A caller queues its item and then either finds its answer already given, or becomes one
//! of at most `leaders` threads that take everything queued (up to `max` items) and check it
//! as one batch. When a batch fails, each of its items is checked alone, so one bad ballot
//! is refused with its own error and the others in its batch are not. The ledger lets half
//! the cores check batches while the other half decode and serve the next requests; a lone
//! item is checked alone at once, as before.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A check of many items at once: `Err((i, e))` names one failing item (the `i`-th).
pub type CheckMany<'a, T, E> = &'a (dyn Fn(&[&T]) -> Result<(), (usize, E)> + Sync);

struct Waiting<T, E> {
    item: T,
    reply: Sender<Result<(), E>>,
}

/// Items waiting to be checked, and how many threads are checking batches now.
pub struct Batcher<T, E> {
    queue: Mutex<Vec<Waiting<T, E>>>,
    active: Mutex<usize>,
    done: Condvar,
    leaders: usize,
    max: usize,
}

/// Locks, whatever a panicking thread left: the queue and the counter stay consistent
/// between statements (nothing here panics while holding them).
fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// While alive, one of the `leaders`; leaving (even by a panic) lets a waiting thread in.
struct Leader<'a, T, E> {
    batcher: &'a Batcher<T, E>,
}

impl<T, E> Drop for Leader<'_, T, E> {
    fn drop(&mut self) {
        let mut active = lock(&self.batcher.active);
        *active = active.saturating_sub(1);
        self.batcher.done.notify_all();
    }
}

impl<T, E> Batcher<T, E> {
    /// At most `leaders` batches at once (at least one), each of at most `max` items.
    pub fn new(leaders: usize, max: usize) -> Self {
        Batcher {
            queue: Mutex::new(Vec::new()),
            active: Mutex::new(0),
            done: Condvar::new(),
            leaders: leaders.max(1),
            max: max.max(1),
        }
    }

    /// Checks `item`, batched with whatever other threads are checking at the same time,
    /// and returns its own answer.
    pub fn check(&self, item: T, check: CheckMany<'_, T, E>) -> Result<(), E> {
        let (reply, answer) = channel();
        lock(&self.queue).push(Waiting { item, reply });
        loop {
            if let Some(r) = ready(&answer) {
                return r;
            }
            let leader = {
                let mut active = lock(&self.active);
                loop {
                    if let Some(r) = ready(&answer) {
                        return r;
                    }
                    if *active < self.leaders {
                        *active += 1;
                        break;
                    }
                    active = self.done.wait(active).unwrap_or_else(|p| p.into_inner());
                }
                Leader { batcher: self }
            };
            let batch: Vec<Waiting<T, E>> = {
                let mut q = lock(&self.queue);
                let n = q.len().min(self.max);
                q.drain(..n).collect()
            };
            run(batch, check);
            drop(leader);
        }
    }
}

/// The answer, if it has been given.
fn ready<E>(answer: &Receiver<Result<(), E>>) -> Option<Result<(), E>> {
    answer.try_recv().ok()
}

/// Checks a batch, and each item alone when the batch fails; answers every item.
fn run<T, E>(batch: Vec<Waiting<T, E>>, check: CheckMany<'_, T, E>) {
    if batch.is_empty() {
        return;
    }
    let items: Vec<&T> = batch.iter().map(|w| &w.item).collect();
    if batch.len() == 1 || check(&items).is_err() {
        for w in &batch {
            // A caller that stopped waiting is no error of the others'.
            let _ = w.reply.send(check(&[&w.item]).map_err(|(_, e)| e));
        }
        return;
    }
    for w in &batch {
        let _ = w.reply.send(Ok(()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Items are numbers; multiples of 7 are bad. Counts the calls and the largest batch.
    struct Counting {
        calls: AtomicUsize,
        largest: AtomicUsize,
    }

    impl Counting {
        fn check(&self, items: &[&u32]) -> Result<(), (usize, String)> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.largest.fetch_max(items.len(), Ordering::SeqCst);
            // Long enough that other threads queue behind a batch.
            std::thread::sleep(std::time::Duration::from_millis(2));
            match items.iter().position(|x| **x % 7 == 0) {
                Some(i) => Err((i, format!("{} is bad", items[i]))),
                None => Ok(()),
            }
        }
    }

    #[test]
    fn every_item_gets_its_own_answer_and_batches_form_under_load() {
        let b = Arc::new(Batcher::<u32, String>::new(2, 64));
        let c = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            largest: AtomicUsize::new(0),
        });
        let threads: Vec<_> = (1..=48u32)
            .map(|t| {
                let (b, c) = (b.clone(), c.clone());
                std::thread::spawn(move || {
                    (0..20u32)
                        .map(|k| {
                            let x = t * 100 + k;
                            (x, b.check(x, &|items: &[&u32]| c.check(items)))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut n = 0;
        for t in threads {
            for (x, r) in t.join().unwrap() {
                n += 1;
                if x % 7 == 0 {
                    assert_eq!(r, Err(format!("{x} is bad")));
                } else {
                    assert_eq!(r, Ok(()), "{x}");
                }
            }
        }
        assert_eq!(n, 960);
        assert!(
            c.largest.load(Ordering::SeqCst) > 1,
            "no batch of more than one item formed"
        );
        assert!(b.queue.lock().unwrap().is_empty());
        assert_eq!(*b.active.lock().unwrap(), 0);
    }

    #[test]
    fn a_lone_item_is_checked_alone_and_at_once() {
        let b = Batcher::<u32, String>::new(2, 64);
        let c = Counting {
            calls: AtomicUsize::new(0),
            largest: AtomicUsize::new(0),
        };
        assert_eq!(b.check(3, &|i: &[&u32]| c.check(i)), Ok(()));
        assert_eq!(
            b.check(14, &|i: &[&u32]| c.check(i)),
            Err("14 is bad".to_string())
        );
        assert_eq!(c.calls.load(Ordering::SeqCst), 2);
        assert_eq!(c.largest.load(Ordering::SeqCst), 1);
    }
}
