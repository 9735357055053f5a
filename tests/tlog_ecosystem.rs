//! Our RFC 6962 tree and C2SP signed notes beside the ecosystem's Rust port of Go's sumdb code
//! (Cloudflare's `tlog_tiles` and `signed_note`, issue 16 item 6): the same leaf and node
//! hashes, the same roots at every size, proofs each side accepts from the other, and notes
//! each side signs that the other verifies byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::SigningKey;
use scrutineer::record::merkle::{leaf_hash, node_hash, Tree};
use scrutineer::record::note::{self, Checkpoint, Note, Signer};
use signed_note::{StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::tlog;

/// A `tlog_tiles` hash store: every stored hash, in stored-hash-index order.
struct Store(Vec<tlog::Hash>);

impl tlog::HashReader for Store {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

fn h(x: &tlog::Hash) -> [u8; 32] {
    x.0
}

#[test]
fn the_same_tree_and_the_proofs_each_side_accepts() {
    let n = 70u64;
    let records: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
    let mut ours = Tree::new();
    let mut store = Store(Vec::new());
    for (i, r) in records.iter().enumerate() {
        assert_eq!(leaf_hash(r), h(&tlog::record_hash(r)));
        let add = tlog::stored_hashes(i as u64, r, &store).unwrap();
        store.0.extend(add);
        ours.push(leaf_hash(r));
    }
    let a = leaf_hash(b"a");
    let b = leaf_hash(b"b");
    assert_eq!(
        node_hash(&a, &b),
        h(&tlog::node_hash(tlog::Hash(a), tlog::Hash(b)))
    );
    for size in 1..=n {
        let root = ours.root_at(size).unwrap();
        assert_eq!(
            root,
            h(&tlog::tree_hash(size, &store).unwrap()),
            "size {size}"
        );
        for t in 0..size {
            let proof = ours.inclusion_proof(t, size).unwrap();
            let theirs = tlog::prove_record(size, t, &store).unwrap();
            assert_eq!(proof, theirs.iter().map(h).collect::<Vec<_>>());
            let p: Vec<tlog::Hash> = proof.iter().map(|x| tlog::Hash(*x)).collect();
            tlog::check_record(
                &p,
                size,
                tlog::Hash(root),
                t,
                tlog::Hash(ours.leaf(t).unwrap()),
            )
            .unwrap();
        }
        for old in 1..size {
            let proof = ours.consistency_proof(old, size).unwrap();
            let theirs = tlog::prove_tree(size, old, &store).unwrap();
            assert_eq!(
                proof,
                theirs.iter().map(h).collect::<Vec<_>>(),
                "{old}->{size}"
            );
            let p: Vec<tlog::Hash> = proof.iter().map(|x| tlog::Hash(*x)).collect();
            let old_root = ours.root_at(old).unwrap();
            tlog::check_tree(&p, size, tlog::Hash(root), old, tlog::Hash(old_root)).unwrap();
        }
    }
}

#[test]
fn checkpoints_signed_by_either_side_verify_on_the_other_byte_for_byte() {
    let signer = Signer::new("scrutineer/eco-2026", SigningKey::from_bytes(&[5u8; 32])).unwrap();
    let verifier = signer.verifier().unwrap();
    let cp = Checkpoint {
        origin: "scrutineer/eco-2026".into(),
        size: 42,
        root: [9u8; 32],
        extensions: vec![],
    };
    let mut ours = Note::new(cp.to_text().unwrap()).unwrap();
    ours.sign(&signer).unwrap();
    let encoded = ours.encode().unwrap();

    let theirs_verifier = StandardVerifier::new(&verifier.to_text()).unwrap();
    let list = VerifierList::new(vec![Box::new(theirs_verifier)]);
    let parsed = signed_note::Note::from_bytes(encoded.as_bytes()).unwrap();
    let (verified, unverified) = parsed.verify(&list).unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 0));

    let theirs_signer = StandardSigner::new(&signer.to_text()).unwrap();
    let mut theirs = signed_note::Note::new(cp.to_text().unwrap().as_bytes(), &[]).unwrap();
    theirs.add_sigs(&[&theirs_signer]).unwrap();
    assert_eq!(theirs.to_bytes(), encoded.as_bytes());
    let (_, names) = note::open(&theirs.to_bytes(), &[verifier]).unwrap();
    assert_eq!(names, vec!["scrutineer/eco-2026".to_string()]);

    // A changed byte is refused on both sides.
    let forged = encoded.replace("\n42\n", "\n43\n");
    assert!(signed_note::Note::from_bytes(forged.as_bytes())
        .unwrap()
        .verify(&list)
        .is_err());
    assert!(note::open(forged.as_bytes(), &[signer.verifier().unwrap()]).is_err());
}

/// The vectors of docs/LOG_FORMAT.md through the ecosystem's code: RFC 6962's reference
/// leaves give the documented 7-leaf root, and the documented checkpoint verifies under the
/// documented log key.
#[test]
fn the_log_format_vectors_hold_in_the_ecosystems_code() {
    let leaves: [&[u8]; 7] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
    ];
    let mut store = Store(Vec::new());
    for (i, r) in leaves.iter().enumerate() {
        let add = tlog::stored_hashes(i as u64, r, &store).unwrap();
        store.0.extend(add);
    }
    assert_eq!(
        hex::encode(tlog::tree_hash(7, &store).unwrap().0),
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"
    );
    let vkey = "scrutineer/example-2026+90b1e9c4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";
    let checkpoint = "scrutineer/example-2026\n1\nMlOqzQtfQNnAHkV/GNmjVWfD6GCiZxqMCsOg7+Jmgco=\n\n\u{2014} scrutineer/example-2026 kLHpxAfi/oS1UsEHwLXwIG2chpfErElkgGrpTEKFw3giwo89cfItMoMMCP1K1gIypHDVL0rQzrkZJdblHMbTz8bxeQY=\n";
    let list = VerifierList::new(vec![Box::new(StandardVerifier::new(vkey).unwrap())]);
    let (verified, _) = signed_note::Note::from_bytes(checkpoint.as_bytes())
        .unwrap()
        .verify(&list)
        .unwrap();
    assert_eq!(verified.len(), 1);
    // And ours, on the same bytes.
    let ours = scrutineer::record::note::Verifier::parse(vkey).unwrap();
    assert!(note::open(checkpoint.as_bytes(), &[ours]).is_ok());
}
