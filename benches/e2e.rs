//! End-to-end encrypted ballots, measured beside their baselines in the same run: the size
//! of one encrypted ballot; encryption with proofs (the Rust reference; the browser figure
//! comes from `node tests/e2e_js/bench.mjs`); server verification of one ballot, single and
//! batched (random linear combinations into one multiscalar multiplication); the key
//! ceremony; a teller's shuffle of 1,000 write-in lines (with their flags, and names alone) and its verification; threshold
//! decryption (3 of 5) of the county's 403 contests. Ratios are against ristretto255
//! variable-base scalar multiplication and a 64-point multiscalar multiplication, measured
//! before and after (the machines are shared and noisy: read the ratios).
//!
//!     cargo bench --bench e2e
//!     SCRUTINEER_BENCH_E2E_RUNS=200 SCRUTINEER_BENCH_E2E_CONTESTS=403 cargo bench --bench e2e
//!
//! Knobs: `SCRUTINEER_BENCH_E2E_RUNS` [100] ballots per shape; `SCRUTINEER_BENCH_E2E_NAMES`
//! [1000] write-in names shuffled; `SCRUTINEER_BENCH_E2E_CONTESTS` [403] contests decrypted
//! (each with `SCRUTINEER_BENCH_E2E_BALLOTS_PER_CONTEST` [5] real ballots summed; decryption
//! does not depend on how many ballots a sum holds, except the discrete-log table, which is
//! sized for 600 ballots, the county's mean per constituency).
//!
//! Peak memory (VmHWM of this process) is printed at the end. Results also go to
//! `target/e2e-results.md`.

// A benchmark stops at the first broken expectation, with its message.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::time::Instant;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand_core::RngCore;

use scrutineer::crypto::ballot::{
    aggregate, encrypt_contest, verify_contest, verify_contests_batch, BatchItem,
};
use scrutineer::crypto::decrypt::{
    combine_decryption_shares, decryption_share, verify_decryption_share, Combiner, DlogTable,
};
use scrutineer::crypto::dkg::{
    combine_shares, encrypt_shares, joint_key, receive_share, round1, verify_round1_all, DkgParams,
    EncryptedShare, KeyShare, ShareCheck,
};
use scrutineer::crypto::shuffle::{shuffle, verify_shuffle};
use scrutineer::crypto::{
    CandidatePlaintext, Ciphertext, ContestPlaintext, ContestShape, ContextInputs, ElectionKey,
    EncryptedContest, Mark, SystemRng,
};

const ELECTION: &str = "bench-e2e-2026";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct Baselines {
    /// Variable-base scalar multiplications per second.
    mul: f64,
    /// 64-point vartime multiscalar multiplications per second.
    msm64: f64,
}

fn baselines() -> Baselines {
    let mut rng = SystemRng;
    let mut wide = [0u8; 64];
    let mut scalar = || {
        rng.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    };
    let points: Vec<RistrettoPoint> = (0..64)
        .map(|_| RistrettoPoint::mul_base(&scalar()))
        .collect();
    let scalars: Vec<Scalar> = (0..64).map(|_| scalar()).collect();
    let n = 4000;
    let t = Instant::now();
    let mut acc = RistrettoPoint::default();
    for i in 0..n {
        acc += points[i % 64] * scalars[(i * 7) % 64];
    }
    let mul = n as f64 / t.elapsed().as_secs_f64();
    let m = 400;
    let t = Instant::now();
    for _ in 0..m {
        acc += RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    }
    let msm64 = m as f64 / t.elapsed().as_secs_f64();
    std::hint::black_box(acc);
    Baselines { mul, msm64 }
}

fn ctx(serial: u64) -> ContextInputs<'static> {
    let mut s = [0u8; 16];
    s[..8].copy_from_slice(&serial.to_be_bytes());
    ContextInputs {
        election_id: ELECTION,
        contest_id: "c",
        group_id: "",
        token_serial: s,
    }
}

/// A plausible ballot: `fors` marks in favour, one against, a write-in when there are lines
/// (and an against for it, as party ballots need).
fn plaintext(shape: &ContestShape, i: usize) -> ContestPlaintext {
    let ContestShape::Candidate(s) = shape else {
        unreachable!("candidate shapes only")
    };
    let n = s.candidates as usize;
    let mut marks = vec![Mark::Abstain; n];
    let write = s.write_in_lines > 0 && i.is_multiple_of(3);
    let fors = (s.max_marks as usize)
        .saturating_sub(usize::from(write))
        .min(n.saturating_sub(1));
    for (j, m) in marks.iter_mut().enumerate().take(fors) {
        *m = if (i + j) % 5 == 4 {
            Mark::Abstain
        } else {
            Mark::For
        };
    }
    if s.against {
        if let Some(m) = marks.last_mut() {
            *m = Mark::Against;
        }
    }
    let mut write_ins = vec![None; s.write_in_lines as usize];
    if write {
        if let Some(w) = write_ins.first_mut() {
            *w = Some(format!("另选人{i}"));
        }
    }
    ContestPlaintext::Candidate(CandidatePlaintext {
        marks,
        write_ins,
        void: false,
    })
}

fn ms(secs: f64) -> String {
    format!("{:.3} ms", secs * 1e3)
}

fn main() {
    let runs = env("SCRUTINEER_BENCH_E2E_RUNS", 100).max(2);
    let names = env("SCRUTINEER_BENCH_E2E_NAMES", 1000).max(2);
    let contests = env("SCRUTINEER_BENCH_E2E_CONTESTS", 403).max(1);
    let per_contest = env("SCRUTINEER_BENCH_E2E_BALLOTS_PER_CONTEST", 5).max(1);
    let mut rng = SystemRng;
    let mut out: Vec<String> = Vec::new();
    let mut row = |s: String| {
        println!("{s}");
        out.push(s);
    };
    row("| measure | value | ratio to its baseline |".into());
    row("|---|---|---|".into());
    let b0 = baselines();
    row(format!(
        "| baseline: ristretto255 scalar multiplication (variable base) | {:.0} /s ({}) | |",
        b0.mul,
        ms(1.0 / b0.mul)
    ));
    row(format!(
        "| baseline: 64-point multiscalar multiplication (vartime) | {:.0} /s ({}) | |",
        b0.msm64,
        ms(1.0 / b0.msm64)
    ));

    // The key ceremony, 3 of 5, all in one process (each teller's work is what it computes).
    let params = DkgParams::new(5, 3).expect("params");
    let t = Instant::now();
    let mut secrets = Vec::new();
    let mut msgs = Vec::new();
    for i in 1..=5 {
        let (s, m) = round1(ELECTION, &params, i, &mut rng).expect("round 1");
        secrets.push(s);
        msgs.push(m);
    }
    verify_round1_all(ELECTION, &params, &msgs).expect("round 1 proofs");
    let mut inbox: Vec<Vec<EncryptedShare>> = vec![Vec::new(); 5];
    for s in &secrets {
        for sh in encrypt_shares(ELECTION, &params, s, &msgs, &mut rng).expect("shares") {
            inbox[sh.to as usize - 1].push(sh);
        }
    }
    let mut shares: Vec<KeyShare> = Vec::new();
    for s in &secrets {
        let mut got = Vec::new();
        for sh in &inbox[s.index() as usize - 1] {
            match receive_share(ELECTION, &params, s, &msgs, sh, &mut rng).expect("receive") {
                ShareCheck::Valid(r) => got.push(r),
                ShareCheck::Invalid(_) => panic!("an honest share was refused"),
            }
        }
        shares.push(combine_shares(&params, s, &msgs, &got).expect("combine"));
    }
    let key: ElectionKey = joint_key(&params, &msgs).expect("joint key");
    let ceremony = t.elapsed().as_secs_f64();
    row(format!(
        "| key ceremony, 5 tellers, threshold 3 (every teller's work, one core) | {} | {:.0} × scalar multiplication |",
        ms(ceremony),
        ceremony * b0.mul
    ));

    // Ballots: size, encryption, verification single and batched.
    let shapes = [
        (
            "party committee, 9 candidates, 7 seats, 3 write-in lines",
            ContestShape::party(9, 7, 3),
        ),
        (
            "npc constituency, 3 candidates, 1 seat, 1 write-in line",
            ContestShape::npc(3, 1, true, 1),
        ),
        (
            "npc constituency, 3 candidates, 2 seats, 2 write-in lines",
            ContestShape::npc(3, 2, true, 2),
        ),
    ];
    for (label, shape) in &shapes {
        let t = Instant::now();
        let ballots: Vec<_> = (0..runs)
            .map(|i| {
                encrypt_contest(&key, shape, &ctx(i as u64), &plaintext(shape, i), &mut rng)
                    .expect("encrypt")
                    .0
            })
            .collect();
        let enc = t.elapsed().as_secs_f64() / runs as f64;
        let size = ballots[0].to_bytes().len();
        // The server receives bytes: decoding (every point decompressed) is part of its work.
        let wire: Vec<Vec<u8>> = ballots.iter().map(|b| b.to_bytes()).collect();
        let t = Instant::now();
        for (i, w) in wire.iter().enumerate() {
            let b = EncryptedContest::from_bytes(shape, w).expect("decode");
            verify_contest(&key, shape, &ctx(i as u64), &b).expect("verify");
        }
        let single = t.elapsed().as_secs_f64() / runs as f64;
        let contexts: Vec<ContextInputs<'static>> = (0..runs).map(|i| ctx(i as u64)).collect();
        let t = Instant::now();
        let ballots: Vec<EncryptedContest> = wire
            .iter()
            .map(|w| EncryptedContest::from_bytes(shape, w).expect("decode"))
            .collect();
        for (chunk, cs) in ballots.chunks(64).zip(contexts.chunks(64)) {
            let items: Vec<BatchItem<'_>> = chunk
                .iter()
                .zip(cs)
                .map(|(b, c)| BatchItem {
                    shape,
                    context: *c,
                    ballot: b,
                })
                .collect();
            verify_contests_batch(&key, &items, &mut rng).expect("batch");
        }
        let batched = t.elapsed().as_secs_f64() / runs as f64;
        row(format!("| {label}: encrypted size | {size} bytes | |"));
        row(format!(
            "| {label}: encryption with proofs (Rust, one core) | {} | {:.0} × scalar multiplication |",
            ms(enc),
            enc * b0.mul
        ));
        row(format!(
            "| {label}: decoding and verification, one ballot | {} | {:.0} × scalar multiplication |",
            ms(single),
            single * b0.mul
        ));
        row(format!(
            "| {label}: decoding and verification, batched 64 per batch (per ballot) | {} | {:.0} × scalar multiplication; {:.2} × one alone |",
            ms(batched),
            batched * b0.mul,
            batched / single
        ));
    }

    // A teller's shuffle of the write-in lines: protocol 4 shuffles each line's flag with its
    // name (3 ciphertexts, docs/E2E.md §9), protocol 2 and 3 the name alone (2); both are
    // measured in the same run, and the first is given as a ratio of the second.
    let mut seconds = Vec::new();
    for width in [3usize, 2] {
        let inputs: Vec<Vec<Ciphertext>> = (0..names)
            .map(|_| {
                (0..width)
                    .map(|_| {
                        let mut w = [0u8; 64];
                        rng.fill_bytes(&mut w);
                        let m = RistrettoPoint::mul_base(&Scalar::from_bytes_mod_order_wide(&w));
                        rng.fill_bytes(&mut w);
                        Ciphertext::encrypt_point(&key, &m, &Scalar::from_bytes_mod_order_wide(&w))
                    })
                    .collect()
            })
            .collect();
        let context = b"bench shuffle context";
        let t = Instant::now();
        let (outputs, proof) = shuffle(&key, context, &inputs, &mut rng).expect("shuffle");
        let prove = t.elapsed().as_secs_f64();
        let t = Instant::now();
        verify_shuffle(&key, context, &inputs, &outputs, &proof).expect("verify shuffle");
        let check = t.elapsed().as_secs_f64();
        seconds.push((prove, check));
        let what = if width == 3 {
            "write-in lines (flag and name, protocol 4)"
        } else {
            "write-in names (protocol 2 and 3)"
        };
        let ratio = |i: usize| match seconds.first() {
            Some(first) if width == 2 => {
                let (a, b) = if i == 0 {
                    (first.0, prove)
                } else {
                    (first.1, check)
                };
                format!("; width 3 took {:.2} × this", a / b)
            }
            _ => String::new(),
        };
        row(format!(
            "| shuffle of {names} {what} (a teller's re-encryption and proof) | {} | {:.0} × scalar multiplication{} |",
            ms(prove),
            prove * b0.mul,
            ratio(0)
        ));
        row(format!(
            "| verification of that shuffle | {} | {:.0} × scalar multiplication{} |",
            ms(check),
            check * b0.mul,
            ratio(1)
        ));
        row(format!(
            "| shuffle proof size for {names} vectors of {width} | {} bytes (+ {} bytes of output) | |",
            proof.to_bytes().len(),
            names * width * 64
        ));
    }

    // Threshold decryption of the county: per contest (npc, 3 candidates, 2 seats) the sum of
    // real ballots; three tellers give shares with proofs; the service checks each share,
    // combines three and solves the discrete log.
    let shape = ContestShape::npc(3, 2, true, 2);
    let sums: Vec<Vec<Ciphertext>> = (0..contests)
        .map(|c| {
            let ballots: Vec<_> = (0..per_contest)
                .map(|i| {
                    encrypt_contest(
                        &key,
                        &shape,
                        &ctx((c * per_contest + i) as u64),
                        &plaintext(&shape, i),
                        &mut rng,
                    )
                    .expect("encrypt")
                    .0
                })
                .collect();
            aggregate(&shape, &ballots.iter().collect::<Vec<_>>()).expect("aggregate")
        })
        .collect();
    let tellers = [&shares[0], &shares[2], &shares[4]];
    let t = Instant::now();
    let given: Vec<Vec<Vec<_>>> = tellers
        .iter()
        .map(|s| {
            sums.iter()
                .map(|cts| {
                    cts.iter()
                        .map(|ct| decryption_share(ELECTION, s, ct, &mut rng))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect();
    let make = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (s, per) in tellers.iter().zip(&given) {
        for (cts, ds) in sums.iter().zip(per) {
            for (ct, d) in cts.iter().zip(ds) {
                verify_decryption_share(ELECTION, s.verification_key(), ct, d).expect("share");
            }
        }
    }
    let check = t.elapsed().as_secs_f64();
    // The combination as the book makes it: one set of Lagrange weights for the three
    // tellers (`Combiner`), then, in the same run, with the weights computed again for
    // every ciphertext (`combine_decryption_shares`, as before 2026-12-03).
    let t = Instant::now();
    let table = DlogTable::new(600);
    let set: Vec<u32> = tellers.iter().map(|s| s.index()).collect();
    let combiner = Combiner::new(&params, &set).expect("combiner");
    let mut total = 0u64;
    for (c, cts) in sums.iter().enumerate() {
        for (j, ct) in cts.iter().enumerate() {
            let ds: Vec<_> = given.iter().map(|per| per[c][j]).collect();
            let m = combiner.combine(ct, &ds).expect("combine");
            total += table.solve(&m).expect("dlog");
        }
    }
    let combine = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut again = 0u64;
    for (c, cts) in sums.iter().enumerate() {
        for (j, ct) in cts.iter().enumerate() {
            let ds: Vec<_> = given.iter().map(|per| per[c][j]).collect();
            let m = combine_decryption_shares(&params, ct, &ds).expect("combine");
            again += table.solve(&m).expect("dlog");
        }
    }
    let combine_each = t.elapsed().as_secs_f64();
    assert_eq!(total, again);
    std::hint::black_box(total);
    let per = sums[0].len();
    row(format!(
        "| threshold decryption, {contests} contests × {per} totals: 3 tellers' shares with proofs (all three, one core) | {} | {:.0} × scalar multiplication |",
        ms(make),
        make * b0.mul
    ));
    row(format!(
        "| … the service checks every share | {} | {:.0} × scalar multiplication |",
        ms(check),
        check * b0.mul
    ));
    row(format!(
        "| … combines 3 shares and solves the discrete log (table for 600 ballots) | {} | {:.0} × scalar multiplication |",
        ms(combine),
        combine * b0.mul
    ));
    row(format!(
        "| … the same with the weights computed for every ciphertext | {} | {:.0} × scalar multiplication; the weights once are {:.2} × this |",
        ms(combine_each),
        combine_each * b0.mul,
        combine / combine_each
    ));
    row(format!(
        "| … all of it | {} | |",
        ms(make + check + combine)
    ));

    let b1 = baselines();
    row(format!(
        "| baseline again at the end: scalar multiplication | {:.0} /s ({:+.0}% against the start) | |",
        b1.mul,
        (b1.mul / b0.mul - 1.0) * 100.0
    ));
    row(format!(
        "| baseline again at the end: 64-point multiscalar multiplication | {:.0} /s ({:+.0}%) | |",
        b1.msm64,
        (b1.msm64 / b0.msm64 - 1.0) * 100.0
    ));
    row(format!(
        "| peak memory (VmHWM) | {:.0} MiB | |",
        peak_rss_mib()
    ));
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/e2e-results.md", out.join("\n") + "\n");
}
