//! Command-line commands other than `serve`: the offline `tally`.

pub mod accounts;
pub mod ballot;
pub mod ledger;
pub mod table;
pub mod teller;
pub mod verify;

use std::io::BufReader;
use std::path::Path;

use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;

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
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Read { .. } => "unreadable_file",
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
        Ok(table::render(&election, &result))
    }
}
