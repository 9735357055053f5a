//! Contest kinds and their statutory presets (RULES.md section 2).
//!
//! Every preset is data: the surplus (差额) rule on the candidate list, the quorum, the elected
//! threshold with its denominator, the vote options, and what a shortfall leads to. The tally
//! reads these presets; it has no kind-specific branches of its own.

use std::fmt;

/// The contest kinds of RULES.md section 2, by their stable ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContestKind {
    PartyDelegates,
    PartyCommittee,
    DisciplineCommittee,
    PartySecretary,
    NpcDirect,
    NpcIndirect,
    TownshipHead,
    TownshipDeputy,
    VillagerCommittee,
    Recommendation,
    Evaluation,
}

/// Which body of law a kind belongs to; it decides vote options and proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Party,
    Congress,
    Villager,
    Recommendation,
    Evaluation,
}

/// The surplus (差额) rule on the number of formal candidates `C` for `s` seats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurplusRule {
    /// `C ≥ s + ceil(s/5)` (BER Art. 9, 13: 差额不少于20%).
    FifthMore,
    /// `C ≥ s` (等额 allowed).
    AtLeastSeats,
    /// `ceil(4s/3) ≤ C ≤ 2s` (EL Art. 31: 多于应选名额三分之一至一倍).
    ThirdToDouble,
    /// `ceil(6s/5) ≤ C ≤ floor(3s/2)`, and 1 seat ⇒ 2 (EL Art. 31, 45).
    FifthToHalf,
    /// `C = s + 1`, or `C = s` when only one was nominated (LOL Art. 27).
    OneMore,
    /// `s + 1 ≤ C ≤ s + 3` (LOL Art. 27).
    OneToThreeMore,
    /// `C > s` (VCL Art. 15).
    MoreThanSeats,
    /// No rule on the list (recommendation, evaluation).
    Unbounded,
}

/// Inclusive bounds on the number of candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub min: u32,
    pub max: Option<u32>,
}

impl Bounds {
    pub fn contains(&self, count: u32) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl SurplusRule {
    /// The statutory bounds for `seats` seats. `only_one_nominated` matters only for
    /// [`SurplusRule::OneMore`].
    ///
    /// ```
    /// use scrutineer::rules::kind::{Bounds, ContestKind};
    /// // BER Art. 13: 9 committee seats need at least 11 candidates.
    /// assert_eq!(ContestKind::PartyCommittee.surplus().bounds(9, false), Bounds { min: 11, max: None });
    /// // EL Art. 31, 45: one indirect seat needs exactly two candidates.
    /// assert_eq!(ContestKind::NpcIndirect.surplus().bounds(1, false), Bounds { min: 2, max: Some(2) });
    /// ```
    pub fn bounds(self, seats: u32, only_one_nominated: bool) -> Bounds {
        let s = u64::from(seats);
        match self {
            SurplusRule::FifthMore => Bounds {
                min: clamp_u32(s + ceil_div(s, 5)),
                max: None,
            },
            SurplusRule::AtLeastSeats => Bounds {
                min: seats,
                max: None,
            },
            SurplusRule::ThirdToDouble => Bounds {
                min: clamp_u32(ceil_div(4 * s, 3)),
                max: Some(clamp_u32(2 * s)),
            },
            SurplusRule::FifthToHalf => {
                let min = ceil_div(6 * s, 5);
                let max = (3 * s) / 2;
                if min > max {
                    // RULES.md: when the range is empty (1 seat), the statutory 1 seat ⇒ 2 wins.
                    Bounds {
                        min: clamp_u32(s + 1),
                        max: Some(clamp_u32(s + 1)),
                    }
                } else {
                    Bounds {
                        min: clamp_u32(min),
                        max: Some(clamp_u32(max)),
                    }
                }
            }
            SurplusRule::OneMore => {
                if only_one_nominated {
                    Bounds {
                        min: seats,
                        max: Some(seats),
                    }
                } else {
                    Bounds {
                        min: clamp_u32(s + 1),
                        max: Some(clamp_u32(s + 1)),
                    }
                }
            }
            SurplusRule::OneToThreeMore => Bounds {
                min: clamp_u32(s + 1),
                max: Some(clamp_u32(s + 3)),
            },
            SurplusRule::MoreThanSeats => Bounds {
                min: clamp_u32(s + 1),
                max: None,
            },
            SurplusRule::Unbounded => Bounds { min: 0, max: None },
        }
    }

    /// The rule in words (Chinese, English), with its source.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            SurplusRule::FifthMore => (
                "差额不少于20%",
                "surplus at least 20% of the seats, rounded up (BER Art. 9, 13)",
            ),
            SurplusRule::AtLeastSeats => ("可以等额", "at least as many candidates as seats"),
            SurplusRule::ThirdToDouble => (
                "多于应选名额三分之一至一倍",
                "one third to twice the seats more (EL Art. 31)",
            ),
            SurplusRule::FifthToHalf => (
                "多于应选名额五分之一至二分之一, 只选一人时为二人",
                "one fifth to one half more; 1 seat needs 2 (EL Art. 31, 45)",
            ),
            SurplusRule::OneMore => (
                "应多一人, 只有一人被提名时可以等额",
                "one more than the seats; equal only when one was nominated (LOL Art. 27)",
            ),
            SurplusRule::OneToThreeMore => (
                "应多一人至三人",
                "one to three more than the seats (LOL Art. 27)",
            ),
            SurplusRule::MoreThanSeats => ("应多于应选名额", "more than the seats (VCL Art. 15)"),
            SurplusRule::Unbounded => ("无差额要求", "no surplus rule"),
        }
    }
}

/// A participation quorum: met iff `den · P  cmp  num · E`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorum {
    pub num: u64,
    pub den: u64,
    pub comparison: Comparison,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    MoreThan,
    AtLeast,
}

impl Quorum {
    pub fn is_met(&self, present: u64, eligible: u64) -> bool {
        let lhs = u128::from(self.den) * u128::from(present);
        let rhs = u128::from(self.num) * u128::from(eligible);
        match self.comparison {
            Comparison::MoreThan => lhs > rhs,
            Comparison::AtLeast => lhs >= rhs,
        }
    }

    pub fn describe(&self) -> String {
        let op = match self.comparison {
            Comparison::MoreThan => "超过 / more than",
            Comparison::AtLeast => "达到 / at least",
        };
        format!("实到人数须{op} {}/{} × 应到人数", self.num, self.den)
    }
}

/// A fraction in Chinese words, as the rules say it: `4/5` → 五分之四, `1/2` → 半数.
pub fn fraction_zh(num: u64, den: u64) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    let w = |n: u64| {
        DIGITS
            .get(n as usize)
            .map(|d| d.to_string())
            .unwrap_or_else(|| n.to_string())
    };
    if num * 2 == den {
        return "半数".into();
    }
    format!("{}分之{}", w(den), w(num))
}

/// The quorum in words from its formula (`5·P > 4·E`, as results carry it): (Chinese,
/// English); `None` for any other text.
pub fn quorum_words(formula: &str) -> Option<(String, String)> {
    let mut it = formula.split_whitespace();
    let den: u64 = it.next()?.strip_suffix("·P")?.parse().ok()?;
    let op = it.next()?;
    let num: u64 = it.next()?.strip_suffix("·E")?.parse().ok()?;
    let (zh, en) = match op {
        ">" => ("超过", "more than"),
        "≥" => ("达到", "at least"),
        _ => return None,
    };
    Some((
        format!("到会人数须{zh}应到会人数的{}", fraction_zh(num, den)),
        format!("those present must be {en} {num}/{den} of those eligible"),
    ))
}

/// The count a threshold is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// `P`: present voters (实到会 / 参加投票的选民).
    Present,
    /// `R`: ballots cast (已投选票数).
    Returned,
    /// `E`: all eligible (应到会 / 全体代表).
    Eligible,
}

impl Base {
    /// The base's size order: ballots cast ≤ those present ≤ all eligible. A threshold
    /// measured against a lower-ranked base is easier to clear.
    pub fn rank(self) -> u8 {
        match self {
            Base::Returned => 0,
            Base::Present => 1,
            Base::Eligible => 2,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Base::Present => "P",
            Base::Returned => "R",
            Base::Eligible => "E",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Base::Present => "实到 (参加投票) 人数",
            Base::Returned => "已投选票数",
            Base::Eligible => "应到 (全体) 人数",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Base::Present => "those present (who voted)",
            Base::Returned => "the ballots cast",
            Base::Eligible => "all eligible",
        }
    }
}

/// How many votes elect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    /// `2·for > base`.
    MoreThanHalf,
    /// `3·for ≥ base`, most votes first.
    AtLeastThird,
    /// Most votes, no minimum beyond one vote (a new vote among candidates tied at the cut-off).
    Plurality,
    /// Most votes among a closed list, no minimum: a new vote among the candidates tied at
    /// the cut-off from conduct protocol 10 (`RunoffOf::closed_list`). Every candidate is
    /// ranked, so candidates still tied at the last seat (at 0 votes too) stay tied and go
    /// to another such vote, rather than to a round that asks a majority of them.
    Most,
}

/// The elected threshold: a bar over a base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub bar: Bar,
    pub base: Base,
}

impl Threshold {
    /// Whether `votes` clears the bar when the base counts `base_count`.
    pub fn is_met(&self, votes: u64, base_count: u64) -> bool {
        let v = u128::from(votes);
        let b = u128::from(base_count);
        match self.bar {
            Bar::MoreThanHalf => 2 * v > b,
            Bar::AtLeastThird => 3 * v >= b && v > 0,
            Bar::Plurality => v > 0,
            Bar::Most => true,
        }
    }

    /// The threshold in words: (Chinese, English).
    pub fn describe(&self) -> (String, String) {
        let sym = self.base.symbol();
        match self.bar {
            Bar::MoreThanHalf => (
                format!("得票超过{}的半数 (2·for > {sym})", self.base.label_zh()),
                format!("more than half of {} (2·for > {sym})", self.base.label_en()),
            ),
            Bar::AtLeastThird => (
                format!(
                    "得票多者当选, 但不少于{}的三分之一 (3·for ≥ {sym})",
                    self.base.label_zh()
                ),
                format!(
                    "most votes, at least one third of {} (3·for ≥ {sym})",
                    self.base.label_en()
                ),
            ),
            Bar::Plurality => ("得票多者当选".to_string(), "most votes".to_string()),
            Bar::Most => (
                "得票多者当选, 票数仍相等的再次投票".to_string(),
                "most votes; those still tied vote again".to_string(),
            ),
        }
    }

    /// Both languages in one line.
    pub fn describe_both(&self) -> String {
        let (zh, en) = self.describe();
        format!("{zh} / {en}")
    }
}

/// Who may write in another person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteIns {
    /// 另选他人 freely (people's congress, villager, recommendation).
    Allowed,
    /// Only a voter who votes 不赞成 may write in, one name per 不赞成 (BER Art. 25; 1990).
    PerAgainst,
    /// No write-ins (evaluations).
    Refused,
}

/// Proxy voting (委托投票), RULES.md section 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proxies {
    /// Forbidden (BER Art. 24).
    Refused,
    /// With the committee's consent, to another voter, at most `principals_max` each (EL Art. 42).
    ToVoter { principals_max: u32 },
    /// Only to a close relative (VCL Art. 15).
    ToCloseRelative,
}

impl ContestKind {
    pub const ALL: [ContestKind; 11] = [
        ContestKind::PartyDelegates,
        ContestKind::PartyCommittee,
        ContestKind::DisciplineCommittee,
        ContestKind::PartySecretary,
        ContestKind::NpcDirect,
        ContestKind::NpcIndirect,
        ContestKind::TownshipHead,
        ContestKind::TownshipDeputy,
        ContestKind::VillagerCommittee,
        ContestKind::Recommendation,
        ContestKind::Evaluation,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ContestKind::PartyDelegates => "party_delegates",
            ContestKind::PartyCommittee => "party_committee",
            ContestKind::DisciplineCommittee => "discipline_committee",
            ContestKind::PartySecretary => "party_secretary",
            ContestKind::NpcDirect => "npc_direct",
            ContestKind::NpcIndirect => "npc_indirect",
            ContestKind::TownshipHead => "township_head",
            ContestKind::TownshipDeputy => "township_deputy",
            ContestKind::VillagerCommittee => "villager_committee",
            ContestKind::Recommendation => "recommendation",
            ContestKind::Evaluation => "evaluation",
        }
    }

    pub fn from_id(id: &str) -> Option<ContestKind> {
        ContestKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// What is being elected, in Chinese (used in messages such as "党委委员 9 名应选").
    pub fn label_zh(self) -> &'static str {
        match self {
            ContestKind::PartyDelegates => "党代会代表",
            ContestKind::PartyCommittee => "党委委员",
            ContestKind::DisciplineCommittee => "纪委委员",
            ContestKind::PartySecretary => "书记/副书记",
            ContestKind::NpcDirect => "县乡人大代表",
            ContestKind::NpcIndirect => "上一级人大代表",
            ContestKind::TownshipHead => "乡镇长/人大主席",
            ContestKind::TownshipDeputy => "副乡镇长/副主席",
            ContestKind::VillagerCommittee => "村委会成员",
            ContestKind::Recommendation => "民主推荐",
            ContestKind::Evaluation => "民主测评",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ContestKind::PartyDelegates => "party congress delegates",
            ContestKind::PartyCommittee => "party committee members",
            ContestKind::DisciplineCommittee => "discipline committee members",
            ContestKind::PartySecretary => "party secretary / deputy secretaries",
            ContestKind::NpcDirect => "county/township people's congress deputies",
            ContestKind::NpcIndirect => "deputies to the next-level people's congress",
            ContestKind::TownshipHead => "township head / congress chair",
            ContestKind::TownshipDeputy => "deputy township heads / vice chairs",
            ContestKind::VillagerCommittee => "villager committee members",
            ContestKind::Recommendation => "democratic recommendation",
            ContestKind::Evaluation => "democratic evaluation",
        }
    }

    pub fn family(self) -> Family {
        match self {
            ContestKind::PartyDelegates
            | ContestKind::PartyCommittee
            | ContestKind::DisciplineCommittee
            | ContestKind::PartySecretary => Family::Party,
            ContestKind::NpcDirect
            | ContestKind::NpcIndirect
            | ContestKind::TownshipHead
            | ContestKind::TownshipDeputy => Family::Congress,
            ContestKind::VillagerCommittee => Family::Villager,
            ContestKind::Recommendation => Family::Recommendation,
            ContestKind::Evaluation => Family::Evaluation,
        }
    }

    pub fn surplus(self) -> SurplusRule {
        match self {
            ContestKind::PartyDelegates
            | ContestKind::PartyCommittee
            | ContestKind::DisciplineCommittee => SurplusRule::FifthMore,
            ContestKind::PartySecretary => SurplusRule::AtLeastSeats,
            ContestKind::NpcDirect => SurplusRule::ThirdToDouble,
            ContestKind::NpcIndirect => SurplusRule::FifthToHalf,
            ContestKind::TownshipHead => SurplusRule::OneMore,
            ContestKind::TownshipDeputy => SurplusRule::OneToThreeMore,
            ContestKind::VillagerCommittee => SurplusRule::MoreThanSeats,
            ContestKind::Recommendation | ContestKind::Evaluation => SurplusRule::Unbounded,
        }
    }

    /// Whether the law itself fixes this kind's quorum, threshold and list range (the
    /// people's congress kinds, township posts and villager committees: EL Art. 31, 45; LOL
    /// Art. 25, 27; VCL Art. 15), so that no local override may change them. The party kinds'
    /// texts vary (RULES.md section 2: "some texts say ≥"), and recommendations and
    /// evaluations have no statutory rule.
    pub fn rules_fixed_by_law(self) -> bool {
        matches!(self.family(), Family::Congress | Family::Villager)
    }

    /// The statutory quorum; `None` where the law states none (a contest may still set one).
    pub fn quorum(self) -> Option<Quorum> {
        match self.family() {
            // 1990 BER: 5P > 4E (some texts say ≥: an override with basis).
            Family::Party => Some(Quorum {
                num: 4,
                den: 5,
                comparison: Comparison::MoreThan,
            }),
            Family::Congress if self == ContestKind::NpcDirect => Some(Quorum {
                num: 1,
                den: 2,
                comparison: Comparison::MoreThan,
            }),
            Family::Villager => Some(Quorum {
                num: 1,
                den: 2,
                comparison: Comparison::MoreThan,
            }),
            _ => None,
        }
    }

    /// The threshold of a first round. `None` for ranking-only kinds.
    pub fn threshold(self) -> Option<Threshold> {
        match self {
            ContestKind::PartyDelegates
            | ContestKind::PartyCommittee
            | ContestKind::DisciplineCommittee
            | ContestKind::PartySecretary
            | ContestKind::NpcDirect
            | ContestKind::VillagerCommittee => Some(Threshold {
                bar: Bar::MoreThanHalf,
                base: Base::Present,
            }),
            ContestKind::NpcIndirect | ContestKind::TownshipHead | ContestKind::TownshipDeputy => {
                Some(Threshold {
                    bar: Bar::MoreThanHalf,
                    base: Base::Eligible,
                })
            }
            ContestKind::Recommendation | ContestKind::Evaluation => None,
        }
    }

    /// The threshold of a new round after a shortfall (另行选举).
    pub fn shortfall_threshold(self) -> Option<Threshold> {
        match self {
            // EL Art. 45: most votes, at least one third of the voters who took part.
            ContestKind::NpcDirect => Some(Threshold {
                bar: Bar::AtLeastThird,
                base: Base::Present,
            }),
            // VCL Art. 15: most votes, at least one third of the ballots cast.
            ContestKind::VillagerCommittee => Some(Threshold {
                bar: Bar::AtLeastThird,
                base: Base::Returned,
            }),
            // Party, npc_indirect and township posts keep their majority in a new round.
            other => other.threshold(),
        }
    }

    /// Whether a shortfall leads to a new round for the unfilled seats.
    pub fn has_shortfall_round(self) -> bool {
        self.threshold().is_some()
    }

    pub fn write_ins(self) -> WriteIns {
        match self.family() {
            Family::Party => WriteIns::PerAgainst,
            Family::Congress | Family::Villager | Family::Recommendation => WriteIns::Allowed,
            Family::Evaluation => WriteIns::Refused,
        }
    }

    /// The label of the "against" option on the ballot.
    pub fn against_label(self) -> &'static str {
        match self.family() {
            Family::Party => "不赞成",
            _ => "反对",
        }
    }

    pub fn proxies(self) -> Proxies {
        match self.family() {
            Family::Party => Proxies::Refused,
            Family::Villager => Proxies::ToCloseRelative,
            _ => Proxies::ToVoter { principals_max: 3 },
        }
    }

    /// Whether ballots carry candidate marks (everything but evaluations).
    pub fn is_candidate_contest(self) -> bool {
        self != ContestKind::Evaluation
    }

    /// What a shortfall means, in words (Chinese, English), for the runoff message.
    pub fn shortfall_note(self) -> (&'static str, &'static str) {
        match self.family() {
            Family::Party => (
                "对不足的名额另行选举; 如接近应选名额, 也可经大会决定减少名额 (须有记录)",
                "a new round for the unfilled seats, or, when close, the meeting may reduce the seats by a recorded decision",
            ),
            Family::Congress if self == ContestKind::NpcDirect => (
                "不足的名额另行选举 (选举法第45条)",
                "a new round for the unfilled seats (EL Art. 45)",
            ),
            Family::Congress => (
                "不足的名额另行选举 (选举法第45条; 地方组织法第29条)",
                "a new round for the unfilled seats (EL Art. 45; LOL Art. 29)",
            ),
            Family::Villager => (
                "不足的名额另行选举 (村委会组织法第15条)",
                "a new round for the unfilled seats (VCL Art. 15)",
            ),
            _ => ("", ""),
        }
    }
}

impl fmt::Display for ContestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorums_in_words() {
        assert_eq!(fraction_zh(4, 5), "五分之四");
        assert_eq!(fraction_zh(2, 3), "三分之二");
        assert_eq!(fraction_zh(1, 2), "半数");
        assert_eq!(
            quorum_words("5·P > 4·E"),
            Some((
                "到会人数须超过应到会人数的五分之四".to_string(),
                "those present must be more than 4/5 of those eligible".to_string()
            ))
        );
        assert_eq!(
            quorum_words("2·P ≥ 1·E").map(|w| w.0),
            Some("到会人数须达到应到会人数的半数".to_string())
        );
        assert_eq!(quorum_words("P > E"), None);
        assert_eq!(quorum_words(""), None);
    }
}
