//! Counting a result, one way for the ledger's tally and the verifier's recount: the logged
//! spec narrowed to the result's contests with their counting figures (the desk's at close,
//! or an approved correction), the plaintext ballots (electronic ballots of a plaintext
//! election, paper ballots of any), and in an encrypted election the totals the tellers'
//! decryption shares give (`e2e::Book::decrypt`). The rules then decide every contest from
//! its totals (`rules::tally_election_totals`), so a plaintext and an encrypted election of
//! the same ballots give the same result.
//!
//! A decrypted write-in name is counted under its canonical form (`record::names::clean_name`),
//! as a typed one is. A decrypted name that `clean_name` refuses (a control character, or an
//! invisible or direction character such as U+202E or U+200B) could only come from a kiosk
//! that skipped the check, and the server could not refuse it at cast, since it cannot read
//! it: that write-in line names no valid person and counts for no one (as a blank line
//! would: an abstention on that line, RULES.md section 1), the ballot stays valid, and the
//! contest's result carries the warning [`WRITE_IN_UNREADABLE`] with how many there were.
//! The same holds, in protocol 4, for a line marked as written in whose name does not decode
//! or is empty; a name on a line its ballot did not mark is not counted at all, and the
//! result says how many there were ([`WRITE_IN_UNMARKED`]). Either can only come from a kiosk
//! that does not follow the protocol: no valid ballot has one.
//! The verifier's recount goes through this same code.
//!
//! Architecture invariant: pure (no I/O); it joins `rules`, `record` and `e2e` only. The
//! ledger and the verifier both call it; besides it they share only `registration` (the
//! checks of entry 0).

use crate::codes::Code;
use serde_json::Value;

use crate::crypto::ContestShape;
use crate::e2e::Book;
use crate::record::election::parse_logged_election;
use crate::record::entry::Decrypted;
use crate::record::names::clean_name;
use crate::record::result::result_json;
use crate::rules::conduct::Conduct;
use crate::rules::totals::{CandidateMarks, Counts, GroupTotals};
use crate::rules::{tally_election_totals, Ballot, Contest, ContestTotals, Election, Notice};

/// The warning code of decrypted write-in names that `clean_name` refuses (counted for no
/// one; see the module documentation).
pub const WRITE_IN_UNREADABLE: &str = "write_in_unreadable";

/// The warning code of decrypted write-in names on lines their ballots did not mark
/// (protocol 4; not counted, see the module documentation).
pub const WRITE_IN_UNMARKED: &str = "write_in_unmarked";

/// The warning code of decrypted write-in names that are the contest's listed candidates
/// (conduct protocol 6; counted for no one, see [`drop_candidate_names`]).
pub const WRITE_IN_NAMES_CANDIDATE: &str = "write_in_names_candidate";

/// Protocol 6: the decrypted write-in names that are a listed candidate's name are counted
/// for no one (returned: how many). A conforming kiosk refuses such a ballot (a second mark
/// for that candidate, which a paper ballot's count voids: README, "Readings of the rules");
/// one that does not follow the
/// protocol can still cast it, and no proof excludes it. The ballot cannot be found among the
/// shuffled names, so it cannot be voided as paper would be: before protocol 6 the totals
/// then failed `ContestTotals::check` and the round was invalid, so one such kiosk forced a
/// re-vote, anonymously and again in every re-vote. Now the line counts as a blank one and
/// the result says how many there were.
fn drop_candidate_names(c: &Contest, totals: &mut ContestTotals) -> u64 {
    let mut dropped = 0u64;
    if let Counts::Candidates(ct) = &mut totals.counts {
        ct.write_ins.retain(|name, votes| {
            let listed = c.candidates().iter().any(|x| x.name == *name);
            if listed {
                dropped = dropped.saturating_add(*votes);
            }
            !listed
        });
    }
    dropped
}

/// The warning code of a contest whose figures were corrected after a teller had given
/// decryption shares of it (protocol 4, `ContestConduct::corrected_after_shares`): the
/// correction could have been chosen knowing the totals.
pub const FIGURES_CORRECTED_AFTER_SHARES: &str = "figures_corrected_after_shares";

/// Why a result cannot be counted. Every variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("“{0}” 尚未结束投票 / “{0}” was never closed")]
    NotClosed(String),
    #[error("要计票的选举项目不存在或重复 / a contest to count does not exist or is named twice")]
    UnknownContest,
    #[error("{message}")]
    Spec { code: Code, message: String },
    #[error("{source}")]
    Decrypt {
        contest: String,
        source: crate::e2e::E2eError,
    },
    #[error("{message}")]
    Totals {
        contest: String,
        code: Code,
        message: String,
    },
}

impl CountError {
    pub fn code(&self) -> Code {
        match self {
            CountError::NotClosed(_) => Code::ContestNotClosed,
            CountError::UnknownContest => Code::UnknownContest,
            CountError::Spec { code, .. } | CountError::Totals { code, .. } => *code,
            CountError::Decrypt { source, .. } => source.code(),
        }
    }
}

/// Gives the plaintext ballots of each contest of the narrowed election, in its order.
pub type PlainBallots<'a> = dyn FnMut(&Election) -> Result<Vec<Vec<Ballot>>, CountError> + 'a;

/// A counted result: the result document and what was decrypted for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub result: Value,
    pub decrypted: Vec<Decrypted>,
}

/// The logged spec narrowed to `contests` (in spec order), each with its counting figures
/// as `turnout`. Every contest named must exist once and have been closed.
pub fn counting_election(
    spec: &Value,
    contests: &[String],
    conduct: &Conduct,
) -> Result<Election, CountError> {
    let no_contests = Vec::new();
    let all = spec
        .get("contests")
        .and_then(|c| c.as_array())
        .unwrap_or(&no_contests);
    let mut keep: Vec<Value> = Vec::with_capacity(contests.len());
    let mut seen = std::collections::HashSet::new();
    for c in all {
        let id = c.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        if !contests.iter().any(|x| x == id) || !seen.insert(id.to_string()) {
            continue;
        }
        let f = conduct
            .contest(id)
            .ok()
            .and_then(|cc| cc.counting_figures())
            .ok_or_else(|| CountError::NotClosed(id.to_string()))?;
        let mut c = c.clone();
        c["turnout"] = serde_json::json!({"eligible": f.eligible, "present": f.present, "ballots_issued": f.issued});
        keep.push(c);
    }
    if keep.len() != contests.len() {
        return Err(CountError::UnknownContest);
    }
    // The spec without its contests (they are many in a county), then only these.
    let mut s = serde_json::Map::new();
    if let Some(o) = spec.as_object() {
        for (k, v) in o {
            if k != "contests" {
                s.insert(k.clone(), v.clone());
            }
        }
    }
    s.insert("contests".into(), Value::Array(keep));
    parse_logged_election(Value::Object(s).to_string().as_bytes())
        .map(|e| e.for_protocol(conduct.protocol()))
        .map_err(|e| CountError::Spec {
            code: e.code(),
            message: e.to_string(),
        })
}

/// The totals of one contest from what its tellers decrypted, per evaluator group ("" when
/// none): the layout is the aggregation order of docs/E2E.md §8.5. Write-in names are
/// counted under their canonical form; the second value is how many decrypted names
/// `clean_name` refused or (protocol 4) did not decode on a marked line (counted for no one).
pub fn decrypted_totals(
    contest: &Contest,
    shape: &ContestShape,
    decrypted: &[(&str, &crate::e2e::Decrypted)],
) -> Result<(ContestTotals, u64), CountError> {
    let mut unreadable = 0u64;
    let bad = |message: String| CountError::Totals {
        contest: contest.id().clone(),
        code: Code::DecryptedShape,
        message: format!("“{}”: {message}", contest.id()),
    };
    let mut totals = ContestTotals::empty(contest);
    for (group, d) in decrypted {
        totals.returned = totals
            .returned
            .checked_add(d.ballots)
            .ok_or_else(|| bad("overflow".into()))?;
        match (&mut totals.counts, shape) {
            (Counts::Candidates(ct), ContestShape::Candidate(s)) => {
                let per = 1 + usize::from(s.against);
                let n = s.candidates as usize;
                let w = s.write_in_lines as usize;
                if d.totals.len() != n * per + w + 1 || ct.candidates.len() != n {
                    return Err(bad(format!("{} totals for the shape", d.totals.len())));
                }
                for (i, slot) in ct.candidates.iter_mut().enumerate() {
                    let f = d.totals[i * per];
                    let a = if s.against { d.totals[i * per + 1] } else { 0 };
                    *slot = CandidateMarks {
                        votes_for: slot.votes_for.saturating_add(f),
                        against: slot.against.saturating_add(a),
                    };
                }
                unreadable = unreadable.saturating_add(d.undecodable);
                for name in &d.names {
                    match clean_name(name) {
                        Ok(clean) => *ct.write_ins.entry(clean).or_insert(0) += 1,
                        Err(_) => unreadable += 1,
                    }
                }
                totals.void = totals.void.saturating_add(d.totals[n * per + w]);
            }
            (Counts::Evaluation(et), ContestShape::Evaluation(s)) => {
                let subjects = s.subjects as usize;
                if d.totals.len() != 4 * subjects {
                    return Err(bad(format!("{} totals for the shape", d.totals.len())));
                }
                let setup = contest.evaluation().as_ref();
                let slot: &mut GroupTotals = if group.is_empty() {
                    &mut et.ungrouped
                } else {
                    let gi = setup
                        .and_then(|e| e.group_index(group))
                        .ok_or_else(|| bad(format!("no evaluator group “{group}”")))?;
                    et.groups
                        .get_mut(gi)
                        .ok_or_else(|| bad(format!("no evaluator group “{group}”")))?
                };
                slot.valid = slot.valid.saturating_add(d.ballots);
                if slot.grades.len() != subjects {
                    return Err(bad("subjects".into()));
                }
                for (si, g) in slot.grades.iter_mut().enumerate() {
                    for (t, count) in g.iter_mut().enumerate() {
                        *count = count.saturating_add(d.totals[4 * si + t]);
                    }
                }
            }
            _ => return Err(bad("the shape does not match the contest".into())),
        }
    }
    Ok((totals, unreadable))
}

/// Counts a result: `ballots` gives the plaintext ballots of each contest of the narrowed
/// election (in its order); `book` the encrypted tallies of an encrypted election.
pub fn count(
    spec: &Value,
    contests: &[String],
    conduct: &Conduct,
    ballots: &mut PlainBallots<'_>,
    book: Option<&Book>,
) -> Result<Counted, CountError> {
    let election = counting_election(spec, contests, conduct)?;
    let by_contest = ballots(&election)?;
    let mut totals = Vec::with_capacity(election.contests.len());
    let mut decrypted = Vec::new();
    let mut unreadable_by_contest: Vec<(usize, u64)> = Vec::new();
    let mut unmarked_by_contest: Vec<(usize, u64)> = Vec::new();
    let mut candidate_names_by_contest: Vec<(usize, u64)> = Vec::new();
    for (ci, c) in election.contests.iter().enumerate() {
        let empty = Vec::new();
        let plain = ContestTotals::of_ballots(c, by_contest.get(ci).unwrap_or(&empty));
        let Some(book) = book else {
            totals.push(plain);
            continue;
        };
        let mut parts = Vec::new();
        let mut shape = None;
        for ((contest, group), t) in &book.tallies {
            if contest != c.id() {
                continue;
            }
            if let Some(e) = book.shares_missing(contest) {
                return Err(CountError::Totals {
                    contest: c.id().clone(),
                    code: e.code(),
                    message: e.to_string(),
                });
            }
            let d = book
                .decrypt(contest, group)
                .map_err(|e| CountError::Decrypt {
                    contest: c.id().clone(),
                    source: e,
                })?;
            shape = Some(t.shape.clone());
            decrypted.push(Decrypted {
                contest: contest.clone(),
                group: group.clone(),
                ballots: d.ballots,
                totals: d.totals.clone(),
                names: d.names.clone(),
                tellers: d.tellers.clone(),
            });
            parts.push((group.as_str(), d));
        }
        let Some(shape) = shape else {
            totals.push(plain);
            continue;
        };
        let refs: Vec<(&str, &crate::e2e::Decrypted)> =
            parts.iter().map(|(g, d)| (*g, d)).collect();
        let (mut electronic, unreadable) = decrypted_totals(c, &shape, &refs)?;
        if unreadable > 0 {
            unreadable_by_contest.push((ci, unreadable));
        }
        if conduct.protocol() >= 6 {
            let named = drop_candidate_names(c, &mut electronic);
            if named > 0 {
                candidate_names_by_contest.push((ci, named));
            }
        }
        let unmarked: u64 = parts.iter().map(|(_, d)| d.unmarked).sum();
        if unmarked > 0 {
            unmarked_by_contest.push((ci, unmarked));
        }
        let sum = electronic
            .checked_add(&plain)
            .map_err(|e| CountError::Totals {
                contest: c.id().clone(),
                code: e.code(),
                message: e.to_string(),
            })?;
        totals.push(sum);
    }
    let mut tally = tally_election_totals(&election, &totals);
    for (ci, n) in unreadable_by_contest {
        if let Some(r) = tally.contests.iter_mut().find(|r| r.contest == ci) {
            r.warnings.push(Notice::new(
                WRITE_IN_UNREADABLE,
                format!("{n} 个另选人姓名含控制字符或不可见、方向控制字符, 或无法解读, 不指向任何人, 不计票 (该行视为空白) / {n} written-in names hold a control, invisible or direction character, or cannot be read: they name no one and count for no one (the line counts as blank)"),
            ));
        }
    }
    for (ci, n) in candidate_names_by_contest {
        if let Some(r) = tally.contests.iter_mut().find(|r| r.contest == ci) {
            r.warnings.push(Notice::new(
                WRITE_IN_NAMES_CANDIDATE,
                format!("{n} 个另选人姓名是本项目的正式候选人, 不计票 (该行视为空白; 合规的投票机拒绝这样的选票, 出现即说明有投票机不合规) / {n} written-in names are the contest's listed candidates: not counted (the line counts as blank; a conforming kiosk refuses such a ballot, so one that does not follow the protocol cast it)"),
            ));
        }
    }
    for (ci, n) in unmarked_by_contest {
        if let Some(r) = tally.contests.iter_mut().find(|r| r.contest == ci) {
            r.warnings.push(Notice::new(
                WRITE_IN_UNMARKED,
                format!("{n} 个另选人姓名写在选票未标记另选的行上, 不计票 (投票机不合规) / {n} written-in names are on lines their ballots did not mark as written in: not counted (a kiosk that does not follow the protocol)"),
            ));
        }
    }
    for r in tally.contests.iter_mut() {
        let late = election
            .contests
            .get(r.contest)
            .and_then(|c| conduct.contest(c.id()).ok())
            .is_some_and(|c| c.corrected_after_shares);
        if late {
            r.warnings.push(Notice::new(
                FIGURES_CORRECTED_AFTER_SHARES,
                "本项目的人数在计票人给出解密份额之后才更正 (那时任何人已可算出票数): 签名前请核对更正及其理由 / this contest's figures were corrected after tellers had given decryption shares (when anyone could already compute its totals): check the correction and its reason before signing".to_string(),
            ));
        }
    }
    let result = result_json(&election, &tally);
    Ok(Counted { result, decrypted })
}
