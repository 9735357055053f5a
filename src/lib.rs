//! Scrutineer (监票): a secure election and democratic-evaluation tallying service.
//!
//! See `ARCHITECTURE.md` for the code map and the invariants each module keeps.

pub mod cli;
pub mod codes;
pub mod count;
pub mod crypto;
pub mod e2e;
pub mod ledger;
pub mod present;
pub mod procedure;
pub mod record;
pub mod records;
pub mod registration;
pub mod rules;
pub mod server;
pub mod tokens;
pub mod verify;
