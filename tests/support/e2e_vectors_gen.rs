//! Deterministic generator of `vectors/e2e-v1.json` (shared by
//! `examples/gen_vectors.rs`, which writes the file, and `tests/vectors.rs`,
//! which regenerates it and requires byte-for-byte equality).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use serde_json::{json, Value};

use scrutineer::crypto::ballot::bench_support::derived_values;
use scrutineer::crypto::decrypt::{decryption_share, DecryptionShare, DlogTable};
use scrutineer::crypto::dkg::{self, DkgParams, ShareCheck};
use scrutineer::crypto::group::{derive_generator, draw_scalar, mul_g};
use scrutineer::crypto::names::encode_name;
use scrutineer::crypto::shuffle::{shuffle, CiphertextVector};
use scrutineer::crypto::transcript::Transcript;
use scrutineer::crypto::*;

/// Records every 64-byte draw of a [`DeterministicRng`].
pub struct RecordingRng {
    pub inner: DeterministicRng,
    pub blocks: Vec<[u8; 64]>,
}

impl RecordingRng {
    pub fn new(seed: &str) -> Self {
        RecordingRng {
            inner: DeterministicRng::new(seed.as_bytes()),
            blocks: Vec::new(),
        }
    }
    pub fn scalars_hex(&self) -> Vec<String> {
        self.blocks
            .iter()
            .map(|b| hex::encode(Scalar::from_bytes_mod_order_wide(b).to_bytes()))
            .collect()
    }
}

impl RngCore for RecordingRng {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.inner.fill_bytes(dest);
        assert_eq!(dest.len(), 64, "every protocol draw is one 64-byte block");
        let mut b = [0u8; 64];
        b.copy_from_slice(dest);
        self.blocks.push(b);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for RecordingRng {}

pub fn h(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

pub fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

pub const ELECTION_ID: &str = "2026-示例选举";

// ---------------------------------------------------------------------------
// JSON <-> types
// ---------------------------------------------------------------------------

pub fn shape_to_json(s: &ContestShape) -> Value {
    match s {
        ContestShape::Candidate(c) => json!({
            "kind": "candidate",
            "candidates": c.candidates,
            "max_marks": c.max_marks,
            "against": c.against,
            "write_in_lines": c.write_in_lines,
            "write_in_needs_against": c.write_in_needs_against,
        }),
        ContestShape::Evaluation(e) => json!({
            "kind": "evaluation",
            "subjects": e.subjects,
            "grade0_quota": e.grade0_quota,
        }),
    }
}

pub fn shape_from_json(v: &Value) -> ContestShape {
    let u = |k: &str| v[k].as_u64().unwrap() as u32;
    match v["kind"].as_str().unwrap() {
        "candidate" => ContestShape::Candidate(CandidateShape {
            candidates: u("candidates"),
            max_marks: u("max_marks"),
            against: v["against"].as_bool().unwrap(),
            write_in_lines: u("write_in_lines"),
            write_in_needs_against: v["write_in_needs_against"].as_bool().unwrap(),
        }),
        _ => ContestShape::Evaluation(EvaluationShape {
            subjects: u("subjects"),
            grade0_quota: v["grade0_quota"].as_u64().map(|q| q as u32),
        }),
    }
}

pub fn plaintext_to_json(p: &ContestPlaintext) -> Value {
    match p {
        ContestPlaintext::Candidate(c) => json!({
            "marks": c.marks.iter().map(|m| match m {
                Mark::Abstain => "abstain",
                Mark::For => "for",
                Mark::Against => "against",
            }).collect::<Vec<_>>(),
            "write_ins": c.write_ins,
            "void": c.void,
        }),
        ContestPlaintext::Evaluation(e) => json!({ "grades": e.grades }),
    }
}

pub fn plaintext_from_json(v: &Value) -> ContestPlaintext {
    if let Some(g) = v.get("grades") {
        return ContestPlaintext::Evaluation(EvaluationPlaintext {
            grades: g
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().map(|y| y as u8))
                .collect(),
        });
    }
    ContestPlaintext::Candidate(CandidatePlaintext {
        marks: v["marks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| match m.as_str().unwrap() {
                "for" => Mark::For,
                "against" => Mark::Against,
                _ => Mark::Abstain,
            })
            .collect(),
        write_ins: v["write_ins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().map(String::from))
            .collect(),
        void: v["void"].as_bool().unwrap(),
    })
}

pub fn context_to_json(c: &ContextInputs) -> Value {
    json!({
        "election_id": c.election_id,
        "contest_id": c.contest_id,
        "group_id": c.group_id,
        "token_serial": h(c.token_serial),
    })
}

/// Leaks the strings: fine for tests.
pub fn context_from_json(v: &Value) -> ContextInputs<'static> {
    let s = |k: &str| -> &'static str {
        Box::leak(v[k].as_str().unwrap().to_string().into_boxed_str())
    };
    let mut serial = [0u8; 16];
    serial.copy_from_slice(&unhex(&v["token_serial"]));
    ContextInputs {
        election_id: s("election_id"),
        contest_id: s("contest_id"),
        group_id: s("group_id"),
        token_serial: serial,
    }
}

// ---------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------

fn group_section() -> Value {
    let mut multiples = Vec::new();
    let l_minus_1 = -Scalar::ONE;
    let samples: Vec<Scalar> = vec![
        Scalar::ZERO,
        Scalar::ONE,
        Scalar::from(2u8),
        Scalar::from(1_000_000u64),
        l_minus_1,
        Scalar::from_bytes_mod_order_wide(&DeterministicRng::block(b"group", 0)),
    ];
    for s in &samples {
        multiples
            .push(json!({ "scalar": h(s.to_bytes()), "point": h(mul_g(s).compress().to_bytes()) }));
    }
    let wide = DeterministicRng::block(b"wide", 0);
    let from_uniform_rfc = hex::decode(
        "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c14d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6",
    )
    .unwrap();
    let mut fu = [0u8; 64];
    fu.copy_from_slice(&from_uniform_rfc);
    let mut rejected = Vec::new();
    for (desc, enc) in [
        (
            "p (non-canonical field element)",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ),
        (
            "negative s (odd)",
            "0100000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "all ones",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ),
        (
            "not on the curve",
            "0200000000000000000000000000000000000000000000000000000000000000",
        ),
    ] {
        let b: [u8; 32] = hex::decode(enc).unwrap().try_into().unwrap();
        assert!(CompressedRistretto(b).decompress().is_none());
        rejected.push(
            json!({ "description": desc, "encoding": enc, "expected_error": "bad_encoding" }),
        );
    }
    let non_canonical_scalar = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    json!({
        "basepoint": h(curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED.to_bytes()),
        "order_l": "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
        "multiples_of_G": multiples,
        "wide_reduction": [{ "bytes64": h(wide), "scalar": h(Scalar::from_bytes_mod_order_wide(&wide).to_bytes()) }],
        "from_uniform_bytes": [{
            "input": h(fu),
            "output": h(RistrettoPoint::from_uniform_bytes(&fu).compress().to_bytes()),
            "note": "RFC 9496 / libsodium crypto_core_ristretto255_from_hash example",
        }],
        "generators": (0..3).map(|i| json!({
            "label": "shuffle",
            "index": i,
            "point": h(derive_generator("shuffle", i).compress().to_bytes()),
        })).collect::<Vec<_>>(),
        "rejected_point_encodings": rejected,
        "rejected_scalar_encodings": [{ "encoding": non_canonical_scalar, "expected_error": "bad_encoding" }],
    })
}

fn transcript_section() -> Value {
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("scrutineer.e2e/v1/challenge", vec![]),
        (
            "scrutineer.e2e/v1/combine",
            vec![
                vec![0u8; 64],
                b"candidate".to_vec(),
                3u32.to_be_bytes().to_vec(),
            ],
        ),
        (
            "scrutineer.e2e/v1/generator",
            vec![b"shuffle".to_vec(), 0u32.to_be_bytes().to_vec()],
        ),
    ];
    cases
        .into_iter()
        .map(|(d, fields)| {
            let mut bytes = Vec::new();
            for f in std::iter::once(d.as_bytes().to_vec()).chain(fields.iter().cloned()) {
                bytes.extend_from_slice(&(f.len() as u32).to_be_bytes());
                bytes.extend_from_slice(&f);
            }
            let mut t = Transcript::new(d);
            for f in &fields {
                t.field(f);
            }
            let digest = t.clone().finish();
            json!({
                "domain": d,
                "fields": fields.iter().map(h).collect::<Vec<_>>(),
                "serialized": h(&bytes),
                "sha512": h(digest),
                "scalar": h(t.scalar().to_bytes()),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

fn names_section() -> Value {
    let names = [
        "",
        "李四",
        "王小明",
        "阿卜杜热合曼·买买提明",
        "Zhang San",
        "一二三四五六七八九十一二三四五六七八九十",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWX",
    ];
    names
        .iter()
        .map(|n| {
            let e = encode_name(n).unwrap();
            json!({
                "name": n,
                "utf8_len": n.len(),
                "counters": e.counters,
                "elements": e.encodings.iter().map(h).collect::<Vec<_>>(),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

pub fn election_secret() -> Scalar {
    Scalar::from_bytes_mod_order_wide(&DeterministicRng::block(b"election-key", 0))
}

pub fn election_key() -> ElectionKey {
    ElectionKey::new(Element::from_point(mul_g(&election_secret()))).unwrap()
}

struct BallotCase {
    id: &'static str,
    shape: ContestShape,
    ctx: ContextInputs<'static>,
    plaintext: ContestPlaintext,
    invalid: bool,
}

fn cand(marks: &[Mark], write_ins: &[Option<&str>]) -> ContestPlaintext {
    ContestPlaintext::Candidate(CandidatePlaintext {
        marks: marks.to_vec(),
        write_ins: write_ins.iter().map(|x| x.map(String::from)).collect(),
        void: false,
    })
}

fn ballot_cases() -> Vec<BallotCase> {
    use Mark::*;
    let party = ContestShape::party(9, 7, 3);
    let npc = ContestShape::npc(3, 1, true, 1);
    let ctx = |contest: &'static str, group: &'static str, serial: u8| ContextInputs {
        election_id: ELECTION_ID,
        contest_id: contest,
        group_id: group,
        token_serial: [serial; 16],
    };
    vec![
        BallotCase {
            id: "party-9-7-w3-normal",
            shape: party.clone(),
            ctx: ctx("党委委员", "", 1),
            plaintext: cand(
                &[For, For, Against, For, Abstain, For, Against, For, For],
                &[Some("赵六"), None, None],
            ),
            invalid: true,
        },
        BallotCase {
            id: "party-9-7-w3-abstain",
            shape: party.clone(),
            ctx: ctx("党委委员", "", 2),
            plaintext: cand(&[Abstain; 9], &[None, None, None]),
            invalid: false,
        },
        BallotCase {
            id: "party-9-7-w3-overmarked-void",
            shape: party,
            ctx: ctx("党委委员", "", 3),
            plaintext: cand(&[For; 9], &[None, None, None]),
            invalid: false,
        },
        BallotCase {
            id: "npc-3-1-w1-normal",
            shape: npc.clone(),
            ctx: ctx("第3选区", "", 4),
            plaintext: cand(&[Against, For, Abstain], &[None]),
            invalid: true,
        },
        BallotCase {
            id: "npc-3-1-w1-abstain",
            shape: npc.clone(),
            ctx: ctx("第3选区", "", 5),
            plaintext: cand(&[Abstain; 3], &[None]),
            invalid: false,
        },
        BallotCase {
            id: "npc-3-1-w1-overmarked-void",
            shape: npc,
            ctx: ctx("第3选区", "", 6),
            plaintext: cand(&[For, Abstain, Against], &[Some("孙七")]),
            invalid: false,
        },
        BallotCase {
            id: "recommendation-6-3-w1",
            shape: ContestShape::recommendation(6, 3, 1),
            ctx: ctx("推荐人选", "", 7),
            plaintext: cand(
                &[For, Abstain, For, Abstain, Abstain, Abstain],
                &[Some("周八")],
            ),
            invalid: true,
        },
        BallotCase {
            id: "evaluation-5-quota-2",
            shape: ContestShape::evaluation(5, Some(2)),
            ctx: ctx("民主测评", "中层干部组", 8),
            plaintext: ContestPlaintext::Evaluation(EvaluationPlaintext {
                grades: vec![Some(0), Some(1), None, Some(0), Some(3)],
            }),
            invalid: true,
        },
    ]
}

/// The invalid variants of a ballot (encoding changes or context changes).
fn invalid_variants(key: &ElectionKey, case: &BallotCase, bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |desc: &str, enc: Vec<u8>, ctx: ContextInputs<'static>| {
        let code = verify_contest_bytes(key, &case.shape, &ctx, &enc)
            .expect_err(desc)
            .code();
        out.push(json!({
            "description": desc,
            "encrypted": h(&enc),
            "context": context_to_json(&ctx),
            "expected_error": code,
        }));
    };
    // Byte 2 + 32 + 5: beta of the first ciphertext.
    let mut b = bytes.to_vec();
    b[2 + 32 + 5] ^= 0x04;
    push(
        "one byte changed in the beta of the first ciphertext",
        b,
        case.ctx,
    );
    let mut b = bytes.to_vec();
    b[2 + 1] ^= 0x01;
    push(
        "one byte changed in the alpha of the first ciphertext",
        b,
        case.ctx,
    );
    let cts = case.shape.ciphertext_count();
    let first_proof = 2 + 64 * cts;
    let mut b = bytes.to_vec();
    b[first_proof + 3] ^= 0x10;
    push(
        "one byte changed in the first commitment of the first candidate proof",
        b,
        case.ctx,
    );
    let mut b = bytes.to_vec();
    let last = b.len() - 20;
    b[last] ^= 0x01;
    push(
        "one byte changed in the last response of the last range proof",
        b,
        case.ctx,
    );
    let mut b = bytes.to_vec();
    b[2..34].copy_from_slice(&[0u8; 32]);
    push("identity alpha in the first ciphertext", b, case.ctx);
    let mut b = bytes.to_vec();
    b[2..34].copy_from_slice(&[0xffu8; 32]);
    push("non-canonical alpha in the first ciphertext", b, case.ctx);
    let mut b = bytes.to_vec();
    b[0] = 0x02;
    push("unknown format version", b, case.ctx);
    push(
        "truncated by one byte",
        bytes[..bytes.len() - 1].to_vec(),
        case.ctx,
    );
    let mut other = case.ctx;
    other.token_serial[15] ^= 1;
    push(
        "the same ballot under another token serial",
        bytes.to_vec(),
        other,
    );
    let mut other = case.ctx;
    other.contest_id = "另一项选举";
    push(
        "the same ballot under another contest id",
        bytes.to_vec(),
        other,
    );
    let mut other = case.ctx;
    other.election_id = "2026-其他选举";
    push(
        "the same ballot under another election id",
        bytes.to_vec(),
        other,
    );
    let mut other = case.ctx;
    other.group_id = "其他组";
    push(
        "the same ballot under another evaluator group",
        bytes.to_vec(),
        other,
    );
    out
}

fn ballots_section(key: &ElectionKey) -> Value {
    let mut out = Vec::new();
    for case in ballot_cases() {
        let seed = format!("ballot/{}", case.id);
        let mut rng = RecordingRng::new(&seed);
        let (ballot, opening) =
            encrypt_contest(key, &case.shape, &case.ctx, &case.plaintext, &mut rng).unwrap();
        let bytes = ballot.to_bytes();
        let normalized = open_contest(key, &case.shape, &case.ctx, &ballot, &opening).unwrap();
        let cts: Vec<u8> = ballot
            .ciphertexts()
            .iter()
            .flat_map(|c| c.to_bytes())
            .collect();
        let derived = derived_values(key, &case.shape, &case.ctx, &ballot).unwrap();
        let mut entry = json!({
            "id": case.id,
            "shape": shape_to_json(&case.shape),
            "shape_bytes": h(case.shape.to_bytes()),
            "context": context_to_json(&case.ctx),
            "plaintext": plaintext_to_json(&case.plaintext),
            "encrypted_plaintext": plaintext_to_json(&normalized),
            "seed": seed,
            "nonces": rng.scalars_hex(),
            "opening_nonce_count": case.shape.ciphertext_count(),
            "ballot_context": h(ballot_context(key, &case.shape, &case.ctx, &cts)),
            "derived": derived.iter().map(|(kind, label, pos, v)| json!({
                "kind": kind, "label": label, "position": pos, "value": h(v.to_bytes()),
            })).collect::<Vec<_>>(),
            "encrypted_len": bytes.len(),
            "encrypted": h(&bytes),
            "opening": h(opening.to_bytes()),
        });
        if case.invalid {
            entry["invalid"] = invalid_variants(key, &case, &bytes).into();
            // A candidate proof moved from another ballot of the same contest.
            let mut rng2 = RecordingRng::new(&format!("{seed}/donor"));
            let mut donor_ctx = case.ctx;
            donor_ctx.token_serial = [0xaa; 16];
            let (donor, _) =
                encrypt_contest(key, &case.shape, &donor_ctx, &case.plaintext, &mut rng2).unwrap();
            // (A subject's proof, in an evaluation.)
            let (moved, what) = match (ballot.clone(), donor) {
                (EncryptedContest::Candidate(mut a), EncryptedContest::Candidate(d)) => {
                    a.candidate_proofs[0] = d.candidate_proofs[0].clone();
                    (
                        EncryptedContest::Candidate(a).to_bytes(),
                        "candidate proof 0",
                    )
                }
                (EncryptedContest::Evaluation(mut a), EncryptedContest::Evaluation(d)) => {
                    a.subject_proofs[0] = d.subject_proofs[0].clone();
                    (
                        EncryptedContest::Evaluation(a).to_bytes(),
                        "subject proof 0",
                    )
                }
                _ => unreachable!(),
            };
            let code = verify_contest_bytes(key, &case.shape, &case.ctx, &moved)
                .unwrap_err()
                .code();
            entry["invalid"].as_array_mut().unwrap().push(json!({
                "description": format!("{what} replaced by the one of a ballot under another token serial"),
                "encrypted": h(&moved),
                "context": context_to_json(&case.ctx),
                "expected_error": code,
            }));
        }
        out.push(entry);
    }
    out.into()
}

struct Ceremony {
    params: DkgParams,
    msgs: Vec<dkg::Round1Message>,
    shares: Vec<dkg::KeyShare>,
    json: Value,
}

fn dkg_section() -> Ceremony {
    let params = DkgParams::default();
    let mut secrets = Vec::new();
    let mut msgs = Vec::new();
    let mut round1_json = Vec::new();
    for i in 1..=params.tellers {
        let seed = format!("dkg/teller-{i}/round1");
        let mut rng = RecordingRng::new(&seed);
        let (s, m) = dkg::round1(ELECTION_ID, &params, i, &mut rng).unwrap();
        round1_json.push(json!({ "index": i, "seed": seed, "nonces": rng.scalars_hex(), "message": h(m.to_bytes()) }));
        secrets.push(s);
        msgs.push(m);
    }
    dkg::verify_round1_all(ELECTION_ID, &params, &msgs).unwrap();
    let mut inbox: Vec<Vec<dkg::EncryptedShare>> = vec![vec![]; params.tellers as usize];
    let mut shares_json = Vec::new();
    for s in &secrets {
        let seed = format!("dkg/teller-{}/shares", s.index());
        let mut rng = RecordingRng::new(&seed);
        let shares = dkg::encrypt_shares(ELECTION_ID, &params, s, &msgs, &mut rng).unwrap();
        shares_json.push(json!({
            "from": s.index(),
            "seed": seed,
            "nonces": rng.scalars_hex(),
            "shares": shares.iter().map(|x| h(x.to_bytes())).collect::<Vec<_>>(),
        }));
        for sh in shares {
            inbox[sh.to as usize - 1].push(sh);
        }
    }
    let mut key_shares = Vec::new();
    let mut unused = DeterministicRng::new(b"dkg/unused");
    for s in &secrets {
        let got: Vec<_> = inbox[s.index() as usize - 1]
            .iter()
            .map(|sh| {
                match dkg::receive_share(ELECTION_ID, &params, s, &msgs, sh, &mut unused).unwrap() {
                    ShareCheck::Valid(r) => r,
                    ShareCheck::Invalid(_) => panic!("honest share refused"),
                }
            })
            .collect();
        key_shares.push(dkg::combine_shares(&params, s, &msgs, &got).unwrap());
    }
    let key = dkg::joint_key(&params, &msgs).unwrap();
    // A bad share from teller 2 to teller 4 and the resulting complaint.
    let mut rng = RecordingRng::new("dkg/bad-share");
    let bad = dkg::encrypt_share_value(
        ELECTION_ID,
        2,
        4,
        &msgs[3].share_key,
        &Scalar::from(12345u32),
        &mut rng,
    );
    let complaint =
        match dkg::receive_share(ELECTION_ID, &params, &secrets[3], &msgs, &bad, &mut rng).unwrap()
        {
            ShareCheck::Invalid(c) => c,
            ShareCheck::Valid(_) => panic!("bad share accepted"),
        };
    let verdict = dkg::verify_complaint(ELECTION_ID, &params, &msgs, &complaint).unwrap();
    let json = json!({
        "election_id": ELECTION_ID,
        "tellers": params.tellers,
        "threshold": params.threshold,
        "round1": round1_json,
        "encrypted_shares": shares_json,
        "key_shares": key_shares.iter().map(|k| json!({
            "index": k.index(),
            "secret": h(*k.secret_bytes()),
            "verification_key": h(k.verification_key().to_bytes()),
        })).collect::<Vec<_>>(),
        "joint_key": h(key.to_bytes()),
        "fingerprint": key.fingerprint(),
        "complaint": {
            "seed": "dkg/bad-share",
            "nonces": rng.scalars_hex(),
            "description": "teller 2 sends teller 4 the value 12345 instead of P_2(4)",
            "bad_share": h(bad.to_bytes()),
            "complaint": h(complaint.to_bytes()),
            "verdict": verdict.code(),
        },
    });
    Ceremony {
        params,
        msgs,
        shares: key_shares,
        json,
    }
}

fn decryption_section(c: &Ceremony) -> Value {
    let key = dkg::joint_key(&c.params, &c.msgs).unwrap();
    let mut rng = RecordingRng::new("decryption");
    let r = draw_scalar(&mut rng);
    let ct = Ciphertext::encrypt_exp(&key, 42, &r);
    let name = encode_name("李四").unwrap();
    let r0 = draw_scalar(&mut rng);
    let r1 = draw_scalar(&mut rng);
    let name_cts = [
        Ciphertext::encrypt_point(&key, &name.elements[0], &r0),
        Ciphertext::encrypt_point(&key, &name.elements[1], &r1),
    ];
    let shares: Vec<DecryptionShare> = c
        .shares
        .iter()
        .map(|s| decryption_share(ELECTION_ID, s, &ct, &mut rng))
        .collect();
    let subset = [shares[0], shares[2], shares[4]];
    let m =
        scrutineer::crypto::decrypt::combine_decryption_shares(&c.params, &ct, &subset).unwrap();
    let value = DlogTable::new(1000).solve(&m).unwrap();
    let name_shares: Vec<Vec<DecryptionShare>> = name_cts
        .iter()
        .map(|ct| {
            c.shares[1..4]
                .iter()
                .map(|s| decryption_share(ELECTION_ID, s, ct, &mut rng))
                .collect()
        })
        .collect();
    let elems: Vec<RistrettoPoint> = name_cts
        .iter()
        .zip(name_shares.iter())
        .map(|(ct, sh)| {
            scrutineer::crypto::decrypt::combine_decryption_shares(&c.params, ct, sh).unwrap()
        })
        .collect();
    let decoded = scrutineer::crypto::names::decode_name(&[elems[0], elems[1]]).unwrap();
    json!({
        "seed": "decryption",
        "nonces": rng.scalars_hex(),
        "exponential": {
            "ciphertext": h(ct.to_bytes()),
            "plaintext": 42,
            "shares": shares.iter().map(|s| h(s.to_bytes())).collect::<Vec<_>>(),
            "combined_with": [1, 3, 5],
            "combined_point": h(m.compress().to_bytes()),
            "value": value,
        },
        "name": {
            "ciphertexts": name_cts.iter().map(|c| h(c.to_bytes())).collect::<Vec<_>>(),
            "shares_by_tellers_2_3_4": name_shares.iter().map(|v| v.iter().map(|s| h(s.to_bytes())).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "elements": elems.iter().map(|e| h(e.compress().to_bytes())).collect::<Vec<_>>(),
            "name": decoded,
        },
    })
}

fn shuffle_section(c: &Ceremony) -> Value {
    let key = dkg::joint_key(&c.params, &c.msgs).unwrap();
    let mut rng = RecordingRng::new("shuffle/inputs");
    let names = ["李四", "王五", "", "赵六"];
    let inputs: Vec<CiphertextVector> = names
        .iter()
        .map(|n| {
            let e = encode_name(n).unwrap();
            (0..2)
                .map(|k| Ciphertext::encrypt_point(&key, &e.elements[k], &draw_scalar(&mut rng)))
                .collect()
        })
        .collect();
    let context = format!("{ELECTION_ID}|党委委员|teller-1");
    let mut srng = RecordingRng::new("shuffle/teller-1");
    let (outputs, proof) = shuffle(&key, context.as_bytes(), &inputs, &mut srng).unwrap();
    let enc = |v: &[CiphertextVector]| -> Vec<String> {
        v.iter()
            .map(|x| h(x.iter().flat_map(|c| c.to_bytes()).collect::<Vec<u8>>()))
            .collect()
    };
    json!({
        "names": names,
        "input_nonces": rng.scalars_hex(),
        "inputs": enc(&inputs),
        "context": context,
        "seed": "shuffle/teller-1",
        "draws": srng.blocks.iter().map(h).collect::<Vec<_>>(),
        "outputs": enc(&outputs),
        "proof": h(proof.to_bytes()),
    })
}

/// Conduct protocol 4's shuffle (docs/E2E.md §9, §12): each write-in line a vector of w = 3
/// ciphertexts (its flag, exponential ElGamal of 0 or 1, then the name's two), under the
/// proof context the main crate binds (`e2e::book::shuffle_context`: election, contest,
/// teller 2, after one shuffle).
fn shuffle_lines_section(c: &Ceremony) -> Value {
    let key = dkg::joint_key(&c.params, &c.msgs).unwrap();
    let mut rng = RecordingRng::new("shuffle-lines/inputs");
    let lines = [(1u8, "李四"), (0, ""), (1, "王五")];
    let inputs: Vec<CiphertextVector> =
        lines
            .iter()
            .map(|(flag, n)| {
                let e = encode_name(n).unwrap();
                let flag_point = mul_g(&Scalar::from(u64::from(*flag)));
                let mut v = vec![Ciphertext::encrypt_point(
                    &key,
                    &flag_point,
                    &draw_scalar(&mut rng),
                )];
                v.extend((0..2).map(|k| {
                    Ciphertext::encrypt_point(&key, &e.elements[k], &draw_scalar(&mut rng))
                }));
                v
            })
            .collect();
    let context = scrutineer::e2e::book::shuffle_context(ELECTION_ID, "党委委员", 2, 1);
    let mut srng = RecordingRng::new("shuffle-lines/teller-2");
    let (outputs, proof) = shuffle(&key, &context, &inputs, &mut srng).unwrap();
    let enc = |v: &[CiphertextVector]| -> Vec<String> {
        v.iter()
            .map(|x| h(x.iter().flat_map(|c| c.to_bytes()).collect::<Vec<u8>>()))
            .collect()
    };
    json!({
        "lines": lines.iter().map(|(f, n)| json!({"flag": f, "name": n})).collect::<Vec<_>>(),
        "width": 3,
        "input_nonces": rng.scalars_hex(),
        "inputs": enc(&inputs),
        "context": h(&context),
        "seed": "shuffle-lines/teller-2",
        "draws": srng.blocks.iter().map(h).collect::<Vec<_>>(),
        "outputs": enc(&outputs),
        "proof": h(proof.to_bytes()),
    })
}

pub fn generate() -> Value {
    let key = election_key();
    let ceremony = dkg_section();
    json!({
        "version": "scrutineer.e2e/v1",
        "spec": "E2E.md",
        "encoding": "all byte strings are lowercase hex; scalars are 32-byte little-endian; points are 32-byte ristretto255 encodings",
        "nonce_derivation": "block_i = SHA-512(\"scrutineer.e2e/v1/test-nonce\" || seed (UTF-8) || u64be(i)), i = 0, 1, ...; every draw is one block; 'nonces' lists the drawn blocks reduced mod l, in draw order",
        "group": group_section(),
        "transcript": transcript_section(),
        "names": names_section(),
        "election_key": {
            "secret": h(election_secret().to_bytes()),
            "public": h(key.to_bytes()),
            "fingerprint": key.fingerprint(),
        },
        "ballots": ballots_section(&key),
        "dkg": ceremony.json.clone(),
        "decryption": decryption_section(&ceremony),
        "shuffle": shuffle_section(&ceremony),
        "shuffle_lines": shuffle_lines_section(&ceremony),
    })
}
