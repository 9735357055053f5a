//! The election's facts read from its registration entry, a ballot's key, a style's definition, and the text tellers sign for a result.

use super::*;

/// The checkpoint text a teller signs for the result at `result_index`: the tree right after
/// the result.
pub fn result_checkpoint_text(
    election_id: &str,
    tree: &Tree,
    result_index: u64,
) -> Result<String, LedgerError> {
    let root = tree
        .root_at(result_index + 1)
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    Checkpoint {
        origin: crate::record::entry::origin(election_id),
        size: result_index + 1,
        root,
        extensions: Vec::new(),
    }
    .to_text()
    .map_err(|e| LedgerError::Index(e.to_string()))
}

pub fn style_def(s: &Style) -> StyleDef {
    StyleDef {
        round: s.round,
        unit: s.unit.clone(),
        contests: s.contests.clone(),
    }
}

/// The ballot key of a ballot entry's body (plaintext or encrypted).
pub fn ballot_key(e: &Entry) -> Result<BallotKey, LedgerError> {
    let token = if e.kind == EntryKind::EncryptedBallot {
        EncryptedBallotBody::decode(&e.body)
            .map_err(|err| refused(Code::EntryBody, err.to_string()))?
            .token
    } else {
        let b: BallotBody = body(e)?;
        crate::tokens::token_from_base64(&b.token).map_err(LedgerError::Token)?
    };
    Ok(BallotKey {
        serial: *token.serial(),
        round: token.round(),
        style: token.style(),
        encrypted: e.kind == EntryKind::EncryptedBallot,
    })
}

pub fn election_info(b: &ElectionRegistered) -> Result<ElectionInfo, LedgerError> {
    let election =
        parse_logged_election(b.spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
    let election_key = parse_election_key(&b.election_key).ok_or_else(|| {
        refused(
            Code::BadKey,
            "选举公钥无效 / the election key is invalid".into(),
        )
    })?;
    let log_key = Verifier::parse(&b.log_key).map_err(|e| refused(Code::BadKey, e.to_string()))?;
    let mut tellers: Vec<Verifier> = Vec::new();
    for t in &b.tellers {
        let v = Verifier::parse(t).map_err(|e| refused(Code::BadKey, e.to_string()))?;
        // A teller's name is shown beside its signature on the board: it may not hide
        // invisible or direction characters (elections of protocol 2 and later).
        if b.protocol >= 2 {
            crate::record::names::check_id_characters(v.name()).map_err(|e| {
                refused(
                    Code::BadKey,
                    format!("计票人公钥的名称 / the teller key's name: {e}"),
                )
            })?;
        }
        if b.protocol >= 2 && tellers.iter().any(|o| o.name() == v.name()) {
            return Err(refused(
                Code::TellerTwice,
                format!(
                    "计票人 “{}” 登记了两次 / the teller “{}” is registered twice",
                    v.name(),
                    v.name()
                ),
            ));
        }
        tellers.push(v);
    }
    if b.signatures_required as usize > tellers.len() {
        return Err(refused(
            Code::SignaturesRequired,
            format!(
                "需要 {} 个签名, 但只有 {} 名计票人 / {} signatures required but {} tellers",
                b.signatures_required,
                tellers.len(),
                b.signatures_required,
                tellers.len()
            ),
        ));
    }
    if b.protocol == 0 || b.protocol > PROTOCOL_CURRENT {
        return Err(refused(
            Code::Protocol,
            format!(
                "日志协议 {} 不受支持 (最高 {PROTOCOL_CURRENT}) / log protocol {} is not supported (at most {PROTOCOL_CURRENT})",
                b.protocol, b.protocol
            ),
        ));
    }
    // An election of procedures only starts without contests, so without styles.
    let procedures_only = election.contests.is_empty() && !election.procedures.is_empty();
    if (b.styles.is_empty() && !procedures_only) || b.styles.len() > usize::from(u16::MAX) {
        return Err(refused(
            Code::Styles,
            "须有 1 至 65535 个选票样式 / needs 1 to 65535 ballot styles".into(),
        ));
    }
    for (i, s) in b.styles.iter().enumerate() {
        if s.contests.is_empty() || s.round == 0 {
            return Err(refused(
                Code::Styles,
                format!(
                    "选票样式 {i} 须有选举项目和轮次 / style {i} needs contests and a round ≥ 1"
                ),
            ));
        }
        for c in &s.contests {
            if election.contest_index(c).is_none() {
                return Err(refused(
                    Code::Styles,
                    format!("选票样式 {i} 的 “{c}” 不存在 / style {i} names no contest “{c}”"),
                ));
            }
        }
    }
    if b.protocol >= 2 {
        // Two styles for one unit in one round would let the desk's counts be read twice.
        let mut seen: BTreeMap<(u8, &str), usize> = BTreeMap::new();
        for (i, s) in b.styles.iter().enumerate() {
            if let Some(j) = seen.insert((s.round, s.unit.as_str()), i) {
                return Err(refused(
                    Code::Styles,
                    format!("选票样式 {j} 和 {i} 属于同一轮次和单位 / styles {j} and {i} have the same round and unit"),
                ));
            }
        }
    }
    match &b.secrecy {
        Some(Secrecy::Plaintext { reason }) if reason.trim().is_empty() => {
            return Err(refused(
                Code::PlaintextReasonMissing,
                "明文投票须写明原因 (记入日志并公示) / plaintext ballots need a reason (logged and posted)".into(),
            ));
        }
        Some(Secrecy::Encrypted { threshold }) => {
            let n = u32::try_from(tellers.len()).unwrap_or(u32::MAX);
            crate::crypto::dkg::DkgParams::new(n, *threshold).map_err(|e| {
                refused(
                    Code::Threshold,
                    format!("加密选票须有至少 3 名计票人, 门限 k 为 2 至 n: {e} / encrypted ballots need at least 3 tellers and a threshold k of 2 to n: {e}"),
                )
            })?;
            // An evaluation with evaluator groups takes each style's group, not the voter's.
            for (i, st) in b.styles.iter().enumerate() {
                for c in &st.contests {
                    let grouped = election
                        .contest_index(c)
                        .and_then(|ci| election.contests[ci].evaluation().as_ref())
                        .filter(|e| !e.groups.is_empty());
                    if let Some(e) = grouped {
                        if e.group_index(&st.group).is_none() {
                            return Err(refused(
                                Code::StyleGroup,
                                format!("选票样式 {i} 须写明 “{c}” 的测评组 (group) / style {i} must name the evaluator group of “{c}”"),
                            ));
                        }
                    }
                }
            }
            for c in &election.contests {
                if crate::record::election::contest_arrival(&b.spec, c.id()).mode != Mode::Paper {
                    crate::e2e::shape_of(c)?;
                }
            }
        }
        _ => {}
    }
    Ok(ElectionInfo {
        id: election.id.clone(),
        election,
        spec: b.spec.clone(),
        styles: b.styles.clone(),
        election_key,
        log_key,
        tellers,
        signatures_required: b.signatures_required,
        protocol: b.protocol,
        pool_spare_percent: b.pool_spare_percent.unwrap_or(POOL_SPARE_PERCENT_DEFAULT),
        secrecy: b.secrecy.clone(),
    })
}

/// A paper ballot line as logged (counted or keyed), which must belong to `contest`.
pub(super) fn paper_line(
    election: &crate::rules::Election,
    contest: &str,
    line: &serde_json::Value,
) -> Result<crate::rules::Ballot, LedgerError> {
    if line.get("contest").and_then(|c| c.as_str()) != Some(contest) {
        return Err(refused(
            Code::BallotStyleMismatch,
            "纸质选票的 contest 与选举项目不符 / the paper ballot names another contest".into(),
        ));
    }
    crate::record::ballot::parse_ballot_line(election, 1, &line.to_string(), Names::AsLogged)
        .map(|(_, b)| b)
        .map_err(LedgerError::Ballot)
}

/// The election with a contest (a runoff, or a later round) and its ballot style added.
pub(super) fn with_contest(
    info: &ElectionInfo,
    contest: &serde_json::Value,
    style: &Style,
) -> Result<ElectionInfo, LedgerError> {
    let mut spec = info.spec.clone();
    if let Some(contests) = spec.get_mut("contests").and_then(|c| c.as_array_mut()) {
        contests.push(contest.clone());
    }
    let election =
        parse_logged_election(spec.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
    let mut styles = info.styles.clone();
    styles.push(style.clone());
    Ok(ElectionInfo {
        id: info.id.clone(),
        election,
        spec,
        styles,
        election_key: info.election_key,
        log_key: info.log_key.clone(),
        tellers: info.tellers.clone(),
        signatures_required: info.signatures_required,
        protocol: info.protocol,
        pool_spare_percent: info.pool_spare_percent,
        secrecy: info.secrecy.clone(),
    })
}
