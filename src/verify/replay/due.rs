//! Protocol 11 (docs/LOG_FORMAT.md, "Protocol 11"): the entries the service writes in one
//! append with another, which a log can no longer lack.
//!
//! The service appends a publication with the runoffs its result calls for, a close with the
//! pools it voids, two agreeing keyings' second with the sheet's paper ballot, and a
//! procedure's step with its next round's contest, each group in one write. Before protocol
//! 11 a crash could keep a prefix of a group (start-up kept every whole entry), so `verify`
//! could not require the rest, and a log that left it out verified: an operator holding the
//! log key could drop a seat's new round (a sweep of the service's checks against the
//! verifier's, 2026-12-05). Since then start-up cuts an unfinished group whole
//! (`ledger::group`), and a protocol-11 log must hold each group whole: each entry due is the
//! very next one, in the order the service writes them (`group_incomplete`).

use std::collections::VecDeque;

use super::{fail, Failure};
use crate::codes::Code;
pub(super) use crate::record::due::Due;
use crate::record::entry::{Entry, EntryKind};

/// The entries due next, each with the index of the entry that brought it.
#[derive(Default)]
pub(super) struct Dues(VecDeque<(u64, Due)>);

impl Dues {
    /// Entry `at` brings `due` with it, after those it already brought.
    pub(super) fn owe(&mut self, at: u64, due: impl IntoIterator<Item = Due>) {
        self.0.extend(due.into_iter().map(|d| (at, d)));
    }

    /// Entry `i` must be the one due next, if any (its content is checked by its own arm).
    pub(super) fn settle(&mut self, i: u64, e: &Entry) -> Result<(), Failure> {
        match self.0.pop_front() {
            Some((at, due)) if !due.is(e) => Err(missing(Some((i, e.kind)), at, &due)),
            _ => Ok(()),
        }
    }

    /// The log ends: nothing may still be due.
    pub(super) fn finish(&self) -> Result<(), Failure> {
        match self.0.front() {
            Some((at, due)) => Err(missing(None, *at, due)),
            None => Ok(()),
        }
    }
}

fn missing(here: Option<(u64, EntryKind)>, at: u64, due: &Due) -> Failure {
    let (zh, en) = due.describe();
    fail(
        here.map(|(i, _)| i),
        here.map(|(_, k)| k),
        Code::GroupIncomplete,
        match here {
            Some((i, _)) => format!(
                "第 {at} 条与它带来的条目一并写入, 第 {i} 条应是{zh}, 却不是 / entry {at} is written in one append with the entries it brings: entry {i} should be {en}, and is not"
            ),
            None => format!(
                "第 {at} 条与它带来的条目一并写入, 日志却在{zh}之前结束 / entry {at} is written in one append with the entries it brings: the log ends before {en}"
            ),
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::record::entry::body_bytes;
    use crate::record::entry::TokensVoided;

    fn entry<T: serde::Serialize>(kind: EntryKind, body: &T) -> Entry {
        Entry {
            kind,
            prev: [0; 32],
            body: body_bytes(body),
        }
    }

    #[test]
    fn each_due_entry_must_come_next_and_the_log_may_not_end_before_it() {
        let voided = entry(
            EntryKind::TokensVoided,
            &TokensVoided {
                style: 2,
                round: 0,
                voided: 1,
                spent: 3,
            },
        );
        let mut d = Dues::default();
        d.owe(5, [Due::Voided { style: 1 }, Due::Voided { style: 2 }]);
        let f = d.settle(6, &voided).unwrap_err();
        assert_eq!(f.check, Code::GroupIncomplete);
        assert_eq!(f.index, Some(6));
        let mut d = Dues::default();
        d.owe(5, [Due::Voided { style: 2 }]);
        d.settle(6, &voided).unwrap();
        d.finish().unwrap();
        d.owe(7, [Due::Voided { style: 3 }]);
        assert_eq!(d.finish().unwrap_err().index, None);
    }
}
