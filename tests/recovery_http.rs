//! Recovery of the running service (`scrutineer serve` as a child, driven over HTTP) after the
//! damage a crash can leave on disk, and after losing the derived index:
//!
//! - a torn tail of the last segment (several shapes of a half-written frame) is cut back to
//!   exactly the acknowledged size, with a warning naming the file and offset, and everything
//!   acknowledged is still there: receipts verify against a signed checkpoint, spent tokens stay
//!   spent, casting resumes, and the export verifies;
//! - a truncation *into* an acknowledged entry (which no crash can cause, see below) is not
//!   passed off silently;
//! - a deleted sled index (`data/index`) is rebuilt from the segments.
//!
//! Which damage is realistic: an entry is acknowledged only after the `fdatasync` of its batch
//! returned (src/ledger/store.rs), so a crash can only tear bytes *after* the acknowledged end
//! of the last segment: a partial frame of a batch whose sync never returned, or a page of
//! zeros when the file size reached the disk but the data did not. A file that ends inside an
//! acknowledged entry means the disk lost synced data (or someone cut the file); the service
//! cannot tell that from the segment alone, but it must at least not keep quiet about it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scrutineer::record::merkle::verify_inclusion;
use scrutineer::record::note::{open as open_note, Checkpoint, Verifier};
use scrutineer::record::segment::frames;
use serde_json::{json, Value};
use service::tokens_from_sheet;

// ------------------------------------------------------------------ the child process

/// A temporary directory removed at the end of the test, whatever happens.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("scrutineer-recovery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `scrutineer serve`; its stdout and stderr lines (ANSI escapes removed) are kept.
struct Serve {
    child: Child,
    base: String,
    output: Arc<Mutex<Vec<String>>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Started {
    Up(Serve),
    Exited(ExitStatus, Vec<String>),
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<Vec<String>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            output.lock().unwrap().push(strip_ansi(&line));
        }
    })
}

/// Starts the service on `dir/data` and `dir/keys` and waits until `/healthz` answers or the
/// process exits.
fn start(dir: &Path, demo: bool) -> Started {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scrutineer"));
    cmd.args([
        "serve",
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--receipts-per-minute",
        "1000000",
        "--logins-per-minute",
        "1000",
        "--pairings-per-minute",
        "1000",
        "--data-dir",
    ])
    .arg(dir.join("data"))
    .arg("--keys-dir")
    .arg(dir.join("keys"))
    .env("RUST_LOG", "info")
    .env("NO_COLOR", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let readers = [
        collect(child.stdout.take().unwrap(), output.clone()),
        collect(child.stderr.take().unwrap(), output.clone()),
    ];
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            for r in readers {
                let _ = r.join();
            }
            let lines = output.lock().unwrap().clone();
            return Started::Exited(status, lines);
        }
        if ureq::get(&format!("{base}/healthz"))
            .timeout(Duration::from_secs(2))
            .call()
            .is_ok()
        {
            return Started::Up(Serve {
                child,
                base,
                output,
            });
        }
        assert!(
            Instant::now() < deadline,
            "the service did not answer within 30 s: {:?}",
            output.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_up(dir: &Path, demo: bool) -> Serve {
    match start(dir, demo) {
        Started::Up(s) => s,
        Started::Exited(status, lines) => {
            panic!(
                "the service exited at start-up ({status}):\n{}",
                lines.join("\n")
            )
        }
    }
}

impl Serve {
    fn lines(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    /// The first start's one-time organiser password (printed before the server binds, but the
    /// reader thread may be a moment behind).
    fn organiser_password(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(p) = self.lines().iter().map(|l| l.trim()).find(|t| {
                t.len() == 19 && t.chars().filter(|c| *c == '-').count() == 3 && !t.contains(' ')
            }) {
                return p.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no one-time password: {:?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, as a power cut or the OOM killer would.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req =
            ureq::request(method, &format!("{}{path}", self.base)).timeout(Duration::from_secs(20));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, token, body);
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    /// Signs in as the organiser; returns the bearer token.
    /// The one-time password is changed at the first sign-in (to `{password} renewed`);
    /// later sign-ins use the renewed one.
    fn organiser(&self, organiser_password: &str) -> String {
        let renewed = format!("{organiser_password} renewed at the first sign-in");
        let (code, v) = self.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "organiser", "password": organiser_password, "bearer": true})),
        );
        let v = if code == 401 {
            self.ok(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"username": "organiser", "password": renewed, "bearer": true})),
            )
        } else {
            v
        };
        let token = v["token"].as_str().unwrap().to_string();
        if v["must_change_password"] == true {
            self.ok(
                "POST",
                "/api/v1/password",
                Some(&token),
                Some(json!({"old": organiser_password, "new": renewed})),
            );
        }
        token
    }

    /// Signs in as the organiser and pairs a kiosk; returns the kiosk's bearer token. Done
    /// after every start: sessions live in sled, whose flush is not trusted across a SIGKILL.
    fn kiosk(&self, organiser_password: &str) -> String {
        let org = self.organiser(organiser_password);
        let code = self.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
            .as_str()
            .unwrap()
            .to_string();
        self.ok(
            "POST",
            "/api/v1/kiosks/pair",
            None,
            Some(json!({"code": code, "name": "k"})),
        )["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn checkpoint_text(&self) -> String {
        let (s, v) = self.call("GET", "/checkpoint", None, None);
        assert_eq!(s, 200, "{v}");
        v.as_str().unwrap().to_string()
    }

    fn log_verifier(&self) -> Verifier {
        let keys = self.ok("GET", "/api/v1/keys", None, None);
        Verifier::parse(keys["log_key"].as_str().unwrap()).unwrap()
    }

    /// (log size, ballots, every contest's state).
    fn summary(&self) -> (u64, u64, Vec<String>) {
        let e = self.ok("GET", "/api/v1/election", None, None);
        let states = e["contests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}={}",
                    c["id"].as_str().unwrap(),
                    c["state"].as_str().unwrap()
                )
            })
            .collect();
        (
            e["log_size"].as_u64().unwrap(),
            e["ballots"].as_u64().unwrap(),
            states,
        )
    }

    fn healthy(&self) {
        assert_eq!(self.ok("GET", "/healthz", None, None)["status"], "ok");
    }
}

// ------------------------------------------------------------------ ballots and receipts

/// An acknowledged ballot: the token used and what the kiosk was told.
#[derive(Clone, Debug)]
struct Acked {
    token: String,
    receipt: String,
    index: u64,
    hash: [u8; 32],
}

fn hex32(s: &str) -> [u8; 32] {
    assert_eq!(s.len(), 64, "{s}");
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn ballot(i: usize) -> Vec<Value> {
    vec![
        json!({"contest": "committee", "marks": {format!("c{}", 1 + i % 8): "for"}}),
        json!({"contest": "discipline", "marks": {format!("d{}", 1 + i % 4): "for"}}),
    ]
}

/// The demo election is encrypted: the ballot encrypted as its kiosk would.
fn ballot_body(s: &Serve, token: &str, i: usize) -> Value {
    let ceremony = s.ok("GET", "/api/v1/ceremony", None, None);
    let election = s.ok("GET", "/api/v1/election", None, None);
    service::encrypted_body(
        &ceremony,
        &election,
        &service::demo_spec(),
        token,
        &ballot(i),
    )
}

/// Casts one ballot and checks the answer hangs together (the receipt names the index and
/// hash it was given).
fn cast(s: &Serve, kiosk: &str, token: &str, i: usize) -> Acked {
    let (code, v) = s.call(
        "POST",
        "/api/v1/ballots",
        Some(kiosk),
        Some(ballot_body(s, token, i)),
    );
    assert_eq!(code, 201, "ballot {i}: {v}");
    let index = v["index"].as_u64().unwrap();
    let hash = hex32(v["hash"].as_str().unwrap());
    let receipt = v["receipt"].as_str().unwrap().to_string();
    assert_eq!(receipt, scrutineer::tokens::receipt_code(index, &hash));
    assert_eq!(v["checkpoint_size"].as_u64().unwrap(), index + 1, "{v}");
    Acked {
        token: token.to_string(),
        receipt,
        index,
        hash,
    }
}

/// Casts `count` ballots one after the other with the next unused tokens; each is its own
/// commit batch, so each frame was synced on its own.
fn cast_many(s: &Serve, kiosk: &str, tokens: &[String], acked: &mut Vec<Acked>, count: usize) {
    let (mut expected, _, _) = s.summary();
    for _ in 0..count {
        let i = acked.len();
        let a = cast(s, kiosk, &tokens[i], i);
        assert_eq!(a.index, expected, "indices continue without a gap");
        expected += 1;
        acked.push(a);
    }
}

/// Every acknowledged receipt is served with the hash the kiosk was given, and its inclusion
/// proof holds against a checkpoint signed by the log key.
fn check_receipts(s: &Serve, acked: &[Acked], log_key: &Verifier) {
    for a in acked {
        let (code, v) = s.call(
            "GET",
            &format!("/api/v1/receipts/{}", a.receipt),
            None,
            None,
        );
        assert_eq!(
            code, 200,
            "acknowledged receipt {} not found: {v}",
            a.receipt
        );
        assert_eq!(v["index"].as_u64().unwrap(), a.index, "{v}");
        assert_eq!(
            hex32(v["hash"].as_str().unwrap()),
            a.hash,
            "{} changed",
            a.receipt
        );
        let (note, _) = open_note(
            v["checkpoint"].as_str().unwrap().as_bytes(),
            std::slice::from_ref(log_key),
        )
        .unwrap_or_else(|e| panic!("{}: checkpoint not signed by the log key: {e}", a.receipt));
        let cp = Checkpoint::parse(&note.text).unwrap();
        assert_eq!(cp.size, v["tree_size"].as_u64().unwrap());
        let proof: Vec<[u8; 32]> = v["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| hex32(h.as_str().unwrap()))
            .collect();
        verify_inclusion(&a.hash, a.index, cp.size, &proof, &cp.root)
            .unwrap_or_else(|e| panic!("{}: inclusion proof fails: {e:?}", a.receipt));
    }
}

/// Every acknowledged token, used again (with a different choice), is refused as spent.
fn check_spent(s: &Serve, kiosk: &str, acked: &[Acked]) {
    for (i, a) in acked.iter().enumerate() {
        let (code, v) = s.call(
            "POST",
            "/api/v1/ballots",
            Some(kiosk),
            Some(ballot_body(s, &a.token, i + 1)),
        );
        assert_eq!(
            (code, v["code"].as_str().unwrap_or("")),
            (409, "token_spent"),
            "replay of the token behind {}: {v}",
            a.receipt
        );
    }
}

/// Downloads `/api/v1/export` and runs the library verifier on it.
fn export_verifies(s: &Serve, dir: &Path, log_size: u64, ballots: u64, password: &str) {
    // Voting is open: the full export is for auditors and the organiser.
    let org = s.organiser(password);
    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .set("Authorization", &format!("Bearer {org}"))
        .timeout(Duration::from_secs(30))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    resp.into_reader().read_to_end(&mut bytes).unwrap();
    let out = dir.join("export");
    let _ = std::fs::remove_dir_all(&out);
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let report = scrutineer::verify::verify_export(&out.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(
        (report.entries, report.ballots),
        (log_size, ballots),
        "{report:?}"
    );
}

// ------------------------------------------------------------------ the segment files

fn last_segment(dir: &Path) -> PathBuf {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(dir.join("data/log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    segs.sort();
    segs.pop().expect("no segment file")
}

/// (number of whole frames, offset of the last frame, bytes of the last frame) of a segment
/// that must be clean.
fn last_frame(seg: &Path) -> (u64, u64, Vec<u8>) {
    let bytes = std::fs::read(seg).unwrap();
    let (found, err) = frames(&bytes);
    assert!(err.is_none(), "{}: {err:?}", seg.display());
    let last = found.last().expect("no frame");
    let start = last.offset as usize;
    let end = start + 4 + last.entry.len() + 4;
    assert_eq!(end, bytes.len(), "the last frame ends the file");
    (found.len() as u64, last.offset, bytes[start..end].to_vec())
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
    f.sync_all().unwrap();
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// The start-up warning about a cut tail, if any: the line naming the torn frame.
fn torn_warning(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find(|l| l.contains("WARN") && l.contains("torn frame"))
        .cloned()
}

/// Starts a demo election, casts `count` ballots and returns everything needed afterwards.
fn demo_with_ballots(dir: &Path, count: usize) -> (Serve, String, Vec<String>, Vec<Acked>) {
    let s = start_up(dir, true);
    let password = s.organiser_password();
    let org = s.organiser(&password);
    // The organiser prints the slips (150 members plus 5%) and opens; the desk checks every
    // member in.
    let sheet = ureq::post(&format!("{}/api/v1/pools", s.base))
        .set("Authorization", &format!("Bearer {org}"))
        .send_json(json!({"style": 0}))
        .unwrap()
        .into_string()
        .unwrap();
    let tokens = tokens_from_sheet(&sheet);
    assert_eq!(tokens.len(), 158, "150 members plus 5% spare");
    for c in ["committee", "discipline"] {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/open"),
            Some(&org),
            None,
        );
    }
    let desk_pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(json!({"username": "desk", "role": "registrar"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let desk = s.ok(
        "POST",
        "/api/v1/login",
        None,
        Some(json!({"username": "desk", "password": desk_pw, "bearer": true})),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(
        "POST",
        "/api/v1/password",
        Some(&desk),
        Some(json!({"old": desk_pw, "new": format!("{desk_pw} renewed at the first sign-in")})),
    );
    for n in 1..=150 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(json!({"number": format!("D{n:04}")})),
        );
    }
    let kiosk = s.kiosk(&password);
    let mut acked = Vec::new();
    cast_many(&s, &kiosk, &tokens, &mut acked, count);
    (s, password, tokens, acked)
}

// ------------------------------------------------------------------ the tests

/// The shapes a crash can leave after the acknowledged end of the last segment.
fn torn_tails(last: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut whole_unchecked = last.to_vec();
    let n = whole_unchecked.len();
    whole_unchecked[n - 4..].copy_from_slice(&[0, 0, 0, 0]);
    vec![
        (
            "the first half of a copy of the last frame",
            last[..last.len() / 2].to_vec(),
        ),
        (
            "a length prefix and too few bytes",
            vec![0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7],
        ),
        ("three bytes of a length prefix", vec![0, 0, 1]),
        (
            "a whole frame whose check bytes did not reach the disk",
            whole_unchecked,
        ),
        (
            "a page of zeros (the size reached the disk, the data did not)",
            vec![0; 4096],
        ),
    ]
}

#[test]
fn a_torn_tail_is_cut_to_the_acknowledged_size_and_nothing_acknowledged_is_lost() {
    let t0 = Instant::now();
    let dir = TempDir::new("torn");
    let (s, password, tokens, mut acked) = demo_with_ballots(&dir.0, 16);
    let log_key = s.log_verifier();
    let mut before = (s.summary(), s.checkpoint_text());
    s.kill();
    let cases = torn_tails(&last_frame(&last_segment(&dir.0)).2);
    let rounds = cases.len();
    for (round, (what, garbage)) in cases.into_iter().enumerate() {
        let seg = last_segment(&dir.0);
        let (frames_before, _, _) = last_frame(&seg);
        let acknowledged_len = file_len(&seg);
        assert_eq!(
            frames_before, before.0 .0,
            "one segment holds the whole log"
        );
        append(&seg, &garbage);
        assert!(file_len(&seg) > acknowledged_len);

        let s = start_up(&dir.0, false);
        // Cut back to exactly the acknowledged size, before anything new is written.
        assert_eq!(
            file_len(&seg),
            acknowledged_len,
            "{what}: cut to the acknowledged size"
        );
        let warning = torn_warning(&s.lines())
            .unwrap_or_else(|| panic!("{what}: no warning about the cut tail: {:?}", s.lines()));
        assert!(
            warning.contains(&format!("offset={acknowledged_len}"))
                && warning.contains(seg.file_name().unwrap().to_str().unwrap()),
            "{what}: the warning names the file and the offset {acknowledged_len}: {warning}"
        );
        // Reads answer, and the log is the one acknowledged before the crash: same size, same
        // ballots, same contest states, and the same signed checkpoint byte for byte.
        s.healthy();
        assert_eq!(s.summary(), before.0, "{what}");
        assert_eq!(
            s.checkpoint_text(),
            before.1,
            "{what}: the checkpoint is re-signed identically"
        );
        assert_eq!(before.0 .1, acked.len() as u64);
        check_receipts(&s, &acked, &log_key);
        let kiosk = s.kiosk(&password);
        check_spent(&s, &kiosk, &acked);
        // Casting resumes right after the last acknowledged entry.
        cast_many(&s, &kiosk, &tokens, &mut acked, 4);
        check_receipts(&s, &acked, &log_key);
        before = (s.summary(), s.checkpoint_text());
        assert_eq!(before.0 .1, acked.len() as u64);
        if round + 1 == rounds {
            export_verifies(&s, &dir.0, before.0 .0, acked.len() as u64, &password);
        }
        s.kill();
    }
    eprintln!(
        "torn tails: {rounds} crashes, {} ballots, {:?}",
        acked.len(),
        t0.elapsed()
    );
}

/// After the last segment was cut in the middle of its last frame, an entry that was
/// acknowledged (its fdatasync returned and the kiosk got a receipt): the restarted service (or
/// how it refused to start) and what was known before the cut.
struct Truncated {
    started: Started,
    password: String,
    tokens: Vec<String>,
    acked: Vec<Acked>,
    log_key: Verifier,
    seg: PathBuf,
    /// The segment's bytes before the cut (a backup's copy).
    seg_copy: Vec<u8>,
    last_offset: u64,
    acked_frame_len: u64,
    checkpoint_before: String,
    size_before: u64,
    _dir: TempDir,
}

fn truncate_into_an_acknowledged_entry(name: &str) -> Truncated {
    let dir = TempDir::new(name);
    let (s, password, tokens, acked) = demo_with_ballots(&dir.0, 12);
    let log_key = s.log_verifier();
    let checkpoint_before = s.checkpoint_text();
    let size_before = s.summary().0;
    s.kill();
    let seg = last_segment(&dir.0);
    let (_, last_offset, last) = last_frame(&seg);
    let seg_copy = std::fs::read(&seg).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(last_offset + last.len() as u64 / 2).unwrap();
    f.sync_all().unwrap();
    drop(f);
    let started = start(&dir.0, false);
    Truncated {
        started,
        password,
        tokens,
        acked,
        log_key,
        seg,
        seg_copy,
        last_offset,
        acked_frame_len: last.len() as u64,
        checkpoint_before,
        size_before,
        _dir: dir,
    }
}

/// The refusal a damaged log must produce: a non-zero exit that says what is missing and what
/// to do.
fn assert_refused(started: &Started, what: &str) {
    match started {
        Started::Exited(status, lines) => {
            assert!(!status.success(), "{what}: {lines:?}");
            let all = lines.join("\n");
            assert!(
                all.contains("acknowledged entries are missing") && all.contains("restore"),
                "{what}: the refusal names the damage and the way out: {all}"
            );
        }
        Started::Up(s) => panic!(
            "{what}: the service started on a log that lost an acknowledged entry: {:?}",
            s.lines()
        ),
    }
}

/// A cut into an acknowledged entry (its fdatasync returned, its receipt was handed out, a
/// checkpoint covering it was signed and published) is not a torn tail: the service refuses to
/// start rather than drop the entry and later sign a second, different tree of the same size.
/// (Found by an earlier version of this test: the service cut the entry as "never acknowledged",
/// rebuilt the index that said otherwise, and forked the signed log once casting resumed.)
#[test]
fn a_truncation_into_an_acknowledged_entry_is_refused_not_cut() {
    let t0 = Instant::now();
    let t = truncate_into_an_acknowledged_entry("cut-ack");
    assert_refused(&t.started, "cut into an acknowledged entry");
    // Nothing was cut or rewritten by the refused start.
    assert_eq!(file_len(&t.seg), t.last_offset + (t.acked_frame_len / 2));
    eprintln!("truncation refused: {:?}", t0.elapsed());
}

/// Deleting the index does not talk the service into accepting the shortened log either: the
/// checkpoint journal beside the segments still holds what was signed. And once the segment is
/// restored from a copy, the service starts with every acknowledged receipt.
#[test]
fn a_truncated_log_stays_refused_without_its_index_and_starts_once_restored() {
    let t = truncate_into_an_acknowledged_entry("fork");
    assert_refused(&t.started, "cut into an acknowledged entry");
    let index = t._dir.0.join("data/index");
    std::fs::remove_dir_all(&index).unwrap();
    assert_refused(
        &start(&t._dir.0, false),
        "cut into an acknowledged entry, index deleted",
    );
    // Restore the segment as a backup would have it: the service starts and nothing forked.
    std::fs::write(&t.seg, &t.seg_copy).unwrap();
    let s = start_up(&t._dir.0, false);
    assert_eq!(s.checkpoint_text(), t.checkpoint_before);
    assert_eq!(s.summary().0, t.size_before);
    check_receipts(&s, &t.acked, &t.log_key);
    let kiosk = s.kiosk(&t.password);
    check_spent(&s, &kiosk, &t.acked);
    let mut acked = t.acked.clone();
    cast_many(&s, &kiosk, &t.tokens, &mut acked, 2);
    check_receipts(&s, &acked, &t.log_key);
    s.kill();
}

#[test]
fn a_deleted_index_is_rebuilt_from_the_log() {
    let t0 = Instant::now();
    let dir = TempDir::new("reindex");
    let (s, password, tokens, mut acked) = demo_with_ballots(&dir.0, 30);
    let log_key = s.log_verifier();
    let summary = s.summary();
    let checkpoint = s.checkpoint_text();
    let history_before = s.ok("GET", "/api/v1/checkpoints", None, None)["sizes"].clone();
    assert_eq!(summary.1, 30);
    assert!(
        summary.2.iter().all(|c| c.ends_with("=open")),
        "{summary:?}"
    );
    s.kill();

    // Only the ledger's index is derived; the service records (accounts, sessions, roll) in
    // data/service are not, and stay.
    let index = dir.0.join("data/index");
    assert!(index.is_dir() && dir.0.join("data/service").is_dir());
    let seg = last_segment(&dir.0);
    let seg_len = file_len(&seg);
    std::fs::remove_dir_all(&index).unwrap();

    let s = start_up(&dir.0, false);
    assert!(index.is_dir(), "the index is created again");
    assert_eq!(file_len(&seg), seg_len, "the log is not touched");
    assert_eq!(torn_warning(&s.lines()), None, "nothing was torn");
    // The same log: size, ballots, contest states (which lookups read from the index) and the
    // signed checkpoint, re-signed byte for byte.
    s.healthy();
    assert_eq!(s.summary(), summary);
    assert_eq!(s.checkpoint_text(), checkpoint);
    let cps = s.ok("GET", "/api/v1/checkpoints", None, None);
    assert_eq!(cps["latest"]["size"].as_u64(), Some(summary.0), "{cps}");
    // The history of intermediate checkpoints comes back from the journal, not only the latest.
    assert_eq!(cps["sizes"], history_before, "{cps}");
    assert!(cps["sizes"].as_array().unwrap().len() > 1, "{cps}");
    assert_eq!(
        cps["latest"]["note"].as_str(),
        Some(checkpoint.as_str()),
        "{cps}"
    );
    // Every receipt is found through the rebuilt index, and spent serials came back from the
    // log: every token used before is refused.
    check_receipts(&s, &acked, &log_key);
    let kiosk = s.kiosk(&password);
    check_spent(&s, &kiosk, &acked);
    // Casting resumes, and a token spent after the rebuild is refused too.
    cast_many(&s, &kiosk, &tokens, &mut acked, 6);
    check_receipts(&s, &acked, &log_key);
    check_spent(&s, &kiosk, &acked[acked.len() - 6..]);
    let (log_size, ballots, states) = s.summary();
    assert_eq!((log_size, ballots), (summary.0 + 6, 36));
    assert_eq!(states, summary.2);
    export_verifies(&s, &dir.0, log_size, ballots, &password);
    s.kill();
    eprintln!("deleted index: {:?}", t0.elapsed());
}
