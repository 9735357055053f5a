//! Delegate structure targets (RULES.md section 5, seed 003): checked as warnings when
//! candidate attributes are given, never as blockers.

use super::notice::Notice;
use super::ratio::Ratio;

/// A delegate's occupational category (seed 003 代表结构比例 ①-③).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// 领导干部.
    Leader,
    /// 专业技术人员.
    Professional,
    /// 先进模范人物.
    ModelWorker,
    Other,
}

impl Category {
    pub fn from_id(id: &str) -> Option<Category> {
        match id {
            "leader" => Some(Category::Leader),
            "professional" => Some(Category::Professional),
            "model_worker" => Some(Category::ModelWorker),
            "other" => Some(Category::Other),
            _ => None,
        }
    }
}

/// Education levels; `JuniorHigh` and above count toward the 80% target.
pub const EDUCATION_LEVELS: [&str; 8] = [
    "none",
    "primary",
    "junior_high",
    "senior_high",
    "vocational",
    "college",
    "bachelor",
    "postgraduate",
];

/// The attributes of a candidate that the structure targets read. All optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    pub category: Option<Category>,
    /// Age on election day, in years.
    pub age: Option<u32>,
    pub female: Option<bool>,
    pub ethnic_minority: Option<bool>,
    pub junior_high_or_above: Option<bool>,
}

impl Attributes {
    pub fn is_empty(&self) -> bool {
        *self == Attributes::default()
    }
}

/// Election-wide settings of the structure check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StructureSetup {
    /// Women's share of party members (the floor for women delegates).
    pub female_member_share: Option<Ratio>,
    /// Ethnic-minority share of party members.
    pub minority_member_share: Option<Ratio>,
    /// How far "about 70%" may stray, in either direction (default 5 percentage points).
    pub tolerance: Ratio,
}

impl Default for StructureSetup {
    fn default() -> StructureSetup {
        StructureSetup {
            female_member_share: None,
            minority_member_share: None,
            tolerance: Ratio::of_counts(5, 100),
        }
    }
}

/// Congress size bounds (seed 003: 100-200 delegates, at most 300).
pub const CONGRESS_SIZE_USUAL: (u64, u64) = (100, 200);
pub const CONGRESS_SIZE_MAX: u64 = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructureCheck {
    pub id: &'static str,
    pub label: &'static str,
    /// The target in words: "≈ 70% ± 5%", "≥ 60%".
    pub target: String,
    pub share: Ratio,
    /// People with the attribute known, and people in scope.
    pub known: u64,
    pub total: u64,
    pub met: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructureReport {
    pub scope: &'static str,
    pub checks: Vec<StructureCheck>,
    pub warnings: Vec<Notice>,
}

enum Target {
    About(Ratio),
    AtLeast(Ratio),
}

/// Checks the targets over `people` (candidates or elected delegates). `None` when nobody in
/// scope has any attribute: there is nothing to check.
pub fn check_structure(
    setup: &StructureSetup,
    people: &[&Attributes],
    scope: &'static str,
    seats: u64,
) -> Option<StructureReport> {
    if people.iter().all(|a| a.is_empty()) {
        return None;
    }
    let total = people.len() as u64;
    let mut checks = Vec::new();
    let mut add = |id: &'static str,
                   label: &'static str,
                   target: Target,
                   pick: &dyn Fn(&Attributes) -> Option<bool>| {
        let known: Vec<bool> = people.iter().filter_map(|a| pick(a)).collect();
        if known.is_empty() {
            return;
        }
        let yes = known.iter().filter(|b| **b).count() as u64;
        let share = Ratio::of_counts(yes, known.len() as u64);
        let (text, met) = match target {
            Target::About(t) => {
                let lo = if t > setup.tolerance {
                    // t - tolerance, exact: (t.num·tol.den - tol.num·t.den) / (t.den·tol.den)
                    Ratio::new(
                        t.num() * setup.tolerance.den() - setup.tolerance.num() * t.den(),
                        t.den() * setup.tolerance.den(),
                    )
                    .unwrap_or(Ratio::ZERO)
                } else {
                    Ratio::ZERO
                };
                let hi = t.checked_add(setup.tolerance).unwrap_or(t);
                (
                    format!(
                        "≈ {}% ± {}%",
                        t.percent_2dp(),
                        setup.tolerance.percent_2dp()
                    ),
                    share >= lo && share <= hi,
                )
            }
            Target::AtLeast(t) => (format!("≥ {}%", t.percent_2dp()), share >= t),
        };
        checks.push(StructureCheck {
            id,
            label,
            target: text,
            share,
            known: known.len() as u64,
            total,
            met,
        });
    };
    let pct = |n: u64| Ratio::of_counts(n, 100);
    add(
        "leaders",
        "领导干部约占70% / leaders about 70%",
        Target::About(pct(70)),
        &|a| a.category.map(|c| c == Category::Leader),
    );
    add(
        "professionals",
        "专业技术人员约占15% / professionals about 15%",
        Target::About(pct(15)),
        &|a| a.category.map(|c| c == Category::Professional),
    );
    add(
        "model_workers",
        "先进模范人物约占15% / model workers about 15%",
        Target::About(pct(15)),
        &|a| a.category.map(|c| c == Category::ModelWorker),
    );
    add(
        "under_40",
        "40岁以下不少于60% / under 40 at least 60%",
        Target::AtLeast(pct(60)),
        &|a| a.age.map(|y| y < 40),
    );
    if let Some(share) = setup.female_member_share {
        add(
            "women",
            "妇女代表不低于妇女党员比例 / women not below their share of members",
            Target::AtLeast(share),
            &|a| a.female,
        );
    }
    if let Some(share) = setup.minority_member_share {
        add(
            "ethnic_minorities",
            "少数民族代表不低于少数民族党员比例 / minorities not below their share of members",
            Target::AtLeast(share),
            &|a| a.ethnic_minority,
        );
    }
    add(
        "junior_high_or_above",
        "初中以上文化程度不少于80% / junior high or above at least 80%",
        Target::AtLeast(pct(80)),
        &|a| a.junior_high_or_above,
    );

    let mut warnings = Vec::new();
    for c in &checks {
        if !c.met {
            warnings.push(Notice::new(
                "structure_target_missed",
                format!(
                    "{} ({}): {}, 实际 {}% ({} 人中) / {} ({}): target {}, actual {}% (of {} known)",
                    c.label,
                    scope,
                    c.target,
                    c.share.percent_2dp(),
                    c.known,
                    c.label,
                    scope,
                    c.target,
                    c.share.percent_2dp(),
                    c.known
                ),
            ));
        }
        if c.known < c.total {
            warnings.push(Notice::new(
                "structure_attribute_missing",
                format!(
                    "{}: {} 人中只有 {} 人有此项信息 / {}: known for {} of {}",
                    c.id, c.total, c.known, c.id, c.known, c.total
                ),
            ));
        }
    }
    if seats > CONGRESS_SIZE_MAX {
        warnings.push(Notice::new(
            "congress_size",
            format!("代表总数 {seats} 超过 {CONGRESS_SIZE_MAX} 名 / {seats} delegates exceed {CONGRESS_SIZE_MAX}"),
        ));
    } else if seats < CONGRESS_SIZE_USUAL.0 || seats > CONGRESS_SIZE_USUAL.1 {
        warnings.push(Notice::new(
            "congress_size",
            format!(
                "代表总数 {seats} 不在通常的 {}-{} 名之间 / {seats} delegates is outside the usual {}-{}",
                CONGRESS_SIZE_USUAL.0, CONGRESS_SIZE_USUAL.1, CONGRESS_SIZE_USUAL.0, CONGRESS_SIZE_USUAL.1
            ),
        ));
    }
    Some(StructureReport {
        scope,
        checks,
        warnings,
    })
}
