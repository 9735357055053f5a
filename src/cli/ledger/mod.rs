//! CLI commands over the ledger: init, open, pool, cast, close, void, tally, teller keys and
//! signatures, receipts, reindex, export, verify.

use crate::cli::{command_error, CommandError};
use crate::codes::Code;
use std::path::Path;

use crate::ledger::{teller_signature_line, Ledger};
use crate::procedure::{self, Core, CoreError};
use crate::record::merkle::verify_inclusion;
use crate::record::note::{Checkpoint, Note, Signer};
use crate::records::Records;
use crate::rules::conduct::{Person, Phase};

mod args;

pub use args::{AttestArgs, Dirs, LedgerCommand};

fn err(e: impl Into<CoreError>) -> CommandError {
    let e: CoreError = e.into();
    let mut message = e.to_string();
    if let CoreError::RollRefused(rows) = &e {
        for r in rows {
            message.push_str(&format!(
                "\n  第 {} 行 line {}: [{}] {}",
                r.line, r.line, r.code, r.message
            ));
        }
    }
    CommandError::new(e.code(), message)
}

/// The teller's signature a command was given: made with `--teller-key`, or parsed from
/// `--attested`; none without either.
fn attestation(
    core: &Core,
    a: &AttestArgs,
    what: &procedure::Attesting,
) -> Result<Option<crate::record::attest::Attested>, CommandError> {
    if let Some(path) = &a.teller_key {
        let text = crate::cli::read_named_text(path, "计票人密钥文件", "the teller key file")?;
        let signer = Signer::parse(text.trim()).map_err(|e| command_error!(Code::BadKey, "{e}"))?;
        return core.attest_with(&signer, what).map(Some).map_err(err);
    }
    match &a.attested {
        Some(json) => serde_json::from_str(json).map(Some).map_err(|e| {
            command_error!(
                Code::BadJson,
                "--attested 须是 scrutineer teller attest 打印的 {{\"teller\": N, \"signature\": \"…\"}}: {e} / --attested must be the {{\"teller\": N, \"signature\": \"…\"}} scrutineer teller attest printed: {e}"
            )
        }),
        None => Ok(None),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CommandError> {
    crate::cli::read_named(path, "文件", "the file")
}

/// The person an account name stands for, with the account's role.
fn account_person(records: &Records, name: &str) -> Result<Person, CommandError> {
    let a = records.account(name).map_err(err)?.ok_or_else(|| {
        command_error!(
            Code::UnknownAccount,
            "没有账号 “{name}” / no account “{name}” (scrutineer accounts add)"
        )
    })?;
    Ok(Person {
        name: a.username,
        role: a.role,
    })
}

/// Runs a ledger command; the `String` error is printed and exits 2.
pub fn run(dirs: &Dirs, cmd: LedgerCommand) -> Result<String, CommandError> {
    let records = Records::open(&dirs.data).map_err(err)?;
    if let LedgerCommand::Init {
        spec,
        styles,
        tellers,
        signatures_required,
        election_date,
        pool_spare_percent,
        threshold,
        plaintext_reason,
    } = &cmd
    {
        let spec: serde_json::Value = serde_json::from_slice(&read(spec)?).map_err(|e| {
            command_error!(
                Code::SpecJson,
                "{0} 不是有效的 JSON (第 {1} 行第 {2} 列) / {0} is not valid JSON (line {1} column {2}): {e}",
                spec.display(),
                e.line(),
                e.column()
            )
        })?;
        let styles = match styles {
            Some(p) => Some(serde_json::from_slice(&read(p)?).map_err(|e| {
                command_error!(
                    Code::Styles,
                    "{0} 不是有效的选票样式 JSON (第 {1} 行第 {2} 列) / {0} is not valid ballot-style JSON (line {1} column {2}): {e}",
                    p.display(),
                    e.line(),
                    e.column()
                )
            })?),
            None => None,
        };
        let tellers = match tellers {
            Some(p) => String::from_utf8_lossy(&read(p)?)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            None => Vec::new(),
        };
        let n_tellers = tellers.len();
        let secrecy = match plaintext_reason {
            Some(reason) => crate::record::entry::Secrecy::Plaintext {
                reason: reason.clone(),
            },
            None => crate::record::entry::Secrecy::Encrypted {
                threshold: threshold.unwrap_or_else(|| procedure::default_threshold(n_tellers)),
            },
        };
        let l = procedure::create_election(
            dirs.config(),
            &records,
            procedure::NewElection {
                spec,
                styles,
                tellers,
                signatures_required: signatures_required
                    .unwrap_or_else(|| procedure::default_signatures(&secrecy)),
                election_date: election_date.clone(),
                pool_spare_percent: *pool_spare_percent,
                secrecy,
            },
        )
        .map_err(err)?;
        let out = l
            .read(|s| {
                format!(
                    "已登记选举 registered election “{}”; log size {}\n",
                    s.state.info().map(|i| i.id.clone()).unwrap_or_default(),
                    s.tree.size()
                )
            })
            .map_err(err)?;
        l.close().map_err(err)?;
        records.flush().map_err(err)?;
        return Ok(out);
    }
    if let LedgerCommand::Reindex = &cmd {
        let index = dirs.data.join("index");
        if index.exists() {
            std::fs::remove_dir_all(&index)
                .map_err(|e| command_error!(Code::Storage, "{}: {e}", index.display()))?;
        }
    }
    let l = Ledger::open_existing(dirs.config()).map_err(err)?;
    let core = Core::new(l.clone(), records.clone());
    let out = command(&core, cmd);
    l.close().map_err(err)?;
    records.flush().map_err(err)?;
    out
}

fn command(core: &Core, cmd: LedgerCommand) -> Result<String, CommandError> {
    let l = &core.ledger;
    Ok(match cmd {
        LedgerCommand::Init { .. } => String::new(),
        LedgerCommand::Roll { csv } => {
            let (n, warnings) = core.import_roll(&read(&csv)?).map_err(err)?;
            let mut out = format!("已导入选民名单 imported the roll: {n} voters\n");
            for w in warnings {
                out.push_str(&format!("提示 warning [{}] {}\n", w.code, w.message));
            }
            out
        }
        LedgerCommand::Open { contest } => {
            let a = core.open_contest(&contest).map_err(err)?;
            format!("已开始 opened “{contest}” (entry {})\n", a.index)
        }
        LedgerCommand::Pool {
            style,
            count,
            sheet,
            reason,
            tokens_out,
        } => {
            // The sheet (and the tokens file) are written beside their places before the
            // tokens are registered, and moved into place after: a sheet that cannot be
            // written (a mistyped folder, a full disk, a tokens file already there) registers
            // nothing, so no token counts against the style's cap that no slip carries.
            let aside = |p: &std::path::Path| {
                let mut s = p.as_os_str().to_owned();
                s.push(".new");
                std::path::PathBuf::from(s)
            };
            // Refused before anything is made: a folder where a file belongs, a tokens file
            // already there, or a sheet staged by an earlier attempt (never overwritten: it
            // may hold registered tokens).
            let mut outputs = vec![sheet.clone()];
            outputs.extend(tokens_out.clone());
            for path in &outputs {
                let staged = aside(path);
                let problem = if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/')
                {
                    Some((
                        "是一个文件夹, 请给出文件名",
                        "is a folder: give a file name",
                    ))
                } else if tokens_out.as_ref() == Some(path) && path.exists() {
                    Some((
                        "已存在, 不会覆盖; 请换一个文件名",
                        "exists and is not overwritten: choose another name",
                    ))
                } else if staged.exists() {
                    Some(("旁边有上次留下的 .new 文件 (其中的选票码可能已登记): 请先处理它", "has a .new file beside it from an earlier attempt (its tokens may be registered): deal with it first"))
                } else {
                    None
                };
                if let Some((zh, en)) = problem {
                    return Err(command_error!(
                        Code::Storage,
                        "{0} {zh}; 未生成选票码 / {0} {en}; no token was made",
                        path.display()
                    ));
                }
            }
            let staged = |outputs: &[std::path::PathBuf]| {
                for p in outputs {
                    let _ = std::fs::remove_file(aside(p));
                }
            };
            let printed = core.print_pool_staged(style, count, reason, &mut |sheet_info, tokens| {
                let storage = |path: &std::path::Path, e: &dyn std::fmt::Display| {
                    procedure::CoreError::Invalid {
                        code: Code::Storage,
                        message: format!(
                            "无法写入 {0}: {e}; 选票码未登记 / cannot write {0}: {e}; no token was registered",
                            path.display()
                        ),
                    }
                };
                let html = crate::present::slips::slip_sheet_html(sheet_info, tokens).map_err(
                    |e| procedure::CoreError::Invalid {
                        code: e.code(),
                        message: e.to_string(),
                    },
                )?;
                let tmp = aside(&sheet);
                std::fs::write(&tmp, html)
                    .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
                    .map_err(|e| storage(&sheet, &e))?;
                if let Some(path) = &tokens_out {
                    let text: String = tokens.iter().map(|t| t.to_text() + "\n").collect();
                    crate::ledger::keys::write_secret(&aside(path), &text)
                        .map_err(|e| storage(path, &e))?;
                }
                Ok(())
            });
            let p = match printed {
                Ok(p) => p,
                Err(e) => {
                    // Nothing registered: nothing staged stays behind.
                    staged(&outputs);
                    return Err(err(e));
                }
            };
            // Registered: the staged files are moved into place; one that cannot be is
            // named with where its registered slips are.
            for path in &outputs {
                std::fs::rename(aside(path), path).map_err(|e| {
                    command_error!(
                        Code::Storage,
                        "选票码已登记 (第 {2} 条), 但无法把 {0} 改名为 {1}: {e}; 选票码在 {0} 中, 请手动改名, 不要重印 / the tokens are registered (entry {2}) but {0} could not be renamed to {1}: {e}; the slips are in {0}: rename it by hand, do not print again",
                        aside(path).display(),
                        path.display(),
                        p.appended.index
                    )
                })?;
            }
            format!("已登记 {} 张选票码 registered {} tokens for style {style} (entry {}); slip sheet: {}\n请裁开后打乱顺序再发放 / cut the slips and shuffle them before handing them out\n", p.tokens.len(), p.tokens.len(), p.appended.index, sheet.display())
        }
        LedgerCommand::Checkin {
            number,
            principals,
            round,
            desk,
        } => {
            let c = core
                .check_in(
                    &procedure::CheckInRequest {
                        number,
                        principals,
                        round,
                    },
                    &desk,
                )
                .map_err(err)?;
            format!(
                "已签到 checked in {} ({}), 样式 style {}, 发 {} 张选票码 hand out {} slip(s)\n",
                c.name, c.unit, c.style, c.slips, c.slips
            )
        }
        LedgerCommand::Desk => {
            let mut out = String::new();
            for r in core.desk_rows(None).map_err(err)? {
                out.push_str(&format!(
                    "{} [{}]: 应到 E {} · 实到 P {} · 发出 I {} · 法定人数 quorum {}\n",
                    r.contest,
                    r.phase.id(),
                    r.figures.eligible,
                    r.figures.present,
                    r.figures.issued,
                    r.quorum
                ));
            }
            out
        }
        LedgerCommand::Cast {
            token,
            ballots,
            receipt_qr,
        } => {
            let lines: Vec<serde_json::Value> = ballots
                .iter()
                .map(|b| serde_json::from_str(b))
                .collect::<Result<_, _>>()
                .map_err(|e| command_error!(Code::BallotJson, "{e}"))?;
            let a = if core
                .ledger
                .read(|s| s.state.admin().book.is_some())
                .map_err(err)?
            {
                // An encrypted election: the ballot is encrypted here, as a kiosk would.
                let encrypted = core.encrypt_for_token(&token, &lines).map_err(err)?;
                core.cast_encrypted(&token, encrypted).map_err(err)?.0
            } else {
                core.cast(&token, &lines).map_err(err)?
            };
            let code = crate::tokens::receipt_code(a.index, &a.hash);
            if let Some(p) = receipt_qr {
                let svg = crate::present::slips::receipt_qr_svg(&code).unwrap_or_default();
                std::fs::write(&p, svg)
                    .map_err(|e| command_error!(Code::Storage, "{}: {e}", p.display()))?;
            }
            format!("回执 receipt: {code}\n")
        }
        LedgerCommand::Submit { steps } => {
            let mut out = String::new();
            let mut checked = false;
            for (kind, body) in crate::cli::teller::read_steps(&read(&steps)?)? {
                let a = core.teller_entry(&kind, &body).map_err(err)?;
                checked |= kind == "ceremony_check";
                out.push_str(&format!("已记录 logged {kind} (entry {})\n", a.index));
            }
            if checked {
                let status = core.ceremony_status().map_err(err)?;
                if let Some(fp) = status.pointer("/key/fingerprint").and_then(|f| f.as_str()) {
                    out.push_str(&format!("密钥仪式完成, 选举密钥指纹 the key ceremony is complete; election key fingerprint: {fp}\n"));
                }
            }
            out
        }
        LedgerCommand::Paper {
            contest,
            ballot,
            sheet,
            teller,
            withdraw: _,
            teller_key,
        } => {
            // Protocol 9: the teller's key signs the ballot's text as given here.
            let o = match teller_key {
                Some(path) => {
                    let text = crate::cli::read_named_text(
                        &path,
                        "计票人密钥文件",
                        "the teller key file",
                    )?;
                    let signer = Signer::parse(text.trim())
                        .map_err(|e| command_error!(Code::BadKey, "{e}"))?;
                    core.key_paper_with(&signer, &contest, ballot.as_deref(), sheet, &teller)
                }
                None => {
                    let ballot: Option<serde_json::Value> = ballot
                        .map(|b| serde_json::from_str(&b))
                        .transpose()
                        .map_err(|e| command_error!(Code::BallotJson, "{e}"))?;
                    core.paper_ballot(&contest, ballot, sheet, &teller, Default::default())
                }
            }
            .map_err(err)?;
            paper_outcome_text(&o)
        }
        LedgerCommand::Close { contest, by } => {
            let by = match by {
                Some(name) => account_person(&core.records, &name)?.name,
                None => String::new(),
            };
            let c = core.close_contest_by(&contest, &by).map_err(err)?;
            format!(
                "已结束 closed “{contest}” (entry {}): 应到 E {} · 实到 P {} · 发出 I {} (取自签到处 from the desk)\n",
                c.entry, c.figures.eligible, c.figures.present, c.figures.issued
            )
        }
        LedgerCommand::Correct {
            contest,
            eligible,
            present,
            issued,
            reason,
            by,
            attest,
        } => {
            let who = account_person(&core.records, &by)?;
            let figures = crate::rules::conduct::Figures {
                eligible,
                present,
                issued,
            };
            let attested = attestation(
                core,
                &attest,
                &procedure::Attesting::Correction {
                    contest: contest.clone(),
                    figures,
                    reason: reason.clone(),
                },
            )?;
            let n = core
                .propose_correction(&contest, figures, &reason, &who, attested)
                .map_err(err)?;
            format!("已提出更正 proposed correction {n}: 须由另一角色的人批准 (scrutineer ledger approve {n} --by NAME) / a person of another role must approve it\n")
        }
        LedgerCommand::Approve {
            proposal,
            by,
            attest,
        } => {
            let who = account_person(&core.records, &by)?;
            let attested = match core
                .records
                .proposal(proposal)
                .map_err(|e| err(CoreError::from(e)))?
            {
                Some(p) => attestation(
                    core,
                    &attest,
                    &procedure::Attesting::Correction {
                        contest: p.contest,
                        figures: crate::rules::conduct::Figures {
                            eligible: p.eligible,
                            present: p.present,
                            issued: p.ballots_issued,
                        },
                        reason: p.reason,
                    },
                )?,
                None => None,
            };
            let a = core
                .approve_correction(proposal, &who, attested)
                .map_err(err)?;
            format!(
                "已批准并记录更正 approved and logged correction {proposal} (entry {})\n",
                a.index
            )
        }
        LedgerCommand::Tally { contests } => {
            let (a, result) = core.tally(&contests).map_err(err)?;
            format!(
                "结果 result: entry {}\n{}\n",
                a.index,
                serde_json::to_string_pretty(&result).unwrap_or_default()
            )
        }
        LedgerCommand::Sign { result, teller_key } => {
            let signer = Signer::parse(String::from_utf8_lossy(&read(&teller_key)?).trim())
                .map_err(|e| command_error!(Code::BadKey, "{e}"))?;
            let text = l.result_checkpoint_text(result).map_err(err)?;
            let line = teller_signature_line(&text, &signer).map_err(err)?;
            let a = core.sign(result, &line).map_err(err)?;
            format!(
                "已签名 signed result {result} as “{}” (entry {})\n",
                signer.name(),
                a.index
            )
        }
        LedgerCommand::Publish { result } => {
            let p = core.publish(result).map_err(err)?;
            let mut out = format!("已公布 published result {result} (entry {})\n", p.entry);
            for r in &p.runoffs {
                out.push_str(&format!("另行选举 runoff created: {r}\n"));
            }
            for b in &p.blocked {
                out.push_str(&format!("未能另行选举 runoff blocked: {b}\n"));
            }
            out
        }
        LedgerCommand::NextRound {
            from,
            id,
            kind,
            seats,
            title,
            mode,
        } => {
            let (a, _) = core
                .next_round(
                    &from,
                    &procedure::NextRound {
                        id: id.clone(),
                        kind,
                        seats,
                        title,
                        mode,
                    },
                )
                .map_err(err)?;
            format!(
                "已建下一轮 created “{id}” from “{from}” (entry {})\n",
                a.index
            )
        }
        LedgerCommand::Revote { contest, reason } => {
            let (a, c) = core.revote(&contest, &reason).map_err(err)?;
            format!(
                "已安排重新投票 re-vote created: “{}” (entry {}); 为它的每个选票样式打印选票码 (样式见 status) / print the slips of each of its styles (they are in status)\n",
                c.get("id").and_then(|v| v.as_str()).unwrap_or_default(),
                a.index
            )
        }
        LedgerCommand::ReduceSeats {
            contest,
            basis,
            attest,
        } => {
            let attested = attestation(
                core,
                &attest,
                &procedure::Attesting::Reduction {
                    contest: contest.clone(),
                    basis: basis.clone(),
                },
            )?;
            let a = core.reduce_seats(&contest, &basis, attested).map_err(err)?;
            format!(
                "已记录减少名额的决定 seat reduction recorded: “{contest}” (entry {}); 不再另行选举 / no new round follows\n",
                a.index
            )
        }
        LedgerCommand::ProcedureStep {
            procedure,
            round,
            people,
            scores,
            approved,
            basis,
        } => {
            let list = |s: &str| -> Vec<String> {
                s.split([',', '，'])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let req = crate::procedure::StepRequest {
                round,
                people: list(&people)
                    .into_iter()
                    .map(|p| match p.split_once(' ') {
                        Some((id, name))
                            if id
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                        {
                            crate::procedure::PersonIn {
                                id: Some(id.to_string()),
                                name: name.trim().to_string(),
                            }
                        }
                        _ => crate::procedure::PersonIn { id: None, name: p },
                    })
                    .collect(),
                scores: list(&scores)
                    .into_iter()
                    .map(|p| match p.split_once('=') {
                        Some((id, v)) => (id.trim().to_string(), v.trim().to_string()),
                        None => (p, String::new()),
                    })
                    .collect(),
                approved: list(&approved),
                basis,
            };
            let (appended, view) = core.procedure_step(&procedure, &req).map_err(err)?;
            let p = view["procedures"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["id"] == procedure.as_str()))
                .cloned()
                .unwrap_or_default();
            let names: Vec<&str> = p["people"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
                .unwrap_or_default();
            format!(
                "已记录 recorded (entries {}): 职位 posts {} · 名单 list {} · 下一轮 next round: {}\n",
                appended.iter().map(|a| a.index.to_string()).collect::<Vec<_>>().join(", "),
                p["posts"],
                names.join("、"),
                p["current"].as_str().unwrap_or("— (完成 complete)")
            )
        }
        LedgerCommand::Receipt { index } => {
            let (leaf, proof, size, note) = l.inclusion(index).map_err(err)?;
            let n =
                Note::parse(note.as_bytes()).map_err(|e| CommandError::new(Code::Checkpoint, e))?;
            let cp =
                Checkpoint::parse(&n.text).map_err(|e| CommandError::new(Code::Checkpoint, e))?;
            verify_inclusion(&leaf, index, size, &proof, &cp.root)
                .map_err(|e| command_error!(Code::Inclusion, "{e}"))?;
            format!(
                "第 {index} 条在大小为 {size} 的签名检查点中, 证明长 {} / entry {index} is included in the signed checkpoint of size {size} ({} proof hashes)\n{}",
                proof.len(),
                proof.len(),
                note
            )
        }
        LedgerCommand::Status => l
            .read(|s| {
                let mut out = format!(
                    "日志 log size {} · 选票 ballots {}\n",
                    s.tree.size(),
                    s.state.ballots()
                );
                if let Some((size, note)) = &s.checkpoint {
                    out.push_str(note);
                    // What tellers and auditors confirm against (docs/E2E.md §11.3).
                    if let Ok(root) = s.tree.root_at(*size) {
                        let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
                        out.push_str(&format!("核对用 to confirm: --checkpoint {size}:{hex}\n"));
                    }
                }
                if let (Ok(info), Ok(conduct)) = (s.state.info(), s.state.conduct()) {
                    for c in &info.election.contests {
                        let state = match conduct.phase(c.id()) {
                            Some(Phase::Closed) => "已结束 closed",
                            Some(Phase::Open) => "投票中 open",
                            _ => "未开始 not open",
                        };
                        out.push_str(&format!("{} {}: {state}\n", c.id(), c.title()));
                    }
                }
                out
            })
            .map_err(err)?,
        LedgerCommand::Reindex => l
            .read(|s| format!("索引已重建 index rebuilt: {} entries\n", s.tree.size()))
            .map_err(err)?,
        LedgerCommand::Soak { tokens, threads } => soak(core, &tokens, threads)?,
        LedgerCommand::Export { out, all } => {
            let n = l.export(&out, all).map_err(err)?;
            format!("已导出 exported {n} entries to {}\n", out.display())
        }
    })
}

fn soak(core: &Core, tokens: &Path, threads: usize) -> Result<String, CommandError> {
    let l = &core.ledger;
    let _ = &core.records;
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let text = String::from_utf8_lossy(&read(tokens)?).to_string();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let ballots = l
        .read(|s| {
            s.state
                .info()
                .ok()
                .and_then(|i| i.styles.first().cloned())
                .map(|st| {
                    st.contests
                        .iter()
                        .map(|c| serde_json::json!({"contest": c, "marks": {}}))
                        .collect::<Vec<_>>()
                })
        })
        .map_err(err)?
        .unwrap_or_default();
    let next = AtomicUsize::new(0);
    let acked = AtomicUsize::new(0);
    let stdout = std::sync::Mutex::new(std::io::stdout());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(token) = lines.get(i) else { break };
                // The ledger alone, without the desk's bound: this load test has no check-ins.
                if let Ok(a) = l.cast(token, &ballots) {
                    let hash: String = a.hash.iter().map(|b| format!("{b:02x}")).collect();
                    if let Ok(mut out) = stdout.lock() {
                        let _ = writeln!(out, "ACK {} {hash}", a.index);
                        let _ = out.flush();
                    }
                    acked.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    Ok(format!("DONE {}\n", acked.load(Ordering::SeqCst)))
}
/// What a paper keying did, in words a teller at the console can act on.
fn paper_outcome_text(o: &crate::procedure::PaperOutcome) -> String {
    use crate::procedure::PaperState;
    let void = match &o.void {
        Some((code, message)) => format!(": 废票 void [{code}] {message}"),
        None => String::new(),
    };
    match o.state {
        PaperState::Counted => format!(
            "已录入 recorded paper ballot, sheet {} (entry {}){void}\n",
            o.sheet,
            o.counted.unwrap_or(o.entry)
        ),
        PaperState::Waiting => format!(
            "已录入第 {} 张, 等待另一名计票人录入 sheet {} keyed (entry {}); waiting for a second teller\n",
            o.sheet, o.sheet, o.entry
        ),
        PaperState::Mismatch => {
            let mut out = format!(
                "不一致 mismatch: 第 {} 张与其他计票人的录入不同, 请重新核对选票后再录 / sheet {} differs from the other keying; re-read the paper and key it again (entry {})\n",
                o.sheet, o.sheet, o.entry
            );
            for (t, b) in &o.others {
                out.push_str(&format!("  {t}: {b}\n"));
            }
            out
        }
        PaperState::Withdrawn => format!(
            "已撤回 withdrawn the keying of sheet {} (entry {})\n",
            o.sheet, o.entry
        ),
    }
}
