//! Attacks on an encrypted election, each of which must be refused where it is made or named
//! by `verify`: a changed byte in an encrypted ballot (at cast, over HTTP; in a re-signed
//! export), a ballot's bytes replayed under another token, a decryption share or a shuffle
//! with a wrong proof (at submit; in a re-signed export, by a teller who signs what it
//! forged), decryption shares of the write-in names before the write-in count is known or
//! before k tellers shuffled them (which would tie each name to its ballot), a result whose decrypted totals or counts were changed, a
//! teller shown a log that does not extend the one it verified (`log_fork`), and the server
//! never holding a teller's state or key share. One ignored test shows a known bug: a
//! plaintext ballot posted to an encrypted election is logged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};

use e2e_support::{
    all_bytes, copy_dir, edit, example, export_checkpoint, find, forge, named, public_roll,
    read_entries, scan, teller_run_args, temp, unhex, Cli, Server, Teller,
};
use scrutineer::crypto::decrypt::DecryptionShare;
use scrutineer::crypto::ContestShape;
use scrutineer::record::encrypted::{EncryptedBallotBody, EncryptedLine};
use scrutineer::record::entry::{
    teller_statement, DecryptionSharesBody, ElectionRegistered, Entry, EntryKind, ResultBody,
    Secrecy, ShuffleBody, Style,
};
use scrutineer::record::note::Verifier;
use scrutineer::record::token::Token;
use scrutineer::rules::Election;
use scrutineer::verify::verify_export;

const ELECTION: &str = "hexi-county-npc-2026-d017";

fn spec() -> Value {
    serde_json::from_slice(&std::fs::read(example("npc-direct-constituency/spec.json")).unwrap())
        .unwrap()
}

fn election() -> Election {
    scrutineer::record::parse_election(spec().to_string().as_bytes()).unwrap()
}

fn style() -> Style {
    Style {
        round: 1,
        contests: vec!["d017".into()],
        title: String::new(),
        unit: String::new(),
        group: String::new(),
    }
}

fn shape() -> ContestShape {
    let e = election();
    scrutineer::e2e::shape_of(&e.contests[0]).unwrap()
}

/// Where the proofs start in an encrypted candidate contest (docs/E2E.md §7).
fn proofs_at(shape: &ContestShape) -> usize {
    let ContestShape::Candidate(s) = shape else {
        panic!("a candidate contest")
    };
    let n = s.candidates as usize * (1 + usize::from(s.against));
    2 + 64 * (n + 3 * s.write_in_lines as usize + 1)
}

const BALLOTS: [&str; 4] = [
    r#"{"contest":"d017","marks":{"n1":"for","n2":"for"}}"#,
    r#"{"contest":"d017","marks":{"n1":"for","n3":"against"},"write_ins":["欧阳明月"]}"#,
    r#"{"contest":"d017","marks":{"n2":"for"},"write_ins":["司马相如"]}"#,
    r#"{"contest":"d017","marks":{"n3":"for"}}"#,
];

/// The honest election every forgery starts from: npc d017, three tellers, two of them
/// needed; four encrypted ballots (two write-ins). Teller 1 verified the log while voting
/// was open (its state then is kept as `t1-mid.state`, the export it saw as `mid`); the
/// directory is copied at the close (`closed/`), then tellers 1 and 2 count, the result is
/// tallied, signed, published and exported (`final`).
struct Fixture {
    dir: PathBuf,
    tokens: Vec<String>,
    mid: PathBuf,
    closed: PathBuf,
    final_export: PathBuf,
    result: u64,
}

fn tellers_in(dir: &Path) -> Vec<Teller> {
    (1..=3)
        .map(|i| Teller {
            name: format!("teller-{i}"),
            index: i,
            key: dir.join(format!("tellers/t{i}.key")),
            state: dir.join(format!("tellers/t{i}.state")),
        })
        .collect()
}

/// npc d017 encrypted (three tellers, two needed, the ceremony done), a roll of 8, voting
/// open, `present` voters checked in and `ballots` cast with the first slips. Answers the
/// tellers and the slips.
fn voting(name: &str, present: usize, ballots: &[&str]) -> (Cli, Vec<Teller>, Vec<String>) {
    let cli = Cli::new(name);
    let tellers = cli.tellers(3);
    std::fs::write(cli.path("spec.json"), spec().to_string()).unwrap();
    cli.init_encrypted("2", &["--threshold", "2"]);
    cli.ceremony(&tellers);
    std::fs::write(cli.path("roll.csv"), public_roll(&[("第十七选区", "V", 8)])).unwrap();
    cli.ok(&["ledger", "roll", "--csv", "roll.csv"]);
    let (tokens, _) = cli.pool(0);
    cli.ok(&["ledger", "open", "d017"]);
    for i in 1..=present {
        cli.ok(&["ledger", "checkin", &format!("V{i:04}")]);
    }
    for (t, b) in tokens.iter().zip(ballots) {
        cli.cast(t, &[serde_json::from_str(b).unwrap()]);
    }
    (cli, tellers, tokens)
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (cli, tellers, tokens) = voting("attacks", 6, &BALLOTS);
        let mid = cli.export();
        assert!(cli.teller_run(&tellers[0], &mid).is_none());
        std::fs::copy(&tellers[0].state, cli.path("tellers/t1-mid.state")).unwrap();
        cli.ok(&["ledger", "close", "d017"]);
        let closed = cli.path("closed");
        std::fs::create_dir_all(&closed).unwrap();
        for d in ["data", "keys", "tellers"] {
            copy_dir(&cli.path(d), &closed.join(d));
        }
        cli.count(&[&tellers[0], &tellers[1]]);
        let result = cli.tally(&["d017"]);
        cli.sign(result, &tellers[0]);
        cli.sign(result, &tellers[1]);
        cli.ok(&["ledger", "publish", &result.to_string()]);
        let final_export = cli.export();
        let r = verify_export(&final_export, &|_, _| {});
        assert!(r.ok, "{r:?}");
        Fixture {
            dir: cli.dir.clone(),
            tokens,
            mid,
            closed,
            final_export,
            result,
        }
    })
}

impl Fixture {
    /// The first candidate's name of the first contest, as entry 0 registers it.
    fn registered_name(&self) -> String {
        let es = read_entries(&self.final_export);
        let b: ElectionRegistered = serde_json::from_slice(&es[0].body).unwrap();
        b.spec["contests"][0]["candidates"][0]["name"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn log_key(&self) -> scrutineer::record::note::Signer {
        scrutineer::ledger::keys::load_or_create(
            &self.dir.join("keys"),
            &scrutineer::record::entry::origin(ELECTION),
        )
        .unwrap()
        .log
    }

    /// A forged copy of the final export.
    fn forge(
        &self,
        name: &str,
        mutate: impl FnOnce(&mut Vec<Entry>),
    ) -> scrutineer::verify::Report {
        let out = temp(&format!("forged-{name}"));
        let r = forge(&self.final_export, &out, ELECTION, &self.log_key(), mutate);
        let _ = std::fs::remove_dir_all(&out);
        r
    }

    /// A copy of the election as it stood at the close, to act on.
    fn at_close(&self, name: &str) -> (Cli, Vec<Teller>) {
        let dir = temp(name);
        copy_dir(&self.closed, &dir);
        let tellers = tellers_in(&dir);
        (Cli::at(dir), tellers)
    }
}

#[test]
fn the_forgers_rewrite_of_the_honest_export_verifies() {
    // The control: re-chaining and re-signing alone is not what the verifier objects to.
    let f = fixture();
    let r = f.forge("control", |_| {});
    assert!(r.ok, "{r:?}");
    assert_eq!(r.encrypted_ballots, 4);
}

// ------------------------------------------------------------------ (b) encrypted ballots

/// The ballot bytes of an encrypted-ballot entry, changed by `f`.
fn alter_ballot(e: &mut Entry, f: impl FnOnce(&mut Vec<u8>)) {
    let mut b = EncryptedBallotBody::decode(&e.body).unwrap();
    f(&mut b.lines[0].ballot);
    e.body = b.encode();
}

#[test]
fn an_altered_encrypted_ballot_in_a_resigned_export_is_named() {
    let f = fixture();
    let entries = read_entries(&f.final_export);
    // The third of the four ballots (they are verified in one batch: the failure must still
    // name this one).
    let at = find(&entries, EntryKind::EncryptedBallot, 2);
    let p = proofs_at(&shape());
    // Two ciphertexts swapped: every point is still valid, the proofs no longer hold.
    let r = f.forge("swapped-ciphertexts", |es| {
        alter_ballot(&mut es[at], |b| {
            let (x, y) = b.split_at_mut(2 + 64);
            x[2..2 + 64].swap_with_slice(&mut y[..64]);
        })
    });
    let m = named(&r, &["proof_invalid"], at);
    assert!(m.contains(&format!("entry {at}")), "{m}");
    // A challenge scalar of the first candidate proof changed in its lowest bit (still a
    // canonical scalar).
    let r = f.forge("challenge", |es| {
        alter_ballot(&mut es[at], |b| b[p + 6 * 32] ^= 1)
    });
    named(&r, &["proof_invalid"], at);
    // The last response of the last range proof changed.
    let r = f.forge("response", |es| {
        alter_ballot(&mut es[at], |b| {
            let n = b.len();
            b[n - 32] ^= 1;
        })
    });
    named(&r, &["proof_invalid"], at);
    // Any single byte of a ciphertext or a proof: refused at this entry with an e2e code.
    for pos in [
        2 + 5,
        2 + 64 * 4 + 40,
        2 + 64 * 12 + 1,
        p + 3,
        p + 700,
        p + 2000,
    ] {
        let r = f.forge(&format!("byte-{pos}"), |es| {
            alter_ballot(&mut es[at], |b| b[pos] ^= 0x10)
        });
        named(&r, &["proof_invalid", "bad_encoding", "identity_point"], at);
    }
    // Ballot bytes moved to another token's entry (a replay): the proofs bind the serial.
    let other = find(&entries, EntryKind::EncryptedBallot, 0);
    let r = f.forge("moved", |es| {
        let donor = EncryptedBallotBody::decode(&es[other].body).unwrap();
        alter_ballot(&mut es[at], |b| *b = donor.lines[0].ballot.clone());
    });
    named(&r, &["proof_invalid"], at);
}

// ------------------------------------------------------------------ (c) decryption shares

/// Changes the first share of a decryption-shares body's totals with `f` (on its 100 bytes).
fn alter_share(b: &mut DecryptionSharesBody, f: impl FnOnce(&mut [u8])) {
    let mut bytes = BASE64.decode(&b.totals).unwrap();
    f(&mut bytes[..DecryptionShare::LEN]);
    b.totals = BASE64.encode(bytes);
}

fn steps_doc(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A steps file holding only `steps`.
fn steps_file(cli: &Cli, name: &str, doc: &Value, steps: Vec<Value>) -> PathBuf {
    let mut d = doc.clone();
    d["steps"] = Value::from(steps);
    let p = cli.path(&format!("tellers/{name}.json"));
    std::fs::write(&p, d.to_string()).unwrap();
    p
}

/// A decryption-shares step with its body changed by `f`.
fn share_step(step: &Value, f: &dyn Fn(&mut DecryptionSharesBody)) -> Value {
    let mut step = step.clone();
    let mut b: DecryptionSharesBody = serde_json::from_value(step["body"].clone()).unwrap();
    f(&mut b);
    step["body"] = serde_json::to_value(&b).unwrap();
    step
}

/// Every share of a base64 list of shares, its teller index set to `index`.
fn reindex(list: &str, index: u32) -> String {
    let mut bytes = BASE64.decode(list).unwrap();
    for s in bytes.chunks_mut(DecryptionShare::LEN) {
        s[..4].copy_from_slice(&index.to_be_bytes());
    }
    BASE64.encode(bytes)
}

#[test]
fn a_decryption_share_with_a_wrong_proof_is_refused_and_named() {
    let f = fixture();
    let (cli, tellers) = f.at_close("bad-share");
    assert!(
        cli.turn(&tellers[0]),
        "teller 1 gives its shares of the totals"
    );
    let export = cli.export();
    let steps = cli.teller_run(&tellers[1], &export).unwrap();
    let doc = steps_doc(&steps);
    let s = doc["steps"].as_array().unwrap().clone();
    // Teller 2's shares of the totals make the write-in count known (2): its shuffle follows.
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0]["kind"], "decryption_shares");
    assert_eq!(s[1]["kind"], "shuffle");
    let size = cli.log_size();
    let refused = |name: &str, step: Value| {
        cli.fail(&[
            "ledger",
            "submit",
            "--steps",
            steps_file(&cli, name, &doc, vec![step]).to_str().unwrap(),
        ])
    };
    // The response z of the first share, its lowest bit flipped.
    let e = refused(
        "bad-z",
        share_step(&s[0], &|b| alter_share(b, |x| x[68] ^= 1)),
    );
    assert!(e.contains("[proof_invalid]"), "{e}");
    // M_ℓ of the first share replaced by the second share's (a valid point, the wrong one).
    let bad = share_step(&s[0], &|b| {
        let mut bytes = BASE64.decode(&b.totals).unwrap();
        let second: Vec<u8> = bytes[DecryptionShare::LEN + 4..DecryptionShare::LEN + 36].to_vec();
        bytes[4..36].copy_from_slice(&second);
        b.totals = BASE64.encode(bytes);
    });
    let e = refused("bad-m", bad);
    assert!(e.contains("[proof_invalid]"), "{e}");
    // Teller 2's shares passed off as teller 3's.
    let bad = share_step(&s[0], &|b| {
        b.index = 3;
        b.totals = reindex(&b.totals, 3);
    });
    let e = refused("bad-index", bad);
    assert!(e.contains("[proof_invalid]"), "{e}");
    assert_eq!(cli.log_size(), size, "a refused share logs nothing");
    // The honest shares and shuffle are taken; teller 1 shuffles and, the chain complete,
    // gives its shares of the names; then teller 2's shares of the names are due.
    cli.submit(&steps_file(&cli, "good", &doc, s.clone()));
    assert!(cli.turn(&tellers[0]));
    let export = cli.export();
    let doc = steps_doc(&cli.teller_run(&tellers[1], &export).unwrap());
    let n = doc["steps"].as_array().unwrap().clone();
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0]["body"]["totals"].as_str().unwrap().is_empty());
    let size = cli.log_size();
    // A name share's proof broken.
    let bad = share_step(&n[0], &|b| {
        let mut names = BASE64.decode(&b.names).unwrap();
        names[99] ^= 1;
        b.names = BASE64.encode(names);
    });
    let e = refused("bad-name", bad);
    assert!(e.contains("[proof_invalid]"), "{e}");
    // Teller 2's shares of the names passed off as teller 3's.
    let bad = share_step(&n[0], &|b| {
        b.index = 3;
        b.names = reindex(&b.names, 3);
    });
    let e = refused("bad-name-index", bad);
    assert!(e.contains("[proof_invalid]"), "{e}");
    // The totals' shares again, inside the names' entry: one part per entry.
    let totals = s[0]["body"]["totals"].as_str().unwrap().to_string();
    let e = refused(
        "both-parts",
        share_step(&n[0], &|b| b.totals = totals.clone()),
    );
    assert!(e.contains("[shares_part]"), "{e}");
    // And the totals' shares given a second time.
    let e = refused("totals-again", s[0].clone());
    assert!(e.contains("[shares_repeated]"), "{e}");
    assert_eq!(cli.log_size(), size, "a refused share logs nothing");
    cli.submit(&steps_file(&cli, "good-names", &doc, n.clone()));
    cli.tally(&["d017"]);
    let _ = std::fs::remove_dir_all(&cli.dir);

    // In an export, re-signed by the log key: named at the share's entry.
    let entries = read_entries(&f.final_export);
    let at = find(&entries, EntryKind::DecryptionShares, 0);
    let r = f.forge("share-z", |es| {
        edit::<DecryptionSharesBody>(&mut es[at], |b| alter_share(b, |x| x[68] ^= 1))
    });
    let m = named(&r, &["proof_invalid"], at);
    assert!(m.contains("decryption share"), "{m}");
    let at2 = find(&entries, EntryKind::DecryptionShares, 1);
    let r = f.forge("share-m", |es| {
        edit::<DecryptionSharesBody>(&mut es[at2], |b| {
            let mut bytes = BASE64.decode(&b.totals).unwrap();
            let second: Vec<u8> =
                bytes[DecryptionShare::LEN + 4..DecryptionShare::LEN + 36].to_vec();
            bytes[4..36].copy_from_slice(&second);
            b.totals = BASE64.encode(bytes);
        })
    });
    named(&r, &["proof_invalid"], at2);
    // The third shares entry is teller 1's of the names: a name share's proof broken.
    let at3 = find(&entries, EntryKind::DecryptionShares, 2);
    let r = f.forge("share-name", |es| {
        edit::<DecryptionSharesBody>(&mut es[at3], |b| {
            assert!(b.totals.is_empty() && !b.names.is_empty());
            let mut names = BASE64.decode(&b.names).unwrap();
            names[99] ^= 1;
            b.names = BASE64.encode(names);
        })
    });
    let m = named(&r, &["proof_invalid"], at3);
    assert!(m.contains("name decryption share"), "{m}");
}

/// Teller `t`'s decryption shares of the contest's totals (`totals`) and of its write-in
/// names as they stand in `export` (`names`), computed with the teller's own key share,
/// every proof valid.
fn shares_now(export: &Path, t: &Teller, totals: bool, names: bool) -> DecryptionSharesBody {
    let (report, replayed) = scrutineer::verify::verify_export_replayed(export, &|_, _| {});
    assert!(report.ok, "{report:?}");
    let book = replayed.unwrap().book.unwrap();
    let st: scrutineer::e2e::teller::TellerState =
        serde_json::from_slice(&std::fs::read(&t.state).unwrap()).unwrap();
    let share = scrutineer::e2e::teller::key_share(&book, &st).unwrap();
    let tally = &book.tallies[&("d017".to_string(), String::new())];
    let mut rng = scrutineer::crypto::SystemRng;
    let mut enc = |cts: Vec<&scrutineer::crypto::Ciphertext>| {
        BASE64.encode(
            cts.into_iter()
                .flat_map(|ct| {
                    scrutineer::crypto::decrypt::decryption_share(ELECTION, &share, ct, &mut rng)
                        .to_bytes()
                })
                .collect::<Vec<u8>>(),
        )
    };
    let sums = tally.sums();
    DecryptionSharesBody {
        contest: "d017".into(),
        group: String::new(),
        index: t.index,
        totals: if totals {
            enc(sums.iter().collect())
        } else {
            String::new()
        },
        names: if names {
            enc(tally.current_names().unwrap().iter().flatten().collect())
        } else {
            String::new()
        },
    }
}

#[test]
fn write_in_names_are_never_decrypted_before_the_shuffles() {
    // Shares of the names in log order would tie each name to its ballot. A teller (or two
    // colluding) who computes them early is refused: before the write-in count is known
    // (nothing is due), and until k tellers have shuffled.
    let f = fixture();
    let (cli, tellers) = f.at_close("early-shares");
    let size = cli.log_size();
    let submit_shares = |name: &str, b: &DecryptionSharesBody| {
        let doc = json!({"format": "scrutineer.teller-steps/v1", "steps": [
            {"kind": "decryption_shares", "body": b}]});
        let p = cli.path(&format!("tellers/{name}.json"));
        std::fs::write(&p, doc.to_string()).unwrap();
        let o = cli.run(&["ledger", "submit", "--steps", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8(o.stderr).unwrap()
    };
    for t in &tellers[..2] {
        let export = cli.export();
        let e = submit_shares(
            &format!("early-{}", t.index),
            &shares_now(&export, t, false, true),
        );
        assert!(e.contains("[names_not_due]"), "{e}");
        // Both parts in one entry, as protocol 2 had them: refused too.
        let e = submit_shares(
            &format!("both-{}", t.index),
            &shares_now(&export, t, true, true),
        );
        assert!(e.contains("[shares_part]"), "{e}");
    }
    assert_eq!(cli.log_size(), size, "nothing logged");
    // The write-in count known (teller 2's shares of the totals make two), and one shuffle
    // (teller 2's, in the same run): not enough (two are needed).
    assert!(cli.turn(&tellers[0]));
    assert!(cli.turn(&tellers[1]));
    let after = cli.log_size();
    assert_eq!(after, size + 3);
    let e = submit_shares(
        "one-shuffle",
        &shares_now(&cli.export(), &tellers[2], false, true),
    );
    assert!(e.contains("[shuffles_missing]"), "{e}");
    assert_eq!(cli.log_size(), after, "nothing logged");
    let _ = std::fs::remove_dir_all(&cli.dir);

    // In an export: early shares of the names (as cast, with valid proofs) inserted before
    // the first shuffle (the count known: shuffles missing) and before the first shares of
    // the totals (nothing due yet), each named where it stands.
    let entries = read_entries(&f.final_export);
    let first_shuffle = find(&entries, EntryKind::Shuffle, 0);
    let first_shares = find(&entries, EntryKind::DecryptionShares, 0);
    let early = shares_now(&f.mid, &tellers_in(&f.dir)[0], false, true);
    for (at, code) in [
        (first_shuffle, "shuffles_missing"),
        (first_shares, "names_not_due"),
    ] {
        let r = f.forge(&format!("early-shares-{code}"), |es| {
            // The mid export's names are the final ones' (voting was over by then).
            es.insert(
                at,
                Entry {
                    kind: EntryKind::DecryptionShares,
                    prev: [0; 32],
                    body: scrutineer::record::entry::body_bytes(&early),
                },
            );
        });
        named(&r, &[code], at);
    }
}

// ------------------------------------------------------------------ (d) shuffles

/// A shuffle body with `output` and `proof`, signed with the teller's own key (a teller who
/// cheats signs what it forged).
fn resign_shuffle(b: &mut ShuffleBody, t: &Teller) {
    let mut payload = BASE64.decode(&b.output).unwrap();
    payload.extend(BASE64.decode(&b.proof).unwrap());
    let m = teller_statement("shuffle", ELECTION, &b.contest, &payload);
    b.signature = BASE64.encode(t.signer().signing_key().sign(&m).to_bytes());
}

#[test]
fn a_wrong_shuffle_is_refused_and_named() {
    let f = fixture();
    let (cli, tellers) = f.at_close("bad-shuffle");
    let t1 = &tellers[0];
    // The totals' shares of tellers 1 and 2 make the write-in count known (2), and teller 2
    // shuffles in the same run; teller 1's shuffle is due.
    assert!(cli.turn(t1));
    assert!(cli.turn(&tellers[1]));
    let export = cli.export();
    // Two honest shuffles of the same names by teller 1 (two runs on the same export):
    // different permutations, different proofs.
    let spare = cli.path("tellers/t1-spare.state");
    std::fs::copy(&t1.state, &spare).unwrap();
    let a = steps_doc(&cli.teller_run(t1, &export).unwrap());
    let b = steps_doc(&cli.teller_run_state(t1, &spare, &export).unwrap());
    assert_eq!(a["steps"][0]["kind"], "shuffle");
    let sa: ShuffleBody = serde_json::from_value(a["steps"][0]["body"].clone()).unwrap();
    let sb: ShuffleBody = serde_json::from_value(b["steps"][0]["body"].clone()).unwrap();
    assert_ne!(sa.output, sb.output);
    let size = cli.log_size();
    let submit = |name: &str, body: &ShuffleBody| {
        let step = json!({"kind": "shuffle", "body": body});
        let p = steps_file(&cli, name, &a, vec![step]);
        cli.run(&["ledger", "submit", "--steps", p.to_str().unwrap()])
    };
    let stderr = |o: std::process::Output| {
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8(o.stderr).unwrap()
    };
    // The output of one permutation with the proof of the other, signed by the teller.
    let mut x = sa.clone();
    x.output = sb.output.clone();
    resign_shuffle(&mut x, t1);
    let e = stderr(submit("mixed", &x));
    assert!(e.contains("[proof_invalid]"), "{e}");
    // One name pair replaced by another of the output (a name dropped, one doubled).
    let mut x = sa.clone();
    let mut out = BASE64.decode(&x.output).unwrap();
    let second = out[128..256].to_vec();
    out[..128].copy_from_slice(&second);
    x.output = BASE64.encode(out);
    resign_shuffle(&mut x, t1);
    let e = stderr(submit("doubled", &x));
    assert!(e.contains("[proof_invalid]"), "{e}");
    // The same, not re-signed: the teller's signature no longer holds.
    let mut x = sa.clone();
    x.output = sb.output.clone();
    let e = stderr(submit("unsigned", &x));
    assert!(e.contains("[teller_signature]"), "{e}");
    assert_eq!(cli.log_size(), size, "a refused shuffle logs nothing");
    // The honest one is taken.
    assert!(submit("honest", &sa).status.success());
    let _ = std::fs::remove_dir_all(&cli.dir);

    // In an export: the first shuffle with two output pairs swapped, re-signed by its teller
    // and the log key: named at the shuffle's entry.
    let entries = read_entries(&f.final_export);
    let at = find(&entries, EntryKind::Shuffle, 0);
    let first: ShuffleBody = entries[at].body_as().unwrap();
    let t1 = &tellers_in(&f.dir)[first.index as usize - 1];
    let r = f.forge("shuffle-swapped", |es| {
        edit::<ShuffleBody>(&mut es[at], |b| {
            let mut out = BASE64.decode(&b.output).unwrap();
            let (x, y) = out.split_at_mut(128);
            x.swap_with_slice(&mut y[..128]);
            b.output = BASE64.encode(out);
            resign_shuffle(b, t1);
        })
    });
    let m = named(&r, &["proof_invalid"], at);
    assert!(m.contains("shuffle"), "{m}");
    // A ciphertext of the output replaced by one of the input (the names as cast).
    let first = find(&entries, EntryKind::EncryptedBallot, 0);
    let cast = EncryptedBallotBody::decode(&entries[first].body).unwrap();
    let s = shape();
    // The first write-in line's name ciphertexts N_{0,0}, N_{0,1} follow F_i, A_i and W_0.
    let ContestShape::Candidate(c) = &s else {
        panic!()
    };
    let n0 = 2 + 64 * (c.candidates as usize * 2 + 1);
    let original = cast.lines[0].ballot[n0..n0 + 128].to_vec();
    let r = f.forge("shuffle-input", |es| {
        edit::<ShuffleBody>(&mut es[at], |b| {
            let mut out = BASE64.decode(&b.output).unwrap();
            out[..128].copy_from_slice(&original);
            b.output = BASE64.encode(out);
            resign_shuffle(b, t1);
        })
    });
    named(&r, &["proof_invalid"], at);
    // Not re-signed by the teller: the signature check names it.
    let r = f.forge("shuffle-unsigned", |es| {
        edit::<ShuffleBody>(&mut es[at], |b| {
            let mut out = BASE64.decode(&b.output).unwrap();
            out[..128].copy_from_slice(&original);
            b.output = BASE64.encode(out);
        })
    });
    named(&r, &["teller_signature"], at);
}

// ------------------------------------------------------------------ (e) results

#[test]
fn a_result_whose_decrypted_totals_or_counts_were_changed_is_named() {
    let f = fixture();
    let at = f.result as usize;
    let r = f.forge("decrypted-total", |es| {
        edit::<ResultBody>(&mut es[at], |b| b.decrypted[0].totals[0] += 1)
    });
    let m = named(&r, &["recount"], at);
    assert!(m.contains("decrypted totals"), "{m}");
    let r = f.forge("result-count", |es| {
        edit::<ResultBody>(&mut es[at], |b| {
            let c = &mut b.result["contests"][0]["candidates"][0]["for"];
            *c = json!(c.as_u64().unwrap() + 1);
        })
    });
    let m = named(&r, &["recount"], at);
    assert!(m.contains("differs from the recount"), "{m}");
    // Both changed together, so they agree with each other: the shares still say otherwise.
    let r = f.forge("both", |es| {
        edit::<ResultBody>(&mut es[at], |b| {
            b.decrypted[0].totals[0] += 1;
            let c = &mut b.result["contests"][0]["candidates"][0]["for"];
            *c = json!(c.as_u64().unwrap() + 1);
        })
    });
    named(&r, &["recount"], at);
    // A write-in name changed in both places.
    let r = f.forge("name", |es| {
        edit::<ResultBody>(&mut es[at], |b| {
            for n in b.decrypted[0].names.iter_mut() {
                if n == "司马相如" {
                    *n = "司马迁".into();
                }
            }
            for w in b.result["contests"][0]["write_ins"].as_array_mut().unwrap() {
                if w["name"] == "司马相如" {
                    w["name"] = json!("司马迁");
                }
            }
        })
    });
    named(&r, &["recount"], at);
    // The shares of a teller who never gave any claimed.
    let r = f.forge("tellers", |es| {
        edit::<ResultBody>(&mut es[at], |b| b.decrypted[0].tellers = vec![1, 3])
    });
    named(&r, &["recount"], at);
}

// ------------------------------------------------------------------ (f) secrets

#[test]
fn the_server_never_holds_a_tellers_state_or_key_share() {
    let f = fixture();
    let tellers = tellers_in(&f.dir);
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    for t in &tellers {
        let st = t.state_json();
        let share = st["key_share"].as_str().unwrap();
        assert_eq!(share.len(), 64, "{} holds its key share", t.name);
        secrets.push(share.as_bytes().to_vec());
        secrets.push(unhex(share));
        let key = std::fs::read_to_string(&t.key).unwrap();
        secrets.push(key.trim().as_bytes().to_vec());
    }
    // (The search finds them where they are: on the tellers' machine.)
    let theirs = all_bytes(&f.dir.join("tellers"));
    assert!(secrets
        .iter()
        .step_by(3)
        .all(|s| e2e_support::contains(&theirs, s)));
    for d in ["data", "keys", "exports"] {
        let dir = f.dir.join(d);
        let hits = scan(&dir, &[".state", "\"key_share\"", "\"secrets\""]);
        assert!(hits.is_empty(), "{hits:?}");
        let mut stack = vec![dir.clone()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().to_string();
                let server_key = d == "keys" && (name == "election.key" || name == "log.key");
                assert!(
                    server_key || !(name.ends_with(".state") || name.ends_with(".key")),
                    "{name} in {d}"
                );
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
        let bytes = all_bytes(&dir);
        for s in &secrets {
            assert!(!e2e_support::contains(&bytes, s), "a teller secret in {d}");
        }
    }
}

// ------------------------------------------------------------------ (g) forks

/// An encrypted-ballot entry for `token`, made by whoever holds the token and the public
/// election key (anyone can encrypt).
fn minted_ballot(export: &Path, token: &str, line: &str) -> Entry {
    let (report, replayed) = scrutineer::verify::verify_export_replayed(export, &|_, _| {});
    assert!(report.ok);
    let book = replayed.unwrap().book.unwrap();
    let t = Token::parse(token).unwrap();
    let lines: Vec<EncryptedLine> = scrutineer::e2e::kiosk::encrypt_lines(
        &election(),
        ELECTION,
        &style(),
        book.key().unwrap(),
        *t.serial(),
        &[serde_json::from_str(line).unwrap()],
        &mut scrutineer::crypto::SystemRng,
    )
    .unwrap()
    .into_iter()
    .map(|(l, _)| l)
    .collect();
    Entry {
        kind: EntryKind::EncryptedBallot,
        prev: [0; 32],
        body: EncryptedBallotBody { token: t, lines }.encode(),
    }
}

#[test]
fn a_teller_shown_a_log_that_does_not_extend_the_one_it_verified_refuses() {
    let f = fixture();
    let dir = temp("fork");
    let cli = Cli::at(dir.clone());
    let t1 = Teller {
        state: dir.join("t1.state"),
        ..tellers_in(&f.dir)[0].clone()
    };
    let seen = read_entries(&f.mid).len();
    let last = find(&read_entries(&f.mid), EntryKind::EncryptedBallot, 3);
    assert_eq!(last, seen - 1, "teller 1 last saw the fourth ballot");
    let log_key = f.log_key();
    // The fork: the same size, the last ballot replaced by another one under the same token
    // (the operator holds the printed slips), chained and signed again. It verifies.
    let forked = dir.join("forked");
    let other = minted_ballot(&f.mid, &f.tokens[3], BALLOTS[0]);
    let r = forge(&f.mid, &forked, ELECTION, &log_key, |es| {
        es[last] = other;
    });
    assert!(r.ok, "the forked log is a valid log: {r:?}");
    // Cut back instead, and continued with a different entry: also valid, also refused.
    let cut = dir.join("cut");
    let r = forge(&f.mid, &cut, ELECTION, &log_key, |es| {
        es.truncate(last);
        es.push(minted_ballot(&f.mid, &f.tokens[4], BALLOTS[1]));
    });
    assert!(r.ok, "{r:?}");
    let truncated = dir.join("truncated");
    let r = forge(&f.mid, &truncated, ELECTION, &log_key, |es| {
        es.truncate(last)
    });
    assert!(r.ok, "{r:?}");
    let mid_state = f.dir.join("tellers/t1-mid.state");
    for export in [&forked, &cut, &truncated] {
        std::fs::copy(&mid_state, &t1.state).unwrap();
        let before = std::fs::read(&t1.state).unwrap();
        let e = cli.fail(&[
            "teller",
            "run",
            "--key",
            t1.key.to_str().unwrap(),
            "--state",
            t1.state.to_str().unwrap(),
            "--export",
            export.to_str().unwrap(),
        ]);
        assert!(e.contains("[log_fork]"), "{}: {e}", export.display());
        assert_eq!(
            std::fs::read(&t1.state).unwrap(),
            before,
            "nothing recorded"
        );
    }
    // The honest log that followed extends what the teller saw: no complaint.
    std::fs::copy(&mid_state, &t1.state).unwrap();
    cli.teller_run(&t1, &f.final_export);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fork a single insider can show one teller to read one ballot: the log that teller
/// downloads is valid and extends everything it verified before, but is not the log everyone
/// else sees. The tool gives decryption shares only of a log whose root it confirmed from
/// outside the service (`--checkpoint`), and only for contests closed within it.
#[test]
fn a_teller_gives_shares_only_of_the_log_it_confirmed() {
    let f = fixture();
    let (cli, tellers) = f.at_close("confirm");
    // Teller 2 last verified the log at the end of the ceremony: any ballots may follow.
    let t2 = &tellers[1];
    let closed = cli.export();
    let pin = export_checkpoint(&closed);
    let steps = cli.path("steps.json");
    let args = teller_run_args(t2, &t2.state, &closed, &steps);
    let with = |extra: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(extra.iter().map(|a| a.to_string()))
            .collect()
    };
    let run = |extra: &[&str]| {
        let a = with(extra);
        cli.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    // No checkpoint confirmed: nothing decrypted, and the run says what to compare.
    let o = run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!steps.exists(), "no shares without a confirmed checkpoint");
    let size = read_entries(&closed).len();
    let out = text(&o);
    assert!(out.contains("--checkpoint"), "{out}");
    assert!(
        out.contains(&format!("this run's checkpoint: {size}:")),
        "{out}"
    );
    // The fork: the last ballot replaced by another under the same token (the operator holds
    // the slips), chained and signed again. It verifies, and it extends what teller 2 saw.
    let entries = read_entries(&closed);
    let last = find(&entries, EntryKind::EncryptedBallot, 3);
    let forked = temp("confirm-forked");
    let other = minted_ballot(&closed, &f.tokens[3], BALLOTS[0]);
    let r = forge(&closed, &forked, ELECTION, &f.log_key(), |es| {
        es[last] = other
    });
    assert!(r.ok, "the fork is a valid log: {r:?}");
    let before = std::fs::read(&t2.state).unwrap();
    let fork_args: Vec<String> = with(&["--checkpoint", &pin])
        .into_iter()
        .map(|a| {
            if a == closed.to_str().unwrap() {
                forked.to_str().unwrap().to_string()
            } else {
                a
            }
        })
        .collect();
    let e = cli.fail(&fork_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("[log_fork]"), "{e}");
    assert!(!steps.exists());
    assert_eq!(
        std::fs::read(&t2.state).unwrap(),
        before,
        "nothing recorded"
    );
    // A checkpoint typed wrong is named as such.
    let e = cli.fail(
        &with(&["--checkpoint", "12:not-a-root"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(e.contains("[checkpoint]"), "{e}");
    // A checkpoint confirmed before the close (the log while voting was open): the contest
    // closed after it, so its shares wait.
    let mid_pin = export_checkpoint(&f.mid);
    let o = run(&["--checkpoint", &mid_pin]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!steps.exists());
    assert!(
        text(&o).contains("closed after the confirmed checkpoint"),
        "{}",
        text(&o)
    );
    // The log everyone sees, confirmed with the checkpoint right after the close that the
    // first run printed for the tellers to compare (the root in hex): the shares are computed.
    let close = find(&entries, EntryKind::ContestClosed, 0);
    let after_close = out
        .lines()
        .find_map(|l| l.strip_prefix("收票后的检查点 the checkpoint after the last close: "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no checkpoint after the close: {out}"))
        .to_string();
    assert!(
        after_close.starts_with(&format!("{}:", close + 1)),
        "{after_close}"
    );
    let o = run(&["--checkpoint", &after_close]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(steps.exists(), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&std::fs::read(&steps).unwrap()).unwrap();
    assert!(doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["kind"] == "decryption_shares"));
    let _ = std::fs::remove_dir_all(&forked);
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// Entry 0 is checked by the verifier as the service checks it before logging it (one
/// function, `registration::check`): a forger who writes a registration the service would
/// refuse does not get a log that verifies.
#[test]
fn a_registration_the_service_would_refuse_does_not_verify() {
    let f = fixture();
    let reg = |name: &str, m: &dyn Fn(&mut ElectionRegistered)| {
        f.forge(name, |es| {
            edit(&mut es[0], |b: &mut ElectionRegistered| m(b))
        })
    };
    // Two styles for one round and unit: the desk's count would be read twice.
    let r = reg("reg-styles", &|b| {
        let s = b.styles[0].clone();
        b.styles.push(s);
    });
    named(&r, &["styles"], 0);
    // One teller's key registered again under another name: one person, two signers and
    // two shares of the election key.
    let r = reg("reg-key", &|b| {
        let v = Verifier::parse(&b.tellers[0]).unwrap();
        b.tellers.push(
            Verifier::new("teller-x", *v.verifying_key())
                .unwrap()
                .to_text(),
        );
    });
    named(&r, &["teller_twice"], 0);
    // An encrypted election claiming the first protocol (no conduct checks), or none known.
    for protocol in [1, 0, 99] {
        let r = reg("reg-protocol", &|b| b.protocol = protocol);
        named(&r, &["protocol"], 0);
    }
    // A grouped evaluation's style without the group is the service's refusal too; here an
    // empty plaintext reason stands for the secrecy checks.
    let r = reg("reg-plaintext", &|b| {
        b.secrecy = Some(Secrecy::Plaintext { reason: " ".into() })
    });
    named(&r, &["plaintext_reason_missing"], 0);
    // Protocol 4: a reason posted on the board with a direction override in it.
    let r = reg("reg-plaintext-bidi", &|b| {
        b.secrecy = Some(Secrecy::Plaintext {
            reason: "设备\u{202e}故障".into(),
        })
    });
    named(&r, &["reason_text"], 0);
    // Protocol 4: an encrypted election whose results need no teller's signature.
    let r = reg("reg-signatures", &|b| b.signatures_required = 0);
    named(&r, &["signatures_required"], 0);
    // A spare above 100% (no pool cap), and no secrecy said at all.
    let r = reg("reg-spare", &|b| b.pool_spare_percent = Some(1000));
    named(&r, &["pool_spare_percent"], 0);
    let r = reg("reg-secrecy", &|b| b.secrecy = None);
    named(&r, &["plaintext_reason_missing"], 0);
    // Protocol 4: names as the service logs them. A candidate hiding a zero-width space (a
    // decoy card beside the real one), or spelled apart by a space between Han characters.
    let name = |b: &mut ElectionRegistered, n: &str| {
        b.spec["contests"][0]["candidates"][0]["name"] = serde_json::json!(n)
    };
    let first = f.registered_name();
    let r = reg("reg-name-hidden", &|b| name(b, &format!("{first}\u{200b}")));
    named(&r, &["name_format_character"], 0);
    let spaced: String = first.chars().flat_map(|c| [c, ' ']).collect::<String>();
    let r = reg("reg-name-spaced", &|b| name(b, spaced.trim_end()));
    named(&r, &["name_not_canonical"], 0);
    // Protocol 6: a local override of a rule the law fixes, which the service refuses at
    // registration: the constituency's quorum (EL Art. 45, 2P > E) taken as "at least
    // half", or its threshold measured against the ballots returned.
    for (field, value) in [
        ("quorum_comparison", "at_least"),
        ("threshold_base", "returned"),
    ] {
        let r = reg(&format!("reg-statute-{field}"), &|b| {
            b.spec["contests"][0]["overrides"] =
                serde_json::json!({field: value, "basis": "某县实施细则"})
        });
        named(&r, &["override_statutory"], 0);
    }
    // Protocol 10 (the red-team review of 2026-12-05): entry 0 holds first rounds only. A
    // contest registered as a runoff of a contest that is not there took a runoff's rules
    // (3·for ≥ P) in its only round; one as a tie's, "most for" on any list.
    for (field, reason) in [("d0", "shortfall"), ("d0", "tie")] {
        let r = reg(&format!("reg-later-round-{reason}"), &|b| {
            b.spec["contests"][0]["parent"] = serde_json::json!(field);
            b.spec["contests"][0]["runoff_reason"] = serde_json::json!(reason);
        });
        named(&r, &["spec_later_round"], 0);
    }
    // A contest on styles of two rounds: each unit-less style counted the whole roll, so
    // the eligible figure and the token cap doubled.
    let r = reg("reg-two-rounds", &|b| {
        let mut s = b.styles[0].clone();
        s.round = s.round.saturating_add(1);
        b.styles.push(s);
    });
    named(&r, &["styles"], 0);
}

/// The report names the contests no result counts yet: open ones while voting runs; none
/// once every contest is counted (a contest left closed and never counted would be listed).
#[test]
fn verify_names_the_contests_no_result_counts_yet() {
    let f = fixture();
    let mid = scrutineer::verify::verify_export(&f.mid, &|_, _| {});
    assert!(mid.ok, "{mid:?}");
    assert!(
        !mid.not_counted.is_empty() && mid.not_counted.iter().all(|(_, p)| p == "open"),
        "{:?}",
        mid.not_counted
    );
    // Closed and not yet counted: named as closed.
    let (cli, _) = f.at_close("not-counted");
    let closed = scrutineer::verify::verify_export(&cli.export(), &|_, _| {});
    assert!(closed.ok, "{closed:?}");
    assert_eq!(
        closed.not_counted,
        [("d017".to_string(), "closed".to_string())]
    );
    let _ = std::fs::remove_dir_all(&cli.dir);
    let done = scrutineer::verify::verify_export(&f.final_export, &|_, _| {});
    assert!(
        done.ok && done.not_counted.is_empty(),
        "{:?}",
        done.not_counted
    );
}

/// A new election's entry 0 rewritten by the insider to claim protocol 3 (no teller
/// signature floor, no write-in flags, …): the log is consistent under protocol 3's rules,
/// but no teller takes part in it and `scrutineer verify` refuses it unless told that the
/// election was held under protocol 3.
#[test]
fn a_log_downgraded_to_an_older_protocol_is_refused_by_tellers_and_the_verifier() {
    let f = fixture();
    let (cli, tellers) = f.at_close("downgrade");
    let closed = cli.export();
    let forged = temp("downgrade-forged");
    let r = forge(&closed, &forged, ELECTION, &f.log_key(), |es| {
        edit(&mut es[0], |b: &mut ElectionRegistered| b.protocol = 3)
    });
    assert!(
        r.ok && r.protocol == 3,
        "consistent under protocol 3: {r:?}"
    );
    let t = &tellers[0];
    let steps = cli.path("downgrade-steps.json");
    let args = teller_run_args(t, &t.state, &forged, &steps);
    let before = std::fs::read(&t.state).unwrap();
    let e = cli.fail(&args);
    assert!(
        e.contains("[protocol_old]") && e.contains("--allow-protocol 3"),
        "{e}"
    );
    assert_eq!(std::fs::read(&t.state).unwrap(), before, "nothing recorded");
    let o = cli.run(&["verify", forged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("[protocol_old]"));
    // Named by the auditor: verified under protocol 3's rules.
    let o = cli.run(&["verify", forged.to_str().unwrap(), "--allow-protocol", "3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&forged);
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// `scrutineer verify` holds an export to what the auditor confirmed outside the service: a
/// checkpoint from the board (a fork re-signed by the insider is refused) and the log key.
#[test]
fn verify_holds_an_export_to_a_confirmed_checkpoint_and_log_key() {
    let f = fixture();
    let cli = Cli::at(temp("verify-pins"));
    let export = f.final_export.to_str().unwrap();
    let pin = export_checkpoint(&f.final_export);
    let log_key = std::fs::read_to_string(f.final_export.join("keys/log.pub")).unwrap();
    let o = cli.run(&[
        "verify",
        export,
        "--checkpoint",
        &pin,
        "--log-key",
        log_key.trim(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{out}");
    assert!(out.contains("held to the confirmed checkpoint"), "{out}");
    // Without pins it passes too, and says what it does not know.
    let o = cli.run(&["verify", export]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("to know it is the log that was posted"));
    // The fork, while voting was open: the last ballot replaced under the same token,
    // chained and signed again. It verifies on its own; not against the posted checkpoint.
    let entries = read_entries(&f.mid);
    let last = find(&entries, EntryKind::EncryptedBallot, 3);
    let forked = temp("verify-pins-forked");
    let other = minted_ballot(&f.mid, &f.tokens[3], BALLOTS[0]);
    let r = forge(&f.mid, &forked, ELECTION, &f.log_key(), |es| {
        es[last] = other
    });
    assert!(r.ok, "{r:?}");
    let fork = forked.to_str().unwrap();
    let mid_pin = export_checkpoint(&f.mid);
    let o = cli.run(&["verify", fork, "--checkpoint", &mid_pin]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("[log_fork]"), "{out}");
    // A later checkpoint than the export holds: refused, not passed.
    let o = cli.run(&["verify", f.mid.to_str().unwrap(), "--checkpoint", &pin]);
    assert_eq!(o.status.code(), Some(1));
    // A log key other than the confirmed one.
    let other_key = scrutineer::record::note::Signer::new(
        "other-hall",
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    )
    .unwrap()
    .verifier()
    .unwrap()
    .to_text();
    let o = cli.run(&["verify", export, "--log-key", &other_key]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("[keys]"), "{out}");
    let _ = std::fs::remove_dir_all(&forked);
    let _ = std::fs::remove_dir_all(&cli.dir);
}

/// A contest that only one or two voters cast electronically would publish their ballots
/// when its total is decrypted: the tool holds it until the tellers agree.
#[test]
fn a_total_of_two_ballots_waits_for_the_tellers_to_agree() {
    let (cli, tellers, _) = voting("small-total", 2, &BALLOTS[..2]);
    cli.ok(&["ledger", "close", "d017"]);
    let export = cli.export();
    let pin = export_checkpoint(&export);
    let t1 = &tellers[0];
    let steps = cli.path("small-steps.json");
    let mut args = teller_run_args(t1, &t1.state, &export, &steps);
    args.extend(["--checkpoint", pin.as_str()]);
    let out = cli.ok(&args);
    assert!(!steps.exists(), "{out}");
    assert!(out.contains("only 2 electronic ballot(s)"), "{out}");
    assert!(out.contains("--allow-small-total d017"), "{out}");
    // The tellers' agreement is for that contest: another's name does not unlock it.
    let mut other = args.clone();
    other.extend([
        "--allow-small-total",
        "d018",
        "--allow-small-total",
        "d017/staff",
    ]);
    let out = cli.ok(&other);
    assert!(!steps.exists(), "{out}");
    assert!(out.contains("only 2 electronic ballot(s)"), "{out}");
    args.extend(["--allow-small-total", "d017"]);
    let out = cli.ok(&args);
    assert!(steps.exists(), "{out}");
    // Every run shows the roster it works for, with one fingerprint the tellers compare.
    let roster = |out: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix("名单指纹 roster fingerprint: "))
            .map(|l| l.split(' ').next().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no roster fingerprint: {out}"))
    };
    let t2 = &tellers[1];
    let out2 = cli.ok(&teller_run_args(
        t2,
        &t2.state,
        &export,
        &cli.path("t2.json"),
    ));
    assert_eq!(roster(&out), roster(&out2));
    for key in std::fs::read_to_string(cli.path("tellers.txt"))
        .unwrap()
        .lines()
    {
        assert!(out.contains(key.trim()), "{key} not listed: {out}");
    }
    let _ = std::fs::remove_dir_all(&cli.dir);
}

// ------------------------------------------------------------------ over HTTP: (a), (h)

/// An encrypted npc election over HTTP with the ceremony done, `voters` checked in and the
/// contest open.
struct Live {
    dir: PathBuf,
    server: Server,
    _cli: Cli,
    kiosk: String,
    tokens: Vec<String>,
}

impl Live {
    fn start(name: &str, voters: usize) -> Live {
        let dir = temp(name);
        let cli = Cli::at(dir.join("tellers-machine"));
        let tellers = cli.tellers(3);
        let svc = dir.join("svc");
        std::fs::create_dir_all(&svc).unwrap();
        let server = Server::start(&svc);
        let org = server.login("organiser", &server.organiser_password);
        let teller = server.account(&org, "teller1", "teller");
        let desk = server.account(&org, "desk1", "registrar");
        let kiosk = server.pair_kiosk(&org, "hall-1");
        let verifiers: Vec<String> = tellers
            .iter()
            .map(|t| t.signer().verifier().unwrap().to_text())
            .collect();
        server.ok(
            "POST",
            "/api/v1/election",
            Some(&org),
            Some(&json!({"spec": spec(), "tellers": verifiers, "signatures_required": 2, "election_date": "2026-12-01"})),
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
        for i in 1..=voters {
            server.ok(
                "POST",
                "/api/v1/checkins",
                Some(&desk),
                Some(&json!({"number": format!("V{i:04}")})),
            );
        }
        Live {
            dir,
            server,
            _cli: cli,
            kiosk,
            tokens,
        }
    }

    /// The kiosk's encryption of `line` for `token`, with what the service tells it.
    fn encrypt(&self, token: &str, line: &str) -> Vec<u8> {
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
        let serial: [u8; 16] = unhex(e2e["token_serial"].as_str().unwrap())
            .try_into()
            .unwrap();
        let mut out = scrutineer::e2e::kiosk::encrypt_lines(
            &election(),
            ELECTION,
            &style(),
            &key,
            serial,
            &[serde_json::from_str(line).unwrap()],
            &mut scrutineer::crypto::SystemRng,
        )
        .unwrap();
        out.remove(0).0.ballot
    }

    fn cast(&self, token: &str, ballot: &[u8]) -> (u16, Value) {
        self.server.call(
            "POST",
            "/api/v1/ballots",
            Some(&self.kiosk),
            Some(&json!({"token": token, "encrypted": [{"contest": "d017", "ballot": BASE64.encode(ballot)}]})),
        )
    }

    fn log_size(&self) -> u64 {
        self.server.ok("GET", "/api/v1/election", None, None)["log_size"]
            .as_u64()
            .unwrap()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.server.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Ballots cast at the same moment have their proofs checked together (one batch,
/// `ledger::batch`); a bad ballot among them is refused with its own error and the good ones
/// are logged, whatever batch they shared.
#[test]
fn ballots_cast_at_once_are_each_answered_for_themselves() {
    let live = Live::start("at-once", 8);
    let ballots: Vec<(String, Vec<u8>, bool)> = live
        .tokens
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, t)| {
            let mut b = live.encrypt(t, BALLOTS[i % BALLOTS.len()]);
            let bad = i % 3 == 1;
            if bad {
                // The last response scalar of the last proof.
                let n = b.len();
                b[n - 32] ^= 1;
            }
            (t.clone(), b, bad)
        })
        .collect();
    let size = live.log_size();
    let start = std::sync::Barrier::new(ballots.len());
    let answers: Vec<(bool, u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = ballots
            .iter()
            .map(|(t, b, bad)| {
                let (server, kiosk, start) = (&live.server, &live.kiosk, &start);
                scope.spawn(move || {
                    start.wait();
                    let (status, v) = server.call(
                        "POST",
                        "/api/v1/ballots",
                        Some(kiosk),
                        Some(&json!({"token": t, "encrypted": [{"contest": "d017", "ballot": BASE64.encode(b)}]})),
                    );
                    (*bad, status, v)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut good = 0;
    for (bad, status, v) in &answers {
        if *bad {
            assert_eq!(*status, 422, "{v}");
            assert_eq!(v["code"], "proof_invalid", "{v}");
        } else {
            assert!((200..300).contains(status), "{v}");
            good += 1;
        }
    }
    assert_eq!(good, 5);
    assert_eq!(
        live.log_size(),
        size + good,
        "exactly the good ballots are logged"
    );
    // And a refused slip is still unspent: its honest ballot is taken.
    let (t, _, _) = &ballots[1];
    let honest = live.encrypt(t, BALLOTS[1]);
    let (status, v) = live.cast(t, &honest);
    assert!((200..300).contains(&status), "{v}");
}

#[test]
fn a_changed_byte_in_any_ciphertext_or_proof_is_refused_at_cast_and_logs_nothing() {
    let live = Live::start("flip", 2);
    let token = &live.tokens[0];
    let ballot = live.encrypt(token, BALLOTS[1]);
    let s = shape();
    assert_eq!(ballot.len(), s.encrypted_len());
    let p = proofs_at(&s);
    // A byte of α and of β of every ciphertext, and one byte of every 32-byte commitment or
    // scalar of every proof.
    let mut positions: Vec<usize> = Vec::new();
    for c in (2..p).step_by(64) {
        positions.push(c + 3);
        positions.push(c + 32 + 17);
    }
    positions.extend((p..ballot.len()).step_by(32).map(|w| w + 9));
    let size = live.log_size();
    let mut codes = std::collections::BTreeMap::new();
    for pos in &positions {
        let mut b = ballot.clone();
        b[*pos] ^= 0x04;
        let (status, v) = live.cast(token, &b);
        let code = v["code"].as_str().unwrap_or_default().to_string();
        assert_eq!(status, 422, "byte {pos}: {v}");
        assert!(
            ["proof_invalid", "bad_encoding", "identity_point"].contains(&code.as_str()),
            "byte {pos}: {v}"
        );
        *codes.entry(code).or_insert(0) += 1;
    }
    // Changed scalars decode and fail their proof; changed points mostly fail to decode.
    assert!(codes.contains_key("proof_invalid"), "{codes:?}");
    // The format around them: version, kind, length.
    for (what, b, code) in [
        (
            "version",
            {
                let mut b = ballot.clone();
                b[0] = 2;
                b
            },
            "bad_encoding",
        ),
        (
            "kind",
            {
                let mut b = ballot.clone();
                b[1] = 2;
                b
            },
            "bad_length",
        ),
        (
            "truncated",
            ballot[..ballot.len() - 1].to_vec(),
            "bad_length",
        ),
        (
            "longer",
            {
                let mut b = ballot.clone();
                b.push(0);
                b
            },
            "bad_length",
        ),
    ] {
        let (status, v) = live.cast(token, &b);
        assert_eq!(status, 422, "{what}: {v}");
        assert!(
            v["code"] == code || v["code"] == "bad_encoding",
            "{what}: {v}"
        );
    }
    assert_eq!(live.log_size(), size, "nothing was logged");
    // The token was not spent by any of it: the true ballot is taken.
    let (status, v) = live.cast(token, &ballot);
    assert_eq!(status, 201, "{v}");
    assert_eq!(live.log_size(), size + 1);
}

#[test]
fn an_encrypted_ballot_replayed_under_another_token_is_refused() {
    let live = Live::start("replay", 2);
    let (t1, t2) = (&live.tokens[0], &live.tokens[1]);
    let ballot = live.encrypt(t1, BALLOTS[1]);
    let (status, v) = live.cast(t1, &ballot);
    assert_eq!(status, 201, "{v}");
    let size = live.log_size();
    // The same bytes under a slip that was handed out and is unspent: the proofs are bound
    // to the first token's serial.
    let (status, v) = live.cast(t2, &ballot);
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("proof_invalid")),
        "{v}"
    );
    // And again under the first token: spent.
    let (status, v) = live.cast(t1, &ballot);
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("token_spent")),
        "{v}"
    );
    assert_eq!(live.log_size(), size);
    // The second voter's own ballot is taken.
    let own = live.encrypt(t2, BALLOTS[1]);
    assert_eq!(live.cast(t2, &own).0, 201);
}

/// A plaintext ballot posted to an encrypted election is refused before anything is written
/// (it was once checked only when the entry was applied, after it was durable: answered 201,
/// logged in the clear, the token left unspent, the export unverifiable and the ledger
/// unopenable after a restart). `State::check_ballot` now checks everything `apply` does.
#[test]
fn a_plaintext_ballot_is_refused_by_an_encrypted_election_and_logs_nothing() {
    let live = Live::start("plaintext", 2);
    let size = live.log_size();
    let (status, v) = live.server.call(
        "POST",
        "/api/v1/ballots",
        Some(&live.kiosk),
        Some(&json!({"token": live.tokens[0], "ballots": [serde_json::from_str::<Value>(BALLOTS[0]).unwrap()]})),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("ballot_kind_mismatch")),
        "{v}"
    );
    assert_eq!(live.log_size(), size);
}

// ------------------------------------------------------------------ (g) a teller's trusted prefix

/// A teller does not verify again the proofs of the log it verified last, but only when the
/// export's prefix is the same bytes (the same Merkle root): a forged prefix is verified in
/// full and its bad proof named, and a bad proof after the prefix is named as always.
#[test]
fn a_teller_skips_only_the_proofs_of_the_same_bytes_it_verified_before() {
    use scrutineer::verify::{verify_export_replayed, verify_export_trusting};
    let f = fixture();
    let entries = read_entries(&f.final_export);
    let (full, replayed) = verify_export_replayed(&f.final_export, &|_, _| {});
    assert!(full.ok && full.trusted_below == 0, "{full:?}");
    let tree = replayed.unwrap().tree;
    // The prefix a teller verified while the contest was open: up to the last ballot.
    let at = find(&entries, EntryKind::EncryptedBallot, 2);
    let last_ballot = find(&entries, EntryKind::EncryptedBallot, 3);
    let prefix = last_ballot as u64 + 1;
    let root = tree.root_at(prefix).unwrap();
    let (trusting, replayed) =
        verify_export_trusting(&f.final_export, &|_, _| {}, Some((prefix, root)));
    assert!(trusting.ok, "{trusting:?}");
    assert_eq!(trusting.trusted_below, prefix);
    assert_eq!(
        (trusting.root.clone(), trusting.ballots, trusting.results),
        (full.root.clone(), full.ballots, full.results)
    );
    assert!(replayed
        .unwrap()
        .book
        .unwrap()
        .tallies
        .values()
        .all(|t| t.ballots == 4));

    // A forged export whose prefix holds a ballot with a broken proof, re-signed: its root
    // is not the one the teller kept, so nothing is skipped and the bad proof is named.
    let out = temp("trusted-prefix-forged");
    let r = forge(&f.final_export, &out, ELECTION, &f.log_key(), |es| {
        let mut b = EncryptedBallotBody::decode(&es[at].body).unwrap();
        let n = b.lines[0].ballot.len();
        b.lines[0].ballot[n - 32] ^= 1;
        es[at].body = b.encode();
    });
    named(&r, &["proof_invalid"], at);
    let (forged, _) = verify_export_trusting(&out, &|_, _| {}, Some((prefix, root)));
    assert_eq!(forged.trusted_below, 0, "{forged:?}");
    named(&forged, &["proof_invalid"], at);
    // Trusting only what came before the forged ballot: its proof is still checked.
    let honest_before = tree.root_at(at as u64).unwrap();
    let (after, _) = verify_export_trusting(&out, &|_, _| {}, Some((at as u64, honest_before)));
    assert_eq!(after.trusted_below, at as u64, "{after:?}");
    named(&after, &["proof_invalid"], at);
    let _ = std::fs::remove_dir_all(&out);

    // The same for the tokens' signatures, which a teller does not verify again over its
    // trusted prefix either: a broken one in a forged prefix is named, trusted or not.
    let out = temp("trusted-prefix-token");
    let r = forge(&f.final_export, &out, ELECTION, &f.log_key(), |es| {
        let mut b = EncryptedBallotBody::decode(&es[at].body).unwrap();
        let mut bytes = b.token.to_bytes();
        let n = bytes.len();
        bytes[n - 1] ^= 1;
        b.token = Token::from_bytes(&bytes).unwrap();
        es[at].body = b.encode();
    });
    named(&r, &["token_signature"], at);
    let (forged, _) = verify_export_trusting(&out, &|_, _| {}, Some((prefix, root)));
    assert_eq!(forged.trusted_below, 0, "{forged:?}");
    named(&forged, &["token_signature"], at);
    let (after, _) = verify_export_trusting(&out, &|_, _| {}, Some((at as u64, honest_before)));
    assert_eq!(after.trusted_below, at as u64, "{after:?}");
    named(&after, &["token_signature"], at);
    let _ = std::fs::remove_dir_all(&out);
}

/// A teller's next run starts from the tallies it saved with the log it verified (its state
/// file) instead of decoding that log's ballots again: the same tallies as decoding every
/// ballot; the saved tallies are really what the replay counts (those of another prefix
/// make the recount fail); and they are never used over a prefix that is not the same bytes.
#[test]
fn a_teller_resumes_from_its_saved_tallies_only_over_the_same_bytes() {
    use scrutineer::verify::{verify_export_replayed, verify_export_resuming};
    let f = fixture();
    let entries = read_entries(&f.final_export);
    let (full, replayed) = verify_export_replayed(&f.final_export, &|_, _| {});
    assert!(full.ok && !full.resumed_tallies, "{full:?}");
    let replayed = replayed.unwrap();
    let tree = replayed.tree;
    let decoded_all = replayed.book.unwrap().save_tallies();
    // The log as the teller saw it with two of the four ballots cast, and the tallies it
    // saved then; and one ballot later.
    let saved_at = |n: usize| {
        let out = temp(&format!("resume-prefix-{n}"));
        let r = forge(&f.final_export, &out, ELECTION, &f.log_key(), |es| {
            es.truncate(n)
        });
        assert!(r.ok, "{r:?}");
        let (_, then) = verify_export_replayed(&out, &|_, _| {});
        let _ = std::fs::remove_dir_all(&out);
        then.unwrap().book.unwrap().save_tallies()
    };
    let at = find(&entries, EntryKind::EncryptedBallot, 2);
    let saved = saved_at(at);
    let root = tree.root_at(at as u64).unwrap();
    let (resumed, replayed) = verify_export_resuming(
        &f.final_export,
        &|_, _| {},
        Some((at as u64, root)),
        Some(&saved),
    );
    assert!(resumed.ok && resumed.resumed_tallies, "{resumed:?}");
    assert_eq!(resumed.trusted_below, at as u64);
    assert_eq!(
        (resumed.root.clone(), resumed.ballots, resumed.results),
        (full.root.clone(), full.ballots, full.results)
    );
    assert_eq!(replayed.unwrap().book.unwrap().save_tallies(), decoded_all);

    // Tallies saved one ballot later, offered for the shorter prefix: that ballot is counted
    // twice, and the recount of the published result refuses the totals.
    let later = saved_at(at + 1);
    assert_ne!(later, saved);
    let (doubled, _) = verify_export_resuming(
        &f.final_export,
        &|_, _| {},
        Some((at as u64, root)),
        Some(&later),
    );
    assert!(doubled.resumed_tallies && !doubled.ok, "{doubled:?}");

    // Damaged saved tallies are not used: every ballot is decoded, as without them.
    let mut damaged = saved.clone();
    damaged.truncate(damaged.len() - 1);
    let (r, _) = verify_export_resuming(
        &f.final_export,
        &|_, _| {},
        Some((at as u64, root)),
        Some(&damaged),
    );
    assert!(r.ok && !r.resumed_tallies, "{r:?}");

    // A prefix that is not the same bytes (another root): nothing trusted, nothing resumed.
    let other = tree.root_at(at as u64 - 1).unwrap();
    let (r, _) = verify_export_resuming(
        &f.final_export,
        &|_, _| {},
        Some((at as u64, other)),
        Some(&later),
    );
    assert!(r.ok && r.trusted_below == 0 && !r.resumed_tallies, "{r:?}");
}
