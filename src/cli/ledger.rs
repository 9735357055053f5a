//! CLI commands over the ledger: init, open, pool, cast, close, void, tally, teller keys and
//! signatures, receipts, reindex, export, verify.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::ledger::{teller_signature_line, Ledger, LedgerConfig, LedgerError};
use crate::record::merkle::verify_inclusion;
use crate::record::note::{Checkpoint, Note, Signer};

#[derive(Args, Debug, Clone)]
pub struct Dirs {
    /// Data directory (log segments and index).
    #[arg(long, env = "SCRUTINEER_DATA_DIR", default_value = "./data")]
    pub data: PathBuf,
    /// Keys directory (private keys are created here with mode 0600).
    #[arg(long, env = "SCRUTINEER_KEYS_DIR", default_value = "./keys")]
    pub keys: PathBuf,
    /// Most submissions committed with one fdatasync.
    #[arg(long, env = "SCRUTINEER_BATCH_MAX", default_value_t = crate::ledger::BATCH_MAX_DEFAULT)]
    pub batch_max: usize,
    /// Longest a commit batch waits for more submissions, in milliseconds.
    #[arg(long, env = "SCRUTINEER_BATCH_WAIT_MS", default_value_t = crate::ledger::BATCH_WAIT_MS_DEFAULT)]
    pub batch_wait_ms: u64,
}

impl Dirs {
    fn config(&self) -> LedgerConfig {
        let mut c = LedgerConfig::new(&self.data, &self.keys);
        c.batch_max = self.batch_max.clamp(1, 100_000);
        c.batch_wait = std::time::Duration::from_millis(self.batch_wait_ms.min(10_000));
        c
    }
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// 登记选举 / Create a log for an election spec (entry 0).
    Init {
        #[arg(long)]
        spec: PathBuf,
        /// Ballot styles as JSON `[{"round": 1, "contests": [ids]}]`; default: one style with every first-round contest.
        #[arg(long)]
        styles: Option<PathBuf>,
        /// Tellers' public keys, one signed-note verifier key per line.
        #[arg(long)]
        tellers: Option<PathBuf>,
        /// Teller signatures a result needs.
        #[arg(long, default_value_t = 0)]
        signatures_required: u32,
    },
    /// 开始投票 / Open a contest.
    Open { contest: String },
    /// 生成选票码 / Generate and register a pool of tokens for a ballot style; write the slip sheet.
    Pool {
        #[arg(long)]
        style: u16,
        #[arg(long)]
        count: usize,
        /// The printable A4 slip sheet (HTML).
        #[arg(long)]
        sheet: PathBuf,
        /// Also write the tokens' text, one per line (for tests and paper back-up; keep it secret).
        #[arg(long)]
        tokens_out: Option<PathBuf>,
    },
    /// 投票 / Cast one ballot: a token and one ballot line per contest of its style.
    Cast {
        #[arg(long)]
        token: String,
        /// A ballot line (JSON), once per contest of the style.
        #[arg(long = "ballot", required = true)]
        ballots: Vec<String>,
        /// Also write the receipt as a QR code (SVG) to this file.
        #[arg(long)]
        receipt_qr: Option<PathBuf>,
    },
    /// 结束投票 / Close a contest with its final turnout.
    Close {
        contest: String,
        #[arg(long)]
        eligible: u64,
        #[arg(long)]
        present: u64,
        #[arg(long)]
        issued: u64,
    },
    /// 作废未用选票码 / Void the unspent tokens of a style after its contests closed.
    Void {
        #[arg(long)]
        style: u16,
    },
    /// 计票 / Count closed contests and append the result.
    Tally {
        #[arg(long = "contest", required = true)]
        contests: Vec<String>,
    },
    /// 计票人签名 / Sign a result's checkpoint with a teller key file and append the signature.
    Sign {
        #[arg(long)]
        result: u64,
        #[arg(long)]
        teller_key: PathBuf,
    },
    /// 回执核验 / Check a receipt: the entry's inclusion proof against the latest checkpoint.
    Receipt { index: u64 },
    /// 状态 / Show the log size, latest checkpoint and contest states.
    Status,
    /// 重建索引 / Rebuild the sled index from the log segments.
    Reindex,
    /// 导出 / Write everything an auditor needs to a directory.
    Export { out: PathBuf },
    /// Load and crash testing only: casts a blank ballot with every token in a file from
    /// several threads and prints `ACK index hash` once each one is durable.
    #[command(hide = true)]
    Soak {
        #[arg(long)]
        tokens: PathBuf,
        #[arg(long, default_value_t = 8)]
        threads: usize,
    },
}

fn err(e: LedgerError) -> String {
    format!("错误 error [{}]: {e}", e.code())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path)
        .map_err(|e| format!("错误 error [unreadable_file]: {}: {e}", path.display()))
}

/// Runs a ledger command; the `String` error is printed and exits 2.
pub fn run(dirs: &Dirs, cmd: LedgerCommand) -> Result<String, String> {
    if let LedgerCommand::Init {
        spec,
        styles,
        tellers,
        signatures_required,
    } = &cmd
    {
        let spec = read(spec)?;
        let styles = match styles {
            Some(p) => Some(
                serde_json::from_slice(&read(p)?)
                    .map_err(|e| format!("错误 error [styles]: {e}"))?,
            ),
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
        let l = Ledger::init(dirs.config(), &spec, styles, tellers, *signatures_required)
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
        return Ok(out);
    }
    if let LedgerCommand::Reindex = &cmd {
        let index = dirs.data.join("index");
        if index.exists() {
            std::fs::remove_dir_all(&index)
                .map_err(|e| format!("错误 error [storage]: {}: {e}", index.display()))?;
        }
    }
    let l = Ledger::open_existing(dirs.config()).map_err(err)?;
    let out = match cmd {
        LedgerCommand::Init { .. } => String::new(),
        LedgerCommand::Open { contest } => {
            let a = l.open_contest(&contest).map_err(err)?;
            format!("已开始 opened “{contest}” (entry {})\n", a.index)
        }
        LedgerCommand::Pool {
            style,
            count,
            sheet,
            tokens_out,
        } => {
            let max = crate::tokens::pool::SHEET_TOKENS_MAX;
            if count == 0 || count > max {
                return Err(format!("错误 error [sheet_too_many]: 一次生成 1 至 {max} 张 / a sheet holds 1 to {max} tokens, {count} asked"));
            }
            let (tokens, a) = l.register_pool(style, count).map_err(err)?;
            let html = l
                .read(|s| {
                    let info = s.state.info().ok()?;
                    let st = info.styles.get(style as usize)?;
                    let names = st
                        .contests
                        .iter()
                        .filter_map(|c| {
                            info.election
                                .contest_index(c)
                                .map(|i| info.election.contests[i].title.clone())
                        })
                        .collect();
                    Some(crate::tokens::pool::SlipSheet {
                        title: "选票码 Ballot tokens".into(),
                        election_title: if info.election.title.is_empty() {
                            info.id.clone()
                        } else {
                            info.election.title.clone()
                        },
                        round: st.round,
                        style_name: if st.title.is_empty() {
                            format!("样式 style {style}")
                        } else {
                            st.title.clone()
                        },
                        contest_names: names,
                    })
                })
                .map_err(err)?
                .ok_or_else(|| "错误 error [unknown_style]".to_string())
                .and_then(|sheet_info| {
                    crate::tokens::pool::slip_sheet_html(&sheet_info, &tokens)
                        .map_err(|e| format!("错误 error [{}]: {e}", e.code()))
                })?;
            std::fs::write(&sheet, html)
                .map_err(|e| format!("错误 error [storage]: {}: {e}", sheet.display()))?;
            if let Some(p) = tokens_out {
                let text: String = tokens.iter().map(|t| t.to_text() + "\n").collect();
                crate::ledger::keys::write_secret(&p, &text).map_err(err)?;
            }
            format!("已登记 {count} 张选票码 registered {count} tokens for style {style} (entry {}); slip sheet: {}\n", a.index, sheet.display())
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
                .map_err(|e| format!("错误 error [ballot_json]: {e}"))?;
            let a = l.cast(&token, &lines).map_err(err)?;
            let code = crate::tokens::receipt_code(a.index, &a.hash);
            if let Some(p) = receipt_qr {
                let svg = crate::tokens::receipt_qr_svg(&code).unwrap_or_default();
                std::fs::write(&p, svg)
                    .map_err(|e| format!("错误 error [storage]: {}: {e}", p.display()))?;
            }
            format!("回执 receipt: {code}\n")
        }
        LedgerCommand::Close {
            contest,
            eligible,
            present,
            issued,
        } => {
            let a = l
                .close_contest(&contest, eligible, present, issued)
                .map_err(err)?;
            format!("已结束 closed “{contest}” (entry {})\n", a.index)
        }
        LedgerCommand::Void { style } => {
            let a = l.void_tokens(style).map_err(err)?;
            format!(
                "已作废未用选票码 voided unspent tokens of style {style} (entry {})\n",
                a.index
            )
        }
        LedgerCommand::Tally { contests } => {
            let (a, result) = l.tally(&contests).map_err(err)?;
            format!(
                "结果 result: entry {}\n{}\n",
                a.index,
                serde_json::to_string_pretty(&result).unwrap_or_default()
            )
        }
        LedgerCommand::Sign { result, teller_key } => {
            let signer = Signer::parse(String::from_utf8_lossy(&read(&teller_key)?).trim())
                .map_err(|e| format!("错误 error [bad_key]: {e}"))?;
            let text = l.result_checkpoint_text(result).map_err(err)?;
            let line = teller_signature_line(&text, &signer).map_err(err)?;
            let a = l.add_teller_signature(result, &line).map_err(err)?;
            format!(
                "已签名 signed result {result} as “{}” (entry {})\n",
                signer.name(),
                a.index
            )
        }
        LedgerCommand::Receipt { index } => {
            let (leaf, proof, size, note) = l.inclusion(index).map_err(err)?;
            let n = Note::parse(note.as_bytes()).map_err(|e| e.to_string())?;
            let cp = Checkpoint::parse(&n.text).map_err(|e| e.to_string())?;
            verify_inclusion(&leaf, index, size, &proof, &cp.root)
                .map_err(|e| format!("错误 error [inclusion]: {e}"))?;
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
                    s.state.ballots
                );
                if let Some((_, note)) = &s.checkpoint {
                    out.push_str(note);
                }
                if let Ok(info) = s.state.info() {
                    for c in &info.election.contests {
                        let state = if s.state.closed.contains_key(&c.id) {
                            "已结束 closed"
                        } else if s.state.opened.contains(&c.id) {
                            "投票中 open"
                        } else {
                            "未开始 not open"
                        };
                        out.push_str(&format!("{} {}: {state}\n", c.id, c.title));
                    }
                }
                out
            })
            .map_err(err)?,
        LedgerCommand::Reindex => l
            .read(|s| format!("索引已重建 index rebuilt: {} entries\n", s.tree.size()))
            .map_err(err)?,
        LedgerCommand::Soak { tokens, threads } => soak(&l, &tokens, threads)?,
        LedgerCommand::Export { out } => {
            let n = l.export(&out).map_err(err)?;
            format!("已导出 exported {n} entries to {}\n", out.display())
        }
    };
    l.close().map_err(err)?;
    Ok(out)
}

fn soak(l: &Ledger, tokens: &Path, threads: usize) -> Result<String, String> {
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
