//! The election state the log implies: which contests are open or closed, the token pools,
//! the spent serials, the results. One state machine serves both the append path (check, then
//! apply after the batch is durable) and start-up replay, so a restart reaches exactly the
//! state the running service had.

use std::collections::{HashMap, HashSet};

use ed25519_dalek::VerifyingKey;

use super::keys::parse_election_key;
use super::LedgerError;
use crate::record::entry::{
    BallotBody, ContestClosed, ContestCreated, ContestOpened, ElectionRegistered, Entry, EntryKind,
    PaperBallot, PoolRegistered, ResultBody, RunoffCreated, Style, TellerSignature, TokensVoided,
};
use crate::record::note::Verifier;
use crate::record::parse_election;
use crate::rules::Election;

pub struct ElectionInfo {
    pub id: String,
    pub election: Election,
    pub spec: serde_json::Value,
    pub styles: Vec<Style>,
    pub election_key: VerifyingKey,
    pub log_key: Verifier,
    pub tellers: Vec<Verifier>,
    pub signatures_required: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pool {
    pub count: u64,
    pub spent: u64,
    pub voided: bool,
}

#[derive(Default)]
pub struct State {
    pub election: Option<ElectionInfo>,
    pub opened: HashSet<String>,
    pub closed: HashMap<String, ContestClosed>,
    pub pools: HashMap<(u8, u16), Pool>,
    pub spent: HashSet<[u8; 16]>,
    pub results: Vec<(u64, ResultBody)>,
    pub signatures: Vec<(u64, TellerSignature)>,
    pub ballots: u64,
    pub paper_ballots: u64,
    pub size: u64,
    /// Entry indices of the ballots cast per style, in log order, so a tally reads only the
    /// entries of its contests instead of the whole log.
    pub style_ballots: HashMap<u16, Vec<u64>>,
    /// Entry indices of the paper ballots per contest, in log order.
    pub paper_entries: HashMap<String, Vec<u64>>,
}

/// A ballot's facts the sequencer needs: its serial and where it belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotKey {
    pub serial: [u8; 16],
    pub round: u8,
    pub style: u16,
}

fn body<T: for<'de> serde::Deserialize<'de>>(e: &Entry) -> Result<T, LedgerError> {
    e.body_as().map_err(|err| LedgerError::Refused {
        code: "entry_body",
        message: err.to_string(),
    })
}

fn refused(code: &'static str, message: String) -> LedgerError {
    LedgerError::Refused { code, message }
}

impl State {
    pub fn info(&self) -> Result<&ElectionInfo, LedgerError> {
        self.election.as_ref().ok_or(LedgerError::NotInitialised)
    }

    pub fn style(&self, round: u8, style: u16) -> Result<&Style, LedgerError> {
        let info = self.info()?;
        match info.styles.get(style as usize) {
            Some(s) if s.round == round => Ok(s),
            _ => Err(refused(
                "unknown_style",
                format!(
                    "第 {round} 轮没有选票样式 {style} / round {round} has no ballot style {style}"
                ),
            )),
        }
    }

    /// Whether ballots of this style may be cast now: every contest opened and none closed.
    pub fn style_open(&self, round: u8, style: u16) -> Result<(), LedgerError> {
        let s = self.style(round, style)?;
        for c in &s.contests {
            if !self.opened.contains(c) {
                return Err(refused(
                    "contest_not_open",
                    format!("选举项目 “{c}” 尚未开始投票 / contest “{c}” is not open"),
                ));
            }
            if self.closed.contains_key(c) {
                return Err(refused(
                    "contest_closed",
                    format!("选举项目 “{c}” 已结束投票 / contest “{c}” is closed"),
                ));
            }
        }
        Ok(())
    }

    /// Checks a ballot against the state plus what the current batch already holds.
    pub fn check_ballot(
        &self,
        key: &BallotKey,
        batch_serials: &HashSet<[u8; 16]>,
        batch_spent: &HashMap<(u8, u16), u64>,
    ) -> Result<(), LedgerError> {
        self.style_open(key.round, key.style)?;
        if self.spent.contains(&key.serial) || batch_serials.contains(&key.serial) {
            return Err(LedgerError::TokenSpent);
        }
        let pool = self
            .pools
            .get(&(key.round, key.style))
            .copied()
            .unwrap_or_default();
        if pool.voided {
            return Err(refused(
                "tokens_voided",
                "此选票样式的选票码已作废 / the tokens of this style were voided at close".into(),
            ));
        }
        let pending = batch_spent
            .get(&(key.round, key.style))
            .copied()
            .unwrap_or(0);
        if pool.spent + pending >= pool.count {
            return Err(refused(
                "pool_exhausted",
                format!(
                    "已用选票码 {} 张, 已登记 {} 张 / {} tokens spent of {} registered",
                    pool.spent + pending,
                    pool.count,
                    pool.spent + pending,
                    pool.count
                ),
            ));
        }
        Ok(())
    }

    /// Checks an entry that is not a ballot before it is appended.
    pub fn check_admin(&self, e: &Entry) -> Result<(), LedgerError> {
        match e.kind {
            EntryKind::ElectionRegistered => {
                if self.size != 0 {
                    return Err(refused(
                        "already_initialised",
                        "日志已有选举 / the log already holds an election".into(),
                    ));
                }
                let b: ElectionRegistered = body(e)?;
                election_info(&b).map(|_| ())
            }
            EntryKind::Ballot => Err(refused(
                "ballot_via_admin",
                "选票须经投票途径提交 / ballots go through casting".into(),
            )),
            _ if self.election.is_none() => Err(LedgerError::NotInitialised),
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(e)?;
                self.contest_exists(&b.contest)?;
                if self.opened.contains(&b.contest) {
                    return Err(refused(
                        "contest_already_open",
                        format!(
                            "选举项目 “{}” 已开始 / contest “{}” is already open",
                            b.contest, b.contest
                        ),
                    ));
                }
                Ok(())
            }
            EntryKind::PoolRegistered => {
                let b: PoolRegistered = body(e)?;
                self.style(b.round, b.style).map(|_| ())
            }
            EntryKind::CheckInCount => Ok(()),
            EntryKind::ContestClosed => {
                let b: ContestClosed = body(e)?;
                if !self.opened.contains(&b.contest) {
                    return Err(refused(
                        "contest_not_open",
                        format!(
                            "选举项目 “{}” 尚未开始 / contest “{}” is not open",
                            b.contest, b.contest
                        ),
                    ));
                }
                if self.closed.contains_key(&b.contest) {
                    return Err(refused(
                        "contest_closed",
                        format!(
                            "选举项目 “{}” 已结束 / contest “{}” is already closed",
                            b.contest, b.contest
                        ),
                    ));
                }
                Ok(())
            }
            EntryKind::TokensVoided => {
                let b: TokensVoided = body(e)?;
                let style = self.style(b.round, b.style)?;
                if let Some(c) = style
                    .contests
                    .iter()
                    .find(|c| !self.closed.contains_key(*c))
                {
                    return Err(refused(
                        "contest_not_closed",
                        format!("选举项目 “{c}” 尚未结束 / contest “{c}” is not closed"),
                    ));
                }
                Ok(())
            }
            EntryKind::Result => {
                let b: ResultBody = body(e)?;
                if let Some(c) = b.contests.iter().find(|c| !self.closed.contains_key(*c)) {
                    return Err(refused(
                        "contest_not_closed",
                        format!("选举项目 “{c}” 尚未结束 / contest “{c}” is not closed"),
                    ));
                }
                Ok(())
            }
            EntryKind::TellerSignature => {
                let b: TellerSignature = body(e)?;
                if !self.results.iter().any(|(i, _)| *i == b.result_index) {
                    return Err(refused(
                        "unknown_result",
                        format!(
                            "第 {} 条不是计票结果 / entry {} is not a result",
                            b.result_index, b.result_index
                        ),
                    ));
                }
                Ok(())
            }
            EntryKind::RunoffCreated => {
                let b: RunoffCreated = body(e)?;
                self.contest_exists(&b.parent)?;
                let info = self.info()?;
                with_contest(info, &b.contest, &b.style).map(|_| ())
            }
            EntryKind::ContestCreated => {
                let b: ContestCreated = body(e)?;
                self.contest_exists(&b.from)?;
                let info = self.info()?;
                with_contest(info, &b.contest, &b.style).map(|_| ())
            }
            EntryKind::PaperBallot => {
                let b: PaperBallot = body(e)?;
                self.contest_exists(&b.contest)?;
                if !self.opened.contains(&b.contest) {
                    return Err(refused(
                        "contest_not_open",
                        format!(
                            "选举项目 “{}” 尚未开始 / contest “{}” is not open",
                            b.contest, b.contest
                        ),
                    ));
                }
                if self.closed.contains_key(&b.contest) {
                    return Err(refused(
                        "contest_closed",
                        format!(
                            "选举项目 “{}” 已结束 / contest “{}” is closed",
                            b.contest, b.contest
                        ),
                    ));
                }
                let info = self.info()?;
                let mode = contest_mode(&info.spec, &b.contest);
                if mode != "paper" && mode != "hybrid" {
                    return Err(refused("not_a_paper_contest", format!("选举项目 “{}” 不收纸质选票 (mode: {mode}) / contest “{}” takes no paper ballots (mode: {mode})", b.contest, b.contest)));
                }
                if b.ballot.get("contest").and_then(|c| c.as_str()) != Some(b.contest.as_str()) {
                    return Err(refused("ballot_style_mismatch", "纸质选票的 contest 与选举项目不符 / the paper ballot names another contest".into()));
                }
                crate::record::ballot::parse_ballot_line(&info.election, 1, &b.ballot.to_string())
                    .map_err(LedgerError::Ballot)?;
                Ok(())
            }
        }
    }

    fn contest_exists(&self, id: &str) -> Result<(), LedgerError> {
        match self.info()?.election.contest_index(id) {
            Some(_) => Ok(()),
            None => Err(refused(
                "unknown_contest",
                format!("选举项目 “{id}” 不存在 / no contest “{id}”"),
            )),
        }
    }

    /// Applies an entry that is durable. `ballot` carries the ballot's key for ballots.
    pub fn apply(
        &mut self,
        index: u64,
        e: &Entry,
        ballot: Option<BallotKey>,
    ) -> Result<(), LedgerError> {
        match e.kind {
            EntryKind::ElectionRegistered => {
                let b: ElectionRegistered = body(e)?;
                self.election = Some(election_info(&b)?);
            }
            EntryKind::ContestOpened => {
                let b: ContestOpened = body(e)?;
                self.opened.insert(b.contest);
            }
            EntryKind::Ballot => {
                let key =
                    ballot.ok_or_else(|| refused("entry_body", "ballot without token".into()))?;
                self.spent.insert(key.serial);
                self.pools.entry((key.round, key.style)).or_default().spent += 1;
                self.style_ballots.entry(key.style).or_default().push(index);
                self.ballots += 1;
            }
            EntryKind::PoolRegistered => {
                let b: PoolRegistered = body(e)?;
                self.pools.entry((b.round, b.style)).or_default().count += b.count;
            }
            EntryKind::CheckInCount => {}
            EntryKind::ContestClosed => {
                let b: ContestClosed = body(e)?;
                self.closed.insert(b.contest.clone(), b);
            }
            EntryKind::TokensVoided => {
                let b: TokensVoided = body(e)?;
                self.pools.entry((b.round, b.style)).or_default().voided = true;
            }
            EntryKind::Result => {
                let b: ResultBody = body(e)?;
                self.results.push((index, b));
            }
            EntryKind::TellerSignature => {
                let b: TellerSignature = body(e)?;
                self.signatures.push((index, b));
            }
            EntryKind::RunoffCreated => {
                let b: RunoffCreated = body(e)?;
                let info = self.info()?;
                let next = with_contest(info, &b.contest, &b.style)?;
                self.election = Some(next);
            }
            EntryKind::ContestCreated => {
                let b: ContestCreated = body(e)?;
                let info = self.info()?;
                let next = with_contest(info, &b.contest, &b.style)?;
                self.election = Some(next);
            }
            EntryKind::PaperBallot => {
                let b: PaperBallot = body(e)?;
                self.paper_entries.entry(b.contest).or_default().push(index);
                self.paper_ballots += 1;
            }
        }
        self.size = index + 1;
        Ok(())
    }
}

/// The ballot key of a ballot entry's body.
pub fn ballot_key(e: &Entry) -> Result<BallotKey, LedgerError> {
    let b: BallotBody = body(e)?;
    let token = crate::tokens::token_from_base64(&b.token).map_err(LedgerError::Token)?;
    Ok(BallotKey {
        serial: *token.serial(),
        round: token.round(),
        style: token.style(),
    })
}

pub fn election_info(b: &ElectionRegistered) -> Result<ElectionInfo, LedgerError> {
    let election =
        parse_election(b.spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
    let election_key = parse_election_key(&b.election_key).ok_or_else(|| {
        refused(
            "bad_key",
            "选举公钥无效 / the election key is invalid".into(),
        )
    })?;
    let log_key = Verifier::parse(&b.log_key).map_err(|e| refused("bad_key", e.to_string()))?;
    let mut tellers = Vec::new();
    for t in &b.tellers {
        tellers.push(Verifier::parse(t).map_err(|e| refused("bad_key", e.to_string()))?);
    }
    if b.signatures_required as usize > tellers.len() {
        return Err(refused(
            "signatures_required",
            format!(
                "需要 {} 个签名, 但只有 {} 名计票人 / {} signatures required but {} tellers",
                b.signatures_required,
                tellers.len(),
                b.signatures_required,
                tellers.len()
            ),
        ));
    }
    if b.styles.is_empty() || b.styles.len() > usize::from(u16::MAX) {
        return Err(refused(
            "styles",
            "须有 1 至 65535 个选票样式 / needs 1 to 65535 ballot styles".into(),
        ));
    }
    for (i, s) in b.styles.iter().enumerate() {
        if s.contests.is_empty() || s.round == 0 {
            return Err(refused(
                "styles",
                format!(
                    "选票样式 {i} 须有选举项目和轮次 / style {i} needs contests and a round ≥ 1"
                ),
            ));
        }
        for c in &s.contests {
            if election.contest_index(c).is_none() {
                return Err(refused(
                    "styles",
                    format!("选票样式 {i} 的 “{c}” 不存在 / style {i} names no contest “{c}”"),
                ));
            }
        }
    }
    Ok(ElectionInfo {
        id: election.id.clone(),
        election,
        spec: b.spec.clone(),
        styles: b.styles.clone(),
        election_key,
        log_key,
        tellers,
        signatures_required: b.signatures_required,
    })
}

/// A contest's ballot mode in the spec: `electronic` unless it says `paper` or `hybrid`.
pub fn contest_mode(spec: &serde_json::Value, contest: &str) -> String {
    spec.get("contests")
        .and_then(|c| c.as_array())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(contest))
        })
        .and_then(|c| c.get("mode"))
        .and_then(|m| m.as_str())
        .unwrap_or("electronic")
        .to_string()
}

/// The election with a contest (a runoff, or a later round) and its ballot style added.
fn with_contest(
    info: &ElectionInfo,
    contest: &serde_json::Value,
    style: &Style,
) -> Result<ElectionInfo, LedgerError> {
    let mut spec = info.spec.clone();
    if let Some(contests) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
        contests.push(contest.clone());
    }
    let election = parse_election(spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
        code: e.code(),
        message: e.to_string(),
    })?;
    let mut styles = info.styles.clone();
    styles.push(style.clone());
    Ok(ElectionInfo {
        id: info.id.clone(),
        election,
        spec,
        styles,
        election_key: info.election_key,
        log_key: info.log_key.clone(),
        tellers: info.tellers.clone(),
        signatures_required: info.signatures_required,
    })
}
