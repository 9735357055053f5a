//! Shared by `e2e_election.rs` and `e2e_attacks.rs`: encrypted elections driven through the
//! `scrutineer` binary (the CLI, or `scrutineer serve` over HTTP with its output captured),
//! tellers whose key and state files live in a directory of their own, reading and forging
//! exports, and searching files for plaintext.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use scrutineer::record::entry::{body_bytes, genesis, origin, Entry, EntryKind, ResultBody};
use scrutineer::record::merkle::Tree;
use scrutineer::record::note::{Checkpoint, Note, Signer};
use scrutineer::record::segment::{frames, parse_segment_header, push_frame, segment_header};
use scrutineer::verify::{verify_export, Report};

pub const BIN: &str = env!("CARGO_BIN_EXE_scrutineer");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty temporary directory.
pub fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "scrutineer-e2e-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

pub fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A teller's machine: the key and the state file, in `tellers/` (never the data directory).
#[derive(Clone, Debug)]
pub struct Teller {
    pub name: String,
    /// ℓ: the position in the tellers file, from 1.
    pub index: u32,
    pub key: PathBuf,
    pub state: PathBuf,
}

impl Teller {
    pub fn signer(&self) -> Signer {
        Signer::parse(std::fs::read_to_string(&self.key).unwrap().trim()).unwrap()
    }

    /// The state file as JSON (it holds the teller's secrets).
    pub fn state_json(&self) -> Value {
        serde_json::from_slice(&std::fs::read(&self.state).unwrap()).unwrap()
    }
}

/// An election driven through the binary in `dir`: data in `dir/data`, keys in `dir/keys`,
/// the tellers' files in `dir/tellers`, exports in `dir/exports`. Every command's output is
/// kept in `transcript`.
pub struct Cli {
    pub dir: PathBuf,
    pub transcript: RefCell<String>,
    n: Cell<usize>,
}

impl Cli {
    pub fn new(name: &str) -> Cli {
        Cli::at(temp(name))
    }

    pub fn at(dir: PathBuf) -> Cli {
        std::fs::create_dir_all(dir.join("tellers")).unwrap();
        std::fs::create_dir_all(dir.join("exports")).unwrap();
        Cli {
            dir,
            transcript: RefCell::new(String::new()),
            n: Cell::new(0),
        }
    }

    fn next(&self) -> usize {
        self.n.set(self.n.get() + 1);
        self.n.get()
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let o = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        let mut t = self.transcript.borrow_mut();
        t.push_str(&String::from_utf8_lossy(&o.stdout));
        t.push_str(&String::from_utf8_lossy(&o.stderr));
        o
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// A refused command: exit code 2; its stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?} should be refused: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stderr).unwrap()
    }

    /// `n` teller keys (teller-1 … teller-n) and the tellers file `tellers.txt`.
    pub fn tellers(&self, n: u32) -> Vec<Teller> {
        let mut lines = String::new();
        let mut out = Vec::new();
        for i in 1..=n {
            let t = Teller {
                name: format!("teller-{i}"),
                index: i,
                key: self.path(&format!("tellers/t{i}.key")),
                state: self.path(&format!("tellers/t{i}.state")),
            };
            lines += &self.ok(&[
                "teller",
                "keygen",
                "--name",
                &t.name,
                "--out",
                t.key.to_str().unwrap(),
            ]);
            out.push(t);
        }
        std::fs::write(self.path("tellers.txt"), lines).unwrap();
        out
    }

    /// `ledger init` of an encrypted election from `spec.json` and `tellers.txt` (from
    /// [`Cli::tellers`]), `signatures` required, election day 2026-12-01, and `extra`
    /// arguments (`--threshold`, `--styles`, …).
    pub fn init_encrypted(&self, signatures: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "ledger",
            "init",
            "--spec",
            "spec.json",
            "--tellers",
            "tellers.txt",
            "--signatures-required",
            signatures,
            "--election-date",
            "2026-12-01",
        ];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// A full export (`ledger export --all`) into a fresh directory.
    pub fn export(&self) -> PathBuf {
        let p = self.path(&format!("exports/e{}", self.next()));
        self.ok(&["ledger", "export", p.to_str().unwrap(), "--all"]);
        p
    }

    /// `teller run` on an export: the steps file, when there are steps.
    pub fn teller_run(&self, t: &Teller, export: &Path) -> Option<PathBuf> {
        self.teller_run_state(t, &t.state, export)
    }

    pub fn teller_run_state(&self, t: &Teller, state: &Path, export: &Path) -> Option<PathBuf> {
        let steps = self.path(&format!("tellers/steps-{}-{}.json", t.index, self.next()));
        // The tellers of these tests confirm the checkpoint the export itself carries (the
        // service's latest) and agree to decrypt small totals (tests cast few ballots);
        // tests/teller_guard.rs holds the tool to both defaults.
        let pin = export_checkpoint(export);
        let mut args = teller_run_args(t, state, export, &steps);
        args.extend(["--checkpoint", pin.as_str(), "--allow-small-totals"]);
        let out = self.ok(&args);
        if steps.exists() {
            Some(steps)
        } else {
            assert!(out.contains("nothing to submit"), "{out}");
            None
        }
    }

    pub fn submit(&self, steps: &Path) -> String {
        self.ok(&["ledger", "submit", "--steps", steps.to_str().unwrap()])
    }

    /// One teller's turn on a fresh export: run, then submit what it computed.
    pub fn turn(&self, t: &Teller) -> bool {
        let export = self.export();
        let steps = self.teller_run(t, &export);
        std::fs::remove_dir_all(&export).unwrap();
        match steps {
            Some(s) => {
                self.submit(&s);
                true
            }
            None => false,
        }
    }

    /// The key ceremony: three rounds, every teller on the same export in each round. Returns
    /// the election key's fingerprint.
    pub fn ceremony(&self, tellers: &[Teller]) -> String {
        let mut last = String::new();
        for _ in 0..3 {
            let export = self.export();
            for t in tellers {
                let steps = self
                    .teller_run(t, &export)
                    .unwrap_or_else(|| panic!("{} had no ceremony step", t.name));
                last = self.submit(&steps);
            }
            std::fs::remove_dir_all(&export).unwrap();
        }
        let fp = last
            .split("fingerprint: ")
            .nth(1)
            .unwrap_or_else(|| panic!("the ceremony did not complete: {last}"))
            .trim()
            .to_string();
        assert_eq!(fp.len(), 39, "{fp}");
        fp
    }

    /// The acting tellers take turns (a fresh export each) until none has anything to submit:
    /// shuffles in turn, then decryption shares.
    pub fn count(&self, acting: &[&Teller]) {
        for _ in 0..8 {
            let mut any = false;
            for t in acting {
                any |= self.turn(t);
            }
            if !any {
                return;
            }
        }
        panic!("the tellers never finished");
    }

    /// The log's size, from `ledger status`.
    pub fn log_size(&self) -> u64 {
        let s = self.ok(&["ledger", "status"]);
        s.split("log size ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Prints a pool for a style (what is left of its cap): the tokens, one per slip, and
    /// the slip sheet.
    pub fn pool(&self, style: u16) -> (Vec<String>, PathBuf) {
        let n = self.next();
        let sheet = format!("sheet-{n}.html");
        let tokens = format!("tokens-{n}.txt");
        self.ok(&[
            "ledger",
            "pool",
            "--style",
            &style.to_string(),
            "--sheet",
            &sheet,
            "--tokens-out",
            &tokens,
        ]);
        let t = std::fs::read_to_string(self.path(&tokens))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        (t, self.path(&sheet))
    }

    /// Casts one ballot (one line per contest of the token's style); the receipt.
    pub fn cast(&self, token: &str, lines: &[Value]) -> String {
        let texts: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut args = vec!["ledger", "cast", "--token", token];
        for t in &texts {
            args.push("--ballot");
            args.push(t);
        }
        self.ok(&args)
    }

    /// `ledger tally`: the result's entry index.
    pub fn tally(&self, contests: &[&str]) -> u64 {
        let mut args = vec!["ledger", "tally"];
        for c in contests {
            args.push("--contest");
            args.push(c);
        }
        let out = self.ok(&args);
        out.split("entry ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn sign(&self, result: u64, t: &Teller) {
        self.ok(&[
            "ledger",
            "sign",
            "--result",
            &result.to_string(),
            "--teller-key",
            t.key.to_str().unwrap(),
        ]);
    }

    /// `scrutineer verify --json` on a directory or tar: (exit code, report).
    pub fn verify(&self, export: &Path) -> (i32, Value) {
        let o = self.run(&["verify", export.to_str().unwrap(), "--json"]);
        (
            o.status.code().unwrap(),
            serde_json::from_slice(&o.stdout).unwrap(),
        )
    }

    /// The log key and the election (token) key, as whoever runs the server holds them.
    pub fn server_keys(&self, election_id: &str) -> scrutineer::ledger::keys::Keys {
        scrutineer::ledger::keys::load_or_create(&self.path("keys"), &origin(election_id)).unwrap()
    }
}

/// The arguments of `teller run` for `t` with its state file `state` on `export`, writing
/// its steps to `out`.
pub fn teller_run_args<'a>(
    t: &'a Teller,
    state: &'a Path,
    export: &'a Path,
    out: &'a Path,
) -> Vec<&'a str> {
    vec![
        "teller",
        "run",
        "--key",
        t.key.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--export",
        export.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]
}

/// The latest checkpoint an export holds, as `SIZE:ROOT`, for `teller run --checkpoint`.
pub fn export_checkpoint(export: &Path) -> String {
    scrutineer::verify::export_checkpoint(export).unwrap()
}

/// The Merkle root (hex) of a verified export's log at `size` entries: a true checkpoint of
/// that log taken earlier, as `SIZE:ROOT` needs it.
pub fn root_hex_at(export: &Path, size: u64) -> String {
    let tree = scrutineer::verify::with_export(export, |d| {
        scrutineer::verify::verify_export_replayed(d, &|_, _| {})
            .1
            .unwrap()
            .tree
    })
    .unwrap();
    tree.root_at(size)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A roll of `n` full party members of `unit`, numbered `{prefix}{i:04}`.
pub fn party_roll(unit: &str, prefix: &str, n: usize) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!(
            "党员{prefix}{i},{prefix}{i:04},{unit},1980-05-0{},是,正式\n",
            i % 9 + 1
        ));
    }
    s
}

/// A roll of voters: (unit, prefix, how many) each.
pub fn public_roll(units: &[(&str, &str, usize)]) -> String {
    let mut s = "姓名,证件号码,选区,出生日期\n".to_string();
    for (unit, prefix, n) in units {
        for i in 1..=*n {
            s.push_str(&format!(
                "选民{prefix}{i},{prefix}{i:04},{unit},1980-01-0{}\n",
                i % 9 + 1
            ));
        }
    }
    s
}

// ------------------------------------------------------------------ exports

pub fn read_entries(export: &Path) -> Vec<Entry> {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(export.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    segs.sort();
    let mut out = Vec::new();
    for s in segs {
        let bytes = std::fs::read(&s).unwrap();
        parse_segment_header(&bytes).unwrap();
        let (found, err) = frames(&bytes);
        assert!(err.is_none());
        out.extend(found.iter().map(|f| Entry::decode(f.entry).unwrap()));
    }
    out
}

/// The index of the `nth` entry of a kind.
pub fn find(entries: &[Entry], kind: EntryKind, nth: usize) -> usize {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == kind)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {kind:?} number {nth}"))
}

pub fn edit<T>(e: &mut Entry, f: impl FnOnce(&mut T))
where
    T: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let mut b: T = e.body_as().unwrap();
    f(&mut b);
    e.body = body_bytes(&b);
}

/// What a forger holding the log key does to an export (the approach of `tests/forgery.rs`):
/// change the entries, then re-chain them from genesis into one segment, sign one checkpoint
/// over the forged log with the log key, and rewrite `results/` and `election.json` so the
/// side files agree. The forged export is `out`.
pub fn forge(
    export: &Path,
    out: &Path,
    election_id: &str,
    log_key: &Signer,
    mutate: impl FnOnce(&mut Vec<Entry>),
) -> Report {
    let _ = std::fs::remove_dir_all(out);
    copy_dir(export, out);
    let mut entries = read_entries(export);
    mutate(&mut entries);
    write_log(out, election_id, log_key, &mut entries);
    verify_export(out, &|_, _| {})
}

/// Writes `entries` (re-chained) as the export's log with one checkpoint signed by
/// `log_key`, and side files that agree with them.
pub fn write_log(out: &Path, election_id: &str, log_key: &Signer, entries: &mut [Entry]) {
    let mut head = genesis(election_id);
    let mut tree = Tree::new();
    let mut seg = segment_header(0).to_vec();
    for e in entries.iter_mut() {
        e.prev = head;
        head = e.hash();
        tree.push(head);
        push_frame(&mut seg, &e.encode());
    }
    std::fs::remove_dir_all(out.join("log")).unwrap();
    std::fs::create_dir_all(out.join("log")).unwrap();
    std::fs::write(out.join("log/00000000000000000000.seg"), seg).unwrap();
    std::fs::remove_dir_all(out.join("checkpoints")).unwrap();
    std::fs::create_dir_all(out.join("checkpoints")).unwrap();
    let cp = Checkpoint {
        origin: origin(election_id),
        size: tree.size(),
        root: tree.root(),
        extensions: vec![],
    };
    let mut note = Note::new(cp.to_text().unwrap()).unwrap();
    note.sign(log_key).unwrap();
    std::fs::write(
        out.join(format!("checkpoints/{:020}.note", tree.size())),
        note.encode().unwrap(),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(out.join("results"));
    std::fs::create_dir_all(out.join("results")).unwrap();
    for (i, e) in entries.iter().enumerate() {
        if e.kind == EntryKind::Result {
            let r: ResultBody = e.body_as().unwrap();
            std::fs::write(
                out.join(format!("results/{i:020}.json")),
                serde_json::to_string_pretty(&r.result).unwrap(),
            )
            .unwrap();
        }
        if e.kind == EntryKind::ElectionRegistered {
            let reg: Value = e.body_as().unwrap();
            std::fs::write(
                out.join("election.json"),
                serde_json::to_string_pretty(&reg["spec"]).unwrap(),
            )
            .unwrap();
        }
    }
}

/// Asserts the report names the check (in `checks`) at entry `index`; returns the message.
pub fn named(r: &Report, checks: &[&str], index: usize) -> String {
    let f = r
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("verify accepted a forgery meant to fail {checks:?}: {r:?}"));
    assert!(checks.contains(&f.check.as_str()), "{f:?}");
    assert_eq!(f.index, Some(index as u64), "{f:?}");
    f.message.clone()
}

// ------------------------------------------------------------------ plaintext searches

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir` (recursively) holding one of `needles`: "path: needle".
pub fn scan(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
                continue;
            }
            files += 1;
            let bytes = std::fs::read(e.path()).unwrap();
            for n in needles {
                if contains(&bytes, n.as_bytes()) {
                    hits.push(format!("{}: {n}", e.path().display()));
                }
            }
        }
    }
    assert!(files > 0, "nothing to search in {}", dir.display());
    hits
}

/// Every byte of a file under `dir`, concatenated (for searches of binary needles).
pub fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.extend(std::fs::read(e.path()).unwrap());
                out.push(0);
            }
        }
    }
    out
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ------------------------------------------------------------------ the service over HTTP

/// `scrutineer serve` as a child, its standard output and error written to files so a test
/// can read everything it logged.
pub struct Server {
    pub base: String,
    pub dir: PathBuf,
    pub organiser_password: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Self::spawn(dir, port, "server.out", "1000");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut password = String::new();
        while Instant::now() < deadline {
            if password.is_empty() {
                let out = std::fs::read_to_string(dir.join("server.out")).unwrap_or_default();
                password = out
                    .lines()
                    .map(str::trim)
                    .find(|t| t.len() == 19 && t.chars().filter(|c| *c == '-').count() == 3)
                    .unwrap_or_default()
                    .to_string();
            }
            if !password.is_empty() && ureq::get(&format!("{base}/healthz")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!password.is_empty(), "no one-time password printed");
        Server {
            base,
            dir: dir.to_path_buf(),
            organiser_password: password,
            child,
        }
    }

    fn spawn(dir: &Path, port: u16, out: &str, exports_per_minute: &str) -> Child {
        let stdout = std::fs::File::create(dir.join(out)).unwrap();
        let stderr = std::fs::File::create(dir.join(out.replace(".out", ".err"))).unwrap();
        Command::new(BIN)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                dir.join("data").to_str().unwrap(),
                "--keys-dir",
                dir.join("keys").to_str().unwrap(),
                "--exports-per-minute",
                exports_per_minute,
                "--logins-per-minute",
                "1000",
                "--token-checks-per-minute",
                "10000",
            ])
            // As much logging as the service does: all of it must stay free of ballots.
            .env("RUST_LOG", "debug")
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap()
    }

    /// Stops the service and starts it again on the same directories and port: the state
    /// is what replaying the log gives. Sessions survive (they are service records).
    pub fn restart(&mut self) {
        self.restart_with_exports_per_minute(1000);
    }

    /// [`Server::restart`] with this many exports a minute per client allowed.
    pub fn restart_with_exports_per_minute(&mut self, n: u32) {
        self.stop();
        let port: u16 = self.base.rsplit(':').next().unwrap().parse().unwrap();
        self.child = Self::spawn(&self.dir, port, "server-restarted.out", &n.to_string());
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if ureq::get(&format!("{}/healthz", self.base)).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the service did not come back after a restart");
    }

    /// Stops the service (idempotent).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything the service wrote to its standard output and error.
    pub fn output(&self) -> Vec<u8> {
        let mut v = std::fs::read(self.dir.join("server.out")).unwrap();
        v.extend(std::fs::read(self.dir.join("server.err")).unwrap());
        v
    }

    /// (status, body as JSON or as a JSON string of the text).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut req = ureq::request(method, &format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    pub fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Value {
        let (s, v) = self.call(method, path, token, body);
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    /// Signs in with a bearer token. A one-time password (first start, a new account) must be
    /// changed at the first sign-in: this changes it to [`renewed`]`(password)` and goes on
    /// with that session; a later sign-in with the one-time password uses the renewed one.
    pub fn login(&self, user: &str, password: &str) -> String {
        let (code, v) = self.call(
            "POST",
            "/api/v1/login",
            None,
            Some(&json!({"username": user, "password": password, "bearer": true})),
        );
        let v = if code == 401 {
            self.ok(
                "POST",
                "/api/v1/login",
                None,
                Some(&json!({"username": user, "password": renewed(password), "bearer": true})),
            )
        } else {
            assert_eq!(code, 200, "login {user}: {v}");
            v
        };
        let token = v["token"].as_str().unwrap().to_string();
        if v["must_change_password"] == true {
            self.ok(
                "POST",
                "/api/v1/password",
                Some(&token),
                Some(&json!({"old": password, "new": renewed(password)})),
            );
        }
        token
    }

    /// A plaintext election of `spec` with one teller key (`plain_teller`), one signature
    /// required: (status, answer).
    pub fn create_plaintext(&self, org: &str, spec: &Value) -> (u16, Value) {
        self.create_plaintext_tellers(org, spec, &[plain_teller()])
    }

    /// [`Server::create_plaintext`] with these tellers' keys (one signature publishes).
    pub fn create_plaintext_tellers(
        &self,
        org: &str,
        spec: &Value,
        tellers: &[Signer],
    ) -> (u16, Value) {
        let keys: Vec<String> = tellers
            .iter()
            .map(|t| t.verifier().unwrap().to_text())
            .collect();
        self.call(
            "POST",
            "/api/v1/election",
            Some(org),
            Some(&json!({"spec": spec, "tellers": keys,
                "signatures_required": 1, "election_date": "2026-12-01",
                "secrecy": {"mode": "plaintext", "reason": "测试 test"}})),
        )
    }

    /// The body of a paper keying signed by `signer`, registered teller `index` (protocol
    /// 9), as `who` hands it in: `ballot` keyed as its JSON text (None: the withdrawal of
    /// `sheet`); the keying's position, or in a single-entry contest the count of ballots
    /// the key signed, read from `GET …/paper-sheet` now.
    pub fn signed_paper(
        &self,
        who: &str,
        contest: &str,
        signer: &Signer,
        index: u32,
        sheet: Option<u64>,
        ballot: Option<&Value>,
    ) -> Value {
        use scrutineer::record::attest::Attestation;
        let open = self.ok(
            "GET",
            &format!("/api/v1/contests/{contest}/paper-sheet"),
            Some(who),
            None,
        );
        let e = self.ok("GET", "/api/v1/election", None, None);
        let election = e["id"].as_str().unwrap().to_string();
        let log: [u8; 32] = (0..32)
            .map(|i| {
                u8::from_str_radix(&e["log_id"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect::<Vec<u8>>()
            .try_into()
            .unwrap();
        let keyed = ballot.map(|b| b.to_string());
        let what = if open["double_entry"] == true {
            Attestation::Keying {
                contest,
                log,
                position: open["keyings_logged"].as_u64().unwrap(),
                sheet: sheet.unwrap(),
                keyed: keyed.as_deref(),
            }
        } else {
            Attestation::Paper {
                contest,
                log,
                count: open["paper_signed"][index.to_string()]
                    .as_u64()
                    .unwrap_or(0),
                keyed: keyed.as_deref().unwrap(),
            }
        };
        let attested = json!({"teller": index, "signature": what.sign(signer, &election)});
        let mut body = match &keyed {
            Some(k) => json!({"keyed": k, "attested": attested}),
            None => json!({"withdraw": true, "attested": attested}),
        };
        if let Some(n) = sheet {
            body["sheet"] = json!(n);
        }
        body
    }

    /// Signs result `index` with `plain_teller` (as the teller account) and publishes it.
    pub fn sign_and_publish(&self, teller: &str, org: &str, index: u64) {
        let text = self.ok(
            "GET",
            &format!("/api/v1/results/{index}"),
            Some(teller),
            None,
        )["checkpoint_text"]
            .as_str()
            .unwrap()
            .to_string();
        let line = scrutineer::ledger::teller_signature_line(&text, &plain_teller()).unwrap();
        self.ok(
            "POST",
            &format!("/api/v1/results/{index}/signatures"),
            Some(teller),
            Some(&json!({"line": line})),
        );
        self.ok(
            "POST",
            &format!("/api/v1/results/{index}/publish"),
            Some(org),
            None,
        );
    }

    /// An account of `role`, signed in: its bearer token.
    pub fn account(&self, org: &str, name: &str, role: &str) -> String {
        let pw = self.ok(
            "POST",
            "/api/v1/accounts",
            Some(org),
            Some(&json!({"username": name, "role": role})),
        )["password"]
            .as_str()
            .unwrap()
            .to_string();
        self.login(name, &pw)
    }

    pub fn pair_kiosk(&self, org: &str, name: &str) -> String {
        let code = self.ok("POST", "/api/v1/kiosks/pairing", Some(org), None)["code"]
            .as_str()
            .unwrap()
            .to_string();
        self.ok(
            "POST",
            "/api/v1/kiosks/pair",
            None,
            Some(&json!({"code": code, "name": name})),
        )["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn post_text(&self, path: &str, token: &str, text: &str) -> (u16, Value) {
        let res = ureq::post(&format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "text/csv")
            .send_string(text);
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `GET /api/v1/export` (as `token`, when given) saved as a tar file.
    pub fn export_tar(&self, token: Option<&str>, to: &Path) -> Vec<u8> {
        let mut req = ureq::get(&format!("{}/api/v1/export", self.base));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let resp = req.call().unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
        std::fs::write(to, &bytes).unwrap();
        bytes
    }

    /// Prints a slip sheet for a style and reads its tokens.
    pub fn sheet(&self, org: &str, style: u16) -> Vec<String> {
        let resp = ureq::post(&format!("{}/api/v1/pools", self.base))
            .set("Authorization", &format!("Bearer {org}"))
            .send_json(json!({"style": style}))
            .unwrap_or_else(|e| panic!("pools: {e}"));
        let html = resp.into_string().unwrap();
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

    /// One teller's turn over HTTP: the export as a tar, `scrutineer teller run` on it (on
    /// the teller's machine: `cli.dir`), each step posted to `/api/v1/teller/entries`.
    pub fn teller_turn(&self, cli: &Cli, teller_token: &str, t: &Teller, n: usize) -> usize {
        let tar = cli.path(&format!("exports/http-{}-{n}.tar", t.index));
        self.export_tar(Some(teller_token), &tar);
        let Some(steps) = cli.teller_run(t, &tar) else {
            return 0;
        };
        let doc: Value = serde_json::from_slice(&std::fs::read(&steps).unwrap()).unwrap();
        let steps = doc["steps"].as_array().unwrap();
        for s in steps {
            self.ok(
                "POST",
                "/api/v1/teller/entries",
                Some(teller_token),
                Some(&json!({"kind": s["kind"], "body": s["body"]})),
            );
        }
        steps.len()
    }

    /// The key ceremony over HTTP: three rounds, each teller on the round's export.
    pub fn ceremony(&self, cli: &Cli, teller_token: &str, tellers: &[Teller]) -> String {
        for round in 0..3 {
            let tar = cli.path(&format!("exports/ceremony-{round}.tar"));
            self.export_tar(Some(teller_token), &tar);
            for t in tellers {
                let steps = cli.teller_run(t, &tar).unwrap();
                let doc: Value = serde_json::from_slice(&std::fs::read(&steps).unwrap()).unwrap();
                for s in doc["steps"].as_array().unwrap() {
                    self.ok(
                        "POST",
                        "/api/v1/teller/entries",
                        Some(teller_token),
                        Some(&json!({"kind": s["kind"], "body": s["body"]})),
                    );
                }
            }
        }
        let status = self.ok("GET", "/api/v1/ceremony", None, None);
        status["key"]["fingerprint"]
            .as_str()
            .unwrap_or_else(|| panic!("the ceremony did not complete: {status}"))
            .to_string()
    }
}

/// The password a test account's one-time password is changed to at its first sign-in.
#[allow(dead_code)]
pub fn renewed(one_time: &str) -> String {
    format!("{one_time} renewed at the first sign-in")
}

/// A teller's signature of a seat reduction (protocol 8), as the API and the log take it.
#[allow(dead_code)]
pub fn attest_reduction(
    signer: &Signer,
    teller: u32,
    election: &str,
    contest: &str,
    reduced_by: u32,
    seats: u32,
    basis: &str,
) -> Value {
    let body = scrutineer::record::entry::SeatsReduced {
        contest: contest.into(),
        reduced_by,
        seats,
        basis: basis.into(),
        attested: None,
    };
    let signature =
        scrutineer::record::attest::Attestation::Reduction(&body).sign(signer, election);
    json!({"teller": teller, "signature": signature})
}

/// A teller's signature of a correction (protocol 8) logged after `position` others of its
/// contest.
#[allow(dead_code)]
pub fn attest_correction(
    signer: &Signer,
    teller: u32,
    election: &str,
    position: u32,
    contest: &str,
    figures: [u64; 3],
    reason: &str,
) -> Value {
    let body = scrutineer::record::entry::TurnoutCorrected {
        contest: contest.into(),
        eligible: figures[0],
        present: figures[1],
        ballots_issued: figures[2],
        reason: reason.into(),
        proposed_by: scrutineer::ledger::person("", ""),
        approved_by: scrutineer::ledger::person("", ""),
        attested: None,
    };
    let signature = scrutineer::record::attest::Attestation::Correction {
        position,
        body: &body,
    }
    .sign(signer, election);
    json!({"teller": teller, "signature": signature})
}

/// A second teller key, for plaintext elections made with two tellers
/// (`Server::create_plaintext_tellers`).
#[allow(dead_code)]
pub fn plain_teller_2() -> Signer {
    Signer::new(
        "teller-li",
        ed25519_dalek::SigningKey::from_bytes(&[13u8; 32]),
    )
    .unwrap()
}

/// The one teller key of the plaintext elections `Server::create_plaintext` makes.
pub fn plain_teller() -> Signer {
    Signer::new(
        "teller-wang",
        ed25519_dalek::SigningKey::from_bytes(&[11u8; 32]),
    )
    .unwrap()
}
