//! The registrar's desk: check-ins with proxies, and the desk's figures (E, P, I) per style
//! and per contest, which the close writes into the log as they are.

use super::{conflict, invalid, Core, CoreError};
use crate::codes::Code;
use crate::records::CheckIn;
use crate::rules::conduct::{style_of_unit, style_voters, Figures, Phase, StyleDef};
use crate::rules::kind::{Family, Proxies};

/// A check-in as the desk asks for it.
#[derive(Clone, Debug)]
pub struct CheckInRequest {
    pub number: String,
    /// Voters this voter carries a proxy for (委托投票).
    pub principals: Vec<String>,
    pub round: u8,
}

/// A check-in done: who, which style, how many slips to hand out.
#[derive(Clone, Debug)]
pub struct CheckedIn {
    pub name: String,
    pub unit: String,
    pub style: u16,
    pub slips: u64,
    pub at: u64,
}

/// One contest's turnout at the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskRow {
    pub contest: String,
    pub phase: Phase,
    pub figures: Figures,
    /// `none`, `met` or `not_met`.
    pub quorum: &'static str,
    /// `R`: the ballots received so far (electronic ballots of its styles and paper ballots
    /// keyed in), for the close dialog to show beside `P` and `I`.
    pub received: u64,
}

impl Core {
    /// Checks a voter in (and the principals they carry), all or none. Refused for a voter
    /// not on the roll, a second check-in, a style whose contests are closed, and proxies the
    /// law forbids.
    pub fn check_in(&self, req: &CheckInRequest, desk: &str) -> Result<CheckedIn, CoreError> {
        let voter = self.records.voter(&req.number)?.ok_or_else(|| {
            invalid(
                Code::NotOnRoll,
                format!(
                    "编号 {} 不在选民名单上 / number {} is not on the roll",
                    req.number, req.number
                ),
            )
        })?;
        let (style, proxies, party) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            let style =
                style_of_unit(conduct.styles(), req.round, &voter.unit).ok_or_else(|| {
                    invalid(
                        Code::NoStyle,
                        format!(
                        "第 {} 轮没有 “{}” 的选票样式 / no ballot style for unit “{}” in round {}",
                        req.round, voter.unit, voter.unit, req.round
                    ),
                    )
                })?;
            let st = conduct.style(style)?;
            if let Some(c) = st
                .contests
                .iter()
                .find(|c| conduct.phase(c) == Some(Phase::Closed))
            {
                let title = info
                    .election
                    .contest_index(c)
                    .map(|i| info.election.contests[i].title().as_str())
                    .unwrap_or(c.as_str());
                return Err(conflict(
                    Code::ContestClosed,
                    format!(
                        "“{title}” 已结束投票, 不再签到 / “{title}” is closed: no more check-ins"
                    ),
                ));
            }
            let kinds: Vec<_> = st
                .contests
                .iter()
                .filter_map(|c| info.election.contest_index(c))
                .map(|i| info.election.contests[i].kind())
                .collect();
            let proxies: Vec<Proxies> = kinds.iter().map(|k| k.proxies()).collect();
            let party = kinds.iter().any(|k| k.family() == Family::Party);
            Ok((style, proxies, party))
        })??;
        if !req.principals.is_empty() {
            if party {
                return Err(invalid(
                    Code::ProxyRefusedParty,
                    "党内选举不得委托投票 (党内选举条例第24条) / party elections forbid proxy voting (BER Art. 24)",
                ));
            }
            let max = proxies
                .iter()
                .map(|p| match p {
                    Proxies::ToVoter { principals_max } => *principals_max,
                    Proxies::ToCloseRelative => 3,
                    Proxies::Refused => 0,
                })
                .min()
                .unwrap_or(0);
            if req.principals.len() as u32 > max {
                return Err(invalid(
                    Code::TooManyPrincipals,
                    format!("每人接受委托不得超过 {max} 人 (选举法第42条) / at most {max} principals per proxy (EL Art. 42)"),
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for p in &req.principals {
                let pv = self.records.voter(p)?.ok_or_else(|| {
                    invalid(
                        Code::NotOnRoll,
                        format!("委托人 {p} 不在选民名单上 / principal {p} is not on the roll"),
                    )
                })?;
                if pv.unit != voter.unit || p == &req.number || !seen.insert(p) {
                    return Err(invalid(
                        Code::ProxyUnit,
                        format!("委托人 {p} 须是同一选区的其他选民, 且只列一次 / principal {p} must be another voter of the same unit, listed once"),
                    ));
                }
            }
        }
        let at = super::now();
        let record = CheckIn {
            number: req.number.clone(),
            round: req.round,
            at,
            desk: desk.to_string(),
            principals: req.principals.clone(),
            slips: 1 + req.principals.len() as u64,
        };
        let mut group = vec![record.clone()];
        for p in &req.principals {
            group.push(CheckIn {
                number: p.clone(),
                round: req.round,
                at,
                desk: format!("proxy:{}", req.number),
                principals: vec![],
                slips: 0,
            });
        }
        if let Err(earlier) = self.records.check_in_group(&group)? {
            let who = if earlier.number == req.number {
                voter.name.clone()
            } else {
                format!("委托人 principal {}", earlier.number)
            };
            return Err(conflict(
                Code::AlreadyCheckedIn,
                format!(
                    "{who} 已于 {} 由 {} 签到, 不能重复签到 / {who} already checked in at {} (desk {})",
                    super::local(earlier.at),
                    earlier.desk,
                    super::local(earlier.at),
                    earlier.desk
                ),
            ));
        }
        Ok(CheckedIn {
            name: voter.name,
            unit: voter.unit,
            style,
            slips: record.slips,
            at,
        })
    }

    /// The desk's live figures for one style: `E` the voters on the roll who get it, `P` and
    /// `I` the check-ins and slips of its round and units.
    pub fn style_figures(&self, style: u16) -> Result<Figures, CoreError> {
        let turnout = self.records.turnout()?;
        let units: std::collections::BTreeMap<String, u64> = turnout
            .unit_voters
            .iter()
            .map(|(u, n)| (u.clone(), *n))
            .collect();
        self.ledger.read(|s| -> Result<Figures, CoreError> {
            let c = s.state.conduct()?;
            let st = c.style(style)?;
            let eligible = style_voters(c.styles(), st, &units);
            let (present, issued) = self.turnout_of(c.styles(), st)?;
            Ok(Figures {
                eligible,
                present,
                issued,
            })
        })?
    }

    /// Check-ins and slips of a style's round over the units that get it.
    fn turnout_of(&self, styles: &[StyleDef], st: &StyleDef) -> Result<(u64, u64), CoreError> {
        let round = st.round;
        Ok(if st.unit.is_empty() {
            // Every unit of the round without a style of its own.
            self.records.turnout_in(round, &|unit| {
                !styles
                    .iter()
                    .any(|o| o.round == round && !o.unit.is_empty() && o.unit == unit)
            })?
        } else {
            self.records.turnout_in(round, &|unit| unit == st.unit)?
        })
    }

    /// The slips the desk handed out for a style so far (`I`), for the casting bound.
    pub fn slips_issued(&self, style: u16) -> Result<u64, CoreError> {
        self.ledger.read(|s| -> Result<u64, CoreError> {
            let c = s.state.conduct()?;
            Ok(self.turnout_of(c.styles(), c.style(style)?)?.1)
        })?
    }

    /// Every contest's turnout (or one's): live for open and draft contests, as logged (and
    /// frozen) once closed.
    pub fn desk_rows(&self, only: Option<&str>) -> Result<Vec<DeskRow>, CoreError> {
        let contests = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            let mut out = Vec::new();
            for c in &info.election.contests {
                if only.is_some_and(|id| id != c.id()) {
                    continue;
                }
                let cc = conduct.contest(c.id())?;
                let styles = conduct.styles_of(c.id());
                let electronic: usize = styles
                    .iter()
                    .map(|st| s.state.style_ballots().get(st).map_or(0, Vec::len))
                    .sum();
                let paper = s.state.paper_entries().get(c.id()).map_or(0, Vec::len);
                out.push((
                    c.id().clone(),
                    cc.phase,
                    cc.counting_figures(),
                    styles,
                    c.rules().quorum,
                    (electronic + paper) as u64,
                ));
            }
            Ok(out)
        })??;
        let mut rows = Vec::with_capacity(contests.len());
        let mut cache: std::collections::HashMap<u16, Figures> = Default::default();
        for (id, phase, logged, styles, quorum, received) in contests {
            let figures = match (phase, logged) {
                (Phase::Closed, Some(f)) => f,
                _ => {
                    let mut sum = Figures::default();
                    for s in styles {
                        let f = match cache.get(&s) {
                            Some(f) => *f,
                            None => {
                                let f = self.style_figures(s)?;
                                cache.insert(s, f);
                                f
                            }
                        };
                        sum.eligible += f.eligible;
                        sum.present += f.present;
                        sum.issued += f.issued;
                    }
                    sum
                }
            };
            let quorum = match quorum {
                None => "none",
                Some(q) if q.is_met(figures.present, figures.eligible) => "met",
                Some(_) => "not_met",
            };
            rows.push(DeskRow {
                contest: id,
                phase,
                figures,
                quorum,
                received,
            });
        }
        Ok(rows)
    }
}
