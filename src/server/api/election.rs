//! The election: its summary, its creation, the key ceremony's status and the teller entries.

use super::*;
use crate::codes::Code;
use crate::server::openapi::{allowed, codes, components};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(create_election, election,);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "创建选举 / new election")]
pub struct NewElection {
    /// 选举定义 / the election spec
    #[schema(value_type = components::ElectionSpec)]
    spec: Value,
    /// 选票样式; 缺省: 第 1 轮一个样式, 含所有首轮项目 / ballot styles; default: one round-1 style holding every
    /// first-round contest
    #[serde(default)]
    #[schema(value_type = Option<Vec<components::Style>>)]
    styles: Option<Vec<Style>>,
    /// 计票人的 signed-note 验证公钥; 默认 [] / the tellers' signed-note verifier keys; default []
    #[serde(default)]
    tellers: Vec<String>,
    /// 公布结果前所需的计票人签名数; 默认: 加密选举为门限 k (至少 1), 明文选举为 0 / teller
    /// signatures needed before a result can be published; default: the threshold k in an
    /// encrypted election (which needs at least 1), 0 in a plaintext one
    #[serde(default)]
    signatures_required: Option<u32>,
    // ISO date of election day, for the roll's age check.
    /// 选举日, 导入名单时用于核对年龄 / election day, used to check ages when the roll is imported
    #[serde(default)]
    #[schema(format = Date)]
    election_date: Option<String>,
    // `{"mode": "encrypted", "threshold": k}` (the default, with a majority of the tellers)
    // or `{"mode": "plaintext", "reason": "..."}`.
    /// 投票保密方式: `{"mode": "encrypted", "threshold": k}` (默认, k 为计票人过半) 或
    /// `{"mode": "plaintext", "reason": "..."}` / ballot secrecy: `{"mode": "encrypted",
    /// "threshold": k}` (the default, a majority of the tellers) or `{"mode": "plaintext",
    /// "reason": "..."}`
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    secrecy: Option<Value>,
}

#[utoipa::path(
    post,
    path = "/api/v1/election",
    tag = "election",
    summary = "创建选举 / Create the election",
    description = "一个数据目录只办一次选举: 在日志中登记选举定义、样式与计票人公钥。\n\nOne \
                    data directory holds one election: registers the spec, the styles and \
                    the tellers' keys in the log.",
    request_body = NewElection,
    responses(
        (status = 201, description = "已创建 / Created", body = components::ElectionSummary),
        (status = 409, extensions(("x-error-codes" = json!(["election_exists", "contest_id_reserved"])))),
        (status = 422, extensions(("x-error-codes" = json!([
                codes::SPEC,
                &["bad_key", "spec_later_round", "procedure_spec", "styles"][..],
            ]
            .concat())))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn create_election(
    state: Data,
    _caller: As<Org>,
    body: web::Json<NewElection>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let st = state.clone();
    let summary = block(move || {
        let mut slot = st.ledger.write().map_err(|_| ApiError::Internal("lock".into()))?;
        if slot.is_some() {
            return Err(conflict(Code::ElectionExists, "本服务已有选举; 先归档它 (POST /api/v1/election/archive, 组织者页面的“选举列表”) 再新建 / this service already holds an election: archive it first (POST /api/v1/election/archive, the organiser page's election list)"));
        }
        if let Some(id) = body.spec.get("id").and_then(|v| v.as_str()) {
            crate::server::elections::check_new_id(&st.config.data_dir, id)?;
        }
        // With no election, any roll, check-ins, proposals or settings in the records are
        // an archived election's, left by an archive cut off before it cleared them: the
        // new election starts without them.
        st.records.clear_election()?;
        let n_tellers = body.tellers.len();
        // Encrypted is the default, and so is its threshold (a majority of the tellers),
        // whether the secrecy is left out or given as `{"mode": "encrypted"}` alone.
        let secrecy = match body.secrecy {
            None => crate::record::entry::Secrecy::Encrypted {
                threshold: procedure::default_threshold(n_tellers),
            },
            Some(mut v) => {
                if v.get("mode").and_then(|m| m.as_str()) == Some("encrypted")
                    && v.get("threshold").is_none_or(|t| t.is_null())
                {
                    v["threshold"] = json!(procedure::default_threshold(n_tellers));
                }
                serde_json::from_value(v).map_err(|e| {
                    invalid(
                        Code::BadJson,
                        format!("secrecy 应为 {{\"mode\": \"encrypted\", \"threshold\": k}} 或 {{\"mode\": \"plaintext\", \"reason\": \"…\"}}: {e} / secrecy must be {{\"mode\": \"encrypted\", \"threshold\": k}} or {{\"mode\": \"plaintext\", \"reason\": \"…\"}}: {e}"),
                    )
                })?
            }
        };
        let ledger = procedure::create_election(
            crate::server::state::ledger_config(&st.config),
            &st.records,
            procedure::NewElection {
                spec: body.spec,
                styles: body.styles,
                tellers: body.tellers,
                signatures_required: body
                    .signatures_required
                    .unwrap_or_else(|| procedure::default_signatures(&secrecy)),
                election_date: body.election_date,
                pool_spare_percent: u32::try_from(st.config.pool_spare_percent).unwrap_or(100),
                secrecy,
            },
        )?;
        let summary = election_summary(&ledger)?;
        *slot = Some(ledger);
        Ok(summary)
    })
    .await?;
    Ok(HttpResponse::Created().json(summary))
}

pub(crate) fn election_summary(l: &Ledger) -> Result<Value, ApiError> {
    l.read(|s| -> Result<Value, ApiError> {
        let info = s.state.info()?;
        let conduct = s.state.conduct()?;
        let contests: Vec<Value> = info
            .election
            .contests
            .iter()
            .map(|c| {
                let phase = conduct.phase(c.id()).unwrap_or(Phase::Draft);
                let cc = conduct.contest(c.id()).ok();
                json!({"id": c.id(), "title": c.title(), "kind": c.kind().id(), "kind_label": c.kind().label_zh(), "seats": c.seats(),
                       "candidates": c.candidates().iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>(),
                       "state": phase.id(), "mode": info.mode(c.id()).id(), "parent": c.runoff_of().as_ref().map(|r| r.parent.clone()),
                       "seats_reduced_by": cc.map_or(0, |x| x.reduced_by), "superseded": cc.is_some_and(|x| x.superseded),
                       "counted": cc.is_some_and(|x| x.result.is_some()),
                       "reducible": c.kind().family() == crate::rules::kind::Family::Party && cc.is_some_and(|x| x.unfilled > 0)
                           && conduct.check_reduction_rules(c.id()).is_ok(),
                       "scale": c.evaluation().as_ref().map(|e| if e.score.is_some() { "score" } else { e.scale.id() }),
                       "subjects": c.evaluation().as_ref().map(|e| e.subjects.iter().map(|x| json!({"id": x.id, "name": x.name})).collect::<Vec<_>>()),
                       "groups": c.evaluation().as_ref().map(|e| e.groups.iter().map(|g| json!({"id": g.id, "title": g.title})).collect::<Vec<_>>()),
                       "grades": c.evaluation().as_ref().filter(|e| e.score.is_none()).map(|e| e.scale.keys().iter().zip(e.scale.labels_zh()).map(|(k, l)| json!({"id": k, "label": l})).collect::<Vec<_>>()),
                       "score_max": c.evaluation().as_ref().and_then(|e| e.score.map(|r| r.max)),
                       "paper_entry": if cc.is_some_and(|x| x.double_entry) { "double" } else { "single" },
                       "paper_sheet": cc.map_or(1, |x| x.paper_ballots + 1),
                       "paper_keyed_by": cc.map(|x| x.keyings.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
                       "paper_mismatch": conduct.paper_sheet(c.id()).is_ok_and(|(_, _, m)| m)})
            })
            .collect();
        let pools: Vec<Value> = (0..info.styles.len())
            .filter_map(|n| u16::try_from(n).ok())
            .map(|n| {
                let p = conduct.pool(n);
                json!({"style": n, "registered": p.registered, "spent": p.spent, "late": p.late,
                       "cap": conduct.pool_cap(n), "voided": p.voided})
            })
            .collect();
        Ok(json!({"id": info.id, "title": info.election.title, "contests": contests, "styles": info.styles,
                  "log_size": s.tree.size(), "ballots": s.state.ballots(), "protocol": info.protocol,
                  "log_id": crate::verify::hex(&info.log_id),
                  "protocol_current": crate::rules::conduct::PROTOCOL_CURRENT,
                  "pools": pools, "roll_registered": conduct.roll().map(|r| r.values().sum::<u64>()),
                  "tellers": info.tellers.iter().map(|t| t.name().to_string()).collect::<Vec<_>>(),
                  "signatures_required": info.signatures_required,
                  "roll_warnings": crate::record::result::notices(&crate::procedure::roll_warnings(info, conduct)),
                  "secrecy": secrecy_summary(s)}))
    })?
}

/// The election's secrecy for the pages: encrypted (threshold, the ceremony's progress and,
/// once set, the key's fingerprint) or plaintext with the logged reason.
pub(crate) fn secrecy_summary(s: &crate::ledger::Shared) -> Value {
    match (s.state.admin().book.as_deref(), s.state.conduct()) {
        (Some(book), Ok(conduct)) => {
            let c = conduct.ceremony();
            // Who the ceremony waits for: the tellers who have not made its current step
            // (step 1, then the shares, then the checks), by name, for the organiser to call.
            let names: Vec<String> = s
                .state
                .info()
                .map(|i| i.tellers.iter().map(|t| t.name().to_string()).collect())
                .unwrap_or_default();
            let step = [&c.round1, &c.shares, &c.checks]
                .into_iter()
                .find(|done| done.len() < names.len());
            let waiting: Vec<&str> = match (c.key, step) {
                (None, Some(done)) => names
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !done.contains(&((i + 1) as u32)))
                    .map(|(_, n)| n.as_str())
                    .collect(),
                _ => Vec::new(),
            };
            json!({"encrypted": true, "threshold": book.params().threshold, "tellers": book.params().tellers,
                   "fingerprint": book.key().map(|k| k.fingerprint()),
                   "ceremony": {"attempt": c.attempt, "round1": c.round1.len(), "shares": c.shares.len(), "checks": c.checks.len(),
                       "waiting": waiting,
                       "restarts": crate::procedure::restarts_json(c)}})
        }
        _ => match s.state.info().ok().and_then(|i| i.secrecy.clone()) {
            Some(crate::record::entry::Secrecy::Plaintext { reason }) => {
                json!({"encrypted": false, "reason": reason})
            }
            _ => json!({"encrypted": false}),
        },
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/election",
    tag = "election",
    summary = "选举概况 / Election summary",
    description = "项目、候选人、投票状态、样式与日志大小。\n\nContests, candidates, voting \
                    state, styles and log size.",
    responses(
        (status = 200, description = "成功 / OK", body = components::ElectionSummary),
        (status = 409, extensions(("x-error-codes" = json!(["no_election"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn election(state: Data) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    Ok(HttpResponse::Ok().json(block(move || election_summary(&l)).await?))
}
