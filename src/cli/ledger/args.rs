//! The ledger commands' arguments: the directories and every subcommand with its options.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::ledger::LedgerConfig;

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
    pub(super) fn config(&self) -> LedgerConfig {
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
        /// Ballot styles as JSON `[{"round": 1, "contests": [ids], "unit": ""}]`; default: one style with every first-round contest.
        #[arg(long)]
        styles: Option<PathBuf>,
        /// Tellers' public keys, one signed-note verifier key per line.
        #[arg(long)]
        tellers: Option<PathBuf>,
        /// Teller signatures a result needs (default: the threshold in an encrypted election,
        /// 0 in a plaintext one).
        #[arg(long)]
        signatures_required: Option<u32>,
        /// Election day (YYYY-MM-DD), for the roll's age check.
        #[arg(long)]
        election_date: Option<String>,
        /// Spare tokens per style beyond its voters on the roll, in percent.
        #[arg(long, default_value_t = 5)]
        pool_spare_percent: u32,
        /// Tellers needed to decrypt (encrypted ballots, the default); default: a majority.
        #[arg(long)]
        threshold: Option<u32>,
        /// Keep ballots in plaintext instead, for this reason (logged and posted).
        #[arg(long)]
        plaintext_reason: Option<String>,
    },
    /// 导入选民名单 / Import the roll (CSV, docs/FORMATS.md): every row or none.
    Roll {
        #[arg(long)]
        csv: PathBuf,
    },
    /// 开始投票 / Open a contest.
    Open { contest: String },
    /// 生成选票码 / Generate and register tokens for a ballot style (within its cap); write the slip sheet.
    Pool {
        #[arg(long)]
        style: u16,
        /// How many; default: what is left of the style's cap (roll plus spare).
        #[arg(long)]
        count: Option<usize>,
        /// The printable A4 slip sheet (HTML).
        #[arg(long)]
        sheet: PathBuf,
        /// Why, when voting in the style has already started (required then).
        #[arg(long)]
        reason: Option<String>,
        /// Also write the tokens' text, one per line (for tests and paper back-up; keep it secret).
        #[arg(long)]
        tokens_out: Option<PathBuf>,
    },
    /// 签到 / Check a voter in (with the principals they carry a proxy for).
    Checkin {
        number: String,
        #[arg(long = "principal")]
        principals: Vec<String>,
        #[arg(long, default_value_t = 1)]
        round: u8,
        /// The desk's name as it is recorded.
        #[arg(long, default_value = "cli")]
        desk: String,
    },
    /// 签到统计 / The desk's figures (E, P, I) and quorum per contest.
    Desk,
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
    /// 提交计票人步骤 / Submit a teller's steps file (from `scrutineer teller run`).
    Submit {
        #[arg(long)]
        steps: PathBuf,
    },
    /// 唱票录入 / Key in one paper ballot of a paper or hybrid contest. In a double-entry
    /// contest (paper_entry "double") give --sheet and --teller: the sheet counts once two
    /// tellers have keyed it alike.
    Paper {
        #[arg(long)]
        contest: String,
        /// The ballot line (JSON).
        #[arg(long, required_unless_present = "withdraw")]
        ballot: Option<String>,
        /// The sheet being keyed (1, 2, ...): required in a double-entry contest.
        #[arg(long)]
        sheet: Option<u64>,
        /// Who keys it (double entry: each teller under their own name).
        #[arg(long, default_value = "")]
        teller: String,
        /// Withdraw this teller's keying of the sheet (double entry).
        #[arg(long, conflicts_with = "ballot")]
        withdraw: bool,
        /// 计票人签名 / Protocol 9: sign the keying here with this teller key file (`--ballot`
        /// is the text signed).
        #[arg(long, value_name = "FILE")]
        teller_key: Option<PathBuf>,
    },
    /// 结束投票 / Close a contest with the desk's figures (unspent tokens are voided with it).
    Close {
        contest: String,
        /// The account closing it, named in the log as the service names its caller
        /// (optional: the command line on the server machine has no account).
        #[arg(long)]
        by: Option<String>,
    },
    /// 更正人数 / Propose a correction of a contest's figures; a person of another role approves it.
    Correct {
        #[arg(long)]
        contest: String,
        #[arg(long)]
        eligible: u64,
        #[arg(long)]
        present: u64,
        #[arg(long)]
        issued: u64,
        #[arg(long)]
        reason: String,
        /// The proposer's account name (its role is taken from the account).
        #[arg(long)]
        by: String,
        #[command(flatten)]
        attest: AttestArgs,
    },
    /// 批准更正 / Approve a proposed correction as a person of another role.
    Approve {
        proposal: u64,
        /// The approver's account name.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        attest: AttestArgs,
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
    /// 公布 / Publish a result (with the runoffs it calls for) once enough tellers signed.
    Publish { result: u64 },
    /// 下一轮 / Create the next round of a procedure from a published result.
    NextRound {
        from: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        seats: u32,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long)]
        mode: Option<String>,
    },
    /// 重新投票 / Re-vote a contest whose counted round was invalid (same list, a new round).
    Revote {
        contest: String,
        /// Why (logged, and shown on the board).
        #[arg(long)]
        reason: String,
    },
    /// 减少名额 / Record the meeting's decision to reduce a party contest's seats by those left
    /// unfilled, instead of a new round (不再选举).
    ReduceSeats {
        contest: String,
        /// The decision as the meeting took it (logged, and shown on the board).
        #[arg(long)]
        basis: String,
        #[command(flatten)]
        attest: AttestArgs,
    },
    /// 程序下一轮 / Record the next round of a multi-round procedure (docs/FORMATS.md,
    /// "Multi-round procedures"): the qualified list, the interview scores or the approved
    /// candidates; a round held as a contest takes its published result.
    ProcedureStep {
        procedure: String,
        /// The round's id.
        #[arg(long)]
        round: String,
        /// Qualification: who passed, comma-separated ("id 姓名" or a name).
        #[arg(long, default_value = "")]
        people: String,
        /// Interview: "id=score" pairs, comma-separated.
        #[arg(long, default_value = "")]
        scores: String,
        /// Approval: the approved ids, comma-separated.
        #[arg(long, default_value = "")]
        approved: String,
        /// Who decided, on what (logged, and shown on the board).
        #[arg(long)]
        basis: String,
    },
    /// 回执核验 / Check a receipt: the entry's inclusion proof against the latest checkpoint.
    Receipt { index: u64 },
    /// 状态 / Show the log size, latest checkpoint and contest states.
    Status,
    /// 重建索引 / Rebuild the sled index from the log segments.
    Reindex,
    /// 导出 / Write everything an auditor needs to a directory (it ends before the first unpublished result).
    Export {
        out: PathBuf,
        /// The operator's full copy: include unpublished results too.
        #[arg(long)]
        all: bool,
    },
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

/// A registered teller's signature of a correction or a seat reduction (protocol 8 requires
/// one): made here with the teller's key file, or given as `scrutineer teller attest`
/// printed it.
#[derive(Args, Debug, Clone, Default)]
pub struct AttestArgs {
    /// 计票人签名 / Sign it here with this teller key file (the teller at the server).
    #[arg(long, value_name = "FILE", conflicts_with = "attested")]
    pub teller_key: Option<PathBuf>,
    /// 计票人签名 / The teller's signature as `scrutineer teller attest` printed it
    /// (`{"teller": N, "signature": "…"}`).
    #[arg(long, value_name = "JSON")]
    pub attested: Option<String>,
}
