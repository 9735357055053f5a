//! Protocol 3: the contest a runoff, a re-vote or a next round creates must be exactly the one
//! the service builds for it (`record::rounds`), from the source's published result or the
//! source contest. Each check answers why the logged one is not, or `None`; `None` too when the
//! source was not counted, which the conduct then refuses with its own code.

use serde_json::Value;

use super::setup::{body, conduct_err, style_def};
use crate::codes::Code;
use crate::record::election::contest_arrival;
use crate::record::entry::{
    round_styles, ContestCreated, Entry, EntryKind, ResultBody, RevoteCreated, RunoffCreated, Style,
};
use crate::record::parse_logged_election;
use crate::record::procedure::{check_step_body, ProcedureStep};
use crate::record::rounds::{
    created_origin, next_round_of, procedure_round_of, revote_of, runoff_of, spec_contest,
    NextRoundChoice,
};
use crate::rules::conduct::LoggedStep;
use crate::rules::conduct::{Conduct, Origin};
use crate::rules::Election;
use crate::verify::{fail, Failure, ProcedureStepReport, Report, RevoteReport};

/// A new round's entry (`runoff_created`, `revote_created`, `contest_created`): checked, then
/// its contest added to the spec and the election, its style to the styles, and the contest
/// to the conduct.
pub(super) fn new_round(
    i: u64,
    e: &Entry,
    protocol: u32,
    (spec, election, styles): (&mut Value, &mut Election, &mut Vec<Style>),
    conduct: &mut Conduct,
    results: &[(u64, ResultBody)],
    report: &mut Report,
) -> Result<(), Failure> {
    // Protocol 3: a runoff, re-vote or next round is exactly the contest the
    // service builds for it (`rounds`), computed from the state before the entry
    // and compared once the conduct accepted it (its refusals, which say when a
    // new contest may be created, come first).
    let ce = conduct_err(i, e);
    let before = Before {
        spec,
        election,
        styles,
        conduct,
        results,
    };
    let strict3 = protocol >= 3;
    let (contest, styles_new, origin, wrong) = if e.kind == EntryKind::RunoffCreated {
        let b: RunoffCreated = body(i, e)?;
        let wrong = strict3.then(|| before.runoff(&b)).flatten();
        (
            b.contest,
            round_styles(&b.style, &b.more_styles),
            Origin::Runoff { parent: b.parent },
            wrong,
        )
    } else if e.kind == EntryKind::RevoteCreated {
        let b: RevoteCreated = body(i, e)?;
        crate::rules::conduct::check_revote_reason_in(&b.reason, protocol).map_err(&ce)?;
        let wrong = strict3.then(|| before.revote(&b)).flatten();
        report.revotes.push(RevoteReport {
            index: i,
            source: b.source.clone(),
            reason: b.reason.clone(),
        });
        (
            b.contest,
            round_styles(&b.style, &b.more_styles),
            Origin::Revote { of: b.source },
            wrong,
        )
    } else {
        let b: ContestCreated = body(i, e)?;
        // A procedure's round is exactly the contest and style the procedure's step builds
        // for it (protocol 5; before, only its list and seats were checked); a next round
        // is what its source's published result passed on (protocol 3).
        let wrong = match &b.procedure {
            None => strict3.then(|| before.next_round(&b)).flatten(),
            Some(p) => (protocol >= 5)
                .then(|| before.procedure_round(&b, p))
                .flatten(),
        };
        let origin = created_origin(conduct, &b).map_err(&ce)?;
        (
            b.contest,
            round_styles(&b.style, &b.more_styles),
            origin,
            wrong,
        )
    };
    let id = contest
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    if styles_new
        .iter()
        .any(|style| style.contests != [id.clone()])
    {
        return Err(fail(
            Some(i),
            Some(e.kind),
            Code::Styles,
            format!("新轮次的选票样式须只含 “{id}” / the new round's style holds “{id}” only"),
        ));
    }
    // Protocol 5: a new round's names (its title, candidates, its style's title and unit) as
    // the ledger logs them, canonical (`clean_new_round`).
    if protocol >= 5 {
        let bad = |err: crate::record::election::SpecError| {
            fail(Some(i), Some(e.kind), err.code(), err.to_string())
        };
        let mut clean = contest.clone();
        crate::record::election::clean_contest(&mut clean).map_err(bad)?;
        let mut clean_styles = Vec::new();
        for style in &styles_new {
            clean_styles.push(crate::record::election::clean_style(style.clone()).map_err(bad)?);
        }
        if clean != contest || clean_styles != styles_new {
            return Err(fail(
                Some(i),
                Some(e.kind),
                Code::NameNotCanonical,
                format!("第 {i} 条: 新轮次的名称不是规范写法 (服务记录前会规范化) / entry {i}: a name of the new round is not in canonical form (the service logs names canonical)"),
            ));
        }
    }
    let source = match &origin {
        Origin::Runoff { parent } => parent.clone(),
        Origin::NextRound { from } => from.clone(),
        Origin::Revote { of } => of.clone(),
        Origin::Procedure { .. } | Origin::Spec => String::new(),
    };
    let procedure_round = matches!(origin, Origin::Procedure { .. });
    if !procedure_round && election.contest_index(&source).is_none() {
        return Err(fail(
            Some(i),
            Some(e.kind),
            Code::UnknownContest,
            format!("“{source}” 不存在 / no contest “{source}”"),
        ));
    }
    let mut next = (*spec).clone();
    if let Some(c) = next.get_mut("contests").and_then(|c| c.as_array_mut()) {
        c.push(contest.clone());
    }
    *election = parse_logged_election(next.to_string().as_bytes())
        .map_err(|err| fail(Some(i), Some(e.kind), err.code(), err.to_string()))?;
    *spec = next;
    conduct
        .add_contest(
            &id,
            contest_arrival(spec, &id),
            origin,
            styles_new.iter().map(style_def).collect(),
        )
        .map_err(ce)?;
    if let Some(what) = wrong {
        return Err(fail(
            Some(i),
            Some(e.kind),
            Code::RoundContest,
            format!("第 {i} 条: {what}"),
        ));
    }
    styles.extend(styles_new);
    Ok(())
}

/// The log's state just before the entry that creates the contest.
pub(super) struct Before<'a> {
    pub(super) spec: &'a Value,
    pub(super) election: &'a Election,
    pub(super) styles: &'a [Style],
    pub(super) conduct: &'a Conduct,
    pub(super) results: &'a [(u64, ResultBody)],
}

impl Before<'_> {
    /// The contest object of `id` in the result that counted it: `Err` when `id` was not
    /// counted, `Ok(None)` when that result does not hold it.
    fn counted(&self, id: &str) -> Result<Option<&Value>, ()> {
        let r = self
            .conduct
            .contest(id)
            .ok()
            .and_then(|c| c.result)
            .ok_or(())?;
        Ok(self
            .results
            .iter()
            .find(|(idx, _)| *idx == r)
            .and_then(|(_, rb)| rb.result.get("contests")?.as_array())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id))
            }))
    }

    pub(super) fn runoff(&self, b: &RunoffCreated) -> Option<String> {
        let proposal = self
            .counted(&b.parent)
            .ok()?
            .and_then(|c| c.get("runoff"))
            .filter(|p| !p.is_null());
        match proposal {
            None => Some(format!("“{}” 的计票结果没有提议另行投票 / the result of “{}” proposes no runoff", b.parent, b.parent)),
            Some(p) => (runoff_of(self.spec, self.election, self.styles, &b.parent, p, (self.conduct.protocol(), &self.conduct.roll_units())) != *b)
                .then(|| format!("另行投票不是 “{}” 的计票结果所提议的 (候选人、名额、规则与样式须一致) / the runoff is not the one the result of “{}” proposes (candidates, seats, rules and style must match)", b.parent, b.parent)),
        }
    }

    pub(super) fn revote(&self, b: &RevoteCreated) -> Option<String> {
        let source = spec_contest(self.spec, &b.source)?;
        let want = revote_of(
            &source,
            self.election,
            self.styles,
            &b.source,
            (self.conduct.protocol(), &self.conduct.roll_units()),
        );
        (want != (b.contest.clone(), b.style.clone(), b.more_styles.clone())).then(|| {
            format!(
                "重新投票不是 “{}” 原样的选举项目 / the re-vote is not “{}” as it was",
                b.source, b.source
            )
        })
    }

    /// A procedure's round held as a contest: the template of the registered spec with the
    /// list and posts of the procedure's last step, in the style the chain makes for it
    /// (`record::rounds::procedure_round_of`). A round the procedure is not at is refused by
    /// the conduct (`created_origin`), not here.
    pub(super) fn procedure_round(&self, b: &ContestCreated, procedure: &str) -> Option<String> {
        let (def, st) = self.conduct.procedure(procedure).ok()?;
        // None: no contest can be built for it (the conduct refuses a round the procedure is
        // not at before this is read), so none is right.
        let want = procedure_round_of(self.spec, self.styles, def, st.done, &st.people, st.posts);
        (want.as_ref() != Some(&(b.contest.clone(), b.style.clone())) || !b.more_styles.is_empty()).then(|| {
            format!("程序 “{procedure}” 的这一轮不是登记的轮次模板加上一步推出的名单 (类型、规则、方式与样式须一致) / this round of procedure “{procedure}” is not the registered round's template with the list its last step passed on (kind, rules, mode and style must match)")
        })
    }

    /// A next round without a procedure: the organiser chose only its id, title, kind, seats
    /// and mode; its list is whom the source's published result passed on.
    pub(super) fn next_round(&self, b: &ContestCreated) -> Option<String> {
        let source = self.counted(&b.from).ok()?.cloned().unwrap_or(Value::Null);
        let text = |k: &str| {
            b.contest
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        };
        let choice = NextRoundChoice {
            id: text("id"),
            title: text("title"),
            kind: text("kind"),
            seats: b.contest.get("seats").cloned().unwrap_or(Value::Null),
            mode: b.contest.get("mode").and_then(|v| v.as_str()),
        };
        let want = next_round_of(
            &source,
            self.spec,
            self.styles,
            &b.from,
            &choice,
            (self.conduct.protocol(), &self.conduct.roll_units()),
        );
        (want != (b.contest.clone(), b.style.clone(), b.more_styles.clone())).then(|| {
            format!("下一轮不是 “{}” 公布的结果所推出的名单 / the next round is not the list the published result of “{}” passes on", b.from, b.from)
        })
    }
}

/// A procedure's step (`procedure_step`): its own fields (from protocol 5 its names as the
/// service logs them), then the rules of its round (`Conduct::procedure_step`); reported.
/// Returns the contest the service creates with it, when the next round is held as one
/// (`procedure::chain`: it appends that contest in the same write).
pub(super) fn procedure_step(
    i: u64,
    e: &crate::record::entry::Entry,
    protocol: u32,
    conduct: &mut Conduct,
    report: &mut Report,
) -> Result<Option<super::due::Due>, Failure> {
    let ce = conduct_err(i, e);
    let b: ProcedureStep = body(i, e)?;
    check_step_body(&b, protocol).map_err(|(code, m)| fail(Some(i), Some(e.kind), code, m))?;
    let (def, _) = conduct.procedure(&b.procedure).map_err(&ce)?;
    let kind = crate::record::procedure::logged_round_kind(def, &b)
        .map_err(|(code, m)| fail(Some(i), Some(e.kind), code, m))?;
    let people = b.entrants();
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    // Invariant: check_step_body above refused scores that do not parse.
    let scores = b.parsed_scores().unwrap_or_default();
    let input = crate::record::procedure::step_input(kind, &people, &ids, &scores, &[]);
    conduct
        .procedure_step(&LoggedStep {
            procedure: &b.procedure,
            round: &b.round,
            input,
            posts: b.posts,
            people: &people,
            widened: b.widened,
            result: b.result,
        })
        .map_err(&ce)?;
    let next = super::due::Due::next_round(conduct, &b.procedure);
    report.procedure_steps.push(ProcedureStepReport {
        index: i,
        procedure: b.procedure,
        round: b.round,
        posts: b.posts,
        people: people.into_iter().map(|p| p.name).collect(),
    });
    Ok(next)
}

/// The runoffs a publication brings with it (a sweep of the service's checks against the
/// verifier's, 2026-12-05). The service appends, in the same write as the publication, a
/// `runoff_created` for each runoff the published result proposes (in the order of its
/// contests), except one whose list is short (`short_list`) or that the rules refuse (it
/// reports those as `blocked`); each is built by `runoff_of` and tried here as the replay
/// would take it, on copies of the state. From protocol 11 they are due (`due`).
pub(super) fn runoffs_due(
    i: u64,
    published: &ResultBody,
    protocol: u32,
    (spec, election, styles): (&Value, &Election, &[Style]),
    conduct: &Conduct,
    results: &[(u64, ResultBody)],
) -> Vec<RunoffCreated> {
    let mut due = Vec::new();
    let proposals: Vec<(&str, &Value)> = published
        .result
        .get("contests")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let p = c.get("runoff").filter(|p| !p.is_null())?;
            let short = p
                .get("short_list")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            (!short).then(|| (c.get("id").and_then(|v| v.as_str()).unwrap_or_default(), p))
        })
        .collect();
    if proposals.is_empty() {
        return due;
    }
    let mut state = (
        spec.clone(),
        election.clone(),
        styles.to_vec(),
        conduct.clone(),
    );
    for (parent, proposal) in proposals {
        let runoff = runoff_of(
            &state.0,
            &state.1,
            &state.2,
            parent,
            proposal,
            (protocol, &state.3.roll_units()),
        );
        let entry = Entry {
            kind: EntryKind::RunoffCreated,
            prev: [0u8; 32],
            body: crate::record::entry::body_bytes(&runoff),
        };
        let mut tried = state.clone();
        let taken = new_round(
            i,
            &entry,
            protocol,
            (&mut tried.0, &mut tried.1, &mut tried.2),
            &mut tried.3,
            results,
            &mut Report::default(),
        );
        if taken.is_ok() {
            state = tried;
            due.push(runoff);
        }
    }
    due
}
