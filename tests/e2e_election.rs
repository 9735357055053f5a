//! Whole encrypted elections through the `scrutineer` binary: the key ceremony by tellers
//! whose key and state files stay on their own machines (`tellers/`), encrypted casting at
//! the CLI's kiosk, shuffles of the write-in names and decryption shares by exactly the
//! threshold of tellers, tally, signatures, publication (with its runoff), export and
//! `verify`. Each published result must equal the plaintext count of the same ballots
//! (`scrutineer tally`), write-in names included. Also: the data directory, the exports and
//! every command's output hold no plaintext ballot; over HTTP neither do the kiosk's requests,
//! the service's log output nor `GET /api/v1/export`; and k−1 decryption shares decrypt
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

use e2e_support::{example, find, party_roll, public_roll, read_entries, scan, Cli, Server};
use scrutineer::crypto::decrypt::{combine_decryption_shares, DecryptionShare, DlogTable};
use scrutineer::record::encrypted::EncryptedBallotBody;
use scrutineer::record::entry::{DecryptionSharesBody, EntryKind, ResultBody, ShuffleBody};
use scrutineer::verify::verify_export_replayed;

/// The plaintext count of the same ballots: the spec with each contest's counting figures
/// (as the published result states them) and the ballot lines, through `scrutineer tally`.
fn plaintext_result(cli: &Cli, spec: &Value, published: &Value, ballots: &[Value]) -> Value {
    let mut spec = spec.clone();
    for c in spec["contests"].as_array_mut().unwrap() {
        let p = published["contests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == c["id"])
            .unwrap();
        c["turnout"] = p["turnout"].clone();
    }
    std::fs::write(cli.path("plain-spec.json"), spec.to_string()).unwrap();
    let lines: String = ballots.iter().map(|b| format!("{b}\n")).collect();
    std::fs::write(cli.path("plain-ballots.jsonl"), lines).unwrap();
    let out = cli.ok(&[
        "tally",
        "--spec",
        "plain-spec.json",
        "--ballots",
        "plain-ballots.jsonl",
        "--json",
    ]);
    serde_json::from_str(&out).unwrap()
}

/// Every contest of the published result equals the plaintext count's, field by field.
fn same_counts(published: &Value, plain: &Value) {
    let pc = published["contests"].as_array().unwrap();
    let qc = plain["contests"].as_array().unwrap();
    assert_eq!(pc.len(), qc.len());
    for (p, q) in pc.iter().zip(qc) {
        assert_eq!(
            p,
            q,
            "contest {}: the encrypted count differs from the plaintext count\nencrypted: {}\nplaintext: {}",
            p["id"],
            serde_json::to_string_pretty(p).unwrap(),
            serde_json::to_string_pretty(q).unwrap()
        );
    }
    assert_eq!(published["rankings"], plain["rankings"]);
}

fn result_body(export: &Path, index: u64) -> ResultBody {
    let entries = read_entries(export);
    let e = &entries[index as usize];
    assert_eq!(e.kind, EntryKind::Result);
    e.body_as().unwrap()
}

fn check_in(cli: &Cli, prefix: &str, from: usize, to: usize) {
    for i in from..=to {
        cli.ok(&["ledger", "checkin", &format!("{prefix}{i:04}")]);
    }
}

/// The npc constituency (examples/npc-direct-constituency) encrypted for 2 of 3 tellers with
/// `signatures` required: the key ceremony, a roll of 8 voters, the style's slips, the contest
/// open and voters 1 to `present` checked in. The CLI, the tellers, the spec as registered,
/// the election key's fingerprint and the slips.
fn npc_open(
    name: &str,
    signatures: &str,
    present: usize,
) -> (Cli, Vec<e2e_support::Teller>, Value, String, Vec<String>) {
    let cli = Cli::new(name);
    let tellers = cli.tellers(3);
    std::fs::copy(
        example("npc-direct-constituency/spec.json"),
        cli.path("spec.json"),
    )
    .unwrap();
    let spec: Value =
        serde_json::from_slice(&std::fs::read(cli.path("spec.json")).unwrap()).unwrap();
    cli.init_encrypted(signatures, &["--threshold", "2"]);
    let fp = cli.ceremony(&tellers);
    std::fs::write(cli.path("roll.csv"), public_roll(&[("第十七选区", "V", 8)])).unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    let (tokens, _) = cli.pool(0);
    cli.ok(&["ledger", "open", "d017"]);
    check_in(&cli, "V", 1, present);
    (cli, tellers, spec, fp, tokens)
}

/// Shuffles and decryption-share entries of the log: (kind, contest, group, teller).
fn teller_entries(export: &Path) -> Vec<(EntryKind, String, String, u32)> {
    read_entries(export)
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Shuffle => {
                let b: ShuffleBody = e.body_as().unwrap();
                Some((e.kind, b.contest, String::new(), b.index))
            }
            EntryKind::DecryptionShares => {
                let b: DecryptionSharesBody = e.body_as().unwrap();
                Some((e.kind, b.contest, b.group, b.index))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn npc_constituency_three_tellers_two_decrypt_and_one_share_decrypts_nothing() {
    let (cli, tellers, spec, fp, tokens) = npc_open("npc", "2", 7);
    let ballots = vec![
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for", "n3": "against"}, "write_ins": ["欧阳明月"]}),
        json!({"contest": "d017", "marks": {"n2": "for"}, "write_ins": ["司马相如"]}),
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for"}}),
        json!({"contest": "d017", "marks": {"n3": "for"}, "write_ins": ["欧阳明月"]}),
        json!({"contest": "d017", "marks": {"n1": "against", "n2": "for"}}),
        json!({"contest": "d017", "marks": {}}),
    ];
    for (t, b) in tokens.iter().zip(&ballots) {
        cli.cast(t, std::slice::from_ref(b));
    }
    cli.ok(&["ledger", "close", "d017"]);
    let (t1, t2, t3) = (&tellers[0], &tellers[1], &tellers[2]);
    // Teller 2 gives its shares of the totals; nothing else is due yet (the write-in count
    // needs two tellers' shares). Teller 1 never acts.
    assert!(cli.turn(t2));
    let one_share = cli.export();
    assert_eq!(
        teller_entries(&one_share)
            .iter()
            .map(|(k, _, _, i)| (*k, *i))
            .collect::<Vec<_>>(),
        vec![(EntryKind::DecryptionShares, 2)]
    );

    // k − 1 = 1 share: the tally is refused and logs nothing.
    let size = cli.log_size();
    let refused = cli.fail(&["ledger", "tally", "--contest", "d017"]);
    assert!(refused.contains("[shares_missing]"), "{refused}");
    assert!(refused.contains("2 are needed"), "{refused}");
    assert_eq!(cli.log_size(), size);
    // The library refuses too, from a verified replay of the log.
    let (report, replayed) = verify_export_replayed(&one_share, &|_, _| {});
    assert!(report.ok, "{report:?}");
    let book = replayed.unwrap().book.unwrap();
    let err = book.decrypt("d017", "").unwrap_err();
    assert!(err.to_string().contains("2 are needed"), "{err}");
    // And the one share is worth nothing on its own: the combination refuses it, and what it
    // would give (β − M₃, its Lagrange weight alone being 1) is no small total.
    let t = book
        .tallies
        .get(&("d017".to_string(), String::new()))
        .unwrap();
    let entries = read_entries(&one_share);
    let shares: DecryptionSharesBody = entries[find(&entries, EntryKind::DecryptionShares, 0)]
        .body_as()
        .unwrap();
    let shares: Vec<DecryptionShare> = BASE64
        .decode(&shares.totals)
        .unwrap()
        .chunks(DecryptionShare::LEN)
        .map(|c| DecryptionShare::from_bytes(c).unwrap())
        .collect();
    let sums = t.sums();
    assert_eq!(shares.len(), sums.len());
    let table = DlogTable::new(1 << 16);
    for (ct, s) in sums.iter().zip(&shares) {
        let e = combine_decryption_shares(&book.params(), ct, std::slice::from_ref(s)).unwrap_err();
        assert_eq!(e.code(), "not_enough_shares");
        assert!(table.solve(&(ct.beta.point() - s.share.point())).is_err());
    }

    // Teller 3's shares of the totals: two of three, enough for the totals, and the write-in
    // count (3) is known, so teller 3 shuffles the names in the same run. The names are not
    // decrypted yet: the tally is refused and logs nothing.
    assert!(cli.turn(t3));
    let size = cli.log_size();
    let refused = cli.fail(&["ledger", "tally", "--contest", "d017"]);
    assert!(refused.contains("[name_shares_missing]"), "{refused}");
    assert_eq!(cli.log_size(), size);
    // Teller 2 shuffles (the second of the two needed) and gives its shares of the names at
    // once; then teller 3 gives its own.
    cli.count(&[t2, t3]);
    let result = cli.tally(&["d017"]);
    cli.sign(result, t2);
    // Teller 3 signs from an export it verified (every result recounted), against the
    // checkpoint confirmed in the hall: the line is the one the service asks for (Ed25519
    // is deterministic), so it is the line `ledger sign` logs.
    let counted = cli.export();
    let pin = e2e_support::export_checkpoint(&counted);
    let key = t3.key.to_str().unwrap().to_string();
    let counted_path = counted.to_str().unwrap().to_string();
    let sign_args = |result: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["teller", "sign", "--key", &key, "--export", &counted_path]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(["--result".to_string(), result.to_string()]);
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let ok = |a: Vec<String>| cli.ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let fail = |a: Vec<String>| cli.fail(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let signed = ok(sign_args(&result.to_string(), &["--checkpoint", &pin]));
    assert!(signed.contains("recounted"), "{signed}");
    // The desk's figures at the close, which no teller signed, are shown to compare.
    assert!(
        signed.contains("核对 check d017") && signed.contains("the desk's figures at the close"),
        "{signed}"
    );
    let line = signed.lines().last().unwrap().to_string();
    // The hall's own figures (`--book`): the same as the count's sign, any difference signs
    // nothing, and a malformed or foreign contest is refused.
    let figure = |name: &str| -> u64 {
        let at = signed.find(name).unwrap() + name.len();
        signed[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (e, p, i) = (figure("应到 E"), figure("实到 P"), figure("发出 I"));
    assert!(p > 0 && i >= p && e >= p, "{signed}");
    for book in [format!("d017={p}/{i}"), format!("d017={e}/{p}/{i}")] {
        let agree = ok(sign_args(
            &result.to_string(),
            &["--checkpoint", &pin, "--book", &book],
        ));
        assert!(
            agree.contains("agree with the figures the count used"),
            "{agree}"
        );
        assert_eq!(agree.lines().last().unwrap(), line);
    }
    for (book, code) in [
        (format!("d017={}/{p}/{i}", e + 1), "[book_figures_differ]"),
        (format!("d017=+{p}/{i}"), "[book_figures]"),
        (format!("d017=1/{e}/{p}/{i}"), "[book_figures]"),
        (format!("d017={}/{i}", p - 1), "[book_figures_differ]"),
        (format!("d017={p}/{}", i + 1), "[book_figures_differ]"),
        (format!("d018={p}/{i}"), "[book_figures]"),
        (format!("d017={p}"), "[book_figures]"),
        ("d017=a/b".to_string(), "[book_figures]"),
    ] {
        let refused = fail(sign_args(&result.to_string(), &["--book", &book]));
        assert!(refused.contains(code), "{book}: {refused}");
        assert!(!refused.contains(&line), "{book}: {refused}");
    }
    let differ = fail(sign_args(
        &result.to_string(),
        &["--book", &format!("d017={}/{i}", p + 2)],
    ));
    assert!(
        differ.contains(&format!("the count used E {e} P {p} I {i}")),
        "{differ}"
    );
    // Not a result, or a checkpoint this log does not have: nothing signed.
    let not_result = fail(sign_args("1", &[]));
    assert!(not_result.contains("[unknown_result]"), "{not_result}");
    let (size, _) = pin.split_once(':').unwrap();
    let other = format!("{size}:{}", "00".repeat(32));
    let forked = fail(sign_args(&result.to_string(), &["--checkpoint", &other]));
    assert!(forked.contains("[log_fork]"), "{forked}");
    // A checkpoint of this log taken before the result: it does not hold it.
    let early = format!("{result}:{}", e2e_support::root_hex_at(&counted, result));
    let early = fail(sign_args(&result.to_string(), &["--checkpoint", &early]));
    assert!(early.contains("[not_yet_checkpointed]"), "{early}");
    // Without a confirmed checkpoint it signs, and says the log was not confirmed.
    let unpinned = ok(sign_args(&result.to_string(), &[]));
    assert!(unpinned.contains("not confirmed"), "{unpinned}");
    assert!(!signed.contains("not confirmed"), "{signed}");
    cli.sign(result, t3);
    let entries = read_entries(&cli.export());
    let logged: scrutineer::record::entry::TellerSignature = entries
        [find(&entries, EntryKind::TellerSignature, 1)]
    .body_as()
    .unwrap();
    assert_eq!(logged.line, line);
    let published = cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 7);
    assert_eq!(report["ballots"], 7);
    assert_eq!(report["shuffles"], 2);
    assert_eq!(report["election_key_fingerprint"], fp.as_str());
    assert_eq!(
        teller_entries(&audit)
            .iter()
            .map(|(k, _, _, i)| (*k, *i))
            .collect::<Vec<_>>(),
        vec![
            (EntryKind::DecryptionShares, 2),
            (EntryKind::DecryptionShares, 3),
            (EntryKind::Shuffle, 3),
            (EntryKind::Shuffle, 2),
            (EntryKind::DecryptionShares, 2),
            (EntryKind::DecryptionShares, 3)
        ]
    );
    // Teller 1 never acted after the ceremony.
    assert!(teller_entries(&audit)
        .iter()
        .all(|(_, _, _, i)| *i != t1.index));
    let body = result_body(&audit, result);
    assert_eq!(body.decrypted.len(), 1);
    assert_eq!(body.decrypted[0].tellers, vec![2, 3]);
    assert_eq!(body.decrypted[0].ballots, 7);
    assert_eq!(
        body.decrypted[0].names,
        vec!["司马相如", "欧阳明月", "欧阳明月"]
    );
    let file: Value = serde_json::from_slice(
        &std::fs::read(audit.join(format!("results/{result:020}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(file, body.result);
    let plain = plaintext_result(&cli, &spec, &body.result, &ballots);
    same_counts(&body.result, &plain);
    let d = &body.result["contests"][0];
    assert_eq!(
        d["turnout"],
        json!({"eligible": 8, "present": 7, "ballots_issued": 7})
    );
    let wi: Vec<(String, u64)> = d["write_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_string(),
                w["for"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(wi.contains(&("欧阳明月".to_string(), 2)), "{wi:?}");
    assert!(wi.contains(&("司马相如".to_string(), 1)), "{wi:?}");
    assert!(published.contains("d017-r1"), "{published}");
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// Protocol 3: a contest whose voters wrote in no one is counted from the tellers' shares of
/// the totals alone. Its write-in lines (every ballot has them, empty) are never shuffled
/// nor decrypted: the decrypted write-in count is zero.
#[test]
fn a_contest_without_write_ins_is_counted_without_shuffles() {
    let (cli, tellers, spec, _, tokens) = npc_open("no-write-ins", "1", 4);
    let ballots = [
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for", "n3": "against"}}),
        json!({"contest": "d017", "marks": {"n2": "against"}}),
        json!({"contest": "d017", "marks": {}}),
    ];
    for (t, b) in tokens.iter().zip(&ballots) {
        cli.cast(t, std::slice::from_ref(b));
    }
    cli.ok(&["ledger", "close", "d017"]);
    cli.count(&[&tellers[0], &tellers[2]]);
    let result = cli.tally(&["d017"]);
    cli.sign(result, &tellers[0]);
    cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    assert_eq!(
        teller_entries(&audit)
            .iter()
            .map(|(k, _, _, i)| (*k, *i))
            .collect::<Vec<_>>(),
        vec![
            (EntryKind::DecryptionShares, 1),
            (EntryKind::DecryptionShares, 3)
        ]
    );
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["shuffles"], 0);
    let body = result_body(&audit, result);
    assert_eq!(body.decrypted[0].tellers, vec![1, 3]);
    assert!(body.decrypted[0].names.is_empty());
    let plain = plaintext_result(&cli, &spec, &body.result, &ballots);
    same_counts(&body.result, &plain);
    // Neither shares entry decrypts a name.
    let shares: Vec<Value> = read_entries(&audit)
        .iter()
        .filter(|e| e.kind == EntryKind::DecryptionShares)
        .map(|e| e.body_as::<Value>().unwrap())
        .collect();
    assert!(
        shares
            .iter()
            .all(|b| b["names"].as_str().unwrap_or("").is_empty()),
        "{shares:?}"
    );
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// A hybrid contest of an encrypted election: the kiosk's encrypted ballots are decrypted as
/// totals and the paper ballots keyed in as they are read aloud (a void one among them) add
/// to them; the count equals the plaintext count of all of them, and `verify` recounts it.
#[test]
fn hybrid_contest_paper_ballots_add_to_the_decrypted_totals() {
    let cli = Cli::new("hybrid");
    let tellers = cli.tellers(3);
    let mut spec: Value = serde_json::from_slice(
        &std::fs::read(example("npc-direct-constituency/spec.json")).unwrap(),
    )
    .unwrap();
    spec["contests"][0]["mode"] = json!("hybrid");
    std::fs::write(cli.path("spec.json"), spec.to_string()).unwrap();
    cli.init_encrypted("1", &[]);
    cli.ceremony(&tellers);
    std::fs::write(cli.path("roll.csv"), public_roll(&[("第十七选区", "V", 8)])).unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    let (tokens, _) = cli.pool(0);
    cli.ok(&["ledger", "open", "d017"]);
    check_in(&cli, "V", 1, 7);
    let electronic = [
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for", "n3": "against"}, "write_ins": ["欧阳明月"]}),
        json!({"contest": "d017", "marks": {"n2": "against"}}),
    ];
    for (t, b) in tokens.iter().zip(&electronic) {
        cli.cast(t, std::slice::from_ref(b));
    }
    let paper = [
        json!({"contest": "d017", "marks": {"n1": "for", "n3": "for"}}),
        json!({"contest": "d017", "marks": {"n2": "for"}, "write_ins": ["欧阳明月"]}),
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for", "n3": "for"}}),
    ];
    // Protocol 9: each is signed by the teller who keys it.
    for b in &paper {
        cli.ok(&[
            "ledger",
            "paper",
            "--contest",
            "d017",
            "--ballot",
            &b.to_string(),
            "--teller-key",
            tellers[1].key.to_str().unwrap(),
        ]);
    }
    cli.ok(&["ledger", "close", "d017"]);
    cli.count(&[&tellers[0], &tellers[2]]);
    let result = cli.tally(&["d017"]);
    cli.sign(result, &tellers[0]);
    cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 3);
    assert_eq!(report["paper_ballots"], 3);
    let body = result_body(&audit, result);
    assert_eq!(body.decrypted.len(), 1);
    assert_eq!(
        body.decrypted[0].ballots, 3,
        "only the electronic ballots are decrypted"
    );
    let all: Vec<Value> = electronic.iter().chain(&paper).cloned().collect();
    let plain = plaintext_result(&cli, &spec, &body.result, &all);
    same_counts(&body.result, &plain);
    let c = &body.result["contests"][0];
    assert_eq!(c["ballots"]["returned"], 6, "{c}");
    assert_eq!(c["ballots"]["void"], 1, "{c}");
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// The write-in names cast in the party congress, and fragments of plaintext ballot JSON.
const PARTY_NAMES: [&str; 4] = ["欧阳明月", "司马相如", "上官婉儿", "诸葛孔明"];
const BALLOT_JSON: [&str; 3] = ["\"marks\"", "\"write_ins\"", "\"ratings\""];

fn committee(fors: &[u8], against: &[u8], write_ins: &[&str]) -> Value {
    let mut marks = serde_json::Map::new();
    for c in fors {
        marks.insert(format!("c{c}"), json!("for"));
    }
    for c in against {
        marks.insert(format!("c{c}"), json!("against"));
    }
    json!({"contest": "committee", "marks": marks, "write_ins": write_ins})
}

fn discipline(fors: &[u8], against: &[u8], write_ins: &[&str]) -> Value {
    let mut marks = serde_json::Map::new();
    for c in fors {
        marks.insert(format!("d{c}"), json!("for"));
    }
    for c in against {
        marks.insert(format!("d{c}"), json!("against"));
    }
    json!({"contest": "discipline", "marks": marks, "write_ins": write_ins})
}

/// No plaintext ballot anywhere the server writes, in any export, in any command's output.
fn nothing_in_the_clear(cli: &Cli, roll_names: &[String]) {
    let mut needles: Vec<&str> = PARTY_NAMES.to_vec();
    needles.extend(BALLOT_JSON);
    for d in ["data", "keys", "exports"] {
        let hits = scan(&cli.path(d), &needles);
        assert!(hits.is_empty(), "plaintext in {d}: {hits:?}");
    }
    let t = cli.transcript.borrow();
    for n in &needles {
        assert!(!t.contains(n), "{n} in the commands' output");
    }
    // Nothing in the log names a voter either: the roll stays in the service records.
    let roll: Vec<&str> = roll_names.iter().map(String::as_str).collect();
    for d in ["data/log", "exports"] {
        let hits = scan(&cli.path(d), &roll);
        assert!(hits.is_empty(), "a voter's name in {d}: {hits:?}");
    }
}

#[test]
fn township_party_congress_five_tellers_any_three_decrypt() {
    let cli = Cli::new("party");
    let tellers = cli.tellers(5);
    std::fs::copy(
        example("township-party-congress/spec.json"),
        cli.path("spec.json"),
    )
    .unwrap();
    let spec: Value =
        serde_json::from_slice(&std::fs::read(cli.path("spec.json")).unwrap()).unwrap();
    cli.init_encrypted("3", &["--threshold", "3"]);
    std::fs::write(cli.path("roll.csv"), party_roll("青山镇", "D", 10)).unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    // The slips carry the key's fingerprint: none is printed before the ceremony.
    let early = cli.fail(&["ledger", "pool", "--style", "0", "--sheet", "x.html"]);
    assert!(early.contains("[election_key_missing]"), "{early}");
    let fp = cli.ceremony(&tellers);
    let (tokens, sheet) = cli.pool(0);
    assert!(std::fs::read_to_string(sheet).unwrap().contains(&fp));
    cli.ok(&["ledger", "open", "committee"]);
    cli.ok(&["ledger", "open", "discipline"]);
    check_in(&cli, "D", 1, 10);
    let all = [1, 2, 3, 4, 5];
    // Committee: c1–c5 get every vote, c6 six (more than half of the 10 present), c7 five
    // and c8 four, so one of the seven seats stays unfilled (a runoff); four write-ins.
    // The last ballot leaves a seat blank. Discipline: d1–d3 elected, one write-in.
    let committee_lines = [
        committee(&[1, 2, 3, 4, 5, 6], &[7], &["欧阳明月"]),
        committee(&all, &[7, 8], &["欧阳明月", "司马相如"]),
        committee(&[1, 2, 3, 4, 5, 6, 7], &[], &[]),
        committee(&[1, 2, 3, 4, 5, 6, 8], &[], &[]),
        committee(&[1, 2, 3, 4, 5, 6, 7], &[], &[]),
        committee(&[1, 2, 3, 4, 5, 6, 7], &[], &[]),
        committee(&[1, 2, 3, 4, 5, 7, 8], &[], &[]),
        committee(&[1, 2, 3, 4, 5, 7, 8], &[], &[]),
        committee(&all, &[6], &["上官婉儿"]),
        committee(&[1, 2, 3, 4, 5, 6], &[], &[]),
    ];
    let mut ballots = Vec::new();
    for (i, (t, c)) in tokens.iter().zip(&committee_lines).enumerate() {
        let d = match i {
            0..=6 => discipline(&[1, 2, 3], &[], &[]),
            7 | 8 => discipline(&[1, 2, 4], &[], &[]),
            _ => discipline(&[1, 2], &[4], &["诸葛孔明"]),
        };
        let receipt = cli.cast(t, &[c.clone(), d.clone()]);
        assert!(receipt.starts_with("回执 receipt: R"), "{receipt}");
        ballots.push(c.clone());
        ballots.push(d);
    }
    cli.ok(&["ledger", "close", "committee"]);
    cli.ok(&["ledger", "close", "discipline"]);
    let roll_names: Vec<String> = (1..=10).map(|i| format!("党员D{i}")).collect();
    // Closed: the log holds the ballots, encrypted, and nobody has decrypted anything.
    cli.export();
    nothing_in_the_clear(&cli, &roll_names);

    // Tellers 1, 3 and 5 give their shares of the totals; the write-in counts known (both
    // contests have write-ins), they shuffle the names in turn (5 first, in the run that
    // completed the count), then give their shares of the names; 2 and 4 never act again.
    let acting = [&tellers[0], &tellers[2], &tellers[4]];
    cli.count(&acting);
    let shared = cli.export();
    let steps = teller_entries(&shared);
    for contest in ["committee", "discipline"] {
        let of = |kind| {
            steps
                .iter()
                .filter(|(k, c, _, _)| *k == kind && c == contest)
                .map(|(_, _, _, i)| *i)
                .collect::<Vec<_>>()
        };
        assert_eq!(of(EntryKind::Shuffle), vec![5, 1, 3], "{contest}");
        assert_eq!(
            of(EntryKind::DecryptionShares),
            vec![1, 3, 5, 3, 5, 1],
            "{contest}"
        );
    }
    // Every share is in the log, so anyone could now combine them; still no plaintext.
    nothing_in_the_clear(&cli, &roll_names);

    let result = cli.tally(&["committee", "discipline"]);
    for t in acting {
        cli.sign(result, t);
    }
    let published = cli.ok(&["ledger", "publish", &result.to_string()]);
    assert!(
        published.contains("另行选举 runoff created: committee-r1"),
        "{published}"
    );
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 10);
    assert_eq!(report["shuffles"], 6);
    assert_eq!(report["election_key_fingerprint"], fp.as_str());
    assert_eq!(report["result_status"][0]["published"], true);
    let text = cli.ok(&["verify", audit.to_str().unwrap()]);
    assert!(text.contains("通过 OK"), "{text}");

    let body = result_body(&audit, result);
    assert_eq!(body.decrypted.len(), 2);
    for d in &body.decrypted {
        assert_eq!(d.tellers, vec![1, 3, 5], "{}", d.contest);
        assert_eq!(d.ballots, 10);
    }
    assert_eq!(
        body.decrypted[0].names,
        vec!["上官婉儿", "司马相如", "欧阳明月", "欧阳明月"]
    );
    assert_eq!(body.decrypted[1].names, vec!["诸葛孔明"]);
    let plain = plaintext_result(&cli, &spec, &body.result, &ballots);
    same_counts(&body.result, &plain);
    let c = &body.result["contests"][0];
    assert_eq!(c["elected"], json!(["c1", "c2", "c3", "c4", "c5", "c6"]));
    assert_eq!(c["unfilled_seats"], 1);
    let wi: Vec<(String, u64)> = c["write_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_string(),
                w["for"].as_u64().unwrap(),
            )
        })
        .collect();
    for (n, v) in [("欧阳明月", 2), ("司马相如", 1), ("上官婉儿", 1)] {
        assert!(wi.contains(&(n.to_string(), v)), "{wi:?}");
    }
    assert_eq!(
        body.result["contests"][1]["write_ins"][0]["name"],
        "诸葛孔明"
    );

    // What links a check-in to a ballot (check-in order, slip order, log order) reaches
    // ciphertexts only: every ballot entry, in log order, is an encrypted ballot with one
    // encrypted contest per contest of the style, of exactly its shape's length.
    let entries = read_entries(&audit);
    assert!(entries.iter().all(|e| e.kind != EntryKind::Ballot));
    let encrypted: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::EncryptedBallot)
        .collect();
    assert_eq!(encrypted.len(), 10);
    let election = scrutineer::record::parse_election(spec.to_string().as_bytes()).unwrap();
    for e in &encrypted {
        let b = EncryptedBallotBody::decode(&e.body).unwrap();
        assert_eq!(
            b.lines
                .iter()
                .map(|l| l.contest.as_str())
                .collect::<Vec<_>>(),
            ["committee", "discipline"]
        );
        for l in &b.lines {
            let c = &election.contests[election.contest_index(&l.contest).unwrap()];
            let shape = scrutineer::e2e::shape_of(c).unwrap();
            assert_eq!(l.ballot.len(), shape.encrypted_len());
        }
        for n in PARTY_NAMES.iter().chain(&BALLOT_JSON) {
            assert!(!e2e_support::contains(&e.body, n.as_bytes()));
        }
    }
    // After the count the names are in the result (and its side file) and nowhere else.
    for (i, e) in entries.iter().enumerate() {
        for n in PARTY_NAMES {
            if e2e_support::contains(&e.body, n.as_bytes()) {
                assert_eq!(e.kind, EntryKind::Result, "{n} in entry {i}");
            }
        }
    }
    let mut hits = scan(&audit, &PARTY_NAMES);
    // (The search finds them where they are: the result's side file and entry.)
    assert!(hits.iter().any(|h| h.contains("/results/")), "{hits:?}");
    hits.retain(|h| !h.contains("/results/") && !h.contains("/log/"));
    assert!(hits.is_empty(), "{hits:?}");
    for d in ["data", "exports"] {
        let hits = scan(&cli.path(d), &BALLOT_JSON[..1]);
        assert!(hits.is_empty(), "{hits:?}");
    }
    let _ = std::fs::remove_dir_all(&cli.dir);
}

#[test]
fn democratic_evaluation_with_weighted_groups_counted_per_group() {
    let cli = Cli::new("evaluation");
    let tellers = cli.tellers(3);
    std::fs::copy(
        example("democratic-evaluation/spec.json"),
        cli.path("spec.json"),
    )
    .unwrap();
    let spec: Value =
        serde_json::from_slice(&std::fs::read(cli.path("spec.json")).unwrap()).unwrap();
    // One ballot style per evaluator group: the desk hands a voter of a unit the slip of
    // that unit's style, whose group every encrypted ballot binds.
    let units = [("领导", "leaders"), ("职工", "staff"), ("考核组", "panel")];
    let styles: Vec<Value> = units
        .iter()
        .map(|(u, g)| json!({"round": 1, "contests": ["eval"], "title": g, "unit": u, "group": g}))
        .collect();
    std::fs::write(cli.path("styles.json"), Value::from(styles).to_string()).unwrap();
    // No --threshold: a majority of the three tellers, 2.
    cli.init_encrypted("2", &["--styles", "styles.json"]);
    cli.ceremony(&tellers);
    std::fs::write(
        cli.path("roll.csv"),
        public_roll(&[("领导", "L", 4), ("职工", "S", 7), ("考核组", "P", 4)]),
    )
    .unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    let pools: Vec<Vec<String>> = (0..3).map(|s| cli.pool(s).0).collect();
    cli.ok(&["ledger", "open", "eval"]);
    // The example's first ballots of each group, and two more staff ballots: one leaves s3
    // unrated, one rates it 不称职.
    let example_lines: Vec<Value> =
        std::fs::read_to_string(example("democratic-evaluation/ballots.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let take = |g: &str, n: usize| -> Vec<Value> {
        example_lines
            .iter()
            .filter(|b| b["group"] == g)
            .take(n)
            .cloned()
            .collect()
    };
    let mut by_group = [take("leaders", 3), take("staff", 4), take("panel", 4)];
    by_group[1].push(
        json!({"contest": "eval", "group": "staff", "ratings": {"s1": "basic", "s2": "excellent"}}),
    );
    by_group[1].push(json!({"contest": "eval", "group": "staff", "ratings": {"s1": "competent", "s2": "competent", "s3": "incompetent"}}));
    let prefixes = ["L", "S", "P"];
    let mut ballots = Vec::new();
    for (g, lines) in by_group.iter().enumerate() {
        check_in(&cli, prefixes[g], 1, lines.len());
        for (t, b) in pools[g].iter().zip(lines) {
            cli.cast(t, std::slice::from_ref(b));
            ballots.push(b.clone());
        }
    }
    // A ballot of one group cannot be cast with another group's slip.
    let wrong = cli.fail(&[
        "ledger",
        "cast",
        "--token",
        &pools[0][3],
        "--ballot",
        &by_group[1][0].to_string(),
    ]);
    assert!(wrong.contains("[e2e_refused]"), "{wrong}");
    assert!(wrong.contains("the style's is “leaders”"), "{wrong}");
    cli.ok(&["ledger", "close", "eval"]);
    // Tellers 3 then 1 give their shares, one entry per evaluator group each.
    cli.count(&[&tellers[2], &tellers[0]]);
    let shared = cli.export();
    let mut steps = teller_entries(&shared);
    steps.sort_by(|a, b| (&a.2, a.3).cmp(&(&b.2, b.3)));
    assert_eq!(
        steps
            .iter()
            .map(|(k, _, g, i)| (*k, g.as_str(), *i))
            .collect::<Vec<_>>(),
        vec![
            (EntryKind::DecryptionShares, "leaders", 1),
            (EntryKind::DecryptionShares, "leaders", 3),
            (EntryKind::DecryptionShares, "panel", 1),
            (EntryKind::DecryptionShares, "panel", 3),
            (EntryKind::DecryptionShares, "staff", 1),
            (EntryKind::DecryptionShares, "staff", 3),
        ]
    );
    let result = cli.tally(&["eval"]);
    cli.sign(result, &tellers[0]);
    cli.sign(result, &tellers[2]);
    cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 13);
    let body = result_body(&audit, result);
    // Decrypted per group, each from tellers 1 and 3.
    let per_group: Vec<(&str, u64, &[u32])> = body
        .decrypted
        .iter()
        .map(|d| (d.group.as_str(), d.ballots, d.tellers.as_slice()))
        .collect();
    assert_eq!(
        per_group,
        vec![
            ("leaders", 3, &[1u32, 3][..]),
            ("panel", 4, &[1, 3][..]),
            ("staff", 6, &[1, 3][..])
        ]
    );
    let plain = plaintext_result(&cli, &spec, &body.result, &ballots);
    same_counts(&body.result, &plain);
    // The per-group figures, counted here from the ballots cast.
    let c = &body.result["contests"][0];
    assert_eq!(c["ballots"]["returned"], 13);
    for subject in c["subjects"].as_array().unwrap() {
        let sid = subject["id"].as_str().unwrap();
        for g in subject["groups"].as_array().unwrap() {
            let gid = g["id"].as_str().unwrap();
            let cast: Vec<&Value> = ballots.iter().filter(|b| b["group"] == gid).collect();
            assert_eq!(g["valid"], cast.len(), "{sid} {gid}");
            for grade in ["excellent", "competent", "basic", "incompetent"] {
                let n = cast.iter().filter(|b| b["ratings"][sid] == grade).count();
                assert_eq!(g["counts"][grade], n, "{sid} {gid} {grade}");
            }
            let unrated = cast.iter().filter(|b| b["ratings"][sid].is_null()).count();
            assert_eq!(g["counts"]["abstain"], unrated, "{sid} {gid}");
        }
    }
    assert_eq!(
        c["subjects"][2]["groups"][1]["counts"]["abstain"], 1,
        "s3, staff: one ballot left it unrated"
    );
    let _ = std::fs::remove_dir_all(&cli.dir);
}

#[test]
fn over_http_only_ciphertexts_leave_the_kiosk_and_reach_the_log() {
    let dir = e2e_support::temp("http");
    // The tellers' machine (keys, state files, the exports they verify) and the server's
    // directory are apart.
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
    // An encrypted election's results need a teller's signature: none is refused, and
    // registers nothing.
    let (s, v) = server.call(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "tellers": verifiers, "signatures_required": 0, "election_date": "2026-12-01"})),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("signatures_required")),
        "{v}"
    );
    // Unsaid, the threshold.
    let created = server.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"spec": spec, "tellers": verifiers, "election_date": "2026-12-01"})),
    );
    assert_eq!(created["signatures_required"], 2, "{created}");
    // Encrypted by default, with a majority of the tellers.
    let status = server.ok("GET", "/api/v1/ceremony", None, None);
    assert_eq!(status["encrypted"], true, "{status}");
    assert_eq!(status["threshold"], 2, "{status}");
    let fp = server.ceremony(&cli, &teller, &tellers);
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
    let names = ["慕容复", "令狐冲"];
    let ballots = [
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "for"}}),
        json!({"contest": "d017", "marks": {"n1": "for"}, "write_ins": ["慕容复"]}),
        json!({"contest": "d017", "marks": {"n2": "for", "n3": "against"}, "write_ins": ["令狐冲"]}),
        json!({"contest": "d017", "marks": {"n3": "against"}, "write_ins": ["慕容复", "令狐冲"]}),
        json!({"contest": "d017", "marks": {"n1": "for", "n2": "against"}}),
        json!({"contest": "d017", "marks": {"n2": "for"}}),
    ];
    let needles: Vec<&str> = names.iter().copied().chain(BALLOT_JSON).collect();
    // Scripts encrypt with `scrutineer ballot encrypt` over an export they verify first;
    // one whose log was altered is refused and encrypts nothing.
    let pre = dir.join("open.tar");
    let mut pre_bytes = server.export_tar(Some(&teller), &pre);
    let seg = pre_bytes
        .windows(8)
        .position(|w| w == b"SCRUTSEG")
        .map(|p| p + 600)
        .unwrap_or(pre_bytes.len() / 2);
    pre_bytes[seg] ^= 1;
    let bad = dir.join("altered.tar");
    std::fs::write(&bad, &pre_bytes).unwrap();
    let refused = cli.fail(&[
        "ballot",
        "encrypt",
        "--export",
        bad.to_str().unwrap(),
        "--token",
        &tokens[5],
        "--ballot",
        &ballots[5].to_string(),
    ]);
    assert!(refused.contains("[verify_failed]"), "{refused}");
    for (i, (t, line)) in tokens.iter().zip(&ballots).enumerate() {
        if i >= 4 {
            let out = cli.ok(&[
                "ballot",
                "encrypt",
                "--export",
                pre.to_str().unwrap(),
                "--token",
                t,
                "--ballot",
                &line.to_string(),
            ]);
            let body: Value = serde_json::from_str(&out).unwrap();
            for n in &needles {
                assert!(!out.contains(n), "{n} in the encrypted body");
            }
            let r = server.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&body));
            assert!(r["receipt"].as_str().unwrap().starts_with('R'), "{r}");
            continue;
        }
        let k = server.ok(
            "POST",
            "/api/v1/kiosk/ballot",
            Some(&kiosk),
            Some(&json!({"token": t})),
        );
        let e2e = &k["e2e"];
        assert_eq!(e2e["fingerprint"], fp.as_str());
        assert_eq!(k["contests"][0]["shape"]["write_in_lines"], 2, "{k}");
        let key = scrutineer::crypto::ElectionKey::from_bytes(
            &BASE64.decode(e2e["key"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let serial: [u8; 16] = e2e_support::unhex(e2e["token_serial"].as_str().unwrap())
            .try_into()
            .unwrap();
        let style: scrutineer::record::entry::Style = serde_json::from_value(
            summary["styles"][k["style"].as_u64().unwrap() as usize].clone(),
        )
        .unwrap();
        let encrypted = scrutineer::e2e::kiosk::encrypt_lines(
            &election,
            e2e["election_id"].as_str().unwrap(),
            &style,
            &key,
            serial,
            std::slice::from_ref(line),
            &mut scrutineer::crypto::SystemRng,
        )
        .unwrap();
        let body = json!({"token": t, "encrypted": encrypted.iter().map(|(l, _)| json!({
            "contest": l.contest, "group": l.group, "ballot": BASE64.encode(&l.ballot)})).collect::<Vec<_>>()});
        // What the kiosk sends holds no choice in the clear.
        let text = body.to_string();
        for n in &needles {
            assert!(!text.contains(n), "{n} in the request");
        }
        let r = server.ok("POST", "/api/v1/ballots", Some(&kiosk), Some(&body));
        assert!(r["receipt"].as_str().unwrap().starts_with('R'), "{r}");
    }
    server.ok("POST", "/api/v1/contests/d017/close", Some(&teller), None);
    // The public export after the close: ciphertexts only, and it verifies.
    let tar = dir.join("closed.tar");
    let bytes = server.export_tar(None, &tar);
    for n in &needles {
        assert!(
            !e2e_support::contains(&bytes, n.as_bytes()),
            "{n} in the export"
        );
    }
    let (code, report) = cli.verify(&tar);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["encrypted_ballots"], 6);
    let unpacked = dir.join("closed");
    tar::Archive::new(bytes.as_slice())
        .unpack(&unpacked)
        .unwrap();
    let entries = read_entries(&unpacked.join("scrutineer-export"));
    assert!(entries.iter().all(|e| e.kind != EntryKind::Ballot));
    // The close names the account that closed it.
    let closed: scrutineer::record::entry::ContestClosed = entries
        [find(&entries, EntryKind::ContestClosed, 0)]
    .body_as()
    .unwrap();
    assert_eq!(closed.by, "teller1");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.kind == EntryKind::EncryptedBallot)
            .count(),
        6
    );
    let hits = scan(&svc.join("data"), &needles);
    assert!(hits.is_empty(), "{hits:?}");
    // Tellers 1 and 2 count over HTTP; the tally decrypts the totals and the names.
    for _ in 0..4 {
        let mut n = 0;
        for t in &tellers[..2] {
            n += server.teller_turn(&cli, &teller, t, n);
        }
        if n == 0 {
            break;
        }
    }
    let status = server.ok("GET", "/api/v1/ceremony", None, None);
    // Shares of the totals from 1 and 2; teller 2's completed the write-in count (4), so it
    // shuffled first; then teller 1, whose shuffle completed the chain.
    assert_eq!(
        status["contests"][0]["shuffled_by"],
        json!([2, 1]),
        "{status}"
    );
    assert_eq!(status["contests"][0]["write_ins"], 4, "{status}");
    assert_eq!(
        status["contests"][0]["name_shares_from"],
        json!([1, 2]),
        "{status}"
    );
    assert_eq!(
        status["contests"][0]["shares_from"],
        json!([1, 2]),
        "{status}"
    );
    let r = server.ok("POST", "/api/v1/contests/d017/tally", Some(&teller), None);
    let mut got: Vec<String> = r["result"]["contests"][0]["write_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{} {}", w["name"].as_str().unwrap(), w["for"]))
        .collect();
    got.sort();
    assert_eq!(got, ["令狐冲 2", "慕容复 2"]);
    let plain = plaintext_result(&cli, &spec, &r["result"], &ballots);
    same_counts(&r["result"], &plain);
    // Everything the service logged, at debug level, from the first request to the tally.
    let output = server.output();
    assert!(
        output.len() > 100,
        "the service logged nothing: the check would be empty"
    );
    for n in &needles {
        assert!(
            !e2e_support::contains(&output, n.as_bytes()),
            "{n} in the service's output"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What no proof can exclude: a kiosk that does not follow the protocol encrypts a name on a
/// write-in line it did not mark, and marks a line whose name does not decode. Since protocol
/// 4 each line is shuffled and decrypted with its flag: the stray name is seen and not
/// counted (before, it stood in for another ballot's marked line, or stopped the count), the
/// unreadable one counts for no one, and the contest is counted and verified. Also protocol
/// 4: a correction of the figures logged after the tellers' decryption shares is said in the
/// result (`figures_corrected_after_shares`); one before them is not.
#[test]
fn a_write_in_counts_only_on_a_line_its_ballot_marked() {
    use scrutineer::crypto::ballot::{encrypt_candidate_lines, CandidatePlaintext, Mark};
    use scrutineer::crypto::names::encode_name;
    use scrutineer::crypto::ContestShape;
    use scrutineer::ledger::{Ledger, LedgerConfig};
    use scrutineer::record::encrypted::EncryptedLine;

    let (cli, tellers, _, _, tokens) = npc_open("npc-lines", "2", 6);
    // Two honest ballots, one with a write-in.
    cli.cast(
        &tokens[0],
        &[json!({"contest": "d017", "marks": {"n1": "for"}, "write_ins": ["欧阳明月"]})],
    );
    cli.cast(
        &tokens[1],
        &[json!({"contest": "d017", "marks": {"n2": "for"}})],
    );
    // The non-conforming kiosk's ballots, with valid proofs.
    let (report, replayed) = verify_export_replayed(&cli.export(), &|_, _| {});
    assert!(report.ok, "{report:?}");
    let replayed = replayed.unwrap();
    let book = replayed.book.unwrap();
    let key = book.key().unwrap().clone();
    let shape = book.tallies[&("d017".to_string(), String::new())]
        .shape
        .clone();
    let ContestShape::Candidate(s) = &shape else {
        panic!("a candidate contest")
    };
    let w = s.write_in_lines as usize;
    assert!(w >= 1);
    let blank = encode_name("").unwrap().elements;
    let ghost = encode_name("赵无名").unwrap().elements;
    // A point whose encoding no name has (decoding it fails).
    let garbage = curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT
        * curve25519_dalek::Scalar::from(7u64);
    let forged = [
        // A name on an unmarked line, beside a full ballot's marks.
        (vec![Mark::For, Mark::For, Mark::Abstain], {
            let mut l = vec![(0u64, blank); w];
            l[0] = (0, ghost);
            l
        }),
        // A marked line whose name does not decode.
        (vec![Mark::Abstain, Mark::Abstain, Mark::For], {
            let mut l = vec![(0u64, blank); w];
            l[0] = (1, [garbage, garbage]);
            l
        }),
        // A marked line with no name.
        (vec![Mark::Abstain, Mark::For, Mark::Abstain], {
            let mut l = vec![(0u64, blank); w];
            l[0] = (1, blank);
            l
        }),
        // A marked line naming a listed candidate (王芳, n1): a second mark for her, which a
        // conforming kiosk refuses. Protocol 6 counts it for no one; before, the whole
        // round's totals were inconsistent and no one could be elected, so one such kiosk
        // forced a re-vote, anonymously and again in every re-vote.
        (vec![Mark::Abstain, Mark::Abstain, Mark::Abstain], {
            let mut l = vec![(0u64, blank); w];
            l[0] = (1, encode_name("王芳").unwrap().elements);
            l
        }),
    ];
    {
        let ledger =
            Ledger::open_existing(LedgerConfig::new(cli.path("data"), cli.path("keys"))).unwrap();
        for (token, (marks, lines)) in tokens[2..6].iter().zip(&forged) {
            let t = scrutineer::record::token::Token::parse(token).unwrap();
            let p = CandidatePlaintext {
                marks: marks.clone(),
                write_ins: vec![None; w],
                void: false,
            };
            let ctx = scrutineer::e2e::context(&replayed.election_id, "d017", "", *t.serial());
            let (enc, _) = encrypt_candidate_lines(
                &key,
                &shape,
                s,
                &ctx,
                &p,
                lines,
                &mut scrutineer::crypto::SystemRng,
            )
            .unwrap();
            let line = EncryptedLine {
                contest: "d017".into(),
                group: String::new(),
                ballot: enc.to_bytes(),
            };
            ledger.cast_encrypted(token, vec![line], None).unwrap();
        }
    }
    // A correction of the figures before any decryption share: nothing to say.
    for (name, role) in [("t-zhao", "teller"), ("o-sun", "organiser")] {
        cli.ok(&["accounts", "add", name, "--role", role]);
    }
    let correct = |present: &str| {
        let proposed = cli.ok(&[
            "ledger",
            "correct",
            "--contest",
            "d017",
            "--eligible",
            "8",
            "--present",
            present,
            "--issued",
            present,
            "--reason",
            "流动票箱 mobile box",
            "--by",
            "t-zhao",
            "--teller-key",
            tellers[0].key.to_str().unwrap(),
        ]);
        let n: String = proposed
            .split("correction ")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        cli.ok(&["ledger", "approve", &n, "--by", "o-sun"]);
    };
    let late = |export: &Path| {
        let (_, r) = verify_export_replayed(export, &|_, _| {});
        r.unwrap()
            .conduct
            .contest("d017")
            .unwrap()
            .corrected_after_shares
    };
    // (From protocol 6 only a closed contest's figures are corrected.)
    cli.ok(&["ledger", "close", "d017"]);
    correct("7");
    assert!(!late(&cli.export()));
    let (t2, t3) = (&tellers[1], &tellers[2]);
    cli.count(&[t2, t3]);
    // Another after the tellers' shares, when anyone could compute the totals: allowed, and
    // said in the result the tellers sign.
    correct("6");
    assert!(late(&cli.export()));
    let result = cli.tally(&["d017"]);
    // A teller who signs from an export is shown the correction the count used: the desk's
    // figures, the corrected ones, the reason and both names.
    let exported = cli.export();
    let shown = cli.ok(&[
        "teller",
        "sign",
        "--key",
        t2.key.to_str().unwrap(),
        "--export",
        exported.to_str().unwrap(),
        "--result",
        &result.to_string(),
    ]);
    assert!(
        shown.contains("更正 correction d017")
            && shown.contains("counted with E 8 P 6 I 6")
            && shown.contains("proposed by t-zhao (teller)")
            && shown.contains("approved by o-sun (organiser)")
            && shown.contains(&format!("signed by teller 1 ({})", tellers[0].name)),
        "{shown}"
    );
    cli.sign(result, t2);
    cli.sign(result, t3);
    cli.ok(&["ledger", "publish", &result.to_string()]);
    let audit = cli.export();
    let (code, report) = cli.verify(&audit);
    assert_eq!(code, 0, "{report}");
    let body = result_body(&audit, result);
    // The names of the marked lines: the honest write-in and the listed candidate's (shown
    // as decrypted); the stray name on an unmarked line is not among them.
    assert_eq!(body.decrypted[0].names, vec!["欧阳明月", "王芳"]);
    let d = &body.result["contests"][0];
    let text = d.to_string();
    assert!(!text.contains("赵无名"), "{d}");
    assert!(text.contains("欧阳明月"), "{d}");
    let codes: Vec<&str> = d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert!(codes.contains(&"write_in_unmarked"), "{d}");
    assert!(codes.contains(&"write_in_unreadable"), "{d}");
    assert!(codes.contains(&"figures_corrected_after_shares"), "{d}");
    assert!(text.contains("1 written-in names are on lines"), "{d}");
    assert!(text.contains("2 written-in names hold"), "{d}");
    // The listed candidate's name counts for no one, said in the result; the round stands.
    assert!(codes.contains(&"write_in_names_candidate"), "{d}");
    assert!(
        text.contains("1 written-in names are the contest's listed candidates"),
        "{d}"
    );
    assert!(!text.contains("totals_inconsistent"), "{d}");
    assert_eq!(d["candidates"][0]["for"], 2, "{d}");
    assert_eq!(d["valid"], true, "{d}");
    assert_eq!(d["write_ins"].as_array().unwrap().len(), 1, "{d}");
}
