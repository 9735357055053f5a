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
        .root_at(result_index.saturating_add(1))
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    Checkpoint {
        origin: crate::record::entry::origin(election_id),
        size: result_index.saturating_add(1),
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

pub fn election_info(
    b: &ElectionRegistered,
    log_id: [u8; 32],
) -> Result<ElectionInfo, LedgerError> {
    // The checks the verifier makes of entry 0 too (`registration`): one place.
    let crate::registration::Registered {
        election,
        log_key,
        tellers,
    } = crate::registration::check(b).map_err(|e| refused(e.code, e.message))?;
    let election_key = parse_election_key(&b.election_key).ok_or_else(|| {
        refused(
            Code::BadKey,
            "选举公钥无效 / the election key is invalid".into(),
        )
    })?;
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
        log_id,
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
    new_styles: &[Style],
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
    styles.extend_from_slice(new_styles);
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
        log_id: info.log_id,
    })
}
