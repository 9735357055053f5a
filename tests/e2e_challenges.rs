//! Cast-or-check (a Benaloh challenge, docs/E2E.md §8.6) over real HTTP: a voter checks the
//! kiosk's encryption (the ballot is spoiled, logged with its opening, never counted) and
//! votes again with the same slip; a spoiled ballot is never cast, a cast one never opened;
//! a forged opening is refused; a slip checks at most five ballots; a 监票人's test retires its
//! slip; anyone opens a spoiled ballot from the public endpoint or from an export with
//! `scrutineer ballot check`; and the verifier names every forgery of these rules in a
//! re-signed export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

use e2e_support::{example, forge, named, public_roll, read_entries, Cli, Server};
use scrutineer::crypto::{ContestPlaintext, Mark};
use scrutineer::record::encrypted::{EncryptedBallotBody, EncryptedLine};
use scrutineer::record::entry::{Entry, EntryKind};
use scrutineer::record::spoiled::SpoiledBallotBody;

const ELECTION: &str = "hexi-county-npc-2026-d017";

struct Hall {
    server: Server,
    cli: Cli,
    org: String,
    teller: String,
    kiosk: String,
    tokens: Vec<String>,
    summary: Value,
    election: scrutineer::rules::Election,
    tellers: Vec<e2e_support::Teller>,
}

fn hall(name: &str) -> Hall {
    let dir = e2e_support::temp(name);
    let cli = Cli::at(dir.join("tellers-machine"));
    let tellers = cli.tellers(3);
    let svc = dir.join("svc");
    std::fs::create_dir_all(&svc).unwrap();
    let server = Server::start(&svc);
    let org = server.login("organiser", &server.organiser_password);
    let teller = server.account(&org, "teller1", "teller");
    let desk = server.account(&org, "desk1", "registrar");
    let kiosk = server.pair_kiosk(&org, "hall-1");
    let spec: Value = serde_json::from_slice(
        &std::fs::read(example("npc-direct-constituency/spec.json")).unwrap(),
    )
    .unwrap();
    let verifiers: Vec<String> = tellers
        .iter()
        .map(|t| t.signer().verifier().unwrap().to_text())
        .collect();
    server.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "tellers": verifiers, "signatures_required": 2, "election_date": "2026-12-01"})),
    );
    server.ceremony(&cli, &teller, &tellers);
    let (s, v) = server.post_text(
        "/api/v1/roll",
        &org,
        &public_roll(&[("第十七选区", "V", 8)]),
    );
    assert_eq!(s, 200, "{v}");
    let tokens = server.sheet(&org, 0);
    server.ok("POST", "/api/v1/contests/d017/open", Some(&org), None);
    for i in 1..=6 {
        server.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("V{i:04}")})),
        );
    }
    let summary = server.ok("GET", "/api/v1/election", None, None);
    let election = scrutineer::record::parse_election(spec.to_string().as_bytes()).unwrap();
    Hall {
        server,
        cli,
        org,
        teller,
        kiosk,
        tokens,
        summary,
        election,
        tellers,
    }
}

impl Hall {
    /// Encrypts `line` for `token` as the kiosk does, from what `/kiosk/ballot` answers: the
    /// lines and their openings.
    fn encrypt(&self, token: &str, line: &Value) -> Vec<(EncryptedLine, Vec<u8>)> {
        self.encrypt_with(token, line, &mut scrutineer::crypto::SystemRng)
    }

    fn encrypt_with(
        &self,
        token: &str,
        line: &Value,
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Vec<(EncryptedLine, Vec<u8>)> {
        let k = self.server.ok(
            "POST",
            "/api/v1/kiosk/ballot",
            Some(&self.kiosk),
            Some(&json!({"token": token})),
        );
        let e2e = &k["e2e"];
        let key = scrutineer::crypto::ElectionKey::from_bytes(
            &BASE64.decode(e2e["key"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let serial: [u8; 16] = e2e_support::unhex(e2e["token_serial"].as_str().unwrap())
            .try_into()
            .unwrap();
        let style: scrutineer::record::entry::Style = serde_json::from_value(
            self.summary["styles"][k["style"].as_u64().unwrap() as usize].clone(),
        )
        .unwrap();
        scrutineer::e2e::kiosk::encrypt_lines(
            &self.election,
            ELECTION,
            &style,
            &key,
            serial,
            std::slice::from_ref(line),
            rng,
        )
        .unwrap()
        .into_iter()
        .map(|(l, o)| (l, o.to_bytes()))
        .collect()
    }

    fn spoil(&self, token: &str, lines: &[(EncryptedLine, Vec<u8>)]) -> (u16, Value) {
        self.server.call(
            "POST",
            "/api/v1/kiosk/spoil",
            Some(&self.kiosk),
            Some(
                &json!({"token": token, "encrypted": lines.iter().map(|(l, o)| json!({
                "contest": l.contest, "group": l.group, "ballot": BASE64.encode(&l.ballot),
                "opening": BASE64.encode(o)})).collect::<Vec<_>>()}),
            ),
        )
    }

    fn cast(&self, token: &str, lines: &[(EncryptedLine, Vec<u8>)]) -> (u16, Value) {
        self.server.call(
            "POST",
            "/api/v1/ballots",
            Some(&self.kiosk),
            Some(&json!({"token": token, "encrypted": lines.iter().map(|(l, _)| json!({
                "contest": l.contest, "group": l.group, "ballot": BASE64.encode(&l.ballot)})).collect::<Vec<_>>()})),
        )
    }

    /// What a forger holding the log key starts from: the export `tar` unpacked (its
    /// directory) and the service's log key.
    fn forger(
        &self,
        tar: &std::path::Path,
    ) -> (std::path::PathBuf, scrutineer::record::note::Signer) {
        let unpacked = self.cli.path("end");
        tar::Archive::new(std::fs::File::open(tar).unwrap())
            .unpack(&unpacked)
            .unwrap();
        let keys = scrutineer::ledger::keys::load_or_create(
            &self.server.dir.join("keys"),
            &scrutineer::record::entry::origin(ELECTION),
        )
        .unwrap()
        .log;
        (unpacked.join("scrutineer-export"), keys)
    }

    /// The first teller's `teller run` on an export taken now (unpacked under `name`), with
    /// the export's checkpoint confirmed: what it printed, and whether it wrote steps.
    fn teller_run(&self, name: &str) -> (String, bool) {
        let tar = self.cli.path(&format!("{name}.tar"));
        self.server.export_tar(Some(&self.teller), &tar);
        let export = self.cli.path(name);
        tar::Archive::new(std::fs::File::open(&tar).unwrap())
            .unpack(&export)
            .unwrap();
        let export = export.join("scrutineer-export");
        let pin = e2e_support::export_checkpoint(&export);
        let t1 = &self.tellers[0];
        let steps = self.cli.path(&format!("{name}-steps.json"));
        let mut args = e2e_support::teller_run_args(t1, &t1.state, &export, &steps);
        args.extend(["--checkpoint", pin.as_str()]);
        (self.cli.ok(&args), steps.exists())
    }

    fn size(&self) -> u64 {
        self.server.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"]
            .as_u64()
            .unwrap()
    }
}

fn code_of(token: &str, lines: &[(EncryptedLine, Vec<u8>)]) -> String {
    let t = scrutineer::record::token::Token::parse(token).unwrap();
    let enc: Vec<EncryptedLine> = lines.iter().map(|(l, _)| l.clone()).collect();
    scrutineer::record::spoiled::confirmation_code(&scrutineer::record::spoiled::Confirmable {
        round: t.round(),
        style: t.style(),
        serial: t.serial(),
        lines: &enc,
    })
}

#[test]
fn a_voter_checks_the_kiosk_then_votes_with_the_same_slip() {
    let mut h = hall("challenge-flow");
    let tokens = h.tokens.clone();
    let chosen = json!({"contest": "d017", "marks": {"n1": "for", "n3": "against"}, "write_ins": ["欧阳明月"]});
    let t1 = &tokens[0];

    // 核验: the ballot with its openings is logged as spoiled; the slip is not used up.
    let checked = h.encrypt(t1, &chosen);
    let (s, v) = h.spoil(t1, &checked);
    assert_eq!(s, 201, "{v}");
    let code = code_of(t1, &checked);
    assert_eq!(v["confirmation"], code.as_str(), "{v}");
    let receipt = v["receipt"].as_str().unwrap().to_string();
    assert!(
        v["check_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/verify?receipt={receipt}")),
        "{v}"
    );
    assert!(v["qr_svg"].as_str().unwrap().starts_with("<svg"), "{v}");
    let index = v["index"].as_u64().unwrap();

    // Anyone opens it: the stored entry hashes to the leaf the receipt's proof covers, and
    // its openings give back exactly the choices made.
    let r = h
        .server
        .ok("GET", &format!("/api/v1/receipts/{receipt}"), None, None);
    assert_eq!(r["kind"], "spoiled_ballot", "{r}");
    assert_eq!(r["confirmation"], code.as_str(), "{r}");
    // The same code under an entry number the log does not have, or with one character of
    // its hash changed: no ballot matches (`unknown_receipt`), said as such.
    let (_, tail) = receipt.split_once('-').unwrap();
    let last = tail.chars().last().unwrap();
    let changed = format!(
        "{}{}",
        &receipt[..receipt.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    for wrong in [format!("R999999-{tail}"), changed] {
        let (status, v) = h
            .server
            .call("GET", &format!("/api/v1/receipts/{wrong}"), None, None);
        assert_eq!(
            (status, v["code"].as_str()),
            (404, Some("unknown_receipt")),
            "{wrong}: {v}"
        );
    }
    let sp = h
        .server
        .ok("GET", &format!("/api/v1/spoiled/{index}"), None, None);
    let entry = Entry::decode(&BASE64.decode(sp["entry"].as_str().unwrap()).unwrap()).unwrap();
    let leaf: String = entry.hash().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(r["hash"], leaf.as_str());
    assert_eq!(sp["kiosk"], "kiosk-hall-1");
    assert_eq!(sp["confirmation"], code.as_str());
    assert_eq!(
        sp["lines"][0]["candidates"].as_array().unwrap().len(),
        3,
        "{sp}"
    );
    let body = SpoiledBallotBody::decode(&entry.body).unwrap();
    assert_eq!(body.lines[0].line, checked[0].0);
    let style: scrutineer::record::entry::Style =
        serde_json::from_value(h.summary["styles"][0].clone()).unwrap();
    let export = h
        .server
        .export_tar(Some(&h.teller), &h.cli.path("open.tar"));
    assert!(!export.is_empty());
    let replayed = scrutineer::verify::with_export(&h.cli.path("open.tar"), |d| {
        scrutineer::verify::verify_export_replayed(d, &|_, _| {})
    })
    .unwrap();
    assert!(replayed.0.ok, "{:?}", replayed.0);
    assert_eq!(replayed.0.spoiled_ballots, 1);
    let book = replayed.1.unwrap().book.unwrap();
    let opened = book.open_spoiled(&h.election, &style, &body).unwrap();
    let ContestPlaintext::Candidate(p) = &opened[0].1 else {
        panic!("a candidate contest")
    };
    assert_eq!(p.marks, vec![Mark::For, Mark::Abstain, Mark::Against]);
    assert_eq!(p.write_ins[0].as_deref(), Some("欧阳明月"));

    // The CLI opens it too, from the export, with the receipt code, in words.
    let out = h.cli.ok(&[
        "ballot",
        "check",
        "--export",
        h.cli.path("open.tar").to_str().unwrap(),
        "--receipt",
        &receipt,
    ]);
    assert!(out.contains(&code), "{out}");
    assert!(
        out.contains("赞成") && out.contains("反对") && out.contains("欧阳明月"),
        "{out}"
    );
    let wrong = h.cli.fail(&[
        "ballot",
        "check",
        "--export",
        h.cli.path("open.tar").to_str().unwrap(),
        "--receipt",
        &format!("R{index}-0000000000000000"),
    ]);
    assert!(wrong.contains("[bad_receipt]"), "{wrong}");
    // Without a pin it says which log it checked and that the log was not confirmed; held to
    // the board's checkpoint it confirms it, and a checkpoint of another log (or one taken
    // before the spoiled ballot) is refused.
    let export = h.cli.path("open.tar");
    let pin = e2e_support::export_checkpoint(&export);
    assert!(
        out.contains(&format!(
            "the log checked: {}:",
            pin.split(':').next().unwrap()
        )) && out.contains("not confirmed"),
        "{out}"
    );
    let check = |extra: &[&str]| {
        let mut a = vec![
            "ballot",
            "check",
            "--export",
            export.to_str().unwrap(),
            "--receipt",
            receipt.as_str(),
        ];
        a.extend_from_slice(extra);
        a.iter().map(|x| x.to_string()).collect::<Vec<String>>()
    };
    let args = check(&["--checkpoint", &pin]);
    let pinned = h
        .cli
        .ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        pinned.contains(&code) && !pinned.contains("not confirmed"),
        "{pinned}"
    );
    let size: u64 = pin.split(':').next().unwrap().parse().unwrap();
    let other = format!("{size}:{}", "00".repeat(32));
    let args = check(&["--checkpoint", &other]);
    let e = h
        .cli
        .fail(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("[log_fork]"), "{e}");
    // The log's true root at a size before the spoiled ballot: the pin holds, the ballot is
    // outside it.
    let early = format!("{index}:{}", e2e_support::root_hex_at(&export, index));
    let args = check(&["--checkpoint", &early]);
    let e = h
        .cli
        .fail(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("[not_yet_checkpointed]"), "{e}");

    // The spoiled ballot is never cast: not as it was, nor its contest in another ballot.
    let (s, v) = h.cast(t1, &checked);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_spoiled")),
        "{v}"
    );
    // Nor spoiled twice.
    let (s, v) = h.spoil(t1, &checked);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_spoiled")),
        "{v}"
    );

    // The voter votes again with the same slip: a fresh encryption is cast, and its receipt
    // carries its confirmation code, by which the ballot is found.
    let cast = h.encrypt(t1, &chosen);
    let (s, v) = h.cast(t1, &cast);
    assert_eq!(s, 201, "{v}");
    let cast_code = code_of(t1, &cast);
    assert_ne!(cast_code, code);
    assert_eq!(v["confirmation"], cast_code.as_str(), "{v}");
    let r = h.server.ok(
        "GET",
        &format!("/api/v1/receipts/{}", v["receipt"].as_str().unwrap()),
        None,
        None,
    );
    assert_eq!(
        (r["kind"].as_str(), r["confirmation"].as_str()),
        (Some("encrypted_ballot"), Some(cast_code.as_str()))
    );
    let found = h.server.ok(
        "GET",
        &format!(
            "/api/v1/confirmations/{}",
            cast_code.to_lowercase().replace('-', "")
        ),
        None,
        None,
    );
    assert_eq!(found["entries"][0]["receipt"], v["receipt"], "{found}");
    assert_eq!(
        cast_code.len(),
        19,
        "16 characters in four groups: {cast_code}"
    );
    // A code of the first version (the first eight characters) still finds it.
    let found = h.server.ok(
        "GET",
        &format!("/api/v1/confirmations/{}", &cast_code[..9]),
        None,
        None,
    );
    assert_eq!(found["entries"][0]["receipt"], v["receipt"], "{found}");
    // A code whose first half is the ballot's and whose second half is not finds nothing:
    // all 80 bits are compared.
    let last = if cast_code.ends_with('0') { "1" } else { "0" };
    let other = format!("{}{last}", &cast_code[..18]);
    let (s, _) = h
        .server
        .call("GET", &format!("/api/v1/confirmations/{other}"), None, None);
    assert_eq!(s, 404, "{other}");
    let (s, _) = h.server.call(
        "GET",
        "/api/v1/confirmations/0000-0000-0000-0000",
        None,
        None,
    );
    assert_eq!(s, 404);
    for bad in ["UUUU-UUUU-UUUU-UUUU", "0000-0000-0000"] {
        let (s, _) = h
            .server
            .call("GET", &format!("/api/v1/confirmations/{bad}"), None, None);
        assert_eq!(s, 422, "{bad}");
    }

    // A cast ballot is never opened.
    let after = h.encrypt(&h.tokens[2], &chosen);
    let (s, v) = h.spoil(t1, &after);
    assert_eq!(s, 409, "{v}");
    assert!(
        ["ballot_already_cast", "token_spent"].contains(&v["code"].as_str().unwrap()),
        "{v}"
    );

    // A forged opening (another ballot's nonces, or one byte changed) is refused and logs
    // nothing.
    let t2 = &tokens[1];
    let a = h.encrypt(t2, &chosen);
    let b = h.encrypt(t2, &json!({"contest": "d017", "marks": {"n2": "for"}}));
    let before = h.size();
    let mut swapped = a.clone();
    swapped[0].1 = b[0].1.clone();
    let (s, v) = h.spoil(t2, &swapped);
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("opening_mismatch")),
        "{v}"
    );
    let mut flipped = a.clone();
    flipped[0].1[5] ^= 1;
    let (s, v) = h.spoil(t2, &flipped);
    assert_eq!(s, 422, "{v}");
    // The opening of another slip's ballot does not open under this one (the proofs bind
    // the serial).
    let (s, _) = h.spoil(t2, &after);
    assert_eq!(s, 422);
    assert_eq!(h.size(), before, "a refused check logged something");

    // At most five checks per slip.
    let mut voters_check = 0;
    for n in 0..5 {
        let (s, v) = h.spoil(t2, &h.encrypt(t2, &chosen));
        assert_eq!(s, 201, "check {n}: {v}");
        voters_check = v["index"].as_u64().unwrap();
    }
    let (s, v) = h.spoil(t2, &h.encrypt(t2, &chosen));
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("spoils_exhausted")),
        "{v}"
    );
    // ... and the slip still casts.
    let (s, v) = h.cast(t2, &h.encrypt(t2, &chosen));
    assert_eq!(s, 201, "{v}");
    // A check whose slip then cast was a voter's: it is not recorded as a test.
    let before = h.size();
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": voters_check, "outcome": "match"})),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_already_cast")),
        "{v}"
    );
    assert_eq!(h.size(), before, "a refused test logged something");

    // A 监票人's test challenge: recorded once, of a spoiled ballot only; its slip never casts.
    let t3 = &tokens[2];
    let (s, v) = h.spoil(t3, &after);
    assert_eq!(s, 201, "{v}");
    let tested = v["index"].as_u64().unwrap();
    let (s, _) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.kiosk),
        Some(&json!({"spoiled": tested, "outcome": "match"})),
    );
    assert_eq!(s, 403, "a kiosk records a test");
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": 1, "outcome": "match"})),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("not_spoiled")), "{v}");
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": tested, "outcome": "perhaps"})),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("bad_outcome")), "{v}");
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": tested, "outcome": "match", "note": "a\u{0}b"})),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("bad_note")), "{v}");
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": tested, "outcome": "match", "note": "长".repeat(501)})),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("bad_note")), "{v}");
    // A test shows the slip it retires: without it, or with another slip, it is refused (a
    // 监票人 account could otherwise retire a voter's slip between check and re-vote).
    for token in [None, Some(tokens[4].as_str()), Some("not a slip")] {
        let mut body = json!({"spoiled": tested, "outcome": "match"});
        if let Some(t) = token {
            body["token"] = json!(t);
        }
        let before = h.size();
        let (s, v) = h
            .server
            .call("POST", "/api/v1/kiosk-tests", Some(&h.teller), Some(&body));
        assert_eq!((s, v["code"].as_str()), (422, Some("test_slip")), "{v}");
        assert_eq!(h.size(), before, "a refused test logged something");
    }
    h.server.ok(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": tested, "outcome": "mismatch", "note": "一号机 10:30 抽检", "token": t3})),
    );
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk-tests",
        Some(&h.teller),
        Some(&json!({"spoiled": tested, "outcome": "match", "token": t3})),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("already_tested")),
        "{v}"
    );
    let (s, v) = h.cast(t3, &h.encrypt(&h.tokens[3], &chosen));
    assert!(s == 409 || s == 422, "{v}");
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(&h.kiosk),
        Some(&json!({"token": t3})),
    );
    assert_eq!((s, v["code"].as_str()), (409, Some("token_tested")), "{v}");
    let report = h
        .server
        .ok("GET", "/api/v1/kiosk-tests", Some(&h.org), None);
    assert_eq!(
        report["counts"],
        json!({"spoiled": 7, "tests": 1, "mismatches": 1}),
        "{report}"
    );
    let report_counts = report["counts"].clone();
    assert_eq!(
        report["kiosks"],
        json!([{"kiosk": "kiosk-hall-1", "paired": true, "spoiled": 7, "tests": 1, "mismatches": 1,
                "last_test": report["tests"][0]["time"]}]),
        "{report}"
    );
    assert_eq!(report["tests"][0]["kiosk"], "kiosk-hall-1");
    assert_eq!(report["tests"][0]["teller"], "teller1");
    let sp = h
        .server
        .ok("GET", &format!("/api/v1/spoiled/{tested}"), None, None);
    assert_eq!(sp["test"]["outcome"], "mismatch", "{sp}");

    // The service's own log verifies, counting what happened; the spoiled ballots are not
    // among the ballots.
    let tar = h.cli.path("end.tar");
    h.server.export_tar(Some(&h.teller), &tar);
    let (code, report) = h.cli.verify(&tar);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 2, "{report}");
    assert_eq!(report["spoiled_ballots"], 7, "{report}");
    assert_eq!(report["kiosk_tests"], 1, "{report}");
    assert_eq!(report["kiosk_test_mismatches"], 1, "{report}");

    // A restart replays the log to the same rules: the spoiled contest is still refused at
    // cast, the tested slip still retired, the report the same.
    let t4 = &tokens[3];
    let pending = h.encrypt(t4, &chosen);
    let (s, v) = h.spoil(t4, &pending);
    assert_eq!(s, 201, "{v}");
    h.server.restart();
    let (s, v) = h.cast(t4, &pending);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_spoiled")),
        "{v}"
    );
    let (s, v) = h.server.call(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(&h.kiosk),
        Some(&json!({"token": t3})),
    );
    assert_eq!((s, v["code"].as_str()), (409, Some("token_tested")), "{v}");
    let again = h
        .server
        .ok("GET", "/api/v1/kiosk-tests", Some(&h.org), None);
    assert_eq!(
        again["counts"],
        json!({"spoiled": 8, "tests": report_counts["tests"], "mismatches": report_counts["mismatches"]}),
        "{again}"
    );
    assert_eq!(
        h.server.ok(
            "GET",
            &format!("/api/v1/confirmations/{cast_code}"),
            None,
            None
        )["entries"][0]["receipt"],
        found["entries"][0]["receipt"]
    );

    // ---- The forger holding the log key, re-signing the export: each rule is named.
    let (dir, keys) = h.forger(&tar);
    let entries = read_entries(&dir);
    let spoiled_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::SpoiledBallot)
        .unwrap();
    let cast_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::EncryptedBallot)
        .unwrap();
    let test_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::KioskTest)
        .unwrap();
    let forged = |name: &str, f: &dyn Fn(&mut Vec<Entry>)| {
        let out = h.cli.path(&format!("forged-{name}"));
        forge(&dir, &out, ELECTION, &keys, |es| f(es))
    };
    // (a) A spoiled ballot whose opening shows other choices than its ciphertexts hold.
    let r = forged("opening", &|es| {
        let mut b = SpoiledBallotBody::decode(&es[spoiled_at].body).unwrap();
        b.lines[0].opening = other_nonces(&b);
        es[spoiled_at].body = b.encode();
    });
    named(&r, &["opening_mismatch"], spoiled_at);
    // (b) The spoiled ballot's contest cast after all (its token's cast entry made to carry
    // it).
    let r = forged("cast-spoiled", &|es| {
        let sp = SpoiledBallotBody::decode(&es[spoiled_at].body).unwrap();
        let mut c = EncryptedBallotBody::decode(&es[cast_at].body).unwrap();
        c.lines[0].ballot = sp.lines[0].line.ballot.clone();
        es[cast_at].body = c.encode();
    });
    named(&r, &["ballot_spoiled"], cast_at);
    // (c) A spoil of a slip after it cast: the cast ballot opened.
    let r = forged("spoil-after-cast", &|es| {
        let c = EncryptedBallotBody::decode(&es[cast_at].body).unwrap();
        let mut sp = SpoiledBallotBody::decode(&es[spoiled_at].body).unwrap();
        sp.serial = *c.token.serial();
        let e = Entry {
            kind: EntryKind::SpoiledBallot,
            prev: [0; 32],
            body: sp.encode(),
        };
        es.insert(cast_at + 1, e);
    });
    named(&r, &["ballot_already_cast"], cast_at + 1);
    // (d) A kiosk test of an entry that is not a spoiled ballot.
    let r = forged("test-of-nothing", &|es| {
        let mut t: Value = serde_json::from_slice(&es[test_at].body).unwrap();
        t["spoiled"] = json!(cast_at);
        es[test_at].body = serde_json::to_vec(&t).unwrap();
    });
    named(&r, &["not_spoiled"], test_at);
    // (e) A kiosk test of a voter's check: the spoiled ballot whose slip then cast.
    assert!(spoiled_at < cast_at && cast_at < test_at);
    let r = forged("test-of-a-voters-check", &|es| {
        let mut t: Value = serde_json::from_slice(&es[test_at].body).unwrap();
        t["spoiled"] = json!(spoiled_at);
        es[test_at].body = serde_json::to_vec(&t).unwrap();
    });
    named(&r, &["ballot_already_cast"], test_at);
    // (f) A kiosk test that does not show its slip (or shows another).
    for (name, token) in [
        ("test-without-slip", None),
        ("test-other-slip", Some(&tokens[4])),
    ] {
        let r = forged(name, &|es| {
            let mut t: Value = serde_json::from_slice(&es[test_at].body).unwrap();
            match token {
                None => {
                    t.as_object_mut().unwrap().remove("token");
                }
                Some(other) => t["token"] = json!(other),
            }
            es[test_at].body = serde_json::to_vec(&t).unwrap();
        });
        named(&r, &["test_slip"], test_at);
    }
}

/// A deterministic stream: its first `first` bytes from one seed, the rest from another. The
/// nonces of an encryption are drawn first (docs/E2E.md §8.1), so two encryptions whose
/// streams share their first bytes have the same ciphertexts and different proofs.
struct Split {
    a: scrutineer::crypto::DeterministicRng,
    b: scrutineer::crypto::DeterministicRng,
    first: usize,
}

impl rand_core::RngCore for Split {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.first >= dest.len() {
            self.first -= dest.len();
            self.a.fill_bytes(dest);
        } else {
            assert_eq!(self.first, 0, "a draw across the split");
            self.b.fill_bytes(dest);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Split {}

fn split(a: &[u8], b: &[u8], first: usize) -> Split {
    Split {
        a: scrutineer::crypto::DeterministicRng::new(a),
        b: scrutineer::crypto::DeterministicRng::new(b),
        first,
    }
}

/// A spoiled ballot publishes its nonces: anyone holding them can prove its ciphertexts again
/// under fresh proofs (other bytes, another digest). Cast, that vote would be readable by
/// anyone; the service refuses it and the verifier names it in a forged log.
#[test]
fn a_spoiled_ballots_ciphertexts_are_never_cast_under_fresh_proofs() {
    let h = hall("respoil");
    let t = &h.tokens[0];
    let chosen = json!({"contest": "d017", "marks": {"n1": "for", "n2": "against"}, "write_ins": ["欧阳明月"]});
    let checked = h.encrypt_with(t, &chosen, &mut split(b"nonces", b"proofs", usize::MAX));
    let n = checked[0].1.len() / 32;
    let reproved = h.encrypt_with(t, &chosen, &mut split(b"nonces", b"other", 64 * n));
    let cts = 2 + 64 * n;
    assert_eq!(checked[0].0.ballot[..cts], reproved[0].0.ballot[..cts]);
    assert_ne!(checked[0].0.ballot, reproved[0].0.ballot);
    let (s, v) = h.spoil(t, &checked);
    assert_eq!(s, 201, "{v}");
    let before = h.size();
    let (s, v) = h.cast(t, &reproved);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_spoiled")),
        "{v}"
    );
    assert_eq!(h.size(), before, "a refused cast logged something");
    // One of its ciphertexts in an otherwise fresh encryption, with valid proofs (the first
    // nonce drawn the same, every other draw fresh): refused too.
    let mixed = h.encrypt_with(t, &chosen, &mut split(b"nonces", b"fresh", 64));
    assert_eq!(mixed[0].0.ballot[..2 + 64], checked[0].0.ballot[..2 + 64]);
    assert_ne!(
        mixed[0].0.ballot[2 + 64..2 + 128],
        checked[0].0.ballot[2 + 64..2 + 128]
    );
    let (s, v) = h.cast(t, &mixed);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("ballot_spoiled")),
        "{v}"
    );
    assert_eq!(h.size(), before);
    // A fresh encryption casts.
    let fresh = h.encrypt(t, &chosen);
    let (s, v) = h.cast(t, &fresh);
    assert_eq!(s, 201, "{v}");

    // The forger holding the log key puts the re-proved ballot in place of the cast one.
    let tar = h.cli.path("end.tar");
    h.server.export_tar(Some(&h.teller), &tar);
    let (dir, keys) = h.forger(&tar);
    let entries = read_entries(&dir);
    let cast_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::EncryptedBallot)
        .unwrap();
    let r = forge(&dir, &h.cli.path("forged"), ELECTION, &keys, |es| {
        let mut c = EncryptedBallotBody::decode(&es[cast_at].body).unwrap();
        c.lines[0].ballot = reproved[0].0.ballot.clone();
        es[cast_at].body = c.encode();
    });
    named(&r, &["ballot_spoiled"], cast_at);
}

/// Nonces that open the first contest of a spoiled ballot to something else: the opening
/// with its first nonce replaced by the second.
fn other_nonces(b: &SpoiledBallotBody) -> Vec<u8> {
    let mut o = b.lines[0].opening.clone();
    let (first, rest) = o.split_at_mut(33);
    first[1..33].copy_from_slice(&rest[..32]);
    o
}

/// The secrecy review of 2026-12-05: a checked (spoiled) ballot's choices are public and
/// usually cast unchanged, so they hide no one. Three ballots cast, two by voters who first
/// checked: the total less the two published choices is the third voter's ballot. A
/// teller's tool holds that total as it holds a total of one ballot, and says why.
#[test]
fn a_total_whose_other_ballots_were_checked_first_waits_for_the_tellers() {
    let h = hall("checked-total");
    let choices = [
        json!({"contest": "d017", "marks": {"n1": "for"}}),
        json!({"contest": "d017", "marks": {"n2": "for"}}),
        json!({"contest": "d017", "marks": {"n3": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "against"}}),
    ];
    let vote = |n: usize, check: bool| {
        let t = &h.tokens[n];
        if check {
            let (s, v) = h.spoil(t, &h.encrypt(t, &choices[n]));
            assert_eq!(s, 201, "{v}");
        }
        let (s, v) = h.cast(t, &h.encrypt(t, &choices[n]));
        assert_eq!(s, 201, "{v}");
    };
    vote(0, true);
    vote(1, true);
    vote(2, false);
    h.server
        .ok("POST", "/api/v1/contests/d017/close", Some(&h.teller), None);
    let (out, stepped) = h.teller_run("three");
    assert!(!stepped, "{out}");
    assert!(
        out.contains("2 of 3 electronic ballot(s) were cast by voters who first checked"),
        "{out}"
    );
    assert!(out.contains("--allow-small-total d017"), "{out}");
    // Protocol 10: a checked ballot carries the hour it was checked, not the second (it sits
    // in the public log between cast ballots, and would date them).
    let export = h.cli.path("three").join("scrutineer-export");
    let spoiled: Vec<u64> = e2e_support::read_entries(&export)
        .iter()
        .filter(|e| e.kind == scrutineer::record::entry::EntryKind::SpoiledBallot)
        .map(|e| SpoiledBallotBody::decode(&e.body).unwrap().time)
        .collect();
    assert_eq!(spoiled.len(), 2);
    assert!(spoiled.iter().all(|t| t % 3600 == 0), "{spoiled:?}");
    // A log that dates a check to the second again (a service running other code) is
    // refused by verify, at that entry.
    let (_, keys) = h.forger(&h.cli.path("three.tar"));
    let entries = e2e_support::read_entries(&export);
    let at = entries
        .iter()
        .position(|e| e.kind == scrutineer::record::entry::EntryKind::SpoiledBallot)
        .unwrap();
    let r = e2e_support::forge(
        &export,
        &h.cli.path("to-the-second"),
        ELECTION,
        &keys,
        |es| {
            let mut b = SpoiledBallotBody::decode(&es[at].body).unwrap();
            b.time += 37;
            es[at].body = b.encode();
        },
    );
    e2e_support::named(&r, &["time_not_hour"], at);
    let _ = std::fs::remove_dir_all(h.cli.path(""));
}

/// Five ballots cast, two of them by voters who checked first: the three others are enough,
/// and the shares are given (the guard holds only what it must; with two others it holds,
/// above).
#[test]
fn a_total_with_three_unchecked_ballots_is_decrypted() {
    let h = hall("checked-total-enough");
    let marks = [
        json!({"contest": "d017", "marks": {"n1": "for"}}),
        json!({"contest": "d017", "marks": {"n2": "for"}}),
        json!({"contest": "d017", "marks": {"n3": "for"}}),
        json!({"contest": "d017", "marks": {"n2": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for"}}),
    ];
    for (n, m) in marks.iter().enumerate() {
        let t = &h.tokens[n];
        if n < 2 {
            let (s, v) = h.spoil(t, &h.encrypt(t, m));
            assert_eq!(s, 201, "{v}");
        }
        let (s, v) = h.cast(t, &h.encrypt(t, m));
        assert_eq!(s, 201, "{v}");
    }
    h.server
        .ok("POST", "/api/v1/contests/d017/close", Some(&h.teller), None);
    let (out, stepped) = h.teller_run("five");
    assert!(stepped, "{out}");
    assert!(!out.contains("first checked"), "{out}");
    let _ = std::fs::remove_dir_all(h.cli.path(""));
}
