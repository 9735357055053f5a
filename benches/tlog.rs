//! Our RFC 6962 tree and C2SP notes (`record::merkle`, `record::note`) beside Cloudflare's
//! `tlog_tiles` and `signed_note` (issue 16 item 6), on the same inputs in one run.
//! `tests/tlog_ecosystem.rs` shows they agree byte for byte; this measures the speed.
//!
//!     cargo bench --bench tlog
//!     SCRUTINEER_BENCH_TLOG=1000000 cargo bench --bench tlog
//!
//! Baseline: SHA-256 of the same 64-byte records, one per record (the least a tree can do).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use scrutineer::record::merkle::{leaf_hash, Tree};
use scrutineer::record::note::{self, Checkpoint, Note, Signer};
use signed_note::{StandardVerifier, VerifierList};
use tlog_tiles::tlog;

struct Store(Vec<tlog::Hash>);

impl tlog::HashReader for Store {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

fn rate(name: &str, n: usize, base: Option<f64>, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    f();
    let r = n as f64 / t.elapsed().as_secs_f64();
    match base {
        Some(b) => println!("{name:<44} {r:>12.0}/s  {:.2} × ours", r / b),
        None => println!("{name:<44} {r:>12.0}/s"),
    }
    r
}

fn main() {
    let n: usize = std::env::var("SCRUTINEER_BENCH_TLOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let records: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut r = vec![0u8; 64];
            r[..8].copy_from_slice(&(i as u64).to_le_bytes());
            r
        })
        .collect();
    println!("{n} records of 64 bytes");
    let mut sink = 0u8;
    let sha = rate("baseline: SHA-256 per record", n, None, &mut || {
        for r in &records {
            sink ^= Sha256::digest(r)[0];
        }
    });

    let mut ours = Tree::new();
    let appended = rate("ours: Tree::push", n, None, &mut || {
        for r in &records {
            ours.push(leaf_hash(r));
        }
    });
    let mut store = Store(Vec::new());
    rate("tlog_tiles: stored_hashes", n, Some(appended), &mut || {
        for (i, r) in records.iter().enumerate() {
            let add = tlog::stored_hashes(i as u64, r, &store).unwrap();
            store.0.extend(add);
        }
    });
    println!(
        "  (ours appends at {:.2} × the SHA-256 baseline)",
        appended / sha
    );

    let sizes: Vec<u64> = (0..2000).map(|i| (n as u64 / 2000) * (i + 1)).collect();
    let roots = rate(
        "ours: root_at (2,000 sizes)",
        sizes.len(),
        None,
        &mut || {
            for &s in &sizes {
                sink ^= ours.root_at(s).unwrap()[0];
            }
        },
    );
    rate(
        "tlog_tiles: tree_hash (2,000 sizes)",
        sizes.len(),
        Some(roots),
        &mut || {
            for &s in &sizes {
                sink ^= tlog::tree_hash(s, &store).unwrap().0[0];
            }
        },
    );
    let idx: Vec<u64> = (0..20_000u64).map(|i| (i * 7919) % n as u64).collect();
    let size = n as u64;
    let proofs = rate(
        "ours: inclusion_proof (20,000)",
        idx.len(),
        None,
        &mut || {
            for &t in &idx {
                sink ^= ours.inclusion_proof(t, size).unwrap()[0][0];
            }
        },
    );
    rate(
        "tlog_tiles: prove_record (20,000)",
        idx.len(),
        Some(proofs),
        &mut || {
            for &t in &idx {
                sink ^= tlog::prove_record(size, t, &store).unwrap()[0].0[0];
            }
        },
    );

    let signer = Signer::new("scrutineer/bench", SigningKey::from_bytes(&[3u8; 32])).unwrap();
    let verifier = signer.verifier().unwrap();
    let notes: Vec<String> = (0..5000u64)
        .map(|i| {
            let cp = Checkpoint {
                origin: "scrutineer/bench".into(),
                size: i + 1,
                root: [i as u8; 32],
                extensions: vec![],
            };
            let mut note = Note::new(cp.to_text().unwrap()).unwrap();
            note.sign(&signer).unwrap();
            note.encode().unwrap()
        })
        .collect();
    let opened = rate(
        "ours: note::open (5,000 checkpoints)",
        notes.len(),
        None,
        &mut || {
            for m in &notes {
                sink ^= note::open(m.as_bytes(), std::slice::from_ref(&verifier))
                    .unwrap()
                    .1
                    .len() as u8;
            }
        },
    );
    let list = VerifierList::new(vec![Box::new(
        StandardVerifier::new(&verifier.to_text()).unwrap(),
    )]);
    rate(
        "signed_note: from_bytes + verify (5,000)",
        notes.len(),
        Some(opened),
        &mut || {
            for m in &notes {
                let parsed = signed_note::Note::from_bytes(m.as_bytes()).unwrap();
                sink ^= parsed.verify(&list).unwrap().0.len() as u8;
            }
        },
    );
    println!("(sink {sink})");
}
