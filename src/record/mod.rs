//! Every serialised format Scrutineer reads or writes, with versioned format names.
//!
//! Architecture invariant: `record` owns the wire types; the rules engine's types are not wire
//! types. Parsing here turns untrusted bytes into the validated types of `rules` ("parse,
//! don't validate"); writing turns `rules` results into documented JSON. See
//! `docs/FORMATS.md`.

pub mod attest;
pub mod ballot;
pub mod due;
pub mod election;
pub mod encrypted;
pub mod entry;
pub mod merkle;
pub mod names;
pub mod note;
pub mod procedure;
pub mod result;
pub mod result_v1;
pub mod roll;
pub mod rounds;
pub mod segment;
pub mod spoiled;
mod text;
pub mod token;

pub use ballot::{parse_ballots, parse_logged_ballots, BallotError};
pub use election::{parse_election, parse_logged_election, SpecError, ELECTION_FORMAT};
pub use names::{clean_name, NameError, Names};
pub use result::{result_json, result_v1, RESULT_FORMAT};
pub use result_v1::{ResultError, ResultV1};
