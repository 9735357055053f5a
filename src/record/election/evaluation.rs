//! An evaluation's and a ranking's fields of a spec, read into the rules' types.

use super::*;

pub(super) fn evaluation(ctx: &str, c: &ContestV1) -> Result<EvaluationParams, SpecError> {
    let rated = c.scale.as_deref() == Some("score");
    let scale =
        match &c.scale {
            None => None,
            Some(_) if rated => None,
            Some(s) => Some(Scale::from_id(s).ok_or_else(|| {
                field_err(ctx, "scale", s, "use individual, team, member or score")
            })?),
        };
    let below = c
        .triggers
        .as_ref()
        .and_then(|t| t.score_below.as_ref())
        .map(|r| ratio(ctx, "triggers.score_below", r))
        .transpose()?;
    if !rated && (c.score_max.is_some() || c.drop_extremes || below.is_some()) {
        let field = if c.score_max.is_some() {
            "score_max"
        } else if c.drop_extremes {
            "drop_extremes"
        } else {
            "triggers.score_below"
        };
        return Err(field_err(
            ctx,
            field,
            "",
            "only for a rated-score evaluation (scale: score)",
        ));
    }
    if rated && c.points.is_some() {
        return Err(field_err(
            ctx,
            "points",
            "",
            "a rated-score evaluation (scale: score) has no grades to give points to",
        ));
    }
    let score = rated.then(|| ScoreRule {
        max: c.score_max.unwrap_or(100),
        drop_extremes: c.drop_extremes,
        below,
    });
    let points = match (&c.points, scale) {
        (None, _) => None,
        (Some(_), None) => None,
        (Some(map), Some(scale)) => {
            let mut pts = crate::rules::evaluation::DEFAULT_POINTS.map(Ratio::integer);
            for (k, v) in map {
                let i = scale.grade_index(k).ok_or_else(|| {
                    field_err(
                        ctx,
                        "points",
                        k,
                        &format!("grades of this scale: {}", scale.keys().join(", ")),
                    )
                })?;
                pts[i] = ratio(ctx, "points", v)?;
            }
            Some(pts)
        }
    };
    let mut triggers = Triggers::default();
    if let Some(t) = &c.triggers {
        if let Some(v) = &t.favourable_below {
            triggers.favourable_below = v
                .as_ref()
                .map(|r| ratio(ctx, "triggers.favourable_below", r))
                .transpose()?;
        }
        if let Some(v) = &t.unfavourable_above {
            triggers.unfavourable_above = v
                .as_ref()
                .map(|r| ratio(ctx, "triggers.unfavourable_above", r))
                .transpose()?;
        }
    }
    let mut groups = Vec::with_capacity(c.groups.len());
    for g in &c.groups {
        groups.push(Group {
            id: g.id.clone(),
            title: if g.title.is_empty() {
                g.id.clone()
            } else {
                g.title.clone()
            },
            weight: g
                .weight
                .as_ref()
                .map(|w| ratio(ctx, "groups.weight", w))
                .transpose()?,
        });
    }
    Ok(EvaluationParams {
        scale,
        subjects: c
            .subjects
            .iter()
            .map(|s| Subject {
                id: s.id.clone(),
                name: s.name.trim().to_string(),
            })
            .collect(),
        groups,
        points,
        triggers,
        excellent_quota: c
            .excellent_quota
            .as_ref()
            .map(|q| ratio(ctx, "excellent_quota", q))
            .transpose()?,
        uniform_void: c.uniform_void,
        score,
    })
}

pub(super) fn scores(
    ctx: &str,
    map: &BTreeMap<String, RatioText>,
) -> Result<Vec<(String, Ratio)>, SpecError> {
    map.iter()
        .map(|(k, v)| Ok((k.clone(), ratio(ctx, "scores", v)?)))
        .collect()
}

pub(super) fn ranking(r: RankingV1) -> Result<RankingSetup, SpecError> {
    let ctx = r.id.clone();
    let mut components = Vec::with_capacity(r.components.len());
    for c in &r.components {
        let source = match (&c.scores, &c.evaluation) {
            (Some(s), None) => Source::Scores(scores(&ctx, s)?),
            (None, Some(e)) => Source::Evaluation(e.clone()),
            _ => {
                return Err(field_err(
                    &ctx,
                    "components",
                    &c.id,
                    "each component needs either scores or evaluation, not both",
                ))
            }
        };
        components.push(Component {
            id: c.id.clone(),
            title: if c.title.is_empty() {
                c.id.clone()
            } else {
                c.title.clone()
            },
            weight: ratio(&ctx, "weight", &c.weight)?,
            source,
        });
    }
    let tie_break = match &r.tie_break {
        None => None,
        Some(t) => Some(TieBreak {
            key: t.key.clone(),
            scores: scores(&ctx, &t.scores)?,
        }),
    };
    Ok(RankingSetup::new(
        r.id,
        r.title,
        r.subjects
            .into_iter()
            .map(|s| Subject {
                id: s.id,
                name: s.name,
            })
            .collect(),
        components,
        tie_break,
    )?)
}
