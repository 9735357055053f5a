//! Ledger benchmark: durable appends per second and verification speed, each next to the
//! baseline that bounds it, measured in the same run on the same disk.
//!
//!     cargo bench --bench ledger
//!     SCRUTINEER_BENCH_BALLOTS=100000 SCRUTINEER_BENCH_THREADS=64 cargo bench --bench ledger
//!
//! Baselines: raw `write(64 B)` + `fdatasync` per second; SHA-256 of 64-byte inputs per
//! second; Ed25519 signatures verified per second in batches of 256 (ed25519-dalek).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use scrutineer::ledger::{Ledger, LedgerConfig};
use scrutineer::verify::verify_export;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench_dir() -> PathBuf {
    // Under target/, on the same file system as a real data directory (not a tmpfs).
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-tmp");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_default();
    d
}

fn fdatasync_rate(dir: &Path, n: usize) -> f64 {
    let path = dir.join("fsync.bin");
    let Ok(mut f) = std::fs::File::create(&path) else {
        return 0.0;
    };
    let buf = [7u8; 64];
    let t = Instant::now();
    for _ in 0..n {
        let _ = f.write_all(&buf);
        let _ = f.sync_data();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn sha256_rate(n: usize) -> f64 {
    let mut x = [0u8; 64];
    let t = Instant::now();
    for i in 0..n {
        x[0] = i as u8;
        let d = Sha256::digest(x);
        x[1] = d[0];
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn ed25519_batch_rate(n: usize) -> f64 {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let vk: VerifyingKey = key.verifying_key();
    let msgs: Vec<Vec<u8>> = (0..256u32).map(|i| i.to_be_bytes().repeat(10)).collect();
    let sigs: Vec<Signature> = msgs.iter().map(|m| key.sign(m)).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    let keys = vec![vk; 256];
    let batches = (n / 256).max(1);
    let t = Instant::now();
    for _ in 0..batches {
        let _ = ed25519_dalek::verify_batch(&refs, &sigs, &keys);
    }
    (batches * 256) as f64 / t.elapsed().as_secs_f64()
}

/// Admin appends one after another, in an election of `n` contests on one ballot style: each
/// contest opened (one entry per append) and then closed (a group: the desk's count and the
/// close, the last close also voiding the style's pool; since protocol 11 a group's mark is
/// written and synced before it, `ledger::group`). Answers `(n, seconds per opening, seconds
/// per close)`.
fn admin_appends(dir: &Path, n: usize) -> Option<(usize, f64, f64)> {
    let contests: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"id": format!("c{i}"), "kind": "npc_direct", "seats": 1,
            "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
            "turnout": {"eligible": 0, "present": 0, "ballots_issued": 0}})
        })
        .collect();
    let spec = serde_json::json!({"format": "scrutineer.election/v1", "id": "bench-admin", "contests": contests});
    let l = Ledger::init(
        LedgerConfig::new(dir.join("data"), dir.join("keys")),
        spec.to_string().as_bytes(),
        None,
        vec![],
        0,
    )
    .ok()?;
    l.register_roll([("一".to_string(), 100u64)].into_iter().collect(), [0; 32])
        .ok()?;
    l.register_pool(0, 10, None).ok()?;
    let t = Instant::now();
    for i in 0..n {
        l.open_contest(&format!("c{i}")).ok()?;
    }
    let open_secs = t.elapsed().as_secs_f64();
    let figures = scrutineer::rules::conduct::Figures {
        eligible: 100,
        present: 50,
        issued: 50,
    };
    let t = Instant::now();
    for i in 0..n {
        l.close_contest(&format!("c{i}"), &[(0, figures)]).ok()?;
    }
    let close_secs = t.elapsed().as_secs_f64();
    let _ = l.close();
    Some((n, open_secs / n as f64, close_secs / n as f64))
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep that quick.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let ballots = env("SCRUTINEER_BENCH_BALLOTS", 20_000);
    let threads = env("SCRUTINEER_BENCH_THREADS", 64);
    let dir = bench_dir();
    println!(
        "scrutineer ledger benchmark: {ballots} ballots, {threads} casting threads, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    let fsync = fdatasync_rate(&dir, 2_000);
    let sha = sha256_rate(2_000_000);
    let ed = ed25519_batch_rate(51_200);

    let spec = serde_json::json!({"format": "scrutineer.election/v1", "id": "bench", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 2,
         "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}, {"id": "c", "name": "丙"}],
         "turnout": {"eligible": 10_000_000, "present": 9_000_000, "ballots_issued": 9_000_000}}]});
    let l = match Ledger::init(
        LedgerConfig::new(dir.join("data"), dir.join("keys")),
        spec.to_string().as_bytes(),
        None,
        vec![],
        0,
    ) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("init failed: {e}");
            return;
        }
    };
    // The roll bounds the pool (protocol 2): one unit as large as the eligible count.
    if l.register_roll(
        [("一".to_string(), 10_000_000u64)].into_iter().collect(),
        [0; 32],
    )
    .is_err()
    {
        return;
    }
    let t = Instant::now();
    let Ok((tokens, _)) = l.register_pool(0, ballots, None) else {
        return;
    };
    let pool_secs = t.elapsed().as_secs_f64();
    let _ = l.open_contest("d1");
    let texts: Vec<String> = tokens.iter().map(|t| t.to_text()).collect();
    let ballot = vec![serde_json::json!({"contest": "d1", "marks": {"a": "for", "b": "against"}})];
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut latencies: Vec<f64> = Vec::with_capacity(ballots);
    let lat = std::sync::Mutex::new(&mut latencies);
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(tok) = texts.get(i) else { break };
                let s = Instant::now();
                if l.cast(tok, &ballot).is_ok() {
                    if let Ok(mut v) = lat.lock() {
                        v.push(s.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            });
        }
    });
    let cast_secs = t.elapsed().as_secs_f64();
    let cast_rate = latencies.len() as f64 / cast_secs;
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };

    let _ = l.close_contest(
        "d1",
        &[(
            0,
            scrutineer::rules::conduct::Figures {
                eligible: 10_000_000,
                present: 9_000_000,
                issued: 9_000_000,
            },
        )],
    );
    let _ = l.tally(&["d1".to_string()]);
    let out = dir.join("export");
    let _ = l.export(&out, true);
    let _ = l.close();
    drop(l);
    let t = Instant::now();
    let report = verify_export(&out, &|_, _| {});
    let verify_secs = t.elapsed().as_secs_f64();
    let verify_rate = report.ballots as f64 / verify_secs;

    let admin = admin_appends(&dir.join("admin"), env("SCRUTINEER_BENCH_CONTESTS", 200));

    println!();
    println!("| measure | value | ratio to its baseline |");
    println!("|---|---|---|");
    println!("| baseline: write 64 B + fdatasync | {fsync:.0} /s | |");
    println!("| baseline: SHA-256 of 64 B | {sha:.0} /s | |");
    println!("| baseline: Ed25519 batch verify (256 per batch) | {ed:.0} signatures/s | |");
    println!("| durable ballots cast ({threads} threads) | {cast_rate:.0} /s | {:.1} × fdatasync rate (ballots per sync) |", cast_rate / fsync);
    println!(
        "| cast latency p50 / p99 | {:.2} ms / {:.2} ms | |",
        pct(0.5),
        pct(0.99)
    );
    println!(
        "| token pool generation (sign) | {:.0} tokens/s | {:.3} × Ed25519 batch verify rate |",
        ballots as f64 / pool_secs,
        ballots as f64 / pool_secs / ed
    );
    println!("| verify export ({} ballots, {} entries) | {verify_rate:.0} ballots/s | {:.2} × Ed25519 batch verify rate |", report.ballots, report.entries, verify_rate / ed);
    println!("| verify: passed | {} | |", report.ok);
    if let Some((n, single, group)) = admin {
        println!("| admin append of one entry (opening a contest; {n} of them) | {:.2} ms each | {:.2} × one fdatasync |", single * 1000.0, single * fsync);
        println!("| admin append of a group (a close with its desk count, the last also voiding the pool; {n} of them) | {:.2} ms each | {:.2} × one entry's append |", group * 1000.0, group / single);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
