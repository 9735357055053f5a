//! The election's operations, one home for all of them: create, roll, pools, open, check-in
//! and desk counts, casting, paper ballots, close, corrections, tally, teller signatures,
//! publication with its runoffs, next rounds. The HTTP handlers and the CLI both call these
//! and nothing else, so the same election writes the same entries whichever way it is run.
//! Handlers parse, authorise, call and answer; they decide nothing.
//!
//! `Core` joins the two stores an operation may need: the ledger (the log, the record of
//! truth) and the service records (accounts, roll, check-ins). It reads the records to learn
//! what only the desk knows (who came, how many slips) and writes the log through the
//! ledger's checked operations, whole or not at all.
//!
//! Architecture invariant: nothing here joins a voter to a ballot. Check-ins say who came,
//! the log says what was cast; the count of slips is the only thing that crosses.

mod casting;
mod chain;

/// Serialises what creates a new round (a publication's runoffs, a re-vote, a next round, a
/// procedure's step): each reads the styles to number its style's round, then appends, and
/// the verifier requires that number (`record::rounds`); two at once would both take the
/// same one. Held from the read to the append.
static NEW_ROUNDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The [`NEW_ROUNDS`] lock (whatever a panicking holder left: it guards no data).
fn new_rounds() -> std::sync::MutexGuard<'static, ()> {
    NEW_ROUNDS.lock().unwrap_or_else(|p| p.into_inner())
}
mod counting;
mod desk;
mod setup;
mod tellers;

use crate::codes::Code;
use crate::ledger::{Ledger, LedgerError};
use crate::records::Records;
use crate::rules::conduct::ConductError;
use crate::rules::roll::Refusal;

pub use casting::{PaperOutcome, PaperSheet, PaperState};
pub use chain::{PersonIn, StepRequest};
pub use counting::{Attesting, Closed, NextRound, Published};
pub use desk::{CheckInRequest, CheckedIn, DeskRow};
pub use setup::{
    create_election, default_signatures, default_threshold, roll_warnings, NewElection, PrintedPool,
};
pub use tellers::{restarts_json, TELLER_BODY_MAX, TELLER_KINDS};

/// The ledger and the records of one election, for its operations. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    pub ledger: Ledger,
    pub records: Records,
}

/// Why an operation was refused. Every variant has a stable code; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// The request cannot be carried out as asked (422).
    #[error("{message}")]
    Invalid { code: Code, message: String },
    /// The election is not in a state that allows it (409).
    #[error("{message}")]
    Conflict { code: Code, message: String },
    /// The roll was refused: every problem, by line (422).
    #[error("名单有 {} 处问题, 未导入任何一行 / {} problems: nothing was imported", .0.len(), .0.len())]
    RollRefused(Vec<Refusal>),
}

impl CoreError {
    pub fn code(&self) -> Code {
        match self {
            CoreError::Ledger(e) => e.code(),
            CoreError::Invalid { code, .. } | CoreError::Conflict { code, .. } => *code,
            CoreError::RollRefused(_) => Code::RollRefused,
        }
    }
}

impl From<ConductError> for CoreError {
    fn from(e: ConductError) -> CoreError {
        CoreError::Ledger(e.into())
    }
}

impl From<crate::records::RecordsError> for CoreError {
    fn from(e: crate::records::RecordsError) -> CoreError {
        CoreError::Ledger(e.into())
    }
}

pub(crate) fn invalid(code: Code, message: impl Into<String>) -> CoreError {
    CoreError::Invalid {
        code,
        message: message.into(),
    }
}

pub(crate) fn conflict(code: Code, message: impl Into<String>) -> CoreError {
    CoreError::Conflict {
        code,
        message: message.into(),
    }
}

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Unix seconds as `yyyy-mm-dd hh:mm:ss UTC` (days-from-civil, no time-zone database needed).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The hall's offset from UTC in minutes (`--timezone`, set once at start-up; UTC+8 until then).
static HALL_OFFSET: std::sync::OnceLock<i32> = std::sync::OnceLock::new();

/// Sets the hall's time zone for the times messages show (the first call wins).
pub fn set_hall_offset(minutes: i32) {
    let _ = HALL_OFFSET.set(minutes);
}

/// Unix seconds as the hall's local time, `yyyy-mm-dd hh:mm:ss (UTC+8)`: what a registrar
/// reads on the wall clock.
pub fn local(secs: u64) -> String {
    let offset = *HALL_OFFSET.get().unwrap_or(&480);
    let shifted = (secs as i64 + i64::from(offset) * 60).max(0) as u64;
    let u = utc(shifted);
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 60, offset.abs() % 60);
    let zone = match (offset, m) {
        (0, _) => "UTC".to_string(),
        (_, 0) => format!("UTC{sign}{h}"),
        _ => format!("UTC{sign}{h}:{m:02}"),
    };
    format!("{} ({zone})", &u[..19])
}

/// Unix seconds as RFC 3339 UTC (`2026-12-02T08:30:00Z`), as the API writes times.
pub fn rfc3339(secs: u64) -> String {
    let u = utc(secs);
    format!("{}T{}Z", &u[..10], &u[11..19])
}

impl Core {
    pub fn new(ledger: Ledger, records: Records) -> Core {
        Core { ledger, records }
    }

    /// Whether a result was published: logged (protocol 2), or flagged in the records of a
    /// data directory from before publication was logged.
    pub fn is_published(&self, result_index: u64) -> Result<bool, CoreError> {
        let (logged, protocol) = self.ledger.read(|s| {
            (
                s.state.is_published(result_index),
                s.state.info().map(|i| i.protocol).unwrap_or(0),
            )
        })?;
        if logged {
            return Ok(true);
        }
        if protocol < 2 {
            return Ok(self.records.is_published(result_index)?);
        }
        Ok(false)
    }
}
