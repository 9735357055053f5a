//! Names with invisible, direction or control characters, and names that differ only by
//! Unicode normalisation or whitespace (issue 11, item 4), over real HTTP against the
//! `scrutineer serve` binary: a spec, a roll and plaintext ballots holding such names are
//! refused with a stable code and change nothing; a decomposed spelling of a listed
//! candidate's name is that candidate; write-ins that differ only by spacing count together.
//! Then `record::names::clean_name` over every format character Unicode has, and the kiosk's
//! `web/js/names.js` in Node against it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;
mod service;

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};
use scrutineer::record::names::{clean_name, code_point};
use serde_json::{json, Value};
use service::Server;

const PLAINTEXT: &str = "a test of plaintext ballots";

/// An `npc_direct` constituency (1 seat, 2 candidates), hybrid so that paper ballots are
/// keyed in beside the kiosk's.
fn spec(candidates: &[(&str, &str)], title: &str) -> Value {
    json!({"format": "scrutineer.election/v1", "id": "names-2026", "title": "名称检查",
        "contests": [{"id": "c", "title": title, "kind": "npc_direct", "seats": 1, "mode": "hybrid",
            "candidates": candidates.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
            "turnout": {"eligible": 10, "present": 10, "ballots_issued": 10}}]})
}

fn create(s: &Server, org: &str, spec: &Value) -> (u16, Value) {
    s.call(
        "POST",
        "/api/v1/election",
        Some(org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": PLAINTEXT}, "spec": spec, "election_date": "2026-12-01"})),
    )
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or_default()
}

#[test]
fn a_spec_with_a_hidden_character_is_refused_and_nothing_is_created() {
    let s = Server::start("names-spec", &[]);
    let org = s.login("organiser", &s.organiser_password);
    for (candidates, title, expected, cp, position) in [
        (
            [("c1", "\u{202e}国建王"), ("c2", "李四")],
            "村委会",
            "name_format_character",
            "U+202E",
            1,
        ),
        (
            [("c1", "王建国"), ("c2", "王\u{200b}建国")],
            "村委会",
            "name_format_character",
            "U+200B",
            2,
        ),
        (
            [("c1", "王建国"), ("c2", "李四")],
            "村委\u{2066}会",
            "name_format_character",
            "U+2066",
            3,
        ),
        (
            [("c1", "王建国"), ("c2", "李\u{feff}四")],
            "村委会",
            "name_format_character",
            "U+FEFF",
            2,
        ),
        (
            [("c1", "王建国"), ("c2", "李\u{7}四")],
            "村委会",
            "name_control_character",
            "U+0007",
            2,
        ),
    ] {
        let (status, v) = create(&s, &org, &spec(&candidates, title));
        assert_eq!((status, code(&v)), (422, expected), "{v}");
        let message = v["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("{cp} (第 {position} 个字符)"))
                && message.contains(&format!("{cp} at position {position}")),
            "{message}"
        );
        // The refused name is not repeated in the message.
        assert!(!message.contains('\u{202e}') && !message.contains('\u{200b}'));
        // Nothing was created.
        let (status, v) = s.call("GET", "/api/v1/election", None, None);
        assert_eq!((status, code(&v)), (409, "no_election"), "{v}");
        assert!(!s.dir.join("data/log").exists());
    }
    // A teller key whose name hides a direction character is refused too (the board shows
    // the name beside the teller's signature), and `teller keygen` will not make one.
    let key = scrutineer::record::note::Signer::new(
        "teller-\u{202e}gnaw",
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    )
    .unwrap()
    .verifier()
    .unwrap()
    .to_text();
    let (status, v) = s.call(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": PLAINTEXT}, "spec": spec(&[("c1", "王建国"), ("c2", "李四")], "村委会"), "tellers": [key], "signatures_required": 1, "election_date": "2026-12-01"})),
    );
    assert_eq!((status, code(&v)), (422, "bad_key"), "{v}");
    assert!(v["message"].as_str().unwrap().contains("U+202E"), "{v}");
    assert!(!s.dir.join("data/log").exists());
    let keygen = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["teller", "keygen", "--name", "teller-\u{200b}wang", "--out"])
        .arg(s.dir.join("hidden.key"))
        .output()
        .unwrap();
    assert!(!keygen.status.success());
    assert!(
        String::from_utf8_lossy(&keygen.stderr).contains("name_format_character"),
        "{keygen:?}"
    );
    assert!(!s.dir.join("hidden.key").exists());
    // A decomposed name, padded with ideographic spaces, is accepted in canonical form.
    let (status, v) = create(
        &s,
        &org,
        &spec(
            &[("c1", "王\u{3000}建国"), ("c2", " Jose\u{301}\u{3000}")],
            "村委会",
        ),
    );
    assert_eq!(status, 201, "{v}");
    let e = s.ok("GET", "/api/v1/election", None, None);
    assert_eq!(
        e["contests"][0]["candidates"],
        json!([{"id": "c1", "name": "王建国"}, {"id": "c2", "name": "Jos\u{e9}"}])
    );
}

/// The roll header the service's tests use.
const ROLL_HEADER: &str = "姓名,证件号码,选区,出生日期,备注\n";

#[test]
fn plaintext_ballots_with_hidden_characters_are_refused_before_anything_is_written() {
    let s = Server::start("names-ballots", &[]);
    let org = s.login("organiser", &s.organiser_password);
    let (status, v) = create(
        &s,
        &org,
        &spec(&[("c1", "王建国"), ("c2", "Jos\u{e9}")], ""),
    );
    assert_eq!(status, 201, "{v}");
    let registrar = s.registrar(&org, "desk1");
    let teller_pw = s.ok(
        "POST",
        "/api/v1/accounts",
        Some(&org),
        Some(&json!({"username": "teller1", "role": "teller"})),
    )["password"]
        .as_str()
        .unwrap()
        .to_string();
    let teller = s.login("teller1", &teller_pw);
    let kiosk = s.pair_kiosk(&org, "hall-1");

    // The roll: a hidden character in a name, a unit or a flag refuses the file, naming the
    // line; nothing is imported.
    let mut bad = ROLL_HEADER.to_string();
    bad.push_str("选民一,V0001,一选区,1980-05-01,\n");
    bad.push_str("王\u{200b}建国,V0002,一选区,1980-05-01,\n");
    bad.push_str("选民三,V0003,一\u{202e}选区,1980-05-01,\n");
    bad.push_str("选民四,V0004,一选区,1980-05-01,外出\u{2060}\n");
    bad.push_str("选民五,V\u{200d}0005,一选区,1980-05-01,\n");
    let (status, v) = s.post_text("/api/v1/roll", &org, &bad);
    assert_eq!((status, code(&v)), (422, "roll_refused"), "{v}");
    let rows = v["rows"].as_array().unwrap();
    let got: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "name_format_character"),
            (4, "name_format_character"),
            (5, "name_format_character"),
            (6, "name_format_character")
        ],
        "{v}"
    );
    let first = rows[0]["message"].as_str().unwrap();
    assert!(
        first.contains("第 3 行")
            && first.contains("姓名")
            && first.contains("U+200B (第 2 个字符)"),
        "{first}"
    );
    assert!(!first.contains('\u{200b}'), "{first}");
    assert!(rows[1]["message"].as_str().unwrap().contains("U+202E"));
    assert_eq!(
        s.ok("GET", "/api/v1/desk", Some(&registrar), None)["roll_size"],
        0
    );
    // Spacing and NFC are put right, not refused.
    let mut good = ROLL_HEADER.to_string();
    for i in 1..=8 {
        good.push_str(&format!(
            "选民\u{3000}{i},V{i:04},\u{3000}一选区 ,1980-05-01,\n"
        ));
    }
    let (status, v) = s.post_text("/api/v1/roll", &org, &good);
    assert_eq!(status, 200, "{v}");
    let found = s.ok("GET", "/api/v1/roll?q=V0001", Some(&registrar), None);
    assert_eq!(found["voters"][0]["name"], "选民 1", "{found}");
    assert_eq!(found["voters"][0]["unit"], "一选区", "{found}");
    // The desk's search takes the query in the same canonical form...
    let found = s.ok(
        "GET",
        "/api/v1/roll?q=%E9%80%89%E6%B0%91%E3%80%801",
        Some(&registrar),
        None,
    );
    assert_eq!(found["voters"][0]["number"], "V0001", "{found}");
    // ...and refuses one that hides a character (U+200B), naming it.
    let (status, v) = s.call(
        "GET",
        "/api/v1/roll?q=%E9%80%89%E2%80%8B%E6%B0%91",
        Some(&registrar),
        None,
    );
    assert_eq!((status, code(&v)), (422, "name_format_character"), "{v}");
    // ...and one longer than any name (each search scans the whole roll).
    let (status, v) = s.call(
        "GET",
        &format!("/api/v1/roll?q={}", "a".repeat(65)),
        Some(&registrar),
        None,
    );
    assert_eq!((status, code(&v)), (422, "name_too_long"), "{v}");

    let tokens = s.sheet(&org, &json!({"style": 0}));
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    s.check_in_range(&registrar, "V", 1, 8);

    let election = || s.ok("GET", "/api/v1/election", None, None);
    let before = election();
    let cast = |token: &str, write_ins: &[&str]| {
        s.call(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": token, "ballots": [{"contest": "c", "marks": {}, "write_ins": write_ins}]})),
        )
    };
    // The reviewed write-ins, and other hidden characters: refused, 422, with the code.
    for (write_in, expected, cp) in [
        (
            "\u{202e}国建王",
            "name_format_character",
            "U+202E (第 1 个字符)",
        ),
        (
            "王\u{200b}建国",
            "name_format_character",
            "U+200B (第 2 个字符)",
        ),
        (
            "王建国\u{2069}",
            "name_format_character",
            "U+2069 (第 4 个字符)",
        ),
        (
            "王\u{ad}建国",
            "name_format_character",
            "U+00AD (第 2 个字符)",
        ),
        (
            "王\u{fe0f}建国",
            "name_format_character",
            "U+FE0F (第 2 个字符)",
        ),
        (
            "王\u{1b}建国",
            "name_control_character",
            "U+001B (第 2 个字符)",
        ),
    ] {
        let (status, v) = cast(&tokens[0], &[write_in]);
        assert_eq!((status, code(&v)), (422, expected), "{write_in:?}: {v}");
        assert!(v["message"].as_str().unwrap().contains(cp), "{v}");
    }
    // Nothing was written, and the token is not spent.
    let after = election();
    assert_eq!(after["log_size"], before["log_size"]);
    assert_eq!(after["ballots"], before["ballots"]);
    s.ok(
        "POST",
        "/api/v1/kiosk/ballot",
        Some(&kiosk),
        Some(&json!({"token": tokens[0]})),
    );

    // A decomposed spelling of a listed candidate's name is that candidate: the rule "a
    // write-in naming a listed candidate" catches it (an electronic ballot is never void).
    for write_in in [
        "Jose\u{301}",
        "\u{3000}Jos\u{e9} ",
        "王 建国",
        "王\u{3000}建国",
    ] {
        let (status, v) = cast(&tokens[0], &[write_in]);
        assert_eq!(
            (status, code(&v)),
            (422, "write_in_is_candidate"),
            "{write_in:?}: {v}"
        );
    }
    // Written in twice on one ballot, once with a padding space: the same person.
    let (status, v) = cast(&tokens[0], &["李四", "李\u{3000}四"]);
    assert_eq!((status, code(&v)), (422, "duplicate_write_in"), "{v}");

    // Write-ins that differ only by spacing or normalisation count together.
    for (token, write_in) in tokens.iter().zip(["李四", "李\u{3000}四", " 李 四 "]) {
        let (status, v) = cast(token, &[write_in]);
        assert_eq!(status, 201, "{write_in:?}: {v}");
    }
    // Paper ballots: the same refusals; a decomposed candidate's name is recorded void.
    let paper = |write_in: &str| {
        s.call(
            "POST",
            "/api/v1/contests/c/paper-ballots",
            Some(&teller),
            Some(&json!({"ballot": {"contest": "c", "marks": {}, "write_ins": [write_in]}})),
        )
    };
    let size = election()["log_size"].clone();
    let (status, v) = paper("王\u{200b}建国");
    assert_eq!((status, code(&v)), (422, "name_format_character"), "{v}");
    assert_eq!(election()["log_size"], size);
    let (status, v) = paper("Jose\u{301}");
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["void"], "write_in_is_candidate", "{v}");

    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let c = &r["result"]["contests"][0];
    assert_eq!(c["ballots"]["void"], 1, "{c}");
    let write_ins = c["write_ins"].as_array().unwrap();
    assert_eq!(write_ins.len(), 1, "{c}");
    assert_eq!(
        (&write_ins[0]["name"], &write_ins[0]["for"]),
        (&json!("李四"), &json!(3))
    );

    // The log holds the canonical names, and the export verifies.
    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("李\u{3000}四") && !text.contains("Jose\u{301}"));
    let out = s.dir.join("unpacked");
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let export = out.join("scrutineer-export");
    let report = scrutineer::verify::verify_export(&export, &|_, _| {});
    assert!(report.ok, "{report:?}");

    // The log as the service writes it (protocol 4): a logged ballot line whose write-in
    // hides a zero-width space, re-chained and re-signed by whoever holds the log key, is
    // named at that entry (read as logged, it would count for a person of its own).
    let keys = scrutineer::ledger::keys::load_or_create(
        &s.dir.join("keys"),
        &scrutineer::record::entry::origin("names-2026"),
    )
    .unwrap()
    .log;
    let entries = e2e_support::read_entries(&export);
    let at = entries
        .iter()
        .position(|e| {
            e.kind == scrutineer::record::entry::EntryKind::Ballot
                && String::from_utf8_lossy(&e.body).contains("李四")
        })
        .unwrap();
    let forged = s.dir.join("forged");
    let r = e2e_support::forge(&export, &forged, "names-2026", &keys, |es| {
        let text = String::from_utf8(es[at].body.clone()).unwrap();
        es[at].body = text.replacen("李四", "李\u{200b}四", 1).into_bytes();
    });
    let said = e2e_support::named(&r, &["ballot"], at);
    assert!(said.contains("U+200B"), "{said}");
}

/// An encrypted election: the kiosk (`e2e::kiosk`) refuses a hidden character before it
/// encrypts; a kiosk that skips the check gets its ballot in (the server cannot read it), and
/// the count, decrypting the names, counts that write-in for no one, warns, and counts two
/// spellings of one name together. The verifier's recount agrees.
#[test]
fn an_encrypted_write_in_with_a_hidden_character_counts_for_no_one() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let s = Server::start("names-e2e", &["--exports-per-minute", "300"]);
    let org = s.login("organiser", &s.organiser_password);
    let machines = s.dir.join("tellers-machines");
    let (tellers, verifiers): (Vec<service::TellerMachine>, Vec<String>) = (1..=3)
        .map(|i| {
            service::TellerMachine::new(&machines.join(format!("t{i}")), &format!("teller-{i}"))
        })
        .unzip();
    let mut spec = spec(&[("c1", "王建国"), ("c2", "李四")], "");
    spec["contests"][0]["mode"] = json!("electronic");
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "tellers": verifiers, "signatures_required": 1, "election_date": "2026-12-01"})),
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
    let teller = s.login("teller-desk", &pw);
    s.ceremony(&teller, &tellers);
    s.roll(&org, "一选区", "V", 4);
    let tokens = s.sheet(&org, &json!({"style": 0}));
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    let registrar = s.registrar(&org, "desk1");
    s.check_in_range(&registrar, "V", 1, 3);
    let kiosk = s.pair_kiosk(&org, "hall-1");
    let line = |w: &str| json!({"contest": "c", "marks": {}, "write_ins": [w]});

    // The kiosk refuses before encrypting.
    let ceremony = s.ok("GET", "/api/v1/ceremony", None, None);
    let key = scrutineer::crypto::ElectionKey::from_bytes(
        &b64.decode(ceremony["key"]["key"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let election = scrutineer::record::parse_election(spec.to_string().as_bytes()).unwrap();
    let summary = s.ok("GET", "/api/v1/election", None, None);
    let style: scrutineer::record::entry::Style =
        serde_json::from_value(summary["styles"][0].clone()).unwrap();
    let token = scrutineer::record::token::Token::parse(&tokens[0]).unwrap();
    let refused = scrutineer::e2e::kiosk::encrypt_lines(
        &election,
        "names-2026",
        &style,
        &key,
        *token.serial(),
        &[line("\u{202e}五王")],
        &mut scrutineer::crypto::SystemRng,
    )
    .unwrap_err();
    assert!(
        refused.to_string().contains("U+202E (第 1 个字符)"),
        "{refused}"
    );

    // An honest ballot, then two from a kiosk that encrypts what it is given.
    let body = s.encrypted_cast(&spec, &tokens[0], &[line("王五")]);
    s.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&body));
    let contest = &election.contests[0];
    let shape = scrutineer::e2e::shape_of(contest).unwrap();
    for (t, name) in tokens[1..3].iter().zip(["\u{202e}五王", "王\u{3000}五"]) {
        let serial = *scrutineer::record::token::Token::parse(t).unwrap().serial();
        let plaintext = scrutineer::crypto::ContestPlaintext::Candidate(
            scrutineer::crypto::CandidatePlaintext {
                marks: vec![scrutineer::crypto::Mark::Abstain; 2],
                write_ins: vec![Some(name.to_string())],
                void: false,
            },
        );
        let ctx = scrutineer::e2e::context("names-2026", "c", "", serial);
        let (enc, _) = scrutineer::crypto::ballot::encrypt_contest(
            &key,
            &shape,
            &ctx,
            &plaintext,
            &mut scrutineer::crypto::SystemRng,
        )
        .unwrap();
        let body = json!({"token": t, "encrypted": [{"contest": "c", "group": "", "ballot": b64.encode(enc.to_bytes())}]});
        s.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&body));
    }
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    s.decrypt(&teller, &[&tellers[0], &tellers[1]]);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let c = &r["result"]["contests"][0];
    assert_eq!(c["ballots"]["valid"], 3, "{c}");
    assert_eq!(
        c["write_ins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["name"].clone(), w["for"].clone()))
            .collect::<Vec<_>>(),
        [(json!("王五"), json!(2))],
        "{c}"
    );
    let warning = c["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "write_in_unreadable")
        .unwrap_or_else(|| panic!("no write_in_unreadable warning: {c}"));
    assert!(warning["message"].as_str().unwrap().starts_with("1 个"));

    // Signed and published, so the public export holds the result and `verify` recounts it.
    let index = r["result_index"].as_u64().unwrap();
    let text = s.ok(
        "GET",
        &format!("/api/v1/results/{index}"),
        Some(&teller),
        None,
    )["checkpoint_text"]
        .as_str()
        .unwrap()
        .to_string();
    let signer = scrutineer::record::note::Signer::parse(
        std::fs::read_to_string(&tellers[0].key).unwrap().trim(),
    )
    .unwrap();
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
    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let out = s.dir.join("unpacked");
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let report = scrutineer::verify::verify_export(&out.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert!(report.results >= 1, "{report:?}");
}

/// Every character of General_Category Cf (in the BMP and beyond) and every other
/// Default_Ignorable_Code_Point is refused, wherever it stands in a name.
#[test]
fn every_format_and_default_ignorable_character_is_refused() {
    let gc = CodePointMapData::<GeneralCategory>::new();
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let mut bmp_format = 0;
    for cp in 0..=0x10FFFFu32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        let format = gc.get(c) == GeneralCategory::Format;
        if !format && !ignorable.contains(c) {
            continue;
        }
        if format && cp <= 0xFFFF {
            bmp_format += 1;
        }
        for (raw, position) in [
            (format!("{c}王建国"), 1),
            (format!("王{c}建国"), 2),
            (format!("王建国{c}"), 4),
            (format!(" 王建国 {c} "), 6),
        ] {
            let e = clean_name(&raw).unwrap_err();
            assert_eq!(e.code(), "name_format_character", "{}", code_point(c));
            assert!(
                e.to_string()
                    .contains(&format!("{} (第 {position} 个字符)", code_point(c))),
                "{e}"
            );
        }
    }
    assert!(bmp_format >= 40, "{bmp_format} Cf characters in the BMP");
    for cp in (0..0x20u32).chain(0x7F..0xA0) {
        let c = char::from_u32(cp).unwrap();
        assert_eq!(
            clean_name(&format!("王{c}建国")).unwrap_err().code(),
            "name_control_character",
            "{}",
            code_point(c)
        );
    }
}

/// The cases the Rust function and the kiosk's JavaScript must agree on: the reviewed
/// write-ins, every format character of the BMP, controls, whitespace and NFC.
fn cases() -> Vec<String> {
    let mut cases: Vec<String> = [
        "\u{202e}国建王",
        "王\u{200b}建国",
        "王建国",
        "  王建国\u{3000}",
        "王\u{3000}建国",
        "王 \u{a0} 建国",
        "Li  Wei",
        "Li\u{3000}Wei",
        " Jose\u{301} ",
        "\u{f900}",
        "a\u{323}\u{301}",
        "王\t建国",
        "\t王建国\n",
        "王\u{85}建国",
        "王\u{2028}建国",
        "",
        " \u{3000} ",
        "王\u{34f}建国",
        "王\u{3164}建国",
        "王\u{fe00}建国",
        "王建国\u{e0001}",
        "王建国\u{e0100}",
        "买买提·艾力",
        "𠮷野家",
        "ＡＢ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let gc = CodePointMapData::<GeneralCategory>::new();
    for cp in 0..=0xFFFFu32 {
        if let Some(c) = char::from_u32(cp) {
            if gc.get(c) == GeneralCategory::Format {
                cases.push(format!("王{c}建国"));
            }
        }
    }
    cases
}

#[test]
fn the_kiosk_refuses_and_cleans_names_as_the_server_does() {
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok(),
        "the kiosk's name check is tested in Node.js (`.ci/run` installs it)"
    );
    let cases = cases();
    let expected: Vec<Value> = cases
        .iter()
        .map(|raw| match clean_name(raw) {
            Ok(name) => json!({"ok": true, "name": name}),
            Err(e) => json!({"ok": false, "code": e.code(), "message": e.to_string()}),
        })
        .collect();
    let script = format!(
        "import {{ cleanName }} from {};\n\
         const cases = JSON.parse(require_stdin());\n",
        json!(format!("file://{root}/web/js/names.js"))
    );
    let script = script.replace(
        "require_stdin()",
        "await new Promise((ok) => { let s = ''; process.stdin.on('data', (d) => s += d); process.stdin.on('end', () => ok(s)); })",
    ) + "console.log(JSON.stringify(cases.map((c) => { const r = cleanName(c); return r.ok ? { ok: true, name: r.name } : { ok: false, code: r.code, message: r.message }; })));\n";
    let mut child = std::process::Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(&cases).unwrap().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got.len(), expected.len());
    for ((raw, want), got) in cases.iter().zip(&expected).zip(&got) {
        assert_eq!(got, want, "{raw:?}");
    }
}

/// Logs written before names were cleaned are read as they were logged: every export under
/// `tests/fixtures/v1` (written by earlier releases) still verifies, recount included.
#[test]
fn exports_written_before_names_were_cleaned_still_verify() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1");
    let mut n = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let report = scrutineer::verify::verify_export(&dir, &|_, _| {});
        assert!(report.ok, "{}: {report:?}", dir.display());
        assert!(report.results > 0, "{}", dir.display());
        n += 1;
    }
    assert!(n >= 4, "{n} fixtures");
}

/// A log claiming an older protocol is checked by that protocol's weaker rules, and anyone
/// writing a new log could claim one: `scrutineer verify` refuses it (`protocol_old`)
/// unless the auditor names the protocol (`--allow-protocol N`), and then verifies it.
#[test]
fn verify_takes_an_older_protocol_only_when_the_auditor_names_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1");
    let run = |dir: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .arg("verify")
            .arg(dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let mut n = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let report = scrutineer::verify::verify_export(&dir, &|_, _| {});
        assert!(report.protocol < scrutineer::rules::conduct::PROTOCOL_CURRENT);
        let refused = run(&dir, &[]);
        let said = String::from_utf8_lossy(&refused.stdout);
        assert_eq!(refused.status.code(), Some(1), "{}: {said}", dir.display());
        assert!(
            said.contains("[protocol_old]")
                && said.contains(&format!("--allow-protocol {}", report.protocol)),
            "{said}"
        );
        // Another old protocol named is not this one.
        let other = (report.protocol % 3 + 1).to_string();
        assert_eq!(
            run(&dir, &["--allow-protocol", &other]).status.code(),
            Some(1)
        );
        let taken = run(&dir, &["--allow-protocol", &report.protocol.to_string()]);
        let said = String::from_utf8_lossy(&taken.stdout);
        assert!(taken.status.success(), "{}: {said}", dir.display());
        // The report says the older rules were used.
        assert!(
            said.contains(&format!("older protocol {}", report.protocol))
                || said.contains("protocol 1 log"),
            "{said}"
        );
        n += 1;
    }
    assert!(n >= 5, "{n} fixtures");
}
