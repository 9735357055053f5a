//! What each fuzz target does with its input, shared by the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` and by the plain integration test `tests/fuzz_regressions.rs`
//! (which includes this file with `#[path]`), so the seeds and every saved crash run in
//! every `cargo test` without cargo-fuzz.
//!
//! Every function takes arbitrary bytes and must return normally. A panic inside the
//! crate is a bug. The `assert!`s here are invariants the crate documents (an accepted
//! input re-encodes to something that parses back to the same value); a failing one is a
//! bug too, reported the same way as a panic.
//!
//! Only `scrutineer::...` and `ed25519_dalek::...` paths are used: this file must compile
//! both as the `scrutineer_fuzz` library and as a module of the integration test.

use std::sync::OnceLock;

use ed25519_dalek::{SigningKey, VerifyingKey};
use scrutineer::record::entry::{
    BallotBody, CheckInCount, ContestClosed, ContestCreated, ContestOpened, ElectionRegistered,
    Entry, EntryKind, PaperBallot, PoolRegistered, ResultBody, ResultPublished, RollRegistered,
    RunoffCreated, TellerSignature, TokensVoided, TurnoutCorrected,
};
use scrutineer::record::note::{Checkpoint, Note, Signer, Verifier};
use scrutineer::record::segment::{
    frames, parse_segment_header, push_frame, segment_header, Frame, FRAME_ENTRY_BYTES_MAX,
    SEGMENT_HEADER_BYTES,
};
use scrutineer::record::token::{verify_batch, Token};
use scrutineer::record::{parse_ballots, parse_election, result_json};
use scrutineer::rules::roll::{check_roll, Date, RollKind};
use scrutineer::rules::{tally_election, Election};

/// The example specs the `ballots` target parses ballot lines against. The township
/// party congress comes first (candidate contests with write-ins); the others add the
/// people's congress kinds and evaluation ballots (`group`, `ratings`).
const EXAMPLE_SPECS: [&[u8]; 4] = [
    include_bytes!("../../examples/township-party-congress/spec.json"),
    include_bytes!("../../examples/democratic-evaluation/spec.json"),
    include_bytes!("../../examples/npc-direct-constituency/spec.json"),
    include_bytes!("../../examples/npc-direct-constituency/runoff-spec.json"),
];

/// Election id and key seed of the token vector in docs/LOG_FORMAT.md.
const TOKEN_VECTOR_ELECTION: &str = "example-2026";
const TOKEN_VECTOR_KEY_SEED: [u8; 32] = [2; 32];
/// The log key of the checkpoint vector in docs/LOG_FORMAT.md.
const LOG_VECTOR_VERIFIER: &str =
    "scrutineer/example-2026+90b1e9c4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";

/// Byte that separates the spec from the ballots in a `tally` input. JSON never holds a
/// raw NUL, so the split is unambiguous.
pub const TALLY_SEPARATOR: u8 = 0;

/// The example elections, parsed once. Every example spec must parse; the regression
/// test checks that there are [`EXAMPLE_SPECS`]`.len()` of them.
pub fn example_elections() -> &'static [Election] {
    static ELECTIONS: OnceLock<Vec<Election>> = OnceLock::new();
    ELECTIONS.get_or_init(|| {
        EXAMPLE_SPECS
            .iter()
            .filter_map(|spec| parse_election(spec).ok())
            .collect()
    })
}

/// Number of example specs; [`example_elections`] must return this many.
pub fn example_spec_count() -> usize {
    EXAMPLE_SPECS.len()
}

fn token_key() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_bytes(&TOKEN_VECTOR_KEY_SEED).verifying_key())
}

fn log_verifiers() -> &'static [Verifier] {
    static VERIFIERS: OnceLock<Vec<Verifier>> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        Verifier::parse(LOG_VECTOR_VERIFIER)
            .ok()
            .into_iter()
            .collect()
    })
}

// ---- token ----

/// `Token::from_bytes` on the bytes and `Token::parse` on them as text; an accepted token
/// must round-trip through both forms, and is checked against the vector's key.
pub fn token(data: &[u8]) {
    match Token::from_bytes(data) {
        Ok(t) => {
            assert_eq!(
                &t.to_bytes()[..],
                data,
                "from_bytes accepted a non-canonical encoding"
            );
            accepted_token(&t);
        }
        Err(e) => {
            let _ = (e.to_string(), e.code());
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match Token::parse(text) {
            Ok(t) => {
                assert_eq!(Token::from_bytes(&t.to_bytes()).as_ref(), Ok(&t));
                accepted_token(&t);
            }
            Err(e) => {
                let _ = (e.to_string(), e.code());
            }
        }
    }
}

fn accepted_token(t: &Token) {
    assert_eq!(
        Token::parse(&t.to_text()).as_ref(),
        Ok(t),
        "to_text does not parse back"
    );
    assert_eq!(
        Token::parse(&t.to_display()).as_ref(),
        Ok(t),
        "to_display does not parse back"
    );
    let _ = format!("{t:?}");
    let key = token_key();
    let single = t.verify(key, TOKEN_VECTOR_ELECTION, t.round(), t.style());
    let batch = verify_batch(std::slice::from_ref(t), key, TOKEN_VECTOR_ELECTION);
    if single.is_ok() {
        assert!(batch.is_ok(), "verify accepts a token verify_batch refuses");
    }
    for e in [single.err(), batch.err()].into_iter().flatten() {
        let _ = (e.to_string(), e.code());
    }
}

// ---- ballots ----

/// The bytes as a ballot JSON Lines file against each example election; when they parse,
/// the election is tallied and the result rendered as JSON and as the CLI table.
pub fn ballots(data: &[u8]) {
    for election in example_elections() {
        tally_file(election, data);
    }
}

fn tally_file(election: &Election, ballots: &[u8]) {
    match parse_ballots(election, ballots) {
        Ok(by_contest) => {
            assert_eq!(by_contest.len(), election.contests.len());
            let result = tally_election(election, &by_contest);
            let doc = result_json(election, &result);
            let _ = serde_json::to_string_pretty(&doc);
            let _ = scrutineer::present::table::render(
                &scrutineer::record::result_v1(election, &result),
                election,
                &scrutineer::present::table::GroupBallots::of_tally(election, &result),
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

// ---- entry ----

/// `Entry::decode` on the bytes (an accepted entry re-encodes to the same bytes; its body
/// is read as its kind's JSON), the bytes as a segment (`parse_segment_header`, `frames`,
/// each frame's entry decoded), and the bytes wrapped as the one frame of a segment.
pub fn entry(data: &[u8]) {
    decode_entry(data);

    if let Err(e) = parse_segment_header(data) {
        let _ = e.to_string();
    }
    let (found, error) = frames(data);
    let mut expected_offset = SEGMENT_HEADER_BYTES as u64;
    for frame in &found {
        assert_eq!(frame.offset, expected_offset, "frames are not contiguous");
        expected_offset += (frame.entry.len() + 8) as u64;
        decode_entry(frame.entry);
    }
    if let Some(e) = error {
        let _ = e.to_string();
    }

    if data.len() <= FRAME_ENTRY_BYTES_MAX {
        let mut segment = segment_header(0).to_vec();
        push_frame(&mut segment, data);
        assert_eq!(parse_segment_header(&segment), Ok(0));
        let (found, error) = frames(&segment);
        assert_eq!(error, None, "a pushed frame is refused");
        assert_eq!(
            found,
            vec![Frame {
                offset: SEGMENT_HEADER_BYTES as u64,
                entry: data
            }]
        );
    }
}

fn decode_entry(bytes: &[u8]) {
    match Entry::decode(bytes) {
        Ok(e) => {
            assert_eq!(e.encode(), bytes, "decode accepted a non-canonical entry");
            let _ = e.hash();
            let _ = e.kind.id();
            body(&e);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn body(e: &Entry) {
    let error = match e.kind {
        EntryKind::ElectionRegistered => e.body_as::<ElectionRegistered>().err(),
        EntryKind::ContestOpened => e.body_as::<ContestOpened>().err(),
        EntryKind::Ballot => e.body_as::<BallotBody>().err(),
        EntryKind::PoolRegistered => e.body_as::<PoolRegistered>().err(),
        EntryKind::CheckInCount => e.body_as::<CheckInCount>().err(),
        EntryKind::ContestClosed => e.body_as::<ContestClosed>().err(),
        EntryKind::TokensVoided => e.body_as::<TokensVoided>().err(),
        EntryKind::Result => e.body_as::<ResultBody>().err(),
        EntryKind::TellerSignature => e.body_as::<TellerSignature>().err(),
        EntryKind::RunoffCreated => e.body_as::<RunoffCreated>().err(),
        EntryKind::PaperBallot => e.body_as::<PaperBallot>().err(),
        EntryKind::ContestCreated => e.body_as::<ContestCreated>().err(),
        EntryKind::RollRegistered => e.body_as::<RollRegistered>().err(),
        EntryKind::TurnoutCorrected => e.body_as::<TurnoutCorrected>().err(),
        EntryKind::ResultPublished => e.body_as::<ResultPublished>().err(),
        EntryKind::CeremonyRound1 => e
            .body_as::<scrutineer::record::entry::CeremonyRound1>()
            .err(),
        EntryKind::CeremonyShares => e
            .body_as::<scrutineer::record::entry::CeremonyShares>()
            .err(),
        EntryKind::CeremonyCheck => e
            .body_as::<scrutineer::record::entry::CeremonyCheck>()
            .err(),
        EntryKind::CeremonyRestart => e
            .body_as::<scrutineer::record::entry::CeremonyRestart>()
            .err(),
        EntryKind::ElectionKeySet => e
            .body_as::<scrutineer::record::entry::ElectionKeySet>()
            .err(),
        EntryKind::Shuffle => e.body_as::<scrutineer::record::entry::ShuffleBody>().err(),
        EntryKind::DecryptionShares => e
            .body_as::<scrutineer::record::entry::DecryptionSharesBody>()
            .err(),
        EntryKind::EncryptedBallot => {
            if let Err(err) = scrutineer::record::encrypted::EncryptedBallotBody::decode(&e.body) {
                let _ = err.to_string();
            }
            None
        }
        EntryKind::SpoiledBallot => {
            match scrutineer::record::spoiled::SpoiledBallotBody::decode(&e.body) {
                Ok(b) => {
                    assert_eq!(
                        b.encode(),
                        e.body,
                        "decode accepted a non-canonical spoiled ballot"
                    );
                    let _ = b.confirmation_hash();
                }
                Err(err) => {
                    let _ = err.to_string();
                }
            }
            None
        }
        EntryKind::KioskTest => e.body_as::<scrutineer::record::spoiled::KioskTest>().err(),
        EntryKind::RevoteCreated => e
            .body_as::<scrutineer::record::entry::RevoteCreated>()
            .err(),
        EntryKind::SeatsReduced => e.body_as::<scrutineer::record::entry::SeatsReduced>().err(),
        EntryKind::PaperKeyed => e.body_as::<scrutineer::record::entry::PaperKeyed>().err(),
        EntryKind::ProcedureStep => e
            .body_as::<scrutineer::record::procedure::ProcedureStep>()
            .err(),
    };
    if let Some(error) = error {
        let _ = error.to_string();
    }
}

// ---- note ----

/// `Note::parse` on the bytes (an accepted note re-encodes and parses back to the same
/// note, is verified against the vector's log key, and its text is read as a checkpoint),
/// and `Checkpoint::parse`, `Verifier::parse` and `Signer::parse` on the bytes as text
/// (each accepted value round-trips through its text form).
pub fn note(data: &[u8]) {
    match Note::parse(data) {
        Ok(n) => {
            let encoded = n.encode();
            assert!(
                encoded.is_ok(),
                "a parsed note does not encode: {encoded:?}"
            );
            if let Ok(encoded) = encoded {
                assert_eq!(Note::parse(encoded.as_bytes()).as_ref(), Ok(&n));
            }
            if let Err(e) = scrutineer::record::note::verify(&n, log_verifiers()) {
                let _ = e.to_string();
            }
            checkpoint(&n.text);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        checkpoint(text);
        match Verifier::parse(text) {
            Ok(v) => {
                assert_eq!(Verifier::parse(&v.to_text()).as_ref(), Ok(&v));
                let _ = v.verify(data, data);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        match Signer::parse(text) {
            Ok(s) => {
                let again = Signer::parse(&s.to_text());
                assert!(again.is_ok(), "a signer key does not parse back");
                if let Ok(again) = again {
                    assert_eq!(again.name(), s.name());
                    assert_eq!(again.key_id(), s.key_id());
                    assert_eq!(again.signing_key().to_bytes(), s.signing_key().to_bytes());
                }
                let _ = format!("{s:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

fn checkpoint(text: &str) {
    match Checkpoint::parse(text) {
        Ok(c) => {
            let again = c.to_text();
            assert!(again.is_ok(), "a parsed checkpoint has no text: {again:?}");
            if let Ok(again) = again {
                assert_eq!(Checkpoint::parse(&again).as_ref(), Ok(&c));
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

// ---- spec ----

/// `parse_election` on the bytes; an accepted spec is tallied with no ballots.
pub fn spec(data: &[u8]) {
    match parse_election(data) {
        Ok(election) => tally_file(&election, b""),
        Err(e) => {
            let _ = (e.to_string(), e.code());
        }
    }
}

// ---- roll ----

/// `parse_roll_csv` on the bytes; accepted rows go through `check_roll` for both kinds of
/// election. The bytes as text also go to `Date::parse`.
pub fn roll(data: &[u8]) {
    match scrutineer::record::roll::parse_roll_csv(data) {
        Ok(rows) => {
            for day in [
                Date::new(2026, 6, 1),
                Date::new(1, 1, 1),
                Date::new(9999, 12, 31),
            ]
            .into_iter()
            .flatten()
            {
                for kind in [RollKind::Party, RollKind::Public] {
                    let report = check_roll(&rows, kind, day);
                    let _ = report.is_clean();
                    let _ = report.into_clean();
                }
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.code());
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(date) = Date::parse(text) {
            assert_eq!(Date::parse(&date.to_string()), Ok(date));
        }
    }
}

// ---- tally ----

/// The offline `scrutineer tally` end to end: the bytes before the first NUL are the spec,
/// the rest the ballot file (no NUL: all spec, no ballots). Must never panic.
pub fn tally(data: &[u8]) {
    let (spec, ballots) = match data.iter().position(|&b| b == TALLY_SEPARATOR) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    match parse_election(spec) {
        Ok(election) => tally_file(&election, ballots),
        Err(e) => {
            let _ = (e.to_string(), e.code());
        }
    }
}

/// Runs the check named `target` (a directory name under `fuzz/corpus/`); false for an
/// unknown name.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "token" => token(data),
        "ballots" => ballots(data),
        "entry" => entry(data),
        "note" => note(data),
        "spec" => spec(data),
        "roll" => roll(data),
        "tally" => tally(data),
        _ => return false,
    }
    true
}

/// Every target name, in the order `fuzz/run.sh` runs them.
pub const TARGETS: [&str; 7] = ["token", "ballots", "entry", "note", "spec", "roll", "tally"];
