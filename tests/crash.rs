//! Crash safety: a child process casts under load and is killed with SIGKILL at random
//! moments, many times. After each restart every acknowledged ballot is present with the same
//! hash, the chain and tree verify (opening the ledger re-links the chain), no serial is spent
//! twice, and the counts agree. `SCRUTINEER_CRASH_CYCLES` runs more cycles (the long run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use scrutineer::ledger::{Ledger, LedgerConfig};
use scrutineer::verify::verify_export;

/// A small deterministic generator seeded from the test name.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_during_casting_loses_no_acknowledged_ballot() {
    let cycles: usize = std::env::var("SCRUTINEER_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("scrutineer-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let keys = dir.join("keys");
    let spec = serde_json::json!({"format": "scrutineer.election/v1", "id": "crash-test", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1,
         "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 100000, "present": 90000, "ballots_issued": 90000}}]});
    let pool = 400 * cycles.max(1);
    {
        let l = Ledger::init(
            LedgerConfig::new(&data, &keys),
            spec.to_string().as_bytes(),
            None,
            vec![],
            0,
        )
        .unwrap();
        l.register_roll(
            [("一".to_string(), pool as u64)].into_iter().collect(),
            [0; 32],
        )
        .unwrap();
        let (tokens, _) = l.register_pool(0, pool, None).unwrap();
        l.open_contest("d1").unwrap();
        let text: String = tokens.iter().map(|t| t.to_text() + "\n").collect();
        std::fs::write(dir.join("tokens.txt"), text).unwrap();
        l.close().unwrap();
    }
    let mut rng = Rng(0x5eed_c4a5_0000_0001);
    let mut acked: HashMap<u64, String> = HashMap::new();
    let mut kills_mid_load = 0;
    for cycle in 0..cycles {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args([
                "ledger",
                "--data",
                data.to_str().unwrap(),
                "--keys",
                keys.to_str().unwrap(),
                "soak",
                "--tokens",
                dir.join("tokens.txt").to_str().unwrap(),
                "--threads",
                "8",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the child to be casting, then kill it at a random moment.
        let start = Instant::now();
        let mut seen_this_cycle = 0;
        let first_deadline = start + Duration::from_secs(30);
        while seen_this_cycle == 0 && Instant::now() < first_deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(20)) {
                record(&line, &mut acked);
                seen_this_cycle += 1;
            }
        }
        let wait = Duration::from_millis(5 + rng.next() % 120);
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(1)) {
                record(&line, &mut acked);
            }
        }
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        while let Ok(line) = rx.try_recv() {
            record(&line, &mut acked);
        }
        if still_running {
            kills_mid_load += 1;
        }

        // Restart: opening re-reads every segment, cuts a torn tail and re-links the chain.
        let l = Ledger::open_existing(LedgerConfig::new(&data, &keys)).unwrap();
        let (size, ballots, spent) = l
            .read(|s| {
                (
                    s.tree.size(),
                    s.state.ballots(),
                    s.state.spent().len() as u64,
                )
            })
            .unwrap();
        assert_eq!(ballots, spent, "cycle {cycle}: a serial counted twice");
        assert!(
            ballots >= acked.len() as u64,
            "cycle {cycle}: {} acknowledged but {ballots} in the log",
            acked.len()
        );
        for (index, hash) in &acked {
            let e = l.entry(*index).unwrap_or_else(|e| {
                panic!("cycle {cycle}: acknowledged entry {index} missing: {e}")
            });
            let got: String = e.hash().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(&got, hash, "cycle {cycle}: entry {index} changed");
        }
        assert_eq!(size, 4 + ballots, "cycle {cycle}: unexpected entries");
        l.close().unwrap();
    }
    assert!(
        kills_mid_load * 2 >= cycles,
        "most kills should land while casting ({kills_mid_load} of {cycles})"
    );

    // Finally the whole log verifies independently.
    let l = Ledger::open_existing(LedgerConfig::new(&data, &keys)).unwrap();
    let out = dir.join("export");
    l.export(&out, true).unwrap();
    l.close().unwrap();
    let report = verify_export(&out, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert!(report.ballots >= acked.len() as u64);
    let _ = std::fs::remove_dir_all(&dir);
}

fn record(line: &str, acked: &mut HashMap<u64, String>) {
    let mut parts = line.split_whitespace();
    if parts.next() == Some("ACK") {
        let index: u64 = parts.next().unwrap().parse().unwrap();
        let hash = parts.next().unwrap().to_string();
        // Invariant of the ledger: an index is acknowledged once, with one hash.
        if let Some(prev) = acked.insert(index, hash.clone()) {
            assert_eq!(
                prev, hash,
                "index {index} acknowledged twice with different hashes"
            );
        }
    }
}
