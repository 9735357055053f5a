//! Tests of signed notes, keys and checkpoints.

use ed25519_dalek::VerifyingKey;

use super::*;

// Vectors from golang.org/x/mod/sumdb/note (note_test.go and the package
// documentation in note.go).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// Example from c2sp.org/tlog-checkpoint (signature by a key we do not know).
const C2SP_CHECKPOINT_TEXT: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const C2SP_CHECKPOINT_SIG: &str = "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

fn peter() -> Verifier {
    Verifier::parse(PETER_VKEY).unwrap()
}

fn enoch() -> Verifier {
    Verifier::parse(ENOCH_VKEY).unwrap()
}

fn peter_note() -> String {
    format!("{TEXT}\n{PETER_SIG}")
}

fn random_signing_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

#[test]
fn key_id_of_reference_key() {
    let v = peter();
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_id(), 0xc74f20a3);
    assert_eq!(
        ed25519_key_id("PeterNeumann", v.verifying_key()),
        0xc74f20a3
    );
    assert_eq!(v.to_text(), PETER_VKEY);
    assert_eq!(enoch().key_id(), 0xaf0cfe78);
    assert_eq!(enoch().to_text(), ENOCH_VKEY);
}

#[test]
fn signer_key_round_trips_and_matches_verifier() {
    let s = Signer::parse(PETER_SKEY).unwrap();
    assert_eq!(s.name(), "PeterNeumann");
    assert_eq!(s.key_id(), 0xc74f20a3);
    assert_eq!(s.to_text(), PETER_SKEY);
    assert_eq!(s.verifier().unwrap(), peter());
    let debug = format!("{s:?}");
    assert!(
        debug.contains("c74f20a3") && !debug.contains("AYEKFALV"),
        "{debug}"
    );
}

#[test]
fn signing_reproduces_the_go_reference_note_byte_for_byte() {
    let signer = Signer::parse(PETER_SKEY).unwrap();
    let mut note = Note::new(TEXT).unwrap();
    note.sign(&signer).unwrap();
    assert_eq!(note.encode().unwrap(), peter_note());

    // Go's TestSign: an existing signature by the same key is replaced.
    let mut note = Note::new(TEXT).unwrap();
    note.add_signature(NoteSignature {
        name: "PeterNeumann".into(),
        key_id: 0xc74f20a3,
        signature: b"BAD".to_vec(),
    })
    .unwrap();
    note.sign_with(signer.signing_key(), "PeterNeumann")
        .unwrap();
    assert_eq!(note.encode().unwrap(), peter_note());
}

#[test]
fn reference_note_opens() {
    let (note, names) = open(peter_note().as_bytes(), &[peter()]).unwrap();
    assert_eq!(note.text, TEXT);
    assert_eq!(names, vec!["PeterNeumann".to_string()]);
    assert_eq!(note.signatures.len(), 1);
    assert_eq!(note.signatures[0].key_id, 0xc74f20a3);
    assert_eq!(note.signatures[0].signature.len(), ED25519_SIGNATURE_BYTES);
    assert_eq!(note.encode().unwrap(), peter_note());
}

#[test]
fn go_open_cases() {
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    // One known key: the other signature is kept but ignored.
    let (note, names) = open(both.as_bytes(), &[peter()]).unwrap();
    assert_eq!(names, vec!["PeterNeumann".to_string()]);
    assert_eq!(note.signatures.len(), 2);
    assert_eq!(note.signatures[1].name, "EnochRoot");
    assert_eq!(note.signatures[1].key_id, 0xaf0cfe78);
    // Both known.
    let (_, names) = open(both.as_bytes(), &[peter(), enoch()]).unwrap();
    assert_eq!(
        names,
        vec!["PeterNeumann".to_string(), "EnochRoot".to_string()]
    );
    // Neither known.
    assert_eq!(
        open(both.as_bytes(), &[]),
        Err(NoteError::NoVerifiedSignature { signatures: 2 })
    );
    // Duplicated verifier for a key that signed.
    assert_eq!(
        open(
            format!("{TEXT}\n{ENOCH_SIG}").as_bytes(),
            &[enoch(), peter(), enoch()]
        ),
        Err(NoteError::AmbiguousKey {
            name: "EnochRoot".into(),
            key_id: 0xaf0cfe78
        })
    );
    // Duplicated verifier for a key that did not sign.
    open(peter_note().as_bytes(), &[enoch(), peter(), enoch()]).unwrap();
    // Too many signatures.
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(SIGNATURES_MAX + 1));
    assert_eq!(
        open(many.as_bytes(), &[peter()]),
        Err(NoteError::TooManySignatures {
            count: SIGNATURES_MAX + 1,
            max: SIGNATURES_MAX
        })
    );
    let exactly_max = format!("{TEXT}\n{}", PETER_SIG.repeat(SIGNATURES_MAX));
    assert_eq!(open(exactly_max.as_bytes(), &[peter()]).unwrap().1.len(), 1);
    // Invalid signature by a known key.
    let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert_eq!(
        open(bad.as_bytes(), &[peter()]),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".into(),
            key_id: 0xc74f20a3
        })
    );
    // Repeated and corrupted signatures by unknown keys are ignored.
    let mixed = format!(
        "{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{}ABCD{}",
        &ENOCH_SIG[..60],
        &ENOCH_SIG[60..]
    );
    let (note, names) = open(mixed.as_bytes(), &[peter()]).unwrap();
    assert_eq!(names, vec!["PeterNeumann".to_string()]);
    assert_eq!(note.signatures.len(), 5);
    // The same corrupted Enoch signature is fatal once Enoch is known.
    assert!(matches!(
        open(mixed.as_bytes(), &[peter(), enoch()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    // A different name with the same key ID is an unknown key.
    let misnamed = peter_note().replace("PeterNeumann", "CarmenSandiego");
    assert_eq!(
        open(misnamed.as_bytes(), &[peter()]),
        Err(NoteError::NoVerifiedSignature { signatures: 1 })
    );
    // A different key ID with the same name is an unknown key.
    let wrong_id = peter_note().replace("x08g", "xxxx");
    assert_eq!(
        open(wrong_id.as_bytes(), &[peter()]),
        Err(NoteError::NoVerifiedSignature { signatures: 1 })
    );
}

#[test]
fn go_malformed_notes_are_rejected_with_the_right_variant() {
    let cases: Vec<(Vec<u8>, NoteError)> = vec![
        (TEXT.into(), NoteError::MissingSignatureBlock),
        (format!("{TEXT}\n").into(), NoteError::NoSignatures),
        (
            format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]).into(),
            NoteError::UnterminatedSignatureLine,
        ),
        (
            format!("\x01{TEXT}\n{PETER_SIG}").into(),
            NoteError::ControlCharacter { offset: 0, code: 1 },
        ),
        (
            [b"\xff".as_slice(), peter_note().as_bytes()].concat(),
            NoteError::NotUtf8 { offset: 0 },
        ),
        // Go's case (no final newline), then the same line terminated: the
        // name ends at the first space, so "Name x08go..." is not base64.
        (
            format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").into(),
            NoteError::UnterminatedSignatureLine,
        ),
        (
            format!("{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "the signature is not padded standard base64" },
        ),
        (
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n").into(),
            NoteError::MalformedSignatureLine { line: 2, reason: "it does not start with an em dash and a space" },
        ),
        (
            format!("{TEXT}\n— PeterNeumann\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "it has no space between key name and signature" },
        ),
        (
            format!("{TEXT}\n— PeterNeumann AAAAAA==\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "the signature is too short to hold a key ID and signature bytes" },
        ),
        (
            format!("{TEXT}\n— PeterNeumann x08go/ZJkuBS9UG!\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "the signature is not padded standard base64" },
        ),
        (
            format!("{TEXT}\n— Peter+Neumann x08go/ZJkuBS9U\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "the key name is empty or contains a space, plus sign or control character" },
        ),
        (
            format!("{TEXT}\n—  x08go/ZJkuBS9U\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "the key name is empty or contains a space, plus sign or control character" },
        ),
        (
            format!("{TEXT}\n- PeterNeumann x08go/ZJkuBS9U\n").into(),
            NoteError::MalformedSignatureLine { line: 1, reason: "it does not start with an em dash and a space" },
        ),
        (
            format!("{TEXT}\r\n{PETER_SIG}").into(),
            NoteError::ControlCharacter { offset: TEXT.len(), code: 0x0d },
        ),
    ];
    for (message, want) in cases {
        assert_eq!(
            Note::parse(&message),
            Err(want.clone()),
            "{:?}",
            String::from_utf8_lossy(&message)
        );
        assert_eq!(open(&message, &[peter()]), Err(want));
    }
    let huge = format!("{}\n{PETER_SIG}", "a".repeat(NOTE_BYTES_MAX));
    assert_eq!(
        Note::parse(huge.as_bytes()),
        Err(NoteError::NoteTooLarge {
            bytes: huge.len(),
            max: NOTE_BYTES_MAX
        })
    );
}

#[test]
fn text_with_blank_lines_splits_at_the_last_blank_line() {
    let signer = Signer::parse(PETER_SKEY).unwrap();
    let mut note = Note::new("first\n\nsecond\n\n").unwrap();
    note.sign(&signer).unwrap();
    let encoded = note.encode().unwrap();
    let (parsed, _) = open(encoded.as_bytes(), &[peter()]).unwrap();
    assert_eq!(parsed.text, "first\n\nsecond\n\n");
}

#[test]
fn tampering_with_any_text_byte_breaks_verification() {
    let note = peter_note();
    let text_len = TEXT.len();
    for i in 0..text_len {
        let mut bytes = note.clone().into_bytes();
        if bytes[i] == b'\n' {
            continue; // Changing a newline changes the structure; tested elsewhere.
        }
        bytes[i] ^= 0x01;
        let result = open(&bytes, &[peter()]);
        assert!(result.is_err(), "byte {i} flipped but note verified");
        if bytes[i] >= 0x20 {
            assert_eq!(
                result,
                Err(NoteError::InvalidSignature {
                    name: "PeterNeumann".into(),
                    key_id: 0xc74f20a3
                }),
                "byte {i}"
            );
        }
    }
}

#[test]
fn tampering_with_any_signature_byte_breaks_verification() {
    let mut note = Note::parse(peter_note().as_bytes()).unwrap();
    let original = note.signatures[0].signature.clone();
    for i in 0..original.len() {
        for bit in [0, 3, 7] {
            note.signatures[0].signature = original.clone();
            note.signatures[0].signature[i] ^= 1 << bit;
            assert_eq!(
                verify(&note, &[peter()]),
                Err(NoteError::InvalidSignature {
                    name: "PeterNeumann".into(),
                    key_id: 0xc74f20a3
                }),
                "signature byte {i} bit {bit}"
            );
        }
    }
    // Truncated or extended signatures from a known key are invalid too.
    note.signatures[0].signature = original[..63].to_vec();
    assert!(matches!(
        verify(&note, &[peter()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    note.signatures[0].signature = [original.as_slice(), &[0]].concat();
    assert!(matches!(
        verify(&note, &[peter()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    note.signatures[0].signature = original;
    assert_eq!(
        verify(&note, &[peter()]).unwrap(),
        vec!["PeterNeumann".to_string()]
    );
}

#[test]
fn go_verifier_key_manglings_are_rejected() {
    assert!(Verifier::parse(PETER_VKEY).is_ok());
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let k = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(Verifier::parse(k).is_err(), "accepted {k:?}");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let k = String::from_utf8(m).unwrap();
        assert!(Verifier::parse(&k).is_err(), "accepted {k:?}");
    }
    // Wrong key length, with the key ID adjusted to match.
    assert!(matches!(
        Verifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(NoteError::MalformedKey {
            kind: "verifier",
            ..
        })
    ));
    // Unknown signature type, with the key ID adjusted to match.
    assert_eq!(
        Verifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::UnsupportedSignatureType {
            name: "PeterNeumann".into(),
            signature_type: 0x65
        })
    );
    assert_eq!(
        Verifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::KeyIdMismatch {
            name: "PeterNeumann".into(),
            stated: 0xc74f20a4,
            computed: 0xc74f20a3
        })
    );
}

#[test]
fn go_signer_key_manglings_are_rejected() {
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let k = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(Signer::parse(k).is_err(), "accepted a mangled signer key");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let k = String::from_utf8(m).unwrap();
        assert!(Signer::parse(&k).is_err(), "accepted a mangled signer key");
    }
}

#[test]
fn weak_and_non_canonical_public_keys_are_rejected() {
    // The identity point (y = 1) has small order.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let key = VerifyingKey::from_bytes(&identity).unwrap();
    assert!(matches!(
        Verifier::new("weak", key),
        Err(NoteError::InvalidPublicKey {
            reason: "it has small order",
            ..
        })
    ));
    let material = [&[SIGNATURE_TYPE_ED25519][..], &identity].concat();
    let text = format!(
        "weak+{:08x}+{}",
        key_id("weak", SIGNATURE_TYPE_ED25519, &identity),
        BASE64.encode(&material)
    );
    assert!(matches!(
        Verifier::parse(&text),
        Err(NoteError::InvalidPublicKey { .. })
    ));
    // y = p + 1 is a non-canonical encoding of the same point.
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    let key = VerifyingKey::from_bytes(&non_canonical).unwrap();
    assert!(matches!(
        Verifier::new("odd", key),
        Err(NoteError::InvalidPublicKey {
            reason: "its encoding is not canonical",
            ..
        })
    ));
}

#[test]
fn generated_keys_round_trip_and_sign() {
    let key = random_signing_key();
    let (skey, vkey) = encode_key_pair("EnochRoot", &key).unwrap();
    assert!(skey.starts_with("PRIVATE+KEY+EnochRoot+"));
    let signer = Signer::parse(&skey).unwrap();
    let verifier = Verifier::parse(&vkey).unwrap();
    assert_eq!(signer.key_id(), verifier.key_id());
    assert_eq!(signer.to_text(), skey);
    assert_eq!(verifier.to_text(), vkey);
    let sig = signer.signing_key().sign(b"hi").to_bytes();
    assert!(verifier.verify(b"hi", &sig));
    let mut corrupt = sig;
    corrupt[0] ^= 1;
    assert!(!verifier.verify(b"hi", &corrupt));
    assert!(!verifier.verify(b"ho", &sig));
    assert!(!peter().verify(b"hi", &sig));
    assert!(matches!(
        encode_key_pair("bad name", &key),
        Err(NoteError::InvalidKeyName { .. })
    ));
}

#[test]
fn cosigning_appends_a_second_signature() {
    let log = Signer::parse(PETER_SKEY).unwrap();
    let witness = Signer::new("witness.example/w1", random_signing_key()).unwrap();
    let witness_verifier = witness.verifier().unwrap();

    let mut note = Note::new(TEXT).unwrap();
    note.sign(&log).unwrap();
    let published = note.encode().unwrap();

    // The witness parses the published note and appends its signature.
    let (mut received, _) = open(published.as_bytes(), &[peter()]).unwrap();
    received.sign(&witness).unwrap();
    let cosigned = received.encode().unwrap();
    assert!(cosigned.starts_with(&published));
    assert_eq!(cosigned.lines().count(), TEXT.lines().count() + 3);

    let (_, names) = open(cosigned.as_bytes(), &[peter(), witness_verifier.clone()]).unwrap();
    assert_eq!(
        names,
        vec!["PeterNeumann".to_string(), "witness.example/w1".to_string()]
    );
    let (_, names) = open(cosigned.as_bytes(), std::slice::from_ref(&witness_verifier)).unwrap();
    assert_eq!(names, vec!["witness.example/w1".to_string()]);

    // A cosignature line transplanted onto another note is rejected.
    let mut other = Note::new("other text\n").unwrap();
    other.sign(&log).unwrap();
    let witness_sig = received.signatures[1].clone();
    other.add_signature(witness_sig.clone()).unwrap();
    assert_eq!(
        verify(&other, &[peter(), witness_verifier]),
        Err(NoteError::InvalidSignature {
            name: witness_sig.name.clone(),
            key_id: witness_sig.key_id
        })
    );
    // Adding the same key's signature twice is refused.
    assert!(matches!(
        received.add_signature(witness_sig),
        Err(NoteError::DuplicateSignature { .. })
    ));
}

#[test]
fn building_notes_enforces_the_rules() {
    assert_eq!(Note::new("no newline"), Err(NoteError::MissingFinalNewline));
    assert_eq!(
        Note::new("tab\there\n"),
        Err(NoteError::ControlCharacter { offset: 3, code: 9 })
    );
    assert_eq!(
        Note::new(TEXT).unwrap().encode(),
        Err(NoteError::NoSignatures)
    );
    let key = random_signing_key();
    let mut note = Note::new(TEXT).unwrap();
    for name in ["", "a b", "a+b", "a\u{a0}b", "a\u{3000}b", "a\u{1}b"] {
        assert_eq!(
            note.sign_with(&key, name),
            Err(NoteError::InvalidKeyName { name: name.into() })
        );
    }
    // Sign with the public fields mangled: text without newline.
    note.text = "abc".into();
    assert_eq!(
        note.sign_with(&key, "ok"),
        Err(NoteError::MissingFinalNewline)
    );
    note.text = TEXT.into();
    assert!(matches!(
        note.add_signature(NoteSignature {
            name: "k".into(),
            key_id: 1,
            signature: vec![]
        }),
        Err(NoteError::EmptySignature { .. })
    ));
    for i in 0..SIGNATURES_MAX {
        note.add_signature(NoteSignature {
            name: format!("k{i}"),
            key_id: 1,
            signature: vec![1],
        })
        .unwrap();
    }
    assert_eq!(
        note.add_signature(NoteSignature {
            name: "one-too-many".into(),
            key_id: 1,
            signature: vec![1]
        }),
        Err(NoteError::TooManySignatures {
            count: SIGNATURES_MAX + 1,
            max: SIGNATURES_MAX
        })
    );
    // A full note of unknown signatures still encodes and parses.
    let encoded = note.encode().unwrap();
    assert_eq!(Note::parse(encoded.as_bytes()).unwrap(), note);
    assert_eq!(
        verify(&note, &[peter()]),
        Err(NoteError::NoVerifiedSignature {
            signatures: SIGNATURES_MAX
        })
    );
}

#[test]
fn c2sp_checkpoint_example_parses_and_round_trips() {
    let checkpoint = Checkpoint::parse(C2SP_CHECKPOINT_TEXT).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20852163);
    assert_eq!(&checkpoint.root[..4], &[0x0a, 0xc5, 0x18, 0x6a]);
    assert!(checkpoint.extensions.is_empty());
    assert_eq!(checkpoint.to_text().unwrap(), C2SP_CHECKPOINT_TEXT);

    // The signed example parses; its key is unknown to us.
    let signed = format!("{C2SP_CHECKPOINT_TEXT}\n{C2SP_CHECKPOINT_SIG}");
    let note = Note::parse(signed.as_bytes()).unwrap();
    assert_eq!(note.text, C2SP_CHECKPOINT_TEXT);
    assert_eq!(note.signatures[0].name, "example.com/behind-the-sofa");
    assert_eq!(note.signatures[0].signature.len(), ED25519_SIGNATURE_BYTES);
    assert_eq!(note.encode().unwrap(), signed);
    assert_eq!(
        verify(&note, &[peter()]),
        Err(NoteError::NoVerifiedSignature { signatures: 1 })
    );
}

#[test]
fn checkpoint_sign_open_round_trip_with_extensions() {
    let signer = Signer::new("example.com/log", random_signing_key()).unwrap();
    let checkpoint = Checkpoint {
        origin: "example.com/log".into(),
        size: u64::MAX,
        root: [7u8; 32],
        extensions: vec!["ext one".into(), "— two".into()],
    };
    let text = checkpoint.to_text().unwrap();
    assert_eq!(
        text,
        format!(
            "example.com/log\n18446744073709551615\n{}\next one\n— two\n",
            BASE64.encode([7u8; 32])
        )
    );
    let mut note = Note::new(text).unwrap();
    note.sign(&signer).unwrap();
    let (opened, _) = open(
        note.encode().unwrap().as_bytes(),
        &[signer.verifier().unwrap()],
    )
    .unwrap();
    assert_eq!(Checkpoint::parse(&opened.text).unwrap(), checkpoint);

    let empty = Checkpoint {
        origin: "o".into(),
        size: 0,
        root: [0u8; 32],
        extensions: vec![],
    };
    assert_eq!(Checkpoint::parse(&empty.to_text().unwrap()).unwrap(), empty);
}

#[test]
fn malformed_checkpoints_are_rejected() {
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    let size_error = |value: &str, reason| NoteError::CheckpointSize {
        value: value.into(),
        reason,
    };
    let cases: Vec<(String, NoteError)> = vec![
        (format!("o\n1\n{root}"), NoteError::MissingFinalNewline),
        (
            "o\n1\n".into(),
            NoteError::CheckpointTooFewLines { lines: 2, min: 3 },
        ),
        (
            format!("\n1\n{root}\n"),
            NoteError::CheckpointEmptyLine { line: 1 },
        ),
        (
            format!("o\n1\n{root}\n\n"),
            NoteError::CheckpointEmptyLine { line: 4 },
        ),
        (
            format!("o\n1\n{root}\next\n\n"),
            NoteError::CheckpointEmptyLine { line: 5 },
        ),
        (
            format!("o\n01\n{root}\n"),
            size_error("01", "it has a leading zero"),
        ),
        (
            format!("o\n00\n{root}\n"),
            size_error("00", "it has a leading zero"),
        ),
        (
            format!("o\n+1\n{root}\n"),
            size_error("+1", "it must consist of decimal digits only"),
        ),
        (
            format!("o\n-1\n{root}\n"),
            size_error("-1", "it must consist of decimal digits only"),
        ),
        (
            format!("o\n 1\n{root}\n"),
            size_error(" 1", "it must consist of decimal digits only"),
        ),
        (
            format!("o\n0x10\n{root}\n"),
            size_error("0x10", "it must consist of decimal digits only"),
        ),
        (
            format!("o\n18446744073709551616\n{root}\n"),
            size_error("18446744073709551616", "it does not fit in 64 bits"),
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".into(),
            NoteError::CheckpointRoot {
                value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I".into(),
            },
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n".into(),
            NoteError::CheckpointRoot {
                value: "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=".into(),
            },
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".into(),
            NoteError::CheckpointRoot {
                value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=".into(),
            },
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq\n".into(),
            NoteError::CheckpointRoot {
                value: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Iq".into(),
            },
        ),
        (
            "o\n1\nAAAA\n".into(),
            NoteError::CheckpointRoot {
                value: "AAAA".into(),
            },
        ),
        (
            format!("o\r\n1\n{root}\n"),
            NoteError::ControlCharacter {
                offset: 1,
                code: 0x0d,
            },
        ),
    ];
    for (text, want) in cases {
        assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
    }
    let long = format!("o\n{}\n{root}\n", "9".repeat(200));
    match Checkpoint::parse(&long) {
        Err(NoteError::CheckpointSize { value, .. }) => assert!(value.chars().count() <= 65),
        other => panic!("unexpected {other:?}"),
    }
    let bad_origin = Checkpoint {
        origin: "a\nb".into(),
        size: 1,
        root: [0; 32],
        extensions: vec![],
    };
    assert!(matches!(
        bad_origin.to_text(),
        Err(NoteError::CheckpointField {
            field: "origin",
            ..
        })
    ));
    let bad_ext = Checkpoint {
        origin: "o".into(),
        size: 1,
        root: [0; 32],
        extensions: vec![String::new()],
    };
    assert!(matches!(
        bad_ext.to_text(),
        Err(NoteError::CheckpointField {
            field: "extension line",
            ..
        })
    ));
}

#[test]
fn error_messages_are_sentences_with_values() {
    let e = NoteError::InvalidSignature {
        name: "PeterNeumann".into(),
        key_id: 0xc74f20a3,
    };
    assert_eq!(
        e.to_string(),
        "The signature by known key PeterNeumann+c74f20a3 does not verify."
    );
    let e = NoteError::TooManySignatures {
        count: 101,
        max: 100,
    };
    assert_eq!(
        e.to_string(),
        "The note has 101 signatures, which exceeds the limit of 100."
    );
    let e = Signer::parse(
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFa",
    )
    .unwrap_err();
    assert!(!e.to_string().contains("AYEKFALV"), "{e}");
}
