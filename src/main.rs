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

#[derive(Subcommand)]
enum Command {
    /// 启动服务 / Start the service on its embedded defaults.
    Serve(scrutineer::server::ServeArgs),
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
