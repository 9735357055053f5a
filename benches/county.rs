//! County benchmark: casting over HTTP, the rules engine at a million ballots, verification of
//! a million-ballot log, scaling from 10^4 to 10^6 ballots, and a whole county election day
//! (RULES.md section 6) driven over HTTP against the real `scrutineer serve` binary. Every
//! figure is printed beside the baseline that bounds it, measured in the same run on the same
//! disk: the machines are shared and noisy, so read the ratios.
//!
//!     cargo bench --bench county
//!     SCRUTINEER_BENCH_PARTS=baselines,http SCRUTINEER_BENCH_HTTP_BALLOTS=50000 cargo bench --bench county
//!     SCRUTINEER_BENCH_PARTS=county SCRUTINEER_BENCH_COUNTY_PERCENT=10 cargo bench --bench county
//!     SCRUTINEER_BENCH_PARTS=county SCRUTINEER_BENCH_SECRECY=encrypted SCRUTINEER_BENCH_COUNTY_PERCENT=1 cargo bench --bench county
//!
//! Knobs (environment):
//! - `SCRUTINEER_BENCH_PARTS`: comma list of `baselines,http,tally,scaling,county` [all].
//!   Baselines are always measured; the others need them for their ratios.
//! - `SCRUTINEER_BENCH_THREADS`: client / casting threads [64].
//! - `SCRUTINEER_BENCH_HTTP_BALLOTS` [20000], `SCRUTINEER_BENCH_KIOSKS` [64].
//! - `SCRUTINEER_BENCH_TALLY_BALLOTS` [1000000].
//! - `SCRUTINEER_BENCH_VERIFY_BALLOTS` [1000000]: the largest scaling point, which is also the
//!   verify measurement; `SCRUTINEER_BENCH_SCALING`: the scaling points [10000,100000,<that>].
//! - `SCRUTINEER_BENCH_COUNTY_PERCENT` [100]: the share of the county's 267,216 voters, or a
//!   comma list of shares (e.g. `5,10`); with two or more, a clearly labelled projection to the
//!   whole county is printed, fitted per phase through the two largest. The structure (403
//!   constituencies, 788 seats, 1,191 candidates) stays whole unless
//!   `SCRUTINEER_BENCH_COUNTY_DISTRICTS` [403] changes it (seats then scale with it, and no
//!   projection is made).
//! - `SCRUTINEER_BENCH_SECRECY` [plaintext]: `plaintext` or `encrypted` ballots in the `http`
//!   and `county` parts. Encrypted: 5 teller keys, threshold 3; the key ceremony run over HTTP
//!   as tellers run it (export, verify, compute the step in process, `POST
//!   /api/v1/teller/entries`); every ballot encrypted in the bench process before the timed
//!   casting (kiosk work, on all cores); after the polls close, 3 of the 5 tellers shuffle the
//!   write-in names and give their decryption shares over HTTP. The `http` part then measures
//!   the plaintext and the encrypted cast rate in the same run. Baselines for it: ristretto255
//!   scalar multiplication and 64-point multiscalar multiplication.
//! - `SCRUTINEER_BENCH_HTTP_ENCRYPTED_BALLOTS` [= `SCRUTINEER_BENCH_HTTP_BALLOTS`]: ballots of
//!   the encrypted run of the `http` part.
//! - `SCRUTINEER_BENCH_TELLERS_AT_ONCE` [1]: teller turns run at the same time once only
//!   decryption shares are due (2: as on separate machines; each turn holds a replay of the
//!   whole log in this process, so 2 doubles the bench's peak memory).
//! - `SCRUTINEER_BENCH_TELLER_THREADS` [every core]: threads each teller's turn computes its
//!   shuffles and decryption shares on (`scrutineer teller run --threads`).
//! - `SCRUTINEER_BENCH_TELLER_RESUME` [1]: 0 makes each teller's turn decode the ballots of
//!   its trusted prefix again instead of starting from the tallies it saved with it
//!   (docs/E2E.md §11.2), for an A/B in one session.
//! - `SCRUTINEER_BENCH_WRITE_IN_PERCENT` [0]: the share of the county's first-round voters who
//!   write a name in (every n-th voter of a constituency, n = 100 ÷ the share, rounded; one
//!   of five names; a 赞成 mark given up where the seats were all marked). A contest with a
//!   write-in is shuffled and its names decrypted (docs/E2E.md §11.1).
//! - `SCRUTINEER_BIN`: the `scrutineer` binary [the one cargo built for this bench].
//! - `SCRUTINEER_BENCH_KEEP_EXPORT`: a path where the county's export tar is also written
//!   (for profiling `scrutineer verify` on it afterwards).
//! - `SCRUTINEER_BENCH_DIR`: scratch directory [target/bench-county-tmp], on the disk of a
//!   real data directory (not a tmpfs).
//!
//! Writes `target/county-scaling.csv` (for `benches/plot.py`) and `target/county-results.md`
//! (every table printed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use scrutineer::crypto::{ElectionKey, SystemRng};
use scrutineer::e2e::teller::{ceremony, counting_run, Guard, TellerState};
use scrutineer::ledger::{teller_signature_line, Ledger, LedgerConfig};
use scrutineer::record::entry::{EntryKind, Style};
use scrutineer::record::note::Signer;
use scrutineer::record::token::Token;
use scrutineer::rules::{Ballot, CandidateBallot, Election, Mark};
use scrutineer::verify::{verify_export, verify_export_resuming, with_export};

type R<T> = Result<T, String>;

trait Ctx<T> {
    fn ctx(self, what: &str) -> R<T>;
}

impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> R<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

impl<T> Ctx<T> for Option<T> {
    fn ctx(self, what: &str) -> R<T> {
        self.ok_or_else(|| format!("{what}: missing"))
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn env_list(name: &str) -> Option<Vec<usize>> {
    let v = std::env::var(name).ok()?;
    Some(
        v.split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .collect(),
    )
}

/// `target/` of this build: the bench runs as `target/release/deps/county-HASH`.
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn scratch_dir() -> PathBuf {
    let d = std::env::var("SCRUTINEER_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| target_dir().join("bench-county-tmp"));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

fn scrutineer_bin() -> R<PathBuf> {
    if let Ok(p) = std::env::var("SCRUTINEER_BIN") {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = option_env!("CARGO_BIN_EXE_scrutineer") {
        if Path::new(p).is_file() {
            return Ok(PathBuf::from(p));
        }
    }
    let p = target_dir().join("release/scrutineer");
    if p.is_file() {
        return Ok(p);
    }
    Err("no scrutineer binary: build it (cargo build --release) or set SCRUTINEER_BIN".into())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0).max(0.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Everything printed, also kept for `target/county-results.md`.
struct Out {
    md: String,
}

impl Out {
    fn line(&mut self, s: &str) {
        println!("{s}");
        self.md.push_str(s);
        self.md.push('\n');
        let _ = std::io::stdout().flush();
    }
    fn table(&mut self, title: &str) {
        self.line("");
        self.line(&format!("### {title}"));
        self.line("");
        self.line("| measure | value | ratio to its baseline |");
        self.line("|---|---|---|");
    }
    fn row(&mut self, measure: &str, value: &str, ratio: &str) {
        self.line(&format!("| {measure} | {value} | {ratio} |"));
    }
    fn save(&self) {
        let _ = std::fs::write(target_dir().join("county-results.md"), &self.md);
    }
}

// ---------------------------------------------------------------- baselines

struct Baselines {
    fsync: f64,
    sha: f64,
    ed_batch: f64,
    ed_single: f64,
    qr: f64,
    /// ristretto255 variable-base scalar multiplications (`RistrettoPoint * Scalar`) per second.
    mul: f64,
    /// ristretto255 64-point vartime multiscalar multiplications per second.
    msm64: f64,
    /// The same CPU-bound baselines per second of this thread's own CPU time, which other
    /// users of the machine cannot deflate (they can only slow the wall clock).
    sha_cpu: f64,
    ed_batch_cpu: f64,
    ed_single_cpu: f64,
    qr_cpu: f64,
    mul_cpu: f64,
    msm64_cpu: f64,
}

/// On-CPU time of the calling thread in seconds (/proc/thread-self/schedstat, nanoseconds).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|ns| ns / 1e9)
        .unwrap_or(0.0)
}

/// (per wall second, per CPU second of this thread).
struct Rate(f64, f64);

fn rate(n: usize, t: Instant, c: f64) -> Rate {
    let wall = t.elapsed().as_secs_f64();
    let cpu = (thread_cpu() - c).max(1e-9);
    Rate(n as f64 / wall, n as f64 / cpu)
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
    let r = n as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    r
}

fn sha256_rate(n: usize) -> Rate {
    let mut x = [0u8; 64];
    let (t, c) = (Instant::now(), thread_cpu());
    for i in 0..n {
        x[0] = i as u8;
        let d = Sha256::digest(x);
        x[1] = d[0];
    }
    rate(n, t, c)
}

fn ed_fixture() -> (VerifyingKey, Vec<Vec<u8>>, Vec<Signature>) {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let msgs: Vec<Vec<u8>> = (0..256u32).map(|i| i.to_be_bytes().repeat(10)).collect();
    let sigs: Vec<Signature> = msgs.iter().map(|m| key.sign(m)).collect();
    (key.verifying_key(), msgs, sigs)
}

fn ed25519_batch_rate(n: usize) -> Rate {
    let (vk, msgs, sigs) = ed_fixture();
    let refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    let keys = vec![vk; 256];
    let batches = (n / 256).max(1);
    let (t, c) = (Instant::now(), thread_cpu());
    for _ in 0..batches {
        let _ = ed25519_dalek::verify_batch(&refs, &sigs, &keys);
    }
    rate(batches * 256, t, c)
}

/// One `verify_strict` at a time, on one thread: what the cast path does per ballot.
fn ed25519_single_rate(n: usize) -> Rate {
    let (vk, msgs, sigs) = ed_fixture();
    let (t, c) = (Instant::now(), thread_cpu());
    let mut ok = 0usize;
    for i in 0..n {
        if vk.verify_strict(&msgs[i % 256], &sigs[i % 256]).is_ok() {
            ok += 1;
        }
    }
    let r = rate(n, t, c);
    if ok != n {
        eprintln!("ed25519 single: {ok} of {n} verified");
    }
    r
}

/// The receipt QR code every HTTP cast answers with.
fn receipt_qr_rate(n: usize) -> Rate {
    let (t, c) = (Instant::now(), thread_cpu());
    let mut bytes = 0usize;
    for i in 0..n {
        let code = scrutineer::tokens::receipt_code(100_000 + i as u64, &[i as u8; 32]);
        bytes += scrutineer::present::slips::receipt_qr_svg(&code)
            .map(|s| s.len())
            .unwrap_or(0);
    }
    let r = rate(n, t, c);
    if bytes == 0 {
        eprintln!("receipt QR: nothing rendered");
    }
    r
}

/// Random ristretto255 points and scalars for the group baselines.
fn ristretto_fixture() -> (Vec<RistrettoPoint>, Vec<Scalar>) {
    let mut rng = StdRng::seed_from_u64(255);
    let mut scalar = || {
        let mut wide = [0u8; 64];
        rng.fill(&mut wide[..]);
        Scalar::from_bytes_mod_order_wide(&wide)
    };
    let points = (0..64)
        .map(|_| RistrettoPoint::mul_base(&scalar()))
        .collect();
    let scalars = (0..64).map(|_| scalar()).collect();
    (points, scalars)
}

/// ristretto255 variable-base scalar multiplication, `RistrettoPoint * Scalar` (constant
/// time): the unit of the encrypted ballots' cost (encryption, proofs, decryption shares).
fn ristretto_mul_rate(n: usize) -> Rate {
    let (points, scalars) = ristretto_fixture();
    let mut acc = RistrettoPoint::default();
    let (t, c) = (Instant::now(), thread_cpu());
    for i in 0..n {
        acc += points[i % 64] * scalars[(i * 7) % 64];
    }
    let r = rate(n, t, c);
    std::hint::black_box(acc);
    r
}

/// ristretto255 64-point vartime multiscalar multiplication: what batched proof
/// verification reduces to.
fn ristretto_msm64_rate(n: usize) -> Rate {
    let (points, scalars) = ristretto_fixture();
    let mut acc = RistrettoPoint::default();
    let (t, c) = (Instant::now(), thread_cpu());
    for _ in 0..n {
        acc += RistrettoPoint::vartime_multiscalar_mul(&scalars, &points);
    }
    let r = rate(n, t, c);
    std::hint::black_box(acc);
    r
}

fn baselines(dir: &Path, out: &mut Out) -> Baselines {
    let fsync = fdatasync_rate(dir, 2_000);
    let sha = sha256_rate(2_000_000);
    let ed_batch = ed25519_batch_rate(51_200);
    let ed_single = ed25519_single_rate(20_000);
    let qr = receipt_qr_rate(2_000);
    let mul = ristretto_mul_rate(20_000);
    let msm64 = ristretto_msm64_rate(1_000);
    let b = Baselines {
        fsync,
        sha: sha.0,
        ed_batch: ed_batch.0,
        ed_single: ed_single.0,
        qr: qr.0,
        mul: mul.0,
        msm64: msm64.0,
        sha_cpu: sha.1,
        ed_batch_cpu: ed_batch.1,
        ed_single_cpu: ed_single.1,
        qr_cpu: qr.1,
        mul_cpu: mul.1,
        msm64_cpu: msm64.1,
    };
    out.table("Baselines (same run, same disk; one thread; wall-clock rate, and per second of the thread's own CPU time)");
    out.row(
        "write 64 B + fdatasync",
        &format!("{} /s", thousands(b.fsync)),
        "",
    );
    out.row(
        "SHA-256 of 64 B",
        &format!(
            "{} /s ({} per CPU-s)",
            thousands(b.sha),
            thousands(b.sha_cpu)
        ),
        "",
    );
    out.row(
        "Ed25519 batch verify, 256 per batch",
        &format!(
            "{} signatures/s ({} per CPU-s)",
            thousands(b.ed_batch),
            thousands(b.ed_batch_cpu)
        ),
        "",
    );
    out.row(
        "Ed25519 single `verify_strict`",
        &format!(
            "{} signatures/s ({} per CPU-s)",
            thousands(b.ed_single),
            thousands(b.ed_single_cpu)
        ),
        &format!("{:.2} × batch", b.ed_single / b.ed_batch),
    );
    out.row(
        "receipt QR code as SVG (`present::slips::receipt_qr_svg`)",
        &format!("{} /s ({} per CPU-s)", thousands(b.qr), thousands(b.qr_cpu)),
        "",
    );
    out.row(
        "ristretto255 scalar multiplication (`RistrettoPoint * Scalar`, variable base)",
        &format!(
            "{} /s ({} per CPU-s)",
            thousands(b.mul),
            thousands(b.mul_cpu)
        ),
        &format!("{:.2} × Ed25519 single verify", b.mul / b.ed_single),
    );
    out.row(
        "ristretto255 64-point multiscalar multiplication (vartime)",
        &format!(
            "{} /s ({} per CPU-s) = {} points/s",
            thousands(b.msm64),
            thousands(b.msm64_cpu),
            thousands(64.0 * b.msm64)
        ),
        &format!("{:.1} scalar multiplications' time each", b.mul / b.msm64),
    );
    out.save();
    b
}

// ---------------------------------------------------------------- ballots

const NAMES: [&str; 24] = [
    "王芳", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周明", "吴敏", "徐强", "孙丽",
    "马超", "朱红", "胡军", "郭涛", "何平", "高峰", "林海", "罗兰", "梁宇", "宋佳", "郑凯", "谢东",
];

fn candidates(n: usize, offset: usize) -> Vec<Value> {
    (0..n)
        .map(|j| json!({"id": format!("c{j}"), "name": format!("{}{}", NAMES[(offset + j) % NAMES.len()], j + 1)}))
        .collect()
}

/// One voter's marks on a 5-candidate, 3-seat list: candidate j is marked 赞成 with a falling
/// probability, sometimes 反对; about 1% of ballots keep a fourth 赞成 (over-marked, void).
fn random_marks(rng: &mut StdRng, cands: usize, seats: usize) -> Vec<(usize, Mark)> {
    let p_for = [0.72, 0.61, 0.5, 0.33, 0.21, 0.15];
    let mut marks = Vec::new();
    let mut fors = 0;
    let keep_over = rng.gen_bool(0.01);
    for (j, p) in p_for.iter().enumerate().take(cands) {
        let r: f64 = rng.gen();
        if r < *p && (fors < seats || keep_over) {
            marks.push((j, Mark::For));
            fors += 1;
        } else if r < *p + 0.08 {
            marks.push((j, Mark::Against));
        }
    }
    marks
}

fn marks_json(marks: &[(usize, Mark)]) -> Value {
    let m: serde_json::Map<String, Value> = marks
        .iter()
        .map(|(j, m)| {
            let v = match m {
                Mark::For => "for",
                Mark::Against => "against",
                Mark::Abstain => "abstain",
            };
            (format!("c{j}"), json!(v))
        })
        .collect();
    Value::Object(m)
}

/// Valid ballot variants for casting (kiosks refuse over-marked ballots).
fn ballot_variants(contest: &str, count: usize) -> Vec<Vec<Value>> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut v = Vec::new();
    while v.len() < count {
        let marks = random_marks(&mut rng, 5, 3);
        if marks.iter().filter(|(_, m)| *m == Mark::For).count() > 3 {
            continue;
        }
        v.push(vec![
            json!({"contest": contest, "marks": marks_json(&marks)}),
        ]);
    }
    v
}

fn bench_spec(id: &str, contest: &str, n: usize) -> Value {
    let eligible = n + n / 9 + 1;
    json!({"format": "scrutineer.election/v1", "id": id, "contests": [
        {"id": contest, "title": "县人大代表 (bench)", "kind": "npc_direct", "seats": 3, "candidates": candidates(5, 0),
         "turnout": {"eligible": eligible, "present": n, "ballots_issued": n}}]})
}

// ---------------------------------------------------------------- 3. tally in memory

struct EngineTally {
    gen_secs: f64,
    parse_secs: Option<f64>,
    tally_secs: f64,
    elected: String,
    void: u64,
}

fn engine_tally(n: usize, with_parse: bool) -> R<EngineTally> {
    let spec = bench_spec("bench-tally", "d1", n);
    let election =
        scrutineer::record::parse_election(spec.to_string().as_bytes()).ctx("parse_election")?;
    let t = Instant::now();
    let mut rng = StdRng::seed_from_u64(2026);
    let ballots: Vec<Ballot> = (0..n)
        .map(|_| {
            Ballot::Candidates(CandidateBallot {
                marks: random_marks(&mut rng, 5, 3),
                write_ins: Vec::new(),
            })
        })
        .collect();
    let gen_secs = t.elapsed().as_secs_f64();
    let parse_secs = if with_parse {
        // The same ballots as JSON Lines, through the parser the ledger's tally uses.
        let mut text = String::with_capacity(n * 64);
        for b in &ballots {
            if let Ballot::Candidates(cb) = b {
                text.push_str(
                    &json!({"contest": "d1", "marks": marks_json(&cb.marks)}).to_string(),
                );
                text.push('\n');
            }
        }
        let t = Instant::now();
        let parsed =
            scrutineer::record::parse_ballots(&election, text.as_bytes()).ctx("parse_ballots")?;
        let secs = t.elapsed().as_secs_f64();
        if parsed.first().map(|v| v.len()) != Some(n) {
            return Err("parse_ballots: wrong count".into());
        }
        Some(secs)
    } else {
        None
    };
    let by_contest = vec![ballots];
    let t = Instant::now();
    let result = scrutineer::rules::tally_election(&election, &by_contest);
    let tally_secs = t.elapsed().as_secs_f64();
    let c = result.contests.first().ctx("tally result")?;
    Ok(EngineTally {
        gen_secs,
        parse_secs,
        tally_secs,
        elected: c.elected.join(","),
        void: c.void_reasons.iter().map(|(_, k)| *k).sum(),
    })
}

// ---------------------------------------------------------------- 4, 5. ledger at scale

struct LedgerPoint {
    pool_secs: f64,
    cast_secs: f64,
    cast_ok: usize,
    p50: f64,
    p99: f64,
    ledger_tally_secs: f64,
    export_secs: f64,
    checkpoints: usize,
    verify_secs: f64,
    verify_ok: bool,
    verify_ballots: u64,
    verify_entries: u64,
    engine_secs: f64,
    log_bytes: u64,
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                dir_bytes(&path)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

fn ledger_point(scratch: &Path, n: usize, threads: usize) -> R<LedgerPoint> {
    let dir = scratch.join(format!("ledger-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = bench_spec("bench-scale", "d1", n);
    let l = Ledger::init(
        LedgerConfig::new(dir.join("data"), dir.join("keys")),
        spec.to_string().as_bytes(),
        None,
        vec![],
        0,
    )
    .ctx("Ledger::init")?;
    let eligible = (n + n / 9 + 1) as u64;
    l.register_roll(
        [("一".to_string(), eligible)].into_iter().collect(),
        [0; 32],
    )
    .ctx("register_roll")?;
    let t = Instant::now();
    let mut texts: Vec<String> = Vec::with_capacity(n);
    let chunk = scrutineer::tokens::pool::POOL_TOKENS_MAX;
    while texts.len() < n {
        let want = (n - texts.len()).min(chunk);
        let (tokens, _) = l.register_pool(0, want, None).ctx("register_pool")?;
        texts.extend(tokens.iter().map(|t| t.to_text()));
    }
    let pool_secs = t.elapsed().as_secs_f64();
    l.open_contest("d1").ctx("open")?;
    let variants = ballot_variants("d1", 64);
    let next = AtomicUsize::new(0);
    let all: Mutex<Vec<f64>> = Mutex::new(Vec::with_capacity(n));
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(tok) = texts.get(i) else { break };
                    let s = Instant::now();
                    if l.cast(tok, &variants[i % variants.len()]).is_ok() {
                        mine.push(s.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                if let Ok(mut v) = all.lock() {
                    v.extend(mine);
                }
            });
        }
    });
    let cast_secs = t.elapsed().as_secs_f64();
    let mut lat = all.into_inner().unwrap_or_default();
    lat.sort_by(|a, b| a.total_cmp(b));
    drop(texts);
    l.close_contest(
        "d1",
        &[(
            0,
            scrutineer::rules::conduct::Figures {
                eligible,
                present: n as u64,
                issued: n as u64,
            },
        )],
    )
    .ctx("close")?;
    let t = Instant::now();
    l.tally(&["d1".to_string()]).ctx("Ledger::tally")?;
    let ledger_tally_secs = t.elapsed().as_secs_f64();
    let exp = dir.join("export");
    let t = Instant::now();
    l.export(&exp, true).ctx("export")?;
    let export_secs = t.elapsed().as_secs_f64();
    let checkpoints = std::fs::read_dir(exp.join("checkpoints"))
        .map(|r| r.count())
        .unwrap_or(0);
    let log_bytes = dir_bytes(&exp.join("log"));
    l.close().ctx("close ledger")?;
    drop(l);
    let t = Instant::now();
    let report = verify_export(&exp, &|_, _| {});
    let verify_secs = t.elapsed().as_secs_f64();
    if !report.ok {
        eprintln!("verify failed at {n}: {:?}", report.failure);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let engine = engine_tally(n, false)?;
    Ok(LedgerPoint {
        pool_secs,
        cast_secs,
        cast_ok: lat.len(),
        p50: pct(&lat, 0.5),
        p99: pct(&lat, 0.99),
        ledger_tally_secs,
        export_secs,
        checkpoints,
        verify_secs,
        verify_ok: report.ok,
        verify_ballots: report.ballots,
        verify_entries: report.entries,
        engine_secs: engine.tally_secs,
        log_bytes,
    })
}

// ---------------------------------------------------------------- the service

struct Server {
    child: Child,
    base: String,
    dir: PathBuf,
    password: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    fn start(dir: &Path) -> R<Server> {
        let bin = scrutineer_bin()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .ctx("port")?
            .local_addr()
            .ctx("port")?
            .port();
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).ctx("server dir")?;
        let mut child = Command::new(&bin)
            .arg("serve")
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--keys-dir")
            .arg(dir.join("keys"))
            .args([
                "--logins-per-minute",
                "1000",
                "--pairings-per-minute",
                "1000",
            ])
            .args(["--request-bytes-max", "67108864"])
            // Every teller turn of an encrypted election starts with a full export (the
            // default allows 4 per client address per minute).
            .args(["--exports-per-minute", "100000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ctx(&format!("start {}", bin.display()))?;
        let stdout = child.stdout.take().ctx("server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut password = String::new();
        for line in lines.by_ref() {
            let line = line.ctx("server stdout")?;
            let t = line.trim();
            if t.len() == 19 && t.chars().filter(|c| *c == '-').count() == 3 {
                password = t.to_string();
                break;
            }
        }
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("{base}/healthz")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if password.is_empty() {
            return Err("the server printed no one-time password".into());
        }
        Ok(Server {
            child,
            base,
            dir: dir.to_path_buf(),
            password,
        })
    }

    fn cpu_secs(&self) -> f64 {
        proc_cpu_secs(self.child.id())
    }

    /// Peak resident set size of the server so far, in MiB.
    fn hwm_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok())
            .map(|k| k / 1024.0)
            .unwrap_or(0.0)
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(30))
        .build()
}

/// One request; (status, body text). Bodies are read whole so the connection is reused.
fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> R<(u16, String)> {
    let mut req = agent.request(method, url);
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let res = match body {
        Some((ctype, text)) => req.set("Content-Type", ctype).send_string(text),
        None => req.call(),
    };
    let resp = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("{method} {url}: {e}")),
    };
    let status = resp.status();
    let mut text = String::new();
    resp.into_reader()
        .read_to_string(&mut text)
        .ctx("read body")?;
    Ok((status, text))
}

struct Api {
    agent: ureq::Agent,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            agent: agent(),
            base: base.to_string(),
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> R<Value> {
        let text = body.map(|b| b.to_string());
        let (status, out) = request(
            &self.agent,
            method,
            &format!("{}{path}", self.base),
            token,
            text.as_deref().map(|t| ("application/json", t)),
        )?;
        if !(200..300).contains(&status) {
            return Err(format!(
                "{method} {path}: {status} {}",
                out.chars().take(400).collect::<String>()
            ));
        }
        Ok(serde_json::from_str(&out).unwrap_or(Value::String(out)))
    }

    /// Signs in; a one-time password is changed first (to `{password} renewed ...`), as the
    /// service requires.
    fn login(&self, user: &str, password: &str) -> R<String> {
        let v = self.call(
            "POST",
            "/api/v1/login",
            None,
            Some(&json!({"username": user, "password": password, "bearer": true})),
        )?;
        let token = v["token"].as_str().map(String::from).ctx("login token")?;
        if v["must_change_password"] == true {
            self.call(
                "POST",
                "/api/v1/password",
                Some(&token),
                Some(&json!({"old": password, "new": format!("{password} renewed at the first sign-in")})),
            )?;
        }
        Ok(token)
    }

    fn account(&self, org: &str, user: &str, role: &str) -> R<String> {
        let v = self.call(
            "POST",
            "/api/v1/accounts",
            Some(org),
            Some(&json!({"username": user, "role": role})),
        )?;
        let pw = v["password"].as_str().ctx("account password")?;
        self.login(user, pw)
    }

    fn kiosk(&self, org: &str, name: &str) -> R<String> {
        let v = self.call("POST", "/api/v1/kiosks/pairing", Some(org), None)?;
        let code = v["code"].as_str().ctx("pairing code")?;
        let v = self.call(
            "POST",
            "/api/v1/kiosks/pair",
            None,
            Some(&json!({"code": code, "name": name})),
        )?;
        v["token"].as_str().map(String::from).ctx("kiosk token")
    }

    /// A slip sheet: the tokens as a person reads the typed form (tests/service tokens_from_sheet).
    fn pool(&self, org: &str, style: usize, count: Option<usize>) -> R<Vec<String>> {
        let body = match count {
            Some(n) => json!({"style": style, "count": n}),
            None => json!({"style": style}),
        };
        let (status, html) = request(
            &self.agent,
            "POST",
            &format!("{}/api/v1/pools", self.base),
            Some(org),
            Some(("application/json", &body.to_string())),
        )?;
        if status != 201 {
            return Err(format!("pools style {style}: {status} {html}"));
        }
        Ok(tokens_from_sheet(&html))
    }
}

fn tokens_from_sheet(html: &str) -> Vec<String> {
    html.split("<div class=\"code\">")
        .skip(1)
        .map(|s| {
            let code = s.split("</div>").next().unwrap_or("");
            code.replace("<span class=\"line\">", " ")
                .replace("</span>", " ")
                .split_whitespace()
                .collect::<String>()
        })
        .collect()
}

/// Results of many concurrent requests.
struct Load {
    secs: f64,
    ok: usize,
    failed: usize,
    first_error: Option<String>,
    lat: Vec<f64>,
}

/// Sends every (token, path, JSON body) from `threads` threads, each with its own keep-alive
/// connection; `expect` is the success status.
fn load(
    base: &str,
    jobs: &[(usize, String)],
    tokens: &[String],
    path: &str,
    threads: usize,
    expect: u16,
) -> Load {
    let next = AtomicUsize::new(0);
    let all: Mutex<(Vec<f64>, usize, Option<String>)> =
        Mutex::new((Vec::with_capacity(jobs.len()), 0, None));
    let url = format!("{base}{path}");
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let a = agent();
                let mut lat = Vec::new();
                let mut failed = 0usize;
                let mut first = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((who, body)) = jobs.get(i) else {
                        break;
                    };
                    let tok = tokens.get(*who % tokens.len().max(1)).map(|s| s.as_str());
                    let s = Instant::now();
                    match request(&a, "POST", &url, tok, Some(("application/json", body))) {
                        Ok((st, _)) if st == expect => lat.push(s.elapsed().as_secs_f64() * 1000.0),
                        Ok((st, text)) => {
                            failed += 1;
                            if first.is_none() {
                                first = Some(format!(
                                    "{st} {}",
                                    text.chars().take(300).collect::<String>()
                                ));
                            }
                        }
                        Err(e) => {
                            failed += 1;
                            if first.is_none() {
                                first = Some(e);
                            }
                        }
                    }
                }
                if let Ok(mut g) = all.lock() {
                    g.0.extend(lat);
                    g.1 += failed;
                    if g.2.is_none() {
                        g.2 = first;
                    }
                }
            });
        }
    });
    let secs = t.elapsed().as_secs_f64();
    let (mut lat, failed, first_error) = all.into_inner().unwrap_or_default();
    lat.sort_by(|a, b| a.total_cmp(b));
    Load {
        secs,
        ok: lat.len(),
        failed,
        first_error,
        lat,
    }
}

// ---------------------------------------------------------------- encrypted elections

/// `SCRUTINEER_BENCH_SECRECY`: `encrypted` or `plaintext` (the default).
fn encrypted_mode() -> bool {
    match std::env::var("SCRUTINEER_BENCH_SECRECY").as_deref() {
        Ok("encrypted") => true,
        Ok("plaintext") | Ok("") | Err(_) => false,
        Ok(other) => {
            eprintln!(
                "SCRUTINEER_BENCH_SECRECY={other}: not plaintext or encrypted; running plaintext"
            );
            false
        }
    }
}

/// Tellers registered in an encrypted election of the bench, and how many of them decrypt.
const TELLERS: usize = 5;
const THRESHOLD: u32 = 3;
/// The tellers (registered order, from 1) who decrypt: 3 of the 5, not the first three.
const ACTING: [u32; 3] = [1, 3, 5];

/// A teller's machine: its key and its state file (its secrets), here kept in memory.
struct Teller {
    signer: Signer,
    st: TellerState,
}

/// `n` tellers; the first two are the county's signing tellers (teller-wang, teller-li).
fn make_tellers(n: usize) -> R<Vec<Teller>> {
    const TELLER_NAMES: [&str; 5] = [
        "teller-wang",
        "teller-li",
        "teller-zhang",
        "teller-liu",
        "teller-chen",
    ];
    (0..n)
        .map(|i| {
            let name = TELLER_NAMES
                .get(i)
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("teller-{}", i + 1));
            Ok(Teller {
                signer: Signer::new(&name, SigningKey::from_bytes(&[11 + i as u8; 32]))
                    .ctx("signer")?,
                st: TellerState::default(),
            })
        })
        .collect()
}

fn verifiers(tellers: &[Teller]) -> R<Vec<String>> {
    tellers
        .iter()
        .map(|t| Ok(t.signer.verifier().ctx("verifier")?.to_text()))
        .collect()
}

/// What teller turns took, summed over turns (wall time of each part).
#[derive(Clone, Copy, Default)]
struct TellerTimes {
    runs: usize,
    /// Runs that started from the tallies saved by the teller's run before.
    resumed: usize,
    /// `GET /api/v1/export`, the tar written to disk.
    export: f64,
    export_bytes: u64,
    /// The teller's replay: unpack and verify the export (`with_export` +
    /// `verify_export_trusting`: the proofs of the prefix it verified before are not checked
    /// again).
    replay: f64,
    /// The teller's own computation: the ceremony step, or shuffles and decryption shares
    /// (with the checks of its own steps it applies before asking for more).
    compute: f64,
    /// `POST /api/v1/teller/entries`, one step at a time: the service checks and logs each.
    post: f64,
    ceremony_steps: usize,
    shuffles: usize,
    /// Write-in names in the shuffles (each name counted once per shuffle).
    names: u64,
    shares: usize,
}

impl TellerTimes {
    fn add(&mut self, o: &TellerTimes) {
        self.runs += o.runs;
        self.resumed += o.resumed;
        self.export += o.export;
        self.export_bytes += o.export_bytes;
        self.replay += o.replay;
        self.compute += o.compute;
        self.post += o.post;
        self.ceremony_steps += o.ceremony_steps;
        self.shuffles += o.shuffles;
        self.names += o.names;
        self.shares += o.shares;
    }

    fn steps(&self) -> usize {
        self.ceremony_steps + self.shuffles + self.shares
    }

    fn summary(&self) -> String {
        format!(
            "{} teller runs ({} from their saved tallies), {} steps posted; summed over the runs: exports {:.1} s ({:.0} MB), tellers' replay (unpack + verify) {:.1} s, tellers' compute {:.1} s, POST /api/v1/teller/entries (service checks + logs) {:.1} s",
            self.runs,
            self.resumed,
            self.steps(),
            self.export,
            self.export_bytes as f64 / 1e6,
            self.replay,
            self.compute,
            self.post
        )
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One teller's turn, as a teller runs it: `GET /api/v1/export` (as a teller account), its
/// own replay of the whole log, the steps due (`scrutineer teller run`: the ceremony step,
/// or shuffles and decryption shares, applying its own steps before asking for more), then
/// each step `POST /api/v1/teller/entries` (as a teller account), in order.
fn teller_turn(base: &str, account: &str, t: &mut Teller, dir: &Path) -> R<TellerTimes> {
    let name = t.signer.name().to_string();
    let mut tt = TellerTimes {
        runs: 1,
        ..Default::default()
    };
    let a = agent();
    let s = Instant::now();
    let resp = match a
        .get(&format!("{base}/api/v1/export"))
        .set("Authorization", &format!("Bearer {account}"))
        .call()
    {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => {
            return Err(format!(
                "{name}: export: {code} {}",
                r.into_string().unwrap_or_default()
            ))
        }
        Err(e) => return Err(format!("{name}: export: {e}")),
    };
    let path = dir.join(format!("{name}-export.tar"));
    let mut f = std::fs::File::create(&path).ctx("export file")?;
    tt.export_bytes = std::io::copy(&mut resp.into_reader(), &mut f).ctx("export body")?;
    drop(f);
    tt.export = s.elapsed().as_secs_f64();

    let s = Instant::now();
    // As `scrutineer teller run` does: the proofs of the log this teller verified last are
    // not verified again when the prefix is the same bytes (the same root).
    // And, unless `SCRUTINEER_BENCH_TELLER_RESUME=0`, it starts from the tallies it saved
    // with that prefix instead of decoding the prefix's ballots again.
    let trusted = t.st.verified_prefix();
    let saved = t.st.saved_tallies().filter(|_| teller_resume());
    let replay = with_export(&path, |d| {
        verify_export_resuming(d, &|_, _| {}, trusted, saved.as_deref())
    });
    let _ = std::fs::remove_file(&path);
    let (report, replayed) = replay.map_err(|f| format!("{name}: [{}] {}", f.check, f.message))?;
    let replayed = replayed
        .ok_or_else(|| format!("{name}: the export does not verify: {:?}", report.failure))?;
    tt.replay = s.elapsed().as_secs_f64();
    tt.resumed = usize::from(report.resumed_tallies);

    let s = Instant::now();
    let book = replayed
        .book
        .as_ref()
        .ctx("the election does not encrypt ballots")?;
    let size = replayed.tree.size();
    if t.st.seen_size > 0 {
        let extends = t.st.election == replayed.election_id
            && size >= t.st.seen_size
            && replayed
                .tree
                .root_at(t.st.seen_size)
                .is_ok_and(|r| hex(&r) == t.st.seen_root);
        if !extends {
            return Err(format!(
                "{name}: the log does not extend the one this teller verified last"
            ));
        }
    }
    let mut rng = SystemRng;
    let mut run = ceremony(book, &replayed.conduct, &t.signer, &mut t.st, &mut rng).ctx(&name)?;
    if replayed.conduct.ceremony().key.is_some() {
        // The bench's tellers confirm the whole log they were shown (one machine, one
        // service: there is no other view to compare with); small totals are the rules'.
        let guard = Guard {
            confirmed: Some(size),
            closed_at: &replayed.closed_at,
            checked: &replayed.checked_casts,
            small_totals: scrutineer::e2e::teller::SmallTotals::All,
        };
        let counted = counting_run(
            book,
            &replayed.conduct,
            &t.signer,
            &t.st,
            teller_threads(),
            &guard,
            &mut rng,
        )
        .ctx(&name)?;
        run.steps.extend(counted.steps);
    }
    t.st.verified(size, &replayed.tree.root(), book);
    drop(replayed);
    tt.compute = s.elapsed().as_secs_f64();

    let s = Instant::now();
    let url = format!("{base}/api/v1/teller/entries");
    for step in &run.steps {
        let body = json!({"kind": step.kind.id(), "body": step.body}).to_string();
        let (status, text) = request(
            &a,
            "POST",
            &url,
            Some(account),
            Some(("application/json", &body)),
        )?;
        if status != 201 {
            return Err(format!(
                "{name}: {} refused: {status} {}",
                step.summary,
                text.chars().take(400).collect::<String>()
            ));
        }
        match step.kind {
            EntryKind::Shuffle => {
                tt.shuffles += 1;
                tt.names += step.body["count"].as_u64().unwrap_or(0);
            }
            EntryKind::DecryptionShares => tt.shares += 1,
            _ => tt.ceremony_steps += 1,
        }
    }
    tt.post = s.elapsed().as_secs_f64();
    Ok(tt)
}

/// The key ceremony: 3 rounds, every teller in turn, each on an export of its own. Returns
/// the election key's fingerprint.
fn key_ceremony(
    base: &str,
    account: &str,
    tellers: &mut [Teller],
    dir: &Path,
) -> R<(TellerTimes, String)> {
    let mut total = TellerTimes::default();
    for round in 1..=3 {
        for t in tellers.iter_mut() {
            let r = teller_turn(base, account, t, dir)?;
            if r.ceremony_steps == 0 {
                return Err(format!(
                    "ceremony round {round}: {} had no step",
                    t.signer.name()
                ));
            }
            total.add(&r);
        }
    }
    let status = Api::new(base).call("GET", "/api/v1/ceremony", None, None)?;
    let fp = status["key"]["fingerprint"]
        .as_str()
        .ctx("the ceremony did not complete: no election key")?;
    Ok((total, fp.to_string()))
}

/// From `GET /api/v1/ceremony`: the closed contests still waiting for decryption, their
/// ballots, the acting tellers with something due, and whether a shuffle is still due (the
/// shuffles form a chain, one teller after another; decryption shares can be given at once).
fn decryption_due(status: &Value) -> (usize, u64, Vec<u32>, bool) {
    let ids = |v: &Value| -> Vec<u32> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_u64())
                    .map(|x| x as u32)
                    .collect()
            })
            .unwrap_or_default()
    };
    let k = status["threshold"].as_u64().unwrap_or(THRESHOLD as u64) as usize;
    let (mut pending, mut ballots, mut shuffling) = (0, 0, false);
    let mut due = Vec::new();
    for c in status["contests"].as_array().into_iter().flatten() {
        if c["phase"] != "closed" {
            continue;
        }
        let (shuffled, shares) = (ids(&c["shuffled_by"]), ids(&c["shares_from"]));
        // Protocol 3: the totals first; the names (shuffles, then their shares) only when
        // the write-in count is above zero. Before: shuffles, then one set of shares.
        let flags_first = c["names_after_flags"].as_bool().unwrap_or(false);
        let name_shares = ids(&c["name_shares_from"]);
        let names_due = if flags_first {
            c["write_ins"].as_u64().is_some_and(|w| w > 0)
        } else {
            c["write_in_lines"].as_bool().unwrap_or(false)
        };
        let done = if flags_first {
            shares.len() >= k && (!names_due || name_shares.len() >= k)
        } else {
            shares.len() >= k
        };
        if done {
            continue;
        }
        pending += 1;
        ballots += c["ballots"].as_u64().unwrap_or(0);
        let busy = if flags_first && shares.len() < k {
            &shares
        } else if names_due && shuffled.len() < k {
            shuffling = true;
            &shuffled
        } else if flags_first {
            &name_shares
        } else {
            &shares
        };
        due.extend(ACTING.iter().filter(|l| !busy.contains(l)));
    }
    due.sort_unstable();
    due.dedup();
    (pending, ballots, due, shuffling)
}

/// Decryption of every closed contest by the acting tellers over HTTP: while shuffles are
/// due, one teller at a time (each shuffles the previous output); then the tellers that
/// still owe decryption shares, `tellers_at_once()` at a time, each on its own export.
/// Returns (times, contests, ballots in them).
fn decrypt_closed(
    base: &str,
    account: &str,
    tellers: &mut [Teller],
    dir: &Path,
) -> R<(TellerTimes, usize, u64)> {
    let api = Api::new(base);
    let mut total = TellerTimes::default();
    let mut first: Option<(usize, u64)> = None;
    for _ in 0..16 {
        let status = api.call("GET", "/api/v1/ceremony", None, None)?;
        let (pending, ballots, due, shuffling) = decryption_due(&status);
        let (contests, ballots) = *first.get_or_insert((pending, ballots));
        if pending == 0 {
            return Ok((total, contests, ballots));
        }
        let Some(next) = due.first() else {
            return Err(format!(
                "{pending} contests wait for decryption, yet no acting teller has anything due"
            ));
        };
        let batch: Vec<u32> = if shuffling {
            vec![*next]
        } else {
            due.iter().take(tellers_at_once()).copied().collect()
        };
        let results: Vec<R<TellerTimes>> = std::thread::scope(|scope| {
            let handles: Vec<_> = tellers
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| batch.contains(&(*i as u32 + 1)))
                .map(|(_, t)| scope.spawn(move || teller_turn(base, account, t, dir)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a teller thread panicked".into()))
                })
                .collect()
        });
        let mut steps = 0;
        for r in results {
            let r = r?;
            steps += r.steps();
            total.add(&r);
        }
        if steps == 0 {
            return Err(format!(
                "tellers {batch:?} were due but had nothing to submit"
            ));
        }
    }
    Err("the decryption did not finish in 16 rounds of teller turns".into())
}

/// What a kiosk encrypts with: the election (the spec as registered, with any runoffs), its
/// id and ballot styles (`GET /api/v1/election`), and the election key (`GET
/// /api/v1/ceremony`).
struct KioskKey {
    election: Election,
    id: String,
    styles: Vec<Style>,
    key: ElectionKey,
}

fn kiosk_key(api: &Api, spec: &Value) -> R<KioskKey> {
    let c = api.call("GET", "/api/v1/ceremony", None, None)?;
    let bytes = BASE64
        .decode(c["key"]["key"].as_str().ctx("no election key")?)
        .ctx("election key")?;
    let key = ElectionKey::from_bytes(&bytes).ctx("election key")?;
    let e = api.call("GET", "/api/v1/election", None, None)?;
    let styles: Vec<Style> = serde_json::from_value(e["styles"].clone()).ctx("styles")?;
    let election =
        scrutineer::record::parse_election(spec.to_string().as_bytes()).ctx("parse_election")?;
    Ok(KioskKey {
        election,
        id: e["id"].as_str().ctx("election id")?.to_string(),
        styles,
        key,
    })
}

/// The `POST /api/v1/ballots` body of an encrypted ballot: each line encrypted for the
/// token's style with `e2e::kiosk::encrypt_lines` (tests/service `encrypted_cast`).
fn encrypt_one(k: &KioskKey, token: &str, lines: &[Value], rng: &mut SystemRng) -> R<String> {
    let t = Token::parse(token).ctx("token")?;
    let style = k
        .styles
        .get(t.style() as usize)
        .ctx("the token's ballot style")?;
    let out = scrutineer::e2e::kiosk::encrypt_lines(
        &k.election,
        &k.id,
        style,
        &k.key,
        *t.serial(),
        lines,
        rng,
    )
    .ctx("encrypt_lines")?;
    let encrypted: Vec<Value> = out
        .into_iter()
        .map(|(l, _)| json!({"contest": l.contest, "group": l.group, "ballot": BASE64.encode(&l.ballot)}))
        .collect();
    Ok(json!({"token": token, "encrypted": encrypted}).to_string())
}

/// Encrypted cast bodies, in the order of the jobs, and what encrypting them took.
struct Encrypted {
    bodies: Vec<String>,
    /// Ballots encrypted, and their cast bodies' bytes.
    n: usize,
    bytes: usize,
    secs: f64,
    /// CPU seconds of the encrypting threads together.
    cpu: f64,
    threads: usize,
}

impl Encrypted {
    fn detail(&self) -> String {
        let n = self.n as f64;
        let bytes = self.bytes;
        format!(
            "{} ballots in {:.1} s on {} threads = {} /s; {} per CPU-s of one core; {:.1} KB per cast body (JSON, base64)",
            self.n,
            self.secs,
            self.threads,
            thousands(n / self.secs),
            thousands(n / self.cpu.max(1e-9)),
            bytes as f64 / n.max(1.0) / 1e3
        )
    }

    fn ratio(&self, b: &Baselines) -> String {
        let per_core = self.n as f64 / self.cpu.max(1e-9);
        format!(
            "one ballot = {:.0} scalar multiplications' CPU time",
            b.mul_cpu / per_core
        )
    }
}

/// Encrypts each (token, ballot lines) as the token's kiosk would, before the timed casting
/// (kiosks encrypt on their own devices), on every core of this machine.
fn encrypt_ballots(k: &KioskKey, jobs: &[(String, Vec<Value>)]) -> R<Encrypted> {
    let threads = cores();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::with_capacity(jobs.len()));
    let cpu: Mutex<f64> = Mutex::new(0.0);
    let err: Mutex<Option<String>> = Mutex::new(None);
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let c0 = thread_cpu();
                let mut mine = Vec::new();
                let mut rng = SystemRng;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((token, lines)) = jobs.get(i) else {
                        break;
                    };
                    match encrypt_one(k, token, lines, &mut rng) {
                        Ok(body) => mine.push((i, body)),
                        Err(e) => {
                            if let Ok(mut g) = err.lock() {
                                g.get_or_insert(e);
                            }
                            next.store(jobs.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                }
                let used = thread_cpu() - c0;
                if let Ok(mut g) = cpu.lock() {
                    *g += used;
                }
                if let Ok(mut g) = done.lock() {
                    g.extend(mine);
                }
            });
        }
    });
    let secs = t.elapsed().as_secs_f64();
    if let Some(e) = err.into_inner().unwrap_or_default() {
        return Err(e);
    }
    let mut done = done.into_inner().unwrap_or_default();
    if done.len() != jobs.len() {
        return Err(format!(
            "encrypted {} of {} ballots",
            done.len(),
            jobs.len()
        ));
    }
    done.sort_unstable_by_key(|(i, _)| *i);
    Ok(Encrypted {
        n: done.len(),
        bytes: done.iter().map(|(_, b)| b.len()).sum(),
        bodies: done.into_iter().map(|(_, b)| b).collect(),
        secs,
        cpu: cpu.into_inner().unwrap_or(0.0),
        threads,
    })
}

/// What the decryption phase did, and how its wall time divides.
fn decryption_detail(tt: &TellerTimes, contests: usize, ballots: u64) -> String {
    format!(
        "{contests} contests, {ballots} ballots; {} shuffles of {} write-in names each time (every line of a contest someone wrote a name in), {} decryption-share entries; {}",
        tt.shuffles,
        thousands(tt.names as f64 / THRESHOLD as f64),
        tt.shares,
        tt.summary()
    )
}

fn decryption_ratio(tt: &TellerTimes, contests: usize, secs: f64, b: &Baselines) -> String {
    if tt.names == 0 {
        // No write-ins: the tellers' compute is their shares of the totals.
        let per = tt.compute / (contests.max(1) as f64 * THRESHOLD as f64);
        return format!(
            "{:.0} ms per contest; tellers' compute {:.2} ms per contest per acting teller (shares of the totals) = {:.0} scalar multiplications",
            secs * 1000.0 / contests.max(1) as f64,
            per * 1000.0,
            per * b.mul
        );
    }
    let names = tt.names as f64;
    format!(
        "{:.0} ms per contest; tellers' compute {:.3} ms per name per acting teller (shuffle + 2 shares) = {:.0} scalar multiplications",
        secs * 1000.0 / contests.max(1) as f64,
        tt.compute * 1000.0 / names,
        tt.compute / names * b.mul
    )
}

/// The spec as the log now holds it: the registered one plus each runoff contest as the
/// service adds it at publication (the parent's spec with the runoff's id, title, seats and
/// candidates, from `GET /api/v1/election`), so a kiosk encrypts for the runoff's shape.
fn spec_with_runoffs(spec: &Value, summary: &Value, runoffs: &[String]) -> R<Value> {
    let mut spec = spec.clone();
    let parents = spec["contests"].as_array().cloned().unwrap_or_default();
    for id in runoffs {
        let c = summary["contests"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id.as_str()))
            .ctx("runoff contest")?;
        let parent = c["parent"].as_str().ctx("runoff parent")?;
        let mut rc = parents
            .iter()
            .find(|p| p["id"] == parent)
            .cloned()
            .ctx("the runoff's parent in the spec")?;
        rc["id"] = json!(id);
        rc["title"] = c["title"].clone();
        rc["seats"] = c["seats"].clone();
        rc["candidates"] = Value::Array(
            c["candidates"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| json!({"id": x["id"], "name": x["name"]}))
                        .collect()
                })
                .unwrap_or_default(),
        );
        rc["parent"] = json!(parent);
        rc["runoff_reason"] = json!("shortfall");
        spec["contests"]
            .as_array_mut()
            .ctx("spec contests")?
            .push(rc);
    }
    Ok(spec)
}

/// `SCRUTINEER_BENCH_TELLER_THREADS` [every core]: the threads of a teller's turn.
fn teller_threads() -> usize {
    env_usize(
        "SCRUTINEER_BENCH_TELLER_THREADS",
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    )
    .max(1)
}

/// `SCRUTINEER_BENCH_TELLER_RESUME` [1]: 0 makes a teller's turn decode every ballot of its
/// trusted prefix again instead of starting from the tallies it saved (the A of an A/B).
/// Whether the acting tellers run once during the day, after the last ballot and before
/// the close (`SCRUTINEER_BENCH_TELLERS_DURING_DAY`, default on; 0: their first run is
/// after the close, as in the runs before 2026-12-04).
fn tellers_during_day() -> bool {
    std::env::var("SCRUTINEER_BENCH_TELLERS_DURING_DAY").map_or(true, |v| v != "0")
}

fn teller_resume() -> bool {
    env_usize("SCRUTINEER_BENCH_TELLER_RESUME", 1) != 0
}

/// `SCRUTINEER_BENCH_TELLERS_AT_ONCE` [1]: how many tellers' turns run at the same time when
/// only decryption shares are due, as tellers on their own machines would. Each turn replays
/// the whole log in this process's memory, so 2 doubles the bench's peak memory.
fn tellers_at_once() -> usize {
    env_usize("SCRUTINEER_BENCH_TELLERS_AT_ONCE", 1).max(1)
}

/// This process's peak RSS since the last call, which resets it (`/proc/self/clear_refs` 5),
/// and its RSS at that reset; `overall` keeps the peak over every call.
fn self_peak_since(overall: &mut f64) -> Peak {
    static BASE: AtomicU64 = AtomicU64::new(0);
    let peak = self_mem_mib("VmHWM:");
    *overall = overall.max(peak);
    let base = f64::from_bits(BASE.load(Ordering::Relaxed));
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    BASE.store(self_mem_mib("VmRSS:").to_bits(), Ordering::Relaxed);
    Peak { peak, base }
}

/// A peak RSS (MiB) and the RSS it started from.
struct Peak {
    peak: f64,
    base: f64,
}

impl std::fmt::Display for Peak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} MiB (+{:.0} MiB over the {:.0} MiB before)",
            self.peak,
            (self.peak - self.base).max(0.0),
            self.base
        )
    }
}

/// A figure of this process's /proc status (`VmHWM:`, the peak resident set size since the
/// last reset; `VmRSS:`, the resident set size), in MiB.
fn self_mem_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map(|k| k / 1024.0)
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------- 2. cast over HTTP

/// One election with one contest, slips printed over HTTP, ballots cast from `threads`
/// keep-alive clients. Plaintext, or (`encrypted`) with 5 tellers, the key ceremony over HTTP
/// first and every ballot encrypted in this process before the timed casting; `plain_rate`
/// is the plaintext rate of the same run, for the ratio. Returns the cast rate.
fn http_cast(
    scratch: &Path,
    b: &Baselines,
    out: &mut Out,
    encrypted: bool,
    plain_rate: Option<f64>,
) -> R<f64> {
    let n_plain = env_usize("SCRUTINEER_BENCH_HTTP_BALLOTS", 20_000);
    let n = if encrypted {
        env_usize("SCRUTINEER_BENCH_HTTP_ENCRYPTED_BALLOTS", n_plain)
    } else {
        n_plain
    };
    let threads = env_usize("SCRUTINEER_BENCH_THREADS", 64);
    let kiosks = env_usize("SCRUTINEER_BENCH_KIOSKS", 64).max(1);
    let server = Server::start(&scratch.join(if encrypted { "http-encrypted" } else { "http" }))?;
    let api = Api::new(&server.base);
    let org = api.login("organiser", &server.password)?;
    let spec = bench_spec("bench-http", "h1", n);
    let mut tellers = if encrypted {
        make_tellers(TELLERS)?
    } else {
        Vec::new()
    };
    let body = if encrypted {
        json!({"secrecy": {"mode": "encrypted", "threshold": THRESHOLD}, "spec": spec, "election_date": "2026-12-01",
               "tellers": verifiers(&tellers)?, "signatures_required": 2})
    } else {
        json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01"})
    };
    api.call("POST", "/api/v1/election", Some(&org), Some(&body))?;
    // Slips need the roll (a pool is capped at the roll plus the spare), and a ballot needs a
    // slip handed out at the desk: a roll of n voters, checked in before the timed casting.
    let mut csv = String::from("姓名,证件号码,选区,出生日期\n");
    for i in 0..n {
        csv.push_str(&format!("选民{i},H{i:07},第一选区,1980-05-01\n"));
    }
    let (status, text) = request(
        &api.agent,
        "POST",
        &format!("{}/api/v1/roll", server.base),
        Some(&org),
        Some(("text/csv", &csv)),
    )?;
    if status != 200 {
        return Err(format!(
            "roll: {status} {}",
            text.chars().take(500).collect::<String>()
        ));
    }
    let desks: Vec<String> = (1..=4)
        .map(|i| api.account(&org, &format!("desk{i}"), "registrar"))
        .collect::<R<_>>()?;
    let ceremony_run = if encrypted {
        let teller = api.account(&org, "teller1", "teller")?;
        let t = Instant::now();
        let (tt, fp) = key_ceremony(&server.base, &teller, &mut tellers, scratch)?;
        Some((t.elapsed().as_secs_f64(), tt, fp))
    } else {
        None
    };
    let t = Instant::now();
    let mut tokens = Vec::with_capacity(n);
    while tokens.len() < n {
        let want = (n - tokens.len()).min(scrutineer::tokens::pool::SHEET_TOKENS_MAX);
        tokens.extend(api.pool(&org, 0, Some(want))?);
    }
    let sheet_secs = t.elapsed().as_secs_f64();
    api.call("POST", "/api/v1/contests/h1/open", Some(&org), None)?;
    let checkins: Vec<(usize, String)> = (0..n)
        .map(|i| (i, json!({"number": format!("H{i:07}")}).to_string()))
        .collect();
    let c = load(
        &server.base,
        &checkins,
        &desks,
        "/api/v1/checkins",
        threads,
        201,
    );
    if c.failed > 0 {
        return Err(format!(
            "check-ins: {} refused, first {:?}",
            c.failed, c.first_error
        ));
    }
    let mut kiosk_tokens = Vec::new();
    for k in 0..kiosks {
        kiosk_tokens.push(api.kiosk(&org, &format!("bench-{k}"))?);
    }
    let variants = ballot_variants("h1", 64);
    let mut encryption = None;
    let jobs: Vec<(usize, String)> = if encrypted {
        let kk = kiosk_key(&api, &spec)?;
        let plain: Vec<(String, Vec<Value>)> = tokens
            .iter()
            .enumerate()
            .map(|(i, tok)| (tok.clone(), variants[i % variants.len()].clone()))
            .collect();
        let mut e = encrypt_ballots(&kk, &plain)?;
        let bodies = std::mem::take(&mut e.bodies);
        encryption = Some(e);
        bodies.into_iter().enumerate().collect()
    } else {
        tokens
            .iter()
            .enumerate()
            .map(|(i, tok)| {
                (
                    i,
                    json!({"token": tok, "ballots": variants[i % variants.len()]}).to_string(),
                )
            })
            .collect()
    };
    let hwm_before = server.hwm_mib();
    let checkpoints = |api: &Api| -> usize {
        api.call("GET", "/api/v1/checkpoints", None, None)
            .ok()
            .and_then(|v| v["sizes"].as_array().map(|a| a.len()))
            .unwrap_or(0)
    };
    let cp0 = checkpoints(&api);
    let (srv0, me0) = (server.cpu_secs(), proc_cpu_secs(std::process::id()));
    let l = load(
        &server.base,
        &jobs,
        &kiosk_tokens,
        "/api/v1/ballots",
        threads,
        201,
    );
    let (srv, me) = (
        server.cpu_secs() - srv0,
        proc_cpu_secs(std::process::id()) - me0,
    );
    let batches = checkpoints(&api).saturating_sub(cp0);
    let metrics = request(
        &api.agent,
        "GET",
        &format!("{}/metrics", server.base),
        None,
        None,
    )?
    .1;
    let in_log = metrics
        .lines()
        .find(|x| x.starts_with("scrutineer_log_ballots "))
        .and_then(|x| x.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_string();
    let rate = l.ok as f64 / l.secs;
    out.table(&format!(
        "Casting over HTTP, {} ballots ({n} ballots, {threads} client threads, {kiosks} paired kiosks, server and clients on the same {} cores)",
        if encrypted {
            "encrypted (threshold 3 of 5 tellers)"
        } else {
            "plaintext"
        },
        cores()
    ));
    if let Some((secs, tt, fp)) = &ceremony_run {
        out.row(
            "key ceremony over HTTP (3 rounds × 5 tellers: export, replay, compute, POST /api/v1/teller/entries)",
            &format!("{secs:.1} s, fingerprint {fp}; {}", tt.summary()),
            &format!(
                "{:.0} ms per teller turn",
                secs * 1000.0 / tt.runs.max(1) as f64
            ),
        );
    }
    out.row(
        "slip sheets over HTTP (sign + QR + HTML, ≤ 10,000 per sheet)",
        &format!("{} tokens/s", thousands(n as f64 / sheet_secs)),
        &format!(
            "{:.2} × Ed25519 single verify",
            n as f64 / sheet_secs / b.ed_single
        ),
    );
    if let Some(e) = &encryption {
        out.row(
            "ballot encryption in the bench process before casting (`e2e::kiosk::encrypt_lines`, kiosk work, all cores)",
            &e.detail(),
            &e.ratio(b),
        );
    }
    let mut cast_ratio = format!(
        "{:.2} × fdatasync rate; {:.2} × Ed25519 single verify",
        rate / b.fsync,
        rate / b.ed_single
    );
    if let (true, Some(p)) = (encrypted, plain_rate) {
        cast_ratio = format!(
            "**{:.2} × the plaintext cast rate** (same run); {cast_ratio}",
            rate / p
        );
    }
    out.row(
        &format!(
            "durable ballots cast, POST /api/v1/ballots{}",
            if encrypted { " {token, encrypted}" } else { "" }
        ),
        &format!(
            "{} /s ({} ok, {} refused; {} in the log)",
            thousands(rate),
            l.ok,
            l.failed,
            in_log
        ),
        &cast_ratio,
    );
    out.row(
        "commit batches during casting (one fdatasync and one signed checkpoint each)",
        &format!(
            "{batches} = {:.1} ballots per fdatasync",
            l.ok as f64 / batches.max(1) as f64
        ),
        "",
    );
    out.row(
        "cast latency p50 / p99",
        &format!("{:.1} ms / {:.1} ms", pct(&l.lat, 0.5), pct(&l.lat, 0.99)),
        "target p99 < 50 ms",
    );
    out.row(
        "CPU per ballot: server / clients (ureq, same machine)",
        &format!(
            "{:.3} ms / {:.3} ms ({:.1} s + {:.1} s of {:.1} s × {} cores)",
            srv * 1000.0 / l.ok.max(1) as f64,
            me * 1000.0 / l.ok.max(1) as f64,
            srv,
            me,
            l.secs,
            cores()
        ),
        &format!(
            "server alone on {} cores could do ≤ {} /s",
            cores(),
            thousands(cores() as f64 * l.ok as f64 / srv.max(1e-9))
        ),
    );
    let per = srv * 1000.0 / l.ok.max(1) as f64;
    if encrypted {
        out.row(
            "server CPU per encrypted ballot in scalar multiplications",
            &format!(
                "{per:.3} ms = {:.0} × one scalar multiplication (per-CPU-s baseline)",
                per / 1000.0 * b.mul_cpu
            ),
            &format!("{:.1} × a 64-point MSM", per / 1000.0 * b.msm64_cpu),
        );
    }
    out.row(
        "of the server's CPU per ballot: receipt QR / token signature check",
        &format!(
            "{:.3} ms / {:.3} ms (from the per-CPU-s baselines)",
            1000.0 / b.qr_cpu,
            1000.0 / b.ed_single_cpu
        ),
        &format!(
            "{:.0}% / {:.0}% of {per:.3} ms",
            100.0 / b.qr_cpu * 1000.0 / per,
            100.0 / b.ed_single_cpu * 1000.0 / per
        ),
    );
    out.row(
        "distance to the 5,000 ballots/s target",
        &format!("{:.2} × target", rate / 5000.0),
        "",
    );
    out.row(
        "server peak RSS (VmHWM) before / after casting",
        &format!("{:.0} MiB / {:.0} MiB", hwm_before, server.hwm_mib()),
        "",
    );
    if let Some(e) = l.first_error {
        out.line(&format!("\nfirst refusal: {e}"));
    }
    out.save();
    Ok(rate)
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

// ---------------------------------------------------------------- 6. the county

struct District {
    id: String,
    unit: String,
    seats: usize,
    cands: usize,
    voters: Vec<String>,
    runoff: bool,
}

/// 403 constituencies of 1-3 seats summing to 788 (scaled with `districts`), each with the
/// fewest formal candidates npc_direct allows (ceil(4s/3) = s + 1), voters in proportion to
/// seats. Every eighth one-seat constituency has a split vote that leaves its seat unfilled.
///
/// RULES.md section 6 says 1,162 formal candidates, but with 1-3 seats ceil(4s/3) = s + 1, so
/// 403 constituencies with 788 seats need at least 788 + 403 = 1,191 whatever the split: the
/// engine would refuse 1,162. The bench uses that minimum, 1,191.
fn county_layout(districts: usize, voters: usize) -> Vec<District> {
    let seats_total = (788 * districts)
        .div_ceil(403)
        .clamp(districts, 3 * districts);
    let extra = seats_total - districts; // = n2 + 2·n3
    let n3 = extra / 3;
    let n2 = extra - 2 * n3;
    let n1 = districts - n2 - n3;
    let mut seats: Vec<usize> = [vec![3; n3], vec![2; n2], vec![1; n1]].concat();
    let mut rng = StdRng::seed_from_u64(403);
    for i in (1..seats.len()).rev() {
        let j = rng.gen_range(0..=i);
        seats.swap(i, j);
    }
    let mut out = Vec::new();
    let mut number = 0usize;
    let mut assigned = 0usize;
    let mut ones = 0usize;
    for (i, s) in seats.iter().enumerate() {
        let share = if i + 1 == seats.len() {
            voters - assigned
        } else {
            voters * s / seats_total
        };
        assigned += share;
        let unit = format!("第{:03}选区", i + 1);
        let vs = (0..share)
            .map(|_| {
                number += 1;
                format!("V{number:07}")
            })
            .collect();
        let runoff = *s == 1 && {
            ones += 1;
            ones % 8 == 1
        };
        out.push(District {
            id: format!("d{:03}", i + 1),
            unit,
            seats: *s,
            cands: s + 1,
            voters: vs,
            runoff,
        });
    }
    out
}

/// Five write-in names for `county_line`.
const WRITE_IN_NAMES: [&str; 5] = ["王芳", "李强", "张伟", "刘洋", "陈静"];

/// `SCRUTINEER_BENCH_WRITE_IN_PERCENT` as "every n-th voter writes a name in" (0: none).
fn write_in_every() -> usize {
    let pct: f64 = std::env::var("SCRUTINEER_BENCH_WRITE_IN_PERCENT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    if pct > 0.0 && pct <= 100.0 {
        (100.0 / pct).round().max(1.0) as usize
    } else {
        0
    }
}

/// The ballot line of voter k of a constituency: its `county_marks`, and in the first
/// round, for every `every`-th voter, one write-in name (giving up the last 赞成 mark when
/// the seats were all marked, so that the ballot stays valid).
fn county_line(d: &District, k: usize, round: u8, every: usize) -> Value {
    let mut marks = county_marks(d, k, round);
    let write_in = round == 1 && every > 0 && k % every == every - 1;
    if write_in {
        if let Some(m) = marks.as_object_mut() {
            if m.len() >= d.seats {
                if let Some(last) = m.keys().next_back().cloned() {
                    m.remove(&last);
                }
            }
        }
        let name = WRITE_IN_NAMES[(k / every) % WRITE_IN_NAMES.len()];
        json!({"contest": d.id, "marks": marks, "write_ins": [name]})
    } else {
        json!({"contest": d.id, "marks": marks})
    }
}

/// The marks of voter k of a constituency: the first s candidates carry it, except in a
/// constituency set up for a runoff, where nobody reaches more than half.
fn county_marks(d: &District, k: usize, round: u8) -> Value {
    let s = d.seats;
    let pick: Vec<usize> = if round == 2 {
        if k % 10 < 6 {
            vec![0]
        } else {
            vec![1]
        }
    } else if d.runoff {
        match k % 5 {
            0 | 2 => vec![0],
            1 | 3 => vec![1],
            _ => vec![],
        }
    } else if k % 4 != 3 {
        (0..s).collect()
    } else {
        (1..=s).collect()
    };
    let m: serde_json::Map<String, Value> = pick
        .into_iter()
        .map(|j| (format!("c{j}"), json!("for")))
        .collect();
    Value::Object(m)
}

struct Phase {
    name: String,
    secs: f64,
    /// Server CPU time (user + system) used during the phase.
    cpu: Option<f64>,
    detail: String,
    ratio: String,
    hwm: Option<f64>,
    /// Counted in the end-to-end time (the kiosks' encryption, done in the bench before the
    /// timed casting, is not: kiosks encrypt on their own devices as voters vote).
    counted: bool,
}

fn mark(server: &Server) -> (Instant, f64) {
    (Instant::now(), server.cpu_secs())
}

fn phase(
    phases: &mut Vec<Phase>,
    server: &Server,
    name: &str,
    t: (Instant, f64),
    detail: String,
    ratio: String,
) {
    let secs = t.0.elapsed().as_secs_f64();
    let cpu = server.cpu_secs() - t.1;
    println!("  {name}: {secs:.1} s (server CPU {cpu:.1} s)  {detail}");
    phases.push(Phase {
        name: name.to_string(),
        secs,
        cpu: Some(cpu),
        detail,
        ratio,
        hwm: Some(server.hwm_mib()),
        counted: true,
    });
}

/// CPU seconds (user + system) of a process so far, from /proc/PID/stat.
fn proc_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The county election day. `encrypted`: 5 tellers (threshold 3), the key ceremony after the
/// election is created, encrypted ballots (prepared in the bench before the timed casting),
/// decryption by 3 tellers over HTTP after the polls close. `http_rates`: the plaintext and
/// encrypted one-contest cast rates of the `http` part of the same run, for ratios.
fn county(
    scratch: &Path,
    b: &Baselines,
    out: &mut Out,
    percent: usize,
    encrypted: bool,
    http_rates: (Option<f64>, Option<f64>),
) -> R<CountyRun> {
    let percent = percent.clamp(1, 100);
    let districts_n = env_usize("SCRUTINEER_BENCH_COUNTY_DISTRICTS", 403).clamp(1, 403);
    let threads = env_usize("SCRUTINEER_BENCH_THREADS", 64);
    let registered = 267_216 * percent / 100;
    let ds = county_layout(districts_n, registered);
    let seats: usize = ds.iter().map(|d| d.seats).sum();
    let cands: usize = ds.iter().map(|d| d.cands).sum();
    println!(
        "county: {} voters, {} constituencies, {seats} seats, {cands} candidates",
        registered,
        ds.len()
    );
    let wang = Signer::new("teller-wang", SigningKey::from_bytes(&[11u8; 32])).ctx("signer")?;
    let li = Signer::new("teller-li", SigningKey::from_bytes(&[12u8; 32])).ctx("signer")?;
    // Encrypted: five tellers, of whom teller-wang and teller-li (the same keys) also sign.
    let mut tellers = if encrypted {
        make_tellers(TELLERS)?
    } else {
        Vec::new()
    };
    // Kiosk encryption done in the bench (not in the end-to-end time).
    let mut kiosk_secs = 0.0;
    // This process's peak RSS over the whole run (VmHWM is reset to measure single phases).
    let mut bench_peak = 0.0;

    let mut phases: Vec<Phase> = Vec::new();
    let wall = Instant::now();
    let server = Server::start(&scratch.join("county"))?;
    let api = Api::new(&server.base);
    let org = api.login("organiser", &server.password)?;
    let desks: Vec<String> = (1..=4)
        .map(|i| api.account(&org, &format!("desk{i}"), "registrar"))
        .collect::<R<_>>()?;
    let teller = api.account(&org, "teller1", "teller")?;
    // One teller account signs with one key (key_not_yours): a second account for the
    // second signature.
    let teller2 = api.account(&org, "teller2", "teller")?;
    let kiosks: Vec<String> = (0..threads.min(64))
        .map(|k| api.kiosk(&org, &format!("booth-{k}")))
        .collect::<R<_>>()?;
    phase(
        &mut phases,
        &server,
        "start, sign in, staff accounts and kiosks",
        (wall, 0.0),
        format!("{} kiosks, 4 desks, 2 tellers", kiosks.len()),
        String::new(),
    );

    // Election: one npc_direct contest and one ballot style per constituency.
    let t = mark(&server);
    let contests: Vec<Value> = ds
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = d.voters.len();
            json!({"id": d.id, "title": format!("{}县人大代表", d.unit), "kind": "npc_direct", "seats": d.seats,
                   "candidates": candidates(d.cands, i), "turnout": {"eligible": v, "present": v, "ballots_issued": v}})
        })
        .collect();
    let styles: Vec<Value> = ds
        .iter()
        .map(|d| json!({"round": 1, "unit": d.unit, "contests": [d.id]}))
        .collect();
    let spec = json!({"format": "scrutineer.election/v1", "id": "hexi-county-2026", "title": "河西县人民代表大会代表选举", "contests": contests});
    let (secrecy, registered_tellers) = if encrypted {
        (
            json!({"mode": "encrypted", "threshold": THRESHOLD}),
            verifiers(&tellers)?,
        )
    } else {
        (
            json!({"mode": "plaintext", "reason": "a test of plaintext ballots"}),
            vec![
                wang.verifier().ctx("verifier")?.to_text(),
                li.verifier().ctx("verifier")?.to_text(),
            ],
        )
    };
    api.call("POST", "/api/v1/election", Some(&org), Some(&json!({"secrecy": secrecy, "spec": spec, "styles": styles, "election_date": "2026-12-01",
        "tellers": registered_tellers, "signatures_required": 2})))?;
    phase(
        &mut phases,
        &server,
        "create the election",
        t,
        format!(
            "{} contests, {} styles, {}",
            ds.len(),
            ds.len(),
            if encrypted {
                "encrypted, 5 tellers, threshold 3"
            } else {
                "plaintext"
            }
        ),
        String::new(),
    );
    if encrypted {
        // Slips carry the election key's fingerprint: the ceremony comes before the pools.
        let t = mark(&server);
        let (tt, fp) = key_ceremony(&server.base, &teller, &mut tellers, scratch)?;
        phase(
            &mut phases,
            &server,
            "key ceremony (3 rounds × 5 tellers: export, replay, compute, POST /api/v1/teller/entries)",
            t,
            format!("fingerprint {fp}; {}", tt.summary()),
            format!(
                "{:.0} ms per teller turn",
                t.0.elapsed().as_secs_f64() * 1000.0 / tt.runs.max(1) as f64
            ),
        );
    }

    // Roll.
    let mut csv = String::from("姓名,证件号码,选区,出生日期\n");
    let mut k = 0usize;
    for d in &ds {
        for v in &d.voters {
            k += 1;
            csv.push_str(&format!(
                "选民{k},{v},{},{}-{:02}-{:02}\n",
                d.unit,
                1940 + k % 60,
                1 + k % 12,
                1 + k % 28
            ));
        }
    }
    let t = mark(&server);
    let (status, text) = request(
        &api.agent,
        "POST",
        &format!("{}/api/v1/roll", server.base),
        Some(&org),
        Some(("text/csv", &csv)),
    )?;
    if status != 200 {
        return Err(format!(
            "roll: {status} {}",
            text.chars().take(500).collect::<String>()
        ));
    }
    phase(
        &mut phases,
        &server,
        "import the roll (CSV)",
        t,
        format!("{registered} rows, {:.1} MB", csv.len() as f64 / 1e6),
        String::new(),
    );
    drop(csv);

    // Slip sheets, one pool per style (roll of its unit + 5%).
    let t = mark(&server);
    let next = AtomicUsize::new(0);
    let sheets: Mutex<Vec<(usize, Vec<String>)>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let a = Api::new(&server.base);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= ds.len() {
                        break;
                    }
                    match a.pool(&org, i, None) {
                        Ok(toks) => {
                            if let Ok(mut s) = sheets.lock() {
                                s.push((i, toks));
                            }
                        }
                        Err(e) => {
                            if let Ok(mut s) = errors.lock() {
                                s.push(e);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = errors.lock().ok().and_then(|e| e.first().cloned()) {
        return Err(e);
    }
    let mut pools: Vec<Vec<String>> = vec![Vec::new(); ds.len()];
    for (i, toks) in sheets.into_inner().unwrap_or_default() {
        pools[i] = toks;
    }
    let n_tokens: usize = pools.iter().map(|p| p.len()).sum();
    phase(
        &mut phases,
        &server,
        "slip sheets (POST /api/v1/pools per style, 4 threads)",
        t,
        format!(
            "{} sheets, {n_tokens} tokens, {} tokens/s",
            ds.len(),
            thousands(n_tokens as f64 / t.0.elapsed().as_secs_f64())
        ),
        String::new(),
    );

    let t = mark(&server);
    let jobs: Vec<(usize, String)> = ds
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.id.clone()))
        .collect();
    parallel(&jobs, 8, |_, (_, id)| {
        api.call(
            "POST",
            &format!("/api/v1/contests/{id}/open"),
            Some(&org),
            None,
        )
        .map(|_| ())
    })?;
    phase(
        &mut phases,
        &server,
        "open every contest",
        t,
        format!("{} contests", ds.len()),
        String::new(),
    );
    let setup_phases = phases.len();

    // Check-ins: 90% present; one in 25 of those present carries a proxy for an absent voter.
    let mut checkins: Vec<(usize, String)> = Vec::new();
    let mut present: Vec<usize> = Vec::new();
    for d in &ds {
        let v = d.voters.len();
        let p = (v * 9).div_ceil(10).min(v);
        let proxies = p / 26;
        let attend = p - proxies;
        for (a, num) in d.voters.iter().take(attend).enumerate() {
            let body = if a < proxies {
                json!({"number": num, "principals": [d.voters[attend + a]]})
            } else {
                json!({"number": num})
            };
            checkins.push((checkins.len(), body.to_string()));
        }
        present.push(p);
    }
    let mut rng = StdRng::seed_from_u64(90);
    shuffle(&mut checkins, &mut rng);
    let t = mark(&server);
    let l = load(
        &server.base,
        &checkins,
        &desks,
        "/api/v1/checkins",
        threads,
        201,
    );
    if l.failed > 0 {
        return Err(format!(
            "check-ins: {} refused, first {:?}",
            l.failed, l.first_error
        ));
    }
    let rate = l.ok as f64 / l.secs;
    phase(
        &mut phases,
        &server,
        "check-ins (POST /api/v1/checkins)",
        t,
        format!(
            "{} requests ({} slips), {} /s, p50 {:.1} ms, p99 {:.1} ms",
            l.ok,
            present.iter().sum::<usize>(),
            thousands(rate),
            pct(&l.lat, 0.5),
            pct(&l.lat, 0.99)
        ),
        format!("{:.2} × fdatasync", rate / b.fsync),
    );

    // The registrar desk's live counts (the desk page polls this).
    let t = mark(&server);
    let desk = api.call("GET", "/api/v1/desk", Some(&desks[0]), None)?;
    phase(
        &mut phases,
        &server,
        "one GET /api/v1/desk (live turnout per contest)",
        t,
        format!(
            "{} contests, roll {}",
            desk["contests"].as_array().map(|a| a.len()).unwrap_or(0),
            desk["roll_size"]
        ),
        String::new(),
    );

    // Casting: one ballot per slip handed out.
    let mut casts: Vec<(usize, String)> = Vec::new();
    let every = write_in_every();
    if encrypted {
        // Each kiosk encrypts its voter's ballot on its own device: done here, on every
        // core, before the timed casting.
        let kk = kiosk_key(&api, &spec)?;
        let mut plain: Vec<(String, Vec<Value>)> = Vec::new();
        for (i, d) in ds.iter().enumerate() {
            for k in 0..present[i] {
                let tok = pools[i].get(k).ctx("a slip for every voter present")?;
                plain.push((tok.clone(), vec![county_line(d, k, 1, every)]));
            }
        }
        println!("  encrypting {} ballots ...", plain.len());
        self_peak_since(&mut bench_peak);
        let mut e = encrypt_ballots(&kk, &plain)?;
        drop(plain);
        let enc_peak = self_peak_since(&mut bench_peak);
        casts = std::mem::take(&mut e.bodies)
            .into_iter()
            .enumerate()
            .collect();
        kiosk_secs += e.secs;
        println!("  kiosk encryption: {:.1} s  {}", e.secs, e.detail());
        phases.push(Phase {
            name: "kiosk encryption in the bench process before casting (`e2e::kiosk::encrypt_lines`, all cores; not in the end-to-end time)".into(),
            secs: e.secs,
            cpu: None,
            detail: format!(
                "{}; the bench process's peak RSS {enc_peak}",
                e.detail()
            ),
            ratio: e.ratio(b),
            hwm: None,
            counted: false,
        });
    } else {
        for (i, d) in ds.iter().enumerate() {
            for k in 0..present[i] {
                let tok = pools[i].get(k).ctx("a slip for every voter present")?;
                casts.push((
                    casts.len(),
                    json!({"token": tok, "ballots": [county_line(d, k, 1, every)]}).to_string(),
                ));
            }
        }
    }
    shuffle(&mut casts, &mut rng);
    let t = mark(&server);
    let l = load(
        &server.base,
        &casts,
        &kiosks,
        "/api/v1/ballots",
        threads,
        201,
    );
    if l.failed > 0 {
        return Err(format!(
            "casting: {} refused, first {:?}",
            l.failed, l.first_error
        ));
    }
    let rate = l.ok as f64 / l.secs;
    let per = (server.cpu_secs() - t.1) / l.ok.max(1) as f64;
    let mut ratio = format!(
        "{:.2} × fdatasync; {:.2} × Ed25519 single verify",
        rate / b.fsync,
        rate / b.ed_single
    );
    if encrypted {
        ratio = format!(
            "{ratio}; server CPU {:.2} ms per ballot = {:.0} scalar multiplications",
            per * 1000.0,
            per * b.mul_cpu
        );
        if let Some(p) = http_rates.0 {
            ratio = format!(
                "**{:.2} × the one-contest plaintext HTTP cast rate** (http part, same run); {ratio}",
                rate / p
            );
        }
        if let Some(e) = http_rates.1 {
            ratio = format!(
                "{ratio}; {:.2} × the one-contest encrypted HTTP rate",
                rate / e
            );
        }
    } else if let Some(p) = http_rates.0 {
        ratio = format!(
            "{ratio}; {:.2} × the one-contest HTTP cast rate (http part, same run)",
            rate / p
        );
    }
    phase(
        &mut phases,
        &server,
        if encrypted {
            "casting encrypted ballots (POST /api/v1/ballots {token, encrypted})"
        } else {
            "casting (POST /api/v1/ballots)"
        },
        t,
        format!(
            "{} ballots, {} /s, p50 {:.1} ms, p99 {:.1} ms",
            l.ok,
            thousands(rate),
            pct(&l.lat, 0.5),
            pct(&l.lat, 0.99)
        ),
        ratio,
    );
    drop(casts);

    // The tellers follow the log during the day, as the README asks of them: each run
    // verifies what was cast since the last and saves it, so that the run after the close
    // has only the rest to verify. Here, one run each after the last ballot.
    if encrypted && tellers_during_day() {
        self_peak_since(&mut bench_peak);
        let t = mark(&server);
        let mut day = TellerTimes::default();
        for (_, t) in tellers
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| ACTING.contains(&(*i as u32 + 1)))
        {
            let r = teller_turn(&server.base, &teller, t, scratch)?;
            if r.steps() != 0 {
                return Err(format!(
                    "{}: a run before the close had steps to submit",
                    t.signer.name()
                ));
            }
            day.add(&r);
        }
        let peak = self_peak_since(&mut bench_peak);
        // What `scrutineer teller run` writes to the state file.
        let state_bytes = tellers
            .first()
            .and_then(|t| serde_json::to_string_pretty(&t.st).ok())
            .map_or(0, |s| s.len());
        phase(
            &mut phases,
            &server,
            "the acting tellers' runs during the day (`scrutineer teller run` after the last ballot, before the close: each verifies the log so far and saves its prefix; nothing to submit)",
            t,
            format!(
                "{}; a teller's state file {:.1} MB; the bench process's peak RSS {peak}",
                day.summary(),
                state_bytes as f64 / 1e6
            ),
            String::new(),
        );
    }

    // Close, tally, sign, publish, contest by contest, as tellers do.
    let after_close = phases.len();
    let t = mark(&server);
    for d in &ds {
        api.call(
            "POST",
            &format!("/api/v1/contests/{}/close", d.id),
            Some(&teller),
            None,
        )?;
    }
    phase(
        &mut phases,
        &server,
        "close every contest (teller, one at a time)",
        t,
        format!(
            "{:.0} ms per contest",
            t.0.elapsed().as_secs_f64() * 1000.0 / ds.len() as f64
        ),
        String::new(),
    );
    if encrypted {
        self_peak_since(&mut bench_peak);
        let t = mark(&server);
        let (tt, contests, ballots) = decrypt_closed(&server.base, &teller, &mut tellers, scratch)?;
        let peak = self_peak_since(&mut bench_peak);
        phase(
            &mut phases,
            &server,
            "threshold decryption, 3 of 5 tellers over HTTP (shares of the totals; the names shuffled and decrypted where someone wrote one in)",
            t,
            format!(
                "{}; the bench process's peak RSS (the tellers' replays, {} at once at most) {peak}",
                decryption_detail(&tt, contests, ballots),
                tellers_at_once()
            ),
            decryption_ratio(&tt, contests, t.0.elapsed().as_secs_f64(), b),
        );
    }
    let t = mark(&server);
    let mut results = Vec::new();
    for d in &ds {
        let r = api.call(
            "POST",
            &format!("/api/v1/contests/{}/tally", d.id),
            Some(&teller),
            None,
        )?;
        results.push(r["result_index"].as_u64().ctx("result_index")?);
    }
    phase(
        &mut phases,
        &server,
        "tally every contest (teller, one at a time)",
        t,
        format!(
            "{:.0} ms per contest",
            t.0.elapsed().as_secs_f64() * 1000.0 / ds.len() as f64
        ),
        String::new(),
    );
    let t = mark(&server);
    let mut runoffs: Vec<String> = Vec::new();
    for index in &results {
        runoffs.extend(sign_and_publish(
            &api,
            &org,
            &teller,
            *index,
            &[(&teller, &wang), (&teller2, &li)],
        )?);
    }
    let close_to_published = phases.len() + 1 - after_close;
    phase(
        &mut phases,
        &server,
        "two teller signatures and publication per result",
        t,
        format!(
            "{} results, {} runoffs created",
            results.len(),
            runoffs.len()
        ),
        String::new(),
    );

    // The runoffs: a second round in those constituencies, every step again.
    let t = mark(&server);
    if !runoffs.is_empty() {
        let e = api.call("GET", "/api/v1/election", None, None)?;
        let styles = e["styles"].as_array().ctx("styles")?;
        let mut round2: Vec<(usize, usize, String, u64)> = Vec::new(); // (district, style, contest, round)
        for id in &runoffs {
            let parent = id.split("-r").next().unwrap_or("");
            let di = ds
                .iter()
                .position(|d| d.id == parent)
                .ctx("runoff parent")?;
            let si = styles
                .iter()
                .position(|s| {
                    s["contests"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|x| x == id.as_str()))
                })
                .ctx("runoff style")?;
            // From conduct protocol 7 each runoff is a round of its own (2, 3, ...).
            let round = styles[si]["round"].as_u64().ctx("runoff round")?;
            round2.push((di, si, id.clone(), round));
        }
        let mut checkins2 = Vec::new();
        let mut casts2 = Vec::new();
        let mut plain2: Vec<(String, Vec<Value>)> = Vec::new();
        for (di, si, id, round) in &round2 {
            let toks = api.pool(&org, *si, None)?;
            api.call(
                "POST",
                &format!("/api/v1/contests/{id}/open"),
                Some(&org),
                None,
            )?;
            let d = &ds[*di];
            let p = (d.voters.len() * 17).div_ceil(20).min(toks.len());
            for (k, num) in d.voters.iter().take(p).enumerate() {
                checkins2.push((
                    checkins2.len(),
                    json!({"number": num, "round": round}).to_string(),
                ));
                if encrypted {
                    plain2.push((
                        toks[k].clone(),
                        vec![json!({"contest": id, "marks": county_marks(d, k, 2)})],
                    ));
                } else {
                    casts2.push((casts2.len(), json!({"token": toks[k], "ballots": [{"contest": id, "marks": county_marks(d, k, 2)}]}).to_string()));
                }
            }
        }
        let mut enc2 = 0.0;
        if encrypted {
            // The kiosks encrypt for the runoffs' shapes: the spec with the runoff contests
            // the service added when the results were published.
            let spec2 = spec_with_runoffs(&spec, &e, &runoffs)?;
            let kk = kiosk_key(&api, &spec2)?;
            let en = encrypt_ballots(&kk, &plain2)?;
            enc2 = en.secs;
            kiosk_secs += en.secs;
            casts2 = en.bodies.into_iter().enumerate().collect();
        }
        let l = load(
            &server.base,
            &checkins2,
            &desks,
            "/api/v1/checkins",
            threads,
            201,
        );
        if l.failed > 0 {
            return Err(format!("round-2 check-ins: {:?}", l.first_error));
        }
        let l = load(
            &server.base,
            &casts2,
            &kiosks,
            "/api/v1/ballots",
            threads,
            201,
        );
        if l.failed > 0 {
            return Err(format!("round-2 casting: {:?}", l.first_error));
        }
        let mut elected = 0;
        let mut decryption = String::new();
        if encrypted {
            for (_, _, id, _) in &round2 {
                api.call(
                    "POST",
                    &format!("/api/v1/contests/{id}/close"),
                    Some(&teller),
                    None,
                )?;
            }
            self_peak_since(&mut bench_peak);
            let td = Instant::now();
            let (tt, contests, ballots) =
                decrypt_closed(&server.base, &teller, &mut tellers, scratch)?;
            let peak = self_peak_since(&mut bench_peak);
            decryption = format!(
                "; kiosk encryption ({enc2:.1} s) not counted; decryption {:.1} s: {}; the bench process's peak RSS in it {peak}",
                td.elapsed().as_secs_f64(),
                decryption_detail(&tt, contests, ballots)
            );
        }
        for (_, _, id, _) in &round2 {
            if !encrypted {
                api.call(
                    "POST",
                    &format!("/api/v1/contests/{id}/close"),
                    Some(&teller),
                    None,
                )?;
            }
            let r = api.call(
                "POST",
                &format!("/api/v1/contests/{id}/tally"),
                Some(&teller),
                None,
            )?;
            elected += r["result"]["contests"][0]["elected"]
                .as_array()
                .map(|a| a.len())
                .unwrap_or(0);
            let index = r["result_index"].as_u64().ctx("result_index")?;
            sign_and_publish(
                &api,
                &org,
                &teller,
                index,
                &[(&teller, &wang), (&teller2, &li)],
            )?;
        }
        phase(
            &mut phases,
            &server,
            "runoff round (sheets, open, check-in, cast, close, tally, sign, publish)",
            t,
            format!(
                "{} runoffs, {} voters checked in again, {} ballots, {elected} elected{decryption}",
                round2.len(),
                checkins2.len(),
                casts2.len()
            ),
            String::new(),
        );
        if let Some(p) = phases.last_mut() {
            p.secs -= enc2;
        }
    }

    // Export and verify.
    let t = mark(&server);
    let resp = api
        .agent
        .get(&format!("{}/api/v1/export", server.base))
        .call()
        .ctx("export")?;
    let mut tarball = Vec::new();
    resp.into_reader()
        .read_to_end(&mut tarball)
        .ctx("export body")?;
    if let Ok(keep) = std::env::var("SCRUTINEER_BENCH_KEEP_EXPORT") {
        std::fs::write(&keep, &tarball).ctx("SCRUTINEER_BENCH_KEEP_EXPORT")?;
    }
    let unpacked = scratch.join("county-export");
    let _ = std::fs::remove_dir_all(&unpacked);
    tar::Archive::new(tarball.as_slice())
        .unpack(&unpacked)
        .ctx("unpack")?;
    let checkpoints = std::fs::read_dir(unpacked.join("scrutineer-export/checkpoints"))
        .map(|r| r.count())
        .unwrap_or(0);
    phase(
        &mut phases,
        &server,
        "export (GET /api/v1/export) and unpack",
        t,
        format!(
            "{:.0} MB tar, {checkpoints} checkpoints",
            tarball.len() as f64 / 1e6
        ),
        String::new(),
    );
    drop(tarball);
    let hwm = server.hwm_mib();
    drop(server);
    self_peak_since(&mut bench_peak);
    let t = Instant::now();
    let report = verify_export(&unpacked.join("scrutineer-export"), &|_, _| {});
    let secs = t.elapsed().as_secs_f64();
    let vrate = report.ballots as f64 / secs;
    let verify_peak = self_peak_since(&mut bench_peak);
    println!("  verify: {secs:.1} s, bench process peak {verify_peak}");
    phases.push(Phase {
        name: "verify the export (`scrutineer::verify`, in the bench process)".into(),
        secs,
        cpu: None,
        detail: format!(
            "ok = {}, {} entries, {} ballots{}, {} results, {} ballots/s",
            report.ok,
            report.entries,
            report.ballots,
            if encrypted {
                format!(
                    " ({} encrypted), {} shuffles verified, election key {}",
                    report.encrypted_ballots,
                    report.shuffles,
                    report.election_key_fingerprint.as_deref().unwrap_or("?")
                )
            } else {
                String::new()
            },
            report.results,
            thousands(vrate)
        ) + &format!("; the bench process's peak RSS while verifying {verify_peak}"),
        ratio: if encrypted {
            format!(
                "{:.3} × Ed25519 batch; one ballot = {:.2} 64-point MSMs' time = {:.0} scalar multiplications",
                vrate / b.ed_batch,
                b.msm64 / vrate,
                b.mul / vrate
            )
        } else {
            format!("{:.2} × Ed25519 batch", vrate / b.ed_batch)
        },
        hwm: None,
        counted: true,
    });
    if !report.ok {
        eprintln!("county verify failed: {:?}", report.failure);
    }
    let _ = std::fs::remove_dir_all(&unpacked);
    let total = wall.elapsed().as_secs_f64() - kiosk_secs;
    self_peak_since(&mut bench_peak);
    let bench_hwm = bench_peak;

    out.line("");
    out.line(&format!(
        "### County election day over HTTP: {registered} registered voters ({percent}% of 267,216), {} constituencies, {seats} seats, {cands} formal candidates",
        ds.len()
    ));
    out.line("");
    out.line(
        "| phase | wall time | server CPU | detail | ratio to its baseline | server VmHWM after |",
    );
    out.line("|---|---|---|---|---|---|");
    for p in &phases {
        out.line(&format!(
            "| {} | {:.1} s | {} | {} | {} | {} |",
            p.name,
            p.secs,
            p.cpu.map(|c| format!("{c:.1} s")).unwrap_or_default(),
            p.detail,
            p.ratio,
            p.hwm.map(|h| format!("{h:.0} MiB")).unwrap_or_default()
        ));
    }
    let setup: f64 = phases
        .iter()
        .take(setup_phases)
        .filter(|p| p.counted)
        .map(|p| p.secs)
        .sum();
    let kiosk = if kiosk_secs > 0.0 {
        format!("; the kiosks' encryption in the bench ({kiosk_secs:.1} s) not included")
    } else {
        String::new()
    };
    let after: f64 = phases
        .iter()
        .skip(after_close)
        .take(close_to_published)
        .map(|p| p.secs)
        .sum();
    out.line(&format!("| **end to end** | **{total:.1} s** | | setup (first {setup_phases} rows) {setup:.1} s, election day and after {:.1} s{kiosk}; from the close to the first round's published results ({close_to_published} rows) {after:.1} s; target < 120 s at full scale | | peak {hwm:.0} MiB (server); bench process {bench_hwm:.0} MiB |", total - setup));
    out.save();
    Ok(CountyRun {
        percent,
        phases,
        total,
    })
}

struct CountyRun {
    percent: usize,
    phases: Vec<Phase>,
    total: f64,
}

/// Clearly labelled projection to the whole county from two or more scaled runs with the same
/// 403 constituencies: each phase fitted as fixed + per-voter cost through the two largest runs.
fn county_projection(runs: &[CountyRun], out: &mut Out) {
    let mut runs: Vec<&CountyRun> = runs.iter().collect();
    runs.sort_by_key(|r| r.percent);
    let (Some(a), Some(b)) = (runs.get(runs.len().wrapping_sub(2)), runs.last()) else {
        return;
    };
    if a.percent == b.percent || b.percent >= 100 || a.phases.len() != b.phases.len() {
        return;
    }
    let x = |p: usize| p as f64;
    let project = |ta: f64, tb: f64| {
        let slope = ((tb - ta) / (x(b.percent) - x(a.percent))).max(0.0);
        tb + slope * (100.0 - x(b.percent))
    };
    out.line("");
    out.line(&format!(
        "### PROJECTION (not a measurement): the whole county, from the {}% and {}% runs",
        a.percent, b.percent
    ));
    out.line("");
    out.line("Each phase fitted as fixed cost + cost per voter through the two runs (403 constituencies in both), extended to 100%.");
    out.line("");
    out.line(&format!(
        "| phase | measured at {}% | measured at {}% | projected at 100% |",
        a.percent, b.percent
    ));
    out.line("|---|---|---|---|");
    let mut sum = 0.0;
    for (pa, pb) in a.phases.iter().zip(&b.phases) {
        let p = project(pa.secs, pb.secs);
        if pb.counted {
            sum += p;
        }
        out.line(&format!(
            "| {} | {:.1} s | {:.1} s | ~{:.0} s (projection{}) |",
            pb.name,
            pa.secs,
            pb.secs,
            p,
            if pb.counted {
                ""
            } else {
                "; not in the end-to-end sum"
            }
        ));
    }
    out.line(&format!(
        "| **end to end** | {:.1} s | {:.1} s | **~{:.0} s = {:.1} min (projection)** |",
        a.total,
        b.total,
        sum,
        sum / 60.0
    ));
    out.save();
}

fn sign_and_publish(
    api: &Api,
    org: &str,
    teller: &str,
    index: u64,
    signers: &[(&String, &Signer)],
) -> R<Vec<String>> {
    let r = api.call(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(teller),
        None,
    )?;
    let text = r["checkpoint_text"].as_str().ctx("checkpoint_text")?;
    for (session, s) in signers {
        let line = teller_signature_line(text, s).ctx("teller signature")?;
        api.call(
            "POST",
            &format!("/api/v1/results/{index}/signatures"),
            Some(session.as_str()),
            Some(&json!({"line": line})),
        )?;
    }
    let p = api.call(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(org),
        None,
    )?;
    Ok(p["runoffs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

fn shuffle<T>(v: &mut [T], rng: &mut StdRng) {
    for i in (1..v.len()).rev() {
        let j = rng.gen_range(0..=i);
        v.swap(i, j);
    }
}

fn parallel<T: Sync>(jobs: &[T], threads: usize, f: impl Fn(usize, &T) -> R<()> + Sync) -> R<()> {
    let next = AtomicUsize::new(0);
    let err: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(j) = jobs.get(i) else { break };
                if let Err(e) = f(i, j) {
                    if let Ok(mut g) = err.lock() {
                        g.get_or_insert(e);
                    }
                }
            });
        }
    });
    match err.into_inner().unwrap_or_default() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------- main

fn main() {
    // `cargo test --benches` runs this without `--bench`: keep that instant.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let parts = std::env::var("SCRUTINEER_BENCH_PARTS")
        .unwrap_or_else(|_| "baselines,http,tally,scaling,county".into());
    let on = |p: &str| parts.split(',').any(|x| x.trim() == p);
    let scratch = scratch_dir();
    let mut out = Out { md: String::new() };
    let encrypted = encrypted_mode();
    out.line(&format!(
        "scrutineer county benchmark: parts {parts}; ballots {}; {} cores; load average at start {}; scratch {}",
        if encrypted { "encrypted (SCRUTINEER_BENCH_SECRECY=encrypted)" } else { "plaintext" },
        cores(),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        scratch.display()
    ));
    let b = baselines(&scratch, &mut out);

    // The one-contest cast rates over HTTP (plaintext; and encrypted, in the same run, when
    // the ballots are encrypted), for the ratios of the county's casting.
    let mut http_rates: (Option<f64>, Option<f64>) = (None, None);
    if on("http") {
        match http_cast(&scratch, &b, &mut out, false, None) {
            Ok(r) => http_rates.0 = Some(r),
            Err(e) => out.line(&format!("\nHTTP casting failed: {e}")),
        }
        if encrypted {
            match http_cast(&scratch, &b, &mut out, true, http_rates.0) {
                Ok(r) => http_rates.1 = Some(r),
                Err(e) => out.line(&format!("\nHTTP casting of encrypted ballots failed: {e}")),
            }
        }
    }

    if on("tally") {
        let n = env_usize("SCRUTINEER_BENCH_TALLY_BALLOTS", 1_000_000);
        match engine_tally(n, true) {
            Ok(r) => {
                out.table(&format!("Tally in memory: {n} ballots, one npc_direct contest of 3 seats and 5 candidates"));
                out.row(
                    "generate the ballots (seeded rand)",
                    &format!("{:.2} s", r.gen_secs),
                    "",
                );
                if let Some(p) = r.parse_secs {
                    out.row(
                        "parse them from JSON Lines (`record::parse_ballots`)",
                        &format!("{:.2} s = {} ballots/s", p, thousands(n as f64 / p)),
                        &format!("{:.1} × SHA-256 of 64 B", n as f64 / p / b.sha),
                    );
                }
                out.row(
                    "`rules::tally_election`",
                    &format!(
                        "{:.3} s = {} ballots/s",
                        r.tally_secs,
                        thousands(n as f64 / r.tally_secs)
                    ),
                    &format!(
                        "{:.2} × SHA-256 of 64 B; target < 1 s",
                        n as f64 / r.tally_secs / b.sha
                    ),
                );
                out.row("elected / void", &format!("{} / {}", r.elected, r.void), "");
                out.save();
            }
            Err(e) => out.line(&format!("\ntally failed: {e}")),
        }
    }

    if on("scaling") {
        let top = env_usize("SCRUTINEER_BENCH_VERIFY_BALLOTS", 1_000_000);
        let threads = env_usize("SCRUTINEER_BENCH_THREADS", 64);
        let points = env_list("SCRUTINEER_BENCH_SCALING").unwrap_or_else(|| {
            let mut v: Vec<usize> = [10_000, 100_000].into_iter().filter(|x| *x < top).collect();
            v.push(top);
            v
        });
        let mut csv = String::from("ballots,pool_s,cast_s,cast_per_s,cast_p50_ms,cast_p99_ms,ledger_tally_s,export_s,checkpoints,verify_s,verify_per_s,engine_tally_s,engine_per_s,log_bytes,fsync_per_s,ed25519_batch_per_s,ed25519_single_per_s,ed25519_batch_per_cpu_s\n");
        out.table(&format!("Ledger API at scale (`Ledger::cast` from {threads} threads; close; `Ledger::tally`; export; `verify_export`)"));
        for n in points {
            println!("scaling point {n} ...");
            match ledger_point(&scratch, n, threads) {
                Ok(p) => {
                    let cast = p.cast_ok as f64 / p.cast_secs;
                    let verify = p.verify_ballots as f64 / p.verify_secs;
                    out.row(
                        &format!("{n}: pool generation"),
                        &format!(
                            "{:.1} s = {} tokens/s",
                            p.pool_secs,
                            thousands(n as f64 / p.pool_secs)
                        ),
                        &format!("{:.2} × Ed25519 batch", n as f64 / p.pool_secs / b.ed_batch),
                    );
                    out.row(
                        &format!("{n}: durable casts"),
                        &format!(
                            "{} /s ({} of {n}), p50 {:.1} ms, p99 {:.1} ms",
                            thousands(cast),
                            p.cast_ok,
                            p.p50,
                            p.p99
                        ),
                        &format!(
                            "{:.2} × fdatasync; {:.2} × Ed25519 single",
                            cast / b.fsync,
                            cast / b.ed_single
                        ),
                    );
                    out.row(
                        &format!("{n}: commit batches (= checkpoints)"),
                        &format!(
                            "{} ({:.1} ballots per batch)",
                            p.checkpoints,
                            p.cast_ok as f64 / p.checkpoints.max(1) as f64
                        ),
                        "",
                    );
                    out.row(
                        &format!("{n}: `Ledger::tally` (read log, parse, count, append)"),
                        &format!(
                            "{:.2} s = {} ballots/s",
                            p.ledger_tally_secs,
                            thousands(n as f64 / p.ledger_tally_secs)
                        ),
                        "",
                    );
                    out.row(
                        &format!("{n}: export"),
                        &format!(
                            "{:.1} s, log {:.0} MB",
                            p.export_secs,
                            p.log_bytes as f64 / 1e6
                        ),
                        "",
                    );
                    out.row(
                        &format!("{n}: verify export"),
                        &format!(
                            "{} ballots/s ({:.1} s, {} entries, ok = {})",
                            thousands(verify),
                            p.verify_secs,
                            p.verify_entries,
                            p.verify_ok
                        ),
                        &format!("{:.2} × Ed25519 batch (target ≥ 0.5)", verify / b.ed_batch),
                    );
                    out.row(
                        &format!("{n}: `rules::tally_election` in memory"),
                        &format!(
                            "{:.2} ms = {} ballots/s",
                            p.engine_secs * 1000.0,
                            thousands(n as f64 / p.engine_secs)
                        ),
                        "",
                    );
                    out.save();
                    csv.push_str(&format!(
                        "{n},{:.4},{:.4},{:.1},{:.3},{:.3},{:.4},{:.4},{},{:.4},{:.1},{:.5},{:.1},{},{:.1},{:.1},{:.1},{:.1}\n",
                        p.pool_secs, p.cast_secs, cast, p.p50, p.p99, p.ledger_tally_secs, p.export_secs, p.checkpoints,
                        p.verify_secs, verify, p.engine_secs, n as f64 / p.engine_secs, p.log_bytes, b.fsync, b.ed_batch, b.ed_single, b.ed_batch_cpu
                    ));
                    let _ = std::fs::write(target_dir().join("county-scaling.csv"), &csv);
                }
                Err(e) => out.line(&format!("| {n}: failed | {e} | |")),
            }
        }
    }

    if on("county") {
        let percents = env_list("SCRUTINEER_BENCH_COUNTY_PERCENT").unwrap_or_else(|| vec![100]);
        let mut runs = Vec::new();
        for p in percents {
            match county(&scratch, &b, &mut out, p, encrypted, http_rates) {
                Ok(r) => runs.push(r),
                Err(e) => out.line(&format!("\ncounty scenario at {p}% failed: {e}")),
            }
        }
        if env_usize("SCRUTINEER_BENCH_COUNTY_DISTRICTS", 403) == 403 {
            county_projection(&runs, &mut out);
        }
    }
    out.save();
    let _ = std::fs::remove_dir_all(&scratch);
}
