#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The test-vector file is a contract: the code must reproduce every byte of
//! it, accept every valid item and refuse every invalid variant with the
//! recorded error code.

#[path = "support/e2e_vectors_gen.rs"]
mod vectors_gen;

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use scrutineer::crypto::decrypt::{
    combine_decryption_shares, verify_decryption_share, DecryptionShare, DlogTable,
};
use scrutineer::crypto::dkg::{self, Complaint, DkgParams, Round1Message};
use scrutineer::crypto::group::{scalar_from_bytes, Element};
use scrutineer::crypto::names::{decode_name, encode_name};
use scrutineer::crypto::shuffle::{verify_shuffle, CiphertextVector, ShuffleProof};
use scrutineer::crypto::*;
use serde_json::Value;
use vectors_gen::*;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/e2e-vectors/e2e-v1.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn file_is_reproduced_exactly() {
    let file = load();
    let generated = generate();
    for section in [
        "group",
        "transcript",
        "names",
        "election_key",
        "ballots",
        "dkg",
        "decryption",
        "shuffle",
        "shuffle_lines",
    ] {
        assert_eq!(
            file[section], generated[section],
            "section {section} differs from the code's output"
        );
    }
    assert_eq!(file, generated);
}

#[test]
fn group_and_names() {
    let v = load();
    for r in v["group"]["rejected_point_encodings"].as_array().unwrap() {
        let err = Element::from_bytes(&unhex(&r["encoding"]), "p").unwrap_err();
        assert_eq!(err.code(), r["expected_error"].as_str().unwrap());
    }
    for r in v["group"]["rejected_scalar_encodings"].as_array().unwrap() {
        assert_eq!(
            scalar_from_bytes(&unhex(&r["encoding"]), "s")
                .unwrap_err()
                .code(),
            "bad_encoding"
        );
    }
    for n in v["names"].as_array().unwrap() {
        let name = n["name"].as_str().unwrap();
        let pts: Vec<_> = n["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                CompressedRistretto(unhex(e).try_into().unwrap())
                    .decompress()
                    .unwrap()
            })
            .collect();
        assert_eq!(decode_name(&[pts[0], pts[1]]).unwrap(), name);
        assert_eq!(encode_name(name).unwrap().elements, [pts[0], pts[1]]);
    }
}

#[test]
fn ballots_verify_open_and_invalid_variants_fail() {
    let v = load();
    let key = ElectionKey::from_bytes(&unhex(&v["election_key"]["public"])).unwrap();
    let mut invalid_count = 0;
    for b in v["ballots"].as_array().unwrap() {
        let shape = shape_from_json(&b["shape"]);
        assert_eq!(shape.to_bytes(), unhex(&b["shape_bytes"]));
        let ctx = context_from_json(&b["context"]);
        let bytes = unhex(&b["encrypted"]);
        assert_eq!(bytes.len(), b["encrypted_len"].as_u64().unwrap() as usize);
        let ballot = verify_contest_bytes(&key, &shape, &ctx, &bytes).unwrap();
        assert_eq!(ballot.to_bytes(), bytes);
        let opening = Opening::from_bytes(&shape, &unhex(&b["opening"])).unwrap();
        // The opening nonces are the first nonces drawn.
        let nonces = b["nonces"].as_array().unwrap();
        for (n, o) in nonces.iter().zip(opening.nonces()) {
            assert_eq!(unhex(n), o.to_bytes());
        }
        let opened = open_contest(&key, &shape, &ctx, &ballot, &opening).unwrap();
        assert_eq!(opened, plaintext_from_json(&b["encrypted_plaintext"]));
        if let Some(inv) = b.get("invalid") {
            for i in inv.as_array().unwrap() {
                let ictx = context_from_json(&i["context"]);
                let err = verify_contest_bytes(&key, &shape, &ictx, &unhex(&i["encrypted"]))
                    .expect_err(i["description"].as_str().unwrap());
                assert_eq!(
                    err.code(),
                    i["expected_error"].as_str().unwrap(),
                    "{}",
                    i["description"]
                );
                invalid_count += 1;
            }
        }
    }
    assert!(invalid_count >= 20);
}

#[test]
fn dkg_decryption_and_shuffle() {
    let v = load();
    let d = &v["dkg"];
    let eid = d["election_id"].as_str().unwrap();
    let params = DkgParams::new(
        d["tellers"].as_u64().unwrap() as u32,
        d["threshold"].as_u64().unwrap() as u32,
    )
    .unwrap();
    let msgs: Vec<Round1Message> = d["round1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| Round1Message::from_bytes(&params, &unhex(&m["message"])).unwrap())
        .collect();
    dkg::verify_round1_all(eid, &params, &msgs).unwrap();
    let key = dkg::joint_key(&params, &msgs).unwrap();
    assert_eq!(key.to_bytes().to_vec(), unhex(&d["joint_key"]));
    assert_eq!(key.fingerprint(), d["fingerprint"].as_str().unwrap());
    for ks in d["key_shares"].as_array().unwrap() {
        let i = ks["index"].as_u64().unwrap() as u32;
        let vk = dkg::verification_key(&params, &msgs, i).unwrap();
        assert_eq!(vk.to_bytes().to_vec(), unhex(&ks["verification_key"]));
        dkg::KeyShare::from_secret(i, &unhex(&ks["secret"]), &vk).unwrap();
    }
    let complaint = Complaint::from_bytes(&unhex(&d["complaint"]["complaint"])).unwrap();
    let verdict = dkg::verify_complaint(eid, &params, &msgs, &complaint).unwrap();
    assert_eq!(verdict.code(), d["complaint"]["verdict"].as_str().unwrap());

    let vks: Vec<Element> = (1..=params.tellers)
        .map(|i| dkg::verification_key(&params, &msgs, i).unwrap())
        .collect();
    let x = &v["decryption"]["exponential"];
    let ct = Ciphertext::from_bytes(&unhex(&x["ciphertext"]), "ct").unwrap();
    let shares: Vec<DecryptionShare> = x["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| DecryptionShare::from_bytes(&unhex(s)).unwrap())
        .collect();
    for s in &shares {
        verify_decryption_share(eid, &vks[s.index as usize - 1], &ct, s).unwrap();
    }
    let subset: Vec<DecryptionShare> = [0, 2, 4].iter().map(|i| shares[*i]).collect();
    let m = combine_decryption_shares(&params, &ct, &subset).unwrap();
    assert_eq!(
        m.compress().to_bytes().to_vec(),
        unhex(&x["combined_point"])
    );
    assert_eq!(
        DlogTable::new(1000).solve(&m).unwrap(),
        x["value"].as_u64().unwrap()
    );
    let mut bad = shares[1];
    bad.proof.z += Scalar::ONE;
    assert_eq!(
        verify_decryption_share(eid, &vks[1], &ct, &bad)
            .unwrap_err()
            .code(),
        "proof_invalid"
    );

    let s = &v["shuffle"];
    let parse = |a: &Value| -> Vec<CiphertextVector> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let b = unhex(x);
                vec![
                    Ciphertext::from_bytes(&b[..64], "c").unwrap(),
                    Ciphertext::from_bytes(&b[64..], "c").unwrap(),
                ]
            })
            .collect()
    };
    let inputs = parse(&s["inputs"]);
    let outputs = parse(&s["outputs"]);
    let proof = ShuffleProof::from_bytes(inputs.len(), 2, &unhex(&s["proof"])).unwrap();
    let context = s["context"].as_str().unwrap().as_bytes();
    verify_shuffle(&key, context, &inputs, &outputs, &proof).unwrap();
    let mut swapped = outputs.clone();
    swapped.swap(0, 1);
    assert_eq!(
        verify_shuffle(&key, context, &inputs, &swapped, &proof)
            .unwrap_err()
            .code(),
        "proof_invalid"
    );

    // Protocol 4's lines, three ciphertexts each, under the main crate's context bytes.
    let s = &v["shuffle_lines"];
    let parse3 = |a: &Value| -> Vec<CiphertextVector> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let b = unhex(x);
                assert_eq!(b.len(), 192);
                (0..3)
                    .map(|k| Ciphertext::from_bytes(&b[64 * k..64 * (k + 1)], "c").unwrap())
                    .collect()
            })
            .collect()
    };
    let inputs = parse3(&s["inputs"]);
    let outputs = parse3(&s["outputs"]);
    let proof = ShuffleProof::from_bytes(inputs.len(), 3, &unhex(&s["proof"])).unwrap();
    let context = unhex(&s["context"]);
    assert_eq!(
        context,
        scrutineer::e2e::book::shuffle_context(vectors_gen::ELECTION_ID, "党委委员", 2, 1)
    );
    verify_shuffle(&key, &context, &inputs, &outputs, &proof).unwrap();
    // Another teller's or position's context, a changed flag, outputs reordered: refused.
    let other = scrutineer::e2e::book::shuffle_context(vectors_gen::ELECTION_ID, "党委委员", 2, 0);
    let mut reordered = outputs.clone();
    reordered.swap(0, 2);
    let mut flag_swapped = outputs.clone();
    let (a, b) = (flag_swapped[0][0], flag_swapped[1][0]);
    flag_swapped[0][0] = b;
    flag_swapped[1][0] = a;
    for (ctx, outs) in [
        (&other, &outputs),
        (&context, &reordered),
        (&context, &flag_swapped),
    ] {
        assert_eq!(
            verify_shuffle(&key, ctx, &inputs, outs, &proof)
                .unwrap_err()
                .code(),
            "proof_invalid"
        );
    }
}

/// Rewrites the vector file from the code (run on purpose, after a reviewed change of the
/// protocol: `SCRUTINEER_WRITE_VECTORS=1 cargo test --test e2e_vectors write -- --ignored`).
#[test]
#[ignore]
fn write() {
    if std::env::var("SCRUTINEER_WRITE_VECTORS").is_err() {
        return;
    }
    let mut s = serde_json::to_string_pretty(&generate()).unwrap();
    s.push('\n');
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/e2e-vectors/e2e-v1.json"),
        s,
    )
    .unwrap();
}
