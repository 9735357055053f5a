//! `deploy/backup.sh` and `deploy/restore.sh`: a ledger backed up and restored into fresh
//! directories is the same log (same size, ballots and signed checkpoint), still refuses a
//! spent token, carries on to a verified result; a damaged or padded backup is refused before
//! anything is written; a non-empty target is refused; a running service is detected, and a
//! live backup of it restores with its service records (the organiser can still sign in).
//! Needs bash, tar, gzip, sha256sum and flock (Debian's coreutils/util-linux); no root, no
//! network (the service listens on 127.0.0.1 only), no Docker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_scrutineer");
const BALLOT_N1: &str = r#"{"contest":"d017","marks":{"n1":"for"}}"#;
const BALLOT_N2: &str = r#"{"contest":"d017","marks":{"n1":"for","n2":"for"}}"#;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scrutineer-backup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// `scrutineer ledger --data DATA --keys KEYS ARGS...`
fn ledger(dir: &Path, data: &str, keys: &str, args: &[&str]) -> Output {
    let mut all = vec!["ledger", "--data", data, "--keys", keys];
    all.extend_from_slice(args);
    run(dir, &all)
}

fn ledger_ok(dir: &Path, data: &str, keys: &str, args: &[&str]) -> String {
    let o = ledger(dir, data, keys, args);
    assert!(o.status.success(), "ledger {args:?}: {}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Runs one of the deploy scripts with bash, the test binary as `SCRUTINEER`, and the
/// binary's directory first on PATH.
fn script(dir: &Path, name: &str, args: &[&str]) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name);
    let bin_dir = Path::new(BIN).parent().unwrap();
    let search = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );
    Command::new("bash")
        .arg(path)
        .args(args)
        .env("SCRUTINEER", BIN)
        .env("PATH", search)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn tar_list(dir: &Path, tarball: &str) -> Vec<String> {
    let o = Command::new("tar")
        .args(["-tzf", tarball])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "tar -tzf: {}", text(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// An election in `d/data` + `d/keys`: one teller (one signature required), a pool of 6
/// tokens, d017 open and three ballots cast. Returns the tokens.
fn make_election(d: &Path) -> Vec<String> {
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/npc-direct-constituency/spec.json"
        ),
        d.join("spec.json"),
    )
    .unwrap();
    let teller = ok(
        d,
        &[
            "teller",
            "keygen",
            "--name",
            "teller-wang",
            "--out",
            "wang.key",
        ],
    );
    std::fs::write(d.join("tellers.txt"), teller).unwrap();
    ledger_ok(
        d,
        "data",
        "keys",
        &[
            "init",
            "--spec",
            "spec.json",
            "--tellers",
            "tellers.txt",
            "--signatures-required",
            "1",
            "--election-date",
            "2026-12-01",
            "--plaintext-reason",
            "a test of plaintext ballots",
        ],
    );
    let mut roll = "姓名,证件号码,选区,出生日期\n".to_string();
    for i in 1..=10 {
        roll.push_str(&format!(
            "选民{i},V{i:03},第十七选区,1980-01-0{}\n",
            i % 9 + 1
        ));
    }
    std::fs::write(d.join("roll.csv"), roll).unwrap();
    ledger_ok(d, "data", "keys", &["roll", "--csv", "roll.csv"]);
    for i in 1..=6 {
        ledger_ok(d, "data", "keys", &["checkin", &format!("V{i:03}")]);
    }
    ledger_ok(
        d,
        "data",
        "keys",
        &[
            "pool",
            "--style",
            "0",
            "--count",
            "6",
            "--sheet",
            "slips.html",
            "--tokens-out",
            "tokens.txt",
        ],
    );
    let tokens: Vec<String> = std::fs::read_to_string(d.join("tokens.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(tokens.len(), 6);
    ledger_ok(d, "data", "keys", &["open", "d017"]);
    for (t, b) in tokens[..3].iter().zip([BALLOT_N1, BALLOT_N2, BALLOT_N1]) {
        let r = ledger_ok(d, "data", "keys", &["cast", "--token", t, "--ballot", b]);
        assert!(r.starts_with("回执 receipt: R"), "{r}");
    }
    tokens
}

#[test]
fn a_backup_restores_into_a_ledger_that_carries_on() {
    let dir = workdir("roundtrip");
    let d = dir.as_path();
    let tokens = make_election(d);
    let before = ledger_ok(d, "data", "keys", &["status"]);
    assert!(before.contains("log size 7 · 选票 ballots 3"), "{before}");

    // Back up: a secret tarball with the segments, the keys, a manifest, and no index.
    std::fs::create_dir(d.join("out")).unwrap();
    let b = script(d, "backup.sh", &["data", "keys", "out/backup.tar.gz"]);
    assert!(b.status.success(), "backup.sh: {}", text(&b));
    let said = String::from_utf8_lossy(&b.stdout);
    assert!(said.contains("backup written: out/backup.tar.gz"), "{said}");
    assert!(said.contains("log size 7, ballots 3"), "{said}");
    assert!(said.contains("SECRET"), "{said}");
    #[cfg(unix)]
    assert_eq!(mode(&d.join("out/backup.tar.gz")), 0o600);
    let names = tar_list(d, "out/backup.tar.gz");
    for want in [
        "scrutineer-backup/MANIFEST.sha256",
        "scrutineer-backup/BACKUP-INFO",
        "scrutineer-backup/data/log/00000000000000000000.seg",
        "scrutineer-backup/keys/election.key",
        "scrutineer-backup/keys/log.key",
        "scrutineer-backup/keys/election.pub",
        "scrutineer-backup/keys/log.pub",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.contains("data/index")),
        "the index is derived and stays out: {names:?}"
    );
    // No leftovers next to the tarball.
    let left: Vec<_> = std::fs::read_dir(d.join("out")).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");

    // An existing tarball is never overwritten.
    let again = script(d, "backup.sh", &["data", "keys", "out/backup.tar.gz"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // Restore into fresh directories.
    let r = script(
        d,
        "restore.sh",
        &["out/backup.tar.gz", "restored/data", "restored/keys"],
    );
    assert!(r.status.success(), "restore.sh: {}", text(&r));
    let said = String::from_utf8_lossy(&r.stdout);
    assert!(said.contains("Next steps"), "{said}");
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("index rebuilt: 7 entries"),
        "{}",
        text(&r)
    );
    assert!(d.join("restored/data/index").is_dir(), "reindex rebuilt it");

    // The same log: size, ballots, contest states and the (deterministic) signed checkpoint.
    let after = ledger_ok(d, "restored/data", "restored/keys", &["status"]);
    assert_eq!(after, before);
    for k in ["election.key", "log.key", "election.pub", "log.pub"] {
        assert_eq!(
            std::fs::read(d.join("keys").join(k)).unwrap(),
            std::fs::read(d.join("restored/keys").join(k)).unwrap(),
            "{k}"
        );
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&d.join("restored/keys/election.key")), 0o600);
        assert_eq!(mode(&d.join("restored/keys/log.key")), 0o600);
        assert_eq!(mode(&d.join("restored/keys")), 0o700);
        assert_eq!(mode(&d.join("restored/data")), 0o700);
    }

    // A token spent before the backup is still spent on the restored copy.
    let spent = ledger(
        d,
        "restored/data",
        "restored/keys",
        &["cast", "--token", &tokens[0], "--ballot", BALLOT_N1],
    );
    assert_eq!(spent.status.code(), Some(2), "{}", text(&spent));
    assert!(
        String::from_utf8_lossy(&spent.stderr).contains("[token_spent]"),
        "{}",
        text(&spent)
    );

    // A second restore over the first is refused and changes nothing.
    let over = script(
        d,
        "restore.sh",
        &["out/backup.tar.gz", "restored/data", "restored/keys"],
    );
    assert_eq!(over.status.code(), Some(3), "{}", text(&over));
    assert!(String::from_utf8_lossy(&over.stderr).contains("not empty"));
    assert_eq!(
        ledger_ok(d, "restored/data", "restored/keys", &["status"]),
        before
    );

    // The restored copy carries on: an unspent token votes, the contest closes and is
    // counted, the teller signs, and the export passes the independent verifier.
    ledger_ok(
        d,
        "restored/data",
        "restored/keys",
        &["cast", "--token", &tokens[3], "--ballot", BALLOT_N2],
    );
    ledger_ok(d, "restored/data", "restored/keys", &["close", "d017"]);
    let tally = ledger_ok(
        d,
        "restored/data",
        "restored/keys",
        &["tally", "--contest", "d017"],
    );
    let result: String = tally
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(tally.starts_with("结果 result: entry "), "{tally}");
    ledger_ok(
        d,
        "restored/data",
        "restored/keys",
        &["sign", "--result", &result, "--teller-key", "wang.key"],
    );
    ledger_ok(d, "restored/data", "restored/keys", &["publish", &result]);
    ledger_ok(
        d,
        "restored/data",
        "restored/keys",
        &["export", "audit-restored"],
    );
    let v = ok(d, &["verify", "audit-restored"]);
    assert!(v.contains("通过 OK"), "{v}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["verify", "audit-restored", "--json"])).unwrap();
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["ballots"], 4, "{json}");

    // The original was not touched by any of this.
    assert_eq!(ledger_ok(d, "data", "keys", &["status"]), before);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A crash while a group of entries was being written (here a close with its desk count and
/// voided pool) can keep part of it; the service cuts it at its next start by the group's
/// mark in `data/log/group`. A backup taken before that start copies the mark with the log,
/// so the copy it checks and the restored log are cut the same way (without the mark the
/// close's desk count stayed, an entry nobody was told of).
#[test]
fn a_backup_of_a_log_a_crash_left_inside_a_group_is_cut_like_the_service_cuts_it() {
    let dir = workdir("group");
    let d = dir.as_path();
    make_election(d);
    let cp = |from: &str, to: &str| {
        let o = Command::new("cp")
            .args(["-a", from, to])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "cp: {}", text(&o));
    };
    cp("data", "before");
    let said = ledger_ok(d, "data", "keys", &["close", "d017"]);
    assert!(!said.is_empty());
    let mark = std::fs::read(d.join("data/log/group")).unwrap();
    assert_eq!(
        mark[..8],
        7u64.to_be_bytes(),
        "the close's group starts at entry 7"
    );
    let seg = "log/00000000000000000000.seg";
    let bytes = std::fs::read(d.join("data").join(seg)).unwrap();
    let (found, _) = scrutineer::record::segment::frames(&bytes);
    assert_eq!(
        found.len(),
        10,
        "7 entries, then the desk count, the close, the voided pool"
    );
    // The crash kept the group's first frame (the desk count) and the mark.
    let kept = &bytes[found[7].offset as usize..found[8].offset as usize];
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(d.join("before").join(seg))
        .unwrap();
    std::io::Write::write_all(&mut f, kept).unwrap();
    drop(f);
    std::fs::write(d.join("before/log/group"), &mark).unwrap();

    std::fs::create_dir(d.join("out")).unwrap();
    let b = script(d, "backup.sh", &["before", "keys", "out/crashed.tar.gz"]);
    assert!(b.status.success(), "backup.sh: {}", text(&b));
    assert!(
        String::from_utf8_lossy(&b.stdout).contains("log size 7, ballots 3"),
        "{}",
        text(&b)
    );
    let names = tar_list(d, "out/crashed.tar.gz");
    assert!(
        names
            .iter()
            .any(|n| n == "scrutineer-backup/data/log/group"),
        "{names:?}"
    );
    let r = script(
        d,
        "restore.sh",
        &["out/crashed.tar.gz", "restored/data", "restored/keys"],
    );
    assert!(r.status.success(), "restore.sh: {}", text(&r));
    let status = ledger_ok(d, "restored/data", "restored/keys", &["status"]);
    assert!(status.contains("log size 7 · 选票 ballots 3"), "{status}");
    // The desk closes again on the restored copy.
    ledger_ok(d, "restored/data", "restored/keys", &["close", "d017"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_or_padded_backup_is_refused_before_anything_is_written() {
    let dir = workdir("damaged");
    let d = dir.as_path();
    make_election(d);
    let b = script(d, "backup.sh", &["data", "keys", "good.tar.gz"]);
    assert!(b.status.success(), "backup.sh: {}", text(&b));

    let unpack = |to: &str| {
        std::fs::create_dir_all(d.join(to)).unwrap();
        let o = Command::new("tar")
            .args(["-xzf", "good.tar.gz", "-C", to])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    let pack = |from: &str, out: &str| {
        let o = Command::new("tar")
            .args(["-czf", out, "-C", from, "scrutineer-backup"])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };

    // One byte of a segment changed.
    unpack("x");
    let seg = d.join("x/scrutineer-backup/data/log/00000000000000000000.seg");
    let mut bytes = std::fs::read(&seg).unwrap();
    let n = bytes.len();
    bytes[n - 30] ^= 0x01;
    std::fs::write(&seg, bytes).unwrap();
    pack("x", "bad.tar.gz");
    let r = script(d, "restore.sh", &["bad.tar.gz", "r1/data", "r1/keys"]);
    assert_eq!(r.status.code(), Some(4), "{}", text(&r));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("does not match its manifest"), "{err}");
    assert!(err.contains("00000000000000000000.seg"), "{err}");
    assert!(!d.join("r1/data").exists() && !d.join("r1/keys").exists());

    // A file the manifest does not list.
    unpack("y");
    std::fs::write(d.join("y/scrutineer-backup/keys/extra.key"), "x").unwrap();
    pack("y", "padded.tar.gz");
    let r = script(d, "restore.sh", &["padded.tar.gz", "r2/data", "r2/keys"]);
    assert_eq!(r.status.code(), Some(4), "{}", text(&r));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("keys/extra.key"),
        "{}",
        text(&r)
    );
    assert!(!d.join("r2/data").exists() && !d.join("r2/keys").exists());

    // Not a backup at all.
    std::fs::write(d.join("junk.tar.gz"), "not a tarball").unwrap();
    let r = script(d, "restore.sh", &["junk.tar.gz", "r3/data", "r3/keys"]);
    assert_eq!(r.status.code(), Some(4), "{}", text(&r));

    // Bad usage.
    let r = script(d, "restore.sh", &["good.tar.gz"]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    let r = script(d, "backup.sh", &["data", "keys"]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    let r = script(d, "backup.sh", &["nowhere", "keys", "z.tar.gz"]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `scrutineer serve` on 127.0.0.1 and everything it printed so far.
struct Server {
    child: Child,
    out: Arc<Mutex<String>>,
    base: String,
}

impl Server {
    fn start(d: &Path, data: &str, keys: &str) -> Server {
        let port = free_port();
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                data,
                "--keys-dir",
                keys,
            ])
            .current_dir(d)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = ureq::get(&format!("{base}/healthz"))
                .timeout(Duration::from_secs(2))
                .call()
            {
                if r.status() == 200 {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "serve did not answer /healthz");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, out, base }
    }

    fn printed(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Stops the server (dropping it kills the process and waits for it).
    fn stop(self) {}
}

/// The server is stopped however the test ends, a failed assertion included.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The organiser's one-time password from the first start's console message.
fn organiser_password(printed: &str) -> String {
    let mut lines = printed.lines();
    lines
        .find(|l| l.contains("one-time password"))
        .expect("the first start prints the organiser password");
    lines
        .map(str::trim)
        .find(|l| !l.is_empty())
        .expect("a password line")
        .to_string()
}

fn login(base: &str, password: &str) -> Result<serde_json::Value, String> {
    ureq::post(&format!("{base}/api/v1/login"))
        .send_json(
            serde_json::json!({"username": "organiser", "password": password, "bearer": true}),
        )
        .map_err(|e| e.to_string())?
        .into_json::<serde_json::Value>()
        .map_err(|e| e.to_string())
}

#[test]
fn a_running_service_is_detected_and_a_live_backup_restores_its_records() {
    let dir = workdir("live");
    let d = dir.as_path();
    make_election(d);
    let before = ledger_ok(d, "data", "keys", &["status"]);

    let server = Server::start(d, "data", "keys");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.printed().contains("one-time password") {
        assert!(Instant::now() < deadline, "{}", server.printed());
        std::thread::sleep(Duration::from_millis(50));
    }
    let password = organiser_password(&server.printed());
    login(&server.base, &password).unwrap();

    // Without --live the script sees the service's locks and refuses, writing nothing.
    let b = script(d, "backup.sh", &["data", "keys", "stopped.tar.gz"]);
    assert_eq!(b.status.code(), Some(3), "{}", text(&b));
    let err = String::from_utf8_lossy(&b.stderr);
    assert!(err.contains("is locked") && err.contains("--live"), "{err}");
    assert!(!d.join("stopped.tar.gz").exists());

    // With --live it copies the running service.
    let b = script(d, "backup.sh", &["--live", "data", "keys", "live.tar.gz"]);
    assert!(b.status.success(), "backup.sh --live: {}", text(&b));
    assert!(String::from_utf8_lossy(&b.stdout).contains("mode live"));
    let names = tar_list(d, "live.tar.gz");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("scrutineer-backup/data/service/")),
        "the service records are in it: {names:?}"
    );
    server.stop();

    let r = script(d, "restore.sh", &["live.tar.gz", "r/data", "r/keys"]);
    assert!(r.status.success(), "restore.sh: {}", text(&r));
    assert_eq!(ledger_ok(d, "r/data", "r/keys", &["status"]), before);

    // The restored service knows the election and its organiser account.
    let restored = Server::start(d, "r/data", "r/keys");
    assert!(
        !restored.printed().contains("one-time password"),
        "a restored service must not think it is a first start: {}",
        restored.printed()
    );
    let health: serde_json::Value = ureq::get(&format!("{}/healthz", restored.base))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(health["election"], "hexi-county-npc-2026-d017", "{health}");
    let session = login(&restored.base, &password);
    restored.stop();
    let session = session.unwrap();
    assert_eq!(session["role"], "organiser", "{session}");
    let _ = std::fs::remove_dir_all(&dir);
}
