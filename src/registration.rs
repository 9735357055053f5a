//! Checking a registration (entry 0), one way for the ledger and the verifier: the spec, the
//! log key and the tellers' keys, the signatures a result needs, the conduct protocol, the
//! ballot styles, and what secrecy asks of them. The ledger refuses a registration that
//! fails here before it is logged; the verifier fails an export whose entry 0 does. A check
//! that only the service made would let a forged export register what the service never
//! would (two styles for one unit, so two desk counts; an undeclared evaluator group; two
//! names on one teller key) and still verify.
//!
//! Architecture invariant: pure (no I/O); it joins `rules`, `record` and `e2e` only, as
//! `count` does. The election key's format is read by each caller (the ledger keeps it as a
//! verifying key, the verifier too, each with its own error).

use std::collections::{BTreeMap, BTreeSet};

use crate::codes::Code;
use crate::record::election::contest_arrival;
use crate::record::encrypted::ENCRYPTED_LINES_MAX;
use crate::record::entry::{ElectionRegistered, Secrecy};
use crate::record::note::Verifier;
use crate::record::parse_logged_election;
use crate::rules::conduct::{Mode, PROTOCOL_CURRENT};
use crate::rules::Election;

/// Why a registration is refused: a stable code and a bilingual message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationError {
    pub code: Code,
    pub message: String,
}

impl std::fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn refused(code: Code, message: impl Into<String>) -> RegistrationError {
    RegistrationError {
        code,
        message: message.into(),
    }
}

/// What a registration that passed gives its reader.
pub struct Registered {
    pub election: Election,
    pub log_key: Verifier,
    /// The registered tellers, in order: teller ℓ is the ℓ-th.
    pub tellers: Vec<Verifier>,
}

/// Checks entry 0's body. The checks named "protocol 2" apply to logs of protocol 2 and
/// later (docs/LOG_FORMAT.md); logs of protocol 1 were written before them and are read
/// as they were written.
pub fn check(b: &ElectionRegistered) -> Result<Registered, RegistrationError> {
    let election = parse_logged_election(b.spec.to_string().as_bytes())
        .map_err(|e| refused(e.code(), e.to_string()))?;
    if b.protocol == 0 || b.protocol > PROTOCOL_CURRENT {
        return Err(refused(
            Code::Protocol,
            format!(
                "日志协议 {} 不受支持 (1 至 {PROTOCOL_CURRENT}) / log protocol {} is not supported (1 to {PROTOCOL_CURRENT})",
                b.protocol, b.protocol
            ),
        ));
    }
    let strict = b.protocol >= 2;
    // Protocol 4: every name of the spec in canonical form, as the service logs it
    // (`record::names`): a log whose spec hides an invisible or direction character in a
    // name, or spells two candidates alike, was not written by the service.
    if b.protocol >= 4 {
        let mut clean = b.spec.clone();
        crate::record::election::clean_spec(&mut clean)
            .map_err(|e| refused(e.code(), e.to_string()))?;
        let styles_clean = b
            .styles
            .iter()
            .all(|st| crate::record::election::clean_style(st.clone()).is_ok_and(|c| c == *st));
        if clean != b.spec || !styles_clean {
            return Err(refused(
                Code::NameNotCanonical,
                "登记的选举设置中有名称不是规范写法 (服务登记前会规范化) / a name in the registered spec is not in canonical form (the service logs names canonical)",
            ));
        }
    }
    // Protocol 10 (a red-team review of the verifier, 2026-12-05): entry 0 holds first
    // rounds only. A later round is created from a published result (`runoff_created`,
    // `revote_created`, `contest_created`), never registered: a contest registered as a
    // runoff of a contest that is not there took the runoff's rules (3·for ≥ P, or "most
    // for") in its first and only round. A procedure's round contest is created by its
    // chain: one registered under its id was held, counted and then taken as the round.
    if b.protocol >= crate::rules::conduct::PROTOCOL_CLOSED_TIES {
        // The checks every spec given as input passes (an evaluation's weights, triggers and
        // quota in range): a forged entry 0 skipped them.
        election
            .check_new_input()
            .map_err(|e| refused(e.code(), e.to_string()))?;
        if let Some(c) = election.contests.iter().find(|c| c.runoff_of().is_some()) {
            return Err(refused(
                Code::SpecLaterRound,
                format!(
                    "登记的选举项目 “{0}” 写着是另一项目的后续轮次 (parent、runoff_reason); 后续轮次在结果公布后由服务创建, 不能登记 / contest “{0}” of the registered spec claims to be a later round of another (parent, runoff_reason): later rounds are created from a published result, not registered",
                    c.id()
                ),
            ));
        }
        for d in &election.procedures {
            for r in &d.rounds {
                if let Some(c) = r
                    .contest
                    .as_deref()
                    .filter(|c| election.contest_index(c).is_some())
                {
                    return Err(refused(
                        Code::ProcedureSpec,
                        format!(
                            "程序 “{0}” 的轮次 “{1}” 的选举项目 “{c}” 已作为普通选举项目登记; 轮次的选举项目由程序创建 / round “{1}” of procedure “{0}” is held as contest “{c}”, which the spec registers as a contest of its own: a round's contest is created by its procedure",
                            d.id, r.id
                        ),
                    ));
                }
            }
        }
    }
    // Protocol 11: the ids the rules give runoffs and re-votes are theirs (`…-r<n>`,
    // `…-v<n>`, `Conduct::add_contest`): a contest registered under one took a runoff's place.
    if b.protocol >= crate::rules::conduct::PROTOCOL_WHOLE_GROUPS {
        let ids = election.contests.iter().map(|c| c.id().to_string()).chain(
            election
                .procedures
                .iter()
                .flat_map(|d| d.rounds.iter().filter_map(|r| r.contest.clone())),
        );
        for id in ids {
            if crate::rules::conduct::reserved_round_id(&id).is_some() {
                let e = crate::rules::conduct::ConductError::ContestIdReserved(id);
                return Err(refused(e.code(), e.to_string()));
            }
        }
    }
    // Protocol 6: no contest overrides a rule the law fixes for its kind (a quorum
    // comparison, a threshold base or a list range of a people's congress, township or
    // villager contest, `override_statutory`).
    if b.protocol >= 6 {
        crate::record::election::check_statute(&election, &b.spec)
            .map_err(|e| refused(e.code(), e.to_string()))?;
    }
    let log_key = Verifier::parse(&b.log_key).map_err(|e| refused(Code::BadKey, e.to_string()))?;
    let tellers = tellers(b, strict)?;
    // An encrypted election's first want is its tellers: said before the signatures they
    // would give (with none, "1 signature required but 0 tellers" named the wrong thing).
    if matches!(b.secrecy, Some(Secrecy::Encrypted { .. })) && tellers.len() < 3 {
        return Err(refused(
            Code::Threshold,
            format!(
                "加密选举需要至少 3 名计票人的公钥 (每人在自己的电脑上运行 scrutineer teller keygen), 现有 {} 名; 或选择明文投票并写明原因 / an encrypted election needs at least 3 tellers' public keys (each runs scrutineer teller keygen on their own computer), {} given; or choose plaintext ballots with a reason",
                tellers.len(),
                tellers.len()
            ),
        ));
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
    styles(b, &election, strict)?;
    // Protocol 2: the spare of the token pools is at most 100% (the service refuses more
    // before it registers: a log claiming more would cap no pool).
    if let Some(p) = b.pool_spare_percent.filter(|p| strict && *p > 100) {
        return Err(refused(
            Code::PoolSparePercent,
            format!("备用选票码比例 {p}% 超过 100% / a spare of {p}% exceeds 100%"),
        ));
    }
    // Protocol 3: the secrecy is said (the service writes it since protocol 2's second day;
    // without it, a plaintext election would have no logged reason).
    if b.protocol >= 3 && b.secrecy.is_none() {
        return Err(refused(
            Code::PlaintextReasonMissing,
            "日志未写明选票是否加密 (明文须写明原因) / the log does not say whether ballots are encrypted (plaintext needs a reason)",
        ));
    }
    secrecy(b, &election, &tellers)?;
    Ok(Registered {
        election,
        log_key,
        tellers,
    })
}

/// The tellers' keys. Protocol 2: a name shown beside a signature on the board hides no
/// invisible or direction characters, no name is registered twice, and no key is registered
/// twice under two names (one person would count as two signers, and hold two shares of an
/// encrypted election's key).
fn tellers(b: &ElectionRegistered, strict: bool) -> Result<Vec<Verifier>, RegistrationError> {
    let mut tellers: Vec<Verifier> = Vec::new();
    let mut keys: BTreeSet<[u8; 32]> = BTreeSet::new();
    for t in &b.tellers {
        let v = Verifier::parse(t).map_err(|e| refused(Code::BadKey, e.to_string()))?;
        if strict {
            crate::record::names::check_id_characters(v.name()).map_err(|e| {
                refused(
                    Code::BadKey,
                    format!("计票人公钥的名称 / the teller key's name: {e}"),
                )
            })?;
            if tellers.iter().any(|o| o.name() == v.name()) {
                return Err(refused(
                    Code::TellerTwice,
                    format!(
                        "计票人 “{}” 登记了两次 / the teller “{}” is registered twice",
                        v.name(),
                        v.name()
                    ),
                ));
            }
            if !keys.insert(v.verifying_key().to_bytes()) {
                return Err(refused(
                    Code::TellerTwice,
                    format!(
                        "计票人 “{}” 的公钥已登记给另一名计票人 / the teller “{}” has the key of another registered teller",
                        v.name(),
                        v.name()
                    ),
                ));
            }
        }
        tellers.push(v);
    }
    Ok(tellers)
}

/// The ballot styles: 1 to 65,535 of them (none for an election of procedures only), each
/// with a round and contests that exist; protocol 2: one style per round and unit, since the
/// desk's count of a unit is read once per style.
fn styles(
    b: &ElectionRegistered,
    election: &Election,
    strict: bool,
) -> Result<(), RegistrationError> {
    let procedures_only = election.contests.is_empty() && !election.procedures.is_empty();
    if (b.styles.is_empty() && !procedures_only) || b.styles.len() > usize::from(u16::MAX) {
        return Err(refused(
            Code::Styles,
            "须有 1 至 65535 个选票样式 / needs 1 to 65535 ballot styles",
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
    // Protocol 10: no voter gets one contest in two rounds. On styles of two rounds that
    // serve the same voters (both without a unit, say, or one without and one with, or the
    // same unit) each counted them, so the contest's eligible figure and its token cap
    // doubled (the red-team review of 2026-12-05). Different units in different rounds are
    // different voters.
    if b.protocol >= crate::rules::conduct::PROTOCOL_CLOSED_TIES {
        // Per contest: each unit (or "" for every voter) with the round and style that
        // serves it; a second round for the same voters is refused.
        let mut served: BTreeMap<&str, Vec<(&str, u8, usize)>> = BTreeMap::new();
        for (i, st) in b.styles.iter().enumerate() {
            for c in &st.contests {
                served
                    .entry(c.as_str())
                    .or_default()
                    .push((st.unit.as_str(), st.round, i));
            }
        }
        for (c, styles) in &served {
            let mut by_unit: BTreeMap<&str, (u8, usize)> = BTreeMap::new();
            let mut everyone: Option<(u8, usize)> = None;
            for &(unit, round, i) in styles {
                let clash = if unit.is_empty() {
                    styles
                        .iter()
                        .find(|(_, r, _)| *r != round)
                        .map(|(_, r, j)| (*r, *j))
                } else {
                    everyone
                        .filter(|(r, _)| *r != round)
                        .or_else(|| by_unit.get(unit).copied().filter(|(r, _)| *r != round))
                };
                if let Some((other, j)) = clash {
                    return Err(refused(
                        Code::Styles,
                        format!("选举项目 “{c}” 在第 {other} 轮 (样式 {j}) 和第 {round} 轮 (样式 {i}) 有同一批选民的选票样式; 一个选民只在一轮投这个项目 / contest “{c}” is on styles of round {other} (style {j}) and round {round} (style {i}) for the same voters: a voter votes a contest in one round"),
                    ));
                }
                if unit.is_empty() {
                    everyone = Some((round, i));
                } else {
                    by_unit.insert(unit, (round, i));
                }
            }
        }
    }
    if strict {
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
    Ok(())
}

/// Secrecy: a plaintext election's reason; an encrypted election's tellers and threshold,
/// each style's evaluator group (one its evaluations declare: the group's ballots are
/// summed and decrypted apart), each electronic contest's ballot shape, and at most
/// [`ENCRYPTED_LINES_MAX`] contests on one style (what an encrypted ballot can hold).
/// Encrypted elections exist from protocol 2 on.
fn secrecy(
    b: &ElectionRegistered,
    election: &Election,
    tellers: &[Verifier],
) -> Result<(), RegistrationError> {
    match &b.secrecy {
        Some(Secrecy::Plaintext { reason }) if reason.trim().is_empty() => Err(refused(
            Code::PlaintextReasonMissing,
            "明文投票须写明原因 (记入日志并公示) / plaintext ballots need a reason (logged and posted)",
        )),
        // Protocol 5: posted on the board, so held to the board's rules for a reason.
        Some(Secrecy::Plaintext { reason })
            if b.protocol >= 5 && !crate::rules::conduct::board_reason_ok(reason) =>
        {
            Err(refused(
                Code::ReasonText,
                "明文投票的原因须为 1 至 500 个字符, 不含不可见、方向字符或换行以外的控制字符 / the plaintext reason must be 1 to 500 characters without invisible or direction characters, or control characters other than line breaks",
            ))
        }
        Some(Secrecy::Encrypted { threshold }) => {
            if b.protocol < 2 {
                return Err(refused(
                    Code::Protocol,
                    format!("加密选举的日志协议至少为 2, 现为 {} / an encrypted election's log protocol is 2 or later, not {}", b.protocol, b.protocol),
                ));
            }
            // Protocol 4: a result of an encrypted election is published only with a registered
            // teller's signature (with none, an organiser alone publishes, and opens the runoffs
            // and next rounds that follow).
            if b.protocol >= 4 && b.signatures_required == 0 {
                return Err(refused(
                    Code::SignaturesRequired,
                    "加密选举的结果至少需要 1 名计票人签名才能公布 / an encrypted election's results need at least one teller's signature to be published".to_string(),
                ));
            }
            let n = u32::try_from(tellers.len()).unwrap_or(u32::MAX);
            crate::crypto::dkg::DkgParams::new(n, *threshold).map_err(|e| {
                refused(
                    Code::Threshold,
                    format!("加密选票须有至少 3 名计票人, 门限 k 为 2 至 n: {e} / encrypted ballots need at least 3 tellers and a threshold k of 2 to n: {e}"),
                )
            })?;
            for (i, st) in b.styles.iter().enumerate() {
                if st.contests.len() > ENCRYPTED_LINES_MAX {
                    return Err(refused(
                        Code::Styles,
                        format!("选票样式 {i} 有 {} 个选举项目, 一张加密选票最多 {ENCRYPTED_LINES_MAX} 个 / style {i} has {} contests; an encrypted ballot holds at most {ENCRYPTED_LINES_MAX}", st.contests.len(), st.contests.len()),
                    ));
                }
                // An evaluation with evaluator groups takes each style's group, not the voter's.
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
                if contest_arrival(&b.spec, c.id()).mode != Mode::Paper {
                    crate::e2e::shape_of(c).map_err(|e| refused(e.code(), e.to_string()))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::record::entry::Style;

    fn registered(protocol: u32, contest: serde_json::Value) -> ElectionRegistered {
        let log = crate::record::note::Signer::new(
            "scrutineer/reg-2026",
            ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]),
        )
        .unwrap();
        ElectionRegistered {
            spec: serde_json::json!({"format": "scrutineer.election/v1", "id": "reg-2026",
                "contests": [contest]}),
            styles: vec![Style {
                round: 1,
                contests: vec!["e".into()],
                title: String::new(),
                unit: String::new(),
                group: String::new(),
            }],
            election_key: String::new(),
            log_key: log.verifier().unwrap().to_text(),
            tellers: Vec::new(),
            signatures_required: 0,
            protocol,
            pool_spare_percent: None,
            secrecy: Some(Secrecy::Plaintext {
                reason: "a test of plaintext ballots".into(),
            }),
        }
    }

    /// Protocol 10 (the red-team review of 2026-12-05): entry 0 passes the checks every spec
    /// given as input passes. A trigger written as a percentage (60, not 0.6) is refused by
    /// the service and was taken from a forged entry 0.
    #[test]
    fn entry_0_passes_the_input_checks_from_protocol_10() {
        let contest = serde_json::json!({"id": "e", "title": "测评", "kind": "evaluation",
            "scale": "individual", "subjects": [{"id": "s1", "name": "赵主任"}],
            "triggers": {"favourable_below": "60"},
            "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}});
        let current = crate::rules::conduct::PROTOCOL_CLOSED_TIES;
        assert!(check(&registered(current - 1, contest.clone())).is_ok());
        let refused = check(&registered(current, contest)).err().unwrap();
        assert!(refused.message.contains("triggers"), "{}", refused.message);
    }

    /// Protocol 10: no voter gets one contest in two rounds (each style counted them, so the
    /// eligible figure and the token cap doubled); different units in different rounds are
    /// different voters.
    #[test]
    fn a_contest_reaches_each_voter_in_one_round_from_protocol_10() {
        let contest = serde_json::json!({"id": "e", "title": "测评", "kind": "evaluation",
            "scale": "individual", "subjects": [{"id": "s1", "name": "赵主任"}],
            "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}});
        let style = |round: u8, unit: &str| Style {
            round,
            contests: vec!["e".into()],
            title: String::new(),
            unit: unit.into(),
            group: String::new(),
        };
        let current = crate::rules::conduct::PROTOCOL_CLOSED_TIES;
        for (styles, ok) in [
            (vec![style(1, "甲村"), style(2, "乙村")], true),
            (vec![style(1, "甲村"), style(1, "乙村")], true),
            (vec![style(1, ""), style(2, "")], false),
            (vec![style(1, "甲村"), style(2, "")], false),
            (vec![style(1, ""), style(2, "乙村")], false),
            (vec![style(1, "甲村"), style(2, "甲村")], false),
        ] {
            let mut b = registered(current, contest.clone());
            b.styles = styles.clone();
            let got = check(&b);
            assert_eq!(got.is_ok(), ok, "{styles:?}");
            if !ok {
                assert_eq!(got.err().unwrap().code, Code::Styles);
                let mut old = registered(current - 1, contest.clone());
                old.styles = styles;
                assert!(check(&old).is_ok());
            }
        }
    }
}
