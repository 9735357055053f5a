//! Command-line commands other than `serve`: the offline `tally`.

pub mod accounts;
pub mod ballot;
pub mod ledger;
pub mod teller;
pub mod verify;

use crate::codes::Code;
use std::io::BufReader;
use std::path::Path;

use crate::present::table::{self, GroupBallots};
use crate::record::{parse_ballots, parse_election, result_json, result_v1};
use crate::rules::tally_election;

/// A command's refusal or failure, with its stable code: printed on stderr as
/// `错误 error [code]: message`, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    pub code: Code,
    pub message: String,
}

impl CommandError {
    pub fn new(code: Code, message: impl std::fmt::Display) -> CommandError {
        CommandError {
            code,
            message: message.to_string(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "错误 error [{}]: {}", self.code, self.message)
    }
}

impl std::error::Error for CommandError {}

/// A [`CommandError`] with a literal code and a `format!` message:
/// `command_error!(Code::BadKey, "{path}: {e}")`.
macro_rules! command_error {
    ($code:expr, $($arg:tt)*) => {
        $crate::cli::CommandError::new($code, format!($($arg)*))
    };
}
pub(crate) use command_error;

/// A file a command reads, or `unreadable_file` naming it and the cause in both languages
/// (a missing file says so, with what to check).
pub fn read_named(
    path: &std::path::Path,
    what_zh: &str,
    what_en: &str,
) -> Result<Vec<u8>, CommandError> {
    std::fs::read(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            " (文件不存在: 请检查路径和当前目录 / the file does not exist: check the path and the current directory)"
        } else {
            ""
        };
        command_error!(
            Code::UnreadableFile,
            "无法读取{what_zh} {0} / cannot read {what_en} {0}: {e}{hint}",
            path.display()
        )
    })
}

/// [`read_named`] as text (UTF-8, or `unreadable_file`).
pub fn read_named_text(
    path: &std::path::Path,
    what_zh: &str,
    what_en: &str,
) -> Result<String, CommandError> {
    String::from_utf8(read_named(path, what_zh, what_en)?).map_err(|_| {
        command_error!(
            Code::UnreadableFile,
            "{what_zh} {0} 不是 UTF-8 文本 / {what_en} {0} is not UTF-8 text",
            path.display()
        )
    })
}

/// A failure of an offline command: printed on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("无法读取 {path}: {source} / Cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("选举文件 {path}: {source}")]
    Spec {
        path: String,
        source: crate::record::SpecError,
    },
    #[error("{path}: {source}")]
    Ballots {
        path: String,
        source: crate::record::BallotError,
    },
}

impl CliError {
    pub fn code(&self) -> Code {
        match self {
            CliError::Read { .. } => Code::UnreadableFile,
            CliError::Spec { source, .. } => source.code(),
            CliError::Ballots { source, .. } => source.code,
        }
    }
}

/// Counts an election offline and returns what to print on stdout.
pub fn tally(spec: &Path, ballots: &Path, as_json: bool) -> Result<String, CliError> {
    let spec_bytes = std::fs::read(spec).map_err(|source| CliError::Read {
        path: spec.display().to_string(),
        source,
    })?;
    let election = parse_election(&spec_bytes).map_err(|source| CliError::Spec {
        path: spec.display().to_string(),
        source,
    })?;
    let file = std::fs::File::open(ballots).map_err(|source| CliError::Read {
        path: ballots.display().to_string(),
        source,
    })?;
    let by_contest =
        parse_ballots(&election, BufReader::new(file)).map_err(|source| CliError::Ballots {
            path: ballots.display().to_string(),
            source,
        })?;
    let result = tally_election(&election, &by_contest);
    if as_json {
        let doc = result_json(&election, &result);
        Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ))
    } else {
        Ok(table::render(
            &result_v1(&election, &result),
            &election,
            &GroupBallots::of_tally(&election, &result),
        ))
    }
}
