//! `--demo`: a sample township party congress with an account for every role, a roll of 150
//! members, five teller keys with the key ceremony done (encrypted ballots, any 3 of 5
//! decrypt), so a newcomer can click through
//! every role at once. Refuses to run on a data directory that already holds an election.
//! The passwords it prints are also kept in `demo-passwords.txt` in the data directory
//! (owner-only), since the console scrolls away.

use std::path::{Path, PathBuf};

use super::auth::{hash_password, random_password};
use super::state::{ledger_config, AppState};
use crate::ledger::keys::{replace_secret, write_secret};
use crate::record::note::Signer;
use crate::records::{Account, Voter};

const SPEC: &str = include_str!("../../examples/township-party-congress/spec.json");
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "伟", "洋", "静", "帆", "磊", "丽", "明", "敏", "强", "芳", "军", "华", "平",
    "刚", "桂英", "志强", "海燕", "文",
];

/// Demo tellers and their names: `demo-teller` (whose key also signs results), then
/// `demo-teller-2` …
pub const DEMO_TELLERS: u32 = 5;

pub fn demo_teller_name(n: u32) -> String {
    if n == 1 {
        "demo-teller".into()
    } else {
        format!("demo-teller-{n}")
    }
}

/// Runs the key ceremony for the demo tellers in process, each step computed exactly as
/// `scrutineer teller run` computes it and logged through the core. Returns the key's
/// fingerprint. The state files go beside the keys.
fn demo_ceremony(
    core: &crate::procedure::Core,
    tellers: &[Signer],
    dir: &std::path::Path,
) -> anyhow::Result<String> {
    let mut states: Vec<crate::e2e::teller::TellerState> =
        tellers.iter().map(|_| Default::default()).collect();
    for _round in 0..3 {
        for (signer, st) in tellers.iter().zip(states.iter_mut()) {
            let (book, conduct) =
                core.ledger
                    .read(|s| -> Result<_, crate::ledger::LedgerError> {
                        Ok((s.state.admin().book()?.clone(), s.state.conduct()?.clone()))
                    })??;
            let run = crate::e2e::teller::ceremony(
                &book,
                &conduct,
                signer,
                st,
                &mut crate::crypto::SystemRng,
            )?;
            for step in run.steps {
                core.teller_entry(step.kind.id(), &step.body)?;
            }
        }
    }
    for (signer, st) in tellers.iter().zip(&states) {
        let text = serde_json::to_string_pretty(st)?;
        write_secret(
            &dir.join(format!("{}.state", signer.name())),
            &(text + "\n"),
        )?;
    }
    let status = core.ceremony_status()?;
    status
        .pointer("/key/fingerprint")
        .and_then(|f| f.as_str())
        .map(String::from)
        .ok_or_else(|| anyhow::anyhow!("the demo key ceremony did not complete"))
}

/// The file in the data directory where `--demo` keeps the passwords it printed.
pub const PASSWORDS_FILE: &str = "demo-passwords.txt";

/// Writes accounts and their passwords (`(name, password, note)`) into the data directory's
/// [`PASSWORDS_FILE`], owner-only (mode 0600), replacing only the lines of those names: an
/// account a previous demo start created keeps its line. Returns the file's path.
pub fn save_passwords(
    data_dir: &Path,
    entries: &[(String, String, String)],
) -> anyhow::Result<PathBuf> {
    let path = data_dir.join(PASSWORDS_FILE);
    let mut lines: Vec<String> = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
    };
    for (name, password, note) in entries {
        let line = format!(
            "{name:<16} {password}{}",
            if note.is_empty() {
                String::new()
            } else {
                format!("    {note}")
            }
        );
        match lines
            .iter_mut()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
        {
            Some(old) => *old = line,
            None => lines.push(line),
        }
    }
    let text = format!(
        "# scrutineer serve --demo: 示例账号与密码 / demo accounts and passwords\n\
         # 仅本用户可读; 试用完毕请删除 / readable by this user only; delete it when you are done\n{}\n",
        lines.join("\n")
    );
    replace_secret(&path, &text)?;
    Ok(path)
}

pub fn load(state: &AppState) -> anyhow::Result<()> {
    let mut slot = state
        .ledger
        .write()
        .map_err(|_| anyhow::anyhow!("the ledger lock is poisoned"))?;
    if slot.is_some() {
        println!("--demo: 数据目录已有选举, 不再加载示例 / the data directory already holds an election; demo not loaded");
        return Ok(());
    }
    let mut lines = vec!["示例账号 / demo accounts:".to_string()];
    let mut saved = Vec::new();
    for role in ["registrar", "teller", "auditor"] {
        let password = random_password()?;
        let account = Account {
            username: format!("demo-{role}"),
            role: role.into(),
            password_hash: hash_password(&password)?,
            // Demo accounts are for trying the service out: their printed passwords work
            // without a change (a real account's one-time password must be changed first).
            must_change_password: false,
            disabled: false,
        };
        if state.records.create_account(&account).is_ok() {
            lines.push(format!("    {:<16} {password}", account.username));
            saved.push((account.username.clone(), password, String::new()));
        }
    }
    // Five demo tellers, three needed to decrypt (the default 3 of 5). In a real election each
    // teller keeps its key and its state file on its own machine; the demo keeps them in the
    // data directory so one person can play every teller.
    let mut tellers = Vec::new();
    for n in 1..=DEMO_TELLERS {
        let seed = crate::ledger::keys::random_seed()?;
        let teller = Signer::new(
            &demo_teller_name(n),
            ed25519_dalek::SigningKey::from_bytes(&seed),
        )?;
        let file = state
            .config
            .data_dir
            .join(format!("{}.key", demo_teller_name(n)));
        write_secret(&file, &(teller.to_text() + "\n"))?;
        tellers.push(teller);
    }
    let ledger = crate::procedure::create_election(
        ledger_config(&state.config),
        &state.records,
        crate::procedure::NewElection {
            spec: serde_json::from_str(SPEC)?,
            styles: None,
            tellers: tellers
                .iter()
                .map(|t| t.verifier().map(|v| v.to_text()))
                .collect::<Result<_, _>>()?,
            signatures_required: 1,
            election_date: Some("2026-12-01".into()),
            pool_spare_percent: u32::try_from(state.config.pool_spare_percent).unwrap_or(100),
            secrecy: crate::record::entry::Secrecy::Encrypted {
                threshold: crate::procedure::default_threshold(DEMO_TELLERS as usize),
            },
        },
    )?;
    let core = crate::procedure::Core::new(ledger.clone(), state.records.clone());
    let fingerprint = demo_ceremony(&core, &tellers, &state.config.data_dir)?;
    let voters: Vec<Voter> = (0..150)
        .map(|i| Voter {
            line: i + 2,
            name: format!(
                "{}{}",
                SURNAMES[i % SURNAMES.len()],
                GIVEN[(i / SURNAMES.len() + i) % GIVEN.len()]
            ),
            number: format!("D{:04}", i + 1),
            unit: "青山镇".into(),
            birth: format!("{}-0{}-1{}", 1960 + (i % 40), 1 + i % 9, i % 10),
            flags: vec![],
        })
        .collect();
    core.set_roll(&voters)?;
    *slot = Some(ledger);
    lines.push(format!(
        "加密选票: 5 名示例计票人, 3 人可解密; 密钥仪式已完成, 选举密钥指纹 {fingerprint} / encrypted ballots: 5 demo tellers, any 3 decrypt; key ceremony done, election key fingerprint {fingerprint}"
    ));
    lines.push(format!(
        "示例计票人的密钥与状态文件 / demo tellers' keys and state files: {}/demo-teller*.key, *.state (真实选举中各在计票人自己的电脑上 / in a real election each stays on its teller's own machine)",
        state.config.data_dir.display()
    ));
    lines.push("选民名单 150 人, 编号 D0001-D0150 / roll: 150 members, numbers D0001-D0150".into());
    let file = save_passwords(&state.config.data_dir, &saved)?;
    lines.push(format!(
        "以上密码也已写入 {} (仅本用户可读, 权限 0600; 试用完毕请删除) / these passwords are also in {} (readable by this user only, mode 0600; delete it when you are done)",
        file.display(),
        file.display()
    ));
    let organiser = super::assets::page_url(&state.config, "/organiser");
    lines.push(format!("下一步: 在组织者页面 {organiser} 打印选票码 (裁开后打乱再发), 然后开始投票 / next: print the slips on {organiser} (cut and shuffle them), then open the contests"));
    // Tests read the demo passwords up to this line: it stays the last.
    lines.push(format!(
        "投票机配对: 组织者页面的 “投票机配对” 给出配对码 (POST /api/v1/kiosks/pairing), 在投票机的 {} 页面输入 / pair a kiosk: the organiser page's Kiosk pairing card gives a code (POST /api/v1/kiosks/pairing) to type on the kiosk's {} page",
        super::assets::page_url(&state.config, "/kiosk"),
        super::assets::page_url(&state.config, "/kiosk")
    ));
    println!("{}", lines.join("\n"));
    Ok(())
}
