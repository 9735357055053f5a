//! The `scrutineer` binary: `serve` and the offline `tally`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "scrutineer",
    version,
    about = "监票 Scrutineer: 选举与民主测评计票 / election and democratic-evaluation tallying"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The command line is parsed once; `Serve`'s many options make it the largest variant, and
// boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// 启动服务 / Start the service on its embedded defaults.
    Serve(scrutineer::server::ServeArgs),
    /// 选票日志 / Work with an election's ballot log (init, open, pool, cast, close, tally, export ...).
    Ledger {
        #[command(flatten)]
        dirs: scrutineer::cli::ledger::Dirs,
        #[command(subcommand)]
        command: scrutineer::cli::ledger::LedgerCommand,
    },
    /// 账号 / Accounts, from the server machine (the service stopped): add, list, reset a password.
    Accounts {
        /// Data directory (holds the service records).
        #[arg(long, env = "SCRUTINEER_DATA_DIR", default_value = "./data")]
        data: PathBuf,
        #[command(subcommand)]
        command: scrutineer::cli::accounts::AccountsCommand,
    },
    /// 重建索引 / Rebuild the sled index from the log segments.
    Reindex {
        #[command(flatten)]
        dirs: scrutineer::cli::ledger::Dirs,
    },
    /// 审计核验 / Verify an exported log: chain, checkpoints, tokens, recount, signatures.
    Verify {
        /// The export: a directory, or the tar of `GET /api/v1/export`.
        path: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// For an https address: the PEM certificate of the hall's CA (deploy/tls), trusted
        /// instead of the system's web roots.
        #[arg(long, value_name = "PEM")]
        ca_cert: Option<PathBuf>,
        /// 核对过的检查点 / A checkpoint confirmed outside the service (the board posted in
        /// the hall, a witness), `SIZE:ROOT` (root in hex or base64): the log must have that
        /// root at that size.
        #[arg(long, value_name = "SIZE:ROOT")]
        checkpoint: Option<String>,
        /// 核对过的日志密钥 / The log key confirmed outside the service (its verifier text):
        /// entry 0 must register it.
        #[arg(long, value_name = "KEY")]
        log_key: Option<String>,
        /// 接受旧协议 N 的日志 / Take a log of the older protocol N (only for an election held
        /// with an older release: an older protocol leaves out the checks added since).
        #[arg(long, value_name = "N")]
        allow_protocol: Option<u32>,
    },
    /// 计票人 / Teller keys, signatures and the steps of an encrypted election.
    Teller {
        #[command(subcommand)]
        command: TellerCommand,
    },
    /// 选票 / Ballots: encrypt one as a kiosk would (for scripts); open a spoiled one.
    Ballot {
        #[command(subcommand)]
        command: BallotCommand,
    },
    /// 离线计票 / Count an election offline from a spec and a ballots file.
    Tally {
        /// The election spec (scrutineer.election/v1 JSON).
        #[arg(long, env = "SCRUTINEER_SPEC")]
        spec: PathBuf,
        /// The ballots, one JSON object per line.
        #[arg(long, env = "SCRUTINEER_BALLOTS")]
        ballots: PathBuf,
        /// Print the result JSON (scrutineer.result/v1) instead of the table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BallotCommand {
    /// 加密选票 / Encrypt a ballot for a token under the election key of a verified export;
    /// prints the body of `POST /api/v1/ballots`.
    Encrypt {
        /// The export (directory or tar) the key, spec and styles come from; verified first.
        #[arg(long)]
        export: PathBuf,
        /// The token, as printed on the slip.
        #[arg(long)]
        token: String,
        /// A ballot line (JSON, docs/FORMATS.md), once per contest of the token's style.
        #[arg(long = "ballot", required = true)]
        ballots: Vec<String>,
    },
    /// 核验作废的选票 / Open a spoiled ballot (a voter's check) from a verified export and
    /// print its confirmation code and choices.
    Check {
        /// The export (directory or tar), verified first.
        #[arg(long)]
        export: PathBuf,
        /// The receipt code the kiosk showed (R<index>-...), or the entry index.
        #[arg(long)]
        receipt: String,
        /// 核对过的检查点 / A checkpoint confirmed in the hall (the board), `SIZE:ROOT`: the
        /// export must be that log, and the spoiled ballot within it.
        #[arg(long, value_name = "SIZE:ROOT")]
        checkpoint: Option<String>,
        /// 核对过的日志密钥 / The log key confirmed outside the service: entry 0 must
        /// register it.
        #[arg(long, value_name = "KEY")]
        log_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum TellerCommand {
    /// Create a teller's key pair: the private key file (0600) and the public key on stdout.
    Keygen {
        /// The teller's name as it appears on signatures (no spaces).
        #[arg(long)]
        name: String,
        /// Where to write the private key.
        #[arg(long)]
        out: PathBuf,
    },
    /// 计票人步骤 / Verify an export of the log (directory or tar from `GET /api/v1/export`),
    /// then compute this teller's next steps: the key ceremony, or the shuffles and
    /// decryption shares of closed contests. Secrets stay in the state file (0600).
    Run {
        /// The teller's private key file (from `teller keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The teller's state file (created on the first run; keep it, and a backup, safe).
        #[arg(long)]
        state: PathBuf,
        /// The export: a directory (`scrutineer ledger export`) or a tar archive.
        #[arg(long)]
        export: PathBuf,
        /// Where to write the steps to submit (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Threads computing the shuffles and decryption shares, one contest per thread at
        /// a time (default: every core of this machine).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// 重来密钥仪式 / Abandon the key ceremony's attempt in progress, with this reason
        /// (logged and shown): when this teller's state file lost the secrets of its round 1,
        /// say. Every teller then starts again from round 1. Refused once the key is set.
        #[arg(long, value_name = "REASON")]
        restart: Option<String>,
        /// 核对过的检查点 / A checkpoint this teller confirmed outside the service (posted at the
        /// close, or read from another teller's screen), `SIZE:ROOT` (root in hex or base64):
        /// decryption shares are given only for contests closed within it, and only when this
        /// log has that root at that size.
        #[arg(long, value_name = "SIZE:ROOT")]
        checkpoint: Option<String>,
        /// 允许解密只有 1 至 2 张电子选票 (不计先核验过选票者投的) 的这个项目的总数 / Decrypt
        /// this contest's (or evaluator group's) total of one or two electronic ballots
        /// besides those cast with a slip that first checked a ballot, which publishes them
        /// (held by default); `CONTEST` or `CONTEST/GROUP`, repeatable.
        #[arg(long, value_name = "CONTEST[/GROUP]")]
        allow_small_total: Vec<String>,
        /// 允许解密所有只有 1 至 2 张电子选票的总数 / Decrypt every such total in this run.
        #[arg(long)]
        allow_small_totals: bool,
        /// 接受旧协议 N 的选举 / Take part in an election whose log follows the older
        /// protocol N (held with an older release; an older protocol leaves out the checks
        /// added since). Without it, only the current protocol.
        #[arg(long, value_name = "N")]
        allow_protocol: Option<u32>,
    },
    /// 签署更正或减少名额 / Sign, as a registered teller, a correction of a contest's figures
    /// (`--eligible --present --issued --reason`) or a seat reduction (`--basis`): the export
    /// is verified first, and the number of corrections logged and the seats a reduction
    /// removes are taken from it. Prints `{"teller": N, "signature": "…"}` for the teller
    /// page, the API, or `scrutineer ledger approve --attested` (protocol 8 requires one).
    Attest {
        /// The teller's private key file (from `teller keygen`).
        #[arg(long)]
        key: PathBuf,
        /// 导出 / An export of the log (directory or tar), as recent as the correction.
        #[arg(long)]
        export: PathBuf,
        /// The contest.
        #[arg(long)]
        contest: String,
        /// 应到 / The corrected eligible figure E.
        #[arg(long, requires_all = ["present", "issued", "reason"], conflicts_with = "basis")]
        eligible: Option<u64>,
        /// 实到 / The corrected present figure P.
        #[arg(long, requires = "eligible")]
        present: Option<u64>,
        /// 发出 / The corrected ballots issued I.
        #[arg(long, requires = "eligible")]
        issued: Option<u64>,
        /// 原因 / The correction's reason, exactly as proposed.
        #[arg(long, requires = "eligible")]
        reason: Option<String>,
        /// 减少名额的决定 / The meeting's decision to reduce the seats, exactly as recorded.
        #[arg(long, required_unless_present = "eligible")]
        basis: Option<String>,
        /// 核对过的检查点 / A checkpoint confirmed outside the service, `SIZE:ROOT`.
        #[arg(long, value_name = "SIZE:ROOT")]
        checkpoint: Option<String>,
        /// 接受旧协议 N 的日志 / A log of the older protocol N.
        #[arg(long, value_name = "N")]
        allow_protocol: Option<u32>,
    },
    /// Sign a result's checkpoint with a teller key file; prints the signature line to
    /// submit. Touches no data directory. With `--export` and `--result`, the export is
    /// verified first (every result recounted) and the text signed is the one the verified
    /// log gives for that result; with `--text`, the given text is signed as it is.
    Sign {
        /// The teller's private key file (from `teller keygen`).
        #[arg(long)]
        key: PathBuf,
        /// A file holding the checkpoint text; `-` reads standard input.
        #[arg(long, default_value = "-", conflicts_with_all = ["export", "result"])]
        text: PathBuf,
        /// 导出 / An export (directory or tar) to verify and sign a result of.
        #[arg(long, requires = "result")]
        export: Option<PathBuf>,
        /// The result's entry index.
        #[arg(long, requires = "export")]
        result: Option<u64>,
        /// 核对过的检查点 / A checkpoint confirmed outside the service, `SIZE:ROOT`: the
        /// export must have that root at that size.
        #[arg(long, value_name = "SIZE:ROOT", requires = "export")]
        checkpoint: Option<String>,
        /// 接受旧协议 N 的日志 / Sign a result of a log of the older protocol N.
        #[arg(long, value_name = "N", requires = "export")]
        allow_protocol: Option<u32>,
        /// 会场的数字 / The hall's own figures of a contest of the result, `CONTEST=E/P/I`:
        /// the eligible count of the published roll, the present count of the sign-in book
        /// and the slips counted as handed out (`CONTEST=P/I` leaves E out). Compared with
        /// the figures the count used; any difference signs nothing. Repeat per contest.
        #[arg(long, value_name = "CONTEST=E/P/I", requires = "export")]
        book: Vec<String>,
    },
}

fn finish(r: Result<String, scrutineer::cli::CommandError>) -> ExitCode {
    match r {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => match scrutineer::server::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("scrutineer serve: {e:#}");
                ExitCode::from(2)
            }
        },
        Command::Ledger { dirs, command } => finish(scrutineer::cli::ledger::run(&dirs, command)),
        Command::Accounts { data, command } => {
            finish(scrutineer::cli::accounts::run(&data, command))
        }
        Command::Reindex { dirs } => finish(scrutineer::cli::ledger::run(
            &dirs,
            scrutineer::cli::ledger::LedgerCommand::Reindex,
        )),
        Command::Verify {
            path,
            json,
            ca_cert,
            checkpoint,
            log_key,
            allow_protocol,
        } => scrutineer::cli::verify::run(
            &path,
            json,
            ca_cert.as_deref(),
            &scrutineer::cli::verify::Pins {
                checkpoint,
                log_key,
                allow_protocol,
            },
        ),
        Command::Teller {
            command: TellerCommand::Keygen { name, out },
        } => finish(scrutineer::cli::verify::teller_keygen(&name, &out)),
        Command::Ballot {
            command:
                BallotCommand::Encrypt {
                    export,
                    token,
                    ballots,
                },
        } => finish(scrutineer::cli::ballot::encrypt(&export, &token, &ballots)),
        Command::Ballot {
            command:
                BallotCommand::Check {
                    export,
                    receipt,
                    checkpoint,
                    log_key,
                },
        } => finish(scrutineer::cli::ballot::check(
            &export,
            &receipt,
            &scrutineer::cli::verify::Pins {
                checkpoint,
                log_key,
                allow_protocol: None,
            },
        )),
        Command::Teller {
            command:
                TellerCommand::Run {
                    key,
                    state,
                    export,
                    out,
                    threads,
                    restart,
                    checkpoint,
                    allow_small_total,
                    allow_small_totals,
                    allow_protocol,
                },
        } => finish(scrutineer::cli::teller::run(
            &key,
            &state,
            &export,
            out.as_deref(),
            threads.map(usize::from),
            restart.as_deref(),
            &scrutineer::cli::teller::Confirm {
                checkpoint,
                small_totals: allow_small_totals,
                small_total: allow_small_total,
                allow_protocol,
            },
        )),
        Command::Teller {
            command:
                TellerCommand::Sign {
                    key,
                    text,
                    export,
                    result,
                    checkpoint,
                    allow_protocol,
                    book,
                },
        } => finish(match (export, result) {
            (Some(export), Some(result)) => scrutineer::cli::teller::sign_result(
                &key,
                &export,
                result,
                checkpoint.as_deref(),
                allow_protocol,
                &book,
            ),
            _ => scrutineer::cli::verify::teller_sign(&key, &text),
        }),
        Command::Teller {
            command:
                TellerCommand::Attest {
                    key,
                    export,
                    contest,
                    eligible,
                    present,
                    issued,
                    reason,
                    basis,
                    checkpoint,
                    allow_protocol,
                },
        } => {
            let what = match (eligible, present, issued, reason, basis) {
                (Some(eligible), Some(present), Some(issued), Some(reason), _) => {
                    scrutineer::procedure::Attesting::Correction {
                        contest,
                        figures: scrutineer::rules::conduct::Figures {
                            eligible,
                            present,
                            issued,
                        },
                        reason,
                    }
                }
                (_, _, _, _, basis) => scrutineer::procedure::Attesting::Reduction {
                    contest,
                    basis: basis.unwrap_or_default(),
                },
            };
            finish(scrutineer::cli::teller::attest(
                &key,
                &export,
                &what,
                checkpoint.as_deref(),
                allow_protocol,
            ))
        }
        Command::Tally {
            spec,
            ballots,
            json,
        } => match scrutineer::cli::tally(&spec, &ballots, json) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("错误 error [{}]: {e}", e.code());
                ExitCode::from(2)
            }
        },
    }
}
