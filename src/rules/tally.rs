//! The tally of RULES.md sections 1-2: reconciliation, quorum, validity, the elected
//! threshold with its denominator, ranking, ties at the cut-off, and runoff proposals.
//!
//! A contest is decided from its totals (`totals.rs`): counting ballots is "their totals,
//! then [`tally_totals`]", the one deciding path, so a contest counted from ballots and the
//! same contest counted from decrypted totals get the same result.
//!
//! Invariant: the result depends only on the multiset of ballots, never on their order, and
//! no tie is ever broken by name, position or chance.

use super::ballot::Ballot;
use super::contest::{Contest, RunoffOf, RunoffReason};
use super::election::Election;
use super::evaluation::{evaluate, EvaluationOutcome};
use super::kind::{Bar, Bounds, ContestKind, Quorum, Threshold};
use super::notice::Notice;
use super::ranking::{rank, RankingResult};
use super::ratio::Ratio;
use super::structure::{check_structure, StructureReport};
use super::totals::{CandidateTotals, ContestTotals, Counts, EvaluationTotals};

/// A person's outcome in a contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Elected,
    NotElected,
    /// Tied at the last seat; goes to a new vote among the tied.
    Tied,
    /// Recommendation with a shortlist: on it.
    Shortlisted,
    /// Recommendation with a shortlist: off it.
    NotShortlisted,
    /// Recommendation without a shortlist: ranked only.
    Ranked,
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Elected => "elected",
            Status::NotElected => "not_elected",
            Status::Tied => "tied",
            Status::Shortlisted => "shortlisted",
            Status::NotShortlisted => "not_shortlisted",
            Status::Ranked => "ranked",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BallotCounts {
    pub issued: u64,
    pub returned: u64,
    pub valid: u64,
    pub void: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateTally {
    pub votes_for: u64,
    pub against: u64,
    pub abstain: u64,
    pub status: Status,
    /// Competition rank by votes in favour (1, 2, 2, 4 ...).
    pub rank: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteInTally {
    pub name: String,
    pub votes_for: u64,
    pub status: Status,
    pub rank: u32,
}

/// A new vote the rules call for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunoffProposal {
    pub reason: RunoffReason,
    pub seats: u32,
    /// Candidate ids, most votes first; write-ins as `write-in:NAME`.
    pub candidates: Vec<String>,
    pub threshold: Option<Threshold>,
    /// The statutory list size for a shortfall round.
    pub list_bounds: Option<Bounds>,
    /// The list was widened to include everyone tied at its boundary.
    pub boundary_tie: bool,
    /// Fewer candidates were left than the list size asks for.
    pub short_list: bool,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumCheck {
    pub rule: Quorum,
    pub met: bool,
}

/// The result of one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestResult {
    pub contest: usize,
    /// False when the round is invalid (reconciliation or quorum) and must be re-run.
    pub valid: bool,
    pub problems: Vec<Notice>,
    pub warnings: Vec<Notice>,
    pub ballots: BallotCounts,
    pub void_reasons: Vec<(&'static str, u64)>,
    pub quorum: Option<QuorumCheck>,
    pub threshold: Option<Threshold>,
    /// The count the threshold is measured against.
    pub threshold_base_count: Option<u64>,
    /// The fewest votes that clear the threshold.
    pub threshold_votes: Option<u64>,
    /// In the contest's candidate order.
    pub candidates: Vec<CandidateTally>,
    /// By votes, then name.
    pub write_ins: Vec<WriteInTally>,
    /// Ids of the elected, most votes first (write-ins as `write-in:NAME`).
    pub elected: Vec<String>,
    pub unfilled_seats: u32,
    pub runoff: Option<RunoffProposal>,
    pub evaluation: Option<EvaluationOutcome>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionResult {
    pub contests: Vec<ContestResult>,
    pub rankings: Vec<RankingResult>,
    pub structure: Vec<StructureReport>,
    pub warnings: Vec<Notice>,
}

/// The prefix that marks a write-in person where an id is expected.
pub const WRITE_IN_PREFIX: &str = "write-in:";

/// Fewest votes that clear `t` when its base counts `base`; none for "most votes" on a
/// closed list (every candidate is ranked).
fn threshold_votes(t: Threshold, base: u64) -> Option<u64> {
    match t.bar {
        Bar::MoreThanHalf => Some(base / 2 + 1),
        Bar::AtLeastThird => Some(base.div_ceil(3).max(1)),
        Bar::Plurality => Some(1),
        Bar::Most => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Person {
    Candidate(usize),
    WriteIn(usize),
}

/// Tallies every contest of an election. `ballots[i]` are the ballots of `contests[i]`
/// (none when missing): their totals, then [`tally_election_totals`].
pub fn tally_election(election: &Election, ballots: &[Vec<Ballot>]) -> ElectionResult {
    let totals: Vec<ContestTotals> = election
        .contests
        .iter()
        .enumerate()
        .map(|(i, c)| ContestTotals::of_ballots(c, ballots.get(i).map_or(&[], Vec::as_slice)))
        .collect();
    tally_election_totals(election, &totals)
}

/// Tallies every contest of an election from its totals. `totals[i]` are the totals of
/// `contests[i]` (no ballot when missing). Adds what needs the whole election: warnings on
/// runoffs that differ from their parent's proposal, composite rankings from evaluation
/// scores, and the delegate structure reports.
pub fn tally_election_totals(election: &Election, totals: &[ContestTotals]) -> ElectionResult {
    let mut contests: Vec<ContestResult> = election
        .contests
        .iter()
        .enumerate()
        .map(|(i, c)| match totals.get(i) {
            Some(t) => tally_totals(i, c, t),
            None => tally_totals(i, c, &ContestTotals::empty(c)),
        })
        .collect();

    // A runoff that differs from what its parent's result proposed is worth a warning.
    for i in 0..contests.len() {
        let contest = &election.contests[i];
        let Some(link) = contest.runoff_of() else {
            continue;
        };
        let Some(p) = election.contest_index(&link.parent) else {
            continue;
        };
        if contests[p].ballots.returned == 0 {
            continue;
        }
        let warning = compare_with_proposal(contest, link, &election.contests[p], &contests[p]);
        if let Some(w) = warning {
            contests[i].warnings.push(w);
        }
    }

    let rankings = election
        .rankings
        .iter()
        .map(|r| {
            rank(r, &|contest, subject| {
                let ci = election.contest_index(contest)?;
                let setup = election.contests[ci].evaluation().as_ref()?;
                let si = setup.subject_index(subject)?;
                let result = &contests[ci];
                if !result.valid {
                    return None;
                }
                result.evaluation.as_ref()?.subjects.get(si)?.score
            })
        })
        .collect();

    let structure = structure_reports(election, &contests);
    ElectionResult {
        contests,
        rankings,
        structure,
        warnings: Vec::new(),
    }
}

fn compare_with_proposal(
    contest: &Contest,
    link: &RunoffOf,
    parent: &Contest,
    parent_result: &ContestResult,
) -> Option<Notice> {
    let Some(proposal) = &parent_result.runoff else {
        return Some(Notice::new(
            "runoff_not_proposed",
            format!(
                "上一轮 “{}” 的结果没有提出另行选举 / the result of “{}” proposes no runoff",
                parent.id(),
                parent.id()
            ),
        ));
    };
    let mut listed: Vec<String> = contest
        .candidates()
        .iter()
        .map(|c| {
            match parent
                .candidates()
                .iter()
                .find(|p| p.id == c.id || p.name == c.name)
            {
                Some(p) => p.id.clone(),
                None => format!("{WRITE_IN_PREFIX}{}", c.name),
            }
        })
        .collect();
    let mut proposed = proposal.candidates.clone();
    listed.sort();
    proposed.sort();
    if proposal.reason != link.reason || proposal.seats != contest.seats() || listed != proposed {
        return Some(Notice::new(
            "runoff_differs_from_proposal",
            format!(
                "本轮 ({}, {} 名, 候选人 {}) 与上一轮结果提出的 ({}, {} 名, 候选人 {}) 不同 / this round ({}, {} seats, {}) differs from the proposal ({}, {} seats, {})",
                link.reason.id(), contest.seats(), listed.join(","),
                proposal.reason.id(), proposal.seats, proposed.join(","),
                link.reason.id(), contest.seats(), listed.join(","),
                proposal.reason.id(), proposal.seats, proposed.join(","),
            ),
        ));
    }
    None
}

fn structure_reports(election: &Election, results: &[ContestResult]) -> Vec<StructureReport> {
    let delegates: Vec<usize> = election
        .contests
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind() == ContestKind::PartyDelegates && c.runoff_of().is_none())
        .map(|(i, _)| i)
        .collect();
    if delegates.is_empty() {
        return Vec::new();
    }
    let seats: u64 = delegates
        .iter()
        .map(|i| u64::from(election.contests[*i].seats()))
        .sum();
    let candidates: Vec<_> = delegates
        .iter()
        .flat_map(|i| {
            election.contests[*i]
                .candidates()
                .iter()
                .map(|c| &c.attributes)
        })
        .collect();
    let mut reports = Vec::new();
    if let Some(r) = check_structure(&election.structure, &candidates, "candidates", seats) {
        reports.push(r);
    }
    let elected: Vec<_> = delegates
        .iter()
        .flat_map(|i| {
            let c = &election.contests[*i];
            results[*i]
                .candidates
                .iter()
                .zip(c.candidates())
                .filter(|(t, _)| t.status == Status::Elected)
                .map(|(_, cand)| &cand.attributes)
        })
        .collect();
    if !elected.is_empty() {
        if let Some(r) = check_structure(&election.structure, &elected, "elected", seats) {
            reports.push(r);
        }
    }
    reports
}

/// Tallies one contest from its ballots: their totals, then [`tally_totals`].
pub fn tally_contest(index: usize, contest: &Contest, ballots: &[Ballot]) -> ContestResult {
    tally_totals(index, contest, &ContestTotals::of_ballots(contest, ballots))
}

/// Tallies one contest from its totals: reconciliation, quorum, then the decision. Totals
/// that fail [`ContestTotals::check`] make the round invalid (`totals_inconsistent`), and
/// no one is elected on them.
pub fn tally_totals(index: usize, contest: &Contest, totals: &ContestTotals) -> ContestResult {
    let returned = totals.returned;
    let t = contest.turnout();
    let mut problems = Vec::new();
    let mut warnings = contest.warnings().clone();

    // EL Art. 44; 1990 BER Art. 19: R > I ⇒ the round is invalid.
    if returned > t.issued {
        problems.push(Notice::new(
            "returned_exceeds_issued",
            format!(
                "收回选票 {returned} 张多于发出选票 {} 张, 本次选举无效, 应重新选举 / {returned} ballots returned exceed {} issued: the round is invalid and must be re-run",
                t.issued, t.issued
            ),
        ));
    }
    let quorum = contest.rules().quorum.map(|rule| QuorumCheck {
        rule,
        met: rule.is_met(t.present, t.eligible),
    });
    if let Some(q) = quorum {
        if !q.met {
            let op = match q.rule.comparison {
                super::kind::Comparison::MoreThan => ">",
                super::kind::Comparison::AtLeast => "≥",
            };
            problems.push(Notice::new(
                "quorum_not_met",
                format!(
                    "实到 {} 人, 应到 {} 人, 未达到法定人数 ({}·P {op} {}·E), 选举无效 / {} present of {} eligible misses the quorum {}·P {op} {}·E: the round is invalid",
                    t.present, t.eligible, q.rule.den, q.rule.num, t.present, t.eligible, q.rule.den, q.rule.num
                ),
            ));
        }
    }
    // Totals that no ballots could produce are not counted (a faulty decryption or merge).
    if let Err(e) = totals.check(contest) {
        problems.push(Notice::new(
            "totals_inconsistent",
            format!(
                "计票总数自相矛盾, 不能据此计票 / the totals are inconsistent and cannot be counted: {e}"
            ),
        ));
    }
    if returned > t.present && contest.kind() != ContestKind::Evaluation {
        warnings.push(Notice::new(
            "returned_exceeds_present",
            format!(
                "收回选票 {returned} 张多于实到 {} 人, 请核对 (委托投票?) / {returned} ballots returned exceed {} present: check (proxies?)",
                t.present, t.present
            ),
        ));
    }
    let valid_round = problems.is_empty();

    let mut result = ContestResult {
        contest: index,
        valid: valid_round,
        problems,
        warnings,
        ballots: BallotCounts {
            issued: t.issued,
            returned,
            valid: totals.valid(),
            void: totals.void,
        },
        void_reasons: totals.reported_void_reasons(),
        quorum,
        threshold: contest.rules().threshold,
        threshold_base_count: None,
        threshold_votes: None,
        candidates: Vec::new(),
        write_ins: Vec::new(),
        elected: Vec::new(),
        unfilled_seats: contest.seats(),
        runoff: None,
        evaluation: None,
    };

    if let Some(setup) = contest.evaluation() {
        let empty;
        let counts = match &totals.counts {
            Counts::Evaluation(e) => e,
            Counts::Candidates(_) => {
                empty = EvaluationTotals::empty(setup);
                &empty
            }
        };
        // Void ballots beyond the groups' are of the wrong shape (not evaluation ballots).
        let evaluation_void = counts.void();
        let outcome = evaluate(
            setup,
            counts,
            totals.evaluation_void_reasons(evaluation_void),
        );
        result.ballots.valid = outcome.valid;
        result.warnings.extend(outcome.warnings.iter().cloned());
        result.unfilled_seats = 0;
        result.evaluation = Some(outcome);
        return result;
    }

    let empty;
    let counts = match &totals.counts {
        Counts::Candidates(c) => c,
        Counts::Evaluation(_) => {
            empty = CandidateTotals::empty(contest);
            &empty
        }
    };
    count_candidates(contest, counts, &mut result);
    if !valid_round {
        for c in &mut result.candidates {
            c.status = Status::NotElected;
        }
        for w in &mut result.write_ins {
            w.status = Status::NotElected;
        }
        return result;
    }
    match contest.rules().threshold {
        Some(threshold) => decide_by_threshold(contest, threshold, &mut result),
        None => decide_by_rank(contest, &mut result),
    }
    result
}

/// Fills in the candidates and write-ins of `result` from the totals, with competition
/// ranks. Needs `result.ballots.valid`.
fn count_candidates(contest: &Contest, totals: &CandidateTotals, result: &mut ContestResult) {
    let valid = result.ballots.valid;
    result.candidates = (0..contest.candidates().len())
        .map(|i| {
            let marks = totals.candidates.get(i).copied().unwrap_or_default();
            CandidateTally {
                votes_for: marks.votes_for,
                against: marks.against,
                abstain: valid
                    .saturating_sub(marks.votes_for)
                    .saturating_sub(marks.against),
                status: Status::NotElected,
                rank: 0,
            }
        })
        .collect();
    // A name with no votes is nobody's vote: ballots never produce one.
    let mut w: Vec<WriteInTally> = totals
        .write_ins
        .iter()
        .filter(|(_, votes)| **votes > 0)
        .map(|(name, votes)| WriteInTally {
            name: name.clone(),
            votes_for: *votes,
            status: Status::NotElected,
            rank: 0,
        })
        .collect();
    w.sort_by(|a, b| {
        b.votes_for
            .cmp(&a.votes_for)
            .then_with(|| a.name.cmp(&b.name))
    });
    result.write_ins = w;

    // Competition ranks over everyone who can receive votes.
    let people = people_by_votes(result);
    let mut prev: Option<u64> = None;
    let mut rank = 0u32;
    for (pos, (p, v)) in people.iter().enumerate() {
        if prev != Some(*v) {
            rank = u32::try_from(pos + 1).unwrap_or(u32::MAX);
            prev = Some(*v);
        }
        set_rank(result, *p, rank);
    }
}

/// Everyone who can receive votes, most votes first. The order inside equal votes is the
/// list order then the write-in name; it is used for display only, never to decide.
fn people_by_votes(result: &ContestResult) -> Vec<(Person, u64)> {
    let mut people: Vec<(Person, u64)> = result
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (Person::Candidate(i), c.votes_for))
        .chain(
            result
                .write_ins
                .iter()
                .enumerate()
                .map(|(i, w)| (Person::WriteIn(i), w.votes_for)),
        )
        .collect();
    people.sort_by(|a, b| b.1.cmp(&a.1).then(order_key(a.0).cmp(&order_key(b.0))));
    people
}

fn order_key(p: Person) -> (u8, usize) {
    match p {
        Person::Candidate(i) => (0, i),
        Person::WriteIn(i) => (1, i),
    }
}

fn set_rank(result: &mut ContestResult, p: Person, rank: u32) {
    match p {
        Person::Candidate(i) => {
            if let Some(c) = result.candidates.get_mut(i) {
                c.rank = rank;
            }
        }
        Person::WriteIn(i) => {
            if let Some(w) = result.write_ins.get_mut(i) {
                w.rank = rank;
            }
        }
    }
}

fn set_status(result: &mut ContestResult, p: Person, status: Status) {
    match p {
        Person::Candidate(i) => {
            if let Some(c) = result.candidates.get_mut(i) {
                c.status = status;
            }
        }
        Person::WriteIn(i) => {
            if let Some(w) = result.write_ins.get_mut(i) {
                w.status = status;
            }
        }
    }
}

fn person_id(contest: &Contest, result: &ContestResult, p: Person) -> String {
    match p {
        Person::Candidate(i) => contest
            .candidates()
            .get(i)
            .map(|c| c.id.clone())
            .unwrap_or_default(),
        Person::WriteIn(i) => result
            .write_ins
            .get(i)
            .map(|w| format!("{WRITE_IN_PREFIX}{}", w.name))
            .unwrap_or_default(),
    }
}

fn decide_by_threshold(contest: &Contest, threshold: Threshold, result: &mut ContestResult) {
    let base = contest.base_count(threshold.base, result.ballots.returned);
    result.threshold_base_count = Some(base);
    result.threshold_votes = threshold_votes(threshold, base);
    let seats = contest.seats() as usize;
    let people = people_by_votes(result);
    let qualified: Vec<(Person, u64)> = people
        .iter()
        .copied()
        .filter(|(_, v)| threshold.is_met(*v, base))
        .collect();

    let mut elected: Vec<Person> = Vec::new();
    let mut tied: Vec<Person> = Vec::new();
    if qualified.len() <= seats {
        elected = qualified.iter().map(|(p, _)| *p).collect();
    } else {
        let last = qualified[seats - 1].1;
        let next = qualified[seats].1;
        if last > next {
            elected = qualified[..seats].iter().map(|(p, _)| *p).collect();
        } else {
            // EL Art. 45; LOL Art. 29; BER: a tie at the last seat goes to a new vote.
            for (p, v) in &qualified {
                if *v > last {
                    elected.push(*p);
                } else if *v == last {
                    tied.push(*p);
                }
            }
        }
    }
    for p in &elected {
        set_status(result, *p, Status::Elected);
    }
    for p in &tied {
        set_status(result, *p, Status::Tied);
    }
    result.elected = elected
        .iter()
        .map(|p| person_id(contest, result, *p))
        .collect();
    let unfilled = seats.saturating_sub(elected.len());
    result.unfilled_seats = u32::try_from(unfilled).unwrap_or(u32::MAX);

    if !tied.is_empty() {
        let ids: Vec<String> = tied
            .iter()
            .map(|p| person_id(contest, result, *p))
            .collect();
        let votes = qualified
            .iter()
            .find(|(p, _)| *p == tied[0])
            .map(|(_, v)| *v)
            .unwrap_or(0);
        let closed = contest.closes_tie_runoffs();
        result.runoff = Some(RunoffProposal {
            reason: RunoffReason::Tie,
            seats: result.unfilled_seats,
            threshold: Some(Threshold {
                bar: if closed { Bar::Most } else { Bar::Plurality },
                base: threshold.base,
            }),
            list_bounds: None,
            boundary_tie: false,
            short_list: false,
            message: format!(
                "{} 人均得 {votes} 票, 争最后 {} 个名额, 应就票数相等的候选人再次投票, 得票多的当选{} (选举法第45条; 党内选举条例) / {} candidates tied on {votes} votes for the last {} seat(s): a new vote among them, most votes wins{} (EL Art. 45; BER)",
                ids.len(), result.unfilled_seats,
                if closed { "; 不另选他人, 票数仍相等的再次投票" } else { "" },
                ids.len(), result.unfilled_seats,
                if closed { "; no write-in, and those still tied vote again" } else { "" }
            ),
            candidates: ids,
        });
        return;
    }
    if unfilled > 0 && contest.kind().has_shortfall_round() {
        result.runoff = Some(shortfall_proposal(contest, result));
    }
}

/// The list for a new round over the unfilled seats: the top not-elected listed candidates
/// by votes, as many as the lower bound of the kind's surplus rule, widened to everyone tied
/// at the boundary.
fn shortfall_proposal(contest: &Contest, result: &ContestResult) -> RunoffProposal {
    let unfilled = result.unfilled_seats;
    let bounds = contest.runoff_bounds(unfilled);
    let want = bounds.min as usize;
    let mut pool: Vec<(usize, u64)> = result
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status == Status::NotElected)
        .map(|(i, c)| (i, c.votes_for))
        .collect();
    pool.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut boundary_tie = false;
    let short_list = pool.len() < want;
    let take = if pool.len() <= want {
        pool.len()
    } else {
        let edge = pool[want - 1].1;
        let mut n = want;
        while n < pool.len() && pool[n].1 == edge {
            n += 1;
        }
        boundary_tie = n > want;
        n
    };
    let ids: Vec<String> = pool[..take]
        .iter()
        .map(|(i, _)| contest.candidates()[*i].id.clone())
        .collect();
    let threshold = contest.rules().shortfall_threshold;
    let range = match bounds.max {
        Some(max) if max != bounds.min => format!("{}-{}", bounds.min, max),
        _ => bounds.min.to_string(),
    };
    let (note_zh, note_en) = contest.kind().shortfall_note();
    let (rule_zh, rule_en) = threshold.map(|t| t.describe()).unwrap_or_default();
    let mut message = format!(
        "{unfilled} 个名额未选足, {note_zh}。另行选举候选人按第一次投票得票多少取前 {want} 名 (法定 {range} 名){}; 当选条件: {rule_zh}。 / {unfilled} seat(s) unfilled: {note_en}. The new round lists the top {want} not-elected candidates by votes (statutory {range}){}; to win: {rule_en}.",
        if boundary_tie { format!(", 因名单边界票数相等列入 {take} 名") } else { String::new() },
        if boundary_tie { format!("; a tie at the list boundary widens it to {take}") } else { String::new() },
    );
    if short_list {
        message.push_str(&format!(
            " 未当选的候选人只剩 {} 名, 少于 {want} 名 / only {} not-elected candidates remain, fewer than {want}",
            pool.len(),
            pool.len()
        ));
    }
    RunoffProposal {
        reason: RunoffReason::Shortfall,
        seats: unfilled,
        candidates: ids,
        threshold,
        list_bounds: Some(bounds),
        boundary_tie,
        short_list,
        message,
    }
}

/// Recommendation: rank by votes; optionally shortlist at `posts : candidates`, widened to
/// everyone tied at the boundary.
fn decide_by_rank(contest: &Contest, result: &mut ContestResult) {
    let people = people_by_votes(result);
    let Some(ratio) = contest.shortlist() else {
        for (p, _) in &people {
            set_status(result, *p, Status::Ranked);
        }
        result.unfilled_seats = 0;
        return;
    };
    let size = (u64::from(contest.seats()) * u64::from(ratio.candidates))
        .div_ceil(u64::from(ratio.posts)) as usize;
    let with_votes: Vec<(Person, u64)> = people.iter().copied().filter(|(_, v)| *v > 0).collect();
    let take = if with_votes.len() <= size {
        with_votes.len()
    } else {
        let edge = with_votes[size - 1].1;
        let mut n = size;
        while n < with_votes.len() && with_votes[n].1 == edge {
            n += 1;
        }
        if n > size {
            result.warnings.push(Notice::new(
                "shortlist_boundary_tie",
                format!(
                    "入围名单边界票数相等 ({edge} 票), 入围 {n} 人, 多于 {size} 人 / a tie at the shortlist boundary ({edge} votes) gives {n} names instead of {size}"
                ),
            ));
        }
        n
    };
    for (p, _) in &people {
        set_status(result, *p, Status::NotShortlisted);
    }
    for (p, _) in &with_votes[..take] {
        set_status(result, *p, Status::Shortlisted);
    }
    result.elected = with_votes[..take]
        .iter()
        .map(|(p, _)| person_id(contest, result, *p))
        .collect();
    result.unfilled_seats = 0;
}

/// The percentage of `part` over `whole`, two decimals (for display).
pub fn percent(part: u64, whole: u64) -> String {
    Ratio::of_counts(part, whole).percent_2dp()
}
