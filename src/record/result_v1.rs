//! The result document `scrutineer.result/v1` as types (docs/FORMATS.md).
//!
//! [`ResultV1`] serialises to exactly the bytes the service has always written: fields in
//! their documented order, absent values as `null` (never omitted), except the evaluation
//! fields of a contest (`scale`, `score_rule`, `subjects`), which only evaluations carry.
//! Every renderer (`src/present/`) reads a result through this type: a document that does not
//! parse as one is refused with [`ResultError`] (`result_invalid`, `result_format`) instead of
//! being shown with blanks. Fields a later version adds are ignored when reading, so the
//! format can grow by adding fields.

use crate::codes::Code;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::result::RESULT_FORMAT;

/// A JSON object whose keys are data (grade keys, void reasons, ranking components), kept in
/// document order. Duplicate keys are refused when reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> OrderedMap<V> {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, V>()? {
                    if out.iter().any(|(x, _)| *x == k) {
                        return Err(A::Error::custom(format!("duplicate key “{k}”")));
                    }
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

/// A notice: a stable code and a bilingual message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeV1 {
    pub code: String,
    pub message: String,
}

/// The whole result of an election's tally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultV1 {
    /// Always [`RESULT_FORMAT`].
    pub format: String,
    pub election: String,
    pub title: String,
    pub contests: Vec<ContestV1>,
    pub rankings: Vec<RankingV1>,
    pub structure: Vec<StructureV1>,
    pub warnings: Vec<NoticeV1>,
}

/// The contest a runoff or re-vote comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentV1 {
    pub contest: String,
    pub reason: String,
    pub boundary_tie: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoutV1 {
    pub eligible: u64,
    pub present: u64,
    pub ballots_issued: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotsV1 {
    pub issued: u64,
    pub returned: u64,
    pub valid: u64,
    pub void: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumV1 {
    /// The formula, e.g. `5·P > 4·E`.
    pub rule: String,
    pub met: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdV1 {
    /// The formula, e.g. `2·for > P`.
    pub rule: String,
    /// `present`, `returned` or `eligible`.
    pub base: String,
    pub base_count: Option<u64>,
    pub votes_needed: Option<u64>,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateV1 {
    pub id: String,
    pub name: String,
    #[serde(rename = "for")]
    pub votes_for: u64,
    pub against: u64,
    pub abstain: u64,
    pub status: String,
    pub rank: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteInV1 {
    pub name: String,
    #[serde(rename = "for")]
    pub votes_for: u64,
    pub status: String,
    pub rank: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSizeV1 {
    pub min: u64,
    /// No upper bound: `null`.
    pub max: Option<u64>,
}

/// A proposed new vote (a tie or a shortfall).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunoffV1 {
    pub seats: u64,
    /// Candidate ids, or `write-in:NAME`.
    pub candidates: Vec<String>,
    pub reason: String,
    pub message: String,
    pub threshold: Option<String>,
    pub list_size: Option<ListSizeV1>,
    pub boundary_tie: bool,
    pub short_list: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRuleV1 {
    pub max: u64,
    pub drop_extremes: bool,
    pub score_below: Option<String>,
}

/// A graded evaluation's figures of a subject or of one of its groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeFiguresV1 {
    pub valid: u64,
    /// Per grade key, then `abstain`.
    pub counts: OrderedMap<u64>,
    /// Per grade key, in percent with two decimals.
    pub rates: OrderedMap<String>,
    pub rates_exact: OrderedMap<String>,
    pub favourable_rate: String,
    pub favourable_rate_exact: String,
    pub points_score: Option<String>,
    pub points_score_exact: Option<String>,
    pub score: Option<String>,
    pub score_exact: Option<String>,
    pub flags: Vec<NoticeV1>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradedGroupV1 {
    pub id: String,
    pub weight: Option<String>,
    #[serde(flatten)]
    pub figures: GradeFiguresV1,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradedSubjectV1 {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: GradeFiguresV1,
    pub groups: Vec<GradedGroupV1>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedV1 {
    pub lowest: u64,
    pub highest: u64,
}

/// A rated-score evaluation's figures of a subject or of one of its groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreFiguresV1 {
    pub valid: u64,
    pub raters: u64,
    pub unscored: u64,
    pub dropped: Option<DroppedV1>,
    pub counted: u64,
    pub sum: u64,
    pub mean: Option<String>,
    pub mean_exact: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoredGroupV1 {
    pub id: String,
    pub weight: Option<String>,
    #[serde(flatten)]
    pub figures: ScoreFiguresV1,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoredSubjectV1 {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: ScoreFiguresV1,
    pub score: Option<String>,
    pub score_exact: Option<String>,
    pub flags: Vec<NoticeV1>,
    pub groups: Vec<ScoredGroupV1>,
}

/// An evaluation's subjects: graded, or rated with scores (`scale: "score"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SubjectsV1 {
    Scored(Vec<ScoredSubjectV1>),
    Graded(Vec<GradedSubjectV1>),
}

impl SubjectsV1 {
    pub fn len(&self) -> usize {
        match self {
            SubjectsV1::Scored(s) => s.len(),
            SubjectsV1::Graded(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Subjects plus their groups: the rows the office tables get.
    pub fn rows(&self) -> usize {
        match self {
            SubjectsV1::Scored(s) => s.iter().map(|x| 1 + x.groups.len()).sum(),
            SubjectsV1::Graded(s) => s.iter().map(|x| 1 + x.groups.len()).sum(),
        }
    }
}

/// One contest's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestV1 {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub seats: u64,
    pub parent: Option<ParentV1>,
    pub valid: bool,
    pub problems: Vec<NoticeV1>,
    pub warnings: Vec<NoticeV1>,
    pub turnout: TurnoutV1,
    pub ballots: BallotsV1,
    pub void_reasons: OrderedMap<u64>,
    pub quorum: Option<QuorumV1>,
    pub threshold: Option<ThresholdV1>,
    pub candidates: Vec<CandidateV1>,
    pub write_ins: Vec<WriteInV1>,
    /// Candidate ids, or `write-in:NAME`.
    pub elected: Vec<String>,
    pub unfilled_seats: u64,
    pub runoff: Option<RunoffV1>,
    /// An evaluation's scale: `individual`, `team`, `member` or `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_rule: Option<ScoreRuleV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects: Option<SubjectsV1>,
}

impl ContestV1 {
    /// True for a rated-score evaluation.
    pub fn is_scored(&self) -> bool {
        self.scale.as_deref() == Some("score")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingComponentV1 {
    pub id: String,
    pub title: String,
    pub weight: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingEntryV1 {
    pub id: String,
    pub name: String,
    pub rank: u64,
    pub total: Option<String>,
    pub total_exact: Option<String>,
    pub components: OrderedMap<Option<String>>,
    pub tie_break: Option<String>,
    pub tied: bool,
}

/// A composite ranking across contests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingV1 {
    pub id: String,
    pub title: String,
    pub components: Vec<RankingComponentV1>,
    pub tie_break_key: Option<String>,
    pub entries: Vec<RankingEntryV1>,
    /// Each tie as the ids of the entries still equal.
    pub unresolved_ties: Vec<Vec<String>>,
    pub problems: Vec<NoticeV1>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureCheckV1 {
    pub id: String,
    pub label: String,
    pub target: String,
    pub share: String,
    pub known: u64,
    pub total: u64,
    pub met: bool,
}

/// A delegate structure report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureV1 {
    pub scope: String,
    pub checks: Vec<StructureCheckV1>,
    pub warnings: Vec<NoticeV1>,
}

/// Why a document is not a `scrutineer.result/v1` result.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// Not the shape of a result (`result_invalid`): a missing or mistyped field, a number
    /// that is not a whole count, an evaluation's subjects of the wrong kind.
    #[error("结果文件格式不正确 / not a scrutineer.result/v1 document: {0}")]
    Invalid(String),
    /// A `format` other than `scrutineer.result/v1` (`result_format`).
    #[error("结果文件格式为 “{0}”, 应为 {RESULT_FORMAT} / format “{0}”, expected {RESULT_FORMAT}")]
    Format(String),
}

impl ResultError {
    /// Stable machine-readable error code.
    pub fn code(&self) -> Code {
        match self {
            ResultError::Invalid(_) => Code::ResultInvalid,
            ResultError::Format(_) => Code::ResultFormat,
        }
    }
}

/// True for plain decimal text such as `92.80`, `-3` or `140`, short enough to be a finite
/// `f64`: how a result writes rates, scores and totals.
pub fn is_decimal(s: &str) -> bool {
    if s.is_empty() || s.len() > 30 {
        return false;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(int) && frac.is_none_or(all_digits)
}

/// Refuses a document whose `format` is there and is not [`RESULT_FORMAT`].
fn format_of(v: &Value) -> Result<(), ResultError> {
    match v.get("format") {
        Some(f) if f.as_str() != Some(RESULT_FORMAT) => Err(ResultError::Format(match f {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })),
        _ => Ok(()),
    }
}

impl ResultV1 {
    /// Reads a result document; anything that is not exactly a result is refused.
    pub fn from_value(v: &Value) -> Result<ResultV1, ResultError> {
        format_of(v)?;
        let doc = ResultV1::deserialize(v).map_err(|e| ResultError::Invalid(e.to_string()))?;
        doc.check()?;
        Ok(doc)
    }

    /// Reads a result document from its bytes (where, unlike in a [`Value`], a key given
    /// twice in a data object can still be seen, and is refused).
    pub fn from_slice(bytes: &[u8]) -> Result<ResultV1, ResultError> {
        match serde_json::from_slice::<ResultV1>(bytes) {
            Ok(doc) => {
                if doc.format != RESULT_FORMAT {
                    return Err(ResultError::Format(doc.format));
                }
                doc.check()?;
                Ok(doc)
            }
            Err(e) => {
                if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
                    format_of(&v)?;
                }
                Err(ResultError::Invalid(e.to_string()))
            }
        }
    }

    /// The document as a JSON value, in the format's field order.
    pub fn to_value(&self) -> Value {
        // Invariant: every map key is a string and no field's Serialize can fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// What serde cannot say: a rated-score evaluation's subjects are scored ones and the
    /// others' graded ones.
    fn check(&self) -> Result<(), ResultError> {
        let mut decimals: Vec<(&str, &str)> = Vec::new();
        for c in &self.contests {
            match &c.subjects {
                Some(SubjectsV1::Graded(list)) => {
                    for s in list {
                        let groups = s.groups.iter().map(|g| &g.figures);
                        for f in std::iter::once(&s.figures).chain(groups) {
                            decimals.extend(f.rates.0.iter().map(|(_, r)| ("rates", r.as_str())));
                            decimals.push(("favourable_rate", &f.favourable_rate));
                            decimals.extend(f.points_score.as_deref().map(|x| ("points_score", x)));
                            decimals.extend(f.score.as_deref().map(|x| ("score", x)));
                        }
                    }
                }
                Some(SubjectsV1::Scored(list)) => {
                    for s in list {
                        decimals.extend(s.score.as_deref().map(|x| ("score", x)));
                        let groups = s.groups.iter().map(|g| &g.figures);
                        for f in std::iter::once(&s.figures).chain(groups) {
                            decimals.extend(f.mean.as_deref().map(|x| ("mean", x)));
                        }
                    }
                }
                None => {}
            }
        }
        for r in &self.rankings {
            for e in &r.entries {
                decimals.extend(e.total.as_deref().map(|x| ("total", x)));
                decimals.extend(
                    e.components
                        .0
                        .iter()
                        .filter_map(|(_, v)| v.as_deref().map(|x| ("components", x))),
                );
            }
        }
        for s in &self.structure {
            decimals.extend(s.checks.iter().map(|c| ("share", c.share.as_str())));
        }
        if let Some((field, text)) = decimals.into_iter().find(|(_, t)| !is_decimal(t)) {
            return Err(ResultError::Invalid(format!(
                "{field}: “{text}” is not a decimal number"
            )));
        }
        for c in &self.contests {
            let ok = match &c.subjects {
                Some(SubjectsV1::Scored(s)) => c.is_scored() || s.is_empty(),
                Some(SubjectsV1::Graded(s)) => !c.is_scored() || s.is_empty(),
                None => true,
            };
            if !ok {
                return Err(ResultError::Invalid(format!(
                    "contest “{}”: subjects do not match its scale",
                    c.id
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn snapshot(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots/presentation")
            .join(name);
        std::fs::read(p).unwrap()
    }

    const EXAMPLES: [&str; 5] = [
        "township-party-congress",
        "npc-direct-round-1",
        "npc-direct-runoff",
        "democratic-evaluation",
        "rated-score-evaluation",
    ];

    /// Read and written again, every example's result is the same bytes, pretty and compact.
    #[test]
    fn the_examples_round_trip_byte_for_byte() {
        for name in EXAMPLES {
            let pretty = snapshot(&format!("{name}.result.json"));
            let doc = ResultV1::from_slice(&pretty).unwrap();
            let again = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
            assert_eq!(again.as_bytes(), &pretty[..], "{name}");
            let compact = snapshot(&format!("{name}.result.compact.json"));
            assert_eq!(serde_json::to_vec(&doc).unwrap(), compact, "{name}");
            assert_eq!(ResultV1::from_slice(&compact).unwrap(), doc);
        }
    }

    /// A malformed number, a missing field or a wrong format is refused with a code.
    #[test]
    fn a_malformed_result_is_refused() {
        let good: Value =
            serde_json::from_slice(&snapshot("township-party-congress.result.json")).unwrap();
        type Spoil = fn(&mut Value);
        let cases: Vec<(Spoil, &str)> = vec![
            (
                |v| v["contests"][0]["candidates"][0]["for"] = "139x".into(),
                "result_invalid",
            ),
            (
                |v| v["contests"][0]["candidates"][0]["for"] = (-1).into(),
                "result_invalid",
            ),
            (
                |v| v["contests"][0]["candidates"][0]["for"] = 1.5.into(),
                "result_invalid",
            ),
            (
                |v| v["contests"][0]["ballots"] = Value::Null,
                "result_invalid",
            ),
            (
                |v| {
                    v["contests"][0].as_object_mut().unwrap().remove("title");
                },
                "result_invalid",
            ),
            (
                |v| v["contests"][0]["void_reasons"] = serde_json::json!([1]),
                "result_invalid",
            ),
            (
                |v| v["format"] = "scrutineer.result/v2".into(),
                "result_format",
            ),
            (
                |v| {
                    v.as_object_mut().unwrap().remove("format");
                },
                "result_invalid",
            ),
            (|v| *v = Value::Null, "result_invalid"),
        ];
        for (i, (spoil, code)) in cases.into_iter().enumerate() {
            let mut v = good.clone();
            spoil(&mut v);
            let e = ResultV1::from_value(&v).unwrap_err();
            assert_eq!(e.code(), code, "case {i}: {e}");
        }
        // A field a later version adds is read past.
        let mut v = good.clone();
        v["contests"][0]["later"] = serde_json::json!({"x": 1});
        assert!(ResultV1::from_value(&v).is_ok());
        // Duplicate keys in a data object are refused.
        let text =
            String::from_utf8(snapshot("township-party-congress.result.compact.json")).unwrap();
        let dup = text.replace("\"over_marked\":2", "\"over_marked\":2,\"over_marked\":3");
        assert_eq!(
            ResultV1::from_slice(dup.as_bytes()).unwrap_err().code(),
            "result_invalid"
        );
    }
}
