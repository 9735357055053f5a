//! Entry 0 (the registration) and what it sets up, the helpers every entry's check uses,
//! and the report of each result's signatures.

use super::*;

pub(super) fn body<T: for<'de> serde::Deserialize<'de>>(i: u64, e: &Entry) -> Result<T, Failure> {
    e.body_as().map_err(|err| {
        fail(
            Some(i),
            Some(e.kind),
            Code::Body,
            format!("第 {i} 条正文无效: {err} / entry {i} has an invalid body: {err}"),
        )
    })
}

/// A cast-or-check refusal as a failure of entry `i`.
pub(super) fn challenge_err(i: u64, e: &Entry, err: ChallengeError) -> Failure {
    fail(
        Some(i),
        Some(e.kind),
        err.code(),
        format!("第 {i} 条: {err} / entry {i}: {err}"),
    )
}

/// A conduct refusal as a failure of entry `i`.
pub(super) fn conduct_err(i: u64, e: &Entry) -> impl Fn(ConductError) -> Failure + '_ {
    move |err| {
        fail(
            Some(i),
            Some(e.kind),
            err.code(),
            format!("第 {i} 条: {err} / entry {i}: {err}"),
        )
    }
}

pub(super) fn style_def(s: &Style) -> StyleDef {
    StyleDef {
        round: s.round,
        unit: s.unit.clone(),
        contests: s.contests.clone(),
    }
}

/// What the registration entry (entry 0) sets up: the election, its keys, styles and conduct.
pub(super) struct Setup {
    pub(super) reg: ElectionRegistered,
    pub(super) spec: serde_json::Value,
    pub(super) election: Election,
    pub(super) election_id: String,
    pub(super) strict: bool,
    pub(super) election_key: VerifyingKey,
    pub(super) log_key: Verifier,
    pub(super) tellers: Vec<Verifier>,
    pub(super) styles: Vec<Style>,
    pub(super) conduct: Conduct,
    pub(super) book: Option<Book>,
}

/// Reads entry 0, which must register the election, and sets up the replay from it.
pub(super) fn setup(entries: &[Entry], report: &mut Report) -> Result<Setup, Failure> {
    // The first entry registers the election and its keys.
    let first = entries
        .first()
        .ok_or_else(|| fail(None, None, Code::Export, "日志为空 / the log is empty"))?;
    if first.kind != EntryKind::ElectionRegistered {
        return Err(fail(
            Some(0),
            Some(first.kind),
            Code::Genesis,
            "第 0 条不是选举登记 / entry 0 does not register the election",
        ));
    }
    let reg: ElectionRegistered = body(0, first)?;
    let spec = reg.spec.clone();
    // The ledger's checks of a registration, made again (`registration`): a forged entry 0
    // cannot register what the service would refuse.
    let crate::registration::Registered {
        election,
        log_key,
        tellers,
    } = crate::registration::check(&reg)
        .map_err(|e| fail(Some(0), Some(first.kind), e.code, e.message))?;
    let election_id = election.id.clone();
    report.election = election_id.clone();
    report.protocol = reg.protocol;
    let strict = reg.protocol >= 2;
    let election_key = BASE64
        .decode(&reg.election_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| {
            fail(
                Some(0),
                Some(first.kind),
                Code::Keys,
                "选举公钥无效 / the election key is invalid",
            )
        })?;
    let styles: Vec<Style> = reg.styles.clone();
    let contests: Vec<(String, Arrival)> = election
        .contests
        .iter()
        .map(|c| (c.id().clone(), contest_arrival(&spec, c.id())))
        .collect();
    let mut conduct = Conduct::new(
        reg.protocol,
        reg.pool_spare_percent.unwrap_or(5),
        styles.iter().map(style_def).collect(),
        &contests,
    )
    .with_procedures(&election.procedures)
    .with_teller_keys(tellers.len());
    // Encrypted ballots: the ceremony and the tallies, replayed with the same checks.
    let mut book: Option<Book> = None;
    if let Some(Secrecy::Encrypted { threshold }) = &reg.secrecy {
        conduct = conduct.with_secrecy(SecrecyMode::Encrypted {
            tellers: u32::try_from(tellers.len()).unwrap_or(u32::MAX),
            threshold: *threshold,
        });
        book = Some(
            Book::new(&election_id, tellers.clone(), *threshold, reg.protocol)
                .map_err(|e| fail(Some(0), Some(first.kind), e.code(), e.to_string()))?,
        );
    }
    if let Some(Secrecy::Plaintext { reason }) = &reg.secrecy {
        report.plaintext_reason = Some(reason.clone());
    }
    Ok(Setup {
        reg,
        spec,
        election,
        election_id,
        strict,
        election_key,
        log_key,
        tellers,
        styles,
        conduct,
        book,
    })
}

/// Each result's signatures and publication, for the report.
pub(super) fn report_results(
    report: &mut Report,
    results: &[(u64, ResultBody)],
    conduct: &Conduct,
    reg: &ElectionRegistered,
    strict: bool,
) {
    report.results = results.len() as u64;
    report.not_counted = conduct
        .contests()
        .filter(|(_, c)| c.result.is_none())
        .filter_map(|(id, c)| match c.phase {
            crate::rules::conduct::Phase::Open => Some((id.clone(), "open".to_string())),
            crate::rules::conduct::Phase::Closed => Some((id.clone(), "closed".to_string())),
            crate::rules::conduct::Phase::Draft => None,
        })
        .collect();
    for (i, r) in results {
        let rc = conduct.result(*i);
        let signers: Vec<String> = rc
            .map(|r| r.signers.iter().cloned().collect())
            .unwrap_or_default();
        let published = rc.is_some_and(|r| r.published);
        if (signers.len() as u64) < u64::from(reg.signatures_required) || (strict && !published) {
            report.not_yet_signed.push(*i);
        }
        report.result_status.push(ResultReport {
            index: *i,
            contests: r.contests.clone(),
            signers,
            required: reg.signatures_required,
            published: strict.then_some(published),
        });
    }
}
