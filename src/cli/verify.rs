//! `scrutineer verify` and `scrutineer teller keygen`.

use crate::cli::{command_error, CommandError};
use crate::codes::Code;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use crate::ledger::keys::{random_seed, write_secret};
use crate::record::note::Signer;
use crate::verify::Report;

/// A progress bar of a verification on standard error, when that is a terminal (and not
/// `quiet`): entries replayed of the log's total, with the time left.
pub(crate) fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(0);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "核验 verifying {bar:40} {pos}/{len} 条 entries ({eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

/// The verifier's progress callback for `bar`.
pub(crate) fn progress_of(bar: &Option<indicatif::ProgressBar>) -> impl Fn(u64, u64) + '_ {
    move |done: u64, total: u64| {
        if let Some(b) = bar {
            b.set_length(total);
            b.set_position(done);
        }
    }
}

/// Verifies the export at `path` (a directory, a tar, or the hall's https address; for an
/// address, `ca_cert` names the PEM certificate of the hall's CA to trust instead of the
/// system's web roots) and prints the report.
/// What an auditor confirmed outside the service and holds the export to: without them,
/// everything is checked against the keys entry 0 registers, so a log rebuilt from scratch
/// under an insider's own log key verifies as well as the real one.
#[derive(Clone, Debug, Default)]
pub struct Pins {
    /// `--checkpoint SIZE:ROOT`: the log has this root at this size (from the board posted in
    /// the hall, a witness, or another auditor).
    pub checkpoint: Option<String>,
    /// `--log-key KEY`: the log key registered in entry 0 (its verifier text, as the board and
    /// `keys/log.pub` print it).
    pub log_key: Option<String>,
    /// `--allow-protocol N`: a log of the older protocol N is taken (`verify::check_protocol`);
    /// without it only the current protocol is.
    pub allow_protocol: Option<u32>,
}

fn pin_failure(check: Code, message: String) -> crate::verify::Failure {
    crate::verify::Failure {
        index: None,
        kind: None,
        check,
        message,
    }
}

/// Holds a verified export to the pins; `Err` names the first that does not hold.
pub(crate) fn check_pins(
    replayed: &crate::verify::Replayed,
    pins: &Pins,
) -> Result<(), crate::verify::Failure> {
    if let Some(text) = &pins.checkpoint {
        let pin = crate::cli::teller::parse_checkpoint_pin(text)
            .map_err(|e| pin_failure(e.code, e.message))?;
        crate::cli::teller::check_checkpoint_pin(&replayed.tree, pin)
            .map_err(|e| pin_failure(e.code, e.message))?;
    }
    if let Some(key) = &pins.log_key {
        let want = crate::record::note::Verifier::parse(key.trim())
            .map_err(|e| pin_failure(Code::BadKey, format!("--log-key: {e}")))?;
        if want != replayed.log_key {
            return Err(pin_failure(
                Code::Keys,
                format!(
                    "日志登记的日志密钥 ({}) 不是核对过的那一个 ({}): 这份日志不是该选举服务签的 / the log registers the log key {}, not the confirmed one ({}): this log was not signed by that service",
                    replayed.log_key.to_text(),
                    want.to_text(),
                    replayed.log_key.to_text(),
                    want.to_text()
                ),
            ));
        }
    }
    Ok(())
}

pub fn run(path: &Path, json: bool, ca_cert: Option<&Path>, pins: &Pins) -> ExitCode {
    // The pins are read before anything is verified: a mistyped --checkpoint or --log-key
    // is said at once, not after a county's export was checked for minutes.
    let malformed = pins
        .checkpoint
        .as_deref()
        .map(|text| {
            crate::cli::teller::parse_checkpoint_pin(text)
                .map(|_| ())
                .map_err(|e| pin_failure(e.code, e.message))
        })
        .transpose()
        .and_then(|_| {
            pins.log_key
                .as_deref()
                .map(|key| {
                    crate::record::note::Verifier::parse(key.trim())
                        .map(|_| ())
                        .map_err(|e| pin_failure(Code::BadKey, format!("--log-key: {e}")))
                })
                .transpose()
        });
    if let Err(f) = malformed {
        let report = Report {
            failure: Some(f),
            ..Report::default()
        };
        return finish(&report, json);
    }
    let bar = progress_bar(json);
    let progress = progress_of(&bar);
    // A directory, the tar archive `GET /api/v1/export` streams, or the hall's address
    // (the export is then fetched into a temporary file and removed afterwards).
    let fetched = match path.to_str().filter(|p| is_url(p)) {
        Some(url) => match fetch_export(url, ca_cert, json) {
            Ok(file) => Some(file),
            Err(f) => {
                let report = Report {
                    failure: Some(f),
                    ..Report::default()
                };
                return finish(&report, json);
            }
        },
        None => None,
    };
    let source = fetched.as_deref().unwrap_or(path);
    let mut report = crate::verify::with_export(source, |dir| {
        let (mut report, replayed) = crate::verify::verify_export_replayed(dir, &progress);
        if let Some(r) = &replayed {
            if let Err(f) = crate::verify::check_protocol(report.protocol, pins.allow_protocol)
                .and_then(|()| check_pins(r, pins))
            {
                report.ok = false;
                report.failure = Some(f);
            }
        }
        report
    })
    .unwrap_or_else(|f| Report {
        failure: Some(f),
        ..Report::default()
    });
    report.pinned = pins.checkpoint.is_some() || pins.log_key.is_some();
    if let Some(f) = &fetched {
        let _ = std::fs::remove_file(f);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    finish(&report, json)
}

fn finish(report: &Report, json: bool) -> ExitCode {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
    } else {
        print!("{}", text(report));
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn is_url(p: &str) -> bool {
    p.starts_with("http://") || p.starts_with("https://")
}

/// An HTTP agent that trusts only the certificates of `pem` (the hall's CA, or its own
/// self-signed certificate) for https, not the system's web roots.
fn agent_trusting(pem: &Path) -> Result<ureq::Agent, String> {
    let bytes = std::fs::read(pem).map_err(|e| format!("{}: {e}", pem.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut found = 0;
    for cert in rustls_pemfile::certs(&mut bytes.as_slice()) {
        let cert = cert.map_err(|e| format!("{}: {e}", pem.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("{}: {e}", pem.display()))?;
        found += 1;
    }
    if found == 0 {
        return Err(format!(
            "{}: 文件中没有 PEM 证书 / the file holds no PEM certificate",
            pem.display()
        ));
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(ureq::AgentBuilder::new()
        .tls_config(std::sync::Arc::new(config))
        .build())
}

/// The export of the service at `url` (its address, or the export's own URL), saved to a
/// temporary file. Public once voting is closed; while a contest is open the service asks
/// for an auditor's account, and this says so. With `ca_cert`, https is checked against that
/// certificate only.
fn fetch_export(
    url: &str,
    ca_cert: Option<&Path>,
    quiet: bool,
) -> Result<std::path::PathBuf, crate::verify::Failure> {
    let fail = |message: String| crate::verify::Failure {
        index: None,
        kind: None,
        check: Code::Export,
        message,
    };
    let agent = match ca_cert {
        Some(pem) => agent_trusting(pem).map_err(|m| {
            fail(format!(
                "--ca-cert: {m} (会场 CA 证书, PEM 格式 / the hall CA's certificate, PEM)"
            ))
        })?,
        None => ureq::agent(),
    };
    let url = url.trim_end_matches('/');
    let export_url = if url.contains("/api/v1/export") {
        url.to_string()
    } else {
        // The hall's address, or any page of it: the export lives at the origin.
        let origin_end = url
            .find("://")
            .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j))
            .unwrap_or(url.len());
        format!("{}/api/v1/export", &url[..origin_end])
    };
    let resp = agent.get(&export_url).call().map_err(|e| match e {
        ureq::Error::Status(code @ (401 | 403), _) => fail(format!(
            "{export_url}: {code}: 投票进行中时导出只给审计员等账号; 请在审计页下载后核验下载的文件 / while voting is open the export needs an auditor's account: download it on the auditor page and verify the downloaded file"
        )),
        ureq::Error::Status(code, r) => fail(format!(
            "{export_url}: {code} {}",
            r.into_string().unwrap_or_default()
        )),
        ureq::Error::Transport(t) => fail(format!(
            "{export_url}: 无法连接 / cannot connect: {t} (会场自己的证书: 加上 --ca-cert 会场CA证书.crt / a hall's own certificate: add --ca-cert with the hall CA's certificate)"
        )),
    })?;
    let mut seed = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
        .map_err(|_| fail("随机数不可用 / no randomness".into()))?;
    let name: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let file = std::env::temp_dir().join(format!("scrutineer-download-{name}.tar"));
    let mut out =
        std::fs::File::create(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    // The bytes so far on a terminal: a county's export is a gigabyte or more.
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "下载 downloading {spinner} {bytes} ({bytes_per_sec})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b
    });
    let mut reader: Box<dyn std::io::Read> = match &bar {
        Some(b) => Box::new(b.wrap_read(resp.into_reader())),
        None => Box::new(resp.into_reader()),
    };
    // No more than an archive may hold (`verify::source`): a hall that streams without end
    // fills neither the auditor's disk nor memory. A tar's headers and padding are well
    // under a second cap's worth.
    let max = crate::verify::export_bytes_max();
    let copied = std::io::copy(
        &mut std::io::Read::take(&mut reader, max.saturating_mul(2)),
        &mut out,
    )
    .and_then(|n| {
        if n >= max.saturating_mul(2) {
            Err(std::io::Error::other(format!(
                "超过 {} 字节 (SCRUTINEER_EXPORT_BYTES_MAX) / more than {} bytes (SCRUTINEER_EXPORT_BYTES_MAX)",
                max.saturating_mul(2),
                max.saturating_mul(2)
            )))
        } else {
            Ok(n)
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    copied.map_err(|e| {
        let _ = std::fs::remove_file(&file);
        fail(format!(
            "{export_url}: 下载中断 / the download broke off: {e}"
        ))
    })?;
    Ok(file)
}

fn text(r: &Report) -> String {
    // Nothing was read (a wrong path, an address that did not answer, a pin that does not
    // parse): no empty header, only the failure below.
    let mut out = if r.protocol == 0 && r.entries == 0 {
        String::new()
    } else {
        format!(
            "选举 election: {} (协议 protocol {})\n条目 entries: {} · 选票 ballots: {} · 纸质选票 paper ballots: {} · 检查点 checkpoints: {} · 结果 results: {}\n",
            r.election, r.protocol, r.entries, r.ballots, r.paper_ballots, r.checkpoints, r.results
        )
    };
    if r.protocol > 1 && r.protocol < crate::rules::conduct::PROTOCOL_CURRENT {
        // Taken only when named (`--allow-protocol`): say what that leaves out.
        out.push_str(&format!(
            "注意: 按旧协议 {} 的规则核验 (用 --allow-protocol 接受), 此后增加的检查未做 (docs/LOG_FORMAT.md) / note: checked by the older protocol {}'s rules (taken with --allow-protocol); the checks added since were not made (docs/LOG_FORMAT.md)\n",
            r.protocol, r.protocol
        ));
    }
    if r.protocol == 1 {
        // Anyone can write a log that claims the first protocol: say what it leaves out.
        out.push_str("注意: 协议 1 的日志 (2026-12-02 之前写的) 按当时的检查核验, 名册、票池上限、签到数与结束数字未核对 / note: a protocol 1 log (written before 2026-12-02) is checked as then: the roll, pool caps, the desk's figures and the close are not\n");
    }
    if r.paper_keyings > 0 {
        out.push_str(&format!(
            "双人录入 double entry: {} 次录入 keyings{}\n",
            r.paper_keyings,
            if r.ok {
                " (每张计入的纸质选票都有两名计票人一致的录入 every counted sheet was keyed alike by two tellers)"
            } else {
                ""
            }
        ));
    }
    if r.paper_attested > 0 {
        out.push_str(&format!(
            "计票人签署的纸质录入 paper keyings signed by a registered teller's key: {}{}\n",
            r.paper_attested,
            if r.ok && r.protocol >= crate::rules::conduct::PROTOCOL_ATTESTED_PAPER {
                " (每次录入都已签署, 双人录入的两次一致录入来自两把不同的密钥 every keying is signed; a double-entry sheet's two agreeing keyings by two different keys)"
            } else {
                ""
            }
        ));
    }
    if let Some(fp) = &r.election_key_fingerprint {
        out.push_str(&format!(
            "加密选票 encrypted ballots: {}{} · 选举密钥指纹 election key fingerprint: {fp} · 写入姓名混洗 shuffles: {}\n",
            r.encrypted_ballots,
            if r.ok { " (证明全部有效 every proof holds)" } else { "" },
            r.shuffles
        ));
    }
    if let Some(reason) = &r.plaintext_reason {
        out.push_str(&format!(
            "明文选票 plaintext ballots (组织者记录的原因 the organiser's logged reason): {reason}\n"
        ));
    }
    for res in &r.result_status {
        out.push_str(&format!(
            "结果 result {} [{}]: 签名 signed by {} ({}/{}){}\n",
            res.index,
            res.contests.join(", "),
            if res.signers.is_empty() {
                "—".to_string()
            } else {
                res.signers.join(", ")
            },
            res.signers.len(),
            res.required,
            match res.published {
                Some(true) => " · 已公布 published",
                Some(false) => " · 未公布 not published",
                None => "",
            }
        ));
    }
    if !r.not_yet_signed.is_empty() {
        out.push_str(&format!(
            "尚未签署或公布的结果 results not yet signed or published: {:?} (这不是失败 / not a failure)\n",
            r.not_yet_signed
        ));
    }
    if !r.not_counted.is_empty() {
        let list: Vec<String> = r
            .not_counted
            .iter()
            .map(|(id, phase)| match phase.as_str() {
                "open" => format!("{id} (投票中 open)"),
                _ => format!("{id} (已收票 closed)"),
            })
            .collect();
        out.push_str(&format!(
            "尚无结果的项目 contests no result counts yet: {} (选举进行中不是失败; 选举结束后, 这些项目的选票未被计入 / not a failure while the election runs; after it, these contests' ballots were never counted)\n",
            list.join(", ")
        ));
    }
    for p in &r.procedure_steps {
        out.push_str(&format!(
            "程序 procedure “{}” 第 {} 条 entry {}: 轮次 round {} · 职位 posts {} · 名单 list {} (按规则核对 checked by the rules)\n",
            p.procedure,
            p.index,
            p.index,
            p.round,
            p.posts,
            if p.people.is_empty() {
                "—".to_string()
            } else {
                p.people.join("、")
            }
        ));
    }
    // Protocol 8: the registered teller whose key signed a correction or a reduction.
    let signed_by = |t: &Option<String>| {
        t.as_ref()
            .map(|t| format!("; 计票人签署 signed by teller {t}"))
            .unwrap_or_default()
    };
    for c in &r.corrections {
        let desk = c
            .desk
            .map(|d| {
                format!(
                    "E {} · P {} · I {}",
                    d.eligible, d.present, d.ballots_issued
                )
            })
            .unwrap_or_else(|| "—".into());
        let signed = signed_by(&c.attested_by);
        out.push_str(&format!(
            "更正 correction (第 {} 条 entry {}) “{}”: 签到处 desk {desk} → 更正为 corrected E {} · P {} · I {}; 原因 reason: {}; 提出 proposed by {}; 批准 approved by {}{signed}\n",
            c.index, c.index, c.contest, c.corrected.eligible, c.corrected.present, c.corrected.ballots_issued, c.reason, c.proposed_by, c.approved_by
        ));
    }
    for sr in &r.seat_reductions {
        let signed = signed_by(&sr.attested_by);
        out.push_str(&format!(
            "减少名额 seat reduction (第 {} 条 entry {}) “{}”: 减 less {} → {} 名 seats; 依据 basis: {}{signed}\n",
            sr.index, sr.index, sr.contest, sr.reduced_by, sr.seats, sr.basis
        ));
    }
    for p in &r.late_pools {
        out.push_str(&format!(
            "投票开始后补印选票码 tokens printed after voting started (第 {} 条 entry {}): 样式 style {} · {} 张 tokens; 原因 reason: {}\n",
            p.index, p.index, p.style, p.count, p.reason
        ));
    }
    for c in &r.ceremony_restarts {
        out.push_str(&format!(
            "密钥仪式第 {} 轮由第 {} 号计票人作废 key ceremony attempt {} abandoned by teller {} (第 {} 条 entry {}); 原因 reason: {}\n",
            c.attempt, c.teller, c.attempt, c.teller, c.index, c.index, c.reason
        ));
    }
    if !r.ignored_files.is_empty() {
        out.push_str(&format!(
            "未核验的文件 files not read: {}\n",
            r.ignored_files.join(", ")
        ));
    }
    match &r.failure {
        None => out.push_str(&(format!(
            "通过 OK: 哈希链、检查点、选票码签名、无重复使用、选票与样式、投票流程、人数、重新计票、签名与附带文件均核验无误 / chain, checkpoints, token signatures, no double spend, ballots against their styles, the order of the election, the desk's figures, the recount, signatures and side files all hold\n根 root: {}\n",
            r.root
        ) + if r.pinned {
            "已与核对过的检查点或日志密钥一致 / held to the confirmed checkpoint or log key\n"
        } else {
            "注意: 只核验了日志自身一致; 要确认这就是公示的那份日志, 加 --checkpoint 条数:根 (公告栏上的) 或 --log-key / note: this says the log is consistent in itself; to know it is the log that was posted, add --checkpoint SIZE:ROOT (from the board) or --log-key\n"
        })),
        Some(f) => out.push_str(&format!(
            "失败 FAILED [{}]{}{}: {}\n",
            f.check,
            f.index.map(|i| format!(" 第 {i} 条 entry {i}")).unwrap_or_default(),
            f.kind.map(|k| format!(" ({k})")).unwrap_or_default(),
            f.message
        )),
    }
    out
}

/// Creates a teller key: the private key (signed-note signer text) in `out`, mode 0600; the
/// public key (verifier text) on stdout, to be given to the organiser.
pub fn teller_keygen(name: &str, out: &Path) -> Result<String, CommandError> {
    // The name is shown on the board beside the teller's signature: no hidden characters.
    crate::record::names::check_id_characters(name).map_err(|e| CommandError::new(e.code(), e))?;
    let seed = random_seed().map_err(|e| CommandError::new(e.code(), e))?;
    let signer = Signer::new(name, ed25519_dalek::SigningKey::from_bytes(&seed))
        .map_err(|e| command_error!(Code::BadKey, "{e}"))?;
    let verifier = signer
        .verifier()
        .map_err(|e| command_error!(Code::BadKey, "{e}"))?;
    write_secret(out, &(signer.to_text() + "\n")).map_err(|e| CommandError::new(e.code(), e))?;
    Ok(verifier.to_text() + "\n")
}

/// Signs a checkpoint text with a teller key file and returns the signature line.
pub fn teller_sign(key: &Path, text: &Path) -> Result<String, CommandError> {
    let key_text = crate::cli::read_named_text(key, "计票人密钥文件", "the teller key file")?;
    let signer = Signer::parse(key_text.trim()).map_err(|e| command_error!(Code::BadKey, "{e}"))?;
    let body = if text.as_os_str() == "-" {
        // Typed or pasted at a terminal: say what is awaited, and how to end it (it waited
        // in silence before).
        if std::io::stdin().is_terminal() {
            eprintln!(
                "请粘贴要签名的检查点文本 (三行: 来源、条数、根), 然后按 Ctrl-D; 或用 --export 和 --result \
                 让工具自己从核验过的导出中取 / paste the checkpoint text to sign (three lines: origin, \
                 size, root), then press Ctrl-D; or give --export and --result for the tool to take it \
                 from a verified export"
            );
        }
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
            command_error!(
                Code::UnreadableFile,
                "无法读取标准输入 / cannot read standard input: {e}"
            )
        })?;
        s
    } else {
        std::fs::read_to_string(text).map_err(|e| {
            command_error!(
                Code::UnreadableFile,
                "无法读取 {0} / cannot read {0}: {e}",
                text.display()
            )
        })?
    };
    // The checkpoint text is three or more lines, each ending in a newline.
    let body = format!("{}\n", body.trim_end_matches(['\n', '\r']));
    // Only a checkpoint is signed: an empty text, or anything else, is refused (a teller's
    // key signs nothing it was not meant to).
    if crate::record::note::Checkpoint::parse(&body).is_err() {
        return Err(command_error!(
            Code::Checkpoint,
            "要签名的文本不是检查点 (应为三行: 来源、条数、根, 见计票人页面或 GET /api/v1/results/{{n}}); \
             未签名 / the text to sign is not a checkpoint (three lines: origin, size, root, as the \
             teller page or GET /api/v1/results/{{n}} shows it): nothing signed"
        ));
    }
    let line = crate::ledger::teller_signature_line(&body, &signer)
        .map_err(|e| CommandError::new(e.code(), e))?;
    Ok(line + "\n")
}
