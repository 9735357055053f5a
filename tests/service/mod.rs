//! A running `scrutineer serve` child on a temporary data directory, and a small HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Server {
    pub base: String,
    pub dir: PathBuf,
    pub organiser_password: String,
    /// `--demo` accounts and their passwords, as printed.
    pub demo: std::collections::HashMap<String, String>,
    child: Child,
}

/// A stopped service's directory and first-start password.
pub struct Stopped {
    pub dir: PathBuf,
    pub organiser_password: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Server {
    pub fn start(name: &str, extra: &[&str]) -> Server {
        let dir =
            std::env::temp_dir().join(format!("scrutineer-svc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Server::start_in(dir, extra)
    }

    /// Starts with `dir/data` and `dir/keys` (`dir` may be a mount point the test prepared).
    pub fn start_in(dir: PathBuf, extra: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut args = vec![
            "serve".to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
            "--data-dir".into(),
            dir.join("data").display().to_string(),
            "--keys-dir".into(),
            dir.join("keys").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The first start prints the organiser's one-time password, indented on its own line.
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut password = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let t = line.trim();
            if t.len() == 19 && t.chars().filter(|c| *c == '-').count() == 3 {
                password = t.to_string();
                break;
            }
        }
        let mut demo = std::collections::HashMap::new();
        if extra.contains(&"--demo") {
            for line in lines.by_ref() {
                let line = line.unwrap();
                let parts: Vec<&str> = line.split_whitespace().collect();
                if parts.len() == 2 && parts[0].starts_with("demo-") {
                    demo.insert(parts[0].to_string(), parts[1].to_string());
                }
                if line.contains("/api/v1/kiosks/pairing") {
                    break;
                }
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("{base}/healthz")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!password.is_empty(), "no one-time password printed");
        Server {
            base,
            dir,
            organiser_password: password,
            demo,
            child,
        }
    }

    /// Stops the service and keeps its directory (for [`Server::restart`]).
    pub fn stop_keep(mut self) -> Stopped {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let stopped = Stopped {
            dir: self.dir.clone(),
            organiser_password: self.organiser_password.clone(),
        };
        // Drop removes `self.dir`: point it at nothing.
        self.dir = PathBuf::new();
        stopped
    }

    /// Starts again on a stopped service's directory (no first-start password this time).
    pub fn restart(stopped: Stopped, extra: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = stopped.dir;
        let mut args = vec![
            "serve".to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
            "--data-dir".into(),
            dir.join("data").display().to_string(),
            "--keys-dir".into(),
            dir.join("keys").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("{base}/healthz")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            base,
            dir,
            organiser_password: stopped.organiser_password,
            demo: Default::default(),
            child,
        }
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
            Some(&serde_json::json!({"username": user, "password": password, "bearer": true})),
        );
        let v = if code == 401 {
            self.ok(
                "POST",
                "/api/v1/login",
                None,
                Some(&serde_json::json!({"username": user, "password": renewed(password), "bearer": true})),
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
                Some(&serde_json::json!({"old": password, "new": renewed(password)})),
            );
        }
        token
    }

    /// Pairs a kiosk as the organiser (`org` is a bearer token): a one-time code, then the
    /// kiosk's own bearer token.
    pub fn pair_kiosk(&self, org: &str, name: &str) -> String {
        let code = self.ok("POST", "/api/v1/kiosks/pairing", Some(org), None)["code"]
            .as_str()
            .unwrap()
            .to_string();
        self.ok(
            "POST",
            "/api/v1/kiosks/pair",
            None,
            Some(&serde_json::json!({"code": code, "name": name})),
        )["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Posts raw text (CSV).
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
}

/// The token texts on a slip sheet, read the way a person reads the typed form.
pub fn tokens_from_sheet(html: &str) -> Vec<String> {
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

/// A roll CSV of `n` voters of `unit`, numbered `{prefix}{i:04}` from 1, adults with rights
/// and full party members (a public roll ignores the membership column).
pub fn roll_csv(unit: &str, prefix: &str, n: usize) -> String {
    let mut s = "姓名,证件号码,选区,出生日期,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!(
            "选民{prefix}{i},{prefix}{i:04},{unit},1980-05-0{},正式\n",
            i % 9 + 1
        ));
    }
    s
}

impl Server {
    /// Imports a roll of `n` voters of `unit` as the organiser (`org` is a bearer token).
    pub fn roll(&self, org: &str, unit: &str, prefix: &str, n: usize) {
        let (status, v) = self.post_text("/api/v1/roll", org, &roll_csv(unit, prefix, n));
        assert_eq!(status, 200, "roll: {v}");
    }

    /// A registrar account, signed in: its bearer token.
    pub fn registrar(&self, org: &str, name: &str) -> String {
        let pw = self.ok(
            "POST",
            "/api/v1/accounts",
            Some(org),
            Some(&serde_json::json!({"username": name, "role": "registrar"})),
        )["password"]
            .as_str()
            .unwrap()
            .to_string();
        self.login(name, &pw)
    }

    /// Checks voters `{prefix}{from:04}`..`{prefix}{to:04}` in at the desk (round 1).
    pub fn check_in_range(&self, registrar: &str, prefix: &str, from: usize, to: usize) {
        for i in from..=to {
            self.ok(
                "POST",
                "/api/v1/checkins",
                Some(registrar),
                Some(&serde_json::json!({"number": format!("{prefix}{i:04}")})),
            );
        }
    }

    /// Prints a slip sheet for a style and reads its tokens.
    pub fn sheet(&self, org: &str, body: &Value) -> Vec<String> {
        let resp = ureq::post(&format!("{}/api/v1/pools", self.base))
            .set("Authorization", &format!("Bearer {org}"))
            .send_json(body.clone())
            .unwrap_or_else(|e| panic!("pools: {e}"));
        let text = resp.into_string().unwrap();
        tokens_from_sheet(&text)
    }
}

/// The body a kiosk sends for `token` in an encrypted election: each ballot line encrypted
/// under the election key the service shows (`ceremony`: `GET /api/v1/ceremony`), for the
/// token's style (`election`: `GET /api/v1/election`), with the election `spec` the service
/// was created from. The plaintext never leaves this process.
pub fn encrypted_body(
    ceremony: &Value,
    election: &Value,
    spec: &Value,
    token: &str,
    lines: &[Value],
) -> Value {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64
        .decode(ceremony["key"]["key"].as_str().expect("no election key"))
        .unwrap();
    let key = scrutineer::crypto::ElectionKey::from_bytes(&key).unwrap();
    let t = scrutineer::record::token::Token::parse(token).unwrap();
    let style: scrutineer::record::entry::Style =
        serde_json::from_value(election["styles"][t.style() as usize].clone()).unwrap();
    let parsed = scrutineer::record::parse_election(spec.to_string().as_bytes()).unwrap();
    let out = scrutineer::e2e::kiosk::encrypt_lines(
        &parsed,
        election["id"].as_str().unwrap(),
        &style,
        &key,
        *t.serial(),
        lines,
        &mut scrutineer::crypto::SystemRng,
    )
    .unwrap();
    let encrypted: Vec<Value> = out
        .into_iter()
        .map(|(l, _)| {
            serde_json::json!({"contest": l.contest, "group": l.group, "ballot": b64.encode(&l.ballot)})
        })
        .collect();
    serde_json::json!({"token": token, "encrypted": encrypted})
}

/// The demo election's spec (`scrutineer serve --demo`).
pub fn demo_spec() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/township-party-congress/spec.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

impl Server {
    /// [`encrypted_body`] for this service.
    pub fn encrypted_cast(&self, spec: &Value, token: &str, lines: &[Value]) -> Value {
        let ceremony = self.ok("GET", "/api/v1/ceremony", None, None);
        let election = self.ok("GET", "/api/v1/election", None, None);
        encrypted_body(&ceremony, &election, spec, token, lines)
    }
}

/// A teller on its own machine: its key and state files in `dir`.
pub struct TellerMachine {
    pub name: String,
    pub key: PathBuf,
    pub state: PathBuf,
    pub dir: PathBuf,
}

impl TellerMachine {
    /// `scrutineer teller keygen` in `dir`; the public key (verifier text) goes to the organiser.
    pub fn new(dir: &std::path::Path, name: &str) -> (TellerMachine, String) {
        std::fs::create_dir_all(dir).unwrap();
        let key = dir.join(format!("{name}.key"));
        let out = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["teller", "keygen", "--name", name, "--out"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verifier = String::from_utf8(out.stdout).unwrap().trim().to_string();
        (
            TellerMachine {
                name: name.to_string(),
                state: dir.join(format!("{name}.state")),
                key,
                dir: dir.to_path_buf(),
            },
            verifier,
        )
    }
}

impl Server {
    /// The export (`GET /api/v1/export`, as `account`) written to `tar`.
    pub fn download_export(&self, account: &str, tar: &std::path::Path) {
        let resp = ureq::get(&format!("{}/api/v1/export", self.base))
            .set("Authorization", &format!("Bearer {account}"))
            .call()
            .unwrap_or_else(|e| panic!("export: {e}"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
        std::fs::write(tar, &bytes).unwrap();
    }

    /// A teller's signature of a correction or a seat reduction (protocol 8) as a teller
    /// makes it: the export downloaded (as `account`), then `scrutineer teller attest --key
    /// KEY --export TAR` with `args` (`--contest C --eligible …` or `--contest C --basis …`).
    /// The JSON it prints last, for the API's `attested`.
    #[allow(dead_code)]
    pub fn attest(&self, account: &str, key: &std::path::Path, args: &[&str]) -> Value {
        let tar = key.with_extension("export.tar");
        self.download_export(account, &tar);
        let out = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["teller", "attest", "--key"])
            .arg(key)
            .arg("--export")
            .arg(&tar)
            .args(args)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "teller attest: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(said.lines().last().unwrap_or_default()).unwrap()
    }

    /// One turn of a teller: download the export (as the teller account `account`), run
    /// `scrutineer teller run` on it, and submit the steps it wrote. Whether it had any.
    pub fn teller_turn(&self, account: &str, t: &TellerMachine) -> bool {
        let tar = t.dir.join("export.tar");
        self.download_export(account, &tar);
        let steps = t.dir.join("steps.json");
        let _ = std::fs::remove_file(&steps);
        let out = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["teller", "run", "--key"])
            .arg(&t.key)
            .arg("--state")
            .arg(&t.state)
            .arg("--export")
            .arg(&tar)
            .arg("--out")
            .arg(&steps)
            // The tellers confirm the export's own latest checkpoint (in a hall: the one
            // posted at the close) and agree to decrypt small totals (few ballots here).
            .arg("--checkpoint")
            .arg(scrutineer::verify::export_checkpoint(&tar).unwrap())
            .arg("--allow-small-totals")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "teller run ({}): {}",
            t.name,
            String::from_utf8_lossy(&out.stderr)
        );
        if !steps.exists() {
            return false;
        }
        let doc: Value = serde_json::from_slice(&std::fs::read(&steps).unwrap()).unwrap();
        for s in doc["steps"].as_array().unwrap() {
            self.ok(
                "POST",
                "/api/v1/teller/entries",
                Some(account),
                Some(&serde_json::json!({"kind": s["kind"], "body": s["body"]})),
            );
        }
        true
    }

    /// The key ceremony: three rounds of every teller. Returns the key's fingerprint.
    pub fn ceremony(&self, account: &str, tellers: &[TellerMachine]) -> String {
        for _ in 0..3 {
            for t in tellers {
                assert!(
                    self.teller_turn(account, t),
                    "{} had no ceremony step",
                    t.name
                );
            }
        }
        let c = self.ok("GET", "/api/v1/ceremony", None, None);
        c["key"]["fingerprint"].as_str().unwrap().to_string()
    }

    /// Shuffles and decryption shares by `tellers` (the acting ones), until none has more.
    pub fn decrypt(&self, account: &str, tellers: &[&TellerMachine]) {
        for _ in 0..6 {
            let mut any = false;
            for t in tellers {
                any |= self.teller_turn(account, t);
            }
            if !any {
                return;
            }
        }
        panic!("the tellers kept finding steps to submit");
    }
}

/// The password a test account's one-time password is changed to at its first sign-in.
#[allow(dead_code)]
pub fn renewed(one_time: &str) -> String {
    format!("{one_time} renewed at the first sign-in")
}
