//! The one label table: every code a result carries, in Chinese and English, written once.
//! Contest kinds and grade names are the rules engine's (`rules::ContestKind`,
//! `rules::evaluation::Scale`); the English names of the grades are here.

use crate::rules::evaluation::Scale;
use crate::rules::ContestKind;

/// A label: Chinese first, English second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

const fn l(zh: &'static str, en: &'static str) -> Label {
    Label { zh, en }
}

/// Candidate and subject statuses (`candidates[].status`).
const STATUSES: &[(&str, Label)] = &[
    ("elected", l("当选", "elected")),
    ("not_elected", l("未当选", "not elected")),
    ("tied", l("票数相等", "tied")),
    ("shortlisted", l("入围", "shortlisted")),
    ("not_shortlisted", l("未入围", "not shortlisted")),
    ("ranked", l("排名", "ranked")),
];

/// Why a ballot was void (`void_reasons`).
const VOID_REASONS: &[(&str, Label)] = &[
    ("over_marked", l("多选 (超过应选名额)", "over-marked")),
    (
        "write_in_without_against",
        l(
            "另选他人未划相应不赞成",
            "write-in without a matching vote against",
        ),
    ),
    (
        "duplicate_write_in",
        l("重复另选同一人", "same write-in twice"),
    ),
    (
        "write_in_is_candidate",
        l("另选人为正式候选人", "write-in names a candidate"),
    ),
    (
        "uniform_grades",
        l("全部评为同一等次", "all subjects given the same grade"),
    ),
    (
        "excellent_over_quota",
        l("优秀等次超过限额", "top grade over quota"),
    ),
];

/// Why a new vote is proposed (`runoff.reason`, `parent.reason`).
const RUNOFF_REASONS: &[(&str, Label)] = &[
    ("tie", l("票数相等", "tie")),
    ("shortfall", l("未选足名额", "shortfall")),
];

/// How the CLI table names why a contest is a new round of another (`上一轮 parent: … (…)`).
const NEW_ROUND_REASONS: &[(&str, Label)] = &[
    ("tie", l("票数相等再次投票", "tie")),
    ("shortfall", l("另行选举", "shortfall")),
];

/// How the CLI table introduces a proposed new round (`… 1 名 seats, 候选人 candidates: …`).
const PROPOSALS: &[(&str, Label)] = &[
    ("tie", l("再次投票", "new vote (tie):")),
    ("shortfall", l("另行选举", "runoff:")),
];

/// English names of the grades, in the order of `Scale::keys`.
fn grades_en(scale: Scale) -> [&'static str; 4] {
    match scale {
        Scale::Individual => [
            "excellent",
            "competent",
            "basically competent",
            "incompetent",
        ],
        Scale::Team => ["good", "fairly good", "average", "poor"],
        Scale::Member => [
            "excellent",
            "qualified",
            "basically qualified",
            "unqualified",
        ],
    }
}

fn find(table: &[(&str, Label)], code: &str) -> Option<Label> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label of a candidate or subject status; `None` for a code this version does not know.
pub fn status(code: &str) -> Option<Label> {
    find(STATUSES, code)
}

/// The label of a void-ballot reason.
pub fn void_reason(code: &str) -> Option<Label> {
    find(VOID_REASONS, code)
}

/// The label of a run-off reason.
pub fn runoff_reason(code: &str) -> Option<Label> {
    find(RUNOFF_REASONS, code)
}

/// The CLI table's words for why a contest is a new round (a run-off reason's code).
pub fn new_round_reason(code: &str) -> Option<Label> {
    find(NEW_ROUND_REASONS, code)
}

/// The CLI table's words introducing a proposed new round (a run-off reason's code).
pub fn proposal(code: &str) -> Option<Label> {
    find(PROPOSALS, code)
}

/// The Chinese heading of a vote against in a contest of `kind`: 不赞成 in party elections,
/// 反对 elsewhere (an unknown kind included).
pub fn against(kind: &str) -> &'static str {
    ContestKind::from_id(kind).map_or("反对", ContestKind::against_label)
}

/// The label of a contest kind.
pub fn kind(code: &str) -> Option<Label> {
    ContestKind::from_id(code).map(|k| l(k.label_zh(), k.label_en()))
}

/// A grade of an evaluation scale: its key in the result and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    pub key: String,
    pub label: Label,
}

/// The grades of a known scale, best first; `None` for another scale name.
pub fn grades(scale: &str) -> Option<Vec<Grade>> {
    let s = Scale::from_id(scale)?;
    Some(
        s.keys()
            .iter()
            .zip(s.labels_zh())
            .zip(grades_en(s))
            .map(|((key, zh), en)| Grade {
                key: (*key).to_string(),
                label: l(zh, en),
            })
            .collect(),
    )
}

/// A grade of a contest's scale as the board and the office files print it.
pub struct ScaleGrade {
    pub key: String,
    pub zh: String,
    /// Empty for a scale the table does not know.
    pub en: &'static str,
}

/// The grades of a contest's scale, best first: a known scale's from the table; for another
/// scale name, the grade keys of the first subject's `counts` (without `abstain`), labelled
/// with the keys as they are.
pub fn scale_grades(
    scale: Option<&str>,
    subjects: &[crate::record::result_v1::GradedSubjectV1],
) -> Vec<ScaleGrade> {
    if let Some(known) = scale.and_then(grades) {
        return known
            .into_iter()
            .map(|g| ScaleGrade {
                key: g.key,
                zh: g.label.zh.to_string(),
                en: g.label.en,
            })
            .collect();
    }
    subjects
        .first()
        .map(|s| {
            s.figures
                .counts
                .keys()
                .filter(|k| *k != "abstain")
                .map(|k| ScaleGrade {
                    key: k.to_string(),
                    zh: k.to_string(),
                    en: "",
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_status_of_the_rules_has_a_label() {
        use crate::rules::tally::Status;
        for s in [
            Status::Elected,
            Status::NotElected,
            Status::Tied,
            Status::Shortlisted,
            Status::NotShortlisted,
            Status::Ranked,
        ] {
            assert!(status(s.id()).is_some(), "{}", s.id());
        }
        assert_eq!(status("elected").unwrap().zh, "当选");
        assert!(status("unknown").is_none());
        assert_eq!(grades("team").unwrap()[1].label, l("较好", "fairly good"));
        assert!(grades("score").is_none());
    }
}
