//! `scrutineer teller run`: a teller's machine verifies an export of the log, then computes
//! what it owes the election next: a step of the key ceremony, or the shuffles and
//! decryption shares of closed contests. The steps go to a file the teller submits (teller
//! page, `scrutineer ledger submit`); the teller's secrets stay in its state file.
//!
//! The teller never decrypts on the service's word: only what its own replay of the whole
//! log shows as a closed contest's total. The state file remembers the largest log verified
//! (size and root), and a later export must extend it.

use crate::cli::CommandError;
use crate::codes::Code;
use std::path::Path;

use serde_json::{json, Value};

use crate::e2e::teller::{ceremony, counting_run, Guard, Run, TellerState};
use crate::ledger::keys::replace_secret;
use crate::record::note::Signer;
use crate::verify::{verify_export_resuming, with_export};

/// The steps file's format id.
pub const STEPS_FORMAT: &str = "scrutineer.teller-steps/v1";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn e(code: Code, message: impl std::fmt::Display) -> CommandError {
    CommandError::new(code, message)
}

/// A checkpoint confirmed from outside the service, as a person types it: `SIZE:ROOT`, the
/// root in hex (as `teller run` and `verify` print it) or in base64 (as a signed checkpoint
/// note holds it); spaces and dashes between the groups are ignored.
pub fn parse_checkpoint_pin(text: &str) -> Result<(u64, [u8; 32]), CommandError> {
    let bad = || {
        e(
            Code::Checkpoint,
            format!("“{text}” 不是检查点 (应为 条数:根, 如 1234:9f86…) / “{text}” is not a checkpoint (expected SIZE:ROOT, e.g. 1234:9f86…)"),
        )
    };
    let (size, root) = text.trim().split_once(':').ok_or_else(bad)?;
    let size: u64 = size.trim().parse().map_err(|_| bad())?;
    let root: String = root
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let bytes = if root.len() == 64 {
        (0..32)
            .map(|i| u8::from_str_radix(root.get(2 * i..2 * i + 2).unwrap_or("zz"), 16).ok())
            .collect::<Option<Vec<u8>>>()
    } else {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(&root).ok()
    };
    let root = bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(bad)?;
    if size == 0 {
        return Err(bad());
    }
    Ok((size, root))
}

/// Checks that the log verified has `root` at `size`: the log this machine was shown is, up
/// to there, the one the confirmed checkpoint describes.
pub fn check_checkpoint_pin(
    tree: &crate::record::merkle::Tree,
    (size, root): (u64, [u8; 32]),
) -> Result<(), CommandError> {
    if size > tree.size() {
        return Err(e(
            Code::LogFork,
            format!(
                "核对的检查点有 {size} 条, 这份导出只有 {} 条: 请取更新的导出 / the confirmed checkpoint has {size} entries, this export only {}: get a newer export",
                tree.size(),
                tree.size()
            ),
        ));
    }
    if tree.root_at(size).ok() != Some(root) {
        return Err(e(
            Code::LogFork,
            format!(
                "这份日志在第 {size} 条处的根与核对的检查点 ({}) 不同: 服务给你看的日志不是公示的那一份, 请立即告知其他计票人和审计 / this log's root at size {size} is not the confirmed checkpoint's ({}): the service is showing you a log other than the one posted; tell the other tellers and the auditors now",
                hex(&root),
                hex(&root)
            ),
        ));
    }
    Ok(())
}

/// `teller sign --export --result`: verifies the export (every result recounted by the
/// verifier; refused if it does not verify, or does not have a confirmed checkpoint's root,
/// or that checkpoint does not hold the result), and signs the checkpoint text the verified
/// log gives right after result `result`, the text the service asks tellers to sign. Prints
/// the result's warnings (a correction after the tellers' shares, say) and what is signed,
/// then the signature line; without a confirmed checkpoint it says so and prints the log's
/// size and root to compare with the board.
pub fn sign_result(
    key: &Path,
    export: &Path,
    result: u64,
    checkpoint: Option<&str>,
    allow_protocol: Option<u32>,
    book: &[String],
) -> Result<String, CommandError> {
    let book = parse_book(book)?;
    let (signer, replayed) = signer_and_export(key, export, allow_protocol)?;
    if let Some(text) = checkpoint {
        let pin = parse_checkpoint_pin(text)?;
        let size = pin.0;
        check_checkpoint_pin(&replayed.tree, pin)?;
        if size <= result {
            return Err(e(
                Code::NotYetCheckpointed,
                format!("核对过的检查点 (共 {size} 条) 不含第 {result} 条结果 / the confirmed checkpoint ({size} entries) does not hold result {result}"),
            ));
        }
    }
    let Some((_, body)) = replayed.results.iter().find(|(i, _)| *i == result) else {
        return Err(e(
            Code::UnknownResult,
            format!(
                "这份导出的第 {result} 条不是结果 / entry {result} of this export is not a result"
            ),
        ));
    };
    let compared = check_book(&book, &body.contests, &body.result)?;
    let text = crate::ledger::result_checkpoint_text(&replayed.election_id, &replayed.tree, result)
        .map_err(|err| e(err.code(), err))?;
    let line =
        crate::ledger::teller_signature_line(&text, &signer).map_err(|err| e(err.code(), err))?;
    let contests = body.contests.join(", ");
    // What the teller should read before signing: each contest's warnings.
    let mut warned = String::new();
    for c in body
        .result
        .get("contests")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        let id = c.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        for w in c
            .get("warnings")
            .and_then(|w| w.as_array())
            .into_iter()
            .flatten()
        {
            warned.push_str(&format!(
                "注意 warning {id} [{}]: {}\n",
                w.get("code").and_then(|v| v.as_str()).unwrap_or_default(),
                w.get("message")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
            ));
        }
    }
    // The figures the count used, where they are not the desk's: a correction changes the
    // denominators of the quorum and the threshold and the reconciliation's bound, so every
    // teller who signs sees it, with who proposed and approved it (the log holds only
    // account names: the hall knows whether they are two real people).
    for id in &body.contests {
        let Ok(c) = replayed.conduct.contest(id) else {
            continue;
        };
        // The desk's figures at the close are the service's record of the check-ins: no
        // teller signed them (README, "Not finished"), and P is the quorum's and, for most
        // kinds, the threshold's base. Every signer is shown them to compare with the hall.
        let desk = c.closed.unwrap_or_default();
        if compared.contains(id) {
            warned.push_str(&format!(
                "核对 check {id}: 会场的数字 (名单应到, 如给出; 签到簿实到; 清点发出) 与计票所用的相符 / the hall's figures (eligible from the roll, when given; present; issued) agree with the figures the count used\n"
            ));
        } else if c.correction.is_none() {
            warned.push_str(&format!(
                "核对 check {id}: 结束时签到台的数字 the desk's figures at the close: 应到 E {} 实到 P {} 发出 I {} \
                 — 签名前请与签到簿和清点的选票核对 / compare them with the sign-in book and the slips counted before signing\n",
                desk.eligible, desk.present, desk.issued,
            ));
        }
        if let Some(k) = &c.correction {
            let f = k.figures;
            warned.push_str(&format!(
                "注意 更正 correction {id}: 签到台 desk 应到 E {} 实到 P {} 发出 I {} → 计票用 counted with E {} P {} I {}; \
                 理由 reason: {}; 提出 proposed by {} ({}), 批准 approved by {} ({}){} — 签名前请与会场记录核对 / check it \
                 against the hall's record before signing\n",
                desk.eligible, desk.present, desk.issued, f.eligible, f.present, f.issued,
                k.reason, k.proposer.name, k.proposer.role, k.approver.name, k.approver.role,
                k.attested.teller().map(|n| {
                    let key = replayed.tellers.get((n as usize).wrapping_sub(1)).map_or("?", |t| t.name());
                    format!(", 计票人签署 signed by teller {n} ({key})")
                }).unwrap_or_default()
            ));
        }
    }
    let unconfirmed = if checkpoint.is_none() {
        format!(
            "注意: 没有核对这就是会场公示的日志 (--checkpoint 条数:根); 这份日志 / note: not confirmed to be the log posted in the hall (--checkpoint SIZE:ROOT); this log: {}:{}\n",
            replayed.tree.size(),
            hex(&replayed.tree.root())
        )
    } else {
        String::new()
    };
    Ok(format!(
        "导出已核验, 第 {result} 条结果已重新计票 (项目: {contests}) / the export verifies and result {result} was recounted (contests: {contests})\n{warned}{unconfirmed}签名的检查点 checkpoint signed:\n{text}{line}\n"
    ))
}

/// The hall's own figures of a contest, as `--book CONTEST=E/P/I` gives them: the eligible
/// count of the published roll (optional: `CONTEST=P/I`), the present count of the sign-in
/// book and the slips counted as handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Book {
    eligible: Option<u64>,
    present: u64,
    issued: u64,
}

/// Parses each `--book` ([`Book`]), one per contest.
fn parse_book(args: &[String]) -> Result<std::collections::BTreeMap<String, Book>, CommandError> {
    let mut out = std::collections::BTreeMap::new();
    for a in args {
        let parsed = a.rsplit_once('=').and_then(|(contest, figures)| {
            let n: Vec<u64> = figures
                .split('/')
                .map(|x| {
                    let x = x.trim();
                    (!x.starts_with('+'))
                        .then(|| x.parse::<u64>().ok())
                        .flatten()
                })
                .collect::<Option<_>>()?;
            let book = match n[..] {
                [p, i] => Book {
                    eligible: None,
                    present: p,
                    issued: i,
                },
                [e, p, i] => Book {
                    eligible: Some(e),
                    present: p,
                    issued: i,
                },
                _ => return None,
            };
            (!contest.trim().is_empty()).then(|| (contest.trim().to_string(), book))
        });
        let Some((contest, figures)) = parsed else {
            return Err(e(
                Code::BookFigures,
                format!("--book “{a}” 应写成 项目=应到/实到/发出 (或 项目=实到/发出), 例如 --book c1=430/412/415 / --book “{a}” must read CONTEST=ELIGIBLE/PRESENT/ISSUED (or CONTEST=PRESENT/ISSUED), e.g. --book c1=430/412/415"),
            ));
        };
        if out.insert(contest.clone(), figures).is_some() {
            return Err(e(
                Code::BookFigures,
                format!(
                    "--book 给了项目 “{contest}” 两次 / --book names contest “{contest}” twice"
                ),
            ));
        }
    }
    Ok(out)
}

/// Compares the hall's figures (`--book`: eligible when given, present, issued) with the
/// figures the result was counted with (the desk's at the close, or an approved correction's: the result's
/// `turnout`), as the tellers check the voters against the ballots before they sign (EL Art.
/// 43; BER Art. 22-23). Any difference refuses the signature. Returns the contests compared.
fn check_book(
    book: &std::collections::BTreeMap<String, Book>,
    contests: &[String],
    result: &serde_json::Value,
) -> Result<std::collections::BTreeSet<String>, CommandError> {
    if let Some(other) = book.keys().find(|c| !contests.contains(c)) {
        return Err(e(
            Code::BookFigures,
            format!(
                "--book 的项目 “{other}” 不在这个结果里 (结果的项目: {0}); 未签名 / --book names contest “{other}”, which this result does not hold (its contests: {0}): nothing signed",
                contests.join(", ")
            ),
        ));
    }
    let mut compared = std::collections::BTreeSet::new();
    let mut differ = Vec::new();
    for (id, b) in book {
        let turnout = result
            .get("contests")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
            .and_then(|c| c.get("turnout"));
        let figure = |name: &str| turnout.and_then(|t| t.get(name)).and_then(|v| v.as_u64());
        let (Some(eligible), Some(present), Some(issued)) = (
            figure("eligible"),
            figure("present"),
            figure("ballots_issued"),
        ) else {
            return Err(e(
                Code::BookFigures,
                format!("结果里没有项目 “{id}” 的应到、实到和发出数字; 未签名 / the result holds no eligible, present and issued figures for contest “{id}”: nothing signed"),
            ));
        };
        if (present, issued) != (b.present, b.issued) || b.eligible.is_some_and(|e| e != eligible) {
            let e = b.eligible.map(|e| format!("E {e} ")).unwrap_or_default();
            differ.push(format!(
                "{id}: 会场 the hall {e}P {} I {}, 计票所用 the count used E {eligible} P {present} I {issued}",
                b.present, b.issued
            ));
        }
        compared.insert(id.clone());
    }
    if !differ.is_empty() {
        return Err(e(
            Code::BookFiguresDiffer,
            format!(
                "与会场的数字不符, 未签名 / the hall's figures differ, nothing signed: {}. 请与其他计票人重新清点签到簿和选票存根; 如日志里的数字有误, 提出到会数字更正, 更正后重新计票再签名 / recount the sign-in book and the stubs with the other tellers; if the log's figures are wrong, propose a correction, then count again and sign that result",
                differ.join("; ")
            ),
        ));
    }
    Ok(compared)
}

/// `scrutineer teller attest`: a registered teller's signature of a correction of a
/// contest's figures or of a seat reduction (protocol 8, `record::attest`). The export is
/// verified first (as `teller sign --export` does), and what is signed is taken from it
/// where the log decides it: the number of corrections of the contest logged so far, the
/// seats a reduction removes. Prints what is signed, then `{"teller": N, "signature": "…"}`
/// for the teller page, the API or `scrutineer ledger approve --attested`.
pub fn attest(
    key: &Path,
    export: &Path,
    what: &crate::procedure::Attesting,
    checkpoint: Option<&str>,
    allow_protocol: Option<u32>,
) -> Result<String, CommandError> {
    use crate::procedure::Attesting;
    use crate::record::attest::{teller_index, Attestation, Attested};
    let (signer, replayed) = signer_and_export(key, export, allow_protocol)?;
    if let Some(text) = checkpoint {
        check_checkpoint_pin(&replayed.tree, parse_checkpoint_pin(text)?)?;
    }
    let protocol = replayed.conduct.protocol();
    if protocol < 8 {
        return Err(e(
            Code::AttestationInvalid,
            format!("这次选举按协议 {protocol} 进行, 它的日志不带计票人签名: 更正或减少名额不用签名, 照旧由两个不同角色的人提出和批准 (或由组织者记录) / this election follows protocol {protocol}, whose log carries no teller's signature: its corrections and seat reductions need none, and go on as before (two people of two roles; the organiser records a reduction)"),
        ));
    }
    let teller =
        teller_index(&replayed.tellers, &signer).map_err(|why| e(Code::AttestationInvalid, why))?;
    let conduct = &replayed.conduct;
    let ce = |err: crate::rules::conduct::ConductError| e(err.code(), err);
    let (said, signature) = match what {
        Attesting::Correction {
            contest,
            figures,
            reason,
        } => {
            conduct
                .check_correction_figures(contest, *figures)
                .map_err(ce)?;
            conduct.check_correction_order(contest).map_err(ce)?;
            let position = conduct.contest(contest).map_err(ce)?.corrections;
            let body = crate::record::entry::TurnoutCorrected {
                contest: contest.clone(),
                eligible: figures.eligible,
                present: figures.present,
                ballots_issued: figures.issued,
                reason: reason.trim().to_string(),
                proposed_by: crate::ledger::person("", ""),
                approved_by: crate::ledger::person("", ""),
                attested: None,
            };
            let desk = conduct
                .contest(contest)
                .map_err(ce)?
                .closed
                .unwrap_or_default();
            (
                format!(
                    "人数更正 correction of “{contest}” (此前 {position} 次 after {position} logged): 签到台 desk E {} P {} I {} → E {} P {} I {}; 原因 reason: {}",
                    desk.eligible, desk.present, desk.issued, figures.eligible, figures.present, figures.issued, body.reason
                ),
                Attestation::Correction {
                    position,
                    body: &body,
                }
                .sign(&signer, &replayed.election_id),
            )
        }
        Attesting::Reduction { contest, basis } => {
            let unfilled = conduct.contest(contest).map_err(ce)?.unfilled;
            let seats_before = replayed
                .spec
                .get("contests")
                .and_then(|c| c.as_array())
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(contest))
                })
                .and_then(|c| c.get("seats"))
                .and_then(|v| v.as_u64())
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_default();
            if unfilled == 0 {
                return Err(ce(crate::rules::conduct::ConductError::NoUnfilledSeats(
                    contest.clone(),
                )));
            }
            let body = crate::record::entry::SeatsReduced {
                contest: contest.clone(),
                reduced_by: unfilled,
                seats: seats_before.saturating_sub(unfilled),
                basis: basis.trim().to_string(),
                attested: None,
            };
            (
                format!(
                    "减少名额 seat reduction of “{contest}”: {seats_before} → {} (减 less {unfilled}); 决定 decision: {}",
                    body.seats, body.basis
                ),
                Attestation::Reduction(&body).sign(&signer, &replayed.election_id),
            )
        }
        // A keying's signature names its place among the contest's keyings, which moves with
        // every keying in the hall: an export is out of date for it at once.
        Attesting::Paper { .. } => {
            return Err(e(
                Code::AttestationInvalid,
                "纸质选票的录入在计票人页面载入本人密钥后签署, 或用 scrutineer ledger paper --teller-key / a paper keying is signed on the teller page with the teller's key loaded, or by scrutineer ledger paper --teller-key",
            ))
        }
    };
    let attested = serde_json::to_string(&Attested { teller, signature })
        .map_err(|err| e(Code::Internal, err))?;
    Ok(format!(
        "导出已核验 / the export verifies (选举 election {}, 共 {} 条 entries)\n计票人 teller {teller} ({}) 签署 signs: {said}\n{attested}\n",
        replayed.election_id,
        replayed.tree.size(),
        signer.name(),
    ))
}

/// A teller key file's key and a verified export, read before a teller signs from it.
fn signer_and_export(
    key: &Path,
    export: &Path,
    allow_protocol: Option<u32>,
) -> Result<(Signer, crate::verify::Replayed), CommandError> {
    let key_text = crate::cli::read_named_text(key, "计票人密钥文件", "the teller key file")?;
    let signer = Signer::parse(key_text.trim()).map_err(|err| e(Code::BadKey, err))?;
    Ok((signer, verified(export, allow_protocol)?))
}

/// What a verified export says (a directory or the service's tar); an export that does not
/// verify is refused with the verifier's finding, and nothing is computed from it. A log of
/// an older protocol is refused unless `allow_protocol` names it (`verify::check_protocol`).
pub fn verified(
    export: &Path,
    allow_protocol: Option<u32>,
) -> Result<crate::verify::Replayed, CommandError> {
    verified_resuming(export, None, None, allow_protocol)
}

/// [`verified`] of any protocol: for a voter's tools, which check one ballot or receipt in
/// the log and compute nothing a count depends on.
pub fn verified_any_protocol(export: &Path) -> Result<crate::verify::Replayed, CommandError> {
    replay(export, None, None)
}

/// [`verified`] for a teller that verified a prefix of this log before (its size and root):
/// the proofs of that prefix are not verified again if, and only if, it is the same bytes;
/// and, with the tallies the teller saved with it (`verify::verify_export_resuming`), its
/// ballots are not decoded again either.
pub fn verified_resuming(
    export: &Path,
    trusted: Option<(u64, [u8; 32])>,
    tallies: Option<&[u8]>,
    allow_protocol: Option<u32>,
) -> Result<crate::verify::Replayed, CommandError> {
    let replayed = replay(export, trusted, tallies)?;
    crate::verify::check_protocol(replayed.conduct.protocol(), allow_protocol)
        .map_err(|f| e(f.check, f.message))?;
    Ok(replayed)
}

/// The verification of [`verified_resuming`], whatever the log's protocol.
fn replay(
    export: &Path,
    trusted: Option<(u64, [u8; 32])>,
    tallies: Option<&[u8]>,
) -> Result<crate::verify::Replayed, CommandError> {
    // A teller's first run verifies every ballot's proofs (minutes for a county): it shows
    // how far it is, as `scrutineer verify` does.
    let bar = crate::cli::verify::progress_bar(false);
    let progress = crate::cli::verify::progress_of(&bar);
    let verified = with_export(export, |dir| {
        verify_export_resuming(dir, &progress, trusted, tallies)
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (report, replayed) = verified.map_err(|f| e(f.check, f.message))?;
    replayed.ok_or_else(|| {
        let (check, message) = report
            .failure
            .map(|f| (f.check, f.message))
            .unwrap_or((Code::VerifyFailed, String::new()));
        e(
            Code::VerifyFailed,
            format!(
                "导出未通过核验, 不做任何计算 / the export does not verify; nothing computed: [{check}] {message}"
            ),
        )
    })
}

/// What the teller confirmed before its decryption shares (`e2e::teller::Guard`).
#[derive(Clone, Debug, Default)]
pub struct Confirm {
    /// `--checkpoint SIZE:ROOT`, as typed.
    pub checkpoint: Option<String>,
    /// `--allow-small-totals`: every total of one or two ballots.
    pub small_totals: bool,
    /// `--allow-small-total CONTEST[/GROUP]`, as typed: those only.
    pub small_total: Vec<String>,
    /// `--allow-protocol N`: take part in an election whose log follows the older protocol N
    /// (`verify::check_protocol`); without it, only the current protocol.
    pub allow_protocol: Option<u32>,
}

/// Runs the teller: returns the text to print; writes the steps to `out` (or prints them
/// when `out` is None and there are steps). The shuffles and shares are computed on
/// `threads` threads (default: every core). With `restart` (a reason), the only step is
/// the restart of the key ceremony's attempt in progress (`e2e::teller::restart`).
pub fn run(
    key: &Path,
    state_path: &Path,
    export: &Path,
    out: Option<&Path>,
    threads: Option<usize>,
    restart: Option<&str>,
    confirm: &Confirm,
) -> Result<String, CommandError> {
    let key_text = crate::cli::read_named_text(key, "计票人密钥文件", "the teller key file")?;
    let signer = Signer::parse(key_text.trim()).map_err(|err| e(Code::BadKey, err))?;
    let mut st: TellerState = match std::fs::read(state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| {
            e(
                Code::TellerState,
                format!(
                    "{}: {err} (状态文件损坏 / the state file is damaged)",
                    state_path.display()
                ),
            )
        })?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => TellerState::default(),
        Err(err) => {
            return Err(e(
                Code::UnreadableFile,
                format!(
                    "无法读取状态文件 {0} / cannot read the state file {0}: {err}",
                    state_path.display()
                ),
            ))
        }
    };
    // What this teller verified last, if anything: its proofs need not be checked again.
    // and what its ballots added up to: they need not be decoded again.
    let saved = st.saved_tallies();
    let replayed = verified_resuming(
        export,
        st.verified_prefix(),
        saved.as_deref(),
        confirm.allow_protocol,
    )?;
    let book = replayed.book.as_ref().ok_or_else(|| {
        e(Code::NotEncrypted, "此选举不加密选票, 计票人无需密钥仪式 / this election does not encrypt ballots: no ceremony, nothing to decrypt")
    })?;
    // The log must extend the one this teller verified last.
    let size = replayed.tree.size();
    if st.seen_size > 0 {
        let ok = st.election == replayed.election_id
            && size >= st.seen_size
            && replayed
                .tree
                .root_at(st.seen_size)
                .is_ok_and(|r| hex(&r) == st.seen_root);
        if !ok {
            return Err(e(
                Code::LogFork,
                format!(
                    "此日志与本计票人上次核验的 (第 {} 条, 根 {}) 不一致: 服务可能给不同的人看不同的日志, 请立即告知其他计票人和审计 / this log does not extend the one this teller verified last (size {}, root {}): the service may be showing different logs to different people; tell the other tellers and the auditors now",
                    st.seen_size, st.seen_root, st.seen_size, st.seen_root
                ),
            ));
        }
    }
    // A checkpoint the teller confirmed from outside must be this log's at its size; it is
    // checked before anything is computed.
    let pin = confirm
        .checkpoint
        .as_deref()
        .map(parse_checkpoint_pin)
        .transpose()?;
    if let Some(pin) = pin {
        check_checkpoint_pin(&replayed.tree, pin)?;
    }
    let mut rng = crate::crypto::SystemRng;
    let mut run: Run = match restart {
        Some(reason) => {
            crate::e2e::teller::restart(book, &replayed.conduct, &signer, &mut st, reason)
        }
        None => ceremony(book, &replayed.conduct, &signer, &mut st, &mut rng),
    }
    .map_err(|err| e(err.code(), err))?;
    if restart.is_none() && replayed.conduct.ceremony().key.is_some() {
        let threads = threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let guard = Guard {
            confirmed: pin.map(|(size, _)| size),
            closed_at: &replayed.closed_at,
            checked: &replayed.checked_casts,
            small_totals: if confirm.small_totals {
                crate::e2e::teller::SmallTotals::All
            } else {
                crate::e2e::teller::SmallTotals::Only(&confirm.small_total)
            },
        };
        let counted = counting_run(
            book,
            &replayed.conduct,
            &signer,
            &st,
            threads,
            &guard,
            &mut rng,
        )
        .map_err(|err| e(err.code(), err))?;
        run.steps.extend(counted.steps);
        run.waiting.extend(counted.waiting);
        run.done.extend(counted.done);
    }
    st.verified(size, &replayed.tree.root(), book);
    // The state (with any new secret) is durable before any step leaves this machine.
    let state_text = serde_json::to_string_pretty(&st).map_err(|err| e(Code::TellerState, err))?;
    replace_secret(state_path, &(state_text + "\n")).map_err(|err| e(err.code(), err))?;

    let mut text = format!(
        "已核验导出 verified the export: 选举 election “{}”, {} 条 entries, 根 root {}\n计票人 teller {} (第 {} 号 index {})\n本次的检查点 this run's checkpoint: {}:{}{}\n",
        replayed.election_id,
        size,
        hex(&replayed.tree.root()),
        signer.name(),
        st.index,
        st.index,
        size,
        hex(&replayed.tree.root()),
        match pin {
            Some((n, _)) => format!(" (已核对至第 {n} 条 / confirmed up to size {n})"),
            None => String::new(),
        }
    );
    // The log as it stood right after the last close: the same for every teller shown the
    // same log, whatever was appended since, so the tellers compare this one aloud (and the
    // board can post it) before anyone decrypts.
    if let Some(at) = replayed.closed_at.values().max().map(|i| i + 1) {
        if let Ok(root) = replayed.tree.root_at(at) {
            text.push_str(&format!(
                "收票后的检查点 the checkpoint after the last close: {at}:{} (与其他计票人核对一致后, 解密时加 --checkpoint {at}:{} / compare it with the other tellers; to decrypt, add --checkpoint {at}:{})\n",
                hex(&root),
                hex(&root),
                hex(&root)
            ));
        }
    }
    // The roster this teller's share is made for: a list that holds keys someone else
    // controls would let them hold the key alone. Compared aloud at the ceremony.
    let params = book.params();
    text.push_str(&format!(
        "登记的计票人 registered tellers ({} / {}, 门限 threshold {}):\n",
        book.tellers().len(),
        params.tellers,
        params.threshold
    ));
    for (i, t) in book.tellers().iter().enumerate() {
        text.push_str(&format!("  {} {}\n", i + 1, t.to_text()));
    }
    text.push_str(&format!(
        "名单指纹 roster fingerprint: {} (与其他计票人和组织者公布的名单核对; 有不认识的密钥就停下 / compare it with the other tellers and the list the organiser announced; stop if it holds a key you do not know)\n",
        book.roster_fingerprint()
    ));
    if let Some(k) = book.key() {
        text.push_str(&format!(
            "选举密钥指纹 election key fingerprint: {} (与选票码、投票机和公示页上的核对 / compare it with the slips, the kiosks and the board)\n",
            k.fingerprint()
        ));
    }
    for d in &run.done {
        text.push_str(&format!("  完成 done: {d}\n"));
    }
    for w in &run.waiting {
        text.push_str(&format!("  等待 waiting: {w}\n"));
    }
    for s in &run.steps {
        text.push_str(&format!("  待提交 to submit: {}\n", s.summary));
    }
    if run.steps.is_empty() {
        text.push_str("现在没有需要提交的 / nothing to submit now\n");
        return Ok(text);
    }
    let doc = json!({
        "format": STEPS_FORMAT,
        "election": replayed.election_id,
        "teller": signer.name(),
        "index": st.index,
        "log_size": size,
        "steps": run.steps.iter().map(|s| json!({"kind": s.kind.id(), "body": s.body, "summary": s.summary})).collect::<Vec<Value>>(),
    });
    let body = serde_json::to_string_pretty(&doc).map_err(|err| e(Code::TellerSteps, err))?;
    match out {
        Some(p) => {
            std::fs::write(p, body + "\n")
                .map_err(|err| e(Code::Storage, format!("{}: {err}", p.display())))?;
            text.push_str(&format!(
                "已写入 {} 个步骤到 {} (在计票人页面上传, 或 scrutineer ledger submit) / wrote {} step(s) to {} (upload it on the teller page, or scrutineer ledger submit)\n",
                run.steps.len(),
                p.display(),
                run.steps.len(),
                p.display()
            ));
        }
        None => {
            text.push_str(&body);
            text.push('\n');
        }
    }
    Ok(text)
}

/// The steps of a steps file, checked for its format.
pub fn read_steps(bytes: &[u8]) -> Result<Vec<(String, Value)>, CommandError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|err| e(Code::TellerSteps, err))?;
    if doc.get("format").and_then(|f| f.as_str()) != Some(STEPS_FORMAT) {
        return Err(e(
            Code::TellerSteps,
            format!(
                "不是计票人步骤文件 ({STEPS_FORMAT}) / not a teller steps file ({STEPS_FORMAT})"
            ),
        ));
    }
    Ok(doc
        .get("steps")
        .and_then(|s| s.as_array())
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s.get("kind")
                            .and_then(|k| k.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        s.get("body").cloned().unwrap_or(Value::Null),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}
