//! A recorded decision to reduce seats (issue 15, item 4) over real HTTP. RULES.md section 2,
//! party kinds: when a round leaves seats unfilled the meeting holds a new round for them, "or
//! the meeting reduces the seats when close (needs a recorded decision)". A party committee
//! vote elects 2 of 3; the publication prepares the runoff; the organiser logs the meeting's
//! decision to reduce the seats by the one left unfilled; the prepared runoff can no longer
//! open; the board says it; the verifier checks it and names each forged variant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::{attest_reduction, forge, named, plain_teller, read_entries, Server};
use scrutineer::record::entry::{EntryKind, SeatsReduced};

const ELECTION: &str = "reduce-2026";
const BASIS: &str = "第二次全体会议表决通过: 委员名额由 3 名减为 2 名, 不再选举";

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "减少名额测试 seat reduction test",
        "contests": [{"id": "c", "title": "镇党委委员", "kind": "party_committee", "seats": 3,
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"},
                           {"id": "d", "name": "张军"}, {"id": "e", "name": "陈静"}]}]})
}

fn roll(n: usize) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!("党员{i},M{i:03},一支部,1980-05-01,是,正式党员\n"));
    }
    s
}

#[test]
fn the_meeting_reduces_the_seats_instead_of_a_new_round() {
    scenario(false);
}

/// The same decision recorded on the server machine with `scrutineer ledger reduce-seats`.
#[test]
fn the_cli_records_the_same_decision() {
    scenario(true);
}

fn scenario(by_cli: bool) {
    let dir = e2e_support::temp(if by_cli { "reduce-cli" } else { "reduce" });
    let mut s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    assert_eq!(s.create_plaintext(&org, &spec()).0, 201);
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll(10));
    assert_eq!(st, 200, "{v}");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    for i in 1..=9 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    // P = 9: a and b get 9 (2·9 > 9), d and e get 4 each (2·4 = 8 is not more than 9).
    for (n, t) in tokens.iter().take(9).enumerate() {
        let marks: &[&str] = match n {
            0..=3 => &["a", "b", "d"],
            4..=7 => &["a", "b", "e"],
            _ => &["a", "b"],
        };
        let marks: serde_json::Map<String, Value> = marks
            .iter()
            .map(|c| (c.to_string(), json!("for")))
            .collect();
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "c", "marks": marks}]})),
        );
    }
    // Protocol 8: the registered teller's key signs the decision (3 seats, less 1).
    let signed = |basis: &str| attest_reduction(&plain_teller(), 1, ELECTION, "c", 1, 2, basis);
    let reduce = |s: &Server, who: &str, contest: &str, basis: &str| {
        s.call(
            "POST",
            &format!("/api/v1/contests/{contest}/reduce-seats"),
            Some(who),
            Some(&json!({"basis": basis, "attested": signed(basis)})),
        )
    };
    // Before the count: nothing published to reduce.
    let (code, v) = reduce(&s, &org, "c", BASIS);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("not_published")),
        "{v}"
    );
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let first = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    let result = s.ok(
        "GET",
        &format!("/api/v1/results/{first}"),
        Some(&teller),
        None,
    );
    let c = &result["result"]["contests"][0];
    assert_eq!(
        (c["elected"].clone(), c["unfilled_seats"].as_u64()),
        (json!(["a", "b"]), Some(1)),
        "{result}"
    );
    // Publication prepares the runoff for the unfilled seat (still in draft).
    s.sign_and_publish(&teller, &org, first);
    let e = s.ok("GET", "/api/v1/election", None, None);
    let runoff = e["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["parent"] == "c")
        .unwrap_or_else(|| panic!("no runoff prepared: {e}"))
        .clone();
    let runoff_id = runoff["id"].as_str().unwrap().to_string();
    assert_eq!(runoff["state"], "draft");
    let parent = e["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "c")
        .unwrap()
        .clone();
    assert_eq!(parent["reducible"], true, "{parent}");

    // Refusals change nothing: no basis, an unknown contest, a registrar.
    let size =
        |s: &Server| s.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"].clone();
    let before = size(&s);
    for (who, contest, basis, want) in [
        (&org, "c", "  ", "reduction_basis"),
        (&org, "c", "第一行\n第二行", "reduction_basis"),
        (&org, "zz", BASIS, "unknown_contest"),
        (&desk, "c", BASIS, "forbidden"),
        (&org, runoff_id.as_str(), BASIS, "not_published"),
    ] {
        let (_, v) = reduce(&s, who, contest, basis);
        assert_eq!(v["code"], want, "{contest} {basis:?}: {v}");
    }
    // Protocol 8: one organiser's word is not enough; a teller's signature of another
    // decision, of other seats, or by a teller not registered, is refused.
    let other_seats = attest_reduction(&plain_teller(), 1, ELECTION, "c", 2, 1, BASIS);
    let not_registered = attest_reduction(&plain_teller(), 2, ELECTION, "c", 1, 2, BASIS);
    let stranger = scrutineer::record::note::Signer::new(
        "teller-wang",
        ed25519_dalek::SigningKey::from_bytes(&[99u8; 32]),
    )
    .unwrap();
    let forged = attest_reduction(&stranger, 1, ELECTION, "c", 1, 2, BASIS);
    for (attested, want) in [
        (Value::Null, "unattested"),
        (signed("另一个决定 another decision"), "attestation_invalid"),
        (other_seats, "attestation_invalid"),
        (not_registered, "attestation_invalid"),
        (forged, "attestation_invalid"),
    ] {
        let (_, v) = s.call(
            "POST",
            "/api/v1/contests/c/reduce-seats",
            Some(&org),
            Some(&json!({"basis": BASIS, "attested": attested})),
        );
        assert_eq!(v["code"], want, "{attested}: {v}");
    }
    assert_eq!(size(&s), before);

    if by_cli {
        s.stop();
        let key_file = dir.join("teller-wang.key");
        std::fs::write(&key_file, plain_teller().to_text()).unwrap();
        let cli = |contest: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
                .args(["ledger", "--data"])
                .arg(dir.join("data"))
                .arg("--keys")
                .arg(dir.join("keys"))
                .args(["reduce-seats", contest, "--basis", BASIS, "--teller-key"])
                .arg(&key_file)
                .output()
                .unwrap()
        };
        let o = cli("c");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("不再另行选举"));
        let o = cli("c");
        assert!(!o.status.success());
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(said.contains("shortfall_decided"), "{said}");
        s.restart();
    } else {
        let (code, v) = reduce(&s, &org, "c", BASIS);
        assert_eq!(code, 201, "{v}");
    }
    let (code, v) = reduce(&s, &org, "c", BASIS);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("shortfall_decided")),
        "{v}"
    );
    // The prepared runoff is withdrawn: it cannot open.
    let (code, v) = s.call(
        "POST",
        &format!("/api/v1/contests/{runoff_id}/open"),
        Some(&org),
        None,
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("runoff_superseded")),
        "{v}"
    );
    let e = s.ok("GET", "/api/v1/election", None, None);
    let find = |id: &str| {
        e["contests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(find("c")["seats_reduced_by"], 1);
    assert_eq!(find(&runoff_id)["superseded"], true);

    // The result and its board say it, with the basis.
    let result = s.ok(
        "GET",
        &format!("/api/v1/results/{first}"),
        Some(&teller),
        None,
    );
    let sr = &result["seat_reductions"][0];
    assert_eq!(
        (sr["reduced_by"].as_u64(), sr["seats"].as_u64()),
        (Some(1), Some(2)),
        "{result}"
    );
    let board = ureq::get(&format!("{}/board/{first}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board.contains("“镇党委委员” 减少名额 1 名")
            && board.contains("应选名额改为 2 名")
            && board.contains("第二次全体会议")
            && board.contains("signed by teller 1"),
        "the board does not show the reduction, its basis and the teller who signed it"
    );
    assert!(
        !board.contains("另行选举建议"),
        "the board still proposes the new round the meeting decided against"
    );

    // The export verifies, and the report names the reduction.
    let tar = dir.join("export.tar");
    s.export_tar(Some(&teller), &tar);
    let unpacked = dir.join("unpacked");
    tar::Archive::new(std::fs::File::open(&tar).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let export = unpacked.join("scrutineer-export");
    let report = scrutineer::verify::verify_export(&export, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(report.seat_reductions.len(), 1);
    assert_eq!(report.seat_reductions[0].seats, 2);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["verify", &tar.display().to_string(), "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["seat_reductions"][0]["reduced_by"], 1, "{r}");

    // The forger holding the log key: each variant of a reduction the rules do not allow.
    let keys = scrutineer::ledger::keys::load_or_create(
        &dir.join("keys"),
        &scrutineer::record::entry::origin(ELECTION),
    )
    .unwrap()
    .log;
    let entries = read_entries(&export);
    let at = entries
        .iter()
        .position(|e| e.kind == EntryKind::SeatsReduced)
        .unwrap();
    let published_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::ResultPublished)
        .unwrap();
    // The forger holds the teller's key too (a teller who colludes), so each variant is
    // signed again and the rules, not the signature, must refuse it.
    let edit = |name: &str, f: &dyn Fn(&mut SeatsReduced)| {
        forge(&export, &dir.join(name), ELECTION, &keys, |es| {
            let mut b: SeatsReduced = serde_json::from_slice(&es[at].body).unwrap();
            f(&mut b);
            let again = attest_reduction(
                &plain_teller(),
                1,
                ELECTION,
                "c",
                b.reduced_by,
                b.seats,
                &b.basis,
            );
            b.attested = Some(serde_json::from_value(again).unwrap());
            es[at].body = serde_json::to_vec(&b).unwrap();
        })
    };
    // Without the teller (protocol 8): the signature taken off, or the decision changed under
    // it, or signed by a key that is not the registered teller's.
    let bare = |name: &str, f: &dyn Fn(&mut SeatsReduced)| {
        forge(&export, &dir.join(name), ELECTION, &keys, |es| {
            let mut b: SeatsReduced = serde_json::from_slice(&es[at].body).unwrap();
            f(&mut b);
            es[at].body = serde_json::to_vec(&b).unwrap();
        })
    };
    let r = bare("forged-unsigned", &|b| b.attested = None);
    named(&r, &["unattested"], at);
    let r = bare("forged-unsigned-basis", &|b| {
        b.basis = "另一决定 another decision".into()
    });
    named(&r, &["attestation_invalid"], at);
    let r = bare("forged-other-key", &|b| {
        let stranger = scrutineer::record::note::Signer::new(
            "teller-wang",
            ed25519_dalek::SigningKey::from_bytes(&[99u8; 32]),
        )
        .unwrap();
        let a = attest_reduction(&stranger, 1, ELECTION, "c", 1, 2, &b.basis);
        b.attested = Some(serde_json::from_value(a).unwrap());
    });
    named(&r, &["attestation_invalid"], at);
    // More seats removed than were left unfilled (a reduction that unseats nobody yet
    // shrinks the body below what the vote filled).
    let r = edit("forged-by", &|b| {
        b.reduced_by = 2;
        b.seats = 1;
    });
    named(&r, &["reduction_mismatch"], at);
    let r = edit("forged-seats", &|b| b.seats = 3);
    named(&r, &["reduction_seats"], at);
    let r = edit("forged-basis", &|b| b.basis = " ".into());
    named(&r, &["reduction_basis"], at);
    let r = forge(&export, &dir.join("forged-twice"), ELECTION, &keys, |es| {
        let e = es[at].clone();
        es.insert(at + 1, e);
    });
    named(&r, &["shortfall_decided"], at + 1);
    // A reduction logged before the result was published.
    let r = forge(&export, &dir.join("forged-early"), ELECTION, &keys, |es| {
        let e = es.remove(at);
        es.insert(published_at, e);
    });
    named(&r, &["not_published"], published_at);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One vote of contest "c" (3 seats; a, b, d, e) by the first `present` of a roll of 10, each
/// ballot marking `for` the candidates its row names; closed, counted, signed and published.
/// Returns the server, the organiser's and the teller's sessions and the result's index.
fn voted(dir: &std::path::Path, present: usize, ballots: &[&[&str]]) -> (Server, String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let s = Server::start(dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    let kiosk = s.pair_kiosk(&org, "hall-1");
    assert_eq!(s.create_plaintext(&org, &spec()).0, 201);
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll(10));
    assert_eq!(st, 200, "{v}");
    let tokens = s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/c/open", Some(&org), None);
    for i in 1..=present {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    for (t, marks) in tokens.iter().zip(ballots) {
        let marks: serde_json::Map<String, Value> = marks
            .iter()
            .map(|c| (c.to_string(), json!("for")))
            .collect();
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": [{"contest": "c", "marks": marks}]})),
        );
    }
    s.ok("POST", "/api/v1/contests/c/close", Some(&teller), None);
    let r = s.ok("POST", "/api/v1/contests/c/tally", Some(&teller), None);
    let index = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    s.sign_and_publish(&teller, &org, index);
    (s, org, teller)
}

/// Protocol 10 (the rules review of 2026-12-05, evening): a reduction settles a shortfall of
/// a valid round only. Candidates tied at the last seats vote again (on a closed list: no
/// write-in), an invalid round is re-voted, and a round that elected nobody is not "close";
/// each refused by the service, and a log that reduces anyway is named by `verify`.
#[test]
fn a_tie_an_invalid_round_and_an_empty_one_are_not_reduced() {
    let dir = e2e_support::temp("reduce-refused");
    let reduce = |s: &Server, org: &str, by: u32, seats: u32| {
        let signed = attest_reduction(&plain_teller(), 1, ELECTION, "c", by, seats, BASIS);
        s.call(
            "POST",
            "/api/v1/contests/c/reduce-seats",
            Some(org),
            Some(&json!({"basis": BASIS, "attested": signed})),
        )
    };
    // The review's tie: a on all nine, b, d and e on six each (2·6 > 9): a elected, the
    // other three tied for the last two seats.
    let tie: Vec<&[&str]> = [&["a", "b", "d"][..], &["a", "b", "e"], &["a", "d", "e"]]
        .iter()
        .flat_map(|r| [*r, *r, *r])
        .collect();
    let (s, org, _teller) = voted(&dir.join("tie"), 9, &tie);
    let e = s.ok("GET", "/api/v1/election", None, None);
    let runoff = e["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["parent"] == "c")
        .unwrap_or_else(|| panic!("no tie runoff prepared: {e}"))
        .clone();
    let (code, v) = reduce(&s, &org, 2, 1);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("reduction_tie")),
        "{v}"
    );
    // The tie's new vote is on the tied alone: its spec has a closed list, so its ballot
    // takes no write-in.
    let runoff_id = runoff["id"].as_str().unwrap().to_string();
    let export = dir.join("tie-export.tar");
    s.export_tar(Some(&org), &export);
    let unpacked = dir.join("tie-unpacked");
    tar::Archive::new(std::fs::File::open(&export).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let tie_export = unpacked.join("scrutineer-export");
    let entries = read_entries(&tie_export);
    let created = entries
        .iter()
        .find(|e| e.kind == EntryKind::RunoffCreated)
        .unwrap();
    let created: Value = serde_json::from_slice(&created.body).unwrap();
    assert_eq!(created["contest"]["id"], runoff_id.as_str());
    assert_eq!(created["contest"]["closed_list"], true, "{created}");
    assert_eq!(created["contest"]["runoff_reason"], "tie", "{created}");
    // A forger who holds the log key and a colluding teller's key logs the reduction
    // anyway: verify names it.
    let keys = scrutineer::ledger::keys::load_or_create(
        &dir.join("tie").join("keys"),
        &scrutineer::record::entry::origin(ELECTION),
    )
    .unwrap()
    .log;
    let published_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::ResultPublished)
        .unwrap();
    let mut reduction = entries[published_at].clone();
    reduction.kind = EntryKind::SeatsReduced;
    let body = SeatsReduced {
        contest: "c".into(),
        reduced_by: 2,
        seats: 1,
        basis: BASIS.into(),
        attested: Some(
            serde_json::from_value(attest_reduction(
                &plain_teller(),
                1,
                ELECTION,
                "c",
                2,
                1,
                BASIS,
            ))
            .unwrap(),
        ),
    };
    reduction.body = serde_json::to_vec(&body).unwrap();
    let at = published_at + 2; // after the publication and the runoff it brings
    let r = forge(
        &tie_export,
        &dir.join("forged-tie"),
        ELECTION,
        &keys,
        |es| {
            es.insert(at, reduction.clone());
        },
    );
    named(&r, &["reduction_tie"], at);
    // Protocol 11 (the parity sweep): the publication without the runoff the service
    // appends with it (an operator dropping the tie's new vote) no longer verifies.
    let created_at = entries
        .iter()
        .position(|e| e.kind == EntryKind::RunoffCreated)
        .unwrap();
    assert_eq!(created_at, published_at + 1);
    let r = forge(
        &tie_export,
        &dir.join("forged-no-runoff"),
        ELECTION,
        &keys,
        |es| {
            es.remove(created_at);
        },
    );
    let f = r
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("verify accepted a publication without its runoff: {r:?}"));
    assert_eq!(f.check, "group_incomplete", "{f:?}");
    // Named at the entry that should be the runoff, or at the log's end when it was last.
    let want = (created_at + 1 < entries.len()).then_some(created_at as u64);
    assert_eq!(f.index, want, "{f:?}");
    drop(s);

    // No quorum (5·7 is not more than 4·10): the round is invalid, to be re-voted.
    let seven: Vec<&[&str]> = vec![&["a", "b", "d"]; 7];
    let (s, org, _) = voted(&dir.join("invalid"), 7, &seven);
    let (code, v) = reduce(&s, &org, 3, 0);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("reduction_invalid_round")),
        "{v}"
    );
    drop(s);

    // Nobody elected (each candidate on four of nine): removing every seat is refused.
    let thin: Vec<&[&str]> = [&["a", "b"][..], &["d", "e"]]
        .iter()
        .flat_map(|r| [*r, *r, *r, *r])
        .chain(std::iter::once(&[][..]))
        .collect();
    let (s, org, _) = voted(&dir.join("empty"), 9, &thin);
    let (code, v) = reduce(&s, &org, 3, 0);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("reduction_all_seats")),
        "{v}"
    );
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
