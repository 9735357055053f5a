//! The pages in a real browser: headless Chromium (Debian's `chromium`) driven by
//! playwright-core (npm, `tests/browser/`). A voter casts a full ballot with a scanned token
//! and gets a receipt; a second use of the token is refused on screen; over-marking cannot be
//! submitted; the kiosk holds no trace of the voter after reset; the registrar checks a voter
//! in; a teller closes, reads the verdict and signs; the result is published; the receipt
//! page confirms inclusion; the organiser creates an election with the surplus check shown as
//! they type. Screenshots of every step land in `tests/screenshots/`; the board page and the
//! slip sheet are printed to PDF and rendered with `pdftoppm`.
//!
//! Needs `/usr/bin/chromium` (or `SCRUTINEER_CHROMIUM`), `fonts-noto-cjk`, `pdftoppm`
//! (poppler-utils), Node.js and `npm ci --prefix tests/browser`; `.ci/run` installs them all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use service::{tokens_from_sheet, Server};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> String {
    std::env::var("SCRUTINEER_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn prerequisites() {
    let mut missing = Vec::new();
    if !Path::new(&chromium()).exists() {
        missing.push("chromium (apt-get install chromium)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node");
    }
    if !root()
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        missing.push("playwright-core (npm ci --prefix tests/browser)");
    }
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        missing.push("pdftoppm (apt-get install poppler-utils)");
    }
    assert!(
        missing.is_empty(),
        "browser tests need: {} — `.ci/run` installs them",
        missing.join(", ")
    );
}

fn shots() -> PathBuf {
    let d = root().join("tests/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn node(script: &str, args: &[&str]) {
    node_env(script, args, &[]);
}

fn node_env(script: &str, args: &[&str], env: &[(&str, &str)]) {
    let o = Command::new("node")
        .arg(root().join("tests/browser").join(script))
        .args(args)
        .envs(env.iter().copied())
        .env("CHROMIUM", chromium())
        .current_dir(root().join("tests/browser"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Prints `url` to PDF with Chromium and renders page 1 to PNG; returns the page count.
fn print_to_pdf(url: &str, name: &str) -> usize {
    let dir = shots();
    let pdf = std::env::temp_dir().join(format!("scrutineer-{name}-{}.pdf", std::process::id()));
    let profile =
        std::env::temp_dir().join(format!("scrutineer-chromium-{name}-{}", std::process::id()));
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--print-to-pdf={}", pdf.display()),
            url,
        ])
        .output()
        .unwrap();
    assert!(
        pdf.exists(),
        "no PDF for {url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let prefix = dir.join(format!("print-{name}"));
    let r = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(r.status.success());
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    let pages = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let size_ok = info.contains("(A4)");
    assert!(size_ok || info.is_empty(), "{name} is not A4: {info}");
    let _ = std::fs::remove_file(&pdf);
    let _ = std::fs::remove_dir_all(&profile);
    pages
}

#[test]
fn pages_in_a_real_browser() {
    prerequisites();
    let dir = shots();
    let d = dir.to_str().unwrap();
    // Every browser and script signs in from 127.0.0.1: raise the per-address login limit.
    // Each teller downloads the export before each step: raise the per-client export limit.
    let s = Server::start(
        "browser",
        &[
            "--demo",
            "--logins-per-minute",
            "200",
            "--exports-per-minute",
            "100",
        ],
    );
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/township-party-congress/spec.json"))
            .unwrap(),
    )
    .unwrap();
    let org = s.login("organiser", &s.organiser_password);
    // The organiser prints the slips (the demo writes none into the data directory) and opens.
    let sheet_html = ureq::post(&format!("{}/api/v1/pools", s.base))
        .set("Authorization", &format!("Bearer {org}"))
        .send_json(json!({"style": 0}))
        .unwrap()
        .into_string()
        .unwrap();
    let sheet = dir.join("demo-slips.html");
    std::fs::write(&sheet, &sheet_html).unwrap();
    let tokens = tokens_from_sheet(&sheet_html);
    assert!(tokens.len() >= 20);
    for c in ["committee", "discipline"] {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/open"),
            Some(&org),
            None,
        );
    }
    // The desk checks voters in before they vote (the desk page checks in more of them).
    let registrar = s.login("demo-registrar", &s.demo["demo-registrar"]);
    for n in 140..=150 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&registrar),
            Some(&json!({"number": format!("D{n:04}")})),
        );
    }

    // Kiosk: pairing, a full ballot with a scanned token, receipt, reset, reuse refused.
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    node(
        "kiosk.mjs",
        &[&s.base, &tokens[0], &tokens[1], &code, d, &org],
    );

    // Cast or check: a voter checks the kiosk then votes with the same slip; a tampered
    // kiosk is caught by a check; a 监票人 records a test on the teller page.
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    node(
        "challenge.mjs",
        &[
            &s.base,
            &code,
            &tokens[2],
            &tokens[3],
            &tokens[4],
            &tokens[5],
            &s.demo["demo-teller"],
            d,
        ],
    );
    let tests = s.ok(
        "GET",
        "/api/v1/kiosk-tests",
        Some(&s.login("demo-teller", &s.demo["demo-teller"])),
        None,
    );
    assert!(tests["counts"]["tests"].as_u64() >= Some(1), "{tests}");

    // Registrar desk.
    node(
        "desk.mjs",
        &[&s.base, "demo-registrar", &s.demo["demo-registrar"], d],
    );

    // Check in enough voters for the ballots to come (the desk page checked in two), so the
    // round reconciles: returned ≤ issued.
    for n in 10..130 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&registrar),
            Some(&json!({"number": format!("D{n:04}")})),
        );
    }
    // More ballots through the API, then the teller console: close, tally, verdict, sign.
    // The demo election is encrypted: these ballots are encrypted here, as a kiosk would
    // (tokens 0 to 5 went to the kiosk and challenge pages).
    let kiosk = s.pair_kiosk(&org, "api");
    let mut receipt = String::new();
    let mut cast_lines: Vec<serde_json::Value> = Vec::new();
    for (i, t) in tokens.iter().enumerate().skip(6).take(80) {
        let mut committee: serde_json::Map<String, serde_json::Value> =
            ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
                .iter()
                .take(if i % 2 == 0 { 7 } else { 5 })
                .map(|c| (c.to_string(), json!("for")))
                .collect();
        // A write-in needs a 不赞成 mark on the same party ballot (BER Art. 25).
        let write_ins = if i % 10 == 1 {
            committee.insert("c8".into(), json!("against"));
            json!(["周八"])
        } else {
            json!([])
        };
        let lines = [
            json!({"contest": "committee", "marks": committee, "write_ins": write_ins}),
            json!({"contest": "discipline", "marks": {"d1": "for", "d2": "for"}}),
        ];
        let body = s.encrypted_cast(&spec, t, &lines);
        assert!(!body.to_string().contains("周八"));
        let r = s.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&body));
        receipt = r["receipt"].as_str().unwrap().to_string();
        cast_lines.extend(lines);
    }
    // The teller console: close, three of the five tellers decrypt through the page (each
    // running `scrutineer teller run` on its own export), tally, verdict, sign.
    let data_dir = s.dir.join("data");
    node_env(
        "teller.mjs",
        &[
            &s.base,
            &s.demo["demo-teller"],
            data_dir.join("demo-teller.key").to_str().unwrap(),
            d,
        ],
        &[
            ("SCRUTINEER_BIN", env!("CARGO_BIN_EXE_scrutineer")),
            ("DEMO_DATA_DIR", data_dir.to_str().unwrap()),
            ("REGISTRAR_PASSWORD", &s.demo["demo-registrar"]),
            (
                "ORGANISER_PASSWORD",
                &service::renewed(&s.organiser_password),
            ),
        ],
    );

    // The organiser publishes from the organiser page; print the board; the receipt page
    // confirms inclusion.
    node(
        "publish.mjs",
        &[&s.base, &service::renewed(&s.organiser_password), d],
    );
    let published = s.ok("GET", "/api/v1/public/results", None, None);
    let index = published["results"][0]["index"]
        .as_u64()
        .expect("a published result");
    // The decrypted count is the count of the ballots cast: the API's and the kiosk voter's
    // (kiosk.mjs wrote down what the voter chose; the request held ciphertexts only).
    let kiosk_choice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kiosk-choices.json")).unwrap())
            .unwrap();
    cast_lines.extend(kiosk_choice["ballots"].as_array().unwrap().iter().cloned());
    let challenge_choice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("challenge-choices.json")).unwrap())
            .unwrap();
    cast_lines.extend(
        challenge_choice["ballots"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let parsed = scrutineer::record::parse_election(spec.to_string().as_bytes()).unwrap();
    let result = s.ok(
        "GET",
        &format!("/api/v1/public/results/{index}"),
        None,
        None,
    );
    for contest in result["result"]["contests"].as_array().unwrap() {
        let id = contest["id"].as_str().unwrap();
        let ci = parsed.contest_index(id).unwrap();
        for cand in contest["candidates"].as_array().unwrap() {
            let cid = cand["id"].as_str().unwrap();
            let count = |mark: &str| {
                cast_lines
                    .iter()
                    .filter(|l| l["contest"] == id && l["marks"][cid] == mark)
                    .count() as u64
            };
            assert_eq!(cand["for"].as_u64(), Some(count("for")), "{id}/{cid} for");
            assert_eq!(
                cand["against"].as_u64(),
                Some(count("against")),
                "{id}/{cid} against"
            );
        }
        let written: u64 = cast_lines
            .iter()
            .filter(|l| l["contest"] == id)
            .map(|l| l["write_ins"].as_array().map(|a| a.len()).unwrap_or(0) as u64)
            .sum();
        let decrypted: u64 = contest["write_ins"]
            .as_array()
            .map(|a| a.iter().map(|w| w["for"].as_u64().unwrap()).sum())
            .unwrap_or(0);
        assert_eq!(decrypted, written, "{id}: write-in votes");
        let _ = ci;
    }
    assert!(print_to_pdf(&format!("{}/board/{index}", s.base), "board") >= 1);
    let board = ureq::get(&format!("{}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board.contains("选票在投票机上加密") && board.contains("demo-teller"),
        "the board does not say the ballots were encrypted and who decrypted"
    );
    assert!(
        board.contains("选民核验作废") && board.contains("监票人抽检投票机"),
        "the board does not count the checked and tested ballots"
    );
    node("verify.mjs", &[&s.base, &receipt, d]);

    // The slip sheet prints on A4.
    assert!(print_to_pdf(&format!("file://{}", sheet.display()), "slips") >= 2);

    // The organiser creates an election on a fresh service.
    let fresh = Server::start("browser-organiser", &["--logins-per-minute", "200"]);
    let spec = root().join("examples/township-party-congress/spec.json");
    node(
        "organiser.mjs",
        &[
            &fresh.base,
            &fresh.organiser_password,
            spec.to_str().unwrap(),
            d,
        ],
    );
}

/// An encrypted election of `spec` at the kiosk page: five tellers make the key on their own
/// machines, voters mark and cast in Chromium (the page encrypts), three tellers decrypt, and
/// each tally equals the plaintext count of what the voters chose.
fn encrypted_at_the_kiosk(name: &str, spec_file: &str, styles: serde_json::Value, roll: &str) {
    at_the_kiosk(name, spec_file, styles, roll, true);
}

/// The kiosk page, encrypted or (the organiser's logged choice) plaintext: voters cast through
/// `vote.mjs`, and the count equals the plaintext count of the same ballots.
fn at_the_kiosk(
    name: &str,
    spec_file: &str,
    styles: serde_json::Value,
    roll: &str,
    encrypted: bool,
) {
    let dir = shots();
    let s = Server::start(
        name,
        &["--logins-per-minute", "200", "--exports-per-minute", "300"],
    );
    let org = s.login("organiser", &s.organiser_password);
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(spec_file)).unwrap()).unwrap();
    let machines = s.dir.join("tellers-machines");
    let (tellers, verifiers): (Vec<service::TellerMachine>, Vec<String>) = (1..=5)
        .map(|i| {
            service::TellerMachine::new(&machines.join(format!("t{i}")), &format!("teller-{i}"))
        })
        .unzip();
    let mut body = json!({"spec": spec, "styles": styles, "tellers": verifiers, "signatures_required": 1, "election_date": "2026-12-01"});
    if !encrypted {
        body["secrecy"] =
            json!({"mode": "plaintext", "reason": "测试明文投票机 a plaintext kiosk test"});
    }
    s.ok("POST", "/api/v1/election", Some(&org), Some(&body));
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller-desk", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("teller-desk", &pw);
    let fingerprint = if encrypted {
        s.ceremony(&teller, &tellers)
    } else {
        String::new()
    };
    let (status, v) = s.post_text("/api/v1/roll", &org, roll);
    assert_eq!(status, 200, "{v}");
    let election = s.ok("GET", "/api/v1/election", None, None);
    let mut tokens = Vec::new();
    for (n, _) in election["styles"].as_array().unwrap().iter().enumerate() {
        let t = s.sheet(&org, &json!({"style": n, "count": 3}));
        tokens.extend(t);
    }
    let contests: Vec<String> = election["contests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    for c in &contests {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/open"),
            Some(&org),
            None,
        );
    }
    let registrar = s.registrar(&org, "desk-1");
    let roll_numbers: Vec<String> = roll
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(String::from))
        .collect();
    for number in &roll_numbers {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&registrar),
            Some(&json!({"number": number})),
        );
    }
    let tokens_file = s.dir.join("tokens.txt");
    std::fs::write(&tokens_file, tokens.join("\n")).unwrap();
    let choices_file = s.dir.join("choices.json");
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    node_env(
        "vote.mjs",
        &[
            &s.base,
            &code,
            tokens_file.to_str().unwrap(),
            choices_file.to_str().unwrap(),
            dir.join(name).to_str().unwrap(),
        ],
        &[("PLAINTEXT", if encrypted { "0" } else { "1" })],
    );
    let choices: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&choices_file).unwrap()).unwrap();
    assert_eq!(choices.as_array().unwrap().len(), tokens.len());
    for c in &contests {
        s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/close"),
            Some(&teller),
            None,
        );
    }
    // Tellers 2, 4 and 5 decrypt; 1 and 3 never act.
    if encrypted {
        s.decrypt(&teller, &[&tellers[1], &tellers[3], &tellers[4]]);
    }
    let lines: Vec<serde_json::Value> = choices
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["ballots"].as_array().unwrap().clone())
        .collect();
    for c in &contests {
        let out = s.ok(
            "POST",
            &format!("/api/v1/contests/{c}/tally"),
            Some(&teller),
            None,
        );
        let got = &out["result"]["contests"][0];
        // The same ballots counted in plaintext, with the figures the result used.
        let mut plain_spec = spec.clone();
        let sc = plain_spec["contests"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|x| x["id"] == c.as_str())
            .unwrap();
        sc["turnout"] = got["turnout"].clone();
        let only = json!([sc.clone()]);
        plain_spec["contests"] = only;
        plain_spec.as_object_mut().unwrap().remove("rankings");
        let parsed = scrutineer::record::parse_election(plain_spec.to_string().as_bytes()).unwrap();
        let text: String = lines
            .iter()
            .filter(|l| l["contest"] == c.as_str())
            .map(|l| l.to_string() + "\n")
            .collect();
        let ballots = scrutineer::record::parse_ballots(&parsed, text.as_bytes()).unwrap();
        let want = scrutineer::record::result_json(
            &parsed,
            &scrutineer::rules::tally_election(&parsed, &ballots),
        );
        assert_eq!(
            got, &want["contests"][0],
            "{name}/{c}: the decrypted count differs from the plaintext count of the same ballots"
        );
        assert!(got["ballots"]["returned"].as_u64().unwrap() > 0, "{got}");
    }
    if encrypted {
        let cer = s.ok("GET", "/api/v1/ceremony", None, None);
        assert_eq!(cer["key"]["fingerprint"], fingerprint.as_str());
    }
}

#[test]
fn npc_and_evaluation_encrypted_at_the_kiosk_page() {
    prerequisites();
    encrypted_at_the_kiosk(
        "kiosk-npc",
        "examples/npc-direct-constituency/spec.json",
        json!([{"round": 1, "unit": "第十七选区", "contests": ["d017"]}]),
        &service::roll_csv("第十七选区", "V", 8),
    );
    // An evaluation counted by weighted evaluator groups: one style per group.
    let mut roll = "姓名,证件号码,选区,出生日期,党员类别\n".to_string();
    for (unit, prefix) in [("领导组", "L"), ("职工组", "S"), ("考核组", "P")] {
        for line in service::roll_csv(unit, prefix, 3).lines().skip(1) {
            roll.push_str(line);
            roll.push('\n');
        }
    }
    let groups = json!([
        {"round": 1, "unit": "领导组", "contests": ["eval"], "group": "leaders"},
        {"round": 1, "unit": "职工组", "contests": ["eval"], "group": "staff"},
        {"round": 1, "unit": "考核组", "contests": ["eval"], "group": "panel"}
    ]);
    encrypted_at_the_kiosk(
        "kiosk-evaluation",
        "examples/democratic-evaluation/spec.json",
        groups.clone(),
        &roll,
    );
    // The same evaluation in a plaintext election: each line names its evaluator group (the
    // kiosk left it out, and the service refused every such ballot, `group_missing`).
    at_the_kiosk(
        "kiosk-evaluation-plaintext",
        "examples/democratic-evaluation/spec.json",
        groups,
        &roll,
        false,
    );
}

/// The key ceremony from the teller console: three tellers, each on its own machine
/// (`scrutineer teller run`), upload their steps on the page, which shows each step in words
/// before it is sent and the election key's fingerprint at the end (`ceremony.mjs`).
#[test]
fn a_teller_runs_the_key_ceremony_from_the_console() {
    prerequisites();
    let d = shots();
    let s = Server::start(
        "ceremony-console",
        &["--logins-per-minute", "200", "--exports-per-minute", "300"],
    );
    let org = s.login("organiser", &s.organiser_password);
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/npc-direct-constituency/spec.json"))
            .unwrap(),
    )
    .unwrap();
    let machines = s.dir.join("tellers-machine");
    let verifiers: Vec<String> = (1..=3)
        .map(|i| service::TellerMachine::new(&machines, &format!("t{i}")).1)
        .collect();
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "tellers": verifiers, "signatures_required": 2, "election_date": "2026-12-01"})),
    );
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller-desk", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    // The first sign-in changes the one-time password (the page's own form is tested
    // elsewhere).
    s.login("teller-desk", &pw);
    node_env(
        "ceremony.mjs",
        &[
            &s.base,
            "teller-desk",
            &service::renewed(&pw),
            machines.to_str().unwrap(),
            d.to_str().unwrap(),
        ],
        &[("SCRUTINEER_BIN", env!("CARGO_BIN_EXE_scrutineer"))],
    );
    let c = s.ok("GET", "/api/v1/ceremony", None, None);
    assert!(c["key"]["fingerprint"].is_string(), "{c}");
}

/// The election builder on a fresh service: an election created without typing JSON
/// (`builder.mjs`: candidates typed, pasted, imported from CSV and XLSX; the surplus check as
/// the organiser types; teller keys; checked against `GET /api/v1/election`).
#[test]
fn an_election_built_without_typing_json() {
    prerequisites();
    let d = shots();
    let s = Server::start("browser-builder", &["--logins-per-minute", "200"]);
    node(
        "builder.mjs",
        &[&s.base, &s.organiser_password, d.to_str().unwrap()],
    );
}

/// An organiser's day (`day.mjs`): opening below the quorum warns; the kiosk lists the
/// candidates in 姓氏笔画 order; a round counted invalid (quorum not met) is re-voted from the
/// results card; the election is archived from the election list.
#[test]
fn an_organisers_day_in_the_browser() {
    prerequisites();
    let d = shots();
    let ds = d.to_str().unwrap();
    let s = Server::start("browser-day", &["--logins-per-minute", "200"]);
    let org = s.login("organiser", &s.organiser_password);
    let org_pw = service::renewed(&s.organiser_password);
    let signer = scrutineer::record::note::Signer::new(
        "teller-wang",
        ed25519_dalek::SigningKey::from_bytes(&[11u8; 32]),
    )
    .unwrap();
    // Surnames whose code-point order is not the convention's.
    let spec = json!({"format": "scrutineer.election/v1", "id": "day-2026", "title": "镇党委换届 (一天)",
        "contests": [{"id": "c", "title": "镇党委委员", "kind": "party_committee", "seats": 3,
            "candidates": [{"id": "a", "name": "张三"}, {"id": "b", "name": "李四"}, {"id": "d", "name": "王五"},
                           {"id": "e", "name": "刘六"}, {"id": "f", "name": "杨七"}, {"id": "g", "name": "陈八"}]}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(
            &json!({"spec": spec, "tellers": [signer.verifier().unwrap().to_text()],
            "signatures_required": 1, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "浏览器测试 browser test"}}),
        ),
    );
    s.roll(&org, "一支部", "M", 10);
    let tokens = s.sheet(&org, &json!({"style": 0}));
    let desk = s.registrar(&org, "desk-1");
    s.check_in_range(&desk, "M", 1, 5);
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    node(
        "day.mjs",
        &["open", &s.base, &org_pw, &code, &tokens[0], ds],
    );
    // Five of ten vote; the count says the round is invalid; it is signed and published.
    let kiosk = s.pair_kiosk(&org, "api");
    for t in tokens.iter().take(5) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "c", "marks": {"a": "for", "b": "for", "d": "for"}}]})),
        );
    }
    let pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller-wang", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("teller-wang", &pw);
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let index = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None)["result_index"]
        .as_u64()
        .unwrap();
    let text = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&teller),
        None,
    )["checkpoint_text"]
        .as_str()
        .unwrap()
        .to_string();
    let line = scrutineer::ledger::teller_signature_line(&text, &signer).unwrap();
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/signatures"),
        Some(&teller),
        Some(&json!({"line": line})),
    );
    s.ok(
        "POST",
        &format!("/api/v1/results/{index}/publish"),
        Some(&org),
        None,
    );
    let dpw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "desk-2", "role": "registrar"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    s.login("desk-2", &dpw);
    node(
        "day.mjs",
        &[
            "revote",
            &s.base,
            &org_pw,
            ds,
            "desk-2",
            &service::renewed(&dpw),
        ],
    );
    let list = s.ok("GET", "/api/v1/elections", None, None);
    assert_eq!(list["archived"][0]["id"], "day-2026", "{list}");
}

/// Double-entry paper counting on the teller console (`paper.mjs`): two tellers in two
/// browsers key the same sheet; a disagreement is shown side by side on both pages; the
/// corrected sheet counts on both.
#[test]
fn two_tellers_key_the_same_paper_sheet() {
    prerequisites();
    let d = shots();
    let s = Server::start("browser-paper", &["--logins-per-minute", "200"]);
    let org = s.login("organiser", &s.organiser_password);
    // Two registered tellers: protocol 9 has each keying signed, and a sheet's two keyings by
    // two different keys.
    let signers: Vec<scrutineer::record::note::Signer> = [("teller-a", 12u8), ("teller-b", 14u8)]
        .iter()
        .map(|(name, seed)| {
            scrutineer::record::note::Signer::new(
                name,
                ed25519_dalek::SigningKey::from_bytes(&[*seed; 32]),
            )
            .unwrap()
        })
        .collect();
    let spec = json!({"format": "scrutineer.election/v1", "id": "paper-2026", "title": "支部换届 (纸质, 双人录入)",
        "contests": [{"id": "p", "title": "支部委员", "kind": "party_committee", "seats": 2,
            "mode": "paper", "paper_entry": "double",
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}, {"id": "d", "name": "张军"}]},
            {"id": "e", "title": "村干部考核打分 (纸质)", "kind": "evaluation", "scale": "score", "mode": "paper",
             "subjects": [{"id": "s1", "name": "赵村长"}, {"id": "s2", "name": "孙主任"}]},
            {"id": "g", "title": "班子测评 (纸质)", "kind": "evaluation", "scale": "team", "mode": "paper",
             "groups": [{"id": "lead", "title": "分管领导"}, {"id": "staff", "title": "干部职工"}],
             "subjects": [{"id": "t1", "name": "镇党委班子"}]}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(
            &json!({"spec": spec, "tellers": signers.iter().map(|t| t.verifier().unwrap().to_text()).collect::<Vec<_>>(),
            "signatures_required": 1, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "浏览器测试 browser test"}}),
        ),
    );
    s.roll(&org, "一支部", "M", 6);
    s.ok("POST", "/api/v1/contests/p/open", Some(&org), None);
    s.ok("POST", "/api/v1/contests/e/open", Some(&org), None);
    s.ok("POST", "/api/v1/contests/g/open", Some(&org), None);
    let desk = s.registrar(&org, "desk-1");
    s.check_in_range(&desk, "M", 1, 4);
    let mut args = vec![s.base.clone()];
    for name in ["teller-a", "teller-b"] {
        let pw = s.ok(
            "POST",
            "/api/v1/accounts",
            Some(&org),
            Some(&json!({"username": name, "role": "teller"})),
        )["password"]
            .as_str()
            .unwrap()
            .to_string();
        s.login(name, &pw);
        args.push(name.to_string());
        args.push(service::renewed(&pw));
    }
    args.push(d.to_str().unwrap().to_string());
    for t in &signers {
        let file = s.dir.join(format!("{}.key", t.name()));
        std::fs::write(&file, t.to_text()).unwrap();
        args.push(file.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    node("paper.mjs", &args);
    let e = s.ok("GET", "/api/v1/election", None, None);
    assert_eq!(
        e["contests"][0]["paper_sheet"], 2,
        "the browsers' sheet 1 was not counted"
    );
    assert_eq!(
        e["contests"][1]["paper_sheet"], 2,
        "the scored paper ballot was not counted"
    );
    assert_eq!(
        e["contests"][2]["paper_sheet"], 2,
        "the graded paper ballot was not counted"
    );
}

/// A rated-score evaluation at the kiosk (`scores.mjs`): scores keyed on a number pad, a
/// score past the top refused on screen, the review and the cast ballot carry the scores.
#[test]
fn a_voter_keys_scores_on_the_kiosk_number_pad() {
    prerequisites();
    let d = shots();
    let s = Server::start("browser-scores", &["--logins-per-minute", "200"]);
    let org = s.login("organiser", &s.organiser_password);
    let signer = scrutineer::record::note::Signer::new(
        "teller-s",
        ed25519_dalek::SigningKey::from_bytes(&[13u8; 32]),
    )
    .unwrap();
    let spec = json!({"format": "scrutineer.election/v1", "id": "scores-2026", "title": "村干部考核打分",
        "contests": [{"id": "s", "title": "村干部考核打分", "kind": "evaluation", "scale": "score",
            "subjects": [{"id": "a", "name": "赵村长"}, {"id": "b", "name": "孙主任"}]}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(
            &json!({"spec": spec, "tellers": [signer.verifier().unwrap().to_text()],
            "signatures_required": 1, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "浏览器测试 browser test"}}),
        ),
    );
    s.roll(&org, "一支部", "M", 4);
    let tokens = s.sheet(&org, &json!({"style": 0}));
    let desk = s.registrar(&org, "desk-1");
    s.check_in_range(&desk, "M", 1, 2);
    s.ok("POST", "/api/v1/contests/s/open", Some(&org), None);
    let code = s.ok("POST", "/api/v1/kiosks/pairing", Some(&org), None)["code"]
        .as_str()
        .unwrap()
        .to_string();
    node(
        "scores.mjs",
        &[&s.base, &code, &tokens[0], d.to_str().unwrap()],
    );
}

/// A multi-round procedure on the organiser page (`procedures.mjs`): the chain of rounds,
/// the qualified list and the interview scores typed in, the shortlist best first, the
/// evaluation contest created by the chain, and its step waiting for a published result.
#[test]
fn an_organiser_runs_a_procedure_round_by_round() {
    prerequisites();
    let d = shots();
    let s = Server::start("browser-procedures", &["--logins-per-minute", "200"]);
    let org = s.login("organiser", &s.organiser_password);
    let org_pw = service::renewed(&s.organiser_password);
    let signer = scrutineer::record::note::Signer::new(
        "teller-p",
        ed25519_dalek::SigningKey::from_bytes(&[14u8; 32]),
    )
    .unwrap();
    let spec = json!({"format": "scrutineer.election/v1", "id": "gtzx-2026", "title": "公推直选",
        "contests": [],
        "procedures": [{"id": "gtzx", "title": "公推直选青山镇党委书记", "posts": 1, "rounds": [
            {"id": "qualify", "kind": "qualification", "title": "资格审查", "ratio": "3"},
            {"id": "interview", "kind": "interview", "title": "面试", "ratio": "3"},
            {"id": "evaluate", "kind": "evaluation", "title": "组织考察民主测评",
             "contest": {"id": "kaocha", "title": "组织考察民主测评", "kind": "evaluation", "scale": "individual"}},
            {"id": "recommend", "kind": "recommendation", "title": "公开推荐",
             "contest": {"id": "tuijian", "title": "公开推荐", "kind": "recommendation", "shortlist": {"posts": 1, "candidates": 2}}},
            {"id": "approve", "kind": "approval", "title": "县委批准正式候选人", "ratio": "2"},
            {"id": "elect", "kind": "election", "title": "直接选举",
             "contest": {"id": "xuanju", "title": "直接选举党委书记", "kind": "party_secretary"}}]}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(
            &json!({"spec": spec, "tellers": [signer.verifier().unwrap().to_text()],
            "signatures_required": 1, "election_date": "2026-12-01",
            "secrecy": {"mode": "plaintext", "reason": "浏览器测试 browser test"}}),
        ),
    );
    node("procedures.mjs", &[&s.base, &org_pw, d.to_str().unwrap()]);
    let p = s.ok("GET", "/api/v1/procedures", None, None);
    assert_eq!(p["procedures"][0]["current"], "evaluate", "{p}");
}

/// A seat reduction signed by a registered teller (protocol 8) on the teller page and, with
/// `scrutineer teller attest` pasted, on the organiser page (`reduce.mjs` starts its own
/// service).
#[test]
fn a_seat_reduction_is_signed_by_a_teller_on_either_page() {
    prerequisites();
    let d = shots();
    node_env(
        "reduce.mjs",
        &[d.to_str().unwrap()],
        &[("SCRUTINEER_BIN", env!("CARGO_BIN_EXE_scrutineer"))],
    );
}
