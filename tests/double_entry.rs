//! Double-entry paper counting (issue 15, item 2) over real HTTP and the CLI. RULES.md section 1
//! (ballot-box reconciliation, 唱票): paper ballots are read aloud and keyed in; with
//! `paper_entry: "double"` two tellers key each sheet independently, the sheet counts only when
//! their keyings agree, a disagreement stops that sheet until it is resolved (and stops the
//! close), both keyings are logged, and the verifier checks they agree with what was counted.
//! The forger holding the log key is refused in each variant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::{forge, named, plain_teller, plain_teller_2, read_entries, Server};
use scrutineer::record::entry::{EntryKind, PaperBallot, PaperKeyed};
use scrutineer::record::note::Signer;

const ELECTION: &str = "double-entry-2026";

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "双人录入测试 double entry test",
        "contests": [{"id": "p", "title": "支部委员 (纸质)", "kind": "party_committee", "seats": 2,
            "mode": "paper", "paper_entry": "double",
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"},
                           {"id": "d", "name": "张军"}]}]})
}

fn roll(n: usize) -> String {
    let mut s = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n".to_string();
    for i in 1..=n {
        s.push_str(&format!("党员{i},M{i:03},一支部,1980-05-01,是,正式党员\n"));
    }
    s
}

fn key(s: &Server, who: &str, body: Value) -> (u16, Value) {
    s.call(
        "POST",
        "/api/v1/contests/p/paper-ballots",
        Some(who),
        Some(&body),
    )
}

/// `who` keys `ballot` on `sheet` (None: withdraws their keying), signed with `signer`, the
/// registered teller `index` (protocol 9).
fn keyed(
    s: &Server,
    who: &str,
    (signer, index): (&Signer, u32),
    sheet: u64,
    ballot: Option<&Value>,
) -> (u16, Value) {
    key(
        s,
        who,
        s.signed_paper(who, "p", signer, index, Some(sheet), ballot),
    )
}

#[test]
fn a_sheet_counts_only_when_two_tellers_key_it_alike() {
    let dir = e2e_support::temp("double-entry");
    let mut s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let t1 = s.account(&org, "teller1", "teller");
    let t2 = s.account(&org, "teller2", "teller");
    // Two registered teller keys (protocol 9: each keying is signed by one).
    let (wang, li) = (plain_teller(), plain_teller_2());
    let (k1, k2) = ((&wang, 1), (&li, 2));
    assert_eq!(
        s.create_plaintext_tellers(&org, &spec(), &[wang.clone(), li.clone()])
            .0,
        201
    );
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll(8));
    assert_eq!(st, 200, "{v}");
    s.ok("POST", "/api/v1/contests/p/open", Some(&org), None);
    for i in 1..=6 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("M{i:03}")})),
        );
    }
    let size =
        |s: &Server| s.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"].clone();
    let a = json!({"contest": "p", "marks": {"a": "for", "b": "against"}});
    // The same paper keyed in another order, with an explicit 弃权: the same ballot.
    let a_again = json!({"contest": "p", "marks": {"d": "abstain", "b": "against", "a": "for"}});
    let b = json!({"contest": "p", "marks": {"a": "for", "d": "for"}});
    let over = json!({"contest": "p", "marks": {"a": "for", "b": "for", "d": "for"}});

    // Refusals change nothing: no sheet, a sheet that is not the open one, no ballot, a
    // registrar keying; (protocol 9) no signature, a signature of another ballot, by a key
    // that is not registered, or under another teller's number; a ballot given both as JSON
    // and as signed text; an unsigned withdrawal.
    let before = size(&s);
    let mut signed_other = s.signed_paper(&t1, "p", &wang, 1, Some(1), Some(&b));
    signed_other["keyed"] = json!(a.to_string());
    let stranger = Signer::new(
        "teller-zhao",
        ed25519_dalek::SigningKey::from_bytes(&[99u8; 32]),
    )
    .unwrap();
    let mut both = s.signed_paper(&t1, "p", &wang, 1, Some(1), Some(&a));
    both["ballot"] = a.clone();
    for (who, body, want) in [
        (&t1, json!({"ballot": a, "sheet": 1}), "unattested"),
        (&t1, signed_other, "attestation_invalid"),
        (
            &t1,
            s.signed_paper(&t1, "p", &stranger, 1, Some(1), Some(&a)),
            "attestation_invalid",
        ),
        (
            &t1,
            s.signed_paper(&t1, "p", &wang, 3, Some(1), Some(&a)),
            "attestation_invalid",
        ),
        (&t1, both, "ballot_json"),
        (&t1, json!({"sheet": 1, "withdraw": true}), "unattested"),
        (&t1, json!({"ballot": a}), "paper_sheet_missing"),
        (&t1, json!({"ballot": a, "sheet": 2}), "paper_sheet"),
        (&t1, json!({"sheet": 1}), "ballot_missing"),
        (
            &t1,
            json!({"sheet": 1, "withdraw": true, "ballot": a}),
            "withdraw_with_ballot",
        ),
        (
            &t1,
            s.signed_paper(&t1, "p", &wang, 1, Some(1), None),
            "paper_nothing_to_withdraw",
        ),
        (&desk, json!({"ballot": a, "sheet": 1}), "forbidden"),
    ] {
        let (_, v) = key(&s, who, body.clone());
        assert_eq!(v["code"], want, "{body}: {v}");
    }
    assert_eq!(size(&s), before);
    // A signature made for a position another keying has since taken.
    let stale = s.signed_paper(&t2, "p", &li, 2, Some(1), Some(&a));

    // Sheet 1: the first keying waits; the second teller does not see it; the second keying
    // agrees and the sheet counts.
    let (code, v) = keyed(&s, &t1, k1, 1, Some(&a));
    assert_eq!((code, v["state"].as_str()), (200, Some("waiting")), "{v}");
    let (_, v) = key(&s, &t2, stale);
    assert_eq!(v["code"], "attestation_invalid", "{v}");
    // An organiser's second teller account, keying with the first teller's key: refused,
    // whatever it keys (protocol 9: two accounts are not two tellers).
    let puppet = s.account(&org, "teller3", "teller");
    let (code, v) = keyed(&s, &puppet, k1, 1, Some(&a));
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("paper_key_twice")),
        "{v}"
    );
    let sheet = s.ok("GET", "/api/v1/contests/p/paper-sheet", Some(&t2), None);
    assert_eq!(sheet["keyed_by"], json!(["teller1"]), "{sheet}");
    assert_eq!(
        sheet["keyings"],
        json!([]),
        "the first keying is not shown: {sheet}"
    );
    let (code, v) = keyed(&s, &t2, k2, 1, Some(&a_again));
    assert_eq!((code, v["state"].as_str()), (201, Some("counted")), "{v}");
    assert_eq!(v["sheet"], 1);

    // Sheet 2: the keyings differ; the sheet is stopped, the close waits, the next sheet
    // cannot be keyed; the second teller re-reads and agrees.
    let (_, v) = keyed(&s, &t1, k1, 2, Some(&a));
    assert_eq!(v["state"], "waiting", "{v}");
    let (code, v) = keyed(&s, &t2, k2, 2, Some(&b));
    assert_eq!((code, v["state"].as_str()), (200, Some("mismatch")), "{v}");
    assert_eq!(v["others"][0]["teller"], "teller1", "{v}");
    assert_eq!(v["others"][0]["ballot"], a, "{v}");
    let sheet = s.ok("GET", "/api/v1/contests/p/paper-sheet", Some(&t1), None);
    assert_eq!(sheet["mismatch"], true, "{sheet}");
    assert_eq!(sheet["keyings"].as_array().unwrap().len(), 2, "{sheet}");
    let e = s.ok("GET", "/api/v1/election", None, None);
    assert_eq!(e["contests"][0]["paper_mismatch"], true, "{e}");
    assert_eq!(e["contests"][0]["paper_sheet"], 2, "{e}");
    let (code, v) = s.call("POST", "/api/v1/contests/p/close", Some(&t1), None);
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("paper_sheet_open")),
        "{v}"
    );
    let (code, v) = keyed(&s, &t1, k1, 3, Some(&a));
    assert_eq!(
        (code, v["code"].as_str()),
        (409, Some("paper_sheet")),
        "{v}"
    );
    let (code, v) = keyed(&s, &t2, k2, 2, Some(&a));
    assert_eq!((code, v["state"].as_str()), (201, Some("counted")), "{v}");

    // Sheet 3: a keying withdrawn; then an over-marked paper keyed alike counts as void.
    // (Teller 2 keys it between, so a withdrawal logged under teller 2's account would
    // take a live keying away: the forger below tries.)
    keyed(&s, &t1, k1, 3, Some(&b));
    let (_, v) = keyed(&s, &t2, k2, 3, Some(&over));
    assert_eq!(v["state"], "mismatch", "{v}");
    let (code, v) = keyed(&s, &t1, k1, 3, None);
    assert_eq!((code, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    let (code, v) = keyed(&s, &t1, k1, 3, Some(&over));
    assert_eq!((code, v["state"].as_str()), (201, Some("counted")), "{v}");
    assert_eq!(v["void"], "over_marked", "{v}");

    // Sheet 4: one teller keying twice is not two tellers.
    keyed(&s, &t1, k1, 4, Some(&b));
    let (code, v) = keyed(&s, &t1, k1, 4, Some(&b));
    assert_eq!((code, v["state"].as_str()), (200, Some("waiting")), "{v}");
    let (_, v) = keyed(&s, &t2, k2, 4, Some(&b));
    assert_eq!(v["state"], "counted", "{v}");

    // Sheet 5 by the CLI on the server machine, each teller under their own name and with
    // their own key file.
    s.stop();
    let (f1, f2) = (dir.join("wang.key"), dir.join("li.key"));
    std::fs::write(&f1, wang.to_text()).unwrap();
    std::fs::write(&f2, li.to_text()).unwrap();
    let (f1, f2) = (f1.to_str().unwrap(), f2.to_str().unwrap());
    let cli = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["ledger", "--data"])
            .arg(dir.join("data"))
            .arg("--keys")
            .arg(dir.join("keys"))
            .args(["paper", "--contest", "p"])
            .args(args)
            .output()
            .unwrap();
        (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let bs = b.to_string();
    let (ok, said) = cli(&["--ballot", &bs, "--teller-key", f1]);
    assert!(!ok && said.contains("paper_sheet_missing"), "{said}");
    let (ok, said) = cli(&["--ballot", &bs, "--sheet", "5", "--teller", "甲"]);
    assert!(!ok && said.contains("unattested"), "{said}");
    let (ok, said) = cli(&[
        "--ballot",
        &bs,
        "--sheet",
        "5",
        "--teller",
        "甲",
        "--teller-key",
        f1,
    ]);
    assert!(ok && said.contains("等待另一名计票人"), "{said}");
    let (ok, said) = cli(&[
        "--ballot",
        &a.to_string(),
        "--sheet",
        "5",
        "--teller",
        "乙",
        "--teller-key",
        f2,
    ]);
    assert!(
        ok && said.contains("mismatch") && said.contains("甲"),
        "{said}"
    );
    let (ok, said) = cli(&[
        "--ballot",
        &bs,
        "--sheet",
        "5",
        "--teller",
        "乙",
        "--teller-key",
        f2,
    ]);
    assert!(
        ok && said.contains("recorded paper ballot, sheet 5"),
        "{said}"
    );
    s.restart();

    // Count: 5 sheets, one void (b twice... a twice, over-marked once, b twice).
    s.ok("POST", "/api/v1/contests/p/close", Some(&t1), None);
    let r = s.ok("POST", "/api/v1/contests/p/tally", Some(&t1), None);
    let index = r["index"].as_u64().or(r["result_index"].as_u64()).unwrap();
    let result = s.ok("GET", &format!("/api/v1/results/{index}"), Some(&t1), None);
    let c = &result["result"]["contests"][0];
    assert_eq!(c["ballots"]["returned"], 5, "{c}");
    assert_eq!(c["ballots"]["void"], 1, "{c}");
    // The signed result and its board say how the sheets were keyed.
    assert_eq!(
        result["paper_entry"],
        json!([{"contest": "p", "sheets": 5, "keyings": 15, "rekeyed_sheets": 3}]),
        "{result}"
    );
    s.sign_and_publish(&t1, &org, index);
    let board = ureq::get(&format!("{}/board/{index}", s.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        board.contains("两名计票人分别录入")
            && board.contains("计入 5 张, 录入 15 次, 其中 3 张曾不一致"),
        "the board does not say how the sheets were keyed"
    );

    // The export verifies; the report counts the keyings.
    let tar = dir.join("export.tar");
    s.export_tar(Some(&t1), &tar);
    let unpacked = dir.join("unpacked");
    tar::Archive::new(std::fs::File::open(&tar).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let export = unpacked.join("scrutineer-export");
    let report = scrutineer::verify::verify_export(&export, &|_, _| {});
    assert!(report.ok, "{report:?}");
    assert_eq!(report.paper_ballots, 5);
    // 2 + 3 + 4 (a withdrawal among them) + 3 + 3 keyings.
    assert_eq!(report.paper_keyings, 15);
    assert_eq!(report.paper_attested, 15, "every keying is signed");

    // The forger holding the log key: each variant of a count the keyings do not support.
    let keys = scrutineer::ledger::keys::load_or_create(
        &dir.join("keys"),
        &scrutineer::record::entry::origin(ELECTION),
    )
    .unwrap()
    .log;
    let entries = read_entries(&export);
    let nth = |kind: EntryKind, n: usize| {
        entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind)
            .nth(n)
            .map(|(i, _)| i)
            .unwrap()
    };
    let counted = nth(EntryKind::PaperBallot, 0);
    let second_keying = nth(EntryKind::PaperKeyed, 1);
    assert_eq!(second_keying + 1, counted, "keying and count are one batch");
    let edit_paper = |name: &str, at: usize, f: &dyn Fn(&mut PaperBallot)| {
        forge(&export, &dir.join(name), ELECTION, &keys, |es| {
            let mut b: PaperBallot = serde_json::from_slice(&es[at].body).unwrap();
            f(&mut b);
            es[at].body = serde_json::to_vec(&b).unwrap();
        })
    };
    let edit_keyed = |name: &str, at: usize, f: &dyn Fn(&mut PaperKeyed)| {
        forge(&export, &dir.join(name), ELECTION, &keys, |es| {
            let mut b: PaperKeyed = serde_json::from_slice(&es[at].body).unwrap();
            f(&mut b);
            es[at].body = serde_json::to_vec(&b).unwrap();
        })
    };
    // A count the keyings do not say: another ballot counted than the two keyed.
    let r = edit_paper("forged-ballot", counted, &|p| {
        p.ballot = json!({"contest": "p", "marks": {"d": "for"}})
    });
    named(&r, &["paper_not_agreed"], counted);
    // A sheet counted on one keying.
    let r = forge(&export, &dir.join("forged-one"), ELECTION, &keys, |es| {
        es.remove(second_keying);
    });
    named(&r, &["paper_not_agreed"], counted - 1);
    // The same teller's keying twice.
    // (Protocol 9: teller 2's signed keying cannot even stand under teller 1's account.)
    let r = edit_keyed("forged-same-teller", second_keying, &|k| {
        k.teller = "teller1".into()
    });
    named(&r, &["attestation_invalid"], second_keying);
    // A count without its sheet number, or under another.
    let r = edit_paper("forged-no-sheet", counted, &|p| p.sheet = None);
    named(&r, &["paper_sheet_missing"], counted);
    let r = edit_paper("forged-sheet", counted, &|p| p.sheet = Some(2));
    named(&r, &["paper_sheet"], counted);
    // A keying for a sheet that is not the open one.
    let r = edit_keyed("forged-keyed-sheet", second_keying, &|k| k.sheet = 2);
    named(&r, &["paper_sheet"], second_keying);
    // A count dropped: the next sheet's keyings land on a sheet still open. From protocol
    // 11 the agreeing keying's append is whole, and the entry after it is not its count.
    let r = forge(
        &export,
        &dir.join("forged-dropped"),
        ELECTION,
        &keys,
        |es| {
            es.remove(counted);
        },
    );
    named(&r, &["group_incomplete"], counted);
    // A keying left open at the close.
    let close = entries
        .iter()
        .position(|e| e.kind == EntryKind::ContestClosed)
        .unwrap();
    let r = forge(&export, &dir.join("forged-open"), ELECTION, &keys, |es| {
        let k = es[second_keying].clone();
        let mut b: PaperKeyed = serde_json::from_slice(&k.body).unwrap();
        b.sheet = 6;
        let mut k = k;
        k.body = serde_json::to_vec(&b).unwrap();
        es.insert(close, k);
    });
    // Protocol 9: the copy's signature names another position and sheet, so the forger
    // cannot even log it.
    named(&r, &["attestation_invalid"], close);
    // Protocol 9: accounts are the service's word. Teller 1's signed withdrawal of sheet 3
    // relabelled as teller 2's would take teller 2's live keying away (and leave teller 1's
    // to agree with a later one); a keying is withdrawn only by the key that made it.
    let withdrawal = entries
        .iter()
        .position(|e| {
            e.kind == EntryKind::PaperKeyed
                && serde_json::from_slice::<PaperKeyed>(&e.body)
                    .unwrap()
                    .ballot
                    .is_none()
        })
        .unwrap();
    let r = edit_keyed("forged-relabelled-withdrawal", withdrawal, &|k| {
        k.teller = "teller2".into()
    });
    named(&r, &["attestation_invalid"], withdrawal);
    // Teller 1's second keying of sheet 4 relabelled as teller 2's: one key, two accounts.
    let sheet4 = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.kind == EntryKind::PaperKeyed
                && serde_json::from_slice::<PaperKeyed>(&e.body).unwrap().sheet == 4
        })
        .map(|(i, _)| i)
        .nth(1)
        .unwrap();
    let r = edit_keyed("forged-relabelled-keying", sheet4, &|k| {
        k.teller = "teller2".into()
    });
    named(&r, &["paper_key_twice"], sheet4);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Double entry in a hybrid contest of an encrypted election (the default for a new one),
/// through the CLI: the paper sheets keyed twice add to the decrypted totals, and `verify`
/// checks the keyings.
#[test]
fn double_entry_in_a_hybrid_contest_of_an_encrypted_election() {
    use e2e_support::{example, public_roll, Cli};
    let cli = Cli::new("double-entry-encrypted");
    let tellers = cli.tellers(3);
    let mut spec: Value = serde_json::from_slice(
        &std::fs::read(example("npc-direct-constituency/spec.json")).unwrap(),
    )
    .unwrap();
    spec["contests"][0]["mode"] = json!("hybrid");
    spec["contests"][0]["paper_entry"] = json!("double");
    std::fs::write(cli.path("spec.json"), spec.to_string()).unwrap();
    cli.init_encrypted("1", &[]);
    cli.ceremony(&tellers);
    std::fs::write(cli.path("roll.csv"), public_roll(&[("第十七选区", "V", 6)])).unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    let (tokens, _) = cli.pool(0);
    cli.ok(&["ledger", "open", "d017"]);
    for i in 1..=4 {
        cli.ok(&["ledger", "checkin", &format!("V{i:04}")]);
    }
    for t in tokens.iter().take(2) {
        cli.cast(t, &[json!({"contest": "d017", "marks": {"n1": "for"}})]);
    }
    let paper = json!({"contest": "d017", "marks": {"n2": "for", "n1": "for"}}).to_string();
    for sheet in ["1", "2"] {
        for (teller, key) in [("甲", &tellers[0].key), ("乙", &tellers[1].key)] {
            cli.ok(&[
                "ledger",
                "paper",
                "--contest",
                "d017",
                "--sheet",
                sheet,
                "--teller",
                teller,
                "--ballot",
                &paper,
                "--teller-key",
                key.to_str().unwrap(),
            ]);
        }
    }
    cli.ok(&["ledger", "close", "d017"]);
    cli.count(&[&tellers[0], &tellers[1]]);
    let result = cli.tally(&["d017"]);
    cli.sign(result, &tellers[0]);
    cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        (
            report["encrypted_ballots"].as_u64(),
            report["paper_ballots"].as_u64(),
            report["paper_keyings"].as_u64()
        ),
        (Some(2), Some(2), Some(4)),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&cli.dir);
}
