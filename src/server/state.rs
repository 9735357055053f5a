//! The shared state of the running service.

use std::sync::atomic::AtomicU64;
use std::sync::RwLock;

use super::config::Config;
use super::error::ApiError;
use super::rate::{Limiter, Limits};
use crate::ledger::{Ledger, LedgerConfig, LedgerError};
use crate::records::Records;

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub ballots_cast: AtomicU64,
    pub ballots_refused: AtomicU64,
    pub logins_failed: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Requests refused on connections over `connections_per_client_max`.
    pub connections_refused: AtomicU64,
    /// Request bodies cut by `body_read_timeout_seconds`.
    pub bodies_timed_out: AtomicU64,
}

pub struct AppState {
    pub config: Config,
    pub records: Records,
    pub ledger: RwLock<Option<Ledger>>,
    pub limits: Limits,
    pub metrics: Metrics,
    /// Exports being streamed now to anyone (bounded by `exports_concurrent_max`).
    pub exports_running: std::sync::Arc<AtomicU64>,
    /// Exports being streamed now to an auditor's, organiser's or teller's session: a place
    /// of their own, as many again, so that public downloads cannot hold back the export a
    /// teller needs to decrypt.
    pub staff_exports_running: std::sync::Arc<AtomicU64>,
    /// Open connections per peer address (`connections_per_client_max`).
    pub connections: super::connections::Connections,
}

impl AppState {
    /// Opens the records and, if an election exists in the data directory, its ledger.
    /// A failure carries its code (`LedgerError::code`: `storage`, `index`, `log_damaged`, ...).
    pub fn open(config: Config) -> Result<AppState, LedgerError> {
        let records = Records::open(&config.data_dir)?;
        let ledger = if Ledger::creation_incomplete(&config.data_dir) {
            // A registration cut off before its first entry was whole: no election. Set
            // aside (not deleted), so that the organiser can create it again.
            let aside = Ledger::set_aside_incomplete(&ledger_config(&config))?;
            tracing::warn!(
                "the data directory held a log whose first entry was never written whole (an \
                 election's creation cut off); it is set aside in {} and the service starts \
                 with no election (数据目录中的日志没有完整的第一条 (创建选举时中断), 已移到该处, \
                 服务以无选举状态启动)",
                aside.display()
            );
            None
        } else if config.data_dir.join("log").exists() {
            Some(Ledger::open_existing(ledger_config(&config))?)
        } else {
            None
        };
        Ok(AppState {
            limits: Limits {
                login: Limiter::new(config.logins_per_minute),
                login_failures: Limiter::new(
                    crate::server::rate::LOGIN_FAILURES_PER_NAME_PER_MINUTE,
                ),
                known_sign_ins: Default::default(),
                pairing: Limiter::new(config.pairings_per_minute),
                pairing_failures: Limiter::new(config.pairing_failures_per_minute),
                token_check: Limiter::new(config.token_checks_per_minute),
                receipt: Limiter::new(config.receipts_per_minute),
                export: Limiter::new(config.exports_per_minute),
                tally: Limiter::new(config.tallies_per_minute),
            },
            exports_running: std::sync::Arc::new(AtomicU64::new(0)),
            staff_exports_running: std::sync::Arc::new(AtomicU64::new(0)),
            connections: super::connections::Connections::default(),
            config,
            records,
            ledger: RwLock::new(ledger),
            metrics: Metrics::default(),
        })
    }

    /// The election's ledger, or `no_election` before one was created.
    pub fn ledger(&self) -> Result<Ledger, ApiError> {
        self.ledger
            .read()
            .map_err(|_| ApiError::Internal("ledger lock poisoned".into()))?
            .clone()
            .ok_or(ApiError::NoElection)
    }
}

impl AppState {
    /// The election core over this service's ledger and records.
    pub fn core(&self) -> Result<crate::procedure::Core, ApiError> {
        Ok(crate::procedure::Core::new(
            self.ledger()?,
            self.records.clone(),
        ))
    }
}

pub fn ledger_config(c: &Config) -> LedgerConfig {
    let mut l = LedgerConfig::new(&c.data_dir, &c.keys_dir);
    l.batch_max = c.batch_max;
    l.batch_wait = std::time::Duration::from_millis(c.batch_wait_ms);
    l
}
