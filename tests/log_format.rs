//! The test vectors printed in docs/LOG_FORMAT.md. If a format changes, this test fails and
//! the document must change with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::SigningKey;

use scrutineer::record::entry::{genesis, Entry, EntryKind};
use scrutineer::record::merkle::{leaf_hash, root_from_leaves};
use scrutineer::record::note::{Checkpoint, Note, Signer};
use scrutineer::record::segment::{push_frame, segment_header};
use scrutineer::record::token::Token;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/LOG_FORMAT.md")).unwrap()
}

fn vectors() -> Vec<(&'static str, String)> {
    let g = genesis("example-2026");
    let e = Entry {
        kind: EntryKind::ContestOpened,
        prev: g,
        body: br#"{"contest":"d1"}"#.to_vec(),
    };
    let encoded = e.encode();
    let mut frame = Vec::new();
    push_frame(&mut frame, &encoded);
    // RFC 6962 reference leaves (certificate-transparency test data).
    let inputs: [&[u8]; 7] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
    ];
    let leaves: Vec<[u8; 32]> = inputs.iter().map(|i| leaf_hash(i)).collect();
    let signer = Signer::new(
        "scrutineer/example-2026",
        SigningKey::from_bytes(&[1u8; 32]),
    )
    .unwrap();
    let cp = Checkpoint {
        origin: "scrutineer/example-2026".into(),
        size: 1,
        root: e.hash(),
        extensions: vec![],
    };
    let mut note = Note::new(cp.to_text().unwrap()).unwrap();
    note.sign(&signer).unwrap();
    let token = Token::sign(
        &SigningKey::from_bytes(&[2u8; 32]),
        "example-2026",
        1,
        0,
        core::array::from_fn(|i| i as u8),
    );
    vec![
        ("genesis", hex(&g)),
        ("entry", hex(&encoded)),
        ("entry_hash", hex(&e.hash())),
        ("segment_header", hex(&segment_header(0))),
        ("frame", hex(&frame)),
        ("root7", hex(&root_from_leaves(&leaves))),
        ("log_key", signer.verifier().unwrap().to_text()),
        ("checkpoint", note.encode().unwrap()),
        ("token", token.to_text()),
        (
            "teller_statement",
            hex(&scrutineer::record::entry::teller_statement(
                "shuffle",
                "example-2026",
                "d1",
                b"payload",
            )),
        ),
        (
            "attest_correction",
            hex(&attest_correction().message("example-2026")),
        ),
        (
            "attest_signature",
            attest_correction().sign(
                &Signer::new("teller-wang", SigningKey::from_bytes(&[11u8; 32])).unwrap(),
                "example-2026",
            ),
        ),
        (
            "attest_reduction",
            hex(&scrutineer::record::attest::Attestation::Reduction(
                &scrutineer::record::entry::SeatsReduced {
                    contest: "d1".into(),
                    reduced_by: 1,
                    seats: 2,
                    basis: "大会决定 the meeting decided".into(),
                    attested: None,
                },
            )
            .message("example-2026")),
        ),
        (
            "attest_keying",
            hex(&attest_keying(Some(KEYED)).message("example-2026")),
        ),
        (
            "attest_keying_signature",
            attest_keying(Some(KEYED)).sign(
                &Signer::new("teller-wang", SigningKey::from_bytes(&[11u8; 32])).unwrap(),
                "example-2026",
            ),
        ),
        (
            "attest_withdrawal",
            hex(&attest_keying(None).message("example-2026")),
        ),
        (
            "attest_paper",
            hex(&scrutineer::record::attest::Attestation::Paper {
                contest: "d1",
                log: LOG,
                count: 2,
                keyed: KEYED,
            }
            .message("example-2026")),
        ),
        (
            "shuffle_context",
            hex(&scrutineer::e2e::book::shuffle_context(
                "example-2026",
                "d1",
                2,
                1,
            )),
        ),
    ]
}

/// The ballot line's text of the documented keyings (protocol 9).
const KEYED: &str = r#"{"contest":"d1","marks":{"c1":"for","c2":"against"}}"#;

/// The log identity of the documented keyings: 32 × `0x11`.
const LOG: [u8; 32] = [0x11; 32];

/// The documented keying: sheet 3 of contest `d1`, after 5 keyings of the contest were logged
/// (`keyed` None: the withdrawal of it).
fn attest_keying(keyed: Option<&'static str>) -> scrutineer::record::attest::Attestation<'static> {
    scrutineer::record::attest::Attestation::Keying {
        contest: "d1",
        log: LOG,
        position: 5,
        sheet: 3,
        keyed,
    }
}

/// The documented correction statement: the contest's second correction (one logged before).
fn attest_correction() -> scrutineer::record::attest::Attestation<'static> {
    static BODY: std::sync::OnceLock<scrutineer::record::entry::TurnoutCorrected> =
        std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| scrutineer::record::entry::TurnoutCorrected {
        contest: "d1".into(),
        eligible: 120,
        present: 98,
        ballots_issued: 98,
        reason: "流动票箱 mobile box".into(),
        proposed_by: scrutineer::ledger::person("", ""),
        approved_by: scrutineer::ledger::person("", ""),
        attested: None,
    });
    scrutineer::record::attest::Attestation::Correction { position: 1, body }
}

#[test]
fn documented_vectors_match_the_code() {
    let d = doc();
    for (name, value) in vectors() {
        for line in value.lines() {
            assert!(
                d.contains(line),
                "docs/LOG_FORMAT.md lacks the {name} vector line: {line}"
            );
        }
    }
    // The 7-leaf root is the published RFC 6962 reference value.
    assert!(vectors().iter().any(|(n, v)| *n == "root7"
        && v == "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"));
}

#[test]
#[ignore = "prints the vectors for the document"]
fn print_vectors() {
    for (name, value) in vectors() {
        println!("{name}:\n{value}\n");
    }
}
