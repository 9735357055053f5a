//! The contests a published result's runoff proposal and a re-vote create, built one way for
//! the service, which logs them (`procedure::counting`), and the verifier, which requires
//! exactly these in logs of protocol 3 (docs/LOG_FORMAT.md): a runoff lists the candidates and
//! seats the parent's published result proposed, under the parent's rules; a re-vote is the
//! source contest again. Before, the verifier checked only that the source existed and was
//! published, so a forged runoff could list other candidates, or a re-vote other rules.

use serde_json::{json, Value};

use crate::record::entry::{ContestCreated, RunoffCreated, Style};
use crate::rules::conduct::{Conduct, ConductError, Origin};
use crate::rules::Election;

/// What a `contest_created` is a round of. A round of a procedure declared in the spec is
/// checked against it (its entrants and seats, `Conduct::procedure_contest`) and recorded
/// there; otherwise it is the next round of its source (whose list `next_round_of` builds).
/// One reading for the ledger, which applies it, and the verifier.
pub fn created_origin(conduct: &mut Conduct, b: &ContestCreated) -> Result<Origin, ConductError> {
    let Some(procedure) = &b.procedure else {
        return Ok(Origin::NextRound {
            from: b.from.clone(),
        });
    };
    let id = b
        .contest
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let (people, seats) = crate::record::procedure::entrants_of(&b.contest);
    conduct.procedure_contest(procedure, &b.from, id, &people, seats)?;
    Ok(Origin::Procedure {
        procedure: procedure.clone(),
        round: b.from.clone(),
    })
}

/// The contest and style a procedure's step creates for its next round, when that round is
/// held as a contest: the round's template from the registered spec with the list and posts
/// the step passed on (`record::procedure::round_contest`), in a style of its own for a new
/// ballot round (after every round so far), for every voter (no unit, no group), titled as
/// the round; names in canonical form, as the ledger logs a new round (`clean_contest`,
/// `clean_style`). `None` when round `round` of `def` is not a contest, or its template holds
/// a name that cannot be made canonical. One builder for the service, which logs it
/// (`procedure::chain`), and the verifier, which requires exactly it (protocol 5).
pub fn procedure_round_of(
    spec: &Value,
    styles: &[Style],
    def: &crate::rules::procedure::ProcedureDef,
    round: usize,
    people: &[crate::rules::procedure::Entrant],
    posts: u32,
) -> Option<(Value, Style)> {
    let r = def.rounds.get(round).filter(|r| r.kind.is_contest())?;
    let mut contest = crate::record::procedure::round_contest(spec, def, round, people, posts)?;
    crate::record::election::clean_contest(&mut contest).ok()?;
    let style = Style {
        round: styles
            .iter()
            .map(|st| st.round)
            .max()
            .unwrap_or(1)
            .saturating_add(1),
        contests: vec![r.contest.clone().unwrap_or_default()],
        title: r.title.clone(),
        unit: String::new(),
        group: String::new(),
    };
    Some((contest, crate::record::election::clean_style(style).ok()?))
}

/// A contest of the election spec, as registered or added since (JSON), by id.
pub fn spec_contest(spec: &Value, id: &str) -> Option<Value> {
    spec.get("contests")?
        .as_array()?
        .iter()
        .find(|x| x.get("id").and_then(|v| v.as_str()) == Some(id))
        .cloned()
}

/// The runoff of `parent` that a published result's `proposal` (its contest's `runoff`
/// object) calls for, given the spec, the election and the styles as they stand before it.
/// From conduct protocol 6 (`protocol`, the log's) the runoff keeps the parent's quorum
/// comparison and threshold base with their basis (a local rule holds for every round of
/// the contest); its list range is the statutory one for its seats, so the surplus
/// overrides are dropped, as every override was before.
pub fn runoff_of(
    spec: &Value,
    election: &Election,
    styles: &[Style],
    parent: &str,
    proposal: &Value,
    (protocol, roll_units): (u32, &[String]),
) -> RunoffCreated {
    let spec_contest = spec_contest(spec, parent).unwrap_or(Value::Null);
    let n = election
        .contests
        .iter()
        .filter(|x| x.runoff_of().as_ref().is_some_and(|ro| ro.parent == parent))
        .count()
        + 1;
    let ids: Vec<String> = proposal
        .get("candidates")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let parent_cands = spec_contest
        .get("candidates")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    let candidates: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(
            |(i, id)| match id.strip_prefix(crate::rules::tally::WRITE_IN_PREFIX) {
                Some(name) => json!({"id": format!("w{}", i + 1), "name": name}),
                None => parent_cands
                    .iter()
                    .find(|pc| pc.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
                    .cloned()
                    .unwrap_or(json!({"id": id, "name": id})),
            },
        )
        .collect();
    let id = format!("{parent}-r{n}");
    let mut contest = spec_contest.clone();
    contest["id"] = json!(id);
    contest["title"] = json!(format!(
        "{} (第 {} 次另行投票)",
        spec_contest
            .get("title")
            .and_then(|v| v.as_str())
            .unwrap_or(parent),
        n
    ));
    contest["seats"] = proposal.get("seats").cloned().unwrap_or(json!(1));
    contest["candidates"] = Value::Array(candidates);
    contest["parent"] = json!(parent);
    contest["runoff_reason"] = proposal
        .get("reason")
        .cloned()
        .unwrap_or(json!("shortfall"));
    contest["boundary_tie"] = proposal
        .get("boundary_tie")
        .cloned()
        .unwrap_or(json!(false));
    if let Some(o) = contest.as_object_mut() {
        // Protocol 10: a new vote among those tied at the last seat is on them alone.
        o.remove("closed_list");
        if protocol >= crate::rules::conduct::PROTOCOL_CLOSED_TIES
            && proposal.get("reason").and_then(|v| v.as_str()) == Some("tie")
        {
            o.insert("closed_list".into(), json!(true));
        }
        let kept = o.remove("overrides").and_then(|v| match v {
            Value::Object(mut ov) if protocol >= 6 => {
                ov.remove("min_surplus");
                ov.remove("max_surplus");
                let rule = ["quorum_comparison", "threshold_base"]
                    .iter()
                    .any(|k| ov.get(*k).is_some_and(|v| !v.is_null()));
                rule.then_some(Value::Object(ov))
            }
            _ => None,
        });
        if let Some(ov) = kept {
            o.insert("overrides".into(), ov);
        }
        o.remove("only_one_nominated");
    }
    let (style, more_styles) = style_after(styles, parent, id, (protocol, roll_units));
    RunoffCreated {
        parent: parent.to_string(),
        contest,
        style,
        more_styles,
    }
}

/// The re-vote of `source` (its spec contest `spec_c`): the same contest under the first free
/// id `{source}-v{n}`, in a new round after every style's, for the source's units and
/// evaluator groups (protocol 9: each of them; before, the first style's unit only, and no
/// group). Answers the contest, its style and its `more_styles`.
pub fn revote_of(
    spec_c: &Value,
    election: &Election,
    styles: &[Style],
    source: &str,
    (protocol, roll_units): (u32, &[String]),
) -> (Value, Style, Vec<Style>) {
    let taken = |id: &str| election.contest_index(id).is_some();
    let mut n = 1;
    while taken(&format!("{source}-v{n}")) {
        n += 1;
    }
    let id = format!("{source}-v{n}");
    let mut c = spec_c.clone();
    c["id"] = json!(id);
    c["title"] = json!(format!(
        "{} (重新投票)",
        spec_c
            .get("title")
            .and_then(|v| v.as_str())
            .unwrap_or(source)
    ));
    let round = styles
        .iter()
        .map(|st| st.round)
        .max()
        .unwrap_or(1)
        .saturating_add(1);
    // Each style's evaluator group, for a re-vote of a grouped evaluation (no other contest
    // has groups).
    let grouped = spec_c
        .get("groups")
        .and_then(|g| g.as_array())
        .is_some_and(|g| !g.is_empty());
    let (style, more) = source_styles(
        styles,
        (source, &id, round),
        (protocol, roll_units),
        grouped,
    );
    (c, style, more)
}

/// What the organiser chooses for a next round (`next-round`): everything else of its contest
/// comes from the source's published result and spec.
pub struct NextRoundChoice<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub kind: &'a str,
    pub seats: Value,
    pub mode: Option<&'a str>,
}

/// A next round of `from` (两票制, a recommendation poll feeding an election): its candidates
/// are whom `from`'s published result (`result_contest`, its contest object) elected or
/// short-listed, in that order; its turnout placeholder the source's; its styles those of
/// [`style_after`].
pub fn next_round_of(
    result_contest: &Value,
    spec: &Value,
    styles: &[Style],
    from: &str,
    choice: &NextRoundChoice<'_>,
    (protocol, roll_units): (u32, &[String]),
) -> (Value, Style, Vec<Style>) {
    let names: std::collections::HashMap<String, String> = result_contest
        .get("candidates")
        .and_then(|c| c.as_array())
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    Some((
                        c.get("id")?.as_str()?.to_string(),
                        c.get("name")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let chosen: Vec<Value> = result_contest
        .get("elected")
        .and_then(|e| e.as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let id = id.as_str()?;
            Some(match id.strip_prefix(crate::rules::tally::WRITE_IN_PREFIX) {
                Some(name) => json!({"id": format!("p{}", i + 1), "name": name}),
                None => json!({"id": id, "name": names.get(id).cloned().unwrap_or_else(|| id.to_string())}),
            })
        })
        .collect();
    let spec_c = spec_contest(spec, from).unwrap_or(Value::Null);
    let mut c = json!({"id": choice.id, "title": choice.title, "kind": choice.kind, "seats": choice.seats, "candidates": chosen,
        "turnout": spec_c.get("turnout").cloned().unwrap_or(json!({"eligible": 0, "present": 0, "ballots_issued": 0})), "from": from});
    if let Some(m) = choice.mode {
        c["mode"] = json!(m);
        // Protocol 10: paper keyed in as its source's was (two tellers a sheet, when the
        // source was so keyed); before, a next round was keyed by one teller whatever its
        // source (the red-team review of 2026-12-05).
        if protocol >= crate::rules::conduct::PROTOCOL_CLOSED_TIES && m != "electronic" {
            if let Some(pe) = spec_c.get("paper_entry").filter(|v| v.is_string()) {
                c["paper_entry"] = pe.clone();
            }
        }
    }
    let (style, more) = style_after(styles, from, choice.id.to_string(), (protocol, roll_units));
    (c, style, more)
}

/// The styles of contest `id`, a round that follows `source` (a runoff or a next round), for
/// the source's units: from conduct protocol 7 in a round after every style's (two runoffs of
/// one publication had the same round and unit, so one check-in served both and the second's
/// figures were the first's); before, the round after the source's.
fn style_after(
    styles: &[Style],
    source: &str,
    id: String,
    (protocol, roll_units): (u32, &[String]),
) -> (Style, Vec<Style>) {
    let round = if protocol >= 7 {
        styles
            .iter()
            .map(|st| st.round)
            .max()
            .unwrap_or(1)
            .saturating_add(1)
    } else {
        styles
            .iter()
            .find(|st| st.contests.iter().any(|c| c == source))
            .map_or(2, |s| s.round.saturating_add(1))
    };
    source_styles(styles, (source, &id, round), (protocol, roll_units), false)
}

/// The styles of contest `id` in round `round`, one per unit whose voters had `source` on
/// their ballot, in the order of its styles (`keep_group`: each with its style's evaluator
/// group, for a re-vote of a grouped evaluation): from conduct protocol 9 every such unit,
/// so that a contest spread over several units (a party congress's branches, each with a
/// ballot of its own) is voted again by all of them and by no one else. A source style
/// without a unit served the roll's units (`roll_units`) that had no style of their own in
/// its round: when its round has unit styles, those units are named one by one (a style
/// without a unit in the new round, where no unit has a style, would take in every unit of
/// the roll). Before protocol 9: the first style's unit only (the others' voters then had
/// no ballot in the new round), and no group. Answers the first and the rest (`more_styles`).
fn source_styles(
    styles: &[Style],
    (source, id, round): (&str, &str, u8),
    (protocol, roll_units): (u32, &[String]),
    keep_group: bool,
) -> (Style, Vec<Style>) {
    let make = |unit: &str, group: &str| Style {
        round,
        contests: vec![id.to_string()],
        title: String::new(),
        unit: unit.to_string(),
        group: if keep_group && protocol >= 9 {
            group.to_string()
        } else {
            String::new()
        },
    };
    let on: Vec<&Style> = styles
        .iter()
        .filter(|st| st.contests.iter().any(|c| c == source))
        .collect();
    if protocol < 9 {
        let first = on.first().map_or(make("", ""), |s| make(&s.unit, ""));
        return (first, Vec::new());
    }
    let mut out: Vec<Style> = Vec::new();
    let mut push = |unit: &str, group: &str| {
        if !out.iter().any(|s| s.unit == unit) {
            out.push(make(unit, group));
        }
    };
    for st in &on {
        let named: Vec<&str> = styles
            .iter()
            .filter(|o| o.round == st.round && !o.unit.is_empty())
            .map(|o| o.unit.as_str())
            .collect();
        if !st.unit.is_empty() || named.is_empty() {
            push(&st.unit, &st.group);
            continue;
        }
        for unit in roll_units.iter().filter(|u| !named.contains(&u.as_str())) {
            push(unit, &st.group);
        }
    }
    if out.is_empty() {
        out.push(make("", ""));
    }
    let first = out.remove(0);
    (first, out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    /// Protocol 10: a next round in paper or hybrid mode keys its paper as its source did
    /// (two tellers a sheet when the source was so keyed); before, one teller. Not when the
    /// next round is electronic (it has no paper to key).
    #[test]
    fn a_next_round_keeps_its_sources_double_entry_from_protocol_10() {
        let spec = json!({"format": "scrutineer.election/v1", "id": "p-2026", "title": "两票制",
            "contests": [{"id": "poll", "title": "民意测验", "kind": "recommendation", "seats": 1,
                "mode": "paper", "paper_entry": "double",
                "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
                "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}}]});
        let result = json!({"id": "poll", "elected": ["a", "b"],
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}]});
        let styles = vec![Style {
            round: 1,
            contests: vec!["poll".into()],
            title: String::new(),
            unit: String::new(),
            group: String::new(),
        }];
        let built = |protocol: u32, mode: Option<&str>| {
            let choice = NextRoundChoice {
                id: "vote",
                title: "选举",
                kind: "party_secretary",
                seats: json!(1),
                mode,
            };
            next_round_of(&result, &spec, &styles, "poll", &choice, (protocol, &[])).0
        };
        assert_eq!(built(10, Some("paper"))["paper_entry"], "double");
        assert_eq!(built(10, Some("hybrid"))["paper_entry"], "double");
        assert_eq!(built(9, Some("paper")).get("paper_entry"), None);
        assert_eq!(built(10, Some("electronic")).get("paper_entry"), None);
        assert_eq!(built(10, None).get("paper_entry"), None);
    }

    /// Two runoffs of one publication (the committee's and the discipline committee's, both
    /// of round 1): from protocol 7 the second gets a round of its own, not the first's
    /// round and unit (one check-in then served both, and the second's figures were the
    /// first's); a protocol-6 log replays with the round after its source's, as written.
    #[test]
    fn later_rounds_get_rounds_of_their_own_from_protocol_7() {
        let cands = |p: &str| {
            (1..=4)
                .map(|i| json!({"id": format!("{p}{i}"), "name": format!("候选人{p}{i}")}))
                .collect::<Vec<_>>()
        };
        let spec = json!({"format": "scrutineer.election/v1", "id": "p-2026", "title": "党代会",
            "contests": [
                {"id": "c", "title": "委员", "kind": "party_committee", "seats": 3, "candidates": cands("c"),
                 "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}},
                {"id": "k", "title": "纪委委员", "kind": "party_committee", "seats": 3, "candidates": cands("k"),
                 "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}}]});
        let election = crate::record::parse_election(spec.to_string().as_bytes()).unwrap();
        let round1 = Style {
            round: 1,
            contests: vec!["c".into(), "k".into()],
            title: String::new(),
            unit: "一支部".into(),
            group: String::new(),
        };
        let proposal = |p: &str| json!({"seats": 1, "candidates": [format!("{p}3"), format!("{p}4")], "reason": "shortfall"});
        for (protocol, second_round) in [(6, 2), (7, 3)] {
            let first = runoff_of(
                &spec,
                &election,
                std::slice::from_ref(&round1),
                "c",
                &proposal("c"),
                (protocol, &[]),
            );
            assert_eq!(
                (first.style.round, first.style.unit.as_str()),
                (2, "一支部")
            );
            let styles = vec![round1.clone(), first.style.clone()];
            let second = runoff_of(
                &spec,
                &election,
                &styles,
                "k",
                &proposal("k"),
                (protocol, &[]),
            );
            assert_eq!(
                (second.style.round, second.style.unit.as_str()),
                (second_round, "一支部"),
                "protocol {protocol}"
            );
        }
    }

    /// A grouped evaluation on two styles (unit 镇机关 with group 干部职工, unit 村 with group
    /// 群众代表): from protocol 9 its re-vote is on a style for each, with its group, and a
    /// next round of it on one per unit without groups; before, the first unit only.
    #[test]
    fn later_rounds_take_every_unit_of_their_source_from_protocol_9() {
        let spec = json!({"format": "scrutineer.election/v1", "id": "e-2026", "contests": [
            {"id": "t", "title": "班子测评", "kind": "evaluation", "scale": "team",
             "groups": [{"id": "staff", "title": "干部职工"}, {"id": "public", "title": "群众代表"}],
             "subjects": [{"id": "s1", "name": "镇党委班子"}],
             "turnout": {"eligible": 40, "present": 38, "ballots_issued": 38}}]});
        let election = crate::record::parse_election(spec.to_string().as_bytes()).unwrap();
        let style = |unit: &str, group: &str| Style {
            round: 1,
            contests: vec!["t".into()],
            title: String::new(),
            unit: unit.into(),
            group: group.into(),
        };
        let styles = vec![style("镇机关", "staff"), style("村", "public")];
        let spec_c = spec_contest(&spec, "t").unwrap();
        let (_, first, more) = revote_of(&spec_c, &election, &styles, "t", (9, &[]));
        let got: Vec<(u8, String, String)> = std::iter::once(&first)
            .chain(&more)
            .map(|s| (s.round, s.unit.clone(), s.group.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "镇机关".to_string(), "staff".to_string()),
                (2, "村".to_string(), "public".to_string())
            ]
        );
        assert!(more.iter().chain([&first]).all(|s| s.contests == ["t-v1"]));
        let (_, first, more) = revote_of(&spec_c, &election, &styles, "t", (8, &[]));
        assert_eq!(
            (first.unit.as_str(), first.group.as_str(), more.len()),
            ("镇机关", "", 0)
        );
        let (first, more) = style_after(&styles, "t", "n".into(), (9, &[]));
        assert_eq!(
            (
                first.group.as_str(),
                more.len(),
                more[0].unit.as_str(),
                more[0].group.as_str()
            ),
            ("", 1, "村", "")
        );
    }

    /// A contest on a style without a unit, in a round where another unit has a style of its
    /// own without the contest: from protocol 9 its runoff names the units the style served
    /// (the roll's units without a style of their own), so the other unit's voters, who never
    /// had the contest, get no ballot in the runoff (a runoff style without a unit, in a round
    /// where no unit has one, would take in the whole roll).
    #[test]
    fn a_style_without_a_unit_is_followed_by_the_units_it_served() {
        let spec = json!({"format": "scrutineer.election/v1", "id": "u-2026", "contests": [
            {"id": "c", "kind": "npc_direct", "seats": 1,
             "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}],
             "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}},
            {"id": "k", "kind": "npc_direct", "seats": 1,
             "candidates": [{"id": "x", "name": "张军"}, {"id": "y", "name": "赵敏"}],
             "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}}]});
        let election = crate::record::parse_election(spec.to_string().as_bytes()).unwrap();
        let style = |unit: &str, c: &str| Style {
            round: 1,
            contests: vec![c.into()],
            title: String::new(),
            unit: unit.into(),
            group: String::new(),
        };
        let styles = vec![style("", "c"), style("一支部", "k")];
        let units: Vec<String> = ["一支部", "三支部", "二支部"].map(String::from).to_vec();
        let proposal = json!({"seats": 1, "candidates": ["a", "b"], "reason": "tie"});
        let r = runoff_of(&spec, &election, &styles, "c", &proposal, (9, &units));
        let got: Vec<&str> = std::iter::once(&r.style)
            .chain(&r.more_styles)
            .map(|s| s.unit.as_str())
            .collect();
        assert_eq!(got, vec!["三支部", "二支部"]);
        // A round where no unit has a style: the style without a unit stays one.
        let r = runoff_of(&spec, &election, &styles[..1], "c", &proposal, (9, &units));
        assert_eq!((r.style.unit.as_str(), r.more_styles.len()), ("", 0));
        // Before protocol 9: the first style's unit, as written.
        let r = runoff_of(&spec, &election, &styles, "c", &proposal, (8, &units));
        assert_eq!((r.style.unit.as_str(), r.more_styles.len()), ("", 0));
    }

    /// A party congress's delegates counted against 应到会 (a local rule with its basis) and
    /// a list rule below the statute: the runoff of a shortfall keeps the count's base from
    /// conduct protocol 6 (so a second round is not measured more leniently than the first),
    /// and drops the list rule (its list is the statutory one for its seats), as every
    /// override was dropped before.
    #[test]
    fn a_runoff_keeps_its_parents_threshold_base_from_protocol_6() {
        let spec = json!({"format": "scrutineer.election/v1", "id": "p-2026", "title": "党代会",
            "contests": [{"id": "d", "title": "代表", "kind": "party_delegates", "seats": 5,
                "candidates": (1..=6).map(|i| json!({"id": format!("c{i}"), "name": format!("候选人{i}")})).collect::<Vec<_>>(),
                "turnout": {"eligible": 200, "present": 170, "ballots_issued": 170},
                "overrides": {"threshold_base": "eligible", "min_surplus": 1,
                              "basis": "县委组织部换届选举工作意见"}}]});
        let election = crate::record::parse_election(spec.to_string().as_bytes()).unwrap();
        let styles = vec![Style {
            round: 1,
            contests: vec!["d".into()],
            title: String::new(),
            unit: String::new(),
            group: String::new(),
        }];
        let proposal = json!({"seats": 1, "candidates": ["c5", "c6"], "reason": "shortfall"});
        let old = runoff_of(&spec, &election, &styles, "d", &proposal, (5, &[]));
        assert!(old.contest.get("overrides").is_none(), "{}", old.contest);
        let new = runoff_of(&spec, &election, &styles, "d", &proposal, (6, &[]));
        assert_eq!(
            new.contest["overrides"],
            json!({"threshold_base": "eligible", "basis": "县委组织部换届选举工作意见"})
        );
        // The runoff, added to the spec, is measured against the eligible: 2·for > 200.
        let mut with = spec.clone();
        with["contests"]
            .as_array_mut()
            .unwrap()
            .push(new.contest.clone());
        let e = crate::record::parse_logged_election(with.to_string().as_bytes()).unwrap();
        let r = e.contests.iter().find(|c| c.id() == "d-r1").unwrap();
        assert_eq!(
            r.rules().threshold.map(|t| t.base),
            Some(crate::rules::kind::Base::Eligible)
        );
        // And the parent's proposal says so, from protocol 6: its shortfall rule has the same
        // base. A protocol-5 log recounts as written (the kind's base, P).
        let base = |protocol: u32| {
            let e = crate::record::parse_logged_election(spec.to_string().as_bytes())
                .unwrap()
                .for_protocol(protocol);
            let p = e.contests.iter().find(|c| c.id() == "d").unwrap();
            p.rules().shortfall_threshold.map(|t| t.base)
        };
        assert_eq!(base(5), Some(crate::rules::kind::Base::Present));
        assert_eq!(base(6), Some(crate::rules::kind::Base::Eligible));
        let p = election.contests.iter().find(|c| c.id() == "d").unwrap();
        assert_eq!(
            p.rules().shortfall_threshold.map(|t| t.base),
            Some(crate::rules::kind::Base::Eligible),
            "a spec given as input is read under the current protocol"
        );
    }
}
