//! `--demo`: a sample township party congress with an account for every role, a roll of 150
//! members, a teller key, printed slips and open contests, so a newcomer can click through
//! every role at once. Refuses to run on a data directory that already holds an election.

use super::auth::{hash_password, random_password};
use super::state::{ledger_config, AppState};
use crate::ledger::keys::write_secret;
use crate::ledger::records::{Account, Voter};
use crate::record::note::Signer;

const SPEC: &str = include_str!("../../examples/township-party-congress/spec.json");
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "伟", "洋", "静", "帆", "磊", "丽", "明", "敏", "强", "芳", "军", "华", "平",
    "刚", "桂英", "志强", "海燕", "文",
];

pub fn load(state: &AppState) -> Result<(), String> {
    let mut slot = state.ledger.write().map_err(|_| "lock".to_string())?;
    if slot.is_some() {
        println!("--demo: 数据目录已有选举, 不再加载示例 / the data directory already holds an election; demo not loaded");
        return Ok(());
    }
    let mut lines = vec!["示例账号 / demo accounts (passwords shown once):".to_string()];
    for role in ["registrar", "teller", "auditor"] {
        let password = random_password().map_err(|e| e.to_string())?;
        let account = Account {
            username: format!("demo-{role}"),
            role: role.into(),
            password_hash: hash_password(&password).map_err(|e| e.to_string())?,
        };
        if state.records.create_account(&account).is_ok() {
            lines.push(format!("    {:<16} {password}", account.username));
        }
    }
    let seed = crate::ledger::keys::random_seed().map_err(|e| e.to_string())?;
    let teller = Signer::new("demo-teller", ed25519_dalek::SigningKey::from_bytes(&seed))
        .map_err(|e| e.to_string())?;
    let teller_file = state.config.data_dir.join("demo-teller.key");
    write_secret(&teller_file, &(teller.to_text() + "\n")).map_err(|e| e.to_string())?;
    let verifier = teller.verifier().map_err(|e| e.to_string())?.to_text();
    let ledger = crate::procedure::create_election(
        ledger_config(&state.config),
        &state.records,
        crate::procedure::NewElection {
            spec: serde_json::from_str(SPEC).map_err(|e| e.to_string())?,
            styles: None,
            tellers: vec![verifier],
            signatures_required: 1,
            election_date: Some("2026-12-01".into()),
            pool_spare_percent: u32::try_from(state.config.pool_spare_percent).unwrap_or(100),
            secrecy: crate::record::entry::Secrecy::Plaintext {
                reason: "示例选举 demo election".into(),
            },
        },
    )
    .map_err(|e| e.to_string())?;
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
    crate::procedure::Core::new(ledger.clone(), state.records.clone())
        .set_roll(&voters)
        .map_err(|e| e.to_string())?;
    *slot = Some(ledger);
    lines.push(format!(
        "计票人签名密钥 / teller key: {}",
        teller_file.display()
    ));
    lines.push("选民名单 150 人, 编号 D0001-D0150 / roll: 150 members, numbers D0001-D0150".into());
    lines.push("下一步: 在组织者页面 /organiser 打印选票码 (裁开后打乱再发), 然后开始投票 / next: print the slips on /organiser (cut and shuffle them), then open the contests".into());
    lines.push("投票机配对: 组织者 POST /api/v1/kiosks/pairing / pair a kiosk with a code from the organiser".into());
    println!("{}", lines.join("\n"));
    Ok(())
}
