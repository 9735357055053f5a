//! QR encoders for the slips' token codes (issue 16, item 5), measured in one run on the same
//! inputs: random signed tokens, 153 alphanumeric characters each, level M, version 6.
//!
//!     cargo bench --bench qr
//!     SCRUTINEER_BENCH_QR=20000 cargo bench --bench qr
//!
//! Baseline: the `qrcode` crate's own `QrCode::with_bits` on the same one-segment bits.
//! Measured beside it: ours (`tokens::pool::token_qr_code`, the crate's modules with a
//! faster mask choice) and `fast_qr` (`QRBuilder`, one alphanumeric segment). Each is
//! reported in codes per second and as a ratio of the baseline, with the thread's CPU time
//! as well as wall time (a shared machine's other load deflates wall time only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use ed25519_dalek::SigningKey;
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};
use rand::{RngCore, SeedableRng};

use scrutineer::record::token::{Token, SERIAL_BYTES};
use scrutineer::tokens::pool::token_qr_code;

fn thread_cpu() -> f64 {
    // CLOCK_THREAD_CPUTIME_ID through /proc: utime + stime of this thread, in clock ticks.
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn run(name: &str, texts: &[String], f: &dyn Fn(&str) -> usize) -> (f64, f64) {
    // Warm up, then time.
    let mut sink = 0usize;
    for t in texts.iter().take(200) {
        sink ^= f(t);
    }
    let (w0, c0) = (Instant::now(), thread_cpu());
    for t in texts {
        sink ^= f(t);
    }
    let wall = w0.elapsed().as_secs_f64();
    let cpu = thread_cpu() - c0;
    let n = texts.len() as f64;
    println!(
        "{name:<32} {:>10.0} codes/s wall {:>10.0} codes/s cpu   (sink {sink})",
        n / wall,
        if cpu > 0.0 { n / cpu } else { f64::NAN }
    );
    (n / wall, n / cpu)
}

fn main() {
    let n: usize = std::env::var("SCRUTINEER_BENCH_QR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let tokens: Vec<Token> = (0..n)
        .map(|i| {
            let mut serial = [0u8; SERIAL_BYTES];
            rng.fill_bytes(&mut serial);
            Token::sign(&key, "bench-2026", 1, (i % 400) as u16, serial)
        })
        .collect();
    let texts: Vec<String> = tokens.iter().map(Token::to_text).collect();
    println!(
        "{n} token codes, {} characters each, level M",
        texts[0].len()
    );

    let base = run("qrcode 0.14.1 QrCode::with_bits", &texts, &|t| {
        let mut bits = Bits::new(Version::Normal(6));
        bits.push_alphanumeric_data(t.as_bytes()).unwrap();
        bits.push_terminator(EcLevel::M).unwrap();
        QrCode::with_bits(bits, EcLevel::M).unwrap().width()
    });
    let by_text: std::collections::HashMap<&str, &Token> = texts
        .iter()
        .map(String::as_str)
        .zip(tokens.iter())
        .collect();
    let ours = run("ours token_qr_code", &texts, &|t| {
        token_qr_code(by_text[t]).unwrap().width
    });
    let fast = run("fast_qr 0.14.0 QRBuilder", &texts, &|t| {
        fast_qr::QRBuilder::new(t.as_bytes())
            .ecl(fast_qr::ECL::M)
            .mode(fast_qr::Mode::Alphanumeric)
            .build()
            .unwrap()
            .size
    });
    println!();
    println!("ratio to qrcode (wall / cpu):");
    println!(
        "  ours     {:.2} × / {:.2} ×",
        ours.0 / base.0,
        ours.1 / base.1
    );
    println!(
        "  fast_qr  {:.2} × / {:.2} ×",
        fast.0 / base.0,
        fast.1 / base.1
    );
    println!(
        "  fast_qr / ours  {:.2} × / {:.2} ×",
        fast.0 / ours.0,
        fast.1 / ours.1
    );
}
