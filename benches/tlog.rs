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

use scrutineer::record::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash, Tree};
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
    rate_vs(name, n, base.map(|b| (b, "ours")), f)
}

fn rate_vs(name: &str, n: usize, base: Option<(f64, &str)>, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    f();
    let r = n as f64 / t.elapsed().as_secs_f64();
    match base {
        Some((b, what)) => println!("{name:<52} {r:>12.0}/s  {:.2} × {what}", r / b),
        None => println!("{name:<52} {r:>12.0}/s"),
    }
    r
}

/// `tlog_tiles`' provers reading our [`Tree`]'s stored levels instead of their own flat
/// storage: the adapter commit 312abf5 put into `record::merkle` (and took out again, because
/// this path measured slower than our own provers). `tlog_tiles` numbers stored hashes densely
/// (`tlog::stored_hash_index`); record `n`'s leaf is at `2n - popcount(n)`, followed by the
/// subtrees it completes, one level higher each.
struct Levels<'a>(&'a Tree);

fn split_stored_hash_index(stored: u64) -> (usize, usize) {
    let leaf_position = |n: u64| n.saturating_mul(2) - u64::from(n.count_ones());
    let mut record = stored / 2;
    while leaf_position(record + 1) <= stored {
        record += 1;
    }
    let level = stored - leaf_position(record);
    (level as usize, (record >> level) as usize)
}

impl tlog::HashReader for Levels<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        let levels = self.0.levels();
        Ok(indexes
            .iter()
            .map(|&i| {
                let (level, index) = split_stored_hash_index(i);
                tlog::Hash(levels[level][index])
            })
            .collect())
    }
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
    let hand = "ours";
    let proofs = rate(
        "ours: Tree::inclusion_proof (20,000)",
        idx.len(),
        None,
        &mut || {
            for &t in &idx {
                sink ^= ours.inclusion_proof(t, size).unwrap()[0][0];
            }
        },
    );
    let levels = Levels(&ours);
    rate_vs(
        "tlog_tiles: prove_record over our levels (20,000)",
        idx.len(),
        Some((proofs, hand)),
        &mut || {
            for &t in &idx {
                sink ^= tlog::prove_record(size, t, &levels).unwrap()[0].0[0];
            }
        },
    );
    rate_vs(
        "tlog_tiles: prove_record, own storage (20,000)",
        idx.len(),
        Some((proofs, hand)),
        &mut || {
            for &t in &idx {
                sink ^= tlog::prove_record(size, t, &store).unwrap()[0].0[0];
            }
        },
    );
    let pairs: Vec<(u64, u64)> = idx
        .iter()
        .map(|&i| (i / 2 + 1, size - (i % 1000)))
        .filter(|&(a, b)| a < b)
        .collect();
    let consistency = rate(
        "ours: Tree::consistency_proof (pairs)",
        pairs.len(),
        None,
        &mut || {
            for &(a, b) in &pairs {
                sink ^= ours.consistency_proof(a, b).unwrap()[0][0];
            }
        },
    );
    rate_vs(
        "tlog_tiles: prove_tree over our levels (pairs)",
        pairs.len(),
        Some((consistency, hand)),
        &mut || {
            for &(a, b) in &pairs {
                sink ^= tlog::prove_tree(b, a, &levels).unwrap()[0].0[0];
            }
        },
    );
    rate_vs(
        "tlog_tiles: prove_tree, own storage (pairs)",
        pairs.len(),
        Some((consistency, hand)),
        &mut || {
            for &(a, b) in &pairs {
                sink ^= tlog::prove_tree(b, a, &store).unwrap()[0].0[0];
            }
        },
    );

    // The checks, on proofs made once beforehand.
    let root = ours.root();
    let with_proofs: Vec<(u64, Hash, Vec<Hash>)> = idx
        .iter()
        .map(|&t| {
            let leaf = ours.leaf(t).unwrap();
            (t, leaf, ours.inclusion_proof(t, size).unwrap())
        })
        .collect();
    let checked = rate(
        "ours: verify_inclusion (20,000)",
        with_proofs.len(),
        None,
        &mut || {
            for (t, leaf, proof) in &with_proofs {
                verify_inclusion(leaf, *t, size, proof, &root).unwrap();
            }
        },
    );
    let theirs: Vec<(u64, tlog::Hash, Vec<tlog::Hash>)> = with_proofs
        .iter()
        .map(|(t, leaf, proof)| {
            (
                *t,
                tlog::Hash(*leaf),
                proof.iter().map(|h| tlog::Hash(*h)).collect(),
            )
        })
        .collect();
    rate(
        "tlog_tiles: check_record (20,000)",
        theirs.len(),
        Some(checked),
        &mut || {
            for (t, leaf, proof) in &theirs {
                tlog::check_record(proof, size, tlog::Hash(root), *t, *leaf).unwrap();
            }
        },
    );
    let tree_proofs: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = pairs
        .iter()
        .map(|&(a, b)| {
            let (ra, rb) = (ours.root_at(a).unwrap(), ours.root_at(b).unwrap());
            (a, b, ra, rb, ours.consistency_proof(a, b).unwrap())
        })
        .collect();
    let tree_checked = rate(
        "ours: verify_consistency (pairs)",
        tree_proofs.len(),
        None,
        &mut || {
            for (a, b, ra, rb, proof) in &tree_proofs {
                verify_consistency(*a, *b, ra, rb, proof).unwrap();
            }
        },
    );
    let theirs: Vec<(u64, u64, tlog::Hash, tlog::Hash, Vec<tlog::Hash>)> = tree_proofs
        .iter()
        .map(|(a, b, ra, rb, proof)| {
            (
                *a,
                *b,
                tlog::Hash(*ra),
                tlog::Hash(*rb),
                proof.iter().map(|h| tlog::Hash(*h)).collect(),
            )
        })
        .collect();
    rate(
        "tlog_tiles: check_tree (pairs)",
        theirs.len(),
        Some(tree_checked),
        &mut || {
            for (a, b, ra, rb, proof) in &theirs {
                tlog::check_tree(proof, *b, *rb, *a, *ra).unwrap();
            }
        },
    );
    println!("  ({} consistency pairs)", pairs.len());

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
