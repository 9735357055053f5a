//! A teller's side of an encrypted election, computed from a verified replay of the log:
//! the next step of the key ceremony, and the shuffles and decryption shares due for the
//! closed contests. Whatever the service asks, a teller only ever decrypts what its own
//! replay of the log says is a closed contest's total (or its shuffled write-in names).
//!
//! The teller's secrets stay in [`TellerState`] (a file on the teller's machine, mode 0600,
//! never sent anywhere); the steps are entry bodies signed with the teller's registered key.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use rand_core::CryptoRngCore;
use serde::Serialize;
use std::collections::BTreeMap;

use super::book::{encode_vectors, shuffle_context};
use super::book::{CheckedStep, ContestTally};
use super::{crypto, Book, E2eError};
use crate::crypto::decrypt::decryption_share;
use crate::crypto::dkg::{
    combine_shares, encrypt_shares, receive_share, round1, KeyShare, Round1Message, ShareCheck,
    TellerSecrets,
};
use crate::crypto::shuffle::shuffle;
use crate::record::entry::{
    teller_statement, CeremonyCheck, CeremonyRestart, CeremonyRound1, CeremonyShares,
    DecryptionSharesBody, EntryKind, ShuffleBody,
};
use crate::record::note::Signer;
use crate::rules::conduct::{Conduct, Phase};

mod state;
use state::{hex, unhex};
pub use state::{TellerState, CHECKS_REVISION};

/// A step to submit: an entry kind and its body.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: EntryKind,
    pub body: serde_json::Value,
    /// What it is, in words.
    pub summary: String,
}

/// The outcome of a run: steps to submit and what is waiting on others.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    pub steps: Vec<Step>,
    pub waiting: Vec<String>,
    pub done: Vec<String>,
}

fn sign(signer: &Signer, what: &str, election: &str, context: &str, payload: &[u8]) -> String {
    let m = teller_statement(what, election, context, payload);
    BASE64.encode(signer.signing_key().sign(&m).to_bytes())
}

fn step<T: Serialize>(kind: EntryKind, body: &T, summary: String) -> Result<Step, E2eError> {
    Ok(Step {
        kind,
        body: serde_json::to_value(body).map_err(|e| E2eError::Refused(e.to_string()))?,
        summary,
    })
}

fn own_index(book: &Book, signer: &Signer) -> Result<u32, E2eError> {
    book.index_of(signer.name()).ok_or_else(|| {
        E2eError::Refused(format!(
            "“{}” 不是本选举登记的计票人 / “{}” is not a registered teller of this election",
            signer.name(),
            signer.name()
        ))
    })
}

fn secrets(book: &Book, st: &TellerState) -> Result<TellerSecrets, E2eError> {
    let bytes = zeroize::Zeroizing::new(unhex(st.secrets.as_deref().unwrap_or_default())?);
    let own = BASE64
        .decode(st.round1.as_deref().unwrap_or_default())
        .map_err(|_| E2eError::Refused("状态文件损坏 / the state file is damaged".into()))?;
    let own = Round1Message::from_bytes(&book.params(), &own)
        .map_err(crypto("状态文件", "state file"))?;
    TellerSecrets::from_bytes(&book.params(), &bytes, &own)
        .map_err(crypto("状态文件", "state file"))
}

/// The teller's key share, from its state (checked against K_ℓ in the log).
pub fn key_share(book: &Book, st: &TellerState) -> Result<KeyShare, E2eError> {
    let vk = book.verification_key(st.index).ok_or(E2eError::NoKey)?;
    let bytes = zeroize::Zeroizing::new(unhex(st.key_share.as_deref().ok_or_else(|| {
        E2eError::Refused("状态文件中没有密钥份额 / the state file holds no key share".into())
    })?)?);
    KeyShare::from_secret(st.index, &bytes, vk).map_err(crypto("密钥份额", "key share"))
}

/// This teller's index and the election, with the state file bound to them (a new state
/// file is bound here; one of another election or teller is refused).
fn bind_state(
    book: &Book,
    signer: &Signer,
    st: &mut TellerState,
) -> Result<(u32, String), E2eError> {
    let index = own_index(book, signer)?;
    let election = book.election_id().to_string();
    if st.election.is_empty() {
        st.election = election.clone();
        st.index = index;
    }
    if st.election != election || st.index != index {
        return Err(E2eError::Refused(format!(
            "状态文件属于选举 “{}” 的第 {} 号计票人 / the state file belongs to teller {} of election “{}”",
            st.election, st.index, st.index, st.election
        )));
    }
    Ok((index, election))
}

/// The teller's next step of the key ceremony, if one is due.
pub fn ceremony(
    book: &Book,
    conduct: &Conduct,
    signer: &Signer,
    st: &mut TellerState,
    rng: &mut dyn CryptoRngCore,
) -> Result<Run, E2eError> {
    let (index, election) = bind_state(book, signer, st)?;
    let c = conduct.ceremony();
    let mut run = Run::default();
    if let Some(attempt) = c.key {
        key_share(book, st)?;
        let fp = book.key().map(|k| k.fingerprint()).unwrap_or_default();
        run.done.push(format!(
            "密钥仪式完成 (第 {attempt} 轮), 选举密钥指纹 {fp}; 本人的密钥份额与日志相符 / the ceremony is complete (attempt {attempt}), election key fingerprint {fp}; this teller's key share matches the log"
        ));
        return Ok(run);
    }
    let params = book.params();
    let attempt = c.attempt;
    let n = params.tellers as usize;
    if !c.round1.contains(&index) {
        // This attempt's round 1 made before and not logged yet (the upload lost, or held
        // back): the same message again, never new secrets. With new ones, a server that
        // logged the first message after all would make this teller's shares disagree with
        // its logged commitments, and the others' complaints would name it.
        let saved = st
            .round1
            .as_ref()
            .filter(|_| st.attempt == attempt && st.secrets.is_some())
            .and_then(|m| BASE64.decode(m).ok());
        let bytes = match saved {
            Some(bytes) => bytes,
            None => {
                let (secrets, msg) =
                    round1(&election, &params, index, rng).map_err(crypto("第一轮", "round 1"))?;
                let bytes = msg.to_bytes();
                st.attempt = attempt;
                st.secrets = Some(hex(&secrets.to_bytes()));
                st.round1 = Some(BASE64.encode(&bytes));
                bytes
            }
        };
        st.key_share = None;
        run.steps.push(step(
            EntryKind::CeremonyRound1,
            &CeremonyRound1 {
                attempt,
                index,
                message: BASE64.encode(&bytes),
                signature: sign(signer, "ceremony_round1", &election, &attempt.to_string(), &bytes),
            },
            format!("密钥仪式第一轮: 承诺与证明 / ceremony round 1: commitments and proofs (teller {index})"),
        )?);
        return Ok(run);
    }
    if st.attempt != attempt || st.secrets.is_none() {
        return Err(E2eError::Refused(format!(
            "日志中有本人第 {attempt} 轮密钥仪式的第一轮消息, 但状态文件中没有它的秘密 (状态文件丢失?)。请加上 --restart \"原因\" 再运行一次: 本轮作废并记入日志, 所有计票人从第一轮重新开始 / the log holds this teller's round-1 message of ceremony attempt {attempt}, but the state file lacks its secrets (state file lost?). Run again with --restart \"reason\": the attempt is abandoned, logged with the reason, and every teller starts again from round 1"
        )));
    }
    // The logged round 1 must be the one this state file saved: its secrets answer for it.
    let logged = book.round1_messages().get(&index).map(|m| m.to_bytes());
    let saved = st.round1.as_ref().and_then(|m| BASE64.decode(m).ok());
    if logged.is_some() && saved.is_some() && logged != saved {
        return Err(E2eError::Refused(format!(
            "日志中本人第 {attempt} 轮的第一轮消息不是状态文件保存的那一条: 本人的秘密与它不符。请加上 --restart \"原因\" 再运行一次, 并告知其他计票人 / the log holds a round-1 message of this teller for attempt {attempt} other than the one this state file saved: this teller's secrets do not answer for it. Run again with --restart \"reason\", and tell the other tellers"
        )));
    }
    let secrets = secrets(book, st)?;
    let msgs: Vec<Round1Message> = book.round1_messages().values().cloned().collect();
    if c.round1.len() < n {
        run.waiting.push(format!(
            "等待其他计票人的第一轮 ({}/{n}) / waiting for the other tellers' round 1 ({}/{n})",
            c.round1.len(),
            c.round1.len()
        ));
        return Ok(run);
    }
    if !c.shares.contains(&index) {
        let shares = encrypt_shares(&election, &params, &secrets, &msgs, rng)
            .map_err(crypto("加密份额", "encrypting shares"))?;
        let bytes: Vec<u8> = shares.iter().flat_map(|s| s.to_bytes()).collect();
        run.steps.push(step(
            EntryKind::CeremonyShares,
            &CeremonyShares {
                attempt,
                index,
                shares: BASE64.encode(&bytes),
                signature: sign(signer, "ceremony_shares", &election, &attempt.to_string(), &bytes),
            },
            format!("密钥仪式第二轮: 发给每位计票人的加密份额 / ceremony round 2: a share encrypted to each teller (teller {index})"),
        )?);
        return Ok(run);
    }
    if c.shares.len() < n {
        run.waiting.push(format!(
            "等待其他计票人的份额 ({}/{n}) / waiting for the other tellers' shares ({}/{n})",
            c.shares.len(),
            c.shares.len()
        ));
        return Ok(run);
    }
    if !c.checks.contains(&index) {
        let mut received = Vec::new();
        let mut complaints = Vec::new();
        for (from, shares) in book.share_messages() {
            if *from == index {
                continue;
            }
            let Some(share) = shares.iter().find(|s| s.to == index) else {
                continue;
            };
            match receive_share(&election, &params, &secrets, &msgs, share, rng)
                .map_err(crypto("核对份额", "checking a share"))?
            {
                ShareCheck::Valid(r) => received.push(r),
                ShareCheck::Invalid(c) => complaints.push(c.to_bytes()),
            }
        }
        if complaints.is_empty() {
            let share = combine_shares(&params, &secrets, &msgs, &received)
                .map_err(crypto("合成密钥份额", "combining the key share"))?;
            st.key_share = Some(hex(share.secret_bytes().as_ref()));
        } else {
            // The attempt fails; the next one starts with new secrets.
            st.secrets = None;
            st.round1 = None;
        }
        let payload: Vec<u8> = complaints.iter().flatten().copied().collect();
        let n_complaints = complaints.len();
        run.steps.push(step(
            EntryKind::CeremonyCheck,
            &CeremonyCheck {
                attempt,
                index,
                complaints: complaints.iter().map(|c| BASE64.encode(c)).collect(),
                signature: sign(signer, "ceremony_check", &election, &attempt.to_string(), &payload),
            },
            if n_complaints == 0 {
                format!("密钥仪式第三轮: 收到的份额全部有效 / ceremony round 3: every share received is valid (teller {index})")
            } else {
                format!("密钥仪式第三轮: 申诉 {n_complaints} 份无效份额, 本轮将重来 / ceremony round 3: {n_complaints} complaint(s) about bad shares; the attempt restarts (teller {index})")
            },
        )?);
        return Ok(run);
    }
    run.waiting.push(format!(
        "等待其他计票人核对份额 ({}/{n}) / waiting for the other tellers' checks ({}/{n})",
        c.checks.len(),
        c.checks.len()
    ));
    Ok(run)
}

/// The step that abandons the key ceremony's attempt in progress, with `reason` (logged and
/// shown): for a teller whose state file lost the secrets of its round 1, or any teller who
/// must stop a bad attempt. Refused once the election key is set. The state keeps what it
/// holds: until the restart is logged, this attempt can still go on; once it is, the next run
/// starts the next attempt from round 1 (a round 1 of the new attempt replaces the old
/// secrets).
pub fn restart(
    book: &Book,
    conduct: &Conduct,
    signer: &Signer,
    st: &mut TellerState,
    reason: &str,
) -> Result<Run, E2eError> {
    let (index, election) = bind_state(book, signer, st)?;
    let attempt = conduct.ceremony().attempt;
    // Refused here as the service would refuse it: the key set, or no reason.
    conduct
        .clone()
        .ceremony_restart(attempt, index, reason)
        .map_err(|err| E2eError::Refused(format!("[{}] {err}", err.code())))?;
    let mut run = Run::default();
    run.steps.push(step(
        EntryKind::CeremonyRestart,
        &CeremonyRestart {
            attempt,
            index,
            reason: reason.to_string(),
            signature: sign(
                signer,
                "ceremony_restart",
                &election,
                &attempt.to_string(),
                reason.as_bytes(),
            ),
        },
        format!("密钥仪式第 {attempt} 轮作废, 从第一轮重新开始 / ceremony attempt {attempt} abandoned; every teller starts again from round 1 (teller {index}: {reason})"),
    )?);
    Ok(run)
}

/// A step one closed contest is owed by this teller, decided from the replay ([`plan`]) and
/// computed afterwards ([`counting_run`]), on as many threads as the caller allows: each
/// contest's step depends only on the book as it stood before the pass.
enum Due<'a> {
    Shuffle {
        contest: &'a str,
        t: &'a ContestTally,
    },
    Shares {
        contest: &'a str,
        group: &'a str,
        t: &'a ContestTally,
        totals: bool,
        names: bool,
    },
}

/// What a teller's tool asks before it gives decryption shares of a closed contest, beyond
/// its own replay of the log (docs/E2E.md §11.3).
///
/// - `confirmed`: the size of a checkpoint the teller confirmed from outside the service (the
///   board posted at the close, or another teller's screen) and that its own log has at that
///   size (`scrutineer teller run --checkpoint SIZE:ROOT`). A contest is decrypted only when
///   its close lies within it: a service that showed this teller a log of its own making (a
///   fork that closes a contest after copying one voter's ballot into it, or after leaving
///   ballots out) would have to post that log on the board for everyone. `None`: no share
///   is given, and the run says what to confirm.
/// - `closed_at`: the entry of each contest's close, from the replay.
/// - `small_totals`: which totals of one or two ballots (besides those cast with a checked
///   slip, [`Guard::checked`]) to decrypt. A contest (or evaluator group) that few voters
///   cast electronically would publish their ballots; by default the
///   tool holds it and says so, and the tellers decide together ([`SMALL_TOTAL_BALLOTS`]),
///   for that contest (`--allow-small-total CONTEST[/GROUP]`) or for every one
///   (`--allow-small-totals`).
#[derive(Clone, Copy, Debug)]
pub struct Guard<'a> {
    pub confirmed: Option<u64>,
    pub closed_at: &'a BTreeMap<String, u64>,
    pub small_totals: SmallTotals<'a>,
    /// Per (contest, group): cast ballots whose slip first checked (spoiled) a ballot
    /// (`verify::replay::Replayed::checked_casts`). Their choices are public, and usually
    /// cast unchanged, so they do not hide the others: a total is small by the ballots that
    /// are not these (the secrecy review: two voters who checked and one who did not, and
    /// the total less the two published choices was the third voter's ballot).
    pub checked: &'a BTreeMap<(String, String), u64>,
}

/// Which small totals a teller agreed to decrypt ([`Guard::small_totals`]).
#[derive(Clone, Copy, Debug)]
pub enum SmallTotals<'a> {
    /// Every one in this run.
    All,
    /// Those named `CONTEST` or `CONTEST/GROUP` (none when empty).
    Only(&'a [String]),
}

impl SmallTotals<'_> {
    fn allows(&self, contest: &str, group: &str) -> bool {
        match self {
            SmallTotals::All => true,
            // The whole name against the contest, or against `contest/group`: a contest id
            // may itself hold `/` (then `A/B/G` names its group `G`).
            SmallTotals::Only(named) => named.iter().any(|n| {
                n == contest
                    || (!group.is_empty()
                        && n.strip_prefix(contest)
                            .and_then(|rest| rest.strip_prefix('/'))
                            == Some(group))
            }),
        }
    }
}

/// A total of at least 1 and fewer ballots than this is held unless the teller allows it
/// ([`Guard::small_totals`]); the same bound as an evaluator group's warning at the roll's
/// import (`rules::evaluation::SMALL_GROUP_VOTERS`).
pub const SMALL_TOTAL_BALLOTS: u64 = crate::rules::evaluation::SMALL_GROUP_VOTERS;

impl Guard<'_> {
    /// Why the shares of `contest`'s (and `group`'s) tally `t` wait, if they do.
    fn holds(&self, contest: &str, group: &str, label: &str, t: &ContestTally) -> Option<String> {
        let closed = self.closed_at.get(contest).copied();
        match (self.confirmed, closed) {
            (None, _) => {
                return Some(format!(
                    "{label}: 解密份额要等本计票人核对日志: 把本次的检查点 (下面) 与收票时张贴的或其他计票人屏幕上的核对一致后, 加 --checkpoint 再运行 / decryption shares wait until this teller confirms the log: compare this run's checkpoint (below) with the one posted at the close or on another teller's screen, then run again with --checkpoint"
                ))
            }
            (Some(size), Some(at)) if at < size => {}
            (Some(size), _) => {
                return Some(format!(
                    "{label}: 在已核对的检查点 (第 {size} 条) 之后才收票, 请核对更新的检查点 / closed after the confirmed checkpoint (size {size}): confirm a later one"
                ))
            }
        }
        let checked = self
            .checked
            .get(&(contest.to_string(), group.to_string()))
            .copied()
            .unwrap_or(0)
            .min(t.ballots);
        if !self.small_totals.allows(contest, group)
            && t.ballots > 0
            && t.ballots - checked < SMALL_TOTAL_BALLOTS
        {
            let named = if group.is_empty() {
                contest.to_string()
            } else {
                format!("{contest}/{group}")
            };
            if checked > 0 {
                return Some(format!(
                    "{label}: {} 张电子选票中 {checked} 张的选民先核验过选票 (其选择已公开), 其余只有 {} 张, 解密总数即公开这些选票; 计票人共同决定后加 --allow-small-total {named} / {checked} of {} electronic ballot(s) were cast by voters who first checked a ballot (its choices are public), leaving {} other(s): decrypting the total would publish them; if the tellers agree, add --allow-small-total {named}",
                    t.ballots,
                    t.ballots - checked,
                    t.ballots,
                    t.ballots - checked
                ));
            }
            return Some(format!(
                "{label}: 只有 {} 张电子选票, 解密其总数即公开这些选票; 计票人共同决定后加 --allow-small-total {named} / only {} electronic ballot(s): decrypting the total would publish them; if the tellers agree, add --allow-small-total {named}",
                t.ballots, t.ballots
            ));
        }
        None
    }
}

/// What one pass over the closed, uncounted contests finds: the steps due, and the lines
/// saying what waits on others and what is done.
struct Plan<'a> {
    due: Vec<Due<'a>>,
    waiting: Vec<String>,
    done: Vec<String>,
}

/// The shuffles and decryption shares this teller owes the closed, uncounted contests. One
/// step per contest per pass: the next one depends on the log after it.
///
/// Protocol 3 (`Conduct::names_after_flags`): shares of the totals first; once `threshold`
/// tellers gave them the write-in count is known, and only when it is above zero are the
/// names shuffled by `threshold` tellers and then decrypted (shares of the names). Protocol
/// ≤ 2: a shuffle of the write-in names while fewer than `threshold` tellers shuffled them,
/// then (once they are shuffled, or when there are none) shares of the totals and the names.
fn plan<'a>(book: &'a Book, conduct: &Conduct, index: u32, guard: &Guard<'_>) -> Plan<'a> {
    let k = book.params().threshold as usize;
    let flags_first = conduct.names_after_flags();
    let mut p = Plan {
        due: Vec::new(),
        waiting: Vec::new(),
        done: Vec::new(),
    };
    for ((contest, group), t) in &book.tallies {
        let Ok(c) = conduct.contest(contest) else {
            continue;
        };
        if c.phase != Phase::Closed || c.result.is_some() {
            continue;
        }
        let label = if group.is_empty() {
            format!("“{contest}”")
        } else {
            format!("“{contest}” ({group})")
        };
        let gave_totals = t.share_tellers().contains(&index);
        let names_due = if flags_first {
            if !gave_totals {
                if let Some(held) = guard.holds(contest, group, &label, t) {
                    p.waiting.push(held);
                    continue;
                }
                p.due.push(Due::Shares {
                    contest,
                    group,
                    t,
                    totals: true,
                    names: false,
                });
                continue;
            }
            match t.flags {
                None => {
                    p.waiting.push(format!(
                        "{label}: 等待其他计票人提交总数的解密份额 ({}/{k}) / waiting for other tellers' decryption shares of the totals ({}/{k})",
                        t.share_tellers().len(),
                        t.share_tellers().len()
                    ));
                    continue;
                }
                Some(0) => {
                    p.done.push(format!(
                        "{label}: 总数已可解密, 没有写入姓名 / the totals can be decrypted; no write-in names"
                    ));
                    continue;
                }
                Some(_) => true,
            }
        } else {
            t.has_names()
        };
        let shuffled = t.shufflers.len();
        if names_due && shuffled < k {
            if t.shufflers.contains(&index) {
                p.waiting.push(format!(
                    "{label}: 等待其他计票人混洗写入姓名 ({shuffled}/{k}) / waiting for other tellers to shuffle the write-in names ({shuffled}/{k})"
                ));
            } else {
                p.due.push(Due::Shuffle { contest, t });
            }
            continue;
        }
        let given = if flags_first {
            t.name_share_tellers()
        } else {
            t.share_tellers()
        };
        if given.contains(&index) {
            p.done.push(format!(
                "{label}: 已提交解密份额 ({}/{k}) / decryption shares given ({}/{k})",
                given.len(),
                given.len()
            ));
            continue;
        }
        if let Some(held) = guard.holds(contest, group, &label, t) {
            p.waiting.push(held);
            continue;
        }
        p.due.push(Due::Shares {
            contest,
            group,
            t,
            totals: !flags_first,
            names: true,
        });
    }
    p
}

/// Every counting step this teller can make in one run, computed on up to `threads`
/// threads (the contests' steps are independent; with one thread, from `rng`, otherwise
/// each thread draws from the system's generator). Pass after pass: the steps due
/// ([`plan`]), each computed and checked as the service will check it (the shuffle's proof
/// verified, the shares' proofs), then applied to local copies of the book and conduct,
/// since one step may make the next due (its shares of the totals complete the write-in
/// count, so a shuffle follows; its shuffle completes the chain, so its shares of the
/// names follow). The waiting and done lines are those of the last pass.
pub fn counting_run(
    book: &Book,
    conduct: &Conduct,
    signer: &Signer,
    st: &TellerState,
    threads: usize,
    guard: &Guard<'_>,
    rng: &mut dyn CryptoRngCore,
) -> Result<Run, E2eError> {
    let index = own_index(book, signer)?;
    let share = key_share(book, st)?;
    let mut book = book.clone();
    let mut conduct = conduct.clone();
    let mut run = Run::default();
    // At most three passes make steps (totals, shuffle, names); the next only reports.
    for _ in 0..4 {
        let p = plan(&book, &conduct, index, guard);
        run.waiting = p.waiting;
        run.done = p.done;
        if p.due.is_empty() {
            break;
        }
        let made = par_map(&p.due, threads, rng, &|due, rng| {
            let (made, summary) = match due {
                Due::Shuffle { contest, t } => shuffle_step(&book, signer, contest, index, t, rng)?,
                Due::Shares {
                    contest,
                    group,
                    t,
                    totals,
                    names,
                } => shares_step(&book, &share, contest, group, t, *totals, *names, rng)?,
            };
            let checked = check_own(&book, &made)?;
            Ok((made, summary, checked))
        })?;
        for (made, summary, checked) in made {
            apply_own(&mut book, &mut conduct, &made, checked)?;
            run.steps.push(made.into_step(summary)?);
        }
    }
    Ok(run)
}

/// `f` over `items` on up to `threads` scoped threads, the results in the items' order;
/// the first error (in that order) if any. With one thread (or one item) on the caller's
/// thread with `rng`; otherwise each thread draws from its own [`crate::crypto::SystemRng`].
fn par_map<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    rng: &mut dyn CryptoRngCore,
    f: &(dyn Fn(&T, &mut dyn CryptoRngCore) -> Result<U, E2eError> + Sync),
) -> Result<Vec<U>, E2eError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    if threads <= 1 || items.len() <= 1 {
        return items.iter().map(|x| f(x, rng)).collect();
    }
    let next = AtomicUsize::new(0);
    // Per thread (None if it stopped): its items' positions and results.
    type Part<U> = Option<Vec<(usize, Result<U, E2eError>)>>;
    let parts: Vec<Part<U>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut rng = crate::crypto::SystemRng;
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(x) = items.get(i) else { break };
                        mine.push((i, f(x, &mut rng)));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().ok()).collect()
    });
    let stopped = || {
        E2eError::Refused("计算步骤的线程意外停止 / a thread computing the steps stopped".into())
    };
    let mut out: Vec<Option<Result<U, E2eError>>> = (0..items.len()).map(|_| None).collect();
    for part in parts {
        let part = part.ok_or_else(stopped)?;
        for (i, r) in part {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(r);
            }
        }
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(stopped())))
        .collect()
}

/// A counting step as made, before it becomes a [`Step`]: its typed body, so that it is
/// checked and applied locally without being read back from JSON.
enum Made {
    Shuffle(ShuffleBody),
    Shares(DecryptionSharesBody),
}

impl Made {
    fn into_step(self, summary: String) -> Result<Step, E2eError> {
        match self {
            Made::Shuffle(b) => step(EntryKind::Shuffle, &b, summary),
            Made::Shares(b) => step(EntryKind::DecryptionShares, &b, summary),
        }
    }
}

/// A shuffle of a contest's write-in names as they stand, with its proof, signed; and what
/// it is, in words.
fn shuffle_step(
    book: &Book,
    signer: &Signer,
    contest: &str,
    index: u32,
    t: &ContestTally,
    rng: &mut dyn CryptoRngCore,
) -> Result<(Made, String), E2eError> {
    let key = book.key().ok_or(E2eError::NoKey)?;
    let election = book.election_id();
    let position = u32::try_from(t.shufflers.len()).unwrap_or(u32::MAX);
    let input = t.current_names()?;
    let (output, proof) = shuffle(
        key,
        &shuffle_context(election, contest, index, position),
        input,
        rng,
    )
    .map_err(crypto("混洗", "shuffle"))?;
    let out_bytes = encode_vectors(&output);
    let proof_bytes = proof.to_bytes();
    let mut payload = out_bytes.clone();
    payload.extend_from_slice(&proof_bytes);
    Ok((
        Made::Shuffle(ShuffleBody {
            contest: contest.to_string(),
            index,
            count: input.len() as u64,
            output: BASE64.encode(&out_bytes),
            proof: BASE64.encode(&proof_bytes),
            signature: sign(signer, "shuffle", election, contest, &payload),
        }),
        format!(
            "“{contest}”: 混洗 {} 个写入姓名 / shuffle {} write-in names",
            input.len(),
            input.len()
        ),
    ))
}

/// Decryption shares of a contest's summed totals (`totals`) and of its names as they stand
/// (`names`), with their proofs; and what they are, in words.
#[allow(clippy::too_many_arguments)]
fn shares_step(
    book: &Book,
    share: &KeyShare,
    contest: &str,
    group: &str,
    t: &ContestTally,
    totals: bool,
    names: bool,
    rng: &mut dyn CryptoRngCore,
) -> Result<(Made, String), E2eError> {
    let election = book.election_id();
    let total_bytes: Vec<u8> = if totals {
        t.sums()
            .iter()
            .flat_map(|ct| decryption_share(election, share, ct, rng).to_bytes())
            .collect()
    } else {
        Vec::new()
    };
    let name_bytes: Vec<u8> = if names {
        t.current_names()?
            .iter()
            .flatten()
            .flat_map(|ct| decryption_share(election, share, ct, rng).to_bytes())
            .collect()
    } else {
        Vec::new()
    };
    let label = if group.is_empty() {
        format!("“{contest}”")
    } else {
        format!("“{contest}” ({group})")
    };
    let summary = if totals {
        format!(
            "{label}: {} 张选票总数的解密份额 / decryption shares of the totals of {} ballots",
            t.ballots, t.ballots
        )
    } else {
        let n = t.current_names()?.len();
        format!("{label}: {n} 个写入姓名的解密份额 / decryption shares of {n} write-in names")
    };
    Ok((
        Made::Shares(DecryptionSharesBody {
            contest: contest.to_string(),
            group: group.to_string(),
            index: share.index(),
            totals: if total_bytes.is_empty() {
                String::new()
            } else {
                BASE64.encode(&total_bytes)
            },
            names: if name_bytes.is_empty() {
                String::new()
            } else {
                BASE64.encode(&name_bytes)
            },
        }),
        summary,
    ))
}

/// Checks one of this teller's own steps as the service will (the book's checks: the
/// shuffle's proof, the shares' proofs), against the book as it stood before the pass.
fn check_own(book: &Book, made: &Made) -> Result<CheckedStep, E2eError> {
    match made {
        Made::Shuffle(b) => book.check_shuffle(b),
        Made::Shares(b) => book.check_shares(b),
    }
}

/// Applies one of this teller's own steps, checked by [`check_own`], to local copies of
/// the book and conduct, with the conduct's checks the service will make, so that a step it
/// makes due (its shuffle completing the chain, so its shares follow) can be computed in
/// the same run.
fn apply_own(
    book: &mut Book,
    conduct: &mut Conduct,
    made: &Made,
    checked: CheckedStep,
) -> Result<(), E2eError> {
    let refused = |x: &dyn std::fmt::Display| E2eError::Refused(x.to_string());
    match made {
        Made::Shuffle(b) => conduct
            .shuffle(&b.contest, b.index, book.names_due(&b.contest))
            .map_err(|x| refused(&x))?,
        Made::Shares(b) => conduct
            .decryption_shares(&b.contest, &b.group, b.index, book.shares_entry(b))
            .map_err(|x| refused(&x))?,
    }
    book.apply_step(checked);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_small_total_is_allowed_by_its_contest_or_its_contest_and_group() {
        let named = vec!["d1".to_string(), "县/2026/中层".to_string()];
        let only = SmallTotals::Only(&named);
        assert!(only.allows("d1", "") && only.allows("d1", "干部"));
        // A contest id holding `/`: its group named after the whole id.
        assert!(only.allows("县/2026", "中层"));
        assert!(!only.allows("县/2026", "职工") && !only.allows("县/2026", ""));
        assert!(!only.allows("d2", "") && !only.allows("d", "1"));
    }

    #[test]
    fn a_prefix_verified_under_older_checks_is_not_trusted() {
        let mut st = TellerState::default();
        st.seen_size = 5;
        st.seen_root = hex(&[1; 32]);
        st.tallies = BASE64.encode(b"saved");
        st.checks = CHECKS_REVISION;
        assert_eq!(st.verified_prefix(), Some((5, [1; 32])));
        assert!(st.saved_tallies().is_some());
        // A state file of an older tool (no revision): verified again, whole.
        st.checks = 0;
        assert_eq!(st.verified_prefix(), None);
        assert_eq!(st.saved_tallies(), None);
        let old: TellerState =
            serde_json::from_str(r#"{"election":"e","index":1,"attempt":1,"seen_size":5}"#)
                .unwrap();
        assert_eq!(old.checks, 0);
    }

    #[test]
    fn a_damaged_hex_field_is_an_error_not_a_panic() {
        assert_eq!(unhex("00ff7a").unwrap(), vec![0, 255, 0x7a]);
        // "é" is two bytes: an even length whose byte pairs cut a character.
        for bad in ["é", "aé", "0", "zz", "+1", "éé"] {
            assert!(unhex(bad).is_err(), "{bad:?}");
        }
    }

    /// An RNG that counts its draws (zeros: only the count matters here).
    struct Counting(u64);

    impl rand_core::RngCore for Counting {
        fn next_u32(&mut self) -> u32 {
            self.0 += 1;
            0
        }
        fn next_u64(&mut self) -> u64 {
            self.0 += 1;
            0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            self.0 += 1;
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl rand_core::CryptoRng for Counting {}

    #[test]
    fn par_map_keeps_the_items_order_and_reports_the_first_failure_in_it() {
        let items: Vec<u32> = (0..50).collect();
        for threads in [1, 2, 8, 100] {
            let mut rng = Counting(0);
            let out = par_map(&items, threads, &mut rng, &|x, _| Ok(x * 2)).unwrap();
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
            let err = par_map(&items, threads, &mut rng, &|x, _| {
                if *x % 7 == 3 {
                    Err(E2eError::Refused(format!("item {x}")))
                } else {
                    Ok(*x)
                }
            })
            .unwrap_err();
            assert!(err.to_string().contains("item 3"), "{threads}: {err}");
            assert!(par_map(&[] as &[u32], threads, &mut rng, &|x, _| Ok(*x))
                .unwrap()
                .is_empty());
        }
    }

    #[test]
    fn par_map_draws_from_the_callers_rng_only_on_one_thread() {
        let items: Vec<u32> = (0..8).collect();
        let draw =
            |_: &u32, rng: &mut dyn CryptoRngCore| -> Result<u32, E2eError> { Ok(rng.next_u32()) };
        let mut rng = Counting(0);
        par_map(&items, 1, &mut rng, &draw).unwrap();
        assert_eq!(rng.0, 8);
        let mut rng = Counting(0);
        par_map(&items, 2, &mut rng, &draw).unwrap();
        assert_eq!(rng.0, 0, "threads draw from the system's generator");
    }
}
