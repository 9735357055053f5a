//! One contest on the board: heading, turnout, validity, votes, the elected, the run-off
//! (the data of `templates/board/contest.html`; the template writes the markup).

use super::evaluation::{graded, scored, GradedView, ScoredView};
use super::*;
use crate::record::result_v1::{ContestV1, ParentV1};

/// A contest as the template shows it. Text is unescaped: the template escapes.
pub(super) struct ContestView {
    /// `contest`, or `contest long` for a contest that may break across pages.
    pub(super) class: &'static str,
    /// The contest's title, or its kind's Chinese name when it has none.
    pub(super) title: String,
    pub(super) kind_zh: String,
    /// Fixed text of the one table (printed as written: some have an apostrophe).
    pub(super) kind_en: &'static str,
    /// Whether the kind's Chinese name is shown beside the title (it differs from it).
    pub(super) show_kind_zh: bool,
    pub(super) seats: u64,
    pub(super) parent: Option<ParentView>,
    pub(super) eligible: u64,
    pub(super) present: u64,
    pub(super) issued: u64,
    pub(super) returned: u64,
    pub(super) valid_ballots: u64,
    pub(super) void_ballots: u64,
    pub(super) void_reasons: Vec<VoidReason>,
    pub(super) valid: bool,
    pub(super) problems: Vec<Bilingual>,
    pub(super) quorum: Option<QuorumView>,
    pub(super) threshold: Option<ThresholdView>,
    /// A graded evaluation's subjects (an evaluation shows no votes and no elected list).
    pub(super) graded: Option<GradedView>,
    /// A rated-score evaluation's subjects.
    pub(super) scored: Option<ScoredView>,
    /// The heading of a vote against: "不赞成" in party elections, "反对" elsewhere.
    pub(super) against_zh: &'static str,
    pub(super) rows: Vec<VoteRow>,
    /// A recommendation shortlists rather than elects.
    pub(super) recommendation: bool,
    /// 当选 or 入围, from the label table.
    pub(super) elected_zh: &'static str,
    /// The elected, sorted by the caller's order.
    pub(super) elected: Vec<String>,
    pub(super) unfilled: u64,
    pub(super) runoff: Option<RunoffView>,
    pub(super) warnings: Vec<Bilingual>,
}

/// The earlier round of a new round: its title (or id) and why there is a new round.
pub(super) struct ParentView {
    pub(super) earlier: String,
    pub(super) reason: Option<Bilingual>,
}

/// A void-ballot reason and how many ballots it voided.
pub(super) struct VoidReason {
    pub(super) label: Bilingual,
    pub(super) count: u64,
}

/// Whether the quorum was met, its formula and, when known, the rule in words.
pub(super) struct QuorumView {
    pub(super) met: bool,
    pub(super) formula: String,
    pub(super) words: Option<Words>,
}

/// A rule in Chinese and English words.
pub(super) struct Words {
    pub(super) zh: String,
    pub(super) en: String,
}

/// The threshold to be elected: its description (or rule) and the votes needed.
pub(super) struct ThresholdView {
    pub(super) shown: Bilingual,
    pub(super) needed: Option<u64>,
}

/// One row of the vote table: a candidate or a write-in.
pub(super) struct VoteRow {
    pub(super) rank: u64,
    pub(super) name: String,
    pub(super) write_in: bool,
    pub(super) votes_for: u64,
    /// A candidate's votes against and abstentions; `None` (a dash) for a write-in.
    pub(super) against: Option<u64>,
    pub(super) abstain: Option<u64>,
    pub(super) status: Bilingual,
    /// Elected or shortlisted: the row is set in bold.
    pub(super) won: bool,
}

/// The proposed new round: seats, reason, candidates (sorted) and the message.
pub(super) struct RunoffView {
    pub(super) seats: u64,
    pub(super) reason: Option<Bilingual>,
    pub(super) names: Vec<String>,
    pub(super) message: Option<Bilingual>,
}

/// The view of one contest; `all` are the result's contests (for a new round's parent).
pub(super) fn contest_view(
    contest: &ContestV1,
    all: &[ContestV1],
    order: &dyn Fn(&mut Vec<String>),
) -> ContestView {
    let kind = contest.kind.as_str();
    let (kind_zh, kind_en) = kind_label(kind);
    let is_evaluation = contest.subjects.is_some() || kind == "evaluation";
    let title = if contest.title.is_empty() {
        kind_zh.clone()
    } else {
        contest.title.clone()
    };
    // A contest taller than a page may break inside (rows and subject tables
    // still do not); otherwise it would leave an empty page before it.
    let long = if is_evaluation {
        contest.subjects.as_ref().map_or(0, |s| s.len()) > EVALUATION_SUBJECTS_SHORT_MAX
    } else {
        contest.candidates.len() + contest.write_ins.len() > VOTE_ROWS_SHORT_MAX
    };
    let (graded, scored) = match (is_evaluation, contest.is_scored()) {
        (false, _) => (None, None),
        (true, true) => (None, Some(scored(contest))),
        (true, false) => (Some(graded(contest)), None),
    };
    let recommendation = kind == "recommendation";
    let elected_status = if recommendation {
        "shortlisted"
    } else {
        "elected"
    };
    let (turnout, ballots) = (&contest.turnout, &contest.ballots);
    ContestView {
        class: if long { "contest long" } else { "contest" },
        show_kind_zh: !kind_zh.is_empty() && kind_zh != title,
        title,
        kind_zh,
        kind_en,
        seats: contest.seats,
        parent: contest.parent.as_ref().map(|p| parent_view(p, all)),
        eligible: turnout.eligible,
        present: turnout.present,
        issued: turnout.ballots_issued,
        returned: ballots.returned,
        valid_ballots: ballots.valid,
        void_ballots: ballots.void,
        void_reasons: contest
            .void_reasons
            .0
            .iter()
            .map(|(code, count)| VoidReason {
                label: Bilingual::label_or_code(labels::void_reason(code), code),
                count: *count,
            })
            .collect(),
        valid: contest.valid,
        problems: contest
            .problems
            .iter()
            .map(|p| Bilingual::of(&p.message))
            .collect(),
        quorum: contest.quorum.as_ref().map(|q| QuorumView {
            met: q.met,
            formula: q.rule.clone(),
            words: crate::rules::kind::quorum_words(&q.rule).map(|(zh, en)| Words { zh, en }),
        }),
        threshold: contest.threshold.as_ref().map(|t| ThresholdView {
            shown: if t.description.is_empty() {
                Bilingual::plain(&t.rule)
            } else {
                Bilingual::of(&t.description)
            },
            needed: t.votes_needed,
        }),
        graded,
        scored,
        against_zh: labels::against(kind),
        rows: vote_rows(contest),
        recommendation,
        elected_zh: labels::status(elected_status).map_or("", |l| l.zh),
        elected: ordered_names(contest, &contest.elected, order),
        unfilled: contest.unfilled_seats,
        runoff: contest.runoff.as_ref().map(|r| RunoffView {
            seats: r.seats,
            reason: runoff_reason(&r.reason),
            names: ordered_names(contest, &r.candidates, order),
            message: (!r.message.is_empty()).then(|| Bilingual::of(&r.message)),
        }),
        warnings: contest
            .warnings
            .iter()
            .map(|w| Bilingual::of(&w.message))
            .collect(),
    }
}

/// A run-off reason's label (an unknown code kept), or `None` when there is none.
fn runoff_reason(code: &str) -> Option<Bilingual> {
    (!code.is_empty()).then(|| Bilingual::label_or_code(labels::runoff_reason(code), code))
}

/// The line naming the earlier round when this contest is a new round.
fn parent_view(parent: &ParentV1, all: &[ContestV1]) -> ParentView {
    let id = parent.contest.as_str();
    let earlier = all
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.title.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or(id);
    ParentView {
        earlier: earlier.to_string(),
        reason: runoff_reason(&parent.reason),
    }
}

/// The candidates and write-ins in vote order (by `rank`; equal ranks keep the document's
/// order).
fn vote_rows(contest: &ContestV1) -> Vec<VoteRow> {
    let row = |name: &str, votes_for, against: Option<u64>, abstain, status: &str, rank| VoteRow {
        rank,
        name: name.to_string(),
        write_in: against.is_none(),
        votes_for,
        against,
        abstain,
        status: Bilingual::label_or_code(labels::status(status), status),
        won: status == "elected" || status == "shortlisted",
    };
    let mut rows: Vec<VoteRow> = contest
        .candidates
        .iter()
        .map(|c| {
            row(
                &c.name,
                c.votes_for,
                Some(c.against),
                Some(c.abstain),
                &c.status,
                c.rank,
            )
        })
        .chain(
            contest
                .write_ins
                .iter()
                .map(|w| row(&w.name, w.votes_for, None, None, &w.status, w.rank)),
        )
        .collect();
    rows.sort_by_key(|r| r.rank);
    rows
}
